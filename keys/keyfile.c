/* SPDX-License-Identifier: MIT */
/*
 * Key files (see keyfile.h): generating, rotating, loading and parsing an
 * organisation's or the federation's secret and public key files, and the
 * signing and unsealing operations over a loaded secret.
 *
 * A loaded secret is one sodium_malloc'ed struct cairn_secret; its keys
 * never leave it except through cairn_keyfile_curve_secret().  This module
 * does not know about the address book (keys/book.c) or the wire.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "keys/keyfile.h"
#include "proto/validate.h"

#define MAGIC_SECRET	"cairn-secret-key v1"
#define MAGIC_PUBLIC	"cairn-public-key v1"
#define KEY_BYTES	32
#define TIME_LEN	20		/* YYYY-MM-DDTHH:MM:SSZ */
#define MAX_TOKENS	4
#define YEAR_MIN	1970
#define YEAR_MAX	9999
#define MS_MAX		253402300799000LL	/* 9999-12-31T23:59:59Z */

struct signkey {
	uint8_t			seed[crypto_sign_SEEDBYTES];
	uint8_t			sk[crypto_sign_SECRETKEYBYTES];
	struct cairn_pubkey	pub;
};

struct boxkey {
	uint8_t			sk[crypto_scalarmult_SCALARBYTES];
	struct cairn_pubkey	pub;
};

/* The whole struct is one sodium_malloc allocation. */
struct cairn_secret {
	char		org[CAIRN_ORG_ID_MAX + 1];
	int		is_federation;
	struct signkey	sign[CAIRN_BOOK_MAX_KEYS];
	size_t		nsign;
	struct boxkey	box[CAIRN_BOOK_MAX_KEYS];
	size_t		nbox;
	int		has_curve;
	uint8_t		curve_pk[KEY_BYTES];
	uint8_t		curve_sk[KEY_BYTES];
};

struct tok {
	const char	*p;
	size_t		 len;
};

struct outbuf {
	char		*p;
	size_t		 len;
	size_t		 cap;
	int		 overflow;
};

static int	 crypto_ready(void);
static struct cairn_secret *secret_alloc(void);
static int64_t	 days_from_civil(int64_t, int, int);
static void	 civil_from_days(int64_t, int64_t *, int *, int *);
static int	 parse_time(const struct tok *, int64_t *);
static int	 fmt_time(char [static TIME_LEN + 1], int64_t);
static int	 window(int64_t, int64_t, int64_t *, int64_t *);
static int	 tok_is(const struct tok *, const char *);
static int	 split(const char *, size_t, struct tok *, size_t);
static int	 decode32(uint8_t [static KEY_BYTES], const struct tok *);
static int	 magic_of(const char *, size_t);
static int	 parse_org(const struct tok *, struct cairn_pubfile *);
static int	 parse_window(const struct tok *, struct cairn_pubkey *);
static int	 dup_keyid(const struct cairn_pubkey *, size_t);
static int	 parse_sign(const struct tok *, struct cairn_pubfile *,
		    struct cairn_secret *);
static int	 parse_box(const struct tok *, struct cairn_pubfile *,
		    struct cairn_secret *);
static int	 parse_curve(const struct tok *, struct cairn_pubfile *,
		    struct cairn_secret *, int *);
static int	 parse(const char *, size_t, int, struct cairn_pubfile *,
		    struct cairn_secret *);
static int	 read_keyfile(const char *, char **, size_t *, mode_t *);
static void	 out_str(struct outbuf *, const char *);
static void	 out_fmt(struct outbuf *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	 out_b64(struct outbuf *, const uint8_t *, size_t);
static void	 out_key(struct outbuf *, const char *, const uint8_t *,
		    const struct cairn_pubkey *);
static int	 format_secret(const struct cairn_secret *, struct outbuf *);
static int	 format_public(const struct cairn_pubfile *, struct outbuf *);
static int	 write_all(int, const char *, size_t);
static int	 sync_dir(const char *);
static int	 create_file(const char *, const struct outbuf *, mode_t);
static int	 write_pair(const struct cairn_secret *, const char *,
		    const char *, int);
static int	 add_sign(struct cairn_secret *, int64_t, int64_t);
static int	 add_box(struct cairn_secret *, int64_t, int64_t);
static int	 generate(const char *, const char *, int, int64_t, int64_t);
static int	 better(const struct cairn_pubkey *,
		    const struct cairn_pubkey *, int64_t);
static int	 signer_sign(void *, uint8_t [static CAIRN_SIG_BYTES],
		    const uint8_t [static CAIRN_DIGEST_BYTES]);
static int	 unsealer_shared(void *, uint8_t [static 32],
		    uint8_t [static CAIRN_BOX_PK_BYTES],
		    const uint8_t [static CAIRN_KEY_ID_BYTES],
		    const uint8_t [static 32]);

static int
crypto_ready(void)
{
	if (sodium_init() < 0)
		return CAIRN_EINVAL;
	return 0;
}

static struct cairn_secret *
secret_alloc(void)
{
	struct cairn_secret	*sec;

	if ((sec = sodium_malloc(sizeof(*sec))) == NULL)
		return NULL;
	sodium_memzero(sec, sizeof(*sec));
	return sec;
}

void
cairn_keyfile_secret_free(struct cairn_secret *sec)
{
	sodium_free(sec);
}

/* Proleptic Gregorian calendar, days since 1970-01-01 (H. Hinnant). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t	era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int
parse_time(const struct tok *t, int64_t *ms)
{
	static const char	 shape[] = "dddd-dd-ddTdd:dd:ddZ";
	static const int	 mdays[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	const char	*s = t->p;
	int64_t		 year;
	int		 mon, day, hh, mm, ss, leap, dim;
	size_t		 i;

	if (t->len != TIME_LEN)
		return CAIRN_EKEYFILE;
	for (i = 0; i < TIME_LEN; i++) {
		if (shape[i] == 'd') {
			if (s[i] < '0' || s[i] > '9')
				return CAIRN_EKEYFILE;
		} else if (s[i] != shape[i])
			return CAIRN_EKEYFILE;
	}
#define D2(o)	((s[o] - '0') * 10 + (s[(o) + 1] - '0'))
	year = D2(0) * 100 + D2(2);
	mon = D2(5);
	day = D2(8);
	hh = D2(11);
	mm = D2(14);
	ss = D2(17);
#undef D2
	if (year < YEAR_MIN || year > YEAR_MAX || mon < 1 || mon > 12)
		return CAIRN_EKEYFILE;
	leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	dim = mdays[mon - 1] + (mon == 2 && leap);
	if (day < 1 || day > dim || hh > 23 || mm > 59 || ss > 59)
		return CAIRN_EKEYFILE;
	*ms = ((days_from_civil(year, mon, day) * 24 + hh) * 60 + mm) * 60 +
	    ss;
	*ms *= 1000;
	return 0;
}

static int
fmt_time(char out[static TIME_LEN + 1], int64_t ms)
{
	static const int	 at[] = { 0, 2, 5, 8, 11, 14, 17 };
	int64_t			 secs, year;
	int			 v[7], mon, day;
	size_t			 i;

	if (ms < 0 || ms > MS_MAX)
		return CAIRN_EINVAL;
	secs = ms / 1000;
	civil_from_days(secs / 86400, &year, &mon, &day);
	v[0] = (int)(year / 100);
	v[1] = (int)(year % 100);
	v[2] = mon;
	v[3] = day;
	v[4] = (int)(secs % 86400 / 3600);
	v[5] = (int)(secs % 3600 / 60);
	v[6] = (int)(secs % 60);
	memcpy(out, "0000-00-00T00:00:00Z", TIME_LEN + 1);
	for (i = 0; i < 7; i++) {
		out[at[i]] = (char)('0' + v[i] / 10);
		out[at[i] + 1] = (char)('0' + v[i] % 10);
	}
	return 0;
}

/* A key window in whole seconds, as the file can hold it. */
static int
window(int64_t from_ms, int64_t valid_ms, int64_t *from, int64_t *until)
{
	if (from_ms < 0 || from_ms > MS_MAX || valid_ms < 1000 ||
	    valid_ms > MS_MAX - from_ms)
		return CAIRN_EINVAL;
	*from = from_ms / 1000 * 1000;
	*until = (from_ms + valid_ms) / 1000 * 1000;
	if (*from >= *until)
		return CAIRN_EINVAL;
	return 0;
}

static int
tok_is(const struct tok *t, const char *s)
{
	return t->len == strlen(s) && memcmp(t->p, s, t->len) == 0;
}

/*
 * Splits a line at single spaces.  Returns the number of tokens, or -1 for
 * an empty token (leading, trailing or doubled space) or more than max.
 */
static int
split(const char *line, size_t len, struct tok *tok, size_t max)
{
	const char	*p = line, *end = line + len, *sp;
	size_t		 n = 0;

	for (;;) {
		if (n == max)
			return -1;
		sp = memchr(p, ' ', (size_t)(end - p));
		tok[n].p = p;
		tok[n].len = (size_t)((sp ? sp : end) - p);
		if (tok[n].len == 0)
			return -1;
		n++;
		if (sp == NULL)
			break;
		p = sp + 1;
	}
	return (int)n;
}

/*
 * Decodes exactly 32 bytes of padded base64 (libsodium's decoder runs in
 * constant time); out is wiped on failure.
 */
static int
decode32(uint8_t out[static KEY_BYTES], const struct tok *t)
{
	size_t	binlen = 0;

	if (sodium_base642bin(out, KEY_BYTES, t->p, t->len, NULL, &binlen,
	    NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    binlen != KEY_BYTES) {
		sodium_memzero(out, KEY_BYTES);
		return CAIRN_EKEYFILE;
	}
	return 0;
}

/* 1 secret, 2 public, 0 neither: the first non-comment line. */
static int
magic_of(const char *buf, size_t len)
{
	const char	*p = buf, *end = buf + len, *nl;
	size_t		 n;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl ? nl : end) - p);
		if (n > 0 && *p != '#') {
			if (n == strlen(MAGIC_SECRET) &&
			    memcmp(p, MAGIC_SECRET, n) == 0)
				return 1;
			if (n == strlen(MAGIC_PUBLIC) &&
			    memcmp(p, MAGIC_PUBLIC, n) == 0)
				return 2;
			return 0;
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return 0;
}

static int
parse_org(const struct tok *t, struct cairn_pubfile *pub)
{
	if (t->len > CAIRN_ORG_ID_MAX)
		return CAIRN_EKEYFILE;
	memcpy(pub->org, t->p, t->len);
	pub->org[t->len] = '\0';
	if (strcmp(pub->org, CAIRN_FEDERATION_ORG) == 0)
		pub->is_federation = 1;
	else if (cairn_valid_org_id(pub->org) != 0)
		return CAIRN_EKEYFILE;
	return 0;
}

static int
parse_window(const struct tok *t, struct cairn_pubkey *k)
{
	if (parse_time(&t[0], &k->valid_from_ms) != 0 ||
	    parse_time(&t[1], &k->valid_until_ms) != 0 ||
	    k->valid_from_ms >= k->valid_until_ms)
		return CAIRN_EKEYFILE;
	return 0;
}

/* Whether the last of n keys repeats an earlier key id. */
static int
dup_keyid(const struct cairn_pubkey *keys, size_t n)
{
	size_t	i;

	for (i = 0; i + 1 < n; i++)
		if (memcmp(keys[i].key_id, keys[n - 1].key_id,
		    CAIRN_KEY_ID_BYTES) == 0)
			return 1;
	return 0;
}

/* t: "sign" B64 FROM UNTIL.  sec is NULL for a public file. */
static int
parse_sign(const struct tok *t, struct cairn_pubfile *pub,
    struct cairn_secret *sec)
{
	struct cairn_pubkey	*k;
	struct signkey		*sk;

	if (pub->nsign_keys == CAIRN_BOOK_MAX_KEYS)
		return CAIRN_EKEYFILE;
	k = &pub->sign_keys[pub->nsign_keys];
	if (sec != NULL) {
		sk = &sec->sign[sec->nsign];
		if (decode32(sk->seed, &t[1]) != 0)
			return CAIRN_EKEYFILE;
		if (crypto_sign_seed_keypair(k->pk, sk->sk, sk->seed) != 0)
			return CAIRN_EKEYFILE;
	} else {
		if (decode32(k->pk, &t[1]) != 0)
			return CAIRN_EKEYFILE;
		if (!crypto_core_ed25519_is_valid_point(k->pk))
			return CAIRN_EKEYFILE;
	}
	if (parse_window(&t[2], k) != 0)
		return CAIRN_EKEYFILE;
	cairn_sig_keyid(k->key_id, k->pk);
	pub->nsign_keys++;
	if (dup_keyid(pub->sign_keys, pub->nsign_keys))
		return CAIRN_EKEYFILE;
	if (sec != NULL) {
		sec->sign[sec->nsign].pub = *k;
		sec->nsign++;
	}
	return 0;
}

/* t: "box" B64 FROM UNTIL.  sec is NULL for a public file. */
static int
parse_box(const struct tok *t, struct cairn_pubfile *pub,
    struct cairn_secret *sec)
{
	struct cairn_pubkey	*k;
	struct boxkey		*bk;

	if (pub->nbox_keys == CAIRN_BOOK_MAX_KEYS)
		return CAIRN_EKEYFILE;
	k = &pub->box_keys[pub->nbox_keys];
	if (sec != NULL) {
		bk = &sec->box[sec->nbox];
		if (decode32(bk->sk, &t[1]) != 0)
			return CAIRN_EKEYFILE;
		if (crypto_scalarmult_base(k->pk, bk->sk) != 0)
			return CAIRN_EKEYFILE;
	} else if (decode32(k->pk, &t[1]) != 0)
		return CAIRN_EKEYFILE;
	if (parse_window(&t[2], k) != 0)
		return CAIRN_EKEYFILE;
	cairn_sig_keyid(k->key_id, k->pk);
	pub->nbox_keys++;
	if (dup_keyid(pub->box_keys, pub->nbox_keys))
		return CAIRN_EKEYFILE;
	if (sec != NULL) {
		sec->box[sec->nbox].pub = *k;
		sec->nbox++;
	}
	return 0;
}

/* t: "curve" B64. */
static int
parse_curve(const struct tok *t, struct cairn_pubfile *pub,
    struct cairn_secret *sec, int *seen)
{
	if (*seen)
		return CAIRN_EKEYFILE;
	*seen = 1;
	if (sec != NULL) {
		if (decode32(sec->curve_sk, &t[1]) != 0)
			return CAIRN_EKEYFILE;
		if (crypto_scalarmult_base(sec->curve_pk, sec->curve_sk) != 0)
			return CAIRN_EKEYFILE;
		memcpy(pub->curve_pk, sec->curve_pk, KEY_BYTES);
		sec->has_curve = 1;
	} else if (decode32(pub->curve_pk, &t[1]) != 0)
		return CAIRN_EKEYFILE;
	return 0;
}

/*
 * The one parser for both kinds of file.  pub always receives the public
 * halves; sec (secret files only) receives the keys.
 */
static int
parse(const char *buf, size_t len, int secret, struct cairn_pubfile *pub,
    struct cairn_secret *sec)
{
	const char	*p = buf, *end = buf + len, *nl, *want, *other;
	struct tok	 t[MAX_TOKENS];
	size_t		 n;
	int		 ntok, state = 0, curve = 0, ret;

	memset(pub, 0, sizeof(*pub));
	if (len == 0 || memchr(buf, '\0', len) != NULL)
		return CAIRN_EKEYFILE;
	want = secret ? MAGIC_SECRET : MAGIC_PUBLIC;
	other = secret ? MAGIC_PUBLIC : MAGIC_SECRET;
	for (; p < end; p = nl ? nl + 1 : end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl ? nl : end) - p);
		if (n == 0 || *p == '#')
			continue;
		if (state == 0) {
			if (n == strlen(other) && memcmp(p, other, n) == 0)
				return CAIRN_EKEYTYPE;
			if (n != strlen(want) || memcmp(p, want, n) != 0)
				return CAIRN_EKEYFILE;
			state = 1;
			continue;
		}
		if ((ntok = split(p, n, t, MAX_TOKENS)) < 0)
			return CAIRN_EKEYFILE;
		if (state == 1) {
			if (ntok != 2 || !tok_is(&t[0], "org"))
				return CAIRN_EKEYFILE;
			if ((ret = parse_org(&t[1], pub)) != 0)
				return ret;
			state = 2;
		} else if (ntok == 4 && tok_is(&t[0], "sign")) {
			if ((ret = parse_sign(t, pub, sec)) != 0)
				return ret;
		} else if (ntok == 4 && tok_is(&t[0], "box")) {
			if ((ret = parse_box(t, pub, sec)) != 0)
				return ret;
		} else if (ntok == 2 && tok_is(&t[0], "curve")) {
			if ((ret = parse_curve(t, pub, sec, &curve)) != 0)
				return ret;
		} else
			return CAIRN_EKEYFILE;
	}
	if (state != 2)
		return CAIRN_EKEYFILE;
	if (pub->is_federation) {
		if (pub->nsign_keys != 1 || pub->nbox_keys != 0 || curve)
			return CAIRN_EKEYFILE;
	} else if (pub->nsign_keys == 0 || pub->nbox_keys == 0 || !curve)
		return CAIRN_EKEYFILE;
	if (sec != NULL) {
		memcpy(sec->org, pub->org, sizeof(sec->org));
		sec->is_federation = pub->is_federation;
	}
	return 0;
}

int
cairn_keyfile_secret_parse(struct cairn_secret **out, const char *buf,
    size_t len)
{
	struct cairn_pubfile	 pub;
	struct cairn_secret	*sec;
	int			 ret;

	*out = NULL;
	if ((ret = crypto_ready()) != 0)
		return ret;
	if (len > CAIRN_KEYFILE_MAX_BYTES)
		return CAIRN_ETOOBIG;
	if ((sec = secret_alloc()) == NULL)
		return -ENOMEM;
	if ((ret = parse(buf, len, 1, &pub, sec)) != 0) {
		cairn_keyfile_secret_free(sec);
		return ret;
	}
	*out = sec;
	return 0;
}

int
cairn_keyfile_public_parse(struct cairn_pubfile *out, const char *buf,
    size_t len)
{
	int	ret;

	if ((ret = crypto_ready()) != 0)
		return ret;
	if (len > CAIRN_KEYFILE_MAX_BYTES) {
		memset(out, 0, sizeof(*out));
		return CAIRN_ETOOBIG;
	}
	return parse(buf, len, 0, out, NULL);
}

/*
 * Reads a whole key file into sodium_malloc'ed memory (it may hold secret
 * keys; sodium_free wipes it).
 */
static int
read_keyfile(const char *path, char **bufp, size_t *lenp, mode_t *mode)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 len = 0;
	ssize_t		 r;
	int		 fd, ret;

	*bufp = NULL;
	/* O_NONBLOCK: a FIFO in place of a key file must not hang us. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1)
		return -errno;
	if (fstat(fd, &st) == -1) {
		ret = -errno;
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = CAIRN_EKEYFILE;
		goto fail;
	}
	if (st.st_size > CAIRN_KEYFILE_MAX_BYTES) {
		ret = CAIRN_ETOOBIG;
		goto fail;
	}
	if ((buf = sodium_malloc(CAIRN_KEYFILE_MAX_BYTES + 1)) == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	/* The file may grow after fstat: read at most one byte too many. */
	while (len <= CAIRN_KEYFILE_MAX_BYTES) {
		r = read(fd, buf + len, CAIRN_KEYFILE_MAX_BYTES + 1 - len);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto fail;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len > CAIRN_KEYFILE_MAX_BYTES) {
		ret = CAIRN_ETOOBIG;
		goto fail;
	}
	close(fd);
	*bufp = buf;
	*lenp = len;
	*mode = st.st_mode;
	return 0;
fail:
	sodium_free(buf);
	close(fd);
	return ret;
}

int
cairn_keyfile_secret_load(struct cairn_secret **out, const char *path)
{
	char	*buf;
	size_t	 len;
	mode_t	 mode;
	int	 ret;

	*out = NULL;
	if ((ret = crypto_ready()) != 0)
		return ret;
	if ((ret = read_keyfile(path, &buf, &len, &mode)) != 0)
		return ret;
	/*
	 * A public file is reported as such even when it is world-readable
	 * (as public files are): the wrong file, not a leaked secret.
	 */
	if (magic_of(buf, len) == 2)
		ret = CAIRN_EKEYTYPE;
	else if (mode & 077)
		ret = CAIRN_EKEYPERM;
	else
		ret = cairn_keyfile_secret_parse(out, buf, len);
	sodium_free(buf);
	return ret;
}

int
cairn_keyfile_public_load(struct cairn_pubfile **out, const char *path)
{
	struct cairn_pubfile	*pub;
	char			*buf;
	size_t			 len;
	mode_t			 mode;
	int			 ret;

	*out = NULL;
	if ((ret = crypto_ready()) != 0)
		return ret;
	if ((ret = read_keyfile(path, &buf, &len, &mode)) != 0)
		return ret;
	if ((pub = malloc(sizeof(*pub))) == NULL) {
		sodium_free(buf);
		return -ENOMEM;
	}
	ret = cairn_keyfile_public_parse(pub, buf, len);
	sodium_free(buf);
	if (ret != 0) {
		free(pub);
		return ret;
	}
	*out = pub;
	return 0;
}

const char *
cairn_keyfile_secret_org(const struct cairn_secret *sec)
{
	return sec->org;
}

void
cairn_keyfile_secret_public(const struct cairn_secret *sec,
    struct cairn_pubfile *pub)
{
	size_t	i;

	memset(pub, 0, sizeof(*pub));
	memcpy(pub->org, sec->org, sizeof(pub->org));
	pub->is_federation = sec->is_federation;
	for (i = 0; i < sec->nsign; i++)
		pub->sign_keys[i] = sec->sign[i].pub;
	pub->nsign_keys = sec->nsign;
	for (i = 0; i < sec->nbox; i++)
		pub->box_keys[i] = sec->box[i].pub;
	pub->nbox_keys = sec->nbox;
	if (sec->has_curve)
		memcpy(pub->curve_pk, sec->curve_pk, KEY_BYTES);
}

/* ---- writing ------------------------------------------------------------ */

static void
out_str(struct outbuf *o, const char *s)
{
	size_t	n = strlen(s);

	if (o->overflow || n >= o->cap - o->len) {
		o->overflow = 1;
		return;
	}
	memcpy(o->p + o->len, s, n + 1);
	o->len += n;
}

static void
out_fmt(struct outbuf *o, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (o->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len) {
		o->overflow = 1;
		return;
	}
	o->len += (size_t)n;
}

/* Base64 straight into the buffer, so secret bytes need no temporary. */
static void
out_b64(struct outbuf *o, const uint8_t *bin, size_t len)
{
	size_t	need = sodium_base64_ENCODED_LEN(len,
		    sodium_base64_VARIANT_ORIGINAL);

	if (o->overflow || need > o->cap - o->len) {
		o->overflow = 1;
		return;
	}
	sodium_bin2base64(o->p + o->len, need, bin, len,
	    sodium_base64_VARIANT_ORIGINAL);
	o->len += need - 1;
}

/* "WHAT B64 FROM UNTIL\n" */
static void
out_key(struct outbuf *o, const char *what, const uint8_t *bin,
    const struct cairn_pubkey *k)
{
	char	from[TIME_LEN + 1], until[TIME_LEN + 1];

	if (fmt_time(from, k->valid_from_ms) != 0 ||
	    fmt_time(until, k->valid_until_ms) != 0) {
		o->overflow = 1;
		return;
	}
	out_fmt(o, "%s ", what);
	out_b64(o, bin, KEY_BYTES);
	out_fmt(o, " %s %s\n", from, until);
}

static int
format_secret(const struct cairn_secret *sec, struct outbuf *o)
{
	size_t	i;

	if (sec->is_federation)
		out_str(o, "# cairn federation secret key: signs the address "
		    "book; keep private (mode 0600)\n");
	else
		out_fmt(o, "# cairn secret key for %s: keep private "
		    "(mode 0600)\n", sec->org);
	out_fmt(o, "%s\norg %s\n", MAGIC_SECRET, sec->org);
	for (i = 0; i < sec->nsign; i++)
		out_key(o, "sign", sec->sign[i].seed, &sec->sign[i].pub);
	for (i = 0; i < sec->nbox; i++)
		out_key(o, "box", sec->box[i].sk, &sec->box[i].pub);
	if (sec->has_curve) {
		out_str(o, "curve ");
		out_b64(o, sec->curve_sk, KEY_BYTES);
		out_str(o, "\n");
	}
	return o->overflow ? CAIRN_ETOOBIG : 0;
}

static int
format_public(const struct cairn_pubfile *pub, struct outbuf *o)
{
	size_t	i;

	if (pub->is_federation)
		out_str(o, "# cairn federation public key: every daemon "
		    "verifies the address book with it\n");
	else
		out_fmt(o, "# cairn public key for %s: list it in the "
		    "address book source\n", pub->org);
	out_fmt(o, "%s\norg %s\n", MAGIC_PUBLIC, pub->org);
	for (i = 0; i < pub->nsign_keys; i++)
		out_key(o, "sign", pub->sign_keys[i].pk, &pub->sign_keys[i]);
	for (i = 0; i < pub->nbox_keys; i++)
		out_key(o, "box", pub->box_keys[i].pk, &pub->box_keys[i]);
	if (!pub->is_federation) {
		out_str(o, "curve ");
		out_b64(o, pub->curve_pk, KEY_BYTES);
		out_str(o, "\n");
	}
	return o->overflow ? CAIRN_ETOOBIG : 0;
}

static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t	w;

	while (len > 0) {
		if ((w = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += w;
		len -= (size_t)w;
	}
	if (fsync(fd) == -1)
		return -errno;
	return 0;
}

/* Makes a new directory entry durable. */
static int
sync_dir(const char *path)
{
	char		 dir[PATH_MAX];
	const char	*slash;
	size_t		 n;
	int		 fd, ret = 0;

	if ((slash = strrchr(path, '/')) == NULL) {
		strcpy(dir, ".");
	} else {
		n = slash == path ? 1 : (size_t)(slash - path);
		if (n >= sizeof(dir))
			return -ENAMETOOLONG;
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -errno;
	if (fsync(fd) == -1)
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * Creates path with exactly mode: open() applies the umask, which may
 * only take bits away, so fchmod() puts a public file's read bits back.
 */
static int
create_file(const char *path, const struct outbuf *o, mode_t mode)
{
	int	fd, ret;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    mode);
	if (fd == -1)
		return errno == EEXIST ? CAIRN_EEXIST : -errno;
	if (fchmod(fd, mode) == -1)
		ret = -errno;
	else
		ret = write_all(fd, o->p, o->len);
	if (close(fd) == -1 && ret == 0)
		ret = -errno;
	if (ret != 0)
		unlink(path);
	return ret;
}

static int
write_pair(const struct cairn_secret *sec, const char *secpath,
    const char *pubpath, int replace)
{
	struct cairn_pubfile	 pub;
	struct outbuf		 so = { 0 }, po = { 0 };
	struct stat		 st;
	char			 stmp[PATH_MAX], ptmp[PATH_MAX], hex[17];
	uint8_t			 rnd[8];
	int			 ret;

	cairn_keyfile_secret_public(sec, &pub);
	so.cap = po.cap = CAIRN_KEYFILE_MAX_BYTES;
	if ((so.p = sodium_malloc(so.cap)) == NULL ||
	    (po.p = sodium_malloc(po.cap)) == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	if ((ret = format_secret(sec, &so)) != 0 ||
	    (ret = format_public(&pub, &po)) != 0)
		goto out;
	if (!replace) {
		if (lstat(pubpath, &st) == 0) {
			ret = CAIRN_EEXIST;
			goto out;
		}
		if ((ret = create_file(secpath, &so, 0600)) != 0)
			goto out;
		if ((ret = create_file(pubpath, &po, 0644)) != 0) {
			unlink(secpath);
			goto out;
		}
		ret = sync_dir(secpath);
		goto out;
	}
	randombytes_buf(rnd, sizeof(rnd));
	cairn_sig_hex(hex, rnd, sizeof(rnd));
	if (snprintf(stmp, sizeof(stmp), "%s.%s.tmp", secpath, hex) >=
	    (int)sizeof(stmp) ||
	    snprintf(ptmp, sizeof(ptmp), "%s.%s.tmp", pubpath, hex) >=
	    (int)sizeof(ptmp)) {
		ret = -ENAMETOOLONG;
		goto out;
	}
	/* Temporary files next to the targets, renamed once both exist. */
	if ((ret = create_file(stmp, &so, 0600)) != 0)
		goto out;
	if ((ret = create_file(ptmp, &po, 0644)) != 0) {
		unlink(stmp);
		goto out;
	}
	if (rename(stmp, secpath) == -1) {
		ret = -errno;
		unlink(stmp);
		unlink(ptmp);
		goto out;
	}
	if (rename(ptmp, pubpath) == -1) {
		ret = -errno;
		unlink(ptmp);
		goto out;
	}
	if ((ret = sync_dir(secpath)) == 0)
		ret = sync_dir(pubpath);
out:
	sodium_free(so.p);
	sodium_free(po.p);
	return ret;
}

static int
add_sign(struct cairn_secret *sec, int64_t from, int64_t until)
{
	struct signkey	*k;

	if (sec->nsign == CAIRN_BOOK_MAX_KEYS)
		return CAIRN_ETOOBIG;
	k = &sec->sign[sec->nsign];
	randombytes_buf(k->seed, sizeof(k->seed));
	if (crypto_sign_seed_keypair(k->pub.pk, k->sk, k->seed) != 0) {
		sodium_memzero(k, sizeof(*k));
		return CAIRN_EINVAL;
	}
	cairn_sig_keyid(k->pub.key_id, k->pub.pk);
	k->pub.valid_from_ms = from;
	k->pub.valid_until_ms = until;
	sec->nsign++;
	return 0;
}

static int
add_box(struct cairn_secret *sec, int64_t from, int64_t until)
{
	struct boxkey	*k;

	if (sec->nbox == CAIRN_BOOK_MAX_KEYS)
		return CAIRN_ETOOBIG;
	k = &sec->box[sec->nbox];
	if (crypto_box_keypair(k->pub.pk, k->sk) != 0) {
		sodium_memzero(k, sizeof(*k));
		return CAIRN_EINVAL;
	}
	cairn_sig_keyid(k->pub.key_id, k->pub.pk);
	k->pub.valid_from_ms = from;
	k->pub.valid_until_ms = until;
	sec->nbox++;
	return 0;
}

static int
generate(const char *dir, const char *org, int federation, int64_t now_ms,
    int64_t valid_ms)
{
	struct cairn_secret	*sec = NULL;
	char			 secpath[PATH_MAX], pubpath[PATH_MAX];
	int64_t			 from, until;
	int			 ret;

	if ((ret = crypto_ready()) != 0)
		return ret;
	if ((ret = window(now_ms, valid_ms, &from, &until)) != 0)
		return ret;
	if (snprintf(secpath, sizeof(secpath), "%s/%s.secret", dir, org) >=
	    (int)sizeof(secpath) ||
	    snprintf(pubpath, sizeof(pubpath), "%s/%s.pub", dir, org) >=
	    (int)sizeof(pubpath))
		return -ENAMETOOLONG;
	if ((sec = secret_alloc()) == NULL)
		return -ENOMEM;
	strcpy(sec->org, org);
	sec->is_federation = federation;
	if ((ret = add_sign(sec, from, until)) != 0)
		goto out;
	if (!federation) {
		if ((ret = add_box(sec, from, until)) != 0)
			goto out;
		if (crypto_box_keypair(sec->curve_pk, sec->curve_sk) != 0) {
			ret = CAIRN_EINVAL;
			goto out;
		}
		sec->has_curve = 1;
	}
	ret = write_pair(sec, secpath, pubpath, 0);
out:
	cairn_keyfile_secret_free(sec);
	return ret;
}

int
cairn_keyfile_generate(const char *dir, const char *org, int64_t now_ms,
    int64_t valid_ms)
{
	if (strcmp(org, CAIRN_FEDERATION_ORG) == 0 ||
	    cairn_valid_org_id(org) != 0)
		return CAIRN_EORGID;
	return generate(dir, org, 0, now_ms, valid_ms);
}

int
cairn_keyfile_generate_federation(const char *dir, int64_t now_ms,
    int64_t valid_ms)
{
	return generate(dir, CAIRN_FEDERATION_ORG, 1, now_ms, valid_ms);
}

int
cairn_keyfile_rotate(const char *secret_path, const char *pub_path,
    int64_t now_ms, int64_t from_ms, int64_t valid_ms)
{
	struct cairn_secret	*sec = NULL;
	struct cairn_pubfile	*old = NULL;
	int64_t			 from, until;
	size_t			 i, n;
	int			 ret;

	if ((ret = window(from_ms, valid_ms, &from, &until)) != 0)
		return ret;
	if ((ret = cairn_keyfile_secret_load(&sec, secret_path)) != 0)
		return ret;
	if (sec->is_federation) {
		ret = CAIRN_EKEYTYPE;
		goto out;
	}
	/* Never overwrite a public file that belongs to someone else. */
	ret = cairn_keyfile_public_load(&old, pub_path);
	if (ret == 0 && strcmp(old->org, sec->org) != 0)
		ret = CAIRN_EKEYFILE;
	else if (ret == -ENOENT)
		ret = 0;
	if (ret != 0)
		goto out;

	for (i = n = 0; i < sec->nsign; i++)
		if (sec->sign[i].pub.valid_until_ms > now_ms)
			sec->sign[n++] = sec->sign[i];
	sodium_memzero(&sec->sign[n], (sec->nsign - n) * sizeof(sec->sign[0]));
	sec->nsign = n;
	for (i = n = 0; i < sec->nbox; i++)
		if (sec->box[i].pub.valid_until_ms > now_ms)
			sec->box[n++] = sec->box[i];
	sodium_memzero(&sec->box[n], (sec->nbox - n) * sizeof(sec->box[0]));
	sec->nbox = n;

	if ((ret = add_sign(sec, from, until)) != 0 ||
	    (ret = add_box(sec, from, until)) != 0)
		goto out;
	ret = write_pair(sec, secret_path, pub_path, 1);
out:
	free(old);
	cairn_keyfile_secret_free(sec);
	return ret;
}

/* ---- operations --------------------------------------------------------- */

/*
 * Whether k is valid at now_ms and newer than best (NULL: none yet); on a
 * tie the later key in the file wins.
 */
static int
better(const struct cairn_pubkey *k, const struct cairn_pubkey *best,
    int64_t now_ms)
{
	if (k->valid_from_ms > now_ms || now_ms >= k->valid_until_ms)
		return 0;
	return best == NULL || k->valid_from_ms >= best->valid_from_ms;
}

static int
signer_sign(void *arg, uint8_t sig[static CAIRN_SIG_BYTES],
    const uint8_t digest[static CAIRN_DIGEST_BYTES])
{
	const struct signkey	*k = arg;

	if (crypto_sign_detached(sig, NULL, digest, CAIRN_DIGEST_BYTES,
	    k->sk) != 0)
		return CAIRN_EINVAL;
	return 0;
}

int
cairn_keyfile_signer(const struct cairn_secret *sec, int64_t now_ms,
    struct cairn_signer *out)
{
	const struct signkey	*best = NULL;
	size_t			 i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < sec->nsign; i++)
		if (better(&sec->sign[i].pub, best ? &best->pub : NULL,
		    now_ms))
			best = &sec->sign[i];
	if (best == NULL)
		return CAIRN_ENOKEY;
	out->sign = signer_sign;
	out->arg = (void *)best;
	memcpy(out->key_id, best->pub.key_id, CAIRN_KEY_ID_BYTES);
	return 0;
}

int
cairn_keyfile_box_current(const struct cairn_secret *sec, int64_t now_ms,
    struct cairn_pubkey *out)
{
	const struct cairn_pubkey	*best = NULL;
	size_t				 i;

	for (i = 0; i < sec->nbox; i++)
		if (better(&sec->box[i].pub, best, now_ms))
			best = &sec->box[i].pub;
	if (best == NULL)
		return CAIRN_ENOKEY;
	*out = *best;
	return 0;
}

static int
unsealer_shared(void *arg, uint8_t shared[static 32],
    uint8_t rpk[static CAIRN_BOX_PK_BYTES],
    const uint8_t key_id[static CAIRN_KEY_ID_BYTES],
    const uint8_t epk[static 32])
{
	const struct cairn_secret	*sec = arg;
	const struct boxkey		*k;
	size_t				 i;

	for (i = 0; i < sec->nbox; i++) {
		k = &sec->box[i];
		if (memcmp(k->pub.key_id, key_id, CAIRN_KEY_ID_BYTES) != 0)
			continue;
		if (crypto_scalarmult(shared, k->sk, epk) != 0) {
			sodium_memzero(shared, 32);
			return CAIRN_EDECRYPT;
		}
		memcpy(rpk, k->pub.pk, CAIRN_BOX_PK_BYTES);
		return 0;
	}
	return CAIRN_ENORECIPIENTKEY;
}

void
cairn_keyfile_unsealer(const struct cairn_secret *sec,
    struct cairn_unsealer *out)
{
	out->shared = unsealer_shared;
	out->arg = (void *)sec;
}

int
cairn_keyfile_curve_secret(const struct cairn_secret *sec,
    uint8_t pk[static 32], uint8_t sk[static 32])
{
	if (!sec->has_curve)
		return CAIRN_ENOKEY;
	memcpy(pk, sec->curve_pk, KEY_BYTES);
	memcpy(sk, sec->curve_sk, KEY_BYTES);
	return 0;
}

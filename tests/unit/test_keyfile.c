/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for keys/keyfile.c: generating, loading, rotating and
 * parsing key files, and the signer and unsealer over a loaded secret.
 * Every test works in its own mkdtemp() directory.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "keys/keyfile.h"

#define DAY_MS		(86400LL * 1000)
#define T0		1700000000000LL	/* 2023-11-14T22:13:20Z */
#define ORG		"lerum.elevhalsa"

struct fixture {
	char	dir[64];
	char	secret[PATH_MAX];
	char	pub[PATH_MAX];
};

static int	rm_entry(const char *, const struct stat *, int,
		    struct FTW *);
static int	setup(void **);
static int	teardown(void **);
static void	org_paths(struct fixture *, const char *);
static void	write_text(const char *, const char *, size_t, mode_t);
static char	*read_text(const char *);
static char	*subst(const char *, const char *const [][2], size_t);
static void	b64(char [static 45], const uint8_t [static 32]);
static void	sign_and_verify(const struct cairn_secret *, int64_t,
		    const uint8_t [static CAIRN_SIGN_PK_BYTES]);

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
setup(void **state)
{
	struct fixture	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	strcpy(f->dir, "/tmp/test_keyfile.XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	org_paths(f, ORG);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	int		 ret;

	ret = nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return ret;
}

static void
org_paths(struct fixture *f, const char *org)
{
	snprintf(f->secret, sizeof(f->secret), "%s/%s.secret", f->dir, org);
	snprintf(f->pub, sizeof(f->pub), "%s/%s.pub", f->dir, org);
}

static void
write_text(const char *path, const char *text, size_t len, mode_t mode)
{
	int	fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static char *
read_text(const char *path)
{
	char	*buf;
	ssize_t	 n;
	int	 fd;

	assert_non_null(buf = calloc(1, CAIRN_KEYFILE_MAX_BYTES + 1));
	assert_true((fd = open(path, O_RDONLY)) >= 0);
	n = read(fd, buf, CAIRN_KEYFILE_MAX_BYTES);
	assert_true(n > 0);
	close(fd);
	return buf;
}

/* Replaces each from[i][0] in tmpl with from[i][1]; caller frees. */
static char *
subst(const char *tmpl, const char *const from[][2], size_t n)
{
	char		*out, *o;
	const char	*p = tmpl;
	size_t		 i, k;

	assert_non_null(out = calloc(1, 64 * 1024));
	o = out;
	while (*p != '\0') {
		for (i = 0; i < n; i++) {
			k = strlen(from[i][0]);
			if (strncmp(p, from[i][0], k) == 0)
				break;
		}
		if (i < n) {
			o = stpcpy(o, from[i][1]);
			p += k;
		} else
			*o++ = *p++;
	}
	*o = '\0';
	return out;
}

static void
b64(char out[static 45], const uint8_t bin[static 32])
{
	sodium_bin2base64(out, 45, bin, 32, sodium_base64_VARIANT_ORIGINAL);
}

static void
sign_and_verify(const struct cairn_secret *sec, int64_t now,
    const uint8_t pk[static CAIRN_SIGN_PK_BYTES])
{
	struct cairn_signer	s;
	uint8_t			digest[CAIRN_DIGEST_BYTES];
	uint8_t			sig[CAIRN_SIG_BYTES];
	uint8_t			id[CAIRN_KEY_ID_BYTES];

	cairn_sig_digest(digest, CAIRN_DOMAIN_ENVELOPE,
	    (const uint8_t *)"hello", 5, NULL, 0);
	assert_int_equal(cairn_keyfile_signer(sec, now, &s), 0);
	assert_int_equal(s.sign(s.arg, sig, digest), 0);
	assert_int_equal(cairn_sig_verify(sig, digest, pk), 0);
	cairn_sig_keyid(id, pk);
	assert_memory_equal(s.key_id, id, CAIRN_KEY_ID_BYTES);
	digest[0] ^= 1;
	assert_int_equal(cairn_sig_verify(sig, digest, pk), CAIRN_EBADSIG);
}

static void
test_keyfile_generate_roundtrip(void **state)
{
	struct fixture		*f = *state;
	struct cairn_secret	*sec;
	struct cairn_pubfile	*pub, fromsec;
	uint8_t			 id[CAIRN_KEY_ID_BYTES];

	assert_int_equal(cairn_keyfile_generate(f->dir, ORG, T0,
	    365 * DAY_MS), 0);
	assert_int_equal(cairn_keyfile_secret_load(&sec, f->secret), 0);
	assert_int_equal(cairn_keyfile_public_load(&pub, f->pub), 0);

	assert_string_equal(cairn_keyfile_secret_org(sec), ORG);
	assert_string_equal(pub->org, ORG);
	assert_false(pub->is_federation);
	assert_int_equal(pub->nsign_keys, 1);
	assert_int_equal(pub->nbox_keys, 1);
	assert_true(pub->sign_keys[0].valid_from_ms == T0 / 1000 * 1000);
	assert_true(pub->sign_keys[0].valid_until_ms ==
	    (T0 + 365 * DAY_MS) / 1000 * 1000);
	cairn_sig_keyid(id, pub->sign_keys[0].pk);
	assert_memory_equal(id, pub->sign_keys[0].key_id, sizeof(id));
	cairn_sig_keyid(id, pub->box_keys[0].pk);
	assert_memory_equal(id, pub->box_keys[0].key_id, sizeof(id));

	cairn_keyfile_secret_public(sec, &fromsec);
	assert_string_equal(fromsec.org, pub->org);
	assert_int_equal(fromsec.nsign_keys, 1);
	assert_int_equal(fromsec.nbox_keys, 1);
	assert_memory_equal(&fromsec.sign_keys[0], &pub->sign_keys[0],
	    sizeof(struct cairn_pubkey));
	assert_memory_equal(&fromsec.box_keys[0], &pub->box_keys[0],
	    sizeof(struct cairn_pubkey));
	assert_memory_equal(fromsec.curve_pk, pub->curve_pk, 32);

	sign_and_verify(sec, T0 + DAY_MS, pub->sign_keys[0].pk);

	free(pub);
	cairn_keyfile_secret_free(sec);
}

static void
test_keyfile_unsealer_shared(void **state)
{
	struct fixture		*f = *state;
	struct cairn_secret	*sec;
	struct cairn_pubfile	*pub;
	struct cairn_pubkey	 cur;
	struct cairn_unsealer	 u;
	uint8_t			 esk[32], epk[32], want[32], got[32];
	uint8_t			 rpk[32], zero[32] = { 0 }, bad[8];

	assert_int_equal(cairn_keyfile_generate(f->dir, ORG, T0,
	    365 * DAY_MS), 0);
	assert_int_equal(cairn_keyfile_secret_load(&sec, f->secret), 0);
	assert_int_equal(cairn_keyfile_public_load(&pub, f->pub), 0);
	assert_int_equal(cairn_keyfile_box_current(sec, T0 + 1000, &cur), 0);
	assert_memory_equal(&cur, &pub->box_keys[0], sizeof(cur));

	/* The sender's side, from the public file only. */
	crypto_box_keypair(epk, esk);
	assert_int_equal(crypto_scalarmult(want, esk, pub->box_keys[0].pk),
	    0);

	cairn_keyfile_unsealer(sec, &u);
	assert_int_equal(u.shared(u.arg, got, rpk, pub->box_keys[0].key_id,
	    epk), 0);
	assert_memory_equal(got, want, 32);
	assert_memory_equal(rpk, pub->box_keys[0].pk, 32);

	memcpy(bad, pub->box_keys[0].key_id, sizeof(bad));
	bad[0] ^= 1;
	assert_int_equal(u.shared(u.arg, got, rpk, bad, epk),
	    CAIRN_ENORECIPIENTKEY);
	assert_int_equal(u.shared(u.arg, got, rpk, pub->box_keys[0].key_id,
	    zero), CAIRN_EDECRYPT);
	assert_memory_equal(got, zero, 32);

	sodium_memzero(esk, sizeof(esk));
	free(pub);
	cairn_keyfile_secret_free(sec);
}

static void
test_keyfile_file_modes(void **state)
{
	struct fixture	*f = *state;
	struct stat	 st;
	mode_t		 old;

	/* Modes are exact whatever the umask. */
	old = umask(077);
	assert_int_equal(cairn_keyfile_generate(f->dir, ORG, T0,
	    365 * DAY_MS), 0);
	umask(old);
	assert_int_equal(lstat(f->secret, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(lstat(f->pub, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
}

static void
test_keyfile_secret_perm_refused(void **state)
{
	struct fixture		*f = *state;
	struct cairn_secret	*sec = (void *)1;
	static const mode_t	 modes[] = { 0640, 0644, 0604, 0610, 0601,
	    0660, 0666 };
	size_t			 i;

	assert_int_equal(cairn_keyfile_generate(f->dir, ORG, T0,
	    365 * DAY_MS), 0);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		assert_int_equal(chmod(f->secret, modes[i]), 0);
		assert_int_equal(cairn_keyfile_secret_load(&sec, f->secret),
		    CAIRN_EKEYPERM);
		assert_null(sec);
	}
	assert_int_equal(chmod(f->secret, 0400), 0);
	assert_int_equal(cairn_keyfile_secret_load(&sec, f->secret), 0);
	cairn_keyfile_secret_free(sec);
}

static void
test_keyfile_symlink_refused(void **state)
{
	struct fixture		*f = *state;
	struct cairn_secret	*sec;
	struct cairn_pubfile	*pub;
	char			 link[PATH_MAX + 8];

	assert_int_equal(cairn_keyfile_generate(f->dir, ORG, T0,
	    365 * DAY_MS), 0);
	snprintf(link, sizeof(link), "%s/link.secret", f->dir);
	assert_int_equal(symlink(f->secret, link), 0);
	assert_int_equal(cairn_keyfile_secret_load(&sec, link), -ELOOP);
	assert_null(sec);
	snprintf(link, sizeof(link), "%s/link.pub", f->dir);
	assert_int_equal(symlink(f->pub, link), 0);
	assert_int_equal(cairn_keyfile_public_load(&pub, link), -ELOOP);
	assert_null(pub);
}

static void
test_keyfile_not_regular_refused(void **state)
{
	struct fixture		*f = *state;
	struct cairn_secret	*sec;
	struct cairn_pubfile	*pub;
	char			 path[PATH_MAX + 8];

	snprintf(path, sizeof(path), "%s/fifo", f->dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(cairn_keyfile_secret_load(&sec, path),
	    CAIRN_EKEYFILE);
	assert_int_equal(cairn_keyfile_public_load(&pub, f->dir),
	    CAIRN_EKEYFILE);
	snprintf(path, sizeof(path), "%s/missing.pub", f->dir);
	assert_int_equal(cairn_keyfile_public_load(&pub, path), -ENOENT);
}

static void
test_keyfile_generate_refuses_overwrite(void **state)
{
	struct fixture		*f = *state;
	struct cairn_pubfile	*before, *after;
	struct stat		 st;

	assert_int_equal(cairn_keyfile_generate(f->dir, ORG, T0,
	    365 * DAY_MS), 0);
	assert_int_equal(cairn_keyfile_public_load(&before, f->pub), 0);
	assert_int_equal(cairn_keyfile_generate(f->dir, ORG, T0,
	    365 * DAY_MS), CAIRN_EEXIST);
	assert_int_equal(cairn_keyfile_public_load(&after, f->pub), 0);
	assert_memory_equal(before, after, sizeof(*before));
	free(before);
	free(after);

	/* Only the public file there: no secret file is left behind. */
	assert_int_equal(unlink(f->secret), 0);
	assert_int_equal(cairn_keyfile_generate(f->dir, ORG, T0,
	    365 * DAY_MS), CAIRN_EEXIST);
	assert_int_equal(lstat(f->secret, &st), -1);

	/* Only the secret file there. */
	assert_int_equal(unlink(f->pub), 0);
	write_text(f->secret, "x", 1, 0600);
	assert_int_equal(cairn_keyfile_generate(f->dir, ORG, T0,
	    365 * DAY_MS), CAIRN_EEXIST);
	assert_int_equal(lstat(f->pub, &st), -1);

	assert_int_equal(cairn_keyfile_generate_federation(f->dir, T0,
	    365 * DAY_MS), 0);
	assert_int_equal(cairn_keyfile_generate_federation(f->dir, T0,
	    365 * DAY_MS), CAIRN_EEXIST);
}

static void
test_keyfile_bad_arguments(void **state)
{
	struct fixture	*f = *state;
	char		 path[PATH_MAX + 16];

	assert_int_equal(cairn_keyfile_generate(f->dir, "Lerum", T0,
	    DAY_MS), CAIRN_EORGID);
	assert_int_equal(cairn_keyfile_generate(f->dir, "../x", T0,
	    DAY_MS), CAIRN_EORGID);
	assert_int_equal(cairn_keyfile_generate(f->dir, "", T0, DAY_MS),
	    CAIRN_EORGID);
	assert_int_equal(cairn_keyfile_generate(f->dir, "federation", T0,
	    DAY_MS), CAIRN_EORGID);
	assert_int_equal(cairn_keyfile_generate(f->dir, ORG, T0, 999),
	    CAIRN_EINVAL);
	assert_int_equal(cairn_keyfile_generate(f->dir, ORG, -1, DAY_MS),
	    CAIRN_EINVAL);
	assert_int_equal(cairn_keyfile_generate(f->dir, ORG, T0,
	    INT64_MAX), CAIRN_EINVAL);
	snprintf(path, sizeof(path), "%s/nonexistent", f->dir);
	assert_int_equal(cairn_keyfile_generate(path, ORG, T0, DAY_MS),
	    -ENOENT);
}

static void
test_keyfile_wrong_type(void **state)
{
	struct fixture		*f = *state;
	struct cairn_secret	*sec;
	struct cairn_pubfile	*pub;

	assert_int_equal(cairn_keyfile_generate(f->dir, ORG, T0,
	    365 * DAY_MS), 0);
	/* The public file is 0644: still reported as the wrong type. */
	assert_int_equal(cairn_keyfile_secret_load(&sec, f->pub),
	    CAIRN_EKEYTYPE);
	assert_int_equal(chmod(f->pub, 0600), 0);
	assert_int_equal(cairn_keyfile_secret_load(&sec, f->pub),
	    CAIRN_EKEYTYPE);
	assert_int_equal(cairn_keyfile_public_load(&pub, f->secret),
	    CAIRN_EKEYTYPE);
	assert_null(pub);
}

static void
test_keyfile_too_big(void **state)
{
	struct fixture		*f = *state;
	struct cairn_secret	*sec;
	struct cairn_pubfile	*pub, p;
	char			*big, *text;
	size_t			 len;

	assert_int_equal(cairn_keyfile_generate(f->dir, ORG, T0,
	    365 * DAY_MS), 0);
	text = read_text(f->pub);
	len = strlen(text);
	assert_non_null(big = malloc(CAIRN_KEYFILE_MAX_BYTES + 1));
	/* A valid file padded with comment lines to exactly the limit... */
	memset(big, '#', CAIRN_KEYFILE_MAX_BYTES);
	big[CAIRN_KEYFILE_MAX_BYTES - len - 1] = '\n';
	memcpy(big + CAIRN_KEYFILE_MAX_BYTES - len, text, len);
	write_text(f->pub, big, CAIRN_KEYFILE_MAX_BYTES, 0644);
	assert_int_equal(cairn_keyfile_public_load(&pub, f->pub), 0);
	free(pub);
	assert_int_equal(cairn_keyfile_public_parse(&p, big,
	    CAIRN_KEYFILE_MAX_BYTES), 0);

	/* ...and one byte more. */
	big[0] = '#';
	memmove(big + 1, big, CAIRN_KEYFILE_MAX_BYTES);
	write_text(f->pub, big, CAIRN_KEYFILE_MAX_BYTES + 1, 0644);
	assert_int_equal(cairn_keyfile_public_load(&pub, f->pub),
	    CAIRN_ETOOBIG);
	assert_int_equal(cairn_keyfile_public_parse(&p, big,
	    CAIRN_KEYFILE_MAX_BYTES + 1), CAIRN_ETOOBIG);
	write_text(f->secret, big, CAIRN_KEYFILE_MAX_BYTES + 1, 0600);
	assert_int_equal(cairn_keyfile_secret_load(&sec, f->secret),
	    CAIRN_ETOOBIG);
	assert_int_equal(cairn_keyfile_secret_parse(&sec, big,
	    CAIRN_KEYFILE_MAX_BYTES + 1), CAIRN_ETOOBIG);
	free(big);
	free(text);
}

/*
 * The malformed-file table.  @S @B @C are replaced with valid keys of the
 * file's kind (seed, box secret, curve secret for a secret file; the
 * public halves for a public file), @S2 with a second signing key.
 */
struct bad_case {
	const char	*name;
	int		 secret;
	const char	*text;
	int		 want;
};

#define HDR_S	"cairn-secret-key v1\norg lerum.elevhalsa\n"
#define HDR_P	"cairn-public-key v1\norg lerum.elevhalsa\n"
#define WIN	" 2024-01-01T00:00:00Z 2025-01-01T00:00:00Z"
#define KEYS	"sign @S" WIN "\nbox @B" WIN "\ncurve @C\n"
#define FED_S	"cairn-secret-key v1\norg federation\n"
#define FED_P	"cairn-public-key v1\norg federation\n"

static const struct bad_case bad_cases[] = {
	{ "valid secret", 1, HDR_S KEYS, 0 },
	{ "valid public", 0, HDR_P KEYS, 0 },
	{ "valid with comments and blank lines", 0,
	    "# comment\n\n" HDR_P "# more\n\n" KEYS "\n# end", 0 },
	{ "valid without final newline", 0,
	    HDR_P "sign @S" WIN "\nbox @B" WIN "\ncurve @C", 0 },
	{ "valid federation secret", 1, FED_S "sign @S" WIN "\n", 0 },
	{ "valid federation public", 0, FED_P "sign @S" WIN "\n", 0 },
	{ "valid two sign keys", 0,
	    HDR_P "sign @S" WIN "\nsign @S2" WIN "\nbox @B" WIN
	    "\ncurve @C\n", 0 },
	{ "leap day", 0, HDR_P "sign @S 2024-02-29T23:59:59Z"
	    " 2028-02-29T00:00:00Z\nbox @B" WIN "\ncurve @C\n", 0 },

	{ "empty", 0, "", CAIRN_EKEYFILE },
	{ "only comments", 0, "# nothing\n#\n", CAIRN_EKEYFILE },
	{ "bad magic", 0, "cairn-public-key v2\norg lerum.elevhalsa\n" KEYS,
	    CAIRN_EKEYFILE },
	{ "magic with trailing space", 0,
	    "cairn-public-key v1 \norg lerum.elevhalsa\n" KEYS,
	    CAIRN_EKEYFILE },
	{ "magic after org", 0, "org lerum.elevhalsa\ncairn-public-key v1\n"
	    KEYS, CAIRN_EKEYFILE },
	{ "secret magic in public", 0, HDR_S KEYS, CAIRN_EKEYTYPE },
	{ "public magic in secret", 1, HDR_P KEYS, CAIRN_EKEYTYPE },
	{ "CRLF", 0, "cairn-public-key v1\r\norg lerum.elevhalsa\r\n" KEYS,
	    CAIRN_EKEYFILE },
	{ "magic twice", 0, HDR_P "cairn-public-key v1\n" KEYS,
	    CAIRN_EKEYFILE },
	{ "no org line", 0, "cairn-public-key v1\n" KEYS, CAIRN_EKEYFILE },
	{ "org twice", 0, HDR_P "org lerum.elevhalsa\n" KEYS,
	    CAIRN_EKEYFILE },
	{ "bad org id", 0, "cairn-public-key v1\norg Lerum\n" KEYS,
	    CAIRN_EKEYFILE },
	{ "org id too long", 0, "cairn-public-key v1\norg "
	    "a123456789a123456789a123456789a123456789a123456789a123456789"
	    "abcd\n" KEYS, CAIRN_EKEYFILE },
	{ "org without id", 0, "cairn-public-key v1\norg\n" KEYS,
	    CAIRN_EKEYFILE },
	{ "bad base64 char", 0, HDR_P "sign !@S" WIN "\nbox @B" WIN
	    "\ncurve @C\n", CAIRN_EKEYFILE },
	{ "base64 of 31 bytes", 0, HDR_P "sign "
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==" WIN
	    "\nbox @B" WIN "\ncurve @C\n", CAIRN_EKEYFILE },
	{ "base64 of 33 bytes", 0, HDR_P "sign @S" WIN "\nbox @B" WIN
	    "\ncurve AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
	    CAIRN_EKEYFILE },
	{ "base64 without padding", 1, HDR_S "sign "
	    "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE" WIN
	    "\nbox @B" WIN "\ncurve @C\n", CAIRN_EKEYFILE },
	{ "base64 non-canonical", 1, HDR_S "sign "
	    "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQF=" WIN
	    "\nbox @B" WIN "\ncurve @C\n", CAIRN_EKEYFILE },
	{ "base64 trailing byte", 0, HDR_P "sign @SA" WIN "\nbox @B" WIN
	    "\ncurve @C\n", CAIRN_EKEYFILE },
	{ "sign key not a point", 0, HDR_P "sign "
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" WIN
	    "\nbox @B" WIN "\ncurve @C\n", CAIRN_EKEYFILE },
	{ "trailing garbage on a line", 0, HDR_P "sign @S" WIN " x\nbox @B"
	    WIN "\ncurve @C\n", CAIRN_EKEYFILE },
	{ "trailing space", 0, HDR_P "sign @S" WIN "\nbox @B" WIN
	    "\ncurve @C \n", CAIRN_EKEYFILE },
	{ "double space", 0, HDR_P "sign  @S" WIN "\nbox @B" WIN
	    "\ncurve @C\n", CAIRN_EKEYFILE },
	{ "tab separator", 0, HDR_P "sign\t@S" WIN "\nbox @B" WIN
	    "\ncurve @C\n", CAIRN_EKEYFILE },
	{ "leading space", 0, HDR_P " sign @S" WIN "\nbox @B" WIN
	    "\ncurve @C\n", CAIRN_EKEYFILE },
	{ "missing until", 0, HDR_P "sign @S 2024-01-01T00:00:00Z\nbox @B"
	    WIN "\ncurve @C\n", CAIRN_EKEYFILE },
	{ "unknown keyword", 0, HDR_P KEYS "name Lerum\n", CAIRN_EKEYFILE },
	{ "keyword in capitals", 0, HDR_P "SIGN @S" WIN "\nbox @B" WIN
	    "\ncurve @C\n", CAIRN_EKEYFILE },
	{ "from equals until", 0, HDR_P "sign @S 2024-01-01T00:00:00Z"
	    " 2024-01-01T00:00:00Z\nbox @B" WIN "\ncurve @C\n",
	    CAIRN_EKEYFILE },
	{ "from after until", 0, HDR_P "sign @S" WIN "\nbox @B"
	    " 2025-01-01T00:00:00Z 2024-01-01T00:00:00Z\ncurve @C\n",
	    CAIRN_EKEYFILE },
	{ "no such date", 0, HDR_P "sign @S 2023-02-29T00:00:00Z"
	    " 2025-01-01T00:00:00Z\nbox @B" WIN "\ncurve @C\n",
	    CAIRN_EKEYFILE },
	{ "hour 24", 0, HDR_P "sign @S 2024-01-01T24:00:00Z"
	    " 2025-01-01T00:00:00Z\nbox @B" WIN "\ncurve @C\n",
	    CAIRN_EKEYFILE },
	{ "month 13", 0, HDR_P "sign @S 2024-13-01T00:00:00Z"
	    " 2025-01-01T00:00:00Z\nbox @B" WIN "\ncurve @C\n",
	    CAIRN_EKEYFILE },
	{ "time without Z", 0, HDR_P "sign @S 2024-01-01T00:00:00"
	    " 2025-01-01T00:00:00Z\nbox @B" WIN "\ncurve @C\n",
	    CAIRN_EKEYFILE },
	{ "time with offset", 0, HDR_P "sign @S 2024-01-01T00:00:00+01:00"
	    " 2025-01-01T00:00:00Z\nbox @B" WIN "\ncurve @C\n",
	    CAIRN_EKEYFILE },
	{ "time with space", 0, HDR_P "sign @S 2024-01-01 00:00:00Z"
	    " 2025-01-01T00:00:00Z\nbox @B" WIN "\ncurve @C\n",
	    CAIRN_EKEYFILE },
	{ "year before 1970", 0, HDR_P "sign @S 1969-12-31T23:59:59Z"
	    " 2025-01-01T00:00:00Z\nbox @B" WIN "\ncurve @C\n",
	    CAIRN_EKEYFILE },
	{ "no curve line", 0, HDR_P "sign @S" WIN "\nbox @B" WIN "\n",
	    CAIRN_EKEYFILE },
	{ "two curve lines", 0, HDR_P KEYS "curve @C\n", CAIRN_EKEYFILE },
	{ "no sign key", 0, HDR_P "box @B" WIN "\ncurve @C\n",
	    CAIRN_EKEYFILE },
	{ "no box key", 1, HDR_S "sign @S" WIN "\ncurve @C\n",
	    CAIRN_EKEYFILE },
	{ "duplicate sign key", 0, HDR_P "sign @S" WIN "\nsign @S" WIN
	    "\nbox @B" WIN "\ncurve @C\n", CAIRN_EKEYFILE },
	{ "nine sign keys", 1, HDR_S "sign @S" WIN "\nsign @S2" WIN
	    "\nsign @S3" WIN "\nsign @S4" WIN "\nsign @S5" WIN
	    "\nsign @S6" WIN "\nsign @S7" WIN "\nsign @S8" WIN
	    "\nsign @S9" WIN "\nbox @B" WIN "\ncurve @C\n",
	    CAIRN_EKEYFILE },
	{ "federation with box key", 0, FED_P "sign @S" WIN "\nbox @B" WIN
	    "\n", CAIRN_EKEYFILE },
	{ "federation with curve", 1, FED_S "sign @S" WIN "\ncurve @C\n",
	    CAIRN_EKEYFILE },
	{ "federation with two keys", 0, FED_P "sign @S" WIN "\nsign @S2"
	    WIN "\n", CAIRN_EKEYFILE },
	{ "federation without key", 0, FED_P, CAIRN_EKEYFILE },
};

static void
test_keyfile_malformed_table(void **state)
{
	struct cairn_secret	*sec;
	struct cairn_pubfile	 pub;
	uint8_t			 seed[32], pk[32], sk[64], bsk[32], bpk[32];
	char			 s[2][9][45], b[2][45], c[2][45];
	char			*text;
	size_t			 i, j;
	int			 got;

	(void)state;
	for (j = 0; j < 9; j++) {
		memset(seed, (int)j + 1, sizeof(seed));
		crypto_sign_seed_keypair(pk, sk, seed);
		b64(s[1][j], seed);
		b64(s[0][j], pk);
	}
	memset(bsk, 0x42, sizeof(bsk));
	crypto_scalarmult_base(bpk, bsk);
	b64(b[1], bsk);
	b64(b[0], bpk);
	memset(bsk, 0x43, sizeof(bsk));
	crypto_scalarmult_base(bpk, bsk);
	b64(c[1], bsk);
	b64(c[0], bpk);

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case	*bc = &bad_cases[i];
		const int		 k = bc->secret;
		const char *const	 from[][2] = {
			{ "@S2", s[k][1] }, { "@S3", s[k][2] },
			{ "@S4", s[k][3] }, { "@S5", s[k][4] },
			{ "@S6", s[k][5] }, { "@S7", s[k][6] },
			{ "@S8", s[k][7] }, { "@S9", s[k][8] },
			{ "@S", s[k][0] }, { "@B", b[k] }, { "@C", c[k] },
		};

		text = subst(bc->text, from, sizeof(from) / sizeof(from[0]));
		if (bc->secret) {
			got = cairn_keyfile_secret_parse(&sec, text,
			    strlen(text));
			if (got == 0)
				cairn_keyfile_secret_free(sec);
			else
				assert_null(sec);
		} else
			got = cairn_keyfile_public_parse(&pub, text,
			    strlen(text));
		if (got != bc->want)
			fail_msg("case \"%s\": got %d, want %d", bc->name, got,
			    bc->want);
		free(text);
	}
}

static void
test_keyfile_nul_byte(void **state)
{
	struct cairn_pubfile	pub;
	static const char	text[] = "cairn-public-key v1\0\norg x\n";

	(void)state;
	assert_int_equal(cairn_keyfile_public_parse(&pub, text,
	    sizeof(text) - 1), CAIRN_EKEYFILE);
}

/* Every prefix of a valid file fails, except the file without its '\n'. */
static void
test_keyfile_truncated(void **state)
{
	struct fixture		*f = *state;
	struct cairn_secret	*sec;
	struct cairn_pubfile	 pub;
	char			*ptext, *stext;
	size_t			 plen, slen, n;
	int			 want;

	assert_int_equal(cairn_keyfile_generate(f->dir, ORG, T0,
	    365 * DAY_MS), 0);
	ptext = read_text(f->pub);
	stext = read_text(f->secret);
	plen = strlen(ptext);
	slen = strlen(stext);
	for (n = 0; n <= plen; n++) {
		want = n + 1 >= plen ? 0 : CAIRN_EKEYFILE;
		assert_int_equal(cairn_keyfile_public_parse(&pub, ptext, n),
		    want);
	}
	for (n = 0; n <= slen; n++) {
		want = n + 1 >= slen ? 0 : CAIRN_EKEYFILE;
		assert_int_equal(cairn_keyfile_secret_parse(&sec, stext, n),
		    want);
		cairn_keyfile_secret_free(sec);
	}
	sodium_memzero(stext, slen);
	free(ptext);
	free(stext);
}

/*
 * Every single-bit flip of a valid public file is either refused with
 * CAIRN_EKEYFILE / CAIRN_EKEYTYPE or, when it only changes a comment or
 * key bytes, parses into a file with the same shape.
 */
static void
test_keyfile_bitflips(void **state)
{
	struct fixture		*f = *state;
	struct cairn_pubfile	 pub;
	char			*text;
	size_t			 len, i;
	int			 bit, got;

	assert_int_equal(cairn_keyfile_generate(f->dir, ORG, T0,
	    365 * DAY_MS), 0);
	text = read_text(f->pub);
	len = strlen(text);
	for (i = 0; i < len; i++) {
		for (bit = 0; bit < 8; bit++) {
			text[i] ^= (char)(1 << bit);
			got = cairn_keyfile_public_parse(&pub, text, len);
			if (got == 0) {
				assert_int_equal(pub.nsign_keys, 1);
				assert_int_equal(pub.nbox_keys, 1);
			} else if (got != CAIRN_EKEYFILE)
				fail_msg("flip %zu.%d: got %d", i, bit, got);
			text[i] ^= (char)(1 << bit);
		}
	}
	free(text);
}

static void
test_keyfile_rotate(void **state)
{
	struct fixture		*f = *state;
	struct cairn_secret	*sec;
	struct cairn_pubfile	*pub;
	struct cairn_signer	 s;
	struct cairn_pubkey	 cur;
	struct cairn_unsealer	 u;
	struct stat		 st;
	uint8_t			 esk[32], epk[32], want[32], got[32], rpk[32];
	const int64_t		 now = T0 + 300 * DAY_MS;
	size_t			 i;

	assert_int_equal(cairn_keyfile_generate(f->dir, ORG, T0,
	    365 * DAY_MS), 0);
	assert_int_equal(cairn_keyfile_rotate(f->secret, f->pub, now, now,
	    365 * DAY_MS), 0);
	assert_int_equal(lstat(f->secret, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(lstat(f->pub, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);

	assert_int_equal(cairn_keyfile_secret_load(&sec, f->secret), 0);
	assert_int_equal(cairn_keyfile_public_load(&pub, f->pub), 0);
	assert_int_equal(pub->nsign_keys, 2);
	assert_int_equal(pub->nbox_keys, 2);
	assert_true(pub->sign_keys[1].valid_from_ms == now / 1000 * 1000);

	/* The new key signs now; the old one before the new one began. */
	sign_and_verify(sec, now, pub->sign_keys[1].pk);
	sign_and_verify(sec, T0 + DAY_MS, pub->sign_keys[0].pk);
	/* After the old key expired, only the new one. */
	sign_and_verify(sec, T0 + 400 * DAY_MS, pub->sign_keys[1].pk);
	assert_int_equal(cairn_keyfile_signer(sec, now + 400 * DAY_MS, &s),
	    CAIRN_ENOKEY);
	assert_int_equal(cairn_keyfile_box_current(sec, now, &cur), 0);
	assert_memory_equal(&cur, &pub->box_keys[1], sizeof(cur));

	/* Mail sealed to either key still opens. */
	cairn_keyfile_unsealer(sec, &u);
	for (i = 0; i < 2; i++) {
		crypto_box_keypair(epk, esk);
		assert_int_equal(crypto_scalarmult(want, esk,
		    pub->box_keys[i].pk), 0);
		assert_int_equal(u.shared(u.arg, got, rpk,
		    pub->box_keys[i].key_id, epk), 0);
		assert_memory_equal(got, want, 32);
		assert_memory_equal(rpk, pub->box_keys[i].pk, 32);
	}
	sodium_memzero(esk, sizeof(esk));
	free(pub);
	cairn_keyfile_secret_free(sec);
}

static void
test_keyfile_rotate_future(void **state)
{
	struct fixture		*f = *state;
	struct cairn_secret	*sec;
	struct cairn_pubfile	*pub;
	struct cairn_pubkey	 cur;
	const int64_t		 now = T0 + 10 * DAY_MS;
	const int64_t		 from = now + 30 * DAY_MS;

	assert_int_equal(cairn_keyfile_generate(f->dir, ORG, T0,
	    365 * DAY_MS), 0);
	assert_int_equal(cairn_keyfile_rotate(f->secret, f->pub, now, from,
	    365 * DAY_MS), 0);
	assert_int_equal(cairn_keyfile_secret_load(&sec, f->secret), 0);
	assert_int_equal(cairn_keyfile_public_load(&pub, f->pub), 0);
	assert_int_equal(pub->nsign_keys, 2);

	sign_and_verify(sec, now, pub->sign_keys[0].pk);
	assert_int_equal(cairn_keyfile_box_current(sec, now, &cur), 0);
	assert_memory_equal(&cur, &pub->box_keys[0], sizeof(cur));
	sign_and_verify(sec, from - 1, pub->sign_keys[0].pk);
	sign_and_verify(sec, from, pub->sign_keys[1].pk);
	assert_int_equal(cairn_keyfile_box_current(sec, from, &cur), 0);
	assert_memory_equal(&cur, &pub->box_keys[1], sizeof(cur));
	free(pub);
	cairn_keyfile_secret_free(sec);
}

static void
test_keyfile_rotate_drops_expired(void **state)
{
	struct fixture		*f = *state;
	struct cairn_secret	*sec;
	struct cairn_pubfile	*before, *after;
	const int64_t		 now = T0 + 20 * DAY_MS;

	assert_int_equal(cairn_keyfile_generate(f->dir, ORG, T0,
	    10 * DAY_MS), 0);
	assert_int_equal(cairn_keyfile_public_load(&before, f->pub), 0);
	assert_int_equal(cairn_keyfile_rotate(f->secret, f->pub, now, now,
	    10 * DAY_MS), 0);
	assert_int_equal(cairn_keyfile_public_load(&after, f->pub), 0);
	assert_int_equal(after->nsign_keys, 1);
	assert_int_equal(after->nbox_keys, 1);
	assert_memory_not_equal(after->sign_keys[0].key_id,
	    before->sign_keys[0].key_id, CAIRN_KEY_ID_BYTES);
	/* The transport key does not rotate. */
	assert_memory_equal(after->curve_pk, before->curve_pk, 32);
	assert_int_equal(cairn_keyfile_secret_load(&sec, f->secret), 0);
	sign_and_verify(sec, now, after->sign_keys[0].pk);
	cairn_keyfile_secret_free(sec);
	free(before);
	free(after);
}

static void
test_keyfile_rotate_limits(void **state)
{
	struct fixture		*f = *state;
	struct cairn_pubfile	*pub;
	struct cairn_secret	*sec;
	char			*before, *after;
	char			 other[PATH_MAX + 16];
	int			 i;

	assert_int_equal(cairn_keyfile_generate(f->dir, ORG, T0,
	    365 * DAY_MS), 0);
	for (i = 1; i < CAIRN_BOOK_MAX_KEYS; i++)
		assert_int_equal(cairn_keyfile_rotate(f->secret, f->pub, T0,
		    T0 + i * DAY_MS, 365 * DAY_MS), 0);
	before = read_text(f->secret);
	assert_int_equal(cairn_keyfile_rotate(f->secret, f->pub, T0,
	    T0 + 100 * DAY_MS, 365 * DAY_MS), CAIRN_ETOOBIG);
	after = read_text(f->secret);
	assert_string_equal(before, after);
	sodium_memzero(before, strlen(before));
	sodium_memzero(after, strlen(after));
	free(before);
	free(after);
	assert_int_equal(cairn_keyfile_public_load(&pub, f->pub), 0);
	assert_int_equal(pub->nsign_keys, CAIRN_BOOK_MAX_KEYS);
	free(pub);

	assert_int_equal(cairn_keyfile_rotate(f->secret, f->pub, T0, T0,
	    999), CAIRN_EINVAL);
	/* Public file of another organisation, or a public file as secret. */
	assert_int_equal(cairn_keyfile_generate(f->dir, "alingsas.uph", T0,
	    365 * DAY_MS), 0);
	snprintf(other, sizeof(other), "%s/alingsas.uph.pub", f->dir);
	assert_int_equal(cairn_keyfile_rotate(f->secret, other,
	    T0 + 400 * DAY_MS, T0 + 400 * DAY_MS, DAY_MS), CAIRN_EKEYFILE);
	assert_int_equal(cairn_keyfile_rotate(f->pub, f->pub,
	    T0 + 400 * DAY_MS, T0 + 400 * DAY_MS, DAY_MS), CAIRN_EKEYTYPE);
	/* A missing public file is written afresh. */
	assert_int_equal(unlink(f->pub), 0);
	assert_int_equal(cairn_keyfile_rotate(f->secret, f->pub,
	    T0 + 400 * DAY_MS, T0 + 400 * DAY_MS, DAY_MS), 0);
	assert_int_equal(cairn_keyfile_public_load(&pub, f->pub), 0);
	assert_int_equal(pub->nsign_keys, 1);
	free(pub);
	/* Permissions still checked. */
	assert_int_equal(chmod(f->secret, 0640), 0);
	assert_int_equal(cairn_keyfile_rotate(f->secret, f->pub,
	    T0 + 400 * DAY_MS, T0 + 400 * DAY_MS, DAY_MS), CAIRN_EKEYPERM);
	assert_int_equal(chmod(f->secret, 0600), 0);
	assert_int_equal(cairn_keyfile_secret_load(&sec, f->secret), 0);
	cairn_keyfile_secret_free(sec);
}

static void
test_keyfile_federation(void **state)
{
	struct fixture		*f = *state;
	struct cairn_secret	*sec;
	struct cairn_pubfile	*pub;
	struct cairn_pubkey	 cur;
	struct stat		 st;
	uint8_t			 pk[32], sk[32];

	org_paths(f, CAIRN_FEDERATION_ORG);
	assert_int_equal(cairn_keyfile_generate_federation(f->dir, T0,
	    730 * DAY_MS), 0);
	assert_int_equal(lstat(f->secret, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(cairn_keyfile_secret_load(&sec, f->secret), 0);
	assert_int_equal(cairn_keyfile_public_load(&pub, f->pub), 0);
	assert_string_equal(cairn_keyfile_secret_org(sec), "federation");
	assert_true(pub->is_federation);
	assert_int_equal(pub->nsign_keys, 1);
	assert_int_equal(pub->nbox_keys, 0);
	sign_and_verify(sec, T0 + 700 * DAY_MS, pub->sign_keys[0].pk);
	assert_int_equal(cairn_keyfile_box_current(sec, T0, &cur),
	    CAIRN_ENOKEY);
	assert_int_equal(cairn_keyfile_curve_secret(sec, pk, sk),
	    CAIRN_ENOKEY);
	assert_int_equal(cairn_keyfile_rotate(f->secret, f->pub, T0, T0,
	    DAY_MS), CAIRN_EKEYTYPE);
	free(pub);
	cairn_keyfile_secret_free(sec);
}

static void
test_keyfile_signer_window(void **state)
{
	struct fixture		*f = *state;
	struct cairn_secret	*sec;
	struct cairn_signer	 s;
	const int64_t		 from = T0 / 1000 * 1000;
	const int64_t		 until = (T0 + DAY_MS) / 1000 * 1000;

	assert_int_equal(cairn_keyfile_generate(f->dir, ORG, T0, DAY_MS),
	    0);
	assert_int_equal(cairn_keyfile_secret_load(&sec, f->secret), 0);
	assert_int_equal(cairn_keyfile_signer(sec, from - 1, &s),
	    CAIRN_ENOKEY);
	assert_int_equal(cairn_keyfile_signer(sec, from, &s), 0);
	assert_int_equal(cairn_keyfile_signer(sec, until - 1, &s), 0);
	assert_int_equal(cairn_keyfile_signer(sec, until, &s),
	    CAIRN_ENOKEY);
	cairn_keyfile_secret_free(sec);
}

static void
test_keyfile_curve_secret(void **state)
{
	struct fixture		*f = *state;
	struct cairn_secret	*sec;
	struct cairn_pubfile	*pub;
	uint8_t			 pk[32], sk[32], derived[32];

	assert_int_equal(cairn_keyfile_generate(f->dir, ORG, T0, DAY_MS),
	    0);
	assert_int_equal(cairn_keyfile_secret_load(&sec, f->secret), 0);
	assert_int_equal(cairn_keyfile_public_load(&pub, f->pub), 0);
	assert_int_equal(cairn_keyfile_curve_secret(sec, pk, sk), 0);
	assert_int_equal(crypto_scalarmult_base(derived, sk), 0);
	assert_memory_equal(derived, pk, 32);
	assert_memory_equal(pk, pub->curve_pk, 32);
	sodium_memzero(sk, sizeof(sk));
	free(pub);
	cairn_keyfile_secret_free(sec);
}

/* The file text a human reads: comment, magic, org, UTC times. */
static void
test_keyfile_text_format(void **state)
{
	struct fixture	*f = *state;
	char		*text;
	/* 2024-02-29T12:34:56.789Z */
	const int64_t	 t = 1709210096789LL;

	assert_int_equal(cairn_keyfile_generate(f->dir, ORG, t, DAY_MS), 0);
	text = read_text(f->pub);
	assert_non_null(strstr(text, "\ncairn-public-key v1\norg "
	    "lerum.elevhalsa\nsign "));
	assert_true(text[0] == '#');
	assert_non_null(strstr(text, " 2024-02-29T12:34:56Z"
	    " 2024-03-01T12:34:56Z\nbox "));
	free(text);
	text = read_text(f->secret);
	assert_non_null(strstr(text, "# cairn secret key for lerum.elevhalsa:"
	    " keep private (mode 0600)\ncairn-secret-key v1\n"));
	sodium_memzero(text, strlen(text));
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_keyfile_generate_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_keyfile_unsealer_shared, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_keyfile_file_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_keyfile_secret_perm_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_keyfile_symlink_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_keyfile_not_regular_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_keyfile_generate_refuses_overwrite, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_keyfile_bad_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_keyfile_wrong_type, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_keyfile_too_big, setup, teardown),
		cmocka_unit_test(test_keyfile_malformed_table),
		cmocka_unit_test(test_keyfile_nul_byte),
		cmocka_unit_test_setup_teardown(
		    test_keyfile_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_keyfile_bitflips, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_keyfile_rotate, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_keyfile_rotate_future, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_keyfile_rotate_drops_expired, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_keyfile_rotate_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_keyfile_federation, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_keyfile_signer_window, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_keyfile_curve_secret, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_keyfile_text_format, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("keyfile", tests, NULL, NULL);
}

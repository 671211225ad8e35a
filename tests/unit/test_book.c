/* SPDX-License-Identifier: MIT */
/*
 * Tests for keys/book.c and proto/bookwire.c: compiling an INI source into
 * a signed address book, verifying and looking it up, and refusing bad
 * sources, bad signatures, expired and rolled-back books, and hostile
 * bytes.  Every test works in its own mkdtemp() directory with freshly
 * generated test-only keys.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

#include "keys/book.h"
#include "keys/keyfile.h"
#include "proto/bookwire.h"
#include "proto/kind.h"
#include "proto/sig.h"

#define NOW		1700000000000LL		/* 2023-11-14T22:13:20Z */
#define DAY		86400000LL
#define KEY_VALID	(365 * DAY)
#define BOOK_VALID	(30 * DAY)
#define ERRLEN		CAIRN_BOOK_ERR_MAX

#define L		"lerum.elevhalsa"
#define A		"alingsas.uph"
#define B		"boras.bup"

/* Five lines each. */
#define ORG_L \
	"[org " L "]\n" \
	"name = Lerums kommun, elevhälsa\n" \
	"orgnr = 212000-1488          ; Luhn-checked\n" \
	"endpoint = tcp://127.0.0.1:7441\n" \
	"key = " L ".pub\n"
#define ORG_A \
	"[org " A "]\n" \
	"name = Alingsås, ungdomspsykiatri\n" \
	"orgnr = 2321000016\n" \
	"endpoint = tcp://[::1]:7442\n" \
	"key = " A ".pub\n"
#define ORG_B \
	"[org " B "]\n" \
	"name = Borås BUP\n" \
	"endpoint = tcp://localhost:7443\n" \
	"key = " B ".pub\n"

#define GOOD_SOURCE \
	"# test-only address book\n" \
	ORG_L \
	"\n" \
	"[function " L "/skolskoterska]\n" \
	"accepts = consultation-response, contact-guarantee\n" \
	"\n" \
	ORG_A \
	"\n" \
	"[function " A "/konsultation]\n" \
	"accepts = consultation-request, withdrawal\n" \
	"guarantee_days = 3\n" \
	"\n" \
	"[function " A "/kansli]\n" \
	"\n" \
	ORG_B

struct fx {
	char			 dir[PATH_MAX];
	struct cairn_secret	*fed;
	uint8_t			 fed_pk[32];
	uint8_t			*book;
	size_t			 booklen;
	char			 err[ERRLEN];
};

static void
path_in(const struct fx *f, char *out, const char *name)
{
	int	n;

	n = snprintf(out, PATH_MAX, "%s/%s", f->dir, name);
	assert_true(n > 0 && n < PATH_MAX);
}

static void
write_file(const struct fx *f, const char *name, const void *data,
    size_t len)
{
	char	 path[PATH_MAX];
	FILE	*fp;

	path_in(f, path, name);
	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static void
write_text(const struct fx *f, const char *name, const char *text)
{
	write_file(f, name, text, strlen(text));
}

static char *
read_text(const struct fx *f, const char *name)
{
	char	 path[PATH_MAX];
	char	*buf;
	FILE	*fp;
	size_t	 n;

	path_in(f, path, name);
	assert_non_null(fp = fopen(path, "r"));
	assert_non_null(buf = calloc(1, CAIRN_KEYFILE_MAX_BYTES + 1));
	n = fread(buf, 1, CAIRN_KEYFILE_MAX_BYTES, fp);
	assert_true(n > 0);
	fclose(fp);
	return buf;
}

static void
load_pub(const struct fx *f, const char *org, struct cairn_pubfile **pub)
{
	char	path[PATH_MAX], name[128];

	snprintf(name, sizeof(name), "%s.pub", org);
	path_in(f, path, name);
	assert_int_equal(cairn_keyfile_public_load(pub, path), 0);
}

/* Compiles text as book.ini; returns the code, book bytes in f->book. */
static int
compile_text(struct fx *f, const char *text, uint64_t serial)
{
	char	path[PATH_MAX];

	free(f->book);
	f->book = NULL;
	f->booklen = 0;
	write_text(f, "book.ini", text);
	path_in(f, path, "book.ini");
	return cairn_book_compile(path, serial, NOW, BOOK_VALID, f->fed,
	    &f->book, &f->booklen, f->err, sizeof(f->err));
}

static void
compile_good(struct fx *f, uint64_t serial)
{
	int	rc;

	rc = compile_text(f, GOOD_SOURCE, serial);
	if (rc != 0)
		print_error("compile: %s (%s)\n", cairn_strerror(rc), f->err);
	assert_int_equal(rc, 0);
	assert_non_null(f->book);
}

/* Signs and wraps AddressBook bytes with the fixture's federation key. */
static void
sign_wrap(const struct fx *f, const uint8_t *bytes, size_t len,
    uint8_t **out, size_t *outlen)
{
	struct cairn_signer	signer;
	uint8_t			digest[CAIRN_DIGEST_BYTES];
	uint8_t			sig[CAIRN_SIG_BYTES];

	assert_int_equal(cairn_keyfile_signer(f->fed, NOW, &signer), 0);
	cairn_sig_digest(digest, CAIRN_DOMAIN_BOOK, bytes, len, NULL, 0);
	assert_int_equal(signer.sign(signer.arg, sig, digest), 0);
	assert_int_equal(cairn_bookwire_wrap(bytes, len, sig, signer.key_id,
	    out, outlen), 0);
}

static int
rm_tree(const char *dir)
{
	char		 path[PATH_MAX];
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			rm_tree(path);
		else
			unlink(path);
	}
	closedir(d);
	return rmdir(dir);
}

static int
setup(void **state)
{
	struct fx		*f;
	struct cairn_pubfile	 pub;
	char			 path[PATH_MAX];

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	strcpy(f->dir, "/tmp/cairn-test-book-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		goto fail;
	if (cairn_keyfile_generate_federation(f->dir, NOW,
	    2 * KEY_VALID) != 0 ||
	    cairn_keyfile_generate(f->dir, L, NOW, KEY_VALID) != 0 ||
	    cairn_keyfile_generate(f->dir, A, NOW, KEY_VALID) != 0 ||
	    cairn_keyfile_generate(f->dir, B, NOW, KEY_VALID) != 0)
		goto fail;
	snprintf(path, sizeof(path), "%s/federation.secret", f->dir);
	if (cairn_keyfile_secret_load(&f->fed, path) != 0)
		goto fail;
	cairn_keyfile_secret_public(f->fed, &pub);
	memcpy(f->fed_pk, pub.sign_keys[0].pk, 32);
	*state = f;
	return 0;
fail:
	if (f->dir[0] != '\0')
		rm_tree(f->dir);
	cairn_keyfile_secret_free(f->fed);
	free(f);
	return -1;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;
	int		 rc;

	rc = rm_tree(f->dir);
	cairn_keyfile_secret_free(f->fed);
	free(f->book);
	free(f);
	return rc;
}

static void
test_book_round_trip(void **state)
{
	struct fx			*f = *state;
	struct cairn_book		*b = NULL, *b2 = NULL;
	const struct cairn_bookdata	*d;
	const struct cairn_org		*o, *o2;
	const struct cairn_function	*fn;
	const struct cairn_pubkey	*k;
	struct cairn_pubfile		*pl, *pa;
	uint8_t				 unknown[CAIRN_KEY_ID_BYTES] = { 0 };
	uint8_t				 curve[32] = { 0 };
	char				 path[PATH_MAX];

	compile_good(f, 7);
	assert_int_equal(cairn_book_parse(&b, f->book, f->booklen, f->fed_pk,
	    7, NOW + 1000), 0);
	d = cairn_book_data(b);
	assert_int_equal(d->serial, 7);
	assert_int_equal(d->issued_ms, NOW);
	assert_int_equal(d->expires_ms, NOW + BOOK_VALID);
	assert_int_equal(d->norgs, 3);
	assert_string_equal(d->orgs[0].id, L);
	assert_string_equal(d->orgs[2].id, B);

	load_pub(f, L, &pl);
	load_pub(f, A, &pa);

	assert_non_null(o = cairn_book_org(b, L));
	assert_string_equal(o->name, "Lerums kommun, elevhälsa");
	assert_string_equal(o->orgnr, "2120001488");
	assert_string_equal(o->endpoint, "tcp://127.0.0.1:7441");
	assert_int_equal(o->nsign_keys, 1);
	assert_int_equal(o->nbox_keys, 1);
	assert_memory_equal(o->curve_pk, pl->curve_pk, 32);
	assert_int_equal(o->nfunctions, 1);
	assert_non_null(o = cairn_book_org(b, B));
	assert_string_equal(o->orgnr, "");
	assert_int_equal(o->nfunctions, 0);
	assert_null(cairn_book_org(b, "nowhere"));
	assert_null(cairn_book_org(b, ""));

	assert_non_null(fn = cairn_book_function(b, A, "konsultation"));
	assert_int_equal(fn->accepts, CAIRN_KIND_BIT(CAIRN_KIND_REQUEST) |
	    CAIRN_KIND_BIT(CAIRN_KIND_WITHDRAWAL));
	assert_int_equal(fn->guarantee_days, 3);
	assert_non_null(fn = cairn_book_function(b, A, "kansli"));
	assert_int_equal(fn->accepts, 0);
	assert_int_equal(fn->guarantee_days, 0);
	assert_non_null(fn = cairn_book_function(b, L, "skolskoterska"));
	assert_int_equal(fn->accepts, CAIRN_KIND_BIT(CAIRN_KIND_RESPONSE) |
	    CAIRN_KIND_BIT(CAIRN_KIND_GUARANTEE));
	assert_null(cairn_book_function(b, L, "konsultation"));
	assert_null(cairn_book_function(b, "nowhere", "kansli"));

	assert_non_null(o = cairn_book_org_by_curve(b, pa->curve_pk));
	assert_string_equal(o->id, A);
	assert_null(cairn_book_org_by_curve(b, curve));

	assert_int_equal(cairn_book_sign_key(b, pa->sign_keys[0].key_id, &o2,
	    &k), 0);
	assert_string_equal(o2->id, A);
	assert_memory_equal(k->pk, pa->sign_keys[0].pk, 32);
	assert_int_equal(cairn_book_sign_key(b, unknown, &o2, &k),
	    CAIRN_EUNKNOWNKEY);
	assert_null(o2);
	/* An encryption key id is not a signing key. */
	assert_int_equal(cairn_book_sign_key(b, pa->box_keys[0].key_id, &o2,
	    &k), CAIRN_EUNKNOWNKEY);

	assert_int_equal(cairn_book_box_key(b, L, NOW + 1000, &k), 0);
	assert_memory_equal(k->pk, pl->box_keys[0].pk, 32);
	assert_memory_equal(k->key_id, pl->box_keys[0].key_id, 8);
	assert_int_equal(cairn_book_box_key(b, "nowhere", NOW, &k),
	    CAIRN_ENOTFOUND);
	assert_int_equal(cairn_book_box_key(b, L, NOW - 1000, &k),
	    CAIRN_ENOKEY);
	assert_true(cairn_book_key_valid(k = &pl->box_keys[0], NOW));
	assert_false(cairn_book_key_valid(k, NOW - 1));
	assert_false(cairn_book_key_valid(k, k->valid_until_ms));

	/* Through a file, verified and unverified. */
	write_file(f, "book.signed", f->book, f->booklen);
	path_in(f, path, "book.signed");
	assert_int_equal(cairn_book_load(&b2, path, f->fed_pk, 0, NOW), 0);
	assert_int_equal(cairn_book_data(b2)->norgs, 3);
	cairn_book_free(b2);
	b2 = NULL;
	assert_int_equal(cairn_book_load(&b2, path, f->fed_pk, 8, NOW),
	    CAIRN_EBOOKROLLBACK);
	assert_null(b2);
	assert_int_equal(cairn_book_load_unverified(&b2, path), 0);
	assert_non_null(cairn_book_org(b2, A));
	cairn_book_free(b2);

	free(pa);
	free(pl);
	cairn_book_free(b);
	cairn_book_free(NULL);
}

static void
test_book_compile_refuses_org_key(void **state)
{
	struct fx		*f = *state;
	struct cairn_secret	*org;
	char			 path[PATH_MAX];

	path_in(f, path, L ".secret");
	assert_int_equal(cairn_keyfile_secret_load(&org, path), 0);
	write_text(f, "book.ini", GOOD_SOURCE);
	path_in(f, path, "book.ini");
	assert_int_equal(cairn_book_compile(path, 1, NOW, BOOK_VALID, org,
	    &f->book, &f->booklen, f->err, sizeof(f->err)), CAIRN_EKEYTYPE);
	assert_null(f->book);
	cairn_keyfile_secret_free(org);

	path_in(f, path, "no-such.ini");
	assert_int_equal(cairn_book_compile(path, 1, NOW, BOOK_VALID, f->fed,
	    &f->book, &f->booklen, f->err, sizeof(f->err)), -ENOENT);
	assert_non_null(strstr(f->err, "no-such.ini"));
}

/*
 * Signature layout of SignedAddressBook: ... 0x12 0x40 <64> 0x1a 0x08 <8>.
 */
static size_t
sig_offset(const struct fx *f)
{
	size_t	off = f->booklen - 10 - CAIRN_SIG_BYTES;

	assert_int_equal(f->book[off - 2], 0x12);
	assert_int_equal(f->book[off - 1], CAIRN_SIG_BYTES);
	assert_int_equal(f->book[f->booklen - 10], 0x1a);
	assert_int_equal(f->book[f->booklen - 9], CAIRN_KEY_ID_BYTES);
	return off;
}

static void
test_book_bad_signature(void **state)
{
	struct fx		*f = *state;
	struct cairn_book	*b = NULL;
	size_t			 i, off, body, bodylen;
	int			 rc;

	compile_good(f, 1);
	off = sig_offset(f);
	for (i = 0; i < CAIRN_SIG_BYTES; i++) {
		f->book[off + i] ^= 0xff;
		rc = cairn_book_parse(&b, f->book, f->booklen, f->fed_pk, 0,
		    NOW);
		assert_int_equal(rc, CAIRN_EBOOKSIG);
		assert_null(b);
		f->book[off + i] ^= 0xff;
	}

	/* Every byte of the signed body: 0x0a <varint len> <body>. */
	assert_int_equal(f->book[0], 0x0a);
	bodylen = 0;
	for (body = 1; f->book[body] & 0x80; body++)
		bodylen |= (size_t)(f->book[body] & 0x7f) << (7 * (body - 1));
	bodylen |= (size_t)f->book[body] << (7 * (body - 1));
	body++;
	assert_int_equal(body + bodylen, off - 2);
	for (i = body; i < body + bodylen; i++) {
		f->book[i] ^= (uint8_t)(1u << (i % 8));
		rc = cairn_book_parse(&b, f->book, f->booklen, f->fed_pk, 0,
		    NOW);
		assert_int_equal(rc, CAIRN_EBOOKSIG);
		f->book[i] ^= (uint8_t)(1u << (i % 8));
	}

	/* The key id hint names another key. */
	f->book[f->booklen - 1] ^= 0x01;
	assert_int_equal(cairn_book_parse(&b, f->book, f->booklen, f->fed_pk,
	    0, NOW), CAIRN_EBOOKKEY);
	f->book[f->booklen - 1] ^= 0x01;
	assert_int_equal(cairn_book_parse(&b, f->book, f->booklen, f->fed_pk,
	    0, NOW), 0);
	cairn_book_free(b);
}

static void
test_book_every_bit_flip_refused(void **state)
{
	struct fx		*f = *state;
	struct cairn_book	*b = NULL;
	size_t			 i;
	unsigned		 bit;

	compile_good(f, 1);
	/* All bits of the wrapper's framing and the first body bytes. */
	for (i = 0; i < 16; i++)
		for (bit = 0; bit < 8; bit++) {
			f->book[i] ^= (uint8_t)(1u << bit);
			assert_int_not_equal(cairn_book_parse(&b, f->book,
			    f->booklen, f->fed_pk, 0, NOW), 0);
			assert_null(b);
			f->book[i] ^= (uint8_t)(1u << bit);
		}
	for (i = f->booklen - 2 - CAIRN_SIG_BYTES - 10; i < f->booklen; i++)
		for (bit = 0; bit < 8; bit++) {
			f->book[i] ^= (uint8_t)(1u << bit);
			assert_int_not_equal(cairn_book_parse(&b, f->book,
			    f->booklen, f->fed_pk, 0, NOW), 0);
			assert_null(b);
			f->book[i] ^= (uint8_t)(1u << bit);
		}
}

static void
test_book_wrong_federation_key(void **state)
{
	struct fx		*f = *state;
	struct cairn_book	*b = NULL;
	struct cairn_secret	*other;
	struct cairn_pubfile	 pub;
	char			 dir[PATH_MAX], path[PATH_MAX];

	compile_good(f, 1);
	path_in(f, dir, "other");
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(cairn_keyfile_generate_federation(dir, NOW,
	    KEY_VALID), 0);
	path_in(f, path, "other/federation.secret");
	assert_int_equal(cairn_keyfile_secret_load(&other, path), 0);
	cairn_keyfile_secret_public(other, &pub);
	assert_int_equal(cairn_book_parse(&b, f->book, f->booklen,
	    pub.sign_keys[0].pk, 0, NOW), CAIRN_EBOOKKEY);
	assert_null(b);

	/* Signed by the other federation, verified against ours. */
	write_text(f, "book.ini", GOOD_SOURCE);
	path_in(f, path, "book.ini");
	free(f->book);
	assert_int_equal(cairn_book_compile(path, 1, NOW, BOOK_VALID, other,
	    &f->book, &f->booklen, f->err, sizeof(f->err)), 0);
	assert_int_equal(cairn_book_parse(&b, f->book, f->booklen, f->fed_pk,
	    0, NOW), CAIRN_EBOOKKEY);
	assert_int_equal(cairn_book_parse(&b, f->book, f->booklen,
	    pub.sign_keys[0].pk, 0, NOW), 0);
	cairn_book_free(b);
	cairn_keyfile_secret_free(other);
}

static void
test_book_expired(void **state)
{
	struct fx		*f = *state;
	struct cairn_book	*b = NULL;

	compile_good(f, 1);
	assert_int_equal(cairn_book_parse(&b, f->book, f->booklen, f->fed_pk,
	    0, NOW + BOOK_VALID), CAIRN_EBOOKEXPIRED);
	assert_null(b);
	assert_int_equal(cairn_book_parse(&b, f->book, f->booklen, f->fed_pk,
	    0, NOW + 10 * BOOK_VALID), CAIRN_EBOOKEXPIRED);
	assert_int_equal(cairn_book_parse(&b, f->book, f->booklen, f->fed_pk,
	    0, NOW + BOOK_VALID - 1), 0);
	cairn_book_free(b);
}

static void
test_book_rollback(void **state)
{
	struct fx		*f = *state;
	struct cairn_book	*b = NULL;

	compile_good(f, 5);
	assert_int_equal(cairn_book_parse(&b, f->book, f->booklen, f->fed_pk,
	    6, NOW), CAIRN_EBOOKROLLBACK);
	assert_null(b);
	assert_int_equal(cairn_book_parse(&b, f->book, f->booklen, f->fed_pk,
	    UINT64_MAX, NOW), CAIRN_EBOOKROLLBACK);
	assert_int_equal(cairn_book_parse(&b, f->book, f->booklen, f->fed_pk,
	    5, NOW), 0);
	cairn_book_free(b);
	assert_int_equal(cairn_book_parse(&b, f->book, f->booklen, f->fed_pk,
	    4, NOW), 0);
	cairn_book_free(b);
}

static void
expect_line(const struct fx *f, int line)
{
	char	want[64];

	snprintf(want, sizeof(want), "/book.ini:%d: ", line);
	if (strstr(f->err, want) == NULL)
		print_error("err '%s' lacks '%s'\n", f->err, want);
	assert_non_null(strstr(f->err, want));
	assert_non_null(strstr(f->err, f->dir));
}

static void
test_book_duplicate_org_in_source(void **state)
{
	struct fx	*f = *state;

	/* Lines 1-5, 6-10, 11-15: the second [org lerum] is on line 11. */
	assert_int_equal(compile_text(f, ORG_L ORG_A ORG_L, 1),
	    CAIRN_EBOOKDUP);
	expect_line(f, 11);
	assert_non_null(strstr(f->err, "also at line 1"));
	assert_null(f->book);

	assert_int_equal(compile_text(f, ORG_L "[function " L "/x]\n"
	    ORG_A "[function " L "/x]\n", 1), CAIRN_EBOOKDUP);
	expect_line(f, 12);
}

struct bad_source {
	const char	*what;
	const char	*text;
	int		 code;
	int		 line;
};

static const struct bad_source bad_sources[] = {
	{ "unknown key", ORG_L "colour = red\n", CAIRN_EBOOKSOURCE, 6 },
	{ "bad orgnr (Luhn)", "[org " L "]\nname = x\norgnr = 212000-1487\n",
	    CAIRN_EBOOKSOURCE, 3 },
	{ "bad orgnr (shape)", ORG_A ORG_B "orgnr = 12345\n",
	    CAIRN_EBOOKSOURCE, 10 },
	{ "empty orgnr", "[org " L "]\norgnr =\n", CAIRN_EBOOKSOURCE, 2 },
	{ "bad endpoint", "[org " L "]\nname = x\nendpoint = http://x:1\n",
	    CAIRN_EBOOKSOURCE, 3 },
	{ "endpoint port 0", ORG_A "[org " L "]\nendpoint = tcp://a:0\n",
	    CAIRN_EBOOKSOURCE, 7 },
	{ "bad org id", ORG_A "\n[org Lerum]\n", CAIRN_EBOOKSOURCE, 7 },
	{ "bad org id (..)", "[org a..b]\nname = x\n", CAIRN_EBOOKSOURCE, 1 },
	{ "empty org id", "[org ]\n", CAIRN_EBOOKSOURCE, 1 },
	{ "bad function name", ORG_A "[function " A "/Bad]\n",
	    CAIRN_EBOOKSOURCE, 6 },
	{ "reserved function", ORG_A "[function " A "/admin]\n",
	    CAIRN_EBOOKSOURCE, 6 },
	{ "reserved function auditor", ORG_A "[function " A "/auditor]\n",
	    CAIRN_EBOOKSOURCE, 6 },
	{ "guarantee_days 0", ORG_A "[function " A "/k]\n"
	    "accepts = consultation-request\nguarantee_days = 0\n",
	    CAIRN_EBOOKSOURCE, 8 },
	{ "guarantee_days abc", ORG_A "[function " A "/k]\n"
	    "guarantee_days = abc\n", CAIRN_EBOOKSOURCE, 7 },
	{ "guarantee_days 366", ORG_A "[function " A "/k]\n"
	    "guarantee_days = 366\n", CAIRN_EBOOKSOURCE, 7 },
	{ "guarantee_days -1", ORG_A "[function " A "/k]\n"
	    "guarantee_days = -1\n", CAIRN_EBOOKSOURCE, 7 },
	{ "guarantee_days 3x", ORG_A "[function " A "/k]\n"
	    "guarantee_days = 3x\n", CAIRN_EBOOKSOURCE, 7 },
	{ "guarantee_days missing", ORG_A "\n[function " A "/k]\n"
	    "accepts = withdrawal,consultation-request\n" ORG_B,
	    CAIRN_EBOOKSOURCE, 7 },
	{ "guarantee_days missing at end", ORG_A "[function " A "/k]\n"
	    "accepts = consultation-request\n", CAIRN_EBOOKSOURCE, 6 },
	{ "unknown kind", ORG_A "[function " A "/k]\n"
	    "accepts = consultation-request, telepathy\n",
	    CAIRN_EBOOKSOURCE, 7 },
	{ "kind listed twice", ORG_A "[function " A "/k]\n"
	    "accepts = withdrawal, withdrawal\n", CAIRN_EBOOKSOURCE, 7 },
	{ "empty kind", ORG_A "[function " A "/k]\n"
	    "accepts = withdrawal,,contact-guarantee\n",
	    CAIRN_EBOOKSOURCE, 7 },
	{ "empty accepts", ORG_A "[function " A "/k]\naccepts =\n",
	    CAIRN_EBOOKSOURCE, 7 },
	{ "function for unknown org", ORG_A "\n[function " L "/k]\n"
	    "accepts = withdrawal\n" ORG_B, CAIRN_EBOOKSOURCE, 7 },
	{ "function for org defined later is fine, unknown one is not",
	    "[function " A "/k]\n" ORG_A "[function nowhere/k]\n",
	    CAIRN_EBOOKSOURCE, 7 },
	{ "missing key file", "[org " L "]\nname = x\nendpoint = tcp://a:1\n"
	    "key = missing.pub\n", -ENOENT, 4 },
	{ "key file of another org", "[org " L "]\nkey = " A ".pub\n",
	    CAIRN_EKEYFILE, 2 },
	{ "federation key file", "[org " L "]\nkey = federation.pub\n",
	    CAIRN_EKEYFILE, 2 },
	{ "secret key file", "[org " L "]\nkey = " L ".secret\n",
	    CAIRN_EKEYFILE, 2 },
	{ "not a key file", "[org " L "]\nkey = book.ini\n",
	    CAIRN_EKEYFILE, 2 },
	{ "duplicate key", "[org " L "]\nname = x\nname = y\n",
	    CAIRN_EBOOKSOURCE, 3 },
	{ "duplicate key in function", ORG_A "[function " A "/k]\n"
	    "accepts = withdrawal\naccepts = withdrawal\n",
	    CAIRN_EBOOKSOURCE, 8 },
	{ "unknown key in function", ORG_A "[function " A "/k]\n"
	    "endpoint = tcp://a:1\n", CAIRN_EBOOKSOURCE, 7 },
	{ "unknown section", ORG_A "[person x]\nname = y\n",
	    CAIRN_EBOOKSOURCE, 6 },
	{ "empty unknown section", ORG_A "[person x]\n",
	    CAIRN_EBOOKSOURCE, 6 },
	{ "key outside a section", "\n; comment\nname = x\n" ORG_A,
	    CAIRN_EBOOKSOURCE, 3 },
	{ "missing name", "[org " L "]\nendpoint = tcp://a:1\n"
	    "key = " L ".pub\n" ORG_A, CAIRN_EBOOKSOURCE, 1 },
	{ "missing endpoint", ORG_A "\n[org " L "]\nname = x\n"
	    "key = " L ".pub\n", CAIRN_EBOOKSOURCE, 7 },
	{ "missing key", ORG_A "[org " L "]\nname = x\n"
	    "endpoint = tcp://a:1\n", CAIRN_EBOOKSOURCE, 6 },
	{ "empty org section", "[org " L "]\n" ORG_A, CAIRN_EBOOKSOURCE, 1 },
	{ "empty name", "[org " L "]\nname =\n", CAIRN_EBOOKSOURCE, 2 },
	{ "name with control character", "[org " L "]\nname = a\x01z\n",
	    CAIRN_EBOOKSOURCE, 2 },
	{ "name not UTF-8", "[org " L "]\nname = a\xff\n",
	    CAIRN_EBOOKSOURCE, 2 },
	{ "syntax error", ORG_A "just some words\n", CAIRN_EBOOKSOURCE, 6 },
	{ "syntax error before a key error", "[org " L "]\nwords\n"
	    "colour = red\n", CAIRN_EBOOKSOURCE, 2 },
	{ "unterminated section", ORG_A "[org " L "\n",
	    CAIRN_EBOOKSOURCE, 6 },
	{ "text after section", ORG_A "[org " L "] x\n",
	    CAIRN_EBOOKSOURCE, 6 },
	{ "indented continuation", ORG_A "[function " A "/k]\n"
	    "accepts = withdrawal\n    , contact-guarantee\n",
	    CAIRN_EBOOKSOURCE, 8 },
	{ "indented section", ORG_A "  [org " L "]\n", CAIRN_EBOOKSOURCE, 6 },
	{ "line too long", ORG_A "; xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
	    CAIRN_EBOOKSOURCE, 6 },
	{ "long function section", ORG_A "[function " A "/"
	    "k23456789012345678901234567890123456789012345678901234567890123"
	    "4]\n", CAIRN_EBOOKSOURCE, 6 },
	{ "NUL byte", ORG_A "name = a\0b\n", CAIRN_EBOOKSOURCE, 6 },
};

static void
test_book_bad_sources(void **state)
{
	struct fx	*f = *state;
	char		 want[64];
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(bad_sources) / sizeof(bad_sources[0]); i++) {
		const struct bad_source *c = &bad_sources[i];

		f->err[0] = '\0';
		if (strcmp(c->what, "NUL byte") == 0) {
			char	path[PATH_MAX];
			size_t	n = strlen(c->text);

			write_file(f, "book.ini", c->text, n + 4);
			path_in(f, path, "book.ini");
			rc = cairn_book_compile(path, 1, NOW, BOOK_VALID,
			    f->fed, &f->book, &f->booklen, f->err,
			    sizeof(f->err));
		} else
			rc = compile_text(f, c->text, 1);
		if (rc != c->code)
			print_error("case '%s': got %d (%s) want %d; err "
			    "'%s'\n", c->what, rc, cairn_strerror(rc), c->code,
			    f->err);
		assert_int_equal(rc, c->code);
		assert_null(f->book);
		snprintf(want, sizeof(want), "/book.ini:%d: ", c->line);
		if (strstr(f->err, want) == NULL)
			print_error("case '%s': err '%s'\n", c->what, f->err);
		expect_line(f, c->line);
	}
}

static void
test_book_source_edge_cases_accepted(void **state)
{
	struct fx		*f = *state;
	struct cairn_book	*b = NULL;
	const struct cairn_function *fn;

#define LONG_FN "k234567890123456789012345678901234567890123456789012345678901"
	/* BOM, CRLF, comments, ':' separator, orgnr with dash, no space. */
	assert_int_equal(compile_text(f, "\xef\xbb\xbf[org " L "]  ; x\r\n"
	    "name=Lerum\r\n"
	    "  ; an indented comment\r\n"
	    "# a comment\r\n"
	    "endpoint : tcp://127.0.0.1:7441\r\n"
	    "key = " L ".pub\r\n"
	    "[function " L "/k]\r\n"
	    "accepts = consultation-request,withdrawal\r\n"
	    "guarantee_days = 365\r\n"
	    "[function " L "/" LONG_FN "]", 3), 0);
	assert_int_equal(cairn_book_parse(&b, f->book, f->booklen, f->fed_pk,
	    3, NOW), 0);
	assert_non_null(fn = cairn_book_function(b, L, "k"));
	assert_int_equal(fn->guarantee_days, 365);
	/* Longer than inih's 49-byte section names, and not cut short. */
	assert_non_null(fn = cairn_book_function(b, L, LONG_FN));
	assert_null(cairn_book_function(b, L, "k"
	    "23456789012345678901234567890123456789012345678"));
	assert_string_equal(cairn_book_org(b, L)->name, "Lerum");
	assert_string_equal(cairn_book_org(b, L)->endpoint,
	    "tcp://127.0.0.1:7441");
	cairn_book_free(b);
#undef LONG_FN

	/* An empty book is valid. */
	assert_int_equal(compile_text(f, "; nothing yet\n", 4), 0);
	assert_int_equal(cairn_book_parse(&b, f->book, f->booklen, f->fed_pk,
	    3, NOW), 0);
	assert_int_equal(cairn_book_data(b)->norgs, 0);
	assert_null(cairn_book_org(b, L));
	cairn_book_free(b);
}

static void
test_book_duplicate_curve_key_in_source(void **state)
{
	struct fx	*f = *state;
	char		*pub, *p;

	/* A copy of lerum's public file under another name. */
	pub = read_text(f, L ".pub");
	assert_non_null(p = strstr(pub, "org " L "\n"));
	memcpy(p, "org copycat.xyz\n", strlen("org copycat.xyz\n"));
	memmove(p + strlen("org copycat.xyz\n"), p + strlen("org " L "\n"),
	    strlen(p + strlen("org " L "\n")) + 1);
	write_text(f, "copycat.pub", pub);
	free(pub);
	assert_int_equal(compile_text(f, ORG_L ORG_A "[org copycat.xyz]\n"
	    "name = x\nendpoint = tcp://a:1\nkey = copycat.pub\n", 1),
	    CAIRN_EBOOKDUP);
	expect_line(f, 11);
}

static void
test_book_truncated(void **state)
{
	struct fx		*f = *state;
	struct cairn_book	*b = NULL;
	struct cairn_bookdata	*d = NULL;
	uint8_t			*copy;
	size_t			 len;

	compile_good(f, 1);
	for (len = 0; len < f->booklen; len++) {
		/* A fresh allocation of exactly len bytes, for ASan. */
		assert_non_null(copy = malloc(len ? len : 1));
		memcpy(copy, f->book, len);
		assert_int_not_equal(cairn_book_parse(&b, copy, len, f->fed_pk,
		    0, NOW), 0);
		assert_null(b);
		/* The bare AddressBook too: no crash, no leak. */
		if (len > 4 && cairn_bookwire_decode(&d, copy + 4, len - 4)
		    == 0)
			cairn_bookwire_free(d);
		free(copy);
	}
	assert_int_equal(cairn_book_parse(&b, f->book, f->booklen, f->fed_pk,
	    0, NOW), 0);
	cairn_book_free(b);
}

static void
test_book_trailing_garbage(void **state)
{
	struct fx		*f = *state;
	struct cairn_book	*b = NULL;
	uint8_t			*big;

	compile_good(f, 1);
	assert_non_null(big = malloc(f->booklen + 3));
	memcpy(big, f->book, f->booklen);
	memcpy(big + f->booklen, "\x20\x01\x00", 3);
	assert_int_not_equal(cairn_book_parse(&b, big, f->booklen + 2,
	    f->fed_pk, 0, NOW), 0);
	assert_int_not_equal(cairn_book_parse(&b, big, f->booklen + 1,
	    f->fed_pk, 0, NOW), 0);
	/* An unknown field 4 after a valid book. */
	memcpy(big + f->booklen, "\x20\x01", 2);
	assert_int_equal(cairn_book_parse(&b, big, f->booklen + 2,
	    f->fed_pk, 0, NOW), CAIRN_EMALFORMED);
	assert_null(b);
	free(big);
}

static void
test_book_garbage(void **state)
{
	struct fx		*f = *state;
	struct cairn_book	*b = NULL;
	struct cairn_bookdata	*d = NULL;
	uint8_t			 buf[2048];
	uint64_t		 x = 0x9e3779b97f4a7c15ull;
	size_t			 i, n, len;
	int			 rc;

	for (n = 0; n < 2000; n++) {
		len = n % sizeof(buf);
		for (i = 0; i < len; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[i] = (uint8_t)x;
		}
		assert_int_not_equal(cairn_book_parse(&b, buf, len, f->fed_pk,
		    0, NOW), 0);
		assert_null(b);
		rc = cairn_bookwire_decode(&d, buf, len);
		assert_int_not_equal(rc, 0);
		assert_null(d);
	}
	memset(buf, 0xff, sizeof(buf));
	assert_int_equal(cairn_book_parse(&b, buf, sizeof(buf), f->fed_pk, 0,
	    NOW), CAIRN_EMALFORMED);
	/* A field that claims to be far longer than the input. */
	memcpy(buf, "\x0a\xff\xff\xff\x7f", 5);
	assert_int_equal(cairn_book_parse(&b, buf, 5, f->fed_pk, 0, NOW),
	    CAIRN_EMALFORMED);
	/* Empty input: no book, no signature. */
	assert_int_equal(cairn_book_parse(&b, buf, 0, f->fed_pk, 0, NOW),
	    CAIRN_EFIELD);
	assert_int_equal(cairn_book_parse(&b, buf, CAIRN_BOOK_MAX_BYTES + 1,
	    f->fed_pk, 0, NOW), CAIRN_ETOOBIG);
	assert_int_equal(cairn_bookwire_decode(&d, buf,
	    CAIRN_BOOK_MAX_BYTES + 1), CAIRN_ETOOBIG);
}

/*
 * Many empty organisations in few bytes: each costs far more memory
 * unpacked than on the wire, and the allocation budget must stop it.
 */
static void
test_book_allocation_budget(void **state)
{
	struct cairn_bookdata	*d = NULL;
	uint8_t			*buf;
	size_t			 i, n = 1u << 20;

	(void)state;
	assert_non_null(buf = malloc(n));
	for (i = 0; i + 1 < n; i += 2) {
		buf[i] = 0x22;		/* field 4, length-delimited */
		buf[i + 1] = 0x00;	/* empty Organisation */
	}
	assert_int_equal(cairn_bookwire_decode(&d, buf, n), CAIRN_EMALFORMED);
	assert_null(d);
	free(buf);
}

static void
fake_key(struct cairn_pubkey *k, uint32_t seed)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->pk, &seed, sizeof(seed));
	cairn_sig_keyid(k->key_id, k->pk);
	k->valid_from_ms = NOW;
	k->valid_until_ms = NOW + KEY_VALID;
}

/*
 * The costliest legitimate shape per wire byte: many small organisations
 * with 64 one- or two-letter functions each.  The budget must admit it.
 */
static void
test_book_allocation_budget_admits_legitimate(void **state)
{
	struct cairn_bookdata	 d, *out = NULL;
	struct cairn_org	*o;
	uint8_t			*bytes;
	size_t			 len, i, j, n = 400;

	(void)state;
	memset(&d, 0, sizeof(d));
	d.serial = 1;
	d.issued_ms = NOW;
	d.expires_ms = NOW + BOOK_VALID;
	assert_non_null(d.orgs = calloc(n, sizeof(*d.orgs)));
	d.norgs = n;
	for (i = 0; i < n; i++) {
		o = &d.orgs[i];
		snprintf(o->id, sizeof(o->id), "o%zu", i);
		strcpy(o->name, "n");
		strcpy(o->endpoint, "tcp://a:1");
		fake_key(&o->sign_keys[0], (uint32_t)(3 * i));
		fake_key(&o->box_keys[0], (uint32_t)(3 * i + 1));
		o->nsign_keys = o->nbox_keys = 1;
		memcpy(o->curve_pk, &i, sizeof(i));
		assert_non_null(o->functions = calloc(CAIRN_BOOK_MAX_FUNCTIONS,
		    sizeof(*o->functions)));
		o->nfunctions = CAIRN_BOOK_MAX_FUNCTIONS;
		for (j = 0; j < o->nfunctions; j++) {
			char *name = o->functions[j].name;

			if (j >= 26)
				*name++ = (char)('z' - (j / 26 - 1));
			name[0] = (char)('a' + j % 26);
			name[1] = '\0';
		}
	}
	assert_int_equal(cairn_bookwire_encode(&d, &bytes, &len), 0);
	assert_int_equal(cairn_bookwire_decode(&out, bytes, len), 0);
	assert_int_equal(out->norgs, n);
	cairn_bookwire_free(out);
	free(bytes);
	for (i = 0; i < n; i++)
		free(d.orgs[i].functions);
	free(d.orgs);
}

static void
test_book_load_errors(void **state)
{
	struct fx		*f = *state;
	struct cairn_book	*b = NULL;
	char			 path[PATH_MAX];
	int			 fd;

	path_in(f, path, "none.signed");
	assert_int_equal(cairn_book_load(&b, path, f->fed_pk, 0, NOW),
	    -ENOENT);
	assert_int_equal(cairn_book_load_unverified(&b, path), -ENOENT);
	assert_int_equal(cairn_book_load(&b, f->dir, f->fed_pk, 0, NOW),
	    -EINVAL);
	path_in(f, path, "huge.signed");
	assert_true((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) >= 0);
	assert_int_equal(ftruncate(fd, CAIRN_BOOK_MAX_BYTES + 1), 0);
	close(fd);
	assert_int_equal(cairn_book_load(&b, path, f->fed_pk, 0, NOW),
	    CAIRN_ETOOBIG);
	assert_int_equal(cairn_book_load_unverified(&b, path), CAIRN_ETOOBIG);
	assert_null(b);
}

/* A copy of a parsed book's data that the test may change. */
static struct cairn_bookdata *
copy_data(const struct cairn_bookdata *src)
{
	struct cairn_bookdata	*d;
	size_t			 i;

	assert_non_null(d = calloc(1, sizeof(*d)));
	*d = *src;
	assert_non_null(d->orgs = calloc(src->norgs, sizeof(*d->orgs)));
	for (i = 0; i < src->norgs; i++) {
		d->orgs[i] = src->orgs[i];
		d->orgs[i].functions = NULL;
		if (src->orgs[i].nfunctions == 0)
			continue;
		assert_non_null(d->orgs[i].functions = calloc(
		    src->orgs[i].nfunctions, sizeof(struct cairn_function)));
		memcpy(d->orgs[i].functions, src->orgs[i].functions,
		    src->orgs[i].nfunctions * sizeof(struct cairn_function));
	}
	return d;
}

static uint8_t *
find(uint8_t *hay, size_t haylen, const void *needle, size_t len)
{
	uint8_t	*p;

	assert_non_null(p = memmem(hay, haylen, needle, len));
	/* Exactly one occurrence, so the patch hits the intended field. */
	assert_null(memmem(p + 1, haylen - (size_t)(p + 1 - hay), needle,
	    len));
	return p;
}

static void
test_book_hand_built_duplicate_org(void **state)
{
	struct fx		*f = *state;
	struct cairn_book	*b = NULL;
	struct cairn_bookdata	*d, *out = NULL;
	uint8_t			*bytes, *signed_book;
	size_t			 len, slen;

	compile_good(f, 1);
	assert_int_equal(cairn_book_parse(&b, f->book, f->booklen, f->fed_pk,
	    0, NOW), 0);
	d = copy_data(cairn_book_data(b));

	/* encode refuses duplicates outright. */
	strcpy(d->orgs[1].id, d->orgs[0].id);
	assert_int_equal(cairn_bookwire_encode(d, &bytes, &len),
	    CAIRN_EINVAL);

	/* So encode two ids of one length and patch the bytes. */
	strcpy(d->orgs[0].id, "dup-one");
	strcpy(d->orgs[1].id, "dup-two");
	assert_int_equal(cairn_bookwire_encode(d, &bytes, &len), 0);
	assert_int_equal(cairn_bookwire_decode(&out, bytes, len), 0);
	cairn_bookwire_free(out);
	memcpy(find(bytes, len, "dup-two", 7), "dup-one", 7);
	assert_int_equal(cairn_bookwire_decode(&out, bytes, len),
	    CAIRN_EBOOKDUP);
	assert_null(out);

	/* Signed by the federation, still refused. */
	sign_wrap(f, bytes, len, &signed_book, &slen);
	cairn_book_free(b);
	b = NULL;
	assert_int_equal(cairn_book_parse(&b, signed_book, slen, f->fed_pk,
	    0, NOW), CAIRN_EBOOKDUP);
	assert_null(b);
	free(signed_book);
	free(bytes);

	/* A duplicate function within one organisation. */
	assert_int_equal(d->orgs[1].nfunctions, 2);
	strcpy(d->orgs[1].functions[0].name, "kanslx");
	strcpy(d->orgs[1].functions[1].name, "kansly");
	assert_int_equal(cairn_bookwire_encode(d, &bytes, &len), 0);
	memcpy(find(bytes, len, "kansly", 6), "kanslx", 6);
	assert_int_equal(cairn_bookwire_decode(&out, bytes, len),
	    CAIRN_EBOOKDUP);
	free(bytes);

	cairn_bookwire_free(d);
}

static void
test_book_key_id_mismatch(void **state)
{
	struct fx		*f = *state;
	struct cairn_book	*b = NULL;
	struct cairn_bookdata	*d, *out = NULL;
	uint8_t			*bytes, *signed_book, *p;
	size_t			 len, slen;

	compile_good(f, 1);
	assert_int_equal(cairn_book_parse(&b, f->book, f->booklen, f->fed_pk,
	    0, NOW), 0);
	d = copy_data(cairn_book_data(b));
	cairn_book_free(b);
	b = NULL;

	d->orgs[2].box_keys[0].key_id[0] ^= 1;
	assert_int_equal(cairn_bookwire_encode(d, &bytes, &len),
	    CAIRN_EINVAL);
	d->orgs[2].box_keys[0].key_id[0] ^= 1;

	assert_int_equal(cairn_bookwire_encode(d, &bytes, &len), 0);
	p = find(bytes, len, d->orgs[2].box_keys[0].key_id,
	    CAIRN_KEY_ID_BYTES);
	p[3] ^= 0x10;
	assert_int_equal(cairn_bookwire_decode(&out, bytes, len),
	    CAIRN_EFIELD);
	sign_wrap(f, bytes, len, &signed_book, &slen);
	assert_int_equal(cairn_book_parse(&b, signed_book, slen, f->fed_pk,
	    0, NOW), CAIRN_EFIELD);
	free(signed_book);
	p[3] ^= 0x10;

	/* The public key itself changed: its key id no longer matches. */
	p = find(bytes, len, d->orgs[0].sign_keys[0].pk, 32);
	p[31] ^= 0x80;
	assert_int_equal(cairn_bookwire_decode(&out, bytes, len),
	    CAIRN_EFIELD);
	free(bytes);
	cairn_bookwire_free(d);
}

static void
test_book_shape_checks(void **state)
{
	struct fx		*f = *state;
	struct cairn_book	*b = NULL;
	struct cairn_bookdata	*d, *out = NULL;
	struct cairn_pubkey	 key;
	uint8_t			*bytes, curve[32];
	size_t			 len;

	compile_good(f, 1);
	assert_int_equal(cairn_book_parse(&b, f->book, f->booklen, f->fed_pk,
	    0, NOW), 0);
	d = copy_data(cairn_book_data(b));
	cairn_book_free(b);

	/* Each change alone makes encode refuse; the original passes. */
	assert_int_equal(cairn_bookwire_encode(d, &bytes, &len), 0);
	assert_int_equal(cairn_bookwire_decode(&out, bytes, len), 0);
	assert_int_equal(out->norgs, 3);
	assert_string_equal(out->orgs[1].functions[0].name, "konsultation");
	cairn_bookwire_free(out);
	free(bytes);

#define REFUSED(change, undo) do {					\
	change;								\
	assert_int_equal(cairn_bookwire_encode(d, &bytes, &len),	\
	    CAIRN_EINVAL);						\
	undo;								\
} while (0)
	REFUSED(d->orgs[0].nsign_keys = 0, d->orgs[0].nsign_keys = 1);
	REFUSED(d->orgs[0].nbox_keys = 0, d->orgs[0].nbox_keys = 1);
	REFUSED(d->orgs[0].nbox_keys = CAIRN_BOOK_MAX_KEYS + 1,
	    d->orgs[0].nbox_keys = 1);
	REFUSED(d->orgs[0].name[0] = '\0', d->orgs[0].name[0] = 'L');
	REFUSED(d->orgs[0].orgnr[9] = '9', d->orgs[0].orgnr[9] = '8');
	REFUSED(d->orgs[0].id[0] = 'X', d->orgs[0].id[0] = 'l');
	REFUSED(d->orgs[0].endpoint[0] = 'u', d->orgs[0].endpoint[0] = 't');
	memcpy(curve, d->orgs[0].curve_pk, 32);
	REFUSED(memcpy(d->orgs[0].curve_pk, d->orgs[1].curve_pk, 32),
	    memcpy(d->orgs[0].curve_pk, curve, 32));
	REFUSED(d->orgs[0].sign_keys[0].valid_until_ms =
	    d->orgs[0].sign_keys[0].valid_from_ms,
	    d->orgs[0].sign_keys[0].valid_until_ms = NOW + KEY_VALID);
	REFUSED(d->orgs[1].functions[0].guarantee_days = 0,
	    d->orgs[1].functions[0].guarantee_days = 3);
	REFUSED(d->orgs[1].functions[0].guarantee_days = 366,
	    d->orgs[1].functions[0].guarantee_days = 3);
	REFUSED(d->orgs[1].functions[0].accepts |= 1,
	    d->orgs[1].functions[0].accepts &= ~1u);
	REFUSED(d->orgs[1].functions[0].accepts |= CAIRN_KIND_BIT(5),
	    d->orgs[1].functions[0].accepts &= ~CAIRN_KIND_BIT(5));
	REFUSED(strcpy(d->orgs[1].functions[0].name, "admin"),
	    strcpy(d->orgs[1].functions[0].name, "konsultation"));
	REFUSED(strcpy(d->orgs[1].functions[0].name, "auditor"),
	    strcpy(d->orgs[1].functions[0].name, "konsultation"));
	REFUSED(strcpy(d->orgs[1].functions[1].name, "konsultation"),
	    strcpy(d->orgs[1].functions[1].name, "kansli"));
	key = d->orgs[1].sign_keys[0];
	REFUSED(d->orgs[1].sign_keys[0] = d->orgs[0].sign_keys[0],
	    d->orgs[1].sign_keys[0] = key);
	key = d->orgs[1].box_keys[0];
	REFUSED((d->orgs[1].box_keys[1] = key, d->orgs[1].nbox_keys = 2),
	    d->orgs[1].nbox_keys = 1);
	REFUSED(d->orgs[1].nfunctions = CAIRN_BOOK_MAX_FUNCTIONS + 1,
	    d->orgs[1].nfunctions = 2);
	REFUSED(d->norgs = CAIRN_BOOK_MAX_ORGS + 1, d->norgs = 3);
	REFUSED(d->issued_ms = d->expires_ms, d->issued_ms = NOW);
#undef REFUSED
	assert_int_equal(cairn_bookwire_encode(d, &bytes, &len), 0);
	free(bytes);
	cairn_bookwire_free(d);
}

/* One book, one byte form: kinds listed out of order are refused. */
static void
test_book_kinds_out_of_order(void **state)
{
	struct fx		*f = *state;
	struct cairn_book	*b = NULL;
	struct cairn_bookdata	*d, *out = NULL;
	uint8_t			*bytes, *p;
	size_t			 len;

	compile_good(f, 1);
	assert_int_equal(cairn_book_parse(&b, f->book, f->booklen, f->fed_pk,
	    0, NOW), 0);
	d = copy_data(cairn_book_data(b));
	cairn_book_free(b);
	d->orgs[1].functions[0].accepts = CAIRN_KIND_BIT(CAIRN_KIND_REQUEST) |
	    CAIRN_KIND_BIT(CAIRN_KIND_WITHDRAWAL);
	assert_int_equal(cairn_bookwire_encode(d, &bytes, &len), 0);
	assert_int_equal(cairn_bookwire_decode(&out, bytes, len), 0);
	cairn_bookwire_free(out);
	/* packed repeated enum: tag 2, two bytes, 1 then 4 */
	p = find(bytes, len, "\x12\x02\x01\x04", 4);
	p[2] = 4;
	p[3] = 1;
	assert_int_equal(cairn_bookwire_decode(&out, bytes, len),
	    CAIRN_EMALFORMED);
	assert_null(out);
	free(bytes);
	cairn_bookwire_free(d);
}

static void
test_book_key_rotation(void **state)
{
	struct fx			*f = *state;
	struct cairn_book		*b = NULL;
	const struct cairn_org		*o;
	const struct cairn_pubkey	*k;
	struct cairn_pubfile		*pub;
	char				 sec[PATH_MAX], pubpath[PATH_MAX];
	const int64_t			 from2 = NOW + 100 * DAY;
	uint8_t				 old_id[8], new_id[8];

	path_in(f, sec, L ".secret");
	path_in(f, pubpath, L ".pub");
	assert_int_equal(cairn_keyfile_rotate(sec, pubpath, NOW, from2,
	    KEY_VALID), 0);
	load_pub(f, L, &pub);
	assert_int_equal(pub->nbox_keys, 2);
	assert_int_equal(pub->nsign_keys, 2);
	if (pub->box_keys[0].valid_from_ms == NOW) {
		memcpy(old_id, pub->box_keys[0].key_id, 8);
		memcpy(new_id, pub->box_keys[1].key_id, 8);
	} else {
		memcpy(old_id, pub->box_keys[1].key_id, 8);
		memcpy(new_id, pub->box_keys[0].key_id, 8);
	}
	free(pub);

	compile_good(f, 2);
	assert_int_equal(cairn_book_parse(&b, f->book, f->booklen, f->fed_pk,
	    2, NOW), 0);
	assert_non_null(o = cairn_book_org(b, L));
	assert_int_equal(o->nbox_keys, 2);

	assert_int_equal(cairn_book_box_key(b, L, NOW, &k), 0);
	assert_memory_equal(k->key_id, old_id, 8);
	assert_int_equal(cairn_book_box_key(b, L, from2 - 1, &k), 0);
	assert_memory_equal(k->key_id, old_id, 8);
	/* Both valid: the newer one wins. */
	assert_int_equal(cairn_book_box_key(b, L, from2, &k), 0);
	assert_memory_equal(k->key_id, new_id, 8);
	assert_int_equal(cairn_book_box_key(b, L, NOW + KEY_VALID - 1, &k),
	    0);
	assert_memory_equal(k->key_id, new_id, 8);
	/* The old one has expired. */
	assert_int_equal(cairn_book_box_key(b, L, NOW + KEY_VALID, &k), 0);
	assert_memory_equal(k->key_id, new_id, 8);
	assert_int_equal(cairn_book_box_key(b, L, from2 + KEY_VALID, &k),
	    CAIRN_ENOKEY);
	assert_int_equal(cairn_book_box_key(b, L, NOW - 1, &k), CAIRN_ENOKEY);

	/* Both signing keys are found by id, as the same organisation. */
	assert_int_equal(o->nsign_keys, 2);
	assert_int_equal(cairn_book_sign_key(b, o->sign_keys[0].key_id,
	    &o, &k), 0);
	assert_string_equal(o->id, L);
	assert_int_equal(cairn_book_sign_key(b, o->sign_keys[1].key_id,
	    &o, &k), 0);
	assert_string_equal(o->id, L);
	cairn_book_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_book_round_trip,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_book_compile_refuses_org_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_book_bad_signature,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_book_every_bit_flip_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_book_wrong_federation_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_book_expired,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_book_rollback,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_book_duplicate_org_in_source, setup, teardown),
		cmocka_unit_test_setup_teardown(test_book_bad_sources,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_book_source_edge_cases_accepted, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_book_duplicate_curve_key_in_source, setup, teardown),
		cmocka_unit_test_setup_teardown(test_book_truncated,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_book_trailing_garbage,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_book_garbage,
		    setup, teardown),
		cmocka_unit_test(test_book_allocation_budget),
		cmocka_unit_test(
		    test_book_allocation_budget_admits_legitimate),
		cmocka_unit_test_setup_teardown(test_book_load_errors,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_book_hand_built_duplicate_org, setup, teardown),
		cmocka_unit_test_setup_teardown(test_book_key_id_mismatch,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_book_shape_checks,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_book_kinds_out_of_order,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_book_key_rotation,
		    setup, teardown),
	};

	return cmocka_run_group_tests_name("book", tests, NULL, NULL);
}

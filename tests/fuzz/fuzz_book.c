/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes cairn_book_parse with the fixture federation key, then every
 * lookup on what it accepts.
 *
 * The first byte picks the mode:
 *   even  the rest is SignedAddressBook bytes as read from a book file;
 *   odd   the rest is AddressBook bytes: the harness signs and wraps them
 *         with the fixture federation key, so that mutated books get past
 *         the signature to the shape, expiry and index checks.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keys/book.h"
#include "tests/fuzz/fuzz.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (fx_init() != 0)
		abort();
	return 0;
}

static void
lookups(const struct cairn_book *b)
{
	const struct cairn_bookdata	*d = cairn_book_data(b);
	const struct cairn_org		*o, *found;
	const struct cairn_pubkey	*key;
	size_t				 i, j;

	for (i = 0; i < d->norgs; i++) {
		o = &d->orgs[i];
		if (cairn_book_org(b, o->id) != o)
			abort();
		if (cairn_book_org_by_curve(b, o->curve_pk) != o)
			abort();
		for (j = 0; j < o->nfunctions; j++)
			if (cairn_book_function(b, o->id,
			    o->functions[j].name) != &o->functions[j])
				abort();
		for (j = 0; j < o->nsign_keys; j++) {
			if (cairn_book_sign_key(b, o->sign_keys[j].key_id,
			    &found, &key) != 0 || found != o)
				abort();
			(void)cairn_book_key_valid(key, FX_NOW);
		}
		if (cairn_book_box_key(b, o->id, FX_NOW, &key) == 0 &&
		    !cairn_book_key_valid(key, FX_NOW))
			abort();
	}
	(void)cairn_book_org(b, "no.such.org");
	(void)cairn_book_function(b, FX_SENDER_ORG, "no-such-function");
}

static void
parse(const uint8_t *buf, size_t len)
{
	struct cairn_book	*b;

	if (cairn_book_parse(&b, buf, len, fx.fed_pk, 0, FX_NOW) != 0)
		return;
	lookups(b);
	cairn_book_free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t	 digest[CAIRN_DIGEST_BYTES], sig[CAIRN_SIG_BYTES];
	uint8_t	*buf;
	size_t	 len;

	if (size < 1)
		return 0;
	if ((data[0] & 1) == 0) {
		parse(data + 1, size - 1);
		return 0;
	}
	cairn_sig_digest(digest, CAIRN_DOMAIN_BOOK, data + 1, size - 1,
	    NULL, 0);
	crypto_sign_detached(sig, NULL, digest, sizeof(digest), fx.fed_sk);
	if (cairn_bookwire_wrap(data + 1, size - 1, sig,
	    fx.fed_signer.key_id, &buf, &len) != 0)
		return 0;
	parse(buf, len);
	free(buf);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the address book's wire codec: the same bytes go to
 * cairn_bookwire_decode (AddressBook) and cairn_bookwire_unwrap
 * (SignedAddressBook).  Both accept only the exact encoding this module
 * writes, so whatever they accept must encode back to the same bytes.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
same_bytes(int rc, const uint8_t *a, size_t alen, const uint8_t *b,
    size_t blen)
{
	if (rc == -ENOMEM)
		return;
	if (rc != 0 || alen != blen || memcmp(a, b, alen) != 0)
		abort();	/* accepted, yet not our canonical encoding */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cairn_bookdata	*book;
	uint8_t			*enc = NULL, *inner = NULL;
	uint8_t			 sig[CAIRN_SIG_BYTES];
	uint8_t			 key_id[CAIRN_KEY_ID_BYTES];
	size_t			 enclen = 0, innerlen;
	int			 rc;

	if (cairn_bookwire_decode(&book, data, size) == 0) {
		rc = cairn_bookwire_encode(book, &enc, &enclen);
		same_bytes(rc, data, size, enc, enclen);
		free(enc);
		enc = NULL;
		cairn_bookwire_free(book);
	}
	if (cairn_bookwire_unwrap(data, size, &inner, &innerlen, sig,
	    key_id) == 0) {
		rc = cairn_bookwire_wrap(inner, innerlen, sig, key_id, &enc,
		    &enclen);
		same_bytes(rc, data, size, enc, enclen);
		free(enc);
		free(inner);
	}
	return 0;
}

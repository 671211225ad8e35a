/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes cairn_payload_decode (what comes out of a decrypted envelope and
 * what a client submits).  A payload that decodes has passed validation,
 * so it must encode again and that encoding must decode: a receiver and a
 * sender never disagree on what is valid.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cairn_payload	*p, *q;
	uint8_t			*enc;
	size_t			 enclen;
	int			 rc;

	if (cairn_payload_decode(&p, data, size, FX_NOW) != 0)
		return 0;
	if ((rc = cairn_payload_encode(p, FX_NOW, &enc, &enclen)) != 0) {
		if (rc != -ENOMEM)
			abort();	/* decoded and validated, yet refused */
		cairn_payload_free(p);
		return 0;
	}
	if ((rc = cairn_payload_decode(&q, enc, enclen, FX_NOW)) != 0) {
		if (rc != -ENOMEM)
			abort();	/* our own encoding refused */
		q = NULL;
	}
	if (q != NULL && (q->kind != p->kind ||
	    q->nattachments != p->nattachments))
		abort();
	cairn_payload_free(q);
	sodium_memzero(enc, enclen);
	free(enc);
	cairn_payload_free(p);
	return 0;
}

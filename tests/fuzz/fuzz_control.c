/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the local control protocol: the same bytes go to
 * cairn_ctl_request_decode (what cairnd reads from a local client) and
 * cairn_ctl_reply_decode (what libcairn reads from cairnd).  Whatever
 * decodes must encode again, and that encoding must decode.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "proto/control.h"
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
request(const uint8_t *data, size_t size)
{
	struct cairn_ctl_request_msg	*m, *m2;
	const struct cairn_ctl_request	*req, *req2;
	uint8_t				*enc;
	size_t				 enclen;
	int				 rc;

	if (cairn_ctl_request_decode(&m, &req, data, size) != 0)
		return;
	if ((rc = cairn_ctl_request_encode(req, &enc, &enclen)) != 0) {
		if (rc != -ENOMEM)
			abort();	/* decoded, yet refused to encode */
		cairn_ctl_request_free(m);
		return;
	}
	rc = cairn_ctl_request_decode(&m2, &req2, enc, enclen);
	if (rc != 0 && rc != -ENOMEM)
		abort();		/* our own encoding refused */
	if (rc == 0 && (req2->command != req->command ||
	    req2->payload_len != req->payload_len))
		abort();
	cairn_ctl_request_free(m2);
	sodium_memzero(enc, enclen);
	free(enc);
	cairn_ctl_request_free(m);
}

static void
reply(const uint8_t *data, size_t size)
{
	struct cairn_ctl_reply	rep, rep2;
	uint8_t			*enc;
	size_t			 enclen;
	int			 rc;

	if (cairn_ctl_reply_decode(&rep, data, size) != 0)
		return;
	if ((rc = cairn_ctl_reply_encode(&rep, &enc, &enclen)) != 0) {
		if (rc != -ENOMEM)
			abort();	/* decoded, yet refused to encode */
		cairn_ctl_reply_clear(&rep);
		return;
	}
	rc = cairn_ctl_reply_decode(&rep2, enc, enclen);
	if (rc != 0 && rc != -ENOMEM)
		abort();		/* our own encoding refused */
	if (rc == 0 && (rep2.code != rep.code || rep2.ninfos != rep.ninfos ||
	    rep2.payload_len != rep.payload_len))
		abort();
	cairn_ctl_reply_clear(&rep2);
	sodium_memzero(enc, enclen);
	free(enc);
	cairn_ctl_reply_clear(&rep);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	request(data, size);
	reply(data, size);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes receipts and nacks: cairn_reply_parse, then cairn_reply_verify
 * with the fixture recipient's key.
 *
 * The first byte picks the mode:
 *   even  the rest is SignedReply bytes as a peer would send them;
 *   odd   the next byte is the reply type (wire value, not checked) and
 *         the rest a Receipt or Nack body: the harness signs it, so that
 *         mutated bodies reach the checks behind the signature.
 * Seeds include members of batched receipts, whose leaf and path lie
 * outside the signature; a member that verifies must name a leaf of the
 * seeds' batches (mkseeds: msg_id bytes 0x30 + i, hash bytes 0x60 + i).
 */
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
open_reply(const uint8_t *buf, size_t len)
{
	struct cairn_reply_msg	*m;
	struct cairn_reply	 r;
	int			 rc;

	if (cairn_reply_parse(&m, buf, len) != 0)
		return;
	(void)cairn_reply_signer_key_id(m);
	rc = cairn_reply_verify(m, &fx.rcpt_sign, FX_RCPT_ORG, &r);
	if (rc == 0) {
		if ((r.type != CAIRN_REPLY_RECEIPT &&
		    r.type != CAIRN_REPLY_NACK) ||
		    strcmp(r.org, FX_RCPT_ORG) != 0)
			abort();
		/* no forged leaf under a real batch signature */
		if (r.batch_count > 1 && (r.msg_id[0] < 0x30 ||
		    r.msg_id[0] > 0x38 || r.envelope_hash[0] !=
		    r.msg_id[0] + 0x30))
			abort();
		(void)cairn_nack_reason_name(r.reason);
	}
	(void)cairn_nack_reason_for(rc);
	cairn_reply_free(m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t	*buf;
	size_t	 len;

	if (size < 1)
		return 0;
	if ((data[0] & 1) == 0) {
		open_reply(data + 1, size - 1);
		return 0;
	}
	if (size < 2)
		return 0;
	if (fx_reply_build(data[1], data + 2, size - 2, &buf, &len) != 0)
		return 0;
	open_reply(buf, len);
	free(buf);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes cairn_audit_open (records read back from the store and handed
 * to auditors).  Opening accepts only the canonical encoding with a
 * matching hash, so a record that opens must seal back to the very same
 * bytes.
 *
 * The first byte picks the mode:
 *   even  the rest is AuditRecord bytes as stored;
 *   odd   the rest is AuditRecord bytes without the hash field: the
 *         harness appends the hash (BLAKE2b in the audit domain over
 *         prev_hash and those bytes, as audit.h describes), so that
 *         mutated records get past the hash check.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/audit.h"
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
open_record(const uint8_t *data, size_t size)
{
	struct cairn_audit_record rec;
	uint8_t	 hash[CAIRN_HASH_BYTES];
	uint8_t	*enc;
	size_t	 enclen;
	int	 rc;

	if (cairn_audit_open(&rec, data, size) != 0)
		return;
	(void)cairn_audit_event_name(rec.event);
	memcpy(hash, rec.hash, sizeof(hash));
	if ((rc = cairn_audit_seal(&rec, &enc, &enclen)) != 0) {
		if (rc != -ENOMEM)
			abort();	/* opened, yet refused to seal */
		return;
	}
	if (enclen != size || memcmp(enc, data, size) != 0 ||
	    memcmp(hash, rec.hash, sizeof(hash)) != 0)
		abort();		/* two byte forms of one record */
	free(enc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fx_buf	 b = { 0 };
	const uint8_t	*prev = NULL;
	size_t		 prevlen = 0;
	uint8_t		 hash[CAIRN_HASH_BYTES];

	if (size < 1)
		return 0;
	if ((data[0] & 1) == 0) {
		open_record(data + 1, size - 1);
		return 0;
	}
	if (fx_find_bytes(data + 1, size - 1, 10, &prev, &prevlen) != 0)
		prevlen = 0;
	cairn_sig_digest(hash, CAIRN_DOMAIN_AUDIT, prev, prevlen, data + 1,
	    size - 1);
	fx_put(&b, data + 1, size - 1);
	fx_put_bytes(&b, 11, hash, sizeof(hash));
	if (!b.oom)
		open_record(b.p, b.len);
	free(b.p);
	return 0;
}

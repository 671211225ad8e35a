/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the audit export parsers (cairn_audit_item_parse, JSON lines and
 * CSV, lines written by someone else and handed to an auditor) and
 * cairn_audit_checkpoint_open (checkpoints read back from the store).
 *
 * The first byte picks the mode:
 *   0 mod 3  the rest is one JSON line;
 *   1 mod 3  the rest is one CSV line;
 *   2 mod 3  the rest is AuditCheckpoint bytes.
 * An item that parses must format and parse back to the same item; a
 * checkpoint that opens goes on to a signature check.
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
parse_line(enum cairn_audit_format fmt, const uint8_t *data, size_t size)
{
	struct cairn_audit_item it, back;
	char	*line;
	size_t	 len;
	int	 rc;

	if (cairn_audit_item_parse(&it, fmt, (const char *)data, size) != 0)
		return;
	if ((rc = cairn_audit_item_format(&it, fmt, &line, &len)) != 0) {
		if (rc != -ENOMEM)
			abort();	/* parsed, yet refused to format */
		return;
	}
	if (cairn_audit_item_parse(&back, fmt, line, len) != 0 ||
	    memcmp(&back, &it, sizeof(it)) != 0)
		abort();		/* does not round-trip */
	free(line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cairn_audit_checkpoint cp;

	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		parse_line(CAIRN_AUDIT_JSONL, data + 1, size - 1);
		break;
	case 1:
		parse_line(CAIRN_AUDIT_CSV, data + 1, size - 1);
		break;
	default:
		/* the signature check must cope with whatever opened */
		if (cairn_audit_checkpoint_open(&cp, data + 1, size - 1) == 0 &&
		    cairn_audit_checkpoint_verify(&cp, &fx.sender_sign) == 0)
			break;
		break;
	}
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * auditdump: test-only reader of a stopped daemon's audit records, one
 * line each: "seq event msgid local remote code uid".  The auditor tools
 * proper (cairn audit verify/export/trace) are a later piece of work.
 */
#include <err.h>
#include <inttypes.h>
#include <stdio.h>

#include "daemon/store.h"

static int
print(void *arg, const struct cairn_audit_record *r)
{
	char	id[2 * CAIRN_MSG_ID_BYTES + 1] = "-";

	(void)arg;
	if (r->has_msg_id)
		cairn_sig_hex(id, r->msg_id, CAIRN_MSG_ID_BYTES);
	printf("%" PRIu64 " %s %s %s %s %d %lld\n", r->seq,
	    cairn_audit_event_name(r->event), id, r->local[0] ? r->local : "-",
	    r->remote[0] ? r->remote : "-", r->code, (long long)r->uid);
	return 0;
}

int
main(int argc, char **argv)
{
	struct store *st;
	int	rc;

	if (argc != 2)
		errx(2, "usage: auditdump statedir");
	if ((rc = store_open(&st, argv[1], 0)) != 0)
		errx(1, "%s: %s", argv[1], cairn_strerror(rc));
	rc = store_audit_each(st, 1, print, NULL);
	store_close(st);
	if (rc < 0)
		errx(1, "audit: %s", cairn_strerror(rc));
	return 0;
}

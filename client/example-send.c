/* SPDX-License-Identifier: MIT */
/*
 * example-send: how a school's student-health record system would send a
 * consultation request through libcairn, and wait for the receipt.
 *
 *   example-send [-s socket] FROM_FUNCTION TO_ORG/FUNCTION PNR QUESTION
 *
 * The consent basis is the guardian's, given today.  Prints the message
 * id, then the state once the recipient has signed for it (or failed).
 * Build against an installed libcairn with
 *   cc example-send.c $(pkg-config --cflags --libs cairn libzmq libsodium
 *       libprotobuf-c)
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/cairn.h"

int
main(int argc, char *argv[])
{
	struct cairn_client *c;
	struct cairn_payload *p;
	struct cairn_ctl_info info;
	uint8_t	 id[CAIRN_MSG_ID_BYTES];
	char	 hex[CAIRN_MSGID_HEX_BYTES];
	const char *sock = NULL;
	time_t	 now = time(NULL);
	int	 ch, rc, i;

	while ((ch = getopt(argc, argv, "s:")) != -1) {
		switch (ch) {
		case 's':
			sock = optarg;
			break;
		default:
			goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 4)
		goto usage;

	/* The record system fills in the request from its own case file. */
	if ((p = cairn_payload_new(CAIRN_KIND_REQUEST)) == NULL)
		err(1, "cairn_payload_new");
	p->u.request.subject = strdup(argv[2]);
	p->u.request.age_band = CAIRN_AGE_13_15;
	p->u.request.consent_by = CAIRN_CONSENT_GUARDIAN;
	strftime(p->u.request.consent_date, sizeof(p->u.request.consent_date),
	    "%Y-%m-%d", localtime(&now));
	p->u.request.consent_scope = strdup("consultation with UPH");
	p->u.request.urgency = CAIRN_URGENCY_ROUTINE;
	p->u.request.question = strdup(argv[3]);
	p->u.request.wanted_channel = CAIRN_CHANNEL_PHONE;

	if ((rc = cairn_client_open(&c, sock, 0)) != 0)
		errx(1, "cannot reach cairnd: %s", cairn_strerror(rc));
	rc = cairn_client_submit(c, argv[0], argv[1], p, NULL, 0, id);
	cairn_payload_free(p);
	if (rc != 0)
		errx(1, "request refused: %s", cairn_client_error(c)[0] ?
		    cairn_client_error(c) : cairn_strerror(rc));
	cairn_msgid_format(hex, id);
	printf("%s\n", hex);
	fflush(stdout);

	/* Accepted means durably queued; delivered means signed for. */
	for (i = 0; i < 300; i++) {
		if ((rc = cairn_client_status(c, id, &info)) != 0)
			errx(1, "status: %s", cairn_strerror(rc));
		if (strcmp(info.state, "QUEUED") != 0)
			break;
		usleep(100000);
	}
	printf("%s\n", info.state);
	cairn_client_close(c);
	return strcmp(info.state, "DELIVERED") == 0 ? 0 : 1;
usage:
	fprintf(stderr, "usage: example-send [-s socket] from-function "
	    "to-org/function pnr question\n");
	return 2;
}

/* SPDX-License-Identifier: MIT */
/*
 * auditq: pages of the audit trail for auditors over the client socket
 * (CAIRN_CTL_AUDIT): records or checkpoints as stored, the head, the
 * signed replies kept for the messages the records name, and the
 * messages that answer a traced one.  Metadata only: it never reads an
 * envelope.
 *
 * Not for: deciding who may ask (control checks roles), or checking what
 * it hands out (the auditor's verifier does, as it does offline).
 */
#ifndef CAIRN_DAEMON_AUDITQ_H
#define CAIRN_DAEMON_AUDITQ_H

#include "daemon/store.h"
#include "proto/control.h"

/*
 * Fills page for req (a decoded CAIRN_CTL_AUDIT request): at most
 * req->limit entries (0: CAIRN_CTL_AUDIT_MAX) within a budget of
 * CAIRN_CTL_AUDIT_PAGE_BYTES, read in one short read transaction, then
 * the replies and related messages in short ones of their own.  What page
 * holds is malloc'ed (cairn_ctl_audit_clear()); on error it is cleared.
 * Returns 0, CAIRN_ECORRUPT, CAIRN_ESTORE or -ENOMEM.
 */
int	auditq_page(struct store *st, const struct cairn_ctl_request *req,
	    struct cairn_ctl_audit *page) CAIRN_MUSTCHECK;

#endif

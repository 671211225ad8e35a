/* SPDX-License-Identifier: MIT */
/*
 * trace: when each message became durable, for measuring delivery.
 *
 * With CAIRND_TRACE=PATH in its environment, cairnd appends to PATH, after
 * each commit that made messages durable, one line per message:
 *
 *	out MSGID USEC PASS SYNC	a submit, durably in the outbox
 *	in MSGID USEC PASS SYNC		an envelope, durably in the inbox
 *					(delivered)
 *
 * MSGID is the message id in hex; USEC the CLOCK_REALTIME time in
 * microseconds just after the commit returned; PASS when the event-loop
 * pass that stored the message began (woke up), SYNC when its commit
 * began, in the same unit (0 when not known).  So PASS..SYNC is the
 * pass's work (reading, checks, crypto, puts), SYNC..USEC the durable
 * commit, and what lies before PASS is waiting (for the pass in progress,
 * on the way).  A failed commit writes nothing.  Only ids and times: no addresses, no content.  Off by default;
 * meant for `make bench`, whose latency figures need the time a message
 * was durably delivered, finer than the received_ms of the record (taken
 * when the envelope was read, before it was checked and committed, in
 * whole milliseconds).
 *
 * Not for: an audit trail (see audit.h) or anything a daemon reads back.
 */
#ifndef CAIRN_DAEMON_TRACE_H
#define CAIRN_DAEMON_TRACE_H

#include <stdint.h>

#include "proto/payload.h"

struct trace;

/* Opens (creates 0600, appends) path; 0 or a negative errno. */
int	trace_open(struct trace **out, const char *path);
void	trace_close(struct trace *t);

/* A pass of the event loop begins (PASS of its lines). */
void	trace_pass(struct trace *t);

/* The pass's commit begins (SYNC of its lines). */
void	trace_sync(struct trace *t);

/* Notes that this pass stored msg_id; inbound (1) or outbound (0). */
void	trace_note(struct trace *t, int inbound,
	    const uint8_t msg_id[static CAIRN_MSG_ID_BYTES]);

/*
 * After the pass's commit: rc 0 writes the noted lines with the time now;
 * any other rc drops them.  Returns 0 or a negative errno (write failed;
 * the lines are dropped, the trace stays open).
 */
int	trace_commit(struct trace *t, int rc);

#endif

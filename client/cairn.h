/* SPDX-License-Identifier: MIT */
/*
 * libcairn: the client API for systems that talk to their own
 * organisation's cairnd (a school's record system, the cairn CLI).
 *
 * A client holds one ZeroMQ REQ socket connected to the daemon's local
 * ipc socket and does one request at a time; it is not thread-safe, so
 * use one client per thread.  Every call blocks for at most the timeout
 * given to cairn_client_open().  The daemon decides who may do what from
 * the caller's Unix user; a refusal comes back as a negative code, and
 * the daemon's text for it is kept until the next call (cairn_client_error).
 *
 * Every function returns 0 or a negative code: -errno for system failures,
 * CAIRN_E* (proto/error.h) otherwise; cairn_strerror() turns either into
 * text.  Codes the daemon sends back are passed through unchanged.  The
 * library never prints, logs or exits.
 *
 * Payloads (proto/payload.h) hold personal data: the library wipes every
 * copy it makes, and callers should free theirs with cairn_payload_free().
 *
 * Not for: the daemon's side of the socket (daemon/control.c), or anything
 * that needs keys.  libcairn never holds a secret key.
 *
 * Building against an installed libcairn, a static library whose
 * dependencies are private to it in cairn.pc:
 *	#include <client/cairn.h>
 *	cc $(pkg-config --cflags cairn) app.c \
 *	    $(pkg-config --libs cairn libzmq libsodium libprotobuf-c)
 * (`pkg-config --static' would pull in every dependency of libzmq too,
 * and Debian 12's norm.pc names a library it does not ship.)
 */
#ifndef CAIRN_CLIENT_CAIRN_H
#define CAIRN_CLIENT_CAIRN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/control.h"
#include "proto/error.h"
#include "proto/kind.h"
#include "proto/payload.h"
#include "proto/validate.h"

#define CAIRN_SOCKET_DEFAULT	"/run/cairn/cairnd.sock"
#define CAIRN_SOCKET_ENV	"CAIRN_SOCKET"
#define CAIRN_TIMEOUT_DEFAULT	30000	/* ms */
#define CAIRN_MSGID_HEX_BYTES	(2 * CAIRN_MSG_ID_BYTES + 1)

struct cairn_client;

/*
 * Opens a client for the daemon listening on socket_path.  A NULL
 * socket_path means $CAIRN_SOCKET when set and not empty, else
 * CAIRN_SOCKET_DEFAULT.  timeout_ms bounds every later send and receive;
 * 0 means CAIRN_TIMEOUT_DEFAULT.  Nothing is sent yet: use
 * cairn_client_ping() to see that the daemon answers.
 * *out is freed with cairn_client_close().
 * Returns 0, CAIRN_EINVAL (negative timeout), -ENOENT (no socket at that
 * path: the daemon is not running, or the path is wrong), -ENOTSOCK (the
 * path is not a socket), -ENAMETOOLONG (path too long for a Unix socket),
 * another -errno from stat(2) or ZeroMQ, or -ENOMEM.
 */
int	cairn_client_open(struct cairn_client **out, const char *socket_path,
	    int timeout_ms) CAIRN_MUSTCHECK;

/* Closes the socket and frees the client.  NULL is allowed. */
void	cairn_client_close(struct cairn_client *c);

/*
 * The daemon's text for the last refusal ("" when the last call did not
 * come back refused by the daemon).  The string belongs to the client and
 * stays valid until the next call on it.  It never holds personal data.
 */
const char *cairn_client_error(const struct cairn_client *c);

/*
 * Whether the last cairn_client_list() or cairn_client_cases() came back
 * cut off: the daemon sends at most CAIRN_CTL_LIST_MAX entries, and more
 * entries that the caller may see matched.  false after any other call
 * and after a failed one.  A caller that shows or counts the list should
 * say that it is incomplete (and narrow it, e.g. by function).
 */
bool	cairn_client_truncated(const struct cairn_client *c);

/*
 * Submits a message: from_function is the local function that sends (the
 * daemon checks that the caller may send as it), to_address the
 * recipient's functional address "ORG/FUNCTION", p the payload,
 * in_reply_to NULL or the 16-byte id of the message this one answers, and
 * ttl_s the seconds after which an undelivered message expires (0: the
 * daemon's default).
 * The payload is validated and encoded here first, so that a request
 * without consent or with a bad identity number is refused before
 * anything leaves the process.  On success the daemon holds the message
 * durably in its outbox and msg_id receives its id.
 * Returns 0; CAIRN_EFUNCTION (from_function); CAIRN_EADDRESS, CAIRN_EORGID
 * or CAIRN_EFUNCTION (to_address); any code of cairn_payload_validate()
 * (CAIRN_ECONSENT, CAIRN_EPNR, CAIRN_EPNRDATE, CAIRN_EPNRCHECK,
 * CAIRN_ESTRING, CAIRN_EDATE, CAIRN_EFIELD, CAIRN_EKIND, CAIRN_ETOOBIG,
 * ...); CAIRN_ETIMEOUT (no answer in time); CAIRN_EPROTO (the answer is
 * malformed or lacks the id); -ENOMEM, -errno from ZeroMQ; or the
 * daemon's refusal (CAIRN_EDENIED, CAIRN_ENOTFOUND, CAIRN_ENOTACCEPTED,
 * CAIRN_ENOSPACE, CAIRN_EBADPAYLOAD, ...) with its text in
 * cairn_client_error().
 */
int	cairn_client_submit(struct cairn_client *c, const char *from_function,
	    const char *to_address, const struct cairn_payload *p,
	    const uint8_t *in_reply_to, uint32_t ttl_s,
	    uint8_t msg_id[static CAIRN_MSG_ID_BYTES]) CAIRN_MUSTCHECK;

/*
 * Pipelined submits, for programs that send many messages: each
 * cairn_client_submit_send() checks and encodes like cairn_client_submit()
 * and sends the request without waiting, giving it a ticket;
 * cairn_client_submit_recv() waits (up to the client's timeout) for the
 * next answer to any of them, in the order the daemon answers, and says
 * which one it was.  The daemon answers a submit once the message is
 * durably in its outbox, and stores a pass's submits with one commit, so
 * keeping many in flight is much faster than one at a time.  The caller
 * bounds how many it keeps in flight (cairn_client_pending()), at most
 * CAIRN_CLIENT_PENDING_MAX (100,000: submit_send returns -ENOBUFS).
 *
 * submit_send returns 0 with *ticket set; a code of cairn_client_submit()
 * for a submit refused before sending (nothing in flight changes); or
 * -errno from ZeroMQ, after which the submits in flight are abandoned.
 * submit_recv returns, for the submit *ticket, 0 with msg_id set or the
 * daemon's refusal (text in cairn_client_error()); or, with *ticket 0,
 * CAIRN_EINVAL (nothing in flight), CAIRN_ETIMEOUT, CAIRN_EPROTO or
 * -errno: then every submit still in flight is abandoned, like a
 * cairn_client_submit() that got no answer (the message may or may not
 * have been accepted: cairn_client_list() tells).
 * While submits are in flight, the other calls return -EBUSY.
 */
int	cairn_client_submit_send(struct cairn_client *c,
	    const char *from_function, const char *to_address,
	    const struct cairn_payload *p, const uint8_t *in_reply_to,
	    uint32_t ttl_s, uint64_t *ticket) CAIRN_MUSTCHECK;
int	cairn_client_submit_recv(struct cairn_client *c, uint64_t *ticket,
	    uint8_t msg_id[static CAIRN_MSG_ID_BYTES]) CAIRN_MUSTCHECK;

/* How many pipelined submits are waiting for their answer. */
size_t	cairn_client_pending(const struct cairn_client *c);

/*
 * Waits up to timeout_us microseconds (0: only looks) for the answer to a
 * pipelined submit, without taking it, so that a program can send on its
 * own schedule and take answers in between.  Returns 1 when an answer has
 * come (the next cairn_client_submit_recv() takes it without waiting), 0
 * when none came in time, CAIRN_EINVAL when nothing is in flight or
 * timeout_us < 0, or -errno (-EINTR: a signal came).  Nothing in flight
 * is abandoned by it.
 */
int	cairn_client_submit_wait(struct cairn_client *c, int64_t timeout_us)
	    CAIRN_MUSTCHECK;

/*
 * Replies to a case: submits p, a contact guarantee, a consultation
 * response or a withdrawal, as an answer to the consultation request
 * request_id.  The sender and the recipient are left to the daemon, which
 * takes them from its record of the case and checks that this reply fits
 * the case's state (a guarantee only for a request received here and not
 * yet guaranteed, a withdrawal only for a request sent from here and not
 * yet answered, ...).  p's own request id must be request_id.
 * The payload is validated and encoded here first; on success msg_id
 * receives the new message's id.
 * Returns 0; CAIRN_EINVAL (p NULL, or p refers to another request);
 * CAIRN_EKIND (p is a consultation request, which answers nothing); any
 * code of cairn_payload_validate() (CAIRN_EDATE, CAIRN_ESTRING,
 * CAIRN_EFIELD, CAIRN_EADDRESS, CAIRN_ETOOBIG, ...); CAIRN_ETIMEOUT;
 * CAIRN_EPROTO; -ENOMEM, -errno from ZeroMQ; or the daemon's refusal
 * (CAIRN_ENOTFOUND for an unknown request, CAIRN_EDENIED, CAIRN_ESTATE
 * and others for a reply the case does not allow) with its text in
 * cairn_client_error().
 */
int	cairn_client_reply(struct cairn_client *c,
	    const uint8_t request_id[static CAIRN_MSG_ID_BYTES],
	    const struct cairn_payload *p,
	    uint8_t msg_id[static CAIRN_MSG_ID_BYTES]) CAIRN_MUSTCHECK;

/*
 * Fetches the state of one message (outgoing or incoming) into *out.
 * Returns 0, CAIRN_ETIMEOUT, CAIRN_EPROTO (the daemon did not answer with
 * exactly that message), -errno, or the daemon's refusal (CAIRN_ENOTFOUND,
 * CAIRN_EDENIED, ...).
 */
int	cairn_client_status(struct cairn_client *c,
	    const uint8_t id[static CAIRN_MSG_ID_BYTES],
	    struct cairn_ctl_info *out) CAIRN_MUSTCHECK;

/*
 * Lists the outbox (which = CAIRN_CTL_OUTBOX) or the inbox
 * (CAIRN_CTL_INBOX), of one local function or, when function is NULL or
 * "", of every function the caller may see.  At most CAIRN_CTL_LIST_MAX
 * entries, in the daemon's order (by message id); when more exist,
 * cairn_client_truncated() says so.  *out is malloc'ed (NULL when *n is 0);
 * free it with free().
 * Returns 0, CAIRN_EINVAL (which), CAIRN_EFUNCTION (function),
 * CAIRN_ETIMEOUT, CAIRN_EPROTO, -ENOMEM, -errno, or the daemon's refusal.
 */
int	cairn_client_list(struct cairn_client *c,
	    enum cairn_ctl_command which, const char *function,
	    struct cairn_ctl_info **out, size_t *n) CAIRN_MUSTCHECK;

/*
 * Lists cases: the consultation requests sent from here or received here
 * and what became of each (which = CAIRN_CTL_CASES), or only those whose
 * contact guarantee is past due, on either side (CAIRN_CTL_OVERDUE).
 * function NULL or "" means every function the caller may see; state
 * (CAIRN_CTL_CASES only) NULL or "" means every state, else one state
 * name in capitals such as "DELIVERED".  At most CAIRN_CTL_LIST_MAX
 * entries, in the daemon's order; when more exist,
 * cairn_client_truncated() says so.  *out is malloc'ed (NULL when *n is 0);
 * free it with free().  Cases carry metadata only, no personal data.
 * Returns 0, CAIRN_EINVAL (which, or a state that is not 1 to
 * CAIRN_STATE_MAX - 1 capital letters, or a state with
 * CAIRN_CTL_OVERDUE), CAIRN_EFUNCTION (function), CAIRN_ETIMEOUT,
 * CAIRN_EPROTO (the answer holds messages or a payload instead), -ENOMEM,
 * -errno, or the daemon's refusal.
 */
int	cairn_client_cases(struct cairn_client *c,
	    enum cairn_ctl_command which, const char *function,
	    const char *state, struct cairn_ctl_case **out, size_t *n)
	    CAIRN_MUSTCHECK;

/*
 * Fetches one message with its decrypted content.  info (may be NULL)
 * receives its state, *payload the decoded and validated payload; free it
 * with cairn_payload_free().  The daemon records the read in its audit
 * trail.
 * Returns 0, CAIRN_ETIMEOUT, CAIRN_EPROTO (wrong message or no payload in
 * the answer), CAIRN_EMALFORMED / CAIRN_EBADPAYLOAD / CAIRN_ETOOBIG (the
 * payload does not decode or validate), -ENOMEM, -errno, or the daemon's
 * refusal (CAIRN_ENOTFOUND, CAIRN_EDENIED, ...).
 */
int	cairn_client_show(struct cairn_client *c,
	    const uint8_t id[static CAIRN_MSG_ID_BYTES],
	    struct cairn_ctl_info *info, struct cairn_payload **payload)
	    CAIRN_MUSTCHECK;

/*
 * Operational figures of the daemon: queue depths, delivered/rejected/
 * failed counts, retries, in-flight, oldest queued message, per-peer
 * reachability, audit head, book serial and expiry, key expiry.  Metadata
 * only.  out->peers is malloc'ed; free it with free().
 * Returns 0, CAIRN_EDENIED, CAIRN_ETIMEOUT, CAIRN_EPROTO or -errno.
 */
int	cairn_client_stats(struct cairn_client *c, struct cairn_ctl_stats *out)
	    CAIRN_MUSTCHECK;

/*
 * One page of the audit trail, for the auditor and admin roles: the
 * records (checkpoints false) or the signed checkpoints (true) whose
 * keys are >= from_seq, as the daemon stores them (unchecked: verify
 * them with proto/audit.h), at most limit of them (0: as many as a page
 * holds, CAIRN_CTL_AUDIT_MAX at most), with the chain's head as of the
 * same read.  A records page also carries the signed replies kept for
 * the delivered, rejected, received and duplicate messages it names;
 * related_to (a 16-byte id, or NULL; records pages only) asks for the
 * messages that answer that one as well.  out->more says the page
 * stopped at a limit: ask again from the last key + 1.  Metadata only,
 * never content.  Free *out with cairn_ctl_audit_clear().
 * Returns 0, CAIRN_EINVAL (limit over CAIRN_CTL_AUDIT_MAX, related_to
 * with checkpoints), CAIRN_ETIMEOUT, CAIRN_EPROTO (no page, or one that
 * does not answer the question: the other kind of entries, keys below
 * from_seq, more without entries), -ENOMEM, -errno, or the daemon's
 * refusal (CAIRN_EDENIED for function users, with an audit record).
 */
int	cairn_client_audit_page(struct cairn_client *c, uint64_t from_seq,
	    bool checkpoints, uint32_t limit, const uint8_t *related_to,
	    struct cairn_ctl_audit *out) CAIRN_MUSTCHECK;

/*
 * Asks the daemon to answer.  Returns 0, CAIRN_ETIMEOUT, CAIRN_EPROTO,
 * -errno, or the daemon's refusal.
 */
int	cairn_client_ping(struct cairn_client *c) CAIRN_MUSTCHECK;

/* Writes a message id as 32 lowercase hex digits and a NUL. */
void	cairn_msgid_format(char out[static CAIRN_MSGID_HEX_BYTES],
	    const uint8_t id[static CAIRN_MSG_ID_BYTES]);

/*
 * Parses exactly 32 hex digits (either case, nothing before or after)
 * into id.  On failure id is zeroed.  Returns 0 or CAIRN_EMALFORMED.
 */
int	cairn_msgid_parse(uint8_t id[static CAIRN_MSG_ID_BYTES],
	    const char *hex) CAIRN_MUSTCHECK;

#endif

/* SPDX-License-Identifier: MIT */
/*
 * The local control protocol between libcairn and its own daemon, over a
 * ZeroMQ ipc socket: one ClientRequest, one ClientReply.  Plain C structs
 * here, protobuf on the wire; both sides check what they decode.
 *
 * Payloads travel as Payload bytes (proto/payload.h) that the daemon
 * decodes and validates itself; decrypted payloads come back the same way
 * for `show`.
 */
#ifndef CAIRN_PROTO_CONTROL_H
#define CAIRN_PROTO_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/error.h"
#include "proto/kind.h"
#include "proto/payload.h"
#include "proto/sig.h"
#include "proto/validate.h"

#define CAIRN_CTL_VERSION	1
#define CAIRN_CTL_MAX_BYTES	(CAIRN_PAYLOAD_MAX_BYTES + 65536)
/*
 * At most this many pipelined submits in flight on one client connection
 * (libcairn refuses more); both ends queue that many messages.
 */
#define CAIRN_CLIENT_PENDING_MAX	100000
#define CAIRN_CTL_LIST_MAX	10000	/* messages in one reply */
#define CAIRN_STATE_MAX		16

enum cairn_ctl_command {
	CAIRN_CTL_NONE = 0,
	CAIRN_CTL_SUBMIT = 1,
	CAIRN_CTL_STATUS = 2,
	CAIRN_CTL_OUTBOX = 3,
	CAIRN_CTL_INBOX = 4,
	CAIRN_CTL_SHOW = 5,
	CAIRN_CTL_PING = 6,
	CAIRN_CTL_CASES = 7,
	CAIRN_CTL_OVERDUE = 8,
	CAIRN_CTL_STATS = 9,
	CAIRN_CTL_AUDIT = 10,
	CAIRN_CTL_MAX = 10
};

#define CAIRN_CTL_AUDIT_MAX		8192	/* entries in one audit page */
#define CAIRN_CTL_AUDIT_PAGE_BYTES	(1024 * 1024)	/* daemon's budget */
#define CAIRN_CTL_AUDIT_RELATED_MAX	64

struct cairn_ctl_request {
	enum cairn_ctl_command command;
	uint64_t	 tag;		/* the client's; echoed in the reply */
	/* submit */
	char		 from_function[CAIRN_FUNCTION_MAX + 1];
	char		 to_org[CAIRN_ORG_ID_MAX + 1];
	char		 to_function[CAIRN_FUNCTION_MAX + 1];
	const uint8_t	*payload;	/* encode: borrowed; decode: points */
	size_t		 payload_len;	/* into the request's own storage */
	bool		 has_reply_to;
	uint8_t		 in_reply_to[CAIRN_MSG_ID_BYTES];
	uint32_t	 ttl_s;
	/* status, show */
	uint8_t		 msg_id[CAIRN_MSG_ID_BYTES];
	/* inbox, outbox, cases, overdue */
	char		 function[CAIRN_FUNCTION_MAX + 1];	/* "" = all */
	uint32_t	 limit;
	char		 state[CAIRN_STATE_MAX];	/* cases: "" = all */
	/* audit: limit 0..CAIRN_CTL_AUDIT_MAX (0: the most a page holds) */
	uint64_t	 from_seq;
	bool		 checkpoints;	/* page checkpoints, not records */
	bool		 related;	/* also the messages answering msg_id */
};

struct cairn_ctl_info {
	uint8_t		 msg_id[CAIRN_MSG_ID_BYTES];
	bool		 outgoing;
	enum cairn_kind	 kind;
	char		 from_org[CAIRN_ORG_ID_MAX + 1];
	char		 from_function[CAIRN_FUNCTION_MAX + 1];
	char		 to_org[CAIRN_ORG_ID_MAX + 1];
	char		 to_function[CAIRN_FUNCTION_MAX + 1];
	char		 state[CAIRN_STATE_MAX];
	uint32_t	 attempts;
	int		 last_error;
	char		 last_error_text[128];
	int64_t		 created_ms;
	int64_t		 expires_ms;
	int64_t		 receipt_ms;
	int64_t		 next_attempt_ms;
	uint8_t		 envelope_hash[CAIRN_HASH_BYTES];
	uint8_t		 conversation_id[CAIRN_MSG_ID_BYTES];
	bool		 has_reply_to;
	uint8_t		 in_reply_to[CAIRN_MSG_ID_BYTES];
};

/*
 * A consultation request and what became of it (CaseInfo).  Checked when
 * encoded and when decoded: state 1 to CAIRN_STATE_MAX - 1 uppercase
 * letters; function, peer and redirect names "" or valid; due and
 * contact_by "" or a valid YYYY-MM-DD; channel in range; times >= 0.
 */
struct cairn_ctl_case {
	uint8_t		 request_id[CAIRN_MSG_ID_BYTES];
	bool		 sent;
	char		 state[CAIRN_STATE_MAX];
	char		 function[CAIRN_FUNCTION_MAX + 1];
	char		 peer_org[CAIRN_ORG_ID_MAX + 1];
	char		 peer_function[CAIRN_FUNCTION_MAX + 1];
	int64_t		 created_ms;
	int64_t		 delivered_ms;
	int64_t		 due_ms;
	char		 due[11];		/* "" when none */
	char		 contact_by[11];	/* "" when none */
	enum cairn_channel channel;
	char		 redirect_org[CAIRN_ORG_ID_MAX + 1];
	char		 redirect_function[CAIRN_FUNCTION_MAX + 1];
	int64_t		 updated_ms;
	uint32_t	 guarantee_days;
};

#define CAIRN_CTL_PEERS_MAX	4096

struct cairn_ctl_peer {
	char		 org[CAIRN_ORG_ID_MAX + 1];
	bool		 reachable;
	uint32_t	 in_flight;
};

/* Operational figures of a daemon (Stats). */
struct cairn_ctl_stats {
	uint64_t	 out_queued, out_delivered, out_rejected, out_failed;
	uint64_t	 in_total, in_flight, retries, dedup;
	int64_t		 oldest_queued_ms;
	uint64_t	 audit_seq;
	uint8_t		 audit_head[CAIRN_HASH_BYTES];
	uint64_t	 book_serial;
	int64_t		 book_expires_ms;
	int64_t		 sign_key_expires_ms;
	int64_t		 box_key_expires_ms;
	int64_t		 started_ms;
	struct cairn_ctl_peer *peers;	/* malloc'ed */
	size_t		 npeers;
};

/*
 * An audit record or checkpoint as stored: seq is its key (0 when the key
 * is not a seq, which ends the page), data its bytes, unchecked.  code is
 * 0, or CAIRN_ETOOBIG with no data for a value too large to send.
 */
struct cairn_ctl_audit_entry {
	uint64_t	 seq;
	int		 code;
	const uint8_t	*data;		/* points into the page's buf */
	size_t		 len;
};

/*
 * The signed reply kept for a message a record of the page names: for
 * delivered and rejected ones the receipt or nack received (issued false),
 * for received and duplicate ones the receipt issued (issued true).  code
 * is 0 with the SignedReply bytes, or why they cannot be read.  A reply
 * that is not kept is not listed.
 */
struct cairn_ctl_audit_reply {
	uint8_t		 msg_id[CAIRN_MSG_ID_BYTES];
	bool		 issued;
	int		 code;
	const uint8_t	*data;		/* points into the page's buf */
	size_t		 len;
};

struct cairn_ctl_audit_related {
	uint8_t		 msg_id[CAIRN_MSG_ID_BYTES];
	bool		 outgoing;
};

/*
 * A page of the audit trail (AuditPage): records or checkpoints with
 * keys from the request's from_seq on, in strictly increasing key order
 * (a 0 only last), at most CAIRN_CTL_AUDIT_MAX; the head of the chain
 * read in the same transaction; more when the page stopped at its limit
 * or byte budget rather than at the end.  Every array and buf are
 * malloc'ed; cairn_ctl_audit_clear() frees them.
 */
struct cairn_ctl_audit {
	uint64_t	 head_seq;
	uint8_t		 head_hash[CAIRN_HASH_BYTES];
	bool		 more;
	struct cairn_ctl_audit_entry *records;
	size_t		 nrecords;
	struct cairn_ctl_audit_entry *checkpoints;
	size_t		 ncheckpoints;
	struct cairn_ctl_audit_reply *replies;
	size_t		 nreplies;
	struct cairn_ctl_audit_related *related;
	size_t		 nrelated;
	uint8_t		*buf;		/* holds what data points to */
};

struct cairn_ctl_reply {
	uint64_t	 tag;		/* the request's tag */
	int		 code;		/* 0 or negative */
	char		 error[256];	/* text for a refusal */
	uint8_t		 msg_id[CAIRN_MSG_ID_BYTES];	/* submit */
	struct cairn_ctl_info *infos;	/* malloc'ed */
	size_t		 ninfos;
	uint8_t		*payload;	/* show: malloc'ed Payload bytes */
	size_t		 payload_len;
	struct cairn_ctl_case *cases;	/* cases, overdue: malloc'ed */
	size_t		 ncases;
	bool		 has_stats;	/* stats */
	struct cairn_ctl_stats stats;
	bool		 has_audit;	/* audit */
	struct cairn_ctl_audit audit;
	bool		 truncated;	/* lists: more exist than were sent */
};

/* A decoded request; owns the storage its payload pointer points into. */
struct cairn_ctl_request_msg;

/*
 * Encodes a request, after the checks the decoder makes (CAIRN_EINVAL
 * where it would refuse); state is sent for CAIRN_CTL_CASES only and must
 * be "" for the other lists.  *out is malloc'ed; the caller wipes and
 * frees it (it may hold a payload).  Returns 0, CAIRN_EINVAL or -ENOMEM.
 */
int	cairn_ctl_request_encode(const struct cairn_ctl_request *req,
	    uint8_t **out, size_t *outlen) CAIRN_MUSTCHECK;

/*
 * Decodes and checks a request: size (<= CAIRN_CTL_MAX_BYTES), version
 * (CAIRN_EVERSION), command in range, lengths of ids, function and
 * address syntax where present, list filters (limit <= CAIRN_CTL_LIST_MAX;
 * state "" or uppercase letters, for CAIRN_CTL_CASES only); an audit
 * query has no function or state, limit <= CAIRN_CTL_AUDIT_MAX, and a
 * msg_id (16 bytes) exactly when it asks for related messages of a
 * records page.
 * A submit names its sender function and its recipient address, except
 * that a submit with in_reply_to set may leave either or both empty (the
 * daemon takes them from the case); what is given is checked all the
 * same, and a half-empty address is refused.
 * *req points into *msg, which is freed (and wiped) with
 * cairn_ctl_request_free().
 * Returns 0, CAIRN_ETOOBIG, CAIRN_EMALFORMED, CAIRN_EVERSION, CAIRN_EFIELD,
 * CAIRN_EADDRESS, CAIRN_EFUNCTION or -ENOMEM.
 */
int	cairn_ctl_request_decode(struct cairn_ctl_request_msg **msg,
	    const struct cairn_ctl_request **req, const uint8_t *buf,
	    size_t len) CAIRN_MUSTCHECK;

void	cairn_ctl_request_free(struct cairn_ctl_request_msg *msg);

/*
 * The tag of an encoded request, read off its top-level fields without
 * decoding the rest, so that a request the decoder refuses can still be
 * answered with its tag.  0 when there is none or the bytes are not a
 * well-formed message.
 */
uint64_t cairn_ctl_request_tag(const uint8_t *buf, size_t len);

/*
 * Encodes a reply.  *out is malloc'ed; caller wipes (payload) and frees.
 * msg_id is sent only when it is not all zeros.
 * Returns 0, CAIRN_EINVAL (positive code, unterminated string, an info
 * with no valid kind, a case that fails the checks above, more than
 * CAIRN_CTL_LIST_MAX infos or cases, payload over
 * CAIRN_PAYLOAD_MAX_BYTES, an audit page that breaks the rules of
 * struct cairn_ctl_audit or whose values exceed CAIRN_AUDIT_MAX_BYTES,
 * CAIRN_AUDIT_CHECKPOINT_MAX_BYTES or CAIRN_REPLY_MAX_BYTES),
 * CAIRN_ETOOBIG (encoded reply over
 * CAIRN_CTL_MAX_BYTES, which the client would refuse) or -ENOMEM.
 */
int	cairn_ctl_reply_encode(const struct cairn_ctl_reply *rep,
	    uint8_t **out, size_t *outlen) CAIRN_MUSTCHECK;

/*
 * Decodes and checks a reply into rep (infos, cases and payload malloc'ed;
 * free with cairn_ctl_reply_clear()).
 * Returns 0, CAIRN_ETOOBIG (more than CAIRN_CTL_LIST_MAX infos or cases,
 * more than CAIRN_CTL_AUDIT_MAX audit entries, payload or an audit value
 * too large), CAIRN_EMALFORMED, CAIRN_EFIELD (also an audit page out of
 * order, with both records and checkpoints, or a code where bytes belong)
 * or -ENOMEM.
 */
int	cairn_ctl_reply_decode(struct cairn_ctl_reply *rep, const uint8_t *buf,
	    size_t len) CAIRN_MUSTCHECK;

/* Frees (and wipes the payload of) what a decoded reply holds. */
void	cairn_ctl_reply_clear(struct cairn_ctl_reply *rep);

/* Frees what an audit page holds and zeroes it; NULL is allowed. */
void	cairn_ctl_audit_clear(struct cairn_ctl_audit *a);

#endif

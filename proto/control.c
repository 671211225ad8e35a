/* SPDX-License-Identifier: MIT */
/*
 * The local control protocol (see control.h): ClientRequest and
 * ClientReply between libcairn and its own daemon.
 *
 * Both directions are checked the same way, whoever sent them: size, then
 * a bounded unpack, then every field.  Requests carry payloads and show
 * replies carry decrypted payloads, so every buffer that held one is wiped
 * before it is freed.  What a payload means is not checked here; the
 * daemon decodes it with proto/payload.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "proto/audit.h"
#include "proto/cairn.pb-c.h"
#include "proto/control.h"
#include "proto/pbutil.h"

struct cairn_ctl_request_msg {
	struct cairn_ctl_request	 req;
	struct cairn_pb_budget		 budget;
	Cairn__V1__ClientRequest	*pb;
};

static int	 copy_str(char *, size_t, const char *);
static int	 clean_fields(const ProtobufCMessage *);
static int	 check_name(const char *, size_t, int (*)(const char *));
static int	 check_state(const char *, int);
static int	 check_date(const char *);
static int	 check_list(const char *, uint32_t, const char *, int);
static int	 decode_submit(struct cairn_ctl_request *,
		    const Cairn__V1__Submit *);
static int	 decode_query(struct cairn_ctl_request *,
		    const Cairn__V1__Query *, int);
static int	 encode_info(Cairn__V1__MessageInfo *, Cairn__V1__Address *,
		    Cairn__V1__Address *, const struct cairn_ctl_info *);
static int	 decode_info(struct cairn_ctl_info *,
		    const Cairn__V1__MessageInfo *);
static int	 decode_addr(char *, char *, const Cairn__V1__Address *);
static int	 encode_case(Cairn__V1__CaseInfo *, Cairn__V1__Address *,
		    Cairn__V1__Address *, const struct cairn_ctl_case *);
static int	 decode_case(struct cairn_ctl_case *,
		    const Cairn__V1__CaseInfo *);
static int	 decode_opt_addr(char *, char *, const Cairn__V1__Address *);
static int	 terminated(const char *, size_t);
struct audit_pb;
static void	 audit_pb_free(struct audit_pb *);
static int	 check_entries(const struct cairn_ctl_audit_entry *, size_t,
		    size_t);
static int	 check_replies(const struct cairn_ctl_audit_reply *, size_t);
static int	 check_audit(const struct cairn_ctl_audit *);
static int	 decode_audit_query(struct cairn_ctl_request *,
		    const Cairn__V1__Query *);
static int	 encode_audit(Cairn__V1__AuditPage *, void **,
		    const struct cairn_ctl_audit *);
static int	 decode_audit(struct cairn_ctl_audit *,
		    const Cairn__V1__AuditPage *);
static int	 decode_entries(struct cairn_ctl_audit_entry **, size_t *,
		    Cairn__V1__AuditEntry **, size_t, size_t, uint8_t **);

/* Copies a NUL-terminated string into size bytes; -1 if it does not fit. */
static int
copy_str(char *dst, size_t size, const char *src)
{
	size_t	len;

	if (src == NULL)
		src = "";
	if ((len = strlen(src)) >= size)
		return -1;
	memcpy(dst, src, len + 1);
	return 0;
}

static int
terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

/*
 * Both ends are built from one schema and one version: a field we do not
 * know means the sender speaks something else, so it is refused rather
 * than skipped.
 */
static int
clean_fields(const ProtobufCMessage *m)
{
	return m == NULL || m->n_unknown_fields == 0;
}

/* An empty name is allowed; anything else must pass valid(). */
static int
check_name(const char *s, size_t max, int (*valid)(const char *))
{
	if (s == NULL || s[0] == '\0')
		return 0;
	if (strlen(s) > max)
		return -1;
	return valid(s) == 0 ? 0 : -1;
}

/*
 * A state name: 1 to CAIRN_STATE_MAX - 1 uppercase ASCII letters; empty
 * too when allow_empty.
 */
static int
check_state(const char *s, int allow_empty)
{
	size_t	i;

	if (s == NULL || s[0] == '\0')
		return allow_empty ? 0 : -1;
	for (i = 0; s[i] != '\0'; i++)
		if (i >= CAIRN_STATE_MAX - 1 || s[i] < 'A' || s[i] > 'Z')
			return -1;
	return 0;
}

/* "" or a valid YYYY-MM-DD. */
static int
check_date(const char *s)
{
	if (s == NULL || s[0] == '\0')
		return 0;
	return cairn_valid_date(s, NULL) == 0 ? 0 : -1;
}

/*
 * The filters of a list query: function "" or valid, limit in range,
 * state "" or valid where the command takes one.  Returns 0, or -1 for the
 * function and -2 for the rest, so that each side picks its own code.
 */
static int
check_list(const char *function, uint32_t limit, const char *state,
    int takes_state)
{
	if (check_name(function, CAIRN_FUNCTION_MAX,
	    cairn_valid_function) != 0)
		return -1;
	if (limit > CAIRN_CTL_LIST_MAX)
		return -2;
	if (takes_state ? check_state(state, 1) != 0 :
	    state != NULL && state[0] != '\0')
		return -2;
	return 0;
}

/* ---- requests ------------------------------------------------------------ */

int
cairn_ctl_request_encode(const struct cairn_ctl_request *req, uint8_t **out,
    size_t *outlen)
{
	Cairn__V1__ClientRequest cr = CAIRN__V1__CLIENT_REQUEST__INIT;
	Cairn__V1__Submit sub = CAIRN__V1__SUBMIT__INIT;
	Cairn__V1__Address to = CAIRN__V1__ADDRESS__INIT;
	Cairn__V1__Query q = CAIRN__V1__QUERY__INIT;
	bool	no_from, no_to;

	*out = NULL;
	*outlen = 0;
	cr.version = CAIRN_CTL_VERSION;
	switch (req->command) {
	case CAIRN_CTL_SUBMIT:
		if (!terminated(req->from_function,
		    sizeof(req->from_function)) ||
		    !terminated(req->to_org, sizeof(req->to_org)) ||
		    !terminated(req->to_function, sizeof(req->to_function)))
			return CAIRN_EINVAL;
		/* A reply may leave both to the daemon, which has the case. */
		no_from = req->from_function[0] == '\0';
		no_to = req->to_org[0] == '\0' && req->to_function[0] == '\0';
		if ((no_from || no_to) && !req->has_reply_to)
			return CAIRN_EINVAL;
		if ((!no_from && cairn_valid_function(req->from_function) !=
		    0) || (!no_to && (cairn_valid_org_id(req->to_org) != 0 ||
		    cairn_valid_function(req->to_function) != 0)))
			return CAIRN_EINVAL;
		if (req->payload == NULL || req->payload_len == 0 ||
		    req->payload_len > CAIRN_PAYLOAD_MAX_BYTES)
			return CAIRN_EINVAL;
		sub.from_function = (char *)req->from_function;
		if (!no_to) {
			to.org = (char *)req->to_org;
			to.function = (char *)req->to_function;
			sub.to = &to;
		}
		sub.payload.data = (uint8_t *)req->payload;
		sub.payload.len = req->payload_len;
		if (req->has_reply_to) {
			sub.in_reply_to.data = (uint8_t *)req->in_reply_to;
			sub.in_reply_to.len = CAIRN_MSG_ID_BYTES;
		}
		sub.ttl_s = req->ttl_s;
		cr.submit = &sub;
		break;
	case CAIRN_CTL_STATUS:
	case CAIRN_CTL_SHOW:
		q.msg_id.data = (uint8_t *)req->msg_id;
		q.msg_id.len = CAIRN_MSG_ID_BYTES;
		cr.query = &q;
		break;
	case CAIRN_CTL_OUTBOX:
	case CAIRN_CTL_INBOX:
	case CAIRN_CTL_CASES:
	case CAIRN_CTL_OVERDUE:
		if (!terminated(req->function, sizeof(req->function)) ||
		    !terminated(req->state, sizeof(req->state)) ||
		    check_list(req->function, req->limit, req->state,
		    req->command == CAIRN_CTL_CASES) != 0)
			return CAIRN_EINVAL;
		q.function = (char *)req->function;
		q.limit = req->limit;
		if (req->command == CAIRN_CTL_CASES)
			q.state = (char *)req->state;
		cr.query = &q;
		break;
	case CAIRN_CTL_AUDIT:
		if (req->limit > CAIRN_CTL_AUDIT_MAX ||
		    (req->related && req->checkpoints))
			return CAIRN_EINVAL;
		q.from_seq = req->from_seq;
		q.limit = req->limit;
		q.checkpoints = req->checkpoints;
		if (req->related) {
			q.msg_id.data = (uint8_t *)req->msg_id;
			q.msg_id.len = CAIRN_MSG_ID_BYTES;
		}
		cr.query = &q;
		break;
	case CAIRN_CTL_PING:
	case CAIRN_CTL_STATS:
		break;
	default:
		return CAIRN_EINVAL;
	}
	cr.command = (Cairn__V1__Command)req->command;
	cr.tag = req->tag;
	return cairn_pb_pack(&cr.base, out, outlen);
}

static int
decode_submit(struct cairn_ctl_request *req, const Cairn__V1__Submit *sub)
{
	const char *org = NULL, *fn = NULL;

	if (sub == NULL)
		return CAIRN_EFIELD;
	if (!clean_fields(&sub->base) ||
	    (sub->to != NULL && !clean_fields(&sub->to->base)))
		return CAIRN_EMALFORMED;
	if (sub->in_reply_to.len != 0) {
		if (cairn_pb_exact(req->in_reply_to, &sub->in_reply_to,
		    CAIRN_MSG_ID_BYTES) != 0)
			return CAIRN_EFIELD;
		req->has_reply_to = true;
	}
	if (sub->to != NULL) {
		org = sub->to->org;
		fn = sub->to->function;
	}
	/*
	 * A reply to a case may leave the sender and the recipient empty:
	 * the daemon takes them from the case.  What is given is checked.
	 */
	if (((sub->from_function == NULL || sub->from_function[0] == '\0') &&
	    !req->has_reply_to) ||
	    check_name(sub->from_function, CAIRN_FUNCTION_MAX,
	    cairn_valid_function) != 0)
		return CAIRN_EFUNCTION;
	if (org == NULL || org[0] == '\0' || fn == NULL || fn[0] == '\0') {
		if (!req->has_reply_to ||
		    (org != NULL && org[0] != '\0') ||
		    (fn != NULL && fn[0] != '\0'))
			return CAIRN_EADDRESS;
	} else if (check_name(org, CAIRN_ORG_ID_MAX,
	    cairn_valid_org_id) != 0 ||
	    check_name(fn, CAIRN_FUNCTION_MAX, cairn_valid_function) != 0)
		return CAIRN_EADDRESS;
	if (sub->payload.len == 0 || sub->payload.data == NULL)
		return CAIRN_EFIELD;
	if (sub->payload.len > CAIRN_PAYLOAD_MAX_BYTES)
		return CAIRN_ETOOBIG;
	/* Checked above: each fits its buffer. */
	(void)copy_str(req->from_function, sizeof(req->from_function),
	    sub->from_function);
	(void)copy_str(req->to_org, sizeof(req->to_org), org);
	(void)copy_str(req->to_function, sizeof(req->to_function), fn);
	req->payload = sub->payload.data;
	req->payload_len = sub->payload.len;
	req->ttl_s = sub->ttl_s;
	return 0;
}

static int
decode_query(struct cairn_ctl_request *req, const Cairn__V1__Query *q,
    int by_id)
{
	if (q == NULL)
		return CAIRN_EFIELD;
	if (!clean_fields(&q->base))
		return CAIRN_EMALFORMED;
	if (q->from_seq != 0 || q->checkpoints)
		return CAIRN_EFIELD;
	if (by_id) {
		if (cairn_pb_exact(req->msg_id, &q->msg_id,
		    CAIRN_MSG_ID_BYTES) != 0)
			return CAIRN_EFIELD;
		if ((q->function != NULL && q->function[0] != '\0') ||
		    (q->state != NULL && q->state[0] != '\0') ||
		    q->limit != 0)
			return CAIRN_EFIELD;
		return 0;
	}
	if (q->msg_id.len != 0)
		return CAIRN_EFIELD;
	switch (check_list(q->function, q->limit, q->state,
	    req->command == CAIRN_CTL_CASES)) {
	case 0:
		break;
	case -1:
		return CAIRN_EFUNCTION;
	default:
		return CAIRN_EFIELD;
	}
	(void)copy_str(req->function, sizeof(req->function), q->function);
	(void)copy_str(req->state, sizeof(req->state), q->state);
	req->limit = q->limit;
	return 0;
}

static int
decode_audit_query(struct cairn_ctl_request *req, const Cairn__V1__Query *q)
{
	if (q == NULL)
		return CAIRN_EFIELD;
	if (!clean_fields(&q->base))
		return CAIRN_EMALFORMED;
	if ((q->function != NULL && q->function[0] != '\0') ||
	    (q->state != NULL && q->state[0] != '\0') ||
	    q->limit > CAIRN_CTL_AUDIT_MAX)
		return CAIRN_EFIELD;
	if (q->msg_id.len != 0) {
		if (q->checkpoints || cairn_pb_exact(req->msg_id, &q->msg_id,
		    CAIRN_MSG_ID_BYTES) != 0)
			return CAIRN_EFIELD;
		req->related = true;
	}
	req->from_seq = q->from_seq;
	req->checkpoints = q->checkpoints;
	req->limit = q->limit;
	return 0;
}

int
cairn_ctl_request_decode(struct cairn_ctl_request_msg **msg,
    const struct cairn_ctl_request **req, const uint8_t *buf, size_t len)
{
	struct cairn_ctl_request_msg *m;
	Cairn__V1__ClientRequest *pb;
	int	rc;

	*msg = NULL;
	*req = NULL;
	if (len > CAIRN_CTL_MAX_BYTES)
		return CAIRN_ETOOBIG;
	if (len == 0)
		return CAIRN_EMALFORMED;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return -ENOMEM;
	/* The budget lives in m: the allocator keeps pointing at it. */
	pb = (Cairn__V1__ClientRequest *)cairn_pb_unpack(
	    &cairn__v1__client_request__descriptor, &m->budget, buf, len);
	if (pb == NULL) {
		rc = CAIRN_EMALFORMED;
		goto fail;
	}
	m->pb = pb;
	if (!clean_fields(&pb->base)) {
		rc = CAIRN_EMALFORMED;
		goto fail;
	}
	if (pb->version != CAIRN_CTL_VERSION) {
		rc = CAIRN_EVERSION;
		goto fail;
	}
	if ((int)pb->command <= CAIRN_CTL_NONE ||
	    (int)pb->command > CAIRN_CTL_MAX) {
		rc = CAIRN_EFIELD;
		goto fail;
	}
	m->req.command = (enum cairn_ctl_command)pb->command;
	m->req.tag = pb->tag;
	switch (m->req.command) {
	case CAIRN_CTL_SUBMIT:
		rc = pb->query != NULL ? CAIRN_EFIELD :
		    decode_submit(&m->req, pb->submit);
		break;
	case CAIRN_CTL_STATUS:
	case CAIRN_CTL_SHOW:
		rc = pb->submit != NULL ? CAIRN_EFIELD :
		    decode_query(&m->req, pb->query, 1);
		break;
	case CAIRN_CTL_OUTBOX:
	case CAIRN_CTL_INBOX:
	case CAIRN_CTL_CASES:
	case CAIRN_CTL_OVERDUE:
		rc = pb->submit != NULL ? CAIRN_EFIELD :
		    decode_query(&m->req, pb->query, 0);
		break;
	case CAIRN_CTL_AUDIT:
		rc = pb->submit != NULL ? CAIRN_EFIELD :
		    decode_audit_query(&m->req, pb->query);
		break;
	default:
		rc = pb->submit != NULL || pb->query != NULL ?
		    CAIRN_EFIELD : 0;
		break;
	}
	if (rc != 0)
		goto fail;
	*msg = m;
	*req = &m->req;
	return 0;
fail:
	cairn_ctl_request_free(m);
	return rc;
}

/* A base-128 varint of at most 10 bytes; returns its length, 0 if bad. */
static size_t
varint(const uint8_t *p, size_t len, uint64_t *v)
{
	size_t	i;

	*v = 0;
	for (i = 0; i < len && i < 10; i++) {
		*v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80))
			return i + 1;
	}
	return 0;
}

uint64_t
cairn_ctl_request_tag(const uint8_t *buf, size_t len)
{
	uint64_t key, v, tag = 0;
	size_t	 off = 0, n;

	if (buf == NULL || len > CAIRN_CTL_MAX_BYTES)
		return 0;
	while (off < len) {
		if ((n = varint(buf + off, len - off, &key)) == 0)
			return 0;
		off += n;
		switch (key & 7) {
		case 0:				/* varint */
			if ((n = varint(buf + off, len - off, &v)) == 0)
				return 0;
			off += n;
			if (key >> 3 == 5)
				tag = v;
			break;
		case 1:				/* 64-bit */
			if (len - off < 8)
				return 0;
			off += 8;
			break;
		case 2:				/* length-delimited */
			if ((n = varint(buf + off, len - off, &v)) == 0 ||
			    v > len - off - n)
				return 0;
			off += n + (size_t)v;
			break;
		case 5:				/* 32-bit */
			if (len - off < 4)
				return 0;
			off += 4;
			break;
		default:
			return 0;
		}
	}
	return tag;
}

void
cairn_ctl_request_free(struct cairn_ctl_request_msg *m)
{
	if (m == NULL)
		return;
	/* The budget's free wipes every block, the payload bytes included. */
	cairn_pb_free((ProtobufCMessage *)m->pb, &m->budget);
	sodium_memzero(m, sizeof(*m));
	free(m);
}

/* ---- replies ------------------------------------------------------------- */

static int
encode_info(Cairn__V1__MessageInfo *mi, Cairn__V1__Address *from,
    Cairn__V1__Address *to, const struct cairn_ctl_info *in)
{
	if (!terminated(in->from_org, sizeof(in->from_org)) ||
	    !terminated(in->from_function, sizeof(in->from_function)) ||
	    !terminated(in->to_org, sizeof(in->to_org)) ||
	    !terminated(in->to_function, sizeof(in->to_function)) ||
	    !terminated(in->state, sizeof(in->state)) ||
	    !terminated(in->last_error_text, sizeof(in->last_error_text)))
		return CAIRN_EINVAL;
	if ((int)in->kind <= CAIRN_KIND_NONE || in->kind > CAIRN_KIND_MAX ||
	    in->last_error > 0)
		return CAIRN_EINVAL;
	cairn__v1__message_info__init(mi);
	cairn__v1__address__init(from);
	cairn__v1__address__init(to);
	mi->msg_id.data = (uint8_t *)in->msg_id;
	mi->msg_id.len = CAIRN_MSG_ID_BYTES;
	mi->outgoing = in->outgoing;
	mi->kind = (Cairn__V1__Kind)in->kind;
	from->org = (char *)in->from_org;
	from->function = (char *)in->from_function;
	to->org = (char *)in->to_org;
	to->function = (char *)in->to_function;
	mi->from = from;
	mi->to = to;
	mi->state = (char *)in->state;
	mi->attempts = in->attempts;
	mi->last_error = in->last_error;
	mi->last_error_text = (char *)in->last_error_text;
	mi->created_ms = in->created_ms;
	mi->expires_ms = in->expires_ms;
	mi->receipt_ms = in->receipt_ms;
	mi->next_attempt_ms = in->next_attempt_ms;
	mi->envelope_hash.data = (uint8_t *)in->envelope_hash;
	mi->envelope_hash.len = CAIRN_HASH_BYTES;
	mi->conversation_id.data = (uint8_t *)in->conversation_id;
	mi->conversation_id.len = CAIRN_MSG_ID_BYTES;
	if (in->has_reply_to) {
		mi->in_reply_to.data = (uint8_t *)in->in_reply_to;
		mi->in_reply_to.len = CAIRN_MSG_ID_BYTES;
	}
	return 0;
}

static int
encode_case(Cairn__V1__CaseInfo *ci, Cairn__V1__Address *peer,
    Cairn__V1__Address *redirect, const struct cairn_ctl_case *in)
{
	if (!terminated(in->state, sizeof(in->state)) ||
	    !terminated(in->function, sizeof(in->function)) ||
	    !terminated(in->peer_org, sizeof(in->peer_org)) ||
	    !terminated(in->peer_function, sizeof(in->peer_function)) ||
	    !terminated(in->due, sizeof(in->due)) ||
	    !terminated(in->contact_by, sizeof(in->contact_by)) ||
	    !terminated(in->redirect_org, sizeof(in->redirect_org)) ||
	    !terminated(in->redirect_function,
	    sizeof(in->redirect_function)))
		return CAIRN_EINVAL;
	if (check_state(in->state, 0) != 0 ||
	    check_name(in->function, CAIRN_FUNCTION_MAX,
	    cairn_valid_function) != 0 ||
	    check_name(in->peer_org, CAIRN_ORG_ID_MAX,
	    cairn_valid_org_id) != 0 ||
	    check_name(in->peer_function, CAIRN_FUNCTION_MAX,
	    cairn_valid_function) != 0 ||
	    check_name(in->redirect_org, CAIRN_ORG_ID_MAX,
	    cairn_valid_org_id) != 0 ||
	    check_name(in->redirect_function, CAIRN_FUNCTION_MAX,
	    cairn_valid_function) != 0 ||
	    check_date(in->due) != 0 || check_date(in->contact_by) != 0 ||
	    (int)in->channel < CAIRN_CHANNEL_NONE ||
	    in->channel > CAIRN_CHANNEL_MAX ||
	    in->created_ms < 0 || in->delivered_ms < 0 || in->due_ms < 0 ||
	    in->updated_ms < 0)
		return CAIRN_EINVAL;
	cairn__v1__case_info__init(ci);
	cairn__v1__address__init(peer);
	cairn__v1__address__init(redirect);
	ci->request_id.data = (uint8_t *)in->request_id;
	ci->request_id.len = CAIRN_MSG_ID_BYTES;
	ci->sent = in->sent;
	ci->state = (char *)in->state;
	ci->function = (char *)in->function;
	peer->org = (char *)in->peer_org;
	peer->function = (char *)in->peer_function;
	ci->peer = peer;
	ci->created_ms = in->created_ms;
	ci->delivered_ms = in->delivered_ms;
	ci->due_ms = in->due_ms;
	ci->due = (char *)in->due;
	ci->contact_by = (char *)in->contact_by;
	ci->channel = (Cairn__V1__Channel)in->channel;
	if (in->redirect_org[0] != '\0' || in->redirect_function[0] != '\0') {
		redirect->org = (char *)in->redirect_org;
		redirect->function = (char *)in->redirect_function;
		ci->redirect_to = redirect;
	}
	ci->updated_ms = in->updated_ms;
	ci->guarantee_days = in->guarantee_days;
	return 0;
}

static int
encode_stats(Cairn__V1__Stats *st, Cairn__V1__PeerStat **peers,
    Cairn__V1__PeerStat ***peerp, const struct cairn_ctl_stats *in)
{
	size_t	i;

	if (in->npeers > CAIRN_CTL_PEERS_MAX ||
	    (in->npeers != 0 && in->peers == NULL))
		return CAIRN_EINVAL;
	st->out_queued = in->out_queued;
	st->out_delivered = in->out_delivered;
	st->out_rejected = in->out_rejected;
	st->out_failed = in->out_failed;
	st->in_total = in->in_total;
	st->in_flight = in->in_flight;
	st->retries = in->retries;
	st->dedup = in->dedup;
	st->oldest_queued_ms = in->oldest_queued_ms;
	st->audit_seq = in->audit_seq;
	st->audit_head.data = (uint8_t *)in->audit_head;
	st->audit_head.len = CAIRN_HASH_BYTES;
	st->book_serial = in->book_serial;
	st->book_expires_ms = in->book_expires_ms;
	st->sign_key_expires_ms = in->sign_key_expires_ms;
	st->box_key_expires_ms = in->box_key_expires_ms;
	st->started_ms = in->started_ms;
	if (in->npeers == 0)
		return 0;
	*peers = calloc(in->npeers, sizeof(**peers));
	*peerp = calloc(in->npeers, sizeof(**peerp));
	if (*peers == NULL || *peerp == NULL)
		return -ENOMEM;
	for (i = 0; i < in->npeers; i++) {
		if (!terminated(in->peers[i].org, sizeof(in->peers[i].org)) ||
		    cairn_valid_org_id(in->peers[i].org) != 0)
			return CAIRN_EINVAL;
		cairn__v1__peer_stat__init(&(*peers)[i]);
		(*peers)[i].org = (char *)in->peers[i].org;
		(*peers)[i].reachable = in->peers[i].reachable;
		(*peers)[i].in_flight = in->peers[i].in_flight;
		(*peerp)[i] = &(*peers)[i];
	}
	st->n_peers = in->npeers;
	st->peers = *peerp;
	return 0;
}

static int
decode_stats(struct cairn_ctl_stats *out, const Cairn__V1__Stats *st)
{
	size_t	i;

	if (!clean_fields(&st->base))
		return CAIRN_EMALFORMED;
	if (st->n_peers > CAIRN_CTL_PEERS_MAX)
		return CAIRN_ETOOBIG;
	if (cairn_pb_exact(out->audit_head, &st->audit_head,
	    CAIRN_HASH_BYTES) != 0)
		return CAIRN_EFIELD;
	out->out_queued = st->out_queued;
	out->out_delivered = st->out_delivered;
	out->out_rejected = st->out_rejected;
	out->out_failed = st->out_failed;
	out->in_total = st->in_total;
	out->in_flight = st->in_flight;
	out->retries = st->retries;
	out->dedup = st->dedup;
	out->oldest_queued_ms = st->oldest_queued_ms;
	out->audit_seq = st->audit_seq;
	out->book_serial = st->book_serial;
	out->book_expires_ms = st->book_expires_ms;
	out->sign_key_expires_ms = st->sign_key_expires_ms;
	out->box_key_expires_ms = st->box_key_expires_ms;
	out->started_ms = st->started_ms;
	if (st->n_peers == 0)
		return 0;
	if ((out->peers = calloc(st->n_peers, sizeof(*out->peers))) == NULL)
		return -ENOMEM;
	out->npeers = st->n_peers;
	for (i = 0; i < st->n_peers; i++) {
		if (!clean_fields(&st->peers[i]->base))
			return CAIRN_EMALFORMED;
		if (check_name(st->peers[i]->org, CAIRN_ORG_ID_MAX,
		    cairn_valid_org_id) != 0 || st->peers[i]->org[0] == '\0')
			return CAIRN_EFIELD;
		(void)copy_str(out->peers[i].org, sizeof(out->peers[i].org),
		    st->peers[i]->org);
		out->peers[i].reachable = st->peers[i]->reachable;
		out->peers[i].in_flight = st->peers[i]->in_flight;
	}
	return 0;
}

/* The protobuf side of an audit page being encoded. */
struct audit_pb {
	Cairn__V1__AuditEntry	 *e, **ep;
	Cairn__V1__AuditReply	 *r, **rp;
	Cairn__V1__AuditRelated	 *l, **lp;
};

static void
audit_pb_free(struct audit_pb *m)
{
	if (m == NULL)
		return;
	free(m->e);
	free(m->ep);
	free(m->r);
	free(m->rp);
	free(m->l);
	free(m->lp);
	free(m);
}

/*
 * Checks a page's records or checkpoints: at most CAIRN_CTL_AUDIT_MAX,
 * keys strictly increasing with a 0 only last, values of at most max
 * bytes, and a code only in place of a value too large to send.
 */
static int
check_entries(const struct cairn_ctl_audit_entry *e, size_t n, size_t max)
{
	size_t	i;

	if (n > CAIRN_CTL_AUDIT_MAX)
		return CAIRN_ETOOBIG;
	if (n != 0 && e == NULL)
		return CAIRN_EINVAL;
	for (i = 0; i < n; i++) {
		if (e[i].len > max)
			return CAIRN_ETOOBIG;
		if ((e[i].code != 0 && (e[i].code != CAIRN_ETOOBIG ||
		    e[i].len != 0)) || (e[i].len != 0 && e[i].data == NULL))
			return CAIRN_EFIELD;
		if ((e[i].seq == 0 && i + 1 != n) ||
		    (i > 0 && e[i].seq != 0 && e[i].seq <= e[i - 1].seq))
			return CAIRN_EFIELD;
	}
	return 0;
}

static int
check_replies(const struct cairn_ctl_audit_reply *r, size_t n)
{
	size_t	i;

	if (n > CAIRN_CTL_AUDIT_MAX)
		return CAIRN_ETOOBIG;
	if (n != 0 && r == NULL)
		return CAIRN_EINVAL;
	for (i = 0; i < n; i++) {
		if (r[i].len > CAIRN_REPLY_MAX_BYTES)
			return CAIRN_ETOOBIG;
		if (r[i].code > 0 || (r[i].code == 0) != (r[i].len != 0) ||
		    (r[i].len != 0 && r[i].data == NULL))
			return CAIRN_EFIELD;
	}
	return 0;
}

static int
check_audit(const struct cairn_ctl_audit *a)
{
	int	rc;

	if (a->nrecords != 0 && a->ncheckpoints != 0)
		return CAIRN_EFIELD;
	if ((rc = check_entries(a->records, a->nrecords,
	    CAIRN_AUDIT_MAX_BYTES)) != 0 ||
	    (rc = check_entries(a->checkpoints, a->ncheckpoints,
	    CAIRN_AUDIT_CHECKPOINT_MAX_BYTES)) != 0 ||
	    (rc = check_replies(a->replies, a->nreplies)) != 0)
		return rc;
	if (a->nrelated > CAIRN_CTL_AUDIT_RELATED_MAX)
		return CAIRN_ETOOBIG;
	if (a->nrelated != 0 && a->related == NULL)
		return CAIRN_EINVAL;
	return 0;
}

static int
encode_audit(Cairn__V1__AuditPage *ap, void **mem,
    const struct cairn_ctl_audit *in)
{
	const struct cairn_ctl_audit_entry *src;
	struct audit_pb *m;
	size_t	 i, n;

	if (check_audit(in) != 0)
		return CAIRN_EINVAL;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return -ENOMEM;
	*mem = m;
	ap->head_seq = in->head_seq;
	ap->head_hash.data = (uint8_t *)in->head_hash;
	ap->head_hash.len = CAIRN_HASH_BYTES;
	ap->more = in->more;
	n = in->nrecords + in->ncheckpoints;
	src = in->nrecords != 0 ? in->records : in->checkpoints;
	if (n != 0) {
		if ((m->e = calloc(n, sizeof(*m->e))) == NULL ||
		    (m->ep = calloc(n, sizeof(*m->ep))) == NULL)
			return -ENOMEM;
		for (i = 0; i < n; i++) {
			cairn__v1__audit_entry__init(&m->e[i]);
			m->e[i].seq = src[i].seq;
			m->e[i].data.data = (uint8_t *)src[i].data;
			m->e[i].data.len = src[i].len;
			m->e[i].code = src[i].code;
			m->ep[i] = &m->e[i];
		}
		if (in->nrecords != 0) {
			ap->n_records = n;
			ap->records = m->ep;
		} else {
			ap->n_checkpoints = n;
			ap->checkpoints = m->ep;
		}
	}
	if (in->nreplies != 0) {
		if ((m->r = calloc(in->nreplies, sizeof(*m->r))) == NULL ||
		    (m->rp = calloc(in->nreplies, sizeof(*m->rp))) == NULL)
			return -ENOMEM;
		for (i = 0; i < in->nreplies; i++) {
			cairn__v1__audit_reply__init(&m->r[i]);
			m->r[i].msg_id.data = (uint8_t *)in->replies[i].msg_id;
			m->r[i].msg_id.len = CAIRN_MSG_ID_BYTES;
			m->r[i].issued = in->replies[i].issued;
			m->r[i].reply.data = (uint8_t *)in->replies[i].data;
			m->r[i].reply.len = in->replies[i].len;
			m->r[i].code = in->replies[i].code;
			m->rp[i] = &m->r[i];
		}
		ap->n_replies = in->nreplies;
		ap->replies = m->rp;
	}
	if (in->nrelated != 0) {
		if ((m->l = calloc(in->nrelated, sizeof(*m->l))) == NULL ||
		    (m->lp = calloc(in->nrelated, sizeof(*m->lp))) == NULL)
			return -ENOMEM;
		for (i = 0; i < in->nrelated; i++) {
			cairn__v1__audit_related__init(&m->l[i]);
			m->l[i].msg_id.data = (uint8_t *)in->related[i].msg_id;
			m->l[i].msg_id.len = CAIRN_MSG_ID_BYTES;
			m->l[i].outgoing = in->related[i].outgoing;
			m->lp[i] = &m->l[i];
		}
		ap->n_related = in->nrelated;
		ap->related = m->lp;
	}
	return 0;
}

int
cairn_ctl_reply_encode(const struct cairn_ctl_reply *rep, uint8_t **out,
    size_t *outlen)
{
	Cairn__V1__ClientReply cr = CAIRN__V1__CLIENT_REPLY__INIT;
	static const uint8_t zero_id[CAIRN_MSG_ID_BYTES];
	Cairn__V1__MessageInfo *mis = NULL, **mip = NULL;
	Cairn__V1__CaseInfo *cis = NULL, **cip = NULL;
	Cairn__V1__Address *addrs = NULL, *caddrs = NULL;
	Cairn__V1__Stats st = CAIRN__V1__STATS__INIT;
	Cairn__V1__PeerStat *peers = NULL, **peerp = NULL;
	Cairn__V1__AuditPage ap = CAIRN__V1__AUDIT_PAGE__INIT;
	void	*apmem = NULL;
	size_t	 i;
	int	 rc;

	*out = NULL;
	*outlen = 0;
	if (rep->code > 0 || !terminated(rep->error, sizeof(rep->error)) ||
	    rep->ninfos > CAIRN_CTL_LIST_MAX ||
	    (rep->ninfos != 0 && rep->infos == NULL) ||
	    rep->ncases > CAIRN_CTL_LIST_MAX ||
	    (rep->ncases != 0 && rep->cases == NULL) ||
	    rep->payload_len > CAIRN_PAYLOAD_MAX_BYTES ||
	    (rep->payload_len != 0 && rep->payload == NULL))
		return CAIRN_EINVAL;
	cr.tag = rep->tag;
	cr.code = rep->code;
	cr.error = (char *)rep->error;
	cr.truncated = rep->truncated;
	if (memcmp(rep->msg_id, zero_id, sizeof(zero_id)) != 0) {
		cr.msg_id.data = (uint8_t *)rep->msg_id;
		cr.msg_id.len = CAIRN_MSG_ID_BYTES;
	}
	if (rep->ninfos != 0) {
		mis = calloc(rep->ninfos, sizeof(*mis));
		mip = calloc(rep->ninfos, sizeof(*mip));
		addrs = calloc(rep->ninfos, 2 * sizeof(*addrs));
		if (mis == NULL || mip == NULL || addrs == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		for (i = 0; i < rep->ninfos; i++) {
			if ((rc = encode_info(&mis[i], &addrs[2 * i],
			    &addrs[2 * i + 1], &rep->infos[i])) != 0)
				goto out;
			mip[i] = &mis[i];
		}
		cr.n_messages = rep->ninfos;
		cr.messages = mip;
	}
	if (rep->ncases != 0) {
		cis = calloc(rep->ncases, sizeof(*cis));
		cip = calloc(rep->ncases, sizeof(*cip));
		caddrs = calloc(rep->ncases, 2 * sizeof(*caddrs));
		if (cis == NULL || cip == NULL || caddrs == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		for (i = 0; i < rep->ncases; i++) {
			if ((rc = encode_case(&cis[i], &caddrs[2 * i],
			    &caddrs[2 * i + 1], &rep->cases[i])) != 0)
				goto out;
			cip[i] = &cis[i];
		}
		cr.n_cases = rep->ncases;
		cr.cases = cip;
	}
	if (rep->has_stats) {
		if ((rc = encode_stats(&st, &peers, &peerp,
		    &rep->stats)) != 0)
			goto out;
		cr.stats = &st;
	}
	if (rep->has_audit) {
		if ((rc = encode_audit(&ap, &apmem, &rep->audit)) != 0)
			goto out;
		cr.audit = &ap;
	}
	cr.payload.data = rep->payload;
	cr.payload.len = rep->payload_len;
	/* The client refuses anything larger, so never send it. */
	if (protobuf_c_message_get_packed_size(&cr.base) >
	    CAIRN_CTL_MAX_BYTES) {
		rc = CAIRN_ETOOBIG;
		goto out;
	}
	rc = cairn_pb_pack(&cr.base, out, outlen);
out:
	audit_pb_free(apmem);
	free(peerp);
	free(peers);
	free(caddrs);
	free(cip);
	free(cis);
	free(addrs);
	free(mip);
	free(mis);
	return rc;
}

static int
decode_addr(char *org, char *fn, const Cairn__V1__Address *a)
{
	if (a == NULL)
		return CAIRN_EFIELD;
	if (!clean_fields(&a->base))
		return CAIRN_EMALFORMED;
	if (check_name(a->org, CAIRN_ORG_ID_MAX, cairn_valid_org_id) != 0 ||
	    check_name(a->function, CAIRN_FUNCTION_MAX,
	    cairn_valid_function) != 0)
		return CAIRN_EFIELD;
	(void)copy_str(org, CAIRN_ORG_ID_MAX + 1, a->org);
	(void)copy_str(fn, CAIRN_FUNCTION_MAX + 1, a->function);
	return 0;
}

/* An address that may be absent or empty; what is there must be valid. */
static int
decode_opt_addr(char *org, char *fn, const Cairn__V1__Address *a)
{
	if (a == NULL) {
		org[0] = fn[0] = '\0';
		return 0;
	}
	return decode_addr(org, fn, a);
}

static int
decode_case(struct cairn_ctl_case *out, const Cairn__V1__CaseInfo *ci)
{
	const char	*s;
	int		 rc;

	if (!clean_fields(&ci->base))
		return CAIRN_EMALFORMED;
	if (cairn_pb_exact(out->request_id, &ci->request_id,
	    CAIRN_MSG_ID_BYTES) != 0)
		return CAIRN_EFIELD;
	out->sent = ci->sent;
	if (check_state(ci->state, 0) != 0)
		return CAIRN_EFIELD;
	(void)copy_str(out->state, sizeof(out->state), ci->state);
	if (check_name(ci->function, CAIRN_FUNCTION_MAX,
	    cairn_valid_function) != 0)
		return CAIRN_EFIELD;
	(void)copy_str(out->function, sizeof(out->function), ci->function);
	if ((rc = decode_opt_addr(out->peer_org, out->peer_function,
	    ci->peer)) != 0 ||
	    (rc = decode_opt_addr(out->redirect_org, out->redirect_function,
	    ci->redirect_to)) != 0)
		return rc;
	s = ci->due != NULL ? ci->due : "";
	if (check_date(s) != 0)
		return CAIRN_EFIELD;
	(void)copy_str(out->due, sizeof(out->due), s);
	s = ci->contact_by != NULL ? ci->contact_by : "";
	if (check_date(s) != 0)
		return CAIRN_EFIELD;
	(void)copy_str(out->contact_by, sizeof(out->contact_by), s);
	if ((int)ci->channel < CAIRN_CHANNEL_NONE ||
	    (int)ci->channel > CAIRN_CHANNEL_MAX)
		return CAIRN_EFIELD;
	out->channel = (enum cairn_channel)ci->channel;
	if (ci->created_ms < 0 || ci->delivered_ms < 0 || ci->due_ms < 0 ||
	    ci->updated_ms < 0)
		return CAIRN_EFIELD;
	out->created_ms = ci->created_ms;
	out->delivered_ms = ci->delivered_ms;
	out->due_ms = ci->due_ms;
	out->updated_ms = ci->updated_ms;
	out->guarantee_days = ci->guarantee_days;
	return 0;
}

static int
decode_info(struct cairn_ctl_info *out, const Cairn__V1__MessageInfo *mi)
{
	const char	*s;
	int		 rc;

	if (!clean_fields(&mi->base))
		return CAIRN_EMALFORMED;
	if (cairn_pb_exact(out->msg_id, &mi->msg_id, CAIRN_MSG_ID_BYTES) ||
	    cairn_pb_exact(out->envelope_hash, &mi->envelope_hash,
	    CAIRN_HASH_BYTES) ||
	    cairn_pb_exact(out->conversation_id, &mi->conversation_id,
	    CAIRN_MSG_ID_BYTES))
		return CAIRN_EFIELD;
	if (mi->in_reply_to.len != 0) {
		if (cairn_pb_exact(out->in_reply_to, &mi->in_reply_to,
		    CAIRN_MSG_ID_BYTES) != 0)
			return CAIRN_EFIELD;
		out->has_reply_to = true;
	}
	if ((int)mi->kind <= CAIRN_KIND_NONE || (int)mi->kind > CAIRN_KIND_MAX)
		return CAIRN_EFIELD;
	out->kind = (enum cairn_kind)mi->kind;
	out->outgoing = mi->outgoing;
	if ((rc = decode_addr(out->from_org, out->from_function,
	    mi->from)) != 0 ||
	    (rc = decode_addr(out->to_org, out->to_function, mi->to)) != 0)
		return rc;
	s = mi->state != NULL ? mi->state : "";
	if (s[0] == '\0' ||
	    cairn_valid_text(s, strlen(s), sizeof(out->state) - 1, 0) != 0)
		return CAIRN_EFIELD;
	(void)copy_str(out->state, sizeof(out->state), s);
	s = mi->last_error_text != NULL ? mi->last_error_text : "";
	if (cairn_valid_text(s, strlen(s), sizeof(out->last_error_text) - 1,
	    0) != 0)
		return CAIRN_EFIELD;
	(void)copy_str(out->last_error_text, sizeof(out->last_error_text), s);
	if (mi->last_error > 0 || mi->created_ms < 0 || mi->expires_ms < 0 ||
	    mi->receipt_ms < 0 || mi->next_attempt_ms < 0)
		return CAIRN_EFIELD;
	out->attempts = mi->attempts;
	out->last_error = mi->last_error;
	out->created_ms = mi->created_ms;
	out->expires_ms = mi->expires_ms;
	out->receipt_ms = mi->receipt_ms;
	out->next_attempt_ms = mi->next_attempt_ms;
	return 0;
}

/*
 * Copies a page's records or checkpoints out of pb into *out, their
 * values into *dst (room counted by the caller), then checks them.
 */
static int
decode_entries(struct cairn_ctl_audit_entry **out, size_t *nout,
    Cairn__V1__AuditEntry **pb, size_t n, size_t max, uint8_t **dst)
{
	struct cairn_ctl_audit_entry *e;
	size_t	i;

	if (n == 0)
		return 0;
	if ((e = calloc(n, sizeof(*e))) == NULL)
		return -ENOMEM;
	*out = e;
	*nout = n;
	for (i = 0; i < n; i++) {
		if (!clean_fields(&pb[i]->base))
			return CAIRN_EMALFORMED;
		if (pb[i]->data.len > max)
			return CAIRN_ETOOBIG;
		e[i].seq = pb[i]->seq;
		e[i].code = pb[i]->code;
		e[i].len = pb[i]->data.len;
		if (e[i].len != 0) {
			memcpy(*dst, pb[i]->data.data, e[i].len);
			e[i].data = *dst;
			*dst += e[i].len;
		}
	}
	return check_entries(e, n, max);
}

static int
decode_audit(struct cairn_ctl_audit *a, const Cairn__V1__AuditPage *ap)
{
	uint8_t	*dst;
	size_t	 i, total = 0;
	int	 rc;

	if (!clean_fields(&ap->base))
		return CAIRN_EMALFORMED;
	if (ap->n_records > CAIRN_CTL_AUDIT_MAX ||
	    ap->n_checkpoints > CAIRN_CTL_AUDIT_MAX ||
	    ap->n_replies > CAIRN_CTL_AUDIT_MAX ||
	    ap->n_related > CAIRN_CTL_AUDIT_RELATED_MAX)
		return CAIRN_ETOOBIG;
	if (ap->n_records != 0 && ap->n_checkpoints != 0)
		return CAIRN_EFIELD;
	if (cairn_pb_exact(a->head_hash, &ap->head_hash,
	    CAIRN_HASH_BYTES) != 0)
		return CAIRN_EFIELD;
	a->head_seq = ap->head_seq;
	a->more = ap->more;
	/* the message is bounded by CAIRN_CTL_MAX_BYTES: no overflow */
	for (i = 0; i < ap->n_records; i++)
		total += ap->records[i]->data.len;
	for (i = 0; i < ap->n_checkpoints; i++)
		total += ap->checkpoints[i]->data.len;
	for (i = 0; i < ap->n_replies; i++)
		total += ap->replies[i]->reply.len;
	if ((a->buf = malloc(total > 0 ? total : 1)) == NULL)
		return -ENOMEM;
	dst = a->buf;
	if ((rc = decode_entries(&a->records, &a->nrecords, ap->records,
	    ap->n_records, CAIRN_AUDIT_MAX_BYTES, &dst)) != 0 ||
	    (rc = decode_entries(&a->checkpoints, &a->ncheckpoints,
	    ap->checkpoints, ap->n_checkpoints,
	    CAIRN_AUDIT_CHECKPOINT_MAX_BYTES, &dst)) != 0)
		return rc;
	if (ap->n_replies != 0) {
		if ((a->replies = calloc(ap->n_replies,
		    sizeof(*a->replies))) == NULL)
			return -ENOMEM;
		a->nreplies = ap->n_replies;
		for (i = 0; i < ap->n_replies; i++) {
			const Cairn__V1__AuditReply *r = ap->replies[i];

			if (!clean_fields(&r->base))
				return CAIRN_EMALFORMED;
			if (r->reply.len > CAIRN_REPLY_MAX_BYTES)
				return CAIRN_ETOOBIG;
			if (cairn_pb_exact(a->replies[i].msg_id, &r->msg_id,
			    CAIRN_MSG_ID_BYTES) != 0)
				return CAIRN_EFIELD;
			a->replies[i].issued = r->issued;
			a->replies[i].code = r->code;
			a->replies[i].len = r->reply.len;
			if (r->reply.len != 0) {
				memcpy(dst, r->reply.data, r->reply.len);
				a->replies[i].data = dst;
				dst += r->reply.len;
			}
		}
		if ((rc = check_replies(a->replies, a->nreplies)) != 0)
			return rc;
	}
	if (ap->n_related != 0) {
		if ((a->related = calloc(ap->n_related,
		    sizeof(*a->related))) == NULL)
			return -ENOMEM;
		a->nrelated = ap->n_related;
		for (i = 0; i < ap->n_related; i++) {
			if (!clean_fields(&ap->related[i]->base))
				return CAIRN_EMALFORMED;
			if (cairn_pb_exact(a->related[i].msg_id,
			    &ap->related[i]->msg_id, CAIRN_MSG_ID_BYTES) != 0)
				return CAIRN_EFIELD;
			a->related[i].outgoing = ap->related[i]->outgoing;
		}
	}
	return 0;
}

int
cairn_ctl_reply_decode(struct cairn_ctl_reply *rep, const uint8_t *buf,
    size_t len)
{
	struct cairn_pb_budget budget;
	Cairn__V1__ClientReply *pb = NULL;
	const char *err;
	size_t	 i;
	int	 rc;

	memset(rep, 0, sizeof(*rep));
	if (len > CAIRN_CTL_MAX_BYTES)
		return CAIRN_ETOOBIG;
	/* lists of many small messages unpack to many times their size */
	pb = (Cairn__V1__ClientReply *)cairn_pb_unpack_factor(
	    &cairn__v1__client_reply__descriptor, &budget, buf, len, 16);
	if (pb == NULL)
		return CAIRN_EMALFORMED;
	if (!clean_fields(&pb->base)) {
		rc = CAIRN_EMALFORMED;
		goto out;
	}
	if (pb->n_messages > CAIRN_CTL_LIST_MAX ||
	    pb->n_cases > CAIRN_CTL_LIST_MAX ||
	    pb->payload.len > CAIRN_PAYLOAD_MAX_BYTES) {
		rc = CAIRN_ETOOBIG;
		goto out;
	}
	err = pb->error != NULL ? pb->error : "";
	if (pb->code > 0 || cairn_valid_text(err, strlen(err),
	    sizeof(rep->error) - 1, 0) != 0) {
		rc = CAIRN_EFIELD;
		goto out;
	}
	rep->tag = pb->tag;
	rep->code = pb->code;
	(void)copy_str(rep->error, sizeof(rep->error), err);
	rep->truncated = pb->truncated;
	if (pb->msg_id.len != 0 && cairn_pb_exact(rep->msg_id, &pb->msg_id,
	    CAIRN_MSG_ID_BYTES) != 0) {
		rc = CAIRN_EFIELD;
		goto out;
	}
	if (pb->n_messages != 0) {
		rep->infos = calloc(pb->n_messages, sizeof(*rep->infos));
		if (rep->infos == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		rep->ninfos = pb->n_messages;
		for (i = 0; i < pb->n_messages; i++)
			if ((rc = decode_info(&rep->infos[i],
			    pb->messages[i])) != 0)
				goto out;
	}
	if (pb->n_cases != 0) {
		rep->cases = calloc(pb->n_cases, sizeof(*rep->cases));
		if (rep->cases == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		rep->ncases = pb->n_cases;
		for (i = 0; i < pb->n_cases; i++)
			if ((rc = decode_case(&rep->cases[i],
			    pb->cases[i])) != 0)
				goto out;
	}
	if (pb->stats != NULL) {
		if ((rc = decode_stats(&rep->stats, pb->stats)) != 0)
			goto out;
		rep->has_stats = true;
	}
	if (pb->audit != NULL) {
		rep->has_audit = true;
		if ((rc = decode_audit(&rep->audit, pb->audit)) != 0)
			goto out;
	}
	if (pb->payload.len != 0) {
		if ((rep->payload = malloc(pb->payload.len)) == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		memcpy(rep->payload, pb->payload.data, pb->payload.len);
		rep->payload_len = pb->payload.len;
	}
	rc = 0;
out:
	cairn_pb_free((ProtobufCMessage *)pb, &budget);
	if (rc != 0)
		cairn_ctl_reply_clear(rep);
	return rc;
}

void
cairn_ctl_reply_clear(struct cairn_ctl_reply *rep)
{
	if (rep == NULL)
		return;
	if (rep->payload != NULL) {
		sodium_memzero(rep->payload, rep->payload_len);
		free(rep->payload);
	}
	free(rep->infos);
	free(rep->cases);
	free(rep->stats.peers);
	cairn_ctl_audit_clear(&rep->audit);
	memset(rep, 0, sizeof(*rep));
}

void
cairn_ctl_audit_clear(struct cairn_ctl_audit *a)
{
	if (a == NULL)
		return;
	free(a->records);
	free(a->checkpoints);
	free(a->replies);
	free(a->related);
	free(a->buf);
	memset(a, 0, sizeof(*a));
}

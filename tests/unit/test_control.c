/* SPDX-License-Identifier: MIT */
/*
 * Control protocol and libcairn client tests: request and reply round
 * trips for every command, truncation at every length, garbage and bit
 * flips, the exact code for each bad field, message id text, and the
 * client against a small fake daemon (a ROUTER on a real ipc socket in a
 * thread) for round trips, refusals, malformed answers and timeouts.
 *
 * Bad messages are written here byte by byte, so that this suite needs
 * neither the generated protobuf header nor a lenient encoder.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <zmq.h>

#include "client/cairn.h"
#include "proto/audit.h"
#include "proto/control.h"

#define PNR		"19121212-1212"
#define TIMEOUT_MS	300

static const uint8_t ID_A[CAIRN_MSG_ID_BYTES] = {
	0xa0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
};
static const uint8_t ID_B[CAIRN_MSG_ID_BYTES] = {
	0xb0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0xff
};
static const uint8_t ID_UNKNOWN[CAIRN_MSG_ID_BYTES] = {
	0xde, 0xad
};

/* ---- a minimal protobuf writer, for hand-made messages ------------------ */

struct pbw {
	uint8_t	buf[2048];
	size_t	len;
};

static void
pb_varint(struct pbw *w, uint64_t v)
{
	do {
		assert_true(w->len < sizeof(w->buf));
		w->buf[w->len++] = (uint8_t)((v & 0x7f) |
		    (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v != 0);
}

static void
pb_uint(struct pbw *w, int field, uint64_t v)
{
	pb_varint(w, (uint64_t)field << 3);
	pb_varint(w, v);
}

static void
pb_bytes(struct pbw *w, int field, const void *data, size_t len)
{
	pb_varint(w, (uint64_t)field << 3 | 2);
	pb_varint(w, len);
	assert_true(w->len + len <= sizeof(w->buf));
	memcpy(w->buf + w->len, data, len);
	w->len += len;
}

static void
pb_str(struct pbw *w, int field, const char *s)
{
	pb_bytes(w, field, s, strlen(s));
}

static void
pb_msg(struct pbw *w, int field, const struct pbw *sub)
{
	pb_bytes(w, field, sub->buf, sub->len);
}

static int
decode_req(const struct pbw *w)
{
	struct cairn_ctl_request_msg *m;
	const struct cairn_ctl_request *r;
	int	rc;

	rc = cairn_ctl_request_decode(&m, &r, w->buf, w->len);
	if (rc == 0)
		cairn_ctl_request_free(m);
	else
		assert_null(m);
	return rc;
}

static int
decode_rep(const struct pbw *w)
{
	struct cairn_ctl_reply rep;
	int	rc;

	rc = cairn_ctl_reply_decode(&rep, w->buf, w->len);
	cairn_ctl_reply_clear(&rep);
	return rc;
}

/* A submit request with the given parts; NULL leaves a part out. */
static void
submit_pb(struct pbw *w, uint32_t version, const char *from, const char *org,
    const char *fn, size_t replylen)
{
	struct pbw sub = { .len = 0 }, to = { .len = 0 };
	uint8_t	reply[32] = { 1 };

	w->len = 0;
	pb_uint(w, 1, version);
	pb_uint(w, 2, CAIRN_CTL_SUBMIT);
	if (from != NULL)
		pb_str(&sub, 1, from);
	if (org != NULL || fn != NULL) {
		if (org != NULL)
			pb_str(&to, 1, org);
		if (fn != NULL)
			pb_str(&to, 2, fn);
		pb_msg(&sub, 2, &to);
	}
	pb_str(&sub, 3, "payload");
	if (replylen)
		pb_bytes(&sub, 4, reply, replylen);
	pb_msg(w, 3, &sub);
}

static void
query_pb(struct pbw *w, enum cairn_ctl_command cmd, size_t idlen,
    const char *function)
{
	struct pbw q = { .len = 0 };
	uint8_t	id[32] = { 7 };

	w->len = 0;
	pb_uint(w, 1, CAIRN_CTL_VERSION);
	pb_uint(w, 2, cmd);
	if (idlen)
		pb_bytes(&q, 1, id, idlen);
	if (function != NULL)
		pb_str(&q, 2, function);
	pb_msg(w, 4, &q);
}

/* One MessageInfo inside a reply, with chosen lengths and names. */
static void
info_pb(struct pbw *w, size_t idlen, size_t hashlen, int kind,
    const char *org, const char *state)
{
	struct pbw mi = { .len = 0 }, from = { .len = 0 }, to = { .len = 0 };
	uint8_t	bytes[40] = { 9 };

	pb_bytes(&mi, 1, bytes, idlen);
	pb_uint(&mi, 3, (uint64_t)kind);
	pb_str(&from, 1, org);
	pb_str(&from, 2, "elevhalsa");
	pb_msg(&mi, 4, &from);
	pb_str(&to, 1, "alingsas.uph");
	pb_str(&to, 2, "konsultation");
	pb_msg(&mi, 5, &to);
	pb_str(&mi, 6, state);
	pb_bytes(&mi, 13, bytes, hashlen);
	pb_bytes(&mi, 15, bytes, CAIRN_MSG_ID_BYTES);
	w->len = 0;
	pb_msg(w, 4, &mi);
}

/* A list query with a function, a state and a limit; NULL leaves out. */
static void
list_pb(struct pbw *w, enum cairn_ctl_command cmd, const char *function,
    const char *state, uint32_t limit)
{
	struct pbw q = { .len = 0 };

	w->len = 0;
	pb_uint(w, 1, CAIRN_CTL_VERSION);
	pb_uint(w, 2, cmd);
	if (function != NULL)
		pb_str(&q, 2, function);
	if (limit != 0)
		pb_uint(&q, 3, limit);
	if (state != NULL)
		pb_str(&q, 4, state);
	pb_msg(w, 4, &q);
}

/* A CaseInfo with chosen fields; NULL leaves a field out. */
static void
case_body(struct pbw *ci, size_t idlen, const char *state,
    const char *peer_org, const char *due, const char *contact_by,
    uint64_t channel)
{
	struct pbw peer = { .len = 0 };
	uint8_t	bytes[40] = { 3 };

	ci->len = 0;
	pb_bytes(ci, 1, bytes, idlen);
	pb_uint(ci, 2, 1);
	if (state != NULL)
		pb_str(ci, 3, state);
	pb_str(ci, 4, "skolskoterska");
	if (peer_org != NULL) {
		pb_str(&peer, 1, peer_org);
		pb_str(&peer, 2, "konsultation");
		pb_msg(ci, 5, &peer);
	}
	pb_uint(ci, 7, 1795000000000ULL);
	if (due != NULL)
		pb_str(ci, 9, due);
	if (contact_by != NULL)
		pb_str(ci, 10, contact_by);
	if (channel != 0)
		pb_uint(ci, 11, channel);
}

/* A reply holding that one case. */
static void
case_pb(struct pbw *w, size_t idlen, const char *state, const char *peer_org,
    const char *due, const char *contact_by, uint64_t channel)
{
	struct pbw ci;

	case_body(&ci, idlen, state, peer_org, due, contact_by, channel);
	w->len = 0;
	pb_msg(w, 6, &ci);
}

/* ---- sample values ------------------------------------------------------- */

static void
sample_info(struct cairn_ctl_info *in, const uint8_t *id, bool outgoing)
{
	memset(in, 0, sizeof(*in));
	memcpy(in->msg_id, id, CAIRN_MSG_ID_BYTES);
	in->outgoing = outgoing;
	in->kind = CAIRN_KIND_REQUEST;
	strcpy(in->from_org, "lerum.elevhalsa");
	strcpy(in->from_function, "elevhalsa");
	strcpy(in->to_org, "alingsas.uph");
	strcpy(in->to_function, "konsultation");
	strcpy(in->state, "QUEUED");
	in->attempts = 3;
	in->last_error = CAIRN_ETIMEOUT;
	strcpy(in->last_error_text, "peer did not answer");
	in->created_ms = 1795000000000LL;
	in->expires_ms = 1795000000000LL + 14 * 86400000LL;
	in->receipt_ms = 0;
	in->next_attempt_ms = 1795000060000LL;
	memset(in->envelope_hash, 0x5a, sizeof(in->envelope_hash));
	memset(in->conversation_id, 0xc0, sizeof(in->conversation_id));
	in->has_reply_to = true;
	memset(in->in_reply_to, 0x11, sizeof(in->in_reply_to));
}

static void
sample_case(struct cairn_ctl_case *k, const uint8_t *id, bool sent)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->request_id, id, CAIRN_MSG_ID_BYTES);
	k->sent = sent;
	strcpy(k->state, "GUARANTEED");
	strcpy(k->function, sent ? "skolskoterska" : "konsultation");
	strcpy(k->peer_org, sent ? "alingsas.uph" : "lerum.elevhalsa");
	strcpy(k->peer_function, sent ? "konsultation" : "skolskoterska");
	k->created_ms = 1795000000000LL;
	k->delivered_ms = 1795000002000LL;
	k->due_ms = 1795300000000LL;
	strcpy(k->due, "2026-11-18");
	strcpy(k->contact_by, "2026-11-17");
	k->channel = CAIRN_CHANNEL_VIDEO;
	k->updated_ms = 1795000100000LL;
	k->guarantee_days = 3;
}

/* A reply payload about the request request_id. */
static struct cairn_payload *
sample_guarantee(const uint8_t *request_id)
{
	struct cairn_payload *p;

	p = cairn_payload_new(CAIRN_KIND_GUARANTEE);
	assert_non_null(p);
	memcpy(p->u.guarantee.request_id, request_id, CAIRN_MSG_ID_BYTES);
	strcpy(p->u.guarantee.contact_by, "2026-11-17");
	p->u.guarantee.channel = CAIRN_CHANNEL_PHONE;
	p->u.guarantee.note = strdup("Ring efter 14.");
	return p;
}

static struct cairn_payload *
sample_payload(const char *subject, enum cairn_consent_by by)
{
	struct cairn_payload *p;

	p = cairn_payload_new(CAIRN_KIND_REQUEST);
	assert_non_null(p);
	p->u.request.subject = strdup(subject);
	p->u.request.consent_by = by;
	strcpy(p->u.request.consent_date, "2024-01-10");
	p->u.request.consent_scope = strdup("");
	p->u.request.urgency = CAIRN_URGENCY_SOON;
	p->u.request.age_band = CAIRN_AGE_13_15;
	p->u.request.question = strdup("Sleeps badly, avoids school.");
	assert_int_equal(cairn_payload_attach(p, "note.txt", "text/plain",
	    (const uint8_t *)"hello", 5), 0);
	return p;
}

/* ---- encoding and decoding ----------------------------------------------- */

static void
request_sample(struct cairn_ctl_request *r, enum cairn_ctl_command cmd)
{
	static const uint8_t payload[] = { 0x0a, 0x03, 'a', 'b', 'c' };

	memset(r, 0, sizeof(*r));
	r->command = cmd;
	switch (cmd) {
	case CAIRN_CTL_SUBMIT:
		strcpy(r->from_function, "elevhalsa");
		strcpy(r->to_org, "alingsas.uph");
		strcpy(r->to_function, "konsultation");
		r->payload = payload;
		r->payload_len = sizeof(payload);
		r->has_reply_to = true;
		memcpy(r->in_reply_to, ID_B, CAIRN_MSG_ID_BYTES);
		r->ttl_s = 86400;
		break;
	case CAIRN_CTL_STATUS:
	case CAIRN_CTL_SHOW:
		memcpy(r->msg_id, ID_A, CAIRN_MSG_ID_BYTES);
		break;
	case CAIRN_CTL_OUTBOX:
	case CAIRN_CTL_INBOX:
	case CAIRN_CTL_OVERDUE:
		strcpy(r->function, "konsultation");
		r->limit = 50;
		break;
	case CAIRN_CTL_CASES:
		strcpy(r->function, "skolskoterska");
		strcpy(r->state, "OVERDUE");
		r->limit = CAIRN_CTL_LIST_MAX;
		break;
	default:
		break;
	}
}

static void
test_control_request_roundtrip(void **state)
{
	struct cairn_ctl_request in;
	const struct cairn_ctl_request *out;
	struct cairn_ctl_request_msg *m;
	uint8_t	*buf;
	size_t	 len;
	int	 cmd;

	(void)state;
	for (cmd = CAIRN_CTL_SUBMIT; cmd <= CAIRN_CTL_MAX; cmd++) {
		request_sample(&in, (enum cairn_ctl_command)cmd);
		assert_int_equal(cairn_ctl_request_encode(&in, &buf, &len), 0);
		assert_int_equal(cairn_ctl_request_decode(&m, &out, buf, len),
		    0);
		assert_int_equal(out->command, cmd);
		assert_string_equal(out->from_function, in.from_function);
		assert_string_equal(out->to_org, in.to_org);
		assert_string_equal(out->to_function, in.to_function);
		assert_int_equal(out->payload_len, in.payload_len);
		if (in.payload_len) {
			assert_memory_equal(out->payload, in.payload,
			    in.payload_len);
			/* It points into the message, not into buf. */
			assert_true(out->payload < buf ||
			    out->payload >= buf + len);
		}
		assert_int_equal(out->has_reply_to, in.has_reply_to);
		assert_memory_equal(out->in_reply_to, in.in_reply_to,
		    CAIRN_MSG_ID_BYTES);
		assert_int_equal(out->ttl_s, in.ttl_s);
		assert_memory_equal(out->msg_id, in.msg_id,
		    CAIRN_MSG_ID_BYTES);
		assert_string_equal(out->function, in.function);
		assert_string_equal(out->state, in.state);
		assert_int_equal(out->limit, in.limit);
		cairn_ctl_request_free(m);
		free(buf);
	}

	/* A list for every function, and a submit that answers nothing. */
	request_sample(&in, CAIRN_CTL_INBOX);
	in.function[0] = '\0';
	in.limit = 0;
	assert_int_equal(cairn_ctl_request_encode(&in, &buf, &len), 0);
	assert_int_equal(cairn_ctl_request_decode(&m, &out, buf, len), 0);
	assert_string_equal(out->function, "");
	cairn_ctl_request_free(m);
	free(buf);
	request_sample(&in, CAIRN_CTL_SUBMIT);
	in.has_reply_to = false;
	assert_int_equal(cairn_ctl_request_encode(&in, &buf, &len), 0);
	assert_int_equal(cairn_ctl_request_decode(&m, &out, buf, len), 0);
	assert_false(out->has_reply_to);
	cairn_ctl_request_free(m);
	free(buf);
	cairn_ctl_request_free(NULL);
}

static void
assert_info_equal(const struct cairn_ctl_info *a,
    const struct cairn_ctl_info *b)
{
	assert_memory_equal(a->msg_id, b->msg_id, CAIRN_MSG_ID_BYTES);
	assert_int_equal(a->outgoing, b->outgoing);
	assert_int_equal(a->kind, b->kind);
	assert_string_equal(a->from_org, b->from_org);
	assert_string_equal(a->from_function, b->from_function);
	assert_string_equal(a->to_org, b->to_org);
	assert_string_equal(a->to_function, b->to_function);
	assert_string_equal(a->state, b->state);
	assert_int_equal(a->attempts, b->attempts);
	assert_int_equal(a->last_error, b->last_error);
	assert_string_equal(a->last_error_text, b->last_error_text);
	assert_int_equal(a->created_ms, b->created_ms);
	assert_int_equal(a->expires_ms, b->expires_ms);
	assert_int_equal(a->receipt_ms, b->receipt_ms);
	assert_int_equal(a->next_attempt_ms, b->next_attempt_ms);
	assert_memory_equal(a->envelope_hash, b->envelope_hash,
	    CAIRN_HASH_BYTES);
	assert_memory_equal(a->conversation_id, b->conversation_id,
	    CAIRN_MSG_ID_BYTES);
	assert_int_equal(a->has_reply_to, b->has_reply_to);
	if (a->has_reply_to)
		assert_memory_equal(a->in_reply_to, b->in_reply_to,
		    CAIRN_MSG_ID_BYTES);
}

static void
assert_case_equal(const struct cairn_ctl_case *a,
    const struct cairn_ctl_case *b)
{
	assert_memory_equal(a->request_id, b->request_id, CAIRN_MSG_ID_BYTES);
	assert_int_equal(a->sent, b->sent);
	assert_string_equal(a->state, b->state);
	assert_string_equal(a->function, b->function);
	assert_string_equal(a->peer_org, b->peer_org);
	assert_string_equal(a->peer_function, b->peer_function);
	assert_int_equal(a->created_ms, b->created_ms);
	assert_int_equal(a->delivered_ms, b->delivered_ms);
	assert_int_equal(a->due_ms, b->due_ms);
	assert_string_equal(a->due, b->due);
	assert_string_equal(a->contact_by, b->contact_by);
	assert_int_equal(a->channel, b->channel);
	assert_string_equal(a->redirect_org, b->redirect_org);
	assert_string_equal(a->redirect_function, b->redirect_function);
	assert_int_equal(a->updated_ms, b->updated_ms);
	assert_int_equal(a->guarantee_days, b->guarantee_days);
}

static void
reply_roundtrip(const struct cairn_ctl_reply *in)
{
	struct cairn_ctl_reply out;
	uint8_t	*buf;
	size_t	 len, i;

	assert_int_equal(cairn_ctl_reply_encode(in, &buf, &len), 0);
	assert_int_equal(cairn_ctl_reply_decode(&out, buf, len), 0);
	assert_int_equal(out.code, in->code);
	assert_string_equal(out.error, in->error);
	assert_memory_equal(out.msg_id, in->msg_id, CAIRN_MSG_ID_BYTES);
	assert_int_equal(out.ninfos, in->ninfos);
	for (i = 0; i < in->ninfos; i++)
		assert_info_equal(&out.infos[i], &in->infos[i]);
	assert_int_equal(out.ncases, in->ncases);
	for (i = 0; i < in->ncases; i++)
		assert_case_equal(&out.cases[i], &in->cases[i]);
	assert_int_equal(out.payload_len, in->payload_len);
	if (in->payload_len)
		assert_memory_equal(out.payload, in->payload, in->payload_len);
	assert_int_equal(out.truncated, in->truncated);
	cairn_ctl_reply_clear(&out);
	assert_null(out.infos);
	assert_null(out.cases);
	assert_int_equal(out.ncases, 0);
	assert_null(out.payload);
	free(buf);
}

static void
test_control_reply_roundtrip(void **state)
{
	struct cairn_ctl_reply rep;
	struct cairn_ctl_info infos[3];
	uint8_t	payload[300];

	(void)state;
	/* ping */
	memset(&rep, 0, sizeof(rep));
	reply_roundtrip(&rep);
	/* submit */
	memcpy(rep.msg_id, ID_A, CAIRN_MSG_ID_BYTES);
	reply_roundtrip(&rep);
	/* refusal */
	memset(&rep, 0, sizeof(rep));
	rep.code = CAIRN_EDENIED;
	strcpy(rep.error, "uid 1001 may not send as konsultation");
	reply_roundtrip(&rep);
	rep.code = -EIO;
	reply_roundtrip(&rep);
	/* status */
	memset(&rep, 0, sizeof(rep));
	sample_info(&infos[0], ID_A, true);
	rep.infos = infos;
	rep.ninfos = 1;
	reply_roundtrip(&rep);
	/* outbox, inbox */
	sample_info(&infos[1], ID_B, false);
	infos[1].has_reply_to = false;
	infos[1].from_org[0] = '\0';
	infos[1].last_error = 0;
	infos[1].last_error_text[0] = '\0';
	sample_info(&infos[2], ID_UNKNOWN, true);
	infos[2].kind = CAIRN_KIND_WITHDRAWAL;
	strcpy(infos[2].state, "DELIVERED");
	infos[2].receipt_ms = 1795000001234LL;
	rep.ninfos = 3;
	reply_roundtrip(&rep);
	/* a list cut off at the cap, and an empty one that says so */
	rep.truncated = true;
	reply_roundtrip(&rep);
	rep.ninfos = 0;
	reply_roundtrip(&rep);
	rep.truncated = false;
	/* show */
	randombytes_buf(payload, sizeof(payload));
	rep.ninfos = 1;
	rep.payload = payload;
	rep.payload_len = sizeof(payload);
	reply_roundtrip(&rep);
}

static void
test_control_encode_refuses_bad_input(void **state)
{
	struct cairn_ctl_request req;
	struct cairn_ctl_reply rep;
	struct cairn_ctl_info info;
	uint8_t	*buf;
	size_t	 len;

	(void)state;
	request_sample(&req, CAIRN_CTL_NONE);
	assert_int_equal(cairn_ctl_request_encode(&req, &buf, &len),
	    CAIRN_EINVAL);
	assert_null(buf);
	req.command = (enum cairn_ctl_command)(CAIRN_CTL_MAX + 1);
	assert_int_equal(cairn_ctl_request_encode(&req, &buf, &len),
	    CAIRN_EINVAL);
	request_sample(&req, CAIRN_CTL_SUBMIT);
	strcpy(req.from_function, "Elevhalsa");
	assert_int_equal(cairn_ctl_request_encode(&req, &buf, &len),
	    CAIRN_EINVAL);
	request_sample(&req, CAIRN_CTL_SUBMIT);
	strcpy(req.to_org, "bad org");
	assert_int_equal(cairn_ctl_request_encode(&req, &buf, &len),
	    CAIRN_EINVAL);
	request_sample(&req, CAIRN_CTL_SUBMIT);
	req.payload_len = 0;
	assert_int_equal(cairn_ctl_request_encode(&req, &buf, &len),
	    CAIRN_EINVAL);
	request_sample(&req, CAIRN_CTL_OUTBOX);
	memset(req.function, 'a', sizeof(req.function));
	assert_int_equal(cairn_ctl_request_encode(&req, &buf, &len),
	    CAIRN_EINVAL);
	request_sample(&req, CAIRN_CTL_OUTBOX);
	req.limit = CAIRN_CTL_LIST_MAX + 1;
	assert_int_equal(cairn_ctl_request_encode(&req, &buf, &len),
	    CAIRN_EINVAL);

	memset(&rep, 0, sizeof(rep));
	rep.code = 1;
	assert_int_equal(cairn_ctl_reply_encode(&rep, &buf, &len),
	    CAIRN_EINVAL);
	rep.code = 0;
	sample_info(&info, ID_A, true);
	info.kind = CAIRN_KIND_NONE;
	rep.infos = &info;
	rep.ninfos = 1;
	assert_int_equal(cairn_ctl_reply_encode(&rep, &buf, &len),
	    CAIRN_EINVAL);
	sample_info(&info, ID_A, true);
	memset(info.state, 'X', sizeof(info.state));
	assert_int_equal(cairn_ctl_reply_encode(&rep, &buf, &len),
	    CAIRN_EINVAL);
	sample_info(&info, ID_A, true);
	rep.ninfos = CAIRN_CTL_LIST_MAX + 1;
	assert_int_equal(cairn_ctl_reply_encode(&rep, &buf, &len),
	    CAIRN_EINVAL);
}

static void
test_control_request_truncated(void **state)
{
	struct cairn_ctl_request in;
	struct pbw w;
	uint8_t	*buf;
	size_t	 len, cut;
	int	 cmd, rc;

	(void)state;
	for (cmd = CAIRN_CTL_SUBMIT; cmd <= CAIRN_CTL_MAX; cmd++) {
		request_sample(&in, (enum cairn_ctl_command)cmd);
		assert_int_equal(cairn_ctl_request_encode(&in, &buf, &len), 0);
		for (cut = 0; cut < len; cut++) {
			assert_true(cut <= sizeof(w.buf));
			memcpy(w.buf, buf, cut);
			w.len = cut;
			rc = decode_req(&w);
			if (rc != CAIRN_EMALFORMED && rc != CAIRN_EVERSION &&
			    rc != CAIRN_EFIELD)
				fail_msg("command %d cut at %zu of %zu: %d",
				    cmd, cut, len, rc);
		}
		free(buf);
	}
}

/*
 * A reply cut at a field boundary can still parse: ZeroMQ delivers whole
 * messages, and the client checks that what it asked for is there.  Every
 * cut must either fail or visibly lack something.
 */
static void
test_control_reply_truncated(void **state)
{
	struct cairn_ctl_reply in, out;
	struct cairn_ctl_info infos[2];
	uint8_t	payload[64], *buf;
	size_t	 len, cut;
	int	 rc;

	(void)state;
	memset(&in, 0, sizeof(in));
	sample_info(&infos[0], ID_A, true);
	sample_info(&infos[1], ID_B, false);
	in.infos = infos;
	in.ninfos = 2;
	memset(payload, 0x42, sizeof(payload));
	in.payload = payload;
	in.payload_len = sizeof(payload);
	memcpy(in.msg_id, ID_A, CAIRN_MSG_ID_BYTES);
	assert_int_equal(cairn_ctl_reply_encode(&in, &buf, &len), 0);
	for (cut = 0; cut < len; cut++) {
		rc = cairn_ctl_reply_decode(&out, buf, cut);
		if (rc == 0)
			assert_true(out.ninfos < in.ninfos ||
			    out.payload_len < in.payload_len);
		else
			assert_true(rc == CAIRN_EMALFORMED ||
			    rc == CAIRN_EFIELD);
		cairn_ctl_reply_clear(&out);
	}
	free(buf);
}

static void
test_control_garbage_and_bitflips(void **state)
{
	static const uint8_t seed[randombytes_SEEDBYTES] = { 'c', 't', 'l' };
	struct cairn_ctl_request in;
	struct cairn_ctl_reply rep;
	struct cairn_ctl_info info;
	struct pbw w;
	uint8_t	 rnd[4096], *buf;
	size_t	 len, bit, off;
	int	 i, rc;

	(void)state;
	randombytes_buf_deterministic(rnd, sizeof(rnd), seed);
	for (i = 0; i < 20000; i++) {
		off = (size_t)(rnd[i % sizeof(rnd)] * 13u + i) %
		    (sizeof(rnd) - 256);
		w.len = len = (size_t)rnd[(i * 7) % sizeof(rnd)];
		memcpy(w.buf, rnd + off, len);
		assert_int_not_equal(decode_req(&w), 0);
		rc = decode_rep(&w);
		assert_true(rc <= 0);
		rnd[i % sizeof(rnd)] ^= (uint8_t)(i * 31);
	}

	/* Every single-bit flip: refused or decoded, never a crash. */
	request_sample(&in, CAIRN_CTL_SUBMIT);
	assert_int_equal(cairn_ctl_request_encode(&in, &buf, &len), 0);
	for (bit = 0; bit < 8 * len; bit++) {
		w.len = len;
		memcpy(w.buf, buf, len);
		w.buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		(void)decode_req(&w);
	}
	free(buf);
	memset(&rep, 0, sizeof(rep));
	sample_info(&info, ID_A, true);
	rep.infos = &info;
	rep.ninfos = 1;
	assert_int_equal(cairn_ctl_reply_encode(&rep, &buf, &len), 0);
	for (bit = 0; bit < 8 * len; bit++) {
		w.len = len;
		memcpy(w.buf, buf, len);
		w.buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		(void)decode_rep(&w);
	}
	free(buf);
}

static void
test_control_wrong_version(void **state)
{
	struct pbw w;

	(void)state;
	w.len = 0;
	pb_uint(&w, 1, CAIRN_CTL_VERSION + 1);
	pb_uint(&w, 2, CAIRN_CTL_PING);
	assert_int_equal(decode_req(&w), CAIRN_EVERSION);
	w.len = 0;
	pb_uint(&w, 2, CAIRN_CTL_PING);
	assert_int_equal(decode_req(&w), CAIRN_EVERSION);
	w.len = 0;
	pb_uint(&w, 1, 0xffffffffu);
	pb_uint(&w, 2, CAIRN_CTL_PING);
	assert_int_equal(decode_req(&w), CAIRN_EVERSION);
	submit_pb(&w, 0, "elevhalsa", "alingsas.uph", "konsultation", 0);
	assert_int_equal(decode_req(&w), CAIRN_EVERSION);
	w.len = 0;
	pb_uint(&w, 1, CAIRN_CTL_VERSION);
	pb_uint(&w, 2, CAIRN_CTL_PING);
	assert_int_equal(decode_req(&w), 0);
}

static void
test_control_bad_command(void **state)
{
	struct pbw w, q = { .len = 0 };
	uint8_t	dummy = 0;

	(void)state;
	w.len = 0;
	pb_uint(&w, 1, CAIRN_CTL_VERSION);
	assert_int_equal(decode_req(&w), CAIRN_EFIELD);
	pb_uint(&w, 2, CAIRN_CTL_MAX + 1);
	assert_int_equal(decode_req(&w), CAIRN_EFIELD);
	/* A ping that carries a query, a status that carries no query. */
	w.len = 0;
	pb_uint(&w, 1, CAIRN_CTL_VERSION);
	pb_uint(&w, 2, CAIRN_CTL_PING);
	pb_msg(&w, 4, &q);
	assert_int_equal(decode_req(&w), CAIRN_EFIELD);
	w.len = 0;
	pb_uint(&w, 1, CAIRN_CTL_VERSION);
	pb_uint(&w, 2, CAIRN_CTL_STATUS);
	assert_int_equal(decode_req(&w), CAIRN_EFIELD);
	/* A submit that carries a query too. */
	submit_pb(&w, CAIRN_CTL_VERSION, "elevhalsa", "alingsas.uph",
	    "konsultation", 0);
	assert_int_equal(decode_req(&w), 0);
	pb_msg(&w, 4, &q);
	assert_int_equal(decode_req(&w), CAIRN_EFIELD);
	/* An unknown field. */
	w.len = 0;
	pb_uint(&w, 1, CAIRN_CTL_VERSION);
	pb_uint(&w, 2, CAIRN_CTL_PING);
	pb_uint(&w, 15, 1);
	assert_int_equal(decode_req(&w), CAIRN_EMALFORMED);
	/* Empty, and far too large (never read). */
	w.len = 0;
	assert_int_equal(decode_req(&w), CAIRN_EMALFORMED);
	{
		struct cairn_ctl_request_msg *m;
		const struct cairn_ctl_request *r;
		struct cairn_ctl_reply rep;

		assert_int_equal(cairn_ctl_request_decode(&m, &r, &dummy,
		    CAIRN_CTL_MAX_BYTES + 1), CAIRN_ETOOBIG);
		assert_int_equal(cairn_ctl_reply_decode(&rep, &dummy,
		    CAIRN_CTL_MAX_BYTES + 1), CAIRN_ETOOBIG);
	}
}

static void
test_control_bad_msgid_length(void **state)
{
	static const size_t bad[] = { 0, 1, 15, 17, 32 };
	struct pbw w, info;
	uint8_t	id[32] = { 1 };
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		query_pb(&w, CAIRN_CTL_STATUS, bad[i], NULL);
		assert_int_equal(decode_req(&w), CAIRN_EFIELD);
		query_pb(&w, CAIRN_CTL_SHOW, bad[i], NULL);
		assert_int_equal(decode_req(&w), CAIRN_EFIELD);
		if (bad[i] != 0) {
			submit_pb(&w, CAIRN_CTL_VERSION, "elevhalsa",
			    "alingsas.uph", "konsultation", bad[i]);
			assert_int_equal(decode_req(&w), CAIRN_EFIELD);
		}
		/* In a reply: the submit answer, and a message's id. */
		w.len = 0;
		if (bad[i] != 0) {
			pb_bytes(&w, 3, id, bad[i]);
			assert_int_equal(decode_rep(&w), CAIRN_EFIELD);
		}
		info_pb(&info, bad[i], CAIRN_HASH_BYTES, CAIRN_KIND_REQUEST,
		    "lerum", "QUEUED");
		assert_int_equal(decode_rep(&info), CAIRN_EFIELD);
	}
	query_pb(&w, CAIRN_CTL_STATUS, CAIRN_MSG_ID_BYTES, NULL);
	assert_int_equal(decode_req(&w), 0);
	/* A list query carries no id. */
	query_pb(&w, CAIRN_CTL_OUTBOX, CAIRN_MSG_ID_BYTES, NULL);
	assert_int_equal(decode_req(&w), CAIRN_EFIELD);
	info_pb(&info, CAIRN_MSG_ID_BYTES, CAIRN_HASH_BYTES,
	    CAIRN_KIND_REQUEST, "lerum", "QUEUED");
	assert_int_equal(decode_rep(&info), 0);
}

static void
test_control_bad_reply_fields(void **state)
{
	struct pbw w;

	(void)state;
	info_pb(&w, CAIRN_MSG_ID_BYTES, 31, CAIRN_KIND_REQUEST, "lerum",
	    "QUEUED");
	assert_int_equal(decode_rep(&w), CAIRN_EFIELD);
	info_pb(&w, CAIRN_MSG_ID_BYTES, 0, CAIRN_KIND_REQUEST, "lerum",
	    "QUEUED");
	assert_int_equal(decode_rep(&w), CAIRN_EFIELD);
	info_pb(&w, CAIRN_MSG_ID_BYTES, CAIRN_HASH_BYTES, 0, "lerum",
	    "QUEUED");
	assert_int_equal(decode_rep(&w), CAIRN_EFIELD);
	info_pb(&w, CAIRN_MSG_ID_BYTES, CAIRN_HASH_BYTES, CAIRN_KIND_MAX + 1,
	    "lerum", "QUEUED");
	assert_int_equal(decode_rep(&w), CAIRN_EFIELD);
	info_pb(&w, CAIRN_MSG_ID_BYTES, CAIRN_HASH_BYTES, CAIRN_KIND_REQUEST,
	    "Lerum", "QUEUED");
	assert_int_equal(decode_rep(&w), CAIRN_EFIELD);
	info_pb(&w, CAIRN_MSG_ID_BYTES, CAIRN_HASH_BYTES, CAIRN_KIND_REQUEST,
	    "lerum", "");
	assert_int_equal(decode_rep(&w), CAIRN_EFIELD);
	info_pb(&w, CAIRN_MSG_ID_BYTES, CAIRN_HASH_BYTES, CAIRN_KIND_REQUEST,
	    "lerum", "A_STATE_TOO_LONG");
	assert_int_equal(decode_rep(&w), CAIRN_EFIELD);
	info_pb(&w, CAIRN_MSG_ID_BYTES, CAIRN_HASH_BYTES, CAIRN_KIND_REQUEST,
	    "lerum", "BAD\x1b[2J");
	assert_int_equal(decode_rep(&w), CAIRN_EFIELD);
	info_pb(&w, CAIRN_MSG_ID_BYTES, CAIRN_HASH_BYTES, CAIRN_KIND_REQUEST,
	    "", "QUEUED");
	assert_int_equal(decode_rep(&w), 0);

	/* Codes are 0 or negative; error text is one line of UTF-8. */
	w.len = 0;
	pb_uint(&w, 1, 5);
	assert_int_equal(decode_rep(&w), CAIRN_EFIELD);
	w.len = 0;
	pb_uint(&w, 1, (uint64_t)(int64_t)CAIRN_EDENIED);
	pb_str(&w, 2, "no\nway");
	assert_int_equal(decode_rep(&w), CAIRN_EFIELD);
	w.len = 0;
	pb_uint(&w, 1, (uint64_t)(int64_t)CAIRN_EDENIED);
	pb_str(&w, 2, "\xff\xfe");
	assert_int_equal(decode_rep(&w), CAIRN_EFIELD);
	w.len = 0;
	pb_uint(&w, 1, (uint64_t)(int64_t)CAIRN_EDENIED);
	pb_str(&w, 2, "not allowed");
	assert_int_equal(decode_rep(&w), 0);
	w.len = 0;
	pb_uint(&w, 12, 1);
	assert_int_equal(decode_rep(&w), CAIRN_EMALFORMED);
}

static void
test_control_bad_address(void **state)
{
	static const struct {
		const char	*from, *org, *fn;
		int		 rc;
	} t[] = {
		{ "elevhalsa", "alingsas.uph", "konsultation", 0 },
		{ "elevhalsa", "Alingsas", "konsultation", CAIRN_EADDRESS },
		{ "elevhalsa", "alingsas..uph", "konsultation",
		    CAIRN_EADDRESS },
		{ "elevhalsa", "alingsas.uph", "Konsultation", CAIRN_EADDRESS },
		{ "elevhalsa", "alingsas.uph", "a/b", CAIRN_EADDRESS },
		{ "elevhalsa", "", "konsultation", CAIRN_EADDRESS },
		{ "elevhalsa", "alingsas.uph", "", CAIRN_EADDRESS },
		{ "elevhalsa", "alingsas.uph", NULL, CAIRN_EADDRESS },
		{ "elevhalsa", NULL, NULL, CAIRN_EADDRESS },
		{ "Elevhalsa", "alingsas.uph", "konsultation",
		    CAIRN_EFUNCTION },
		{ "", "alingsas.uph", "konsultation", CAIRN_EFUNCTION },
		{ NULL, "alingsas.uph", "konsultation", CAIRN_EFUNCTION },
		{ "elev halsa", "alingsas.uph", "konsultation",
		    CAIRN_EFUNCTION },
	};
	char	 longname[CAIRN_FUNCTION_MAX + 2];
	struct pbw w;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		submit_pb(&w, CAIRN_CTL_VERSION, t[i].from, t[i].org, t[i].fn,
		    0);
		if (decode_req(&w) != t[i].rc)
			fail_msg("case %zu: want %d", i, t[i].rc);
	}
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	submit_pb(&w, CAIRN_CTL_VERSION, longname, "alingsas.uph",
	    "konsultation", 0);
	assert_int_equal(decode_req(&w), CAIRN_EFUNCTION);
	submit_pb(&w, CAIRN_CTL_VERSION, "elevhalsa", "alingsas.uph",
	    longname, 0);
	assert_int_equal(decode_req(&w), CAIRN_EADDRESS);
	query_pb(&w, CAIRN_CTL_INBOX, 0, "Konsultation");
	assert_int_equal(decode_req(&w), CAIRN_EFUNCTION);
	query_pb(&w, CAIRN_CTL_INBOX, 0, longname);
	assert_int_equal(decode_req(&w), CAIRN_EFUNCTION);
	query_pb(&w, CAIRN_CTL_INBOX, 0, "konsultation");
	assert_int_equal(decode_req(&w), 0);
}

static void
test_control_msgid_text(void **state)
{
	static const struct {
		const char	*hex;
		int		 rc;
	} t[] = {
		{ "a00102030405060708090a0b0c0d0e0f", 0 },
		{ "A00102030405060708090A0B0C0D0E0F", 0 },
		{ "a00102030405060708090A0b0C0d0E0F", 0 },
		{ "a00102030405060708090a0b0c0d0e0", CAIRN_EMALFORMED },
		{ "a00102030405060708090a0b0c0d0e0f0", CAIRN_EMALFORMED },
		{ "a00102030405060708090a0b0c0d0e0f ", CAIRN_EMALFORMED },
		{ " a00102030405060708090a0b0c0d0e0f", CAIRN_EMALFORMED },
		{ "a00102030405060708090a0b0c0d0e0f\n", CAIRN_EMALFORMED },
		{ "g00102030405060708090a0b0c0d0e0f", CAIRN_EMALFORMED },
		{ "a0010203-04050607-0809-0a0b0c0d0", CAIRN_EMALFORMED },
		{ "0xa00102030405060708090a0b0c0d0e", CAIRN_EMALFORMED },
		{ "", CAIRN_EMALFORMED },
		{ NULL, CAIRN_EMALFORMED },
	};
	static const uint8_t zero[CAIRN_MSG_ID_BYTES];
	uint8_t	id[CAIRN_MSG_ID_BYTES];
	char	hex[CAIRN_MSGID_HEX_BYTES];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(id, 0xee, sizeof(id));
		if (cairn_msgid_parse(id, t[i].hex) != t[i].rc)
			fail_msg("case %zu: want %d", i, t[i].rc);
		assert_memory_equal(id, t[i].rc == 0 ? ID_A : zero,
		    sizeof(id));
	}
	cairn_msgid_format(hex, ID_A);
	assert_string_equal(hex, "a00102030405060708090a0b0c0d0e0f");
	cairn_msgid_format(hex, ID_B);
	assert_int_equal(cairn_msgid_parse(id, hex), 0);
	assert_memory_equal(id, ID_B, sizeof(id));
}

/* ---- cases, overdue, replies to a case --------------------------------- */

static void
test_control_cases_reply_roundtrip(void **state)
{
	struct cairn_ctl_reply rep;
	struct cairn_ctl_case cases[4];

	(void)state;
	memset(&rep, 0, sizeof(rep));
	sample_case(&cases[0], ID_A, true);
	rep.cases = cases;
	rep.ncases = 1;
	reply_roundtrip(&rep);
	/* Received, redirected, not yet delivered anywhere, nothing due. */
	sample_case(&cases[1], ID_B, false);
	strcpy(cases[1].state, "REDIRECTED");
	strcpy(cases[1].redirect_org, "alingsas.soc");
	strcpy(cases[1].redirect_function, "mottagning");
	cases[1].contact_by[0] = '\0';
	cases[1].channel = CAIRN_CHANNEL_NONE;
	sample_case(&cases[2], ID_UNKNOWN, true);
	strcpy(cases[2].state, "QUEUED");
	cases[2].delivered_ms = cases[2].due_ms = 0;
	cases[2].due[0] = cases[2].contact_by[0] = '\0';
	cases[2].channel = CAIRN_CHANNEL_NONE;
	cases[2].guarantee_days = 0;
	/* Every field at its edge. */
	sample_case(&cases[3], ID_A, false);
	strcpy(cases[3].state, "ABCDEFGHIJKLMNO");
	cases[3].function[0] = '\0';
	cases[3].peer_org[0] = cases[3].peer_function[0] = '\0';
	strcpy(cases[3].due, "9999-12-31");
	strcpy(cases[3].contact_by, "1900-01-01");
	cases[3].channel = CAIRN_CHANNEL_MAX;
	cases[3].guarantee_days = UINT32_MAX;
	cases[3].updated_ms = INT64_MAX;
	rep.ncases = 4;
	reply_roundtrip(&rep);
	/* Alongside messages (a daemon has no reason to, but it decodes). */
	{
		struct cairn_ctl_info info;

		sample_info(&info, ID_A, true);
		rep.infos = &info;
		rep.ninfos = 1;
		reply_roundtrip(&rep);
	}
}

static void
test_control_cases_encode_refuses(void **state)
{
	static const struct {
		const char	*what;
		int		 field;
		const char	*value;
	} t[] = {
		{ "empty state", 0, "" },
		{ "lowercase state", 0, "overdue" },
		{ "state with _", 0, "NOT_YET" },
		{ "state with digit", 0, "STATE2" },
		{ "bad function", 1, "Konsultation" },
		{ "bad peer org", 2, "alingsas..uph" },
		{ "bad peer function", 3, "a/b" },
		{ "bad due", 4, "2026-02-30" },
		{ "due not a date", 4, "soon" },
		{ "bad contact_by", 5, "2026-13-01" },
		{ "bad redirect org", 6, "Alingsas" },
		{ "bad redirect function", 7, "x y" },
	};
	struct cairn_ctl_reply rep;
	struct cairn_ctl_case k;
	uint8_t	*buf;
	size_t	 len, i;
	char	*f;

	(void)state;
	memset(&rep, 0, sizeof(rep));
	rep.cases = &k;
	rep.ncases = 1;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		sample_case(&k, ID_A, true);
		f = t[i].field == 0 ? k.state : t[i].field == 1 ? k.function :
		    t[i].field == 2 ? k.peer_org :
		    t[i].field == 3 ? k.peer_function :
		    t[i].field == 4 ? k.due : t[i].field == 5 ? k.contact_by :
		    t[i].field == 6 ? k.redirect_org : k.redirect_function;
		strcpy(f, t[i].value);
		if (cairn_ctl_reply_encode(&rep, &buf, &len) != CAIRN_EINVAL)
			fail_msg("%s: not refused", t[i].what);
		assert_null(buf);
	}
	sample_case(&k, ID_A, true);
	memset(k.state, 'A', sizeof(k.state));
	assert_int_equal(cairn_ctl_reply_encode(&rep, &buf, &len),
	    CAIRN_EINVAL);
	sample_case(&k, ID_A, true);
	memset(k.due, '1', sizeof(k.due));
	assert_int_equal(cairn_ctl_reply_encode(&rep, &buf, &len),
	    CAIRN_EINVAL);
	sample_case(&k, ID_A, true);
	k.channel = (enum cairn_channel)(CAIRN_CHANNEL_MAX + 1);
	assert_int_equal(cairn_ctl_reply_encode(&rep, &buf, &len),
	    CAIRN_EINVAL);
	sample_case(&k, ID_A, true);
	k.channel = (enum cairn_channel)-1;
	assert_int_equal(cairn_ctl_reply_encode(&rep, &buf, &len),
	    CAIRN_EINVAL);
	sample_case(&k, ID_A, true);
	k.due_ms = -1;
	assert_int_equal(cairn_ctl_reply_encode(&rep, &buf, &len),
	    CAIRN_EINVAL);
	sample_case(&k, ID_A, true);
	rep.ncases = CAIRN_CTL_LIST_MAX + 1;
	assert_int_equal(cairn_ctl_reply_encode(&rep, &buf, &len),
	    CAIRN_EINVAL);
	rep.cases = NULL;
	rep.ncases = 1;
	assert_int_equal(cairn_ctl_reply_encode(&rep, &buf, &len),
	    CAIRN_EINVAL);
	rep.ncases = 0;
	assert_int_equal(cairn_ctl_reply_encode(&rep, &buf, &len), 0);
	free(buf);
}

static void
test_control_cases_bad_reply(void **state)
{
	static const struct {
		size_t		 idlen;
		const char	*state, *peer_org, *due, *contact_by;
		uint64_t	 channel;
		int		 rc;
	} t[] = {
		{ 16, "OVERDUE", "alingsas.uph", "2026-11-18", "", 1, 0 },
		{ 16, "OVERDUE", NULL, NULL, NULL, 0, 0 },
		{ 16, "OVERDUE", "", "", "", 0, 0 },
		{ 16, "ABCDEFGHIJKLMNO", NULL, NULL, NULL, 4, 0 },
		{ 0, "OVERDUE", NULL, NULL, NULL, 0, CAIRN_EFIELD },
		{ 15, "OVERDUE", NULL, NULL, NULL, 0, CAIRN_EFIELD },
		{ 17, "OVERDUE", NULL, NULL, NULL, 0, CAIRN_EFIELD },
		{ 16, NULL, NULL, NULL, NULL, 0, CAIRN_EFIELD },
		{ 16, "", NULL, NULL, NULL, 0, CAIRN_EFIELD },
		{ 16, "Overdue", NULL, NULL, NULL, 0, CAIRN_EFIELD },
		{ 16, "ABCDEFGHIJKLMNOP", NULL, NULL, NULL, 0, CAIRN_EFIELD },
		{ 16, "OVER DUE", NULL, NULL, NULL, 0, CAIRN_EFIELD },
		{ 16, "OVERDUE\x1b[2J", NULL, NULL, NULL, 0, CAIRN_EFIELD },
		{ 16, "\xc3\x84NDRAD", NULL, NULL, NULL, 0, CAIRN_EFIELD },
		{ 16, "OVERDUE", "Alingsas", NULL, NULL, 0, CAIRN_EFIELD },
		{ 16, "OVERDUE", NULL, "2026-11-31", NULL, 0, CAIRN_EFIELD },
		{ 16, "OVERDUE", NULL, "2026-11-1", NULL, 0, CAIRN_EFIELD },
		{ 16, "OVERDUE", NULL, "2026-11-18 ", NULL, 0, CAIRN_EFIELD },
		{ 16, "OVERDUE", NULL, NULL, "tomorrow", 0, CAIRN_EFIELD },
		{ 16, "OVERDUE", NULL, NULL, "1899-12-31", 0, CAIRN_EFIELD },
		{ 16, "OVERDUE", NULL, NULL, NULL, 5, CAIRN_EFIELD },
		{ 16, "OVERDUE", NULL, NULL, NULL, 0xffffffff, CAIRN_EFIELD },
	};
	struct pbw w, ci, addr;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		case_pb(&w, t[i].idlen, t[i].state, t[i].peer_org, t[i].due,
		    t[i].contact_by, t[i].channel);
		if (decode_rep(&w) != t[i].rc)
			fail_msg("case %zu: want %d", i, t[i].rc);
	}

	/* The redirect address: valid, invalid, with an unknown field. */
	case_body(&ci, 16, "REDIRECTED", NULL, NULL, NULL, 0);
	addr.len = 0;
	pb_str(&addr, 1, "alingsas.soc");
	pb_str(&addr, 2, "mottagning");
	pb_msg(&ci, 12, &addr);
	w.len = 0;
	pb_msg(&w, 6, &ci);
	assert_int_equal(decode_rep(&w), 0);
	case_body(&ci, 16, "REDIRECTED", NULL, NULL, NULL, 0);
	addr.len = 0;
	pb_str(&addr, 1, "alingsas.soc");
	pb_str(&addr, 2, "Mottagning");
	pb_msg(&ci, 12, &addr);
	w.len = 0;
	pb_msg(&w, 6, &ci);
	assert_int_equal(decode_rep(&w), CAIRN_EFIELD);
	case_body(&ci, 16, "REDIRECTED", NULL, NULL, NULL, 0);
	addr.len = 0;
	pb_str(&addr, 1, "alingsas.soc");
	pb_uint(&addr, 3, 1);
	pb_msg(&ci, 12, &addr);
	w.len = 0;
	pb_msg(&w, 6, &ci);
	assert_int_equal(decode_rep(&w), CAIRN_EMALFORMED);

	/* A negative time, and a field the schema does not have. */
	case_body(&ci, 16, "QUEUED", NULL, NULL, NULL, 0);
	pb_uint(&ci, 8, (uint64_t)-5);
	w.len = 0;
	pb_msg(&w, 6, &ci);
	assert_int_equal(decode_rep(&w), CAIRN_EFIELD);
	case_body(&ci, 16, "QUEUED", NULL, NULL, NULL, 0);
	pb_uint(&ci, 15, 1);
	w.len = 0;
	pb_msg(&w, 6, &ci);
	assert_int_equal(decode_rep(&w), CAIRN_EMALFORMED);

	/* A second bad case after a good one spoils the reply. */
	case_body(&ci, 16, "QUEUED", NULL, NULL, NULL, 0);
	w.len = 0;
	pb_msg(&w, 6, &ci);
	case_body(&ci, 16, "queued", NULL, NULL, NULL, 0);
	pb_msg(&w, 6, &ci);
	assert_int_equal(decode_rep(&w), CAIRN_EFIELD);
}

/* A cases reply cut anywhere fails or visibly lacks a case. */
static void
test_control_cases_truncated_and_flipped(void **state)
{
	struct cairn_ctl_reply in, out;
	struct cairn_ctl_request req;
	struct cairn_ctl_case cases[3];
	struct pbw w;
	uint8_t	*buf;
	size_t	 len, cut, bit;
	int	 rc;

	(void)state;
	memset(&in, 0, sizeof(in));
	sample_case(&cases[0], ID_A, true);
	sample_case(&cases[1], ID_B, false);
	strcpy(cases[1].redirect_org, "alingsas.soc");
	strcpy(cases[1].redirect_function, "mottagning");
	sample_case(&cases[2], ID_UNKNOWN, true);
	in.cases = cases;
	in.ncases = 3;
	assert_int_equal(cairn_ctl_reply_encode(&in, &buf, &len), 0);
	assert_true(len <= sizeof(w.buf));
	for (cut = 0; cut < len; cut++) {
		rc = cairn_ctl_reply_decode(&out, buf, cut);
		if (rc == 0)
			assert_true(out.ncases < in.ncases);
		else
			assert_true(rc == CAIRN_EMALFORMED ||
			    rc == CAIRN_EFIELD);
		cairn_ctl_reply_clear(&out);
	}
	for (bit = 0; bit < 8 * len; bit++) {
		w.len = len;
		memcpy(w.buf, buf, len);
		w.buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		rc = decode_rep(&w);
		assert_true(rc <= 0);
	}
	free(buf);

	request_sample(&req, CAIRN_CTL_CASES);
	assert_int_equal(cairn_ctl_request_encode(&req, &buf, &len), 0);
	for (bit = 0; bit < 8 * len; bit++) {
		w.len = len;
		memcpy(w.buf, buf, len);
		w.buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		(void)decode_req(&w);
	}
	free(buf);
}

static void
test_control_cases_query(void **state)
{
	static const struct {
		enum cairn_ctl_command cmd;
		const char	*function, *state;
		uint32_t	 limit;
		int		 rc;
	} t[] = {
		{ CAIRN_CTL_CASES, NULL, NULL, 0, 0 },
		{ CAIRN_CTL_CASES, "", "", 0, 0 },
		{ CAIRN_CTL_CASES, "konsultation", "OVERDUE", 10, 0 },
		{ CAIRN_CTL_CASES, NULL, "ABCDEFGHIJKLMNO", 0, 0 },
		{ CAIRN_CTL_CASES, NULL, NULL, CAIRN_CTL_LIST_MAX, 0 },
		{ CAIRN_CTL_CASES, NULL, "overdue", 0, CAIRN_EFIELD },
		{ CAIRN_CTL_CASES, NULL, "ABCDEFGHIJKLMNOP", 0, CAIRN_EFIELD },
		{ CAIRN_CTL_CASES, NULL, "NOT_YET", 0, CAIRN_EFIELD },
		{ CAIRN_CTL_CASES, NULL, "A B", 0, CAIRN_EFIELD },
		{ CAIRN_CTL_CASES, NULL, "\x1b[2J", 0, CAIRN_EFIELD },
		{ CAIRN_CTL_CASES, NULL, "\xc3\x84", 0, CAIRN_EFIELD },
		{ CAIRN_CTL_CASES, NULL, NULL, CAIRN_CTL_LIST_MAX + 1,
		    CAIRN_EFIELD },
		{ CAIRN_CTL_CASES, "Konsultation", NULL, 0, CAIRN_EFUNCTION },
		{ CAIRN_CTL_OVERDUE, NULL, NULL, 0, 0 },
		{ CAIRN_CTL_OVERDUE, "konsultation", "", 5, 0 },
		{ CAIRN_CTL_OVERDUE, NULL, "OVERDUE", 0, CAIRN_EFIELD },
		{ CAIRN_CTL_OVERDUE, "a b", NULL, 0, CAIRN_EFUNCTION },
		{ CAIRN_CTL_INBOX, NULL, "QUEUED", 0, CAIRN_EFIELD },
		{ CAIRN_CTL_OUTBOX, NULL, "QUEUED", 0, CAIRN_EFIELD },
	};
	struct cairn_ctl_request req;
	struct pbw w;
	uint8_t	*buf;
	size_t	 len, i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		list_pb(&w, t[i].cmd, t[i].function, t[i].state, t[i].limit);
		if (decode_req(&w) != t[i].rc)
			fail_msg("case %zu: want %d", i, t[i].rc);
	}
	/* A lookup by id takes no state, a list takes no id. */
	{
		struct pbw q = { .len = 0 };
		uint8_t	id[CAIRN_MSG_ID_BYTES] = { 7 };

		pb_bytes(&q, 1, id, sizeof(id));
		pb_str(&q, 4, "QUEUED");
		w.len = 0;
		pb_uint(&w, 1, CAIRN_CTL_VERSION);
		pb_uint(&w, 2, CAIRN_CTL_SHOW);
		pb_msg(&w, 4, &q);
		assert_int_equal(decode_req(&w), CAIRN_EFIELD);
	}
	query_pb(&w, CAIRN_CTL_CASES, CAIRN_MSG_ID_BYTES, NULL);
	assert_int_equal(decode_req(&w), CAIRN_EFIELD);
	query_pb(&w, CAIRN_CTL_OVERDUE, CAIRN_MSG_ID_BYTES, NULL);
	assert_int_equal(decode_req(&w), CAIRN_EFIELD);
	/* No query at all, or a submit along with it. */
	w.len = 0;
	pb_uint(&w, 1, CAIRN_CTL_VERSION);
	pb_uint(&w, 2, CAIRN_CTL_CASES);
	assert_int_equal(decode_req(&w), CAIRN_EFIELD);
	w.len = 0;
	{
		struct pbw sub = { .len = 0 }, q = { .len = 0 };

		pb_str(&sub, 1, "elevhalsa");
		pb_uint(&w, 1, CAIRN_CTL_VERSION);
		pb_uint(&w, 2, CAIRN_CTL_OVERDUE);
		pb_msg(&w, 3, &sub);
		pb_msg(&w, 4, &q);
		assert_int_equal(decode_req(&w), CAIRN_EFIELD);
	}

	/* The encoder refuses what the decoder would. */
	request_sample(&req, CAIRN_CTL_CASES);
	strcpy(req.state, "Overdue");
	assert_int_equal(cairn_ctl_request_encode(&req, &buf, &len),
	    CAIRN_EINVAL);
	assert_null(buf);
	request_sample(&req, CAIRN_CTL_CASES);
	memset(req.state, 'A', sizeof(req.state));
	assert_int_equal(cairn_ctl_request_encode(&req, &buf, &len),
	    CAIRN_EINVAL);
	request_sample(&req, CAIRN_CTL_CASES);
	strcpy(req.function, "Bad");
	assert_int_equal(cairn_ctl_request_encode(&req, &buf, &len),
	    CAIRN_EINVAL);
	request_sample(&req, CAIRN_CTL_CASES);
	req.limit = CAIRN_CTL_LIST_MAX + 1;
	assert_int_equal(cairn_ctl_request_encode(&req, &buf, &len),
	    CAIRN_EINVAL);
	request_sample(&req, CAIRN_CTL_OVERDUE);
	strcpy(req.state, "OVERDUE");
	assert_int_equal(cairn_ctl_request_encode(&req, &buf, &len),
	    CAIRN_EINVAL);
	request_sample(&req, CAIRN_CTL_INBOX);
	strcpy(req.state, "QUEUED");
	assert_int_equal(cairn_ctl_request_encode(&req, &buf, &len),
	    CAIRN_EINVAL);
	/* A state on a lookup by id is not sent at all. */
	request_sample(&req, CAIRN_CTL_STATUS);
	strcpy(req.state, "QUEUED");
	assert_int_equal(cairn_ctl_request_encode(&req, &buf, &len), 0);
	w.len = len;
	memcpy(w.buf, buf, len);
	assert_int_equal(decode_req(&w), 0);
	free(buf);
}

/*
 * A submit that answers a case may leave the sender and the recipient to
 * the daemon; without in_reply_to both are required.  What is given is
 * checked either way.
 */
static void
test_control_reply_submit(void **state)
{
	static const struct {
		const char	*from, *org, *fn;
		size_t		 replylen;
		int		 rc;
	} t[] = {
		{ NULL, NULL, NULL, 16, 0 },
		{ "", "", "", 16, 0 },
		{ "konsultation", NULL, NULL, 16, 0 },
		{ NULL, "lerum.elevhalsa", "skolskoterska", 16, 0 },
		{ "konsultation", "lerum.elevhalsa", "skolskoterska", 16, 0 },
		{ "Konsultation", NULL, NULL, 16, CAIRN_EFUNCTION },
		{ "konsultation", "lerum.elevhalsa", NULL, 16, CAIRN_EADDRESS },
		{ "konsultation", "lerum.elevhalsa", "", 16, CAIRN_EADDRESS },
		{ NULL, NULL, "skolskoterska", 16, CAIRN_EADDRESS },
		{ NULL, "", "skolskoterska", 16, CAIRN_EADDRESS },
		{ NULL, "Lerum", "skolskoterska", 16, CAIRN_EADDRESS },
		{ NULL, "lerum.elevhalsa", "Skol", 16, CAIRN_EADDRESS },
		{ NULL, NULL, NULL, 15, CAIRN_EFIELD },
		{ NULL, NULL, NULL, 17, CAIRN_EFIELD },
		{ NULL, NULL, NULL, 0, CAIRN_EFUNCTION },
		{ "", "", "", 0, CAIRN_EFUNCTION },
		{ "konsultation", NULL, NULL, 0, CAIRN_EADDRESS },
		{ "konsultation", "", "", 0, CAIRN_EADDRESS },
	};
	struct cairn_ctl_request in;
	const struct cairn_ctl_request *out;
	struct cairn_ctl_request_msg *m;
	struct pbw w;
	uint8_t	*buf;
	size_t	 len, i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		submit_pb(&w, CAIRN_CTL_VERSION, t[i].from, t[i].org, t[i].fn,
		    t[i].replylen);
		if (decode_req(&w) != t[i].rc)
			fail_msg("case %zu: want %d", i, t[i].rc);
	}

	/* Encoded and decoded, with the addresses left out. */
	request_sample(&in, CAIRN_CTL_SUBMIT);
	in.from_function[0] = in.to_org[0] = in.to_function[0] = '\0';
	assert_int_equal(cairn_ctl_request_encode(&in, &buf, &len), 0);
	assert_int_equal(cairn_ctl_request_decode(&m, &out, buf, len), 0);
	assert_true(out->has_reply_to);
	assert_memory_equal(out->in_reply_to, ID_B, CAIRN_MSG_ID_BYTES);
	assert_string_equal(out->from_function, "");
	assert_string_equal(out->to_org, "");
	assert_string_equal(out->to_function, "");
	assert_int_equal(out->payload_len, in.payload_len);
	cairn_ctl_request_free(m);
	free(buf);
	/* Only the sender given. */
	strcpy(in.from_function, "konsultation");
	assert_int_equal(cairn_ctl_request_encode(&in, &buf, &len), 0);
	assert_int_equal(cairn_ctl_request_decode(&m, &out, buf, len), 0);
	assert_string_equal(out->from_function, "konsultation");
	assert_string_equal(out->to_org, "");
	cairn_ctl_request_free(m);
	free(buf);

	/* The encoder refuses the same. */
	in.has_reply_to = false;
	assert_int_equal(cairn_ctl_request_encode(&in, &buf, &len),
	    CAIRN_EINVAL);
	assert_null(buf);
	request_sample(&in, CAIRN_CTL_SUBMIT);
	in.has_reply_to = false;
	in.from_function[0] = '\0';
	assert_int_equal(cairn_ctl_request_encode(&in, &buf, &len),
	    CAIRN_EINVAL);
	request_sample(&in, CAIRN_CTL_SUBMIT);
	in.to_function[0] = '\0';
	assert_int_equal(cairn_ctl_request_encode(&in, &buf, &len),
	    CAIRN_EINVAL);
	request_sample(&in, CAIRN_CTL_SUBMIT);
	in.from_function[0] = in.to_org[0] = '\0';
	assert_int_equal(cairn_ctl_request_encode(&in, &buf, &len),
	    CAIRN_EINVAL);
	request_sample(&in, CAIRN_CTL_SUBMIT);
	strcpy(in.from_function, "Bad");
	in.to_org[0] = in.to_function[0] = '\0';
	assert_int_equal(cairn_ctl_request_encode(&in, &buf, &len),
	    CAIRN_EINVAL);
}

/* ---- a fake daemon on a real ipc socket ---------------------------------- */

enum fake_mode {
	FAKE_ANSWER,	/* answer like a daemon */
	FAKE_SILENT,	/* read requests, never answer */
	FAKE_DELAY,	/* answer the next request only after 2 * timeout */
	FAKE_GARBAGE,	/* answer with bytes that do not decode */
	FAKE_MULTIPART,	/* answer with two frames */
	FAKE_WRONG_ID,	/* answer status/show about another message */
	FAKE_REFUSE,	/* refuse everything with a text */
	FAKE_REVERSE,	/* hold submits in threes, answer them last first */
	FAKE_BADTAG	/* answer with a tag that was never sent */
};

struct fake {
	char		 dir[64];
	char		 path[80];
	void		*ctx;
	void		*sock;
	pthread_t	 thread;
	atomic_int	 stop;
	atomic_int	 mode;
	atomic_int	 requests;	/* decoded requests seen */
	atomic_int	 answered_late;
	/* what the last request asked, written before the answer is sent */
	enum cairn_ctl_command last_command;
	char		 last_function[CAIRN_FUNCTION_MAX + 1];
	char		 last_to[CAIRN_ADDRESS_MAX + 1];
	char		 last_from[CAIRN_FUNCTION_MAX + 1];
	char		 last_state[CAIRN_STATE_MAX];
	uint32_t	 last_ttl;
	bool		 last_has_reply_to;
	uint8_t		 last_reply_to[CAIRN_MSG_ID_BYTES];
	int		 last_payload_rc;
	enum cairn_kind	 last_kind;
	uint8_t		*show_payload;
	size_t		 show_payload_len;
	/* FAKE_REVERSE: the held answers */
	zmq_msg_t	 held_peer[3];
	uint8_t		*held[3];
	size_t		 held_len[3], nheld;
};

static void
fake_send(struct fake *f, zmq_msg_t *peer, const uint8_t *buf, size_t len,
    int more)
{
	zmq_msg_send(peer, f->sock, ZMQ_SNDMORE);
	zmq_send(f->sock, "", 0, ZMQ_SNDMORE);
	zmq_send(f->sock, buf, len, more ? ZMQ_SNDMORE : 0);
	if (more)
		zmq_send(f->sock, "x", 1, 0);
}

static void
fake_answer(struct fake *f, const struct cairn_ctl_request *req,
    struct cairn_ctl_reply *rep, struct cairn_ctl_info *infos,
    struct cairn_ctl_case *cases)
{
	struct cairn_payload *p;
	int	i;

	switch (req->command) {
	case CAIRN_CTL_SUBMIT:
		(void)snprintf(f->last_to, sizeof(f->last_to), "%s/%s",
		    req->to_org, req->to_function);
		strcpy(f->last_from, req->from_function);
		f->last_ttl = req->ttl_s;
		f->last_has_reply_to = req->has_reply_to;
		memcpy(f->last_reply_to, req->in_reply_to, CAIRN_MSG_ID_BYTES);
		f->last_payload_rc = cairn_payload_decode(&p, req->payload,
		    req->payload_len, 1795000000000LL);
		f->last_kind = p != NULL ? p->kind : CAIRN_KIND_NONE;
		cairn_payload_free(p);
		if (strcmp(req->to_org, "refusing.org") == 0) {
			rep->code = CAIRN_ENOTACCEPTED;
			strcpy(rep->error, "konsultation does not accept "
			    "withdrawal");
		} else {
			memcpy(rep->msg_id, ID_A, CAIRN_MSG_ID_BYTES);
			/* tells the pipelined submits apart */
			if (atomic_load(&f->mode) == FAKE_REVERSE)
				rep->msg_id[15] = (uint8_t)req->ttl_s;
		}
		break;
	case CAIRN_CTL_STATUS:
	case CAIRN_CTL_SHOW:
		if (memcmp(req->msg_id, ID_UNKNOWN, CAIRN_MSG_ID_BYTES) == 0) {
			rep->code = CAIRN_ENOTFOUND;
			strcpy(rep->error, "no such message");
			break;
		}
		sample_info(&infos[0], req->msg_id, true);
		if (atomic_load(&f->mode) == FAKE_WRONG_ID)
			infos[0].msg_id[0] ^= 1;
		rep->infos = infos;
		rep->ninfos = 1;
		if (req->command == CAIRN_CTL_SHOW) {
			rep->payload = f->show_payload;
			rep->payload_len = f->show_payload_len;
		}
		break;
	case CAIRN_CTL_OUTBOX:
	case CAIRN_CTL_INBOX:
		strcpy(f->last_function, req->function);
		for (i = 0; i < 3; i++) {
			sample_info(&infos[i], ID_B,
			    req->command == CAIRN_CTL_OUTBOX);
			infos[i].msg_id[0] = (uint8_t)i;
		}
		rep->infos = infos;
		rep->ninfos = 3;
		rep->truncated = strcmp(req->function, "many") == 0;
		break;
	case CAIRN_CTL_CASES:
	case CAIRN_CTL_OVERDUE:
		strcpy(f->last_function, req->function);
		strcpy(f->last_state, req->state);
		if (atomic_load(&f->mode) == FAKE_WRONG_ID) {
			sample_info(&infos[0], ID_A, true);
			rep->infos = infos;
			rep->ninfos = 1;
			break;
		}
		sample_case(&cases[0], ID_A, true);
		sample_case(&cases[1], ID_B, false);
		if (req->command == CAIRN_CTL_OVERDUE) {
			strcpy(cases[0].state, "OVERDUE");
			strcpy(cases[1].state, "OVERDUE");
		}
		rep->cases = cases;
		rep->ncases = 2;
		rep->truncated = strcmp(req->function, "many") == 0;
		break;
	default:
		break;
	}
}

static void
fake_serve(struct fake *f, zmq_msg_t *peer, const uint8_t *buf, size_t len)
{
	struct cairn_ctl_request_msg *m;
	const struct cairn_ctl_request *req;
	struct cairn_ctl_reply rep;
	struct cairn_ctl_info infos[3];
	struct cairn_ctl_case cases[2];
	uint8_t	*out = NULL;
	size_t	 outlen = 0;
	int	 mode = atomic_load(&f->mode);

	memset(&rep, 0, sizeof(rep));
	rep.tag = cairn_ctl_request_tag(buf, len);
	if (mode == FAKE_BADTAG)
		rep.tag += 1000;
	if (cairn_ctl_request_decode(&m, &req, buf, len) != 0) {
		rep.code = CAIRN_EPROTO;
	} else {
		atomic_fetch_add(&f->requests, 1);
		f->last_command = req->command;
		if (mode == FAKE_SILENT) {
			cairn_ctl_request_free(m);
			return;
		}
		if (mode == FAKE_DELAY) {
			usleep(2 * TIMEOUT_MS * 1000);
			atomic_store(&f->mode, FAKE_ANSWER);
		}
		if (mode == FAKE_REFUSE) {
			rep.code = CAIRN_EDENIED;
			strcpy(rep.error, "uid 1001 may not read konsultation");
		} else
			fake_answer(f, req, &rep, infos, cases);
		cairn_ctl_request_free(m);
	}
	if (mode == FAKE_GARBAGE) {
		fake_send(f, peer, (const uint8_t *)"\xff\xff\xff", 3, 0);
		return;
	}
	if (mode == FAKE_REVERSE && cairn_ctl_reply_encode(&rep, &out,
	    &outlen) == 0) {
		zmq_msg_init(&f->held_peer[f->nheld]);
		zmq_msg_copy(&f->held_peer[f->nheld], peer);
		f->held[f->nheld] = out;
		f->held_len[f->nheld++] = outlen;
		if (f->nheld == 3) {
			while (f->nheld > 0) {
				f->nheld--;
				fake_send(f, &f->held_peer[f->nheld],
				    f->held[f->nheld], f->held_len[f->nheld],
				    0);
				zmq_msg_close(&f->held_peer[f->nheld]);
				free(f->held[f->nheld]);
			}
		}
		return;
	}
	if (cairn_ctl_reply_encode(&rep, &out, &outlen) == 0)
		fake_send(f, peer, out, outlen, mode == FAKE_MULTIPART);
	free(out);
	if (mode == FAKE_DELAY)
		atomic_store(&f->answered_late, 1);
}

static void *
fake_main(void *arg)
{
	struct fake *f = arg;
	zmq_pollitem_t item = { .socket = f->sock, .events = ZMQ_POLLIN };
	zmq_msg_t peer, delim, body;

	while (!atomic_load(&f->stop)) {
		if (zmq_poll(&item, 1, 20) <= 0)
			continue;
		zmq_msg_init(&peer);
		zmq_msg_init(&delim);
		zmq_msg_init(&body);
		if (zmq_msg_recv(&peer, f->sock, 0) >= 0 &&
		    zmq_msg_more(&peer) &&
		    zmq_msg_recv(&delim, f->sock, 0) >= 0 &&
		    zmq_msg_more(&delim) &&
		    zmq_msg_recv(&body, f->sock, 0) >= 0 &&
		    !zmq_msg_more(&body))
			fake_serve(f, &peer, zmq_msg_data(&body),
			    zmq_msg_size(&body));
		zmq_msg_close(&body);
		zmq_msg_close(&delim);
		zmq_msg_close(&peer);
	}
	return NULL;
}

static int
fake_setup(void **state)
{
	struct fake *f;
	struct cairn_payload *p;
	char	 ep[100];
	int	 linger = 0;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	strcpy(f->dir, "/tmp/cairn-test-control-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	(void)snprintf(f->path, sizeof(f->path), "%s/sock", f->dir);
	(void)snprintf(ep, sizeof(ep), "ipc://%s", f->path);
	p = sample_payload(PNR, CAIRN_CONSENT_GUARDIAN);
	if (cairn_payload_encode(p, 1795000000000LL, &f->show_payload,
	    &f->show_payload_len) != 0)
		return -1;
	cairn_payload_free(p);
	f->ctx = zmq_ctx_new();
	f->sock = zmq_socket(f->ctx, ZMQ_ROUTER);
	zmq_setsockopt(f->sock, ZMQ_LINGER, &linger, sizeof(linger));
	if (zmq_bind(f->sock, ep) != 0)
		return -1;
	if (pthread_create(&f->thread, NULL, fake_main, f) != 0)
		return -1;
	*state = f;
	return 0;
}

static int
fake_teardown(void **state)
{
	struct fake *f = *state;

	atomic_store(&f->stop, 1);
	pthread_join(f->thread, NULL);
	zmq_close(f->sock);
	zmq_ctx_term(f->ctx);
	unlink(f->path);
	rmdir(f->dir);
	free(f->show_payload);
	free(f);
	return 0;
}

static struct cairn_client *
fake_client(struct fake *f)
{
	struct cairn_client *c;

	assert_int_equal(cairn_client_open(&c, f->path, TIMEOUT_MS), 0);
	return c;
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
test_control_client_roundtrip(void **state)
{
	struct fake *f = *state;
	struct cairn_client *c = fake_client(f);
	struct cairn_payload *p, *got;
	struct cairn_ctl_info info, *list;
	uint8_t	 id[CAIRN_MSG_ID_BYTES];
	size_t	 n;

	assert_int_equal(cairn_client_ping(c), 0);
	assert_int_equal(f->last_command, CAIRN_CTL_PING);

	p = sample_payload(PNR, CAIRN_CONSENT_BOTH);
	assert_int_equal(cairn_client_submit(c, "elevhalsa",
	    "alingsas.uph/konsultation", p, ID_B, 3600, id), 0);
	assert_memory_equal(id, ID_A, sizeof(id));
	assert_string_equal(cairn_client_error(c), "");
	assert_int_equal(f->last_command, CAIRN_CTL_SUBMIT);
	assert_string_equal(f->last_to, "alingsas.uph/konsultation");
	assert_int_equal(f->last_payload_rc, 0);
	assert_int_equal(f->last_ttl, 3600);
	assert_true(f->last_has_reply_to);
	cairn_payload_free(p);

	assert_int_equal(cairn_client_status(c, ID_B, &info), 0);
	assert_memory_equal(info.msg_id, ID_B, sizeof(id));
	assert_string_equal(info.state, "QUEUED");
	assert_int_equal(info.attempts, 3);
	assert_int_equal(info.last_error, CAIRN_ETIMEOUT);

	assert_int_equal(cairn_client_list(c, CAIRN_CTL_OUTBOX, NULL, &list,
	    &n), 0);
	assert_int_equal(n, 3);
	assert_true(list[2].outgoing);
	assert_int_equal(list[2].msg_id[0], 2);
	assert_string_equal(f->last_function, "");
	assert_false(cairn_client_truncated(c));
	free(list);
	/* more exist than were sent: said until the next call */
	assert_int_equal(cairn_client_list(c, CAIRN_CTL_OUTBOX, "many", &list,
	    &n), 0);
	assert_int_equal(n, 3);
	assert_true(cairn_client_truncated(c));
	free(list);
	assert_int_equal(cairn_client_ping(c), 0);
	assert_false(cairn_client_truncated(c));
	assert_int_equal(cairn_client_list(c, CAIRN_CTL_INBOX, "konsultation",
	    &list, &n), 0);
	assert_int_equal(n, 3);
	assert_false(list[0].outgoing);
	assert_int_equal(f->last_command, CAIRN_CTL_INBOX);
	assert_string_equal(f->last_function, "konsultation");
	free(list);

	assert_int_equal(cairn_client_show(c, ID_A, &info, &got), 0);
	assert_int_equal(got->kind, CAIRN_KIND_REQUEST);
	assert_string_equal(got->u.request.subject, PNR);
	assert_int_equal(got->nattachments, 1);
	assert_string_equal(got->attachments[0].name, "note.txt");
	assert_memory_equal(info.msg_id, ID_A, sizeof(id));
	cairn_payload_free(got);
	assert_int_equal(cairn_client_show(c, ID_A, NULL, &got), 0);
	cairn_payload_free(got);
	assert_int_equal(atomic_load(&f->requests), 9);
	cairn_client_close(c);
	cairn_client_close(NULL);
}

static void
test_control_client_refusals(void **state)
{
	struct fake *f = *state;
	struct cairn_client *c = fake_client(f);
	struct cairn_payload *p, *got;
	struct cairn_ctl_info info, *list;
	uint8_t	 id[CAIRN_MSG_ID_BYTES];
	size_t	 n;

	/* Refused by the daemon, with its text. */
	p = sample_payload(PNR, CAIRN_CONSENT_GUARDIAN);
	assert_int_equal(cairn_client_submit(c, "elevhalsa",
	    "refusing.org/konsultation", p, NULL, 0, id), CAIRN_ENOTACCEPTED);
	assert_string_equal(cairn_client_error(c),
	    "konsultation does not accept withdrawal");
	assert_int_equal(cairn_client_status(c, ID_UNKNOWN, &info),
	    CAIRN_ENOTFOUND);
	assert_string_equal(cairn_client_error(c), "no such message");
	assert_int_equal(cairn_client_ping(c), 0);
	assert_string_equal(cairn_client_error(c), "");
	atomic_store(&f->mode, FAKE_REFUSE);
	assert_int_equal(cairn_client_list(c, CAIRN_CTL_INBOX, NULL, &list,
	    &n), CAIRN_EDENIED);
	assert_null(list);
	assert_int_equal(n, 0);
	assert_string_equal(cairn_client_error(c),
	    "uid 1001 may not read konsultation");
	assert_int_equal(cairn_client_show(c, ID_A, &info, &got),
	    CAIRN_EDENIED);
	assert_null(got);
	assert_int_equal(atomic_load(&f->requests), 5);
	atomic_store(&f->mode, FAKE_ANSWER);

	/* Refused here, before anything is sent. */
	assert_int_equal(cairn_client_submit(c, "elevhalsa", "alingsas.uph",
	    p, NULL, 0, id), CAIRN_EADDRESS);
	assert_int_equal(cairn_client_submit(c, "elevhalsa",
	    "a/b/konsultation", p, NULL, 0, id), CAIRN_EADDRESS);
	assert_int_equal(cairn_client_submit(c, "elevhalsa",
	    "Alingsas/konsultation", p, NULL, 0, id), CAIRN_EORGID);
	assert_int_equal(cairn_client_submit(c, "elevhalsa",
	    "alingsas.uph/Konsultation", p, NULL, 0, id), CAIRN_EFUNCTION);
	assert_int_equal(cairn_client_submit(c, "elevhalsa", NULL, p, NULL,
	    0, id), CAIRN_EADDRESS);
	assert_int_equal(cairn_client_submit(c, "Elevhalsa",
	    "alingsas.uph/konsultation", p, NULL, 0, id), CAIRN_EFUNCTION);
	assert_int_equal(cairn_client_list(c, CAIRN_CTL_SHOW, NULL, &list,
	    &n), CAIRN_EINVAL);
	assert_int_equal(cairn_client_list(c, CAIRN_CTL_INBOX, "Bad", &list,
	    &n), CAIRN_EFUNCTION);
	cairn_payload_free(p);
	p = sample_payload(PNR, CAIRN_CONSENT_NONE);
	assert_int_equal(cairn_client_submit(c, "elevhalsa",
	    "alingsas.uph/konsultation", p, NULL, 0, id), CAIRN_ECONSENT);
	cairn_payload_free(p);
	p = sample_payload(PNR, CAIRN_CONSENT_GUARDIAN);
	p->u.request.consent_date[0] = '\0';
	assert_int_equal(cairn_client_submit(c, "elevhalsa",
	    "alingsas.uph/konsultation", p, NULL, 0, id), CAIRN_ECONSENT);
	cairn_payload_free(p);
	p = sample_payload("19121212-1213", CAIRN_CONSENT_GUARDIAN);
	assert_int_equal(cairn_client_submit(c, "elevhalsa",
	    "alingsas.uph/konsultation", p, NULL, 0, id), CAIRN_EPNRCHECK);
	cairn_payload_free(p);
	p = sample_payload("19121312-1212", CAIRN_CONSENT_GUARDIAN);
	assert_int_equal(cairn_client_submit(c, "elevhalsa",
	    "alingsas.uph/konsultation", p, NULL, 0, id), CAIRN_EPNRDATE);
	cairn_payload_free(p);
	p = sample_payload("Pupil A", CAIRN_CONSENT_GUARDIAN);
	assert_int_equal(cairn_client_submit(c, "elevhalsa",
	    "alingsas.uph/konsultation", p, NULL, 0, id), CAIRN_EPNR);
	p->u.request.subject_is_pseudonym = true;
	assert_int_equal(cairn_client_submit(c, "elevhalsa",
	    "alingsas.uph/konsultation", p, NULL, 0, id), 0);
	cairn_payload_free(p);
	assert_string_equal(cairn_client_error(c), "");
	assert_int_equal(atomic_load(&f->requests), 6);
	cairn_client_close(c);
}

static void
test_control_client_bad_answers(void **state)
{
	struct fake *f = *state;
	struct cairn_client *c = fake_client(f);
	struct cairn_ctl_info info;
	struct cairn_payload *got;

	atomic_store(&f->mode, FAKE_GARBAGE);
	assert_int_equal(cairn_client_ping(c), CAIRN_EPROTO);
	atomic_store(&f->mode, FAKE_MULTIPART);
	assert_int_equal(cairn_client_ping(c), CAIRN_EPROTO);
	atomic_store(&f->mode, FAKE_WRONG_ID);
	assert_int_equal(cairn_client_status(c, ID_A, &info), CAIRN_EPROTO);
	assert_int_equal(cairn_client_show(c, ID_A, &info, &got),
	    CAIRN_EPROTO);
	assert_null(got);
	/* A ping answer is not a status answer. */
	atomic_store(&f->mode, FAKE_ANSWER);
	assert_int_equal(cairn_client_status(c, ID_A, &info), 0);
	assert_int_equal(cairn_client_ping(c), 0);
	cairn_client_close(c);
}

static void
test_control_client_timeout(void **state)
{
	struct fake *f = *state;
	struct cairn_client *c = fake_client(f);
	struct cairn_ctl_info info;
	int64_t	t0, dt;

	atomic_store(&f->mode, FAKE_SILENT);
	t0 = mono_ms();
	assert_int_equal(cairn_client_ping(c), CAIRN_ETIMEOUT);
	dt = mono_ms() - t0;
	assert_true(dt >= TIMEOUT_MS - 10);
	assert_true(dt < TIMEOUT_MS + 1500);
	assert_int_equal(cairn_client_status(c, ID_A, &info),
	    CAIRN_ETIMEOUT);

	/* Usable again afterwards. */
	atomic_store(&f->mode, FAKE_ANSWER);
	assert_int_equal(cairn_client_ping(c), 0);

	/*
	 * A late answer to a request that timed out must never be taken for
	 * the answer to the next one.
	 */
	atomic_store(&f->mode, FAKE_DELAY);
	assert_int_equal(cairn_client_ping(c), CAIRN_ETIMEOUT);
	while (!atomic_load(&f->answered_late))
		usleep(10000);
	assert_int_equal(cairn_client_status(c, ID_B, &info), 0);
	assert_memory_equal(info.msg_id, ID_B, CAIRN_MSG_ID_BYTES);
	cairn_client_close(c);
}

/* Pipelined submits: answers taken in any order, each to its ticket. */
static void
test_control_client_pipelined(void **state)
{
	struct fake *f = *state;
	struct cairn_client *c = fake_client(f);
	struct cairn_payload *p;
	struct cairn_ctl_info info;
	uint8_t	 id[CAIRN_MSG_ID_BYTES];
	uint64_t ticket[3], got;
	uint32_t i, seen = 0;
	int64_t	 start;

	p = sample_payload(PNR, CAIRN_CONSENT_BOTH);
	assert_int_equal(cairn_client_submit_recv(c, &got, id), CAIRN_EINVAL);
	assert_int_equal(cairn_client_submit_wait(c, 0), CAIRN_EINVAL);
	atomic_store(&f->mode, FAKE_REVERSE);
	for (i = 0; i < 3; i++) {
		assert_int_equal(cairn_client_submit_send(c, "elevhalsa",
		    "alingsas.uph/konsultation", p, NULL, 100 + i,
		    &ticket[i]), 0);
		assert_int_not_equal(ticket[i], 0);
		assert_int_equal(cairn_client_pending(c), i + 1);
		if (i == 1) {
			/* held by the fake until the third: no answer yet */
			start = mono_ms();
			assert_int_equal(cairn_client_submit_wait(c, 30000), 0);
			assert_true(mono_ms() - start >= 25);
			assert_int_equal(cairn_client_submit_wait(c, 0), 0);
			assert_int_equal(cairn_client_submit_wait(c, -1),
			    CAIRN_EINVAL);
			/* waiting abandoned nothing */
			assert_int_equal(cairn_client_pending(c), 2);
		}
	}
	/* the answers come: the wait ends early, and recv does not wait */
	assert_int_equal(cairn_client_submit_wait(c, 5000000), 1);
	assert_int_not_equal(ticket[0], ticket[1]);
	/* no plain call while answers are owed */
	assert_int_equal(cairn_client_ping(c), -EBUSY);
	/* refused before sending: nothing in flight changes */
	assert_int_equal(cairn_client_submit_send(c, "elevhalsa",
	    "not an address", p, NULL, 0, &got), CAIRN_EADDRESS);
	assert_int_equal(got, 0);
	assert_int_equal(cairn_client_pending(c), 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(cairn_client_submit_wait(c, 5000000), 1);
		assert_int_equal(cairn_client_submit_recv(c, &got, id), 0);
		/* the last sent is answered first */
		assert_int_equal(got, ticket[2 - i]);
		assert_int_equal(id[15], 100 + 2 - i);
		seen |= 1u << (2 - i);
	}
	assert_int_equal(seen, 7);
	assert_int_equal(cairn_client_pending(c), 0);
	/* a refusal comes back to its own ticket with its text */
	atomic_store(&f->mode, FAKE_REFUSE);
	assert_int_equal(cairn_client_submit_send(c, "elevhalsa",
	    "alingsas.uph/konsultation", p, NULL, 0, &ticket[0]), 0);
	assert_int_equal(cairn_client_submit_recv(c, &got, id), CAIRN_EDENIED);
	assert_int_equal(got, ticket[0]);
	assert_string_equal(cairn_client_error(c),
	    "uid 1001 may not read konsultation");
	/* an answer with a tag never sent: everything in flight is lost */
	atomic_store(&f->mode, FAKE_BADTAG);
	assert_int_equal(cairn_client_submit_send(c, "elevhalsa",
	    "alingsas.uph/konsultation", p, NULL, 0, &ticket[0]), 0);
	assert_int_equal(cairn_client_submit_send(c, "elevhalsa",
	    "alingsas.uph/konsultation", p, NULL, 0, &ticket[1]), 0);
	assert_int_equal(cairn_client_submit_recv(c, &got, id), CAIRN_EPROTO);
	assert_int_equal(got, 0);
	assert_int_equal(cairn_client_pending(c), 0);
	/* and a plain call on the same client works again */
	atomic_store(&f->mode, FAKE_ANSWER);
	assert_int_equal(cairn_client_status(c, ID_B, &info), 0);
	assert_memory_equal(info.msg_id, ID_B, CAIRN_MSG_ID_BYTES);
	/* a plain call never takes an answer with another tag */
	atomic_store(&f->mode, FAKE_BADTAG);
	assert_int_equal(cairn_client_ping(c), CAIRN_EPROTO);
	atomic_store(&f->mode, FAKE_ANSWER);
	assert_int_equal(cairn_client_ping(c), 0);
	/* silence: the wait ends with the client's timeout */
	atomic_store(&f->mode, FAKE_SILENT);
	assert_int_equal(cairn_client_submit_send(c, "elevhalsa",
	    "alingsas.uph/konsultation", p, NULL, 0, &ticket[0]), 0);
	assert_int_equal(cairn_client_submit_recv(c, &got, id),
	    CAIRN_ETIMEOUT);
	assert_int_equal(got, 0);
	assert_int_equal(cairn_client_pending(c), 0);
	cairn_payload_free(p);
	cairn_client_close(c);
}

/* The tag is read off a request even where the decoder refuses it. */
static void
test_control_request_tag(void **state)
{
	struct cairn_ctl_request req;
	uint8_t	*buf, junk[64];
	size_t	 len, i, cut;

	(void)state;
	memset(&req, 0, sizeof(req));
	req.command = CAIRN_CTL_STATUS;
	req.tag = 0x0123456789abcdefULL;
	assert_int_equal(cairn_ctl_request_encode(&req, &buf, &len), 0);
	assert_true(cairn_ctl_request_tag(buf, len) == req.tag);
	/* cut short: never read past the end, 0 or the tag */
	for (cut = 0; cut < len; cut++) {
		uint64_t t = cairn_ctl_request_tag(buf, cut);

		assert_true(t == 0 || t == req.tag);
	}
	free(buf);
	assert_int_equal(cairn_ctl_request_tag(NULL, 0), 0);
	/* a wire type that does not exist, a length past the end */
	assert_int_equal(cairn_ctl_request_tag((const uint8_t *)"\x2f\x01",
	    2), 0);
	assert_int_equal(cairn_ctl_request_tag((const uint8_t *)"\x22\x7f",
	    2), 0);
	/* an over-long varint */
	memset(junk, 0xff, sizeof(junk));
	assert_int_equal(cairn_ctl_request_tag(junk, sizeof(junk)), 0);
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 37);
	(void)cairn_ctl_request_tag(junk, sizeof(junk));
}

static void
test_control_client_cases(void **state)
{
	struct fake *f = *state;
	struct cairn_client *c = fake_client(f);
	struct cairn_ctl_case *cases, want;
	size_t	 n;

	assert_int_equal(cairn_client_cases(c, CAIRN_CTL_CASES, NULL, NULL,
	    &cases, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(f->last_command, CAIRN_CTL_CASES);
	assert_string_equal(f->last_function, "");
	assert_string_equal(f->last_state, "");
	sample_case(&want, ID_A, true);
	assert_case_equal(&cases[0], &want);
	sample_case(&want, ID_B, false);
	assert_case_equal(&cases[1], &want);
	free(cases);
	assert_int_equal(cairn_client_cases(c, CAIRN_CTL_CASES,
	    "skolskoterska", "GUARANTEED", &cases, &n), 0);
	assert_string_equal(f->last_function, "skolskoterska");
	assert_string_equal(f->last_state, "GUARANTEED");
	free(cases);
	assert_int_equal(cairn_client_cases(c, CAIRN_CTL_OVERDUE, "", "",
	    &cases, &n), 0);
	assert_int_equal(f->last_command, CAIRN_CTL_OVERDUE);
	assert_int_equal(n, 2);
	assert_string_equal(cases[1].state, "OVERDUE");
	assert_false(cairn_client_truncated(c));
	free(cases);
	assert_int_equal(atomic_load(&f->requests), 3);
	assert_int_equal(cairn_client_cases(c, CAIRN_CTL_OVERDUE, "many", NULL,
	    &cases, &n), 0);
	assert_true(cairn_client_truncated(c));
	free(cases);
	/* a call refused here forgets it too */
	assert_int_equal(cairn_client_cases(c, CAIRN_CTL_CASES, "Bad", NULL,
	    &cases, &n), CAIRN_EFUNCTION);
	assert_false(cairn_client_truncated(c));
	assert_int_equal(atomic_load(&f->requests), 4);

	/* Refused here, before anything is sent. */
	assert_int_equal(cairn_client_cases(c, CAIRN_CTL_INBOX, NULL, NULL,
	    &cases, &n), CAIRN_EINVAL);
	assert_null(cases);
	assert_int_equal(n, 0);
	assert_int_equal(cairn_client_cases(c, CAIRN_CTL_CASES, "Bad", NULL,
	    &cases, &n), CAIRN_EFUNCTION);
	assert_int_equal(cairn_client_cases(c, CAIRN_CTL_CASES, NULL,
	    "overdue", &cases, &n), CAIRN_EINVAL);
	assert_int_equal(cairn_client_cases(c, CAIRN_CTL_CASES, NULL,
	    "ABCDEFGHIJKLMNOP", &cases, &n), CAIRN_EINVAL);
	assert_int_equal(cairn_client_cases(c, CAIRN_CTL_OVERDUE, NULL,
	    "OVERDUE", &cases, &n), CAIRN_EINVAL);
	assert_int_equal(atomic_load(&f->requests), 4);

	/* Refused by the daemon; answered with messages instead of cases. */
	atomic_store(&f->mode, FAKE_REFUSE);
	assert_int_equal(cairn_client_cases(c, CAIRN_CTL_OVERDUE, NULL, NULL,
	    &cases, &n), CAIRN_EDENIED);
	assert_null(cases);
	assert_int_equal(n, 0);
	assert_string_equal(cairn_client_error(c),
	    "uid 1001 may not read konsultation");
	atomic_store(&f->mode, FAKE_WRONG_ID);
	assert_int_equal(cairn_client_cases(c, CAIRN_CTL_CASES, NULL, NULL,
	    &cases, &n), CAIRN_EPROTO);
	assert_null(cases);
	assert_string_equal(cairn_client_error(c), "");
	atomic_store(&f->mode, FAKE_ANSWER);
	assert_int_equal(cairn_client_cases(c, CAIRN_CTL_CASES, NULL, NULL,
	    &cases, &n), 0);
	free(cases);
	cairn_client_close(c);
}

static void
test_control_client_reply(void **state)
{
	struct fake *f = *state;
	struct cairn_client *c = fake_client(f);
	struct cairn_payload *p;
	uint8_t	 id[CAIRN_MSG_ID_BYTES];

	/* A guarantee: no sender, no recipient, in reply to the request. */
	p = sample_guarantee(ID_B);
	assert_int_equal(cairn_client_reply(c, ID_B, p, id), 0);
	assert_memory_equal(id, ID_A, sizeof(id));
	assert_int_equal(f->last_command, CAIRN_CTL_SUBMIT);
	assert_true(f->last_has_reply_to);
	assert_memory_equal(f->last_reply_to, ID_B, CAIRN_MSG_ID_BYTES);
	assert_string_equal(f->last_from, "");
	assert_string_equal(f->last_to, "/");
	assert_int_equal(f->last_payload_rc, 0);
	assert_int_equal(f->last_kind, CAIRN_KIND_GUARANTEE);
	cairn_payload_free(p);

	/* A response and a withdrawal. */
	p = cairn_payload_new(CAIRN_KIND_RESPONSE);
	assert_non_null(p);
	memcpy(p->u.response.request_id, ID_B, CAIRN_MSG_ID_BYTES);
	p->u.response.advice = strdup("Kontakta BUP.");
	p->u.response.level = CAIRN_LEVEL_SPECIALIST;
	assert_int_equal(cairn_client_reply(c, ID_B, p, id), 0);
	assert_int_equal(f->last_kind, CAIRN_KIND_RESPONSE);
	cairn_payload_free(p);
	p = cairn_payload_new(CAIRN_KIND_WITHDRAWAL);
	assert_non_null(p);
	memcpy(p->u.withdrawal.request_id, ID_B, CAIRN_MSG_ID_BYTES);
	p->u.withdrawal.reason = strdup("Samtycket togs tillbaka.");
	assert_int_equal(cairn_client_reply(c, ID_B, p, id), 0);
	assert_int_equal(f->last_kind, CAIRN_KIND_WITHDRAWAL);
	cairn_payload_free(p);
	assert_int_equal(atomic_load(&f->requests), 3);

	/* Refused here: another request, a request, a bad payload. */
	p = sample_guarantee(ID_B);
	assert_int_equal(cairn_client_reply(c, ID_A, p, id), CAIRN_EINVAL);
	strcpy(p->u.guarantee.contact_by, "2026-02-30");
	assert_int_equal(cairn_client_reply(c, ID_B, p, id), CAIRN_EDATE);
	strcpy(p->u.guarantee.contact_by, "2026-11-17");
	p->u.guarantee.channel = CAIRN_CHANNEL_NONE;
	assert_int_equal(cairn_client_reply(c, ID_B, p, id), CAIRN_EFIELD);
	cairn_payload_free(p);
	p = sample_payload(PNR, CAIRN_CONSENT_GUARDIAN);
	assert_int_equal(cairn_client_reply(c, ID_B, p, id), CAIRN_EKIND);
	cairn_payload_free(p);
	assert_int_equal(cairn_client_reply(c, ID_B, NULL, id), CAIRN_EINVAL);
	assert_int_equal(atomic_load(&f->requests), 3);

	/* Refused by the daemon, with its text. */
	atomic_store(&f->mode, FAKE_REFUSE);
	p = sample_guarantee(ID_B);
	memset(id, 0xee, sizeof(id));
	assert_int_equal(cairn_client_reply(c, ID_B, p, id), CAIRN_EDENIED);
	assert_string_equal(cairn_client_error(c),
	    "uid 1001 may not read konsultation");
	{
		static const uint8_t zero[CAIRN_MSG_ID_BYTES];

		assert_memory_equal(id, zero, sizeof(id));
	}
	cairn_payload_free(p);
	cairn_client_close(c);
}

static void
test_control_client_open(void **state)
{
	struct fake *f = *state;
	struct cairn_client *c;
	char	 path[128];
	int	 fd;

	(void)snprintf(path, sizeof(path), "%s/nosuch", f->dir);
	assert_int_equal(cairn_client_open(&c, path, 0), -ENOENT);
	assert_null(c);
	(void)snprintf(path, sizeof(path), "%s/file", f->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(cairn_client_open(&c, path, 0), -ENOTSOCK);
	unlink(path);
	assert_int_equal(cairn_client_open(&c, f->path, -1), CAIRN_EINVAL);

	/* NULL means $CAIRN_SOCKET. */
	setenv(CAIRN_SOCKET_ENV, f->path, 1);
	assert_int_equal(cairn_client_open(&c, NULL, TIMEOUT_MS), 0);
	assert_int_equal(cairn_client_ping(c), 0);
	cairn_client_close(c);
	setenv(CAIRN_SOCKET_ENV, f->dir, 1);
	assert_int_equal(cairn_client_open(&c, NULL, TIMEOUT_MS), -ENOTSOCK);
	unsetenv(CAIRN_SOCKET_ENV);
}

/* ---- audit pages (CAIRN_CTL_AUDIT) ---------------------------------------- */

static void
test_control_audit_request(void **state)
{
	struct cairn_ctl_request in, bad;
	struct cairn_ctl_request_msg *m;
	const struct cairn_ctl_request *r;
	struct pbw w, q;
	uint8_t	*buf;
	size_t	 len;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.command = CAIRN_CTL_AUDIT;
	in.from_seq = 12345678901ULL;
	in.limit = 17;
	in.related = true;
	memcpy(in.msg_id, ID_A, CAIRN_MSG_ID_BYTES);
	assert_int_equal(cairn_ctl_request_encode(&in, &buf, &len), 0);
	assert_int_equal(cairn_ctl_request_decode(&m, &r, buf, len), 0);
	assert_int_equal(r->command, CAIRN_CTL_AUDIT);
	assert_true(r->from_seq == in.from_seq);
	assert_int_equal(r->limit, 17);
	assert_true(r->related);
	assert_false(r->checkpoints);
	assert_memory_equal(r->msg_id, ID_A, CAIRN_MSG_ID_BYTES);
	cairn_ctl_request_free(m);
	free(buf);

	in.related = false;
	in.checkpoints = true;
	in.limit = 0;
	assert_int_equal(cairn_ctl_request_encode(&in, &buf, &len), 0);
	assert_int_equal(cairn_ctl_request_decode(&m, &r, buf, len), 0);
	assert_true(r->checkpoints);
	assert_false(r->related);
	cairn_ctl_request_free(m);
	free(buf);

	bad = in;
	bad.limit = CAIRN_CTL_AUDIT_MAX + 1;
	assert_int_equal(cairn_ctl_request_encode(&bad, &buf, &len),
	    CAIRN_EINVAL);
	bad = in;
	bad.related = true;
	assert_int_equal(cairn_ctl_request_encode(&bad, &buf, &len),
	    CAIRN_EINVAL);

	/* hand-made: each bad part of an audit query has its code */
#define AUDIT_REQ(body) do {						\
		w.len = 0;						\
		q.len = 0;						\
		pb_uint(&w, 1, CAIRN_CTL_VERSION);			\
		pb_uint(&w, 2, CAIRN_CTL_AUDIT);			\
		body;							\
		pb_msg(&w, 4, &q);					\
	} while (0)
	AUDIT_REQ(pb_uint(&q, 5, 1));
	assert_int_equal(decode_req(&w), 0);
	AUDIT_REQ(pb_uint(&q, 3, CAIRN_CTL_AUDIT_MAX + 1));
	assert_int_equal(decode_req(&w), CAIRN_EFIELD);
	AUDIT_REQ(pb_str(&q, 2, "kurator"));
	assert_int_equal(decode_req(&w), CAIRN_EFIELD);
	AUDIT_REQ(pb_str(&q, 4, "QUEUED"));
	assert_int_equal(decode_req(&w), CAIRN_EFIELD);
	AUDIT_REQ(pb_bytes(&q, 1, ID_A, CAIRN_MSG_ID_BYTES - 1));
	assert_int_equal(decode_req(&w), CAIRN_EFIELD);
	AUDIT_REQ(pb_bytes(&q, 1, ID_A, CAIRN_MSG_ID_BYTES);
	    pb_uint(&q, 6, 1));
	assert_int_equal(decode_req(&w), CAIRN_EFIELD);
	AUDIT_REQ(pb_uint(&q, 99, 1));
	assert_int_equal(decode_req(&w), CAIRN_EMALFORMED);
	/* no query at all */
	w.len = 0;
	pb_uint(&w, 1, CAIRN_CTL_VERSION);
	pb_uint(&w, 2, CAIRN_CTL_AUDIT);
	assert_int_equal(decode_req(&w), CAIRN_EFIELD);
#undef AUDIT_REQ
	/* the audit fields belong to audit queries only */
	w.len = 0;
	q.len = 0;
	pb_uint(&w, 1, CAIRN_CTL_VERSION);
	pb_uint(&w, 2, CAIRN_CTL_STATUS);
	pb_bytes(&q, 1, ID_A, CAIRN_MSG_ID_BYTES);
	pb_uint(&q, 5, 3);
	pb_msg(&w, 4, &q);
	assert_int_equal(decode_req(&w), CAIRN_EFIELD);
	w.len = 0;
	q.len = 0;
	pb_uint(&w, 1, CAIRN_CTL_VERSION);
	pb_uint(&w, 2, CAIRN_CTL_INBOX);
	pb_uint(&q, 6, 1);
	pb_msg(&w, 4, &q);
	assert_int_equal(decode_req(&w), CAIRN_EFIELD);
}

/* Three records (one too large to send), two replies, one related. */
static void
sample_page(struct cairn_ctl_audit *a, struct cairn_ctl_audit_entry *e,
    struct cairn_ctl_audit_reply *r, struct cairn_ctl_audit_related *l)
{
	static const uint8_t rec1[40] = { 1, 2, 3 }, rec3[90] = { 3 };
	static const uint8_t rep1[120] = { 0x0a, 0x01 };

	memset(a, 0, sizeof(*a));
	memset(e, 0, 3 * sizeof(*e));
	memset(r, 0, 2 * sizeof(*r));
	memset(l, 0, sizeof(*l));
	a->head_seq = 99;
	memset(a->head_hash, 0x5a, CAIRN_HASH_BYTES);
	a->more = true;
	e[0].seq = 7;
	e[0].data = rec1;
	e[0].len = sizeof(rec1);
	e[1].seq = 8;
	e[1].code = CAIRN_ETOOBIG;
	e[2].seq = 10;
	e[2].data = rec3;
	e[2].len = sizeof(rec3);
	a->records = e;
	a->nrecords = 3;
	memcpy(r[0].msg_id, ID_A, CAIRN_MSG_ID_BYTES);
	r[0].data = rep1;
	r[0].len = sizeof(rep1);
	memcpy(r[1].msg_id, ID_B, CAIRN_MSG_ID_BYTES);
	r[1].issued = true;
	r[1].code = CAIRN_ECORRUPT;
	a->replies = r;
	a->nreplies = 2;
	memcpy(l[0].msg_id, ID_B, CAIRN_MSG_ID_BYTES);
	l[0].outgoing = true;
	a->related = l;
	a->nrelated = 1;
}

static void
test_control_audit_reply_roundtrip(void **state)
{
	struct cairn_ctl_audit_entry e[3];
	struct cairn_ctl_audit_reply r[2];
	struct cairn_ctl_audit_related l[1];
	struct cairn_ctl_reply in, out;
	uint8_t	*buf;
	size_t	 len, i;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.has_audit = true;
	sample_page(&in.audit, e, r, l);
	assert_int_equal(cairn_ctl_reply_encode(&in, &buf, &len), 0);
	assert_int_equal(cairn_ctl_reply_decode(&out, buf, len), 0);
	free(buf);
	assert_true(out.has_audit);
	assert_true(out.audit.head_seq == 99);
	assert_memory_equal(out.audit.head_hash, in.audit.head_hash,
	    CAIRN_HASH_BYTES);
	assert_true(out.audit.more);
	assert_int_equal(out.audit.nrecords, 3);
	assert_int_equal(out.audit.ncheckpoints, 0);
	for (i = 0; i < 3; i++) {
		assert_true(out.audit.records[i].seq == e[i].seq);
		assert_int_equal(out.audit.records[i].code, e[i].code);
		assert_int_equal(out.audit.records[i].len, e[i].len);
		if (e[i].len != 0)
			assert_memory_equal(out.audit.records[i].data,
			    e[i].data, e[i].len);
	}
	assert_int_equal(out.audit.nreplies, 2);
	assert_memory_equal(out.audit.replies[0].msg_id, ID_A,
	    CAIRN_MSG_ID_BYTES);
	assert_false(out.audit.replies[0].issued);
	assert_int_equal(out.audit.replies[0].len, r[0].len);
	assert_memory_equal(out.audit.replies[0].data, r[0].data, r[0].len);
	assert_true(out.audit.replies[1].issued);
	assert_int_equal(out.audit.replies[1].code, CAIRN_ECORRUPT);
	assert_int_equal(out.audit.replies[1].len, 0);
	assert_int_equal(out.audit.nrelated, 1);
	assert_memory_equal(out.audit.related[0].msg_id, ID_B,
	    CAIRN_MSG_ID_BYTES);
	assert_true(out.audit.related[0].outgoing);
	cairn_ctl_reply_clear(&out);

	/* a checkpoints page, ending at a key that is not a seq */
	memset(&in.audit, 0, sizeof(in.audit));
	e[2].seq = 0;
	in.audit.checkpoints = e;
	in.audit.ncheckpoints = 3;
	e[2].len = 0;
	e[2].data = NULL;
	assert_int_equal(cairn_ctl_reply_encode(&in, &buf, &len), 0);
	assert_int_equal(cairn_ctl_reply_decode(&out, buf, len), 0);
	free(buf);
	assert_int_equal(out.audit.nrecords, 0);
	assert_int_equal(out.audit.ncheckpoints, 3);
	assert_true(out.audit.checkpoints[2].seq == 0);
	assert_false(out.audit.more);
	cairn_ctl_reply_clear(&out);
}

static void
test_control_audit_encode_refuses(void **state)
{
	static const uint8_t big[CAIRN_AUDIT_MAX_BYTES + 1];
	struct cairn_ctl_audit_entry e[3];
	struct cairn_ctl_audit_reply r[2];
	struct cairn_ctl_audit_related l[1];
	struct cairn_ctl_reply in;
	uint8_t	*buf;
	size_t	 len;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.has_audit = true;
#define REFUSED(change) do {						\
		sample_page(&in.audit, e, r, l);			\
		change;							\
		assert_int_equal(cairn_ctl_reply_encode(&in, &buf,	\
		    &len), CAIRN_EINVAL);				\
	} while (0)
	REFUSED(in.audit.checkpoints = e; in.audit.ncheckpoints = 1);
	REFUSED(e[1].seq = 7);				/* repeated key */
	REFUSED(e[2].seq = 5);				/* out of order */
	REFUSED(e[0].seq = 0);				/* 0 not last */
	REFUSED(e[1].code = CAIRN_ECORRUPT);		/* not ETOOBIG */
	REFUSED(e[0].code = CAIRN_ETOOBIG);		/* code and data */
	REFUSED(e[0].data = big; e[0].len = sizeof(big));
	REFUSED(in.audit.checkpoints = in.audit.records;
	    in.audit.ncheckpoints = 3; in.audit.records = NULL;
	    in.audit.nrecords = 0; in.audit.nreplies = 0;
	    e[0].len = CAIRN_AUDIT_CHECKPOINT_MAX_BYTES + 1; e[0].data = big);
	REFUSED(r[0].code = CAIRN_ENOTFOUND);		/* code and data */
	REFUSED(r[1].code = 0);				/* neither */
	REFUSED(r[0].code = 5; r[0].len = 0);		/* positive */
	REFUSED(r[0].len = CAIRN_REPLY_MAX_BYTES + 1; r[0].data = big);
	REFUSED(in.audit.nrelated = CAIRN_CTL_AUDIT_RELATED_MAX + 1);
	REFUSED(in.audit.nrecords = CAIRN_CTL_AUDIT_MAX + 1);
	REFUSED(in.audit.records = NULL);
#undef REFUSED
}

/* A page cut anywhere fails, or visibly lacks part of what was sent. */
static void
test_control_audit_truncated_and_flipped(void **state)
{
	struct cairn_ctl_audit_entry e[3];
	struct cairn_ctl_audit_reply r[2];
	struct cairn_ctl_audit_related l[1];
	struct cairn_ctl_reply in, out;
	uint8_t	*buf, *copy;
	size_t	 len, cut, bit, i, data = 0, odata;
	int	 rc;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.has_audit = true;
	sample_page(&in.audit, e, r, l);
	for (i = 0; i < 3; i++)
		data += e[i].len;
	assert_int_equal(cairn_ctl_reply_encode(&in, &buf, &len), 0);
	for (cut = 0; cut < len; cut++) {
		rc = cairn_ctl_reply_decode(&out, buf, cut);
		if (rc == 0) {
			odata = 0;
			for (i = 0; i < out.audit.nrecords; i++)
				odata += out.audit.records[i].len;
			assert_true(!out.has_audit || !out.audit.more ||
			    out.audit.nrecords < 3 || odata < data ||
			    out.audit.nreplies < 2 ||
			    out.audit.nrelated < 1 ||
			    out.audit.replies[0].len < r[0].len);
		} else
			assert_true(rc == CAIRN_EMALFORMED ||
			    rc == CAIRN_EFIELD);
		cairn_ctl_reply_clear(&out);
	}
	/* every single bit flip decodes to a page that keeps the rules */
	assert_non_null(copy = malloc(len));
	for (bit = 0; bit < 8 * len; bit++) {
		memcpy(copy, buf, len);
		copy[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (cairn_ctl_reply_decode(&out, copy, len) == 0 &&
		    out.has_audit) {
			assert_true(out.audit.nrecords == 0 ||
			    out.audit.ncheckpoints == 0);
			for (i = 1; i < out.audit.nrecords; i++)
				assert_true(out.audit.records[i].seq >
				    out.audit.records[i - 1].seq);
			for (i = 0; i < out.audit.nreplies; i++)
				assert_true((out.audit.replies[i].code == 0) ==
				    (out.audit.replies[i].len != 0));
		}
		cairn_ctl_reply_clear(&out);
	}
	free(copy);
	free(buf);
}

/* Hand-made pages: the exact code for each bad part. */
static void
test_control_audit_bad_page(void **state)
{
	static const uint8_t hash[CAIRN_HASH_BYTES], big[1100];
	struct pbw w, p, e;

	(void)state;
#define PAGE(body) do {							\
		w.len = p.len = e.len = 0;				\
		body;							\
		pb_msg(&w, 8, &p);					\
	} while (0)
	PAGE(pb_bytes(&p, 2, hash, sizeof(hash)); pb_uint(&p, 1, 3));
	assert_int_equal(decode_rep(&w), 0);
	PAGE(pb_bytes(&p, 2, hash, sizeof(hash) - 1));
	assert_int_equal(decode_rep(&w), CAIRN_EFIELD);
	PAGE((void)0);					/* no head hash */
	assert_int_equal(decode_rep(&w), CAIRN_EFIELD);
	PAGE(pb_bytes(&p, 2, hash, sizeof(hash));
	    pb_uint(&e, 1, 4); pb_bytes(&e, 2, big,
	    CAIRN_AUDIT_MAX_BYTES + 1); pb_msg(&p, 3, &e));
	assert_int_equal(decode_rep(&w), CAIRN_ETOOBIG);
	PAGE(pb_bytes(&p, 2, hash, sizeof(hash));
	    pb_uint(&e, 1, 4); pb_bytes(&e, 2, big,
	    CAIRN_AUDIT_CHECKPOINT_MAX_BYTES + 1); pb_msg(&p, 4, &e));
	assert_int_equal(decode_rep(&w), CAIRN_ETOOBIG);
	/* code -5 (zigzag 9), not ETOOBIG */
	PAGE(pb_bytes(&p, 2, hash, sizeof(hash));
	    pb_uint(&e, 1, 4); pb_uint(&e, 3, 9); pb_msg(&p, 3, &e));
	assert_int_equal(decode_rep(&w), CAIRN_EFIELD);
	/* keys 4 then 4 */
	PAGE(pb_bytes(&p, 2, hash, sizeof(hash));
	    pb_uint(&e, 1, 4); pb_msg(&p, 3, &e); pb_msg(&p, 3, &e));
	assert_int_equal(decode_rep(&w), CAIRN_EFIELD);
	/* both records and checkpoints */
	PAGE(pb_bytes(&p, 2, hash, sizeof(hash));
	    pb_uint(&e, 1, 4); pb_msg(&p, 3, &e); pb_msg(&p, 4, &e));
	assert_int_equal(decode_rep(&w), CAIRN_EFIELD);
	PAGE(pb_bytes(&p, 2, hash, sizeof(hash));
	    pb_uint(&e, 1, 4); pb_uint(&e, 9, 1); pb_msg(&p, 3, &e));
	assert_int_equal(decode_rep(&w), CAIRN_EMALFORMED);
	/* a reply: short id; no bytes and no code; too long */
	PAGE(pb_bytes(&p, 2, hash, sizeof(hash));
	    pb_bytes(&e, 1, ID_A, 15); pb_bytes(&e, 3, big, 10);
	    pb_msg(&p, 5, &e));
	assert_int_equal(decode_rep(&w), CAIRN_EFIELD);
	PAGE(pb_bytes(&p, 2, hash, sizeof(hash));
	    pb_bytes(&e, 1, ID_A, 16); pb_msg(&p, 5, &e));
	assert_int_equal(decode_rep(&w), CAIRN_EFIELD);
	PAGE(pb_bytes(&p, 2, hash, sizeof(hash));
	    pb_bytes(&e, 1, ID_A, 16);
	    pb_bytes(&e, 3, big, CAIRN_REPLY_MAX_BYTES + 1);
	    pb_msg(&p, 5, &e));
	assert_int_equal(decode_rep(&w), CAIRN_ETOOBIG);
	PAGE(pb_bytes(&p, 2, hash, sizeof(hash));
	    pb_bytes(&e, 1, big, 17); pb_msg(&p, 7, &e));
	assert_int_equal(decode_rep(&w), CAIRN_EFIELD);
	PAGE(pb_bytes(&p, 2, hash, sizeof(hash)); pb_uint(&p, 12, 1));
	assert_int_equal(decode_rep(&w), CAIRN_EMALFORMED);
#undef PAGE
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_control_request_roundtrip),
		cmocka_unit_test(test_control_reply_roundtrip),
		cmocka_unit_test(test_control_encode_refuses_bad_input),
		cmocka_unit_test(test_control_request_truncated),
		cmocka_unit_test(test_control_reply_truncated),
		cmocka_unit_test(test_control_garbage_and_bitflips),
		cmocka_unit_test(test_control_wrong_version),
		cmocka_unit_test(test_control_bad_command),
		cmocka_unit_test(test_control_bad_msgid_length),
		cmocka_unit_test(test_control_bad_reply_fields),
		cmocka_unit_test(test_control_bad_address),
		cmocka_unit_test(test_control_msgid_text),
		cmocka_unit_test(test_control_cases_reply_roundtrip),
		cmocka_unit_test(test_control_cases_encode_refuses),
		cmocka_unit_test(test_control_cases_bad_reply),
		cmocka_unit_test(test_control_cases_truncated_and_flipped),
		cmocka_unit_test(test_control_cases_query),
		cmocka_unit_test(test_control_reply_submit),
		cmocka_unit_test(test_control_audit_request),
		cmocka_unit_test(test_control_audit_reply_roundtrip),
		cmocka_unit_test(test_control_audit_encode_refuses),
		cmocka_unit_test(test_control_audit_truncated_and_flipped),
		cmocka_unit_test(test_control_audit_bad_page),
		cmocka_unit_test_setup_teardown(test_control_client_roundtrip,
		    fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_control_client_refusals,
		    fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_control_client_bad_answers,
		    fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_control_client_timeout,
		    fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_control_client_cases,
		    fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_control_client_reply,
		    fake_setup, fake_teardown),
		cmocka_unit_test(test_control_request_tag),
		cmocka_unit_test_setup_teardown(test_control_client_pipelined,
		    fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_control_client_open,
		    fake_setup, fake_teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("control", tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for proto/storefmt.c, the bytes of cairnd's store: every
 * value is compared with bytes laid out here by hand from the layout in
 * storefmt.h (so that a change of the encoding, which would strand every
 * existing store, fails here), then decoded back; decoders are given
 * every truncation, every single-bit flip, another version, trailing
 * bytes and the wrong key, and must answer with the exact code.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "proto/storefmt.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Bytes laid out by hand. */
struct lay {
	uint8_t	buf[CAIRN_STOREFMT_REC_MAX_BYTES];
	size_t	len;
};

static void	lay_bytes(struct lay *l, const void *p, size_t n);
static void	lay_fill(struct lay *l, uint8_t byte, size_t n);
static void	lay_le(struct lay *l, uint64_t v, size_t n);
static void	lay_str(struct lay *l, const char *s);
static void	lay_seal(struct lay *l);
static void	reseal(uint8_t *buf, size_t len);
static void	make_out(struct cairn_storefmt_out *o);
static void	make_in(struct cairn_storefmt_in *m);
static void	make_case(struct cairn_storefmt_case *c);
static int	fake_sign(void *arg, uint8_t sig[static CAIRN_SIG_BYTES],
		    const uint8_t digest[static CAIRN_DIGEST_BYTES]);

static const uint8_t id10[CAIRN_MSG_ID_BYTES] = {
	0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
	0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10
};

static void
lay_bytes(struct lay *l, const void *p, size_t n)
{
	assert_true(n <= sizeof(l->buf) - l->len);
	memcpy(l->buf + l->len, p, n);
	l->len += n;
}

static void
lay_fill(struct lay *l, uint8_t byte, size_t n)
{
	assert_true(n <= sizeof(l->buf) - l->len);
	memset(l->buf + l->len, byte, n);
	l->len += n;
}

static void
lay_le(struct lay *l, uint64_t v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		lay_fill(l, (uint8_t)(v >> (8 * i)), 1);
}

static void
lay_str(struct lay *l, const char *s)
{
	lay_fill(l, (uint8_t)strlen(s), 1);
	lay_bytes(l, s, strlen(s));
}

static void
lay_seal(struct lay *l)
{
	uint8_t	csum[CAIRN_HASH_BYTES];

	cairn_sig_hash(csum, l->buf, l->len);
	lay_bytes(l, csum, sizeof(csum));
}

/* A new checksum over an edited value, so that only the edit is seen. */
static void
reseal(uint8_t *buf, size_t len)
{
	cairn_sig_hash(buf + len - CAIRN_HASH_BYTES, buf,
	    len - CAIRN_HASH_BYTES);
}

static void
make_out(struct cairn_storefmt_out *o)
{
	memset(o, 0, sizeof(*o));
	memcpy(o->msg_id, id10, sizeof(o->msg_id));
	o->state = CAIRN_STOREFMT_OUT_QUEUED;
	o->kind = CAIRN_KIND_REQUEST;
	strcpy(o->from_function, "elevhalsan");
	strcpy(o->to_org, "bup.region-x");
	strcpy(o->to_function, "intake");
	memset(o->conversation_id, 0x33, sizeof(o->conversation_id));
	o->has_reply_to = true;
	memset(o->in_reply_to, 0x44, sizeof(o->in_reply_to));
	o->created_ms = 1795000000000LL;
	o->expires_ms = 1795000900000LL;
	o->next_ms = 1795000000500LL;
	o->receipt_ms = 0;
	o->attempts = 3;
	o->last_error = CAIRN_ETIMEOUT;
	o->nack_reason = 0;
	memset(o->envelope_hash, 0xe1, sizeof(o->envelope_hash));
}

static void
make_in(struct cairn_storefmt_in *m)
{
	memset(m, 0, sizeof(*m));
	memcpy(m->msg_id, id10, sizeof(m->msg_id));
	m->state = CAIRN_STOREFMT_IN_READ;
	m->kind = CAIRN_KIND_GUARANTEE;
	strcpy(m->from_org, "skola.kommun-y");
	strcpy(m->from_function, "elevhalsan");
	strcpy(m->to_function, "");
	memset(m->conversation_id, 0x55, sizeof(m->conversation_id));
	m->created_ms = -5;
	m->expires_ms = 9;
	m->received_ms = 1795000000001LL;
	memset(m->envelope_hash, 0xe2, sizeof(m->envelope_hash));
}

static void
make_case(struct cairn_storefmt_case *c)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->request_id, id10, sizeof(c->request_id));
	c->sent = true;
	c->state = CAIRN_STOREFMT_CASE_GUARANTEED;
	strcpy(c->function, "elevhalsan");
	strcpy(c->peer_org, "bup.region-x");
	strcpy(c->peer_function, "intake");
	c->created_ms = 1;
	c->delivered_ms = 2;
	c->due_ms = 3;
	c->guarantee_days = 14;
	strcpy(c->contact_by, "2026-01-15");
	c->channel = CAIRN_CHANNEL_VIDEO;
	strcpy(c->redirect_org, "x");
	strcpy(c->redirect_function, "y");
	c->updated_ms = 4;
}

static int
fake_sign(void *arg, uint8_t sig[static CAIRN_SIG_BYTES],
    const uint8_t digest[static CAIRN_DIGEST_BYTES])
{
	(void)arg;
	memset(sig, 0x5a, CAIRN_SIG_BYTES);
	memcpy(sig, digest, CAIRN_DIGEST_BYTES);
	return 0;
}

/* --- layout --- */

static void
test_storefmt_db_names(void **state)
{
	static const char *want[CAIRN_STOREFMT_DB_COUNT] = {
		"outbox", "outenv", "sched", "receipts", "inbox", "inenv",
		"dedup", "dedupexp", "audit", "meta", "cases", "checkpoints"
	};
	size_t	i;

	(void)state;
	assert_int_equal(CAIRN_STOREFMT_DB_COUNT, 12);
	for (i = 0; i < NELEM(want); i++)
		assert_string_equal(cairn_storefmt_db_name(i), want[i]);
	assert_null(cairn_storefmt_db_name(CAIRN_STOREFMT_DB_COUNT));
	assert_null(cairn_storefmt_db_name((enum cairn_storefmt_db)-1));
}

static void
test_storefmt_out_layout(void **state)
{
	struct cairn_storefmt_out o, back;
	struct lay l = { .len = 0 };
	uint8_t	 buf[CAIRN_STOREFMT_REC_MAX_BYTES];
	size_t	 len;

	(void)state;
	make_out(&o);
	lay_fill(&l, 1, 1);
	lay_bytes(&l, id10, sizeof(id10));
	lay_fill(&l, 1, 1);		/* QUEUED */
	lay_fill(&l, 1, 1);		/* request */
	lay_str(&l, "elevhalsan");
	lay_str(&l, "bup.region-x");
	lay_str(&l, "intake");
	lay_fill(&l, 0x33, 16);
	lay_fill(&l, 1, 1);
	lay_fill(&l, 0x44, 16);
	lay_le(&l, 1795000000000ULL, 8);
	lay_le(&l, 1795000900000ULL, 8);
	lay_le(&l, 1795000000500ULL, 8);
	lay_le(&l, 0, 8);
	lay_le(&l, 3, 4);
	lay_le(&l, (uint32_t)CAIRN_ETIMEOUT, 4);
	lay_le(&l, 0, 4);
	lay_fill(&l, 0xe1, 32);
	lay_seal(&l);
	assert_int_equal(cairn_storefmt_out_encode(&o, buf, &len), 0);
	assert_int_equal(len, l.len);
	assert_memory_equal(buf, l.buf, len);
	assert_int_equal(cairn_storefmt_out_decode(&back, id10, buf, len), 0);
	assert_memory_equal(&back, &o, sizeof(o));
}

static void
test_storefmt_in_layout(void **state)
{
	struct cairn_storefmt_in m, back;
	struct lay l = { .len = 0 };
	uint8_t	 buf[CAIRN_STOREFMT_REC_MAX_BYTES];
	size_t	 len;

	(void)state;
	make_in(&m);
	lay_fill(&l, 1, 1);
	lay_bytes(&l, id10, sizeof(id10));
	lay_fill(&l, 2, 1);		/* READ */
	lay_fill(&l, 2, 1);		/* guarantee */
	lay_str(&l, "skola.kommun-y");
	lay_str(&l, "elevhalsan");
	lay_str(&l, "");
	lay_fill(&l, 0x55, 16);
	lay_fill(&l, 0, 1);
	lay_fill(&l, 0, 16);
	lay_le(&l, (uint64_t)-5, 8);
	lay_le(&l, 9, 8);
	lay_le(&l, 1795000000001ULL, 8);
	lay_fill(&l, 0xe2, 32);
	lay_seal(&l);
	assert_int_equal(cairn_storefmt_in_encode(&m, buf, &len), 0);
	assert_int_equal(len, l.len);
	assert_memory_equal(buf, l.buf, len);
	assert_int_equal(cairn_storefmt_in_decode(&back, id10, buf, len), 0);
	assert_memory_equal(&back, &m, sizeof(m));
}

static void
test_storefmt_case_layout(void **state)
{
	struct cairn_storefmt_case c, back;
	struct lay l = { .len = 0 };
	uint8_t	 buf[CAIRN_STOREFMT_REC_MAX_BYTES];
	size_t	 len;

	(void)state;
	make_case(&c);
	lay_fill(&l, 1, 1);
	lay_bytes(&l, id10, sizeof(id10));
	lay_fill(&l, 1, 1);		/* sent */
	lay_fill(&l, 3, 1);		/* GUARANTEED */
	lay_str(&l, "elevhalsan");
	lay_str(&l, "bup.region-x");
	lay_str(&l, "intake");
	lay_le(&l, 1, 8);
	lay_le(&l, 2, 8);
	lay_le(&l, 3, 8);
	lay_le(&l, 14, 4);
	lay_str(&l, "2026-01-15");
	lay_fill(&l, CAIRN_CHANNEL_VIDEO, 1);
	lay_str(&l, "x");
	lay_str(&l, "y");
	lay_le(&l, 4, 8);
	lay_seal(&l);
	assert_int_equal(cairn_storefmt_case_encode(&c, buf, &len), 0);
	assert_int_equal(len, l.len);
	assert_memory_equal(buf, l.buf, len);
	assert_int_equal(cairn_storefmt_case_decode(&back, id10, buf, len), 0);
	assert_memory_equal(&back, &c, sizeof(c));
}

static void
test_storefmt_meta_layout(void **state)
{
	struct lay l = { .len = 0 };
	uint8_t	 u[CAIRN_STOREFMT_U64_BYTES], h[CAIRN_STOREFMT_HEAD_BYTES];
	uint8_t	 hash[CAIRN_HASH_BYTES], back[CAIRN_HASH_BYTES];
	uint64_t v;

	(void)state;
	cairn_storefmt_u64_encode(u, 0x0102030405060708ULL);
	lay_fill(&l, 1, 1);
	lay_le(&l, 0x0102030405060708ULL, 8);
	lay_seal(&l);
	assert_int_equal(l.len, sizeof(u));
	assert_memory_equal(u, l.buf, sizeof(u));
	assert_int_equal(cairn_storefmt_u64_decode(&v, u, sizeof(u)), 0);
	assert_true(v == 0x0102030405060708ULL);

	memset(hash, 0x77, sizeof(hash));
	cairn_storefmt_head_encode(h, 42, hash);
	l.len = 0;
	lay_fill(&l, 1, 1);
	lay_le(&l, 42, 8);
	lay_fill(&l, 0x77, 32);
	lay_seal(&l);
	assert_int_equal(l.len, sizeof(h));
	assert_memory_equal(h, l.buf, sizeof(h));
	assert_int_equal(cairn_storefmt_head_decode(&v, back, h, sizeof(h)),
	    0);
	assert_true(v == 42);
	assert_memory_equal(back, hash, sizeof(hash));

	/* The format: 1 opens, 2 is another version. */
	cairn_storefmt_u64_encode(u, CAIRN_STOREFMT_FORMAT);
	assert_int_equal(cairn_storefmt_format_check(u, sizeof(u)), 0);
	cairn_storefmt_u64_encode(u, 2);
	assert_int_equal(cairn_storefmt_format_check(u, sizeof(u)),
	    CAIRN_EVERSION);
	u[3] ^= 0x01;
	assert_int_equal(cairn_storefmt_format_check(u, sizeof(u)),
	    CAIRN_ECORRUPT);
}

static void
test_storefmt_keys(void **state)
{
	static const uint8_t want_seq[8] = { 0, 0, 0, 0, 0, 0, 0x01, 0x02 };
	uint8_t	 k[CAIRN_STOREFMT_SCHED_KEY_BYTES];
	const uint8_t *id;
	uint64_t seq;
	int64_t	 when;

	(void)state;
	cairn_storefmt_seq_key(k, 0x0102);
	assert_memory_equal(k, want_seq, sizeof(want_seq));
	assert_int_equal(cairn_storefmt_seq_key_parse(&seq, k, 8), 0);
	assert_true(seq == 0x0102);
	assert_int_equal(cairn_storefmt_seq_key_parse(&seq, k, 7),
	    CAIRN_ECORRUPT);
	assert_int_equal(cairn_storefmt_seq_key_parse(&seq, k, 9),
	    CAIRN_ECORRUPT);

	cairn_storefmt_sched_key(k, 0x0102, id10);
	assert_memory_equal(k, want_seq, sizeof(want_seq));
	assert_memory_equal(k + 8, id10, sizeof(id10));
	assert_int_equal(cairn_storefmt_sched_key_parse(&when, &id, k,
	    sizeof(k)), 0);
	assert_true(when == 0x0102);
	assert_ptr_equal(id, k + 8);
	assert_int_equal(cairn_storefmt_sched_key_parse(&when, &id, k,
	    sizeof(k) - 1), CAIRN_ECORRUPT);
}

/* --- decoding refuses --- */

static void
test_storefmt_record_damage(void **state)
{
	struct cairn_storefmt_out o;
	uint8_t	 buf[CAIRN_STOREFMT_REC_MAX_BYTES + 1], ed[sizeof(buf)];
	uint8_t	 other[CAIRN_MSG_ID_BYTES];
	size_t	 len, n, bit;

	(void)state;
	make_out(&o);
	assert_int_equal(cairn_storefmt_out_encode(&o, buf, &len), 0);
	for (n = 0; n < len; n++)
		assert_int_equal(cairn_storefmt_out_decode(&o, id10, buf, n),
		    CAIRN_ECORRUPT);
	for (bit = 0; bit < 8 * len; bit++) {
		memcpy(ed, buf, len);
		ed[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(cairn_storefmt_out_decode(&o, id10, ed, len),
		    CAIRN_ECORRUPT);
		assert_true(o.state == 0 && o.msg_id[0] == 0);
	}
	/* a sound value of another version */
	memcpy(ed, buf, len);
	ed[0] = 2;
	reseal(ed, len);
	assert_int_equal(cairn_storefmt_out_decode(&o, id10, ed, len),
	    CAIRN_EVERSION);
	/* trailing bytes before the checksum */
	memcpy(ed, buf, len);
	memmove(ed + len - CAIRN_HASH_BYTES + 1, ed + len - CAIRN_HASH_BYTES,
	    CAIRN_HASH_BYTES);
	ed[len - CAIRN_HASH_BYTES] = 0;
	reseal(ed, len + 1);
	assert_int_equal(cairn_storefmt_out_decode(&o, id10, ed, len + 1),
	    CAIRN_ECORRUPT);
	/* under another key */
	memset(other, 0x11, sizeof(other));
	assert_int_equal(cairn_storefmt_out_decode(&o, other, buf, len),
	    CAIRN_ECORRUPT);
	/* fields out of range, checksum sound */
	memcpy(ed, buf, len);
	ed[17] = 5;			/* state */
	reseal(ed, len);
	assert_int_equal(cairn_storefmt_out_decode(&o, id10, ed, len),
	    CAIRN_ECORRUPT);
	memcpy(ed, buf, len);
	ed[18] = CAIRN_KIND_MAX + 1;	/* kind */
	reseal(ed, len);
	assert_int_equal(cairn_storefmt_out_decode(&o, id10, ed, len),
	    CAIRN_ECORRUPT);
	memcpy(ed, buf, len);
	ed[19] = 64;			/* a string longer than its array */
	reseal(ed, len);
	assert_int_equal(cairn_storefmt_out_decode(&o, id10, ed, len),
	    CAIRN_ECORRUPT);
	memcpy(ed, buf, len);
	ed[20] = '\0';			/* a NUL inside a string */
	reseal(ed, len);
	assert_int_equal(cairn_storefmt_out_decode(&o, id10, ed, len),
	    CAIRN_ECORRUPT);
}

static void
test_storefmt_encode_refuses(void **state)
{
	struct cairn_storefmt_out o;
	struct cairn_storefmt_in m;
	struct cairn_storefmt_case c;
	uint8_t	 buf[CAIRN_STOREFMT_REC_MAX_BYTES];
	size_t	 len;

	(void)state;
	make_out(&o);
	o.state = 0;
	assert_int_equal(cairn_storefmt_out_encode(&o, buf, &len),
	    CAIRN_EINVAL);
	make_out(&o);
	o.kind = CAIRN_KIND_NONE;
	assert_int_equal(cairn_storefmt_out_encode(&o, buf, &len),
	    CAIRN_EINVAL);
	make_out(&o);
	o.next_ms = -1;
	assert_int_equal(cairn_storefmt_out_encode(&o, buf, &len),
	    CAIRN_EINVAL);
	o.state = CAIRN_STOREFMT_OUT_FAILED;
	assert_int_equal(cairn_storefmt_out_encode(&o, buf, &len), 0);
	make_out(&o);
	memset(o.to_org, 'a', sizeof(o.to_org));
	assert_int_equal(cairn_storefmt_out_encode(&o, buf, &len),
	    CAIRN_EINVAL);
	make_in(&m);
	m.state = CAIRN_STOREFMT_IN_READ + 1;
	assert_int_equal(cairn_storefmt_in_encode(&m, buf, &len),
	    CAIRN_EINVAL);
	make_case(&c);
	c.channel = CAIRN_CHANNEL_MAX + 1;
	assert_int_equal(cairn_storefmt_case_encode(&c, buf, &len),
	    CAIRN_EINVAL);
	make_case(&c);
	memset(c.contact_by, '1', sizeof(c.contact_by));
	assert_int_equal(cairn_storefmt_case_encode(&c, buf, &len),
	    CAIRN_EINVAL);
}

static void
test_storefmt_blob(void **state)
{
	static const uint8_t pre[8] = { 0x40, 0xe2, 0x01, 0, 0, 0, 0, 0 };
	struct lay l = { .len = 0 };
	uint8_t	 data[100], got[8], *v;
	const uint8_t *p;
	size_t	 vlen, len, n;
	int	 rc;

	(void)state;
	for (n = 0; n < sizeof(data); n++)
		data[n] = (uint8_t)(n * 7);
	assert_int_equal(cairn_storefmt_blob_size(8, sizeof(data)),
	    1 + 8 + 4 + sizeof(data) + 32);
	assert_int_equal(cairn_storefmt_blob_size(0, 0), 1 + 4 + 32);
	if (sizeof(size_t) > 4)
		assert_int_equal(cairn_storefmt_blob_size(0,
		    (size_t)UINT32_MAX + 1), 0);
	cairn_storefmt_dedup_pre(got, 123456);
	assert_memory_equal(got, pre, sizeof(pre));

	vlen = cairn_storefmt_blob_size(8, sizeof(data));
	assert_non_null(v = malloc(vlen + 1));
	cairn_storefmt_blob_write(v, pre, 8, data, sizeof(data));
	lay_fill(&l, 1, 1);
	lay_bytes(&l, pre, 8);
	lay_le(&l, sizeof(data), 4);
	lay_bytes(&l, data, sizeof(data));
	lay_seal(&l);
	assert_int_equal(l.len, vlen);
	assert_memory_equal(v, l.buf, vlen);
	assert_int_equal(cairn_storefmt_blob_open(v, vlen, got, 8, &p, &len),
	    0);
	assert_memory_equal(got, pre, 8);
	assert_ptr_equal(p, v + 13);
	assert_int_equal(len, sizeof(data));

	for (n = 0; n < vlen; n++) {
		rc = cairn_storefmt_blob_open(v, n, got, 8, &p, &len);
		assert_int_equal(rc, CAIRN_ECORRUPT);
		assert_null(p);
	}
	/* a length that does not match what follows */
	v[9] ^= 0x01;
	reseal(v, vlen);
	assert_int_equal(cairn_storefmt_blob_open(v, vlen, got, 8, &p, &len),
	    CAIRN_ECORRUPT);
	v[9] ^= 0x01;
	v[0] = 2;
	reseal(v, vlen);
	assert_int_equal(cairn_storefmt_blob_open(v, vlen, got, 8, &p, &len),
	    CAIRN_EVERSION);
	free(v);

	/* empty, no pre */
	vlen = cairn_storefmt_blob_size(0, 0);
	assert_non_null(v = malloc(vlen));
	cairn_storefmt_blob_write(v, NULL, 0, NULL, 0);
	assert_int_equal(cairn_storefmt_blob_open(v, vlen, NULL, 0, &p, &len),
	    0);
	assert_int_equal(len, 0);
	free(v);
}

static void
test_storefmt_head_damage(void **state)
{
	uint8_t	 h[CAIRN_STOREFMT_HEAD_BYTES], hash[CAIRN_HASH_BYTES];
	uint64_t seq;
	size_t	 n;

	(void)state;
	memset(hash, 0x77, sizeof(hash));
	cairn_storefmt_head_encode(h, 0, hash);
	seq = 5;
	assert_int_equal(cairn_storefmt_head_decode(&seq, hash, h, sizeof(h)),
	    CAIRN_ECORRUPT);
	assert_true(seq == 0 && hash[0] == 0);
	memset(hash, 0x77, sizeof(hash));
	cairn_storefmt_head_encode(h, 7, hash);
	for (n = 0; n < sizeof(h); n++)
		assert_int_equal(cairn_storefmt_head_decode(&seq, hash, h, n),
		    CAIRN_ECORRUPT);
	h[0] = 2;
	reseal(h, sizeof(h));
	assert_int_equal(cairn_storefmt_head_decode(&seq, hash, h, sizeof(h)),
	    CAIRN_EVERSION);
}

static void
test_storefmt_checkpoint(void **state)
{
	struct cairn_audit_checkpoint cp, back;
	struct cairn_signer s;
	uint8_t	*buf, k[8];
	size_t	 len;

	(void)state;
	memset(&cp, 0, sizeof(cp));
	strcpy(cp.org, "bup.region-x");
	cp.seq = 2;
	cp.time_ms = 1795000000005LL;
	memset(cp.head_hash, 0x77, sizeof(cp.head_hash));
	memset(&s, 0, sizeof(s));
	s.sign = fake_sign;
	memset(s.key_id, 0x01, sizeof(s.key_id));
	assert_int_equal(cairn_audit_checkpoint_sign(&cp, &s, &buf, &len), 0);
	cairn_storefmt_seq_key(k, 2);
	assert_int_equal(cairn_storefmt_checkpoint_decode(&back, k, 8, buf,
	    len), 0);
	assert_true(back.seq == 2);
	assert_string_equal(back.org, "bup.region-x");
	cairn_storefmt_seq_key(k, 3);
	assert_int_equal(cairn_storefmt_checkpoint_decode(&back, k, 8, buf,
	    len), CAIRN_ECORRUPT);
	assert_true(back.seq == 0);
	assert_int_equal(cairn_storefmt_checkpoint_decode(&back, k, 7, buf,
	    len), CAIRN_ECORRUPT);
	cairn_storefmt_seq_key(k, 2);
	assert_int_not_equal(cairn_storefmt_checkpoint_decode(&back, k, 8,
	    buf, len - 1), 0);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_storefmt_db_names),
		cmocka_unit_test(test_storefmt_out_layout),
		cmocka_unit_test(test_storefmt_in_layout),
		cmocka_unit_test(test_storefmt_case_layout),
		cmocka_unit_test(test_storefmt_meta_layout),
		cmocka_unit_test(test_storefmt_keys),
		cmocka_unit_test(test_storefmt_record_damage),
		cmocka_unit_test(test_storefmt_encode_refuses),
		cmocka_unit_test(test_storefmt_blob),
		cmocka_unit_test(test_storefmt_head_damage),
		cmocka_unit_test(test_storefmt_checkpoint),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("storefmt", tests, NULL, NULL);
}

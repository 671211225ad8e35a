/* SPDX-License-Identifier: MIT */
/*
 * Store tests against real LMDB in a mkdtemp() directory: round trips of
 * every record kind, the schedule index, envelopes up to 5 MiB, dedup
 * expiry, the audit chain, durability across reopen, aborts, corruption
 * of stored bytes (changed behind the store's back through a raw LMDB
 * handle) and a full map.  Also the audit record format of proto/audit.h
 * on its own: round trip, every bit flip, every truncation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <lmdb.h>
#include <sodium.h>

#include "daemon/store.h"

#define NOW	1795000000000LL		/* 2026-11-19 */
#define DAY	86400000LL

struct fx {
	char		 dir[64];
	struct store	*st;
};

/* --- helpers --- */

static void
make_id(uint8_t id[static CAIRN_MSG_ID_BYTES], unsigned int n)
{
	unsigned int i;

	for (i = 0; i < CAIRN_MSG_ID_BYTES; i++)
		id[i] = (uint8_t)(0xa0 + i);
	id[0] = (uint8_t)(n >> 8);
	id[1] = (uint8_t)n;
}

static void
make_out(struct store_out *o, unsigned int n, int64_t next_ms)
{
	memset(o, 0, sizeof(*o));
	make_id(o->msg_id, n);
	o->state = STORE_OUT_QUEUED;
	o->kind = CAIRN_KIND_REQUEST;
	strcpy(o->from_function, "elevhalsan");
	strcpy(o->to_org, "bup.region-x");
	strcpy(o->to_function, "intake");
	make_id(o->conversation_id, n + 1000);
	o->has_reply_to = (n % 2) == 1;
	make_id(o->in_reply_to, n + 2000);
	o->created_ms = NOW;
	o->expires_ms = NOW + 7 * DAY;
	o->next_ms = next_ms;
	o->receipt_ms = 0;
	o->attempts = n;
	o->last_error = CAIRN_ETIMEOUT;
	o->nack_reason = 0;
	cairn_sig_hash(o->envelope_hash, o->msg_id, CAIRN_MSG_ID_BYTES);
}

static void
make_in(struct store_in *m, unsigned int n)
{
	memset(m, 0, sizeof(*m));
	make_id(m->msg_id, n);
	m->state = STORE_IN_NEW;
	m->kind = CAIRN_KIND_GUARANTEE;
	strcpy(m->from_org, "skola.kommun-y");
	strcpy(m->from_function, "elevhalsan");
	strcpy(m->to_function, "intake");
	make_id(m->conversation_id, n + 1000);
	m->has_reply_to = (n % 2) == 0;
	make_id(m->in_reply_to, n + 2000);
	m->created_ms = NOW - 1000;
	m->expires_ms = NOW + DAY;
	m->received_ms = NOW;
	cairn_sig_hash(m->envelope_hash, m->msg_id, CAIRN_MSG_ID_BYTES);
}

static void
assert_out_equal(const struct store_out *a, const struct store_out *b)
{
	assert_memory_equal(a->msg_id, b->msg_id, CAIRN_MSG_ID_BYTES);
	assert_int_equal(a->state, b->state);
	assert_int_equal(a->kind, b->kind);
	assert_string_equal(a->from_function, b->from_function);
	assert_string_equal(a->to_org, b->to_org);
	assert_string_equal(a->to_function, b->to_function);
	assert_memory_equal(a->conversation_id, b->conversation_id,
	    CAIRN_MSG_ID_BYTES);
	assert_int_equal(a->has_reply_to, b->has_reply_to);
	assert_memory_equal(a->in_reply_to, b->in_reply_to,
	    CAIRN_MSG_ID_BYTES);
	assert_true(a->created_ms == b->created_ms);
	assert_true(a->expires_ms == b->expires_ms);
	assert_true(a->next_ms == b->next_ms);
	assert_true(a->receipt_ms == b->receipt_ms);
	assert_int_equal(a->attempts, b->attempts);
	assert_int_equal(a->last_error, b->last_error);
	assert_int_equal(a->nack_reason, b->nack_reason);
	assert_memory_equal(a->envelope_hash, b->envelope_hash,
	    CAIRN_HASH_BYTES);
}

static void
assert_in_equal(const struct store_in *a, const struct store_in *b)
{
	assert_memory_equal(a->msg_id, b->msg_id, CAIRN_MSG_ID_BYTES);
	assert_int_equal(a->state, b->state);
	assert_int_equal(a->kind, b->kind);
	assert_string_equal(a->from_org, b->from_org);
	assert_string_equal(a->from_function, b->from_function);
	assert_string_equal(a->to_function, b->to_function);
	assert_memory_equal(a->conversation_id, b->conversation_id,
	    CAIRN_MSG_ID_BYTES);
	assert_int_equal(a->has_reply_to, b->has_reply_to);
	assert_memory_equal(a->in_reply_to, b->in_reply_to,
	    CAIRN_MSG_ID_BYTES);
	assert_true(a->created_ms == b->created_ms);
	assert_true(a->expires_ms == b->expires_ms);
	assert_true(a->received_ms == b->received_ms);
	assert_memory_equal(a->envelope_hash, b->envelope_hash,
	    CAIRN_HASH_BYTES);
}

static uint8_t *
make_bytes(size_t len, unsigned int seed)
{
	uint8_t	*p;
	uint8_t	 key[randombytes_SEEDBYTES];

	p = malloc(len > 0 ? len : 1);
	assert_non_null(p);
	memset(key, (int)seed, sizeof(key));
	randombytes_buf_deterministic(p, len, key);
	return p;
}

static void
make_audit(struct cairn_audit_record *r, unsigned int n)
{
	memset(r, 0, sizeof(*r));
	r->time_ms = NOW + n;
	r->event = (enum cairn_audit_event)(1 + n % CAIRN_AUDIT_EVENT_MAX);
	r->has_msg_id = (n % 3) != 0;
	if (r->has_msg_id)
		make_id(r->msg_id, n);
	strcpy(r->local, "skola.kommun-y/elevhalsan");
	if (n % 4 != 0)
		strcpy(r->remote, "bup.region-x/intake");
	r->has_envelope_hash = (n % 2) == 0;
	if (r->has_envelope_hash)
		cairn_sig_hash(r->envelope_hash, (const uint8_t *)"e", 1);
	r->code = n % 5 == 0 ? CAIRN_EBADSIG : 0;
	r->uid = r->event == CAIRN_AUDIT_READ ? 1000 : -1;
}

static void
reopen(struct fx *f)
{
	store_close(f->st);
	f->st = NULL;
	assert_int_equal(store_open(&f->st, f->dir, 0), 0);
}

/*
 * Raw access to the environment behind the store's back, with the store
 * closed (LMDB forbids opening one environment twice in a process).
 */
struct raw {
	MDB_env	*env;
	MDB_txn	*txn;
	MDB_dbi	 dbi;
};

static void
raw_open(struct raw *r, const char *dir, const char *db)
{
	assert_int_equal(mdb_env_create(&r->env), 0);
	assert_int_equal(mdb_env_set_maxdbs(r->env, 16), 0);
	assert_int_equal(mdb_env_open(r->env, dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(r->env, NULL, 0, &r->txn), 0);
	assert_int_equal(mdb_dbi_open(r->txn, db, 0, &r->dbi), 0);
}

static void
raw_close(struct raw *r)
{
	assert_int_equal(mdb_txn_commit(r->txn), 0);
	mdb_env_close(r->env);
}

/* Returns a malloc'ed copy of the value under key in db. */
static uint8_t *
raw_get(const char *dir, const char *db, const void *key, size_t klen,
    size_t *len)
{
	struct raw r;
	MDB_val	 k, v;
	uint8_t	*p;

	raw_open(&r, dir, db);
	k.mv_size = klen;
	k.mv_data = (void *)key;
	assert_int_equal(mdb_get(r.txn, r.dbi, &k, &v), 0);
	p = malloc(v.mv_size);
	assert_non_null(p);
	memcpy(p, v.mv_data, v.mv_size);
	*len = v.mv_size;
	raw_close(&r);
	return p;
}

static void
raw_put(const char *dir, const char *db, const void *key, size_t klen,
    const uint8_t *val, size_t len)
{
	struct raw r;
	MDB_val	 k, v;

	raw_open(&r, dir, db);
	k.mv_size = klen;
	k.mv_data = (void *)key;
	v.mv_size = len;
	v.mv_data = (void *)val;
	assert_int_equal(mdb_put(r.txn, r.dbi, &k, &v, 0), 0);
	raw_close(&r);
}

/* Flips one bit of byte off of the value under key in db. */
static void
raw_flip(const char *dir, const char *db, const void *key, size_t klen,
    size_t off, uint8_t bit)
{
	uint8_t	*p;
	size_t	 len;

	p = raw_get(dir, db, key, klen, &len);
	assert_true(off < len);
	p[off] ^= bit;
	raw_put(dir, db, key, klen, p, len);
	free(p);
}

static void
be64(uint8_t k[8], uint64_t v)
{
	int	i;

	for (i = 7; i >= 0; i--) {
		k[i] = v & 0xff;
		v >>= 8;
	}
}

/* --- fixture --- */

static int
setup(void **state)
{
	struct fx *f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/cairn-store-XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	if (store_open(&f->st, f->dir, 0) != 0) {
		rmdir(f->dir);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char	 path[128];

	store_close(f->st);
	snprintf(path, sizeof(path), "%s/data.mdb", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", f->dir);
	unlink(path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* --- outbox --- */

static void
test_store_out_roundtrip(void **state)
{
	struct fx *f = *state;
	struct store_txn *txn;
	struct store_out o, got;
	uint8_t	 env[3] = { 1, 2, 3 };

	make_out(&o, 1, NOW);
	assert_int_equal(store_begin(f->st, &txn), 0);
	assert_int_equal(store_out_add(txn, &o, env, sizeof(env)), 0);
	/* Visible through the txn, not outside it, before the commit. */
	assert_int_equal(store_out_get(f->st, txn, o.msg_id, &got), 0);
	assert_out_equal(&o, &got);
	assert_int_equal(store_out_get(f->st, NULL, o.msg_id, &got),
	    CAIRN_ENOTFOUND);
	assert_int_equal(store_commit(txn), 0);

	assert_int_equal(store_out_get(f->st, NULL, o.msg_id, &got), 0);
	assert_out_equal(&o, &got);

	o.attempts = 7;
	o.next_ms = NOW + 60000;
	o.last_error = CAIRN_ETIMEOUT;
	assert_int_equal(store_begin(f->st, &txn), 0);
	assert_int_equal(store_out_update(txn, &o), 0);
	assert_int_equal(store_commit(txn), 0);
	assert_int_equal(store_out_get(f->st, NULL, o.msg_id, &got), 0);
	assert_out_equal(&o, &got);

	o.state = STORE_OUT_DELIVERED;
	o.receipt_ms = NOW + 61000;
	assert_int_equal(store_begin(f->st, &txn), 0);
	assert_int_equal(store_out_update(txn, &o), 0);
	assert_int_equal(store_commit(txn), 0);
	assert_int_equal(store_out_get(f->st, NULL, o.msg_id, &got), 0);
	assert_out_equal(&o, &got);

	/* Updating an unknown message. */
	make_out(&o, 2, NOW);
	assert_int_equal(store_begin(f->st, &txn), 0);
	assert_int_equal(store_out_update(txn, &o), CAIRN_ENOTFOUND);
	store_abort(txn);
}

static void
test_store_out_refuses_bad_fields(void **state)
{
	struct fx *f = *state;
	struct store_txn *txn;
	struct store_out o, bad, got;

	make_out(&o, 1, NOW);
	assert_int_equal(store_begin(f->st, &txn), 0);
	bad = o;
	bad.state = 0;
	assert_int_equal(store_out_add(txn, &bad, NULL, 0), CAIRN_EINVAL);
	bad = o;
	bad.state = 5;
	assert_int_equal(store_out_add(txn, &bad, NULL, 0), CAIRN_EINVAL);
	bad = o;
	bad.kind = CAIRN_KIND_NONE;
	assert_int_equal(store_out_add(txn, &bad, NULL, 0), CAIRN_EINVAL);
	bad = o;
	memset(bad.to_org, 'a', sizeof(bad.to_org));
	assert_int_equal(store_out_add(txn, &bad, NULL, 0), CAIRN_EINVAL);
	bad = o;
	bad.next_ms = -1;
	assert_int_equal(store_out_add(txn, &bad, NULL, 0), CAIRN_EINVAL);
	/* Refusals leave the transaction usable. */
	assert_int_equal(store_out_add(txn, &o, NULL, 0), 0);
	assert_int_equal(store_commit(txn), 0);
	assert_int_equal(store_out_get(f->st, NULL, o.msg_id, &got), 0);
	assert_out_equal(&o, &got);
}

static void
expect_due(struct store *st, int64_t now, size_t max, size_t want_n,
    const unsigned int *want, int64_t want_next)
{
	struct store_out out[8];
	uint8_t	 id[CAIRN_MSG_ID_BYTES];
	size_t	 n, i;
	int64_t	 next;

	assert_true(max <= 8);
	assert_int_equal(store_out_due(st, NULL, now, out, max, &n, &next), 0);
	assert_int_equal(n, want_n);
	for (i = 0; i < n; i++) {
		make_id(id, want[i]);
		assert_memory_equal(out[i].msg_id, id, CAIRN_MSG_ID_BYTES);
		assert_int_equal(out[i].state, STORE_OUT_QUEUED);
	}
	assert_true(next == want_next);
}

/* due_select's filter: peers "full.x" are skipped, "stop.x" stops */
static enum store_due_pick
pick_org(void *arg, const struct store_out *o)
{
	size_t	*seen = arg;

	(*seen)++;
	if (strcmp(o->to_org, "full.x") == 0)
		return STORE_DUE_SKIP;
	if (strcmp(o->to_org, "stop.x") == 0)
		return STORE_DUE_STOP;
	return STORE_DUE_TAKE;
}

static void
test_store_due_select(void **state)
{
	struct fx *f = *state;
	struct store_txn *txn;
	struct store_out o[6], out[6];
	static const char *orgs[6] = { "full.x", "full.x", "a.x", "full.x",
	    "stop.x", "b.x" };
	size_t	 i, n, seen;
	int64_t	 next;
	uint8_t	 id[CAIRN_MSG_ID_BYTES];

	assert_int_equal(store_begin(f->st, &txn), 0);
	for (i = 0; i < 6; i++) {
		make_out(&o[i], (unsigned int)i + 1, 100 + (int64_t)i);
		strcpy(o[i].to_org, orgs[i]);
		assert_int_equal(store_out_add(txn, &o[i], NULL, 0), 0);
	}
	assert_int_equal(store_commit(txn), 0);

	/* skipped ones are looked at, not listed; a stop ends the scan */
	seen = 0;
	assert_int_equal(store_out_due_select(f->st, NULL, 1000, out, 6, 6,
	    pick_org, &seen, &n, &next), 0);
	assert_int_equal(n, 1);
	make_id(id, 3);
	assert_memory_equal(out[0].msg_id, id, CAIRN_MSG_ID_BYTES);
	assert_int_equal(seen, 5);
	assert_true(next == 104);	/* the one it stopped at */

	/* visit_max counts every message looked at, taken or skipped */
	seen = 0;
	assert_int_equal(store_out_due_select(f->st, NULL, 1000, out, 6, 2,
	    pick_org, &seen, &n, &next), 0);
	assert_int_equal(n, 0);
	assert_int_equal(seen, 2);
	assert_true(next == 102);

	/* max counts taken ones only */
	seen = 0;
	assert_int_equal(store_out_due_select(f->st, NULL, 1000, out, 1, 6,
	    pick_org, &seen, &n, &next), 0);
	assert_int_equal(n, 1);
	assert_true(next == 103);

	/* not yet due: not looked at */
	seen = 0;
	assert_int_equal(store_out_due_select(f->st, NULL, 101, out, 6, 6,
	    pick_org, &seen, &n, &next), 0);
	assert_int_equal(n, 0);
	assert_int_equal(seen, 2);
	assert_true(next == 102);

	/* without a filter it is store_out_due */
	assert_int_equal(store_out_due_select(f->st, NULL, 1000, out, 6,
	    SIZE_MAX, NULL, NULL, &n, &next), 0);
	assert_int_equal(n, 6);
	assert_true(next == INT64_MAX);
}

static void
test_store_sched_order_and_due(void **state)
{
	struct fx *f = *state;
	struct store_txn *txn;
	struct store_out a, b, c;
	struct store_stats s;

	make_out(&a, 1, 300);
	make_out(&b, 2, 100);
	make_out(&c, 3, 200);
	assert_int_equal(store_begin(f->st, &txn), 0);
	assert_int_equal(store_out_add(txn, &a, NULL, 0), 0);
	assert_int_equal(store_out_add(txn, &b, NULL, 0), 0);
	assert_int_equal(store_out_add(txn, &c, NULL, 0), 0);
	assert_int_equal(store_commit(txn), 0);

	expect_due(f->st, 50, 8, 0, NULL, 100);
	expect_due(f->st, 100, 8, 1, (unsigned int[]){ 2 }, 200);
	expect_due(f->st, 250, 8, 2, (unsigned int[]){ 2, 3 }, 300);
	expect_due(f->st, 1000, 8, 3, (unsigned int[]){ 2, 3, 1 }, INT64_MAX);
	/* With max reached, next_ms is the first one left out. */
	expect_due(f->st, 1000, 2, 2, (unsigned int[]){ 2, 3 }, 300);
	expect_due(f->st, 1000, 0, 0, NULL, 100);

	/* Moving b behind the others. */
	b.next_ms = 500;
	b.attempts++;
	assert_int_equal(store_begin(f->st, &txn), 0);
	assert_int_equal(store_out_update(txn, &b), 0);
	assert_int_equal(store_commit(txn), 0);
	expect_due(f->st, 1000, 8, 3, (unsigned int[]){ 3, 1, 2 }, INT64_MAX);
	expect_due(f->st, 400, 8, 2, (unsigned int[]){ 3, 1 }, 500);

	/* Non-QUEUED states leave the schedule. */
	c.state = STORE_OUT_DELIVERED;
	assert_int_equal(store_begin(f->st, &txn), 0);
	assert_int_equal(store_out_update(txn, &c), 0);
	assert_int_equal(store_commit(txn), 0);
	expect_due(f->st, 1000, 8, 2, (unsigned int[]){ 1, 2 }, INT64_MAX);

	a.state = STORE_OUT_FAILED;
	b.state = STORE_OUT_REJECTED;
	assert_int_equal(store_begin(f->st, &txn), 0);
	assert_int_equal(store_out_update(txn, &a), 0);
	assert_int_equal(store_out_update(txn, &b), 0);
	/* The write txn sees its own schedule changes. */
	{
		struct store_out out[4];
		size_t	 n;
		int64_t	 next;

		assert_int_equal(store_out_due(f->st, txn, 1000, out, 4, &n,
		    &next), 0);
		assert_int_equal(n, 0);
		assert_true(next == INT64_MAX);
	}
	assert_int_equal(store_commit(txn), 0);
	expect_due(f->st, INT64_MAX, 8, 0, NULL, INT64_MAX);

	/* And back into it. */
	a.state = STORE_OUT_QUEUED;
	a.next_ms = 10;
	assert_int_equal(store_begin(f->st, &txn), 0);
	assert_int_equal(store_out_update(txn, &a), 0);
	assert_int_equal(store_commit(txn), 0);
	expect_due(f->st, 10, 8, 1, (unsigned int[]){ 1 }, INT64_MAX);

	assert_int_equal(store_stats(f->st, &s), 0);
	assert_int_equal(s.out_total, 3);
	assert_int_equal(s.out_queued, 1);
	assert_int_equal(s.out_delivered, 1);
	assert_int_equal(s.out_rejected, 1);
	assert_int_equal(s.out_failed, 0);
}

/*
 * store_out_replace: given the record as read in the transaction, it moves
 * the schedule entry as store_out_update does, without reading it again;
 * a record read for another message is refused and changes nothing.
 */
static void
test_store_out_replace(void **state)
{
	struct fx *f = *state;
	struct store_txn *txn;
	struct store_out a, b, old, got;

	make_out(&a, 1, 300);
	make_out(&b, 2, 100);
	assert_int_equal(store_begin(f->st, &txn), 0);
	assert_int_equal(store_out_add(txn, &a, NULL, 0), 0);
	assert_int_equal(store_out_add(txn, &b, NULL, 0), 0);
	assert_int_equal(store_commit(txn), 0);

	/* later in the queue, as a retry is */
	assert_int_equal(store_begin(f->st, &txn), 0);
	assert_int_equal(store_out_get(f->st, txn, a.msg_id, &old), 0);
	a.next_ms = 700;
	a.attempts = 2;
	assert_int_equal(store_out_replace(txn, &old, &a), 0);
	assert_int_equal(store_commit(txn), 0);
	expect_due(f->st, 1000, 8, 2, (unsigned int[]){ 2, 1 }, INT64_MAX);
	expect_due(f->st, 500, 8, 1, (unsigned int[]){ 2 }, 700);

	/* settled, as a receipt does: out of the schedule */
	assert_int_equal(store_begin(f->st, &txn), 0);
	assert_int_equal(store_out_get(f->st, txn, a.msg_id, &old), 0);
	a.state = STORE_OUT_DELIVERED;
	a.receipt_ms = 800;
	assert_int_equal(store_out_replace(txn, &old, &a), 0);
	assert_int_equal(store_commit(txn), 0);
	expect_due(f->st, 1000, 8, 1, (unsigned int[]){ 2 }, INT64_MAX);
	assert_int_equal(store_out_get(f->st, NULL, a.msg_id, &got), 0);
	assert_out_equal(&a, &got);

	/* the record of another message: refused, nothing written */
	assert_int_equal(store_begin(f->st, &txn), 0);
	assert_int_equal(store_out_get(f->st, txn, a.msg_id, &old), 0);
	b.state = STORE_OUT_FAILED;
	assert_int_equal(store_out_replace(txn, &old, &b), CAIRN_EINVAL);
	store_abort(txn);
	expect_due(f->st, 1000, 8, 1, (unsigned int[]){ 2 }, INT64_MAX);
}

static void
test_store_envelope_byte_exact(void **state)
{
	struct fx *f = *state;
	static const size_t sizes[] = { 0, 1, 1000, 4096, 5u * 1024 * 1024 };
	struct store_txn *txn;
	struct store_out o;
	uint8_t	*env[5], *got;
	size_t	 i, len;

	assert_int_equal(store_begin(f->st, &txn), 0);
	for (i = 0; i < 5; i++) {
		env[i] = make_bytes(sizes[i], (unsigned int)i);
		make_out(&o, (unsigned int)i, NOW);
		assert_int_equal(store_out_add(txn, &o, env[i], sizes[i]), 0);
	}
	make_id(o.msg_id, 4);
	assert_int_equal(store_out_envelope(f->st, txn, o.msg_id, &got, &len),
	    0);
	assert_int_equal(len, sizes[4]);
	assert_memory_equal(got, env[4], len);
	free(got);
	assert_int_equal(store_commit(txn), 0);

	reopen(f);
	for (i = 0; i < 5; i++) {
		make_id(o.msg_id, (unsigned int)i);
		assert_int_equal(store_out_envelope(f->st, NULL, o.msg_id,
		    &got, &len), 0);
		assert_int_equal(len, sizes[i]);
		if (len > 0)
			assert_memory_equal(got, env[i], len);
		free(got);
		free(env[i]);
	}
	make_id(o.msg_id, 99);
	assert_int_equal(store_out_envelope(f->st, NULL, o.msg_id, &got,
	    &len), CAIRN_ENOTFOUND);
	assert_null(got);
}

static void
test_store_receipts(void **state)
{
	struct fx *f = *state;
	struct store_txn *txn;
	uint8_t	 id[CAIRN_MSG_ID_BYTES], *r, *got;
	size_t	 len;

	make_id(id, 5);
	r = make_bytes(180, 5);
	assert_int_equal(store_receipt_get(f->st, NULL, id, &got, &len),
	    CAIRN_ENOTFOUND);
	assert_int_equal(store_begin(f->st, &txn), 0);
	assert_int_equal(store_receipt_put(txn, id, r, 180), 0);
	assert_int_equal(store_commit(txn), 0);
	assert_int_equal(store_receipt_get(f->st, NULL, id, &got, &len), 0);
	assert_int_equal(len, 180);
	assert_memory_equal(got, r, 180);
	free(got);
	free(r);
}

/* A callback that reads through its own transaction while each runs. */
struct each_ctx {
	struct store	*st;
	unsigned int	 count;
	uint8_t		 last[CAIRN_MSG_ID_BYTES];
};

static int
out_each_cb(void *arg, const struct store_out *o)
{
	struct each_ctx *c = arg;
	uint8_t	*env;
	size_t	 len;

	if (c->count > 0)
		assert_true(memcmp(c->last, o->msg_id, CAIRN_MSG_ID_BYTES) < 0);
	memcpy(c->last, o->msg_id, CAIRN_MSG_ID_BYTES);
	assert_int_equal(store_out_envelope(c->st, NULL, o->msg_id, &env,
	    &len), 0);
	assert_int_equal(len, 16);
	free(env);
	return ++c->count == 100 ? 42 : 0;
}

static void
test_store_out_each_nested_read(void **state)
{
	struct fx *f = *state;
	struct store_txn *txn;
	struct store_out o;
	struct each_ctx c = { f->st, 0, { 0 } };
	unsigned int i;

	assert_int_equal(store_begin(f->st, &txn), 0);
	for (i = 0; i < 20; i++) {
		make_out(&o, 19 - i, NOW + i);
		assert_int_equal(store_out_add(txn, &o, o.msg_id,
		    CAIRN_MSG_ID_BYTES), 0);
	}
	assert_int_equal(store_commit(txn), 0);
	assert_int_equal(store_out_each(f->st, out_each_cb, &c), 0);
	assert_int_equal(c.count, 20);
}

/* --- inbox and dedup --- */

static int
in_each_cb(void *arg, const struct store_in *m)
{
	struct each_ctx *c = arg;
	struct store_in want;

	make_in(&want, c->count);
	if (c->count == 1)
		want.state = STORE_IN_READ;
	assert_in_equal(m, &want);
	c->count++;
	return 0;
}

static void
test_store_in_roundtrip(void **state)
{
	struct fx *f = *state;
	struct store_txn *txn;
	struct store_in m, got;
	struct each_ctx c = { f->st, 0, { 0 } };
	uint8_t	*env, *genv;
	size_t	 len;
	unsigned int i;

	env = make_bytes(2000, 9);
	assert_int_equal(store_begin(f->st, &txn), 0);
	for (i = 0; i < 3; i++) {
		make_in(&m, i);
		assert_int_equal(store_in_add(txn, &m, env, 2000), 0);
	}
	assert_int_equal(store_commit(txn), 0);

	make_in(&m, 1);
	assert_int_equal(store_in_get(f->st, NULL, m.msg_id, &got), 0);
	assert_in_equal(&m, &got);
	assert_int_equal(store_in_envelope(f->st, NULL, m.msg_id, &genv,
	    &len), 0);
	assert_int_equal(len, 2000);
	assert_memory_equal(genv, env, len);
	free(genv);

	m.state = STORE_IN_READ;
	assert_int_equal(store_begin(f->st, &txn), 0);
	assert_int_equal(store_in_update(txn, &m), 0);
	assert_int_equal(store_commit(txn), 0);
	assert_int_equal(store_in_get(f->st, NULL, m.msg_id, &got), 0);
	assert_in_equal(&m, &got);

	assert_int_equal(store_in_each(f->st, in_each_cb, &c), 0);
	assert_int_equal(c.count, 3);

	make_in(&m, 7);
	assert_int_equal(store_in_get(f->st, NULL, m.msg_id, &got),
	    CAIRN_ENOTFOUND);
	assert_int_equal(store_begin(f->st, &txn), 0);
	assert_int_equal(store_in_update(txn, &m), CAIRN_ENOTFOUND);
	store_abort(txn);
	free(env);
}

static void
test_store_duplicate_msg_id(void **state)
{
	struct fx *f = *state;
	struct store_txn *txn;
	struct store_out o, o2, got;
	struct store_in m, m2, gotm;
	struct store_stats s;
	uint8_t	*env;
	size_t	 len;

	make_out(&o, 1, NOW);
	make_in(&m, 1);
	assert_int_equal(store_begin(f->st, &txn), 0);
	assert_int_equal(store_out_add(txn, &o, (const uint8_t *)"one", 3), 0);
	assert_int_equal(store_in_add(txn, &m, (const uint8_t *)"one", 3), 0);
	assert_int_equal(store_commit(txn), 0);

	/* A refused duplicate changes nothing and the txn still commits. */
	o2 = o;
	o2.next_ms = NOW + 5;
	strcpy(o2.to_org, "other");
	m2 = m;
	strcpy(m2.from_org, "other");
	make_out(&o, 2, NOW);
	assert_int_equal(store_begin(f->st, &txn), 0);
	assert_int_equal(store_out_add(txn, &o2, (const uint8_t *)"two", 3),
	    CAIRN_EEXIST);
	assert_int_equal(store_in_add(txn, &m2, (const uint8_t *)"two", 3),
	    CAIRN_EEXIST);
	assert_int_equal(store_out_add(txn, &o, NULL, 0), 0);
	assert_int_equal(store_commit(txn), 0);

	make_out(&o, 1, NOW);
	assert_int_equal(store_out_get(f->st, NULL, o.msg_id, &got), 0);
	assert_out_equal(&o, &got);
	assert_int_equal(store_out_envelope(f->st, NULL, o.msg_id, &env,
	    &len), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(env, "one", 3);
	free(env);
	assert_int_equal(store_in_get(f->st, NULL, m.msg_id, &gotm), 0);
	assert_in_equal(&m, &gotm);
	assert_int_equal(store_in_envelope(f->st, NULL, m.msg_id, &env,
	    &len), 0);
	assert_memory_equal(env, "one", 3);
	free(env);
	/* Still one schedule entry for message 1. */
	expect_due(f->st, NOW + 10, 8, 2, (unsigned int[]){ 1, 2 }, INT64_MAX);
	assert_int_equal(store_stats(f->st, &s), 0);
	assert_int_equal(s.out_total, 2);
	assert_int_equal(s.in_total, 1);
}

static void
test_store_dedup_put_get_expire(void **state)
{
	struct fx *f = *state;
	struct store_txn *txn;
	struct store_stats s;
	uint8_t	 id[CAIRN_MSG_ID_BYTES], *rcpt[4], *got;
	size_t	 len, n;
	unsigned int i;
	/* Expiry order differs from id order. */
	static const int64_t expires[4] = { 300, 100, 400, 200 };

	assert_int_equal(store_begin(f->st, &txn), 0);
	for (i = 0; i < 4; i++) {
		make_id(id, i);
		rcpt[i] = make_bytes(150 + i, i);
		assert_int_equal(store_dedup_put(txn, id, expires[i], rcpt[i],
		    150 + i), 0);
	}
	make_id(id, 2);
	assert_int_equal(store_dedup_put(txn, id, 999, rcpt[0], 150),
	    CAIRN_EEXIST);
	/* The write txn sees its own puts, a read txn does not. */
	assert_int_equal(store_dedup_get(f->st, txn, id, &got, &len), 0);
	free(got);
	assert_int_equal(store_dedup_get(f->st, NULL, id, &got, &len),
	    CAIRN_ENOTFOUND);
	assert_int_equal(store_commit(txn), 0);

	for (i = 0; i < 4; i++) {
		make_id(id, i);
		assert_int_equal(store_dedup_get(f->st, NULL, id, &got, &len),
		    0);
		assert_int_equal(len, 150 + i);
		assert_memory_equal(got, rcpt[i], len);
		free(got);
	}

	assert_int_equal(store_begin(f->st, &txn), 0);
	assert_int_equal(store_dedup_expire(txn, 100, 10, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_dedup_expire(txn, 301, 1, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_dedup_expire(txn, 301, 10, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_commit(txn), 0);

	for (i = 0; i < 4; i++) {
		make_id(id, i);
		assert_int_equal(store_dedup_get(f->st, NULL, id, &got, &len),
		    i == 2 ? 0 : CAIRN_ENOTFOUND);
		free(got);
	}
	assert_int_equal(store_stats(f->st, &s), 0);
	assert_int_equal(s.dedup, 1);

	assert_int_equal(store_begin(f->st, &txn), 0);
	assert_int_equal(store_dedup_expire(txn, INT64_MAX, 10, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_dedup_expire(txn, INT64_MAX, 10, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_commit(txn), 0);
	for (i = 0; i < 4; i++)
		free(rcpt[i]);
}

/* --- audit --- */

struct chain_ctx {
	uint64_t	 next;
	uint8_t		 prev[CAIRN_HASH_BYTES];
	uint64_t	 stop;
};

static int
chain_cb(void *arg, const struct cairn_audit_record *rec)
{
	struct chain_ctx *c = arg;
	struct cairn_audit_record want;

	assert_true(rec->seq == c->next);
	make_audit(&want, (unsigned int)rec->seq);
	assert_int_equal(rec->event, want.event);
	assert_true(rec->time_ms == want.time_ms);
	assert_int_equal(rec->has_msg_id, want.has_msg_id);
	assert_memory_equal(rec->msg_id, want.msg_id, CAIRN_MSG_ID_BYTES);
	assert_string_equal(rec->local, want.local);
	assert_string_equal(rec->remote, want.remote);
	assert_int_equal(rec->code, want.code);
	assert_true(rec->uid == want.uid);
	assert_memory_equal(rec->prev_hash, c->prev, CAIRN_HASH_BYTES);
	memcpy(c->prev, rec->hash, CAIRN_HASH_BYTES);
	c->next++;
	return rec->seq == c->stop ? 7 : 0;
}

static void
test_store_audit_chain(void **state)
{
	struct fx *f = *state;
	struct store_txn *txn = NULL;
	struct cairn_audit_record rec, opened;
	struct chain_ctx c;
	struct store_stats s;
	uint8_t	 hashes[101][CAIRN_HASH_BYTES], head[CAIRN_HASH_BYTES];
	uint8_t	 key[8], *raw;
	uint64_t seq;
	size_t	 len;
	unsigned int i;

	assert_int_equal(store_audit_head(f->st, NULL, &seq, head), 0);
	assert_true(seq == 0);
	memset(hashes[0], 0, CAIRN_HASH_BYTES);
	assert_memory_equal(head, hashes[0], CAIRN_HASH_BYTES);

	/* 100 records in batches of 7 per transaction. */
	for (i = 1; i <= 100; i++) {
		if (txn == NULL)
			assert_int_equal(store_begin(f->st, &txn), 0);
		make_audit(&rec, i);
		rec.seq = 555;
		assert_int_equal(store_audit_append(txn, &rec), 0);
		assert_true(rec.seq == i);
		assert_memory_equal(rec.prev_hash, hashes[i - 1],
		    CAIRN_HASH_BYTES);
		memcpy(hashes[i], rec.hash, CAIRN_HASH_BYTES);
		assert_int_equal(store_audit_head(f->st, txn, &seq, head), 0);
		assert_true(seq == i);
		assert_memory_equal(head, rec.hash, CAIRN_HASH_BYTES);
		if (i % 7 == 0 || i == 100) {
			assert_int_equal(store_commit(txn), 0);
			txn = NULL;
		}
	}
	assert_int_equal(store_stats(f->st, &s), 0);
	assert_int_equal(s.audit, 100);

	memset(&c, 0, sizeof(c));
	c.next = 1;
	assert_int_equal(store_audit_each(f->st, 0, chain_cb, &c), 0);
	assert_true(c.next == 101);

	c.next = 40;
	memcpy(c.prev, hashes[39], CAIRN_HASH_BYTES);
	c.stop = 60;
	assert_int_equal(store_audit_each(f->st, 40, chain_cb, &c), 7);
	assert_true(c.next == 61);

	c.stop = 0;
	c.next = 200;
	assert_int_equal(store_audit_each(f->st, 101, chain_cb, &c), 0);
	assert_true(c.next == 200);

	/* The stored bytes open on their own (the read-only layout). */
	store_close(f->st);
	f->st = NULL;
	for (i = 1; i <= 100; i++) {
		be64(key, i);
		raw = raw_get(f->dir, "audit", key, sizeof(key), &len);
		assert_int_equal(cairn_audit_open(&opened, raw, len), 0);
		assert_true(opened.seq == i);
		assert_memory_equal(opened.prev_hash, hashes[i - 1],
		    CAIRN_HASH_BYTES);
		assert_memory_equal(opened.hash, hashes[i], CAIRN_HASH_BYTES);
		free(raw);
	}
	assert_int_equal(store_open(&f->st, f->dir, 0), 0);
	assert_int_equal(store_audit_head(f->st, NULL, &seq, head), 0);
	assert_true(seq == 100);
	assert_memory_equal(head, hashes[100], CAIRN_HASH_BYTES);
}

static void
test_store_audit_refuses_bad_record(void **state)
{
	struct fx *f = *state;
	struct store_txn *txn;
	struct cairn_audit_record rec;
	uint64_t seq;
	uint8_t	 head[CAIRN_HASH_BYTES];

	assert_int_equal(store_begin(f->st, &txn), 0);
	make_audit(&rec, 1);
	rec.event = 0;
	assert_int_equal(store_audit_append(txn, &rec), CAIRN_EFIELD);
	make_audit(&rec, 1);
	strcpy(rec.remote, "bup\nx");
	assert_int_equal(store_audit_append(txn, &rec), CAIRN_EFIELD);
	make_audit(&rec, 1);
	assert_int_equal(store_audit_append(txn, &rec), 0);
	assert_true(rec.seq == 1);
	assert_int_equal(store_commit(txn), 0);
	assert_int_equal(store_audit_head(f->st, NULL, &seq, head), 0);
	assert_true(seq == 1);
}

/* --- meta, durability, aborts --- */

static void
test_store_meta(void **state)
{
	struct fx *f = *state;
	struct store_txn *txn;
	uint64_t v = 77;

	assert_int_equal(store_meta_get_u64(f->st, "book.serial", &v),
	    CAIRN_ENOTFOUND);
	assert_true(v == 77);
	assert_int_equal(store_begin(f->st, &txn), 0);
	assert_int_equal(store_meta_put_u64(txn, "book.serial", 12), 0);
	assert_int_equal(store_meta_put_u64(txn, "audit.head", 1),
	    CAIRN_EINVAL);
	assert_int_equal(store_meta_put_u64(txn, "format", 2), CAIRN_EINVAL);
	assert_int_equal(store_meta_put_u64(txn, "", 2), CAIRN_EINVAL);
	assert_int_equal(store_commit(txn), 0);
	assert_int_equal(store_meta_get_u64(f->st, "book.serial", &v), 0);
	assert_true(v == 12);
	assert_int_equal(store_meta_get_u64(f->st, "format", &v), 0);
	assert_true(v == 1);
}

static void
test_store_survives_reopen(void **state)
{
	struct fx *f = *state;
	struct store_txn *txn;
	struct store_out o, got;
	struct store_in m, gotm;
	struct cairn_audit_record rec;
	uint8_t	 head[CAIRN_HASH_BYTES], *r;
	uint64_t seq, v;
	size_t	 len;

	make_out(&o, 1, NOW);
	make_in(&m, 2);
	make_audit(&rec, 1);
	assert_int_equal(store_begin(f->st, &txn), 0);
	assert_int_equal(store_out_add(txn, &o, (const uint8_t *)"env", 3), 0);
	assert_int_equal(store_in_add(txn, &m, (const uint8_t *)"inv", 3), 0);
	assert_int_equal(store_dedup_put(txn, m.msg_id, NOW + DAY,
	    (const uint8_t *)"rcpt", 4), 0);
	assert_int_equal(store_audit_append(txn, &rec), 0);
	assert_int_equal(store_meta_put_u64(txn, "book.serial", 3), 0);
	assert_int_equal(store_commit(txn), 0);

	reopen(f);
	assert_int_equal(store_out_get(f->st, NULL, o.msg_id, &got), 0);
	assert_out_equal(&o, &got);
	assert_int_equal(store_in_get(f->st, NULL, m.msg_id, &gotm), 0);
	assert_in_equal(&m, &gotm);
	assert_int_equal(store_dedup_get(f->st, NULL, m.msg_id, &r, &len), 0);
	assert_int_equal(len, 4);
	assert_memory_equal(r, "rcpt", 4);
	free(r);
	assert_int_equal(store_audit_head(f->st, NULL, &seq, head), 0);
	assert_true(seq == 1);
	assert_memory_equal(head, rec.hash, CAIRN_HASH_BYTES);
	assert_int_equal(store_meta_get_u64(f->st, "book.serial", &v), 0);
	assert_true(v == 3);
	expect_due(f->st, NOW, 8, 1, (unsigned int[]){ 1 }, INT64_MAX);

	/* The chain continues after the reopen. */
	make_audit(&rec, 2);
	assert_int_equal(store_begin(f->st, &txn), 0);
	assert_int_equal(store_audit_append(txn, &rec), 0);
	assert_int_equal(store_commit(txn), 0);
	assert_true(rec.seq == 2);
	assert_memory_equal(rec.prev_hash, head, CAIRN_HASH_BYTES);
}

static void
test_store_abort_discards(void **state)
{
	struct fx *f = *state;
	struct store_txn *txn, *txn2;
	struct store_out o, got;
	struct cairn_audit_record rec;
	uint8_t	 head[CAIRN_HASH_BYTES];
	uint64_t seq;
	size_t	 n;
	int64_t	 next;

	make_out(&o, 1, NOW);
	make_audit(&rec, 1);
	assert_int_equal(store_begin(f->st, &txn), 0);
	/* Only one write transaction at a time. */
	assert_int_equal(store_begin(f->st, &txn2), CAIRN_ESTORE);
	assert_int_equal(store_out_add(txn, &o, NULL, 0), 0);
	assert_int_equal(store_audit_append(txn, &rec), 0);
	store_abort(txn);
	store_abort(NULL);

	assert_int_equal(store_out_get(f->st, NULL, o.msg_id, &got),
	    CAIRN_ENOTFOUND);
	assert_int_equal(store_out_due(f->st, NULL, INT64_MAX, &got, 1, &n,
	    &next), 0);
	assert_int_equal(n, 0);
	assert_true(next == INT64_MAX);
	assert_int_equal(store_audit_head(f->st, NULL, &seq, head), 0);
	assert_true(seq == 0);

	/* The same id and seq can be taken afterwards. */
	assert_int_equal(store_begin(f->st, &txn), 0);
	assert_int_equal(store_out_add(txn, &o, NULL, 0), 0);
	assert_int_equal(store_audit_append(txn, &rec), 0);
	assert_true(rec.seq == 1);
	assert_int_equal(store_commit(txn), 0);
	reopen(f);
	assert_int_equal(store_out_get(f->st, NULL, o.msg_id, &got), 0);
}

/* --- corruption --- */

static void
test_store_corrupt_out_every_byte(void **state)
{
	struct fx *f = *state;
	struct store_txn *txn;
	struct store_out o, got;
	struct store_stats s;
	size_t	 len, off;
	uint8_t	*orig;

	make_out(&o, 1, NOW);
	assert_int_equal(store_begin(f->st, &txn), 0);
	assert_int_equal(store_out_add(txn, &o, NULL, 0), 0);
	assert_int_equal(store_commit(txn), 0);
	store_close(f->st);
	f->st = NULL;

	orig = raw_get(f->dir, "outbox", o.msg_id, CAIRN_MSG_ID_BYTES, &len);
	for (off = 0; off < len; off++) {
		raw_flip(f->dir, "outbox", o.msg_id, CAIRN_MSG_ID_BYTES, off,
		    (uint8_t)(1u << (off % 8)));
		assert_int_equal(store_open(&f->st, f->dir, 0), 0);
		assert_int_equal(store_out_get(f->st, NULL, o.msg_id, &got),
		    CAIRN_ECORRUPT);
		if (off == 0) {
			assert_int_equal(store_stats(f->st, &s),
			    CAIRN_ECORRUPT);
		}
		store_close(f->st);
		f->st = NULL;
		raw_put(f->dir, "outbox", o.msg_id, CAIRN_MSG_ID_BYTES, orig,
		    len);
	}
	/* Truncated and extended values. */
	raw_put(f->dir, "outbox", o.msg_id, CAIRN_MSG_ID_BYTES, orig,
	    len - 1);
	assert_int_equal(store_open(&f->st, f->dir, 0), 0);
	assert_int_equal(store_out_get(f->st, NULL, o.msg_id, &got),
	    CAIRN_ECORRUPT);
	store_close(f->st);
	f->st = NULL;
	raw_put(f->dir, "outbox", o.msg_id, CAIRN_MSG_ID_BYTES, orig, len);
	free(orig);
	assert_int_equal(store_open(&f->st, f->dir, 0), 0);
	assert_int_equal(store_out_get(f->st, NULL, o.msg_id, &got), 0);
	assert_out_equal(&o, &got);
}

static int
count_out_cb(void *arg, const struct store_out *o)
{
	(void)o;
	(*(unsigned int *)arg)++;
	return 0;
}

static int
count_in_cb(void *arg, const struct store_in *m)
{
	(void)m;
	(*(unsigned int *)arg)++;
	return 0;
}

static int
count_audit_cb(void *arg, const struct cairn_audit_record *rec)
{
	(void)rec;
	(*(unsigned int *)arg)++;
	return 0;
}

static void
test_store_corrupt_other_values(void **state)
{
	struct fx *f = *state;
	struct store_txn *txn;
	struct store_out o, due[2];
	struct store_in m, gotm;
	struct cairn_audit_record rec;
	uint8_t	*env, *buf, key[8];
	size_t	 len, n;
	int64_t	 next;
	unsigned int cnt;

	make_out(&o, 1, NOW);
	make_in(&m, 2);
	env = make_bytes(100 * 1024, 3);
	assert_int_equal(store_begin(f->st, &txn), 0);
	assert_int_equal(store_out_add(txn, &o, env, 100 * 1024), 0);
	assert_int_equal(store_in_add(txn, &m, env, 100 * 1024), 0);
	assert_int_equal(store_dedup_put(txn, m.msg_id, NOW, env, 300), 0);
	assert_int_equal(store_receipt_put(txn, o.msg_id, env, 200), 0);
	make_audit(&rec, 1);
	assert_int_equal(store_audit_append(txn, &rec), 0);
	make_audit(&rec, 2);
	assert_int_equal(store_audit_append(txn, &rec), 0);
	assert_int_equal(store_commit(txn), 0);
	store_close(f->st);
	f->st = NULL;

	raw_flip(f->dir, "outenv", o.msg_id, 16, 77777, 0x10);
	raw_flip(f->dir, "inenv", m.msg_id, 16, 3, 0x01);
	raw_flip(f->dir, "inbox", m.msg_id, 16, 20, 0x80);
	raw_flip(f->dir, "dedup", m.msg_id, 16, 100, 0x04);
	raw_flip(f->dir, "receipts", o.msg_id, 16, 2, 0x02);
	be64(key, 2);
	raw_flip(f->dir, "audit", key, 8, 40, 0x08);

	assert_int_equal(store_open(&f->st, f->dir, 0), 0);
	assert_int_equal(store_out_envelope(f->st, NULL, o.msg_id, &buf,
	    &len), CAIRN_ECORRUPT);
	assert_null(buf);
	assert_int_equal(store_in_envelope(f->st, NULL, m.msg_id, &buf, &len),
	    CAIRN_ECORRUPT);
	assert_int_equal(store_in_get(f->st, NULL, m.msg_id, &gotm),
	    CAIRN_ECORRUPT);
	cnt = 0;
	assert_int_equal(store_in_each(f->st, count_in_cb, &cnt),
	    CAIRN_ECORRUPT);
	assert_int_equal(store_dedup_get(f->st, NULL, m.msg_id, &buf, &len),
	    CAIRN_ECORRUPT);
	assert_int_equal(store_receipt_get(f->st, NULL, o.msg_id, &buf, &len),
	    CAIRN_ECORRUPT);
	cnt = 0;
	assert_int_equal(store_audit_each(f->st, 0, count_audit_cb, &cnt),
	    CAIRN_ECORRUPT);
	assert_int_equal(cnt, 1);
	/* The outbox record itself is intact. */
	cnt = 0;
	assert_int_equal(store_out_each(f->st, count_out_cb, &cnt), 0);
	assert_int_equal(cnt, 1);
	assert_int_equal(store_out_due(f->st, NULL, NOW, due, 2, &n, &next),
	    0);
	assert_int_equal(n, 1);
	free(env);
}

static void
test_store_corrupt_audit_head_and_links(void **state)
{
	struct fx *f = *state;
	struct store_txn *txn;
	struct cairn_audit_record rec;
	uint8_t	 head[CAIRN_HASH_BYTES], key[8], *r1, *r3;
	size_t	 len1, len3;
	uint64_t seq;
	unsigned int i, cnt;

	assert_int_equal(store_begin(f->st, &txn), 0);
	for (i = 1; i <= 3; i++) {
		make_audit(&rec, i);
		assert_int_equal(store_audit_append(txn, &rec), 0);
	}
	assert_int_equal(store_commit(txn), 0);
	store_close(f->st);
	f->st = NULL;

	/* A record that verifies on its own but does not link. */
	be64(key, 1);
	r1 = raw_get(f->dir, "audit", key, 8, &len1);
	be64(key, 3);
	r3 = raw_get(f->dir, "audit", key, 8, &len3);
	be64(key, 2);
	raw_put(f->dir, "audit", key, 8, r1, len1);
	assert_int_equal(store_open(&f->st, f->dir, 0), 0);
	cnt = 0;
	assert_int_equal(store_audit_each(f->st, 0, count_audit_cb, &cnt),
	    CAIRN_ECORRUPT);
	assert_int_equal(cnt, 1);
	store_close(f->st);
	f->st = NULL;

	/* A head that is damaged. */
	raw_flip(f->dir, "meta", "audit.head", 10, 5, 0x01);
	assert_int_equal(store_open(&f->st, f->dir, 0), 0);
	assert_int_equal(store_audit_head(f->st, NULL, &seq, head),
	    CAIRN_ECORRUPT);
	assert_int_equal(store_begin(f->st, &txn), 0);
	make_audit(&rec, 4);
	assert_int_equal(store_audit_append(txn, &rec), CAIRN_ECORRUPT);
	store_abort(txn);
	store_close(f->st);
	f->st = NULL;
	raw_flip(f->dir, "meta", "audit.head", 10, 5, 0x01);

	/* A head that lags behind the chain (record 4 already there). */
	be64(key, 4);
	raw_put(f->dir, "audit", key, 8, r3, len3);
	assert_int_equal(store_open(&f->st, f->dir, 0), 0);
	assert_int_equal(store_begin(f->st, &txn), 0);
	make_audit(&rec, 4);
	assert_int_equal(store_audit_append(txn, &rec), CAIRN_ECORRUPT);
	store_abort(txn);
	free(r1);
	free(r3);
}

/*
 * The start-up check reads the layout of every page: a node whose size
 * runs off its page (which a read walks past, but a write would copy) is
 * found, and a sound store is not refused.
 */
static void
count_org(void *arg, const char *org)
{
	char	*seen = arg;

	/* each organisation told once */
	assert_true(strlen(seen) + strlen(org) + 2 < 256);
	strcat(seen, org);
	strcat(seen, ";");
}

/*
 * The start-up check tells the organisations queued messages go to (not
 * those of settled messages), each once; releasing the map keeps every
 * record readable.
 */
static void
test_store_check_orgs_release_map(void **state)
{
	struct fx *f = *state;
	struct store_txn *txn;
	struct store_out o, got;
	uint8_t	 env[64] = { 7 };
	char	 seen[256] = "";
	unsigned int i;

	assert_int_equal(store_begin(f->st, &txn), 0);
	for (i = 1; i <= 300; i++) {
		make_out(&o, i, NOW + i);
		if (i % 3 == 0)
			strcpy(o.to_org, "uph.alingsas");
		if (i == 7) {
			strcpy(o.to_org, "settled.org");
			o.state = STORE_OUT_DELIVERED;
		}
		assert_int_equal(store_out_add(txn, &o, env, sizeof(env)), 0);
	}
	assert_int_equal(store_commit(txn), 0);
	assert_int_equal(store_out_get(f->st, NULL, o.msg_id, &got), 0);
	assert_int_equal(store_release_map(f->st), 0);
	for (i = 1; i <= 300; i++) {
		make_out(&o, i, NOW + i);
		assert_int_equal(store_out_get(f->st, NULL, o.msg_id, &got), 0);
		assert_int_equal(got.attempts, i);
	}
	assert_int_equal(store_release_map(f->st), 0);
	store_close(f->st);
	f->st = NULL;
	assert_int_equal(store_check(f->dir, 0, count_org, seen), 0);
	assert_string_equal(seen, "bup.region-x;uph.alingsas;");
	assert_int_equal(store_open(&f->st, f->dir, 0), 0);
}

static void
test_store_check_page_layout(void **state)
{
	struct fx *f = *state;
	struct store_txn *txn;
	struct cairn_audit_record rec;
	struct stat sb;
	char	 path[128];
	uint8_t	*buf, saved[2];
	size_t	 psize = 4096, pg, off = 0;
	unsigned int i;
	int	 fd;

	assert_int_equal(store_begin(f->st, &txn), 0);
	for (i = 1; i <= 300; i++) {
		make_audit(&rec, i);
		assert_int_equal(store_audit_append(txn, &rec), 0);
	}
	assert_int_equal(store_commit(txn), 0);
	store_close(f->st);
	f->st = NULL;
	assert_int_equal(store_check(f->dir, 0, NULL, NULL), 0);

	/*
	 * A leaf page with another page after it: its first node's data
	 * size grown by a page.  A read walk reads past the node into the
	 * next page without a fault; the layout check finds it.
	 */
	snprintf(path, sizeof(path), "%s/data.mdb", f->dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_non_null(buf = malloc((size_t)sb.st_size));
	assert_true((fd = open(path, O_RDWR)) >= 0);
	assert_int_equal(pread(fd, buf, (size_t)sb.st_size, 0), sb.st_size);
	for (pg = 2; off == 0 && (pg + 3) * psize <= (size_t)sb.st_size;
	    pg++) {
		const uint8_t *p = buf + pg * psize;
		unsigned lower = p[12] | p[13] << 8;

		size_t	 n0 = p[16] | p[17] << 8;

		/* an audit leaf: its first key is an 8-byte sequence number */
		if (p[0] == (pg & 0xff) && p[10] == 0x02 && lower > 16 + 2 &&
		    n0 + 16 <= psize && (p[n0 + 6] | p[n0 + 7] << 8) == 8 &&
		    p[n0 + 4] == 0 && p[n0 + 5] == 0)
			off = pg * psize + n0;
	}
	assert_true(off != 0);
	memcpy(saved, buf + off, 2);
	{
		unsigned lo = (saved[0] | saved[1] << 8) + (unsigned)psize;
		uint8_t	 grown[2] = { (uint8_t)lo, (uint8_t)(lo >> 8) };

		assert_int_equal(pwrite(fd, grown, 2, (off_t)off), 2);
	}
	assert_int_equal(store_check(f->dir, 0, NULL, NULL), CAIRN_ECORRUPT);
	/* put back: sound again */
	assert_int_equal(pwrite(fd, saved, 2, (off_t)off), 2);
	assert_int_equal(store_check(f->dir, 0, NULL, NULL), 0);
	close(fd);
	free(buf);
	assert_int_equal(store_open(&f->st, f->dir, 0), 0);
}

static void
test_store_format_version(void **state)
{
	struct fx *f = *state;
	struct store *st = NULL;
	uint8_t	 val[1 + 8 + 32], *orig;
	size_t	 len;

	store_close(f->st);
	f->st = NULL;
	orig = raw_get(f->dir, "meta", "format", 6, &len);
	assert_int_equal(len, sizeof(val));
	/* A well-formed value that names format 2. */
	memset(val, 0, sizeof(val));
	val[0] = 1;
	val[1] = 2;
	cairn_sig_hash(val + 9, val, 9);
	raw_put(f->dir, "meta", "format", 6, val, sizeof(val));
	assert_int_equal(store_open(&st, f->dir, 0), CAIRN_EVERSION);
	assert_null(st);
	/* A record version this code does not know. */
	val[0] = 2;
	val[1] = 1;
	cairn_sig_hash(val + 9, val, 9);
	raw_put(f->dir, "meta", "format", 6, val, sizeof(val));
	assert_int_equal(store_open(&st, f->dir, 0), CAIRN_EVERSION);
	/* Damage. */
	val[0] = 1;
	raw_put(f->dir, "meta", "format", 6, val, sizeof(val));
	assert_int_equal(store_open(&st, f->dir, 0), CAIRN_ECORRUPT);
	raw_put(f->dir, "meta", "format", 6, orig, len);
	free(orig);
	assert_int_equal(store_open(&f->st, f->dir, 0), 0);
}

static void
test_store_open_errors(void **state)
{
	struct fx *f = *state;
	struct store *st = NULL;
	char	 path[128];
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/data.mdb", f->dir);
	assert_int_equal(store_open(&st, path, 0), -ENOTDIR);
	snprintf(path, sizeof(path), "%s/no/such", f->dir);
	assert_int_equal(store_open(&st, path, 0), -ENOENT);

	/* A data file that is not LMDB. */
	snprintf(path, sizeof(path), "%s/junk", f->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/junk/data.mdb", f->dir);
	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(fprintf(fp, "%8192s", "not an lmdb file"), 8192);
	assert_int_equal(fclose(fp), 0);
	snprintf(path, sizeof(path), "%s/junk", f->dir);
	assert_int_not_equal(store_open(&st, path, 0), 0);
	assert_null(st);
	snprintf(path, sizeof(path), "%s/junk/data.mdb", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/junk/lock.mdb", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/junk", f->dir);
	assert_int_equal(rmdir(path), 0);
}

/* --- a full map --- */

/*
 * Adds messages with envlen-byte envelopes, one per transaction, to a
 * 1 MiB map until the store reports CAIRN_ENOSPACE; checks that what was
 * committed before is intact and that a small record still commits.
 * Returns whether the failure came from store_commit() (else the put).
 */
static bool
fill_until_full(struct fx *f, size_t envlen)
{
	struct store_txn *txn;
	struct store_out o, got;
	uint8_t	*env, *buf;
	size_t	 len;
	unsigned int i, committed = 0;
	int	 rc = 0;
	bool	 from_commit = false;

	/* The data so far fits, so the smaller map size applies. */
	store_close(f->st);
	f->st = NULL;
	assert_int_equal(store_open(&f->st, f->dir, 1024 * 1024), 0);

	env = make_bytes(envlen, 1);
	for (i = 1; i < 5000; i++) {
		make_out(&o, i, NOW + i);
		env[0] = (uint8_t)i;
		assert_int_equal(store_begin(f->st, &txn), 0);
		rc = store_out_add(txn, &o, env, envlen);
		if (rc != 0) {
			store_abort(txn);
			break;
		}
		if ((rc = store_commit(txn)) != 0) {
			from_commit = true;
			break;
		}
		committed = i;
	}
	assert_int_equal(rc, CAIRN_ENOSPACE);
	assert_true(committed >= 3);

	for (i = 1; i <= committed; i++) {
		make_id(o.msg_id, i);
		assert_int_equal(store_out_get(f->st, NULL, o.msg_id, &got), 0);
		assert_int_equal(store_out_envelope(f->st, NULL, o.msg_id,
		    &buf, &len), 0);
		env[0] = (uint8_t)i;
		assert_int_equal(len, envlen);
		assert_memory_equal(buf, env, len);
		free(buf);
	}
	make_id(o.msg_id, committed + 1);
	assert_int_equal(store_out_get(f->st, NULL, o.msg_id, &got),
	    CAIRN_ENOTFOUND);

	/* A small record still fits after the failed txn was dropped. */
	make_out(&o, 0xfff0, NOW);
	assert_int_equal(store_begin(f->st, &txn), 0);
	assert_int_equal(store_out_add(txn, &o, (const uint8_t *)"s", 1), 0);
	assert_int_equal(store_commit(txn), 0);
	assert_int_equal(store_out_get(f->st, NULL, o.msg_id, &got), 0);
	assert_out_equal(&o, &got);
	free(env);
	return from_commit;
}

static void
test_store_map_full_on_put(void **state)
{
	/* A 100 KiB envelope no longer fits: mdb_put says so. */
	assert_false(fill_until_full(*state, 100 * 1024));
}

static void
test_store_map_full_on_commit(void **state)
{
	/*
	 * With 2 KiB envelopes the puts fit and saving the free list at
	 * commit does not (LMDB 0.9.24, 4 KiB pages): the commit path.
	 */
	assert_true(fill_until_full(*state, 2048));
}

/*
 * A caller that goes on after a put failed for a full map (it should
 * not): LMDB refuses the transaction's later writes and its commit with
 * MDB_BAD_TXN only.  The commit still says "full", which the daemon
 * survives, not "store failure", on which it stops; nothing of the
 * transaction is kept, what was committed before is.
 */
static void
test_store_map_full_ignored(void **state)
{
	struct fx *f = *state;
	struct store_txn *txn;
	struct store_out o, got;
	uint8_t	*env;
	unsigned int i, committed = 0;
	int	 rc = 0;

	store_close(f->st);
	f->st = NULL;
	assert_int_equal(store_open(&f->st, f->dir, 1024 * 1024), 0);
	env = make_bytes(100 * 1024, 1);
	for (i = 1; i < 5000; i++) {
		make_out(&o, i, NOW + i);
		assert_int_equal(store_begin(f->st, &txn), 0);
		if ((rc = store_out_add(txn, &o, env, 100 * 1024)) != 0)
			break;
		assert_int_equal(store_commit(txn), 0);
		committed = i;
	}
	assert_int_equal(rc, CAIRN_ENOSPACE);
	assert_true(committed >= 3);
	/* the failed put's transaction, used on as if nothing happened */
	make_out(&o, 0xff01, NOW);
	assert_int_not_equal(store_out_add(txn, &o, (const uint8_t *)"s", 1),
	    0);
	assert_int_equal(store_commit(txn), CAIRN_ENOSPACE);
	assert_int_equal(store_out_get(f->st, NULL, o.msg_id, &got),
	    CAIRN_ENOTFOUND);
	make_id(o.msg_id, committed);
	assert_int_equal(store_out_get(f->st, NULL, o.msg_id, &got), 0);

	/* the next transaction starts clean: "full" is not carried over */
	make_out(&o, 0xff02, NOW);
	assert_int_equal(store_begin(f->st, &txn), 0);
	assert_int_equal(store_out_add(txn, &o, (const uint8_t *)"s", 1), 0);
	assert_int_equal(store_commit(txn), 0);
	assert_int_equal(store_out_get(f->st, NULL, o.msg_id, &got), 0);
	free(env);
}

/* --- proto/audit on its own --- */

static void
test_store_audit_record_roundtrip(void **state)
{
	struct cairn_audit_record rec, got;
	uint8_t	*buf;
	size_t	 len;
	unsigned int i;

	(void)state;
	for (i = 0; i < 12; i++) {
		make_audit(&rec, i);
		rec.seq = 1000 + i;
		memset(rec.prev_hash, (int)i, CAIRN_HASH_BYTES);
		assert_int_equal(cairn_audit_seal(&rec, &buf, &len), 0);
		assert_true(len <= CAIRN_AUDIT_MAX_BYTES);
		assert_int_equal(cairn_audit_open(&got, buf, len), 0);
		assert_true(got.seq == rec.seq);
		assert_true(got.time_ms == rec.time_ms);
		assert_int_equal(got.event, rec.event);
		assert_int_equal(got.has_msg_id, rec.has_msg_id);
		assert_memory_equal(got.msg_id, rec.msg_id,
		    CAIRN_MSG_ID_BYTES);
		assert_string_equal(got.local, rec.local);
		assert_string_equal(got.remote, rec.remote);
		assert_int_equal(got.has_envelope_hash, rec.has_envelope_hash);
		assert_memory_equal(got.envelope_hash, rec.envelope_hash,
		    CAIRN_HASH_BYTES);
		assert_int_equal(got.code, rec.code);
		assert_true(got.uid == rec.uid);
		assert_memory_equal(got.prev_hash, rec.prev_hash,
		    CAIRN_HASH_BYTES);
		assert_memory_equal(got.hash, rec.hash, CAIRN_HASH_BYTES);
		free(buf);
	}
	/* The hash covers prev_hash. */
	make_audit(&rec, 1);
	assert_int_equal(cairn_audit_seal(&rec, &buf, &len), 0);
	memcpy(got.hash, rec.hash, CAIRN_HASH_BYTES);
	free(buf);
	rec.prev_hash[31] ^= 1;
	assert_int_equal(cairn_audit_seal(&rec, &buf, &len), 0);
	assert_memory_not_equal(got.hash, rec.hash, CAIRN_HASH_BYTES);
	free(buf);

	for (i = 0; i <= CAIRN_AUDIT_EVENT_MAX + 1; i++)
		assert_non_null(cairn_audit_event_name(i));
	assert_string_equal(cairn_audit_event_name(CAIRN_AUDIT_DELIVERED),
	    "delivered");
	assert_string_equal(cairn_audit_event_name(CAIRN_AUDIT_SUBMIT_REFUSED),
	    "submit-refused");
	assert_string_equal(cairn_audit_event_name(CAIRN_AUDIT_BAD_REPLY),
	    "bad-reply");
	assert_string_equal(cairn_audit_event_name(0), "unknown");
	assert_string_equal(cairn_audit_event_name(17), "unknown");
}

static void
test_store_audit_record_every_bit_flip(void **state)
{
	struct cairn_audit_record rec, got;
	uint8_t	*buf;
	size_t	 len, i;
	int	 bit, rc;

	(void)state;
	make_audit(&rec, 2);
	rec.seq = 77;
	rec.uid = 1000;
	rec.code = CAIRN_EBADSIG;
	memset(rec.prev_hash, 0x5a, CAIRN_HASH_BYTES);
	assert_int_equal(cairn_audit_seal(&rec, &buf, &len), 0);
	for (i = 0; i < len; i++) {
		for (bit = 0; bit < 8; bit++) {
			buf[i] ^= (uint8_t)(1u << bit);
			rc = cairn_audit_open(&got, buf, len);
			assert_true(rc == CAIRN_ECORRUPT ||
			    rc == CAIRN_EMALFORMED || rc == CAIRN_EFIELD);
			buf[i] ^= (uint8_t)(1u << bit);
		}
	}
	assert_int_equal(cairn_audit_open(&got, buf, len), 0);
	free(buf);
}

static void
test_store_audit_record_truncation_and_garbage(void **state)
{
	struct cairn_audit_record rec, got;
	uint8_t	*buf, *big;
	size_t	 len, i;
	int	 rc;

	(void)state;
	make_audit(&rec, 6);
	assert_int_equal(cairn_audit_seal(&rec, &buf, &len), 0);
	for (i = 0; i < len; i++) {
		rc = cairn_audit_open(&got, buf, i);
		assert_true(rc == CAIRN_ECORRUPT || rc == CAIRN_EMALFORMED ||
		    rc == CAIRN_EFIELD);
	}
	big = malloc(CAIRN_AUDIT_MAX_BYTES + 1);
	assert_non_null(big);
	memcpy(big, buf, len);
	/* Trailing bytes: a valid field repeated, then junk. */
	big[len] = 0x08;
	big[len + 1] = 0x05;
	assert_int_equal(cairn_audit_open(&got, big, len + 2),
	    CAIRN_EMALFORMED);
	big[len] = 0xff;
	assert_int_not_equal(cairn_audit_open(&got, big, len + 1), 0);
	memset(big + len, 0, CAIRN_AUDIT_MAX_BYTES + 1 - len);
	assert_int_equal(cairn_audit_open(&got, big,
	    CAIRN_AUDIT_MAX_BYTES + 1), CAIRN_ETOOBIG);
	free(big);
	free(buf);
}

static void
test_store_audit_record_seal_refuses(void **state)
{
	struct cairn_audit_record rec;
	uint8_t	*buf;
	size_t	 len;

	(void)state;
	make_audit(&rec, 1);
	rec.event = 0;
	assert_int_equal(cairn_audit_seal(&rec, &buf, &len), CAIRN_EFIELD);
	assert_null(buf);
	rec.event = CAIRN_AUDIT_EVENT_MAX + 1;
	assert_int_equal(cairn_audit_seal(&rec, &buf, &len), CAIRN_EFIELD);
	make_audit(&rec, 1);
	memset(rec.local, 'a', sizeof(rec.local));
	assert_int_equal(cairn_audit_seal(&rec, &buf, &len), CAIRN_EFIELD);
	make_audit(&rec, 1);
	strcpy(rec.local, "a\tb");
	assert_int_equal(cairn_audit_seal(&rec, &buf, &len), CAIRN_EFIELD);
	make_audit(&rec, 1);
	strcpy(rec.remote, "\xff\xfe");
	assert_int_equal(cairn_audit_seal(&rec, &buf, &len), CAIRN_EFIELD);
	make_audit(&rec, 1);
	rec.local[0] = '\0';
	rec.remote[0] = '\0';
	assert_int_equal(cairn_audit_seal(&rec, &buf, &len), 0);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name)	cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_store_out_roundtrip),
		T(test_store_out_refuses_bad_fields),
		T(test_store_sched_order_and_due),
		T(test_store_out_replace),
		T(test_store_due_select),
		T(test_store_envelope_byte_exact),
		T(test_store_receipts),
		T(test_store_out_each_nested_read),
		T(test_store_in_roundtrip),
		T(test_store_duplicate_msg_id),
		T(test_store_dedup_put_get_expire),
		T(test_store_audit_chain),
		T(test_store_audit_refuses_bad_record),
		T(test_store_meta),
		T(test_store_survives_reopen),
		T(test_store_abort_discards),
		T(test_store_corrupt_out_every_byte),
		T(test_store_corrupt_other_values),
		T(test_store_corrupt_audit_head_and_links),
		T(test_store_check_page_layout),
		T(test_store_check_orgs_release_map),
		T(test_store_format_version),
		T(test_store_open_errors),
		T(test_store_map_full_on_put),
		T(test_store_map_full_on_commit),
		T(test_store_map_full_ignored),
#undef T
		cmocka_unit_test(test_store_audit_record_roundtrip),
		cmocka_unit_test(test_store_audit_record_every_bit_flip),
		cmocka_unit_test(
		    test_store_audit_record_truncation_and_garbage),
		cmocka_unit_test(test_store_audit_record_seal_refuses),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}

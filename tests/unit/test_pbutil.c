/* SPDX-License-Identifier: MIT */
/*
 * proto/pbutil: a message of hundreds of small parts (more than one
 * chunk's worth) and large ones unpacks to exactly what was packed and
 * gives everything back on cairn_pb_free; a message cut short or over the
 * budget unpacks to NULL (the budget, not a failed malloc) and keeps no
 * chunk; parts handed back are wiped.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "proto/cairn.pb-c.h"
#include "proto/pbutil.h"

#define NPATH	300
#define BODY	2000

struct packed {
	uint8_t	*buf;
	size_t	 len;
	uint8_t	 body[BODY];
	uint8_t	 path[NPATH][32];
};

static void
pack_reply(struct packed *p)
{
	Cairn__V1__SignedReply r = CAIRN__V1__SIGNED_REPLY__INIT;
	ProtobufCBinaryData path[NPATH];
	size_t	i;

	randombytes_buf(p->body, sizeof(p->body));
	randombytes_buf(p->path, sizeof(p->path));
	r.type = CAIRN__V1__REPLY_TYPE__REPLY_RECEIPT_BATCH;
	r.body.data = p->body;
	r.body.len = sizeof(p->body);
	for (i = 0; i < NPATH; i++) {
		path[i].data = p->path[i];
		path[i].len = sizeof(p->path[i]);
	}
	r.path = path;
	r.n_path = NPATH;
	r.index = 7;
	assert_int_equal(cairn_pb_pack(&r.base, &p->buf, &p->len), 0);
}

static void
test_pbutil_many_parts(void **state)
{
	struct cairn_pb_budget b;
	struct packed p;
	Cairn__V1__SignedReply *r;
	size_t	i;

	(void)state;
	pack_reply(&p);
	r = (Cairn__V1__SignedReply *)cairn_pb_unpack(
	    &cairn__v1__signed_reply__descriptor, &b, p.buf, p.len);
	assert_non_null(r);
	assert_int_equal(r->index, 7);
	assert_int_equal(r->body.len, BODY);
	assert_memory_equal(r->body.data, p.body, BODY);
	assert_int_equal(r->n_path, NPATH);
	for (i = 0; i < NPATH; i++) {
		assert_int_equal(r->path[i].len, 32);
		assert_memory_equal(r->path[i].data, p.path[i], 32);
		/* every part is aligned for any type */
		assert_int_equal((uintptr_t)r->path[i].data %
		    _Alignof(max_align_t), 0);
	}
	cairn_pb_free(&r->base, &b);
	assert_null(b.chunks);
	assert_int_equal(b.room, 0);
	free(p.buf);
}

static void
test_pbutil_refused_keeps_nothing(void **state)
{
	struct cairn_pb_budget b;
	struct packed p;

	(void)state;
	pack_reply(&p);
	/* cut inside the last path entry */
	assert_null(cairn_pb_unpack(&cairn__v1__signed_reply__descriptor, &b,
	    p.buf, p.len - 5));
	assert_null(b.chunks);
	assert_int_equal(b.nomem, 0);
	/* over the budget: 1 x len + 64 KiB is less than the parts need */
	{
		Cairn__V1__SignedReply r = CAIRN__V1__SIGNED_REPLY__INIT;
		ProtobufCBinaryData *path;
		static uint8_t	empty[1];
		uint8_t		*buf;
		size_t		 len, i, n = 20000;

		/* 20,000 empty entries: 2 bytes each packed, far more unpacked */
		assert_non_null(path = calloc(n, sizeof(*path)));
		for (i = 0; i < n; i++) {
			path[i].data = empty;
			path[i].len = 0;
		}
		r.path = path;
		r.n_path = n;
		assert_int_equal(cairn_pb_pack(&r.base, &buf, &len), 0);
		assert_null(cairn_pb_unpack_factor(
		    &cairn__v1__signed_reply__descriptor, &b, buf, len, 1));
		assert_null(b.chunks);
		assert_int_equal(b.nomem, 0);
		free(buf);
		free(path);
	}
	free(p.buf);
}

/* What free hands back is wiped before the chunk is reused or freed. */
static void
test_pbutil_free_wipes(void **state)
{
	struct cairn_pb_budget b;
	uint8_t	*small, *big;

	(void)state;
	cairn_pb_budget_init(&b, 1 << 20);
	small = b.alloc.alloc(b.alloc.allocator_data, 100);
	big = b.alloc.alloc(b.alloc.allocator_data, 5000);
	assert_non_null(small);
	assert_non_null(big);
	assert_int_equal(b.left, (1 << 20) - 5100);
	memset(small, 0xa5, 100);
	memset(big, 0x5a, 5000);
	b.alloc.free(b.alloc.allocator_data, small);
	/* the chunk is still ours: its bytes can be looked at */
	if (b.chunks != NULL)
		assert_true(sodium_is_zero(small, 100));
	b.alloc.free(b.alloc.allocator_data, big);
	assert_int_equal(b.left, 1 << 20);
	cairn_pb_budget_release(&b);
	assert_null(b.chunks);
	/* cairn_pb_free(NULL) is allowed and leaves the budget alone */
	cairn_pb_free(NULL, &b);
	assert_null(b.chunks);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pbutil_many_parts),
		cmocka_unit_test(test_pbutil_refused_keeps_nothing),
		cmocka_unit_test(test_pbutil_free_wipes),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

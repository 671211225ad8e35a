/* SPDX-License-Identifier: MIT */
/*
 * daemon/idindex: after any sequence of adds and drops (the last slot
 * moved into the freed one, as the window does), every id in the array is
 * found at its own slot and nothing else is found; this holds when many
 * ids share a home (long probe runs that wrap around the end of the
 * index), across a grow with ids in it, and with one id in two slots.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "daemon/idindex.h"

#define CAP	512

struct arr {
	idindex_id	 ids[CAP];
	size_t		 n;
	struct idindex	 x;
};

/* Every slot's id is found there; absent ids are not; n entries used. */
static void
check(const struct arr *a)
{
	idindex_id absent;
	size_t	i, used = 0;

	for (i = 0; i < a->n; i++)
		assert_int_equal(idindex_find(&a->x, a->ids, a->n, a->ids[i]),
		    i);
	for (i = 0; i < a->x.n; i++)
		if (a->x.e[i] != 0) {
			assert_true(a->x.e[i] <= a->n);
			used++;
		}
	assert_int_equal(used, a->n);
	randombytes_buf(absent, sizeof(absent));
	assert_int_equal(idindex_find(&a->x, a->ids, a->n, absent), a->n);
}

static void
add(struct arr *a, const uint8_t *id)
{
	memcpy(a->ids[a->n], id, CAIRN_MSG_ID_BYTES);
	idindex_put(&a->x, a->ids, a->n);
	a->n++;
}

static void
drop(struct arr *a, size_t slot)
{
	idindex_drop(&a->x, a->ids, slot, a->n - 1);
	a->n--;
	if (slot != a->n)
		memcpy(a->ids[slot], a->ids[a->n], CAIRN_MSG_ID_BYTES);
}

/*
 * A fresh id; with crowd set, its last 8 bytes put it at one of two
 * homes near the end of a 1024-entry index, so runs are long and wrap.
 */
static void
new_id(uint8_t *id, int crowd)
{
	uint64_t h;

	randombytes_buf(id, CAIRN_MSG_ID_BYTES);
	if (!crowd)
		return;
	memcpy(&h, id + 8, sizeof(h));
	h = (h & ~(uint64_t)1023) | (1022 + (h & 1));
	memcpy(id + 8, &h, sizeof(h));
}

static void
churn(int crowd)
{
	struct arr *a;
	uint8_t	 id[CAIRN_MSG_ID_BYTES];
	int	 step;

	assert_non_null(a = calloc(1, sizeof(*a)));
	assert_int_equal(idindex_grow(&a->x, CAP, a->ids, 0), 0);
	assert_int_equal(a->x.n, 1024);
	for (step = 0; step < 20000; step++) {
		if (a->n < CAP && (a->n == 0 || randombytes_uniform(3) != 0)) {
			new_id(id, crowd);
			add(a, id);
		} else if (randombytes_uniform(2) == 0) {
			drop(a, randombytes_uniform((uint32_t)a->n));
		} else {
			/* as a receipt does: find the id, then drop its slot */
			size_t	s = randombytes_uniform((uint32_t)a->n);

			memcpy(id, a->ids[s], sizeof(id));
			assert_int_equal(idindex_find(&a->x, a->ids, a->n, id),
			    s);
			drop(a, s);
			assert_int_equal(idindex_find(&a->x, a->ids, a->n, id),
			    a->n);
		}
		if (step % 97 == 0)
			check(a);
	}
	check(a);
	idindex_free(&a->x);
	free(a);
}

static void
test_idindex_churn(void **state)
{
	(void)state;
	churn(0);
}

static void
test_idindex_crowded_homes(void **state)
{
	(void)state;
	churn(1);
}

static void
test_idindex_grow_keeps_ids(void **state)
{
	struct arr *a;
	uint8_t	 id[CAIRN_MSG_ID_BYTES];
	size_t	 cap = 8, i;

	(void)state;
	assert_non_null(a = calloc(1, sizeof(*a)));
	/* nothing is found before the first grow */
	randombytes_buf(id, sizeof(id));
	assert_int_equal(idindex_find(&a->x, a->ids, 0, id), 0);
	for (i = 0; i < CAP; i++) {
		if (a->n == cap) {
			cap *= 2;
			assert_int_equal(idindex_grow(&a->x, cap, a->ids,
			    a->n), 0);
			assert_true(a->x.n >= 2 * cap);
			check(a);
		} else if (a->x.n == 0)
			assert_int_equal(idindex_grow(&a->x, cap, a->ids, 0),
			    0);
		new_id(id, (int)(i & 1));
		add(a, id);
	}
	check(a);
	/* a smaller capacity never shrinks it */
	i = a->x.n;
	assert_int_equal(idindex_grow(&a->x, 4, a->ids, a->n), 0);
	assert_int_equal(a->x.n, i);
	check(a);
	idindex_free(&a->x);
	assert_null(a->x.e);
	free(a);
}

static void
test_idindex_same_id_twice(void **state)
{
	struct arr *a;
	uint8_t	 id[CAIRN_MSG_ID_BYTES], other[CAIRN_MSG_ID_BYTES];

	(void)state;
	assert_non_null(a = calloc(1, sizeof(*a)));
	assert_int_equal(idindex_grow(&a->x, 16, a->ids, 0), 0);
	new_id(id, 0);
	new_id(other, 0);
	add(a, id);		/* slot 0 */
	add(a, other);		/* slot 1 */
	add(a, id);		/* slot 2: the same id again */
	drop(a, 0);		/* slot 2 moves to 0 */
	assert_int_equal(a->n, 2);
	assert_int_equal(idindex_find(&a->x, a->ids, a->n, id), 0);
	assert_int_equal(idindex_find(&a->x, a->ids, a->n, other), 1);
	drop(a, 0);
	assert_int_equal(idindex_find(&a->x, a->ids, a->n, id), a->n);
	assert_int_equal(idindex_find(&a->x, a->ids, a->n, other), 0);
	drop(a, 0);
	assert_int_equal(a->n, 0);
	assert_int_equal(idindex_find(&a->x, a->ids, a->n, other), 0);
	idindex_free(&a->x);
	free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idindex_churn),
		cmocka_unit_test(test_idindex_crowded_homes),
		cmocka_unit_test(test_idindex_grow_keeps_ids),
		cmocka_unit_test(test_idindex_same_id_twice),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

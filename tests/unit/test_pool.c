/* SPDX-License-Identifier: MIT */
/*
 * daemon/pool: every item runs exactly once, on the helpers and the
 * caller, batch after batch; a pool without helpers runs them all on the
 * caller; signals stay with the caller's thread; a batch started runs on
 * the helpers while the caller is elsewhere, and runs added to it before
 * the join all complete.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/pool.h"

#define N	5000

struct work {
	atomic_int	 runs[N];
	pthread_t	 caller;
	atomic_int	 on_caller, elsewhere;
};

static void
item(void *arg, size_t i)
{
	struct work *w = arg;
	volatile unsigned x = 0;
	int	 k;

	for (k = 0; k < 200; k++)	/* enough work to be shared */
		x += (unsigned)k;
	atomic_fetch_add(&w->runs[i], 1);
	if (pthread_equal(pthread_self(), w->caller))
		atomic_fetch_add(&w->on_caller, 1);
	else
		atomic_fetch_add(&w->elsewhere, 1);
}

static void
test_pool_runs_each_once(void **state)
{
	static struct work w;
	struct pool *p;
	size_t	 i, n;
	int	 round;

	(void)state;
	assert_int_equal(pool_init(&p, 3), 0);
	w.caller = pthread_self();
	for (round = 0; round < 50; round++) {
		memset(&w.runs, 0, sizeof(w.runs));
		n = round == 0 ? 0 : round == 1 ? 1 : N - (size_t)round;
		pool_run(p, n, item, &w);
		for (i = 0; i < N; i++)
			assert_int_equal(atomic_load(&w.runs[i]), i < n);
	}
	assert_true(atomic_load(&w.on_caller) > 0);
	pool_free(p);
	pool_free(NULL);
}

static void
test_pool_without_helpers(void **state)
{
	static struct work w;
	struct pool *p;
	size_t	 i;

	(void)state;
	assert_int_equal(pool_init(&p, 0), 0);
	memset(&w, 0, sizeof(w));
	w.caller = pthread_self();
	pool_run(p, 100, item, &w);
	for (i = 0; i < 100; i++)
		assert_int_equal(atomic_load(&w.runs[i]), 1);
	assert_int_equal(atomic_load(&w.elsewhere), 0);
	pool_free(p);
	/* no pool at all: the same */
	pool_run(NULL, 10, item, &w);
	assert_int_equal(atomic_load(&w.runs[9]), 2);
}

static void
test_pool_helpers_take_no_signals(void **state)
{
	struct pool *p;
	sigset_t set, cur;

	(void)state;
	sigemptyset(&set);
	pthread_sigmask(SIG_SETMASK, &set, NULL);
	assert_int_equal(pool_init(&p, 2), 0);
	/* the caller's mask is as it was */
	pthread_sigmask(SIG_SETMASK, NULL, &cur);
	assert_false(sigismember(&cur, SIGTERM));
	pool_free(p);
}

/*
 * pool_start() returns at once and the helpers do the batch while the
 * caller is elsewhere (it never joins until they are done); pool_join()
 * then returns with every item run once; runs started one after another
 * (more than fit in one batch, too) are all done by one pool_join();
 * without helpers pool_start() runs it all.
 */
static void
test_pool_start_then_join(void **state)
{
	static struct work w;
	struct timespec ts = { 0, 1000000 };
	struct pool *p;
	size_t	 i, done;
	int	 k;

	(void)state;
	assert_int_equal(pool_init(&p, 2), 0);
	memset(&w, 0, sizeof(w));
	w.caller = pthread_self();
	pool_start(p, N, item, &w);
	/* the caller does not take part: the helpers finish it alone */
	for (k = 0; k < 10000; k++) {
		for (i = 0, done = 0; i < N; i++)
			done += (size_t)atomic_load(&w.runs[i]);
		if (done == N)
			break;
		nanosleep(&ts, NULL);
	}
	assert_int_equal(done, N);
	assert_int_equal(atomic_load(&w.on_caller), 0);
	pool_join(p);
	pool_join(p);		/* nothing started: a no-op */
	for (i = 0; i < N; i++)
		assert_int_equal(atomic_load(&w.runs[i]), 1);
	/* one item goes to a helper too */
	pool_start(p, 1, item, &w);
	for (k = 0; k < 10000 && atomic_load(&w.runs[0]) != 2; k++)
		nanosleep(&ts, NULL);
	assert_int_equal(atomic_load(&w.runs[0]), 2);
	assert_int_equal(atomic_load(&w.on_caller), 0);
	pool_join(p);
	atomic_store(&w.runs[0], 1);
	/* started twice without a join: one batch, both runs done */
	pool_start(p, N, item, &w);
	pool_start(p, 10, item, &w);
	pool_join(p);
	for (i = 0; i < N; i++)
		assert_int_equal(atomic_load(&w.runs[i]), i < 10 ? 3 : 2);
	/* six runs: more than one batch holds */
	for (k = 0; k < 6; k++)
		pool_start(p, 100, item, &w);
	pool_join(p);
	for (i = 0; i < N; i++)
		assert_int_equal(atomic_load(&w.runs[i]), i < 10 ? 9 :
		    i < 100 ? 8 : 2);
	pool_free(p);

	assert_int_equal(pool_init(&p, 0), 0);
	memset(&w, 0, sizeof(w));
	w.caller = pthread_self();
	pool_start(p, 100, item, &w);
	assert_int_equal(atomic_load(&w.on_caller), 100);
	pool_join(p);
	pool_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool_runs_each_once),
		cmocka_unit_test(test_pool_without_helpers),
		cmocka_unit_test(test_pool_helpers_take_no_signals),
		cmocka_unit_test(test_pool_start_then_join),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * pool: a few threads that run one function over the items of a batch,
 * for the CPU-bound work of a pass that touches no shared state (sealing
 * envelopes).  The calling thread takes part; pool_run() returns when
 * every item is done.  Not for: anything that touches the store, the log
 * or the sockets (those stay on the event loop's thread).
 */
#ifndef CAIRN_DAEMON_POOL_H
#define CAIRN_DAEMON_POOL_H

#include <stddef.h>

struct pool;

/*
 * Starts nthreads helper threads (0 is allowed: pool_run() then runs
 * everything on the caller).  Returns 0 or -errno.
 */
int	pool_init(struct pool **out, unsigned nthreads);

/* Runs fn(arg, i) for every i in [0, n), on the helpers and the caller. */
void	pool_run(struct pool *p, size_t n, void (*fn)(void *, size_t),
	    void *arg);

/*
 * The same in two halves, so that the caller can do something else (wait
 * for a commit) while the helpers work: pool_start() hands the items (even
 * one) to the helpers and returns at once; pool_join() takes part in what
 * is left and returns when every item is done.  Until then, further
 * pool_start() calls add their items to the same batch (up to four runs;
 * a fifth joins first), so that different kinds of work overlap the same
 * wait.  With no helpers pool_start() runs them all before it returns.
 * pool_run() joins everything started before it first (and runs a single
 * item on the caller); pool_join() with nothing started is a no-op.  What
 * fn reads must not change until pool_join() returns.
 */
void	pool_start(struct pool *p, size_t n, void (*fn)(void *, size_t),
	    void *arg);
void	pool_join(struct pool *p);

/* How many helper threads there are (0 for NULL). */
unsigned pool_threads(const struct pool *p);

/* Stops and joins the helpers; NULL is allowed. */
void	pool_free(struct pool *p);

#endif

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

/* Stops and joins the helpers; NULL is allowed. */
void	pool_free(struct pool *p);

#endif

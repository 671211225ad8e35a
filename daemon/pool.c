/* SPDX-License-Identifier: MIT */
/*
 * pool: see pool.h.  The caller publishes a batch under the lock (a
 * batch is up to SEGS runs of items, each with its own function, added
 * by pool_start() one after the other), everyone takes items off a shared
 * counter, run after run, and pool_join() waits until the helpers that
 * joined the batch have left it.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

#include "daemon/pool.h"

#define SEGS	4	/* runs in one batch before pool_start() joins */

struct seg {
	void		(*fn)(void *, size_t);
	void		*arg;
	size_t		 n;
};

struct pool {
	pthread_mutex_t	 lock;
	pthread_cond_t	 work;		/* a batch is published, or stop */
	pthread_cond_t	 idle;		/* a helper left the batch */
	pthread_t	*threads;
	unsigned	 nthreads;
	/* the batch: seg[cur] is being taken, item next of it */
	struct seg	 seg[SEGS];
	unsigned	 nseg, cur;
	size_t		 next;
	unsigned long	 gen;		/* batches published so far */
	unsigned	 busy;		/* helpers inside the batch */
	int		 stop;
};

/* Takes items until none are left; called with the lock held. */
static void
drain(struct pool *p)
{
	struct seg s;
	size_t	i;

	while (p->cur < p->nseg) {
		if (p->next >= p->seg[p->cur].n) {
			p->cur++;
			p->next = 0;
			continue;
		}
		i = p->next++;
		s = p->seg[p->cur];
		pthread_mutex_unlock(&p->lock);
		s.fn(s.arg, i);
		pthread_mutex_lock(&p->lock);
	}
}

static void *
helper(void *arg)
{
	struct pool *p = arg;
	unsigned long seen = 0;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->stop && p->gen == seen)
			pthread_cond_wait(&p->work, &p->lock);
		if (p->stop)
			break;
		seen = p->gen;
		p->busy++;
		drain(p);
		if (--p->busy == 0)
			pthread_cond_signal(&p->idle);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int
pool_init(struct pool **out, unsigned nthreads)
{
	struct pool *p;
	sigset_t all, old;
	unsigned i;
	int	rc;

	*out = NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -ENOMEM;
	if (nthreads > 0 &&
	    (p->threads = calloc(nthreads, sizeof(*p->threads))) == NULL) {
		free(p);
		return -ENOMEM;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->idle, NULL);
	/* signals are the event loop's (signalfd): helpers take none */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 0; i < nthreads; i++) {
		if ((rc = pthread_create(&p->threads[i], NULL, helper,
		    p)) != 0) {
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			p->nthreads = i;
			pool_free(p);
			return -rc;
		}
		p->nthreads = i + 1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	*out = p;
	return 0;
}

void
pool_start(struct pool *p, size_t n, void (*fn)(void *, size_t), void *arg)
{
	size_t	i;

	if (p == NULL || p->nthreads == 0) {
		for (i = 0; i < n; i++)
			fn(arg, i);
		return;
	}
	if (n == 0)
		return;
	pthread_mutex_lock(&p->lock);
	if (p->nseg == SEGS) {
		pthread_mutex_unlock(&p->lock);
		pool_join(p);
		pthread_mutex_lock(&p->lock);
	}
	p->seg[p->nseg++] = (struct seg){ fn, arg, n };
	p->gen++;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
}

void
pool_join(struct pool *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	if (p->nseg > 0) {
		drain(p);
		/* the items are all taken; wait for those still at one */
		while (p->busy > 0)
			pthread_cond_wait(&p->idle, &p->lock);
		p->nseg = p->cur = 0;
		p->next = 0;
	}
	pthread_mutex_unlock(&p->lock);
}

void
pool_run(struct pool *p, size_t n, void (*fn)(void *, size_t), void *arg)
{
	size_t	i;

	pool_join(p);
	/* one item: waking a helper for it would only add a wait */
	if (p == NULL || p->nthreads == 0 || n < 2) {
		for (i = 0; i < n; i++)
			fn(arg, i);
		return;
	}
	pool_start(p, n, fn, arg);
	pool_join(p);
}

unsigned
pool_threads(const struct pool *p)
{
	return p == NULL ? 0 : p->nthreads;
}

void
pool_free(struct pool *p)
{
	unsigned i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_cond_destroy(&p->idle);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->lock);
	free(p->threads);
	free(p);
}

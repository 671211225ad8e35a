/* SPDX-License-Identifier: MIT */
/*
 * Random bytes fetched in bulk per thread (see random.h).
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/random.h>

#include <sodium.h>

#include "proto/random.h"

#define POOL_BYTES	4096	/* one getrandom(2) per ~60 messages */

struct pool {
	uint8_t	buf[POOL_BYTES];
	size_t	off;		/* bytes from off on are still unused */
};

static pthread_once_t	 once = PTHREAD_ONCE_INIT;
static pthread_key_t	 key;
static int		 key_ok;
static _Thread_local struct pool *mine;

/* At thread exit: sodium_free wipes what was left. */
static void
pool_free(void *p)
{
	sodium_free(p);
}

/*
 * In a child after fork: what the pool copied from the parent holds is
 * the parent's to hand out, never the child's; it refills from the kernel.
 */
static void
after_fork(void)
{
	if (mine != NULL) {
		sodium_memzero(mine->buf, sizeof(mine->buf));
		mine->off = sizeof(mine->buf);
	}
}

static void
init_once(void)
{
	if (pthread_key_create(&key, pool_free) != 0)
		return;
	if (pthread_atfork(NULL, NULL, after_fork) != 0) {
		(void)pthread_key_delete(key);
		return;
	}
	key_ok = 1;
}

/*
 * Fills buf from the kernel in one getrandom(2) where it can:
 * randombytes_buf asks 256 bytes at a time (16 system calls for a pool).
 * A signal can cut a large read short; anything the kernel refuses
 * (ENOSYS on an old kernel) comes from randombytes_buf instead.
 */
static void
fill(uint8_t *buf, size_t len)
{
	size_t	got = 0;
	ssize_t	n;

	while (got < len) {
		n = getrandom(buf + got, len - got, 0);
		if (n > 0)
			got += (size_t)n;
		else if (n < 0 && errno == EINTR)
			continue;
		else {
			randombytes_buf(buf + got, len - got);
			return;
		}
	}
}

static struct pool *
pool_get(void)
{
	struct pool *p;

	if (mine != NULL)
		return mine;
	if (pthread_once(&once, init_once) != 0 || !key_ok)
		return NULL;
	if ((p = sodium_malloc(sizeof(*p))) == NULL)
		return NULL;
	if (pthread_setspecific(key, p) != 0) {
		sodium_free(p);
		return NULL;
	}
	p->off = sizeof(p->buf);	/* empty: filled on first use */
	return mine = p;
}

void
cairn_random_buf(void *out, size_t len)
{
	struct pool *p;

	if (len == 0)
		return;
	if (len > CAIRN_RANDOM_BULK_MAX || (p = pool_get()) == NULL) {
		randombytes_buf(out, len);
		return;
	}
	if (sizeof(p->buf) - p->off < len) {
		fill(p->buf, sizeof(p->buf));
		p->off = 0;
	}
	memcpy(out, p->buf + p->off, len);
	sodium_memzero(p->buf + p->off, len);
	p->off += len;
}

uint32_t
cairn_random_uniform(uint32_t upper)
{
	uint32_t r, min;

	if (upper < 2)
		return 0;
	/* 2**32 mod upper: values below it would favour small results */
	min = (uint32_t)(-upper % upper);
	do
		cairn_random_buf(&r, sizeof(r));
	while (r < min);
	return r % upper;
}

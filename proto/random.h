/* SPDX-License-Identifier: MIT */
/*
 * random: the kernel's random bytes (getrandom(2), as libsodium's
 * randombytes_buf), fetched 4 KiB in one call per thread rather than
 * with a system call for every message id, ephemeral key and nonce.
 *
 * The bytes are exactly the kernel's: nothing here stretches or mixes
 * them.  What a thread has fetched and not yet handed out lies in memory
 * from sodium_malloc() (locked, guarded), every byte handed out is wiped
 * from it at once, and the rest is wiped when the thread exits.  A child
 * process after fork() starts with an empty pool of its own, so parent
 * and child never hand out the same bytes.
 *
 * Not for: long-term keys (keys/ calls randombytes_buf itself), or more
 * than CAIRN_RANDOM_BULK_MAX bytes at a time (those go to the kernel
 * directly, as they would anyway).
 */
#ifndef CAIRN_PROTO_RANDOM_H
#define CAIRN_PROTO_RANDOM_H

#include <stddef.h>
#include <stdint.h>

#define CAIRN_RANDOM_BULK_MAX	256	/* larger requests skip the pool */

/* Fills out with len random bytes.  Cannot fail (as randombytes_buf). */
void		cairn_random_buf(void *out, size_t len);

/* A uniform random number in [0, upper); 0 when upper < 2. */
uint32_t	cairn_random_uniform(uint32_t upper);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * idindex: where a message id sits in an array of ids, without a search.
 * The window of messages in flight to a peer holds thousands of ids, and
 * every receipt must find its own; the array stays the caller's (slots
 * 0..n-1, the last moved into a freed slot), and the index maps an id to
 * its slot.
 *
 * Open addressing with linear probing over the random part of the id
 * (bytes 6.. of a message id are random, 0..5 its time), at most half
 * full, deletion by moving entries back (no tombstones).  An entry is
 * found for a slot by the slot it names, so the index stays exact even
 * with an id in the array twice.  Ids chosen by someone else (a peer's
 * receipt) can only be looked up, never inserted.
 *
 * Not for: ids that are not random in their last 8 bytes (correct, but
 * slow).
 */
#ifndef CAIRN_DAEMON_IDINDEX_H
#define CAIRN_DAEMON_IDINDEX_H

#include <stddef.h>
#include <stdint.h>

#include "proto/payload.h"	/* CAIRN_MSG_ID_BYTES */

typedef uint8_t idindex_id[CAIRN_MSG_ID_BYTES];

struct idindex {
	uint32_t	*e;	/* slot + 1, or 0 when empty */
	size_t		 n;	/* entries: a power of two; 0 before a grow */
};

/*
 * Makes room for cap slots (entries >= 2 * cap), indexing ids[0..nids-1]
 * again if it had to grow.  Returns 0, or -1 without memory (the index is
 * left as it was).
 */
int	idindex_grow(struct idindex *x, size_t cap, const idindex_id *ids,
	    size_t nids);

/* Indexes ids[slot]; the index must have room for it (idindex_grow). */
void	idindex_put(struct idindex *x, const idindex_id *ids, size_t slot);

/* The slot of ids[0..nids-1] that holds id, or nids when none does. */
size_t	idindex_find(const struct idindex *x, const idindex_id *ids,
	    size_t nids, const uint8_t *id);

/*
 * Forgets slot, and renames the entry of slot last (the array's last) to
 * slot, before the caller moves ids[last] to ids[slot].  slot == last
 * only forgets it.
 */
void	idindex_drop(struct idindex *x, const idindex_id *ids, size_t slot,
	    size_t last);

void	idindex_free(struct idindex *x);

#endif

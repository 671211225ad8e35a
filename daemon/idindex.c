/* SPDX-License-Identifier: MIT */
/*
 * The index of message ids by slot (see idindex.h).
 */
#include <stdlib.h>
#include <string.h>

#include "daemon/idindex.h"

static size_t
home(const struct idindex *x, const uint8_t *id)
{
	uint64_t h;

	memcpy(&h, id + CAIRN_MSG_ID_BYTES - sizeof(h), sizeof(h));
	return (size_t)h & (x->n - 1);
}

void
idindex_put(struct idindex *x, const idindex_id *ids, size_t slot)
{
	size_t	i = home(x, ids[slot]);

	while (x->e[i] != 0)
		i = (i + 1) & (x->n - 1);
	x->e[i] = (uint32_t)(slot + 1);
}

/* The entry naming slot, or x->n when there is none. */
static size_t
where(const struct idindex *x, const idindex_id *ids, size_t slot)
{
	size_t	i;

	if (x->n == 0)
		return x->n;
	i = home(x, ids[slot]);
	while (x->e[i] != 0) {
		if (x->e[i] == slot + 1)
			return i;
		i = (i + 1) & (x->n - 1);
	}
	return x->n;
}

/*
 * Empties entry i, then moves back every later entry of the run that
 * would no longer be found past the hole: an entry stays only when its
 * home lies cyclically in (i, j].
 */
static void
del(struct idindex *x, const idindex_id *ids, size_t i)
{
	size_t	mask = x->n - 1, j = i, h;

	x->e[i] = 0;
	for (;;) {
		j = (j + 1) & mask;
		if (x->e[j] == 0)
			return;
		h = home(x, ids[x->e[j] - 1]);
		if (((j - h) & mask) >= ((j - i) & mask)) {
			x->e[i] = x->e[j];
			x->e[j] = 0;
			i = j;
		}
	}
}

size_t
idindex_find(const struct idindex *x, const idindex_id *ids, size_t nids,
    const uint8_t *id)
{
	size_t	i;

	if (x->n == 0)
		return nids;
	i = home(x, id);
	while (x->e[i] != 0) {
		if (x->e[i] <= nids &&
		    memcmp(ids[x->e[i] - 1], id, CAIRN_MSG_ID_BYTES) == 0)
			return x->e[i] - 1;
		i = (i + 1) & (x->n - 1);
	}
	return nids;
}

void
idindex_drop(struct idindex *x, const idindex_id *ids, size_t slot,
    size_t last)
{
	size_t	w;

	if ((w = where(x, ids, slot)) < x->n)
		del(x, ids, w);
	if (slot != last && (w = where(x, ids, last)) < x->n)
		x->e[w] = (uint32_t)(slot + 1);
}

int
idindex_grow(struct idindex *x, size_t cap, const idindex_id *ids,
    size_t nids)
{
	uint32_t *e;
	size_t	 n = 64, i;

	while (n < 2 * cap)
		n *= 2;
	if (n <= x->n)
		return 0;
	if ((e = calloc(n, sizeof(*e))) == NULL)
		return -1;
	free(x->e);
	x->e = e;
	x->n = n;
	for (i = 0; i < nids; i++)
		idindex_put(x, ids, i);
	return 0;
}

void
idindex_free(struct idindex *x)
{
	free(x->e);
	x->e = NULL;
	x->n = 0;
}

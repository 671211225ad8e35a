/* SPDX-License-Identifier: MIT */
/*
 * Bounded protobuf-c unpacking (see pbutil.h).  protobuf-c has no depth or
 * size limits of its own; our schema has no recursion, and this budget
 * caps what a hostile message can make us allocate.  Freed blocks are
 * wiped, since decrypted payloads are unpacked through it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "proto/pbutil.h"

/*
 * Parts of at most SMALL bytes come from chunks of CHUNK bytes, which are
 * freed (wiped) together: an unpacked receipt is some twenty parts, and
 * twenty mallocs and frees cost more than unpacking it.  Under
 * AddressSanitizer every part is malloc'ed on its own, so that it still
 * sees a write past the end of any of them.
 */
#define CHUNK	4096
#define SMALL	512
#if defined(__SANITIZE_ADDRESS__)
#define CHUNKED	0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CHUNKED	0
#endif
#endif
#ifndef CHUNKED
#define CHUNKED	1
#endif

/* Each block carries its size in front so that free can return it. */
struct block {
	size_t	size;		/* | IN_CHUNK when cut from a chunk */
	max_align_t align[];
};

#define IN_CHUNK	((size_t)1 << (sizeof(size_t) * 8 - 1))

struct cairn_pb_chunk {
	struct cairn_pb_chunk	*next;
	max_align_t		 data[];
};

/* size rounded up to the alignment of max_align_t, with its header */
static size_t
block_bytes(size_t size)
{
	size_t	a = _Alignof(max_align_t);

	return sizeof(struct block) + (size + a - 1) / a * a;
}

static struct block *
chunk_cut(struct cairn_pb_budget *b, size_t size)
{
	struct cairn_pb_chunk *c;
	struct block *blk;
	size_t	need = block_bytes(size);

	if (need > b->room) {
		if ((c = malloc(sizeof(*c) + CHUNK)) == NULL)
			return NULL;
		c->next = b->chunks;
		b->chunks = c;
		b->cur = (unsigned char *)c->data;
		b->room = CHUNK;
	}
	blk = (struct block *)(void *)b->cur;
	b->cur += need;
	b->room -= need;
	blk->size = size | IN_CHUNK;
	return blk;
}

void
cairn_pb_budget_release(struct cairn_pb_budget *b)
{
	struct cairn_pb_chunk *c;

	while ((c = b->chunks) != NULL) {
		b->chunks = c->next;
		sodium_memzero(c->data, CHUNK);
		free(c);
	}
	b->cur = NULL;
	b->room = 0;
}

static void *
budget_alloc(void *arg, size_t size)
{
	struct cairn_pb_budget *b = arg;
	struct block *blk;

	if (size > b->left || size >= IN_CHUNK - sizeof(*blk) - CHUNK)
		return NULL;
	if (CHUNKED && size <= SMALL)
		blk = chunk_cut(b, size);
	else if ((blk = malloc(sizeof(*blk) + size)) != NULL)
		blk->size = size;
	if (blk == NULL) {
		b->nomem = 1;
		return NULL;
	}
	b->left -= size;
	return blk->align;
}

static void
budget_free(void *arg, void *p)
{
	struct cairn_pb_budget *b = arg;
	struct block *blk;
	size_t	size;

	if (p == NULL)
		return;
	blk = (struct block *)((char *)p - offsetof(struct block, align));
	size = blk->size & ~IN_CHUNK;
	b->left += size;
	/* Unpacked payloads hold personal data: wipe whatever was handed out. */
	sodium_memzero(blk->align, size);
	if (!(blk->size & IN_CHUNK))
		free(blk);
}

void
cairn_pb_budget_init(struct cairn_pb_budget *b, size_t budget)
{
	b->alloc.alloc = budget_alloc;
	b->alloc.free = budget_free;
	b->alloc.allocator_data = b;
	b->left = budget;
	b->nomem = 0;
	b->chunks = NULL;
	b->cur = NULL;
	b->room = 0;
}

ProtobufCMessage *
cairn_pb_unpack_factor(const ProtobufCMessageDescriptor *desc,
    struct cairn_pb_budget *b, const uint8_t *buf, size_t len, size_t factor)
{
	ProtobufCMessage *m;

	cairn_pb_budget_init(b, factor * len + 65536);
	/* on failure protobuf-c has freed the parts; the chunks are ours */
	if ((m = protobuf_c_message_unpack(desc, &b->alloc, len, buf)) == NULL)
		cairn_pb_budget_release(b);
	return m;
}

ProtobufCMessage *
cairn_pb_unpack(const ProtobufCMessageDescriptor *desc,
    struct cairn_pb_budget *b, const uint8_t *buf, size_t len)
{
	return cairn_pb_unpack_factor(desc, b, buf, len, 2);
}

void
cairn_pb_free(ProtobufCMessage *msg, struct cairn_pb_budget *b)
{
	if (msg == NULL)
		return;
	protobuf_c_message_free_unpacked(msg, &b->alloc);
	cairn_pb_budget_release(b);
}

int
cairn_pb_pack(const ProtobufCMessage *msg, uint8_t **out, size_t *outlen)
{
	size_t	 len;
	uint8_t	*buf;

	len = protobuf_c_message_get_packed_size(msg);
	if ((buf = malloc(len ? len : 1)) == NULL)
		return -ENOMEM;
	protobuf_c_message_pack(msg, buf);
	*out = buf;
	*outlen = len;
	return 0;
}

int
cairn_pb_exact(uint8_t *dst, const ProtobufCBinaryData *src, size_t n)
{
	if (src->len != n || (n && src->data == NULL))
		return -1;
	memcpy(dst, src->data, n);
	return 0;
}

int
cairn_pb_no_unknown(const ProtobufCMessage *m)
{
	const ProtobufCFieldDescriptor *f;
	const ProtobufCMessage *sub, *const *arr;
	unsigned int i;
	size_t	 j, n;

	if (m == NULL)
		return 1;
	if (m->n_unknown_fields != 0)
		return 0;
	for (i = 0; i < m->descriptor->n_fields; i++) {
		f = &m->descriptor->fields[i];
		if (f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		/* a oneof member is there only when its case is set */
		if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
		    *(const uint32_t *)((const char *)m +
		    f->quantifier_offset) != f->id)
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			n = *(const size_t *)((const char *)m +
			    f->quantifier_offset);
			arr = *(const ProtobufCMessage *const *const *)
			    ((const char *)m + f->offset);
			for (j = 0; j < n; j++)
				if (!cairn_pb_no_unknown(arr[j]))
					return 0;
		} else {
			sub = *(const ProtobufCMessage *const *)
			    ((const char *)m + f->offset);
			if (!cairn_pb_no_unknown(sub))
				return 0;
		}
	}
	return 1;
}

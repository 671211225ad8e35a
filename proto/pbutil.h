/* SPDX-License-Identifier: MIT */
/*
 * Bounded protobuf-c unpacking, for proto/ modules only (it exposes
 * protobuf-c types).  Every unpack of untrusted bytes goes through an
 * allocator with a byte budget, after the caller has checked the length.
 */
#ifndef CAIRN_PROTO_PBUTIL_H
#define CAIRN_PROTO_PBUTIL_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

struct cairn_pb_chunk;

struct cairn_pb_budget {
	ProtobufCAllocator	alloc;
	size_t			left;
	int			nomem;	/* malloc failed, not the budget */
	struct cairn_pb_chunk	*chunks; /* small parts come from these */
	unsigned char		*cur;	/* the next free byte of chunks */
	size_t			 room;	/* bytes free at cur */
};

/*
 * Prepares an allocator that refuses to hand out more than budget bytes.
 * Small parts (most of an unpacked message: its structs, short strings
 * and ids) are cut from a few 4 KiB chunks rather than malloc'ed one by
 * one; cairn_pb_free() gives the chunks back.
 */
void	cairn_pb_budget_init(struct cairn_pb_budget *b, size_t budget);

/*
 * Gives back what an initialised budget still holds (its chunks, wiped);
 * cairn_pb_free() and a failed unpack do this themselves.
 */
void	cairn_pb_budget_release(struct cairn_pb_budget *b);

/*
 * Unpacks len bytes as desc with a budget of 2 * len + 64 KiB.  Returns the
 * message, or NULL if it does not parse or exceeds the budget (b->nomem
 * tells a failed malloc apart).  Free it with cairn_pb_free(msg, b).
 */
ProtobufCMessage *cairn_pb_unpack(const ProtobufCMessageDescriptor *desc,
	    struct cairn_pb_budget *b, const uint8_t *buf, size_t len);

/*
 * The same with a budget of factor * len + 64 KiB, for messages made of
 * many small parts (a list of a thousand statuses, an address book), which
 * take many times their wire size once unpacked.  len must be bounded by
 * the caller so that the product cannot overflow.
 */
ProtobufCMessage *cairn_pb_unpack_factor(const ProtobufCMessageDescriptor *desc,
	    struct cairn_pb_budget *b, const uint8_t *buf, size_t len,
	    size_t factor);

/*
 * Frees a message unpacked with cairn_pb_unpack(), wiping every block;
 * NULL is allowed.
 */
void	cairn_pb_free(ProtobufCMessage *msg, struct cairn_pb_budget *b);

/*
 * Packs msg into a malloc'ed buffer.  Returns 0 or -ENOMEM.
 */
int	cairn_pb_pack(const ProtobufCMessage *msg, uint8_t **out,
	    size_t *outlen);

/*
 * 1 when msg and every message inside it carry no unknown fields, else 0.
 * The schema has no recursion, so the depth is bounded.
 */
int	cairn_pb_no_unknown(const ProtobufCMessage *msg);

/* Copies a bytes field of exactly n bytes; returns 0 or -1. */
int	cairn_pb_exact(uint8_t *dst, const ProtobufCBinaryData *src, size_t n);

#endif

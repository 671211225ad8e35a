/* SPDX-License-Identifier: MIT */
/*
 * Message kinds and the small enums shared by payloads and the book, with
 * their names as operators and users type them.  Values equal the wire
 * enums in cairn.proto.
 */
#ifndef CAIRN_PROTO_KIND_H
#define CAIRN_PROTO_KIND_H

#include <stdint.h>

enum cairn_kind {
	CAIRN_KIND_NONE = 0,
	CAIRN_KIND_REQUEST = 1,		/* "consultation-request" */
	CAIRN_KIND_GUARANTEE = 2,	/* "contact-guarantee" */
	CAIRN_KIND_RESPONSE = 3,	/* "consultation-response" */
	CAIRN_KIND_WITHDRAWAL = 4,	/* "withdrawal" */
	CAIRN_KIND_MAX = 4
};

#define CAIRN_KIND_BIT(k)	(1u << (k))

/* "consultation-request" etc., or "unknown" for a value out of range. */
const char	*cairn_kind_name(enum cairn_kind kind);

/* Parses a kind name; returns the kind, or CAIRN_KIND_NONE if unknown. */
enum cairn_kind	 cairn_kind_parse(const char *name);

#endif

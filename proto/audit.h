/* SPDX-License-Identifier: MIT */
/*
 * Audit records and their hash chain: the evidence format that travels
 * between organisations, so it lives here and needs no daemon.
 *
 * Each record names an event, the message (id, envelope hash), the
 * functional addresses on both sides, a reason code and, for reads, the
 * local uid.  Never content, never personal data.  Record n carries the
 * hash of record n-1; its own hash covers that and all its fields.
 */
#ifndef CAIRN_PROTO_AUDIT_H
#define CAIRN_PROTO_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/error.h"
#include "proto/payload.h"
#include "proto/sig.h"
#include "proto/validate.h"

#define CAIRN_AUDIT_MAX_BYTES	1024

enum cairn_audit_event {
	CAIRN_AUDIT_STARTED = 1,	/* daemon started */
	CAIRN_AUDIT_STOPPED = 2,	/* daemon stopped cleanly */
	CAIRN_AUDIT_SUBMITTED = 3,	/* client submit accepted, queued */
	CAIRN_AUDIT_SUBMIT_REFUSED = 4,	/* client submit refused (code) */
	CAIRN_AUDIT_SENT = 5,		/* one delivery attempt */
	CAIRN_AUDIT_DELIVERED = 6,	/* valid receipt received */
	CAIRN_AUDIT_REJECTED = 7,	/* valid nack received (code=reason) */
	CAIRN_AUDIT_FAILED = 8,		/* expired undelivered */
	CAIRN_AUDIT_RECEIVED = 9,	/* stored in inbox, receipt sent */
	CAIRN_AUDIT_REFUSED = 10,	/* incoming refused (code) */
	CAIRN_AUDIT_DUPLICATE = 11,	/* incoming duplicate, receipt resent */
	CAIRN_AUDIT_READ = 12,		/* content shown to a local user */
	CAIRN_AUDIT_BOOK_LOADED = 13,	/* address book accepted (code=serial) */
	CAIRN_AUDIT_BOOK_REFUSED = 14,	/* address book refused (code) */
	CAIRN_AUDIT_DENIED = 15,	/* local request refused by role */
	CAIRN_AUDIT_BAD_REPLY = 16,	/* receipt/nack that did not verify */
	CAIRN_AUDIT_EVENT_MAX = 16
};

struct cairn_audit_record {
	uint64_t	seq;
	int64_t		time_ms;
	enum cairn_audit_event event;
	bool		has_msg_id;
	uint8_t		msg_id[CAIRN_MSG_ID_BYTES];
	char		local[CAIRN_ADDRESS_MAX + 1];
	char		remote[CAIRN_ADDRESS_MAX + 1];
	bool		has_envelope_hash;
	uint8_t		envelope_hash[CAIRN_HASH_BYTES];
	int32_t		code;
	int64_t		uid;		/* -1 when not a local user's act */
	uint8_t		prev_hash[CAIRN_HASH_BYTES];
	uint8_t		hash[CAIRN_HASH_BYTES];
};

/* Name of an event ("delivered", ...), "unknown" if out of range. */
const char *cairn_audit_event_name(enum cairn_audit_event ev);

/*
 * Computes rec->hash from all other fields (prev_hash included) and
 * encodes the record.  *out is malloc'ed.
 * Returns 0, CAIRN_EFIELD (event out of range, bad address text) or
 * -ENOMEM.
 */
int	cairn_audit_seal(struct cairn_audit_record *rec, uint8_t **out,
	    size_t *outlen) CAIRN_MUSTCHECK;

/*
 * Decodes a record and checks its shape and that its hash matches its
 * content (not the chain link: the caller compares prev_hash).  Only the
 * canonical encoding, byte for byte what cairn_audit_seal() writes, is
 * accepted: unknown or repeated fields, overlong varints and trailing
 * bytes are CAIRN_EMALFORMED, so that no two byte strings carry one hash.
 * Returns 0, CAIRN_ETOOBIG, CAIRN_EMALFORMED, CAIRN_EFIELD or
 * CAIRN_ECORRUPT (hash does not match).
 */
int	cairn_audit_open(struct cairn_audit_record *rec, const uint8_t *buf,
	    size_t len) CAIRN_MUSTCHECK;

#endif

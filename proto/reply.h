/* SPDX-License-Identifier: MIT */
/*
 * Receipts and nacks: the signed answer a receiving daemon gives for every
 * envelope it either holds durably (receipt) or will never accept (nack,
 * with a reason).  Both are carried as SignedReply, whose body bytes are
 * signed under their own domain tag, so a receipt can never be passed off
 * as an envelope signature or the other way round.
 *
 * Checking a reply is two steps, like an envelope: cairn_reply_parse()
 * (size, structure, the signer key id to look up), cairn_reply_verify()
 * (signature, then the body parsed and checked).
 *
 * Batched receipts: a receiving daemon signs once for all envelopes it
 * stored in one commit.  The signature covers a ReceiptBatch (a Merkle
 * root over the leaves (msg_id, envelope_hash), their count, the time and
 * the signer); each message gets its own SignedReply with that signature
 * and its leaf's path to the root, so it proves its delivery on its own,
 * and a receipt of one batch proves nothing for a message outside it.
 * cairn_reply_verify() takes both forms and gives the same struct
 * cairn_reply; with a cairn_reply_cache the signature of a batch is
 * checked once, not once per message.
 */
#ifndef CAIRN_PROTO_REPLY_H
#define CAIRN_PROTO_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "proto/bookwire.h"
#include "proto/error.h"
#include "proto/payload.h"
#include "proto/sig.h"
#include "proto/validate.h"

#define CAIRN_REPLY_MAX_BYTES	1024
#define CAIRN_BATCH_MAX		1024	/* receipts under one signature */
#define CAIRN_BATCH_DEPTH	10	/* path length at CAIRN_BATCH_MAX */

enum cairn_reply_type {
	CAIRN_REPLY_RECEIPT = 1,
	CAIRN_REPLY_NACK = 2
};

/* Same values as NackReason in cairn.proto. */
enum cairn_nack_reason {
	CAIRN_NACK_NONE = 0,
	CAIRN_NACK_MALFORMED = 1,
	CAIRN_NACK_UNKNOWN_SENDER = 2,
	CAIRN_NACK_BAD_SIGNATURE = 3,
	CAIRN_NACK_WRONG_RECIPIENT = 4,
	CAIRN_NACK_UNKNOWN_FUNCTION = 5,
	CAIRN_NACK_KIND_NOT_ACCEPTED = 6,
	CAIRN_NACK_EXPIRED = 7,
	CAIRN_NACK_UNKNOWN_RECIPIENT_KEY = 8,
	CAIRN_NACK_CANNOT_DECRYPT = 9,
	CAIRN_NACK_BAD_PAYLOAD = 10,
	CAIRN_NACK_SENDER_MISMATCH = 11,
	CAIRN_NACK_NOT_IN_CASE = 12,
	CAIRN_NACK_MAX = 12
};

struct cairn_reply {
	enum cairn_reply_type type;
	uint8_t		msg_id[CAIRN_MSG_ID_BYTES];
	uint8_t		envelope_hash[CAIRN_HASH_BYTES];
	int64_t		time_ms;	/* received_ms or refused_ms */
	char		org[CAIRN_ORG_ID_MAX + 1];	/* who signed */
	enum cairn_nack_reason reason;	/* nacks only */
	uint8_t		signer_key_id[CAIRN_KEY_ID_BYTES];
	uint32_t	batch_count;	/* receipts under the signature (1) */
};

/* One message of a batch: what its receipt is about. */
struct cairn_reply_leaf {
	uint8_t		msg_id[CAIRN_MSG_ID_BYTES];
	uint8_t		envelope_hash[CAIRN_HASH_BYTES];
};

/*
 * Batch signatures already checked, so that the receipts of one batch
 * cost one signature check between them.  Zero it before first use.
 */
struct cairn_reply_cache {
	uint8_t		seen[8][CAIRN_HASH_BYTES];
	unsigned	next;
};

struct cairn_reply_msg;

/*
 * Signs r with signer and returns SignedReply bytes in *out (malloc'ed).
 * r->signer_key_id is set from the signer.
 * Returns 0, CAIRN_EFIELD (bad type, reason, org), the signer's error or
 * -ENOMEM.
 */
int	cairn_reply_sign(struct cairn_reply *r, const struct cairn_signer *s,
	    uint8_t **out, size_t *outlen) CAIRN_MUSTCHECK;

/*
 * Signs one receipt for n messages (1..CAIRN_BATCH_MAX) that org holds
 * durably since time_ms: out[i] and outlen[i] receive message i's
 * SignedReply (malloc'ed; the caller frees each), every one verifiable on
 * its own.  For n == 1 it is a plain receipt.  On failure nothing is
 * allocated.  Returns 0, CAIRN_EFIELD (org, n), the signer's error or
 * -ENOMEM.
 */
int	cairn_reply_sign_batch(const struct cairn_reply_leaf *leaves, size_t n,
	    int64_t time_ms, const char *org, const struct cairn_signer *s,
	    uint8_t **out, size_t *outlen) CAIRN_MUSTCHECK;

/*
 * Step 1: size, structure and field lengths of SignedReply bytes.
 * *out is freed with cairn_reply_free().
 * Returns 0, CAIRN_ETOOBIG, CAIRN_EMALFORMED, CAIRN_EFIELD or -ENOMEM.
 */
int	cairn_reply_parse(struct cairn_reply_msg **out, const uint8_t *buf,
	    size_t len) CAIRN_MUSTCHECK;

/* The key id that signed the reply, to look the key up. */
const uint8_t *cairn_reply_signer_key_id(const struct cairn_reply_msg *m);

/*
 * Step 2: checks the signature with key, then parses the body into r and
 * checks it: type, lengths, org equal to signer_org, reason in range, time
 * within the key's validity window.
 * A batched receipt is checked like a receipt, and its leaf's path must
 * lead to the signed root (CAIRN_EBADSIG where it does not); r->type is
 * then CAIRN_REPLY_RECEIPT and r->batch_count the size of its batch.
 * Returns 0, CAIRN_EKEYMISMATCH, CAIRN_EBADSIG, CAIRN_EMALFORMED,
 * CAIRN_EFIELD, CAIRN_ESENDER or CAIRN_EKEYEXPIRED.
 */
int	cairn_reply_verify(const struct cairn_reply_msg *m,
	    const struct cairn_pubkey *key, const char *signer_org,
	    struct cairn_reply *r) CAIRN_MUSTCHECK;

/* As cairn_reply_verify(), remembering checked batch signatures in c. */
int	cairn_reply_verify_cached(const struct cairn_reply_msg *m,
	    const struct cairn_pubkey *key, const char *signer_org,
	    struct cairn_reply *r, struct cairn_reply_cache *c)
	    CAIRN_MUSTCHECK;

/* Frees; NULL is allowed. */
void	cairn_reply_free(struct cairn_reply_msg *m);

/* Text for a nack reason ("unknown function", ...). */
const char *cairn_nack_reason_name(enum cairn_nack_reason reason);

/* The nack reason that answers a CAIRN_E* refusal code. */
enum cairn_nack_reason cairn_nack_reason_for(int code);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Audit records and their hash chain: the evidence format that travels
 * between organisations, so it lives here and needs no daemon.
 *
 * Each record names an event, the message (id, envelope hash), the
 * functional addresses on both sides, a reason code and, for reads, the
 * local uid.  Never content, never personal data.  Record n carries the
 * hash of record n-1; its own hash covers that and all its fields.
 *
 * Also here, because auditors of another organisation must be able to
 * check them without a daemon: checkpoints (the organisation's signature
 * over a sequence number and the head hash), a verifier that walks a
 * chain and names its first bad record and why, the export line formats
 * (JSON lines, CSV) and the reconciliation of two organisations' exports.
 */
#ifndef CAIRN_PROTO_AUDIT_H
#define CAIRN_PROTO_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/bookwire.h"
#include "proto/error.h"
#include "proto/payload.h"
#include "proto/reply.h"
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

/* ---- checkpoints --------------------------------------------------------- */

#define CAIRN_AUDIT_CHECKPOINT_MAX_BYTES	256

/*
 * A signed statement "my chain's record seq has hash head_hash", made by
 * org's daemon at time_ms.  The signature is Ed25519 over
 * cairn_sig_digest(CAIRN_DOMAIN_CHECKPOINT, AuditCheckpoint encoded with
 * only seq, head_hash, time_ms and org set); signer_key_id names the key.
 */
struct cairn_audit_checkpoint {
	uint64_t	seq;
	uint8_t		head_hash[CAIRN_HASH_BYTES];
	int64_t		time_ms;
	char		org[CAIRN_ORG_ID_MAX + 1];
	uint8_t		signer_key_id[CAIRN_KEY_ID_BYTES];
	uint8_t		signature[CAIRN_SIG_BYTES];
};

/*
 * Signs cp's seq, head_hash, time_ms and org with s, sets signer_key_id
 * and signature, and encodes the checkpoint; *out is malloc'ed.
 * Returns 0, CAIRN_EFIELD (seq 0 or above INT64_MAX, bad org), the
 * signer's error or -ENOMEM.
 */
int	cairn_audit_checkpoint_sign(struct cairn_audit_checkpoint *cp,
	    const struct cairn_signer *s, uint8_t **out, size_t *outlen)
	    CAIRN_MUSTCHECK;

/*
 * Decodes checkpoint bytes: size, canonical encoding (as for records),
 * exact field lengths, seq and org.  Does not check the signature.
 * Returns 0, CAIRN_ETOOBIG, CAIRN_EMALFORMED or CAIRN_EFIELD.
 */
int	cairn_audit_checkpoint_open(struct cairn_audit_checkpoint *cp,
	    const uint8_t *buf, size_t len) CAIRN_MUSTCHECK;

/*
 * Checks cp's signature with key: the key id first, then the signature,
 * then that time_ms lies in the key's validity window.
 * Returns 0, CAIRN_EFIELD, CAIRN_EKEYMISMATCH, CAIRN_EBADSIG or
 * CAIRN_EKEYEXPIRED.
 */
int	cairn_audit_checkpoint_verify(const struct cairn_audit_checkpoint *cp,
	    const struct cairn_pubkey *key) CAIRN_MUSTCHECK;

/*
 * Recomputes a record's hash from its fields (prev_hash included) and
 * compares it with rec->hash, without encoding it for the caller.
 * Returns 0, CAIRN_EFIELD (a field out of range) or CAIRN_ECORRUPT.
 */
int	cairn_audit_check(const struct cairn_audit_record *rec)
	    CAIRN_MUSTCHECK;

/* ---- chain verification -------------------------------------------------- */

/*
 * Where to find the public signing keys of checkpoints and receipts.
 * lookup() copies the key named key_id into *key if it belongs to org.
 * Returns 0, CAIRN_EUNKNOWNKEY (no such key) or CAIRN_ESENDER (the key
 * belongs to another organisation).
 */
struct cairn_audit_keys {
	int	(*lookup)(void *arg, const char *org,
		    const uint8_t key_id[static CAIRN_KEY_ID_BYTES],
		    struct cairn_pubkey *key);
	void	 *arg;
};

/* Why a chain does not verify; the first fault (lowest seq) is reported. */
enum cairn_audit_fault {
	CAIRN_AUDIT_FAULT_NONE = 0,
	CAIRN_AUDIT_FAULT_RECORD = 1,	/* record does not decode */
	CAIRN_AUDIT_FAULT_HASH = 2,	/* hash does not match its fields */
	CAIRN_AUDIT_FAULT_LINK = 3,	/* prev_hash is not the hash before */
	CAIRN_AUDIT_FAULT_SEQ = 4,	/* gap, repeat or reordering */
	CAIRN_AUDIT_FAULT_CHECKPOINT = 5, /* signed head hash differs */
	CAIRN_AUDIT_FAULT_SIGNATURE = 6, /* checkpoint signature is bad */
	CAIRN_AUDIT_FAULT_TRUNCATED = 7, /* records missing at the end */
	CAIRN_AUDIT_FAULT_HEAD = 8,	/* stored head disagrees with chain */
	CAIRN_AUDIT_FAULT_MAX = 8
};

struct cairn_audit_result {
	uint64_t	records;	/* records that verified */
	uint64_t	first_seq;	/* first and last of them, 0 if none */
	uint64_t	last_seq;
	uint64_t	checkpoints;	/* signed and matching the chain */
	bool		has_checkpoint;
	struct cairn_audit_checkpoint last_checkpoint;	/* last good one */
	uint64_t	unsigned_records; /* good records after it */
	enum cairn_audit_fault fault;
	uint64_t	bad_seq;	/* first bad sequence number */
	int		code;		/* CAIRN_E* detail of the fault */
};

struct cairn_audit_verifier;

/*
 * A verifier of one chain.  keys is borrowed; org (copied) is the
 * organisation every checkpoint must name, or NULL to take the first
 * checkpoint's.  Give it the checkpoints first (any order), then the
 * records in the order they were read, then call _finish.
 * Returns 0, CAIRN_EINVAL (bad org) or -ENOMEM.
 */
int	cairn_audit_verifier_new(struct cairn_audit_verifier **out,
	    const struct cairn_audit_keys *keys, const char *org)
	    CAIRN_MUSTCHECK;

/* Frees; NULL is allowed. */
void	cairn_audit_verifier_free(struct cairn_audit_verifier *v);

/*
 * The chain is a slice that starts at first_seq (default 1): its first
 * record's prev_hash is taken as given.  Checkpoints below first_seq are
 * ignored.  Call before the first record.
 */
void	cairn_audit_verifier_start(struct cairn_audit_verifier *v,
	    uint64_t first_seq);

/*
 * Adds a checkpoint and checks its signature.  Returns 0, CAIRN_ESTATE
 * (a record came already), -ENOMEM, or the fault's code
 * (CAIRN_EBADSIG, CAIRN_EUNKNOWNKEY, CAIRN_ESENDER, ...), which is also
 * kept as a CAIRN_AUDIT_FAULT_SIGNATURE at cp->seq.
 */
int	cairn_audit_verifier_checkpoint(struct cairn_audit_verifier *v,
	    const struct cairn_audit_checkpoint *cp) CAIRN_MUSTCHECK;

/*
 * Adds the next record.  Returns 0, or CAIRN_ECORRUPT once the chain has
 * a fault among its records (later records are then not examined).
 */
int	cairn_audit_verifier_record(struct cairn_audit_verifier *v,
	    const struct cairn_audit_record *rec) CAIRN_MUSTCHECK;

/*
 * The next record could not be decoded (code from cairn_audit_open() or
 * an export parser); at_seq is where it was found (its key), or 0 to use
 * the seq that was due.  CAIRN_ECORRUPT (a record that decodes but whose
 * hash does not match) is kept as CAIRN_AUDIT_FAULT_HASH, anything else
 * as CAIRN_AUDIT_FAULT_RECORD.  Always returns CAIRN_ECORRUPT.
 */
int	cairn_audit_verifier_bad_record(struct cairn_audit_verifier *v,
	    uint64_t at_seq, int code);

/*
 * A stored checkpoint at at_seq could not be decoded (code from
 * cairn_audit_checkpoint_open()): kept as CAIRN_AUDIT_FAULT_SIGNATURE.
 * Returns code.
 */
int	cairn_audit_verifier_bad_checkpoint(struct cairn_audit_verifier *v,
	    uint64_t at_seq, int code);

/*
 * The head the store says it has (unsigned, but it must agree with the
 * last record), checked by _finish.
 */
void	cairn_audit_verifier_head(struct cairn_audit_verifier *v,
	    uint64_t seq, const uint8_t hash[static CAIRN_HASH_BYTES]);

/*
 * Ends the chain and fills res.  Returns 0 if the chain is sound, else
 * CAIRN_ECORRUPT with res->fault, res->bad_seq and res->code set.
 */
int	cairn_audit_verifier_finish(struct cairn_audit_verifier *v,
	    struct cairn_audit_result *res) CAIRN_MUSTCHECK;

/* Text of a fault ("hash mismatch", ...), "unknown" if out of range. */
const char *cairn_audit_fault_name(enum cairn_audit_fault f);

/* ---- exports ------------------------------------------------------------- */

/*
 * An export is a text file of lines, JSON (one object a line) or CSV
 * (a column line first): one header, then the checkpoints, the records
 * and the signed replies (receipts and nacks) kept for messages.  Every
 * field a hash or a signature covers is there, as decimal, hex or
 * base64, so an export verifies on its own.  Exports carry metadata
 * only, never content.
 */
#define CAIRN_AUDIT_EXPORT_VERSION	1
#define CAIRN_AUDIT_LINE_MAX		4096

enum cairn_audit_format {
	CAIRN_AUDIT_JSONL = 1,
	CAIRN_AUDIT_CSV = 2
};

enum cairn_audit_item_type {
	CAIRN_AUDIT_ITEM_HEADER = 1,
	CAIRN_AUDIT_ITEM_CHECKPOINT = 2,
	CAIRN_AUDIT_ITEM_RECORD = 3,
	CAIRN_AUDIT_ITEM_RECEIPT = 4
};

struct cairn_audit_header {
	uint32_t	version;	/* CAIRN_AUDIT_EXPORT_VERSION */
	char		org[CAIRN_ORG_ID_MAX + 1];
	int64_t		created_ms;
	uint64_t	first_seq;	/* 1 for a whole chain */
	uint64_t	last_seq;	/* 0 when empty */
};

/* A signed reply kept for a message: received (sender) or issued. */
struct cairn_audit_receipt {
	uint8_t		msg_id[CAIRN_MSG_ID_BYTES];
	uint8_t		reply[CAIRN_REPLY_MAX_BYTES];	/* SignedReply */
	size_t		len;
};

struct cairn_audit_item {
	enum cairn_audit_item_type type;
	union {
		struct cairn_audit_header	header;
		struct cairn_audit_checkpoint	checkpoint;
		struct cairn_audit_record	record;
		struct cairn_audit_receipt	receipt;
	} u;
};

/* The first line of a CSV export (with its newline). */
const char *cairn_audit_csv_columns(void);

/*
 * Formats one item as one line ending in '\n'; *out is malloc'ed and
 * NUL-terminated, *outlen excludes the NUL.
 * Returns 0, CAIRN_EINVAL (bad format or item type, a seq above
 * INT64_MAX, a receipt longer than CAIRN_REPLY_MAX_BYTES), CAIRN_EFIELD
 * (a field out of range) or -ENOMEM.
 */
int	cairn_audit_item_format(const struct cairn_audit_item *it,
	    enum cairn_audit_format fmt, char **out, size_t *outlen)
	    CAIRN_MUSTCHECK;

/*
 * Parses one line (a trailing "\n" or "\r\n" is allowed) into it, with
 * every field checked: exact hex lengths, numbers in range, known event
 * names, address syntax.  Unknown keys, duplicate keys and missing ones
 * are refused.  It does not check hashes or signatures.
 * Returns 0, CAIRN_ETOOBIG (over CAIRN_AUDIT_LINE_MAX), CAIRN_EMALFORMED,
 * CAIRN_EFIELD or CAIRN_EVERSION (a header of another version).
 */
int	cairn_audit_item_parse(struct cairn_audit_item *it,
	    enum cairn_audit_format fmt, const char *line, size_t len)
	    CAIRN_MUSTCHECK;

/* ---- reconciliation ------------------------------------------------------ */

/*
 * Reconciles two organisations' exports: for every message one sent to
 * the other, the sender's outcome (delivered, rejected) must be backed by
 * a reply signed by the receiver and by the receiver's own record of it
 * (received, refused), with the same envelope hash and addresses.
 */
enum cairn_audit_finding_kind {
	CAIRN_AUDIT_MATCHED = 0,
	CAIRN_AUDIT_MISSING = 1,	/* one side has no record of it */
	CAIRN_AUDIT_HASH_MISMATCH = 2,	/* envelope hashes differ */
	CAIRN_AUDIT_BAD_RECEIPT = 3,	/* reply missing or not valid */
	CAIRN_AUDIT_ADDRESS_MISMATCH = 4, /* sides name other addresses */
	CAIRN_AUDIT_CONFLICT = 5,	/* sides disagree on the outcome */
	CAIRN_AUDIT_UNCONFIRMED = 6	/* received; sender has no receipt */
};

struct cairn_audit_finding {
	uint8_t		msg_id[CAIRN_MSG_ID_BYTES];
	enum cairn_audit_finding_kind kind;
	int		side;		/* 0 or 1: the side at fault, or -1 */
	int		code;		/* CAIRN_E* detail, or 0 */
	char		from[CAIRN_ADDRESS_MAX + 1];	/* sender's view */
	char		to[CAIRN_ADDRESS_MAX + 1];
	char		outcome[2][16];	/* what each side says, "-" none */
	bool		has_hash[2];
	uint8_t		hash[2][CAIRN_HASH_BYTES];
};

struct cairn_audit_summary {
	uint64_t	messages;
	uint64_t	matched;
	uint64_t	mismatched;
};

struct cairn_audit_reconcile;

/*
 * keys (borrowed) looks up the receivers' signing keys; org_a and org_b
 * (copied) are the two organisations, sides 0 and 1.
 * Returns 0, CAIRN_EINVAL (bad or equal org ids) or -ENOMEM.
 */
int	cairn_audit_reconcile_new(struct cairn_audit_reconcile **out,
	    const struct cairn_audit_keys *keys, const char *org_a,
	    const char *org_b) CAIRN_MUSTCHECK;

/* Frees; NULL is allowed. */
void	cairn_audit_reconcile_free(struct cairn_audit_reconcile *r);

/*
 * Adds one item of side 0 or 1 (records and receipts; others are
 * ignored).  Returns 0, CAIRN_EINVAL or -ENOMEM.
 */
int	cairn_audit_reconcile_add(struct cairn_audit_reconcile *r, int side,
	    const struct cairn_audit_item *it) CAIRN_MUSTCHECK;

/*
 * Matches the two sides; calls fn for every message (matched ones too,
 * kind CAIRN_AUDIT_MATCHED) in msg id order and fills sum.
 * Returns 0 or -ENOMEM.
 */
int	cairn_audit_reconcile_run(struct cairn_audit_reconcile *r,
	    void (*fn)(void *arg, const struct cairn_audit_finding *f),
	    void *arg, struct cairn_audit_summary *sum) CAIRN_MUSTCHECK;

/* Text of a finding kind ("matched", "missing", ...). */
const char *cairn_audit_finding_name(enum cairn_audit_finding_kind k);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * store: the daemon's durable state in LMDB.  It keeps; it does not decide
 * (the workflow does).
 *
 * Named databases:
 *   outbox    msg_id -> struct store_out (metadata of a message we send)
 *   outenv    msg_id -> envelope bytes as sealed
 *   sched     u64be(next_ms) || msg_id -> ""   (retry schedule of QUEUED)
 *   receipts  msg_id -> signed reply bytes we received (receipt or nack)
 *   inbox     msg_id -> struct store_in (metadata of a message we hold)
 *   inenv     msg_id -> envelope bytes as received (still encrypted)
 *   dedup     msg_id -> u64 expires_ms || signed receipt bytes we issued
 *   dedupexp  u64be(expires_ms) || msg_id -> ""   (expiry order of dedup)
 *   audit     u64be(seq) -> audit record bytes (proto/audit.h)
 *   cases     request msg_id -> struct store_case (the consultation workflow)
 *   meta      "audit.head" -> u64 seq || 32-byte hash; "format" -> u64 (1);
 *             "book.serial" -> u64
 *   checkpoints u64be(seq) -> signed AuditCheckpoint bytes (proto/audit.h)
 *
 * Every value carries a format version and a BLAKE2b checksum, checked on
 * every read (LMDB 0.9 has no page checksums): a mismatch is
 * CAIRN_ECORRUPT, never served; a sound value of an unknown version is
 * CAIRN_EVERSION.  Audit records are stored as sealed, and their own hash
 * is their checksum.
 *
 * Arguments out of range (an enum value, a string not terminated within
 * its array, a negative next_ms of a QUEUED message, a finished txn) are
 * refused with CAIRN_EINVAL before anything is written.  CAIRN_EEXIST,
 * CAIRN_ENOTFOUND and CAIRN_EINVAL leave the transaction usable; after any
 * other error from a put, abort it.
 *
 * Writes happen inside one write transaction (struct store_txn) that the
 * caller commits once per event-loop pass (group commit).  Commits are
 * durable (no MDB_NOSYNC/NOMETASYNC/WRITEMAP).  A full map or disk comes
 * back as CAIRN_ENOSPACE from any put or from store_commit(); the
 * transaction is then aborted and nothing of it is kept.
 */
#ifndef CAIRN_DAEMON_STORE_H
#define CAIRN_DAEMON_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/audit.h"
#include "proto/error.h"
#include "proto/kind.h"
#include "proto/payload.h"
#include "proto/sig.h"
#include "proto/validate.h"

#define STORE_DEFAULT_MAP_SIZE	(1024ull * 1024 * 1024)

enum store_out_state {
	STORE_OUT_QUEUED = 1,
	STORE_OUT_DELIVERED = 2,
	STORE_OUT_REJECTED = 3,
	STORE_OUT_FAILED = 4
};

struct store_out {
	uint8_t		msg_id[CAIRN_MSG_ID_BYTES];
	enum store_out_state state;
	enum cairn_kind	kind;
	char		from_function[CAIRN_FUNCTION_MAX + 1];
	char		to_org[CAIRN_ORG_ID_MAX + 1];
	char		to_function[CAIRN_FUNCTION_MAX + 1];
	uint8_t		conversation_id[CAIRN_MSG_ID_BYTES];
	bool		has_reply_to;
	uint8_t		in_reply_to[CAIRN_MSG_ID_BYTES];
	int64_t		created_ms;
	int64_t		expires_ms;
	int64_t		next_ms;	/* next attempt, QUEUED only */
	int64_t		receipt_ms;	/* receipt or nack time, or 0 */
	uint32_t	attempts;
	int32_t		last_error;	/* CAIRN_E* or 0 */
	int32_t		nack_reason;	/* enum cairn_nack_reason or 0 */
	uint8_t		envelope_hash[CAIRN_HASH_BYTES];
};

enum store_in_state {
	STORE_IN_NEW = 1,
	STORE_IN_READ = 2
};

struct store_in {
	uint8_t		msg_id[CAIRN_MSG_ID_BYTES];
	enum store_in_state state;
	enum cairn_kind	kind;
	char		from_org[CAIRN_ORG_ID_MAX + 1];
	char		from_function[CAIRN_FUNCTION_MAX + 1];
	char		to_function[CAIRN_FUNCTION_MAX + 1];
	uint8_t		conversation_id[CAIRN_MSG_ID_BYTES];
	bool		has_reply_to;
	uint8_t		in_reply_to[CAIRN_MSG_ID_BYTES];
	int64_t		created_ms;
	int64_t		expires_ms;
	int64_t		received_ms;
	uint8_t		envelope_hash[CAIRN_HASH_BYTES];
};

struct store;
struct store_txn;

/*
 * Opens (creating if needed) the LMDB environment in dir (mode 0700),
 * map_size bytes (0: STORE_DEFAULT_MAP_SIZE), clears stale reader slots,
 * and checks the format version in meta.
 * Returns 0, CAIRN_ESTORE, CAIRN_ECORRUPT, CAIRN_EVERSION, CAIRN_ENOSPACE
 * (no room to create it) or -errno (-ENOTDIR, -EACCES, ...).
 */
int	store_open(struct store **out, const char *dir, size_t map_size)
	    CAIRN_MUSTCHECK;

/* Closes; NULL is allowed.  No transaction may be open. */
void	store_close(struct store *st);

/*
 * Starts the (single) write transaction.  Returns 0 or CAIRN_ESTORE (also
 * when one is already open: a second would deadlock on LMDB's writer
 * lock).
 */
int	store_begin(struct store *st, struct store_txn **out) CAIRN_MUSTCHECK;

/*
 * Commits durably and frees txn.  Returns 0, CAIRN_ENOSPACE (map or disk
 * full: nothing of txn is kept) or CAIRN_ESTORE (e.g. fsync failed).
 */
int	store_commit(struct store_txn *txn) CAIRN_MUSTCHECK;

/* Aborts and frees; NULL is allowed. */
void	store_abort(struct store_txn *txn);

/* --- outbox --- */

/*
 * Adds a new outgoing message with its envelope and, if QUEUED, its
 * schedule entry at o->next_ms.  Returns 0, CAIRN_EEXIST (msg id taken),
 * CAIRN_ENOSPACE or CAIRN_ESTORE.
 */
int	store_out_add(struct store_txn *txn, const struct store_out *o,
	    const uint8_t *env, size_t envlen) CAIRN_MUSTCHECK;

/*
 * Rewrites the metadata of an existing outgoing message, moving its
 * schedule entry from old_next_ms (the value stored before) to o->next_ms
 * when QUEUED, or removing it otherwise.  Returns 0, CAIRN_ENOTFOUND,
 * CAIRN_ENOSPACE or CAIRN_ESTORE.
 */
int	store_out_update(struct store_txn *txn, const struct store_out *o)
	    CAIRN_MUSTCHECK;

/*
 * Reads an outgoing message's metadata; txn may be NULL (a short read
 * transaction is used).  Returns 0, CAIRN_ENOTFOUND, CAIRN_ECORRUPT or
 * CAIRN_ESTORE.
 */
int	store_out_get(struct store *st, struct store_txn *txn,
	    const uint8_t id[static CAIRN_MSG_ID_BYTES], struct store_out *o)
	    CAIRN_MUSTCHECK;

/*
 * Reads an outgoing envelope; *env is malloc'ed.  txn may be NULL.
 * Returns 0, CAIRN_ENOTFOUND, CAIRN_ECORRUPT, CAIRN_ESTORE or -ENOMEM.
 */
int	store_out_envelope(struct store *st, struct store_txn *txn,
	    const uint8_t id[static CAIRN_MSG_ID_BYTES], uint8_t **env,
	    size_t *envlen) CAIRN_MUSTCHECK;

/*
 * Lists up to max QUEUED messages whose next_ms <= now_ms, in schedule
 * order, into out; *n is how many.  *next_ms receives the earliest
 * next_ms of the schedule after those (INT64_MAX if none).  txn may be
 * NULL.  Returns 0, CAIRN_ECORRUPT or CAIRN_ESTORE.
 */
int	store_out_due(struct store *st, struct store_txn *txn, int64_t now_ms,
	    struct store_out *out, size_t max, size_t *n, int64_t *next_ms)
	    CAIRN_MUSTCHECK;

/*
 * Calls fn for every outgoing message (msg id order) until fn returns
 * non-zero (which is then returned).  Uses one read transaction.
 */
int	store_out_each(struct store *st,
	    int (*fn)(void *arg, const struct store_out *o), void *arg)
	    CAIRN_MUSTCHECK;

/* Stores the signed receipt or nack received for msg id. */
int	store_receipt_put(struct store_txn *txn,
	    const uint8_t id[static CAIRN_MSG_ID_BYTES], const uint8_t *buf,
	    size_t len) CAIRN_MUSTCHECK;

/* Reads it back (*buf malloc'ed).  txn may be NULL. */
int	store_receipt_get(struct store *st, struct store_txn *txn,
	    const uint8_t id[static CAIRN_MSG_ID_BYTES], uint8_t **buf,
	    size_t *len) CAIRN_MUSTCHECK;

/* --- inbox --- */

/* Adds a received message with its envelope.  CAIRN_EEXIST if present. */
int	store_in_add(struct store_txn *txn, const struct store_in *m,
	    const uint8_t *env, size_t envlen) CAIRN_MUSTCHECK;

/* Rewrites an inbox entry's metadata.  CAIRN_ENOTFOUND if absent. */
int	store_in_update(struct store_txn *txn, const struct store_in *m)
	    CAIRN_MUSTCHECK;

int	store_in_get(struct store *st, struct store_txn *txn,
	    const uint8_t id[static CAIRN_MSG_ID_BYTES], struct store_in *m)
	    CAIRN_MUSTCHECK;

int	store_in_envelope(struct store *st, struct store_txn *txn,
	    const uint8_t id[static CAIRN_MSG_ID_BYTES], uint8_t **env,
	    size_t *envlen) CAIRN_MUSTCHECK;

int	store_in_each(struct store *st,
	    int (*fn)(void *arg, const struct store_in *m), void *arg)
	    CAIRN_MUSTCHECK;

/* --- cases --- */

enum store_case_state {
	STORE_CASE_QUEUED = 1,		/* sent request not yet delivered */
	STORE_CASE_DELIVERED = 2,	/* delivered, no guarantee yet */
	STORE_CASE_GUARANTEED = 3,
	STORE_CASE_ANSWERED = 4,
	STORE_CASE_REDIRECTED = 5,
	STORE_CASE_WITHDRAWN = 6,
	STORE_CASE_REJECTED = 7,
	STORE_CASE_FAILED = 8,
	STORE_CASE_STATE_MAX = 8
};

/*
 * One consultation request and what became of it, on either side
 * (cases: request msg_id -> struct store_case).  OVERDUE is not stored:
 * it is DELIVERED past due_ms.
 */
struct store_case {
	uint8_t		request_id[CAIRN_MSG_ID_BYTES];
	bool		sent;		/* we sent it (else received) */
	enum store_case_state state;
	char		function[CAIRN_FUNCTION_MAX + 1];	/* ours */
	char		peer_org[CAIRN_ORG_ID_MAX + 1];
	char		peer_function[CAIRN_FUNCTION_MAX + 1];
	int64_t		created_ms;
	int64_t		delivered_ms;	/* 0 until delivered */
	int64_t		due_ms;		/* 0: no guarantee period */
	uint32_t	guarantee_days;
	char		contact_by[11];	/* "" or YYYY-MM-DD */
	uint8_t		channel;	/* enum cairn_channel */
	char		redirect_org[CAIRN_ORG_ID_MAX + 1];
	char		redirect_function[CAIRN_FUNCTION_MAX + 1];
	int64_t		updated_ms;
};

/* Adds or replaces a case.  Returns 0, CAIRN_EINVAL, CAIRN_ENOSPACE... */
int	store_case_put(struct store_txn *txn, const struct store_case *c)
	    CAIRN_MUSTCHECK;

/* Reads a case; txn may be NULL.  Returns 0, CAIRN_ENOTFOUND, ... */
int	store_case_get(struct store *st, struct store_txn *txn,
	    const uint8_t id[static CAIRN_MSG_ID_BYTES], struct store_case *c)
	    CAIRN_MUSTCHECK;

/* Calls fn for every case until fn returns non-zero. */
int	store_case_each(struct store *st,
	    int (*fn)(void *arg, const struct store_case *c), void *arg)
	    CAIRN_MUSTCHECK;

/* --- dedup --- */

/*
 * Records that msg id was accepted, with the receipt we issued, kept until
 * expires_ms.  CAIRN_EEXIST if present.
 */
int	store_dedup_put(struct store_txn *txn,
	    const uint8_t id[static CAIRN_MSG_ID_BYTES], int64_t expires_ms,
	    const uint8_t *receipt, size_t len) CAIRN_MUSTCHECK;

/*
 * Looks msg id up; on 0, *receipt (malloc'ed) is the receipt issued.
 * txn may be NULL (then a read transaction is used; pass the write txn to
 * see this pass's own puts).  Returns 0, CAIRN_ENOTFOUND, CAIRN_ECORRUPT
 * or CAIRN_ESTORE.
 */
int	store_dedup_get(struct store *st, struct store_txn *txn,
	    const uint8_t id[static CAIRN_MSG_ID_BYTES], uint8_t **receipt,
	    size_t *len) CAIRN_MUSTCHECK;

/* Drops dedup entries that expired before now_ms; *n how many. */
int	store_dedup_expire(struct store_txn *txn, int64_t now_ms, size_t max,
	    size_t *n) CAIRN_MUSTCHECK;

/* --- audit --- */

/*
 * Appends rec to the chain in txn: assigns seq = head + 1, prev_hash =
 * head hash (32 zero bytes for the first), seals it (proto/audit.h),
 * stores it and moves the head.  rec is updated with seq and hashes.
 */
int	store_audit_append(struct store_txn *txn,
	    struct cairn_audit_record *rec) CAIRN_MUSTCHECK;

/* The current head (seq 0 and zero hash for an empty chain). */
int	store_audit_head(struct store *st, struct store_txn *txn,
	    uint64_t *seq, uint8_t hash[static CAIRN_HASH_BYTES])
	    CAIRN_MUSTCHECK;

/*
 * Calls fn for every audit record from seq `from` on, in order, each
 * decoded and checked (cairn_audit_open); stops when fn returns non-zero
 * (which is then returned).  CAIRN_ECORRUPT if a record does not verify,
 * sits under another seq, or does not link to the one visited before it.
 */
int	store_audit_each(struct store *st, uint64_t from,
	    int (*fn)(void *arg, const struct cairn_audit_record *rec),
	    void *arg) CAIRN_MUSTCHECK;

/* --- checkpoints --- */

/*
 * Stores signed checkpoint bytes (cairn_audit_checkpoint_sign()) under
 * seq.  They are kept as signed: the signature is their checksum.
 * Returns 0, CAIRN_EINVAL (they do not decode or name another seq),
 * CAIRN_EEXIST (one is stored for seq), CAIRN_ENOSPACE or CAIRN_ESTORE.
 */
int	store_checkpoint_put(struct store_txn *txn, uint64_t seq,
	    const uint8_t *buf, size_t len) CAIRN_MUSTCHECK;

/*
 * The checkpoint with the highest seq, decoded (its signature is not
 * checked here).  txn may be NULL.  Returns 0, CAIRN_ENOTFOUND,
 * CAIRN_ECORRUPT (does not decode, or sits under another seq) or
 * CAIRN_ESTORE.
 */
int	store_checkpoint_last(struct store *st, struct store_txn *txn,
	    struct cairn_audit_checkpoint *cp) CAIRN_MUSTCHECK;

/*
 * Calls fn for every checkpoint in seq order, each decoded as by
 * store_checkpoint_last(), until fn returns non-zero (then returned).
 * Uses one read transaction.
 */
int	store_checkpoint_each(struct store *st,
	    int (*fn)(void *arg, const struct cairn_audit_checkpoint *cp),
	    void *arg) CAIRN_MUSTCHECK;

/* --- meta --- */

/* key: 1..64 bytes; "format" and "audit.head" are refused (CAIRN_EINVAL). */
int	store_meta_put_u64(struct store_txn *txn, const char *key,
	    uint64_t value) CAIRN_MUSTCHECK;
/* Returns 0 or CAIRN_ENOTFOUND (value untouched). */
int	store_meta_get_u64(struct store *st, const char *key, uint64_t *value)
	    CAIRN_MUSTCHECK;

/* --- counts, for status and tests --- */

struct store_stats {
	size_t	out_total, out_queued, out_delivered, out_rejected, out_failed;
	size_t	in_total, dedup, audit;
};
int	store_stats(struct store *st, struct store_stats *s) CAIRN_MUSTCHECK;

#endif

/* SPDX-License-Identifier: MIT */
/*
 * store: the daemon's durable state in LMDB.  It keeps; it does not decide
 * (the workflow does).
 *
 * Its named databases, their keys and the bytes of their values are
 * proto/storefmt.h's.  Every value carries a format version and a BLAKE2b
 * checksum, checked on every read (LMDB 0.9 has no page checksums): a
 * mismatch is CAIRN_ECORRUPT, never served; a sound value of an unknown
 * version is CAIRN_EVERSION.  Audit records are stored as sealed, and
 * their own hash is their checksum.
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
#include <sys/uio.h>

#include "proto/audit.h"
#include "proto/error.h"
#include "proto/kind.h"
#include "proto/payload.h"
#include "proto/sig.h"
#include "proto/storefmt.h"
#include "proto/validate.h"

#define STORE_DEFAULT_MAP_SIZE	(1024ull * 1024 * 1024)

/*
 * The records are proto/storefmt.h's, which defines their bytes on disk for
 * the daemon and for `cairn audit` alike; the store's API keeps its own
 * names for them.
 */
#define store_out		cairn_storefmt_out
#define store_out_state		cairn_storefmt_out_state
#define STORE_OUT_QUEUED	CAIRN_STOREFMT_OUT_QUEUED
#define STORE_OUT_DELIVERED	CAIRN_STOREFMT_OUT_DELIVERED
#define STORE_OUT_REJECTED	CAIRN_STOREFMT_OUT_REJECTED
#define STORE_OUT_FAILED	CAIRN_STOREFMT_OUT_FAILED

#define store_in		cairn_storefmt_in
#define store_in_state		cairn_storefmt_in_state
#define STORE_IN_NEW		CAIRN_STOREFMT_IN_NEW
#define STORE_IN_READ		CAIRN_STOREFMT_IN_READ

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

/*
 * Walks every page of the store in dir in two child processes side by
 * side (before the caller opens it: LMDB environments must not cross a
 * fork): every entry through LMDB's cursors and trial writes at each
 * tree's right edge in one; the layout of every page and every queued
 * message read back whole (records decoded, checksums checked) in the
 * other.  LMDB 0.9 has no page checksums and can crash on a damaged page;
 * this finds such damage without crashing the caller.  A missing store
 * is fine.  org (may be NULL) is told, once each, the organisations that
 * queued messages go to (to connect to them at once: a message waiting
 * for its peer is otherwise looked at again only after retry_max).
 * Returns 0, CAIRN_ECORRUPT or -errno.
 */
int	store_check(const char *dir, size_t map_size,
	    void (*org)(void *arg, const char *org), void *arg)
	    CAIRN_MUSTCHECK;

/* Closes; NULL is allowed.  No transaction may be open. */
void	store_close(struct store *st);

/*
 * Unmaps the store's pages from this process (MADV_DONTNEED on LMDB's
 * read-only map): they stay in the page cache and are mapped again when
 * next read.  Lets the resident size follow what the daemon is using
 * rather than everything it ever read.  Safe with transactions open.
 */
int	store_release_map(struct store *st) CAIRN_MUSTCHECK;

/*
 * Below this much free space on the store's file system a failed commit
 * counts as a full store (CAIRN_ENOSPACE), and the workflow stops
 * accepting new work well before it.
 */
#define STORE_DISK_RESERVE	(1024u * 1024)

/*
 * How much room is left: bytes of the map not in use (counting LMDB's free
 * pages as room) and bytes free on the file system (UINT64_MAX if
 * unknown).  Uses a short read transaction.
 * Returns 0 or CAIRN_ESTORE.
 */
int	store_space(struct store *st, uint64_t *map_free, uint64_t *disk_free)
	    CAIRN_MUSTCHECK;

/*
 * Starts the (single) write transaction.  Returns 0 or CAIRN_ESTORE (also
 * when one is already open: a second would deadlock on LMDB's writer
 * lock).
 */
int	store_begin(struct store *st, struct store_txn **out) CAIRN_MUSTCHECK;

/*
 * Commits durably and frees txn.  Returns 0, CAIRN_ENOSPACE (map or disk
 * full: nothing of txn is kept) or CAIRN_ESTORE (e.g. fsync failed).  A
 * txn in which a put failed is refused whole, with that put's error: a
 * caller that went on after CAIRN_ENOSPACE gets CAIRN_ENOSPACE here too.
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
 * The same with the envelope given in n pieces (written one after the
 * other straight into the store, so that a large one is not assembled
 * first).  Also CAIRN_EINVAL when they exceed 4 GiB together.
 */
int	store_out_addv(struct store_txn *txn, const struct store_out *o,
	    const struct iovec *env, size_t n) CAIRN_MUSTCHECK;

/*
 * Rewrites the metadata of an existing outgoing message, moving its
 * schedule entry from old_next_ms (the value stored before) to o->next_ms
 * when QUEUED, or removing it otherwise.  Returns 0, CAIRN_ENOTFOUND,
 * CAIRN_ENOSPACE or CAIRN_ESTORE.
 */
int	store_out_update(struct store_txn *txn, const struct store_out *o)
	    CAIRN_MUSTCHECK;

/*
 * The same without reading the record again: old is the record as the
 * caller read it in this transaction (its state and next_ms say which
 * schedule entry to remove).  CAIRN_EINVAL if old is another message's.
 */
int	store_out_replace(struct store_txn *txn, const struct store_out *old,
	    const struct store_out *o) CAIRN_MUSTCHECK;

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

/* What store_out_due_select's filter says of one due message. */
enum store_due_pick {
	STORE_DUE_TAKE,		/* list it */
	STORE_DUE_SKIP,		/* leave it, look at the next one */
	STORE_DUE_STOP		/* leave it and stop: nothing after is wanted */
};

/*
 * store_out_due, with a filter: each due message is handed to pick, and
 * only those it takes are listed (up to max); at most visit_max due
 * messages are looked at.  *next_ms is the next_ms of the first message
 * not looked at (or of the one pick stopped at), INT64_MAX if none.
 * pick must not write to the store.
 */
int	store_out_due_select(struct store *st, struct store_txn *txn,
	    int64_t now_ms, struct store_out *out, size_t max,
	    size_t visit_max,
	    enum store_due_pick (*pick)(void *arg, const struct store_out *o),
	    void *arg, size_t *n, int64_t *next_ms) CAIRN_MUSTCHECK;

/*
 * Calls fn for every QUEUED message, in schedule order, until fn returns
 * non-zero (which is then returned).  Reads only the schedule's entries,
 * not the settled part of the outbox.  One read transaction.
 */
int	store_out_queued_each(struct store *st,
	    int (*fn)(void *arg, const struct store_out *o), void *arg)
	    CAIRN_MUSTCHECK;

/*
 * Calls fn for every outgoing message (msg id order) until fn returns
 * non-zero (which is then returned).  Uses one read transaction.
 */
int	store_out_each(struct store *st,
	    int (*fn)(void *arg, const struct store_out *o), void *arg)
	    CAIRN_MUSTCHECK;

/*
 * Drops the envelope of an outgoing message that is settled (delivered,
 * rejected or failed): nobody here can read it, the metadata keeps its
 * hash, and the space is what lets a full store drain.  0 if absent.
 */
int	store_out_drop_envelope(struct store_txn *txn,
	    const uint8_t id[static CAIRN_MSG_ID_BYTES]) CAIRN_MUSTCHECK;

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

/*
 * One consultation request and what became of it, on either side
 * (cases: request msg_id -> struct store_case, proto/storefmt.h).
 * OVERDUE is not stored: it is DELIVERED past due_ms.
 */
#define store_case		cairn_storefmt_case
#define store_case_state	cairn_storefmt_case_state
#define STORE_CASE_QUEUED	CAIRN_STOREFMT_CASE_QUEUED
#define STORE_CASE_DELIVERED	CAIRN_STOREFMT_CASE_DELIVERED
#define STORE_CASE_GUARANTEED	CAIRN_STOREFMT_CASE_GUARANTEED
#define STORE_CASE_ANSWERED	CAIRN_STOREFMT_CASE_ANSWERED
#define STORE_CASE_REDIRECTED	CAIRN_STOREFMT_CASE_REDIRECTED
#define STORE_CASE_WITHDRAWN	CAIRN_STOREFMT_CASE_WITHDRAWN
#define STORE_CASE_REJECTED	CAIRN_STOREFMT_CASE_REJECTED
#define STORE_CASE_FAILED	CAIRN_STOREFMT_CASE_FAILED
#define STORE_CASE_STATE_MAX	CAIRN_STOREFMT_CASE_STATE_MAX

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

/*
 * For auditors: in one read transaction, reads the head (as
 * store_audit_head) and calls fn for every audit record (checkpoints
 * false) or every checkpoint (true) whose key is >= from, in key order,
 * with its value as stored, unchecked: seq is the key, or 0 when the key
 * is not a seq.  val is valid only during the call.  Stops when fn
 * returns non-zero (returned; keep fn short: the reader holds a
 * snapshot).  Returns 0, CAIRN_ECORRUPT (the head) or CAIRN_ESTORE.
 */
int	store_audit_raw(struct store *st, int checkpoints, uint64_t from,
	    uint64_t *head, uint8_t hash[static CAIRN_HASH_BYTES],
	    int (*fn)(void *arg, uint64_t seq, const uint8_t *val, size_t len),
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

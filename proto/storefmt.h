/* SPDX-License-Identifier: MIT */
/*
 * storefmt: the bytes of cairnd's LMDB store.  The names of its databases,
 * the layout of their keys and values and the format version, as pure
 * codecs over (pointer, length) buffers, so that the daemon (daemon/
 * store.c, which does the I/O) and `cairn audit` (client/cli_audit.c,
 * which reads a daemon's directory read-only, DESIGN.md section 7) share
 * one definition of it.
 *
 * Named databases (CAIRN_STOREFMT_DB_*), key -> value:
 *   outbox      msg_id -> out record (struct cairn_storefmt_out)
 *   outenv      msg_id -> blob: envelope bytes as sealed
 *   sched       u64be(next_ms) || msg_id -> ""   (retry schedule)
 *   receipts    msg_id -> blob: signed reply bytes received
 *   inbox       msg_id -> in record (struct cairn_storefmt_in)
 *   inenv       msg_id -> blob: envelope bytes as received
 *   dedup       msg_id -> blob with pre u64le(expires_ms): receipt issued
 *   dedupexp    u64be(expires_ms) || msg_id -> ""   (expiry order of dedup)
 *   audit       u64be(seq) -> audit record bytes as sealed (proto/audit.h)
 *   cases       request msg_id -> case record (struct cairn_storefmt_case)
 *   meta        "format" -> u64 (CAIRN_STOREFMT_FORMAT); "audit.head" ->
 *               head; other keys of 1..64 bytes ("book.serial") -> u64
 *   checkpoints u64be(seq) -> signed AuditCheckpoint bytes (proto/audit.h)
 *
 * Every value but audit records and checkpoints is
 * [u8 version][fields][BLAKE2b checksum of all before], integers
 * little-endian, strings as [u8 length][bytes] without a NUL.  A blob is
 * [version][pre][u32 len][bytes][checksum].  Audit records and checkpoints
 * are kept as sealed or signed: their hash or signature is their checksum.
 *
 * Decoders check, in this order: the size, the checksum (a mismatch is
 * CAIRN_ECORRUPT), the version (a sound value of another version is
 * CAIRN_EVERSION), then every field (CAIRN_ECORRUPT).  LMDB 0.9 has no
 * page checksums, so nothing read from the store is trusted unchecked.
 *
 * Not for: I/O, transactions, or what to keep when (daemon/store.c and the
 * workflow); the encodings of audit records and checkpoints themselves
 * (proto/audit.h).
 */
#ifndef CAIRN_PROTO_STOREFMT_H
#define CAIRN_PROTO_STOREFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "proto/audit.h"
#include "proto/error.h"
#include "proto/kind.h"
#include "proto/payload.h"
#include "proto/sig.h"
#include "proto/validate.h"

#define CAIRN_STOREFMT_FORMAT		1	/* meta "format" */
#define CAIRN_STOREFMT_VERSION		1	/* first byte of each value */
#define CAIRN_STOREFMT_CSUM_BYTES	CAIRN_HASH_BYTES
/* Room for any encoded out, in or case record. */
#define CAIRN_STOREFMT_REC_MAX_BYTES	512
#define CAIRN_STOREFMT_U64_BYTES	(1 + 8 + CAIRN_STOREFMT_CSUM_BYTES)
#define CAIRN_STOREFMT_HEAD_BYTES	\
	(1 + 8 + CAIRN_HASH_BYTES + CAIRN_STOREFMT_CSUM_BYTES)
#define CAIRN_STOREFMT_SEQ_KEY_BYTES	8
#define CAIRN_STOREFMT_SCHED_KEY_BYTES	(8 + CAIRN_MSG_ID_BYTES)
#define CAIRN_STOREFMT_DEDUP_PRE_BYTES	8
#define CAIRN_STOREFMT_META_KEY_MAX	64
#define CAIRN_STOREFMT_META_FORMAT	"format"
#define CAIRN_STOREFMT_META_AUDIT_HEAD	"audit.head"

enum cairn_storefmt_db {
	CAIRN_STOREFMT_DB_OUTBOX,
	CAIRN_STOREFMT_DB_OUTENV,
	CAIRN_STOREFMT_DB_SCHED,
	CAIRN_STOREFMT_DB_RECEIPTS,
	CAIRN_STOREFMT_DB_INBOX,
	CAIRN_STOREFMT_DB_INENV,
	CAIRN_STOREFMT_DB_DEDUP,
	CAIRN_STOREFMT_DB_DEDUPEXP,
	CAIRN_STOREFMT_DB_AUDIT,
	CAIRN_STOREFMT_DB_META,
	CAIRN_STOREFMT_DB_CASES,
	CAIRN_STOREFMT_DB_CHECKPOINTS,
	CAIRN_STOREFMT_DB_COUNT
};

/* The LMDB name of a database ("outbox", ...), or NULL out of range. */
const char	*cairn_storefmt_db_name(enum cairn_storefmt_db db);

/* --- records --- */

enum cairn_storefmt_out_state {
	CAIRN_STOREFMT_OUT_QUEUED = 1,
	CAIRN_STOREFMT_OUT_DELIVERED = 2,
	CAIRN_STOREFMT_OUT_REJECTED = 3,
	CAIRN_STOREFMT_OUT_FAILED = 4
};

/* A message we send (outbox). */
struct cairn_storefmt_out {
	uint8_t		msg_id[CAIRN_MSG_ID_BYTES];
	enum cairn_storefmt_out_state state;
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

enum cairn_storefmt_in_state {
	CAIRN_STOREFMT_IN_NEW = 1,
	CAIRN_STOREFMT_IN_READ = 2
};

/* A message we hold (inbox). */
struct cairn_storefmt_in {
	uint8_t		msg_id[CAIRN_MSG_ID_BYTES];
	enum cairn_storefmt_in_state state;
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

enum cairn_storefmt_case_state {
	CAIRN_STOREFMT_CASE_QUEUED = 1,		/* sent, not yet delivered */
	CAIRN_STOREFMT_CASE_DELIVERED = 2,	/* no guarantee yet */
	CAIRN_STOREFMT_CASE_GUARANTEED = 3,
	CAIRN_STOREFMT_CASE_ANSWERED = 4,
	CAIRN_STOREFMT_CASE_REDIRECTED = 5,
	CAIRN_STOREFMT_CASE_WITHDRAWN = 6,
	CAIRN_STOREFMT_CASE_REJECTED = 7,
	CAIRN_STOREFMT_CASE_FAILED = 8,
	CAIRN_STOREFMT_CASE_STATE_MAX = 8
};

/*
 * One consultation request and what became of it, on either side
 * (cases).  OVERDUE is not stored: it is DELIVERED past due_ms.
 */
struct cairn_storefmt_case {
	uint8_t		request_id[CAIRN_MSG_ID_BYTES];
	bool		sent;		/* we sent it (else received) */
	enum cairn_storefmt_case_state state;
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

/*
 * Encode a record into buf; *len is its length.  Returns 0, or
 * CAIRN_EINVAL when a field is out of range (a state or kind or channel
 * outside its enum, a string not terminated within its array, a QUEUED
 * out record with a negative next_ms).
 */
int	cairn_storefmt_out_encode(const struct cairn_storefmt_out *o,
	    uint8_t buf[static CAIRN_STOREFMT_REC_MAX_BYTES], size_t *len)
	    CAIRN_MUSTCHECK;
int	cairn_storefmt_in_encode(const struct cairn_storefmt_in *m,
	    uint8_t buf[static CAIRN_STOREFMT_REC_MAX_BYTES], size_t *len)
	    CAIRN_MUSTCHECK;
int	cairn_storefmt_case_encode(const struct cairn_storefmt_case *c,
	    uint8_t buf[static CAIRN_STOREFMT_REC_MAX_BYTES], size_t *len)
	    CAIRN_MUSTCHECK;

/*
 * Decode and check a record stored under the message id id (the key).
 * Returns 0, CAIRN_EVERSION, or CAIRN_ECORRUPT (bad checksum, a field out
 * of range, trailing bytes, another message id than the key); on error
 * the record is zeroed.
 */
int	cairn_storefmt_out_decode(struct cairn_storefmt_out *o,
	    const uint8_t id[static CAIRN_MSG_ID_BYTES], const uint8_t *buf,
	    size_t len) CAIRN_MUSTCHECK;
int	cairn_storefmt_in_decode(struct cairn_storefmt_in *m,
	    const uint8_t id[static CAIRN_MSG_ID_BYTES], const uint8_t *buf,
	    size_t len) CAIRN_MUSTCHECK;
int	cairn_storefmt_case_decode(struct cairn_storefmt_case *c,
	    const uint8_t id[static CAIRN_MSG_ID_BYTES], const uint8_t *buf,
	    size_t len) CAIRN_MUSTCHECK;

/* --- blobs: [version][pre][u32 len][bytes][checksum] --- */

/*
 * The size of a blob of len bytes after prelen bytes of pre, or 0 when
 * len does not fit its u32 length.
 */
size_t	cairn_storefmt_blob_size(size_t prelen, size_t len);

/*
 * Writes the blob into dst, which holds cairn_storefmt_blob_size(prelen,
 * len) bytes (the daemon writes it in place, into MDB_RESERVE'd room).
 * pre and buf may be NULL when their length is 0.
 */
void	cairn_storefmt_blob_write(uint8_t *dst, const uint8_t *pre,
	    size_t prelen, const uint8_t *buf, size_t len);

/*
 * The same with the bytes given in n pieces, one after the other (dst
 * holds cairn_storefmt_blob_size() of their total).
 */
void	cairn_storefmt_blob_writev(uint8_t *dst, const uint8_t *pre,
	    size_t prelen, const struct iovec *iov, size_t n);

/*
 * Checks a blob whose pre is prelen bytes, copies its pre out to pre, and
 * points *data at its bytes inside val (*len of them).  Returns 0,
 * CAIRN_EVERSION or CAIRN_ECORRUPT.
 */
int	cairn_storefmt_blob_open(const uint8_t *val, size_t vlen,
	    uint8_t *pre, size_t prelen, const uint8_t **data, size_t *len)
	    CAIRN_MUSTCHECK;

/* The pre of a dedup blob: u64le(expires_ms). */
void	cairn_storefmt_dedup_pre(
	    uint8_t pre[static CAIRN_STOREFMT_DEDUP_PRE_BYTES],
	    int64_t expires_ms);

/* --- meta --- */

/* A meta u64 value: [version][u64le][checksum]. */
void	cairn_storefmt_u64_encode(uint8_t buf[static CAIRN_STOREFMT_U64_BYTES],
	    uint64_t value);

/*
 * Returns 0 (*value set), CAIRN_EVERSION or CAIRN_ECORRUPT (*value
 * untouched).
 */
int	cairn_storefmt_u64_decode(uint64_t *value, const uint8_t *buf,
	    size_t len) CAIRN_MUSTCHECK;

/*
 * Checks the value of meta "format": 0 when it names
 * CAIRN_STOREFMT_FORMAT, CAIRN_EVERSION when it names another format (or
 * is a value of another version), CAIRN_ECORRUPT when it does not decode.
 */
int	cairn_storefmt_format_check(const uint8_t *buf, size_t len)
	    CAIRN_MUSTCHECK;

/* The audit head (meta "audit.head"): [version][u64le seq][hash][checksum]. */
void	cairn_storefmt_head_encode(
	    uint8_t buf[static CAIRN_STOREFMT_HEAD_BYTES], uint64_t seq,
	    const uint8_t hash[static CAIRN_HASH_BYTES]);

/*
 * Returns 0, CAIRN_EVERSION or CAIRN_ECORRUPT (also for seq 0: an empty
 * chain has no head stored).  On error *seq is 0 and hash is zeroed.
 */
int	cairn_storefmt_head_decode(uint64_t *seq,
	    uint8_t hash[static CAIRN_HASH_BYTES], const uint8_t *buf,
	    size_t len) CAIRN_MUSTCHECK;

/* --- keys --- */

/* u64be(seq): the keys of audit and checkpoints. */
void	cairn_storefmt_seq_key(uint8_t k[static CAIRN_STOREFMT_SEQ_KEY_BYTES],
	    uint64_t seq);

/* Returns 0 or CAIRN_ECORRUPT (klen is not 8; *seq untouched). */
int	cairn_storefmt_seq_key_parse(uint64_t *seq, const uint8_t *k,
	    size_t klen) CAIRN_MUSTCHECK;

/* u64be(when) || id: the keys of sched and dedupexp. */
void	cairn_storefmt_sched_key(
	    uint8_t k[static CAIRN_STOREFMT_SCHED_KEY_BYTES], int64_t when,
	    const uint8_t id[static CAIRN_MSG_ID_BYTES]);

/*
 * Splits such a key: *when, and *id pointing into k.  Returns 0 or
 * CAIRN_ECORRUPT (wrong size; outputs untouched).
 */
int	cairn_storefmt_sched_key_parse(int64_t *when, const uint8_t **id,
	    const uint8_t *k, size_t klen) CAIRN_MUSTCHECK;

/* --- checkpoints --- */

/*
 * Decodes a stored checkpoint (cairn_audit_checkpoint_open(); its
 * signature is not checked) and checks that it sits under its own seq.
 * Returns 0, cairn_audit_checkpoint_open()'s error, or CAIRN_ECORRUPT
 * (the key is not u64be(cp->seq)); on error *cp is zeroed.
 */
int	cairn_storefmt_checkpoint_decode(struct cairn_audit_checkpoint *cp,
	    const uint8_t *k, size_t klen, const uint8_t *buf, size_t len)
	    CAIRN_MUSTCHECK;

#endif

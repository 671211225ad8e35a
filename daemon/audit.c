/* SPDX-License-Identifier: MIT */
/*
 * audit: signed checkpoints of the audit chain (see audit.h).
 *
 * The schedule is kept in memory (last checkpoint's seq and time) and
 * read back from the store at start.  The first pass that has a record
 * after the last checkpoint signs one at once, so that what a crash left
 * unsigned, and the start itself, are covered without waiting.  Signing happens in a write
 * transaction of its own after the pass's commit: the head it reads is
 * durable, and a full map while storing a checkpoint loses only that
 * checkpoint, which the next pass tries again.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/audit.h"
#include "daemon/log.h"
#include "proto/audit.h"

struct audit {
	const struct config	 *cfg;
	struct store		 *st;
	const struct cairn_secret *sec;
	uint64_t		  last_seq;	/* of the last checkpoint */
	int64_t			  last_ms;	/* when it was signed */
	int			  at_start;	/* none signed since start */
	/* a checkpoint put into a pass's transaction, not committed yet */
	int			  pending;
	uint64_t		  pend_seq;
	int64_t			  pend_ms;
	/* the last tick failed in the pass's transaction: it cannot commit */
	int			  lost;
	int64_t			  retry_ms;	/* no checkpoint before then */
	struct log_ratelimit	  rl;
};

/*
 * After a checkpoint failed, the next is tried this much later, not in
 * every pass: a full store must commit the passes that free room (the
 * receipts that drop envelopes) before a checkpoint fits again.
 */
#define RETRY_MS	1000

static int	checkpoint(struct audit *a, struct store_txn *pass,
		    uint64_t seq, const uint8_t hash[static CAIRN_HASH_BYTES],
		    int64_t now_ms);
static int	maybe_checkpoint(struct audit *a, struct store_txn *pass,
		    int64_t now_ms, int force);

int
audit_init(struct audit **out, const struct config *cfg, struct store *st,
    const struct cairn_secret *sec)
{
	struct cairn_audit_checkpoint cp;
	struct audit *a;
	int	rc;

	*out = NULL;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return -ENOMEM;
	a->cfg = cfg;
	a->st = st;
	a->sec = sec;
	a->rl = (struct log_ratelimit)LOG_RATELIMIT_INIT("audit checkpoints",
	    1);
	a->at_start = 1;
	rc = store_checkpoint_last(st, NULL, &cp);
	if (rc == 0) {
		a->last_seq = cp.seq;
		a->last_ms = cp.time_ms;
	} else if (rc == CAIRN_ENOTFOUND) {
		/* the interval counts from the first start */
		a->last_ms = 0;
	} else {
		free(a);
		return rc;
	}
	*out = a;
	return 0;
}

/*
 * Signs (seq, hash) and stores the checkpoint: in the pass's transaction
 * pass when there is one (its commit is the caller's, so a checkpoint
 * costs no fsync of its own), else in a transaction of its own.
 */
static int
checkpoint(struct audit *a, struct store_txn *pass, uint64_t seq,
    const uint8_t hash[static CAIRN_HASH_BYTES], int64_t now_ms)
{
	struct cairn_audit_checkpoint cp;
	struct cairn_signer signer;
	struct store_txn *t = pass;
	uint8_t	*buf = NULL;
	size_t	 len;
	int	 rc;

	memset(&cp, 0, sizeof(cp));
	cp.seq = seq;
	memcpy(cp.head_hash, hash, CAIRN_HASH_BYTES);
	cp.time_ms = now_ms;
	snprintf(cp.org, sizeof(cp.org), "%s", a->cfg->org);
	if ((rc = cairn_keyfile_signer(a->sec, now_ms, &signer)) != 0 ||
	    (rc = cairn_audit_checkpoint_sign(&cp, &signer, &buf,
	    &len)) != 0)
		goto out;
	if (pass == NULL && (rc = store_begin(a->st, &t)) != 0)
		goto out;
	if ((rc = store_checkpoint_put(t, seq, buf, len)) != 0) {
		if (pass == NULL)
			store_abort(t);
		else
			a->lost = 1;	/* LMDB fails the whole transaction */
		goto out;
	}
	if (pass == NULL)
		rc = store_commit(t);
out:
	free(buf);
	if (rc != 0) {
		a->retry_ms = now_ms + RETRY_MS;
		if (log_ratelimit(&a->rl, now_ms))
			log_warnx("audit: cannot store checkpoint seq=%" PRIu64
			    ": %s", seq, cairn_strerror(rc));
		return rc;
	}
	if (pass != NULL) {
		/* counted once the pass is committed: audit_pass_done() */
		a->pending = 1;
		a->pend_seq = seq;
		a->pend_ms = now_ms;
	} else {
		a->last_seq = seq;
		a->last_ms = now_ms;
		a->at_start = 0;
	}
	log_debug("audit: checkpoint seq=%" PRIu64 " head=%02x%02x%02x%02x…",
	    seq, hash[0], hash[1], hash[2], hash[3]);
	return 0;
}

static int
maybe_checkpoint(struct audit *a, struct store_txn *pass, int64_t now_ms,
    int force)
{
	uint8_t	 hash[CAIRN_HASH_BYTES];
	uint64_t seq;
	int	 rc;

	if (a->last_ms == 0)
		a->last_ms = now_ms;
	if (!force && now_ms < a->retry_ms)
		return 0;
	/* in the pass: its own records are part of the head */
	if ((rc = store_audit_head(a->st, pass, &seq, hash)) != 0) {
		/* a read that failed may have failed the transaction too */
		a->lost = pass != NULL;
		a->retry_ms = now_ms + RETRY_MS;
		if (log_ratelimit(&a->rl, now_ms))
			log_warnx("audit: cannot read the chain's head: %s",
			    cairn_strerror(rc));
		return rc;
	}
	if (seq <= a->last_seq)
		return 0;
	if (!force && !a->at_start &&
	    seq - a->last_seq < a->cfg->checkpoint_records &&
	    now_ms - a->last_ms < (int64_t)a->cfg->checkpoint_seconds * 1000)
		return 0;
	return checkpoint(a, pass, seq, hash, now_ms);
}

void
audit_pass_done(struct audit *a)
{
	struct cairn_audit_checkpoint cp;

	if (a == NULL || !a->pending)
		return;
	/* however the pass ended, the store says whether it holds it */
	if (store_checkpoint_last(a->st, NULL, &cp) == 0 &&
	    cp.seq == a->pend_seq) {
		a->last_seq = a->pend_seq;
		a->last_ms = a->pend_ms;
		a->at_start = 0;
	}
	a->pending = 0;
}

int
audit_tick(struct audit *a, struct store_txn *pass, int64_t now_ms)
{
	a->lost = 0;
	return maybe_checkpoint(a, pass, now_ms, 0);
}

int
audit_pass_lost(const struct audit *a)
{
	return a != NULL && a->lost;
}

int
audit_shutdown(struct audit *a, int64_t now_ms)
{
	int	rc;

	if (a == NULL)
		return 0;
	rc = maybe_checkpoint(a, NULL, now_ms, 1);
	free(a);
	return rc;
}

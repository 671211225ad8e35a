/* SPDX-License-Identifier: MIT */
/*
 * audit: signed checkpoints of the daemon's audit chain.
 *
 * The records themselves are appended by the workflow (workflow_audit(),
 * store_audit_append()) in the transaction of the change they record.
 * This module signs the chain's committed head with the organisation's
 * signing key once right after start (covering whatever a crash left
 * unsigned), then every checkpoint_records records or checkpoint_interval,
 * whichever comes first, and once more at a clean shutdown, and stores
 * the checkpoint (store_checkpoint_put()).  A checkpoint only ever names
 * a head that is already durable.
 *
 * Not for: verifying the chain (proto/audit.h, `cairn audit verify`).
 */
#ifndef CAIRN_DAEMON_AUDIT_H
#define CAIRN_DAEMON_AUDIT_H

#include <stdint.h>

#include "daemon/config.h"
#include "daemon/store.h"
#include "keys/keyfile.h"
#include "proto/error.h"

struct audit;

/*
 * Borrowed pointers: cfg, st and sec must outlive the module.  Reads the
 * last stored checkpoint, so that the schedule carries on across restarts.
 * Returns 0, CAIRN_ECORRUPT (the last checkpoint does not decode),
 * CAIRN_ESTORE or -ENOMEM.
 */
int	audit_init(struct audit **out, const struct config *cfg,
	    struct store *st, const struct cairn_secret *sec) CAIRN_MUSTCHECK;

/*
 * Called once per pass of the event loop, before the pass's commit, with
 * the pass's transaction (NULL when the pass wrote nothing): if there are
 * records after the last checkpoint and this is the first checkpoint
 * since audit_init(), or checkpoint_records records were written since
 * the last one, or checkpoint_interval has passed, signs the head
 * (including the pass's own records) and stores the checkpoint in that
 * transaction, so that it costs no fsync of its own and a slow commit
 * never holds up the pass's clients twice; with no transaction, in one of
 * its own.  A checkpoint the store has no room for fails the pass with
 * it: LMDB then refuses to commit that transaction, so the caller
 * abandons the pass when audit_pass_lost() says so (the store is full,
 * and the pass's submits are refused as such: nothing accepted is lost).
 * Returns 0 (also when nothing was due), or the error of reading the
 * head, signing (CAIRN_ENOKEY) or storing (CAIRN_ENOSPACE, CAIRN_ESTORE);
 * failures are logged here and retried a second later, not in every
 * pass, so that the passes that free room can commit meanwhile.
 */
int	audit_tick(struct audit *a, struct store_txn *pass, int64_t now_ms);

/* Whether the last audit_tick() failed inside the pass's transaction. */
int	audit_pass_lost(const struct audit *a);

/*
 * After the pass's commit or its loss: a checkpoint audit_tick() put into
 * the pass counts only once the store holds it.
 */
void	audit_pass_done(struct audit *a);

/*
 * At a clean shutdown, after the last commit: signs a final checkpoint if
 * the head moved since the last one, then frees a (NULL is allowed).
 * Returns 0 or the error as for audit_tick().
 */
int	audit_shutdown(struct audit *a, int64_t now_ms);

#endif

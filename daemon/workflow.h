/* SPDX-License-Identifier: MIT */
/*
 * workflow: what happens to messages.  Accepting a client's submit,
 * checking and storing what a peer sends, acting on receipts and nacks,
 * retrying with backoff until expiry.  It decides; the store keeps and
 * xport carries.
 *
 * Work is done in passes of the event loop.  Every handler writes into
 * the pass's one LMDB transaction; anything that may only happen after
 * the data is durable (telling a client its message is accepted, sending
 * a receipt, sending an envelope whose attempt was recorded) is deferred
 * with workflow_defer() and runs from workflow_commit() once the commit
 * has succeeded, or with the commit's error when it failed.
 */
#ifndef CAIRN_DAEMON_WORKFLOW_H
#define CAIRN_DAEMON_WORKFLOW_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/access.h"
#include "daemon/config.h"
#include "daemon/store.h"
#include "daemon/xport.h"
#include "keys/book.h"
#include "keys/keyfile.h"
#include "proto/audit.h"
#include "proto/control.h"
#include "proto/envelope.h"

struct workflow;

/*
 * Borrowed pointers: cfg, st, x, sec must outlive the workflow; the book
 * is replaced with workflow_set_book().
 */
int	workflow_init(struct workflow **out, const struct config *cfg,
	    struct store *st, struct xport *x, const struct cairn_secret *sec,
	    const struct cairn_book *book) CAIRN_MUSTCHECK;
void	workflow_set_book(struct workflow *wf, const struct cairn_book *book);
/* Takes t (trace.h; NULL for none) and closes the one before. */
struct trace;
void	workflow_set_trace(struct workflow *wf, struct trace *t);
void	workflow_shutdown(struct workflow *wf);

/*
 * The pass's write transaction, begun if needed (NULL if the store could
 * not begin one).  For writes of other modules that belong to the pass.
 */
struct store_txn *workflow_txn(struct workflow *wf);

/* The pass's transaction if it has one already, else NULL. */
struct store_txn *workflow_pass_txn(struct workflow *wf);

/*
 * How many events of each kind one pass should take (at most DUE_BATCH,
 * 512): less after a pass was lost because the store had no room for it,
 * growing back as passes commit.
 */
size_t	workflow_batch(struct workflow *wf);

/* Milliseconds since the epoch (CLOCK_REALTIME). */
int64_t	workflow_now(void);

/*
 * Runs fn(arg, rc) after the pass's commit: rc 0 when it was durable, a
 * negative code when the pass's transaction was lost.  fn owns arg.
 */
void	workflow_defer(struct workflow *wf, void (*fn)(void *arg, int rc),
	    void *arg);

/*
 * Appends an audit record in the pass's transaction.  msg_id and hash
 * may be NULL; local and remote may be NULL.
 */
int	workflow_audit(struct workflow *wf, enum cairn_audit_event ev,
	    const uint8_t *msg_id, const char *local, const char *remote,
	    const uint8_t *hash, int32_t code, int64_t uid);

/*
 * The CPU-bound part of a new consultation request's submit (decoding
 * its payload, sealing it in place and signing the envelope), done ahead
 * of workflow_submit() for all submits of a pass at once, on the daemon's
 * worker threads.  Touches nothing but the book, the keys, its own memory
 * and the request's payload (encrypted where it lies, as workflow_submit()
 * would); every check is made again by workflow_submit(), which uses what
 * was prepared only where it would have computed the same.
 */
struct submit_prep {
	int			 decoded;	/* decode_rc and p are set */
	int			 decode_rc;
	int64_t			 now;
	struct cairn_payload	*p;
	/* the request's payload sealed in place, with hdr */
	int			 sealed_ok;
	int			 seal_rc;	/* a failed attempt: its code */
	struct cairn_header	 hdr;
	struct cairn_sealed	 sealed;
};

/*
 * Prepares preps[i] for every reqs[i] that is the submit of a request
 * (others are left empty), spread over the worker threads.
 */
void	workflow_prepare(struct workflow *wf,
	    const struct cairn_ctl_request *const *reqs,
	    struct submit_prep *preps, size_t n);

/*
 * The same in two halves: _start() hands the batch to the worker threads
 * and returns at once (the event loop commits meanwhile), _wait() returns
 * when every prep is done.  reqs and preps must stay as they are until
 * then; a book change (workflow_set_book()) waits for them first.
 */
void	workflow_prepare_start(struct workflow *wf,
	    const struct cairn_ctl_request *const *reqs,
	    struct submit_prep *preps, size_t n);
void	workflow_prepare_wait(struct workflow *wf);

/*
 * Whether there are worker threads to do the _start() halves beside the
 * event loop (without, they run on it at once, and reading ahead would
 * only delay the commit).
 */
int	workflow_overlaps(const struct workflow *wf);

/* Frees what a prep holds; NULL is allowed. */
void	workflow_prep_clear(struct submit_prep *sp);

/*
 * A client's submit: checks, seals, signs and queues the message in the
 * pass's transaction, if roles allow sending as the function it goes
 * from (CAIRN_EDENIED otherwise).  sp is what workflow_prepare() did for
 * it, or NULL; what it takes from sp it clears there.  msg_id receives
 * the new id.  On refusal returns a negative code and writes a reason
 * into err (errlen bytes).
 * req->payload must point into writable storage that the caller wipes and
 * discards afterwards (a decoded request's own): it is encrypted in place.
 */
int	workflow_submit(struct workflow *wf, const struct cairn_ctl_request *req,
	    struct submit_prep *sp, const struct access_roles *roles,
	    int64_t uid, uint8_t msg_id[static CAIRN_MSG_ID_BYTES], char *err,
	    size_t errlen);

/*
 * Envelopes from authenticated peers, in[0..n-1]: checked, verified and
 * opened on the worker threads, then stored (and audited, refused or
 * answered) in order on this one.  Consumes every in[i].
 */
void	workflow_incoming(struct workflow *wf, struct xport_in *in, size_t n);

/*
 * The same in two halves: _start() has the workers check and open in[]
 * and returns at once (the event loop commits meanwhile); _finish(),
 * in a later pass, waits for them, stores each in order and returns how
 * many there were.  in[] must
 * stay as it is until then.  _start() finishes a batch still pending
 * first; _pending() says whether there is one.  workflow_shutdown()
 * releases a pending batch unstored: its senders get no receipt and
 * send it again.
 */
void	workflow_incoming_start(struct workflow *wf, struct xport_in *in,
	    size_t n);
size_t	workflow_incoming_finish(struct workflow *wf);
int	workflow_incoming_pending(const struct workflow *wf);

/* A signed reply from a peer's DEALER.  Consumes rep. */
void	workflow_reply(struct workflow *wf, struct xport_reply *rep);

/*
 * Picks due messages: expires what is past its expiry, records the next
 * attempt of the rest and defers their sending to after the commit.
 */
void	workflow_due(struct workflow *wf);

/*
 * Commits the pass (if it wrote anything) and runs the deferred work.
 * Returns 0 or the commit's error.
 */
int	workflow_commit(struct workflow *wf);

/*
 * A write into the pass's transaction from outside the workflow (the
 * audit's checkpoint, dedup expiry) failed with rc: LMDB will not commit
 * that transaction, so the pass is abandoned as when one of the
 * workflow's own writes fails (its clients are told, nothing is
 * committed).
 */
void	workflow_pass_lost(struct workflow *wf, int rc);

/*
 * A peer became reachable (xport's peer-up callback; arg is the workflow):
 * its queued messages are retried at once instead of after their backoff.
 */
void	workflow_peer_up(void *arg, const char *org);

/* Milliseconds until the next scheduled work (0..max_ms). */
int	workflow_timeout(struct workflow *wf, int max_ms);

/* Read side, for control. */
int	workflow_status(struct workflow *wf,
	    const uint8_t id[static CAIRN_MSG_ID_BYTES],
	    struct cairn_ctl_info *info) CAIRN_MUSTCHECK;

/*
 * Lists the outbox or the inbox (which), of one function when not
 * NULL/"" and only of functions roles may see (all when roles is NULL),
 * at most limit entries (0 or over CAIRN_CTL_LIST_MAX: CAIRN_CTL_LIST_MAX)
 * in key order.  *infos is malloc'ed; *truncated says whether more
 * entries matched than were listed.
 */
int	workflow_list(struct workflow *wf, enum cairn_ctl_command which,
	    const struct access_roles *roles, const char *function,
	    size_t limit, struct cairn_ctl_info **infos, size_t *n,
	    bool *truncated) CAIRN_MUSTCHECK;

/*
 * Lists cases (overdue: only those past due), filtered by our function
 * and displayed state when not NULL/"" and by what roles may see (all
 * when NULL), at most CAIRN_CTL_LIST_MAX.  *cases is malloc'ed;
 * *truncated says whether more cases matched than were listed.
 */
int	workflow_cases(struct workflow *wf, int overdue,
	    const struct access_roles *roles, const char *function,
	    const char *state, struct cairn_ctl_case **cases, size_t *n,
	    bool *truncated) CAIRN_MUSTCHECK;

/*
 * Operational figures (cairn stats).  stats->peers is malloc'ed.
 */
int	workflow_stats(struct workflow *wf, struct cairn_ctl_stats *stats)
	    CAIRN_MUSTCHECK;
/*
 * A page of the audit trail for an auditor (cairn audit over the socket;
 * see daemon/auditq.h).  What page holds is malloc'ed.
 */
int	workflow_audit_page(struct workflow *wf,
	    const struct cairn_ctl_request *req, struct cairn_ctl_audit *page)
	    CAIRN_MUSTCHECK;

/*
 * Decrypts an inbox message for a local user and audits the read in the
 * pass's transaction.  *payload is malloc'ed Payload bytes the caller
 * wipes and frees.
 */
int	workflow_show(struct workflow *wf,
	    const uint8_t id[static CAIRN_MSG_ID_BYTES], int64_t uid,
	    struct cairn_ctl_info *info, uint8_t **payload, size_t *len)
	    CAIRN_MUSTCHECK;

#endif

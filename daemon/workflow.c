/* SPDX-License-Identifier: MIT */
/*
 * workflow: accepting, checking, storing, retrying (see workflow.h).
 *
 * Receiving runs the checks in the order of DESIGN.md §5: size, sender's
 * transport identity, signature, recipient function and kind, expiry,
 * duplicate, decryption; only then is anything stored.  A receipt leaves
 * only after the inbox commit; a client hears "accepted" only after the
 * outbox commit.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "daemon/auditq.h"
#include "daemon/idindex.h"
#include "daemon/log.h"
#include "daemon/pool.h"
#include "daemon/trace.h"
#include "daemon/workflow.h"
#include "proto/envelope.h"
#include "proto/reply.h"
#include "proto/random.h"
#include "proto/workdays.h"

#define DUE_BATCH	512
/*
 * A due scan stops at a run of this many messages to peers whose window
 * is full; every DEEP_SCAN_MS one scan looks further (up to
 * 2 * DUE_BATCH), for messages to other peers queued behind such a run.
 */
#define SKIP_RUN	64
#define DEEP_SCAN_MS	250
#define SUMMARY_MS	60000	/* one info line per minute of traffic */
#define DIRECT_SEND_MAX	(64 * 1024)	/* sent from memory after commit */

struct deferred {
	void		(*fn)(void *, int);
	void		*arg;
};

/*
 * Messages sent to one peer and not yet answered, each with a deadline
 * and its envelope's size.  The arrays grow with use, up to the window.
 */
struct inflight {
	char		 org[CAIRN_ORG_ID_MAX + 1];
	uint8_t		(*ids)[CAIRN_MSG_ID_BYTES];
	int64_t		*deadline;
	size_t		*len;
	size_t		 n, cap;
	struct idindex	 index;		/* which slot holds an id */
	uint64_t	 bytes;		/* sum of len[0..n-1] */
	int		 bytes_full;	/* an envelope did not fit in bytes */
	size_t		 taken;		/* slots promised by the due scan */
};

struct in_prep;
struct workflow;

static void	incoming_drop(struct workflow *);

/* What the worker threads are given: submits to seal, envelopes to open */
struct prep_batch {
	struct workflow			 *wf;
	const struct cairn_ctl_request	*const *reqs;
	struct submit_prep		 *preps;
};

struct in_batch {
	struct workflow		*wf;
	struct xport_in		*in;
	struct in_prep		*ip;
	int64_t			 now;
};

struct workflow {
	const struct config	*cfg;
	struct store		*st;
	struct xport		*x;
	const struct cairn_secret *sec;
	const struct cairn_book	*book;
	struct store_txn	*txn;
	int			 txn_failed;	/* rc of a lost transaction */
	struct deferred		*defer;
	size_t			 ndefer, capdefer;
	struct inflight		*peers;
	size_t			 npeers;
	/*
	 * The last due scan saw every due message and each waits only for
	 * a full window: scanning again changes nothing until a window slot
	 * frees, a message is added, a peer comes up, or due_idle_until.
	 */
	int			 due_idle;
	int64_t			 due_idle_until;
	int64_t			 deep_scan_ms;	/* next scan past full windows */
	/* messages of this pass, then of the summary period, by event */
	struct counts {
		uint64_t	 queued, received, delivered, rejected,
				 failed;
	}			 pass, period;
	int64_t			 period_ms;	/* start of the period */
	/* envelopes stored this pass, whose receipts are signed as one */
	struct pending_receipt	*pending;
	size_t			 npending;
	struct cairn_reply_cache rcache;	/* batch signatures checked */
	struct pool		*pool;		/* sealing, opening ahead */
	struct in_prep		*inprep;	/* one per incoming envelope */
	size_t			 capin;
	/* the batch the workers may be at, from *_start() to *_finish() */
	struct prep_batch	 prep;
	struct in_batch		 inb;
	size_t			 nin;		/* envelopes in inb */
	struct log_ratelimit	 rl;
	struct log_ratelimit	 rl_full;	/* "store is full" lines */
	struct log_ratelimit	 rl_trace;	/* trace write failures */
	int64_t			 started_ms;
	int64_t			 full_until;	/* a write failed for space */
	size_t			 due_batch;	/* shrinks when a pass is too big */
	struct store_out	*due;		/* DUE_BATCH records, reused */
	int64_t			 space_ms;	/* when space was measured */
	uint64_t		 map_free;
	uint64_t		 disk_free;
	struct trace		*trace;		/* CAIRND_TRACE, or NULL */
};

struct send_job {
	struct workflow	*wf;
	char		 org[CAIRN_ORG_ID_MAX + 1];
	uint8_t		 msg_id[CAIRN_MSG_ID_BYTES];
	uint8_t		*env;
	size_t		 len;
};

struct pending_receipt {
	struct cairn_reply_leaf	 leaf;
	int64_t			 expires_ms;
	uint8_t			 identity[XPORT_IDENTITY_MAX];
	size_t			 idlen;
};

struct reply_job {
	struct workflow	*wf;
	uint8_t		 identity[XPORT_IDENTITY_MAX];
	size_t		 idlen;
	uint8_t		*buf;
	size_t		 len;
};

int64_t
workflow_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void	flush_receipts(struct workflow *);
static int64_t	backoff(const struct config *, uint32_t);
static void	send_done(void *, int);

/* A message id as 32 hex digits, for log lines. */
static const char *
idhex(char out[static 2 * CAIRN_MSG_ID_BYTES + 1], const uint8_t *id)
{
	cairn_sig_hex(out, id, CAIRN_MSG_ID_BYTES);
	return out;
}

int
workflow_init(struct workflow **out, const struct config *cfg,
    struct store *st, struct xport *x, const struct cairn_secret *sec,
    const struct cairn_book *book)
{
	long	 ncpu;
	int	 rc;
	struct workflow *wf;

	if ((wf = calloc(1, sizeof(*wf))) == NULL)
		return -ENOMEM;
	if ((wf->due = calloc(DUE_BATCH, sizeof(*wf->due))) == NULL ||
	    (wf->pending = calloc(CAIRN_BATCH_MAX,
	    sizeof(*wf->pending))) == NULL) {
		free(wf->due);
		free(wf);
		return -ENOMEM;
	}
	/* sealing ahead on the other cores: by default at most three */
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if ((rc = pool_init(&wf->pool, cfg->workers != CONFIG_WORKERS_AUTO ?
	    cfg->workers : ncpu > 4 ? 3 : ncpu > 1 ? (unsigned)ncpu - 1 :
	    0)) != 0) {
		free(wf->pending);
		free(wf->due);
		free(wf);
		return rc;
	}
	wf->cfg = cfg;
	wf->st = st;
	wf->x = x;
	wf->sec = sec;
	wf->book = book;
	wf->started_ms = workflow_now();
	wf->period_ms = wf->started_ms;
	wf->due_batch = DUE_BATCH;
	wf->rl_full = (struct log_ratelimit)LOG_RATELIMIT_INIT("store-full "
	    "notices", 1);
	wf->rl_full.interval_ms = 10000;
	wf->rl_trace = (struct log_ratelimit)LOG_RATELIMIT_INIT("trace "
	    "failures", 1);
	wf->rl_trace.interval_ms = 10000;
	wf->rl = (struct log_ratelimit)LOG_RATELIMIT_INIT("peer refusals",
	    LOG_RATELIMIT_BURST);
	*out = wf;
	return 0;
}

void
workflow_set_trace(struct workflow *wf, struct trace *t)
{
	trace_close(wf->trace);
	wf->trace = t;
}

void
workflow_set_book(struct workflow *wf, const struct cairn_book *book)
{
	pool_join(wf->pool);	/* what the workers do uses the old one */
	wf->book = book;
	wf->due_idle = 0;
}

void
workflow_shutdown(struct workflow *wf)
{
	size_t	i;

	if (wf == NULL)
		return;
	pool_join(wf->pool);
	incoming_drop(wf);
	store_abort(wf->txn);
	for (i = 0; i < wf->ndefer; i++)
		wf->defer[i].fn(wf->defer[i].arg, CAIRN_ESTORE);
	free(wf->defer);
	for (i = 0; i < wf->npeers; i++) {
		free(wf->peers[i].ids);
		free(wf->peers[i].deadline);
		free(wf->peers[i].len);
		idindex_free(&wf->peers[i].index);
	}
	free(wf->peers);
	pool_free(wf->pool);
	free(wf->inprep);
	free(wf->due);
	free(wf->pending);
	trace_close(wf->trace);
	free(wf);
}

void
workflow_defer(struct workflow *wf, void (*fn)(void *, int), void *arg)
{
	struct deferred *nd;
	size_t	cap;

	if (wf->ndefer == wf->capdefer) {
		cap = wf->capdefer ? wf->capdefer * 2 : 64;
		if ((nd = reallocarray(wf->defer, cap, sizeof(*nd))) == NULL) {
			fn(arg, -ENOMEM);
			return;
		}
		wf->defer = nd;
		wf->capdefer = cap;
	}
	wf->defer[wf->ndefer].fn = fn;
	wf->defer[wf->ndefer].arg = arg;
	wf->ndefer++;
}

/* Runs the deferred work with rc and forgets it. */
static void
run_deferred(struct workflow *wf, int rc)
{
	size_t	i, n = wf->ndefer;

	wf->ndefer = 0;
	for (i = 0; i < n; i++)
		wf->defer[i].fn(wf->defer[i].arg, rc);
}

static struct store_txn *
txn(struct workflow *wf)
{
	int	rc;

	if (wf->txn == NULL && (rc = store_begin(wf->st, &wf->txn)) != 0) {
		log_warnx("workflow: cannot begin transaction: %s",
		    cairn_strerror(rc));
		wf->txn = NULL;
	}
	return wf->txn;
}

/*
 * A put failed: the LMDB transaction is unusable.  Everything deferred in
 * it is told so, and the pass goes on with a fresh transaction.
 */
static void
txn_lost(struct workflow *wf, int rc)
{
	int64_t	now = workflow_now();

	if (rc == CAIRN_ENOSPACE) {
		/*
		 * Pause instead of spinning on a store that cannot take it,
		 * and try smaller passes: a full map may still have room for
		 * the copy-on-write pages of a few updates, not of hundreds.
		 */
		wf->full_until = now + (wf->due_batch > 1 ? 50 : 1000);
		wf->space_ms = 0;
		wf->due_batch = wf->due_batch > 4 ? wf->due_batch / 4 : 1;
		if (log_ratelimit(&wf->rl_full, now))
			log_warnx("workflow: store is full, pass abandoned; "
			    "new messages are refused until there is room");
	} else
		log_warnx("workflow: store write failed, pass abandoned: %s",
		    cairn_strerror(rc));
	store_abort(wf->txn);
	wf->txn = NULL;
	(void)trace_commit(wf->trace, rc);	/* drops this txn's lines */
	wf->due_idle = 0;
	wf->npending = 0;	/* their envelopes went with the pass */
	memset(&wf->pass, 0, sizeof(wf->pass));
	run_deferred(wf, rc);
}

/*
 * Whether there is room for new work of about need bytes, keeping 1/keep
 * of the map free.  A sender keeps half its map for settling what is
 * queued (attempts, receipts, audit records: LMDB copies every page a
 * transaction touches, so a pass over many queued messages needs many
 * free pages); a receiver only inserts, and keeps an eighth.  The file
 * system keeps twice the store's reserve.  Measured at most every 100 ms;
 * what is accepted in between is counted against the last measurement.
 */
static int
room_for(struct workflow *wf, size_t need, unsigned keep)
{
	int64_t	now = workflow_now();

	if (now - wf->space_ms > 100 &&
	    store_space(wf->st, &wf->map_free, &wf->disk_free) == 0)
		wf->space_ms = now;
	if (now < wf->full_until ||
	    wf->map_free < wf->cfg->map_size / keep + 2 * (uint64_t)need ||
	    wf->disk_free < 2 * (uint64_t)STORE_DISK_RESERVE +
	    4 * (uint64_t)need)
		return 0;
	wf->map_free -= 2 * (uint64_t)need;
	if (wf->disk_free != UINT64_MAX)
		wf->disk_free -= 2 * (uint64_t)need;
	return 1;
}

size_t
workflow_batch(struct workflow *wf)
{
	return wf->due_batch;
}

struct store_txn *
workflow_txn(struct workflow *wf)
{
	return txn(wf);
}

struct store_txn *
workflow_pass_txn(struct workflow *wf)
{
	return wf->txn;
}

void
workflow_pass_lost(struct workflow *wf, int rc)
{
	if (wf->txn != NULL)
		txn_lost(wf, rc);
}

/*
 * One info line per minute with traffic, instead of one per message
 * (those are debug lines, cairnd -v): the audit trail has every message.
 */
static void
summary(struct workflow *wf)
{
	const struct counts *c = &wf->period;
	int64_t	now = workflow_now();

	if (now - wf->period_ms < SUMMARY_MS)
		return;
	if (c->queued || c->received || c->delivered || c->rejected ||
	    c->failed)
		log_info("workflow: in the last %" PRId64 " s: %" PRIu64
		    " queued, %" PRIu64 " delivered, %" PRIu64 " rejected, %"
		    PRIu64 " failed; %" PRIu64 " received",
		    (now - wf->period_ms) / 1000, c->queued, c->delivered,
		    c->rejected, c->failed, c->received);
	memset(&wf->period, 0, sizeof(wf->period));
	wf->period_ms = now;
}

int
workflow_commit(struct workflow *wf)
{
	int	rc = 0, err;

	flush_receipts(wf);
	if (wf->txn != NULL) {
		trace_sync(wf->trace);
		rc = store_commit(wf->txn);
		wf->txn = NULL;
		if ((err = trace_commit(wf->trace, rc)) != 0 &&
		    log_ratelimit(&wf->rl_trace, workflow_now()))
			log_warnx("workflow: cannot write the trace: %s",
			    strerror(-err));
		if (rc == CAIRN_ENOSPACE) {
			wf->full_until = workflow_now() +
			    (wf->due_batch > 1 ? 50 : 1000);
			wf->space_ms = 0;
			wf->due_batch = wf->due_batch > 4 ? wf->due_batch / 4 :
			    1;
			if (log_ratelimit(&wf->rl_full, workflow_now()))
				log_warnx("workflow: store is full, commit "
				    "failed; new messages are refused until "
				    "there is room");
		} else if (rc != 0)
			log_warnx("workflow: commit failed: %s",
			    cairn_strerror(rc));
		else if (wf->due_batch < DUE_BATCH)
			/* grow back slowly: a full store stays near its edge */
			wf->due_batch += wf->due_batch / 8 + 1;
		if (rc == 0) {
			wf->period.queued += wf->pass.queued;
			wf->period.received += wf->pass.received;
			wf->period.delivered += wf->pass.delivered;
			wf->period.rejected += wf->pass.rejected;
			wf->period.failed += wf->pass.failed;
		}
		memset(&wf->pass, 0, sizeof(wf->pass));
	}
	run_deferred(wf, rc);
	summary(wf);
	return rc;
}

/*
 * Copies the string src into dst of size bytes (> 0), cut short if it
 * must be, always terminated; returns the length copied.  What
 * snprintf("%s") does, without its cost on every message.
 */
static size_t
scopy(char *dst, size_t size, const char *src)
{
	size_t	n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
	return n;
}

static void
addr(char *out, size_t size, const char *org, const char *fn)
{
	size_t	n;

	n = scopy(out, size, org);
	if (fn != NULL && fn[0] != '\0' && n + 1 < size) {
		out[n] = '/';
		(void)scopy(out + n + 1, size - n - 1, fn);
	}
}
int
workflow_audit(struct workflow *wf, enum cairn_audit_event ev,
    const uint8_t *msg_id, const char *local, const char *remote,
    const uint8_t *hash, int32_t code, int64_t uid)
{
	struct cairn_audit_record rec;
	struct store_txn *t;
	int	rc;

	memset(&rec, 0, sizeof(rec));
	rec.time_ms = workflow_now();
	rec.event = ev;
	if (msg_id != NULL) {
		rec.has_msg_id = true;
		memcpy(rec.msg_id, msg_id, CAIRN_MSG_ID_BYTES);
	}
	if (local != NULL)
		scopy(rec.local, sizeof(rec.local), local);
	if (remote != NULL)
		scopy(rec.remote, sizeof(rec.remote), remote);
	if (hash != NULL) {
		rec.has_envelope_hash = true;
		memcpy(rec.envelope_hash, hash, CAIRN_HASH_BYTES);
	}
	rec.code = code;
	rec.uid = uid;
	if ((t = txn(wf)) == NULL)
		return CAIRN_ESTORE;
	if ((rc = store_audit_append(t, &rec)) != 0)
		txn_lost(wf, rc);
	return rc;
}

/* ---- in-flight window per peer -------------------------------------- */

static struct inflight *
inflight_peer(struct workflow *wf, const char *org)
{
	struct inflight *np;
	size_t	i;

	for (i = 0; i < wf->npeers; i++)
		if (strcmp(wf->peers[i].org, org) == 0)
			return &wf->peers[i];
	np = reallocarray(wf->peers, wf->npeers + 1, sizeof(*np));
	if (np == NULL)
		return NULL;
	wf->peers = np;
	memset(&np[i], 0, sizeof(np[i]));
	scopy(np[i].org, sizeof(np[i].org), org);
	wf->npeers++;
	return &np[i];
}

/*
 * Whether one more envelope of len bytes may go to p now: a slot free in
 * the window (the arrays grown to hold it) and room in window_bytes (one
 * envelope goes whatever its size when none is in flight).  With a
 * window of thousands, the envelopes of large messages, each a copy in
 * memory until the peer has it, would otherwise add up to gigabytes.
 */
static int
inflight_room(struct workflow *wf, struct inflight *p, size_t len)
{
	size_t	ncap;
	void	*a, *b, *c;

	if (p->n >= wf->cfg->window ||
	    (p->n > 0 && p->bytes + len > wf->cfg->window_bytes))
		return 0;
	if (p->n < p->cap)
		return 1;
	ncap = p->cap ? 2 * p->cap : 64;
	if (ncap > wf->cfg->window)
		ncap = wf->cfg->window;
	a = reallocarray(p->ids, ncap, CAIRN_MSG_ID_BYTES);
	if (a != NULL)
		p->ids = a;
	b = reallocarray(p->deadline, ncap, sizeof(*p->deadline));
	if (b != NULL)
		p->deadline = b;
	c = reallocarray(p->len, ncap, sizeof(*p->len));
	if (c != NULL)
		p->len = c;
	if (a == NULL || b == NULL || c == NULL ||
	    idindex_grow(&p->index, ncap, p->ids, p->n) != 0)
		return 0;
	p->cap = ncap;
	return 1;
}

/* After inflight_room() said yes. */
static void
inflight_add(struct inflight *p, const uint8_t *id, int64_t deadline,
    size_t len)
{
	memcpy(p->ids[p->n], id, CAIRN_MSG_ID_BYTES);
	p->deadline[p->n] = deadline;
	p->len[p->n] = len;
	p->bytes += len;
	idindex_put(&p->index, p->ids, p->n);
	p->n++;
}

/* Frees slot i; the last slot moves into it. */
static void
inflight_drop(struct inflight *p, size_t i)
{
	idindex_drop(&p->index, p->ids, i, p->n - 1);
	p->bytes -= p->len[i];
	p->bytes_full = 0;
	p->n--;
	if (i == p->n)
		return;
	memmove(p->ids[i], p->ids[p->n], CAIRN_MSG_ID_BYTES);
	p->deadline[i] = p->deadline[p->n];
	p->len[i] = p->len[p->n];
}

/* Frees the slots of sends whose answer is overdue: they will be retried. */
static void
inflight_expire(struct workflow *wf, int64_t now)
{
	struct inflight *p;
	size_t	i, k;

	for (i = 0; i < wf->npeers; i++) {
		p = &wf->peers[i];
		for (k = 0; k < p->n; )
			if (p->deadline[k] <= now) {
				inflight_drop(p, k);
				wf->due_idle = 0;
			} else
				k++;
	}
}

static void
inflight_remove(struct workflow *wf, const char *org, const uint8_t *id)
{
	struct inflight *p;
	size_t	i;

	if ((p = inflight_peer(wf, org)) == NULL ||
	    (i = idindex_find(&p->index, p->ids, p->n, id)) >= p->n)
		return;
	inflight_drop(p, i);
	wf->due_idle = 0;
}

/* ---- submit ----------------------------------------------------------- */

/* ---- cases ------------------------------------------------------------- */

static const char *case_state_names[] = {
	[STORE_CASE_QUEUED] = "QUEUED",
	[STORE_CASE_DELIVERED] = "DELIVERED",
	[STORE_CASE_GUARANTEED] = "GUARANTEED",
	[STORE_CASE_ANSWERED] = "ANSWERED",
	[STORE_CASE_REDIRECTED] = "REDIRECTED",
	[STORE_CASE_WITHDRAWN] = "WITHDRAWN",
	[STORE_CASE_REJECTED] = "REJECTED",
	[STORE_CASE_FAILED] = "FAILED",
};

/* The state as people see it: DELIVERED past its due time is OVERDUE. */
static const char *
case_state(const struct store_case *c, int64_t now)
{
	if (c->state == STORE_CASE_DELIVERED && c->due_ms > 0 &&
	    now > c->due_ms)
		return "OVERDUE";
	return case_state_names[c->state];
}

/* Payloads that answer a request name it; it must be the one replied to. */
static const uint8_t *
payload_request_id(const struct cairn_payload *p)
{
	switch (p->kind) {
	case CAIRN_KIND_GUARANTEE:
		return p->u.guarantee.request_id;
	case CAIRN_KIND_RESPONSE:
		return p->u.response.request_id;
	case CAIRN_KIND_WITHDRAWAL:
		return p->u.withdrawal.request_id;
	default:
		return NULL;
	}
}

/* A contact guarantee or redirect moves its case on, on either side. */
static void
case_guaranteed(struct store_case *c, const struct cairn_guarantee *g)
{
	if (g->redirected) {
		c->state = STORE_CASE_REDIRECTED;
		scopy(c->redirect_org, sizeof(c->redirect_org),
		    g->redirect_org);
		scopy(c->redirect_function, sizeof(c->redirect_function),
		    g->redirect_function);
	} else {
		c->state = STORE_CASE_GUARANTEED;
		scopy(c->contact_by, sizeof(c->contact_by), g->contact_by);
		c->channel = (uint8_t)g->channel;
	}
}

/*
 * Checks that a local user's reply fits its case and moves the case on
 * (in *c, stored by the caller with the message).  Fills the addresses
 * from the case.  Returns 0 or CAIRN_ESTATE/CAIRN_ENOTFOUND/CAIRN_EINVAL
 * with a reason in err.
 */
static int
case_local_reply(struct workflow *wf, const struct cairn_ctl_request *req,
    const struct cairn_payload *p, struct store_case *c, char *from_fn,
    char *to_org, char *to_fn, char *err, size_t errlen)
{
	const uint8_t *rid = payload_request_id(p);
	const char *st;
	char	 today[11];
	int64_t	 now = workflow_now(), day, dueday;

	if (rid == NULL) {
		snprintf(err, errlen, "a consultation request cannot be a "
		    "reply");
		return CAIRN_EINVAL;
	}
	if (memcmp(rid, req->in_reply_to, CAIRN_MSG_ID_BYTES) != 0) {
		snprintf(err, errlen, "the message names another request "
		    "than the one it replies to");
		return CAIRN_EINVAL;
	}
	if (store_case_get(wf->st, wf->txn, rid, c) != 0) {
		snprintf(err, errlen, "no consultation request with this id");
		return CAIRN_ENOTFOUND;
	}
	st = case_state(c, now);
	if (p->kind == CAIRN_KIND_WITHDRAWAL) {
		if (!c->sent) {
			snprintf(err, errlen, "only the organisation that sent "
			    "a request can withdraw it");
			return CAIRN_ESTATE;
		}
		if (c->state == STORE_CASE_WITHDRAWN ||
		    c->state == STORE_CASE_ANSWERED ||
		    c->state == STORE_CASE_REDIRECTED ||
		    c->state == STORE_CASE_REJECTED ||
		    c->state == STORE_CASE_FAILED) {
			snprintf(err, errlen, "the request is %s and cannot "
			    "be withdrawn", st);
			return CAIRN_ESTATE;
		}
	} else {
		if (c->sent) {
			snprintf(err, errlen, "this is a request your "
			    "organisation sent; only its recipient can "
			    "answer it");
			return CAIRN_ESTATE;
		}
		if (p->kind == CAIRN_KIND_GUARANTEE &&
		    c->state != STORE_CASE_DELIVERED) {
			snprintf(err, errlen, "the request is %s; a contact "
			    "guarantee or redirect is only possible before "
			    "one was given and before an answer", st);
			return CAIRN_ESTATE;
		}
		if (p->kind == CAIRN_KIND_RESPONSE &&
		    c->state != STORE_CASE_DELIVERED &&
		    c->state != STORE_CASE_GUARANTEED) {
			snprintf(err, errlen, "the request is %s and cannot "
			    "be answered", st);
			return CAIRN_ESTATE;
		}
	}
	if (p->kind == CAIRN_KIND_GUARANTEE && !p->u.guarantee.redirected) {
		day = cairn_workdays_local_day(now);
		cairn_workdays_format(today, day);
		if (cairn_valid_date(p->u.guarantee.contact_by, &day) != 0 ||
		    strcmp(p->u.guarantee.contact_by, today) < 0) {
			snprintf(err, errlen, "the promised contact date is "
			    "before today (%s)", today);
			return CAIRN_EINVAL;
		}
		if (c->due_ms > 0) {
			dueday = cairn_workdays_local_day(c->due_ms);
			if (day > dueday) {
				char	due[11];

				cairn_workdays_format(due, dueday);
				snprintf(err, errlen, "the promised contact date "
				    "is after the guarantee's due date %s",
				    due);
				return CAIRN_EINVAL;
			}
		}
	}
	if ((req->from_function[0] != '\0' &&
	    strcmp(req->from_function, c->function) != 0) ||
	    (req->to_org[0] != '\0' && (strcmp(req->to_org, c->peer_org) != 0 ||
	    strcmp(req->to_function, c->peer_function) != 0))) {
		snprintf(err, errlen, "a reply goes from %s to %s/%s, the two "
		    "ends of the request", c->function, c->peer_org,
		    c->peer_function);
		return CAIRN_EINVAL;
	}
	snprintf(from_fn, CAIRN_FUNCTION_MAX + 1, "%s", c->function);
	snprintf(to_org, CAIRN_ORG_ID_MAX + 1, "%s", c->peer_org);
	snprintf(to_fn, CAIRN_FUNCTION_MAX + 1, "%s", c->peer_function);
	c->updated_ms = now;
	switch (p->kind) {
	case CAIRN_KIND_GUARANTEE:
		case_guaranteed(c, &p->u.guarantee);
		break;
	case CAIRN_KIND_RESPONSE:
		c->state = STORE_CASE_ANSWERED;
		break;
	default:
		c->state = STORE_CASE_WITHDRAWN;
		break;
	}
	return 0;
}

/*
 * Checks that a peer's reply fits its case: it answers a request we sent
 * (or, for a withdrawal, one we received), from the functional address at
 * the other end, in a state where it makes sense.  Moves the case on in
 * *c.  Returns 0, or CAIRN_ESTATE to refuse with a nack.
 */
static int
case_peer_reply(struct workflow *wf, const struct cairn_header *h,
    const struct cairn_payload *p, struct store_case *c)
{
	const uint8_t *rid = payload_request_id(p);

	if (rid == NULL || !h->has_reply_to ||
	    memcmp(rid, h->in_reply_to, CAIRN_MSG_ID_BYTES) != 0)
		return CAIRN_ESTATE;
	if (store_case_get(wf->st, wf->txn, rid, c) != 0)
		return CAIRN_ESTATE;
	if (strcmp(c->peer_org, h->from_org) != 0 ||
	    strcmp(c->peer_function, h->from_function) != 0 ||
	    strcmp(c->function, h->to_function) != 0)
		return CAIRN_ESTATE;
	c->updated_ms = workflow_now();
	switch (p->kind) {
	case CAIRN_KIND_GUARANTEE:
		if (!c->sent || (c->state != STORE_CASE_QUEUED &&
		    c->state != STORE_CASE_DELIVERED))
			return CAIRN_ESTATE;
		case_guaranteed(c, &p->u.guarantee);
		return 0;
	case CAIRN_KIND_RESPONSE:
		if (!c->sent || (c->state != STORE_CASE_QUEUED &&
		    c->state != STORE_CASE_DELIVERED &&
		    c->state != STORE_CASE_GUARANTEED))
			return CAIRN_ESTATE;
		c->state = STORE_CASE_ANSWERED;
		return 0;
	case CAIRN_KIND_WITHDRAWAL:
		if (c->sent || (c->state != STORE_CASE_DELIVERED &&
		    c->state != STORE_CASE_GUARANTEED))
			return CAIRN_ESTATE;
		c->state = STORE_CASE_WITHDRAWN;
		return 0;
	default:
		return CAIRN_ESTATE;
	}
}

/* Moves a sent request's case after its receipt, nack or expiry. */
static int
case_settled(struct workflow *wf, struct store_txn *t,
    const struct store_out *o)
{
	struct store_case c;
	int	rc;

	if (o->kind != CAIRN_KIND_REQUEST)
		return 0;
	if ((rc = store_case_get(wf->st, t, o->msg_id, &c)) != 0)
		return rc == CAIRN_ENOTFOUND ? 0 : rc;
	if (c.state != STORE_CASE_QUEUED) {
		/* a guarantee or answer overtook the receipt */
		if (o->state == STORE_OUT_DELIVERED && c.delivered_ms == 0)
			c.delivered_ms = o->receipt_ms;
		else
			return 0;
	} else if (o->state == STORE_OUT_DELIVERED) {
		c.state = STORE_CASE_DELIVERED;
		c.delivered_ms = o->receipt_ms;
	} else if (o->state == STORE_OUT_REJECTED)
		c.state = STORE_CASE_REJECTED;
	else if (o->state == STORE_OUT_FAILED)
		c.state = STORE_CASE_FAILED;
	if (c.delivered_ms > 0 && c.guarantee_days > 0)
		c.due_ms = cairn_workdays_due_ms(c.delivered_ms,
		    c.guarantee_days);
	c.updated_ms = workflow_now();
	return store_case_put(t, &c);
}

static void
case_info(struct cairn_ctl_case *ci, const struct store_case *c, int64_t now)
{
	memset(ci, 0, sizeof(*ci));
	memcpy(ci->request_id, c->request_id, CAIRN_MSG_ID_BYTES);
	ci->sent = c->sent;
	scopy(ci->state, sizeof(ci->state), case_state(c, now));
	scopy(ci->function, sizeof(ci->function), c->function);
	scopy(ci->peer_org, sizeof(ci->peer_org), c->peer_org);
	scopy(ci->peer_function, sizeof(ci->peer_function), c->peer_function);
	ci->created_ms = c->created_ms;
	ci->delivered_ms = c->delivered_ms;
	ci->due_ms = c->due_ms;
	if (c->due_ms > 0)
		cairn_workdays_format(ci->due,
		    cairn_workdays_local_day(c->due_ms));
	scopy(ci->contact_by, sizeof(ci->contact_by), c->contact_by);
	ci->channel = (enum cairn_channel)c->channel;
	scopy(ci->redirect_org, sizeof(ci->redirect_org), c->redirect_org);
	scopy(ci->redirect_function, sizeof(ci->redirect_function),
	    c->redirect_function);
	ci->updated_ms = c->updated_ms;
	ci->guarantee_days = c->guarantee_days;
}

struct cases_ctx {
	const struct access_roles *roles;
	const char		*function;
	const char		*state;
	int			 overdue;
	int64_t			 now;
	struct cairn_ctl_case	*cases;
	size_t			 n, cap;
	bool			 truncated;
};

static int
cases_visit(void *arg, const struct store_case *c)
{
	struct cases_ctx *x = arg;
	struct cairn_ctl_case *nc;
	const char *st = case_state(c, x->now);

	if (x->function != NULL && x->function[0] != '\0' &&
	    strcmp(x->function, c->function) != 0)
		return 0;
	if (x->roles != NULL && !access_may_see(x->roles, c->function))
		return 0;
	if (x->overdue && strcmp(st, "OVERDUE") != 0)
		return 0;
	if (x->state != NULL && x->state[0] != '\0' &&
	    strcmp(x->state, st) != 0)
		return 0;
	if (x->n == CAIRN_CTL_LIST_MAX) {
		x->truncated = true;
		return 1;
	}
	if (x->n == x->cap) {
		x->cap = x->cap ? x->cap * 2 : 64;
		if ((nc = reallocarray(x->cases, x->cap, sizeof(*nc))) == NULL)
			return -ENOMEM;
		x->cases = nc;
	}
	case_info(&x->cases[x->n++], c, x->now);
	return 0;
}

int
workflow_cases(struct workflow *wf, int overdue,
    const struct access_roles *roles, const char *function,
    const char *state, struct cairn_ctl_case **cases, size_t *n,
    bool *truncated)
{
	struct cases_ctx x;
	int	rc;

	memset(&x, 0, sizeof(x));
	x.roles = roles;
	x.function = function;
	x.state = state;
	x.overdue = overdue;
	x.now = workflow_now();
	if ((rc = store_case_each(wf->st, cases_visit, &x)) < 0) {
		free(x.cases);
		return rc;
	}
	*cases = x.cases;
	*n = x.n;
	*truncated = x.truncated;
	return 0;
}

/* ---- submit ----------------------------------------------------------- */

/* The header of a new message from from_fn to to_org/to_fn. */
static void
fill_header(const struct workflow *wf, const struct cairn_ctl_request *req,
    enum cairn_kind kind, const char *from_fn, const char *to_org,
    const char *to_fn, int64_t now, struct cairn_header *hdr)
{
	memset(hdr, 0, sizeof(*hdr));
	hdr->kind = kind;
	scopy(hdr->from_org, sizeof(hdr->from_org), wf->cfg->org);
	scopy(hdr->from_function, sizeof(hdr->from_function), from_fn);
	scopy(hdr->to_org, sizeof(hdr->to_org), to_org);
	scopy(hdr->to_function, sizeof(hdr->to_function), to_fn);
	hdr->created_ms = now;
	hdr->expires_ms = now + 1000LL * (req->ttl_s ? req->ttl_s :
	    wf->cfg->default_ttl_s);
	cairn_envelope_new_id(hdr->msg_id);
	/* a reply continues the conversation of the request it answers */
	memcpy(hdr->conversation_id, req->has_reply_to ? req->in_reply_to :
	    hdr->msg_id, CAIRN_MSG_ID_BYTES);
	if (req->has_reply_to) {
		hdr->has_reply_to = true;
		memcpy(hdr->in_reply_to, req->in_reply_to, CAIRN_MSG_ID_BYTES);
	}
}

/* On a worker thread: nothing here may touch the store, log or sockets. */
static void
prepare_one(void *arg, size_t i)
{
	struct prep_batch *b = arg;
	const struct cairn_ctl_request *req = b->reqs[i];
	struct submit_prep *sp = &b->preps[i];
	struct workflow *wf = b->wf;
	const struct cairn_pubkey *rkey;
	struct cairn_signer signer;

	memset(sp, 0, sizeof(*sp));
	/* replies read their case from the store: they are not prepared */
	if (req == NULL || req->command != CAIRN_CTL_SUBMIT ||
	    req->has_reply_to)
		return;
	sp->now = workflow_now();
	sp->decoded = 1;
	if ((sp->decode_rc = cairn_payload_decode_flags(&sp->p, req->payload,
	    req->payload_len, sp->now, CAIRN_PAYLOAD_META |
	    CAIRN_PAYLOAD_STRICT)) != 0)
		return;
	/* anything workflow_submit() would refuse is left to it to say */
	if (sp->p->kind != CAIRN_KIND_REQUEST ||
	    cairn_book_function(wf->book, wf->cfg->org,
	    req->from_function) == NULL ||
	    cairn_book_org(wf->book, req->to_org) == NULL ||
	    cairn_book_box_key(wf->book, req->to_org, sp->now, &rkey) != 0 ||
	    cairn_keyfile_signer(wf->sec, sp->now, &signer) != 0)
		return;
	fill_header(wf, req, sp->p->kind, req->from_function, req->to_org,
	    req->to_function, sp->now, &sp->hdr);
	/* the decoded request's own storage (workflow_submit() says so) */
	if ((sp->seal_rc = cairn_envelope_seal_inplace(&sp->hdr,
	    (uint8_t *)req->payload, req->payload_len, rkey, &signer,
	    &sp->sealed)) == 0)
		sp->sealed_ok = 1;
}

/* The batch prepare_one() works on, in wf until it is done. */
static struct prep_batch *
prep_batch(struct workflow *wf, const struct cairn_ctl_request *const *reqs,
    struct submit_prep *preps)
{
	wf->prep = (struct prep_batch){ wf, reqs, preps };
	return &wf->prep;
}

void
workflow_prepare_start(struct workflow *wf,
    const struct cairn_ctl_request *const *reqs, struct submit_prep *preps,
    size_t n)
{
	pool_start(wf->pool, n, prepare_one, prep_batch(wf, reqs, preps));
}

void
workflow_prepare_wait(struct workflow *wf)
{
	pool_join(wf->pool);
}

void
workflow_prepare(struct workflow *wf,
    const struct cairn_ctl_request *const *reqs, struct submit_prep *preps,
    size_t n)
{
	pool_run(wf->pool, n, prepare_one, prep_batch(wf, reqs, preps));
}

int
workflow_overlaps(const struct workflow *wf)
{
	return pool_threads(wf->pool) > 0;
}

void
workflow_prep_clear(struct submit_prep *sp)
{
	if (sp == NULL)
		return;
	cairn_payload_free(sp->p);
	memset(sp, 0, sizeof(*sp));
}

int
workflow_submit(struct workflow *wf, const struct cairn_ctl_request *req,
    struct submit_prep *sp, const struct access_roles *roles, int64_t uid,
    uint8_t msg_id[static CAIRN_MSG_ID_BYTES], char *err, size_t errlen)
{
	char	 hex[2 * CAIRN_MSG_ID_BYTES + 1];
	struct cairn_header hdr;
	struct cairn_payload *p = NULL;
	struct cairn_signer signer;
	const struct cairn_pubkey *rkey;
	const struct cairn_function *rfn;
	struct store_case c;
	struct store_out o;
	struct store_txn *t;
	char	 local[CAIRN_ADDRESS_MAX + 1], remote[CAIRN_ADDRESS_MAX + 1];
	char	 from_fn[CAIRN_FUNCTION_MAX + 1], to_org[CAIRN_ORG_ID_MAX + 1];
	char	 to_fn[CAIRN_FUNCTION_MAX + 1];
	struct inflight *peer;
	struct send_job *j = NULL;
	struct cairn_sealed sealed;
	struct iovec env[3];
	uint8_t	*pt = (uint8_t *)req->payload;
	int64_t	 now = workflow_now();
	int	 rc;

	err[0] = '\0';
	scopy(from_fn, sizeof(from_fn), req->from_function);
	scopy(to_org, sizeof(to_org), req->to_org);
	scopy(to_fn, sizeof(to_fn), req->to_function);
	addr(local, sizeof(local), wf->cfg->org, from_fn);
	addr(remote, sizeof(remote), to_org, to_fn);
	/*
	 * The client's Payload bytes are sealed as they are, once decoded
	 * and validated here exactly as the recipient will (attachment
	 * contents are not copied for that, and unknown fields refused);
	 * workflow_prepare() may have done that already.
	 */
	if (sp != NULL && sp->decoded) {
		now = sp->now;
		rc = sp->decode_rc;
		p = sp->p;
		sp->p = NULL;
	} else
		rc = cairn_payload_decode_flags(&p, req->payload,
		    req->payload_len, now, CAIRN_PAYLOAD_META |
		    CAIRN_PAYLOAD_STRICT);
	if (rc != 0) {
		snprintf(err, errlen, "invalid message: %s",
		    cairn_strerror(rc));
		goto refused;
	}
	memset(&c, 0, sizeof(c));
	if (req->has_reply_to) {
		if ((rc = case_local_reply(wf, req, p, &c, from_fn, to_org,
		    to_fn, err, errlen)) != 0)
			goto refused;
		addr(local, sizeof(local), wf->cfg->org, from_fn);
		addr(remote, sizeof(remote), to_org, to_fn);
	} else if (p->kind != CAIRN_KIND_REQUEST) {
		snprintf(err, errlen, "a %s must name the request it answers",
		    cairn_kind_name(p->kind));
		rc = CAIRN_EINVAL;
		goto refused;
	}
	if (!access_may_act(roles, from_fn)) {
		snprintf(err, errlen, "permission denied: you may not send as "
		    "%s", local);
		rc = CAIRN_EDENIED;
		(void)workflow_audit(wf, CAIRN_AUDIT_DENIED, NULL, local,
		    remote, NULL, rc, uid);
		goto out;
	}
	if (cairn_book_function(wf->book, wf->cfg->org, from_fn) == NULL) {
		snprintf(err, errlen, "%s is not a function of this "
		    "organisation in the address book", local);
		rc = CAIRN_ENOTFOUND;
		goto refused;
	}
	if (cairn_book_org(wf->book, to_org) == NULL) {
		snprintf(err, errlen, "no organisation %s in the address "
		    "book", to_org);
		rc = CAIRN_ENOTFOUND;
		goto refused;
	}
	if ((rc = cairn_book_box_key(wf->book, to_org, now, &rkey)) != 0) {
		snprintf(err, errlen, "%s has no valid encryption key in the "
		    "address book", to_org);
		goto refused;
	}
	if ((rc = cairn_keyfile_signer(wf->sec, now, &signer)) != 0) {
		snprintf(err, errlen, "this organisation has no valid "
		    "signing key");
		goto refused;
	}
	/*
	 * In place: the payload lies in the decoded request's own storage
	 * (proto/control.h), which control wipes and frees after this call;
	 * sealing it there saves a copy of up to 32 MiB.  A prepared submit
	 * was sealed so already, from what was checked again above.
	 */
	if (sp != NULL && sp->sealed_ok) {
		hdr = sp->hdr;
		sealed = sp->sealed;
	} else if (sp != NULL && sp->seal_rc != 0) {
		rc = sp->seal_rc;
		snprintf(err, errlen, "cannot seal message: %s",
		    cairn_strerror(rc));
		goto refused;
	} else {
		fill_header(wf, req, p->kind, from_fn, to_org, to_fn, now,
		    &hdr);
		if ((rc = cairn_envelope_seal_inplace(&hdr, pt,
		    req->payload_len, rkey, &signer, &sealed)) != 0) {
			snprintf(err, errlen, "cannot seal message: %s",
			    cairn_strerror(rc));
			goto refused;
		}
	}
	env[0].iov_base = sealed.pre;
	env[0].iov_len = sealed.prelen;
	env[1].iov_base = pt;
	env[1].iov_len = req->payload_len;
	env[2].iov_base = sealed.post;
	env[2].iov_len = sealed.postlen;
	if (!room_for(wf, sealed.len, 2)) {
		snprintf(err, errlen, "the store is full (its map or its "
		    "disk); message not accepted, nothing already accepted "
		    "is affected");
		rc = CAIRN_ENOSPACE;
		goto refused;
	}

	memset(&o, 0, sizeof(o));
	memcpy(o.msg_id, hdr.msg_id, CAIRN_MSG_ID_BYTES);
	o.state = STORE_OUT_QUEUED;
	o.kind = hdr.kind;
	scopy(o.from_function, sizeof(o.from_function), hdr.from_function);
	scopy(o.to_org, sizeof(o.to_org), hdr.to_org);
	scopy(o.to_function, sizeof(o.to_function), hdr.to_function);
	memcpy(o.conversation_id, hdr.conversation_id, CAIRN_MSG_ID_BYTES);
	o.has_reply_to = hdr.has_reply_to;
	memcpy(o.in_reply_to, hdr.in_reply_to, CAIRN_MSG_ID_BYTES);
	o.created_ms = hdr.created_ms;
	o.expires_ms = hdr.expires_ms;
	o.next_ms = now;
	memcpy(o.envelope_hash, sealed.hash, CAIRN_HASH_BYTES);

	if (p->kind == CAIRN_KIND_REQUEST) {
		memcpy(c.request_id, o.msg_id, CAIRN_MSG_ID_BYTES);
		c.sent = true;
		c.state = STORE_CASE_QUEUED;
		scopy(c.function, sizeof(c.function), from_fn);
		scopy(c.peer_org, sizeof(c.peer_org), to_org);
		scopy(c.peer_function, sizeof(c.peer_function), to_fn);
		c.created_ms = c.updated_ms = now;
		if ((rfn = cairn_book_function(wf->book, to_org, to_fn)) != NULL)
			c.guarantee_days = rfn->guarantee_days;
	}

	if ((t = txn(wf)) == NULL) {
		rc = CAIRN_ESTORE;
		snprintf(err, errlen, "store unavailable");
		goto out;
	}
	/*
	 * A connected peer with room in its window gets a small envelope
	 * right after this pass's commit, as its first attempt: stored once
	 * with its retry time, never read back by a due scan unless that
	 * attempt goes unanswered.  A large one is left to the due scan,
	 * which sends it from the store without another copy.
	 */
	peer = inflight_peer(wf, to_org);
	if (sealed.len <= DIRECT_SEND_MAX && peer != NULL &&
	    !peer->bytes_full && inflight_room(wf, peer, sealed.len) &&
	    xport_peer_ready(wf->x, to_org) &&
	    (j = calloc(1, sizeof(*j))) != NULL) {
		if ((j->env = malloc(sealed.len)) == NULL) {
			free(j);
			j = NULL;
		} else {
			o.attempts = 1;
			o.next_ms = now + backoff(wf->cfg, 1);
			if (o.next_ms > o.expires_ms)
				o.next_ms = o.expires_ms;
		}
	}
	if ((rc = store_out_addv(t, &o, env, 3)) != 0 ||
	    (rc = store_case_put(t, &c)) != 0) {
		if (j != NULL)
			free(j->env);
		free(j);
		txn_lost(wf, rc);
		snprintf(err, errlen, "%s", cairn_strerror(rc));
		goto out;
	}
	if (j != NULL) {
		j->wf = wf;
		scopy(j->org, sizeof(j->org), to_org);
		memcpy(j->msg_id, o.msg_id, CAIRN_MSG_ID_BYTES);
		/* the envelope in one piece: pre, the ciphertext, post */
		memcpy(j->env, sealed.pre, sealed.prelen);
		memcpy(j->env + sealed.prelen, pt, req->payload_len);
		memcpy(j->env + sealed.prelen + req->payload_len, sealed.post,
		    sealed.postlen);
		j->len = sealed.len;
		inflight_add(peer, o.msg_id, o.next_ms, j->len);
		workflow_defer(wf, send_done, j);
	}
	if ((rc = workflow_audit(wf, CAIRN_AUDIT_SUBMITTED, o.msg_id, local,
	    remote, o.envelope_hash, 0, uid)) != 0) {
		snprintf(err, errlen, "%s", cairn_strerror(rc));
		goto out;
	}
	memcpy(msg_id, o.msg_id, CAIRN_MSG_ID_BYTES);
	trace_note(wf->trace, 0, o.msg_id);
	wf->due_idle = 0;
	wf->pass.queued++;
	log_debug("workflow: queued msg=%s kind=%s to=%s",
	    idhex(hex, o.msg_id), cairn_kind_name(o.kind), remote);
	goto out;
refused:
	(void)workflow_audit(wf, CAIRN_AUDIT_SUBMIT_REFUSED, NULL, local,
	    remote, NULL, rc, uid);
out:
	cairn_payload_free(p);
	return rc;
}

/* ---- receiving ---------------------------------------------------------- */

static void
reply_done(void *arg, int rc)
{
	struct reply_job *j = arg;

	if (rc == 0)
		(void)xport_reply(j->wf->x, j->identity, j->idlen, j->buf,
		    j->len);
	free(j->buf);
	free(j);
}

/* Queues a signed reply to the peer connection identity after the commit. */
static void
defer_reply_to(struct workflow *wf, const uint8_t *identity, size_t idlen,
    uint8_t *buf, size_t len)
{
	struct reply_job *j;

	if ((j = calloc(1, sizeof(*j))) == NULL) {
		free(buf);
		return;
	}
	j->wf = wf;
	memcpy(j->identity, identity, idlen);
	j->idlen = idlen;
	j->buf = buf;
	j->len = len;
	workflow_defer(wf, reply_done, j);
}

static void
defer_reply(struct workflow *wf, const struct xport_in *in, uint8_t *buf,
    size_t len)
{
	defer_reply_to(wf, in->identity, in->identity_len, buf, len);
}

/*
 * Signs one receipt for every envelope stored in this pass so far, keeps
 * each message's receipt against duplicates in the same transaction, and
 * queues them to go out after the commit.  Nothing is acknowledged if
 * this fails: the pass is abandoned and the senders retry.
 */
static void
flush_receipts(struct workflow *wf)
{
	struct cairn_reply_leaf leaves[CAIRN_BATCH_MAX];
	struct cairn_signer signer;
	uint8_t	*out[CAIRN_BATCH_MAX];
	size_t	 outlen[CAIRN_BATCH_MAX], n = wf->npending, i;
	int64_t	 now = workflow_now();
	int	 rc;

	if (n == 0 || wf->txn == NULL)
		return;
	wf->npending = 0;
	for (i = 0; i < n; i++)
		leaves[i] = wf->pending[i].leaf;
	if ((rc = cairn_keyfile_signer(wf->sec, now, &signer)) != 0 ||
	    (rc = cairn_reply_sign_batch(leaves, n, now, wf->cfg->org,
	    &signer, out, outlen)) != 0) {
		log_warnx("workflow: cannot sign receipts: %s",
		    cairn_strerror(rc));
		txn_lost(wf, rc);
		return;
	}
	for (i = 0; i < n; i++) {
		if ((rc = store_dedup_put(wf->txn, leaves[i].msg_id,
		    wf->pending[i].expires_ms, out[i], outlen[i])) != 0) {
			for (; i < n; i++)
				free(out[i]);
			txn_lost(wf, rc);
			return;
		}
		trace_note(wf->trace, 1, leaves[i].msg_id);
		defer_reply_to(wf, wf->pending[i].identity,
		    wf->pending[i].idlen, out[i], outlen[i]);
	}
}

/* Whether msg_id was stored earlier in this pass. */
static int
pending_has(const struct workflow *wf, const uint8_t *msg_id)
{
	size_t	i;

	for (i = 0; i < wf->npending; i++)
		if (memcmp(wf->pending[i].leaf.msg_id, msg_id,
		    CAIRN_MSG_ID_BYTES) == 0)
			return 1;
	return 0;
}

static int
sign_reply(struct workflow *wf, enum cairn_reply_type type,
    const uint8_t *msg_id, const uint8_t *hash, int reason, uint8_t **buf,
    size_t *len)
{
	struct cairn_reply r;
	struct cairn_signer signer;
	int	rc;

	memset(&r, 0, sizeof(r));
	r.type = type;
	memcpy(r.msg_id, msg_id, CAIRN_MSG_ID_BYTES);
	memcpy(r.envelope_hash, hash, CAIRN_HASH_BYTES);
	r.time_ms = workflow_now();
	scopy(r.org, sizeof(r.org), wf->cfg->org);
	r.reason = (enum cairn_nack_reason)reason;
	if ((rc = cairn_keyfile_signer(wf->sec, r.time_ms, &signer)) != 0)
		return rc;
	return cairn_reply_sign(&r, &signer, buf, len);
}

/*
 * Refuses an incoming envelope: audited always, logged with a rate limit,
 * answered with a signed nack when the refusal is permanent and we know
 * which message it was.
 */
static void
refuse(struct workflow *wf, struct xport_in *in, const struct cairn_header *h,
    const uint8_t *hash, int code, int nack)
{
	char	 local[CAIRN_ADDRESS_MAX + 1] = "", remote[CAIRN_ADDRESS_MAX + 1];
	uint8_t	*buf;
	size_t	 len;

	if (h != NULL) {
		addr(local, sizeof(local), h->to_org, h->to_function);
		addr(remote, sizeof(remote), h->from_org, h->from_function);
	} else
		scopy(remote, sizeof(remote), in->org);
	if (log_ratelimit(&wf->rl, workflow_now()))
		log_notice("workflow: refused envelope from %s: %s", in->org,
		    cairn_strerror(code));
	(void)workflow_audit(wf, CAIRN_AUDIT_REFUSED, h ? h->msg_id : NULL,
	    local[0] ? local : NULL, remote, hash, code, -1);
	if (nack && h != NULL && sign_reply(wf, CAIRN_REPLY_NACK, h->msg_id,
	    hash, cairn_nack_reason_for(code), &buf, &len) == 0)
		defer_reply(wf, in, buf, len);
}

/*
 * What the worker threads find out about one incoming envelope before the
 * event loop takes it: every check that needs no store, and the payload
 * opened (decrypted where it lies and sealed back, so the envelope can
 * still be stored as it came).
 */
struct in_prep {
	struct cairn_envelope	*e;
	struct cairn_payload	*p;
	const struct cairn_function *fn;
	int64_t			 now;
	int			 refused;	/* refuse() with what follows */
	int			 code;
	int			 with_header;	/* h and the hash known */
	int			 with_hash;
	int			 nack;
	int			 open_rc;	/* of opening, once checked */
};

/*
 * Envelopes read ahead and not stored, at shutdown (after pool_join()):
 * released unanswered, so that their senders send them again.
 */
static void
incoming_drop(struct workflow *wf)
{
	size_t	i;

	for (i = 0; i < wf->nin; i++) {
		if (wf->inb.ip != NULL) {
			cairn_payload_free(wf->inprep[i].p);
			cairn_envelope_free(wf->inprep[i].e);
			memset(&wf->inprep[i], 0, sizeof(wf->inprep[i]));
		}
		xport_in_done(&wf->inb.in[i]);
	}
	wf->nin = 0;
}

static void
in_refused(struct in_prep *ip, int code, int with_hash, int with_header,
    int nack)
{
	ip->refused = 1;
	ip->code = code;
	ip->with_hash = with_hash;
	ip->with_header = with_header;
	ip->nack = nack;
}

/*
 * On a worker thread: nothing here may touch the store, log or sockets.
 * The checks are those of an envelope from anyone, in the order the
 * event loop made them before: size, form, signer, signature, recipient,
 * function, kind, time; then the payload is opened.
 */
static void
in_prepare_one(void *arg, size_t i)
{
	struct in_batch *b = arg;
	struct workflow *wf = b->wf;
	struct xport_in *in = &b->in[i];
	struct in_prep *ip = &b->ip[i];
	struct cairn_unsealer unsealer;
	const struct cairn_org *sorg;
	const struct cairn_pubkey *skey;
	const struct cairn_header *h;
	uint8_t	*buf = zmq_msg_data(&in->msg);
	size_t	 len = zmq_msg_size(&in->msg);
	int	 rc;

	memset(ip, 0, sizeof(*ip));
	ip->now = b->now;
	if (len > wf->cfg->max_message_bytes + 65536) {
		in_refused(ip, CAIRN_ETOOBIG, 0, 0, 0);
		return;
	}
	if ((rc = cairn_envelope_parse(&ip->e, buf, len)) != 0) {
		in_refused(ip, rc, 0, 0, 0);
		return;
	}
	if ((rc = cairn_book_sign_key(wf->book,
	    cairn_envelope_signer_key_id(ip->e), &sorg, &skey)) != 0) {
		in_refused(ip, rc, 1, 0, 0);
		return;
	}
	/* the signer must be the organisation the transport authenticated */
	if (strcmp(sorg->id, in->org) != 0) {
		in_refused(ip, CAIRN_ESENDER, 1, 0, 0);
		return;
	}
	if ((rc = cairn_envelope_verify(ip->e, skey, in->org)) != 0) {
		in_refused(ip, rc, 1, 1, 0);
		return;
	}
	h = cairn_envelope_header(ip->e);
	if (strcmp(h->to_org, wf->cfg->org) != 0) {
		in_refused(ip, CAIRN_EWRONGRECIPIENT, 1, 1, 1);
		return;
	}
	if ((ip->fn = cairn_book_function(wf->book, wf->cfg->org,
	    h->to_function)) == NULL) {
		in_refused(ip, CAIRN_ENOTFOUND, 1, 1, 1);
		return;
	}
	/* new messages need the function to accept their kind; replies go
	 * back to the function that sent what they answer */
	if (!(ip->fn->accepts & CAIRN_KIND_BIT(h->kind)) && !h->has_reply_to) {
		in_refused(ip, CAIRN_ENOTACCEPTED, 1, 1, 1);
		return;
	}
	if ((rc = cairn_envelope_check_time(ip->e, ip->now)) != 0) {
		in_refused(ip, rc, 1, 1, 1);
		return;
	}
	/*
	 * Opened where it lies and sealed back: the payload is not copied.
	 * A failure is reported by the event loop only after its duplicate
	 * check, as when it opened envelopes itself.
	 */
	cairn_keyfile_unsealer(wf->sec, &unsealer);
	ip->open_rc = cairn_envelope_decrypt_inplace(ip->e, buf, &unsealer,
	    ip->now, CAIRN_PAYLOAD_META, &ip->p);
}

/* In the event loop: what needs the store, for one prepared envelope. */
static void
incoming_one(struct workflow *wf, struct xport_in *in, struct in_prep *ip)
{
	char	 hex[2 * CAIRN_MSG_ID_BYTES + 1];
	struct cairn_envelope *e = ip->e;
	const struct cairn_function *fn = ip->fn;
	const struct cairn_header *h;
	struct store_in m;
	struct store_case c;
	struct store_txn *t;
	uint8_t	*buf = zmq_msg_data(&in->msg);
	size_t	 len = zmq_msg_size(&in->msg);
	uint8_t	*receipt = NULL;
	size_t	 rlen;
	char	 local[CAIRN_ADDRESS_MAX + 1], remote[CAIRN_ADDRESS_MAX + 1];
	int64_t	 now = ip->now;
	int	 rc;

	if (ip->refused) {
		refuse(wf, in, ip->with_header ? cairn_envelope_header(e) :
		    NULL, ip->with_hash ? cairn_envelope_hash(e) : NULL,
		    ip->code, ip->nack);
		goto out;
	}
	h = cairn_envelope_header(e);
	if (!room_for(wf, len, 8)) {
		/* no receipt: the sender keeps it and retries */
		if (log_ratelimit(&wf->rl_full, now))
			log_warnx("workflow: store is full, not taking "
			    "envelopes from %s until there is room; senders "
			    "retry", in->org);
		goto out;
	}
	if ((t = txn(wf)) == NULL)
		goto out;
	addr(local, sizeof(local), h->to_org, h->to_function);
	addr(remote, sizeof(remote), h->from_org, h->from_function);
	if (pending_has(wf, h->msg_id)) {
		/* twice in one pass: its receipt is not signed yet; the
		 * sender will retry and get it */
		(void)workflow_audit(wf, CAIRN_AUDIT_DUPLICATE, h->msg_id,
		    local, remote, cairn_envelope_hash(e), 0, -1);
		goto out;
	}
	rc = store_dedup_get(wf->st, t, h->msg_id, &receipt, &rlen);
	if (rc == 0) {
		(void)workflow_audit(wf, CAIRN_AUDIT_DUPLICATE, h->msg_id,
		    local, remote, cairn_envelope_hash(e), 0, -1);
		defer_reply(wf, in, receipt, rlen);
		goto out;
	}
	if (rc != CAIRN_ENOTFOUND) {
		log_warnx("workflow: dedup lookup failed: %s",
		    cairn_strerror(rc));
		goto out;	/* no receipt: the sender retries */
	}
	if (ip->open_rc != 0) {
		refuse(wf, in, h, cairn_envelope_hash(e), ip->open_rc, 1);
		goto out;
	}
	memset(&c, 0, sizeof(c));
	if (h->kind == CAIRN_KIND_REQUEST) {
		memcpy(c.request_id, h->msg_id, CAIRN_MSG_ID_BYTES);
		c.sent = false;
		c.state = STORE_CASE_DELIVERED;
		scopy(c.function, sizeof(c.function), h->to_function);
		scopy(c.peer_org, sizeof(c.peer_org), h->from_org);
		scopy(c.peer_function, sizeof(c.peer_function), h->from_function);
		c.created_ms = h->created_ms;
		c.delivered_ms = c.updated_ms = now;
		c.guarantee_days = fn->guarantee_days;
		if (c.guarantee_days > 0)
			c.due_ms = cairn_workdays_due_ms(now, c.guarantee_days);
	} else if ((rc = case_peer_reply(wf, h, ip->p, &c)) != 0) {
		refuse(wf, in, h, cairn_envelope_hash(e), rc, 1);
		goto out;
	}
	cairn_payload_free(ip->p);
	ip->p = NULL;

	memset(&m, 0, sizeof(m));
	memcpy(m.msg_id, h->msg_id, CAIRN_MSG_ID_BYTES);
	m.state = STORE_IN_NEW;
	m.kind = h->kind;
	scopy(m.from_org, sizeof(m.from_org), h->from_org);
	scopy(m.from_function, sizeof(m.from_function), h->from_function);
	scopy(m.to_function, sizeof(m.to_function), h->to_function);
	memcpy(m.conversation_id, h->conversation_id, CAIRN_MSG_ID_BYTES);
	m.has_reply_to = h->has_reply_to;
	memcpy(m.in_reply_to, h->in_reply_to, CAIRN_MSG_ID_BYTES);
	m.created_ms = h->created_ms;
	m.expires_ms = h->expires_ms;
	m.received_ms = now;
	memcpy(m.envelope_hash, cairn_envelope_hash(e), CAIRN_HASH_BYTES);
	if ((rc = store_in_add(t, &m, buf, len)) != 0 ||
	    (rc = store_case_put(t, &c)) != 0) {
		txn_lost(wf, rc);
		goto out;
	}
	if (workflow_audit(wf, CAIRN_AUDIT_RECEIVED, m.msg_id, local, remote,
	    m.envelope_hash, 0, -1) != 0)
		goto out;
	wf->pass.received++;
	log_debug("workflow: received msg=%s kind=%s from=%s to=%s",
	    idhex(hex, m.msg_id), cairn_kind_name(m.kind), remote, local);
	/* its receipt is signed with the others of this pass, at commit */
	memcpy(wf->pending[wf->npending].leaf.msg_id, m.msg_id,
	    CAIRN_MSG_ID_BYTES);
	memcpy(wf->pending[wf->npending].leaf.envelope_hash, m.envelope_hash,
	    CAIRN_HASH_BYTES);
	wf->pending[wf->npending].expires_ms = m.expires_ms;
	memcpy(wf->pending[wf->npending].identity, in->identity,
	    in->identity_len);
	wf->pending[wf->npending].idlen = in->identity_len;
	if (++wf->npending == CAIRN_BATCH_MAX)
		flush_receipts(wf);
out:
	cairn_payload_free(ip->p);
	ip->p = NULL;
	cairn_envelope_free(ip->e);
	ip->e = NULL;
	xport_in_done(in);
}

static void
incoming_begin(struct workflow *wf, struct xport_in *in, size_t n, int async)
{
	struct in_prep *np;

	(void)workflow_incoming_finish(wf);
	if (n == 0)
		return;
	if (n > wf->capin &&
	    (np = reallocarray(wf->inprep, n, sizeof(*np))) != NULL) {
		wf->inprep = np;
		wf->capin = n;
	}
	wf->inb.wf = wf;
	wf->inb.in = in;
	wf->inb.now = workflow_now();
	wf->nin = n;
	if (n > wf->capin) {
		wf->inb.ip = NULL;	/* short of memory: finish does it */
		return;
	}
	/* verified and opened on the worker threads, stored in order later */
	wf->inb.ip = wf->inprep;
	if (async)
		pool_start(wf->pool, n, in_prepare_one, &wf->inb);
	else
		pool_run(wf->pool, n, in_prepare_one, &wf->inb);
}

void
workflow_incoming_start(struct workflow *wf, struct xport_in *in, size_t n)
{
	incoming_begin(wf, in, n, 1);
}

size_t
workflow_incoming_finish(struct workflow *wf)
{
	struct in_batch b;
	struct in_prep one;
	size_t	 i, n = wf->nin;

	if (n == 0)
		return 0;
	wf->nin = 0;
	if (wf->inb.ip == NULL) {
		/* one at a time, on this thread */
		b = wf->inb;
		for (i = 0; i < n; i++) {
			b.ip = &one;
			b.in = &wf->inb.in[i];
			in_prepare_one(&b, 0);
			incoming_one(wf, &wf->inb.in[i], &one);
		}
		return n;
	}
	pool_join(wf->pool);
	for (i = 0; i < n; i++)
		incoming_one(wf, &wf->inb.in[i], &wf->inprep[i]);
	return n;
}

int
workflow_incoming_pending(const struct workflow *wf)
{
	return wf->nin > 0;
}

void
workflow_incoming(struct workflow *wf, struct xport_in *in, size_t n)
{
	incoming_begin(wf, in, n, 0);
	(void)workflow_incoming_finish(wf);
}

/* ---- replies (receipts and nacks) -------------------------------------- */

void
workflow_reply(struct workflow *wf, struct xport_reply *rep)
{
	char	 hex[2 * CAIRN_MSG_ID_BYTES + 1];
	struct cairn_reply_msg *m = NULL;
	struct cairn_reply r;
	const struct cairn_org *sorg;
	const struct cairn_pubkey *skey;
	struct store_out o, old;
	struct store_txn *t;
	char	 local[CAIRN_ADDRESS_MAX + 1], remote[CAIRN_ADDRESS_MAX + 1];
	const uint8_t *buf = zmq_msg_data(&rep->msg);
	size_t	 len = zmq_msg_size(&rep->msg);
	int	 rc;

	if ((rc = cairn_reply_parse(&m, buf, len)) != 0 ||
	    (rc = cairn_book_sign_key(wf->book, cairn_reply_signer_key_id(m),
	    &sorg, &skey)) != 0)
		goto bad;
	if (strcmp(sorg->id, rep->org) != 0) {
		rc = CAIRN_ESENDER;
		goto bad;
	}
	if ((rc = cairn_reply_verify_cached(m, skey, rep->org, &r,
	    &wf->rcache)) != 0)
		goto bad;
	if ((t = txn(wf)) == NULL)
		goto out;
	if ((rc = store_out_get(wf->st, t, r.msg_id, &o)) != 0)
		goto bad;
	if (strcmp(o.to_org, rep->org) != 0 ||
	    sodium_memcmp(o.envelope_hash, r.envelope_hash,
	    CAIRN_HASH_BYTES) != 0) {
		rc = CAIRN_EFIELD;
		goto bad;
	}
	inflight_remove(wf, rep->org, r.msg_id);
	if (o.state != STORE_OUT_QUEUED)
		goto out;	/* a receipt for something already settled */
	addr(local, sizeof(local), wf->cfg->org, o.from_function);
	addr(remote, sizeof(remote), o.to_org, o.to_function);
	old = o;
	o.receipt_ms = r.time_ms;
	if (r.type == CAIRN_REPLY_RECEIPT) {
		o.state = STORE_OUT_DELIVERED;
		o.last_error = 0;
	} else {
		o.state = STORE_OUT_REJECTED;
		o.nack_reason = (int32_t)r.reason;
		o.last_error = CAIRN_EREFUSED;
	}
	if ((rc = store_out_replace(t, &old, &o)) != 0 ||
	    (rc = store_out_drop_envelope(t, o.msg_id)) != 0 ||
	    (rc = store_receipt_put(t, o.msg_id, buf, len)) != 0 ||
	    (rc = case_settled(wf, t, &o)) != 0) {
		txn_lost(wf, rc);
		goto out;
	}
	(void)workflow_audit(wf, r.type == CAIRN_REPLY_RECEIPT ?
	    CAIRN_AUDIT_DELIVERED : CAIRN_AUDIT_REJECTED, o.msg_id, local,
	    remote, o.envelope_hash, r.type == CAIRN_REPLY_RECEIPT ? 0 :
	    (int32_t)r.reason, -1);
	if (r.type == CAIRN_REPLY_RECEIPT)
		wf->pass.delivered++;
	else
		wf->pass.rejected++;
	if (r.type == CAIRN_REPLY_NACK)
		log_notice("workflow: msg=%s rejected by %s: %s",
		    idhex(hex, o.msg_id), o.to_org,
		    cairn_nack_reason_name(r.reason));
	goto out;
bad:
	if (log_ratelimit(&wf->rl, workflow_now()))
		log_notice("workflow: bad reply from %s: %s", rep->org,
		    cairn_strerror(rc));
	(void)workflow_audit(wf, CAIRN_AUDIT_BAD_REPLY, NULL, NULL, rep->org,
	    NULL, rc, -1);
out:
	cairn_reply_free(m);
	zmq_msg_close(&rep->msg);
}

/* ---- retries ------------------------------------------------------------- */

static int64_t
backoff(const struct config *cfg, uint32_t attempts)
{
	int64_t	d = cfg->retry_min_ms;
	uint32_t i;

	for (i = 1; i < attempts && d < cfg->retry_max_ms; i++)
		d *= 2;
	if (d > cfg->retry_max_ms)
		d = cfg->retry_max_ms;
	/* jitter: 80% .. 100% of the delay, so peers do not retry in step */
	return d - (int64_t)cairn_random_uniform((uint32_t)(d / 5 + 1));
}

/*
 * How long a message for a peer that is not connected waits before it is
 * looked at again: retry_max, less up to half of it so that a large queue
 * does not come due at one moment.  The peer-up callback brings it
 * forward the moment the connection is made.
 */
static int64_t
park(const struct config *cfg)
{
	int64_t	d = cfg->retry_max_ms;

	return d - (int64_t)cairn_random_uniform((uint32_t)(d / 2 + 1));
}

static void
send_done(void *arg, int rc)
{
	struct send_job *j = arg;

	if (rc == 0) {
		rc = xport_send_owned(j->wf->x, j->org, j->env, j->len);
		if (rc != 0 && rc != -EAGAIN)
			log_warnx("workflow: cannot send to %s: %s", j->org,
			    cairn_strerror(rc));
	} else
		free(j->env);
	free(j);
}

/* The due scan's view of the windows, for due_pick. */
struct due_scan {
	struct workflow	*wf;
	int64_t		 now;
	int		 deep;		/* do not stop at full windows */
	size_t		 skipped, run;
	int		 stopped;
};

/* every connected peer's window is full (counting the slots promised) */
static int
windows_full(struct workflow *wf)
{
	struct inflight *p;
	size_t	i;

	for (i = 0; i < wf->npeers; i++) {
		p = &wf->peers[i];
		if (p->n + p->taken < wf->cfg->window && !p->bytes_full &&
		    xport_peer_ready(wf->x, p->org))
			return 0;
	}
	return 1;
}

/*
 * Which due messages the pass takes: an expired one (it fails), one to a
 * peer not connected (it is parked), one to a peer with room in its
 * window (it is sent).  One to a peer whose window is full is left where
 * it is: listing it would only decode it for nothing, pass after pass.
 */
static enum store_due_pick
due_pick(void *arg, const struct store_out *o)
{
	struct due_scan *ds = arg;
	struct workflow *wf = ds->wf;
	struct inflight *p;

	if (ds->now >= o->expires_ms || !xport_peer_ready(wf->x, o->to_org) ||
	    (p = inflight_peer(wf, o->to_org)) == NULL)
		goto take;
	if (p->n + p->taken < wf->cfg->window && !p->bytes_full) {
		p->taken++;
		goto take;
	}
	ds->skipped++;
	if (!ds->deep && (++ds->run >= SKIP_RUN || windows_full(wf))) {
		ds->stopped = 1;
		return STORE_DUE_STOP;
	}
	return STORE_DUE_SKIP;
take:
	ds->run = 0;
	return STORE_DUE_TAKE;
}

void
workflow_due(struct workflow *wf)
{
	struct due_scan ds;
	char	 hex[2 * CAIRN_MSG_ID_BYTES + 1];
	struct store_out *due;
	struct store_txn *t;
	struct inflight *peer;
	struct send_job *j;
	char	 local[CAIRN_ADDRESS_MAX + 1], remote[CAIRN_ADDRESS_MAX + 1];
	int64_t	 now = workflow_now(), next;
	size_t	 n, i;
	int	 rc, ready;

	if (now < wf->full_until)
		return;
	inflight_expire(wf, now);
	if (wf->due_idle && now < wf->due_idle_until)
		return;
	wf->due_idle = 0;
	if ((t = txn(wf)) == NULL)
		return;
	due = wf->due;
	memset(&ds, 0, sizeof(ds));
	ds.wf = wf;
	ds.now = now;
	if (now >= wf->deep_scan_ms) {
		ds.deep = 1;
		wf->deep_scan_ms = now + DEEP_SCAN_MS;
	}
	rc = store_out_due_select(wf->st, t, now, due, wf->due_batch,
	    ds.deep ? 2 * wf->due_batch : SIZE_MAX, due_pick, &ds, &n, &next);
	for (i = 0; i < wf->npeers; i++)
		wf->peers[i].taken = 0;
	if (rc != 0) {
		/*
		 * A record that fails its checksum is never served or
		 * guessed at: stop, and let the operator restore the state
		 * directory (restarts refuse with the same message).
		 */
		if (rc == CAIRN_ECORRUPT)
			fatalx("store: a queued message's record in %s fails "
			    "its checksum; restore the state directory from a "
			    "backup", wf->cfg->state_dir);
		log_warnx("workflow: cannot read schedule: %s",
		    cairn_strerror(rc));
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct store_out *o = &due[i];

		/* an audit record that did not fit lost the transaction */
		if (wf->txn != t)
			goto out;
		if ((peer = inflight_peer(wf, o->to_org)) == NULL)
			goto out;
		/* due again means the last attempt timed out */
		if (o->attempts > 0)
			inflight_remove(wf, o->to_org, o->msg_id);
		addr(local, sizeof(local), wf->cfg->org, o->from_function);
		addr(remote, sizeof(remote), o->to_org, o->to_function);
		if (now >= o->expires_ms) {
			o->state = STORE_OUT_FAILED;
			wf->pass.failed++;
			o->last_error = CAIRN_EEXPIRED;
			if ((rc = store_out_update(t, o)) != 0 ||
			    (rc = store_out_drop_envelope(t, o->msg_id)) != 0 ||
			    (rc = case_settled(wf, t, o)) != 0) {
				txn_lost(wf, rc);
				goto out;
			}
			(void)workflow_audit(wf, CAIRN_AUDIT_FAILED, o->msg_id,
			    local, remote, o->envelope_hash, CAIRN_EEXPIRED,
			    -1);
			log_notice("workflow: msg=%s to %s expired after %"
			    PRIu32 " attempts", idhex(hex, o->msg_id), remote,
			    o->attempts);
			continue;
		}
		/*
		 * Only a connected peer gets envelopes.  While it is not,
		 * nothing is sent and no attempt counted: the message waits
		 * for the connection (the peer-up callback brings it forward
		 * as soon as the handshake completes), looked at again after
		 * retry_max at the latest.  Backing off from retry_min here
		 * rewrote every queued record every few seconds: with 100,000
		 * queued to a stopped receiver the sender wrote ~1 GB/s and
		 * used a core for as long as the receiver was away.
		 */
		ready = xport_peer_ready(wf->x, o->to_org);
		if (!ready) {
			o->next_ms = now + park(wf->cfg);
			if (o->next_ms > o->expires_ms)
				o->next_ms = o->expires_ms;
			o->last_error = -ENOTCONN;
			if ((rc = store_out_update(t, o)) != 0) {
				txn_lost(wf, rc);
				goto out;
			}
			continue;
		}
		/* due_pick took it only with a slot promised: a guard */
		if (peer->n >= wf->cfg->window || peer->bytes_full)
			continue;
		o->attempts++;
		o->next_ms = now + backoff(wf->cfg, o->attempts);
		if (o->next_ms > o->expires_ms)
			o->next_ms = o->expires_ms;
		o->last_error = 0;
		if ((j = calloc(1, sizeof(*j))) == NULL)
			goto out;
		j->wf = wf;
		scopy(j->org, sizeof(j->org), o->to_org);
		memcpy(j->msg_id, o->msg_id, CAIRN_MSG_ID_BYTES);
		if ((rc = store_out_envelope(wf->st, t, o->msg_id, &j->env,
		    &j->len)) != 0) {
			free(j);
			/*
			 * An envelope that fails its checksum is never sent:
			 * the message fails, visibly and audited, instead of
			 * being retried forever.
			 */
			log_warnx("workflow: msg=%s to %s: stored envelope "
			    "unreadable (%s), marked FAILED",
			    idhex(hex, o->msg_id), remote, cairn_strerror(rc));
			o->state = STORE_OUT_FAILED;
			wf->pass.failed++;
			o->last_error = rc;
			if ((rc = store_out_update(t, o)) != 0 ||
			    (rc = case_settled(wf, t, o)) != 0) {
				txn_lost(wf, rc);
				goto out;
			}
			(void)workflow_audit(wf, CAIRN_AUDIT_FAILED, o->msg_id,
			    local, remote, o->envelope_hash, o->last_error, -1);
			continue;
		}
		if (!inflight_room(wf, peer, j->len)) {
			/*
			 * Too many bytes in flight to this peer already: the
			 * message stays as it was, and the scan passes over
			 * this peer's messages until a slot frees.
			 */
			free(j->env);
			free(j);
			peer->bytes_full = 1;
			continue;
		}
		if ((rc = store_out_update(t, o)) != 0) {
			free(j->env);
			free(j);
			txn_lost(wf, rc);
			goto out;
		}
		if (o->attempts > 1)
			(void)workflow_audit(wf, CAIRN_AUDIT_SENT, o->msg_id,
			    local, remote, o->envelope_hash,
			    (int32_t)o->attempts, -1);
		inflight_add(peer, o->msg_id, o->next_ms, j->len);
		workflow_defer(wf, send_done, j);
	}
	/*
	 * What was left due waits only for a window: scanning again changes
	 * nothing until a slot frees, a message is added, a peer comes up,
	 * or (when the scan stopped short) the next deep scan.
	 */
	if (ds.skipped > 0 && n < wf->due_batch) {
		wf->due_idle = 1;
		wf->due_idle_until = ds.stopped ? wf->deep_scan_ms : next;
	}
out:
	return;
}

struct up_ctx {
	const char		*org;
	int64_t			 now;
	uint8_t			(*ids)[CAIRN_MSG_ID_BYTES];
	size_t			 n, cap;
};

static int
up_visit(void *arg, const struct store_out *o)
{
	struct up_ctx *u = arg;
	uint8_t	(*nids)[CAIRN_MSG_ID_BYTES];

	if (o->next_ms <= u->now || strcmp(o->to_org, u->org) != 0)
		return 0;
	if (u->n == u->cap) {
		u->cap = u->cap ? u->cap * 2 : 256;
		if ((nids = reallocarray(u->ids, u->cap, sizeof(*nids))) == NULL)
			return -ENOMEM;
		u->ids = nids;
	}
	memcpy(u->ids[u->n++], o->msg_id, CAIRN_MSG_ID_BYTES);
	return 0;
}

void
workflow_peer_up(void *arg, const char *org)
{
	struct workflow *wf = arg;
	struct up_ctx u;
	struct store_out o;
	struct store_txn *t;
	size_t	i;
	int	rc;

	wf->due_idle = 0;
	memset(&u, 0, sizeof(u));
	u.org = org;
	u.now = workflow_now();
	if ((rc = store_out_queued_each(wf->st, up_visit, &u)) != 0)
		goto out;
	if (u.n == 0 || (t = txn(wf)) == NULL)
		goto out;
	for (i = 0; i < u.n; i++) {
		if (store_out_get(wf->st, t, u.ids[i], &o) != 0 ||
		    o.state != STORE_OUT_QUEUED)
			continue;
		o.next_ms = u.now;
		if ((rc = store_out_update(t, &o)) != 0) {
			txn_lost(wf, rc);
			goto out;
		}
	}
	log_info("workflow: %s connected, sending %zu queued message%s now",
	    org, u.n, u.n == 1 ? "" : "s");
out:
	free(u.ids);
}

int
workflow_timeout(struct workflow *wf, int max_ms)
{
	struct store_out o;
	size_t	n;
	int64_t	next, now;

	now = workflow_now();
	if (now < wf->full_until)
		return (int)(wf->full_until - now < max_ms ?
		    wf->full_until - now : max_ms);
	if (wf->due_idle) {
		if (wf->due_idle_until <= now)
			return 0;
		return wf->due_idle_until - now < max_ms ?
		    (int)(wf->due_idle_until - now) : max_ms;
	}
	if (store_out_due(wf->st, NULL, INT64_MIN, &o, 0, &n, &next) != 0)
		return max_ms;
	now = workflow_now();
	if (next <= now)
		return 0;
	if (next - now < max_ms)
		return (int)(next - now);
	return max_ms;
}

/* ---- stats ---------------------------------------------------------------- */

static int
stats_out(void *arg, const struct store_out *o)
{
	struct cairn_ctl_stats *s = arg;

	switch (o->state) {
	case STORE_OUT_QUEUED:
		s->out_queued++;
		if (o->attempts > 1)
			s->retries += o->attempts - 1;
		if (s->oldest_queued_ms == 0 ||
		    o->created_ms < s->oldest_queued_ms)
			s->oldest_queued_ms = o->created_ms;
		break;
	case STORE_OUT_DELIVERED:
		s->out_delivered++;
		break;
	case STORE_OUT_REJECTED:
		s->out_rejected++;
		break;
	case STORE_OUT_FAILED:
		s->out_failed++;
		break;
	}
	return 0;
}

struct peers_ctx {
	struct workflow		*wf;
	struct cairn_ctl_stats	*s;
	int			 rc;
};

static void
stats_peer(void *arg, const char *org, int reachable)
{
	struct peers_ctx *x = arg;
	struct cairn_ctl_peer *np, *p;
	size_t	i;

	if (x->rc != 0 || x->s->npeers >= CAIRN_CTL_PEERS_MAX)
		return;
	np = reallocarray(x->s->peers, x->s->npeers + 1, sizeof(*np));
	if (np == NULL) {
		x->rc = -ENOMEM;
		return;
	}
	x->s->peers = np;
	p = &np[x->s->npeers++];
	memset(p, 0, sizeof(*p));
	scopy(p->org, sizeof(p->org), org);
	p->reachable = reachable;
	for (i = 0; i < x->wf->npeers; i++)
		if (strcmp(x->wf->peers[i].org, org) == 0)
			p->in_flight = (uint32_t)x->wf->peers[i].n;
	x->s->in_flight += p->in_flight;
}

/* The latest end of a key of ours valid now, as the book lists them. */
static int64_t
key_expiry(const struct cairn_pubkey *keys, size_t n, int64_t now)
{
	int64_t	until = 0;
	size_t	i;

	for (i = 0; i < n; i++)
		if (cairn_book_key_valid(&keys[i], now) &&
		    keys[i].valid_until_ms > until)
			until = keys[i].valid_until_ms;
	return until;
}

int
workflow_stats(struct workflow *wf, struct cairn_ctl_stats *s)
{
	struct store_stats ss;
	struct peers_ctx x = { wf, s, 0 };
	const struct cairn_org *me;
	int64_t	now = workflow_now();
	int	rc;

	memset(s, 0, sizeof(*s));
	if ((rc = store_out_each(wf->st, stats_out, s)) != 0 ||
	    (rc = store_stats(wf->st, &ss)) != 0 ||
	    (rc = store_audit_head(wf->st, NULL, &s->audit_seq,
	    s->audit_head)) != 0)
		return rc;
	s->in_total = ss.in_total;
	s->dedup = ss.dedup;
	s->book_serial = cairn_book_data(wf->book)->serial;
	s->book_expires_ms = cairn_book_data(wf->book)->expires_ms;
	if ((me = cairn_book_org(wf->book, wf->cfg->org)) != NULL) {
		s->sign_key_expires_ms = key_expiry(me->sign_keys,
		    me->nsign_keys, now);
		s->box_key_expires_ms = key_expiry(me->box_keys,
		    me->nbox_keys, now);
	}
	s->started_ms = wf->started_ms;
	xport_each_peer(wf->x, stats_peer, &x);
	if (x.rc != 0) {
		free(s->peers);
		memset(s, 0, sizeof(*s));
	}
	return x.rc;
}

/* ---- read side ------------------------------------------------------------ */

static const char *
out_state_name(enum store_out_state s)
{
	switch (s) {
	case STORE_OUT_QUEUED:
		return "QUEUED";
	case STORE_OUT_DELIVERED:
		return "DELIVERED";
	case STORE_OUT_REJECTED:
		return "REJECTED";
	case STORE_OUT_FAILED:
		return "FAILED";
	}
	return "UNKNOWN";
}

static void
info_from_out(struct cairn_ctl_info *i, const struct store_out *o,
    const char *org)
{
	memset(i, 0, sizeof(*i));
	memcpy(i->msg_id, o->msg_id, CAIRN_MSG_ID_BYTES);
	i->outgoing = true;
	i->kind = o->kind;
	scopy(i->from_org, sizeof(i->from_org), org);
	scopy(i->from_function, sizeof(i->from_function), o->from_function);
	scopy(i->to_org, sizeof(i->to_org), o->to_org);
	scopy(i->to_function, sizeof(i->to_function), o->to_function);
	scopy(i->state, sizeof(i->state), out_state_name(o->state));
	i->attempts = o->attempts;
	i->last_error = o->last_error;
	if (o->state == STORE_OUT_REJECTED)
		snprintf(i->last_error_text, sizeof(i->last_error_text),
		    "rejected by %s: %s", o->to_org,
		    cairn_nack_reason_name(
		    (enum cairn_nack_reason)o->nack_reason));
	else if (o->last_error != 0)
		scopy(i->last_error_text, sizeof(i->last_error_text),
	    cairn_strerror(o->last_error));
	i->created_ms = o->created_ms;
	i->expires_ms = o->expires_ms;
	i->receipt_ms = o->receipt_ms;
	i->next_attempt_ms = o->state == STORE_OUT_QUEUED ? o->next_ms : 0;
	memcpy(i->envelope_hash, o->envelope_hash, CAIRN_HASH_BYTES);
	memcpy(i->conversation_id, o->conversation_id, CAIRN_MSG_ID_BYTES);
	i->has_reply_to = o->has_reply_to;
	memcpy(i->in_reply_to, o->in_reply_to, CAIRN_MSG_ID_BYTES);
}

static void
info_from_in(struct cairn_ctl_info *i, const struct store_in *m,
    const char *org)
{
	memset(i, 0, sizeof(*i));
	memcpy(i->msg_id, m->msg_id, CAIRN_MSG_ID_BYTES);
	i->outgoing = false;
	i->kind = m->kind;
	scopy(i->from_org, sizeof(i->from_org), m->from_org);
	scopy(i->from_function, sizeof(i->from_function), m->from_function);
	scopy(i->to_org, sizeof(i->to_org), org);
	scopy(i->to_function, sizeof(i->to_function), m->to_function);
	scopy(i->state, sizeof(i->state), "DELIVERED");
	i->created_ms = m->created_ms;
	i->expires_ms = m->expires_ms;
	i->receipt_ms = m->received_ms;
	memcpy(i->envelope_hash, m->envelope_hash, CAIRN_HASH_BYTES);
	memcpy(i->conversation_id, m->conversation_id, CAIRN_MSG_ID_BYTES);
	i->has_reply_to = m->has_reply_to;
	memcpy(i->in_reply_to, m->in_reply_to, CAIRN_MSG_ID_BYTES);
}

int
workflow_status(struct workflow *wf, const uint8_t id[static CAIRN_MSG_ID_BYTES],
    struct cairn_ctl_info *info)
{
	struct store_out o;
	struct store_in m;
	int	rc;

	if ((rc = store_out_get(wf->st, NULL, id, &o)) == 0) {
		info_from_out(info, &o, wf->cfg->org);
		return 0;
	}
	if (rc != CAIRN_ENOTFOUND)
		return rc;
	if ((rc = store_in_get(wf->st, NULL, id, &m)) != 0)
		return rc;
	info_from_in(info, &m, wf->cfg->org);
	return 0;
}

struct list_ctx {
	struct workflow		*wf;
	const struct access_roles *roles;
	const char		*function;
	struct cairn_ctl_info	*infos;
	size_t			 n, limit;
	bool			 truncated;
	int			 rc;
};

static int
list_out(void *arg, const struct store_out *o)
{
	struct list_ctx *c = arg;

	if (c->function != NULL && c->function[0] != '\0' &&
	    strcmp(c->function, o->from_function) != 0)
		return 0;
	if (c->roles != NULL && !access_may_see(c->roles, o->from_function))
		return 0;
	if (c->n == c->limit) {
		c->truncated = true;
		return 1;
	}
	info_from_out(&c->infos[c->n++], o, c->wf->cfg->org);
	return 0;
}

static int
list_in(void *arg, const struct store_in *m)
{
	struct list_ctx *c = arg;

	if (c->function != NULL && c->function[0] != '\0' &&
	    strcmp(c->function, m->to_function) != 0)
		return 0;
	if (c->roles != NULL && !access_may_see(c->roles, m->to_function))
		return 0;
	if (c->n == c->limit) {
		c->truncated = true;
		return 1;
	}
	info_from_in(&c->infos[c->n++], m, c->wf->cfg->org);
	return 0;
}

int
workflow_list(struct workflow *wf, enum cairn_ctl_command which,
    const struct access_roles *roles, const char *function, size_t limit,
    struct cairn_ctl_info **infos, size_t *n, bool *truncated)
{
	struct list_ctx c;
	int	rc;

	memset(&c, 0, sizeof(c));
	c.wf = wf;
	c.roles = roles;
	c.function = function;
	c.limit = limit == 0 || limit > CAIRN_CTL_LIST_MAX ?
	    CAIRN_CTL_LIST_MAX : limit;
	if ((c.infos = calloc(c.limit, sizeof(*c.infos))) == NULL)
		return -ENOMEM;
	if (which == CAIRN_CTL_OUTBOX)
		rc = store_out_each(wf->st, list_out, &c);
	else
		rc = store_in_each(wf->st, list_in, &c);
	if (rc < 0) {
		free(c.infos);
		return rc;
	}
	*infos = c.infos;
	*n = c.n;
	*truncated = c.truncated;
	return 0;
}

int
workflow_show(struct workflow *wf, const uint8_t id[static CAIRN_MSG_ID_BYTES],
    int64_t uid, struct cairn_ctl_info *info, uint8_t **payload, size_t *len)
{
	struct cairn_envelope *e = NULL;
	struct cairn_payload *p = NULL;
	struct cairn_unsealer unsealer;
	const struct cairn_org *sorg;
	const struct cairn_pubkey *skey;
	struct store_in m;
	struct store_case c;
	char	 local[CAIRN_ADDRESS_MAX + 1], remote[CAIRN_ADDRESS_MAX + 1];
	uint8_t	*env = NULL;
	size_t	 envlen;
	int	 rc;

	*payload = NULL;
	if ((rc = store_in_get(wf->st, wf->txn, id, &m)) != 0)
		return rc;
	info_from_in(info, &m, wf->cfg->org);
	if (m.kind == CAIRN_KIND_REQUEST &&
	    store_case_get(wf->st, wf->txn, id, &c) == 0 &&
	    c.state == STORE_CASE_WITHDRAWN)
		return CAIRN_ESTATE;	/* consent withdrawn: not shown */
	if ((rc = store_in_envelope(wf->st, wf->txn, id, &env, &envlen)) != 0)
		return rc;
	if ((rc = cairn_envelope_parse(&e, env, envlen)) != 0 ||
	    (rc = cairn_book_sign_key(wf->book,
	    cairn_envelope_signer_key_id(e), &sorg, &skey)) != 0 ||
	    (rc = cairn_envelope_verify(e, skey, m.from_org)) != 0)
		goto out;
	cairn_keyfile_unsealer(wf->sec, &unsealer);
	if ((rc = cairn_envelope_decrypt(e, &unsealer, m.received_ms,
	    &p)) != 0)
		goto out;
	if ((rc = cairn_payload_encode(p, m.received_ms, payload, len)) != 0)
		goto out;
	addr(local, sizeof(local), wf->cfg->org, m.to_function);
	addr(remote, sizeof(remote), m.from_org, m.from_function);
	if ((rc = workflow_audit(wf, CAIRN_AUDIT_READ, m.msg_id, local,
	    remote, m.envelope_hash, 0, uid)) != 0) {
		sodium_memzero(*payload, *len);
		free(*payload);
		*payload = NULL;
		*len = 0;
		goto out;
	}
	if (m.state == STORE_IN_NEW && wf->txn != NULL) {
		m.state = STORE_IN_READ;
		if ((rc = store_in_update(wf->txn, &m)) != 0) {
			sodium_memzero(*payload, *len);
			free(*payload);
			*payload = NULL;
			*len = 0;
			txn_lost(wf, rc);
		}
	}
out:
	cairn_payload_free(p);
	cairn_envelope_free(e);
	free(env);
	return rc;
}

int
workflow_audit_page(struct workflow *wf, const struct cairn_ctl_request *req,
    struct cairn_ctl_audit *page)
{
	return auditq_page(wf->st, req, page);
}

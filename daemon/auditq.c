/* SPDX-License-Identifier: MIT */
/*
 * auditq: pages of the audit trail for the socket (see auditq.h).
 *
 * Values travel as stored, unchecked, so that an auditor verifying the
 * live daemon sees exactly what one verifying a copy of its state
 * directory sees, tampering included.  The page is built in one buffer of
 * CAIRN_CTL_AUDIT_PAGE_BYTES; each record reserves room for the reply it
 * may need, so that the replies always fit after the records.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/auditq.h"
#include "proto/audit.h"

/* Protobuf framing of one entry or reply, generously. */
#define FRAME_BYTES	48

struct page_ctx {
	struct cairn_ctl_audit		*page;
	struct cairn_ctl_audit_entry	*v;
	/*
	 * used counts the page's budget, with room reserved for the reply
	 * of each record that has one; off is where the next bytes go in
	 * page->buf (never past used)
	 */
	size_t				 n, limit, used, max, off;
	int				 records;
	const uint8_t			*related_to;
	int				 err;
};

static int	 reply_db(const uint8_t *, size_t, uint8_t *, int *);
static int	 visit(void *, uint64_t, const uint8_t *, size_t);
static int	 add_reply(struct store *, struct cairn_ctl_audit *, size_t *,
		    const uint8_t *, int);
static int	 out_related(void *, const struct store_out *);
static int	 in_related(void *, const struct store_in *);
static int	 add_related(struct page_ctx *, const uint8_t *, int);

/*
 * Whether the record val names a message whose signed reply an export
 * carries: 1 with its id and issued (the receipt we issued, kept in
 * dedup) or not (the reply we received), else 0.
 */
static int
reply_db(const uint8_t *val, size_t len, uint8_t *id, int *issued)
{
	struct cairn_audit_record r;

	if (cairn_audit_open(&r, val, len) != 0 || !r.has_msg_id)
		return 0;
	switch (r.event) {
	case CAIRN_AUDIT_DELIVERED:
	case CAIRN_AUDIT_REJECTED:
		*issued = 0;
		break;
	case CAIRN_AUDIT_RECEIVED:
	case CAIRN_AUDIT_DUPLICATE:
		*issued = 1;
		break;
	default:
		return 0;
	}
	memcpy(id, r.msg_id, CAIRN_MSG_ID_BYTES);
	return 1;
}

static int
visit(void *arg, uint64_t seq, const uint8_t *val, size_t len)
{
	struct page_ctx *x = arg;
	struct cairn_ctl_audit_entry *e;
	uint8_t	 id[CAIRN_MSG_ID_BYTES];
	size_t	 cost, max;
	int	 issued;

	max = x->records ? CAIRN_AUDIT_MAX_BYTES :
	    CAIRN_AUDIT_CHECKPOINT_MAX_BYTES;
	cost = FRAME_BYTES + (len <= max ? len : 0);
	if (x->records && len <= max && reply_db(val, len, id, &issued))
		cost += FRAME_BYTES + CAIRN_REPLY_MAX_BYTES;
	if (x->n == x->limit || x->used + cost > x->max) {
		x->page->more = true;
		return 1;
	}
	e = &x->v[x->n++];
	e->seq = seq;
	if (len > max)
		e->code = CAIRN_ETOOBIG;
	else if (len > 0) {
		memcpy(x->page->buf + x->off, val, len);
		e->data = x->page->buf + x->off;
		e->len = len;
		x->off += len;
	}
	x->used += cost;
	/* a key that is not a seq ends the walk, as it does offline */
	return seq == 0 || seq == UINT64_MAX ? 1 : 0;
}

/*
 * Appends the reply kept for id at *off in the page's buffer (room was
 * reserved for it); one that is not kept (a dedup entry that expired) is
 * left out.
 */
static int
add_reply(struct store *st, struct cairn_ctl_audit *page, size_t *used,
    const uint8_t *id, int issued)
{
	struct cairn_ctl_audit_reply *r = &page->replies[page->nreplies];
	uint8_t	*buf = NULL;
	size_t	 len = 0;
	int	 rc;

	rc = issued ? store_dedup_get(st, NULL, id, &buf, &len) :
	    store_receipt_get(st, NULL, id, &buf, &len);
	if (rc == CAIRN_ENOTFOUND)
		return 0;
	if (rc == -ENOMEM)
		return rc;
	memset(r, 0, sizeof(*r));
	memcpy(r->msg_id, id, CAIRN_MSG_ID_BYTES);
	r->issued = issued;
	if (rc == 0 && len > CAIRN_REPLY_MAX_BYTES)
		rc = CAIRN_ETOOBIG;
	else if (rc == 0 && len == 0)
		rc = CAIRN_ECORRUPT;
	if (rc == 0) {
		memcpy(page->buf + *used, buf, len);
		r->data = page->buf + *used;
		r->len = len;
		*used += len;
	} else
		r->code = rc < 0 ? rc : CAIRN_ESTORE;
	free(buf);
	page->nreplies++;
	return 0;
}

static int
add_related(struct page_ctx *x, const uint8_t *id, int outgoing)
{
	struct cairn_ctl_audit *p = x->page;

	if (p->nrelated == CAIRN_CTL_AUDIT_RELATED_MAX)
		return 1;
	memcpy(p->related[p->nrelated].msg_id, id, CAIRN_MSG_ID_BYTES);
	p->related[p->nrelated].outgoing = outgoing;
	p->nrelated++;
	return 0;
}

static int
out_related(void *arg, const struct store_out *o)
{
	struct page_ctx *x = arg;

	if (!o->has_reply_to ||
	    memcmp(o->in_reply_to, x->related_to, CAIRN_MSG_ID_BYTES) != 0)
		return 0;
	return add_related(x, o->msg_id, 1);
}

static int
in_related(void *arg, const struct store_in *m)
{
	struct page_ctx *x = arg;

	if (!m->has_reply_to ||
	    memcmp(m->in_reply_to, x->related_to, CAIRN_MSG_ID_BYTES) != 0)
		return 0;
	return add_related(x, m->msg_id, 0);
}

int
auditq_page(struct store *st, const struct cairn_ctl_request *req,
    struct cairn_ctl_audit *page)
{
	struct page_ctx	 x;
	uint8_t		 id[CAIRN_MSG_ID_BYTES];
	size_t		 i;
	int		 issued, rc;

	memset(page, 0, sizeof(*page));
	memset(&x, 0, sizeof(x));
	x.page = page;
	x.records = !req->checkpoints;
	x.limit = req->limit != 0 && req->limit < CAIRN_CTL_AUDIT_MAX ?
	    req->limit : CAIRN_CTL_AUDIT_MAX;
	x.max = CAIRN_CTL_AUDIT_PAGE_BYTES;
	if ((page->buf = malloc(x.max)) == NULL ||
	    (x.v = calloc(x.limit, sizeof(*x.v))) == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	rc = store_audit_raw(st, req->checkpoints, req->from_seq,
	    &page->head_seq, page->head_hash, visit, &x);
	if (rc < 0)
		goto fail;
	if (x.records) {
		page->records = x.v;
		page->nrecords = x.n;
	} else {
		page->checkpoints = x.v;
		page->ncheckpoints = x.n;
	}
	x.v = NULL;
	if (page->nrecords > 0 && (page->replies = calloc(page->nrecords,
	    sizeof(*page->replies))) == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < page->nrecords; i++) {
		if (page->records[i].code != 0 ||
		    !reply_db(page->records[i].data, page->records[i].len, id,
		    &issued))
			continue;
		if ((rc = add_reply(st, page, &x.off, id, issued)) != 0)
			goto fail;
	}
	if (req->related) {
		if ((page->related = calloc(CAIRN_CTL_AUDIT_RELATED_MAX,
		    sizeof(*page->related))) == NULL) {
			rc = -ENOMEM;
			goto fail;
		}
		x.related_to = req->msg_id;
		if ((rc = store_out_each(st, out_related, &x)) < 0 ||
		    (rc = store_in_each(st, in_related, &x)) < 0)
			goto fail;
	}
	return 0;
fail:
	free(x.v);
	cairn_ctl_audit_clear(page);
	return rc;
}

/* SPDX-License-Identifier: MIT */
/*
 * control: local client requests (see control.h).
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "daemon/control.h"
#include "daemon/log.h"

#define IDENT_MAX	256

struct control {
	void		*sock;
	char		*path;
	struct workflow	*wf;
	const struct access *access;
	/* one pass's requests, decoded before any is handled */
	struct slot	*slots;
	const struct cairn_ctl_request **reqs;
	struct submit_prep *preps;
	size_t		 cap;
	size_t		 nread;		/* read, not handled yet */
};

/* A request read in this pass, with its caller and decoded form. */
struct slot {
	struct answer	*a;
	zmq_msg_t	 body;		/* until decoded */
	struct cairn_ctl_request_msg *m;
	const struct cairn_ctl_request *req;
	int		 rc;		/* of decoding */
	uint64_t	 tag;
	int64_t		 uid, gid;
	struct access_roles roles;
};

struct answer {
	struct control	*c;
	uint8_t		 ident[IDENT_MAX];
	size_t		 idlen;
	struct cairn_ctl_reply rep;
};

static void	answer_clear(struct answer *);

int
control_init(struct control **out, void *ctx, const char *path,
    const char *group, struct workflow *wf, const struct access *access)
{
	struct group *gr = NULL;
	struct control *c;
	char	 ep[4200];
	int64_t	 maxsz = CAIRN_CTL_MAX_BYTES;
	int	 zero = 0, one = 1, hwm = CAIRN_CLIENT_PENDING_MAX, rc;
	mode_t	 old;

	*out = NULL;
	if (strlen(path) + 7 > sizeof(ep) || strlen(path) > 107)
		return -ENAMETOOLONG;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->path = strdup(path)) == NULL) {
		free(c);
		return -ENOMEM;
	}
	c->wf = wf;
	c->access = access;
	if (group != NULL && group[0] != '\0' &&
	    (gr = getgrnam(group)) == NULL) {
		rc = -ENOENT;
		goto fail;
	}
	snprintf(ep, sizeof(ep), "ipc://%s", path);
	if ((c->sock = zmq_socket(ctx, ZMQ_ROUTER)) == NULL ||
	    zmq_setsockopt(c->sock, ZMQ_MAXMSGSIZE, &maxsz, sizeof(maxsz)) ||
	    zmq_setsockopt(c->sock, ZMQ_LINGER, &zero, sizeof(zero)) ||
	    /*
	     * A client may have up to CAIRN_CLIENT_PENDING_MAX submits in
	     * flight, and one pass answers hundreds at once: ZeroMQ's
	     * default queue of 1,000 messages per peer dropped answers to
	     * messages already accepted.  A full queue is now an error
	     * (logged) instead of a silent drop.
	     */
	    zmq_setsockopt(c->sock, ZMQ_SNDHWM, &hwm, sizeof(hwm)) ||
	    zmq_setsockopt(c->sock, ZMQ_RCVHWM, &hwm, sizeof(hwm)) ||
	    zmq_setsockopt(c->sock, ZMQ_ROUTER_MANDATORY, &one, sizeof(one))) {
		rc = -errno;
		goto fail;
	}
	if (unlink(path) != 0 && errno != ENOENT) {
		rc = -errno;
		goto fail;
	}
	/* no window in which others could connect to a wide-open socket */
	old = umask(0117);
	rc = zmq_bind(c->sock, ep);
	umask(old);
	if (rc != 0) {
		rc = -errno;
		goto fail;
	}
	if (chmod(path, 0660) != 0 ||
	    (gr != NULL && chown(path, (uid_t)-1, gr->gr_gid) != 0)) {
		rc = -errno;
		goto fail;
	}
	*out = c;
	return 0;
fail:
	control_shutdown(c);
	return rc;
}

void
control_shutdown(struct control *c)
{
	size_t	i;

	if (c == NULL)
		return;
	/* requests read and never handled (the loop does not leave any):
	 * unanswered, so their clients cannot take them as accepted */
	if (c->nread > 0)
		workflow_prepare_wait(c->wf);
	for (i = 0; i < c->nread; i++) {
		workflow_prep_clear(&c->preps[i]);
		cairn_ctl_request_free(c->slots[i].m);
		answer_clear(c->slots[i].a);
	}
	if (c->sock != NULL)
		zmq_close(c->sock);
	if (c->path != NULL)
		unlink(c->path);
	free(c->path);
	free(c->slots);
	free(c->reqs);
	free(c->preps);
	free(c);
}

void
control_set_access(struct control *c, const struct access *access)
{
	c->access = access;
}

void *
control_socket(struct control *c)
{
	return c->sock;
}

static void
send_reply(struct control *c, const uint8_t *ident, size_t idlen,
    const struct cairn_ctl_reply *rep)
{
	uint8_t	*buf;
	size_t	 len;

	if (cairn_ctl_reply_encode(rep, &buf, &len) != 0) {
		log_warnx("control: cannot encode reply");
		return;
	}
	if (zmq_send(c->sock, ident, idlen, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
	    zmq_send(c->sock, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
	    zmq_send(c->sock, buf, len, ZMQ_DONTWAIT) < 0) {
		static struct log_ratelimit rl =
		    LOG_RATELIMIT_INIT("control: full answer queues", 5);

		/* gone (EHOSTUNREACH) is normal; a full queue is not */
		if (errno == EAGAIN && log_ratelimit(&rl, workflow_now()))
			log_warnx("control: a client's queue of answers is "
			    "full (%d); an answer was dropped",
			    CAIRN_CLIENT_PENDING_MAX);
	}
	sodium_memzero(buf, len);
	free(buf);
}

static void
set_error(struct cairn_ctl_reply *rep, int code, const char *text)
{
	rep->code = code;
	snprintf(rep->error, sizeof(rep->error), "%s",
	    text != NULL && text[0] ? text : cairn_strerror(code));
}

static void
answer_clear(struct answer *a)
{
	if (a->rep.payload != NULL) {
		sodium_memzero(a->rep.payload, a->rep.payload_len);
		free(a->rep.payload);
	}
	free(a->rep.infos);
	free(a->rep.cases);
	free(a->rep.stats.peers);
	cairn_ctl_audit_clear(&a->rep.audit);
	free(a);
}

/* Runs after the pass's commit. */
static void
answer_done(void *arg, int rc)
{
	struct answer *a = arg;

	if (rc != 0) {
		if (a->rep.payload != NULL) {
			sodium_memzero(a->rep.payload, a->rep.payload_len);
			free(a->rep.payload);
			a->rep.payload = NULL;
			a->rep.payload_len = 0;
		}
		free(a->rep.infos);
		a->rep.infos = NULL;
		a->rep.ninfos = 0;
		memset(a->rep.msg_id, 0, sizeof(a->rep.msg_id));
		set_error(&a->rep, rc, rc == CAIRN_ENOSPACE ?
		    "the daemon's store is full; message not accepted" :
		    "the daemon could not store this durably; "
		    "message not accepted");
	}
	send_reply(a->c, a->ident, a->idlen, &a->rep);
	answer_clear(a);
}

/*
 * The caller's uid and gid from ZeroMQ's peer address of an ipc
 * connection, which libzmq builds from SO_PEERCRED as "HOST:uid:gid:pid".
 * Returns 0, or -1 when the credentials are missing.
 */
static int
peer_cred(zmq_msg_t *msg, int64_t *uid, int64_t *gid)
{
	const char *pa = zmq_msg_gets(msg, "Peer-Address");
	const char *p[3];
	long long u, g;
	int	 n = 0;
	size_t	 i;

	*uid = *gid = -1;
	if (pa == NULL)
		return -1;
	for (i = strlen(pa); i > 0 && n < 3; i--)
		if (pa[i - 1] == ':')
			p[n++] = pa + i;
	/* p[2] is uid, p[1] gid, p[0] pid */
	if (n < 3 || sscanf(p[2], "%lld:", &u) != 1 ||
	    sscanf(p[1], "%lld:", &g) != 1 || u < 0 || g < 0)
		return -1;
	*uid = u;
	*gid = g;
	return 0;
}

/* Refuses a request the caller's roles do not allow, and audits it. */
static void
deny(struct control *c, struct answer *a, const uint8_t *msg_id,
    const char *what, int64_t uid)
{
	char	text[256];

	snprintf(text, sizeof(text), "permission denied: %s", what);
	set_error(&a->rep, CAIRN_EDENIED, text);
	(void)workflow_audit(c->wf, CAIRN_AUDIT_DENIED, msg_id, NULL, NULL,
	    NULL, CAIRN_EDENIED, uid);
}

static void
handle(struct control *c, struct slot *sl, struct submit_prep *sp)
{
	struct answer *a = sl->a;
	struct cairn_ctl_request_msg *m = sl->m;
	const struct cairn_ctl_request *req = sl->req;
	const struct access_roles roles = sl->roles;
	struct cairn_ctl_info *info;
	const char *fn;
	char	 err[256];
	int64_t	 uid = sl->uid;
	int	 rc;

	/* even a request the decoder refuses is answered with its tag */
	a->rep.tag = sl->tag;
	if ((rc = sl->rc) != 0) {
		set_error(&a->rep, rc, NULL);
		goto now;
	}
	if (!access_any(&roles)) {
		deny(c, a, NULL, "this user has no role at this organisation's "
		    "cairnd (see [access] in cairnd.conf)", uid);
		goto later;
	}
	switch (req->command) {
	case CAIRN_CTL_PING:
		goto now;
	case CAIRN_CTL_STATS:
		if (!roles.admin && !roles.auditor) {
			deny(c, a, NULL, "stats are for the admin and auditor "
			    "roles", uid);
			goto later;
		}
		if ((rc = workflow_stats(c->wf, &a->rep.stats)) != 0)
			set_error(&a->rep, rc, NULL);
		else
			a->rep.has_stats = true;
		goto now;
	case CAIRN_CTL_AUDIT:
		if (!roles.admin && !roles.auditor) {
			deny(c, a, NULL, "the audit trail is for the admin "
			    "and auditor roles", uid);
			goto later;
		}
		if ((rc = workflow_audit_page(c->wf, req,
		    &a->rep.audit)) != 0)
			set_error(&a->rep, rc, NULL);
		else
			a->rep.has_audit = true;
		goto now;
	case CAIRN_CTL_SUBMIT:
		rc = workflow_submit(c->wf, req, sp, &roles, uid,
		    a->rep.msg_id, err, sizeof(err));
		if (rc != 0) {
			set_error(&a->rep, rc, err);
			memset(a->rep.msg_id, 0, sizeof(a->rep.msg_id));
		}
		goto later;
	case CAIRN_CTL_STATUS:
	case CAIRN_CTL_SHOW:
		if ((info = calloc(1, sizeof(*info))) == NULL) {
			set_error(&a->rep, -ENOMEM, NULL);
			goto now;
		}
		a->rep.infos = info;
		if ((rc = workflow_status(c->wf, req->msg_id, info)) != 0) {
			set_error(&a->rep, rc, rc == CAIRN_ENOTFOUND ?
			    "no message with this id" : NULL);
			goto now;
		}
		fn = info->outgoing ? info->from_function : info->to_function;
		if (req->command == CAIRN_CTL_STATUS) {
			if (!access_may_see(&roles, fn)) {
				deny(c, a, req->msg_id, "this message belongs "
				    "to a function you do not hold", uid);
				goto later;
			}
			a->rep.ninfos = 1;
			goto now;
		}
		if (!access_may_act(&roles, fn)) {
			deny(c, a, req->msg_id, roles.auditor && !roles.admin &&
			    roles.nfunctions == 0 ? "auditors see metadata "
			    "only, never content" : "this message belongs to "
			    "a function you do not hold", uid);
			goto later;
		}
		rc = workflow_show(c->wf, req->msg_id, uid, info,
		    &a->rep.payload, &a->rep.payload_len);
		if (rc != 0) {
			a->rep.payload_len = 0;
			set_error(&a->rep, rc, rc == CAIRN_ENOTFOUND ?
			    "no received message with this id (the content "
			    "of sent messages is sealed to their recipient)" :
			    rc == CAIRN_ESTATE ? "the request was withdrawn by "
			    "its sender; its content is no longer shown" :
			    NULL);
			goto now;
		}
		a->rep.ninfos = 1;
		goto later;
	case CAIRN_CTL_OUTBOX:
	case CAIRN_CTL_INBOX:
		if (req->function[0] != '\0' &&
		    !access_may_see(&roles, req->function)) {
			deny(c, a, NULL, "you do not hold this function", uid);
			goto later;
		}
		/*
		 * Filtered by role before the cap, so that "more exist"
		 * means more that this caller may see.
		 */
		rc = workflow_list(c->wf, req->command, &roles, req->function,
		    req->limit, &a->rep.infos, &a->rep.ninfos,
		    &a->rep.truncated);
		if (rc != 0)
			set_error(&a->rep, rc, NULL);
		goto now;
	case CAIRN_CTL_CASES:
	case CAIRN_CTL_OVERDUE:
		if (req->function[0] != '\0' &&
		    !access_may_see(&roles, req->function)) {
			deny(c, a, NULL, "you do not hold this function", uid);
			goto later;
		}
		rc = workflow_cases(c->wf, req->command == CAIRN_CTL_OVERDUE,
		    &roles, req->function, req->state, &a->rep.cases,
		    &a->rep.ncases, &a->rep.truncated);
		if (rc != 0)
			set_error(&a->rep, rc, NULL);
		goto now;
	default:
		set_error(&a->rep, CAIRN_EPROTO, NULL);
		goto now;
	}
later:
	cairn_ctl_request_free(m);
	workflow_defer(c->wf, answer_done, a);
	return;
now:
	cairn_ctl_request_free(m);
	send_reply(c, a->ident, a->idlen, &a->rep);
	answer_clear(a);
}

/* Room for max requests in one pass. */
static int
reserve(struct control *c, size_t max)
{
	struct slot *sl;
	const struct cairn_ctl_request **rq;
	struct submit_prep *pp;

	if (max <= c->cap)
		return 0;
	if ((sl = reallocarray(c->slots, max, sizeof(*sl))) == NULL)
		return -ENOMEM;
	c->slots = sl;
	if ((rq = reallocarray(c->reqs, max, sizeof(*rq))) == NULL)
		return -ENOMEM;
	c->reqs = rq;
	if ((pp = reallocarray(c->preps, max, sizeof(*pp))) == NULL)
		return -ENOMEM;
	c->preps = pp;
	c->cap = max;
	return 0;
}

/*
 * Reads up to max requests, decodes them all, has the workflow prepare
 * (seal) the submits among them on its worker threads, then handles them
 * in the order they came.
 */
size_t
control_read(struct control *c, size_t max)
{
	zmq_msg_t frames[3];
	struct slot *sl;
	size_t	 i, n = 0, sz;
	int	 nf, more, empty;

	control_handle(c);	/* the slots are free again */
	if (reserve(c, max) != 0) {
		log_warnx("control: out of memory");
		return 0;
	}
	for (i = 0; i < max; i++) {
		nf = 0;
		empty = 0;
		do {
			if (nf == 3) {
				zmq_msg_t junk;

				zmq_msg_init(&junk);
				zmq_msg_recv(&junk, c->sock, ZMQ_DONTWAIT);
				zmq_msg_close(&junk);
			} else {
				zmq_msg_init(&frames[nf]);
				if (zmq_msg_recv(&frames[nf], c->sock,
				    ZMQ_DONTWAIT) < 0) {
					zmq_msg_close(&frames[nf]);
					empty = nf == 0;
					break;
				}
				nf++;
			}
			sz = sizeof(more);
			if (zmq_getsockopt(c->sock, ZMQ_RCVMORE, &more,
			    &sz) != 0)
				more = 0;
		} while (more);
		/*
		 * a REQ client (or a DEALER that sends the empty delimiter
		 * itself, as libcairn does) sends identity, delimiter, body
		 */
		sl = &c->slots[n];
		if (nf == 3 && zmq_msg_size(&frames[1]) == 0 &&
		    zmq_msg_size(&frames[0]) <= IDENT_MAX &&
		    (sl->a = calloc(1, sizeof(*sl->a))) != NULL) {
			sl->a->c = c;
			sl->a->idlen = zmq_msg_size(&frames[0]);
			memcpy(sl->a->ident, zmq_msg_data(&frames[0]),
			    sl->a->idlen);
			zmq_msg_init(&sl->body);
			zmq_msg_move(&sl->body, &frames[2]);
			(void)peer_cred(&sl->body, &sl->uid, &sl->gid);
			access_roles(c->access, sl->uid, sl->gid, &sl->roles);
			sl->m = NULL;
			sl->req = NULL;
			sl->tag = cairn_ctl_request_tag(zmq_msg_data(&sl->body),
			    zmq_msg_size(&sl->body));
			sl->rc = cairn_ctl_request_decode(&sl->m, &sl->req,
			    zmq_msg_data(&sl->body), zmq_msg_size(&sl->body));
			/* decoded into m: the frame (up to 32 MiB, a
			 * payload) goes now */
			sodium_memzero(zmq_msg_data(&sl->body),
			    zmq_msg_size(&sl->body));
			zmq_msg_close(&sl->body);
			/* only the requests of someone with a role */
			c->reqs[n] = sl->rc == 0 && access_any(&sl->roles) ?
			    sl->req : NULL;
			n++;
		}
		while (nf > 0)
			zmq_msg_close(&frames[--nf]);
		if (empty)
			break;
	}
	c->nread = n;
	workflow_prepare_start(c->wf, c->reqs, c->preps, n);
	return n;
}

size_t
control_handle(struct control *c)
{
	size_t	i, n = c->nread;

	if (n == 0)
		return 0;
	c->nread = 0;
	workflow_prepare_wait(c->wf);
	for (i = 0; i < n; i++) {
		handle(c, &c->slots[i], &c->preps[i]);
		workflow_prep_clear(&c->preps[i]);
	}
	return n;
}

int
control_pending(const struct control *c)
{
	return c->nread > 0;
}

void
control_ready(struct control *c, size_t max)
{
	(void)control_read(c, max);
	control_handle(c);
}

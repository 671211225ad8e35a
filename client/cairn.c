/* SPDX-License-Identifier: MIT */
/*
 * libcairn client (see cairn.h): one DEALER socket to the local daemon,
 * each request carrying a tag that its reply echoes, each checked by
 * proto/control.c.  A call sends one request and waits for the reply with
 * its tag; pipelined submits (cairn_client_submit_send/_recv) keep several
 * in flight and take their answers in whatever order they come.
 *
 * A late reply must never be taken for the answer to another request: the
 * tags see to that, and after any failed exchange the socket is thrown
 * away and a fresh one connected, so nothing stale is even read.
 * Not for: retries (the caller decides), the daemon's side.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>
#include <zmq.h>

#include "client/cairn.h"
#include "proto/sig.h"

#define SUN_PATH_BYTES	sizeof(((struct sockaddr_un *)0)->sun_path)
#define ENDPOINT_MAX	(sizeof("ipc://") + SUN_PATH_BYTES)

struct cairn_client {
	void	*ctx;
	void	*sock;
	int	 timeout_ms;
	uint64_t next_tag;	/* the last tag sent */
	uint64_t *tags;		/* pipelined submits not yet answered */
	size_t	 pending, tags_cap;
	char	 endpoint[ENDPOINT_MAX];
	char	 error[sizeof(((struct cairn_ctl_reply *)0)->error)];
	bool	 truncated;
};

static int	 sock_open(struct cairn_client *);
static void	 sock_close(struct cairn_client *);
static int	 exchange(struct cairn_client *,
		    const struct cairn_ctl_request *, struct cairn_ctl_reply *);
static int	 send_request(struct cairn_client *,
		    struct cairn_ctl_request *);
static int	 recv_frame(struct cairn_client *, zmq_msg_t *);
static int	 recv_reply(struct cairn_client *, struct cairn_ctl_reply *);
static void	 sock_reset(struct cairn_client *);
static int	 submit_request(const char *, const char *,
		    const struct cairn_payload *, const uint8_t *, uint32_t,
		    struct cairn_ctl_request *);
static int	 call(struct cairn_client *, const struct cairn_ctl_request *,
		    struct cairn_ctl_reply *);
static int	 take_one(const struct cairn_ctl_reply *, const uint8_t *,
		    struct cairn_ctl_info *);
static int	 submit(struct cairn_client *, struct cairn_ctl_request *,
		    const struct cairn_payload *, uint8_t *);
static const uint8_t *payload_request_id(const struct cairn_payload *);
static void	 wipe_free(void *, void *);
static int64_t	 now_ms(void);
static int	 zerr(void);

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* errno after a failed zmq call, as a cairn code. */
static int
zerr(void)
{
	int	e = zmq_errno();

	if (e == EAGAIN)
		return CAIRN_ETIMEOUT;
	return e > 0 ? -e : CAIRN_EPROTO;
}

static int
sock_open(struct cairn_client *c)
{
	int64_t	maxsize = CAIRN_CTL_MAX_BYTES;
	int	linger = 0, hwm = CAIRN_CLIENT_PENDING_MAX, rc;

	if ((c->sock = zmq_socket(c->ctx, ZMQ_DEALER)) == NULL)
		return zerr();
	if (zmq_setsockopt(c->sock, ZMQ_LINGER, &linger, sizeof(linger)) ||
	    zmq_setsockopt(c->sock, ZMQ_RCVTIMEO, &c->timeout_ms,
	    sizeof(c->timeout_ms)) ||
	    zmq_setsockopt(c->sock, ZMQ_SNDTIMEO, &c->timeout_ms,
	    sizeof(c->timeout_ms)) ||
	    zmq_setsockopt(c->sock, ZMQ_MAXMSGSIZE, &maxsize,
	    sizeof(maxsize)) ||
	    /* room for every answer to the submits in flight */
	    zmq_setsockopt(c->sock, ZMQ_RCVHWM, &hwm, sizeof(hwm)) ||
	    zmq_setsockopt(c->sock, ZMQ_SNDHWM, &hwm, sizeof(hwm)) ||
	    zmq_connect(c->sock, c->endpoint) != 0) {
		rc = zerr();
		sock_close(c);
		return rc;
	}
	return 0;
}

static void
sock_close(struct cairn_client *c)
{
	if (c->sock != NULL)
		zmq_close(c->sock);
	c->sock = NULL;
}

/* After a failed exchange: nothing in flight on the old socket counts. */
static void
sock_reset(struct cairn_client *c)
{
	sock_close(c);
	c->pending = 0;
	(void)sock_open(c);
}

int
cairn_client_open(struct cairn_client **out, const char *socket_path,
    int timeout_ms)
{
	struct cairn_client *c;
	struct stat st;
	const char *path = socket_path;
	int	rc;

	*out = NULL;
	if (timeout_ms < 0)
		return CAIRN_EINVAL;
	if (path == NULL && ((path = getenv(CAIRN_SOCKET_ENV)) == NULL ||
	    path[0] == '\0'))
		path = CAIRN_SOCKET_DEFAULT;
	if (strlen(path) >= SUN_PATH_BYTES)
		return -ENAMETOOLONG;
	/* ZeroMQ connects in the background and would just wait: ask first. */
	if (stat(path, &st) != 0)
		return -errno;
	if (!S_ISSOCK(st.st_mode))
		return -ENOTSOCK;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -ENOMEM;
	c->timeout_ms = timeout_ms ? timeout_ms : CAIRN_TIMEOUT_DEFAULT;
	(void)snprintf(c->endpoint, sizeof(c->endpoint), "ipc://%s", path);
	if ((c->ctx = zmq_ctx_new()) == NULL) {
		rc = zerr();
		goto fail;
	}
	if ((rc = sock_open(c)) != 0)
		goto fail;
	*out = c;
	return 0;
fail:
	cairn_client_close(c);
	return rc;
}

void
cairn_client_close(struct cairn_client *c)
{
	if (c == NULL)
		return;
	sock_close(c);
	if (c->ctx != NULL)
		zmq_ctx_term(c->ctx);
	free(c->tags);
	sodium_memzero(c, sizeof(*c));
	free(c);
}

const char *
cairn_client_error(const struct cairn_client *c)
{
	return c->error;
}

bool
cairn_client_truncated(const struct cairn_client *c)
{
	return c->truncated;
}

/* ZeroMQ owns the request once sent; this is how it gives it back. */
static void
wipe_free(void *data, void *hint)
{
	sodium_memzero(data, (size_t)(uintptr_t)hint);
	free(data);
}

/* Sends req with the next tag (left in req->tag). */
static int
send_request(struct cairn_client *c, struct cairn_ctl_request *req)
{
	zmq_msg_t msg;
	uint8_t	*buf;
	size_t	 len;
	int	 rc;

	req->tag = ++c->next_tag;
	if ((rc = cairn_ctl_request_encode(req, &buf, &len)) != 0)
		return rc;
	/* the empty delimiter a REQ socket would send: ROUTER expects it */
	if (zmq_send(c->sock, "", 0, ZMQ_SNDMORE) != 0) {
		rc = zerr();
		wipe_free(buf, (void *)(uintptr_t)len);
		return rc;
	}
	/* Zero-copy, so that no unwiped copy of a payload is left behind. */
	if (zmq_msg_init_data(&msg, buf, len, wipe_free,
	    (void *)(uintptr_t)len) != 0) {
		wipe_free(buf, (void *)(uintptr_t)len);
		return -ENOMEM;
	}
	if (zmq_msg_send(&msg, c->sock, 0) < 0) {
		rc = zerr();
		zmq_msg_close(&msg);
		return rc;
	}
	return 0;
}

/* Receives one frame into msg, which the caller closes on success. */
static int
recv_frame(struct cairn_client *c, zmq_msg_t *msg)
{
	int	rc;

	zmq_msg_init(msg);
	if (zmq_msg_recv(msg, c->sock, 0) >= 0)
		return 0;
	rc = zerr();
	zmq_msg_close(msg);
	return rc;
}

static int
recv_reply(struct cairn_client *c, struct cairn_ctl_reply *rep)
{
	zmq_msg_t msg;
	int	rc, more;

	/* the empty delimiter, then the reply */
	if ((rc = recv_frame(c, &msg)) != 0)
		return rc;
	rc = zmq_msg_size(&msg) != 0 || !zmq_msg_more(&msg);
	zmq_msg_close(&msg);
	if (rc)
		return CAIRN_EPROTO;
	if ((rc = recv_frame(c, &msg)) != 0)
		return rc;
	more = zmq_msg_more(&msg);
	rc = cairn_ctl_reply_decode(rep, zmq_msg_data(&msg),
	    zmq_msg_size(&msg));
	sodium_memzero(zmq_msg_data(&msg), zmq_msg_size(&msg));
	zmq_msg_close(&msg);
	if (rc == -ENOMEM)
		return rc;
	if (rc != 0 || more) {
		/* The socket is reset after this; the rest is never read. */
		cairn_ctl_reply_clear(rep);
		return CAIRN_EPROTO;
	}
	return 0;
}

static int
exchange(struct cairn_client *c, const struct cairn_ctl_request *req,
    struct cairn_ctl_reply *rep)
{
	struct cairn_ctl_request r = *req;
	int	rc;

	memset(rep, 0, sizeof(*rep));
	/* its reply could not be told from the pipelined submits' answers */
	if (c->pending != 0)
		return -EBUSY;
	if (c->sock == NULL && (rc = sock_open(c)) != 0)
		return rc;
	if ((rc = send_request(c, &r)) == 0 &&
	    (rc = recv_reply(c, rep)) == 0) {
		if (rep->tag == r.tag)
			return 0;
		cairn_ctl_reply_clear(rep);
		rc = CAIRN_EPROTO;
	}
	/* Encoding refused it: nothing was sent, the socket is still good. */
	if (rc == CAIRN_EINVAL)
		return rc;
	sock_reset(c);
	return rc;
}

/*
 * One exchange; a refusal by the daemon becomes its code, with its text
 * kept for cairn_client_error().
 */
static int
call(struct cairn_client *c, const struct cairn_ctl_request *req,
    struct cairn_ctl_reply *rep)
{
	int	rc;

	c->error[0] = '\0';
	c->truncated = false;
	if ((rc = exchange(c, req, rep)) != 0)
		return rc;
	if (rep->code != 0) {
		rc = rep->code;
		memcpy(c->error, rep->error, sizeof(c->error));
		cairn_ctl_reply_clear(rep);
		return rc;
	}
	return 0;
}

static int
take_one(const struct cairn_ctl_reply *rep, const uint8_t *id,
    struct cairn_ctl_info *out)
{
	if (rep->ninfos != 1 ||
	    memcmp(rep->infos[0].msg_id, id, CAIRN_MSG_ID_BYTES) != 0)
		return CAIRN_EPROTO;
	if (out != NULL)
		*out = rep->infos[0];
	return 0;
}

/*
 * Encodes p into req (whose addresses the caller has filled in), sends it
 * and takes the new message's id.
 */
static int
submit(struct cairn_client *c, struct cairn_ctl_request *req,
    const struct cairn_payload *p, uint8_t *msg_id)
{
	static const uint8_t zero[CAIRN_MSG_ID_BYTES];
	struct cairn_ctl_reply rep;
	uint8_t	*pl = NULL;
	size_t	 pllen = 0;
	int	 rc;

	if ((rc = cairn_payload_encode(p, now_ms(), &pl, &pllen)) != 0)
		return rc;
	if (pllen > CAIRN_PAYLOAD_MAX_BYTES) {
		rc = CAIRN_ETOOBIG;
		goto out;
	}
	req->command = CAIRN_CTL_SUBMIT;
	req->payload = pl;
	req->payload_len = pllen;
	if ((rc = call(c, req, &rep)) != 0)
		goto out;
	if (memcmp(rep.msg_id, zero, sizeof(zero)) == 0)
		rc = CAIRN_EPROTO;
	else
		memcpy(msg_id, rep.msg_id, CAIRN_MSG_ID_BYTES);
	cairn_ctl_reply_clear(&rep);
out:
	sodium_memzero(pl, pllen);
	free(pl);
	return rc;
}

/* Checks the addresses of a submit and fills them into req. */
static int
submit_request(const char *from_function, const char *to_address,
    const struct cairn_payload *p, const uint8_t *in_reply_to, uint32_t ttl_s,
    struct cairn_ctl_request *req)
{
	int	rc;

	memset(req, 0, sizeof(*req));
	if (from_function == NULL || cairn_valid_function(from_function) != 0)
		return CAIRN_EFUNCTION;
	if ((rc = cairn_valid_address(to_address, req->to_org,
	    req->to_function)) != 0)
		return rc;
	if (p == NULL)
		return CAIRN_EINVAL;
	(void)snprintf(req->from_function, sizeof(req->from_function), "%s",
	    from_function);
	req->ttl_s = ttl_s;
	if (in_reply_to != NULL) {
		req->has_reply_to = true;
		memcpy(req->in_reply_to, in_reply_to, CAIRN_MSG_ID_BYTES);
	}
	return 0;
}

int
cairn_client_submit(struct cairn_client *c, const char *from_function,
    const char *to_address, const struct cairn_payload *p,
    const uint8_t *in_reply_to, uint32_t ttl_s,
    uint8_t msg_id[static CAIRN_MSG_ID_BYTES])
{
	struct cairn_ctl_request req;
	int	 rc;

	memset(msg_id, 0, CAIRN_MSG_ID_BYTES);
	c->error[0] = '\0';
	c->truncated = false;
	if ((rc = submit_request(from_function, to_address, p, in_reply_to,
	    ttl_s, &req)) != 0)
		return rc;
	return submit(c, &req, p, msg_id);
}

int
cairn_client_submit_send(struct cairn_client *c, const char *from_function,
    const char *to_address, const struct cairn_payload *p,
    const uint8_t *in_reply_to, uint32_t ttl_s, uint64_t *ticket)
{
	struct cairn_ctl_request req;
	uint8_t	*pl = NULL;
	size_t	 pllen = 0;
	int	 rc;

	*ticket = 0;
	c->error[0] = '\0';
	if ((rc = submit_request(from_function, to_address, p, in_reply_to,
	    ttl_s, &req)) != 0)
		return rc;
	if ((rc = cairn_payload_encode(p, now_ms(), &pl, &pllen)) != 0)
		return rc;
	if (pllen > CAIRN_PAYLOAD_MAX_BYTES) {
		rc = CAIRN_ETOOBIG;
		goto out;
	}
	if (c->pending >= CAIRN_CLIENT_PENDING_MAX) {
		rc = -ENOBUFS;
		goto out;
	}
	if (c->pending == c->tags_cap) {
		size_t	 cap = c->tags_cap ? 2 * c->tags_cap : 64;
		uint64_t *t = realloc(c->tags, cap * sizeof(*t));

		if (t == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		c->tags = t;
		c->tags_cap = cap;
	}
	if (c->sock == NULL && (rc = sock_open(c)) != 0)
		goto out;
	req.command = CAIRN_CTL_SUBMIT;
	req.payload = pl;
	req.payload_len = pllen;
	if ((rc = send_request(c, &req)) != 0) {
		/* a half-sent request would garble the stream */
		if (rc != CAIRN_EINVAL)
			sock_reset(c);
		goto out;
	}
	c->tags[c->pending++] = req.tag;
	*ticket = req.tag;
out:
	sodium_memzero(pl, pllen);
	free(pl);
	return rc;
}

int
cairn_client_submit_recv(struct cairn_client *c, uint64_t *ticket,
    uint8_t msg_id[static CAIRN_MSG_ID_BYTES])
{
	static const uint8_t zero[CAIRN_MSG_ID_BYTES];
	struct cairn_ctl_reply rep;
	size_t	 i;
	int	 rc;

	*ticket = 0;
	memset(msg_id, 0, CAIRN_MSG_ID_BYTES);
	c->error[0] = '\0';
	if (c->pending == 0)
		return CAIRN_EINVAL;
	if ((rc = recv_reply(c, &rep)) != 0)
		goto lost;
	for (i = 0; i < c->pending && c->tags[i] != rep.tag; i++)
		;
	/* a tag not in flight: the stream can no longer be trusted */
	if (i == c->pending) {
		cairn_ctl_reply_clear(&rep);
		rc = CAIRN_EPROTO;
		goto lost;
	}
	c->tags[i] = c->tags[--c->pending];
	*ticket = rep.tag;
	if (rep.code != 0) {
		rc = rep.code;
		memcpy(c->error, rep.error, sizeof(c->error));
	} else if (memcmp(rep.msg_id, zero, sizeof(zero)) == 0)
		rc = CAIRN_EPROTO;
	else
		memcpy(msg_id, rep.msg_id, CAIRN_MSG_ID_BYTES);
	cairn_ctl_reply_clear(&rep);
	return rc;
lost:
	/* every answer still owed is lost with the socket */
	sock_reset(c);
	return rc;
}

size_t
cairn_client_pending(const struct cairn_client *c)
{
	return c->pending;
}

static int64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * ZMQ_FD becomes readable when the socket may have something new, and only
 * ZMQ_EVENTS says what: it is asked before every wait and after every
 * wake-up (zmq_getsockopt(3)).  ppoll for a timeout finer than zmq_poll's
 * milliseconds.
 */
int
cairn_client_submit_wait(struct cairn_client *c, int64_t timeout_us)
{
	struct pollfd pfd;
	struct timespec ts;
	int64_t	 deadline, left;
	size_t	 sz;
	int	 fd, events;

	if (c->pending == 0 || c->sock == NULL || timeout_us < 0)
		return CAIRN_EINVAL;
	sz = sizeof(fd);
	if (zmq_getsockopt(c->sock, ZMQ_FD, &fd, &sz) != 0)
		return -errno;
	deadline = mono_us() + timeout_us;
	for (;;) {
		sz = sizeof(events);
		if (zmq_getsockopt(c->sock, ZMQ_EVENTS, &events, &sz) != 0)
			return -errno;
		if (events & ZMQ_POLLIN)
			return 1;
		if ((left = deadline - mono_us()) <= 0)
			return 0;
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		ts.tv_sec = left / 1000000;
		ts.tv_nsec = (long)(left % 1000000) * 1000;
		if (ppoll(&pfd, 1, &ts, NULL) < 0)
			return -errno;
	}
}

/* The request a reply payload refers to; NULL for a request. */
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

int
cairn_client_reply(struct cairn_client *c,
    const uint8_t request_id[static CAIRN_MSG_ID_BYTES],
    const struct cairn_payload *p, uint8_t msg_id[static CAIRN_MSG_ID_BYTES])
{
	struct cairn_ctl_request req;
	const uint8_t *ref;

	memset(msg_id, 0, CAIRN_MSG_ID_BYTES);
	c->error[0] = '\0';
	c->truncated = false;
	if (p == NULL)
		return CAIRN_EINVAL;
	if ((ref = payload_request_id(p)) == NULL)
		return CAIRN_EKIND;
	if (memcmp(ref, request_id, CAIRN_MSG_ID_BYTES) != 0)
		return CAIRN_EINVAL;
	memset(&req, 0, sizeof(req));
	req.has_reply_to = true;
	memcpy(req.in_reply_to, request_id, CAIRN_MSG_ID_BYTES);
	return submit(c, &req, p, msg_id);
}

int
cairn_client_status(struct cairn_client *c,
    const uint8_t id[static CAIRN_MSG_ID_BYTES], struct cairn_ctl_info *out)
{
	struct cairn_ctl_request req;
	struct cairn_ctl_reply rep;
	int	rc;

	memset(&req, 0, sizeof(req));
	req.command = CAIRN_CTL_STATUS;
	memcpy(req.msg_id, id, CAIRN_MSG_ID_BYTES);
	if ((rc = call(c, &req, &rep)) != 0)
		return rc;
	rc = take_one(&rep, id, out);
	cairn_ctl_reply_clear(&rep);
	return rc;
}

int
cairn_client_list(struct cairn_client *c, enum cairn_ctl_command which,
    const char *function, struct cairn_ctl_info **out, size_t *n)
{
	struct cairn_ctl_request req;
	struct cairn_ctl_reply rep;
	int	rc;

	*out = NULL;
	*n = 0;
	c->error[0] = '\0';
	c->truncated = false;
	if (which != CAIRN_CTL_OUTBOX && which != CAIRN_CTL_INBOX)
		return CAIRN_EINVAL;
	memset(&req, 0, sizeof(req));
	req.command = which;
	if (function != NULL && function[0] != '\0') {
		if (cairn_valid_function(function) != 0)
			return CAIRN_EFUNCTION;
		(void)snprintf(req.function, sizeof(req.function), "%s",
		    function);
	}
	if ((rc = call(c, &req, &rep)) != 0)
		return rc;
	*out = rep.infos;
	*n = rep.ninfos;
	c->truncated = rep.truncated;
	rep.infos = NULL;
	rep.ninfos = 0;
	cairn_ctl_reply_clear(&rep);
	return 0;
}

int
cairn_client_cases(struct cairn_client *c, enum cairn_ctl_command which,
    const char *function, const char *state, struct cairn_ctl_case **out,
    size_t *n)
{
	struct cairn_ctl_request req;
	struct cairn_ctl_reply rep;
	size_t	 i;
	int	 rc;

	*out = NULL;
	*n = 0;
	c->error[0] = '\0';
	c->truncated = false;
	if (which != CAIRN_CTL_CASES && which != CAIRN_CTL_OVERDUE)
		return CAIRN_EINVAL;
	memset(&req, 0, sizeof(req));
	req.command = which;
	if (function != NULL && function[0] != '\0') {
		if (cairn_valid_function(function) != 0)
			return CAIRN_EFUNCTION;
		(void)snprintf(req.function, sizeof(req.function), "%s",
		    function);
	}
	if (state != NULL && state[0] != '\0') {
		if (which != CAIRN_CTL_CASES ||
		    strlen(state) >= sizeof(req.state))
			return CAIRN_EINVAL;
		for (i = 0; state[i] != '\0'; i++)
			if (state[i] < 'A' || state[i] > 'Z')
				return CAIRN_EINVAL;
		memcpy(req.state, state, i + 1);
	}
	if ((rc = call(c, &req, &rep)) != 0)
		return rc;
	if (rep.ninfos != 0 || rep.payload_len != 0) {
		cairn_ctl_reply_clear(&rep);
		return CAIRN_EPROTO;
	}
	*out = rep.cases;
	*n = rep.ncases;
	c->truncated = rep.truncated;
	rep.cases = NULL;
	rep.ncases = 0;
	cairn_ctl_reply_clear(&rep);
	return 0;
}

int
cairn_client_show(struct cairn_client *c,
    const uint8_t id[static CAIRN_MSG_ID_BYTES], struct cairn_ctl_info *info,
    struct cairn_payload **payload)
{
	struct cairn_ctl_request req;
	struct cairn_ctl_reply rep;
	struct cairn_ctl_info one;
	int	rc;

	*payload = NULL;
	memset(&req, 0, sizeof(req));
	req.command = CAIRN_CTL_SHOW;
	memcpy(req.msg_id, id, CAIRN_MSG_ID_BYTES);
	if ((rc = call(c, &req, &rep)) != 0)
		return rc;
	if ((rc = take_one(&rep, id, &one)) != 0)
		goto out;
	if (rep.payload_len == 0) {
		rc = CAIRN_EPROTO;
		goto out;
	}
	if ((rc = cairn_payload_decode(payload, rep.payload, rep.payload_len,
	    now_ms())) != 0)
		goto out;
	if ((*payload)->kind != one.kind) {
		cairn_payload_free(*payload);
		*payload = NULL;
		rc = CAIRN_EPROTO;
		goto out;
	}
	if (info != NULL)
		*info = one;
out:
	cairn_ctl_reply_clear(&rep);
	return rc;
}

int
cairn_client_ping(struct cairn_client *c)
{
	struct cairn_ctl_request req;
	struct cairn_ctl_reply rep;
	int	rc;

	memset(&req, 0, sizeof(req));
	req.command = CAIRN_CTL_PING;
	if ((rc = call(c, &req, &rep)) != 0)
		return rc;
	cairn_ctl_reply_clear(&rep);
	return 0;
}

int
cairn_client_stats(struct cairn_client *c, struct cairn_ctl_stats *out)
{
	struct cairn_ctl_request req;
	struct cairn_ctl_reply rep;
	int	rc;

	memset(out, 0, sizeof(*out));
	memset(&req, 0, sizeof(req));
	req.command = CAIRN_CTL_STATS;
	if ((rc = call(c, &req, &rep)) != 0)
		return rc;
	if (!rep.has_stats) {
		cairn_ctl_reply_clear(&rep);
		return CAIRN_EPROTO;
	}
	*out = rep.stats;
	rep.stats.peers = NULL;		/* now the caller's */
	cairn_ctl_reply_clear(&rep);
	return 0;
}

int
cairn_client_audit_page(struct cairn_client *c, uint64_t from_seq,
    bool checkpoints, uint32_t limit, const uint8_t *related_to,
    struct cairn_ctl_audit *out)
{
	struct cairn_ctl_request req;
	struct cairn_ctl_reply rep;
	const struct cairn_ctl_audit_entry *e;
	size_t	n;
	int	rc;

	memset(out, 0, sizeof(*out));
	if (limit > CAIRN_CTL_AUDIT_MAX || (related_to != NULL && checkpoints))
		return CAIRN_EINVAL;
	memset(&req, 0, sizeof(req));
	req.command = CAIRN_CTL_AUDIT;
	req.from_seq = from_seq;
	req.checkpoints = checkpoints;
	req.limit = limit;
	if (related_to != NULL) {
		req.related = true;
		memcpy(req.msg_id, related_to, CAIRN_MSG_ID_BYTES);
	}
	if ((rc = call(c, &req, &rep)) != 0)
		return rc;
	e = checkpoints ? rep.audit.checkpoints : rep.audit.records;
	n = checkpoints ? rep.audit.ncheckpoints : rep.audit.nrecords;
	/* keys ascend (checked when decoded): the first bounds them all */
	if (!rep.has_audit ||
	    (checkpoints ? rep.audit.nrecords : rep.audit.ncheckpoints) != 0 ||
	    (!checkpoints && rep.audit.nreplies > n) ||
	    (related_to == NULL && rep.audit.nrelated != 0) ||
	    (rep.audit.more && n == 0) ||
	    (n > 0 && e[0].seq != 0 && e[0].seq < from_seq) ||
	    (limit != 0 && n > limit)) {
		cairn_ctl_reply_clear(&rep);
		return CAIRN_EPROTO;
	}
	*out = rep.audit;
	memset(&rep.audit, 0, sizeof(rep.audit));	/* now the caller's */
	cairn_ctl_reply_clear(&rep);
	return 0;
}

void
cairn_msgid_format(char out[static CAIRN_MSGID_HEX_BYTES],
    const uint8_t id[static CAIRN_MSG_ID_BYTES])
{
	cairn_sig_hex(out, id, CAIRN_MSG_ID_BYTES);
}

int
cairn_msgid_parse(uint8_t id[static CAIRN_MSG_ID_BYTES], const char *hex)
{
	if (hex == NULL || cairn_sig_unhex(id, CAIRN_MSG_ID_BYTES, hex) != 0) {
		memset(id, 0, CAIRN_MSG_ID_BYTES);
		return CAIRN_EMALFORMED;
	}
	return 0;
}

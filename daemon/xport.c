/* SPDX-License-Identifier: MIT */
/*
 * xport: ZeroMQ ROUTER/DEALER with CURVE and a ZAP handler (see xport.h).
 *
 * A CURVE server without a running ZAP handler accepts any client key
 * (shared/PITFALLS.md), so the ZAP socket is bound before the ROUTER is.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <zmq.h>

#include "daemon/log.h"
#include "daemon/xport.h"

#define ZAP_ENDPOINT	"inproc://zeromq.zap.01"
#define ZAP_DOMAIN	"cairn"
#define REPLY_MAX	4096
#define PEER_HWM	100000
/*
 * An envelope larger than this goes as a multipart message of frames of
 * this size: CURVE encrypts each frame into two fresh copies of it, so a
 * single 30 MiB frame would cost 90 MiB at once in the sender.
 */
#define CHUNK_BYTES	(1024 * 1024)

struct peer {
	char		 org[CAIRN_ORG_ID_MAX + 1];
	char		 endpoint[CAIRN_ENDPOINT_MAX + 1];
	uint8_t		 curve_pk[32];
	void		*dealer;
	void		*monitor;	/* PAIR receiving the DEALER's events */
	int		 up;		/* handshake done, not disconnected */
};

struct xport {
	void		*ctx;
	void		*zap;
	void		*router;
	uint8_t		*curve_sk;	/* sodium_malloc'ed, for DEALERs */
	uint8_t		 curve_pk[32];
	const struct cairn_book *book;
	struct peer	*peers;
	size_t		 npeers;
	size_t		 max_msg;
	unsigned	 monitors;	/* for unique inproc names */
	void		(*peer_up)(void *, const char *);
	void		*peer_up_arg;
};

static void	drain_more(void *);
static int	join_frames(struct xport *, zmq_msg_t *);

static int
setopt_int(void *s, int opt, int v)
{
	return zmq_setsockopt(s, opt, &v, sizeof(v));
}

int
xport_init(struct xport **out, const char *listen,
    const uint8_t curve_pk[static 32], const uint8_t curve_sk[static 32],
    size_t max_msg, const struct cairn_book *book)
{
	struct xport *x;
	int64_t	 maxsz = (int64_t)max_msg;
	int	 rc;

	*out = NULL;
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return -ENOMEM;
	if ((x->curve_sk = sodium_malloc(32)) == NULL) {
		free(x);
		return -ENOMEM;
	}
	memcpy(x->curve_sk, curve_sk, 32);
	sodium_mprotect_readonly(x->curve_sk);
	memcpy(x->curve_pk, curve_pk, 32);
	x->book = book;
	x->max_msg = max_msg;
	if ((x->ctx = zmq_ctx_new()) == NULL) {
		rc = -errno;
		goto fail;
	}
	if ((x->zap = zmq_socket(x->ctx, ZMQ_REP)) == NULL ||
	    setopt_int(x->zap, ZMQ_LINGER, 0) != 0 ||
	    zmq_bind(x->zap, ZAP_ENDPOINT) != 0) {
		rc = -errno;
		goto fail;
	}
	if ((x->router = zmq_socket(x->ctx, ZMQ_ROUTER)) == NULL) {
		rc = -errno;
		goto fail;
	}
	if (setopt_int(x->router, ZMQ_CURVE_SERVER, 1) != 0 ||
	    zmq_setsockopt(x->router, ZMQ_CURVE_SECRETKEY, curve_sk, 32) ||
	    zmq_setsockopt(x->router, ZMQ_ZAP_DOMAIN, ZAP_DOMAIN,
	    strlen(ZAP_DOMAIN)) != 0 ||
	    zmq_setsockopt(x->router, ZMQ_MAXMSGSIZE, &maxsz,
	    sizeof(maxsz)) != 0 ||
	    setopt_int(x->router, ZMQ_ROUTER_MANDATORY, 1) != 0 ||
	    setopt_int(x->router, ZMQ_LINGER, 0) != 0 ||
	    setopt_int(x->router, ZMQ_RCVHWM, PEER_HWM) != 0 ||
	    setopt_int(x->router, ZMQ_SNDHWM, PEER_HWM) != 0 ||
	    setopt_int(x->router, ZMQ_HANDSHAKE_IVL, 10000) != 0) {
		rc = -errno;
		goto fail;
	}
	if (zmq_bind(x->router, listen) != 0) {
		rc = -errno;
		goto fail;
	}
	*out = x;
	return 0;
fail:
	xport_shutdown(x);
	return rc;
}

static void
peer_close(struct peer *p)
{
	if (p->dealer != NULL) {
		zmq_socket_monitor(p->dealer, NULL, 0);
		zmq_close(p->dealer);
		p->dealer = NULL;
	}
	if (p->monitor != NULL) {
		zmq_close(p->monitor);
		p->monitor = NULL;
	}
	p->up = 0;
}

void
xport_set_peer_up(struct xport *x, void (*fn)(void *, const char *),
    void *arg)
{
	x->peer_up = fn;
	x->peer_up_arg = arg;
}

/* Reads one monitor event of peer p. */
static void
monitor_event(struct xport *x, struct peer *p)
{
	zmq_msg_t ev;
	uint16_t code = 0;

	zmq_msg_init(&ev);
	if (zmq_msg_recv(&ev, p->monitor, ZMQ_DONTWAIT) < 0) {
		zmq_msg_close(&ev);
		return;
	}
	if (zmq_msg_size(&ev) >= 2)
		memcpy(&code, zmq_msg_data(&ev), sizeof(code));
	zmq_msg_close(&ev);
	drain_more(p->monitor);
	if (code == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
		p->up = 1;
		log_info("xport: connected to %s", p->org);
		if (x->peer_up != NULL)
			x->peer_up(x->peer_up_arg, p->org);
	} else if (code == ZMQ_EVENT_DISCONNECTED) {
		if (p->up)
			log_info("xport: %s disconnected", p->org);
		p->up = 0;
	}
}

void
xport_set_book(struct xport *x, const struct cairn_book *book)
{
	const struct cairn_org *o;
	size_t	i;

	x->book = book;
	for (i = 0; i < x->npeers; i++) {
		o = cairn_book_org(book, x->peers[i].org);
		if (o == NULL || strcmp(o->endpoint, x->peers[i].endpoint) ||
		    memcmp(o->curve_pk, x->peers[i].curve_pk, 32) != 0) {
			log_info("xport: peer %s changed in the book, "
			    "reconnecting", x->peers[i].org);
			peer_close(&x->peers[i]);
		}
	}
}

void
xport_each_peer(struct xport *x, void (*fn)(void *, const char *, int),
    void *arg)
{
	size_t	i;

	for (i = 0; i < x->npeers; i++)
		fn(arg, x->peers[i].org, x->peers[i].dealer != NULL &&
		    x->peers[i].up);
}

void
xport_shutdown(struct xport *x)
{
	size_t	i;

	if (x == NULL)
		return;
	for (i = 0; i < x->npeers; i++)
		peer_close(&x->peers[i]);
	free(x->peers);
	if (x->router != NULL)
		zmq_close(x->router);
	if (x->zap != NULL)
		zmq_close(x->zap);
	if (x->ctx != NULL)
		zmq_ctx_term(x->ctx);
	sodium_free(x->curve_sk);
	free(x);
}

void *
xport_router(struct xport *x)
{
	return x->router;
}

void *
xport_context(struct xport *x)
{
	return x->ctx;
}

size_t
xport_poll_items(struct xport *x, zmq_pollitem_t *items, size_t max)
{
	size_t	n = 0, i;

	if (max < 2)
		return 0;
	items[n++] = (zmq_pollitem_t){ .socket = x->zap, .events = ZMQ_POLLIN };
	items[n++] = (zmq_pollitem_t){ .socket = x->router,
	    .events = ZMQ_POLLIN };
	for (i = 0; i < x->npeers && n + 2 <= max; i++) {
		if (x->peers[i].dealer != NULL)
			items[n++] = (zmq_pollitem_t){
			    .socket = x->peers[i].dealer,
			    .events = ZMQ_POLLIN };
		if (x->peers[i].monitor != NULL)
			items[n++] = (zmq_pollitem_t){
			    .socket = x->peers[i].monitor,
			    .events = ZMQ_POLLIN };
	}
	return n;
}

/* Receives one whole multipart ZAP request and answers it. */
static void
zap_handle(struct xport *x)
{
	zmq_msg_t frames[8];
	const struct cairn_org *o = NULL;
	const char *status = "400", *text = "unknown key", *user = "";
	char	 mech[16] = "";
	int	 nf = 0, more, i;
	size_t	 sz;

	do {
		if (nf == 8) {
			zmq_msg_t junk;

			zmq_msg_init(&junk);
			zmq_msg_recv(&junk, x->zap, 0);
			zmq_msg_close(&junk);
		} else {
			zmq_msg_init(&frames[nf]);
			if (zmq_msg_recv(&frames[nf], x->zap, ZMQ_DONTWAIT) < 0) {
				zmq_msg_close(&frames[nf]);
				goto out;
			}
			nf++;
		}
		sz = sizeof(more);
		zmq_getsockopt(x->zap, ZMQ_RCVMORE, &more, &sz);
	} while (more);

	if (nf >= 6 && zmq_msg_size(&frames[5]) < sizeof(mech)) {
		memcpy(mech, zmq_msg_data(&frames[5]),
		    zmq_msg_size(&frames[5]));
		mech[zmq_msg_size(&frames[5])] = '\0';
	}
	if (nf == 7 && strcmp(mech, "CURVE") == 0 &&
	    zmq_msg_size(&frames[6]) == 32 && x->book != NULL)
		o = cairn_book_org_by_curve(x->book, zmq_msg_data(&frames[6]));
	if (o != NULL) {
		status = "200";
		text = "OK";
		user = o->id;
	} else
		log_notice("xport: refused a connection with a transport key "
		    "not in the address book (mechanism %s)",
		    mech[0] ? mech : "?");
	if (nf >= 2) {
		zmq_send(x->zap, "1.0", 3, ZMQ_SNDMORE);
		zmq_send(x->zap, zmq_msg_data(&frames[1]),
		    zmq_msg_size(&frames[1]), ZMQ_SNDMORE);
		zmq_send(x->zap, status, strlen(status), ZMQ_SNDMORE);
		zmq_send(x->zap, text, strlen(text), ZMQ_SNDMORE);
		zmq_send(x->zap, user, strlen(user), ZMQ_SNDMORE);
		zmq_send(x->zap, "", 0, 0);
	}
out:
	for (i = 0; i < nf; i++)
		zmq_msg_close(&frames[i]);
}

/* Drops the rest of a multipart message. */
static void
drain_more(void *s)
{
	zmq_msg_t junk;
	int	more;
	size_t	sz = sizeof(more);

	while (zmq_getsockopt(s, ZMQ_RCVMORE, &more, &sz) == 0 && more) {
		zmq_msg_init(&junk);
		if (zmq_msg_recv(&junk, s, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&junk);
			return;
		}
		zmq_msg_close(&junk);
		sz = sizeof(more);
	}
}

static void
joined_free(void *data, void *hint)
{
	(void)hint;
	free(data);
}

/*
 * Joins the frames of a multipart envelope (xport_send_owned()) into one
 * message in *msg, which holds the first.  Each frame is released as soon
 * as it is copied, so the envelope is held about once.  The total is
 * bounded like a single frame is.  Returns 0, or -1 with *msg closed (the
 * caller drops what is left of the message).
 */
static int
join_frames(struct xport *x, zmq_msg_t *msg)
{
	zmq_msg_t f;
	uint8_t	*buf, *nb;
	size_t	 len, n, sz;
	int	 more = 1;

	len = zmq_msg_size(msg);
	if ((buf = malloc(len)) == NULL) {
		zmq_msg_close(msg);
		return -1;
	}
	memcpy(buf, zmq_msg_data(msg), len);
	zmq_msg_close(msg);
	while (more) {
		zmq_msg_init(&f);
		if (zmq_msg_recv(&f, x->router, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&f);
			goto fail;
		}
		n = zmq_msg_size(&f);
		if (n > x->max_msg - len ||
		    (nb = realloc(buf, len + n)) == NULL) {
			zmq_msg_close(&f);
			goto fail;
		}
		buf = nb;
		memcpy(buf + len, zmq_msg_data(&f), n);
		len += n;
		zmq_msg_close(&f);
		sz = sizeof(more);
		if (zmq_getsockopt(x->router, ZMQ_RCVMORE, &more, &sz) != 0)
			goto fail;
	}
	if (zmq_msg_init_data(msg, buf, len, joined_free, NULL) != 0)
		goto fail;
	return 0;
fail:
	free(buf);
	zmq_msg_init(msg);
	zmq_msg_close(msg);
	return -1;
}

static int
router_recv(struct xport *x, struct xport_in *in)
{
	zmq_msg_t id;
	const char *user;
	int	more;
	size_t	sz = sizeof(more);

	zmq_msg_init(&id);
	if (zmq_msg_recv(&id, x->router, ZMQ_DONTWAIT) < 0) {
		zmq_msg_close(&id);
		return -1;
	}
	if (zmq_getsockopt(x->router, ZMQ_RCVMORE, &more, &sz) != 0 ||
	    !more || zmq_msg_size(&id) > XPORT_IDENTITY_MAX) {
		zmq_msg_close(&id);
		drain_more(x->router);
		return 0;
	}
	in->identity_len = zmq_msg_size(&id);
	memcpy(in->identity, zmq_msg_data(&id), in->identity_len);
	zmq_msg_close(&id);
	zmq_msg_init(&in->msg);
	if (zmq_msg_recv(&in->msg, x->router, ZMQ_DONTWAIT) < 0) {
		zmq_msg_close(&in->msg);
		return 0;
	}
	user = zmq_msg_gets(&in->msg, "User-Id");
	if (user == NULL || strlen(user) > CAIRN_ORG_ID_MAX) {
		/* cannot happen with ZAP in place; refuse quietly */
		zmq_msg_close(&in->msg);
		drain_more(x->router);
		return 0;
	}
	strcpy(in->org, user);
	sz = sizeof(more);
	if (zmq_getsockopt(x->router, ZMQ_RCVMORE, &more, &sz) == 0 && more &&
	    join_frames(x, &in->msg) != 0) {
		drain_more(x->router);
		return 0;
	}
	return 1;
}

int
xport_ready(struct xport *x, void *socket, struct xport_in *in,
    size_t max_in, size_t *n_in, struct xport_reply *rep, size_t max_rep,
    size_t *n_rep)
{
	size_t	i;
	int	r;

	*n_in = *n_rep = 0;
	if (socket == x->zap) {
		zap_handle(x);
		return 0;
	}
	if (socket == x->router) {
		while (*n_in < max_in) {
			r = router_recv(x, &in[*n_in]);
			if (r < 0)
				break;
			if (r > 0)
				(*n_in)++;
		}
		return 0;
	}
	for (i = 0; i < x->npeers; i++) {
		if (x->peers[i].monitor == socket) {
			monitor_event(x, &x->peers[i]);
			return 0;
		}
		if (x->peers[i].dealer == socket)
			break;
	}
	if (i == x->npeers)
		return 0;
	while (*n_rep < max_rep) {
		zmq_msg_init(&rep[*n_rep].msg);
		if (zmq_msg_recv(&rep[*n_rep].msg, socket, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&rep[*n_rep].msg);
			break;
		}
		drain_more(socket);
		strcpy(rep[*n_rep].org, x->peers[i].org);
		(*n_rep)++;
	}
	return 0;
}

void
xport_in_done(struct xport_in *in)
{
	zmq_msg_close(&in->msg);
}

static struct peer *
peer_get(struct xport *x, const char *org)
{
	const struct cairn_org *o;
	struct peer *p, *np;
	int64_t	 maxsz = REPLY_MAX;
	size_t	 i;
	char	 mon[64];

	for (i = 0; i < x->npeers; i++)
		if (strcmp(x->peers[i].org, org) == 0)
			break;
	if (x->book == NULL || (o = cairn_book_org(x->book, org)) == NULL)
		return NULL;
	if (i == x->npeers) {
		if (x->npeers >= XPORT_MAX_PEERS)
			return NULL;
		np = reallocarray(x->peers, x->npeers + 1, sizeof(*np));
		if (np == NULL)
			return NULL;
		x->peers = np;
		memset(&np[i], 0, sizeof(np[i]));
		strcpy(np[i].org, org);
		x->npeers++;
	}
	p = &x->peers[i];
	if (p->dealer != NULL)
		return p;
	strcpy(p->endpoint, o->endpoint);
	memcpy(p->curve_pk, o->curve_pk, 32);
	if ((p->dealer = zmq_socket(x->ctx, ZMQ_DEALER)) == NULL)
		return NULL;
	snprintf(mon, sizeof(mon), "inproc://cairn-monitor-%u", x->monitors++);
	if (zmq_setsockopt(p->dealer, ZMQ_CURVE_SERVERKEY, o->curve_pk, 32) ||
	    zmq_setsockopt(p->dealer, ZMQ_CURVE_PUBLICKEY, x->curve_pk, 32) ||
	    zmq_setsockopt(p->dealer, ZMQ_CURVE_SECRETKEY, x->curve_sk, 32) ||
	    zmq_setsockopt(p->dealer, ZMQ_MAXMSGSIZE, &maxsz, sizeof(maxsz)) ||
	    setopt_int(p->dealer, ZMQ_IMMEDIATE, 1) ||
	    setopt_int(p->dealer, ZMQ_LINGER, 0) ||
	    setopt_int(p->dealer, ZMQ_SNDHWM, PEER_HWM) ||
	    setopt_int(p->dealer, ZMQ_RCVHWM, PEER_HWM) ||
	    /* a peer that stops reading counts as gone, and its queue with it */
	    setopt_int(p->dealer, ZMQ_HEARTBEAT_IVL, 2000) ||
	    setopt_int(p->dealer, ZMQ_HEARTBEAT_TIMEOUT, 6000) ||
	    setopt_int(p->dealer, ZMQ_RECONNECT_IVL, 100) ||
	    setopt_int(p->dealer, ZMQ_RECONNECT_IVL_MAX, 5000) ||
	    zmq_socket_monitor(p->dealer, mon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED |
	    ZMQ_EVENT_DISCONNECTED) != 0 ||
	    (p->monitor = zmq_socket(x->ctx, ZMQ_PAIR)) == NULL ||
	    zmq_connect(p->monitor, mon) != 0 ||
	    zmq_connect(p->dealer, o->endpoint) != 0) {
		log_warnx("xport: cannot connect to %s at %s: %s", org,
		    o->endpoint, zmq_strerror(errno));
		peer_close(p);
		return NULL;
	}
	log_info("xport: connecting to %s at %s", org, o->endpoint);
	return p;
}

int
xport_peer_ready(struct xport *x, const char *org)
{
	struct peer *p;

	if ((p = peer_get(x, org)) == NULL)
		return 0;
	return p->up;
}

/* The frames of one envelope share its buffer; the last one frees it. */
struct chunks {
	atomic_size_t	 refs;
	uint8_t		*buf;
};

static void
chunk_free(void *data, void *hint)
{
	struct chunks *c = hint;

	(void)data;
	if (atomic_fetch_sub(&c->refs, 1) == 1) {
		free(c->buf);
		free(c);
	}
}

int
xport_send_owned(struct xport *x, const char *org, uint8_t *buf, size_t len)
{
	struct peer *p;
	struct chunks *c;
	zmq_msg_t m;
	size_t	 off, n;
	int	 rc;

	if (len <= CHUNK_BYTES) {
		rc = xport_send(x, org, buf, len);
		free(buf);
		return rc;
	}
	if ((p = peer_get(x, org)) == NULL) {
		free(buf);
		return CAIRN_ENOTFOUND;
	}
	if ((c = malloc(sizeof(*c))) == NULL) {
		free(buf);
		return -ENOMEM;
	}
	c->buf = buf;
	atomic_init(&c->refs, 1);	/* ours, until every frame is queued */
	rc = 0;
	for (off = 0; off < len; off += n) {
		n = len - off < CHUNK_BYTES ? len - off : CHUNK_BYTES;
		atomic_fetch_add(&c->refs, 1);
		if (zmq_msg_init_data(&m, buf + off, n, chunk_free, c) != 0) {
			atomic_fetch_sub(&c->refs, 1);
			rc = -errno;
			break;
		}
		/*
		 * Once the first frame is queued the rest of the message
		 * is too: the high-water mark counts whole messages.
		 */
		if (zmq_msg_send(&m, p->dealer, ZMQ_DONTWAIT |
		    (off + n < len ? ZMQ_SNDMORE : 0)) < 0) {
			rc = -errno;
			zmq_msg_close(&m);
			/*
			 * Never leave a message open on the socket: end it
			 * (the peer refuses the cut envelope and the
			 * message is sent again later).
			 */
			if (off > 0)
				(void)zmq_send(p->dealer, "", 0,
				    ZMQ_DONTWAIT);
			break;
		}
	}
	chunk_free(NULL, c);
	return rc;
}

int
xport_send(struct xport *x, const char *org, const uint8_t *buf, size_t len)
{
	struct peer *p;

	if ((p = peer_get(x, org)) == NULL)
		return CAIRN_ENOTFOUND;
	if (zmq_send(p->dealer, buf, len, ZMQ_DONTWAIT) < 0)
		return -errno;
	return 0;
}

int
xport_reply(struct xport *x, const uint8_t *identity, size_t idlen,
    const uint8_t *buf, size_t len)
{
	if (zmq_send(x->router, identity, idlen, ZMQ_SNDMORE |
	    ZMQ_DONTWAIT) < 0)
		return -errno;
	if (zmq_send(x->router, buf, len, ZMQ_DONTWAIT) < 0)
		return -errno;
	return 0;
}

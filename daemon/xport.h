/* SPDX-License-Identifier: MIT */
/*
 * xport: the ZeroMQ transport between daemons.
 *
 * One ROUTER socket on the listen endpoint with CURVE server security; a
 * ZAP handler (polled by the daemon's own event loop, no thread) admits
 * only CURVE keys listed in the address book and names each connection
 * after its organisation, so every incoming frame carries the
 * authenticated org id.  One DEALER per peer, CURVE client, connected
 * lazily on first use.  Every socket that faces a peer has ZMQ_MAXMSGSIZE
 * set.
 *
 * xport moves bytes and tells who sent them; it does not look inside.
 */
#ifndef CAIRN_DAEMON_XPORT_H
#define CAIRN_DAEMON_XPORT_H

#include <stddef.h>
#include <stdint.h>

#include <zmq.h>

#include "keys/book.h"
#include "proto/error.h"

#define XPORT_MAX_PEERS		4096
#define XPORT_IDENTITY_MAX	256

struct xport;

/* One incoming frame on the ROUTER, from an authenticated peer. */
struct xport_in {
	char		org[CAIRN_ORG_ID_MAX + 1];	/* from ZAP */
	uint8_t		identity[XPORT_IDENTITY_MAX];	/* routing id */
	size_t		identity_len;
	zmq_msg_t	msg;		/* the envelope; xport_in_done() */
};

/*
 * Creates the ZeroMQ context, starts the ZAP handler socket, and binds the
 * ROUTER to listen with the CURVE key pair (sk is copied into ZeroMQ and
 * not kept).  max_msg bounds incoming envelopes.  The book is borrowed:
 * call xport_set_book() when it changes.
 * Returns 0 or -errno (e.g. -EADDRINUSE when the endpoint cannot be bound).
 */
int	xport_init(struct xport **out, const char *listen,
	    const uint8_t curve_pk[static 32], const uint8_t curve_sk[static 32],
	    size_t max_msg, const struct cairn_book *book) CAIRN_MUSTCHECK;

/*
 * Replaces the book used for ZAP and peer endpoints.  Peers whose
 * endpoint or key changed are disconnected (and reconnect lazily).
 */
void	xport_set_book(struct xport *x, const struct cairn_book *book);

/*
 * fn(arg, org) is called whenever the connection to a peer completes its
 * CURVE handshake (first connect or reconnect), so that its backlog can be
 * retried at once instead of after the backoff.
 */
void	xport_set_peer_up(struct xport *x, void (*fn)(void *, const char *),
	    void *arg);

/* Calls fn for every peer xport has a connection for, with its state. */
void	xport_each_peer(struct xport *x,
	    void (*fn)(void *arg, const char *org, int reachable), void *arg);

/* Closes every socket and the context; NULL is allowed. */
void	xport_shutdown(struct xport *x);

/* The ZeroMQ context, for other local sockets (control). */
void	*xport_context(struct xport *x);

/* The ROUTER that envelopes arrive on (for xport_ready() without a poll). */
void	*xport_router(struct xport *x);

/*
 * Fills items[] with the sockets to poll (ZAP, ROUTER, each DEALER) and
 * returns how many (at most max).  Each item's socket must be handed back
 * to xport_ready() when it has ZMQ_POLLIN.
 */
size_t	xport_poll_items(struct xport *x, zmq_pollitem_t *items, size_t max);

/*
 * Handles readiness of one of xport's sockets.  ZAP requests are answered
 * here.  For the ROUTER, up to max frames are received into in[] (*n);
 * for a DEALER, signed replies are received into replies (*n, each
 * zmq_msg_t initialised here, with the peer org in reply_org[]).
 */
struct xport_reply {
	char		org[CAIRN_ORG_ID_MAX + 1];	/* the DEALER's peer */
	zmq_msg_t	msg;
};

int	xport_ready(struct xport *x, void *socket, struct xport_in *in,
	    size_t max_in, size_t *n_in, struct xport_reply *rep,
	    size_t max_rep, size_t *n_rep);

/* Releases an incoming frame. */
void	xport_in_done(struct xport_in *in);

/*
 * Whether org can take envelopes now: its connection has completed the
 * CURVE handshake.  Starts connecting if xport has no connection yet (the
 * peer-up callback tells when it is up).  0 also for an org not in the
 * book.
 */
int	xport_peer_ready(struct xport *x, const char *org);

/*
 * Sends envelope bytes to a peer org (connecting lazily).  Returns 0,
 * CAIRN_ENOTFOUND (org not in the book), -EAGAIN (peer not connected or
 * its queue is full: try later) or -errno.
 */
int	xport_send(struct xport *x, const char *org, const uint8_t *buf,
	    size_t len) CAIRN_MUSTCHECK;

/*
 * The same for a malloc'ed buf that xport takes over in every case (and
 * frees once ZeroMQ is done with it).  A large envelope is not copied:
 * its frames of 1 MiB point into buf, sent as one multipart message that
 * the receiving xport joins again.
 */
int	xport_send_owned(struct xport *x, const char *org, uint8_t *buf,
	    size_t len) CAIRN_MUSTCHECK;

/*
 * Replies to the peer of an incoming frame (identity from struct
 * xport_in).  Returns 0 or -errno (-EHOSTUNREACH if it went away).
 */
int	xport_reply(struct xport *x, const uint8_t *identity, size_t idlen,
	    const uint8_t *buf, size_t len);

#endif

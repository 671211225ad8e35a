/* SPDX-License-Identifier: MIT */
/*
 * control: the local client socket (ZeroMQ ipc, ROUTER).  Decodes each
 * request (proto/control.h), learns the caller's uid from the socket's
 * peer credentials, hands the work to the workflow, and answers.  Answers
 * that depend on a write (submit, show) leave only after the pass's
 * commit.
 */
#ifndef CAIRN_DAEMON_CONTROL_H
#define CAIRN_DAEMON_CONTROL_H

#include <zmq.h>

#include "daemon/access.h"
#include "daemon/workflow.h"
#include "proto/error.h"

struct control;

/*
 * Binds ipc://path (a stale socket file is removed first), makes the
 * socket file mode 0660 and, if group is not empty, owned by that group.
 * Requests are allowed by the roles in access (borrowed).
 * Returns 0 or -errno (-ENOENT: no such group).
 */
int	control_init(struct control **out, void *zmq_ctx, const char *path,
	    const char *group, struct workflow *wf,
	    const struct access *access) CAIRN_MUSTCHECK;

/* Replaces the roles (after SIGHUP). */
void	control_set_access(struct control *c, const struct access *access);
void	control_shutdown(struct control *c);

/* The socket to poll for ZMQ_POLLIN. */
void	*control_socket(struct control *c);

/* Handles up to max pending requests. */
void	control_ready(struct control *c, size_t max);

/*
 * The same in two halves, so that the workers seal submits while the
 * event loop commits: control_read() reads and decodes up to max requests
 * (none waiting is fine) and starts preparing them; control_handle(), in
 * the next pass, handles them and returns how many (0: none pending).  control_read()
 * handles what is still pending first; control_pending() says whether
 * anything is.
 */
size_t	control_read(struct control *c, size_t max);
size_t	control_handle(struct control *c);
int	control_pending(const struct control *c);

#endif

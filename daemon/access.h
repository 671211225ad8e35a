/* SPDX-License-Identifier: MIT */
/*
 * access: who may do what on the local client socket.
 *
 * The [access] section of the configuration maps Unix users and groups to
 * roles: each of the organisation's functions (send, read and answer as
 * that function), "auditor" (metadata and audit, never content) and
 * "admin" (everything operational).  The daemon's own user is always
 * admin; without an [access] section root is too, and nobody else has a
 * role.
 *
 * Names are resolved to ids when the rules are loaded (at start and on
 * SIGHUP); a caller's groups are its primary group from the socket's peer
 * credentials plus its supplementary groups from the group database.
 */
#ifndef CAIRN_DAEMON_ACCESS_H
#define CAIRN_DAEMON_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/config.h"
#include "proto/error.h"
#include "proto/validate.h"

#define ACCESS_MAX_FUNCTIONS	64

struct access;

struct access_roles {
	bool	admin;
	bool	auditor;
	size_t	nfunctions;
	char	functions[ACCESS_MAX_FUNCTIONS][CAIRN_FUNCTION_MAX + 1];
};

/*
 * Resolves the rules of cfg.  Users or groups that do not exist are
 * logged and skipped (they may be created later; SIGHUP re-resolves).
 * Returns 0 or -ENOMEM.
 */
int	access_load(struct access **out, const struct config *cfg)
	    CAIRN_MUSTCHECK;
void	access_free(struct access *a);

/*
 * The roles of the caller uid/gid (-1 when unknown: no roles).
 */
void	access_roles(const struct access *a, int64_t uid, int64_t gid,
	    struct access_roles *r);

/* Whether r may act as function fn (admins may act as any). */
bool	access_may_act(const struct access_roles *r, const char *fn);

/* Whether r may see metadata of messages of function fn. */
bool	access_may_see(const struct access_roles *r, const char *fn);

/* Whether r has any role at all. */
bool	access_any(const struct access_roles *r);

#endif

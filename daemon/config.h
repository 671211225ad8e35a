/* SPDX-License-Identifier: MIT */
/*
 * config: the cairnd configuration file (INI, see cairnd.conf(5)).
 *
 *   [daemon]
 *   org = lerum.elevhalsa              ; required, organisation id
 *   listen = tcp://127.0.0.1:7441      ; required, endpoint
 *   state_dir = state/lerum.elevhalsa  ; required
 *   socket = run/lerum.elevhalsa.sock  ; required
 *   key = keys/lerum.elevhalsa.secret  ; required
 *   book = book.cairnbook              ; required
 *   federation = keys/federation.pub   ; required
 *   map_size = 1G                ; bytes, K/M/G/T, 1M..1T, default 1G
 *   message_ttl = 14d            ; s/m/h/d, 1m..90d, default 14d
 *   retry_min = 1s               ; ms/s/m/h, 10ms..1h, default 1s
 *   retry_max = 5m               ; ms/s/m/h, retry_min..1h, default 5m
 *   window = 4096                ; 1..65536, default 4096
 *   window_bytes = 64M           ; bytes, K/M/G, 64K..1G, default 64M
 *   workers = 1                  ; crypto threads, 0..16, default: one
 *                                ; per other core, at most 3
 *   max_message = 40M            ; payload bytes, 1K..40M, default 40M
 *   checkpoint_records = 1000    ; 1..1000000, default 1000
 *   checkpoint_interval = 5m     ; s/m/h/d, 1s..1d, default 5m
 *
 *   [access]
 *   ROLE = PRINCIPAL[, PRINCIPAL...]   ; PRINCIPAL: user:NAME or group:NAME
 *
 * ROLE is one of the organisation's function names, or "auditor" or
 * "admin".  NAME is a POSIX user or group name ([a-z_][a-z0-9_-]*[$]?, at
 * most 32 bytes); it is not looked up here (the daemon resolves names at
 * run time).  Size suffixes are binary (1K = 1024).  Relative paths are
 * taken relative to the directory of the configuration file and stored
 * joined with it, as absolute paths.
 *
 * Unknown sections and keys, duplicate keys and sections, keys outside a
 * section, malformed or out-of-range values, lines longer than 197 bytes
 * (libinih's limit) and indented (continuation) lines are errors.
 *
 * This module parses and checks; it does not open the files it names or
 * resolve users and groups.
 */
#ifndef CAIRN_DAEMON_CONFIG_H
#define CAIRN_DAEMON_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/error.h"

#define CONFIG_ERR_MAX		(PATH_MAX + 256)	/* enough for err */
#define CONFIG_NAME_MAX		32	/* POSIX user/group name, bytes */

#define CONFIG_DEFAULT_MAP_SIZE		(1024ull * 1024 * 1024)
#define CONFIG_DEFAULT_TTL_S		(14u * 86400)
#define CONFIG_DEFAULT_RETRY_MIN_MS	1000u
#define CONFIG_DEFAULT_RETRY_MAX_MS	(5u * 60 * 1000)
#define CONFIG_DEFAULT_WINDOW		4096u
#define CONFIG_DEFAULT_WINDOW_BYTES	(64u * 1024 * 1024)
#define CONFIG_WORKERS_AUTO		UINT32_MAX
#define CONFIG_DEFAULT_MAX_MESSAGE	(40u * 1024 * 1024)
#define CONFIG_DEFAULT_CKPT_RECORDS	1000u
#define CONFIG_DEFAULT_CKPT_SECONDS	300u

enum config_principal {
	CONFIG_PRINCIPAL_USER = 1,
	CONFIG_PRINCIPAL_GROUP = 2
};

/* One principal granted one role: "kurator = group:a, user:b" is two. */
struct config_access {
	char		role[64];	/* function name, "auditor", "admin" */
	int		kind;		/* enum config_principal */
	char		name[64];	/* user or group name */
};

struct config {
	char		 org[64];
	char		 listen[256];
	char		 state_dir[PATH_MAX];
	char		 socket[PATH_MAX];
	char		 key[PATH_MAX];
	char		 book[PATH_MAX];
	char		 federation[PATH_MAX];
	char		 socket_group[64];	/* "" = the daemon's group */
	size_t		 map_size;		/* bytes */
	uint32_t	 default_ttl_s;		/* message_ttl */
	uint32_t	 retry_min_ms;
	uint32_t	 retry_max_ms;
	uint32_t	 window;		/* in flight per peer */
	uint32_t	 window_bytes;		/* envelope bytes, ditto */
	uint32_t	 workers;		/* or CONFIG_WORKERS_AUTO */
	uint32_t	 max_message_bytes;	/* payload bytes */
	uint32_t	 checkpoint_records;
	uint32_t	 checkpoint_seconds;	/* checkpoint_interval */
	struct config_access *access;		/* in file order */
	size_t		 naccess;
	bool		 has_access;		/* an [access] section exists */
};

/*
 * Reads and checks the configuration file at path.  On success *out is a
 * new struct config (free it with config_free()) holding every value,
 * defaults filled in.  On failure *out is NULL and err (if not NULL and
 * errlen > 0) receives the first error, "PATH:LINE: what" for a problem
 * on a line, or "PATH: what" for one of the whole file (cannot be read,
 * too large, a required key is missing).
 * Returns 0, CAIRN_ECONFIG or -ENOMEM.
 */
int	config_load(struct config **out, const char *path, char *err,
	    size_t errlen) CAIRN_MUSTCHECK;

/* Frees a struct config from config_load(); NULL does nothing. */
void	config_free(struct config *conf);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * cairn audit: the auditor's commands (see cli_audit.h).
 *
 *   verify     recompute a chain and check every checkpoint signature,
 *              from a state directory or from an export file
 *   export     write records, checkpoints and kept replies as JSON lines
 *              or CSV (proto/audit.h), optionally a time slice
 *   trace      one message's life on this side, with its receipt
 *   reconcile  two organisations' exports against each other and the
 *              address book
 *
 * verify, export and trace read the trail from one of two sources, with
 * the same output: the daemon, through its client socket
 * (cairn_client_audit_page(), allowed for the auditor and admin roles of
 * [access]) when no state directory is given; or a state directory given
 * with -d or $CAIRN_STATE_DIR.
 *
 * The state directory is read with LMDB read-only (MDB_RDONLY), through
 * the store's layout in proto/storefmt.h, without the daemon: next to a
 * running daemon (LMDB serves concurrent readers; records are read in
 * batches of short transactions, up to the head that was current when
 * the command started), or on a stopped daemon's directory or a copy of
 * it.  Reading it needs the file permissions of the daemon's user: the
 * lock file is written even by readers.  These commands never open an
 * envelope, so they never see content.
 *
 * Not for: anything that changes the store.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>

#include "client/cairn.h"
#include "client/cli_audit.h"
#include "client/cli_util.h"
#include "keys/book.h"
#include "keys/keyfile.h"
#include "proto/audit.h"
#include "proto/reply.h"
#include "proto/storefmt.h"

#define STATE_ENV	"CAIRN_STATE_DIR"
#define PAGE_ENV	"CAIRN_AUDIT_PAGE"	/* entries per page (tests) */
#define BATCH		8192		/* records per read transaction */
#define DEDUP_PRE	CAIRN_STOREFMT_DEDUP_PRE_BYTES
#define TIME_BYTES	40
#define ADDR_BYTES	(CAIRN_ADDRESS_MAX + 1)
#define MAX_RELATED	64

/* A daemon's state directory, open read-only. */
struct state {
	MDB_env		*env;
	MDB_dbi		 audit, meta, receipts, dedup, outbox, inbox;
	MDB_dbi		 checkpoints;
	bool		 has_checkpoints;
	const char	*dir;
};

/* Where signing keys come from: an address book or one public file. */
struct keysrc {
	struct cairn_book	*book;
	struct cairn_pubfile	*pub;
	struct cairn_audit_keys	 keys;
};

struct progress {
	bool		 on;
	bool		 shown;
	const char	*what;
	uint64_t	 total;
	uint64_t	 done;
	int64_t		 last_ms;
};

/* A stored checkpoint: its bytes decoded, or why they do not decode. */
struct stored_cp {
	uint64_t	 key;
	int		 rc;
	struct cairn_audit_checkpoint cp;
};

struct cplist {
	struct stored_cp *v;
	size_t		 n, cap;
};

/* One export file, read line by line. */
struct exportfile {
	const char	*path;
	FILE		*fp;
	enum cairn_audit_format fmt;
	char		*line;
	size_t		 cap;
	size_t		 lineno;
	struct cairn_audit_header hdr;
};

static void	 fmt_time(char [static TIME_BYTES], int64_t);
static int	 parse_time(const char *, int64_t *);
static int	 mdb_err(int);
static int	 state_open(struct state *, const char *);
static void	 state_close(struct state *);
static int	 state_txn(struct state *, MDB_txn **);
static int	 open_value(const MDB_val *, size_t, size_t, uint8_t *,
		    size_t *);
static int	 state_head(struct state *, MDB_txn *, uint64_t *,
		    uint8_t [static CAIRN_HASH_BYTES]);
static int	 state_checkpoints(struct state *, MDB_txn *,
		    struct cplist *);
static int	 state_records(struct state *, uint64_t, uint64_t,
		    int (*)(void *, uint64_t, const uint8_t *, size_t),
		    void *);
static int	 state_reply(struct state *, MDB_dbi, size_t,
		    const uint8_t [static CAIRN_MSG_ID_BYTES],
		    struct cairn_audit_receipt *);
static int	 state_snapshot(struct state *, uint64_t *,
		    uint8_t [static CAIRN_HASH_BYTES], struct cplist *);
struct source;
struct lreply;
static int	 cplist_add(struct cplist *, uint64_t, const uint8_t *, size_t,
		    const uint8_t *, size_t, int);
static int	 src_open(struct source *, const char *, const char *,
		    const struct global *);
static void	 src_close(struct source *);
static int	 src_fail(struct source *, const char *, int);
static int	 live_snapshot(struct source *, uint64_t *,
		    uint8_t [static CAIRN_HASH_BYTES], struct cplist *);
static int	 src_snapshot(struct source *, uint64_t *,
		    uint8_t [static CAIRN_HASH_BYTES], struct cplist *);
static int	 live_keep(struct source *, const struct cairn_ctl_audit *);
static int	 live_records(struct source *, uint64_t, uint64_t,
		    int (*)(void *, uint64_t, const uint8_t *, size_t),
		    void *);
static int	 src_records(struct source *, uint64_t, uint64_t,
		    int (*)(void *, uint64_t, const uint8_t *, size_t),
		    void *);
static int	 lreply_cmp(const void *, const void *);
static int	 src_reply(struct source *, bool,
		    const uint8_t [static CAIRN_MSG_ID_BYTES],
		    struct cairn_audit_receipt *);
static int	 src_related(struct source *, const uint8_t *,
		    uint8_t (*)[17], size_t *, uint64_t *);
static int	 key_lookup(void *, const char *,
		    const uint8_t [static CAIRN_KEY_ID_BYTES],
		    struct cairn_pubkey *);
static int	 keys_load(struct keysrc *, const char *, const char *,
		    const char *, const char *);
static void	 keys_free(struct keysrc *);
static void	 progress_init(struct progress *, const char *, uint64_t);
static void	 progress_tick(struct progress *);
static void	 progress_end(struct progress *);
static void	 print_result(const char *, const struct cairn_audit_result *,
		    const char *);
static int	 verify_record(void *, uint64_t, const uint8_t *, size_t);
static int	 verify_source(struct source *, struct keysrc *);
static int	 export_open(struct exportfile *, const char *);
static int	 export_next(struct exportfile *, struct cairn_audit_item *,
		    int *);
static void	 export_close(struct exportfile *);
static int	 export_restart(struct exportfile *);
static int	 export_verify(struct exportfile *, struct keysrc *,
		    struct cairn_audit_reconcile *, int,
		    struct cairn_audit_result *);
static int	 verify_export(const char *, struct keysrc *);
static int	 cmd_verify(int, char **, const struct global *);
static int	 range_record(void *, uint64_t, const uint8_t *, size_t);
static int	 write_item(FILE *, const struct cairn_audit_item *,
		    enum cairn_audit_format);
static int	 write_record(void *, uint64_t, const uint8_t *, size_t);
static int	 id_cmp(const void *, const void *);
static int	 cmd_export(int, char **, const struct global *);
static bool	 answers(bool, const MDB_val *, const MDB_val *,
		    const uint8_t *);
static int	 related(struct state *, const uint8_t *, uint8_t (*)[17],
		    size_t *);
static void	 user_name(char *, size_t, int64_t);
static int	 trace_record(void *, uint64_t, const uint8_t *, size_t);
static void	 trace_reply(struct source *, struct keysrc *,
		    const uint8_t [static CAIRN_MSG_ID_BYTES], bool);
static int	 cmd_trace(int, char **, const struct global *);
static void	 print_finding(void *, const struct cairn_audit_finding *);
static int	 cmd_reconcile(int, char **, const struct global *);

/* ---- small helpers ------------------------------------------------------- */

/* UTC, ISO 8601 with milliseconds. */
static void
fmt_time(char out[static TIME_BYTES], int64_t ms)
{
	struct tm	tm;
	time_t		t = (time_t)(ms / 1000);
	char		buf[24];

	if (ms < 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		(void)snprintf(out, TIME_BYTES, "(%" PRId64 ")", ms);
		return;
	}
	(void)snprintf(out, TIME_BYTES, "%s.%03dZ", buf, (int)(ms % 1000));
}

/*
 * YYYY-MM-DD (UTC midnight), YYYY-MM-DDTHH:MM:SSZ, or @SECONDS since the
 * epoch, into milliseconds.
 */
static int
parse_time(const char *s, int64_t *ms)
{
	struct tm	tm;
	const char	*end;
	char		*e;
	long long	 secs;
	time_t		 t;

	if (s[0] == '@') {
		errno = 0;
		secs = strtoll(s + 1, &e, 10);
		if (s[1] < '0' || s[1] > '9' || *e != '\0' || errno != 0 ||
		    secs > INT64_MAX / 1000)
			return -1;
		*ms = (int64_t)secs * 1000;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y-%m-%d", &tm)) == NULL)
		return -1;
	if (*end == 'T') {
		if ((end = strptime(end + 1, "%H:%M:%S", &tm)) == NULL ||
		    strcmp(end, "Z") != 0)
			return -1;
	} else if (*end != '\0')
		return -1;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	*ms = (int64_t)t * 1000;
	return 0;
}

/* ---- the state directory, read-only -------------------------------------- */

static int
mdb_err(int rc)
{
	switch (rc) {
	case 0:
		return 0;
	case MDB_NOTFOUND:
		return CAIRN_ENOTFOUND;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
		return CAIRN_ECORRUPT;
	case MDB_VERSION_MISMATCH:
		return CAIRN_EVERSION;
	default:
		return rc > 0 ? -rc : CAIRN_ESTORE;
	}
}

static int
state_open(struct state *s, const char *dir)
{
	struct {
		enum cairn_storefmt_db	 db;
		MDB_dbi			*dbi;
	} dbs[] = {
		{ CAIRN_STOREFMT_DB_AUDIT, &s->audit },
		{ CAIRN_STOREFMT_DB_META, &s->meta },
		{ CAIRN_STOREFMT_DB_RECEIPTS, &s->receipts },
		{ CAIRN_STOREFMT_DB_DEDUP, &s->dedup },
		{ CAIRN_STOREFMT_DB_OUTBOX, &s->outbox },
		{ CAIRN_STOREFMT_DB_INBOX, &s->inbox },
	};
	struct stat	 sb;
	MDB_txn		*t = NULL;
	MDB_val		 k, v;
	size_t		 i;
	int		 rc;

	memset(s, 0, sizeof(*s));
	s->dir = dir;
	if (stat(dir, &sb) == -1)
		return -errno;
	if (!S_ISDIR(sb.st_mode))
		return -ENOTDIR;
	if ((rc = mdb_env_create(&s->env)) != 0)
		return mdb_err(rc);
	if ((rc = mdb_env_set_maxdbs(s->env, 32)) != 0 ||
	    (rc = mdb_env_open(s->env, dir, MDB_RDONLY | MDB_NOTLS, 0)) != 0)
		goto fail;
	/* adopt the size the daemon maps */
	if ((rc = mdb_env_set_mapsize(s->env, 0)) != 0)
		goto fail;
	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &t)) != 0)
		goto fail;
	for (i = 0; i < sizeof(dbs) / sizeof(dbs[0]); i++)
		if ((rc = mdb_dbi_open(t, cairn_storefmt_db_name(dbs[i].db), 0,
		    dbs[i].dbi)) != 0)
			goto fail;
	rc = mdb_dbi_open(t,
	    cairn_storefmt_db_name(CAIRN_STOREFMT_DB_CHECKPOINTS), 0,
	    &s->checkpoints);
	if (rc != 0 && rc != MDB_NOTFOUND)
		goto fail;
	s->has_checkpoints = rc == 0;
	k.mv_data = CAIRN_STOREFMT_META_FORMAT;
	k.mv_size = strlen(CAIRN_STOREFMT_META_FORMAT);
	if ((rc = mdb_get(t, s->meta, &k, &v)) != 0)
		goto fail;
	if ((rc = cairn_storefmt_format_check(v.mv_data, v.mv_size)) != 0)
		goto fail_code;
	/* a read-only commit keeps the handles opened in it */
	rc = mdb_txn_commit(t);
	t = NULL;
	if (rc != 0)
		goto fail;
	return 0;
fail:
	rc = mdb_err(rc);
fail_code:
	if (t != NULL)
		mdb_txn_abort(t);
	mdb_env_close(s->env);
	s->env = NULL;
	return rc;
}

static void
state_close(struct state *s)
{
	if (s->env != NULL)
		mdb_env_close(s->env);
	s->env = NULL;
}

static int
state_txn(struct state *s, MDB_txn **t)
{
	int	rc;

	rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, t);
	if (rc == MDB_MAP_RESIZED) {
		/* the daemon's data outgrew our map: adopt its size */
		if ((rc = mdb_env_set_mapsize(s->env, 0)) == 0)
			rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, t);
	}
	if (rc != 0)
		*t = NULL;
	return mdb_err(rc);
}

/*
 * A stored byte string (a blob, proto/storefmt.h) whose pre is prelen
 * bytes: its bytes (at most max) are copied out.
 */
static int
open_value(const MDB_val *v, size_t prelen, size_t max, uint8_t *out,
    size_t *outlen)
{
	const uint8_t *data;
	uint8_t	pre[DEDUP_PRE];
	size_t	len;
	int	rc;

	*outlen = 0;
	if (prelen > sizeof(pre))
		return CAIRN_EINVAL;
	if ((rc = cairn_storefmt_blob_open(v->mv_data, v->mv_size, pre,
	    prelen, &data, &len)) != 0)
		return rc;
	if (len > max)
		return CAIRN_ETOOBIG;
	if (len > 0)
		memcpy(out, data, len);
	*outlen = len;
	return 0;
}

static int
state_head(struct state *s, MDB_txn *t, uint64_t *seq,
    uint8_t hash[static CAIRN_HASH_BYTES])
{
	MDB_val	 k, v;
	int	 rc;

	*seq = 0;
	memset(hash, 0, CAIRN_HASH_BYTES);
	k.mv_data = CAIRN_STOREFMT_META_AUDIT_HEAD;
	k.mv_size = strlen(CAIRN_STOREFMT_META_AUDIT_HEAD);
	if ((rc = mdb_get(t, s->meta, &k, &v)) == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return mdb_err(rc);
	return cairn_storefmt_head_decode(seq, hash, v.mv_data, v.mv_size);
}

/* Every stored checkpoint, decoded where it decodes. */
static int
state_checkpoints(struct state *s, MDB_txn *t, struct cplist *l)
{
	struct stored_cp *nv;
	MDB_cursor	*c;
	MDB_val		 k, v;
	MDB_cursor_op	 op;
	int		 rc;

	if (!s->has_checkpoints)
		return 0;
	if ((rc = mdb_cursor_open(t, s->checkpoints, &c)) != 0)
		return mdb_err(rc);
	for (op = MDB_FIRST; (rc = mdb_cursor_get(c, &k, &v, op)) == 0;
	    op = MDB_NEXT) {
		if (l->n == l->cap) {
			l->cap = l->cap ? 2 * l->cap : 64;
			if ((nv = reallocarray(l->v, l->cap,
			    sizeof(*nv))) == NULL) {
				rc = -ENOMEM;
				goto out;
			}
			l->v = nv;
		}
		memset(&l->v[l->n], 0, sizeof(l->v[0]));
		if (cairn_storefmt_seq_key_parse(&l->v[l->n].key, k.mv_data,
		    k.mv_size) != 0)
			l->v[l->n].key = 0;
		l->v[l->n].rc = cairn_storefmt_checkpoint_decode(
		    &l->v[l->n].cp, k.mv_data, k.mv_size, v.mv_data,
		    v.mv_size);
		l->n++;
	}
	rc = rc == MDB_NOTFOUND ? 0 : mdb_err(rc);
out:
	mdb_cursor_close(c);
	return rc;
}

/*
 * The head and every checkpoint, in one read transaction: a consistent
 * view of what is signed, whatever the daemon appends afterwards.
 */
static int
state_snapshot(struct state *s, uint64_t *head,
    uint8_t hash[static CAIRN_HASH_BYTES], struct cplist *l)
{
	MDB_txn	*t;
	int	 rc;

	if ((rc = state_txn(s, &t)) != 0)
		return rc;
	if ((rc = state_head(s, t, head, hash)) == 0)
		rc = state_checkpoints(s, t, l);
	mdb_txn_abort(t);
	return rc;
}

/*
 * Calls fn(arg, key seq, value) for every audit record with from <= key
 * <= to, in key order, in read transactions of BATCH records each (no
 * long-lived reader next to a running daemon), until fn returns non-zero.
 * A key of the wrong size is passed as 0.
 */
static int
state_records(struct state *s, uint64_t from, uint64_t to,
    int (*fn)(void *, uint64_t, const uint8_t *, size_t), void *arg)
{
	MDB_txn		*t;
	MDB_cursor	*c;
	MDB_val		 k, v;
	MDB_cursor_op	 op;
	uint8_t		 kb[CAIRN_STOREFMT_SEQ_KEY_BYTES];
	uint64_t	 next = from, key;
	size_t		 n;
	bool		 done = false;
	int		 rc = 0;

	while (!done && rc == 0 && next <= to) {
		if ((rc = state_txn(s, &t)) != 0)
			return rc;
		if ((rc = mdb_cursor_open(t, s->audit, &c)) != 0) {
			mdb_txn_abort(t);
			return mdb_err(rc);
		}
		cairn_storefmt_seq_key(kb, next);
		k.mv_size = sizeof(kb);
		k.mv_data = kb;
		op = MDB_SET_RANGE;
		for (n = 0; n < BATCH && !done && rc == 0; n++) {
			if ((rc = mdb_cursor_get(c, &k, &v, op)) != 0) {
				rc = rc == MDB_NOTFOUND ? 0 : mdb_err(rc);
				done = true;
				break;
			}
			op = MDB_NEXT;
			if (cairn_storefmt_seq_key_parse(&key, k.mv_data,
			    k.mv_size) != 0)
				key = 0;
			if (key > to) {
				done = true;
				break;
			}
			rc = fn(arg, key, v.mv_data, v.mv_size);
			if (key == 0 || key == UINT64_MAX)
				done = true;
			else
				next = key + 1;
		}
		mdb_cursor_close(c);
		mdb_txn_abort(t);
	}
	return rc;
}

/*
 * The signed reply kept for a message: receipts (prelen 0) or dedup
 * (DEDUP_PRE).
 */
static int
state_reply(struct state *s, MDB_dbi dbi, size_t prelen,
    const uint8_t id[static CAIRN_MSG_ID_BYTES],
    struct cairn_audit_receipt *r)
{
	MDB_txn	*t;
	MDB_val	 k, v;
	int	 rc;

	memset(r, 0, sizeof(*r));
	if ((rc = state_txn(s, &t)) != 0)
		return rc;
	k.mv_size = CAIRN_MSG_ID_BYTES;
	k.mv_data = (void *)id;
	if ((rc = mdb_get(t, dbi, &k, &v)) != 0)
		rc = mdb_err(rc);
	else
		rc = open_value(&v, prelen, sizeof(r->reply), r->reply,
		    &r->len);
	mdb_txn_abort(t);
	if (rc == 0 && r->len == 0)
		rc = CAIRN_ECORRUPT;
	if (rc == 0)
		memcpy(r->msg_id, id, CAIRN_MSG_ID_BYTES);
	return rc;
}

/* ---- where the trail comes from: a state directory or the daemon -------- */

/*
 * The daemon, through its client socket (CAIRN_CTL_AUDIT): the same
 * stored bytes, read in pages by the daemon for the auditor and admin
 * roles, so that the [access] roles apply rather than file permissions.
 * The replies the pages carry are kept in a temporary file until export
 * or trace asks for them.
 */
struct lreply {
	uint8_t		 id[CAIRN_MSG_ID_BYTES];
	uint8_t		 issued;
	int		 code;
	long		 off;
	size_t		 len;
};

struct source {
	const char	*name;		/* the directory, or the socket */
	bool		 live;
	struct state	 s;
	struct cairn_client *cl;
	uint32_t	 limit;		/* per page; 0: as many as fit */
	bool		 keep_replies;
	struct lreply	*rv;
	size_t		 nr, capr;
	bool		 sorted;
	FILE		*rf;
};

/* What a record too large to travel is opened as: only its size counts. */
static const uint8_t toobig[CAIRN_AUDIT_MAX_BYTES + 1];

static int
cplist_add(struct cplist *l, uint64_t key, const uint8_t *k, size_t klen,
    const uint8_t *v, size_t vlen, int code)
{
	struct stored_cp *nv;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		if ((nv = reallocarray(l->v, l->cap, sizeof(*nv))) == NULL)
			return -ENOMEM;
		l->v = nv;
	}
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	l->v[l->n].key = key;
	l->v[l->n].rc = code != 0 ? code : cairn_storefmt_checkpoint_decode(
	    &l->v[l->n].cp, k, klen, v, vlen);
	l->n++;
	return 0;
}

/*
 * Opens the state directory dir (-d, or $CAIRN_STATE_DIR) or, when there
 * is none, the daemon's socket.  Reports failures itself: returns 0 or 1.
 */
static int
src_open(struct source *src, const char *cmd, const char *dir,
    const struct global *g)
{
	const char *env;
	int	rc;

	memset(src, 0, sizeof(*src));
	if (dir == NULL && (env = getenv(STATE_ENV)) != NULL &&
	    env[0] != '\0')
		dir = env;
	if (dir != NULL) {
		src->name = dir;
		if ((rc = state_open(&src->s, dir)) != 0)
			return cli_fail(cmd, rc, "%s: %s%s", dir,
			    cairn_strerror(rc), rc == -EACCES ? " (readers "
			    "need the daemon's user, or a copy made with "
			    "mdb_copy; or leave out -d to ask the daemon)" :
			    "");
		return 0;
	}
	src->live = true;
	if ((env = getenv(PAGE_ENV)) != NULL && env[0] != '\0') {
		char		*end;
		unsigned long	 n;

		errno = 0;
		n = strtoul(env, &end, 10);
		if (*end != '\0' || errno != 0 || n == 0 ||
		    n > CAIRN_CTL_AUDIT_MAX)
			cli_usage(cmd, "bad %s '%.20s' (want 1..%d)", PAGE_ENV,
			    env, CAIRN_CTL_AUDIT_MAX);
		src->limit = (uint32_t)n;
	}
	src->name = g->socket != NULL ? g->socket : getenv(CAIRN_SOCKET_ENV);
	if (src->name == NULL || src->name[0] == '\0')
		src->name = CAIRN_SOCKET_DEFAULT;
	if ((rc = cairn_client_open(&src->cl, g->socket, g->timeout_ms)) != 0)
		return cli_fail(cmd, rc, "%s: %s%s", src->name,
		    cairn_strerror(rc), rc == -ENOENT ? " (is cairnd "
		    "running? give -d dir to read a state directory)" : "");
	return 0;
}

static void
src_close(struct source *src)
{
	if (src->live)
		cairn_client_close(src->cl);
	else
		state_close(&src->s);
	if (src->rf != NULL)
		fclose(src->rf);
	free(src->rv);
	src->cl = NULL;
	src->rf = NULL;
	src->rv = NULL;
}

/* A failure of src, with the daemon's text for a refusal. */
static int
src_fail(struct source *src, const char *cmd, int rc)
{
	const char *why = src->live ? cairn_client_error(src->cl) : "";

	return cli_fail(cmd, rc, "%s: %s", src->name, why[0] != '\0' ? why :
	    cairn_strerror(rc));
}

/* The daemon's checkpoints, in pages; the head comes with the first. */
static int
live_snapshot(struct source *src, uint64_t *head,
    uint8_t hash[static CAIRN_HASH_BYTES], struct cplist *l)
{
	struct cairn_ctl_audit pg;
	const struct cairn_ctl_audit_entry *e;
	uint8_t	 kb[CAIRN_STOREFMT_SEQ_KEY_BYTES];
	uint64_t next = 0;
	bool	 first = true, more;
	size_t	 i;
	int	 rc;

	do {
		if ((rc = cairn_client_audit_page(src->cl, next, true,
		    src->limit, NULL,
		    &pg)) != 0)
			return rc;
		if (first) {
			*head = pg.head_seq;
			memcpy(hash, pg.head_hash, CAIRN_HASH_BYTES);
			first = false;
		}
		more = pg.more;
		for (i = 0; i < pg.ncheckpoints && rc == 0; i++) {
			e = &pg.checkpoints[i];
			cairn_storefmt_seq_key(kb, e->seq);
			rc = cplist_add(l, e->seq, kb, sizeof(kb), e->data,
			    e->len, e->code);
			if (e->seq == 0 || e->seq == UINT64_MAX)
				more = false;
			else
				next = e->seq + 1;
		}
		cairn_ctl_audit_clear(&pg);
	} while (rc == 0 && more);
	return rc;
}

static int
src_snapshot(struct source *src, uint64_t *head,
    uint8_t hash[static CAIRN_HASH_BYTES], struct cplist *l)
{
	if (src->live)
		return live_snapshot(src, head, hash, l);
	return state_snapshot(&src->s, head, hash, l);
}

/* Keeps the replies a page carried, their bytes in a temporary file. */
static int
live_keep(struct source *src, const struct cairn_ctl_audit *pg)
{
	struct lreply *nv, *r;
	size_t	 i;

	if (!src->keep_replies || pg->nreplies == 0)
		return 0;
	if (src->rf == NULL && (src->rf = tmpfile()) == NULL)
		return -errno;
	for (i = 0; i < pg->nreplies; i++) {
		if (src->nr == src->capr) {
			src->capr = src->capr ? 2 * src->capr : 256;
			if ((nv = reallocarray(src->rv, src->capr,
			    sizeof(*nv))) == NULL)
				return -ENOMEM;
			src->rv = nv;
		}
		r = &src->rv[src->nr];
		memcpy(r->id, pg->replies[i].msg_id, CAIRN_MSG_ID_BYTES);
		r->issued = pg->replies[i].issued;
		r->code = pg->replies[i].code;
		r->len = pg->replies[i].len;
		if (fseek(src->rf, 0, SEEK_END) != 0 ||
		    (r->off = ftell(src->rf)) < 0)
			return -errno;
		if (r->len > 0 && fwrite(pg->replies[i].data, 1, r->len,
		    src->rf) != r->len)
			return -EIO;
		src->nr++;
		src->sorted = false;
	}
	return 0;
}

static int
live_records(struct source *src, uint64_t from, uint64_t to,
    int (*fn)(void *, uint64_t, const uint8_t *, size_t), void *arg)
{
	struct cairn_ctl_audit pg;
	const struct cairn_ctl_audit_entry *e;
	uint64_t next = from;
	bool	 done = false;
	size_t	 i;
	int	 rc = 0;

	while (!done && rc == 0 && next <= to) {
		if ((rc = cairn_client_audit_page(src->cl, next, false,
		    src->limit, NULL,
		    &pg)) != 0)
			return rc;
		if ((rc = live_keep(src, &pg)) != 0) {
			cairn_ctl_audit_clear(&pg);
			return rc;
		}
		for (i = 0; i < pg.nrecords && !done && rc == 0; i++) {
			e = &pg.records[i];
			if (e->seq > to) {
				done = true;
				break;
			}
			rc = e->code != 0 ? fn(arg, e->seq, toobig,
			    sizeof(toobig)) : fn(arg, e->seq, e->data, e->len);
			if (e->seq == 0 || e->seq == UINT64_MAX)
				done = true;
			else
				next = e->seq + 1;
		}
		if (!pg.more)
			done = true;
		cairn_ctl_audit_clear(&pg);
	}
	return rc;
}

/* As state_records(), from either source. */
static int
src_records(struct source *src, uint64_t from, uint64_t to,
    int (*fn)(void *, uint64_t, const uint8_t *, size_t), void *arg)
{
	if (src->live)
		return live_records(src, from, to, fn, arg);
	return state_records(&src->s, from, to, fn, arg);
}

static int
lreply_cmp(const void *a, const void *b)
{
	const struct lreply *x = a, *y = b;
	int	c;

	if ((c = memcmp(x->id, y->id, CAIRN_MSG_ID_BYTES)) != 0)
		return c;
	return (int)x->issued - (int)y->issued;
}

/*
 * As state_reply(): the reply kept for id, the receipt we issued
 * (issued) or the one we received; from the daemon, among those the
 * pages read so far carried.
 */
static int
src_reply(struct source *src, bool issued,
    const uint8_t id[static CAIRN_MSG_ID_BYTES],
    struct cairn_audit_receipt *r)
{
	struct lreply key, *f;

	if (!src->live)
		return state_reply(&src->s, issued ? src->s.dedup :
		    src->s.receipts, issued ? DEDUP_PRE : 0, id, r);
	memset(r, 0, sizeof(*r));
	if (!src->sorted && src->nr > 0)
		qsort(src->rv, src->nr, sizeof(*src->rv), lreply_cmp);
	src->sorted = true;
	memset(&key, 0, sizeof(key));
	memcpy(key.id, id, CAIRN_MSG_ID_BYTES);
	key.issued = issued;
	if (src->nr == 0 || (f = bsearch(&key, src->rv, src->nr,
	    sizeof(*src->rv), lreply_cmp)) == NULL)
		return CAIRN_ENOTFOUND;
	if (f->code != 0)
		return f->code;
	if (f->len > sizeof(r->reply))
		return CAIRN_ETOOBIG;
	if (fseek(src->rf, f->off, SEEK_SET) != 0)
		return -errno;
	if (fread(r->reply, 1, f->len, src->rf) != f->len)
		return -EIO;
	r->len = f->len;
	memcpy(r->msg_id, id, CAIRN_MSG_ID_BYTES);
	return 0;
}

/*
 * The head, and the messages that answer id (ids[i][16] is 1 for
 * outgoing ones), for trace.
 */
static int
src_related(struct source *src, const uint8_t *id, uint8_t (*ids)[17],
    size_t *n, uint64_t *head)
{
	struct cairn_ctl_audit pg;
	uint8_t	 hash[CAIRN_HASH_BYTES];
	MDB_txn	*t;
	size_t	 i;
	int	 rc;

	*n = 0;
	if (!src->live) {
		if ((rc = related(&src->s, id, ids, n)) != 0 ||
		    (rc = state_txn(&src->s, &t)) != 0)
			return rc;
		rc = state_head(&src->s, t, head, hash);
		mdb_txn_abort(t);
		return rc;
	}
	if ((rc = cairn_client_audit_page(src->cl, 1, false, 1, id,
	    &pg)) != 0)
		return rc;
	*head = pg.head_seq;
	for (i = 0; i < pg.nrelated && i < MAX_RELATED; i++) {
		memcpy(ids[i], pg.related[i].msg_id, CAIRN_MSG_ID_BYTES);
		ids[i][16] = pg.related[i].outgoing;
	}
	*n = i;
	cairn_ctl_audit_clear(&pg);
	return 0;
}

/* ---- keys ---------------------------------------------------------------- */

static int
key_lookup(void *arg, const char *org,
    const uint8_t key_id[static CAIRN_KEY_ID_BYTES], struct cairn_pubkey *key)
{
	struct keysrc *ks = arg;
	const struct cairn_org *o;
	const struct cairn_pubkey *k;
	size_t	i;
	int	rc;

	if (ks->book != NULL) {
		if ((rc = cairn_book_sign_key(ks->book, key_id, &o, &k)) != 0)
			return rc;
		if (strcmp(o->id, org) != 0)
			return CAIRN_ESENDER;
		*key = *k;
		return 0;
	}
	for (i = 0; ks->pub != NULL && i < ks->pub->nsign_keys; i++) {
		if (memcmp(ks->pub->sign_keys[i].key_id, key_id,
		    CAIRN_KEY_ID_BYTES) != 0)
			continue;
		if (strcmp(ks->pub->org, org) != 0)
			return CAIRN_ESENDER;
		*key = ks->pub->sign_keys[i];
		return 0;
	}
	return CAIRN_EUNKNOWNKEY;
}

/*
 * An address book verified with the federation key, or one public key
 * file.  Years later the book may have expired: its signature is checked
 * as of the time it was issued, and the auditor is told.
 */
static int
keys_load(struct keysrc *ks, const char *cmd, const char *keyfile,
    const char *book, const char *fed)
{
	struct cairn_pubfile *fp = NULL;
	struct cairn_book *unv = NULL;
	int64_t	 issued;
	int	 rc;

	memset(ks, 0, sizeof(*ks));
	ks->keys.lookup = key_lookup;
	ks->keys.arg = ks;
	if (keyfile != NULL) {
		if ((rc = cairn_keyfile_public_load(&ks->pub, keyfile)) != 0)
			return cli_fail(cmd, rc, "%s: %s", keyfile,
			    cairn_strerror(rc));
		if (ks->pub->is_federation)
			return cli_fail(cmd, CAIRN_EKEYTYPE, "%s: a federation "
			    "key, not an organisation's", keyfile);
		return 0;
	}
	if ((rc = cairn_keyfile_public_load(&fp, fed)) != 0)
		return cli_fail(cmd, rc, "%s: %s", fed, cairn_strerror(rc));
	if (!fp->is_federation || fp->nsign_keys == 0) {
		free(fp);
		return cli_fail(cmd, CAIRN_EKEYTYPE, "%s: not a federation "
		    "public key", fed);
	}
	if ((rc = cairn_book_load_unverified(&unv, book)) != 0) {
		free(fp);
		return cli_fail(cmd, rc, "%s: %s", book, cairn_strerror(rc));
	}
	issued = cairn_book_data(unv)->issued_ms;
	cairn_book_free(unv);
	rc = cairn_book_load(&ks->book, book, fp->sign_keys[0].pk, 0, issued);
	free(fp);
	if (rc != 0)
		return cli_fail(cmd, rc, "%s: %s", book, cairn_strerror(rc));
	if (cairn_book_data(ks->book)->expires_ms <= cli_now_ms())
		fprintf(stderr, "%s: audit %s: note: address book %s (serial "
		    "%" PRIu64 ") has expired; its signature was checked as "
		    "of its issue\n", CLI_PROG, cmd, book,
		    cairn_book_data(ks->book)->serial);
	return 0;
}

static void
keys_free(struct keysrc *ks)
{
	cairn_book_free(ks->book);
	free(ks->pub);
	ks->book = NULL;
	ks->pub = NULL;
}

/* ---- progress on a terminal ---------------------------------------------- */

static void
progress_init(struct progress *p, const char *what, uint64_t total)
{
	memset(p, 0, sizeof(*p));
	p->on = isatty(STDERR_FILENO) == 1;
	p->what = what;
	p->total = total;
	p->last_ms = cli_now_ms();
}

static void
progress_tick(struct progress *p)
{
	int64_t	now;

	p->done++;
	if (!p->on || (p->done & 4095) != 0)
		return;
	if ((now = cli_now_ms()) - p->last_ms < 250)
		return;
	p->last_ms = now;
	p->shown = true;
	if (p->total > 0)
		fprintf(stderr, "\r%s: %" PRIu64 " of %" PRIu64 " records "
		    "(%u%%)", p->what, p->done, p->total,
		    (unsigned int)(p->done * 100 / p->total));
	else
		fprintf(stderr, "\r%s: %" PRIu64 " records", p->what,
		    p->done);
	fflush(stderr);
}

static void
progress_end(struct progress *p)
{
	if (p->on && p->shown)
		fputs("\r\033[K", stderr);
	p->shown = false;
}

/* ---- verify -------------------------------------------------------------- */

static void
print_result(const char *label, const struct cairn_audit_result *r,
    const char *org)
{
	char	t[TIME_BYTES];

	printf("%s: organisation %s\n", label, org[0] ? org : "(unknown: no "
	    "checkpoint)");
	if (r->records > 0)
		printf("records: %" PRIu64 " checked, seq %" PRIu64 " to %"
		    PRIu64 "\n", r->records, r->first_seq, r->last_seq);
	else
		printf("records: 0 checked\n");
	if (r->has_checkpoint) {
		fmt_time(t, r->last_checkpoint.time_ms);
		printf("checkpoints: %" PRIu64 " signed and matching; last at "
		    "seq %" PRIu64 ", %s\n", r->checkpoints,
		    r->last_checkpoint.seq, t);
	} else
		printf("checkpoints: none signed and matching\n");
	if (r->unsigned_records > 0)
		printf("unsigned: %" PRIu64 " records after the last "
		    "checkpoint\n", r->unsigned_records);
	if (r->fault == CAIRN_AUDIT_FAULT_NONE)
		printf("result: sound\n");
	else if (r->code == CAIRN_ECORRUPT)
		printf("result: FAILED at seq %" PRIu64 ": %s\n", r->bad_seq,
		    cairn_audit_fault_name(r->fault));
	else
		printf("result: FAILED at seq %" PRIu64 ": %s (%s)\n",
		    r->bad_seq, cairn_audit_fault_name(r->fault),
		    cairn_strerror(r->code));
}

struct vstate {
	struct cairn_audit_verifier	*v;
	struct progress			 p;
};

static int
verify_record(void *arg, uint64_t key, const uint8_t *buf, size_t len)
{
	struct vstate *vs = arg;
	struct cairn_audit_record rec;
	int	rc;

	if (key == 0)
		return cairn_audit_verifier_bad_record(vs->v, 0,
		    CAIRN_ECORRUPT);
	if ((rc = cairn_audit_open(&rec, buf, len)) != 0)
		return cairn_audit_verifier_bad_record(vs->v, key, rc);
	if (cairn_audit_verifier_record(vs->v, &rec) != 0)
		return CAIRN_ECORRUPT;
	progress_tick(&vs->p);
	return 0;
}

static int
verify_source(struct source *src, struct keysrc *ks)
{
	struct cairn_audit_result res;
	struct cplist	 cps = { NULL, 0, 0 };
	struct vstate	 vs;
	uint8_t		 hash[CAIRN_HASH_BYTES];
	uint64_t	 head;
	char		 org[CAIRN_ORG_ID_MAX + 1] = "";
	size_t		 i;
	int		 rc, ret = 1;

	memset(&vs, 0, sizeof(vs));
	if ((rc = src_snapshot(src, &head, hash, &cps)) != 0) {
		src_fail(src, "audit verify", rc);
		goto out;
	}
	if (ks->pub != NULL)
		snprintf(org, sizeof(org), "%s", ks->pub->org);
	if ((rc = cairn_audit_verifier_new(&vs.v, &ks->keys,
	    org[0] ? org : NULL)) != 0) {
		cli_fail("audit verify", rc, NULL);
		goto out;
	}
	for (i = 0; i < cps.n; i++) {
		if (cps.v[i].key > head)
			continue;	/* signed after our snapshot's head */
		if (cps.v[i].rc != 0)
			(void)cairn_audit_verifier_bad_checkpoint(vs.v,
			    cps.v[i].key, cps.v[i].rc);
		else if ((rc = cairn_audit_verifier_checkpoint(vs.v,
		    &cps.v[i].cp)) == -ENOMEM) {
			cli_fail("audit verify", rc, NULL);
			goto out;
		}
		if (org[0] == '\0' && cps.v[i].rc == 0)
			snprintf(org, sizeof(org), "%s", cps.v[i].cp.org);
	}
	cairn_audit_verifier_head(vs.v, head, hash);
	progress_init(&vs.p, "verifying", head);
	rc = src_records(src, 1, head, verify_record, &vs);
	progress_end(&vs.p);
	if (rc != 0 && rc != CAIRN_ECORRUPT) {
		src_fail(src, "audit verify", rc);
		goto out;
	}
	rc = cairn_audit_verifier_finish(vs.v, &res);
	printf("%s: %s\n", src->live ? "daemon" : "state", src->name);
	print_result("chain", &res, org);
	ret = rc == 0 ? 0 : 1;
out:
	cairn_audit_verifier_free(vs.v);
	free(cps.v);
	return ret;
}

/* ---- export files -------------------------------------------------------- */

static int
export_open(struct exportfile *ef, const char *path)
{
	ssize_t	 n;
	size_t	 cols = strlen(cairn_audit_csv_columns());

	memset(ef, 0, sizeof(*ef));
	ef->path = path;
	if ((ef->fp = fopen(path, "re")) == NULL)
		return -errno;
	if ((n = getline(&ef->line, &ef->cap, ef->fp)) < 0) {
		export_close(ef);
		return CAIRN_ETRUNCATED;
	}
	ef->lineno = 1;
	if (ef->line[0] == '{') {
		ef->fmt = CAIRN_AUDIT_JSONL;
		rewind(ef->fp);
		ef->lineno = 0;
	} else if ((size_t)n == cols &&
	    memcmp(ef->line, cairn_audit_csv_columns(), cols) == 0)
		ef->fmt = CAIRN_AUDIT_CSV;
	else {
		export_close(ef);
		return CAIRN_EMALFORMED;
	}
	return 0;
}

/*
 * The next item; *eof at the end.  Returns 0 or the parse error of the
 * line ef->lineno.
 */
static int
export_next(struct exportfile *ef, struct cairn_audit_item *it, int *eof)
{
	ssize_t	n;

	*eof = 0;
	errno = 0;
	if ((n = getline(&ef->line, &ef->cap, ef->fp)) < 0) {
		if (errno != 0)
			return -errno;
		*eof = 1;
		return 0;
	}
	ef->lineno++;
	return cairn_audit_item_parse(it, ef->fmt, ef->line, (size_t)n);
}

static void
export_close(struct exportfile *ef)
{
	if (ef->fp != NULL)
		fclose(ef->fp);
	free(ef->line);
	ef->fp = NULL;
	ef->line = NULL;
}

/* Back to the start: before the header (after CSV's column line). */
static int
export_restart(struct exportfile *ef)
{
	rewind(ef->fp);
	ef->lineno = 0;
	if (ef->fmt == CAIRN_AUDIT_CSV) {
		if (getline(&ef->line, &ef->cap, ef->fp) < 0)
			return CAIRN_ETRUNCATED;
		ef->lineno = 1;
	}
	return 0;
}

/*
 * Verifies an open export in two passes (checkpoints, then records) and
 * feeds its records and replies to rec (side) when rec is not NULL.
 * Fills res.  Returns 0 (sound), CAIRN_ECORRUPT (a fault in res), or an
 * error already reported.
 */
static int
export_verify(struct exportfile *ef, struct keysrc *ks,
    struct cairn_audit_reconcile *rec, int side,
    struct cairn_audit_result *res)
{
	struct cairn_audit_verifier *v = NULL;
	struct cairn_audit_item it;
	struct progress p;
	int	 eof, rc, pass, ret = 1;

	memset(res, 0, sizeof(*res));
	if ((rc = export_next(ef, &it, &eof)) != 0 || eof ||
	    it.type != CAIRN_AUDIT_ITEM_HEADER)
		return cli_fail("audit", rc, "%s:%zu: %s", ef->path, ef->lineno,
		    rc != 0 ? cairn_strerror(rc) : "no export header first");
	ef->hdr = it.u.header;
	if ((rc = cairn_audit_verifier_new(&v, &ks->keys, ef->hdr.org)) != 0)
		return cli_fail("audit", rc, NULL);
	cairn_audit_verifier_start(v, ef->hdr.first_seq);
	progress_init(&p, ef->path, ef->hdr.last_seq >= ef->hdr.first_seq ?
	    ef->hdr.last_seq - ef->hdr.first_seq + 1 : 0);
	for (pass = 0; pass < 2; pass++) {
		/* again from the start, past the header */
		if (pass == 1 && ((rc = export_restart(ef)) != 0 ||
		    (rc = export_next(ef, &it, &eof)) != 0)) {
			cli_fail("audit", rc, "%s: %s", ef->path,
			    cairn_strerror(rc));
			goto out;
		}
		for (;;) {
			if ((rc = export_next(ef, &it, &eof)) != 0) {
				progress_end(&p);
				cli_fail("audit", rc, "%s:%zu: %s", ef->path,
				    ef->lineno, cairn_strerror(rc));
				goto out;
			}
			if (eof)
				break;
			if (it.type == CAIRN_AUDIT_ITEM_HEADER) {
				cli_fail("audit", CAIRN_EMALFORMED, "%s:%zu: a "
				    "second header", ef->path, ef->lineno);
				goto out;
			}
			if (pass == 0) {
				if (it.type == CAIRN_AUDIT_ITEM_CHECKPOINT &&
				    cairn_audit_verifier_checkpoint(v,
				    &it.u.checkpoint) == -ENOMEM) {
					cli_fail("audit", -ENOMEM, NULL);
					goto out;
				}
				continue;
			}
			if (it.type == CAIRN_AUDIT_ITEM_RECORD) {
				/* later faults are not examined; go on */
				if (cairn_audit_verifier_record(v,
				    &it.u.record) == 0)
					progress_tick(&p);
			}
			if (rec != NULL && (rc = cairn_audit_reconcile_add(rec,
			    side, &it)) != 0) {
				cli_fail("audit", rc, NULL);
				goto out;
			}
		}
	}
	progress_end(&p);
	rc = cairn_audit_verifier_finish(v, res);
	/* the header says where the export ends; it is not signed */
	if (rc == 0 && res->last_seq < ef->hdr.last_seq) {
		res->fault = CAIRN_AUDIT_FAULT_TRUNCATED;
		res->bad_seq = res->last_seq + 1;
		res->code = CAIRN_ETRUNCATED;
		rc = CAIRN_ECORRUPT;
	}
	ret = rc;
out:
	cairn_audit_verifier_free(v);
	return ret;
}

static int
verify_export(const char *path, struct keysrc *ks)
{
	struct cairn_audit_result res;
	struct exportfile ef;
	int	rc;

	if ((rc = export_open(&ef, path)) != 0)
		return cli_fail("audit verify", rc, "%s: %s", path,
		    rc == CAIRN_EMALFORMED ? "not a cairn audit export" :
		    cairn_strerror(rc));
	rc = export_verify(&ef, ks, NULL, 0, &res);
	export_close(&ef);
	if (rc != 0 && rc != CAIRN_ECORRUPT)
		return 1;
	printf("export: %s (%s, first seq %" PRIu64 ")\n", path,
	    ef.fmt == CAIRN_AUDIT_CSV ? "csv" : "jsonl", ef.hdr.first_seq);
	print_result("chain", &res, ef.hdr.org);
	return rc == 0 ? 0 : 1;
}

static int
cmd_verify(int argc, char **argv, const struct global *g)
{
	static const struct option longopts[] = {
		{ "state",	required_argument,	NULL, 'd' },
		{ "export",	required_argument,	NULL, 'e' },
		{ "key",	required_argument,	NULL, 'k' },
		{ "book",	required_argument,	NULL, 'b' },
		{ "federation",	required_argument,	NULL, 'F' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	const char *dir = NULL, *expfile = NULL, *key = NULL, *book = NULL;
	const char *fed = NULL;
	struct source src;
	struct keysrc ks;
	int	ch, ret;

	while ((ch = getopt_long(argc, argv, ":d:e:k:b:F:h", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'd':
			dir = optarg;
			break;
		case 'e':
			expfile = optarg;
			break;
		case 'k':
			key = optarg;
			break;
		case 'b':
			book = optarg;
			break;
		case 'F':
			fed = optarg;
			break;
		case 'h':
			cli_help_exit("audit verify");
		default:
			cli_bad_option("audit verify", ch, argv);
		}
	}
	if (optind != argc)
		cli_usage("audit verify", "unexpected argument '%s'",
		    argv[optind]);
	if (dir != NULL && expfile != NULL)
		cli_usage("audit verify", "give --state or --export, not both");
	if (key != NULL && (book != NULL || fed != NULL))
		cli_usage("audit verify", "give --key or --book and "
		    "--federation, not both");
	if (key == NULL && (book == NULL || fed == NULL))
		cli_usage("audit verify", "checkpoint signatures need --key, "
		    "or --book and --federation");
	if (keys_load(&ks, "verify", key, book, fed) != 0)
		return 1;
	if (expfile != NULL)
		ret = verify_export(expfile, &ks);
	else if ((ret = src_open(&src, "audit verify", dir, g)) == 0) {
		ret = verify_source(&src, &ks);
		src_close(&src);
	}
	keys_free(&ks);
	return ret;
}

/* ---- export -------------------------------------------------------------- */

struct xstate {
	struct source	*s;
	int64_t		 since, until;
	uint64_t	 first, last;	/* the slice, 0 if empty */
	FILE		*out;
	enum cairn_audit_format fmt;
	int		 err;		/* first error; the caller reports it */
	uint64_t	 err_seq;
	uint8_t		(*ids)[CAIRN_MSG_ID_BYTES + 1];	/* id, db */
	size_t		 nids, capids;
	struct progress	 p;
};

/* Finds the slice: from the first record at or after since, up to the
 * last one before until. */
static int
range_record(void *arg, uint64_t key, const uint8_t *buf, size_t len)
{
	struct xstate *x = arg;
	struct cairn_audit_record rec;
	int	rc;

	if ((rc = cairn_audit_open(&rec, buf, len)) != 0 || key == 0) {
		x->err = rc != 0 ? rc : CAIRN_ECORRUPT;
		x->err_seq = key;
		return 1;
	}
	progress_tick(&x->p);
	if (x->first == 0 && rec.time_ms < x->since)
		return 0;
	if (rec.time_ms >= x->until)
		return 1;	/* the slice ends here */
	if (x->first == 0)
		x->first = key;
	x->last = key;
	return 0;
}

static int
write_item(FILE *out, const struct cairn_audit_item *it,
    enum cairn_audit_format fmt)
{
	char	*line;
	size_t	 len;
	int	 rc;

	if ((rc = cairn_audit_item_format(it, fmt, &line, &len)) != 0)
		return rc;
	rc = fwrite(line, 1, len, out) == len ? 0 : -EIO;
	free(line);
	return rc;
}

static int
write_record(void *arg, uint64_t key, const uint8_t *buf, size_t len)
{
	struct xstate *x = arg;
	struct cairn_audit_item it;
	uint8_t	(*n)[CAIRN_MSG_ID_BYTES + 1];
	int	 db = -1, rc;

	memset(&it, 0, sizeof(it));
	it.type = CAIRN_AUDIT_ITEM_RECORD;
	if ((rc = cairn_audit_open(&it.u.record, buf, len)) != 0 ||
	    key == 0) {
		x->err = rc != 0 ? rc : CAIRN_ECORRUPT;
		x->err_seq = key;
		return 1;
	}
	if ((rc = write_item(x->out, &it, x->fmt)) != 0) {
		x->err = rc;
		return 1;
	}
	progress_tick(&x->p);
	if (!it.u.record.has_msg_id)
		return 0;
	switch (it.u.record.event) {
	case CAIRN_AUDIT_DELIVERED:
	case CAIRN_AUDIT_REJECTED:
		db = 0;		/* the reply we received: receipts */
		break;
	case CAIRN_AUDIT_RECEIVED:
	case CAIRN_AUDIT_DUPLICATE:
		db = 1;		/* the receipt we issued: dedup */
		break;
	default:
		return 0;
	}
	if (x->nids == x->capids) {
		x->capids = x->capids ? 2 * x->capids : 256;
		if ((n = reallocarray(x->ids, x->capids,
		    sizeof(*n))) == NULL) {
			x->err = -ENOMEM;
			return 1;
		}
		x->ids = n;
	}
	memcpy(x->ids[x->nids], it.u.record.msg_id, CAIRN_MSG_ID_BYTES);
	x->ids[x->nids][CAIRN_MSG_ID_BYTES] = (uint8_t)db;
	x->nids++;
	return 0;
}

static int
id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, CAIRN_MSG_ID_BYTES + 1);
}

static int
cmd_export(int argc, char **argv, const struct global *g)
{
	static const struct option longopts[] = {
		{ "state",	required_argument,	NULL, 'd' },
		{ "since",	required_argument,	NULL, 'S' },
		{ "until",	required_argument,	NULL, 'U' },
		{ "format",	required_argument,	NULL, 'f' },
		{ "out",	required_argument,	NULL, 'o' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	const char *dir = NULL, *outpath = NULL;
	struct cairn_audit_item it;
	struct cplist	 cps = { NULL, 0, 0 };
	struct source	 s;
	struct xstate	 x;
	uint8_t		 hash[CAIRN_HASH_BYTES];
	uint64_t	 head;
	char		 org[CAIRN_ORG_ID_MAX + 1] = "";
	size_t		 i;
	int		 ch, fd, rc, ret = 1;

	memset(&x, 0, sizeof(x));
	x.since = INT64_MIN;
	x.until = INT64_MAX;
	x.fmt = CAIRN_AUDIT_JSONL;
	while ((ch = getopt_long(argc, argv, ":d:S:U:f:o:h", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'd':
			dir = optarg;
			break;
		case 'S':
			if (parse_time(optarg, &x.since) != 0)
				cli_usage("audit export", "bad time '%s' (want "
				    "YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or "
				    "@seconds)", optarg);
			break;
		case 'U':
			if (parse_time(optarg, &x.until) != 0)
				cli_usage("audit export", "bad time '%s' (want "
				    "YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or "
				    "@seconds)", optarg);
			break;
		case 'f':
			if (strcmp(optarg, "jsonl") == 0)
				x.fmt = CAIRN_AUDIT_JSONL;
			else if (strcmp(optarg, "csv") == 0)
				x.fmt = CAIRN_AUDIT_CSV;
			else
				cli_usage("audit export", "unknown format '%s' "
				    "(want jsonl or csv)", optarg);
			break;
		case 'o':
			outpath = optarg;
			break;
		case 'h':
			cli_help_exit("audit export");
		default:
			cli_bad_option("audit export", ch, argv);
		}
	}
	if (optind != argc)
		cli_usage("audit export", "unexpected argument '%s'",
		    argv[optind]);
	if (x.since >= x.until)
		cli_usage("audit export", "--since must come before --until");

	if (src_open(&s, "audit export", dir, g) != 0)
		return 1;
	dir = s.name;
	s.keep_replies = true;
	x.s = &s;
	if ((rc = src_snapshot(&s, &head, hash, &cps)) != 0) {
		src_fail(&s, "audit export", rc);
		goto out;
	}
	for (i = 0; i < cps.n && org[0] == '\0'; i++)
		if (cps.v[i].rc == 0)
			snprintf(org, sizeof(org), "%s", cps.v[i].cp.org);
	if (org[0] == '\0') {
		cli_fail("audit export", CAIRN_ENOTFOUND, "%s: no signed "
		    "checkpoint names the organisation; nothing to export "
		    "that could be verified", dir);
		goto out;
	}
	if (x.since == INT64_MIN && x.until == INT64_MAX) {
		x.first = head > 0 ? 1 : 0;
		x.last = head;
	} else {
		progress_init(&x.p, "finding the slice", head);
		rc = src_records(&s, 1, head, range_record, &x);
		progress_end(&x.p);
		if (rc < 0 || x.err != 0) {
			rc = x.err != 0 ? x.err : rc;
			cli_fail("audit export", rc, "%s: record %" PRIu64 ": "
			    "%s (cairn audit verify tells more)", dir,
			    x.err_seq, cairn_strerror(rc));
			goto out;
		}
	}

	if (outpath == NULL)
		x.out = stdout;
	else if ((fd = open(outpath, O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC | O_NOFOLLOW, 0640)) == -1 ||
	    (x.out = fdopen(fd, "w")) == NULL) {
		rc = -errno;
		cli_fail("audit export", rc, "%s: %s", outpath,
		    cairn_strerror(rc));
		goto out;
	}
	if (x.fmt == CAIRN_AUDIT_CSV)
		fputs(cairn_audit_csv_columns(), x.out);
	memset(&it, 0, sizeof(it));
	it.type = CAIRN_AUDIT_ITEM_HEADER;
	it.u.header.version = CAIRN_AUDIT_EXPORT_VERSION;
	snprintf(it.u.header.org, sizeof(it.u.header.org), "%s", org);
	it.u.header.created_ms = cli_now_ms();
	it.u.header.first_seq = x.first > 0 ? x.first : 1;
	it.u.header.last_seq = x.last;
	if ((rc = write_item(x.out, &it, x.fmt)) != 0)
		goto write_fail;
	for (i = 0; i < cps.n; i++) {
		if (cps.v[i].rc != 0 || x.first == 0 ||
		    cps.v[i].key < x.first || cps.v[i].key > x.last)
			continue;
		it.type = CAIRN_AUDIT_ITEM_CHECKPOINT;
		it.u.checkpoint = cps.v[i].cp;
		if ((rc = write_item(x.out, &it, x.fmt)) != 0)
			goto write_fail;
	}
	if (x.first > 0) {
		progress_init(&x.p, "exporting", x.last - x.first + 1);
		rc = src_records(&s, x.first, x.last, write_record, &x);
		progress_end(&x.p);
		if (rc < 0 || x.err != 0) {
			rc = x.err != 0 ? x.err : rc;
			if (rc == -EIO || rc == -ENOMEM)
				goto write_fail;
			cli_fail("audit export", rc, "%s: record %" PRIu64 ": "
			    "%s (cairn audit verify tells more)", dir,
			    x.err_seq, cairn_strerror(rc));
			goto out;
		}
	}
	/* the replies kept for delivered, rejected and received messages */
	if (x.nids > 0)
		qsort(x.ids, x.nids, sizeof(*x.ids), id_cmp);
	for (i = 0; i < x.nids; i++) {
		if (i > 0 && id_cmp(x.ids[i], x.ids[i - 1]) == 0)
			continue;
		it.type = CAIRN_AUDIT_ITEM_RECEIPT;
		rc = src_reply(&s, x.ids[i][CAIRN_MSG_ID_BYTES] != 0,
		    x.ids[i], &it.u.receipt);
		if (rc == CAIRN_ENOTFOUND)
			continue;	/* a dedup entry that expired */
		if (rc != 0) {
			char	hex[CAIRN_MSGID_HEX_BYTES];

			cairn_msgid_format(hex, x.ids[i]);
			cli_fail("audit export", rc, "%s: reply for %s: %s",
			    dir, hex, cairn_strerror(rc));
			goto out;
		}
		if ((rc = write_item(x.out, &it, x.fmt)) != 0)
			goto write_fail;
	}
	if (fflush(x.out) == EOF) {
		rc = -errno;
		goto write_fail;
	}
	if (x.out != stdout) {
		rc = fclose(x.out);
		x.out = NULL;
		if (rc != 0) {
			rc = -errno;
			goto write_fail;
		}
	}
	ret = 0;
	goto out;
write_fail:
	cli_fail("audit export", rc, "%s: %s", outpath ? outpath : "stdout",
	    cairn_strerror(rc));
out:
	if (x.out != NULL && x.out != stdout)
		fclose(x.out);
	free(x.ids);
	free(cps.v);
	src_close(&s);
	return ret;
}

/* ---- trace --------------------------------------------------------------- */

/*
 * Whether the outbox (outgoing) or inbox value v under k is a message
 * in reply to id.  A value that does not decode answers nothing here.
 */
static bool
answers(bool outgoing, const MDB_val *k, const MDB_val *v, const uint8_t *id)
{
	struct cairn_storefmt_out o;
	struct cairn_storefmt_in m;

	if (k->mv_size != CAIRN_MSG_ID_BYTES)
		return false;
	if (outgoing)
		return cairn_storefmt_out_decode(&o, k->mv_data, v->mv_data,
		    v->mv_size) == 0 && o.has_reply_to &&
		    memcmp(o.in_reply_to, id, CAIRN_MSG_ID_BYTES) == 0;
	return cairn_storefmt_in_decode(&m, k->mv_data, v->mv_data,
	    v->mv_size) == 0 && m.has_reply_to &&
	    memcmp(m.in_reply_to, id, CAIRN_MSG_ID_BYTES) == 0;
}

/*
 * Messages that answer id (guarantee, answer, withdrawal), from the
 * outbox and inbox.  ids[i][16] is 1 for outgoing ones.
 */
static int
related(struct state *s, const uint8_t *id, uint8_t (*ids)[17], size_t *n)
{
	MDB_dbi		 dbs[2] = { s->outbox, s->inbox };
	MDB_txn		*t;
	MDB_cursor	*c;
	MDB_val		 k, v;
	MDB_cursor_op	 op;
	int		 d, rc = 0;

	*n = 0;
	if ((rc = state_txn(s, &t)) != 0)
		return rc;
	for (d = 0; d < 2 && rc == 0; d++) {
		if ((rc = mdb_cursor_open(t, dbs[d], &c)) != 0) {
			rc = mdb_err(rc);
			break;
		}
		for (op = MDB_FIRST; (rc = mdb_cursor_get(c, &k, &v,
		    op)) == 0; op = MDB_NEXT) {
			if (!answers(d == 0, &k, &v, id))
				continue;
			if (*n < MAX_RELATED) {
				memcpy(ids[*n], k.mv_data, CAIRN_MSG_ID_BYTES);
				ids[*n][16] = d == 0;
				(*n)++;
			}
		}
		rc = rc == MDB_NOTFOUND ? 0 : mdb_err(rc);
		mdb_cursor_close(c);
	}
	mdb_txn_abort(t);
	return rc;
}

static void
user_name(char *out, size_t size, int64_t uid)
{
	struct passwd	 pw, *res = NULL;
	char		 buf[1024];

	if (uid < 0 || getpwuid_r((uid_t)uid, &pw, buf, sizeof(buf),
	    &res) != 0 || res == NULL)
		snprintf(out, size, "uid %" PRId64, uid);
	else
		snprintf(out, size, "uid %" PRId64 " (%s)", uid, pw.pw_name);
}

struct tstate {
	uint8_t		 ids[MAX_RELATED + 1][17];
	bool		 sent[MAX_RELATED + 1];
	bool		 received[MAX_RELATED + 1];
	size_t		 nids;
	uint64_t	 found;
	struct progress	 p;
	int		 err;
	uint64_t	 err_seq;
};

static int
trace_record(void *arg, uint64_t key, const uint8_t *buf, size_t len)
{
	struct tstate *ts = arg;
	struct cairn_audit_record r;
	char	 t[TIME_BYTES], who[64], hex[2 * CAIRN_HASH_BYTES + 1];
	char	 id[CAIRN_MSGID_HEX_BYTES];
	size_t	 i;
	int	 rc;

	if ((rc = cairn_audit_open(&r, buf, len)) != 0 || key == 0) {
		ts->err = rc != 0 ? rc : CAIRN_ECORRUPT;
		ts->err_seq = key;
		return 1;
	}
	progress_tick(&ts->p);
	if (!r.has_msg_id)
		return 0;
	for (i = 0; i < ts->nids; i++)
		if (memcmp(ts->ids[i], r.msg_id, CAIRN_MSG_ID_BYTES) == 0)
			break;
	if (i == ts->nids)
		return 0;
	progress_end(&ts->p);
	switch (r.event) {
	case CAIRN_AUDIT_SUBMITTED:
	case CAIRN_AUDIT_SENT:
	case CAIRN_AUDIT_DELIVERED:
	case CAIRN_AUDIT_REJECTED:
	case CAIRN_AUDIT_FAILED:
		ts->sent[i] = true;
		break;
	case CAIRN_AUDIT_RECEIVED:
	case CAIRN_AUDIT_DUPLICATE:
		ts->received[i] = true;
		break;
	default:
		break;
	}
	ts->found++;
	fmt_time(t, r.time_ms);
	cairn_msgid_format(id, r.msg_id);
	printf("%8" PRIu64 "  %s  %-14s %s%s  %s -> %s", r.seq, t,
	    cairn_audit_event_name(r.event), id, i == 0 ? " " : "*",
	    r.local[0] ? r.local : "-", r.remote[0] ? r.remote : "-");
	if (r.event == CAIRN_AUDIT_SENT)
		printf("  attempt %d", r.code);
	else if (r.event == CAIRN_AUDIT_REJECTED)
		printf("  reason: %s", cairn_nack_reason_name(
		    (enum cairn_nack_reason)r.code));
	else if (r.code != 0)
		printf("  code %d (%s)", r.code, cairn_strerror(r.code));
	if (r.uid >= 0) {
		user_name(who, sizeof(who), r.uid);
		printf("  by %s", who);
	}
	if (r.has_envelope_hash) {
		cairn_sig_hex(hex, r.envelope_hash, CAIRN_HASH_BYTES);
		printf("  envelope %.16s…", hex);
	}
	putchar('\n');
	return 0;
}

/* The reply kept for a message, its signature checked when keys allow. */
static void
trace_reply(struct source *s, struct keysrc *ks,
    const uint8_t id[static CAIRN_MSG_ID_BYTES], bool outgoing)
{
	struct cairn_audit_receipt rc;
	struct cairn_reply_msg *m = NULL;
	struct cairn_reply r;
	struct cairn_pubkey key;
	const struct cairn_org *o;
	const struct cairn_pubkey *k;
	char	 hex[CAIRN_MSGID_HEX_BYTES], t[TIME_BYTES];
	char	 kid[2 * CAIRN_KEY_ID_BYTES + 1];
	int	 err;

	cairn_msgid_format(hex, id);
	err = src_reply(s, !outgoing, id, &rc);
	if (err == CAIRN_ENOTFOUND) {
		printf("reply %s: %s\n", hex, outgoing ? "none received "
		    "(yet)" : "the receipt issued is no longer kept (its "
		    "duplicate window expired)");
		return;
	}
	if (err != 0) {
		printf("reply %s: cannot be read: %s\n", hex,
		    cairn_strerror(err));
		return;
	}
	if ((err = cairn_reply_parse(&m, rc.reply, rc.len)) != 0) {
		printf("reply %s: does not parse: %s\n", hex,
		    cairn_strerror(err));
		return;
	}
	cairn_sig_hex(kid, cairn_reply_signer_key_id(m), CAIRN_KEY_ID_BYTES);
	if (ks->book == NULL) {
		printf("reply %s: %s, signed with key %s (signature not "
		    "checked: give --book and --federation)\n", hex,
		    outgoing ? "received" : "issued", kid);
		cairn_reply_free(m);
		return;
	}
	err = cairn_book_sign_key(ks->book, cairn_reply_signer_key_id(m), &o,
	    &k);
	if (err == 0) {
		key = *k;
		err = cairn_reply_verify(m, &key, o->id, &r);
	}
	if (err == 0 && memcmp(r.msg_id, id, CAIRN_MSG_ID_BYTES) != 0)
		err = CAIRN_EFIELD;
	if (err != 0)
		printf("reply %s: key %s: signature does NOT verify: %s\n",
		    hex, kid, cairn_strerror(err));
	else {
		fmt_time(t, r.time_ms);
		printf("reply %s: %s by %s at %s, key %s: signature "
		    "valid%s%s", hex, r.type == CAIRN_REPLY_RECEIPT ?
		    "receipt" : "nack", r.org, t, kid,
		    r.type == CAIRN_REPLY_NACK ? ": " : "",
		    r.type == CAIRN_REPLY_NACK ?
		    cairn_nack_reason_name(r.reason) : "");
		if (r.batch_count > 1)
			printf(" (one signature for a batch of %" PRIu32
			    ", this message's place in it proven)",
			    r.batch_count);
		printf("\n");
	}
	cairn_reply_free(m);
}

static int
cmd_trace(int argc, char **argv, const struct global *g)
{
	static const struct option longopts[] = {
		{ "state",	required_argument,	NULL, 'd' },
		{ "book",	required_argument,	NULL, 'b' },
		{ "federation",	required_argument,	NULL, 'F' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	const char *dir = NULL, *book = NULL, *fed = NULL;
	struct keysrc	 ks;
	struct source	 s;
	struct tstate	*ts;
	uint64_t	 head;
	char		 hex[CAIRN_MSGID_HEX_BYTES];
	size_t		 i, n;
	int		 ch, rc, ret = 1;

	while ((ch = getopt_long(argc, argv, ":d:b:F:h", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'd':
			dir = optarg;
			break;
		case 'b':
			book = optarg;
			break;
		case 'F':
			fed = optarg;
			break;
		case 'h':
			cli_help_exit("audit trace");
		default:
			cli_bad_option("audit trace", ch, argv);
		}
	}
	if (argc - optind != 1)
		cli_usage("audit trace", "want exactly one message id");
	if ((book == NULL) != (fed == NULL))
		cli_usage("audit trace", "--book and --federation go together");
	if ((ts = calloc(1, sizeof(*ts))) == NULL)
		return cli_fail("audit trace", -ENOMEM, NULL);
	if (cairn_msgid_parse(ts->ids[0], argv[optind]) != 0) {
		free(ts);
		cli_usage("audit trace", "bad message id '%.40s' (want 32 hex "
		    "digits)", argv[optind]);
	}
	memset(&ks, 0, sizeof(ks));
	if (book != NULL && keys_load(&ks, "trace", NULL, book, fed) != 0) {
		free(ts);
		return 1;
	}
	if (src_open(&s, "audit trace", dir, g) != 0)
		goto out_keys;
	dir = s.name;
	s.keep_replies = true;
	if ((rc = src_related(&s, ts->ids[0], &ts->ids[1], &n,
	    &head)) != 0) {
		src_fail(&s, "audit trace", rc);
		goto out;
	}
	ts->nids = 1 + n;
	cairn_msgid_format(hex, ts->ids[0]);
	printf("message %s", hex);
	if (n > 0)
		printf(" and %zu message%s answering it (marked *)", n,
		    n == 1 ? "" : "s");
	printf("\n%8s  %-24s  %-14s %-9s  %s\n", "SEQ", "TIME (UTC)", "EVENT",
	    "ID", "LOCAL -> REMOTE");
	progress_init(&ts->p, "searching", head);
	rc = src_records(&s, 1, head, trace_record, ts);
	progress_end(&ts->p);
	if (rc < 0 || ts->err != 0) {
		rc = ts->err != 0 ? ts->err : rc;
		cli_fail("audit trace", rc, "%s: record %" PRIu64 ": %s (cairn "
		    "audit verify tells more)", dir, ts->err_seq,
		    cairn_strerror(rc));
		goto out;
	}
	if (ts->found == 0) {
		cli_fail("audit trace", CAIRN_ENOTFOUND, "%s: no audit record "
		    "of message %s", dir, hex);
		goto out;
	}
	for (i = 0; i < ts->nids; i++) {
		if (ts->sent[i])
			trace_reply(&s, &ks, ts->ids[i], true);
		if (ts->received[i])
			trace_reply(&s, &ks, ts->ids[i], false);
	}
	ret = 0;
out:
	src_close(&s);
out_keys:
	keys_free(&ks);
	free(ts);
	return ret;
}

/* ---- reconcile ----------------------------------------------------------- */

struct rstate {
	const char	*org[2];
};

static void
print_finding(void *arg, const struct cairn_audit_finding *f)
{
	const struct rstate *rs = arg;
	char	 id[CAIRN_MSGID_HEX_BYTES], h0[17], h1[17];

	if (f->kind == CAIRN_AUDIT_MATCHED)
		return;
	cairn_msgid_format(id, f->msg_id);
	printf("%-16s %s  %s -> %s  %s: %s, %s: %s",
	    cairn_audit_finding_name(f->kind), id, f->from, f->to,
	    rs->org[0], f->outcome[0], rs->org[1], f->outcome[1]);
	switch (f->kind) {
	case CAIRN_AUDIT_MISSING:
		printf("  (no record at %s)", rs->org[f->side]);
		break;
	case CAIRN_AUDIT_HASH_MISMATCH:
		cairn_sig_hex(h0, f->hash[0], 8);
		cairn_sig_hex(h1, f->hash[1], 8);
		if (f->side >= 0)
			printf("  (%s's own records disagree)",
			    rs->org[f->side]);
		else
			printf("  (envelope %s… vs %s…)", h0, h1);
		break;
	case CAIRN_AUDIT_BAD_RECEIPT:
		printf("  (reply kept by %s: %s)", rs->org[f->side],
		    f->code == CAIRN_ENOTFOUND ? "none" :
		    cairn_strerror(f->code));
		break;
	case CAIRN_AUDIT_UNCONFIRMED:
		printf("  (%s holds no signed reply)", rs->org[f->side]);
		break;
	default:
		break;
	}
	putchar('\n');
}

static int
cmd_reconcile(int argc, char **argv, const struct global *g)
{
	static const struct option longopts[] = {
		{ "book",	required_argument,	NULL, 'b' },
		{ "federation",	required_argument,	NULL, 'F' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	const char *book = NULL, *fed = NULL;
	struct cairn_audit_reconcile *rec = NULL;
	struct cairn_audit_summary sum;
	struct cairn_audit_result res[2];
	struct exportfile ef[2];
	struct keysrc	 ks;
	struct rstate	 rs;
	int		 ch, i, rc, sound = 1, ret = 1;

	(void)g;
	while ((ch = getopt_long(argc, argv, ":b:F:h", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'b':
			book = optarg;
			break;
		case 'F':
			fed = optarg;
			break;
		case 'h':
			cli_help_exit("audit reconcile");
		default:
			cli_bad_option("audit reconcile", ch, argv);
		}
	}
	if (argc - optind != 2)
		cli_usage("audit reconcile", "want two export files");
	if (book == NULL || fed == NULL)
		cli_usage("audit reconcile", "receipts are checked against "
		    "--book, verified with --federation");
	memset(ef, 0, sizeof(ef));
	if (keys_load(&ks, "reconcile", NULL, book, fed) != 0)
		return 1;
	for (i = 0; i < 2; i++) {
		if ((rc = export_open(&ef[i], argv[optind + i])) != 0) {
			cli_fail("audit reconcile", rc, "%s: %s",
			    argv[optind + i], rc == CAIRN_EMALFORMED ?
			    "not a cairn audit export" : cairn_strerror(rc));
			goto out;
		}
	}
	/* the headers name the organisations; their checkpoints confirm */
	for (i = 0; i < 2; i++) {
		struct cairn_audit_item it;
		int	eof;

		if ((rc = export_next(&ef[i], &it, &eof)) != 0 || eof ||
		    it.type != CAIRN_AUDIT_ITEM_HEADER) {
			cli_fail("audit reconcile", rc, "%s: no export header "
			    "first", ef[i].path);
			goto out;
		}
		ef[i].hdr = it.u.header;
		if ((rc = export_restart(&ef[i])) != 0) {
			cli_fail("audit reconcile", rc, "%s: %s", ef[i].path,
			    cairn_strerror(rc));
			goto out;
		}
	}
	rs.org[0] = ef[0].hdr.org;
	rs.org[1] = ef[1].hdr.org;
	if ((rc = cairn_audit_reconcile_new(&rec, &ks.keys, rs.org[0],
	    rs.org[1])) != 0) {
		cli_fail("audit reconcile", rc, "%s and %s are exports of one "
		    "organisation (%s)", ef[0].path, ef[1].path, rs.org[0]);
		goto out;
	}
	for (i = 0; i < 2; i++) {
		rc = export_verify(&ef[i], &ks, rec, i, &res[i]);
		if (rc != 0 && rc != CAIRN_ECORRUPT)
			goto out;
		printf("%s: %s: %" PRIu64 " records", ef[i].path, rs.org[i],
		    res[i].records);
		if (res[i].fault == CAIRN_AUDIT_FAULT_NONE)
			printf(", chain sound, checkpoints: %" PRIu64 "%s\n",
			    res[i].checkpoints, res[i].unsigned_records ?
			    " (records after the last are unsigned)" : "");
		else {
			printf(", chain FAILED at seq %" PRIu64 ": %s\n",
			    res[i].bad_seq,
			    cairn_audit_fault_name(res[i].fault));
			sound = 0;
		}
	}
	if ((rc = cairn_audit_reconcile_run(rec, print_finding, &rs,
	    &sum)) != 0) {
		cli_fail("audit reconcile", rc, NULL);
		goto out;
	}
	printf("%" PRIu64 " messages, %" PRIu64 " matched, %" PRIu64
	    " mismatched\n", sum.messages, sum.matched, sum.mismatched);
	ret = sound && sum.mismatched == 0 ? 0 : 1;
out:
	cairn_audit_reconcile_free(rec);
	export_close(&ef[0]);
	export_close(&ef[1]);
	keys_free(&ks);
	return ret;
}

/* ---- entry --------------------------------------------------------------- */

int
cairn_cli_audit(int argc, char **argv, const struct global *g)
{
	static const struct {
		const char	*name;
		int		(*fn)(int, char **, const struct global *);
	} subs[] = {
		{ "verify",	cmd_verify },
		{ "export",	cmd_export },
		{ "trace",	cmd_trace },
		{ "reconcile",	cmd_reconcile },
	};
	size_t	i;

	if (argc < 2)
		cli_usage("audit", NULL);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		cli_help_exit("audit");
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (strcmp(argv[1], subs[i].name) != 0)
			continue;
		optind = 0;	/* glibc: start afresh, at argv[1] */
		return subs[i].fn(argc - 1, argv + 1, g);
	}
	cli_usage("audit", "unknown audit command '%s'", argv[1]);
}

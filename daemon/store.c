/* SPDX-License-Identifier: MIT */
/*
 * store: the daemon's durable state in LMDB (see store.h).
 *
 * The bytes of keys and values are proto/storefmt.h's: values are
 * versioned and end in a checksum, and are decoded and checked on every
 * read, since LMDB 0.9 checks nothing.  Audit records are stored in their
 * own encoding (proto/audit.h), whose hash serves as their checksum.  Only
 * the first operation of a multi-put call can fail with CAIRN_EEXIST or
 * CAIRN_ENOTFOUND, so that those leave the transaction untouched and
 * usable; every other failure leaves LMDB's transaction in its error
 * state, to be aborted.
 *
 * What to keep and when is for the workflow to decide, not this file.
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <limits.h>
#include <stdbool.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>

#include "daemon/store.h"

/* Short names for the databases of proto/storefmt.h. */
#define DB_OUTBOX	CAIRN_STOREFMT_DB_OUTBOX
#define DB_OUTENV	CAIRN_STOREFMT_DB_OUTENV
#define DB_SCHED	CAIRN_STOREFMT_DB_SCHED
#define DB_RECEIPTS	CAIRN_STOREFMT_DB_RECEIPTS
#define DB_INBOX	CAIRN_STOREFMT_DB_INBOX
#define DB_INENV	CAIRN_STOREFMT_DB_INENV
#define DB_DEDUP	CAIRN_STOREFMT_DB_DEDUP
#define DB_DEDUPEXP	CAIRN_STOREFMT_DB_DEDUPEXP
#define DB_AUDIT	CAIRN_STOREFMT_DB_AUDIT
#define DB_META		CAIRN_STOREFMT_DB_META
#define DB_CASES	CAIRN_STOREFMT_DB_CASES
#define DB_CHECKPOINTS	CAIRN_STOREFMT_DB_CHECKPOINTS
#define DB_COUNT	CAIRN_STOREFMT_DB_COUNT

#define REC_MAX_BYTES	CAIRN_STOREFMT_REC_MAX_BYTES
#define SEQ_KEY_BYTES	CAIRN_STOREFMT_SEQ_KEY_BYTES
#define SCHED_KEY_BYTES	CAIRN_STOREFMT_SCHED_KEY_BYTES
#define META_KEY_MAX	CAIRN_STOREFMT_META_KEY_MAX
#define META_FORMAT	CAIRN_STOREFMT_META_FORMAT
#define META_AUDIT_HEAD	CAIRN_STOREFMT_META_AUDIT_HEAD

struct store_txn {
	struct store	*st;
	MDB_txn		*txn;
	int		 err;	/* the first LMDB error of a write in it */
};

struct store {
	MDB_env		*env;
	MDB_dbi		 dbi[DB_COUNT];
	struct store_txn wtxn;		/* txn == NULL when none is open */
	char		*dir;		/* for the file system's free space */
	void		*map;		/* LMDB's map of data.mdb, or NULL */
	size_t		 map_len;
};

static int	mdb_code(int rc);
static int	wr(MDB_txn *t, int rc);
static uint64_t	disk_free(struct store *);
static int	put_rec(MDB_txn *t, MDB_dbi dbi, const uint8_t *id,
		    const uint8_t *buf, size_t len, unsigned int flags);
static int	put_sched(MDB_txn *t, MDB_dbi dbi, int64_t when,
		    const uint8_t *id);
static int	put_blobv(MDB_txn *, MDB_dbi, const uint8_t *, const uint8_t *,
		    size_t, const struct iovec *, size_t, unsigned int);
static int	put_blob(MDB_txn *t, MDB_dbi dbi, const uint8_t *id,
		    const uint8_t *pre, size_t prelen, const uint8_t *buf,
		    size_t len, unsigned int flags);
static int	get_blob(const MDB_val *v, uint8_t *pre, size_t prelen,
		    uint8_t **out, size_t *outlen);
static int	read_blob(struct store *st, struct store_txn *txn,
		    enum cairn_storefmt_db db, const uint8_t *id, uint8_t *pre,
		    size_t prelen, uint8_t **out, size_t *outlen);
static int	meta_get(MDB_txn *t, struct store *st, const char *key,
		    MDB_val *v);
static int	meta_put(MDB_txn *t, struct store *st, const char *key,
		    const uint8_t *buf, size_t len);
static int	u64_put(MDB_txn *t, struct store *st, const char *key,
		    uint64_t value);
static int	check_format(struct store *st, MDB_txn *t);
static int	open_env(struct store **, const char *, size_t, unsigned int);
static void	find_map(struct store *);
static int	head_read(struct store *st, MDB_txn *t, uint64_t *seq,
		    uint8_t hash[static CAIRN_HASH_BYTES]);
static int	head_write(struct store *st, MDB_txn *t, uint64_t seq,
		    const uint8_t hash[static CAIRN_HASH_BYTES]);
static int	rd_begin(struct store *st, struct store_txn *txn,
		    MDB_txn **t);
static void	rd_end(struct store_txn *txn, MDB_txn *t);
static int	wr_txn(struct store_txn *txn, MDB_txn **t);
static int	scan(struct store *st, enum cairn_storefmt_db db,
		    int (*fn)(void *, const MDB_val *, const MDB_val *),
		    void *ctx);
static int	out_visit(void *ctx, const MDB_val *k, const MDB_val *v);
static int	in_visit(void *ctx, const MDB_val *k, const MDB_val *v);
static int	case_visit(void *ctx, const MDB_val *k, const MDB_val *v);
static int	stats_visit(void *ctx, const MDB_val *k, const MDB_val *v);
static int	checkpoint_decode(const MDB_val *k, const MDB_val *v,
		    struct cairn_audit_checkpoint *cp);
static int	cp_visit(void *ctx, const MDB_val *k, const MDB_val *v);

/* --- errors --- */

static int
mdb_code(int rc)
{
	switch (rc) {
	case 0:
		return 0;
	case MDB_MAP_FULL:
	case ENOSPC:
	case EDQUOT:
		return CAIRN_ENOSPACE;
	case MDB_NOTFOUND:
		return CAIRN_ENOTFOUND;
	case MDB_KEYEXIST:
		return CAIRN_EEXIST;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
		return CAIRN_ECORRUPT;
	case MDB_VERSION_MISMATCH:
		return CAIRN_EVERSION;
	default:
		return CAIRN_ESTORE;
	}
}

/*
 * Every write of a write transaction goes through here with its LMDB
 * result.  A write that fails (other than "not found" or "exists") makes
 * LMDB refuse the transaction's later writes and its commit, with
 * MDB_BAD_TXN only; the first such error is kept, so that store_commit()
 * reports what happened (a full map, say) and not "store failure" when a
 * caller went on after a failed write.
 */
static int
wr(MDB_txn *t, int rc)
{
	struct store *st;

	if (rc != 0 && rc != MDB_NOTFOUND && rc != MDB_KEYEXIST &&
	    (st = mdb_env_get_userctx(mdb_txn_env(t))) != NULL &&
	    st->wtxn.txn == t && st->wtxn.err == 0)
		st->wtxn.err = rc;
	return rc;
}

/* --- values --- */

/* An encoded record under a message id. */
static int
put_rec(MDB_txn *t, MDB_dbi dbi, const uint8_t *id, const uint8_t *buf,
    size_t len, unsigned int flags)
{
	MDB_val	k, v;

	k.mv_size = CAIRN_MSG_ID_BYTES;
	k.mv_data = (void *)id;
	v.mv_size = len;
	v.mv_data = (void *)buf;
	return mdb_code(wr(t, mdb_put(t, dbi, &k, &v, flags)));
}

/* An empty value under u64be(when) || id: sched and dedupexp. */
static int
put_sched(MDB_txn *t, MDB_dbi dbi, int64_t when, const uint8_t *id)
{
	uint8_t	sk[SCHED_KEY_BYTES];
	MDB_val	k, v;

	cairn_storefmt_sched_key(sk, when, id);
	k.mv_size = sizeof(sk);
	k.mv_data = sk;
	v.mv_size = 0;
	v.mv_data = NULL;
	return mdb_code(wr(t, mdb_put(t, dbi, &k, &v, 0)));
}

/*
 * Byte strings (envelopes, replies, dedup receipts) are stored as blobs
 * (proto/storefmt.h), written in place through MDB_RESERVE so that a large
 * envelope is copied once.
 */
static int
put_blob(MDB_txn *t, MDB_dbi dbi, const uint8_t *id, const uint8_t *pre,
    size_t prelen, const uint8_t *buf, size_t len, unsigned int flags)
{
	struct iovec iov;

	if (len > 0 && buf == NULL)
		return CAIRN_EINVAL;
	iov.iov_base = (void *)buf;
	iov.iov_len = len;
	return put_blobv(t, dbi, id, pre, prelen, &iov, 1, flags);
}

static int
put_blobv(MDB_txn *t, MDB_dbi dbi, const uint8_t *id, const uint8_t *pre,
    size_t prelen, const struct iovec *iov, size_t n, unsigned int flags)
{
	MDB_val	 k, v;
	size_t	 len = 0, i;
	int	 rc;

	for (i = 0; i < n; i++) {
		if ((iov[i].iov_len > 0 && iov[i].iov_base == NULL) ||
		    iov[i].iov_len > UINT32_MAX - len)
			return CAIRN_EINVAL;
		len += iov[i].iov_len;
	}
	/* 0: too long for the blob's u32 length */
	if ((v.mv_size = cairn_storefmt_blob_size(prelen, len)) == 0)
		return CAIRN_EINVAL;
	v.mv_data = NULL;
	k.mv_size = CAIRN_MSG_ID_BYTES;
	k.mv_data = (void *)id;
	if ((rc = wr(t, mdb_put(t, dbi, &k, &v, flags | MDB_RESERVE))) != 0)
		return mdb_code(rc);
	cairn_storefmt_blob_writev(v.mv_data, pre, prelen, iov, n);
	return 0;
}

static int
get_blob(const MDB_val *v, uint8_t *pre, size_t prelen, uint8_t **out,
    size_t *outlen)
{
	const uint8_t *data;
	uint8_t	*buf;
	size_t	 len;
	int	 rc;

	if ((rc = cairn_storefmt_blob_open(v->mv_data, v->mv_size, pre,
	    prelen, &data, &len)) != 0)
		return rc;
	if ((buf = malloc(len > 0 ? len : 1)) == NULL)
		return -ENOMEM;
	if (len > 0)
		memcpy(buf, data, len);
	*out = buf;
	*outlen = len;
	return 0;
}

static int
read_blob(struct store *st, struct store_txn *txn, enum cairn_storefmt_db db,
    const uint8_t *id, uint8_t *pre, size_t prelen, uint8_t **out,
    size_t *outlen)
{
	MDB_txn	*t = NULL;
	MDB_val	 k, v;
	int	 rc;

	*out = NULL;
	*outlen = 0;
	if ((rc = rd_begin(st, txn, &t)) != 0)
		return rc;
	k.mv_size = CAIRN_MSG_ID_BYTES;
	k.mv_data = (void *)id;
	if ((rc = mdb_get(t, st->dbi[db], &k, &v)) != 0) {
		rc = mdb_code(rc);
		goto out;
	}
	rc = get_blob(&v, pre, prelen, out, outlen);
out:
	rd_end(txn, t);
	return rc;
}

/* --- meta --- */

static int
meta_get(MDB_txn *t, struct store *st, const char *key, MDB_val *v)
{
	MDB_val	k;

	k.mv_size = strlen(key);
	k.mv_data = (void *)key;
	return mdb_code(mdb_get(t, st->dbi[DB_META], &k, v));
}

static int
meta_put(MDB_txn *t, struct store *st, const char *key, const uint8_t *buf,
    size_t len)
{
	MDB_val	k, v;

	k.mv_size = strlen(key);
	k.mv_data = (void *)key;
	v.mv_size = len;
	v.mv_data = (void *)buf;
	return mdb_code(wr(t, mdb_put(t, st->dbi[DB_META], &k, &v, 0)));
}

static int
u64_put(MDB_txn *t, struct store *st, const char *key, uint64_t value)
{
	uint8_t	buf[CAIRN_STOREFMT_U64_BYTES];

	cairn_storefmt_u64_encode(buf, value);
	return meta_put(t, st, key, buf, sizeof(buf));
}

static int
check_format(struct store *st, MDB_txn *t)
{
	MDB_val	 v;
	int	 rc;

	rc = meta_get(t, st, META_FORMAT, &v);
	if (rc == CAIRN_ENOTFOUND)
		return u64_put(t, st, META_FORMAT, CAIRN_STOREFMT_FORMAT);
	if (rc != 0)
		return rc;
	return cairn_storefmt_format_check(v.mv_data, v.mv_size);
}

static int
head_read(struct store *st, MDB_txn *t, uint64_t *seq,
    uint8_t hash[static CAIRN_HASH_BYTES])
{
	MDB_val	 v;
	int	 rc;

	*seq = 0;
	memset(hash, 0, CAIRN_HASH_BYTES);
	rc = meta_get(t, st, META_AUDIT_HEAD, &v);
	if (rc == CAIRN_ENOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	return cairn_storefmt_head_decode(seq, hash, v.mv_data, v.mv_size);
}

static int
head_write(struct store *st, MDB_txn *t, uint64_t seq,
    const uint8_t hash[static CAIRN_HASH_BYTES])
{
	uint8_t	buf[CAIRN_STOREFMT_HEAD_BYTES];

	cairn_storefmt_head_encode(buf, seq, hash);
	return meta_put(t, st, META_AUDIT_HEAD, buf, sizeof(buf));
}

/* --- transactions --- */

static int
rd_begin(struct store *st, struct store_txn *txn, MDB_txn **t)
{
	*t = NULL;
	if (txn != NULL) {
		if (txn->st != st || txn->txn == NULL)
			return CAIRN_EINVAL;
		*t = txn->txn;
		return 0;
	}
	if (mdb_txn_begin(st->env, NULL, MDB_RDONLY, t) != 0) {
		*t = NULL;
		return CAIRN_ESTORE;
	}
	return 0;
}

static void
rd_end(struct store_txn *txn, MDB_txn *t)
{
	if (txn == NULL && t != NULL)
		mdb_txn_abort(t);
}

static int
wr_txn(struct store_txn *txn, MDB_txn **t)
{
	if (txn == NULL || txn->txn == NULL)
		return CAIRN_EINVAL;
	*t = txn->txn;
	return 0;
}

/* Calls fn for each entry of db in key order, in one read transaction. */
static int
scan(struct store *st, enum cairn_storefmt_db db,
    int (*fn)(void *, const MDB_val *, const MDB_val *), void *ctx)
{
	MDB_txn		*t = NULL;
	MDB_cursor	*c = NULL;
	MDB_val		 k, v;
	MDB_cursor_op	 op;
	int		 rc;

	if ((rc = rd_begin(st, NULL, &t)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(t, st->dbi[db], &c)) != 0) {
		rc = mdb_code(rc);
		goto out;
	}
	for (op = MDB_FIRST; (rc = mdb_cursor_get(c, &k, &v, op)) == 0;
	    op = MDB_NEXT) {
		if ((rc = fn(ctx, &k, &v)) != 0)
			goto out;
	}
	rc = rc == MDB_NOTFOUND ? 0 : mdb_code(rc);
out:
	if (c != NULL)
		mdb_cursor_close(c);
	rd_end(NULL, t);
	return rc;
}

/*
 * LMDB 0.9's page layout (its mdb.c), read here to find damage that
 * reads survive but writes would not: a read follows only the nodes it
 * looks at, while a write copies and moves them by the sizes their
 * headers claim, and LMDB trusts those.  A branch or leaf page: page
 * number (8 bytes), pad, flags, lower and upper bound of its free space
 * (2 each), then the offsets of its nodes; a node: data size (or child
 * page number) in two 16-bit halves, flags (on a branch: the page
 * number's top bits), key size, key, data (or an overflow page number).
 */
#define LP_HDR		16
#define LP_BRANCH	0x01
#define LP_LEAF		0x02
#define LP_OVERFLOW	0x04
#define LN_HDR		8
#define LN_BIGDATA	0x01
#define LN_SUBDATA	0x02
#define LN_DUPDATA	0x04
#define LMDB_DB_BYTES	48	/* a named database's record in the main one */
#define LMDB_DB_ROOT	40	/* its root page number in it */

struct walk {
	const uint8_t	*map;
	size_t		 psize;
	uint64_t	 npages;	/* in the file */
	uint8_t		*seen;		/* a bit per page */
};

static uint16_t
le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint64_t
le64(const uint8_t *p)
{
	uint64_t v = 0;
	int	 i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Marks pages [pgno, pgno + n) as used; 1 if one is out of the file or
 * already used elsewhere (a tree that reaches a page twice is damaged). */
static int
walk_claim(struct walk *w, uint64_t pgno, uint64_t n)
{
	uint64_t i;

	if (pgno < 2 || n == 0 || pgno >= w->npages || n > w->npages - pgno)
		return 1;
	for (i = pgno; i < pgno + n; i++) {
		if (w->seen[i / 8] & (1u << (i % 8)))
			return 1;
		w->seen[i / 8] |= (uint8_t)(1u << (i % 8));
	}
	return 0;
}

/* 0 if the tree under pgno is sound as far as its layout goes. */
static int
walk_page(struct walk *w, uint64_t pgno, int depth)
{
	const uint8_t *p, *node, *ov;
	uint64_t child, ovpg, need;
	uint32_t dsize;
	uint16_t flags, lower, upper, n, i, ptr, nflags, ksize;

	if (depth > 32 || walk_claim(w, pgno, 1))
		return 1;
	p = w->map + pgno * w->psize;
	flags = le16(p + 10);
	lower = le16(p + 12);
	upper = le16(p + 14);
	if (le64(p) != pgno || (flags & (LP_BRANCH | LP_LEAF)) == 0 ||
	    (flags & LP_BRANCH && flags & LP_LEAF) || lower < LP_HDR ||
	    (lower & 1) || lower > upper || upper > w->psize)
		return 1;
	n = (uint16_t)((lower - LP_HDR) / 2);
	if ((flags & LP_BRANCH) && n == 0)
		return 1;
	for (i = 0; i < n; i++) {
		ptr = le16(p + LP_HDR + 2 * i);
		if (ptr < upper || (ptr & 1) || ptr > w->psize - LN_HDR)
			return 1;
		node = p + ptr;
		nflags = le16(node + 4);
		ksize = le16(node + 6);
		if ((size_t)ptr + LN_HDR + ksize > w->psize)
			return 1;
		if (flags & LP_BRANCH) {
			child = (uint64_t)le16(node) |
			    (uint64_t)le16(node + 2) << 16 |
			    (uint64_t)nflags << 32;
			if (walk_page(w, child, depth + 1) != 0)
				return 1;
			continue;
		}
		dsize = (uint32_t)le16(node) | (uint32_t)le16(node + 2) << 16;
		/* cairn's databases hold plain records, no duplicates */
		if (nflags & (LN_SUBDATA | LN_DUPDATA))
			return 1;
		if (!(nflags & LN_BIGDATA)) {
			if ((size_t)ptr + LN_HDR + ksize + dsize > w->psize)
				return 1;
			continue;
		}
		if ((size_t)ptr + LN_HDR + ksize + 8 > w->psize)
			return 1;
		ovpg = le64(node + LN_HDR + ksize);
		if (ovpg < 2 || ovpg >= w->npages)
			return 1;
		ov = w->map + ovpg * w->psize;
		need = ((uint64_t)dsize + LP_HDR + w->psize - 1) / w->psize;
		if (le64(ov) != ovpg || !(le16(ov + 10) & LP_OVERFLOW) ||
		    (uint64_t)(ov[12] | ov[13] << 8 | ov[14] << 16 |
		    (uint64_t)ov[15] << 24) != need ||
		    walk_claim(w, ovpg, need))
			return 1;
	}
	return 0;
}

/*
 * Checks the layout of every page of every tree of cairn's databases
 * (t: a read transaction on env).  Returns 0, or 1 for damage.
 */
static int
walk_trees(MDB_env *env, MDB_txn *t, const char *dir)
{
	struct walk	 w;
	struct stat	 sb;
	MDB_stat	 ms;
	MDB_dbi		 main;
	MDB_val		 k, v;
	char		 path[PATH_MAX];
	void		*map = MAP_FAILED;
	int		 fd = -1, i, bad = 1;

	memset(&w, 0, sizeof(w));
	if (snprintf(path, sizeof(path), "%s/data.mdb", dir) >=
	    (int)sizeof(path) || mdb_env_stat(env, &ms) != 0 ||
	    mdb_dbi_open(t, NULL, 0, &main) != 0 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &sb) != 0 || ms.ms_psize < 512)
		goto out;
	w.psize = ms.ms_psize;
	w.npages = (uint64_t)sb.st_size / w.psize;
	if (w.npages < 2 || (map = mmap(NULL, (size_t)sb.st_size, PROT_READ,
	    MAP_SHARED, fd, 0)) == MAP_FAILED ||
	    (w.seen = calloc(w.npages / 8 + 1, 1)) == NULL)
		goto out;
	w.map = map;
	for (i = 0; i < DB_COUNT; i++) {
		k.mv_data = (void *)cairn_storefmt_db_name(i);
		k.mv_size = strlen(k.mv_data);
		if (mdb_get(t, main, &k, &v) != 0)
			continue;	/* not created yet */
		if (v.mv_size != LMDB_DB_BYTES)
			goto out;
		if (le64((const uint8_t *)v.mv_data + LMDB_DB_ROOT) ==
		    UINT64_MAX)
			continue;	/* empty */
		if (walk_page(&w, le64((const uint8_t *)v.mv_data +
		    LMDB_DB_ROOT), 0) != 0)
			goto out;
	}
	bad = 0;
out:
	free(w.seen);
	if (map != MAP_FAILED)
		munmap(map, (size_t)sb.st_size);
	if (fd != -1)
		close(fd);
	return bad;
}

/* Opens the environment in dir for a check and begins a read txn. */
static int
check_open(const char *dir, size_t map_size, MDB_env **env, MDB_txn **t)
{
	if (mdb_env_create(env) != 0)
		return 1;
	if (mdb_env_set_maxdbs(*env, DB_COUNT) != 0 ||
	    mdb_env_set_mapsize(*env, map_size) != 0 ||
	    mdb_env_open(*env, dir, MDB_NOTLS, 0600) != 0 ||
	    mdb_txn_begin(*env, NULL, MDB_RDONLY, t) != 0)
		return 1;
	return 0;
}

/* the organisations queued messages go to, each told once */
struct queued_orgs {
	char	 (*seen)[CAIRN_ORG_ID_MAX + 1];
	size_t	 n, cap;
	int	 fd;		/* written as "org\n" lines, or -1 */
};

static int
check_queued_visit(void *arg, const struct store_out *o)
{
	struct queued_orgs *q = arg;
	char	(*ns)[CAIRN_ORG_ID_MAX + 1];
	char	 line[CAIRN_ORG_ID_MAX + 2];
	size_t	 i, len;

	for (i = q->n; i > 0; i--)
		if (strcmp(q->seen[i - 1], o->to_org) == 0)
			return 0;
	if ((len = strlen(o->to_org)) > CAIRN_ORG_ID_MAX)
		return CAIRN_ECORRUPT;
	if (q->n == q->cap) {
		q->cap = q->cap ? 2 * q->cap : 16;
		if ((ns = reallocarray(q->seen, q->cap, sizeof(*ns))) == NULL)
			return -ENOMEM;
		q->seen = ns;
	}
	memcpy(q->seen[q->n++], o->to_org, len + 1);
	memcpy(line, o->to_org, len);
	line[len] = '\n';
	if (q->fd != -1 && write(q->fd, line, len + 1) != (ssize_t)len + 1)
		return -EIO;
	return 0;
}

/*
 * The second half of the start-up check: the layout of every page, then
 * every queued message read back whole (its records decoded and their
 * checksums checked), as the daemon will read them; the organisations
 * they go to are written to fd.
 */
static int
check_layout(const char *dir, size_t map_size, int fd)
{
	struct queued_orgs q = { NULL, 0, 0, fd };
	struct store	*st;
	MDB_env		*env;
	MDB_txn		*t;
	int		 rc;

	if (check_open(dir, map_size, &env, &t) != 0)
		return 1;
	rc = walk_trees(env, t, dir);
	mdb_txn_abort(t);
	mdb_env_close(env);
	if (rc != 0)
		return 1;
	/* a scan of the whole queue: readahead and fault-around help here */
	if (open_env(&st, dir, map_size, 0) != 0)
		return 1;
	rc = store_out_queued_each(st, check_queued_visit, &q);
	store_close(st);
	free(q.seen);
	return rc != 0;
}

/*
 * The first half: every entry of every database read through LMDB's own
 * cursors, so that LMDB walks every page, then the writes the daemon
 * makes first, thrown away.  (fd: unused.)
 */
static int
check_pages(const char *dir, size_t map_size, int fd)
{
	MDB_env		*env;
	MDB_txn		*t;
	MDB_cursor	*c;
	MDB_dbi		 dbi;
	MDB_val		 k, v;
	volatile uint8_t sink = 0;
	int		 i, rc;

	(void)fd;
	if (check_open(dir, map_size, &env, &t) != 0)
		return 1;
	for (i = 0; i < DB_COUNT; i++) {
		rc = mdb_dbi_open(t, cairn_storefmt_db_name(i), 0, &dbi);
		if (rc == MDB_NOTFOUND)
			continue;	/* a new store: created below */
		if (rc != 0 || mdb_cursor_open(t, dbi, &c) != 0)
			return 1;
		while ((rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) == 0)
			if (v.mv_size > 0)
				sink ^= ((const uint8_t *)v.mv_data)[0] ^
				    ((const uint8_t *)v.mv_data)[v.mv_size - 1];
		mdb_cursor_close(c);
		if (rc != MDB_NOTFOUND)
			return 1;
	}
	(void)sink;
	mdb_txn_abort(t);
	/*
	 * Writes follow other paths than reads (page copies, node sizes
	 * taken from the page, splits), and the free list is read only when
	 * a write needs pages: make the writes the daemon makes first, then
	 * throw them away.  Keys are time-ordered (message ids, sequence
	 * numbers, schedule times), so those writes land at the right edge
	 * of each tree: rewrite every tree's last record where it lies and
	 * add one after it.
	 */
	if (mdb_txn_begin(env, NULL, 0, &t) != 0)
		return 1;
	for (i = 0; i < DB_COUNT; i++) {
		uint8_t	 after[512];
		MDB_val	 k2, v2;

		if (mdb_dbi_open(t, cairn_storefmt_db_name(i), 0, &dbi) != 0 ||
		    mdb_cursor_open(t, dbi, &c) != 0)
			continue;
		if (mdb_cursor_get(c, &k, &v, MDB_LAST) == 0 &&
		    k.mv_size + 2 <= sizeof(after)) {
			int	 n;

			memcpy(after, k.mv_data, k.mv_size);
			after[k.mv_size] = 0xff;
			k2.mv_size = k.mv_size + 2;
			k2.mv_data = after;
			v2 = v;
			/* the cursor's own record, the same bytes again */
			(void)mdb_cursor_put(c, &k, &v, MDB_CURRENT);
			/* records like it after it, enough to split a page */
			for (n = 0; n < 32; n++) {
				after[k.mv_size + 1] = (uint8_t)n;
				if (mdb_put(t, dbi, &k2, &v2, 0) != 0)
					break;
			}
		}
		mdb_cursor_close(c);
	}
	if (mdb_dbi_open(t, cairn_storefmt_db_name(CAIRN_STOREFMT_DB_META), 0,
	    &dbi) == 0) {
		k.mv_size = 5;
		k.mv_data = (void *)"check";
		v.mv_size = 1;
		v.mv_data = (void *)"x";
		(void)mdb_put(t, dbi, &k, &v, 0);
	}
	mdb_txn_abort(t);
	mdb_env_close(env);
	return 0;
}

/*
 * Runs fn in a child process; returns its pid or -1.  LMDB 0.9 has no page
 * checksums and may crash on a damaged page: the caller learns the file
 * is damaged from how the child ended, before it serves anything.
 */
static pid_t
check_fork(int (*fn)(const char *, size_t, int), const char *dir,
    size_t map_size, int fd)
{
	pid_t	pid;

	if ((pid = fork()) != 0)
		return pid;
	/* a fault on a damaged page must end the child, whatever handlers
	 * the parent had */
	signal(SIGSEGV, SIG_DFL);
	signal(SIGBUS, SIG_DFL);
	signal(SIGILL, SIG_DFL);
	signal(SIGFPE, SIG_DFL);
	signal(SIGABRT, SIG_DFL);
	_exit(fn(dir, map_size, fd));
}

/* Waits for a check child: 1 if it found damage (or died), else 0. */
static int
check_wait(pid_t pid)
{
	int	status;

	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return 1;
	return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int
store_check(const char *dir, size_t map_size,
    void (*org)(void *arg, const char *org), void *arg)
{
	struct stat	sb;
	char		path[PATH_MAX], buf[4096], line[CAIRN_ORG_ID_MAX + 2];
	pid_t		a, b;
	ssize_t		n, i;
	size_t		len = 0;
	int		bad, err, fds[2];

	if (map_size == 0)
		map_size = STORE_DEFAULT_MAP_SIZE;
	if (snprintf(path, sizeof(path), "%s/data.mdb", dir) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	if (stat(path, &sb) != 0)
		return errno == ENOENT ? 0 : -errno;	/* new store */
	/*
	 * Two children side by side, one per core: each walks the whole
	 * file its own way (LMDB's cursors and the trial writes; the page
	 * layout and the queue read back), so a large store is ready in
	 * about half the time.  LMDB coordinates the two through lock.mdb.
	 */
	if ((a = check_fork(check_pages, dir, map_size, -1)) == -1)
		return -errno;
	/* the second tells which organisations queued messages go to */
	if (pipe2(fds, O_CLOEXEC) != 0) {
		err = -errno;
		(void)check_wait(a);
		return err;
	}
	b = check_fork(check_layout, dir, map_size, fds[1]);
	err = -errno;
	close(fds[1]);
	if (b == -1) {
		close(fds[0]);
		(void)check_wait(a);
		return err;
	}
	/* read to the end before waiting: a full pipe would hold it up */
	while ((n = read(fds[0], buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (len < sizeof(line) - 1)
					line[len++] = buf[i];
				continue;
			}
			line[len] = '\0';
			if (org != NULL && len > 0)
				org(arg, line);
			len = 0;
		}
	}
	close(fds[0]);
	bad = check_wait(a);
	bad |= check_wait(b);
	return bad ? CAIRN_ECORRUPT : 0;
}

int
store_open(struct store **out, const char *dir, size_t map_size)
{
	/*
	 * MDB_NORDAHEAD: the daemon reads a few pages at a time (a tree's
	 * right edge, one message), so neither readahead nor the kernel's
	 * fault-around (16 neighbouring pages mapped on every fault) helps;
	 * with them a queue of 100,000 messages kept ~360 MiB of the map
	 * resident.
	 */
	return open_env(out, dir, map_size, MDB_NORDAHEAD);
}

static int
open_env(struct store **out, const char *dir, size_t map_size,
    unsigned int flags)
{
	struct store	*st;
	struct stat	 sb;
	MDB_txn		*t = NULL;
	int		 rc, dead, i;

	*out = NULL;
	if (map_size == 0)
		map_size = STORE_DEFAULT_MAP_SIZE;
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return -errno;
	if (stat(dir, &sb) == -1)
		return -errno;
	if (!S_ISDIR(sb.st_mode))
		return -ENOTDIR;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return -ENOMEM;
	if ((st->dir = strdup(dir)) == NULL) {
		free(st);
		return -ENOMEM;
	}
	if ((rc = mdb_env_create(&st->env)) != 0) {
		free(st->dir);
		free(st);
		return CAIRN_ESTORE;
	}
	/*
	 * MDB_NOTLS ties reader slots to transactions rather than threads, so
	 * that a callback of store_*_each() may read through a transaction
	 * of its own.  Never MDB_NOSYNC, MDB_NOMETASYNC or MDB_WRITEMAP.
	 */
	mdb_env_set_userctx(st->env, st);	/* for wr() */
	if ((rc = mdb_env_set_maxdbs(st->env, DB_COUNT)) != 0 ||
	    (rc = mdb_env_set_mapsize(st->env, map_size)) != 0 ||
	    (rc = mdb_env_open(st->env, dir, MDB_NOTLS | flags, 0600)) != 0 ||
	    (rc = mdb_reader_check(st->env, &dead)) != 0) {
		rc = rc > 0 && rc != ENOSPC ? -rc : mdb_code(rc);
		goto fail;
	}
	if ((rc = mdb_txn_begin(st->env, NULL, 0, &t)) != 0) {
		t = NULL;
		rc = mdb_code(rc);
		goto fail;
	}
	for (i = 0; i < DB_COUNT; i++) {
		if ((rc = mdb_dbi_open(t, cairn_storefmt_db_name(i), MDB_CREATE,
		    &st->dbi[i])) != 0) {
			rc = mdb_code(rc);
			goto fail;
		}
	}
	if ((rc = check_format(st, t)) != 0)
		goto fail;
	rc = mdb_txn_commit(t);
	t = NULL;
	if (rc != 0) {
		rc = mdb_code(rc);
		goto fail;
	}
	find_map(st);
	st->wtxn.st = st;
	*out = st;
	return 0;
fail:
	if (t != NULL)
		mdb_txn_abort(t);
	mdb_env_close(st->env);
	free(st->dir);
	free(st);
	return rc;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	/* A transaction left open by a caller is a bug; do not leak it. */
	if (st->wtxn.txn != NULL)
		mdb_txn_abort(st->wtxn.txn);
	mdb_env_close(st->env);
	free(st->dir);
	free(st);
}

int
store_begin(struct store *st, struct store_txn **out)
{
	*out = NULL;
	/* A second write txn in this thread would wait on itself forever. */
	if (st->wtxn.txn != NULL)
		return CAIRN_ESTORE;
	st->wtxn.err = 0;
	if (mdb_txn_begin(st->env, NULL, 0, &st->wtxn.txn) != 0) {
		st->wtxn.txn = NULL;
		return CAIRN_ESTORE;
	}
	*out = &st->wtxn;
	return 0;
}

int
store_commit(struct store_txn *txn)
{
	int	rc;

	if (txn == NULL || txn->txn == NULL)
		return CAIRN_EINVAL;
	/* mdb_txn_commit() frees the transaction whatever it returns. */
	rc = mdb_txn_commit(txn->txn);
	txn->txn = NULL;
	if (rc == 0)
		return 0;
	/* refused for an earlier failed write: say which */
	if (rc == MDB_BAD_TXN && txn->err != 0)
		rc = txn->err;
	if (mdb_code(rc) == CAIRN_ENOSPACE)
		return CAIRN_ENOSPACE;
	/*
	 * LMDB reports a short write on a full file system as EIO.  The
	 * failed write left the last committed meta page in place, so when
	 * the disk really is full this is not the unknown state of a failed
	 * fsync: it is a full store, and the daemon may go on.
	 */
	if (rc == EIO && disk_free(txn->st) < STORE_DISK_RESERVE)
		return CAIRN_ENOSPACE;
	return CAIRN_ESTORE;
}

void
store_abort(struct store_txn *txn)
{
	if (txn == NULL || txn->txn == NULL)
		return;
	mdb_txn_abort(txn->txn);
	txn->txn = NULL;
}

/* Bytes free for an unprivileged writer on the store's file system. */
static uint64_t
disk_free(struct store *st)
{
	struct statvfs vfs;

	if (st->dir == NULL || statvfs(st->dir, &vfs) != 0)
		return UINT64_MAX;	/* unknown: do not claim it is full */
	return (uint64_t)vfs.f_bavail * vfs.f_frsize;
}

/*
 * Finds LMDB's map of data.mdb in /proc/self/maps: the mapping of the
 * file's inode from offset 0, me_mapsize long (LMDB 0.9 reports the
 * address only for MDB_FIXEDMAP).  Leaves st->map NULL if not found.
 */
static void
find_map(struct store *st)
{
	MDB_envinfo	 info;
	struct stat	 sb;
	FILE		*f;
	char		 line[512];
	unsigned long	 lo, hi, off, ino;
	mdb_filehandle_t fd;

	st->map = NULL;
	if (mdb_env_info(st->env, &info) != 0 ||
	    mdb_env_get_fd(st->env, &fd) != 0 || fstat(fd, &sb) != 0 ||
	    (f = fopen("/proc/self/maps", "re")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%lx-%lx %*4s %lx %*x:%*x %lu", &lo, &hi, &off,
		    &ino) != 4)
			continue;
		if (ino == (unsigned long)sb.st_ino && off == 0 &&
		    hi - lo == info.me_mapsize) {
			st->map = (void *)lo;
			st->map_len = hi - lo;
			break;
		}
	}
	fclose(f);
}

int
store_release_map(struct store *st)
{
	MDB_envinfo	info;
	MDB_stat	ms;
	size_t		len;

	if (st->map == NULL || mdb_env_info(st->env, &info) != 0 ||
	    mdb_env_stat(st->env, &ms) != 0)
		return CAIRN_ESTORE;
	len = ((size_t)info.me_last_pgno + 1) * ms.ms_psize;
	if (len > st->map_len)
		len = st->map_len;
	/*
	 * A read-only shared mapping of the file: this drops only our page
	 * table entries.  The pages stay in the page cache, unchanged, and
	 * come back on the next touch (pointers into the map stay valid).
	 */
	if (madvise(st->map, len, MADV_DONTNEED) != 0)
		return -errno;
	return 0;
}

int
store_space(struct store *st, uint64_t *map_free, uint64_t *disk)
{
	MDB_envinfo	 info;
	MDB_stat	 ms;
	MDB_txn		*t;
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint64_t	 freepages = 0, used;
	int		 rc;

	if ((rc = mdb_env_info(st->env, &info)) != 0 ||
	    (rc = mdb_env_stat(st->env, &ms)) != 0)
		return mdb_code(rc);
	if ((rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &t)) != 0)
		return mdb_code(rc);
	/* The free list (dbi 0) holds arrays of page numbers, count first. */
	if ((rc = mdb_cursor_open(t, 0, &c)) == 0) {
		while ((rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) == 0)
			if (v.mv_size >= sizeof(size_t))
				freepages += *(const size_t *)v.mv_data;
		mdb_cursor_close(c);
	}
	mdb_txn_abort(t);
	used = ((uint64_t)info.me_last_pgno + 1 - freepages) * ms.ms_psize;
	*map_free = used < info.me_mapsize ? info.me_mapsize - used : 0;
	*disk = disk_free(st);
	return 0;
}

int
store_out_drop_envelope(struct store_txn *txn,
    const uint8_t id[static CAIRN_MSG_ID_BYTES])
{
	MDB_txn	*t;
	MDB_val	 k;
	int	 rc;

	if ((rc = wr_txn(txn, &t)) != 0)
		return rc;
	k.mv_size = CAIRN_MSG_ID_BYTES;
	k.mv_data = (void *)id;
	rc = wr(t, mdb_del(t, txn->st->dbi[DB_OUTENV], &k, NULL));
	return rc == MDB_NOTFOUND ? 0 : mdb_code(rc);
}

/* --- outbox --- */

int
store_out_add(struct store_txn *txn, const struct store_out *o,
    const uint8_t *env, size_t envlen)
{
	struct iovec iov;

	if (envlen > UINT32_MAX || (envlen > 0 && env == NULL))
		return CAIRN_EINVAL;
	iov.iov_base = (void *)env;
	iov.iov_len = envlen;
	return store_out_addv(txn, o, &iov, 1);
}

int
store_out_addv(struct store_txn *txn, const struct store_out *o,
    const struct iovec *env, size_t n)
{
	uint8_t	 buf[REC_MAX_BYTES];
	size_t	 len;
	MDB_txn	*t;
	int	 rc;

	if ((rc = wr_txn(txn, &t)) != 0 ||
	    (rc = cairn_storefmt_out_encode(o, buf, &len)) != 0)
		return rc;
	if ((rc = put_rec(t, txn->st->dbi[DB_OUTBOX], o->msg_id, buf, len,
	    MDB_NOOVERWRITE)) != 0)
		return rc;
	if ((rc = put_blobv(t, txn->st->dbi[DB_OUTENV], o->msg_id, NULL, 0,
	    env, n, 0)) != 0)
		return rc;
	if (o->state != STORE_OUT_QUEUED)
		return 0;
	return put_sched(t, txn->st->dbi[DB_SCHED], o->next_ms, o->msg_id);
}

int
store_out_update(struct store_txn *txn, const struct store_out *o)
{
	struct store_out old;
	MDB_txn	*t;
	MDB_val	 k, v;
	int	 rc;

	if ((rc = wr_txn(txn, &t)) != 0)
		return rc;
	k.mv_size = CAIRN_MSG_ID_BYTES;
	k.mv_data = (void *)o->msg_id;
	if ((rc = mdb_get(t, txn->st->dbi[DB_OUTBOX], &k, &v)) != 0)
		return mdb_code(rc);
	if ((rc = cairn_storefmt_out_decode(&old, o->msg_id, v.mv_data,
	    v.mv_size)) != 0)
		return rc;
	return store_out_replace(txn, &old, o);
}

int
store_out_replace(struct store_txn *txn, const struct store_out *old,
    const struct store_out *o)
{
	uint8_t	 buf[REC_MAX_BYTES], sk[SCHED_KEY_BYTES];
	size_t	 len;
	MDB_txn	*t;
	MDB_val	 k;
	int	 rc;

	if ((rc = wr_txn(txn, &t)) != 0 ||
	    (rc = cairn_storefmt_out_encode(o, buf, &len)) != 0)
		return rc;
	if (memcmp(old->msg_id, o->msg_id, CAIRN_MSG_ID_BYTES) != 0)
		return CAIRN_EINVAL;
	if (old->state == STORE_OUT_QUEUED) {
		cairn_storefmt_sched_key(sk, old->next_ms, o->msg_id);
		k.mv_size = sizeof(sk);
		k.mv_data = sk;
		rc = wr(t, mdb_del(t, txn->st->dbi[DB_SCHED], &k, NULL));
		/* A missing entry is repaired by the put below. */
		if (rc != 0 && rc != MDB_NOTFOUND)
			return mdb_code(rc);
	}
	if ((rc = put_rec(t, txn->st->dbi[DB_OUTBOX], o->msg_id, buf, len,
	    0)) != 0)
		return rc;
	if (o->state != STORE_OUT_QUEUED)
		return 0;
	return put_sched(t, txn->st->dbi[DB_SCHED], o->next_ms, o->msg_id);
}

int
store_out_get(struct store *st, struct store_txn *txn,
    const uint8_t id[static CAIRN_MSG_ID_BYTES], struct store_out *o)
{
	MDB_txn	*t;
	MDB_val	 k, v;
	int	 rc;

	memset(o, 0, sizeof(*o));
	if ((rc = rd_begin(st, txn, &t)) != 0)
		return rc;
	k.mv_size = CAIRN_MSG_ID_BYTES;
	k.mv_data = (void *)id;
	if ((rc = mdb_get(t, st->dbi[DB_OUTBOX], &k, &v)) != 0)
		rc = mdb_code(rc);
	else
		rc = cairn_storefmt_out_decode(o, id, v.mv_data, v.mv_size);
	rd_end(txn, t);
	return rc;
}

int
store_out_envelope(struct store *st, struct store_txn *txn,
    const uint8_t id[static CAIRN_MSG_ID_BYTES], uint8_t **env,
    size_t *envlen)
{
	return read_blob(st, txn, DB_OUTENV, id, NULL, 0, env, envlen);
}

/*
 * Walks the schedule in time order, handing fn each QUEUED message with
 * its time; fn returns 0 to go on, 1 to stop, or a negative code.  A
 * schedule entry without its consistent outbox record is CAIRN_ECORRUPT.
 */
static int
sched_walk(struct store *st, struct store_txn *txn,
    int (*fn)(void *, int64_t, struct store_out *), void *arg)
{
	MDB_txn		*t;
	MDB_cursor	*c = NULL;
	MDB_val		 k, v, ok, ov;
	MDB_cursor_op	 op;
	struct store_out o;
	const uint8_t	*id;
	int64_t		 when;
	int		 rc;

	if ((rc = rd_begin(st, txn, &t)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(t, st->dbi[DB_SCHED], &c)) != 0) {
		rc = mdb_code(rc);
		goto out;
	}
	for (op = MDB_FIRST; (rc = mdb_cursor_get(c, &k, &v, op)) == 0;
	    op = MDB_NEXT) {
		if (cairn_storefmt_sched_key_parse(&when, &id, k.mv_data,
		    k.mv_size) != 0 || v.mv_size != 0 || when < 0) {
			rc = CAIRN_ECORRUPT;
			goto out;
		}
		ok.mv_size = CAIRN_MSG_ID_BYTES;
		ok.mv_data = (void *)id;
		if ((rc = mdb_get(t, st->dbi[DB_OUTBOX], &ok, &ov)) != 0) {
			rc = rc == MDB_NOTFOUND ? CAIRN_ECORRUPT :
			    mdb_code(rc);
			goto out;
		}
		if ((rc = cairn_storefmt_out_decode(&o, id, ov.mv_data,
		    ov.mv_size)) != 0)
			goto out;
		if (o.state != STORE_OUT_QUEUED || o.next_ms != when) {
			rc = CAIRN_ECORRUPT;
			goto out;
		}
		if ((rc = fn(arg, when, &o)) != 0)
			break;
	}
	if (rc == MDB_NOTFOUND || rc == 1)
		rc = 0;
	else if (rc > 0)
		rc = mdb_code(rc);
out:
	if (c != NULL)
		mdb_cursor_close(c);
	rd_end(txn, t);
	return rc;
}

struct due_ctx {
	int64_t		 now;
	struct store_out *out;
	size_t		 max, got, visit_max, visited;
	enum store_due_pick (*pick)(void *, const struct store_out *);
	void		*arg;
	int64_t		 next;
};

static int
due_visit(void *arg, int64_t when, struct store_out *o)
{
	struct due_ctx *d = arg;
	enum store_due_pick p = STORE_DUE_TAKE;

	if (when > d->now || d->got == d->max || d->visited == d->visit_max) {
		d->next = when;
		return 1;
	}
	if (d->pick != NULL)
		p = d->pick(d->arg, o);
	if (p == STORE_DUE_STOP) {
		d->next = when;
		return 1;
	}
	d->visited++;
	if (p == STORE_DUE_TAKE)
		d->out[d->got++] = *o;
	return 0;
}

int
store_out_due_select(struct store *st, struct store_txn *txn, int64_t now_ms,
    struct store_out *out, size_t max, size_t visit_max,
    enum store_due_pick (*pick)(void *, const struct store_out *), void *arg,
    size_t *n, int64_t *next_ms)
{
	struct due_ctx d = { now_ms, out, max, 0, visit_max, 0, pick, arg,
	    INT64_MAX };
	int	rc;

	*n = 0;
	*next_ms = INT64_MAX;
	if ((rc = sched_walk(st, txn, due_visit, &d)) != 0)
		return rc;
	*n = d.got;
	*next_ms = d.next;
	return 0;
}

int
store_out_due(struct store *st, struct store_txn *txn, int64_t now_ms,
    struct store_out *out, size_t max, size_t *n, int64_t *next_ms)
{
	return store_out_due_select(st, txn, now_ms, out, max, SIZE_MAX, NULL,
	    NULL, n, next_ms);
}

struct queued_ctx {
	int	(*fn)(void *, const struct store_out *);
	void	*arg;
	int	 rc;
};

static int
queued_visit(void *arg, int64_t when, struct store_out *o)
{
	struct queued_ctx *q = arg;

	(void)when;
	/* fn's own non-zero return stops the walk and is handed back */
	if ((q->rc = q->fn(q->arg, o)) != 0)
		return q->rc < 0 ? q->rc : 1;
	return 0;
}

int
store_out_queued_each(struct store *st,
    int (*fn)(void *arg, const struct store_out *o), void *arg)
{
	struct queued_ctx q = { fn, arg, 0 };
	int	rc;

	if ((rc = sched_walk(st, NULL, queued_visit, &q)) != 0)
		return rc;
	return q.rc;
}

struct out_each {
	int	(*fn)(void *, const struct store_out *);
	void	*arg;
};

static int
out_visit(void *ctx, const MDB_val *k, const MDB_val *v)
{
	struct out_each *oe = ctx;
	struct store_out o;
	int	rc;

	if (k->mv_size != CAIRN_MSG_ID_BYTES)
		return CAIRN_ECORRUPT;
	if ((rc = cairn_storefmt_out_decode(&o, k->mv_data, v->mv_data,
	    v->mv_size)) != 0)
		return rc;
	return oe->fn(oe->arg, &o);
}

int
store_out_each(struct store *st,
    int (*fn)(void *arg, const struct store_out *o), void *arg)
{
	struct out_each oe = { fn, arg };

	return scan(st, DB_OUTBOX, out_visit, &oe);
}

int
store_receipt_put(struct store_txn *txn,
    const uint8_t id[static CAIRN_MSG_ID_BYTES], const uint8_t *buf,
    size_t len)
{
	MDB_txn	*t;
	int	 rc;

	if ((rc = wr_txn(txn, &t)) != 0)
		return rc;
	return put_blob(t, txn->st->dbi[DB_RECEIPTS], id, NULL, 0, buf, len,
	    0);
}

int
store_receipt_get(struct store *st, struct store_txn *txn,
    const uint8_t id[static CAIRN_MSG_ID_BYTES], uint8_t **buf,
    size_t *len)
{
	return read_blob(st, txn, DB_RECEIPTS, id, NULL, 0, buf, len);
}

/* --- inbox --- */

int
store_in_add(struct store_txn *txn, const struct store_in *m,
    const uint8_t *env, size_t envlen)
{
	uint8_t	 buf[REC_MAX_BYTES];
	size_t	 len;
	MDB_txn	*t;
	int	 rc;

	if ((rc = wr_txn(txn, &t)) != 0 ||
	    (rc = cairn_storefmt_in_encode(m, buf, &len)) != 0)
		return rc;
	if (envlen > UINT32_MAX || (envlen > 0 && env == NULL))
		return CAIRN_EINVAL;
	if ((rc = put_rec(t, txn->st->dbi[DB_INBOX], m->msg_id, buf, len,
	    MDB_NOOVERWRITE)) != 0)
		return rc;
	return put_blob(t, txn->st->dbi[DB_INENV], m->msg_id, NULL, 0, env,
	    envlen, 0);
}

int
store_in_update(struct store_txn *txn, const struct store_in *m)
{
	uint8_t	 buf[REC_MAX_BYTES];
	size_t	 len;
	MDB_txn	*t;
	MDB_val	 k, v;
	int	 rc;

	if ((rc = wr_txn(txn, &t)) != 0 ||
	    (rc = cairn_storefmt_in_encode(m, buf, &len)) != 0)
		return rc;
	k.mv_size = CAIRN_MSG_ID_BYTES;
	k.mv_data = (void *)m->msg_id;
	if ((rc = mdb_get(t, txn->st->dbi[DB_INBOX], &k, &v)) != 0)
		return mdb_code(rc);
	return put_rec(t, txn->st->dbi[DB_INBOX], m->msg_id, buf, len, 0);
}

int
store_in_get(struct store *st, struct store_txn *txn,
    const uint8_t id[static CAIRN_MSG_ID_BYTES], struct store_in *m)
{
	MDB_txn	*t;
	MDB_val	 k, v;
	int	 rc;

	memset(m, 0, sizeof(*m));
	if ((rc = rd_begin(st, txn, &t)) != 0)
		return rc;
	k.mv_size = CAIRN_MSG_ID_BYTES;
	k.mv_data = (void *)id;
	if ((rc = mdb_get(t, st->dbi[DB_INBOX], &k, &v)) != 0)
		rc = mdb_code(rc);
	else
		rc = cairn_storefmt_in_decode(m, id, v.mv_data, v.mv_size);
	rd_end(txn, t);
	return rc;
}

int
store_in_envelope(struct store *st, struct store_txn *txn,
    const uint8_t id[static CAIRN_MSG_ID_BYTES], uint8_t **env,
    size_t *envlen)
{
	return read_blob(st, txn, DB_INENV, id, NULL, 0, env, envlen);
}

struct in_each {
	int	(*fn)(void *, const struct store_in *);
	void	*arg;
};

static int
in_visit(void *ctx, const MDB_val *k, const MDB_val *v)
{
	struct in_each *ie = ctx;
	struct store_in m;
	int	rc;

	if (k->mv_size != CAIRN_MSG_ID_BYTES)
		return CAIRN_ECORRUPT;
	if ((rc = cairn_storefmt_in_decode(&m, k->mv_data, v->mv_data,
	    v->mv_size)) != 0)
		return rc;
	return ie->fn(ie->arg, &m);
}

int
store_in_each(struct store *st,
    int (*fn)(void *arg, const struct store_in *m), void *arg)
{
	struct in_each ie = { fn, arg };

	return scan(st, DB_INBOX, in_visit, &ie);
}

/* --- cases --- */

int
store_case_put(struct store_txn *txn, const struct store_case *c)
{
	uint8_t	 buf[REC_MAX_BYTES];
	size_t	 len;
	MDB_txn	*t;
	int	 rc;

	if ((rc = wr_txn(txn, &t)) != 0 ||
	    (rc = cairn_storefmt_case_encode(c, buf, &len)) != 0)
		return rc;
	return put_rec(t, txn->st->dbi[DB_CASES], c->request_id, buf, len, 0);
}

int
store_case_get(struct store *st, struct store_txn *txn,
    const uint8_t id[static CAIRN_MSG_ID_BYTES], struct store_case *c)
{
	MDB_txn	*t;
	MDB_val	 k, v;
	int	 rc;

	memset(c, 0, sizeof(*c));
	if ((rc = rd_begin(st, txn, &t)) != 0)
		return rc;
	k.mv_size = CAIRN_MSG_ID_BYTES;
	k.mv_data = (void *)id;
	if ((rc = mdb_get(t, st->dbi[DB_CASES], &k, &v)) != 0)
		rc = mdb_code(rc);
	else
		rc = cairn_storefmt_case_decode(c, id, v.mv_data, v.mv_size);
	rd_end(txn, t);
	return rc;
}

struct case_each {
	int	(*fn)(void *, const struct store_case *);
	void	*arg;
};

static int
case_visit(void *ctx, const MDB_val *k, const MDB_val *v)
{
	struct case_each *ce = ctx;
	struct store_case c;
	int	rc;

	if (k->mv_size != CAIRN_MSG_ID_BYTES)
		return CAIRN_ECORRUPT;
	if ((rc = cairn_storefmt_case_decode(&c, k->mv_data, v->mv_data,
	    v->mv_size)) != 0)
		return rc;
	return ce->fn(ce->arg, &c);
}

int
store_case_each(struct store *st,
    int (*fn)(void *arg, const struct store_case *c), void *arg)
{
	struct case_each ce = { fn, arg };

	return scan(st, DB_CASES, case_visit, &ce);
}

/* --- dedup --- */

/*
 * dedup holds blobs whose pre is expires_ms; dedupexp indexes them by
 * u64be(expires_ms) || msg_id so that expiry reads only what it drops.
 */
int
store_dedup_put(struct store_txn *txn,
    const uint8_t id[static CAIRN_MSG_ID_BYTES], int64_t expires_ms,
    const uint8_t *receipt, size_t len)
{
	uint8_t	 pre[CAIRN_STOREFMT_DEDUP_PRE_BYTES];
	MDB_txn	*t;
	int	 rc;

	if ((rc = wr_txn(txn, &t)) != 0)
		return rc;
	if (expires_ms < 0)
		return CAIRN_EINVAL;
	cairn_storefmt_dedup_pre(pre, expires_ms);
	if ((rc = put_blob(t, txn->st->dbi[DB_DEDUP], id, pre, sizeof(pre),
	    receipt, len, MDB_NOOVERWRITE)) != 0)
		return rc;
	return put_sched(t, txn->st->dbi[DB_DEDUPEXP], expires_ms, id);
}

int
store_dedup_get(struct store *st, struct store_txn *txn,
    const uint8_t id[static CAIRN_MSG_ID_BYTES], uint8_t **receipt,
    size_t *len)
{
	uint8_t	pre[CAIRN_STOREFMT_DEDUP_PRE_BYTES];

	return read_blob(st, txn, DB_DEDUP, id, pre, sizeof(pre), receipt,
	    len);
}

int
store_dedup_expire(struct store_txn *txn, int64_t now_ms, size_t max,
    size_t *n)
{
	MDB_txn		*t;
	MDB_cursor	*c = NULL;
	MDB_val		 k, v, dk;
	const uint8_t	*id;
	int64_t		 when;
	size_t		 dropped = 0;
	int		 rc;

	*n = 0;
	if ((rc = wr_txn(txn, &t)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(t, txn->st->dbi[DB_DEDUPEXP], &c)) != 0)
		return mdb_code(rc);
	/* Each pass drops the first entry, so the next one is first again. */
	while (dropped < max &&
	    (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST)) == 0) {
		if (cairn_storefmt_sched_key_parse(&when, &id, k.mv_data,
		    k.mv_size) != 0) {
			rc = CAIRN_ECORRUPT;
			goto out;
		}
		if (when >= now_ms)
			break;
		dk.mv_size = CAIRN_MSG_ID_BYTES;
		dk.mv_data = (void *)id;
		rc = wr(t, mdb_del(t, txn->st->dbi[DB_DEDUP], &dk, NULL));
		if (rc != 0 && rc != MDB_NOTFOUND) {
			rc = mdb_code(rc);
			goto out;
		}
		if ((rc = wr(t, mdb_cursor_del(c, 0))) != 0) {
			rc = mdb_code(rc);
			goto out;
		}
		dropped++;
	}
	rc = rc == MDB_NOTFOUND ? 0 : mdb_code(rc);
out:
	mdb_cursor_close(c);
	*n = dropped;
	return rc;
}

/* --- audit --- */

int
store_audit_append(struct store_txn *txn, struct cairn_audit_record *rec)
{
	uint8_t	 prev[CAIRN_HASH_BYTES], kb[SEQ_KEY_BYTES];
	uint8_t	*buf = NULL;
	size_t	 len;
	uint64_t seq;
	MDB_txn	*t;
	MDB_val	 k, v;
	int	 rc;

	if ((rc = wr_txn(txn, &t)) != 0)
		return rc;
	if ((rc = head_read(txn->st, t, &seq, prev)) != 0)
		return rc;
	if (seq == UINT64_MAX)
		return CAIRN_ESTORE;
	rec->seq = seq + 1;
	memcpy(rec->prev_hash, prev, CAIRN_HASH_BYTES);
	if ((rc = cairn_audit_seal(rec, &buf, &len)) != 0)
		return rc;
	cairn_storefmt_seq_key(kb, rec->seq);
	k.mv_size = sizeof(kb);
	k.mv_data = kb;
	v.mv_size = len;
	v.mv_data = buf;
	rc = wr(t, mdb_put(t, txn->st->dbi[DB_AUDIT], &k, &v,
	    MDB_NOOVERWRITE));
	if (rc != 0) {
		/* A record past the head: the head was lost or rolled back. */
		rc = rc == MDB_KEYEXIST ? CAIRN_ECORRUPT : mdb_code(rc);
		goto out;
	}
	rc = head_write(txn->st, t, rec->seq, rec->hash);
out:
	free(buf);
	return rc;
}

int
store_audit_head(struct store *st, struct store_txn *txn, uint64_t *seq,
    uint8_t hash[static CAIRN_HASH_BYTES])
{
	MDB_txn	*t;
	int	 rc;

	*seq = 0;
	memset(hash, 0, CAIRN_HASH_BYTES);
	if ((rc = rd_begin(st, txn, &t)) != 0)
		return rc;
	rc = head_read(st, t, seq, hash);
	rd_end(txn, t);
	return rc;
}

int
store_audit_each(struct store *st, uint64_t from,
    int (*fn)(void *arg, const struct cairn_audit_record *rec), void *arg)
{
	struct cairn_audit_record rec;
	uint8_t		 kb[SEQ_KEY_BYTES], prev[CAIRN_HASH_BYTES];
	uint64_t	 seq, want, prev_seq = 0;
	MDB_txn		*t;
	MDB_cursor	*c = NULL;
	MDB_val		 k, v;
	MDB_cursor_op	 op;
	int		 rc;

	if ((rc = rd_begin(st, NULL, &t)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(t, st->dbi[DB_AUDIT], &c)) != 0) {
		rc = mdb_code(rc);
		goto out;
	}
	cairn_storefmt_seq_key(kb, from);
	k.mv_size = sizeof(kb);
	k.mv_data = kb;
	for (op = MDB_SET_RANGE; (rc = mdb_cursor_get(c, &k, &v, op)) == 0;
	    op = MDB_NEXT) {
		rc = CAIRN_ECORRUPT;
		if (cairn_storefmt_seq_key_parse(&seq, k.mv_data,
		    k.mv_size) != 0)
			goto out;
		if (cairn_audit_open(&rec, v.mv_data, v.mv_size) != 0 ||
		    rec.seq != seq)
			goto out;
		/* Records read here must link up as well as verify. */
		want = prev_seq != 0 ? prev_seq + 1 : from > 0 ? from : 1;
		if (seq != want || (prev_seq != 0 &&
		    memcmp(rec.prev_hash, prev, CAIRN_HASH_BYTES) != 0))
			goto out;
		prev_seq = seq;
		memcpy(prev, rec.hash, CAIRN_HASH_BYTES);
		if ((rc = fn(arg, &rec)) != 0)
			goto out;
	}
	rc = rc == MDB_NOTFOUND ? 0 : mdb_code(rc);
out:
	if (c != NULL)
		mdb_cursor_close(c);
	rd_end(NULL, t);
	return rc;
}

/* --- meta --- */

int
store_meta_put_u64(struct store_txn *txn, const char *key, uint64_t value)
{
	MDB_txn	*t;
	size_t	 len;
	int	 rc;

	if ((rc = wr_txn(txn, &t)) != 0)
		return rc;
	len = strnlen(key, META_KEY_MAX + 1);
	if (len == 0 || len > META_KEY_MAX ||
	    strcmp(key, META_FORMAT) == 0 || strcmp(key, META_AUDIT_HEAD) == 0)
		return CAIRN_EINVAL;
	return u64_put(t, txn->st, key, value);
}

int
store_meta_get_u64(struct store *st, const char *key, uint64_t *value)
{
	MDB_txn	*t;
	MDB_val	 v;
	size_t	 len;
	int	 rc;

	len = strnlen(key, META_KEY_MAX + 1);
	if (len == 0 || len > META_KEY_MAX)
		return CAIRN_EINVAL;
	if ((rc = rd_begin(st, NULL, &t)) != 0)
		return rc;
	if ((rc = meta_get(t, st, key, &v)) == 0)
		rc = cairn_storefmt_u64_decode(value, v.mv_data, v.mv_size);
	rd_end(NULL, t);
	return rc;
}

/* --- counts --- */

static int
stats_visit(void *ctx, const MDB_val *k, const MDB_val *v)
{
	struct store_stats *s = ctx;
	struct store_out o;
	int	rc;

	if (k->mv_size != CAIRN_MSG_ID_BYTES)
		return CAIRN_ECORRUPT;
	if ((rc = cairn_storefmt_out_decode(&o, k->mv_data, v->mv_data,
	    v->mv_size)) != 0)
		return rc;
	s->out_total++;
	switch (o.state) {
	case STORE_OUT_QUEUED:
		s->out_queued++;
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

int
store_stats(struct store *st, struct store_stats *s)
{
	MDB_txn	*t;
	MDB_stat ms;
	int	 rc;

	memset(s, 0, sizeof(*s));
	if ((rc = scan(st, DB_OUTBOX, stats_visit, s)) != 0)
		goto fail;
	if ((rc = rd_begin(st, NULL, &t)) != 0)
		goto fail;
	if ((rc = mdb_stat(t, st->dbi[DB_INBOX], &ms)) != 0)
		goto abort;
	s->in_total = ms.ms_entries;
	if ((rc = mdb_stat(t, st->dbi[DB_DEDUP], &ms)) != 0)
		goto abort;
	s->dedup = ms.ms_entries;
	if ((rc = mdb_stat(t, st->dbi[DB_AUDIT], &ms)) != 0)
		goto abort;
	s->audit = ms.ms_entries;
	rd_end(NULL, t);
	return 0;
abort:
	rd_end(NULL, t);
	rc = mdb_code(rc);
fail:
	memset(s, 0, sizeof(*s));
	return rc;
}

/* --- checkpoints --- */

int
store_checkpoint_put(struct store_txn *txn, uint64_t seq, const uint8_t *buf,
    size_t len)
{
	struct cairn_audit_checkpoint cp;
	uint8_t	 kb[SEQ_KEY_BYTES];
	MDB_txn	*t;
	MDB_val	 k, v;
	int	 rc;

	if ((rc = wr_txn(txn, &t)) != 0)
		return rc;
	if (cairn_audit_checkpoint_open(&cp, buf, len) != 0 || cp.seq != seq)
		return CAIRN_EINVAL;
	cairn_storefmt_seq_key(kb, seq);
	k.mv_size = sizeof(kb);
	k.mv_data = kb;
	v.mv_size = len;
	v.mv_data = (void *)buf;
	return mdb_code(wr(t, mdb_put(t, txn->st->dbi[DB_CHECKPOINTS], &k,
	    &v, MDB_NOOVERWRITE)));
}

/* A stored checkpoint decodes and sits under its own seq. */
static int
checkpoint_decode(const MDB_val *k, const MDB_val *v,
    struct cairn_audit_checkpoint *cp)
{
	if (cairn_storefmt_checkpoint_decode(cp, k->mv_data, k->mv_size,
	    v->mv_data, v->mv_size) != 0)
		return CAIRN_ECORRUPT;
	return 0;
}

int
store_checkpoint_last(struct store *st, struct store_txn *txn,
    struct cairn_audit_checkpoint *cp)
{
	MDB_txn		*t;
	MDB_cursor	*c = NULL;
	MDB_val		 k, v;
	int		 rc;

	memset(cp, 0, sizeof(*cp));
	if ((rc = rd_begin(st, txn, &t)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(t, st->dbi[DB_CHECKPOINTS], &c)) != 0) {
		rc = mdb_code(rc);
		goto out;
	}
	if ((rc = mdb_cursor_get(c, &k, &v, MDB_LAST)) != 0) {
		rc = mdb_code(rc);
		goto out;
	}
	rc = checkpoint_decode(&k, &v, cp);
out:
	if (c != NULL)
		mdb_cursor_close(c);
	rd_end(txn, t);
	return rc;
}

struct cp_each {
	int	(*fn)(void *, const struct cairn_audit_checkpoint *);
	void	*arg;
};

static int
cp_visit(void *ctx, const MDB_val *k, const MDB_val *v)
{
	struct cp_each *ce = ctx;
	struct cairn_audit_checkpoint cp;
	int	rc;

	if ((rc = checkpoint_decode(k, v, &cp)) != 0)
		return rc;
	return ce->fn(ce->arg, &cp);
}

int
store_checkpoint_each(struct store *st,
    int (*fn)(void *arg, const struct cairn_audit_checkpoint *cp), void *arg)
{
	struct cp_each ce = { fn, arg };

	return scan(st, DB_CHECKPOINTS, cp_visit, &ce);
}

int
store_audit_raw(struct store *st, int checkpoints, uint64_t from,
    uint64_t *head, uint8_t hash[static CAIRN_HASH_BYTES],
    int (*fn)(void *arg, uint64_t seq, const uint8_t *val, size_t len),
    void *arg)
{
	uint8_t		 kb[SEQ_KEY_BYTES];
	uint64_t	 seq;
	MDB_txn		*t;
	MDB_cursor	*c = NULL;
	MDB_val		 k, v;
	MDB_cursor_op	 op;
	int		 rc;

	if ((rc = rd_begin(st, NULL, &t)) != 0)
		return rc;
	if ((rc = head_read(st, t, head, hash)) != 0)
		goto out;
	if ((rc = mdb_cursor_open(t, st->dbi[checkpoints ? DB_CHECKPOINTS :
	    DB_AUDIT], &c)) != 0) {
		rc = mdb_code(rc);
		goto out;
	}
	cairn_storefmt_seq_key(kb, from);
	k.mv_size = sizeof(kb);
	k.mv_data = kb;
	for (op = MDB_SET_RANGE; (rc = mdb_cursor_get(c, &k, &v, op)) == 0;
	    op = MDB_NEXT) {
		if (cairn_storefmt_seq_key_parse(&seq, k.mv_data,
		    k.mv_size) != 0)
			seq = 0;
		if ((rc = fn(arg, seq, v.mv_data, v.mv_size)) != 0)
			goto out;
	}
	rc = rc == MDB_NOTFOUND ? 0 : mdb_code(rc);
out:
	if (c != NULL)
		mdb_cursor_close(c);
	rd_end(NULL, t);
	return rc;
}

/* SPDX-License-Identifier: MIT */
/*
 * bench floor: what the disk alone costs the latency figure.
 *
 *   floor -D DIR [-R RATE] [-d SECONDS] [-c SEAL,OPEN[,SIGN,VERIFY]]
 *
 * The latency part of make bench sends RATE messages/s on a fixed
 * schedule and counts from each planned submit to the moment the
 * message is durably in the receiver's inbox.  On the way it crosses
 * two durable LMDB commits in series, the sender's and the receiver's,
 * and waits for whichever commit each daemon is in when it arrives.
 * This program is that path with nothing else on it: no crypto, no
 * sockets, no protobuf, no daemons.
 *
 * Two LMDB environments under DIR (a/ and b/), opened as cairnd opens
 * its store (MDB_NOTLS | MDB_NORDAHEAD, durable commits), one thread
 * each:
 *
 *   hop A	takes every message whose planned time has come and every
 *		message hop B has stored since, and writes them in one
 *		transaction: for a new message a queue record, a 1.5 KiB
 *		envelope, a schedule entry, a case and an audit record; for
 *		one B has stored, the record again, the envelope and the
 *		schedule entry deleted, a receipt, the case, an audit
 *		record (as the sender does for a receipt).  Commits, then
 *		hands the new messages to B.
 *   hop B	takes every message handed over, writes an inbox record,
 *		the envelope, two dedup entries, a case and an audit
 *		record each, commits, and notes the time.
 *
 * Group commit at both hops, time-ordered keys, records of the sizes
 * cairnd writes for a 1 KiB request.  Printed: planned -> committed at
 * B, p50/p99/max (lat_floor_*), and each hop's commit time.  A design
 * with one synced commit per hop cannot do better than this on this
 * disk; the difference to lat_delivered is what the daemons add.
 *
 * With -c, each hop also keeps a core busy for the CPU time the bound
 * measured for the crypto, in microseconds: SEAL per new message at A
 * (seal and sign) and OPEN per message at B (parse, verify, open), each
 * on a thread of its own beside the hop (as cairnd's workers seal and
 * open while its main thread commits), handing each message on when
 * done; SIGN per commit at B (a receipt batch signed) and VERIFY per
 * commit at A that takes receipts in (the batch's signature checked),
 * on the hop's thread before its commit, as cairnd does them.  Spun,
 * not computed: on this VM a busy core slows the disk (the hypervisor
 * seems to serve the disk with the VM's own CPU time), so the floor of
 * a design that does the crypto is higher than the disk's alone.  The
 * figures are then named lat_floor_cpu_* and floor_cpu_commit_*.
 *
 * Prints "bench: NAME VALUE UNIT" lines on stdout; measured, never
 * asserted.
 */
#include <sys/stat.h>

#include <errno.h>
#include <lmdb.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/bench/bench.h"

#define MAP_BYTES	((size_t)1 << 30)
#define ENVELOPE_BYTES	1536	/* a sealed request with 1 KiB of text */
#define RECORD_BYTES	256	/* a queue or inbox record */
#define RECEIPT_BYTES	320	/* a receipt batch's path for one message */
#define CASE_BYTES	128
#define AUDIT_BYTES	160
#define DEDUP_BYTES	40
#define MAX_MSGS	1000000

enum {
	DB_RECORD,	/* outbox / inbox */
	DB_ENVELOPE,	/* outenv / inenv */
	DB_INDEX,	/* sched / dedupexp */
	DB_RECEIPT,	/* receipts / dedup */
	DB_CASE,
	DB_AUDIT,
	DB_N
};

struct hop {
	const char	*name;
	MDB_env		*env;
	MDB_dbi		 dbi[DB_N];
	uint64_t	 audit_seq;
	double		*commit_ms;	/* one per commit */
	size_t		 ncommits;
};

struct floor {
	size_t		 n;
	double		 rate;
	double		 t0;		/* planned time of message 0 */
	double		*done;		/* per message: committed at B */
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv_a, cv_b, cv_open;
	int		 cpu;		/* -c given: seal and open threads */
	size_t		 sealed;	/* -c: [0, sealed) ready for A */
	size_t		 handed;	/* [0, handed) committed at A */
	size_t		 opened;	/* -c: [0, opened) ready for B */
	size_t		 stored;	/* [0, stored) committed at B */
	int		 failed;
	struct hop	 a, b;
	double		 seal_us, open_us;	/* -c: CPU per message */
	double		 sign_us, verify_us;	/* -c: CPU per commit */
	uint8_t		 filler[ENVELOPE_BYTES];
};

static void	spin(double);
static void	msg_id(uint8_t[16], const struct floor *, size_t);
static int	hop_open(struct hop *, const char *, const char *, size_t);
static void	hop_close(struct hop *);
static int	put(struct floor *, struct hop *, MDB_txn *, int,
		    const void *, size_t, size_t);
static int	del(struct hop *, MDB_txn *, int, const void *, size_t);
static int	audit(struct floor *, struct hop *, MDB_txn *);
static int	commit(struct hop *, MDB_txn *);
struct op;
static int	write_msgs(struct floor *, struct hop *, MDB_txn *,
		    const struct op *, size_t, size_t);
static int	hop_txn(struct floor *, struct hop *, const struct op *, size_t,
		    size_t, const struct op *, size_t, size_t);
static int	a_txn(struct floor *, size_t, size_t, size_t, size_t);
static int	b_txn(struct floor *, size_t, size_t);
static int	publish(struct floor *, size_t *, size_t, pthread_cond_t *);
static void	fail(struct floor *, const char *, int);
static void	*seal_run(void *);
static void	*open_run(void *);
static void	*a_run(void *);
static void	*b_run(void *);
static void	usage(void) __attribute__((__noreturn__));

/* Keeps the core busy for us microseconds, as computing would. */
static void
spin(double us)
{
	double	end;

	if (us <= 0)
		return;
	end = bench_mono() + us / 1e6;
	while (bench_mono() < end)
		;
}

/* Time-ordered, as cairnd's message ids: planned µs, then the number. */
static void
msg_id(uint8_t id[16], const struct floor *f, size_t i)
{
	uint64_t us = (uint64_t)((f->t0 + (double)i / f->rate) * 1e6);
	int	 k;

	for (k = 0; k < 8; k++)
		id[k] = (uint8_t)(us >> (56 - 8 * k));
	for (k = 0; k < 8; k++)
		id[8 + k] = (uint8_t)((uint64_t)i >> (56 - 8 * k));
}

static int
hop_open(struct hop *h, const char *dir, const char *name, size_t n)
{
	static const char *const dbs[DB_N] = {
		"record", "envelope", "index", "receipt", "case", "audit"
	};
	MDB_txn	*t;
	int	 i, rc;

	h->name = name;
	/* at most two commits per message (A: its submit, its receipt) */
	if ((h->commit_ms = calloc(2 * n + 1, sizeof(*h->commit_ms))) == NULL)
		return ENOMEM;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return errno;
	if ((rc = mdb_env_create(&h->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(h->env, DB_N)) != 0 ||
	    (rc = mdb_env_set_mapsize(h->env, MAP_BYTES)) != 0 ||
	    (rc = mdb_env_open(h->env, dir, MDB_NOTLS | MDB_NORDAHEAD,
	    0600)) != 0)
		return rc;
	if ((rc = mdb_txn_begin(h->env, NULL, 0, &t)) != 0)
		return rc;
	for (i = 0; i < DB_N; i++)
		if ((rc = mdb_dbi_open(t, dbs[i], MDB_CREATE,
		    &h->dbi[i])) != 0) {
			mdb_txn_abort(t);
			return rc;
		}
	return mdb_txn_commit(t);
}

static void
hop_close(struct hop *h)
{
	if (h->env != NULL)
		mdb_env_close(h->env);
	h->env = NULL;
	free(h->commit_ms);
	h->commit_ms = NULL;
}

static int
put(struct floor *f, struct hop *h, MDB_txn *t, int db, const void *key,
    size_t klen, size_t vlen)
{
	MDB_val	k = { klen, (void *)key }, v = { vlen, f->filler };

	return mdb_put(t, h->dbi[db], &k, &v, 0);
}

static int
del(struct hop *h, MDB_txn *t, int db, const void *key, size_t klen)
{
	MDB_val	k = { klen, (void *)key };
	int	rc;

	rc = mdb_del(t, h->dbi[db], &k, NULL);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int
audit(struct floor *f, struct hop *h, MDB_txn *t)
{
	uint8_t	key[8];
	uint64_t seq = ++h->audit_seq;
	int	k;

	for (k = 0; k < 8; k++)
		key[k] = (uint8_t)(seq >> (56 - 8 * k));
	return put(f, h, t, DB_AUDIT, key, sizeof(key), AUDIT_BYTES);
}

static int
commit(struct hop *h, MDB_txn *t)
{
	double	t0 = bench_mono();
	int	rc;

	if ((rc = mdb_txn_commit(t)) == 0)
		h->commit_ms[h->ncommits++] = (bench_mono() - t0) * 1e3;
	return rc;
}

/* What one message costs a hop's transaction, database by database. */
struct op {
	int	 db;		/* -1 ends the list */
	int	 del;		/* delete instead of put */
	size_t	 vlen;
};

/* the sender takes a submit in */
static const struct op op_submit[] = {
	{ DB_RECORD, 0, RECORD_BYTES }, { DB_ENVELOPE, 0, ENVELOPE_BYTES },
	{ DB_INDEX, 0, 0 }, { DB_CASE, 0, CASE_BYTES }, { -1, 0, 0 }
};
/* the sender takes its receipt in */
static const struct op op_settle[] = {
	{ DB_RECORD, 0, RECORD_BYTES }, { DB_ENVELOPE, 1, 0 },
	{ DB_INDEX, 1, 0 }, { DB_RECEIPT, 0, RECEIPT_BYTES },
	{ DB_CASE, 0, CASE_BYTES }, { -1, 0, 0 }
};
/* the receiver takes the envelope in */
static const struct op op_intake[] = {
	{ DB_RECORD, 0, RECORD_BYTES }, { DB_ENVELOPE, 0, ENVELOPE_BYTES },
	{ DB_RECEIPT, 0, DEDUP_BYTES }, { DB_INDEX, 0, 0 },
	{ DB_CASE, 0, CASE_BYTES }, { -1, 0, 0 }
};

/* Messages [from, to) as ops says, each with an audit record. */
static int
write_msgs(struct floor *f, struct hop *h, MDB_txn *t, const struct op *ops,
    size_t from, size_t to)
{
	const struct op *o;
	uint8_t	 id[16];
	size_t	 i;
	int	 rc = 0;

	for (i = from; i < to && rc == 0; i++) {
		msg_id(id, f, i);
		for (o = ops; o->db >= 0 && rc == 0; o++)
			rc = o->del ? del(h, t, o->db, id, sizeof(id)) :
			    put(f, h, t, o->db, id, sizeof(id), o->vlen);
		if (rc == 0)
			rc = audit(f, h, t);
	}
	return rc;
}

/* One transaction at h: [n0, n1) as ops, [s0, s1) as sops; commits. */
static int
hop_txn(struct floor *f, struct hop *h, const struct op *ops, size_t n0,
    size_t n1, const struct op *sops, size_t s0, size_t s1)
{
	MDB_txn	*t;
	int	 rc;

	if ((rc = mdb_txn_begin(h->env, NULL, 0, &t)) != 0)
		return rc;
	if ((rc = write_msgs(f, h, t, ops, n0, n1)) != 0 ||
	    (s1 > s0 && (rc = write_msgs(f, h, t, sops, s0, s1)) != 0)) {
		mdb_txn_abort(t);
		return rc;
	}
	return commit(h, t);
}

/* Hop A: new messages [n0, n1), receipts for [s0, s1). */
static int
a_txn(struct floor *f, size_t n0, size_t n1, size_t s0, size_t s1)
{
	spin(s1 > s0 ? f->verify_us : 0);
	return hop_txn(f, &f->a, op_submit, n0, n1, op_settle, s0, s1);
}

/* Hop B: messages [n0, n1) taken in. */
static int
b_txn(struct floor *f, size_t n0, size_t n1)
{
	spin(f->sign_us);
	return hop_txn(f, &f->b, op_intake, n0, n1, NULL, 0, 0);
}

/*
 * Sets *count to n and wakes the thread waiting on cv, under the lock;
 * returns whether the run has failed meanwhile.
 */
static int
publish(struct floor *f, size_t *count, size_t n, pthread_cond_t *cv)
{
	int	failed;

	pthread_mutex_lock(&f->mu);
	*count = n;
	failed = f->failed;
	pthread_cond_signal(cv);
	pthread_mutex_unlock(&f->mu);
	return failed;
}

/* Hop name's transaction failed with rc: says so and stops every thread. */
static void
fail(struct floor *f, const char *name, int rc)
{
	fprintf(stderr, "floor: hop %s: %s\n", name, mdb_strerror(rc));
	pthread_mutex_lock(&f->mu);
	f->failed = 1;
	pthread_cond_signal(&f->cv_a);
	pthread_cond_signal(&f->cv_b);
	pthread_cond_signal(&f->cv_open);
	pthread_mutex_unlock(&f->mu);
}

/* -c: A's sealing, each message at its planned time. */
static void *
seal_run(void *arg)
{
	struct floor *f = arg;
	size_t	 i;
	int	 failed = 0;

	for (i = 0; i < f->n && !failed; i++) {
		bench_sleep_until(f->t0 + (double)i / f->rate);
		spin(f->seal_us);
		failed = publish(f, &f->sealed, i + 1, &f->cv_a);
	}
	return NULL;
}

/* -c: B's opening, each message as A hands it over. */
static void *
open_run(void *arg)
{
	struct floor *f = arg;
	size_t	 i = 0, handed;
	int	 failed;

	for (;;) {
		pthread_mutex_lock(&f->mu);
		while (f->handed == i && i < f->n && !f->failed)
			pthread_cond_wait(&f->cv_open, &f->mu);
		handed = f->handed;
		failed = f->failed;
		pthread_mutex_unlock(&f->mu);
		if (failed || i == f->n)
			break;
		for (; i < handed; i++) {
			spin(f->open_us);
			(void)publish(f, &f->opened, i + 1, &f->cv_b);
		}
	}
	return NULL;
}

static void *
a_run(void *arg)
{
	struct floor *f = arg;
	struct timespec ts;
	size_t	 next = 0, due, settled = 0, stored;
	double	 now;
	int	 rc = 0, failed;

	for (;;) {
		pthread_mutex_lock(&f->mu);
		for (;;) {
			now = bench_mono();
			if (f->cpu)
				due = f->sealed;
			else {
				due = now < f->t0 ? 0 :
				    (size_t)((now - f->t0) * f->rate) + 1;
				if (due > f->n)
					due = f->n;
			}
			stored = f->stored;
			if (next < due || settled < stored || f->failed ||
			    (next == f->n && settled == f->n))
				break;
			if (next < f->n && !f->cpu) {
				bench_ts(&ts, f->t0 + (double)next / f->rate);
				pthread_cond_timedwait(&f->cv_a, &f->mu, &ts);
			} else
				pthread_cond_wait(&f->cv_a, &f->mu);
		}
		failed = f->failed;
		pthread_mutex_unlock(&f->mu);
		if (failed || (next == f->n && settled == f->n))
			break;
		if ((rc = a_txn(f, next, due, settled, stored)) != 0)
			break;
		next = due;
		settled = stored;
		(void)publish(f, &f->handed, next,
		    f->cpu ? &f->cv_open : &f->cv_b);
	}
	if (rc != 0)
		fail(f, "A", rc);
	return NULL;
}

static void *
b_run(void *arg)
{
	struct floor *f = arg;
	size_t	 from = 0, to, i;
	double	 t;
	int	 rc = 0, failed;

	for (;;) {
		pthread_mutex_lock(&f->mu);
		while ((f->cpu ? f->opened : f->handed) == from &&
		    from < f->n && !f->failed)
			pthread_cond_wait(&f->cv_b, &f->mu);
		to = f->cpu ? f->opened : f->handed;
		failed = f->failed;
		pthread_mutex_unlock(&f->mu);
		if (failed || from == f->n)
			break;
		if ((rc = b_txn(f, from, to)) != 0)
			break;
		t = bench_mono();
		for (i = from; i < to; i++)
			f->done[i] = t;
		from = to;
		(void)publish(f, &f->stored, to, &f->cv_a);
	}
	if (rc != 0)
		fail(f, "B", rc);
	return NULL;
}

static void
usage(void)
{
	fprintf(stderr, "usage: floor -D dir [-R rate] [-d seconds] "
	    "[-c seal,open[,sign,verify]]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	static struct floor f;
	pthread_condattr_t ca;
	pthread_t ta, tb, tseal, topen;
	char	 path[PATH_MAX];
	const char *dir = NULL, *name;
	char	*end;
	double	 seconds = 10, *lat;
	size_t	 i, k;
	int	 ch, rc;

	f.rate = 1000;
	while ((ch = getopt(argc, argv, "c:D:d:R:")) != -1) {
		switch (ch) {
		case 'c':
			f.seal_us = strtod(optarg, &end);
			if (*end != ',' || !(f.seal_us >= 0))
				usage();
			f.open_us = strtod(end + 1, &end);
			if (*end == ',') {
				f.sign_us = strtod(end + 1, &end);
				if (*end != ',')
					usage();
				f.verify_us = strtod(end + 1, &end);
			}
			if (*end != '\0' || !(f.open_us >= 0) ||
			    !(f.sign_us >= 0) || !(f.verify_us >= 0) ||
			    f.seal_us > 1e5 || f.open_us > 1e5 ||
			    f.sign_us > 1e5 || f.verify_us > 1e5)
				usage();
			break;
		case 'D':
			dir = optarg;
			break;
		case 'd':
			seconds = atof(optarg);
			break;
		case 'R':
			f.rate = atof(optarg);
			break;
		default:
			usage();
		}
	}
	if (dir == NULL || optind != argc || !(f.rate > 0) ||
	    !(seconds > 0) || f.rate * seconds > MAX_MSGS ||
	    f.rate * seconds < 1)
		usage();
	f.n = (size_t)(f.rate * seconds);
	if ((f.done = calloc(f.n, sizeof(*f.done))) == NULL ||
	    (lat = calloc(f.n, sizeof(*lat))) == NULL) {
		fprintf(stderr, "floor: out of memory\n");
		return 1;
	}
	memset(f.filler, 0x5a, sizeof(f.filler));
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "floor: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	for (k = 0; k < 2; k++) {
		struct hop *h = k == 0 ? &f.a : &f.b;

		snprintf(path, sizeof(path), "%s/%s", dir, k == 0 ? "a" : "b");
		if ((rc = hop_open(h, path, k == 0 ? "a" : "b", f.n)) != 0) {
			fprintf(stderr, "floor: %s: %s\n", path,
			    mdb_strerror(rc));
			return 1;
		}
	}
	pthread_mutex_init(&f.mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&f.cv_a, &ca);
	pthread_cond_init(&f.cv_b, NULL);
	pthread_cond_init(&f.cv_open, NULL);
	f.cpu = f.seal_us > 0 || f.open_us > 0 || f.sign_us > 0 ||
	    f.verify_us > 0;
	f.t0 = bench_mono() + 0.05;
	if (pthread_create(&tb, NULL, b_run, &f) != 0 ||
	    pthread_create(&ta, NULL, a_run, &f) != 0 ||
	    (f.cpu && (pthread_create(&tseal, NULL, seal_run, &f) != 0 ||
	    pthread_create(&topen, NULL, open_run, &f) != 0))) {
		fprintf(stderr, "floor: cannot start threads\n");
		return 1;
	}
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	if (f.cpu) {
		pthread_join(tseal, NULL);
		pthread_join(topen, NULL);
	}
	if (f.failed)
		return 1;

	for (i = 0; i < f.n; i++)
		lat[i] = (f.done[i] - (f.t0 + (double)i / f.rate)) * 1e3;
	qsort(lat, f.n, sizeof(*lat), bench_cmp_double);
	name = f.cpu ? "floor_cpu" : "floor";
	printf("bench: %s_msgs %zu msgs\n", name, f.n);
	printf("bench: lat_%s_p50 %.2f ms\n", name, bench_pct(lat, f.n, 50));
	printf("bench: lat_%s_p99 %.2f ms\n", name, bench_pct(lat, f.n, 99));
	printf("bench: lat_%s_max %.2f ms\n", name, lat[f.n - 1]);
	for (k = 0; k < 2; k++) {
		struct hop *h = k == 0 ? &f.a : &f.b;

		qsort(h->commit_ms, h->ncommits, sizeof(*h->commit_ms),
		    bench_cmp_double);
		printf("bench: %s_commits_%s %zu commits\n", name, h->name,
		    h->ncommits);
		printf("bench: %s_commit_%s_p50 %.2f ms\n", name, h->name,
		    bench_pct(h->commit_ms, h->ncommits, 50));
		printf("bench: %s_commit_%s_p99 %.2f ms\n", name, h->name,
		    bench_pct(h->commit_ms, h->ncommits, 99));
	}
	hop_close(&f.a);
	hop_close(&f.b);
	free(f.done);
	free(lat);
	return 0;
}

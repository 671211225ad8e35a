/* SPDX-License-Identifier: MIT */
/*
 * bench load: drives two real daemons through libcairn and measures what
 * the sender's clients see.  tests/bench/run.sh starts and stops the
 * daemons; this program only talks to their client sockets.
 *
 *   load throughput -s SOCK [-t THREADS] [-d SECONDS] [-z ATTACH] -n NAME
 *	    [-P SENDER_PID -Q RECEIVER_PID]
 *	submits from THREADS clients (one connection each) for SECONDS,
 *	then waits until every message is settled at the sender; the time
 *	runs from the first submit to the last receipt.  The CPU time per
 *	message of the client and (with -P/-Q) of each daemon, and its
 *	system part, over that same time.
 *   load latency -s SOCK -r RSOCK [-D TRACE [-S STRACE]] [-R RATE]
 *	    [-d SECONDS]
 *	first the time of one message to a peer not yet connected, then
 *	RATE messages/s on a fixed schedule, pipelined from one thread (open
 *	loop: each submit is sent at its planned time however many are
 *	unanswered, and latency counts from that time); submit->accepted
 *	(the submit's answer),
 *	submit->delivered (durably in the receiver's inbox: the "in" line of
 *	the receiver's CAIRND_TRACE file TRACE, in microseconds; only with
 *	-D), submit->received (the receiver's received_ms: whole ms, taken
 *	when the envelope was read, before its checks and commit) and
 *	submit->receipt at the sender (the time of the sender's "delivered"
 *	audit record, written in the pass that takes the receipt in).  With
 *	the sender's trace STRACE too, where each delivered message's time
 *	went (the PASS and SYNC times of both lines, daemon/trace.h): to the
 *	sender's pass that stored it (the client, the socket, the pass in
 *	progress), that pass's work, its commit; to the receiver's pass (the
 *	send, the transport, the pass in progress), its work, its commit.
 *	All are read after the run: nothing polls the daemons while they
 *	are measured.
 *   load big -s SOCK -r RSOCK -z BYTES -P PID -Q PID
 *	one message with a BYTES attachment, submit to DELIVERED, and the
 *	peak RSS (VmHWM) of both daemons.
 *   load backlog -s SOCK [-n MAX] [-d SECONDS] [-t THREADS] -o FILE
 *	submits up to MAX messages or for SECONDS, ids to FILE.
 *   load drain -s SOCK -i FILE -T NS
 *	waits until every message of FILE is settled; the time runs from NS
 *	(CLOCK_REALTIME nanoseconds, when the receiver was started).
 *   load quiet -f FILE [-m MS] [-t SECONDS]
 *	waits until the disk is quiet (fdatasync of FILE never over MS for
 *	3 s), so that a part does not measure what the last one left.
 *
 * Every figure goes to stdout as "bench: NAME VALUE UNIT".  Status polls
 * are kept few: the end of a run is found by following the delivery
 * front with a stride, and only then is every message read back (its
 * receipt time is what ends the run).
 *
 * Not for: starting daemons, or any pass/fail decision (run.sh compares
 * with the targets).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "client/cairn.h"
#include "proto/audit.h"
#include "tests/bench/bench.h"

#define FROM_FUNCTION	"skolskoterska"
#define TO_ADDRESS	"alingsas.uph/konsultation"
#define QUESTION_BYTES	1024
#define CLIENT_TIMEOUT	60000
#define STRIDE		64
#define STALL_S		30.0	/* s without progress: stalled */

enum rec_state {
	REC_NONE = 0, REC_QUEUED, REC_DELIVERED, REC_REJECTED, REC_FAILED
};

/* One submitted message. */
struct rec {
	uint8_t		id[CAIRN_MSG_ID_BYTES];
	double		t_plan;		/* ms, CLOCK_REALTIME */
	double		t_sub;		/* submit returned */
	double		t_seen;		/* DELIVERED at the sender */
	int64_t		receipt_ms;	/* receiver's receipt time */
	int64_t		received_ms;	/* receiver's inbox time */
	int		state;
};

struct recs {
	struct rec	*v;
	size_t		 n, cap;
};

struct submitter {
	pthread_t	 tid;
	const char	*sock;
	size_t		 attach;
	double		 deadline;	/* mono seconds */
	size_t		 max;
	size_t		 window;	/* pipelined submits in flight */
	struct recs	 out;
	size_t		 errors;
	int		 rc;
	double		 t_first;
};

struct sweeper {
	pthread_t	 tid;
	const char	*sock;
	struct rec	*v;
	size_t		 n;
	int		 wait;		/* wait for QUEUED to settle */
	int		 stalled;	/* gave up waiting */
	int		 rc;
};

/* latency run: the schedule and what came of it */
struct sched {
	struct rec	*v;
	uint64_t	*ticket;	/* per message: its submit's ticket */
	size_t		 n;
	size_t		 sent;		/* v[0..sent) were sent */
	double		 rate;
	double		 t0_mono, t0_real;
	size_t		 errors;
};

static double	 real_ms(void);
static void	 sleep_ms(double);
static struct cairn_payload *make_payload(size_t);
static int	 recs_add(struct recs *, const struct rec *);
static int	 cmp_rec(const void *, const void *);
static int	 state_of(const char *);
static int	 open_client(struct cairn_client **, const char *);
static int	 status(struct cairn_client *, struct rec *);
static void	*submit_run(void *);
static int	 submit_many(const char *, size_t, size_t, size_t, double, size_t,
		    struct recs *, double *, size_t *);
static void	*sweep_run(void *);
struct cpu_marks;
static int	 settle(const char *, struct rec *, size_t, size_t,
		    double *, size_t *, int *, struct cpu_marks *);
static long	 proc_kib(long, const char *);
static int	 cmd_throughput(int, char **);
static int	 lat_take(struct cairn_client *, struct sched *);
static int	 lat_run(struct cairn_client *, const struct cairn_payload *,
		    struct sched *);
static int	 cmd_latency(int, char **);
static int	 cmd_big(int, char **);
static int	 cmd_backlog(int, char **);
static int	 cmd_drain(int, char **);
static int	 cmd_quiet(int, char **);
static void	 usage(void) __attribute__((__noreturn__));

static double
real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void
sleep_ms(double ms)
{
	bench_sleep_until(bench_mono() + ms / 1e3);
}

/* A consultation request with ~1 KiB of question and attach bytes. */
static struct cairn_payload *
make_payload(size_t attach)
{
	static const char sentence[] = "Eleven har haft svår ångest sedan i "
	    "höstas och undviker skolan; vi önskar konsultation. ";
	struct cairn_payload *p;
	struct cairn_request *r;
	uint8_t	*data;
	char	 pnr[CAIRN_PNR_BYTES];
	size_t	 i, n = sizeof(sentence) - 1;
	time_t	 t = time(NULL);
	int	 rc;

	if ((p = cairn_payload_new(CAIRN_KIND_REQUEST)) == NULL)
		return NULL;
	r = &p->u.request;
	if (cairn_valid_pnr("19121212-1212", (int64_t)real_ms(), pnr) != 0)
		goto fail;
	r->consent_by = CAIRN_CONSENT_GUARDIAN;
	strftime(r->consent_date, sizeof(r->consent_date), "%Y-%m-%d",
	    gmtime(&t));
	r->urgency = CAIRN_URGENCY_SOON;
	r->age_band = CAIRN_AGE_13_15;
	if ((r->subject = strdup(pnr)) == NULL ||
	    (r->consent_scope = strdup("")) == NULL ||
	    (r->question = malloc(QUESTION_BYTES + 1)) == NULL)
		goto fail;
	for (i = 0; i < QUESTION_BYTES; i++)
		r->question[i] = sentence[i % n];
	/* keep whole UTF-8 characters: cut back to an ASCII byte */
	for (i = QUESTION_BYTES; i > 0 &&
	    ((unsigned char)r->question[i - 1] & 0x80); i--)
		;
	r->question[i] = '\0';
	if (attach > 0) {
		if ((data = malloc(attach)) == NULL)
			goto fail;
		randombytes_buf(data, attach);
		rc = cairn_payload_attach(p, "scan.bin",
		    "application/octet-stream", data, attach);
		free(data);
		if (rc != 0)
			goto fail;
	}
	if (cairn_payload_validate(p, (int64_t)real_ms()) != 0)
		goto fail;
	return p;
fail:
	cairn_payload_free(p);
	return NULL;
}

static int
recs_add(struct recs *r, const struct rec *x)
{
	struct rec *nv;
	size_t	cap;

	if (r->n == r->cap) {
		cap = r->cap ? r->cap * 2 : 4096;
		if ((nv = reallocarray(r->v, cap, sizeof(*nv))) == NULL)
			return -ENOMEM;
		r->v = nv;
		r->cap = cap;
	}
	r->v[r->n++] = *x;
	return 0;
}

static int
cmp_rec(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	return (x->t_sub > y->t_sub) - (x->t_sub < y->t_sub);
}

/* A message made durable by a daemon, from its CAIRND_TRACE file. */
struct durable {
	uint8_t		id[CAIRN_MSG_ID_BYTES];
	double		us;		/* its commit returned, CLOCK_REALTIME */
	double		pass;		/* its pass began (0: not known) */
	double		sync;		/* its commit began (0: not known) */
};

static int
cmp_durable(const void *a, const void *b)
{
	return memcmp(((const struct durable *)a)->id,
	    ((const struct durable *)b)->id, CAIRN_MSG_ID_BYTES);
}

/*
 * Reads the "DIR MSGID USEC [PASS SYNC]" lines of a cairnd trace
 * (daemon/trace.h; DIR "in" or "out"), sorted by id.  Other lines are
 * skipped, a malformed DIR line is an error.
 */
static int
read_durable(const char *path, const char *dir, struct durable **out,
    size_t *n)
{
	struct durable *v = NULL, *nv;
	FILE	*f;
	char	 line[160], hex[2 * CAIRN_MSG_ID_BYTES + 1];
	unsigned long long us, pass, sync;
	size_t	 cap = 0, k, dl = strlen(dir);
	unsigned int b;
	int	 rc = -EINVAL, nf;

	*out = NULL;
	*n = 0;
	if ((f = fopen(path, "r")) == NULL) {
		rc = -errno;
		fprintf(stderr, "load: %s: %s\n", path, strerror(-rc));
		return rc;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, dir, dl) != 0 || line[dl] != ' ')
			continue;
		pass = sync = 0;
		nf = sscanf(line + dl + 1, "%32[0-9a-f] %llu %llu %llu", hex,
		    &us, &pass, &sync);
		if ((nf != 2 && nf != 4) ||
		    strlen(hex) != 2 * CAIRN_MSG_ID_BYTES) {
			fprintf(stderr, "load: %s: bad line: %s", path, line);
			goto bad;
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 4096;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL) {
				rc = -ENOMEM;
				goto bad;
			}
			v = nv;
		}
		for (k = 0; k < CAIRN_MSG_ID_BYTES; k++) {
			sscanf(hex + 2 * k, "%2x", &b);
			v[*n].id[k] = (uint8_t)b;
		}
		v[*n].us = (double)us;
		v[*n].pass = (double)pass;
		v[*n].sync = (double)sync;
		(*n)++;
	}
	fclose(f);
	/* by id, for durable_find() */
	qsort(v, *n, sizeof(*v), cmp_durable);
	*out = v;
	return 0;
bad:
	fclose(f);
	free(v);
	*n = 0;
	return rc;
}

/* The line of msg_id with the earliest time, or NULL. */
static const struct durable *
durable_find(const struct durable *v, size_t n, const uint8_t *id)
{
	const struct durable *best = NULL;
	size_t	lo = 0, hi = n, mid;
	int	c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = memcmp(v[mid].id, id, CAIRN_MSG_ID_BYTES)) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* an id stored twice is not expected; take its first time */
	for (; lo < n && memcmp(v[lo].id, id, CAIRN_MSG_ID_BYTES) == 0; lo++)
		if (best == NULL || v[lo].us < best->us)
			best = &v[lo];
	return best;
}

/*
 * Where a message's latency went, from both daemons' traces (ms): to the
 * sender's pass that stored it, that pass's work, its commit; then to the
 * receiver's pass, its work, its commit.
 */
enum { ST_TO_SENDER, ST_SENDER_WORK, ST_SENDER_COMMIT, ST_TO_RECEIVER,
	ST_RECEIVER_WORK, ST_RECEIVER_COMMIT, ST_N };
static const char *const stage_name[ST_N] = {
	"to_sender", "sender_work", "sender_commit", "to_receiver",
	"receiver_work", "receiver_commit"
};

static int
stages(const struct durable *out, const struct durable *in, double t_plan,
    double st[ST_N])
{
	if (out == NULL || in == NULL || out->pass <= 0 || out->sync <= 0 ||
	    in->pass <= 0 || in->sync <= 0)
		return 0;
	st[ST_TO_SENDER] = out->pass / 1e3 - t_plan;
	st[ST_SENDER_WORK] = (out->sync - out->pass) / 1e3;
	st[ST_SENDER_COMMIT] = (out->us - out->sync) / 1e3;
	st[ST_TO_RECEIVER] = (in->pass - out->us) / 1e3;
	st[ST_RECEIVER_WORK] = (in->sync - in->pass) / 1e3;
	st[ST_RECEIVER_COMMIT] = (in->us - in->sync) / 1e3;
	return 1;
}

static int
state_of(const char *s)
{
	if (strcmp(s, "QUEUED") == 0)
		return REC_QUEUED;
	if (strcmp(s, "DELIVERED") == 0)
		return REC_DELIVERED;
	if (strcmp(s, "REJECTED") == 0)
		return REC_REJECTED;
	if (strcmp(s, "FAILED") == 0)
		return REC_FAILED;
	return REC_NONE;
}

static int
open_client(struct cairn_client **c, const char *sock)
{
	int	rc;

	if ((rc = cairn_client_open(c, sock, CLIENT_TIMEOUT)) != 0)
		fprintf(stderr, "load: %s: %s\n", sock, cairn_strerror(rc));
	return rc;
}

/* Reads one message's state (and receipt or inbox time) into r. */
static int
status(struct cairn_client *c, struct rec *r)
{
	struct cairn_ctl_info info;
	int	rc;

	if ((rc = cairn_client_status(c, r->id, &info)) != 0)
		return rc;
	if (info.outgoing) {
		r->state = state_of(info.state);
		r->receipt_ms = info.receipt_ms;
	} else
		r->received_ms = info.receipt_ms;
	return 0;
}

static void *
submit_run(void *arg)
{
	struct submitter *s = arg;
	struct cairn_client *c = NULL;
	struct cairn_payload *p = NULL;
	double	*plan = NULL, t;
	size_t	 nplan = 0, cap = 0;
	uint64_t ticket;
	struct rec r;
	int	 rc;

	s->t_first = -1;
	if ((s->rc = open_client(&c, s->sock)) != 0)
		return NULL;
	if ((p = make_payload(s->attach)) == NULL) {
		s->rc = -ENOMEM;
		goto out;
	}
	for (;;) {
		/* keep the window full while there is time and messages */
		while (cairn_client_pending(c) < s->window &&
		    s->out.n + cairn_client_pending(c) < s->max &&
		    bench_mono() < s->deadline) {
			t = real_ms();
			if (s->t_first < 0)
				s->t_first = t;
			rc = cairn_client_submit_send(c, FROM_FUNCTION,
			    TO_ADDRESS, p, NULL, 0, &ticket);
			if (rc != 0) {
				fprintf(stderr, "load: submit: %s\n",
				    cairn_strerror(rc));
				s->rc = rc;
				goto out;
			}
			/* tickets count up from 1 on each client */
			if (ticket > cap) {
				size_t	 ncap = cap ? 2 * cap : 4096;
				double	*np;

				while (ncap < ticket)
					ncap *= 2;
				if ((np = realloc(plan, ncap *
				    sizeof(*np))) == NULL) {
					s->rc = -ENOMEM;
					goto out;
				}
				plan = np;
				cap = ncap;
			}
			plan[ticket - 1] = t;
			nplan = ticket > nplan ? ticket : nplan;
		}
		if (cairn_client_pending(c) == 0)
			break;
		memset(&r, 0, sizeof(r));
		rc = cairn_client_submit_recv(c, &ticket, r.id);
		if (ticket == 0) {
			fprintf(stderr, "load: submit: %s\n",
			    cairn_strerror(rc));
			s->rc = rc;
			break;
		}
		if (rc != 0) {
			if (s->errors++ == 0)
				fprintf(stderr, "load: submit: %s: %s\n",
				    cairn_strerror(rc), cairn_client_error(c));
			if (s->errors > 100) {
				s->rc = rc;
				break;
			}
			continue;
		}
		r.t_plan = ticket <= nplan ? plan[ticket - 1] : 0;
		r.t_sub = real_ms();
		r.state = REC_QUEUED;
		if ((s->rc = recs_add(&s->out, &r)) != 0)
			break;
	}
out:
	free(plan);
	cairn_payload_free(p);
	cairn_client_close(c);
	return NULL;
}

/*
 * Submits from nthreads clients, each keeping window submits in flight,
 * until max messages or seconds; *all
 * receives every record, in the order the submits returned; *t_first the
 * time the first submit was made.
 */
static int
submit_many(const char *sock, size_t nthreads, size_t window, size_t attach,
    double seconds, size_t max, struct recs *all, double *t_first,
    size_t *errors)
{
	struct submitter *s;
	size_t	 i, k;
	int	 rc = 0;

	memset(all, 0, sizeof(*all));
	*t_first = -1;
	*errors = 0;
	if ((s = calloc(nthreads, sizeof(*s))) == NULL)
		return -ENOMEM;
	for (i = 0; i < nthreads; i++) {
		s[i].sock = sock;
		s[i].attach = attach;
		s[i].window = window;
		s[i].deadline = bench_mono() + seconds;
		s[i].max = max / nthreads + (i < max % nthreads);
		if (pthread_create(&s[i].tid, NULL, submit_run, &s[i]) != 0) {
			nthreads = i;
			rc = -EAGAIN;
			break;
		}
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(s[i].tid, NULL);
		if (s[i].rc != 0 && rc == 0)
			rc = s[i].rc;
		*errors += s[i].errors;
		if (s[i].t_first >= 0 && (*t_first < 0 ||
		    s[i].t_first < *t_first))
			*t_first = s[i].t_first;
		for (k = 0; k < s[i].out.n && rc != -ENOMEM; k++)
			if (recs_add(all, &s[i].out.v[k]) != 0)
				rc = -ENOMEM;
		free(s[i].out.v);
	}
	free(s);
	if (all->n > 0)
		qsort(all->v, all->n, sizeof(*all->v), cmp_rec);
	return rc;
}

static void *
sweep_run(void *arg)
{
	struct sweeper *w = arg;
	struct cairn_client *c;
	double	 since = bench_mono();
	size_t	 i;

	if ((w->rc = open_client(&c, w->sock)) != 0)
		return NULL;
	for (i = 0; i < w->n; i++) {
		for (;;) {
			if ((w->rc = status(c, &w->v[i])) != 0)
				goto out;
			if (w->v[i].state != REC_QUEUED) {
				since = bench_mono();
				break;
			}
			if (!w->wait)
				break;
			if (bench_mono() - since > STALL_S) {
				w->stalled = 1;
				w->wait = 0;
				break;
			}
			sleep_ms(5);
		}
	}
out:
	cairn_client_close(c);
	return NULL;
}

/*
 * CPU time of the run itself: the client (this process, getrusage) and
 * both daemons (/proc/PID/stat), at the first submit and when the last
 * message is seen settled, before the read-back of every message's
 * status (a request per message: it would count as the run's CPU).
 */
struct cpu_marks {
	long	 pid[2];		/* sender, receiver; 0: not given */
	double	 user[2][2], sys[2][2];	/* [daemon][start, end], seconds */
	double	 client[2];
};

/* utime and stime of PID in seconds; -1 when it cannot be read. */
static int
proc_cpu(long pid, double *user, double *sys)
{
	char	 path[64], buf[1024], *p;
	unsigned long ut, st;
	ssize_t	 len;
	int	 fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	/* after the command name in parentheses: state is field 3 */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
	    &ut, &st) != 2)
		return -1;
	*user = (double)ut / (double)sysconf(_SC_CLK_TCK);
	*sys = (double)st / (double)sysconf(_SC_CLK_TCK);
	return 0;
}

static void
cpu_mark(struct cpu_marks *m, int k)
{
	struct rusage ru;
	int	 i;

	if (m == NULL)
		return;
	for (i = 0; i < 2; i++)
		if (m->pid[i] > 0 && proc_cpu(m->pid[i], &m->user[i][k],
		    &m->sys[i][k]) != 0)
			m->pid[i] = 0;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		m->client[k] = (double)ru.ru_utime.tv_sec +
		    ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
		    ru.ru_stime.tv_usec / 1e6;
}

/*
 * Waits until every message in v (submit order) is settled at the sender.
 * The delivery front is followed with a stride (few polls while the
 * daemons work); then every message is read back by nthreads clients,
 * waiting for stragglers.  *t_end is the latest of the receipt times and
 * the moment the front was seen past the last message; *delivered counts
 * DELIVERED.  When nothing moves for STALL_S, waiting stops and *stalled
 * is set (what is delivered by then is still counted).  Returns 0 or a
 * client error.
 */
static int
settle(const char *sock, struct rec *v, size_t n, size_t nthreads,
    double *t_end, size_t *delivered, int *stalled, struct cpu_marks *m)
{
	struct cairn_client *c;
	struct sweeper *w;
	double	 since = bench_mono();
	size_t	 i = 0, k, per;
	int	 rc = 0;

	*t_end = 0;
	*delivered = 0;
	*stalled = 0;
	if (n == 0)
		return 0;
	if ((rc = open_client(&c, sock)) != 0)
		return rc;
	while (i < n) {
		if ((rc = status(c, &v[i])) != 0)
			break;
		if (v[i].state != REC_QUEUED) {
			if (i == n - 1)
				break;
			i = i + STRIDE < n ? i + STRIDE : n - 1;
			since = bench_mono();
			continue;
		}
		if (bench_mono() - since > STALL_S) {
			*stalled = 1;
			break;
		}
		/* close to the end, look often: this time may end the run */
		sleep_ms(n - i <= STRIDE ? 1 : 10);
	}
	*t_end = real_ms();
	/* the CPU of the run, before the read-back below adds its own */
	cpu_mark(m, 1);
	cairn_client_close(c);
	if (rc != 0)
		return rc;

	if ((w = calloc(nthreads, sizeof(*w))) == NULL)
		return -ENOMEM;
	per = (n + nthreads - 1) / nthreads;
	for (k = 0; k < nthreads; k++) {
		w[k].sock = sock;
		w[k].v = v + k * per;
		w[k].n = k * per >= n ? 0 : (n - k * per < per ? n - k * per :
		    per);
		w[k].wait = !*stalled;
		if (pthread_create(&w[k].tid, NULL, sweep_run, &w[k]) != 0) {
			nthreads = k;
			rc = -EAGAIN;
			break;
		}
	}
	for (k = 0; k < nthreads; k++) {
		pthread_join(w[k].tid, NULL);
		if (w[k].rc != 0 && rc == 0)
			rc = w[k].rc;
		if (w[k].stalled)
			*stalled = 1;
	}
	free(w);
	for (i = 0; i < n; i++) {
		if (v[i].state == REC_DELIVERED)
			(*delivered)++;
		if ((double)v[i].receipt_ms > *t_end)
			*t_end = (double)v[i].receipt_ms;
	}
	return rc;
}

/* A "VmXXX:" field of /proc/PID/status in KiB, or -1. */
static long
proc_kib(long pid, const char *field)
{
	char	 path[64], line[256];
	size_t	 len = strlen(field);
	long	 v = -1;
	FILE	*f;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, field, len) == 0 && line[len] == ':') {
			v = strtol(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static int
cmd_throughput(int argc, char **argv)
{
	struct recs all;
	const char *sock = NULL, *name = "1k";
	double	 seconds = 10, t_first, t_end, sub_end;
	size_t	 threads = 1, window = 512, attach = 0, max = SIZE_MAX, errors;
	size_t	 delivered;
	struct cpu_marks cm;
	const char *who[2] = { "sender", "receiver" };
	int	 ch, rc, stalled, i;

	memset(&cm, 0, sizeof(cm));
	while ((ch = getopt(argc, argv, "d:m:n:P:Q:s:t:w:z:")) != -1) {
		switch (ch) {
		case 'P':
			cm.pid[0] = strtol(optarg, NULL, 10);
			break;
		case 'Q':
			cm.pid[1] = strtol(optarg, NULL, 10);
			break;
		case 'w':
			window = strtoul(optarg, NULL, 10);
			break;
		case 'd':
			seconds = atof(optarg);
			break;
		case 'm':
			max = strtoul(optarg, NULL, 10);
			break;
		case 'n':
			name = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 't':
			threads = strtoul(optarg, NULL, 10);
			break;
		case 'z':
			attach = strtoul(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (sock == NULL || threads == 0 || seconds <= 0)
		usage();
	cpu_mark(&cm, 0);
	rc = submit_many(sock, threads, window, attach, seconds, max, &all,
	    &t_first, &errors);
	if (all.n == 0) {
		fprintf(stderr, "load: nothing was accepted\n");
		return 1;
	}
	sub_end = all.v[all.n - 1].t_sub;
	if (rc != 0)
		fprintf(stderr, "load: submitting stopped early: %s\n",
		    cairn_strerror(rc));
	rc = settle(sock, all.v, all.n, threads, &t_end, &delivered,
	    &stalled, &cm);
	if (rc != 0)
		fprintf(stderr, "load: settling: %s\n", cairn_strerror(rc));
	if (stalled) {
		fprintf(stderr, "load: delivery stalled (nothing for %.0f s)\n",
		    STALL_S);
		printf("bench: tp_%s_stalled 1 flag\n", name);
	}
	printf("bench: tp_%s_msgs %zu msgs\n", name, all.n);
	printf("bench: tp_%s_clients %zu threads\n", name, threads);
	printf("bench: tp_%s_submit_rate %.0f msg/s\n", name,
	    (double)all.n / ((sub_end - t_first) / 1e3));
	printf("bench: tp_%s_time %.2f s\n", name, (t_end - t_first) / 1e3);
	printf("bench: tp_%s %.0f msg/s\n", name,
	    (double)delivered / ((t_end - t_first) / 1e3));
	if (attach > 0)
		printf("bench: tp_%s_bytes %.1f MiB/s\n", name,
		    (double)delivered * (double)(attach + QUESTION_BYTES) /
		    1048576.0 / ((t_end - t_first) / 1e3));
	printf("bench: tp_%s_not_delivered %zu msgs\n", name,
	    all.n - delivered);
	if (errors > 0)
		printf("bench: tp_%s_submit_errors %zu msgs\n", name, errors);
	/* where the two cores went during the run, per message */
	printf("bench: tp_%s_cpu_client %.0f us/msg\n", name,
	    (cm.client[1] - cm.client[0]) * 1e6 / (double)all.n);
	for (i = 0; i < 2; i++) {
		if (cm.pid[i] <= 0)
			continue;
		printf("bench: tp_%s_cpu_%s %.0f us/msg\n", name, who[i],
		    (cm.user[i][1] - cm.user[i][0] + cm.sys[i][1] -
		    cm.sys[i][0]) * 1e6 / (double)all.n);
		printf("bench: tp_%s_sys_%s %.0f us/msg\n", name, who[i],
		    (cm.sys[i][1] - cm.sys[i][0]) * 1e6 / (double)all.n);
	}
	free(all.v);
	return rc == 0 ? 0 : 1;
}

/*
 * Takes one answer to a pipelined submit: its message gets its id and the
 * time the answer came (t_sub), or FAILED.  Returns 0, or the client's
 * error when the answers in flight were lost with it.
 */
static int
lat_take(struct cairn_client *c, struct sched *s)
{
	struct rec *r;
	uint8_t	 id[CAIRN_MSG_ID_BYTES];
	uint64_t t;
	size_t	 lo = 0, hi = s->sent, mid;
	int	 rc;

	rc = cairn_client_submit_recv(c, &t, id);
	if (t == 0) {
		fprintf(stderr, "load: submit: %s\n", cairn_strerror(rc));
		return rc != 0 ? rc : CAIRN_EPROTO;
	}
	/* tickets grow with each submit sent: the first with ticket t */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->ticket[mid] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == s->sent || s->ticket[lo] != t) {
		fprintf(stderr, "load: an answer to ticket %llu, never sent\n",
		    (unsigned long long)t);
		return CAIRN_EPROTO;
	}
	r = &s->v[lo];
	r->t_sub = real_ms();
	if (rc != 0) {
		if (s->errors++ == 0)
			fprintf(stderr, "load: submit: %s: %s\n",
			    cairn_strerror(rc), cairn_client_error(c));
		r->state = REC_FAILED;
		return 0;
	}
	memcpy(r->id, id, CAIRN_MSG_ID_BYTES);
	r->state = REC_QUEUED;
	return 0;
}

/*
 * Open loop from one thread: each message is sent at its planned time,
 * however many are still unanswered (no cap of its own: a slow commit at
 * the sender must not hold back the next submits, as a fixed number of
 * blocking submitters would), and the answers are taken in between.
 * Returns 0, or the client error that lost the submits in flight (the
 * run has no figures then).
 */
static int
lat_run(struct cairn_client *c, const struct cairn_payload *p,
    struct sched *s)
{
	double	 at;
	int64_t	 left;
	size_t	 i;
	int	 rc;

	for (i = 0; i < s->n; i++) {
		at = s->t0_mono + (double)i / s->rate;
		while ((left = (int64_t)((at - bench_mono()) * 1e6)) > 0) {
			if (cairn_client_pending(c) == 0) {
				bench_sleep_until(at);
				break;
			}
			if ((rc = cairn_client_submit_wait(c, left)) < 0) {
				fprintf(stderr, "load: wait: %s\n",
				    cairn_strerror(rc));
				return rc;
			}
			if (rc == 1 && (rc = lat_take(c, s)) != 0)
				return rc;
		}
		s->v[i].t_plan = s->t0_real + (double)i / s->rate * 1e3;
		rc = cairn_client_submit_send(c, FROM_FUNCTION, TO_ADDRESS, p,
		    NULL, 0, &s->ticket[i]);
		if (rc < 0 && rc > CAIRN_EFIRST) {
			/* -errno: what was in flight is abandoned */
			fprintf(stderr, "load: submit: %s\n",
			    cairn_strerror(rc));
			return rc;
		}
		s->sent = i + 1;
		if (rc != 0) {
			if (s->errors++ == 0)
				fprintf(stderr, "load: submit: %s\n",
				    cairn_strerror(rc));
			s->v[i].t_sub = real_ms();
			s->v[i].state = REC_FAILED;
			/* refused before sending: no ticket; keep them sorted */
			s->ticket[i] = i > 0 ? s->ticket[i - 1] : 0;
		}
	}
	while (cairn_client_pending(c) > 0)
		if ((rc = lat_take(c, s)) != 0)
			return rc;
	return 0;
}

static int
cmp_id(const void *a, const void *b)
{
	return memcmp((*(struct rec *const *)a)->id,
	    (*(struct rec *const *)b)->id, CAIRN_MSG_ID_BYTES);
}

/*
 * Sets each message's t_seen to the time of its "delivered" record in the
 * sender's audit trail (NAN when it has none), read page by page after
 * the run.
 */
static int
receipt_times(struct cairn_client *c, struct rec *v, size_t n)
{
	struct cairn_ctl_audit page;
	struct cairn_audit_record ar;
	struct rec **idx, key, *kp = &key, **hit;
	uint64_t from = 1, last;
	size_t	 i;
	bool	 more;
	int	 rc = 0;

	if ((idx = calloc(n ? n : 1, sizeof(*idx))) == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		v[i].t_seen = NAN;
		idx[i] = &v[i];
	}
	qsort(idx, n, sizeof(*idx), cmp_id);
	for (;;) {
		memset(&page, 0, sizeof(page));
		if ((rc = cairn_client_audit_page(c, from, false, 0, NULL,
		    &page)) != 0)
			break;
		last = from - 1;
		for (i = 0; i < page.nrecords; i++) {
			const struct cairn_ctl_audit_entry *e = &page.records[i];

			if (e->seq == 0)
				break;
			last = e->seq;
			if (e->code != 0 ||
			    cairn_audit_open(&ar, e->data, e->len) != 0 ||
			    ar.event != CAIRN_AUDIT_DELIVERED ||
			    !ar.has_msg_id)
				continue;
			memcpy(key.id, ar.msg_id, CAIRN_MSG_ID_BYTES);
			if ((hit = bsearch(&kp, idx, n, sizeof(*idx),
			    cmp_id)) != NULL)
				(*hit)->t_seen = (double)ar.time_ms;
		}
		more = page.more;
		cairn_ctl_audit_clear(&page);
		if (!more || last < from)
			break;
		from = last + 1;
	}
	free(idx);
	return rc;
}

static int
cmd_latency(int argc, char **argv)
{
	struct sched s;
	struct cairn_client *c = NULL, *rc_cl = NULL;
	struct cairn_payload *p = NULL;
	struct rec first;
	const char *sock = NULL, *rsock = NULL, *trace = NULL, *strace = NULL;
	const struct durable *din, *dout;
	struct durable *dur = NULL, *sdur = NULL;
	double	*dv = NULL, *rv = NULL, *sv = NULL, *tv = NULL;
	double	*stv[ST_N] = { NULL }, st[ST_N];
	double	 seconds = 10, rate = 1000;
	double	 t0, deadline;
	size_t	 i, k, nd = 0, nr = 0, ns = 0, nt = 0, ndur = 0, nsdur = 0;
	size_t	 ndel = 0, nst = 0;
	int	 ch, rc = 0;

	while ((ch = getopt(argc, argv, "D:d:r:R:s:S:")) != -1) {
		switch (ch) {
		case 'D':
			trace = optarg;
			break;
		case 'S':
			strace = optarg;
			break;
		case 'd':
			seconds = atof(optarg);
			break;
		case 'r':
			rsock = optarg;
			break;
		case 'R':
			rate = atof(optarg);
			break;
		case 's':
			sock = optarg;
			break;
		default:
			usage();
		}
	}
	if (sock == NULL || rsock == NULL || rate <= 0 || seconds <= 0 ||
	    rate * seconds < 1 || rate * seconds > CAIRN_CLIENT_PENDING_MAX)
		usage();
	memset(&s, 0, sizeof(s));
	if (open_client(&c, sock) != 0 || open_client(&rc_cl, rsock) != 0 ||
	    (p = make_payload(0)) == NULL) {
		rc = 1;
		goto out;
	}

	/* the first message to a peer the daemon has not connected to yet */
	memset(&first, 0, sizeof(first));
	t0 = real_ms();
	if ((rc = cairn_client_submit(c, FROM_FUNCTION, TO_ADDRESS, p, NULL, 0,
	    first.id)) != 0) {
		fprintf(stderr, "load: submit: %s: %s\n", cairn_strerror(rc),
		    cairn_client_error(c));
		goto out;
	}
	deadline = bench_mono() + 30;
	do {
		if ((rc = status(c, &first)) != 0)
			goto out;
		if (first.state == REC_QUEUED)
			sleep_ms(1);
	} while (first.state == REC_QUEUED && bench_mono() < deadline);
	printf("bench: first_msg_delivered %.0f ms\n", real_ms() - t0);
	fflush(stdout);

	s.rate = rate;
	s.n = (size_t)(rate * seconds);
	if ((s.v = calloc(s.n, sizeof(*s.v))) == NULL ||
	    (s.ticket = calloc(s.n, sizeof(*s.ticket))) == NULL ||
	    (dv = calloc(s.n, sizeof(*dv))) == NULL ||
	    (rv = calloc(s.n, sizeof(*rv))) == NULL ||
	    (tv = calloc(s.n, sizeof(*tv))) == NULL ||
	    (sv = calloc(s.n, sizeof(*sv))) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (k = 0; k < ST_N; k++)
		if ((stv[k] = calloc(s.n, sizeof(*stv[k]))) == NULL) {
			rc = -ENOMEM;
			goto out;
		}
	s.t0_mono = bench_mono() + 0.05;
	s.t0_real = real_ms() + 50;
	if ((rc = lat_run(c, p, &s)) != 0)
		goto out;
	/* then wait until every message is settled at the sender */
	deadline = s.t0_mono + seconds + 60;
	for (i = 0; i < s.n && rc == 0; i++) {
		if (s.v[i].state != REC_QUEUED)
			continue;	/* refused: nothing to wait for */
		while ((rc = status(c, &s.v[i])) == 0 &&
		    s.v[i].state == REC_QUEUED && bench_mono() < deadline)
			sleep_ms(2);
	}
	if (rc == 0)
		rc = receipt_times(c, s.v, s.n);
	if (rc != 0) {
		fprintf(stderr, "load: latency run: %s\n", cairn_strerror(rc));
		goto out;
	}

	/* receiver side, after the run so that it adds no load */
	if (trace != NULL && (rc = read_durable(trace, "in", &dur,
	    &ndur)) != 0)
		goto out;
	if (trace != NULL && strace != NULL && (rc = read_durable(strace,
	    "out", &sdur, &nsdur)) != 0)
		goto out;
	for (i = 0; i < s.n; i++) {
		struct rec *r = &s.v[i];

		sv[ns++] = r->t_sub - r->t_plan;
		if (r->state != REC_DELIVERED)
			continue;
		ndel++;
		if (!isnan(r->t_seen))
			dv[nd++] = r->t_seen - r->t_plan;
		if (status(rc_cl, r) == 0 && r->received_ms > 0)
			rv[nr++] = (double)r->received_ms - r->t_plan;
		if ((din = durable_find(dur, ndur, r->id)) == NULL)
			continue;
		tv[nt++] = din->us / 1e3 - r->t_plan;
		dout = durable_find(sdur, nsdur, r->id);
		if (stages(dout, din, r->t_plan, st)) {
			for (k = 0; k < ST_N; k++)
				stv[k][nst] = st[k];
			nst++;
		}
	}
	qsort(sv, ns, sizeof(*sv), bench_cmp_double);
	qsort(dv, nd, sizeof(*dv), bench_cmp_double);
	qsort(rv, nr, sizeof(*rv), bench_cmp_double);
	qsort(tv, nt, sizeof(*tv), bench_cmp_double);
	printf("bench: lat_msgs %zu msgs\n", s.n);
	printf("bench: lat_rate %.0f msg/s\n", (double)s.n /
	    ((s.v[s.n - 1].t_sub - s.v[0].t_plan) / 1e3));
	printf("bench: lat_submit_p50 %.2f ms\n", bench_pct(sv, ns, 50));
	printf("bench: lat_submit_p99 %.2f ms\n", bench_pct(sv, ns, 99));
	printf("bench: lat_received_p50 %.2f ms\n", bench_pct(rv, nr, 50));
	printf("bench: lat_received_p99 %.2f ms\n", bench_pct(rv, nr, 99));
	if (trace != NULL) {
		printf("bench: lat_delivered_p50 %.2f ms\n", bench_pct(tv, nt, 50));
		printf("bench: lat_delivered_p99 %.2f ms\n", bench_pct(tv, nt, 99));
		printf("bench: lat_delivered_max %.2f ms\n",
		    nt ? tv[nt - 1] : NAN);
		printf("bench: lat_not_traced %zu msgs\n", ndel - nt);
	}
	/* where it went: each stage's own p50 and p99 (they do not add up) */
	for (k = 0; nst > 0 && k < ST_N; k++) {
		qsort(stv[k], nst, sizeof(*stv[k]), bench_cmp_double);
		printf("bench: lat_%s_p50 %.2f ms\n", stage_name[k],
		    bench_pct(stv[k], nst, 50));
		printf("bench: lat_%s_p99 %.2f ms\n", stage_name[k],
		    bench_pct(stv[k], nst, 99));
	}
	printf("bench: lat_receipt_p50 %.2f ms\n", bench_pct(dv, nd, 50));
	printf("bench: lat_receipt_p99 %.2f ms\n", bench_pct(dv, nd, 99));
	printf("bench: lat_receipt_max %.2f ms\n", nd ? dv[nd - 1] : NAN);
	printf("bench: lat_not_delivered %zu msgs\n", s.n - nd);
out:
	for (k = 0; k < ST_N; k++)
		free(stv[k]);
	free(sdur);
	free(dur);
	free(sv);
	free(tv);
	free(rv);
	free(dv);
	free(s.ticket);
	free(s.v);
	cairn_payload_free(p);
	cairn_client_close(rc_cl);
	cairn_client_close(c);
	return rc == 0 ? 0 : 1;
}

static int
cmd_big(int argc, char **argv)
{
	struct cairn_client *c = NULL, *rcl = NULL;
	struct cairn_payload *p = NULL;
	struct rec r;
	const char *sock = NULL, *rsock = NULL;
	double	 t0, t_acc, deadline;
	size_t	 bytes = 30u << 20;
	long	 spid = 0, rpid = 0;
	int	 ch, rc;

	while ((ch = getopt(argc, argv, "P:Q:r:s:z:")) != -1) {
		switch (ch) {
		case 'P':
			spid = strtol(optarg, NULL, 10);
			break;
		case 'Q':
			rpid = strtol(optarg, NULL, 10);
			break;
		case 'r':
			rsock = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'z':
			bytes = strtoul(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (sock == NULL || rsock == NULL || spid <= 0 || rpid <= 0)
		usage();
	if ((rc = open_client(&c, sock)) != 0 ||
	    (rc = open_client(&rcl, rsock)) != 0)
		goto out;
	if ((p = make_payload(bytes)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	memset(&r, 0, sizeof(r));
	t0 = real_ms();
	if ((rc = cairn_client_submit(c, FROM_FUNCTION, TO_ADDRESS, p, NULL, 0,
	    r.id)) != 0) {
		fprintf(stderr, "load: submit: %s: %s\n", cairn_strerror(rc),
		    cairn_client_error(c));
		goto out;
	}
	t_acc = real_ms();
	deadline = bench_mono() + 120;
	do {
		if ((rc = status(c, &r)) != 0)
			goto out;
		if (r.state == REC_QUEUED)
			sleep_ms(5);
	} while (r.state == REC_QUEUED && bench_mono() < deadline);
	r.t_seen = real_ms();
	if (r.state != REC_DELIVERED) {
		fprintf(stderr, "load: the big message is not delivered\n");
		rc = 1;
		goto out;
	}
	(void)status(rcl, &r);
	printf("bench: big_bytes %.1f MiB\n", (double)bytes / 1048576.0);
	printf("bench: big_submit %.3f s\n", (t_acc - t0) / 1e3);
	printf("bench: big_received %.3f s\n",
	    ((double)r.received_ms - t0) / 1e3);
	printf("bench: big_time %.3f s\n", (r.t_seen - t0) / 1e3);
	printf("bench: big_rss_sender %.1f MiB\n",
	    (double)proc_kib(spid, "VmHWM") / 1024.0);
	printf("bench: big_rss_receiver %.1f MiB\n",
	    (double)proc_kib(rpid, "VmHWM") / 1024.0);
out:
	cairn_payload_free(p);
	cairn_client_close(rcl);
	cairn_client_close(c);
	return rc == 0 ? 0 : 1;
}

static int
cmd_backlog(int argc, char **argv)
{
	struct recs all;
	const char *sock = NULL, *file = NULL;
	char	 hex[CAIRN_MSGID_HEX_BYTES];
	double	 seconds = 60, t_first;
	size_t	 threads = 1, window = 512, max = 100000, errors, i;
	FILE	*f;
	int	 ch, rc;

	while ((ch = getopt(argc, argv, "d:n:o:s:t:w:")) != -1) {
		switch (ch) {
		case 'w':
			window = strtoul(optarg, NULL, 10);
			break;
		case 'd':
			seconds = atof(optarg);
			break;
		case 'n':
			max = strtoul(optarg, NULL, 10);
			break;
		case 'o':
			file = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 't':
			threads = strtoul(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (sock == NULL || file == NULL || threads == 0)
		usage();
	rc = submit_many(sock, threads, window, 0, seconds, max, &all,
	    &t_first, &errors);
	if (rc != 0)
		fprintf(stderr, "load: submitting stopped early: %s\n",
		    cairn_strerror(rc));
	if ((f = fopen(file, "w")) == NULL) {
		perror(file);
		free(all.v);
		return 1;
	}
	for (i = 0; i < all.n; i++) {
		cairn_msgid_format(hex, all.v[i].id);
		fprintf(f, "%s\n", hex);
	}
	if (fclose(f) != 0) {
		perror(file);
		rc = 1;
	}
	printf("bench: backlog_msgs %zu msgs\n", all.n);
	if (all.n > 0)
		printf("bench: backlog_submit_rate %.0f msg/s\n",
		    (double)all.n / ((all.v[all.n - 1].t_sub - t_first) / 1e3));
	free(all.v);
	return all.n > 0 ? 0 : 1;
}

static int
cmd_drain(int argc, char **argv)
{
	struct recs all;
	struct rec r;
	const char *sock = NULL, *file = NULL;
	char	 line[128];
	double	 t0 = 0, t_end;
	size_t	 delivered;
	FILE	*f;
	int	 ch, rc, stalled;

	while ((ch = getopt(argc, argv, "i:s:T:")) != -1) {
		switch (ch) {
		case 'i':
			file = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'T':
			t0 = strtod(optarg, NULL) / 1e6;
			break;
		default:
			usage();
		}
	}
	if (sock == NULL || file == NULL || t0 <= 0)
		usage();
	memset(&all, 0, sizeof(all));
	if ((f = fopen(file, "r")) == NULL) {
		perror(file);
		return 1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		memset(&r, 0, sizeof(r));
		r.state = REC_QUEUED;
		if (cairn_msgid_parse(r.id, line) != 0 ||
		    recs_add(&all, &r) != 0) {
			fprintf(stderr, "load: %s: bad line\n", file);
			fclose(f);
			free(all.v);
			return 1;
		}
	}
	fclose(f);
	rc = settle(sock, all.v, all.n, 4, &t_end, &delivered, &stalled,
	    NULL);
	if (rc != 0)
		fprintf(stderr, "load: settling: %s\n", cairn_strerror(rc));
	if (stalled) {
		fprintf(stderr, "load: drain stalled: nothing delivered for "
		    "%.0f s, %zu of %zu delivered\n", STALL_S, delivered,
		    all.n);
		printf("bench: drain_stalled 1 flag\n");
		printf("bench: drain_time nan s\n");
	} else {
		printf("bench: drain_time %.2f s\n", (t_end - t0) / 1e3);
		printf("bench: drain_rate %.0f msg/s\n",
		    (double)delivered / ((t_end - t0) / 1e3));
	}
	printf("bench: drain_delivered %zu msgs\n", delivered);
	printf("bench: drain_not_delivered %zu msgs\n", all.n - delivered);
	free(all.v);
	return rc == 0 ? 0 : 1;
}

/*
 * load quiet -f FILE [-m MS] [-t SECONDS]: waits until the disk is quiet,
 * for the next part to measure the daemons and not what the last part
 * left the disk doing.  Here, a GiB written and deleted (the 64 KiB
 * throughput run) is followed by fdatasync stalls of 40-70 ms every ~2 s
 * for ~12 s (online discard): a latency run started then measures those.
 * Quiet: one 4 KiB write + fdatasync of FILE at a time, none slower than
 * MS (5) for 3 s in a row; gives up after SECONDS (60).  Prints how long
 * it waited, on stderr.
 */
static int
cmd_quiet(int argc, char **argv)
{
	const char *file = NULL;
	static const char page[4096];
	double	 max_ms = 5, limit = 60, t0, since, t, d;
	int	 ch, fd, rc = 0;

	while ((ch = getopt(argc, argv, "f:m:t:")) != -1) {
		switch (ch) {
		case 'f':
			file = optarg;
			break;
		case 'm':
			max_ms = atof(optarg);
			break;
		case 't':
			limit = atof(optarg);
			break;
		default:
			usage();
		}
	}
	if (file == NULL || max_ms <= 0 || limit <= 0)
		usage();
	if ((fd = open(file, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1) {
		fprintf(stderr, "load: %s: %s\n", file, strerror(errno));
		return 1;
	}
	t0 = since = bench_mono();
	for (;;) {
		if (pwrite(fd, page, sizeof(page), 0) != (ssize_t)sizeof(page)) {
			rc = 1;
			break;
		}
		t = bench_mono();
		if (fdatasync(fd) != 0) {
			rc = 1;
			break;
		}
		d = (bench_mono() - t) * 1e3;
		if (d > max_ms)
			since = bench_mono();
		else if (bench_mono() - since >= 3)
			break;
		if (bench_mono() - t0 >= limit) {
			fprintf(stderr, "load: the disk was not quiet after "
			    "%.0f s; measuring anyway\n", limit);
			break;
		}
		sleep_ms(1);
	}
	close(fd);
	unlink(file);
	if (rc != 0)
		fprintf(stderr, "load: %s: %s\n", file, strerror(errno));
	else
		fprintf(stderr, "disk quiet after %.1f s\n", bench_mono() - t0);
	return rc;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: load throughput -s sock [-t threads] [-w window] "
	    "[-P sender_pid] [-Q receiver_pid] "
	    "[-d seconds] [-m max] [-z bytes] [-n name]\n"
	    "       load latency -s sock -r rsock [-D trace [-S strace]] "
	    "[-R rate] [-d seconds]\n"
	    "       load big -s sock -r rsock -P pid -Q pid [-z bytes]\n"
	    "       load backlog -s sock -o file [-n max] [-d seconds] "
	    "[-t threads] [-w window]\n"
	    "       load drain -s sock -i file -T ns\n"
	    "       load quiet -f file [-m ms] [-t seconds]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	static const struct {
		const char *name;
		int	(*fn)(int, char **);
	} cmds[] = {
		{ "throughput", cmd_throughput },
		{ "latency", cmd_latency },
		{ "big", cmd_big },
		{ "backlog", cmd_backlog },
		{ "drain", cmd_drain },
		{ "quiet", cmd_quiet },
	};
	size_t	i;

	if (argc < 2)
		usage();
	if (sodium_init() < 0) {
		fprintf(stderr, "load: libsodium failed to initialise\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	usage();
}

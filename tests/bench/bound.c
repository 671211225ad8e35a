/* SPDX-License-Identifier: MIT */
/*
 * bench bound: the CPU bound of the message pipeline.
 *
 * A tight loop of exactly the per-message crypto and encoding work that
 * a message costs two daemons, with real keys from keys/keyfile:
 *
 *   sender     cairn_payload_decode_flags (strict, as the daemon checks
 *              the client's payload bytes), cairn_envelope_seal_inplace
 *              (X25519 + XChaCha20-Poly1305 where the bytes lie, Ed25519
 *              over the digest)
 *   receiver   cairn_envelope_parse, _verify, _check_time,
 *              _decrypt_inplace (open, decode and validate, seal back to
 *              the bytes received); then, as a daemon does at
 *              each commit, cairn_reply_sign_batch over BATCH_N messages
 *              (one signature over a Merkle root, a path per message)
 *   sender     cairn_reply_parse, cairn_reply_verify_cached for each
 *              message of the batch (the signature checked once, each
 *              message's path checked)
 *
 * BATCH_N is 256 envelopes per receipt batch.  A daemon's pass may take
 * up to 512 (and under load takes a few dozen), so the receipt work per
 * message here is already less than the pipeline's: the bound is the
 * higher for it.  Also printed, for the latency floor (floor -c): a
 * batch of one message signed and checked, the receipt work of each
 * commit at a low rate (bound_receipt1_sign, bound_receipt1_verify).
 * run on every core at once (one thread per core), for a ConsultationRequest
 * with about 1 KiB of question text, and for one with a 64 KiB attachment
 * beside it.  Not counted: LMDB, ZeroMQ and CURVE, the client's payload
 * encoding, and the copies into and out of the wire.  A daemon pair can
 * at best reach this rate, so it is what throughput is measured against.
 *
 * Prints "bench: NAME VALUE UNIT" lines on stdout.
 *
 * Not for: timing asserts (tests/bench is measured, never asserted).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "keys/keyfile.h"
#include "proto/envelope.h"
#include "proto/reply.h"
#include "tests/bench/bench.h"

#define SENDER		"lerum.elevhalsa"
#define RECEIVER	"alingsas.uph"
#define QUESTION_BYTES	1024
#define ATTACH_BYTES	(64 * 1024)
#define YEAR_MS		(365LL * 86400 * 1000)
#define BATCH_N		256	/* messages per receipt batch */
#define CALIBRATE_N	3	/* batches: one to warm up, two measured */

struct party {
	struct cairn_secret	*sec;
	struct cairn_signer	 signer;
	struct cairn_pubfile	 pub;
	struct cairn_unsealer	 unsealer;
	struct cairn_pubkey	 box;
};

struct worker {
	pthread_t		 tid;
	const char		*dir;
	size_t			 attach;
	double			 seconds;
	unsigned long		 count;
	int			 rc;
};

/* per-step CPU time of one thread, microseconds per message */
struct steps {
	double	seal, open, rsign, rverify;
};

static int64_t	now_ms(void);
static int	party_load(struct party *, const char *, const char *);
static void	party_free(struct party *);
static struct cairn_payload *make_payload(size_t);
static int	one_batch(struct party *, struct party *,
		    const struct cairn_payload *, struct steps *);
static int	receipt_one(struct party *, double *, double *);
static void	*worker_run(void *);
static int	run_threads(const char *, size_t, double, int, double *);

static atomic_int go;

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
party_load(struct party *p, const char *dir, const char *org)
{
	char	path[4096];
	int	rc;

	memset(p, 0, sizeof(*p));
	snprintf(path, sizeof(path), "%s/%s.secret", dir, org);
	if ((rc = cairn_keyfile_secret_load(&p->sec, path)) != 0)
		return rc;
	cairn_keyfile_secret_public(p->sec, &p->pub);
	cairn_keyfile_unsealer(p->sec, &p->unsealer);
	if ((rc = cairn_keyfile_signer(p->sec, now_ms(), &p->signer)) != 0 ||
	    (rc = cairn_keyfile_box_current(p->sec, now_ms(), &p->box)) != 0)
		return rc;
	return 0;
}

static void
party_free(struct party *p)
{
	cairn_keyfile_secret_free(p->sec);
	p->sec = NULL;
}

/* A consultation request as a school nurse would send it. */
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
	if (cairn_valid_pnr("19121212-1212", now_ms(), pnr) != 0)
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
	if (cairn_payload_validate(p, now_ms()) != 0)
		goto fail;
	return p;
fail:
	cairn_payload_free(p);
	return NULL;
}

/*
 * BATCH_N messages from s to r and their receipts back, as the two
 * daemons do it, timing each step into st when it is not NULL.
 */
static int
one_batch(struct party *s, struct party *r, const struct cairn_payload *p,
    struct steps *st)
{
	struct cairn_reply_leaf leaves[BATCH_N];
	struct cairn_header hdr;
	struct cairn_envelope *e = NULL;
	struct cairn_payload *got = NULL;
	struct cairn_reply_cache cache;
	struct cairn_reply back;
	struct cairn_reply_msg *m = NULL;
	struct cairn_sealed sealed;
	uint8_t	*env = NULL, *rb[BATCH_N], *pl = NULL, *pt = NULL;
	size_t	 pllen = 0;
	size_t	 envlen, rlen[BATCH_N], i, nrb = 0;
	int64_t	 now = now_ms();
	double	 t0 = 0, t1;
	int	 rc = 0;

	/* the client's encoding of the payload, as the daemon gets it */
	if ((rc = cairn_payload_encode(p, now, &pl, &pllen)) != 0)
		goto out;
	if ((pt = malloc(pllen)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < BATCH_N && rc == 0; i++) {
		memcpy(pt, pl, pllen);		/* a fresh request's bytes */
		if (st != NULL)
			t0 = bench_mono();
		if ((rc = cairn_payload_decode_flags(&got, pt, pllen, now,
		    CAIRN_PAYLOAD_META | CAIRN_PAYLOAD_STRICT)) != 0)
			break;
		memset(&hdr, 0, sizeof(hdr));
		hdr.kind = got->kind;
		cairn_payload_free(got);
		got = NULL;
		snprintf(hdr.from_org, sizeof(hdr.from_org), "%s", SENDER);
		snprintf(hdr.from_function, sizeof(hdr.from_function),
		    "skolskoterska");
		snprintf(hdr.to_org, sizeof(hdr.to_org), "%s", RECEIVER);
		snprintf(hdr.to_function, sizeof(hdr.to_function),
		    "konsultation");
		hdr.created_ms = now;
		hdr.expires_ms = now + 14LL * 86400 * 1000;
		cairn_envelope_new_id(hdr.msg_id);
		memcpy(hdr.conversation_id, hdr.msg_id, CAIRN_MSG_ID_BYTES);
		if ((rc = cairn_envelope_seal_inplace(&hdr, pt, pllen, &r->box,
		    &s->signer, &sealed)) != 0)
			break;
		if (st != NULL) {
			t1 = bench_mono();
			st->seal += t1 - t0;
		}
		/* on the wire: the three pieces in one buffer (not timed) */
		envlen = sealed.len;
		if ((env = malloc(envlen)) == NULL) {
			rc = -ENOMEM;
			break;
		}
		memcpy(env, sealed.pre, sealed.prelen);
		memcpy(env + sealed.prelen, pt, pllen);
		memcpy(env + sealed.prelen + pllen, sealed.post,
		    sealed.postlen);
		if (st != NULL)
			t0 = bench_mono();
		if ((rc = cairn_envelope_parse(&e, env, envlen)) != 0 ||
		    (rc = cairn_envelope_verify(e, &s->pub.sign_keys[0],
		    SENDER)) != 0 ||
		    (rc = cairn_envelope_check_time(e, now)) != 0 ||
		    (rc = cairn_envelope_decrypt_inplace(e, env,
		    &r->unsealer, now, CAIRN_PAYLOAD_META, &got)) != 0)
			break;
		memcpy(leaves[i].msg_id, hdr.msg_id, CAIRN_MSG_ID_BYTES);
		memcpy(leaves[i].envelope_hash, cairn_envelope_hash(e),
		    CAIRN_HASH_BYTES);
		cairn_payload_free(got);
		got = NULL;
		cairn_envelope_free(e);
		e = NULL;
		free(env);
		env = NULL;
		if (st != NULL)
			st->open += bench_mono() - t0;
	}
	if (rc != 0)
		goto out;

	if (st != NULL)
		t0 = bench_mono();
	if ((rc = cairn_reply_sign_batch(leaves, BATCH_N, now, RECEIVER,
	    &r->signer, rb, rlen)) != 0)
		goto out;
	nrb = BATCH_N;
	if (st != NULL) {
		t1 = bench_mono();
		st->rsign += t1 - t0;
		t0 = t1;
	}

	memset(&cache, 0, sizeof(cache));
	for (i = 0; i < nrb && rc == 0; i++) {
		if ((rc = cairn_reply_parse(&m, rb[i], rlen[i])) == 0)
			rc = cairn_reply_verify_cached(m, &r->pub.sign_keys[0],
			    RECEIVER, &back, &cache);
		cairn_reply_free(m);
		m = NULL;
	}
	if (st != NULL)
		st->rverify += bench_mono() - t0;
out:
	for (i = 0; i < nrb; i++)
		free(rb[i]);
	free(pl);
	free(pt);
	cairn_payload_free(got);
	cairn_envelope_free(e);
	free(env);
	return rc;
}

/*
 * A receipt batch of one message, signed and checked with a fresh
 * cache (the signature verified): what a commit of one envelope costs
 * the receiver and, for its receipt, the sender, at a low rate where
 * each batch holds one or two.  Microseconds per batch.
 */
static int
receipt_one(struct party *r, double *sign_us, double *verify_us)
{
	struct cairn_reply_leaf leaf;
	struct cairn_reply_cache cache;
	struct cairn_reply back;
	struct cairn_reply_msg *m = NULL;
	uint8_t	*rb = NULL;
	size_t	 rlen;
	double	 t0, ts = 0, tv = 0;
	int	 i, n = 200, rc = 0;

	memset(&leaf, 0, sizeof(leaf));
	for (i = 0; i < n && rc == 0; i++) {
		cairn_envelope_new_id(leaf.msg_id);
		randombytes_buf(leaf.envelope_hash, sizeof(leaf.envelope_hash));
		t0 = bench_mono();
		if ((rc = cairn_reply_sign_batch(&leaf, 1, now_ms(), RECEIVER,
		    &r->signer, &rb, &rlen)) != 0)
			break;
		ts += bench_mono() - t0;
		memset(&cache, 0, sizeof(cache));
		t0 = bench_mono();
		if ((rc = cairn_reply_parse(&m, rb, rlen)) == 0)
			rc = cairn_reply_verify_cached(m, &r->pub.sign_keys[0],
			    RECEIVER, &back, &cache);
		tv += bench_mono() - t0;
		cairn_reply_free(m);
		m = NULL;
		free(rb);
		rb = NULL;
	}
	*sign_us = ts * 1e6 / n;
	*verify_us = tv * 1e6 / n;
	return rc;
}

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	struct party s, r;
	struct cairn_payload *p = NULL;
	double	 end;

	w->rc = party_load(&s, w->dir, SENDER);
	if (w->rc == 0)
		w->rc = party_load(&r, w->dir, RECEIVER);
	if (w->rc == 0 && (p = make_payload(w->attach)) == NULL)
		w->rc = CAIRN_EINVAL;
	while (!atomic_load(&go))
		;
	if (w->rc != 0)
		goto out;
	end = bench_mono() + w->seconds;
	for (;;) {
		if ((w->rc = one_batch(&s, &r, p, NULL)) != 0)
			break;
		w->count += BATCH_N;
		if (bench_mono() >= end)
			break;
	}
out:
	cairn_payload_free(p);
	party_free(&s);
	party_free(&r);
	return NULL;
}

/* Runs nthreads workers for seconds; *rate receives messages/s. */
static int
run_threads(const char *dir, size_t attach, double seconds, int nthreads,
    double *rate)
{
	struct worker *w;
	unsigned long total = 0;
	double	 t0, t1;
	int	 i, rc = 0;

	if ((w = calloc((size_t)nthreads, sizeof(*w))) == NULL)
		return -ENOMEM;
	atomic_store(&go, 0);
	for (i = 0; i < nthreads; i++) {
		w[i].dir = dir;
		w[i].attach = attach;
		w[i].seconds = seconds;
		if (pthread_create(&w[i].tid, NULL, worker_run, &w[i]) != 0) {
			nthreads = i;
			rc = -EAGAIN;
			break;
		}
	}
	t0 = bench_mono();
	atomic_store(&go, 1);
	for (i = 0; i < nthreads; i++) {
		pthread_join(w[i].tid, NULL);
		total += w[i].count;
		if (w[i].rc != 0 && rc == 0)
			rc = w[i].rc;
	}
	t1 = bench_mono();
	*rate = (double)total / (t1 - t0);
	free(w);
	return rc;
}

int
main(int argc, char *argv[])
{
	static const struct { const char *name; size_t attach; } sizes[] = {
		{ "1k", 0 },
		{ "64k", ATTACH_BYTES },
	};
	struct party s, r;
	struct cairn_payload *p;
	struct steps st;
	char	 dir[] = "/tmp/cairn-bound.XXXXXX", path[4096];
	double	 seconds = 3.0, rate, total, sign_us, verify_us;
	long	 ncpu;
	size_t	 k;
	int	 i, rc, threads;

	if (argc > 1)
		seconds = atof(argv[1]);
	if (seconds <= 0) {
		fprintf(stderr, "usage: bound [seconds]\n");
		return 2;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "bound: libsodium failed to initialise\n");
		return 1;
	}
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	threads = ncpu > 0 ? (int)ncpu : 1;
	if (mkdtemp(dir) == NULL) {
		perror("bound: mkdtemp");
		return 1;
	}
	if ((rc = cairn_keyfile_generate(dir, SENDER, now_ms(), YEAR_MS)) ||
	    (rc = cairn_keyfile_generate(dir, RECEIVER, now_ms(), YEAR_MS))) {
		fprintf(stderr, "bound: keys: %s\n", cairn_strerror(rc));
		goto out;
	}

	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		/* one thread, step by step: where the bound's time goes */
		if ((rc = party_load(&s, dir, SENDER)) != 0 ||
		    (rc = party_load(&r, dir, RECEIVER)) != 0) {
			fprintf(stderr, "bound: load keys: %s\n",
			    cairn_strerror(rc));
			goto out;
		}
		if ((p = make_payload(sizes[k].attach)) == NULL) {
			fprintf(stderr, "bound: cannot build the payload\n");
			rc = 1;
			goto out;
		}
		memset(&st, 0, sizeof(st));
		for (i = 0; i < CALIBRATE_N && rc == 0; i++)
			rc = one_batch(&s, &r, p, i < 1 ? NULL : &st);
		if (rc == 0 && k == 0 &&
		    (rc = receipt_one(&r, &sign_us, &verify_us)) == 0) {
			printf("bench: bound_receipt1_sign %.1f us\n", sign_us);
			printf("bench: bound_receipt1_verify %.1f us\n",
			    verify_us);
		}
		cairn_payload_free(p);
		party_free(&s);
		party_free(&r);
		if (rc != 0) {
			fprintf(stderr, "bound: pipeline: %s\n",
			    cairn_strerror(rc));
			goto out;
		}
		total = st.seal + st.open + st.rsign + st.rverify;
		i = (CALIBRATE_N - 1) * BATCH_N;
		printf("bench: bound_%s_seal_sign %.1f us\n", sizes[k].name,
		    st.seal * 1e6 / i);
		printf("bench: bound_%s_receive %.1f us\n", sizes[k].name,
		    st.open * 1e6 / i);
		printf("bench: bound_%s_receipt_sign %.1f us\n", sizes[k].name,
		    st.rsign * 1e6 / i);
		printf("bench: bound_%s_receipt_verify %.1f us\n",
		    sizes[k].name, st.rverify * 1e6 / i);
		printf("bench: bound_%s_cpu_per_msg %.1f us\n", sizes[k].name,
		    total * 1e6 / i);
		fflush(stdout);

		if ((rc = run_threads(dir, sizes[k].attach, seconds, threads,
		    &rate)) != 0) {
			fprintf(stderr, "bound: threads: %s\n",
			    cairn_strerror(rc));
			goto out;
		}
		printf("bench: bound_%s %.0f msg/s\n", sizes[k].name, rate);
		fflush(stdout);
	}
	printf("bench: bound_threads %d threads\n", threads);
out:
	snprintf(path, sizeof(path), "%s/%s.secret", dir, SENDER);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s.pub", dir, SENDER);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s.secret", dir, RECEIVER);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s.pub", dir, RECEIVER);
	unlink(path);
	rmdir(dir);
	return rc == 0 ? 0 : 1;
}

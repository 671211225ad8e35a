/* SPDX-License-Identifier: MIT */
/*
 * bench_audit: how long `cairn audit verify` takes over 1,000,000 audit
 * records (issue 5).  Builds a real store in a mkdtemp() directory, with
 * the daemon's own store code: synthetic records of a busy organisation
 * (submitted, sent, delivered, received, read) in group commits, and a
 * checkpoint signed every 1,000 records as cairnd's default does.  Then
 * runs the real CLI on it, read-only, and times it; and times the proto/
 * verifier alone, in memory, for comparison.
 *
 * Prints "bench: NAME VALUE UNIT" lines; the figures are measured, never
 * asserted.  Exit 0 unless the bench itself broke.
 *
 * Environment: BENCH_AUDIT_RECORDS (1000000), KEEP=1 keeps the directory.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "daemon/store.h"
#include "keys/keyfile.h"
#include "proto/audit.h"
#include "tests/bench/bench.h"

#define ORG		"bench.org"
#define CKPT_EVERY	1000
#define TXN_RECORDS	20000
#define DAY_MS		86400000LL

extern char **environ;

static int64_t	 base_ms;	/* records' times start here */

static int64_t	 now_ms(void);
static void	 make_record(struct cairn_audit_record *, uint64_t);
static int	 build(const char *, const struct cairn_secret *, uint64_t);
static int	 run_verify(const char *, const char *, const char *);
static int	 lookup(void *, const char *,
		    const uint8_t [static CAIRN_KEY_ID_BYTES],
		    struct cairn_pubkey *);
static int	 verifier_only(const struct cairn_secret *, uint64_t,
		    double *);
static int	 rm_entry(const char *, const struct stat *, int,
		    struct FTW *);

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Record n of a busy trail: mostly message events, some reads. */
static void
make_record(struct cairn_audit_record *r, uint64_t n)
{
	static const enum cairn_audit_event evs[] = {
		CAIRN_AUDIT_SUBMITTED, CAIRN_AUDIT_SENT, CAIRN_AUDIT_DELIVERED,
		CAIRN_AUDIT_RECEIVED, CAIRN_AUDIT_READ
	};
	uint64_t msg = n / 5;

	memset(r, 0, sizeof(*r));
	r->time_ms = base_ms + (int64_t)(n / 10);
	r->event = evs[n % 5];
	r->has_msg_id = true;
	memcpy(r->msg_id, &msg, sizeof(msg));
	memset(r->msg_id + sizeof(msg), 0xa5, CAIRN_MSG_ID_BYTES - sizeof(msg));
	strcpy(r->local, r->event >= CAIRN_AUDIT_RECEIVED ?
	    ORG "/konsultation" : ORG "/skolskoterska");
	strcpy(r->remote, "alingsas.uph/konsultation");
	r->has_envelope_hash = true;
	cairn_sig_hash(r->envelope_hash, r->msg_id, CAIRN_MSG_ID_BYTES);
	r->code = r->event == CAIRN_AUDIT_SENT ? 1 : 0;
	r->uid = r->event == CAIRN_AUDIT_READ ? 1000 : -1;
}

static int
build(const char *dir, const struct cairn_secret *sec, uint64_t total)
{
	struct cairn_audit_checkpoint cp;
	struct cairn_audit_record rec;
	struct cairn_signer signer;
	struct store	*st;
	struct store_txn *t = NULL;
	uint8_t		*buf;
	size_t		 len;
	uint64_t	 i;
	int		 rc;

	if ((rc = store_open(&st, dir, 4ull << 30)) != 0)
		return rc;
	for (i = 1; i <= total; i++) {
		if (t == NULL && (rc = store_begin(st, &t)) != 0)
			goto out;
		make_record(&rec, i);
		if ((rc = store_audit_append(t, &rec)) != 0)
			goto out;
		if (i % CKPT_EVERY == 0 || i == total) {
			memset(&cp, 0, sizeof(cp));
			cp.seq = rec.seq;
			memcpy(cp.head_hash, rec.hash, CAIRN_HASH_BYTES);
			cp.time_ms = now_ms();
			strcpy(cp.org, ORG);
			if ((rc = cairn_keyfile_signer(sec, cp.time_ms,
			    &signer)) != 0 ||
			    (rc = cairn_audit_checkpoint_sign(&cp, &signer,
			    &buf, &len)) != 0)
				goto out;
			rc = store_checkpoint_put(t, cp.seq, buf, len);
			free(buf);
			if (rc != 0)
				goto out;
		}
		if (i % TXN_RECORDS == 0 || i == total) {
			rc = store_commit(t);
			t = NULL;
			if (rc != 0)
				goto out;
		}
	}
	rc = 0;
out:
	store_abort(t);
	store_close(st);
	return rc;
}

/* Runs `cairn audit verify -k pub -d dir`, output to /dev/null. */
static int
run_verify(const char *cairn, const char *pub, const char *dir)
{
	posix_spawn_file_actions_t fa;
	char	*argv[] = { (char *)cairn, "audit", "verify", "-k",
		    (char *)pub, "-d", (char *)dir, NULL };
	pid_t	 pid;
	int	 status, rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null",
	    O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null",
	    O_WRONLY, 0);
	rc = posix_spawn(&pid, cairn, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return -rc;
	if (waitpid(pid, &status, 0) == -1)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -EINTR;
}

static struct cairn_pubfile bench_pub;

static int
lookup(void *arg, const char *org, const uint8_t id[static CAIRN_KEY_ID_BYTES],
    struct cairn_pubkey *key)
{
	(void)arg;
	if (strcmp(org, bench_pub.org) != 0 ||
	    memcmp(id, bench_pub.sign_keys[0].key_id, CAIRN_KEY_ID_BYTES) != 0)
		return CAIRN_EUNKNOWNKEY;
	*key = bench_pub.sign_keys[0];
	return 0;
}

/*
 * The proto/ verifier alone: records made in chunks (not timed), fed to
 * the verifier (timed), with a checkpoint every CKPT_EVERY.
 */
static int
verifier_only(const struct cairn_secret *sec, uint64_t total, double *took)
{
	struct cairn_audit_keys keys = { lookup, NULL };
	struct cairn_audit_verifier *v;
	struct cairn_audit_result res;
	struct cairn_audit_record *chunk;
	struct cairn_audit_checkpoint cp;
	struct cairn_signer signer;
	uint8_t	 prev[CAIRN_HASH_BYTES] = { 0 }, *buf;
	size_t	 len, k, n;
	uint64_t i = 1;
	double	 t0;
	int	 rc;

	*took = 0;
	cairn_keyfile_secret_public(sec, &bench_pub);
	if ((chunk = calloc(CKPT_EVERY, sizeof(*chunk))) == NULL)
		return -ENOMEM;
	if ((rc = cairn_audit_verifier_new(&v, &keys, ORG)) != 0)
		goto out;
	/* checkpoints come first: sign them over the chain as it is built */
	while (i <= total) {
		n = total - i + 1 < CKPT_EVERY ? total - i + 1 : CKPT_EVERY;
		for (k = 0; k < n; k++, i++) {
			make_record(&chunk[k], i);
			chunk[k].seq = i;
			memcpy(chunk[k].prev_hash, prev, CAIRN_HASH_BYTES);
			if ((rc = cairn_audit_seal(&chunk[k], &buf,
			    &len)) != 0)
				goto out;
			free(buf);
			memcpy(prev, chunk[k].hash, CAIRN_HASH_BYTES);
		}
		memset(&cp, 0, sizeof(cp));
		cp.seq = i - 1;
		memcpy(cp.head_hash, prev, CAIRN_HASH_BYTES);
		cp.time_ms = now_ms();
		strcpy(cp.org, ORG);
		if ((rc = cairn_keyfile_signer(sec, cp.time_ms, &signer)) != 0 ||
		    (rc = cairn_audit_checkpoint_sign(&cp, &signer, &buf,
		    &len)) != 0)
			goto out;
		free(buf);
		t0 = bench_mono();
		if ((rc = cairn_audit_verifier_checkpoint(v, &cp)) != 0)
			goto out;
		*took += bench_mono() - t0;
	}
	/* now the records again, the same ones, timed */
	memset(prev, 0, sizeof(prev));
	for (i = 1; i <= total;) {
		n = total - i + 1 < CKPT_EVERY ? total - i + 1 : CKPT_EVERY;
		for (k = 0; k < n; k++, i++) {
			make_record(&chunk[k], i);
			chunk[k].seq = i;
			memcpy(chunk[k].prev_hash, prev, CAIRN_HASH_BYTES);
			if ((rc = cairn_audit_seal(&chunk[k], &buf,
			    &len)) != 0)
				goto out;
			free(buf);
			memcpy(prev, chunk[k].hash, CAIRN_HASH_BYTES);
		}
		t0 = bench_mono();
		for (k = 0; k < n; k++)
			if ((rc = cairn_audit_verifier_record(v,
			    &chunk[k])) != 0)
				goto out;
		*took += bench_mono() - t0;
	}
	rc = cairn_audit_verifier_finish(v, &res);
out:
	cairn_audit_verifier_free(v);
	free(chunk);
	return rc;
}

static int
rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

int
main(int argc, char **argv)
{
	struct cairn_secret *sec = NULL;
	const char *env;
	char	 dir[PATH_MAX], state[PATH_MAX + 8], path[PATH_MAX + 32];
	char	 self[PATH_MAX], cairn[PATH_MAX + 8];
	uint64_t total = 1000000;
	double	 t0, built, took, mem;
	ssize_t	 n;
	int	 rc, ret = 1;

	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		return 1;
	base_ms = now_ms() - DAY_MS;
	if ((env = getenv("BENCH_AUDIT_RECORDS")) != NULL && env[0] != '\0')
		total = strtoull(env, NULL, 10);
	if (total == 0)
		total = 1;
	/* the cairn program next to this one's directory: $B/bench/.. */
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) < 0)
		return 1;
	self[n] = '\0';
	snprintf(cairn, sizeof(cairn), "%s/../cairn", dirname(self));
	if (access(cairn, X_OK) != 0) {
		fprintf(stderr, "bench: BROKEN: %s: %s\n", cairn,
		    strerror(errno));
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s/cairn-bench-audit.XXXXXX",
	    (env = getenv("TMPDIR")) != NULL && env[0] ? env : "/tmp");
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(state, sizeof(state), "%s/state", dir);
	if ((rc = cairn_keyfile_generate(dir, ORG, now_ms() - 2 * DAY_MS,
	    365 * DAY_MS)) != 0)
		goto fail;
	snprintf(path, sizeof(path), "%s/%s.secret", dir, ORG);
	if ((rc = cairn_keyfile_secret_load(&sec, path)) != 0)
		goto fail;

	t0 = bench_mono();
	if ((rc = build(state, sec, total)) != 0)
		goto fail;
	built = bench_mono() - t0;
	fprintf(stderr, "bench: audit store of %" PRIu64 " records built in "
	    "%.1f s\n", total, built);

	snprintf(path, sizeof(path), "%s/%s.pub", dir, ORG);
	t0 = bench_mono();
	rc = run_verify(cairn, path, state);
	took = bench_mono() - t0;
	if (rc != 0) {
		fprintf(stderr, "bench: BROKEN: cairn audit verify exited "
		    "%d\n", rc);
		goto out;
	}
	if ((rc = verifier_only(sec, total, &mem)) != 0)
		goto fail;
	printf("bench: audit_verify_%s %.2f s\n", total == 1000000 ? "1m" :
	    "n", took);
	printf("bench: audit_verify_rate %.0f records/s\n",
	    (double)total / took);
	printf("bench: audit_verifier_only_rate %.0f records/s\n",
	    (double)total / mem);
	ret = 0;
	goto out;
fail:
	fprintf(stderr, "bench: BROKEN: %s\n", cairn_strerror(rc));
out:
	cairn_keyfile_secret_free(sec);
	if (getenv("KEEP") != NULL && strcmp(getenv("KEEP"), "1") == 0)
		fprintf(stderr, "kept %s\n", dir);
	else
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return ret;
}

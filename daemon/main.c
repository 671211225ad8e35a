/* SPDX-License-Identifier: MIT */
/*
 * cairnd: one organisation's daemon.  Reads its configuration, keys and
 * the signed address book, opens the store, binds the peer and client
 * sockets, and runs one event loop: zmq_poll over the sockets and a
 * signalfd, one LMDB commit per pass.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <systemd/sd-daemon.h>
#include <zmq.h>

#include "daemon/access.h"
#include "daemon/audit.h"
#include "daemon/config.h"
#include "daemon/control.h"
#include "daemon/log.h"
#include "daemon/store.h"
#include "daemon/trace.h"
#include "daemon/workflow.h"
#include "daemon/xport.h"
#include "keys/book.h"
#include "keys/keyfile.h"

#define POLL_MAX	(XPORT_MAX_PEERS + 4)
#define AHEAD_FEW	3	/* see run() */
#define CTL_BATCH	256	/* see ctl_batch() */
#define BATCH		512
/*
 * Store pages mapped since the last release: unmap them after this many
 * (16 MiB).  Each release costs a fault for every page read after it, and
 * a page fault is dear in this VM: at 512 (2 MiB) a busy sender released
 * 15 times a second and took ~0.3 faults per message.
 */
#define RELEASE_PAGES	4096
/* idle this long after work: unmap the store, give freed heap back */
#define IDLE_TRIM_MS	500

struct cairnd {
	struct config		*cfg;
	struct cairn_secret	*sec;
	uint8_t			 fed_pk[32];
	struct cairn_book	*book;
	struct store		*st;
	struct xport		*x;
	struct workflow		*wf;
	struct control		*ctl;
	struct access		*access;
	struct audit		*audit;
	struct trace		*trace;		/* CAIRND_TRACE; the workflow's */
	int			 sigfd;
	int			 quit;
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: cairnd [-dhnV] -c file\n");
}

static int
load_book(struct cairnd *d, struct cairn_book **out)
{
	uint64_t serial = 0;
	int	 rc;

	if (d->book != NULL)
		serial = cairn_book_data(d->book)->serial;
	else if (d->st != NULL &&
	    store_meta_get_u64(d->st, "book.serial", &serial) != 0)
		serial = 0;	/* first start: no book accepted before */
	rc = cairn_book_load(out, d->cfg->book, d->fed_pk, serial,
	    workflow_now());
	return rc;
}

static void
check_self(struct cairnd *d)
{
	const struct cairn_org *me;
	struct cairn_pubfile pub;

	if ((me = cairn_book_org(d->book, d->cfg->org)) == NULL)
		fatalx("organisation %s is not in the address book %s",
		    d->cfg->org, d->cfg->book);
	cairn_keyfile_secret_public(d->sec, &pub);
	if (memcmp(pub.curve_pk, me->curve_pk, 32) != 0)
		fatalx("the transport key in %s does not match the one the "
		    "address book lists for %s", d->cfg->key, d->cfg->org);
}

static void
reload_book(struct cairnd *d)
{
	struct cairn_book *nb;
	int	rc;

	if ((rc = load_book(d, &nb)) != 0) {
		log_warnx("book: refused new address book %s: %s; keeping "
		    "serial %" PRIu64, d->cfg->book, cairn_strerror(rc),
		    cairn_book_data(d->book)->serial);
		(void)workflow_audit(d->wf, CAIRN_AUDIT_BOOK_REFUSED, NULL,
		    NULL, NULL, NULL, rc, -1);
		return;
	}
	if (cairn_book_org(nb, d->cfg->org) == NULL) {
		log_warnx("book: refused new address book: %s is not in it",
		    d->cfg->org);
		(void)workflow_audit(d->wf, CAIRN_AUDIT_BOOK_REFUSED, NULL,
		    NULL, NULL, NULL, CAIRN_ENOTFOUND, -1);
		cairn_book_free(nb);
		return;
	}
	xport_set_book(d->x, nb);
	workflow_set_book(d->wf, nb);
	cairn_book_free(d->book);
	d->book = nb;
	log_notice("book: loaded address book serial %" PRIu64,
	    cairn_book_data(nb)->serial);
	(void)workflow_audit(d->wf, CAIRN_AUDIT_BOOK_LOADED, NULL, NULL, NULL,
	    NULL, (int32_t)cairn_book_data(nb)->serial, -1);
	/* remembered, so that an older book is refused after a restart too */
	if (workflow_txn(d->wf) == NULL || store_meta_put_u64(
	    workflow_txn(d->wf), "book.serial",
	    cairn_book_data(nb)->serial) != 0)
		log_warnx("book: cannot record serial");
}

static void
reload_access(struct cairnd *d)
{
	struct access *na;

	if (access_load(&na, d->cfg) != 0) {
		log_warnx("access: cannot reload, keeping the old roles");
		return;
	}
	control_set_access(d->ctl, na);
	access_free(d->access);
	d->access = na;
}

static int
setup_signals(void)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) != 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
}

static void
handle_signals(struct cairnd *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_notice("cairnd: signal %u, finishing the current "
			    "pass and stopping", si.ssi_signo);
			d->quit = 1;
			break;
		case SIGHUP:
			log_notice("cairnd: SIGHUP, reloading the address "
			    "book and the users of [access]");
			reload_book(d);
			reload_access(d);
			break;
		}
	}
}

/* the organisations queued messages go to, from store_check() */
struct queued_orgs {
	char	**orgs;
	size_t	  n;
};

static void
queued_org(void *arg, const char *org)
{
	struct queued_orgs *q = arg;
	char	**no, *dup;

	if ((dup = strdup(org)) == NULL ||
	    (no = reallocarray(q->orgs, q->n + 1, sizeof(*no))) == NULL) {
		free(dup);
		return;		/* connected when its first message is due */
	}
	q->orgs = no;
	q->orgs[q->n++] = dup;
}

static int
mkparent(const char *path, mode_t mode)
{
	char	*dir, *slash;
	int	 rc = 0;

	if ((dir = strdup(path)) == NULL)
		return -ENOMEM;
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, mode) != 0 && errno != EEXIST)
			rc = -errno;
	}
	free(dir);
	return rc;
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* pages of this process mapped from files (statm "shared"), or -1 */
static long
file_pages(void)
{
	FILE	*f;
	long	 size, resident, shared;

	if ((f = fopen("/proc/self/statm", "re")) == NULL)
		return -1;
	if (fscanf(f, "%ld %ld %ld", &size, &resident, &shared) != 3)
		shared = -1;
	fclose(f);
	return shared;
}

/*
 * Keeps the resident size to what the daemon is using.  LMDB reads
 * through a shared read-only map of the whole file: every page read stays
 * mapped (and counted in VmRSS) until unmapped, though the kernel could
 * drop it from the page cache any time; one fault can map many pages
 * (fault-around, large folios).  Every 50 ms at most: once RELEASE_PAGES
 * more file pages are mapped than after the last release, the map is
 * released; idle for IDLE_TRIM_MS after work, the map is released and
 * freed heap given back (malloc_trim).
 */
struct trim {
	int64_t	 next_ms;	/* next look at the mapped pages */
	int64_t	 busy_ms;	/* last pass with events */
	long	 base;		/* file pages mapped after the last release */
	int	 dirty;		/* work since the last idle trim */
	int	 warned;	/* a failed release was logged */
};

static void
trim(struct cairnd *d, struct trim *tr, int events)
{
	int64_t	now = mono_ms();
	long	p;

	if (events > 0) {
		tr->busy_ms = now;
		tr->dirty = 1;
	}
	if (now < tr->next_ms)
		return;
	tr->next_ms = now + 50;
	if (tr->dirty && now - tr->busy_ms >= IDLE_TRIM_MS) {
		tr->dirty = 0;
		(void)malloc_trim(0);
	} else if ((p = file_pages()) < 0 || p - tr->base < RELEASE_PAGES)
		return;
	if (store_release_map(d->st) != 0 && !tr->warned) {
		tr->warned = 1;		/* once: it will not get better */
		log_warnx("store: cannot release the map; resident size "
		    "will grow with the pages read");
	}
	tr->base = file_pages();
}

/* Events per pass: fewer while the store is short of room. */
static size_t
pass_batch(struct cairnd *d)
{
	size_t	batch = workflow_batch(d->wf);

	return batch < BATCH ? batch : BATCH;
}

/*
 * Client requests per pass: fewer than events, because a pass of new
 * messages dirties the most pages, and LMDB keeps as many page buffers
 * as its largest transaction ever dirtied (for reuse, never freed).
 */
static size_t
ctl_batch(size_t batch)
{
	return batch < CTL_BATCH ? batch : CTL_BATCH;
}

static void
run(struct cairnd *d)
{
	/* starting is work too: what it mapped and freed goes back when idle */
	struct trim tr = { 0, mono_ms(), 0, 1, 0 };
	zmq_pollitem_t items[POLL_MAX];
	struct xport_in *in, *ahead;
	struct xport_reply *rep;
	size_t	 n, i, k, nin, nrep, batch;
	size_t	 got_ctl, got_in;
	int	 timeout, rc, passes = 0, expire = 0, ahead_ctl, ahead_in;

	in = calloc(BATCH, sizeof(*in));
	ahead = calloc(BATCH, sizeof(*ahead));
	rep = calloc(BATCH, sizeof(*rep));
	if (in == NULL || ahead == NULL || rep == NULL)
		fatal("calloc");
	while (!d->quit) {
		n = 0;
		items[n++] = (zmq_pollitem_t){ .fd = d->sigfd,
		    .events = ZMQ_POLLIN };
		items[n++] = (zmq_pollitem_t){
		    .socket = control_socket(d->ctl), .events = ZMQ_POLLIN };
		n += xport_poll_items(d->x, items + n, POLL_MAX - n);
		/* what was read ahead is this pass's work: no waiting */
		ahead_ctl = control_pending(d->ctl);
		ahead_in = workflow_incoming_pending(d->wf);
		/* and after work, wake for the idle trim in time */
		timeout = ahead_ctl || ahead_in ? 0 :
		    workflow_timeout(d->wf, tr.dirty ? IDLE_TRIM_MS + 10 :
		    1000);
		if ((rc = zmq_poll(items, (int)n, timeout)) < 0) {
			if (errno == EINTR)
				continue;
			fatal("zmq_poll");
		}
		trace_pass(d->trace);
		trim(d, &tr, rc + ahead_ctl + ahead_in);
		/*
		 * Requests and envelopes read ahead during the last commit,
		 * sealed or opened by the workers meanwhile: handled first,
		 * as read before any signal (a new book) that came since.
		 */
		got_ctl = control_handle(d->ctl);
		got_in = workflow_incoming_finish(d->wf);
		if (items[0].revents & ZMQ_POLLIN)
			handle_signals(d);
		/*
		 * What came since the read-ahead waits for the next one (to be
		 * sealed or opened while this pass commits) when the
		 * read-ahead brought a fair number: under load that keeps
		 * the workers busy through the commits.  When it brought
		 * few, it is taken now: waiting would cost it a commit.
		 */
		batch = pass_batch(d);
		if ((items[1].revents & ZMQ_POLLIN) && got_ctl < AHEAD_FEW &&
		    got_ctl < ctl_batch(batch))
			control_ready(d->ctl, ctl_batch(batch) - got_ctl);
		for (i = 2; i < n; i++) {
			if (!(items[i].revents & ZMQ_POLLIN))
				continue;
			xport_ready(d->x, items[i].socket, in,
			    got_in < AHEAD_FEW && got_in < batch ?
			    batch - got_in : 0, &nin, rep, batch, &nrep);
			workflow_incoming(d->wf, in, nin);
			for (k = 0; k < nrep; k++)
				workflow_reply(d->wf, &rep[k]);
		}
		workflow_due(d->wf);
		/*
		 * Now and then, old dedup entries go with the next pass
		 * that writes anyway: no commit of their own.
		 */
		if (++passes % 1000 == 0)
			expire = 1;
		if (expire && workflow_pass_txn(d->wf) != NULL) {
			expire = 0;
			if ((rc = store_dedup_expire(workflow_pass_txn(d->wf),
			    workflow_now(), 1000, &k)) != 0) {
				log_warnx("store: dedup expiry failed");
				workflow_pass_lost(d->wf, rc);
			}
		}
		/* a checkpoint that failed in the pass failed the pass */
		if ((rc = audit_tick(d->audit, workflow_pass_txn(d->wf),
		    workflow_now())) != 0 && audit_pass_lost(d->audit))
			workflow_pass_lost(d->wf, rc);
		/*
		 * While this pass's commit waits for the disk, the workers
		 * seal the submits and open the envelopes that are already
		 * waiting; the next pass stores them.  Not when stopping:
		 * nothing read is left unhandled.
		 */
		if (!d->quit && workflow_overlaps(d->wf)) {
			batch = pass_batch(d);
			(void)control_read(d->ctl, ctl_batch(batch));
			xport_ready(d->x, xport_router(d->x), ahead, batch, &nin,
			    NULL, 0, &nrep);
			workflow_incoming_start(d->wf, ahead, nin);
		}
		rc = workflow_commit(d->wf);
		audit_pass_done(d->audit);
		if (rc != 0 && rc != CAIRN_ENOSPACE)
			/*
			 * A failed fsync may have lost pages the kernel
			 * already dropped: retrying on it is not safe.  Stop
			 * and let systemd restart us from what is on disk.
			 */
			fatalx("store commit failed: %s", cairn_strerror(rc));
	}
	free(in);
	free(ahead);
	free(rep);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "debug", no_argument, NULL, 'd' },
		{ "check", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct cairnd d;
	struct queued_orgs qo = { NULL, 0 };
	size_t	 i;
	struct rlimit rl = { 0, 0 };
	struct cairn_pubfile *fed = NULL;
	uint8_t	 cpk[32], *csk;
	const char *conffile = NULL, *trace_path;
	char	 err[512];
	int	 ch, verbose = 0, checkonly = 0, rc;

	while ((ch = getopt_long(argc, argv, "c:dhnV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			conffile = optarg;
			break;
		case 'd':
			verbose = 1;
			break;
		case 'n':
			checkonly = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("cairnd %s\n", CAIRN_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (conffile == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	memset(&d, 0, sizeof(d));
	log_init("cairnd", verbose);
	/* secret keys must never end up in a core file */
	if (setrlimit(RLIMIT_CORE, &rl) != 0)
		log_warn("setrlimit(RLIMIT_CORE)");
	if (sodium_init() < 0)
		fatalx("libsodium failed to initialise");
	/*
	 * Listings and large messages are buffers of megabytes, malloc'ed
	 * and freed within one pass.  glibc raises its mmap threshold to the
	 * size of each mmap'ed buffer freed (up to 32 MiB), and from then on
	 * such buffers come from the heap, where they stay resident after
	 * free (a few listings of 9,000 messages: +14 MiB; one 30 MiB
	 * message: its copies for good).  A fixed threshold keeps them
	 * mapped, returned at free; up to 2 MiB freed at the top of the heap
	 * is kept, so that a pass that allocates and frees a few hundred KiB
	 * does not take fresh pages from the system each time.  Only tuning:
	 * a malloc without these knobs (a sanitizer's) is left as it is.
	 */
	(void)mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	(void)mallopt(M_TRIM_THRESHOLD, 2 * 1024 * 1024);

	if ((rc = config_load(&d.cfg, conffile, err, sizeof(err))) != 0)
		fatalx("%s", err[0] ? err : cairn_strerror(rc));
	if ((rc = cairn_keyfile_secret_load(&d.sec, d.cfg->key)) != 0)
		fatalx("%s: %s", d.cfg->key, cairn_strerror(rc));
	if (strcmp(cairn_keyfile_secret_org(d.sec), d.cfg->org) != 0)
		fatalx("%s holds the keys of %s, not of %s", d.cfg->key,
		    cairn_keyfile_secret_org(d.sec), d.cfg->org);
	if ((rc = cairn_keyfile_public_load(&fed, d.cfg->federation)) != 0)
		fatalx("%s: %s", d.cfg->federation, cairn_strerror(rc));
	if (!fed->is_federation || fed->nsign_keys == 0)
		fatalx("%s is not a federation public key", d.cfg->federation);
	memcpy(d.fed_pk, fed->sign_keys[0].pk, 32);
	free(fed);

	if (checkonly) {
		if ((rc = load_book(&d, &d.book)) != 0)
			fatalx("%s: %s", d.cfg->book, cairn_strerror(rc));
		check_self(&d);
		printf("%s: configuration ok\n", conffile);
		cairn_book_free(d.book);
		cairn_keyfile_secret_free(d.sec);
		config_free(d.cfg);
		return 0;
	}

	if ((rc = store_check(d.cfg->state_dir, d.cfg->map_size, queued_org,
	    &qo)) != 0)
		fatalx("%s: the store file is damaged (%s); restore the state "
		    "directory from a backup", d.cfg->state_dir,
		    cairn_strerror(rc));
	if ((rc = store_open(&d.st, d.cfg->state_dir, d.cfg->map_size)) != 0)
		fatalx("%s: cannot open store: %s", d.cfg->state_dir,
		    cairn_strerror(rc));
	if ((rc = load_book(&d, &d.book)) != 0)
		fatalx("%s: %s", d.cfg->book, cairn_strerror(rc));
	check_self(&d);
	{
		uint64_t seq;
		uint8_t	 head[CAIRN_HASH_BYTES];

		/* a damaged audit head would refuse every write later */
		if ((rc = store_audit_head(d.st, NULL, &seq, head)) != 0)
			fatalx("%s: the audit chain's head cannot be read (%s); "
			    "restore the state directory from a backup",
			    d.cfg->state_dir, cairn_strerror(rc));
	}
	/* every queued message was read back whole by store_check() */

	if ((csk = sodium_malloc(32)) == NULL)
		fatalx("sodium_malloc");
	if (cairn_keyfile_curve_secret(d.sec, cpk, csk) != 0)
		fatalx("%s: no transport key", d.cfg->key);
	rc = xport_init(&d.x, d.cfg->listen, cpk, csk,
	    d.cfg->max_message_bytes + 65536, d.book);
	sodium_free(csk);
	if (rc != 0)
		fatalx("cannot listen on %s: %s", d.cfg->listen,
		    cairn_strerror(rc));
	if ((rc = workflow_init(&d.wf, d.cfg, d.st, d.x, d.sec, d.book)) != 0)
		fatalx("workflow: %s", cairn_strerror(rc));
	if ((trace_path = getenv("CAIRND_TRACE")) != NULL &&
	    *trace_path != '\0') {
		struct trace *tr;

		if ((rc = trace_open(&tr, trace_path)) != 0)
			fatalx("CAIRND_TRACE: cannot open %s: %s", trace_path,
			    strerror(-rc));
		workflow_set_trace(d.wf, tr);
		d.trace = tr;
		log_info("tracing durable messages to %s", trace_path);
	}
	if ((rc = audit_init(&d.audit, d.cfg, d.st, d.sec)) != 0)
		fatalx("audit: %s", cairn_strerror(rc));
	xport_set_peer_up(d.x, workflow_peer_up, d.wf);
	/*
	 * Connect now to every organisation with queued messages: one that
	 * waits for its peer is otherwise looked at again only after
	 * retry_max, and the peer-up callback brings it forward.
	 */
	for (i = 0; i < qo.n; i++)
		(void)xport_peer_ready(d.x, qo.orgs[i]);
	for (i = 0; i < qo.n; i++)
		free(qo.orgs[i]);
	free(qo.orgs);
	if ((rc = mkparent(d.cfg->socket, 0750)) != 0)
		fatalx("%s: %s", d.cfg->socket, cairn_strerror(rc));
	if ((rc = access_load(&d.access, d.cfg)) != 0)
		fatalx("access: %s", cairn_strerror(rc));
	if ((rc = control_init(&d.ctl, xport_context(d.x), d.cfg->socket,
	    d.cfg->socket_group, d.wf, d.access)) != 0)
		fatalx("cannot bind client socket %s: %s", d.cfg->socket,
		    cairn_strerror(rc));
	if ((d.sigfd = setup_signals()) < 0)
		fatal("signalfd");

	(void)workflow_audit(d.wf, CAIRN_AUDIT_STARTED, NULL, NULL, NULL, NULL,
	    0, -1);
	(void)workflow_audit(d.wf, CAIRN_AUDIT_BOOK_LOADED, NULL, NULL, NULL,
	    NULL, (int32_t)cairn_book_data(d.book)->serial, -1);
	if (workflow_txn(d.wf) == NULL || store_meta_put_u64(workflow_txn(d.wf),
	    "book.serial", cairn_book_data(d.book)->serial) != 0)
		fatalx("cannot record the address book serial");
	if ((rc = workflow_commit(d.wf)) != 0)
		fatalx("store commit failed: %s", cairn_strerror(rc));
	log_notice("cairnd: %s ready on %s, client socket %s, book serial %"
	    PRIu64, d.cfg->org, d.cfg->listen, d.cfg->socket,
	    cairn_book_data(d.book)->serial);
	sd_notify(0, "READY=1");

	run(&d);

	sd_notify(0, "STOPPING=1");
	(void)workflow_audit(d.wf, CAIRN_AUDIT_STOPPED, NULL, NULL, NULL, NULL,
	    0, -1);
	(void)workflow_commit(d.wf);
	(void)audit_shutdown(d.audit, workflow_now());
	control_shutdown(d.ctl);
	access_free(d.access);
	workflow_shutdown(d.wf);
	xport_shutdown(d.x);
	store_close(d.st);
	cairn_book_free(d.book);
	cairn_keyfile_secret_free(d.sec);
	config_free(d.cfg);
	close(d.sigfd);
	log_notice("cairnd: stopped");
	return 0;
}

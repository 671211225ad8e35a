/* SPDX-License-Identifier: MIT */
/*
 * cairn-keys: the operator's and the federation owner's key tool.  Creates
 * and rotates key files, shows them, and compiles, signs, shows and
 * verifies the address book.
 *
 * All the work happens in keys/keyfile.c and keys/book.c; this file parses
 * the command line, prints results and decides exit codes (0 success,
 * 1 failure, 2 usage).  It never prints secret key bytes.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "keys/book.h"
#include "keys/keyfile.h"
#include "proto/kind.h"
#include "proto/sig.h"
#include "proto/validate.h"

#define PROG		"cairn-keys"
#define DAY_MS		(86400LL * 1000)
#define DAYS_MAX	36500
#define FED_DAYS	730
#define ORG_DAYS	365
#define BOOK_DAYS	90
#define TIME_BYTES	21

struct cmd {
	const char	*name;
	int		(*fn)(int, char **);
	const char	*description;
};

/* The SYNOPSIS of cairn-keys.1, line by line, keyed by subcommand. */
static const struct {
	const char	*cmd;
	const char	*line;
} synopsis[] = {
	{ "federation",	"federation [-d days] dir" },
	{ "generate",	"generate -o org [-d days] dir" },
	{ "rotate",	"rotate -o org [-d days] [-f yyyy-mm-dd] dir" },
	{ "show",	"show file" },
	{ "book sign",	"book sign -k seckey -s serial [-d days] -o book "
			"source" },
	{ "book show",	"book show [-f pubkey] book" },
	{ "book verify", "book verify -f pubkey [-m serial] book" },
	{ "help",	"help" },
	{ "-V",		"-V" },
};

static void	 usage_to(FILE *, const char *);
static void	 usage(const char *) __attribute__((noreturn));
static void	 help_exit(const char *) __attribute__((noreturn));
static void	 failx(const char *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int64_t	 now_ms(void);
static void	 fmt_time(char [static TIME_BYTES], int64_t);
static int	 parse_days(const char *, const char *, int64_t *);
static int	 parse_u64(const char *, uint64_t *);
static int	 join(char *, size_t, const char *, const char *,
		    const char *);
static void	 fail_generate(const char *, const char *, int);
static const char *key_state(const struct cairn_pubkey *, int64_t);
static void	 print_key(const char *, const char *,
		    const struct cairn_pubkey *, int64_t);
static int	 load_federation_pk(const char *, uint8_t [static 32]);
static int	 write_book(const char *, const uint8_t *, size_t);
static int	 run(const struct cmd *, size_t, const char *, int, char **);
static int	 cmd_federation(int, char **);
static int	 cmd_generate(int, char **);
static int	 cmd_rotate(int, char **);
static int	 cmd_show(int, char **);
static int	 cmd_book(int, char **);
static int	 cmd_book_sign(int, char **);
static int	 cmd_book_show(int, char **);
static int	 cmd_book_verify(int, char **);
static int	 cmd_help(int, char **);

static const struct cmd commands[] = {
	{ "federation",	cmd_federation,	"create the federation key pair" },
	{ "generate",	cmd_generate,	"create an organisation's key files" },
	{ "rotate",	cmd_rotate,	"add a new generation of keys" },
	{ "show",	cmd_show,	"show a key file, without secrets" },
	{ "book",	cmd_book,	"sign, show or verify a book" },
	{ "help",	cmd_help,	"list the commands" },
};

static const struct cmd book_commands[] = {
	{ "sign",	cmd_book_sign,	"compile and sign a book source" },
	{ "show",	cmd_book_show,	"print a signed book" },
	{ "verify",	cmd_book_verify, "verify a signed book" },
};

#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))
#define NBOOK_COMMANDS	(sizeof(book_commands) / sizeof(book_commands[0]))

/* All modes (cmd NULL), those of one subcommand, or "book" and its own. */
static void
usage_to(FILE *fp, const char *cmd)
{
	size_t	i, n = 0, len = cmd ? strlen(cmd) : 0;

	for (i = 0; i < sizeof(synopsis) / sizeof(synopsis[0]); i++) {
		if (cmd != NULL && strcmp(synopsis[i].cmd, cmd) != 0 &&
		    (strncmp(synopsis[i].cmd, cmd, len) != 0 ||
		    synopsis[i].cmd[len] != ' '))
			continue;
		fprintf(fp, "%s %s %s\n", n++ ? "      " : "usage:", PROG,
		    synopsis[i].line);
	}
}

static void
usage(const char *cmd)
{
	usage_to(stderr, cmd);
	exit(2);
}

static void
help_exit(const char *cmd)
{
	usage_to(stdout, cmd);
	exit(0);
}

/* "cairn-keys: what: why" on stderr. */
static void
failx(const char *what, int code, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "%s: ", PROG);
	if (what != NULL)
		fprintf(stderr, "%s: ", what);
	if (fmt != NULL) {
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
	} else
		fputs(cairn_strerror(code), stderr);
	fputc('\n', stderr);
}

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
fmt_time(char out[static TIME_BYTES], int64_t ms)
{
	struct tm	tm;
	time_t		t = (time_t)(ms / 1000);

	if (ms < 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(out, TIME_BYTES, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, TIME_BYTES, "(invalid)");
}

/* A count of days, 1..DAYS_MAX, as milliseconds. */
static int
parse_days(const char *opt, const char *s, int64_t *ms)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 ||
	    v < 1 || v > DAYS_MAX) {
		failx(opt, 0, "expected a number of days, 1 to %d", DAYS_MAX);
		return -1;
	}
	*ms = v * DAY_MS;
	return 0;
}

static int
parse_u64(const char *s, uint64_t *v)
{
	char	*end;

	errno = 0;
	if (s[0] < '0' || s[0] > '9')
		return -1;
	*v = strtoull(s, &end, 10);
	if (*end != '\0' || errno != 0)
		return -1;
	return 0;
}

/* dir/name.ext */
static int
join(char *out, size_t size, const char *dir, const char *name,
    const char *ext)
{
	int	n;

	n = snprintf(out, size, "%s/%s%s", dir, name, ext);
	if (n < 0 || (size_t)n >= size) {
		failx(dir, -ENAMETOOLONG, NULL);
		return -1;
	}
	return 0;
}

/* Names the file that is in the way, or the directory. */
static void
fail_generate(const char *dir, const char *org, int code)
{
	struct stat	 st;
	char		 path[PATH_MAX];
	const char	*ext[] = { ".secret", ".pub" };
	size_t		 i;

	if (code == CAIRN_EEXIST)
		for (i = 0; i < 2; i++)
			if (snprintf(path, sizeof(path), "%s/%s%s", dir, org,
			    ext[i]) < (int)sizeof(path) &&
			    lstat(path, &st) == 0) {
				failx(path, code, NULL);
				return;
			}
	failx(code == CAIRN_EORGID ? org : dir, code, NULL);
}

static const char *
key_state(const struct cairn_pubkey *k, int64_t now)
{
	if (now < k->valid_from_ms)
		return "not yet valid";
	if (now >= k->valid_until_ms)
		return "expired";
	return "valid";
}

static void
print_key(const char *indent, const char *what, const struct cairn_pubkey *k,
    int64_t now)
{
	char	id[2 * CAIRN_KEY_ID_BYTES + 1];
	char	from[TIME_BYTES], until[TIME_BYTES];

	cairn_sig_hex(id, k->key_id, CAIRN_KEY_ID_BYTES);
	fmt_time(from, k->valid_from_ms);
	fmt_time(until, k->valid_until_ms);
	printf("%s%-5s %s  %s .. %s  %s\n", indent, what, id, from, until,
	    key_state(k, now));
}

static int
load_federation_pk(const char *path, uint8_t pk[static 32])
{
	struct cairn_pubfile	*pub;
	int			 ret;

	if ((ret = cairn_keyfile_public_load(&pub, path)) != 0) {
		failx(path, ret, NULL);
		return -1;
	}
	if (!pub->is_federation) {
		failx(path, 0, "not the federation's public key (org %s)",
		    pub->org);
		free(pub);
		return -1;
	}
	memcpy(pk, pub->sign_keys[0].pk, 32);
	free(pub);
	return 0;
}

/* Replaces path atomically with a 0644 file holding buf. */
static int
write_book(const char *path, const uint8_t *buf, size_t len)
{
	char		 tmp[PATH_MAX], dir[PATH_MAX], *slash;
	uint8_t		 rnd[8];
	char		 hex[17];
	ssize_t		 w;
	size_t		 off = 0;
	int		 fd, dfd, n, ret = 0;

	randombytes_buf(rnd, sizeof(rnd));
	cairn_sig_hex(hex, rnd, sizeof(rnd));
	n = snprintf(tmp, sizeof(tmp), "%s.%s.tmp", path, hex);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0644);
	if (fd == -1)
		return -errno;
	if (fchmod(fd, 0644) == -1)
		ret = -errno;
	while (ret == 0 && off < len) {
		if ((w = write(fd, buf + off, len - off)) == -1) {
			if (errno != EINTR)
				ret = -errno;
			continue;
		}
		off += (size_t)w;
	}
	if (ret == 0 && fsync(fd) == -1)
		ret = -errno;
	if (close(fd) == -1 && ret == 0)
		ret = -errno;
	if (ret == 0 && rename(tmp, path) == -1)
		ret = -errno;
	if (ret != 0) {
		unlink(tmp);
		return ret;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		if (fsync(dfd) == -1)
			ret = -errno;
		close(dfd);
	}
	return ret;
}

/*
 * Runs the subcommand named by argv[0] from table (prefix: the command it
 * belongs to, or NULL).  argv[0] becomes "cairn-keys [prefix ]name" so
 * that getopt's own messages name the command.
 */
static int
run(const struct cmd *table, size_t n, const char *prefix, int argc,
    char **argv)
{
	static char	label[2][64];
	size_t		i;

	for (i = 0; i < n; i++) {
		if (strcmp(argv[0], table[i].name) != 0)
			continue;
		snprintf(label[prefix != NULL], sizeof(label[0]), "%s %s%s%s",
		    PROG, prefix ? prefix : "", prefix ? " " : "",
		    table[i].name);
		argv[0] = label[prefix != NULL];
		optind = 1;
		return table[i].fn(argc, argv);
	}
	fprintf(stderr, "%s: unknown command: %s%s%s\n", PROG,
	    prefix ? prefix : "", prefix ? " " : "", argv[0]);
	usage(prefix);
}

static int
cmd_federation(int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "valid-days",	required_argument,	NULL, 'd' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	int64_t				 valid = FED_DAYS * DAY_MS;
	char				 path[PATH_MAX];
	int				 c, ret;

	while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (parse_days("--valid-days", optarg, &valid) != 0)
				usage("federation");
			break;
		case 'h':
			help_exit("federation");
		default:
			usage("federation");
		}
	}
	if (argc - optind != 1)
		usage("federation");
	if ((ret = cairn_keyfile_generate_federation(argv[optind], now_ms(),
	    valid)) != 0) {
		fail_generate(argv[optind], CAIRN_FEDERATION_ORG, ret);
		return 1;
	}
	if (join(path, sizeof(path), argv[optind], CAIRN_FEDERATION_ORG,
	    ".pub") != 0)
		return 1;
	printf("%s/%s.secret: federation secret key (keep offline)\n"
	    "%s: federation public key (give to every operator)\n",
	    argv[optind], CAIRN_FEDERATION_ORG, path);
	return 0;
}

static int
cmd_generate(int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "org",	required_argument,	NULL, 'o' },
		{ "valid-days",	required_argument,	NULL, 'd' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	int64_t				 valid = ORG_DAYS * DAY_MS;
	const char			*org = NULL;
	int				 c, ret;

	while ((c = getopt_long(argc, argv, "o:d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			org = optarg;
			break;
		case 'd':
			if (parse_days("--valid-days", optarg, &valid) != 0)
				usage("generate");
			break;
		case 'h':
			help_exit("generate");
		default:
			usage("generate");
		}
	}
	if (argc - optind != 1 || org == NULL)
		usage("generate");
	if ((ret = cairn_keyfile_generate(argv[optind], org, now_ms(),
	    valid)) != 0) {
		fail_generate(argv[optind], org, ret);
		return 1;
	}
	printf("%s/%s.secret: secret keys (mode 0600, keep private)\n"
	    "%s/%s.pub: public keys (send to the federation owner)\n",
	    argv[optind], org, argv[optind], org);
	return 0;
}

static int
cmd_rotate(int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "org",	required_argument,	NULL, 'o' },
		{ "valid-days",	required_argument,	NULL, 'd' },
		{ "from",	required_argument,	NULL, 'f' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	int64_t				 valid = ORG_DAYS * DAY_MS;
	int64_t				 now = now_ms(), from = now, days;
	struct cairn_secret		*s;
	const char			*org = NULL;
	char				 sec[PATH_MAX], pub[PATH_MAX];
	char				 t[TIME_BYTES];
	int				 c, ret;

	while ((c = getopt_long(argc, argv, "o:d:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			org = optarg;
			break;
		case 'd':
			if (parse_days("--valid-days", optarg, &valid) != 0)
				usage("rotate");
			break;
		case 'f':
			if (cairn_valid_date(optarg, &days) != 0 || days < 0) {
				failx("--from", CAIRN_EDATE, NULL);
				usage("rotate");
			}
			from = days * DAY_MS;
			break;
		case 'h':
			help_exit("rotate");
		default:
			usage("rotate");
		}
	}
	if (argc - optind != 1 || org == NULL)
		usage("rotate");
	if (from + valid <= now) {
		failx("--from", 0, "the new keys would expire before today");
		return 1;
	}
	if (cairn_valid_org_id(org) != 0) {
		failx(org, CAIRN_EORGID, NULL);
		return 1;
	}
	if (join(sec, sizeof(sec), argv[optind], org, ".secret") != 0 ||
	    join(pub, sizeof(pub), argv[optind], org, ".pub") != 0)
		return 1;
	/* Load the secret first, so that an error names the right file. */
	if ((ret = cairn_keyfile_secret_load(&s, sec)) != 0) {
		failx(sec, ret, NULL);
		return 1;
	}
	cairn_keyfile_secret_free(s);
	if ((ret = cairn_keyfile_rotate(sec, pub, now, from, valid)) != 0) {
		failx(ret == CAIRN_EKEYFILE ? pub : sec, ret, NULL);
		return 1;
	}
	fmt_time(t, from);
	printf("%s, %s: new signing and encryption keys from %s\n"
	    "send %s to the federation owner for the next address book\n",
	    sec, pub, t, pub);
	return 0;
}

static int
cmd_show(int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct cairn_pubfile		*pub = NULL, own;
	struct cairn_secret		*sec = NULL;
	const char			*path;
	char				 b64[sodium_base64_ENCODED_LEN(32,
					    sodium_base64_VARIANT_ORIGINAL)];
	int64_t				 now = now_ms();
	size_t				 i;
	int				 c, ret, secret = 0;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			help_exit("show");
		default:
			usage("show");
		}
	}
	if (argc - optind != 1)
		usage("show");
	path = argv[optind];
	ret = cairn_keyfile_public_load(&pub, path);
	if (ret == CAIRN_EKEYTYPE) {
		if ((ret = cairn_keyfile_secret_load(&sec, path)) == 0) {
			cairn_keyfile_secret_public(sec, &own);
			cairn_keyfile_secret_free(sec);
			secret = 1;
		}
	} else if (ret == 0) {
		own = *pub;
		free(pub);
	}
	if (ret != 0) {
		failx(path, ret, NULL);
		return 1;
	}
	printf("file %s\n", path);
	printf("kind %s %s key file\n", own.is_federation ? "federation" :
	    "organisation", secret ? "secret" : "public");
	printf("org %s\n", own.org);
	for (i = 0; i < own.nsign_keys; i++)
		print_key("", "sign", &own.sign_keys[i], now);
	for (i = 0; i < own.nbox_keys; i++)
		print_key("", "box", &own.box_keys[i], now);
	if (!own.is_federation) {
		sodium_bin2base64(b64, sizeof(b64), own.curve_pk, 32,
		    sodium_base64_VARIANT_ORIGINAL);
		printf("curve %s\n", b64);
	}
	return 0;
}

static int
cmd_book(int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0))
		help_exit("book");
	if (argc < 2)
		usage("book");
	return run(book_commands, NBOOK_COMMANDS, "book", argc - 1, argv + 1);
}

static int
cmd_book_sign(int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "key",	required_argument,	NULL, 'k' },
		{ "serial",	required_argument,	NULL, 's' },
		{ "valid-days",	required_argument,	NULL, 'd' },
		{ "out",	required_argument,	NULL, 'o' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct cairn_secret		*fed = NULL;
	const char			*key = NULL, *out = NULL, *src;
	uint8_t				*book = NULL;
	size_t				 booklen = 0;
	uint64_t			 serial = 0;
	int64_t				 valid = BOOK_DAYS * DAY_MS;
	int64_t				 now = now_ms();
	char				 err[CAIRN_BOOK_ERR_MAX];
	char				 t[TIME_BYTES];
	int				 c, ret, have_serial = 0;

	while ((c = getopt_long(argc, argv, "k:s:d:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			key = optarg;
			break;
		case 's':
			if (parse_u64(optarg, &serial) != 0) {
				failx("--serial", 0, "expected a number");
				usage("book sign");
			}
			have_serial = 1;
			break;
		case 'd':
			if (parse_days("--valid-days", optarg, &valid) != 0)
				usage("book sign");
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			help_exit("book sign");
		default:
			usage("book sign");
		}
	}
	if (argc - optind != 1 || key == NULL || out == NULL || !have_serial)
		usage("book sign");
	src = argv[optind];
	if ((ret = cairn_keyfile_secret_load(&fed, key)) != 0) {
		failx(key, ret, NULL);
		return 1;
	}
	err[0] = '\0';
	ret = cairn_book_compile(src, serial, now, valid, fed, &book,
	    &booklen, err, sizeof(err));
	cairn_keyfile_secret_free(fed);
	if (ret != 0) {
		if (ret == CAIRN_EKEYTYPE)
			failx(key, ret, "not the federation's secret key");
		else if (err[0] != '\0')
			failx(NULL, ret, "%s", err);
		else
			failx(src, ret, NULL);
		return 1;
	}
	ret = write_book(out, book, booklen);
	free(book);
	if (ret != 0) {
		failx(out, ret, NULL);
		return 1;
	}
	fmt_time(t, now + valid);
	printf("%s: serial %" PRIu64 ", expires %s\n", out, serial, t);
	return 0;
}

static int
cmd_book_show(int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "federation",	required_argument,	NULL, 'f' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	const struct cairn_bookdata	*d;
	const struct cairn_org		*o;
	const struct cairn_function	*fn;
	struct cairn_book		*book = NULL, *checked = NULL;
	const char			*fedpath = NULL, *path;
	uint8_t				 fedpk[32];
	int64_t				 now = now_ms();
	char				 t[TIME_BYTES];
	char				 b64[sodium_base64_ENCODED_LEN(32,
					    sodium_base64_VARIANT_ORIGINAL)];
	size_t				 i, j;
	int				 c, k, ret, first, status = 0;

	while ((c = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			fedpath = optarg;
			break;
		case 'h':
			help_exit("book show");
		default:
			usage("book show");
		}
	}
	if (argc - optind != 1)
		usage("book show");
	path = argv[optind];
	if ((ret = cairn_book_load_unverified(&book, path)) != 0) {
		failx(path, ret, NULL);
		return 1;
	}
	d = cairn_book_data(book);
	printf("book %s\nserial %" PRIu64 "\n", path, d->serial);
	fmt_time(t, d->issued_ms);
	printf("issued %s\n", t);
	fmt_time(t, d->expires_ms);
	printf("expires %s%s\n", t, now >= d->expires_ms ? " (expired)" : "");
	for (i = 0; i < d->norgs; i++) {
		o = &d->orgs[i];
		printf("\norg %s\n\tname %s\n", o->id, o->name);
		if (o->orgnr[0] != '\0')
			printf("\torgnr %.6s-%s\n", o->orgnr, o->orgnr + 6);
		printf("\tendpoint %s\n", o->endpoint);
		for (j = 0; j < o->nsign_keys; j++)
			print_key("\t", "sign", &o->sign_keys[j], now);
		for (j = 0; j < o->nbox_keys; j++)
			print_key("\t", "box", &o->box_keys[j], now);
		sodium_bin2base64(b64, sizeof(b64), o->curve_pk, 32,
		    sodium_base64_VARIANT_ORIGINAL);
		printf("\tcurve %s\n", b64);
		for (j = 0; j < o->nfunctions; j++) {
			fn = &o->functions[j];
			printf("\tfunction %s/%s\n\t\taccepts ", o->id,
			    fn->name);
			for (k = 1, first = 1; k <= CAIRN_KIND_MAX; k++) {
				if (!(fn->accepts & CAIRN_KIND_BIT(k)))
					continue;
				printf("%s%s", first ? "" : ",",
				    cairn_kind_name((enum cairn_kind)k));
				first = 0;
			}
			printf("%s\n", first ? "(nothing)" : "");
			if (fn->guarantee_days != 0)
				printf("\t\tguarantee_days %" PRIu32 "\n",
				    fn->guarantee_days);
		}
	}
	if (fedpath != NULL) {
		if (load_federation_pk(fedpath, fedpk) != 0)
			status = 1;
		else if ((ret = cairn_book_load(&checked, path, fedpk, 0,
		    now)) != 0) {
			printf("\nverified no: %s\n", cairn_strerror(ret));
			status = 1;
		} else
			printf("\nverified yes, with %s\n", fedpath);
	}
	cairn_book_free(checked);
	cairn_book_free(book);
	return status;
}

static int
cmd_book_verify(int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "federation",	required_argument,	NULL, 'f' },
		{ "min-serial",	required_argument,	NULL, 'm' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	const struct cairn_bookdata	*d;
	struct cairn_book		*book = NULL;
	const char			*fedpath = NULL, *path;
	uint8_t				 fedpk[32];
	uint64_t			 min_serial = 0;
	char				 t[TIME_BYTES];
	int				 c, ret;

	while ((c = getopt_long(argc, argv, "f:m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			fedpath = optarg;
			break;
		case 'm':
			if (parse_u64(optarg, &min_serial) != 0) {
				failx("--min-serial", 0, "expected a number");
				usage("book verify");
			}
			break;
		case 'h':
			help_exit("book verify");
		default:
			usage("book verify");
		}
	}
	if (argc - optind != 1 || fedpath == NULL)
		usage("book verify");
	path = argv[optind];
	if (load_federation_pk(fedpath, fedpk) != 0)
		return 1;
	if ((ret = cairn_book_load(&book, path, fedpk, min_serial,
	    now_ms())) != 0) {
		failx(path, ret, NULL);
		return 1;
	}
	d = cairn_book_data(book);
	fmt_time(t, d->expires_ms);
	printf("%s: valid, serial %" PRIu64 ", expires %s\n", path, d->serial,
	    t);
	cairn_book_free(book);
	return 0;
}

static int
cmd_help(int argc, char **argv)
{
	size_t	i;

	if (argc > 1 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0))
		help_exit("help");
	if (argc != 1)
		usage("help");
	usage_to(stdout, NULL);
	printf("\ncommands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		printf("  %-12s %s\n", commands[i].name,
		    commands[i].description);
	printf("\nbook commands:\n");
	for (i = 0; i < NBOOK_COMMANDS; i++)
		printf("  book %-7s %s\n", book_commands[i].name,
		    book_commands[i].description);
	return 0;
}

int
main(int argc, char **argv)
{
	if (sodium_init() < 0) {
		failx(NULL, 0, "libsodium failed to initialise");
		return 1;
	}
	if (argc < 2)
		usage(NULL);
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		if (argc != 2)
			usage(NULL);
		printf("%s %s\n", PROG, CAIRN_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		help_exit(NULL);
	return run(commands, NCOMMANDS, NULL, argc - 1, argv + 1);
}

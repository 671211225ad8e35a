/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for daemon/config.c (cairnd.conf parsing: values, defaults,
 * path joining, [access], and every error with its exact "FILE:LINE: "
 * prefix) and for daemon/log.c (line format on a terminal and on the
 * journal, errno, rate limiting), whose output is caught by pointing
 * stderr at a file for the length of a call.
 *
 * Every test works in its own mkdtemp() directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/config.h"
#include "daemon/log.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define CAPTURE_MAX	(2 * LOG_LINE_MAX)

/* Lines 2..8 once behind "[daemon]\n"; an added line is line 9. */
#define REQ \
	"org = lerum.elevhalsa\n" \
	"listen = tcp://127.0.0.1:7441\n" \
	"state_dir = state/lerum.elevhalsa\n" \
	"socket = run/lerum.elevhalsa.sock\n" \
	"key = keys/lerum.elevhalsa.secret\n" \
	"book = book.cairnbook\n" \
	"federation = keys/federation.pub\n"
#define BASE	"[daemon]\n" REQ

struct fixture {
	char	dir[PATH_MAX];
	char	conf[PATH_MAX];
	char	capture[PATH_MAX];
	int	saved_stderr;
};

struct err_case {
	const char	*what;
	const char	*text;
	int		 line;	/* 0: an error about the whole file */
	const char	*msg;	/* expected within the message */
};

static int	setup(void **);
static int	teardown(void **);
static int	rm_entry(const char *, const struct stat *, int,
		    struct FTW *);
static void	write_file(const char *, const char *, size_t);
static void	write_conf(struct fixture *, const char *);
static void	join(char *, size_t, const char *, const char *);
static void	capture_begin(struct fixture *);
static void	capture_end(struct fixture *, char *, size_t);
static void	expect_error(struct fixture *, const struct err_case *);

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
setup(void **state)
{
	struct fixture	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	strcpy(f->dir, "/tmp/test_config.XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->conf, sizeof(f->conf), "%s/cairnd.conf", f->dir);
	snprintf(f->capture, sizeof(f->capture), "%s/stderr", f->dir);
	f->saved_stderr = -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	int		 ret;

	if (f->saved_stderr != -1) {
		dup2(f->saved_stderr, STDERR_FILENO);
		close(f->saved_stderr);
	}
	unsetenv("JOURNAL_STREAM");
	log_init("cairnd", 0);
	ret = nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return ret;
}

static void
write_file(const char *path, const char *text, size_t len)
{
	int	fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

static void
write_conf(struct fixture *f, const char *text)
{
	write_file(f->conf, text, strlen(text));
}

static void
join(char *buf, size_t len, const char *dir, const char *rel)
{
	int	n;

	n = snprintf(buf, len, "%s/%s", dir, rel);
	assert_true(n > 0 && (size_t)n < len);
}

static void
capture_begin(struct fixture *f)
{
	int	fd;

	fflush(stderr);
	fd = open(f->capture, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_true((f->saved_stderr = dup(STDERR_FILENO)) >= 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);
}

/* Restores stderr before any assertion can print to it. */
static void
capture_end(struct fixture *f, char *buf, size_t len)
{
	ssize_t	n;
	int	fd, r;

	r = dup2(f->saved_stderr, STDERR_FILENO);
	close(f->saved_stderr);
	f->saved_stderr = -1;
	assert_int_equal(r, STDERR_FILENO);
	assert_true((fd = open(f->capture, O_RDONLY)) >= 0);
	n = read(fd, buf, len - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
}

static void
expect_error(struct fixture *f, const struct err_case *c)
{
	struct config	*conf = (struct config *)1;
	char		 err[CONFIG_ERR_MAX], prefix[PATH_MAX + 32];
	int		 r;

	write_conf(f, c->text);
	r = config_load(&conf, f->conf, err, sizeof(err));
	if (r != CAIRN_ECONFIG || conf != NULL)
		print_error("case '%s': r=%d err='%s'\n", c->what, r, err);
	assert_int_equal(r, CAIRN_ECONFIG);
	assert_null(conf);
	if (c->line > 0)
		snprintf(prefix, sizeof(prefix), "%s:%d: ", f->conf, c->line);
	else
		snprintf(prefix, sizeof(prefix), "%s: ", f->conf);
	if (strncmp(err, prefix, strlen(prefix)) != 0 ||
	    strstr(err + strlen(prefix), c->msg) == NULL)
		print_error("case '%s': want '%s...%s', got '%s'\n", c->what,
		    prefix, c->msg, err);
	assert_memory_equal(err, prefix, strlen(prefix));
	assert_non_null(strstr(err + strlen(prefix), c->msg));
}

static void
test_config_full(void **state)
{
	struct fixture	*f = *state;
	struct config	*conf;
	char		 err[CONFIG_ERR_MAX], want[PATH_MAX];

	write_conf(f,
	    "; cairnd configuration\n"
	    "# for a test\n"
	    "\n"
	    "[daemon]\n"
	    "org = lerum.elevhalsa            ; the organisation\n"
	    "listen = tcp://[::1]:7441\n"
	    "state_dir = state/lerum.elevhalsa\n"
	    "socket = /run/cairn/lerum.sock\n"
	    "key=keys/lerum.elevhalsa.secret\n"
	    "book = ../book.cairnbook\n"
	    "federation = /etc/cairn/federation.pub\n"
	    "map_size = 2G\n"
	    "message_ttl = 30d\n"
	    "retry_min = 200ms\n"
	    "retry_max = 1h\n"
	    "window = 16384\n"
	    "window_bytes = 1G\n"
	    "workers = 0\n"
	    "max_message = 1K\n"
	    "checkpoint_records = 50\n"
	    "checkpoint_interval = 90s\n"
	    "\n"
	    "[access]\n"
	    "skolskoterska = group:skolskoterskor\n"
	    "kurator = group:kuratorer, user:kurator1\n"
	    "auditor = group:revision\n"
	    "admin = group:cairn-admin\n");
	assert_int_equal(config_load(&conf, f->conf, err, sizeof(err)), 0);
	assert_string_equal(conf->org, "lerum.elevhalsa");
	assert_string_equal(conf->listen, "tcp://[::1]:7441");
	join(want, sizeof(want), f->dir, "state/lerum.elevhalsa");
	assert_string_equal(conf->state_dir, want);
	assert_string_equal(conf->socket, "/run/cairn/lerum.sock");
	join(want, sizeof(want), f->dir, "keys/lerum.elevhalsa.secret");
	assert_string_equal(conf->key, want);
	join(want, sizeof(want), f->dir, "../book.cairnbook");
	assert_string_equal(conf->book, want);
	assert_string_equal(conf->federation, "/etc/cairn/federation.pub");
	assert_int_equal(conf->map_size, 2ull * 1024 * 1024 * 1024);
	assert_int_equal(conf->default_ttl_s, 30 * 86400);
	assert_int_equal(conf->retry_min_ms, 200);
	assert_int_equal(conf->retry_max_ms, 3600 * 1000);
	assert_int_equal(conf->window, 16384);
	assert_int_equal(conf->window_bytes, 1024 * 1024 * 1024);
	assert_int_equal(conf->workers, 0);
	assert_int_equal(conf->max_message_bytes, 1024);
	assert_int_equal(conf->checkpoint_records, 50);
	assert_int_equal(conf->checkpoint_seconds, 90);
	assert_true(conf->has_access);
	assert_int_equal(conf->naccess, 5);
	assert_string_equal(conf->access[0].role, "skolskoterska");
	assert_int_equal(conf->access[0].kind, CONFIG_PRINCIPAL_GROUP);
	assert_string_equal(conf->access[0].name, "skolskoterskor");
	assert_string_equal(conf->access[1].role, "kurator");
	assert_int_equal(conf->access[1].kind, CONFIG_PRINCIPAL_GROUP);
	assert_string_equal(conf->access[1].name, "kuratorer");
	assert_string_equal(conf->access[2].role, "kurator");
	assert_int_equal(conf->access[2].kind, CONFIG_PRINCIPAL_USER);
	assert_string_equal(conf->access[2].name, "kurator1");
	assert_string_equal(conf->access[3].role, "auditor");
	assert_string_equal(conf->access[3].name, "revision");
	assert_string_equal(conf->access[4].role, "admin");
	assert_string_equal(conf->access[4].name, "cairn-admin");
	config_free(conf);
}

static void
test_config_defaults(void **state)
{
	struct fixture	*f = *state;
	struct config	*conf;
	char		 err[CONFIG_ERR_MAX];

	write_conf(f, BASE);
	assert_int_equal(config_load(&conf, f->conf, err, sizeof(err)), 0);
	assert_int_equal(conf->map_size, 1024ull * 1024 * 1024);
	assert_int_equal(conf->default_ttl_s, 14 * 86400);
	assert_int_equal(conf->retry_min_ms, 1000);
	assert_int_equal(conf->retry_max_ms, 5 * 60 * 1000);
	assert_int_equal(conf->window, 4096);
	assert_int_equal(conf->window_bytes, 64 * 1024 * 1024);
	assert_true(conf->workers == CONFIG_WORKERS_AUTO);
	assert_int_equal(conf->max_message_bytes, 40 * 1024 * 1024);
	assert_int_equal(conf->checkpoint_records, 1000);
	assert_int_equal(conf->checkpoint_seconds, 300);
	assert_false(conf->has_access);
	assert_int_equal(conf->naccess, 0);
	assert_null(conf->access);
	config_free(conf);
	config_free(NULL);
}

/* Bounds are inclusive; CRLF line ends and a BOM are accepted. */
static void
test_config_limits_and_line_ends(void **state)
{
	struct fixture	*f = *state;
	struct config	*conf;
	char		 err[CONFIG_ERR_MAX];

	write_conf(f, "\xef\xbb\xbf[daemon]\r\n"
	    "org = a\r\n"
	    "listen = tcp://example.org:1\r\n"
	    "state_dir = s\r\nsocket = s.sock\r\nkey = k\r\nbook = b\r\n"
	    "federation = f\r\n"
	    "map_size = 1T\r\n"
	    "message_ttl = 1m\r\n"
	    "retry_min = 10ms\r\n"
	    "retry_max = 10ms\r\n"
	    "window = 1\r\n"
	    "max_message = 40M\r\n"
	    "checkpoint_records = 1000000\r\n"
	    "checkpoint_interval = 1d\r\n"
	    "[access]\r\n");
	assert_int_equal(config_load(&conf, f->conf, err, sizeof(err)), 0);
	assert_string_equal(conf->org, "a");
	assert_int_equal(conf->map_size, 1024ull * 1024 * 1024 * 1024);
	assert_int_equal(conf->default_ttl_s, 60);
	assert_int_equal(conf->retry_min_ms, 10);
	assert_int_equal(conf->retry_max_ms, 10);
	assert_int_equal(conf->window, 1);
	assert_int_equal(conf->max_message_bytes, 40 * 1024 * 1024);
	assert_int_equal(conf->checkpoint_records, 1000000);
	assert_int_equal(conf->checkpoint_seconds, 86400);
	assert_true(conf->has_access);
	assert_int_equal(conf->naccess, 0);
	config_free(conf);

	write_conf(f, BASE "map_size = 1M\nmessage_ttl = 90d\n"
	    "retry_max = 60m\nmax_message = 1024\n"
	    "checkpoint_interval = 1s\n");
	assert_int_equal(config_load(&conf, f->conf, err, sizeof(err)), 0);
	assert_int_equal(conf->map_size, 1024 * 1024);
	assert_int_equal(conf->default_ttl_s, 90 * 86400);
	assert_int_equal(conf->retry_max_ms, 3600 * 1000);
	assert_int_equal(conf->max_message_bytes, 1024);
	assert_int_equal(conf->checkpoint_seconds, 1);
	config_free(conf);
}

/* A relative config path is made absolute with the current directory. */
static void
test_config_relative_config_path(void **state)
{
	struct fixture	*f = *state;
	struct config	*conf;
	char		 err[CONFIG_ERR_MAX], cwd[PATH_MAX], want[PATH_MAX];
	char		 sub[PATH_MAX];
	static const char *const paths[] = {
		"sub/c.conf", "./sub/c.conf", ".//sub/c.conf"
	};
	size_t		 i;
	int		 r;

	join(sub, sizeof(sub), f->dir, "sub");
	assert_int_equal(mkdir(sub, 0700), 0);
	join(want, sizeof(want), sub, "c.conf");
	write_file(want, BASE, strlen(BASE));
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(f->dir), 0);
	for (i = 0; i < NELEM(paths); i++) {
		r = config_load(&conf, paths[i], err, sizeof(err));
		if (r != 0)
			break;
		join(want, sizeof(want), sub, "state/lerum.elevhalsa");
		if (strcmp(conf->state_dir, want) != 0)
			print_error("%s: got %s\n", paths[i], conf->state_dir);
		r = strcmp(conf->state_dir, want) != 0;
		config_free(conf);
		if (r != 0)
			break;
	}
	assert_int_equal(chdir(sub), 0);
	if (r == 0) {
		r = config_load(&conf, "c.conf", err, sizeof(err));
		if (r == 0) {
			join(want, sizeof(want), sub,
			    "run/lerum.elevhalsa.sock");
			r = strcmp(conf->socket, want) != 0;
			config_free(conf);
		}
	}
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(r, 0);
}

static void
test_config_access_whitespace(void **state)
{
	struct fixture	*f = *state;
	struct config	*conf;
	char		 err[CONFIG_ERR_MAX];

	write_conf(f, BASE
	    "[access]\n"
	    "kurator =group:kuratorer ,\tuser:kurator1,user:_svc$ \t\n"
	    "admin=user:root\n"
	    "x.y_z-1 = group:a-b_c ; a comment\n");
	assert_int_equal(config_load(&conf, f->conf, err, sizeof(err)), 0);
	assert_int_equal(conf->naccess, 5);
	assert_string_equal(conf->access[0].role, "kurator");
	assert_int_equal(conf->access[0].kind, CONFIG_PRINCIPAL_GROUP);
	assert_string_equal(conf->access[0].name, "kuratorer");
	assert_string_equal(conf->access[1].role, "kurator");
	assert_int_equal(conf->access[1].kind, CONFIG_PRINCIPAL_USER);
	assert_string_equal(conf->access[1].name, "kurator1");
	assert_string_equal(conf->access[2].role, "kurator");
	assert_string_equal(conf->access[2].name, "_svc$");
	assert_string_equal(conf->access[3].role, "admin");
	assert_int_equal(conf->access[3].kind, CONFIG_PRINCIPAL_USER);
	assert_string_equal(conf->access[3].name, "root");
	assert_string_equal(conf->access[4].role, "x.y_z-1");
	assert_int_equal(conf->access[4].kind, CONFIG_PRINCIPAL_GROUP);
	assert_string_equal(conf->access[4].name, "a-b_c");
	config_free(conf);

	/* The access section may come first; a 32-byte name is allowed. */
	write_conf(f, "[access]\n"
	    "auditor = user:abcdefghijklmnopqrstuvwxyz012345\n" BASE);
	assert_int_equal(config_load(&conf, f->conf, err, sizeof(err)), 0);
	assert_int_equal(conf->naccess, 1);
	assert_string_equal(conf->access[0].name,
	    "abcdefghijklmnopqrstuvwxyz012345");
	config_free(conf);
}

static void
test_config_errors(void **state)
{
	static const struct err_case cases[] = {
		{ "unknown key", BASE "colour = blue\n", 9,
		    "unknown key 'colour'" },
		{ "unknown section", BASE "[extra]\n", 9,
		    "unknown section [extra]" },
		{ "misspelt section", "[deamon]\n" REQ, 1,
		    "unknown section [deamon]" },
		{ "spaced section", "[ daemon ]\n" REQ, 1,
		    "unknown section" },
		{ "duplicate section", BASE "[daemon]\n", 9,
		    "duplicate section [daemon] (first on line 1)" },
		{ "duplicate key", BASE "org = other.org\n", 9,
		    "duplicate key 'org' (first on line 2)" },
		{ "key outside a section", "window = 3\n" BASE, 1,
		    "outside a section" },
		{ "bad org", "[daemon]\norg = Lerum!\n", 2,
		    "not a valid organisation id" },
		{ "org ends in dot", "[daemon]\norg = lerum.\n", 2,
		    "organisation id" },
		{ "bad endpoint", "[daemon]\norg = a\nlisten = http://x:1\n", 3,
		    "not an endpoint" },
		{ "endpoint without port", "[daemon]\norg = a\n"
		    "listen = tcp://127.0.0.1\n", 3, "not an endpoint" },
		{ "empty path", "[daemon]\nstate_dir =\n", 2, "empty path" },
		{ "bad size suffix", BASE "map_size = 1X\n", 9,
		    "not a size" },
		{ "size suffix twice", BASE "map_size = 1GG\n", 9,
		    "not a size" },
		{ "size with space", BASE "map_size = 1 G\n", 9,
		    "not a size" },
		{ "size negative", BASE "map_size = -1G\n", 9, "not a size" },
		{ "size overflow", BASE "map_size = 99999999999999999999\n",
		    9, "not a size" },
		{ "size overflow by suffix", BASE
		    "map_size = 9999999999999T\n", 9, "out of range (1M..1T)" },
		{ "workers too many", BASE "workers = 17\n", 9,
		    "out of range (0..16)" },
		{ "map_size too small", BASE "map_size = 1023K\n", 9,
		    "out of range (1M..1T)" },
		{ "map_size too large", BASE "map_size = 1025G\n", 9,
		    "out of range (1M..1T)" },
		{ "ttl without unit", BASE "message_ttl = 14\n", 9,
		    "not a duration" },
		{ "ttl in ms", BASE "message_ttl = 100000ms\n", 9,
		    "not a duration" },
		{ "ttl bad unit", BASE "message_ttl = 2w\n", 9,
		    "not a duration" },
		{ "ttl too short", BASE "message_ttl = 59s\n", 9,
		    "out of range (1m..90d)" },
		{ "ttl too long", BASE "message_ttl = 91d\n", 9,
		    "out of range (1m..90d)" },
		{ "retry_min too short", BASE "retry_min = 9ms\n", 9,
		    "out of range (10ms..1h)" },
		{ "retry_max too long", BASE "retry_max = 61m\n", 9,
		    "out of range (10ms..1h)" },
		{ "retry_max < retry_min", BASE
		    "retry_min = 10s\nretry_max = 5s\n", 10,
		    "retry_max (5000 ms) is less than retry_min (10000 ms)" },
		{ "retry_max < retry_min, reversed", BASE
		    "retry_max = 5s\nretry_min = 10s\n", 10,
		    "is less than retry_min" },
		{ "retry_min > default retry_max", BASE "retry_min = 6m\n", 9,
		    "is less than retry_min" },
		{ "window zero", BASE "window = 0\n", 9,
		    "out of range (1..65536)" },
		{ "window too big", BASE "window = 65537\n", 9,
		    "out of range (1..65536)" },
		{ "window_bytes too small", BASE "window_bytes = 63K\n", 9,
		    "out of range (64K..1G)" },
		{ "window_bytes too big", BASE "window_bytes = 1025M\n", 9,
		    "out of range (64K..1G)" },
		{ "window_bytes junk", BASE "window_bytes = 64Q\n", 9,
		    "is not" },
		{ "window negative", BASE "window = -1\n", 9, "not a number" },
		{ "window junk", BASE "window = 12abc\n", 9, "not a number" },
		{ "window hex", BASE "window = 0x10\n", 9, "not a number" },
		{ "window with suffix", BASE "window = 1K\n", 9,
		    "not a number" },
		{ "max_message too big", BASE "max_message = 41M\n", 9,
		    "out of range (1K..40M)" },
		{ "max_message too small", BASE "max_message = 1023\n", 9,
		    "out of range (1K..40M)" },
		{ "checkpoint_records zero", BASE "checkpoint_records = 0\n",
		    9, "out of range" },
		{ "checkpoint_interval zero", BASE
		    "checkpoint_interval = 0s\n", 9, "out of range (1s..1d)" },
		{ "checkpoint_interval too long", BASE
		    "checkpoint_interval = 25h\n", 9, "out of range (1s..1d)" },
		{ "bad principal kind", BASE "[access]\nkurator = grp:x\n",
		    10, "not user:NAME or group:NAME" },
		{ "principal without kind", BASE
		    "[access]\nkurator = kuratorer\n", 10,
		    "not user:NAME or group:NAME" },
		{ "principal empty name", BASE "[access]\nkurator = user:\n",
		    10, "not user:NAME or group:NAME" },
		{ "principal uppercase", BASE
		    "[access]\nkurator = user:Kurator\n", 10,
		    "not a valid user or group name" },
		{ "principal digit first", BASE
		    "[access]\nkurator = group:1abc\n", 10,
		    "not a valid user or group name" },
		{ "principal dollar inside", BASE
		    "[access]\nkurator = group:a$b\n", 10,
		    "not a valid user or group name" },
		{ "principal space inside", BASE
		    "[access]\nkurator = group: kuratorer\n", 10,
		    "not a valid user or group name" },
		{ "principal too long", BASE
		    "[access]\nkurator = "
		    "user:abcdefghijklmnopqrstuvwxyz0123456\n", 10,
		    "not a valid user or group name" },
		{ "empty principal", BASE
		    "[access]\nkurator = group:a,,group:b\n", 10,
		    "not user:NAME or group:NAME" },
		{ "trailing comma", BASE "[access]\nkurator = group:a,\n", 10,
		    "not user:NAME or group:NAME" },
		{ "no principals", BASE "[access]\nkurator =\n", 10,
		    "no principals" },
		{ "principal twice", BASE
		    "[access]\nkurator = group:a, group:a\n", 10,
		    "listed twice" },
		{ "bad role", BASE "[access]\nKurator = group:a\n", 10,
		    "bad role name 'Kurator'" },
		{ "bad role dash", BASE "[access]\n-x = group:a\n", 10,
		    "bad role name" },
		{ "duplicate role", BASE
		    "[access]\nkurator = group:a\nadmin = user:b\n"
		    "kurator = user:c\n", 12,
		    "duplicate key 'kurator' (first on line 10)" },
		{ "duplicate access section", BASE
		    "[access]\nadmin = user:b\n[access]\n", 11,
		    "duplicate section [access]" },
		{ "syntax error", BASE "garbage\n", 9, "syntax error" },
		{ "syntax error before a bad value",
		    "[daemon]\ngarbage\norg = BAD\n", 2, "syntax error" },
		{ "indented line", BASE "  window = 3\n", 9,
		    "continuation lines are not supported" },
		{ "section without ]", BASE "[access\n", 9, "without ']'" },
		{ "junk after section", BASE "[access] x\n", 9,
		    "junk after the section header" },
		{ "line too long", BASE "state_dir = "
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", 9,
		    "line longer than 197 bytes" },
		{ "missing org", "[daemon]\n"
		    "listen = tcp://127.0.0.1:7441\nstate_dir = s\n"
		    "socket = s\nkey = k\nbook = b\nfederation = f\n", 0,
		    "missing required key 'org'" },
		{ "missing federation", "[daemon]\norg = a\n"
		    "listen = tcp://127.0.0.1:7441\nstate_dir = s\n"
		    "socket = s\nkey = k\nbook = b\n", 0,
		    "missing required key 'federation'" },
		{ "empty file", "", 0, "missing required key 'org'" },
		{ "only access", "[access]\nadmin = user:root\n", 0,
		    "missing required key" },
	};
	struct fixture	*f = *state;
	size_t		 i;

	for (i = 0; i < NELEM(cases); i++)
		expect_error(f, &cases[i]);
}

static void
test_config_file_errors(void **state)
{
	struct fixture	*f = *state;
	struct config	*conf = (struct config *)1;
	char		 err[CONFIG_ERR_MAX], want[PATH_MAX + 64], *big;
	static const char nul[] = "[daemon]\norg = a\nlisten = x\0y\n";

	/* Missing file. */
	assert_int_equal(config_load(&conf, f->conf, err, sizeof(err)),
	    CAIRN_ECONFIG);
	assert_null(conf);
	snprintf(want, sizeof(want), "%s: %s", f->conf, strerror(ENOENT));
	assert_string_equal(err, want);

	/* A directory. */
	assert_int_equal(config_load(&conf, f->dir, err, sizeof(err)),
	    CAIRN_ECONFIG);
	snprintf(want, sizeof(want), "%s: not a regular file", f->dir);
	assert_string_equal(err, want);

	/* Too large. */
	assert_non_null(big = malloc(64 * 1024 + 1));
	memset(big, '\n', 64 * 1024 + 1);
	write_file(f->conf, big, 64 * 1024 + 1);
	free(big);
	assert_int_equal(config_load(&conf, f->conf, err, sizeof(err)),
	    CAIRN_ECONFIG);
	snprintf(want, sizeof(want), "%s: larger than 65536 bytes", f->conf);
	assert_string_equal(err, want);

	/* A NUL byte, reported on its line. */
	write_file(f->conf, nul, sizeof(nul) - 1);
	assert_int_equal(config_load(&conf, f->conf, err, sizeof(err)),
	    CAIRN_ECONFIG);
	snprintf(want, sizeof(want), "%s:3: NUL byte in the file", f->conf);
	assert_string_equal(err, want);
}

/* A short or absent error buffer is never overrun. */
static void
test_config_err_buffer(void **state)
{
	struct fixture	*f = *state;
	struct config	*conf;
	char		 err[8];

	write_conf(f, BASE "colour = blue\n");
	memset(err, 'x', sizeof(err));
	assert_int_equal(config_load(&conf, f->conf, err, sizeof(err)),
	    CAIRN_ECONFIG);
	assert_int_equal(strlen(err), sizeof(err) - 1);
	assert_memory_equal(err, f->conf, sizeof(err) - 1);
	assert_int_equal(config_load(&conf, f->conf, NULL, 0),
	    CAIRN_ECONFIG);
	assert_null(conf);
	write_conf(f, BASE);
	assert_int_equal(config_load(&conf, f->conf, NULL, 0), 0);
	config_free(conf);
}

static void
test_config_log_terminal_format(void **state)
{
	struct fixture	*f = *state;
	char		 buf[CAPTURE_MAX];
	int		 e1, e2;

	unsetenv("JOURNAL_STREAM");
	log_init("cairnd", 0);
	capture_begin(f);
	errno = ENOENT;
	log_warn("store: open path=%s", "x");
	e1 = errno;
	log_warnx("a\nb\rc");
	log_notice("xport: refused peer=%d", 7);
	log_info("started");
	log_debug("hidden");
	log_setverbose(1);
	log_debug("shown \x1b[31m");
	errno = EAGAIN;
	log_setverbose(0);
	log_debug("hidden again");
	e2 = errno;
	capture_end(f, buf, sizeof(buf));
	assert_int_equal(e1, ENOENT);
	assert_int_equal(e2, EAGAIN);
	assert_int_equal(log_getverbose(), 0);
	assert_string_equal(buf,
	    "cairnd: warning: store: open path=x: No such file or directory\n"
	    "cairnd: warning: a b c\n"
	    "cairnd: notice: xport: refused peer=7\n"
	    "cairnd: info: started\n"
	    "cairnd: debug: shown  [31m\n");
}

static void
test_config_log_journal_prefix(void **state)
{
	struct fixture	*f = *state;
	struct stat	 st;
	char		 buf[CAPTURE_MAX], js[64];

	capture_begin(f);
	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", js, 1);
	log_init("cairnd", 1);
	errno = EACCES;
	log_warn("w");
	log_warnx("x\ny");
	log_notice("n");
	log_info("i");
	log_debug("d");
	/* stderr is no longer the journal's stream: no prefixes. */
	setenv("JOURNAL_STREAM", "1:2", 1);
	log_init("cairnd", 0);
	log_notice("plain");
	setenv("JOURNAL_STREAM", "junk", 1);
	log_init("other", 0);
	log_info("plain too");
	capture_end(f, buf, sizeof(buf));
	assert_string_equal(buf,
	    "<4>w: Permission denied\n"
	    "<4>x y\n"
	    "<5>n\n"
	    "<6>i\n"
	    "<7>d\n"
	    "cairnd: notice: plain\n"
	    "other: info: plain too\n");
}

static void
test_config_log_long_line(void **state)
{
	struct fixture	*f = *state;
	char		 buf[CAPTURE_MAX], *big;
	size_t		 n;

	unsetenv("JOURNAL_STREAM");
	log_init(NULL, 0);
	assert_non_null(big = malloc(LOG_LINE_MAX * 2));
	memset(big, 'a', LOG_LINE_MAX * 2 - 1);
	big[LOG_LINE_MAX * 2 - 1] = '\0';
	capture_begin(f);
	log_info("%s", big);
	capture_end(f, buf, sizeof(buf));
	free(big);
	n = strlen(buf);
	assert_int_equal(n, LOG_LINE_MAX);
	assert_memory_equal(buf, "cairnd: info: aaa", 17);
	assert_string_equal(buf + n - 4, "...\n");
}

/* fatal() and fatalx() log at <3> and exit 1. */
static void
test_config_log_fatal(void **state)
{
	struct fixture	*f = *state;
	struct stat	 st;
	char		 buf[CAPTURE_MAX], js[64];
	pid_t		 pid;
	int		 status, i;

	capture_begin(f);
	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino);
	for (i = 0; i < 2; i++) {
		fflush(NULL);
		if ((pid = fork()) == 0) {
			if (i == 0) {
				unsetenv("JOURNAL_STREAM");
				log_init("cairnd", 0);
				errno = ENOSPC;
				fatal("store: commit");
			}
			setenv("JOURNAL_STREAM", js, 1);
			log_init("cairnd", 0);
			fatalx("config: bad");
		}
		if (pid == -1)
			break;
		if (waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status) || WEXITSTATUS(status) != 1)
			break;
	}
	capture_end(f, buf, sizeof(buf));
	assert_int_equal(i, 2);
	assert_string_equal(buf,
	    "cairnd: fatal: store: commit: No space left on device\n"
	    "<3>config: bad\n");
}

static void
test_config_log_ratelimit(void **state)
{
	struct fixture		*f = *state;
	struct log_ratelimit	 rl = LOG_RATELIMIT_INIT("xport: zap", 3);
	struct log_ratelimit	 def = { 0 };
	char			 buf[CAPTURE_MAX];
	int			 got[12], i, n;

	unsetenv("JOURNAL_STREAM");
	log_init("cairnd", 0);
	capture_begin(f);
	got[0] = log_ratelimit(&rl, 5000);
	got[1] = log_ratelimit(&rl, 5001);
	got[2] = log_ratelimit(&rl, 5002);
	got[3] = log_ratelimit(&rl, 5003);	/* suppressed */
	got[4] = log_ratelimit(&rl, 5999);	/* suppressed */
	got[5] = log_ratelimit(&rl, 6000);	/* new window, reports 2 */
	got[6] = log_ratelimit(&rl, 6001);
	got[7] = log_ratelimit(&rl, 6002);
	got[8] = log_ratelimit(&rl, 6003);	/* suppressed */
	got[9] = log_ratelimit(&rl, 100);	/* clock went back */
	got[10] = log_ratelimit(&rl, 101);
	got[11] = log_ratelimit(&rl, 102);
	for (i = 0, n = 0; i < 20; i++)
		n += log_ratelimit(&def, 42);
	capture_end(f, buf, sizeof(buf));
	assert_int_equal(got[0], 1);
	assert_int_equal(got[1], 1);
	assert_int_equal(got[2], 1);
	assert_int_equal(got[3], 0);
	assert_int_equal(got[4], 0);
	assert_int_equal(got[5], 1);
	assert_int_equal(got[6], 1);
	assert_int_equal(got[7], 1);
	assert_int_equal(got[8], 0);
	assert_int_equal(got[9], 1);
	assert_int_equal(got[10], 1);
	assert_int_equal(got[11], 1);
	assert_int_equal(n, LOG_RATELIMIT_BURST);
	assert_string_equal(buf,
	    "cairnd: notice: xport: zap: 2 lines suppressed\n"
	    "cairnd: notice: xport: zap: 1 lines suppressed\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_config_full,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_defaults,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_config_limits_and_line_ends, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_config_relative_config_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_access_whitespace,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_errors,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_file_errors,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_err_buffer,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_config_log_terminal_format, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_config_log_journal_prefix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_log_long_line,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_log_fatal,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_log_ratelimit,
		    setup, teardown),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}

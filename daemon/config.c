/* SPDX-License-Identifier: MIT */
/*
 * config: reading and checking cairnd.conf (see config.h and
 * cairnd.conf(5)).
 *
 * The INI syntax (comments, "key = value", sections) is libinih's.  The
 * file is read whole (bounded), then fed to inih line by line from memory
 * so that this module can refuse what inih would silently accept
 * (over-long lines cut short, indented continuation lines, junk after a
 * section header) and name the line of every error.  Values are checked
 * here field by field; nothing is opened or resolved.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "daemon/config.h"
#include "proto/payload.h"
#include "proto/validate.h"

#define CONFIG_FILE_MAX		(64 * 1024)
#define ACCESS_MAX		1024

#define KB			1024ull
#define MB			(1024ull * KB)
#define GB			(1024ull * MB)
#define TB			(1024ull * GB)
#define SEC_MS			1000ull
#define MIN_MS			(60 * SEC_MS)
#define HOUR_MS			(60 * MIN_MS)
#define DAY_MS			(24 * HOUR_MS)

enum section {
	SEC_NONE,
	SEC_DAEMON,
	SEC_ACCESS
};

enum ktype {
	K_ORG,
	K_ENDPOINT,
	K_PATH,
	K_SIZE,		/* bytes, K/M/G/T suffix */
	K_SECONDS,	/* duration stored in seconds, s/m/h/d */
	K_MILLIS,	/* duration stored in ms, ms/s/m/h/d */
	K_COUNT,
	K_GROUP		/* a POSIX group name */
};

/* One key of [daemon]: where it goes and what it may hold. */
struct key {
	const char	*name;
	enum ktype	 type;
	int		 required;
	size_t		 off;
	size_t		 size;	/* of the field in struct config */
	uint64_t	 min;	/* bytes, ms or count */
	uint64_t	 max;
	const char	*range;	/* min..max as the user writes it */
};

#define FIELD(f)	offsetof(struct config, f), \
			sizeof(((struct config *)0)->f)

static const struct key keys[] = {
	{ "org", K_ORG, 1, FIELD(org), 0, 0, NULL },
	{ "listen", K_ENDPOINT, 1, FIELD(listen), 0, 0, NULL },
	{ "state_dir", K_PATH, 1, FIELD(state_dir), 0, 0, NULL },
	{ "socket", K_PATH, 1, FIELD(socket), 0, 0, NULL },
	{ "key", K_PATH, 1, FIELD(key), 0, 0, NULL },
	{ "book", K_PATH, 1, FIELD(book), 0, 0, NULL },
	{ "federation", K_PATH, 1, FIELD(federation), 0, 0, NULL },
	{ "socket_group", K_GROUP, 0, FIELD(socket_group), 0, 0, NULL },
	{ "map_size", K_SIZE, 0, FIELD(map_size), MB, TB, "1M..1T" },
	{ "message_ttl", K_SECONDS, 0, FIELD(default_ttl_s), MIN_MS,
	    90 * DAY_MS, "1m..90d" },
	{ "retry_min", K_MILLIS, 0, FIELD(retry_min_ms), 10, HOUR_MS,
	    "10ms..1h" },
	{ "retry_max", K_MILLIS, 0, FIELD(retry_max_ms), 10, HOUR_MS,
	    "10ms..1h" },
	{ "window", K_COUNT, 0, FIELD(window), 1, 65536, "1..65536" },
	{ "window_bytes", K_SIZE, 0, FIELD(window_bytes), 64 * KB, GB,
	    "64K..1G" },
	{ "workers", K_COUNT, 0, FIELD(workers), 0, 16, "0..16" },
	{ "max_message", K_SIZE, 0, FIELD(max_message_bytes), KB,
	    CAIRN_PAYLOAD_MAX_BYTES, "1K..40M" },
	{ "checkpoint_records", K_COUNT, 0, FIELD(checkpoint_records), 1,
	    1000000, "1..1000000" },
	{ "checkpoint_interval", K_SECONDS, 0, FIELD(checkpoint_seconds),
	    SEC_MS, DAY_MS, "1s..1d" },
};

#define NKEYS		(sizeof(keys) / sizeof(keys[0]))

_Static_assert(CONFIG_DEFAULT_MAX_MESSAGE == CAIRN_PAYLOAD_MAX_BYTES,
    "the default message size is the largest payload");

struct ctx {
	struct config	*conf;
	const char	*path;
	char		 dir[PATH_MAX];
	char		*text;
	size_t		 len;
	size_t		 pos;
	int		 lineno;
	int		 rc;
	int		 errline;
	char		*err;
	size_t		 errlen;
	enum section	 section;
	int		 daemon_line;
	int		 access_line;
	int		 key_line[NKEYS];
	int		*role_line;	/* parallel to conf->access */
};

static int	fail(struct ctx *, int, const char *, ...)
		    __attribute__((__format__(__printf__, 3, 4)));
static int	read_file(struct ctx *);
static int	base_dir(struct ctx *);
static int	check_nul(struct ctx *);
static char	*reader(char *, int, void *);
static void	begin_line(struct ctx *, const char *);
static void	begin_section(struct ctx *, const char *);
static int	handler(void *, const char *, const char *, const char *);
static int	daemon_key(struct ctx *, const char *, const char *);
static int	access_key(struct ctx *, const char *, const char *);
static int	add_principal(struct ctx *, const char *, const char *,
		    size_t);
static int	valid_posix_name(const char *, size_t);
static int	parse_uint(const char **, uint64_t *);
static int	parse_size(const char *, uint64_t *);
static int	parse_duration(const char *, int, uint64_t *);
static int	set_path(struct ctx *, const struct key *, const char *);
static int	set_number(struct ctx *, const struct key *, const char *);
static int	finish(struct ctx *);

/*
 * Records the first error only (line 0: one of the whole file).  Returns
 * 0, so that inih's handler can return it.
 */
static int
fail(struct ctx *c, int line, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (c->rc != 0)
		return 0;
	c->rc = CAIRN_ECONFIG;
	c->errline = line;
	if (c->err == NULL || c->errlen == 0)
		return 0;
	if (line > 0)
		n = snprintf(c->err, c->errlen, "%s:%d: ", c->path, line);
	else
		n = snprintf(c->err, c->errlen, "%s: ", c->path);
	if (n < 0 || (size_t)n >= c->errlen)
		return 0;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return 0;
}

static int
read_file(struct ctx *c)
{
	struct stat	 st;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(c->path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return fail(c, 0, "%s", strerror(errno));
	if (fstat(fd, &st) == -1) {
		fail(c, 0, "%s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		fail(c, 0, "not a regular file");
		goto out;
	}
	if (st.st_size > CONFIG_FILE_MAX) {
		fail(c, 0, "larger than %d bytes", CONFIG_FILE_MAX);
		goto out;
	}
	/* One byte more than allowed, to notice a file that grew. */
	if ((c->text = malloc(CONFIG_FILE_MAX + 1)) == NULL) {
		c->rc = -ENOMEM;
		goto out;
	}
	while (c->len <= CONFIG_FILE_MAX) {
		n = read(fd, c->text + c->len, CONFIG_FILE_MAX + 1 - c->len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			fail(c, 0, "%s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		c->len += (size_t)n;
	}
	if (c->len > CONFIG_FILE_MAX)
		fail(c, 0, "larger than %d bytes", CONFIG_FILE_MAX);
out:
	close(fd);
	return c->rc == 0;
}

/*
 * The directory relative paths in the file are taken from: the config
 * file's own, made absolute with the current directory so that the
 * daemon may chdir later.
 */
static int
base_dir(struct ctx *c)
{
	char		 cwd[PATH_MAX];
	const char	*rel = c->path, *slash;
	size_t		 n;
	int		 r;

	slash = strrchr(c->path, '/');
	n = slash != NULL ? (size_t)(slash - c->path) : 0;
	if (c->path[0] == '/') {
		r = snprintf(c->dir, sizeof(c->dir), "%.*s", (int)n, c->path);
		if (n == 0)
			r = snprintf(c->dir, sizeof(c->dir), "/");
	} else {
		while (n >= 2 && rel[0] == '.' && rel[1] == '/') {
			rel += 2;
			n -= 2;
			while (n > 0 && rel[0] == '/') {
				rel++;
				n--;
			}
		}
		if (n == 1 && rel[0] == '.')
			n = 0;
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return fail(c, 0, "cannot find the current "
			    "directory: %s", strerror(errno));
		if (n == 0)
			r = snprintf(c->dir, sizeof(c->dir), "%s", cwd);
		else
			r = snprintf(c->dir, sizeof(c->dir), "%s%s%.*s", cwd,
			    strcmp(cwd, "/") == 0 ? "" : "/", (int)n, rel);
	}
	if (r < 0 || (size_t)r >= sizeof(c->dir))
		return fail(c, 0, "directory name too long");
	return 1;
}

static int
check_nul(struct ctx *c)
{
	const char	*p, *q;
	int		 line = 1;

	if ((p = memchr(c->text, '\0', c->len)) == NULL)
		return 1;
	for (q = c->text; q < p; q++)
		if (*q == '\n')
			line++;
	return fail(c, line, "NUL byte in the file");
}

/*
 * inih's line reader.  Each line is looked at here before inih parses it;
 * returning NULL ends the parse, which is how an error found here or in
 * the handler stops it.
 */
static char *
reader(char *str, int num, void *arg)
{
	struct ctx	*c = arg;
	const char	*p, *nl;
	size_t		 n, content;

	if (c->rc != 0 || c->pos >= c->len)
		return NULL;
	if (num < 4) {
		fail(c, c->lineno + 1, "line buffer too small");
		return NULL;
	}
	p = c->text + c->pos;
	nl = memchr(p, '\n', c->len - c->pos);
	n = nl != NULL ? (size_t)(nl - p) + 1 : c->len - c->pos;
	content = nl != NULL ? n - 1 : n;
	if (content > 0 && p[content - 1] == '\r')
		content--;
	c->lineno++;
	if (content > (size_t)num - 3) {
		fail(c, c->lineno, "line longer than %d bytes", num - 3);
		return NULL;
	}
	memcpy(str, p, n);
	str[n] = '\0';
	c->pos += n;
	begin_line(c, str);
	return c->rc != 0 ? NULL : str;
}

static void
begin_line(struct ctx *c, const char *line)
{
	const char	*start = line, *p;

	if (c->lineno == 1 && strncmp(start, "\xef\xbb\xbf", 3) == 0)
		start += 3;
	for (p = start; *p == ' ' || *p == '\t' || *p == '\r' || *p == '\n';
	    p++)
		;
	if (*p == '\0' || *p == ';' || *p == '#')
		return;
	if (p != start) {
		fail(c, c->lineno,
		    "indented line (continuation lines are not supported)");
		return;
	}
	if (*p == '[')
		begin_section(c, p);
}

static void
begin_section(struct ctx *c, const char *p)
{
	const char	*end, *q;
	size_t		 n;
	int		*line;

	if ((end = strchr(p, ']')) == NULL) {
		fail(c, c->lineno, "section header without ']'");
		return;
	}
	for (q = end + 1; *q == ' ' || *q == '\t' || *q == '\r' ||
	    *q == '\n'; q++)
		;
	if (*q != '\0' && *q != ';' && *q != '#') {
		fail(c, c->lineno, "junk after the section header");
		return;
	}
	n = (size_t)(end - p - 1);
	if (n == 6 && strncmp(p + 1, "daemon", n) == 0) {
		c->section = SEC_DAEMON;
		line = &c->daemon_line;
	} else if (n == 6 && strncmp(p + 1, "access", n) == 0) {
		c->section = SEC_ACCESS;
		line = &c->access_line;
		c->conf->has_access = true;
	} else {
		fail(c, c->lineno, "unknown section [%.*s]",
		    n > 64 ? 64 : (int)n, p + 1);
		return;
	}
	if (*line != 0) {
		fail(c, c->lineno, "duplicate section [%.*s] (first on "
		    "line %d)", (int)n, p + 1, *line);
		return;
	}
	*line = c->lineno;
}

static int
handler(void *arg, const char *section, const char *name, const char *value)
{
	struct ctx	*c = arg;

	(void)section;	/* begin_section() tracked it, unabridged */
	if (c->rc != 0)
		return 0;
	if (name == NULL || value == NULL)
		return fail(c, c->lineno, "syntax error");
	switch (c->section) {
	case SEC_DAEMON:
		return daemon_key(c, name, value);
	case SEC_ACCESS:
		return access_key(c, name, value);
	default:
		return fail(c, c->lineno, "key '%.64s' outside a section",
		    name);
	}
}

static int
daemon_key(struct ctx *c, const char *name, const char *value)
{
	const struct key	*k;
	char			*field;
	size_t			 i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			break;
	if (i == NKEYS)
		return fail(c, c->lineno, "unknown key '%.64s' in [daemon]",
		    name);
	k = &keys[i];
	if (c->key_line[i] != 0)
		return fail(c, c->lineno, "duplicate key '%s' (first on "
		    "line %d)", k->name, c->key_line[i]);
	c->key_line[i] = c->lineno;
	field = (char *)c->conf + k->off;
	switch (k->type) {
	case K_ORG:
		if (cairn_valid_org_id(value) != 0 || strlen(value) >= k->size)
			return fail(c, c->lineno, "org: '%.64s' is not a valid "
			    "organisation id", value);
		memcpy(field, value, strlen(value) + 1);
		return 1;
	case K_ENDPOINT:
		if (cairn_valid_endpoint(value) != 0 ||
		    strlen(value) >= k->size)
			return fail(c, c->lineno, "listen: '%.64s' is not an "
			    "endpoint (tcp://HOST:PORT)", value);
		memcpy(field, value, strlen(value) + 1);
		return 1;
	case K_PATH:
		return set_path(c, k, value);
	case K_GROUP:
		if (!valid_posix_name(value, strlen(value)) ||
		    strlen(value) >= k->size)
			return fail(c, c->lineno, "socket_group: '%.64s' is not "
			    "a group name", value);
		memcpy(field, value, strlen(value) + 1);
		return 1;
	default:
		return set_number(c, k, value);
	}
}

/* Relative to the directory of the config file; stored joined with it. */
static int
set_path(struct ctx *c, const struct key *k, const char *value)
{
	char		*field = (char *)c->conf + k->off;
	const char	*p;
	int		 r;

	if (*value == '\0')
		return fail(c, c->lineno, "%s: empty path", k->name);
	for (p = value; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return fail(c, c->lineno, "%s: control character in "
			    "the path", k->name);
	if (value[0] == '/')
		r = snprintf(field, k->size, "%s", value);
	else
		r = snprintf(field, k->size, "%s%s%s", c->dir,
		    strcmp(c->dir, "/") == 0 ? "" : "/", value);
	if (r < 0 || (size_t)r >= k->size)
		return fail(c, c->lineno, "%s: path too long", k->name);
	return 1;
}

static int
set_number(struct ctx *c, const struct key *k, const char *value)
{
	char		*field = (char *)c->conf + k->off;
	uint64_t	 v;
	uint32_t	 v32;
	size_t		 vsz;
	int		 ok;
	const char	*want;

	switch (k->type) {
	case K_SIZE:
		ok = parse_size(value, &v);
		want = "a size (NUMBER with an optional K, M, G or T)";
		break;
	case K_SECONDS:
		ok = parse_duration(value, 0, &v);
		want = "a duration (NUMBER with s, m, h or d)";
		break;
	case K_MILLIS:
		ok = parse_duration(value, 1, &v);
		want = "a duration (NUMBER with ms, s, m, h or d)";
		break;
	default:
		ok = parse_uint(&value, &v) && *value == '\0';
		want = "a number";
		break;
	}
	if (!ok)
		return fail(c, c->lineno, "%s: '%.64s' is not %s", k->name,
		    value, want);
	if (v < k->min || v > k->max)
		return fail(c, c->lineno, "%s: %.64s is out of range (%s)",
		    k->name, value, k->range);
	if (k->type == K_SECONDS)
		v /= SEC_MS;
	if (k->size == sizeof(size_t)) {
		vsz = (size_t)v;
		memcpy(field, &vsz, sizeof(vsz));
	} else {
		v32 = (uint32_t)v;
		memcpy(field, &v32, sizeof(v32));
	}
	return 1;
}

/* Decimal digits only: no sign, no space, no hex; advances *s. */
static int
parse_uint(const char **s, uint64_t *v)
{
	const char	*p = *s;
	uint64_t	 n = 0;

	if (*p < '0' || *p > '9')
		return 0;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (n > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return 0;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	*s = p;
	*v = n;
	return 1;
}

static int
parse_size(const char *s, uint64_t *v)
{
	uint64_t	n, mul;

	if (!parse_uint(&s, &n))
		return 0;
	switch (*s) {
	case '\0':
		mul = 1;
		break;
	case 'K': case 'k':
		mul = KB;
		break;
	case 'M': case 'm':
		mul = MB;
		break;
	case 'G': case 'g':
		mul = GB;
		break;
	case 'T': case 't':
		mul = TB;
		break;
	default:
		return 0;
	}
	if (*s != '\0' && s[1] != '\0')
		return 0;
	if (n > UINT64_MAX / mul)
		n = UINT64_MAX;		/* out of every range */
	else
		n *= mul;
	*v = n;
	return 1;
}

/* A unit is required: "30" could mean seconds or milliseconds. */
static int
parse_duration(const char *s, int allow_ms, uint64_t *v)
{
	uint64_t	n, mul;

	if (!parse_uint(&s, &n))
		return 0;
	if (allow_ms && strcmp(s, "ms") == 0)
		mul = 1;
	else if (strcmp(s, "s") == 0)
		mul = SEC_MS;
	else if (strcmp(s, "m") == 0)
		mul = MIN_MS;
	else if (strcmp(s, "h") == 0)
		mul = HOUR_MS;
	else if (strcmp(s, "d") == 0)
		mul = DAY_MS;
	else
		return 0;
	if (n > UINT64_MAX / mul)
		n = UINT64_MAX;
	else
		n *= mul;
	*v = n;
	return 1;
}

static int
access_key(struct ctx *c, const char *role, const char *value)
{
	const char	*p, *comma, *b, *e;
	size_t		 i;

	if (cairn_valid_function(role) != 0)
		return fail(c, c->lineno, "bad role name '%.64s' (want a "
		    "function name, auditor or admin)", role);
	for (i = 0; i < c->conf->naccess; i++)
		if (strcmp(c->conf->access[i].role, role) == 0)
			return fail(c, c->lineno, "duplicate key '%s' (first "
			    "on line %d)", role, c->role_line[i]);
	if (*value == '\0')
		return fail(c, c->lineno, "%s: no principals (want "
		    "user:NAME or group:NAME, comma-separated)", role);
	for (p = value;; p = comma + 1) {
		if ((comma = strchr(p, ',')) == NULL)
			comma = p + strlen(p);
		for (b = p; b < comma && (*b == ' ' || *b == '\t'); b++)
			;
		for (e = comma; e > b && (e[-1] == ' ' || e[-1] == '\t'); e--)
			;
		if (!add_principal(c, role, b, (size_t)(e - b)))
			return 0;
		if (*comma == '\0')
			break;
	}
	return 1;
}

/* s (len bytes, not terminated) is "user:NAME" or "group:NAME". */
static int
add_principal(struct ctx *c, const char *role, const char *s, size_t len)
{
	struct config		*conf = c->conf;
	struct config_access	*a;
	const char		*name;
	size_t			 i, n;
	int			 kind, *lines;

	if (len > 5 && strncmp(s, "user:", 5) == 0) {
		kind = CONFIG_PRINCIPAL_USER;
		name = s + 5;
		n = len - 5;
	} else if (len > 6 && strncmp(s, "group:", 6) == 0) {
		kind = CONFIG_PRINCIPAL_GROUP;
		name = s + 6;
		n = len - 6;
	} else
		return fail(c, c->lineno, "%s: principal '%.*s' is not "
		    "user:NAME or group:NAME", role, len > 64 ? 64 : (int)len,
		    s);
	if (!valid_posix_name(name, n))
		return fail(c, c->lineno, "%s: '%.*s' is not a valid user or "
		    "group name", role, n > 64 ? 64 : (int)n, name);
	for (i = 0; i < conf->naccess; i++) {
		a = &conf->access[i];
		if (strcmp(a->role, role) == 0 && a->kind == kind &&
		    strlen(a->name) == n && memcmp(a->name, name, n) == 0)
			return fail(c, c->lineno, "%s: principal '%.*s' "
			    "listed twice", role, (int)len, s);
	}
	if (conf->naccess >= ACCESS_MAX)
		return fail(c, c->lineno, "more than %d principals",
		    ACCESS_MAX);
	a = reallocarray(conf->access, conf->naccess + 1, sizeof(*a));
	if (a == NULL)
		goto nomem;
	conf->access = a;
	lines = reallocarray(c->role_line, conf->naccess + 1, sizeof(*lines));
	if (lines == NULL)
		goto nomem;
	c->role_line = lines;
	a = &conf->access[conf->naccess];
	memset(a, 0, sizeof(*a));
	memcpy(a->role, role, strlen(role) + 1);
	a->kind = kind;
	memcpy(a->name, name, n);
	lines[conf->naccess++] = c->lineno;
	return 1;
nomem:
	if (c->rc == 0)
		c->rc = -ENOMEM;
	return 0;
}

/* [a-z_][a-z0-9_-]*[$]?, at most CONFIG_NAME_MAX bytes. */
static int
valid_posix_name(const char *s, size_t n)
{
	size_t	i;

	if (n == 0 || n > CONFIG_NAME_MAX)
		return 0;
	if (!((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-')
			continue;
		if (s[i] == '$' && i == n - 1)
			continue;
		return 0;
	}
	return 1;
}

/* Checks across keys, once the whole file is read. */
static int
finish(struct ctx *c)
{
	struct config	*conf = c->conf;
	size_t		 i, imin = 0, imax = 0;
	int		 line;

	for (i = 0; i < NKEYS; i++) {
		if (keys[i].required && c->key_line[i] == 0)
			return fail(c, 0, "missing required key '%s' in "
			    "[daemon]", keys[i].name);
		if (strcmp(keys[i].name, "retry_min") == 0)
			imin = i;
		else if (strcmp(keys[i].name, "retry_max") == 0)
			imax = i;
	}
	if (conf->retry_max_ms < conf->retry_min_ms) {
		line = c->key_line[imax] > c->key_line[imin] ?
		    c->key_line[imax] : c->key_line[imin];
		return fail(c, line, "retry_max (%u ms) is less than "
		    "retry_min (%u ms)", conf->retry_max_ms,
		    conf->retry_min_ms);
	}
	return 1;
}

int
config_load(struct config **out, const char *path, char *err, size_t errlen)
{
	struct ctx	 c;
	struct config	*conf;
	int		 r;

	*out = NULL;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	memset(&c, 0, sizeof(c));
	c.path = path;
	c.err = err;
	c.errlen = errlen;
	if ((conf = calloc(1, sizeof(*conf))) == NULL)
		return -ENOMEM;
	conf->map_size = CONFIG_DEFAULT_MAP_SIZE;
	conf->default_ttl_s = CONFIG_DEFAULT_TTL_S;
	conf->retry_min_ms = CONFIG_DEFAULT_RETRY_MIN_MS;
	conf->retry_max_ms = CONFIG_DEFAULT_RETRY_MAX_MS;
	conf->window = CONFIG_DEFAULT_WINDOW;
	conf->window_bytes = CONFIG_DEFAULT_WINDOW_BYTES;
	conf->workers = CONFIG_WORKERS_AUTO;
	conf->max_message_bytes = CONFIG_DEFAULT_MAX_MESSAGE;
	conf->checkpoint_records = CONFIG_DEFAULT_CKPT_RECORDS;
	conf->checkpoint_seconds = CONFIG_DEFAULT_CKPT_SECONDS;
	c.conf = conf;

	if (!read_file(&c) || !base_dir(&c) || !check_nul(&c))
		goto out;
	r = ini_parse_stream(reader, &c, handler, &c);
	if (r == -2 && c.rc == 0)
		c.rc = -ENOMEM;
	/* inih's own errors: a line that is neither a section nor a key. */
	if (r > 0 && (c.rc == 0 || r < c.errline)) {
		c.rc = 0;
		fail(&c, r, "syntax error (want 'key = value' or '[section]')");
	}
	if (c.rc != 0)
		goto out;
	finish(&c);
out:
	free(c.text);
	free(c.role_line);
	if (c.rc != 0) {
		config_free(conf);
		return c.rc;
	}
	*out = conf;
	return 0;
}

void
config_free(struct config *conf)
{
	if (conf == NULL)
		return;
	free(conf->access);
	free(conf);
}

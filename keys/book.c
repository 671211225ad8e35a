/* SPDX-License-Identifier: MIT */
/*
 * The address book (see book.h): compiling the operator's INI source into
 * a signed book, and verifying, parsing and looking up a signed book.
 *
 * The INI syntax (comments, "key = value") is libinih's; this module feeds
 * it the source line by line from memory, so that it can refuse what inih
 * would silently accept (over-long lines cut short, long section names
 * truncated, indented continuation lines) and name the line of every
 * error.  The wire format is proto/bookwire.c's job.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "keys/book.h"
#include "proto/kind.h"
#include "proto/sig.h"
#include "proto/validate.h"

#define GUARANTEE_DAYS_MAX	365

/* Keys seen in a section. */
#define SEEN_NAME		0x01
#define SEEN_ORGNR		0x02
#define SEEN_ENDPOINT		0x04
#define SEEN_KEY		0x08
#define SEEN_ACCEPTS		0x10
#define SEEN_DAYS		0x20

enum sectype {
	SEC_NONE,
	SEC_ORG,
	SEC_FUNCTION
};

struct src_org {
	struct cairn_org	 org;
	int			 line;
	unsigned		 seen;
	size_t			 nfunctions;
};

struct src_fn {
	char			 org[CAIRN_ORG_ID_MAX + 1];
	struct cairn_function	 fn;
	int			 line;
	unsigned		 seen;
	size_t			 orgidx;
};

struct src {
	const char	*path;
	char		 dir[PATH_MAX];
	const char	*text;
	size_t		 len;
	size_t		 pos;
	int		 lineno;
	enum sectype	 sec;
	struct src_org	*orgs;
	size_t		 norgs;
	size_t		 orgcap;
	struct src_fn	*fns;
	size_t		 nfns;
	size_t		 fncap;
	int		 rc;
	int		 errline;
	char		*err;
	size_t		 errlen;
};

struct signref {
	uint8_t			 id[CAIRN_KEY_ID_BYTES];
	const struct cairn_org	*org;
	const struct cairn_pubkey *key;
};

struct cairn_book {
	struct cairn_bookdata	 *data;
	const struct cairn_org	**by_id;
	const struct cairn_org	**by_curve;
	struct signref		 *signs;
	size_t			  nsigns;
};

static int	 fail(struct src *, int, int, const char *, ...)
		    __attribute__((format(printf, 4, 5)));
static int	 read_file(const char *, uint8_t **, size_t *);
static int	 src_dir(struct src *, const char *);
static int	 finish_section(struct src *);
static void	 begin_section(struct src *, const char *);
static void	 begin_line(struct src *, const char *);
static char	*reader(char *, int, void *);
static int	 set_org_key(struct src *, struct src_org *, const char *);
static int	 org_value(struct src *, struct src_org *, const char *,
		    const char *);
static int	 set_accepts(struct src *, struct src_fn *, const char *);
static int	 fn_value(struct src *, struct src_fn *, const char *,
		    const char *);
static int	 handler(void *, const char *, const char *, const char *);
static int	 check_nul(struct src *);
static int	 cmp_src_org(const void *, const void *);
static int	 cmp_src_fn(const void *, const void *);
static int	 cmp_src_curve(const void *, const void *);
static int	 cross_checks(struct src *);
static int	 check_dup_orgs(struct src *, size_t *);
static int	 check_dup_fns(struct src *);
static int	 check_fn_orgs(struct src *, const size_t *);
static int	 check_curves(struct src *);
static int	 build(struct src *, uint64_t, int64_t, int64_t,
		    struct cairn_bookdata *);
static int	 parse_source(struct src *);
static int	 sign_book(const struct cairn_secret *, int64_t,
		    const uint8_t *, size_t, uint8_t **, size_t *);
static int	 cmp_org_ptr(const void *, const void *);
static int	 cmp_curve_ptr(const void *, const void *);
static int	 cmp_signref(const void *, const void *);
static int	 build_index(struct cairn_book *);
static int	 book_new(struct cairn_book **, struct cairn_bookdata *);
static void	 free_bookdata(struct cairn_bookdata *);

static int
fail(struct src *s, int line, int code, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (s->rc != 0)
		return 0;
	s->rc = code;
	s->errline = line;
	if (s->err == NULL || s->errlen == 0)
		return 0;
	n = snprintf(s->err, s->errlen, "%s:%d: ", s->path, line);
	if (n < 0 || (size_t)n >= s->errlen)
		return 0;
	va_start(ap, fmt);
	vsnprintf(s->err + n, s->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return 0;
}

static int
read_file(const char *path, uint8_t **out, size_t *outlen)
{
	struct stat	 st;
	uint8_t		*buf = NULL;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd, rc;

	*out = NULL;
	*outlen = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -errno;
	if (fstat(fd, &st) == -1) {
		rc = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		goto out;
	}
	if (st.st_size > (off_t)CAIRN_BOOK_MAX_BYTES) {
		rc = CAIRN_ETOOBIG;
		goto out;
	}
	/* One byte more than the limit, to notice a file that grew. */
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (;;) {
		n = read(fd, buf + len, (size_t)st.st_size + 1 - len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > (size_t)st.st_size) {
			rc = -EAGAIN;
			goto out;
		}
	}
	*out = buf;
	*outlen = len;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	close(fd);
	return rc;
}

static int
src_dir(struct src *s, const char *path)
{
	const char	*slash;
	size_t		 n;

	if ((slash = strrchr(path, '/')) == NULL) {
		strcpy(s->dir, ".");
		return 0;
	}
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= sizeof(s->dir))
		return -ENAMETOOLONG;
	memcpy(s->dir, path, n);
	s->dir[n] = '\0';
	return 0;
}

static int
finish_section(struct src *s)
{
	struct src_org	*o;
	struct src_fn	*f;

	if (s->sec == SEC_ORG) {
		o = &s->orgs[s->norgs - 1];
		if (!(o->seen & SEEN_NAME))
			return fail(s, o->line, CAIRN_EBOOKSOURCE,
			    "[org %s]: missing 'name'", o->org.id);
		if (!(o->seen & SEEN_ENDPOINT))
			return fail(s, o->line, CAIRN_EBOOKSOURCE,
			    "[org %s]: missing 'endpoint'", o->org.id);
		if (!(o->seen & SEEN_KEY))
			return fail(s, o->line, CAIRN_EBOOKSOURCE,
			    "[org %s]: missing 'key'", o->org.id);
	} else if (s->sec == SEC_FUNCTION) {
		f = &s->fns[s->nfns - 1];
		if ((f->fn.accepts & CAIRN_KIND_BIT(CAIRN_KIND_REQUEST)) &&
		    !(f->seen & SEEN_DAYS))
			return fail(s, f->line, CAIRN_EBOOKSOURCE,
			    "[function %s/%s]: 'guarantee_days' is required "
			    "when it accepts consultation-request", f->org,
			    f->fn.name);
	}
	s->sec = SEC_NONE;
	return 1;
}

/*
 * A "[...]" line.  inih would cut a long section name to 49 bytes without
 * notice, so sections are read here and inih's copy is never used.
 */
static void
begin_section(struct src *s, const char *p)
{
	char		 name[CAIRN_ADDRESS_MAX + 16];
	char		 org[CAIRN_ORG_ID_MAX + 1];
	char		 fn[CAIRN_FUNCTION_MAX + 1];
	const char	*end, *q;
	struct src_org	*o;
	struct src_fn	*f;
	void		*grow;
	size_t		 n;
	int		 rc;

	if ((end = strchr(p, ']')) == NULL)
		goto malformed;
	for (q = end + 1; *q != '\0' && isspace((unsigned char)*q); q++)
		;
	if (*q != '\0' && ((*q != ';' && *q != '#') || q == end + 1))
		goto malformed;
	n = (size_t)(end - (p + 1));
	if (n >= sizeof(name)) {
		fail(s, s->lineno, CAIRN_EBOOKSOURCE, "section name too long");
		return;
	}
	memcpy(name, p + 1, n);
	name[n] = '\0';
	if (!finish_section(s))
		return;

	if (strncmp(name, "org ", 4) == 0) {
		if ((rc = cairn_valid_org_id(name + 4)) != 0) {
			fail(s, s->lineno, CAIRN_EBOOKSOURCE, "[%s]: %s",
			    name, cairn_strerror(rc));
			return;
		}
		if (s->norgs == CAIRN_BOOK_MAX_ORGS) {
			fail(s, s->lineno, CAIRN_EBOOKSOURCE,
			    "more than %d organisations", CAIRN_BOOK_MAX_ORGS);
			return;
		}
		if (s->norgs == s->orgcap) {
			n = s->orgcap ? 2 * s->orgcap : 16;
			if ((grow = reallocarray(s->orgs, n,
			    sizeof(*s->orgs))) == NULL) {
				s->rc = -ENOMEM;
				return;
			}
			s->orgs = grow;
			s->orgcap = n;
		}
		o = &s->orgs[s->norgs++];
		memset(o, 0, sizeof(*o));
		strcpy(o->org.id, name + 4);
		o->line = s->lineno;
		s->sec = SEC_ORG;
	} else if (strncmp(name, "function ", 9) == 0) {
		if ((rc = cairn_valid_address(name + 9, org, fn)) != 0) {
			fail(s, s->lineno, CAIRN_EBOOKSOURCE, "[%s]: %s",
			    name, cairn_strerror(rc));
			return;
		}
		if (strcmp(fn, "admin") == 0 || strcmp(fn, "auditor") == 0) {
			fail(s, s->lineno, CAIRN_EBOOKSOURCE,
			    "[%s]: function name '%s' is reserved", name, fn);
			return;
		}
		if (s->nfns == s->fncap) {
			n = s->fncap ? 2 * s->fncap : 16;
			if ((grow = reallocarray(s->fns, n,
			    sizeof(*s->fns))) == NULL) {
				s->rc = -ENOMEM;
				return;
			}
			s->fns = grow;
			s->fncap = n;
		}
		f = &s->fns[s->nfns++];
		memset(f, 0, sizeof(*f));
		strcpy(f->org, org);
		strcpy(f->fn.name, fn);
		f->line = s->lineno;
		s->sec = SEC_FUNCTION;
	} else
		fail(s, s->lineno, CAIRN_EBOOKSOURCE,
		    "unknown section [%s] (want [org ID] or "
		    "[function ORG/FUNCTION])", name);
	return;
malformed:
	fail(s, s->lineno, CAIRN_EBOOKSOURCE, "malformed section line");
}

static void
begin_line(struct src *s, const char *line)
{
	const char	*start = line, *p;

	if (s->lineno == 1 && strncmp(start, "\xef\xbb\xbf", 3) == 0)
		start += 3;
	for (p = start; *p != '\0' && isspace((unsigned char)*p); p++)
		;
	if (*p == '\0' || *p == ';' || *p == '#')
		return;
	if (p != start) {
		fail(s, s->lineno, CAIRN_EBOOKSOURCE,
		    "indented line (continuation lines are not supported)");
		return;
	}
	if (*p == '[')
		begin_section(s, p);
}

/*
 * inih's line reader.  Each line is looked at here before inih parses it;
 * returning NULL ends the parse at the first error.
 */
static char *
reader(char *str, int num, void *arg)
{
	struct src	*s = arg;
	const char	*p, *nl;
	size_t		 n, content;

	if (s->rc != 0 || s->pos >= s->len)
		return NULL;
	if (num < 4) {
		fail(s, s->lineno + 1, CAIRN_EBOOKSOURCE,
		    "line buffer too small");
		return NULL;
	}
	p = s->text + s->pos;
	nl = memchr(p, '\n', s->len - s->pos);
	n = nl != NULL ? (size_t)(nl - p) + 1 : s->len - s->pos;
	content = nl != NULL ? n - 1 : n;
	if (content > 0 && p[content - 1] == '\r')
		content--;
	s->lineno++;
	if (content > (size_t)num - 3) {
		fail(s, s->lineno, CAIRN_EBOOKSOURCE,
		    "line longer than %d bytes", num - 3);
		return NULL;
	}
	memcpy(str, p, n);
	str[n] = '\0';
	s->pos += n;
	begin_line(s, str);
	return s->rc != 0 ? NULL : str;
}

static int
set_org_key(struct src *s, struct src_org *o, const char *v)
{
	struct cairn_pubfile	*pub = NULL;
	char			 path[PATH_MAX];
	uint8_t			 id[CAIRN_KEY_ID_BYTES];
	size_t			 i;
	int			 n, rc;

	if (*v == '\0')
		return fail(s, s->lineno, CAIRN_EBOOKSOURCE, "empty 'key'");
	if (*v == '/')
		n = snprintf(path, sizeof(path), "%s", v);
	else
		n = snprintf(path, sizeof(path), "%s/%s", s->dir, v);
	if (n < 0 || (size_t)n >= sizeof(path))
		return fail(s, s->lineno, CAIRN_EBOOKSOURCE,
		    "key file path too long");
	if ((rc = cairn_keyfile_public_load(&pub, path)) != 0) {
		if (rc == -ENOMEM)
			s->rc = rc;
		return fail(s, s->lineno, rc > CAIRN_EFIRST ? rc :
		    CAIRN_EKEYFILE, "key file %s: %s", path,
		    cairn_strerror(rc));
	}
	rc = 0;
	if (pub->is_federation)
		rc = fail(s, s->lineno, CAIRN_EKEYFILE, "key file %s is the "
		    "federation key, not an organisation's", path);
	else if (strcmp(pub->org, o->org.id) != 0)
		rc = fail(s, s->lineno, CAIRN_EKEYFILE, "key file %s is "
		    "for org '%s', not '%s'", path, pub->org, o->org.id);
	else if (pub->nsign_keys == 0 || pub->nbox_keys == 0 ||
	    pub->nsign_keys > CAIRN_BOOK_MAX_KEYS ||
	    pub->nbox_keys > CAIRN_BOOK_MAX_KEYS)
		rc = fail(s, s->lineno, CAIRN_EKEYFILE, "key file %s must "
		    "hold signing and encryption keys", path);
	if (s->rc != 0)
		goto out;
	for (i = 0; i < pub->nsign_keys + pub->nbox_keys; i++) {
		const struct cairn_pubkey *k = i < pub->nsign_keys ?
		    &pub->sign_keys[i] : &pub->box_keys[i - pub->nsign_keys];

		cairn_sig_keyid(id, k->pk);
		if (memcmp(id, k->key_id, sizeof(id)) != 0 ||
		    k->valid_from_ms >= k->valid_until_ms) {
			rc = fail(s, s->lineno, CAIRN_EKEYFILE, "key file %s: "
			    "bad key id or validity window", path);
			goto out;
		}
	}
	memcpy(o->org.sign_keys, pub->sign_keys,
	    pub->nsign_keys * sizeof(pub->sign_keys[0]));
	o->org.nsign_keys = pub->nsign_keys;
	memcpy(o->org.box_keys, pub->box_keys,
	    pub->nbox_keys * sizeof(pub->box_keys[0]));
	o->org.nbox_keys = pub->nbox_keys;
	memcpy(o->org.curve_pk, pub->curve_pk, sizeof(o->org.curve_pk));
	rc = 1;
out:
	free(pub);
	return rc;
}

static int
org_value(struct src *s, struct src_org *o, const char *k, const char *v)
{
	int	rc;

	if (strcmp(k, "name") == 0) {
		if (*v == '\0' || cairn_valid_text(v, strlen(v),
		    CAIRN_NAME_MAX, 0) != 0)
			return fail(s, s->lineno, CAIRN_EBOOKSOURCE,
			    "'name' must be 1 to %d bytes of UTF-8 text",
			    CAIRN_NAME_MAX);
		strcpy(o->org.name, v);
		o->seen |= SEEN_NAME;
	} else if (strcmp(k, "orgnr") == 0) {
		if ((rc = cairn_valid_orgnr(v, o->org.orgnr)) != 0)
			return fail(s, s->lineno, CAIRN_EBOOKSOURCE,
			    "orgnr '%s': %s", v, cairn_strerror(rc));
		o->seen |= SEEN_ORGNR;
	} else if (strcmp(k, "endpoint") == 0) {
		if (strlen(v) > CAIRN_ENDPOINT_MAX ||
		    (rc = cairn_valid_endpoint(v)) != 0)
			return fail(s, s->lineno, CAIRN_EBOOKSOURCE,
			    "endpoint '%s': %s", v,
			    cairn_strerror(CAIRN_EENDPOINT));
		strcpy(o->org.endpoint, v);
		o->seen |= SEEN_ENDPOINT;
	} else if (strcmp(k, "key") == 0) {
		if (!set_org_key(s, o, v))
			return 0;
		o->seen |= SEEN_KEY;
	} else
		return fail(s, s->lineno, CAIRN_EBOOKSOURCE,
		    "unknown key '%s' in [org %s]", k, o->org.id);
	return 1;
}

static int
set_accepts(struct src *s, struct src_fn *f, const char *v)
{
	char		 tok[64];
	const char	*p = v, *end;
	size_t		 n;
	int		 k;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if ((end = strchr(p, ',')) == NULL)
			end = p + strlen(p);
		n = (size_t)(end - p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == 0)
			return fail(s, s->lineno, CAIRN_EBOOKSOURCE,
			    "'accepts': empty kind in list");
		if (n >= sizeof(tok))
			return fail(s, s->lineno, CAIRN_EBOOKSOURCE,
			    "'accepts': unknown kind");
		memcpy(tok, p, n);
		tok[n] = '\0';
		if ((k = (int)cairn_kind_parse(tok)) == CAIRN_KIND_NONE)
			return fail(s, s->lineno, CAIRN_EBOOKSOURCE,
			    "'accepts': unknown kind '%s'", tok);
		if (f->fn.accepts & CAIRN_KIND_BIT(k))
			return fail(s, s->lineno, CAIRN_EBOOKSOURCE,
			    "'accepts': '%s' listed twice", tok);
		f->fn.accepts |= CAIRN_KIND_BIT(k);
		if (*end == '\0')
			return 1;
		p = end + 1;
	}
}

static int
fn_value(struct src *s, struct src_fn *f, const char *k, const char *v)
{
	size_t		 i, n;
	unsigned	 days = 0;

	if (strcmp(k, "accepts") == 0) {
		if (!set_accepts(s, f, v))
			return 0;
		f->seen |= SEEN_ACCEPTS;
	} else if (strcmp(k, "guarantee_days") == 0) {
		n = strlen(v);
		for (i = 0; i < n && i < 4; i++) {
			if (!isdigit((unsigned char)v[i]))
				break;
			days = days * 10 + (unsigned)(v[i] - '0');
		}
		if (n == 0 || n > 3 || i != n || days < 1 ||
		    days > GUARANTEE_DAYS_MAX)
			return fail(s, s->lineno, CAIRN_EBOOKSOURCE,
			    "'guarantee_days' must be a number of days "
			    "from 1 to %d", GUARANTEE_DAYS_MAX);
		f->fn.guarantee_days = days;
		f->seen |= SEEN_DAYS;
	} else
		return fail(s, s->lineno, CAIRN_EBOOKSOURCE,
		    "unknown key '%s' in [function %s/%s]", k, f->org,
		    f->fn.name);
	return 1;
}

static int
handler(void *arg, const char *section, const char *k, const char *v)
{
	struct src	*s = arg;
	struct src_org	*o;
	struct src_fn	*f;
	unsigned	 bit;

	(void)section;
	if (s->rc != 0)
		return 0;
	if (s->sec == SEC_NONE)
		return fail(s, s->lineno, CAIRN_EBOOKSOURCE,
		    "'%s' outside a section", k);
	if (s->sec == SEC_ORG) {
		o = &s->orgs[s->norgs - 1];
		bit = strcmp(k, "name") == 0 ? SEEN_NAME :
		    strcmp(k, "orgnr") == 0 ? SEEN_ORGNR :
		    strcmp(k, "endpoint") == 0 ? SEEN_ENDPOINT :
		    strcmp(k, "key") == 0 ? SEEN_KEY : 0;
		if (o->seen & bit)
			return fail(s, s->lineno, CAIRN_EBOOKSOURCE,
			    "duplicate key '%s' in [org %s]", k, o->org.id);
		return org_value(s, o, k, v);
	}
	f = &s->fns[s->nfns - 1];
	bit = strcmp(k, "accepts") == 0 ? SEEN_ACCEPTS :
	    strcmp(k, "guarantee_days") == 0 ? SEEN_DAYS : 0;
	if (f->seen & bit)
		return fail(s, s->lineno, CAIRN_EBOOKSOURCE,
		    "duplicate key '%s' in [function %s/%s]", k, f->org,
		    f->fn.name);
	return fn_value(s, f, k, v);
}

static int
check_nul(struct src *s)
{
	const char	*nul, *p;
	int		 line = 1;

	if ((nul = memchr(s->text, '\0', s->len)) == NULL)
		return 1;
	for (p = s->text; p < nul; p++)
		if (*p == '\n')
			line++;
	return fail(s, line, CAIRN_EBOOKSOURCE, "NUL byte in source");
}

static int
cmp_src_org(const void *a, const void *b)
{
	const struct src_org *const *x = a, *const *y = b;
	int	c;

	if ((c = strcmp((*x)->org.id, (*y)->org.id)) != 0)
		return c;
	return ((*x)->line > (*y)->line) - ((*x)->line < (*y)->line);
}

static int
cmp_src_fn(const void *a, const void *b)
{
	const struct src_fn *const *x = a, *const *y = b;
	int	c;

	if ((c = strcmp((*x)->org, (*y)->org)) != 0)
		return c;
	if ((c = strcmp((*x)->fn.name, (*y)->fn.name)) != 0)
		return c;
	return ((*x)->line > (*y)->line) - ((*x)->line < (*y)->line);
}

static int
cmp_src_curve(const void *a, const void *b)
{
	const struct src_org *const *x = a, *const *y = b;
	int	c;

	if ((c = memcmp((*x)->org.curve_pk, (*y)->org.curve_pk,
	    CAIRN_CURVE_KEY_BYTES)) != 0)
		return c;
	return ((*x)->line > (*y)->line) - ((*x)->line < (*y)->line);
}

/*
 * Duplicate [org] sections; on success *order (norgs entries) holds the
 * organisations' indices sorted by id, for check_fn_orgs().
 */
static int
check_dup_orgs(struct src *s, size_t *order)
{
	struct src_org	**idx;
	struct src_org	 *first = NULL, *dup = NULL;
	size_t		  i;

	if ((idx = calloc(s->norgs ? s->norgs : 1, sizeof(*idx))) == NULL)
		return s->rc = -ENOMEM;
	for (i = 0; i < s->norgs; i++)
		idx[i] = &s->orgs[i];
	qsort(idx, s->norgs, sizeof(*idx), cmp_src_org);
	for (i = 1; i < s->norgs; i++)
		if (strcmp(idx[i - 1]->org.id, idx[i]->org.id) == 0 &&
		    (dup == NULL || idx[i]->line < dup->line)) {
			first = idx[i - 1];
			dup = idx[i];
		}
	for (i = 0; i < s->norgs; i++)
		order[i] = (size_t)(idx[i] - s->orgs);
	free(idx);
	if (dup != NULL)
		return fail(s, dup->line, CAIRN_EBOOKDUP,
		    "duplicate section [org %s] (also at line %d)",
		    dup->org.id, first->line);
	return 1;
}

static int
check_dup_fns(struct src *s)
{
	struct src_fn	**idx;
	struct src_fn	 *first = NULL, *dup = NULL;
	size_t		  i;

	if ((idx = calloc(s->nfns ? s->nfns : 1, sizeof(*idx))) == NULL)
		return s->rc = -ENOMEM;
	for (i = 0; i < s->nfns; i++)
		idx[i] = &s->fns[i];
	qsort(idx, s->nfns, sizeof(*idx), cmp_src_fn);
	for (i = 1; i < s->nfns; i++)
		if (strcmp(idx[i - 1]->org, idx[i]->org) == 0 &&
		    strcmp(idx[i - 1]->fn.name, idx[i]->fn.name) == 0 &&
		    (dup == NULL || idx[i]->line < dup->line)) {
			first = idx[i - 1];
			dup = idx[i];
		}
	free(idx);
	if (dup != NULL)
		return fail(s, dup->line, CAIRN_EBOOKDUP,
		    "duplicate section [function %s/%s] (also at line %d)",
		    dup->org, dup->fn.name, first->line);
	return 1;
}

/* Every [function] names an [org] of this file; none has too many. */
static int
check_fn_orgs(struct src *s, const size_t *order)
{
	struct src_fn	*f;
	struct src_org	*o;
	size_t		 i, lo, hi, mid;
	int		 c;

	for (i = 0; i < s->nfns; i++) {
		f = &s->fns[i];
		lo = 0;
		hi = s->norgs;
		o = NULL;
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			c = strcmp(f->org, s->orgs[order[mid]].org.id);
			if (c == 0) {
				o = &s->orgs[order[mid]];
				break;
			}
			if (c < 0)
				hi = mid;
			else
				lo = mid + 1;
		}
		if (o == NULL)
			return fail(s, f->line, CAIRN_EBOOKSOURCE,
			    "[function %s/%s]: no [org %s] in this file",
			    f->org, f->fn.name, f->org);
		if (o->nfunctions == CAIRN_BOOK_MAX_FUNCTIONS)
			return fail(s, f->line, CAIRN_EBOOKSOURCE,
			    "[org %s] has more than %d functions", f->org,
			    CAIRN_BOOK_MAX_FUNCTIONS);
		o->nfunctions++;
		f->orgidx = (size_t)(o - s->orgs);
	}
	return 1;
}

/* Two organisations with one CURVE key would make the ZAP map ambiguous. */
static int
check_curves(struct src *s)
{
	struct src_org	**idx;
	struct src_org	 *first = NULL, *dup = NULL;
	size_t		  i;

	if ((idx = calloc(s->norgs ? s->norgs : 1, sizeof(*idx))) == NULL)
		return s->rc = -ENOMEM;
	for (i = 0; i < s->norgs; i++)
		idx[i] = &s->orgs[i];
	qsort(idx, s->norgs, sizeof(*idx), cmp_src_curve);
	for (i = 1; i < s->norgs; i++)
		if (memcmp(idx[i - 1]->org.curve_pk, idx[i]->org.curve_pk,
		    CAIRN_CURVE_KEY_BYTES) == 0 &&
		    (dup == NULL || idx[i]->line < dup->line)) {
			first = idx[i - 1];
			dup = idx[i];
		}
	free(idx);
	if (dup != NULL)
		return fail(s, dup->line, CAIRN_EBOOKDUP,
		    "[org %s] has the same CURVE key as [org %s] (line %d)",
		    dup->org.id, first->org.id, first->line);
	return 1;
}

static int
cross_checks(struct src *s)
{
	size_t	*order;
	int	 ok;

	if ((order = calloc(s->norgs ? s->norgs : 1, sizeof(*order))) == NULL)
		return s->rc = -ENOMEM;
	ok = check_dup_orgs(s, order) && check_dup_fns(s) &&
	    check_fn_orgs(s, order) && check_curves(s);
	free(order);
	return ok;
}

static int
parse_source(struct src *s)
{
	int	r;

	if (!check_nul(s))
		return s->rc;
	r = ini_parse_stream(reader, s, handler, s);
	if (r == -2 && s->rc == 0)
		s->rc = -ENOMEM;
	/* inih's own errors: a line that is neither section nor key. */
	if (r > 0 && (s->rc == 0 || r < s->errline)) {
		s->rc = 0;
		fail(s, r, CAIRN_EBOOKSOURCE,
		    "syntax error (want 'key = value' or '[section]')");
	}
	if (s->rc != 0)
		return s->rc;
	if (!finish_section(s))
		return s->rc;
	cross_checks(s);
	return s->rc;
}

static int
build(struct src *s, uint64_t serial, int64_t now_ms, int64_t valid_ms,
    struct cairn_bookdata *book)
{
	struct cairn_org	*o;
	size_t			 i;

	book->serial = serial;
	book->issued_ms = now_ms;
	book->expires_ms = now_ms + valid_ms;
	if (s->norgs == 0)
		return 0;
	if ((book->orgs = calloc(s->norgs, sizeof(*book->orgs))) == NULL)
		return -ENOMEM;
	book->norgs = s->norgs;
	for (i = 0; i < s->norgs; i++) {
		o = &book->orgs[i];
		*o = s->orgs[i].org;
		o->functions = NULL;
		o->nfunctions = 0;
		if (s->orgs[i].nfunctions > 0 && (o->functions = calloc(
		    s->orgs[i].nfunctions, sizeof(*o->functions))) == NULL)
			return -ENOMEM;
	}
	for (i = 0; i < s->nfns; i++) {
		o = &book->orgs[s->fns[i].orgidx];
		o->functions[o->nfunctions++] = s->fns[i].fn;
	}
	return 0;
}

static void
free_bookdata(struct cairn_bookdata *book)
{
	size_t	i;

	for (i = 0; i < book->norgs; i++)
		free(book->orgs[i].functions);
	free(book->orgs);
	book->orgs = NULL;
	book->norgs = 0;
}

static int
sign_book(const struct cairn_secret *fed, int64_t now_ms,
    const uint8_t *bytes, size_t len, uint8_t **out, size_t *outlen)
{
	struct cairn_signer	signer;
	uint8_t			digest[CAIRN_DIGEST_BYTES];
	uint8_t			sig[CAIRN_SIG_BYTES];
	int			rc;

	if ((rc = cairn_keyfile_signer(fed, now_ms, &signer)) != 0)
		return rc;
	cairn_sig_digest(digest, CAIRN_DOMAIN_BOOK, bytes, len, NULL, 0);
	if ((rc = signer.sign(signer.arg, sig, digest)) != 0)
		return rc;
	return cairn_bookwire_wrap(bytes, len, sig, signer.key_id, out,
	    outlen);
}

int
cairn_book_compile(const char *source_path, uint64_t serial,
    int64_t now_ms, int64_t valid_ms, const struct cairn_secret *fed,
    uint8_t **out, size_t *outlen, char *err, size_t errlen)
{
	struct src		 s;
	struct cairn_bookdata	 book;
	uint8_t			*text = NULL, *bytes = NULL;
	size_t			 textlen, len;
	int			 rc;

	*out = NULL;
	*outlen = 0;
	memset(&s, 0, sizeof(s));
	memset(&book, 0, sizeof(book));
	s.path = source_path;
	s.err = err;
	s.errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (strcmp(cairn_keyfile_secret_org(fed), CAIRN_FEDERATION_ORG) != 0) {
		rc = CAIRN_EKEYTYPE;
		goto out;
	}
	if (valid_ms <= 0 || now_ms > INT64_MAX - valid_ms) {
		rc = CAIRN_EINVAL;
		goto out;
	}
	if ((rc = src_dir(&s, source_path)) != 0 ||
	    (rc = read_file(source_path, &text, &textlen)) != 0) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: %s", source_path,
			    cairn_strerror(rc));
		goto out;
	}
	s.text = (const char *)text;
	s.len = textlen;
	if ((rc = parse_source(&s)) != 0)
		goto out;
	if ((rc = build(&s, serial, now_ms, valid_ms, &book)) != 0)
		goto out;
	if ((rc = cairn_bookwire_encode(&book, &bytes, &len)) != 0 ||
	    (rc = sign_book(fed, now_ms, bytes, len, out, outlen)) != 0) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: %s%s", source_path,
			    cairn_strerror(rc), rc == CAIRN_EINVAL ?
			    " (the book fails its shape check)" : "");
		goto out;
	}
out:
	free(bytes);
	free_bookdata(&book);
	free(s.fns);
	free(s.orgs);
	free(text);
	return rc;
}

static int
cmp_org_ptr(const void *a, const void *b)
{
	const struct cairn_org *const *x = a, *const *y = b;

	return strcmp((*x)->id, (*y)->id);
}

static int
cmp_curve_ptr(const void *a, const void *b)
{
	const struct cairn_org *const *x = a, *const *y = b;

	return memcmp((*x)->curve_pk, (*y)->curve_pk, CAIRN_CURVE_KEY_BYTES);
}

static int
cmp_signref(const void *a, const void *b)
{
	const struct signref *x = a, *y = b;

	return memcmp(x->id, y->id, CAIRN_KEY_ID_BYTES);
}

/* Sorted views for lookups; bookwire has refused duplicates already. */
static int
build_index(struct cairn_book *b)
{
	const struct cairn_bookdata *d = b->data;
	size_t	i, j, n = d->norgs ? d->norgs : 1;

	if ((b->by_id = calloc(n, sizeof(*b->by_id))) == NULL ||
	    (b->by_curve = calloc(n, sizeof(*b->by_curve))) == NULL ||
	    (b->signs = calloc(n, CAIRN_BOOK_MAX_KEYS *
	    sizeof(*b->signs))) == NULL)
		return -ENOMEM;
	for (i = 0; i < d->norgs; i++) {
		b->by_id[i] = b->by_curve[i] = &d->orgs[i];
		for (j = 0; j < d->orgs[i].nsign_keys; j++) {
			memcpy(b->signs[b->nsigns].id,
			    d->orgs[i].sign_keys[j].key_id,
			    CAIRN_KEY_ID_BYTES);
			b->signs[b->nsigns].org = &d->orgs[i];
			b->signs[b->nsigns].key = &d->orgs[i].sign_keys[j];
			b->nsigns++;
		}
	}
	qsort(b->by_id, d->norgs, sizeof(*b->by_id), cmp_org_ptr);
	qsort(b->by_curve, d->norgs, sizeof(*b->by_curve), cmp_curve_ptr);
	qsort(b->signs, b->nsigns, sizeof(*b->signs), cmp_signref);
	return 0;
}

static int
book_new(struct cairn_book **out, struct cairn_bookdata *data)
{
	struct cairn_book	*b;
	int			 rc;

	if ((b = calloc(1, sizeof(*b))) == NULL) {
		cairn_bookwire_free(data);
		return -ENOMEM;
	}
	b->data = data;
	if ((rc = build_index(b)) != 0) {
		cairn_book_free(b);
		return rc;
	}
	*out = b;
	return 0;
}

int
cairn_book_parse(struct cairn_book **out, const uint8_t *buf, size_t len,
    const uint8_t fed_pk[static 32], uint64_t min_serial, int64_t now_ms)
{
	struct cairn_bookdata	*data = NULL;
	uint8_t			*bytes = NULL;
	uint8_t			 sig[CAIRN_SIG_BYTES];
	uint8_t			 key_id[CAIRN_KEY_ID_BYTES];
	uint8_t			 fed_id[CAIRN_KEY_ID_BYTES];
	uint8_t			 digest[CAIRN_DIGEST_BYTES];
	size_t			 booklen;
	int			 rc;

	*out = NULL;
	if (len > CAIRN_BOOK_MAX_BYTES)
		return CAIRN_ETOOBIG;
	if ((rc = cairn_bookwire_unwrap(buf, len, &bytes, &booklen, sig,
	    key_id)) != 0)
		return rc;
	cairn_sig_keyid(fed_id, fed_pk);
	if (memcmp(fed_id, key_id, sizeof(fed_id)) != 0) {
		rc = CAIRN_EBOOKKEY;
		goto out;
	}
	cairn_sig_digest(digest, CAIRN_DOMAIN_BOOK, bytes, booklen, NULL, 0);
	if (cairn_sig_verify(sig, digest, fed_pk) != 0) {
		rc = CAIRN_EBOOKSIG;
		goto out;
	}
	if ((rc = cairn_bookwire_decode(&data, bytes, booklen)) != 0)
		goto out;
	if (now_ms >= data->expires_ms) {
		rc = CAIRN_EBOOKEXPIRED;
		goto out;
	}
	if (data->serial < min_serial) {
		rc = CAIRN_EBOOKROLLBACK;
		goto out;
	}
	rc = book_new(out, data);
	data = NULL;
out:
	cairn_bookwire_free(data);
	free(bytes);
	return rc;
}

int
cairn_book_load(struct cairn_book **out, const char *path,
    const uint8_t fed_pk[static 32], uint64_t min_serial, int64_t now_ms)
{
	uint8_t	*buf;
	size_t	 len;
	int	 rc;

	*out = NULL;
	if ((rc = read_file(path, &buf, &len)) != 0)
		return rc;
	rc = cairn_book_parse(out, buf, len, fed_pk, min_serial, now_ms);
	free(buf);
	return rc;
}

int
cairn_book_load_unverified(struct cairn_book **out, const char *path)
{
	struct cairn_bookdata	*data = NULL;
	uint8_t			*buf = NULL, *bytes = NULL;
	uint8_t			 sig[CAIRN_SIG_BYTES];
	uint8_t			 key_id[CAIRN_KEY_ID_BYTES];
	size_t			 len, booklen;
	int			 rc;

	*out = NULL;
	if ((rc = read_file(path, &buf, &len)) != 0)
		return rc;
	if ((rc = cairn_bookwire_unwrap(buf, len, &bytes, &booklen, sig,
	    key_id)) != 0)
		goto out;
	if ((rc = cairn_bookwire_decode(&data, bytes, booklen)) != 0)
		goto out;
	rc = book_new(out, data);
out:
	free(bytes);
	free(buf);
	return rc;
}

void
cairn_book_free(struct cairn_book *book)
{
	if (book == NULL)
		return;
	free(book->signs);
	free(book->by_curve);
	free(book->by_id);
	cairn_bookwire_free(book->data);
	free(book);
}

const struct cairn_bookdata *
cairn_book_data(const struct cairn_book *book)
{
	return book->data;
}

const struct cairn_org *
cairn_book_org(const struct cairn_book *book, const char *org)
{
	const struct cairn_org	*const *hit;
	struct cairn_org	 key;
	const struct cairn_org	*kp = &key;

	if (strlen(org) > CAIRN_ORG_ID_MAX)
		return NULL;
	strcpy(key.id, org);
	hit = bsearch(&kp, book->by_id, book->data->norgs,
	    sizeof(*book->by_id), cmp_org_ptr);
	return hit != NULL ? *hit : NULL;
}

const struct cairn_function *
cairn_book_function(const struct cairn_book *book, const char *org,
    const char *function)
{
	const struct cairn_org	*o;
	size_t			 i;

	if ((o = cairn_book_org(book, org)) == NULL)
		return NULL;
	for (i = 0; i < o->nfunctions; i++)
		if (strcmp(o->functions[i].name, function) == 0)
			return &o->functions[i];
	return NULL;
}

const struct cairn_org *
cairn_book_org_by_curve(const struct cairn_book *book,
    const uint8_t curve_pk[static 32])
{
	const struct cairn_org	*const *hit;
	struct cairn_org	 key;
	const struct cairn_org	*kp = &key;

	memcpy(key.curve_pk, curve_pk, sizeof(key.curve_pk));
	hit = bsearch(&kp, book->by_curve, book->data->norgs,
	    sizeof(*book->by_curve), cmp_curve_ptr);
	return hit != NULL ? *hit : NULL;
}

int
cairn_book_sign_key(const struct cairn_book *book,
    const uint8_t key_id[static CAIRN_KEY_ID_BYTES],
    const struct cairn_org **org, const struct cairn_pubkey **key)
{
	const struct signref	*hit;
	struct signref		 ref;

	*org = NULL;
	*key = NULL;
	memcpy(ref.id, key_id, sizeof(ref.id));
	hit = bsearch(&ref, book->signs, book->nsigns, sizeof(*book->signs),
	    cmp_signref);
	if (hit == NULL)
		return CAIRN_EUNKNOWNKEY;
	*org = hit->org;
	*key = hit->key;
	return 0;
}

int
cairn_book_box_key(const struct cairn_book *book, const char *org,
    int64_t now_ms, const struct cairn_pubkey **key)
{
	const struct cairn_org		*o;
	const struct cairn_pubkey	*best = NULL;
	size_t				 i;

	*key = NULL;
	if ((o = cairn_book_org(book, org)) == NULL)
		return CAIRN_ENOTFOUND;
	for (i = 0; i < o->nbox_keys; i++)
		if (cairn_book_key_valid(&o->box_keys[i], now_ms) &&
		    (best == NULL ||
		    o->box_keys[i].valid_from_ms > best->valid_from_ms))
			best = &o->box_keys[i];
	if (best == NULL)
		return CAIRN_ENOKEY;
	*key = best;
	return 0;
}

int
cairn_book_key_valid(const struct cairn_pubkey *key, int64_t t_ms)
{
	return key->valid_from_ms <= t_ms && t_ms < key->valid_until_ms;
}

/* SPDX-License-Identifier: MIT */
/*
 * Validation of values cairn accepts from users, files and peers (see
 * validate.h for the contract of each function).
 *
 * Every check here is a pure function over its arguments: no allocation,
 * no I/O, no locale, no time zone.  "Today" for identity numbers is the
 * UTC day of the caller's now_ms.  This module decides whether a value is
 * well formed; it knows nothing about whether an organisation, a function
 * or a person exists.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "proto/validate.h"

#define PNR_MIN_YEAR	1800
#define DATE_MIN_YEAR	1900
#define DATE_MAX_YEAR	9999
#define MS_PER_DAY	86400000LL
#define DNS_NAME_MAX	253
#define DNS_LABEL_MAX	63
#define ENDPOINT_MAX	255	/* as CAIRN_ENDPOINT_MAX, bookwire.h */

struct ymd {
	int	y;
	int	m;
	int	d;
};

static int	is_digit(char);
static int	is_lower_alnum(char);
static int	valid_name(const char *, size_t, size_t, const char *);
static int	valid_org_span(const char *, size_t);
static int	luhn_ok(const char *);
static int	digits(const char *, size_t, int *);
static int	is_leap(int);
static int	date_exists(const struct ymd *);
static int	ymd_cmp(const struct ymd *, const struct ymd *);
static int64_t	days_from_civil(const struct ymd *);
static void	civil_from_days(int64_t, struct ymd *);
static int	valid_ipv4(const char *, size_t);
static int	valid_ipv6(const char *, size_t);
static int	valid_dns(const char *, size_t);
static int	valid_port(const char *, size_t);

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || is_digit(c);
}

/*
 * The common shape of org ids and function names: len bytes at s, a
 * lowercase letter or digit first, then letters, digits or any of extra.
 */
static int
valid_name(const char *s, size_t len, size_t max, const char *extra)
{
	size_t	i;

	if (len == 0 || len > max || !is_lower_alnum(s[0]))
		return 0;
	for (i = 1; i < len; i++) {
		if (is_lower_alnum(s[i]))
			continue;
		if (s[i] == '\0' || strchr(extra, s[i]) == NULL)
			return 0;
	}
	return 1;
}

static int
valid_org_span(const char *s, size_t len)
{
	if (!valid_name(s, len, CAIRN_ORG_ID_MAX, ".-"))
		return 0;
	if (s[len - 1] == '.' || s[len - 1] == '-')
		return 0;
	if (memmem(s, len, "..", 2) != NULL)
		return 0;
	return 1;
}

int
cairn_valid_org_id(const char *id)
{
	if (id == NULL)
		return CAIRN_EORGID;
	if (!valid_org_span(id, strnlen(id, CAIRN_ORG_ID_MAX + 1)))
		return CAIRN_EORGID;
	return 0;
}

int
cairn_valid_function(const char *name)
{
	if (name == NULL)
		return CAIRN_EFUNCTION;
	if (!valid_name(name, strnlen(name, CAIRN_FUNCTION_MAX + 1),
	    CAIRN_FUNCTION_MAX, "._-"))
		return CAIRN_EFUNCTION;
	return 0;
}

int
cairn_valid_address(const char *addr, char *org, char *function)
{
	const char	*slash, *fn;
	size_t		 len, olen, flen;

	if (addr == NULL)
		return CAIRN_EADDRESS;
	len = strnlen(addr, CAIRN_ADDRESS_MAX + 1);
	if (len > CAIRN_ADDRESS_MAX)
		return CAIRN_EADDRESS;
	if ((slash = memchr(addr, '/', len)) == NULL)
		return CAIRN_EADDRESS;
	fn = slash + 1;
	olen = slash - addr;
	flen = len - olen - 1;
	if (memchr(fn, '/', flen) != NULL)
		return CAIRN_EADDRESS;
	if (olen == 0 || olen > CAIRN_ORG_ID_MAX ||
	    flen == 0 || flen > CAIRN_FUNCTION_MAX)
		return CAIRN_EADDRESS;
	if (!valid_org_span(addr, olen))
		return CAIRN_EORGID;
	if (!valid_name(fn, flen, CAIRN_FUNCTION_MAX, "._-"))
		return CAIRN_EFUNCTION;

	if (org != NULL) {
		memcpy(org, addr, olen);
		org[olen] = '\0';
	}
	if (function != NULL) {
		memcpy(function, fn, flen);
		function[flen] = '\0';
	}
	return 0;
}

/* Luhn over exactly ten ASCII digits, weights 2,1,2,1,... from the left. */
static int
luhn_ok(const char *d)
{
	int	i, v, sum = 0;

	for (i = 0; i < 10; i++) {
		v = d[i] - '0';
		if (i % 2 == 0) {
			v *= 2;
			if (v > 9)
				v -= 9;
		}
		sum += v;
	}
	return sum % 10 == 0;
}

/* Reads n ASCII digits at s into *v; returns 0 if any is not a digit. */
static int
digits(const char *s, size_t n, int *v)
{
	size_t	i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return 0;
		*v = *v * 10 + (s[i] - '0');
	}
	return 1;
}

int
cairn_valid_orgnr(const char *s, char *out)
{
	char	d[10];
	size_t	len, i, n;

	if (s == NULL)
		return CAIRN_EORGNR;
	len = strnlen(s, 12);
	if (len != 10 && len != 11)
		return CAIRN_EORGNR;
	if (len == 11 && s[6] != '-')
		return CAIRN_EORGNR;
	for (i = 0, n = 0; i < len; i++) {
		if (len == 11 && i == 6)
			continue;
		if (!is_digit(s[i]))
			return CAIRN_EORGNR;
		d[n++] = s[i];
	}
	if (d[2] < '2' || !luhn_ok(d))
		return CAIRN_EORGNR;
	if (out != NULL) {
		memcpy(out, d, 10);
		out[10] = '\0';
	}
	return 0;
}

static int
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
date_exists(const struct ymd *t)
{
	static const int mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int	max;

	if (t->m < 1 || t->m > 12 || t->d < 1)
		return 0;
	max = mdays[t->m - 1];
	if (t->m == 2 && is_leap(t->y))
		max = 29;
	return t->d <= max;
}

static int
ymd_cmp(const struct ymd *a, const struct ymd *b)
{
	if (a->y != b->y)
		return a->y < b->y ? -1 : 1;
	if (a->m != b->m)
		return a->m < b->m ? -1 : 1;
	if (a->d != b->d)
		return a->d < b->d ? -1 : 1;
	return 0;
}

/*
 * Proleptic Gregorian calendar, days relative to 1970-01-01, in 400-year
 * eras so that no time zone or time_t range is involved (the algorithm
 * is Howard Hinnant's, "chrono-compatible low-level date algorithms").
 */
static int64_t
days_from_civil(const struct ymd *t)
{
	int64_t	y, era, yoe, doy, doe;
	int	m = t->m, d = t->d;

	y = t->y - (m <= 2);
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, struct ymd *t)
{
	int64_t	era, doe, yoe, doy, mp, y;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	t->d = (int)(doy - (153 * mp + 2) / 5 + 1);
	t->m = (int)(mp < 10 ? mp + 3 : mp - 9);
	t->y = (int)(y + (t->m <= 2));
}

int
cairn_valid_pnr(const char *s, int64_t now_ms, char *out)
{
	char		 d[12];
	struct ymd	 birth, today;
	int64_t		 nowday;
	size_t		 len, i, n, seppos;
	char		 sep = '-';
	int		 full, yy, day;

	if (s == NULL)
		return CAIRN_EPNR;
	len = strnlen(s, 14);
	switch (len) {
	case 10:
		full = 0;
		seppos = len;
		break;
	case 11:
		full = 0;
		seppos = 6;
		sep = s[6];
		if (sep != '-' && sep != '+')
			return CAIRN_EPNR;
		break;
	case 12:
		full = 1;
		seppos = len;
		break;
	case 13:
		full = 1;
		seppos = 8;
		if (s[8] != '-')
			return CAIRN_EPNR;
		break;
	default:
		return CAIRN_EPNR;
	}
	for (i = 0, n = full ? 0 : 2; i < len; i++) {
		if (i == seppos)
			continue;
		if (!is_digit(s[i]))
			return CAIRN_EPNR;
		d[n++] = s[i];
	}

	nowday = now_ms / MS_PER_DAY;
	if (now_ms % MS_PER_DAY < 0)
		nowday--;
	civil_from_days(nowday, &today);

	(void)digits(d + 4, 2, &birth.m);
	(void)digits(d + 6, 2, &day);
	/* Coordination numbers add 60 to the day; 32..60 fails as a date. */
	birth.d = day > 60 ? day - 60 : day;
	if (full)
		(void)digits(d, 4, &birth.y);
	else {
		(void)digits(d + 2, 2, &yy);
		birth.y = today.y - today.y % 100 + yy;
		if (ymd_cmp(&birth, &today) > 0)
			birth.y -= 100;
		if (sep == '+')
			birth.y -= 100;
		d[0] = '0' + birth.y / 1000 % 10;
		d[1] = '0' + birth.y / 100 % 10;
	}
	if (birth.y < PNR_MIN_YEAR || !date_exists(&birth) ||
	    ymd_cmp(&birth, &today) > 0)
		return CAIRN_EPNRDATE;
	if (!luhn_ok(d + 2))
		return CAIRN_EPNRCHECK;

	if (out != NULL) {
		memcpy(out, d, 12);
		out[12] = '\0';
	}
	return 0;
}

int
cairn_valid_date(const char *s, int64_t *days)
{
	struct ymd	t;

	if (s == NULL || strnlen(s, 11) != 10)
		return CAIRN_EDATE;
	if (s[4] != '-' || s[7] != '-')
		return CAIRN_EDATE;
	if (!digits(s, 4, &t.y) || !digits(s + 5, 2, &t.m) ||
	    !digits(s + 8, 2, &t.d))
		return CAIRN_EDATE;
	if (t.y < DATE_MIN_YEAR || t.y > DATE_MAX_YEAR || !date_exists(&t))
		return CAIRN_EDATE;
	if (days != NULL)
		*days = days_from_civil(&t);
	return 0;
}

/*
 * Strict UTF-8 (RFC 3629): shortest form only, no surrogates, nothing
 * above U+10FFFF.  C1 controls (U+0080..U+009F) are control characters
 * too and are refused like C0 ones: terminals act on them (CSI, NEL).
 */
/*
 * Some byte of w is below 0x20, 0x7f or above it: not plain printable
 * ASCII (the usual bit tricks; exact as a yes/no for the whole word).
 */
static inline int
word_not_plain(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t high = 0x8080808080808080ULL;
	uint64_t	below = (w - 0x20 * ones) & ~w;
	uint64_t	del = (w ^ 0x7f * ones) - ones;

	del &= ~(w ^ 0x7f * ones);
	return ((below | del | w) & high) != 0;
}

int
cairn_valid_text(const char *s, size_t len, size_t max, int multiline)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i, k, n;
	uint32_t		 cp, min;
	uint64_t		 w;

	if (s == NULL || len > max)
		return CAIRN_ESTRING;
	for (i = 0; i < len; i += n) {
		/* eight plain printable ASCII bytes at a time */
		if (len - i >= 8) {
			memcpy(&w, p + i, 8);
			if (!word_not_plain(w)) {
				n = 8;
				continue;
			}
		}
		cp = p[i];
		if (cp < 0x80) {
			n = 1;
			if (cp == 0x7f || (cp < 0x20 && !(multiline &&
			    (cp == '\t' || cp == '\n' || cp == '\r'))))
				return CAIRN_ESTRING;
			continue;
		}
		if (cp >= 0xc2 && cp <= 0xdf) {
			n = 2;
			cp &= 0x1f;
			min = 0x80;
		} else if (cp >= 0xe0 && cp <= 0xef) {
			n = 3;
			cp &= 0x0f;
			min = 0x800;
		} else if (cp >= 0xf0 && cp <= 0xf4) {
			n = 4;
			cp &= 0x07;
			min = 0x10000;
		} else
			return CAIRN_ESTRING;
		if (len - i < n)
			return CAIRN_ESTRING;
		for (k = 1; k < n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return CAIRN_ESTRING;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff) ||
		    (cp >= 0x80 && cp <= 0x9f))
			return CAIRN_ESTRING;
	}
	return 0;
}

/* Dotted quad, each part 0..255 without leading zeros. */
static int
valid_ipv4(const char *s, size_t len)
{
	size_t	i, start = 0;
	int	parts = 0, v;

	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (i - start < 1 || i - start > 3)
			return 0;
		if (!digits(s + start, i - start, &v) || v > 255)
			return 0;
		if (i - start > 1 && s[start] == '0')
			return 0;
		parts++;
		start = i + 1;
	}
	return parts == 4;
}

static int
valid_ipv6(const char *s, size_t len)
{
	char		buf[INET6_ADDRSTRLEN];
	struct in6_addr	a;

	if (len == 0 || len >= sizeof(buf))
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return inet_pton(AF_INET6, buf, &a) == 1;
}

/* Dot-separated labels of [A-Za-z0-9-], 1..63 each, no '-' at the edges. */
static int
valid_dns(const char *s, size_t len)
{
	size_t	i, start = 0;
	char	c;

	if (len == 0 || len > DNS_NAME_MAX)
		return 0;
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '.') {
			c = s[i];
			if (!is_lower_alnum(c) && !(c >= 'A' && c <= 'Z') &&
			    c != '-')
				return 0;
			continue;
		}
		if (i - start < 1 || i - start > DNS_LABEL_MAX)
			return 0;
		if (s[start] == '-' || s[i - 1] == '-')
			return 0;
		start = i + 1;
	}
	return 1;
}

static int
valid_port(const char *s, size_t len)
{
	int	v;

	if (len < 1 || len > 5 || s[0] == '0')
		return 0;
	if (!digits(s, len, &v))
		return 0;
	return v >= 1 && v <= 65535;
}

int
cairn_valid_endpoint(const char *s)
{
	static const char	 scheme[] = "tcp://";
	const char		*host, *colon, *end;
	size_t			 len, hlen, i;
	int			 numeric;

	if (s == NULL)
		return CAIRN_EENDPOINT;
	len = strnlen(s, ENDPOINT_MAX + 1);
	if (len > ENDPOINT_MAX)
		return CAIRN_EENDPOINT;
	if (len < sizeof(scheme) - 1 ||
	    memcmp(s, scheme, sizeof(scheme) - 1) != 0)
		return CAIRN_EENDPOINT;
	host = s + sizeof(scheme) - 1;
	end = s + len;

	if (*host == '[') {
		if ((colon = memchr(host, ']', end - host)) == NULL)
			return CAIRN_EENDPOINT;
		if (!valid_ipv6(host + 1, colon - host - 1))
			return CAIRN_EENDPOINT;
		colon++;
		if (colon == end || *colon != ':')
			return CAIRN_EENDPOINT;
	} else {
		if ((colon = memchr(host, ':', end - host)) == NULL)
			return CAIRN_EENDPOINT;
		hlen = colon - host;
		numeric = 1;
		for (i = 0; i < hlen; i++)
			if (!is_digit(host[i]) && host[i] != '.')
				numeric = 0;
		/* An all-numeric host is an address, never a DNS name. */
		if (numeric ? !valid_ipv4(host, hlen) : !valid_dns(host, hlen))
			return CAIRN_EENDPOINT;
	}
	if (!valid_port(colon + 1, end - colon - 1))
		return CAIRN_EENDPOINT;
	return 0;
}

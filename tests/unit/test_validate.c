/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for proto/validate.c: table-driven, each case asserting the
 * exact return code (and the normalised output where there is one).
 *
 * Identity and organisation numbers below are test values whose check
 * digits were computed for these tables; none belongs to a known person.
 * 19121212-1212 is Skatteverket's published example.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "proto/validate.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* 2025-06-15T12:00:00Z */
#define NOW_MS		1749988800000LL
/* 2000-01-01T00:00:00Z */
#define Y2K_MS		946684800000LL

struct str_case {
	const char	*in;
	int		 want;
};

struct pnr_case {
	const char	*in;
	int64_t		 now_ms;
	int		 want;
	const char	*norm;
};

struct text_case {
	const char	*s;
	size_t		 len;
	size_t		 max;
	int		 multiline;
	int		 want;
};

static void	fill(char *, char, size_t);

static void
fill(char *buf, char c, size_t n)
{
	memset(buf, c, n);
	buf[n] = '\0';
}

static void
test_validate_org_id(void **state)
{
	static const struct str_case cases[] = {
		{ "a", 0 },
		{ "0", 0 },
		{ "region-skane", 0 },
		{ "kommun.malmo", 0 },
		{ "a1.b-2.c3", 0 },
		{ "9lives", 0 },
		{ "", CAIRN_EORGID },
		{ "Region-skane", CAIRN_EORGID },
		{ "region-Skane", CAIRN_EORGID },
		{ ".region", CAIRN_EORGID },
		{ "-region", CAIRN_EORGID },
		{ "region.", CAIRN_EORGID },
		{ "region-", CAIRN_EORGID },
		{ "region..skane", CAIRN_EORGID },
		{ "region_skane", CAIRN_EORGID },
		{ "region skane", CAIRN_EORGID },
		{ "region/skane", CAIRN_EORGID },
		{ "region\n", CAIRN_EORGID },
		{ "sk\xc3\xa5ne", CAIRN_EORGID },
	};
	char	buf[80];
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		int rc = cairn_valid_org_id(cases[i].in);
		if (rc != cases[i].want)
			fail_msg("org id \"%s\": got %d, want %d",
			    cases[i].in, rc, cases[i].want);
	}
	assert_int_equal(cairn_valid_org_id(NULL), CAIRN_EORGID);

	fill(buf, 'a', CAIRN_ORG_ID_MAX);
	assert_int_equal(cairn_valid_org_id(buf), 0);
	fill(buf, 'a', CAIRN_ORG_ID_MAX + 1);
	assert_int_equal(cairn_valid_org_id(buf), CAIRN_EORGID);
	fill(buf, 'a', sizeof(buf) - 1);
	assert_int_equal(cairn_valid_org_id(buf), CAIRN_EORGID);
}

static void
test_validate_function(void **state)
{
	static const struct str_case cases[] = {
		{ "elevhalsa", 0 },
		{ "bup.intake", 0 },
		{ "a_b-c.d", 0 },
		{ "0", 0 },
		{ "kurator_", 0 },
		{ "", CAIRN_EFUNCTION },
		{ "_intake", CAIRN_EFUNCTION },
		{ ".intake", CAIRN_EFUNCTION },
		{ "-intake", CAIRN_EFUNCTION },
		{ "Intake", CAIRN_EFUNCTION },
		{ "in take", CAIRN_EFUNCTION },
		{ "bup/intake", CAIRN_EFUNCTION },
		{ "bup:intake", CAIRN_EFUNCTION },
		{ "h\xc3\xa4lsa", CAIRN_EFUNCTION },
	};
	char	buf[80];
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		int rc = cairn_valid_function(cases[i].in);
		if (rc != cases[i].want)
			fail_msg("function \"%s\": got %d, want %d",
			    cases[i].in, rc, cases[i].want);
	}
	assert_int_equal(cairn_valid_function(NULL), CAIRN_EFUNCTION);

	fill(buf, 'f', CAIRN_FUNCTION_MAX);
	assert_int_equal(cairn_valid_function(buf), 0);
	fill(buf, 'f', CAIRN_FUNCTION_MAX + 1);
	assert_int_equal(cairn_valid_function(buf), CAIRN_EFUNCTION);
}

static void
test_validate_address(void **state)
{
	static const struct str_case cases[] = {
		{ "region-skane/bup.intake", 0 },
		{ "a/b", 0 },
		{ "noslash", CAIRN_EADDRESS },
		{ "a/b/c", CAIRN_EADDRESS },
		{ "a//b", CAIRN_EADDRESS },
		{ "/intake", CAIRN_EADDRESS },
		{ "region/", CAIRN_EADDRESS },
		{ "/", CAIRN_EADDRESS },
		{ "", CAIRN_EADDRESS },
		{ "Region/intake", CAIRN_EORGID },
		{ "region../intake", CAIRN_EORGID },
		{ "region./intake", CAIRN_EORGID },
		{ "region/_intake", CAIRN_EFUNCTION },
		{ "region/Intake", CAIRN_EFUNCTION },
		{ "region/in take", CAIRN_EFUNCTION },
	};
	char	org[CAIRN_ORG_ID_MAX + 1], fn[CAIRN_FUNCTION_MAX + 1];
	char	buf[CAIRN_ADDRESS_MAX + 16];
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		int rc = cairn_valid_address(cases[i].in, org, fn);
		if (rc != cases[i].want)
			fail_msg("address \"%s\": got %d, want %d",
			    cases[i].in, rc, cases[i].want);
	}
	assert_int_equal(cairn_valid_address(NULL, org, fn), CAIRN_EADDRESS);

	assert_int_equal(cairn_valid_address("region-skane/bup.intake", org,
	    fn), 0);
	assert_string_equal(org, "region-skane");
	assert_string_equal(fn, "bup.intake");
	assert_int_equal(cairn_valid_address("a/b", NULL, NULL), 0);

	/* Both halves at their maximum: exactly CAIRN_ADDRESS_MAX bytes. */
	memset(buf, 'o', CAIRN_ORG_ID_MAX);
	buf[CAIRN_ORG_ID_MAX] = '/';
	fill(buf + CAIRN_ORG_ID_MAX + 1, 'f', CAIRN_FUNCTION_MAX);
	assert_int_equal(cairn_valid_address(buf, org, fn), 0);
	assert_int_equal(strlen(org), CAIRN_ORG_ID_MAX);
	assert_int_equal(strlen(fn), CAIRN_FUNCTION_MAX);

	/* One half too long, the total still within bounds. */
	memset(buf, 'o', CAIRN_ORG_ID_MAX + 1);
	buf[CAIRN_ORG_ID_MAX + 1] = '/';
	fill(buf + CAIRN_ORG_ID_MAX + 2, 'f', 1);
	assert_int_equal(cairn_valid_address(buf, org, fn), CAIRN_EADDRESS);
	buf[0] = 'o';
	buf[1] = '/';
	fill(buf + 2, 'f', CAIRN_FUNCTION_MAX + 1);
	assert_int_equal(cairn_valid_address(buf, org, fn), CAIRN_EADDRESS);

	/* Longer than any address can be. */
	fill(buf, 'o', sizeof(buf) - 1);
	buf[10] = '/';
	assert_int_equal(cairn_valid_address(buf, org, fn), CAIRN_EADDRESS);
}

static void
test_validate_orgnr(void **state)
{
	static const struct {
		const char	*in;
		int		 want;
		const char	*norm;
	} cases[] = {
		{ "212000-1488", 0, "2120001488" },
		{ "2120001488", 0, "2120001488" },
		{ "556036-0793", 0, "5560360793" },
		{ "5560360793", 0, "5560360793" },
		/* bad Luhn */
		{ "556036-0794", CAIRN_EORGNR, NULL },
		{ "2120001489", CAIRN_EORGNR, NULL },
		{ "212000-1487", CAIRN_EORGNR, NULL },
		/* Luhn holds but third digit < 2 (personal numbers) */
		{ "551036-0794", CAIRN_EORGNR, NULL },
		{ "811218-9876", CAIRN_EORGNR, NULL },
		{ "0002291235", CAIRN_EORGNR, NULL },
		/* shape */
		{ "", CAIRN_EORGNR, NULL },
		{ "556036-079", CAIRN_EORGNR, NULL },
		{ "556036079", CAIRN_EORGNR, NULL },
		{ "55603-60793", CAIRN_EORGNR, NULL },
		{ "556036+0793", CAIRN_EORGNR, NULL },
		{ "556036 0793", CAIRN_EORGNR, NULL },
		{ "556036-07930", CAIRN_EORGNR, NULL },
		{ "5560360793x", CAIRN_EORGNR, NULL },
		{ "55603A0793", CAIRN_EORGNR, NULL },
		{ "16556036-0793", CAIRN_EORGNR, NULL },
	};
	char	out[11];
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		int rc;

		memset(out, 0, sizeof(out));
		rc = cairn_valid_orgnr(cases[i].in, out);
		if (rc != cases[i].want)
			fail_msg("orgnr \"%s\": got %d, want %d",
			    cases[i].in, rc, cases[i].want);
		if (cases[i].norm != NULL)
			assert_string_equal(out, cases[i].norm);
	}
	assert_int_equal(cairn_valid_orgnr(NULL, out), CAIRN_EORGNR);
	assert_int_equal(cairn_valid_orgnr("556036-0793", NULL), 0);
}

static void
run_pnr(const struct pnr_case *cases, size_t n)
{
	char	out[CAIRN_PNR_BYTES];
	size_t	i;

	for (i = 0; i < n; i++) {
		int rc;

		memset(out, 0, sizeof(out));
		rc = cairn_valid_pnr(cases[i].in, cases[i].now_ms, out);
		if (rc != cases[i].want)
			fail_msg("pnr \"%s\": got %d, want %d",
			    cases[i].in, rc, cases[i].want);
		if (cases[i].norm != NULL && strcmp(out, cases[i].norm) != 0)
			fail_msg("pnr \"%s\": normalised \"%s\", want \"%s\"",
			    cases[i].in, out, cases[i].norm);
	}
}

static void
test_validate_pnr_valid(void **state)
{
	static const struct pnr_case cases[] = {
		{ "19121212-1212", NOW_MS, 0, "191212121212" },
		{ "191212121212", NOW_MS, 0, "191212121212" },
		{ "811218-9876", NOW_MS, 0, "198112189876" },
		{ "8112189876", NOW_MS, 0, "198112189876" },
		{ "19811218-9876", NOW_MS, 0, "198112189876" },
		{ "198112189876", NOW_MS, 0, "198112189876" },
		{ "20000229-1235", NOW_MS, 0, "200002291235" },
		{ "000229-1235", NOW_MS, 0, "200002291235" },
		{ "20240229-1237", NOW_MS, 0, "202402291237" },
		/* born today */
		{ "250615-1238", NOW_MS, 0, "202506151238" },
		{ "20250615-1238", NOW_MS, 0, "202506151238" },
	};

	(void)state;
	run_pnr(cases, NELEM(cases));
	assert_int_equal(cairn_valid_pnr("811218-9876", NOW_MS, NULL), 0);
}

static void
test_validate_pnr_century(void **state)
{
	static const struct pnr_case cases[] = {
		/* most recent century that is not in the future */
		{ "121212-1212", NOW_MS, 0, "201212121212" },
		{ "250616-1237", NOW_MS, 0, "192506161237" },
		{ "991231-1231", NOW_MS, 0, "199912311231" },
		{ "000101-1238", Y2K_MS, 0, "200001011238" },
		{ "000102-1237", Y2K_MS, 0, "190001021237" },
		{ "991231-1231", Y2K_MS, 0, "199912311231" },
		/* before 1970: the day is floored, not truncated */
		{ "691231-1237", -1, 0, "196912311237" },
		{ "700101-1233", -1, 0, "187001011233" },
		{ "700101-1233", 0, 0, "197001011233" },
	};

	(void)state;
	run_pnr(cases, NELEM(cases));
}

static void
test_validate_pnr_plus(void **state)
{
	static const struct pnr_case cases[] = {
		{ "121212+1212", NOW_MS, 0, "191212121212" },
		{ "250615+1238", NOW_MS, 0, "192506151238" },
		{ "250616+1237", NOW_MS, 0, "182506161237" },
		{ "811218+9876", NOW_MS, 0, "188112189876" },
		/* 1900 is not a leap year, 2000 is */
		{ "000229+1235", NOW_MS, CAIRN_EPNRDATE, NULL },
		{ "000229-1235", NOW_MS, 0, "200002291235" },
		/* '+' only in the 10-digit form */
		{ "19121212+1212", NOW_MS, CAIRN_EPNR, NULL },
	};

	(void)state;
	run_pnr(cases, NELEM(cases));
}

static void
test_validate_pnr_coordination(void **state)
{
	static const struct pnr_case cases[] = {
		{ "701063-2391", NOW_MS, 0, "197010632391" },
		{ "19701063-2391", NOW_MS, 0, "197010632391" },
		{ "230561-1234", NOW_MS, 0, "202305611234" },
		{ "811261-1234", NOW_MS, 0, "198112611234" },
		{ "810191-1231", NOW_MS, 0, "198101911231" },
		/* day 60 is day 0; 92 is day 32; 32..60 is neither kind */
		{ "230560-1235", NOW_MS, CAIRN_EPNRDATE, NULL },
		{ "810192-1230", NOW_MS, CAIRN_EPNRDATE, NULL },
		{ "810132-1233", NOW_MS, CAIRN_EPNRDATE, NULL },
		/* 2025-06-16 as a coordination number is still tomorrow */
		{ "20250676-1234", NOW_MS, CAIRN_EPNRDATE, NULL },
		{ "250676-1234", NOW_MS, 0, "192506761234" },
		{ "701063-2392", NOW_MS, CAIRN_EPNRCHECK, NULL },
	};

	(void)state;
	run_pnr(cases, NELEM(cases));
}

static void
test_validate_pnr_bad_checksum(void **state)
{
	static const struct pnr_case cases[] = {
		{ "19121212-1213", NOW_MS, CAIRN_EPNRCHECK, NULL },
		{ "811218-9875", NOW_MS, CAIRN_EPNRCHECK, NULL },
		{ "8112189870", NOW_MS, CAIRN_EPNRCHECK, NULL },
		{ "198112189877", NOW_MS, CAIRN_EPNRCHECK, NULL },
		{ "811218+9877", NOW_MS, CAIRN_EPNRCHECK, NULL },
		/* transposed digits */
		{ "811218-9786", NOW_MS, CAIRN_EPNRCHECK, NULL },
	};

	(void)state;
	run_pnr(cases, NELEM(cases));
}

static void
test_validate_pnr_bad_date(void **state)
{
	/* Every case has a correct check digit: only the date is wrong. */
	static const struct pnr_case cases[] = {
		{ "19990230-1234", NOW_MS, CAIRN_EPNRDATE, NULL },
		{ "990230-1234", NOW_MS, CAIRN_EPNRDATE, NULL },
		{ "20010229-1234", NOW_MS, CAIRN_EPNRDATE, NULL },
		{ "19810229-1237", NOW_MS, CAIRN_EPNRDATE, NULL },
		{ "19000229-1235", NOW_MS, CAIRN_EPNRDATE, NULL },
		{ "19811318-1237", NOW_MS, CAIRN_EPNRDATE, NULL },
		{ "811318-1237", NOW_MS, CAIRN_EPNRDATE, NULL },
		{ "810000-1232", NOW_MS, CAIRN_EPNRDATE, NULL },
		{ "19811200-1238", NOW_MS, CAIRN_EPNRDATE, NULL },
		{ "17991231-1231", NOW_MS, CAIRN_EPNRDATE, NULL },
	};

	(void)state;
	run_pnr(cases, NELEM(cases));
}

static void
test_validate_pnr_future(void **state)
{
	static const struct pnr_case cases[] = {
		{ "20250616-1237", NOW_MS, CAIRN_EPNRDATE, NULL },
		{ "20260101-1238", NOW_MS, CAIRN_EPNRDATE, NULL },
		{ "20000229-1235", Y2K_MS, CAIRN_EPNRDATE, NULL },
		{ "19700101-1233", -1, CAIRN_EPNRDATE, NULL },
		{ "20250615-1238", NOW_MS, 0, "202506151238" },
	};

	(void)state;
	run_pnr(cases, NELEM(cases));
}

static void
test_validate_pnr_shape(void **state)
{
	static const struct pnr_case cases[] = {
		{ "", NOW_MS, CAIRN_EPNR, NULL },
		{ "811218", NOW_MS, CAIRN_EPNR, NULL },
		{ "811218-987", NOW_MS, CAIRN_EPNR, NULL },
		{ "811218987", NOW_MS, CAIRN_EPNR, NULL },
		{ "811218-98760", NOW_MS, CAIRN_EPNR, NULL },
		{ "81121898760", NOW_MS, CAIRN_EPNR, NULL },
		{ "1981121898760", NOW_MS, CAIRN_EPNR, NULL },
		{ "19811218-98760", NOW_MS, CAIRN_EPNR, NULL },
		{ "8112189876x", NOW_MS, CAIRN_EPNR, NULL },
		{ "811218-9876 ", NOW_MS, CAIRN_EPNR, NULL },
		{ "811218-9876\n", NOW_MS, CAIRN_EPNR, NULL },
		{ " 811218-9876", NOW_MS, CAIRN_EPNR, NULL },
		{ "811218 9876", NOW_MS, CAIRN_EPNR, NULL },
		{ "811218*9876", NOW_MS, CAIRN_EPNR, NULL },
		{ "81121-89876", NOW_MS, CAIRN_EPNR, NULL },
		{ "1981121-89876", NOW_MS, CAIRN_EPNR, NULL },
		{ "19811218 9876", NOW_MS, CAIRN_EPNR, NULL },
		{ "81121A-9876", NOW_MS, CAIRN_EPNR, NULL },
		{ "811218-98A6", NOW_MS, CAIRN_EPNR, NULL },
		{ "ABCDEF-GHIJ", NOW_MS, CAIRN_EPNR, NULL },
		{ "-811218987", NOW_MS, CAIRN_EPNR, NULL },
		{ "19811218--9876", NOW_MS, CAIRN_EPNR, NULL },
	};

	(void)state;
	run_pnr(cases, NELEM(cases));
	assert_int_equal(cairn_valid_pnr(NULL, NOW_MS, NULL), CAIRN_EPNR);
}

static void
test_validate_date(void **state)
{
	static const struct {
		const char	*in;
		int		 want;
		int64_t		 days;
	} cases[] = {
		{ "1970-01-01", 0, 0 },
		{ "1969-12-31", 0, -1 },
		{ "1970-01-02", 0, 1 },
		{ "2000-02-29", 0, 11016 },
		{ "2025-06-15", 0, 20254 },
		{ "1900-01-01", 0, -25567 },
		{ "9999-12-31", 0, 2932896 },
		{ "1900-02-29", CAIRN_EDATE, 0 },
		{ "2001-02-29", CAIRN_EDATE, 0 },
		{ "2100-02-29", CAIRN_EDATE, 0 },
		{ "2025-13-01", CAIRN_EDATE, 0 },
		{ "2025-00-10", CAIRN_EDATE, 0 },
		{ "2025-04-31", CAIRN_EDATE, 0 },
		{ "2025-01-00", CAIRN_EDATE, 0 },
		{ "2025-01-32", CAIRN_EDATE, 0 },
		{ "1899-12-31", CAIRN_EDATE, 0 },
		{ "0000-01-01", CAIRN_EDATE, 0 },
		{ "", CAIRN_EDATE, 0 },
		{ "2025-1-01", CAIRN_EDATE, 0 },
		{ "2025-01-1", CAIRN_EDATE, 0 },
		{ "2025/01/01", CAIRN_EDATE, 0 },
		{ "20250101", CAIRN_EDATE, 0 },
		{ "2025-01-01T", CAIRN_EDATE, 0 },
		{ "2025-01-01 ", CAIRN_EDATE, 0 },
		{ " 2025-01-01", CAIRN_EDATE, 0 },
		{ "+025-01-01", CAIRN_EDATE, 0 },
		{ "2025-0a-01", CAIRN_EDATE, 0 },
		{ "2025--1-01", CAIRN_EDATE, 0 },
		{ "10000-01-01", CAIRN_EDATE, 0 },
	};
	int64_t	days;
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		int rc;

		days = 12345;
		rc = cairn_valid_date(cases[i].in, &days);
		if (rc != cases[i].want)
			fail_msg("date \"%s\": got %d, want %d",
			    cases[i].in, rc, cases[i].want);
		if (rc == 0 && days != cases[i].days)
			fail_msg("date \"%s\": %lld days, want %lld",
			    cases[i].in, (long long)days,
			    (long long)cases[i].days);
	}
	assert_int_equal(cairn_valid_date(NULL, &days), CAIRN_EDATE);
	assert_int_equal(cairn_valid_date("2024-02-29", NULL), 0);
}

/* Consecutive dates must give consecutive day numbers, 1900..2100. */
static void
test_validate_date_continuous(void **state)
{
	static const int mdays[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	char	buf[40];
	int64_t	days, want = -25567;
	int	y, m, d, last;

	(void)state;
	for (y = 1900; y <= 2100; y++) {
		for (m = 1; m <= 12; m++) {
			last = mdays[m - 1];
			if (m == 2 && ((y % 4 == 0 && y % 100 != 0) ||
			    y % 400 == 0))
				last = 29;
			for (d = 1; d <= last; d++) {
				snprintf(buf, sizeof(buf), "%04d-%02d-%02d",
				    y, m, d);
				assert_int_equal(cairn_valid_date(buf, &days),
				    0);
				assert_int_equal(days, want);
				want++;
			}
			snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y, m,
			    last + 1);
			assert_int_equal(cairn_valid_date(buf, &days),
			    CAIRN_EDATE);
		}
	}
}

#define TX(lit, max, ml, want)	{ lit, sizeof(lit) - 1, max, ml, want }

static void
test_validate_text(void **state)
{
	static const struct text_case cases[] = {
		TX("", 10, 0, 0),
		TX("hello", 10, 0, 0),
		TX("h\xc3\xa4ls\xc3\xa4", 10, 0, 0),
		TX("\xe2\x82\xac", 10, 0, 0),
		TX("\xf0\x9f\x98\x80", 10, 0, 0),
		TX("\xc2\xa0", 10, 0, 0),
		TX("\xe0\xa0\x80", 10, 0, 0),
		TX("\xef\xbf\xbd", 10, 0, 0),
		TX("\xed\x9f\xbf", 10, 0, 0),
		TX("\xee\x80\x80", 10, 0, 0),
		TX("\xf0\x90\x80\x80", 10, 0, 0),
		TX("\xf4\x8f\xbf\xbf", 10, 0, 0),
		/* overlong forms */
		TX("\xc0\xaf", 10, 0, CAIRN_ESTRING),
		TX("\xc0\x80", 10, 0, CAIRN_ESTRING),
		TX("\xc1\xbf", 10, 0, CAIRN_ESTRING),
		TX("\xe0\x80\xaf", 10, 0, CAIRN_ESTRING),
		TX("\xe0\x9f\xbf", 10, 0, CAIRN_ESTRING),
		TX("\xf0\x80\x80\xaf", 10, 0, CAIRN_ESTRING),
		TX("\xf0\x8f\xbf\xbf", 10, 0, CAIRN_ESTRING),
		/* surrogates */
		TX("\xed\xa0\x80", 10, 0, CAIRN_ESTRING),
		TX("\xed\xbf\xbf", 10, 0, CAIRN_ESTRING),
		TX("\xed\xa0\xbd\xed\xb8\x80", 10, 0, CAIRN_ESTRING),
		/* above U+10FFFF, bytes that never occur */
		TX("\xf4\x90\x80\x80", 10, 0, CAIRN_ESTRING),
		TX("\xf5\x80\x80\x80", 10, 0, CAIRN_ESTRING),
		TX("\xf8\x88\x80\x80\x80", 10, 0, CAIRN_ESTRING),
		TX("\xfe", 10, 0, CAIRN_ESTRING),
		TX("\xff", 10, 0, CAIRN_ESTRING),
		/* stray continuation, truncated sequences, bad continuation */
		TX("\x80", 10, 0, CAIRN_ESTRING),
		TX("a\xbf", 10, 0, CAIRN_ESTRING),
		TX("\xc3", 10, 0, CAIRN_ESTRING),
		TX("a\xe2\x82", 10, 0, CAIRN_ESTRING),
		TX("\xf0\x9f\x98", 10, 0, CAIRN_ESTRING),
		TX("\xc3(", 10, 0, CAIRN_ESTRING),
		TX("\xe2\x28\xac", 10, 0, CAIRN_ESTRING),
		TX("\xf0\x9f\x98\xc3\xa4", 10, 0, CAIRN_ESTRING),
		/* control characters */
		TX("a\x01" "b", 10, 0, CAIRN_ESTRING),
		TX("\x1b[31m", 10, 0, CAIRN_ESTRING),
		TX("\x7f", 10, 0, CAIRN_ESTRING),
		TX("\x7f", 10, 1, CAIRN_ESTRING),
		TX("a\tb", 10, 0, CAIRN_ESTRING),
		TX("a\nb", 10, 0, CAIRN_ESTRING),
		TX("a\rb", 10, 0, CAIRN_ESTRING),
		TX("a\tb", 10, 1, 0),
		TX("a\nb", 10, 1, 0),
		TX("a\r\nb\n", 10, 1, 0),
		TX("a\x0b" "b", 10, 1, CAIRN_ESTRING),
		TX("a\x0c" "b", 10, 1, CAIRN_ESTRING),
		TX("\x1b", 10, 1, CAIRN_ESTRING),
		/* C1 controls (NEL, CSI) */
		TX("\xc2\x85", 10, 1, CAIRN_ESTRING),
		TX("\xc2\x9b", 10, 0, CAIRN_ESTRING),
		TX("\xc2\x80", 10, 0, CAIRN_ESTRING),
		/* NUL within len */
		TX("a\0b", 10, 0, CAIRN_ESTRING),
		TX("a\0b", 10, 1, CAIRN_ESTRING),
		TX("\0", 10, 1, CAIRN_ESTRING),
		/* byte length against max */
		TX("abcde", 5, 0, 0),
		TX("abcde", 4, 0, CAIRN_ESTRING),
		TX("\xc3\xa5\xc3\xa5", 4, 0, 0),
		TX("\xc3\xa5\xc3\xa5", 3, 0, CAIRN_ESTRING),
		TX("", 0, 0, 0),
		TX("a", 0, 0, CAIRN_ESTRING),
	};
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		int rc = cairn_valid_text(cases[i].s, cases[i].len,
		    cases[i].max, cases[i].multiline);
		if (rc != cases[i].want)
			fail_msg("text case %zu: got %d, want %d", i, rc,
			    cases[i].want);
	}

	/* len cuts a valid sequence short */
	assert_int_equal(cairn_valid_text("\xc3\xa4", 1, 10, 0),
	    CAIRN_ESTRING);
	assert_int_equal(cairn_valid_text("\xe2\x82\xac", 2, 10, 0),
	    CAIRN_ESTRING);
	/* bytes past len are not looked at */
	assert_int_equal(cairn_valid_text("ab\x01\xff", 2, 10, 0), 0);
	assert_int_equal(cairn_valid_text(NULL, 0, 10, 0), CAIRN_ESTRING);
}

static void
test_validate_text_truncation(void **state)
{
	static const char s[] = "a\xc3\xa4\xe2\x82\xac\xf0\x9f\x98\x80z";
	/* offsets that end a whole character */
	static const size_t whole[] = { 0, 1, 3, 6, 10, 11 };
	size_t	len, k;
	int	ok;

	(void)state;
	for (len = 0; len < sizeof(s); len++) {
		ok = 0;
		for (k = 0; k < NELEM(whole); k++)
			if (whole[k] == len)
				ok = 1;
		assert_int_equal(cairn_valid_text(s, len, sizeof(s), 0),
		    ok ? 0 : CAIRN_ESTRING);
	}
}

/* the byte-at-a-time rule, as cairn_valid_text must behave */
static int
ref_text_ok(const unsigned char *p, size_t len, int multiline)
{
	size_t	 i = 0, k, n;
	uint32_t cp, min;

	while (i < len) {
		cp = p[i];
		if (cp < 0x80) {
			if (cp == 0x7f || (cp < 0x20 && !(multiline &&
			    (cp == '\t' || cp == '\n' || cp == '\r'))))
				return 0;
			i++;
			continue;
		}
		if (cp >= 0xc2 && cp <= 0xdf) {
			n = 2; cp &= 0x1f; min = 0x80;
		} else if (cp >= 0xe0 && cp <= 0xef) {
			n = 3; cp &= 0x0f; min = 0x800;
		} else if (cp >= 0xf0 && cp <= 0xf4) {
			n = 4; cp &= 0x07; min = 0x10000;
		} else
			return 0;
		if (len - i < n)
			return 0;
		for (k = 1; k < n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp <= 0x9f)
			return 0;
		i += n;
	}
	return 1;
}

/*
 * Plain ASCII is checked eight bytes at a time: every byte value at every
 * position of a word, and pairs of bytes, judged as the byte rule does.
 */
static void
test_validate_text_words(void **state)
{
	unsigned char buf[24];
	size_t	 pos, pos2, len;
	unsigned int b, b2;
	int	 ml, want, got;

	(void)state;
	for (ml = 0; ml <= 1; ml++)
	for (len = 0; len <= sizeof(buf); len += 3)
	for (pos = 0; pos < len; pos++)
	for (b = 0; b < 256; b++) {
		memset(buf, 'a', sizeof(buf));
		buf[pos] = (unsigned char)b;
		want = ref_text_ok(buf, len, ml) ? 0 : CAIRN_ESTRING;
		got = cairn_valid_text((const char *)buf, len, sizeof(buf),
		    ml);
		if (got != want)
			fail_msg("byte %02x at %zu of %zu (multiline %d): got "
			    "%d, want %d", b, pos, len, ml, got, want);
		/* with a second byte anywhere after it: 2-byte sequences */
		for (pos2 = pos + 1; pos2 < len && b % 16 == 0; pos2++)
		for (b2 = 0; b2 < 256; b2 += 5) {
			buf[pos2] = (unsigned char)b2;
			want = ref_text_ok(buf, len, ml) ? 0 : CAIRN_ESTRING;
			got = cairn_valid_text((const char *)buf, len,
			    sizeof(buf), ml);
			if (got != want)
				fail_msg("bytes %02x@%zu %02x@%zu of %zu: got "
				    "%d, want %d", b, pos, b2, pos2, len, got,
				    want);
			buf[pos2] = 'a';
		}
	}
}

static void
test_validate_endpoint(void **state)
{
	static const struct str_case cases[] = {
		{ "tcp://127.0.0.1:5555", 0 },
		{ "tcp://0.0.0.0:1", 0 },
		{ "tcp://255.255.255.255:65535", 0 },
		{ "tcp://10.0.0.1:0", CAIRN_EENDPOINT },
		{ "tcp://10.0.0.1:65536", CAIRN_EENDPOINT },
		{ "tcp://10.0.0.1:99999", CAIRN_EENDPOINT },
		{ "tcp://10.0.0.1:123456", CAIRN_EENDPOINT },
		{ "tcp://10.0.0.1:05555", CAIRN_EENDPOINT },
		{ "tcp://10.0.0.1:+5555", CAIRN_EENDPOINT },
		{ "tcp://10.0.0.1:-1", CAIRN_EENDPOINT },
		{ "tcp://10.0.0.1:55 55", CAIRN_EENDPOINT },
		{ "tcp://10.0.0.1:5555/", CAIRN_EENDPOINT },
		{ "tcp://10.0.0.1:5555 ", CAIRN_EENDPOINT },
		{ "tcp://10.0.0.1:", CAIRN_EENDPOINT },
		{ "tcp://10.0.0.1", CAIRN_EENDPOINT },
		{ "tcp://10.0.0.1:5555:6666", CAIRN_EENDPOINT },
		{ "tcp://256.0.0.1:5555", CAIRN_EENDPOINT },
		{ "tcp://1.2.3:5555", CAIRN_EENDPOINT },
		{ "tcp://1.2.3.4.5:5555", CAIRN_EENDPOINT },
		{ "tcp://01.2.3.4:5555", CAIRN_EENDPOINT },
		{ "tcp://1..3.4:5555", CAIRN_EENDPOINT },
		{ "tcp://1.2.3.4.:5555", CAIRN_EENDPOINT },
		{ "tcp://[::1]:5555", 0 },
		{ "tcp://[2001:db8::42]:7000", 0 },
		{ "tcp://[::ffff:192.0.2.1]:7000", 0 },
		{ "tcp://[::1]5555", CAIRN_EENDPOINT },
		{ "tcp://[::1]:", CAIRN_EENDPOINT },
		{ "tcp://[::1]", CAIRN_EENDPOINT },
		{ "tcp://[::1:5555", CAIRN_EENDPOINT },
		{ "tcp://::1:5555", CAIRN_EENDPOINT },
		{ "tcp://[]:5555", CAIRN_EENDPOINT },
		{ "tcp://[::g]:5555", CAIRN_EENDPOINT },
		{ "tcp://[fe80::1%eth0]:5555", CAIRN_EENDPOINT },
		{ "tcp://[127.0.0.1]:5555", CAIRN_EENDPOINT },
		{ "tcp://cairn.region-skane.se:5555", 0 },
		{ "tcp://localhost:5555", 0 },
		{ "tcp://CAIRN.Example.SE:443", 0 },
		{ "tcp://1e100.net:80", 0 },
		{ "tcp://host_name:5555", CAIRN_EENDPOINT },
		{ "tcp://-host:5555", CAIRN_EENDPOINT },
		{ "tcp://host-.se:5555", CAIRN_EENDPOINT },
		{ "tcp://a..se:5555", CAIRN_EENDPOINT },
		{ "tcp://.se:5555", CAIRN_EENDPOINT },
		{ "tcp://host.se.:5555", CAIRN_EENDPOINT },
		{ "tcp://*:5555", CAIRN_EENDPOINT },
		{ "tcp://eth0;host.se:5555", CAIRN_EENDPOINT },
		{ "tcp://h\xc3\xa4lsa.se:5555", CAIRN_EENDPOINT },
		{ "tcp://:5555", CAIRN_EENDPOINT },
		{ "tcp://", CAIRN_EENDPOINT },
		{ "127.0.0.1:5555", CAIRN_EENDPOINT },
		{ "udp://127.0.0.1:5555", CAIRN_EENDPOINT },
		{ "TCP://127.0.0.1:5555", CAIRN_EENDPOINT },
		{ "tcp:/127.0.0.1:5555", CAIRN_EENDPOINT },
		{ "ipc:///tmp/cairn", CAIRN_EENDPOINT },
		{ " tcp://127.0.0.1:5555", CAIRN_EENDPOINT },
		{ "", CAIRN_EENDPOINT },
	};
	char	buf[300], label[64];
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		int rc = cairn_valid_endpoint(cases[i].in);
		if (rc != cases[i].want)
			fail_msg("endpoint \"%s\": got %d, want %d",
			    cases[i].in, rc, cases[i].want);
	}
	assert_int_equal(cairn_valid_endpoint(NULL), CAIRN_EENDPOINT);

	/* 6 + 244 + 5 = 255 bytes: the longest endpoint there can be. */
	fill(label, 'a', 60);
	snprintf(buf, sizeof(buf), "tcp://%s.%s.%s.%sa:5555", label, label,
	    label, label);
	assert_int_equal(strlen(buf), 255);
	assert_int_equal(cairn_valid_endpoint(buf), 0);
	snprintf(buf, sizeof(buf), "tcp://%s.%s.%s.%saa:5555", label, label,
	    label, label);
	assert_int_equal(strlen(buf), 256);
	assert_int_equal(cairn_valid_endpoint(buf), CAIRN_EENDPOINT);

	/* a DNS label holds at most 63 bytes */
	fill(label, 'a', 63);
	snprintf(buf, sizeof(buf), "tcp://%s.se:5555", label);
	assert_int_equal(cairn_valid_endpoint(buf), 0);
	snprintf(buf, sizeof(buf), "tcp://%sa.se:5555", label);
	assert_int_equal(cairn_valid_endpoint(buf), CAIRN_EENDPOINT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate_org_id),
		cmocka_unit_test(test_validate_function),
		cmocka_unit_test(test_validate_address),
		cmocka_unit_test(test_validate_orgnr),
		cmocka_unit_test(test_validate_pnr_valid),
		cmocka_unit_test(test_validate_pnr_century),
		cmocka_unit_test(test_validate_pnr_plus),
		cmocka_unit_test(test_validate_pnr_coordination),
		cmocka_unit_test(test_validate_pnr_bad_checksum),
		cmocka_unit_test(test_validate_pnr_bad_date),
		cmocka_unit_test(test_validate_pnr_future),
		cmocka_unit_test(test_validate_pnr_shape),
		cmocka_unit_test(test_validate_date),
		cmocka_unit_test(test_validate_date_continuous),
		cmocka_unit_test(test_validate_text),
		cmocka_unit_test(test_validate_text_truncation),
		cmocka_unit_test(test_validate_text_words),
		cmocka_unit_test(test_validate_endpoint),
	};

	return cmocka_run_group_tests_name("validate", tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for proto/workdays.c: Easter, the holidays, working-day
 * arithmetic and due instants in Swedish local time.
 *
 * Expected values were computed independently of this code with Python
 * (datetime, dateutil.easter, zoneinfo "Europe/Stockholm"): Easter dates,
 * the yearly working-day counts (2026: 251) and every due instant below.
 * Dates go in and out as "YYYY-MM-DD" through cairn_valid_date() and
 * cairn_workdays_format(), so the tables read as calendar dates.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "proto/validate.h"
#include "proto/workdays.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

struct easter_case {
	int	year;
	int	month;
	int	mday;
};

struct holiday_case {
	const char	*date;
	const char	*name;
};

struct add_case {
	const char	*from;
	unsigned	 n;
	const char	*want;
};

struct ms_case {
	int64_t		 ms;
	unsigned	 n;
	const char	*local;
	int64_t		 due_ms;
};

static int64_t	day(const char *);
static int64_t	ymd_day(int, int, int);
static void	assert_day(int64_t, const char *);
static int	count_working(int, int);

static int64_t
day(const char *s)
{
	int64_t	d;

	assert_int_equal(cairn_valid_date(s, &d), 0);
	return d;
}

static int64_t
ymd_day(int y, int m, int d)
{
	char	buf[16];

	assert_int_equal(snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y, m, d),
	    10);
	return day(buf);
}

static void
assert_day(int64_t d, const char *want)
{
	char	buf[11];

	cairn_workdays_format(buf, d);
	assert_string_equal(buf, want);
}

/* Working days from year y0 through year y1, inclusive. */
static int
count_working(int y0, int y1)
{
	int64_t	d, last;
	int	n = 0;

	last = ymd_day(y1, 12, 31);
	for (d = ymd_day(y0, 1, 1); d <= last; d++)
		n += cairn_workdays_is_working_day(d);
	return n;
}

static void
test_workdays_easter(void **state)
{
	static const struct easter_case cases[] = {
		{ 1900, 4, 15 },
		{ 1943, 4, 25 },	/* latest possible */
		{ 1954, 4, 18 },
		{ 1961, 4, 2 },
		{ 2000, 4, 23 },
		{ 2008, 3, 23 },
		{ 2011, 4, 24 },
		{ 2019, 4, 21 },
		{ 2024, 3, 31 },
		{ 2025, 4, 20 },
		{ 2026, 4, 5 },
		{ 2027, 3, 28 },
		{ 2038, 4, 25 },
		{ 2049, 4, 18 },
		{ 2285, 3, 22 },	/* earliest possible */
		{ 9999, 3, 28 },
	};
	size_t	i;
	int	m, d;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		m = d = 0;
		assert_int_equal(cairn_workdays_easter(cases[i].year, &m, &d),
		    0);
		assert_int_equal(m, cases[i].month);
		assert_int_equal(d, cases[i].mday);
	}
}

/*
 * Every year 1900..9999, folded into one hash that Python computed from
 * dateutil.easter: h = h * 1000003 + month * 32 + mday (mod 2^64).  Each
 * Easter must also be a Sunday (day 0 was a Thursday) between 22 March
 * and 25 April, and be named as such.
 */
static void
test_workdays_easter_all_years(void **state)
{
	uint64_t	h = 0;
	int64_t		e;
	int		y, m, d;

	(void)state;
	for (y = 1900; y <= 9999; y++) {
		assert_int_equal(cairn_workdays_easter(y, &m, &d), 0);
		assert_true((m == 3 && d >= 22) || (m == 4 && d <= 25));
		h = h * 1000003 + (uint64_t)(m * 32 + d);
		e = ymd_day(y, m, d);
		assert_int_equal(((e % 7) + 7 + 3) % 7, 6);	/* Sunday */
		assert_string_equal(cairn_workdays_holiday_name(e),
		    "Påskdagen");
	}
	assert_true(h == 0xfef563831b712ddeULL);
}

static void
test_workdays_easter_invalid(void **state)
{
	int	m = -1, d = -1;

	(void)state;
	assert_int_equal(cairn_workdays_easter(1899, &m, &d), CAIRN_EINVAL);
	assert_int_equal(cairn_workdays_easter(10000, &m, &d), CAIRN_EINVAL);
	assert_int_equal(cairn_workdays_easter(-2026, &m, &d), CAIRN_EINVAL);
	assert_int_equal(cairn_workdays_easter(2026, NULL, &d), CAIRN_EINVAL);
	assert_int_equal(cairn_workdays_easter(2026, &m, NULL), CAIRN_EINVAL);
	assert_int_equal(m, -1);
	assert_int_equal(d, -1);
}

/* Walks all of 2026 and compares every holiday found with the list. */
static void
test_workdays_holidays_2026(void **state)
{
	static const struct holiday_case want[] = {
		{ "2026-01-01", "Nyårsdagen" },
		{ "2026-01-06", "Trettondedag jul" },
		{ "2026-04-03", "Långfredagen" },
		{ "2026-04-05", "Påskdagen" },
		{ "2026-04-06", "Annandag påsk" },
		{ "2026-05-01", "Första maj" },
		{ "2026-05-14", "Kristi himmelsfärdsdag" },
		{ "2026-05-24", "Pingstdagen" },
		{ "2026-06-06", "Sveriges nationaldag" },
		{ "2026-06-19", "Midsommarafton" },
		{ "2026-06-20", "Midsommardagen" },
		{ "2026-10-31", "Alla helgons dag" },
		{ "2026-12-24", "Julafton" },
		{ "2026-12-25", "Juldagen" },
		{ "2026-12-26", "Annandag jul" },
		{ "2026-12-31", "Nyårsafton" },
	};
	const char	*name;
	int64_t		 d;
	size_t		 n = 0;

	(void)state;
	assert_int_equal(NELEM(want), 16);
	for (d = day("2026-01-01"); d <= day("2026-12-31"); d++) {
		name = cairn_workdays_holiday_name(d);
		assert_int_equal(cairn_workdays_is_holiday(d), name != NULL);
		if (name == NULL)
			continue;
		assert_true(n < NELEM(want));
		assert_day(d, want[n].date);
		assert_string_equal(name, want[n].name);
		assert_int_equal(cairn_workdays_is_working_day(d), 0);
		n++;
	}
	assert_int_equal(n, NELEM(want));
}

/*
 * Midsummer Eve on the first (19 June) and last (25 June) possible day,
 * All Saints' Day on the first (31 October) and last (6 November).
 */
static void
test_workdays_floating_edges(void **state)
{
	static const struct holiday_case cases[] = {
		{ "2026-06-18", NULL },
		{ "2026-06-19", "Midsommarafton" },
		{ "2026-06-20", "Midsommardagen" },
		{ "2026-06-21", NULL },
		{ "2026-06-26", NULL },
		{ "2026-06-27", NULL },
		{ "2027-06-18", NULL },
		{ "2027-06-19", NULL },
		{ "2027-06-24", NULL },
		{ "2027-06-25", "Midsommarafton" },
		{ "2027-06-26", "Midsommardagen" },
		{ "2027-06-27", NULL },
		{ "2028-06-23", "Midsommarafton" },
		{ "2028-06-24", "Midsommardagen" },
		{ "2026-10-31", "Alla helgons dag" },
		{ "2026-11-01", NULL },
		{ "2026-11-07", NULL },
		{ "2027-10-30", NULL },
		{ "2027-10-31", NULL },
		{ "2027-11-01", NULL },
		{ "2027-11-06", "Alla helgons dag" },
		{ "2027-11-07", NULL },
		{ "2028-11-04", "Alla helgons dag" },
		{ "2021-06-25", "Midsommarafton" },
		{ "2021-11-06", "Alla helgons dag" },
		{ "2020-06-19", "Midsommarafton" },
		{ "2020-10-31", "Alla helgons dag" },
	};
	const char	*name;
	size_t		 i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		name = cairn_workdays_holiday_name(day(cases[i].date));
		if (cases[i].name == NULL)
			assert_null(name);
		else
			assert_string_equal(name, cases[i].name);
	}
}

/*
 * Ascension on 1 May (2008) and Pentecost on 6 June (1954): one holiday,
 * named for the Easter-dependent feast, so those years have 15.
 */
static void
test_workdays_coinciding(void **state)
{
	int64_t	d;
	int	n;

	(void)state;
	assert_string_equal(cairn_workdays_holiday_name(day("2008-05-01")),
	    "Kristi himmelsfärdsdag");
	assert_string_equal(cairn_workdays_holiday_name(day("1954-06-06")),
	    "Pingstdagen");
	assert_string_equal(cairn_workdays_holiday_name(day("1913-05-01")),
	    "Kristi himmelsfärdsdag");
	for (n = 0, d = day("2008-01-01"); d <= day("2008-12-31"); d++)
		n += cairn_workdays_is_holiday(d);
	assert_int_equal(n, 15);
	for (n = 0, d = day("2025-01-01"); d <= day("2025-12-31"); d++)
		n += cairn_workdays_is_holiday(d);
	assert_int_equal(n, 16);
}

static void
test_workdays_working_day(void **state)
{
	static const struct {
		const char	*date;
		int		 working;
		int		 holiday;
	} cases[] = {
		{ "2026-04-01", 1, 0 },		/* Wednesday */
		{ "2026-04-02", 1, 0 },		/* Maundy Thursday */
		{ "2026-04-03", 0, 1 },		/* Good Friday */
		{ "2026-04-04", 0, 0 },		/* Saturday */
		{ "2026-04-05", 0, 1 },		/* Easter Sunday */
		{ "2026-04-06", 0, 1 },		/* Easter Monday */
		{ "2026-04-07", 1, 0 },
		{ "2026-05-24", 0, 1 },		/* Pentecost */
		{ "2026-05-25", 1, 0 },		/* Whit Monday: working */
		{ "2026-06-06", 0, 1 },		/* National Day, Saturday */
		{ "2027-06-06", 0, 1 },		/* National Day, Sunday */
		{ "2028-06-06", 0, 1 },		/* National Day, Tuesday */
		{ "2026-01-05", 1, 0 },		/* twelfth night */
		{ "2026-12-23", 1, 0 },
		{ "2026-12-27", 0, 0 },		/* Sunday */
		{ "2026-12-28", 1, 0 },
		{ "1900-01-01", 0, 1 },
		{ "1900-01-02", 1, 0 },
		{ "9999-12-30", 1, 0 },		/* Thursday */
		{ "9999-12-31", 0, 1 },
	};
	int64_t	d;
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		d = day(cases[i].date);
		assert_int_equal(cairn_workdays_is_working_day(d),
		    cases[i].working);
		assert_int_equal(cairn_workdays_is_holiday(d),
		    cases[i].holiday);
	}
}

static void
test_workdays_out_of_range(void **state)
{
	static const int64_t days[] = {
		CAIRN_WORKDAYS_MIN_DAY - 1,	/* 1899-12-31, a Sunday */
		CAIRN_WORKDAYS_MIN_DAY - 2,	/* a Saturday */
		CAIRN_WORKDAYS_MIN_DAY - 4,	/* a Thursday */
		CAIRN_WORKDAYS_MAX_DAY + 1,	/* 10000-01-01 */
		CAIRN_WORKDAYS_MAX_DAY + 3,	/* a Monday */
		INT64_MIN,
		INT64_MAX,
	};
	size_t	i;

	(void)state;
	assert_int_equal(day("1900-01-01"), CAIRN_WORKDAYS_MIN_DAY);
	assert_int_equal(day("9999-12-31"), CAIRN_WORKDAYS_MAX_DAY);
	for (i = 0; i < NELEM(days); i++) {
		assert_int_equal(cairn_workdays_is_holiday(days[i]), 0);
		assert_int_equal(cairn_workdays_is_working_day(days[i]), 0);
		assert_null(cairn_workdays_holiday_name(days[i]));
		assert_true(cairn_workdays_add(days[i], 0) ==
		    CAIRN_WORKDAYS_NONE);
		assert_true(cairn_workdays_add(days[i], 1) ==
		    CAIRN_WORKDAYS_NONE);
		assert_day(days[i], "0000-00-00");
	}
}

static void
test_workdays_add(void **state)
{
	static const struct add_case cases[] = {
		/* n = 0 is the delivery day itself, working day or not */
		{ "2026-03-18", 0, "2026-03-18" },
		{ "2026-03-21", 0, "2026-03-21" },
		{ "2026-04-03", 0, "2026-04-03" },
		/* weekdays and weekends */
		{ "2026-03-16", 1, "2026-03-17" },	/* Mon -> Tue */
		{ "2026-03-16", 4, "2026-03-20" },	/* Mon -> Fri */
		{ "2026-03-16", 5, "2026-03-23" },	/* Mon -> Mon */
		{ "2026-03-20", 1, "2026-03-23" },	/* Fri -> Mon */
		{ "2026-03-21", 1, "2026-03-23" },	/* Sat -> Mon */
		{ "2026-03-22", 1, "2026-03-23" },	/* Sun -> Mon */
		{ "2026-03-22", 5, "2026-03-27" },
		{ "2026-03-20", 10, "2026-04-07" },
		/* Easter */
		{ "2026-04-02", 1, "2026-04-07" },	/* Thu -> Tue */
		{ "2026-04-03", 1, "2026-04-07" },	/* Good Friday */
		{ "2026-04-06", 1, "2026-04-07" },	/* Easter Monday */
		{ "2026-04-01", 2, "2026-04-07" },
		{ "2026-03-27", 5, "2026-04-07" },
		{ "2026-03-31", 5, "2026-04-09" },
		/* 1 May and Ascension */
		{ "2026-04-30", 1, "2026-05-04" },	/* Thu, 1 May Fri */
		{ "2026-05-13", 1, "2026-05-15" },	/* Wed, Ascension */
		{ "2026-05-13", 2, "2026-05-18" },
		{ "2026-05-12", 3, "2026-05-18" },
		{ "2008-04-30", 1, "2008-05-02" },	/* both on Thu 1 May */
		/* National Day and midsummer */
		{ "2028-06-05", 1, "2028-06-07" },
		{ "2026-06-18", 1, "2026-06-22" },
		{ "2027-06-24", 1, "2027-06-28" },
		/* Christmas and New Year */
		{ "2026-12-23", 1, "2026-12-28" },
		{ "2026-12-23", 3, "2026-12-30" },
		{ "2026-12-23", 4, "2027-01-04" },
		{ "2026-12-30", 1, "2027-01-04" },
		{ "2026-12-30", 2, "2027-01-05" },
		{ "2026-12-30", 3, "2027-01-07" },	/* Epiphany Wed */
		{ "2027-12-23", 1, "2027-12-27" },
		{ "2027-12-23", 3, "2027-12-29" },
		{ "2027-12-30", 1, "2028-01-03" },
		/* longer periods: 2026 has 251 working days */
		{ "2025-12-31", 251, "2026-12-30" },
		{ "2025-12-31", 252, "2027-01-04" },
		/* the ends of the supported range */
		{ "1900-01-01", 1, "1900-01-02" },
		{ "9999-12-29", 1, "9999-12-30" },
		{ "9999-12-30", 0, "9999-12-30" },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++)
		assert_day(cairn_workdays_add(day(cases[i].from), cases[i].n),
		    cases[i].want);
}

/*
 * For every start in 2024..2028 and n of 1..25: the result is a working
 * day, later than the start, and exactly n working days lie in between.
 */
static void
test_workdays_add_property(void **state)
{
	int64_t		from, due, d;
	unsigned	n, count;

	(void)state;
	for (from = day("2024-01-01"); from <= day("2028-12-31"); from++) {
		for (n = 1; n <= 25; n++) {
			due = cairn_workdays_add(from, n);
			assert_true(due > from);
			assert_int_equal(cairn_workdays_is_working_day(due), 1);
			for (count = 0, d = from + 1; d <= due; d++)
				count += cairn_workdays_is_working_day(d);
			assert_int_equal(count, n);
		}
	}
}

static void
test_workdays_add_overflow(void **state)
{
	(void)state;
	assert_true(cairn_workdays_add(day("9999-12-30"), 1) ==
	    CAIRN_WORKDAYS_NONE);
	assert_true(cairn_workdays_add(day("9999-12-31"), 1) ==
	    CAIRN_WORKDAYS_NONE);
	assert_true(cairn_workdays_add(day("9999-12-01"), 30) ==
	    CAIRN_WORKDAYS_NONE);
	assert_true(cairn_workdays_add(day("2026-01-01"), UINT_MAX) ==
	    CAIRN_WORKDAYS_NONE);
	assert_true(cairn_workdays_add(day("1900-01-01"), 3000000) ==
	    CAIRN_WORKDAYS_NONE);
	/* More working days than 1900..9999 holds: walks the whole range. */
	assert_true(cairn_workdays_add(day("1900-01-01"), 2500000) ==
	    CAIRN_WORKDAYS_NONE);
}

/*
 * Working days per year, counted by Python from an independent list of
 * the same holidays.
 */
static void
test_workdays_count(void **state)
{
	static const struct {
		int	y0;
		int	y1;
		int	want;
	} cases[] = {
		{ 2024, 2024, 251 },
		{ 2025, 2025, 249 },
		{ 2026, 2026, 251 },
		{ 2027, 2027, 253 },
		{ 2028, 2028, 251 },
		{ 2029, 2029, 250 },
		{ 2030, 2030, 250 },
		{ 2000, 2099, 25116 },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++)
		assert_int_equal(count_working(cases[i].y0, cases[i].y1),
		    cases[i].want);
}

/* 1970-01-01T00:00:00Z plus seconds. */
#define S(x)	((int64_t)(x) * 1000)

static void
test_workdays_local_day(void **state)
{
	static const struct {
		int64_t		 ms;
		const char	*want;
	} cases[] = {
		{ 0, "1970-01-01" },
		{ -1, "1970-01-01" },			/* 00:59:59.999 */
		{ -S(3600), "1970-01-01" },		/* local midnight */
		{ -S(3600) - 1, "1969-12-31" },
		{ S(82800) - 1, "1970-01-01" },		/* 22:59:59.999Z */
		{ S(82800), "1970-01-02" },		/* 23:00Z */
		/* winter: local midnight is 23:00Z */
		{ 1768517940000LL, "2026-01-15" },	/* 22:59Z */
		{ 1768519800000LL, "2026-01-16" },	/* 23:30Z */
		{ 1798757999999LL, "2026-12-31" },
		{ 1798758000000LL, "2027-01-01" },	/* 2026-12-31 23:00Z */
		/* summer: local midnight is 22:00Z */
		{ 1782856740000LL, "2026-06-30" },	/* 21:59Z */
		{ 1782856800000LL, "2026-07-01" },	/* 22:00Z */
		/* around the switches */
		{ 1774740600000LL, "2026-03-29" },	/* 03-28 23:30Z */
		{ 1774744200000LL, "2026-03-29" },	/* 00:30Z, CET */
		{ 1774821599999LL, "2026-03-29" },	/* 21:59:59.999Z */
		{ 1774821600000LL, "2026-03-30" },	/* 22:00Z, CEST */
		{ 1792881000000LL, "2026-10-25" },	/* 10-24 22:30Z */
		{ 1792888200000LL, "2026-10-25" },	/* 00:30Z, CEST */
		{ 1792969199999LL, "2026-10-25" },
		{ 1792969200000LL, "2026-10-26" },	/* 23:00Z, CET */
		{ -2208992400000LL, "1900-01-01" },	/* local midnight */
		{ -2208992400001LL, "0000-00-00" },	/* 1899 */
	};
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++)
		assert_day(cairn_workdays_local_day(cases[i].ms),
		    cases[i].want);
	/* Total over int64_t: both ends fall at UTC 07:12 and 16:47. */
	assert_true(cairn_workdays_local_day(INT64_MAX) == 106751991167LL);
	assert_true(cairn_workdays_local_day(INT64_MIN) == -106751991168LL);
}

static void
test_workdays_due_ms(void **state)
{
	static const struct ms_case cases[] = {
		/* DST starts 2026-03-29 01:00Z: CET before, CEST after */
		{ 1774744200000LL, 0, "2026-03-29", 1774821599999LL },
		{ 1774744200000LL, 1, "2026-03-30", 1774907999999LL },
		{ 1774740600000LL, 2, "2026-03-31", 1774994399999LL },
		{ 1774526400000LL, 1, "2026-03-27", 1774652399999LL },
		/* DST ends 2026-10-25 01:00Z */
		{ 1792888200000LL, 0, "2026-10-25", 1792969199999LL },
		{ 1792888200000LL, 1, "2026-10-26", 1793055599999LL },
		{ 1792884600000LL, 0, "2026-10-25", 1792969199999LL },
		{ 1792881000000LL, 5, "2026-10-30", 1793401199999LL },
		/* local midnight: 23:30Z in winter is the next day */
		{ 1768519800000LL, 1, "2026-01-19", 1768863599999LL },
		{ 1768517940000LL, 1, "2026-01-16", 1768604399999LL },
		{ 1782856800000LL, 0, "2026-07-01", 1782943199999LL },
		{ 1782856740000LL, 0, "2026-06-30", 1782856799999LL },
		{ 1798757940000LL, 0, "2026-12-31", 1798757999999LL },
		{ 1798758000000LL, 0, "2027-01-01", 1798844399999LL },
		/* holidays */
		{ 1775120400000LL, 1, "2026-04-07", 1775599199999LL },
		{ 1798016400000LL, 3, "2026-12-30", 1798671599999LL },
		{ 1778662800000LL, 1, "2026-05-15", 1778882399999LL },
	};
	int64_t	due;
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		due = cairn_workdays_due_ms(cases[i].ms, cases[i].n);
		assert_true(due == cases[i].due_ms);
		assert_day(cairn_workdays_local_day(due), cases[i].local);
		assert_true(cairn_workdays_local_day(due + 1) ==
		    cairn_workdays_local_day(due) + 1);
	}
}

static void
test_workdays_due_ms_range(void **state)
{
	(void)state;
	/* 1899-12-31 23:59 local, 1900-01-01 00:00 local */
	assert_true(cairn_workdays_due_ms(-2208992400001LL, 0) ==
	    CAIRN_WORKDAYS_NONE);
	assert_true(cairn_workdays_due_ms(-2208992400000LL, 0) ==
	    -2208906000001LL);
	/* 9999-12-31 local ends at 22:59:59.999Z */
	assert_true(cairn_workdays_due_ms(253402297199999LL, 0) ==
	    253402297199999LL);
	assert_true(cairn_workdays_due_ms(253402297199999LL, 1) ==
	    CAIRN_WORKDAYS_NONE);
	assert_true(cairn_workdays_due_ms(253402297200000LL, 0) ==
	    CAIRN_WORKDAYS_NONE);
	assert_true(cairn_workdays_due_ms(INT64_MAX, 1) ==
	    CAIRN_WORKDAYS_NONE);
	assert_true(cairn_workdays_due_ms(INT64_MIN, 1) ==
	    CAIRN_WORKDAYS_NONE);
}

static void
test_workdays_format(void **state)
{
	static const struct {
		int64_t		 day;
		const char	*want;
	} cases[] = {
		{ 0, "1970-01-01" },
		{ -1, "1969-12-31" },
		{ 59, "1970-03-01" },
		{ 11016, "2000-02-29" },
		{ 20454, "2026-01-01" },
		{ CAIRN_WORKDAYS_MIN_DAY, "1900-01-01" },
		{ CAIRN_WORKDAYS_MAX_DAY, "9999-12-31" },
		{ CAIRN_WORKDAYS_MIN_DAY - 1, "0000-00-00" },
		{ CAIRN_WORKDAYS_MAX_DAY + 1, "0000-00-00" },
	};
	char	buf[11];
	int64_t	d, back;
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++)
		assert_day(cases[i].day, cases[i].want);
	/* Round trip with cairn_valid_date() over the whole range. */
	for (d = CAIRN_WORKDAYS_MIN_DAY; d <= CAIRN_WORKDAYS_MAX_DAY; d++) {
		cairn_workdays_format(buf, d);
		assert_int_equal(cairn_valid_date(buf, &back), 0);
		assert_true(back == d);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_workdays_easter),
		cmocka_unit_test(test_workdays_easter_all_years),
		cmocka_unit_test(test_workdays_easter_invalid),
		cmocka_unit_test(test_workdays_holidays_2026),
		cmocka_unit_test(test_workdays_floating_edges),
		cmocka_unit_test(test_workdays_coinciding),
		cmocka_unit_test(test_workdays_working_day),
		cmocka_unit_test(test_workdays_out_of_range),
		cmocka_unit_test(test_workdays_add),
		cmocka_unit_test(test_workdays_add_property),
		cmocka_unit_test(test_workdays_add_overflow),
		cmocka_unit_test(test_workdays_count),
		cmocka_unit_test(test_workdays_local_day),
		cmocka_unit_test(test_workdays_due_ms),
		cmocka_unit_test(test_workdays_due_ms_range),
		cmocka_unit_test(test_workdays_format),
	};

	return cmocka_run_group_tests_name("workdays", tests, NULL, NULL);
}

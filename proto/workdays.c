/* SPDX-License-Identifier: MIT */
/*
 * Swedish working days and due dates for the contact guarantee (see
 * workdays.h for the contract and the list of holidays).
 *
 * Pure functions over day numbers and instants: no allocation, no I/O, no
 * locale, no TZ database.  The calendar is proleptic Gregorian, Easter
 * comes from the anonymous Gregorian algorithm and Swedish summer time
 * from the EU rule, all computed here.  What a guarantee period is and
 * what happens when it runs out is the workflow's business.
 */
#include <stddef.h>
#include <stdint.h>

#include "proto/workdays.h"

#define MS_PER_HOUR	3600000LL
#define MS_PER_DAY	86400000LL
#define MIN_YEAR	1900
#define MAX_YEAR	9999

enum weekday {
	MON, TUE, WED, THU, FRI, SAT, SUN
};

struct ymd {
	int64_t	y;
	int	m;
	int	d;
};

struct fixed_holiday {
	int		 m;
	int		 d;
	const char	*name;
};

/* Offsets from Easter Sunday. */
struct easter_holiday {
	int		 off;
	const char	*name;
};

static const struct fixed_holiday fixed_holidays[] = {
	{ 1, 1, "Nyårsdagen" },
	{ 1, 6, "Trettondedag jul" },
	{ 5, 1, "Första maj" },
	{ 6, 6, "Sveriges nationaldag" },
	{ 12, 24, "Julafton" },
	{ 12, 25, "Juldagen" },
	{ 12, 26, "Annandag jul" },
	{ 12, 31, "Nyårsafton" },
};

static const struct easter_holiday easter_holidays[] = {
	{ -2, "Långfredagen" },
	{ 0, "Påskdagen" },
	{ 1, "Annandag påsk" },
	{ 39, "Kristi himmelsfärdsdag" },
	{ 49, "Pingstdagen" },
};

static int	in_range(int64_t);
static int64_t	days_from_civil(int64_t, int, int);
static void	civil_from_days(int64_t, struct ymd *);
static enum weekday weekday(int64_t);
static void	easter(int, int *, int *);
static int64_t	last_sunday(int64_t, int);
static int64_t	utc_offset(int64_t, int64_t);
static int64_t	local_midnight(int64_t);

static int
in_range(int64_t day)
{
	return day >= CAIRN_WORKDAYS_MIN_DAY && day <= CAIRN_WORKDAYS_MAX_DAY;
}

/*
 * Day number of a proleptic Gregorian date, after Howard Hinnant's
 * days_from_civil: years start on 1 March so that the leap day is last.
 */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, struct ymd *t)
{
	int64_t	era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	t->d = (int)(doy - (153 * mp + 2) / 5 + 1);
	t->m = (int)(mp < 10 ? mp + 3 : mp - 9);
	t->y = yoe + era * 400 + (t->m <= 2);
}

static enum weekday
weekday(int64_t day)
{
	/* 1970-01-01 was a Thursday. */
	return (enum weekday)(((day % 7) + 7 + THU) % 7);
}

static void
easter(int year, int *month, int *mday)
{
	int	a, b, c, d, e, f, g, h, i, k, l, m;

	a = year % 19;
	b = year / 100;
	c = year % 100;
	d = b / 4;
	e = b % 4;
	f = (b + 8) / 25;
	g = (b - f + 1) / 3;
	h = (19 * a + b - d - g + 15) % 30;
	i = c / 4;
	k = c % 4;
	l = (32 + 2 * e + 2 * i - h - k) % 7;
	m = (a + 11 * h + 22 * l) / 451;
	*month = (h + l - 7 * m + 114) / 31;
	*mday = (h + l - 7 * m + 114) % 31 + 1;
}

static int64_t
last_sunday(int64_t year, int month)
{
	int64_t	last;

	last = days_from_civil(year, month, 31);
	return last - (weekday(last) + 1) % 7;
}

/*
 * Offset of Swedish local time from UTC at the instant given as UTC day
 * and milliseconds into that day.  Comparing (day, ms) pairs rather than
 * instants keeps this free of overflow for every int64_t instant.
 */
static int64_t
utc_offset(int64_t day, int64_t ms)
{
	struct ymd	t;
	int64_t		start, end;

	civil_from_days(day, &t);
	start = last_sunday(t.y, 3);
	end = last_sunday(t.y, 10);
	if ((day > start || (day == start && ms >= MS_PER_HOUR)) &&
	    (day < end || (day == end && ms < MS_PER_HOUR)))
		return 2 * MS_PER_HOUR;
	return MS_PER_HOUR;
}

/*
 * The UTC instant at which Swedish local day `day` begins.  The clocks
 * change at 01:00 UTC, never between 22:00 and 24:00 UTC, so the offset
 * at 23:00 UTC of the day before is the one in force at local midnight.
 */
static int64_t
local_midnight(int64_t day)
{
	return day * MS_PER_DAY - utc_offset(day - 1, 23 * MS_PER_HOUR);
}

int
cairn_workdays_is_holiday(int64_t day)
{
	return cairn_workdays_holiday_name(day) != NULL;
}

int
cairn_workdays_is_working_day(int64_t day)
{
	if (!in_range(day) || weekday(day) >= SAT)
		return 0;
	return !cairn_workdays_is_holiday(day);
}

const char *
cairn_workdays_holiday_name(int64_t day)
{
	struct ymd	t;
	enum weekday	wd;
	int64_t		off;
	int		em, ed;
	size_t		i;

	if (!in_range(day))
		return NULL;
	civil_from_days(day, &t);
	easter((int)t.y, &em, &ed);
	off = day - days_from_civil(t.y, em, ed);
	for (i = 0; i < sizeof(easter_holidays) / sizeof(easter_holidays[0]);
	    i++)
		if (off == easter_holidays[i].off)
			return easter_holidays[i].name;
	for (i = 0; i < sizeof(fixed_holidays) / sizeof(fixed_holidays[0]);
	    i++)
		if (t.m == fixed_holidays[i].m && t.d == fixed_holidays[i].d)
			return fixed_holidays[i].name;
	wd = weekday(day);
	if (t.m == 6 && wd == FRI && t.d >= 19 && t.d <= 25)
		return "Midsommarafton";
	if (t.m == 6 && wd == SAT && t.d >= 20 && t.d <= 26)
		return "Midsommardagen";
	if (wd == SAT && ((t.m == 10 && t.d == 31) || (t.m == 11 && t.d <= 6)))
		return "Alla helgons dag";
	return NULL;
}

int64_t
cairn_workdays_add(int64_t day, unsigned n)
{
	if (!in_range(day))
		return CAIRN_WORKDAYS_NONE;
	/* Each working day takes at least one calendar day. */
	if (n > CAIRN_WORKDAYS_MAX_DAY - day)
		return CAIRN_WORKDAYS_NONE;
	while (n > 0) {
		if (++day > CAIRN_WORKDAYS_MAX_DAY)
			return CAIRN_WORKDAYS_NONE;
		if (cairn_workdays_is_working_day(day))
			n--;
	}
	return day;
}

int64_t
cairn_workdays_due_ms(int64_t delivered_ms, unsigned n)
{
	int64_t	due;

	due = cairn_workdays_add(cairn_workdays_local_day(delivered_ms), n);
	if (due == CAIRN_WORKDAYS_NONE)
		return CAIRN_WORKDAYS_NONE;
	return local_midnight(due + 1) - 1;
}

int64_t
cairn_workdays_local_day(int64_t ms)
{
	int64_t	day, rem;

	day = ms / MS_PER_DAY;
	rem = ms % MS_PER_DAY;
	if (rem < 0) {
		rem += MS_PER_DAY;
		day--;
	}
	if (rem + utc_offset(day, rem) >= MS_PER_DAY)
		day++;
	return day;
}

void
cairn_workdays_format(char out[static 11], int64_t day)
{
	struct ymd	t = { 0, 0, 0 };
	int		y;

	if (in_range(day))
		civil_from_days(day, &t);
	y = (int)t.y;
	out[0] = '0' + y / 1000;
	out[1] = '0' + y / 100 % 10;
	out[2] = '0' + y / 10 % 10;
	out[3] = '0' + y % 10;
	out[4] = '-';
	out[5] = '0' + t.m / 10;
	out[6] = '0' + t.m % 10;
	out[7] = '-';
	out[8] = '0' + t.d / 10;
	out[9] = '0' + t.d % 10;
	out[10] = '\0';
}

int
cairn_workdays_easter(int year, int *month, int *mday)
{
	if (year < MIN_YEAR || year > MAX_YEAR || month == NULL || mday == NULL)
		return CAIRN_EINVAL;
	easter(year, month, mday);
	return 0;
}

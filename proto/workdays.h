/* SPDX-License-Identifier: MIT */
/*
 * Swedish working days: the calendar behind the contact guarantee
 * (DESIGN.md section 6).  A delivered request is due a number of working
 * days after delivery; this module says which days are working days and
 * when such a period ends.
 *
 * Everything here is a pure function: no allocation, no I/O, no locale
 * and no time zone database.  Days are day numbers, the days since
 * 1970-01-01 (negative before it) on the proleptic Gregorian calendar, as
 * cairn_valid_date() produces them.  Instants are milliseconds since the
 * Unix epoch.  Swedish local time is computed here from the EU summer
 * time rule.
 *
 * Supported days are 1900-01-01 (day -25567) to 9999-12-31 (day 2932896).
 * Today's calendar is applied to each of those years; earlier Swedish
 * calendars (midsummer on 24 June before 1953, Whit Monday instead of
 * National Day until 2004, other summer time rules before 1996) are not
 * reproduced.
 *
 * This module does not know what a guarantee period is for a function,
 * nor whether a request is overdue; the workflow decides that.
 */
#ifndef CAIRN_PROTO_WORKDAYS_H
#define CAIRN_PROTO_WORKDAYS_H

#include <stdint.h>

#include "proto/error.h"

/* First and last supported day numbers: 1900-01-01 and 9999-12-31. */
#define CAIRN_WORKDAYS_MIN_DAY	(-25567LL)
#define CAIRN_WORKDAYS_MAX_DAY	2932896LL

/*
 * What cairn_workdays_add() and cairn_workdays_due_ms() return when the
 * start or the result lies outside the supported days.  No day number or
 * instant in the supported range has this value.
 */
#define CAIRN_WORKDAYS_NONE	INT64_MIN

/*
 * Holidays are the Swedish public holidays together with the eves that
 * are days off in practice:
 *
 *	Nyårsdagen		1 January
 *	Trettondedag jul	6 January
 *	Långfredagen		Easter Sunday - 2
 *	Påskdagen		Easter Sunday
 *	Annandag påsk		Easter Sunday + 1
 *	Första maj		1 May
 *	Kristi himmelsfärdsdag	Easter Sunday + 39
 *	Pingstdagen		Easter Sunday + 49
 *	Sveriges nationaldag	6 June
 *	Midsommarafton		the Friday from 19 to 25 June
 *	Midsommardagen		the Saturday from 20 to 26 June
 *	Alla helgons dag	the Saturday from 31 October to 6 November
 *	Julafton		24 December
 *	Juldagen		25 December
 *	Annandag jul		26 December
 *	Nyårsafton		31 December
 *
 * Påskdagen and Pingstdagen are always Sundays and Midsommardagen and
 * Alla helgons dag always Saturdays, so they never change the count of
 * working days; they are listed so that a day can be named.  Most years
 * have 16 holidays on 16 days.  When two fall on the same day (1 May and
 * Ascension in 1913 and 2008, 6 June and Pentecost in 1954) the day is
 * one holiday and carries the Easter-dependent name.
 */

/*
 * Returns 1 if day is one of the holidays above, 0 if it is not or lies
 * outside the supported days.
 */
int	cairn_workdays_is_holiday(int64_t day);

/*
 * Returns 1 if day is a working day: Monday to Friday and not a holiday.
 * Returns 0 otherwise, including for days outside the supported range.
 */
int	cairn_workdays_is_working_day(int64_t day);

/*
 * Returns the Swedish name of the holiday on day as a static UTF-8
 * string ("Långfredagen"), or NULL if day is not a holiday or lies
 * outside the supported days.
 */
const char	*cairn_workdays_holiday_name(int64_t day);

/*
 * The due day of a guarantee of n working days for a request delivered
 * on day: the last day on which the guarantee is in time.
 *
 * The delivery day never counts, whatever the time of delivery.  Counting
 * starts with the day after it, and the result is the day on which the
 * n-th working day has passed, which is itself a working day.  Delivered
 * on a Friday, 1 working day is the next Monday, or the Tuesday when that
 * Monday is Annandag påsk; delivered on Saturday or Sunday it is also
 * Monday.  For n = 0 the result is day itself, working day or not.
 *
 * Returns the due day number, or CAIRN_WORKDAYS_NONE if day or the due
 * day lies outside the supported days.
 */
int64_t	cairn_workdays_add(int64_t day, unsigned n);

/*
 * The deadline of a guarantee of n working days for a request delivered
 * at the instant delivered_ms: the last millisecond of the due day in
 * Swedish local time, 23:59:59.999 local.  The due day is
 * cairn_workdays_add() of the Swedish local day of delivery (see
 * cairn_workdays_local_day()).  The guarantee is in time at any instant
 * <= the returned one.
 *
 * Returns milliseconds since the epoch (UTC), or CAIRN_WORKDAYS_NONE if
 * the local delivery day or the due day lies outside the supported days.
 */
int64_t	cairn_workdays_due_ms(int64_t delivered_ms, unsigned n);

/*
 * The Swedish local calendar day of the instant ms, as a day number.
 * Swedish time is CET (UTC+1), and CEST (UTC+2) from 01:00 UTC on the
 * last Sunday of March until 01:00 UTC on the last Sunday of October.
 * That rule is applied to every year.  Defined for every int64_t; never
 * fails.
 */
int64_t	cairn_workdays_local_day(int64_t ms);

/*
 * Writes day as "YYYY-MM-DD" and a NUL into out.  A day outside the
 * supported days is written as "0000-00-00", which cairn_valid_date()
 * refuses.
 */
void	cairn_workdays_format(char out[static 11], int64_t day);

/*
 * Easter Sunday of year (Gregorian, the anonymous algorithm of Meeus,
 * Jones and Butcher): *month is 3 or 4 and *mday the day of the month.
 * Returns 0, or CAIRN_EINVAL if year is outside 1900..9999 or month or
 * mday is NULL (the outputs are then untouched).
 */
int	cairn_workdays_easter(int year, int *month, int *mday)
	    CAIRN_MUSTCHECK;

#endif

/* SPDX-License-Identifier: MIT */
/*
 * What the bench programs share: CLOCK_MONOTONIC in seconds as a
 * double, a sleep until such a time, and percentiles.  Header only:
 * each bench program is one source file.
 */
#ifndef CAIRN_BENCH_H
#define CAIRN_BENCH_H

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <time.h>

/* Seconds on CLOCK_MONOTONIC. */
static inline double
bench_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* t seconds (t >= 0) as a timespec. */
static inline void
bench_ts(struct timespec *ts, double t)
{
	ts->tv_sec = (time_t)t;
	ts->tv_nsec = (long)((t - (double)ts->tv_sec) * 1e9);
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Sleeps until bench_mono() reaches t (at once if it has). */
static inline void
bench_sleep_until(double t)
{
	struct timespec ts;

	bench_ts(&ts, t);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
	    NULL) == EINTR)
		;
}

/* qsort() comparison of doubles, ascending. */
static inline int
bench_cmp_double(const void *a, const void *b)
{
	const double *x = a, *y = b;

	return (*x > *y) - (*x < *y);
}

/* Nearest-rank p-th percentile of the n sorted values v; NAN if none. */
static inline double
bench_pct(const double *v, size_t n, double p)
{
	size_t	i;

	if (n == 0)
		return NAN;
	i = (size_t)ceil(p / 100.0 * (double)n);
	if (i > 0)
		i--;
	return v[i < n ? i : n - 1];
}

#endif /* CAIRN_BENCH_H */

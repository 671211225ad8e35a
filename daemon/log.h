/* SPDX-License-Identifier: MIT */
/*
 * log: the daemon's one logging module, shaped like OpenSMTPD's log.h.
 *
 * Every call writes one line to stderr with a single write(2), so lines
 * from concurrent writers never interleave.  When stderr is the journal
 * ($JOURNAL_STREAM names stderr's device:inode, see systemd.exec(5)) each
 * line starts with its syslog priority prefix, sd-daemon(3) style:
 *
 *	<3>fatal  <4>warning  <5>notice  <6>info  <7>debug
 *
 * Otherwise each line starts with "PROGNAME: " and the level word
 * ("fatal: ", "warning: ", "notice: ", "info: ", "debug: ").  Control
 * characters in the message (newlines above all) become spaces, so a
 * value from a peer cannot forge a line.  A line longer than
 * LOG_LINE_MAX bytes is cut short and ends in "...".
 *
 * Lines read "module: event key=value ...".  They never carry a secret,
 * a payload, a person's name or an identity number (STYLE.md §7).
 *
 * The only state is global (progname, verbosity, journal or not); every
 * function preserves errno.  Not for proto/, keys/ or libcairn: libraries
 * return, programs decide.
 */
#ifndef CAIRN_DAEMON_LOG_H
#define CAIRN_DAEMON_LOG_H

#include <stdint.h>

#define LOG_LINE_MAX		4096	/* bytes, newline included */
#define LOG_RATELIMIT_BURST	10	/* default lines per interval */
#define LOG_RATELIMIT_INTERVAL	1000	/* default interval, ms */

#define LOG_PRINTF(f, a)	__attribute__((__format__(__printf__, f, a)))

/*
 * Sets the program name used on a terminal (copied, at most 31 bytes;
 * NULL means "cairnd") and the verbosity (non-zero: log_debug lines are
 * written), and looks at $JOURNAL_STREAM to choose the line format.  May
 * be called again, e.g. after stderr was redirected.  Before the first
 * call the module logs as "cairnd", not verbose, without prefixes.
 */
void	log_init(const char *progname, int verbose);

/* Turns log_debug lines on (non-zero) or off (0). */
void	log_setverbose(int verbose);

/* Returns the current verbosity. */
int	log_getverbose(void);

/* Our own failure, at warning: the message, ": " and strerror(errno). */
void	log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);

/* Our own failure, at warning, without errno. */
void	log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);

/* Something worth an operator's attention, e.g. a peer's bad input. */
void	log_notice(const char *fmt, ...) LOG_PRINTF(1, 2);

/* Normal operation: start, stop, peers connecting. */
void	log_info(const char *fmt, ...) LOG_PRINTF(1, 2);

/* Detail for debugging; written only when verbose. */
void	log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);

/*
 * Startup failures and broken invariants only, never a peer's or a
 * client's input (STYLE.md §4).  fatal() logs the message, ": " and
 * strerror(errno); fatalx() logs the message alone; both at the error
 * priority (<3>, word "fatal: "), then exit(1).
 */
void	fatal(const char *fmt, ...) LOG_PRINTF(1, 2)
	    __attribute__((__noreturn__));
void	fatalx(const char *fmt, ...) LOG_PRINTF(1, 2)
	    __attribute__((__noreturn__));

/*
 * A rate limiter for lines a peer can cause (STYLE.md §7: peer problems
 * are logged at notice, rate limited, and always audited).  The caller
 * keeps one per kind of event (or per peer) and sets the public fields;
 * zero-initialise the rest, e.g.
 *
 *	static struct log_ratelimit rl = LOG_RATELIMIT_INIT("xport: zap", 5);
 *
 *	if (log_ratelimit(&rl, now_ms))
 *		log_notice("xport: zap: refused key=%s", hex);
 *
 * Fixed windows of interval_ms (0 means LOG_RATELIMIT_INTERVAL): at most
 * burst lines (0 means LOG_RATELIMIT_BURST) are allowed per window; the
 * rest are counted.  The first allowed call after lines were suppressed
 * first logs, at notice, "NAME: N lines suppressed" (NAME "log" when name
 * is NULL) and resets the count.  A clock that goes backwards starts a
 * new window.
 */
struct log_ratelimit {
	const char	*name;		/* public: subject of the summary */
	uint32_t	 burst;		/* public: lines per window */
	uint32_t	 interval_ms;	/* public: window length */
	int64_t		 start_ms;	/* private: start of this window */
	uint32_t	 count;		/* private: lines in this window */
	uint64_t	 suppressed;	/* private: lines refused since last */
	int		 started;	/* private: start_ms is valid */
};

#define LOG_RATELIMIT_INIT(name, burst) \
	{ (name), (burst), LOG_RATELIMIT_INTERVAL, 0, 0, 0, 0 }

/*
 * Returns 1 if the caller may log a line now (at now_ms, any monotonic
 * clock in milliseconds), 0 if the line is to be suppressed.
 */
int	log_ratelimit(struct log_ratelimit *rl, int64_t now_ms);

#endif

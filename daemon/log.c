/* SPDX-License-Identifier: MIT */
/*
 * log: one line per event on stderr (see log.h), with syslog priority
 * prefixes when stderr is the journal, and a rate limiter for lines a
 * peer can cause.
 *
 * Not a log-file writer, not syslog(3): journald (or whatever reads
 * stderr) owns storage and rotation.  The only global state in the daemon
 * besides signal flags lives here.
 */
#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/log.h"

#define PRI_FATAL	3	/* LOG_ERR */
#define PRI_WARNING	4	/* LOG_WARNING */
#define PRI_NOTICE	5	/* LOG_NOTICE */
#define PRI_INFO	6	/* LOG_INFO */
#define PRI_DEBUG	7	/* LOG_DEBUG */

#define PROGNAME_MAX	32
#define ELLIPSIS	"..."

struct line {
	char	buf[LOG_LINE_MAX];
	size_t	len;
	int	cut;
};

static struct {
	char	progname[PROGNAME_MAX];
	int	verbose;
	int	journal;
} log_state = { "cairnd", 0, 0 };

static int	stderr_is_journal(void);
static void	line_add(struct line *, const char *, ...)
		    __attribute__((__format__(__printf__, 2, 3)));
static void	line_vadd(struct line *, const char *, va_list)
		    __attribute__((__format__(__printf__, 2, 0)));
static void	line_write(struct line *);
static const char *pri_word(int);
static void	vlog(int, int, const char *, va_list)
		    __attribute__((__format__(__printf__, 3, 0)));

/*
 * systemd sets $JOURNAL_STREAM to "DEV:INO" of the stream it connected to
 * stderr; if stderr was redirected since, it names another file and the
 * prefixes would only clutter it (systemd.exec(5)).
 */
static int
stderr_is_journal(void)
{
	struct stat		 st;
	const char		*s;
	char			*end;
	unsigned long long	 dev, ino;

	if ((s = getenv("JOURNAL_STREAM")) == NULL || *s == '\0')
		return 0;
	errno = 0;
	dev = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != ':')
		return 0;
	s = end + 1;
	ino = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return 0;
	if (fstat(STDERR_FILENO, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_init(const char *progname, int verbose)
{
	int	saved = errno;

	if (progname == NULL || *progname == '\0')
		progname = "cairnd";
	snprintf(log_state.progname, sizeof(log_state.progname), "%s",
	    progname);
	log_state.verbose = verbose;
	log_state.journal = stderr_is_journal();
	errno = saved;
}

void
log_setverbose(int verbose)
{
	log_state.verbose = verbose;
}

int
log_getverbose(void)
{
	return log_state.verbose;
}

static void
line_vadd(struct line *l, const char *fmt, va_list ap)
{
	size_t	room;
	int	n;

	if (l->cut)
		return;
	/* One byte stays free for the newline. */
	room = sizeof(l->buf) - 1 - l->len;
	n = vsnprintf(l->buf + l->len, room + 1, fmt, ap);
	if (n < 0)
		return;
	if ((size_t)n > room) {
		l->len = sizeof(l->buf) - 1;
		memcpy(l->buf + l->len - strlen(ELLIPSIS), ELLIPSIS,
		    strlen(ELLIPSIS));
		l->cut = 1;
	} else
		l->len += (size_t)n;
}

static void
line_add(struct line *l, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	line_vadd(l, fmt, ap);
	va_end(ap);
}

/*
 * One write(2) per line: the kernel keeps a write of up to PIPE_BUF bytes
 * to a pipe in one piece, and journald reads a stream line by line.
 */
static void
line_write(struct line *l)
{
	const char	*p = l->buf;
	size_t		 left;
	ssize_t		 n;

	l->buf[l->len++] = '\n';
	left = l->len;
	while (left > 0) {
		n = write(STDERR_FILENO, p, left);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return;
		}
		p += n;
		left -= (size_t)n;
	}
}

static const char *
pri_word(int pri)
{
	switch (pri) {
	case PRI_FATAL:
		return "fatal";
	case PRI_WARNING:
		return "warning";
	case PRI_NOTICE:
		return "notice";
	case PRI_INFO:
		return "info";
	default:
		return "debug";
	}
}

/*
 * errnum is the errno to append (-1: none).  Everything after the prefix
 * may hold values from peers, so control characters become spaces.
 */
static void
vlog(int pri, int errnum, const char *fmt, va_list ap)
{
	struct line	 l;
	char		 ebuf[128];
	size_t		 i, start;
	int		 saved = errno;

	l.len = 0;
	l.cut = 0;
	if (log_state.journal)
		line_add(&l, "<%d>", pri);
	else
		line_add(&l, "%s: %s: ", log_state.progname, pri_word(pri));
	start = l.len;
	line_vadd(&l, fmt, ap);
	if (errnum != -1)
		line_add(&l, ": %s", strerror_r(errnum, ebuf, sizeof(ebuf)));
	for (i = start; i < l.len; i++) {
		if ((unsigned char)l.buf[i] < 0x20 || l.buf[i] == 0x7f)
			l.buf[i] = ' ';
	}
	line_write(&l);
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(PRI_WARNING, errno, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(PRI_WARNING, -1, fmt, ap);
	va_end(ap);
}

void
log_notice(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(PRI_NOTICE, -1, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(PRI_INFO, -1, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (!log_state.verbose)
		return;
	va_start(ap, fmt);
	vlog(PRI_DEBUG, -1, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(PRI_FATAL, errno, fmt, ap);
	va_end(ap);
	_exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(PRI_FATAL, -1, fmt, ap);
	va_end(ap);
	_exit(1);
}

int
log_ratelimit(struct log_ratelimit *rl, int64_t now_ms)
{
	int64_t		interval;
	uint32_t	burst;

	interval = rl->interval_ms ? rl->interval_ms : LOG_RATELIMIT_INTERVAL;
	burst = rl->burst ? rl->burst : LOG_RATELIMIT_BURST;
	if (!rl->started || now_ms < rl->start_ms ||
	    now_ms - rl->start_ms >= interval) {
		rl->start_ms = now_ms;
		rl->count = 0;
		rl->started = 1;
	}
	if (rl->count >= burst) {
		rl->suppressed++;
		return 0;
	}
	rl->count++;
	if (rl->suppressed > 0) {
		log_notice("%s: %" PRIu64 " lines suppressed",
		    rl->name ? rl->name : "log", rl->suppressed);
		rl->suppressed = 0;
	}
	return 1;
}

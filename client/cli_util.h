/* SPDX-License-Identifier: MIT */
/*
 * cli_util: what the files of the cairn program (client/cli*.c) share:
 * the SYNOPSIS of cairn(1) and the usage, help and option errors printed
 * from it, "cairn: what: why" failures, and the clock.  Part of the cairn
 * program, not of libcairn: these print and exit, which the library never
 * does.
 */
#ifndef CAIRN_CLIENT_CLI_UTIL_H
#define CAIRN_CLIENT_CLI_UTIL_H

#include <stdint.h>
#include <stdio.h>

#define CLI_PROG	"cairn"

/* The options every command shares: the daemon's socket and timeout. */
struct global {
	const char	*socket;
	int		 timeout_ms;
};

/*
 * Prints the SYNOPSIS lines of cmd to fp, the first after "usage:": all
 * of them for NULL, those of a group for its name ("audit": every "audit
 * ..." line), or the one line of a subcommand ("request", "audit trace").
 */
void	cli_usage_print(FILE *fp, const char *cmd);

/*
 * Prints "cairn: cmd: why" (just "cairn: why" for a NULL cmd) when fmt is
 * not NULL, then cmd's usage, to stderr, and exits 2.
 */
void	cli_usage(const char *cmd, const char *fmt, ...)
	    __attribute__((noreturn, format(printf, 2, 3)));

/* --help: prints cmd's usage to stdout and exits 0. */
void	cli_help_exit(const char *cmd) __attribute__((noreturn));

/*
 * After getopt_long() returned ':' or '?' (ch) over argv: names the
 * option as it was typed, through cli_usage() (exits 2).
 */
void	cli_bad_option(const char *cmd, int ch, char **argv)
	    __attribute__((noreturn));

/*
 * Prints "cairn: what: why" to stderr: why is fmt's text, or
 * cairn_strerror(code) when fmt is NULL; what may be NULL.  Returns 1,
 * the exit status of a failure.
 */
int	cli_fail(const char *what, int code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* The wall clock in milliseconds since the epoch. */
int64_t	cli_now_ms(void);

#endif

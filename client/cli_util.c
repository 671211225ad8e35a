/* SPDX-License-Identifier: MIT */
/*
 * cli_util: usage, errors and the clock for the cairn program (see
 * cli_util.h).  The SYNOPSIS table here is cairn(1)'s, line by line, for
 * every subcommand, `cairn audit ...' included.
 *
 * Not for: anything in libcairn (client/cairn.c), which never prints.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/cairn.h"
#include "client/cli_util.h"

/* The SYNOPSIS of cairn.1, line by line, keyed by subcommand. */
static const struct {
	const char	*cmd;
	const char	*line;
} synopsis[] = {
	{ "",		"[-s socket] [-t seconds] command [argument ...]" },
	{ "request",	"request -f function -r org/function -p subject "
			"-c basis:date -q text|@file [-P] [-a age-band] "
			"[-C channel] [-e seconds] [-S scope] [-u urgency] "
			"[-A file ...]" },
	{ "outbox",	"outbox [-j] [-f function]" },
	{ "inbox",	"inbox [-j] [-f function]" },
	{ "status",	"status [-j] id" },
	{ "show",	"show [-j] [-d dir] id" },
	{ "guarantee",	"guarantee -b date -C channel [-n text] id" },
	{ "redirect",	"redirect -r org/function [-n text] id" },
	{ "answer",	"answer -a text|@file [-l level] "
			"[-m time -M minutes -J ref] [-A file ...] id" },
	{ "withdraw",	"withdraw -R text id" },
	{ "cases",	"cases [-j] [-f function] [-S state]" },
	{ "overdue",	"overdue [-j] [-f function]" },
	{ "stats",	"stats [-j]" },
	{ "audit verify", "audit verify [-k keyfile | -b book -F fedkey] "
			"[-d dir | -e file]" },
	{ "audit export", "audit export [-d dir] [-S time] [-U time] "
			"[-f jsonl|csv] [-o file]" },
	{ "audit trace", "audit trace [-b book -F fedkey] [-d dir] id" },
	{ "audit reconcile", "audit reconcile -b book -F fedkey a-export "
			"b-export" },
	{ "help",	"help" },
	{ "-V",		"-V" },
};

#define NSYNOPSIS	(sizeof(synopsis) / sizeof(synopsis[0]))

static bool	usage_of(const char *key, const char *cmd);

/* Whether the line keyed key belongs to cmd: itself, or cmd's group. */
static bool
usage_of(const char *key, const char *cmd)
{
	size_t	len;

	if (cmd == NULL)
		return true;
	len = strlen(cmd);
	return strncmp(key, cmd, len) == 0 &&
	    (key[len] == '\0' || key[len] == ' ');
}

void
cli_usage_print(FILE *fp, const char *cmd)
{
	size_t	i, n = 0;

	for (i = 0; i < NSYNOPSIS; i++) {
		if (!usage_of(synopsis[i].cmd, cmd))
			continue;
		fprintf(fp, "%s %s %s\n", n++ ? "      " : "usage:", CLI_PROG,
		    synopsis[i].line);
	}
}

void
cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list	ap;

	if (fmt != NULL) {
		fprintf(stderr, "%s: ", CLI_PROG);
		if (cmd != NULL)
			fprintf(stderr, "%s: ", cmd);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	cli_usage_print(stderr, cmd);
	exit(2);
}

void
cli_help_exit(const char *cmd)
{
	cli_usage_print(stdout, cmd);
	exit(0);
}

/*
 * A missing argument always ends what optind has passed; an unknown short
 * option may sit inside a cluster, so it is named by optopt.
 */
void
cli_bad_option(const char *cmd, int ch, char **argv)
{
	const char *arg = argv[optind - 1];
	int	len = (int)strcspn(arg, "=");

	if (ch == ':' && strncmp(arg, "--", 2) == 0)
		cli_usage(cmd, "%.*s needs an argument", len, arg);
	if (ch == ':')
		cli_usage(cmd, "-%c needs an argument", optopt);
	if (optopt != 0)
		cli_usage(cmd, "unknown option -%c", optopt);
	cli_usage(cmd, "unknown option %.*s", len, arg);
}

int
cli_fail(const char *what, int code, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "%s: ", CLI_PROG);
	if (what != NULL)
		fprintf(stderr, "%s: ", what);
	if (fmt != NULL) {
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
	} else
		fputs(cairn_strerror(code), stderr);
	fputc('\n', stderr);
	return 1;
}

int64_t
cli_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* SPDX-License-Identifier: MIT */
/*
 * `cairn audit`: the auditor's subcommands of cairn(1) (verify, export,
 * trace, reconcile), kept apart from cli.c.  Part of the cairn program,
 * not of the library's API.
 */
#ifndef CAIRN_CLIENT_CLI_AUDIT_H
#define CAIRN_CLIENT_CLI_AUDIT_H

/* cli.c's options before the subcommand; audit does not use them. */
struct global;

/*
 * Runs `cairn audit SUBCOMMAND ...`; argv[0] is "audit".  Prints results
 * to stdout and errors to stderr; returns the exit status: 0 (sound, all
 * matched), 1 (a fault, a mismatch, or an error) or 2 (usage; also exits
 * 2 itself from option parsing, as cli.c does).
 */
int	cairn_cli_audit(int argc, char **argv, const struct global *g);

#endif

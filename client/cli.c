/* SPDX-License-Identifier: MIT */
/*
 * cairn(1): the command line client.  Sends consultation requests,
 * answers them (contact guarantee, redirection, response), withdraws
 * them, lists cases and what is overdue, and reads the outbox, the inbox,
 * the state and the content of messages, all through libcairn and the
 * local daemon's socket.
 *
 * Results go to stdout, errors to stderr as "cairn: what: why" (with the
 * daemon's own text when it refused); exit 0 on success, 1 on failure or
 * refusal, 2 on a usage error.  Error messages never repeat personal data
 * (identity numbers, text, file contents); only `show' prints it, because
 * showing it is what the user asked for.
 *
 * Not for: keys and the address book (cairn-keys), audit (later).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "client/cairn.h"
#include "client/cli_audit.h"
#include "client/cli_util.h"
#include "proto/workdays.h"

#define TIME_BYTES	32
#define TIMEOUT_S_MAX	3600
#define TTL_S_MAX	(90 * 86400)	/* as message_ttl in cairnd.conf */
#define ADDR_BYTES	(CAIRN_ADDRESS_MAX + 1)

struct cmd {
	const char	*name;
	int		(*fn)(int, char **, const struct global *);
	const char	*description;
};

/* The states of a case (DESIGN.md section 6), for --state. */
static const char *case_states[] = {
	"QUEUED", "DELIVERED", "GUARANTEED", "ANSWERED", "OVERDUE",
	"REDIRECTED", "WITHDRAWN", "REJECTED", "FAILED"
};

/* Age bands as typed, indexed by enum cairn_age_band. */
static const char *age_names[] = {
	"", "0-5", "6-9", "10-12", "13-15", "16-17", "18+"
};

static int	 fail_client(const struct cairn_client *, const char *, int);
static void	 fmt_time(char [static TIME_BYTES], int64_t);
static void	 fmt_addr(char [static ADDR_BYTES], const char *,
		    const char *);
static const char *last_error(const struct cairn_ctl_info *);
static const char *name_or_empty(const char *);
static int	 read_file(const char *, size_t, uint8_t **, size_t *);
static void	 wipe_free(void *, size_t);
static void	 parse_id(const char *, const char *,
		    uint8_t [static CAIRN_MSG_ID_BYTES]);
static int	 parse_seconds(const char *, long, long *);
static int	 parse_consent(const char *, struct cairn_request *);
static enum cairn_age_band age_parse(const char *);
static int	 connect_daemon(const struct global *, const char *,
		    struct cairn_client **);
static int	 print_json(json_t *);
static json_t	*info_json(const struct cairn_ctl_info *);
static json_t	*payload_json(const struct cairn_payload *);
static json_t	*attachments_json(const struct cairn_payload *);
static void	 print_info(const struct cairn_ctl_info *);
static void	 print_text(const char *, const char *);
static void	 print_payload(const struct cairn_payload *);
static int	 save_attachments(const char *, const struct cairn_payload *,
		    int);
static int	 add_attachment(const char *, struct cairn_payload *,
		    const char *);
static int	 list(int, char **, const struct global *,
		    enum cairn_ctl_command);
static int	 read_text(const char *, const char *, const char *,
		    char **);
static int	 check_line(const char *, const char *, const char *,
		    size_t, int);
static int	 parse_contact_by(const char *, char [static 11]);
static int	 parse_meeting(const char *, int64_t *);
static int	 parse_state(const char *, char [static CAIRN_STATE_MAX]);
static int64_t	 last_sunday(int64_t);
static int	 send_reply(const struct global *, const char *,
		    const uint8_t [static CAIRN_MSG_ID_BYTES],
		    const struct cairn_payload *);
static json_t	*case_json(const struct cairn_ctl_case *);
static int	 list_cases(int, char **, const struct global *,
		    enum cairn_ctl_command);
static int	 cmd_request(int, char **, const struct global *);
static int	 cmd_outbox(int, char **, const struct global *);
static int	 cmd_inbox(int, char **, const struct global *);
static int	 cmd_status(int, char **, const struct global *);
static int	 cmd_show(int, char **, const struct global *);
static int	 cmd_guarantee(int, char **, const struct global *);
static int	 cmd_redirect(int, char **, const struct global *);
static int	 cmd_answer(int, char **, const struct global *);
static int	 cmd_withdraw(int, char **, const struct global *);
static int	 cmd_cases(int, char **, const struct global *);
static int	 cmd_stats(int, char **, const struct global *);
static int	 cmd_overdue(int, char **, const struct global *);
static int	 cmd_help(int, char **, const struct global *);

static const struct cmd commands[] = {
	{ "request",	cmd_request,	"send a consultation request" },
	{ "outbox",	cmd_outbox,	"list messages sent from here" },
	{ "inbox",	cmd_inbox,	"list messages received here" },
	{ "status",	cmd_status,	"show the state of one message" },
	{ "show",	cmd_show,	"show a message with its content" },
	{ "guarantee",	cmd_guarantee,	"promise contact for a request" },
	{ "redirect",	cmd_redirect,	"send a received request elsewhere" },
	{ "answer",	cmd_answer,	"send a consultation response" },
	{ "withdraw",	cmd_withdraw,	"withdraw a request sent from here" },
	{ "cases",	cmd_cases,	"list requests and their states" },
	{ "overdue",	cmd_overdue,	"list cases past their guarantee" },
	{ "stats",	cmd_stats,	"queues, counters, peers and health" },
	{ "audit",	cairn_cli_audit, "check and export the audit trail" },
	{ "help",	cmd_help,	"list the commands" },
};

#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

/* ---- usage and errors ---------------------------------------------------- */

/*
 * A failed call.  The daemon's text for a refusal says more than the
 * generic text of its code (ENOTFOUND reads "no such organisation or
 * function" even for a message id), so it replaces it.
 */
static int
fail_client(const struct cairn_client *c, const char *what, int code)
{
	const char *text = cairn_client_error(c);

	if (code == CAIRN_ETIMEOUT)
		return cli_fail(what, code, "%s (is cairnd running?)",
		    cairn_strerror(code));
	if (text[0] != '\0')
		return cli_fail(what, code, "%s", text);
	return cli_fail(what, code, NULL);
}

/* ---- small helpers ------------------------------------------------------- */

/* Local time, ISO 8601; "-" for none. */
static void
fmt_time(char out[static TIME_BYTES], int64_t ms)
{
	struct tm	tm;
	time_t		t = (time_t)(ms / 1000);

	if (ms <= 0) {
		(void)snprintf(out, TIME_BYTES, "-");
		return;
	}
	if (localtime_r(&t, &tm) == NULL ||
	    strftime(out, TIME_BYTES, "%Y-%m-%dT%H:%M:%S%z", &tm) == 0)
		(void)snprintf(out, TIME_BYTES, "(invalid)");
}

static void
fmt_addr(char out[static ADDR_BYTES], const char *org, const char *fn)
{
	(void)snprintf(out, ADDR_BYTES, "%s%s%s", org,
	    org[0] != '\0' && fn[0] != '\0' ? "/" : "", fn);
}

/* The daemon's text for a message's last error, or "" if none. */
static const char *
last_error(const struct cairn_ctl_info *in)
{
	if (in->last_error_text[0] != '\0')
		return in->last_error_text;
	return in->last_error != 0 ? cairn_strerror(in->last_error) : "";
}

static void
wipe_free(void *p, size_t len)
{
	if (p == NULL)
		return;
	sodium_memzero(p, len);
	free(p);
}

/*
 * Reads at most max bytes of a file (or a pipe) into a malloc'ed buffer
 * with a NUL after the data.  It may hold personal data: every buffer left
 * behind is wiped.  Returns 0, CAIRN_ETOOBIG or -errno.
 */
static int
read_file(const char *path, size_t max, uint8_t **out, size_t *outlen)
{
	uint8_t	*buf = NULL, *nbuf;
	size_t	 len = 0, cap = 0;
	ssize_t	 r;
	int	 fd, rc;

	*out = NULL;
	*outlen = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return -errno;
	for (;;) {
		if (len == cap) {
			if (cap > max) {
				rc = CAIRN_ETOOBIG;
				goto fail;
			}
			cap = cap ? 2 * cap : 65536;
			if (cap > max + 1)
				cap = max + 1;
			if ((nbuf = malloc(cap + 1)) == NULL) {
				rc = -ENOMEM;
				goto fail;
			}
			if (len)
				memcpy(nbuf, buf, len);
			wipe_free(buf, len);
			buf = nbuf;
		}
		if ((r = read(fd, buf + len, cap - len)) == -1) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto fail;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len > max) {
		rc = CAIRN_ETOOBIG;
		goto fail;
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
fail:
	close(fd);
	wipe_free(buf, len);
	return rc;
}

static void
parse_id(const char *cmd, const char *s, uint8_t id[static CAIRN_MSG_ID_BYTES])
{
	if (cairn_msgid_parse(id, s) != 0)
		cli_usage(cmd, "bad message id '%.40s' (want 32 hex digits)",
		    s);
}

/* A whole number of seconds, 1..max. */
static int
parse_seconds(const char *s, long max, long *secs)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 ||
	    v < 1 || v > max)
		return -1;
	*secs = v;
	return 0;
}

/*
 * "guardian:2026-01-15" into the request's consent basis and date, which
 * must not lie in the future.
 */
static int
parse_consent(const char *s, struct cairn_request *r)
{
	char	 basis[16];
	const char *colon;
	int64_t	 days;
	size_t	 n;

	if ((colon = strchr(s, ':')) == NULL ||
	    (n = (size_t)(colon - s)) >= sizeof(basis))
		return CAIRN_ECONSENT;
	memcpy(basis, s, n);
	basis[n] = '\0';
	if ((r->consent_by = cairn_consent_parse(basis)) == CAIRN_CONSENT_NONE)
		return CAIRN_ECONSENT;
	if (strlen(colon + 1) >= sizeof(r->consent_date) ||
	    cairn_valid_date(colon + 1, &days) != 0)
		return CAIRN_EDATE;
	if (days > cli_now_ms() / 86400000)
		return CAIRN_EFUTURE;
	strcpy(r->consent_date, colon + 1);
	return 0;
}

static enum cairn_age_band
age_parse(const char *s)
{
	int	i;

	for (i = 1; i <= CAIRN_AGE_MAX; i++)
		if (strcmp(s, age_names[i]) == 0)
			return (enum cairn_age_band)i;
	return CAIRN_AGE_NONE;
}

static int
connect_daemon(const struct global *g, const char *what,
    struct cairn_client **c)
{
	int	rc;

	if ((rc = cairn_client_open(c, g->socket, g->timeout_ms)) == 0)
		return 0;
	if (rc == -ENOENT)
		return cli_fail(what, rc, "%s: %s (is cairnd running?)",
		    g->socket, cairn_strerror(rc));
	return cli_fail(what, rc, "%s: %s", g->socket, cairn_strerror(rc));
}

/* ---- output -------------------------------------------------------------- */

static int
print_json(json_t *j)
{
	int	rc;

	if (j == NULL)
		return cli_fail(NULL, -ENOMEM, NULL);
	rc = json_dumpf(j, stdout, JSON_INDENT(2));
	json_decref(j);
	if (rc != 0 || fputc('\n', stdout) == EOF)
		return cli_fail("stdout", -EIO, NULL);
	return 0;
}

static json_t *
info_json(const struct cairn_ctl_info *in)
{
	char	id[CAIRN_MSGID_HEX_BYTES], conv[CAIRN_MSGID_HEX_BYTES];
	char	reply[CAIRN_MSGID_HEX_BYTES], hash[2 * CAIRN_HASH_BYTES + 1];
	char	from[ADDR_BYTES], to[ADDR_BYTES];

	cairn_msgid_format(id, in->msg_id);
	cairn_msgid_format(conv, in->conversation_id);
	cairn_msgid_format(reply, in->in_reply_to);
	cairn_sig_hex(hash, in->envelope_hash, CAIRN_HASH_BYTES);
	fmt_addr(from, in->from_org, in->from_function);
	fmt_addr(to, in->to_org, in->to_function);
	return json_pack("{s:s, s:b, s:s, s:s, s:s, s:s, s:I, s:s, s:i, "
	    "s:I, s:I, s:I, s:I, s:s, s:s, s:s?}",
	    "id", id,
	    "outgoing", in->outgoing,
	    "kind", cairn_kind_name(in->kind),
	    "from", from,
	    "to", to,
	    "state", in->state,
	    "attempts", (json_int_t)in->attempts,
	    "last_error", last_error(in),
	    "last_error_code", in->last_error,
	    "created_ms", (json_int_t)in->created_ms,
	    "expires_ms", (json_int_t)in->expires_ms,
	    "receipt_ms", (json_int_t)in->receipt_ms,
	    "next_attempt_ms", (json_int_t)in->next_attempt_ms,
	    "envelope_hash", hash,
	    "conversation_id", conv,
	    "in_reply_to", in->has_reply_to ? reply : NULL);
}

static json_t *
attachments_json(const struct cairn_payload *p)
{
	json_t	*a, *o;
	size_t	 i;

	if ((a = json_array()) == NULL)
		return NULL;
	for (i = 0; i < p->nattachments; i++) {
		o = json_pack("{s:s, s:s, s:I}",
		    "name", p->attachments[i].name,
		    "media_type", p->attachments[i].media_type,
		    "size", (json_int_t)p->attachments[i].len);
		if (o == NULL || json_array_append_new(a, o) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static const char *
name_or_empty(const char *s)
{
	return s != NULL ? s : "";
}

static json_t *
payload_json(const struct cairn_payload *p)
{
	const struct cairn_request *r = &p->u.request;
	const struct cairn_guarantee *g = &p->u.guarantee;
	const struct cairn_response *s = &p->u.response;
	char	 rid[CAIRN_MSGID_HEX_BYTES], a1[ADDR_BYTES], a2[ADDR_BYTES];

	switch (p->kind) {
	case CAIRN_KIND_REQUEST:
		return json_pack("{s:s, s:s, s:b, s:s, s:{s:s, s:s, s:s}, "
		    "s:s, s:s, s:s, s:o}",
		    "kind", cairn_kind_name(p->kind),
		    "subject", r->subject,
		    "subject_is_pseudonym", r->subject_is_pseudonym,
		    "age_band", age_names[r->age_band],
		    "consent",
			"by", name_or_empty(cairn_consent_name(r->consent_by)),
			"date", r->consent_date,
			"scope", name_or_empty(r->consent_scope),
		    "urgency", name_or_empty(cairn_urgency_name(r->urgency)),
		    "question", r->question,
		    "wanted_channel",
			name_or_empty(cairn_channel_name(r->wanted_channel)),
		    "attachments", attachments_json(p));
	case CAIRN_KIND_GUARANTEE:
		cairn_msgid_format(rid, g->request_id);
		fmt_addr(a1, g->redirect_org, g->redirect_function);
		fmt_addr(a2, g->responsible_org, g->responsible_function);
		return json_pack("{s:s, s:s, s:b, s:s, s:s, s:s, s:s, s:s}",
		    "kind", cairn_kind_name(p->kind),
		    "request_id", rid,
		    "redirected", g->redirected,
		    "redirect_to", a1,
		    "contact_by", g->contact_by,
		    "channel", name_or_empty(cairn_channel_name(g->channel)),
		    "responsible", a2,
		    "note", name_or_empty(g->note));
	case CAIRN_KIND_RESPONSE:
		cairn_msgid_format(rid, s->request_id);
		return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}",
		    "kind", cairn_kind_name(p->kind),
		    "request_id", rid,
		    "advice", s->advice,
		    "level", name_or_empty(cairn_level_name(s->level)),
		    "meeting", s->has_meeting ?
			json_pack("{s:I, s:I, s:s}",
			"start_ms", (json_int_t)s->meeting_start_ms,
			"minutes", (json_int_t)s->meeting_minutes,
			"join_ref", name_or_empty(s->meeting_join_ref)) :
			json_null(),
		    "attachments", attachments_json(p));
	case CAIRN_KIND_WITHDRAWAL:
		cairn_msgid_format(rid, p->u.withdrawal.request_id);
		return json_pack("{s:s, s:s, s:s}",
		    "kind", cairn_kind_name(p->kind),
		    "request_id", rid,
		    "reason", p->u.withdrawal.reason);
	default:
		return NULL;
	}
}

#define FIELD	"%-14s %s\n"

static void
print_info(const struct cairn_ctl_info *in)
{
	char	id[CAIRN_MSGID_HEX_BYTES], hash[2 * CAIRN_HASH_BYTES + 1];
	char	addr[ADDR_BYTES], t[TIME_BYTES];
	const char *err = last_error(in);

	cairn_msgid_format(id, in->msg_id);
	printf(FIELD, "id", id);
	printf(FIELD, "kind", cairn_kind_name(in->kind));
	printf(FIELD, "direction", in->outgoing ? "outgoing" : "incoming");
	fmt_addr(addr, in->from_org, in->from_function);
	printf(FIELD, "from", addr);
	fmt_addr(addr, in->to_org, in->to_function);
	printf(FIELD, "to", addr);
	printf(FIELD, "state", in->state);
	printf("%-14s %u\n", "attempts", in->attempts);
	printf(FIELD, "last error", err[0] != '\0' ? err : "-");
	fmt_time(t, in->created_ms);
	printf(FIELD, "created", t);
	fmt_time(t, in->expires_ms);
	printf(FIELD, "expires", t);
	fmt_time(t, in->next_attempt_ms);
	printf(FIELD, "next attempt", t);
	fmt_time(t, in->receipt_ms);
	printf(FIELD, in->outgoing ? "receipt" : "received", t);
	cairn_msgid_format(id, in->conversation_id);
	printf(FIELD, "conversation", id);
	cairn_msgid_format(id, in->in_reply_to);
	printf(FIELD, "in reply to", in->has_reply_to ? id : "-");
	cairn_sig_hex(hash, in->envelope_hash, CAIRN_HASH_BYTES);
	printf(FIELD, "envelope hash", hash);
}

/* Free text under a label, indented, so that it cannot pose as a field. */
static void
print_text(const char *label, const char *text)
{
	const char *p, *nl;

	printf("%s:\n", label);
	for (p = text; *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL) {
			printf("    %s\n", p);
			break;
		}
		printf("    %.*s\n", (int)(nl - p), p);
	}
}

static void
print_payload(const struct cairn_payload *p)
{
	const struct cairn_request *r = &p->u.request;
	const struct cairn_guarantee *g = &p->u.guarantee;
	const struct cairn_response *s = &p->u.response;
	char	 id[CAIRN_MSGID_HEX_BYTES], addr[ADDR_BYTES], t[TIME_BYTES];
	size_t	 i;

	putchar('\n');
	switch (p->kind) {
	case CAIRN_KIND_REQUEST:
		printf(FIELD, r->subject_is_pseudonym ? "pseudonym" :
		    "subject", r->subject);
		printf(FIELD, "age band", r->age_band != CAIRN_AGE_NONE ?
		    age_names[r->age_band] : "-");
		printf("%-14s %s, %s%s%s\n", "consent",
		    name_or_empty(cairn_consent_name(r->consent_by)),
		    r->consent_date, r->consent_scope != NULL &&
		    r->consent_scope[0] != '\0' ? ", scope: " : "",
		    name_or_empty(r->consent_scope));
		printf(FIELD, "urgency", r->urgency != CAIRN_URGENCY_NONE ?
		    cairn_urgency_name(r->urgency) : "-");
		printf(FIELD, "channel",
		    r->wanted_channel != CAIRN_CHANNEL_NONE ?
		    cairn_channel_name(r->wanted_channel) : "-");
		print_text("question", r->question);
		break;
	case CAIRN_KIND_GUARANTEE:
		cairn_msgid_format(id, g->request_id);
		printf(FIELD, "request", id);
		if (g->redirected) {
			fmt_addr(addr, g->redirect_org, g->redirect_function);
			printf(FIELD, "redirected to", addr);
		} else {
			printf(FIELD, "contact by", g->contact_by);
			printf(FIELD, "channel",
			    name_or_empty(cairn_channel_name(g->channel)));
		}
		if (g->responsible_org[0] != '\0') {
			fmt_addr(addr, g->responsible_org,
			    g->responsible_function);
			printf(FIELD, "responsible", addr);
		}
		if (g->note != NULL && g->note[0] != '\0')
			print_text("note", g->note);
		break;
	case CAIRN_KIND_RESPONSE:
		cairn_msgid_format(id, s->request_id);
		printf(FIELD, "request", id);
		printf(FIELD, "level", s->level != CAIRN_LEVEL_NONE ?
		    cairn_level_name(s->level) : "-");
		if (s->has_meeting) {
			fmt_time(t, s->meeting_start_ms);
			printf("%-14s %s, %u minutes, %s\n", "meeting", t,
			    s->meeting_minutes,
			    name_or_empty(s->meeting_join_ref));
		}
		print_text("advice", s->advice);
		break;
	case CAIRN_KIND_WITHDRAWAL:
		cairn_msgid_format(id, p->u.withdrawal.request_id);
		printf(FIELD, "request", id);
		print_text("reason", p->u.withdrawal.reason);
		break;
	default:
		break;
	}
	for (i = 0; i < p->nattachments; i++)
		printf("%-14s %s (%zu bytes%s%s)\n", "attachment",
		    p->attachments[i].name, p->attachments[i].len,
		    p->attachments[i].media_type[0] != '\0' ? ", " : "",
		    p->attachments[i].media_type);
}

/*
 * Writes each attachment to dir/name: new files only (O_EXCL), mode 0600,
 * no symlink followed, a partial file removed.
 */
static int
save_attachments(const char *dir, const struct cairn_payload *p, int quiet)
{
	const struct cairn_attachment *a;
	size_t	 i, off;
	ssize_t	 w;
	int	 dfd, fd, rc = 0;

	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return cli_fail("show", -errno, "%s: %s", dir,
		    cairn_strerror(-errno));
	for (i = 0; i < p->nattachments && rc == 0; i++) {
		a = &p->attachments[i];
		if (a->name[0] == '\0' || strchr(a->name, '/') != NULL ||
		    strcmp(a->name, ".") == 0 || strcmp(a->name, "..") == 0) {
			rc = cli_fail("show", CAIRN_ESTRING,
			    "refusing attachment name '%s'", a->name);
			break;
		}
		fd = openat(dfd, a->name, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd == -1) {
			rc = cli_fail("show", -errno, "%s/%s: %s", dir, a->name,
			    errno == EEXIST ? cairn_strerror(CAIRN_EEXIST) :
			    cairn_strerror(-errno));
			break;
		}
		for (off = 0; off < a->len; off += (size_t)w) {
			if ((w = write(fd, a->data + off, a->len - off)) ==
			    -1) {
				if (errno == EINTR) {
					w = 0;
					continue;
				}
				break;
			}
		}
		if (off < a->len || fsync(fd) != 0) {
			rc = cli_fail("show", -errno, "%s/%s: %s", dir, a->name,
			    cairn_strerror(-errno));
			close(fd);
			unlinkat(dfd, a->name, 0);
			break;
		}
		if (close(fd) != 0) {
			rc = cli_fail("show", -errno, "%s/%s: %s", dir, a->name,
			    cairn_strerror(-errno));
			unlinkat(dfd, a->name, 0);
			break;
		}
		if (!quiet)
			printf("saved %s/%s\n", dir, a->name);
	}
	close(dfd);
	return rc;
}

/* ---- request ------------------------------------------------------------- */

static int
add_attachment(const char *cmd, struct cairn_payload *p, const char *path)
{
	const char *name = strrchr(path, '/');
	uint8_t	*data;
	size_t	 len;
	int	 rc;

	name = name != NULL ? name + 1 : path;
	if (name[0] == '\0' || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return cli_fail(cmd, CAIRN_ESTRING,
		    "--attach %s: not a file name", path);
	if ((rc = read_file(path, CAIRN_ATTACH_BYTES_MAX, &data, &len)) != 0)
		return cli_fail(cmd, rc, "--attach %s: %s", path,
		    rc == CAIRN_ETOOBIG ? "larger than 32 MiB" :
		    cairn_strerror(rc));
	rc = cairn_payload_attach(p, name, "", data, len);
	wipe_free(data, len + 1);
	if (rc == CAIRN_ETOOBIG)
		return cli_fail(cmd, rc, "--attach %s: attachments exceed "
		    "%u in number or %u MiB together", path, CAIRN_ATTACH_MAX,
		    CAIRN_ATTACH_BYTES_MAX >> 20);
	if (rc != 0)
		return cli_fail(cmd, rc, "--attach %s: %s", path,
		    cairn_strerror(rc));
	return 0;
}

static int
cmd_request(int argc, char **argv, const struct global *g)
{
	static const struct option longopts[] = {
		{ "from",	required_argument,	NULL, 'f' },
		{ "to",		required_argument,	NULL, 'r' },
		{ "subject",	required_argument,	NULL, 'p' },
		{ "consent",	required_argument,	NULL, 'c' },
		{ "question",	required_argument,	NULL, 'q' },
		{ "pseudonym",	no_argument,		NULL, 'P' },
		{ "age-band",	required_argument,	NULL, 'a' },
		{ "channel",	required_argument,	NULL, 'C' },
		{ "ttl",	required_argument,	NULL, 'e' },
		{ "scope",	required_argument,	NULL, 'S' },
		{ "urgency",	required_argument,	NULL, 'u' },
		{ "attach",	required_argument,	NULL, 'A' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	const char *from = NULL, *to = NULL, *subject = NULL, *consent = NULL;
	const char *question = NULL, *scope = "";
	const char *attach[CAIRN_ATTACH_MAX];
	struct cairn_client *c = NULL;
	struct cairn_payload *p = NULL;
	struct cairn_request *r;
	char	 pnr[CAIRN_PNR_BYTES], hex[CAIRN_MSGID_HEX_BYTES];
	uint8_t	 id[CAIRN_MSG_ID_BYTES], *text;
	size_t	 nattach = 0, len, i;
	long	 ttl = 0;
	int	 ch, rc, pseudonym = 0, ret = 1;
	enum cairn_age_band age = CAIRN_AGE_NONE;
	enum cairn_channel channel = CAIRN_CHANNEL_NONE;
	enum cairn_urgency urgency = CAIRN_URGENCY_NONE;

	while ((ch = getopt_long(argc, argv, ":f:r:p:c:q:Pa:C:e:S:u:A:h",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			from = optarg;
			break;
		case 'r':
			to = optarg;
			break;
		case 'p':
			subject = optarg;
			break;
		case 'c':
			consent = optarg;
			break;
		case 'q':
			question = optarg;
			break;
		case 'P':
			pseudonym = 1;
			break;
		case 'a':
			if ((age = age_parse(optarg)) == CAIRN_AGE_NONE)
				cli_usage("request", "unknown age band '%s' "
				    "(want 0-5, 6-9, 10-12, 13-15, 16-17 or "
				    "18+)", optarg);
			break;
		case 'C':
			if ((channel = cairn_channel_parse(optarg)) ==
			    CAIRN_CHANNEL_NONE)
				cli_usage("request", "unknown channel '%s' "
				    "(want phone, video, visit or letter)",
				    optarg);
			break;
		case 'e':
			if (parse_seconds(optarg, TTL_S_MAX, &ttl) != 0)
				cli_usage("request", "bad ttl '%s' (want 1 to "
				    "%d seconds)", optarg, TTL_S_MAX);
			break;
		case 'S':
			scope = optarg;
			break;
		case 'u':
			if ((urgency = cairn_urgency_parse(optarg)) ==
			    CAIRN_URGENCY_NONE)
				cli_usage("request", "unknown urgency '%s' "
				    "(want routine, soon or urgent)", optarg);
			break;
		case 'A':
			if (nattach == CAIRN_ATTACH_MAX)
				return cli_fail("request", CAIRN_ETOOBIG,
				    "at most %u attachments", CAIRN_ATTACH_MAX);
			attach[nattach++] = optarg;
			break;
		case 'h':
			cli_help_exit("request");
		default:
			cli_bad_option("request", ch, argv);
		}
	}
	if (optind != argc)
		cli_usage("request", "unexpected argument '%s'", argv[optind]);
	if (from == NULL || to == NULL || subject == NULL || question == NULL)
		cli_usage("request", "--from, --to, --subject and --question "
		    "are required");

	/*
	 * Checked here, before any file is read or the daemon is asked, so
	 * that the user learns at once.  A missing consent is a refusal,
	 * not a slip of syntax: sharing across organisations needs it.
	 */
	if ((rc = cairn_valid_function(from)) != 0)
		return cli_fail("request", rc, "--from: %s",
		    cairn_strerror(rc));
	if ((rc = cairn_valid_address(to, NULL, NULL)) != 0)
		return cli_fail("request", rc, "--to: %s", cairn_strerror(rc));
	if ((p = cairn_payload_new(CAIRN_KIND_REQUEST)) == NULL)
		return cli_fail("request", -ENOMEM, NULL);
	r = &p->u.request;
	if (consent == NULL) {
		cli_fail("request", CAIRN_ECONSENT, "no consent basis: a "
		    "request needs --consent "
		    "guardian|young-person|both:YYYY-MM-DD");
		goto out;
	}
	if ((rc = parse_consent(consent, r)) != 0) {
		if (rc == CAIRN_EFUTURE)
			cli_fail("request", CAIRN_ECONSENT, "--consent: the "
			    "date of consent lies in the future");
		else if (rc == CAIRN_EDATE)
			cli_fail("request", rc, "--consent: %s",
			    cairn_strerror(rc));
		else
			cli_fail("request", rc, "--consent: %s (want "
			    "guardian|young-person|both:YYYY-MM-DD)",
			    cairn_strerror(rc));
		goto out;
	}
	r->subject_is_pseudonym = pseudonym;
	if (!pseudonym) {
		if ((rc = cairn_valid_pnr(subject, cli_now_ms(), pnr)) != 0) {
			cli_fail("request", rc, "--subject: %s (use "
			    "--pseudonym for a pseudonym)", cairn_strerror(rc));
			goto out;
		}
		subject = pnr;
	}
	r->age_band = age;
	r->urgency = urgency;
	r->wanted_channel = channel;
	if ((r->subject = strdup(subject)) == NULL ||
	    (r->consent_scope = strdup(scope)) == NULL) {
		cli_fail("request", -ENOMEM, NULL);
		goto out;
	}
	if (pseudonym && cairn_valid_text(subject, strlen(subject),
	    CAIRN_SHORT_MAX, 0) != 0) {
		cli_fail("request", CAIRN_ESTRING, "--subject: a pseudonym is "
		    "one line of UTF-8 text, at most %u bytes",
		    CAIRN_SHORT_MAX);
		goto out;
	}
	if (cairn_valid_text(scope, strlen(scope), CAIRN_SHORT_MAX, 0) != 0) {
		cli_fail("request", CAIRN_ESTRING, "--scope: want one line of "
		    "UTF-8 text, at most %u bytes", CAIRN_SHORT_MAX);
		goto out;
	}
	if (question[0] == '@') {
		if ((rc = read_file(question + 1, CAIRN_TEXT_MAX, &text,
		    &len)) != 0) {
			cli_fail("request", rc, "--question %s: %s", question,
			    rc == CAIRN_ETOOBIG ? "larger than 64 KiB" :
			    cairn_strerror(rc));
			goto out;
		}
		r->question = (char *)text;
	} else {
		if ((r->question = strdup(question)) == NULL) {
			cli_fail("request", -ENOMEM, NULL);
			goto out;
		}
		len = strlen(question);
	}
	/* The length read, so that a NUL inside a file is refused too. */
	if (len == 0 || cairn_valid_text(r->question, len, CAIRN_TEXT_MAX,
	    1) != 0) {
		sodium_memzero(r->question, len);
		cli_fail("request", CAIRN_ESTRING, "--question: want UTF-8 "
		    "text, not empty, at most %u KiB, without control "
		    "characters", CAIRN_TEXT_MAX >> 10);
		goto out;
	}
	for (i = 0; i < nattach; i++)
		if (add_attachment("request", p, attach[i]) != 0)
			goto out;
	if ((rc = cairn_payload_validate(p, cli_now_ms())) != 0) {
		cli_fail("request", rc, NULL);
		goto out;
	}

	if (connect_daemon(g, "request", &c) != 0)
		goto out;
	if ((rc = cairn_client_submit(c, from, to, p, NULL, (uint32_t)ttl,
	    id)) != 0) {
		fail_client(c, "request", rc);
		goto out;
	}
	cairn_msgid_format(hex, id);
	printf("%s\n", hex);
	ret = 0;
out:
	sodium_memzero(pnr, sizeof(pnr));
	cairn_client_close(c);
	cairn_payload_free(p);
	return ret;
}

/* ---- outbox, inbox ------------------------------------------------------- */

/*
 * A listing cut off at the daemon's cap says so on stderr, so that the
 * table and the JSON array on stdout keep their shape.
 */
static void
note_truncated(struct cairn_client *c, const char *cmd, size_t n,
    const char *what, const char *narrow)
{
	if (!cairn_client_truncated(c))
		return;
	fprintf(stderr, "%s: %s: showing the first %zu %s (in id order); "
	    "more exist: a listing stops at %d, narrow it with %s\n",
	    CLI_PROG, cmd, n, what, CAIRN_CTL_LIST_MAX, narrow);
}

static int
list(int argc, char **argv, const struct global *g,
    enum cairn_ctl_command which)
{
	static const struct option longopts[] = {
		{ "function",	required_argument,	NULL, 'f' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	const char *cmd = argv[0], *function = NULL;
	struct cairn_client *c;
	struct cairn_ctl_info *infos = NULL, *in;
	json_t	*arr, *o;
	char	 id[CAIRN_MSGID_HEX_BYTES], t[TIME_BYTES];
	char	 addrs[2][ADDR_BYTES];
	size_t	 n, i;
	int	 ch, rc, json = 0, w_addr = 4, w_state = 5, ret = 1;

	while ((ch = getopt_long(argc, argv, ":f:jh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			function = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			cli_help_exit(cmd);
		default:
			cli_bad_option(cmd, ch, argv);
		}
	}
	if (optind != argc)
		cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
	if (function != NULL && (rc = cairn_valid_function(function)) != 0)
		return cli_fail(cmd, rc, "--function: %s", cairn_strerror(rc));
	if (connect_daemon(g, cmd, &c) != 0)
		return 1;
	if ((rc = cairn_client_list(c, which, function, &infos, &n)) != 0) {
		fail_client(c, cmd, rc);
		goto out;
	}
	if (json) {
		if ((arr = json_array()) == NULL) {
			cli_fail(cmd, -ENOMEM, NULL);
			goto out;
		}
		for (i = 0; i < n; i++) {
			if ((o = info_json(&infos[i])) == NULL ||
			    json_array_append_new(arr, o) != 0) {
				json_decref(arr);
				cli_fail(cmd, -ENOMEM, NULL);
				goto out;
			}
		}
		ret = print_json(arr);
		note_truncated(c, cmd, n, "messages", "--function");
		goto out;
	}
	for (i = 0; i < n; i++) {
		in = &infos[i];
		if (which == CAIRN_CTL_OUTBOX)
			fmt_addr(addrs[0], in->to_org, in->to_function);
		else
			fmt_addr(addrs[0], in->from_org, in->from_function);
		if ((int)strlen(addrs[0]) > w_addr)
			w_addr = (int)strlen(addrs[0]);
		if ((int)strlen(in->state) > w_state)
			w_state = (int)strlen(in->state);
	}
	if (n > 0)
		printf("%-32s  %-21s  %-*s  %-*s  %8s  %s\n", "ID", "KIND",
		    w_addr, which == CAIRN_CTL_OUTBOX ? "TO" : "FROM",
		    w_state, "STATE", "ATTEMPTS", "CREATED");
	for (i = 0; i < n; i++) {
		in = &infos[i];
		cairn_msgid_format(id, in->msg_id);
		if (which == CAIRN_CTL_OUTBOX)
			fmt_addr(addrs[1], in->to_org, in->to_function);
		else
			fmt_addr(addrs[1], in->from_org, in->from_function);
		fmt_time(t, in->created_ms);
		printf("%-32s  %-21s  %-*s  %-*s  %8u  %s\n", id,
		    cairn_kind_name(in->kind), w_addr, addrs[1], w_state,
		    in->state, in->attempts, t);
	}
	note_truncated(c, cmd, n, "messages", "--function");
	ret = 0;
out:
	free(infos);
	cairn_client_close(c);
	return ret;
}

static int
cmd_outbox(int argc, char **argv, const struct global *g)
{
	return list(argc, argv, g, CAIRN_CTL_OUTBOX);
}

static int
cmd_inbox(int argc, char **argv, const struct global *g)
{
	return list(argc, argv, g, CAIRN_CTL_INBOX);
}

/* ---- status, show -------------------------------------------------------- */

static int
cmd_status(int argc, char **argv, const struct global *g)
{
	static const struct option longopts[] = {
		{ "json",	no_argument,		NULL, 'j' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct cairn_client *c;
	struct cairn_ctl_info info;
	uint8_t	 id[CAIRN_MSG_ID_BYTES];
	int	 ch, rc, json = 0;

	while ((ch = getopt_long(argc, argv, ":jh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			json = 1;
			break;
		case 'h':
			cli_help_exit("status");
		default:
			cli_bad_option("status", ch, argv);
		}
	}
	if (argc - optind != 1)
		cli_usage("status", "want exactly one message id");
	parse_id("status", argv[optind], id);
	if (connect_daemon(g, "status", &c) != 0)
		return 1;
	rc = cairn_client_status(c, id, &info);
	if (rc != 0) {
		fail_client(c, "status", rc);
		cairn_client_close(c);
		return 1;
	}
	cairn_client_close(c);
	if (json)
		return print_json(info_json(&info));
	print_info(&info);
	return 0;
}

static int
cmd_show(int argc, char **argv, const struct global *g)
{
	static const struct option longopts[] = {
		{ "save",	required_argument,	NULL, 'd' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	const char *dir = NULL;
	struct cairn_client *c;
	struct cairn_ctl_info info;
	struct cairn_payload *p = NULL;
	json_t	*o, *content;
	uint8_t	 id[CAIRN_MSG_ID_BYTES];
	int	 ch, rc, json = 0, ret = 1;

	while ((ch = getopt_long(argc, argv, ":d:jh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			dir = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			cli_help_exit("show");
		default:
			cli_bad_option("show", ch, argv);
		}
	}
	if (argc - optind != 1)
		cli_usage("show", "want exactly one message id");
	parse_id("show", argv[optind], id);
	if (connect_daemon(g, "show", &c) != 0)
		return 1;
	rc = cairn_client_show(c, id, &info, &p);
	if (rc != 0) {
		fail_client(c, "show", rc);
		cairn_client_close(c);
		return 1;
	}
	cairn_client_close(c);
	if (json) {
		o = info_json(&info);
		content = payload_json(p);
		if (o == NULL || content == NULL ||
		    json_object_set_new(o, "content", content) != 0) {
			json_decref(o);
			cli_fail("show", -ENOMEM, NULL);
			goto out;
		}
		if (print_json(o) != 0)
			goto out;
	} else {
		print_info(&info);
		print_payload(p);
	}
	if (fflush(stdout) == EOF) {
		cli_fail("stdout", -errno, NULL);
		goto out;
	}
	if (dir != NULL && save_attachments(dir, p, json) != 0)
		goto out;
	ret = 0;
out:
	cairn_payload_free(p);
	return ret;
}

/* ---- guarantee, redirect, answer, withdraw ------------------------------- */

/*
 * Free text from the command line, or from a file when it starts with
 * '@': not empty, UTF-8, at most CAIRN_TEXT_MAX bytes.  *out is malloc'ed
 * and may hold personal data: cairn_payload_free() wipes it once it is in
 * a payload.  Returns 0, or 1 after saying why.
 */
static int
read_text(const char *cmd, const char *opt, const char *arg, char **out)
{
	uint8_t	*text;
	size_t	 len;
	int	 rc;

	*out = NULL;
	if (arg[0] == '@') {
		if ((rc = read_file(arg + 1, CAIRN_TEXT_MAX, &text,
		    &len)) != 0)
			return cli_fail(cmd, rc, "%s %s: %s", opt, arg,
			    rc == CAIRN_ETOOBIG ? "larger than 64 KiB" :
			    cairn_strerror(rc));
	} else {
		len = strlen(arg);
		if ((text = (uint8_t *)strdup(arg)) == NULL)
			return cli_fail(cmd, -ENOMEM, NULL);
	}
	/* The length read, so that a NUL inside a file is refused too. */
	if (len == 0 || cairn_valid_text((const char *)text, len,
	    CAIRN_TEXT_MAX, 1) != 0) {
		wipe_free(text, len + 1);
		return cli_fail(cmd, CAIRN_ESTRING, "%s: want UTF-8 text, not "
		    "empty, at most %u KiB, without control characters", opt,
		    CAIRN_TEXT_MAX >> 10);
	}
	*out = (char *)text;
	return 0;
}

/*
 * Text given on the command line, as the payload will check it: at most
 * max bytes of UTF-8, on one line unless multiline.  Returns 0, or 1
 * after saying why.
 */
static int
check_line(const char *cmd, const char *opt, const char *s, size_t max,
    int multiline)
{
	if (cairn_valid_text(s, strlen(s), max, multiline) == 0)
		return 0;
	if (multiline)
		return cli_fail(cmd, CAIRN_ESTRING, "%s: want UTF-8 text, at "
		    "most %zu KiB, without control characters", opt,
		    max >> 10);
	return cli_fail(cmd, CAIRN_ESTRING, "%s: want one line of UTF-8 text, "
	    "at most %zu bytes", opt, max);
}

/*
 * A promised contact date: a real YYYY-MM-DD, not before today in Sweden
 * (whether it is within the guarantee period is the daemon's to say: it
 * knows the due date).  Returns 0, or 1 after saying why.
 */
static int
parse_contact_by(const char *s, char out[static 11])
{
	char	 today_s[11];
	int64_t	 day, today;

	if (cairn_valid_date(s, &day) != 0)
		return cli_fail("guarantee", CAIRN_EDATE, "--contact-by "
		    "'%.40s': no such date (want YYYY-MM-DD)", s);
	today = cairn_workdays_local_day(cli_now_ms());
	if (day < today) {
		cairn_workdays_format(today_s, today);
		return cli_fail("guarantee", CAIRN_EDATE, "--contact-by %s "
		    "lies in the past (today is %s)", s, today_s);
	}
	memcpy(out, s, 11);
	return 0;
}

static int64_t
last_sunday(int64_t day)
{
	/* Day 0, 1970-01-01, was a Thursday; 0 is Sunday here. */
	return day - ((day % 7 + 7 + 4) % 7);
}

/*
 * "YYYY-MM-DDTHH:MM" in Swedish local time, to milliseconds since the
 * epoch.  Swedish time follows the rule that proto/workdays.h applies
 * (CET; CEST from 01:00 UTC on the last Sunday of March to 01:00 UTC on
 * the last Sunday of October), not TZ: the meeting is at the time a
 * Swedish reader expects, whatever zone this machine is in.
 * Returns 0, -1 (not such a time), -2 (skipped as the clocks go forward)
 * or -3 (passes twice as they go back).
 */
static int
parse_meeting(const char *s, int64_t *ms)
{
	const int64_t hour = 3600000, day_ms = 24 * hour;
	char	 date[11];
	int64_t	 day, mar, oct, start, end, local, summer, winter;
	int	 i, hh, mm, is_summer, is_winter;

	if (strlen(s) != 16 || s[10] != 'T' || s[13] != ':')
		return -1;
	for (i = 11; i < 16; i++)
		if (i != 13 && (s[i] < '0' || s[i] > '9'))
			return -1;
	hh = (s[11] - '0') * 10 + (s[12] - '0');
	mm = (s[14] - '0') * 10 + (s[15] - '0');
	memcpy(date, s, 10);
	date[10] = '\0';
	if (hh > 23 || mm > 59 || cairn_valid_date(date, &day) != 0)
		return -1;
	memcpy(date + 5, "03-31", 5);
	if (cairn_valid_date(date, &mar) != 0)
		return -1;
	memcpy(date + 5, "10-31", 5);
	if (cairn_valid_date(date, &oct) != 0)
		return -1;
	start = last_sunday(mar) * day_ms + hour;
	end = last_sunday(oct) * day_ms + hour;
	local = day * day_ms + (int64_t)(hh * 60 + mm) * 60000;
	summer = local - 2 * hour;
	winter = local - hour;
	is_summer = summer >= start && summer < end;
	is_winter = winter < start || winter >= end;
	if (is_summer && is_winter)
		return -3;
	if (!is_summer && !is_winter)
		return -2;
	*ms = is_summer ? summer : winter;
	return 0;
}

/*
 * Submits a reply to the request id and prints the new message's id.
 * Returns 0, or 1 after saying why.
 */
static int
send_reply(const struct global *g, const char *cmd,
    const uint8_t id[static CAIRN_MSG_ID_BYTES],
    const struct cairn_payload *p)
{
	struct cairn_client *c;
	char	 hex[CAIRN_MSGID_HEX_BYTES];
	uint8_t	 msg_id[CAIRN_MSG_ID_BYTES];
	int	 rc;

	if ((rc = cairn_payload_validate(p, cli_now_ms())) != 0)
		return cli_fail(cmd, rc, NULL);
	if (connect_daemon(g, cmd, &c) != 0)
		return 1;
	rc = cairn_client_reply(c, id, p, msg_id);
	if (rc == CAIRN_ENOTFOUND && cairn_client_error(c)[0] == '\0') {
		cairn_msgid_format(hex, id);
		cli_fail(cmd, rc, "no request %s here", hex);
	} else if (rc != 0)
		fail_client(c, cmd, rc);
	cairn_client_close(c);
	if (rc != 0)
		return 1;
	cairn_msgid_format(hex, msg_id);
	printf("%s\n", hex);
	return 0;
}

static int
cmd_guarantee(int argc, char **argv, const struct global *g)
{
	static const struct option longopts[] = {
		{ "contact-by",	required_argument,	NULL, 'b' },
		{ "channel",	required_argument,	NULL, 'C' },
		{ "note",	required_argument,	NULL, 'n' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	const char *contact_by = NULL, *channel = NULL, *note = "";
	struct cairn_payload *p;
	struct cairn_guarantee *gu;
	enum cairn_channel chan;
	uint8_t	 id[CAIRN_MSG_ID_BYTES];
	char	 date[11];
	int	 ch, ret;

	while ((ch = getopt_long(argc, argv, ":b:C:n:h", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'b':
			contact_by = optarg;
			break;
		case 'C':
			channel = optarg;
			break;
		case 'n':
			note = optarg;
			break;
		case 'h':
			cli_help_exit("guarantee");
		default:
			cli_bad_option("guarantee", ch, argv);
		}
	}
	if (argc - optind != 1)
		cli_usage("guarantee", "want exactly one request id");
	if (contact_by == NULL || channel == NULL)
		cli_usage("guarantee", "--contact-by and --channel are "
		    "required");
	parse_id("guarantee", argv[optind], id);
	if (parse_contact_by(contact_by, date) != 0)
		return 1;
	chan = cairn_channel_parse(channel);
	if (chan != CAIRN_CHANNEL_PHONE && chan != CAIRN_CHANNEL_VIDEO &&
	    chan != CAIRN_CHANNEL_VISIT)
		return cli_fail("guarantee", CAIRN_EFIELD, "--channel: unknown "
		    "channel '%.40s' (want phone, video or visit)", channel);
	if (check_line("guarantee", "--note", note, CAIRN_TEXT_MAX, 1) != 0)
		return 1;
	if ((p = cairn_payload_new(CAIRN_KIND_GUARANTEE)) == NULL)
		return cli_fail("guarantee", -ENOMEM, NULL);
	gu = &p->u.guarantee;
	memcpy(gu->request_id, id, CAIRN_MSG_ID_BYTES);
	gu->redirected = false;
	memcpy(gu->contact_by, date, sizeof(gu->contact_by));
	gu->channel = chan;
	if ((gu->note = strdup(note)) == NULL)
		ret = cli_fail("guarantee", -ENOMEM, NULL);
	else
		ret = send_reply(g, "guarantee", id, p);
	cairn_payload_free(p);
	return ret;
}

static int
cmd_redirect(int argc, char **argv, const struct global *g)
{
	static const struct option longopts[] = {
		{ "to",		required_argument,	NULL, 'r' },
		{ "note",	required_argument,	NULL, 'n' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	const char *to = NULL, *note = "";
	struct cairn_payload *p;
	struct cairn_guarantee *gu;
	uint8_t	 id[CAIRN_MSG_ID_BYTES];
	char	 org[CAIRN_ORG_ID_MAX + 1], fn[CAIRN_FUNCTION_MAX + 1];
	int	 ch, rc, ret;

	while ((ch = getopt_long(argc, argv, ":r:n:h", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'r':
			to = optarg;
			break;
		case 'n':
			note = optarg;
			break;
		case 'h':
			cli_help_exit("redirect");
		default:
			cli_bad_option("redirect", ch, argv);
		}
	}
	if (argc - optind != 1)
		cli_usage("redirect", "want exactly one request id");
	if (to == NULL)
		cli_usage("redirect", "--to is required");
	parse_id("redirect", argv[optind], id);
	if ((rc = cairn_valid_address(to, org, fn)) != 0)
		return cli_fail("redirect", rc, "--to: %s",
		    cairn_strerror(rc));
	if (check_line("redirect", "--note", note, CAIRN_TEXT_MAX, 1) != 0)
		return 1;
	if ((p = cairn_payload_new(CAIRN_KIND_GUARANTEE)) == NULL)
		return cli_fail("redirect", -ENOMEM, NULL);
	gu = &p->u.guarantee;
	memcpy(gu->request_id, id, CAIRN_MSG_ID_BYTES);
	gu->redirected = true;
	memcpy(gu->redirect_org, org, sizeof(org));
	memcpy(gu->redirect_function, fn, sizeof(fn));
	if ((gu->note = strdup(note)) == NULL)
		ret = cli_fail("redirect", -ENOMEM, NULL);
	else
		ret = send_reply(g, "redirect", id, p);
	cairn_payload_free(p);
	return ret;
}

static int
cmd_answer(int argc, char **argv, const struct global *g)
{
	static const struct option longopts[] = {
		{ "advice",	required_argument,	NULL, 'a' },
		{ "level",	required_argument,	NULL, 'l' },
		{ "meeting",	required_argument,	NULL, 'm' },
		{ "minutes",	required_argument,	NULL, 'M' },
		{ "join",	required_argument,	NULL, 'J' },
		{ "attach",	required_argument,	NULL, 'A' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	const char *advice = NULL, *level = NULL, *meeting = NULL;
	const char *minutes = NULL, *join = NULL;
	const char *attach[CAIRN_ATTACH_MAX];
	struct cairn_payload *p = NULL;
	struct cairn_response *r;
	enum cairn_level lvl = CAIRN_LEVEL_NONE;
	uint8_t	 id[CAIRN_MSG_ID_BYTES];
	int64_t	 start = 0;
	size_t	 nattach = 0, i;
	long	 mins = 0;
	int	 ch, rc, ret = 1;

	while ((ch = getopt_long(argc, argv, ":a:l:m:M:J:A:h", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'a':
			advice = optarg;
			break;
		case 'l':
			level = optarg;
			break;
		case 'm':
			meeting = optarg;
			break;
		case 'M':
			minutes = optarg;
			break;
		case 'J':
			join = optarg;
			break;
		case 'A':
			if (nattach == CAIRN_ATTACH_MAX)
				return cli_fail("answer", CAIRN_ETOOBIG,
				    "at most %u attachments", CAIRN_ATTACH_MAX);
			attach[nattach++] = optarg;
			break;
		case 'h':
			cli_help_exit("answer");
		default:
			cli_bad_option("answer", ch, argv);
		}
	}
	if (argc - optind != 1)
		cli_usage("answer", "want exactly one request id");
	if (advice == NULL)
		cli_usage("answer", "--advice is required");
	if (meeting != NULL && (minutes == NULL || join == NULL))
		cli_usage("answer", "--meeting needs --minutes and --join");
	if (meeting == NULL && (minutes != NULL || join != NULL))
		cli_usage("answer", "--minutes and --join go with --meeting");
	parse_id("answer", argv[optind], id);

	if (level != NULL &&
	    (lvl = cairn_level_parse(level)) == CAIRN_LEVEL_NONE)
		return cli_fail("answer", CAIRN_EFIELD, "--level: unknown "
		    "level '%.40s' (want first-line, specialist or other)",
		    level);
	if (meeting != NULL) {
		if ((rc = parse_meeting(meeting, &start)) == -2)
			return cli_fail("answer", CAIRN_EDATE, "--meeting %s: "
			    "no such time in Sweden (the clocks go forward)",
			    meeting);
		if (rc == -3)
			return cli_fail("answer", CAIRN_EDATE, "--meeting %s: "
			    "that hour passes twice in Sweden (the clocks go "
			    "back); choose another", meeting);
		if (rc != 0)
			return cli_fail("answer", CAIRN_EDATE, "--meeting "
			    "'%.40s': want YYYY-MM-DDTHH:MM, Swedish time",
			    meeting);
		if (start <= cli_now_ms())
			return cli_fail("answer", CAIRN_EDATE, "--meeting %s "
			    "lies in the past", meeting);
		if (parse_seconds(minutes, 24 * 60, &mins) != 0)
			return cli_fail("answer", CAIRN_EFIELD, "--minutes "
			    "'%.40s': want 1 to %d", minutes, 24 * 60);
		if (join[0] == '\0')
			return cli_fail("answer", CAIRN_ESTRING, "--join: want "
			    "a link or a meeting code, not empty");
		if (check_line("answer", "--join", join, CAIRN_SHORT_MAX,
		    0) != 0)
			return 1;
	}

	if ((p = cairn_payload_new(CAIRN_KIND_RESPONSE)) == NULL)
		return cli_fail("answer", -ENOMEM, NULL);
	r = &p->u.response;
	memcpy(r->request_id, id, CAIRN_MSG_ID_BYTES);
	r->level = lvl;
	if (meeting != NULL) {
		r->has_meeting = true;
		r->meeting_start_ms = start;
		r->meeting_minutes = (uint32_t)mins;
		if ((r->meeting_join_ref = strdup(join)) == NULL) {
			cli_fail("answer", -ENOMEM, NULL);
			goto out;
		}
	}
	if (read_text("answer", "--advice", advice, &r->advice) != 0)
		goto out;
	for (i = 0; i < nattach; i++)
		if (add_attachment("answer", p, attach[i]) != 0)
			goto out;
	ret = send_reply(g, "answer", id, p);
out:
	cairn_payload_free(p);
	return ret;
}

static int
cmd_withdraw(int argc, char **argv, const struct global *g)
{
	static const struct option longopts[] = {
		{ "reason",	required_argument,	NULL, 'R' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	const char *reason = NULL;
	struct cairn_payload *p;
	uint8_t	 id[CAIRN_MSG_ID_BYTES];
	int	 ch, ret;

	while ((ch = getopt_long(argc, argv, ":R:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'R':
			reason = optarg;
			break;
		case 'h':
			cli_help_exit("withdraw");
		default:
			cli_bad_option("withdraw", ch, argv);
		}
	}
	if (argc - optind != 1)
		cli_usage("withdraw", "want exactly one request id");
	if (reason == NULL)
		cli_usage("withdraw", "--reason is required");
	parse_id("withdraw", argv[optind], id);
	if (reason[0] == '\0')
		return cli_fail("withdraw", CAIRN_ESTRING, "--reason: say why "
		    "the request is withdrawn");
	if (check_line("withdraw", "--reason", reason, CAIRN_TEXT_MAX,
	    1) != 0)
		return 1;
	if ((p = cairn_payload_new(CAIRN_KIND_WITHDRAWAL)) == NULL)
		return cli_fail("withdraw", -ENOMEM, NULL);
	memcpy(p->u.withdrawal.request_id, id, CAIRN_MSG_ID_BYTES);
	if ((p->u.withdrawal.reason = strdup(reason)) == NULL)
		ret = cli_fail("withdraw", -ENOMEM, NULL);
	else
		ret = send_reply(g, "withdraw", id, p);
	cairn_payload_free(p);
	return ret;
}

/* ---- cases, overdue ------------------------------------------------------ */

/* "queued" or "QUEUED" into one of case_states.  Returns 0 or -1. */
static int
parse_state(const char *s, char out[static CAIRN_STATE_MAX])
{
	char	 up[CAIRN_STATE_MAX];
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++) {
		if (i == sizeof(up) - 1)
			return -1;
		up[i] = s[i] >= 'a' && s[i] <= 'z' ? s[i] - 'a' + 'A' : s[i];
	}
	up[i] = '\0';
	for (i = 0; i < sizeof(case_states) / sizeof(case_states[0]); i++) {
		if (strcmp(up, case_states[i]) == 0) {
			memcpy(out, up, sizeof(up));
			return 0;
		}
	}
	return -1;
}

static json_t *
case_json(const struct cairn_ctl_case *k)
{
	char	id[CAIRN_MSGID_HEX_BYTES], peer[ADDR_BYTES], redir[ADDR_BYTES];

	cairn_msgid_format(id, k->request_id);
	fmt_addr(peer, k->peer_org, k->peer_function);
	fmt_addr(redir, k->redirect_org, k->redirect_function);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?, "
	    "s:I, s:I, s:I, s:I, s:I}",
	    "id", id,
	    "direction", k->sent ? "sent" : "received",
	    "state", k->state,
	    "function", k->function,
	    "peer", peer,
	    "due", k->due[0] != '\0' ? k->due : NULL,
	    "contact_by", k->contact_by[0] != '\0' ? k->contact_by : NULL,
	    "channel", cairn_channel_name(k->channel),
	    "redirect_to", redir[0] != '\0' ? redir : NULL,
	    "created_ms", (json_int_t)k->created_ms,
	    "delivered_ms", (json_int_t)k->delivered_ms,
	    "due_ms", (json_int_t)k->due_ms,
	    "updated_ms", (json_int_t)k->updated_ms,
	    "guarantee_days", (json_int_t)k->guarantee_days);
}

static int
list_cases(int argc, char **argv, const struct global *g,
    enum cairn_ctl_command which)
{
	static const struct option cases_opts[] = {
		{ "function",	required_argument,	NULL, 'f' },
		{ "state",	required_argument,	NULL, 'S' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	static const struct option overdue_opts[] = {
		{ "function",	required_argument,	NULL, 'f' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	const int is_cases = which == CAIRN_CTL_CASES;
	const char *cmd = argv[0], *function = NULL;
	struct cairn_client *c;
	struct cairn_ctl_case *cases = NULL, *k;
	json_t	*arr, *o;
	char	 id[CAIRN_MSGID_HEX_BYTES], peer[ADDR_BYTES];
	char	 state[CAIRN_STATE_MAX] = "";
	size_t	 n, i;
	int	 ch, rc, json = 0, ret = 1;
	int	 w_state = 5, w_fn = 8, w_peer = 4;

	while ((ch = getopt_long(argc, argv, is_cases ? ":f:S:jh" : ":f:jh",
	    is_cases ? cases_opts : overdue_opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			function = optarg;
			break;
		case 'S':
			if (parse_state(optarg, state) != 0)
				return cli_fail(cmd, CAIRN_EFIELD, "--state: "
				    "unknown state '%.40s' (want QUEUED, "
				    "DELIVERED, GUARANTEED, ANSWERED, OVERDUE, "
				    "REDIRECTED, WITHDRAWN, REJECTED or "
				    "FAILED)", optarg);
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			cli_help_exit(cmd);
		default:
			cli_bad_option(cmd, ch, argv);
		}
	}
	if (optind != argc)
		cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
	if (function != NULL && (rc = cairn_valid_function(function)) != 0)
		return cli_fail(cmd, rc, "--function: %s", cairn_strerror(rc));
	if (connect_daemon(g, cmd, &c) != 0)
		return 1;
	if ((rc = cairn_client_cases(c, which, function, state, &cases,
	    &n)) != 0) {
		fail_client(c, cmd, rc);
		goto out;
	}
	if (json) {
		if ((arr = json_array()) == NULL) {
			cli_fail(cmd, -ENOMEM, NULL);
			goto out;
		}
		for (i = 0; i < n; i++) {
			if ((o = case_json(&cases[i])) == NULL ||
			    json_array_append_new(arr, o) != 0) {
				json_decref(arr);
				cli_fail(cmd, -ENOMEM, NULL);
				goto out;
			}
		}
		ret = print_json(arr);
		note_truncated(c, cmd, n, "cases",
		    is_cases ? "--function or --state" : "--function");
		goto out;
	}
	for (i = 0; i < n; i++) {
		k = &cases[i];
		fmt_addr(peer, k->peer_org, k->peer_function);
		if ((int)strlen(k->state) > w_state)
			w_state = (int)strlen(k->state);
		if ((int)strlen(k->function) > w_fn)
			w_fn = (int)strlen(k->function);
		if ((int)strlen(peer) > w_peer)
			w_peer = (int)strlen(peer);
	}
	if (n > 0)
		printf("%-32s  %-8s  %-*s  %-*s  %-*s  %-10s  %s\n", "ID",
		    "DIR", w_state, "STATE", w_fn, "FUNCTION", w_peer, "PEER",
		    "DUE", "CONTACT-BY");
	for (i = 0; i < n; i++) {
		k = &cases[i];
		cairn_msgid_format(id, k->request_id);
		fmt_addr(peer, k->peer_org, k->peer_function);
		printf("%-32s  %-8s  %-*s  %-*s  %-*s  %-10s  %s\n", id,
		    k->sent ? "sent" : "received", w_state, k->state, w_fn,
		    k->function[0] != '\0' ? k->function : "-", w_peer,
		    peer[0] != '\0' ? peer : "-",
		    k->due[0] != '\0' ? k->due : "-",
		    k->contact_by[0] != '\0' ? k->contact_by : "-");
	}
	note_truncated(c, cmd, n, "cases",
	    is_cases ? "--function or --state" : "--function");
	ret = 0;
out:
	free(cases);
	cairn_client_close(c);
	return ret;
}

static int
cmd_cases(int argc, char **argv, const struct global *g)
{
	return list_cases(argc, argv, g, CAIRN_CTL_CASES);
}

static int
cmd_overdue(int argc, char **argv, const struct global *g)
{
	return list_cases(argc, argv, g, CAIRN_CTL_OVERDUE);
}

/* ---- stats --------------------------------------------------------------- */

static int
cmd_stats(int argc, char **argv, const struct global *g)
{
	static const struct option longopts[] = {
		{ "json",	no_argument,		NULL, 'j' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	const char *cmd = argv[0];
	struct cairn_client *c;
	struct cairn_ctl_stats st;
	json_t	*o, *peers, *p;
	char	 head[2 * CAIRN_HASH_BYTES + 1], t1[TIME_BYTES], t2[TIME_BYTES];
	int64_t	 now = (int64_t)time(NULL) * 1000;
	size_t	 i;
	int	 ch, rc, json = 0, ret = 1;

	while ((ch = getopt_long(argc, argv, ":jh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			json = 1;
			break;
		case 'h':
			cli_help_exit(cmd);
		default:
			cli_bad_option(cmd, ch, argv);
		}
	}
	if (optind != argc)
		cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
	if (connect_daemon(g, cmd, &c) != 0)
		return 1;
	if ((rc = cairn_client_stats(c, &st)) != 0) {
		fail_client(c, cmd, rc);
		cairn_client_close(c);
		return 1;
	}
	cairn_sig_hex(head, st.audit_head, CAIRN_HASH_BYTES);
	if (json) {
		if ((o = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,"
		    "s:s,s:I,s:I,s:I,s:I,s:I}",
		    "out_queued", (json_int_t)st.out_queued,
		    "out_delivered", (json_int_t)st.out_delivered,
		    "out_rejected", (json_int_t)st.out_rejected,
		    "out_failed", (json_int_t)st.out_failed,
		    "in_total", (json_int_t)st.in_total,
		    "in_flight", (json_int_t)st.in_flight,
		    "retries", (json_int_t)st.retries,
		    "dedup", (json_int_t)st.dedup,
		    "oldest_queued_ms", (json_int_t)st.oldest_queued_ms,
		    "audit_seq", (json_int_t)st.audit_seq,
		    "audit_head", head,
		    "book_serial", (json_int_t)st.book_serial,
		    "book_expires_ms", (json_int_t)st.book_expires_ms,
		    "sign_key_expires_ms", (json_int_t)st.sign_key_expires_ms,
		    "box_key_expires_ms", (json_int_t)st.box_key_expires_ms,
		    "started_ms", (json_int_t)st.started_ms)) == NULL ||
		    (peers = json_array()) == NULL ||
		    json_object_set_new(o, "peers", peers) != 0) {
			cli_fail(cmd, -ENOMEM, NULL);
			goto out;
		}
		for (i = 0; i < st.npeers; i++) {
			if ((p = json_pack("{s:s,s:b,s:I}", "org",
			    st.peers[i].org, "reachable",
			    st.peers[i].reachable, "in_flight",
			    (json_int_t)st.peers[i].in_flight)) == NULL ||
			    json_array_append_new(peers, p) != 0) {
				json_decref(o);
				cli_fail(cmd, -ENOMEM, NULL);
				goto out;
			}
		}
		ret = print_json(o);
		goto out;
	}
	printf("outbox         %llu queued, %llu delivered, %llu rejected, "
	    "%llu failed\n", (unsigned long long)st.out_queued,
	    (unsigned long long)st.out_delivered,
	    (unsigned long long)st.out_rejected,
	    (unsigned long long)st.out_failed);
	printf("in flight      %llu (retries of queued messages: %llu)\n",
	    (unsigned long long)st.in_flight, (unsigned long long)st.retries);
	if (st.oldest_queued_ms > 0)
		printf("oldest queued  %lld s old\n",
		    (long long)((now - st.oldest_queued_ms) / 1000));
	else
		printf("oldest queued  -\n");
	printf("inbox          %llu received, %llu ids remembered against "
	    "duplicates\n", (unsigned long long)st.in_total,
	    (unsigned long long)st.dedup);
	printf("audit          %llu records, head %s\n",
	    (unsigned long long)st.audit_seq, head);
	fmt_time(t1, st.book_expires_ms);
	printf("address book   serial %llu, expires %s%s\n",
	    (unsigned long long)st.book_serial, t1,
	    st.book_expires_ms - now < 14 * 86400000LL ? "  WARNING: soon" :
	    "");
	fmt_time(t1, st.sign_key_expires_ms);
	fmt_time(t2, st.box_key_expires_ms);
	printf("keys           signing until %s%s, encryption until %s%s\n", t1,
	    st.sign_key_expires_ms - now < 30 * 86400000LL ? " (rotate!)" :
	    "", t2, st.box_key_expires_ms - now < 30 * 86400000LL ?
	    " (rotate!)" : "");
	fmt_time(t1, st.started_ms);
	printf("running since  %s\n", t1);
	for (i = 0; i < st.npeers; i++)
		printf("peer           %-30s %-12s %u in flight\n",
		    st.peers[i].org, st.peers[i].reachable ? "reachable" :
		    "unreachable", st.peers[i].in_flight);
	ret = 0;
out:
	free(st.peers);
	cairn_client_close(c);
	return ret;
}

/* ---- main ---------------------------------------------------------------- */

static int
cmd_help(int argc, char **argv, const struct global *g)
{
	static const struct option longopts[] = {
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	size_t	i;
	int	ch;

	(void)g;
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (ch == 'h')
			cli_help_exit("help");
		cli_bad_option("help", ch, argv);
	}
	if (optind != argc)
		cli_usage("help", "unexpected argument '%s'", argv[optind]);
	cli_usage_print(stdout, NULL);
	printf("\ncommands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		printf("  %-10s %s\n", commands[i].name,
		    commands[i].description);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket",	required_argument,	NULL, 's' },
		{ "timeout",	required_argument,	NULL, 't' },
		{ "version",	no_argument,		NULL, 'V' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct global g = { NULL, 0 };
	size_t	 i;
	long	 secs;
	int	 ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:s:t:Vh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
			g.socket = optarg;
			break;
		case 't':
			if (parse_seconds(optarg, TIMEOUT_S_MAX, &secs) != 0)
				cli_usage(NULL, "bad timeout '%s' (want 1 to "
				    "%d seconds)", optarg, TIMEOUT_S_MAX);
			g.timeout_ms = (int)secs * 1000;
			break;
		case 'V':
			printf("%s %s\n", CLI_PROG, CAIRN_VERSION);
			return 0;
		case 'h':
			cli_help_exit(NULL);
		default:
			cli_bad_option(NULL, ch, argv);
		}
	}
	if (optind == argc)
		cli_usage(NULL, NULL);
	if (g.socket == NULL && ((g.socket = getenv(CAIRN_SOCKET_ENV)) ==
	    NULL || g.socket[0] == '\0'))
		g.socket = CAIRN_SOCKET_DEFAULT;
	for (i = 0; i < NCOMMANDS; i++) {
		if (strcmp(argv[optind], commands[i].name) != 0)
			continue;
		argc -= optind;
		argv += optind;
		optind = 0;	/* glibc: start afresh, at argv[1] */
		return commands[i].fn(argc, argv, &g);
	}
	cli_usage(NULL, "unknown command '%s'", argv[optind]);
}

/* SPDX-License-Identifier: MIT */
/*
 * trace: see trace.h.  The ids of a pass are kept until its commit, then
 * written as lines to a file opened O_APPEND and flushed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "daemon/trace.h"

struct trace_ent {
	uint8_t		 id[CAIRN_MSG_ID_BYTES];
	int		 inbound;
};

struct trace {
	FILE		 *f;
	struct trace_ent *ent;
	size_t		  n, cap;
	unsigned long long pass_us, sync_us;
	int		  nomem;	/* a note was lost: say so at commit */
};

static unsigned long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (unsigned long long)ts.tv_sec * 1000000 +
	    (unsigned long long)ts.tv_nsec / 1000;
}

int
trace_open(struct trace **out, const char *path)
{
	struct trace *t;
	int	fd;

	*out = NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -ENOMEM;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (fd < 0 || (t->f = fdopen(fd, "a")) == NULL) {
		int e = errno;

		if (fd >= 0)
			(void)close(fd);
		free(t);
		return -e;
	}
	*out = t;
	return 0;
}

void
trace_close(struct trace *t)
{
	if (t == NULL)
		return;
	(void)fclose(t->f);
	free(t->ent);
	free(t);
}

void
trace_pass(struct trace *t)
{
	if (t != NULL)
		t->pass_us = now_us();
}

void
trace_sync(struct trace *t)
{
	if (t != NULL)
		t->sync_us = now_us();
}

void
trace_note(struct trace *t, int inbound,
    const uint8_t msg_id[static CAIRN_MSG_ID_BYTES])
{
	struct trace_ent *ne;
	size_t	cap;

	if (t == NULL)
		return;
	if (t->n == t->cap) {
		cap = t->cap ? t->cap * 2 : 64;
		if ((ne = reallocarray(t->ent, cap, sizeof(*ne))) == NULL) {
			t->nomem = 1;
			return;
		}
		t->ent = ne;
		t->cap = cap;
	}
	memcpy(t->ent[t->n].id, msg_id, CAIRN_MSG_ID_BYTES);
	t->ent[t->n].inbound = inbound != 0;
	t->n++;
}

int
trace_commit(struct trace *t, int rc)
{
	char	 hex[2 * CAIRN_MSG_ID_BYTES + 1];
	unsigned long long us;
	size_t	 i;
	int	 err = 0;

	if (t == NULL)
		return 0;
	if (t->nomem) {
		t->nomem = 0;
		err = -ENOMEM;
	}
	if (t->n == 0 || rc != 0) {
		t->n = 0;
		return rc != 0 ? 0 : err;
	}
	us = now_us();
	for (i = 0; i < t->n; i++) {
		sodium_bin2hex(hex, sizeof(hex), t->ent[i].id,
		    CAIRN_MSG_ID_BYTES);
		fprintf(t->f, "%s %s %llu %llu %llu\n",
		    t->ent[i].inbound ? "in" : "out", hex, us, t->pass_us,
		    t->sync_us);
	}
	t->n = 0;
	/* one write(2) for the pass's lines, most of the time */
	errno = 0;
	if (fflush(t->f) != 0 || ferror(t->f)) {
		err = -(errno ? errno : EIO);
		clearerr(t->f);
	}
	return err;
}

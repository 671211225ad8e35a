/* SPDX-License-Identifier: MIT */
/*
 * trace: see trace.h.  The lines of a pass are kept until its commit and
 * written with one write(2) to a file opened O_APPEND.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/trace.h"

struct trace_ent {
	uint8_t		 id[CAIRN_MSG_ID_BYTES];
	int		 inbound;
};

struct trace {
	int		  fd;
	struct trace_ent *ent;
	size_t		  n, cap;
	int		  nomem;	/* a note was lost: say so at commit */
};

/* "out " + 32 hex + " " + 20 digits + "\n" */
#define LINE_MAX_BYTES	(4 + 2 * CAIRN_MSG_ID_BYTES + 1 + 20 + 1)

int
trace_open(struct trace **out, const char *path)
{
	struct trace *t;

	*out = NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -ENOMEM;
	t->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (t->fd < 0) {
		int e = errno;

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
	(void)close(t->fd);
	free(t->ent);
	free(t);
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

/* Writes v in decimal at p; returns the digits written. */
static size_t
put_dec(char *p, uint64_t v)
{
	char	tmp[20];
	size_t	n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i];
	return n;
}

int
trace_commit(struct trace *t, int rc)
{
	static const char hex[] = "0123456789abcdef";
	struct timespec ts;
	char	*buf, *p;
	uint64_t us;
	size_t	 i, k, len;
	ssize_t	 w;
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
	clock_gettime(CLOCK_REALTIME, &ts);
	us = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
	if ((buf = malloc(t->n * LINE_MAX_BYTES)) == NULL) {
		t->n = 0;
		return -ENOMEM;
	}
	for (p = buf, i = 0; i < t->n; i++) {
		memcpy(p, t->ent[i].inbound ? "in " : "out ",
		    t->ent[i].inbound ? 3 : 4);
		p += t->ent[i].inbound ? 3 : 4;
		for (k = 0; k < CAIRN_MSG_ID_BYTES; k++) {
			*p++ = hex[t->ent[i].id[k] >> 4];
			*p++ = hex[t->ent[i].id[k] & 0xf];
		}
		*p++ = ' ';
		p += put_dec(p, us);
		*p++ = '\n';
	}
	t->n = 0;
	len = (size_t)(p - buf);
	for (p = buf; len > 0; p += w, len -= (size_t)w) {
		if ((w = write(t->fd, p, len)) < 0) {
			if (errno == EINTR) {
				w = 0;
				continue;
			}
			err = -errno;
			break;
		}
	}
	free(buf);
	return err;
}

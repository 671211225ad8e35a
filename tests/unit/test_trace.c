/* SPDX-License-Identifier: MIT */
/*
 * daemon/trace: the ids noted in a transaction are written, one line each
 * with the same times (the pass's start, its commit's start, its commit's
 * end, in that order), only when its commit succeeded; a failed or
 * abandoned transaction writes nothing and leaves nothing for the next;
 * the file is created 0600 and appended to, never truncated.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon/trace.h"
#include "proto/error.h"

struct fix {
	char	dir[64];
	char	path[128];
};

static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/cairn-test-trace.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/trace", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* The file's lines, at most max, into lines[] (each up to 127 bytes). */
static size_t
read_lines(const char *path, char lines[][128], size_t max)
{
	FILE	*fp;
	size_t	 n = 0;

	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	while (n < max && fgets(lines[n], 128, fp) != NULL)
		n++;
	fclose(fp);
	return n;
}

static void
id_of(uint8_t id[CAIRN_MSG_ID_BYTES], uint8_t b)
{
	memset(id, b, CAIRN_MSG_ID_BYTES);
}

static void
test_written_after_commit_only(void **state)
{
	struct fix *f = *state;
	struct trace *t;
	struct stat sb;
	char	 lines[8][128], dir[8], hex[40];
	unsigned long long us[3], pass[3], sync[3], before, after;
	uint8_t	 id[CAIRN_MSG_ID_BYTES];
	struct timespec ts;
	size_t	 i;

	assert_int_equal(trace_open(&t, f->path), 0);
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);

	/* a failed commit: nothing, and nothing carried over */
	id_of(id, 0x11);
	trace_note(t, 1, id);
	assert_int_equal(trace_commit(t, CAIRN_ESTORE), 0);
	assert_int_equal(read_lines(f->path, lines, 8), 0);

	clock_gettime(CLOCK_REALTIME, &ts);
	before = (unsigned long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	trace_pass(t);
	id_of(id, 0xa1);
	trace_note(t, 0, id);
	id_of(id, 0xb2);
	trace_note(t, 1, id);
	id_of(id, 0xc3);
	trace_note(t, 1, id);
	usleep(2000);
	trace_sync(t);
	usleep(2000);
	assert_int_equal(trace_commit(t, 0), 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	after = (unsigned long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;

	assert_int_equal(read_lines(f->path, lines, 8), 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(sscanf(lines[i], "%7s %39s %llu %llu %llu",
		    dir, hex, &us[i], &pass[i], &sync[i]), 5);
		assert_in_range(pass[i], before, after);
		assert_in_range(sync[i], pass[i] + 2000, after);
		assert_in_range(us[i], sync[i] + 2000, after);
		/* one pass, one commit: the same times */
		assert_true(us[i] == us[0] && pass[i] == pass[0] &&
		    sync[i] == sync[0]);
	}
	assert_memory_equal(lines[0], "out a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1 ",
	    37);
	assert_memory_equal(lines[1], "in b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2 ",
	    36);
	assert_memory_equal(lines[2], "in c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3 ",
	    36);
	/* nothing noted: a commit writes nothing */
	assert_int_equal(trace_commit(t, 0), 0);
	assert_int_equal(read_lines(f->path, lines, 8), 3);
	trace_close(t);
}

/*
 * An abandoned transaction (the workflow's txn_lost) drops its ids; the
 * pass goes on in a new one whose ids alone are written; reopening
 * appends.
 */
static void
test_abandoned_then_reopened(void **state)
{
	struct fix *f = *state;
	struct trace *t;
	char	 lines[8][128];
	uint8_t	 id[CAIRN_MSG_ID_BYTES];
	unsigned long long us, pass, sync;
	int	 b;

	assert_int_equal(trace_open(&t, f->path), 0);
	for (b = 1; b <= 100; b++) {	/* past the first allocation */
		id_of(id, (uint8_t)b);
		trace_note(t, 1, id);
	}
	assert_int_equal(trace_commit(t, CAIRN_ENOSPACE), 0);
	id_of(id, 0xee);
	trace_note(t, 0, id);
	assert_int_equal(trace_commit(t, 0), 0);
	trace_close(t);

	assert_int_equal(trace_open(&t, f->path), 0);
	id_of(id, 0xdd);
	trace_note(t, 1, id);
	assert_int_equal(trace_commit(t, 0), 0);
	trace_close(t);

	assert_int_equal(read_lines(f->path, lines, 8), 2);
	assert_memory_equal(lines[0], "out eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee ",
	    37);
	assert_memory_equal(lines[1], "in dddddddddddddddddddddddddddddddd ",
	    36);
	/* no pass or commit start was noted in the reopened trace: 0 */
	assert_int_equal(sscanf(lines[1] + 36, "%llu %llu %llu", &us, &pass,
	    &sync), 3);
	assert_true(us > 0 && pass == 0 && sync == 0);
}

/* No trace (the default): every call is a no-op. */
static void
test_null_trace(void **state)
{
	uint8_t	id[CAIRN_MSG_ID_BYTES];

	(void)state;
	id_of(id, 1);
	trace_note(NULL, 1, id);
	assert_int_equal(trace_commit(NULL, 0), 0);
	trace_close(NULL);
}

static void
test_open_fails(void **state)
{
	struct fix *f = *state;
	struct trace *t = (struct trace *)1;
	char	path[160];

	snprintf(path, sizeof(path), "%s/no/such/dir", f->dir);
	assert_true(trace_open(&t, path) < 0);
	assert_null(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_written_after_commit_only,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_abandoned_then_reopened,
		    setup, teardown),
		cmocka_unit_test(test_null_trace),
		cmocka_unit_test_setup_teardown(test_open_fails, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

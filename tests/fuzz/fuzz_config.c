/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes config_load: the input is written to a memfd (or, where memfd
 * is missing, a file under /tmp) and loaded by its /proc/self/fd path, as
 * cairnd loads cairnd.conf.  Relative paths in the input are joined with
 * that directory; nothing is opened through them.
 */
#include <sys/mman.h>

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/config.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int	conf_fd = -1;
static char	conf_path[PATH_MAX];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	tmpl[] = "/tmp/cairn-fuzz-config.XXXXXX";

	(void)argc;
	(void)argv;
	if ((conf_fd = memfd_create("cairnd.conf", MFD_CLOEXEC)) != -1) {
		snprintf(conf_path, sizeof(conf_path), "/proc/self/fd/%d",
		    conf_fd);
		if (access(conf_path, R_OK) == 0)
			return 0;
		close(conf_fd);
	}
	if ((conf_fd = mkstemp(tmpl)) == -1)
		abort();
	/* Unlinked at once: nothing is left behind, even after a crash. */
	snprintf(conf_path, sizeof(conf_path), "/proc/self/fd/%d", conf_fd);
	unlink(tmpl);
	if (access(conf_path, R_OK) != 0)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	*conf;
	char		 err[CONFIG_ERR_MAX];
	size_t		 off = 0;
	ssize_t		 n;

	if (ftruncate(conf_fd, 0) == -1)
		abort();
	while (off < size) {
		n = pwrite(conf_fd, data + off, size - off, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			abort();
		off += (size_t)n;
	}
	if (config_load(&conf, conf_path, err, sizeof(err)) == 0) {
		if (conf->org[0] == '\0' || conf->window == 0)
			abort();
		config_free(conf);
	} else if (conf != NULL || memchr(err, '\0', sizeof(err)) == NULL)
		abort();
	return 0;
}

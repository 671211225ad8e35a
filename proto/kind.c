/* SPDX-License-Identifier: MIT */
/*
 * Names of message kinds (see kind.h).
 */
#include <string.h>

#include "proto/kind.h"

static const char *names[] = {
	[CAIRN_KIND_NONE] = "unknown",
	[CAIRN_KIND_REQUEST] = "consultation-request",
	[CAIRN_KIND_GUARANTEE] = "contact-guarantee",
	[CAIRN_KIND_RESPONSE] = "consultation-response",
	[CAIRN_KIND_WITHDRAWAL] = "withdrawal",
};

const char *
cairn_kind_name(enum cairn_kind kind)
{
	if ((int)kind < 0 || kind > CAIRN_KIND_MAX)
		return names[CAIRN_KIND_NONE];
	return names[kind];
}

enum cairn_kind
cairn_kind_parse(const char *name)
{
	int	k;

	for (k = 1; k <= CAIRN_KIND_MAX; k++)
		if (strcmp(name, names[k]) == 0)
			return (enum cairn_kind)k;
	return CAIRN_KIND_NONE;
}

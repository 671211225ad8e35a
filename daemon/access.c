/* SPDX-License-Identifier: MIT */
/*
 * access: roles of local users (see access.h).
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/access.h"
#include "daemon/log.h"

#define MAX_GROUPS	256

struct rule {
	char	role[CAIRN_FUNCTION_MAX + 1];
	bool	group;
	int64_t	id;
};

struct access {
	bool		 configured;	/* an [access] section exists */
	int64_t		 self_uid;
	struct rule	*rules;
	size_t		 nrules;
};

int
access_load(struct access **out, const struct config *cfg)
{
	struct access *a;
	struct passwd *pw;
	struct group *gr;
	size_t	i;

	*out = NULL;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return -ENOMEM;
	a->configured = cfg->has_access;
	a->self_uid = (int64_t)geteuid();
	if (cfg->naccess > 0 &&
	    (a->rules = calloc(cfg->naccess, sizeof(*a->rules))) == NULL) {
		free(a);
		return -ENOMEM;
	}
	for (i = 0; i < cfg->naccess; i++) {
		const struct config_access *ca = &cfg->access[i];
		struct rule *r = &a->rules[a->nrules];

		snprintf(r->role, sizeof(r->role), "%s", ca->role);
		if (ca->kind == CONFIG_PRINCIPAL_GROUP) {
			r->group = true;
			if ((gr = getgrnam(ca->name)) == NULL) {
				log_warnx("access: no group %s (role %s), "
				    "skipped", ca->name, ca->role);
				continue;
			}
			r->id = (int64_t)gr->gr_gid;
		} else {
			if ((pw = getpwnam(ca->name)) == NULL) {
				log_warnx("access: no user %s (role %s), "
				    "skipped", ca->name, ca->role);
				continue;
			}
			r->id = (int64_t)pw->pw_uid;
		}
		a->nrules++;
	}
	*out = a;
	return 0;
}

void
access_free(struct access *a)
{
	if (a == NULL)
		return;
	free(a->rules);
	free(a);
}

static void
grant(struct access_roles *r, const char *role)
{
	size_t	i;

	if (strcmp(role, "admin") == 0) {
		r->admin = true;
		return;
	}
	if (strcmp(role, "auditor") == 0) {
		r->auditor = true;
		return;
	}
	for (i = 0; i < r->nfunctions; i++)
		if (strcmp(r->functions[i], role) == 0)
			return;
	if (r->nfunctions < ACCESS_MAX_FUNCTIONS)
		snprintf(r->functions[r->nfunctions++],
		    sizeof(r->functions[0]), "%s", role);
}

void
access_roles(const struct access *a, int64_t uid, int64_t gid,
    struct access_roles *r)
{
	gid_t	 groups[MAX_GROUPS];
	int	 ngroups = MAX_GROUPS, k;
	struct passwd *pw;
	size_t	 i;

	memset(r, 0, sizeof(*r));
	if (uid < 0)
		return;
	/* the daemon's own user holds its keys and store anyway */
	if (uid == a->self_uid || (!a->configured && uid == 0)) {
		r->admin = true;
		return;
	}
	if (!a->configured)
		return;
	ngroups = 0;
	if ((pw = getpwuid((uid_t)uid)) != NULL) {
		ngroups = MAX_GROUPS;
		if (getgrouplist(pw->pw_name, pw->pw_gid, groups,
		    &ngroups) < 0)
			ngroups = MAX_GROUPS;	/* the first MAX_GROUPS */
	}
	for (i = 0; i < a->nrules; i++) {
		const struct rule *ru = &a->rules[i];

		if (!ru->group) {
			if (ru->id == uid)
				grant(r, ru->role);
			continue;
		}
		if (ru->id == gid) {
			grant(r, ru->role);
			continue;
		}
		for (k = 0; k < ngroups; k++)
			if ((int64_t)groups[k] == ru->id) {
				grant(r, ru->role);
				break;
			}
	}
}

bool
access_may_act(const struct access_roles *r, const char *fn)
{
	size_t	i;

	if (r->admin)
		return true;
	for (i = 0; i < r->nfunctions; i++)
		if (strcmp(r->functions[i], fn) == 0)
			return true;
	return false;
}

bool
access_may_see(const struct access_roles *r, const char *fn)
{
	return r->auditor || access_may_act(r, fn);
}

bool
access_any(const struct access_roles *r)
{
	return r->admin || r->auditor || r->nfunctions > 0;
}

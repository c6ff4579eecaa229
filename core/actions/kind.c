/*
 * The table of actions: ACTIONS_LIST (include/leaktop/actions.h) expanded
 * into one array of entries indexed by kind, and what the front ends ask
 * of a kind (its name, undo partner, target, menu line), read from it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "action_int.h"

static const struct action_entry *const table[ACTIONS_NKINDS] = {
#define ACTIONS_SLOT(id, entry) [ACTIONS_##id] = &actions_##entry##_entry,
	ACTIONS_LIST(ACTIONS_SLOT)
#undef ACTIONS_SLOT
};

const struct action_entry *actions_kind_entry(enum actions_kind kind)
{
	if ((unsigned)kind >= ACTIONS_NKINDS)
		return NULL;
	return table[kind];
}

const char *actions_kind_name(enum actions_kind kind)
{
	const struct action_entry *e = actions_kind_entry(kind);

	return e ? e->name : "?";
}

enum actions_kind actions_kind_parse(const char *name)
{
	int k;

	if (!name)
		return ACTIONS_NONE;
	for (k = ACTIONS_NONE + 1; k < ACTIONS_NKINDS; k++)
		if (!strcmp(name, table[k]->name))
			return (enum actions_kind)k;
	return ACTIONS_NONE;
}

int actions_kind_needs_fd(enum actions_kind kind)
{
	const struct action_entry *e = actions_kind_entry(kind);

	/* an unknown kind is treated as a socket action: it needs an fd */
	return e ? e->needs_fd : 1;
}

enum actions_kind actions_kind_undo(enum actions_kind kind)
{
	const struct action_entry *e = actions_kind_entry(kind);

	return e ? e->undo : ACTIONS_NONE;
}

char *actions_kind_command(enum actions_kind kind, int pid, int fd, uint64_t inode, int yes,
			   char *out, size_t outsz)
{
	int sock = actions_kind_needs_fd(kind) && fd >= 0;
	char target[64] = "";

	if (sock && inode)
		snprintf(target, sizeof(target), " --fd %d --inode %" PRIu64, fd, inode);
	else if (sock)
		snprintf(target, sizeof(target), " --fd %d", fd);
	snprintf(out, outsz, "leaktop --act %s --pid %d%s%s%s", actions_kind_name(kind), pid,
		 target, yes && actions_kind_needs_confirm(kind) ? " --confirm-drain" : "",
		 yes ? " --yes" : "");
	return out;
}

const char *actions_kind_effect(enum actions_kind kind)
{
	const struct action_entry *e = actions_kind_entry(kind);

	return e && e->effect ? e->effect : "";
}

int actions_kind_needs_confirm(enum actions_kind kind)
{
	const struct action_entry *e = actions_kind_entry(kind);

	return e && e->confirm;
}

const struct action_state_codec *actions_kind_codec(enum actions_kind kind)
{
	const struct action_entry *e = actions_kind_entry(kind);

	return e ? e->state : NULL;
}

enum actions_kind actions_kind_family(enum actions_kind kind)
{
	const struct action_state_codec *c = actions_kind_codec(kind);

	return c && !c->marker ? c->kind : ACTIONS_NONE;
}

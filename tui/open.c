/*
 * The one table of what the UI opens.  A view that drills down names what
 * it wants in a struct tui_ref and calls tui_open (tui.c), which looks the
 * kind up here: a line per kind, either the constructor of the view that
 * shows it or, for a pane or a replay position, the function that goes
 * there.  This is the only file that knows every view; views know tui.h
 * and the low files only.  A new view: its file, and its line below.
 */
#include <stdio.h>
#include <string.h>

#include "actlog.h"
#include "actmenu.h"
#include "eventlist.h"
#include "evview.h"
#include "fdview.h"
#include "findpane.h"
#include "help.h"
#include "leaktop/common.h"
#include "mempane.h"
#include "open.h"
#include "procpane.h"
#include "replay.h"
#include "sockpane.h"
#include "sockview.h"
#include "svcpane.h"
#include "table.h"
#include "theme.h"
#include "tui.h"

const struct table_desc *const tui_panes[TUI_NPANES] = {
	[TUI_PANE_SOCKETS] = &sockpane_desc,
	[TUI_PANE_PROCS] = &procpane_desc,
	[TUI_PANE_FINDINGS] = &findpane_desc,
	[TUI_PANE_MEMORY] = &mempane_desc,
	[TUI_PANE_SERVICES] = &svcpane_desc,
};

static struct view *open_socket(struct tui *t, const struct tui_ref *ref)
{
	struct view *v;

	if (!t->have || ref->sock >= t->cur.socks.n) {
		tui_set_status(t, THEME_STATUS, "that socket is no longer in the census");
		return NULL;
	}
	v = sockview_new(t, ref->sock);
	if (v && ref->pid > 0)
		sockview_select_owner(v, ref->pid, ref->fd);
	return v;
}

static struct view *open_fds(struct tui *t, const struct tui_ref *ref)
{
	return fdview_new(t, ref->pid, ref->fd);
}

static struct view *open_finding(struct tui *t, const struct tui_ref *ref)
{
	if (!ref->finding) {
		tui_set_status(t, THEME_STATUS, "no finding selected");
		return NULL;
	}
	return evview_new(t, ref->finding);
}

static struct view *open_actions(struct tui *t, const struct tui_ref *ref)
{
	if (!ref->target) {
		tui_set_status(t, THEME_STATUS, "nothing to act on here");
		return NULL;
	}
	return actmenu_new(t, ref->target);
}

static struct view *open_actlog(struct tui *t, const struct tui_ref *ref)
{
	(void)ref;
	return actlog_new(t);
}

static struct view *open_help(struct tui *t, const struct tui_ref *ref)
{
	(void)t;
	(void)ref;
	return help_new();
}

static struct view *open_events(struct tui *t, const struct tui_ref *ref)
{
	(void)ref;
	if (!t->rp) {
		tui_set_status(t, THEME_STATUS, "events: only in a replay");
		return NULL;
	}
	return eventlist_new(t);
}

static int go_sample(struct tui *t, const struct tui_ref *ref)
{
	if (!t->rp) {
		tui_set_status(t, THEME_STATUS, "samples: only in a replay");
		return -1;
	}
	return replay_show(t, ref->sample);
}

/* The Sockets pane filtered to ref->text (NULL or "": unfiltered).  Esc on
 * it clears that filter and goes back to where it was called from. */
static int go_sockets(struct tui *t, const struct tui_ref *ref)
{
	const char *proto = ref->text && ref->text[0] ? ref->text : NULL;
	struct table *tb = (struct table *)t->panes[TUI_PANE_SOCKETS];
	int from = t->pane;

	tui_switch_pane(t, TUI_PANE_SOCKETS);
	table_set_filter(tb, t, proto ? proto : "");
	t->jump_from = from + 1;
	snprintf(t->jump_filter, sizeof(t->jump_filter), "%s", proto ? proto : "");
	if (proto)
		tui_set_status(t, THEME_STATUS, "Sockets filtered to \"%s\"; Esc clears it and "
			       "goes back", proto);
	return 0;
}

static int go_procs_by_pss(struct tui *t, const struct tui_ref *ref)
{
	int from = t->pane;

	(void)ref;
	tui_switch_pane(t, TUI_PANE_PROCS);
	table_sort_by((struct table *)t->panes[TUI_PANE_PROCS], t, "PSS");
	t->jump_from = from + 1;
	t->jump_filter[0] = '\0';
	tui_set_status(t, THEME_STATUS, "Processes sorted by PSS; Esc goes back");
	return 0;
}

/* The Processes pane filtered to the cgroup ref->text names (a --cgroup
 * argument, see cgroup_short_arg); Esc goes back. */
static int go_procs_in(struct tui *t, const struct tui_ref *ref)
{
	struct table *tb = (struct table *)t->panes[TUI_PANE_PROCS];
	const char *arg = ref->text ? ref->text : "";
	char filter[64], safe[64];
	int from = t->pane;

	snprintf(filter, sizeof(filter), "%s%s", SVCPANE_FILTER, arg);
	tui_switch_pane(t, TUI_PANE_PROCS);
	table_set_filter(tb, t, filter);
	t->jump_from = from + 1;
	snprintf(t->jump_filter, sizeof(t->jump_filter), "%s", filter);
	tui_set_status(t, THEME_STATUS, "Processes of %s; Esc clears it and goes back",
		       lt_sanitize(arg, safe, sizeof(safe)));
	return 0;
}

const struct tui_opener tui_open_table[TUI_REF_NKINDS] = {
	[TUI_REF_NONE] = { "nothing", NULL, NULL },
	[TUI_REF_SOCKET] = { "socket", open_socket, NULL },
	[TUI_REF_FDS] = { "fd table", open_fds, NULL },
	[TUI_REF_FINDING] = { "finding", open_finding, NULL },
	[TUI_REF_ACTIONS] = { "action menu", open_actions, NULL },
	[TUI_REF_ACTLOG] = { "action log", open_actlog, NULL },
	[TUI_REF_HELP] = { "help", open_help, NULL },
	[TUI_REF_EVENTS] = { "event list", open_events, NULL },
	[TUI_REF_SAMPLE] = { "sample", NULL, go_sample },
	[TUI_REF_SOCKETS] = { "Sockets pane", NULL, go_sockets },
	[TUI_REF_PROCS_BY_PSS] = { "Processes pane", NULL, go_procs_by_pss },
	[TUI_REF_PROCS_IN] = { "Processes pane", NULL, go_procs_in },
};

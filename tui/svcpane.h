/*
 * The Services pane (svcpane.c, key 5): the cgroups (systemd units,
 * containers, pods) by the socket memory they hold, one const table
 * descriptor.  Enter shows the cgroup's processes: the Processes pane
 * filtered with SVCPANE_FILTER and the cgroup's short name.
 */
#ifndef LEAKTOP_TUI_SVCPANE_H
#define LEAKTOP_TUI_SVCPANE_H

struct table_desc;

/* A filter word of the Processes and Sockets panes: "cg:NAME" keeps the
 * rows whose cgroup NAME names (cgroup_matches). */
#define SVCPANE_FILTER "cg:"

extern const struct table_desc svcpane_desc;

#endif

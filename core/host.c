/*
 * Host identity and uptime from a procfs root (see include/leaktop/host.h):
 * one named reader per file, each leaving its field unknown on failure.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leaktop/common.h"
#include "leaktop/host.h"

/* The first line of procroot/rel into out (at most outsz - 1 bytes). */
static int host_read_line(const char *procroot, const char *rel, char *out, size_t outsz)
{
	char path[512], *buf = NULL;
	size_t len;
	int r;

	out[0] = '\0';
	r = lt_path(path, sizeof(path), procroot, rel);
	if (r < 0)
		return r;
	r = lt_read_file(path, &buf, &len, 4096);
	if (r < 0)
		return r;
	buf[strcspn(buf, "\n")] = '\0';
	snprintf(out, outsz, "%s", buf);
	free(buf);
	return out[0] ? 0 : -ENODATA;
}

static int host_read_hostname(const char *procroot, struct host_info *h)
{
	return host_read_line(procroot, "sys/kernel/hostname", h->name, sizeof(h->name));
}

static int host_read_osrelease(const char *procroot, struct host_info *h)
{
	return host_read_line(procroot, "sys/kernel/osrelease", h->release,
			      sizeof(h->release));
}

/* uptime: "seconds-since-boot idle-seconds", both with two decimals */
static int host_read_uptime(const char *procroot, struct host_info *h)
{
	char line[128], *end;
	double up;
	int r;

	h->uptime = 0;
	r = host_read_line(procroot, "uptime", line, sizeof(line));
	if (r < 0)
		return r;
	up = strtod(line, &end);
	if (end == line || !(up > 0) || up > 1e10)
		return -EINVAL;
	h->uptime = up;
	return 0;
}

int host_read(const char *procroot, struct host_info *h)
{
	int r1, r2, r3;

	if (!procroot)
		procroot = "/proc";
	r1 = host_read_hostname(procroot, h);
	r2 = host_read_osrelease(procroot, h);
	r3 = host_read_uptime(procroot, h);
	return r1 < 0 ? r1 : r2 < 0 ? r2 : r3;
}

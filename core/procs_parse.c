/*
 * The parsers of the per-process files leaktop reads (/proc/PID/limits,
 * stat, cmdline): pure functions of the text, fed from fixtures by the
 * unit tests, shared by the process table (procs.c) and the fd tables.
 */
#include <ctype.h>
#include <errno.h>
#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "leaktop/procs.h"

int procs_parse_limits(const char *text, size_t len, int64_t *soft, int64_t *hard,
		       struct lt_err *err)
{
	const char *p = text, *end = text + len, *nl;

	while (p < end) {
		char line[256], s1[32], s2[32];
		size_t n;

		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n < sizeof(line) && n > 14 && !strncmp(p, "Max open files", 14)) {
			char *e1, *e2;
			long long a, b;

			memcpy(line, p, n);
			line[n] = '\0';
			if (!nl)
				return lt_err_set(err, EBADMSG, "limits: truncated line");
			if (sscanf(line + 14, "%31s %31s", s1, s2) != 2)
				return lt_err_set(err, EBADMSG, "limits: bad 'Max open files' line");
			errno = 0;
			a = strcmp(s1, "unlimited") ? strtoll(s1, &e1, 10) : -1;
			b = strcmp(s2, "unlimited") ? strtoll(s2, &e2, 10) : -1;
			if (errno || (a != -1 && (*e1 || a < 0)) || (b != -1 && (*e2 || b < 0)))
				return lt_err_set(err, EBADMSG,
						  "limits: bad 'Max open files' values");
			*soft = a;
			*hard = b;
			return 0;
		}
		p += n + 1;
	}
	return lt_err_set(err, EBADMSG, "limits: no 'Max open files' line");
}

int procs_parse_stat(const char *text, size_t len, char *comm, size_t commsz,
		     int32_t *ppid, uint64_t *start_ticks, struct lt_err *err)
{
	const char *open, *close = NULL, *p;
	unsigned long long v;
	char buf[1024];
	int field, n;
	long pp;

	/* comm may hold ')' or spaces: it runs from the first '(' to the last ')' */
	open = memchr(text, '(', len);
	for (p = text + len; p > text; p--)
		if (p[-1] == ')') {
			close = p - 1;
			break;
		}
	if (!open || !close || close < open)
		return lt_err_set(err, EBADMSG, "stat: no (comm)");
	n = (int)(close - open - 1);
	snprintf(comm, commsz, "%.*s", n, open + 1);
	n = (int)(text + len - close - 1);
	if (n <= 0 || (size_t)n >= sizeof(buf))
		return lt_err_set(err, EBADMSG, "stat: truncated after comm");
	memcpy(buf, close + 1, (size_t)n);
	buf[n] = '\0';
	/* after ") ": state(3) ppid(4) ... starttime(22) */
	p = buf;
	for (field = 3; field <= 22; field++) {
		char *e;

		while (*p == ' ')
			p++;
		if (!*p)
			return lt_err_set(err, EBADMSG, "stat: only %d fields", field - 1);
		if (field == 4) {
			pp = strtol(p, &e, 10);
			if (e == p)
				return lt_err_set(err, EBADMSG, "stat: bad ppid");
			*ppid = (int32_t)pp;
		} else if (field == 22) {
			errno = 0;
			v = strtoull(p, &e, 10);
			if (e == p || errno)
				return lt_err_set(err, EBADMSG, "stat: bad start time");
			*start_ticks = v;
			return 0;
		}
		while (*p && *p != ' ')
			p++;
	}
	return lt_err_set(err, EBADMSG, "stat: truncated");
}

char procs_parse_state(const char *text, size_t len)
{
	const char *p;

	/* comm may hold ')': the state follows the last one */
	for (p = text + len; p > text; p--)
		if (p[-1] == ')')
			break;
	if (p == text || p + 2 > text + len || *p != ' ')
		return 0;
	return isalpha((unsigned char)p[1]) ? p[1] : 0;
}

int procs_read_state(const char *procroot, struct proc_info *p)
{
	char rel[32], path[512], *buf = NULL;
	size_t len = 0;
	int r;

	p->run_state = 0;
	snprintf(rel, sizeof(rel), "%d/stat", (int)p->pid);
	r = lt_path(path, sizeof(path), procroot, rel);
	if (r == 0)
		r = lt_read_file(path, &buf, &len, 4096);
	if (r == 0)
		p->run_state = procs_parse_state(buf, len);
	free(buf);
	return r;
}

/* Field i (0-based, space separated) of a line, copied into out. */
static int field_of(const char *line, size_t len, int i, char *out, size_t outsz)
{
	const char *p = line, *e = line + len, *s;

	for (;;) {
		while (p < e && *p == ' ')
			p++;
		s = p;
		while (p < e && *p != ' ')
			p++;
		if (s == p)
			return -1;
		if (i-- == 0) {
			snprintf(out, outsz, "%.*s", (int)(p - s), s);
			return 0;
		}
	}
}

void procs_parse_freezer_mounts(const char *text, size_t len, char *v1, size_t v1sz,
				char *v2, size_t v2sz)
{
	const char *p = text, *end = text + len;

	v1[0] = v2[0] = '\0';
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *dash;
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char mnt[512], fstype[32], opts[512];

		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS... - FSTYPE SOURCE SUPEROPTS */
		dash = memmem(p, n, " - ", 3);
		if (dash && field_of(p, n, 4, mnt, sizeof(mnt)) == 0 &&
		    field_of(dash + 3, (size_t)(p + n - dash - 3), 0, fstype, sizeof(fstype)) == 0 &&
		    field_of(dash + 3, (size_t)(p + n - dash - 3), 2, opts, sizeof(opts)) == 0) {
			if (!strcmp(fstype, "cgroup2") && !v2[0])
				snprintf(v2, v2sz, "%s", mnt);
			else if (!strcmp(fstype, "cgroup") && !v1[0] &&
				 (strstr(opts, ",freezer") || !strncmp(opts, "freezer", 7)))
				snprintf(v1, v1sz, "%s", mnt);
		}
		p += n + 1;
	}
}

void procs_parse_cgroups(const char *text, size_t len, char *v1, size_t v1sz, char *v2,
			 size_t v2sz)
{
	const char *p = text, *end = text + len;

	v1[0] = v2[0] = '\0';
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *c1 = memchr(p, ':', n), *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(p + n - c1 - 1)) : NULL;

		/* HIERARCHY-ID:CONTROLLERS:PATH */
		if (c2) {
			size_t cl = (size_t)(c2 - c1 - 1);
			int plen = (int)(p + n - c2 - 1);

			if (!cl && !strncmp(p, "0:", 2))
				snprintf(v2, v2sz, "%.*s", plen, c2 + 1);
			else if ((cl == 7 && !strncmp(c1 + 1, "freezer", 7)) ||
				 (cl > 7 && (memmem(c1 + 1, cl, "freezer,", 8) ||
					     memmem(c1 + 1, cl, ",freezer", 8))))
				snprintf(v1, v1sz, "%.*s", plen, c2 + 1);
		}
		p += n + 1;
	}
}

/* The text of a small file at dir/rel/name (rel may be ""), or NULL. */
static char *read_under(const char *dir, const char *rel, const char *name, size_t *len)
{
	char path[1536], *buf = NULL;

	if (snprintf(path, sizeof(path), "%s%s/%s", dir, strcmp(rel, "/") ? rel : "", name) >=
	    (int)sizeof(path) || strstr(rel, "/.."))
		return NULL;
	if (lt_read_file(path, &buf, len, 65536) < 0)
		return NULL;
	return buf;
}

int procs_read_frozen(const char *procroot, int pid, const char *v1m, const char *v2m)
{
	char rel[32], path[512], v1[512], v2[512], *buf = NULL, *st;
	size_t len = 0;
	int frozen = 0;

	if (!v1m[0] && !v2m[0])
		return 0;
	snprintf(rel, sizeof(rel), "%d/cgroup", pid);
	if (lt_path(path, sizeof(path), procroot, rel) < 0 ||
	    lt_read_file(path, &buf, &len, 65536) < 0)
		return 0;
	procs_parse_cgroups(buf, len, v1, sizeof(v1), v2, sizeof(v2));
	free(buf);
	if (v1m[0] && v1[0] && (st = read_under(v1m, v1, "freezer.state", &len))) {
		frozen = !strncmp(st, "FROZEN", 6);
		free(st);
	}
	if (!frozen && v2m[0] && v2[0] && strcmp(v2, "/") &&
	    (st = read_under(v2m, v2, "cgroup.events", &len))) {
		frozen = strstr(st, "\nfrozen 1") != NULL || !strncmp(st, "frozen 1", 8);
		free(st);
	}
	return frozen;
}

void procs_cmdline_clean(char *s, size_t len, int utf8)
{
	size_t i, k, n;
	uint32_t cp;

	/* the arguments' NULs (the last one dropped) and newlines: spaces */
	while (len > 0 && s[len - 1] == '\0')
		len--;
	s[len] = '\0';
	for (i = 0; i < len; i++)
		if (s[i] == '\0' || s[i] == '\n')
			s[i] = ' ';
	for (i = 0; i < len; i += n) {
		unsigned char c = (unsigned char)s[i];

		n = 1;
		if (c < 0x20 || c == 0x7f) {
			s[i] = utf8 ? '?' : '.';
		} else if (c >= 0x80) {
			n = utf8 ? lt_utf8_decode((const unsigned char *)s + i, len - i, &cp) : 0;
			if (n && iswprint((wint_t)cp) && !lt_codepoint_unsafe(cp))
				continue;
			/* not printable here: one '?' per byte */
			if (!n)
				n = 1;
			for (k = 0; k < n; k++)
				s[i + k] = '?';
		}
	}
}

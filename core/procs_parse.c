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

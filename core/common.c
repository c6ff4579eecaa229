/*
 * Shared helpers for core modules: error causes, whole-file reads of small
 * /proc files, path joining.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "leaktop/common.h"

volatile sig_atomic_t lt_stop_requested;

/* The allocation hook (tests): 0 is off, and then each allocation costs
 * one test of a global more than malloc. */
static unsigned long alloc_fail_at, alloc_count;
/* allocations that came back NULL, injected or not (any thread) */
static unsigned long alloc_failed;

void lt_alloc_fail_nth(unsigned long n)
{
	alloc_fail_at = n;
	alloc_count = 0;
}

unsigned long lt_alloc_count(void)
{
	return alloc_count;
}

unsigned long lt_alloc_failures(void)
{
	return __atomic_load_n(&alloc_failed, __ATOMIC_RELAXED);
}

/* Is this the allocation the test wants to fail? */
static int alloc_fails(void)
{
	return alloc_fail_at && ++alloc_count == alloc_fail_at;
}

/* p, counting a failure (errno ENOMEM) when it is NULL. */
static void *alloc_result(void *p)
{
	if (!p) {
		__atomic_add_fetch(&alloc_failed, 1, __ATOMIC_RELAXED);
		errno = ENOMEM;
	}
	return p;
}

void *lt_malloc(size_t n)
{
	return alloc_result(alloc_fails() ? NULL : malloc(n));
}

void *lt_calloc(size_t n, size_t size)
{
	return alloc_result(alloc_fails() ? NULL : calloc(n, size));
}

void *lt_realloc(void *p, size_t n)
{
	void *q;

	if (!n)		/* frees p: NULL is no failure */
		return realloc(p, n);
	q = alloc_fails() ? NULL : realloc(p, n);
	return alloc_result(q);
}

void *lt_reallocarray(void *p, size_t n, size_t size)
{
	if (!n || !size)
		return reallocarray(p, n, size);
	return alloc_result(alloc_fails() ? NULL : reallocarray(p, n, size));
}

char *lt_strdup(const char *s)
{
	return alloc_result(alloc_fails() ? NULL : strdup(s));
}

char *lt_strndup(const char *s, size_t n)
{
	return alloc_result(alloc_fails() ? NULL : strndup(s, n));
}

int lt_err_set(struct lt_err *err, int errnum, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return errnum > 0 ? -errnum : errnum;
}

int lt_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

int lt_u64_sorted_has(const uint64_t *v, size_t n, uint64_t x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo] == x;
}

int lt_read_file(const char *path, char **buf, size_t *len, size_t max)
{
	size_t cap = 4096, n = 0;
	char *b = NULL, *nb;
	ssize_t r;
	int fd, ret = 0;

	*buf = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	b = lt_malloc(cap);
	if (!b) {
		ret = -ENOMEM;
		goto out;
	}
	for (;;) {
		if (n + 1 >= cap) {
			if (cap >= max) {
				ret = -EFBIG;
				goto out;
			}
			cap *= 2;
			if (cap > max + 1)
				cap = max + 1;
			nb = lt_realloc(b, cap);
			if (!nb) {
				ret = -ENOMEM;
				goto out;
			}
			b = nb;
		}
		r = read(fd, b + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	b = NULL;
out:
	free(b);
	close(fd);
	return ret;
}

int lt_path(char *out, size_t outsz, const char *root, const char *rel)
{
	int n = snprintf(out, outsz, "%s/%s", root, rel);

	if (n < 0 || (size_t)n >= outsz)
		return -ENAMETOOLONG;
	return 0;
}

size_t lt_utf8_decode(const unsigned char *p, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c;

	if (n == 0)
		return 0;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if ((p[0] & 0xe0) == 0xc0) {
		len = 2;
		c = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3;
		c = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		len = 4;
		c = p[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) ||
	    (len == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Code points a terminal acts on or that reorder text: shown escaped. */
int lt_codepoint_unsafe(uint32_t c)
{
	/* C0, DEL, C1; the bidi controls and marks (ALM U+061C, LRM/RLM,
	 * LRE..RLO, LRI..PDI) and the line and paragraph separators, which
	 * move or break what a terminal shows */
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x061c ||
	       (c >= 0x200e && c <= 0x200f) || (c >= 0x2028 && c <= 0x202e) ||
	       (c >= 0x2066 && c <= 0x2069);
}

int lt_terminal_safe(const char *in)
{
	const unsigned char *p = (const unsigned char *)(in ? in : "");
	size_t n = strlen((const char *)p), l;
	uint32_t c;

	while (n > 0) {
		l = lt_utf8_decode(p, n, &c);
		if (l == 0 || lt_codepoint_unsafe(c))
			return 0;
		p += l;
		n -= l;
	}
	return 1;
}

char *lt_sanitize(const char *in, char *out, size_t outsz)
{
	const unsigned char *p = (const unsigned char *)(in ? in : "");
	size_t n = strlen((const char *)p), o = 0;

	if (outsz == 0)
		return out;
	while (n > 0) {
		char esc[16];
		const char *w;
		size_t wl, l;
		uint32_t c;

		/* printable ASCII, most of what is shown, as it is */
		if (*p >= 0x20 && *p < 0x7f && *p != '\\') {
			if (o + 1 >= outsz)
				break;
			out[o++] = (char)*p++;
			n--;
			continue;
		}
		l = lt_utf8_decode(p, n, &c);
		if (l == 0) {
			snprintf(esc, sizeof(esc), "\\x%02x", p[0]);
			w = esc;
			wl = strlen(esc);
			l = 1;
		} else if (lt_codepoint_unsafe(c)) {
			if (c == '\n')
				w = "\\n";
			else if (c == '\t')
				w = "\\t";
			else if (c < 0x100) {
				snprintf(esc, sizeof(esc), "\\x%02x", (unsigned)c);
				w = esc;
			} else {
				snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)c);
				w = esc;
			}
			wl = strlen(w);
		} else if (c == '\\') {
			w = "\\\\";
			wl = 2;
		} else {
			w = (const char *)p;
			wl = l;
		}
		if (o + wl >= outsz)
			break;
		memcpy(out + o, w, wl);
		o += wl;
		p += l;
		n -= l;
	}
	out[o] = '\0';
	return out;
}

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

int lt_pidfd_open(int pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

int lt_pidfd_getfd(int pidfd, int fd)
{
	return (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
}

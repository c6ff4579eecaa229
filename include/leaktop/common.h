/*
 * Small things every core module shares: the error cause buffer, whole
 * reads of small /proc files, paths, and the sanitiser for untrusted text.
 * No curses, no terminal output.
 */
#ifndef LEAKTOP_COMMON_H
#define LEAKTOP_COMMON_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A failing core call returns a negative errno and, when the caller passed a
 * struct lt_err, writes a one-line human cause into it ("meminfo: line 3:
 * bad number").  The buffer belongs to the caller.
 */
struct lt_err {
	char msg[256];
};

/* Format a cause into err (err may be NULL); returns -errnum for chaining. */
int lt_err_set(struct lt_err *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Set by the SIGINT/SIGTERM/SIGHUP handler main installs; long loops in
 * core/ (decoding a recording, exports) look at it and stop with EINTR. */
extern volatile sig_atomic_t lt_stop_requested;

/*
 * The sampler's allocations (core/alloc_hook.h sends the collectors',
 * the census's, the history's and the findings' malloc, calloc, realloc,
 * reallocarray, strdup and strndup here).  lt_alloc_failures counts those
 * that came back NULL, so the sampler can mark a sample taken short of
 * memory as partial wherever the failure was absorbed.
 *
 * A hook for tests: lt_alloc_fail_nth(n) counts the allocations from now
 * and fails the n-th (NULL, errno ENOMEM), once; 0 turns it off.
 * lt_alloc_count says how many were counted.  For single-threaded tests;
 * off, it costs one test of a global per allocation.
 */
void lt_alloc_fail_nth(unsigned long n);
unsigned long lt_alloc_count(void);
unsigned long lt_alloc_failures(void);
void *lt_malloc(size_t n);
void *lt_calloc(size_t n, size_t size);
void *lt_realloc(void *p, size_t n);
void *lt_reallocarray(void *p, size_t n, size_t size);
char *lt_strdup(const char *s);
char *lt_strndup(const char *s, size_t n);

/*
 * Read a whole small file (a /proc text file) into a NUL-terminated malloc'd
 * buffer.  Returns 0 and sets *buf / *len (caller frees *buf), or -errno.
 * Files larger than max bytes are refused with -EFBIG.
 */
int lt_read_file(const char *path, char **buf, size_t *len, size_t max);

/* qsort/bsearch order of uint64_t values (inodes), ascending. */
int lt_cmp_u64(const void *a, const void *b);
/* Whether x is among v[0..n), sorted ascending (lt_cmp_u64). */
int lt_u64_sorted_has(const uint64_t *v, size_t n, uint64_t x);

/* Join root and rel into out ("/proc" + "meminfo"); -ENAMETOOLONG if cut. */
int lt_path(char *out, size_t outsz, const char *root, const char *rel);

/*
 * Make untrusted text (process names, paths, anything read from the
 * inspected machine) safe for a terminal: valid printable UTF-8 is kept;
 * control characters (C0, DEL, C1), escape sequences and invalid bytes are
 * written as visible escapes ("\\x1b", "\\n").  Output is cut, never
 * mid-escape, to fit outsz (NUL included).  Returns out.
 */
char *lt_sanitize(const char *in, char *out, size_t outsz);
/* pidfd_open(2) (5.3) and pidfd_getfd(2) (5.6), which libc may not wrap:
 * an fd, or -1 with errno set (ENOSYS on an older kernel). */
int lt_pidfd_open(int pid);
int lt_pidfd_getfd(int pidfd, int fd);

/* 1 for a code point no terminal sink may print as it is: C0, DEL, C1,
 * the bidi controls and marks, the line and paragraph separators.  The one
 * rule lt_sanitize, lt_terminal_safe and the JSON writer share. */
int lt_codepoint_unsafe(uint32_t c);

/* 1 when in holds nothing lt_sanitize would escape (valid UTF-8, no
 * control or direction character): text that is already safe. */
int lt_terminal_safe(const char *in);

/* Length of the valid UTF-8 sequence at p (n bytes available), 0 if invalid;
 * *cp receives the code point. */
size_t lt_utf8_decode(const unsigned char *p, size_t n, uint32_t *cp);

#endif

/*
 * Small things every core module shares: the error cause buffer and a
 * growable-array helper.  No curses, no terminal output.
 */
#ifndef LEAKTOP_COMMON_H
#define LEAKTOP_COMMON_H

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

/*
 * Read a whole small file (a /proc text file) into a NUL-terminated malloc'd
 * buffer.  Returns 0 and sets *buf / *len (caller frees *buf), or -errno.
 * Files larger than max bytes are refused with -EFBIG.
 */
int lt_read_file(const char *path, char **buf, size_t *len, size_t max);

/* Join root and rel into out ("/proc" + "meminfo"); -ENAMETOOLONG if cut. */
int lt_path(char *out, size_t outsz, const char *root, const char *rel);

#endif

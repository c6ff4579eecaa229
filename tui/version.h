/*
 * What this leaktop is and what it was built with: --version, and the
 * message for a terminal the portable build has no entry for.
 */
#ifndef LEAKTOP_TUI_VERSION_H
#define LEAKTOP_TUI_VERSION_H

#include <stddef.h>
#include <stdio.h>

/* "leaktop X.Y.Z" on the first line, then one line per library and its
 * version, and whether the build is the static, portable one. */
void version_print(FILE *f);

/* Why the terminal UI could not start on TERM (NULL or empty: unset), into
 * buf; the portable build names the terminals it carries. */
void version_term_message(char *buf, size_t bufsz, const char *term);

#endif

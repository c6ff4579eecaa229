/*
 * Private to core/: a collector, the sample, the history and the findings
 * allocate through common.c's lt_malloc and friends, so that a test can
 * fail the n-th allocation of a sample (lt_alloc_fail_nth) and check that
 * every path survives it.  Include after the system headers.
 */
#ifndef LEAKTOP_ALLOC_HOOK_H
#define LEAKTOP_ALLOC_HOOK_H

#include <stdlib.h>
#include <string.h>

#include "leaktop/common.h"

#undef malloc
#undef calloc
#undef realloc
#undef reallocarray
#undef strdup
#undef strndup
#define malloc(n) lt_malloc(n)
#define calloc(n, size) lt_calloc(n, size)
#define realloc(p, n) lt_realloc(p, n)
#define reallocarray(p, n, size) lt_reallocarray(p, n, size)
#define strdup(s) lt_strdup(s)
#define strndup(s, n) lt_strndup(s, n)

#endif

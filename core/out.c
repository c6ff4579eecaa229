/*
 * The table of output formats, keyed by the --format name (leaktop/out.h).
 * A new format is a new core/out_NAME.c that exports
 * "const struct out_sink out_NAME_sink", and its NAME in the list below
 * (doc/adding-an-output.md).
 */
#include <string.h>

#include "leaktop/out.h"

/* The sinks, in the order --help and the usage errors name them. */
#define OUT_SINKS(X) X(text) X(json) X(markdown) X(prom)

#define OUT_DECLARE(n) extern const struct out_sink out_##n##_sink;
#define OUT_ENTRY(n) &out_##n##_sink,
OUT_SINKS(OUT_DECLARE)

const struct out_sink *const out_sinks[] = { OUT_SINKS(OUT_ENTRY) NULL };

const struct out_sink *out_find(const char *name)
{
	size_t i;

	for (i = 0; out_sinks[i]; i++)
		if (!strcmp(out_sinks[i]->name, name))
			return out_sinks[i];
	return NULL;
}

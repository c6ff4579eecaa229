/*
 * The table of output formats, keyed by the --format name (leaktop/out.h).
 * A new format is a new core/out_NAME.c exporting its struct out_sink,
 * and one line here.
 */
#include <string.h>

#include "leaktop/out.h"

const struct out_sink *const out_sinks[] = {
	&out_text_sink,
	&out_json_sink,
	&out_markdown_sink,
	&out_prom_sink,
	NULL
};

const struct out_sink *out_find(const char *name)
{
	size_t i;

	for (i = 0; out_sinks[i]; i++)
		if (!strcmp(out_sinks[i]->name, name))
			return out_sinks[i];
	return NULL;
}

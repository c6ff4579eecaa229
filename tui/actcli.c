/*
 * leaktop --act: one remediation from a script.  Not available yet: the
 * actions (core/actions.c) land with their safety checks.
 */
#include <stdio.h>

#include "options.h"

int actcli_run(const struct lt_opts *o)
{
	fprintf(stderr, "leaktop: --act %s: actions are not available in this build yet\n",
		o->act);
	return EXIT_RUNTIME;
}

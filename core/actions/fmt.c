/*
 * Text into the fixed buffers of an action result: snprintf that cuts
 * long text silently (a message cut short is better than none).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "action_int.h"

void actions_fmt(char *out, size_t outsz, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(out, outsz, f, ap);
	va_end(ap);
}

void actions_fmt_append(char *out, size_t outsz, const char *f, ...)
{
	size_t n = strnlen(out, outsz);
	va_list ap;

	if (n + 1 >= outsz)
		return;
	va_start(ap, f);
	vsnprintf(out + n, outsz - n, f, ap);
	va_end(ap);
}

void actions_fmt_limit(uint64_t v, char *out, size_t outsz)
{
	if (v == ACTIONS_UNLIMITED)
		actions_fmt(out, outsz, "unlimited");
	else
		actions_fmt(out, outsz, "%" PRIu64, v);
}

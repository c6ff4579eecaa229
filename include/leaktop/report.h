/*
 * Output of samples for batch mode and exports: JSON Lines and a readable
 * text form.  Writers take a FILE * chosen by the caller; core never picks
 * the terminal itself.  Untrusted strings are escaped (JSON) or sanitised
 * (text) here.
 */
#ifndef LEAKTOP_REPORT_H
#define LEAKTOP_REPORT_H

#include <stdio.h>
#include "leaktop/sample.h"

/* One JSON object on one line, newline-terminated. */
int report_json(FILE *f, const struct sample *s);
/* A human-readable block; ends with a blank line. */
int report_text(FILE *f, const struct sample *s);

/* Write s as a JSON string literal (quotes included): control characters
 * escaped, invalid UTF-8 replaced by U+FFFD. */
void report_json_string(FILE *f, const char *s);

/* Human size: "1.5 GiB", "512 B"; writes into out and returns it. */
char *report_size(uint64_t bytes, char *out, size_t outsz);

#endif

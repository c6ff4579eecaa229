/*
 * Cell text and colours several views share (rows.c); it knows no view.
 */
#ifndef LEAKTOP_TUI_ROWS_H
#define LEAKTOP_TUI_ROWS_H

#include <stddef.h>

struct sample;
struct record_event;

enum rows_sock_field {
	ROWS_SOCK_PROTO, ROWS_SOCK_LOCAL, ROWS_SOCK_PEER, ROWS_SOCK_RECVQ,
	ROWS_SOCK_SENDQ, ROWS_SOCK_MEM, ROWS_SOCK_RCVBUF, ROWS_SOCK_FILL, ROWS_SOCK_DROPS,
	ROWS_SOCK_GROWTH, ROWS_SOCK_FLAGS, ROWS_SOCK_STATE,
};
/* Socket i of s, field f, sanitised into buf (width: the column's). */
void rows_sock_field(const struct sample *s, size_t i, enum rows_sock_field f,
		     int width, char *buf, size_t sz);

/* The theme element of a finding of severity (enum finding_severity). */
int rows_severity_elem(int severity);

/* A recorded event (finding, action, note) in one sanitised line; its
 * kind in one word. */
void rows_event_text(const struct record_event *e, char *buf, size_t sz);
const char *rows_event_kind(const struct record_event *e);

/* The triage verdict in the header's words ("2 critical, 3 warning", "1
 * mitigated", "no leaks found (2 notes)", "checking: 2 more") and its
 * theme element: the header and the Findings pane's note say the same. */
int rows_verdict(const struct sample *s, const struct findings_config *c, char *buf,
		 size_t sz);

#endif

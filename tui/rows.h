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

#endif

/*
 * The little HTTP/1.x the exporter speaks (tui/serve.c, doc/exports.md):
 * parse the address to listen on, decide what a request gets, format the
 * response head.  Pure functions on the caller's buffers: no sockets, no
 * globals, so tests/check_serve.c feeds them bytes.
 *
 * The exporter answers one request per connection and closes it: GET and
 * HEAD of /metrics (a query string is ignored) get 200; another path 404;
 * another method on /metrics 405 (with an Allow header); a request line
 * or header that is not HTTP/1.x syntax 400; a version other than 1.0 and
 * 1.1 505; a request line longer than the bound 414, a head longer than
 * the bound 431.
 */
#ifndef LEAKTOP_HTTP_H
#define LEAKTOP_HTTP_H

#include <stddef.h>
#include <sys/socket.h>

/* The most a request line and its headers may take, CRLFs included. */
#define HTTP_MAX_REQUEST 8192

/*
 * Parse "ADDR:PORT": an IPv4 literal ("127.0.0.1:9187") or a bracketed
 * IPv6 literal ("[::1]:9187"), and a decimal port 1 to 65535.  No host
 * names: the exporter binds exactly where it is told.  0 and *ss / *len
 * set, or -EINVAL with *why a short phrase (a string literal).
 */
int http_parse_addr(const char *text, struct sockaddr_storage *ss, socklen_t *len,
		    const char **why);

/* sa as http_parse_addr reads it ("127.0.0.1:9187", "[::1]:9187");
 * returns out. */
char *http_format_addr(const struct sockaddr *sa, char *out, size_t outsz);

/*
 * What the request in buf[0..len) gets: 0 while it is incomplete and may
 * still become valid (read more), else the status code: 200 with *head
 * set to 1 for HEAD and 0 for GET, or 400, 404, 405, 414, 431, 505.  An
 * error in the request line is known before the headers have arrived and
 * is answered at once.  len beyond max is judged as if cut at max.
 */
int http_request_status(const char *buf, size_t len, size_t max, int *head);

/* The reason phrase of a status this file produces ("Not Found"). */
const char *http_reason(int status);

/*
 * The response head for status, with Content-Length body_len, the
 * exposition's Content-Type for 200 and text/plain otherwise, Allow for
 * 405, and Connection: close.  Returns its length, or -1 if outsz is too
 * small (out then holds nothing usable).
 */
int http_response_head(int status, size_t body_len, char *out, size_t outsz);

/* The short text body of an error status ("404 Not Found\n"): a string
 * literal. */
const char *http_error_body(int status);

#endif

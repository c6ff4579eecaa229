/*
 * The exporter's HTTP/1.x: the listening address, the verdict on a
 * request, the response head (tui/http.h).  Strict where a lenient parser
 * would guess: a request line is exactly METHOD SP TARGET SP VERSION, a
 * header is NAME ":" VALUE with no folding and no control character.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "http.h"

int http_parse_addr(const char *text, struct sockaddr_storage *ss, socklen_t *len,
		    const char **why)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *port, *p;
	unsigned long v = 0;
	size_t hl;
	int v6;

	*why = "not ADDR:PORT";
	if (!text || !*text)
		return -EINVAL;
	v6 = text[0] == '[';
	if (v6) {
		const char *close = strchr(text, ']');

		if (!close || close[1] != ':') {
			*why = "an IPv6 address goes in brackets: [ADDR]:PORT";
			return -EINVAL;
		}
		colon = close + 1;
		hl = (size_t)(close - text - 1);
		p = text + 1;
	} else {
		colon = strrchr(text, ':');
		if (!colon) {
			*why = "no port: ADDR:PORT";
			return -EINVAL;
		}
		hl = (size_t)(colon - text);
		p = text;
		if (memchr(text, ':', hl)) {
			*why = "an IPv6 address goes in brackets: [ADDR]:PORT";
			return -EINVAL;
		}
	}
	if (!hl || hl >= sizeof(host)) {
		*why = "no address before the port";
		return -EINVAL;
	}
	memcpy(host, p, hl);
	host[hl] = '\0';
	port = colon + 1;
	if (!*port || strlen(port) > 5) {
		*why = "the port is not a number from 1 to 65535";
		return -EINVAL;
	}
	for (p = port; *p; p++) {
		if (*p < '0' || *p > '9') {
			*why = "the port is not a number from 1 to 65535";
			return -EINVAL;
		}
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v < 1 || v > 65535) {
		*why = "the port is not a number from 1 to 65535";
		return -EINVAL;
	}
	memset(ss, 0, sizeof(*ss));
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)v);
		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1) {
			*why = "not an IPv6 address literal";
			return -EINVAL;
		}
		*len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)v);
		/* inet_pton takes the four dotted decimals only: no "1.2",
		 * no octal, no names */
		if (inet_pton(AF_INET, host, &a->sin_addr) != 1) {
			*why = "not an IPv4 address literal (or [IPv6])";
			return -EINVAL;
		}
		*len = sizeof(*a);
	}
	*why = NULL;
	return 0;
}

char *http_format_addr(const struct sockaddr *sa, char *out, size_t outsz)
{
	char host[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		snprintf(out, outsz, "[%s]:%u", host, ntohs(a->sin6_port));
	} else if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		snprintf(out, outsz, "%s:%u", host, ntohs(a->sin_port));
	} else {
		snprintf(out, outsz, "?");
	}
	return out;
}

/* RFC 9110 tchar: the characters of a method or header name. */
static int tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* A control character no request line or header may hold (HT aside). */
static int ctl(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* The verdict on a complete request line l[0..n) (no CR LF): 200 (GET
 * or HEAD /metrics) or an error status. */
static int request_line(const char *l, size_t n, int *head)
{
	const char *sp1, *sp2, *target, *ver, *q;
	size_t ml, tl, vl, pl, i;

	sp1 = memchr(l, ' ', n);
	if (!sp1 || sp1 == l)
		return 400;
	target = sp1 + 1;
	sp2 = memchr(target, ' ', n - (size_t)(target - l));
	if (!sp2 || sp2 == target)
		return 400;
	ver = sp2 + 1;
	ml = (size_t)(sp1 - l);
	tl = (size_t)(sp2 - target);
	vl = n - (size_t)(ver - l);
	if (memchr(ver, ' ', vl))
		return 400;
	for (i = 0; i < ml; i++)
		if (!tchar((unsigned char)l[i]))
			return 400;
	for (i = 0; i < tl; i++)
		if ((unsigned char)target[i] <= 0x20 || (unsigned char)target[i] >= 0x7f)
			return 400;	/* a target is visible ASCII */
	if (vl != 8 || memcmp(ver, "HTTP/", 5) || ver[5] < '0' || ver[5] > '9' ||
	    ver[6] != '.' || ver[7] < '0' || ver[7] > '9')
		return 400;
	if (ver[5] != '1' || (ver[7] != '0' && ver[7] != '1'))
		return 505;
	if (target[0] != '/')
		return 400;	/* origin-form only: no proxy requests here */
	q = memchr(target, '?', tl);
	pl = q ? (size_t)(q - target) : tl;
	if (pl != 8 || memcmp(target, "/metrics", 8))
		return 404;
	if (ml == 3 && !memcmp(l, "GET", 3)) {
		*head = 0;
		return 200;
	}
	if (ml == 4 && !memcmp(l, "HEAD", 4)) {
		*head = 1;
		return 200;
	}
	return 405;
}

/* A complete header line h[0..n) (no CR LF) is NAME ":" VALUE. */
static int header_ok(const char *h, size_t n)
{
	size_t i = 0;

	while (i < n && tchar((unsigned char)h[i]))
		i++;
	if (!i || i == n || h[i] != ':')
		return 0;	/* no name, or space before the colon, or folding */
	for (; i < n; i++)
		if (ctl((unsigned char)h[i]))
			return 0;
	return 1;
}

int http_request_status(const char *buf, size_t len, size_t max, int *head)
{
	const char *nl, *p, *end;
	size_t ll, i;
	int st;

	if (len > max)
		len = max;
	*head = 0;
	nl = memchr(buf, '\n', len);
	/* a control character in the request line: no need to wait */
	for (i = 0; i < (nl ? (size_t)(nl - buf) : len); i++)
		if (ctl((unsigned char)buf[i]) &&
		    !(buf[i] == '\r' && (nl ? buf + i + 1 == nl : i + 1 == len)))
			return 400;
	if (!nl)
		return len >= max ? 414 : 0;
	ll = (size_t)(nl - buf);
	if (ll && buf[ll - 1] == '\r')
		ll--;
	st = request_line(buf, ll, head);
	if (st != 200)
		return st;
	/* the headers, up to the empty line that ends the head */
	end = buf + len;
	for (p = nl + 1; p < end; p = nl + 1) {
		size_t hl;

		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;
		hl = (size_t)(nl - p);
		if (hl && p[hl - 1] == '\r')
			hl--;
		if (!hl)
			return 200;
		if (!header_ok(p, hl))
			return 400;
	}
	return len >= max ? 431 : 0;
}

const char *http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Internal Server Error";
	}
}

const char *http_error_body(int status)
{
	switch (status) {
	case 400: return "400 Bad Request\n";
	case 404: return "404 Not Found: the metrics are at /metrics\n";
	case 405: return "405 Method Not Allowed: GET or HEAD\n";
	case 408: return "408 Request Timeout\n";
	case 414: return "414 URI Too Long\n";
	case 431: return "431 Request Header Fields Too Large\n";
	case 503: return "503 Service Unavailable: busy, or no sample yet\n";
	case 505: return "505 HTTP Version Not Supported\n";
	default: return "500 Internal Server Error\n";
	}
}

int http_response_head(int status, size_t body_len, char *out, size_t outsz)
{
	int n;

	n = snprintf(out, outsz,
		     "HTTP/1.1 %d %s\r\n"
		     "Content-Type: %s\r\n"
		     "Content-Length: %zu\r\n"
		     "%s"
		     "Cache-Control: no-store\r\n"
		     "X-Content-Type-Options: nosniff\r\n"
		     "Connection: close\r\n"
		     "\r\n",
		     status, http_reason(status),
		     status == 200 ? "text/plain; version=0.0.4; charset=utf-8" :
				     "text/plain; charset=utf-8",
		     body_len, status == 405 ? "Allow: GET, HEAD\r\n" : "");
	if (n < 0 || (size_t)n >= outsz)
		return -1;
	return n;
}

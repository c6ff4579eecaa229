/*
 * Unit tests of tui/http.c, the exporter's HTTP: addresses to listen on
 * (literals only, IPv6 in brackets, ports 1 to 65535), the verdict on
 * requests (complete, cut anywhere, wrong in each part, over the bound),
 * and the response head.  bt_serve.sh drives the real server.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "http.h"

static int status_of(const char *req)
{
	int head = -1;

	return http_request_status(req, strlen(req), HTTP_MAX_REQUEST, &head);
}

START_TEST(test_addr)
{
	static const char *const good[] = {
		"127.0.0.1:9187", "0.0.0.0:1", "[::1]:9187", "[::]:65535",
		"[fe80::1]:80", "[::ffff:127.0.0.1]:9187",
	};
	static const char *const bad[] = {
		"", "127.0.0.1", "127.0.0.1:", ":9187", "localhost:9187", "127.0.0.1:0",
		"127.0.0.1:65536", "127.0.0.1:99999", "127.0.0.1:-1", "127.0.0.1:80x",
		"127.1:9187", "::1:9187", "[::1]9187", "[::1]", "[127.0.0.1]:9187",
		"1.2.3.4.5:80", "127.0.0.1:+80", "[::1]:", "[]:80", "127.0.0.1:1234567",
	};
	struct sockaddr_storage ss;
	socklen_t len;
	const char *why;
	char out[80];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_msg(http_parse_addr(good[i], &ss, &len, &why) == 0, "%s: %s",
			      good[i], why);
		http_format_addr((struct sockaddr *)&ss, out, sizeof(out));
		ck_assert_str_eq(out, good[i]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(http_parse_addr(bad[i], &ss, &len, &why) == -EINVAL,
			      "'%s' accepted", bad[i]);
		ck_assert_ptr_nonnull(why);
	}
	ck_assert_int_eq(http_parse_addr("127.0.0.1:9187", &ss, &len, &why), 0);
	ck_assert_int_eq(ss.ss_family, AF_INET);
	ck_assert_uint_eq(len, sizeof(struct sockaddr_in));
	ck_assert_uint_eq(ntohs(((struct sockaddr_in *)&ss)->sin_port), 9187);
	ck_assert_int_eq(http_parse_addr("[::1]:9187", &ss, &len, &why), 0);
	ck_assert_int_eq(ss.ss_family, AF_INET6);
	ck_assert_uint_eq(len, sizeof(struct sockaddr_in6));
}
END_TEST

START_TEST(test_requests)
{
	static const struct { const char *req; int status, head; } cases[] = {
		{ "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n", 200, 0 },
		{ "HEAD /metrics HTTP/1.1\r\n\r\n", 200, 1 },
		{ "GET /metrics HTTP/1.0\n\n", 200, 0 },	/* bare LF */
		{ "GET /metrics?x=1 HTTP/1.1\r\n\r\n", 200, 0 },
		{ "GET /metrics HTTP/1.1\r\nUser-Agent: Prometheus/2.42.0\r\n"
		  "X-Prometheus-Scrape-Timeout-Seconds: 10\r\n\r\n", 200, 0 },
		{ "POST /metrics HTTP/1.1\r\n", 405, 0 },	/* known at once */
		{ "DELETE /metrics HTTP/1.1\r\n\r\n", 405, 0 },
		{ "get /metrics HTTP/1.1\r\n\r\n", 405, 0 },	/* methods are case-sensitive */
		{ "GET / HTTP/1.1\r\n\r\n", 404, 0 },
		{ "GET /metricsx HTTP/1.1\r\n\r\n", 404, 0 },
		{ "GET /metrics/ HTTP/1.1\r\n\r\n", 404, 0 },
		{ "POST /other HTTP/1.1\r\n\r\n", 404, 0 },
		{ "GET /metrics HTTP/2.0\r\n\r\n", 505, 0 },
		{ "GET /metrics HTTP/1.2\r\n\r\n", 505, 0 },
		{ "GET /metrics\r\n\r\n", 400, 0 },		/* HTTP/0.9 */
		{ "GET  /metrics HTTP/1.1\r\n\r\n", 400, 0 },	/* two spaces */
		{ "GET /metrics HTTP/1.1 x\r\n\r\n", 400, 0 },
		{ "GET /metrics http/1.1\r\n\r\n", 400, 0 },
		{ "GET metrics HTTP/1.1\r\n\r\n", 400, 0 },
		{ "GET http://h/metrics HTTP/1.1\r\n\r\n", 400, 0 },
		{ "G(T /metrics HTTP/1.1\r\n\r\n", 400, 0 },
		{ " GET /metrics HTTP/1.1\r\n\r\n", 400, 0 },
		{ "\r\n", 400, 0 },
		{ "hello\r\n", 400, 0 },
		{ "GET /metrics HTTP/1.1\r\nno colon\r\n\r\n", 400, 0 },
		{ "GET /metrics HTTP/1.1\r\nHost : x\r\n\r\n", 400, 0 },
		{ "GET /metrics HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", 400, 0 },
		{ "GET /metrics HTTP/1.1\r\n: x\r\n\r\n", 400, 0 },
		{ "GET /metrics HTTP/1.1\r\nA: b\x01\r\n\r\n", 400, 0 },
		{ "GET /met\x1b[0mrics HTTP/1.1", 400, 0 },	/* known before the line ends */
		{ "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400, 0 },	/* TLS */
		/* incomplete: wait for more */
		{ "", 0, 0 },
		{ "GET /metr", 0, 0 },
		{ "GET /metrics HTTP/1.1\r", 0, 0 },
		{ "GET /metrics HTTP/1.1\r\n", 0, 0 },
		{ "GET /metrics HTTP/1.1\r\nHost: x\r\n", 0, 0 },
		{ "GET /metrics HTTP/1.1\r\nHost: x\r\n\r", 0, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int head = -1;
		int st = http_request_status(cases[i].req, strlen(cases[i].req),
					     HTTP_MAX_REQUEST, &head);

		ck_assert_msg(st == cases[i].status, "case %zu (%s): %d, not %d", i,
			      cases[i].req, st, cases[i].status);
		if (st == 200)
			ck_assert_int_eq(head, cases[i].head);
	}
}
END_TEST

/* A valid request cut at every byte is incomplete, never an error; the
 * whole of it is 200. */
START_TEST(test_prefixes)
{
	const char *req = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:9187\r\n"
			  "Accept: text/plain;version=0.0.4\r\n\r\n";
	size_t n = strlen(req), i;
	int head;

	for (i = 0; i < n; i++)
		ck_assert_msg(http_request_status(req, i, HTTP_MAX_REQUEST, &head) == 0,
			      "prefix of %zu bytes", i);
	ck_assert_int_eq(http_request_status(req, n, HTTP_MAX_REQUEST, &head), 200);
}
END_TEST

START_TEST(test_bounds)
{
	char *buf = malloc(HTTP_MAX_REQUEST + 100);
	size_t n;
	int head;

	ck_assert_ptr_nonnull(buf);
	/* a request line that never ends */
	memcpy(buf, "GET /", 5);
	memset(buf + 5, 'a', HTTP_MAX_REQUEST + 95);
	ck_assert_int_eq(http_request_status(buf, HTTP_MAX_REQUEST - 1, HTTP_MAX_REQUEST,
					     &head), 0);
	ck_assert_int_eq(http_request_status(buf, HTTP_MAX_REQUEST, HTTP_MAX_REQUEST,
					     &head), 414);
	ck_assert_int_eq(http_request_status(buf, HTTP_MAX_REQUEST + 100, HTTP_MAX_REQUEST,
					     &head), 414);
	/* a long path that ends in time is only not found */
	n = 4000;
	memcpy(buf + n, " HTTP/1.1\r\n\r\n", 13);
	ck_assert_int_eq(http_request_status(buf, n + 13, HTTP_MAX_REQUEST, &head), 404);
	/* headers that never end */
	n = (size_t)snprintf(buf, HTTP_MAX_REQUEST + 100, "GET /metrics HTTP/1.1\r\n");
	while (n + 8 < HTTP_MAX_REQUEST + 100)
		n += (size_t)snprintf(buf + n, HTTP_MAX_REQUEST + 100 - n, "A: b\r\n");
	ck_assert_int_eq(http_request_status(buf, HTTP_MAX_REQUEST, HTTP_MAX_REQUEST, &head),
			 431);
	ck_assert_int_eq(http_request_status(buf, 100, HTTP_MAX_REQUEST, &head), 0);
	free(buf);
	ck_assert_int_eq(status_of("GET /metrics HTTP/1.1\r\n\r\n"), 200);
}
END_TEST

START_TEST(test_head)
{
	char out[512];
	int n;

	n = http_response_head(200, 1234, out, sizeof(out));
	ck_assert_int_eq(n, (int)strlen(out));
	ck_assert_msg(!strncmp(out, "HTTP/1.1 200 OK\r\n", 17), "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "\r\nContent-Type: text/plain; version=0.0.4; "
				     "charset=utf-8\r\n"));
	ck_assert_ptr_nonnull(strstr(out, "\r\nContent-Length: 1234\r\n"));
	ck_assert_ptr_nonnull(strstr(out, "\r\nConnection: close\r\n"));
	ck_assert_ptr_null(strstr(out, "Allow:"));
	ck_assert_str_eq(out + n - 4, "\r\n\r\n");
	n = http_response_head(405, strlen(http_error_body(405)), out, sizeof(out));
	ck_assert_int_gt(n, 0);
	ck_assert_msg(!strncmp(out, "HTTP/1.1 405 Method Not Allowed\r\n", 33), "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "\r\nAllow: GET, HEAD\r\n"));
	n = http_response_head(431, 0, out, sizeof(out));
	ck_assert_ptr_nonnull(strstr(out, "431 Request Header Fields Too Large\r\n"));
	ck_assert_int_eq(http_response_head(200, 1, out, 20), -1);
	ck_assert_str_eq(http_reason(404), "Not Found");
	ck_assert_ptr_nonnull(strstr(http_error_body(404), "/metrics"));
}
END_TEST

Suite *serve_suite(void)
{
	Suite *s = suite_create("serve");
	TCase *tc = tcase_create("http");

	tcase_add_test(tc, test_addr);
	tcase_add_test(tc, test_requests);
	tcase_add_test(tc, test_prefixes);
	tcase_add_test(tc, test_bounds);
	tcase_add_test(tc, test_head);
	suite_add_tcase(s, tc);
	return s;
}

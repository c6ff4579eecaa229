/*
 * leaktop --serve ADDR:PORT: a Prometheus exporter (doc/exports.md).
 *
 * One thread and one poll loop do everything: wait for the next sample
 * time, take the sample, render its exposition once into a buffer, and
 * serve clients from that buffer.  Sockets are non-blocking; a client
 * that reads or writes slowly only ever holds its own slot, and a
 * response not sent in one go is resumed on POLLOUT, so sampling never
 * waits for a client.  Bounds: HTTP_MAX_REQUEST bytes of request,
 * SERVE_READ_TIMEOUT to send it, SERVE_WRITE_TIMEOUT to take the answer,
 * SERVE_MAX_CONNS connections (a new one takes the slot of one that has
 * its answer or stalls in its request, see evict_rank(); when none may
 * be taken, it gets a 503).
 *
 * Read-only by construction: this file reaches the sampler and the
 * Prometheus writer, never core/actions.c (it includes no actions header
 * and takes no action option).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "config.h"
#include "http.h"
#include "leaktop/out.h"
#include "leaktop/sample.h"
#include "options.h"
#include "source.h"

#define SERVE_MAX_CONNS 16
#define SERVE_READ_TIMEOUT 5.0	/* seconds to send a whole request */
#define SERVE_WRITE_TIMEOUT 10.0	/* seconds to take the whole answer */
#define SERVE_LINGER 1.0	/* seconds to read what a client still sends
				 * after its answer, before closing (an
				 * unread byte would make close() send a RST
				 * that can destroy the answer in flight) */
#define SERVE_BACKLOG 64

/* A rendered exposition, shared by the connections sending it: the
 * server holds one reference to the latest, each sender one. */
struct body {
	size_t refs;
	char *data;
	size_t len;
};

enum conn_state { CONN_FREE, CONN_READ, CONN_WRITE, CONN_LINGER };

struct conn {
	int fd;
	enum conn_state state;
	double since, deadline;		/* monotonic seconds */
	char req[HTTP_MAX_REQUEST];
	size_t reqlen;
	char head[512];
	size_t headlen, headoff;
	struct body *ref;		/* the exposition sent, or NULL */
	const char *data;		/* the body: ref->data or an error text */
	size_t len, off;
};

struct server {
	int lfd;
	struct conn conns[SERVE_MAX_CONNS];
	struct body *latest;		/* NULL until the first sample */
	unsigned long samples, errors;
	double last_duration;
	double accept_logged;		/* when an accept error was last logged */
	double accept_resume;		/* after an accept error (EMFILE), the
					 * listener is left alone until then: it
					 * stays readable, and polling it would
					 * spin */
};

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void body_put(struct body *b)
{
	if (b && --b->refs == 0) {
		free(b->data);
		free(b);
	}
}

static void conn_close(struct conn *c)
{
	if (c->state == CONN_FREE)
		return;
	close(c->fd);
	body_put(c->ref);
	c->ref = NULL;
	c->fd = -1;
	c->state = CONN_FREE;
}

/* Send a short answer that needs no state (a 503 when full, a 408 on a
 * timeout), as far as the socket takes it at once. */
static void send_now(int fd, int status)
{
	const char *b = http_error_body(status);
	char head[512];
	int n = http_response_head(status, strlen(b), head, sizeof(head));
	struct iovec iov[2] = { { head, n > 0 ? (size_t)n : 0 }, { (void *)b, strlen(b) } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };

	if (n > 0 && sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return;	/* best effort: the client is going anyway */
}

/* Begin the answer to c's request with status (the exposition for 200). */
static void conn_answer(struct server *sv, struct conn *c, int status, int head,
			double now)
{
	size_t blen;
	int n;

	if (status == 200 && !sv->latest)
		status = 503;	/* cannot happen: the first sample comes first */
	if (status == 200) {
		c->ref = sv->latest;
		c->ref->refs++;
		blen = c->ref->len;
		c->data = c->ref->data;
		c->len = head ? 0 : blen;
	} else {
		c->data = http_error_body(status);
		c->len = blen = strlen(c->data);
	}
	n = http_response_head(status, blen, c->head, sizeof(c->head));
	c->headlen = n > 0 ? (size_t)n : 0;
	c->headoff = c->off = 0;
	c->state = CONN_WRITE;
	c->deadline = now + SERVE_WRITE_TIMEOUT;
}

/* Send what the socket takes; when all is sent, linger.  -1: close it. */
static int conn_write(struct conn *c, double now)
{
	while (c->headoff < c->headlen || c->off < c->len) {
		struct iovec iov[2];
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 0 };
		ssize_t w;
		size_t hr = c->headlen - c->headoff;

		if (hr) {
			iov[mh.msg_iovlen].iov_base = c->head + c->headoff;
			iov[mh.msg_iovlen++].iov_len = hr;
		}
		if (c->off < c->len) {
			iov[mh.msg_iovlen].iov_base = (void *)(c->data + c->off);
			iov[mh.msg_iovlen++].iov_len = c->len - c->off;
		}
		w = sendmsg(c->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
		if ((size_t)w <= hr) {
			c->headoff += (size_t)w;
		} else {
			c->headoff = c->headlen;
			c->off += (size_t)w - hr;
		}
	}
	body_put(c->ref);
	c->ref = NULL;
	shutdown(c->fd, SHUT_WR);
	c->state = CONN_LINGER;
	c->deadline = now + SERVE_LINGER;
	return 0;
}

/* Read what c sent; answer once the request is complete or wrong.
 * -1: close it. */
static int conn_read(struct server *sv, struct conn *c, double now)
{
	int status, head, eof = 0;
	ssize_t r;

	while (c->reqlen < sizeof(c->req)) {
		r = recv(c->fd, c->req + c->reqlen, sizeof(c->req) - c->reqlen, MSG_DONTWAIT);
		if (r == 0) {
			eof = 1;	/* it may have sent its request first */
			break;
		}
		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				break;
			return -1;
		}
		c->reqlen += (size_t)r;
	}
	status = http_request_status(c->req, c->reqlen, sizeof(c->req), &head);
	if (!status)
		return eof ? -1 : 0;	/* gone before asking: nothing to answer */
	conn_answer(sv, c, status, head, now);
	return conn_write(c, now);
}

/* Read and drop what a client sends after its answer; -1 at its end. */
static int conn_linger(struct conn *c)
{
	char junk[4096];
	ssize_t r;

	for (;;) {
		r = recv(c->fd, junk, sizeof(junk), MSG_DONTWAIT);
		if (r > 0)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return 0;
		return -1;
	}
}

/* How to pick the slot a new client takes when all are used, best first:
 * a client that has its answer and only lingers; one that sent part of a
 * request and stalls (the slow-client attack); one that has sent nothing
 * for SERVE_EVICT_GRACE.  A client that connected a moment ago has its
 * request in flight (a client writes it right after connecting, but a
 * loaded machine may run it later), and a client being answered is never
 * cut: evicting those would turn a burst of scrapes into resets. */
#define SERVE_EVICT_GRACE 1.0

static int evict_rank(const struct conn *c, double now)
{
	if (c->state == CONN_LINGER)
		return 3;
	if (c->state != CONN_READ)
		return 0;
	if (c->reqlen > 0)
		return 2;
	return now - c->since >= SERVE_EVICT_GRACE ? 1 : 0;
}

/* Read and drop what is waiting on fd, so that its close sends a FIN
 * after the answer and not a reset that can destroy it in flight. */
static void drain(int fd)
{
	char junk[4096];

	while (recv(fd, junk, sizeof(junk), MSG_DONTWAIT) > 0)
		;
}

static void conn_evict(struct conn *c)
{
	drain(c->fd);
	conn_close(c);
}

/* A free slot, or one taken from the client evict_rank() puts first
 * (the oldest among equals); NULL when none may be taken. */
static struct conn *conn_slot(struct server *sv, double now)
{
	struct conn *best = NULL;
	int best_rank = 0;
	size_t i;

	for (i = 0; i < SERVE_MAX_CONNS; i++) {
		struct conn *c = &sv->conns[i];
		int rank;

		if (c->state == CONN_FREE)
			return c;
		rank = evict_rank(c, now);
		if (rank > best_rank || (rank && rank == best_rank && c->since < best->since)) {
			best = c;
			best_rank = rank;
		}
	}
	if (best)
		conn_evict(best);
	return best;
}

static void accept_all(struct server *sv, double now)
{
	int i, fd;

	for (i = 0; i < SERVE_BACKLOG; i++) {
		struct conn *c;

		fd = accept4(sv->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
			    errno == ECONNABORTED)
				return;
			/* EMFILE and the like: say so now and then, not per try */
			if (now - sv->accept_logged >= 60 || sv->accept_logged == 0) {
				fprintf(stderr, "leaktop: accept: %s\n", strerror(errno));
				sv->accept_logged = now;
			}
			sv->accept_resume = now + 0.5;
			return;
		}
		c = conn_slot(sv, now);
		if (!c) {
			drain(fd);	/* its request, if it is here yet */
			send_now(fd, 503);
			shutdown(fd, SHUT_WR);
			drain(fd);
			close(fd);
			continue;
		}
		memset(c, 0, offsetof(struct conn, req));
		c->fd = fd;
		c->state = CONN_READ;
		c->since = now;
		c->deadline = now + SERVE_READ_TIMEOUT;
		c->reqlen = 0;
		c->ref = NULL;
		/* most requests are there already */
		if (conn_read(sv, c, now) < 0)
			conn_close(c);
	}
}

/* Render s (and the exporter's own figures) as the exposition every
 * request gets until the next sample.  0, or -1 with errno set. */
static int render(struct server *sv, const struct sample *s, unsigned top)
{
	struct body *b = calloc(1, sizeof(*b));
	FILE *f;
	int r, e;

	if (!b)
		return -1;
	f = open_memstream(&b->data, &b->len);
	if (!f) {
		free(b);
		return -1;
	}
	r = out_prom_write(f, s, top);
	e = errno;
	fprintf(f, "# HELP leaktop_exporter_sample_duration_seconds How long the last "
		"sample took.\n# TYPE leaktop_exporter_sample_duration_seconds gauge\n"
		"leaktop_exporter_sample_duration_seconds %.6f\n"
		"# HELP leaktop_exporter_samples_total Samples taken since the exporter "
		"started.\n# TYPE leaktop_exporter_samples_total counter\n"
		"leaktop_exporter_samples_total %lu\n"
		"# HELP leaktop_exporter_sample_errors_total Samples that failed (the "
		"exposition then stays the previous one).\n"
		"# TYPE leaktop_exporter_sample_errors_total counter\n"
		"leaktop_exporter_sample_errors_total %lu\n",
		sv->last_duration, sv->samples, sv->errors);
	if (fclose(f) != 0 && r == 0) {
		r = -1;
		e = errno;
	}
	if (r < 0) {
		free(b->data);
		free(b);
		errno = e;
		return -1;
	}
	b->refs = 1;
	body_put(sv->latest);
	sv->latest = b;
	return 0;
}

static int listen_on(const char *addr, struct sockaddr_storage *ss, socklen_t len)
{
	int fd, one = 1;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "leaktop: --serve %s: socket: %s\n", addr, strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* [::] means IPv6 only: IPv4 is bound by asking for it */
	if (ss->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)ss, len) < 0 || listen(fd, SERVE_BACKLOG) < 0) {
		fprintf(stderr, "leaktop: --serve %s: %s\n", addr, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int serve_run(const struct lt_opts *o)
{
	struct source src = { .o = o };
	struct lt_err err = { "" };
	struct sockaddr_storage ss;
	socklen_t sl;
	struct server sv;
	struct sample prev;
	struct pollfd pfd[1 + SERVE_MAX_CONNS];
	struct conn *pc[1 + SERVE_MAX_CONNS];
	sigset_t stops, old;
	char where[80];
	const char *why;
	double next, now;
	int have_prev = 0, ret = 0;
	size_t i;

	if (http_parse_addr(o->serve_addr, &ss, &sl, &why) < 0) {
		fprintf(stderr, "leaktop: --serve: '%s': %s\n", o->serve_addr, why);
		return EXIT_USAGE;	/* main checked it already */
	}
	memset(&sv, 0, sizeof(sv));
	for (i = 0; i < SERVE_MAX_CONNS; i++)
		sv.conns[i].fd = -1;
	/* the live source, as -b and the UI read it */
	if (source_live_sampler(&src, &err) < 0) {
		fprintf(stderr, "leaktop: %s\n", err.msg);
		return EXIT_RUNTIME;
	}
	sv.lfd = listen_on(o->serve_addr, &ss, sl);
	if (sv.lfd < 0) {
		src.close(&src, 0);
		return EXIT_RUNTIME;
	}
	http_format_addr((struct sockaddr *)&ss, where, sizeof(where));
	fprintf(stderr, "leaktop: serving /metrics on %s every %g s\n", where, o->delay);

	/*
	 * The stop signals are blocked except inside ppoll, so one that
	 * arrives while sampling ends the next wait at once instead of
	 * being missed until a timeout.
	 */
	sigemptyset(&stops);
	sigaddset(&stops, SIGINT);
	sigaddset(&stops, SIGTERM);
	sigaddset(&stops, SIGHUP);
	sigprocmask(SIG_BLOCK, &stops, &old);

	next = mono();
	while (!lt_stop_requested) {
		double wait, t0;
		struct timespec ts;
		nfds_t n = 0;
		int r;

		now = mono();
		if (now >= next) {
			struct sample s;

			t0 = now;
			r = source_live_take(&src, have_prev ? &prev : NULL, &s, &err);
			if (have_prev)
				sample_release(&prev);
			have_prev = 0;
			now = mono();
			sv.last_duration = now - t0;
			if (r < 0) {
				sv.errors++;
				fprintf(stderr, "leaktop: sample: %s\n", err.msg);
			} else {
				sv.samples++;
				if (render(&sv, &s, (unsigned)o->top) < 0) {
					sv.errors++;
					fprintf(stderr, "leaktop: rendering the metrics: %s\n",
						strerror(errno));
				}
				prev = s;
				have_prev = 1;
			}
			/* the next slot on the grid; skip the ones a slow
			 * sample overran */
			next += o->delay;
			if (next <= now)
				next = now + o->delay;
		}
		for (i = 0; i < SERVE_MAX_CONNS; i++) {
			struct conn *c = &sv.conns[i];

			if (c->state == CONN_FREE || c->deadline > now)
				continue;
			if (c->state == CONN_READ)
				send_now(c->fd, 408);
			conn_close(c);
		}

		wait = next - now;
		/* pfd[0] is the listener; fd -1 (ignored) while accept rests */
		pfd[n].fd = now >= sv.accept_resume ? sv.lfd : -1;
		pfd[n].events = POLLIN;
		pfd[n].revents = 0;
		pc[n++] = NULL;
		if (now < sv.accept_resume && sv.accept_resume - now < wait)
			wait = sv.accept_resume - now;
		for (i = 0; i < SERVE_MAX_CONNS; i++) {
			struct conn *c = &sv.conns[i];

			if (c->state == CONN_FREE)
				continue;
			pfd[n].fd = c->fd;
			pfd[n].events = c->state == CONN_WRITE ? POLLOUT : POLLIN;
			pc[n++] = c;
			if (c->deadline - now < wait)
				wait = c->deadline - now;
		}
		if (wait < 0)
			wait = 0;
		ts.tv_sec = (time_t)wait;
		ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9);
		r = ppoll(pfd, n, &ts, &old);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "leaktop: poll: %s\n", strerror(errno));
			ret = EXIT_RUNTIME;
			break;
		}
		now = mono();
		for (i = 1; i < n; i++) {
			struct conn *c = pc[i];
			int e = 0;

			if (!pfd[i].revents || c->state == CONN_FREE)
				continue;
			if (c->state == CONN_READ)
				e = conn_read(&sv, c, now);
			else if (c->state == CONN_WRITE)
				e = conn_write(c, now);
			else
				e = conn_linger(c);
			if (e < 0)
				conn_close(c);
		}
		if (pfd[0].revents & POLLIN)
			accept_all(&sv, now);
	}

	for (i = 0; i < SERVE_MAX_CONNS; i++)
		conn_close(&sv.conns[i]);
	close(sv.lfd);
	body_put(sv.latest);
	if (have_prev)
		sample_release(&prev);
	src.close(&src, 0);	/* frees the sampler */
	sigprocmask(SIG_SETMASK, &old, NULL);
	return ret;
}

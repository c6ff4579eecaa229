/*
 * loadgen - the socket load leaktop's benchmark measures against: P worker
 * processes each holding S sockets (bound UDP, TCP pairs over loopback,
 * unix socketpairs; a share of them with unread data queued), and optionally
 * a churner that opens and closes sockets and forks short-lived children
 * holding sockets, at given rates.  Loopback only.  It stops by itself after
 * --seconds (and on SIGTERM/SIGINT); workers die with it.
 *
 * After set-up, one line on stdout, flushed:
 *   READY pid=<pid> procs=<P> sockets=<sockets held by the workers>
 *         queued=<sockets with data queued> churn_pid=<pid or 0>
 *         mover_pid=<pid or 0> pids=<a,b,...>
 * On error, one line on stderr and exit 1.  Run as root for big loads: each
 * worker raises its RLIMIT_NOFILE to what it needs.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROG "loadgen"
#define MAX_PROCS 4096
#define TICK_MS 5

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: wake blocking calls */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static long parse_num(const char *s, long min, long max, const char *opt)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		die("bad value for --%s: '%s' (want %ld..%ld)", opt, s, min, max);
	return v;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [--procs P] [--sockets S] [--queued-pct Q] [--seconds N]\n"
		"               [--churn-forks-per-sec F] [--churn-sockets-per-sec K]\n"
		"               [--churn-hold-ms H] [--churn-max-children M]\n"
		"  --procs P                 worker processes (default 20)\n"
		"  --sockets S               sockets per worker (default 50): a third bound\n"
		"                            UDP, a third TCP pairs over loopback, a third\n"
		"                            unix socketpairs, plus one TCP listener\n"
		"  --queued-pct Q            share of sockets with unread data queued (10)\n"
		"  --seconds N               exit after N seconds (default 60)\n"
		"  --churn-forks-per-sec F   short-lived children per second (default 0)\n"
		"  --churn-sockets-per-sec K sockets opened and closed per second (default 0)\n"
		"  --churn-hold-ms H         how long a churn child lives (default 50)\n"
		"  --churn-max-children M    cap on live churn children (default 64)\n"
		"  --moving N                N more sockets that a mover process fills\n"
		"                            every 100 ms and nobody reads (default 0)\n"
		"  --moving-family F         udp (bound UDP sockets, default) or unix\n"
		"                            (stream socketpairs)\n"
		"  --mix T,U                 percent of each worker's sockets in TCP pairs\n"
		"                            and in bound UDP sockets, the rest unix pairs\n"
		"                            (default 33,33: a third each; issue 27's\n"
		"                            load is 90,10)\n");
}

/* Worker idx's own loopback address, 127.1.0.1 + idx: each has a whole
 * UDP port range, so 10k bound UDP sockets per worker fit. */
static void worker_addr(int idx, struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(0x7f010001u + (uint32_t)idx);
}

static void no_time_wait(int fd)
{
	/* close with RST: a run leaves no TIME_WAIT behind for the next one */
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
}

static const char payload[200] = "loadgen queued data";

/* A bound UDP socket, with a datagram queued to itself if queue; -1 on error. */
static int udp_socket(const struct sockaddr_in *addr, int queue)
{
	struct sockaddr_in sin = *addr;
	socklen_t len = sizeof(sin);
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	sin.sin_port = 0;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    (queue && (getsockname(fd, (struct sockaddr *)&sin, &len) < 0 ||
		       sendto(fd, payload, sizeof(payload), 0, (struct sockaddr *)&sin,
			      sizeof(sin)) < 0))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A connected TCP pair through listener lfd (bound at laddr); the accepted
 * end gets data queued if queue.  0, or -1 with errno. */
static int tcp_pair(int lfd, const struct sockaddr_in *laddr, int queue)
{
	int c, a;

	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0)
		return -1;
	no_time_wait(c);
	if (connect(c, (const struct sockaddr *)laddr, sizeof(*laddr)) < 0) {
		close(c);
		return -1;
	}
	a = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (a < 0) {
		close(c);
		return -1;
	}
	no_time_wait(a);
	if (queue && write(c, payload, sizeof(payload)) < 0)
		return -1;
	return 0;
}

static int unix_pair(int queue)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	if (queue && write(sv[0], payload, sizeof(payload)) < 0)
		return -1;
	return 0;
}

static void raise_nofile(long want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("getrlimit: %s", strerror(errno));
	if ((long)rl.rlim_cur >= want)
		return;
	rl.rlim_cur = (rlim_t)want;
	if ((long)rl.rlim_max < want)
		rl.rlim_max = (rlim_t)want;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("cannot raise RLIMIT_NOFILE to %ld: %s (run as root, or fewer "
		    "sockets per process)", want, strerror(errno));
}

/* Every every-th socket gets data: queued_pct 10 -> every 10th. */
static int due(long n, long every)
{
	return every > 0 && n % every == 0;
}

/* Worker idx: open its sockets, report the count through ready, hold them
 * until the parent goes away or says stop. */
static long tcp_pct = -1, udp_pct = -1;	/* --mix; -1: a third each */

static void worker_main(int idx, long nsock, long every, int ready, pid_t parent)
{
	struct sockaddr_in addr;
	socklen_t len = sizeof(addr);
	long n = 0, nqueued = 0, nudp, ntcp, i;
	long counts[2];
	int lfd;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	raise_nofile(nsock + 64);
	worker_addr(idx, &addr);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(lfd, 4096) < 0 || getsockname(lfd, (struct sockaddr *)&addr, &len) < 0)
		die("worker %d: TCP listener on 127.1.x.x: %s", idx, strerror(errno));
	n = 1;
	if (tcp_pct < 0) {
		nudp = (nsock - 1) / 3;
		ntcp = (nsock - 1 - nudp) / 2 / 2;	/* pairs */
	} else {
		nudp = (nsock - 1) * udp_pct / 100;
		ntcp = (nsock - 1) * tcp_pct / 100 / 2;
	}
	for (i = 0; i < nudp && !stop; i++, n++) {
		int q = due(n, every);

		if (udp_socket(&addr, q) < 0)
			die("worker %d: UDP socket %ld: %s", idx, i, strerror(errno));
		nqueued += q;
	}
	for (i = 0; i < ntcp && !stop; i++, n += 2) {
		int q = due(n, every) || due(n + 1, every);

		if (tcp_pair(lfd, &addr, q) < 0)
			die("worker %d: TCP pair %ld: %s", idx, i, strerror(errno));
		nqueued += q;
	}
	for (; n + 2 <= nsock && !stop; n += 2) {
		int q = due(n, every) || due(n + 1, every);

		if (unix_pair(q) < 0)
			die("worker %d: unix pair: %s", idx, strerror(errno));
		nqueued += q;
	}
	/* an odd count: one more UDP socket */
	if (n < nsock && !stop) {
		if (udp_socket(&addr, 0) < 0)
			die("worker %d: UDP socket: %s", idx, strerror(errno));
		n++;
	}
	counts[0] = n;
	counts[1] = nqueued;
	if (write(ready, counts, sizeof(counts)) != sizeof(counts))
		_exit(1);
	close(ready);
	while (!stop)
		pause();
	_exit(0);
}

/* ---- the mover ---------------------------------------------------------- */

/* N never-read sockets that get 200 bytes every 100 ms: UDP ones keep
 * growing until full, then keep dropping, as a leak does; a unix stream
 * cannot drop, so it is read empty whenever it is full (a slow reader). */
static void mover_main(pid_t parent, long n, int unix_family, int addr_idx)
{
	struct sockaddr_in addr, *dst = NULL;
	int *tx = NULL, *rx = NULL, sender = -1;
	long i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	raise_nofile(2 * n + 64);
	tx = calloc((size_t)n, sizeof(*tx));
	rx = calloc((size_t)n, sizeof(*rx));
	dst = calloc((size_t)n, sizeof(*dst));
	if (!tx || !rx || !dst)
		die("mover: out of memory");
	worker_addr(addr_idx, &addr);
	if (!unix_family && (sender = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		die("mover: UDP sender: %s", strerror(errno));
	for (i = 0; i < n; i++) {
		if (unix_family) {
			int sv[2];

			/* a stream: a datagram pair stops at max_dgram_qlen
			 * packets and then neither grows nor drops */
			if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
				die("mover: socketpair: %s", strerror(errno));
			tx[i] = sv[0];
			rx[i] = sv[1];
			fcntl(tx[i], F_SETFL, O_NONBLOCK);
			fcntl(rx[i], F_SETFL, O_NONBLOCK);
		} else {
			socklen_t len = sizeof(dst[i]);

			rx[i] = udp_socket(&addr, 0);
			if (rx[i] < 0 || getsockname(rx[i], (struct sockaddr *)&dst[i], &len) < 0)
				die("mover: UDP socket: %s", strerror(errno));
		}
	}
	while (!stop) {
		for (i = 0; i < n; i++) {
			if (unix_family) {
				char sink[4096];

				/* a slow reader: once the stream is full, it is
				 * read empty, and fills again */
				if (send(tx[i], payload, sizeof(payload), MSG_DONTWAIT) < 0 &&
				    errno == EAGAIN)
					while (read(rx[i], sink, sizeof(sink)) > 0)
						;
			} else
				(void)!sendto(sender, payload, sizeof(payload), MSG_DONTWAIT,
					      (struct sockaddr *)&dst[i], sizeof(dst[i]));
		}
		poll(NULL, 0, 100);
	}
	_exit(0);
}

/* ---- the churner -------------------------------------------------------- */

static void churn_socket(unsigned long n, const struct sockaddr_in *addr)
{
	int fd, sv[2];

	switch (n % 3) {
	case 0:
		fd = udp_socket(addr, 1);
		if (fd >= 0)
			close(fd);
		break;
	case 1:
		fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0)
			close(fd);
		break;
	default:
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0) {
			close(sv[0]);
			close(sv[1]);
		}
		break;
	}
}

static void churn_child(pid_t parent, long hold, const struct sockaddr_in *addr)
{
	int fd, sv[2] = { -1, -1 };

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	fd = udp_socket(addr, 1);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0)
		(void)!write(sv[0], payload, sizeof(payload));
	poll(NULL, 0, (int)hold);
	_exit(fd < 0);
}

/* Fork and reap short-lived children, open and close sockets, until stop. */
static void churner_main(pid_t parent, long fork_rate, long sock_rate, long hold,
			 long max_children, int addr_idx)
{
	double sock_due = 0, fork_due = 0;
	unsigned long nsock = 0;
	struct sockaddr_in addr;
	long live = 0;
	int64_t last;
	pid_t me = getpid();

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	worker_addr(addr_idx, &addr);
	last = now_ms();
	while (!stop) {
		int64_t now = now_ms();
		pid_t pid;

		while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
			live--;
		sock_due += (double)sock_rate * (double)(now - last) / 1000.0;
		fork_due += (double)fork_rate * (double)(now - last) / 1000.0;
		last = now;
		for (; sock_due >= 1 && !stop; sock_due -= 1)
			churn_socket(nsock++, &addr);
		for (; fork_due >= 1 && !stop; fork_due -= 1) {
			if (live >= max_children) {
				fork_due = 0;	/* drop, do not build a backlog */
				break;
			}
			pid = fork();
			if (pid == 0)
				churn_child(me, hold, &addr);
			if (pid > 0)
				live++;
		}
		poll(NULL, 0, TICK_MS);
	}
	/* children die with us (PDEATHSIG); reap what is already done */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	_exit(0);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "procs", required_argument, NULL, 'p' },
		{ "sockets", required_argument, NULL, 's' },
		{ "queued-pct", required_argument, NULL, 'q' },
		{ "seconds", required_argument, NULL, 't' },
		{ "churn-forks-per-sec", required_argument, NULL, 'f' },
		{ "churn-sockets-per-sec", required_argument, NULL, 'k' },
		{ "churn-hold-ms", required_argument, NULL, 'H' },
		{ "churn-max-children", required_argument, NULL, 'm' },
		{ "moving", required_argument, NULL, 'M' },
		{ "moving-family", required_argument, NULL, 'F' },
		{ "mix", required_argument, NULL, 'X' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	long procs = 20, nsock = 50, qpct = 10, seconds = 60;
	long fork_rate = 0, sock_rate = 0, hold = 50, max_children = 64, moving = 0;
	int moving_unix = 0;
	pid_t mover = 0;
	long total = 0, queued = 0, every, i;
	pid_t parent, *pids, churn = 0;
	int pipefd[2], c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': procs = parse_num(optarg, 1, MAX_PROCS, "procs"); break;
		case 's': nsock = parse_num(optarg, 1, 1000000, "sockets"); break;
		case 'q': qpct = parse_num(optarg, 0, 100, "queued-pct"); break;
		case 't': seconds = parse_num(optarg, 1, 86400, "seconds"); break;
		case 'f': fork_rate = parse_num(optarg, 0, 10000, "churn-forks-per-sec"); break;
		case 'k': sock_rate = parse_num(optarg, 0, 1000000, "churn-sockets-per-sec"); break;
		case 'H': hold = parse_num(optarg, 0, 60000, "churn-hold-ms"); break;
		case 'm': max_children = parse_num(optarg, 1, 4096, "churn-max-children"); break;
		case 'M': moving = parse_num(optarg, 0, 100000, "moving"); break;
		case 'F':
			if (!strcmp(optarg, "unix"))
				moving_unix = 1;
			else if (strcmp(optarg, "udp"))
				die("bad value for --moving-family: '%s' (udp or unix)", optarg);
			break;
		case 'X': {
			char *comma = strchr(optarg, ',');

			if (!comma)
				die("bad value for --mix: '%s' (want TCP,UDP percents)", optarg);
			*comma = '\0';
			tcp_pct = parse_num(optarg, 0, 100, "mix");
			udp_pct = parse_num(comma + 1, 0, 100, "mix");
			if (tcp_pct + udp_pct > 100)
				die("bad value for --mix: %ld + %ld percent is over 100",
				    tcp_pct, udp_pct);
			break;
		}
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 1;
	}
	every = qpct > 0 ? 100 / qpct : 0;

	install_signals();
	alarm((unsigned int)seconds);
	parent = getpid();
	pids = calloc((size_t)procs, sizeof(*pids));
	if (!pids)
		die("out of memory");
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		die("pipe: %s", strerror(errno));
	for (i = 0; i < procs; i++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork: %s", strerror(errno));
		if (pid == 0) {
			close(pipefd[0]);
			alarm(0);
			worker_main((int)i, nsock, every, pipefd[1], parent);
		}
		pids[i] = pid;
	}
	close(pipefd[1]);
	for (i = 0; i < procs && !stop; i++) {
		long counts[2];
		ssize_t n = read(pipefd[0], counts, sizeof(counts));

		if (n != sizeof(counts)) {
			if (stop)
				break;
			fprintf(stderr, PROG ": a worker failed during set-up\n");
			stop = 1;
			break;
		}
		total += counts[0];
		queued += counts[1];
	}
	close(pipefd[0]);
	if (!stop && (fork_rate > 0 || sock_rate > 0)) {
		churn = fork();
		if (churn == 0) {
			alarm(0);
			churner_main(parent, fork_rate, sock_rate, hold, max_children,
				     (int)procs);
		}
		if (churn < 0)
			die("fork: %s", strerror(errno));
	}
	if (!stop && moving > 0) {
		mover = fork();
		if (mover == 0) {
			alarm(0);
			mover_main(parent, moving, moving_unix, (int)procs + 1);
		}
		if (mover < 0)
			die("fork: %s", strerror(errno));
	}
	if (!stop) {
		printf("READY pid=%d procs=%ld sockets=%ld queued=%ld churn_pid=%d mover_pid=%d pids=",
		       (int)parent, procs, total, queued, (int)churn, (int)mover);
		for (i = 0; i < procs; i++)
			printf("%s%d", i ? "," : "", (int)pids[i]);
		printf("\n");
		fflush(stdout);
	}
	while (!stop)
		pause();

	for (i = 0; i < procs; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	if (churn > 0)
		kill(churn, SIGTERM);
	if (mover > 0)
		kill(mover, SIGTERM);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	free(pids);
	return total > 0 ? 0 : 1;
}

/*
 * leak_escname - a process whose name is hostile to terminals.  It sets its
 * comm (PR_SET_NAME) to a string with ESC sequences (clear screen, set
 * window title) and re-executes itself so /proc/PID/cmdline also carries
 * escape sequences, C1 bytes, tabs, newlines, an RTL override, invalid
 * UTF-8 and a very long argument.  It holds one UDP socket with a small
 * unread queue (datagrams sent to itself) so leaktop lists it, then sleeps.
 *
 * Used to check that leaktop never writes a process name raw to the tty.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PROG "leak_escname"
#include "leaker.h"

/* clear screen, then set the window title: 14 bytes, fits comm's 15 */
#define DEFAULT_NAME "\x1b[2Jevil\x1b]0;x\x07"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [--seconds N] [--name STR] [--comm-only] [--count N]\n"
		"  --seconds N   exit after N seconds (default 60)\n"
		"  --name STR    comm and argv[0] to use (default: ESC[2J evil ESC]0;x BEL)\n"
		"  --comm-only   set comm only, do not re-exec to rewrite cmdline\n"
		"  --count N     datagrams left unread in the socket (default 3)\n");
}

/* Re-exec with a hostile argv; only returns if the exec failed. */
static void reexec_hostile(const char *name, long seconds, long count)
{
	static char longarg[301];
	char secs[32], cnt[32];
	char *hv[] = {
		(char *)name, (char *)"--seconds", secs, (char *)"--count", cnt,
		(char *)"--stage2", (char *)"--",
		(char *)"\x1b[31mRED\x1b[0m",
		(char *)"\x1b]52;c;ZXZpbA==\x07",	/* OSC 52: write clipboard */
		(char *)"\x9b" "2J",			/* 8-bit C1 CSI */
		(char *)"tab\there",
		(char *)"new\nline",
		(char *)"\xe2\x80\xae" "gnp.exe",	/* U+202E right-to-left override */
		(char *)"bad\xff\xfe\xc3utf8",
		longarg,
		NULL
	};

	memset(longarg, 'A', sizeof(longarg) - 1);
	snprintf(secs, sizeof(secs), "%ld", seconds);
	snprintf(cnt, sizeof(cnt), "%ld", count);
	execv("/proc/self/exe", hv);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "name", required_argument, NULL, 'n' },
		{ "comm-only", no_argument, NULL, 'c' },
		{ "count", required_argument, NULL, 'k' },
		{ "stage2", no_argument, NULL, '2' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	long seconds = 60, count = 3, i;
	const char *name = DEFAULT_NAME;
	int comm_only = 0, stage2 = 0, exec_ok, fd, c;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	char payload[64];
	int64_t deadline;

	while ((c = next_opt(argc, argv, opts)) != -1) {
		switch (c) {
		case 's': seconds = parse_num(optarg, 1, 86400, "seconds"); break;
		case 'n': name = optarg; break;
		case 'c': comm_only = 1; break;
		case 'k': count = parse_num(optarg, 1, 100, "count"); break;
		case '2': stage2 = 1; break;
		}
	}
	if (stage2)
		name = argv[0];		/* the hostile argv[0] is the name */
	else
		no_more_args(argc);
	if (!*name)
		die("--name must not be empty");

	if (!stage2 && !comm_only) {
		fflush(stdout);
		reexec_hostile(name, seconds, count);
		/* exec failed (no /proc?): carry on with the comm only */
	}
	exec_ok = stage2;

	deadline = start_clock(seconds, 0);

	if (prctl(PR_SET_NAME, name) < 0)
		die("prctl PR_SET_NAME: %s", strerror(errno));

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) < 0)
		die("bind 127.0.0.1:0: %s", strerror(errno));
	memset(payload, 'e', sizeof(payload));
	for (i = 0; i < count; i++) {
		if (sendto(fd, payload, sizeof(payload), 0,
			   (struct sockaddr *)&sin, sizeof(sin)) < 0)
			die("sendto self: %s", strerror(errno));
	}

	printf("READY pid=%d fd=%d inode=%lu port=%u queued=%ld cmdline_rewritten=%d\n",
	       (int)getpid(), fd, fd_inode(fd), ntohs(sin.sin_port), count, exec_ok);
	fflush(stdout);

	while (!stop) {
		int64_t left = deadline - now_ms();

		if (left <= 0)
			break;
		poll(NULL, 0, left > 1000 ? 1000 : (int)left);
	}
	return 0;
}

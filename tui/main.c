/*
 * leaktop's entry point: parse the command line (options.c), then run one
 * mode: --act (actcli.c), --serve (serve.c), batch (batch.c) or, when
 * there is a terminal, the interactive UI (tui.c).  Exit codes: 0 success,
 * 1 runtime failure, 2 usage error, 3 an action refused by a safety check.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "leaktop/common.h"
#include "leaktop/fallback.h"
#include "options.h"

static void on_stop(int sig)
{
	(void)sig;
	lt_stop_requested = 1;
}

/* LEAKTOP_FALLBACKS, read once: -1 to go on, or EXIT_USAGE after one line. */
static int read_fallbacks(const struct lt_opts *o)
{
	struct lt_err err = { "" };

	if (fallback_init(NULL, &err) < 0) {
		fprintf(stderr, "leaktop: %s (try 'leaktop --help')\n", err.msg);
		return EXIT_USAGE;
	}
	/* a replay describes the recording's kernel, not this one */
	if (o->replay_path)
		fallback_reset();
	return -1;
}

static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/*
 * A standard fd the caller closed (leaktop <&- or 2>&-) would be the first
 * one the census opens: a BPF program on fd 0 (the light skeleton takes fd
 * 0 for "none" and never closes it), or a netlink socket on fd 2 that an
 * error message would then be sent to.  Each closed one is held by
 * /dev/null, opened so that it still behaves as closed: output to a closed
 * stdout fails with EBADF ("writing output", exit 1), as before, and
 * messages to a closed stderr go nowhere.
 */
static void hold_std_fds(void)
{
	static const int how[3] = { O_RDONLY, O_RDONLY, O_WRONLY };
	int fd;

	for (fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF)
			(void)open("/dev/null", how[fd]);	/* the lowest free fd: fd */
}

int main(int argc, char **argv)
{
	struct lt_opts o;
	int ret;

	hold_std_fds();

	/*
	 * The census arrays (megabytes at 50k sockets) are freed and taken
	 * again every few seconds.  glibc raises its mmap threshold to the
	 * size of a freed mapping, after which such arrays come from the heap
	 * and their pages stay resident; a fixed threshold keeps every big
	 * array a mapping of its own, returned when freed.
	 */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);

	ret = lt_opts_parse(&o, argc, argv);
	if (ret >= 0)
		goto out;
	ret = read_fallbacks(&o);
	if (ret >= 0)
		goto out;
	catch_signals();
	if (o.act) {
		ret = actcli_run(&o);
	} else if (o.serve_addr) {
		ret = serve_run(&o);
	} else if (o.batch) {
		ret = batch_run(&o);
	} else if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)) {
		/* no terminal: print samples like top -b, until stopped */
		if (!o.count_given)
			o.count = 0;
		ret = batch_run(&o);
	} else {
		ret = tui_run(&o);
	}
out:
	lt_opts_release(&o);
	return ret;
}

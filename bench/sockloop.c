/*
 * sockloop: create and close sockets as fast as it can, for the socket
 * origins' overhead (bench/origin.sh): after its READY line it waits for
 * SIGUSR1 (so a tracer can be attached first), then makes --count UDP
 * sockets with socket() and close(), and prints "rate=N" (sockets a
 * second) on stdout.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t go;

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

int main(int argc, char **argv)
{
	long count = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000, i;
	struct timespec a, b;
	sigset_t none, usr1;
	double s;

	signal(SIGUSR1, on_usr1);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &none);
	printf("READY pid=%d\n", (int)getpid());
	fflush(stdout);
	while (!go)
		sigsuspend(&none);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < count; i++) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);

		if (fd < 0) {
			perror("socket");
			return 1;
		}
		close(fd);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	printf("rate=%.0f\n", (double)count / s);
	return 0;
}

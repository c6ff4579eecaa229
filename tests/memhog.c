/*
 * Test helper: touch N MiB of anonymous memory, print "READY pid=<pid>",
 * then hold it until killed or --seconds pass.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long mib = argc > 1 ? atol(argv[1]) : 200;
	long seconds = argc > 2 ? atol(argv[2]) : 60;
	size_t len, i;
	char *p;

	if (mib <= 0 || seconds <= 0) {
		fprintf(stderr, "usage: memhog MIB [SECONDS]\n");
		return 2;
	}
	len = (size_t)mib << 20;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("memhog: mmap");
		return 1;
	}
	for (i = 0; i < len; i += 4096)
		p[i] = (char)(i >> 12 | 1);
	printf("READY pid=%d\n", (int)getpid());
	fflush(stdout);
	while (seconds-- > 0)
		sleep(1);
	return 0;
}

/*
 * Made-up samples for the unit tests of the triage rules (check_findings.c,
 * check_severity.c, check_triage.c): one builder of a census sample, its
 * sockets with their rates, their owners and a process, so that the tests
 * say only what differs in their case.  Every sample is freed with
 * sample_release(); a failed allocation fails the test.
 */
#ifndef CHECK_SAMPLES_H
#define CHECK_SAMPLES_H

#include <stddef.h>
#include <stdint.h>

#include "leaktop/sample.h"

/* The namespace every made-up socket lives in. */
#define CHECK_SAMPLES_NETNS 4026531840ULL

/* s cleared to a complete census at time t, sample number seq, one second
 * after the one before; no sockets, owners or processes yet. */
void check_samples_init(struct sample *s, double t, uint64_t seq);

/* An IPv4 socket of type SOCK_DGRAM (UDP, state CLOSE) or SOCK_STREAM (TCP,
 * ESTABLISHED), with an empty queue, rcvbuf 212992, no addresses, and the
 * kernel figures a sock_diag dump gives (SKMEM, drops, queue). */
struct ltsock check_samples_sock(uint64_t inode, int type);

/* The n sockets k[] copied into s (which has none yet), each with a known
 * rate: flags[i], seen at `points` samples, in the order given. */
void check_samples_socks(struct sample *s, const struct ltsock *k, const uint8_t *flags,
			 size_t n, uint8_t points);

/* One owner of a socket: inode held by pid at fd, named comm. */
struct check_owner {
	uint64_t inode;
	int pid, fd;
	const char *comm;
};

/* The owners o[] of s's sockets, one fd per process, sorted by inode and
 * by pid (lookups are binary searches); each process has 8 fds, one of
 * them a socket. */
void check_samples_owners(struct sample *s, const struct check_owner *o, size_t n);

/* s's one process (s has none yet), named comm, whose pid is not leaktop's
 * own; the caller fills in its fd figures. */
struct proc_info *check_samples_proc(struct sample *s, const char *comm);

#endif

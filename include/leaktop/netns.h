/*
 * Network namespaces: find every one in use and dump its sockets from inside
 * it.  A namespace is keyed by the (device, inode) of its nsfs file; the
 * inode alone is what users see ("net:[4026531840]") and what sockets are
 * tagged with.
 */
#ifndef LEAKTOP_NETNS_H
#define LEAKTOP_NETNS_H

#include <stdint.h>
#include "leaktop/common.h"
#include "leaktop/socket.h"
#include "leaktop/sockdiag.h"

struct netns_entry {
	uint64_t dev, ino;
	int pid;		/* a process living in it, 0 if none seen */
	char *name;		/* /run/netns name, or NULL; owned by the list */
	char *path;		/* a path to open it: /proc/PID/ns/net or
				 * /run/netns/NAME; owned by the list */
};

struct netns_list {
	struct netns_entry *v;
	size_t n, cap;
	int hidden_procs;	/* processes whose ns/net link was refused */
	uint64_t self_ino;	/* leaktop's own netns */
};

/*
 * Enumerate the namespaces of every process under procroot (/proc/PID/ns/net)
 * and of runroot ("/run/netns"; NULL to skip).  Vanished processes are
 * skipped.  Returns 0 or -errno with err set (only when procroot cannot be
 * listed).  Free with netns_list_free().
 *
 * *out is overwritten, not freed: free an earlier list first.  On failure it
 * is left empty.  Entries are in discovery order (processes, then names);
 * a namespace keeps the lowest pid seen in it and, if named, its smallest
 * name, whose /run/netns path becomes its path.  A process whose ns/net is
 * refused counts in hidden_procs.  self_ino is 0 if procroot has neither
 * thread-self nor self.
 */
int netns_list_scan(const char *procroot, const char *runroot,
		    struct netns_list *out, struct lt_err *err);
/* The same from the netns of every process of procs (all the processes,
 * in pid order, as the process table read them; netns 0 counts as
 * refused) instead of a stat of each link; NULL: netns_list_scan. */
struct proc_list;
int netns_list_known(const char *procroot, const char *runroot,
		     const struct proc_list *procs, struct netns_list *out,
		     struct lt_err *err);
void netns_list_free(struct netns_list *l);

/* What happened in one namespace. */
struct netns_dump_report {
	int entered;		/* 0: could not enter (no CAP_SYS_ADMIN), skipped */
	char why[128];		/* reason when not entered or a kind failed */
	enum sockdiag_result result[SOCKDIAG_NKINDS];
	uint8_t fallback[SOCKDIAG_NKINDS];	/* 1: /proc/net table used */
	uint8_t exact[SOCKDIAG_NKINDS];	/* 1: the filter's exact sockets
					 * were looked up, nothing else read */
	int complete;		/* every kind enumerated (diag or fallback) */
};

/*
 * Dump every socket kind of namespace ns into out (sockets stamped with
 * ns->ino).  Runs in a helper thread that setns()es into the namespace, so
 * the caller's own namespace is never changed; leaktop's own namespace is
 * dumped directly.  A kind whose diag module is missing falls back to the
 * namespace's /proc/net table (procroot/thread-self/net).  Returns 0 (see
 * rep for what was seen) or -ENOMEM.
 *
 * rep is overwritten; result[] is SOCKDIAG_FAILED for every kind when the
 * namespace was not entered.  A process that left (or whose pid now names
 * another namespace) gives entered 0 and why "namespace vanished".  On
 * success the sockets are appended to out; a kind that failed appends
 * nothing.  The caller's thread keeps its namespace throughout.
 */
int netns_dump(const struct netns_entry *ns, const char *procroot,
	       struct ltsock_vec *out, struct netns_dump_report *rep);

#define NETNS_ALL_KINDS	((1u << SOCKDIAG_NKINDS) - 1)
/*
 * The same for the kinds in the mask (1 << enum sockdiag_kind each) only:
 * the light refresh between full censuses.  rep->complete says whether
 * every kind asked was enumerated; result[] of a kind not asked stays
 * SOCKDIAG_FAILED.  filters (NULL, or one per kind) restrict an inet kind
 * to the sockets with those port pairs (sockdiag_dump_ports); a kind read
 * from its /proc/net table instead (fallback[]) is always whole.
 */
struct netns_kind_filter {
	const uint16_t *pairs;	/* (local port, peer port) pairs, host order */
	size_t npairs;		/* 0: the whole kind */
	const struct ltsock *exact;	/* these sockets, looked up one by one */
	size_t nexact;		/* first; if one is not found, the pairs */
};
int netns_dump_kinds(const struct netns_entry *ns, const char *procroot,
		     unsigned kinds, const struct netns_kind_filter *filters,
		     struct ltsock_vec *out, struct netns_dump_report *rep);

/*
 * Another source of some kinds' sockets (the BPF protocol iterators,
 * core/ltbpf_socks.c), run inside the namespace before sock_diag: dump()
 * appends to out (stamped ino) the sockets of the kinds of mask it can
 * give, in the calling thread's namespace, and returns the mask of those
 * it gave (their result is then SOCKDIAG_OK), the rest being read from
 * sock_diag as usual; or -ENOMEM.  arg is the hook's own.
 */
struct netns_hook {
	int (*dump)(void *arg, uint64_t ino, unsigned mask, struct ltsock_vec *out);
	void *arg;
};
/* netns_dump_kinds with hook (NULL: none). */
int netns_dump_hooked(const struct netns_entry *ns, const char *procroot,
		      unsigned kinds, const struct netns_kind_filter *filters,
		      const struct netns_hook *hook, struct ltsock_vec *out,
		      struct netns_dump_report *rep);

/*
 * The namespace of a socket that pid holds at fd (of that inode), for a
 * namespace no process is in (created, then left, or handed over with
 * SCM_RIGHTS): a duplicate of the fd through pidfd_getfd (nothing changes
 * in the target), SIOCGSKNS on it.  The duplicate lives only in a helper
 * thread's private fd table and is closed by that thread's exit, so it can
 * never be a close that waits (SO_LINGER), even when the owner closed its
 * fd meanwhile and the duplicate was the last reference.  On success
 * *nsfd is an open namespace fd (the caller closes it) and *nsino its
 * inode.  -ENOSYS when the kernel lacks pidfd_getfd (5.6) or SIOCGSKNS
 * (4.9); -ESTALE when the fd holds another socket by now; else -errno
 * (gone, refused).
 */
int netns_of_socket(int pid, int fd, uint64_t inode, int *nsfd, uint64_t *nsino);

/* One socket for netns_of_sockets, and its answer. */
struct netns_sock_query {
	int pid, fd;
	uint64_t inode;
	int ret;		/* 0, or -errno as netns_of_socket returns */
	int nsfd;		/* with ret 0: the namespace (the caller closes it), else -1 */
	uint64_t nsino;
};

/* The most sockets one helper thread asks about (and the duplicates it
 * holds until it exits). */
#define NETNS_QUERY_MAX 64

/*
 * netns_of_socket for q[0..n) at once: one helper thread per
 * NETNS_QUERY_MAX sockets instead of one per socket.  Each q[i] gets its
 * answer; 0, or -errno when no helper could start (-ENOMEM, -EAGAIN).
 */
int netns_of_sockets(struct netns_sock_query *q, size_t n);

#endif

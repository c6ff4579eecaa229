/*
 * Memory accounting: where MemTotal goes.  Parsers take file text (so tests
 * feed fixtures from several kernel generations); the readers take a procfs
 * root ("/proc" live, a fixture tree in tests).  All sizes are bytes.
 */
#ifndef LEAKTOP_MEMINFO_H
#define LEAKTOP_MEMINFO_H

#include <stddef.h>
#include <stdint.h>
#include "leaktop/common.h"

/* The /proc/meminfo fields leaktop uses, in bytes. */
struct meminfo_raw {
	uint64_t total, free, available, buffers, cached, swap_cached, shmem;
	uint64_t anon_pages;
	uint64_t slab_reclaimable, slab_unreclaimable;
	uint64_t kernel_stack, page_tables, sec_page_tables;
	uint64_t vmalloc_used, percpu, hugetlb, zswap;
	unsigned have;		/* MEMINFO_HAVE_* bits for optional fields */
};

#define MEMINFO_HAVE_AVAILABLE	0x01	/* MemAvailable (3.14+) */
#define MEMINFO_HAVE_PERCPU	0x02	/* Percpu (4.16+) */
#define MEMINFO_HAVE_HUGETLB	0x04	/* Hugetlb line (5.x+); else derived */
#define MEMINFO_HAVE_SECPT	0x08	/* SecPageTables (6.2+) */
#define MEMINFO_HAVE_ZSWAP	0x10	/* Zswap */

/* /proc/net/sockstat and sockstat6 (global socket memory, in pages there). */
struct meminfo_sockstat {
	uint64_t sockets_used;
	uint64_t tcp_inuse, tcp_orphan, tcp_tw, tcp_alloc, tcp_mem;	/* mem: bytes */
	uint64_t udp_inuse, udp_mem;					/* bytes */
	uint64_t udplite_inuse, raw_inuse, frag_inuse, frag_memory;
	uint64_t tcp6_inuse, udp6_inuse, udplite6_inuse, raw6_inuse;
	uint64_t frag6_inuse, frag6_memory;
};

#define MEMINFO_SLAB_TOP 10

struct meminfo_slabcache {
	char name[64];
	uint64_t bytes;		/* num_slabs * pagesperslab * page size */
	uint64_t active_objs, num_objs, objsize;
};

/* The largest slab caches, biggest first. */
struct meminfo_slab {
	struct meminfo_slabcache top[MEMINFO_SLAB_TOP];
	int n;
	uint64_t total;		/* sum over all caches */
	int readable;		/* 0: /proc/slabinfo could not be read */
};

/* Sum of every readable process's smaps_rollup. */
struct meminfo_pss {
	uint64_t pss, anon, file, shmem;
	int procs;		/* processes summed */
	int hidden;		/* processes whose smaps_rollup was refused */
	double time;		/* when it was read (unix seconds), 0 = never */
};

/* Socket memory groups (socket.h's enum ltsock_mem_group, in its order). */
#define MEMINFO_SOCK_GROUPS 7

/* The breakdown.  The parts free + page_cache + buffers + shmem + user_anon +
 * kernel_known + socket_buffers + unaccounted add up to total exactly. */
struct meminfo_breakdown {
	uint64_t total, free, available, page_cache, buffers, shmem, user_anon;
	uint64_t kernel_known;
	int64_t unaccounted;	/* negative only if the kernel's own lines overlap */
	/* the kernel_known lines */
	uint64_t slab_reclaimable, slab_unreclaimable, kernel_stack, page_tables;
	uint64_t vmalloc, percpu, hugetlb, zswap;
	int stacks_in_vmalloc;	/* kernel stacks counted inside vmalloc */
	/* socket memory that no meminfo line counts (skb page fragments and
	 * large buffers), taken out of the remainder: a part of its own, set
	 * by meminfo_place_sockets once the census is known, else 0 */
	uint64_t socket_buffers;
	/* views that overlap the parts, never added to them */
	uint64_t socket_queues;	/* memory pinned by sockets: the census's sum
				 * of ltsock_mem, else sockstat TCP + UDP mem */
	int socket_queues_from_census;	/* 1: census; 0: sockstat pages */
	uint64_t socket_group[MEMINFO_SOCK_GROUPS];	/* by group (census) */
	uint64_t socket_recv;	/* of socket_queues, waiting for readers */
	uint64_t orphans;	/* orphaned tcp connections in the census */
	uint64_t socket_outside_slab;	/* the census's estimate, before
					 * meminfo_place_sockets clamps it */
	uint64_t sockstat_tcp, sockstat_udp;	/* bytes */
	uint64_t sockstat_orphans, sockstat_frag;	/* count, bytes (v4 + v6) */
	uint64_t sockstat_slack;	/* how far TCP/UDP mem may lag the sockets:
					 * net.core.mem_pcpu_rsv pages per CPU */
	struct meminfo_pss pss;
};

/* Parse /proc/meminfo text.  MemTotal, MemFree, Buffers, Cached, Shmem,
 * AnonPages, Slab lines are required; a missing one or a malformed line
 * is -EBADMSG with the line in err. */
int meminfo_parse(const char *text, size_t len, struct meminfo_raw *out,
		  struct lt_err *err);
/* Parse sockstat (and optionally sockstat6 appended) text; page_size
 * converts the "mem" page counts. */
int meminfo_parse_sockstat(const char *text, size_t len, uint64_t page_size,
			   struct meminfo_sockstat *out, struct lt_err *err);
/* Parse /proc/slabinfo 2.x text into the top caches. */
int meminfo_parse_slabinfo(const char *text, size_t len, uint64_t page_size,
			   struct meminfo_slab *out, struct lt_err *err);
/* Parse one smaps_rollup; adds nothing, fills pss/anon/file/shmem (bytes). */
int meminfo_parse_smaps_rollup(const char *text, size_t len, uint64_t *pss,
			       uint64_t *anon, uint64_t *file, uint64_t *shmem,
			       struct lt_err *err);

/* Parse one /proc/PID/smaps (the fallback before 4.14): the Pss: of every
 * mapping, split into anon/file/shmem by the mapping's inode and name. */
int meminfo_parse_smaps(const char *text, size_t len, uint64_t *pss,
			uint64_t *anon, uint64_t *file, uint64_t *shmem,
			struct lt_err *err);
/*
 * PSS of process pid under the procfs root open at dirfd: smaps_rollup, or
 * smaps when lt_fallback(LT_FB_SMAPS_ROLLUP).  0 with the figures (bytes),
 * 1 for an empty file (a kernel thread: all 0), -errno (EACCES when
 * refused, ENOENT when gone) or -EBADMSG.
 */
int meminfo_read_pss_at(int dirfd, int pid, uint64_t *pss, uint64_t *anon,
			uint64_t *file, uint64_t *shmem);

/* Readers over a procfs root.  meminfo_read_slab leaves out->readable 0
 * and returns 0 when slabinfo is not readable (not root). */
int meminfo_read(const char *procroot, struct meminfo_raw *out, struct lt_err *err);
int meminfo_read_sockstat(const char *procroot, uint64_t page_size,
			  struct meminfo_sockstat *out, struct lt_err *err);
int meminfo_read_slab(const char *procroot, uint64_t page_size,
		      struct meminfo_slab *out, struct lt_err *err);
/* Sum smaps_rollup of every numeric entry of procroot.  Vanished processes
 * are skipped; refused ones counted in out->hidden. */
int meminfo_read_pss(const char *procroot, struct meminfo_pss *out);
/* The same walk, also calling each(arg, pid, pss_bytes) for every process
 * read (each may be NULL). */
int meminfo_read_pss_each(const char *procroot, struct meminfo_pss *out,
			  void (*each)(void *arg, int pid, uint64_t pss), void *arg);

/*
 * Whether kernel stacks are allocated from vmalloc (CONFIG_VMAP_STACK), so
 * KernelStack is already inside VmallocUsed.  Looks at procroot/config.gz's
 * neighbour files is too costly; the answer comes from bootconfig text when
 * given (NULL: heuristic VmallocUsed >= KernelStack).
 */
int meminfo_stacks_in_vmalloc(const struct meminfo_raw *m, const char *kconfig);

/* Compute the breakdown.  pss and sockstat may be NULL. */
void meminfo_breakdown(const struct meminfo_raw *m, const struct meminfo_pss *pss,
		       const struct meminfo_sockstat *ss, int stacks_in_vmalloc,
		       struct meminfo_breakdown *out);

/*
 * Move outside_slab bytes of socket memory (the census's estimate of what
 * no meminfo line counts: ltsock_outside_slab) from unaccounted, never
 * below 0, into socket_buffers; the parts still add up to total.  Calling
 * it again replaces the earlier placement.
 */
void meminfo_place_sockets(struct meminfo_breakdown *m, uint64_t outside_slab);

#endif

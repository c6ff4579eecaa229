/*
 * One snapshot: the memory breakdown with the slow-cadence PSS sum, and the
 * socket census: every socket of every network namespace, joined with the
 * fds that hold it and with its history (growth, flags).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "leaktop/actions.h"
#include "leaktop/sample.h"
#include "leaktop/sample_clock.h"
#include "leaktop/ltbpf_owners.h"
#include "leaktop/ltbpf_socks.h"
#include "leaktop/fallback.h"
#include "leaktop/ltbpf_tasks.h"
#include "leaktop/units.h"
#include "sample_int.h"
#include "alloc_hook.h"



static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The steady clock: CLOCK_MONOTONIC, moved to the wall time of the first
 * reading so that its times stay comparable with the wall times of actions
 * (their state files) while an NTP step cannot make an interval negative. */
static double steady_now(struct sample_ctx *ctx)
{
	double mono = clock_s(CLOCK_MONOTONIC);

	if (!ctx->have_clock_base) {
		ctx->clock_base = clock_s(CLOCK_REALTIME) - mono;
		ctx->have_clock_base = 1;
	}
	return ctx->clock_base + mono;
}

/* A positive number from procroot/rel (a sysctl), or def when it cannot
 * be read. */
static uint64_t read_sysctl(const char *procroot, const char *rel, uint64_t def)
{
	unsigned long long v;
	char path[512], *buf;
	size_t len;
	int ok;

	if (lt_path(path, sizeof(path), procroot, rel) < 0 ||
	    lt_read_file(path, &buf, &len, 64) < 0)
		return def;
	ok = sscanf(buf, "%llu", &v) == 1 && v > 0 && v < 1ULL << 30;
	free(buf);
	return ok ? v : def;
}

struct sample_ctx *sample_ctx_new(const struct sample_config *cfg, struct lt_err *err)
{
	struct sample_ctx *ctx = calloc(1, sizeof(*ctx));
	struct utsname u;
	char path[512];
	size_t len;
	long ps, ncpu;

	if (!ctx)
		goto nomem;
	ctx->procroot = strdup(cfg->procroot ? cfg->procroot : "/proc");
	if (!ctx->procroot)
		goto nomem;
	ctx->pss_interval = cfg->pss_interval;
	ctx->census = cfg->census;
	if (cfg->runroot && !(ctx->runroot = strdup(cfg->runroot)))
		goto nomem;
	if (cfg->npids) {
		ctx->pids = malloc(cfg->npids * sizeof(*ctx->pids));
		if (!ctx->pids)
			goto nomem;
		memcpy(ctx->pids, cfg->pids, cfg->npids * sizeof(*ctx->pids));
		ctx->npids = cfg->npids;
	}
	ctx->window = cfg->window > 0 ? cfg->window : 60;
	ctx->census_every = cfg->census_every > 0 ? cfg->census_every : 0;
	if (cfg->findings)
		ctx->fcfg = *cfg->findings;
	else
		findings_config_default(&ctx->fcfg);
	ctx->fstate = findings_state_new();
	if (!ctx->fstate)
		goto nomem;
	if (ctx->census) {
		struct history_config hc = { .window = cfg->window };

		ctx->hist = history_new(&hc);
		if (!ctx->hist)
			goto nomem;
		ctx->fdcache = fdtable_cache_new(0);
		ctx->bpf = ltbpf_new();
		if (!ctx->fdcache || !ctx->bpf)
			goto nomem;
		ctx->cgcache = cgroup_cache_new(ctx->procroot);
		if (!ctx->cgcache)
			goto nomem;
		cgroup_host_detect(cfg->cgroot ? cfg->cgroot : CGROUP_ROOT_DEFAULT, ctx->procroot,
				   &ctx->cghost);
		cgroup_cache_set_root(ctx->cgcache, cfg->cgroot ? cfg->cgroot : CGROUP_ROOT_DEFAULT);
	}
	if (cfg->cgroup && !(ctx->cgroup = strdup(cfg->cgroup)))
		goto nomem;
	{
		/* processes: each read in full once per census interval (every
		 * sample in batch mode), the moving ones every sample */
		struct procs_table_config pc = {
			.refresh_every = ctx->census_every,
			.pss_every = ctx->pss_interval,
		};

		ctx->ptab = procs_table_new(ctx->procroot, &pc);
		if (!ctx->ptab) {
			if (errno == ENOMEM)
				goto nomem;
			lt_err_set(err, errno, "cannot open %s: %s", ctx->procroot,
				   strerror(errno));
			sample_ctx_free(ctx);
			return NULL;
		}
	}
	ctx->stacks_in_vmalloc = -1;
	/* a unix datagram reader's queue limit, as leaktop's namespace has it
	 * (the kernel's default where it cannot be read) */
	ctx->max_dgram_qlen = (unsigned)read_sysctl(ctx->procroot,
						    "sys/net/unix/max_dgram_qlen", 10);
	ps = sysconf(_SC_PAGESIZE);
	ctx->page_size = ps > 0 ? (uint64_t)ps : 4096;
	/* each CPU keeps up to mem_pcpu_rsv pages of protocol memory (256 by
	 * default, 6.0+) that sockstat's TCP and UDP mem do not show yet */
	ncpu = sysconf(_SC_NPROCESSORS_CONF);
	ctx->sockstat_slack = read_sysctl(ctx->procroot, "sys/net/core/mem_pcpu_rsv", 256) *
			      ctx->page_size * (uint64_t)(ncpu > 0 ? ncpu : 1);
	/* the kernel config says for sure whether stacks live in vmalloc */
	if (!strcmp(ctx->procroot, "/proc") && uname(&u) == 0 &&
	    snprintf(path, sizeof(path), "/boot/config-%s", u.release) < (int)sizeof(path) &&
	    lt_read_file(path, &ctx->kconfig, &len, 16 << 20) < 0)
		ctx->kconfig = NULL;
	return ctx;
nomem:
	sample_ctx_free(ctx);
	lt_err_set(err, ENOMEM, "out of memory");
	errno = ENOMEM;
	return NULL;
}

void sample_ctx_free(struct sample_ctx *ctx)
{
	if (!ctx)
		return;
	free(ctx->procroot);
	free(ctx->kconfig);
	free(ctx->runroot);
	free(ctx->pids);
	history_free(ctx->hist);
	fdtable_cache_free(ctx->fdcache);
	ltbpf_free(ctx->bpf);
	proc_facts_free(&ctx->facts);
	procs_table_free(ctx->ptab);
	free(ctx->nsof);
	findings_state_free(ctx->fstate);
	cgroup_cache_free(ctx->cgcache);
	free(ctx->cgroup);
	ltsock_vec_free(&ctx->spare.socks);
	free(ctx->spare.order);
	free(ctx->join.key);
	free(ctx->join.val);
	free(ctx);
}

static int cmp_ns_of(const void *a, const void *b)
{
	return lt_cmp_u64(a, b);	/* by inode, the first member */
}

static int census_has_netns(const struct sample *s, uint64_t ino)
{
	size_t i;

	for (i = 0; i < s->nnetns; i++)
		if (s->netns[i].ino == ino)
			return 1;
	return 0;
}

#define HIDDEN_NETNS_MAX 16

/*
 * Sockets held by fds that no namespace's dump listed: a ghost (closed by
 * the stack, the fd never closed), or a live socket of a namespace no
 * process is in (created there and handed over, as VPN and VRF tools do).
 * Ask the kernel which namespace each one is in (netns_of_sockets: a
 * duplicate of the fd, SIOCGSKNS), dump every namespace not seen yet, and
 * keep the inodes whose namespace could not be told in s->ns_unknown:
 * their fds are unknown, never ghosts.  Without pidfd_getfd (before 5.6)
 * nothing can be asked and such fds stay ghosts, as before.  Live /proc
 * only.  0 or -ENOMEM.
 */
/* One owner entry census_hidden_netns looks at: a namespace known from
 * the last census (ask -1, ns), or the place of its question in q. */
struct hidden_step {
	const struct fd_owner *o;
	ssize_t ask;
	uint64_t ns;
};

/*
 * Every kind of one namespace: the tcp and udp sockets from the BPF
 * iterators where they can be used (live, BPF on), the rest and
 * everything else from sock_diag (netns_dump).
 */
static int census_dump(struct sample_ctx *ctx, const struct netns_entry *e,
		       struct ltsock_vec *out, struct netns_dump_report *rep)
{
	struct netns_hook hook = { ltbpf_socks_dump, ctx->bpf };

	if (strcmp(ctx->procroot, "/proc") || !ltbpf_socks_ready(ctx->bpf))
		return netns_dump(e, ctx->procroot, out, rep);
	return netns_dump_hooked(e, ctx->procroot, NETNS_ALL_KINDS, NULL, &hook, out, rep);
}

static int census_hidden_netns(struct sample_ctx *ctx, struct sample *out)
{
	struct ns_of *seen = NULL;
	struct { int fd; uint64_t ino; int holder; } nv[HIDDEN_NETNS_MAX];
	struct hidden_step *step = NULL;
	struct netns_sock_query *q = NULL;
	size_t j, nseen = 0, capseen = 0, nn = 0, capu = 0, nstep = 0, capstep = 0, nq = 0;
	uint64_t last = 0;
	int r = 0;

	if (strcmp(ctx->procroot, "/proc") || ctx->no_getfd || !out->owners.nowners ||
	    fdtable_cache_has(ctx->fdcache, 0) < 0)
		return 0;
	/* which owners to ask about, in order; the questions go to the
	 * kernel in batches (netns_of_sockets), the answers are taken in
	 * the owners' order below */
	for (j = 0; j < out->owners.nowners; j++) {
		const struct fd_owner *o = &out->owners.owners[j];
		struct ns_of key = { o->inode, 0 }, *c;
		char proto[32];

		/* the census's inodes, as the owner scan indexed them */
		if (o->inode == last || fdtable_cache_has(ctx->fdcache, o->inode) > 0)
			continue;
		last = o->inode;
		if (nstep == capstep) {
			size_t cap = capstep ? capstep * 2 : 64;
			struct hidden_step *v = realloc(step, cap * sizeof(*v));
			struct netns_sock_query *w = realloc(q, cap * sizeof(*w));

			if (v)
				step = v;
			if (w)
				q = w;
			if (!v || !w) {
				r = -ENOMEM;
				goto out;
			}
			capstep = cap;
		}
		c = ctx->nnsof ? bsearch(&key, ctx->nsof, ctx->nnsof, sizeof(key), cmp_ns_of) : NULL;
		if (c && census_has_netns(out, c->ns)) {
			/* a namespace the census dumped: a ghost */
			step[nstep++] = (struct hidden_step){ o, -1, c->ns };
			continue;
		}
		if (fdtable_sockproto(ctx->procroot, o->pid, o->fd, proto, sizeof(proto)) < 0 ||
		    !fdtable_sockproto_dumped(proto))
			continue;	/* closed meanwhile, or not a family we dump */
		memset(&q[nq], 0, sizeof(q[nq]));
		q[nq].nsfd = -1;
		q[nq].pid = o->pid;
		q[nq].fd = o->fd;
		q[nq].inode = o->inode;
		step[nstep++] = (struct hidden_step){ o, (ssize_t)nq++, 0 };
	}
	if (nq && netns_of_sockets(q, nq) == -ENOMEM) {
		r = -ENOMEM;
		goto out;
	}
	for (j = 0; j < nstep; j++) {
		const struct fd_owner *o = step[j].o;
		uint64_t nsino = step[j].ns;
		int nsfd = -1, ret;
		size_t k;

		if (step[j].ask >= 0) {
			ret = q[step[j].ask].ret;
			nsfd = q[step[j].ask].nsfd;
			nsino = q[step[j].ask].nsino;
			q[step[j].ask].nsfd = -1;	/* taken */
			if (ret == -ENOSYS) {
				ctx->no_getfd = 1;
				break;
			}
			if (ret < 0) {
				if (ret == -ESTALE || ret == -ESRCH || ret == -EBADF)
					continue;	/* gone: the next census sees */
				/* refused: its namespace is unknown */
				if (out->nns_unknown == capu) {
					size_t cap = capu ? capu * 2 : 16;
					uint64_t *v = realloc(out->ns_unknown, cap * sizeof(*v));

					if (!v) {
						r = -ENOMEM;
						break;
					}
					out->ns_unknown = v;
					capu = cap;
				}
				out->ns_unknown[out->nns_unknown++] = o->inode;
				continue;
			}
		}
		if (nseen == capseen) {
			size_t cap = capseen ? capseen * 2 : 16;
			struct ns_of *v = realloc(seen, cap * sizeof(*v));

			if (!v) {
				if (nsfd >= 0)
					close(nsfd);
				r = -ENOMEM;
				break;
			}
			seen = v;
			capseen = cap;
		}
		seen[nseen].inode = o->inode;
		seen[nseen++].ns = nsino;
		if (nsfd < 0)
			continue;
		if (census_has_netns(out, nsino)) {
			close(nsfd);
			continue;
		}
		for (k = 0; k < nn; k++)
			if (nv[k].ino == nsino)
				break;
		if (k < nn || nn == HIDDEN_NETNS_MAX) {
			close(nsfd);
			continue;
		}
		nv[nn].fd = nsfd;
		nv[nn].ino = nsino;
		nv[nn++].holder = o->pid;
	}
out:
	/* the answers not taken (after a stop) */
	for (j = 0; j < nq; j++)
		if (q[j].nsfd >= 0)
			close(q[j].nsfd);
	free(q);
	free(step);
	/* the next census asks only what it has not seen */
	free(ctx->nsof);
	ctx->nsof = seen;
	ctx->nnsof = nseen;
	if (nseen)
		qsort(ctx->nsof, nseen, sizeof(*seen), cmp_ns_of);
	if (out->nns_unknown)
		qsort(out->ns_unknown, out->nns_unknown, sizeof(uint64_t), lt_cmp_u64);
	if (nn && r == 0) {
		struct sample_netns *v = realloc(out->netns, (out->nnetns + nn) * sizeof(*v));

		if (!v)
			r = -ENOMEM;
		else
			out->netns = v;
	}
	for (j = 0; j < nn; j++) {
		struct netns_entry e;
		struct sample_netns *sn;
		char path[64];
		size_t before = out->socks.n, k;

		if (r < 0) {
			close(nv[j].fd);
			continue;
		}
		sn = &out->netns[out->nnetns++];
		memset(sn, 0, sizeof(*sn));
		sn->ino = nv[j].ino;
		sn->held_by = nv[j].holder;
		memset(&e, 0, sizeof(e));
		e.ino = nv[j].ino;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", nv[j].fd);
		e.path = path;
		if (census_dump(ctx, &e, &out->socks, &sn->rep) < 0)
			r = -ENOMEM;
		close(nv[j].fd);
		ltsock_vec_dedup(&out->socks, before);
		sn->nsockets = out->socks.n - before;
		for (k = before; k < out->socks.n; k++)
			sn->nunix += out->socks.v[k].family == AF_UNIX;
		if (!sn->rep.entered || !sn->rep.complete)
			out->census_complete = 0;
	}
	return r;
}

static int sample_ns_unknown(const struct sample *s, uint64_t inode)
{
	/* a replayed sample has the count only */
	return s->ns_unknown && lt_u64_sorted_has(s->ns_unknown, s->nns_unknown, inode);
}

/*
 * Who holds each socket: one pass of the BPF task iterator where it can
 * stand in for the /proc scan (the live procfs, a process list to join
 * with, BPF loaded), else the /proc scan.  The iterator failing once
 * sends this and every later census to /proc.
 */
static int census_owners(struct sample_ctx *ctx, struct sample *out, struct lt_err *err)
{
	struct lt_err e2;
	int r;

	if (out->have_procs && !strcmp(ctx->procroot, "/proc") &&
	    ltbpf_census_ready(ctx->bpf)) {
		/* with -p, only those processes' fd tables */
		r = ltbpf_owners_census(ctx->bpf, &out->procs, ctx->npids > 0, &out->owners, &e2);
		if (r == 0) {
			if (fdtable_cache_index(ctx->fdcache, &out->socks) == 0)
				return 0;
			return lt_err_set(err, ENOMEM, "out of memory");
		}
		if (r == -ENOMEM)
			return lt_err_set(err, ENOMEM, "%s", e2.msg);
		ltbpf_refuse(ctx->bpf, e2.msg);
	}
	return fdtable_census_known(ctx->fdcache, ctx->procroot, ctx->pids, ctx->npids,
				    out->have_procs ? &out->procs : NULL, &out->socks,
				    &out->owners, err);
}

/*
 * The steady sample refills the arrays of the census before it instead of
 * allocating them again (issue 27, item 3): at 200k sockets the socket
 * vector and the order are some 30 MB, which as fresh mappings cost a page
 * fault every 4 KiB each sample.  census_recycle() keeps prev's,
 * census_arrays() hands them out when they are big enough.  The rates are
 * not kept: they start at zero, and fresh zero pages, of which a census
 * writes only those of its sockets with a series, cost less than zeroing
 * a kept array, and stay out of the RSS.
 */
static void census_recycle(struct sample_ctx *ctx, struct sample *prev)
{
	size_t n = prev->socks.n;

	ltsock_vec_clear(&prev->socks);
	if (prev->socks.cap > ctx->spare.socks.cap) {
		ltsock_vec_free(&ctx->spare.socks);
		ctx->spare.socks = prev->socks;
		memset(&prev->socks, 0, sizeof(prev->socks));
	}
	/* the order holds at least socks.n entries, whichever census or
	 * light sample made it */
	if (prev->order == ctx->spare.given && n <= ctx->spare.given_cap)
		n = ctx->spare.given_cap;	/* made by census_arrays */
	if (prev->order && n > ctx->spare.ncap) {
		free(ctx->spare.order);
		ctx->spare.order = prev->order;
		ctx->spare.ncap = n;
		prev->order = NULL;
	}
}

/* out->rates (zeroed) and out->order for out->socks.n sockets: the spare
 * order when it is big enough, else a new one; NULL when memory ran out. */
static void census_arrays(struct sample_ctx *ctx, struct sample *out)
{
	size_t n = out->socks.n ? out->socks.n : 1, cap = ctx->spare.ncap;

	out->rates = calloc(n, sizeof(*out->rates));
	if (!ctx->spare.order || cap < n) {
		/* too small: freed first, so the two never add up, and made
		 * with room for the census to grow a little */
		free(ctx->spare.order);
		cap = n + n / 16;
		ctx->spare.order = malloc(cap * sizeof(*out->order));
		if (!ctx->spare.order)
			cap = 0;
	}
	out->order = ctx->spare.order;
	ctx->spare.given = out->order;
	ctx->spare.given_cap = cap;
	ctx->spare.order = NULL;
	ctx->spare.ncap = 0;
}

/* Sockets of every namespace, their owners and rates.  Failures to enter a
 * namespace or read an fd table become data (hidden bits), not errors. */
static int take_census(struct sample_ctx *ctx, struct sample *out, struct lt_err *err)
{
	struct netns_list nl = { 0 };
	size_t i, j;
	int r;

	out->census = 1;
	out->census_complete = 1;
	out->pid_filter = ctx->npids > 0;
	/* the last census's vector, emptied: filled in place */
	out->socks = ctx->spare.socks;
	memset(&ctx->spare.socks, 0, sizeof(ctx->spare.socks));
	/* with -p the list holds those processes only: every link is read */
	r = netns_list_known(ctx->procroot, ctx->runroot,
			     out->have_procs && !ctx->npids ? &out->procs : NULL, &nl, err);
	if (r < 0)
		return r;
	out->netns = calloc(nl.n ? nl.n : 1, sizeof(*out->netns));
	if (!out->netns) {
		r = lt_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < nl.n; i++) {
		struct sample_netns *sn = &out->netns[out->nnetns++];
		size_t before = out->socks.n;

		sn->ino = nl.v[i].ino;
		sn->pid = nl.v[i].pid;
		if (nl.v[i].name)
			snprintf(sn->name, sizeof(sn->name), "%s", nl.v[i].name);
		r = census_dump(ctx, &nl.v[i], &out->socks, &sn->rep);
		if (r < 0) {
			lt_err_set(err, -r, "out of memory dumping sockets");
			goto out;
		}
		/* one row per socket, whatever the dump repeated */
		ltsock_vec_dedup(&out->socks, before);
		sn->nsockets = out->socks.n - before;
		for (j = before; j < out->socks.n; j++)
			sn->nunix += out->socks.v[j].family == AF_UNIX;
		if (!sn->rep.entered)
			out->hidden |= SAMPLE_HIDDEN_NETNS;
		if (!sn->rep.entered || !sn->rep.complete)
			out->census_complete = 0;
	}
	r = census_owners(ctx, out, err);
	if (r < 0)
		goto out;
	if (census_hidden_netns(ctx, out) < 0) {
		r = lt_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	/* unix readers' queues sit in their senders' wmem (without the
	 * memory for it, Recv-Q stands in: ltsock_queued) */
	ltsock_attribute_peers(&out->socks, ctx->max_dgram_qlen);
	if (out->owners.hidden_procs)
		out->hidden |= SAMPLE_HIDDEN_FDS;
	census_arrays(ctx, out);
	if (!out->rates || !out->order) {
		r = lt_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	/* without memory for some series their rates start over: partial */
	if (history_update(ctx->hist, out->clock, &out->socks, out->rates) < 0)
		out->hidden |= SAMPLE_HIDDEN_NOMEM;
	history_order(&out->socks, out->rates, out->order);
	sample_census_sums(out);
	r = sample_build_shown(out) < 0 ? lt_err_set(err, ENOMEM, "out of memory") : 0;
out:
	netns_list_free(&nl);
	return r;
}

void sample_ctx_forget_pid(struct sample_ctx *ctx, int pid)
{
	procs_table_forget(ctx->ptab, pid);
}

const struct history *sample_ctx_history(const struct sample_ctx *ctx)
{
	return ctx->hist;
}

/* A census socket by inode: the index built once per use. */
struct inode_idx {
	uint64_t inode;
	uint32_t idx;
};

static int cmp_inode_idx(const void *a, const void *b)
{
	const struct inode_idx *x = a, *y = b;

	return (x->inode > y->inode) - (x->inode < y->inode);
}

/* Census sockets sorted by inode.  NULL on -ENOMEM. */
static struct inode_idx *census_index(const struct sample *s)
{
	struct inode_idx *v = malloc((s->socks.n ? s->socks.n : 1) * sizeof(*v));
	uint32_t *ord = malloc((s->socks.n ? s->socks.n : 1) * sizeof(*ord));
	size_t i;

	if (!v || !ord) {
		free(v);
		free(ord);
		return NULL;
	}
	for (i = 0; i < s->socks.n; i++)
		ord[i] = (uint32_t)i;
	/* a radix sort: this runs on every sample over every socket */
	ltsock_sort_by_inode(&s->socks, ord, s->socks.n);
	for (i = 0; i < s->socks.n; i++) {
		v[i].inode = s->socks.v[ord[i]].inode;
		v[i].idx = ord[i];
	}
	free(ord);
	return v;
}

/* Index in s->socks of the socket with this inode, or -1. */
static ssize_t census_find(const struct inode_idx *ix, size_t n, uint64_t inode)
{
	struct inode_idx key = { .inode = inode }, *f;

	f = n ? bsearch(&key, ix, n, sizeof(key), cmp_inode_idx) : NULL;
	return f ? (ssize_t)f->idx : -1;
}


/*
 * The census's inodes sorted, for the join with the owners (sorted by
 * inode too): one sequential pass of the sockets, a radix sort of 8 bytes
 * a socket (32-bit inodes), in arrays kept in ctx from census to census.
 * The number of entries, or -ENOMEM.
 */
static ssize_t join_index(struct sample_ctx *ctx, const struct sample *s)
{
	size_t i, n = 0;

	if (s->socks.n >= JOIN_QUEUED)
		return -ENOMEM;
	if (ctx->join.cap < s->socks.n) {
		size_t cap = s->socks.n + s->socks.n / 16;

		free(ctx->join.key);
		free(ctx->join.val);
		ctx->join.key = malloc(cap * sizeof(*ctx->join.key));
		ctx->join.val = malloc(cap * sizeof(*ctx->join.val));
		ctx->join.cap = cap;
		ctx->join.seq = 0;
		if (!ctx->join.key || !ctx->join.val) {
			free(ctx->join.key);
			free(ctx->join.val);
			memset(&ctx->join, 0, sizeof(ctx->join));
			return -ENOMEM;
		}
	}
	for (i = 0; i < s->socks.n; i++) {
		const struct ltsock *k = &s->socks.v[i];

		if (!k->inode)
			continue;	/* no fd holds it */
		/* only a socket with bytes queued is visited in the join */
		ctx->join.key[n] = k->inode;
		ctx->join.val[n++] = (uint32_t)i | (ltsock_queued(k) ? JOIN_QUEUED : 0);
	}
	ctx->join.seq = 0;
	if (ltsock_sort_u32(ctx->join.key, ctx->join.val, n) < 0)
		return -ENOMEM;
	ctx->join.n = n;
	ctx->join.fresh = s->socks.n;
	ctx->join.seq = s->seq;	/* the cgroups step joins with it too */
	return (ssize_t)n;
}

/*
 * Processes, joined with the census: socket fds, ghosts (a socket fd of a
 * dumped family whose inode no namespace's dump or table listed), queued
 * bytes, and the fd / ghost growth from the history.  The owners and the
 * census's inodes are both sorted by inode: one merge, no search per owner.
 */
static int take_procs(struct sample_ctx *ctx, struct sample *out, struct lt_err *err)
{
	uint64_t *ghosts = NULL;
	size_t i, j, nghosts = 0, at = 0;
	ssize_t nix;
	int r;

	if (!out->census || !out->have_procs)
		return 0;
	nix = join_index(ctx, out);
	ghosts = malloc((out->owners.nowners ? out->owners.nowners : 1) * 2 * sizeof(*ghosts));
	if (nix < 0 || !ghosts) {
		r = lt_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	for (j = 0; j < out->owners.nowners; j++) {
		const struct fd_owner *o = &out->owners.owners[j];
		struct proc_info *p = (struct proc_info *)procs_find(&out->procs, o->pid);
		char proto[32];

		if (!p)
			continue;	/* born between the two scans */
		p->nsockets++;
		while (at < (size_t)nix && ctx->join.key[at] < o->inode)
			at++;
		if (at < (size_t)nix && ctx->join.key[at] == o->inode) {
			uint32_t v = ctx->join.val[at];

			if (v & JOIN_QUEUED)
				p->queued += ltsock_queued(&out->socks.v[JOIN_IDX(v)]);
			continue;
		}
		if (!out->census_complete || sample_ns_unknown(out, o->inode))
			continue;
		if (fdtable_sockproto(ctx->procroot, o->pid, o->fd, proto, sizeof(proto)) < 0 ||
		    !fdtable_sockproto_dumped(proto))
			continue;	/* closed meanwhile, or a family we do not dump */
		p->ghosts++;
		ghosts[2 * nghosts] = (uint64_t)o->pid;
		ghosts[2 * nghosts + 1] = o->inode;
		nghosts++;
	}
	if (history_update_ghosts(ctx->hist, out->clock, ghosts, nghosts) < 0)
		out->hidden |= SAMPLE_HIDDEN_NOMEM;
	for (i = 0; i < out->procs.n; i++) {
		struct proc_info *p = &out->procs.v[i];
		const struct fd_proc *fp = fdtable_census_proc(&out->owners, p->pid);

		/* the fd count may be visible (stat) while the links are not */
		if (fp && fp->nfds < 0)
			p->hidden |= PROC_HIDDEN_FDS;
		p->ghosts_known = out->census_complete && fp && fp->nfds >= 0;
	}
	for (j = 0; j < nghosts; j++) {
		struct proc_info *p = (struct proc_info *)procs_find(&out->procs,
								     (int)ghosts[2 * j]);
		double since = history_ghost_since(ctx->hist, (int)ghosts[2 * j],
						   ghosts[2 * j + 1]);

		if (!p || since < 0)
			continue;
		if (out->clock - since > p->oldest_ghost_age)
			p->oldest_ghost_age = out->clock - since;
		/* counted one by one: one old ghost does not make the fresh
		 * ones of a server under churn settled too */
		if (out->clock - since >= ctx->fcfg.ghost_grace_s)
			p->ghosts_settled++;
	}
	if (history_update_procs(ctx->hist, out->clock, ctx->window * 10, &out->procs) < 0)
		out->hidden |= SAMPLE_HIDDEN_NOMEM;
	r = 0;
out:
	free(ghosts);
	return r;
}

/* sample_fdtable with the census index ix already built (NULL: build one
 * here), so that -p over many pids sorts the census once. */
static int fdtable_joined(struct sample_ctx *ctx, const struct sample *s,
			  const struct inode_idx *ix, int pid, struct fd_table *t,
			  struct lt_err *err)
{
	struct inode_idx *own = NULL;
	size_t i;
	int r;

	r = fdtable_read(ctx->procroot, pid, t, err);
	if (r < 0 || !s->census)
		return r;
	if (!ix) {
		ix = own = census_index(s);
		if (!own) {
			fdtable_free(t);
			return lt_err_set(err, ENOMEM, "out of memory");
		}
	}
	for (i = 0; i < t->n; i++) {
		struct fd_entry *e = &t->v[i];
		ssize_t k;
		double since;

		if (e->kind != FD_SOCKET)
			continue;
		k = census_find(ix, s->socks.n, e->inode);
		if (k >= 0) {
			e->sock = (int32_t)k;
			continue;
		}
		if (!s->census_complete || sample_ns_unknown(s, e->inode)) {
			e->ghost = FD_GHOST_UNKNOWN;
			continue;
		}
		if (!fdtable_sockproto_dumped(e->sockproto))
			continue;
		since = history_ghost_since(ctx->hist, pid, e->inode);
		if (s->census_age > 0 && since < 0) {
			/* a light sample: new since the census, or a ghost */
			e->ghost = FD_GHOST_UNKNOWN;
			continue;
		}
		e->ghost = FD_GHOST_YES;
		e->ghost_age = since >= 0 ? sample_steady_time(s) - since : 0;
	}
	free(own);
	return 0;
}

int sample_fdtable(struct sample_ctx *ctx, const struct sample *s, int pid,
		   struct fd_table *t, struct lt_err *err)
{
	return fdtable_joined(ctx, s, NULL, pid, t, err);
}

int sample_attach_fdtables(struct sample_ctx *ctx, struct sample *s, struct lt_err *err)
{
	struct inode_idx *ix = NULL;
	size_t i;
	int r = 0;

	if (!ctx->npids)
		return 0;
	s->fdtables = calloc(ctx->npids, sizeof(*s->fdtables));
	if (!s->fdtables)
		return lt_err_set(err, ENOMEM, "out of memory");
	/* one index of the census for every pid of -p */
	if (s->census) {
		ix = census_index(s);
		if (!ix) {
			r = lt_err_set(err, ENOMEM, "out of memory");
			goto out;
		}
	}
	for (i = 0; i < ctx->npids; i++) {
		struct fd_table *t = &s->fdtables[s->nfdtables];

		r = fdtable_joined(ctx, s, ix, ctx->pids[i], t, err);
		if (r == -ENOMEM)
			goto out;
		if (r < 0)
			continue;	/* gone: no table */
		s->nfdtables++;
	}
	r = 0;
out:
	free(ix);
	return r;
}

/* net.ipv4.tcp_mem and udp_mem: three page counts each. */
static void read_mem_limits(struct sample_ctx *ctx, struct sample *out)
{
	static const char *const files[2] = { "sys/net/ipv4/tcp_mem", "sys/net/ipv4/udp_mem" };
	uint64_t *dst[2] = { out->tcp_mem_limits, out->udp_mem_limits };
	unsigned long long v[3];
	char path[512], *buf;
	size_t len;
	int i, k, ok = 1;

	for (i = 0; i < 2; i++) {
		if (lt_path(path, sizeof(path), ctx->procroot, files[i]) < 0 ||
		    lt_read_file(path, &buf, &len, 256) < 0) {
			ok = 0;
			continue;
		}
		if (sscanf(buf, "%llu %llu %llu", &v[0], &v[1], &v[2]) == 3)
			for (k = 0; k < 3; k++)
				dst[i][k] = v[k] * ctx->page_size;
		else
			ok = 0;
		free(buf);
	}
	out->have_mem_limits = ok;
}

/* Free what a full census replaces, before it is taken. */
static void drop_census(struct sample *s)
{
	ltsock_vec_free(&s->socks);
	free(s->rates);
	free(s->order);
	free(s->shown);
	s->rates = NULL;
	s->order = NULL;
	s->shown = NULL;
	s->nshown = 0;
	fdtable_census_free(&s->owners);
	memset(&s->owners, 0, sizeof(s->owners));
	free(s->netns);
	s->netns = NULL;
	s->nnetns = 0;
	free(s->ns_unknown);
	s->ns_unknown = NULL;
	s->nns_unknown = 0;
	s->census = 0;
}

/* What the samples since a socket action say: the queue at the first
 * sample after it and now. */
static void check_socket_action(struct sample_ctx *ctx, const struct sample *out,
				struct finding_mitigation *m)
{
	double t[HISTORY_POINTS];
	uint32_t q[HISTORY_POINTS];
	size_t i, k, n, first = 0, after = 0;
	const struct ltsock *sk = NULL;
	char b1[32], b2[32];

	for (i = 0; i < out->socks.n && !sk; i++)
		if (out->socks.v[i].inode == m->inode)
			sk = &out->socks.v[i];
	m->check = FINDING_CHECK_PENDING;
	if (!sk) {
		snprintf(m->how, sizeof(m->how), "checking: the socket is not in this census");
		return;
	}
	n = history_series_of(ctx->hist, sk->netns, sk->inode, t, q, HISTORY_POINTS);
	/* the undo state keeps whole seconds: a point in the action's own
	 * second may be from before it (the queue still growing), so the
	 * samples since start at the next second */
	for (k = 0; k < n; k++)
		if (t[k] >= m->time + 1.0 && after++ == 0)
			first = k;
	if (after < 2) {
		snprintf(m->how, sizeof(m->how), "checking: %zu sample%s since, two are needed",
			 after, after == 1 ? "" : "s");
		return;
	}
	units_size(q[first], b1, sizeof(b1));
	units_size(q[n - 1], b2, sizeof(b2));
	if (q[n - 1] > q[first]) {
		m->check = FINDING_CHECK_FAILS;
		snprintf(m->how, sizeof(m->how), "not working: the queue grew from %s to %s "
			 "over the %zu samples since", b1, b2, after);
	} else if (q[n - 1] == q[first] && q[n - 1] > 0 && ltsock_is_full(sk) &&
		   m->kind != ACTIONS_DRAIN) {
		/* at its ceiling before and after: arrivals were dropped
		 * anyway, and nothing queued was freed */
		m->check = FINDING_CHECK_FAILS;
		snprintf(m->how, sizeof(m->how), "no effect: the queue was at its ceiling "
			 "and stays at %s; nothing was freed (drain it or restart the "
			 "program)", b2);
	} else if (q[n - 1] == q[first] && m->kind == ACTIONS_DRAIN && q[n - 1] > 0) {
		m->check = FINDING_CHECK_FAILS;
		/* drained, and filled again before the samples since began */
		snprintf(m->how, sizeof(m->how), "not working: the queue is back at %s over "
			 "the %zu samples since", b2, after);
	} else {
		m->check = FINDING_CHECK_WORKS;
		if (q[n - 1] < q[first])
			snprintf(m->how, sizeof(m->how), "works: the queue fell from %s to %s "
				 "over the %zu samples since", b1, b2, after);
		else
			snprintf(m->how, sizeof(m->how), "works: the queue stopped growing, "
				 "at %s over the %zu samples since%s", b2, after,
				 m->kind == ACTIONS_DROP_FILTER ? "; what arrives is dropped" : "");
		if (q[n - 1] > 0) {
			size_t len = strlen(m->how);

			snprintf(m->how + len, sizeof(m->how) - len, "; %s still pinned "
				 "(a drain or a restart frees it)", b2);
		}
	}
}

/*
 * Actions of leaktop's in place on this machine (the state it keeps for
 * undo, and drain markers), each with a verdict from the samples since:
 * the triage marks the findings they cover mitigated.  Live /proc only.
 */
static int take_mitigations(struct sample_ctx *ctx, struct sample *out)
{
	struct actions_in_place *v = NULL;
	size_t n = 0, i;

	if (!ctx->census || actions_procroot_foreign(ctx->procroot))
		return 0;
	actions_in_place(ctx->procroot, &v, &n);
	if (!n) {
		free(v);
		return 0;
	}
	out->mitigations = calloc(n, sizeof(*out->mitigations));
	if (!out->mitigations) {
		free(v);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		struct finding_mitigation *m = &out->mitigations[i];
		const struct actions_state *st = &v[i].st;

		m->kind = (uint8_t)st->kind;
		m->pid = st->pid;
		m->fd = st->fd;
		m->inode = st->inode;
		m->time = (double)st->time;
		m->in_place = v[i].in_place > 0 ? 1 : v[i].in_place == 0 ? 0 : -1;
		if (m->in_place == 0) {
			snprintf(m->how, sizeof(m->how), "no longer in place: %s", v[i].why);
		} else if (st->kind == ACTIONS_RAISE_FD_LIMIT) {
			const struct proc_info *p = procs_find(&out->procs, st->pid);

			m->check = FINDING_CHECK_PENDING;
			snprintf(m->how, sizeof(m->how), "checking: the process is not listed");
			if (p && p->fd_soft > 0 && p->nfds >= 0) {
				int tight = (double)p->nfds >= 0.9 * (double)p->fd_soft;

				m->check = tight ? FINDING_CHECK_FAILS : FINDING_CHECK_WORKS;
				snprintf(m->how, sizeof(m->how), "%s: %d of the raised limit of %lld "
					 "fds in use%s", tight ? "not working" : "works, for now",
					 (int)p->nfds, (long long)p->fd_soft,
					 tight ? ", the leak has nearly used the room up" :
					 "; it buys time, the leak goes on");
			}
		} else {
			check_socket_action(ctx, out, m);
		}
		out->nmitigations++;
	}
	free(v);
	return 0;
}

/* The processes a finding names, or that hold ghosts, are read in full at
 * every sample for a while (their fd count, limits, comm). */
/*
 * The run state of each process that holds queued bytes, read afresh in
 * every sample (the table reads stat only at its cadence): a stopped,
 * traced, D-state or frozen holder is the finding (findings_group).  A
 * frozen cgroup (freezer.state, cgroup.events) is looked up for a holder
 * that sleeps, on a live procfs only (the mount points are this
 * machine's).  A process gone meanwhile keeps state 0.
 */
static void take_proc_states(struct sample_ctx *ctx, struct sample *out)
{
	char v1m[512] = "", v2m[512] = "", path[512], *mi = NULL;
	size_t i, len = 0;
	int mounts = 0;

	if (!out->have_procs)
		return;
	for (i = 0; i < out->procs.n; i++) {
		struct proc_info *p = &out->procs.v[i];

		if (!p->queued || procs_read_state(ctx->procroot, p) < 0 ||
		    (p->run_state != 'S' && p->run_state != 'D'))
			continue;
		if (!mounts) {	/* once, on the first sleeper */
			mounts = 1;
			if (procs_is_procfs(ctx->procroot) &&
			    lt_path(path, sizeof(path), ctx->procroot, "self/mountinfo") == 0 &&
			    lt_read_file(path, &mi, &len, 1 << 20) == 0)
				procs_parse_freezer_mounts(mi, len, v1m, sizeof(v1m), v2m,
							   sizeof(v2m));
			free(mi);
		}
		if (procs_read_frozen(ctx->procroot, p->pid, v1m, v2m))
			p->run_state = 'F';
	}
}

static void watch_named(struct sample_ctx *ctx, const struct sample *s)
{
	const struct proc_info *p;
	size_t i;

	if (!s->have_procs)
		return;
	for (i = 0; i < s->findings.n; i++)
		if (s->findings.v[i].pid > 0 &&
		    (p = procs_find(&s->procs, s->findings.v[i].pid)) != NULL)
			procs_table_watch(ctx->ptab, p->pid, p->start_ticks);
	for (i = 0; i < s->procs.n; i++)
		if (s->procs.v[i].ghosts > 0)
			procs_table_watch(ctx->ptab, s->procs.v[i].pid,
					  s->procs.v[i].start_ticks);
}

int sample_take(struct sample_ctx *ctx, struct sample *out, struct lt_err *err)
{
	return sample_take_next(ctx, NULL, out, err);
}

int sample_take_next(struct sample_ctx *ctx, struct sample *prev, struct sample *out,
		     struct lt_err *err)
{
	struct meminfo_sockstat ss, *ssp = &ss;
	struct meminfo_raw raw;
	struct lt_err e2;
	unsigned long failed = lt_alloc_failures();
	int r, light;

	memset(out, 0, sizeof(*out));
	out->time = clock_s(CLOCK_REALTIME);
	out->clock = steady_now(ctx);
	out->seq = ++ctx->seq;
	out->as_root = geteuid() == 0;
	out->interval = ctx->last_clock > 0 ? out->clock - ctx->last_clock : 0;
	host_read(ctx->procroot, &out->host);	/* what fails stays unknown */

	r = meminfo_read(ctx->procroot, &raw, err);
	if (r < 0)
		return r;
	if (meminfo_read_sockstat(ctx->procroot, ctx->page_size, &ss, &e2) < 0)
		ssp = NULL;
	if (meminfo_read_slab(ctx->procroot, ctx->page_size, &out->slab, &e2) < 0 ||
	    !out->slab.readable)
		out->hidden |= SAMPLE_HIDDEN_SLAB;

	/* processes (listed with the census) and their PSS, each read at its
	 * own cadence by the table; where the census has BPF, what stat,
	 * limits, ns/net and /proc/PID's owner give of every process comes
	 * from one pass of the task iterator when the table reads every
	 * process (not with -p: a few processes cost less than a walk of
	 * the machine; nor for the share of them a UI sample reads) */
	if (ctx->census && !ctx->npids && !ctx->tasks_off && !lt_fallback(LT_FB_BPF_TASK) &&
	    !strcmp(ctx->procroot, "/proc") && procs_table_wants_facts(ctx->ptab) &&
	    ltbpf_census_ready(ctx->bpf)) {
		r = ltbpf_tasks_read(ctx->bpf, &ctx->facts, &e2);
		if (r == 0) {
			procs_table_facts(ctx->ptab, &ctx->facts);
		} else if (r != -ENOMEM) {
			ctx->tasks_off = 1;	/* the files from now on */
			fallback_detected_why(LT_FB_BPF_TASK, e2.msg);
		}
	}
	r = procs_table_update(ctx->ptab, out->clock, ctx->pids, ctx->npids,
			       ctx->census ? &out->procs : NULL, err);
	if (r < 0 && (ctx->census || r == -ENOMEM))
		return r;
	out->have_procs = ctx->census && r == 0;
	procs_table_pss(ctx->ptab, &ctx->pss);
	if (ctx->pss.hidden && out->have_procs) {
		size_t i;

		/* when some PSS is refused, none read is as good as hidden */
		for (i = 0; i < out->procs.n; i++)
			if (out->procs.v[i].pss_age < 0)
				out->procs.v[i].hidden |= PROC_HIDDEN_PSS;
	}
	if (ctx->pss.hidden)
		out->hidden |= SAMPLE_HIDDEN_PSS;
	out->pss_age = ctx->pss.time > 0 ? out->clock - ctx->pss.time : 0;
	if (out->pss_age < 0)
		out->pss_age = 0;

	if (ctx->stacks_in_vmalloc < 0)
		ctx->stacks_in_vmalloc = meminfo_stacks_in_vmalloc(&raw, ctx->kconfig);
	meminfo_breakdown(&raw, &ctx->pss, ssp, ctx->stacks_in_vmalloc, &out->mem);
	out->mem.sockstat_slack = ctx->sockstat_slack;
	read_mem_limits(ctx, out);
	if (ctx->census) {
		light = prev && prev->census && prev->rates && ctx->census_every > 0 &&
			ctx->last_full > 0 && out->clock >= ctx->last_full &&
			out->clock - ctx->last_full < ctx->census_every;
		if (light) {
			/* a light sample makes its own order: its size is
			 * socks.n from now on */
			ctx->spare.given = NULL;
			r = sample_take_light(ctx, prev, out, err);
		} else {
			if (prev) {
				census_recycle(ctx, prev);
				drop_census(prev);
			}
			r = take_census(ctx, out, err);
			if (r == 0)
				r = take_procs(ctx, out, err);
			if (r == 0) {
				ctx->last_full = out->clock;
				ctx->nlight = 0;
			}
		}
		if (r < 0) {
			ctx->spare.given = NULL;
			sample_release(out);
			return r;
		}
	}
	take_proc_states(ctx, out);
	if (take_mitigations(ctx, out) < 0 ||
	    findings_evaluate(&ctx->fcfg, ctx->fstate, out, &out->findings) < 0) {
		ctx->spare.given = NULL;
		sample_release(out);
		return lt_err_set(err, ENOMEM, "out of memory evaluating findings");
	}
	watch_named(ctx, out);
	sample_take_cgroups(ctx, out);
	ctx->last_clock = out->clock;
	/* an allocation failed and a step went on without it: partial */
	if (lt_alloc_failures() != failed)
		out->hidden |= SAMPLE_HIDDEN_NOMEM;
	return 0;
}

void sample_release(struct sample *s)
{
	size_t i;

	if (!s)
		return;
	ltsock_vec_free(&s->socks);
	free(s->rates);
	free(s->order);
	free(s->shown);
	fdtable_census_free(&s->owners);
	free(s->netns);
	free(s->ns_unknown);
	procs_list_free(&s->procs);
	findings_list_free(&s->findings);
	sample_cgroups_free(&s->cgroups);
	free(s->mitigations);
	for (i = 0; i < s->nfdtables; i++)
		fdtable_free(&s->fdtables[i]);
	free(s->fdtables);
	memset(s, 0, sizeof(*s));
}

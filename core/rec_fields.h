/*
 * The field list of each recording table, written once.  A table's schema
 * string (one type letter per field), its encoder and its decoder are all
 * expanded from its list in core/rec_rows.c, so they cannot drift apart;
 * tests/gen_recording.c takes its schema strings from here too.
 *
 * A list is F(kind, lvalue) entries, split by the format version that added
 * them: TABLE_1 (1.0), TABLE_2 (2.0), TABLE_3 (3.0); REC_FINDING_4 (4.0).  A row of an older file
 * ends before the fields of a later version, which then keep their default.
 * Fields are only ever added at the end of a table (a new version's list),
 * never reordered or removed: the order is the file format.
 *
 * Kinds (the letter written in the schema):
 *   U  unsigned varint                 I  signed (zigzag) varint
 *   D  double                          S  string in a char array
 *   P  string in a heap pointer (S)    B  byte array, trailing zeros trimmed
 *   N  a count written for readers of the file, ignored on reading (U)
 *   A  an action kind (enum actions_kind), stored as its name (S)
 *   R  a sockdiag result, out-of-range values read as failed (U)
 *   M  the fallback flags of every dump kind as one bit mask (U)
 *   K  "the fd links to a census socket" (U); the reader finds the socket
 *      again by inode
 *
 * The lvalues name the struct being encoded by a fixed variable: s (struct
 * sample), sc (struct meminfo_slabcache), ns (struct sample_netns), k and r
 * (struct ltsock and its struct sock_rate), km (the socket's struct
 * ltsock_mem), fp (struct fd_proc), p (struct
 * proc_info), x (struct finding), ft (struct fd_table), e (struct fd_entry);
 * for an action event res, t and au, for a cgroups frame g (below).
 * The owners table has no fields: its key says everything.
 */
#ifndef LEAKTOP_REC_FIELDS_H
#define LEAKTOP_REC_FIELDS_H

#define REC_META_1(F) \
	F(D, s->time) F(D, s->interval) F(U, s->seq) F(U, s->hidden) \
	F(D, s->pss_age) F(I, s->as_root) F(I, s->census) \
	F(I, s->census_complete) F(I, s->pid_filter) F(I, s->have_procs) \
	F(I, s->have_mem_limits) \
	F(U, s->tcp_mem_limits[0]) F(U, s->tcp_mem_limits[1]) \
	F(U, s->tcp_mem_limits[2]) \
	F(U, s->udp_mem_limits[0]) F(U, s->udp_mem_limits[1]) \
	F(U, s->udp_mem_limits[2]) \
	F(I, s->owners.hidden_procs) F(N, s->socks.n) \
	F(U, s->mem.total) F(U, s->mem.free) F(U, s->mem.available) \
	F(U, s->mem.page_cache) F(U, s->mem.buffers) F(U, s->mem.shmem) \
	F(U, s->mem.user_anon) F(U, s->mem.kernel_known) \
	F(I, s->mem.unaccounted) \
	F(U, s->mem.slab_reclaimable) F(U, s->mem.slab_unreclaimable) \
	F(U, s->mem.kernel_stack) F(U, s->mem.page_tables) \
	F(U, s->mem.vmalloc) F(U, s->mem.percpu) F(U, s->mem.hugetlb) \
	F(U, s->mem.zswap) \
	F(I, s->mem.stacks_in_vmalloc) F(U, s->mem.socket_queues) \
	F(I, s->mem.socket_queues_from_census) \
	F(U, s->mem.sockstat_tcp) F(U, s->mem.sockstat_udp) \
	F(U, s->mem.pss.pss) F(U, s->mem.pss.anon) F(U, s->mem.pss.file) \
	F(U, s->mem.pss.shmem) F(I, s->mem.pss.procs) F(I, s->mem.pss.hidden) \
	F(D, s->mem.pss.time) \
	F(U, s->slab.total) F(I, s->slab.readable)
/* 2.0: socket memory; MEMINFO_SOCK_GROUPS (7) groups */
#define REC_META_2(F) \
	F(U, s->mem.socket_buffers) \
	F(U, s->mem.socket_group[0]) F(U, s->mem.socket_group[1]) \
	F(U, s->mem.socket_group[2]) F(U, s->mem.socket_group[3]) \
	F(U, s->mem.socket_group[4]) F(U, s->mem.socket_group[5]) \
	F(U, s->mem.socket_group[6]) \
	F(U, s->mem.socket_recv) F(U, s->mem.orphans) \
	F(U, s->mem.sockstat_orphans) F(U, s->mem.sockstat_frag) \
	F(U, s->nns_unknown) F(U, s->mem.sockstat_slack)
#define REC_META_3(F)

#define REC_SLAB_1(F) \
	F(S, sc->name) F(U, sc->bytes) F(U, sc->active_objs) \
	F(U, sc->num_objs) F(U, sc->objsize)
#define REC_SLAB_2(F)
#define REC_SLAB_3(F)

/* SOCKDIAG_NKINDS (11) dump results */
#define REC_NETNS_1(F) \
	F(U, ns->ino) F(I, ns->pid) F(S, ns->name) F(U, ns->nsockets) \
	F(I, ns->rep.entered) F(S, ns->rep.why) \
	F(R, ns->rep.result[0]) F(R, ns->rep.result[1]) \
	F(R, ns->rep.result[2]) F(R, ns->rep.result[3]) \
	F(R, ns->rep.result[4]) F(R, ns->rep.result[5]) \
	F(R, ns->rep.result[6]) F(R, ns->rep.result[7]) \
	F(R, ns->rep.result[8]) F(R, ns->rep.result[9]) \
	F(R, ns->rep.result[10]) \
	F(M, ns->rep.fallback) F(I, ns->rep.complete)
#define REC_NETNS_2(F) \
	F(I, ns->held_by)
#define REC_NETNS_3(F)

#define REC_SOCK_1(F) \
	F(U, k->family) F(U, k->type) F(U, k->state) F(U, k->source) \
	F(U, k->protocol) F(U, k->have) F(U, km->ifindex) F(U, km->uid) \
	F(B, k->local.addr) F(U, k->local.port) \
	F(B, k->peer.addr) F(U, k->peer.port) \
	F(U, km->recv_q) F(U, km->send_q) F(U, km->rmem) F(U, km->rcvbuf) \
	F(U, km->wmem) F(U, km->sndbuf) F(U, km->drops) F(P, k->path) \
	F(D, r->growth_bps) F(D, r->drops_ps) F(U, r->known) F(U, r->flags) \
	F(U, r->points)
/* 2.0: the whole SK_MEMINFO, unix senders, send-side growth */
#define REC_SOCK_2(F) \
	F(U, km->fwd_alloc) F(U, km->wmem_queued) F(U, km->optmem) \
	F(U, km->backlog) F(U, km->peer_q) F(U, km->npeer_q) \
	F(D, r->send_growth_bps) F(U, km->npeer_blocked)
#define REC_SOCK_3(F)

#define REC_OWNER_1(F)
#define REC_OWNER_2(F)
#define REC_OWNER_3(F)

#define REC_FDPROC_1(F) \
	F(I, fp->nfds) F(I, fp->nsockets) F(S, fp->comm)
#define REC_FDPROC_2(F)
#define REC_FDPROC_3(F)

#define REC_PROC_1(F) \
	F(I, p->ppid) F(U, p->uid) F(S, p->user) F(S, p->comm) \
	F(P, p->cmdline) F(U, p->start_ticks) F(D, p->start_time) \
	F(U, p->netns) F(U, p->pss) F(D, p->pss_age) F(I, p->nfds) \
	F(I, p->fd_soft) F(I, p->fd_hard) F(I, p->nsockets) F(I, p->ghosts) \
	F(I, p->ghosts_known) F(D, p->oldest_ghost_age) F(U, p->queued) \
	F(D, p->fd_growth_per_hour) F(D, p->ghost_growth_per_hour) \
	F(I, p->growth_known) F(I, p->fd_increase) F(D, p->exhaustion_s) \
	F(U, p->hidden)
#define REC_PROC_2(F)
#define REC_PROC_3(F)

/* also the payload of a finding event */
#define REC_FINDING_1(F) \
	F(U, x->kind) F(U, x->severity) F(U, x->suspected) F(I, x->pid) \
	F(I, x->fd) F(U, x->inode) F(U, x->netns) F(S, x->comm) \
	F(D, x->observed_s) F(D, x->score) F(A, x->action) \
	F(S, x->summary) F(S, x->evidence) F(S, x->explanation)
/* 2.0: the victim */
#define REC_FINDING_2(F) \
	F(I, x->victim_pid) F(I, x->victim_fd) F(S, x->victim_comm)
/* 3.0: where the finding stands */
#define REC_FINDING_3(F) \
	F(U, x->state) F(U, x->mitigation) F(U, x->check) \
	F(D, x->mitigated_at) F(S, x->mitigation_note)
/* 4.0: one row per problem (findings_group): a group's cause, count,
 * total and worst member, a stopped process's state and since when; a
 * member's row names its group (member_of, 1 + the group's row) and
 * follows the findings' rows.  A 3.x row ends before these.  (A table's
 * new fields are a new major version: a 3.x reader would misread them.) */
#define REC_FINDING_4(F) \
	F(U, x->cause) F(S, x->cause_text) F(U, x->bytes) F(U, x->ceiling) \
	F(U, x->nmembers) F(I, x->worst_fd) F(U, x->worst_inode) \
	F(U, x->worst_bytes) F(D, x->since) F(U, x->proc_state) \
	F(U, x->member_of)

#define REC_FDTAB_1(F) \
	F(I, ft->pid) F(I, ft->hidden)
#define REC_FDTAB_2(F)
#define REC_FDTAB_3(F)

#define REC_FDENT_1(F) \
	F(I, e->fd) F(U, e->kind) F(U, e->ghost) F(P, e->target) \
	F(U, e->inode) F(U, e->pos) F(U, e->flags) F(S, e->sockproto) \
	F(D, e->ghost_age) F(K, e->sock)
#define REC_FDENT_2(F)
#define REC_FDENT_3(F)

/*
 * A row of the cgroups frame (4.1; not a sample table: the frame is whole
 * each time, and old 4.0 readers skip it): one cgroup of the tree, g a
 * struct sample_cgroup.  Its name is derived again from the path on
 * reading (cgroup_name).  A row is its length and these fields; a later
 * field goes at the end, and a reader skips what it does not know.
 */
#define REC_CGROUP(F) \
	F(P, g->path) F(I, g->parent) F(U, g->direct) \
	F(U, g->mem) F(U, g->rmem) F(U, g->wmem) F(U, g->queued) \
	F(U, g->nsockets) F(U, g->norphans) F(U, g->nprocs) F(U, g->nfds) \
	F(U, g->ghosts) F(U, g->nfindings) F(U, g->kernel.acct) \
	F(U, g->kernel.bytes)

/*
 * The payload of an action event (not a table: no versions yet): the
 * result res, its target t, the audit record au, and the figures before
 * and after.
 */
#define REC_FIGURES(F, f) \
	F(U, f.have) F(U, f.rmem) F(U, f.recv_q) F(U, f.rcvbuf) F(U, f.drops) \
	F(I, f.filter_len) F(I, f.filter_drops_all) F(I, f.filter_locked) \
	F(U, f.fd_soft) F(U, f.fd_hard) F(U, f.nfds) F(U, f.drained_bytes) \
	F(U, f.drained_packets)
#define REC_ACTION(F) \
	F(U, res->kind) F(U, res->outcome) F(I, res->err) \
	F(I, t->pid) F(I, t->fd) F(U, t->inode) F(U, t->start_ticks) \
	F(S, t->comm) F(I, t->family) F(I, t->type) F(I, t->protocol) \
	F(I, t->listening) F(S, t->proto) F(S, t->local) \
	REC_FIGURES(F, res->before) REC_FIGURES(F, res->after) \
	F(S, res->message) F(S, res->reason) F(S, res->warning) \
	F(S, res->preview) F(I, res->can_undo) F(U, res->undo.kind) \
	F(S, res->state_path) \
	F(D, au->time) F(U, au->uid) F(S, au->user) F(I, au->loginuid) \
	F(S, au->login)

/* ---- schema strings -------------------------------------------------------- */

#define REC_LETTER_U "U"
#define REC_LETTER_I "I"
#define REC_LETTER_D "D"
#define REC_LETTER_S "S"
#define REC_LETTER_P "S"
#define REC_LETTER_B "B"
#define REC_LETTER_N "U"
#define REC_LETTER_A "S"
#define REC_LETTER_R "U"
#define REC_LETTER_M "U"
#define REC_LETTER_K "U"
#define REC_LETTER(kind, lv) REC_LETTER_##kind

/* The schema string of table T (REC_META, ...) and of its version-v part. */
#define REC_TYPES_V(T, v) "" T##_##v(REC_LETTER)
#define REC_TYPES(T) REC_TYPES_V(T, 1) REC_TYPES_V(T, 2) REC_TYPES_V(T, 3)
/* Fields a row of format 1.x, 2.x and 3.x has. */
#define REC_NF10(T) ((int)sizeof(REC_TYPES_V(T, 1)) - 1)
#define REC_NF20(T) ((int)sizeof(REC_TYPES_V(T, 1) REC_TYPES_V(T, 2)) - 1)
#define REC_NF30(T) ((int)sizeof(REC_TYPES(T)) - 1)

#endif

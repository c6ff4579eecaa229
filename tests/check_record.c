/*
 * Unit tests of the recording (core/rec_*.c) and of core/host.c: samples
 * survive a write and a read exactly (out_json_write prints the same
 * line), a file cut at any offset replays its complete frames, a damaged
 * frame is skipped with its offset named, a newer format is refused clearly,
 * --record-max-size keeps the file under its cap, random damage (bit
 * flips, random bytes, cuts) never crashes the reader (a deterministic
 * mutation loop; tests/fuzz_record.c runs the same reader under
 * libFuzzer), and a sample's machine (host name, kernel, uptime) is read
 * under its procfs root and replayed from the recording.
 *
 * LEAKTOP_WRITE_CORPUS=DIR makes the corpus test write its recordings
 * there (how tests/fuzz/corpus/ was made).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include "check_suites.h"
#include "leaktop/origin.h"
#include "leaktop/record.h"
#include "leaktop/out.h"
#include "../tui/options.h"
#include "../tui/source.h"

/* ---- frozen recordings ------------------------------------------------------ */

/* The socket of inode ino in s; fails the test if absent. */
static const struct ltsock *frozen_sock(const struct sample *s, uint64_t ino, size_t *idx)
{
	size_t i;

	for (i = 0; i < s->socks.n; i++)
		if (s->socks.v[i].inode == ino) {
			*idx = i;
			return &s->socks.v[i];
		}
	ck_abort_msg("no socket %llu in the frozen recording", (unsigned long long)ino);
	return NULL;
}

static const struct proc_info *frozen_proc(const struct sample *s, int32_t pid)
{
	size_t i;

	for (i = 0; i < s->procs.n; i++)
		if (s->procs.v[i].pid == pid)
			return &s->procs.v[i];
	ck_abort_msg("no process %d in the frozen recording", (int)pid);
	return NULL;
}

/*
 * tests/fixtures/recordings/v3.1.ltrec, written once by the 3.1 writer (see
 * the README there), read back field by field.  The writer, the reader and
 * gen_recording all expand core/rec_fields.h, so a reordered or removed
 * field keeps every round trip green; this file does not change with them,
 * and the exact values below then come out in the wrong places.
 */
START_TEST(test_frozen_v3_1)
{
	char path[512];
	struct lt_err err = { "" };
	struct record_reader *r;
	const struct record_header *h;
	const struct ltsock *k;
	const struct proc_info *p;
	const struct finding *f;
	struct sample s;
	size_t i, idx, nnote = 0, naction = 0;

	snprintf(path, sizeof(path), "%s/recordings/v3.1.ltrec", fixtures_dir());
	r = record_reader_open(path, &err);
	ck_assert_msg(r != NULL, "open %s: %s", path, err.msg);
	ck_assert_uint_eq(record_reader_nwarnings(r), 0);
	ck_assert_int_eq(record_reader_complete(r), 1);
	h = record_reader_header(r);
	ck_assert_uint_eq(h->major, 3);
	ck_assert_uint_eq(h->minor, 1);
	ck_assert_str_eq(h->host, "test-host");
	ck_assert_str_eq(h->kernel, "6.1.0-test #1 SMP");
	ck_assert_str_eq(h->boot_id, "0bb3c0ff-1111-2222-3333-444455556666");
	ck_assert_double_eq(h->start_time, 1700000000);
	ck_assert_uint_eq(record_reader_nsamples(r), 4);

	/* the keyframe */
	ck_assert_int_eq(record_reader_sample(r, 0, &s, &err), 0);
	ck_assert_uint_eq(s.seq, 1);
	ck_assert_uint_eq(s.socks.n, 37);
	k = frozen_sock(&s, 1000, &idx);
	ck_assert_uint_eq(k->family, AF_INET);
	ck_assert_uint_eq(k->type, SOCK_DGRAM);
	ck_assert_uint_eq(k->m->recv_q, 1024);
	ck_assert_uint_eq(k->m->rmem, 1792);
	ck_assert_uint_eq(k->m->rcvbuf, 212992);
	ck_assert_uint_eq(k->m->uid, 1000);
	ck_assert_uint_eq(s.procs.n, 5);
	ck_assert_uint_eq(s.findings.n, 0);
	sample_release(&s);

	/* the last sample, three deltas on */
	ck_assert_int_eq(record_reader_sample(r, 3, &s, &err), 0);
	ck_assert_uint_eq(s.seq, 4);
	ck_assert_uint_eq(s.socks.n, 37);
	k = frozen_sock(&s, 1028, &idx);
	ck_assert_uint_eq(k->family, AF_PACKET);
	ck_assert_uint_eq(k->m->recv_q, 118784);
	ck_assert_uint_eq(k->m->rmem, 121856);
	ck_assert_uint_eq(k->m->drops, 1);
	ck_assert_uint_eq(k->m->rcvbuf, 212992);
	/* the recording's double, kept as a float (struct sock_rate) */
	ck_assert_float_eq(s.rates[idx].growth_bps, 14848.4f);
	ck_assert_uint_eq(s.rates[idx].flags, SOCK_FLAG_NEVER_READ | SOCK_FLAG_DROPPING);
	ck_assert_uint_eq(s.rates[idx].points, 4);
	k = frozen_sock(&s, 1001, &idx);	/* 2.0 fields: the rest of SK_MEMINFO */
	ck_assert_uint_eq(k->family, AF_INET6);
	ck_assert_uint_eq(k->m->send_q, 77);
	ck_assert_uint_eq(k->m->wmem_queued, 16385);
	ck_assert_uint_eq(k->m->fwd_alloc, 1024);
	ck_assert_uint_eq(k->m->optmem, 8);
	ck_assert_uint_eq(k->m->backlog, 1);
	ck_assert_uint_eq(k->local.port, 443);
	ck_assert_uint_eq(k->peer.port, 50001);
	ck_assert_double_eq(s.rates[idx].send_growth_bps, 16384);
	ck_assert(s.rates[idx].flags & SOCK_FLAG_SEND_STALLED);

	p = frozen_proc(&s, 100);
	ck_assert_str_eq(p->comm, "leak_udp");
	ck_assert_str_eq(p->user, "us\xe2\x82\xac");
	ck_assert_uint_eq(p->uid, 1000);
	ck_assert_uint_eq(p->queued, 16384);
	ck_assert_int_eq(p->fd_soft, 1024);
	ck_assert_int_eq(p->fd_hard, 4096);
	p = frozen_proc(&s, 101);
	ck_assert_int_eq(p->ghosts, 4);
	ck_assert_int_eq(p->nfds, 14);
	ck_assert_int_eq(p->fd_soft, -1);
	ck_assert_double_eq_tol(p->exhaustion_s, 900, 1e-9);
	p = frozen_proc(&s, 102);
	ck_assert_str_eq(p->comm, "caf\xc3\xa9");
	ck_assert_int_eq(p->nfds, 18);
	ck_assert_uint_eq(p->pss, 3u << 20);

	ck_assert_uint_eq(s.findings.n, 2);
	f = NULL;
	for (i = 0; i < s.findings.n; i++)
		if (s.findings.v[i].kind == FINDING_UNREAD_QUEUE)
			f = &s.findings.v[i];
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->severity, FINDING_WARNING);
	ck_assert_int_eq(f->suspected, 0);
	ck_assert_int_eq(f->pid, 100);
	ck_assert_int_eq(f->fd, 4);
	ck_assert_uint_eq(f->inode, 1007);
	ck_assert_str_eq(f->comm, "leak_udp");
	ck_assert_str_eq(actions_kind_name((enum actions_kind)f->action), "drop-filter");
	ck_assert_str_eq(f->summary, "pid 100 (leak_udp) never reads udp socket fd 4: 4 KiB queued");
	ck_assert_str_eq(f->evidence, "recv_q 4096, growth 2048 B/s");
	/* 2.0: the victim; 3.0: where the finding stands */
	ck_assert_int_eq(f->victim_pid, 102);
	ck_assert_int_eq(f->victim_fd, 10);
	ck_assert_str_eq(f->victim_comm, "victim");
	ck_assert_int_eq(f->state, FINDING_MITIGATED);
	ck_assert_int_eq(f->mitigation, ACTIONS_DROP_FILTER);
	ck_assert_int_eq(f->check, 2);
	ck_assert_double_eq(f->mitigated_at, 1700000009.0);
	ck_assert_str_eq(f->mitigation_note, "the queue stopped growing");
	f = f == &s.findings.v[0] ? &s.findings.v[1] : &s.findings.v[0];
	ck_assert_int_eq(f->kind, FINDING_GHOST_SOCKETS);
	ck_assert_int_eq(f->severity, FINDING_INFO);
	ck_assert_int_eq(f->state, FINDING_CONFIRMED);
	ck_assert_int_eq(f->pid, 101);
	ck_assert_str_eq(f->summary, "ghosts");
	sample_release(&s);

	for (i = 0; i < record_reader_nevents(r); i++) {
		const struct record_event *e = record_reader_event(r, i);

		if (e->type == RECORD_EV_NOTE) {
			nnote++;
			ck_assert_str_eq(e->note, "restarted friend_push at 12:00");
			ck_assert_uint_eq(e->sample, 2);
			ck_assert_double_eq(e->time, 1700000007.0);
		} else if (e->type == RECORD_EV_ACTION) {
			naction++;
			ck_assert_int_eq(e->action->result.kind, ACTIONS_DROP_FILTER);
			ck_assert_int_eq(e->action->result.outcome, ACTIONS_DONE);
			ck_assert_int_eq(e->action->result.target.pid, 100);
			ck_assert_int_eq(e->action->result.target.fd, 4);
			ck_assert_uint_eq(e->action->result.target.inode, 1007);
			ck_assert_str_eq(e->action->result.target.comm, "leak_udp");
			ck_assert_uint_eq(e->action->result.before.rmem, 212992);
			ck_assert_uint_eq(e->action->result.before.recv_q, 200000);
			ck_assert_int_eq(e->action->result.after.filter_len, 1);
			ck_assert_int_eq(e->action->result.after.filter_drops_all, 1);
			ck_assert_str_eq(e->action->result.message, "attached the drop filter");
			ck_assert_int_eq(e->action->result.undo.kind, ACTIONS_UNDO_FILTER);
			ck_assert_str_eq(e->action->user, "root");
			ck_assert_int_eq(e->action->loginuid, 1000);
			ck_assert_str_eq(e->action->login, "alice");
			ck_assert_uint_eq(e->sample, 2);
		}
	}
	ck_assert_uint_eq(nnote, 1);
	ck_assert_uint_eq(naction, 1);
	record_reader_free(r);
}
END_TEST

/*
 * The recordings of the earlier formats (1.0, 2.0, 3.0), each written by
 * the leaktop of its day, `leaktop -b -n 4 -d 1 -p UDP,GHOST --record`,
 * with leak_udp and leak_ghost running (tests/fixtures/recordings/README.md
 * says from which commit).  The figures below are what that leaktop
 * printed replaying the file (--replay FILE -b --format json), except the
 * census's size, which its JSON cuts to the interesting sockets.
 */
struct frozen_old {
	const char *file;
	unsigned major, minor;
	int32_t udp_pid, ghost_pid;
	uint64_t udp_inode;
	uint16_t lport, pport;	/* leak_udp's socket: its port, the echo server's */
	uint32_t drops0, drops3;
	size_t nsocks;		/* the census's sockets, in every sample */
	size_t nfindings;	/* in the last sample */
	size_t nevents;		/* findings as they appeared */
	double t0, t3;		/* times of the first and last sample */
	double interval3;	/* the last sample's interval */
	uint64_t mem_free, page_cache, socket_queues;	/* the last sample's meta */
	uint32_t fwd_alloc;	/* 2.0: the rest of SK_MEMINFO */
};

static const struct frozen_old frozen_olds[] = {
	{ "v1.0.ltrec", 1, 0, 12055, 12056, 9966769, 59957, 47133, 60, 211,
	  44, 4, 6, 1796386037.42, 1796386040.469, 1.01,
	  23323365376, 1309421568, 2006848, 0 },
	{ "v2.0.ltrec", 2, 0, 16599, 16600, 9997794, 53271, 44146, 59, 211,
	  16, 3, 4, 1796386117.727, 1796386120.761, 1.012,
	  23496396800, 1298391040, 217920, 1024 },
	{ "v3.0.ltrec", 3, 0, 17059, 17060, 9999383, 59349, 37145, 59, 211,
	  16, 3, 4, 1796386123.795, 1796386126.823, 1.008,
	  23532429312, 1298616320, 217920, 1024 },
};

static const struct finding *frozen_finding(const struct sample *s, enum finding_kind kind,
					    int32_t pid)
{
	size_t i;

	for (i = 0; i < s->findings.n; i++)
		if (s->findings.v[i].kind == kind && s->findings.v[i].pid == pid)
			return &s->findings.v[i];
	ck_abort_msg("no finding of kind %d on pid %d in the frozen recording", (int)kind,
		     (int)pid);
	return NULL;
}

/* The leaker's UDP socket as every sample of these files has it. */
static void frozen_udp_sock(const struct frozen_old *w, const struct sample *s,
			    uint32_t drops)
{
	const struct ltsock *k;
	size_t idx;

	k = frozen_sock(s, w->udp_inode, &idx);
	ck_assert_uint_eq(k->family, AF_INET);
	ck_assert_uint_eq(k->type, SOCK_DGRAM);
	ck_assert_uint_eq(k->protocol, IPPROTO_UDP);
	ck_assert_uint_eq(k->local.port, w->lport);
	ck_assert_uint_eq(k->peer.port, w->pport);
	ck_assert_uint_eq(k->m->recv_q, 211968);
	ck_assert_uint_eq(k->m->rmem, 211968);
	ck_assert_uint_eq(k->m->rcvbuf, 212992);
	ck_assert_uint_eq(k->m->send_q, 0);
	ck_assert_uint_eq(k->m->drops, drops);
	ck_assert_uint_eq(k->m->fwd_alloc, w->fwd_alloc);
	ck_assert(s->rates[idx].flags & SOCK_FLAG_FULL);
}

START_TEST(test_frozen_old)
{
	const struct frozen_old *w = &frozen_olds[_i];
	char path[512], want[256], said[256];
	struct lt_err err = { "" };
	struct record_reader *r;
	const struct record_header *h;
	const struct proc_info *p;
	const struct finding *f;
	const struct fd_table *t = NULL;
	struct sample s;
	size_t i, nfull = 0;

	snprintf(path, sizeof(path), "%s/recordings/%s", fixtures_dir(), w->file);
	r = record_reader_open(path, &err);
	ck_assert_msg(r != NULL, "open %s: %s", path, err.msg);
	ck_assert_uint_eq(record_reader_nwarnings(r), 0);
	ck_assert_int_eq(record_reader_complete(r), 1);
	h = record_reader_header(r);
	ck_assert_uint_eq(h->major, w->major);
	ck_assert_uint_eq(h->minor, w->minor);
	ck_assert_str_eq(h->host, "vm");
	ck_assert_uint_eq(record_reader_nsamples(r), 4);

	/* the first sample */
	ck_assert_int_eq(record_reader_sample(r, 0, &s, &err), 0);
	ck_assert_uint_eq(s.seq, 1);
	ck_assert_double_eq_tol(s.time, w->t0, 1e-3);
	ck_assert_uint_eq(s.socks.n, w->nsocks);
	frozen_udp_sock(w, &s, w->drops0);
	ck_assert_uint_eq(s.procs.n, 2);
	p = frozen_proc(&s, w->udp_pid);
	ck_assert_str_eq(p->comm, "leak_udp");
	ck_assert_uint_eq(p->queued, 211968);
	ck_assert_int_eq(p->nsockets, 1);
	ck_assert_int_eq(p->ghosts, 0);
	p = frozen_proc(&s, w->ghost_pid);
	ck_assert_str_eq(p->comm, "leak_ghost");
	ck_assert_int_eq(p->fd_soft, 128);
	ck_assert_int_eq(p->ghosts, 31);
	ck_assert_int_eq(p->nsockets, 32);
	ck_assert_uint_eq(s.findings.n, 0);
	sample_release(&s);

	/* the last sample, three deltas on */
	ck_assert_int_eq(record_reader_sample(r, 3, &s, &err), 0);
	ck_assert_uint_eq(s.seq, 4);
	ck_assert_double_eq_tol(s.time, w->t3, 1e-3);
	ck_assert_double_eq_tol(s.interval, w->interval3, 1e-3);
	ck_assert_uint_eq(s.mem.total, 25276203008ULL);
	ck_assert_uint_eq(s.mem.free, w->mem_free);
	ck_assert_uint_eq(s.mem.page_cache, w->page_cache);
	ck_assert_uint_eq(s.mem.socket_queues, w->socket_queues);
	ck_assert_uint_eq(s.socks.n, w->nsocks);
	frozen_udp_sock(w, &s, w->drops3);
	p = frozen_proc(&s, w->ghost_pid);
	ck_assert_int_eq(p->ghosts, 61);
	ck_assert_int_eq(p->nsockets, 62);
	ck_assert_int_eq(p->nfds, 67);
	ck_assert_double_eq_tol(p->exhaustion_s, 6.2, 0.05);

	/* the leaker's fd 3 is the socket, in the -p fd table */
	for (i = 0; i < s.nfdtables; i++)
		if (s.fdtables[i].pid == w->udp_pid)
			t = &s.fdtables[i];
	ck_assert_ptr_nonnull(t);
	for (i = 0; i < t->n && t->v[i].fd != 3; i++)
		;
	ck_assert_uint_lt(i, t->n);
	ck_assert_uint_eq(t->v[i].inode, w->udp_inode);
	ck_assert_str_eq(t->v[i].sockproto, "UDP");
	ck_assert_int_ge(t->v[i].sock, 0);
	ck_assert_uint_eq(s.socks.v[t->v[i].sock].inode, w->udp_inode);

	ck_assert_uint_eq(s.findings.n, w->nfindings);
	f = frozen_finding(&s, FINDING_UNREAD_QUEUE, w->udp_pid);
	ck_assert_int_eq(f->severity, FINDING_CRITICAL);
	ck_assert_int_eq(f->fd, 3);
	ck_assert_uint_eq(f->inode, w->udp_inode);
	ck_assert_str_eq(f->comm, "leak_udp");
	ck_assert_str_eq(actions_kind_name((enum actions_kind)f->action), "drop-filter");
	snprintf(want, sizeof(want),
		 "leak_udp (pid %d, fd 3) never reads its udp socket 127.0.0.1:%u: 207.0 KiB "
		 "queued, the queue is full and drops what arrives",
		 (int)w->udp_pid, (unsigned)w->lport);
	/* the file holds the whole sentence; the reader keeps the subject
	 * as data and findings_summary puts it back */
	findings_summary(f, said, sizeof(said));
	ck_assert_str_eq(said, want);
	ck_assert_int_eq(f->victim_pid, -1);
	ck_assert_int_eq(f->state, FINDING_SUSPECTED);	/* 3.0; older: the default */
	f = frozen_finding(&s, FINDING_FD_EXHAUSTION, w->ghost_pid);
	ck_assert_int_eq(f->severity, FINDING_CRITICAL);
	ck_assert_str_eq(f->comm, "leak_ghost");
	ck_assert_str_eq(actions_kind_name((enum actions_kind)f->action), "raise-fd-limit");
	f = frozen_finding(&s, FINDING_GHOST_SOCKETS, w->ghost_pid);
	ck_assert_int_eq(f->severity, FINDING_WARNING);
	snprintf(want, sizeof(want),
		 "leak_ghost (pid %d) holds 61 sockets the network stack no longer lists "
		 "(ghosts): closed connections whose fds it never closed", (int)w->ghost_pid);
	findings_summary(f, said, sizeof(said));
	ck_assert_str_eq(said, want);
	sample_release(&s);

	/* the findings as they appeared: the queue was full and dropping first */
	ck_assert_uint_eq(record_reader_nevents(r), w->nevents);
	for (i = 0; i < w->nevents; i++) {
		const struct record_event *e = record_reader_event(r, i);

		ck_assert_int_eq(e->type, RECORD_EV_FINDING);
		if (e->finding.kind == FINDING_QUEUE_FULL_DROPPING &&
		    e->finding.pid == w->udp_pid) {
			nfull++;
			ck_assert_uint_eq(e->finding_seq, 2);
			ck_assert_uint_eq(e->finding.inode, w->udp_inode);
			ck_assert_int_eq(e->finding.severity, FINDING_WARNING);
		}
	}
	ck_assert_uint_eq(nfull, 1);
	record_reader_free(r);
}
END_TEST

/*
 * tests/fixtures/recordings/v4.0.ltrec (format 4.0: one row per problem),
 * written by the leaktop of 4a20929 with leak_udp and leak_ghost running
 * (the README there says how), read back by today's reader: the same
 * sockets, processes and findings, each finding with the id it had (an id
 * is what the exporter's series and a postmortem's links are keyed by), and
 * no cgroups (4.0 files carry none).
 */
START_TEST(test_frozen_v4_0)
{
	static const struct { enum finding_kind kind; int32_t pid; const char *id; } want[] = {
		{ FINDING_FD_EXHAUSTION, 21198, "62b0a496e926" },
		{ FINDING_GHOST_SOCKETS, 21198, "ad0caf805a3b" },
		{ FINDING_UNREAD_QUEUE, 21197, "0cd5a39c8391" },
	};
	char path[512], id[32];
	struct lt_err err = { "" };
	struct record_reader *r;
	const struct record_header *h;
	const struct ltsock *k;
	const struct proc_info *p;
	const struct finding *f;
	struct sample s;
	size_t i, idx;

	snprintf(path, sizeof(path), "%s/recordings/v4.0.ltrec", fixtures_dir());
	r = record_reader_open(path, &err);
	ck_assert_msg(r != NULL, "open %s: %s", path, err.msg);
	ck_assert_uint_eq(record_reader_nwarnings(r), 0);
	ck_assert_int_eq(record_reader_complete(r), 1);
	h = record_reader_header(r);
	ck_assert_uint_eq(h->major, 4);
	ck_assert_uint_eq(h->minor, 0);
	ck_assert_str_eq(h->host, "vm");
	ck_assert_uint_eq(record_reader_nsamples(r), 4);

	ck_assert_int_eq(record_reader_sample(r, 0, &s, &err), 0);
	ck_assert_uint_eq(s.seq, 1);
	ck_assert_double_eq_tol(s.time, 1796400966.522, 1e-3);
	k = frozen_sock(&s, 30772745, &idx);
	ck_assert_uint_eq(k->local.port, 39807);
	ck_assert_uint_eq(k->peer.port, 49812);
	ck_assert_uint_eq(k->m->recv_q, 211968);
	ck_assert_uint_eq(k->m->drops, 59);
	ck_assert_uint_eq(frozen_proc(&s, 21198)->ghosts, 31);
	ck_assert_uint_eq(s.findings.n, 0);
	ck_assert_uint_eq(s.cgroups.n, 0);
	sample_release(&s);

	ck_assert_int_eq(record_reader_sample(r, 3, &s, &err), 0);
	ck_assert_uint_eq(s.seq, 4);
	ck_assert_double_eq_tol(s.time, 1796400969.629, 1e-3);
	k = frozen_sock(&s, 30772745, &idx);
	ck_assert_uint_eq(k->m->rmem, 211968);
	ck_assert_uint_eq(k->m->rcvbuf, 212992);
	ck_assert_uint_eq(k->m->drops, 214);
	ck_assert_uint_eq(s.rates[idx].flags,
			  SOCK_FLAG_NEVER_READ | SOCK_FLAG_FULL | SOCK_FLAG_DROPPING);
	p = frozen_proc(&s, 21197);
	ck_assert_str_eq(p->comm, "leak_udp");
	ck_assert_uint_eq(p->queued, 211968);
	p = frozen_proc(&s, 21198);
	ck_assert_str_eq(p->comm, "leak_ghost");
	ck_assert_int_eq(p->ghosts, 62);
	ck_assert_int_eq(p->fd_soft, 128);
	ck_assert_uint_eq(s.findings.n, 3);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		f = frozen_finding(&s, want[i].kind, want[i].pid);
		ck_assert_str_eq(findings_id(f, id, sizeof(id)), want[i].id);
		ck_assert_int_eq(f->state, FINDING_SUSPECTED);
	}
	f = frozen_finding(&s, FINDING_UNREAD_QUEUE, 21197);
	ck_assert_int_eq(f->fd, 4);
	ck_assert_uint_eq(f->inode, 30772745);
	ck_assert_int_eq(f->severity, FINDING_WARNING);
	ck_assert_uint_eq(s.cgroups.n, 0);
	sample_release(&s);
	record_reader_free(r);
}
END_TEST

/* Format 4.2: a live run of leak_ghost under --trace (tests/fixtures/
 * recordings/README.md): the origins of its fd_exhaustion and ghost_sockets
 * findings come back from the origins frame, the path with its frames,
 * the counts and the watched pid. */
START_TEST(test_frozen_v4_2)
{
	char path[512], words[640];
	struct lt_err err = { "" };
	struct record_reader *r;
	const struct record_header *h;
	const struct origin_summary *sum;
	const struct origin_path *op;
	const struct origin_frame *fr;
	const struct finding *f;
	struct sample s;

	snprintf(path, sizeof(path), "%s/recordings/v4.2.ltrec", fixtures_dir());
	r = record_reader_open(path, &err);
	ck_assert_msg(r != NULL, "open %s: %s", path, err.msg);
	ck_assert_uint_eq(record_reader_nwarnings(r), 0);
	ck_assert_int_eq(record_reader_complete(r), 1);
	h = record_reader_header(r);
	ck_assert_uint_eq(h->major, 4);
	ck_assert_uint_eq(h->minor, 2);
	ck_assert_uint_eq(record_reader_nsamples(r), 6);

	/* before any finding: no origins frame, none */
	ck_assert_int_eq(record_reader_sample(r, 0, &s, &err), 0);
	ck_assert_ptr_null(s.origin);
	sample_release(&s);

	ck_assert_int_eq(record_reader_sample(r, 5, &s, &err), 0);
	ck_assert_uint_eq(s.seq, 6);
	ck_assert_double_eq_tol(s.time, 1796410596.614, 1e-3);
	ck_assert_ptr_nonnull(s.origin);
	ck_assert_uint_eq(origin_nwatched(s.origin), 1);
	ck_assert_int_eq(origin_watched_pid(s.origin, 0), 23409);
	ck_assert_uint_eq(origin_nsockets(s.origin), 26);
	ck_assert_str_eq(origin_why_off(s.origin), "");

	f = frozen_finding(&s, FINDING_GHOST_SOCKETS, 23409);
	sum = origin_summary_of(s.origin, f);
	ck_assert_ptr_nonnull(sum);
	ck_assert_str_eq(sum->what, "ghost sockets");
	ck_assert_uint_eq(sum->total, 29);
	ck_assert_uint_eq(sum->traced, 26);
	ck_assert_uint_eq(sum->before, 3);
	ck_assert_uint_eq(sum->ngroups, 1);
	ck_assert_uint_eq(sum->groups[0].count, 26);
	op = origin_path(s.origin, sum->groups[0].path);
	ck_assert_ptr_nonnull(op);
	ck_assert_uint_eq(op->how, ORIGIN_HOW_ACCEPT);
	ck_assert_uint_eq(origin_path_first(op), 1);
	ck_assert_str_eq(op->frames[0].function, "accept4");
	fr = &op->frames[1];
	ck_assert_str_eq(fr->function, "main");
	ck_assert_uint_eq(fr->offset, 0x54e4);
	ck_assert_uint_eq(fr->sym_off, 4116);
	ck_assert_str_eq(fr->module, "/work/main/build-test/tests/leakers/leak_ghost");
	ck_assert_str_eq(fr->build_id, "7e50df706d561175322b14ca3f8d18f662d94a86");
	origin_group_words(s.origin, sum, &sum->groups[0], words, sizeof(words));
	ck_assert_str_eq(words, "26 of its 29 ghost sockets were accepted at main "
			 "(leak_ghost+0x54e4)");

	f = frozen_finding(&s, FINDING_FD_EXHAUSTION, 23409);
	sum = origin_summary_of(s.origin, f);
	ck_assert_ptr_nonnull(sum);
	ck_assert_str_eq(sum->what, "sockets");
	ck_assert_uint_eq(sum->total, 30);
	ck_assert_uint_eq(sum->before, 4);
	sample_release(&s);
	record_reader_free(r);
}
END_TEST

/*
 * tests/fixtures/recordings/v4.1.ltrec (format 4.1: the cgroups frame after
 * each sample), a real recording of leak_udp and leak_ghost written once by
 * this version (the README there says how), read back: the sockets,
 * processes and findings as 3.x files have them, and the cgroup tree the
 * frame carries, parent before child, each with its totals.
 */
START_TEST(test_frozen_v4_1)
{
	char path[512];
	struct lt_err err = { "" };
	struct record_reader *r;
	const struct record_header *h;
	const struct ltsock *k;
	const struct proc_info *p;
	const struct sample_cgroup *g;
	struct sample s;
	size_t idx;

	snprintf(path, sizeof(path), "%s/recordings/v4.1.ltrec", fixtures_dir());
	r = record_reader_open(path, &err);
	ck_assert_msg(r != NULL, "open %s: %s", path, err.msg);
	ck_assert_uint_eq(record_reader_nwarnings(r), 0);
	ck_assert_int_eq(record_reader_complete(r), 1);
	h = record_reader_header(r);
	ck_assert_uint_eq(h->major, 4);
	ck_assert_uint_eq(h->minor, 1);
	ck_assert_str_eq(h->host, "vm");
	ck_assert_uint_eq(record_reader_nsamples(r), 4);

	/* the first sample */
	ck_assert_int_eq(record_reader_sample(r, 0, &s, &err), 0);
	ck_assert_uint_eq(s.seq, 1);
	ck_assert_double_eq_tol(s.time, 1796400865.084, 1e-3);
	k = frozen_sock(&s, 30746651, &idx);
	ck_assert_uint_eq(k->family, AF_INET);
	ck_assert_uint_eq(k->local.port, 58718);
	ck_assert_uint_eq(k->peer.port, 54980);
	ck_assert_uint_eq(k->m->recv_q, 211968);
	ck_assert_uint_eq(k->m->rcvbuf, 212992);
	ck_assert_uint_eq(k->m->drops, 63);
	p = frozen_proc(&s, 17119);
	ck_assert_str_eq(p->comm, "leak_ghost");
	ck_assert_int_eq(p->ghosts, 31);
	ck_assert_uint_eq(s.findings.n, 0);
	ck_assert_uint_eq(s.cgroups.n, 2);
	sample_release(&s);

	/* the last sample, three deltas on */
	ck_assert_int_eq(record_reader_sample(r, 3, &s, &err), 0);
	ck_assert_uint_eq(s.seq, 4);
	ck_assert_double_eq_tol(s.time, 1796400868.187, 1e-3);
	k = frozen_sock(&s, 30746651, &idx);
	ck_assert_uint_eq(k->m->rmem, 211968);
	ck_assert_uint_eq(k->m->drops, 216);
	ck_assert(s.rates[idx].flags & SOCK_FLAG_FULL);
	p = frozen_proc(&s, 17117);
	ck_assert_str_eq(p->comm, "leak_udp");
	ck_assert_uint_eq(p->queued, 211968);
	p = frozen_proc(&s, 17119);
	ck_assert_int_eq(p->ghosts, 62);
	ck_assert_int_eq(p->fd_soft, 128);
	ck_assert_uint_eq(s.findings.n, 3);
	ck_assert_int_eq(frozen_finding(&s, FINDING_UNREAD_QUEUE, 17117)->fd, 3);
	ck_assert_int_eq(frozen_finding(&s, FINDING_GHOST_SOCKETS, 17119)->severity,
			 FINDING_CRITICAL);
	ck_assert_int_eq(frozen_finding(&s, FINDING_FD_EXHAUSTION, 17119)->severity,
			 FINDING_CRITICAL);

	/* 4.1: the cgroups, a parent and the child both leakers run in */
	ck_assert_uint_eq(s.cgroups.n, 2);
	g = &s.cgroups.v[0];
	ck_assert_str_eq(g->path, "/process_api");
	ck_assert_int_eq(g->parent, -1);
	ck_assert_uint_eq(g->depth, 0);
	ck_assert_uint_eq(g->direct, 0);
	g = &s.cgroups.v[1];
	ck_assert_str_eq(g->path, "/process_api/0230bbd94a62f27e30bb9456b7d661d6");
	ck_assert_int_eq(g->parent, 0);
	ck_assert_uint_eq(g->depth, 1);
	ck_assert_uint_eq(g->direct, 1);
	for (idx = 0; idx < 2; idx++) {
		g = &s.cgroups.v[idx];
		ck_assert_uint_eq(g->mem, 212992);
		ck_assert_uint_eq(g->rmem, 211968);
		ck_assert_uint_eq(g->wmem, 1024);
		ck_assert_uint_eq(g->queued, 211968);
		ck_assert_uint_eq(g->nsockets, 2);
		ck_assert_uint_eq(g->nprocs, 2);
		ck_assert_uint_eq(g->nfds, 74);
		ck_assert_uint_eq(g->ghosts, 62);
		ck_assert_uint_eq(g->nfindings, 3);
	}
	sample_release(&s);
	record_reader_free(r);
}
END_TEST


/* A recording as a source (tui/source.c), read one way by batch mode and
 * the UI: seek gives any sample; next() is seek of one after another;
 * --cgroup on a file without cgroups is refused at the first sample that
 * decodes, with the line both say. */
START_TEST(test_replay_source)
{
	char path[4096];
	struct lt_opts o;
	struct source src;
	struct lt_err err = { "" };
	struct sample s;

	snprintf(path, sizeof(path), "%s/recordings/v4.2.ltrec", fixtures_dir());
	memset(&o, 0, sizeof(o));
	o.replay_path = path;
	memset(&src, 0, sizeof(src));
	src.o = &o;
	ck_assert_int_eq(source_replay_open_steps(&src, &err), 0);
	ck_assert_uint_gt(src.n, 1);
	ck_assert_int_eq(src.seek(&src, src.n - 1, &s, &err), 0);
	sample_release(&s);
	ck_assert_int_eq(src.seek(&src, 0, &s, &err), 0);
	ck_assert_uint_eq(s.seq, 1);
	sample_release(&s);
	ck_assert_int_eq(src.seek(&src, src.n, &s, &err), -ERANGE);
	ck_assert_int_eq(src.next(&src, &s), 1);	/* next is seek of sample 0 */
	ck_assert_uint_eq(s.seq, 1);
	src.put_back(&src, &s);
	source_replay_free(&src);

	/* format 4.0 carries no cgroups: --cgroup is refused, by seek */
	snprintf(path, sizeof(path), "%s/recordings/v4.0.ltrec", fixtures_dir());
	o.cgroup = "/system.slice";
	memset(&src, 0, sizeof(src));
	src.o = &o;
	ck_assert_int_eq(source_replay_open_steps(&src, &err), 0);
	ck_assert_int_eq(src.seek(&src, 1, &s, &err), -ENOMEDIUM);
	ck_assert_msg(strstr(err.msg, "--cgroup: the recording carries no cgroups") == err.msg,
		      "%s", err.msg);
	source_replay_free(&src);
}
END_TEST

Suite *record_suite(void);
void check_record_mk_sample(struct sample *s, unsigned seq, unsigned variant);

/* ---- a synthetic sample: every table, hostile text, changes per seq ------ */

static int cmp_order(const void *a, const void *b, void *arg)
{
	const struct sample *s = arg;
	uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
	double gi = s->rates[i].growth_bps, gj = s->rates[j].growth_bps;
	uint64_t mi = s->socks.v[i].m->rmem, mj = s->socks.v[j].m->rmem;

	if (gi != gj)
		return gi > gj ? -1 : 1;
	if (mi != mj)
		return mi > mj ? -1 : 1;
	return (s->socks.v[i].inode > s->socks.v[j].inode) -
	       (s->socks.v[i].inode < s->socks.v[j].inode);
}

static const char *const comms[] = {
	"leak_udp", "evil\x1b[31m|`*_<b>", "caf\xc3\xa9", "bad\xff\xfe", "sp ace\n\"q\"\\",
};

/*
 * seq changes queues, rates and memory; some sockets come and go; variant
 * changes the population.  Owned by the caller (sample_release).
 */
void check_record_mk_sample(struct sample *s, unsigned seq, unsigned variant)
{
	unsigned nsock = 40 + variant, i;
	struct fd_table *ft;

	memset(s, 0, sizeof(*s));
	s->time = 1700000000.25 + 2.0 * seq;
	s->interval = seq > 1 ? 2.0 : 0;
	s->seq = seq;
	s->hidden = seq % 3 ? SAMPLE_HIDDEN_PSS : 0;
	s->pss_age = seq % 5;
	s->as_root = 1;
	s->census = 1;
	s->census_complete = seq % 4 != 0;
	s->have_procs = 1;
	s->have_mem_limits = 1;
	s->tcp_mem_limits[0] = 1 << 20;
	s->udp_mem_limits[2] = 3u << 20;
	s->mem.total = 8ULL << 30;
	s->mem.free = (4ULL << 30) - seq * 4096;
	s->mem.available = 5ULL << 30;
	s->mem.page_cache = 1ULL << 30;
	s->mem.buffers = 12345;
	s->mem.shmem = 4096 * seq;
	s->mem.user_anon = 1ULL << 29;
	s->mem.kernel_known = 300ULL << 20;
	s->mem.unaccounted = seq % 2 ? -(int64_t)seq * 1000 : (int64_t)seq * 1000000;
	s->mem.slab_reclaimable = 100 << 20;
	s->mem.slab_unreclaimable = 50 << 20;
	s->mem.kernel_stack = 3 << 20;
	s->mem.stacks_in_vmalloc = 1;
	s->mem.socket_queues = 65536ULL * seq;
	s->mem.socket_queues_from_census = 1;
	s->mem.pss.pss = 1ULL << 28;
	s->mem.pss.procs = 77;
	s->mem.pss.hidden = 1;
	s->mem.pss.time = s->time - 1;
	s->slab.readable = 1;
	s->slab.n = 3;
	s->slab.total = 200 << 20;
	for (i = 0; i < 3; i++) {
		snprintf(s->slab.top[i].name, sizeof(s->slab.top[i].name), "cache-%u", i);
		s->slab.top[i].bytes = (10u - i) << 20;
		s->slab.top[i].objsize = 64u << i;
	}
	s->netns = calloc(2, sizeof(*s->netns));
	ck_assert_ptr_nonnull(s->netns);
	s->nnetns = 2;
	s->netns[0].ino = 4026531840ULL;
	s->netns[0].pid = 1;
	s->netns[0].rep.entered = 1;
	s->netns[0].rep.complete = 1;
	s->netns[1].ino = 4026532000ULL;
	snprintf(s->netns[1].name, sizeof(s->netns[1].name), "blue\x1b");
	s->netns[1].rep.entered = seq % 2;
	s->netns[1].rep.fallback[SOCKDIAG_RAW6] = 1;
	s->netns[1].rep.result[SOCKDIAG_UNIX] = SOCKDIAG_UNSUPPORTED;
	snprintf(s->netns[1].rep.why, sizeof(s->netns[1].rep.why), "no CAP_SYS_ADMIN");

	s->rates = calloc(nsock, sizeof(*s->rates));
	ck_assert_ptr_nonnull(s->rates);
	for (i = 0; i < nsock; i++) {
		struct ltsock k;
		struct sock_rate *r;

		if ((i + seq) % 13 == 0 && i != 7)
			continue;	/* this one is gone in this sample */
		memset(&k, 0, sizeof(k));
		k.inode = 1000 + i;
		k.netns = i % 4 ? 4026531840ULL : 4026532000ULL;
		k.cookie = 0x10000 + i;
		switch (i % 5) {
		case 0:
			k.family = AF_INET;
			k.type = SOCK_DGRAM;
			k.protocol = IPPROTO_UDP;
			k.state = TCP_CLOSE;
			k.local.addr[0] = 127;
			k.local.addr[3] = 1;
			k.local.port = (uint16_t)(40000 + i);
			k.peer.addr[0] = 127;
			k.peer.addr[3] = 1;
			k.peer.port = 9;
			k.have = LTSOCK_HAVE_SKMEM | LTSOCK_HAVE_DROPS | LTSOCK_HAVE_QUEUE |
				 LTSOCK_HAVE_PEER;
			break;
		case 1:
			k.family = AF_INET6;
			k.type = SOCK_STREAM;
			k.protocol = IPPROTO_TCP;
			k.state = TCP_ESTABLISHED;
			k.local.addr[15] = 1;
			k.local.port = 443;
			k.peer.addr[0] = 0xfe;
			k.peer.addr[15] = (uint8_t)i;
			k.peer.port = (uint16_t)(50000 + i);
			k.have = LTSOCK_HAVE_SKMEM | LTSOCK_HAVE_QUEUE | LTSOCK_HAVE_PEER;
			break;
		case 2: {
			char path[64];

			k.family = AF_UNIX;
			k.type = SOCK_STREAM;
			k.state = TCP_LISTEN;
			snprintf(path, sizeof(path), "%s/run/sock-%u\x07",
				 i % 2 ? "@" : "", i);
			k.path = i % 4 == 2 ? NULL : strdup(path);
			k.have = LTSOCK_HAVE_QUEUE;
			break;
		}
		case 3:
			k.family = AF_PACKET;
			k.type = SOCK_RAW;
			k.protocol = 0x8035;
			check_mem(&k)->ifindex = 1;
			k.have = LTSOCK_HAVE_SKMEM | LTSOCK_HAVE_DROPS;
			break;
		default:
			k.family = AF_NETLINK;
			k.type = SOCK_RAW;
			k.protocol = 4;
			k.local.addr[0] = (uint8_t)i;
			k.source = LTSOCK_SRC_PROCNET;
			break;
		}
		check_mem(&k)->uid = i % 3 ? 0 : 1000;
		check_mem(&k)->recv_q = i % 7 == 0 ? 1024u * seq * (i + 1) : 0;
		check_mem(&k)->rmem = check_mem(&k)->recv_q ? check_mem(&k)->recv_q + 768 * seq : 0;
		check_mem(&k)->rcvbuf = 212992;
		check_mem(&k)->drops = i % 7 == 0 && seq > 3 ? seq - 3 : 0;
		check_mem(&k)->send_q = i == 1 ? 77 : 0;
		if (i % 5 == 1) {	/* format 1.1: the rest of SK_MEMINFO */
			k.have |= LTSOCK_HAVE_SKMEM2;
			check_mem(&k)->wmem_queued = 4096u * seq + i;
			check_mem(&k)->fwd_alloc = 1024;
			check_mem(&k)->optmem = 8;
			check_mem(&k)->backlog = i;
		}
		if (i % 5 == 2) {	/* a unix reader's senders */
			k.have |= LTSOCK_HAVE_PEERQ;
			check_mem(&k)->peer_q = 100u * seq;
			check_mem(&k)->npeer_q = (uint16_t)(seq % 3);
		}
		ck_assert_int_eq(ltsock_vec_push(&s->socks, &k), 0);
		r = &s->rates[s->socks.n - 1];
		r->known = seq > 1;
		r->points = (uint8_t)(seq < 32 ? seq : 32);
		if (i % 7 == 0 && seq > 1) {
			r->growth_bps = 512.0 * (i + 1) + seq * 0.1;
			r->flags = SOCK_FLAG_NEVER_READ | (seq > 3 ? SOCK_FLAG_DROPPING : 0);
			r->drops_ps = seq > 3 ? 0.5 : 0;
		}
		if (i % 5 == 1 && seq > 1) {
			r->send_growth_bps = 4096.0 * seq;
			r->flags |= SOCK_FLAG_SEND_STALLED;
		}
	}
	s->order = malloc((s->socks.n ? s->socks.n : 1) * sizeof(*s->order));
	ck_assert_ptr_nonnull(s->order);
	for (i = 0; i < s->socks.n; i++)
		s->order[i] = i;
	qsort_r(s->order, s->socks.n, sizeof(*s->order), cmp_order, s);

	/* owners: (inode, pid, fd) sorted; two owners for one socket */
	s->owners.owners = calloc(s->socks.n + 1, sizeof(*s->owners.owners));
	ck_assert_ptr_nonnull(s->owners.owners);
	for (i = 0; i < s->socks.n; i++) {
		uint64_t ino = s->socks.v[i].inode;

		if (ino % 3 == 0)
			continue;
		s->owners.owners[s->owners.nowners].inode = ino;
		s->owners.owners[s->owners.nowners].pid = (int32_t)(100 + ino % 5);
		s->owners.owners[s->owners.nowners++].fd = (int32_t)(3 + ino - 1000);
		if (ino == 1007) {
			s->owners.owners[s->owners.nowners].inode = ino;
			s->owners.owners[s->owners.nowners].pid = 104;
			s->owners.owners[s->owners.nowners++].fd = 99;
		}
	}
	s->owners.capowners = s->socks.n + 1;
	s->owners.procs = calloc(5, sizeof(*s->owners.procs));
	ck_assert_ptr_nonnull(s->owners.procs);
	s->owners.nprocs = s->owners.capprocs = 5;
	s->owners.hidden_procs = (int)(seq % 2);
	s->procs.v = calloc(5, sizeof(*s->procs.v));
	ck_assert_ptr_nonnull(s->procs.v);
	s->procs.n = s->procs.cap = 5;
	for (i = 0; i < 5; i++) {
		struct fd_proc *fp = &s->owners.procs[i];
		struct proc_info *p = &s->procs.v[i];

		fp->pid = p->pid = (int32_t)(100 + i);
		fp->nfds = i == 3 ? -1 : (int32_t)(10 + seq * i);
		fp->nsockets = (int32_t)i;
		snprintf(fp->comm, sizeof(fp->comm), "%s", comms[i]);
		snprintf(p->comm, sizeof(p->comm), "%s", comms[i]);
		snprintf(p->user, sizeof(p->user), i ? "root" : "us\xe2\x82\xac");
		p->ppid = 1;
		p->uid = i ? 0 : 1000;
		if (i != 2 && asprintf(&p->cmdline, "/usr/bin/%s --flag=%u \xc3 'x'",
				       comms[i], seq) < 0)
			p->cmdline = NULL;
		p->start_ticks = 1000 + i;
		p->start_time = 1699999000.5 + i;
		p->netns = 4026531840ULL;
		p->pss = (1u << 20) * (i + 1);
		p->pss_age = i == 4 ? -1 : 2.5;
		p->nfds = fp->nfds;
		p->fd_soft = i == 1 ? -1 : 1024;
		p->fd_hard = 4096;
		p->nsockets = (int32_t)i;
		p->ghosts = i == 1 ? (int32_t)seq : 0;
		p->ghosts_known = 1;
		p->oldest_ghost_age = i == 1 ? 2.0 * seq : 0;
		p->queued = i == 0 ? 4096ull * seq : 0;
		p->fd_growth_per_hour = i == 1 ? 1800.0 + seq / 3.0 : 0;
		p->ghost_growth_per_hour = i == 1 ? 1800.0 : 0;
		p->growth_known = seq > 2;
		p->fd_increase = (int32_t)(i * seq);
		p->exhaustion_s = i == 1 ? 3600.0 / seq : -1;
		p->hidden = i == 3 ? PROC_HIDDEN_FDS : 0;
	}
	s->findings.v = calloc(2, sizeof(*s->findings.v));
	ck_assert_ptr_nonnull(s->findings.v);
	s->findings.cap = 2;
	if (seq > 1) {
		struct finding *x = &s->findings.v[s->findings.n++];

		x->kind = FINDING_UNREAD_QUEUE;
		x->severity = seq > 4 ? FINDING_CRITICAL : FINDING_WARNING;
		x->suspected = seq < 4;
		x->pid = 100;
		x->fd = 4;
		x->inode = 1007;
		x->netns = 4026531840ULL;
		snprintf(x->comm, sizeof(x->comm), "%s", comms[0]);
		x->observed_s = 2.0 * seq;
		x->score = 1e6 + seq;
		x->action = ACTIONS_DROP_FILTER;
		/* the words without who: the outputs and the file say it */
		snprintf(x->summary, sizeof(x->summary), "never reads its udp socket: %u KiB "
			 "queued", seq);
		snprintf(x->evidence, sizeof(x->evidence), "recv_q %u, growth %u B/s",
			 1024 * seq, 512 * seq);
		snprintf(x->explanation, sizeof(x->explanation), "Use SO_ATTACH_FILTER or "
			 "shrink SO_RCVBUF | evil `x`");
	}
	if (seq > 2) {
		struct finding *x = &s->findings.v[s->findings.n++];

		x->kind = FINDING_GHOST_SOCKETS;
		x->severity = FINDING_INFO;
		x->pid = 101;
		x->fd = -1;
		snprintf(x->comm, sizeof(x->comm), "%s", comms[1]);
		snprintf(x->summary, sizeof(x->summary), "ghosts");
	}
	/* one -p fd table */
	s->fdtables = calloc(1, sizeof(*s->fdtables));
	ck_assert_ptr_nonnull(s->fdtables);
	s->nfdtables = 1;
	ft = &s->fdtables[0];
	ft->pid = 100;
	ft->v = calloc(3, sizeof(*ft->v));
	ck_assert_ptr_nonnull(ft->v);
	ft->n = ft->cap = 3;
	for (i = 0; i < 3; i++) {
		struct fd_entry *e = &ft->v[i];

		e->fd = (int32_t)i + 3;
		e->kind = i ? FD_SOCKET : FD_FILE;
		e->target = strdup(i ? "socket:[1007]" : "/var/log/x\x1b");
		e->inode = i ? (i == 1 ? 1007 : 999999) : 0;
		e->ghost = i == 2 ? FD_GHOST_YES : FD_GHOST_NO;
		e->ghost_age = i == 2 ? 12.5 : 0;
		snprintf(e->sockproto, sizeof(e->sockproto), "%s", i ? "UDP" : "");
		e->sock = -1;
		if (i == 1) {
			size_t k;

			for (k = 0; k < s->socks.n; k++)
				if (s->socks.v[k].inode == 1007)
					e->sock = (int32_t)k;
		}
	}
}

static char *json_of(const struct sample *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	out_json_write(f, s);
	out_text_write(f, s);
	fclose(f);
	return buf;
}

/* ---- helpers ------------------------------------------------------------------ */

static char tmpdir[64];

static void setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/leaktop-record.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
	char cmd[128];

	/* only our own mkdtemp directory */
	if (!strncmp(tmpdir, "/tmp/leaktop-record.", 20) && !strchr(tmpdir, '\'')) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
}

static const struct record_header *test_header(void)
{
	static struct record_header h;

	memset(&h, 0, sizeof(h));
	snprintf(h.host, sizeof(h.host), "test-host");
	snprintf(h.kernel, sizeof(h.kernel), "6.1.0-test #1 SMP");
	snprintf(h.machine, sizeof(h.machine), "x86_64");
	snprintf(h.boot_id, sizeof(h.boot_id), "0bb3c0ff-1111-2222-3333-444455556666");
	snprintf(h.version, sizeof(h.version), "0.1.0");
	h.start_time = 1700000000;
	h.interval = 2;
	return &h;
}

/*
 * Record n synthetic samples (notes and an action between them) into path;
 * json[i] gets out_json_write+out_text_write of sample i (caller frees).
 */
static void record_n(const char *path, unsigned n, unsigned kf, int level, char **json,
		     uint64_t max_size)
{
	struct record_writer_config cfg = {
		.path = path, .keyframe_every = kf, .level = level,
		.header = test_header(), .max_size = max_size,
	};
	struct lt_err err = { "" };
	struct record_writer *w = record_writer_new(&cfg, &err);
	unsigned i;

	ck_assert_msg(w != NULL, "writer: %s", err.msg);
	for (i = 0; i < n; i++) {
		struct sample s;

		check_record_mk_sample(&s, i + 1, i % 3);
		ck_assert_msg(record_write_sample(w, &s, &err) == 0, "write: %s", err.msg);
		if (json)
			json[i] = json_of(&s);
		sample_release(&s);
		if (i == 2) {
			ck_assert_int_eq(record_note(w, 1700000007.0, "restarted friend_push "
						     "| `evil` \x1b[2J"), 0);
		}
		if (i == 3) {
			struct actions_result res;
			struct actions_audit a;

			memset(&res, 0, sizeof(res));
			memset(&a, 0, sizeof(a));
			res.kind = ACTIONS_DROP_FILTER;
			res.outcome = ACTIONS_DONE;
			res.target.pid = 100;
			res.target.fd = 4;
			res.target.inode = 1007;
			snprintf(res.target.comm, sizeof(res.target.comm), "leak_udp");
			snprintf(res.target.proto, sizeof(res.target.proto), "udp");
			snprintf(res.target.local, sizeof(res.target.local), "127.0.0.1:40007");
			res.before.have = ACTIONS_HAVE_QUEUE | ACTIONS_HAVE_FILTER;
			res.before.rmem = 212992;
			res.before.recv_q = 200000;
			res.after = res.before;
			res.after.filter_len = 1;
			res.after.filter_drops_all = 1;
			snprintf(res.message, sizeof(res.message), "attached the drop filter");
			res.can_undo = 1;
			res.undo.kind = ACTIONS_UNDO_FILTER;
			a.time = 1700000009.0;
			a.uid = 0;
			snprintf(a.user, sizeof(a.user), "root");
			a.loginuid = 1000;
			snprintf(a.login, sizeof(a.login), "alice");
			a.result = &res;
			record_audit_hook(&a, w);
		}
	}
	ck_assert_msg(record_writer_close(w, &err) == 0, "close: %s", err.msg);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	char *buf = NULL;

	ck_assert_int_eq(lt_read_file(path, &buf, len, 256 << 20), 0);
	return (uint8_t *)buf;
}

/* Offsets where frames start, and the file end, by walking the file. */
static size_t frame_offsets(const uint8_t *b, size_t len, size_t *offs, size_t max)
{
	size_t o = 16 + (size_t)(b[12] | b[13] << 8 | b[14] << 16 | (size_t)b[15] << 24) + 4;
	size_t n = 0;

	while (o + 32 <= len && n < max) {
		size_t stored = b[o + 8] | b[o + 9] << 8 | b[o + 10] << 16 |
				(size_t)b[o + 11] << 24;

		offs[n++] = o;
		o += 32 + stored;
	}
	ck_assert_uint_eq(o, len);
	return n;
}

/* Read every sample and event of r; compare with want[] where given. */
static size_t read_all(struct record_reader *r, char **want, size_t nwant)
{
	size_t i, ok = 0;

	for (i = 0; i < record_reader_nsamples(r); i++) {
		struct lt_err err = { "" };
		struct sample s;

		if (record_reader_sample(r, i, &s, &err) < 0)
			continue;
		if (want) {
			unsigned seq = record_reader_sample_seq(r, i);
			char *got = json_of(&s);

			ck_assert_uint_ge(seq, 1);
			ck_assert_uint_le(seq, nwant);
			ck_assert_str_eq(got, want[seq - 1]);
			free(got);
		} else {
			FILE *f = fopen("/dev/null", "w");

			out_json_write(f, &s);
			out_text_write(f, &s);
			fclose(f);
		}
		sample_release(&s);
		ok++;
	}
	for (i = 0; i < record_reader_nevents(r); i++) {
		const struct record_event *e = record_reader_event(r, i);

		ck_assert_ptr_nonnull(e);
		ck_assert_uint_le(e->sample, record_reader_nsamples(r));
	}
	return ok;
}

/* ---- tests -------------------------------------------------------------------- */

START_TEST(test_crc32c)
{
	ck_assert_uint_eq(record_crc32c(0, "123456789", 9), 0xe3069283u);
	ck_assert_uint_eq(record_crc32c(0, "", 0), 0);
	/* chained = whole */
	ck_assert_uint_eq(record_crc32c(record_crc32c(0, "1234", 4), "56789", 5), 0xe3069283u);
}
END_TEST

START_TEST(test_parse_size)
{
	uint64_t v;

	ck_assert_int_eq(record_parse_size("100", &v), 0);
	ck_assert_uint_eq(v, 100);
	ck_assert_int_eq(record_parse_size("64K", &v), 0);
	ck_assert_uint_eq(v, 65536);
	ck_assert_int_eq(record_parse_size("10M", &v), 0);
	ck_assert_uint_eq(v, 10u << 20);
	ck_assert_int_eq(record_parse_size("2GiB", &v), 0);
	ck_assert_uint_eq(v, 2ULL << 30);
	ck_assert_int_eq(record_parse_size("1g", &v), 0);
	ck_assert_int_eq(record_parse_size("", &v), -EINVAL);
	ck_assert_int_eq(record_parse_size("-1", &v), -EINVAL);
	ck_assert_int_eq(record_parse_size("5X", &v), -EINVAL);
	ck_assert_int_eq(record_parse_size("99999999999999999999", &v), -EINVAL);
	ck_assert_int_eq(record_parse_size("99999999999999G", &v), -EINVAL);
}
END_TEST

/* Every sample reads back exactly, compressed or not, keyframes or deltas;
 * notes, actions and findings come back as events; stepping works. */
START_TEST(test_round_trip)
{
	char path[256], *json[24];
	struct lt_err err = { "" };
	struct record_reader *r;
	const struct record_header *h;
	size_t i, nf = 0, na = 0, nn = 0;
	int level = _i ? -1 : 0;

	snprintf(path, sizeof(path), "%s/rt%d.ltrec", tmpdir, _i);
	record_n(path, 24, 5, level, json, 0);
	r = record_reader_open(path, &err);
	ck_assert_msg(r != NULL, "open: %s", err.msg);
	ck_assert_uint_eq(record_reader_nwarnings(r), 0);
	ck_assert_int_eq(record_reader_complete(r), 1);
	h = record_reader_header(r);
	ck_assert_str_eq(h->host, "test-host");
	ck_assert_str_eq(h->boot_id, "0bb3c0ff-1111-2222-3333-444455556666");
	ck_assert_uint_eq(h->major, RECORD_FORMAT_MAJOR);
	ck_assert_uint_eq(h->keyframe_every, 5);
	ck_assert_uint_eq(record_reader_nsamples(r), 24);
	/* forward, then backward, then random jumps */
	ck_assert_uint_eq(read_all(r, json, 24), 24);
	for (i = 24; i-- > 0;) {
		struct sample s;
		char *got;

		ck_assert_int_eq(record_reader_sample(r, i, &s, &err), 0);
		got = json_of(&s);
		ck_assert_str_eq(got, json[i]);
		free(got);
		/* the file keeps the sentence; the reader takes who off again,
		 * and the action's name back to its kind */
		if (s.findings.n) {
			ck_assert_msg(!strncmp(s.findings.v[0].summary, "never reads its udp",
					       19), "%s", s.findings.v[0].summary);
			ck_assert_int_eq(s.findings.v[0].summary_whole, 0);
			ck_assert_int_eq(s.findings.v[0].action, ACTIONS_DROP_FILTER);
			ck_assert_ptr_nonnull(strstr(json[i], "\"summary\":\"leak_udp (pid 100, "
							      "fd 4) never reads its udp"));
		}
		sample_release(&s);
	}
	for (i = 0; i < 24; i++) {
		struct sample s;
		size_t k = (i * 7) % 24;
		char *got;

		ck_assert_int_eq(record_reader_sample(r, k, &s, &err), 0);
		got = json_of(&s);
		ck_assert_str_eq(got, json[k]);
		free(got);
		sample_release(&s);
	}
	for (i = 0; i < record_reader_nevents(r); i++) {
		const struct record_event *e = record_reader_event(r, i);

		if (e->type == RECORD_EV_NOTE) {
			nn++;
			ck_assert_str_eq(e->note, "restarted friend_push | `evil` \x1b[2J");
			ck_assert_uint_eq(e->sample, 2);
		} else if (e->type == RECORD_EV_ACTION) {
			na++;
			ck_assert_int_eq(e->action->result.kind, ACTIONS_DROP_FILTER);
			ck_assert_int_eq(e->action->result.target.pid, 100);
			ck_assert_uint_eq(e->action->result.before.recv_q, 200000);
			ck_assert_int_eq(e->action->result.after.filter_drops_all, 1);
			ck_assert_str_eq(e->action->login, "alice");
			ck_assert_uint_eq(e->sample, 3);
		} else {
			nf++;
			ck_assert_int_eq(e->type, RECORD_EV_FINDING);
		}
	}
	ck_assert_uint_eq(nn, 1);
	ck_assert_uint_eq(na, 1);
	/* unread_queue: new at 2, confirmed at 4, critical at 5; ghosts new at 3 */
	ck_assert_uint_eq(nf, 4);
	ck_assert_int_eq(record_reader_step_event(r, 0, 1, 1u << RECORD_EV_ACTION), 3);
	ck_assert_int_eq(record_reader_step_event(r, 3, 1, 1u << RECORD_EV_ACTION), -1);
	ck_assert_int_eq(record_reader_step_event(r, 10, -1, 1u << RECORD_EV_NOTE), 2);
	ck_assert_int_eq(record_reader_step_event(r, 0, 1, 1u << RECORD_EV_FINDING), 1);
	ck_assert_int_eq(record_reader_find_time(r, 0), 0);
	ck_assert_int_eq(record_reader_find_time(r, 1700000000.25 + 2 * 5 + 1), 4);
	ck_assert_int_eq(record_reader_find_time(r, 1e12), 23);
	record_reader_free(r);
	for (i = 0; i < 24; i++)
		free(json[i]);
}
END_TEST


/* ---- cgroups (format 4.1) ----------------------------------------------------- */

/*
 * Give s (check_record_mk_sample's) cgroups as the sampler would: pids
 * 100 and 101 in nginx.service, 102 in sshd.service, 103 in a session
 * scope, 104 in none; each socket its first owner's, except that the
 * kernel's id places every unowned socket of an inode divisible by 9 in
 * nginx.service and socket 1004 in a pod (sockets the recording must carry
 * as exceptions); figures that change with seq; then the tree.
 */
static void mk_cgroups(struct sample *s, unsigned seq)
{
	static const char *const paths[] = {
		"/system.slice/nginx.service", "/system.slice/sshd.service",
		"/user.slice/user-1000.slice/session-3.scope",
		"/kubepods.slice/kubepods-pod7e6d5c4b_3a29_4180_9f8e_7d6c5b4a3928.slice",
	};
	static const int32_t of_pid[] = { 0, 0, 1, 2, -1 };
	struct sample_cgroups *c = &s->cgroups;
	size_t i;

	c->version = CGROUP_V2;
	c->v = calloc(4, sizeof(*c->v));
	c->of_proc = malloc(s->procs.n * sizeof(*c->of_proc));
	c->of_sock = malloc(s->socks.n * sizeof(*c->of_sock));
	ck_assert(c->v && c->of_proc && c->of_sock);
	for (i = 0; i < 4; i++) {
		c->v[i].path = strdup(paths[i]);
		cgroup_name(c->v[i].path, &c->v[i].name);
		c->v[i].direct = 1;
	}
	c->n = 4;
	for (i = 0; i < s->procs.n; i++) {
		c->of_proc[i] = of_pid[s->procs.v[i].pid - 100];
		if (c->of_proc[i] >= 0) {
			c->v[c->of_proc[i]].nprocs++;
			c->v[c->of_proc[i]].nfds += 10;
		}
	}
	ck_assert_int_eq(sample_cgroups_socks_by_owner(s, c->of_sock), 0);
	for (i = 0; i < s->socks.n; i++) {
		uint64_t ino = s->socks.v[i].inode;

		if (c->of_sock[i] < 0 && ino % 9 == 0)
			c->of_sock[i] = 0;
		if (ino == 1004)
			c->of_sock[i] = 3;
		if (c->of_sock[i] >= 0) {
			c->v[c->of_sock[i]].mem += s->socks.v[i].m->rmem + seq;
			c->v[c->of_sock[i]].rmem += s->socks.v[i].m->rmem;
			c->v[c->of_sock[i]].wmem += seq;
			c->v[c->of_sock[i]].nsockets++;
		}
	}
	c->v[0].kernel.acct = CGROUP_ACCT_V2_SOCK;
	c->v[0].kernel.bytes = 4096ull * seq;
	c->v[2].kernel.acct = CGROUP_ACCT_NOSOCKET;
	ck_assert_int_eq(sample_cgroups_tree(c), 0);
	ck_assert_int_eq(sample_cgroups_order(c, s->procs.n, s->socks.n, NULL), 0);
}

/* The cgroups round-trip: JSON and text alike (the tree, the processes'
 * and sockets' cgroups, the exceptions), across keyframes and deltas; a
 * --cgroup on the reader cuts like the sampler; a frame that does not
 * decode leaves its sample without cgroups, with a warning. */
START_TEST(test_cgroups)
{
	struct record_writer_config cfg = { .keyframe_every = 3, .header = test_header() };
	char path[256], *json[8];
	struct lt_err err = { "" };
	struct record_writer *w;
	struct record_reader *r;
	struct sample s;
	size_t i, k;

	snprintf(path, sizeof(path), "%s/cg.ltrec", tmpdir);
	cfg.path = path;
	w = record_writer_new(&cfg, &err);
	ck_assert_msg(w != NULL, "writer: %s", err.msg);
	for (i = 0; i < 8; i++) {
		check_record_mk_sample(&s, (unsigned)i + 1, (unsigned)i % 3);
		mk_cgroups(&s, (unsigned)i + 1);
		ck_assert_msg(record_write_sample(w, &s, &err) == 0, "write: %s", err.msg);
		json[i] = json_of(&s);
		sample_release(&s);
	}
	ck_assert_int_eq(record_writer_close(w, &err), 0);

	r = record_reader_open(path, &err);
	ck_assert_msg(r != NULL, "open: %s", err.msg);
	ck_assert_uint_eq(record_reader_header(r)->minor, RECORD_FORMAT_MINOR);
	ck_assert_uint_eq(record_reader_nwarnings(r), 0);
	for (i = 8; i-- > 0;) {
		char *got;

		ck_assert_int_eq(record_reader_sample(r, i, &s, &err), 0);
		got = json_of(&s);
		ck_assert_str_eq(got, json[i]);
		free(got);
		ck_assert_ptr_nonnull(strstr(json[i], "\"parent\":\"/system.slice\""));
		/* the unowned socket the kernel's id placed, and the pod's */
		for (k = 0; k < s.socks.n; k++) {
			const struct sample_cgroup *g = sample_cgroup_of_sock(&s, k);

			if (s.socks.v[k].inode == 1004)
				ck_assert_str_eq(g->name.label, "pod 7e6d5c4b (guaranteed)");
			if (s.socks.v[k].inode == 1008)
				ck_assert_str_eq(g->path, "/system.slice/nginx.service");
		}
		sample_release(&s);
	}

	/* --cgroup on the reader: nginx.service alone, its processes */
	record_reader_set_cgroup(r, "nginx.service");
	ck_assert_int_eq(record_reader_sample(r, 4, &s, &err), 0);
	ck_assert_uint_eq(s.cgroups.n, 1);
	ck_assert_str_eq(s.cgroups.v[0].path, "/system.slice/nginx.service");
	ck_assert_int_eq(s.cgroups.v[0].parent, -1);
	ck_assert_uint_eq(s.procs.n, 2);
	ck_assert_str_eq(s.cgroups.filter, "nginx.service");
	for (k = 0; k < s.nshown; k++)
		ck_assert_int_eq(s.cgroups.of_sock[s.shown[k]], 0);
	for (k = 0; k < s.findings.n; k++)	/* 100 and 101 are its processes */
		ck_assert(s.findings.v[k].pid == 100 || s.findings.v[k].pid == 101);
	sample_release(&s);
	record_reader_free(r);
	for (i = 0; i < 8; i++)
		free(json[i]);
}
END_TEST

/* The replay budget: a sample over the per-sample budget is refused before
 * it is built (-EFBIG), the file's total stops a replay (-EDQUOT), a stop
 * request ends decoding (-EINTR), and the reader recovers from each. */
START_TEST(test_budget)
{
	char path[256], *json[12];
	struct lt_err err = { "" };
	struct record_reader *r;
	struct sample s;
	uint64_t one;
	size_t i;
	int ret;

	snprintf(path, sizeof(path), "%s/budget.ltrec", tmpdir);
	record_n(path, 12, 100, 0, json, 0);
	r = record_reader_open(path, &err);
	ck_assert_msg(r != NULL, "open: %s", err.msg);

	/* what one sample costs, with no total */
	record_reader_set_budget(r, 0, 0);
	ck_assert_int_eq(record_reader_sample(r, 0, &s, &err), 0);
	sample_release(&s);
	one = record_reader_spent(r);
	ck_assert_uint_gt(one, 1000);

	/* per sample: below one sample's cost, every sample is refused */
	record_reader_set_budget(r, one / 2, 0);
	ret = record_reader_sample(r, 5, &s, &err);
	ck_assert_int_eq(ret, -EFBIG);
	ck_assert_msg(strstr(err.msg, "would decode to more than the replay budget"),
		      "%s", err.msg);

	/* stop requested: -EINTR, and the next read starts over cleanly */
	record_reader_set_budget(r, 0, 0);
	lt_stop_requested = 1;
	ck_assert_int_eq(record_reader_sample(r, 3, &s, &err), -EINTR);
	lt_stop_requested = 0;
	ck_assert_int_eq(record_reader_sample(r, 3, &s, &err), 0);
	{
		char *got = json_of(&s);

		ck_assert_str_eq(got, json[3]);
		free(got);
	}
	sample_release(&s);
	record_reader_free(r);

	/* the file's total: about three samples' worth, then -EDQUOT */
	r = record_reader_open(path, &err);
	ck_assert_msg(r != NULL, "open: %s", err.msg);
	record_reader_set_budget(r, 0, one * 3 + one / 2);
	for (i = 0; i < 12; i++) {
		ret = record_reader_sample(r, i, &s, &err);
		if (ret < 0)
			break;
		sample_release(&s);
	}
	ck_assert_int_eq(ret, -EDQUOT);
	ck_assert_uint_ge(i, 2);
	ck_assert_uint_le(i, 5);
	ck_assert_uint_le(record_reader_spent(r), one * 3 + one / 2);
	ck_assert_msg(strstr(err.msg, "for this file is spent"), "%s", err.msg);
	/* the default total for a batch replay: 16 samples' budget at least */
	ck_assert_uint_eq(record_reader_file_budget(r, 0), 16 * RECORD_REPLAY_BUDGET);
	record_reader_free(r);
	for (i = 0; i < 12; i++)
		free(json[i]);
}
END_TEST

/* Deltas applied in place: a sample that only changes a queue, then one
 * that changes nothing but the time, come back exactly as written. */
START_TEST(test_delta_in_place)
{
	struct record_writer_config cfg = { .keyframe_every = 100, .header = NULL };
	struct lt_err err = { "" };
	struct record_writer *w;
	struct record_reader *r;
	char path[256], *json[3];
	struct sample s;
	int i;

	snprintf(path, sizeof(path), "%s/inplace.ltrec", tmpdir);
	cfg.path = path;
	cfg.header = test_header();
	w = record_writer_new(&cfg, &err);
	ck_assert_msg(w != NULL, "writer: %s", err.msg);
	for (i = 0; i < 3; i++) {
		check_record_mk_sample(&s, 1, 0);
		s.seq = (unsigned)i + 1;
		s.time += i;
		if (i >= 1 && s.socks.n > 0)
			check_mem(&s.socks.v[0])->recv_q += 4096;	/* one row changes */
		ck_assert_msg(record_write_sample(w, &s, &err) == 0, "write: %s", err.msg);
		json[i] = json_of(&s);
		sample_release(&s);
	}
	ck_assert_msg(record_writer_close(w, &err) == 0, "close: %s", err.msg);
	r = record_reader_open(path, &err);
	ck_assert_msg(r != NULL, "open: %s", err.msg);
	ck_assert_uint_eq(record_reader_nsamples(r), 3);
	/* forward (in place), then a jump back (from the keyframe), forward */
	ck_assert_uint_eq(read_all(r, json, 3), 3);
	for (i = 2; i >= 0; i--) {
		char *got;

		ck_assert_int_eq(record_reader_sample(r, (size_t)i, &s, &err), 0);
		got = json_of(&s);
		ck_assert_str_eq(got, json[i]);
		free(got);
		sample_release(&s);
	}
	record_reader_free(r);
	for (i = 0; i < 3; i++)
		free(json[i]);
}
END_TEST

/* Cut at every frame boundary, just after it, in the middle of each frame
 * and at many other offsets: the complete frames before the cut replay. */
START_TEST(test_truncated)
{
	char path[256], *json[14];
	size_t len, offs[128], nfr, i, k;
	uint8_t *b;

	snprintf(path, sizeof(path), "%s/trunc.ltrec", tmpdir);
	record_n(path, 14, 4, 0, json, 0);
	b = slurp(path, &len);
	nfr = frame_offsets(b, len, offs, 128);
	ck_assert_uint_gt(nfr, 14);
	for (k = 0; k <= len; k++) {
		struct lt_err err = { "" };
		struct record_reader *r;
		size_t whole = 0, cut = k;

		/* every byte of the header and the first frames, then a stride */
		if (k > offs[0] + 64 && k % 13 && k != len)
			continue;
		r = record_reader_open_mem(b, cut, 0, &err);
		if (cut < offs[0]) {
			ck_assert_ptr_null(r);
			ck_assert_int_eq(errno, EBADMSG);
			continue;
		}
		ck_assert_msg(r != NULL, "cut %zu: %s", cut, err.msg);
		/* sample frames that end at or before the cut */
		for (i = 0; i < nfr; i++) {
			size_t end = i + 1 < nfr ? offs[i + 1] : len;

			if (end <= cut && (b[offs[i] + 4] == 1 || b[offs[i] + 4] == 2))
				whole++;
		}
		ck_assert_uint_eq(record_reader_nsamples(r), whole);
		ck_assert_uint_eq(read_all(r, json, 14), whole);
		/* a cut inside a frame says so */
		for (i = 0; i < nfr; i++)
			if (cut > offs[i] && cut < (i + 1 < nfr ? offs[i + 1] : len))
				ck_assert_uint_ge(record_reader_nwarnings(r), 1);
		ck_assert_int_eq(record_reader_complete(r), cut == len);
		record_reader_free(r);
	}
	/* exactly at each frame boundary */
	for (i = 0; i < nfr; i++) {
		struct record_reader *r = record_reader_open_mem(b, offs[i], 0, NULL);

		ck_assert_ptr_nonnull(r);
		ck_assert_uint_eq(record_reader_nwarnings(r), 0);
		record_reader_free(r);
	}
	free(b);
	for (i = 0; i < 14; i++)
		free(json[i]);
}
END_TEST

/* A damaged frame is skipped with its offset named; the deltas that need
 * it are skipped up to the next keyframe; everything else reads exactly. */
START_TEST(test_corrupt_frame)
{
	char path[256], *json[16], off[32];
	size_t len, offs[128], nfr, i, victim = 0, nsample = 0;
	struct record_reader *r;
	uint8_t *b;
	int found = 0;

	snprintf(path, sizeof(path), "%s/corrupt.ltrec", tmpdir);
	record_n(path, 16, 4, 0, json, 0);
	b = slurp(path, &len);
	nfr = frame_offsets(b, len, offs, 128);
	/* damage the payload of the 6th sample frame (a delta after key 5) */
	for (i = 0; i < nfr; i++) {
		if (b[offs[i] + 4] != 1 && b[offs[i] + 4] != 2)
			continue;
		if (++nsample == 6) {
			victim = i;
			break;
		}
	}
	ck_assert_int_eq(b[offs[victim] + 4], 2);
	b[offs[victim] + 40] ^= 0x5a;
	r = record_reader_open_mem(b, len, 0, NULL);
	ck_assert_ptr_nonnull(r);
	snprintf(off, sizeof(off), "offset %zu", offs[victim]);
	for (i = 0; i < record_reader_nwarnings(r); i++)
		found |= strstr(record_reader_warning(r, i), off) != NULL;
	ck_assert_msg(found, "no warning names %s (first: %s)", off,
		      record_reader_nwarnings(r) ? record_reader_warning(r, 0) : "-");
	/* samples 6, 7, 8 are lost (9 is the next keyframe) */
	ck_assert_uint_eq(record_reader_nsamples(r), 13);
	ck_assert_uint_eq(read_all(r, json, 16), 13);
	record_reader_free(r);

	/* garbage inserted between two frames: resync on the next magic */
	{
		size_t glen = len + 100;
		uint8_t *g = malloc(glen);

		ck_assert_ptr_nonnull(g);
		b[offs[victim] + 40] ^= 0x5a;
		memcpy(g, b, offs[3]);
		memset(g + offs[3], 'L', 100);
		memcpy(g + offs[3] + 100, b + offs[3], len - offs[3]);
		r = record_reader_open_mem(g, glen, 0, NULL);
		ck_assert_ptr_nonnull(r);
		ck_assert_uint_eq(record_reader_nsamples(r), 16);
		ck_assert_uint_ge(record_reader_nwarnings(r), 1);
		ck_assert_uint_eq(read_all(r, json, 16), 16);
		record_reader_free(r);
		free(g);
	}
	free(b);
	for (i = 0; i < 16; i++)
		free(json[i]);
}
END_TEST

/* More damaged frames than the reader keeps warnings for: every warning
 * below the count is a string (the fuzz harness printed them all and
 * crashed on the 65th), and the undamaged keyframes still read. */
START_TEST(test_many_warnings)
{
	char path[256], *json[100];
	size_t len, offs[256], nfr, i, hit = 0;
	struct record_reader *r;
	uint8_t *b;

	snprintf(path, sizeof(path), "%s/warnings.ltrec", tmpdir);
	record_n(path, 100, 1, 0, json, 0);	/* every sample a keyframe */
	b = slurp(path, &len);
	nfr = frame_offsets(b, len, offs, 256);
	for (i = 0; i < nfr; i++) {
		if (b[offs[i] + 4] != 1 || i % 5 == 0)
			continue;	/* every fifth keyframe stays whole */
		b[offs[i] + 40] ^= 0x5a;
		hit++;
	}
	ck_assert_uint_gt(hit, 64);
	r = record_reader_open_mem(b, len, 0, NULL);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_ge(record_reader_nwarnings(r), hit);
	for (i = 0; i < record_reader_nwarnings(r); i++)
		ck_assert_ptr_nonnull(record_reader_warning(r, i));
	ck_assert_ptr_null(record_reader_warning(r, record_reader_nwarnings(r)));
	ck_assert_uint_eq(record_reader_nsamples(r), 100 - hit);
	record_reader_free(r);
	free(b);
	for (i = 0; i < 100; i++)
		free(json[i]);
}
END_TEST

START_TEST(test_newer_version)
{
	char path[256];
	struct lt_err err = { "" };
	struct record_reader *r;
	size_t len;
	uint8_t *b;

	snprintf(path, sizeof(path), "%s/newer.ltrec", tmpdir);
	record_n(path, 2, 4, 0, NULL, 0);
	b = slurp(path, &len);
	b[8] = RECORD_FORMAT_MAJOR + 1;
	r = record_reader_open_mem(b, len, 0, &err);
	ck_assert_ptr_null(r);
	ck_assert_int_eq(errno, EPROTONOSUPPORT);
	ck_assert_msg(strstr(err.msg, "newer") != NULL, "%s", err.msg);
	/* a newer minor is read */
	b[8] = RECORD_FORMAT_MAJOR;
	b[10] = 9;
	r = record_reader_open_mem(b, len, 0, &err);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(record_reader_nsamples(r), 2);
	record_reader_free(r);
	/* not a recording */
	r = record_reader_open_mem("hello world, not a recording", 28, 0, &err);
	ck_assert_ptr_null(r);
	ck_assert_int_eq(errno, EBADMSG);
	r = record_reader_open_mem(NULL, 0, 0, &err);
	ck_assert_ptr_null(r);
	free(b);
}
END_TEST

/* --record-max-size: the file stays under the cap, keeps the header, the
 * newest samples, and the notes and actions; the last sample reads back. */
START_TEST(test_max_size)
{
	struct record_writer_config cfg = { .keyframe_every = 50, .header = test_header(),
					    .max_size = RECORD_MIN_MAX_SIZE, .level = -1 };
	char path[256], *last = NULL;
	struct lt_err err = { "" };
	struct record_writer *w;
	struct record_reader *r;
	struct stat st;
	unsigned i, notes = 0;
	size_t k;

	snprintf(path, sizeof(path), "%s/capped.ltrec", tmpdir);
	cfg.path = path;
	w = record_writer_new(&cfg, &err);
	ck_assert_msg(w != NULL, "%s", err.msg);
	for (i = 1; i <= 400; i++) {
		struct sample s;

		check_record_mk_sample(&s, i, 40);
		ck_assert_msg(record_write_sample(w, &s, &err) == 0, "%u: %s", i, err.msg);
		ck_assert_uint_le(record_writer_size(w), RECORD_MIN_MAX_SIZE);
		if (i == 400)
			last = json_of(&s);
		sample_release(&s);
		if (i % 50 == 0)
			ck_assert_int_eq(record_note(w, 1700000000.0 + i, "note"), 0);
	}
	ck_assert_int_eq(record_writer_close(w, &err), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_le(st.st_size, RECORD_MIN_MAX_SIZE + 64);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	r = record_reader_open(path, &err);
	ck_assert_msg(r != NULL, "%s", err.msg);
	ck_assert_uint_eq(record_reader_nwarnings(r), 0);
	ck_assert_uint_gt(record_reader_header(r)->compactions, 0);
	ck_assert_uint_gt(record_reader_header(r)->samples_dropped, 0);
	ck_assert_str_eq(record_reader_header(r)->host, "test-host");
	ck_assert_uint_gt(record_reader_nsamples(r), 5);
	ck_assert_uint_eq(record_reader_sample_seq(r, record_reader_nsamples(r) - 1), 400);
	for (k = 0; k < record_reader_nevents(r); k++)
		notes += record_reader_event(r, k)->type == RECORD_EV_NOTE;
	ck_assert_uint_eq(notes, 8);
	{
		struct sample s;
		char *got;

		ck_assert_int_eq(record_reader_sample(r, record_reader_nsamples(r) - 1, &s,
						      &err), 0);
		got = json_of(&s);
		ck_assert_str_eq(got, last);
		free(got);
		sample_release(&s);
	}
	read_all(r, NULL, 0);
	record_reader_free(r);
	free(last);
	/* a cap below the minimum is refused */
	cfg.max_size = 1000;
	w = record_writer_new(&cfg, &err);
	ck_assert_ptr_null(w);
}
END_TEST

static uint64_t rng = 88172645463325252ULL;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/*
 * Random damage never crashes the reader (run under ASan/valgrind in CI):
 * bit flips, random bytes, runs of garbage, cuts, duplicated ranges; read
 * with and without the checksums (without, the decoders see the damage).
 */
START_TEST(test_mutations)
{
	char path[256];
	size_t len, i, j;
	uint8_t *orig, *b;
	int level;

	for (level = -1; level <= 0; level++) {
		snprintf(path, sizeof(path), "%s/mut%d.ltrec", tmpdir, level);
		record_n(path, 8, 3, level, NULL, 0);
		orig = slurp(path, &len);
		b = malloc(len * 2 + 64);
		ck_assert_ptr_nonnull(b);
		for (i = 0; i < 600; i++) {
			size_t n = len, nmut = 1 + next_rand() % 8;
			struct record_reader *r;

			memcpy(b, orig, len);
			for (j = 0; j < nmut; j++) {
				size_t at = next_rand() % n;

				switch (next_rand() % 5) {
				case 0:
					b[at] ^= (uint8_t)(1u << (next_rand() % 8));
					break;
				case 1:
					b[at] = (uint8_t)next_rand();
					break;
				case 2: {
					size_t k, run = next_rand() % 64;

					for (k = 0; k < run && at + k < n; k++)
						b[at + k] = (uint8_t)next_rand();
					break;
				}
				case 3:
					n = at;
					break;
				default: {
					size_t run = next_rand() % 256;

					if (at + run <= n && n + run <= len * 2) {
						memmove(b + at + run, b + at, n - at);
						n += run;
					}
					break;
				}
				}
				if (!n)
					break;
			}
			r = record_reader_open_mem(b, n, i % 2 ? RECORD_READ_NOCRC : 0, NULL);
			if (r) {
				read_all(r, NULL, 0);
				record_reader_free(r);
			}
		}
		free(b);
		free(orig);
	}
}
END_TEST

/* Write the fuzz corpus (LEAKTOP_WRITE_CORPUS=DIR) and check it reads. */
START_TEST(test_corpus)
{
	const char *dir = getenv("LEAKTOP_WRITE_CORPUS");
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : tmpdir, "plain.ltrec");
	record_n(path, 6, 3, -1, NULL, 0);
	snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : tmpdir, "zstd.ltrec");
	record_n(path, 6, 3, 0, NULL, 0);
	snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : tmpdir, "one.ltrec");
	record_n(path, 1, 3, -1, NULL, 0);
}
END_TEST

/* ---- the machine a sample describes --------------------------------------- */

static void host_root(char *out, size_t outsz)
{
	snprintf(out, outsz, "%s/host/proc", fixtures_dir());
}

/* host_read takes every figure from the procfs root it is given. */
START_TEST(test_host_read)
{
	struct host_info h;
	char root[4096];

	host_root(root, sizeof(root));
	memset(&h, 0x55, sizeof(h));
	ck_assert_int_eq(host_read(root, &h), 0);
	ck_assert_str_eq(h.name, "fixture-host");
	ck_assert_str_eq(h.release, "6.1.0-fixture-amd64");
	ck_assert_double_eq_tol(h.uptime, 12345.67, 1e-6);
	/* a root without the files: everything unknown */
	memset(&h, 0x55, sizeof(h));
	ck_assert_int_lt(host_read(tmpdir, &h), 0);
	ck_assert_str_eq(h.name, "");
	ck_assert_str_eq(h.release, "");
	ck_assert_double_eq(h.uptime, 0);
}
END_TEST

/*
 * The recording keeps the machine of a --procfs root (not this one): the
 * header names it and gives its boot time, and every replayed sample has
 * its name, its kernel release and its uptime at that sample's time.
 */
START_TEST(test_host_recorded)
{
	struct record_writer_config cfg = { .keyframe_every = 3 };
	struct lt_err err = { "" };
	struct record_header hdr;
	struct record_reader *r;
	const struct record_header *h;
	struct record_writer *w;
	char path[256], root[4096];
	unsigned i;

	host_root(root, sizeof(root));
	record_header_live(&hdr, root, "0.1.0", 2);
	ck_assert_str_eq(hdr.host, "fixture-host");
	ck_assert_str_eq(hdr.release, "6.1.0-fixture-amd64");
	ck_assert_double_eq_tol(hdr.start_time - hdr.boot_time, 12345.67, 1e-3);
	hdr.start_time = 1700000000;
	hdr.boot_time = 1700000000 - 1000;
	snprintf(path, sizeof(path), "%s/host.ltrec", tmpdir);
	cfg.path = path;
	cfg.header = &hdr;
	w = record_writer_new(&cfg, &err);
	ck_assert_msg(w != NULL, "writer: %s", err.msg);
	for (i = 0; i < 4; i++) {
		struct sample s;

		check_record_mk_sample(&s, i + 1, i % 3);
		ck_assert_msg(record_write_sample(w, &s, &err) == 0, "write: %s", err.msg);
		sample_release(&s);
	}
	ck_assert_int_eq(record_writer_close(w, &err), 0);

	r = record_reader_open(path, &err);
	ck_assert_msg(r != NULL, "open: %s", err.msg);
	h = record_reader_header(r);
	ck_assert_uint_eq(h->minor, RECORD_FORMAT_MINOR);
	ck_assert_str_eq(h->release, "6.1.0-fixture-amd64");
	ck_assert_double_eq(h->boot_time, 1700000000 - 1000);
	for (i = 0; i < 4; i++) {
		struct sample s;

		ck_assert_int_eq(record_reader_sample(r, i, &s, &err), 0);
		ck_assert_str_eq(s.host.name, "fixture-host");
		ck_assert_str_eq(s.host.release, "6.1.0-fixture-amd64");
		ck_assert_double_eq_tol(s.host.uptime, s.time - (1700000000 - 1000), 1e-6);
		ck_assert(s.host.uptime > 1000);
		sample_release(&s);
	}
	record_reader_free(r);
}
END_TEST

/* A 3.0 header has no release or boot time: the release is the first word
 * of the uname text it does have, the uptime unknown. */
START_TEST(test_host_old_header)
{
	struct lt_err err = { "" };
	struct record_reader *r;
	struct sample s;
	char path[256];

	snprintf(path, sizeof(path), "%s/old.ltrec", tmpdir);
	record_n(path, 2, 3, -1, NULL, 0);
	r = record_reader_open(path, &err);
	ck_assert_msg(r != NULL, "open: %s", err.msg);
	ck_assert_str_eq(record_reader_header(r)->release, "");
	ck_assert_int_eq(record_reader_sample(r, 1, &s, &err), 0);
	ck_assert_str_eq(s.host.name, "test-host");
	ck_assert_str_eq(s.host.release, "6.1.0-test");
	ck_assert_double_eq(s.host.uptime, 0);
	sample_release(&s);
	record_reader_free(r);
}
END_TEST

Suite *record_suite(void)
{
	Suite *s = suite_create("record");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_crc32c);
	tcase_add_test(tc, test_parse_size);
	tcase_add_loop_test(tc, test_round_trip, 0, 2);
	tcase_add_test(tc, test_budget);
	tcase_add_test(tc, test_cgroups);
	tcase_add_test(tc, test_delta_in_place);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_corrupt_frame);
	tcase_add_test(tc, test_many_warnings);
	tcase_add_test(tc, test_newer_version);
	tcase_add_test(tc, test_max_size);
	tcase_add_test(tc, test_mutations);
	tcase_add_test(tc, test_corpus);
	tcase_add_test(tc, test_host_read);
	tcase_add_test(tc, test_host_recorded);
	tcase_add_test(tc, test_host_old_header);
	tcase_add_test(tc, test_frozen_v3_1);
	tcase_add_test(tc, test_frozen_v4_0);
	tcase_add_test(tc, test_frozen_v4_1);
	tcase_add_test(tc, test_frozen_v4_2);
	tcase_add_test(tc, test_replay_source);
	tcase_add_loop_test(tc, test_frozen_old, 0,
			      (int)(sizeof(frozen_olds) / sizeof(frozen_olds[0])));
	suite_add_tcase(s, tc);
	return s;
}

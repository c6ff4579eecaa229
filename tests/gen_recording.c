/*
 * Hostile recordings for tests/bt_hostile.sh (issue 15): small files that
 * decode to a lot, written frame by frame the way doc/recording-format.md
 * describes, so they can say what leaktop's own writer never would.
 *
 *   gen_recording FILE rows TABLE N   one keyframe with N identical rows in
 *                                     TABLE (sockets, findings, processes,
 *                                     fdentries, owners, netns, fdprocs)
 *   gen_recording FILE chain N M      a keyframe of N sockets, then M empty
 *                                     deltas
 *   gen_recording FILE growing N M    a keyframe of N sockets, then M deltas
 *                                     that each add one socket
 *   gen_recording FILE events N       one small sample and N finding events
 *   gen_recording FILE findings N     one keyframe with N distinct findings
 *                                     of every kind that links to another
 *                                     (unread queues, the full queues and
 *                                     stalled senders they explain, ghosts
 *                                     and fd exhaustion, memory pressure),
 *                                     for the cost of the links (issue 25)
 *   gen_recording FILE cgroups N      one small sample and a cgroups frame
 *                                     (format 4.1) of N rows, each the child
 *                                     of the one before: a tree N deep
 *   gen_recording FILE strings        one sample written by leaktop's own
 *                                     writer with control characters, bidi
 *                                     marks and newlines in every string
 *                                     field, a note and an action
 *
 * The row layouts are core/rec_fields.h's field lists, the ones leaktop's
 * own writer and reader expand.  Finding rows stop at the 2.x fields (the
 * reader takes them for a finding of a 2.x writer).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "leaktop/record.h"
#include "../core/rec_fields.h"

#define NT 10
enum { T_META, T_SLAB, T_NETNS, T_SOCK, T_OWNER, T_FDPROC, T_PROC, T_FINDING,
       T_FDTAB, T_FDENT };

static const struct {
	const char *name;
	int nkey;
	const char *types;
} tables[NT] = {
	[T_META] = { "meta", 0, REC_TYPES(REC_META) },
	[T_SLAB] = { "slab", 1, REC_TYPES(REC_SLAB) },
	[T_NETNS] = { "netns", 1, REC_TYPES(REC_NETNS) },
	[T_SOCK] = { "sockets", 3, REC_TYPES(REC_SOCK) },
	[T_OWNER] = { "owners", 3, REC_TYPES(REC_OWNER) },
	[T_FDPROC] = { "fdprocs", 1, REC_TYPES(REC_FDPROC) },
	[T_PROC] = { "processes", 1, REC_TYPES(REC_PROC) },
	[T_FINDING] = { "findings", 1,
			  REC_TYPES_V(REC_FINDING, 1) REC_TYPES_V(REC_FINDING, 2) },
	[T_FDTAB] = { "fdtables", 1, REC_TYPES(REC_FDTAB) },
	[T_FDENT] = { "fdentries", 2, REC_TYPES(REC_FDENT) },
};

struct buf {
	unsigned char *p;
	size_t len, cap;
};

static void put(struct buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;

		while (cap < b->len + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (!b->p) {
			perror("gen_recording");
			exit(1);
		}
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void put_u(struct buf *b, unsigned long long v)
{
	unsigned char c;

	do {
		c = v & 0x7f;
		v >>= 7;
		if (v)
			c |= 0x80;
		put(b, &c, 1);
	} while (v);
}

static void put_le(struct buf *b, unsigned long long v, int n)
{
	unsigned char c;
	int i;

	for (i = 0; i < n; i++) {
		c = (unsigned char)(v >> (8 * i));
		put(b, &c, 1);
	}
}

static void put_d(struct buf *b, double d)
{
	unsigned long long u;

	memcpy(&u, &d, sizeof(u));
	put_le(b, u, 8);
}

/* One field of type ty: 0, 1.0, a 16-byte address or the string "x". */
static void put_field(struct buf *row, char ty)
{
	static const unsigned char addr[16] = { 10, 0, 0, 1 };

	switch (ty) {
	case 'U':
	case 'I':
		put_u(row, 0);
		break;
	case 'D':
		put_d(row, 1.0);
		break;
	case 'B':
		put_u(row, 16);
		put(row, addr, 16);
		break;
	case 'S':
		put_u(row, 2);
		put(row, "x", 1);
		break;
	}
}

/* One row of table t: zeros, 16-byte addresses, a short string. */
static void put_row_fields(struct buf *row, int t)
{
	const char *ty;

	row->len = 0;
	for (ty = tables[t].types; *ty; ty++)
		put_field(row, *ty);
}

/* A keyframe table of n rows: the first key field rises by one, the others
 * (and the duplicate counter) are 0. */
static void keyframe_table(struct buf *pl, int t, unsigned long long n)
{
	struct buf row = { 0 };
	unsigned long long i;
	int k;

	put_row_fields(&row, t);
	put_u(pl, n);
	for (i = 0; i < n; i++) {
		/* fd entries: all in fd table 0, numbered by the second key */
		put_u(pl, t == T_FDENT || i == 0 ? 0 : 1);
		for (k = 1; k <= tables[t].nkey; k++)
			put_u(pl, t == T_FDENT && k == 1 ? i : 0);
		put_u(pl, row.len);
		put(pl, row.p, row.len);
	}
	free(row.p);
}

/* One finding row with the given kind and subject (REC_FINDING_1's fields
 * 0, 3, 4, 5); every other field as put_row_fields writes it. */
static void put_finding_row(struct buf *row, unsigned kind, long long pid, long long fd,
			    unsigned long long inode)
{
	const char *ty;
	int f;

	row->len = 0;
	for (ty = tables[T_FINDING].types, f = 0; *ty; ty++, f++) {
		if (f == 0)
			put_u(row, kind);
		else if (f == 3 || f == 4)	/* zigzag, as rec_put_i */
			put_u(row, ((unsigned long long)(f == 3 ? pid : fd) << 1) ^
				   (unsigned long long)((f == 3 ? pid : fd) >> 63));
		else if (f == 5)
			put_u(row, inode);
		else
			put_field(row, *ty);
	}
}

/* A keyframe of n distinct findings in groups of eight: an unread queue,
 * the full queue and the stalled sender it explains, ghosts and the fd
 * exhaustion they explain, orphans, socket memory pressure (explained by
 * all the queues), another unread queue. */
static void put_findings_table(struct buf *pl, unsigned long long n)
{
	static const unsigned kinds[8] = {
		FINDING_UNREAD_QUEUE, FINDING_QUEUE_FULL_DROPPING, FINDING_SEND_STALL,
		FINDING_GHOST_SOCKETS, FINDING_FD_EXHAUSTION, FINDING_ORPHANED_CONNECTIONS,
		FINDING_SOCKET_MEMORY_PRESSURE, FINDING_UNREAD_QUEUE,
	};
	struct buf row = { 0 };
	unsigned long long i;

	put_u(pl, n);
	for (i = 0; i < n; i++) {
		unsigned k = kinds[i % 8];
		unsigned long long g = i / 8 + 1;

		put_u(pl, i == 0 ? 0 : 1);
		put_u(pl, 0);
		put_finding_row(&row, k, (long long)g, i % 8 == 7 ? 4 : 3,
				i % 8 == 7 ? g << 20 : g);
		put_u(pl, row.len);
		put(pl, row.p, row.len);
	}
	free(row.p);
}

static FILE *out;
static unsigned seq;

static void file_header(void)
{
	static const unsigned char magic[8] = { 'L', 'T', 'R', 'E', 'C', '\r', '\n', 0x1a };
	struct buf h = { 0 }, tlv = { 0 };
	const char *host = "hostile";

	put_le(&tlv, 1, 2);		/* host */
	put_le(&tlv, strlen(host), 2);
	put(&tlv, host, strlen(host));
	put_le(&tlv, 6, 2);		/* start time */
	put_le(&tlv, 8, 2);
	put_d(&tlv, 1.7e9);
	put(&h, magic, 8);
	put_le(&h, 2, 2);
	put_le(&h, 0, 2);
	put_le(&h, tlv.len, 4);
	put(&h, tlv.p, tlv.len);
	put_le(&h, record_crc32c(0, h.p, h.len), 4);
	fwrite(h.p, 1, h.len, out);
	free(h.p);
	free(tlv.p);
}

/* Compress payload into a frame of the given type and write it. */
static void frame(int type, const struct buf *pl, double time)
{
	size_t bound = ZSTD_compressBound(pl->len), n;
	unsigned char *z = malloc(bound), hdr[32];
	struct buf hb = { 0 };
	unsigned long long u;
	uint32_t crc;

	if (!z) {
		perror("gen_recording");
		exit(1);
	}
	n = ZSTD_compress(z, bound, pl->p, pl->len, 19);
	if (ZSTD_isError(n)) {
		fprintf(stderr, "gen_recording: zstd: %s\n", ZSTD_getErrorName(n));
		exit(1);
	}
	put(&hb, "LTFR", 4);
	put_le(&hb, (unsigned)type, 1);
	put_le(&hb, 1, 1);		/* zstd */
	put_le(&hb, 0, 2);
	put_le(&hb, n, 4);
	put_le(&hb, pl->len, 4);
	put_le(&hb, seq, 4);
	put_le(&hb, 0, 4);		/* CRC, below */
	memcpy(&u, &time, sizeof(u));
	put_le(&hb, u, 8);
	memcpy(hdr, hb.p, 32);
	crc = record_crc32c(record_crc32c(0, hdr, 32), z, n);
	hdr[20] = (unsigned char)crc;
	hdr[21] = (unsigned char)(crc >> 8);
	hdr[22] = (unsigned char)(crc >> 16);
	hdr[23] = (unsigned char)(crc >> 24);
	fwrite(hdr, 1, 32, out);
	fwrite(z, 1, n, out);
	free(z);
	free(hb.p);
}

/* A keyframe sample: one meta row, and n rows in table big (distinct
 * findings with distinct). */
static void keyframe(int big, unsigned long long n, int distinct)
{
	struct buf pl = { 0 };
	int t;

	seq++;
	put_u(&pl, seq);
	put_u(&pl, NT);
	for (t = 0; t < NT; t++) {
		if (t == T_META)
			keyframe_table(&pl, t, 1);
		else if (t == big && t == T_FINDING && distinct)
			put_findings_table(&pl, n);
		else if (t == big)
			keyframe_table(&pl, t, n);
		else if (t == T_FDTAB && big == T_FDENT)
			keyframe_table(&pl, t, 1);
		else
			put_u(&pl, 0);
	}
	frame(1, &pl, 1.7e9 + seq);
	free(pl.p);
}

/* A delta; with add, one new socket whose inode is inode. */
static void delta(int add, unsigned long long inode)
{
	struct buf pl = { 0 }, row = { 0 };
	int t;

	seq++;
	put_u(&pl, seq);
	put_u(&pl, NT);
	for (t = 0; t < NT; t++) {
		put_u(&pl, 0);		/* removed */
		if (!add || t != T_SOCK) {
			put_u(&pl, 0);	/* upserts */
			continue;
		}
		put_u(&pl, 1);
		put_u(&pl, inode);
		put_u(&pl, 0);
		put_u(&pl, 0);
		put_u(&pl, 0);
		put_u(&pl, 0);		/* mask 0: a new row, every field */
		put_row_fields(&row, T_SOCK);
		put(&pl, row.p, row.len);
	}
	frame(2, &pl, 1.7e9 + seq);
	free(pl.p);
	free(row.p);
}

/* A finding event: its sample's seq, then the finding's fields. */
static void finding_event(void)
{
	struct buf pl = { 0 }, row = { 0 };

	put_u(&pl, seq);
	put_row_fields(&row, T_FINDING);
	put(&pl, row.p, row.len);
	frame(3, &pl, 1.7e9 + seq);
	free(pl.p);
	free(row.p);
}

/* A cgroups frame for the last sample: n rows "/g<i>", each the child of
 * the row before (REC_CGROUP: the path, the parent, then the numbers). */
static void cgroups_frame(unsigned long long n)
{
	static const char types[] = REC_CGROUP(REC_LETTER);
	struct buf pl = { 0 }, row = { 0 };
	unsigned long long i;
	char path[32];
	size_t f;

	put_u(&pl, seq);
	put_u(&pl, 2);		/* v2 paths */
	put_u(&pl, n);
	for (i = 0; i < n; i++) {
		row.len = 0;
		snprintf(path, sizeof(path), "/g%llu", i);
		put_u(&row, strlen(path) + 1);
		put(&row, path, strlen(path));
		put_u(&row, i ? 2 * (i - 1) : 1);	/* zigzag: i - 1, or -1 */
		for (f = 2; f < sizeof(types) - 1; f++)
			put_field(&row, types[f]);
		put_u(&pl, row.len);
		put(&pl, row.p, row.len);
	}
	put_u(&pl, 0);		/* no process, no socket named */
	put_u(&pl, 0);
	frame(7, &pl, 1.7e9 + seq);
	free(pl.p);
	free(row.p);
}

static int table_of(const char *name)
{
	int t;

	for (t = 0; t < NT; t++)
		if (!strcmp(tables[t].name, name))
			return t;
	fprintf(stderr, "gen_recording: no table %s\n", name);
	exit(2);
}

/* ---- strings: leaktop's own writer, hostile text everywhere ---------------- */

/* OSC title, BEL, clear screen, C1 CSI (raw byte and UTF-8), RLO, ALM,
 * line and paragraph separators, a newline that starts a forged line. */
#define EVIL "\x1b]0;pwned\x07\x1b[2J\x9b" "31m\xc2\x9b" "1m\xe2\x80\xae" "\xd8\x9c" \
	     "\xe2\x80\xa8\xe2\x80\xa9\r\nINJECTED-LINE\t\x7f"

/* As much of EVIL as fits (short fields get its start: ESC, OSC). */
static void evil(char *dst, size_t n)
{
	size_t len = strlen(EVIL) < n - 1 ? strlen(EVIL) : n - 1;

	memcpy(dst, EVIL, len);
	dst[len] = '\0';
}

static int gen_strings(const char *path)
{
	static char evil_s[] = EVIL;
	struct record_writer_config cfg = { 0 };
	struct record_header h;
	struct record_writer *w;
	struct lt_err err = { "" };
	struct sample s;
	struct ltsock_mem km;
	struct ltsock k;
	struct sock_rate rate = { 0 };
	uint32_t order = 0;
	struct proc_info p;
	struct finding f;
	struct sample_netns ns;
	struct fd_table ft;
	struct fd_entry fe;
	struct fd_proc fp;
	struct fd_owner fo;
	struct actions_result res;
	struct actions_audit au;

	memset(&h, 0, sizeof(h));
	evil(h.host, sizeof(h.host));
	evil(h.kernel, sizeof(h.kernel));
	evil(h.machine, sizeof(h.machine));
	evil(h.version, sizeof(h.version));
	h.start_time = 1.7e9;
	h.interval = 1;
	h.keyframe_every = 150;
	cfg.path = path;
	cfg.header = &h;
	w = record_writer_new(&cfg, &err);
	if (!w) {
		fprintf(stderr, "gen_recording: %s\n", err.msg);
		return 1;
	}
	memset(&s, 0, sizeof(s));
	s.time = 1.7e9 + 1;
	s.interval = 1;
	s.seq = 1;
	s.census = 1;
	s.census_complete = 1;
	s.have_procs = 1;
	s.mem.total = 1 << 30;
	s.slab.n = 1;
	evil(s.slab.top[0].name, sizeof(s.slab.top[0].name));
	s.slab.top[0].bytes = 1 << 20;

	memset(&ns, 0, sizeof(ns));
	ns.ino = 4026531840u;
	evil(ns.name, sizeof(ns.name));
	evil(ns.rep.why, sizeof(ns.rep.why));
	s.netns = &ns;
	s.nnetns = 1;

	memset(&k, 0, sizeof(k));
	memset(&km, 0, sizeof(km));
	k.inode = 1234;
	k.netns = ns.ino;
	k.family = 1;		/* AF_UNIX: the path is shown */
	k.type = 2;
	km.recv_q = 4096;
	km.rmem = 8192;
	k.m = &km;
	k.path = evil_s;
	s.socks.v = &k;
	s.socks.n = 1;
	s.socks.cap = 1;
	s.rates = &rate;
	s.order = &order;

	memset(&fo, 0, sizeof(fo));
	fo.inode = 1234;
	fo.pid = 4242;
	fo.fd = 3;
	s.owners.owners = &fo;
	s.owners.nowners = 1;
	memset(&fp, 0, sizeof(fp));
	fp.pid = 4242;
	fp.nfds = 4;
	fp.nsockets = 1;
	evil(fp.comm, sizeof(fp.comm));
	s.owners.procs = &fp;
	s.owners.nprocs = 1;

	memset(&p, 0, sizeof(p));
	p.pid = 4242;
	evil(p.user, sizeof(p.user));
	evil(p.comm, sizeof(p.comm));
	p.cmdline = evil_s;
	p.nfds = 4;
	p.nsockets = 1;
	s.procs.v = &p;
	s.procs.n = 1;
	s.procs.cap = 1;

	memset(&f, 0, sizeof(f));
	f.kind = 0;
	f.severity = 2;
	f.pid = 4242;
	f.fd = 3;
	f.inode = 1234;
	f.victim_pid = 4243;
	f.victim_fd = 5;
	evil(f.comm, sizeof(f.comm));
	evil(f.summary, sizeof(f.summary));
	evil(f.evidence, sizeof(f.evidence));
	evil(f.explanation, sizeof(f.explanation));
	evil(f.victim_comm, sizeof(f.victim_comm));
	s.findings.v = &f;
	s.findings.n = 1;
	s.findings.cap = 1;

	memset(&fe, 0, sizeof(fe));
	fe.fd = 3;
	fe.target = evil_s;
	fe.inode = 1234;
	fe.sock = 0;
	evil(fe.sockproto, sizeof(fe.sockproto));
	memset(&ft, 0, sizeof(ft));
	ft.pid = 4242;
	ft.v = &fe;
	ft.n = 1;
	ft.cap = 1;
	s.fdtables = &ft;
	s.nfdtables = 1;

	if (record_write_sample(w, &s, &err) < 0 || record_note(w, s.time, EVIL) < 0) {
		fprintf(stderr, "gen_recording: %s\n", err.msg);
		return 1;
	}
	memset(&res, 0, sizeof(res));
	res.kind = ACTIONS_DROP_FILTER;
	res.outcome = ACTIONS_REFUSED;
	res.target.pid = 4242;
	res.target.fd = 3;
	res.target.inode = 1234;
	evil(res.target.comm, sizeof(res.target.comm));
	evil(res.target.proto, sizeof(res.target.proto));
	evil(res.target.local, sizeof(res.target.local));
	evil(res.message, sizeof(res.message));
	evil(res.reason, sizeof(res.reason));
	evil(res.warning, sizeof(res.warning));
	evil(res.preview, sizeof(res.preview));
	evil(res.state_path, sizeof(res.state_path));
	memset(&au, 0, sizeof(au));
	au.result = &res;
	au.time = s.time;
	evil(au.user, sizeof(au.user));
	evil(au.login, sizeof(au.login));
	s.time += 1;
	s.seq = 2;
	if (record_action(w, &au) < 0 || record_write_sample(w, &s, &err) < 0 ||
	    record_writer_close(w, &err) < 0) {
		fprintf(stderr, "gen_recording: %s\n", err.msg[0] ? err.msg : "writing");
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long n = argc > 3 ? strtoull(argv[3], NULL, 0) : 0;
	unsigned long long m = argc > 4 ? strtoull(argv[4], NULL, 0) : 0, i;

	if (argc < 3) {
		fprintf(stderr, "usage: gen_recording FILE rows TABLE N | chain N M | "
			"growing N M | events N | findings N | cgroups N | strings\n");
		return 2;
	}
	if (!strcmp(argv[2], "strings"))
		return gen_strings(argv[1]);
	out = fopen(argv[1], "w");
	if (!out) {
		fprintf(stderr, "gen_recording: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	file_header();
	if (!strcmp(argv[2], "rows") && argc == 5) {
		keyframe(table_of(argv[3]), strtoull(argv[4], NULL, 0), 0);
	} else if (!strcmp(argv[2], "chain") && argc == 5) {
		keyframe(T_SOCK, n, 0);
		for (i = 0; i < m; i++)
			delta(0, 0);
	} else if (!strcmp(argv[2], "growing") && argc == 5) {
		keyframe(T_SOCK, n, 0);
		for (i = 0; i < m; i++)
			delta(1, n + i);
	} else if (!strcmp(argv[2], "events") && argc == 4) {
		keyframe(T_FINDING, 1, 0);
		for (i = 0; i < n; i++)
			finding_event();
	} else if (!strcmp(argv[2], "cgroups") && argc == 4) {
		keyframe(T_PROC, 1, 0);
		cgroups_frame(n);
	} else if (!strcmp(argv[2], "findings") && argc == 4) {
		keyframe(T_FINDING, n, 1);
	} else {
		fprintf(stderr, "gen_recording: bad arguments\n");
		return 2;
	}
	if (fclose(out) != 0) {
		perror("gen_recording");
		return 1;
	}
	return 0;
}

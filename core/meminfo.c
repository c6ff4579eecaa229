/*
 * Memory accounting from /proc/meminfo, /proc/net/sockstat{,6},
 * /proc/slabinfo and every process's smaps_rollup.
 *
 * The breakdown uses the kernel's own counters for its parts so that they add
 * up to MemTotal without double counting: the LRU pages are split into anon
 * (AnonPages), file cache (Cached minus Shmem), Buffers and Shmem; the known
 * kernel lines are slab, stacks, page tables, vmalloc, percpu, hugetlb and
 * zswap; whatever is left is "unaccounted" (pages taken straight from the
 * page allocator: socket buffer frags, drivers, leaks).  The sum of PSS is
 * shown beside the parts but not used in the balance: it is read at a slower
 * cadence and only for the processes we may read.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "leaktop/fallback.h"
#include "leaktop/meminfo.h"
#include "alloc_hook.h"

#define LINE_MAX_LEN 512

/* Walk text line by line, copying each into line[]; returns 1 with a line,
 * 0 at the end, -EBADMSG for a line too long to be a /proc line. */
struct lines {
	const char *p, *end;
	int no;
	char line[LINE_MAX_LEN];
};

static void lines_init(struct lines *l, const char *text, size_t len)
{
	l->p = text;
	l->end = text + len;
	l->no = 0;
}

static int lines_next(struct lines *l)
{
	const char *nl;
	size_t n;

	if (l->p >= l->end)
		return 0;
	nl = memchr(l->p, '\n', (size_t)(l->end - l->p));
	n = nl ? (size_t)(nl - l->p) : (size_t)(l->end - l->p);
	l->no++;
	if (n >= sizeof(l->line))
		return -EBADMSG;
	/* /proc files end every line with '\n': a cut file is not trusted */
	if (!nl)
		return -ENODATA;
	memcpy(l->line, l->p, n);
	l->line[n] = '\0';
	l->p += n + (nl ? 1 : 0);
	return 1;
}

static int lines_error(struct lt_err *err, const char *what,
		       const struct lines *l, int r)
{
	if (r == -ENODATA)
		return lt_err_set(err, EBADMSG,
				  "%s: line %d: truncated (no end of line)", what, l->no);
	return lt_err_set(err, EBADMSG, "%s: line %d: too long", what, l->no);
}

/* Parse an unsigned decimal at *s, advancing; -1 if none or overflow. */
static int parse_u64(const char **s, uint64_t *v)
{
	const char *p = *s;
	uint64_t x = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p)) {
		unsigned d = (unsigned)(*p - '0');

		if (x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
		p++;
	}
	*s = p;
	*v = x;
	return 0;
}

static int mul_ok(uint64_t a, uint64_t b, uint64_t *r)
{
	if (b && a > UINT64_MAX / b)
		return -1;
	*r = a * b;
	return 0;
}

enum { REQ_TOTAL, REQ_FREE, REQ_BUFFERS, REQ_CACHED, REQ_SHMEM, REQ_ANON,
       REQ_SRECL, REQ_SUNRECL, REQ_N };

struct mfield {
	const char *name;
	size_t off;
	int req;		/* REQ_* index or -1 */
	unsigned have;		/* MEMINFO_HAVE_* bit or 0 */
	int pages;		/* value is a count (HugePages_Total) */
};

#define F(n, m, r, h) { n, offsetof(struct meminfo_raw, m), r, h, 0 }
static const struct mfield mfields[] = {
	F("MemTotal", total, REQ_TOTAL, 0),
	F("MemFree", free, REQ_FREE, 0),
	F("MemAvailable", available, -1, MEMINFO_HAVE_AVAILABLE),
	F("Buffers", buffers, REQ_BUFFERS, 0),
	F("Cached", cached, REQ_CACHED, 0),
	F("SwapCached", swap_cached, -1, 0),
	F("Shmem", shmem, REQ_SHMEM, 0),
	F("AnonPages", anon_pages, REQ_ANON, 0),
	F("SReclaimable", slab_reclaimable, REQ_SRECL, 0),
	F("SUnreclaim", slab_unreclaimable, REQ_SUNRECL, 0),
	F("KernelStack", kernel_stack, -1, 0),
	F("PageTables", page_tables, -1, 0),
	F("SecPageTables", sec_page_tables, -1, MEMINFO_HAVE_SECPT),
	F("VmallocUsed", vmalloc_used, -1, 0),
	F("Percpu", percpu, -1, MEMINFO_HAVE_PERCPU),
	F("Hugetlb", hugetlb, -1, MEMINFO_HAVE_HUGETLB),
	F("Zswap", zswap, -1, MEMINFO_HAVE_ZSWAP),
};
#undef F

static const char *const req_names[REQ_N] = {
	"MemTotal", "MemFree", "Buffers", "Cached", "Shmem", "AnonPages",
	"SReclaimable", "SUnreclaim",
};

int meminfo_parse(const char *text, size_t len, struct meminfo_raw *out,
		  struct lt_err *err)
{
	struct lines l;
	int seen[REQ_N] = { 0 };
	uint64_t hp_total = 0, hp_size = 0;
	int have_hp_total = 0, have_hp_size = 0;
	int r, i;

	memset(out, 0, sizeof(*out));
	lines_init(&l, text, len);
	while ((r = lines_next(&l)) > 0) {
		char *colon = strchr(l.line, ':');
		const struct mfield *f;
		int is_count, is_hpsize;
		const char *p;
		uint64_t v;
		size_t k;

		if (l.line[0] == '\0')
			continue;
		if (!colon)
			return lt_err_set(err, EBADMSG,
					  "meminfo: line %d: no ':' separator", l.no);
		*colon = '\0';
		p = colon + 1;
		f = NULL;
		for (k = 0; k < sizeof(mfields) / sizeof(mfields[0]); k++)
			if (strcmp(l.line, mfields[k].name) == 0)
				f = &mfields[k];
		is_count = !strcmp(l.line, "HugePages_Total");
		is_hpsize = !strcmp(l.line, "Hugepagesize");
		/* lines we do not use may take any form a newer kernel gives them */
		if (!f && !is_count && !is_hpsize)
			continue;
		if (parse_u64(&p, &v) < 0)
			return lt_err_set(err, EBADMSG,
					  "meminfo: line %d (%.40s): bad number", l.no, l.line);
		while (*p == ' ')
			p++;
		if (is_count) {
			if (*p != '\0')
				return lt_err_set(err, EBADMSG,
						  "meminfo: line %d (%.40s): expected a count",
						  l.no, l.line);
			hp_total = v;
			have_hp_total = 1;
			continue;
		}
		if (strcmp(p, "kB") != 0)
			return lt_err_set(err, EBADMSG,
					  "meminfo: line %d (%.40s): expected a size in kB",
					  l.no, l.line);
		if (mul_ok(v, 1024, &v) < 0)
			return lt_err_set(err, EBADMSG,
					  "meminfo: line %d (%.40s): value too large",
					  l.no, l.line);
		if (is_hpsize) {
			hp_size = v;
			have_hp_size = 1;
			continue;
		}
		*(uint64_t *)((char *)out + f->off) = v;
		if (f->req >= 0)
			seen[f->req] = 1;
		out->have |= f->have;
	}
	if (r < 0)
		return lines_error(err, "meminfo", &l, r);
	for (i = 0; i < REQ_N; i++)
		if (!seen[i])
			return lt_err_set(err, EBADMSG,
					  "meminfo: %s missing (truncated file?)", req_names[i]);
	if (!(out->have & MEMINFO_HAVE_HUGETLB) && have_hp_total && have_hp_size &&
	    mul_ok(hp_total, hp_size, &out->hugetlb) < 0)
		return lt_err_set(err, EBADMSG, "meminfo: HugePages_Total too large");
	if (out->free > out->total)
		return lt_err_set(err, EBADMSG, "meminfo: MemFree exceeds MemTotal");
	return 0;
}

int meminfo_parse_sockstat(const char *text, size_t len, uint64_t page_size,
			   struct meminfo_sockstat *out, struct lt_err *err)
{
	struct lines l;
	int r;

	memset(out, 0, sizeof(*out));
	lines_init(&l, text, len);
	while ((r = lines_next(&l)) > 0) {
		char *colon = strchr(l.line, ':');
		const char *proto = l.line, *p;

		if (l.line[0] == '\0')
			continue;
		if (!colon)
			return lt_err_set(err, EBADMSG,
					  "sockstat: line %d: no ':' separator", l.no);
		*colon = '\0';
		p = colon + 1;
		/* "key value" pairs */
		for (;;) {
			char key[32];
			size_t kn = 0;
			uint64_t v, *dst = NULL;
			int is_pages = 0;

			while (*p == ' ')
				p++;
			if (*p == '\0')
				break;
			while (*p && *p != ' ' && kn + 1 < sizeof(key))
				key[kn++] = *p++;
			key[kn] = '\0';
			if (parse_u64(&p, &v) < 0)
				return lt_err_set(err, EBADMSG,
						  "sockstat: line %d (%s %s): bad number",
						  l.no, proto, key);
			if (!strcmp(proto, "sockets") && !strcmp(key, "used"))
				dst = &out->sockets_used;
			else if (!strcmp(proto, "TCP")) {
				if (!strcmp(key, "inuse")) dst = &out->tcp_inuse;
				else if (!strcmp(key, "orphan")) dst = &out->tcp_orphan;
				else if (!strcmp(key, "tw")) dst = &out->tcp_tw;
				else if (!strcmp(key, "alloc")) dst = &out->tcp_alloc;
				else if (!strcmp(key, "mem")) { dst = &out->tcp_mem; is_pages = 1; }
			} else if (!strcmp(proto, "UDP")) {
				if (!strcmp(key, "inuse")) dst = &out->udp_inuse;
				else if (!strcmp(key, "mem")) { dst = &out->udp_mem; is_pages = 1; }
			} else if (!strcmp(proto, "UDPLITE") && !strcmp(key, "inuse"))
				dst = &out->udplite_inuse;
			else if (!strcmp(proto, "RAW") && !strcmp(key, "inuse"))
				dst = &out->raw_inuse;
			else if (!strcmp(proto, "FRAG")) {
				if (!strcmp(key, "inuse")) dst = &out->frag_inuse;
				else if (!strcmp(key, "memory")) dst = &out->frag_memory;
			} else if (!strcmp(proto, "TCP6") && !strcmp(key, "inuse"))
				dst = &out->tcp6_inuse;
			else if (!strcmp(proto, "UDP6") && !strcmp(key, "inuse"))
				dst = &out->udp6_inuse;
			else if (!strcmp(proto, "UDPLITE6") && !strcmp(key, "inuse"))
				dst = &out->udplite6_inuse;
			else if (!strcmp(proto, "RAW6") && !strcmp(key, "inuse"))
				dst = &out->raw6_inuse;
			else if (!strcmp(proto, "FRAG6")) {
				if (!strcmp(key, "inuse")) dst = &out->frag6_inuse;
				else if (!strcmp(key, "memory")) dst = &out->frag6_memory;
			}
			if (is_pages && mul_ok(v, page_size, &v) < 0)
				return lt_err_set(err, EBADMSG,
						  "sockstat: line %d: %s mem too large", l.no, proto);
			if (dst)
				*dst = v;
		}
	}
	if (r < 0)
		return lines_error(err, "sockstat", &l, r);
	return 0;
}

static void slab_insert(struct meminfo_slab *s, const struct meminfo_slabcache *c)
{
	int i, pos = s->n;

	while (pos > 0 && s->top[pos - 1].bytes < c->bytes)
		pos--;
	if (pos >= MEMINFO_SLAB_TOP)
		return;
	if (s->n < MEMINFO_SLAB_TOP)
		s->n++;
	for (i = s->n - 1; i > pos; i--)
		s->top[i] = s->top[i - 1];
	s->top[pos] = *c;
}

int meminfo_parse_slabinfo(const char *text, size_t len, uint64_t page_size,
			   struct meminfo_slab *out, struct lt_err *err)
{
	struct lines l;
	int r;

	memset(out, 0, sizeof(*out));
	lines_init(&l, text, len);
	r = lines_next(&l);
	if (r < 0)
		return lines_error(err, "slabinfo", &l, r);
	if (r == 0 || strncmp(l.line, "slabinfo - version: 2.", 22) != 0)
		return lt_err_set(err, EBADMSG,
				  "slabinfo: not a version 2.x slabinfo header");
	while ((r = lines_next(&l)) > 0) {
		struct meminfo_slabcache c;
		uint64_t objperslab, pagesperslab, v, active_slabs, num_slabs;
		const char *p = l.line, *colon;
		size_t n = 0;

		if (l.line[0] == '#' || l.line[0] == '\0')
			continue;
		memset(&c, 0, sizeof(c));
		while (*p && *p != ' ' && n + 1 < sizeof(c.name))
			c.name[n++] = *p++;
		if (*p != ' ')
			return lt_err_set(err, EBADMSG, "slabinfo: line %d: bad name", l.no);
		if (parse_u64(&p, &c.active_objs) < 0 || parse_u64(&p, &c.num_objs) < 0 ||
		    parse_u64(&p, &c.objsize) < 0 || parse_u64(&p, &objperslab) < 0 ||
		    parse_u64(&p, &pagesperslab) < 0)
			return lt_err_set(err, EBADMSG,
					  "slabinfo: line %d (%s): bad numbers", l.no, c.name);
		colon = strstr(p, ": slabdata");
		if (!colon)
			return lt_err_set(err, EBADMSG,
					  "slabinfo: line %d (%s): no slabdata", l.no, c.name);
		p = colon + strlen(": slabdata");
		if (parse_u64(&p, &active_slabs) < 0 || parse_u64(&p, &num_slabs) < 0)
			return lt_err_set(err, EBADMSG,
					  "slabinfo: line %d (%s): bad slabdata", l.no, c.name);
		if (mul_ok(num_slabs, pagesperslab, &v) < 0 ||
		    mul_ok(v, page_size, &c.bytes) < 0 ||
		    out->total + c.bytes < out->total)
			return lt_err_set(err, EBADMSG,
					  "slabinfo: line %d (%s): size too large", l.no, c.name);
		out->total += c.bytes;
		slab_insert(out, &c);
	}
	if (r < 0)
		return lines_error(err, "slabinfo", &l, r);
	out->readable = 1;
	return 0;
}

int meminfo_parse_smaps_rollup(const char *text, size_t len, uint64_t *pss,
			       uint64_t *anon, uint64_t *file, uint64_t *shmem,
			       struct lt_err *err)
{
	struct lines l;
	int r, seen = 0;

	*pss = *anon = *file = *shmem = 0;
	lines_init(&l, text, len);
	while ((r = lines_next(&l)) > 0) {
		uint64_t *dst = NULL, v;
		const char *p;

		if (!strncmp(l.line, "Pss:", 4)) {
			dst = pss;
			seen = 1;
		} else if (!strncmp(l.line, "Pss_Anon:", 9))
			dst = anon;
		else if (!strncmp(l.line, "Pss_File:", 9))
			dst = file;
		else if (!strncmp(l.line, "Pss_Shmem:", 10))
			dst = shmem;
		if (!dst)
			continue;
		p = strchr(l.line, ':') + 1;
		if (parse_u64(&p, &v) < 0 || mul_ok(v, 1024, dst) < 0)
			return lt_err_set(err, EBADMSG,
					  "smaps_rollup: line %d: bad number", l.no);
	}
	if (r < 0)
		return lines_error(err, "smaps_rollup", &l, r);
	/* an empty rollup is a kernel thread: no memory, not an error */
	if (!seen && len > 0)
		return lt_err_set(err, EBADMSG, "smaps_rollup: no Pss line");
	return 0;
}

/* Which PSS bucket a mapping's pages go to, from its smaps header line
 * "start-end perms offset dev inode [name]". */
static uint64_t *smaps_bucket(const char *line, uint64_t *anon, uint64_t *file,
			      uint64_t *shmem)
{
	unsigned long long inode = 0;
	int name = 0;

	if (sscanf(line, "%*s %*s %*s %*s %llu %n", &inode, &name) < 1)
		return anon;
	if (!strncmp(line + name, "/dev/zero", 9) || !strncmp(line + name, "/SYSV", 5) ||
	    !strncmp(line + name, "/dev/shm/", 9) || !strncmp(line + name, "/memfd:", 7))
		return shmem;
	return inode ? file : anon;
}

int meminfo_parse_smaps(const char *text, size_t len, uint64_t *pss,
			uint64_t *anon, uint64_t *file, uint64_t *shmem,
			struct lt_err *err)
{
	const char *p = text, *end = text + len, *nl;
	uint64_t *bucket = NULL;
	char line[LINE_MAX_LEN];
	int no = 0;

	*pss = *anon = *file = *shmem = 0;
	for (; p < end; p = nl + 1) {
		const char *q;
		uint64_t v;
		size_t n;

		nl = memchr(p, '\n', (size_t)(end - p));
		no++;
		if (!nl)
			return lt_err_set(err, EBADMSG,
					  "smaps: line %d: truncated (no end of line)", no);
		/* a long line is a mapping's path: its start is enough */
		n = (size_t)(nl - p) < sizeof(line) ? (size_t)(nl - p) : sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		q = line + strcspn(line, " \t");
		if (q == line)
			continue;
		if (q[-1] != ':') {
			bucket = smaps_bucket(line, anon, file, shmem);
			continue;
		}
		if (strncmp(line, "Pss:", 4))
			continue;
		q = line + 4;
		if (!bucket || parse_u64(&q, &v) < 0 || mul_ok(v, 1024, &v) < 0)
			return lt_err_set(err, EBADMSG, "smaps: line %d: %s", no,
					  bucket ? "bad number" : "Pss before any mapping");
		*pss += v;
		*bucket += v;
	}
	return 0;
}

int meminfo_read_pss_at(int dirfd, int pid, uint64_t *pss, uint64_t *anon,
			uint64_t *file, uint64_t *shmem)
{
	char rel[48], small[4096], *buf = NULL, *nb;
	size_t len = 0, cap = 0;
	int smaps = lt_fallback(LT_FB_SMAPS_ROLLUP), fd, r;
	ssize_t n;

	snprintf(rel, sizeof(rel), "%d/%s", pid, smaps ? "smaps" : "smaps_rollup");
	fd = openat(dirfd, rel, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* a rollup is small: whole from one read, as the procs table's
	 * other files (one syscall less per process than reading to EOF) */
	if (!smaps) {
		do
			n = read(fd, small, sizeof(small));
		while (n < 0 && errno == EINTR);
		r = n < 0 ? -errno : n == 0 ? 1 :
		    meminfo_parse_smaps_rollup(small, (size_t)n, pss, anon, file, shmem, NULL);
		goto out;
	}
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 16384;
			if (cap > (64u << 20) || !(nb = realloc(buf, cap))) {
				r = -ENOMEM;
				goto out;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	r = meminfo_parse_smaps(buf, len, pss, anon, file, shmem, NULL);
	/* an empty file is a kernel thread (or a zombie): no memory */
	if (!r && !len)
		r = 1;
out:
	free(buf);
	close(fd);
	return r;
}

int meminfo_read(const char *procroot, struct meminfo_raw *out, struct lt_err *err)
{
	char path[4096], *buf;
	size_t len;
	int r;

	if ((r = lt_path(path, sizeof(path), procroot, "meminfo")) < 0)
		return lt_err_set(err, -r, "%s/meminfo: path too long", procroot);
	r = lt_read_file(path, &buf, &len, 1 << 20);
	if (r < 0)
		return lt_err_set(err, -r, "cannot read %s: %s", path, strerror(-r));
	r = meminfo_parse(buf, len, out, err);
	free(buf);
	return r;
}

int meminfo_read_sockstat(const char *procroot, uint64_t page_size,
			  struct meminfo_sockstat *out, struct lt_err *err)
{
	struct meminfo_sockstat s6;
	char path[4096], *buf;
	size_t len;
	int r;

	if ((r = lt_path(path, sizeof(path), procroot, "net/sockstat")) < 0)
		return lt_err_set(err, -r, "%s: path too long", procroot);
	r = lt_read_file(path, &buf, &len, 1 << 16);
	if (r < 0)
		return lt_err_set(err, -r, "cannot read %s: %s", path, strerror(-r));
	r = meminfo_parse_sockstat(buf, len, page_size, out, err);
	free(buf);
	if (r < 0)
		return r;
	/* sockstat6 is absent without IPv6: not an error */
	if (lt_path(path, sizeof(path), procroot, "net/sockstat6") < 0 ||
	    lt_read_file(path, &buf, &len, 1 << 16) < 0)
		return 0;
	r = meminfo_parse_sockstat(buf, len, page_size, &s6, err);
	free(buf);
	if (r < 0)
		return r;
	out->tcp6_inuse = s6.tcp6_inuse;
	out->udp6_inuse = s6.udp6_inuse;
	out->udplite6_inuse = s6.udplite6_inuse;
	out->raw6_inuse = s6.raw6_inuse;
	return 0;
}

int meminfo_read_slab(const char *procroot, uint64_t page_size,
		      struct meminfo_slab *out, struct lt_err *err)
{
	char path[4096], *buf;
	size_t len;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = lt_path(path, sizeof(path), procroot, "slabinfo")) < 0)
		return lt_err_set(err, -r, "%s: path too long", procroot);
	r = lt_read_file(path, &buf, &len, 16 << 20);
	if (r == -EACCES || r == -EPERM || r == -ENOENT)
		return 0;	/* not root, or no slabinfo: shown as hidden */
	if (r < 0)
		return lt_err_set(err, -r, "cannot read %s: %s", path, strerror(-r));
	r = meminfo_parse_slabinfo(buf, len, page_size, out, err);
	free(buf);
	return r;
}

int meminfo_read_pss(const char *procroot, struct meminfo_pss *out)
{
	return meminfo_read_pss_each(procroot, out, NULL, NULL);
}

int meminfo_read_pss_each(const char *procroot, struct meminfo_pss *out,
			  void (*each)(void *arg, int pid, uint64_t pss), void *arg)
{
	struct timeval tv;
	struct dirent *de;
	DIR *d;

	memset(out, 0, sizeof(*out));
	d = opendir(procroot);
	if (!d)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		uint64_t pss, anon, file, shmem;
		int r;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		r = meminfo_read_pss_at(dirfd(d), atoi(de->d_name), &pss, &anon,
					&file, &shmem);
		if (r == -EACCES || r == -EPERM) {
			out->hidden++;
			continue;
		}
		if (r < 0)
			continue;	/* vanished (ENOENT, ESRCH), or unreadable */
		out->pss += pss;
		out->anon += anon;
		out->file += file;
		out->shmem += shmem;
		out->procs++;
		if (each)
			each(arg, atoi(de->d_name), pss);
	}
	closedir(d);
	gettimeofday(&tv, NULL);
	out->time = (double)tv.tv_sec + tv.tv_usec / 1e6;
	return 0;
}

int meminfo_stacks_in_vmalloc(const struct meminfo_raw *m, const char *kconfig)
{
	if (kconfig) {
		if (strstr(kconfig, "\nCONFIG_VMAP_STACK=y") ||
		    !strncmp(kconfig, "CONFIG_VMAP_STACK=y", 19))
			return 1;
		return 0;
	}
	/* Without the config: vmap'd stacks make VmallocUsed at least as large
	 * as KernelStack.  Kernels before 4.16 (no Percpu line) either report
	 * VmallocUsed 0 or count ioremap space in it; neither holds stacks. */
	return (m->have & MEMINFO_HAVE_PERCPU) && m->kernel_stack > 0 &&
	       m->vmalloc_used >= m->kernel_stack;
}

void meminfo_breakdown(const struct meminfo_raw *m, const struct meminfo_pss *pss,
		       const struct meminfo_sockstat *ss, int stacks_in_vmalloc,
		       struct meminfo_breakdown *out)
{
	uint64_t known;

	memset(out, 0, sizeof(*out));
	out->total = m->total;
	out->free = m->free;
	out->available = m->available;
	out->buffers = m->buffers;
	out->shmem = m->shmem;
	/* Cached includes Shmem; the file cache part is the rest */
	out->page_cache = m->cached > m->shmem ? m->cached - m->shmem : 0;
	out->user_anon = m->anon_pages;
	out->slab_reclaimable = m->slab_reclaimable;
	out->slab_unreclaimable = m->slab_unreclaimable;
	out->kernel_stack = m->kernel_stack;
	out->page_tables = m->page_tables + m->sec_page_tables;
	/* Before 4.16 VmallocUsed is 0 or counts ioremap'd address space that
	 * is not RAM; it is only a memory figure on kernels with Percpu. */
	out->vmalloc = (m->have & MEMINFO_HAVE_PERCPU) ? m->vmalloc_used : 0;
	out->percpu = m->percpu;
	out->hugetlb = m->hugetlb;
	out->zswap = m->zswap;
	out->stacks_in_vmalloc = stacks_in_vmalloc;
	out->kernel_known = out->slab_reclaimable + out->slab_unreclaimable +
			    out->page_tables + out->vmalloc + out->percpu +
			    out->hugetlb + out->zswap +
			    (stacks_in_vmalloc ? 0 : out->kernel_stack);
	known = out->free + out->page_cache + out->buffers + out->shmem +
		out->user_anon + out->kernel_known;
	out->unaccounted = (int64_t)(m->total - known);
	if (ss) {
		out->sockstat_tcp = ss->tcp_mem;
		out->sockstat_udp = ss->udp_mem;
		out->sockstat_orphans = ss->tcp_orphan;
		out->sockstat_frag = ss->frag_memory + ss->frag6_memory;
		out->socket_queues = ss->tcp_mem + ss->udp_mem;
	}
	if (pss)
		out->pss = *pss;
}

void meminfo_place_sockets(struct meminfo_breakdown *m, uint64_t outside_slab)
{
	/* give back what an earlier call placed, then place it afresh */
	m->unaccounted += (int64_t)m->socket_buffers;
	m->socket_buffers = 0;
	if (m->unaccounted <= 0)
		return;
	if (outside_slab > (uint64_t)m->unaccounted)
		outside_slab = (uint64_t)m->unaccounted;
	m->socket_buffers = outside_slab;
	m->unaccounted -= (int64_t)outside_slab;
}

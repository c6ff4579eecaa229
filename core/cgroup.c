/*
 * Cgroups: the line of /proc/PID/cgroup that names a process's cgroup, the
 * name an operator uses for a cgroup path (systemd unit, container, pod),
 * the --cgroup subtree rule, the kernel's socket figure for a cgroup, and
 * the cache that reads each process's cgroup once per instance.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "leaktop/cgroup.h"
#include "leaktop/fallback.h"
#include "alloc_hook.h"

/* ---- /proc/PID/cgroup --------------------------------------------------- */

/* Does the comma-separated controller list [s, e) hold name? */
static int has_controller(const char *s, const char *e, const char *name)
{
	size_t n = strlen(name);

	while (s < e) {
		const char *c = memchr(s, ',', (size_t)(e - s));

		if (!c)
			c = e;
		if ((size_t)(c - s) == n && !memcmp(s, name, n))
			return 1;
		s = c + 1;
	}
	return 0;
}

static int copy_path(const char *s, const char *e, char *path, size_t pathsz)
{
	size_t n = (size_t)(e - s);

	if (n == 0 || n >= pathsz || *s != '/')
		return -EBADMSG;
	memcpy(path, s, n);
	path[n] = '\0';
	return 0;
}

int cgroup_parse_proc(const char *text, size_t len, char *path, size_t pathsz,
		      enum cgroup_version *version)
{
	return cgroup_parse_proc_in(text, len, 1, path, pathsz, version);
}

int cgroup_parse_proc_in(const char *text, size_t len, int v1, char *path, size_t pathsz,
			 enum cgroup_version *version)
{
	const char *p = text, *end = text + len;
	const char *v2 = NULL, *v2e = NULL;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *c1, *c2;

		if (!nl)
			nl = end;
		c1 = memchr(p, ':', (size_t)(nl - p));
		c2 = c1 ? memchr(c1 + 1, ':', (size_t)(nl - c1 - 1)) : NULL;
		if (c2) {
			if (v1 && has_controller(c1 + 1, c2, "memory")) {
				*version = CGROUP_V1;
				return copy_path(c2 + 1, nl, path, pathsz);
			}
			if (c1 - p == 1 && *p == '0' && c2 == c1 + 1) {
				v2 = c2 + 1;
				v2e = nl;
			}
		}
		p = nl + 1;
	}
	if (!v2)
		return -EBADMSG;
	*version = CGROUP_V2;
	return copy_path(v2, v2e, path, pathsz);
}

/* ---- names -------------------------------------------------------------- */

static int is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* The length of the run of hex digits at s (at most n). */
static size_t hex_run(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && is_hex(s + i, 1))
		i++;
	return i;
}

static void set_str(char *dst, size_t dstsz, const char *s, size_t n)
{
	if (n >= dstsz)
		n = dstsz - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

static int ends_with(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);

	return n >= k && !memcmp(s + n - k, suf, k);
}

static int starts_with(const char *s, size_t n, const char *pre)
{
	size_t k = strlen(pre);

	return n >= k && !memcmp(s, pre, k);
}

static int is_unit(const char *s, size_t n)
{
	static const char *const sufs[] = {
		".service", ".scope", ".slice", ".socket", ".mount", ".swap",
	};
	size_t i;

	for (i = 0; i < sizeof(sufs) / sizeof(sufs[0]); i++)
		if (ends_with(s, n, sufs[i]) && n > strlen(sufs[i]))
			return 1;
	return 0;
}

/* A container id at s (up to n bytes): 12 or more hex digits, the whole
 * rest of the component (before an optional ".scope"). */
static int take_id(struct cgroup_name *o, const char *runtime, const char *s, size_t n)
{
	size_t h;

	if (ends_with(s, n, ".scope"))
		n -= strlen(".scope");
	h = hex_run(s, n);
	if (h < 12 || h != n)
		return 0;
	set_str(o->runtime, sizeof(o->runtime), runtime, strlen(runtime));
	set_str(o->id, sizeof(o->id), s, 12);
	o->kind = CGROUP_KIND_CONTAINER;
	return 1;
}

/* A container scope of the systemd driver, "docker-<id>.scope", or of
 * containerd on v1, "...:cri-containerd:<id>". */
static int container_component(struct cgroup_name *o, const char *s, size_t n,
			       const char *parent, size_t pn)
{
	static const struct { const char *prefix, *runtime; } scopes[] = {
		{ "docker-", "docker" },
		{ "cri-containerd-", "containerd" },
		{ "crio-conmon-", "cri-o" },
		{ "crio-", "cri-o" },
		{ "libpod-conmon-", "podman" },
		{ "libpod-", "podman" },
	};
	static const struct { const char *tag, *runtime; } tags[] = {
		{ ":cri-containerd:", "containerd" },
		{ ":docker:", "docker" },
		{ ":crio:", "cri-o" },
	};
	size_t i;

	for (i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++) {
		size_t k = strlen(scopes[i].prefix);

		if (starts_with(s, n, scopes[i].prefix))
			return take_id(o, scopes[i].runtime, s + k, n - k);
	}
	for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		size_t k = strlen(tags[i].tag), j;

		for (j = 0; j + k <= n; j++)
			if (!memcmp(s + j, tags[i].tag, k))
				return take_id(o, tags[i].runtime, s + j + k, n - j - k);
	}
	/* the cgroupfs driver: a bare id under its runtime's directory */
	if (pn == 6 && !memcmp(parent, "docker", 6))
		return take_id(o, "docker", s, n);
	if (pn == 13 && !memcmp(parent, "libpod_parent", 13))
		return take_id(o, "podman", s, n);
	if (o->pod[0] && hex_run(s, n) == n && n >= 12)
		return take_id(o, "", s, n);
	return 0;
}

/* A pod uid: 32 hex digits in 8-4-4-4-12 groups, dashes or underscores. */
static int take_pod(struct cgroup_name *o, const char *s, size_t n)
{
	char uid[40];
	size_t i, k = 0;

	if (ends_with(s, n, ".slice"))
		n -= strlen(".slice");
	if (n != 36)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i] == '_' ? '-' : s[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return 0;
		} else if (!is_hex(&c, 1)) {
			return 0;
		}
		uid[k++] = c;
	}
	uid[k] = '\0';
	memcpy(o->pod, uid, k + 1);
	if (o->kind != CGROUP_KIND_CONTAINER)
		o->kind = CGROUP_KIND_POD;
	return 1;
}

/* kubepods-burstable-pod<uid>.slice, kubepods-pod<uid>.slice (systemd),
 * kubepods/burstable/pod<uid> (cgroupfs); the qos slices on the way. */
static void pod_component(struct cgroup_name *o, const char *s, size_t n, int in_kubepods)
{
	static const char *const qos[] = { "burstable", "besteffort" };
	const char *pod, *colon = memchr(s, ':', n);
	size_t i;

	if (colon)
		n = (size_t)(colon - s);	/* "<pod slice>:<runtime>:<id>" */
	for (i = 0; i < sizeof(qos) / sizeof(qos[0]); i++) {
		size_t k = strlen(qos[i]);

		if ((in_kubepods && n == k && !memcmp(s, qos[i], k)) ||
		    (starts_with(s, n, "kubepods-") && n >= 9 + k &&
		     !memcmp(s + 9, qos[i], k)))
			set_str(o->qos, sizeof(o->qos), qos[i], k);
	}
	pod = NULL;
	for (i = 0; i + 3 < n; i++)
		if (!memcmp(s + i, "pod", 3) && (i == 0 ? in_kubepods : s[i - 1] == '-')) {
			pod = s + i + 3;
			break;
		}
	if (pod && take_pod(o, pod, n - (size_t)(pod - s)) && !o->qos[0])
		strcpy(o->qos, "guaranteed");
}

void cgroup_name(const char *path, struct cgroup_name *o)
{
	const char *p = path, *parent = "", *unit_end = NULL;
	size_t pn = 0;
	int in_kubepods = 0;

	memset(o, 0, sizeof(*o));
	if (!path[0] || !strcmp(path, "/")) {
		o->kind = CGROUP_KIND_ROOT;
		strcpy(o->label, "/");
		return;
	}
	while (*p) {
		const char *s, *e;
		size_t n;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		s = p;
		e = strchr(s, '/');
		if (!e)
			e = s + strlen(s);
		n = (size_t)(e - s);
		p = e;
		if (o->kind == CGROUP_KIND_CONTAINER)
			continue;	/* a container's own subgroups are its */
		if ((n == 8 && !memcmp(s, "kubepods", 8)) || starts_with(s, n, "kubepods"))
			in_kubepods = 1;
		if (in_kubepods)
			pod_component(o, s, n, !starts_with(s, n, "kubepods-") &&
					       !starts_with(s, n, "kubepods."));
		if (!container_component(o, s, n, parent, pn) && is_unit(s, n)) {
			set_str(o->unit, sizeof(o->unit), s, n);
			unit_end = e;
		} else if (o->kind == CGROUP_KIND_CONTAINER && is_unit(s, n)) {
			set_str(o->unit, sizeof(o->unit), s, n);
			unit_end = e;
		}
		parent = s;
		pn = n;
	}
	if (o->kind == CGROUP_KIND_CONTAINER) {
		const char *rt = o->runtime[0] ? o->runtime : "container";

		if (o->pod[0])
			snprintf(o->label, sizeof(o->label), "pod %.8s (%s) %s %s", o->pod,
				 o->qos, rt, o->id);
		else
			snprintf(o->label, sizeof(o->label), "%s %s", rt, o->id);
	} else if (o->kind == CGROUP_KIND_POD) {
		snprintf(o->label, sizeof(o->label), "pod %.8s (%s)", o->pod, o->qos);
	} else if (o->unit[0]) {
		o->kind = CGROUP_KIND_UNIT;
		/* a subgroup the unit made for itself stays visible */
		snprintf(o->label, sizeof(o->label), "%s%s", o->unit, unit_end ? unit_end : "");
	} else {
		snprintf(o->label, sizeof(o->label), "%s", path);
	}
}

int cgroup_in_subtree(const char *path, const char *root)
{
	size_t n = strlen(root);

	while (n > 1 && root[n - 1] == '/')
		n--;
	if (n == 1 && root[0] == '/')
		return 1;
	return !strncmp(path, root, n) && (path[n] == '\0' || path[n] == '/');
}

/* Does arg name the cgroup whose path is path[0..n)? */
static int names(const char *path, size_t n, const char *arg)
{
	struct cgroup_name nm;
	char prefix[512];
	const char *last;
	size_t a = strlen(arg);

	if (n >= sizeof(prefix))
		return 0;
	memcpy(prefix, path, n);
	prefix[n] = '\0';
	last = strrchr(prefix, '/');
	last = last ? last + 1 : prefix;
	if (!strcmp(last, arg))
		return 1;
	cgroup_name(prefix, &nm);
	if (!strcmp(nm.label, arg))
		return 1;
	if (nm.kind == CGROUP_KIND_CONTAINER && a >= 12 && is_hex(arg, a) &&
	    strstr(last, arg) && !strncmp(nm.id, arg, 12))
		return 1;
	if (nm.kind == CGROUP_KIND_POD && !strcmp(nm.pod, arg))
		return 1;
	return 0;
}

int cgroup_matches(const char *path, const char *arg)
{
	size_t i;

	if (!arg || !arg[0])
		return 1;
	if (arg[0] == '/')
		return cgroup_in_subtree(path, arg);
	for (i = 1; ; i++) {
		if (path[i] == '/' || path[i] == '\0') {
			if (i > 1 && names(path, i, arg))
				return 1;
			if (path[i] == '\0')
				return 0;
		}
	}
}

int cgroup_dir_exists(const char *cgroot, const char *arg)
{
	static const char *const sub[] = { "", "/unified", "/memory", "/systemd", "/pids" };
	char path[1024];
	struct stat st;
	size_t i;

	if (arg[0] != '/' || strstr(arg, "/../") || !strcmp(arg, "/.."))
		return 0;
	for (i = 0; i < sizeof(sub) / sizeof(sub[0]); i++)
		if (snprintf(path, sizeof(path), "%s%s%s", cgroot, sub[i], arg) <
			    (int)sizeof(path) &&
		    stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			return 1;
	return 0;
}

void cgroup_short_arg(const char *path, const struct cgroup_name *name, char *buf, size_t sz)
{
	const char *last = strrchr(path, '/');

	last = last && last[1] ? last + 1 : path;
	if (strlen(name->label) < sz)
		snprintf(buf, sz, "%s", name->label);
	else if (name->kind == CGROUP_KIND_CONTAINER && name->id[0])
		snprintf(buf, sz, "%s", name->id);
	else if (strlen(last) < sz)
		snprintf(buf, sz, "%s", last);
	else if (name->pod[0] && strlen(name->pod) < sz)
		snprintf(buf, sz, "%s", name->pod);
	else
		snprintf(buf, sz, "%s", path);
}

/* ---- the kernel's figure ------------------------------------------------ */

/* Does the cgroup2 directory dir have "memory" in cgroup.controllers? */
static int v2_has_memory(const char *dir)
{
	char path[512], *buf;
	size_t len;
	int r = 0;

	if (snprintf(path, sizeof(path), "%s/cgroup.controllers", dir) >= (int)sizeof(path) ||
	    lt_read_file(path, &buf, &len, 4096) < 0)
		return 0;
	{
		char *tok, *save = NULL;

		for (tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
			if (!strcmp(tok, "memory"))
				r = 1;
	}
	free(buf);
	return r;
}

void cgroup_host_detect(const char *cgroot, const char *procroot, struct cgroup_host *h)
{
	char path[512], *buf;
	size_t len;
	struct stat st;

	memset(h, 0, sizeof(*h));
	if (v2_has_memory(cgroot)) {
		snprintf(h->memroot, sizeof(h->memroot), "%s", cgroot);
		h->version = CGROUP_V2;
	} else if (!lt_fallback(LT_FB_MEMCG_V1) &&
		   snprintf(path, sizeof(path), "%s/memory/memory.usage_in_bytes", cgroot) <
			   (int)sizeof(path) && stat(path, &st) == 0) {
		snprintf(h->memroot, sizeof(h->memroot), "%s/memory", cgroot);
		h->version = CGROUP_V1;
	}
	if (lt_path(path, sizeof(path), procroot, "cmdline") == 0 &&
	    lt_read_file(path, &buf, &len, 1 << 16) == 0) {
		char *tok, *save = NULL;

		for (tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
			if (!strcmp(tok, "--"))
				break;	/* the rest is init's */
			if (!strncmp(tok, "cgroup.memory=", 14) && strstr(tok + 14, "nosocket"))
				h->nosocket = 1;
		}
		free(buf);
	}
}

int cgroup_parse_memstat_sock(const char *text, size_t len, uint64_t *bytes)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		unsigned long long v;

		if (!nl)
			nl = end;
		if (nl - p > 5 && !memcmp(p, "sock ", 5) && sscanf(p + 5, "%llu", &v) == 1) {
			*bytes = v;
			return 0;
		}
		p = nl + 1;
	}
	return -ENOENT;
}

static int read_u64(const char *dir, const char *path, const char *file, uint64_t *v)
{
	char full[1024], *buf;
	size_t len;
	unsigned long long x;
	int ok;

	if (snprintf(full, sizeof(full), "%s%s/%s", dir, strcmp(path, "/") ? path : "",
		     file) >= (int)sizeof(full) ||
	    lt_read_file(full, &buf, &len, 4096) < 0)
		return -1;
	ok = sscanf(buf, "%llu", &x) == 1;
	free(buf);
	*v = x;
	return ok ? 0 : -1;
}

void cgroup_kernel_read(const struct cgroup_host *h, const char *path, struct cgroup_kernel *out)
{
	char full[1024], *buf;
	size_t len;
	uint64_t limit;

	memset(out, 0, sizeof(*out));
	if (h->nosocket) {
		out->acct = CGROUP_ACCT_NOSOCKET;
		return;
	}
	if (!h->memroot[0]) {
		out->acct = CGROUP_ACCT_NO_MEMCG;
		return;
	}
	if (h->version == CGROUP_V2) {
		if (snprintf(full, sizeof(full), "%s%s/memory.stat", h->memroot,
			     strcmp(path, "/") ? path : "") >= (int)sizeof(full) ||
		    lt_read_file(full, &buf, &len, 1 << 16) < 0)
			return;
		if (cgroup_parse_memstat_sock(buf, len, &out->bytes) == 0)
			out->acct = CGROUP_ACCT_V2_SOCK;
		free(buf);
		return;
	}
	/* v1 charges tcp only where a tcp limit was written (tcpmem_active);
	 * an unlimited limit file is the sign none was */
	if (read_u64(h->memroot, path, "memory.kmem.tcp.limit_in_bytes", &limit) < 0)
		return;
	if (limit >= (1ULL << 62)) {
		out->acct = CGROUP_ACCT_V1_OFF;
		return;
	}
	if (read_u64(h->memroot, path, "memory.kmem.tcp.usage_in_bytes", &out->bytes) == 0)
		out->acct = CGROUP_ACCT_V1_TCP;
}

const char *cgroup_acct_words(enum cgroup_acct a)
{
	switch (a) {
	case CGROUP_ACCT_V2_SOCK:
		return "memory.stat sock: every socket it created";
	case CGROUP_ACCT_V1_TCP:
		return "memory.kmem.tcp.usage_in_bytes: its tcp sockets only";
	case CGROUP_ACCT_V1_OFF:
		return "not charged: cgroup v1 without a tcp limit";
	case CGROUP_ACCT_NOSOCKET:
		return "not charged: cgroup.memory=nosocket";
	case CGROUP_ACCT_NO_MEMCG:
		return "not charged: no memory controller";
	case CGROUP_ACCT_UNKNOWN:
	default:
		return "unknown: the kernel's figure could not be read";
	}
}

const char *cgroup_acct_name(enum cgroup_acct a)
{
	switch (a) {
	case CGROUP_ACCT_V2_SOCK:
		return "v2_sock";
	case CGROUP_ACCT_V1_TCP:
		return "v1_tcp";
	case CGROUP_ACCT_V1_OFF:
		return "v1_off";
	case CGROUP_ACCT_NOSOCKET:
		return "nosocket";
	case CGROUP_ACCT_NO_MEMCG:
		return "no_memcg";
	case CGROUP_ACCT_UNKNOWN:
	default:
		return "unknown";
	}
}

int cgroup_acct_counts(enum cgroup_acct a)
{
	return a == CGROUP_ACCT_V2_SOCK || a == CGROUP_ACCT_V1_TCP;
}

/* ---- the cache ---------------------------------------------------------- */

struct cg_entry {
	int pid;
	int used;
	uint64_t start;
	double read_at;
	char *path;
};

struct cg_id {
	uint64_t id;
	char *path;		/* NULL: missing at the last walk */
};

struct cgroup_cache {
	char *procroot;
	struct cg_entry *v;
	size_t n, cap;
	enum cgroup_version version;
	char *v2root;		/* the cgroup2 mount, NULL none */
	struct cg_id *ids;	/* sorted by id */
	size_t nids, capids;
	int walked;		/* walked since the last sweep */
};

/* a process moved to another cgroup is noticed within this many seconds */
#define CGROUP_REREAD_S 60.0

struct cgroup_cache *cgroup_cache_new(const char *procroot)
{
	struct cgroup_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->procroot = strdup(procroot);
	if (!c->procroot) {
		free(c);
		return NULL;
	}
	return c;
}

void cgroup_cache_free(struct cgroup_cache *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n; i++)
		free(c->v[i].path);
	free(c->v);
	free(c->procroot);
	for (i = 0; i < c->nids; i++)
		free(c->ids[i].path);
	free(c->ids);
	free(c->v2root);
	free(c);
}

static char *read_path(struct cgroup_cache *c, int pid)
{
	char rel[64], file[512], path[4096], small[8192], *buf;
	enum cgroup_version v;
	size_t len;
	ssize_t n;
	int r, fd;

	snprintf(rel, sizeof(rel), "%d/cgroup", pid);
	if (lt_path(file, sizeof(file), c->procroot, rel) < 0)
		return NULL;
	/* the file is small: whole from one read into small when it fits
	 * (one syscall less per process than reading to EOF) */
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	do
		n = read(fd, small, sizeof(small) - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return NULL;
	if ((size_t)n < sizeof(small) - 1) {
		buf = small;
		len = (size_t)n;
		small[len] = '\0';
	} else if (lt_read_file(file, &buf, &len, 1 << 16) < 0) {
		return NULL;
	}
	/* LEAKTOP_FALLBACKS=memcg_v1: the unified path, as on a v2 machine */
	r = cgroup_parse_proc_in(buf, len, !lt_fallback(LT_FB_MEMCG_V1), path, sizeof(path), &v);
	if (buf != small)
		free(buf);
	if (r < 0)
		return NULL;
	c->version = v;
	return strdup(path);
}

/* pid's entry, or NULL; *at: where it is or goes. */
static struct cg_entry *pid_find(struct cgroup_cache *c, int pid, size_t *at)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->v[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return lo < c->n && c->v[lo].pid == pid ? &c->v[lo] : NULL;
}

/* Keep path (owned) as pid's, read at now, at place at (pid_find's).
 * path, or NULL when memory ran out (path freed). */
static const char *pid_keep(struct cgroup_cache *c, size_t at, int pid, uint64_t start_ticks,
			    double now, char *path)
{
	struct cg_entry *e;

	if (at >= c->n || c->v[at].pid != pid) {
		if (c->n == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 256;
			struct cg_entry *nv = reallocarray(c->v, cap, sizeof(*nv));

			if (!nv) {
				free(path);
				return NULL;
			}
			c->v = nv;
			c->cap = cap;
		}
		memmove(&c->v[at + 1], &c->v[at], (c->n - at) * sizeof(c->v[0]));
		c->n++;
		c->v[at].path = NULL;
	}
	e = &c->v[at];
	free(e->path);
	e->pid = pid;
	e->start = start_ticks;
	e->read_at = now;
	e->path = path;
	e->used = 1;
	return path;
}

const char *cgroup_cache_get(struct cgroup_cache *c, int pid, uint64_t start_ticks, double now)
{
	struct cg_entry *e;
	size_t at;
	char *path;

	e = pid_find(c, pid, &at);
	if (e && e->start == start_ticks && now - e->read_at < CGROUP_REREAD_S &&
	    now >= e->read_at) {
		e->used = 1;
		return e->path;
	}
	path = read_path(c, pid);
	if (!path)
		return NULL;
	return pid_keep(c, at, pid, start_ticks, now, path);
}

/* What the id said of pid, kept as its own: a later sample without the
 * id (a UI's) finds it as if its file had been read now.  The kept copy
 * (it lives to the next sweep, where the tree's paths may go at the next
 * walk), or NULL when memory ran out. */
static const char *pid_seed(struct cgroup_cache *c, int pid, uint64_t start_ticks,
			    double now, const char *path)
{
	size_t at;
	struct cg_entry *e = pid_find(c, pid, &at);
	char *dup;

	if (e && e->start == start_ticks && !strcmp(e->path, path)) {
		e->read_at = now;
		e->used = 1;
		return e->path;
	}
	dup = strdup(path);
	return dup ? pid_keep(c, at, pid, start_ticks, now, dup) : NULL;
}

const char *cgroup_cache_get_id(struct cgroup_cache *c, uint64_t id, int pid,
				uint64_t start_ticks, double now)
{
	const char *path, *kept;

	/* the hierarchy's version comes from a process's file: the first
	 * one asked for is read */
	if (id && c->version == CGROUP_V2 && (path = cgroup_cache_id_path(c, id)) &&
	    (kept = pid_seed(c, pid, start_ticks, now, path)))
		return kept;
	return cgroup_cache_get(c, pid, start_ticks, now);
}

void cgroup_cache_sweep(struct cgroup_cache *c)
{
	size_t i, k = 0;

	for (i = 0; i < c->n; i++) {
		if (!c->v[i].used) {
			free(c->v[i].path);
			continue;
		}
		c->v[i].used = 0;
		c->v[k++] = c->v[i];
	}
	c->n = k;
	c->walked = 0;
}

void cgroup_cache_set_root(struct cgroup_cache *c, const char *cgroot)
{
	char path[512], *dup;
	struct stat st;

	snprintf(path, sizeof(path), "%s/cgroup.controllers", cgroot);
	if (stat(path, &st) == 0) {
		snprintf(path, sizeof(path), "%s", cgroot);
	} else {
		snprintf(path, sizeof(path), "%s/unified/cgroup.controllers", cgroot);
		if (stat(path, &st) < 0)
			return;
		snprintf(path, sizeof(path), "%s/unified", cgroot);
	}
	dup = strdup(path);
	if (dup) {
		free(c->v2root);
		c->v2root = dup;
	}
}

static int cmp_id(const void *a, const void *b)
{
	const struct cg_id *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static struct cg_id *find_id(const struct cgroup_cache *c, uint64_t id)
{
	struct cg_id key = { .id = id };

	return c->nids ? bsearch(&key, c->ids, c->nids, sizeof(key), cmp_id) : NULL;
}

static int add_id(struct cgroup_cache *c, uint64_t id, const char *path)
{
	struct cg_id *e;

	if (c->nids == c->capids) {
		size_t cap = c->capids ? c->capids * 2 : 64;
		struct cg_id *nv = reallocarray(c->ids, cap, sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		c->ids = nv;
		c->capids = cap;
	}
	e = &c->ids[c->nids];
	e->id = id;
	e->path = path ? strdup(path) : NULL;
	if (path && !e->path)
		return -ENOMEM;
	c->nids++;
	return 0;
}

/* Every directory under dir (rel: its path in the hierarchy), depth-first;
 * a directory that vanishes meanwhile is skipped. */
static void walk(struct cgroup_cache *c, int dirfd, char *rel, size_t relsz, int depth)
{
	DIR *d;
	struct dirent *de;
	size_t n = strlen(rel);

	if (depth > 32 || c->nids > 200000)
		return;
	d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return;
	}
	while ((de = readdir(d))) {
		struct stat st;
		int sub;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sub < 0)
			continue;
		if (fstat(sub, &st) < 0 ||
		    snprintf(rel + n, relsz - n, "/%s", de->d_name) >= (int)(relsz - n) ||
		    add_id(c, (uint64_t)st.st_ino, rel) < 0) {
			close(sub);
			rel[n] = '\0';
			continue;
		}
		walk(c, sub, rel, relsz, depth + 1);
		rel[n] = '\0';
	}
	closedir(d);
}

const char *cgroup_cache_id_path(struct cgroup_cache *c, uint64_t id)
{
	struct cg_id *e = find_id(c, id);
	char rel[4096] = "";
	struct stat st;
	size_t i;
	int fd;

	if (e)
		return e->path;
	if (c->walked || !c->v2root || !id)
		return NULL;
	/* walk afresh: forget the paths (and the ids missing last time) */
	c->walked = 1;
	for (i = 0; i < c->nids; i++)
		free(c->ids[i].path);
	c->nids = 0;
	fd = open(c->v2root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && add_id(c, (uint64_t)st.st_ino, "/") < 0) {
		close(fd);
		return NULL;
	}
	walk(c, fd, rel, sizeof(rel), 0);
	qsort(c->ids, c->nids, sizeof(*c->ids), cmp_id);
	e = find_id(c, id);
	if (e)
		return e->path;
	/* missing: not asked for again until the next walk */
	if (add_id(c, id, NULL) == 0)
		qsort(c->ids, c->nids, sizeof(*c->ids), cmp_id);
	return NULL;
}

enum cgroup_version cgroup_cache_version(const struct cgroup_cache *c)
{
	return c->version;
}

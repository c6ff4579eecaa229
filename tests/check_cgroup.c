/*
 * Tests for core/cgroup.c: the process's cgroup line and the name of a
 * cgroup on a table of real /proc/PID/cgroup files (tests/fixtures/cgroup:
 * each runtime, both cgroup versions, hybrid machines), the --cgroup
 * subtree rule, the kernel's figure (memory.stat sock, v1 tcp usage) and
 * the reconciliation's words; and core/cgroup_sums.c's tree: ancestors
 * added, each figure summed into every ancestor, pre-order by socket
 * memory within each level, and --cgroup's cut of it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <check.h>

#include "check_suites.h"
#include "leaktop/cgroup.h"
#include "leaktop/sample.h"

#define DOCKER_ID "4d3c2b1a0f9e8d7c6b5a49382716050f4e3d2c1b0a99887766554433221100ff"
#define OTHER_ID "9a8b7c6d5e4f30211203a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"

static const struct {
	const char *file;
	enum cgroup_version version;
	const char *path;
	enum cgroup_kind kind;
	const char *label;
	const char *runtime, *pod, *qos;
} table[] = {
	{ "v2-service", CGROUP_V2, "/system.slice/nginx.service", CGROUP_KIND_UNIT,
	  "nginx.service", "", "", "" },
	{ "v2-session", CGROUP_V2, "/user.slice/user-1000.slice/session-3.scope",
	  CGROUP_KIND_UNIT, "session-3.scope", "", "", "" },
	{ "v2-root", CGROUP_V2, "/", CGROUP_KIND_ROOT, "/", "", "", "" },
	{ "v2-docker", CGROUP_V2, "/system.slice/docker-" DOCKER_ID ".scope",
	  CGROUP_KIND_CONTAINER, "docker 4d3c2b1a0f9e", "docker", "", "" },
	{ "v2-podman", CGROUP_V2, "/machine.slice/libpod-" OTHER_ID ".scope/container",
	  CGROUP_KIND_CONTAINER, "podman 9a8b7c6d5e4f", "podman", "", "" },
	{ "v2-k8s-containerd", CGROUP_V2,
	  "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
	  "3f1c2a4b_5d6e_4f70_8a9b_0c1d2e3f4a5b.slice/cri-containerd-" DOCKER_ID ".scope",
	  CGROUP_KIND_CONTAINER, "pod 3f1c2a4b (burstable) containerd 4d3c2b1a0f9e",
	  "containerd", "3f1c2a4b-5d6e-4f70-8a9b-0c1d2e3f4a5b", "burstable" },
	{ "v2-k8s-crio", CGROUP_V2,
	  "/kubepods.slice/kubepods-pod0a1b2c3d_4e5f_4a6b_8c7d_9e0f1a2b3c4d.slice/crio-"
	  OTHER_ID ".scope",
	  CGROUP_KIND_CONTAINER, "pod 0a1b2c3d (guaranteed) cri-o 9a8b7c6d5e4f", "cri-o",
	  "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "guaranteed" },
	{ "v2-k8s-pod", CGROUP_V2,
	  "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod"
	  "7e6d5c4b_3a29_4180_9f8e_7d6c5b4a3928.slice",
	  CGROUP_KIND_POD, "pod 7e6d5c4b (besteffort)", "",
	  "7e6d5c4b-3a29-4180-9f8e-7d6c5b4a3928", "besteffort" },
	{ "v2-user-app", CGROUP_V2,
	  "/user.slice/user-1000.slice/user@1000.service/app.slice/app-gnome-firefox-4242.scope",
	  CGROUP_KIND_UNIT, "app-gnome-firefox-4242.scope", "", "", "" },
	{ "v1-docker", CGROUP_V1, "/docker/" DOCKER_ID, CGROUP_KIND_CONTAINER,
	  "docker 4d3c2b1a0f9e", "docker", "", "" },
	{ "v1-k8s-cgroupfs", CGROUP_V1,
	  "/kubepods/besteffort/pod5b4a3928-1706-4f5e-8d4c-3b2a19080706/" OTHER_ID,
	  CGROUP_KIND_CONTAINER, "pod 5b4a3928 (besteffort) container 9a8b7c6d5e4f", "",
	  "5b4a3928-1706-4f5e-8d4c-3b2a19080706", "besteffort" },
	{ "v1-containerd-colon", CGROUP_V1,
	  "/system.slice/containerd.service/kubepods-burstable-pod"
	  "3f1c2a4b_5d6e_4f70_8a9b_0c1d2e3f4a5b.slice:cri-containerd:" DOCKER_ID,
	  CGROUP_KIND_CONTAINER, "pod 3f1c2a4b (burstable) containerd 4d3c2b1a0f9e",
	  "containerd", "3f1c2a4b-5d6e-4f70-8a9b-0c1d2e3f4a5b", "burstable" },
	{ "hybrid-service", CGROUP_V1, "/system.slice/sshd.service", CGROUP_KIND_UNIT,
	  "sshd.service", "", "", "" },
	{ "hybrid-firecracker", CGROUP_V1, "/process_api/8fbdb7d3b8b07291744b857c33205dfd",
	  CGROUP_KIND_PATH, "/process_api/8fbdb7d3b8b07291744b857c33205dfd", "", "", "" },
};

START_TEST(test_table)
{
	char rel[128], path[4096], *text;
	struct cgroup_name nm;
	enum cgroup_version v = CGROUP_UNKNOWN;
	size_t len;

	snprintf(rel, sizeof(rel), "cgroup/%s.cgroup", table[_i].file);
	text = fixture_read(rel, &len);
	ck_assert_int_eq(cgroup_parse_proc(text, len, path, sizeof(path), &v), 0);
	free(text);
	ck_assert_int_eq(v, table[_i].version);
	ck_assert_str_eq(path, table[_i].path);
	cgroup_name(path, &nm);
	ck_assert_msg(nm.kind == table[_i].kind, "%s: kind %d", table[_i].file, nm.kind);
	ck_assert_str_eq(nm.label, table[_i].label);
	ck_assert_str_eq(nm.runtime, table[_i].runtime);
	ck_assert_str_eq(nm.pod, table[_i].pod);
	ck_assert_str_eq(nm.qos, table[_i].qos);
	/* the UI's drill-down names it in a 64-byte filter, and it matches */
	cgroup_short_arg(path, &nm, rel, 61);
	ck_assert_msg(cgroup_matches(path, rel), "%s: '%s' does not name it", table[_i].file, rel);
	ck_assert(strlen(rel) < 61);
}
END_TEST

START_TEST(test_bad)
{
	char path[64], *text;
	enum cgroup_version v;
	size_t len;

	text = fixture_read("cgroup/bad.cgroup", &len);
	ck_assert_int_eq(cgroup_parse_proc(text, len, path, sizeof(path), &v), -EBADMSG);
	free(text);
	ck_assert_int_eq(cgroup_parse_proc("", 0, path, sizeof(path), &v), -EBADMSG);
	/* a path that does not fit is refused, not cut */
	ck_assert_int_eq(cgroup_parse_proc("0::/a/very/long/path", 20, path, 8, &v), -EBADMSG);
	/* memcg_v1 forced off: a hybrid machine's unified path, as on v2 */
	text = fixture_read("cgroup/hybrid-firecracker.cgroup", &len);
	ck_assert_int_eq(cgroup_parse_proc_in(text, len, 0, path, sizeof(path), &v), 0);
	ck_assert_int_eq(v, CGROUP_V2);
	ck_assert_str_eq(path, "/");
	ck_assert_int_eq(cgroup_parse_proc_in(text, len, 1, path, sizeof(path), &v), 0);
	ck_assert_int_eq(v, CGROUP_V1);
	ck_assert_str_eq(path, "/process_api/8fbdb7d3b8b07291744b857c33205dfd");
	free(text);
	/* a relative path (another cgroup namespace's view) is not a path */
	ck_assert_int_eq(cgroup_parse_proc("0::foo\n", 7, path, sizeof(path), &v), -EBADMSG);
}
END_TEST

START_TEST(test_subtree)
{
	const char *svc = "/system.slice/nginx.service";
	const char *ctr = "/system.slice/docker-" DOCKER_ID ".scope";
	const char *pod = "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod"
			  "7e6d5c4b_3a29_4180_9f8e_7d6c5b4a3928.slice/crio-" OTHER_ID ".scope";

	ck_assert(cgroup_in_subtree(svc, "/"));
	ck_assert(cgroup_in_subtree(svc, "/system.slice"));
	ck_assert(cgroup_in_subtree(svc, "/system.slice/"));
	ck_assert(cgroup_in_subtree(svc, svc));
	ck_assert(!cgroup_in_subtree(svc, "/system.slice/nginx"));
	ck_assert(!cgroup_in_subtree("/system.slicex/a", "/system.slice"));
	ck_assert(cgroup_matches(svc, "/system.slice"));
	ck_assert(cgroup_matches(svc, "nginx.service"));
	ck_assert(cgroup_matches(svc, "system.slice"));
	ck_assert(!cgroup_matches(svc, "nginx"));
	ck_assert(!cgroup_matches(svc, "sshd.service"));
	ck_assert(cgroup_matches(ctr, "4d3c2b1a0f9e"));
	ck_assert(cgroup_matches(ctr, DOCKER_ID));
	ck_assert(cgroup_matches(ctr, "docker 4d3c2b1a0f9e"));
	ck_assert(!cgroup_matches(ctr, "9a8b7c6d5e4f"));
	ck_assert(cgroup_matches(pod, "7e6d5c4b-3a29-4180-9f8e-7d6c5b4a3928"));
	ck_assert(cgroup_matches(pod, "9a8b7c6d5e4f"));
	ck_assert(cgroup_matches(pod, "kubepods.slice"));
	ck_assert(!cgroup_matches(svc, "kubepods.slice"));
}
END_TEST

START_TEST(test_kernel)
{
	char dir[] = "/tmp/check_cgroup.XXXXXX", p[512], *text;
	struct cgroup_host h;
	struct cgroup_kernel k;
	uint64_t bytes = 0;
	size_t len;
	FILE *f;

	text = fixture_read("cgroup/memory.stat", &len);
	ck_assert_int_eq(cgroup_parse_memstat_sock(text, len, &bytes), 0);
	ck_assert_uint_eq(bytes, 1228800);
	free(text);
	ck_assert_int_eq(cgroup_parse_memstat_sock("anon 1\n", 7, &bytes), -ENOENT);

	/* a v1 memory hierarchy: tcp charged only under a tcp limit */
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/memory", dir);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/memory/memory.usage_in_bytes", dir);
	f = fopen(p, "w");
	fputs("0\n", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/memory/memory.kmem.tcp.limit_in_bytes", dir);
	f = fopen(p, "w");
	fputs("9223372036854771712\n", f);
	fclose(f);
	cgroup_host_detect(dir, dir, &h);	/* no cmdline there: charged */
	ck_assert_int_eq(h.version, CGROUP_V1);
	ck_assert(!h.nosocket);
	cgroup_kernel_read(&h, "/", &k);
	ck_assert_int_eq(k.acct, CGROUP_ACCT_V1_OFF);
	ck_assert_str_eq(cgroup_acct_words(k.acct), "not charged: cgroup v1 without a tcp limit");
	snprintf(p, sizeof(p), "%s/memory/memory.kmem.tcp.limit_in_bytes", dir);
	f = fopen(p, "w");
	fputs("1073741824\n", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/memory/memory.kmem.tcp.usage_in_bytes", dir);
	f = fopen(p, "w");
	fputs("655360\n", f);
	fclose(f);
	cgroup_kernel_read(&h, "/", &k);
	ck_assert_int_eq(k.acct, CGROUP_ACCT_V1_TCP);
	ck_assert_uint_eq(k.bytes, 655360);
	cgroup_kernel_read(&h, "/gone", &k);
	ck_assert_int_eq(k.acct, CGROUP_ACCT_UNKNOWN);

	/* cgroup.memory=nosocket before init's "--" wins */
	snprintf(p, sizeof(p), "%s/cmdline", dir);
	f = fopen(p, "w");
	fputs("quiet cgroup.memory=nokmem,nosocket -- --init-arg\n", f);
	fclose(f);
	cgroup_host_detect(dir, dir, &h);
	ck_assert(h.nosocket);
	cgroup_kernel_read(&h, "/", &k);
	ck_assert_int_eq(k.acct, CGROUP_ACCT_NOSOCKET);
	ck_assert_str_eq(cgroup_acct_words(k.acct), "not charged: cgroup.memory=nosocket");
	f = fopen(p, "w");
	fputs("quiet -- cgroup.memory=nosocket\n", f);
	fclose(f);
	cgroup_host_detect(dir, dir, &h);
	ck_assert(!h.nosocket);

	/* nothing mounted: no memory controller */
	snprintf(p, sizeof(p), "%s/empty", dir);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	cgroup_host_detect(p, dir, &h);
	cgroup_kernel_read(&h, "/", &k);
	ck_assert_int_eq(k.acct, CGROUP_ACCT_NO_MEMCG);
	ck_assert_str_eq(cgroup_acct_words(k.acct), "not charged: no memory controller");

	ck_assert_int_eq(rmdir(p), 0);
	snprintf(p, sizeof(p), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(p), 0);
}
END_TEST

START_TEST(test_cache)
{
	struct cgroup_cache *c = cgroup_cache_new("/proc");
	const char *p1, *p2;

	ck_assert_ptr_nonnull(c);
	p1 = cgroup_cache_get(c, (int)getpid(), 1, 100.0);
	ck_assert_ptr_nonnull(p1);
	ck_assert_int_ne(cgroup_cache_version(c), CGROUP_UNKNOWN);
	/* the same instance: the kept string, not a new read */
	p2 = cgroup_cache_get(c, (int)getpid(), 1, 101.0);
	ck_assert_ptr_eq(p1, p2);
	ck_assert_ptr_null(cgroup_cache_get(c, 0x7ffffff0, 1, 101.0));
	cgroup_cache_sweep(c);
	cgroup_cache_sweep(c);	/* not asked for: forgotten */
	cgroup_cache_free(c);
	cgroup_cache_free(NULL);
}
END_TEST

/* Write text to root/rel (its directory made first). */
static void put_file(const char *root, const char *rel, const char *text)
{
	char path[512], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	slash = strrchr(path, '/');
	*slash = '\0';
	mkdir(path, 0755);
	*slash = '/';
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* The inode of dir under mnt: a cgroup2 id as the kernel gives it. */
static uint64_t dir_id(const char *mnt, const char *rel)
{
	char dir[512];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/%s", mnt, rel);
	ck_assert_int_eq(stat(dir, &st), 0);
	return (uint64_t)st.st_ino;
}

/* By cgroup2 id on a unified machine: the id names the path through the
 * hierarchy (a made-up mount here), the first process's file read for the
 * version only; the others' files are not read (pid 11's says otherwise),
 * and what the id said stands as each process's own read for a later
 * lookup without the id.  An id in no directory (the process moved since,
 * or the id is from elsewhere), no id, or a v1 memory controller's paths:
 * each process's own file. */
START_TEST(test_cache_id)
{
	char root[] = "/tmp/leaktop-cgid.XXXXXX", mnt[] = "/tmp/leaktop-cgmnt.XXXXXX";
	char cmd[600];
	struct cgroup_cache *c;
	uint64_t ka, us, nw, none = (uint64_t)-2;

	ck_assert_ptr_nonnull(mkdtemp(root));
	put_file(root, "10/cgroup", "0::/system.slice/keepalived.service\n");
	put_file(root, "11/cgroup", "0::/elsewhere\n");
	put_file(root, "12/cgroup", "0::/user.slice\n");
	put_file(root, "20/cgroup", "4:memory:/m20\n0::/u\n");
	put_file(root, "21/cgroup", "4:memory:/m21\n0::/u\n");
	ck_assert_ptr_nonnull(mkdtemp(mnt));
	put_file(mnt, "cgroup.controllers", "memory\n");
	put_file(mnt, "system.slice/cgroup.procs", "");
	put_file(mnt, "system.slice/keepalived.service/cgroup.procs", "");
	put_file(mnt, "user.slice/cgroup.procs", "");
	ka = dir_id(mnt, "system.slice/keepalived.service");
	us = dir_id(mnt, "user.slice");

	c = cgroup_cache_new(root);
	ck_assert_ptr_nonnull(c);
	cgroup_cache_set_root(c, mnt);
	ck_assert_str_eq(cgroup_cache_get_id(c, ka, 10, 1, 100.0), "/system.slice/keepalived.service");
	ck_assert_int_eq(cgroup_cache_version(c), CGROUP_V2);
	ck_assert_str_eq(cgroup_cache_get_id(c, ka, 11, 1, 100.0), "/system.slice/keepalived.service");
	/* a sample without the id (a UI's): what the id said, kept for the
	 * process as a read of its file would be, until it is read again */
	ck_assert_str_eq(cgroup_cache_get(c, 11, 1, 101.0), "/system.slice/keepalived.service");
	ck_assert_str_eq(cgroup_cache_get_id(c, 0, 11, 1, 101.0), "/system.slice/keepalived.service");
	ck_assert_str_eq(cgroup_cache_get(c, 11, 1, 170.0), "/elsewhere");
	ck_assert_str_eq(cgroup_cache_get_id(c, us, 12, 1, 100.0), "/user.slice");
	/* an id no directory has: the process's own file */
	ck_assert_str_eq(cgroup_cache_get_id(c, none, 12, 1, 171.0), "/user.slice");
	ck_assert_ptr_null(cgroup_cache_get_id(c, none, 13, 1, 100.0));	/* gone */
	/* pid 13 has no file: with a known id none is read */
	ck_assert_str_eq(cgroup_cache_get_id(c, ka, 13, 1, 100.0), "/system.slice/keepalived.service");
	/* a cgroup made since the walk: found at the next sweep's walk */
	put_file(mnt, "system.slice/new.service/cgroup.procs", "");
	nw = dir_id(mnt, "system.slice/new.service");
	cgroup_cache_sweep(c);
	ck_assert_str_eq(cgroup_cache_get_id(c, nw, 12, 1, 172.0), "/system.slice/new.service");
	cgroup_cache_free(c);

	/* no mount known: no id is known, each process's own file */
	c = cgroup_cache_new(root);
	ck_assert_str_eq(cgroup_cache_get_id(c, ka, 10, 1, 100.0), "/system.slice/keepalived.service");
	ck_assert_str_eq(cgroup_cache_get_id(c, ka, 11, 1, 100.0), "/elsewhere");
	cgroup_cache_free(c);

	c = cgroup_cache_new(root);
	cgroup_cache_set_root(c, mnt);
	ck_assert_str_eq(cgroup_cache_get_id(c, 800, 20, 1, 100.0), "/m20");
	ck_assert_int_eq(cgroup_cache_version(c), CGROUP_V1);
	ck_assert_str_eq(cgroup_cache_get_id(c, ka, 21, 1, 100.0), "/m21");
	cgroup_cache_free(c);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", root, mnt);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

#define POD_SLICE "/kubepods.slice/kubepods-burstable.slice/" \
	"kubepods-burstable-pod7e6d5c4b_3a29_4180_9f8e_7d6c5b4a3928.slice"

/* Five cgroups that hold processes, their own figures, one process each
 * (of_proc[i] = i) and one socket each (of_sock[i] = i). */
static void tree_fixture(struct sample_cgroups *c)
{
	static const struct { const char *path; uint64_t mem, queued; uint32_t fds, ghosts, finds; }
	own[] = {
		{ "/system.slice/nginx.service", 100, 10, 20, 1, 1 },
		{ "/system.slice/sshd.service", 300, 0, 5, 0, 0 },
		{ "/user.slice/user-1000.slice/session-3.scope", 50, 50, 7, 0, 0 },
		{ "/", 5, 0, 3, 0, 0 },
		{ POD_SLICE "/cri-containerd-" DOCKER_ID ".scope", 1000, 900, 11, 2, 2 },
	};
	size_t i, n = sizeof(own) / sizeof(own[0]);

	memset(c, 0, sizeof(*c));
	c->v = calloc(n, sizeof(*c->v));
	c->of_proc = malloc(n * sizeof(*c->of_proc));
	c->of_sock = malloc(n * sizeof(*c->of_sock));
	ck_assert(c->v && c->of_proc && c->of_sock);
	for (i = 0; i < n; i++) {
		struct sample_cgroup *g = &c->v[i];

		g->path = strdup(own[i].path);
		cgroup_name(g->path, &g->name);
		g->mem = g->rmem = own[i].mem;
		g->queued = own[i].queued;
		g->nfds = own[i].fds;
		g->ghosts = own[i].ghosts;
		g->nfindings = own[i].finds;
		g->nprocs = g->nsockets = 1;
		g->direct = 1;
		c->of_proc[i] = c->of_sock[i] = (int32_t)i;
	}
	c->n = n;
}

static void tree_free(struct sample_cgroups *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->v[i].path);
	free(c->v);
	free(c->of_proc);
	free(c->of_sock);
}

static const struct sample_cgroup *by_path(const struct sample_cgroups *c, const char *path)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].path, path))
			return &c->v[i];
	ck_abort_msg("no cgroup %s", path);
	return NULL;
}

START_TEST(test_tree)
{
	static const char *const order[] = {
		"/kubepods.slice", "/kubepods.slice/kubepods-burstable.slice", POD_SLICE,
		POD_SLICE "/cri-containerd-" DOCKER_ID ".scope",
		"/system.slice", "/system.slice/sshd.service", "/system.slice/nginx.service",
		"/user.slice", "/user.slice/user-1000.slice",
		"/user.slice/user-1000.slice/session-3.scope",
		"/",
	};
	static const unsigned depth[] = { 0, 1, 2, 3, 0, 1, 1, 0, 1, 2, 0 };
	struct sample_cgroups c;
	const struct sample_cgroup *g;
	size_t i;

	tree_fixture(&c);
	ck_assert_int_eq(sample_cgroups_tree(&c), 0);
	ck_assert_uint_eq(c.n, 11);	/* 6 ancestors added, never "/" */
	ck_assert_int_eq(sample_cgroups_order(&c, 5, 5, NULL), 0);
	for (i = 0; i < c.n; i++) {
		ck_assert_str_eq(c.v[i].path, order[i]);
		ck_assert_uint_eq(c.v[i].depth, depth[i]);
		/* a parent comes before its children, and is their path's parent */
		if (c.v[i].parent >= 0) {
			ck_assert_int_lt(c.v[i].parent, (int)i);
			ck_assert_uint_eq(c.v[i].depth, c.v[c.v[i].parent].depth + 1);
		} else {
			ck_assert_uint_eq(c.v[i].depth, 0);
		}
	}
	/* parents sum their children; the root "/" holds only its own */
	g = by_path(&c, "/system.slice");
	ck_assert(!g->direct);
	ck_assert_uint_eq(g->nchildren, 2);
	ck_assert_uint_eq(g->mem, 400);
	ck_assert_uint_eq(g->queued, 10);
	ck_assert_uint_eq(g->nprocs, 2);
	ck_assert_uint_eq(g->nsockets, 2);
	ck_assert_uint_eq(g->nfds, 25);
	ck_assert_uint_eq(g->ghosts, 1);
	ck_assert_uint_eq(g->nfindings, 1);
	g = by_path(&c, "/kubepods.slice");
	ck_assert_uint_eq(g->mem, 1000);
	ck_assert_uint_eq(g->nfindings, 2);
	ck_assert_uint_eq(g->nchildren, 1);
	ck_assert_int_eq(by_path(&c, POD_SLICE)->name.kind, CGROUP_KIND_POD);
	g = by_path(&c, "/user.slice");
	ck_assert_uint_eq(g->mem, 50);
	ck_assert_uint_eq(g->nfds, 7);
	g = by_path(&c, "/");
	ck_assert(g->direct);
	ck_assert_uint_eq(g->mem, 5);
	ck_assert_uint_eq(g->nchildren, 0);
	/* the processes and sockets still point at their own cgroups */
	ck_assert_str_eq(c.v[c.of_proc[0]].path, "/system.slice/nginx.service");
	ck_assert_str_eq(c.v[c.of_sock[3]].path, "/");
	ck_assert_str_eq(c.v[c.of_proc[4]].name.runtime, "containerd");
	/* the tree's label: a bare path's last component under its parent */
	ck_assert_str_eq(sample_cgroup_tree_label(by_path(&c, "/user.slice")), "user.slice");
	ck_assert_str_eq(sample_cgroup_tree_label(by_path(&c, "/system.slice/nginx.service")),
			 "nginx.service");
	tree_free(&c);
}
END_TEST

START_TEST(test_tree_cut)
{
	struct sample_cgroups c;
	unsigned char keep[16];
	size_t i;

	/* --cgroup system.slice: the slice becomes a top with its two
	 * services under it; the rest, their processes and sockets, go */
	tree_fixture(&c);
	ck_assert_int_eq(sample_cgroups_tree(&c), 0);
	for (i = 0; i < c.n; i++)
		keep[i] = (unsigned char)cgroup_matches(c.v[i].path, "system.slice");
	ck_assert_int_eq(sample_cgroups_order(&c, 5, 5, keep), 0);
	ck_assert_uint_eq(c.n, 3);
	ck_assert_str_eq(c.v[0].path, "/system.slice");
	ck_assert_int_eq(c.v[0].parent, -1);
	ck_assert_uint_eq(c.v[0].nchildren, 2);
	ck_assert_str_eq(c.v[1].path, "/system.slice/sshd.service");
	ck_assert_int_eq(c.v[1].parent, 0);
	ck_assert_uint_eq(c.v[2].depth, 1);
	ck_assert_int_eq(c.of_proc[0], 2);
	ck_assert_int_eq(c.of_proc[2], -1);
	ck_assert_int_eq(c.of_sock[4], -1);
	tree_free(&c);

	/* a child alone: a top of depth 0, its parent gone */
	tree_fixture(&c);
	ck_assert_int_eq(sample_cgroups_tree(&c), 0);
	for (i = 0; i < c.n; i++)
		keep[i] = (unsigned char)cgroup_matches(c.v[i].path, "session-3.scope");
	ck_assert_int_eq(sample_cgroups_order(&c, 5, 5, keep), 0);
	ck_assert_uint_eq(c.n, 1);
	ck_assert_int_eq(c.v[0].parent, -1);
	ck_assert_uint_eq(c.v[0].depth, 0);
	ck_assert_uint_eq(c.v[0].mem, 50);
	ck_assert_int_eq(c.of_proc[2], 0);
	tree_free(&c);
}
END_TEST

Suite *cgroup_suite(void)
{
	Suite *s = suite_create("cgroup");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, test_table, 0, (int)(sizeof(table) / sizeof(table[0])));
	tcase_add_test(tc, test_bad);
	tcase_add_test(tc, test_subtree);
	tcase_add_test(tc, test_kernel);
	tcase_add_test(tc, test_cache);
	tcase_add_test(tc, test_cache_id);
	tcase_add_test(tc, test_tree);
	tcase_add_test(tc, test_tree_cut);
	suite_add_tcase(s, tc);
	return s;
}

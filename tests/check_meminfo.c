/*
 * Unit tests of core/meminfo.c on fixture files from three kernel
 * generations and the seed-001 numbers, plus malformed and truncated input.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "leaktop/fallback.h"
#include "leaktop/meminfo.h"

#define KB 1024ULL

struct expect {
	const char *gen;
	uint64_t total, free, page_cache, buffers, shmem, anon, kernel_known;
	int64_t unaccounted;
	int stacks_in_vmalloc;
	uint64_t hugetlb, vmalloc;
};

/* Figures worked out by hand from the fixture files (kB * 1024). */
static const struct expect expects[] = {
	{ "linux-6.18", 24684084 * KB, 24346664 * KB, 192600 * KB, 3204 * KB,
	  8872 * KB, 14020 * KB, 83716 * KB, 35008 * KB, 1, 0, 14188 * KB },
	{ "linux-4.19", 2041204 * KB, 115272 * KB, 1120252 * KB, 106320 * KB,
	  29748 * KB, 261068 * KB, 353472 * KB, 55072 * KB, 0, 131072 * KB, 0 },
	{ "linux-3.10", 8009180 * KB, 229328 * KB, 6068104 * KB, 2112 * KB,
	  132184 * KB, 866300 * KB, 631172 * KB, 79980 * KB, 0, 32768 * KB, 0 },
	{ "seed-001", 13631488 * KB, 3460301 * KB, 1258292 * KB, 102400 * KB,
	  943718 * KB, 2400000 * KB, 570000 * KB, 4896777 * KB, 0, 0, 0 },
};

static void load(const char *gen, struct meminfo_raw *m)
{
	struct lt_err err = { "" };
	char rel[256], *buf;
	size_t len;
	int r;

	snprintf(rel, sizeof(rel), "memory/%s/meminfo", gen);
	buf = fixture_read(rel, &len);
	r = meminfo_parse(buf, len, m, &err);
	free(buf);
	ck_assert_msg(r == 0, "%s: %s", gen, err.msg);
}

START_TEST(test_breakdown_generations)
{
	const struct expect *e = &expects[_i];
	struct meminfo_breakdown b;
	struct meminfo_raw m;
	int siv;

	load(e->gen, &m);
	siv = meminfo_stacks_in_vmalloc(&m, NULL);
	ck_assert_int_eq(siv, e->stacks_in_vmalloc);
	meminfo_breakdown(&m, NULL, NULL, siv, &b);
	ck_assert_uint_eq(b.total, e->total);
	ck_assert_uint_eq(b.free, e->free);
	ck_assert_uint_eq(b.page_cache, e->page_cache);
	ck_assert_uint_eq(b.buffers, e->buffers);
	ck_assert_uint_eq(b.shmem, e->shmem);
	ck_assert_uint_eq(b.user_anon, e->anon);
	ck_assert_uint_eq(b.kernel_known, e->kernel_known);
	ck_assert_int_eq(b.unaccounted, e->unaccounted);
	ck_assert_uint_eq(b.hugetlb, e->hugetlb);
	ck_assert_uint_eq(b.vmalloc, e->vmalloc);
	/* the parts add up to MemTotal exactly */
	ck_assert_int_eq((int64_t)(b.free + b.page_cache + b.buffers + b.shmem +
				   b.user_anon + b.kernel_known) + b.unaccounted,
			 (int64_t)b.total);
}
END_TEST

START_TEST(test_optional_fields)
{
	struct meminfo_raw m;

	load("linux-3.10", &m);
	ck_assert(!(m.have & MEMINFO_HAVE_PERCPU));
	ck_assert(!(m.have & MEMINFO_HAVE_HUGETLB));
	ck_assert_uint_eq(m.hugetlb, 16 * 2048 * KB);	/* derived */
	load("linux-6.18", &m);
	ck_assert(m.have & MEMINFO_HAVE_PERCPU);
	ck_assert(m.have & MEMINFO_HAVE_SECPT);
	ck_assert_uint_eq(m.percpu, 688 * KB);
}
END_TEST

START_TEST(test_kconfig_decides_stacks)
{
	struct meminfo_raw m;

	load("linux-3.10", &m);
	ck_assert_int_eq(meminfo_stacks_in_vmalloc(&m, "# x\nCONFIG_VMAP_STACK=y\n"), 1);
	load("linux-6.18", &m);
	ck_assert_int_eq(meminfo_stacks_in_vmalloc(&m, "# CONFIG_VMAP_STACK is not set\n"), 0);
}
END_TEST

START_TEST(test_seed001_story)
{
	struct meminfo_sockstat ss;
	struct meminfo_breakdown b;
	struct meminfo_pss pss = { .pss = 2562230 * KB, .procs = 120 };
	struct lt_err err = { "" };
	struct meminfo_raw m;
	char *buf;
	size_t len;

	load("seed-001", &m);
	buf = fixture_read("memory/seed-001/sockstat", &len);
	ck_assert_int_eq(meminfo_parse_sockstat(buf, len, 4096, &ss, &err), 0);
	free(buf);
	meminfo_breakdown(&m, &pss, &ss, 0, &b);
	/* the seed's point: several GB that no process's PSS explains */
	ck_assert_int_gt(b.unaccounted, (int64_t)(4ULL << 30));
	ck_assert_uint_eq(b.socket_queues, 1175000ULL * 4096 + 30 * 4096);
	ck_assert_uint_eq(b.sockstat_udp, 1175000ULL * 4096);
	ck_assert_uint_eq(b.pss.pss, 2562230 * KB);
	ck_assert_uint_eq(ss.udp_inuse, 812);
}
END_TEST

START_TEST(test_sockstat)
{
	struct meminfo_sockstat ss;
	struct lt_err err = { "" };
	char *buf;
	size_t len;

	buf = fixture_read("memory/linux-4.19/sockstat", &len);
	ck_assert_int_eq(meminfo_parse_sockstat(buf, len, 4096, &ss, &err), 0);
	free(buf);
	ck_assert_uint_eq(ss.sockets_used, 289);
	ck_assert_uint_eq(ss.tcp_inuse, 9);
	ck_assert_uint_eq(ss.tcp_tw, 2);
	ck_assert_uint_eq(ss.tcp_alloc, 11);
	ck_assert_uint_eq(ss.tcp_mem, 4096);
	ck_assert_uint_eq(ss.udp_mem, 3 * 4096);
	ck_assert_uint_eq(ss.raw_inuse, 1);
	buf = fixture_read("memory/linux-4.19/sockstat6", &len);
	ck_assert_int_eq(meminfo_parse_sockstat(buf, len, 4096, &ss, &err), 0);
	free(buf);
	ck_assert_uint_eq(ss.tcp6_inuse, 3);
	ck_assert_uint_eq(ss.raw6_inuse, 1);
	ck_assert_int_eq(meminfo_parse_sockstat("TCP: inuse x\n", 13, 4096, &ss, &err),
			 -EBADMSG);
	ck_assert_ptr_ne(strstr(err.msg, "bad number"), NULL);
}
END_TEST

/* The issue-12 story: 12 orphans holding 47 MB; sockstat's orphan count,
 * FRAG memory of v4 and v6; socket memory outside slab moves out of the
 * remainder into its own part, never below 0, and placing it again
 * replaces the earlier placement. */
START_TEST(test_socket_part)
{
	static const char v4[] = "sockets: used 36\n"
				 "TCP: inuse 26 orphan 12 tw 0 alloc 26 mem 11992\n"
				 "UDP: inuse 0 mem 0\nUDPLITE: inuse 0\nRAW: inuse 0\n"
				 "FRAG: inuse 1 memory 2504\n";
	static const char v6[] = "TCP6: inuse 1\nUDP6: inuse 0\nUDPLITE6: inuse 0\n"
				 "RAW6: inuse 0\nFRAG6: inuse 2 memory 5008\n";
	struct meminfo_sockstat ss, s6;
	struct meminfo_breakdown b;
	struct lt_err err = { "" };
	struct meminfo_raw m;
	int64_t before;

	load("linux-6.18", &m);
	ck_assert_int_eq(meminfo_parse_sockstat(v4, sizeof(v4) - 1, 4096, &ss, &err), 0);
	ck_assert_int_eq(meminfo_parse_sockstat(v6, sizeof(v6) - 1, 4096, &s6, &err), 0);
	ck_assert_uint_eq(ss.tcp_orphan, 12);
	ck_assert_uint_eq(ss.tcp_mem, 11992ULL * 4096);	/* 47 MB */
	ck_assert_uint_eq(s6.frag6_inuse, 2);
	ss.frag6_memory = s6.frag6_memory;
	meminfo_breakdown(&m, NULL, &ss, 1, &b);
	ck_assert_uint_eq(b.sockstat_orphans, 12);
	ck_assert_uint_eq(b.sockstat_frag, 2504 + 5008);
	ck_assert_uint_eq(b.socket_buffers, 0);
	before = b.unaccounted;
	ck_assert_int_gt(before, 1 << 20);
	meminfo_place_sockets(&b, 1 << 20);
	ck_assert_uint_eq(b.socket_buffers, 1 << 20);
	ck_assert_int_eq(b.unaccounted, before - (1 << 20));
	ck_assert_uint_eq(b.free + b.page_cache + b.buffers + b.shmem + b.user_anon +
			  b.kernel_known + b.socket_buffers + (uint64_t)b.unaccounted, b.total);
	/* again, more than the remainder: it replaces, and stops at 0 */
	meminfo_place_sockets(&b, (uint64_t)before * 2);
	ck_assert_uint_eq(b.socket_buffers, (uint64_t)before);
	ck_assert_int_eq(b.unaccounted, 0);
	meminfo_place_sockets(&b, 0);
	ck_assert_int_eq(b.unaccounted, before);
}
END_TEST

START_TEST(test_slabinfo)
{
	struct meminfo_slab s;
	struct lt_err err = { "" };
	char *buf;
	size_t len;
	int i;

	buf = fixture_read("memory/linux-3.10/slabinfo", &len);
	ck_assert_int_eq(meminfo_parse_slabinfo(buf, len, 4096, &s, &err), 0);
	free(buf);
	ck_assert_int_eq(s.readable, 1);
	ck_assert_int_eq(s.n, 5);
	/* xfs_inode 2040 slabs * 8 pages is the largest */
	ck_assert_str_eq(s.top[0].name, "xfs_inode");
	ck_assert_uint_eq(s.top[0].bytes, 2040ULL * 8 * 4096);
	ck_assert_str_eq(s.top[1].name, "dentry");
	ck_assert_uint_eq(s.top[1].objsize, 192);
	ck_assert_str_eq(s.top[3].name, "skbuff_head_cache");
	ck_assert_str_eq(s.top[4].name, "nf_conntrack_ffffffff81a26d80");
	ck_assert_uint_eq(s.top[3].bytes, 51ULL * 2 * 4096);
	ck_assert_uint_eq(s.total, (2ULL * 4 + 2040 * 8 + 6121 * 2 + 119 * 8 + 51 * 2) * 4096);

	buf = fixture_read("memory/linux-6.18/slabinfo", &len);
	ck_assert_int_eq(meminfo_parse_slabinfo(buf, len, 4096, &s, &err), 0);
	free(buf);
	ck_assert_int_eq(s.n, MEMINFO_SLAB_TOP);
	for (i = 1; i < s.n; i++)
		ck_assert_uint_ge(s.top[i - 1].bytes, s.top[i].bytes);
	ck_assert_str_eq(s.top[0].name, "ext4_inode_cache");
	ck_assert_uint_eq(s.top[0].bytes, 29376512);
}
END_TEST

START_TEST(test_smaps_rollup)
{
	static const char roll[] =
		"55d4c7a00000-7ffd3b5f7000 ---p 00000000 00:00 0    [rollup]\n"
		"Rss:                6528 kB\n"
		"Pss:                2113 kB\n"
		"Pss_Dirty:           840 kB\n"
		"Pss_Anon:            812 kB\n"
		"Pss_File:           1299 kB\n"
		"Pss_Shmem:             2 kB\n";
	uint64_t pss, anon, file, shmem;
	struct lt_err err = { "" };

	ck_assert_int_eq(meminfo_parse_smaps_rollup(roll, strlen(roll), &pss, &anon,
						    &file, &shmem, &err), 0);
	ck_assert_uint_eq(pss, 2113 * KB);
	ck_assert_uint_eq(anon, 812 * KB);
	ck_assert_uint_eq(file, 1299 * KB);
	ck_assert_uint_eq(shmem, 2 * KB);
	/* a kernel thread has an empty rollup */
	ck_assert_int_eq(meminfo_parse_smaps_rollup("", 0, &pss, &anon, &file,
						    &shmem, &err), 0);
	ck_assert_uint_eq(pss, 0);
	ck_assert_int_eq(meminfo_parse_smaps_rollup("Pss: lots\n", 10, &pss, &anon,
						    &file, &shmem, &err), -EBADMSG);
}
END_TEST

/* Read tests/fixtures/memory/GEN/NAME whole. */
static char *fixture_text(const char *gen, const char *name, size_t *len)
{
	const char *dir = getenv("LEAKTOP_FIXTURES");
	char path[1024], *text;

	snprintf(path, sizeof(path), "%s/memory/%s/%s", dir ? dir : "tests/fixtures", gen, name);
	ck_assert_int_eq(lt_read_file(path, &text, len, 1 << 20), 0);
	return text;
}

/* Before 4.14 there is no smaps_rollup: the fallback sums smaps (3.10's
 * layout), telling anon, file and shmem from each mapping's inode and name. */
START_TEST(test_smaps_3_10)
{
	static const char cut[] = "00400000-00401000 r-xp 0 fd:00 7 /x\nPss: 4 kB";
	uint64_t pss, anon, file, shmem;
	struct lt_err err = { "" };
	size_t len;
	char *text = fixture_text("linux-3.10", "smaps", &len);

	ck_assert_int_eq(meminfo_parse_smaps(text, len, &pss, &anon, &file, &shmem, &err), 0);
	ck_assert_uint_eq(pss, 1207 * KB);
	ck_assert_uint_eq(anon, 124 * KB);
	ck_assert_uint_eq(file, 59 * KB);
	ck_assert_uint_eq(shmem, 1024 * KB);
	free(text);
	/* the rollup of 4.19 has no Pss_Anon/File/Shmem (5.9+): PSS alone */
	text = fixture_text("linux-4.19", "smaps_rollup", &len);
	ck_assert_int_eq(meminfo_parse_smaps_rollup(text, len, &pss, &anon, &file, &shmem,
						    &err), 0);
	ck_assert_uint_eq(pss, 1207 * KB);
	ck_assert_uint_eq(anon + file + shmem, 0);
	free(text);
	/* empty (a kernel thread); a Pss before any mapping */
	ck_assert_int_eq(meminfo_parse_smaps("", 0, &pss, &anon, &file, &shmem, &err), 0);
	ck_assert_uint_eq(pss, 0);
	ck_assert_int_eq(meminfo_parse_smaps("Pss: 4 kB\n", 10, &pss, &anon, &file, &shmem,
					     &err), -EBADMSG);
	/* a cut file (no end of line) is not trusted */
	ck_assert_int_eq(meminfo_parse_smaps(cut, strlen(cut), &pss, &anon, &file, &shmem,
					     &err), -EBADMSG);
}
END_TEST

/* meminfo_read_pss_at reads smaps_rollup, or smaps with the fallback
 * forced: a 3.10 process directory has only smaps. */
START_TEST(test_read_pss_fallback)
{
	char root[] = "/tmp/leaktop-smaps.XXXXXX", path[600], cmd[700], *text;
	uint64_t pss, anon, file, shmem;
	struct lt_err err = { "" };
	size_t len;
	FILE *f;
	int dfd;

	text = fixture_text("linux-3.10", "smaps", &len);
	ck_assert_ptr_ne(mkdtemp(root), NULL);
	snprintf(path, sizeof(path), "%s/42", root);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/42/smaps", root);
	f = fopen(path, "w");
	ck_assert_ptr_ne(f, NULL);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	fclose(f);
	free(text);
	dfd = open(root, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(dfd, 0);
	fallback_reset();
	ck_assert_int_eq(meminfo_read_pss_at(dfd, 42, &pss, &anon, &file, &shmem), -ENOENT);
	ck_assert_int_eq(fallback_init("smaps_rollup", &err), 0);
	ck_assert_int_eq(meminfo_read_pss_at(dfd, 42, &pss, &anon, &file, &shmem), 0);
	ck_assert_uint_eq(pss, 1207 * KB);
	ck_assert_uint_eq(shmem, 1024 * KB);
	ck_assert_int_eq(meminfo_read_pss_at(dfd, 43, &pss, &anon, &file, &shmem), -ENOENT);
	fallback_reset();
	close(dfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(test_malformed)
{
	static const char *const bad[] = {
		"MemTotal 1000 kB\n",				/* no colon */
		"MemTotal:       abc kB\n",			/* not a number */
		"MemTotal:       99999999999999999999999 kB\n",	/* overflow */
		"MemTotal:       18014398509481984 kB\n",	/* * 1024 overflows */
		"MemTotal:       1000 MB\n",			/* wrong unit */
		"MemTotal:       1000\n",				/* no unit */
		"MemFree:        10 kB\n",			/* no MemTotal */
	};
	struct meminfo_raw m;
	struct lt_err err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.msg[0] = '\0';
		ck_assert_int_eq(meminfo_parse(bad[i], strlen(bad[i]), &m, &err), -EBADMSG);
		ck_assert_msg(strncmp(err.msg, "meminfo: ", 9) == 0, "cause: '%s'", err.msg);
	}
	/* MemFree larger than MemTotal is garbage, not a breakdown */
	{
		char *buf;
		size_t len;
		char *p;

		buf = fixture_read("memory/linux-4.19/meminfo", &len);
		p = strstr(buf, "MemFree:          115272");
		ck_assert_ptr_ne(p, NULL);
		memcpy(p, "MemFree:        99115272", 24);
		ck_assert_int_eq(meminfo_parse(buf, len, &m, &err), -EBADMSG);
		ck_assert_ptr_ne(strstr(err.msg, "exceeds"), NULL);
		free(buf);
	}
}
END_TEST

/* Cut every fixture at every byte: each prefix either fails with a cause or
 * parses to the same figures as the whole file (cut at a line end after all
 * required lines); never a crash or a different number. */
START_TEST(test_truncated_everywhere)
{
	static const char *const files[] = {
		"memory/linux-6.18/meminfo", "memory/linux-3.10/meminfo",
		"memory/linux-3.10/slabinfo", "memory/linux-4.19/sockstat",
	};
	struct lt_err err;
	size_t f;

	for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		size_t len, cut;
		char *full = fixture_read(files[f], &len);
		int is_mem = strstr(files[f], "meminfo") != NULL;
		int is_slab = strstr(files[f], "slabinfo") != NULL;
		struct meminfo_raw mfull, m;
		struct meminfo_slab sfull, s;
		struct meminfo_sockstat kfull, k;

		if (is_mem)
			ck_assert_int_eq(meminfo_parse(full, len, &mfull, &err), 0);
		else if (is_slab)
			ck_assert_int_eq(meminfo_parse_slabinfo(full, len, 4096, &sfull, &err), 0);
		else
			ck_assert_int_eq(meminfo_parse_sockstat(full, len, 4096, &kfull, &err), 0);
		for (cut = 0; cut < len; cut++) {
			/* a private copy of exactly cut bytes, so ASan sees any
			 * read past the end */
			char *p = malloc(cut ? cut : 1);
			int r;

			memcpy(p, full, cut);
			err.msg[0] = '\0';
			if (is_mem) {
				r = meminfo_parse(p, cut, &m, &err);
				if (r == 0) {
					ck_assert_uint_eq(m.total, mfull.total);
					ck_assert_uint_eq(m.free, mfull.free);
					ck_assert_uint_eq(m.anon_pages, mfull.anon_pages);
					ck_assert_uint_eq(m.slab_unreclaimable,
							  mfull.slab_unreclaimable);
				}
			} else if (is_slab) {
				r = meminfo_parse_slabinfo(p, cut, 4096, &s, &err);
				if (r == 0 && s.n > 0)
					ck_assert_uint_le(s.total, sfull.total);
			} else {
				r = meminfo_parse_sockstat(p, cut, 4096, &k, &err);
				if (r == 0 && k.tcp_mem)
					ck_assert_uint_eq(k.tcp_mem, kfull.tcp_mem);
			}
			if (r != 0) {
				ck_assert_int_eq(r, -EBADMSG);
				ck_assert_msg(err.msg[0] != '\0', "no cause at cut %zu", cut);
			}
			free(p);
		}
		free(full);
	}
}
END_TEST

START_TEST(test_read_fixture_tree)
{
	struct lt_err err = { "" };
	struct meminfo_raw m;
	struct meminfo_slab s;
	char root[4096];

	snprintf(root, sizeof(root), "%s/memory/linux-6.18", fixtures_dir());
	ck_assert_int_eq(meminfo_read(root, &m, &err), 0);
	ck_assert_uint_eq(m.total, 24684084 * KB);
	snprintf(root, sizeof(root), "%s/memory/no-such-kernel", fixtures_dir());
	ck_assert_int_eq(meminfo_read(root, &m, &err), -ENOENT);
	ck_assert_ptr_ne(strstr(err.msg, "cannot read"), NULL);
	/* no slabinfo (not root): readable stays 0, no error */
	ck_assert_int_eq(meminfo_read_slab(root, 4096, &s, &err), 0);
	ck_assert_int_eq(s.readable, 0);
}
END_TEST

Suite *meminfo_suite(void)
{
	Suite *s = suite_create("meminfo");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, test_breakdown_generations, 0,
			    sizeof(expects) / sizeof(expects[0]));
	tcase_add_test(tc, test_optional_fields);
	tcase_add_test(tc, test_kconfig_decides_stacks);
	tcase_add_test(tc, test_seed001_story);
	tcase_add_test(tc, test_sockstat);
	tcase_add_test(tc, test_socket_part);
	tcase_add_test(tc, test_slabinfo);
	tcase_add_test(tc, test_smaps_rollup);
	tcase_add_test(tc, test_smaps_3_10);
	tcase_add_test(tc, test_read_pss_fallback);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_truncated_everywhere);
	tcase_add_test(tc, test_read_fixture_tree);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

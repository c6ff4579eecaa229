/*
 * Unit tests of socket origins (core/origin.c, core/unwind.c): the
 * unwinder's glue on a stack slice and registers recorded here, in this
 * test program (its ELF has symbols and .eh_frame, as a distribution's
 * binary keeps .eh_frame when stripped), fed as the ring buffer would
 * bring it; then a finding's sockets grouped by path, and the words.
 * Nothing is loaded into the kernel.  Without origins in the build the
 * unwinder says so and the tests that need it check just that.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/types.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check_suites.h"
#include "leaktop/findings.h"
#include "leaktop/origin.h"
#include "leaktop/sample.h"
#include "../core/bpf/origin_rec.h"

static struct origin_rec rec;

/* The end of this thread's stack mapping ([stack]), 0 unknown. */
static uint64_t stack_end(uint64_t sp)
{
	unsigned long long lo, hi;
	char line[512];
	uint64_t end = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx-%llx", &lo, &hi) == 2 && sp >= lo && sp < hi)
			end = hi;
	if (f)
		fclose(f);
	return end;
}

/* Record what the origin tracer would at a socket() of this process: the
 * registers here and the stack from here up (the ring buffer's record). */
__attribute__((noinline)) static void origin_chain_c(void)
{
	uint64_t ip, sp, bp, bx, r12, r13, r14, r15, end;
	size_t len;
	int fd;

	__asm__ volatile("lea 0(%%rip), %0\n\t"
			 "mov %%rsp, %1\n\t"
			 "mov %%rbp, %2\n\t"
			 "mov %%rbx, %3\n\t"
			 "mov %%r12, %4\n\t"
			 "mov %%r13, %5\n\t"
			 "mov %%r14, %6\n\t"
			 "mov %%r15, %7"
			 : "=r"(ip), "=r"(sp), "=r"(bp), "=r"(bx), "=r"(r12), "=r"(r13),
			   "=r"(r14), "=r"(r15));
	memset(&rec, 0, sizeof(rec));
	rec.type = ORIGIN_REC_NEW;
	rec.tgid = (uint32_t)getpid();
	rec.pid = (uint32_t)syscall(SYS_gettid);
	rec.syscall = SYS_socket;
	rec.regs[3] = bx;
	rec.regs[6] = bp;
	rec.regs[7] = sp;
	rec.regs[12] = r12;
	rec.regs[13] = r13;
	rec.regs[14] = r14;
	rec.regs[15] = r15;
	rec.regs[16] = ip;
	end = stack_end(sp);
	len = end > sp && end - sp < ORIGIN_STACK_MAX ? (size_t)(end - sp) : ORIGIN_STACK_MAX;
	/* a raw copy, as the kernel makes it (memcpy would trip ASan on the
	 * redzones of the frames above) */
	rec.stack_len = 0;
	fd = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && pread(fd, rec.stack, len, (off_t)sp) == (ssize_t)len)
		rec.stack_len = (uint32_t)len;
	if (fd >= 0)
		close(fd);
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static void origin_chain_b(void)
{
	origin_chain_c();
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static void origin_chain_a(void)
{
	origin_chain_b();
	__asm__ volatile("" ::: "memory");
}

static int has_function(const struct origin_frame *fr, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(fr[i].function, name))
			return i;
	return -1;
}

START_TEST(test_unwind_recorded_slice)
{
	struct origin_frame fr[ORIGIN_MAX_FRAMES];
	struct unwind_cache *c = unwind_cache_new();
	struct lt_err err = { "" };
	int n, a, b, k, truncated = 0;

	ck_assert_ptr_nonnull(c);
	origin_chain_a();
	ck_assert_uint_gt(rec.stack_len, 64);
	n = unwind_stack(c, (int)rec.tgid, (int)rec.pid, (const uint64_t *)rec.regs, rec.stack,
			 rec.stack_len, fr, ORIGIN_MAX_FRAMES, &truncated, &err);
	if (!origin_built()) {
		ck_assert_int_eq(n, -ENOSYS);
		ck_assert_ptr_nonnull(strstr(err.msg, "not in this build"));
		unwind_cache_free(c);
		return;
	}
	ck_assert_msg(n >= 3, "unwound %d frames: %s", n, err.msg);
	/* the innermost frame is where the registers were taken */
	ck_assert_str_eq(fr[0].function, "origin_chain_c");
	b = has_function(fr, n, "origin_chain_b");
	a = has_function(fr, n, "origin_chain_a");
	ck_assert_int_eq(b, 1);
	ck_assert_int_eq(a, 2);
	/* and the test that called it, from the copy only */
	ck_assert_int_ge(has_function(fr, n, "test_unwind_recorded_slice_fn"), 3);
	for (k = 0; k < 3; k++) {
		ck_assert_ptr_nonnull(strstr(fr[k].module, "check_leaktop"));
		ck_assert_uint_eq(strlen(fr[k].build_id), 40);
		/* offset is pc in the module's own addresses: the PIE's bias
		 * taken off */
		ck_assert_uint_lt(fr[k].offset, fr[k].pc);
	}
	/* the same frames again from the cached modules */
	ck_assert_int_eq(unwind_stack(c, (int)rec.tgid, (int)rec.pid, (const uint64_t *)rec.regs,
				      rec.stack, rec.stack_len, fr, ORIGIN_MAX_FRAMES, NULL, &err), n);
	ck_assert_str_eq(fr[1].function, "origin_chain_b");
	/* a slice cut short ends the walk early, without a crash */
	n = unwind_stack(c, (int)rec.tgid, (int)rec.pid, (const uint64_t *)rec.regs, rec.stack,
			 16, fr, ORIGIN_MAX_FRAMES, &truncated, &err);
	ck_assert_int_ge(n, 1);
	ck_assert_int_le(n, 2);
	ck_assert_str_eq(fr[0].function, "origin_chain_c");
	/* a process that does not exist: a reason, no frames */
	ck_assert_int_lt(unwind_stack(c, 0x7ffffff0, 1, (const uint64_t *)rec.regs, rec.stack,
				      rec.stack_len, fr, ORIGIN_MAX_FRAMES, NULL, &err), 0);
	ck_assert_str_ne(err.msg, "");
	unwind_cache_free(c);
}
END_TEST

/* A sample with pid's socket inodes [first, first + n) and one finding. */
static void sample_with(struct sample *s, struct fd_owner *own, int pid, uint64_t first,
			size_t n, struct finding *f, enum finding_kind kind)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	s->census = 1;
	for (i = 0; i < n; i++) {
		own[i].inode = first + i;
		own[i].pid = pid;
		own[i].fd = (int32_t)(10 + i);
	}
	s->owners.owners = own;
	s->owners.nowners = n;
	memset(f, 0, sizeof(*f));
	f->kind = (uint8_t)kind;
	f->pid = pid;
	f->fd = -1;
	f->state = FINDING_CONFIRMED;
	s->findings.v = f;
	s->findings.n = 1;
}

START_TEST(test_group_and_words)
{
	struct origin *o = origin_new();
	struct fd_owner own[8];
	struct finding f;
	struct sample s;
	const struct origin_summary *sum;
	char words[640];
	int pid = getpid();

	ck_assert_ptr_nonnull(o);
	if (!origin_built()) {
		ck_assert_int_lt(origin_watch(o, pid), 0);
		ck_assert_ptr_nonnull(strstr(origin_why_off(o), "not in this build"));
		origin_free(o);
		return;
	}
	origin_chain_a();
	origin_watch_fake(o, pid);
	/* watching begins: the process holds two sockets already */
	sample_with(&s, own, pid, 100, 2, &f, FINDING_GHOST_SOCKETS);
	origin_update(o, &s, NULL);
	ck_assert_ptr_eq(s.origin, o);
	/* three sockets made since, two of them seen at one place */
	rec.inode = 102;
	ck_assert_int_eq(origin_feed(o, &rec, ORIGIN_REC_HDR_SIZE + rec.stack_len), 0);
	rec.inode = 103;
	ck_assert_int_eq(origin_feed(o, &rec, ORIGIN_REC_HDR_SIZE + rec.stack_len), 0);
	/* a record cut short is refused */
	ck_assert_int_eq(origin_feed(o, &rec, ORIGIN_REC_HDR_SIZE - 1), -EINVAL);
	sample_with(&s, own, pid, 100, 5, &f, FINDING_GHOST_SOCKETS);
	origin_update(o, &s, NULL);
	sum = origin_summary_of(o, &f);
	ck_assert_ptr_nonnull(sum);
	ck_assert_uint_eq(sum->total, 5);
	ck_assert_uint_eq(sum->traced, 2);
	ck_assert_uint_eq(sum->before, 2);
	ck_assert_uint_eq(sum->missed, 1);
	ck_assert_uint_eq(sum->ngroups, 1);
	ck_assert_uint_eq(sum->groups[0].count, 2);
	origin_group_words(o, sum, &sum->groups[0], words, sizeof(words));
	ck_assert_msg(!strncmp(words, "2 of its 5 ghost sockets were created at origin_chain_c (",
			       57), "%s", words);
	ck_assert_msg(strstr(words, ") <- origin_chain_b <- origin_chain_a <- ") != NULL, "%s",
		      words);
	origin_rest_words(sum, words, sizeof(words));
	ck_assert_msg(strstr(words, "2 of its 5 ghost sockets were created before leaktop "
			     "watched it; restart it under watch or keep --serve running") == words,
		      "%s", words);
	ck_assert_ptr_nonnull(strstr(words, "1 was not recorded"));
	ck_assert_ptr_nonnull(origin_next_step(sum));

	/* socket 103 closed: the next full census forgets it */
	own[3].inode = 104;
	s.owners.nowners = 4;
	origin_update(o, &s, NULL);
	sum = origin_summary_of(o, &f);
	ck_assert_ptr_nonnull(sum);
	ck_assert_uint_eq(sum->total, 4);
	ck_assert_uint_eq(sum->traced, 1);
	origin_group_words(o, sum, &sum->groups[0], words, sizeof(words));
	ck_assert_msg(!strncmp(words, "1 of its 4 ghost sockets", 24), "%s", words);

	/* a finding of one socket; a finding of a process not watched */
	sample_with(&s, own, pid, 100, 4, &f, FINDING_UNREAD_QUEUE);
	f.inode = 102;
	f.fd = 12;
	origin_update(o, &s, NULL);
	sum = origin_summary_of(o, &f);
	ck_assert_ptr_nonnull(sum);
	origin_group_words(o, sum, &sum->groups[0], words, sizeof(words));
	ck_assert_msg(!strncmp(words, "its socket was created at origin_chain_c (", 42), "%s",
		      words);
	/* the views' one line (socket view, fd table) is that sentence */
	{
		char brief[640];

		ck_assert_int_eq(origin_brief(o, &f, brief, sizeof(brief)), 1);
		ck_assert_str_eq(brief, words);
	}
	f.pid = pid + 1;
	ck_assert_ptr_null(origin_summary_of(o, &f));
	ck_assert_int_eq(origin_brief(o, &f, words, sizeof(words)), 0);
	ck_assert_str_eq(words, "");
	ck_assert_int_eq(origin_brief(NULL, &f, words, sizeof(words)), 0);
	origin_free(o);
}
END_TEST

/* Many traced sockets, half of them closed: the next full census forgets
 * exactly those, and every other one is still found (the table's
 * deletions move entries, never lose them). */
START_TEST(test_forget_closed)
{
	enum { N = 2000 };
	struct origin *o = origin_new();
	struct fd_owner *own = calloc(N + 1, sizeof(*own));
	const struct origin_summary *sum;
	struct finding f;
	struct sample s;
	int pid = getpid();
	size_t i;

	ck_assert_ptr_nonnull(o);
	ck_assert_ptr_nonnull(own);
	if (!origin_built()) {
		origin_free(o);
		free(own);
		return;
	}
	origin_chain_a();
	origin_watch_fake(o, pid);
	sample_with(&s, own, pid, 1, 1, &f, FINDING_FD_EXHAUSTION);
	origin_update(o, &s, NULL);	/* before watching: inode 1 */
	/* they all stay open while the events come, a few hundred a sample
	 * (at most ORIGIN_UNWINDS_PER_POLL are unwound per sample) */
	for (i = 0; i < N; i++) {
		own[1 + i].inode = 1000 + i;
		own[1 + i].pid = pid;
	}
	s.owners.nowners = 1 + N;
	for (i = 0; i < N; i++) {
		rec.inode = 1000 + i;
		ck_assert_int_eq(origin_feed(o, &rec, ORIGIN_REC_HDR_SIZE + rec.stack_len), 0);
		if (i % 400 == 399)
			origin_update(o, &s, NULL);
	}
	ck_assert_uint_eq(origin_nsockets(o), N);
	sum = origin_summary_of(o, &f);
	ck_assert_ptr_nonnull(sum);
	ck_assert_uint_eq(sum->traced, N);
	/* the census now sees inode 1 and the even ones */
	own[0].inode = 1;
	own[0].pid = pid;
	for (i = 0; i < N / 2; i++) {
		own[1 + i].inode = 1000 + 2 * i;
		own[1 + i].pid = pid;
		own[1 + i].fd = (int32_t)(10 + i);
	}
	s.owners.nowners = 1 + N / 2;
	origin_update(o, &s, NULL);
	ck_assert_uint_eq(origin_nsockets(o), N / 2);
	sum = origin_summary_of(o, &f);
	ck_assert_ptr_nonnull(sum);
	ck_assert_uint_eq(sum->total, 1 + N / 2);
	ck_assert_uint_eq(sum->traced, N / 2);
	ck_assert_uint_eq(sum->before, 1);
	ck_assert_uint_eq(sum->missed, 0);
	origin_free(o);
	free(own);
}
END_TEST

START_TEST(test_frame_words)
{
	struct origin_path p;
	char buf[400];

	memset(&p, 0, sizeof(p));
	p.nframes = 3;
	snprintf(p.frames[0].module, sizeof(p.frames[0].module), "/usr/lib/libc.so.6");
	snprintf(p.frames[0].function, sizeof(p.frames[0].function), "accept4");
	snprintf(p.frames[1].module, sizeof(p.frames[1].module), "/opt/gshell/bin/gshell");
	p.frames[1].offset = 0x1a2b;
	snprintf(p.frames[2].module, sizeof(p.frames[2].module), "/opt/gshell/bin/gshell");
	snprintf(p.frames[2].function, sizeof(p.frames[2].function), "serve\x1b[2Jloop");
	/* the C library's wrapper is not where the program made it */
	ck_assert_uint_eq(origin_path_first(&p), 1);
	origin_frame_words(&p.frames[1], buf, sizeof(buf));
	ck_assert_str_eq(buf, "gshell+0x1a2b");
	origin_addr2line(&p.frames[1], buf, sizeof(buf));
	ck_assert_str_eq(buf, "addr2line -f -e /opt/gshell/bin/gshell 0x1a2b");
	/* a name from the inspected machine's files is sanitised */
	origin_frame_words(&p.frames[2], buf, sizeof(buf));
	ck_assert_ptr_null(strchr(buf, '\x1b'));
	ck_assert_str_eq(origin_how_verb(ORIGIN_HOW_ACCEPT), "accepted");
}
END_TEST

Suite *origin_suite(void)
{
	Suite *s = suite_create("origin");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_unwind_recorded_slice);
	tcase_add_test(tc, test_group_and_words);
	tcase_add_test(tc, test_forget_closed);
	tcase_add_test(tc, test_frame_words);
	suite_add_tcase(s, tc);
	return s;
}

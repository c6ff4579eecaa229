/*
 * The unwinder of socket origins (include/leaktop/origin.h): a user stack
 * copied by the origin tracer, walked by libdw with the modules' CFI
 * (.eh_frame, .debug_frame where present), the way perf's --call-graph
 * dwarf does.  libdw does the DWARF work; this file only serves it the
 * captured registers and memory, and names the frames.
 *
 * One Dwfl per process, kept while the process lives (its modules from
 * /proc/PID/maps, their unwind tables parsed once): an event of a process
 * already seen costs a walk, not a re-read of its files.  A pc that no
 * module covers (a library loaded since) re-reports the modules once.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/types.h>

#include "leaktop/origin.h"
#include "bpf/origin_rec.h"

#ifdef HAVE_ORIGIN
#include <elfutils/libdwfl.h>
#include <elfutils/version.h>
#include <dwarf.h>
#endif

/* processes whose modules are kept */
#define UNWIND_PROCS	16

#ifdef HAVE_ORIGIN
/* What the callbacks serve for the walk under way. */
struct unwind_event {
	int tid;
	const uint64_t *regs;
	const unsigned char *stack;
	size_t len;
	int hit_end;		/* a read past the copy ended the walk */
};

struct unwind_proc {
	int pid;
	Dwfl *dwfl;
	int memfd;		/* /proc/PID/mem, -1 */
	unsigned long used;	/* for eviction: the last use */
	struct unwind_event *ev;
};

struct unwind_cache {
	struct unwind_proc p[UNWIND_PROCS];
	unsigned long clock;
};

static char *debuginfo_path;

static const Dwfl_Callbacks proc_callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.debuginfo_path = &debuginfo_path,
};

static pid_t next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	struct unwind_proc *p = arg;

	(void)dwfl;
	if (*thread_argp)
		return 0;
	*thread_argp = p;
	return p->ev ? p->ev->tid : 0;
}

static bool get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_argp)
{
	struct unwind_proc *p = arg;

	(void)dwfl;
	*thread_argp = p;
	return p->ev && tid == p->ev->tid;
}

/* A word of the process's memory at the event: from the copied stack, or,
 * away from the stack, from the live process (code and data do not move). */
static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	struct unwind_proc *p = arg;
	struct unwind_event *ev = p->ev;
	uint64_t sp = ev->regs[7];

	(void)dwfl;
	if (addr >= sp && addr - sp + sizeof(*result) <= ev->len) {
		memcpy(result, ev->stack + (addr - sp), sizeof(*result));
		return true;
	}
	/* the stack beyond the copy (or just below sp) was not kept: what is
	 * there now is another call's, so the walk ends here */
	if (addr >= sp - 128 && addr < sp + (64u << 20)) {
		if (addr >= sp)
			ev->hit_end = 1;
		return false;
	}
	if (p->memfd < 0)
		return false;
	return pread(p->memfd, result, sizeof(*result), (off_t)addr) == (ssize_t)sizeof(*result);
}

static bool set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	struct unwind_proc *p = arg;
	Dwarf_Word r[ORIGIN_NREGS];
	int i;

	for (i = 0; i < ORIGIN_NREGS; i++)
		r[i] = p->ev->regs[i];
	if (!dwfl_thread_state_registers(thread, 0, ORIGIN_NREGS, r))
		return false;
	dwfl_thread_state_register_pc(thread, p->ev->regs[16]);
	return true;
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = next_thread,
	.get_thread = get_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_initial_registers,
};

static void proc_drop(struct unwind_proc *p)
{
	if (p->dwfl)
		dwfl_end(p->dwfl);
	if (p->memfd >= 0)
		close(p->memfd);
	memset(p, 0, sizeof(*p));
	p->memfd = -1;
}

/* Report pid's modules into a new Dwfl and attach our thread state.
 * 0 or -errno with err set. */
static int proc_open(struct unwind_proc *p, int pid, uint64_t ip, struct lt_err *err)
{
	char path[64];
	Dwfl_Module *mod;
	Dwarf_Addr bias;
	Elf *elf;
	int r;

	p->pid = pid;
	p->memfd = -1;
	p->dwfl = dwfl_begin(&proc_callbacks);
	if (!p->dwfl)
		return lt_err_set(err, ENOMEM, "libdw: %s", dwfl_errmsg(-1));
	r = dwfl_linux_proc_report(p->dwfl, pid);
	dwfl_report_end(p->dwfl, NULL, NULL);
	if (r != 0) {
		r = r > 0 ? r : ESRCH;
		lt_err_set(err, r, "reading the modules of process %d: %s", pid, strerror(r));
		proc_drop(p);
		return -r;
	}
	/* the machine comes from the module of the pc (libdw wants one ELF) */
	mod = dwfl_addrmodule(p->dwfl, ip);
	elf = mod ? dwfl_module_getelf(mod, &bias) : NULL;
	if (!elf) {
		lt_err_set(err, ENOENT, "no module of process %d covers its pc 0x%llx", pid,
			   (unsigned long long)ip);
		proc_drop(p);
		return -ENOENT;
	}
	if (!dwfl_attach_state(p->dwfl, elf, pid, &thread_callbacks, p)) {
		lt_err_set(err, EINVAL, "libdw: %s", dwfl_errmsg(-1));
		proc_drop(p);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	p->memfd = open(path, O_RDONLY | O_CLOEXEC);
	return 0;
}

struct walk {
	Dwarf_Addr pc[ORIGIN_MAX_FRAMES];
	int activation[ORIGIN_MAX_FRAMES];
	size_t n, max;
};

static int frame_cb(Dwfl_Frame *state, void *arg)
{
	struct walk *w = arg;
	Dwarf_Addr pc;
	bool act;

	if (!dwfl_frame_pc(state, &pc, &act) || pc == 0)
		return DWARF_CB_ABORT;
	w->pc[w->n] = pc;
	w->activation[w->n] = act;
	w->n++;
	return w->n >= w->max ? DWARF_CB_ABORT : DWARF_CB_OK;
}

static void hex(const unsigned char *b, int n, char *out, size_t outsz)
{
	size_t o = 0;
	int i;

	out[0] = '\0';
	for (i = 0; i < n && o + 3 <= outsz; i++, o += 2)
		snprintf(out + o, 3, "%02x", b[i]);
}

/* Name the frame at pc (a return address unless activation). */
static void name_frame(Dwfl *dwfl, Dwarf_Addr pc, int activation, struct origin_frame *fr)
{
	Dwarf_Addr lookup = activation ? pc : pc - 1, bias = 0, start = 0, off = 0;
	const unsigned char *bits;
	GElf_Addr vaddr;
	const char *name, *mname;
	Dwfl_Module *mod;
	GElf_Sym sym;
	int n;

	memset(fr, 0, sizeof(*fr));
	fr->pc = pc;
	fr->offset = pc;
	mod = dwfl_addrmodule(dwfl, lookup);
	if (!mod)
		return;
	mname = dwfl_module_info(mod, NULL, &start, NULL, NULL, NULL, NULL, NULL);
	snprintf(fr->module, sizeof(fr->module), "%s", mname ? mname : "");
	if (dwfl_module_getelf(mod, &bias))
		fr->offset = pc - bias;
	else
		fr->offset = pc - start;
	name = dwfl_module_addrinfo(mod, lookup, &off, &sym, NULL, NULL, NULL);
	if (name) {
		snprintf(fr->function, sizeof(fr->function), "%s", name);
		fr->sym_off = off + (pc - lookup);
	}
	n = dwfl_module_build_id(mod, &bits, &vaddr);
	if (n > 0)
		hex(bits, n > 20 ? 20 : n, fr->build_id, sizeof(fr->build_id));
}

struct unwind_cache *unwind_cache_new(void)
{
	struct unwind_cache *c = calloc(1, sizeof(*c));
	int i;

	for (i = 0; c && i < UNWIND_PROCS; i++)
		c->p[i].memfd = -1;
	return c;
}

void unwind_cache_free(struct unwind_cache *c)
{
	int i;

	if (!c)
		return;
	for (i = 0; i < UNWIND_PROCS; i++)
		proc_drop(&c->p[i]);
	free(c);
}

void unwind_cache_forget(struct unwind_cache *c, int pid)
{
	int i;

	for (i = 0; c && i < UNWIND_PROCS; i++)
		if (c->p[i].dwfl && c->p[i].pid == pid)
			proc_drop(&c->p[i]);
}

/* pid's slot: its own, else a free one, else the least recently used. */
static struct unwind_proc *slot(struct unwind_cache *c, int pid, int *fresh)
{
	struct unwind_proc *lru = &c->p[0];
	int i;

	*fresh = 0;
	for (i = 0; i < UNWIND_PROCS; i++)
		if (c->p[i].dwfl && c->p[i].pid == pid)
			return &c->p[i];
	*fresh = 1;
	for (i = 0; i < UNWIND_PROCS; i++) {
		if (!c->p[i].dwfl)
			return &c->p[i];
		if (c->p[i].used < lru->used)
			lru = &c->p[i];
	}
	proc_drop(lru);
	return lru;
}

int unwind_stack(struct unwind_cache *c, int pid, int tid, const uint64_t *regs,
		 const void *stack, size_t len, struct origin_frame *out, size_t max,
		 int *truncated, struct lt_err *err)
{
	struct unwind_event ev = { .tid = tid, .regs = regs, .stack = stack, .len = len };
	struct unwind_proc *p;
	struct walk w;
	int fresh, again, r;
	size_t i;

	if (truncated)
		*truncated = 0;
	if (max == 0)
		return lt_err_set(err, EINVAL, "no room for frames");
	for (again = 0; again < 2; again++) {
		p = slot(c, pid, &fresh);
		if (fresh && (r = proc_open(p, pid, regs[16], err)) < 0)
			return r;
		p->used = ++c->clock;
		p->ev = &ev;
		memset(&w, 0, sizeof(w));
		w.max = max < ORIGIN_MAX_FRAMES ? max : ORIGIN_MAX_FRAMES;
		ev.hit_end = 0;
		/* 0 when the walk reached the outermost frame; -1 when it
		 * stopped early (a read past the copy, no CFI): the frames
		 * so far stand either way */
		dwfl_getthread_frames(p->dwfl, tid, frame_cb, &w);
		p->ev = NULL;
		/* a pc outside every module: a library loaded since the
		 * modules were read; read them again, once */
		for (i = 0; i < w.n; i++)
			if (!dwfl_addrmodule(p->dwfl, w.activation[i] ? w.pc[i] : w.pc[i] - 1))
				break;
		if (w.n > 0 && (i == w.n || fresh || again))
			break;
		proc_drop(p);
	}
	if (w.n == 0)
		return lt_err_set(err, ENOENT, "no frame could be read in process %d", pid);
	for (i = 0; i < w.n; i++)
		name_frame(p->dwfl, w.pc[i], w.activation[i], &out[i]);
	if (truncated)
		*truncated = ev.hit_end;
	return (int)w.n;
}

void unwind_version(char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "libdw %d.%d, socket origins built in",
		 _ELFUTILS_VERSION / 1000, _ELFUTILS_VERSION % 1000);
}

#else	/* no origins in this build */

struct unwind_cache {
	int unused;
};

struct unwind_cache *unwind_cache_new(void)
{
	return calloc(1, sizeof(struct unwind_cache));
}

void unwind_cache_free(struct unwind_cache *c)
{
	free(c);
}

void unwind_cache_forget(struct unwind_cache *c, int pid)
{
	(void)c;
	(void)pid;
}

int unwind_stack(struct unwind_cache *c, int pid, int tid, const uint64_t *regs,
		 const void *stack, size_t len, struct origin_frame *out, size_t max,
		 int *truncated, struct lt_err *err)
{
	(void)c;
	(void)pid;
	(void)tid;
	(void)regs;
	(void)stack;
	(void)len;
	(void)out;
	(void)max;
	if (truncated)
		*truncated = 0;
	return lt_err_set(err, ENOSYS, "origin: not in this build (no libdw or BPF)");
}

void unwind_version(char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "none: origin: not in this build (it needs BPF and libdw)");
}

#endif

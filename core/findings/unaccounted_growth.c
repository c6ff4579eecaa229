/*
 * unaccounted_growth: kernel memory that no counter of /proc/meminfo
 * names keeps growing while user memory stays flat; socket queues or slab
 * caches may explain it.
 */
#include <math.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "leaktop/actions.h"
#include "leaktop/findings.h"
#include "leaktop/sample.h"
#include "leaktop/sample_clock.h"
#include "leaktop/units.h"
#include "../alloc_hook.h"
#include "findings_int.h"

/* Adds this sample's point to the series, then looks at the slope. */
static int unaccounted_growth_sample(struct findings_ctx *x)
{
	const struct findings_config *c = x->c;
	const struct sample *s = x->s;
	struct findings_mem_series *mem = x->mem;
	const struct meminfo_breakdown *m = &s->mem;
	double span, gu, ga, gq;
	char b1[32], b2[32], b3[32], slabs[160] = "";
	struct finding *f;
	int i, j;

	mem_series_push(&mem->ms, &s->mem, &s->slab, sample_steady_time(s));
	if (!mem->have_first_slab && s->slab.readable) {
		mem->first_slab = s->slab;
		mem->have_first_slab = 1;
	}
	span = mem_series_span(&mem->ms);
	if (mem->ms.n < 3 || span < c->unaccounted_window_s)
		return 0;
	gu = mem_series_slope(&mem->ms, MEMS_UNACC);
	ga = mem_series_slope(&mem->ms, MEMS_ANON);
	gq = mem_series_slope(&mem->ms, MEMS_SOCKETS);
	if (findings_mem_growing(c, gu, span) && fabs(ga) < gu / 2) {
		double share = gq > 0 ? 100 * gq / gu : 0;

		if (share > 100)
			share = 100;
		/* name the slab caches that grew since the first sample */
		for (i = 0; s->slab.readable && i < s->slab.n; i++) {
			uint64_t was = 0;

			for (j = 0; j < mem->first_slab.n; j++)
				if (!strcmp(mem->first_slab.top[j].name, s->slab.top[i].name))
					was = mem->first_slab.top[j].bytes;
			if (s->slab.top[i].bytes > was + (1 << 20))
				snprintf(slabs + strlen(slabs), sizeof(slabs) - strlen(slabs),
					 "%s%.40s +%s", slabs[0] ? ", " : "", s->slab.top[i].name,
					 units_size(s->slab.top[i].bytes - was, b3, sizeof(b3)));
		}
		{
			/* a note when the socket findings explain it */
			struct findings_impact im = {
				.note = share >= 50, .fd_left_s = -1, .growth_bps = gu,
				.bytes = m->unaccounted > 0 ? (uint64_t)m->unaccounted : 0,
				.mem_available = m->available, .pressure_room = -1 };

			f = findings_rule_add(x, FINDING_UNACCOUNTED_GROWTH,
				findings_severity(c, &im, NULL, 0));
		}
		if (!f)
			return -ENOMEM;
		f->observed_s = span;
		f->score = gu;
		snprintf(f->summary, sizeof(f->summary),
			 "kernel memory that no counter explains grows by %s/s while user "
			 "memory stays flat; socket queues explain %.0f %% of it",
			 units_size((uint64_t)gu, b1, sizeof(b1)), share);
		snprintf(f->evidence, sizeof(f->evidence),
			 "unaccounted %s, %+.0f B/s over %.0f s; user anon %+.0f B/s; socket "
			 "queues %s, %+.0f B/s%s%s", units_size((uint64_t)(m->unaccounted > 0 ?
			 m->unaccounted : 0), b2, sizeof(b2)), gu, span, ga,
			 units_size(m->socket_queues, b3, sizeof(b3)), gq,
			 slabs[0] ? "; growing slab caches: " : "", slabs);
		snprintf(f->explanation, sizeof(f->explanation),
			 "MemTotal minus every known category (free, cache, shmem, user "
			 "anonymous memory, slab, page tables, stacks, vmalloc, percpu, "
			 "hugetlb) keeps growing: the kernel is allocating pages no counter "
			 "names. %s",
			 share >= 50 ? "Socket receive queues account for most of it: see "
				       "the unread-queue findings." :
			 slabs[0] ? "Socket queues do not explain it; the slab caches "
				    "named in the evidence grew: a kernel module or driver "
				    "may be leaking (kmemleak can confirm)." :
				    "Socket queues do not explain it and no slab cache "
				    "grew: pages taken straight from the page allocator "
				    "(drivers, page frags). kmemleak or page_owner can tell.");
	}
	return 0;
}

static void unaccounted_growth_steps(const struct finding *f, struct findings_steps *st)
{
	(void)f;
	findings_rule_step(st, "Collect: cat /proc/meminfo /proc/slabinfo (twice, a "
			   "minute apart); slabtop -o; cat /proc/vmallocinfo | sort -k2 -n | tail");
	findings_rule_step(st, "Confirm: name the slab cache or vmalloc user that grows "
			   "by the same amount; a kernel module or driver is the usual owner");
	findings_rule_step(st, "Fix: the kernel or the module that leaks (update it); "
			   "kmemleak (echo scan > /sys/kernel/debug/kmemleak) finds unreferenced "
			   "objects on a debug kernel");
	findings_rule_step(st, "Verify: leaktop's unaccounted line stays flat after the "
			   "change");
}

const struct findings_kind_entry findings_kind_unaccounted_growth = {
	.kind = FINDING_UNACCOUNTED_GROWTH,
	.name = "unaccounted_growth",
	.about = FINDINGS_ABOUT_MACHINE,
	.sample = unaccounted_growth_sample,
	.next_steps = unaccounted_growth_steps,
};

/*
 * socket_memory_pressure: TCP or UDP socket memory near the kernel's
 * pressure value (net.ipv4.tcp_mem, udp_mem), where it shrinks every
 * socket's buffers and then drops.  The findings that pin socket memory
 * explain it; its summary names the biggest (names_cause).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "leaktop/actions.h"
#include "leaktop/findings.h"
#include "leaktop/sample.h"
#include "leaktop/units.h"
#include "../alloc_hook.h"
#include "findings_int.h"

static int socket_memory_pressure_sample(struct findings_ctx *x)
{
	const struct findings_config *c = x->c;
	const struct sample *s = x->s;
	const struct meminfo_breakdown *m = &s->mem;
	static const char *const name[2] = { "TCP", "UDP" };
	const uint64_t used[2] = { m->sockstat_tcp, m->sockstat_udp };
	const uint64_t *lim[2] = { s->tcp_mem_limits, s->udp_mem_limits };
	char b1[32], b2[32], b3[32];
	struct finding *f;
	int i;

	if (!s->have_mem_limits)
		return 0;
	for (i = 0; i < 2; i++) {
		double pct = lim[i][1] ? 100.0 * (double)used[i] / (double)lim[i][1] : 0;

		if (pct < c->pressure_pct)
			continue;
		{
			struct findings_impact im = { .bytes = used[i], .fd_left_s = -1 };

			findings_impact_machine(s, i == 0, &im);
			f = findings_rule_add(x, FINDING_SOCKET_MEMORY_PRESSURE,
				findings_severity(c, &im, NULL, 0));
		}
		if (!f)
			return -ENOMEM;
		f->score = pct;
		snprintf(f->summary, sizeof(f->summary),
			 "%s socket memory is at %.0f %% of the kernel's pressure "
			 "threshold", name[i], pct);
		snprintf(f->evidence, sizeof(f->evidence),
			 "%s in %s sockets; net.ipv4.%s_mem: pressure %s, max %s",
			 units_size(used[i], b1, sizeof(b1)), name[i], i ? "udp" : "tcp",
			 units_size(lim[i][1], b2, sizeof(b2)), units_size(lim[i][2], b3, sizeof(b3)));
		snprintf(f->explanation, sizeof(f->explanation),
			 "Above the pressure threshold the kernel shrinks socket "
			 "buffers; at the maximum it refuses new socket memory and "
			 "drops packets for every socket of the protocol on this "
			 "machine. Find the sockets holding it (the unread-queue "
			 "findings) before raising %s_mem.", i ? "udp" : "tcp");
	}
	return 0;
}

static void socket_memory_pressure_steps(const struct finding *f, struct findings_steps *st)
{
	(void)f;
	findings_rule_step(st, "Collect: cat /proc/net/sockstat /proc/net/sockstat6; "
			   "sysctl net.ipv4.tcp_mem net.ipv4.udp_mem; leaktop -b -n 1 --format json "
			   "(the sockets pinning most)");
	findings_rule_step(st, "Confirm: the caused_by findings hold most of the bytes");
	findings_rule_step(st, "Fix: the programs behind those findings; raising tcp_mem "
			   "or udp_mem only moves the limit");
	findings_rule_step(st, "Verify: the TCP/UDP pages in /proc/net/sockstat stay below "
			   "the pressure threshold");
}

const struct findings_kind_entry findings_kind_socket_memory_pressure = {
	.kind = FINDING_SOCKET_MEMORY_PRESSURE,
	.name = "socket_memory_pressure",
	.about = FINDINGS_ABOUT_MACHINE,
	.names_cause = 1,
	.sample = socket_memory_pressure_sample,
	.next_steps = socket_memory_pressure_steps,
};

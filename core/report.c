/*
 * Batch output: JSON Lines (the contract in doc/leaktop.1 and DESIGN.md) and
 * the text table.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "leaktop/report.h"

char *report_size(uint64_t bytes, char *out, size_t outsz)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(out, outsz, "%" PRIu64 " B", bytes);
	else
		snprintf(out, outsz, "%.1f %s", v, units[u]);
	return out;
}

/* Length of a valid UTF-8 sequence at p (at most n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
	    (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

void report_json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p);

	fputc('"', f);
	while (n > 0) {
		size_t l = utf8_len(p, n);

		if (l == 0) {
			fputs("\\ufffd", f);
			p++;
			n--;
			continue;
		}
		if (l == 1) {
			if (*p == '"' || *p == '\\')
				fprintf(f, "\\%c", *p);
			else if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		} else {
			fwrite(p, 1, l, f);
		}
		p += l;
		n -= l;
	}
	fputc('"', f);
}

static void json_memory(FILE *f, const struct sample *s)
{
	const struct meminfo_breakdown *m = &s->mem;
	int i;

	fprintf(f, "\"memory\":{\"total\":%" PRIu64 ",\"free\":%" PRIu64
		",\"available\":%" PRIu64 ",\"page_cache\":%" PRIu64
		",\"buffers\":%" PRIu64 ",\"shmem\":%" PRIu64
		",\"user_anon\":%" PRIu64 ",\"kernel_known\":%" PRIu64
		",\"unaccounted\":%" PRId64,
		m->total, m->free, m->available, m->page_cache, m->buffers,
		m->shmem, m->user_anon, m->kernel_known, m->unaccounted);
	fputs(",\"parts\":[\"free\",\"page_cache\",\"buffers\",\"shmem\","
	      "\"user_anon\",\"kernel_known\",\"unaccounted\"]", f);
	fprintf(f, ",\"user_pss\":%" PRIu64 ",\"user_pss_anon\":%" PRIu64
		",\"user_pss_file\":%" PRIu64 ",\"user_pss_shmem\":%" PRIu64
		",\"user_pss_processes\":%d,\"user_pss_hidden\":%d"
		",\"user_pss_age\":%.1f",
		m->pss.pss, m->pss.anon, m->pss.file, m->pss.shmem,
		m->pss.procs, m->pss.hidden, s->pss_age);
	fprintf(f, ",\"kernel\":{\"slab_reclaimable\":%" PRIu64
		",\"slab_unreclaimable\":%" PRIu64 ",\"kernel_stack\":%" PRIu64
		",\"stacks_in_vmalloc\":%s,\"page_tables\":%" PRIu64
		",\"vmalloc\":%" PRIu64 ",\"percpu\":%" PRIu64
		",\"hugetlb\":%" PRIu64 ",\"zswap\":%" PRIu64 "}",
		m->slab_reclaimable, m->slab_unreclaimable, m->kernel_stack,
		m->stacks_in_vmalloc ? "true" : "false", m->page_tables,
		m->vmalloc, m->percpu, m->hugetlb, m->zswap);
	fprintf(f, ",\"socket_queues\":%" PRIu64 ",\"socket_queues_source\":\"%s\""
		",\"sockstat_tcp_mem\":%" PRIu64 ",\"sockstat_udp_mem\":%" PRIu64,
		m->socket_queues, m->socket_queues_from_census ? "census" : "sockstat",
		m->sockstat_tcp, m->sockstat_udp);
	fputs(",\"slab_top\":", f);
	if (!s->slab.readable) {
		fputs("null", f);
	} else {
		fputc('[', f);
		for (i = 0; i < s->slab.n; i++) {
			fputs(i ? ",{\"name\":" : "{\"name\":", f);
			report_json_string(f, s->slab.top[i].name);
			fprintf(f, ",\"bytes\":%" PRIu64 ",\"objects\":%" PRIu64
				",\"objsize\":%" PRIu64 "}", s->slab.top[i].bytes,
				s->slab.top[i].active_objs, s->slab.top[i].objsize);
		}
		fputc(']', f);
	}
	fputc('}', f);
}

static void json_hidden(FILE *f, const struct sample *s)
{
	int first = 1;

	fputs(",\"hidden\":[", f);
	if (s->hidden & SAMPLE_HIDDEN_SLAB) {
		fputs("\"slabinfo\"", f);
		first = 0;
	}
	if (s->hidden & SAMPLE_HIDDEN_PSS)
		fputs(first ? "\"pss\"" : ",\"pss\"", f);
	fputc(']', f);
}

int report_json(FILE *f, const struct sample *s)
{
	fprintf(f, "{\"time\":%.3f,\"interval\":%.3f,\"seq\":%u,", s->time,
		s->interval, s->seq);
	json_memory(f, s);
	json_hidden(f, s);
	fputs("}\n", f);
	return ferror(f) ? -1 : 0;
}

static void text_line(FILE *f, const char *label, uint64_t v, uint64_t total)
{
	char b[32];

	fprintf(f, "  %-24s %12s %6.1f%%\n", label, report_size(v, b, sizeof(b)),
		total ? 100.0 * (double)v / (double)total : 0.0);
}

int report_text(FILE *f, const struct sample *s)
{
	const struct meminfo_breakdown *m = &s->mem;
	char b1[32], b2[32], b3[32], b4[32], when[64];
	time_t t = (time_t)s->time;
	struct tm tm;
	int i;

	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(f, "sample %u at %s", s->seq, when);
	if (s->interval > 0)
		fprintf(f, " (%.2f s after the previous one)", s->interval);
	fprintf(f, "\nMEMORY                     %12s  of MemTotal\n",
		report_size(m->total, b1, sizeof(b1)));
	text_line(f, "free", m->free, m->total);
	text_line(f, "page cache", m->page_cache, m->total);
	text_line(f, "buffers", m->buffers, m->total);
	text_line(f, "shmem", m->shmem, m->total);
	text_line(f, "user (anon pages)", m->user_anon, m->total);
	text_line(f, "kernel known", m->kernel_known, m->total);
	fprintf(f, "    slab %s reclaimable + %s unreclaimable, stacks %s%s,\n"
		"    page tables %s, ",
		report_size(m->slab_reclaimable, b1, sizeof(b1)),
		report_size(m->slab_unreclaimable, b2, sizeof(b2)),
		report_size(m->kernel_stack, b3, sizeof(b3)),
		m->stacks_in_vmalloc ? " (inside vmalloc)" : "",
		report_size(m->page_tables, b4, sizeof(b4)));
	fprintf(f, "vmalloc %s, percpu %s, hugetlb %s\n",
		report_size(m->vmalloc, b1, sizeof(b1)),
		report_size(m->percpu, b2, sizeof(b2)),
		report_size(m->hugetlb, b3, sizeof(b3)));
	if (m->unaccounted >= 0)
		text_line(f, "UNACCOUNTED", (uint64_t)m->unaccounted, m->total);
	else
		fprintf(f, "  %-24s -%11s (the kernel's lines overlap)\n", "UNACCOUNTED",
			report_size((uint64_t)-m->unaccounted, b1, sizeof(b1)));
	fprintf(f, "  held by socket queues: %s (part of the kernel lines; %s)\n",
		report_size(m->socket_queues, b1, sizeof(b1)),
		m->socket_queues_from_census ? "sum of rmem over all sockets"
					     : "sockstat TCP+UDP pages");
	fprintf(f, "  user PSS: %s (anon %s, file %s, shmem %s) over %d processes, "
		"read %.0f s ago\n",
		report_size(m->pss.pss, b1, sizeof(b1)),
		report_size(m->pss.anon, b2, sizeof(b2)),
		report_size(m->pss.file, b3, sizeof(b3)),
		report_size(m->pss.shmem, b4, sizeof(b4)), m->pss.procs, s->pss_age);
	if (s->slab.readable && s->slab.n > 0) {
		fputs("  top slab caches:", f);
		for (i = 0; i < s->slab.n && i < 5; i++)
			fprintf(f, "%s %.63s %s", i ? "," : "", s->slab.top[i].name,
				report_size(s->slab.top[i].bytes, b1, sizeof(b1)));
		fputc('\n', f);
	}
	if (s->hidden & SAMPLE_HIDDEN_SLAB)
		fputs("  hidden: slab caches (/proc/slabinfo needs root)\n", f);
	if (s->hidden & SAMPLE_HIDDEN_PSS)
		fprintf(f, "  hidden: PSS of %d processes (%s)\n", m->pss.hidden,
			s->as_root ? "smaps_rollup refused even to root: ptrace policy"
				   : "other users' processes: run as root");
	fputc('\n', f);
	return ferror(f) ? -1 : 0;
}

/*
 * The origins frame of a recording (format 4.2, doc/recording-format.md):
 * where the sockets of a sample's findings were created, so a replay and a
 * postmortem made from the file say it as the live run did.
 *
 * The payload: the sample's seq; the watched pids and the traced sockets'
 * count; then one entry per finding with a summary: the finding's place in
 * the sample's list and its identity (kind, pid, fd, inode, netns: the
 * reader finds it again by them), the summary's counts and, per group, its
 * count and its whole call path (a path is written with every group that
 * names it: a few hundred bytes, and the frame stays self-contained).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "leaktop/findings.h"
#include "leaktop/origin.h"
#include "leaktop/sample.h"
#include "rec_int.h"

#define MAX_ORIGIN_SUMS	65536
#define MAX_ORIGIN_WATCHED 65536

void rec_enc_origins(struct buf *b, const struct sample *s)
{
	const struct origin *o = s->origin;
	const struct origin_summary *sum;
	const struct finding *key;
	size_t i, n = origin_nsums(o);
	uint32_t g, k;

	rec_put_u(b, origin_nwatched(o));
	for (i = 0; i < origin_nwatched(o); i++)
		rec_put_i(b, origin_watched_pid(o, i));
	rec_put_u(b, origin_nsockets(o));
	rec_put_u(b, n);
	for (i = 0; i < n; i++) {
		size_t at;

		key = origin_sum_at(o, i, &sum);
		for (at = 0; at < s->findings.n; at++)
			if (findings_same(&s->findings.v[at], key))
				break;
		rec_put_u(b, at);	/* == n: not in the list (the reader looks) */
		rec_put_u(b, key->kind);
		rec_put_i(b, key->pid);
		rec_put_i(b, key->fd);
		rec_put_u(b, key->inode);
		rec_put_u(b, key->netns);
		rec_put_u(b, origin_what_code(sum->what));
		rec_put_u(b, sum->total);
		rec_put_u(b, sum->traced);
		rec_put_u(b, sum->before);
		rec_put_u(b, sum->missed);
		rec_put_u(b, sum->ngroups);
		for (g = 0; g < sum->ngroups; g++) {
			const struct origin_path *p = origin_path(o, sum->groups[g].path);

			rec_put_u(b, sum->groups[g].count);
			rec_put_u(b, p ? p->how : 0);
			rec_put_u(b, p ? p->truncated : 0);
			rec_put_u(b, p ? p->hits : 0);
			rec_put_u(b, p ? p->nframes : 0);
			for (k = 0; p && k < p->nframes; k++) {
				const struct origin_frame *fr = &p->frames[k];

				rec_put_u(b, fr->pc);
				rec_put_u(b, fr->offset);
				rec_put_u(b, fr->sym_off);
				rec_put_s(b, fr->module);
				rec_put_s(b, fr->function);
				rec_put_s(b, fr->build_id);
			}
		}
	}
}

/* The finding of s the entry names: at its place when it is the one, else
 * the first with its identity; NULL when none is. */
static const struct finding *find_key(const struct sample *s, uint64_t at, unsigned kind,
				      int64_t pid, int64_t fd, uint64_t inode, uint64_t netns)
{
	size_t i;

	for (i = 0; i <= s->findings.n; i++) {
		size_t j = i == 0 ? (size_t)at : i - 1;
		const struct finding *f;

		if (j >= s->findings.n || (i > 0 && j == at))
			continue;
		f = &s->findings.v[j];
		if (f->kind == kind && f->pid == pid && f->fd == fd && f->inode == inode &&
		    f->netns == netns)
			return f;
	}
	return NULL;
}

int rec_dec_origins(struct cur *c, const struct sample *s, struct origin **out)
{
	struct origin *o = origin_replayed();
	struct origin_path *p = NULL;
	uint64_t n, i, g, k, nf, ng, what;
	int r = -EBADMSG;

	*out = NULL;
	if (!o || !(p = malloc(sizeof(*p)))) {
		r = -ENOMEM;
		goto fail;
	}
	n = rec_get_u(c);
	if (c->bad || n > MAX_ORIGIN_WATCHED || n > (uint64_t)(c->e - c->p))
		goto fail;
	for (i = 0; i < n; i++) {
		int64_t pid = rec_get_i(c);

		if (c->bad || pid <= 0 || pid > INT32_MAX)
			goto fail;
		if ((r = origin_replayed_watched(o, (int)pid)) < 0)
			goto fail;
		r = -EBADMSG;
	}
	origin_replayed_nsockets(o, (size_t)rec_get_u(c));
	n = rec_get_u(c);
	if (c->bad || n > MAX_ORIGIN_SUMS || n > (uint64_t)(c->e - c->p))
		goto fail;
	for (i = 0; i < n; i++) {
		struct origin_summary sum;
		const struct finding *key;
		uint64_t at = rec_get_u(c), inode, netns;
		unsigned kind = (unsigned)rec_get_u(c);
		int64_t pid = rec_get_i(c), fd = rec_get_i(c);

		inode = rec_get_u(c);
		netns = rec_get_u(c);
		memset(&sum, 0, sizeof(sum));
		what = rec_get_u(c);
		sum.what = origin_what_word((unsigned)what);
		sum.total = (uint32_t)rec_get_u(c);
		sum.traced = (uint32_t)rec_get_u(c);
		sum.before = (uint32_t)rec_get_u(c);
		sum.missed = (uint32_t)rec_get_u(c);
		ng = rec_get_u(c);
		if (c->bad || !sum.what || ng > ORIGIN_MAX_GROUPS)
			goto fail;
		sum.ngroups = (uint32_t)ng;
		for (g = 0; g < ng; g++) {
			memset(p, 0, sizeof(*p));
			sum.groups[g].count = (uint32_t)rec_get_u(c);
			p->how = (uint8_t)rec_get_u(c);
			p->truncated = rec_get_u(c) != 0;
			p->hits = rec_get_u(c);
			nf = rec_get_u(c);
			if (c->bad || nf > ORIGIN_MAX_FRAMES)
				goto fail;
			p->nframes = (uint32_t)nf;
			for (k = 0; k < nf; k++) {
				struct origin_frame *fr = &p->frames[k];

				fr->pc = rec_get_u(c);
				fr->offset = rec_get_u(c);
				fr->sym_off = rec_get_u(c);
				rec_get_s(c, fr->module, sizeof(fr->module));
				rec_get_s(c, fr->function, sizeof(fr->function));
				rec_get_s(c, fr->build_id, sizeof(fr->build_id));
			}
			if (c->bad)
				goto fail;
			if ((r = origin_replayed_path(o, p, &sum.groups[g].path)) < 0)
				goto fail;
			r = -EBADMSG;
		}
		/* a finding the sample does not hold (a --cgroup cut): left out */
		key = find_key(s, at, kind, pid, fd, inode, netns);
		if (key && (r = origin_replayed_summary(o, key, &sum)) < 0)
			goto fail;
		r = -EBADMSG;
	}
	if (c->bad)
		goto fail;
	free(p);
	*out = o;
	return 0;
fail:
	if (c->oom)
		r = -ENOMEM;
	free(p);
	origin_free(o);
	return r;
}

/*
 * Cell text and colours that several views show alike, so that no view
 * borrows another's helpers: one socket's fields (the Sockets pane, the fd
 * table, the socket details), a severity's colour (the Findings pane, the
 * strip, the evidence view), a recorded event in words (the event list,
 * the replay marker).  It knows no view.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "format.h"
#include "leaktop/actions.h"
#include "leaktop/common.h"
#include "leaktop/findings.h"
#include "leaktop/history.h"
#include "leaktop/record.h"
#include "leaktop/sample.h"
#include "leaktop/socket.h"
#include "rows.h"
#include "theme.h"

void rows_sock_field(const struct sample *s, size_t i, enum rows_sock_field f,
		    int width, char *buf, size_t sz)
{
	const struct ltsock *k = &s->socks.v[i];
	const struct sock_rate *r = &s->rates[i];
	char raw[256];
	unsigned bit;
	size_t len;

	switch (f) {
	case ROWS_SOCK_PROTO:
		snprintf(buf, sz, "%s%s", ltsock_proto_name(k),
			 k->family == AF_INET6 ? "6" : "");
		break;
	case ROWS_SOCK_LOCAL:
	case ROWS_SOCK_PEER:
		lt_sanitize(ltsock_format_addr(k, f == ROWS_SOCK_PEER, raw, sizeof(raw)),
			    buf, sz);
		break;
	case ROWS_SOCK_RECVQ:
		format_size(ltsock_recv_q(k), width, buf, sz);
		break;
	case ROWS_SOCK_SENDQ:
		format_size(ltsock_send_held(k), width, buf, sz);
		break;
	case ROWS_SOCK_MEM:
		format_size(ltsock_mem(k), width, buf, sz);
		break;
	case ROWS_SOCK_RCVBUF:
		if (k->have & LTSOCK_HAVE_SKMEM)
			format_size(k->m->rcvbuf, width, buf, sz);
		else
			snprintf(buf, sz, "-");
		break;
	case ROWS_SOCK_FILL:
		format_pct(ltsock_fill_pct(k), width, buf, sz);
		break;
	case ROWS_SOCK_DROPS:
		format_num(r->drops_ps, r->known && (k->have & LTSOCK_HAVE_DROPS), width,
			   buf, sz);
		break;
	case ROWS_SOCK_GROWTH:
		format_rate(r->growth_bps, r->known, width, buf, sz);
		break;
	case ROWS_SOCK_FLAGS:
		buf[0] = '\0';
		for (bit = 1; bit <= SOCK_FLAG_SEND_STALLED; bit <<= 1) {
			if (!(r->flags & bit))
				continue;
			len = strlen(buf);
			snprintf(buf + len, sz - len, "%s%s", len ? "," : "",
				 history_flag_name(bit));
		}
		break;
	case ROWS_SOCK_STATE:
		snprintf(buf, sz, "%s", ltsock_state_name(k));
		break;
	}
}

int rows_severity_elem(int severity)
{
	switch (severity) {
	case FINDING_CRITICAL:
		return THEME_FINDING_CRITICAL;
	case FINDING_WARNING:
		return THEME_FINDING_WARNING;
	default:
		return THEME_FINDING_INFO;
	}
}

void rows_event_text(const struct record_event *e, char *buf, size_t sz)
{
	char a[400], b[300], sentence[400];

	switch (e->type) {
	case RECORD_EV_FINDING:
		snprintf(buf, sz, "%s %s: %s", findings_severity_name(e->finding.severity),
			 findings_kind_name(e->finding.kind),
			 lt_sanitize(findings_summary(&e->finding, sentence, sizeof(sentence)),
				     a, sizeof(a)));
		break;
	case RECORD_EV_ACTION:
		if (!e->action) {
			snprintf(buf, sz, "an action");
			break;
		}
		snprintf(buf, sz, "%s %s on pid %d fd %d (%s): %s",
			 actions_kind_name(e->action->result.kind),
			 actions_outcome_name(e->action->result.outcome),
			 e->action->result.target.pid, e->action->result.target.fd,
			 lt_sanitize(e->action->result.target.comm, a, sizeof(a)),
			 lt_sanitize(e->action->result.message, b, sizeof(b)));
		break;
	case RECORD_EV_NOTE:
		snprintf(buf, sz, "%s", e->note ? lt_sanitize(e->note, a, sizeof(a)) : "");
		break;
	default:
		snprintf(buf, sz, "?");
		break;
	}
}

const char *rows_event_kind(const struct record_event *e)
{
	switch (e->type) {
	case RECORD_EV_FINDING:
		return "finding";
	case RECORD_EV_ACTION:
		return "action";
	case RECORD_EV_NOTE:
		return "note";
	}
	return "?";
}

/* The triage verdict in plain words, and its theme element: no verdict
 * before the samples it needs (findings_verdict); mitigated findings
 * counted apart from the open ones. */
int rows_verdict(const struct sample *s, const struct findings_config *c, char *buf,
		 size_t sz)
{
	size_t crit, warn, info, mit;
	unsigned need = 0;
	enum findings_verdict_kind v;
	char more[48] = "";

	buf[0] = '\0';
	findings_open_counts(&s->findings, &crit, &warn, &info);
	mit = findings_mitigated_count(&s->findings);
	v = findings_verdict(c, &s->findings, s->seq, &need);
	if (mit)
		snprintf(more, sizeof(more), "%s%zu mitigated", crit || warn ? ", " : "", mit);
	if (!crit && !warn) {
		if (mit) {
			snprintf(buf, sz, "%s", more);
			return THEME_FINDING_WARNING;
		}
		if (v == FINDINGS_WAITING) {
			/* short: the header drops the uptime before it */
			snprintf(buf, sz, "checking: %u more", need);
			return THEME_MUTED;
		}
		if (info)
			snprintf(buf, sz, "no leaks found (%zu note%s)", info, info == 1 ? "" : "s");
		else
			snprintf(buf, sz, "no leaks found");
		return THEME_FINDING_NONE;
	}
	if (crit && warn)
		snprintf(buf, sz, "%zu critical, %zu warning%s", crit, warn, more);
	else
		snprintf(buf, sz, "%zu %s%s", crit ? crit : warn, crit ? "critical" : "warning", more);
	return crit ? THEME_FINDING_CRITICAL : THEME_FINDING_WARNING;
}

/*
 * /proc/net table parsers, the fallback for kinds whose sock_diag module is
 * missing.  The tables give less than sock_diag: queue lengths and drops but
 * no buffer sizes, so only LTSOCK_HAVE_QUEUE / LTSOCK_HAVE_DROPS are set.
 * Parsing is all-or-nothing: a malformed line appends nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "leaktop/procnet.h"
#include "alloc_hook.h"

#ifndef IPPROTO_UDPLITE
#define IPPROTO_UDPLITE 136
#endif

/* The longest line we accept: a unix line with a 108-byte path fits. */
#define PROCNET_LINE_MAX	1024
#define PROCNET_FIELDS_MAX	24
#define PROCNET_FILE_MAX	(64u << 20)

/* TCP_* state numbers used for unix and packet sockets. */
#define ST_ESTABLISHED	1
#define ST_SYN_SENT	2
#define ST_CLOSE	7
#define ST_LISTEN	10

/* struct socket states printed in /proc/net/unix's "St" column */
#define SS_CONNECTING	2
#define SS_CONNECTED	3
/* the listening flag in /proc/net/unix's "Flags" column */
#define UNIX_ACCEPTCON	0x10000

struct table {
	const char *name;
	uint8_t family;
	uint8_t protocol;	/* inet kinds; 0 for raw (taken per line) */
	uint8_t type;
	int has_drops;
};

static const struct table tables[SOCKDIAG_NKINDS] = {
	[SOCKDIAG_TCP4] = { "tcp", AF_INET, IPPROTO_TCP, SOCK_STREAM, 0 },
	[SOCKDIAG_TCP6] = { "tcp6", AF_INET6, IPPROTO_TCP, SOCK_STREAM, 0 },
	[SOCKDIAG_UDP4] = { "udp", AF_INET, IPPROTO_UDP, SOCK_DGRAM, 1 },
	[SOCKDIAG_UDP6] = { "udp6", AF_INET6, IPPROTO_UDP, SOCK_DGRAM, 1 },
	[SOCKDIAG_UDPLITE4] = { "udplite", AF_INET, IPPROTO_UDPLITE, SOCK_DGRAM, 1 },
	[SOCKDIAG_UDPLITE6] = { "udplite6", AF_INET6, IPPROTO_UDPLITE, SOCK_DGRAM, 1 },
	[SOCKDIAG_RAW4] = { "raw", AF_INET, 0, SOCK_RAW, 1 },
	[SOCKDIAG_RAW6] = { "raw6", AF_INET6, 0, SOCK_RAW, 1 },
	[SOCKDIAG_PACKET] = { "packet", AF_PACKET, 0, 0, 0 },
	[SOCKDIAG_UNIX] = { "unix", AF_UNIX, 0, 0, 0 },
	[SOCKDIAG_NETLINK] = { "netlink", AF_NETLINK, 0, 0, 1 },
};

const char *procnet_table_name(enum sockdiag_kind kind)
{
	if ((unsigned int)kind >= SOCKDIAG_NKINDS)
		return "?";
	return tables[kind].name;
}

/* One line, and a copy of it split in place into fields. */
struct line {
	char raw[PROCNET_LINE_MAX];
	char buf[PROCNET_LINE_MAX];
	char *f[PROCNET_FIELDS_MAX];
	int nf;
	const char *rest[PROCNET_FIELDS_MAX];	/* raw text from field i on */
};

static void split(struct line *l)
{
	char *c = l->buf;

	memcpy(l->buf, l->raw, sizeof(l->buf));
	l->nf = 0;
	while (*c && l->nf < PROCNET_FIELDS_MAX) {
		while (*c == ' ' || *c == '\t')
			c++;
		if (!*c)
			break;
		l->rest[l->nf] = l->raw + (c - l->buf);
		l->f[l->nf++] = c;
		while (*c && *c != ' ' && *c != '\t')
			c++;
		if (*c)
			*c++ = '\0';
	}
}

/* Parse all of s as an unsigned number in base; -EBADMSG otherwise. */
static int num(const char *s, int base, uint64_t max, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -EBADMSG;
	errno = 0;
	*v = strtoull(s, &end, base);
	if (errno || *end || *v > max)
		return -EBADMSG;
	return 0;
}

static int num32(const char *s, int base, uint32_t *v)
{
	uint64_t x;
	int ret = num(s, base, UINT32_MAX, &x);

	*v = (uint32_t)x;
	return ret;
}

static int hexdigits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		      (c >= 'A' && c <= 'F')))
			return 0;
	}
	return 1;
}

/*
 * "0100007F:0035": the address is the kernel's in-memory words printed as
 * native u32s, so reading each 8-digit group back as a u32 and storing it
 * natively restores network order.
 */
static int parse_endpoint(const char *s, int family, struct ltsock_addr *a)
{
	size_t words = family == AF_INET ? 1 : 4, i;
	char w[9];
	uint32_t v;

	if (strlen(s) != words * 8 + 5 || s[words * 8] != ':' ||
	    !hexdigits(s, words * 8) || !hexdigits(s + words * 8 + 1, 4))
		return -EBADMSG;
	for (i = 0; i < words; i++) {
		memcpy(w, s + i * 8, 8);
		w[8] = '\0';
		v = (uint32_t)strtoul(w, NULL, 16);
		memcpy(a->addr + i * 4, &v, sizeof(v));
	}
	a->port = (uint16_t)strtoul(s + words * 8 + 1, NULL, 16);
	return 0;
}

/*
 *   sl  local_address rem_address   st tx_queue rx_queue tr tm->when
 *   retrnsmt   uid  timeout inode [ref pointer drops]
 */
static int parse_inet_line(const struct table *t, struct line *l,
			   struct ltsock *s, struct ltsock_mem *m, const char **why)
{
	uint32_t st, tx, rx;
	uint64_t ino;
	char *colon;

	*why = "expected 10 fields or more";
	if (l->nf < 10)
		return -EBADMSG;
	*why = "bad slot";
	if (l->f[0][strlen(l->f[0]) - 1] != ':')
		return -EBADMSG;
	*why = "bad local address";
	if (parse_endpoint(l->f[1], t->family, &s->local))
		return -EBADMSG;
	*why = "bad remote address";
	if (parse_endpoint(l->f[2], t->family, &s->peer))
		return -EBADMSG;
	*why = "bad state";
	if (num32(l->f[3], 16, &st) || st > 0xff)
		return -EBADMSG;
	*why = "bad tx_queue:rx_queue";
	colon = strchr(l->f[4], ':');
	if (!colon)
		return -EBADMSG;
	*colon = '\0';
	if (num32(l->f[4], 16, &tx) || num32(colon + 1, 16, &rx))
		return -EBADMSG;
	*why = "bad uid";
	if (num32(l->f[7], 10, &m->uid))
		return -EBADMSG;
	*why = "bad inode";
	if (num(l->f[9], 10, UINT64_MAX, &ino))
		return -EBADMSG;

	s->family = t->family;
	s->type = t->type;
	s->protocol = t->protocol;
	/* raw tables put the protocol where a port would be */
	if (t->type == SOCK_RAW)
		s->protocol = s->local.port;
	s->state = (uint8_t)st;
	s->inode = ino;
	m->send_q = tx;
	m->recv_q = rx;
	m->rmem = rx;
	s->have |= LTSOCK_HAVE_QUEUE | LTSOCK_HAVE_PEER;
	if (t->has_drops) {
		*why = "missing drops";
		if (l->nf < 13)
			return -EBADMSG;
		*why = "bad drops";
		if (num32(l->f[12], 10, &m->drops))
			return -EBADMSG;
		s->have |= LTSOCK_HAVE_DROPS;
	}
	return 0;
}

/* sk RefCnt Type Proto Iface R Rmem User Inode */
static int parse_packet_line(struct line *l, struct ltsock *s, struct ltsock_mem *m,
			     const char **why)
{
	uint32_t type, proto, rmem;
	uint64_t ino;

	*why = "expected 9 fields";
	if (l->nf < 9)
		return -EBADMSG;
	*why = "bad type";
	if (num32(l->f[2], 10, &type) || type > 0xff)
		return -EBADMSG;
	*why = "bad protocol";
	if (num32(l->f[3], 16, &proto) || proto > 0xffff)
		return -EBADMSG;
	*why = "bad interface";
	if (num32(l->f[4], 10, &m->ifindex))
		return -EBADMSG;
	*why = "bad rmem";
	if (num32(l->f[6], 10, &rmem))
		return -EBADMSG;
	*why = "bad user";
	if (num32(l->f[7], 10, &m->uid))
		return -EBADMSG;
	*why = "bad inode";
	if (num(l->f[8], 10, UINT64_MAX, &ino))
		return -EBADMSG;
	s->family = AF_PACKET;
	s->type = (uint8_t)type;
	s->protocol = (uint16_t)proto;
	s->state = ST_CLOSE;
	s->inode = ino;
	m->rmem = rmem;
	m->recv_q = rmem;
	s->have |= LTSOCK_HAVE_QUEUE;
	return 0;
}

/* Num RefCount Protocol Flags Type St Inode [Path] */
static int parse_unix_line(struct line *l, struct ltsock *s, const char **why)
{
	uint32_t flags, type, st;
	uint64_t ino;
	const char *path;

	*why = "expected 7 fields or more";
	if (l->nf < 7)
		return -EBADMSG;
	*why = "bad flags";
	if (num32(l->f[3], 16, &flags))
		return -EBADMSG;
	*why = "bad type";
	if (num32(l->f[4], 16, &type) || type > 0xff)
		return -EBADMSG;
	*why = "bad state";
	if (num32(l->f[5], 16, &st))
		return -EBADMSG;
	*why = "bad inode";
	if (num(l->f[6], 10, UINT64_MAX, &ino))
		return -EBADMSG;
	s->family = AF_UNIX;
	s->type = (uint8_t)type;
	if (flags & UNIX_ACCEPTCON)
		s->state = ST_LISTEN;
	else if (st == SS_CONNECTED)
		s->state = ST_ESTABLISHED;
	else if (st == SS_CONNECTING)
		s->state = ST_SYN_SENT;
	else
		s->state = ST_CLOSE;
	s->inode = ino;
	if (l->nf > 7) {
		/* the path is the rest of the line and may hold spaces */
		path = l->rest[7];
		s->path = strdup(path);
		if (!s->path) {
			*why = "out of memory";
			return -ENOMEM;
		}
	}
	return 0;
}

/* sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode */
static int parse_netlink_line(struct line *l, struct ltsock *s, struct ltsock_mem *m,
			      const char **why)
{
	uint32_t proto, portid;
	uint64_t ino;

	*why = "expected 10 fields";
	if (l->nf < 10)
		return -EBADMSG;
	*why = "bad protocol";
	if (num32(l->f[1], 10, &proto) || proto > 0xffff)
		return -EBADMSG;
	*why = "bad pid";
	if (num32(l->f[2], 10, &portid))
		return -EBADMSG;
	*why = "bad rmem";
	if (num32(l->f[4], 10, &m->rmem))
		return -EBADMSG;
	*why = "bad wmem";
	if (num32(l->f[5], 10, &m->wmem))
		return -EBADMSG;
	*why = "bad drops";
	if (num32(l->f[8], 10, &m->drops))
		return -EBADMSG;
	*why = "bad inode";
	if (num(l->f[9], 10, UINT64_MAX, &ino))
		return -EBADMSG;
	s->family = AF_NETLINK;
	s->type = 0;	/* not in the table: SOCK_RAW or SOCK_DGRAM */
	s->protocol = (uint16_t)proto;
	s->state = ST_CLOSE;
	/* as in the sock_diag parser: the portid as a host-order u32 */
	memcpy(s->local.addr, &portid, sizeof(portid));
	s->inode = ino;
	m->recv_q = m->rmem;
	m->send_q = m->wmem;
	s->have |= LTSOCK_HAVE_QUEUE | LTSOCK_HAVE_DROPS;
	return 0;
}

int procnet_parse(enum sockdiag_kind kind, const char *text, size_t len,
		  uint64_t netns, struct ltsock_vec *out, struct lt_err *err)
{
	const struct table *t;
	const char *p = text, *end = text + len, *eol, *why = "";
	struct line *l = NULL;
	struct ltsock_mem m;
	struct ltsock s;
	size_t start = out->n, i, n;
	int lineno = 0, ret = 0;

	if ((unsigned int)kind >= SOCKDIAG_NKINDS)
		return lt_err_set(err, EINVAL, "bad table kind %d", kind);
	t = &tables[kind];
	l = malloc(sizeof(*l));
	if (!l)
		return lt_err_set(err, ENOMEM, "%s: line buffer", t->name);
	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		n = eol ? (size_t)(eol - p) : (size_t)(end - p);
		lineno++;
		if (n >= sizeof(l->raw)) {
			ret = lt_err_set(err, EBADMSG, "%s: line %d: too long",
					 t->name, lineno);
			goto out;
		}
		memcpy(l->raw, p, n);
		l->raw[n] = '\0';
		p += n + (eol ? 1 : 0);
		if (memchr(l->raw, '\0', n)) {
			ret = lt_err_set(err, EBADMSG, "%s: line %d: NUL byte",
					 t->name, lineno);
			goto out;
		}
		/* the first line is the column header */
		if (lineno == 1)
			continue;
		split(l);
		if (!l->nf)
			continue;

		memset(&s, 0, sizeof(s));
		memset(&m, 0, sizeof(m));
		s.m = &m;
		s.netns = netns;
		s.source = LTSOCK_SRC_PROCNET;
		switch (kind) {
		case SOCKDIAG_PACKET:
			ret = parse_packet_line(l, &s, &m, &why);
			break;
		case SOCKDIAG_UNIX:
			ret = parse_unix_line(l, &s, &why);
			break;
		case SOCKDIAG_NETLINK:
			ret = parse_netlink_line(l, &s, &m, &why);
			break;
		default:
			ret = parse_inet_line(t, l, &s, &m, &why);
			break;
		}
		if (!ret)
			ret = ltsock_vec_push(out, &s);
		if (ret) {
			free(s.path);
			lt_err_set(err, ret, "%s: line %d: %s", t->name, lineno,
				   ret == -ENOMEM ? "out of memory" : why);
			goto out;
		}
	}
	ret = (int)(out->n - start);
out:
	if (ret < 0) {
		for (i = start; i < out->n; i++)
			free(out->v[i].path);
		out->n = start;
	}
	free(l);
	return ret;
}

int procnet_read(const char *dir, enum sockdiag_kind kind, uint64_t netns,
		 struct ltsock_vec *out, struct lt_err *err)
{
	char path[4096];
	char *text = NULL;
	size_t len;
	int ret;

	if ((unsigned int)kind >= SOCKDIAG_NKINDS)
		return lt_err_set(err, EINVAL, "bad table kind %d", kind);
	ret = lt_path(path, sizeof(path), dir, procnet_table_name(kind));
	if (ret) {
		lt_err_set(err, ret, "%s: path too long", dir);
		goto out;
	}
	ret = lt_read_file(path, &text, &len, PROCNET_FILE_MAX);
	if (ret) {
		lt_err_set(err, ret, "%s: %s", path, strerror(-ret));
		goto out;
	}
	ret = procnet_parse(kind, text, len, netns, out, err);
out:
	free(text);
	return ret;
}

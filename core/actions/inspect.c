/*
 * What the actions read from their target: the process's start time, comm
 * and fd table under a procfs root, the other processes holding the same
 * socket, and through the duplicate fd the socket's kind, address,
 * figures and filter.  Nothing here changes the target.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "action_int.h"
#include "leaktop/socket.h"

#ifndef SO_MEMINFO
#define SO_MEMINFO 55
#endif

int actions_parse_stat_start(const char *stat, uint64_t *ticks)
{
	const char *p = strrchr(stat, ')');
	int field = 2;
	uint64_t v = 0;

	if (!p)
		return -EBADMSG;
	p++;
	/* fields after "(comm)" start at 3; starttime is field 22 */
	while (*p && field < 22) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		field++;
		if (field == 22)
			break;
		while (*p && *p != ' ')
			p++;
	}
	if (field != 22 || !isdigit((unsigned char)*p))
		return -EBADMSG;
	while (isdigit((unsigned char)*p)) {
		if (v > (UINT64_MAX - 9) / 10)
			return -EBADMSG;
		v = v * 10 + (uint64_t)(*p++ - '0');
	}
	if (*p && *p != ' ' && *p != '\n')
		return -EBADMSG;
	*ticks = v;
	return 0;
}

/* Start ticks and state letter of pid; -ESRCH if it is gone. */
int actions_inspect_stat(const char *procroot, int pid, uint64_t *ticks, char *state)
{
	char path[512], *buf = NULL, *p;
	size_t len;
	int r;

	actions_fmt(path, sizeof(path), "%s/%d/stat", procroot, pid);
	r = lt_read_file(path, &buf, &len, 64 * 1024);
	if (r == -ENOENT)
		return -ESRCH;
	if (r < 0)
		return r;
	r = actions_parse_stat_start(buf, ticks);
	p = strrchr(buf, ')');
	if (state)
		*state = p && p[1] == ' ' ? p[2] : '?';
	free(buf);
	return r;
}

void actions_inspect_comm(const char *procroot, int pid, char *out, size_t outsz)
{
	char path[512], *buf = NULL;
	size_t len;

	out[0] = '\0';
	actions_fmt(path, sizeof(path), "%s/%d/comm", procroot, pid);
	if (lt_read_file(path, &buf, &len, 4096) < 0)
		return;
	if (len && buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	actions_fmt(out, outsz, "%s", buf);
	free(buf);
}

/* The socket inode behind procroot/pid/fd/fd, or -errno (-ENOTSOCK). */
int actions_inspect_fd_inode(const char *procroot, int pid, int fd, uint64_t *inode)
{
	char path[512], target[256];
	ssize_t n;
	int ino_ok;

	actions_fmt(path, sizeof(path), "%s/%d/fd/%d", procroot, pid, fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	ino_ok = strncmp(target, "socket:[", 8) == 0;
	if (ino_ok) {
		char *end;
		unsigned long long v;

		errno = 0;
		v = strtoull(target + 8, &end, 10);
		if (errno || end == target + 8 || strcmp(end, "]") != 0)
			return -ENOTSOCK;
		*inode = v;
		return 0;
	}
	return -ENOTSOCK;
}

static uint32_t count_fds(const char *procroot, int pid)
{
	char path[512];
	struct stat st;

	/* st_size of /proc/PID/fd is the number of open fds on current kernels */
	actions_fmt(path, sizeof(path), "%s/%d/fd", procroot, pid);
	if (stat(path, &st) < 0 || st.st_size < 0)
		return 0;
	return (uint32_t)st.st_size;
}

/* ---- other processes holding the socket --------------------------------- */

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* The first fd of pid that holds the socket inode (as "socket:[N]"), -1
 * if none, -2 if its fd table cannot be read. */
static int find_socket_fd(const char *procroot, int pid, const char *want)
{
	char path[512], link[64];
	struct dirent *de;
	DIR *d;
	int fd = -1;

	actions_fmt(path, sizeof(path), "%s/%d/fd", procroot, pid);
	d = opendir(path);
	if (!d)
		return errno == EACCES || errno == EPERM ? -2 : -1;
	while ((de = readdir(d))) {
		ssize_t n;

		if (!all_digits(de->d_name))
			continue;
		actions_fmt(path, sizeof(path), "%s/%d/fd/%s", procroot, pid, de->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = '\0';
		if (!strcmp(link, want)) {
			fd = atoi(de->d_name);
			break;
		}
	}
	closedir(d);
	return fd;
}

/*
 * Every other process holding the target socket (a forked child keeps its
 * parent's sockets): a filter, a buffer size or a drain acts on all of
 * them.  One readlink per fd on the machine, for socket actions only.
 */
void actions_inspect_sharers(const char *procroot, int target_pid, struct actions_result *res)
{
	char want[48];
	struct dirent *de;
	DIR *d;

	res->nsharers = res->sharers_total = res->sharers_unread = 0;
	if (!res->target.inode)
		return;
	actions_fmt(want, sizeof(want), "socket:[%" PRIu64 "]", res->target.inode);
	d = opendir(procroot);
	if (!d)
		return;
	while ((de = readdir(d))) {
		int pid, fd;

		if (!all_digits(de->d_name))
			continue;
		pid = atoi(de->d_name);
		/* leaktop holds the duplicate itself */
		if (pid <= 0 || pid == target_pid || pid == (int)getpid())
			continue;
		fd = find_socket_fd(procroot, pid, want);
		if (fd == -2)
			res->sharers_unread++;
		if (fd < 0)
			continue;
		if (res->nsharers < ACTIONS_SHARERS_MAX) {
			struct actions_sharer *sh = &res->sharers[res->nsharers++];

			sh->pid = pid;
			sh->fd = fd;
			actions_inspect_comm(procroot, pid, sh->comm, sizeof(sh->comm));
		}
		res->sharers_total++;
	}
	closedir(d);
}


static int getint(int fd, int level, int opt, int *v)
{
	socklen_t len = sizeof(*v);

	*v = 0;
	return getsockopt(fd, level, opt, v, &len);
}

/* Read the attached classic filter (malloc'd into *insns unless NULL). */
int actions_inspect_filter(int fd, int32_t *count, struct sock_filter **insns)
{
	socklen_t n = 0, got;
	struct sock_filter *v;

	*count = 0;
	if (insns)
		*insns = NULL;
	/* optlen counts instructions here, not bytes */
	if (getsockopt(fd, SOL_SOCKET, SO_GET_FILTER, NULL, &n) < 0) {
		if (errno == EACCES) {
			*count = ACTIONS_FILTER_EBPF;
			return 0;
		}
		return -errno;
	}
	*count = (int32_t)n;
	if (!n || !insns)
		return 0;
	v = calloc(n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	got = n;
	if (getsockopt(fd, SOL_SOCKET, SO_GET_FILTER, v, &got) < 0 || got != n) {
		int e = errno ? errno : EAGAIN;

		free(v);
		return -e;
	}
	*insns = v;
	return 0;
}

int actions_inspect_is_drop(const struct sock_filter *f)
{
	return f->code == actions_drop_insn.code && f->k == 0 && !f->jt && !f->jf;
}

/* Socket figures through the duplicate. */
void actions_inspect_figures(int sfd, const struct actions_target *t,
			     struct actions_figures *f)
{
	uint32_t mem[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mem);
	struct sock_filter *insns = NULL;
	int v;

	memset(f, 0, sizeof(*f));
	memset(mem, 0, sizeof(mem));
	if (getsockopt(sfd, SOL_SOCKET, SO_MEMINFO, mem, &len) == 0) {
		f->rmem = mem[SK_MEMINFO_RMEM_ALLOC];
		f->drops = mem[SK_MEMINFO_DROPS];
		f->have |= ACTIONS_HAVE_QUEUE;
	}
	if (getint(sfd, SOL_SOCKET, SO_RCVBUF, &v) == 0)
		f->rcvbuf = (uint32_t)v;
	f->recv_q = f->rmem;
	if (t->type == SOCK_STREAM && t->family != AF_UNIX && !t->listening &&
	    ioctl(sfd, SIOCINQ, &v) == 0)
		f->recv_q = (uint32_t)v;
	if (actions_inspect_filter(sfd, &f->filter_len, &insns) == 0) {
		f->have |= ACTIONS_HAVE_FILTER;
		f->filter_drops_all = f->filter_len == 1 && insns && actions_inspect_is_drop(insns);
	}
	free(insns);
	if (getint(sfd, SOL_SOCKET, SO_LOCK_FILTER, &v) == 0)
		f->filter_locked = v != 0;
}

void actions_inspect_target(int sfd, struct actions_target *t)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct ltsock_mem km;
	struct ltsock k;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 2];
	int v;

	if (getint(sfd, SOL_SOCKET, SO_DOMAIN, &v) == 0)
		t->family = v;
	if (getint(sfd, SOL_SOCKET, SO_TYPE, &v) == 0)
		t->type = v;
	if (getint(sfd, SOL_SOCKET, SO_PROTOCOL, &v) == 0)
		t->protocol = t->family == AF_PACKET ? ntohs((uint16_t)v) : v;
	if (getint(sfd, SOL_SOCKET, SO_ACCEPTCONN, &v) == 0)
		t->listening = v != 0;

	memset(&k, 0, sizeof(k));
	memset(&km, 0, sizeof(km));
	k.m = &km;
	k.family = (uint8_t)t->family;
	k.type = (uint8_t)t->type;
	k.protocol = (uint16_t)t->protocol;
	memset(&ss, 0, sizeof(ss));
	if (getsockname(sfd, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

			memcpy(k.local.addr, &s4->sin_addr, 4);
			k.local.port = ntohs(s4->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

			memcpy(k.local.addr, &s6->sin6_addr, 16);
			k.local.port = ntohs(s6->sin6_port);
		} else if (ss.ss_family == AF_PACKET) {
			struct sockaddr_ll *ll = (struct sockaddr_ll *)&ss;

			km.ifindex = (uint32_t)ll->sll_ifindex;
			/* SO_PROTOCOL is 0 for a packet socket on some kernels;
			 * the bound protocol is what sock_diag names (the same
			 * "*:RARP" in findings and here) */
			if (!k.protocol && ll->sll_protocol) {
				k.protocol = ntohs(ll->sll_protocol);
				t->protocol = k.protocol;
			}
		} else if (ss.ss_family == AF_NETLINK) {
			struct sockaddr_nl *nl = (struct sockaddr_nl *)&ss;

			memcpy(k.local.addr, &nl->nl_pid, sizeof(nl->nl_pid));
		} else if (ss.ss_family == AF_UNIX) {
			struct sockaddr_un *un = (struct sockaddr_un *)&ss;
			size_t n = len > offsetof(struct sockaddr_un, sun_path) ?
				len - offsetof(struct sockaddr_un, sun_path) : 0;

			if (n && un->sun_path[0] == '\0') {
				path[0] = '@';
				memcpy(path + 1, un->sun_path + 1, n - 1);
				path[n] = '\0';
				k.path = path;
			} else if (n) {
				actions_fmt(path, sizeof(path), "%.*s", (int)n, un->sun_path);
				k.path = path;
			}
		}
	}
	actions_fmt(t->proto, sizeof(t->proto), "%s", ltsock_proto_name(&k));
	ltsock_format_addr(&k, 0, t->local, sizeof(t->local));
}

int actions_inspect_limits(const char *procroot, int pid, struct actions_figures *f)
{
	struct rlimit rl;

	if (prlimit(pid, RLIMIT_NOFILE, NULL, &rl) < 0)
		return -errno;
	f->fd_soft = rl.rlim_cur == RLIM_INFINITY ? ACTIONS_UNLIMITED : rl.rlim_cur;
	f->fd_hard = rl.rlim_max == RLIM_INFINITY ? ACTIONS_UNLIMITED : rl.rlim_max;
	f->nfds = count_fds(procroot, pid);
	f->have |= ACTIONS_HAVE_LIMITS;
	return 0;
}

int actions_inspect_is_tcp(const struct actions_target *t)
{
	return (t->family == AF_INET || t->family == AF_INET6) && t->type == SOCK_STREAM;
}

/*
 * The undo state: what an undo needs, one small text file per target and
 * action family in a private directory, so that the one-shot CLI can undo
 * in a later invocation.  The file is the target's lines (pid, start
 * time, fd, inode, time) between a magic line and "end"; the lines in
 * between are the family's, written and read by its codec
 * (struct action_state_codec, in the family's file).  Decoding never
 * trusts the text: every line is bounded and every number checked.
 *
 * Also here: the run's load and save of its state, and the list of the
 * actions still in place (actions_in_place).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "action_int.h"

#define STATE_MAGIC "leaktop-undo 1"
#define STATE_MAX (128 * 1024)

void actions_state_init(struct actions_state *st)
{
	memset(st, 0, sizeof(*st));
	st->fd = -1;
}

void actions_state_clear(struct actions_state *st)
{
	if (!st)
		return;
	free(st->filter);
	actions_state_init(st);
}

int actions_state_encode(const struct actions_state *st, char **text, size_t *len)
{
	const struct action_state_codec *c = actions_kind_codec(st->kind);
	size_t cap = 512 + (size_t)st->filter_len * 32;
	char *b;

	*text = NULL;
	*len = 0;
	if (st->filter_len > BPF_MAXINSNS || (st->filter_len && !st->filter))
		return -EINVAL;
	/* only the kind that writes a family's state names it */
	if (!c || c->kind != st->kind)
		return -EINVAL;
	b = malloc(cap);
	if (!b)
		return -ENOMEM;
	b[0] = '\0';
	actions_fmt_append(b, cap, "%s\naction %s\npid %d\nstart %" PRIu64 "\nfd %d\ninode %"
			   PRIu64 "\ntime %" PRId64 "\n", STATE_MAGIC,
			   actions_kind_name(st->kind), st->pid, st->start_ticks, st->fd,
			   st->inode, st->time);
	if (c->encode)
		c->encode(st, b, cap);
	actions_fmt_append(b, cap, "end\n");
	*text = b;
	*len = strlen(b);
	return 0;
}

/* ---- decoding ------------------------------------------------------------ */

/* Next line into l->line; 0, or -1 at the end / for an over-long line. */
int actions_state_line(struct action_lines *l)
{
	const char *nl;
	size_t n;

	if (l->p >= l->end)
		return -1;
	nl = memchr(l->p, '\n', (size_t)(l->end - l->p));
	if (!nl)
		return -1;	/* every line, "end" included, ends with \n */
	n = (size_t)(nl - l->p);
	if (n >= sizeof(l->line) || memchr(l->p, '\0', n))
		return -1;
	memcpy(l->line, l->p, n);
	l->line[n] = '\0';
	l->p = nl + 1;
	l->no++;
	return 0;
}

/* Whole-token unsigned decimal (or "unlimited" when allowed). */
int actions_state_u64(const char *s, uint64_t max, int unlimited_ok, uint64_t *out)
{
	uint64_t v = 0;

	if (unlimited_ok && !strcmp(s, "unlimited")) {
		*out = ACTIONS_UNLIMITED;
		return 0;
	}
	if (!isdigit((unsigned char)*s))
		return -1;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s) || v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/* "key value": the value of key, or NULL if the line is another key. */
static const char *keyval(const char *line, const char *key)
{
	size_t n = strlen(key);

	if (strncmp(line, key, n) != 0 || line[n] != ' ' || !line[n + 1])
		return NULL;
	return line + n + 1;
}

int actions_state_num(struct action_lines *l, const char *key, uint64_t max, uint64_t *v,
		      struct lt_err *err)
{
	const char *s;

	if (actions_state_line(l) < 0)
		return lt_err_set(err, EBADMSG, "line %d: missing \"%s\"", l->no + 1, key);
	s = keyval(l->line, key);
	if (!s || actions_state_u64(s, max, 0, v) < 0)
		return lt_err_set(err, EBADMSG, "line %d: expected \"%s NUMBER\"", l->no, key);
	return 0;
}

/* Split a line into at most n space-separated tokens; returns the count. */
int actions_state_split(char *line, char **tok, int n)
{
	int c = 0;
	char *save = NULL, *t;

	for (t = strtok_r(line, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		if (c == n)
			return n + 1;
		tok[c++] = t;
	}
	return c;
}

int actions_state_hex(const char *s, size_t digits, uint32_t *v)
{
	size_t i;

	if (strlen(s) != digits)
		return -1;
	*v = 0;
	for (i = 0; i < digits; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return -1;
		*v = *v * 16 + (uint32_t)(isdigit((unsigned char)s[i]) ? s[i] - '0' :
					 tolower((unsigned char)s[i]) - 'a' + 10);
	}
	return 0;
}

int actions_state_decode(const char *text, size_t len, struct actions_state *st,
			 struct lt_err *err)
{
	struct action_lines l = { .p = text, .end = text + len };
	const struct action_state_codec *c;
	uint64_t v, start, inode, fdv, pid;
	const char *s;
	int ret, neg_fd = 0, fdless;

	actions_state_init(st);
	if (actions_state_line(&l) < 0 || strcmp(l.line, STATE_MAGIC) != 0) {
		ret = lt_err_set(err, EBADMSG, "not a leaktop undo state (no \"%s\" header)",
				 STATE_MAGIC);
		goto out;
	}
	if (actions_state_line(&l) < 0 || !(s = keyval(l.line, "action"))) {
		ret = lt_err_set(err, EBADMSG, "line 2: expected \"action NAME\"");
		goto out;
	}
	st->kind = actions_kind_parse(s);
	c = actions_kind_codec(st->kind);
	if (!c || c->kind != st->kind) {
		ret = lt_err_set(err, EBADMSG, "line 2: unknown action in undo state");
		goto out;
	}
	if ((ret = actions_state_num(&l, "pid", INT_MAX, &pid, err)) < 0 ||
	    (ret = actions_state_num(&l, "start", UINT64_MAX, &start, err)) < 0)
		goto out;
	if (actions_state_line(&l) < 0 || !(s = keyval(l.line, "fd"))) {
		ret = lt_err_set(err, EBADMSG, "line %d: expected \"fd NUMBER\"", l.no);
		goto out;
	}
	if (!strcmp(s, "-1")) {
		neg_fd = 1;
		fdv = 0;
	} else if (actions_state_u64(s, INT_MAX, 0, &fdv) < 0) {
		ret = lt_err_set(err, EBADMSG, "line %d: bad fd", l.no);
		goto out;
	}
	if ((ret = actions_state_num(&l, "inode", UINT64_MAX, &inode, err)) < 0 ||
	    (ret = actions_state_num(&l, "time", INT64_MAX, &v, err)) < 0)
		goto out;
	/* a process-wide action has no fd and no inode, a socket action both */
	fdless = !actions_kind_needs_fd(st->kind);
	if (!pid || !start || fdless != neg_fd || fdless != (inode == 0)) {
		ret = lt_err_set(err, EBADMSG, "inconsistent target (pid/start/fd/inode)");
		goto out;
	}
	st->pid = (int)pid;
	st->start_ticks = start;
	st->fd = neg_fd ? -1 : (int)fdv;
	st->inode = inode;
	st->time = (int64_t)v;
	if (c->decode && (ret = c->decode(&l, st, err)) < 0)
		goto out;
	if (actions_state_line(&l) < 0 || strcmp(l.line, "end") != 0 || l.p != l.end) {
		ret = lt_err_set(err, EBADMSG, "line %d: expected \"end\" as the last line",
				 l.no);
		goto out;
	}
	ret = 0;
out:
	if (ret < 0)
		actions_state_clear(st);
	return ret;
}

/* ---- files --------------------------------------------------------------- */

int actions_state_name(enum actions_kind kind, int pid, uint64_t start_ticks, int fd,
		       uint64_t inode, char *out, size_t outsz)
{
	const struct action_state_codec *c = actions_kind_codec(kind);
	int n;

	if (!c)
		return -EINVAL;
	if (actions_kind_needs_fd(c->kind))
		n = snprintf(out, outsz, "%s-%d-%" PRIu64 "-%d-%" PRIu64, c->file, pid,
			     start_ticks, fd, inode);
	else
		n = snprintf(out, outsz, "%s-%d-%" PRIu64, c->file, pid, start_ticks);
	return n < 0 || (size_t)n >= outsz ? -ENAMETOOLONG : 0;
}

/* mkdir path 0700 (if create) and make sure only we can write there. */
static int secure_dir(const char *path, int create, struct lt_err *err)
{
	struct stat st;

	if (create && mkdir(path, 0700) < 0 && errno != EEXIST)
		return lt_err_set(err, errno, "cannot create %s: %s", path, strerror(errno));
	if (lstat(path, &st) < 0)
		return lt_err_set(err, errno, "%s: %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077))
		return lt_err_set(err, EPERM, "%s is not a private directory of uid %u "
				  "(mode 0700): not using it", path, (unsigned)geteuid());
	return 0;
}

static int pick_state_dir(char *out, size_t outsz, int create, struct lt_err *err)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int r;

	if (access("/run", W_OK) == 0) {
		actions_fmt(out, outsz, "/run/leaktop");
	} else if (xdg && xdg[0] == '/' && access(xdg, W_OK) == 0) {
		r = lt_path(out, outsz, xdg, "leaktop");
		if (r < 0)
			return lt_err_set(err, -r, "XDG_RUNTIME_DIR is too long");
	} else {
		actions_fmt(out, outsz, "/tmp/leaktop-%u", (unsigned)geteuid());
	}
	return secure_dir(out, create, err);
}

int actions_state_dir(char *out, size_t outsz, struct lt_err *err)
{
	return pick_state_dir(out, outsz, 1, err);
}

int actions_state_open_dir(const char *given, char *out, size_t outsz, int create,
			   struct lt_err *err)
{
	if (!given)
		return pick_state_dir(out, outsz, create, err);
	actions_fmt(out, outsz, "%s", given);
	return secure_dir(out, create, err);
}

int actions_state_load(const char *dir, const char *name, struct actions_state *st,
		       struct lt_err *err)
{
	char path[PATH_MAX], *buf = NULL;
	struct lt_err cause = { "" };
	size_t len = 0;
	ssize_t n;
	int fd, ret;

	actions_state_init(st);
	if (lt_path(path, sizeof(path), dir, name) < 0)
		return lt_err_set(err, ENAMETOOLONG, "state path too long");
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		return lt_err_set(err, errno, "undo state %s: %s", path, strerror(errno));
	}
	buf = malloc(STATE_MAX + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	while (len < STATE_MAX + 1) {
		n = read(fd, buf + len, STATE_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = lt_err_set(err, errno, "undo state %s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > STATE_MAX) {
		ret = lt_err_set(err, EBADMSG, "undo state %s is corrupt: larger than %d bytes",
				 path, STATE_MAX);
		goto out;
	}
	ret = actions_state_decode(buf, len, st, &cause);
	if (ret == -EBADMSG)
		lt_err_set(err, EBADMSG, "undo state %s is corrupt: %s", path, cause.msg);
out:
	free(buf);
	close(fd);
	return ret;
}

int actions_state_save(const char *dir, const char *name, const struct actions_state *st,
		       struct lt_err *err)
{
	char path[PATH_MAX], tmp[PATH_MAX + 16], *text = NULL;
	size_t len, off = 0;
	int fd = -1, ret;

	if (lt_path(path, sizeof(path), dir, name) < 0 ||
	    snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid()) >= (int)sizeof(tmp))
		return lt_err_set(err, ENAMETOOLONG, "state path too long");
	ret = actions_state_encode(st, &text, &len);
	if (ret < 0)
		return lt_err_set(err, -ret, "cannot encode the undo state");
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		ret = lt_err_set(err, errno, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = lt_err_set(err, errno, "writing %s: %s", tmp, strerror(errno));
			goto out;
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		ret = lt_err_set(err, errno, "writing %s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		ret = lt_err_set(err, errno, "renaming %s: %s", tmp, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (ret < 0)
		unlink(tmp);
	free(text);
	return ret;
}

int actions_state_remove(const char *dir, const char *name)
{
	char path[PATH_MAX];

	if (lt_path(path, sizeof(path), dir, name) < 0)
		return -ENAMETOOLONG;
	return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}

/* ---- the actions in place ------------------------------------------------ */

/* Is the action st records still in place?  1, 0 (why says what
 * changed) or -errno when it cannot be told (no pidfd_getfd, no right). */
static int state_in_place(const char *procroot, const struct actions_state *st, char *why,
			  size_t whysz)
{
	const struct action_state_codec *c = actions_kind_codec(st->kind);
	uint64_t ticks = 0, inode = 0;
	char state = 0;
	int pidfd, sfd, ret;

	if (actions_inspect_stat(procroot, st->pid, &ticks, &state) < 0 ||
	    ticks != st->start_ticks) {
		actions_fmt(why, whysz, "pid %d has exited", st->pid);
		return 0;
	}
	if (st->fd >= 0 && (actions_inspect_fd_inode(procroot, st->pid, st->fd, &inode) < 0 ||
			    inode != st->inode)) {
		actions_fmt(why, whysz, "fd %d no longer holds socket %" PRIu64, st->fd,
			    st->inode);
		return 0;
	}
	if (!c || !c->in_place)
		return 1;	/* a drain: the socket is still there */
	if (st->fd < 0)
		return c->in_place(st, -1, why, whysz);
	pidfd = lt_pidfd_open(st->pid);
	if (pidfd < 0)
		return -errno;
	sfd = actions_getfd(pidfd, st->fd);
	if (sfd < 0) {
		ret = -errno;
		close(pidfd);
		return ret;
	}
	ret = c->in_place(st, sfd, why, whysz);
	close(sfd);
	close(pidfd);
	return ret;
}

/* Is name a state file of some family ("filter-...")? */
static int state_file_name(const char *name)
{
	int k;

	for (k = ACTIONS_NONE + 1; k < ACTIONS_NKINDS; k++) {
		const struct action_state_codec *c = actions_kind_codec((enum actions_kind)k);
		size_t n;

		if (!c || (int)c->kind != k)
			continue;
		n = strlen(c->file);
		if (!strncmp(name, c->file, n) && name[n] == '-')
			return 1;
	}
	return 0;
}

int actions_in_place(const char *procroot, struct actions_in_place **out, size_t *n)
{
	char dir[PATH_MAX];
	struct lt_err err = { "" };
	struct actions_in_place *v = NULL;
	size_t cap = 0;
	struct dirent *de;
	DIR *d;

	*out = NULL;
	*n = 0;
	if (pick_state_dir(dir, sizeof(dir), 0, &err) < 0)
		return 0;	/* none yet: nothing in place */
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL) {
		struct actions_in_place *a;

		if (!state_file_name(de->d_name))
			continue;
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 8;
			struct actions_in_place *nv;

			if (nc > 4096)
				break;	/* a bound on a directory others cannot write */
			nv = realloc(v, nc * sizeof(*nv));
			if (!nv)
				break;
			v = nv;
			cap = nc;
		}
		a = &v[*n];
		memset(a, 0, sizeof(*a));
		if (actions_state_load(dir, de->d_name, &a->st, &err) < 0)
			continue;
		a->in_place = state_in_place(procroot, &a->st, a->why, sizeof(a->why));
		free(a->st.filter);	/* the filter copy is not needed */
		a->st.filter = NULL;
		a->st.filter_len = 0;
		(*n)++;
	}
	closedir(d);
	*out = v;
	return 0;
}

/*
 * Forget the states of processes that have exited: their sockets are gone,
 * so nothing is left to undo or to check, and left alone they pile up (one
 * drain marker per drain) until the listing's bound hides live ones.  Only
 * a state that loads and whose pid is gone or reused (other start ticks) is
 * removed; a corrupt one stays for the user, who is told to remove it.
 * Called on the path that writes states, never by a read-only run.
 * Returns the number removed.
 */
int actions_state_prune(const char *procroot, const char *dir)
{
	struct lt_err err = { "" };
	struct dirent *de;
	int removed = 0;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL) {
		struct actions_state st;
		uint64_t ticks = 0;
		int r;

		if (!state_file_name(de->d_name))
			continue;
		actions_state_init(&st);
		if (actions_state_load(dir, de->d_name, &st, &err) < 0)
			continue;
		r = actions_inspect_stat(procroot, st.pid, &ticks, NULL);
		if ((r == -ESRCH || (r == 0 && ticks != st.start_ticks)) &&
		    actions_state_remove(dir, de->d_name) == 0)
			removed++;
		actions_state_clear(&st);
	}
	closedir(d);
	return removed;
}

/* ---- a run's state ------------------------------------------------------- */

/*
 * Find (and, if create, make) the state directory and load this target's
 * state.  0 with r->have_state set or not; 1 when refused (corrupt state,
 * or no usable directory when one is needed).
 */
int actions_state_run_load(struct action_run *r, int create)
{
	struct lt_err err = { "" };
	int e;

	if (actions_kind_family(r->rq.kind) == ACTIONS_NONE)
		return 0;
	e = actions_state_open_dir(r->rq.statedir, r->statedir, sizeof(r->statedir), create,
				   &err);
	if (e == -ENOENT && !create)
		return 0;	/* a preview before any state exists */
	if (e < 0)
		return actions_refuse(r, -e, "undo state directory: %s", err.msg);
	e = actions_state_name(r->rq.kind, r->rq.pid, r->rq.start_ticks,
			       actions_kind_needs_fd(r->rq.kind) ? r->rq.fd : -1,
			       actions_kind_needs_fd(r->rq.kind) ? r->rq.inode : 0,
			       r->statename, sizeof(r->statename));
	if (e < 0)
		return actions_fail(r, -e, "undo state name too long");
	lt_path(r->res->state_path, sizeof(r->res->state_path), r->statedir, r->statename);
	e = actions_state_load(r->statedir, r->statename, &r->st, &err);
	if (e == -ENOENT)
		return 0;
	if (e == -EBADMSG)
		return actions_refuse(r, EBADMSG, "%s; remove it to proceed", err.msg);
	if (e < 0)
		return actions_refuse(r, -e, "%s", err.msg[0] ? err.msg : strerror(-e));
	if (r->st.kind != actions_kind_family(r->rq.kind) || r->st.pid != r->rq.pid ||
	    r->st.start_ticks != r->rq.start_ticks ||
	    (actions_kind_needs_fd(r->rq.kind) &&
	     (r->st.fd != r->rq.fd || r->st.inode != r->rq.inode))) {
		actions_state_clear(&r->st);
		return actions_refuse(r, EBADMSG, "undo state %s is corrupt: it names another "
				      "target; remove it to proceed", r->res->state_path);
	}
	r->have_state = 1;
	return 0;
}

int actions_state_run_save(struct action_run *r, struct actions_state *st)
{
	struct lt_err err = { "" };

	st->kind = actions_kind_family(r->rq.kind);
	st->pid = r->rq.pid;
	st->start_ticks = r->rq.start_ticks;
	st->fd = actions_kind_needs_fd(r->rq.kind) ? r->rq.fd : -1;
	st->inode = actions_kind_needs_fd(r->rq.kind) ? r->rq.inode : 0;
	st->time = (int64_t)time(NULL);
	(void)actions_state_prune(r->procroot, r->statedir);
	if (actions_state_save(r->statedir, r->statename, st, &err) < 0)
		return actions_fail(r, EIO, "cannot save the undo state, nothing changed: %s",
				    err.msg);
	return 0;
}

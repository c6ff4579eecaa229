/*
 * The audit of every action run: an intent line appended to the audit
 * file and fsync'd before the first change to the target (a run whose
 * intent cannot be written is refused), an outcome line after it, both
 * to syslog (LOG_AUTHPRIV, ident "leaktop") too, and the outcome to the
 * audit hook (the recorder).  Untrusted text (comm, addresses, names) is
 * escaped on the way into a line.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "action_int.h"

static actions_audit_fn audit_fn;
static void *audit_arg;

void actions_set_audit_hook(actions_audit_fn fn, void *arg)
{
	audit_fn = fn;
	audit_arg = arg;
}

static void fig_text(const struct actions_figures *f, char *out, size_t outsz)
{
	char s1[32], s2[32];
	size_t len;

	out[0] = '\0';
	if (f->have & ACTIONS_HAVE_QUEUE)
		actions_fmt_append(out, outsz, "rmem=%u recv_q=%u rcvbuf=%u drops=%u ", f->rmem,
				   f->recv_q, f->rcvbuf, f->drops);
	if (f->have & ACTIONS_HAVE_FILTER)
		actions_fmt_append(out, outsz, "filter=%d%s ", f->filter_len,
				   f->filter_locked ? ",locked" : "");
	if (f->have & ACTIONS_HAVE_LIMITS) {
		actions_fmt_limit(f->fd_soft, s1, sizeof(s1));
		actions_fmt_limit(f->fd_hard, s2, sizeof(s2));
		actions_fmt_append(out, outsz, "nofile=%s/%s fds=%u ", s1, s2, f->nfds);
	}
	if (f->have & ACTIONS_HAVE_DRAINED)
		actions_fmt_append(out, outsz, "drained=%" PRIu64 "B/%" PRIu64 " ",
				   f->drained_bytes, f->drained_packets);
	len = strlen(out);
	if (len && out[len - 1] == ' ')
		out[len - 1] = '\0';
}

char *actions_audit_format(const struct actions_audit *rec, char *out, size_t outsz)
{
	const struct actions_result *res = rec->result;
	const struct actions_target *t = &res->target;
	char comm[96], reason[300], before[200], after[200], user[96], login[96], local[160];
	char id[64], what[300];
	int intent = rec->phase == ACTIONS_PHASE_INTENT;

	lt_sanitize(t->comm, comm, sizeof(comm));
	lt_sanitize(res->outcome == ACTIONS_DONE ? res->message : res->reason, reason,
		    sizeof(reason));
	lt_sanitize(rec->user, user, sizeof(user));
	lt_sanitize(rec->login, login, sizeof(login));
	lt_sanitize(t->local, local, sizeof(local));
	lt_sanitize(rec->intent, what, sizeof(what));
	fig_text(&res->before, before, sizeof(before));
	fig_text(&res->after, after, sizeof(after));
	id[0] = '\0';
	if (rec->id[0]) {
		char sid[64];

		lt_sanitize(rec->id, sid, sizeof(sid));
		actions_fmt(id, sizeof(id), "id=%s phase=%s ", sid, intent ? "intent" : "outcome");
	}
	if (intent) {
		actions_fmt(out, outsz, "%saction=%s uid=%u user=%s login=%s time=%.0f pid=%d "
			    "comm=\"%s\" fd=%d inode=%" PRIu64 " proto=%s local=%s before=[%s] "
			    "sharers=%d intent=\"%s\"", id, actions_kind_name(res->kind),
			    rec->uid, user, login[0] ? login : "-", rec->time, t->pid, comm,
			    t->fd, t->inode,
			    t->proto[0] ? t->proto : "-", local[0] ? local : "-", before,
			    res->sharers_total, what);
		return out;
	}
	actions_fmt(out, outsz, "%saction=%s outcome=%s uid=%u user=%s login=%s time=%.0f "
		    "pid=%d comm=\"%s\" fd=%d inode=%" PRIu64 " proto=%s local=%s before=[%s] "
		    "after=[%s] %s=\"%s\"", id, actions_kind_name(res->kind),
		    actions_outcome_name(res->outcome), rec->uid, user, login[0] ? login : "-",
		    rec->time, t->pid, comm, t->fd, t->inode,
		    t->proto[0] ? t->proto : "-", local[0] ? local : "-", before, after,
		    res->outcome == ACTIONS_DONE ? "message" : "reason", reason);
	return out;
}

/* Who acts, and when: the fields of an audit record other than the result. */
static void audit_who(struct actions_audit *rec, const struct actions_result *res,
		      enum actions_phase phase)
{
	struct passwd *pw;
	char *buf = NULL;
	size_t len;
	long long lu;

	memset(rec, 0, sizeof(*rec));
	rec->time = (double)time(NULL);
	rec->uid = (uint32_t)getuid();
	pw = getpwuid(rec->uid);
	actions_fmt(rec->user, sizeof(rec->user), "%s", pw ? pw->pw_name : "");
	if (!pw)
		actions_fmt(rec->user, sizeof(rec->user), "%u", rec->uid);
	rec->loginuid = -1;
	if (lt_read_file("/proc/self/loginuid", &buf, &len, 64) == 0 &&
	    sscanf(buf, "%lld", &lu) == 1 && lu >= 0 && lu != 4294967295LL) {
		rec->loginuid = lu;
		pw = getpwuid((uid_t)lu);
		if (pw)
			actions_fmt(rec->login, sizeof(rec->login), "%s", pw->pw_name);
		else
			actions_fmt(rec->login, sizeof(rec->login), "%lld", lu);
	}
	free(buf);
	actions_fmt(rec->id, sizeof(rec->id), "%s", res->audit_id);
	rec->phase = phase;
	rec->result = res;
}

static void audit_syslog(const char *line, int notice)
{
	openlog("leaktop", LOG_PID, LOG_AUTHPRIV);
	syslog(LOG_AUTHPRIV | (notice ? LOG_NOTICE : LOG_WARNING), "%s", line);
	closelog();
}

/* Make the directory of path (one level, 0700) if it is missing. */
static int audit_mkdir(const char *path, struct lt_err *err)
{
	char copy[PATH_MAX], *dir;
	struct stat st;

	if (strlen(path) >= sizeof(copy))
		return lt_err_set(err, ENAMETOOLONG, "the path is too long");
	actions_fmt(copy, sizeof(copy), "%s", path);
	dir = dirname(copy);
	if (stat(dir, &st) == 0)
		return 0;
	if (errno != ENOENT)
		return lt_err_set(err, errno, "%s: %s", dir, strerror(errno));
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return lt_err_set(err, errno, "cannot create %s: %s", dir, strerror(errno));
	return 0;
}

int actions_audit_append(const char *path, const char *line, struct lt_err *err)
{
	size_t len = strlen(line), off = 0;
	struct stat st;
	char *buf;
	int fd, ret;

	if (!path || !path[0])
		return lt_err_set(err, EINVAL, "no file named");
	ret = audit_mkdir(path, err);
	if (ret < 0)
		return ret;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY,
		  0600);
	if (fd < 0) {
		if (errno == ELOOP)
			return lt_err_set(err, ELOOP, "it is a symbolic link");
		return lt_err_set(err, errno, "%s", strerror(errno));
	}
	if (fstat(fd, &st) < 0) {
		ret = lt_err_set(err, errno, "%s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = lt_err_set(err, EINVAL, "not a regular file");
		goto out;
	}
	/* an existing file others could read or write: ours only from now on */
	if ((st.st_mode & 077) && fchmod(fd, 0600) < 0) {
		ret = lt_err_set(err, errno, "chmod 0600: %s", strerror(errno));
		goto out;
	}
	buf = malloc(len + 1);
	if (!buf) {
		ret = lt_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	memcpy(buf, line, len);
	buf[len++] = '\n';
	/* one write: O_APPEND keeps a line whole against other writers */
	while (off < len) {
		ssize_t n = write(fd, buf + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(buf);
			ret = lt_err_set(err, n < 0 ? errno : EIO, "write: %s",
					 strerror(n < 0 ? errno : EIO));
			goto out;
		}
		off += (size_t)n;
	}
	free(buf);
	if (fsync(fd) < 0) {
		ret = lt_err_set(err, errno, "fsync: %s", strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (close(fd) < 0 && ret == 0)
		ret = lt_err_set(err, errno, "close: %s", strerror(errno));
	return ret;
}

static void audit_broken_why(const char *path, const struct lt_err *err, char *out,
			     size_t outsz)
{
	char p[300];

	lt_sanitize(path, p, sizeof(p));
	actions_fmt(out, outsz, "cannot write the audit log %s: %s; pass --audit-log FILE to "
		    "choose another, or --no-audit-file to act without one", p, err->msg);
}

/*
 * Would actions_audit_append() work?  A preview's guess, creating nothing:
 * 0, or -errno with the cause in err.
 */
static int probe(const char *path, struct lt_err *err)
{
	char copy[PATH_MAX], *dir;
	struct stat st;

	if (lstat(path, &st) == 0) {
		if (S_ISLNK(st.st_mode))
			return lt_err_set(err, ELOOP, "it is a symbolic link");
		if (!S_ISREG(st.st_mode))
			return lt_err_set(err, EINVAL, "not a regular file");
		if (access(path, W_OK) < 0)
			return lt_err_set(err, errno, "%s", strerror(errno));
		return 0;
	}
	if (errno != ENOENT)
		return lt_err_set(err, errno, "%s", strerror(errno));
	if (strlen(path) >= sizeof(copy))
		return lt_err_set(err, ENAMETOOLONG, "the path is too long");
	actions_fmt(copy, sizeof(copy), "%s", path);
	dir = dirname(copy);
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return lt_err_set(err, ENOTDIR, "%s", strerror(ENOTDIR));
		if (access(dir, W_OK | X_OK) < 0)
			return lt_err_set(err, errno, "%s: %s", dir, strerror(errno));
		return 0;
	}
	if (errno != ENOENT)
		return lt_err_set(err, errno, "%s: %s", dir, strerror(errno));
	/* the directory would be made: its parent must take it */
	dir = dirname(dir);
	if (stat(dir, &st) < 0 || access(dir, W_OK | X_OK) < 0)
		return lt_err_set(err, errno, "cannot create a directory in %s: %s", dir,
				  strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return lt_err_set(err, ENOTDIR, "%s is not a directory", dir);
	return 0;
}

/* The id of one run: leaktop's pid, the time and a counter. */
void actions_audit_new_id(struct actions_result *res)
{
	static unsigned counter;

	actions_fmt(res->audit_id, sizeof(res->audit_id), "%d.%lld.%u", (int)getpid(),
		    (long long)time(NULL), ++counter);
}

/*
 * Write the intent line (file, fsync'd, then syslog) before the first
 * change to the target; what says what the change is.  0, or 1 with the
 * action refused when the audit file cannot take it.
 */
int actions_audit_intent(struct action_run *r, const char *what)
{
	struct actions_audit rec;
	struct lt_err err = { "" };
	char line[1280], why[256];

	audit_who(&rec, r->res, ACTIONS_PHASE_INTENT);
	rec.intent = what;
	actions_audit_format(&rec, line, sizeof(line));
	if (r->audit_path && actions_audit_append(r->audit_path, line, &err) < 0) {
		audit_broken_why(r->audit_path, &err, why, sizeof(why));
		r->audit_broken = 1;
		return actions_refuse(r, EIO, "%s", why);
	}
	r->intent_written = r->audit_path != NULL;
	audit_syslog(line, 1);
	return 0;
}

int actions_audit_probe(struct action_run *r)
{
	struct lt_err err = { "" };
	char why[256];

	if (!r->audit_path || probe(r->audit_path, &err) == 0)
		return 0;
	/* the run would refuse when writing its intent */
	audit_broken_why(r->audit_path, &err, why, sizeof(why));
	actions_refuse(r, EIO, "%s", why);
	actions_fmt_append(r->res->preview, sizeof(r->res->preview), "Refused: %s\n", why);
	return 1;
}

/* The outcome line: audit file, syslog and the hook.  A failure to write
 * it after a change is a warning; the change is not undone. */
void actions_audit_outcome(struct action_run *r)
{
	struct actions_result *res = r->res;
	struct actions_audit rec;
	struct lt_err err = { "" };
	char line[1280], p[300];

	audit_who(&rec, res, ACTIONS_PHASE_OUTCOME);
	actions_audit_format(&rec, line, sizeof(line));
	if (r->audit_path && !r->audit_broken &&
	    actions_audit_append(r->audit_path, line, &err) < 0 && !res->warning[0]) {
		lt_sanitize(r->audit_path, p, sizeof(p));
		actions_fmt(res->warning, sizeof(res->warning), "the outcome could not be "
			    "written to the audit log %s: %s%s", p, err.msg, r->intent_written ?
			    " (its intent line is there)" : "");
	}
	audit_syslog(line, res->outcome == ACTIONS_DONE);
	if (audit_fn)
		audit_fn(&rec, audit_arg);
}

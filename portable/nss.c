/*
 * User and group names for the portable build, read from /etc/passwd and
 * /etc/group directly.
 *
 * A static glibc answers getpwuid() through NSS, which loads the running
 * system's libnss_*.so modules: on an appliance with another glibc those are
 * of the wrong version.  portable/build.sh links with --wrap for the three
 * lookups leaktop and libproc2 make, so they land here instead and read the
 * files only.  Not found, or no file: NULL, and the caller shows the number.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int __wrap_getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t buflen,
		      struct passwd **res);
struct passwd *__wrap_getpwuid(uid_t uid);
struct group *__wrap_getgrgid(gid_t gid);

/* Split line (no newline) at ':' into at most n fields; the count. */
static int split(char *line, char **f, int n)
{
	int i = 0;

	f[i++] = line;
	while (i < n && (line = strchr(line, ':'))) {
		*line++ = '\0';
		f[i++] = line;
	}
	return i;
}

/* Find the line of path whose third field is id, split into n fields, and
 * copy it into buf with f pointing into it.  1 found, 0 not, -ERANGE when it
 * does not fit in buf. */
static int find_id(const char *path, unsigned long id, char *buf, size_t bufsz,
		   char **f, int n)
{
	char line[4096], *end;
	FILE *fp = fopen(path, "re");
	size_t len = 0;
	int found = 0, i;

	if (!fp)
		return 0;
	while (!found && fgets(line, sizeof(line), fp)) {
		line[strcspn(line, "\n")] = '\0';
		len = strlen(line);
		if (split(line, f, n) < n)
			continue;
		found = strtoul(f[2], &end, 10) == id && end != f[2] && !*end;
	}
	fclose(fp);
	if (!found)
		return 0;
	if (len >= bufsz)
		return -ERANGE;
	/* the fields keep their offsets: the copy holds the same NULs */
	memcpy(buf, line, len + 1);
	for (i = 0; i < n; i++)
		f[i] = buf + (f[i] - line);
	return 1;
}

int __wrap_getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t buflen,
		      struct passwd **res)
{
	char *f[7];
	int r = find_id("/etc/passwd", uid, buf, buflen, f, 7);

	*res = NULL;
	if (r < 0)
		return ERANGE;
	if (r == 0)
		return 0;
	*pw = (struct passwd){ .pw_name = f[0], .pw_passwd = f[1], .pw_uid = uid,
			       .pw_gid = (gid_t)strtoul(f[3], NULL, 10),
			       .pw_gecos = f[4], .pw_dir = f[5], .pw_shell = f[6] };
	*res = pw;
	return 0;
}

/* Like getpwuid(): the answer lives until the next call. */
struct passwd *__wrap_getpwuid(uid_t uid)
{
	static struct passwd pw;
	static char buf[4096];
	struct passwd *res;
	int r = __wrap_getpwuid_r(uid, &pw, buf, sizeof(buf), &res);

	if (r)
		errno = r;
	return res;
}

/* Like getgrgid(), without the member list (an empty one). */
struct group *__wrap_getgrgid(gid_t gid)
{
	static struct group gr;
	static char buf[4096];
	static char *none[1];
	char *f[4];

	if (find_id("/etc/group", gid, buf, sizeof(buf), f, 4) <= 0)
		return NULL;
	gr = (struct group){ .gr_name = f[0], .gr_passwd = f[1], .gr_gid = gid,
			     .gr_mem = none };
	return &gr;
}

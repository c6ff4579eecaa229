/*
 * Theme files and the leaktoprc setting, without curses (the unit tests
 * link this file alone).  Parsing follows tmux's style_parse: work on a
 * copy, commit only when the whole file parsed.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "leaktop/common.h"
#include "theme.h"

#ifndef PKGDATADIR
#define PKGDATADIR "/usr/local/share/leaktop"
#endif

static const struct theme_style builtin_styles[THEME_NELEM] = {
#define THEME_X_STYLE(id, name, fg, bg, attr, mono) { fg, bg, attr },
	THEME_ELEMENTS(THEME_X_STYLE)
#undef THEME_X_STYLE
};

static const unsigned mono_attrs[THEME_NELEM] = {
#define THEME_X_MONO(id, name, fg, bg, attr, mono) mono,
	THEME_ELEMENTS(THEME_X_MONO)
#undef THEME_X_MONO
};

static const char *const element_names[THEME_NELEM] = {
#define THEME_X_NAME(id, name, fg, bg, attr, mono) name,
	THEME_ELEMENTS(THEME_X_NAME)
#undef THEME_X_NAME
};

static const char *const colour_names[] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
};

static const struct {
	const char *name;
	unsigned bit;
} attr_names[] = {
	{ "bold", THEME_BOLD }, { "dim", THEME_DIM },
	{ "underline", THEME_UNDERLINE }, { "underscore", THEME_UNDERLINE },
	{ "reverse", THEME_REVERSE }, { "italic", THEME_ITALIC },
	{ "italics", THEME_ITALIC }, { "standout", THEME_STANDOUT },
};

const char *theme_element_name(enum theme_element e)
{
	return (unsigned)e < THEME_NELEM ? element_names[e] : "?";
}

void theme_builtin(struct theme *th)
{
	snprintf(th->name, sizeof(th->name), "default");
	memcpy(th->el, builtin_styles, sizeof(th->el));
}

void theme_mono(struct theme *th)
{
	int i;

	snprintf(th->name, sizeof(th->name), "monochrome");
	for (i = 0; i < THEME_NELEM; i++) {
		th->el[i].fg = THEME_DEFAULT_COLOUR;
		th->el[i].bg = THEME_DEFAULT_COLOUR;
		th->el[i].attr = mono_attrs[i];
	}
}

/* "red", "brightred", "colour123", "default"; 0 or -1. */
static int parse_colour(const char *s, short *out)
{
	size_t i;
	int bright = 0;
	char *end;
	long v;

	if (!strcasecmp(s, "default")) {
		*out = THEME_DEFAULT_COLOUR;
		return 0;
	}
	if (!strncasecmp(s, "colour", 6) || !strncasecmp(s, "color", 5)) {
		s += tolower((unsigned char)s[4]) == 'u' ? 6 : 5;
		if (!isdigit((unsigned char)*s))
			return -1;
		errno = 0;
		v = strtol(s, &end, 10);
		if (errno || *end || v < 0 || v > 255)
			return -1;
		*out = (short)v;
		return 0;
	}
	if (!strncasecmp(s, "bright", 6)) {
		bright = 8;
		s += 6;
	}
	for (i = 0; i < sizeof(colour_names) / sizeof(colour_names[0]); i++) {
		if (!strcasecmp(s, colour_names[i])) {
			*out = (short)(i + (size_t)bright);
			return 0;
		}
	}
	return -1;
}

/* One "fg=red,bold" style into *st (a copy the caller commits). */
static int parse_style(char *text, struct theme_style *st, char *why, size_t whysz)
{
	char *save = NULL, *tok;
	int words = 0;

	for (tok = strtok_r(text, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
		size_t i;

		words++;
		if (!strncasecmp(tok, "fg=", 3) || !strncasecmp(tok, "bg=", 3)) {
			short c;

			if (parse_colour(tok + 3, &c) < 0) {
				snprintf(why, whysz, "unknown colour '%.40s'", tok + 3);
				return -1;
			}
			if (tolower((unsigned char)tok[0]) == 'f')
				st->fg = c;
			else
				st->bg = c;
			continue;
		}
		if (!strcasecmp(tok, "none")) {
			st->attr = 0;
			continue;
		}
		for (i = 0; i < sizeof(attr_names) / sizeof(attr_names[0]); i++)
			if (!strcasecmp(tok, attr_names[i].name))
				break;
		if (i == sizeof(attr_names) / sizeof(attr_names[0])) {
			snprintf(why, whysz, "unknown style word '%.40s'", tok);
			return -1;
		}
		st->attr |= attr_names[i].bit;
	}
	if (!words) {
		snprintf(why, whysz, "empty style");
		return -1;
	}
	return 0;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int theme_parse(const char *text, const char *fname, struct theme *th,
		char *err, size_t errsz)
{
	struct theme tmp;
	char *copy, *line, *next, why[128];
	unsigned lineno = 0;
	int ret = 0;

	copy = strdup(text ? text : "");
	if (!copy) {
		snprintf(err, errsz, "%s: out of memory", fname);
		return -ENOMEM;
	}
	theme_builtin(&tmp);
	snprintf(tmp.name, sizeof(tmp.name), "%s", th->name);
	for (line = copy; line; line = next) {
		char *eq, *key, *val, *hash;
		struct theme_style st;
		int e;

		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		line = trim(line);
		if (!*line)
			continue;
		eq = strchr(line, '=');
		if (!eq) {
			snprintf(why, sizeof(why), "expected 'element = style'");
			goto bad;
		}
		*eq = '\0';
		key = trim(line);
		val = trim(eq + 1);
		for (e = 0; e < THEME_NELEM; e++)
			if (!strcmp(key, element_names[e]))
				break;
		if (e == THEME_NELEM) {
			snprintf(why, sizeof(why), "unknown element '%.40s'", key);
			goto bad;
		}
		/* a style starts from nothing: the file states it whole */
		st.fg = st.bg = THEME_DEFAULT_COLOUR;
		st.attr = 0;
		if (parse_style(val, &st, why, sizeof(why)) < 0)
			goto bad;
		tmp.el[e] = st;
	}
	*th = tmp;
	goto out;
bad:
	{
		char safe[160];

		lt_sanitize(fname, safe, sizeof(safe));
		snprintf(err, errsz, "%s:%u: %s", safe, lineno, why);
	}
	ret = -EINVAL;
out:
	free(copy);
	return ret;
}

/* ~/.config or $XDG_CONFIG_HOME, + rel; 0 or -ENOENT. */
static int config_path(char *out, size_t outsz, const char *rel)
{
	const char *x = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	int n;

	if (x && *x == '/')
		n = snprintf(out, outsz, "%s/leaktop/%s", x, rel);
	else if (home && *home)
		n = snprintf(out, outsz, "%s/.config/leaktop/%s", home, rel);
	else
		return -ENOENT;
	return n > 0 && (size_t)n < outsz ? 0 : -ENAMETOOLONG;
}

/* The theme directories, most specific first; returns the count. */
static int theme_dirs(char dirs[3][1024])
{
	const char *env = getenv("LEAKTOP_THEMES_DIR");
	int n = 0;

	if (env && *env)
		snprintf(dirs[n++], 1024, "%s", env);
	if (config_path(dirs[n], 1024, "themes") == 0)
		n++;
	snprintf(dirs[n++], 1024, "%s/themes", PKGDATADIR);
	return n;
}

static int name_ok(const char *name)
{
	const char *p;

	if (!*name || *name == '.')
		return 0;
	for (p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
			return 0;
	return p - name < 48;
}

int theme_find(const char *name, char *path, size_t pathsz)
{
	char dirs[3][1024];
	struct stat st;
	int i, n;

	if (strchr(name, '/')) {
		snprintf(path, pathsz, "%s", name);
		return stat(path, &st) == 0 && S_ISREG(st.st_mode) ? 0 : -ENOENT;
	}
	if (!name_ok(name))
		return -ENOENT;
	n = theme_dirs(dirs);
	for (i = 0; i < n; i++) {
		int l = snprintf(path, pathsz, "%s/%s.theme", dirs[i], name);

		if (l > 0 && (size_t)l < pathsz && stat(path, &st) == 0 &&
		    S_ISREG(st.st_mode))
			return 0;
	}
	return -ENOENT;
}

int theme_load(const char *name, struct theme *th, char *err, size_t errsz)
{
	char path[1200], safe[160], *buf = NULL;
	struct theme tmp = *th;
	size_t len;
	int r;

	if (theme_find(name, path, sizeof(path)) < 0) {
		if (!strcmp(name, "default")) {
			theme_builtin(th);
			return 0;
		}
		lt_sanitize(name, safe, sizeof(safe));
		snprintf(err, errsz, "theme '%s' not found (see --theme in leaktop(1))",
			 safe);
		return -ENOENT;
	}
	r = lt_read_file(path, &buf, &len, 1 << 20);
	if (r < 0) {
		lt_sanitize(path, safe, sizeof(safe));
		snprintf(err, errsz, "%s: %s", safe, strerror(-r));
		return r;
	}
	if (strchr(name, '/')) {
		const char *base = strrchr(name, '/') + 1;

		snprintf(tmp.name, sizeof(tmp.name), "%.*s", (int)strcspn(base, "."), base);
	} else {
		snprintf(tmp.name, sizeof(tmp.name), "%s", name);
	}
	r = theme_parse(buf, path, &tmp, err, errsz);
	free(buf);
	if (r == 0)
		*th = tmp;
	return r;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

size_t theme_list(char (*names)[64], size_t max)
{
	char dirs[3][1024];
	size_t n = 0, j;
	int d, nd;

	if (max == 0)
		return 0;
	snprintf(names[n++], 64, "default");
	nd = theme_dirs(dirs);
	for (d = 0; d < nd; d++) {
		DIR *dir = opendir(dirs[d]);
		struct dirent *de;

		if (!dir)
			continue;
		while ((de = readdir(dir)) && n < max) {
			size_t l = strlen(de->d_name);
			char nm[64];

			if (l < 7 || l - 6 >= sizeof(nm) || strcmp(de->d_name + l - 6, ".theme"))
				continue;
			snprintf(nm, sizeof(nm), "%.*s", (int)(l - 6), de->d_name);
			if (!name_ok(nm))
				continue;
			for (j = 0; j < n; j++)
				if (!strcmp(names[j], nm))
					break;
			if (j == n)
				snprintf(names[n++], 64, "%s", nm);
		}
		closedir(dir);
	}
	if (n > 1)
		qsort(names + 1, n - 1, sizeof(*names), cmp_name);
	return n;
}

int theme_rc_path(char *path, size_t pathsz)
{
	return config_path(path, pathsz, "leaktoprc");
}

int theme_rc_read(char *name, size_t namesz)
{
	char path[1024], *buf = NULL, *line, *next;
	size_t len;
	int ret = -ENOENT;

	if (theme_rc_path(path, sizeof(path)) < 0 ||
	    lt_read_file(path, &buf, &len, 1 << 16) < 0)
		return -ENOENT;
	for (line = buf; line; line = next) {
		char *eq, *v;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (strchr(line, '#'))
			*strchr(line, '#') = '\0';
		eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		v = trim(eq + 1);
		if (!strcmp(trim(line), "theme") && *v) {
			snprintf(name, namesz, "%s", v);
			ret = 0;
		}
	}
	free(buf);
	return ret;
}

/* mkdir -p of path's parent directories. */
static int make_parents(const char *path)
{
	char tmp[1024], *p;

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

int theme_rc_write(const char *name, char *err, size_t errsz)
{
	char path[1024], tmp[1100], *buf = NULL, *line, *next;
	size_t len = 0;
	FILE *f = NULL;
	int r, done = 0;

	r = theme_rc_path(path, sizeof(path));
	if (r < 0) {
		snprintf(err, errsz, "no $HOME: cannot save the theme");
		return r;
	}
	if (lt_read_file(path, &buf, &len, 1 << 16) < 0)
		buf = NULL;
	r = make_parents(path);
	if (r < 0)
		goto fail;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		r = -errno;
		goto fail;
	}
	for (line = buf; line && *line; line = next) {
		char key[32];

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (sscanf(line, " %31[a-z_] =", key) == 1 && !strcmp(key, "theme")) {
			if (!done)
				fprintf(f, "theme = %s\n", name);
			done = 1;
			continue;
		}
		fprintf(f, "%s\n", line);
	}
	if (!done)
		fprintf(f, "theme = %s\n", name);
	if (fclose(f) != 0) {
		f = NULL;
		r = -errno;
		unlink(tmp);
		goto fail;
	}
	f = NULL;
	if (rename(tmp, path) < 0) {
		r = -errno;
		unlink(tmp);
		goto fail;
	}
	free(buf);
	return 0;
fail:
	free(buf);
	{
		char safe[160];

		lt_sanitize(path, safe, sizeof(safe));
		snprintf(err, errsz, "%s: %s", safe, strerror(-r));
	}
	return r;
}

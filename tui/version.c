/*
 * --version: leaktop's version, then the libraries it was built with, read
 * from the libraries themselves where they say (libc, ncurses, zstd) and
 * from the build where they do not (libmnl, libproc2).  The portable build
 * (./setup portable, --enable-portable) is linked statically with terminfo
 * entries compiled in; it says so, and names them when TERM is another.
 */
#include <gnu/libc-version.h>
#include <curses.h>
#include <zstd.h>

#include "config.h"
#include "version.h"
#include "leaktop/ltbpf.h"
#include "leaktop/origin.h"

#ifdef LEAKTOP_PORTABLE
#define BUILD_KIND "portable, static"
#else
#define BUILD_KIND "shared libraries"
#endif

void version_print(FILE *f)
{
	fprintf(f, "leaktop %s (%s)\n", PACKAGE_VERSION, BUILD_KIND);
	fprintf(f, "  libc      glibc %s\n", gnu_get_libc_version());
	fprintf(f, "  ncurses   %s%s%s\n", curses_version(),
		LEAKTOP_NCURSES_NOTE[0] ? ", " : "", LEAKTOP_NCURSES_NOTE);
	fprintf(f, "  libmnl    %s\n", LEAKTOP_MNL_VERSION);
	fprintf(f, "  libproc2  %s\n", LEAKTOP_PROC2_VERSION);
	fprintf(f, "  zstd      %s\n", ZSTD_versionString());
	{
		char bpf[96];

		ltbpf_version(bpf, sizeof(bpf));
		fprintf(f, "  libbpf    %s\n", bpf);
		unwind_version(bpf, sizeof(bpf));
		fprintf(f, "  libdw     %s\n", bpf);
	}
}

void version_term_message(char *buf, size_t bufsz, const char *term)
{
	if (!term)
		term = "";
#ifdef LEAKTOP_PORTABLE
	snprintf(buf, bufsz, "leaktop: no terminfo entry for TERM=%s; built in: %s; "
		 "use -b or set TERM=xterm", term, LEAKTOP_BUILTIN_TERMS);
#else
	snprintf(buf, bufsz, "leaktop: cannot start the terminal UI (TERM=%s)", term);
#endif
}

#!/bin/bash
# Builds one self-contained, statically linked leaktop for x86_64 and prints
# its path as the last line.  Called by "./setup portable"; see doc/portable.md.
#
# Debian 12 ships static archives for glibc and zstd, which are used as they
# are.  ncurses is built from Debian's source with the common terminals'
# entries compiled in and no terminfo database; libproc2 is built from
# Debian's procps source without systemd (Debian's libproc2.a needs
# libsystemd, which has no static archive).  libmnl has no static archive and
# its source is not on the mirror, so portable/mnl.c provides the part of its
# API that leaktop calls.  User and group names are read from /etc/passwd and
# /etc/group by portable/nss.c, not through NSS (see there).  Sources are fetched with apt-get source through a
# private apt state under the build directory: the system's apt set-up is
# left alone and no root is needed.
#
# Every step leaves a stamp: a second run rebuilds only leaktop's changed
# files.  Environment: LEAKTOP_PORTABLE_DIR (default build-portable/),
# LEAKTOP_PORTABLE_SOURCES (a directory already holding the source tarballs).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
B=${LEAKTOP_PORTABLE_DIR:-$top/build-portable}
NCURSES_DEB=6.4-4
NCURSES_TAR=ncurses_6.4.orig.tar.gz
PROCPS_DEB=2:4.0.2-3
PROCPS_TAR=procps_4.0.2.orig.tar.xz
# keep in step with the message of tui/version.c
TERMS=xterm,xterm-256color,screen,tmux,linux,vt100
ZSTD_A=/usr/lib/x86_64-linux-gnu/libzstd.a
JOBS=$(nproc); [ "$JOBS" -gt 2 ] && JOBS=2
SYS=$B/sysroot

say() { echo "portable: $*" >&2; }
die() { say "$*"; exit 1; }

[ "$(uname -m)" = x86_64 ] || die "builds for x86_64 only (this is $(uname -m))"
[ -f "$ZSTD_A" ] || die "no $ZSTD_A: install libzstd-dev"
[ -f /usr/lib/x86_64-linux-gnu/libc.a ] || die "no static glibc: install libc6-dev"
[ -f /usr/include/libmnl/libmnl.h ] || die "no libmnl.h: install libmnl-dev"
command -v tic >/dev/null || die "no tic: install ncurses-bin"
mkdir -p "$B/src" "$SYS/lib" "$SYS/include"

# apt-get with a private state that has Debian's deb-src lines
apt_src() {
	local a=$B/apt
	mkdir -p "$a/parts" "$a/lists/partial" "$a/cache/archives/partial"
	if [ ! -f "$a/parts/debian-src.sources" ]; then
		cat >"$a/parts/debian-src.sources" <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	fi
	apt-get -q -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$a/parts" \
		-o Dir::State::Lists="$a/lists" -o Dir::Cache="$a/cache" \
		-o Debug::NoLocking=1 -o APT::Sandbox::User="$(id -un)" "$@"
}

# fetch PKG=DEBVERSION TARBALL: the upstream tarball into src/
fetch() {
	local tar=$2
	[ -f "$B/src/$tar" ] && return 0
	if [ -n "${LEAKTOP_PORTABLE_SOURCES:-}" ] && [ -f "$LEAKTOP_PORTABLE_SOURCES/$tar" ]; then
		cp "$LEAKTOP_PORTABLE_SOURCES/$tar" "$B/src/"
		return 0
	fi
	if [ ! -f "$B/apt/updated" ]; then
		say "reading Debian's source index"
		apt_src update >/dev/null || die "apt-get update (deb-src) failed"
		touch "$B/apt/updated"
	fi
	say "fetching $1 from Debian"
	# the pinned version first; a stable update replaces it on the mirror
	# but keeps the upstream tarball's name, so then the current one
	(cd "$B/src" && { apt_src source --download-only "$1" ||
		apt_src source --download-only "${1%%=*}"; } >/dev/null 2>&1) ||
		die "apt-get source ${1%%=*} failed (needs deb.debian.org, or LEAKTOP_PORTABLE_SOURCES)"
	[ -f "$B/src/$tar" ] || die "$tar missing after apt-get source $1"
}

build_ncurses() {
	[ -f "$B/stamp-ncurses" ] && return 0
	fetch "ncurses=$NCURSES_DEB" "$NCURSES_TAR"
	say "building ncurses (terminfo built in: $TERMS)"
	rm -rf "$B/src/ncurses-6.4"
	tar -xzf "$B/src/$NCURSES_TAR" -C "$B/src"
	(cd "$B/src/ncurses-6.4" &&
		./configure -q --prefix="$SYS" --without-shared --with-normal \
			--without-debug --without-profile --without-cxx --without-cxx-binding \
			--without-ada --without-manpages --without-progs --without-tests \
			--without-gpm --without-dlsym --disable-database --disable-db-install \
			--disable-termcap --with-fallbacks="$TERMS" --enable-widec \
			--enable-ext-colors --enable-ext-mouse --without-pkg-config \
			--disable-home-terminfo --disable-getcap &&
		make -s -j"$JOBS" libs && make -s install.libs) >"$B/ncurses.log" 2>&1 ||
		die "ncurses build failed, see $B/ncurses.log"
	touch "$B/stamp-ncurses"
}

# libnuma would be dlopen()ed at run time: a foreign glibc's, on an appliance
PROCPS_FLAGS=(--disable-shared --enable-static --without-systemd --without-elogind
	--without-ncurses --disable-nls --disable-numa)

build_procps() {
	[ "$(cat "$B/stamp-procps" 2>/dev/null)" = "${PROCPS_FLAGS[*]}" ] && return 0
	fetch "procps=$PROCPS_DEB" "$PROCPS_TAR"
	say "building libproc2 (without systemd)"
	rm -rf "$B/src/procps-ng-4.0.2"
	tar -xJf "$B/src/$PROCPS_TAR" -C "$B/src"
	(cd "$B/src/procps-ng-4.0.2" &&
		./configure -q "${PROCPS_FLAGS[@]}" &&
		make -s -j"$JOBS" library/libproc2.la) >"$B/procps.log" 2>&1 ||
		die "libproc2 build failed, see $B/procps.log"
	mkdir -p "$SYS/include/libproc2"
	cp "$B/src/procps-ng-4.0.2/library/include/"*.h "$SYS/include/libproc2/"
	cp "$B/src/procps-ng-4.0.2/library/.libs/libproc2.a" "$SYS/lib/"
	echo "${PROCPS_FLAGS[*]}" >"$B/stamp-procps"
}

# portable/mnl.c as libmnl.a; portable/nss.c, which the link's --wrap
# options send user and group lookups to
build_own() {
	if [ ! "$SYS/lib/libmnl.a" -nt "$top/portable/mnl.c" ]; then
		say "building the libmnl subset"
		gcc -std=gnu11 -O2 -Wall -Wextra -Werror -c "$top/portable/mnl.c" -o "$B/mnl.o"
		rm -f "$SYS/lib/libmnl.a"
		ar cr "$SYS/lib/libmnl.a" "$B/mnl.o"
	fi
	if [ ! "$B/nss.o" -nt "$top/portable/nss.c" ]; then
		gcc -std=gnu11 -O2 -Wall -Wextra -Werror -c "$top/portable/nss.c" -o "$B/nss.o"
	fi
}

build_leaktop() {
	local d=$B/obj
	mkdir -p "$d"
	if [ ! -f "$d/Makefile" ] || [ "$top/configure" -nt "$d/Makefile" ] ||
		[ "$top/portable/build.sh" -nt "$d/Makefile" ]; then
		say "configuring leaktop"
		(cd "$d" && "$top/configure" -q --enable-portable --enable-werror --disable-bpf --disable-origin \
			LDFLAGS="-static -Wl,--wrap=getpwuid,--wrap=getpwuid_r,--wrap=getgrgid" \
			LIBS="$B/nss.o" \
			NCURSESW_CFLAGS="-I$SYS/include/ncursesw -I$SYS/include" \
			NCURSESW_LIBS="$SYS/lib/libncursesw.a" \
			MNL_CFLAGS="" MNL_LIBS="$SYS/lib/libmnl.a" \
			PROC2_CFLAGS="-I$SYS/include" PROC2_LIBS="$SYS/lib/libproc2.a" \
			ZSTD_CFLAGS="" ZSTD_LIBS="$ZSTD_A" \
			LEAKTOP_MNL_VERSION="own subset of the libmnl 1.0.4 API (portable/mnl.c)" \
			LEAKTOP_BUILTIN_TERMS="${TERMS//,/ }" \
			LEAKTOP_PROC2_VERSION="4.0.2 (Debian procps $PROCPS_DEB, without systemd)" \
			LEAKTOP_NCURSES_NOTE="terminfo built in: ${TERMS//,/ }") \
			2> >(grep -v "cannot remove 'core'" >&2) ||
			die "configure failed in $d"
	fi
	# the libraries are not the Makefile's prerequisites: relink by hand
	for f in "$SYS"/lib/*.a "$B/nss.o"; do
		if [ "$f" -nt "$d/leaktop" ]; then rm -f "$d/leaktop"; fi
	done
	make -C "$d" -s -j"$JOBS" leaktop >/dev/null
	if [ ! -f "$B/leaktop" ] || [ "$d/leaktop" -nt "$B/leaktop" ]; then
		strip -o "$B/leaktop" "$d/leaktop"
	fi
}

[ -x "$top/configure" ] || (cd "$top" && autoreconf -fi >/dev/null)
build_ncurses
build_procps
build_own
build_leaktop
size=$(stat -c %s "$B/leaktop")
[ "$size" -le $((4 * 1024 * 1024)) ] || die "$B/leaktop is $size bytes, over 4 MiB"
say "$B/leaktop: static, stripped, $size bytes"
echo "$B/leaktop"

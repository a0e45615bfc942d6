# SPDX-License-Identifier: LiLiQ-P-1.1
# clock-free: what it checks has no date in it; it runs once, not at every clock
# The Debian package in a clean Debian root: make deb (lintian-clean when
# lintian is installed), installed with dpkg into a root holding only the
# essential packages, apt and the package's Depends (mmdebstrap); there the
# user, state directory and conffiles exist, the unit is enabled and not
# started, relaisd --check accepts the shipped configuration as the unit's
# user, systemd-analyze verify accepts the unit (its binaries and manual
# pages), and purge removes configuration and state but not the user.
# Needs root (chroot, mount) and a Debian mirror the first time: the base
# root is cached in build-deb-root/, the package in $BUILD/deb/ is reused
# while no source file is newer. Under make check-sanitize (BUILD=build-san)
# the package is still built from a copy of the tree with Debian's flags:
# nothing of the sanitizer build goes into it.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

if [ "$(id -u)" -ne 0 ]; then
	echo "skipped: t_deb needs root (chroot, mount, dpkg in a root)"
	exit 0
fi
for c in dpkg-buildpackage dh mmdebstrap unshare; do
	command -v "$c" > /dev/null ||
	    fail "$c missing: run tests/deps.sh as root (debhelper, dpkg-dev, mmdebstrap)"
done

# do_make ARGS...: make from the repository, isolated from an enclosing make.
do_make() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u SANITIZE make -s "$@" BUILD="$BUILD"
}

version=$(sed -n 's/^VERSION *:= *//p' Makefile)
assert_eq "$(dpkg-parsechangelog -S Version)" "$version" \
    "debian/changelog's version (the Makefile's VERSION)"
arch=$(dpkg --print-architecture)
deb=$BUILD/deb/relais_${version}_$arch.deb

# The package: reused when no file of the tree is newer than it.
newer=""
if [ -f "$deb" ]; then
	newer=$(find . -path ./.git -prune -o -path './build*' -prune -o \
	    -path "./${BUILD#"$ROOT"/}" -prune -o -type f -newer "$deb" -print | head -n 1)
fi
if [ ! -f "$deb" ] || [ -n "$newer" ]; then
	start=$(date +%s)
	DEB_BUILD_OPTIONS="nocheck parallel=2" DEB_BUILD_PROFILES=nocheck \
	    do_make deb > "$T/deb.log" 2>&1 || fail "make deb: $(tail -n 40 "$T/deb.log")"
	echo "make deb: $(( $(date +%s) - start ))s"
	if command -v lintian > /dev/null; then
		grep -q "^lintian " "$T/deb.log" || fail "make deb did not run lintian"
	fi
else
	echo "reusing $deb"
fi
[ -f "$deb" ] || fail "no $deb after make deb: $(ls "$BUILD/deb")"
[ -f "$BUILD/deb/relais-dbgsym_${version}_$arch.deb" ] || fail "no dbgsym package"

# The base root: essential, apt, the package's Depends (first of each
# alternative, versions dropped), man-db to look the unit's man: pages up.
. /etc/os-release
suite=${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}
mirror=${RELAIS_DEB_MIRROR:-http://deb.debian.org/debian}
depends=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' |
    sed -e 's/|.*//' -e 's/(.*)//' -e 's/:any//' -e 's/ //g' | grep . | sort -u)
include=$(printf '%s\n' "$depends" man-db | sort -u | paste -sd, -)
key=$(printf '%s %s %s' "$suite" "$mirror" "$include" | sha256sum | cut -c1-16)
# Shared by every build directory (make check's build/ and make
# check-sanitize's build-san/): the root depends on none of them.
cache=${RELAIS_DEB_ROOT_CACHE:-$ROOT/build-deb-root}
base=$cache/base-$key.tar
if [ ! -f "$base" ]; then
	start=$(date +%s)
	mkdir -p "$cache"
	rm -f "$cache"/base-*.tar
	# the name must end in .tar: mmdebstrap picks its output format by it
	mmdebstrap --variant=apt --include="$include" "$suite" \
	    "$cache/partial-$$.tar" "$mirror" < /dev/null \
	    > "$T/mmdebstrap.log" 2>&1 ||
	    fail "mmdebstrap: $(tail -n 20 "$T/mmdebstrap.log")"
	mv "$cache/partial-$$.tar" "$base"
	echo "mmdebstrap $suite ($include): $(( $(date +%s) - start ))s"
fi
R=$T/root
mkdir "$R"
tar -C "$R" -xf "$base" || fail "cannot extract $base"

# in_root CMD...: CMD chrooted in $R, /proc mounted in a mount namespace of
# its own (gone with it: nothing to unmount, even after a kill).
in_root() {
	unshare -m --propagation private sh -c \
	    'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' "$R" \
	    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"
}

cp "$deb" "$R/tmp/relais.deb"
in_root dpkg -i /tmp/relais.deb > "$T/dpkg-install.log" 2>&1 ||
    fail "dpkg -i: $(cat "$T/dpkg-install.log")"
assert_eq "$(in_root dpkg-query -W -f '${db:Status-Abbrev}' relais)" "ii " "package state"

for f in usr/sbin/relaisd usr/bin/relaisctl lib/systemd/system/relaisd.service \
    usr/lib/sysusers.d/relais.conf usr/lib/tmpfiles.d/relais.conf \
    etc/default/relaisd etc/relais/relais.yaml etc/relais/templates/fr/welcome.txt.mustache \
    usr/share/man/man8/relaisd.8.gz usr/share/man/man1/relaisctl.1.gz \
    usr/share/man/man5/relais.yaml.5.gz usr/share/doc/relais/README.md \
    usr/share/doc/relais/copyright; do
	[ -f "$R/$f" ] || fail "not installed: /$f"
done
[ ! -e "$R/usr/bin/relaisd" ] || fail "relaisd in /usr/bin (a daemon goes in /usr/sbin)"
grep -qx 'ExecStart=/usr/sbin/relaisd -c /etc/relais/relais.yaml' \
    "$R/lib/systemd/system/relaisd.service" ||
    fail "installed unit's ExecStart: $(grep ExecStart= "$R/lib/systemd/system/relaisd.service")"
grep -v '^#' "$R/etc/default/relaisd" | grep -q . &&
    fail "/etc/default/relaisd sets something: $(grep -v '^#' "$R/etc/default/relaisd" | grep .)"
conffiles=$(in_root dpkg-query -W -f '${Conffiles}' relais)
for c in /etc/relais/relais.yaml /etc/relais/templates/en/welcome.txt.mustache \
    /etc/default/relaisd; do
	printf '%s\n' "$conffiles" | grep -q "^ $c " || fail "not a conffile: $c"
done

# The user and the state directory, from sysusers.d and tmpfiles.d.
pw=$(grep '^relais:' "$R/etc/passwd") || fail "no user relais in the root's /etc/passwd"
case $pw in
*:/var/lib/relais:/usr/sbin/nologin) ;;
*) fail "user relais: $pw" ;;
esac
uid=$(echo "$pw" | cut -d: -f3)
assert_eq "$(stat -c '%a %u' "$R/var/lib/relais")" "750 $uid" "/var/lib/relais mode and owner"

# Enabled, not started: the maintainer scripts never start it.
[ -L "$R/etc/systemd/system/multi-user.target.wants/relaisd.service" ] ||
    fail "relaisd.service not enabled: $(ls "$R/etc/systemd/system/multi-user.target.wants")"
grep -q 'deb-systemd-invoke start' "$R/var/lib/dpkg/info/relais.postinst" &&
    fail "postinst starts relaisd: $(grep -n deb-systemd-invoke "$R/var/lib/dpkg/info/relais.postinst")"
grep -q 'deb-systemd-invoke try-restart' "$R/var/lib/dpkg/info/relais.postinst" ||
    fail "postinst does not restart a running relaisd on upgrade"

# The unit's ExecStartPre, as its user.
out=$(in_root setpriv --reuid=relais --regid=relais --clear-groups \
    relaisd -c /etc/relais/relais.yaml --check 2>&1) ||
    fail "relaisd --check in the root: $out"
echo "$out"
out=$(in_root systemd-analyze verify relaisd.service 2>&1) ||
    fail "systemd-analyze verify in the root: $out"
[ -z "$out" ] || fail "systemd-analyze verify complains: $out"

# Manual pages: a relais header and footer, no build path in what shipped.
page=$(zcat "$R/usr/share/man/man8/relaisd.8.gz" | MANWIDTH=80 man -l - 2>/dev/null)
printf '%s\n' "$page" | head -n 1 | grep -q "^RELAISD(8) *System Manager's Manual *RELAISD(8)$" ||
    fail "relaisd(8) header: $(printf '%s\n' "$page" | head -n 1)"
printf '%s\n' "$page" | tail -n 1 | grep -q "^relais $version " ||
    fail "relaisd(8) footer: $(printf '%s\n' "$page" | tail -n 1)"
built=$(grep -rl -e "$ROOT" -e "/deb/relais-$version" "$R/usr" "$R/etc/relais" \
    "$R/lib/systemd" 2>/dev/null | head -n 3)
[ -z "$built" ] || fail "build paths in installed files: $built"

# Reinstalling keeps an operator's change; purge removes configuration and
# state, leaves the user (README.Debian), which userdel then removes.
echo "# operator's change" >> "$R/etc/relais/relais.yaml"
echo '{"x":1}' > "$R/var/lib/relais/outbox.jsonl"
in_root dpkg -i /tmp/relais.deb > "$T/dpkg-reinstall.log" 2>&1 ||
    fail "dpkg -i again: $(cat "$T/dpkg-reinstall.log")"
assert_eq "$(tail -n 1 "$R/etc/relais/relais.yaml")" "# operator's change" "relais.yaml after reinstall"
in_root dpkg --purge relais > "$T/dpkg-purge.log" 2>&1 ||
    fail "dpkg --purge: $(cat "$T/dpkg-purge.log")"
for p in etc/relais etc/default/relaisd var/lib/relais usr/sbin/relaisd \
    etc/systemd/system/multi-user.target.wants/relaisd.service; do
	[ ! -e "$R/$p" ] && [ ! -L "$R/$p" ] || fail "left by purge: /$p"
done
grep -q '^relais:' "$R/etc/passwd" || fail "purge removed the user relais (README.Debian keeps it)"
in_root userdel relais || fail "userdel relais (README.Debian's command)"
! grep -q '^relais:' "$R/etc/passwd" "$R/etc/group" || fail "userdel left relais behind"
echo "deb: ok"

# SPDX-License-Identifier: LiLiQ-P-1.1
# clock-free: what it checks has no date in it; it runs once, not at every clock
# make install DESTDIR=...: the expected tree from the already-built binaries
# (relaisd in sbin), an operator's config, templates and /etc/default/relaisd
# kept on reinstall, the unit accepted by systemd-analyze and rated 2.0 or
# lower, uninstall leaving /etc/relais and /etc/default/relaisd.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
R=$T/root

# do_make ARGS...: make from the repository, isolated from an enclosing make.
do_make() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s "$@" BUILD="$BUILD"
}

before=$(stat -c %Y "$BUILD/relaisd" "$BUILD/relaisctl")
do_make install DESTDIR="$R" PREFIX=/usr > "$T/install1.log" 2>&1 ||
    fail "make install: $(cat "$T/install1.log")"
assert_eq "$(stat -c %Y "$BUILD/relaisd" "$BUILD/relaisctl")" "$before" \
    "binaries' mtimes (make install must not rebuild)"

for f in usr/sbin/relaisd usr/bin/relaisctl etc/relais/relais.yaml \
    etc/relais/relais.yaml.dist etc/relais/templates/fr/welcome.txt.mustache \
    etc/relais/templates/en/welcome.subject.mustache etc/default/relaisd \
    usr/lib/systemd/system/relaisd.service usr/lib/sysusers.d/relais.conf \
    usr/lib/tmpfiles.d/relais.conf usr/share/man/man8/relaisd.8 \
    usr/share/man/man1/relaisctl.1 usr/share/man/man5/relais.yaml.5 \
    usr/share/doc/relais/README.md; do
	[ -f "$R/$f" ] || fail "not installed: $f"
done
[ -x "$R/usr/sbin/relaisd" ] && [ -x "$R/usr/bin/relaisctl" ] || fail "binaries not executable"
[ ! -e "$R/usr/bin/relaisd" ] || fail "relaisd installed in bin (a daemon goes in sbin)"
cmp -s systemd/relaisd.default "$R/etc/default/relaisd" || fail "/etc/default/relaisd differs from systemd/relaisd.default"
for f in relaisd.8 relaisctl.1 relais.yaml.5; do
	grep -q '^\.TH ' "$R/usr/share/man/man${f##*.}/$f" || fail "$f not installed as man(7)"
done
assert_eq "$(stat -c %a "$R/etc/relais/relais.yaml")" 644 "relais.yaml mode"
cmp -s config/relais.yaml "$R/etc/relais/relais.yaml" || fail "relais.yaml differs from the shipped one"
shipped=$(cd config/templates && find . -type f | wc -l)
assert_eq "$(cd "$R/etc/relais/templates" && find . -type f | wc -l)" "$shipped" "templates installed"
unit=$R/usr/lib/systemd/system/relaisd.service
grep -qx 'ExecStart=/usr/sbin/relaisd -c /etc/relais/relais.yaml' "$unit" ||
    fail "ExecStart: $(grep ExecStart "$unit")"
grep -qx 'Documentation=file:/usr/share/doc/relais/README.md' "$unit" ||
    fail "Documentation: $(grep Documentation "$unit")"
grep -qx 'WatchdogSec=30s' "$unit" || fail "no WatchdogSec (relaisd feeds the watchdog: t_notify)"

out=$("$R/usr/sbin/relaisd" -c "$R/etc/relais/relais.yaml" --check 2>&1) ||
    fail "installed relaisd refuses the installed config: $out"

# Reinstall over an operator's changes: kept, with a note; missing files restored.
echo "# operator's change" >> "$R/etc/relais/relais.yaml"
echo "{{! operator's change }}" >> "$R/etc/relais/templates/fr/welcome.txt.mustache"
rm "$R/etc/relais/templates/en/welcome.sms.mustache"
echo stale > "$R/etc/relais/relais.yaml.dist"
echo "RELAIS_CONSUMER=operator" >> "$R/etc/default/relaisd"
do_make install DESTDIR="$R" PREFIX=/usr > "$T/install2.log" 2>&1 ||
    fail "second make install: $(cat "$T/install2.log")"
assert_eq "$(tail -n 1 "$R/etc/relais/relais.yaml")" "# operator's change" "relais.yaml after reinstall"
assert_eq "$(tail -n 1 "$R/etc/relais/templates/fr/welcome.txt.mustache")" \
    "{{! operator's change }}" "modified template after reinstall"
cmp -s config/templates/en/welcome.sms.mustache "$R/etc/relais/templates/en/welcome.sms.mustache" ||
    fail "a missing template was not installed again"
cmp -s config/relais.yaml "$R/etc/relais/relais.yaml.dist" || fail "relais.yaml.dist not refreshed"
assert_eq "$(tail -n 1 "$R/etc/default/relaisd")" "RELAIS_CONSUMER=operator" \
    "/etc/default/relaisd after reinstall"
grep -q "kept .*/etc/relais/relais.yaml" "$T/install2.log" || fail "no note on the kept config: $(cat "$T/install2.log")"
grep -q "kept modified .*/templates/fr/welcome.txt.mustache" "$T/install2.log" ||
    fail "no note on the kept template: $(cat "$T/install2.log")"

# The default PREFIX (/usr/local) reaches the unit's paths.
do_make install DESTDIR="$T/local" > "$T/install3.log" 2>&1 ||
    fail "make install (default PREFIX): $(cat "$T/install3.log")"
grep -qx 'ExecStartPre=/usr/local/sbin/relaisd -c /etc/relais/relais.yaml --check' \
    "$T/local/usr/local/lib/systemd/system/relaisd.service" || fail "unit under PREFIX=/usr/local"
grep -qx 'Documentation=file:/usr/local/share/doc/relais/README.md' \
    "$T/local/usr/local/lib/systemd/system/relaisd.service" ||
    fail "Documentation= under PREFIX=/usr/local"

if command -v systemd-analyze > /dev/null; then
	# verify checks that the binary exists: point the unit at the DESTDIR
	# one; and that its man: pages exist, which they do only under DESTDIR
	# (t_deb checks them on an installed system).
	mkdir "$T/verify"
	sed "s|=/usr/sbin/relaisd |=$R/usr/sbin/relaisd |" "$unit" > "$T/verify/relaisd.service"
	out=$(systemd-analyze verify --man=no "$T/verify/relaisd.service" 2>&1) ||
	    fail "systemd-analyze verify: $out"
	[ -z "$out" ] || fail "systemd-analyze verify complains: $out"
	out=$(systemd-analyze security --offline=yes "$unit" 2>&1) || true
	level=$(printf '%s\n' "$out" |
	    sed -n 's/^.*Overall exposure level for relaisd.service: \([0-9.]*\).*$/\1/p')
	[ -n "$level" ] || fail "no exposure level in: $out"
	awk -v l="$level" 'BEGIN { exit !(l <= 2.0) }' ||
	    fail "systemd-analyze security: exposure $level, expected 2.0 or lower"
	echo "systemd-analyze security: $level"
else
	echo "skipped systemd-analyze checks: systemd-analyze not installed (apt-get install systemd)"
fi
if command -v systemd-sysusers > /dev/null && command -v systemd-tmpfiles > /dev/null; then
	mkdir -p "$T/sys/etc"
	systemd-sysusers --root="$T/sys" "$R/usr/lib/sysusers.d/relais.conf" > "$T/sysusers.log" 2>&1 ||
	    fail "systemd-sysusers: $(cat "$T/sysusers.log")"
	grep -q '^relais:x:[0-9]*:[0-9]*:.*:/var/lib/relais:/usr/sbin/nologin$' "$T/sys/etc/passwd" ||
	    fail "sysusers: $(cat "$T/sys/etc/passwd")"
	systemd-tmpfiles --root="$T/sys" --create "$R/usr/lib/tmpfiles.d/relais.conf" ||
	    fail "systemd-tmpfiles"
	assert_eq "$(stat -c %a "$T/sys/var/lib/relais")" 750 "state directory mode"
else
	echo "skipped sysusers/tmpfiles checks: systemd-sysusers or systemd-tmpfiles missing"
fi

do_make uninstall DESTDIR="$R" PREFIX=/usr > "$T/uninstall.log" 2>&1 ||
    fail "make uninstall: $(cat "$T/uninstall.log")"
for f in usr/sbin/relaisd usr/bin/relaisctl usr/lib/systemd/system/relaisd.service \
    usr/lib/sysusers.d/relais.conf usr/lib/tmpfiles.d/relais.conf \
    usr/share/doc/relais/README.md; do
	[ ! -e "$R/$f" ] || fail "left by uninstall: $f"
done
[ -f "$R/etc/relais/relais.yaml" ] && [ -f "$R/etc/relais/templates/fr/welcome.txt.mustache" ] &&
    [ -f "$R/etc/default/relaisd" ] || fail "uninstall removed the configuration"
echo "install: ok"

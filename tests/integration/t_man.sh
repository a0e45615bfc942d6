# SPDX-License-Identifier: LiLiQ-P-1.1
# clock-free: what it checks has no date in it; it runs once, not at every clock
# The manual pages are valid mdoc: no mandoc warning, and man renders them
# without complaint.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
pages="man/relaisd.8 man/relaisctl.1 man/relais.yaml.5"
# shellcheck disable=SC2086 # the pages, a word each
out=$(mandoc -T lint -W warning $pages 2>&1) || fail "mandoc lint:
$out"
for f in $pages; do
	out=$(MANWIDTH=80 man --warnings -l "$f" 2>&1 >/dev/null)
	[ -z "$out" ] || fail "$f: $out"
	MANWIDTH=80 man -l "$f" 2>/dev/null | grep -q . || fail "$f renders empty"
done
# As installed (make man: man(7) from the mdoc): a relais header and footer,
# not the "BSD ... Manual" and "BSD" Debian 12's groff gives mdoc pages.
version=$(sed -n 's/^VERSION *:= *//p' Makefile)
out=$(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s man BUILD="$BUILD" 2>&1) ||
    fail "make man: $out"
for f in $pages; do
	f=$BUILD/man/${f#man/}
	out=$(MANWIDTH=80 man --warnings -l "$f" 2>&1 >/dev/null)
	[ -z "$out" ] || fail "$f: $out"
	page=$(MANWIDTH=80 man -l "$f" 2>/dev/null)
	head=$(printf '%s\n' "$page" | head -n 1)
	foot=$(printf '%s\n' "$page" | tail -n 1)
	case $head in
	*BSD*|*"Manual"*"Manual"*) fail "$f header: $head" ;;
	*" Manual "*) ;;
	*) fail "$f header: $head" ;;
	esac
	case $foot in
	"relais $version "*) ;;
	*) fail "$f footer: $foot (expected relais $version first)" ;;
	esac
done
# every top-level configuration key has a section of its own
for k in redis admin limits gateways territories routes templates windows \
    holidays fallback_territory profiles followups matching unsubscribe \
    bounces; do
	grep -qx ".Ss $k" man/relais.yaml.5 || fail "relais.yaml.5 has no section $k"
done
echo "man: ok"

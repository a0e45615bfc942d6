# The manual pages are valid mdoc: no mandoc warning, and man renders them
# without complaint.
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
pages="man/relaisd.8 man/relaisctl.1 man/relais.yaml.5"
out=$(mandoc -T lint -W warning $pages 2>&1) || fail "mandoc lint:
$out"
for f in $pages; do
	out=$(MANWIDTH=80 man --warnings -l "$f" 2>&1 >/dev/null)
	[ -z "$out" ] || fail "$f: $out"
	MANWIDTH=80 man -l "$f" 2>/dev/null | grep -q . || fail "$f renders empty"
done
# every top-level configuration key has a section of its own
for k in redis admin limits gateways territories routes templates windows \
    holidays fallback_territory profiles followups matching unsubscribe \
    bounces; do
	grep -qx ".Ss $k" man/relais.yaml.5 || fail "relais.yaml.5 has no section $k"
done
echo "man: ok"

# SPDX-License-Identifier: LiLiQ-P-1.1
# SIGHUP: a valid new config is taken for the entries read from then on; an
# invalid one is refused with its errors and the old one keeps running; and
# reloads in the middle of a stream of events lose or duplicate nothing.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
start_redis
start_sink gw
start_relaisd

emit "$(event h-1)"
wait_for 10 "first welcome" 'test "$(requests gw)" -ge 1'
assert_eq "$(body_field gw 1 .from)" accueil@abitibi.example "sender before"

sed -i 's/from: accueil@abitibi.example/from: bienvenue@abitibi.example/' "$T/relais.yaml"
kill -HUP "$RELAISD_PID"
wait_for 10 "the reload" 'grep -q "reload: .* loaded" "$T/relaisd.log"'
emit "$(event h-2)"
wait_for 10 "second welcome" 'test "$(requests gw)" -ge 2'
assert_eq "$(body_field gw 2 .from)" bienvenue@abitibi.example "sender after reload"

cp "$T/relais.yaml" "$T/good.yaml"
printf 'limits:\n  max_inflight: lots\n' >> "$T/relais.yaml"
kill -HUP "$RELAISD_PID"
wait_for 10 "the refusal" 'grep -q "reload refused: .*relais.yaml:[0-9]*:[0-9]*: " "$T/relaisd.log"'
alive || fail "relaisd died on a bad config"
emit "$(event h-3)"
wait_for 10 "third welcome, old config" 'test "$(requests gw)" -ge 3'
assert_eq "$(body_field gw 3 .from)" bienvenue@abitibi.example "sender kept"
cp "$T/good.yaml" "$T/relais.yaml"

# reloads while events stream in
for i in $(seq 1 200); do
	emit "$(event "s-$i")"
	case $i in 50|100|150) kill -HUP "$RELAISD_PID" ;; esac
done
wait_for 30 "all delivered" 'test "$(requests gw)" -ge 203'
wait_for 10 "all handled" all_handled
assert_eq "$(requests gw)" 203 "requests (no duplicates)"
keys=$(jq -r '.headers["idempotency-key"]' "$T/gw.jsonl" | sort -u | wc -l)
assert_eq "$keys" 203 "distinct messages"
assert_eq "$(grep -c 'reload: .* loaded' "$T/relaisd.log")" 4 "reloads"
stop_relaisd
echo "reload: ok"

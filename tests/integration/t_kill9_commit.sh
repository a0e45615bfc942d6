# SPDX-License-Identifier: LiLiQ-P-1.1
# kill -9 after the provider accepted and before relaisd recorded it: the
# gateway answered 200, the commit (sent marker + ack, one script) is held
# by Redis (CLIENT PAUSE WRITE), and relaisd dies. Nothing was recorded, so
# the restarted daemon sends again -- under the same Idempotency-Key, which
# is what makes the send effectively-once (DESIGN.md, Delivery semantics):
# a provider honouring the key (the sink with -I) accepts each message
# exactly once and answers the copy with the first message's id, and
# relais:deliveries records one "sent" per message, with that id.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
N=10



# other_clients: Redis clients besides the redis-cli asking
other_clients() {
	rcli client list | grep -vc 'cmd=client|list' || true
}

start_redis
# the first N requests are held until SIGUSR1, any later one answered at once
start_sink gw -I -s "$(printf 'hold:200,%.0s' $(seq 2 $N))hold:200"
# the commit waits on a paused Redis: that must not be a command timeout
COMMAND_TIMEOUT_MS=60000 write_config
start_relaisd
for i in $(seq 1 $N); do
	emit "$(event "c-$i")"
done
wait_for 10 "$N requests held at the gateway" 'test "$(requests gw)" -ge '"$N"

# Redis takes no more writes; then the provider accepts all of them
rcli client pause 60000 write >/dev/null
kill -USR1 "$gw_PID"
wait_for 10 "relaisd to have the $N answers" \
    'test "$(metric "relais_gateway_latency_seconds_count{gateway=\"webhook\"}")" = '"$N"
kill -9 "$RELAISD_PID"
wait "$RELAISD_PID" 2>/dev/null || true
# a dead client's postponed commands are dropped with it: only then resume
wait_for 10 "Redis to drop relaisd's connections" 'test "$(other_clients)" = 0'
rcli client unpause >/dev/null
assert_eq "$(pending)" "$N" "entries pending (nothing was committed)"
assert_eq "$(rcli --scan --pattern 'relais:sent:*' | wc -l)" 0 "sent markers"
assert_eq "$(rcli xlen relais:deliveries)" 0 "relais:deliveries records"

start_relaisd
wait_for 20 "every entry handled" all_handled
assert_eq "$(requests gw)" $((2 * N)) "requests (each message once before the crash, once after)"
for i in $(seq 1 $N); do
	# the requests for c-i: key, status, replay flag, in arrival order
	reqs=$(jq -c --arg id "c-$i" 'select((.body | fromjson | .event_id) == $id) |
	    [.headers["idempotency-key"], .status, (.replay // false)]' "$T/gw.jsonl")
	assert_eq "$(echo "$reqs" | jq -r '.[0]' | sort -u | wc -l)" 1 "c-$i: Idempotency-Keys used"
	assert_eq "$(echo "$reqs" | jq -r 'select(.[1] == 200 and .[2] == false) | .[0]' | wc -l)" 1 \
	    "c-$i: accepted as new by the provider"
	assert_eq "$(echo "$reqs" | jq -r '.[2]' | tr '\n' ' ')" "false true " \
	    "c-$i: first try, then the copy the provider recognised"
	key=$(echo "$reqs" | jq -r '.[0]' | head -n 1)
	# the sink numbers requests in arrival order: sink-<line of the first>
	first=$(jq -r '.headers["idempotency-key"]' "$T/gw.jsonl" | grep -nx "$key" | head -n 1 | cut -d: -f1)
	rec=$(records | jq -r --arg k "$key" 'select(.key == $k) | "\(.outcome) \(.provider_id)"')
	assert_eq "$rec" "sent sink-$first" "c-$i: relais:deliveries (one sent, the provider's first id)"
	assert_eq "$(rcli exists "relais:sent:$key")" 1 "c-$i: sent marker"
done
assert_eq "$(dead_count)" 0 "dead letters"
stop_relaisd
echo "kill -9 between the provider's 200 and the commit: ok ($N resent under their keys, each accepted once)"

# An operator fixes what made a message fail, then replays the dead letter:
# the original bytes go back on the stream, pass the duplicate check (a replay
# is not a producer retry), and the message goes out; the letter is gone.
. "$(dirname "$0")/lib.sh"
start_redis
start_sink gw -s 400
start_relaisd
ctl() {
	RELAIS_REDIS_URL="unix://$T/redis.sock" "$BUILD/relaisctl" -c "$T/relais.yaml" "$@"
}

emit "$(event r-1)"
wait_for 10 "a dead letter" 'test "$(dead_count)" = 1'
id=$(rcli xrange relais:dead - + | head -n 1)
ctl dead show "$id" > "$T/show.txt"
grep -q '^reason: HTTP 400' "$T/show.txt" || fail "dead show: $(cat "$T/show.txt")"
grep -q '"id":"r-1"' "$T/show.txt" || fail "dead show without the payload"
ctl dead list | grep -q "event=r-1" || fail "dead list"

# the gateway now accepts it (the sink answers 200 after its scripted 400)
out=$(ctl dead replay --all)
assert_eq "$out" "1 replayed, 0 left (no event to replay, or failed)" "replay"
wait_for 10 "the replayed event delivered" 'test "$(requests gw)" -ge 2'
wait_for 10 "all handled" all_handled
assert_eq "$(dead_count)" 0 "dead letters after replay"
assert_eq "$(sink_field gw 2 .status)" 200 "second answer"
ctl dead replay 0-1 >/dev/null 2>&1 && fail "replay of a missing id succeeded"
stop_relaisd
echo "dead replay: ok"

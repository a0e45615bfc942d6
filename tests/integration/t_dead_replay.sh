# SPDX-License-Identifier: LiLiQ-P-1.1
# An operator fixes what made a message fail, then replays the dead letter:
# the original bytes go back on the stream, pass the duplicate check (a replay
# is not a producer retry), and the message goes out; the letter is gone.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
start_redis
start_sink gw -s 400
start_relaisd

emit "$(event r-1)"
wait_for 10 "a dead letter" 'test "$(dead_count)" = 1'
id=$(rcli xrange relais:dead - + | head -n 1)
ctl_ok dead show "$id"
printf '%s\n' "$out" | grep -q '^reason: HTTP 400' || fail "dead show: $out"
printf '%s\n' "$out" | grep -q '"id":"r-1"' || fail "dead show without the payload: $out"
ctl_ok dead list
printf '%s\n' "$out" | grep -q "event=r-1" || fail "dead list: $out"

# the gateway now accepts it (the sink answers 200 after its scripted 400);
# replay waits for the outcome and says it
ctl_ok dead replay --all
printf '%s\n' "$out" | grep -q "^$id  event=r-1  replayed as .*: sent$" || fail "replay: $out"
assert_eq "$(printf '%s\n' "$out" | tail -n 1)" \
    "replayed 1: 1 sent, 0 retrying, 0 deferred, 0 dead again, 0 nothing sent, 0 still pending; skipped 0; not replayed 0" "replay"
# (the sink records a request before it answers)
assert_eq "$(requests gw)" 2 "requests once replay said sent"
wait_for 10 "all handled" all_handled
assert_eq "$(dead_count)" 0 "dead letters after replay"
assert_eq "$(sink_field gw 2 .status)" 200 "second answer"
# a missing id: exit 1, said so, nothing replayed
run_ctl dead replay 0-1
assert_eq "$rc" 1 "exit status for a replay of a missing id ($err)"
assert_eq "$out" "replayed 0: 0 sent, 0 retrying, 0 deferred, 0 dead again, 0 nothing sent, 0 still pending; skipped 0; not replayed 1" "replay of a missing id"
printf '%s\n' "$err" | grep -q "no dead letter 0-1" || fail "replay of a missing id: $err"
run_ctl dead show 0-1
assert_eq "$rc" 1 "exit status for dead show of a missing id ($err)"

# what a letter holds came from outside: no escape sequence reaches the
# operator's terminal, from show or from list
esc=$(printf '\033]0;pwned\007\302\233')
eid=$(rcli xadd relais:dead '*' reason "bad$esc" payload "{\"id\":\"x$esc\"}" event_id "e$esc")
ctl_ok dead show "$eid"
printf '%s' "$out" | LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" &&
    fail "dead show passed control bytes: $(printf '%s' "$out" | od -c | head -5)"
printf '%s\n' "$out" | grep -qF 'reason: bad\x1b]0;pwned\x07\u009b' || fail "dead show: $out"
ctl_ok dead list
printf '%s' "$out" | LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" &&
    fail "dead list passed control bytes"
sched_kinds_exact "dead replay"
stop_relaisd
echo "dead replay: ok"

# SPDX-License-Identifier: LiLiQ-P-1.1
# Dead-letter triage: dead list, replay and drop choose letters by reason,
# event type and age; --dry-run changes nothing; replay skips the letters
# whose event can never be handled (not JSON, too big, an unknown type) and
# refuses them by id; drop removes letters and their dead-event key, but
# keeps one holding the bytes another letter needs; replay waits for and
# prints each event's outcome (sent, dead again, still pending), exits 1
# when one failed again, and says so when it did not wait.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
start_redis
start_sink gw -s 400,400,400,400
export RELAIS_TEST_NOW=2026-03-04T14:30:00-05:00	# the SMS goes now
start_relaisd

# letters that can never succeed: not JSON, too big, an unknown type
for i in 1 2 3; do
	rcli xadd relais:events '*' event "not json {$i" > /dev/null
done
emit '{"specversion":"1.0","id":"u-1","source":"t","type":"no.such.type"}'
head -c 270000 /dev/zero | tr '\0' a | sed 's/^/{"x":"/; s/$/"}/' |
    rcli -x xadd relais:events '*' event > /dev/null
# an event whose two deliveries die (400): one letter holds its bytes
emit "$(event d-1 '"email":"ana@example.com","phone":"819-555-0123","consent":{"email":true,"sms":true}')"
wait_for 10 "the letters of d-1" 'test "$(dead_count)" = 7'
emit "$(event t-1)"
# a follow-up about nobody relais knows
emit '{"specversion":"1.0","id":"f-1","source":"t","type":"followup.done","data":{"person":{"id":"nobody"}}}'
wait_for 10 "nine letters" 'test "$(dead_count)" = 9'
wait_for 10 "all handled" all_handled
letter() {	# the id of the letter of event $1 ("" for none); with $2: the nth
	rcli --json xrange relais:dead - + | jq -r --arg e "$1" \
	    '[.[] | select(.[1] | [range(0; length; 2) as $i | {(.[$i]): .[$i + 1]}] | add | .event_id == $e) | .[0]] | .['"${2:-0}"'] // ""'
}
holder=$(letter d-1 0)
referent=$(letter d-1 1)
[ -n "$holder" ] && [ -n "$referent" ] || fail "no letters of d-1"
assert_eq "$(rcli xrange relais:dead "$referent" "$referent" | grep -A1 -x payload_in | tail -n 1)" \
    "$holder" "the second letter of d-1 points at the first"
fu=$(letter f-1)
[ -n "$fu" ] || fail "no letter of f-1: $(rcli xrange relais:dead - +)"

# dead list: filters, combined
reasons() { printf '%s\n' "$out" | grep -c '^    reason:' || true; }
ctl_ok dead list -n 100 --reason "INVALID json"
assert_eq "$(reasons)" 3 "letters whose reason says invalid JSON"
ctl_ok dead list --type newcomer.arrived
assert_eq "$(reasons)" 3 "letters of newcomer.arrived events"
ctl_ok dead list --type newcomer.arrived --reason "HTTP 400" --since 1h
assert_eq "$(reasons)" 3 "newcomer.arrived, HTTP 400, the last hour"
ctl_ok dead list --type followup.done
assert_eq "$(reasons)" 1 "letters of followup.done events"
ctl_ok dead list -n 100 --since 2h
assert_eq "$(reasons)" 9 "letters of the last two hours"
ctl_ok dead list --since 2099-01-01T00:00:00Z
assert_eq "$out" "no dead letters match" "letters since 2099"
for args in "dead list --since yesterday" "dead replay --reason x" "dead replay" \
    "dead drop --type x $holder" "dead replay --wait 1 --no-wait --all"; do
	# shellcheck disable=SC2086 # the arguments, a word each
	run_ctl $args
	assert_eq "$rc" 2 "relaisctl $args: a usage error ($err)"
done

# replay --all --dry-run: what would go, what is skipped; nothing changes
ctl_ok dead replay --all --dry-run
printf '%s\n' "$out" | grep -q "^would replay $holder  event=d-1  (with letters $referent)$" ||
    fail "dry run, d-1: $out"
printf '%s\n' "$out" | grep -q "^would replay $referent" && fail "d-1 replayed twice: $out"
printf '%s\n' "$out" | grep -qE '^ +3  invalid JSON at line $' || fail "dry run, skipped: $out"
printf '%s\n' "$out" | grep -qE '^ +1  unknown event type $' || fail "dry run, skipped: $out"
printf '%s\n' "$out" | grep -qE '^ +1  event is $' || fail "dry run, skipped: $out"
assert_eq "$(printf '%s\n' "$out" | tail -n 1)" \
    "dry run: 3 events would be replayed, 5 letters skipped; nothing changed" "dry run"
assert_eq "$(dead_count)" 9 "letters after the dry run"
assert_eq "$(rcli xlen relais:events)" 0 "stream after the dry run"
# by id, a letter that can never succeed is refused, and stays
bad=$(rcli --json xrange relais:dead - + | jq -r '.[0][0]')
run_ctl dead replay "$bad"
assert_eq "$rc" 1 "replay of an invalid JSON letter ($out)"
printf '%s\n' "$err" | grep -q "$bad not replayed: its event can never be handled: invalid JSON" ||
    fail "replay of an invalid JSON letter: $err"
assert_eq "$(dead_count)" 9 "letters after a refused replay"

# drop: dry run, then for real, by reason
ctl_ok dead drop --all --reason "invalid json" --dry-run
assert_eq "$(printf '%s\n' "$out" | grep -c '^would drop ')" 3 "dry run of drop"
assert_eq "$(dead_count)" 9 "letters after a dry-run drop"
ctl_ok dead drop --all --reason "invalid json"
assert_eq "$(printf '%s\n' "$out" | tail -n 1)" "3 dropped, 0 kept" "drop by reason"
assert_eq "$(dead_count)" 6 "letters after the drop"
ctl_ok dead list -n 100 --reason "invalid json"
assert_eq "$out" "no dead letters match" "invalid JSON letters left"
# a letter holding the bytes another needs is kept
assert_eq "$(rcli get relais:dead-event:d-1)" "$holder" "dead-event key of d-1"
run_ctl dead drop "$holder"
assert_eq "$rc" 1 "drop of a letter another needs ($out)"
printf '%s\n' "$out" | grep -q "^kept $holder: letter $referent of the same event needs" ||
    fail "drop of the holder: $out"
assert_eq "$(dead_count)" 6 "letters after a refused drop"
run_ctl dead drop -- 0-1
assert_eq "$rc" 1 "drop of a missing letter"
printf '%s\n' "$err" | grep -q "no dead letter 0-1" || fail "drop of a missing letter: $err"

# replay waits for the outcome: t-1 fails again (the 4th 400), then goes
t1=$(letter t-1)
run_ctl dead replay "$t1"
assert_eq "$rc" 1 "replay of t-1 that dies again ($out $err)"
printf '%s\n' "$out" | grep -q "^$t1  event=t-1  replayed as .*: dead again$" || fail "dead again: $out"
printf '%s\n' "$out" | grep -q "^    new dead letter .*: HTTP 400" || fail "dead again, reason: $out"
t1=$(letter t-1)
[ -n "$t1" ] || fail "no new letter of t-1"
ctl_ok dead replay "$t1"
printf '%s\n' "$out" | grep -q "^$t1  event=t-1  replayed as .*: sent$" || fail "sent: $out"
printf '%s\n' "$out" | grep -q "^    email to newcomer (welcome): sent$" || fail "sent, detail: $out"
assert_eq "$(printf '%s\n' "$out" | tail -n 1)" \
    "replayed 1: 1 sent, 0 retrying, 0 deferred, 0 dead again, 0 nothing sent, 0 still pending; skipped 0; not replayed 0" "summary"
assert_eq "$(letter t-1)" "" "letters of t-1 after it was sent"
# replaying the second letter of d-1 replays the event once, and removes both
ctl_ok dead replay "$referent"
printf '%s\n' "$out" | grep -q "^$referent  event=d-1  replayed as .*: sent$" || fail "d-1: $out"
printf '%s\n' "$out" | grep -q "^    with letters $holder of the same event$" || fail "d-1: $out"
assert_eq "$(letter d-1)" "" "letters of d-1 after the replay"
assert_eq "$(rcli exists relais:dead-event:d-1)" 0 "dead-event key of d-1 after the replay"
# (the sink records a request before it answers)
assert_eq "$(requests gw)" 7 "requests: 3 failed, t-1 failed again, then t-1, d-1's email and SMS"

# --no-wait says it did not wait
ctl_ok dead replay --no-wait --all --type followup.done
printf '%s\n' "$out" | grep -q "^$fu  event=f-1  replayed as .*: not waited for$" || fail "no wait: $out"
wait_for 10 "f-1 dead again" 'test -n "$(letter f-1)"'
# relaisd stopped: still pending at the end of the wait
wait_for 10 "all handled" all_handled
stop_relaisd
fu=$(letter f-1)
run_ctl dead replay --wait 1 "$fu"
assert_eq "$rc" 1 "replay with relaisd stopped ($out)"
printf '%s\n' "$out" | grep -q "^$fu  event=f-1  replayed as .*: still pending after 1 s" ||
    fail "still pending: $out"
start_relaisd
wait_for 10 "f-1 handled" 'test -n "$(letter f-1)"'
# what is left: the letters that can never succeed and f-1's
ctl_ok dead drop --all --since 1h --type no.such.type
assert_eq "$(printf '%s\n' "$out" | tail -n 1)" "1 dropped, 0 kept" "drop by type"
run_ctl dead replay --all
assert_eq "$rc" 1 "replay --all with f-1 dying again ($out)"
printf '%s\n' "$out" | grep -q "^skipped 1 letter whose event can never be handled:" || fail "$out"
printf '%s\n' "$out" | grep -q "event=f-1  replayed as .*: dead again$" || fail "$out"
stop_relaisd
echo "dead triage: ok"

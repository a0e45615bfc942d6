# SPDX-License-Identifier: LiLiQ-P-1.1
# kill -9, then restart: nothing is lost and nothing recorded as sent goes
# out again.
# 1. Killed with every request held by the gateway (no answer yet): each
#    event goes out once more after the restart, under the Idempotency-Key
#    of its first try.
# 2. Killed between two deliveries of one event: the email was answered and
#    its sent marker written at once, the SMS was still out. The restarted
#    daemon resumes the entry, sends the SMS again and never the email.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

# keys NAME: the Idempotency-Keys of sink NAME's requests, sorted, one a line
keys() {
	jq -r '.headers["idempotency-key"]' "$T/$1.jsonl" | sort
}

# per_event NAME: "<event id> <requests>" per event sink NAME saw
per_event() {
	jq -r '.body | fromjson | .event_id' "$T/$1.jsonl" | sort | uniq -c |
	    awk '{ print $2, $1 }'
}


markers() {
	rcli --scan --pattern 'relais:sent:*' | wc -l | tr -d ' '
}

restart_sink() {	# NAME [options]: a new sink of that name, the old record kept
	local name=$1 pid
	shift
	pid=$(eval echo "\$${name}_PID")
	kill -TERM "$pid"
	wait "$pid" 2>/dev/null || true
	mv "$T/$name.jsonl" "$T/$name-before.jsonl"
	rm -f "$T/$name.port"
	start_sink "$name" "$@"
}

crash() {
	kill -9 "$RELAISD_PID"
	wait "$RELAISD_PID" 2>/dev/null || true
}

# ---- 1: every request held by the gateway
start_redis
start_sink gw -D hold:200
start_relaisd
for i in $(seq 1 20); do
	emit "$(event "k-$i")"
done
wait_for 10 "twenty requests held at the gateway" 'test "$(requests gw)" -ge 20'
crash
assert_eq "$(pending)" 20 "entries pending after kill -9"
assert_eq "$(markers)" 0 "sent markers before any answer"

restart_sink gw
start_relaisd
wait_for 20 "every entry handled" all_handled
# each event went out exactly once more, under its first key
for i in $(seq 1 20); do
	per_event gw | grep -qx "k-$i 1" ||
	    fail "k-$i: expected one request after the restart, got: $(per_event gw | grep "^k-$i " || echo none)"
done
assert_eq "$(keys gw | uniq | wc -l)" 20 "distinct Idempotency-Keys after the restart"
[ "$(keys gw)" = "$(keys gw-before)" ] ||
    fail "the resent requests carry other keys than the first tries"
assert_eq "$(markers)" 20 "sent markers"
assert_eq "$(records | jq -r 'select(.outcome == "sent") | .key' | sort -u | wc -l)" 20 \
    "keys recorded sent in relais:deliveries"
assert_eq "$(records | wc -l)" 20 "relais:deliveries records (one per message)"
assert_eq "$(dead_count)" 0 "dead letters"
sched_kinds_exact "kill -9, first part"
stop_relaisd

# ---- 2: killed between the two deliveries of one event
kill -TERM "$gw_PID"
wait "$gw_PID" 2>/dev/null || true
start_sink mail		# answers at once
start_sink sms -D hold:200
rcli del relais:deliveries >/dev/null
write_config
# the SMS route through a second webhook, at any hour of the suite's clocks
sed -i 's|^  webhook:$|  webhook2:\n    kind: webhook\n    url: http://127.0.0.1:'"$sms_PORT"'/sms\n  webhook:|' "$T/relais.yaml"
awk '/channel: sms \}/ && /newcomer.arrived/ { sms = 1 }
    sms && /window: sms-hours/ { sms = 0; next }
    /^  - match:/ && !/channel: sms \}/ { sms = 0 }
    { print }' "$T/relais.yaml" > "$T/relais.yaml.tmp" && mv "$T/relais.yaml.tmp" "$T/relais.yaml"
grep -q "url: http://127.0.0.1:$sms_PORT/sms" "$T/relais.yaml" || fail "gateway webhook2 not added"
grep -A 3 "type: newcomer.arrived, role: newcomer, channel: sms" "$T/relais.yaml" |
    grep -q "window:" && fail "the newcomer SMS route still has a window"
export RELAIS_SMS_GATEWAY=webhook2
RELAIS_WEBHOOK_URL=http://127.0.0.1:$mail_PORT/messages
export RELAIS_WEBHOOK_URL
both='"email":"ana@example.com","phone":"+18195550123","consent":{"email":true,"sms":true}'
for i in $(seq 1 5); do
	emit "$(event "m-$i" "$both")"
done
start_relaisd
wait_for 10 "five emails answered" 'test "$(requests mail)" -ge 5'
wait_for 10 "five SMS held" 'test "$(requests sms)" -ge 5'
# the emails' markers are durable before their entries are finished
for k in $(keys mail); do
	wait_for 10 "the sent marker of email $k" '[ "$(rcli exists "relais:sent:$k")" = 1 ]'
done
crash
assert_eq "$(pending)" 5 "entries pending after kill -9 (the SMS still owed)"
for k in $(keys sms); do
	assert_eq "$(rcli exists "relais:sent:$k")" 0 "sent marker of SMS $k before its answer"
done

restart_sink sms
sed -i '/^  webhook2:$/,/^  webhook:$/ s|^    url: .*|    url: http://127.0.0.1:'"$sms_PORT"'/sms|' "$T/relais.yaml"
start_relaisd
wait_for 20 "every entry handled" all_handled
assert_eq "$(requests mail)" 5 "emails sent in all (none resent after the crash)"
assert_eq "$(requests sms)" 5 "SMS sent after the restart"
[ "$(keys sms)" = "$(keys sms-before)" ] ||
    fail "the SMS went out again under other keys than the first tries"
for k in $(keys mail); do
	r=$(records | jq -r --arg k "$k" 'select(.key == $k) | "\(.outcome) \(.reason)"')
	assert_eq "$r" "skipped already sent" "relais:deliveries for email $k"
done
for k in $(keys sms); do
	r=$(records | jq -r --arg k "$k" 'select(.key == $k) | .outcome')
	assert_eq "$r" sent "relais:deliveries for SMS $k"
done
assert_eq "$(dead_count)" 0 "dead letters"
sched_kinds_exact "after the restart"
stop_relaisd
echo "kill -9 and restart: ok (20 resent under their keys; 5 SMS resent, 0 emails)"

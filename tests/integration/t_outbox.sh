# SPDX-License-Identifier: LiLiQ-P-1.1
# The outbox gateway: one JSON line per message, with every field the
# records contract names; relaisctl prints it readably.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
start_redis
# The SMS route keeps business hours (sms-hours): a weekday afternoon in
# Québec, so the SMS goes now at whatever hour the suite runs.
export RELAIS_TEST_NOW=2026-03-04T14:30:00-05:00
RELAIS_EMAIL_GATEWAY=outbox RELAIS_SMS_GATEWAY=outbox start_relaisd
RELAIS_REDIS_URL="unix://$T/redis.sock" "$BUILD/relaisctl" -c "$T/relais.yaml" \
    emit "$ROOT/config/examples/01-welcome-fr.json" | grep -q "^1 event pushed" ||
    fail "relaisctl emit"
wait_for 10 "two lines in the outbox" 'test "$(wc -l < "$T/outbox.jsonl")" -ge 2'
for f in delivery_key event_id type territory role channel language gateway template from to text at; do
	v=$(sed -n 1p "$T/outbox.jsonl" | jq -r ".$f")
	[ -n "$v" ] && [ "$v" != null ] || fail "outbox record without $f"
done
assert_eq "$(sed -n 1p "$T/outbox.jsonl" | jq -r .territory)" vallee-de-l-or "territory from Val-d'Or"
assert_eq "$(jq -r .channel "$T/outbox.jsonl" | sort | tr '\n' ' ')" "email sms " "channels"
jq -r 'select(.channel == "email") | .subject' "$T/outbox.jsonl" | grep -q "Amina" || fail "subject"
jq -r 'select(.channel == "sms") | .text' "$T/outbox.jsonl" | grep -q "^Bienvenue Amina" || fail "sms text"
out=$("$BUILD/relaisctl" outbox "$T/outbox.jsonl") || fail "relaisctl outbox exit status"
printf '%s\n' "$out" | grep -q "^Subject: Bienvenue" || fail "relaisctl outbox: $out"
stop_relaisd
echo "outbox: ok"

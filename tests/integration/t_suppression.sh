# SPDX-License-Identifier: LiLiQ-P-1.1
# The suppression list: a recipient put on it (here by an operator) is
# never sent to again, whatever the event; taken off, they are again.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
start_redis
start_sink gw
start_relaisd

ctl_ok suppress add Ana@Example.com "asked by phone"
assert_eq "$out" "email:ana@example.com suppressed" "add"
ctl_ok suppress list
printf '%s\n' "$out" | grep -q '^email:ana@example.com .*"source":"relaisctl"' || fail "list: $out"
emit "$(event s-1)"
wait_for 10 "handled" all_handled
assert_eq "$(requests gw)" 0 "requests to a suppressed address"
rcli xrange relais:deliveries - + | grep -qx "recipient opted out (suppression list)" ||
    fail "skip not recorded"

ctl_ok suppress remove ana@example.com
assert_eq "$out" "email:ana@example.com no longer suppressed" "remove"
# an operator's changes are in the consent history, as the public ones are
hist=$(rcli xrange relais:consent:email:ana@example.com - + | awk 'prev == "action" || prev == "source" || prev == "result" { printf "%s ", $0 } { prev = $0 }')
assert_eq "$hist" "optout relaisctl added optin relaisctl removed " "consent history"
[ "$(rcli ttl relais:consent:email:ana@example.com)" -gt 0 ] || fail "the consent history never expires"
emit "$(event s-2)"
wait_for 10 "sent again" 'test "$(requests gw)" -ge 1'
# refused as a usage error (exit 2), with the reason
run_ctl suppress add not-an-address
assert_eq "$rc" 2 "exit status for a bad address ($err)"
printf '%s\n' "$err" | grep -q "not an email address nor a phone number" ||
    fail "bad address: no reason: $err"
ctl_ok suppress list
if printf '%s\n' "$out" | grep -q 'not-an-address'; then
	fail "a bad address was recorded: $out"
fi
stop_relaisd
echo "suppression: ok"

# The suppression list: a recipient put on it (here by an operator) is
# never sent to again, whatever the event; taken off, they are again.
. "$(dirname "$0")/lib.sh"
start_redis
start_sink gw
start_relaisd
ctl() {
	RELAIS_REDIS_URL="unix://$T/redis.sock" "$BUILD/relaisctl" -c "$T/relais.yaml" "$@"
}

assert_eq "$(ctl suppress add Ana@Example.com "asked by phone")" "email:ana@example.com suppressed" "add"
ctl suppress list | grep -q '^email:ana@example.com .*"source":"relaisctl"' || fail "list: $(ctl suppress list)"
emit "$(event s-1)"
wait_for 10 "handled" all_handled
assert_eq "$(requests gw)" 0 "requests to a suppressed address"
rcli xrange relais:deliveries - + | grep -qx "recipient opted out (suppression list)" ||
    fail "skip not recorded"

assert_eq "$(ctl suppress remove ana@example.com)" "email:ana@example.com no longer suppressed" "remove"
emit "$(event s-2)"
wait_for 10 "sent again" 'test "$(requests gw)" -ge 1'
ctl suppress add not-an-address >/dev/null 2>&1 && fail "a bad address was accepted"
stop_relaisd
echo "suppression: ok"

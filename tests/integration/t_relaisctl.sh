# SPDX-License-Identifier: LiLiQ-P-1.1
# relaisctl as an operator meets it: every command's --help prints its
# usage and runs nothing (a person called "--help" is not erased); an id
# that looks like an option is refused unless after "--"; unknown options
# are errors; --version; read-only commands need only the redis section
# (a gateway's secret unset, a config broken elsewhere); status exits 3
# when relaisd is down or the stream is stuck, 1 when Redis cannot be
# reached (naming the URL, password masked), and tells retries from window
# deferrals; the environment file of relaisd's unit is read as systemd
# reads it.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
start_redis
start_sink gw -s 429:3600
# Saturday 23:30 in Québec: every SMS waits for its window
export RELAIS_TEST_NOW=2026-03-08T04:30:00Z
RELAIS_ADMIN_ADDR=127.0.0.1:$(free_port)
export RELAIS_ADMIN_ADDR
start_relaisd

# --version, as relaisd's
v=$("$BUILD/relaisd" --version | awk '{ print $2 }')
[ -n "$v" ] || fail "relaisd --version: no version"
for o in --version -V; do
	assert_eq "$("$BUILD/relaisctl" $o)" "relaisctl $v" "relaisctl $o"
done

# people called "--help" and "-x"
person() {	# event-id person-id
	printf '{"specversion":"1.0","id":"%s","source":"t","type":"newcomer.arrived","data":{"person":{"id":"%s","first_name":"Ana","language":"fr","email":"nobody@example.com","consent":{"email":false}},"municipality":"Amos"}}' "$1" "$2"
}
emit "$(person h-1 --help)"
emit "$(person h-2 -x)"
wait_for 10 "both stored" 'test "$(rcli exists relais:person:--help relais:person:-x)" = 2'

# help never runs anything, wherever it stands
for args in "forget --help" "forget -h" "help forget" "forget --email a@b.c --help" \
    "forget --help -- p-1"; do
	# shellcheck disable=SC2086 # the arguments, a word each
	run_ctl $args
	assert_eq "$rc" 0 "relaisctl $args: exit status ($err)"
	printf '%s\n' "$out" | head -n 1 | grep -q '^usage: relaisctl forget PERSON_ID' ||
	    fail "relaisctl $args: no usage: $out"
	assert_eq "$(rcli exists relais:person:--help)" 1 "relaisctl $args erased --help"
done
# ... for every command
for cmd in emit status "dead list" "dead show" "dead replay" "dead drop" \
    "suppress add" "suppress remove" "suppress list" report forget export \
    render outbox help; do
	# shellcheck disable=SC2086 # the arguments, a word each
	run_ctl $cmd --help
	assert_eq "$rc" 0 "relaisctl $cmd --help: exit status ($err)"
	printf '%s\n' "$out" | head -n 1 | grep -q "^usage: relaisctl $cmd" ||
	    fail "relaisctl $cmd --help: $out"
	# unknown options are errors, never arguments
	# shellcheck disable=SC2086 # the arguments, a word each
	run_ctl $cmd --no-such-option
	assert_eq "$rc" 2 "relaisctl $cmd --no-such-option: exit status ($out)"
	printf '%s\n' "$err" | grep -q "unknown option --no-such-option" ||
	    fail "relaisctl $cmd --no-such-option: $err"
done
run_ctl dead --help
assert_eq "$rc" 0 "dead --help ($err)"
printf '%s\n' "$out" | grep -q '^usage: relaisctl dead drop' || fail "dead --help: $out"
# --help beside destructive arguments: nothing happens
rcli xadd relais:dead '*' reason 'invalid JSON at line 1, column 1: x' payload 'x' \
    event_id '' stream_id 1-1 > /dev/null
ctl_ok suppress add keep@example.com
printf '%s\n' '{"specversion":"1.0","id":"e-1","source":"t","type":"job.closed","data":{}}' > "$T/e.json"
before=$(rcli xlen relais:events)
for args in "dead drop --all --help" "dead replay --all --help" \
    "suppress remove keep@example.com --help" "emit $T/e.json --help"; do
	# shellcheck disable=SC2086 # the arguments, a word each
	ctl_ok $args
done
assert_eq "$(dead_count)" 1 "dead letters after --help"
assert_eq "$(rcli hexists relais:suppressed email:keep@example.com)" 1 "suppression after --help"
assert_eq "$(rcli xlen relais:events)" "$before" "events after emit --help"

# ids that look like options: refused, unless after "--"
run_ctl forget -x
assert_eq "$rc" 2 "forget -x ($err)"
assert_eq "$(rcli exists relais:person:-x)" 1 "forget -x erased -x"
for args in "forget -" "dead drop -" "suppress remove -"; do
	# shellcheck disable=SC2086 # the arguments, a word each
	run_ctl $args
	assert_eq "$rc" 2 "relaisctl $args ($err)"
	printf '%s\n' "$err" | grep -q 'goes after "--"' || fail "relaisctl $args: $err"
done
ctl_ok forget -- -x
assert_eq "$(rcli exists relais:person:-x)" 0 "forget -- -x"
ctl_ok forget -- --help
printf '%s\n' "$out" | grep -q '^person --help: stored profile erased' || fail "forget -- --help: $out"
assert_eq "$(rcli exists relais:person:--help)" 0 "forget -- --help"

# emit --backfill: the person stored, nothing sent
event bf-1 > "$T/bf.json"
ctl_ok emit --backfill "$T/bf.json"
wait_for 10 "the backfill stored" 'test "$(rcli exists relais:person:p-bf-1)" = 1'
wait_for 10 "the backfill's note" 'grep -q "event=bf-1 .*backfill (relaisnotify: none)" "$T/relaisd.log"'
assert_eq "$(requests gw)" 0 "messages for a backfill"
run_ctl emit --raw --backfill "$T/bf.json"
assert_eq "$rc" 2 "emit --raw --backfill ($err)"

# status tells retries (the email: 429, retry in an hour) from deferrals
# (the SMS at 23:30; "retry 0 0", its record gone), and one whose counts do
# not tell by its delivery record (outcome deferred)
emit "$(event s-1 '"email":"ana@example.com","phone":"819-555-0123","consent":{"email":true,"sms":true}')"
wait_for 10 "both scheduled" 'test "$(rcli zcard relais:scheduled)" = 2'
rcli zrange relais:scheduled 0 -1 | grep -q '^retry 0 1 ' || fail "no gateway wait: $(rcli zrange relais:scheduled 0 -1)"
rcli zadd relais:scheduled 4102444800000 'retry 3 0 k-deferred {"type":"x"}' > /dev/null
rcli zadd relais:scheduled 4102444800000 'retry 0 0 k-no-record {"type":"x"}' > /dev/null
rcli xadd relais:deliveries '*' key k-deferred outcome deferred \
    reason 'outside window sms-hours: deferred to 2100-01-01T00:00:00.000Z' > /dev/null
ctl_ok status
printf '%s\n' "$out" | grep -qE '^  retries +1$' || fail "status: retries:
$out"
printf '%s\n' "$out" | grep -qE '^  deferred \(window or cap\) +3$' || fail "status: deferrals:
$out"
printf '%s\n' "$out" | grep -qx 'status: ok' || fail "status not ok:
$out"
printf '%s\n' "$out" | grep -q "admin port $RELAIS_ADMIN_ADDR: ready" || fail "status: admin:
$out"

# read-only commands need only the redis section: a route's gateway whose
# secret is not set, a section broken, a variable used elsewhere unset
export RELAIS_EMAIL_GATEWAY=sendgrid
unset RELAIS_SENDGRID_API_KEY
run_ctl render --event "$T/e.json"
assert_eq "$rc" 1 "render without the secret ($err)"
printf '%s\n' "$err" | grep -q RELAIS_SENDGRID_API_KEY || fail "render: $err"
month=$(redis_month)
for args in status "dead list" "suppress list" "report --month $month" \
    "dead list --reason json" "dead replay --all --dry-run"; do
	# shellcheck disable=SC2086 # the arguments, a word each
	run_ctl $args
	assert_eq "$rc" 0 "relaisctl $args without the secret ($err)"
done
unset RELAIS_EMAIL_GATEWAY
cp "$T/relais.yaml" "$T/good.yaml"
echo "bogus_section: 1" >> "$T/relais.yaml"
sed -i 's|^  dir: templates$|  dir: /nonexistent|' "$T/relais.yaml"
sed -i 's|^    url: ${RELAIS_WEBHOOK_URL.*|    url: ${RELAIS_TEST_NEVER_SET}|' "$T/relais.yaml"
grep -q RELAIS_TEST_NEVER_SET "$T/relais.yaml" || fail "the test's config edit failed"
ctl_ok status
printf '%s\n' "$err" | grep -q 'RELAIS_TEST_NEVER_SET}* not set' || fail "status: no note: $err"
ctl_ok dead list
run_ctl render --event "$T/e.json"
assert_eq "$rc" 1 "render with a broken config ($err)"
# a broken redis section stops them, saying where
printf 'redis:\n  bogus: 1\n' > "$T/bad.yaml"
rc=0
"$BUILD/relaisctl" -c "$T/bad.yaml" status > /dev/null 2> "$T/bad.err" || rc=$?
assert_eq "$rc" 1 "status with a broken redis section"
grep -q 'bad.yaml:2:3: unknown key "bogus" in redis' "$T/bad.err" || fail "$(cat "$T/bad.err")"
printf 'redis:\n  url: ${RELAIS_TEST_NEVER_SET}\n' > "$T/bad.yaml"
rc=0
"$BUILD/relaisctl" -c "$T/bad.yaml" status > /dev/null 2> "$T/bad.err" || rc=$?
assert_eq "$rc" 1 "status with an unset redis url"
grep -q 'RELAIS_TEST_NEVER_SET is not set' "$T/bad.err" || fail "$(cat "$T/bad.err")"
cp "$T/good.yaml" "$T/relais.yaml"

# Redis unreachable: exit 1, the URL tried named, its password masked
dead_port=$(free_port)
for args in status "dead list" "suppress list" "report --month 2026-03" "dead drop --all"; do
	rc=0
	# shellcheck disable=SC2086 # the arguments, a word each
	RELAIS_REDIS_URL="redis://alice:s3cr3t@127.0.0.1:$dead_port/0" \
	    "$BUILD/relaisctl" -c "$T/relais.yaml" $args > /dev/null 2> "$T/down.err" || rc=$?
	assert_eq "$rc" 1 "relaisctl $args, Redis down"
	grep -q "redis://alice:\*\*\*@127.0.0.1:$dead_port/0" "$T/down.err" ||
	    fail "relaisctl $args: no URL: $(cat "$T/down.err")"
	grep -q s3cr3t "$T/down.err" && fail "relaisctl $args: the password shown"
done

# relaisd's environment file: its values win over the environment's, as
# relaisd sees only them; --env-file names another, "" none
cat > "$T/env" <<EOF
# the unit's EnvironmentFile
RELAIS_REDIS_URL="unix://$T/redis.sock"
; comment
export RELAIS_IGNORED=1
RELAIS_CONSUMER='from file'
EOF
for how in file option; do
	rc=0
	if [ $how = file ]; then
		RELAIS_ENV_FILE=$T/env RELAIS_REDIS_URL=redis://127.0.0.1:$dead_port/0 \
		    "$BUILD/relaisctl" -c "$T/relais.yaml" dead list > "$T/env.out" 2> "$T/env.err" || rc=$?
	else
		RELAIS_REDIS_URL=redis://127.0.0.1:$dead_port/0 "$BUILD/relaisctl" \
		    -c "$T/relais.yaml" --env-file "$T/env" dead list > "$T/env.out" 2> "$T/env.err" || rc=$?
	fi
	assert_eq "$rc" 0 "dead list with the env file ($how): $(cat "$T/env.err")"
	grep -q "invalid JSON" "$T/env.out" || fail "env file ($how): $(cat "$T/env.out")"
	grep -q "RELAIS_REDIS_URL from $T/env" "$T/env.err" || fail "no note of the override: $(cat "$T/env.err")"
	grep -q "env:4: \"export RELAIS_IGNORED\" is not a variable name" "$T/env.err" ||
	    fail "no warning for export: $(cat "$T/env.err")"
done
rc=0
RELAIS_REDIS_URL=redis://127.0.0.1:$dead_port/0 "$BUILD/relaisctl" -c "$T/relais.yaml" \
    --env-file '' dead list > /dev/null 2> "$T/env.err" || rc=$?
assert_eq "$rc" 1 "--env-file '': the environment's URL"
grep -q "redis://127.0.0.1:$dead_port/0" "$T/env.err" || fail "$(cat "$T/env.err")"
rc=0
"$BUILD/relaisctl" -c "$T/relais.yaml" --env-file "$T/none" dead list > /dev/null 2> "$T/env.err" || rc=$?
assert_eq "$rc" 1 "a missing --env-file"
printf 'A=\377\n' > "$T/env.bad"
rc=0
"$BUILD/relaisctl" -c "$T/relais.yaml" --env-file "$T/env.bad" dead list > /dev/null 2> "$T/env.err" || rc=$?
assert_eq "$rc" 1 "an env file that is not UTF-8"
grep -q "invalid UTF-8" "$T/env.err" || fail "$(cat "$T/env.err")"

# status for monitoring: relaisd stopped, its admin port silent: exit 3
stop_relaisd
run_ctl status
assert_eq "$rc" 3 "status with relaisd stopped ($out)"
printf '%s\n' "$out" | grep -q "^status: NOT OK: .*admin port $RELAIS_ADMIN_ADDR does not answer" ||
    fail "status with relaisd stopped: $out"
# elsewhere (--no-admin): its consumer not seen for a while, an entry unread
wait_for 10 "the consumer gone" 'run_ctl status --no-admin --max-idle 1; test "$rc" = 3'
printf '%s\n' "$out" | grep -q "no consumer of group relais seen in the last 1 s" || fail "status: $out"
emit "$(event s-2)"
run_ctl status --no-admin --max-idle 100000 --max-age 3600
assert_eq "$rc" 0 "status with a fresh unread entry ($out)"
wait_for 10 "the entry to be stuck" 'run_ctl status --no-admin --max-idle 100000 --max-age 1; test "$rc" = 3'
printf '%s\n' "$out" | grep -q "^status: NOT OK: entry .* unhandled for" || fail "status: $out"
rcli xgroup destroy relais:events relais > /dev/null
run_ctl status --no-admin
assert_eq "$rc" 3 "status without a group"
printf '%s\n' "$out" | grep -q "no consumer group relais" || fail "status: $out"
echo "relaisctl: ok"

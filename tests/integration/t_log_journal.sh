# SPDX-License-Identifier: LiLiQ-P-1.1
# Under journald (JOURNAL_STREAM names relaisd's stderr) every line is a
# datagram of the native protocol, with fields to filter on: what
# `journalctl -p warning` and `journalctl OUTCOME=dead` would show for one
# bad address and one gateway outage is exactly those failures. A datagram
# socket plays journald; nothing is written to stderr.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
start_redis
python3 - "$T/journal.sock" "$T/journal.jsonl" <<'PY' &
import json, socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as out:
    while True:
        dg, fields, i = s.recv(65536), {}, 0
        while i < len(dg):
            nl = dg.index(b"\n", i)
            line = dg[i:nl]
            if b"=" in line:
                k, v = line.split(b"=", 1)
                i = nl + 1
            else:   # NAME\n, little-endian 64-bit length, value, \n
                k, (n,) = line, struct.unpack("<Q", dg[nl + 1:nl + 9])
                v, i = dg[nl + 9:nl + 9 + n], nl + 10 + n
            fields[k.decode()] = v.decode("utf-8", "replace")
        out.write(json.dumps(fields) + "\n")
PY
PIDS+=($!)
wait_for 10 "the journal socket" 'test -S "$T/journal.sock"'
DOWN=$(free_port)
MAX_ATTEMPTS=3 BACKOFF_BASE_MS=50 BACKOFF_CAP_MS=100 write_config
sed -i 's|^  webhook:$|  webhook:\n    breaker_failures: 2\n    breaker_cooldown_ms: 300|' \
    "$T/relais.yaml"
: > "$T/relaisd.log"
# stderr is this file: JOURNAL_STREAM names its device and inode
# shellcheck disable=SC2094 # stat reads the log's inode, not the log
RELAIS_REDIS_URL="unix://$T/redis.sock" RELAIS_EMAIL_GATEWAY=webhook \
RELAIS_WEBHOOK_URL="http://127.0.0.1:$DOWN/messages" RELAIS_CONSUMER=journal \
JOURNAL_STREAM=$(stat -c '%d:%i' "$T/relaisd.log") \
RELAIS_JOURNAL_SOCKET=$T/journal.sock \
    "$BUILD/relaisd" -c "$T/relais.yaml" 2>> "$T/relaisd.log" &
RELAISD_PID=$!
PIDS+=("$RELAISD_PID")
wait_for 10 "the consumer group" group_exists
emit "$(event bad-1 '"email":"ana@@example","consent":{"email":true}')"
emit "$(event out-1)"
wait_for 20 "two dead letters" 'test "$(dead_count)" = 2'
wait_for 10 "all handled" all_handled
stop_relaisd
wait_for 10 "the last line" 'grep -q "\"MESSAGE\": \"stopped\"" "$T/journal.jsonl"'

[ -s "$T/relaisd.log" ] && fail "written to stderr under journald: $(head -n 3 "$T/relaisd.log")"
jq -e 'select(.SYSLOG_IDENTIFIER != "relaisd" or (.PRIORITY | test("^[0-7]$") | not))' \
    "$T/journal.jsonl" > /dev/null && fail "a datagram without identifier or priority"
# journalctl -p warning (the suite's clock, run-integration.sh -c, adds
# its own warning: tests only)
got=$(jq -r 'select((.PRIORITY | tonumber) <= 4) |
    select(.MESSAGE | startswith("RELAIS_TEST_NOW is set") | not) |
    [.PRIORITY, (.EVENT_ID // .GATEWAY), (.OUTCOME // ("breaker=" + .BREAKER))] |
    join(" ")' "$T/journal.jsonl" | sort)
# in any order: bad-1's commit and out-1's retries race on a loaded machine
want=$(printf '%s\n' "4 bad-1 dead" "4 webhook breaker=open" "4 out-1 dead" |
    sort)
[ "$got" = "$want" ] || fail "priority warning and above: expected
$want
got
$got
all:
$(cat "$T/journal.jsonl")"
# journalctl OUTCOME=dead EVENT_TYPE=newcomer.arrived TERRITORY=abitibi
assert_eq "$(jq -r 'select(.OUTCOME == "dead" and .EVENT_TYPE == "newcomer.arrived" and .TERRITORY == "abitibi") | .EVENT_ID' "$T/journal.jsonl" | tr '\n' ' ')" \
    "bad-1 out-1 " "dead deliveries by field"
assert_eq "$(jq -r 'select(.EVENT_ID == "out-1" and .OUTCOME == "dead") | .ATTEMPT' "$T/journal.jsonl")" \
    3 "attempt of the given-up delivery"
# MESSAGE is the text line, as it would be on a terminal
jq -r 'select(.EVENT_ID == "bad-1") | .MESSAGE' "$T/journal.jsonl" |
    grep -q '^event=bad-1 type=newcomer.arrived .* outcome=dead .*reason="invalid email address"$' ||
    fail "MESSAGE of the bad address: $(jq -r 'select(.EVENT_ID == "bad-1") | .MESSAGE' "$T/journal.jsonl")"

# --check as the unit's ExecStartPre=: its errors reach the journal as
# errors, in the same FILE:LINE:COL: form, and nothing goes to stderr
{ cat "$T/relais.yaml"; echo "bogus_key: 1"; } > "$T/bad.yaml"
: > "$T/check.log"
rc=0
# shellcheck disable=SC2094 # stat reads the log's inode, not the log
JOURNAL_STREAM=$(stat -c '%d:%i' "$T/check.log") RELAIS_JOURNAL_SOCKET=$T/journal.sock \
    "$BUILD/relaisd" -c "$T/bad.yaml" --check 2>> "$T/check.log" || rc=$?
assert_eq "$rc" 1 "exit status of --check on a bad file"
[ -s "$T/check.log" ] && fail "--check wrote to stderr under journald: $(cat "$T/check.log")"
wait_for 10 "the refusal in the journal" \
    "jq -e 'select(.PRIORITY == \"3\" and (.MESSAGE | startswith(\"$T/bad.yaml:\")))' \"\$T/journal.jsonl\""
echo "journald logs: ok"

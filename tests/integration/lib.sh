# SPDX-License-Identifier: LiLiQ-P-1.1
# Shared helpers for integration scenarios: a throwaway redis-server, HTTP
# sinks and relaisd processes in a private temporary directory, polling with
# deadlines (never fixed sleeps), and cleanup on any exit.
# shellcheck shell=bash
set -eu  # no pipefail: "producer | grep -q" must not fail on SIGPIPE

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
T=$(mktemp -d /tmp/relais-it.XXXXXX)
PIDS=()
# every relaisd of a test gets its own admin port
export RELAIS_ADMIN_ADDR=${RELAIS_ADMIN_ADDR:-127.0.0.1:0}
# relaisctl reads no environment file of the machine's (/etc/default/relaisd)
export RELAIS_ENV_FILE=
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# The suite's clock (run-integration.sh -c): the daemon's and relaisctl's
# clock for a scenario that sets none of its own.
if [ -n "${RELAIS_SUITE_NOW:-}" ] && [ -z "${RELAIS_TEST_NOW:-}" ]; then
	export RELAIS_TEST_NOW=$RELAIS_SUITE_NOW
fi

# exited PID: the process is gone, or a zombie left for wait to reap, or
# the number now belongs to a process that is not this scenario's child
# (pids wrap around quickly: a dead daemon's may be reused).
exited() {
	local st ppid
	read -r st ppid <<EOF2 || return 0
$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1,2)
EOF2
	[ -z "$st" ] || [ "$st" = Z ] || [ "$ppid" != "$$" ]
}

# stop_within SECONDS PID...: SIGTERM, then SIGKILL whatever is still running
# after SECONDS; prints the pids that had to be killed. A daemon that ignores
# SIGTERM must not hang the suite.
stop_within() {
	local secs=$1 p deadline left
	shift
	for p in "$@"; do
		exited "$p" || kill -TERM "$p" 2>/dev/null || true
	done
	deadline=$(( $(date +%s) + secs ))
	while [ "$(date +%s)" -lt "$deadline" ]; do
		left=""
		for p in "$@"; do
			exited "$p" || left="$left $p"
		done
		[ -n "$left" ] || break
		sleep 0.05
	done
	left=""
	for p in "$@"; do
		exited "$p" && continue
		left="$left $p($(cat "/proc/$p/comm" 2>/dev/null))"
		kill -KILL "$p" 2>/dev/null || true
	done
	echo "$left"
}

cleanup() {
	local rc=$? p killed
	trap - EXIT INT TERM
	killed=$(stop_within "${STOP_SECONDS:-20}" "${PIDS[@]}")
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	if [ -n "${killed// }" ]; then
		echo "FAIL: still running ${STOP_SECONDS:-20}s after SIGTERM," \
		    "killed:$killed" >&2
		[ "$rc" -ne 0 ] || rc=1
	fi
	if [ -S "$T/redis.sock" ]; then
		rcli shutdown nosave >/dev/null 2>&1 || true
	fi
	if [ "$rc" -ne 0 ]; then
		for f in "$T"/*.log; do
			[ -f "$f" ] || continue
			echo "---- $(basename "$f") (last 30 lines)"
			tail -n 30 "$f"
		done
	fi
	[ -n "${KEEP:-}" ] || rm -rf "$T"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'echo "FAIL: $(basename "$0") was stopped (timed out?)" >&2; exit 143' TERM

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# wait_for SECONDS DESCRIPTION 'SHELL CONDITION': polls until it holds. The
# condition is a string, evaluated anew on every poll.
wait_for() {
	local secs=$1 what=$2 deadline
	shift 2
	deadline=$(( $(date +%s%N) / 1000000 + secs * 1000 ))
	until eval "$*" >/dev/null 2>&1; do
		if [ $(( $(date +%s%N) / 1000000 )) -ge "$deadline" ]; then
			fail "timed out after ${secs}s waiting for: $what"
		fi
		sleep 0.05
	done
}

# free_port: a TCP port on 127.0.0.1 nothing listens on, below the kernel's
# ephemeral range (ip_local_port_range), so that no outgoing connection of
# a scenario running beside can be holding it when a server binds it.
free_port() {
	local lo p
	lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
	while :; do
		p=$(( 10000 + $(od -An -N2 -tu2 /dev/urandom) % (lo - 10000) ))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || break
	done
	echo "$p"
}

# rcli ARGS...: redis-cli on the private server ($REDIS_AUTH when it has a password).
rcli() {
	if [ -n "${REDIS_AUTH:-}" ]; then
		redis-cli -s "$T/redis.sock" -a "$REDIS_AUTH" --no-auth-warning "$@"
	else
		redis-cli -s "$T/redis.sock" "$@"
	fi
}

# start_redis [redis-server options...]: a private server on a unix socket.
start_redis() {
	redis-server --port 0 --unixsocket "$T/redis.sock" --unixsocketperm 700 \
	    --save "" --appendonly no --dir "$T" "$@" > "$T/redis.log" 2>&1 &
	REDIS_PID=$!
	PIDS+=("$REDIS_PID")
	wait_for 10 "redis-server to answer" rcli ping
	# the first start only, and only while no relaisd runs: one reconnecting
	# in a loop (a restart, or t_notify's relaisd started before Redis) may
	# write its group and scripts between the ping above and this look
	if [ -z "${REDIS_STARTED:-}" ] &&
	    ! { [ -n "${RELAISD_PID:-}" ] && alive; }; then
		[ "$(rcli dbsize)" = 0 ] ||
		    fail "refusing to run against a non-empty database"
	fi
	REDIS_STARTED=1
}

# start_sink NAME [sink options...]: an HTTP gateway on 127.0.0.1, port in $NAME_PORT.
start_sink() {
	local name=$1
	shift
	"$BUILD/sink" -l 127.0.0.1:0 -P "$T/$name.port" -o "$T/$name.jsonl" "$@" \
	    > "$T/$name.log" 2>&1 &
	PIDS+=($!)
	eval "${name}_PID=$!"
	wait_for 10 "sink $name to listen" test -s "$T/$name.port"
	eval "${name}_PORT=$(cat "$T/$name.port")"
	touch "$T/$name.jsonl"
}

# requests NAME: how many requests sink NAME has recorded.
requests() {
	wc -l < "$T/$1.jsonl" | tr -d ' '
}

# The shipped config's daily bound per recipient (100) would defer what
# scenarios send by the hundred to one address: off, unless a scenario
# sets it (t_recipient_bound).
export RELAIS_MAX_PER_RECIPIENT=${RELAIS_MAX_PER_RECIPIENT:-0}

# write_config: the shipped config, with test-friendly limits, in $T.
write_config() {
	ln -sfn "$ROOT/config/templates" "$T/templates"
	ln -sfn "$ROOT/config/noc2021.tsv" "$T/noc2021.tsv"
	sed -e 's/^  claim_idle_ms: .*/  claim_idle_ms: '"${CLAIM_IDLE_MS:-300000}"'/' \
	    -e 's/^  max_deliveries: .*/  max_deliveries: '"${MAX_DELIVERIES:-10}"'/' \
	    -e 's/^  backoff_base_ms: .*/  backoff_base_ms: '"${BACKOFF_BASE_MS:-200}"'/' \
	    -e 's/^  backoff_cap_ms: .*/  backoff_cap_ms: '"${BACKOFF_CAP_MS:-1000}"'/' \
	    -e 's/^  max_attempts: .*/  max_attempts: '"${MAX_ATTEMPTS:-10}"'/' \
	    -e 's/^  drain_timeout_ms: .*/  drain_timeout_ms: '"${DRAIN_TIMEOUT_MS:-10000}"'/' \
	    -e 's/^  block_ms: .*/  block_ms: 200\n  command_timeout_ms: '"${COMMAND_TIMEOUT_MS:-5000}"'/' \
	    -e 's/^  max_inflight: .*/  max_inflight: '"${MAX_INFLIGHT:-2000}"'/' \
	    -e 's/^  reminders_gather_s: .*/  reminders_gather_s: '"${REMINDERS_GATHER_S:-1}"'/' \
	    "$ROOT/config/relais.yaml" > "$T/relais.yaml"
	# The pipeline's scenarios count one message per arrival: without
	# HANDLERS=1 the rosters are empty (no counsellor notice) and no
	# follow-up is planned. The handlers' scenarios set HANDLERS=1.
	if [ "${HANDLERS:-0}" != 1 ]; then
		awk '/^    counsellors:/ { print "    counsellors: []"; skip = 1; next }
		    skip && /^      - \{ id:/ { next }
		    /^  plan:/ { print "  plan: []"; skip = 1; next }
		    skip && /^    - \{ kind:/ { next }
		    { skip = 0; print }' "$T/relais.yaml" > "$T/relais.yaml.tmp" &&
		    mv "$T/relais.yaml.tmp" "$T/relais.yaml"
	fi
	if [ -n "${CLAIM_INTERVAL_MS:-}" ]; then
		sed -i 's/^  claim_idle_ms: \(.*\)$/  claim_idle_ms: \1\n  claim_interval_ms: '"$CLAIM_INTERVAL_MS"'/' \
		    "$T/relais.yaml"
	fi
}

# start_relaisd [NAME]: the daemon, gateways pointed at the sinks.
start_relaisd() {
	local name=${1:-relaisd}
	[ -f "$T/relais.yaml" ] || write_config
	RELAIS_REDIS_URL="unix://$T/redis.sock" \
	RELAIS_OUTBOX="$T/outbox.jsonl" \
	RELAIS_WEBHOOK_URL=${RELAIS_WEBHOOK_URL:-http://127.0.0.1:${gw_PORT:-9}/messages} \
	RELAIS_EMAIL_GATEWAY=${RELAIS_EMAIL_GATEWAY:-webhook} \
	RELAIS_SMS_GATEWAY=${RELAIS_SMS_GATEWAY:-webhook} \
	RELAIS_CONSUMER=${RELAIS_CONSUMER:-$name} \
	RELAIS_ADMIN_ADDR=${RELAIS_ADMIN_ADDR:-127.0.0.1:0} \
	    "$BUILD/relaisd" -c "$T/relais.yaml" >> "$T/$name.log" 2>&1 &
	RELAISD_PID=$!
	PIDS+=("$RELAISD_PID")
	wait_for 10 "relaisd to create its consumer group" group_exists
}

group_exists() {
	rcli xinfo groups relais:events 2>/dev/null | grep -q relais
}

# stop_relaisd: SIGTERM and wait; fails if the exit status is not 0, or if
# relaisd is still running past its drain bound (then it is killed).
stop_relaisd() {
	local rc=0 secs killed
	secs=$(( ${DRAIN_TIMEOUT_MS:-10000} / 1000 + 10 ))
	killed=$(stop_within "$secs" "$RELAISD_PID")
	[ -z "${killed// }" ] || fail "relaisd still running ${secs}s after SIGTERM:$killed"
	wait "$RELAISD_PID" || rc=$?
	[ "$rc" -eq 0 ] || fail "relaisd exited with status $rc"
}

alive() {
	kill -0 "$RELAISD_PID" 2>/dev/null
}

# reader_idle: seconds since relaisd's reading connection (the one whose
# last command was XREADGROUP) last spoke to Redis; -1 while it is blocked
# in a read. Redis counts whole seconds: 2 means more than one.
reader_idle() {
	rcli client list | awk '/ cmd=xreadgroup / {
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^idle=/) idle = substr($i, 6)
			if ($i ~ /^flags=/ && $i ~ /b/) idle = -1
		}
		print idle
	}' | head -n 1
}

# records: relais:deliveries as one JSON object a line
records() {
	rcli --json xrange relais:deliveries - + |
	    jq -c '.[] | .[1] | [range(0; length; 2) as $i | {(.[$i]): .[$i + 1]}] | add'
}

metric() {	# NAME{LABELS}: its value on relaisd's admin port, or nothing
	local port
	port=$(sed -n 's/.*admin listening on .* (port \([0-9]*\)).*/\1/p' "$T/relaisd.log" | tail -n 1)
	curl -s "http://127.0.0.1:$port/metrics" | awk -v m="$1" '$1 == m { print $2 }'
}

# ctl ARGS...: relaisctl on the scenario's Redis and config.
ctl() {
	RELAIS_REDIS_URL="unix://$T/redis.sock" "$BUILD/relaisctl" -c "$T/relais.yaml" "$@"
}

# run_ctl ARGS...: relaisctl's standard output in $out, its standard error
# in $err, its exit status in $rc (a crash is 134 or 139, not a refusal)
run_ctl() {
	rc=0
	out=$(ctl "$@" 2> "$T/ctl.err") || rc=$?
	err=$(cat "$T/ctl.err")
}

# ctl_ok ARGS...: run_ctl, and fail unless relaisctl exited 0
ctl_ok() {
	run_ctl "$@"
	[ "$rc" = 0 ] || fail "relaisctl $*: exit status $rc: $out $err"
}

# The month of Redis's clock (UTC), for what is filed by it (the deliveries
# stream's ids, the old stats:<YYYY-MM>).
redis_month() {
	date -u -d "@$(rcli time | head -n 1)" +%Y-%m
}
# report FIRST-MONTH: relaisctl report --csv from the earliest to the latest
# of FIRST-MONTH, Redis's month and RELAIS_TEST_NOW's (relais files its
# figures by the territory's local month of its own clock), each
# territory's figures added up, in $T/report.txt as the lines
# "territory,arrivals,welcomes,counsellor_notices,followups_due,
# followups_done,followups_overdue,checkins,employer_alerts,departures,
# failed" (welcomes ... failed: messages); followups_overdue counts "today".
report() {
	local first last m rc
	first=$1
	last=$(redis_month)
	if [ -n "${RELAIS_TEST_NOW:-}" ]; then
		# figures go in the territory's local month (the shipped zone:
		# America/Toronto), which is not UTC's near midnight UTC
		for m in "$(date -u -d "$RELAIS_TEST_NOW" +%Y-%m)" \
		    "$(TZ=America/Toronto date -d "$RELAIS_TEST_NOW" +%Y-%m)"; do
			[[ "$m" < "$first" ]] && first=$m
			[[ "$m" > "$last" ]] && last=$m
		done
	fi
	[[ "$first" > "$last" ]] && last=$first
	rc=0
	ctl report --from "$first" --to "$last" --csv > "$T/report.out" 2> "$T/report.err" || rc=$?
	[ "$rc" = 0 ] || fail "relaisctl report --from $first --to $last: exit status $rc: $(cat "$T/report.err")"
	sed -n 1p "$T/report.out" | grep -q '^month,territory,name,arrivals,' ||
	    fail "relaisctl report --from $first --to $last: $(cat "$T/report.out")"
	python3 - "$T/report.out" > "$T/report.txt" <<'PY'
import csv, sys
cols = ("arrivals", "welcomes_sent", "notices_sent", "followups_due",
    "followups_done", "followups_overdue", "checkins_sent", "alerts_sent",
    "departures", "failed")
sums, order = {}, []
for row in csv.DictReader(open(sys.argv[1], newline="")):
    t = row["territory"]
    if t == "total":
        continue
    if t not in sums:
        sums[t] = dict.fromkeys(cols, 0)
        order.append(t)
    for c in cols:
        v = int(row[c] or 0)
        sums[t][c] = max(sums[t][c], v) if c == "followups_overdue" else sums[t][c] + v
for t in order:
    print(",".join([t] + [str(sums[t][c]) for c in cols]))
PY
}
# event ID [PERSON_JSON_FIELDS] [DATA_EXTRA]: a newcomer.arrived event.
event() {
	local id=$1 person=${2:-'"email":"ana@example.com","consent":{"email":true}'}
	local extra=${3:-'"municipality":"Amos"'}
	printf '{"specversion":"1.0","id":"%s","source":"https://tests.example","type":"newcomer.arrived","data":{"person":{"id":"p-%s","first_name":"Ana","language":"fr",%s},%s}}' \
	    "$id" "$id" "$person" "$extra"
}

emit() {
	rcli xadd relais:events '*' event "$1" >/dev/null
}

pending() {
	rcli xpending relais:events relais | head -n 1
}

dead_count() {
	rcli xlen relais:dead
}

# sink_field NAME N JQ: a field of the Nth (1-based) request sink NAME saw.
sink_field() {
	sed -n "${2}p" "$T/$1.jsonl" | jq -r "$3"
}

# body_field NAME N JQ: a field of the JSON body of the Nth request.
body_field() {
	sed -n "${2}p" "$T/$1.jsonl" | jq -r '.body' | jq -r "$3"
}

assert_eq() {
	[ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"
}

deliveries_with() {
	rcli xrange relais:deliveries - + | grep -c "^$1\$" || true
}

# queue_sizes: "EVENTS PENDING SCHEDULED INBOX", read in one script: read
# one by one, a retry moving from scheduled into the stream between two
# reads would be seen nowhere.
queue_sizes() {
	rcli eval "local p = 0
if redis.call('EXISTS', 'relais:events') == 1 then
  local ok, s = pcall(redis.call, 'XPENDING', 'relais:events', 'relais')
  if ok then p = s[1] end
end
return { redis.call('XLEN', 'relais:events'), p,
  redis.call('ZCARD', 'relais:scheduled'), redis.call('LLEN', 'relais:inbox') }" 0 |
	    tr '\n' ' '
}

# all_handled_but_scheduled: nothing unread or in flight; planned entries
# may wait in scheduled.
all_handled_but_scheduled() {
	case $(queue_sizes) in "0 0 "*" 0 ") return 0 ;; esac
	return 1
}

# all_handled: every entry read, finished and acknowledged, nothing scheduled.
all_handled() {
	[ "$(queue_sizes)" = "0 0 0 0 " ]
}

# sched_kinds_exact WHAT: relais:scheduled:kinds holds what counting every
# member of relais:scheduled gives (read in one script, a snapshot while
# relaisd runs); the kind rule written out again here, from
# daemon/queue_lua.h's comment, not taken from its Lua.
sched_kinds_exact() {
	local got
	got=$(rcli eval "local want, n = {}, 0
local types = { ['followup.due'] = 'followup', ['match.digest'] = 'digest',
  ['followup.reminders'] = 'reminder' }
for _, m in ipairs(redis.call('ZRANGE', 'relais:scheduled', 0, -1)) do
  local k = 'other'
  if m:sub(1, 6) == 'retry ' then
    local a, w = m:match('^retry (%d+) (%d+)')
    if a then k = (a + 0 == 0 and w + 0 == 0) and 'deferred' or 'retry' end
  else
    local i = m:find('\"type\":\"', 1, true)
    local t = i and m:match('^[^\"]*', i + 8)
    if t and types[t] then k = types[t] end
  end
  want[k] = (want[k] or 0) + 1
end
local h = redis.call('HGETALL', 'relais:scheduled:kinds')
local bad = {}
for i = 1, #h, 2 do
  if tonumber(h[i + 1]) ~= want[h[i]] then bad[#bad + 1] = h[i] .. ' kept ' .. h[i + 1] .. ', held ' .. tostring(want[h[i]] or 0) end
  want[h[i]] = nil
end
for k, c in pairs(want) do bad[#bad + 1] = k .. ' kept 0, held ' .. c end
return #bad == 0 and 'ok' or table.concat(bad, '; ')" 0)
	[ "$got" = ok ] || fail "$1: scheduled:kinds: $got"
}

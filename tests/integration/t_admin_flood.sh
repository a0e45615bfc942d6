# SPDX-License-Identifier: LiLiQ-P-1.1
# The admin port holds under a flood: 1,100 connections that send one byte a
# second (slowloris) against relaisd run with 256 file descriptors. The cap
# (lowered to fit the limit, said in the log) holds, a new client's /healthz
# answers within a second, an event is delivered meanwhile, nothing spins,
# and every trickling connection is closed at its absolute deadline. Then
# the limit is cut under the daemon's feet: accept() fails with EMFILE, the
# listener rests instead of spinning (a line per rest, not per attempt) and
# deliveries go on. Last, Content-Length that contradicts itself is 400, and
# X-Forwarded-For counts only from a trusted proxy (the rate limit follows
# the peer otherwise).
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
NOFILE=256
TIMEOUT_MS=3000

start_redis
start_sink gw
write_config
sed -i 's|^admin:$|admin:\n  max_connections: 512\n  request_timeout_ms: '"$TIMEOUT_MS"'\n  trusted_proxies: [127.0.0.2]\n  rate_per_s: 1\n  rate_burst: 2|' \
    "$T/relais.yaml"
"$BUILD/relaisd" -c "$T/relais.yaml" --check > /dev/null || fail "test config refused"
# relaisd with a hard limit of NOFILE descriptors and a soft one of 64,
# which it raises: the same pid once exec'd
mkdir -p "$T/bin"
printf '#!/bin/sh\nulimit -Sn 64 && ulimit -Hn %s || exit 1\nexec "%s/relaisd" "$@"\n' "$NOFILE" "$BUILD" > "$T/bin/relaisd"
chmod +x "$T/bin/relaisd"
BUILD=$T/bin start_relaisd
pid=$RELAISD_PID
wait_for 10 "the admin port in the log" 'grep -q "admin listening on" "$T/relaisd.log"'
port=$(sed -n 's/.*admin listening on .* (port \([0-9]*\)).*/\1/p' "$T/relaisd.log" | tail -n 1)
url="http://127.0.0.1:$port"
wait_for 10 "/healthz" 'curl -s "$url/healthz" | grep -q ok'
grep -q "^Max open files *$NOFILE *$NOFILE " "/proc/$pid/limits" ||
    fail "the soft limit was not raised: $(grep 'open files' "/proc/$pid/limits")"
cap=$(sed -n 's/.*admin: max_connections 512 lowered to \([0-9]*\): the open-file limit is '"$NOFILE"' .*/\1/p' "$T/relaisd.log")
[ -n "$cap" ] || fail "no line about the cap lowered to fit $NOFILE descriptors: $(grep admin "$T/relaisd.log")"
[ "$cap" -ge 16 ] && [ "$cap" -le $((NOFILE - 64)) ] || fail "cap $cap for $NOFILE descriptors"

# flood PORT COUNT SECONDS NAME: COUNT connections sending a byte a second
# for at most SECONDS; NAME.ready once all are open, NAME.json at the end.
flood() {
	$PY - "$@" "$T" <<'PYEOF' &
import json, os, resource, selectors, socket, sys, time
port, count, duration, name, tdir = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if soft < count + 64:
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(count + 64, hard), hard))
payload = b"GET /healthz HTTP/1.1\r\nHost: flood\r\nX-Pad: " + b"a" * 4000
sel = selectors.DefaultSelector()
conns, lives = [], []
start = time.monotonic()
stats = dict(opened=0, connected=0, refused=0, closed_by_server=0)
def drop(c, now, by_server):
    sel.unregister(c["s"])
    c["s"].close()
    c["open"] = False
    if by_server and c["up"] is not None:
        stats["closed_by_server"] += 1
        lives.append(now - c["up"])
ready = False
while True:
    now = time.monotonic()
    if now - start > duration:
        break
    while stats["opened"] < count and stats["opened"] < 50 * (1 + int((now - start) / 0.05)):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        c = dict(s=s, up=None, at=0.0, pos=0, open=True)
        sel.register(s, selectors.EVENT_WRITE, c)
        conns.append(c)
        stats["opened"] += 1
    live = [c for c in conns if c["open"]]
    if not ready and stats["opened"] == count and all(c["up"] is not None for c in live):
        open(os.path.join(tdir, name + ".ready"), "w").close()
        ready = True
    if ready and not live:
        break
    for key, ev in sel.select(timeout=0.05):
        c = key.data
        if not c["open"]:
            continue
        if c["up"] is None:
            if c["s"].getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
                stats["refused"] += 1
                drop(c, now, False)
                continue
            c["up"] = c["at"] = now
            stats["connected"] += 1
            sel.modify(c["s"], selectors.EVENT_READ, c)
            continue
        try:
            gone = c["s"].recv(4096) == b""
        except OSError:
            gone = True
        if gone:
            drop(c, now, True)
    now = time.monotonic()
    for c in conns:
        if c["open"] and c["up"] is not None and now >= c["at"]:
            try:
                c["s"].send(payload[c["pos"]:c["pos"] + 1])
                c["pos"] += 1
                c["at"] = now + 1.0
            except OSError:
                drop(c, now, True)
still = sum(1 for c in conns if c["open"])
for c in conns:
    if c["open"]:
        drop(c, time.monotonic(), False)
stats.update(still_open=still, max_life=round(max(lives, default=0), 2), ready=ready)
with open(os.path.join(tdir, name + ".json"), "w") as f:
    json.dump(stats, f)
PYEOF
	FLOOD_PID=$!
	PIDS+=("$FLOOD_PID")
}
cpu() {	# utime + stime of relaisd, in clock ticks
	cut -d')' -f2 "/proc/$pid/stat" | awk '{ print $12 + $13 }'
}
nfds() {
	ls "/proc/$pid/fd" | wc -l
}
accept_lines() {
	grep -c "admin: cannot accept" "$T/relaisd.log" || true
}

# ---- the cap and the deadline, 1,100 trickling connections
emit "$(event f-0)"
wait_for 10 "the first delivery" 'test "$(requests gw)" = 1'
fds0=$(nfds)
cpu0=$(cpu)
flood "$port" 1100 9 a
wait_for 8 "1,100 connections open" 'test -e "$T/a.ready"'
code=$(curl -s -m 1 -o "$T/healthz.txt" -w '%{http_code}' "$url/healthz") ||
    fail "/healthz from a new client, during the flood: no answer within 1 s"
assert_eq "$code $(cat "$T/healthz.txt")" "200 ok" "/healthz during the flood"
n=$(nfds)
[ "$n" -le $((fds0 + cap + 20)) ] || fail "$n descriptors open during the flood, cap $cap (before: $fds0)"
emit "$(event f-1)"
wait_for 5 "the delivery during the flood" 'test "$(requests gw)" = 2'
wait "$FLOOD_PID" || fail "the flood script failed"
cpu1=$(cpu)
echo "flood: $(cat "$T/a.json"), $((cpu1 - cpu0)) ticks of CPU"
stats=$(cat "$T/a.json")
assert_eq "$(echo "$stats" | jq .connected)" 1100 "connections that got through"
assert_eq "$(echo "$stats" | jq .still_open)" 0 "connections still open at the end of the flood"
echo "$stats" | jq -e ".max_life <= $TIMEOUT_MS / 1000 + 1.5" > /dev/null ||
    fail "a trickling connection lived past the ${TIMEOUT_MS} ms deadline: $stats"
[ $((cpu1 - cpu0)) -le 300 ] || fail "relaisd used $((cpu1 - cpu0)) ticks of CPU over the flood"
assert_eq "$(accept_lines)" 0 "accept errors within the cap"
assert_eq "$(curl -s -m 1 "$url/healthz")" ok "/healthz after the flood"
curl -s "$url/metrics" > "$T/metrics.txt"
grep -q '^relais_admin_connections_max '"$cap"'$' "$T/metrics.txt" || fail "cap gauge: $(grep admin_conn "$T/metrics.txt")"
grep -q '^relais_admin_connections_closed_total{reason="deadline"} [1-9]' "$T/metrics.txt" ||
    fail "no connection closed at its deadline: $(grep admin_conn "$T/metrics.txt")"
grep -q '^relais_admin_connections_closed_total{reason="cap"} [1-9]' "$T/metrics.txt" ||
    fail "no connection closed at the cap: $(grep admin_conn "$T/metrics.txt")"

# ---- EMFILE: the limit cut to a few more than relaisd holds
prlimit --pid "$pid" --nofile=$(( $(nfds) + 12 )):$NOFILE || fail "prlimit"
cpu0=$(cpu)
t0=$(date +%s)
flood "$port" 150 5 b
emit "$(event f-2)"
wait_for 5 "the delivery while accept() fails" 'test "$(requests gw)" = 3'
wait_for 5 "accept() to fail" 'test "$(accept_lines)" -ge 1'
wait "$FLOOD_PID" || fail "the flood script failed"
cpu1=$(cpu)
echo "EMFILE flood: $(cat "$T/b.json")"
n=$(accept_lines)
secs=$(( $(date +%s) - t0 ))
echo "EMFILE: $n pauses in ${secs}s, $((cpu1 - cpu0)) ticks of CPU"
# one line a rest, a rest a second
[ "$n" -le $((secs + 2)) ] || fail "$n lines of accept errors in ${secs}s: $(grep -m 3 'cannot accept' "$T/relaisd.log")"
[ "$(grep -c 'Too many open files' "$T/relaisd.log")" -le $((n + 4)) ] ||
    fail "other errors about descriptors: $(grep 'Too many open files' "$T/relaisd.log" | grep -v 'cannot accept' | head -n 3)"
[ $((cpu1 - cpu0)) -le 150 ] || fail "relaisd used $((cpu1 - cpu0)) ticks of CPU while accept() failed"
prlimit --pid "$pid" --nofile=$NOFILE:$NOFILE || fail "prlimit"
wait_for 5 "/healthz once descriptors are back" 'test "$(curl -s -m 1 "$url/healthz")" = ok'
assert_eq "$(curl -s "$url/metrics" | sed -n 's/^relais_admin_accept_pauses_total //p')" "$(accept_lines)" "pause counter"
emit "$(event f-3)"
wait_for 5 "a delivery after it all" 'test "$(requests gw)" = 4'

# ---- Content-Length: evhttp reads the first one; the others must agree
raw() {	# raw REQUEST: the status code of the answer
	$PY - "$port" "$1" <<'PYEOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3)
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
data = b""
while True:
    b = s.recv(4096)
    if not b:
        break
    data += b
print(data.split(b" ")[1].decode() if data.startswith(b"HTTP/") else "none")
PYEOF
}
assert_eq "$(raw 'POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\na')" 400 "two Content-Length"
assert_eq "$(raw 'POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: +1\r\n\r\na')" 400 "Content-Length: +1"
assert_eq "$(raw 'POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 01\r\n\r\na')" 405 "the same Content-Length twice"

# ---- X-Forwarded-For: from 127.0.0.1 (not trusted) the peer is the client
codes=""
for i in 1 2 3; do
	codes="$codes $(curl -s -o /dev/null -w '%{http_code}' -H "X-Forwarded-For: 198.51.100.$i" "$url/u/x")"
done
assert_eq "$codes" " 404 404 429" "rotating X-Forwarded-For from an untrusted peer"
# from 127.0.0.2, a trusted proxy: the client it names
codes=""
for i in 1 2 3 1 1; do
	codes="$codes $(curl -s --interface 127.0.0.2 -o /dev/null -w '%{http_code}' \
	    -H "X-Forwarded-For: 10.9.9.9, 203.0.113.$i" "$url/u/x")"
done
assert_eq "$codes" " 404 404 404 404 429" "X-Forwarded-For from a trusted proxy"
# the trusted hops on the right are skipped: 203.0.113.1 again
assert_eq "$(curl -s --interface 127.0.0.2 -o /dev/null -w '%{http_code}' \
    -H "X-Forwarded-For: 203.0.113.1, 127.0.0.2" "$url/u/x")" 429 "a chain of trusted proxies"
stop_relaisd
echo "admin flood: ok"

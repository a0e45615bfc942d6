#!/bin/bash
# SPDX-License-Identifier: LiLiQ-P-1.1
# make demo: relais for real, on this machine alone. A private redis-server
# on a unix socket, relaisd with the shipped config/relais.yaml and the
# outbox gateway, the sample events of config/examples/ pushed in, then what
# went out and what was refused, and everything stopped again.
set -eu
build=${1:-build}
T=$(mktemp -d /tmp/relais-demo.XXXXXX)
relaisd_pid=""

cleanup() {
	[ -n "$relaisd_pid" ] && kill -TERM "$relaisd_pid" 2>/dev/null && wait "$relaisd_pid" 2>/dev/null
	redis-cli -s "$T/redis.sock" shutdown nosave >/dev/null 2>&1 || true
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

export RELAIS_REDIS_URL="unix://$T/redis.sock"
export RELAIS_OUTBOX="$T/outbox.jsonl"
export RELAIS_CONSUMER=demo
# the admin port: 9187 unless something already listens there
port=9187
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
	port=$((port + 1))
done
export RELAIS_ADMIN_ADDR=127.0.0.1:$port

echo "==> starting a private redis-server ($T/redis.sock)"
redis-server --port 0 --unixsocket "$T/redis.sock" --unixsocketperm 700 \
    --save "" --appendonly no --dir "$T" --daemonize yes \
    --logfile "$T/redis.log" --pidfile "$T/redis.pid"
i=0
until redis-cli -s "$T/redis.sock" ping >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 100 ] || { echo "redis-server did not start"; exit 1; }
	sleep 0.05
done

echo "==> relaisd -c config/relais.yaml --check"
"$build/relaisd" -c config/relais.yaml --check

echo "==> starting relaisd (log: $T/relaisd.log)"
"$build/relaisd" -c config/relais.yaml 2> "$T/relaisd.log" &
relaisd_pid=$!

echo "==> pushing the sample events of config/examples/"
for f in config/examples/*; do
	printf '    %-28s ' "$(basename "$f")"
	"$build/relaisctl" -c config/relais.yaml emit "$f"
done

# wait until every entry is handled: the stream empties as entries are acked
i=0
while [ "$(redis-cli -s "$T/redis.sock" xlen relais:events)" != 0 ] ||
    [ "$(redis-cli -s "$T/redis.sock" xlen relais:dead)" -lt 4 ] ||
    [ "$(redis-cli -s "$T/redis.sock" xpending relais:events relais | head -n 1)" != 0 ]; do
	i=$((i + 1)); [ $i -lt 200 ] || { echo "relaisd did not finish in 10 s"; break; }
	sleep 0.05
done

echo
echo "==> what relaisd logged"
sed 's/^/    /' "$T/relaisd.log"
echo
echo "==> messages that went out (outbox gateway: $RELAIS_OUTBOX)"
echo
"$build/relaisctl" outbox "$RELAIS_OUTBOX"
echo
echo "==> dead letters (relaisctl dead list)"
"$build/relaisctl" -c config/relais.yaml dead list
echo
deferred=$(redis-cli -s "$T/redis.sock" zrange relais:scheduled 0 -1 | grep -c '^retry ' || true)
planned=$(redis-cli -s "$T/redis.sock" zrange relais:scheduled 0 -1 | grep -c '^event ' || true)
echo "==> $planned follow-ups planned (followup.due events in relais:scheduled,"
echo "    7, 30, 90, 180 and 365 days after each arrival)"
if [ "$deferred" != 0 ]; then
	echo "==> $deferred SMS deferred: SMS go out 9:00-20:00 on weekdays and"
	echo "    10:00-17:00 on weekends (America/Toronto), never on holidays;"
	echo "    until then they wait in relais:scheduled:"
	redis-cli -s "$T/redis.sock" xrange relais:deliveries - + |
	    grep "deferred to" | sed 's/^/    /'
	echo
fi
echo "==> queue status (relaisctl status)"
"$build/relaisctl" -c config/relais.yaml status
echo
echo "==> stopping relaisd (SIGTERM drains in-flight work)"
kill -TERM "$relaisd_pid"
wait "$relaisd_pid"
relaisd_pid=""
echo "demo finished; everything it started is stopped."

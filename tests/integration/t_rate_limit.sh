# SPDX-License-Identifier: LiLiQ-P-1.1
# A gateway's rate is shared through Redis: three relaisd processes on one
# Redis together never send more than rate_per_s in any one-second window,
# and every message still goes out (once).
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
start_redis
start_sink gw
write_config
sed -i 's|^  webhook:$|  webhook:\n    rate_per_s: 10\n    rate_burst: 2|' "$T/relais.yaml"
"$BUILD/relaisd" -c "$T/relais.yaml" --check >/dev/null || fail "test config refused"
RELAIS_CONSUMER=one start_relaisd one
pids="$RELAISD_PID"
RELAIS_CONSUMER=two start_relaisd two
pids="$pids $RELAISD_PID"
RELAIS_CONSUMER=three start_relaisd three
pids="$pids $RELAISD_PID"

for i in $(seq 1 60); do
	emit "$(event "rl-$i")"
done
wait_for 30 "sixty requests" 'test "$(requests gw)" -ge 60'
wait_for 15 "all handled" all_handled
assert_eq "$(requests gw)" 60 "requests (no duplicates)"
# the most requests in any window of 1 s (sliding, at each arrival)
max=$(jq -r .t_us "$T/gw.jsonl" | sort -n | awk '
	{ t[NR] = $1 }
	END {
		m = 0; j = 1
		for (i = 1; i <= NR; i++) {
			while (t[i] - t[j] >= 1000000) j++
			if (i - j + 1 > m) m = i - j + 1
		}
		print m
	}')
# 10/s with a burst of 2: at most 11 in any second (1 of slack for clocks)
[ "$max" -le 12 ] || fail "$max requests in one second, the shared rate is 10/s"
first=$(jq -r .t_us "$T/gw.jsonl" | sort -n | head -n 1)
last=$(jq -r .t_us "$T/gw.jsonl" | sort -n | tail -n 1)
span=$(( (last - first) / 1000 ))
[ "$span" -ge 4800 ] || fail "60 messages at 10/s went out in $span ms"
for p in $pids; do
	kill -TERM "$p"
	wait "$p" || fail "relaisd $p exit status"
done
echo "rate limit: ok (at most $max in a second, 60 in $span ms)"

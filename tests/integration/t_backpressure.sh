# max_inflight bounds the work in flight: with 3 allowed and a slow gateway,
# the gateway never holds more than 3 requests at once; all 12 get through.
. "$(dirname "$0")/lib.sh"
start_redis
start_sink gw -D delay:400:200
MAX_INFLIGHT=3 write_config
start_relaisd

for i in $(seq 1 12); do
	emit "$(event "b-$i")"
done
wait_for 20 "all twelve delivered" 'test "$(requests gw)" -ge 12'
wait_for 10 "all handled" all_handled
# a request answered 400 ms after it came: count overlaps at each arrival
max=$(jq -r .t_us "$T/gw.jsonl" | sort -n | awk '
	{ t[NR] = $1 }
	END {
		m = 0
		for (i = 1; i <= NR; i++) {
			n = 0
			for (j = 1; j <= i; j++) if (t[i] - t[j] < 390000) n++
			if (n > m) m = n
		}
		print m
	}')
[ "$max" -le 3 ] || fail "$max requests in flight at once, max_inflight is 3"
[ "$max" -ge 2 ] || fail "no concurrency at all ($max): the limit is not what holds"
stop_relaisd
echo "backpressure: ok (at most $max in flight)"

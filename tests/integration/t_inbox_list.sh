# SPDX-License-Identifier: LiLiQ-P-1.1
# Items LPUSHed to relais:inbox are moved into the stream and delivered in order.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
start_redis
start_sink gw
start_relaisd

for i in 1 2 3; do
	rcli lpush relais:inbox "$(event "i-$i")" >/dev/null
done
wait_for 10 "three requests" 'test "$(requests gw)" -ge 3'
assert_eq "$(rcli llen relais:inbox)" 0 "inbox emptied"
assert_eq "$(body_field gw 1 .event_id) $(body_field gw 2 .event_id) $(body_field gw 3 .event_id)" \
    "i-1 i-2 i-3" "order"
stop_relaisd
echo "inbox list: ok"

# One arrival in each territory, named by municipality the way people write
# it: each welcome comes from that territory's sender, signed by its team,
# in the person's language (English when asked, French otherwise).
. "$(dirname "$0")/lib.sh"
start_redis
start_sink gw
start_relaisd
ctl() {
	RELAIS_REDIS_URL="unix://$T/redis.sock" "$BUILD/relaisctl" -c "$T/relais.yaml" "$@"
}
# The month of Redis's clock (UTC): relais files the report's figures by it
# (the deliveries stream's ids, stats:<YYYY-MM>), not by RELAIS_TEST_NOW.
redis_month() {
	date -u -d "@$(rcli time | head -n 1)" +%Y-%m
}
# report FIRST-MONTH: the CSV rows of relaisctl report for every month from
# FIRST-MONTH to Redis's current one (two when the run crossed a month's
# end), in $T/report.txt, each territory's figures added up; followups_overdue
# (column 7) counts "today" and is the same in each month's report.
report() {
	local m rc
	: > "$T/report.rows"
	for m in $(printf '%s\n%s\n' "$1" "$(redis_month)" | uniq); do
		rc=0
		ctl report --month "$m" --csv > "$T/report.out" 2> "$T/report.err" || rc=$?
		[ "$rc" = 0 ] || fail "relaisctl report --month $m: exit status $rc: $(cat "$T/report.err")"
		sed -n 1p "$T/report.out" | grep -q '^territory,arrivals,welcomes,' ||
		    fail "relaisctl report --month $m: $(cat "$T/report.out")"
		sed '1d;/^opt-outs,/d' "$T/report.out" >> "$T/report.rows"
	done
	awk -F, '!($1 in n) { order[++k] = $1 }
	    { n[$1] = NF
	      for (i = 2; i <= NF; i++)
	        s[$1, i] = i == 7 ? ($i + 0 > s[$1, i] + 0 ? $i + 0 : s[$1, i] + 0) : s[$1, i] + $i }
	    END { for (j = 1; j <= k; j++) { t = order[j]; l = t
	        for (i = 2; i <= n[t]; i++) l = l "," s[t, i]
	        print l } }' "$T/report.rows" > "$T/report.txt"
}
month0=$(redis_month)

# municipality as written | territory | sender | language
cases="VAL D'OR|vallee-de-l-or|accueil@valleedelor.example|fr
amos|abitibi|accueil@abitibi.example|en
La Sarre|abitibi-ouest|accueil@abitibi-ouest.example|fr
ville marie|temiscamingue|accueil@temiscamingue.example|en
Évain|rouyn-noranda|accueil@rouyn-noranda.example|fr
Lac-Inconnu|region|accueil@at-region.example|en"
i=0
printf '%s\n' "$cases" | while IFS='|' read -r muni tid from lang; do
	i=$((i + 1))
	emit "$(printf '{"specversion":"1.0","id":"t-%d","source":"s","type":"newcomer.arrived","data":{"person":{"id":"p-%d","first_name":"Ana","email":"ana%d@example.com","language":"%s","consent":{"email":true}},"municipality":"%s"}}' \
	    "$i" "$i" "$i" "$lang" "$muni")"
done
wait_for 15 "six welcomes" 'test "$(requests gw)" -ge 6'
wait_for 10 "the arrivals handled" all_handled
i=0
printf '%s\n' "$cases" | while IFS='|' read -r muni tid from lang; do
	i=$((i + 1))
	n=$(jq -r '.body' "$T/gw.jsonl" | jq -r --arg id "t-$i" 'select(.event_id == $id) | .territory + " " + .from + " " + .language')
	assert_eq "$n" "$tid $from $lang" "welcome for $muni"
	text=$(jq -r '.body' "$T/gw.jsonl" | jq -r --arg id "t-$i" 'select(.event_id == $id) | .text')
	if [ "$lang" = en ]; then
		printf '%s\n' "$text" | grep -q "^Hello Ana," || fail "$muni: not in English"
		printf '%s\n' "$text" | grep -q "welcome team" || fail "$muni: English signature"
	else
		printf '%s\n' "$text" | grep -q "^Bonjour Ana," || fail "$muni: not in French"
		printf '%s\n' "$text" | grep -q "équipe" || fail "$muni: French signature"
	fi
done
assert_eq "$(dead_count)" 0 "dead letters"

# the monthly report the agency gives its steering committee
report "$month0"
report=$(cat "$T/report.txt")
for tid in vallee-de-l-or abitibi abitibi-ouest temiscamingue rouyn-noranda region; do
	printf '%s\n' "$report" | grep -qx "$tid,1,1,0,0,0,0,0,0,0,0" || fail "report for $tid:
$report"
done
stop_relaisd
echo "territories: ok"

# SPDX-License-Identifier: LiLiQ-P-1.1
# One arrival in each territory, named by municipality the way people write
# it: each welcome comes from that territory's sender, signed by its team,
# in the person's language (English when asked, French otherwise).
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
start_redis
start_sink gw
start_relaisd
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

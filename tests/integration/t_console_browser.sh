# SPDX-License-Identifier: LiLiQ-P-1.1
# The console in a real browser (Debian's headless Chromium through
# chromedriver and python3-selenium, tests/console_browser.py): a month's
# figures seeded by real events through relaisd, a dead letter made by a
# gateway's 400; a coordinator logs in with the keyboard alone, reads the
# month, replays the letter from its page and the delivery reaches the
# sink; another territory, a POST without its CSRF token, a viewer's change
# are refused (403); a guessed password is rate-limited (429). Screenshots
# of every page are kept in $BUILD/it*/t_console_browser/ (DOC_IMG=1: also
# copied, optimised, into doc/img/ for the README). Skipped, saying why,
# only when Chromium cannot run on this machine.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

# where run-integration.sh keeps this run's logs: the artefacts beside them
ART=$BUILD/it${RELAIS_SUITE_NOW:+-$(echo "$RELAIS_SUITE_NOW" | tr -c 'A-Za-z0-9\n' '-')}/t_console_browser
rm -rf "$ART"
mkdir -p "$ART"

export HANDLERS=1	# counsellor notices and follow-ups in the figures
start_redis
start_sink gw -s 400	# the first message fails for good: a dead letter
write_config
# port 0: the kernel's choice, read from the log (no race with a
# scenario running beside)
cat >> "$T/relais.yaml" <<EOF

console:
  listen: 127.0.0.1:0
  users_file: console-users
  secret: $(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
  trusted_proxies: [127.0.0.1]
EOF

# add_user NAME ROLE SCOPE PASSWORD: as an operator would
add_user() {
	printf '%s\n' "$4" | ctl console-user add "$1" --role "$2" \
	    --scope "$3" --password-stdin > "$T/ctl.out" 2>&1 ||
	    fail "relaisctl console-user add $1: $(cat "$T/ctl.out")"
}
add_user claire coordinator region 'claire-region-2026'
add_user bruno coordinator abitibi 'bruno-abitibi-2026'
add_user vera viewer region 'vera-viewer-2026!'
add_user victor coordinator region 'victor-guessed-2026'
grep -q '^claire:coordinator:region:\$y\$' "$T/console-users" ||
    fail "users file: $(cat "$T/console-users")"

start_relaisd
console_port() {
	sed -n 's/.*console listening on .* (port \([0-9]*\)).*/\1/p' \
	    "$T/relaisd.log" | tail -n 1
}
wait_for 15 "the console to listen" 'test -n "$(console_port)"'
CONSOLE_PORT=$(console_port)
wait_for 15 "the console to answer on $CONSOLE_PORT" \
    "curl -sf -o /dev/null http://127.0.0.1:$CONSOLE_PORT/login"

# The figures' month: the territories' local month (America/Toronto) at
# the daemon's clock (the suite's, when it sets one).
MONTH=$(TZ=America/Toronto date -d "${RELAIS_TEST_NOW:-now}" +%Y-%m)
TODAY=$(TZ=America/Toronto date -d "${RELAIS_TEST_NOW:-now}" +%Y-%m-%d)

# arrival ID MUNICIPALITY EMAIL: a newcomer with an email and a date
arrival() {
	event "$1" "\"email\":\"$3\",\"consent\":{\"email\":true}" \
	    "\"municipality\":\"$2\",\"arrival_date\":\"$TODAY\""
}
# the dead letter first: the sink's one 400 is for it (the welcome or the
# counsellor's notice, whichever goes first)
emit "$(arrival b-dead Rouyn-Noranda lea.dead@example.com)"
wait_for 20 "a dead letter" 'test "$(dead_count)" = 1'
wait_for 20 "the first event handled" all_handled_but_scheduled
DEAD_ID=$(rcli xrange relais:dead - + | head -n 1)
# whose message failed: a newcomer's welcome, or (should the counsellor's
# notice have gone first) the notice; the people welcomed follow
DEAD_ROLE=$(rcli xrange relais:dead - + | sed -n '/^role$/{n;p;q}')
case $DEAD_ROLE in
newcomer) RN_WELCOMED=1 ;;
counsellor) RN_WELCOMED=2 ;;
*) fail "the dead letter's role: '$DEAD_ROLE'" ;;
esac
# then the month: 3 arrivals in Abitibi, 2 in Rouyn-Noranda (with the
# dead letter's), one departure
emit "$(arrival b-1 Amos ana.b1@example.com)"
emit "$(arrival b-2 Amos ben.b2@example.com)"
emit "$(arrival b-3 Barraute cleo.b3@example.com)"
emit "$(arrival b-4 Rouyn-Noranda dan.b4@example.com)"
emit '{"specversion":"1.0","id":"b-5","source":"https://tests.example","type":"newcomer.departed","data":{"person":{"id":"p-b-2"}}}'
wait_for 30 "the month's events handled" all_handled_but_scheduled
assert_eq "$(dead_count)" 1 "dead letters after seeding"
sent=$(requests gw)

cat > "$T/spec.json" <<EOF
{
  "base": "http://127.0.0.1:$CONSOLE_PORT",
  "out": "$ART",
  "profile": "$T/chromium-profile",
  "sink": "$T/gw.jsonl",
  "rcli": ["redis-cli", "-s", "$T/redis.sock"],
  "prefix": "relais:",
  "users": {
    "region": ["claire", "claire-region-2026"],
    "abitibi": ["bruno", "bruno-abitibi-2026"],
    "viewer": ["vera", "vera-viewer-2026!"],
    "victim": ["victor", "victor-guessed-2026"]
  },
  "month": "$MONTH",
  "figures": {
    "abitibi": {"name": "MRC d'Abitibi", "arrivals": 3, "welcomed": 3,
      "departures": 1, "failed": 0},
    "rouyn-noranda": {"name": "Ville de Rouyn-Noranda", "arrivals": 2,
      "welcomed": $RN_WELCOMED, "departures": 0, "failed": 1}
  },
  "other": "rouyn-noranda",
  "dead": {"id": "$DEAD_ID", "event_id": "b-dead", "role": "$DEAD_ROLE",
    "addresses": ["lea.dead@example.com", "sophie.lavoie@rouyn-noranda.example"]},
  "address": "ana.b1@example.com",
  "ctl": ["env", "RELAIS_REDIS_URL=unix://$T/redis.sock", "$BUILD/relaisctl",
    "-c", "$T/relais.yaml"],
  "relaisd_pid": $RELAISD_PID,
  "relaisd_log": "$T/relaisd.log"
}
EOF
rc=0
"$PY" "$ROOT/tests/console_browser.py" "$T/spec.json" || rc=$?
if [ "$rc" = 77 ]; then
	# the reason was printed; a skip is never a pass in disguise
	echo "SKIP: t_console_browser: headless Chromium cannot run here" >&2
	echo "SKIP: t_console_browser: headless Chromium cannot run here"
	exit 0
fi
[ "$rc" = 0 ] || fail "the browser scenario (screenshots and the page of the failure in $ART)"
assert_eq "$(dead_count)" 0 "dead letters after the replay"
[ "$(requests gw)" -gt "$sent" ] || fail "no request at the sink after the replay"

# the README's screenshots, on demand
if [ "${DOC_IMG:-}" = 1 ]; then
	for p in login overview health dead dead-letter optouts templates; do
		cp "$ART/console-$p.png" "$ROOT/doc/img/console-$p.png"
		if command -v optipng >/dev/null; then
			optipng -quiet -o2 "$ROOT/doc/img/console-$p.png"
		fi
	done
fi
stop_relaisd
echo "console in a browser: ok"

# SPDX-License-Identifier: LiLiQ-P-1.1
# The console's Dead letters and Opt-outs pages against relaisd and a real
# redis-server, driven with curl: letters listed, filtered, shown with the
# addresses masked, one replayed (and delivered), a filtered set dropped,
# dead:reasons kept equal to the letters held; a viewer, another
# territory's coordinator and a POST without CSRF token refused (403);
# an address opted out and back through the consent path, audited with a
# hash of the address, never the address.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
start_redis
start_sink gw -s 400,400
write_config
cat >> "$T/relais.yaml" <<'EOF'
console:
  listen: 127.0.0.1:0
  users_file: console-users
  secret: 0123456789abcdef0123456789abcdef-t-console-actions
EOF
adduser() {	# NAME ROLE SCOPE
	echo "password of $1" | ctl console-user add "$1" --role "$2" --scope "$3" \
	    --password-stdin > /dev/null || fail "console-user add $1"
}
adduser marie coordinator region
adduser paul viewer region
adduser lea coordinator abitibi
start_relaisd
wait_for 10 "the console to listen" grep -q 'console listening on' "$T/relaisd.log"
CPORT=$(sed -n 's/.*console listening on .* (port \([0-9]*\)).*/\1/p' "$T/relaisd.log" | head -n 1)
C=http://127.0.0.1:$CPORT

# NAME: logged in, the session in $T/NAME.jar
login() {
	local jar=$T/$1.jar tok code
	tok=$(curl -s -c "$jar" -b "$jar" "$C/login" |
	    sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n 1)
	code=$(curl -s -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" \
	    --data-urlencode "user=$1" --data-urlencode "password=password of $1" \
	    --data-urlencode "csrf=$tok" "$C/login")
	assert_eq "$code" 303 "login of $1"
}
# NAME PATH: the page in $body, its status in $code
page() {
	code=$(curl -s -o "$T/page.html" -w '%{http_code}' -b "$T/$1.jar" \
	    -c "$T/$1.jar" "$C$2")
	body=$(cat "$T/page.html")
}
# NAME: the CSRF token of NAME's session (every page's logout form has it)
csrf() {
	curl -s -b "$T/$1.jar" "$C/optouts" |
	    sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n 1
}
# NAME PATH [curl --data-urlencode args...]: status in $code, Location in $loc
post() {
	local who=$1 path=$2
	shift 2
	code=$(curl -s -o "$T/post.html" -D "$T/post.hdr" -w '%{http_code}' \
	    -b "$T/$who.jar" -c "$T/$who.jar" --data-urlencode "x=1" "$@" "$C$path")
	loc=$(sed -n 's/^Location: \([^\r]*\).*/\1/p' "$T/post.hdr")
}
# the letters of event $1
letter() {
	rcli --json xrange relais:dead - + | jq -r --arg e "$1" \
	    '[.[] | select(.[1] | [range(0; length; 2) as $i | {(.[$i]): .[$i + 1]}] | add | .event_id == $e) | .[0]] | .[0] // ""'
}
# dead:reasons counts every letter held
reasons_match() {
	local sum
	sum=$(rcli --json hgetall relais:dead:reasons | jq '[.[] | tonumber] | add // 0')
	[ "$sum" = "$(dead_count)" ]
}

# letters: two refused by the gateway (Abitibi, Rouyn-Noranda), one that is
# no JSON (no territory), one of a type no handler takes
emit "$(event a-1 '"email":"ana@example.com","phone":"819-555-0123","consent":{"email":true}')"
emit "$(event r-1 '"email":"rui@example.com","consent":{"email":true}' '"territory":"rouyn-noranda"')"
wait_for 10 "two refused deliveries" 'test "$(dead_count)" = 2'
rcli xadd relais:events '*' event "not json {" > /dev/null
emit '{"specversion":"1.0","id":"u-1","source":"t","type":"no.such.type"}'
wait_for 10 "four letters" 'test "$(dead_count)" = 4'
wait_for 10 "all handled" all_handled
a1=$(letter a-1)
r1=$(letter r-1)
u1=$(letter u-1)
[ -n "$a1" ] && [ -n "$r1" ] && [ -n "$u1" ] || fail "letters: $(rcli xrange relais:dead - +)"
wait_for 5 "dead:reasons to count the letters" reasons_match

login marie
login paul
login lea

# the list: every letter for the region, newest first
page marie /dead
assert_eq "$code" 200 "GET /dead"
printf '%s' "$body" | grep -q 'id="dead-list"' || fail "no #dead-list: $body"
for id in "$a1" "$r1" "$u1"; do
	printf '%s' "$body" | grep -q "href=\"/dead/$id\"" || fail "letter $id not listed: $body"
done
printf '%s' "$body" | grep -q 'action="/dead/replay"' || fail "no replay button for a coordinator"
# filters: territory, type, reason class, age
page marie "/dead?territory=rouyn-noranda"
printf '%s' "$body" | grep -q "href=\"/dead/$r1\"" || fail "territory filter lost $r1"
printf '%s' "$body" | grep -q "href=\"/dead/$a1\"" && fail "territory filter kept $a1"
page marie "/dead?type=newcomer.arrived&age=1h"
printf '%s' "$body" | grep -q "href=\"/dead/$a1\"" || fail "type filter lost $a1"
printf '%s' "$body" | grep -q "href=\"/dead/$u1\"" && fail "type filter kept $u1"
page marie "/dead?reason=unknown_type"
printf '%s' "$body" | grep -q "href=\"/dead/$u1\"" || fail "reason filter lost $u1: $body"
printf '%s' "$body" | grep -q "href=\"/dead/$a1\"" && fail "reason filter kept $a1"
page marie "/dead?age=soon"
printf '%s' "$body" | grep -q 'class="error"' || fail "a bad age not said"

# one letter: the event shown with the addresses and names masked
page marie "/dead/$a1"
assert_eq "$code" 200 "GET /dead/$a1"
printf '%s' "$body" | grep -q 'a\*\*\*@example.com' || fail "masked email not shown: $body"
printf '%s' "$body" | grep -q 'ana@example.com' && fail "an address in clear: $body"
printf '%s' "$body" | grep -q '555-0123' && fail "a phone number in clear: $body"
printf '%s' "$body" | grep -q '&quot;Ana&quot;' && fail "a first name in clear"
printf '%s' "$body" | grep -q 'HTTP 400' || fail "reason not shown"
page marie "/dead/0-1"
assert_eq "$code" 404 "GET /dead/0-1"

# a viewer: the list, no buttons, and a POST refused
page paul /dead
assert_eq "$code" 200 "viewer GET /dead"
printf '%s' "$body" | grep -q 'action="/dead/replay"' && fail "replay button for a viewer"
post paul /dead/replay --data-urlencode "id=$a1" --data-urlencode "csrf=$(csrf paul)"
assert_eq "$code" 403 "viewer POST /dead/replay"

# a territory's coordinator: its letters only
page lea /dead
printf '%s' "$body" | grep -q "href=\"/dead/$a1\"" || fail "lea does not see $a1"
printf '%s' "$body" | grep -q "href=\"/dead/$r1\"" && fail "lea sees Rouyn-Noranda's $r1"
printf '%s' "$body" | grep -q "href=\"/dead/$u1\"" && fail "lea sees $u1, of no territory"
page lea "/dead/$r1"
assert_eq "$code" 403 "lea GET /dead/$r1"
page lea "/dead?territory=rouyn-noranda"
assert_eq "$code" 403 "lea GET /dead?territory=rouyn-noranda"
post lea /dead/replay --data-urlencode "id=$r1" --data-urlencode "csrf=$(csrf lea)"
assert_eq "$code" 403 "lea POST /dead/replay $r1"
post lea /dead/drop --data-urlencode "id=$u1" --data-urlencode "csrf=$(csrf lea)"
assert_eq "$code" 403 "lea POST /dead/drop $u1"

# no CSRF token, or another session's: refused
post marie /dead/replay --data-urlencode "id=$a1"
assert_eq "$code" 403 "POST without a CSRF token"
post marie /dead/drop --data-urlencode "id=$a1" --data-urlencode "csrf=$(csrf paul)"
assert_eq "$code" 403 "POST with another session's token"
assert_eq "$(dead_count)" 4 "letters after the refusals"

# replay one: back to the list with a flash; the gateway now takes it
post marie /dead/replay --data-urlencode "id=$a1" --data-urlencode "csrf=$(csrf marie)"
assert_eq "$code" 303 "POST /dead/replay"
assert_eq "$loc" /dead "replay's redirect"
page marie /dead
printf '%s' "$body" | grep -q 'id="flash"[^>]*>Rejouées : 1 ' || fail "no flash after replay: $body"
wait_for 10 "a-1 delivered" 'test "$(requests gw)" = 3'
assert_eq "$(sink_field gw 3 .status)" 200 "the replay's answer"
wait_for 10 "all handled" all_handled
assert_eq "$(letter a-1)" "" "a-1's letter after its replay"
wait_for 5 "dead:reasons after the replay" reasons_match

# drop a filtered set (lea may not: it has no territory)
post marie /dead/drop --data-urlencode "all=1" --data-urlencode "reason=unknown_type" \
    --data-urlencode "csrf=$(csrf marie)"
assert_eq "$code" 303 "POST /dead/drop all=1"
assert_eq "$loc" "/dead?reason=unknown_type" "drop's redirect"
assert_eq "$(letter u-1)" "" "u-1's letter after the drop"
[ -n "$(letter r-1)" ] || fail "the drop took r-1's letter"
assert_eq "$(dead_count)" 2 "letters after the drop"
reasons_match || fail "dead:reasons after the drop: $(rcli hgetall relais:dead:reasons)"

# replay a filtered set: Rouyn-Noranda's letter goes out too
post marie /dead/replay --data-urlencode "all=1" --data-urlencode "territory=rouyn-noranda" \
    --data-urlencode "csrf=$(csrf marie)"
assert_eq "$code" 303 "POST /dead/replay all=1"
wait_for 10 "r-1 delivered" 'test "$(requests gw)" = 4'
wait_for 10 "all handled" all_handled
assert_eq "$(letter r-1)" "" "r-1's letter after its replay"
assert_eq "$(dead_count)" 1 "letters after the replays"
reasons_match || fail "dead:reasons after the replays: $(rcli hgetall relais:dead:reasons)"

# two letters of one event: the first holds its bytes, kept while the
# second needs them; a replay of the second takes both
ev=$(event h-1 '"email":"hana@example.com","consent":{"email":true}')
h1=$(rcli xadd relais:dead '*' reason "HTTP 400: no" payload "$ev" event_id h-1 \
    stream_id 1-1 attempts 1 delivery_key k1 channel email role newcomer)
h2=$(rcli xadd relais:dead '*' reason "HTTP 400: no" payload "" payload_in "$h1" \
    event_id h-1 stream_id 1-1 attempts 1 delivery_key k2 channel email role counsellor)
page lea "/dead/$h2"
assert_eq "$code" 200 "lea GET /dead/$h2 (Abitibi, by its holder's bytes)"
printf '%s' "$body" | grep -q 'h\*\*\*@example.com' || fail "the holder's event not shown: $body"
post marie /dead/drop --data-urlencode "id=$h1" --data-urlencode "csrf=$(csrf marie)"
page marie /dead
printf '%s' "$body" | grep -q 'id="flash"[^>]*>Supprimées : 0. Gardées' || fail "holder not kept: $body"
assert_eq "$(rcli xlen relais:dead)" 3 "letters after dropping a holder"
post lea /dead/replay --data-urlencode "id=$h2" --data-urlencode "csrf=$(csrf lea)"
assert_eq "$code" 303 "lea replays Abitibi's $h2"
wait_for 10 "h-1 handled" 'test "$(requests gw)" = 5'
assert_eq "$(letter h-1)" "" "h-1's letters after its replay"

# more letters than a page: the newest 100, then an older link
for i in $(seq 1 120); do
	echo "XADD relais:dead * reason \"unreadable scheduled entry\" payload x$i"
done | rcli > /dev/null
page marie /dead
assert_eq "$(printf '%s' "$body" | grep -c '^<tr><td><a href="/dead/')" 100 "rows of the first page"
older=$(printf '%s' "$body" | sed -n 's/.*<a rel="next" href="\([^"]*\)".*/\1/p' | sed 's/&amp;/\&/g')
[ -n "$older" ] || fail "no older link"
page marie "$older"
assert_eq "$(printf '%s' "$body" | grep -c '^<tr><td><a href="/dead/')" 21 "rows of the second page"

# the audit: who, what, which letter or how many; no address
audit=$(rcli xrange relais:console:audit - +)
printf '%s\n' "$audit" | grep -qx "dead.replay" || fail "no dead.replay in the audit: $audit"
printf '%s\n' "$audit" | grep -qx "$a1" || fail "the replayed letter not in the audit: $audit"
printf '%s\n' "$audit" | grep -qx "1 letters reason=unknown_type" || fail "the drop not in the audit: $audit"

# opt-outs: one address checked, opted out, lifted
page marie "/optouts?address=Zoe@Example.com"
assert_eq "$code" 200 "GET /optouts"
printf '%s' "$body" | grep -q "n'est pas désinscrite" || fail "zoe: $body"
post marie /optouts/add --data-urlencode "address=Zoe@Example.com" --data-urlencode "reason= " \
    --data-urlencode "csrf=$(csrf marie)"
assert_eq "$code" 303 "add without a reason"
assert_eq "$(rcli hexists relais:suppressed email:zoe@example.com)" 0 "opted out without a reason"
post paul /optouts/add --data-urlencode "address=zoe@example.com" --data-urlencode "reason=asked" \
    --data-urlencode "csrf=$(csrf paul)"
assert_eq "$code" 403 "viewer POST /optouts/add"
post marie /optouts/add --data-urlencode "address=Zoe@Example.com" \
    --data-urlencode "reason=called the office" --data-urlencode "csrf=$(csrf marie)"
assert_eq "$code" 303 "POST /optouts/add"
case $loc in *zoe*|*address*) fail "the address in the redirect: $loc" ;; esac
wait_for 5 "zoe opted out" 'test "$(rcli hexists relais:suppressed email:zoe@example.com)" = 1'
rcli hget relais:suppressed email:zoe@example.com | jq -e '.source == "console marie: called the office"' > /dev/null ||
    fail "record: $(rcli hget relais:suppressed email:zoe@example.com)"
# the page's own form checks by POST (the address in no URL, no log)
grep -q '<form method="post" action="/optouts" id="optout-check">' "$T/page.html" ||
    fail "the check form is not a POST: $(grep optout-check "$T/page.html")"
post marie /optouts --data-urlencode "address=zoe@example.com" --data-urlencode "csrf=$(csrf marie)"
assert_eq "$code" 200 "POST /optouts (a check)"
grep -q "est désinscrite" "$T/post.html" || fail "zoe not said opted out by POST"
post marie /optouts --data-urlencode "address=zoe@example.com"
assert_eq "$code" 403 "a check without its CSRF token"
# a territory's coordinator: whether, and since when, and may add one;
# where from, the history and lifting are the region's (the address may
# be a person's of another territory)
page lea "/optouts?address=zoe@example.com"
printf '%s' "$body" | grep -q "est désinscrite" || fail "lea: zoe not said opted out: $body"
printf '%s' "$body" | grep -q "called the office" && fail "lea sees the opt-out's source: $body"
printf '%s' "$body" | grep -q 'id="optout-history"' && fail "lea sees the history: $body"
printf '%s' "$body" | grep -q 'action="/optouts/remove"' && fail "lea has a lift form: $body"
post lea /optouts/remove --data-urlencode "address=zoe@example.com" \
    --data-urlencode "reason=asked" --data-urlencode "csrf=$(csrf lea)"
assert_eq "$code" 403 "a territory's coordinator lifting an opt-out"
assert_eq "$(rcli hexists relais:suppressed email:zoe@example.com)" 1 "lifted by lea"
post lea /optouts/add --data-urlencode "address=yan@example.com" \
    --data-urlencode "reason=asked at the office" --data-urlencode "csrf=$(csrf lea)"
assert_eq "$code" 303 "a territory's coordinator adding an opt-out"
wait_for 5 "yan opted out" 'test "$(rcli hexists relais:suppressed email:yan@example.com)" = 1'
page marie "/optouts?address=zoe@example.com"
printf '%s' "$body" | grep -q "est désinscrite" || fail "zoe not said opted out: $body"
printf '%s' "$body" | grep -q 'action="/optouts/remove"' || fail "no lift form: $body"
post marie /optouts/remove --data-urlencode "address=zoe@example.com" \
    --data-urlencode "reason=wants the news again" --data-urlencode "csrf=$(csrf marie)"
assert_eq "$code" 303 "POST /optouts/remove"
wait_for 5 "zoe's opt-out lifted" 'test "$(rcli hexists relais:suppressed email:zoe@example.com)" = 0'
# the address's own history says who changed what, and why
page marie "/optouts?address=zoe@example.com"
printf '%s' "$body" | grep -q 'id="optout-history"' || fail "no history: $body"
printf '%s' "$body" | grep -q '<td>réinscription</td><td>console marie: wants the news again</td><td>removed</td>' ||
    fail "the lift not in the history: $body"
# a phone number, as people write it; a STOP is the person's to lift
post marie /optouts/add --data-urlencode "address=(819) 555-0199" \
    --data-urlencode "reason=asked by phone" --data-urlencode "csrf=$(csrf marie)"
wait_for 5 "the number opted out" 'test "$(rcli hexists relais:suppressed sms:+18195550199)" = 1'
rcli hset relais:suppressed sms:+18195550100 '{"at":"2026-01-01T00:00:00Z","source":"twilio STOP"}' > /dev/null
post marie /optouts/remove --data-urlencode "address=819-555-0100" \
    --data-urlencode "reason=asked" --data-urlencode "csrf=$(csrf marie)"
assert_eq "$code" 303 "lifting a STOP"
assert_eq "$(rcli hexists relais:suppressed sms:+18195550100)" 1 "a STOP lifted from the console"
page marie "/optouts?address=nobody"
printf '%s' "$body" | grep -q 'class="error"' || fail "a bad address not said"
# audited by a hash of the address, never the address
# keyed with console.secret: nobody finds a phone number back by trying them
h=$(python3 -c 'import hmac, hashlib, sys
print(hmac.new(sys.argv[1].encode(), b"relais-console-audit\0" + sys.argv[2].encode(),
    hashlib.sha256).hexdigest()[:12])' 0123456789abcdef0123456789abcdef-t-console-actions \
    "email:zoe@example.com")
audit=$(rcli xrange relais:console:audit - +)
printf '%s\n' "$audit" | grep -qx "optout.add" || fail "no optout.add in the audit: $audit"
printf '%s\n' "$audit" | grep -qx "optout.remove" || fail "no optout.remove in the audit: $audit"
printf '%s\n' "$audit" | grep -qx "hmac:$h" || fail "no hash of zoe's address in the audit: $audit"
# the addresses in any form (not a bare "555": stream ids and hashes have it)
printf '%s\n' "$audit" | grep -qi "zoe\|555-01\|5550199\|5550100" &&
    fail "an address in the audit: $audit"
# relaisctl runs the same scripts: dead:reasons follows its drops too
ctl_ok dead drop --all
assert_eq "$(dead_count)" 0 "letters after relaisctl dead drop --all"
assert_eq "$(rcli hlen relais:dead:reasons)" 0 "dead:reasons once no letter is held"
stop_relaisd
echo "console actions: ok"

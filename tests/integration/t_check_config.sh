# SPDX-License-Identifier: LiLiQ-P-1.1
# relaisd --check: 0 for the shipped config; 1 with FILE:LINE:COL for errors,
# and for valid configs that would send broken messages (issue 13).
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
out=$("$BUILD/relaisd" -c "$ROOT/config/relais.yaml" --check 2>&1) || fail "shipped config refused: $out"
printf '%s\n' "$out" | grep -q "warning" && fail "the shipped config warns: $out"

# valid, but a secret or a personal link would cross the network in clear
sed -e 's|^    url: ${RELAIS_WEBHOOK_URL:-http://127.0.0.1:8025/messages}|    url: http://hooks.example.org/messages\n    token_env: TEST_HOOK_TOKEN|' \
    -e 's|^admin:$|admin:\n  public_url: http://relais.example.org|' \
    "$ROOT/config/relais.yaml" > "$T/clear.yaml"
ln -sfn "$ROOT/config/templates" "$T/templates"
ln -sfn "$ROOT/config/noc2021.tsv" "$T/noc2021.tsv"
rc=0
out=$(TEST_HOOK_TOKEN=s3cret "$BUILD/relaisd" -c "$T/clear.yaml" --check 2>&1) || rc=$?
assert_eq "$rc" 0 "exit status of --check with warnings only"
printf '%s\n' "$out" | grep -q "^$T/clear.yaml:[0-9]*:[0-9]*: warning: gateway webhook sends its credentials and messages in clear to http://hooks.example.org/messages" ||
    fail "no warning for the cleartext gateway: $out"
printf '%s\n' "$out" | grep -q "warning: admin.public_url http://relais.example.org is http://" ||
    fail "no warning for the cleartext public_url: $out"
cat > "$T/bad.yaml" <<'YAML'
redis:
  url: ftp://example
  batch: 0
gateways:
  g: { kind: carrier-pigeon }
territories:
  a: { name: A, colour: blue }
routes:
  - match: { type: newcomer.arrived }
    gateways: [nowhere]
    template: welcome
YAML
rc=0
out=$("$BUILD/relaisd" -c "$T/bad.yaml" --check 2>&1) || rc=$?
assert_eq "$rc" 1 "exit status"
for want in \
    "$T/bad.yaml:2:8: redis url must start with redis:// or unix://" \
    "$T/bad.yaml:3:10: batch must be between 1 and 10000, not 0" \
    "$T/bad.yaml:5:14: unknown gateway kind \"carrier-pigeon\"" \
    "$T/bad.yaml:7:17: unknown key \"colour\" in a territory" \
    "$T/bad.yaml:10:16: unknown gateway \"nowhere\""; do
	printf '%s\n' "$out" | grep -qF -- "$want" || fail "missing: $want
got:
$out"
done
printf 'redis: [unclosed\n' > "$T/syntax.yaml"
rc=0
out=$("$BUILD/relaisd" -c "$T/syntax.yaml" --check 2>&1) || rc=$?
assert_eq "$rc" 1 "exit status of --check on a syntax error"
printf '%s\n' "$out" | grep -q "^$T/syntax.yaml:[0-9]*:[0-9]*: " || fail "syntax error without position: $out"

# ---- configurations that would send broken messages (issue 13)
S=$ROOT/config/relais.yaml
# line_of FILE EXTENDED-REGEX: the number of the first line that matches
line_of() {
	grep -nE -m 1 -- "$2" "$1" | cut -d: -f1
}
# refused FILE MESSAGE...: --check exits 1 and prints each message
refused() {
	local f=$1 rc=0 out want
	shift
	out=$("$BUILD/relaisd" -c "$f" --check 2>&1) || rc=$?
	assert_eq "$rc" 1 "exit status of --check on $(basename "$f")"
	for want in "$@"; do
		printf '%s\n' "$out" | grep -qxF -- "$want" || fail "missing: $want
got:
$out"
	done
}

# 1. a territory without branding: its templates would have holes
awk '/^    branding:/ { skip = 1; next } skip && /^      / { next }
    { skip = 0; print }' "$S" > "$T/nobrand.yaml"
L=$(line_of "$T/nobrand.yaml" '^  abitibi:$')
refused "$T/nobrand.yaml" \
    "$T/nobrand.yaml:$L:3: territory \"abitibi\" has no branding \"signature\", but template welcome uses {{territory.signature}} for role newcomer by email in fr (fr/welcome.txt.mustache:$(line_of "$ROOT/config/templates/fr/welcome.txt.mustache" 'territory.signature'):13): the message would have a hole there; add it under branding (a text, or one per language: {fr: ..., en: ...}), or test it in the template with {{#territory.signature}}"
out=$("$BUILD/relaisd" -c "$T/nobrand.yaml" --check 2>&1) || true
for k in phone address; do
	printf '%s\n' "$out" | grep -q "^$T/nobrand.yaml:$L:3: territory \"abitibi\" has no branding \"$k\", but template " ||
	    fail "no error for branding $k: $out"
done
printf '%s\n' "$out" | grep -q 'has no branding "website"' &&
    fail "website is optional (tested by {{#territory.website}}): $out"
# relaisd refuses it at start too, before it connects to anything: the
# same errors as log lines
rc=0
out=$(RELAIS_REDIS_URL=unix://$T/none.sock "$BUILD/relaisd" -c "$T/nobrand.yaml" 2>&1) || rc=$?
assert_eq "$rc" 1 "exit status of relaisd started on it"
printf '%s\n' "$out" | grep -q "^relaisd: $T/nobrand.yaml:$L:3: territory \"abitibi\" has no branding" ||
    fail "start: $out"

# 2. an SMS route whose English has only a text part: the French SMS instead
cp -r "$ROOT/config/templates" "$T/tpl-nosms"
rm "$T/tpl-nosms/en/checkin.sms.mustache"
sed 's|^  dir: templates$|  dir: tpl-nosms|' "$S" > "$T/nosms.yaml"
R=$(line_of "$T/nosms.yaml" 'type: followup.due, role: newcomer, channel: sms')
L=$(awk -v r="$R" 'NR > r && /template: checkin/ { print NR; exit }' "$T/nosms.yaml")
refused "$T/nosms.yaml" \
    "$T/nosms.yaml:$L:15: template \"checkin\" has no SMS version in en ($T/tpl-nosms/en/checkin.sms.mustache), but this route sends it by SMS to role newcomer in en: they would get the fr one instead"

# 3. check-ins in the plan, but no route for them by email
awk '/type: followup.due, role: newcomer, channel: email/ { skip = 1; next }
    skip && /^    / { next } { skip = 0; print }' "$S" > "$T/nocheckin.yaml"
L=$(line_of "$T/nocheckin.yaml" '^routes:$')
refused "$T/nocheckin.yaml" \
    "$T/nocheckin.yaml:$L:1: no route for followup.due to role newcomer by email (territory abitibi, language fr): the check-in of follow-ups with checkin: true would be dead-lettered (\"no route\"); add one, or one with send: false to leave it out deliberately"
# ... and send: false is a route: deliberately off
sed 's|^routes:$|routes:\n  - { match: { type: followup.due, channel: email }, send: false }|' \
    "$T/nocheckin.yaml" > "$T/checkin-off.yaml"
"$BUILD/relaisd" -c "$T/checkin-off.yaml" --check > /dev/null 2>&1 ||
    fail "send: false does not cover: $("$BUILD/relaisd" -c "$T/checkin-off.yaml" --check 2>&1)"

# 4. a fixed-offset zone warns, naming the zone to use
sed 's|^  abitibi:$|  abitibi:\n    timezone: EST|' "$S" > "$T/est.yaml"
L=$(line_of "$T/est.yaml" '^    timezone: EST$')
rc=0
out=$("$BUILD/relaisd" -c "$T/est.yaml" --check 2>&1) || rc=$?
assert_eq "$rc" 0 "exit status of --check with a fixed-offset zone"
printf '%s\n' "$out" | grep -qxF "$T/est.yaml:$L:15: warning: territory \"abitibi\": time zone \"EST\" is a fixed offset (UTC-05:00) without daylight saving time: where clocks change, follow-ups, reminders and dates in messages would be an hour off half the year; use the place's IANA Area/Location name, such as \"America/Toronto\"" ||
    fail "no warning for EST: $out"
sed 's|^  abitibi:$|  abitibi:\n    timezone: UTC-5|' "$S" > "$T/utc5.yaml"
refused "$T/utc5.yaml" \
    "$T/utc5.yaml:$L:15: unknown time zone \"UTC-5\" (/usr/share/zoneinfo/UTC-5: No such file or directory): an offset would be an hour off half the year where clocks change; use the place's IANA Area/Location name, such as \"America/Toronto\""

# 5. typos: the closest known name, and the known ones
sed -e 's|^  retention_days: 730$|  retention_day: 730|' \
    -e 's|^fallback_territory: region$|fallback_territory: regoin|' \
    -e '0,/window: sms-hours/s//window: sms-hour/' "$S" > "$T/typos.yaml"
rc=0
out=$(RELAIS_EMAIL_GATEWAY=sendgird "$BUILD/relaisd" -c "$T/typos.yaml" --check 2>&1) || rc=$?
assert_eq "$rc" 1 "exit status of --check with typos"
for want in \
    "$T/typos.yaml:$(line_of "$T/typos.yaml" '^  retention_day:'):3: unknown key \"retention_day\" in profiles: did you mean \"retention_days\"? known: retention_days" \
    "$T/typos.yaml:$(line_of "$T/typos.yaml" '^fallback_territory:'):21: unknown territory \"regoin\": did you mean \"region\"? known: abitibi, abitibi-ouest, vallee-de-l-or, temiscamingue, rouyn-noranda, region" \
    "$T/typos.yaml:$(line_of "$T/typos.yaml" 'window: sms-hour$'):13: unknown window \"sms-hour\": did you mean \"sms-hours\"? known: sms-hours, business-hours" \
    "$T/typos.yaml:$(line_of "$T/typos.yaml" '"\$\{RELAIS_EMAIL_GATEWAY'):17: unknown gateway \"sendgird\": did you mean \"sendgrid\"? known: outbox, webhook, twilio, sendgrid, mailgun, brevo, smtp"; do
	printf '%s\n' "$out" | grep -qxF -- "$want" || fail "missing: $want
got:
$out"
done
sed '0,/template: arrival_notice/s//template: arival_notice/' "$S" > "$T/tname.yaml"
refused "$T/tname.yaml" \
    "$T/tname.yaml:$(line_of "$T/tname.yaml" 'template: arival_notice'):15: template \"arival_notice\" does not exist in language fr ($T/templates/fr/arival_notice.txt.mustache or .sms.mustache): did you mean \"arrival_notice\"? known: arrival_notice, checkin, followup_reminder, match_alert, welcome"

# 6. strict mode: a message with a hole is dead-lettered, not sent
cp -r "$ROOT/config/templates" "$T/tpl-hole"
printf '{{person.middle_name}}\n' >> "$T/tpl-hole/fr/welcome.txt.mustache"
sed 's|^  dir: templates$|  dir: tpl-hole|' "$S" > "$T/hole.yaml"
sed 's|^  dir: templates$|  dir: tpl-hole\n  strict: true|' "$S" > "$T/strict.yaml"
event ck-1 '"email":"ana@example.com","consent":{"email":true}' > "$T/ev.json"
out=$("$BUILD/relaisctl" -c "$T/hole.yaml" render --event "$T/ev.json" 2>&1) ||
    fail "relaisctl render: $out"
printf '%s\n' "$out" | grep -q "^──── email to ana@example.com (newcomer, abitibi) — send$" ||
    fail "without strict, the message goes: $out"
out=$("$BUILD/relaisctl" -c "$T/strict.yaml" render --event "$T/ev.json" 2>&1) ||
    fail "relaisctl render (strict): $out"
printf '%s\n' "$out" | grep -q "^──── email to ana@example.com (newcomer, abitibi) — dead: template welcome: variable person.middle_name missing$" ||
    fail "with strict, a dead letter: $out"
out=$("$BUILD/relaisctl" -c "$S" render --event "$T/ev.json" 2>&1) || fail "$out"
printf '%s\n' "$out" | grep -q "— send$" || fail "the shipped config, strict or not: $out"

# 7. the example of relais.yaml(5) passes and renders a complete welcome
mkdir "$T/man"
ln -s "$ROOT/config/templates" "$T/man/templates"
awk '/^\.Sh EXAMPLES/ { ex = 1 } ex && /^\.Bd -literal/ { in_ = 1; next }
    in_ && /^\.Ed/ { exit } in_' "$ROOT/man/relais.yaml.5" |
    sed -e "s/\\\\('e/é/g" -e "s/\\\\('E/É/g" -e 's/\\\\-/-/g' > "$T/man/relais.yaml"
grep -q '^routes:' "$T/man/relais.yaml" || fail "no example config in relais.yaml.5"
grep -q '\\' "$T/man/relais.yaml" && fail "roff escapes left in the example: $(grep '\\' "$T/man/relais.yaml")"
printf 'redis-secret\n' > "$T/man/redis-password"
export CREDENTIALS_DIRECTORY=$T/man RELAIS_SENDGRID_API_KEY=SG.test
out=$("$BUILD/relaisd" -c "$T/man/relais.yaml" --check 2>&1) ||
    fail "the example of relais.yaml(5) is refused: $out"
printf '%s\n' "$out" | grep -q warning && fail "the example warns: $out"
sed 's|^followups:$|templates: { strict: true }\nfollowups:|' "$T/man/relais.yaml" > "$T/man/strict.yaml"
for lang in fr en; do
	event "man-$lang" '"email":"ana@example.com","phone":"+18195550123","consent":{"email":true,"sms":true}' \
	    '"municipality":"Rouyn"' | sed "s/\"language\":\"fr\"/\"language\":\"$lang\"/" > "$T/man/ev.json"
	out=$("$BUILD/relaisctl" -c "$T/man/strict.yaml" render --event "$T/man/ev.json" 2>&1) ||
	    fail "render of the example ($lang): $out"
	printf '%s\n' "$out" | grep -q " — dead" && fail "the example's messages have holes ($lang): $out"
	# the subject's text, then the text part
	welcome=$(printf '%s\n' "$out" | awk '/^──── email to ana@example.com/ { w = 1; next }
	    w && /^subject: / { sub(/^subject: +/, ""); print; next }
	    w && /^---- HTML/ { exit } w && body { print } w && /^$/ { body = 1 }')
	case $lang in
	fr) want="Bienvenue ! L'équipe d'accueil de Rouyn-Noranda est heureuse de vous compter"
	    phone="nous joindre au 819 555-0105." ;;
	en) want="The Rouyn-Noranda welcome team"
	    phone="819 555-0105" ;;
	esac
	printf '%s\n' "$welcome" | grep -qF "$want" || fail "welcome ($lang) without the team: $welcome"
	printf '%s\n' "$welcome" | grep -qF "$phone" || fail "welcome ($lang) without the phone: $welcome"
	printf '%s\n' "$welcome" | grep -qE '  |[[:space:]][.,]|: $|\{\{' &&
	    fail "welcome ($lang) with a hole: $(printf '%s\n' "$welcome" | grep -nE '  |[[:space:]][.,]|: $|\{\{')"
done
unset CREDENTIALS_DIRECTORY RELAIS_SENDGRID_API_KEY

# 8. a reload into a configuration that would send broken messages is refused
start_redis
write_config
start_relaisd
awk '/^    branding:/ { skip = 1; next } skip && /^      / { next }
    { skip = 0; print }' "$T/relais.yaml" > "$T/next.yaml"
cp "$T/next.yaml" "$T/relais.yaml"
kill -HUP "$RELAISD_PID"
wait_for 10 "the refusal" 'grep -q "reload refused: $T/relais.yaml:[0-9]*:3: territory \"abitibi\" has no branding \"signature\"" "$T/relaisd.log"'
alive || fail "relaisd died on the refused reload"
stop_relaisd

out=$(RELAIS_REDIS_URL= "$BUILD/relaisd" --version) || fail "--version"
printf '%s\n' "$out" | grep -q "^relaisd [0-9]" || fail "--version output: $out"
out=$("$BUILD/relaisd" --help) || fail "--help exit status"
printf '%s\n' "$out" | grep -q -- "--check" || fail "--help: $out"
echo "config check: ok"

# SPDX-License-Identifier: LiLiQ-P-1.1
# The web console's server in relaisd: users made by relaisctl console-user,
# log in with curl, a page, cookie flags and security headers, CSRF and
# roles refused, login attempts limited, a change audited in Redis, a user
# removed and the file reloaded (SIGHUP) ends their session, log out.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
start_redis
write_config
export RELAIS_CONSOLE_SECRET=0123456789abcdef0123456789abcdef-it
cat >> "$T/relais.yaml" <<EOF

console:
  listen: 127.0.0.1:0
  users_file: console-users
  secret: \${RELAIS_CONSOLE_SECRET}
  session_ttl_s: 600
  trusted_proxies: [127.0.0.1]
EOF
PW="correct horse battery"
cu() {
	RELAIS_REDIS_URL="unix://$T/redis.sock" "$BUILD/relaisctl" \
	    -c "$T/relais.yaml" console-user "$@"
}
printf '%s\n' "$PW" | cu add ana --role coordinator --scope region --password-stdin ||
    fail "console-user add ana"
printf '%s\n' "$PW" | cu add vic --role viewer --scope abitibi --password-stdin ||
    fail "console-user add vic"
[ "$(stat -c %a "$T/console-users")" = 640 ] || fail "users file mode $(stat -c %a "$T/console-users")"
grep -q '^ana:coordinator:region:\$y\$' "$T/console-users" || fail "users file: $(cat "$T/console-users")"

# --check reads the users file too
chk() {
	RELAIS_REDIS_URL="unix://$T/redis.sock" "$BUILD/relaisd" -c "$T/relais.yaml" --check
}
chk > "$T/check.txt" 2>&1 || fail "--check: $(cat "$T/check.txt")"
grep -q warning "$T/check.txt" && fail "--check warned: $(cat "$T/check.txt")"
cp "$T/console-users" "$T/console-users.good"
echo "eve:boss:region:x" >> "$T/console-users"
chk > "$T/check.txt" 2>&1 && fail "--check took a bad users file"
grep -q "console-users:[0-9]*: " "$T/check.txt" || fail "--check said: $(cat "$T/check.txt")"
sed -i '$d' "$T/console-users"
# relaisctl refuses an unknown scope; a hand-edited file may have one
zed=$(sed -n 's/^ana:coordinator:region:/zed:viewer:atlantis:/p' "$T/console-users")
printf '%s\n' "$zed" >> "$T/console-users"
chk > "$T/check.txt" 2>&1 || fail "--check: $(cat "$T/check.txt")"
grep -q 'zed.s scope "atlantis" is no territory' "$T/check.txt" ||
    fail "--check said nothing of an unknown scope: $(cat "$T/check.txt")"
cp "$T/console-users.good" "$T/console-users"

start_relaisd
wait_for 10 "the console in the log" 'grep -q "console listening on" "$T/relaisd.log"'
port=$(sed -n 's/.*console listening on .* (port \([0-9]*\)).*/\1/p' "$T/relaisd.log" | tail -n 1)
url="http://127.0.0.1:$port"

# valid PAGE: the last body is valid HTML (tidy, when installed; its 5.6
# does not know aria-current, an ARIA 1.1 attribute)
valid() {
	command -v tidy >/dev/null || return 0
	tidy -q -e "$T/body.html" 2>&1 | grep -v 'proprietary attribute "aria-current"' \
	    > "$T/tidy.txt" || true
	[ ! -s "$T/tidy.txt" ] || fail "$1 is not valid HTML: $(cat "$T/tidy.txt")"
}
# status [CURL ARGS...]: the status code of a request
status() {
	curl -s -o "$T/body.html" -D "$T/headers.txt" -w '%{http_code}' "$@"
}
header() {	# NAME: its value in the last answer
	sed -n "s/^$1: \(.*\)\r\$/\1/Ip" "$T/headers.txt" | head -n 1
}
csrf() {	# the first CSRF field of the last body
	sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$T/body.html" | head -n 1
}
login() {	# USER JAR [CURL ARGS...]: logs in, the cookie in JAR
	local user=$1 jar=$2 token
	shift 2
	assert_eq "$(status -c "$jar" -b "$jar" "$@" "$url/login")" 200 "GET /login"
	token=$(csrf)
	[ -n "$token" ] || fail "no CSRF token in the login form"
	assert_eq "$(status -c "$jar" -b "$jar" "$@" --data-urlencode "user=$user" \
	    --data-urlencode "password=$PW" --data-urlencode "csrf=$token" \
	    "$url/login")" 303 "POST /login as $user"
	assert_eq "$(header Location)" / "login redirect"
}

# not logged in: to the login page, which has the form and the headers
assert_eq "$(status "$url/")" 303 "anonymous GET /"
assert_eq "$(header Location)" /login "anonymous redirect"
assert_eq "$(status "$url/login")" 200 "GET /login"
grep -q 'id="login-form"' "$T/body.html" || fail "no login form"
valid "the login page"
grep -q '<html lang="fr">' "$T/body.html" || fail "not French first"
case $(header Content-Security-Policy) in
*"default-src 'none'"*"frame-ancestors 'none'"*) ;;
*) fail "CSP: $(header Content-Security-Policy)" ;;
esac
assert_eq "$(header X-Content-Type-Options)" nosniff "nosniff"
assert_eq "$(header Referrer-Policy)" no-referrer "Referrer-Policy"
assert_eq "$(header Cache-Control)" no-store "Cache-Control"

# logged in: the cookie's flags, a page with the user's name
login ana "$T/ana.jar"
sc=$(header Set-Cookie)
case $sc in
relais_session=*"; Path=/; SameSite=Strict; Max-Age=600; HttpOnly") ;;
*) fail "session cookie: $sc" ;;
esac
assert_eq "$(status -b "$T/ana.jar" "$url/nowhere")" 404 "unknown page"
grep -q 'id="whoami">ana (' "$T/body.html" || fail "no user name in the layout"
valid "the 404 page"
code=$(status -b "$T/ana.jar" "$url/health")
[ "$code" = 200 ] || [ "$code" = 503 ] || fail "GET /health: $code"
grep -q '<main' "$T/body.html" || fail "/health has no <main>"
token=$(csrf)
[ -n "$token" ] || fail "no CSRF token on the page (logout form)"
# the language switch, and /templates' lang (the messages', not the UI's)
assert_eq "$(status -b "$T/ana.jar" -c "$T/ana.jar" "$url/health?lang=en")" 200 "GET /health?lang=en"
grep -q '<html lang="en">' "$T/body.html" || fail "?lang=en did not switch"
grep -q 'href="/lang?set=fr&amp;back=%2Fhealth"' "$T/body.html" || fail "no switch back to French"
assert_eq "$(status -b "$T/ana.jar" -c "$T/ana.jar" "$url/lang?set=fr&back=%2Fhealth")" 303 "GET /lang"
assert_eq "$(header Location)" /health "/lang's redirect"
status -b "$T/ana.jar" -c "$T/ana.jar" "$url/templates?territory=abitibi&lang=en&message=welcome" >/dev/null
grep -q '<html lang="fr">' "$T/body.html" || fail "/templates?lang=en switched the UI"

# behind the trusted proxy saying https: Secure
login ana "$T/ana2.jar" -H "X-Forwarded-Proto: https"
case $(header Set-Cookie) in *"; Secure") ;; *) fail "not Secure: $(header Set-Cookie)" ;; esac

# a change without the token, a viewer's change: 403
assert_eq "$(status -b "$T/ana.jar" --data "address=a@example.org&reason=test" \
    "$url/optouts/add")" 403 "POST without CSRF"
grep -q 'id="error"' "$T/body.html" || fail "no #error on the 403 page"
valid "the 403 page"
login vic "$T/vic.jar"
status -b "$T/vic.jar" "$url/nowhere" >/dev/null
vtoken=$(csrf)
assert_eq "$(status -b "$T/vic.jar" --data "id=1-0&csrf=$vtoken" "$url/dead/replay")" \
    403 "a viewer replays"

# a change through the console is audited (once the opt-out page is there)
code=$(status -b "$T/ana.jar" -c "$T/ana.jar" --data-urlencode "address=ana@example.org" \
    --data-urlencode "reason=asked by phone" --data-urlencode "csrf=$token" \
    "$url/optouts/add")
if [ "$code" = 303 ]; then
	wait_for 5 "the audit record" '[ "$(rcli xlen relais:console:audit)" -ge 1 ]'
	rcli xrange relais:console:audit - + > "$T/audit.txt"
	grep -qx ana "$T/audit.txt" || fail "audit without the user: $(cat "$T/audit.txt")"
	grep -q "ana@example.org" "$T/audit.txt" && fail "the audit holds the address"
	# the page it sends to shows the flash message, once
	loc=$(header Location)
	assert_eq "$(status -b "$T/ana.jar" -c "$T/ana.jar" "$url$loc")" 200 "GET $loc"
	grep -q 'id="flash"' "$T/body.html" || fail "no #flash after the change"
	status -b "$T/ana.jar" -c "$T/ana.jar" "$url$loc" >/dev/null
	grep -q 'id="flash"' "$T/body.html" && fail "the flash message shown twice"
else
	echo "console: POST /optouts/add answered $code: audit not checked (page not there yet)"
fi

# login attempts: 5 wrong, then 429 with Retry-After (from a client of
# its own, behind the trusted proxy: the logins above spent 127.0.0.1's)
xff="X-Forwarded-For: 198.51.100.7"
status -H "$xff" "$url/login" >/dev/null
ltoken=$(csrf)
for i in 1 2 3 4 5; do
	assert_eq "$(status -H "$xff" --data-urlencode "user=zoe" --data-urlencode "password=wrong$i" \
	    --data-urlencode "csrf=$ltoken" "$url/login")" 403 "wrong password $i"
done
assert_eq "$(status -H "$xff" --data-urlencode "user=zoe" --data-urlencode "password=$PW" \
    --data-urlencode "csrf=$ltoken" "$url/login")" 429 "the sixth attempt"
[ -n "$(header Retry-After)" ] || fail "429 without Retry-After"

# vic removed, the file read again: vic's session ends, ana's stays
cu remove vic || fail "console-user remove vic"
kill -HUP "$RELAISD_PID"
wait_for 10 "the reload" 'grep -q "reload: .* loaded" "$T/relaisd.log"'
assert_eq "$(status -b "$T/vic.jar" "$url/health")" 303 "removed user's session"
assert_eq "$(status -b "$T/ana.jar" "$url/nowhere")" 404 "ana's session after the reload"
grep -q 'id="whoami">ana (' "$T/body.html" || fail "ana logged out by the reload"
# a broken users file on reload: the users read before stay
echo "broken" >> "$T/console-users"
kill -HUP "$RELAISD_PID"
wait_for 10 "the refusal of the users file" 'grep -q "console: .*console-users.*the users read before stay" "$T/relaisd.log"'
assert_eq "$(status -b "$T/ana.jar" "$url/nowhere")" 404 "ana's session after a bad users file"
grep -q 'id="whoami">ana (' "$T/body.html" || fail "ana logged out by a bad users file"

# log out: the cookie goes
assert_eq "$(status -b "$T/ana.jar" -c "$T/ana.jar" --data "csrf=$token" "$url/logout")" 303 "logout"
assert_eq "$(header Location)" /login "logout redirect"
case $(header Set-Cookie) in relais_session=\;*"Max-Age=0"*) ;; *) fail "logout cookie: $(header Set-Cookie)" ;; esac
assert_eq "$(status -b "$T/ana.jar" "$url/")" 303 "after logout"
stop_relaisd
echo "console: ok"

# SPDX-License-Identifier: LiLiQ-P-1.1
# clock-free: what it checks has no date in it; it runs once, not at every clock
# doc/console.md's nginx server blocks, as written, in front of a real
# console: only the addresses, the certificate (a self-signed one made
# here) and the console's port are changed. Through TLS: the login page,
# a login whose cookie is Secure (nginx says https, relaisd trusts it),
# the Overview with that cookie; plain HTTP is sent to https; a forged
# X-Forwarded-For is not the address the limiter counts (nginx appends
# the one it saw). Skipped, saying why, only without nginx.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
	echo "SKIP: t_console_proxy: nginx is not installed (tests/deps.sh installs it)"
	exit 0
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

start_redis
write_config
cat >> "$T/relais.yaml" <<EOF

console:
  listen: 127.0.0.1:0
  users_file: console-users
  secret: $(openssl rand -hex 32)
  trusted_proxies: [127.0.0.1]
EOF
printf 'claire-region-2026\n' | ctl console-user add claire --role coordinator \
    --scope region --password-stdin > "$T/ctl.out" 2>&1 ||
    fail "console-user add: $(cat "$T/ctl.out")"
start_relaisd
wait_for 15 "the console to listen" \
    'grep -q "console listening on .* (port [0-9]*)" "$T/relaisd.log"'
CP=$(sed -n 's/.*console listening on .* (port \([0-9]*\)).*/\1/p' "$T/relaisd.log" | tail -n 1)

# the documented blocks: the fenced nginx block of doc/console.md
awk '/^```nginx$/ { on = 1; next } on && /^```$/ { exit } on' \
    "$ROOT/doc/console.md" > "$T/doc.conf"
grep -q 'proxy_pass http://127.0.0.1:9188;' "$T/doc.conf" ||
    fail "no nginx block with proxy_pass to 127.0.0.1:9188 in doc/console.md"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
    -subj /CN=console.accueil.example -keyout "$T/key.pem" \
    -out "$T/cert.pem" > /dev/null 2>&1 || fail "openssl req"
TLS=$(free_port)
PLAIN=$(free_port)
sed -e "s|listen 443 ssl http2;|listen 127.0.0.1:$TLS ssl http2;|" \
    -e '/listen \[::\]:/d' \
    -e "s|listen 80;|listen 127.0.0.1:$PLAIN;|" \
    -e "s|ssl_certificate .*;|ssl_certificate $T/cert.pem;|" \
    -e "s|ssl_certificate_key .*;|ssl_certificate_key $T/key.pem;|" \
    -e "s|proxy_pass http://127.0.0.1:9188;|proxy_pass http://127.0.0.1:$CP;|" \
    "$T/doc.conf" > "$T/servers.conf"
for want in "127.0.0.1:$TLS ssl" "127.0.0.1:$PLAIN;" "$T/cert.pem" "$T/key.pem" "127.0.0.1:$CP;"; do
	grep -qF "$want" "$T/servers.conf" ||
	    fail "the documented block changed shape (no $want): $(cat "$T/doc.conf")"
done
{
	[ "$(id -u)" -eq 0 ] && echo "user root;"
	cat <<EOF
pid $T/nginx.pid;
error_log $T/nginx.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $T/nginx-body;
    proxy_temp_path $T/nginx-proxy;
    fastcgi_temp_path $T/nginx-fastcgi;
    uwsgi_temp_path $T/nginx-uwsgi;
    scgi_temp_path $T/nginx-scgi;
    include $T/servers.conf;
}
EOF
} > "$T/nginx.conf"
"$NGINX" -t -q -c "$T/nginx.conf" -g 'daemon off;' > "$T/nginx-t.out" 2>&1 ||
    fail "nginx -t: $(cat "$T/nginx-t.out")"
"$NGINX" -c "$T/nginx.conf" -g 'daemon off;' > "$T/nginx.out" 2>&1 &
PIDS+=($!)
# the certificate is the one made above: curl is told it, not told to
# ignore it; the "browser" comes from 127.0.0.2, an address that is not a
# trusted proxy, as a browser's would not be
c() {
	curl -s --interface 127.0.0.2 --cacert "$T/cert.pem" \
	    --resolve "console.accueil.example:$TLS:127.0.0.1" "$@"
}
U=https://console.accueil.example:$TLS
wait_for 10 "nginx to answer" "c -o /dev/null $U/login"

code=$(c -c "$T/jar" -o "$T/login.html" -w '%{http_code}' "$U/login")
assert_eq "$code" 200 "GET /login through nginx"
tok=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$T/login.html" | head -n 1)
[ -n "$tok" ] || fail "no csrf field on the login page"
code=$(c -b "$T/jar" -c "$T/jar" -D "$T/h.txt" -o /dev/null -w '%{http_code}' \
    --data-urlencode user=claire --data-urlencode password=claire-region-2026 \
    --data-urlencode "csrf=$tok" "$U/login")
assert_eq "$code" 303 "POST /login through nginx"
cookie=$(tr -d '\r' < "$T/h.txt" | grep -i '^set-cookie: relais_session=')
printf '%s\n' "$cookie" | grep -qi '; *Secure' || fail "no Secure cookie behind nginx: $cookie"
printf '%s\n' "$cookie" | grep -qi '; *HttpOnly' || fail "not HttpOnly: $cookie"
printf '%s\n' "$cookie" | grep -qi '; *SameSite=Strict' || fail "not SameSite=Strict: $cookie"
tr -d '\r' < "$T/h.txt" | grep -qi '^location: /$' ||
    fail "the login's redirect is not relative: $(grep -i '^location' "$T/h.txt")"
code=$(c -b "$T/jar" -o "$T/overview.html" -w '%{http_code}' "$U/")
assert_eq "$code" 200 "the Overview through nginx"
grep -q 'id="figures"' "$T/overview.html" || fail "no #figures through nginx"
# relaisd saw nginx (127.0.0.1) and counts the browser it forwarded
grep -q 'console: login client=127.0.0.2 user=claire role=coordinator outcome=ok' \
    "$T/relaisd.log" || fail "login not logged with the browser's address: $(grep 'console: login' "$T/relaisd.log")"

# plain HTTP: to https
code=$(curl -s --interface 127.0.0.2 -o /dev/null -D "$T/h80.txt" -w '%{http_code}' \
    -H 'Host: console.accueil.example' "http://127.0.0.1:$PLAIN/dead")
assert_eq "$code" 301 "plain HTTP"
tr -d '\r' < "$T/h80.txt" | grep -qi '^location: https://console.accueil.example/dead$' ||
    fail "plain HTTP goes to $(grep -i '^location' "$T/h80.txt")"

# a browser's forged X-Forwarded-For: nginx appends the address it saw,
# and relaisd counts that one (the right-most one not a trusted proxy)
c -o "$T/login2.html" -H 'X-Forwarded-For: 203.0.113.9' "$U/login"
tok=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$T/login2.html" | head -n 1)
c -o /dev/null -H 'X-Forwarded-For: 203.0.113.9' --data-urlencode user=claire \
    --data-urlencode password=wrong-password-1 --data-urlencode "csrf=$tok" "$U/login"
wait_for 5 "the refused login logged" \
    'grep -q "console: login client=.* user=claire outcome=refused" "$T/relaisd.log"'
grep "console: login client=.* user=claire outcome=refused" "$T/relaisd.log" |
    grep -q 'client=127.0.0.2 ' ||
    fail "the limiter counted a forged address: $(grep 'outcome=refused' "$T/relaisd.log")"
stop_relaisd
echo "console behind nginx: ok"

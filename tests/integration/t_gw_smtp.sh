# SPDX-License-Identifier: LiLiQ-P-1.1
# The smtp gateway against a real SMTP server (aiosmtpd, from Debian) on
# 127.0.0.1: STARTTLS required with a throwaway certificate, AUTH required
# after it. The received message is parsed with Python's email package:
# headers (encoded From name and Subject decoded, accents intact), both
# parts decoded equal to what relaisctl render shows. A 550 and a wrong
# password are dead-lettered; a 451 and a stopped server are retried, and
# the message arrives once. A server slow to answer DATA does not stall
# the loop: the admin port answers while the transfer waits.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || fail "openssl is needed (tests/deps.sh)"
# Debian's python3-aiosmtpd is for Debian's python3, which may not be the
# first python3 on the PATH
PY=python3
$PY -c 'import aiosmtpd' 2>/dev/null || PY=/usr/bin/python3
$PY -c 'import aiosmtpd' 2>/dev/null ||
    fail "python3-aiosmtpd is needed (tests/deps.sh)"

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$T/key.pem" -out "$T/cert.pem" > "$T/openssl.log" 2>&1 ||
    fail "cannot make a certificate: $(cat "$T/openssl.log")"

# The server: STARTTLS then AUTH required; reject@ gets a 550, busy@ a 451
# the first time, slow@ a reply to DATA 3 s late the first time; each
# message lands in mail/N.eml, its session in N.json.
cat > "$T/smtpd.py" <<'EOF'
import argparse, asyncio, json, os, ssl, sys
from aiosmtpd.smtp import SMTP, AuthResult

ap = argparse.ArgumentParser()
for a in ("--port-file", "--out", "--cert", "--key", "--user", "--password"):
    ap.add_argument(a, required=True)
ap.add_argument("--port", type=int, default=0)
args = ap.parse_args()
os.makedirs(args.out, exist_ok=True)

class Handler:
    busy = set()
    slow = set()

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address.startswith("reject@"):
            return "550 5.1.1 <%s>: Recipient address rejected" % address
        if address.startswith("busy@") and address not in self.busy:
            self.busy.add(address)
            return "451 4.3.0 <%s>: Try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        for a in envelope.rcpt_tos:
            if a.startswith("slow@") and a not in self.slow:
                self.slow.add(a)
                print("slow DATA", file=sys.stderr, flush=True)
                await asyncio.sleep(3)
        n = len([f for f in os.listdir(args.out) if f.endswith(".eml")]) + 1
        base = os.path.join(args.out, str(n))
        with open(base + ".json.tmp", "w") as f:
            json.dump({"mail_from": envelope.mail_from,
                "rcpt_tos": envelope.rcpt_tos,
                "tls": session.ssl is not None,
                "login": session.auth_data.login.decode()}, f)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(base + ".json.tmp", base + ".json")
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 2.0.0 OK: queued as Q%d" % n

def authenticate(server, session, envelope, mechanism, data):
    ok = (mechanism in ("LOGIN", "PLAIN") and
        data.login == args.user.encode() and
        data.password == args.password.encode())
    print("auth %s %s" % (mechanism, "ok" if ok else "refused"),
        file=sys.stderr, flush=True)
    # handled=False: aiosmtpd answers the 535 itself
    return AuthResult(success=ok, handled=False, auth_data=data if ok else None)

async def main():
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(args.cert, args.key)
    loop = asyncio.get_running_loop()
    srv = await loop.create_server(lambda: SMTP(Handler(),
        hostname="localhost", tls_context=ctx, require_starttls=True,
        auth_required=True, auth_require_tls=True,
        authenticator=authenticate), "127.0.0.1", args.port)
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(srv.sockets[0].getsockname()[1]))
    os.rename(args.port_file + ".tmp", args.port_file)
    await srv.serve_forever()

asyncio.run(main())
EOF

# The checks on a received message, with Python's email package.
cat > "$T/check.py" <<'EOF'
import datetime, email, email.policy, email.utils, json, os, sys, time

eml, render, key, want_from, want_name = sys.argv[1:6]
raw = open(eml, "rb").read()
meta = json.load(open(eml[:-4] + ".json"))
problems = []
def check(cond, what):
    if not cond:
        problems.append(what)

check(b"\n" not in raw.replace(b"\r\n", b""), "a bare LF")
check(all(len(l) <= 78 for l in raw.split(b"\r\n")), "a line over 78")
check(max(raw) < 128, "8-bit bytes on the wire")
check(meta["tls"], "not sent over TLS")
check(meta["login"] == "relais", "login %r" % meta["login"])
check(meta["mail_from"] == want_from, "MAIL FROM %r" % meta["mail_from"])
check(meta["rcpt_tos"] == ["ana@example.com"], "RCPT TO %r" % meta["rcpt_tos"])

m = email.message_from_bytes(raw, policy=email.policy.default)
check(not m.defects, "defects %r" % m.defects)
# what relaisctl render shows: subject line, text, then "---- HTML"
r = open(render, encoding="utf-8").read()
subject = [l[10:] for l in r.splitlines() if l.startswith("subject:  ")][0]
text = r.split("\ntemplate:", 1)[1].split("\n\n", 1)[1].split("\n---- HTML\n")[0]
html = r.split("\n---- HTML\n", 1)[1].split("\n──── ")[0]
check(str(m["Subject"]) == subject, "Subject %r, expected %r" % (m["Subject"], subject))
check("=?UTF-8?" in raw.split(b"\r\n\r\n")[0].decode(), "no encoded-word")
frm = m["From"].addresses[0]
check(frm.addr_spec == want_from, "From address %r" % frm.addr_spec)
check(frm.display_name == want_name, "From name %r" % frm.display_name)
check(m["To"].addresses[0].addr_spec == "ana@example.com", "To %r" % m["To"])
check(m["Reply-To"].addresses[0].addr_spec == want_from, "Reply-To %r" % m["Reply-To"])
# the daemon's clock: RELAIS_TEST_NOW when the suite set one (it runs on
# from there, and this scenario takes seconds)
now = os.environ.get("RELAIS_TEST_NOW")
now = (datetime.datetime.fromisoformat(now.replace("Z", "+00:00")).timestamp()
    if now else time.time())
check(abs(email.utils.parsedate_to_datetime(m["Date"]).timestamp() - now) < 300,
    "Date %r" % m["Date"])
check(m["Message-ID"] == "<%s@%s>" % (key, want_from.split("@")[1]),
    "Message-ID %r" % m["Message-ID"])
check(m["X-Relais-Delivery"] == key, "X-Relais-Delivery %r" % m["X-Relais-Delivery"])
check(m["MIME-Version"] == "1.0", "MIME-Version")
check(m.get_content_type() == "multipart/alternative", m.get_content_type())
parts = list(m.iter_parts())
check([p.get_content_type() for p in parts] == ["text/plain", "text/html"],
    "parts %r" % [p.get_content_type() for p in parts])
for p, want in zip(parts, (text, html)):
    check(p.get_content_charset() == "utf-8", "charset %r" % p.get_content_charset())
    check(p["Content-Transfer-Encoding"] == "quoted-printable", "encoding")
    got = p.get_content().replace("\r\n", "\n").rstrip("\n")
    check(got == want.rstrip("\n"), "%s part differs:\n%s\n----\n%s" %
        (p.get_content_type(), got, want))
check("Bonjour Ana," in parts[0].get_content(), "no 'Bonjour Ana,'")
check("résidents de la région" in parts[0].get_content(), "accents lost")
check("<p>Bonjour Ana,</p>" in parts[1].get_content(), "html part")
if problems:
    print("\n".join(problems))
    sys.exit(1)
EOF

SMTP_USER=relais
export SMTP_TEST_PASSWORD="pw-$$-é"
# start_smtpd [PORT]: the server, on PORT or an ephemeral port
start_smtpd() {
	rm -f "$T/smtpd.port"
	"$PY" "$T/smtpd.py" --port "${1:-0}" --port-file "$T/smtpd.port" \
	    --out "$T/mail" --cert "$T/cert.pem" --key "$T/key.pem" \
	    --user "$SMTP_USER" --password "$SMTP_TEST_PASSWORD" \
	    >> "$T/smtpd.log" 2>&1 &
	SMTPD_PID=$!
	PIDS+=("$SMTPD_PID")
	wait_for 10 "the SMTP server to listen" test -s "$T/smtpd.port"
	SMTP_PORT=$(cat "$T/smtpd.port")
}
start_smtpd

start_redis
write_config
sed -i 's|^gateways:$|gateways:\n  smtp-test:\n    kind: smtp\n    url: smtp://127.0.0.1:'"$SMTP_PORT"'\n    username: '"$SMTP_USER"'\n    password_env: SMTP_TEST_PASSWORD\n    ca_file: '"$T"'/cert.pem\n    timeout_ms: 6000\n    breaker_cooldown_ms: 500|' \
    "$T/relais.yaml"
grep -q "url: smtp://127.0.0.1:$SMTP_PORT" "$T/relais.yaml" || fail "gateway not added"
export RELAIS_EMAIL_GATEWAY=smtp-test
start_relaisd

mails() {
	find "$T/mail" -name '*.eml' 2>/dev/null | wc -l | tr -d ' '
}
# field EVENT NAME: NAME of each delivery record of EVENT, space-separated
field() {
	rcli xrange relais:deliveries - + | awk -v ev="$1" -v f="$2" '
	function flush() { if (started && e == ev) printf "%s ", v }
	name && /^[0-9]+-[0-9]+$/ || !started {
		flush(); started = 1; e = ""; v = ""; name = 1; next
	}
	name { k = $0; name = 0; next }
	{ if (k == "event_id") e = $0; if (k == f) v = $0; name = 1 }
	END { flush() }'
}
dead_reason() {
	rcli xrange relais:dead - + | grep "^$1" | head -n 1
}
# eml_of KEY: the received message carrying that delivery key
eml_of() {
	grep -l "^X-Relais-Delivery: $1" "$T"/mail/*.eml
}
# run_case ID PERSON MUNICIPALITY: one event, then until it is handled
run_case() {
	emit "$(event "$1" "$2" "\"municipality\":\"$3\"")"
	wait_for 20 "an outcome for $1" 'test -n "$(field '"$1"' outcome)"'
	wait_for 20 "$1 to be handled" all_handled
}
ANA='"email":"ana@example.com","consent":{"email":true}'

# success: the message as sent, checked by a real MIME parser
run_case m-1 "$ANA" Ville-Marie
assert_eq "$(field m-1 outcome)" "sent " "outcomes of m-1"
assert_eq "$(mails)" 1 "messages received"
key=$(field m-1 key | tr -d ' ')
assert_eq "$(field m-1 provider_id)" "<$key@temiscamingue.example> " "provider_id (Message-ID)"
event m-1 "$ANA" '"municipality":"Ville-Marie"' > "$T/m-1.json"
"$BUILD/relaisctl" -c "$T/relais.yaml" render --event "$T/m-1.json" \
    > "$T/render.txt" 2>&1 || fail "relaisctl render: $(cat "$T/render.txt")"
"$PY" "$T/check.py" "$(eml_of "$key")" "$T/render.txt" "$key" \
    accueil@temiscamingue.example "Accueil Témiscamingue" ||
    fail "the received message of m-1 (above)"

# 550 to RCPT: dead letter at once, with the code, the address masked
run_case m-2 '"email":"reject@example.com","consent":{"email":true}' Amos
assert_eq "$(field m-2 outcome)" "dead " "outcomes of m-2"
assert_eq "$(dead_reason "SMTP 550")" \
    "SMTP 550: 5.1.1 <r***@example.com>: Recipient address rejected" "550 reason"
assert_eq "$(mails)" 1 "messages received"

# 451 to RCPT: retried, then delivered once
run_case m-3 '"email":"busy@example.com","consent":{"email":true}' Amos
assert_eq "$(field m-3 outcome)" "retry sent " "outcomes of m-3"
field m-3 reason | grep -q "SMTP 451: 4.3.0 <b\*\*\*@example.com>: Try again later" ||
    fail "451 reason: $(field m-3 reason)"
assert_eq "$(mails)" 2 "messages received"

# the server stopped: retried (transport), delivered once it is back
kill -TERM "$SMTPD_PID"
wait "$SMTPD_PID" 2>/dev/null || true
emit "$(event m-4 "$ANA" '"municipality":"Amos"')"
wait_for 20 "a retry of m-4" 'field m-4 outcome | grep -q retry'
field m-4 reason | grep -q "transport: " || fail "m-4 reason: $(field m-4 reason)"
start_smtpd "$SMTP_PORT"
wait_for 20 "m-4 to be sent" 'field m-4 outcome | grep -q sent'
wait_for 20 "m-4 to be handled" all_handled
case $(field m-4 outcome) in
retry*sent\ ) ;;
*) fail "outcomes of m-4: $(field m-4 outcome)" ;;
esac
assert_eq "$(mails)" 3 "messages received"
grep -q "^X-Relais-Delivery: $(field m-4 key | cut -d' ' -f1)" "$T/mail/3.eml" ||
    fail "the third message is not m-4's"

# a server slow to answer DATA: the loop goes on, the admin port answers
# at once while the transfer waits for the reply
admin_port=$(sed -n 's/.*admin listening on .* (port \([0-9]*\)).*/\1/p' \
    "$T/relaisd.log" | tail -n 1)
[ -n "$admin_port" ] || fail "no admin port in the log"
emit "$(event m-6 '"email":"slow@example.com","consent":{"email":true}' \
    '"municipality":"Amos"')"
wait_for 20 "the server to hold m-6's DATA" \
    'grep -q "slow DATA" "$T/smtpd.log"'
curl -sf --max-time 0.5 "http://127.0.0.1:$admin_port/healthz" \
    > /dev/null || fail "/healthz did not answer within 0.5 s during a slow DATA"
assert_eq "$(mails)" 3 "messages received while m-6 is in flight"
wait_for 20 "m-6 to be handled" 'test -n "$(field m-6 outcome)" && all_handled'
assert_eq "$(field m-6 outcome)" "sent " "outcomes of m-6"
assert_eq "$(mails)" 4 "messages received"
stop_relaisd

# a wrong password: the login is refused, dead letter, nothing sent
SMTP_TEST_PASSWORD=wrong start_relaisd relaisd-wrongpw
run_case m-5 "$ANA" Amos
assert_eq "$(field m-5 outcome)" "dead " "outcomes of m-5"
dead_reason "SMTP 535" | grep -q "^SMTP 535: " ||
    fail "no 535 dead letter: $(rcli xrange relais:dead - + | grep '^SMTP')"
grep -q "auth .* refused" "$T/smtpd.log" || fail "the server saw no refused login"
assert_eq "$(mails)" 4 "messages received"
assert_eq "$(dead_count)" 2 "dead letters"
stop_relaisd
if grep -q -- "$SMTP_TEST_PASSWORD" "$T"/relaisd*.log; then
	fail "the password is in the log"
fi
echo "smtp gateway: ok"

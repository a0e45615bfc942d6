# SPDX-License-Identifier: LiLiQ-P-1.1
# The console's read-only pages against the real daemon and Redis, through
# curl: arrivals in two territories (one welcome to an address that is not
# one: a failed delivery) and an event of an unknown type (a dead letter),
# then the Overview's #figures equal the figures hashes Redis holds (and
# the arrivals sent), with a total row; Health shows the queue, the
# scheduled follow-ups by kind, the gateways and the dead letters by
# reason; Templates shows every message in French and English (subject,
# sandboxed HTML frame, text, SMS encoding and segments). Every page is
# well-formed HTML with <html lang>, one <main>, unique ids, a label for
# every field (and passes tidy when it is installed); no page scans Redis.
# A territory's user sees their territory only, and gets 403 for another.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

export HANDLERS=1	# counsellors on the rosters: notices, follow-ups
start_redis
start_sink gw
write_config
CONSOLE_PORT=$(free_port)
cat >> "$T/relais.yaml" <<EOF

console:
  listen: 127.0.0.1:$CONSOLE_PORT
  users_file: console-users
  secret: $(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
EOF
add_user() {	# NAME ROLE SCOPE PASSWORD
	printf '%s\n' "$4" | ctl console-user add "$1" --role "$2" --scope "$3" \
	    --password-stdin > "$T/ctl.out" 2>&1 ||
	    fail "relaisctl console-user add $1: $(cat "$T/ctl.out")"
}
add_user rita viewer region 'rita-region-2026'
add_user bruno viewer abitibi 'bruno-abitibi-2026'
start_relaisd
B=http://127.0.0.1:$CONSOLE_PORT
wait_for 10 "the console to listen" "curl -s -o /dev/null $B/login"

# two arrivals in Abitibi, two in Rouyn-Noranda (one to no valid address)
emit "$(event a1 '"email":"a1@example.com","consent":{"email":true}' '"municipality":"Amos"')"
emit "$(event a2 '"email":"a2@example.com","consent":{"email":true}' '"municipality":"Barraute"')"
emit "$(event r1 '"email":"r1@example.com","consent":{"email":true}' '"territory":"rouyn-noranda"')"
emit "$(event r2 '"email":"not-an-address","consent":{"email":true}' '"territory":"rouyn-noranda"')"
emit '{"specversion":"1.0","id":"u1","source":"https://tests.example","type":"nobody.knows","data":{}}'
wait_for 30 "every event handled" all_handled_but_scheduled
wait_for 10 "two dead letters" '[ "$(dead_count)" = 2 ]'

# login USER PASSWORD JAR: a session through the login form
login() {
	local csrf code
	csrf=$(curl -s -c "$3" -b "$3" "$B/login" |
	    sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n 1)
	[ -n "$csrf" ] || fail "no CSRF token in the login form"
	code=$(curl -s -o /dev/null -w '%{http_code}' -c "$3" -b "$3" \
	    --data-urlencode "user=$1" --data-urlencode "password=$2" \
	    --data-urlencode "csrf=$csrf" "$B/login")
	assert_eq "$code" 303 "login of $1"
}
# get JAR PATH FILE: the page in FILE, its status printed
get() {
	curl -s -o "$3" -w '%{http_code}' -b "$1" "$B$2"
}
code=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$B/")
case $code in "303 "*/login*) ;; *) fail "/ without a session: $code" ;; esac
login rita 'rita-region-2026' "$T/rita.jar"
login bruno 'bruno-abitibi-2026' "$T/bruno.jar"

cat > "$T/check_html.py" <<'EOF'
# check_html.py FILE LANG: well-formed, <html lang=LANG>, one <main>,
# unique ids, every field labelled, frames titled and sandboxed.
import sys
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
        "meta", "source", "track", "wbr"}

class Check(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.ids, self.labels = [], [], {}, set()
        self.fields, self.lang, self.mains, self.svg = [], None, 0, 0

    def err(self, msg):
        self.errors.append(f"line {self.getpos()[0]}: {msg}")

    def handle_starttag(self, tag, attrs, closed=False):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "main":
            self.mains += 1
        if "id" in a:
            if a["id"] in self.ids:
                self.err(f"id {a['id']!r} twice")
            self.ids[a["id"]] = tag
        if tag == "label" and "for" in a:
            self.labels.add(a["for"])
        if tag in ("input", "select", "textarea") and \
                a.get("type") not in ("hidden", "submit", "button"):
            self.fields.append((tag, a, self.getpos()[0]))
        if tag == "iframe" and ("sandbox" not in a or not a.get("title")):
            self.err("iframe without sandbox or title")
        if tag == "svg":
            self.svg += 1
        if not closed and tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        if tag not in VOID and not self.svg:
            self.err(f"<{tag}/> outside SVG")
        self.handle_starttag(tag, attrs, closed=True)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.err(f"</{tag}> closes <{self.stack[-1] if self.stack else ''}>")
            if tag in self.stack:
                while self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()
        if tag == "svg":
            self.svg -= 1

path, lang = sys.argv[1], sys.argv[2]
c = Check()
text = open(path, encoding="utf-8").read()
if not text.startswith("<!DOCTYPE html>"):
    c.err("no <!DOCTYPE html>")
c.feed(text)
c.close()
if c.stack:
    c.err(f"left open: {c.stack}")
if c.lang != lang:
    c.err(f"<html lang={c.lang!r}>, expected {lang!r}")
if c.mains != 1:
    c.err(f"{c.mains} <main>")
for tag, a, line in c.fields:
    if a.get("id") not in c.labels and "aria-label" not in a and \
            "aria-labelledby" not in a:
        c.errors.append(f"line {line}: <{tag} name={a.get('name')!r}> has no label")
for e in c.errors:
    print(e)
sys.exit(1 if c.errors else 0)
EOF
# valid PATH FILE LANG: the page in FILE passes the checks (and tidy's)
valid() {
	"$PY" "$T/check_html.py" "$2" "$3" > "$T/check.out" 2>&1 ||
	    fail "$1 is not valid HTML: $(head -n 20 "$T/check.out")"
	if command -v tidy >/dev/null 2>&1; then
		# errors only: tidy 5.6 warns about SVG it does not know
		tidy -q -e --show-warnings no "$2" > "$T/tidy.out" 2>&1 ||
		    [ $? -eq 1 ] || fail "$1: tidy: $(head -n 20 "$T/tidy.out")"
	fi
}

rcli config resetstat >/dev/null

# Overview: the figures as Redis holds them, a total row
assert_eq "$(get "$T/rita.jar" / "$T/overview.html")" 200 "GET / (rita)"
valid / "$T/overview.html" fr
grep -q '<table id="figures">' "$T/overview.html" || fail "no #figures table"
"$PY" - "$T/overview.html" "$T/redis.sock" <<'EOF' || fail "#figures: see above"
import re, subprocess, sys
page = open(sys.argv[1], encoding="utf-8").read()
table = page[page.index('<table id="figures">'):]
table = table[:table.index("</table>")]
month = re.search(r'<option selected>(\d{4}-\d\d)</option>', page).group(1)
rows = {}
for tid, body in re.findall(r'<tr[^>]* data-territory="([^"]+)">(.*?)</tr>', table, re.S):
    rows[tid] = {f: int(v) for f, v in re.findall(
        r'data-figure="([^"]+)" data-value="(\d+)"', body)}
def hgetall(t):
    out = subprocess.run(["redis-cli", "-s", sys.argv[2], "hgetall",
                          f"relais:figures:{t}:{month}"], capture_output=True,
                         text=True, check=True).stdout.splitlines()
    return {out[i]: int(out[i + 1]) for i in range(0, len(out) - 1, 2)}
def sent(h, template):
    return sum(v for k, v in h.items() if k.startswith(f"sent:{template}:"))
bad = []
want_rows = ["abitibi", "abitibi-ouest", "vallee-de-l-or", "temiscamingue",
             "rouyn-noranda", "region", "total"]
if list(rows) != want_rows:
    bad.append(f"rows {list(rows)}, expected {want_rows}")
for t in want_rows[:-1]:
    h, r = hgetall(t), rows.get(t, {})
    want = {"arrivals": h.get("arrivals", 0), "welcomed": h.get("welcomed", 0),
            "welcomed_email": h.get("welcomed:email", 0),
            "welcomed_sms": h.get("welcomed:sms", 0),
            "candidates": h.get("candidates", 0),
            "departures": h.get("departures", 0), "optouts": h.get("optouts", 0),
            "welcomes_sent": sent(h, "welcome"),
            "notices_sent": sent(h, "arrival_notice"),
            "checkins_sent": sent(h, "checkin"),
            "reminders_sent": sent(h, "followup_reminder"),
            "alerts_sent": sent(h, "match_alert"), "failed": h.get("dead", 0),
            "followups_due": h.get("followups_due", 0),
            "followups_done": h.get("followups_done", 0),
            "followups_overdue": 0}
    for f, v in want.items():
        if r.get(f) != v:
            bad.append(f"{t} {f}: page {r.get(f)}, Redis {v}")
for f in rows.get("total", {}):
    s = sum(rows[t].get(f, 0) for t in want_rows[:-1])
    if rows["total"][f] != s:
        bad.append(f"total {f}: {rows['total'][f]}, the rows add up to {s}")
# what the events make, whatever the counters' code
for t, f, v in (("abitibi", "arrivals", 2), ("rouyn-noranda", "arrivals", 2),
                ("abitibi", "welcomed", 2), ("rouyn-noranda", "welcomed", 1),
                ("rouyn-noranda", "failed", 1), ("abitibi", "failed", 0),
                ("vallee-de-l-or", "arrivals", 0)):
    if rows.get(t, {}).get(f) != v:
        bad.append(f"{t} {f}: page {rows.get(t, {}).get(f)}, the events make {v}")
# a trend per figure kept by month: overdue is today's only
if page.count("<svg") != 15:
    bad.append(f"{page.count('<svg')} charts, expected one per monthly figure (15)")
for b in bad:
    print("FAIL:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
assert_eq "$(get "$T/rita.jar" '/?month=2026-13' "$T/p.html")" 404 "a month that is not one"
# a month before: its figures, overdue left out (it is today's)
month=$(sed -n 's/.*<option selected>\([0-9-]*\)<\/option>.*/\1/p' "$T/overview.html" | head -n 1)
before=$(date -d "${month}-15 -1 month" +%Y-%m)
assert_eq "$(get "$T/rita.jar" "/?month=$before" "$T/before.html")" 200 "GET /?month=$before"
valid "/?month=$before" "$T/before.html" fr
grep -q "<option selected>$before</option>" "$T/before.html" || fail "/?month=$before: not selected"
grep -q 'data-figure="arrivals" data-value="0">0</td>' "$T/before.html" ||
    fail "/?month=$before: arrivals of the month before"
grep -q 'data-figure="followups_overdue" data-value=' "$T/before.html" &&
    fail "/?month=$before: an overdue count for a past month"
assert_eq "$(get "$T/rita.jar" '/?territory=rouyn-noranda&lang=en' "$T/one.html")" 200 \
    "GET /?territory=rouyn-noranda (rita)"
valid '/?territory=rouyn-noranda' "$T/one.html" en
grep -q 'data-territory="total"' "$T/one.html" && fail "a total row for one territory"
grep -q 'data-territory="abitibi"' "$T/one.html" && fail "abitibi shown when rouyn-noranda was asked"

# Health: queue, scheduled follow-ups, gateways, dead letters by reason
assert_eq "$(get "$T/rita.jar" /health "$T/health.html")" 200 "GET /health (rita)"
valid /health "$T/health.html" fr
for id in queue scheduled scheduled-kinds gateways dead-reasons; do
	grep -q "id=\"$id\"" "$T/health.html" || fail "/health has no #$id"
done
grep -q '<tr><th scope="row">webhook</th><td>webhook</td><td data-breaker="closed">' \
    "$T/health.html" || fail "/health: the webhook gateway's row"
"$PY" - "$T/health.html" "$T/redis.sock" <<'EOF' || fail "/health: see above"
import re, subprocess, sys
page = open(sys.argv[1], encoding="utf-8").read()
def rcli(*a):
    return subprocess.run(["redis-cli", "-s", sys.argv[2], *a], capture_output=True,
                          text=True, check=True).stdout.splitlines()
bad = []
out = rcli("hgetall", "relais:dead:reasons")
reasons = {out[i]: int(out[i + 1]) for i in range(0, len(out) - 1, 2) if int(out[i + 1]) > 0}
shown = {c: int(n) for c, n in re.findall(
    r'<tr data-reason="([^"]+)">.*?<td class="n">(\d+)</td>', page)}
if shown != reasons:
    bad.append(f"dead letters by reason: page {shown}, Redis {reasons}")
if sum(shown.values()) != 2:
    bad.append(f"{sum(shown.values())} dead letters by reason, the events made 2")
kinds = page[page.index('id="scheduled-kinds"'):]
kinds = kinds[:kinds.index("</table>")]
counts = [int(n) for n in re.findall(r'</th><td class="n">(\d+)</td>', kinds)]
zcard = int(rcli("zcard", "relais:scheduled")[0])
if sum(counts) != min(zcard, 256):
    bad.append(f"scheduled by kind add up to {sum(counts)}, ZCARD is {zcard}")
fu = re.search(r'\(followup\.due\)</th><td class="n">(\d+)</td>', kinds)
if zcard == 0 or not fu or int(fu.group(1)) == 0:
    bad.append(f"no follow-up scheduled by the arrivals (ZCARD {zcard})")
for b in bad:
    print("FAIL:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF

# Templates: every message, in French and English
for lang in fr en; do
	for m in welcome arrival_notice followup_reminder checkin match_alert; do
		f=$T/tpl-$m-$lang.html
		assert_eq "$(get "$T/rita.jar" "/templates?territory=abitibi&lang=$lang&message=$m" "$f")" \
		    200 "GET /templates $m $lang"
		# lang= picks the messages' language; the page stays in the
		# console's (French here): a coordinator previews English
		# messages without the console switching language
		valid "/templates $m $lang" "$f" fr
		grep -q "<section class=\"message\" id=\"message-$m\">" "$f" ||
		    fail "/templates $m $lang: no section"
		grep -q '<iframe class="preview" sandbox="" ' "$f" ||
		    fail "/templates $m $lang: no sandboxed email frame"
		grep -q 'srcdoc="&lt;!DOCTYPE html&gt;' "$f" ||
		    fail "/templates $m $lang: the email's HTML is not in srcdoc, escaped"
		grep -q '<pre class="email-text"' "$f" || fail "/templates $m $lang: no text part"
		# nothing refused but a fallback channel not needed
		grep 'class="not-sent"' "$f" | grep -v 'fallback channel' |
		    grep -q . && fail "/templates $m $lang: $(grep 'not-sent' "$f")"
		case $m in arrival_notice|followup_reminder)
			# staff are written to in their own language
			want=fr ;;
		*)	want=$lang ;;
		esac
		grep -q "<dd>$want</dd>" "$f" || fail "/templates $m $lang: not in $want"
	done
done
for lang in fr en; do
	for m in welcome checkin; do
		f=$T/tpl-$m-$lang.html
		grep -q '<pre class="sms-text"' "$f" || fail "/templates $m $lang: no SMS"
		grep -Eq '<dd>(GSM-7|UCS-2)</dd>' "$f" || fail "/templates $m $lang: no SMS encoding"
		grep -Eq '<dt>Segments</dt><dd>[1-9]</dd>' "$f" ||
		    fail "/templates $m $lang: no segment count"
	done
done
grep -q '>Bienvenue dans la région, Amina !<' "$T/tpl-welcome-fr.html" ||
    fail "/templates welcome fr: the subject"
assert_eq "$(get "$T/rita.jar" '/templates' "$T/tpl-all.html")" 200 "GET /templates"
valid /templates "$T/tpl-all.html" fr
assert_eq "$(grep -c '<section class="message"' "$T/tpl-all.html")" 5 "messages on /templates"
assert_eq "$(get "$T/rita.jar" '/templates?message=nothing' "$T/p.html")" 404 \
    "/templates of a message no route sends"
# every territory's samples plan (the region has no municipality of its own)
for t in abitibi-ouest vallee-de-l-or temiscamingue rouyn-noranda region; do
	assert_eq "$(get "$T/rita.jar" "/templates?territory=$t&lang=en" "$T/p.html")" 200 \
	    "GET /templates?territory=$t"
	assert_eq "$(grep -c '<article class="delivery' "$T/p.html")" \
	    "$(grep -c '<article class="delivery' "$T/tpl-all.html")" "deliveries of $t's samples"
	grep 'class="not-sent"' "$T/p.html" | grep -v 'fallback channel' | grep -q . &&
	    fail "/templates?territory=$t: $(grep 'not-sent' "$T/p.html")"
done

# a territory's user: their territory only, 403 for another
assert_eq "$(get "$T/bruno.jar" / "$T/bruno.html")" 200 "GET / (bruno)"
valid "/ (bruno)" "$T/bruno.html" fr
grep -q 'data-territory="abitibi"' "$T/bruno.html" || fail "bruno does not see abitibi"
for t in rouyn-noranda region total; do
	grep -q "data-territory=\"$t\"" "$T/bruno.html" && fail "bruno sees $t on /"
	grep -q "<option value=\"$t\"" "$T/bruno.html" && fail "bruno is offered $t on /"
done
for p in '/?territory=rouyn-noranda' '/templates?territory=rouyn-noranda' \
    '/health?territory=region'; do
	assert_eq "$(get "$T/bruno.jar" "$p" "$T/p.html")" 403 "bruno: $p"
	grep -q 'id="error"' "$T/p.html" || fail "bruno: $p: no #error"
done
assert_eq "$(get "$T/bruno.jar" /templates "$T/bruno-tpl.html")" 200 "GET /templates (bruno)"
valid "/templates (bruno)" "$T/bruno-tpl.html" fr
grep -q '<option value="rouyn-noranda"' "$T/bruno-tpl.html" &&
    fail "bruno is offered rouyn-noranda on /templates"
grep -q '<option value="abitibi" selected>' "$T/bruno-tpl.html" ||
    fail "bruno's templates are not abitibi's"
assert_eq "$(get "$T/bruno.jar" /health "$T/bruno-health.html")" 200 "GET /health (bruno)"
valid "/health (bruno)" "$T/bruno-health.html" fr
grep -q 'id="dead-reasons"' "$T/bruno-health.html" &&
    fail "bruno sees the region's dead letters by reason"

# the pages read aggregates: nothing walked through a whole key space
rcli info commandstats > "$T/cmdstats.txt"
for c in scan keys zscan hscan sscan; do
	grep -q "^cmdstat_$c:" "$T/cmdstats.txt" && fail "a page ran $c: $(grep "^cmdstat_$c:" "$T/cmdstats.txt")"
done
grep -q '^cmdstat_hgetall:calls=' "$T/cmdstats.txt" || fail "no HGETALL seen"

# a reload while a page waits on Redis: the old config (the territories
# the page holds) is freed; the page answers 503 instead of reading it,
# and relaisd lives on (under ASan, nothing freed is touched). When the
# reload is taken before the request, the page is simply whole: 200.
for p in / /health; do
	rcli client pause 2000 ALL > /dev/null
	get "$T/rita.jar" "$p" "$T/reload.html" > "$T/reload.code" &
	getter=$!
	sleep 0.5
	kill -HUP "$RELAISD_PID"
	wait "$getter"
	case $(cat "$T/reload.code") in
	503|200) ;;
	*) fail "GET $p across a reload: $(cat "$T/reload.code")" ;;
	esac
	echo "GET $p across a reload: $(cat "$T/reload.code")"
	alive || fail "relaisd died when reloaded while $p waited on Redis"
done

# Redis gone: the pages that read it say so (503), the previews need none
rcli shutdown nosave >/dev/null 2>&1 || true
wait_for 10 "redis-server to stop" '! rcli ping'
for p in / /health; do
	assert_eq "$(get "$T/rita.jar" "$p" "$T/p.html")" 503 "GET $p with Redis down"
	grep -q 'id="error"' "$T/p.html" || fail "$p with Redis down: no #error"
done
assert_eq "$(get "$T/rita.jar" /templates "$T/p.html")" 200 "GET /templates with Redis down"
stop_relaisd
echo "ok"

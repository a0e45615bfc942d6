# SPDX-License-Identifier: LiLiQ-P-1.1
# The committee's figures: events through relaisd in two territories keep
# the per-territory local-month counters (people once, messages each,
# failures by reason class), and relaisctl report reads them: names, a
# total, a rectangular CSV with a month column, a fiscal year, a
# self-contained HTML page that parses.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
HANDLERS=1
export HANDLERS
write_config
start_redis
start_sink gw
# Monday 30 November 2026, 11:00 in Québec: SMS hours
RELAIS_TEST_NOW=2026-11-30T16:00:00Z
export RELAIS_TEST_NOW
start_relaisd

arrival() {	# id person territory person-fields
	printf '{"specversion":"1.0","id":"%s","source":"crm","type":"newcomer.arrived","data":{"person":{"id":"%s","first_name":"Ana","language":"fr",%s},"territory":"%s","arrival_date":"2026-11-30","profile":{"occupation":"72106","skills":["Soudure MIG"],"desired_territories":["%s"]}}}' \
	    "$1" "$2" "$4" "$3" "$3"
}
emit "$(arrival a-1 p-1 abitibi '"email":"p-1@example.com","phone":"+18195550111","consent":{"email":true,"sms":true,"share_profile":true}')"
emit "$(arrival a-2 p-2 abitibi '"email":"p-2@example.com","consent":{"email":true}')"
emit "$(arrival a-3 p-3 temiscamingue '"email":"p-3@example.com","consent":{"email":true}')"
# an address no gateway can take: a dead letter, class invalid_address
emit "$(arrival x-1 p-x temiscamingue '"email":"not-an-address","consent":{"email":true}')"
wait_for 15 "welcomes and notices" 'test "$(requests gw)" -ge 7'
wait_for 10 "the arrivals handled" all_handled_but_scheduled
# the same person again (a CRM update): neither an arrival nor a welcome
emit "$(arrival a-1b p-1 abitibi '"email":"p-1@example.com","phone":"+18195550111","consent":{"email":true,"sms":true,"share_profile":true}')"
# a posting in Abitibi that fits p-1: one alert, one candidate; again: none
posting='{"specversion":"1.0","id":"%s","source":"jobs","type":"job.posted","data":{"job":{"id":"j-1","title":"Soudeur","occupation":"72106","skills":["soudure mig"],"territory":"abitibi","closes_at":"2027-04-30"},"employer":{"id":"e-1","name":"Mine","contact":{"name":"Julie Roy","email":"rh@mine.example","language":"fr"}}}}'
n=$(requests gw)
emit "$(printf "$posting" j-ev-1)"
wait_for 10 "the employer alert" 'test "$(requests gw)" -gt "$n"'
emit "$(printf "$posting" j-ev-2)"
# follow-ups fall due: reminded, open until done, departed or forgotten
due() {	# id person
	emit '{"specversion":"1.0","id":"'"$1"'","source":"crm","type":"followup.due","data":{"person":{"id":"'"$2"'"},"followup":{"kind":"d7","due_at":"2026-11-30T14:00:00Z"}}}'
}
due fu-1 p-1
due fu-2 p-2
due fu-3 p-3
wait_for 10 "the follow-ups handled" all_handled_but_scheduled
assert_eq "$(rcli zcard relais:followups-open:abitibi)" 2 "follow-ups open in Abitibi"
assert_eq "$(rcli zcard relais:followups-open:temiscamingue)" 1 "follow-ups open in Témiscamingue"
emit '{"specversion":"1.0","id":"done-3","source":"crm","type":"followup.done","data":{"person":{"id":"p-3"},"followup":{"kind":"d7"}}}'
emit '{"specversion":"1.0","id":"d-1","source":"crm","type":"newcomer.departed","data":{"person":{"id":"p-2"}}}'
wait_for 10 "all handled" all_handled_but_scheduled
assert_eq "$(rcli zrange relais:followups-open:abitibi 0 -1)" d7:p-1 "open after a departure"
assert_eq "$(rcli zcard relais:followups-open:temiscamingue)" 0 "open after done"
stop_relaisd

# 21:00 in Québec on the 30th is 02:00 UTC on 1 December: the figures
# go to the territory's month, November
RELAIS_TEST_NOW=2026-12-01T02:00:00Z
start_relaisd relaisd2
n=$(requests gw)
emit "$(arrival a-4 p-4 abitibi '"email":"p-4@example.com","consent":{"email":true}')"
wait_for 10 "the late welcome and notice" 'test "$(requests gw)" -ge "$((n + 2))"'
wait_for 10 "all handled" all_handled_but_scheduled
stop_relaisd

fig() {	# territory field: the November figure
	rcli hget "relais:figures:$1:2026-11" "$2"
}
assert_eq "$(fig abitibi arrivals)" 3 "arrivals in Abitibi (a repeat is not one)"
assert_eq "$(fig abitibi welcomed)" 3 "people welcomed in Abitibi"
assert_eq "$(fig abitibi welcomed:email)" 3 "welcomed by email"
assert_eq "$(fig abitibi welcomed:sms)" 1 "welcomed by SMS"
assert_eq "$(fig abitibi sent:welcome:email)" 3 "welcome emails"
assert_eq "$(fig abitibi sent:welcome:sms)" 1 "welcome SMS"
assert_eq "$(fig abitibi sent:arrival_notice:email)" 3 "counsellor notices"
assert_eq "$(fig abitibi sent:match_alert:email)" 1 "employer alerts"
assert_eq "$(fig abitibi candidates)" 1 "candidates announced once"
assert_eq "$(fig abitibi departures)" 1 "departures"
assert_eq "$(fig temiscamingue arrivals)" 2 "arrivals in Témiscamingue"
assert_eq "$(fig temiscamingue welcomed)" 1 "people welcomed in Témiscamingue"
assert_eq "$(fig temiscamingue dead)" 1 "failed deliveries"
assert_eq "$(rcli exists relais:figures:abitibi:2026-12)" 0 "no December figures (UTC's month)"
assert_eq "$(rcli hget relais:person:p-1 welcomed_email)" 2026-11 "p-1's first welcome marked"
assert_eq "$(rcli hget relais:dead:reasons invalid_address)" 1 "dead letters by reason class"
rcli xrange relais:dead - + | grep -qx invalid_address || fail "the letter carries its class"

# the report: names, a total, the territories' months
ctl_ok report --month 2026-11 --csv
printf '%s\n' "$out" > "$T/nov.csv"
python3 - "$T/nov.csv" <<'PY' || fail "November's CSV: $(cat "$T/nov.csv")"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
head = rows[0]
assert head[:3] == ["month", "territory", "name"], head
assert all(len(r) == len(head) for r in rows), "not rectangular"
by = {r[1]: dict(zip(head, r)) for r in rows[1:]}
assert len(rows) == 1 + 6 + 1, len(rows)
a, t, tot = by["abitibi"], by["temiscamingue"], by["total"]
assert a["name"] == "MRC d'Abitibi" and a["month"] == "2026-11", a
assert (a["arrivals"], a["welcomed"], a["welcomed_sms"]) == ("3", "3", "1"), a
assert (a["welcomes_sent"], a["notices_sent"], a["alerts_sent"]) == ("4", "3", "1"), a
assert (a["candidates"], a["departures"]) == ("1", "1"), a
assert (t["arrivals"], t["welcomed"], t["failed"]) == ("2", "1", "1"), t
assert (a["followups_due"], t["followups_due"], t["followups_done"]) == ("2", "1", "1"), (a, t)
assert a["followups_overdue"] == "0", a   # November is today's month
for k in head[3:]:
    assert int(tot[k]) == sum(int(by[x][k]) for x in by if x != "total"), k
PY

# a fiscal year: twelve months of six territories and a total
ctl_ok report --from 2026-04 --to 2027-03 --csv
printf '%s\n' "$out" > "$T/year.csv"
python3 - "$T/year.csv" <<'PY' || fail "the fiscal year's CSV"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert len(rows) == 1 + 12 * 7, len(rows)
assert all(len(r) == len(rows[0]) for r in rows), "not rectangular"
assert rows[1][0] == "2026-04" and rows[-1][0] == "2027-03", (rows[1], rows[-1])
PY

# three weeks on, in December: p-1's follow-up, reminded and not done, is
# overdue today; nothing else is
RELAIS_TEST_NOW=2026-12-21T15:00:00Z ctl_ok report --month 2026-12 --csv
printf '%s\n' "$out" | grep -q '^2026-12,abitibi,.*,1$' || fail "overdue in Abitibi: $out"
printf '%s\n' "$out" | grep -q '^2026-12,temiscamingue,.*,0$' || fail "overdue in Témiscamingue: $out"
printf '%s\n' "$out" | grep -q '^2026-12,total,.*,1$' || fail "overdue in total: $out"

ctl_ok report --month 2026-11 --lang en
printf '%s\n' "$out" | grep -q "Abitibi RCM" || fail "English names: $out"
printf '%s\n' "$out" | grep -q "November 2026" || fail "English month: $out"

# the committee's page: self-contained, French first, well-formed
ctl_ok report --from 2026-04 --to 2027-03 --html "$T/report.html"
python3 - "$T/report.html" <<'PY' || fail "the HTML page"
import html.parser, sys, xml.etree.ElementTree as ET
text = open(sys.argv[1], encoding="utf-8").read()
VOID = {"meta", "br", "img", "input", "link", "hr"}
class Check(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.svgs, self.ids = [], 0, set()
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            assert a["id"] not in self.ids, "id twice: " + a["id"]
            self.ids.add(a["id"])
        if tag == "svg":
            self.svgs += 1
            assert a.get("role") == "img" and "aria-labelledby" in a, a
        assert tag not in ("script", "link", "img", "iframe"), tag
        if tag not in VOID:
            self.stack.append(tag)
    def handle_startendtag(self, tag, attrs):
        pass
    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-3:])
        self.stack.pop()
c = Check()
c.feed(text)
c.close()
assert not c.stack, c.stack
assert text.startswith('<!DOCTYPE html>\n<html lang="fr">'), text[:40]
assert "MRC d&#39;Abitibi" in text and "Témiscamingue" in text
assert c.svgs == 16, c.svgs           # a trend per figure, the messages' bars
assert "table-people" in c.ids and "table-messages" in c.ids
assert "http://" not in text.replace("http://www.w3.org/2000/svg", "")
ET.fromstring(text[len("<!DOCTYPE html>\n"):])
PY
# and tidy (tests/deps.sh installs it) finds neither error nor warning
if command -v tidy > /dev/null; then
	tidy -e -q "$T/report.html" 2> "$T/tidy.err" || fail "tidy: $(cat "$T/tidy.err")"
fi
echo "report: ok"

# SPDX-License-Identifier: LiLiQ-P-1.1
# Never a dead letter over a language (issue 12): BCP 47 tags as CRMs send
# them ("fr-CA", "EN") are read by their language; one relais has no
# templates in ("es-MX") is written in the territory's, and the counsellor
# is told the tag and the language the messages go in.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
HANDLERS=1
export HANDLERS
write_config
start_redis
start_sink gw
RELAIS_TEST_NOW=2026-03-04T19:30:00Z
export RELAIS_TEST_NOW
start_relaisd

arrival() {	# ID PERSON LANGUAGE
	printf '{"specversion":"1.0","id":"%s","source":"crm","type":"newcomer.arrived","data":{"person":{"id":"%s","first_name":"Ana","last_name":"Moreau","email":"%s@example.com","language":"%s","consent":{"email":true}},"territory":"abitibi"}}' \
	    "$1" "$2" "$2" "$3"
}
emit "$(arrival a-1 fr-ca fr-CA)"
emit "$(arrival a-2 en-up EN)"
emit "$(arrival a-3 es-mx es-MX)"
emit "$(arrival a-4 junk 'fr CA!')"
emit "$(arrival a-5 en-us en_US)"
wait_for 15 "five welcomes and five notices" 'test "$(requests gw)" -ge 10'
wait_for 10 "handled" all_handled_but_scheduled
assert_eq "$(dead_count)" 0 "dead letters over a language"
welcome() {	# PERSON FIELD
	jq -r '.body' "$T/gw.jsonl" | jq -r --arg to "$1@example.com" \
	    "select(.template == \"welcome\" and .to == \$to) | $2"
}
notice() {	# EVENT
	jq -r '.body' "$T/gw.jsonl" | jq -r --arg id "$1" \
	    'select(.template == "arrival_notice" and .event_id == $id) | .text'
}
assert_eq "$(welcome fr-ca .language)" fr "welcome of fr-CA"
assert_eq "$(welcome en-up .language)" en "welcome of EN"
assert_eq "$(welcome en-us .language)" en "welcome of en_US"
assert_eq "$(welcome es-mx .language)" fr "welcome of es-MX (the territory's)"
assert_eq "$(welcome junk .language)" fr "welcome of a language that is no tag"
welcome en-up .text | grep -q "^Hello Ana" || fail "English welcome: $(welcome en-up .text)"
# stored: the code messages use, and the tag as sent
assert_eq "$(rcli hget relais:person:fr-ca language)" fr "stored language of fr-CA"
assert_eq "$(rcli hget relais:person:fr-ca language_tag)" fr-CA "stored tag of fr-CA"
assert_eq "$(rcli hget relais:person:es-mx language)" es "stored language of es-MX"
assert_eq "$(rcli hexists relais:person:en-us language_tag)" 1 "stored tag of en_US"
assert_eq "$(rcli hexists relais:person:junk language)" 0 "stored language of no tag"
# the counsellor reads the tag, and what relais writes in when it has none
# of the person's language
notice a-1 | grep -q "Langue de communication : français (fr-CA)$" ||
    fail "notice of fr-CA: $(notice a-1)"
notice a-3 | grep -q "Langue de communication : espagnol (es-MX) (nous n'avons pas de messages dans cette langue : les siens sont en français)" ||
    fail "notice of es-MX: $(notice a-3)"
stop_relaisd
echo "languages: ok"

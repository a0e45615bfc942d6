# relaisd --check: 0 for the shipped config; 1 with FILE:LINE:COL for errors.
. "$(dirname "$0")/lib.sh"
out=$("$BUILD/relaisd" -c "$ROOT/config/relais.yaml" --check 2>&1) || fail "shipped config refused: $out"
printf '%s\n' "$out" | grep -q "warning" && fail "the shipped config warns: $out"

# valid, but a secret or a personal link would cross the network in clear
sed -e 's|^    url: ${RELAIS_WEBHOOK_URL:-http://127.0.0.1:8025/messages}|    url: http://hooks.example.org/messages\n    token_env: TEST_HOOK_TOKEN|' \
    -e 's|^admin:$|admin:\n  public_url: http://relais.example.org|' \
    "$ROOT/config/relais.yaml" > "$T/clear.yaml"
ln -sfn "$ROOT/config/templates" "$T/templates"
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
out=$(RELAIS_REDIS_URL= "$BUILD/relaisd" --version) || fail "--version"
printf '%s\n' "$out" | grep -q "^relaisd [0-9]" || fail "--version output: $out"
out=$("$BUILD/relaisd" --help) || fail "--help exit status"
printf '%s\n' "$out" | grep -q -- "--check" || fail "--help: $out"
echo "config check: ok"

# SPDX-License-Identifier: LiLiQ-P-1.1
# clock-free: what it checks has no date in it; it runs once, not at every clock
# The README's worked examples (add a territory, a route, a gateway with a
# relay as backup) applied to a copy of config/ as the README says: relaisd
# --check and relaisctl render print what the README quotes, line numbers
# included (tests/readme_examples.py).
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
out=$(python3 tests/readme_examples.py "$ROOT" "$BUILD" "$T" 2>&1) ||
    fail "README examples:
$out"
echo "$out" | tail -n 1
echo "readme: ok"

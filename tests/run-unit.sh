#!/bin/sh
# SPDX-License-Identifier: LiLiQ-P-1.1
# Runs every cmocka unit test binary of BUILD_DIR/tests, from the repo root.
set -u
build=${1:-build}
failed=0
passed=0
for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	if "$t"; then
		passed=$((passed + 1))
	else
		echo "FAILED: $t"
		failed=$((failed + 1))
	fi
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

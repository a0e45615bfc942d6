#!/bin/sh
# Runs every integration scenario (tests/integration/t_*.sh) against the
# binaries of BUILD_DIR, each with its own redis-server and HTTP servers.
set -u
build=${1:-build}
failed=0
passed=0
failures=""
for t in tests/integration/t_*.sh; do
	name=$(basename "$t" .sh)
	start=$(date +%s)
	if BUILD="$build" bash "$t" > "$build/$name.log" 2>&1; then
		passed=$((passed + 1))
		echo "ok   $name ($(( $(date +%s) - start ))s)"
	else
		failed=$((failed + 1))
		failures="$failures $name"
		echo "FAIL $name ($(( $(date +%s) - start ))s)"
		tail -n 40 "$build/$name.log" | sed 's/^/    /'
	fi
done
echo "integration: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

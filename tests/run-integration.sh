#!/bin/sh
# SPDX-License-Identifier: LiLiQ-P-1.1
# Runs the integration scenarios (tests/integration/t_*.sh, or those named)
# against the binaries of BUILD_DIR, each with its own redis-server and HTTP
# servers, each under a deadline: a scenario still running after
# SCENARIO_TIMEOUT seconds (180) is stopped and reported by name.
#   run-integration.sh [-c RFC3339] [-j N] BUILD_DIR [t_name ...]
# -c runs every scenario that sets no clock of its own at that instant
# (RELAIS_TEST_NOW, advancing from there); -j runs N scenarios at a time
# (they share nothing: each has its own directory, sockets and ports).
set -u
clock=""
jobs=1
while [ $# -gt 0 ]; do
	case $1 in
	-c) clock=$2; shift 2 ;;
	-j) jobs=$2; shift 2 ;;
	-j*) jobs=${1#-j}; shift ;;
	*) break ;;
	esac
done
build=${1:-build}
[ $# -gt 0 ] && shift
limit=${SCENARIO_TIMEOUT:-180}
tag=${clock:+ @$clock}
logdir=$build/it${clock:+-$(echo "$clock" | tr -c 'A-Za-z0-9\n' '-')}

# one scenario: its log in $logdir/NAME.log, its verdict in NAME.rc
run_one() {
	name=$1
	start=$(date +%s)
	# timeout signals the scenario's whole process group: its trap stops
	# the daemons it started, and -k kills what is left 30 s later.
	RELAIS_SUITE_NOW=$clock BUILD="$build" \
	    timeout -k 30 "$limit" bash "tests/integration/$name.sh" \
	    > "$logdir/$name.log" 2>&1 < /dev/null
	rc=$?
	took=$(( $(date +%s) - start ))
	if [ "$rc" -eq 0 ] && grep -q '^SKIP: ' "$logdir/$name.log"; then
		# said, not passed: what could not run here
		echo "skip $name$tag: $(grep -m 1 '^SKIP: ' "$logdir/$name.log" |
		    sed 's/^SKIP: //')"
	elif [ "$rc" -eq 0 ]; then
		echo "ok   $name$tag (${took}s)"
	elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		echo "FAIL $name$tag: TIMED OUT after ${limit}s"
	else
		echo "FAIL $name$tag (${took}s)"
	fi
	echo "$rc" > "$logdir/$name.rc"
}

if [ "${ONE:-}" = 1 ]; then
	run_one "$1"
	exit 0
fi

if [ $# -gt 0 ]; then
	names=""
	for n in "$@"; do
		n=$(basename "$n" .sh)
		[ -f "tests/integration/$n.sh" ] || { echo "no scenario $n" >&2; exit 2; }
		names="$names $n"
	done
else
	# shellcheck disable=SC2012 # t_NAME.sh: no blank nor newline in a name
	names=$(cd tests/integration && ls t_*.sh | sed 's/\.sh$//')
fi
# A scenario whose header says "# clock-free" (packaging, man pages: no
# date in what it checks) runs once, not again at every clock.
if [ -n "$clock" ]; then
	kept=""
	for n in $names; do
		grep -q '^# clock-free' "tests/integration/$n.sh" || kept="$kept $n"
	done
	names=$kept
fi
mkdir -p "$logdir"
for n in $names; do
	rm -f "$logdir/$n.rc"
done
# shellcheck disable=SC2086
printf '%s\n' $names | ONE=1 xargs -P "$jobs" -I{} \
    sh "$0" -c "$clock" "$build" {}

passed=0
failed=0
skipped=0
failures=""
for n in $names; do
	rc=$(cat "$logdir/$n.rc" 2>/dev/null || echo missing)
	if [ "$rc" = 0 ] && grep -q '^SKIP: ' "$logdir/$n.log"; then
		skipped=$((skipped + 1))
		continue
	elif [ "$rc" = 0 ]; then
		passed=$((passed + 1))
		continue
	fi
	failed=$((failed + 1))
	failures="$failures $n"
	echo "---- $n$tag (exit $rc): last 40 lines of $logdir/$n.log"
	tail -n 40 "$logdir/$n.log" 2>/dev/null | sed 's/^/    /'
done
[ -z "$failures" ] || echo "integration$tag: failed:$failures"
skips=""
[ "$skipped" -eq 0 ] || skips=", $skipped skipped (see above)"
echo "integration$tag: $passed passed, $failed failed$skips"
[ "$failed" -eq 0 ]

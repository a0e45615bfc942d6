#!/bin/sh
# SPDX-License-Identifier: LiLiQ-P-1.1
# then.sh [REV]: relais as it was when issue 15 measured it, built, for
# bench/compare.sh to run in the same rounds as this tree (scenarios A0 and
# B0). Issue 15's targets "redis-server CPU per delivery halved from
# today's" and "B's throughput at least twice today's" compare with that
# build; its figures, taken on another day, move by 20-40 % with the
# machine's hour, so the honest comparison is in one run.
#
# REV defaults to ba81934, the last commit before the issue's work began
# (session 5; its next commit touched the test fakes only). Its source is
# taken from this repository's history (git archive: no worktree is
# registered) into ${BENCH_THEN_DIR:-/var/tmp/relais-then-REV} and its
# relaisd built there with its own Makefile, once; later runs reuse it.
# Prints the directory (its relaisd is DIR/build/relaisd, its shipped
# config DIR/config/relais.yaml). Without git or the history (a tarball),
# says so and exits 1: compare.sh then runs without A0 and B0.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
REV=${1:-ba81934}
DIR=${BENCH_THEN_DIR:-/var/tmp/relais-then-$REV}

fail() {
	echo "then: $*" >&2
	exit 1
}

command -v git >/dev/null || fail "git not found: no issue-time build"
full=$(git -C "$ROOT" rev-parse --verify -q "$REV^{commit}") ||
    fail "$REV is not in $ROOT's history (a clone with its history has it)"
if [ -x "$DIR/build/relaisd" ] && [ "$(cat "$DIR/.rev" 2>/dev/null)" = "$full" ]; then
	echo "$DIR"
	exit 0
fi

echo "then: building relaisd as of $REV in $DIR (once)" >&2
rm -rf "$DIR.part"
mkdir -p "$DIR.part"
git -C "$ROOT" archive --format=tar "$full" | tar -x -C "$DIR.part" ||
    fail "cannot extract $REV"
make -C "$DIR.part" BUILD=build build/relaisd > "$DIR.part/make.log" 2>&1 ||
    fail "$REV's relaisd did not build: $(tail -n 5 "$DIR.part/make.log")"
echo "$full" > "$DIR.part/.rev"
rm -rf "$DIR"
mv "$DIR.part" "$DIR"
echo "$DIR"

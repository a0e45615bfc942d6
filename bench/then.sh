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

# DIR is ours to replace only when a build of this script is there (.rev)
if [ -e "$DIR" ] && [ ! -f "$DIR/.rev" ]; then
	fail "$DIR exists and is not a build of then.sh: not replacing it"
fi
echo "then: building relaisd as of $REV in $DIR (once)" >&2
mkdir -p "$(dirname "$DIR")"
part=$(mktemp -d "$DIR.part.XXXXXX") || fail "cannot make a directory beside $DIR"
trap 'rm -rf "$part" "$part.tar"' EXIT
git -C "$ROOT" archive --format=tar -o "$part.tar" "$full" ||
    fail "cannot extract $REV"
tar -x -C "$part" -f "$part.tar" || fail "cannot extract $REV"
rm -f "$part.tar"
# its own Makefile and flags: not those of a make that runs this one
env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -C "$part" BUILD=build build/relaisd \
    > "$part/make.log" 2>&1 ||
    fail "$REV's relaisd did not build: $(tail -n 5 "$part/make.log")"
echo "$full" > "$part/.rev"
rm -rf "$DIR"
mv "$part" "$DIR"
trap - EXIT
echo "$DIR"

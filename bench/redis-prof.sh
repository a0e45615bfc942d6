#!/bin/sh
# SPDX-License-Identifier: LiLiQ-P-1.1
# redis-prof.sh BUILD_DIR [SCENARIO...]: where redis-server's instructions
# go, per event of scenarios A and B of bench/compare.sh (default: both),
# script by script. Debian's redis-server has no symbols, so this builds
# the upstream source of the installed version (Debian's pool has it,
# checked against the SHA-256 its signed .dsc gives), with
# bench/redis-prof.patch: each of relais's scripts then runs under a
# function of its own (prof_state, prof_commit; prof_other for the rest;
# prof_begin for the begin script, plain reads since session 19), which
# callgrind counts apart. Prints, per event: the whole process, each
# script, what runs outside them (the begin step's reads among it), and
# what every script pays alike (the arguments read and made into Lua
# strings, redis.call and the commands it runs).
#
#   BENCH_IR_N=3000          events a scenario (B makes 2 deliveries an event)
#   BENCH_PROF_SCRIPT=state  instead, the C functions (Redis's, Lua's) run
#                            in that script alone (state or commit),
#                            heaviest first
#   BENCH_PROF_TOP=40        how many of them (Lua's library functions, such
#                            as str_find_aux for string.find, sit lower)
#   BENCH_REDIS_SRC=DIR      where the source is built and kept
#                            (/var/tmp/relais-redis-prof)
#
# Counts, not times: the instructions of a script move by about 1 % from
# run to run. The upstream source lacks Debian's security patches (none
# touches how a script runs); what runs in bench/compare.sh stays Debian's.
# Slow: redis-server runs about 50 times slower under callgrind. Needs
# what bench/compare.sh needs but the peer, valgrind, curl, make and a
# C compiler.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-build}
[ $# -gt 0 ] && shift
N=${BENCH_IR_N:-3000}
SCRIPT=${BENCH_PROF_SCRIPT:-}
TOP=${BENCH_PROF_TOP:-40}
SRC=${BENCH_REDIS_SRC:-/var/tmp/relais-redis-prof}
# shellcheck disable=SC2034 # ME is read by bench/lib.sh
ME=redis-prof
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
[ $# -gt 0 ] || set -- A B
ir_check "$N" "A B" "A or B" "$@"
case $TOP in ''|*[!0-9]*|0) echo "$ME: BENCH_PROF_TOP=$TOP: not a count" >&2; exit 2 ;; esac
case $SCRIPT in ''|state|commit) ;;
*) echo "$ME: BENCH_PROF_SCRIPT=$SCRIPT: state or commit" >&2; exit 2 ;;
esac
for c in curl make cc patch; do
	command -v "$c" >/dev/null || die "$c not found"
done

# fetch URL OUT: over https, whole or not at all
fetch() {
	curl -fsS -o "$2.part" "$1" && mv "$2.part" "$2"
}

# the installed version, its upstream source, built once with the patch
v=$(redis-server --version | sed -n 's/.* v=\([0-9.]*\) .*/\1/p')
[ -n "$v" ] || die "cannot tell redis-server's version"
deb=$(dpkg-query -W -f '${source:Version}' redis-server 2>/dev/null) ||
    die "redis-server is not installed from a Debian package"
deb=${deb#*:}
dir=$SRC/redis-$v
bin=$dir/src/redis-server
sum=$(cksum < "$ROOT/bench/redis-prof.patch")
if [ ! -x "$bin" ] || [ "$(cat "$dir/.relais-patch" 2>/dev/null)" != "$sum" ]; then
	mkdir -p "$SRC"
	tgz=$SRC/redis_$v.orig.tar.gz
	# the .dsc of the installed package (signed: apt's pool), for the
	# tarball's SHA-256; a security update's is in the security pool
	pool=https://deb.debian.org/debian/pool/main/r/redis
	spool=https://deb.debian.org/debian-security/pool/updates/main/r/redis
	fetch "$pool/redis_$deb.dsc" "$SRC/redis.dsc" 2>/dev/null ||
	    fetch "$spool/redis_$deb.dsc" "$SRC/redis.dsc" ||
	    die "cannot fetch redis_$deb.dsc from Debian's pools"
	want=$(awk -v f="redis_$v.orig.tar.gz" '/^Checksums-Sha256:/ { s = 1; next }
	    s && /^ / && $3 == f { print $1; exit } s && !/^ / { s = 0 }' "$SRC/redis.dsc")
	[ -n "$want" ] || die "redis_$deb.dsc names no redis_$v.orig.tar.gz"
	[ -s "$tgz" ] || fetch "$pool/redis_$v.orig.tar.gz" "$tgz" ||
	    fetch "$spool/redis_$v.orig.tar.gz" "$tgz" ||
	    die "cannot fetch redis $v's source from Debian's pools"
	if [ "$(sha256sum < "$tgz" | cut -d ' ' -f 1)" != "$want" ]; then
		rm -f "$tgz"
		die "redis_$v.orig.tar.gz does not match its SHA-256 in the .dsc"
	fi
	rm -rf "$dir"
	tar -xzf "$tgz" -C "$SRC"
	[ -d "$dir" ] || die "redis_$v.orig.tar.gz has no redis-$v directory"
	(cd "$dir" && patch -p1 < "$ROOT/bench/redis-prof.patch") > /dev/null ||
	    die "bench/redis-prof.patch does not apply to redis $v"
	echo "$ME: building redis $v with the patch, in $dir" >&2
	make -C "$dir" -j "$(nproc)" > "$SRC/build.log" 2>&1 ||
	    die "building redis $v failed: $SRC/build.log"
	echo "$sum" > "$dir/.relais-patch"
fi

T=$(mktemp -d /tmp/relais-prof.XXXXXX)
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# the whole process but the scripts (the begin step's reads, the reader's
# and the producer's commands, the event loop), per event
rest() {
	awk -v n="$N" '
	/PROGRAM TOTALS/ { v = $1; gsub(",", "", v); t = v }
	index($0, ":prof_state ") || index($0, ":prof_commit ") ||
	index($0, ":prof_other ") || index($0, ":prof_begin ") {
		v = $1; gsub(",", "", v); s += v }
	END { printf "%.0f", (t - s) / n }' "$T/annotate"
}

# callgrind_annotate's inclusive count of function $1, per event; "n/a"
# when it is not listed (never called, or inlined away)
per_event() {
	awk -v f="$1" -v n="$N" '
	/PROGRAM TOTALS/ && f == "total" { gsub(",", "", $1); v = $1 }
	index($0, ":" f " ") { gsub(",", "", $1); v = $1 }
	END { if (v == "") printf "n/a"; else printf "%.0f", v / n }' \
	    "$T/annotate"
}

for sc in "$@"; do
	rm -f "$T"/callgrind.*
	collect=""
	[ -z "$SCRIPT" ] || collect="--toggle-collect=prof_$SCRIPT"
	cat > "$T/wrap" <<EOT
#!/bin/sh
shift
exec valgrind --tool=callgrind $collect --callgrind-out-file=$T/callgrind.%p "$bin" "\$@"
EOT
	chmod +x "$T/wrap"
	BENCH_SCENARIOS=$sc BENCH_RUNS=1 BENCH_CMP_N=$N \
	BENCH_REDIS_WRAP="$T/wrap" \
	    sh "$ROOT/bench/compare.sh" "$BUILD" > "$T/compare.log" 2>&1 || {
		cat "$T/compare.log" >&2
		exit 1
	}
	# one file: callgrind writes one for the one redis-server
	set -- "$T"/callgrind.*
	if [ $# -ne 1 ] || [ ! -s "$1" ]; then
		die "$sc: expected one callgrind file, found: $*"
	fi
	callgrind_annotate --auto=no --inclusive=yes --threshold=100 "$1" \
	    > "$T/annotate" || die "$sc: callgrind_annotate failed"
	if [ -n "$SCRIPT" ]; then
		echo "$sc: the $SCRIPT script's C functions, per event ($N events), heaviest first:"
		# the frames around the script (as much as all of it) left out
		awk -v n="$N" '
		/PROGRAM TOTALS/ { t = $1; gsub(",", "", t); next }
		/^ *[0-9,]+ / { v = $1; gsub(",", "", v); f = $0
		  sub(/^[^:]*:/, "", f); sub(/ \[.*/, "", f)
		  if (v + 0 < t + 0) printf "%10.0f  %s\n", v / n, f }' "$T/annotate" |
		    head -n "$TOP"
		continue
	fi
	printf '%s: redis-server instructions per event (%d events):\n' "$sc" "$N"
	printf '  %-44s %8s\n' "whole process" "$(per_event total)" \
	    "state script" "$(per_event prof_state)" \
	    "commands outside scripts (begin's reads...)" "$(rest)" \
	    "commit script" "$(per_event prof_commit)" \
	    "other scripts" "$(per_event prof_other)" \
	    "commands' arguments read (RESP)" "$(per_event processMultibulkBuffer)" \
	    "scripts' arguments made Lua strings" "$(per_event luaCreateArray)" \
	    "redis.call, all in" "$(per_event luaRedisGenericCommand)" \
	    "  of which the commands themselves" "$(per_event "call'2")" \
	    "Lua's garbage collector" "$(per_event luaC_step)"
done

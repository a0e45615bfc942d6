# SPDX-License-Identifier: LiLiQ-P-1.1
# lib.sh: what bench.sh and compare.sh share, sourced by both (and by
# redis-ir.sh and relaisd-ir.sh, for ir_check). The caller sets ME (its
# name in messages), ROOT (the repository) and T (its scratch directory),
# and defines rcli (redis-cli to its own redis-server).
# shellcheck shell=sh

die() {
	echo "$ME: $*" >&2
	exit 1
}

# ir_check N ALLOWED WORDS SCENARIO...: what the callgrind counters
# (redis-ir.sh, relaisd-ir.sh) check before a run: N a count, valgrind
# there, each SCENARIO one of ALLOWED ("A B S"; WORDS: "A, B or S").
ir_check() {
	n=$1 allowed=$2 words=$3
	shift 3
	case $n in ''|*[!0-9]*|0) echo "$ME: $n: not a count" >&2; exit 2 ;; esac
	for c in valgrind callgrind_annotate; do
		command -v "$c" >/dev/null ||
		    die "$c not found (apt-get install valgrind)"
	done
	for sc in "$@"; do
		case " $allowed " in
		*" $sc "*) ;;
		*) echo "$ME: $sc: scenario $words" >&2; exit 2 ;;
		esac
	done
}

now_us() {
	echo $(( $(date +%s%N) / 1000 ))
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls until COMMAND succeeds.
wait_for() {
	secs=$1 what=$2
	shift 2
	deadline=$(( $(date +%s) + secs ))
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$deadline" ] ||
		    die "timed out after ${secs}s waiting for $what"
		sleep 0.05
	done
}

group_exists() {
	rcli xinfo groups relais:events 2>/dev/null | grep -q '^relais$'
}

# drained: every entry acknowledged and deleted, nothing left to do.
drained() {
	[ "$(rcli xlen relais:events)" = 0 ] &&
	    [ "$(rcli xpending relais:events relais | head -n 1)" = 0 ]
}

# status_kb PID FIELD: a VmXXX line of /proc/PID/status, in kB.
status_kb() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

# cpu_ticks PID: utime + stime (the comm field may hold blanks: cut it).
cpu_ticks() {
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

mib() {
	awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'
}

# welcome_config FILE [TREE]: the shipped config of TREE (default ROOT)
# without counsellor rosters (no notice) and without follow-ups, one event
# -> one welcome, its templates and NOC titles found from anywhere.
welcome_config() {
	tree=${2:-$ROOT}
	sed -e "s|^  dir: templates\$|  dir: $tree/config/templates|" \
	    -e "s|^  noc_titles: noc2021.tsv\$|  noc_titles: $tree/config/noc2021.tsv|" \
	    "$tree/config/relais.yaml" |
	    awk '/^    counsellors:/ { print "    counsellors: []"; skip = 1; next }
		skip && /^      - \{ id:/ { next }
		/^  plan:/ { print "  plan: []"; skip = 1; next }
		skip && /^    - \{ kind:/ { next }
		{ skip = 0; print }' > "$1"
	if ! grep -q "^  plan: \[\]" "$1" ||
	    ! grep -q "^  dir: $tree/config/templates\$" "$1"; then
		die "cannot make a welcome-only copy of $tree/config/relais.yaml"
	fi
}

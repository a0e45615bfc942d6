# SPDX-License-Identifier: LiLiQ-P-1.1
# relaisctl console-user as an operator meets it: add, list, passwd and
# remove users of the web console's users file (the configuration's
# console.users_file, or --file); the file is mode 0640, written whole (no
# temporary file left), holds yescrypt hashes that crypt(3) verifies and
# never shows them; an unknown territory is refused with a suggestion;
# what is refused leaves the file as it was.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
write_config
# the users file named, relative to the config: never the machine's /etc
printf 'console:\n  users_file: console-users\n' >> "$T/relais.yaml"
F=$T/console-users

# add: one line of standard input (not a terminal here)
out=$(echo "correct horse battery" | ctl console-user add marie --role coordinator --scope region) ||
    fail "add marie: $out"
printf '%s\n' "$out" | grep -q '^added marie: coordinator, region$' || fail "add marie: $out"
assert_eq "$(stat -c %a "$F")" 640 "mode of $F"
grep -q '^# ' "$F" || fail "no header comment in $F"
grep -Eq '^marie:coordinator:region:\$y\$[^:]+$' "$F" || fail "marie's line: $(cat "$F")"
out=$(printf 'un mot de passe très long\r\n' |
    ctl console-user add paul@abitibi --role viewer --scope abitibi --password-stdin) ||
    fail "add paul: $out"

# the hashes are crypt(3)'s: perl's crypt() is libcrypt's
check_pw() {	# NAME PASSWORD: 0 when PASSWORD is NAME's
	local h
	h=$(awk -F: -v n="$1" '$1 == n { print $4 }' "$F")
	[ -n "$h" ] && H=$h P=$2 perl -e 'exit(crypt($ENV{P}, $ENV{H}) eq $ENV{H} ? 0 : 1)'
}
check_pw marie "correct horse battery" || fail "marie's hash does not verify"
check_pw paul@abitibi "un mot de passe très long" || fail "paul's hash does not verify (CR kept?)"
check_pw marie "correct horse batter" && fail "marie's hash verifies a wrong password"

# list: names, roles, scopes, never a hash
run_ctl console-user list
assert_eq "$rc" 0 "list: exit status ($err)"
printf '%s\n' "$out" | grep -Eq '^marie +coordinator +region$' || fail "list: $out"
printf '%s\n' "$out" | grep -Eq '^paul@abitibi +viewer +abitibi$' || fail "list: $out"
case $out in *'$y$'*) fail "list shows a hash: $out" ;; esac

# refusals change nothing
before=$(sha256sum < "$F")
unchanged() {
	assert_eq "$(sha256sum < "$F")" "$before" "$1 changed the file"
}
rc=0
out=$(echo "correct horse battery" | ctl console-user add zoe --role viewer --scope abitbi 2>&1) || rc=$?
assert_eq "$rc" 2 "add with an unknown territory: exit status ($out)"
printf '%s\n' "$out" | grep -q 'unknown territory "abitbi": did you mean "abitibi"?' ||
    fail "add with an unknown territory: $out"
unchanged "an unknown territory"
rc=0
out=$(echo "correct horse battery" | ctl console-user add marie --role viewer --scope region 2>&1) || rc=$?
assert_eq "$rc" 1 "add marie twice: exit status ($out)"
printf '%s\n' "$out" | grep -q 'user "marie" exists' || fail "add marie twice: $out"
unchanged "adding a user twice"
rc=0
out=$(echo "short" | ctl console-user add zoe --role viewer --scope region 2>&1) || rc=$?
assert_eq "$rc" 1 "a short password: exit status ($out)"
printf '%s\n' "$out" | grep -q 'shorter than 12 characters' || fail "a short password: $out"
unchanged "a short password"
rc=0
out=$(ctl console-user add zoe --role viewer --scope region < /dev/null 2>&1) || rc=$?
assert_eq "$rc" 1 "no password: exit status ($out)"
unchanged "no password"
for args in "zoe --role admin --scope region" "zoe --scope region" "'z o e' --role viewer --scope region" \
    "zoe --role viewer --scope 'a b'"; do
	rc=0
	out=$(eval "echo 'correct horse battery' | ctl console-user add $args" 2>&1) || rc=$?
	assert_eq "$rc" 2 "add $args: exit status ($out)"
	unchanged "add $args"
done
run_ctl console-user remove nobody
assert_eq "$rc" 1 "remove nobody: exit status ($out $err)"
unchanged "removing nobody"

# passwd: a new hash for paul, marie's line untouched
marie=$(grep '^marie:' "$F")
out=$(echo "another long password" | ctl console-user passwd paul@abitibi) || fail "passwd: $out"
check_pw paul@abitibi "another long password" || fail "paul's new password does not verify"
check_pw paul@abitibi "un mot de passe très long" && fail "paul's old password still verifies"
assert_eq "$(grep '^marie:' "$F")" "$marie" "marie's line after paul's passwd"
grep -q '^paul@abitibi:viewer:abitibi:' "$F" || fail "paul's role or scope changed: $(cat "$F")"
assert_eq "$(stat -c %a "$F")" 640 "mode of $F after passwd"
run_ctl console-user passwd nobody --password-stdin
assert_eq "$rc" 1 "passwd nobody: exit status ($out $err)"

# remove
ctl_ok console-user remove paul@abitibi
grep -q '^paul' "$F" && fail "paul still in $F"
run_ctl console-user list
printf '%s\n' "$out" | grep -q '^paul' && fail "list after remove: $out"
printf '%s\n' "$out" | grep -q '^marie' || fail "list after remove: $out"
ctl_ok console-user remove marie
run_ctl console-user list
printf '%s\n' "$out" | grep -q 'nobody can log in' || fail "list of no users: $out"
[ -z "$(find "$T" -maxdepth 1 -name 'console-users.*')" ] || fail "temporary files left: $(ls "$T")"

# --file, no configuration: the territory cannot be checked, and is said so
G=$T/other-users
out=$(echo "correct horse battery" |
    "$BUILD/relaisctl" -c "$T/none.yaml" console-user add ana --role viewer --scope abitbi --file "$G" 2>&1) ||
    fail "add --file: $out"
printf '%s\n' "$out" | grep -q 'territory "abitbi" not checked' || fail "add --file: $out"
assert_eq "$(stat -c %a "$G")" 640 "mode of $G"
rc=0
out=$("$BUILD/relaisctl" -c "$T/none.yaml" console-user list 2>&1) || rc=$?
assert_eq "$rc" 1 "list without configuration nor --file: exit status ($out)"
printf '%s\n' "$out" | grep -q -- '--file' || fail "list without configuration: $out"

# a users file with a bad line is refused whole, with its line number
printf 'ana:viewer:region:%s\nbob:boss:region:%s\n' '$y$j9T$abc$def' '$y$j9T$abc$def' > "$G"
rc=0
out=$("$BUILD/relaisctl" -c "$T/none.yaml" console-user list --file "$G" 2>&1) || rc=$?
assert_eq "$rc" 1 "list of a bad file: exit status ($out)"
printf '%s\n' "$out" | grep -q "$G:1: not a password hash" || fail "list of a bad file: $out"

# on a terminal: asked twice, never echoed; two different answers change nothing
cat > "$T/on_tty.py" <<'PY'
# on_tty.py ANSWER1 ANSWER2 COMMAND...: COMMAND on a pseudo-terminal, each
# answer typed after a prompt; prints its exit status, then what it showed.
import os, pty, select, signal, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[3], sys.argv[3:])
out, sent, deadline = b"", 0, time.time() + 20
while time.time() < deadline:
    if select.select([fd], [], [], 0.2)[0]:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    if sent < 2 and out.count(b"Password for") + out.count(b"Again: ") > sent:
        os.write(fd, sys.argv[1 + sent].encode() + b"\n")
        sent += 1
else:
    os.kill(pid, signal.SIGKILL)
print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
print(out.decode(errors="replace"))
PY
tty_ctl() {	# ANSWER1 ANSWER2 ARGS...: relaisctl ARGS on a terminal
	local a=$1 b=$2
	shift 2
	python3 "$T/on_tty.py" "$a" "$b" "$BUILD/relaisctl" -c "$T/relais.yaml" "$@"
}
out=$(tty_ctl "typed on a terminal" "typed on a terminal" \
    console-user add tty --role viewer --scope temiscamingue)
assert_eq "$(printf '%s\n' "$out" | head -n 1)" 0 "add on a terminal: $out"
printf '%s\n' "$out" | grep -q '^Again: ' || fail "add on a terminal: not asked twice: $out"
case $out in *"typed on a"*) fail "the password was echoed: $out" ;; esac
check_pw tty "typed on a terminal" || fail "the password typed does not verify"
before=$(sha256sum < "$F")
out=$(tty_ctl "typed on a terminal" "typed on a terminaL" console-user passwd tty)
assert_eq "$(printf '%s\n' "$out" | head -n 1)" 1 "passwords that differ: $out"
printf '%s\n' "$out" | grep -q 'the passwords differ' || fail "passwords that differ: $out"
unchanged "passwords that differ"

# every subcommand has its help, and runs nothing with it
for sub in add remove passwd list; do
	run_ctl console-user $sub --help
	assert_eq "$rc" 0 "console-user $sub --help: exit status ($err)"
	printf '%s\n' "$out" | head -n 1 | grep -q "^usage: relaisctl console-user $sub" ||
	    fail "console-user $sub --help: $out"
done
run_ctl console-user --help
printf '%s\n' "$out" | grep -q '^usage: relaisctl console-user passwd' || fail "console-user --help: $out"
echo "ok"

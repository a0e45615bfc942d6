# SPDX-License-Identifier: LiLiQ-P-1.1
# Redis over TCP with an ACL user (redis://user:pass@host:port/db), and with
# a plain password from password_env on a unix socket; a wrong password is
# retried with backoff, never a crash.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
port=$(free_port)
REDIS_AUTH=s3cret
start_redis --port "$port" --bind 127.0.0.1 --requirepass s3cret
rcli acl setuser alice on '>wonderland' '~relais:*' '+@all' >/dev/null
start_sink gw
write_config

RELAIS_REDIS_URL="redis://alice:wonderland@127.0.0.1:$port/0" \
RELAIS_WEBHOOK_URL="http://127.0.0.1:$gw_PORT/messages" RELAIS_EMAIL_GATEWAY=webhook \
RELAIS_CONSUMER=tcp "$BUILD/relaisd" -c "$T/relais.yaml" > "$T/tcp.log" 2>&1 &
pid=$!
PIDS+=("$pid")
emit "$(event auth-1)"
wait_for 10 "delivery through the ACL user" 'test "$(requests gw)" -ge 1'
kill -TERM "$pid"; wait "$pid" || fail "relaisd (ACL user) exit status"

sed -i 's|^  url: .*|  url: ${RELAIS_REDIS_URL}\n  password_env: TEST_REDIS_PASSWORD|' "$T/relais.yaml"
TEST_REDIS_PASSWORD=wrong RELAIS_REDIS_URL="unix://$T/redis.sock" \
RELAIS_CONSUMER=bad "$BUILD/relaisd" -c "$T/relais.yaml" > "$T/bad.log" 2>&1 &
pid=$!
PIDS+=("$pid")
wait_for 10 "the AUTH failure to be logged" 'grep -q "handshake error" "$T/bad.log"'
kill -0 "$pid" || fail "relaisd died on a wrong password"
kill -TERM "$pid"; wait "$pid" || fail "relaisd (wrong password) exit status"

TEST_REDIS_PASSWORD=s3cret RELAIS_REDIS_URL="unix://$T/redis.sock" \
RELAIS_WEBHOOK_URL="http://127.0.0.1:$gw_PORT/messages" RELAIS_EMAIL_GATEWAY=webhook \
RELAIS_CONSUMER=unix "$BUILD/relaisd" -c "$T/relais.yaml" > "$T/unix.log" 2>&1 &
pid=$!
PIDS+=("$pid")
emit "$(event auth-2)"
wait_for 10 "delivery with password_env" 'test "$(requests gw)" -ge 2'
kill -TERM "$pid"; wait "$pid" || fail "relaisd (password) exit status"
echo "redis auth: ok"

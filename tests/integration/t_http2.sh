# SPDX-License-Identifier: LiLiQ-P-1.1
# Over TLS, the HTTP engine speaks HTTP/2 when the server offers it (ALPN),
# verifies the certificate (here against ca_file), and keeps one connection
# for several messages. nghttpd (Debian's nghttp2-server) plays the provider.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
command -v nghttpd >/dev/null || fail "nghttpd missing (tests/deps.sh installs nghttp2-server)"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$T/key.pem" -out "$T/cert.pem" >/dev/null 2>&1 || fail "openssl"
mkdir "$T/docs"
echo '{"id":"h2"}' > "$T/docs/messages"	# nghttpd answers a POST with the file
port=$(free_port)
nghttpd -d "$T/docs" -v "$port" "$T/key.pem" "$T/cert.pem" > "$T/nghttpd.log" 2>&1 &
PIDS+=($!)
wait_for 10 "nghttpd to listen" '(exec 3<>"/dev/tcp/127.0.0.1/$port")'
start_redis
write_config
sed -i 's|^  webhook:$|  webhook:\n    ca_file: '"$T"'/cert.pem|' "$T/relais.yaml"
gw_PORT=$port
RELAIS_WEBHOOK_URL="https://127.0.0.1:$port/messages" start_relaisd
emit "$(event h2-1)"
emit "$(event h2-2)"
wait_for 10 "both handled" all_handled
assert_eq "$(rcli xrange relais:deliveries - + | grep -cx sent)" 2 "sent over HTTP/2"
grep -q ":method: POST" "$T/nghttpd.log" || fail "no HTTP/2 request seen by nghttpd"
grep -q ":path: /messages" "$T/nghttpd.log" || fail "wrong path"
# one connection, two streams (1 and 3): the two POSTs came on one session
sessions=$(grep ":method: POST" "$T/nghttpd.log" | grep -o '^\[id=[0-9]*\]' | sort -u | wc -l)
assert_eq "$sessions" 1 "connections used for two messages"
grep -q "(stream_id=3) :method: POST" "$T/nghttpd.log" || fail "no second stream on the connection"
stop_relaisd

# a certificate the CA file does not vouch for is refused (verification on)
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=other \
    -keyout "$T/k2.pem" -out "$T/other.pem" >/dev/null 2>&1
sed -i "s|ca_file: $T/cert.pem|ca_file: $T/other.pem|" "$T/relais.yaml"
RELAIS_WEBHOOK_URL="https://127.0.0.1:$port/messages" start_relaisd
emit "$(event h2-3)"
wait_for 10 "a failed TLS attempt" 'rcli xrange relais:deliveries - + | grep -q "transport: "'
rcli xrange relais:deliveries - + | grep -q "SSL\|certificate" || fail "not refused as a TLS failure"
stop_relaisd
echo "http2: ok"

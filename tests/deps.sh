#!/bin/sh
# SPDX-License-Identifier: LiLiQ-P-1.1
# Installs the Debian packages relais needs to build, test and demo, when
# they are missing. As root it runs apt-get; otherwise it says what to run.
# debhelper, lintian and mmdebstrap: make deb and t_deb (a clean Debian root).
# libcrypt-dev: the console's password hashes (yescrypt through crypt(3)).
# chromium, chromium-driver and python3-selenium: t_console_browser drives
# a real headless browser; fonts-dejavu-core so that its pages have glyphs
# (chromium only recommends fonts, and recommends are not installed);
# the shellcheck package runs make check-shell on every shell script;
# optipng keeps the README's screenshots small; tidy checks the
# console's HTML (t_console, t_console_pages, t_console_browser); nginx
# runs doc/console.md's server blocks in front of it (t_console_proxy).
set -eu

PKGS="build-essential pkg-config libevent-dev libhiredis-dev libcurl4-openssl-dev
libjansson-dev libyaml-dev libssl-dev libcmocka-dev redis-server redis-tools jq
clang libclang-rt-14-dev tzdata curl prometheus python3 systemd nghttp2-server python3-aiosmtpd
openssl mandoc man-db debhelper lintian mmdebstrap libcrypt-dev
chromium chromium-driver python3-selenium fonts-dejavu-core optipng tidy
nginx shellcheck"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
	    missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "relais: missing Debian packages:$missing" >&2
	echo "run as root: apt-get install -y$missing" >&2
	exit 1
fi
echo "relais: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# prometheus is here for promtool only: keep its server from being started
guard=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	guard=1
fi
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null || rc=$?
[ -n "$guard" ] && rm -f /usr/sbin/policy-rc.d
exit "${rc:-0}"

#!/bin/sh
# SPDX-License-Identifier: LiLiQ-P-1.1
# Installs what make bench needs beyond tests/deps.sh's list, when missing:
# nginx (the sink relais and the Node peer send to) and node + npm (the
# peer, bench/compare.sh). As root it runs apt-get; otherwise it says what
# to run. Found by command, not by package: node from NodeSource ships npm
# in its own nodejs package, and Debian's npm would conflict with it.
set -eu
PATH=$PATH:/usr/sbin:/sbin

missing=""
# need COMMAND PACKAGE: PACKAGE is missing when COMMAND is not found
need() {
	command -v "$1" >/dev/null 2>&1 || missing="$missing $2"
}
need nginx nginx
need node nodejs
need npm npm
need redis-server redis-server
need redis-cli redis-tools
need curl curl
need python3 python3
need setsid util-linux
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "bench: missing Debian packages:$missing" >&2
	echo "run as root: apt-get install -y$missing" >&2
	exit 1
fi
echo "bench: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# the bench starts private nginx instances: keep the system one from starting
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

#!/usr/bin/env bash
# Install the Debian/Ubuntu packages that build, test and demo need, but only the missing
# ones. `make test` and `make demo` call this first; it is a fast no-op when all is present.
#
#   tools/deps.sh            check, and install what is missing (as root)
#   tools/deps.sh --check    check only: list what is missing, exit 1 if anything is
#   STACK_SKIP_DEPS=1        skip the whole check (e.g. on a distribution without apt)
#
# Not root and something missing: prints the apt-get command to run and exits 1.
set -euo pipefail

if [[ "${STACK_SKIP_DEPS:-0}" == 1 ]]; then
	exit 0
fi

# One line per package: "PACKAGE CHECK". CHECK is cmd:NAME (a command on PATH),
# file:PATH (a file that the package installs) or pkg (dpkg says it is installed).
# Packages marked "?" are optional: installed when the distribution has them.
# Other helpers may append lines here for what their tests or demo need.
REQUIRED="
gcc              cmd:gcc
libc6-dev        file:/usr/include/stdio.h
make             cmd:make
clang            cmd:clang
clang-format     cmd:clang-format
libcunit1-dev    file:/usr/include/CUnit/CUnit.h
iproute2         cmd:ip
iputils-ping     cmd:ping
util-linux       cmd:setpriv
procps           cmd:ps
tshark           cmd:tshark
dnsmasq-base     cmd:dnsmasq
bind9-host       cmd:host
dnsutils         cmd:dig
socat            cmd:socat
netcat-openbsd   pkg
curl             cmd:curl
python3          cmd:python3
gdb              cmd:gdb
valgrind         cmd:valgrind
cppcheck         cmd:cppcheck
nftables         cmd:nft
iperf3           cmd:iperf3
jq               cmd:jq
libclang-rt-dev? pkg
gnuplot-nox?     cmd:gnuplot
ethtool          cmd:ethtool
python3-scapy    file:/usr/lib/python3/dist-packages/scapy/__init__.py
hping3           cmd:hping3
"

check_only=0
if [[ "${1:-}" == "--check" ]]; then
	check_only=1
elif [[ $# -gt 0 ]]; then
	echo "usage: tools/deps.sh [--check]" >&2
	exit 2
fi

have_dpkg=0
command -v dpkg >/dev/null 2>&1 && have_dpkg=1

present() { # PACKAGE CHECK
	local pkg=$1 check=$2
	case $check in
	cmd:*) command -v "${check#cmd:}" >/dev/null 2>&1 && return 0 ;;
	file:*) [[ -e "${check#file:}" ]] && return 0 ;;
	esac
	# A command may live off PATH for this user (e.g. /usr/sbin): ask dpkg too.
	local status
	((have_dpkg)) || return 1
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null) || return 1
	[[ "$status" == *" ok installed" ]]
}

missing=()
optional=()
while read -r pkg check; do
	[[ -z "$pkg" ]] && continue
	if [[ "$pkg" == *\? ]]; then
		pkg=${pkg%\?}
		present "$pkg" "$check" || optional+=("$pkg")
		continue
	fi
	present "$pkg" "$check" || missing+=("$pkg")
done <<<"$REQUIRED"

if [[ ! -c /dev/net/tun ]]; then
	echo "deps: warning: /dev/net/tun is missing (try: modprobe tun); the TAP tests will fail" >&2
fi

if ((${#missing[@]} == 0)); then
	# Optional packages are only worth an apt-get run when something else is missing.
	exit 0
fi

echo "deps: missing packages: ${missing[*]}"
if ((check_only)); then
	exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "deps: no apt-get here: install the equivalents of the packages above by hand," >&2
	echo "deps: or set STACK_SKIP_DEPS=1 to skip this check" >&2
	exit 1
fi
if [[ $(id -u) -ne 0 ]]; then
	echo "deps: run as root to install them:" >&2
	echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "deps: apt-get update"
apt-get update -qq
# Optional packages: only those the distribution has (e.g. libclang-rt-dev for clang's
# sanitizer and fuzzer runtimes is not in every release).
for pkg in "${optional[@]}"; do
	if apt-cache show "$pkg" >/dev/null 2>&1; then
		missing+=("$pkg")
	fi
done
echo "deps: installing: ${missing[*]}"
apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "deps: done"

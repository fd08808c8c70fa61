#!/usr/bin/env bash
# netns.sh: a private network namespace with a TAP device in it, for trying the stack by hand
# without touching the host's own network. Inside, the kernel is the "host" (10.0.0.1/24 on
# tap0) and our apps attach to tap0 as 10.0.0.2. Needs root.
#
#   tools/netns.sh up [NAME]          create NAME (default stack0) with tap0, 10.0.0.1/24
#   tools/netns.sh down [NAME]        stop what runs in it and delete it
#   tools/netns.sh exec NAME CMD...   run CMD inside (e.g. build/bin/stackd --trace)
#   tools/netns.sh shell [NAME]       up, an interactive shell inside, down when it exits
#   tools/netns.sh list               the namespaces this script made
#
# Options for up and shell (before NAME): --addr ADDR/PREFIX (host side, default 10.0.0.1/24)
# --dev NAME (default tap0) --user USER (owner of the TAP, so USER's apps need no root).
set -euo pipefail

PREFIX=stack-
addr=10.0.0.1/24
dev=tap0
owner=

usage() {
	sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

need_root() {
	if [[ $(id -u) -ne 0 ]]; then
		echo "netns.sh: must run as root (try: sudo $0 $*)" >&2
		exit 1
	fi
}

# Namespace names get our prefix so that down/list never touch anyone else's.
ns_name() {
	local n=${1:-0}
	[[ "$n" == "$PREFIX"* ]] || n=$PREFIX$n
	echo "$n"
}

ns_up() {
	local ns=$1
	if ip netns list | awk '{print $1}' | grep -qx "$ns"; then
		echo "netns.sh: $ns already exists" >&2
		return 1
	fi
	ip netns add "$ns"
	ip netns exec "$ns" ip link set lo up
	# The stack speaks IPv4 only; keep the kernel's IPv6 chatter out of traces.
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	ip netns exec "$ns" ip tuntap add dev "$dev" mode tap ${owner:+user "$owner"}
	ip netns exec "$ns" ip addr add "$addr" dev "$dev"
	ip netns exec "$ns" ip link set "$dev" up
}

ns_down() {
	local ns=$1 p
	ip netns list | awk '{print $1}' | grep -qx "$ns" || return 0
	for p in $(ip netns pids "$ns"); do
		kill -TERM "$p" 2>/dev/null || true
	done
	sleep 0.2
	for p in $(ip netns pids "$ns"); do
		kill -KILL "$p" 2>/dev/null || true
	done
	ip netns del "$ns"
}

[[ $# -ge 1 ]] || usage
cmd=$1
shift
while [[ $# -gt 0 && "$1" == --* ]]; do
	case $1 in
	--addr) addr=${2:?}; shift 2 ;;
	--dev) dev=${2:?}; shift 2 ;;
	--user) owner=${2:?}; shift 2 ;;
	*) usage ;;
	esac
done

case $cmd in
up)
	need_root "$cmd"
	ns=$(ns_name "${1:-}")
	ns_up "$ns"
	echo "up: namespace $ns, $dev with the host side at $addr"
	echo "try: sudo $0 exec $ns build/bin/stackd --trace   (then, in another shell:)"
	echo "     sudo $0 exec $ns ping ${addr%.*}.2"
	;;
down)
	need_root "$cmd"
	ns=$(ns_name "${1:-}")
	ns_down "$ns"
	echo "down: $ns removed"
	;;
exec)
	need_root "$cmd"
	[[ $# -ge 2 ]] || usage
	ns=$(ns_name "$1")
	shift
	exec ip netns exec "$ns" "$@"
	;;
shell)
	need_root "$cmd"
	ns=$(ns_name "${1:-}")
	ns_up "$ns"
	trap 'ns_down "$ns"' EXIT
	echo "shell in $ns: $dev is ${addr%/*} (the host); run build/bin/stackd, ping ${addr%.*}.2;" \
		"exit to remove it all"
	ip netns exec "$ns" env PS1="[$ns] \\w# " bash --norc -i || true
	;;
list)
	ip netns list | awk '{print $1}' | grep "^$PREFIX" || true
	;;
*)
	usage
	;;
esac

#!/usr/bin/env bash
# tap-setup.sh up|down: give the stack a way out to the real internet.
#   up:   create TAP device (default tap0) owned by the invoking user, put 10.0.0.1/24 on
#         the host side, enable IPv4 forwarding and NAT (nftables, else iptables) out of
#         the default route's interface, and say which --dns to pass.
#   down: remove all of that again.
# Run as root (sudo). Options: --dev NAME  --addr ADDR/PREFIX  --out IFACE  --user USER
# The demo and the tests run this same script inside private network namespaces.
set -euo pipefail

dev=tap0 addr=10.0.0.1/24 out= user=${SUDO_USER:-${USER:-root}}
usage() {
	echo "usage: $0 up|down [--dev NAME] [--addr ADDR/PREFIX] [--out IFACE] [--user USER]" >&2
	exit 2
}
[ $# -ge 1 ] || usage
cmd=$1
shift
while [ $# -gt 0 ]; do
	case $1 in
	--dev) dev=${2:?}; shift 2 ;;
	--addr) addr=${2:?}; shift 2 ;;
	--out) out=${2:?}; shift 2 ;;
	--user) user=${2:?}; shift 2 ;;
	*) usage ;;
	esac
done
case $cmd in up|down) ;; *) usage ;; esac
if [ "$(id -u)" != 0 ]; then
	echo "$0: must run as root (try: sudo $0 $cmd)" >&2
	exit 1
fi

# The network of addr, e.g. 10.0.0.0/24, for the NAT rule.
subnet() {
	local ip=${addr%/*} len=${addr#*/} a b c d mask n
	IFS=. read -r a b c d <<<"$ip"
	n=$(((a << 24) | (b << 16) | (c << 8) | d))
	mask=$(((0xffffffff << (32 - len)) & 0xffffffff))
	n=$((n & mask))
	echo "$((n >> 24 & 255)).$((n >> 16 & 255)).$((n >> 8 & 255)).$((n & 255))/$len"
}
net=$(subnet)
table=stack_tap_${dev//[^a-zA-Z0-9_]/_}

have_nft() { command -v nft >/dev/null 2>&1 && nft list tables >/dev/null 2>&1; }

nat_up() {
	if have_nft; then
		nft -f - <<-EOF2
		table ip $table {
			chain postrouting_nat {
				type nat hook postrouting priority srcnat; policy accept;
				ip saddr $net oifname "$out" masquerade
			}
			chain forwarding {
				type filter hook forward priority filter; policy accept;
				iifname "$dev" oifname "$out" accept
				iifname "$out" oifname "$dev" ct state established,related accept
			}
		}
		EOF2
		echo "NAT: nftables table ip $table ($net -> $out)"
	elif command -v iptables >/dev/null 2>&1; then
		iptables -t nat -A POSTROUTING -s "$net" -o "$out" -j MASQUERADE -m comment --comment "$table"
		iptables -A FORWARD -i "$dev" -o "$out" -j ACCEPT -m comment --comment "$table"
		iptables -A FORWARD -i "$out" -o "$dev" -m state --state ESTABLISHED,RELATED -j ACCEPT -m comment --comment "$table"
		echo "NAT: iptables MASQUERADE ($net -> $out)"
	else
		echo "$0: neither nft nor iptables is available; install nftables" >&2
		exit 1
	fi
}

nat_down() {
	if have_nft && nft list table ip "$table" >/dev/null 2>&1; then
		nft delete table ip "$table"
	fi
	if command -v iptables >/dev/null 2>&1; then
		iptables -t nat -D POSTROUTING -s "$net" -o "$out" -j MASQUERADE -m comment --comment "$table" 2>/dev/null || true
		iptables -D FORWARD -i "$dev" -o "$out" -j ACCEPT -m comment --comment "$table" 2>/dev/null || true
		iptables -D FORWARD -i "$out" -o "$dev" -m state --state ESTABLISHED,RELATED -j ACCEPT -m comment --comment "$table" 2>/dev/null || true
	fi
}

dns_hint() {
	local ns
	ns=$(awk '/^nameserver/ {print $2; exit}' /etc/resolv.conf 2>/dev/null || true)
	case $ns in
	"" | 127.* | ::1)
		# A local stub (systemd-resolved, dnsmasq) is not reachable from the TAP side:
		# name the upstream if we can find it.
		ns=$(awk '/^nameserver/ {print $2; exit}' /run/systemd/resolve/resolv.conf 2>/dev/null || true)
		;;
	esac
	if [ -n "$ns" ]; then
		echo "DNS: pass --dns $ns to the apps (e.g. build/bin/nc --dns $ns -C google.com 80)"
	else
		echo "DNS: no usable nameserver found in /etc/resolv.conf; pass --dns ADDR"
	fi
}

[ -n "$out" ] || out=$(ip -4 route show default | awk '{for (i = 1; i < NF; i++) if ($i == "dev") {print $(i + 1); exit}}')
if [ -z "$out" ] && [ "$cmd" = up ]; then
	echo "$0: no default route; pass --out IFACE" >&2
	exit 1
fi

if [ "$cmd" = up ]; then
	if ! ip link show "$dev" >/dev/null 2>&1; then
		ip tuntap add dev "$dev" mode tap user "$user"
	fi
	ip addr replace "$addr" dev "$dev"
	# The kernel's queue towards the stack: 1000 frames (1.5 MB) overflow as soon as many
	# flows send at once (bench/README.md, scaling); 10,000 frames cost memory only when used.
	ip link set "$dev" txqueuelen 10000
	ip link set "$dev" up
	sysctl -qw net.ipv4.ip_forward=1
	nat_down
	nat_up
	echo "up: $dev ($addr, owner $user) forwarding via ${out}"
	echo "stack: build/bin/nc --iface $dev --ip ${addr%.*}.2/${addr#*/} --gw ${addr%/*} ..."
	dns_hint
else
	nat_down
	if ip link show "$dev" >/dev/null 2>&1; then
		ip link del "$dev"
	fi
	echo "down: $dev removed, NAT rules removed (ip_forward left as it is)"
fi

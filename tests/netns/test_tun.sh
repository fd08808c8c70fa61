#!/usr/bin/env bash
# stackd on a layer-3 TUN device (--tun, LINK_RAW_IPV4: bare IPv4, no Ethernet, no ARP): the
# kernel pings it (RFC 792 echo) and talks TCP to its echo service (RFC 862, RFC 9293).
# ns_create sets the variable it is named (printf -v): hence SC2154.
# shellcheck source=tests/netns/lib.sh disable=SC2154
. "$(dirname "$0")/lib.sh"
t_require_root
t_require_cmd ping ip

# ns_tun NS: a TUN device tun0 in NS, the kernel's side 198.51.100.1/24.
ns_tun() {
	ip netns exec "$1" ip tuntap add dev tun0 mode tun
	ip netns exec "$1" ip addr add 198.51.100.1/24 dev tun0
	ip netns exec "$1" ip link set tun0 up
}

case_tun_ping_and_tcp_echo() {
	ns_create ns
	ns_tun "$ns"
	stackd_start "$ns" --tun tun0 --ip 198.51.100.2/24 --gw 198.51.100.1 --echo 7
	out=$(ns_exec "$ns" ping -n -c 3 -i 0.2 -W 2 198.51.100.2)
	echo "$out"
	expect_match "$out" '^3 packets transmitted, 3 received, 0% packet loss' "ping summary"
	# shellcheck disable=SC2016 # $line belongs to the inner shell
	out=$(ns_exec "$ns" bash -c 'exec 3<>/dev/tcp/198.51.100.2/7; echo hello-tun >&3
		read -r -t 3 line <&3; echo "$line"')
	expect_eq "$out" "hello-tun" "TCP echo over TUN"
	stackd_stop
}

# A TAP device is not a TUN: the error says so instead of sending frames of the wrong kind.
case_tun_refuses_a_tap() {
	ns_create ns
	ip netns exec "$ns" ip tuntap add dev tap9 mode tap
	rc=0
	out=$(ns_exec "$ns" "$BIN/stackd" --tun tap9 2>&1) || rc=$?
	echo "$out"
	expect_eq "$rc" 1 "exit status"
	expect_match "$out" "not a TUN device|TUN device 'tap9' is busy" "message"
}

t_case tun_ping_and_tcp_echo case_tun_ping_and_tcp_echo
t_case tun_refuses_a_tap case_tun_refuses_a_tap
t_done

#!/usr/bin/env bash
# tools/tap-setup.sh up|down (issue 5 item 3), run only inside private namespaces: a
# "router" namespace plays the user's host (default route over a veth to an "internet"
# namespace that holds 192.0.2.10 and has no route back to 10.0.0.0/24), the script creates
# tap0 there with forwarding and NAT, and our nc on that tap reaches a server in the
# internet namespace, which must see the router's address as the source (masquerade).
# `down` removes tap0 and the nft table again.
. "$(dirname "$0")/lib.sh"
t_require_root
t_require_cmd ip nft python3 setpriv

# topo_up: namespaces $rt (router) and $inet; rt eth0 198.51.100.1/24, default via
# 198.51.100.2 (inet eth0); 192.0.2.10/32 on inet's lo. No device in the root namespace:
# the veth pair is created inside $rt with its peer placed straight into $inet.
topo_up() {
	ns_create rt tapsetup
	ns_create inet tapsetup
	ip -n "$rt" link add eth0 type veth peer name eth0 netns "$inet"
	ip -n "$rt" addr add 198.51.100.1/24 dev eth0
	ip -n "$rt" link set eth0 up
	ip -n "$rt" route add default via 198.51.100.2
	ip -n "$inet" addr add 198.51.100.2/24 dev eth0
	ip -n "$inet" link set eth0 up
	ip -n "$inet" addr add 192.0.2.10/32 dev lo
}

# A server in the internet namespace: prints the peer address of each connection and
# answers "seen from ADDR: DATA".
SERVER='
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.0.2.10", 5000))
s.listen(1)
c, addr = s.accept()
print("peer", addr[0], flush=True)
data = b""
while True:
    b = c.recv(4096)
    if not b:
        break
    data += b
c.sendall(b"seen from " + addr[0].encode() + b": " + data)
c.close()
'

server_up() {
	bg_start "$inet" "$T_TMP/srv.log" python3 -c "$SERVER"
	wait_for 5 bash -c "[[ -n \$(ip netns exec '$inet' ss -Htln 'sport = :5000') ]]" ||
		fail "server not listening"
}

# up as root for user nobody; nc as nobody (no capabilities) through the NAT; then down.
case_up_nat_down() {
	topo_up
	out=$(ns_exec "$rt" tools/tap-setup.sh up --user nobody 2>&1) || fail "up failed: $out"
	echo "$out"
	expect_match "$out" '^up: tap0 \(10\.0\.0\.1/24, owner nobody\) forwarding via eth0$' "up"
	expect_match "$out" '^NAT: nftables table ip stack_tap_tap0 \(10\.0\.0\.0/24 -> eth0\)$' "NAT"
	expect_match "$out" '^DNS: ' "DNS hint"
	expect_match "$(ns_exec "$rt" ip -4 addr show dev tap0)" 'inet 10\.0\.0\.1/24' "tap0 address"
	expect_match "$(ns_exec "$rt" ip link show dev tap0)" 'qlen 10000' "tap0 queue of 10,000 frames"
	expect_eq "$(ns_exec "$rt" sysctl -n net.ipv4.ip_forward)" 1 "ip_forward in the router"
	expect_match "$(ns_exec "$rt" nft list table ip stack_tap_tap0)" 'masquerade' "nft rule"
	# Nothing leaks into the root namespace.
	if ip link show tap0 >/dev/null 2>&1 && ! grep -q tap0 <<<"${ROOT_TAPS:-}"; then
		fail "tap0 appeared in the root namespace"
	fi

	server_up
	public_copy dir "$BIN/nc"
	nobody_setup
	rc=0
	reply=$(echo "through the NAT" |
		ns_exec "$rt" "${AS_NOBODY[@]}" "$dir/nc" -w 5 192.0.2.10 5000 2>"$T_TMP/nc.err") || rc=$?
	cat "$T_TMP/nc.err"
	sanitizer_clean "$T_TMP/nc.err"
	expect_eq "$rc" 0 "nc exit status (as nobody)"
	expect_eq "$reply" "seen from 198.51.100.1: through the NAT" "reply"
	wait_for 5 grep -q '^peer ' "$T_TMP/srv.log" || fail "server saw no connection"
	expect_eq "$(grep '^peer ' "$T_TMP/srv.log")" "peer 198.51.100.1" "source seen by the server"

	out=$(ns_exec "$rt" tools/tap-setup.sh down 2>&1) || fail "down failed: $out"
	echo "$out"
	expect_match "$out" '^down: tap0 removed' "down"
	ns_exec "$rt" ip link show tap0 2>/dev/null && fail "tap0 still there after down"
	ns_exec "$rt" nft list table ip stack_tap_tap0 >/dev/null 2>&1 &&
		fail "nft table still there after down"
	expect_eq "$(ns_exec "$rt" nft list ruleset)" "" "nft ruleset after down"
}

# up twice is harmless (one table, one address); down twice too.
case_idempotent() {
	topo_up
	ns_exec "$rt" tools/tap-setup.sh up >/dev/null
	ns_exec "$rt" tools/tap-setup.sh up >/dev/null
	expect_eq "$(ns_exec "$rt" nft list tables | grep -c stack_tap_tap0)" 1 "tables after up twice"
	expect_eq "$(ns_exec "$rt" ip -4 -o addr show dev tap0 | grep -c 'inet ')" 1 "addresses"
	ns_exec "$rt" tools/tap-setup.sh down >/dev/null
	ns_exec "$rt" tools/tap-setup.sh down >/dev/null || fail "second down failed"
	ns_exec "$rt" ip link show tap0 2>/dev/null && fail "tap0 still there"
	return 0
}

# Bad usage: exit 2 with the usage line; no default route and no --out: exit 1.
case_usage_and_no_route() {
	ns_create lone tapsetup
	expect_status 2 ns_exec "$lone" tools/tap-setup.sh
	expect_match "$T_OUT" '^usage: ' "usage"
	expect_status 2 ns_exec "$lone" tools/tap-setup.sh sideways
	expect_status 1 ns_exec "$lone" tools/tap-setup.sh up
	expect_match "$T_OUT" 'no default route; pass --out IFACE' "message"
	ns_exec "$lone" ip link show tap0 2>/dev/null && fail "tap0 created without a route"
	return 0
}

ROOT_TAPS=$(ip -o link show type tun 2>/dev/null | awk -F': ' '{print $2}')
t_case up_nat_down case_up_nat_down
t_case idempotent case_idempotent
t_case usage_and_no_route case_usage_and_no_route
t_done

#!/bin/sh
# Regenerates describe.pcap for tests/unit/test_describe.c (run as root; needs ip, tcpdump,
# ping, python3 and python3-scapy). Linux kernels in three private namespaces (a -- r -- b,
# r routes) make the ARP, echo, fragment and ICMP error frames; scapy adds the rarer ones.
# The namespaces are always deleted. Then: tshark -r describe.pcap -T fields
#   -e _ws.col.Source -e _ws.col.Destination -e _ws.col.Protocol -e frame.len -e _ws.col.Info
set -eu
OUT=${1:-describe.pcap}
A=wire-a R=wire-r B=wire-b
TDPID=
cleanup() {
	[ -n "$TDPID" ] && kill "$TDPID" 2>/dev/null || true
	for n in $A $R $B; do ip netns del $n 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM
for n in $A $R $B; do
	ip netns add $n
	ip netns exec $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip -n $n link set lo up
done
ip link add a0 netns $A type veth peer name r0 netns $R
ip link add r1 netns $R type veth peer name b0 netns $B
ip -n $A link set a0 address 02:00:00:00:00:11
ip -n $R link set r0 address 02:00:00:00:00:fe
ip -n $R link set r1 address 02:00:00:00:01:fe
ip -n $B link set b0 address 02:00:00:00:01:02
ip -n $A addr add 10.0.0.1/24 dev a0
ip -n $R addr add 10.0.0.2/24 dev r0
ip -n $R addr add 198.51.100.1/24 dev r1
ip -n $B addr add 198.51.100.2/24 dev b0
ip -n $A link set a0 up
ip -n $R link set r0 up
ip -n $R link set r1 up
ip -n $B link set b0 up
ip -n $A route add default via 10.0.0.2
ip -n $B route add default via 198.51.100.1
ip netns exec $R sysctl -qw net.ipv4.ip_forward=1
ip netns exec $A sysctl -qw net.ipv4.conf.a0.arp_notify=1
sleep 1
ip netns exec $A tcpdump -i a0 -w "$OUT" -U -s 0 2>/dev/null &
TDPID=$!
sleep 1
# The kernel's own ARP Announcement (RFC 5227 2.3) after a hardware address change (arp_notify).
ip -n $A link set a0 address 02:00:00:00:00:01
sleep 0.2
# ARP request/reply, echo request/reply, a fragmented echo each way.
ip netns exec $A ping -c 1 -W 1 10.0.0.2 >/dev/null
ip netns exec $A ping -c 1 -W 1 -s 1500 10.0.0.2 >/dev/null
# Time-to-live exceeded from the router, port and protocol unreachable from 10.0.0.2.
ip netns exec $A ping -c 1 -W 1 -t 1 198.51.100.2 >/dev/null || true
ip netns exec $A python3 -c 'import socket; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.sendto(b"hello", ("10.0.0.2", 9))'
ip netns exec $A python3 -c 'import socket; s=socket.socket(socket.AF_INET,socket.SOCK_RAW,253); s.sendto(b"x", ("10.0.0.2", 0))'
sleep 0.2
ip netns exec $A /usr/bin/python3 - <<'PY'
from scapy.all import Ether, ARP, IPv6, ICMPv6EchoRequest, Raw, sendp, conf
conf.verb = 0
m, r, bc = "02:00:00:00:00:01", "02:00:00:00:00:fe", "ff:ff:ff:ff:ff:ff"
def eth(t, dst=r):
    return Ether(src=m, dst=dst, type=t)
def out(p):
    sendp(p, iface="a0")
out(eth(0x0806, bc) / ARP(op=1, hwsrc=m, psrc="0.0.0.0", hwdst="00:00:00:00:00:00", pdst="10.0.0.9"))
out(eth(0x0806, bc) / ARP(op=2, hwsrc=m, psrc="10.0.0.1", hwdst=bc, pdst="10.0.0.1"))
out(eth(0x86dd, "33:33:00:00:00:01") / IPv6(src="fe80::1", dst="ff02::1") / ICMPv6EchoRequest(id=0x77, seq=1))
out(eth(0x9999) / Raw(b"an unassigned EtherType"))
out(eth(0x0800) / Raw(bytes.fromhex("45000054")))
out(eth(0x0800) / Raw(bytes.fromhex("44000014000000004001") + bytes(10)))
out(eth(0x0800) / Raw(bytes.fromhex("4500000a000000004001") + bytes(10)))
PY
sleep 1
kill "$TDPID"
wait "$TDPID" 2>/dev/null || true
TDPID=

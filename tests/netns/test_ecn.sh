#!/usr/bin/env bash
# ECN against the Linux kernel (RFC 3168 6.1; RFC 9293 SHLD-8), with --ecn: a kernel client
# that asks for ECN (net.ipv4.tcp_ecn=1 in the test's namespace) gets an ECN-setup SYN,ACK
# from stackd and then ECT(0) data (the kernel's TCP_INFO says "ECN" and "ECN seen"; tshark
# reads the flags and codepoints in our --pcap); our nc asks a kernel server (tcp_ecn=2, the
# default: accept when asked) and the kernel agrees. Without --ecn nothing changes.
. "$(dirname "$0")/lib.sh"
t_require_root
t_require_cmd ip python3 tshark

# The kernel's TCP_INFO options of its one connection to or from 10.0.0.2, after echoing a
# line through it: "ecn=N seen=M" (TCPI_OPT_ECN 8, TCPI_OPT_ECN_SEEN 16).
KCLIENT='
import socket, sys
s = socket.create_connection(("10.0.0.2", 7), timeout=5)
s.sendall(b"x" * 3000)
got = b""
while len(got) < 3000:
    b = s.recv(65536)
    if not b:
        break
    got += b
o = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)[5]
print("ecn=%d seen=%d echoed=%d" % (o >> 3 & 1, o >> 4 & 1, len(got)))
'
KSERVER='
import socket
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("10.0.0.1", 5000)); l.listen(1)
a, _ = l.accept(); a.settimeout(5)
data = a.recv(100)
o = a.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)[5]
a.sendall(b"ecn=%d seen=%d\n" % (o >> 3 & 1, o >> 4 & 1))
a.close()
'

case_kernel_client_asks_stackd_agrees() {
	ns_up ns
	ip netns exec "$ns" sysctl -qw net.ipv4.tcp_ecn=1
	stackd_start "$ns" --ecn --echo 7 --pcap "$T_TMP/ecn.pcap"
	out=$(ip netns exec "$ns" python3 -c "$KCLIENT")
	expect_eq "$out" "ecn=1 seen=1 echoed=3000" "kernel TCP_INFO after the echo"
	stackd_stop
	p="$T_TMP/ecn.pcap"
	expect_eq "$(tshark_count "$p" 'tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.flags.ece==1 && tcp.flags.cwr==1')" 1 \
		"kernel's ECN-setup SYN"
	expect_eq "$(tshark_count "$p" 'ip.src==10.0.0.2 && tcp.flags.syn==1 && tcp.flags.ack==1 && tcp.flags.ece==1 && tcp.flags.cwr==0')" 1 \
		"our ECN-setup SYN,ACK (ECE only)"
	(($(tshark_count "$p" 'ip.src==10.0.0.2 && tcp.len>0 && ip.dsfield.ecn==2') > 0)) ||
		fail "no ECT(0) data from the stack"
	expect_eq "$(tshark_count "$p" 'ip.src==10.0.0.2 && tcp.len==0 && ip.dsfield.ecn!=0')" 0 \
		"ECT on our pure ACKs or SYN,ACK"
}

case_stackd_without_ecn_declines() {
	ns_up ns
	ip netns exec "$ns" sysctl -qw net.ipv4.tcp_ecn=1
	stackd_start "$ns" --echo 7 --pcap "$T_TMP/plain.pcap"
	out=$(ip netns exec "$ns" python3 -c "$KCLIENT")
	expect_eq "$out" "ecn=0 seen=0 echoed=3000" "kernel TCP_INFO after the echo"
	stackd_stop
	expect_eq "$(tshark_count "$T_TMP/plain.pcap" 'ip.src==10.0.0.2 && ip.dsfield.ecn!=0')" 0 \
		"ECT from a stack without --ecn"
}

# 6.1.2/6.1.3 end to end, both ways: a bridge between the kernel and the stack
# (tests/netns/netem_tap.py; this kernel has no ECN-marking qdisc) marks 20% of the ECT data
# CE; each receiver echoes ECE until the sender answers with CWR, and every byte arrives.
case_ce_echoed_and_answered_with_cwr_both_ways() {
	ns_create ns
	ip netns exec "$ns" sysctl -qw net.ipv4.tcp_ecn=1
	ip netns exec "$ns" ip tuntap add dev tap0 mode tap
	ip netns exec "$ns" ip link set tap0 up
	ns_tap "$ns" 10.0.0.1/24 tap1
	bg_start "$ns" "$T_TMP/netem.log" python3 tests/netns/netem_tap.py tap0 tap1 7 both 0 0 0 0 0 20
	wait_for 10 grep -q 'netem_tap: up' "$T_TMP/netem.log" || fail "netem_tap did not start"
	bridge=$BG_PID
	stackd_start "$ns" --ecn --echo 7 --pcap "$T_TMP/ce.pcap"
	out=$(ip netns exec "$ns" python3 tests/netns/echo_client.py 2048)
	sent=$(awk '$1 == "sent" {print $2, $3}' <<<"$out")
	expect_eq "$(awk '$1 == "echo" {print $2, $3}' <<<"$out")" "$sent" "echoed sha256 and length"
	stackd_stop
	proc_stop "$bridge" || true
	expect_match "$(cat "$T_TMP/netem.log")" 'ce=[1-9]' "frames marked CE"
	p="$T_TMP/ce.pcap"
	(($(tshark_count "$p" 'ip.src==10.0.0.1 && ip.dsfield.ecn==3') > 0)) ||
		fail "no CE-marked frame reached the stack"
	(($(tshark_count "$p" 'ip.src==10.0.0.2 && tcp.flags.ece==1 && tcp.flags.syn==0') > 0)) ||
		fail "no ECE from the stack"
	(($(tshark_count "$p" 'ip.src==10.0.0.1 && tcp.flags.cwr==1 && tcp.flags.syn==0') > 0)) ||
		fail "the kernel never answered with CWR"
	(($(tshark_count "$p" 'ip.src==10.0.0.1 && tcp.flags.ece==1 && tcp.flags.syn==0') > 0)) ||
		fail "no ECE from the kernel"
	(($(tshark_count "$p" 'ip.src==10.0.0.2 && tcp.flags.cwr==1 && tcp.flags.syn==0') > 0)) ||
		fail "we never answered the kernel's ECE with CWR"
}

case_nc_asks_kernel_server_agrees() {
	ns_up ns
	bg_start "$ns" "$T_TMP/kserver.log" python3 -c "$KSERVER"
	wait_for 5 listening "$ns" 5000 || fail "kernel server did not listen"
	out=$(echo hello | ip netns exec "$ns" "$BIN/nc" --ecn -n -w 5 10.0.0.1 5000)
	expect_eq "$out" "ecn=1 seen=1" "kernel server's TCP_INFO"
}

t_case kernel_client_asks_stackd_agrees case_kernel_client_asks_stackd_agrees
t_case stackd_without_ecn_declines case_stackd_without_ecn_declines
t_case ce_echoed_and_answered_with_cwr_both_ways case_ce_echoed_and_answered_with_cwr_both_ways
t_case nc_asks_kernel_server_agrees case_nc_asks_kernel_server_agrees
t_done

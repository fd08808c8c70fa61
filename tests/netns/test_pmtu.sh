#!/usr/bin/env bash
# Path MTU discovery (RFC 1191) against the Linux kernel as a router. The stack's namespace
# routes between its TAP (MTU 1500) and a veth whose far end holds the client (MTU 1500 there,
# so curl offers MSS 1460); the router's side of that veth is narrower. stackd serves a file
# over HTTP to the client:
# - MTU 1280: our 1500-octet segments carry DF, so the kernel drops them and answers
#   "fragmentation needed" (ICMP 3/4) with 1280; stackd lowers its MSS, resends, and the
#   router never fragments anything of ours; a second download starts at the lower MSS
#   (one reduction in all);
# - MTU 500 (under the 576 floor of tcp_pmtu.c): stackd keeps 576 and sends without DF, and
#   the router fragments; the file still arrives whole.
# Both again with --offload, where stackd hands the kernel TSO super-frames that the kernel
# cuts at our (lowered) MSS: no retransmission timeout either way. And a black hole: the
# 1280 link with the router's ICMP errors dropped.
. "$(dirname "$0")/lib.sh"
t_require_root
t_require_cmd ip curl tshark nstat nft

# pmtu_net MTU: namespaces ns (the TAP and the router) and nh (the client, 10.9.0.2), the
# router's side of the veth between them at MTU; a 1 MB file in $WWW.
pmtu_net() {
	ns_create ns pmtu
	ns_tap "$ns"
	ns_create nh pmtuh
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1
	ip -n "$ns" link add r0 type veth peer name r1 netns "$nh"
	ip -n "$ns" addr add 10.9.0.1/24 dev r0
	ip -n "$ns" link set r0 mtu "$1" up
	ip -n "$nh" addr add 10.9.0.2/24 dev r1
	ip -n "$nh" link set r1 up
	ip -n "$nh" route add default via 10.9.0.1
	WWW="$T_TMP/www.$BASHPID"
	mkdir -p "$WWW"
	T_RM_LIST+=("$WWW")
	head -c 1000000 /dev/urandom >"$WWW/big.bin"
}

# pmtu_get OUT: curl in nh fetches the file into OUT; it must arrive whole.
pmtu_get() {
	ns_exec "$nh" curl -sS --max-time 60 -o "$1" http://10.0.0.2/big.bin ||
		fail "curl through the narrow link failed"
	cmp "$1" "$WWW/big.bin" || fail "the download differs from the file"
}

# pmtu_fetch MTU [STACKD_ARGS...]: pmtu_net, stackd serving the file, two downloads (the
# second starts from the estimate the first learned, RFC 1191 6.2). Sets STATS (stackd's
# counters), FRAGS (IPv4 fragments the router created), PCAP (stackd's capture) and ICMP
# (the frame number of the first ICMP "fragmentation needed" in it).
pmtu_fetch() {
	local mtu=$1
	shift
	pmtu_net "$mtu"
	PCAP="$T_TMP/pmtu.$mtu.$BASHPID.pcap"
	stackd_start "$ns" --http "$WWW" --stats --pcap "$PCAP" "$@"
	ip netns exec "$ns" nstat -n # reset the counters nstat reports as deltas
	pmtu_get "$T_TMP/got.$BASHPID"
	pmtu_get "$T_TMP/got2.$BASHPID"
	FRAGS=$(ip netns exec "$ns" nstat -a IpFragCreates | awk '$1 == "IpFragCreates" {print $2}')
	FRAGS=${FRAGS:-0}
	stackd_stop
	STATS=$(grep -E '^ +(tcp|ip|icmp)\.' "$STACKD_LOG")
	echo "router fragments: $FRAGS"
	echo "$STATS" | grep -E 'pmtu|fragment|df|rto|icmp' || true
	expect_match "$STATS" 'tcp\.pmtu_reductions +1$' "stackd's counters"
	expect_no_match "$STATS" 'tcp\.rto_timeouts' "stackd's counters"
	ICMP=$(tshark -r "$PCAP" -Y 'icmp.type == 3 && icmp.code == 4' -T fields -e frame.number |
		head -n 1)
	[[ -n "$ICMP" ]] || fail "no ICMP fragmentation needed reached stackd"
}

case_datagram_too_big_lowers_the_mss() {
	pmtu_fetch 1280 --trace
	expect_match "$(cat "$STACKD_LOG")" \
		'^tcp 10\.0\.0\.2:80 > 10\.9\.0\.2:[0-9]+ path MTU 1500 -> 1280 \(fragmentation needed, from 10\.0\.0\.1\)$' \
		"the --trace line of the reduction"
	expect_match "$(cat "$STACKD_LOG")" \
		'^tcp 10\.0\.0\.2:80 > 10\.9\.0\.2:[0-9]+ path MTU 1500 -> 1280 \(learned for this host before\)$' \
		"the --trace line of the second connection"
	expect_eq "$FRAGS" 0 "fragments the router made of our segments"
	(($(tshark_count "$PCAP" 'icmp.type == 3 && icmp.code == 4 && icmp.mtu == 1280') > 0)) ||
		fail "the ICMP did not say MTU 1280"
	(($(tshark_count "$PCAP" '!icmp && ip.src == 10.0.0.2 && tcp && ip.flags.df == 0') == 0)) ||
		fail "a segment of ours left without DF"
	# After the first Datagram Too Big, nothing of ours is larger than the path takes.
	(($(tshark_count "$PCAP" "frame.number > $ICMP && !icmp && ip.src == 10.0.0.2 && ip.len > 1280") == 0)) ||
		fail "segments larger than 1280 octets after the ICMP"
}

case_tiny_mtu_sends_576_without_df() {
	pmtu_fetch 500
	((FRAGS > 0)) || fail "the router fragmented nothing: were our segments sent with DF?"
	(($(tshark_count "$PCAP" "frame.number > $ICMP && !icmp && ip.src == 10.0.0.2 && ip.len > 576") == 0)) ||
		fail "segments larger than 576 octets after the ICMP"
	(($(tshark_count "$PCAP" "frame.number > $ICMP && !icmp && ip.src == 10.0.0.2 && tcp.len > 0 && ip.flags.df == 1") == 0)) ||
		fail "a data segment kept DF after the ICMP"
}

# With --offload the capture shows the super-frames as they left (one frame of up to 64 KB):
# the kernel cuts them at the MSS, the router sees only the pieces.
case_offload_datagram_too_big_lowers_the_mss() {
	pmtu_fetch 1280 --offload
	expect_eq "$FRAGS" 0 "fragments the router made of our segments"
}

case_offload_tiny_mtu_super_frames_without_df() {
	pmtu_fetch 500 --offload
	((FRAGS > 0)) || fail "the router fragmented nothing: were our pieces sent with DF?"
	(($(tshark_count "$PCAP" "frame.number > $ICMP && !icmp && ip.src == 10.0.0.2 && tcp.len > 0 && ip.flags.df == 1") == 0)) ||
		fail "a super-frame kept DF after the ICMP"
}

# RFC 2923 2.1: the router's ICMP errors are filtered (a black hole): our DF segments vanish
# without a word. At R1 (the third timeout) stackd falls back to 1280 without DF, which the
# 1280 link takes, and the download completes.
case_black_hole_falls_back_at_r1() {
	local stats
	pmtu_net 1280
	ip netns exec "$ns" nft add table ip bh
	ip netns exec "$ns" nft add chain ip bh out '{ type filter hook output priority 0; }'
	ip netns exec "$ns" nft add rule ip bh out icmp type destination-unreachable drop
	stackd_start "$ns" --http "$WWW" --stats
	pmtu_get "$T_TMP/got.$BASHPID"
	stackd_stop
	stats=$(grep -E '^ +(tcp|icmp)\.' "$STACKD_LOG")
	echo "$stats" | grep -E 'pmtu|rto|icmp' || true
	expect_match "$stats" 'tcp\.pmtu_black_holes +1$' "stackd's counters"
	expect_no_match "$stats" 'tcp\.pmtu_reductions' "stackd's counters (no ICMP came through)"
	expect_match "$stats" 'tcp\.rto_timeouts +[3-9]' "stackd's counters"
}

t_case datagram_too_big_lowers_the_mss case_datagram_too_big_lowers_the_mss
t_case tiny_mtu_sends_576_without_df case_tiny_mtu_sends_576_without_df
t_case offload_datagram_too_big_lowers_the_mss case_offload_datagram_too_big_lowers_the_mss
t_case offload_tiny_mtu_super_frames_without_df case_offload_tiny_mtu_super_frames_without_df
t_case black_hole_falls_back_at_r1 case_black_hole_falls_back_at_r1
t_done

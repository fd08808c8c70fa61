#!/usr/bin/env bash
# stackd --offload against the Linux kernel: the TAP carries a virtio net header, the kernel
# hands over TCPv4 GSO super-frames (up to 64 KB) with partial checksums, which the stack
# takes as one segment and trusts (eth.rx_gso_frames, eth.rx_csum_offloaded); the stack
# sends TSO super-frames with partial checksums for the kernel to finish (eth.tx_tso_frames,
# eth.tx_csum_offloaded). Data must stay intact both ways, ICMP and UDP must still work,
# and without --offload nothing changes.
. "$(dirname "$0")/lib.sh"
t_require_root
t_require_cmd ip python3 ping ethtool nc.openbsd

MB20=20000000
MB50=50000000

# echo_tcp KB: tests/netns/echo_client.py in $ns (KB kilobytes of seeded random data to the
# echo service on 10.0.0.2:7, read back whole); prints "sent-sha recv-sha received".
echo_tcp() {
	ns_exec "$ns" python3 "$T_ROOT/tests/netns/echo_client.py" "$1" |
		awk '$1 == "sent" {s = $2} $1 == "echo" {e = $2; n = $3} END {print s, e, n}'
}

# echo_udp NBYTES: one datagram of NBYTES to the echo service; prints as echo_tcp does.
echo_udp() {
	ns_exec "$ns" python3 - "$1" <<'EOF'
import hashlib, os, socket, sys
data = os.urandom(int(sys.argv[1]))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.sendto(data, ("10.0.0.2", 7))
back = s.recv(65536)
print(hashlib.sha256(data).hexdigest(), hashlib.sha256(back).hexdigest(), len(back))
EOF
}

# chargen_client PORT NBYTES: a kernel client in $ns reads NBYTES from the chargen service
# and compares them with the RFC 864 pattern (72 printable characters a line, each line one
# further along); prints "want-sha got-sha received".
chargen_client() {
	ns_exec "$ns" python3 - "$@" <<'EOF'
import hashlib, socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
chars = bytes(range(32, 127)) * 2
lines = b"".join(chars[k:k + 72] + b"\r\n" for k in range(95))  # one period: 95 lines
want = (lines * (n // len(lines) + 1))[:n]
s = socket.create_connection(("10.0.0.2", port), timeout=30)
h, got = hashlib.sha256(), 0
while got < n:
    b = s.recv(min(1 << 20, n - got))
    if not b:
        break
    h.update(b)
    got += len(b)
s.close()
print(hashlib.sha256(want).hexdigest(), h.hexdigest(), got)
EOF
}

# tap_stat NAME: a counter of tap0 as the kernel sees it (frames we wrote are its rx).
tap_stat() {
	ip netns exec "$ns" cat "/sys/class/net/tap0/statistics/$1"
}

# expect_intact "SENT RECV COUNT" NBYTES: both hashes equal and every byte came back.
expect_intact() {
	local sent recv got
	read -r sent recv got <<<"$1"
	expect_eq "$got" "$2" "bytes echoed"
	expect_eq "$recv" "$sent" "sha256 of the echoed data"
}

# counter NAME: the value stackd --stats printed at exit (0 when absent).
counter() {
	awk -v n="$1" '$1 == n { v = $2 } END { print v + 0 }' "$STACKD_LOG"
}

case_echo_50mb_each_way_intact() {
	ns_up ns
	stackd_start "$ns" --offload --echo 7 --stats
	# The kernel only builds super-frames for a TAP that accepted TSO4.
	expect_match "$(ip netns exec "$ns" ethtool -k tap0)" '^tcp-segmentation-offload: on' \
		"ethtool -k tap0"
	expect_intact "$(echo_tcp 48828)" $((48828 * 1024)) # ~50 MB
	stackd_stop
	cat "$STACKD_LOG"
	(($(counter eth.rx_gso_frames) > 0)) || fail "no GSO super-frame received"
	(($(counter eth.rx_csum_offloaded) > 0)) || fail "no checksum trusted from the header"
	(($(counter eth.tx_tso_frames) > 0)) || fail "no TSO super-frame sent"
	# DESIGN.md 6: the echoed bytes were intact although most payloads were read straight
	# into the receive ring.
	(($(counter tcp.rx_placed_segments) > 0)) || fail "no payload placed in the ring"
	expect_eq "$(counter tcp.drop_bad_checksum)" 0 "tcp.drop_bad_checksum"
	expect_eq "$(counter eth.tx_errors)" 0 "eth.tx_errors"
	expect_eq "$(tap_stat rx_dropped)" 0 "tap0 rx_dropped"
}

# Stack -> kernel bulk: TSO super-frames with partial checksums; the kernel must take every
# one (a bad virtio header is refused by write(), a bad checksum would stall the stream).
case_chargen_50mb_tso_to_kernel() {
	ns_up ns
	stackd_start "$ns" --offload --chargen 19 --stats
	expect_intact "$(chargen_client 19 $MB50)" $MB50
	stackd_stop
	cat "$STACKD_LOG"
	(($(counter eth.tx_tso_frames) > 0)) || fail "no TSO super-frame sent"
	(($(counter eth.tx_csum_offloaded) > 0)) || fail "no checksum left to the kernel"
	# 50 MB in super-frames: far fewer frames than 1460-byte segments would need.
	(($(counter eth.tx_frames) < MB50 / 1460 / 4)) || fail "sent frames were not coalesced"
	expect_eq "$(counter eth.tx_errors)" 0 "eth.tx_errors"
	expect_eq "$(tap_stat rx_dropped)" 0 "tap0 rx_dropped"
}

case_discard_20mb_from_kernel() {
	ns_up ns
	stackd_start "$ns" --offload --discard 9 --stats
	head -c $MB20 /dev/zero >"$T_TMP/zero20"
	ns_exec "$ns" nc.openbsd -N -w 10 10.0.0.2 9 <"$T_TMP/zero20" || fail "nc to discard failed"
	stackd_stop
	cat "$STACKD_LOG"
	(($(counter eth.rx_gso_frames) > 0)) || fail "no GSO super-frame received"
	# 20 MB in super-frames: far fewer frames than 1460-byte segments would need.
	(($(counter eth.rx_frames) < MB20 / 1460)) || fail "frames were not coalesced"
	# Bulk in-order data: nearly every super-frame's payload is placed (DESIGN.md 6).
	(($(counter tcp.rx_placed_segments) > $(counter eth.rx_gso_frames) / 2)) ||
		fail "super-frames were not placed in the ring"
	expect_eq "$(counter tcp.drop_bad_checksum)" 0 "tcp.drop_bad_checksum"
}

case_ping_4000_and_udp_echo() {
	ns_up ns
	stackd_start "$ns" --offload --echo 7 --stats
	ns_exec "$ns" ping -c 3 -i 0.2 -s 4000 10.0.0.2 || fail "no reply to 4000-byte pings"
	expect_intact "$(echo_udp 1400)" 1400
	stackd_stop
	expect_eq "$(counter udp.drop_bad_checksum)" 0 "udp.drop_bad_checksum"
	expect_eq "$(counter icmp.drop_bad_checksum)" 0 "icmp.drop_bad_checksum"
}

# The pcap wrapper must pass the header's checksum verdict on, or every partial checksum
# would be dropped as bad.
# A super-frame is recorded as it left, one frame of up to 64 KB: tshark must read the file.
case_offload_through_pcap() {
	ns_up ns
	stackd_start "$ns" --offload --echo 7 --chargen 19 --stats --pcap "$T_TMP/off.pcap"
	expect_intact "$(echo_tcp 1953)" $((1953 * 1024))
	expect_intact "$(chargen_client 19 2000000)" 2000000
	stackd_stop
	(($(counter eth.rx_csum_offloaded) > 0)) || fail "checksum verdict lost in the pcap link"
	(($(counter eth.tx_tso_frames) > 0)) || fail "TSO lost in the pcap link"
	expect_eq "$(counter tcp.drop_bad_checksum)" 0 "tcp.drop_bad_checksum"
	if command -v tshark >/dev/null; then
		local big
		big=$(tshark -r "$T_TMP/off.pcap" -T fields -e frame.len 2>&1 |
			awk '$1 > 1514 { n++ } END { print n + 0 }') || fail "tshark cannot read the pcap"
		((big > 0)) || fail "no super-frame in the pcap"
	fi
}

# Default off: no virtio header, so the kernel never offers super-frames.
case_default_is_plain() {
	ns_up ns
	stackd_start "$ns" --echo 7 --stats
	expect_match "$(ip netns exec "$ns" ethtool -k tap0)" '^tcp-segmentation-offload: off' \
		"ethtool -k tap0"
	expect_intact "$(echo_tcp 1953)" $((1953 * 1024))
	stackd_stop
	expect_eq "$(counter eth.rx_gso_frames)" 0 "eth.rx_gso_frames"
	expect_eq "$(counter eth.rx_csum_offloaded)" 0 "eth.rx_csum_offloaded"
	expect_eq "$(counter eth.tx_tso_frames)" 0 "eth.tx_tso_frames"
	expect_eq "$(counter eth.tx_csum_offloaded)" 0 "eth.tx_csum_offloaded"
}

# A persistent TAP keeps the offloads the kernel was told about; a plain stackd after an
# --offload one must switch them off again, or partial checksums would look corrupt.
case_plain_after_offload_same_tap() {
	ns_up ns
	stackd_start "$ns" --offload --echo 7
	expect_intact "$(echo_tcp 977)" $((977 * 1024))
	stackd_stop
	stackd_start "$ns" --echo 7 --stats
	expect_match "$(ip netns exec "$ns" ethtool -k tap0)" '^tcp-segmentation-offload: off' \
		"ethtool -k tap0"
	expect_intact "$(echo_tcp 977)" $((977 * 1024))
	stackd_stop
	expect_eq "$(counter tcp.drop_bad_checksum)" 0 "tcp.drop_bad_checksum"
}

# A TUN has no virtio header here: the option is refused with one line, the rest works.
case_tun_ignores_offload() {
	ns_create ns
	ip netns exec "$ns" ip tuntap add dev tun0 mode tun
	ip netns exec "$ns" ip addr add 198.51.100.1/24 dev tun0
	ip netns exec "$ns" ip link set tun0 up
	stackd_start "$ns" --tun tun0 --offload --ip 198.51.100.2/24 --gw 198.51.100.1
	expect_match "$(cat "$STACKD_LOG")" '^stackd: --offload applies to a TAP only; ignored$'
	ns_exec "$ns" ping -c 1 198.51.100.2 || fail "no reply over the TUN"
	stackd_stop
}

t_case echo_50mb_each_way_intact case_echo_50mb_each_way_intact
t_case chargen_50mb_tso_to_kernel case_chargen_50mb_tso_to_kernel
t_case discard_20mb_from_kernel case_discard_20mb_from_kernel
t_case ping_4000_and_udp_echo case_ping_4000_and_udp_echo
t_case offload_through_pcap case_offload_through_pcap
t_case default_is_plain case_default_is_plain
t_case plain_after_offload_same_tap case_plain_after_offload_same_tap
t_case tun_ignores_offload case_tun_ignores_offload
t_done

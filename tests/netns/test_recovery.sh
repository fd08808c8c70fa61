#!/usr/bin/env bash
# Loss recovery against the Linux kernel as receiver: a bridge between the stack's TAP and
# the kernel's (tests/netns/netem_tap.py) drops exactly one of the stack's frames
# (NETEM_DROP) during an RFC 862 echo of 256 KB, and the kernel's SACK blocks must bring the
# lost data back without a retransmission timeout:
# - a frame in mid-stream: SACK-based fast retransmit (RFC 6675; RFC 9293 MUST-19);
# - the frame carrying our FIN, the tail: the tail loss probe (RFC 8985 7) resends it after
#   the probe timeout (~200 ms here), well before the 1 s RTO.
. "$(dirname "$0")/lib.sh"
t_require_root
t_require_cmd ip python3 tshark

# recovery_echo DROP: the echo through the bridge with NETEM_DROP=DROP; stackd's counters in
# STATS and the capture at the stack in $T_TMP/rec.pcap.
recovery_echo() {
	local ns out sent bridge
	ns_create ns rec
	ip netns exec "$ns" ip tuntap add dev tap0 mode tap
	ip netns exec "$ns" ip link set tap0 up
	ns_tap "$ns" 10.0.0.1/24 tap1
	bg_start "$ns" "$T_TMP/netem.log" env NETEM_DROP="$1" \
		python3 tests/netns/netem_tap.py tap0 tap1 7 host 0 0 0 0 0
	bridge=$BG_PID
	wait_for 10 grep -q 'netem_tap: up' "$T_TMP/netem.log" || fail "netem_tap did not start"
	stackd_start "$ns" --iface tap0 --ip 10.0.0.2/24 --echo 7 --stats --pcap "$T_TMP/rec.pcap"
	out=$(ns_exec "$ns" python3 "$T_ROOT/tests/netns/echo_client.py" 256)
	sent=$(awk '$1 == "sent" {print $2, $3}' <<<"$out")
	expect_eq "$(awk '$1 == "echo" {print $2, $3}' <<<"$out")" "$sent" "echoed sha256 and length"
	stackd_stop
	proc_stop "$bridge" || true
	expect_match "$(cat "$T_TMP/netem.log")" 'dropped=1( |$)' "the bridge's placed drop"
	STATS=$(grep -E '^ +(tcp|eth)\.' "$STACKD_LOG")
	expect_no_match "$STATS" 'tcp\.rto_timeouts' "stackd's counters"
}

case_mid_stream_loss_fast_retransmit() {
	recovery_echo data:20
	expect_match "$STATS" 'tcp\.fast_retransmits +[1-9]' "stackd's counters"
	(($(tshark_count "$T_TMP/rec.pcap" 'ip.src==10.0.0.1 && tcp.options.sack_le') > 0)) ||
		fail "the kernel sent no SACK block"
}

case_lost_fin_tail_loss_probe() {
	recovery_echo fin:1
	expect_match "$STATS" 'tcp\.loss_probes +[1-9]' "stackd's counters"
	expect_match "$STATS" 'tcp\.loss_probe_repairs +[1-9]' "stackd's counters"
}

t_case mid_stream_loss_fast_retransmit case_mid_stream_loss_fast_retransmit
t_case lost_fin_tail_loss_probe case_lost_fin_tail_loss_probe
t_done

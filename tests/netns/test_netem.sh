#!/usr/bin/env bash
# Fault injection against the Linux kernel (issue 6 item 3): netem-style impairment on the
# host side of the TAP (loss 10%, reorder 25%, duplicate 5%, corrupt 1%, delay 20 ms) and
# 20 MB each way through stackd's echo service (RFC 862), checked with sha256 on both sides.
# This kernel may lack sch_netem, so tests/netns/netem_tap.py does netem's job in user space
# between the stack's TAP and a second TAP that carries the kernel's address; `tc netem` is
# used instead when the kernel has it (it impairs host->stack only, as netem does on an egress
# queue). A second, smaller case impairs the stack's own frames too (user-space path only).
# NETEM_MB / NETEM_BOTH_KB set the sizes (20 MB / 128 KB: with both directions impaired the
# stack's sender moves ~50 KB/s, recovering by SACK and tail loss probes more than by RTOs),
# NETEM_BIN another stackd build ($BIN).
. "$(dirname "$0")/lib.sh"
t_require_root
t_require_cmd ip python3 sha256sum

NETEM_MB=${NETEM_MB:-20}
NETEM_BIN=${NETEM_BIN:-$BIN}
NETEM_BOTH_KB=${NETEM_BOTH_KB:-128}
NETEM_ARGS=(10 25 5 1 20) # loss% reorder% duplicate% corrupt% delay-ms
T_CMD_TIMEOUT=${T_CMD_TIMEOUT:-150}

# kernel_has_netem NS DEV: true when `tc qdisc ... netem` works in NS.
kernel_has_netem() {
	ip netns exec "$1" tc qdisc add dev "$2" root netem delay 1ms 2>/dev/null &&
		ip netns exec "$1" tc qdisc del dev "$2" root 2>/dev/null
}


# netem_echo DIRS KB: impair (DIRS host: host->stack; both) and echo KB each way.
netem_echo() {
	local dirs=$1 kb=$2 ns out sent echo stackd=$NETEM_BIN/stackd
	[[ -x $stackd ]] || fail "no $stackd: run make (or set NETEM_BIN)"
	ns_create ns netem
	ip netns exec "$ns" ip tuntap add dev tap0 mode tap
	ip netns exec "$ns" ip link set tap0 up
	if [[ $dirs == host ]] && kernel_has_netem "$ns" tap0; then
		ip netns exec "$ns" ip addr add 10.0.0.1/24 dev tap0
		ip netns exec "$ns" tc qdisc add dev tap0 root netem loss "${NETEM_ARGS[0]}%" \
			reorder "${NETEM_ARGS[1]}%" duplicate "${NETEM_ARGS[2]}%" \
			corrupt "${NETEM_ARGS[3]}%" delay "${NETEM_ARGS[4]}ms"
		echo "using tc netem"
	else
		ns_tap "$ns" 10.0.0.1/24 tap1
		bg_start "$ns" "$T_TMP/netem.log" python3 tests/netns/netem_tap.py tap0 tap1 7 "$dirs" \
			"${NETEM_ARGS[@]}"
		NETEM_PID=$BG_PID
		wait_for 10 grep -q 'netem_tap: up' "$T_TMP/netem.log" || fail "netem_tap did not start"
		echo "no sch_netem in this kernel: using tests/netns/netem_tap.py"
	fi
	BIN=$NETEM_BIN stackd_start "$ns" --iface tap0 --ip 10.0.0.2/24 --echo 7 --stats ${NETEM_PCAP:+--pcap "$NETEM_PCAP"}
	ns_exec "$ns" ping -c 1 -W 5 10.0.0.2 >/dev/null || ns_exec "$ns" ping -c 3 -W 5 10.0.0.2
	out=$(ns_exec "$ns" python3 "$T_ROOT/tests/netns/echo_client.py" "$kb")
	echo "$out"
	sent=$(awk '$1 == "sent" {print $2, $3}' <<<"$out")
	echo=$(awk '$1 == "echo" {print $2, $3}' <<<"$out")
	expect_eq "$echo" "$sent" "echoed sha256 and length"
	stackd_stop
	if [[ -n "${NETEM_PID:-}" ]]; then
		proc_stop "$NETEM_PID" || true
		cat "$T_TMP/netem.log"
		expect_match "$(cat "$T_TMP/netem.log")" 'corrupt=[1-9].*dup=[1-9].*lost=[1-9]' \
			"impairments applied"
	fi
	# What the impairments did to the stack: checksum drops prove corruption reached it.
	grep -E 'retransmits|bad_checksum|out_of_order|duplicate|drop_unacceptable' "$STACKD_LOG" ||
		true
}

case_netem_20mb_each_way_intact() {
	netem_echo host $((NETEM_MB * 1024))
}

case_netem_both_directions_impaired_intact() {
	netem_echo both "$NETEM_BOTH_KB"
}

t_case netem_20mb_each_way_intact case_netem_20mb_each_way_intact
t_case netem_both_directions_impaired_intact case_netem_both_directions_impaired_intact
t_done

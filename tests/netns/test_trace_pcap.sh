#!/usr/bin/env bash
# Seeing the packets: tshark reads stackd's --pcap file and finds exactly the frames that
# --trace printed, with the same Wireshark-style summaries; stackd stops cleanly on
# SIGTERM and SIGINT (exit 0, pcap complete, no sanitizer report).
# ns_up/public_copy set the variables they are named (printf -v): hence SC2154.
# shellcheck source=tests/netns/lib.sh disable=SC2154
. "$(dirname "$0")/lib.sh"
t_require_root
t_require_cmd ping tshark python3

here=$(cd "$(dirname "$0")" && pwd)

case_pcap_matches_trace() {
	ns_up ns
	pcap="$T_TMP/trace.pcap"
	stackd_start "$ns" --trace --pcap "$pcap" --mac 02:00:5e:00:53:02
	ns_exec "$ns" ping -n -c 3 -i 0.05 -W 2 10.0.0.2
	ns_exec "$ns" ping -n -c 2 -i 0.05 -s 4000 -W 2 10.0.0.2
	stackd_stop
	rc=0
	errs=$(tshark -n -r "$pcap" 2>&1 >/dev/null | grep -v 'Running as user "root"') || rc=$?
	[[ -z "$errs" ]] || fail "tshark complains about the pcap: $errs"
	tshark -n -r "$pcap" 2>/dev/null
	python3 "$here/pcap_vs_trace.py" "$pcap" "$STACKD_LOG" || fail "pcap and trace differ"
	# The frames we caused are all there: 1 announcement, ARP request/reply (at least
	# once), 3 echo pairs, 2 x (3 + 3) fragments.
	n=$(tshark -n -r "$pcap" 2>/dev/null | wc -l)
	((n >= 1 + 2 + 6 + 12)) || fail "only $n frames in the pcap"
	expect_match "$(tshark -n -r "$pcap" 2>/dev/null)" 'ARP Announcement for 10\.0\.0\.2' \
		"pcap"
}

# stackd_signal SIGNAL: up, answer a ping, then SIGNAL: exit 0 with its goodbye line.
stackd_signal() {
	ns_up ns
	pcap="$T_TMP/signal.pcap"
	stackd_start "$ns" --pcap "$pcap"
	ns_exec "$ns" ping -n -c 1 -W 2 10.0.0.2 >/dev/null || fail "no echo reply"
	rc=0
	proc_stop "$STACKD_PID" "$1" || rc=$?
	cat "$STACKD_LOG"
	expect_eq "$rc" 0 "stackd exit status after SIG$1"
	expect_match "$(cat "$STACKD_LOG")" '^stackd: shutting down$' "stackd log"
	sanitizer_clean "$STACKD_LOG"
	# Every frame was flushed to the file before exit.
	n=$(tshark -n -r "$pcap" 2>/dev/null | grep -c 'Echo (ping) reply')
	expect_eq "$n" 1 "echo replies in the pcap"
	# The TAP is still there (it was created by the test) and nothing holds it now.
	ns_exec "$ns" ip link show tap0 | grep -q NO-CARRIER || fail "tap0 still attached"
}

case_stackd_sigterm() { stackd_signal TERM; }
case_stackd_sigint() { stackd_signal INT; }

t_case pcap_matches_trace case_pcap_matches_trace
t_case stackd_sigterm case_stackd_sigterm
t_case stackd_sigint case_stackd_sigint
t_done

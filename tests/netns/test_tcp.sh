#!/usr/bin/env bash
# TCP against the Linux kernel (issue 4 item 8, "Net"): the stack's client (build/bin/nc) to
# kernel servers and kernel clients (OpenBSD nc, curl, socat, python) to stackd's services;
# 100 MB each way intact (sha256); `ss -tin` on the kernel side shows window scaling,
# timestamps and SACK negotiated (RFC 7323, RFC 2018); tshark's tcp.analysis finds no
# retransmission, duplicate ACK or lost segment on the clean link in the stack's --pcap;
# a RST for a closed port (RFC 9293 3.10.7.1) is "Connection refused" to the kernel; and
# half-close works both ways (RFC 9293 3.10.4: a FIN ends one direction only).
. "$(dirname "$0")/lib.sh"
t_require_root
t_require_cmd ip nc.openbsd socat curl python3 ss tshark sha256sum

KNC=nc.openbsd
BIG=$((100 * 1048576)) # bytes each way for the bulk cases
PCAP_BYTES=$((4 * 1048576))

sha() { sha256sum <"$1" | cut -d' ' -f1; }

random_file() { # PATH BYTES
	head -c "$2" /dev/urandom >"$1"
}

# nc_bg NAME IN ARGS...: our nc in $ns in the background; stdout $T_TMP/NAME.out, stderr
# $T_TMP/NAME.err; NC_PID.
nc_bg() {
	local name=$1 in=$2
	shift 2
	ip netns exec "$ns" "$BIN/nc" "$@" <"$in" >"$T_TMP/$name.out" 2>"$T_TMP/$name.err" &
	NC_PID=$!
	T_PID_LIST+=("$NC_PID")
	[[ -z "${NETNS_TMP:-}" ]] || echo "$NC_PID" >>"$NETNS_TMP/pids"
}

# nc_wait PID SECS: wait for our nc to exit on its own; RC is its exit status.
nc_wait() {
	local i
	for ((i = 0; i < $2 * 20; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$1" 2>/dev/null && fail "nc (pid $1) did not exit within $2 s"
	RC=0
	wait "$1" || RC=$?
}

# The kernel's side of the one connection to 10.0.0.2 in ss -tin, e.g.
# "ts sack cubic wscale:2,10 rto:201 ...".
kernel_tcp_info() {
	ip netns exec "$ns" ss -Htin dst 10.0.0.2 | tr -s ' \t\n' ' '
}

# ss_prints_ts: does this ss show "ts" for a kernel-to-kernel connection with timestamps
# on? (iproute2 6.1 on a 6.18 kernel prints wscale but neither ts nor sack.)
ss_prints_ts() {
	ip netns exec "$ns" python3 -c '
import socket, subprocess, sys
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(1)
c = socket.create_connection(l.getsockname()); a, _ = l.accept()
out = subprocess.run(["ss", "-Htin", "sport", "=", ":%d" % l.getsockname()[1]],
                     capture_output=True, text=True).stdout.split()
sys.exit(0 if "ts" in out else 1)
'
}

# check_negotiated INFO: window scaling, timestamps and SACK all on, and the kernel's send
# scale is what our SYN offered for a 128 KiB receive buffer (RFC 7323 2.3: shift 2). Where
# this ss cannot show ts/sack at all, tcp_info_options below checks them through TCP_INFO.
check_negotiated() {
	echo "kernel ss -tin: $1"
	expect_match "$1" 'wscale:2,[0-9]+' "ss -tin window scale (snd 2 from our SYN)"
	if ss_prints_ts; then
		expect_match "$1" '(^| )ts( |$)' "ss -tin timestamps"
		expect_match "$1" '(^| )sack( |$)' "ss -tin SACK"
	else
		echo "note: this ss prints no ts/sack even kernel to kernel; TCP_INFO checks them"
	fi
}

# tshark_clean PCAP: Wireshark's TCP analysis of the stack's own capture on the clean link.
# The stack (10.0.0.2) sends no retransmission of any kind, no reset, nothing out of order.
# The kernel may resend once in a while without any loss: its tail loss probe fires ~10 ms
# after its last segment when our (ASan-built, busy) process has not drained the TAP by then;
# the copy then shows up back to back with the original in our capture. That is timing, not
# the stack, so kernel resends are only reported, but a kernel *fast* retransmission would
# mean we sent three duplicate ACKs (a loss signal) and fails, and our duplicate ACKs may
# only answer such kernel copies (RFC 9293 3.10.7.4: an old segment is ACKed at once).
tshark_clean() {
	local ours kfast kre ourdup
	ours=$(tshark -r "$1" -Y 'ip.src == 10.0.0.2 && (tcp.analysis.retransmission ||
		tcp.analysis.fast_retransmission || tcp.analysis.spurious_retransmission ||
		tcp.analysis.lost_segment || tcp.analysis.out_of_order || tcp.flags.reset == 1)' \
		2>"$T_TMP/tshark.err" | head -n 20)
	grep -v 'Running as user' "$T_TMP/tshark.err" >&2 || true
	[[ -z "$ours" ]] || fail "tshark flags segments the stack sent on a clean link: $ours"
	kfast=$(tshark_count "$1" 'ip.src == 10.0.0.1 && (tcp.analysis.fast_retransmission ||
		tcp.flags.reset == 1 || tcp.analysis.lost_segment)')
	expect_eq "$kfast" 0 "kernel fast retransmissions, resets or lost segments in $1"
	kre=$(tshark_count "$1" 'ip.src == 10.0.0.1 && tcp.analysis.retransmission')
	ourdup=$(tshark_count "$1" 'ip.src == 10.0.0.2 && tcp.analysis.duplicate_ack')
	echo "$1: kernel resends (timer, not loss) $kre, our duplicate ACKs $ourdup"
	((ourdup <= kre)) || fail "$ourdup duplicate ACKs from the stack for $kre kernel resends"
	[[ $(tshark_count "$1" tcp) -gt 100 ]] || fail "no TCP in $1"
}

# The stack's server: a kernel client (OpenBSD nc) sends 100 MB to stackd's echo service,
# half-closes (-N: FIN after stdin), and reads all 100 MB back; the stack keeps sending in
# CLOSE-WAIT after the kernel's FIN. ss -tin is sampled during the transfer.
case_kernel_client_to_stack_echo_100mb() {
	ns_up ns
	random_file "$T_TMP/up" "$BIG"
	stackd_start "$ns" --echo 7
	ip netns exec "$ns" timeout 50 $KNC -N 10.0.0.2 7 <"$T_TMP/up" >"$T_TMP/back" &
	pid=$!
	T_PID_LIST+=("$pid")
	wait_for 10 bash -c "[[ -n \"\$(ip netns exec $ns ss -Htn dst 10.0.0.2)\" ]]" ||
		fail "no connection"
	info=$(kernel_tcp_info)
	rc=0
	wait "$pid" || rc=$?
	expect_eq "$rc" 0 "kernel nc exit status"
	check_negotiated "$info"
	expect_eq "$(wc -c <"$T_TMP/back")" "$BIG" "bytes echoed back"
	expect_eq "$(sha "$T_TMP/back")" "$(sha "$T_TMP/up")" "sha256 of the echo"
	stackd_stop
}

# The stack's client: our nc to a kernel nc -l, 100 MB up and 100 MB down on one
# connection at the same time; both sides half-close when their input ends.
case_stack_client_to_kernel_100mb() {
	ns_up ns
	random_file "$T_TMP/up" "$BIG"
	random_file "$T_TMP/down" "$BIG"
	bg_start "$ns" "$T_TMP/srv.log" bash -c \
		"exec $KNC -N -l 10.0.0.1 5000 <'$T_TMP/down' >'$T_TMP/srv.out'"
	srv=$BG_PID
	wait_for 5 listening "$ns" 5000 || fail "kernel server not listening"
	nc_bg cli "$T_TMP/up" --linger 0 10.0.0.1 5000
	wait_for 10 bash -c "[[ -n \"\$(ip netns exec $ns ss -Htn dst 10.0.0.2)\" ]]" ||
		fail "no connection"
	info=$(kernel_tcp_info)
	nc_wait "$NC_PID" 50
	sanitizer_clean "$T_TMP/cli.err"
	expect_eq "$RC" 0 "nc exit status"
	proc_stop "$srv" || true
	check_negotiated "$info"
	expect_eq "$(sha "$T_TMP/cli.out")" "$(sha "$T_TMP/down")" "sha256 of what nc received"
	expect_eq "$(sha "$T_TMP/srv.out")" "$(sha "$T_TMP/up")" "sha256 of what the kernel got"
}

# tshark on the stack's --pcap of a transfer each way through the stack's client (to a
# kernel nc -l) and its server (kernel nc to stackd echo): nothing retransmitted, no
# duplicate ACK, no reset; our SYN carries MSS=1460, WS, TS and SACK_PERM with an
# unscaled Win=65535, as in the seed's capture.
case_tshark_clean_link() {
	ns_up ns
	random_file "$T_TMP/up" "$PCAP_BYTES"
	bg_start "$ns" "$T_TMP/srv.log" bash -c \
		"exec $KNC -N -l 10.0.0.1 5000 <'$T_TMP/up' >'$T_TMP/srv.out'"
	srv=$BG_PID
	wait_for 5 listening "$ns" 5000 || fail "kernel server not listening"
	nc_bg cli "$T_TMP/up" --stats --linger 0 --pcap "$T_TMP/cli.pcap" 10.0.0.1 5000
	nc_wait "$NC_PID" 30
	sanitizer_clean "$T_TMP/cli.err"
	expect_eq "$RC" 0 "nc exit status"
	proc_stop "$srv" || true
	expect_eq "$(sha "$T_TMP/cli.out")" "$(sha "$T_TMP/up")" "sha256 down"
	expect_eq "$(sha "$T_TMP/srv.out")" "$(sha "$T_TMP/up")" "sha256 up"
	expect_no_match "$(cat "$T_TMP/cli.err")" 'tcp\.(retransmits|rto_timeouts|rst_rx)' \
		"nc --stats counters"
	syn=$(tshark -r "$T_TMP/cli.pcap" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' 2>/dev/null)
	echo "our SYN: $syn"
	expect_eq "$(grep -c . <<<"$syn")" 1 "SYNs sent"
	expect_match "$syn" '\[SYN\] Seq=0 Win=65535 Len=0 MSS=1460 WS=4 TSval=[0-9]+ TSecr=0 SACK_PERM$' \
		"our SYN"
	tshark_clean "$T_TMP/cli.pcap"

	stackd_start "$ns" --echo 7 --pcap "$T_TMP/srv.pcap"
	ns_exec "$ns" $KNC -N 10.0.0.2 7 <"$T_TMP/up" >"$T_TMP/back" || fail "kernel nc failed"
	expect_eq "$(sha "$T_TMP/back")" "$(sha "$T_TMP/up")" "sha256 of the echo"
	stackd_stop
	tshark_clean "$T_TMP/srv.pcap"
}

# curl (HTTP/1.1 to stackd --http) and socat (to echo and chargen) as kernel clients.
case_curl_and_socat_to_stack() {
	ns_up ns
	www="$T_TMP/www"
	mkdir -p "$www"
	random_file "$www/big.bin" $((20 * 1048576))
	stackd_start "$ns" --http "$www" --echo 7 --chargen 19
	ns_exec "$ns" curl -sS --max-time 30 -o "$T_TMP/got" http://10.0.0.2/big.bin ||
		fail "curl failed"
	expect_eq "$(sha "$T_TMP/got")" "$(sha "$www/big.bin")" "sha256 of the curl download"
	out=$(printf 'hello over socat\n' | ns_exec "$ns" socat -t 2 - TCP4:10.0.0.2:7)
	expect_eq "$out" "hello over socat" "socat echo"
	ns_exec "$ns" socat -u TCP4:10.0.0.2:19 - 2>/dev/null | head -c 740 >"$T_TMP/cg" || true
	expect_eq "$(head -n 1 "$T_TMP/cg" | tr -d '\r')" \
		"$(printf '%s' ' !"#$%&'"'"'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefg')" \
		"first chargen line"
	stackd_stop
}

# RFC 9293 3.10.7.1: a SYN to a port nobody listens on gets <SEQ=0><ACK=SEG.SEQ+1><RST,ACK>,
# which the kernel reports as ECONNREFUSED to every client.
case_closed_port_refused() {
	ns_up ns
	stackd_start "$ns" --echo 7 --pcap "$T_TMP/rst.pcap"
	rc=0
	out=$(ns_exec "$ns" $KNC -v -w 3 10.0.0.2 6000 </dev/null 2>&1) || rc=$?
	expect_eq "$rc" 1 "nc exit status"
	expect_match "$out" 'Connection refused' "nc message"
	rc=0
	out=$(ns_exec "$ns" curl -sS --max-time 3 http://10.0.0.2:6001/ 2>&1) || rc=$?
	expect_eq "$rc" 7 "curl exit status (couldn't connect)"
	out=$(ns_exec "$ns" python3 -c '
import socket
s = socket.socket()
s.settimeout(3)
try:
    s.connect(("10.0.0.2", 6002))
    print("connected")
except OSError as e:
    print(e.errno == __import__("errno").ECONNREFUSED and "refused" or repr(e))
')
	expect_eq "$out" "refused" "python connect"
	stackd_stop
	rsts=$(tshark -r "$T_TMP/rst.pcap" -Y 'tcp.flags.reset == 1' \
		-T fields -e tcp.srcport -e tcp.seq_raw -e tcp.flags.ack 2>/dev/null)
	echo "resets: $rsts"
	expect_eq "$(grep -c . <<<"$rsts")" 3 "RSTs sent"
	expect_no_match "$rsts" $'\t[1-9][0-9]*\t' "RST with a non-zero SEQ"
	expect_no_match "$rsts" $'\tFalse$|\t0$' "RST without ACK"
}

# Half-close, stack side: our nc sends a request and its FIN; the kernel reads to EOF, then
# answers with 1 MB while we are in FIN-WAIT-2 (RFC 9293 3.10.7.4: data is still accepted
# there), then closes. Half-close, kernel side: a python client sends, shuts down its
# sending side and reads the echo; stackd keeps sending in CLOSE-WAIT.
case_half_close_both_ways() {
	ns_up ns
	random_file "$T_TMP/req" 300000
	bg_start "$ns" "$T_TMP/srv.log" python3 -c '
import socket, hashlib
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.0.0.1", 5000))
s.listen(1)
c, _ = s.accept()
ti = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
print("tcp_info options=%d snd_wscale=%d" % (ti[5], ti[6] & 15), flush=True)
got = b""
while True:
    b = c.recv(65536)
    if not b:
        break
    got += b
c.sendall(hashlib.sha256(got).hexdigest().encode() * 15000)
c.close()
'
	srv=$BG_PID
	wait_for 5 listening "$ns" 5000 || fail "kernel server not listening"
	nc_bg cli "$T_TMP/req" --trace --linger 0 10.0.0.1 5000
	nc_wait "$NC_PID" 20
	proc_stop "$srv" || true
	sanitizer_clean "$T_TMP/cli.err"
	expect_eq "$RC" 0 "nc exit status"
	# TCPI_OPT_TIMESTAMPS|SACK|WSCALE = 7 on the kernel's server socket.
	expect_eq "$(cat "$T_TMP/srv.log")" "tcp_info options=7 snd_wscale=2" "kernel server tcp_info"
	want=$(sha "$T_TMP/req")
	expect_eq "$(head -c 64 "$T_TMP/cli.out")" "$want" "reply after our FIN"
	expect_eq "$(wc -c <"$T_TMP/cli.out")" $((64 * 15000)) "reply length"
	err=$(grep -E '^tcp ' "$T_TMP/cli.err")
	echo "$err"
	expect_match "$err" 'ESTABLISHED -> FIN-WAIT-1 \(user CLOSE\)' "our FIN first"
	expect_match "$err" 'FIN-WAIT-1 -> FIN-WAIT-2 \(rcvd ACK of FIN\)' "FIN acknowledged"
	expect_match "$err" 'FIN-WAIT-2 -> TIME-WAIT \(rcvd FIN\)' "kernel FIN after its data"

	stackd_start "$ns" --echo 7 --trace
	out=$(ns_exec "$ns" python3 -c '
import socket
s = socket.create_connection(("10.0.0.2", 7), timeout=10)
ti = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
print("tcp_info options=%d snd_wscale=%d" % (ti[5], ti[6] & 15))
msg = bytes(range(256)) * 4000
s.sendall(msg)
s.shutdown(socket.SHUT_WR)
got = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    got += b
print("ok" if got == msg else "mismatch %d" % len(got))
')
	echo "$out"
	# TCPI_OPT_TIMESTAMPS|SACK|WSCALE = 7 (RFC 7323, RFC 2018), our scale 2 for 128 KiB.
	expect_eq "$out" $'tcp_info options=7 snd_wscale=2\nok' "kernel client: options, echo after FIN"
	stackd_stop
	expect_match "$(cat "$STACKD_LOG")" 'ESTABLISHED -> CLOSE-WAIT \(rcvd FIN\)' "kernel FIN"
	expect_match "$(cat "$STACKD_LOG")" 'CLOSE-WAIT -> LAST-ACK \(user CLOSE\)' "our FIN after"
}

t_case kernel_client_to_stack_echo_100mb case_kernel_client_to_stack_echo_100mb
t_case stack_client_to_kernel_100mb case_stack_client_to_kernel_100mb
t_case tshark_clean_link case_tshark_clean_link
t_case curl_and_socat_to_stack case_curl_and_socat_to_stack
t_case closed_port_refused case_closed_port_refused
t_case half_close_both_ways case_half_close_both_ways
t_done

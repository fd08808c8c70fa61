#!/usr/bin/env bash
# See the sockets (issue 5 item 6): SIGUSR1 at any time and --stats at exit print a socket
# table like `ss -tan` (RFC 9293 3.10.6 STATUS: state name, Recv-Q, Send-Q, local and peer
# address) and the counters like `netstat -s`; the app keeps running after SIGUSR1.
. "$(dirname "$0")/lib.sh"
t_require_root
t_require_cmd ip ping nc.openbsd python3 ss

KNC=nc.openbsd
HDR='^Netid +State +Recv-Q +Send-Q +Local Address:Port +Peer Address:Port$'

# block N FILE: the Nth socket table + counters printed into FILE (1 = first).
block() {
	awk -v want="$1" '/^Netid / { n++ } n == want { print }' "$2"
}

# counter TEXT NAME: the value of a counter line "    NAME    VALUE" in TEXT.
counter() {
	awk -v name="$2" '$1 == name { print $2 }' <<<"$1"
}

# stackd with echo (TCP and UDP listeners); a kernel client holds an echo connection open;
# SIGUSR1 twice, each time a table with LISTEN, ESTABLISHED and UNCONN rows and the
# counters; stackd still answers ping; --stats prints the table once more at exit.
case_stackd_sigusr1_and_exit() {
	ns_up ns
	stackd_start "$ns" --stats --echo 7
	bg_start "$ns" "$T_TMP/cli.log" bash -c "sleep 8 | exec $KNC 10.0.0.2 7"
	wait_for 5 bash -c "[[ -n \$(ip netns exec '$ns' ss -Htn state established dst 10.0.0.2) ]]" ||
		fail "echo connection not established"
	kill -USR1 "$STACKD_PID"
	wait_for 5 grep -q '^Counters:' "$STACKD_LOG" || fail "no stats after SIGUSR1"
	sleep 0.2
	out=$(block 1 "$STACKD_LOG")
	echo "$out"
	expect_match "$out" "$HDR" "header"
	expect_match "$out" '^tcp +LISTEN +0 +0 +0\.0\.0\.0:7 +0\.0\.0\.0:\* *$' "TCP listener row"
	expect_match "$out" '^tcp +ESTABLISHED +0 +0 +10\.0\.0\.2:7 +10\.0\.0\.1:[0-9]+ *$' \
		"connection row"
	expect_match "$out" '^udp +UNCONN +0 +0 +0\.0\.0\.0:7 +0\.0\.0\.0:\* *$' "UDP row"
	expect_match "$out" '^Counters:$' "counters heading"
	expect_eq "$(counter "$out" tcp.passive_opens)" 1 "tcp.passive_opens"
	expect_eq "$(counter "$out" tcp.connections_established)" 1 "tcp.connections_established"
	(($(counter "$out" ip.rx) >= 2)) || fail "ip.rx"
	kill -0 "$STACKD_PID" || fail "stackd died on SIGUSR1"
	ns_exec "$ns" ping -n -c 2 -i 0.2 -W 2 10.0.0.2 >/dev/null || fail "no ping after SIGUSR1"
	kill -USR1 "$STACKD_PID"
	wait_for 5 bash -c "[[ \$(grep -c '^Counters:' '$STACKD_LOG') == 2 ]]" ||
		fail "no stats after the second SIGUSR1"
	sleep 0.2
	(($(counter "$(block 2 "$STACKD_LOG")" icmp.echo_replies_sent) >= 2)) ||
		fail "icmp.echo_replies_sent did not count the pings"
	stackd_stop
	expect_eq "$(grep -c '^Counters:' "$STACKD_LOG")" 3 "tables after --stats at exit"
	expect_match "$(block 3 "$STACKD_LOG")" "$HDR" "header at exit"
}

# Our nc sends 2 MB to a kernel server that never reads: SIGUSR1 shows the bytes waiting in
# Send-Q of the ESTABLISHED row; nc carries on.
case_nc_sigusr1_send_q() {
	ns_up ns
	bg_start "$ns" "$T_TMP/srv.log" python3 -c '
import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
s.bind(("10.0.0.1", 5000))
s.listen(1)
c, _ = s.accept()
time.sleep(30)
'
	wait_for 5 bash -c "[[ -n \$(ip netns exec '$ns' ss -Htln 'sport = :5000') ]]" ||
		fail "kernel server not listening"
	head -c 2097152 /dev/urandom >"$T_TMP/big"
	ip netns exec "$ns" "$BIN/nc" 10.0.0.1 5000 <"$T_TMP/big" >/dev/null 2>"$T_TMP/nc.err" &
	pid=$!
	T_PID_LIST+=("$pid")
	sleep 1.5
	kill -USR1 "$pid"
	wait_for 5 grep -q '^Counters:' "$T_TMP/nc.err" || fail "no stats from nc: $(cat "$T_TMP/nc.err")"
	sleep 0.2
	out=$(block 1 "$T_TMP/nc.err")
	echo "$out"
	kill -0 "$pid" || fail "nc died on SIGUSR1"
	row=$(grep -E '^tcp +ESTABLISHED +0 +[0-9]+ +10\.0\.0\.2:[0-9]+ +10\.0\.0\.1:5000 *$' <<<"$out") ||
		fail "no ESTABLISHED row for the connection"
	sendq=$(awk '{ print $4 }' <<<"$row")
	((sendq > 0)) || fail "Send-Q is $sendq while the peer does not read"
	expect_eq "$(counter "$out" tcp.active_opens)" 1 "tcp.active_opens"
	proc_stop "$pid" TERM || true
	sanitizer_clean "$T_TMP/nc.err"
}

# nc --stats: after an active close and the linger the table at exit shows the TIME-WAIT
# connection, and the counters the one active open.
case_nc_stats_at_exit() {
	ns_up ns
	bg_start "$ns" "$T_TMP/srv.log" "$KNC" -l 10.0.0.1 5000
	wait_for 5 bash -c "[[ -n \$(ip netns exec '$ns' ss -Htln 'sport = :5000') ]]" ||
		fail "kernel server not listening"
	rc=0
	err=$(echo hello | ns_exec "$ns" "$BIN/nc" --stats --linger 1 10.0.0.1 5000 2>&1 >/dev/null) ||
		rc=$?
	echo "$err"
	sanitizer_clean <(echo "$err")
	expect_eq "$rc" 0 "nc exit status"
	expect_match "$err" "$HDR" "header"
	expect_match "$err" '^tcp +TIME-WAIT +0 +0 +10\.0\.0\.2:[0-9]+ +10\.0\.0\.1:5000 *$' \
		"TIME-WAIT row"
	expect_eq "$(counter "$err" tcp.active_opens)" 1 "tcp.active_opens"
	expect_eq "$(counter "$err" tcp.connections_established)" 1 "tcp.connections_established"
	(($(counter "$err" tcp.tx) >= 3)) || fail "tcp.tx"
}

t_case stackd_sigusr1_and_exit case_stackd_sigusr1_and_exit
t_case nc_sigusr1_send_q case_nc_sigusr1_send_q
t_case nc_stats_at_exit case_nc_stats_at_exit
t_done

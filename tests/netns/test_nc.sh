#!/usr/bin/env bash
# build/bin/nc against Linux kernel peers (OpenBSD nc, socat, python sockets) in a private
# namespace: every exit path of issue 5 item 1. Data both ways with half-close (RFC 9293
# 3.10.4: EOF on stdin sends FIN, nc reads on until the peer's FIN), listen modes, -k, -C,
# -z, -v, the error exits (refused, timeout, reset, host unreachable, NXDOMAIN, usage), UDP
# and ICMP port unreachable, TIME-WAIT linger re-ACKing a retransmitted FIN (RFC 9293
# 3.10.7.4), and ARP/ping answered while a session runs.
. "$(dirname "$0")/lib.sh"
t_require_root
t_require_cmd ip nc.openbsd socat python3 dnsmasq nft ping ss sha256sum

KNC=nc.openbsd # the kernel's peer: OpenBSD netcat as Debian ships it

# kernel_bg NAME SHELL-COMMAND: run a shell command in $ns in the background (stdout and
# stderr in $T_TMP/NAME.log); sets BG_PID.
kernel_bg() {
	bg_start "$ns" "$T_TMP/$1.log" bash -c "$2"
}

# nc_run IN ARGS...: our nc in $ns in the foreground, stdin from IN; stdout in the file
# $NC_OUT, stderr in the variable ERR, exit status in RC, wall time in MS (milliseconds).
nc_run() {
	local in=$1 start
	shift
	NC_OUT="$T_TMP/nc.$BASHPID.out"
	RC=0
	start=$(date +%s%N)
	ip netns exec "$ns" "$BIN/nc" "$@" <"$in" >"$NC_OUT" 2>"$T_TMP/nc.err" 7>&- || RC=$?
	MS=$((($(date +%s%N) - start) / 1000000))
	ERR=$(cat "$T_TMP/nc.err")
	echo "$ nc $* <$in -> exit $RC after ${MS} ms"
	echo "$ERR"
	sanitizer_clean "$T_TMP/nc.err"
}

# nc_bg NAME IN ARGS...: our nc in $ns in the background (stdout $T_TMP/NAME.out, stderr
# $T_TMP/NAME.err); sets NC_PID. Fd 7 (see hold_stdin) is closed in the child.
nc_bg() {
	local name=$1 in=$2
	shift 2
	ip netns exec "$ns" "$BIN/nc" "$@" <"$in" >"$T_TMP/$name.out" 2>"$T_TMP/$name.err" 7>&- &
	NC_PID=$!
	T_PID_LIST+=("$NC_PID")
	[[ -z "${NETNS_TMP:-}" ]] || echo "$NC_PID" >>"$NETNS_TMP/pids"
}

# nc_wait PID: wait for our nc to exit on its own (at most 15 s); RC is its exit status.
nc_wait() {
	local i
	for ((i = 0; i < 300; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$1" 2>/dev/null; then
		tail -n 30 "$T_TMP"/*.err >&2
		fail "nc (pid $1) did not exit"
	fi
	RC=0
	wait "$1" || RC=$?
}

# hold_stdin: a FIFO whose write end this shell keeps open on fd 7, so that nc's stdin stays
# open until release_stdin. The FIFO path is in FIFO.
hold_stdin() {
	FIFO="$T_TMP/stdin.$BASHPID.fifo"
	rm -f "$FIFO"
	mkfifo "$FIFO"
	exec 7<>"$FIFO"
}
release_stdin() {
	exec 7>&-
}

sha() { sha256sum <"$1" | cut -d' ' -f1; }

# random_file PATH BYTES
random_file() {
	head -c "$2" /dev/urandom >"$1"
}

# dns_up: dnsmasq on 10.0.0.1:53 (the stack's default --dns is the gateway 10.0.0.1):
# srv.example.test is the kernel, anything else under example.test is NXDOMAIN.
dns_up() {
	bg_start "$ns" "$T_TMP/dnsmasq.log" dnsmasq --keep-in-foreground --conf-file=/dev/null \
		--no-resolv --no-hosts --pid-file= --listen-address=10.0.0.1 --bind-interfaces \
		--port=53 --log-queries --log-facility=- --local=/example.test/ \
		--host-record=srv.example.test,10.0.0.1
	wait_for 10 grep -q 'started' "$T_TMP/dnsmasq.log" || fail "dnsmasq did not start"
}

# Client to a kernel server, 1 MB each way: our stdin goes out, then FIN (half-close) while
# the server is still sending; both byte streams arrive intact; nc exits 0.
case_client_half_close_1mb() {
	ns_up ns
	random_file "$T_TMP/up" 1048576
	random_file "$T_TMP/down" 1048576
	kernel_bg srv "exec $KNC -N -l 10.0.0.1 5000 <'$T_TMP/down' >'$T_TMP/srv.out'"
	wait_for 5 listening "$ns" 5000 || fail "kernel server not listening"
	nc_run "$T_TMP/up" 10.0.0.1 5000
	expect_eq "$RC" 0 "nc exit status"
	proc_stop "$BG_PID" || true
	expect_eq "$(sha "$NC_OUT")" "$(sha "$T_TMP/down")" "sha256 of what nc received"
	expect_eq "$(sha "$T_TMP/srv.out")" "$(sha "$T_TMP/up")" "sha256 of what the server received"
}

# Passive close: the server sends 100 kB and its FIN first. nc goes on sending stdin after
# that FIN (half-close both ways, as OpenBSD nc), and once stdin ends it answers with its own
# FIN and exits 0 as soon as that is ACKed (LAST-ACK -> CLOSED): no TIME-WAIT linger.
case_client_passive_close() {
	ns_up ns
	random_file "$T_TMP/down" 100000
	kernel_bg srv "exec $KNC -N -l 10.0.0.1 5000 <'$T_TMP/down' >'$T_TMP/srv.out'"
	wait_for 5 listening "$ns" 5000 || fail "kernel server not listening"
	hold_stdin
	nc_bg cli "$FIFO" --trace 10.0.0.1 5000
	wait_for 5 grep -q 'ESTABLISHED -> CLOSE-WAIT (rcvd FIN)' "$T_TMP/cli.err" ||
		fail "no FIN from the server: $(tail -n 5 "$T_TMP/cli.err")"
	echo "sent after your FIN" >&7
	wait_for 5 grep -q "sent after your FIN" "$T_TMP/srv.out" ||
		fail "data sent after the peer's FIN was lost"
	kill -0 "$NC_PID" 2>/dev/null || fail "nc exited while stdin was still open"
	start=$(date +%s%N)
	release_stdin
	nc_wait "$NC_PID"
	ms=$((($(date +%s%N) - start) / 1000000))
	err=$(cat "$T_TMP/cli.err")
	echo "$err" | grep -E '^tcp ' || true
	sanitizer_clean "$T_TMP/cli.err"
	expect_eq "$RC" 0 "nc exit status"
	expect_eq "$(sha "$T_TMP/cli.out")" "$(sha "$T_TMP/down")" "sha256 of what nc received"
	expect_match "$err" 'CLOSE-WAIT -> LAST-ACK \(user CLOSE\)' "our FIN"
	expect_match "$err" 'LAST-ACK -> CLOSED \(rcvd ACK of FIN\)' "the ACK of our FIN"
	expect_no_match "$err" 'TIME-WAIT' "TIME-WAIT after a passive close"
	((ms < 1000)) || fail "nc took $ms ms after stdin EOF, want no linger"
}

# listen_case ARGS...: our nc listens with ARGS; a kernel client sends 1 MB, half-closes and
# reads our 1 MB back.
listen_case() {
	ns_up ns
	random_file "$T_TMP/up" 1048576
	random_file "$T_TMP/down" 1048576
	nc_bg lsn "$T_TMP/down" --trace -v "$@"
	wait_for 5 grep -q '^Listening on 0.0.0.0 5000$' "$T_TMP/lsn.err" ||
		fail "nc not listening: $(cat "$T_TMP/lsn.err")"
	ns_exec "$ns" timeout 20 "$KNC" -N 10.0.0.2 5000 <"$T_TMP/up" >"$T_TMP/cli.out" ||
		fail "kernel client failed"
	nc_wait "$NC_PID" || true
	grep -E '^tcp |^Listening|^Connection' "$T_TMP/lsn.err" || true
	sanitizer_clean "$T_TMP/lsn.err"
	expect_eq "$RC" 0 "nc exit status"
	expect_match "$(cat "$T_TMP/lsn.err")" '^Connection received on 10\.0\.0\.1 [0-9]+$' "-v"
	expect_eq "$(sha "$T_TMP/lsn.out")" "$(sha "$T_TMP/up")" "sha256 of what nc received"
	expect_eq "$(sha "$T_TMP/cli.out")" "$(sha "$T_TMP/down")" "sha256 of what the client got"
}

case_listen_l_port() {
	listen_case -l 5000
}

case_listen_l_p_port() {
	listen_case -l -p 5000
}

# -k: after a connection ends nc accepts the next one; three clients in turn.
case_listen_k_keeps_accepting() {
	ns_up ns
	nc_bg lsn /dev/null -v -k -l 5000
	wait_for 5 grep -q '^Listening on' "$T_TMP/lsn.err" || fail "nc not listening"
	for word in one two three; do
		echo "$word" | ns_exec "$ns" timeout 10 "$KNC" -N 10.0.0.2 5000 ||
			fail "client '$word' failed"
		wait_for 5 grep -qx "$word" "$T_TMP/lsn.out" || fail "nc did not print '$word'"
	done
	kill -0 "$NC_PID" 2>/dev/null || fail "nc -k exited after the connections"
	expect_eq "$(cat "$T_TMP/lsn.out")" $'one\ntwo\nthree' "nc output"
	expect_eq "$(grep -c '^Connection received on' "$T_TMP/lsn.err")" 3 "connections"
	proc_stop "$NC_PID" TERM || true
	sanitizer_clean "$T_TMP/lsn.err"
}

# -C: every line ending the server sees is CRLF.
case_crlf() {
	ns_up ns
	kernel_bg srv "exec $KNC -l 10.0.0.1 5000 >'$T_TMP/srv.out'"
	wait_for 5 listening "$ns" 5000 || fail "kernel server not listening"
	printf 'GET / HTTP/1.1\nHost: x\n\n' >"$T_TMP/in"
	nc_run "$T_TMP/in" -C 10.0.0.1 5000
	expect_eq "$RC" 0 "nc exit status"
	wait_for 5 bash -c "! kill -0 $BG_PID 2>/dev/null" || true
	expect_eq "$(od -An -c "$T_TMP/srv.out" | tr -s ' ')" \
		"$(printf 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' | od -An -c | tr -s ' ')" "bytes seen"
}

# -z: an open port exits 0 (and sends no data), a closed one exits 1.
case_zero_scan() {
	ns_up ns
	kernel_bg srv "exec $KNC -l 10.0.0.1 5000 >'$T_TMP/srv.out'"
	wait_for 5 listening "$ns" 5000 || fail "kernel server not listening"
	echo "data that -z must not send" >"$T_TMP/in"
	nc_run "$T_TMP/in" -z -v 10.0.0.1 5000
	expect_eq "$RC" 0 "exit status for an open port"
	expect_eq "$ERR" "Connection to 10.0.0.1 5000 port [tcp/*] succeeded!" "-v message"
	nc_run "$T_TMP/in" -z 10.0.0.1 5001
	expect_eq "$RC" 1 "exit status for a closed port"
	expect_eq "$ERR" "nc: connect to 10.0.0.1 port 5001 (tcp) failed: Connection refused" \
		"message for a closed port"
	wait_for 5 bash -c "! kill -0 $BG_PID 2>/dev/null" || true
	expect_eq "$(wc -c <"$T_TMP/srv.out")" 0 "bytes the server got from -z"
}

# -v with a name resolved through dnsmasq and a well-known port: OpenBSD nc's wording with
# the service name from /etc/services.
case_verbose_name_and_service() {
	ns_up ns
	dns_up
	kernel_bg srv "exec $KNC -l 10.0.0.1 80 >/dev/null"
	wait_for 5 listening "$ns" 80 || fail "kernel server not listening"
	nc_run /dev/null -v srv.example.test 80
	expect_eq "$RC" 0 "nc exit status"
	expect_eq "$ERR" "Connection to srv.example.test 80 port [tcp/http] succeeded!" "-v message"
}

case_connection_refused() {
	ns_up ns
	nc_run /dev/null 10.0.0.1 5001
	expect_eq "$RC" 1 "exit status"
	expect_eq "$ERR" "nc: connect to 10.0.0.1 port 5001 (tcp) failed: Connection refused" \
		"message"
}

# 192.0.2.1 goes via the gateway 10.0.0.1, which does not forward: the SYN vanishes. -w 2
# gives up after two seconds.
case_timeout_silent_address() {
	ns_up ns
	nc_run /dev/null -w 2 192.0.2.1 5000
	expect_eq "$RC" 1 "exit status"
	expect_eq "$ERR" "nc: connect to 192.0.2.1 port 5000 (tcp) failed: Connection timed out" \
		"message"
	((MS >= 1900 && MS < 4000)) || fail "gave up after $MS ms, want about 2 s"
}

# The server aborts the connection (SO_LINGER 0: RST) while nc still has stdin open.
case_reset_by_peer() {
	ns_up ns
	kernel_bg srv "exec python3 -c '
import socket, struct
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((\"10.0.0.1\", 5000))
s.listen(1)
c, _ = s.accept()
c.recv(100)
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack(\"ii\", 1, 0))
c.close()
'"
	wait_for 5 listening "$ns" 5000 || fail "kernel server not listening"
	hold_stdin
	echo hello >&7
	nc_run "$FIFO" 10.0.0.1 5000
	release_stdin
	expect_eq "$RC" 1 "exit status"
	expect_match "$ERR" '^nc: .*Connection reset by peer$' "message"
	((MS < 3000)) || fail "took $MS ms to notice the reset"
}

# Nobody answers ARP for 10.0.0.77: after the ARP retries (RFC 1122 2.3.2.2) the connect
# fails with "No route to host" (as Linux's nc says), exit 1, well before -w.
# KNOWN FAILING: /work/briefs/tcp-findings.md "apps5 #1" (the local host-unreachable stays a
# soft error in SYN-SENT, so the connect only ends at -w / R2 with "timed out").
case_host_unreachable() {
	ns_up ns
	nc_run /dev/null -w 8 10.0.0.77 5000
	expect_eq "$RC" 1 "exit status"
	expect_eq "$ERR" "nc: connect to 10.0.0.77 port 5000 (tcp) failed: No route to host" \
		"message"
	((MS < 7000)) || fail "took $MS ms, want the ARP give-up (about 3 s)"
}

case_name_not_found() {
	ns_up ns
	dns_up
	nc_run /dev/null nothere.example.test 80
	expect_eq "$RC" 1 "exit status"
	expect_eq "$ERR" \
		'nc: getaddrinfo for host "nothere.example.test": Name or service not known' "message"
}

# usage_check WHY ARGS...: exit 2, the reason and the usage text on stderr, nothing on stdout.
usage_check() {
	local why=$1
	shift
	nc_run /dev/null "$@"
	expect_eq "$RC" 2 "exit status for '$*'"
	expect_match "$ERR" "^nc: $why" "reason for '$*'"
	expect_match "$ERR" '^usage: nc ' "usage text for '$*'"
	expect_eq "$(wc -c <"$NC_OUT")" 0 "stdout for '$*'"
}

case_bad_usage() {
	ns_up ns
	usage_check 'expected HOST and PORT'
	usage_check 'expected HOST and PORT' 10.0.0.1
	usage_check 'listen mode needs a PORT' -l
	usage_check "bad PORT '70000'" 10.0.0.1 70000
	usage_check "unknown option" -x 10.0.0.1 5000
	usage_check "bad value 'nope' for -w" -w nope 10.0.0.1 5000
	usage_check "bad value '-1' for --linger" --linger -1 10.0.0.1 5000
	usage_check "-n given but 'srv.example.test'" -n srv.example.test 5000
	nc_run /dev/null -h
	expect_eq "$RC" 0 "exit status for -h"
	expect_match "$(cat "$NC_OUT")" '^usage: nc ' "-h prints usage on stdout"
}

# -u: a datagram to socat's echo comes back; nc prints it.
case_udp_exchange() {
	ns_up ns
	kernel_bg srv "exec socat -v UDP4-LISTEN:5000,bind=10.0.0.1 PIPE"
	wait_for 5 listening "$ns" 5000 udp || fail "socat not bound"
	hold_stdin
	echo "hello over udp" >&7
	nc_bg cli "$FIFO" -u 10.0.0.1 5000
	wait_for 5 grep -qx "hello over udp" "$T_TMP/cli.out" ||
		fail "no echo: $(cat "$T_TMP/cli.out" "$T_TMP/cli.err" "$T_TMP/srv.log")"
	echo "second" >&7
	wait_for 5 grep -qx "second" "$T_TMP/cli.out" || fail "no second echo"
	release_stdin
	nc_wait "$NC_PID"
	cat "$T_TMP/cli.err"
	sanitizer_clean "$T_TMP/cli.err"
	expect_eq "$RC" 0 "nc exit status"
	expect_match "$(cat "$T_TMP/srv.log")" 'hello over udp' "what socat got"
}

# -u to a port nobody listens on: the kernel's ICMP port unreachable (RFC 1122 4.1.3.3) is
# reported as "Connection refused", exit 1.
case_udp_port_unreachable() {
	ns_up ns
	hold_stdin
	echo "anyone?" >&7
	nc_run "$FIFO" -u 10.0.0.1 5009
	release_stdin
	expect_eq "$RC" 1 "exit status"
	expect_match "$ERR" '^nc: .*Connection refused$' "message"
	((MS < 3000)) || fail "took $MS ms"
}

# Active close, then the kernel's FIN is retransmitted because our ACK of it is dropped (an
# nft rule in the namespace): nc, lingering in TIME-WAIT, ACKs every copy (RFC 9293
# 3.10.7.4 TIME-WAIT "FIN bit": acknowledge it and restart the 2MSL timeout), never RST.
case_linger_reacks_retransmitted_fin() {
	ns_up ns
	kernel_bg srv "exec python3 -c '
import socket, subprocess, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((\"10.0.0.1\", 5000))
s.listen(1)
c, _ = s.accept()
got = b\"\"
while True:
    b = c.recv(65536)
    if not b:
        break
    got += b
c.sendall(b\"reply after your FIN: \" + got)
time.sleep(0.5)
subprocess.run([\"nft\", \"-f\", \"-\"], check=True, input=b\"\"\"
table ip apps5_drop {
  chain input {
    type filter hook input priority 0; policy accept;
    ip saddr 10.0.0.2 tcp dport 5000 drop
  }
}
\"\"\")
c.close()
time.sleep(5)
'"
	wait_for 5 listening "$ns" 5000 || fail "kernel server not listening"
	echo "request" >"$T_TMP/in"
	nc_run "$T_TMP/in" --trace 10.0.0.1 5000
	expect_eq "$RC" 0 "nc exit status"
	expect_eq "$(cat "$NC_OUT")" "reply after your FIN: request" "data received while half-closed"
	expect_match "$ERR" 'ESTABLISHED -> FIN-WAIT-1 \(user CLOSE\)' "active close"
	expect_match "$ERR" '-> TIME-WAIT' "TIME-WAIT"
	fin_re='^10\.0\.0\.1 -> 10\.0\.0\.2 TCP [0-9]+ 5000 -> [0-9]+ \[FIN, ACK\]'
	fins=$(grep -cE "$fin_re" <<<"$ERR" || true)
	first=$(grep -nE "$fin_re" <<<"$ERR" | head -n 1 | cut -d: -f1)
	acks=$(tail -n +"${first:-1}" <<<"$ERR" |
		grep -cE '^10\.0\.0\.2 -> 10\.0\.0\.1 TCP [0-9]+ [0-9]+ -> 5000 \[ACK\]' || true)
	echo "FINs received: $fins, ACKs sent from the first FIN on: $acks"
	((fins >= 2)) || fail "the FIN was not retransmitted ($fins copies)"
	((acks >= fins)) || fail "only $acks ACKs for $fins FINs"
	expect_no_match "$ERR" '^10\.0\.0\.2 -> 10\.0\.0\.1 TCP .*\[RST' "RST from nc"
	((MS >= 2000)) || fail "nc exited after $MS ms, before the 2 s linger"
}

# While a session is open the stack answers ARP (neighbour entry flushed first) and ping.
case_answers_ping_during_session() {
	ns_up ns
	kernel_bg srv "exec $KNC -l 10.0.0.1 5000 >'$T_TMP/srv.out'"
	wait_for 5 listening "$ns" 5000 || fail "kernel server not listening"
	hold_stdin
	nc_bg cli "$FIFO" 10.0.0.1 5000
	echo "before ping" >&7
	wait_for 5 grep -q "before ping" "$T_TMP/srv.out" || fail "session not up"
	ns_exec "$ns" ip neigh flush dev tap0
	out=$(ns_exec "$ns" ping -n -c 3 -i 0.2 -W 2 10.0.0.2) || fail "no ping replies: $out"
	echo "$out"
	expect_match "$out" '^3 packets transmitted, 3 received' "ping summary"
	echo "after ping" >&7
	release_stdin
	nc_wait "$NC_PID"
	cat "$T_TMP/cli.err"
	sanitizer_clean "$T_TMP/cli.err"
	expect_eq "$RC" 0 "nc exit status"
	expect_eq "$(cat "$T_TMP/srv.out")" $'before ping\nafter ping' "server got"
}

t_case client_half_close_1mb case_client_half_close_1mb
t_case client_passive_close case_client_passive_close
t_case listen_l_port case_listen_l_port
t_case listen_l_p_port case_listen_l_p_port
t_case listen_k_keeps_accepting case_listen_k_keeps_accepting
t_case crlf case_crlf
t_case zero_scan case_zero_scan
t_case verbose_name_and_service case_verbose_name_and_service
t_case connection_refused case_connection_refused
t_case timeout_silent_address case_timeout_silent_address
t_case reset_by_peer case_reset_by_peer
t_case host_unreachable case_host_unreachable
t_case name_not_found case_name_not_found
t_case bad_usage case_bad_usage
t_case udp_exchange case_udp_exchange
t_case udp_port_unreachable case_udp_port_unreachable
t_case linger_reacks_retransmitted_fin case_linger_reacks_retransmitted_fin
t_case answers_ping_during_session case_answers_ping_during_session
t_done

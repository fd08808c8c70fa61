#!/usr/bin/env bash
# Step through TCP in gdb (issue 5 item 5): a -O0 -g3 build of nc runs under gdb in batch
# mode with tools/gdb/tcp.gdb against a kernel server in a namespace. The breakpoint on
# tcp_set_state (the one door for state changes) must print the RFC 9293 3.3.2 sequence of
# an active open and active close, each with its cause and the segment behind it, and the
# pretty-printers must show the TCB, the segment and addresses.
. "$(dirname "$0")/lib.sh"
t_require_root
t_require_cmd ip gdb python3 make

# A kernel server that reads until our FIN, waits so that its ACK of our FIN goes out on
# its own (FIN-WAIT-1 -> FIN-WAIT-2), then closes (FIN-WAIT-2 -> TIME-WAIT).
SERVER='
import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.0.0.1", 5000))
s.listen(1)
c, _ = s.accept()
while c.recv(65536):
    pass
time.sleep(0.3)
c.close()
'

# debug_nc: build nc at -O0 -g3 (make MODE=debug, the flags of `make debug`) into this
# run's own build directory; the path goes into DBG_NC.
debug_nc() {
	local dir="$T_TMP/dbg"
	make -s -j"$(nproc)" BUILD="$dir" MODE=debug "$dir/bin/nc" >"$T_TMP/make.log" 2>&1 ||
		fail "debug build failed: $(tail -n 20 "$T_TMP/make.log")"
	DBG_NC="$dir/bin/nc"
}

server_up() {
	ns_up ns
	bg_start "$ns" "$T_TMP/srv.log" python3 -c "$SERVER"
	wait_for 5 bash -c "[[ -n \$(ip netns exec '$ns' ss -Htln 'sport = :5000') ]]" ||
		fail "kernel server not listening"
	echo "hello from gdb" >"$T_TMP/in"
}

# run_gdb ARGS...: gdb in batch mode in $ns with tcp.gdb loaded; output in OUT.
run_gdb() {
	RC=0
	OUT=$(ns_exec "$ns" timeout 60 gdb -batch -nx -x tools/gdb/tcp.gdb "$@" 2>&1) || RC=$?
	echo "$OUT"
	expect_eq "$RC" 0 "gdb exit status"
}

case_gdb_transitions() {
	debug_nc
	server_up
	run_gdb -ex "run --linger 1 10.0.0.1 5000 <$T_TMP/in" --args "$DBG_NC"
	expect_match "$OUT" '^\[Inferior 1 \(process [0-9]+\) exited normally\]$' "nc exit"
	seq=$(grep -oE ': [A-Z0-9-]+ -> [A-Z0-9-]+ \(' <<<"$OUT" | sed -E 's/^: //; s/ \($//' |
		paste -sd '|')
	expect_eq "$seq" "CLOSED -> SYN-SENT|SYN-SENT -> ESTABLISHED|ESTABLISHED -> FIN-WAIT-1|FIN-WAIT-1 -> FIN-WAIT-2|FIN-WAIT-2 -> TIME-WAIT" \
		"transitions"
	ep='10\.0\.0\.2:[0-9]+ > 10\.0\.0\.1:5000'
	expect_match "$OUT" "^tcp #1 $ep: CLOSED -> SYN-SENT \\(user OPEN\\)$" "open"
	expect_match "$OUT" "^tcp #1 $ep: SYN-SENT -> ESTABLISHED \\(rcvd SYN,ACK\\)$" "established"
	expect_match "$OUT" "^tcp #1 $ep: ESTABLISHED -> FIN-WAIT-1 \\(user CLOSE\\)$" "close"
	expect_match "$OUT" "^tcp #1 $ep: FIN-WAIT-1 -> FIN-WAIT-2 \\(rcvd ACK of FIN\\)$" "ACK of FIN"
	expect_match "$OUT" "^tcp #1 $ep: FIN-WAIT-2 -> TIME-WAIT \\(rcvd FIN\\)$" "FIN"
	# The segment that caused each received-segment transition, Wireshark-like.
	segs=$(grep -A1 -E '\((rcvd SYN,ACK|rcvd ACK of FIN|rcvd FIN)\)$' <<<"$OUT" | grep -c '^    segment: ')
	expect_eq "$segs" 3 "segment lines"
	expect_match "$OUT" \
		'^    segment: 10\.0\.0\.1:5000 > 10\.0\.0\.2:[0-9]+ \[SYN,ACK\] seq=[0-9]+ ack=[0-9]+ win=[0-9]+ len=0 MSS=1460 .*SACK_PERM' \
		"SYN,ACK segment"
	expect_match "$(grep -A1 'TIME-WAIT (rcvd FIN)' <<<"$OUT")" '\[FIN,ACK\]' "FIN segment"
	# User calls have no segment.
	expect_eq "$(grep -A1 '(user OPEN)' <<<"$OUT" | grep -c 'segment:' || true)" 0 "segment after OPEN"
}

# tcp-stop on: stop at the SYN-SENT -> ESTABLISHED change and print the TCB, the SYN,ACK and
# an address with the printers.
case_gdb_printers() {
	debug_nc
	server_up
	run_gdb -ex 'set tcp-stop on' -ex "run --linger 0 10.0.0.1 5000 <$T_TMP/in" \
		-ex 'p *t' -ex continue -ex 'p *t' -ex 'frame function tcp_in_synsent' -ex 'p *g' \
		-ex 'ipv4 t->raddr' -ex 'p main::n.peer' -ex 'set tcp-stop off' -ex continue \
		--args "$DBG_NC"
	tcb='tcb #1 %s 10\.0\.0\.2:[0-9]+ > 10\.0\.0\.1:5000 SND\.UNA=[0-9]+ SND\.NXT=[0-9]+ SND\.WND=[0-9]+ RCV\.NXT=[0-9]+ RCV\.WND=[0-9]+ RTO=[0-9]+ms cwnd=[0-9]+'
	# shellcheck disable=SC2059
	expect_match "$OUT" "^\\\$1 = $(printf "$tcb" CLOSED)" "TCB before the SYN"
	# shellcheck disable=SC2059
	expect_match "$OUT" "^\\\$2 = $(printf "$tcb" SYN-SENT)" "TCB in SYN-SENT"
	expect_match "$OUT" \
		'^\$3 = 10\.0\.0\.1:5000 > 10\.0\.0\.2:[0-9]+ \[SYN,ACK\] seq=[0-9]+ ack=[0-9]+ win=[0-9]+ len=0 MSS=1460' \
		"segment"
	expect_match "$OUT" '^10\.0\.0\.1$' "ipv4 command"
	expect_match "$OUT" '^\$4 = 10\.0\.0\.1:5000$' "sock_addr"
	# The SYN,ACK acknowledges our SYN: its ack is SND.NXT of the TCB printed in SYN-SENT.
	snd_nxt=$(grep -oE '^\$2 = .* SND\.NXT=[0-9]+' <<<"$OUT" | grep -oE '[0-9]+$')
	ack=$(grep -oE '^\$3 = .* ack=[0-9]+' <<<"$OUT" | grep -oE '[0-9]+$')
	expect_eq "$ack" "$snd_nxt" "SYN,ACK ack vs SND.NXT"
	expect_match "$OUT" '^\[Inferior 1 \(process [0-9]+\) exited normally\]$' "nc exit"
}

t_case gdb_transitions case_gdb_transitions
t_case gdb_printers case_gdb_printers
t_done

#!/usr/bin/env bash
# make demo's script (tools/demo.sh): the seed's session against the pretend internet. It must
# finish under 30 s, print the DNS lines, the handshake with MSS/WS/TS/SACK_PERM, the state
# transitions, "HTTP/1.1 200 OK" and the ladder, write a pcap tshark reads as the same
# exchange, and leave no namespace or process behind, also when interrupted.
. "$(dirname "$0")/lib.sh"
t_require_root
t_require_cmd ip dnsmasq python3 tshark nft

demo_leftovers() {
	ip netns list | grep -E '^demo-(home|inet)-' || true
}

case_demo_runs_the_seed_session() {
	local out rc=0 start end pcap=$T_TMP/demo.$BASHPID.pcap
	start=$(date +%s%N)
	out=$(BIN=$BIN PCAP=$pcap "$T_ROOT/tools/demo.sh" 2>&1) || rc=$?
	end=$(date +%s%N)
	echo "$out"
	expect_eq "$rc" 0 "demo exit status"
	expect_eq "$(((end - start) / 1000000000 < 30))" 1 "finished under 30 s"
	expect_match "$out" 'DNS 70 Standard query 0x[0-9a-f]{4} A google\.com$' "DNS query line"
	expect_match "$out" 'DNS 86 Standard query response 0x[0-9a-f]{4} A google\.com A 192\.0\.2\.10' \
		"DNS answer line"
	expect_match "$out" '-> 80 \[SYN\] Seq=0 Win=65535 Len=0 MSS=1460 WS=[0-9]+ TSval=[0-9]+ TSecr=0 SACK_PERM' \
		"our SYN with the seed's options"
	expect_match "$out" '80 -> [0-9]+ \[SYN, ACK\] Seq=0 Ack=1 ' "SYN,ACK"
	expect_match "$out" 'SYN-SENT -> ESTABLISHED \(rcvd SYN,ACK\)' "transition to ESTABLISHED"
	expect_match "$out" 'TIME-WAIT|CLOSED' "closing transitions"
	expect_match "$out" '^  HTTP/1\.1 200 OK' "HTTP status line"
	expect_match "$out" '\|-- \[SYN\] Seq=0 Len=0 -+>\|' "ladder: SYN arrow"
	expect_match "$out" '\|<- \[SYN,ACK\] Seq=0 Ack=1 Len=0 -+\|' "ladder: SYN,ACK arrow"
	sanitizer_clean <(echo "$out")
	[ -s "$pcap" ] || fail "no pcap written"
	expect_match "$(tshark -r "$pcap" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' \
		-T fields -e tcp.options.mss_val -e tcp.options.wscale.shift -e tcp.options.sack_perm \
		-e tcp.options.timestamp.tsval 2>/dev/null)" '^1460	[0-9]+	[^	]+	[0-9]+$' \
		"tshark sees MSS, WS, SACK_PERM and TS in our SYN"
	expect_match "$(tshark -r "$pcap" -Y http.response 2>/dev/null)" 'HTTP/1\.1 200 OK' \
		"tshark sees the response"
	expect_eq "$(demo_leftovers)" "" "namespaces left behind"
}

# Ctrl-C while the world is up: everything created is removed again.
case_demo_interrupted_cleans_up() {
	local pid
	BIN=$BIN PCAP=$T_TMP/demo-int.pcap setsid "$T_ROOT/tools/demo.sh" >"$T_TMP/demo-int.log" 2>&1 &
	pid=$!
	wait_for 10 bash -c 'ip netns list | grep -q "^demo-inet-"' || fail "demo did not start"
	kill -INT -- "-$pid" 2>/dev/null || kill -INT "$pid"
	wait "$pid" 2>/dev/null || true
	expect_eq "$(demo_leftovers)" "" "namespaces left behind after Ctrl-C"
}

t_case demo_runs_the_seed_session case_demo_runs_the_seed_session
t_case demo_interrupted_cleans_up case_demo_interrupted_cleans_up
t_done

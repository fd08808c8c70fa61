#!/usr/bin/env bash
# Attacks against stackd on a TAP (issue 6 item 4), the Linux kernel as the legitimate peer and
# hping3 / tests/netns/attack.py (scapy) as the attacker on the host side of the TAP: a spoofed
# SYN flood (RFC 4987), blind RST/SYN/data injection (RFC 5961 3-5), ping of death, teardrop
# and fragment floods (RFC 791 reassembly), LAND (RFC 1122 3.2.1.3) and ARP spoofing (RFC 826).
# The sim-level versions are tests/sim/test_attack*.c; docs/ROBUSTNESS.md lists the bounds.
. "$(dirname "$0")/lib.sh"
t_require_root
t_require_cmd ip ping curl hping3 sha256sum python3 ss

# scapy is Debian's python3-scapy: run the attacker with the system interpreter.
ATK_PY=/usr/bin/python3
ATK=(tests/netns/attack.py)
if ! "$ATK_PY" -c 'import scapy' 2>/dev/null; then
	t_result SKIP all "(needs python3-scapy: run tools/deps.sh)"
	exit 0
fi
STACK_MAC=02:00:00:00:00:02
RSS_GROW_MAX_KB=20480 # stackd's VmRSS may grow by at most 20 MB during an attack
# ASan keeps freed blocks in a quarantine (256 MB by default) instead of reusing them; that is
# not the stack's memory, so a small quarantine lets VmRSS show what the stack really holds.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=99}:quarantine_size_mb=1"

# atk_up ARGS...: namespace, tap0, stackd with a fixed MAC, --stats and ARGS.
atk_up() {
	ns_up ns
	stackd_start "$ns" --mac "$STACK_MAC" --stats "$@"
	ns_exec "$ns" ping -n -c 1 -W 2 10.0.0.2 >/dev/null || fail "stackd does not answer ping"
}

rss_kb() {
	awk '$1 == "VmRSS:" { print $2 }' "/proc/$STACKD_PID/status"
}

# counter NAME: its value in the last counter block of the stackd log (0 when not printed:
# only counters that are not zero are).
counter() {
	awk -v name="$1" '/^Counters:/ { delete c } $1 == name { c[name] = $2 }
		END { print c[name] + 0 }' "$STACKD_LOG"
}

# stackd_stats: SIGUSR1, wait for the new counter block.
stackd_stats() {
	local n
	n=$(grep -c '^Counters:' "$STACKD_LOG" || true)
	kill -USR1 "$STACKD_PID"
	wait_for 5 bash -c "(( \$(grep -c '^Counters:' '$STACKD_LOG') > $n ))" || fail "no stats"
	sleep 0.2
}


# echo_start KB SECS: the echo client in the background (log $T_TMP/echo.$BASHPID); waits for
# its connection and sets ECHO_PID and ECHO_PORT (the kernel's port, from ss).
echo_start() {
	ECHO_LOG=$T_TMP/echo.$BASHPID
	bg_start "$ns" "$ECHO_LOG" python3 "$T_ROOT/tests/netns/echo_client.py" "$1" "$2"
	ECHO_PID=$BG_PID
	wait_for 5 bash -c "[[ -n \$(ip netns exec '$ns' ss -Htn state established dst 10.0.0.2:7) ]]" ||
		fail "echo connection not established"
	ECHO_PORT=$(ip netns exec "$ns" ss -Htn state established dst 10.0.0.2:7 |
		awk '{ n = split($3, a, ":"); print a[n]; exit }')
	[[ $ECHO_PORT =~ ^[0-9]+$ ]] || fail "no local port from ss"
	echo "echo client on port $ECHO_PORT"
}

# echo_check: the client ended well and the echo is exactly what it sent.
echo_check() {
	local rc=0 sent got
	wait "$ECHO_PID" || rc=$?
	cat "$ECHO_LOG"
	expect_eq "$rc" 0 "echo client exit status"
	sent=$(awk '$1 == "sent" { print $2, $3 }' "$ECHO_LOG")
	got=$(awk '$1 == "echo" { print $2, $3 }' "$ECHO_LOG")
	[[ -n $sent ]] || fail "echo client printed nothing"
	expect_eq "$got" "$sent" "echoed sha256 and length"
}

# RFC 4987: ~10,000 SYNs/s from random spoofed sources to port 80 for 5 s (their SYN,ACKs go
# to the gateway, the kernel, which drops them) while curl fetches a page 5 times: every fetch
# succeeds, the bounded SYN queue evicts (or drops) and VmRSS stays bounded.
case_syn_flood_curl_still_served() {
	local www rss0 rss rss_max i rc
	www=$T_TMP/www.$BASHPID
	mkdir -p "$www"
	T_RM_LIST+=("$www")
	head -c 20000 /dev/urandom >"$www/page.bin"
	atk_up --http "$www"
	ns_exec "$ns" curl -sS --max-time 5 -o /dev/null http://10.0.0.2/page.bin
	rss0=$(rss_kb)
	rss_max=$rss0
	bg_start "$ns" "$T_TMP/hping.log" hping3 -q -S -p 80 --rand-source -i u100 -c 60000 10.0.0.2
	sleep 0.5
	for i in 1 2 3 4 5; do
		rc=0
		ns_exec "$ns" curl -sS --max-time 10 -o "$T_TMP/page.$i" \
			-w "fetch $i: %{http_code} in %{time_total} s\n" http://10.0.0.2/page.bin || rc=$?
		expect_eq "$rc" 0 "curl exit status of fetch $i during the flood"
		cmp "$T_TMP/page.$i" "$www/page.bin" || fail "fetch $i: body differs"
		rss=$(rss_kb)
		((rss > rss_max)) && rss_max=$rss
		sleep 0.8
	done
	kill -0 "$BG_PID" 2>/dev/null || fail "the flood ended before the fetches did"
	proc_stop "$BG_PID" INT || true
	cat "$T_TMP/hping.log"
	rss=$(rss_kb)
	((rss > rss_max)) && rss_max=$rss
	echo "VmRSS before ${rss0} kB, peak ${rss_max} kB"
	((rss_max - rss0 < RSS_GROW_MAX_KB)) ||
		fail "VmRSS grew by $((rss_max - rss0)) kB under the flood"
	stackd_stats
	echo "tcp.rx $(counter tcp.rx) evictions $(counter tcp.syn_queue_evictions)" \
		"syn queue full $(counter tcp.drop_syn_queue_full)"
	(($(counter tcp.rx) >= 10000)) || fail "fewer than 10,000 segments reached stackd"
	(($(counter tcp.syn_queue_evictions) + $(counter tcp.drop_syn_queue_full) >= 1000)) ||
		fail "the SYN queue bound was not hit and counted"
	ns_exec "$ns" curl -sS --max-time 5 -o /dev/null http://10.0.0.2/page.bin ||
		fail "no page after the flood"
	stackd_stop
}

# RFC 5961 3.2, 4.2, 5.2: during a 5 MB echo, forged RSTs (in the window, not exact), RST+ACKs,
# SYNs and data with an unacceptable ACK or an old sequence number on the kernel's 4-tuple:
# the transfer completes intact and stackd sent challenge ACKs.
case_blind_injection_transfer_intact() {
	local out rounds
	atk_up --echo 7
	echo_start 5120 4
	out=$(ns_exec "$ns" "$ATK_PY" "${ATK[@]}" inject tap0 "$STACK_MAC" "$ECHO_PORT" 7 15)
	echo "$out"
	echo_check
	rounds=$(sed -n 's/.*rounds=\([0-9]*\).*/\1/p' <<<"$out")
	((rounds >= 20)) || fail "only ${rounds:-0} injection rounds during the transfer"
	stackd_stop
	echo "challenge ACKs $(counter tcp.challenge_acks_sent)," \
		"rate limited $(counter tcp.challenge_acks_rate_limited)," \
		"unacceptable $(counter tcp.drop_unacceptable_seq)," \
		"RSTs in the window $(counter tcp.resets_received)"
	(($(counter tcp.challenge_acks_sent) >= 5)) || fail "too few challenge ACKs"
	# The forged RSTs got past the window check (counted) yet reset nothing (echo_check).
	(($(counter tcp.resets_received) >= 10)) || fail "too few in-window RSTs reached the TCB"
}

# RFC 791 reassembly: ping of death (> 65535 bytes), teardrop (overlaps) and 5,000 first
# fragments that never complete: stackd stays up, answers ping (also a fragmented one),
# counts the drops, and VmRSS stays bounded.
case_fragment_attacks_rejected_bounded() {
	local out rss0 rss
	atk_up --echo 7
	rss0=$(rss_kb)
	out=$(ns_exec "$ns" "$ATK_PY" "${ATK[@]}" frag tap0 "$STACK_MAC" 5000)
	echo "$out"
	rss=$(rss_kb)
	echo "VmRSS before ${rss0} kB, after ${rss} kB"
	((rss - rss0 < RSS_GROW_MAX_KB)) || fail "VmRSS grew by $((rss - rss0)) kB"
	kill -0 "$STACKD_PID" || fail "stackd died"
	out=$(ns_exec "$ns" ping -n -c 3 -i 0.2 -W 2 10.0.0.2) || fail "no ping after the attacks: $out"
	out=$(ns_exec "$ns" ping -n -c 3 -i 0.2 -W 2 -s 4000 10.0.0.2) ||
		fail "no fragmented ping after the attacks: $out"
	stackd_stop
	echo "over 65535 $(counter ip.drop_fragment_over_65535)," \
		"overlap $(counter ip.drop_fragment_overlap)," \
		"malformed $(counter ip.drop_fragment_malformed)," \
		"memory bound $(counter ip.drop_fragment_memory_bound)"
	(($(counter ip.drop_fragment_over_65535) >= 1)) || fail "ping of death not counted"
	# Teardrops: two overlaps; the classic one (a last fragment inside the first) may also
	# count as inconsistent (it ends before data already held).
	(($(counter ip.drop_fragment_overlap) >= 2)) || fail "teardrops not counted as overlaps"
	(($(counter ip.drop_fragment_overlap) + $(counter ip.drop_fragment_malformed) >= 3)) ||
		fail "a teardrop was not counted"
	expect_eq "$(counter ip.datagrams_reassembled)" 3 "ip.datagrams_reassembled (the 3 large pings)"
	(($(counter ip.drop_fragment_memory_bound) >= 1000)) || fail "fragment flood not bounded"
	expect_eq "$(counter icmp.echo_replies_sent)" 7 "icmp.echo_replies_sent (1 + 3 + 3 pings)"
}

# LAND: 100 SYNs 10.0.0.2:80 -> 10.0.0.2:80 to a listening stackd: all dropped as a bad
# source (RFC 1122 3.2.1.3), no connection, nothing sent.
case_land_ignored() {
	local www out
	www=$T_TMP/www.$BASHPID
	mkdir -p "$www"
	T_RM_LIST+=("$www")
	echo hi >"$www/index.html"
	atk_up --http "$www"
	out=$(ns_exec "$ns" "$ATK_PY" "${ATK[@]}" land tap0 "$STACK_MAC" 100)
	echo "$out"
	sleep 0.3
	ns_exec "$ns" ping -n -c 1 -W 2 10.0.0.2 >/dev/null || fail "no ping after LAND"
	stackd_stop
	expect_eq "$(counter ip.drop_bad_source)" 100 "ip.drop_bad_source"
	expect_eq "$(counter tcp.passive_opens)" 0 "tcp.passive_opens"
	expect_eq "$(counter tcp.tx)" 0 "tcp.tx"
	expect_no_match "$(cat "$STACKD_LOG")" '^tcp +SYN-RECEIVED' "socket table"
}

# RFC 826 / issue 6: unsolicited ARP replies claiming 10.0.0.1 is elsewhere, every 5 ms
# during a 2 MB echo: ignored and counted, nothing goes to the fake MAC, the transfer is intact.
case_arp_spoof_does_not_hijack() {
	local out
	atk_up --echo 7
	echo_start 2048 3
	out=$(ns_exec "$ns" "$ATK_PY" "${ATK[@]}" arpspoof tap0 "$STACK_MAC" 3)
	echo "$out"
	echo_check
	expect_match "$out" 'frames_to_fake_mac=0$' "frames sent to the spoofed MAC"
	ns_exec "$ns" ping -n -c 1 -W 2 10.0.0.2 >/dev/null || fail "no ping after the spoofing"
	stackd_stop
	echo "unsolicited $(counter arp.drop_unsolicited_reply)"
	(($(counter arp.drop_unsolicited_reply) >= 100)) || fail "spoofed replies not counted"
}

t_case syn_flood_curl_still_served case_syn_flood_curl_still_served
t_case blind_injection_transfer_intact case_blind_injection_transfer_intact
t_case fragment_attacks_rejected_bounded case_fragment_attacks_rejected_bounded
t_case land_ignored case_land_ignored
t_case arp_spoof_does_not_hijack case_arp_spoof_does_not_hijack
t_done

#!/usr/bin/env bash
# build/bin/ping: the stack pings the Linux kernel (RFC 792 echo, RFC 1122 3.2.2.6), with
# iputils-style output and exit codes (0: replies, 1: none, 2: usage).
# ns_up/public_copy set the variables they are named (printf -v): hence SC2154.
# shellcheck source=tests/netns/lib.sh disable=SC2154
. "$(dirname "$0")/lib.sh"
t_require_root
t_require_cmd ip

# Runs $BIN/ping in NS; output in OUT, exit status in RC.
app_ping() {
	local ns=$1
	shift
	RC=0
	OUT=$(ns_exec "$ns" "$BIN/ping" "$@" 2>&1) || RC=$?
	echo "$ $BIN/ping $* -> exit $RC"
	echo "$OUT"
	sanitizer_clean <(echo "$OUT")
}

# Output line by line as iputils prints it, and exit 0.
case_ping_host_output() {
	ns_up ns
	app_ping "$ns" -c 3 -i 0.2 10.0.0.1
	expect_eq "$RC" 0 "exit status"
	expect_match "$OUT" '^PING 10\.0\.0\.1 \(10\.0\.0\.1\) 56\(84\) bytes of data\.$' "header"
	for seq in 1 2 3; do
		expect_match "$OUT" \
			"^64 bytes from 10\.0\.0\.1: icmp_seq=$seq ttl=64 time=[0-9]+\.[0-9]{3} ms$" \
			"reply $seq"
	done
	expect_match "$OUT" '^--- 10\.0\.0\.1 ping statistics ---$' "statistics header"
	expect_match "$OUT" \
		'^3 packets transmitted, 3 received, 0% packet loss, time [0-9]+ms$' "summary"
	expect_match "$OUT" \
		'^rtt min/avg/max/mdev = [0-9]+\.[0-9]{3}/[0-9]+\.[0-9]{3}/[0-9]+\.[0-9]{3}/[0-9]+\.[0-9]{3} ms$' \
		"rtt line"
	expect_eq "$(grep -c 'bytes from' <<<"$OUT")" 3 "number of replies"
}

# 4000 bytes: the stack fragments its request and reassembles the kernel's fragmented reply.
case_ping_host_4000() {
	ns_up ns
	app_ping "$ns" -c 2 -i 0.2 -s 4000 10.0.0.1
	expect_eq "$RC" 0 "exit status"
	expect_match "$OUT" '^PING 10\.0\.0\.1 \(10\.0\.0\.1\) 4000\(4028\) bytes of data\.$' "header"
	expect_match "$OUT" '^4008 bytes from 10\.0\.0\.1: icmp_seq=1 ttl=64 ' "reply 1"
	expect_match "$OUT" '^4008 bytes from 10\.0\.0\.1: icmp_seq=2 ttl=64 ' "reply 2"
	expect_match "$OUT" '^2 packets transmitted, 2 received, 0% packet loss' "summary"
}

# Nobody answers at 10.0.0.99 (ARP fails): 100% loss and exit status 1.
case_ping_silent_address() {
	ns_up ns
	app_ping "$ns" -c 2 -i 0.2 -W 1 10.0.0.99
	expect_eq "$RC" 1 "exit status"
	expect_match "$OUT" '^2 packets transmitted, 0 received, 100% packet loss' "summary"
	expect_no_match "$OUT" 'bytes from' "output"
	expect_no_match "$OUT" '^rtt ' "output"
}

# Off-link and the gateway (the kernel, which does not forward) stays silent: exit 1.
case_ping_offlink_silent() {
	ns_up ns
	app_ping "$ns" -c 1 -W 1 192.0.2.1
	expect_eq "$RC" 1 "exit status"
	expect_match "$OUT" '^1 packets transmitted, 0 received, 100% packet loss' "summary"
}

# Without -c, SIGINT ends it with the summary, and exit 0 since replies came back.
case_ping_sigint_summary() {
	ns_up ns
	log="$T_TMP/ping_sigint.log"
	bg_start "$ns" "$log" "$BIN/ping" -i 0.1 10.0.0.1
	pid=$BG_PID
	wait_for 5 grep -q 'icmp_seq=3 ' "$log" || fail "no third reply: $(cat "$log")"
	rc=0
	proc_stop "$pid" INT || rc=$?
	cat "$log"
	expect_eq "$rc" 0 "exit status after SIGINT"
	expect_match "$(cat "$log")" '^[0-9]+ packets transmitted, [0-9]+ received' "summary"
	sanitizer_clean "$log"
}

t_case ping_host_output case_ping_host_output
t_case ping_host_4000 case_ping_host_4000
t_case ping_silent_address case_ping_silent_address
t_case ping_offlink_silent case_ping_offlink_silent
t_case ping_sigint_summary case_ping_sigint_summary
t_done

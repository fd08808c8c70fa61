#!/usr/bin/env bash
# build/bin/resolve against dnsmasq in the namespace (RFC 1035 over UDP): an A record, several
# A records, a CNAME chain, NXDOMAIN, REFUSED and a silent server; the output must be what
# host(1) prints against the same dnsmasq, and --trace / --pcap show the DNS exchange as
# Wireshark does ("Standard query 0x.... A name").
. "$(dirname "$0")/lib.sh"
t_require_root
t_require_cmd ip dnsmasq host tshark python3

here=$(cd "$(dirname "$0")" && pwd)

# dns_up: namespace with tap0 (host 10.0.0.1/24) and dnsmasq on 10.0.0.1:53 serving only
# what is listed here (no upstream, no /etc/hosts, no config file): names under example.test
# that are not listed get NXDOMAIN (--local), names elsewhere get REFUSED.
dns_up() {
	local big=() i
	# 40 A records make a 700-byte answer: over UDP's 512 bytes, so it comes back with TC.
	for i in $(seq 100 139); do big+=("--host-record=big.example.test,192.0.2.$i"); done
	ns_up ns
	DNSMASQ_LOG="$T_TMP/dnsmasq.$BASHPID.log"
	bg_start "$ns" "$DNSMASQ_LOG" dnsmasq --keep-in-foreground --conf-file=/dev/null \
		--no-resolv --no-hosts --pid-file= --listen-address=10.0.0.1 --bind-interfaces \
		--port=53 --log-queries --log-facility=- --local=/example.test/ \
		--host-record=a.example.test,192.0.2.10 \
		--host-record=two.example.test,192.0.2.41 --host-record=two.example.test,192.0.2.42 \
		--host-record=target.example.test,192.0.2.30 \
		--cname=www.example.test,mid.example.test \
		--cname=mid.example.test,target.example.test \
		--host-record=v6.example.test,2001:db8::1 "${big[@]}"
	wait_for 10 ns_exec "$ns" host -W 1 -t A a.example.test 10.0.0.1 >/dev/null ||
		fail "dnsmasq did not come up: $(cat "$DNSMASQ_LOG")"
}

# run_resolve ARGS...: $BIN/resolve in $ns; stdout+stderr in OUT, exit status in RC.
run_resolve() {
	RC=0
	OUT=$(ns_exec "$ns" "$BIN/resolve" "$@" 2>&1) || RC=$?
	echo "$ resolve $* -> exit $RC"
	echo "$OUT"
	sanitizer_clean <(echo "$OUT")
}

# host_says NAME: host(1)'s answer lines for NAME from the same dnsmasq (its header about
# the server used is dropped); exit status in HOST_RC.
host_says() {
	HOST_RC=0
	HOST_OUT=$(ns_exec "$ns" host -W 2 -t A "$1" 10.0.0.1 2>&1) || HOST_RC=$?
	HOST_OUT=$(grep -vE '^(Using domain server:|Name: |Address: |Aliases: |$)' <<<"$HOST_OUT")
	echo "$ host -t A $1 10.0.0.1 -> exit $HOST_RC"
	echo "$HOST_OUT"
}

# same_as_host NAME WANT_RC: resolve and host agree, line for line and on the exit status.
same_as_host() {
	host_says "$1"
	run_resolve "$1"
	expect_eq "$OUT" "$HOST_OUT" "resolve output vs host"
	expect_eq "$RC" "$2" "resolve exit status"
	expect_eq "$HOST_RC" "$2" "host exit status"
}

case_dns_a_record() {
	dns_up
	same_as_host a.example.test 0
	expect_eq "$OUT" "a.example.test has address 192.0.2.10" "output"
}

# dnsmasq rotates the order of the records from one answer to the next, so compare sets.
case_dns_all_a_records() {
	dns_up
	host_says two.example.test
	run_resolve two.example.test
	expect_eq "$(sort <<<"$OUT")" "$(sort <<<"$HOST_OUT")" "resolve output vs host (sorted)"
	expect_eq "$RC" 0 "resolve exit status"
	expect_eq "$(grep -c ' has address ' <<<"$OUT")" 2 "address lines"
}

case_dns_cname_chain() {
	dns_up
	same_as_host www.example.test 0
	expect_match "$OUT" '^www\.example\.test is an alias for mid\.example\.test\.$' "alias 1"
	expect_match "$OUT" '^mid\.example\.test is an alias for target\.example\.test\.$' "alias 2"
	expect_match "$OUT" '^target\.example\.test has address 192\.0\.2\.30$' "address"
}

case_dns_nxdomain() {
	dns_up
	same_as_host nothere.example.test 1
	expect_eq "$OUT" "Host nothere.example.test not found: 3(NXDOMAIN)" "output"
}

case_dns_refused() {
	dns_up
	same_as_host elsewhere.invalid 1
	expect_eq "$OUT" "Host elsewhere.invalid not found: 5(REFUSED)" "output"
}

case_dns_no_a_record() {
	dns_up
	same_as_host v6.example.test 0
	expect_eq "$OUT" "v6.example.test has no A record" "output"
}

# Several names in one run: each answered in turn; any failure makes the exit status 1.
case_dns_several_names() {
	dns_up
	run_resolve a.example.test nothere.example.test www.example.test 192.0.2.99
	expect_eq "$RC" 1 "exit status"
	expect_match "$OUT" '^a\.example\.test has address 192\.0\.2\.10$' "first"
	expect_match "$OUT" '^Host nothere\.example\.test not found: 3\(NXDOMAIN\)$' "second"
	expect_match "$OUT" '^target\.example\.test has address 192\.0\.2\.30$' "third"
	expect_match "$OUT" '^192\.0\.2\.99 has address 192\.0\.2\.99$' "numeric"
}

# Nobody at the server address: three tries (1 s, 2 s, 4 s) then host's timeout message.
case_dns_silent_server_times_out() {
	dns_up
	start=$(date +%s)
	run_resolve --dns 10.0.0.77 a.example.test
	secs=$(($(date +%s) - start))
	expect_eq "$RC" 1 "exit status"
	expect_eq "$OUT" ";; connection timed out; no servers could be reached" "output"
	((secs >= 6 && secs <= 10)) || fail "gave up after ${secs}s, want about 7s"
}

# --trace prints the seed's DNS lines, and tshark reads the same from the --pcap file.
case_dns_trace_matches_pcap() {
	dns_up
	pcap="$T_TMP/dns.pcap"
	run_resolve --trace --pcap "$pcap" www.example.test
	expect_eq "$RC" 0 "exit status"
	expect_match "$OUT" \
		'^10\.0\.0\.2 -> 10\.0\.0\.1 DNS [0-9]+ Standard query 0x[0-9a-f]{4} A www\.example\.test$' \
		"query line"
	expect_match "$OUT" \
		'^10\.0\.0\.1 -> 10\.0\.0\.2 DNS [0-9]+ Standard query response 0x[0-9a-f]{4} A www\.example\.test CNAME mid\.example\.test CNAME target\.example\.test A 192\.0\.2\.30' \
		"response line"
	log="$T_TMP/resolve_trace.log"
	echo "$OUT" >"$log"
	python3 "$here/pcap_vs_trace.py" --protos DNS "$pcap" "$log" || fail "pcap and trace differ"
	# The query left from a random port in the dynamic range (RFC 6056, RFC 5452 9.2).
	port=$(tshark -n -r "$pcap" -Y 'dns.flags.response == 0' -T fields -e udp.srcport 2>/dev/null |
		head -n 1)
	((port >= 49152 && port <= 65535)) || fail "query source port $port"
}

# RFC 7766 5: a truncated answer is asked again over TCP, and all 40 addresses come back.
case_dns_truncated_retried_over_tcp() {
	dns_up
	run_resolve --trace big.example.test
	expect_eq "$RC" 0 "resolve exit status"
	expect_eq "$(grep -c '^big\.example\.test has address 192\.0\.2\.' <<<"$OUT")" 40 "addresses"
	expect_match "$OUT" 'TCP [0-9]+ [0-9]+ -> 53 \[SYN\]' "a TCP connection to port 53"
	host_says big.example.test
	expect_eq "$(grep ' has address ' <<<"$OUT" | sort)" "$(sort <<<"$HOST_OUT")" "same as host"
}

case_dns_usage() {
	ns_up ns
	run_resolve
	expect_eq "$RC" 2 "exit status without NAME"
	expect_match "$OUT" 'usage: resolve' "usage"
	run_resolve -t MX a.example.test
	expect_eq "$RC" 2 "exit status for -t MX"
}

t_case dns_a_record case_dns_a_record
t_case dns_all_a_records case_dns_all_a_records
t_case dns_cname_chain case_dns_cname_chain
t_case dns_nxdomain case_dns_nxdomain
t_case dns_refused case_dns_refused
t_case dns_no_a_record case_dns_no_a_record
t_case dns_several_names case_dns_several_names
t_case dns_silent_server_times_out case_dns_silent_server_times_out
t_case dns_trace_matches_pcap case_dns_trace_matches_pcap
t_case dns_truncated_retried_over_tcp case_dns_truncated_retried_over_tcp
t_case dns_usage case_dns_usage
t_done

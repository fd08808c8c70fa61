#!/usr/bin/env bash
# The Linux kernel pings the stack (stackd on a TAP): no loss, fragmented echoes (RFC 791
# reassembly and fragmentation, RFC 1122 3.2.2.6 echo reply), and ARP resolution (RFC 826).
# ns_up/public_copy set the variables they are named (printf -v): hence SC2154.
# shellcheck source=tests/netns/lib.sh disable=SC2154
. "$(dirname "$0")/lib.sh"
t_require_root
t_require_cmd ping ip

MAC=02:00:5e:00:53:02

ip_stat() { # NS NAME: one of the kernel's Ip: counters (/proc/net/snmp) in NS
	ns_exec "$1" awk -v want="$2" '/^Ip:/ {
		if (!h) { for (i = 1; i <= NF; i++) col[$i] = i; h = 1 } else print $col[want] }' \
		/proc/net/snmp
}

# 100 echoes at 10 ms intervals: every one must come back.
case_ping_100_no_loss() {
	ns_up ns
	stackd_start "$ns" --mac "$MAC"
	rc=0
	out=$(ns_exec "$ns" ping -n -c 100 -i 0.01 -W 2 10.0.0.2) || rc=$?
	echo "$out"
	expect_match "$out" '^100 packets transmitted, 100 received, 0% packet loss' "ping summary"
	expect_eq "$rc" 0 "ping exit status"
	stackd_stop
}

# 4000 bytes of data: the kernel sends three fragments, the stack reassembles them and
# answers with a reply that it fragments itself; the kernel must reassemble that.
case_ping_4000_fragments() {
	ns_up ns
	stackd_start "$ns" --mac "$MAC"
	out=$(ns_exec "$ns" ping -n -c 3 -i 0.2 -s 4000 -W 2 10.0.0.2)
	echo "$out"
	expect_match "$out" '^4008 bytes from 10\.0\.0\.2: icmp_seq=1 ttl=64' "first reply"
	expect_match "$out" '^3 packets transmitted, 3 received, 0% packet loss' "ping summary"
	# The frames really were fragments both ways: the kernel counts what it reassembled.
	reasm=$(ip_stat "$ns" ReasmOKs)
	frags=$(ip_stat "$ns" FragCreates)
	echo "kernel: ReasmOKs=$reasm FragCreates=$frags"
	((reasm >= 3)) || fail "the kernel reassembled $reasm datagrams, want >= 3"
	((frags >= 9)) || fail "the kernel created $frags fragments, want >= 9"
	stackd_stop
}

# After a ping the kernel's neighbour entry for the stack holds the stack's MAC.
case_arp_entry_resolves() {
	ns_up ns
	stackd_start "$ns" --mac "$MAC"
	ns_exec "$ns" ping -n -c 1 -W 2 10.0.0.2 >/dev/null || fail "no echo reply"
	neigh=$(ns_exec "$ns" ip neigh show 10.0.0.2 dev tap0)
	echo "ip neigh: $neigh"
	expect_match "$neigh" "^10\.0\.0\.2 lladdr $MAC (REACHABLE|STALE|DELAY|PROBE)" "neighbour"
	# A fresh kernel entry made by an ARP request that the stack must answer by itself.
	ns_exec "$ns" ip neigh flush dev tap0
	ns_exec "$ns" ping -n -c 1 -W 2 10.0.0.2 >/dev/null || fail "no reply after flush"
	neigh=$(ns_exec "$ns" ip neigh show 10.0.0.2 dev tap0)
	echo "ip neigh after flush: $neigh"
	expect_match "$neigh" "lladdr $MAC" "neighbour after flush"
	stackd_stop
}

# The stack announces itself at start-up (gratuitous ARP, RFC 5227 2.3): with arp_accept
# the kernel learns the stack's MAC from that alone, before any traffic.
case_arp_announcement_on_start() {
	ns_up ns
	ns_exec "$ns" sysctl -qw net.ipv4.conf.tap0.arp_accept=1
	stackd_start "$ns" --mac "$MAC"
	wait_for 3 bash -c "ip netns exec '$ns' ip neigh show 10.0.0.2 dev tap0 | grep -q '$MAC'" ||
		fail "no kernel entry learnt: '$(ns_exec "$ns" ip neigh show dev tap0)'"
	stackd_stop
}

t_case ping_100_no_loss case_ping_100_no_loss
t_case ping_4000_fragments case_ping_4000_fragments
t_case arp_entry_resolves case_arp_entry_resolves
t_case arp_announcement_on_start case_arp_announcement_on_start
t_done

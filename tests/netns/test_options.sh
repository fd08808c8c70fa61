#!/usr/bin/env bash
# Command-line handling shared by every app (apps/common.c): -h prints the usage and exits
# 0; a bad value names the option, prints the usage and exits 2, before any device is
# touched (so these cases need neither root nor a namespace).
# ns_up/public_copy set the variables they are named (printf -v): hence SC2154.
# shellcheck source=tests/netns/lib.sh disable=SC2154
. "$(dirname "$0")/lib.sh"

# expect_usage_error APP ARGS... : exit 2, a message naming the problem, and the usage.
expect_usage_error() {
	local app=$1
	shift
	expect_status 2 "$BIN/$app" "$@"
	echo "$ $app $* -> 2: $(head -n 1 <<<"$T_OUT")"
	expect_match "$(head -n 1 <<<"$T_OUT")" "^$app: " "first line of '$app $*'"
	expect_match "$T_OUT" '^usage: ' "usage after '$app $*'"
}

case_help_exits_0() {
	for app in stackd ping; do
		expect_status 0 "$BIN/$app" -h
		expect_match "$T_OUT" "^usage: $app " "$app -h"
		expect_match "$T_OUT" '--iface NAME' "$app -h stack options"
		expect_status 0 "$BIN/$app" --help
	done
}

case_stackd_bad_options() {
	expect_usage_error stackd --ip 300.1.1.1/24
	expect_match "$T_OUT" "bad --ip '300\.1\.1\.1/24'" "message"
	expect_usage_error stackd --ip 10.0.0.2/33
	expect_usage_error stackd --ip 10.0.0.2/
	expect_usage_error stackd --gw 10.0.0
	expect_match "$T_OUT" "bad --gw" "message"
	expect_usage_error stackd --dns nameserver
	expect_usage_error stackd --mac 01:00:5e:00:00:01
	expect_match "$T_OUT" "unicast" "multicast --mac message"
	expect_usage_error stackd --mac 02:00:5e:00:53
	expect_usage_error stackd --mtu 67
	expect_match "$T_OUT" "68\.\.65535" "--mtu message"
	expect_usage_error stackd --mtu 1500x
	expect_usage_error stackd --iface ""
	expect_usage_error stackd --iface a-name-longer-than-15
	expect_usage_error stackd --bogus
	expect_match "$T_OUT" "'--bogus'" "unknown option message"
	expect_usage_error stackd --ip
	expect_usage_error stackd extra-argument
	expect_usage_error stackd --max-conns 0
	expect_usage_error stackd --sockbuf 100
	expect_usage_error stackd --sockbuf 4k
	expect_usage_error stackd --busy-poll 10001
	expect_match "$T_OUT" "bad --busy-poll '10001': expected 0\.\.10000" "--busy-poll message"
	expect_usage_error stackd --busy-poll -1
	expect_usage_error stackd --busy-poll 50us
}

case_ping_bad_options() {
	expect_usage_error ping
	expect_match "$T_OUT" "missing HOST" "message"
	expect_usage_error ping 10.0.0.1 10.0.0.3
	expect_match "$T_OUT" "too many arguments" "message"
	expect_usage_error ping -c 0 10.0.0.1
	expect_usage_error ping -c 1.5 10.0.0.1
	expect_usage_error ping -c abc 10.0.0.1
	expect_usage_error ping -i 0 10.0.0.1
	expect_usage_error ping -s -1 10.0.0.1
	expect_usage_error ping -s 65508 10.0.0.1
	expect_usage_error ping -W x 10.0.0.1
	expect_usage_error ping -x 10.0.0.1
	expect_usage_error ping -c 10.0.0.1
}

t_case help_exits_0 case_help_exits_0
t_case stackd_bad_options case_stackd_bad_options
t_case ping_bad_options case_ping_bad_options
t_done

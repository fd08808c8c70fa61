#!/usr/bin/env bash
# drivers/tap.c: attach to an existing TAP by name (a user who owns it needs no root),
# create it when absent and we may (CAP_NET_ADMIN), and say clearly why not otherwise
# (permission denied, busy, not a TAP); exit status 1 for all of those.
# ns_up/public_copy set the variables they are named (printf -v): hence SC2154.
# shellcheck source=tests/netns/lib.sh disable=SC2154
. "$(dirname "$0")/lib.sh"
t_require_root
t_require_cmd ip ping setpriv

# stackd as nobody on a tap0 owned by root: "permission denied", with the fix, exit 1.
# (A persistent TAP with no owner and no group is open to every user.)
case_nobody_permission_denied() {
	ns_create ns
	ns_tap "$ns" 10.0.0.1/24 tap0 root
	public_copy dir "$BIN/stackd"
	nobody_setup
	expect_status 1 ns_exec "$ns" "${AS_NOBODY[@]}" "$dir/stackd"
	echo "$T_OUT"
	expect_match "$T_OUT" "^stackd: permission denied for TAP device 'tap0'" "message"
	expect_match "$T_OUT" "ip tuntap add dev tap0 mode tap user" "hint"
	sanitizer_clean <(echo "$T_OUT")
}

# No tap1 and no CAP_NET_ADMIN to create it: the same clear message.
case_nobody_cannot_create() {
	ns_up ns
	public_copy dir "$BIN/ping"
	nobody_setup
	expect_status 1 ns_exec "$ns" "${AS_NOBODY[@]}" "$dir/ping" --iface tap1 -c 1 10.0.0.1
	echo "$T_OUT"
	expect_match "$T_OUT" "^ping: permission denied for TAP device 'tap1'" "message"
	ns_exec "$ns" ip link show tap1 2>/dev/null && fail "tap1 was created"
	return 0
}

# The README's set-up: a TAP owned by the user; stackd and ping then run without root.
case_user_owned_tap() {
	ns_create ns
	ns_tap "$ns" 10.0.0.1/24 tap0 nobody
	public_copy dir "$BIN/stackd" "$BIN/ping"
	nobody_setup
	expect_status 0 ns_exec "$ns" "${AS_NOBODY[@]}" "$dir/ping" -c 1 -W 2 10.0.0.1
	echo "$T_OUT"
	bg_start "$ns" "$T_TMP/nobody-stackd.log" "${AS_NOBODY[@]}" \
		"$dir/stackd"
	pid=$BG_PID
	wait_for 10 grep -q '^stackd: up on tap0' "$T_TMP/nobody-stackd.log" ||
		fail "stackd as nobody: $(cat "$T_TMP/nobody-stackd.log")"
	ns_exec "$ns" ping -n -c 2 -i 0.2 -W 2 10.0.0.2 || fail "no echo reply"
	[[ "$(ps -o user= -p "$pid")" == nobody ]] || fail "stackd is not running as nobody"
	proc_stop "$pid" TERM || fail "stackd as nobody: exit status $? on SIGTERM"
	sanitizer_clean "$T_TMP/nobody-stackd.log"
}

# A second stack on the same tap0: "busy", exit 1; the first one keeps working.
case_busy() {
	ns_up ns
	stackd_start "$ns"
	expect_status 1 ns_exec "$ns" "$BIN/stackd"
	echo "$T_OUT"
	expect_match "$T_OUT" "^stackd: TAP device 'tap0' is busy" "message"
	ns_exec "$ns" ping -n -c 1 -W 2 10.0.0.2 || fail "first stackd stopped answering"
	stackd_stop
}

# A TUN (layer 3) device of that name cannot be opened as a TAP.
case_not_a_tap() {
	ns_create ns
	ns_exec "$ns" ip tuntap add dev tun0 mode tun
	expect_status 1 ns_exec "$ns" "$BIN/stackd" --iface tun0
	echo "$T_OUT"
	expect_match "$T_OUT" "^stackd: .*'tun0'.*(not a TAP|busy)" "message"
}

# As root with no such device: stackd creates it, and it goes away when stackd exits.
case_root_creates_tap() {
	ns_create ns
	stackd_start "$ns" --iface stk9
	ns_exec "$ns" ip -d link show stk9 | grep -q 'tun type tap' || fail "stk9 is not a tap"
	stackd_stop
	if ns_exec "$ns" ip link show stk9 >/dev/null 2>&1; then
		fail "stk9 still exists after stackd exited"
	fi
}

# No /dev/net/tun at all (hidden under an empty tmpfs in a private mount namespace): the
# message names the file and the module to load.
case_no_dev_net_tun() {
	ns_up ns
	expect_status 1 ns_exec "$ns" unshare --mount --propagation private \
		bash -c 'mount -t tmpfs none /dev/net && exec "$0" "$@"' "$BIN/stackd"
	echo "$T_OUT"
	expect_match "$T_OUT" "^stackd: cannot open /dev/net/tun: .*modprobe tun" "message"
}

t_case nobody_permission_denied case_nobody_permission_denied
t_case nobody_cannot_create case_nobody_cannot_create
t_case user_owned_tap case_user_owned_tap
t_case busy case_busy
t_case not_a_tap case_not_a_tap
t_case root_creates_tap case_root_creates_tap
t_case no_dev_net_tun case_no_dev_net_tun
t_done

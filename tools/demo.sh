#!/usr/bin/env bash
# make demo: bring the stack up as a host in a private network namespace, ping it from the
# kernel's side (small and fragmented echoes), let the stack ping back, then show what
# tshark makes of the capture the stack wrote itself (demo.pcap). Everything is removed
# again at the end, also on Ctrl-C or an error. Needs root (namespaces); `make demo` has
# already built build/bin and checked the packages (tools/deps.sh).
#
# Shape: demo_setup, then the steps in DEMO_STEPS, then demo_teardown (always). A later
# demo (google.com over TCP) adds its own set-up and steps.
set -euo pipefail

cd "$(dirname "$0")/.."
BIN=${BIN:-build/bin}
NS=stack-demo-$$
PCAP=${DEMO_PCAP:-demo.pcap}
LOG=$(mktemp /tmp/stack-demo.XXXXXX)
STACKD_PID=
DEMO_STEPS=(step_ping_stack step_ping_fragments step_stack_pings_host step_show_pcap)

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { # show the command, then run it
	printf '$ %s\n' "$*"
	"$@"
}

demo_setup() {
	if [[ $(id -u) -ne 0 ]]; then
		echo "demo: needs root for a private network namespace (try: sudo make demo)" >&2
		exit 1
	fi
	say "A private network namespace $NS with a TAP device; the kernel is 10.0.0.1"
	run ip netns add "$NS"
	ip netns exec "$NS" ip link set lo up
	ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip netns exec "$NS" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	run ip netns exec "$NS" ip tuntap add dev tap0 mode tap
	run ip netns exec "$NS" ip addr add 10.0.0.1/24 dev tap0
	run ip netns exec "$NS" ip link set tap0 up
}

stackd_up() {
	say "Our stack as host 10.0.0.2 on tap0, tracing every frame (stderr) into $PCAP"
	printf '$ %s\n' "$BIN/stackd --trace --pcap $PCAP"
	# Its trace goes to the terminal as it happens, and to LOG for the start-up check.
	ip netns exec "$NS" "$BIN/stackd" --trace --pcap "$PCAP" \
		2> >(tee "$LOG" | sed -u 's/^/    stackd| /' >&2) &
	STACKD_PID=$!
	for _ in $(seq 50); do
		grep -q '^stackd: up' "$LOG" && break
		kill -0 "$STACKD_PID" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q '^stackd: up' "$LOG"; then
		cat "$LOG" >&2
		echo "demo: stackd did not start" >&2
		exit 1
	fi
}

stackd_down() {
	[[ -n "$STACKD_PID" ]] || return 0
	kill -TERM "$STACKD_PID" 2>/dev/null || true
	wait "$STACKD_PID" 2>/dev/null || true
	STACKD_PID=
	sleep 0.1 # let the trace's last lines through
}

step_ping_stack() {
	stackd_up
	say "The kernel pings our stack (ARP first, then ICMP echo)"
	run ip netns exec "$NS" ping -c 3 -i 0.3 10.0.0.2
}

step_ping_fragments() {
	say "4000 bytes: three IPv4 fragments each way, reassembled by our stack and by the kernel"
	run ip netns exec "$NS" ping -c 1 -s 4000 10.0.0.2
	stackd_down
}

step_stack_pings_host() {
	say "Now the stack pings the kernel with its own ping app"
	run ip netns exec "$NS" "$BIN/ping" -c 3 -i 0.3 10.0.0.1
}

step_show_pcap() {
	say "What tshark reads from $PCAP, the capture our stack wrote"
	if command -v tshark >/dev/null 2>&1; then
		run tshark -N m -r "$PCAP" 2>/dev/null
	else
		echo "(tshark is not installed: run tools/deps.sh)"
	fi
	echo
	echo "Open it in Wireshark too: wireshark $PCAP"
}

demo_teardown() {
	local p
	stackd_down
	if ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$NS"; then
		for p in $(ip netns pids "$NS"); do
			kill -KILL "$p" 2>/dev/null || true
		done
		ip netns del "$NS"
		echo "demo: namespace $NS removed"
	fi
	rm -f "$LOG"
}

trap demo_teardown EXIT
trap 'echo; echo "demo: interrupted"; exit 130' INT TERM
demo_setup
for step in "${DEMO_STEPS[@]}"; do
	"$step"
done

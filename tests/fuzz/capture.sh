#!/usr/bin/env bash
# Record seed traffic for the fuzz corpora (run as root): our stack (10.0.0.2, MAC
# 02:00:00:00:00:fe, the addresses of tests/fuzz/harness.h) talks to the Linux kernel
# (10.0.0.1, MAC 02:00:00:00:00:01) and dnsmasq over a TAP inside a private namespace that is
# always deleted. Writes OUTDIR/stackd.pcap, OUTDIR/nc.pcap and OUTDIR/resolve-*.pcap from the
# apps' --pcap; then run tools/pcap2corpus.py on them.
# Usage: tests/fuzz/capture.sh [OUTDIR] (default tests/fuzz/seeds); BIN as for tests/netns.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$ROOT/tests/fuzz/seeds}
BIN=${BIN:-$ROOT/build/bin}
NS=fuzz-cap-$$
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "${TMP:-}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

nsx() { ip netns exec "$NS" "$@"; }
bg() { # bg LOG CMD...: start CMD in the namespace, remember its PID
	local log=$1
	shift
	# ip netns exec execs CMD, so $! is CMD itself (a function or subshell here would leave
	# CMD running when only the wrapper is killed).
	ip netns exec "$NS" "$@" >"$log" 2>&1 &
	PIDS+=($!)
}
stop_last() { # SIGTERM the newest background process and wait for it
	local p=${PIDS[-1]}
	kill "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || true
	unset 'PIDS[-1]'
}

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
TMP=$(mktemp -d)
PIDS=()

ip netns add "$NS"
nsx ip link set lo up
nsx sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
nsx ip tuntap add dev tap0 mode tap
nsx ip link set tap0 address 02:00:00:00:00:01
nsx ip addr add 10.0.0.1/24 dev tap0
nsx ip link set tap0 up

bg "$TMP/dnsmasq.log" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv \
	--no-hosts --pid-file= --listen-address=10.0.0.1 --bind-interfaces --port=53 \
	--local=/example.test/ --host-record=a.example.test,192.0.2.10 \
	--host-record=two.example.test,192.0.2.41 --host-record=two.example.test,192.0.2.42 \
	--host-record=target.example.test,192.0.2.30 --cname=www.example.test,mid.example.test \
	--cname=mid.example.test,target.example.test --host-record=v6.example.test,2001:db8::1
STACK=(--iface tap0 --ip 10.0.0.2/24 --gw 10.0.0.1 --mac 02:00:00:00:00:fe)

# The resolver: A, several A, a CNAME chain, AAAA, NXDOMAIN, REFUSED.
sleep 0.5
for q in "a.example.test" "two.example.test" "www.example.test" "-t AAAA v6.example.test" \
	"nx.example.test" "google.com"; do
	name=${q##* }
	# shellcheck disable=SC2086
	nsx timeout 10 "$BIN/resolve" "${STACK[@]}" --pcap "$OUT/resolve-$name.pcap" $q \
		>/dev/null 2>&1 || true
done

# The stack as a host: ping (plain and fragmented), UDP and TCP echo, discard, chargen,
# a closed port, an aborted connection.
bg "$TMP/stackd.log" "$BIN/stackd" "${STACK[@]}" --echo 7 --discard 9 --chargen 19 \
	--pcap "$OUT/stackd.pcap"
sleep 0.5
nsx ping -c 2 -i 0.2 -W 1 10.0.0.2 >/dev/null || true
nsx ping -c 1 -W 1 -s 3000 10.0.0.2 >/dev/null || true
echo hello | nsx timeout 3 socat -t1 - UDP:10.0.0.2:7 >/dev/null || true
printf 'hello\r\n' | nsx timeout 3 socat -t1 - TCP:10.0.0.2:7 >/dev/null || true
head -c 20000 /dev/urandom | nsx timeout 5 socat -t1 - TCP:10.0.0.2:9 >/dev/null || true
nsx timeout 2 socat -u TCP:10.0.0.2:19 - 2>/dev/null | head -c 3000 >/dev/null || true
nsx timeout 3 socat -t1 /dev/null TCP:10.0.0.2:81 >/dev/null 2>&1 || true
nsx timeout 3 python3 - <<'PY' || true
import socket, struct
s = socket.create_connection(("10.0.0.2", 7), timeout=2)
s.sendall(b"x" * 100)
s.recv(100)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
PY
sleep 0.5
stop_last

# The stack as a client: active open to a kernel listener that sends and closes first.
bg "$TMP/srv.log" socat -u OPEN:/etc/services TCP-LISTEN:8080,reuseaddr
sleep 0.3
echo "from the stack" | nsx timeout 5 "$BIN/nc" -n "${STACK[@]}" --pcap "$OUT/nc.pcap" \
	10.0.0.1 8080 >/dev/null 2>&1 || true
stop_last
ls -l "$OUT"

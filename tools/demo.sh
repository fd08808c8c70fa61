#!/usr/bin/env bash
# make demo: the seed's session (`nc google.com 80`, `GET / HTTP/1.1`) reproduced here with
# no internet. Private namespaces play the world:
#   demo-home-$$  the "home router": owns the host side of the TAP (10.0.0.1/24), forwards
#                 and NATs -- set up by tools/tap-setup.sh, the same script users run
#   demo-inet-$$  the "internet": a DNS server (dnsmasq, 198.51.100.53) that says google.com
#                 is 192.0.2.10, and an HTTP server on 192.0.2.10:80 that answers like it
# Our nc runs on the TAP inside demo-home with --trace; the capture goes to demo.pcap.
# Everything is removed at the end, also on Ctrl-C or failure.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$root/build/bin}
PCAP=${PCAP:-$root/demo.pcap}
home=demo-home-$$
inet=demo-inet-$$
tmp=$(mktemp -d /tmp/stack-demo.XXXXXX)
pids=()

cleanup() {
	set +e
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	ip netns del "$home" 2>/dev/null
	ip netns del "$inet" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo "demo: interrupted"; exit 130' INT TERM

if [ "$(id -u)" != 0 ]; then
	echo "demo: needs root to create network namespaces (try: sudo make demo)" >&2
	exit 1
fi
for b in nc ladder; do
	[ -x "$BIN/$b" ] || { echo "demo: $BIN/$b is missing: run make first" >&2; exit 1; }
done

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Building the world: $home (router, NAT) and $inet (DNS + web server)"
ip netns add "$home"
ip netns add "$inet"
ip -n "$home" link set lo up
ip -n "$inet" link set lo up
ip link add demo-wan netns "$home" type veth peer name demo-isp netns "$inet"
ip -n "$home" addr add 203.0.113.2/24 dev demo-wan
ip -n "$inet" addr add 203.0.113.1/24 dev demo-isp
ip -n "$inet" addr add 192.0.2.10/32 dev lo
ip -n "$inet" addr add 198.51.100.53/32 dev lo
ip -n "$home" link set demo-wan up
ip -n "$inet" link set demo-isp up
ip -n "$home" route add default via 203.0.113.1
ip netns exec "$home" "$root/tools/tap-setup.sh" up --dev tap0 --addr 10.0.0.1/24 | grep -v "^DNS:" | sed "s/^/  /"

cat >"$tmp/www.py" <<'PY'
# A web server that answers like the real one: HTTP/1.1 200 OK, Date, Content-Type, body.
import http.server, socketserver
BODY = b"<!doctype html><html><head><title>Google</title></head><body>Hello from the demo internet (192.0.2.10)</body></html>\n"
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "gws"
    sys_version = ""
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=ISO-8859-1")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)
    def log_message(self, *a):
        pass
socketserver.TCPServer.allow_reuse_address = True
http.server.HTTPServer(("192.0.2.10", 80), H).serve_forever()
PY
ip netns exec "$inet" python3 "$tmp/www.py" &
pids+=($!)
ip netns exec "$inet" dnsmasq --keep-in-foreground --no-resolv --no-hosts \
	--listen-address=198.51.100.53 --bind-interfaces --port=53 --local-ttl=267 \
	--host-record=google.com,192.0.2.10 --pid-file="$tmp/dnsmasq.pid" \
	--log-facility=- --quiet-dhcp 2>"$tmp/dnsmasq.log" &
pids+=($!)
for _ in $(seq 50); do
	ip netns exec "$inet" bash -c '</dev/tcp/192.0.2.10/80' 2>/dev/null && break
	sleep 0.1
done

say "nc --trace -C google.com 80  (GET / HTTP/1.1, Host: google.com, empty line)"
printf 'GET / HTTP/1.1\nHost: google.com\n\n' >"$tmp/request"
rc=0
ip netns exec "$home" timeout 25 "$BIN/nc" --iface tap0 --ip 10.0.0.2/24 --gw 10.0.0.1 \
	--dns 198.51.100.53 --trace --pcap "$PCAP" -v -C google.com 80 \
	<"$tmp/request" >"$tmp/response" 2>"$tmp/trace" || rc=$?
grep -v -e ' IPv6 ' -e 'Next header' "$tmp/trace" | sed 's/^/  /'

say "The HTTP response (headers)"
sed -n '1,/^\r\{0,1\}$/p' "$tmp/response" | sed 's/^/  /'
if ! head -1 "$tmp/response" | grep -q '^HTTP/1.1 200 OK'; then
	echo "demo: no 'HTTP/1.1 200 OK' (nc exit status $rc)" >&2
	exit 1
fi

say "Ladder diagram of the TCP exchange (relative Seq/Ack; raw values below each arrow)"
"$BIN/ladder" "$PCAP" 80

if command -v tshark >/dev/null 2>&1; then
	say "tshark -r $(basename "$PCAP") (open it in Wireshark too)"
	tshark -r "$PCAP" -Y 'dns || tcp' 2>/dev/null | sed 's/^/  /'
fi
say "Done: nc exited $rc; capture in $PCAP"
exit "$rc"

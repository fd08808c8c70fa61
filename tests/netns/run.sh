#!/usr/bin/env bash
# Run every tests/netns/test_*.sh (or those named on the command line), one result line per
# test case, then a leftovers check, then "N passed, M failed, K skipped". Exit 1 on any
# failure. BIN names the directory of the apps under test (the Makefile passes the ASan
# build, build/asan/bin). Needs root; without it every file reports SKIP. The logs are
# removed after a clean run unless NETNS_KEEP=1 (they are always kept after a failure).
#   tests/netns/run.sh [-v] [test_ping.sh ... | path/to/test_x.sh ...]
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root" || exit 2
export BIN=${BIN:-build/bin}

if [[ "${1:-}" == "-v" ]]; then
	export NETNS_VERBOSE=1
	shift
fi
if [[ $# -gt 0 ]]; then
	files=()
	for f in "$@"; do
		[[ "$f" == */* ]] || f=$here/$f
		files+=("$f")
	done
else
	files=("$here"/test_*.sh)
fi

trap 'echo "netns: interrupted"; exit 130' INT TERM
export NETNS_RUN_ID=$$
NETNS_TMP=$(mktemp -d /tmp/netns-run.XXXXXX)
export NETNS_TMP
export NETNS_RESULTS=$NETNS_TMP/results
: >"$NETNS_RESULTS"
: >"$NETNS_TMP/pids"

is_root=0
[[ $(id -u) -eq 0 ]] && is_root=1

tun_links() { # the TUN/TAP devices of the root namespace, to spot leaks
	ip -o link show type tun 2>/dev/null | awk -F': ' '{print $2}' | sort
}

# Namespaces left by an earlier run that was killed hard (st-<pid>-... whose pid is gone).
reap_stale() {
	local ns pid p
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^st-[0-9]+-'); do
		pid=${ns#st-}
		pid=${pid%%-*}
		if ! kill -0 "$pid" 2>/dev/null; then
			for p in $(ip netns pids "$ns" 2>/dev/null); do
				kill -KILL "$p" 2>/dev/null || true
			done
			ip netns del "$ns" 2>/dev/null && echo "netns: removed stale namespace $ns"
		fi
	done
}

if ((is_root)); then
	reap_stale
	tun_before=$(tun_links)
fi
if [[ ! -x "$BIN/stackd" ]]; then
	echo "netns: $BIN/stackd is missing: build it first (make, or make MODE=asan tests)" >&2
fi

echo "netns: apps from $BIN, logs in $NETNS_TMP"
start=$(date +%s)
for f in "${files[@]}"; do
	before=$(wc -l <"$NETNS_RESULTS")
	rc=0
	bash "$f" || rc=$?
	after=$(wc -l <"$NETNS_RESULTS")
	if ((rc != 0)) && ! tail -n +$((before + 1)) "$NETNS_RESULTS" | grep -q '^FAIL'; then
		# The file died outside any test case (syntax error, failed set-up, ...).
		line="FAIL $(basename "$f" .sh) (exited $rc outside a test case)"
		echo "$line"
		echo "$line" >>"$NETNS_RESULTS"
	elif ((rc == 0 && after == before)); then
		line="FAIL $(basename "$f" .sh) (ran no test case)"
		echo "$line"
		echo "$line" >>"$NETNS_RESULTS"
	fi
done

# Nothing may outlive the suite: namespaces, TAP devices, processes.
leftovers() {
	local ns pids alive="" pid
	ns=$(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^st-$NETNS_RUN_ID-" || true)
	[[ -z "$ns" ]] || echo "namespaces left behind: $ns"
	[[ "$(tun_links)" == "$tun_before" ]] || echo "TAP devices changed in the root namespace:" \
		"$(diff <(echo "$tun_before") <(tun_links) | grep '^[<>]' | tr '\n' ' ')"
	pids=$(sort -u "$NETNS_TMP/pids")
	for pid in $pids; do
		kill -0 "$pid" 2>/dev/null && alive="$alive $pid($(cat /proc/"$pid"/comm 2>/dev/null))"
	done
	[[ -z "$alive" ]] || echo "processes left running:$alive"
}
if ((is_root)); then
	problems=$(leftovers | paste -sd ';' - | sed 's/;/; /g')
	if [[ -z "$problems" ]]; then
		n=$(sort -u "$NETNS_TMP/pids" | grep -c .)
		line="PASS run/no_leftovers ($n processes stopped, namespaces and TAPs gone)"
	else
		line="FAIL run/no_leftovers ($problems)"
	fi
	echo "$line"
	echo "$line" >>"$NETNS_RESULTS"
fi

passed=$(grep -c '^PASS' "$NETNS_RESULTS")
failed=$(grep -c '^FAIL' "$NETNS_RESULTS")
skipped=$(grep -c '^SKIP' "$NETNS_RESULTS")
echo "netns: $(($(date +%s) - start))s"
if ((failed == 0)) && [[ "${NETNS_KEEP:-0}" != 1 ]]; then
	rm -rf "$NETNS_TMP"
else
	echo "netns: logs kept in $NETNS_TMP"
fi
echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0))

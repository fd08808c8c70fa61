# shellcheck shell=bash disable=SC2030,SC2031
# (Each case's lists are meant to live in its own subshell.)
# Shared helpers for tests/netns/test_*.sh (sourced, not run). The Linux kernel is the peer:
# every test builds its own network namespaces (st-<run id>-<tag>-<pid>-<n>) with a TAP
# device inside, runs our apps there, and always removes all of it again.
#
# A test file looks like this (see test_ping.sh):
#
#   . "$(dirname "$0")/lib.sh"
#   t_require_root                       # SKIP the whole file when not root
#   case_host_pings_stack() {            # runs in a subshell with set -e and its own cleanup
#           ns_up ns                     # namespace + tap0 (host side 10.0.0.1/24) -> $ns
#           stackd_start "$ns" --trace   # $BIN/stackd in $ns; sets STACKD_PID, STACKD_LOG
#           ns_exec "$ns" ping -c 3 10.0.0.2 || fail "no reply"
#           stackd_stop                  # SIGTERM, expects a clean exit 0
#   }
#   t_case host_pings_stack case_host_pings_stack
#   t_done
#
# Inside a case: `fail MSG` ends it as FAILED; a command that fails outside a condition does
# too (set -e; the failing line is reported). To check an exit status that may be non-zero:
#   rc=0; out=$(cmd 2>&1) || rc=$?
# Everything a case prints goes to its log, which is shown when the case fails.
#
# Environment: BIN (directory of stackd/ping/...; default build/bin), NETNS_RESULTS (file
# that run.sh collects result lines from), NETNS_RUN_ID (namespace name prefix id),
# NETNS_TMP (scratch directory), NETNS_VERBOSE=1 (show every case's log).

T_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${BIN:-build/bin}
case $BIN in /*) ;; *) BIN=$T_ROOT/$BIN ;; esac
export BIN
T_FILE=$(basename "$0" .sh)
T_FILE=${T_FILE#test_}
T_RUN_ID=${NETNS_RUN_ID:-$$}
T_OWN_TMP= # run alone (not from run.sh): our own scratch directory, removed if all pass
if [[ -z "${NETNS_TMP:-}" ]]; then
	T_OWN_TMP=$(mktemp -d /tmp/netns-test.XXXXXX)
fi
T_TMP=${NETNS_TMP:-$T_OWN_TMP}/$T_FILE
mkdir -p "$T_TMP"
T_FAILED=0
T_NS_SEQ=0

# Sanitizers: fail loudly; LSan checks at exit that the apps free everything.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=99}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# State of the current case (reset in each case's subshell).
T_NS_LIST=()
T_PID_LIST=()
T_RM_LIST=()
trap t_cleanup EXIT
trap 'exit 130' INT TERM

t_result() { # WORD NAME [DETAIL]
	local line="$1 $T_FILE/$2${3:+ $3}"
	echo "$line"
	if [[ -n "${NETNS_RESULTS:-}" ]]; then
		echo "$line" >>"$NETNS_RESULTS"
	fi
}

# Skip the whole file (one SKIP line) unless we are root.
t_require_root() {
	if [[ $(id -u) -ne 0 ]]; then
		t_result SKIP all "(needs root for network namespaces)"
		exit 0
	fi
}

# Skip the whole file unless every command named is installed.
t_require_cmd() {
	local c
	for c in "$@"; do
		if ! command -v "$c" >/dev/null 2>&1; then
			t_result SKIP all "(needs $c: run tools/deps.sh)"
			exit 0
		fi
	done
}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

t_on_err() { # LINE COMMAND
	echo "FAIL: command failed (line $1): $2" >&2
}

# Kill what the current case started and delete its namespaces. Idempotent.
t_cleanup() {
	local pid ns p
	for pid in "${T_PID_LIST[@]}"; do
		if kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid" 2>/dev/null || true
			for _ in 1 2 3 4 5 6 7 8 9 10; do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
			kill -KILL "$pid" 2>/dev/null || true
		fi
		wait "$pid" 2>/dev/null || true
	done
	T_PID_LIST=()
	for ns in "${T_NS_LIST[@]}"; do
		# Anything still running inside one of our namespaces was started by us.
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null || true
		done
		ip netns del "$ns" 2>/dev/null || true
	done
	T_NS_LIST=()
	for p in "${T_RM_LIST[@]}"; do
		rm -rf -- "$p"
	done
	T_RM_LIST=()
}

# t_case NAME FUNCTION: run one test case in a subshell; print PASS/FAIL with its time.
t_case() {
	local name=$1 fn=$2 log="$T_TMP/$1.log" rc start ms secs
	start=$(date +%s%N)
	set +e
	(
		T_NS_LIST=()
		T_PID_LIST=()
		T_RM_LIST=()
		trap t_cleanup EXIT
		trap 'exit 130' INT TERM
		trap 't_on_err $LINENO "$BASH_COMMAND"' ERR
		set -eE
		cd "$T_ROOT"
		"$fn"
	) >"$log" 2>&1
	rc=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	secs=$(printf '%d.%ds' $((ms / 1000)) $((ms % 1000 / 100)))
	if ((rc == 0)); then
		t_result PASS "$name" "($secs)"
		[[ "${NETNS_VERBOSE:-0}" == 1 ]] && sed 's/^/    | /' "$log"
	else
		T_FAILED=$((T_FAILED + 1))
		t_result FAIL "$name" "($secs, log: $log)"
		tail -n 40 "$log" | sed 's/^/    | /'
	fi
	return 0
}

t_skip() { # NAME REASON
	t_result SKIP "$1" "($2)"
}

# End of a test file: exit status 1 if any case failed.
t_done() {
	if ((T_FAILED > 0)); then
		exit 1
	fi
	[[ -z "$T_OWN_TMP" ]] || rm -rf "$T_OWN_TMP"
	exit 0
}

# ns_create VAR [TAG]: a fresh namespace (lo up, IPv6 off so the kernel adds no IPv6
# chatter to our traces); its name goes into VAR. Deleted when the case ends.
ns_create() {
	local _nc_var=$1 _nc_tag=${2:-$T_FILE} _nc_name
	T_NS_SEQ=$((T_NS_SEQ + 1))
	_nc_name="st-$T_RUN_ID-$_nc_tag-$BASHPID-$T_NS_SEQ"
	ip netns add "$_nc_name"
	T_NS_LIST+=("$_nc_name")
	ip netns exec "$_nc_name" ip link set lo up
	ip netns exec "$_nc_name" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip netns exec "$_nc_name" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	printf -v "$_nc_var" '%s' "$_nc_name"
}

# ns_tap NS [HOST_ADDR/PREFIX] [DEV] [OWNER]: a TAP device inside NS, the kernel's side of
# it addressed (default 10.0.0.1/24, tap0) and up. OWNER lets that user attach without root.
ns_tap() {
	local ns=$1 addr=${2:-10.0.0.1/24} dev=${3:-tap0} owner=${4:-}
	ip netns exec "$ns" ip tuntap add dev "$dev" mode tap ${owner:+user "$owner"}
	ip netns exec "$ns" ip addr add "$addr" dev "$dev"
	ip netns exec "$ns" ip link set "$dev" up
}

# ns_up VAR: the common case, a namespace with tap0 and the host at 10.0.0.1/24.
ns_up() {
	ns_create "$1"
	ns_tap "${!1}"
}

# public_copy VAR FILE...: copy FILEs (e.g. "$BIN/stackd") into a fresh directory that any
# user can read, so a test can run them as nobody even when the checkout is private. The
# directory goes into VAR and is removed when the case ends.
public_copy() {
	local _pc_var=$1 _pc_dir
	shift
	_pc_dir=$(mktemp -d /tmp/netns-public.XXXXXX)
	T_RM_LIST+=("$_pc_dir")
	chmod 755 "$_pc_dir"
	if (($# > 0)); then
		cp -- "$@" "$_pc_dir/"
		chmod -R a+rX "$_pc_dir"
	fi
	printf -v "$_pc_var" '%s' "$_pc_dir"
}

# nobody_setup: sets AS_NOBODY, a command prefix that runs the rest as user nobody without
# capabilities, e.g.  ns_exec "$ns" "${AS_NOBODY[@]}" "$dir/stackd".
# Linux makes /dev/net/tun mode 0666, but some containers make it 0600, which would hide
# the TAP driver's own checks from an unprivileged user: then the prefix also binds a 0666
# node of the same device over it, in a private mount namespace of that process only.
nobody_setup() {
	local dir major minor
	AS_NOBODY=(setpriv --reuid=nobody --regid="$(id -gn nobody 2>/dev/null || echo nogroup)"
		--clear-groups --inh-caps=-all)
	if [[ "$(stat -c %a /dev/net/tun)" != *6 ]]; then
		public_copy dir
		major=$((0x$(stat -c %t /dev/net/tun)))
		minor=$((0x$(stat -c %T /dev/net/tun)))
		mknod -m 666 "$dir/tun" c "$major" "$minor"
		AS_NOBODY=(unshare --mount --propagation private
			bash -c 'mount --bind "$0" /dev/net/tun && exec "$@"' "$dir/tun"
			"${AS_NOBODY[@]}")
	fi
}

# ns_exec NS CMD...: run CMD in NS in the foreground, killed after T_CMD_TIMEOUT seconds
# (default 60) so that a hung command fails its case instead of the whole suite.
ns_exec() {
	local ns=$1
	shift
	timeout --foreground -k 5 "${T_CMD_TIMEOUT:-60}" ip netns exec "$ns" "$@"
}

# bg_start NS LOG CMD...: run CMD in NS in the background, output to LOG; sets BG_PID.
# It is killed when the case ends, if it has not been stopped before.
bg_start() {
	local ns=$1 log=$2
	shift 2
	ip netns exec "$ns" "$@" >"$log" 2>&1 </dev/null &
	BG_PID=$!
	T_PID_LIST+=("$BG_PID")
	if [[ -n "${NETNS_TMP:-}" ]]; then
		echo "$BG_PID" >>"$NETNS_TMP/pids"
	fi
}

# proc_stop PID [SIGNAL]: signal a process we started and wait for it (at most 10 s);
# returns its exit status (124 when it would not die and was killed).
proc_stop() {
	local pid=$1 sig=${2:-TERM} rc=0 i
	kill -"$sig" "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		return 124
	fi
	wait "$pid" || rc=$?
	return $rc
}

# wait_for SECONDS CMD...: retry CMD every 0.05 s until it succeeds or time runs out.
wait_for() {
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 20; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	"$@"
}

# listening NS PORT [PROTO]: the kernel has a listener (or bound UDP socket) on PORT in NS.
listening() {
	local flags=-Htln
	[[ "${3:-tcp}" == udp ]] && flags=-Huln
	[[ -n "$(ip netns exec "$1" ss "$flags" "sport = :$2")" ]]
}

# stackd_start NS [ARGS...]: $BIN/stackd in NS (log in STACKD_LOG, pid in STACKD_PID);
# waits until it reports that it is up, fails the case if it does not.
stackd_start() {
	local ns=$1
	shift
	T_STACKD_SEQ=$((${T_STACKD_SEQ:-0} + 1))
	STACKD_LOG="$T_TMP/stackd.$BASHPID.$T_STACKD_SEQ.log"
	bg_start "$ns" "$STACKD_LOG" "$BIN/stackd" "$@"
	STACKD_PID=$BG_PID
	if ! wait_for 10 grep -q '^stackd: up on' "$STACKD_LOG"; then
		cat "$STACKD_LOG" >&2
		fail "stackd did not come up"
	fi
}

# stackd_stop: SIGTERM; the daemon must exit 0 and its log show no sanitizer report.
stackd_stop() {
	local rc=0
	proc_stop "$STACKD_PID" TERM || rc=$?
	((rc == 0)) || {
		cat "$STACKD_LOG" >&2
		fail "stackd exited with status $rc on SIGTERM"
	}
	sanitizer_clean "$STACKD_LOG"
}

# sanitizer_clean LOG: fail when an ASan/UBSan/LSan report is in LOG.
sanitizer_clean() {
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$1"; then
		cat "$1" >&2
		fail "sanitizer report in $1"
	fi
}

# tshark_count PCAP FILTER: how many frames of PCAP match the display FILTER.
tshark_count() {
	tshark -r "$1" -Y "$2" 2>/dev/null | grep -c . || true
}

# expect_match TEXT REGEX [WHAT]: fail unless TEXT has a line matching the ERE.
expect_match() {
	if ! grep -qE -- "$2" <<<"$1"; then
		printf '%s\n' "$1" >&2
		fail "${3:-output} does not match /$2/"
	fi
}

# expect_no_match TEXT REGEX [WHAT]
expect_no_match() {
	if grep -qE -- "$2" <<<"$1"; then
		printf '%s\n' "$1" >&2
		fail "${3:-output} unexpectedly matches /$2/"
	fi
}

# expect_eq GOT WANT [WHAT]
expect_eq() {
	[[ "$1" == "$2" ]] || fail "${3:-value}: got '$1', want '$2'"
}

# expect_status WANT CMD...: run CMD, fail unless it exits with WANT. Output in T_OUT.
expect_status() {
	local want=$1 rc=0
	shift
	T_OUT=$("$@" 2>&1) || rc=$?
	if ((rc != want)); then
		printf '%s\n' "$T_OUT" >&2
		fail "'$*' exited $rc, want $want"
	fi
}

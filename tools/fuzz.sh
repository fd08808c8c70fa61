#!/usr/bin/env bash
# Drive the fuzz targets of tests/fuzz (make fuzz, make fuzz-replay).
#   tools/fuzz.sh run DIR NAME...     libFuzzer binary DIR/fuzz_NAME for FUZZ_SECONDS (default 60)
#                                     each, seeded from tests/fuzz/corpus/NAME; new inputs go to a
#                                     scratch corpus under DIR/../work, crashes to
#                                     tests/fuzz/crashes/NAME/. Exit 1 if any target crashed.
#   tools/fuzz.sh replay DIR NAME...  DIR/replay_NAME (no libFuzzer) over tests/fuzz/corpus/NAME.
#   tools/fuzz.sh merge DIR NAME...   -merge=1: add to tests/fuzz/corpus/NAME the scratch finds
#                                     that reach new coverage (run after `run`). The committed
#                                     inputs stay as they are: named regression inputs and hand
#                                     seeds are never replaced by hashes.
# Crash inputs stay out of the replayed corpus until the bug is fixed; then move them into
# tests/fuzz/corpus/NAME/ so `make test` keeps replaying them.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CORPUS=$ROOT/tests/fuzz/corpus
CRASHES=$ROOT/tests/fuzz/crashes
SECONDS_EACH=${FUZZ_SECONDS:-60}

usage() {
	echo "usage: $0 run|replay|merge DIR NAME..." >&2
	exit 2
}

[[ $# -ge 2 ]] || usage
mode=$1
dir=$2
shift 2
work=$(dirname "$dir")/work

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Longer inputs for the targets that take a sequence of frames.
max_len() {
	case $1 in
	stack | reass) echo 4096 ;;
	*) echo 2048 ;;
	esac
}

run_one() {
	local name=$1 bin=$dir/fuzz_$1 rc=0
	mkdir -p "$work/$name" "$CORPUS/$name" "$CRASHES/$name"
	echo "== fuzz $name for ${SECONDS_EACH}s"
	"$bin" -max_total_time="$SECONDS_EACH" -max_len="$(max_len "$name")" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$CRASHES/$name/" \
		"$work/$name" "$CORPUS/$name" >"$work/$name.log" 2>&1 || rc=$?
	grep -E '^(#[0-9]+ *DONE|stat::number_of_executed_units|stat::peak_rss_mb)' \
		"$work/$name.log" || true
	if [[ $rc -ne 0 ]]; then
		echo "!! fuzz $name: crash (exit $rc); log $work/$name.log, input under $CRASHES/$name/"
		grep -E -A40 '^==[0-9]+==ERROR|runtime error|^fuzz: ' "$work/$name.log" | head -60 || true
		return 1
	fi
}

replay_one() {
	local name=$1
	if [[ ! -d $CORPUS/$name ]]; then
		echo "replay $name: no corpus yet"
		return 0
	fi
	"$dir/replay_$name" "$CORPUS/$name"
}

merge_one() {
	local name=$1 bin=$dir/fuzz_$1 before
	mkdir -p "$work/$name" "$CORPUS/$name"
	before=$(find "$CORPUS/$name" -type f | wc -l)
	# Inputs that crash are left out of the merge; their copies go to the scratch area.
	"$bin" -merge=1 -max_len="$(max_len "$name")" -artifact_prefix="$work/merge-crash-" \
		"$CORPUS/$name" "$work/$name" >"$work/$name.merge.log" 2>&1
	echo "merge $name: $before -> $(find "$CORPUS/$name" -type f | wc -l) inputs," \
		"$(du -sk "$CORPUS/$name" | cut -f1) KiB"
}

failed=0
for name in "$@"; do
	case $mode in
	run) run_one "$name" || failed=1 ;;
	replay) replay_one "$name" || failed=1 ;;
	merge) merge_one "$name" || failed=1 ;;
	*) usage ;;
	esac
done
exit $failed

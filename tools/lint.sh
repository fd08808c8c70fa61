#!/usr/bin/env bash
# make lint (after clang-format): the project's grep rules, then cppcheck when installed.
# Each rule enforces a principle of ARCHITECTURE.md / docs/DESIGN.md:
#   tcp-state    only stack/tcp/tcp_fsm.c writes a TCB's state (tcp_set_state is the one door)
#   clock-rand   stack/ reads time and randomness only through stack/core/clock.c and
#                stack/core/rand.c (injected clock and RNG; tests replay exactly)
#   file-size    no source file over 1000 lines
#   fn-size      no function over 100 lines (definitions start "name(" at column 0)
#   if-0         no #if 0 blocks
# Prints every violation as FILE:LINE: rule: text, exits 1 if there is any.
set -euo pipefail

cd "$(dirname "$0")/.."
status=0

# Tracked and new (not ignored) files, so the rules see work not yet committed.
sources() { # GLOB...
	{
		git ls-files -- "$@"
		git ls-files --others --exclude-standard -- "$@"
	} 2>/dev/null | sort -u | while read -r f; do [[ -f "$f" ]] && echo "$f"; done
}

# fmt RULE: FILE:LINE:TEXT on stdin -> "FILE:LINE: RULE: TEXT".
fmt() {
	sed -E "s/^([^:]+):([0-9]+):[[:space:]]*(.*)$/\1:\2: $1: \3/"
}

# flag OUTPUT: print the violations a rule found, and remember that there were some.
flag() {
	if [[ -n "$1" ]]; then
		printf '%s\n' "$1"
		status=1
	fi
}

mapfile -t stack_c < <(sources 'stack/*.c' 'stack/*.h')
mapfile -t all_c < <(sources '*.c' '*.h')
[[ ${#stack_c[@]} -gt 0 ]] || stack_c=(/dev/null)
[[ ${#all_c[@]} -gt 0 ]] || all_c=(/dev/null)

# code_lines FILE...: "FILE:LINE:CODE" for every line, comments and string literals blanked
# (roughly: enough for the grep rules below not to trip over prose).
code_lines() {
	awk '
	FNR == 1 { inc = 0 }
	{
		line = $0; out = ""
		while (line != "") {
			if (inc) {
				i = index(line, "*/")
				if (!i) { line = ""; break }
				line = substr(line, i + 2); inc = 0; continue
			}
			i = index(line, "/*"); j = index(line, "//")
			if (j && (!i || j < i)) { out = out substr(line, 1, j - 1); line = ""; break }
			if (!i) { out = out line; line = ""; break }
			out = out substr(line, 1, i - 1) " "; line = substr(line, i + 2); inc = 1
		}
		gsub(/"([^"\\]|\\.)*"/, "\"\"", out)
		print FILENAME ":" FNR ":" out
	}' "$@"
}

# tcp-state: a write to a ->state or .state member (not a designated initializer) with a
# TCP_ state, or any such write under stack/tcp/ except a name for display.
flag "$(code_lines "${stack_c[@]}" |
	grep -E '(->|[]A-Za-z0-9_)]\.)state[[:space:]]*=[^=]' |
	grep -v '^stack/tcp/tcp_fsm\.c:' |
	grep -E '=[[:space:]]*TCP_|^stack/tcp/' |
	grep -vE 'state[[:space:]]*=[[:space:]]*(""|tcp_state_name\()' |
	fmt tcp-state)"

# clock-rand: clocks and libc randomness only in their two homes.
flag "$(code_lines "${stack_c[@]}" |
	grep -E '\b(clock_gettime|gettimeofday|time|random|srandom|rand|srand|rand_r|drand48|getrandom|arc4random)[[:space:]]*\(' |
	grep -vE '^stack/core/(clock|rand)\.c:' |
	fmt clock-rand)"

# file-size
flag "$(wc -l "${all_c[@]}" | awk '$2 != "total" && $1 > 1000 {
	printf "%s:1: file-size: %d lines (limit 1000; aim for 600)\n", $2, $1 }')"

# fn-size: a definition starts with "name(" at column 0 (return type on the line before)
# and ends at the first "}" at column 0.
flag "$(awk '
	FNR == 1 { infn = 0 }
	/^[a-z_][a-z0-9_]*\(/ && prev !~ /^#/ && prev != "" {
		name = $0; sub(/\(.*/, "", name); start = FNR; infn = 1
	}
	infn && /^}/ {
		if (FNR - start + 1 > 100)
			printf "%s:%d: fn-size: %s() is %d lines (limit 100; aim for 60)\n",
				FILENAME, start, name, FNR - start + 1
		infn = 0
	}
	{ prev = $0 }' "${all_c[@]}")"

# if-0
flag "$(grep -nE '^[[:space:]]*#[[:space:]]*if[[:space:]]+0\b' "${all_c[@]}" /dev/null | fmt if-0)"

if command -v cppcheck >/dev/null 2>&1; then
	# warning: likely bugs (null dereference, leaks, undefined behaviour); portability.
	# duplicateAssignExpression is style ("pos = *off, start = *off" is meant).
	if ! cppcheck --quiet --error-exitcode=1 --enable=warning,portability --std=c11 \
		-I. -D_GNU_SOURCE --inline-suppr --suppress=duplicateAssignExpression \
		--template='{file}:{line}: cppcheck: {severity}: {message} [{id}]' \
		stack drivers apps; then
		status=1
	fi
else
	echo "lint: cppcheck not installed, skipped (tools/deps.sh installs it)"
fi

if ((status == 0)); then
	echo "lint: clean"
fi
exit $status

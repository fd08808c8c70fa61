#!/usr/bin/env bash
# Connect to the stack from the host (issue 5 item 4): `stackd --http DIR --echo 7
# --discard 9 --chargen 19` on a TAP, and the Linux kernel's tools against it: ping, OpenBSD
# nc to echo (RFC 862), discard (RFC 863) and chargen (RFC 864), and curl to the static
# HTTP/1.1 server (RFC 9112 message syntax: GET, HEAD, Content-Length, 404, 400, persistent
# connections).
. "$(dirname "$0")/lib.sh"
t_require_root
t_require_cmd ip ping nc.openbsd curl sha256sum

KNC=nc.openbsd

# www_up [ARGS...]: namespace, a document root and stackd serving it with the small
# services (ARGS: more stackd options).
www_up() {
	ns_up ns
	WWW="$T_TMP/www.$BASHPID"
	mkdir -p "$WWW/sub"
	printf '<html><body><h1>stackd</h1><p>Hello from a user-space TCP/IP stack.</p></body></html>\n' \
		>"$WWW/index.html"
	printf 'plain text\n' >"$WWW/sub/a.txt"
	head -c 300000 /dev/urandom >"$WWW/big.bin"
	T_RM_LIST+=("$WWW")
	stackd_start "$ns" --http "$WWW" --echo 7 --discard 9 --chargen 19 "$@"
}

# curl_run ARGS...: curl in $ns; body in the file $BODY, headers (and -v chatter) in the
# variable HDRS, exit status in RC.
curl_run() {
	BODY="$T_TMP/body.$BASHPID"
	RC=0
	HDRS=$(ns_exec "$ns" curl -sS -v --max-time 10 -o "$BODY" "$@" 2>&1) || RC=$?
	echo "$ curl $* -> exit $RC"
	echo "$HDRS" | grep -E '^[<>*] ' || true
}

case_host_pings_stack() {
	www_up
	out=$(ns_exec "$ns" ping -n -c 3 -i 0.2 -W 2 10.0.0.2) || fail "no reply: $out"
	echo "$out"
	expect_match "$out" '^3 packets transmitted, 3 received, 0% packet loss' "ping summary"
	stackd_stop
}

# RFC 862: what we send comes back; nc -N half-closes and the server closes after echoing.
case_nc_echo() {
	www_up
	head -c 200000 /dev/urandom >"$T_TMP/echo.in"
	ns_exec "$ns" timeout 10 "$KNC" -N 10.0.0.2 7 <"$T_TMP/echo.in" >"$T_TMP/echo.out" ||
		fail "nc to echo failed"
	expect_eq "$(sha256sum <"$T_TMP/echo.out")" "$(sha256sum <"$T_TMP/echo.in")" "echoed bytes"
	out=$(echo "hello echo" | ns_exec "$ns" timeout 5 "$KNC" -N 10.0.0.2 7)
	expect_eq "$out" "hello echo" "short echo"
	stackd_stop
}

# RFC 863: everything is swallowed, nothing comes back, and the connection closes cleanly.
case_nc_discard() {
	www_up
	out=$(head -c 100000 /dev/zero | ns_exec "$ns" timeout 10 "$KNC" -N 10.0.0.2 9 | wc -c)
	expect_eq "$out" 0 "bytes back from discard"
	stackd_stop
}

# RFC 864: lines of 72 printable characters, each rotated by one, CRLF-terminated.
case_nc_chargen() {
	www_up
	ns_exec "$ns" timeout 5 "$KNC" -d 10.0.0.2 19 2>/dev/null | head -c 7400 >"$T_TMP/chargen" || true
	expect_eq "$(wc -c <"$T_TMP/chargen")" 7400 "chargen bytes"
	first=$(head -n 1 "$T_TMP/chargen")
	second=$(sed -n 2p "$T_TMP/chargen")
	want=$(python3 -c 'print("".join(chr(32 + j) for j in range(72)), end="\r")')
	expect_eq "$first" "$want" "line 1"
	expect_eq "${second:0:3}" '!"#' "line 2 starts one further"
	expect_eq "$(head -n 100 "$T_TMP/chargen" | awk '{ if (length($0) != 73) bad++ } END { print bad + 0 }')" \
		0 "lines of 72 characters + CR"
	stackd_stop
}

# GET /: 200, the exact file, Content-Length equal to its size, and a Date header.
case_curl_get_index() {
	www_up
	curl_run http://10.0.0.2/
	expect_eq "$RC" 0 "curl exit status"
	expect_match "$HDRS" '^< HTTP/1\.1 200 OK' "status line"
	expect_match "$HDRS" "^< Content-Length: $(wc -c <"$WWW/index.html")"$'\r'"?$" "Content-Length"
	expect_match "$HDRS" '^< Content-Type: text/html' "Content-Type"
	expect_match "$HDRS" '^< Date: [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} ' "Date"
	cmp "$BODY" "$WWW/index.html" || fail "body differs from index.html"
	curl_run http://10.0.0.2/big.bin
	expect_match "$HDRS" '^< Content-Length: 300000' "Content-Length of big.bin"
	cmp "$BODY" "$WWW/big.bin" || fail "big.bin differs"
	curl_run http://10.0.0.2/sub/a.txt
	expect_match "$HDRS" '^< Content-Type: text/plain' "Content-Type of a.txt"
	cmp "$BODY" "$WWW/sub/a.txt" || fail "a.txt differs"
	stackd_stop
}

# HEAD: the same headers as GET (Content-Length of the file) but no body.
case_curl_head() {
	www_up
	curl_run -I http://10.0.0.2/
	expect_eq "$RC" 0 "curl exit status"
	expect_match "$HDRS" '^< HTTP/1\.1 200 OK' "status line"
	expect_match "$HDRS" "^< Content-Length: $(wc -c <"$WWW/index.html")" "Content-Length"
	# The raw response ends right after the header block: nothing follows the empty line.
	raw=$(printf 'HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
		ns_exec "$ns" timeout 5 "$KNC" -N 10.0.0.2 80 | od -An -c | tr -d ' \n')
	[[ "$raw" == *'\r\n\r\n' ]] || fail "HEAD response has bytes after the headers: $raw"
	stackd_stop
}

case_curl_404() {
	www_up
	curl_run http://10.0.0.2/nothere.html
	expect_eq "$RC" 0 "curl exit status"
	expect_match "$HDRS" '^< HTTP/1\.1 404 Not Found' "status line"
	expect_match "$(cat "$BODY")" '404 Not Found' "body"
	curl_run --path-as-is http://10.0.0.2/../etc/passwd
	expect_match "$HDRS" '^< HTTP/1\.1 404 Not Found' "status for a path outside the root"
	stackd_stop
}

# A malformed request line (no version) gets 400 and the connection is closed.
case_bad_request_400() {
	www_up
	out=$(printf 'GARBAGE\r\n\r\n' | ns_exec "$ns" timeout 5 "$KNC" -N 10.0.0.2 80)
	echo "$out"
	expect_match "$out" $'^HTTP/1\\.1 400 Bad Request\r$' "status line"
	expect_match "$out" $'^Connection: close\r$' "Connection header"
	out=$(printf 'GET / HTTP/9.9\r\n\r\n' | ns_exec "$ns" timeout 5 "$KNC" -N 10.0.0.2 80)
	expect_match "$out" $'^HTTP/1\\.1 400 Bad Request\r$' "status for HTTP/9.9"
	stackd_stop
}

# A file that changes, or goes away, is served as it is on disk again after at most a
# second (httpd's cache of file contents is revalidated once a second).
case_changed_file_served_within_a_second() {
	www_up
	curl_run http://10.0.0.2/sub/a.txt
	cmp "$BODY" "$WWW/sub/a.txt" || fail "a.txt differs"
	printf 'changed text, longer\n' >"$WWW/sub/a.txt"
	sleep 1.2
	curl_run http://10.0.0.2/sub/a.txt
	cmp "$BODY" "$WWW/sub/a.txt" || fail "a.txt not served as changed"
	rm "$WWW/sub/a.txt"
	sleep 1.2
	curl_run http://10.0.0.2/sub/a.txt
	expect_match "$HDRS" '^< HTTP/1\.1 404 Not Found' "status after removal"
	stackd_stop
}

# Two URLs in one curl: the second request goes over the same connection (RFC 9112 9.3).
case_keep_alive() {
	www_up
	curl_run http://10.0.0.2/ -o "$T_TMP/second" http://10.0.0.2/sub/a.txt
	expect_eq "$RC" 0 "curl exit status"
	expect_match "$HDRS" '^\* Re-using existing connection' "connection reuse"
	expect_eq "$(grep -c '^\* Connected to' <<<"$HDRS")" 1 "connections opened"
	expect_eq "$(grep -c '^< HTTP/1\.1 200 OK' <<<"$HDRS")" 2 "responses"
	cmp "$T_TMP/second" "$WWW/sub/a.txt" || fail "second body differs"
	stackd_stop
}

# cpu_ticks PID: user + system clock ticks the process has used (proc(5) stat 14, 15).
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# --busy-poll USEC (issue 7, opt-in): after input stackd keeps polling without sleeping for
# up to USEC, then sleeps again. With pings every 2 ms and a 5 ms spin it never sleeps (a
# CPU's worth of ticks); a second without traffic costs nothing; pages are served intact.
case_busy_poll_spins_after_input_then_sleeps() {
	local hz t0 t1
	hz=$(getconf CLK_TCK)
	www_up --busy-poll 5000
	curl_run http://10.0.0.2/big.bin
	expect_eq "$RC" 0 "curl exit status"
	cmp "$BODY" "$WWW/big.bin" || fail "big.bin differs"
	t0=$(cpu_ticks "$STACKD_PID")
	ns_exec "$ns" ping -n -q -i 0.002 -c 500 10.0.0.2 >/dev/null || fail "ping"
	t1=$(cpu_ticks "$STACKD_PID")
	echo "pings every 2 ms for ~1 s: stackd used $((t1 - t0)) of $hz ticks a second"
	(((t1 - t0) * 2 >= hz)) || fail "stackd slept between pings despite --busy-poll 5000"
	sleep 0.1
	t0=$(cpu_ticks "$STACKD_PID")
	sleep 1
	t1=$(cpu_ticks "$STACKD_PID")
	echo "one idle second: stackd used $((t1 - t0)) ticks"
	(((t1 - t0) * 20 <= hz)) || fail "stackd kept spinning without input"
	stackd_stop
}

t_case host_pings_stack case_host_pings_stack
t_case nc_echo case_nc_echo
t_case nc_discard case_nc_discard
t_case nc_chargen case_nc_chargen
t_case curl_get_index case_curl_get_index
t_case curl_head case_curl_head
t_case curl_404 case_curl_404
t_case bad_request_400 case_bad_request_400
t_case keep_alive case_keep_alive
t_case changed_file_served_within_a_second case_changed_file_served_within_a_second
t_case busy_poll_spins_after_input_then_sleeps case_busy_poll_spins_after_input_then_sleeps
t_done

#!/usr/bin/env python3
"""User-space stand-in for `tc qdisc add dev tap0 root netem ...` (used by test_netem.sh).

Some kernels ship without sch_netem (CONFIG_NET_SCH_NETEM unset, no modules). This bridges
the stack's TAP (TAP_STACK: stackd owns its fd; we reach its kernel side with an AF_PACKET
socket) and a second TAP (TAP_HOST: we own its fd; the kernel's address lives on it), and
impairs what flows between them the way netem does on an egress queue: every frame is
delayed by DELAY ms, except that REORDER% of them skip the delay (netem's reordering), LOSS%
are dropped, DUP% are sent twice, and CORRUPT% get one random bit flipped anywhere in the
frame. Optionally CE% of the ECN-capable IPv4 frames get Congestion Experienced instead (as
an AQM marking rather than dropping them, RFC 3168 5; this kernel has no marking qdisc).
Runs inside the test's namespace until SIGTERM, then prints its counters.

usage: netem_tap.py TAP_STACK TAP_HOST SEED DIRS LOSS REORDER DUP CORRUPT DELAY_MS [CE]
DIRS: "host" impairs host->stack frames only (netem on the host side of the TAP, egress);
"both" impairs both directions.
NETEM_DROP="data:N,fin:M" (environment) also drops, whatever DIRS says, the Nth IPv4 TCP
frame from the stack that carries payload and the Mth that carries FIN (counted from 1 over
every such frame, resends included): losses placed exactly, for tests of loss recovery.
"""
import fcntl
import heapq
import os
import random
import select
import signal
import socket
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def open_tap(name):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TAP | IFF_NO_PI))
    return fd


def mark_ce(frame):
    """The frame with its IPv4 ECN field set to CE (checksum fixed), if it is ECT(0) or
    ECT(1); else None."""
    if len(frame) < 34 or frame[12:14] != b"\x08\x00" or frame[14] >> 4 != 4:
        return None
    ihl = (frame[14] & 15) * 4
    if ihl < 20 or len(frame) < 14 + ihl or frame[15] & 3 not in (1, 2):
        return None
    b = bytearray(frame)
    b[15] |= 3
    b[24:26] = b"\x00\x00"
    total = sum(struct.unpack("!%dH" % (ihl // 2), bytes(b[14 : 14 + ihl])))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    b[24:26] = struct.pack("!H", ~total & 0xFFFF)
    return bytes(b)


def tcp_kind(frame):
    """("data", "fin") membership of an Ethernet frame holding IPv4 TCP: a set of the kinds."""
    if len(frame) < 34 or frame[12:14] != b"\x08\x00" or frame[23] != 6:
        return set()
    ihl = (frame[14] & 15) * 4
    total = struct.unpack("!H", frame[16:18])[0]
    if ihl < 20 or len(frame) < 14 + ihl + 20 or total < ihl + 20:
        return set()
    tcp = 14 + ihl
    doff = (frame[tcp + 12] >> 4) * 4
    kinds = set()
    if total - ihl - doff > 0:
        kinds.add("data")
    if frame[tcp + 13] & 1:
        kinds.add("fin")
    return kinds


def parse_drops(spec):
    """NETEM_DROP "data:3,fin:1" -> {"data": 3, "fin": 1}."""
    drops = {}
    for item in filter(None, spec.split(",")):
        kind, _, n = item.partition(":")
        if kind not in ("data", "fin") or not n.isdigit() or int(n) < 1:
            sys.exit("netem_tap: bad NETEM_DROP item %r (want data:N or fin:N)" % item)
        drops[kind] = int(n)
    return drops


def main():
    if len(sys.argv) not in (10, 11):
        sys.exit(__doc__)
    tap_stack, tap_host, seed, dirs = sys.argv[1:5]
    loss, reorder, dup, corrupt = (float(x) / 100.0 for x in sys.argv[5:9])
    delay = float(sys.argv[9]) / 1000.0
    ce = float(sys.argv[10]) / 100.0 if len(sys.argv) == 11 else 0.0
    rng = random.Random(int(seed))
    drops = parse_drops(os.environ.get("NETEM_DROP", ""))
    seen = {"data": 0, "fin": 0}

    host_fd = open_tap(tap_host)
    pkt = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    pkt.bind((tap_stack, 0))
    pkt.setblocking(False)
    pkt.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    stats = {
        k: 0 for k in ("to_stack", "to_host", "lost", "dup", "corrupt", "reordered", "ce", "dropped")
    }
    queue = []  # (due, seq, direction, frame)
    seq = [0]

    def emit(direction, frame):
        try:
            if direction == "to_stack":
                pkt.send(frame)
            else:
                os.write(host_fd, frame)
            stats[direction] += 1
        except OSError:
            pass  # a full queue drops, as a real link would

    def placed_drop(frame):
        hit = False
        for kind in tcp_kind(frame):
            seen[kind] += 1
            hit = hit or seen[kind] == drops.get(kind)
        return hit

    def schedule(direction, frame, now):
        if direction == "to_host" and drops and placed_drop(frame):
            stats["dropped"] += 1
            return
        if dirs != "both" and direction == "to_host":
            emit(direction, frame)
            return
        if rng.random() < loss:
            stats["lost"] += 1
            return
        if ce and rng.random() < ce:
            marked = mark_ce(frame)
            if marked:
                frame = marked
                stats["ce"] += 1
        copies = 2 if rng.random() < dup else 1
        stats["dup"] += copies - 1
        for _ in range(copies):
            f = frame
            if rng.random() < corrupt:
                b = bytearray(f)
                bit = rng.randrange(len(b) * 8)
                b[bit // 8] ^= 1 << (bit % 8)
                f = bytes(b)
                stats["corrupt"] += 1
            due = now + delay
            if rng.random() < reorder:
                due = now
                stats["reordered"] += 1
            seq[0] += 1
            heapq.heappush(queue, (due, seq[0], direction, f))

    print("netem_tap: up", flush=True)
    while not stop:
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, direction, f = heapq.heappop(queue)
            emit(direction, f)
        timeout = max(0.0, queue[0][0] - now) if queue else 0.2
        try:
            ready, _, _ = select.select([host_fd, pkt], [], [], min(timeout, 0.2))
        except InterruptedError:
            continue
        now = time.monotonic()
        if pkt in ready:
            for _ in range(256):
                try:
                    frame, addr = pkt.recvfrom(65536)
                except BlockingIOError:
                    break
                if addr[2] != PACKET_OUTGOING:  # what stackd wrote, not what we sent it
                    schedule("to_host", frame, now)
        if host_fd in ready:
            for _ in range(256):
                try:
                    frame = os.read(host_fd, 65536)
                except BlockingIOError:
                    break
                schedule("to_stack", frame, now)
    print("netem_tap: " + " ".join("%s=%d" % kv for kv in sorted(stats.items())), flush=True)


if __name__ == "__main__":
    main()

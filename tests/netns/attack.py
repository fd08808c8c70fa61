#!/usr/bin/python3
"""Crafted-packet attacker for tests/netns/test_attack.sh (issue 6 item 4).

Runs inside the test's namespace on the host side of the TAP (default tap0) and writes raw
Ethernet frames towards stackd, whose MAC the test fixes with --mac. Needs scapy (Debian
python3-scapy). Every subcommand prints "attack: KEY=VALUE ..." summary lines for the test.

  attack.py inject IFACE STACK_MAC SPORT DPORT SECONDS   RFC 5961 blind RST/SYN/data
  attack.py frag IFACE STACK_MAC FLOOD_COUNT             ping of death, teardrop, flood
  attack.py land IFACE STACK_MAC COUNT                   SYN 10.0.0.2:80 -> 10.0.0.2:80
  attack.py arpspoof IFACE STACK_MAC SECONDS             unsolicited ARP replies for .1
"""
import random
import socket
import struct
import sys
import time

from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.l2 import ARP, Ether
from scapy.packet import Raw

HOST_IP = "10.0.0.1"
STACK_IP = "10.0.0.2"
FAKE_MAC = "02:de:ad:be:ef:01"
ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800


def log(msg):
    print("attack: " + msg, flush=True)


def raw_socket(iface):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((iface, ETH_P_ALL))
    return s


def iface_mac(iface):
    with open("/sys/class/net/%s/address" % iface) as f:
        return f.read().strip()


def parse_tcp(frame):
    """(src, dst, sport, dport, seq, ack, flags, wnd, payload_len, tsval) of an IPv4/TCP
    frame, or None."""
    if len(frame) < 14 + 20 or struct.unpack_from("!H", frame, 12)[0] != ETH_P_IP:
        return None
    ihl = (frame[14] & 15) * 4
    tot = struct.unpack_from("!H", frame, 16)[0]
    if frame[23] != 6 or len(frame) < 14 + ihl + 20:
        return None
    src = socket.inet_ntoa(frame[26:30])
    dst = socket.inet_ntoa(frame[30:34])
    t = 14 + ihl
    sport, dport, seq, ack, off, flags, wnd = struct.unpack_from("!HHIIBBH", frame, t)
    thl = (off >> 4) * 4
    tsval = None
    i, end = t + 20, min(t + thl, len(frame))
    while i < end:  # RFC 9293 3.1 option list; RFC 7323 3.2 timestamps
        kind = frame[i]
        if kind == 0:
            break
        if kind == 1:
            i += 1
            continue
        if i + 1 >= end or frame[i + 1] < 2:
            break
        if kind == 8 and frame[i + 1] == 10 and i + 10 <= end:
            tsval = struct.unpack_from("!I", frame, i + 2)[0]
        i += frame[i + 1]
    return (src, dst, sport, dport, seq, ack, flags, wnd, tot - ihl - thl, tsval)


def inject(iface, stack_mac, sport, dport, seconds):
    """RFC 5961: forge segments on the kernel's 4-tuple towards the stack while a transfer
    runs. The sequence numbers are learnt by sniffing (an attacker luckier than a blind one)
    but never exact: RSTs land inside the window, data carries an unacceptable ACK or an
    out-of-window sequence number. None of it may reset or corrupt the connection."""
    s = raw_socket(iface)
    s.setblocking(False)
    host_mac = iface_mac(iface)
    rcv_nxt = snd_nxt = wnd = tsval = None
    last_ts_stack = 0
    mss = 1448
    counts = {"rst": 0, "rstack": 0, "syn": 0, "data_bad_ack": 0, "data_old_seq": 0}
    rounds, fin_seen, deadline = 0, False, time.time() + seconds
    rng = random.Random(5961)
    while time.time() < deadline and not fin_seen:
        while True:  # drain: keep the newest view of both directions
            try:
                frame = s.recv(65536)
            except BlockingIOError:
                break
            p = parse_tcp(frame)
            if not p:
                continue
            src, dst, sp, dp, seq, ack, flags, w, plen, ts = p
            if (src, sp, dst, dp) == (HOST_IP, sport, STACK_IP, dport):
                rcv_nxt = (seq + plen) & 0xFFFFFFFF
                snd_nxt = ack  # the stack's SND.UNA, until its own data shows more
                tsval = ts
                if flags & 0x05:  # FIN or RST from the kernel: the transfer is over
                    fin_seen = True
            elif (src, sp, dst, dp) == (STACK_IP, dport, HOST_IP, sport):
                wnd = w
                last_ts_stack = ts or last_ts_stack
                if plen:
                    snd_nxt = (seq + plen) & 0xFFFFFFFF
        if rcv_nxt is None or wnd is None or fin_seen:
            time.sleep(0.002)
            continue
        # In the window (the unscaled field is a lower bound of it) but never exact (RFC 5961
        # 3.2): an odd distance from RCV.NXT, and the kernel's segments here (32 KB writes in
        # MSS-sized pieces) all have an even length.
        off = min(wnd // 2, 30000) // mss * mss + mss // 2 + 1
        opts = []
        if tsval is not None:  # pass PAWS (RFC 7323 5.3) so the RFC 5961 checks decide
            opts = [("NOP", None), ("NOP", None), ("Timestamp", (tsval, last_ts_stack))]
        base = Ether(src=host_mac, dst=stack_mac) / IP(src=HOST_IP, dst=STACK_IP)
        forged = [
            ("rst", TCP(sport=sport, dport=dport, flags="R", seq=(rcv_nxt + off) & 0xFFFFFFFF)),
            ("rstack", TCP(sport=sport, dport=dport, flags="RA", seq=(rcv_nxt + off + 2) & 0xFFFFFFFF,
                           ack=snd_nxt)),
            ("syn", TCP(sport=sport, dport=dport, flags="S", seq=rng.getrandbits(32),
                        window=65535, options=[("MSS", 1460)])),
            ("data_bad_ack", TCP(sport=sport, dport=dport, flags="PA",
                                 seq=(rcv_nxt + off) & 0xFFFFFFFF,
                                 ack=(snd_nxt + (1 << 30) * (1 + rounds % 2)) & 0xFFFFFFFF,
                                 window=65535, options=opts) / Raw(b"FORGED!" * 15)),
            ("data_old_seq", TCP(sport=sport, dport=dport, flags="PA",
                                 seq=(rcv_nxt - 300000) & 0xFFFFFFFF, ack=snd_nxt,
                                 window=65535, options=opts) / Raw(b"forged?" * 15)),
        ]
        for name, seg in forged:
            s.send(bytes(base / seg))
            counts[name] += 1
        rounds += 1
        time.sleep(0.01)
    log("rounds=%d %s fin_seen=%d" % (rounds, " ".join("%s=%d" % kv for kv in counts.items()),
                                       fin_seen))


def ip_frame(host_mac, stack_mac, src, ipid, proto, frag, mf, payload):
    flags = "MF" if mf else 0
    return bytes(Ether(src=host_mac, dst=stack_mac) /
                 IP(src=src, dst=STACK_IP, id=ipid, proto=proto, flags=flags, frag=frag) /
                 Raw(payload))


def frag(iface, stack_mac, flood_count):
    """RFC 791 reassembly attacks: a ping of death (fragments ending past 65535 bytes), two
    teardrops (a fragment inside, and one straddling, an earlier one) and a flood of first
    fragments from spoofed sources that never complete."""
    s = raw_socket(iface)
    host_mac = iface_mac(iface)
    # Ping of death: a 65,600-byte ICMP echo in 1480-byte pieces; the last ends past 65535.
    n_pod = 0
    for ipid in (0x4444, 0x4445, 0x4446):
        icmp = bytes(ICMP(type=8, id=ipid, seq=1) / Raw(b"D" * 65600))
        for off in range(0, len(icmp), 1480):
            chunk = icmp[off:off + 1480]
            s.send(ip_frame(host_mac, stack_mac, HOST_IP, ipid, 1, off // 8,
                            off + 1480 < len(icmp), chunk))
            n_pod += 1
    log("ping_of_death_fragments=%d last_end=%d" % (n_pod, 20 + len(icmp)))
    # Teardrop: UDP to port 9 in two fragments that overlap with different bytes (the same
    # bytes again are a harmless duplicate): the classic last fragment lying inside the
    # first, a middle fragment inside it, and one straddling its end.
    udp = bytes(UDP(sport=1234, dport=9, len=8 + 56) / Raw(b"T" * 56))
    for ipid, frag2, mf2 in ((0x7701, 3, False), (0x7702, 3, True), (0x7703, 4, False)):
        s.send(ip_frame(host_mac, stack_mac, HOST_IP, ipid, 17, 0, True, udp[:48]))
        s.send(ip_frame(host_mac, stack_mac, HOST_IP, ipid, 17, frag2, mf2,
                        b"X" * (16 if frag2 == 3 else 32)))
    log("teardrop_datagrams=3")
    # Flood: first fragments (MF, offset 0) of 1,000 bytes from 198.51.100.0/24.
    rng = random.Random(791)
    proto_udp = bytes(UDP(sport=53, dport=9, len=1400)) + b"F" * 992
    t0 = time.time()
    for i in range(flood_count):
        src = "198.51.100.%d" % (1 + i % 254)
        s.send(ip_frame(host_mac, stack_mac, src, rng.getrandbits(16), 17, 0, True, proto_udp))
    secs = time.time() - t0
    log("flood_fragments=%d seconds=%.2f rate=%d" % (flood_count, secs, flood_count / max(secs, 1e-3)))


def land(iface, stack_mac, count):
    """LAND: SYNs whose source is the destination (10.0.0.2:80 -> 10.0.0.2:80); the stack
    must not answer itself (RFC 1122 3.2.1.3: a source that is one of our addresses)."""
    s = raw_socket(iface)
    host_mac = iface_mac(iface)
    for i in range(count):
        s.send(bytes(Ether(src=host_mac, dst=stack_mac) / IP(src=STACK_IP, dst=STACK_IP) /
                     TCP(sport=80, dport=80, flags="S", seq=1000 + i, window=8192)))
    log("land_syns=%d" % count)


def arpspoof(iface, stack_mac, seconds):
    """Unsolicited ARP replies (RFC 826 op 2) claiming 10.0.0.1 is at FAKE_MAC every 5 ms;
    count what the stack sends to FAKE_MAC meanwhile (a hijacked entry would show)."""
    s = raw_socket(iface)
    s.setblocking(False)
    fake = bytes.fromhex(FAKE_MAC.replace(":", ""))
    reply = bytes(Ether(src=FAKE_MAC, dst=stack_mac) /
                  ARP(op=2, hwsrc=FAKE_MAC, psrc=HOST_IP, hwdst=stack_mac, pdst=STACK_IP))
    sent = to_fake = 0
    deadline = time.time() + seconds
    while time.time() < deadline:
        s.send(reply)
        sent += 1
        while True:
            try:
                frame = s.recv(65536)
            except BlockingIOError:
                break
            if frame[:6] == fake:
                to_fake += 1
        time.sleep(0.005)
    log("arp_replies=%d frames_to_fake_mac=%d" % (sent, to_fake))


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd, args = argv[1], argv[2:]
    if cmd == "inject" and len(args) == 5:
        inject(args[0], args[1], int(args[2]), int(args[3]), float(args[4]))
    elif cmd == "frag" and len(args) == 3:
        frag(args[0], args[1], int(args[2]))
    elif cmd == "land" and len(args) == 3:
        land(args[0], args[1], int(args[2]))
    elif cmd == "arpspoof" and len(args) == 3:
        arpspoof(args[0], args[1], float(args[2]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)

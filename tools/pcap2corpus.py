#!/usr/bin/env python3
"""Turn real captures into seed inputs for the fuzz targets of tests/fuzz.

usage: tools/pcap2corpus.py TARGET OUTDIR PCAP...
TARGET is stack, dns, tcp_opts, arp or reass; the input formats are described at the top of
tests/fuzz/fuzz_TARGET.c. Frames count as "to the stack" when they come from a MAC other than
the stack's (02:00:00:00:00:fe, tests/fuzz/harness.h) to that MAC or to broadcast. Each output
file is named after the SHA-1 of its content, as libFuzzer names corpus files.
"""
import hashlib
import os
import struct
import sys

STACK_MAC = bytes.fromhex("0200000000fe")
BROADCAST = b"\xff" * 6
STACK_IP = bytes([10, 0, 0, 2])
DNS_NAMES = ["google.com", "a.example.test", "www.example.test", "two.example.test",
             "v6.example.test", "nx.example.test"]  # fuzz_dns.c names[]
MAX_INPUT = 4000  # below tools/fuzz.sh -max_len for stack and reass


def read_pcap(path):
    """Frames of a classic pcap file (Ethernet or raw IPv4), as (linktype, bytes)."""
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        sys.exit(f"{path}: not a classic pcap file")
    linktype = struct.unpack(end + "I", data[20:24])[0]
    off, frames = 24, []
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
        off += 16
        frames.append(data[off:off + incl])
        off += incl
    if linktype == 101:  # DLT_RAW: give it an Ethernet header from the peer
        frames = [STACK_MAC + bytes.fromhex("020000000001") + b"\x08\x00" + fr for fr in frames]
    elif linktype != 1:
        sys.exit(f"{path}: link type {linktype} is neither Ethernet nor raw IPv4")
    return frames


def to_stack(fr):
    return len(fr) >= 14 and fr[6:12] != STACK_MAC and fr[0:6] in (STACK_MAC, BROADCAST)


def ipv4(fr):
    """(header length, payload bytes, header bytes) of an IPv4 frame, or None."""
    if len(fr) < 34 or fr[12:14] != b"\x08\x00" or fr[14] >> 4 != 4:
        return None
    hl = (fr[14] & 15) * 4
    total = struct.unpack(">H", fr[16:18])[0]
    if hl < 20 or total < hl or 14 + total > len(fr):
        return None
    return hl, fr[14 + hl:14 + total], fr[14:14 + hl]


def is_fragment(iph):
    return struct.unpack(">H", iph[6:8])[0] & 0x3fff != 0


def tcp_of(fr):
    ip = ipv4(fr)
    if not ip or ip[2][9] != 6 or is_fragment(ip[2]) or len(ip[1]) < 20:
        return None
    return ip


def stack_isns(frames):
    """The stack's ISN per (stack port, peer ip, peer port), from its SYN or SYN,ACK."""
    isn = {}
    for fr in frames:
        ip = tcp_of(fr)
        if not ip or ip[2][12:16] != STACK_IP or not ip[1][13] & 0x02:
            continue
        sport, dport, seq = struct.unpack(">HHI", ip[1][:8])
        isn[(sport, ip[2][16:20], dport)] = seq
    return isn


def stack_record(fr, isn):
    """One [CTL][LEN16][frame] record: TCP with a known stream in mode 2 (ACK relative to
    the stack's ISN), everything else raw (mode 0). CTL bits 2-3 = 0: read the sockets."""
    ip = tcp_of(fr)
    if ip:
        sport, dport = struct.unpack(">HH", ip[1][:4])
        key = (dport, ip[2][12:16], sport)
        if key in isn:
            off = 14 + len(ip[2]) + 8
            ack = (struct.unpack(">I", fr[off:off + 4])[0] - isn[key]) & 0xffffffff
            fr = fr[:off] + struct.pack(">I", ack) + fr[off + 4:]
            return bytes([2]) + struct.pack(">H", len(fr)) + fr
    return bytes([0]) + struct.pack(">H", len(fr)) + fr


def conv_stack(frames):
    isn = stack_isns(frames)
    recs = [stack_record(fr, isn) for fr in frames if to_stack(fr)]
    out, cur = [], b""
    for r in recs:  # whole conversations, cut at MAX_INPUT
        if cur and len(cur) + len(r) > MAX_INPUT:
            out.append(cur)
            cur = b""
        cur += r
    if cur:
        out.append(cur)
    return out + [r for r in recs if len(r) > 3]  # and every frame on its own


def dns_name_at(msg, off):
    labels = []
    while off < len(msg) and msg[off] != 0 and msg[off] < 64:
        labels.append(msg[off + 1:off + 1 + msg[off]].decode("ascii", "replace"))
        off += 1 + msg[off]
    return ".".join(labels), off + 1


def conv_dns(frames):
    out = []
    for fr in frames:
        ip = ipv4(fr)
        if not ip or ip[2][9] != 17 or len(ip[1]) < 8 + 12 or ip[1][0:2] != b"\x00\x35":
            continue
        msg = ip[1][8:]
        name, off = dns_name_at(msg, 12)
        qtype = struct.unpack(">H", msg[off:off + 2])[0] if off + 2 <= len(msg) else 1
        sel = DNS_NAMES.index(name) if name in DNS_NAMES else 0
        sel |= 0x80 if qtype == 28 else 0
        out.append(bytes([sel, 0]) + struct.pack(">H", len(msg)) + msg)
    return out


def conv_tcp_opts(frames):
    out = []
    for fr in frames:
        ip = tcp_of(fr)
        if ip:
            out.append(ip[1][:min(len(ip[1]), (ip[1][12] >> 4) * 4)])
    return out


def conv_arp(frames):
    recs = []
    for fr in frames:
        if len(fr) >= 42 and fr[12:14] == b"\x08\x06" and fr[6:12] != STACK_MAC:
            ctl = 4 if fr[0:6] == BROADCAST else 0
            recs.append(bytes([ctl, 0, 28]) + fr[14:42])
    if not recs:
        return []
    ping = bytes([2, 1, 4]) + b"ping"  # resolution of 10.0.0.1 pending, then the replies
    wait = bytes([3, 20, 0])  # two seconds: retries
    return [ping + b"".join(recs), ping + wait + b"".join(recs)] + recs


def conv_reass(frames):
    out, cur, ids = [], b"", {}
    for fr in frames:
        ip = ipv4(fr)
        if not ip or not to_stack(fr) or not is_fragment(ip[2]):
            continue
        flags = struct.unpack(">H", ip[2][6:8])[0]
        ident = ids.setdefault(ip[2][4:6], len(ids) % 4)
        proto = {1: 0, 17: 1, 6: 2}.get(ip[2][9], 3)
        off16 = (flags & 0x1fff) | (0x8000 if flags & 0x2000 else 0)
        rec = bytes([ident | proto << 2]) + struct.pack(">HH", off16, len(ip[1])) + ip[1]
        if cur and len(cur) + len(rec) > MAX_INPUT:
            out.append(cur)
            cur = b""
        cur += rec
    return out + ([cur] if cur else [])


CONVERTERS = {"stack": conv_stack, "dns": conv_dns, "tcp_opts": conv_tcp_opts,
              "arp": conv_arp, "reass": conv_reass}


def main():
    if len(sys.argv) < 4 or sys.argv[1] not in CONVERTERS:
        sys.exit(__doc__)
    target, outdir = sys.argv[1], sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    n = 0
    for path in sys.argv[3:]:
        for inp in CONVERTERS[target](read_pcap(path)):
            name = os.path.join(outdir, hashlib.sha1(inp).hexdigest())
            if not os.path.exists(name):
                with open(name, "wb") as f:
                    f.write(inp)
                n += 1
    print(f"{target}: {n} new inputs in {outdir}")


if __name__ == "__main__":
    main()

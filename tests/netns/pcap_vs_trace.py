#!/usr/bin/env python3
"""Compare what tshark reads from a stack's --pcap file with the lines the stack printed
with --trace: the same number of frames, in the same order, and the same one-line summary
as tshark's columns give it: "SRC -> DST PROTOCOL LENGTH INFO" (stack/wire/describe.c
promises Wireshark's wording).

usage: pcap_vs_trace.py [--protos ARP,ICMP,...] PCAP STACKD_LOG
  --protos  compare the text only of frames whose tshark protocol column is in the list
            (default: all); the frame count is always compared.
Exit 0 when they agree, 1 with the first differences otherwise."""
import re
import subprocess
import sys

FIELDS = ["frame.len", "ip.flags.mf", "ip.frag_offset", "_ws.col.Source",
          "_ws.col.Destination", "_ws.col.Protocol", "_ws.col.Info"]

_ADDR = r"(?:(?:\d+\.){3}\d+|[0-9a-f]{2}(?::[0-9a-f]{2}){5}|[0-9a-fA-F]*:[0-9a-fA-F:.]*|Broadcast)"
# Per-frame trace lines: "SRC -> DST PROTO LEN INFO" (addresses as tshark's columns show
# them), or "PROTO LEN INFO" when a frame has no usable addresses. Anything else in a stackd
# log (its own messages, log lines, TCP state changes) is not a frame.
FRAME_LINE = re.compile(r"^(%s -> %s \S.*? \d+( |$)|(Ethernet|IPv4|IPv6|ARP|ETH) \d+ )"
                        % (_ADDR, _ADDR))


def tshark_frames(pcap, defragment):
    # -N m: MAC names only (ff:ff:ff:ff:ff:ff is "Broadcast"), no DNS or port names.
    cmd = ["tshark", "-N", "m", "-r", pcap, "-o", "ip.defragment:" + defragment,
           "-T", "fields", "-E", "separator=\t", "-E", "occurrence=f"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [dict(zip(FIELDS, line.split("\t"))) for line in out.splitlines()]


def clean_info(info):
    # Wireshark adds cross references between frames that a one-frame summary cannot know.
    info = re.sub(r"\s*\((request|reply) in \d+\)", "", info)
    info = re.sub(r"\s*\(no response found!\)", "", info)
    info = re.sub(r"\s*\[Reassembled in #\d+\]", "", info)
    return re.sub(r"\s+", " ", info).strip()


def expected_line(fr):
    src, dst = fr["_ws.col.Source"], fr["_ws.col.Destination"]
    head = "%s -> %s " % (src, dst) if src and dst else ""
    return "%s%s %s %s" % (head, fr["_ws.col.Protocol"], fr["frame.len"],
                           clean_info(fr["_ws.col.Info"]))


def main():
    args = sys.argv[1:]
    protos = None
    if len(args) == 4 and args[0] == "--protos":
        protos = set(args[1].split(","))
        args = args[2:]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    pcap, log = args
    # A fragment is summarised on its own, as tshark does with reassembly on, except the
    # last one, on which tshark would show the reassembled datagram: there it is read with
    # reassembly off.
    whole = tshark_frames(pcap, "TRUE")
    parts = tshark_frames(pcap, "FALSE")
    frames = []
    for w, p in zip(whole, parts):
        last_frag = p["ip.flags.mf"] in ("0", "False") and int(p["ip.frag_offset"] or 0) > 0
        frames.append(p if last_frag else w)
    with open(log, errors="replace") as f:
        trace = [l.rstrip("\n") for l in f if FRAME_LINE.match(l)]
    print("tshark: %d frames, trace: %d lines" % (len(frames), len(trace)))
    bad = 0
    if len(frames) != len(trace):
        print("frame count differs: pcap %d, trace %d" % (len(frames), len(trace)))
        bad += 1
    compared = 0
    for i, (fr, line) in enumerate(zip(frames, trace), 1):
        if protos is not None and fr["_ws.col.Protocol"] not in protos:
            continue
        compared += 1
        want = expected_line(fr)
        if want != line:
            bad += 1
            if bad <= 10:
                print("frame %d differs:\n  tshark: %s\n  trace:  %s" % (i, want, line))
    print("compared %d frames' text, %d differences" % (compared, bad))
    if compared == 0:
        print("nothing to compare")
        return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""make bench report: turn bench.sh's key/value results into one table (printed, and saved
as PREFIX.md and PREFIX.json) with every figure beside its same-run baseline as a ratio,
plus PREFIX.dat, the scaling curves for tools/bench/scaling.gp.

usage: report.py RESULTS.tsv BASELINE.json PREFIX
"""
import json
import sys

MACHINE = ("date", "cpu", "cores", "kernel", "compiler", "commit", "elapsed_s", "quick", "only",
           "idle_counts")
GB_KB = 1048576  # 1 GB (2^30 bytes) in KB: the idle target's total RSS bound
IDLE_KB_PER_CONN = GB_KB / 100000  # 10.49 KB: 100k connections in 1 GB


def load(path):
    res = {}
    with open(path) as f:
        for line in f:
            key, _, val = line.rstrip("\n").partition("\t")
            try:
                res[key] = float(val) if key not in MACHINE else val
            except ValueError:
                res[key] = val if val else None
    return res


def fmt(v, unit=""):
    if v is None:
        return "n/a"
    if isinstance(v, str):
        return v
    if abs(v) >= 100 or v == int(v):
        return f"{v:,.0f}{unit}"
    return f"{v:.2f}{unit}"


def ratio(a, b):
    if a is None or b in (None, 0):
        return None
    return a / b


def rows(r, base):
    """(measure, stack, baseline, baseline name, ratio, target, met) per table row."""
    g = r.get
    out = []

    def row(name, ours, theirs, who, target="", op=None, limit=None, ok=True, keep=False,
            q=None):
        """op/limit: the target on the ratio; a row with a target is "yes" only when the
        ratio could be computed, meets it and ok (the measurement itself was complete).
        A BENCH_ONLY run leaves out the rows it did not measure (unless keep). q: a ratio
        measured otherwise (the median of paired rounds) instead of ours / theirs."""
        q = ratio(ours, theirs) if q is None else q
        met = ""
        if partial and ours is None and not keep:
            return
        if op and q is None and partial and theirs is None:
            met = "n/a (baseline not in this partial run)"
        elif op and q is None:
            met = "NO (not measured)"
        elif op == "within":
            met = "yes" if ok and limit[0] <= q <= limit[1] else "NO"
        elif op:
            met = "yes" if ok and (q >= limit if op == ">=" else q <= limit) else "NO"
        out.append((name, ours, theirs, who, q, target, met))

    partial = bool(r.get("only"))

    def complete(key):  # every one of the 3 bulk runs moved all its bytes
        return not g(f"{key}_incomplete")

    row("Bulk host -> stack, 1 flow (Mbit/s)", g("bulk_rx_mbps"), g("fwd_plain_mbps"),
        "plain TAP forwarder", ">= 1.5x", ">=", 1.5, complete("bulk_rx"))
    row("Bulk stack -> host, 1 flow (Mbit/s)", g("bulk_tx_mbps"), g("fwd_plain_mbps"),
        "plain TAP forwarder", ">= 1.5x", ">=", 1.5, complete("bulk_tx"))
    row("Bulk host -> stack vs offload ceiling", g("bulk_rx_mbps"), g("fwd_offload_mbps"),
        "offload TAP forwarder", "plain stack; see --offload rows")
    row("Bulk host -> stack, --offload (Mbit/s)", g("bulk_rx_off_mbps"),
        g("fwd_offload_mbps"), "offload TAP forwarder", ">= 0.6x", ">=", 0.6,
        complete("bulk_rx_off"))
    row("Bulk stack -> host, --offload (Mbit/s)", g("bulk_tx_off_mbps"),
        g("fwd_offload_mbps"), "offload TAP forwarder", ">= 0.6x", ">=", 0.6,
        complete("bulk_tx_off"))
    row("Stack CPU s/GB host -> stack, --offload", g("bulk_rx_off_cpu_s_per_gb"),
        g("bulk_rx_cpu_s_per_gb"), "same stack without offloads", "<= 1/3", "<=", 1 / 3)
    row("Stack CPU s/GB stack -> host, --offload", g("bulk_tx_off_cpu_s_per_gb"),
        g("bulk_tx_cpu_s_per_gb"), "same stack without offloads", "<= 1/3", "<=", 1 / 3)
    row("Bulk host -> stack vs kernel", g("bulk_rx_mbps"), g("veth_mbps"), "kernel over veth")
    row("Stack CPU s/GB, host -> stack", g("bulk_rx_cpu_s_per_gb"),
        g("fwd_plain_cpu_s_per_gb"), "plain forwarder CPU s/GB")
    row("Stack CPU s/GB, stack -> host", g("bulk_tx_cpu_s_per_gb"),
        g("fwd_plain_cpu_s_per_gb"), "plain forwarder CPU s/GB")
    row("Forwarder CPU s/GB, offload vs plain", g("fwd_offload_cpu_s_per_gb"),
        g("fwd_plain_cpu_s_per_gb"), "plain forwarder CPU s/GB")
    # Latency figures count only when no echo went unanswered (a lost one has no time).
    pings_ok = (g("stack_ping_replies") or 0) >= (g("pings") or 1000)
    row("Ping avg (us)", g("stack_ping_avg_us"), g("fwd_plain_ping_avg_us"),
        "via plain forwarder", "<= 1x", "<=", 1.0, pings_ok)
    row("Ping p50 (us)", g("stack_ping_p50_us"), g("fwd_plain_ping_p50_us"),
        "via plain forwarder")
    row("Ping p99 (us)", g("stack_ping_p99_us"), g("fwd_plain_ping_p99_us"),
        "via plain forwarder", "<= 2x", "<=", 2.0, pings_ok)
    # A rate counts only when every GET succeeded.
    row("HTTP/1.0 GETs/s, sequential", g("http_seq_rate"), g("khttp_seq_rate"),
        "kernel khttpd, paired rounds", ">= 0.8x", ">=", 0.8, not g("http_seq_failed"),
        q=g("http_seq_pair_ratio"))
    row("HTTP/1.0 GETs/s pinned (client and server on CPU 0), sequential", g("http_pinned_rate"),
        g("khttp_pinned_rate"), "kernel khttpd over veth")
    if g("http_busy_rate") is not None:
        row(f"HTTP/1.0 GETs/s, sequential, stackd --busy-poll {int(g('http_busy_us'))} (opt-in)",
            g("http_busy_rate"), g("khttp_busy_rate"), "kernel khttpd, paired rounds")
    row("HTTP/1.0 GETs/s, 16-way", g("http_conc_rate"), g("khttp_conc_rate"),
        "kernel khttpd, paired rounds", ">= 0.8x", ">=", 0.8, not g("http_conc_failed"),
        q=g("http_conc_pair_ratio"))
    for d, name in (("send", "host -> stack"), ("recv", "stack -> host")):
        for n in (10, 100):
            row(f"Scaling {name}, {n} flows (Mbit/s)", g(f"scale_{d}_{n}_mbps"),
                g(f"scale_{d}_1_mbps"), "same, 1 flow")
    idle_rows(r, row)
    row("Instructions per MB (callgrind)", g("ir_per_mb"), base.get("ir_per_mb"),
        "bench/baseline.json", "within 10%", "within", (0.9, 1.1))
    row("In-process two-stack transfer (Mbit/s)", g("inproc_mbps"), None, "")
    return out


def idle_counts(r):
    """The idle connection counts bench.sh was asked for (older results: those it ran)."""
    if r.get("idle_counts"):
        return [int(n) for n in str(r["idle_counts"]).split()]
    return [n for n in (1000, 10000, 100000) if r.get(f"idle_{n}_established") is not None]


def idle_rows(r, row):
    """One row per requested idle count. Met: every requested connection established (as
    counted by the clients and, when recorded, by stackd's own socket list) and RSS per
    connection <= 10.49 KB; for 100k the total RSS must also be under 1 GB. A count that was
    skipped because a smaller one fell short is a row with Met NO."""
    g = r.get
    if g("idle_rss0_kb") is None:
        return
    for n in idle_counts(r):
        est, rss, stack_est = (g(f"idle_{n}_established"), g(f"idle_{n}_rss_kb"),
                               g(f"idle_{n}_stack_established"))
        target = ("100k in < 1 GB" if n == 100000 else
                  f"all, <= {IDLE_KB_PER_CONN:.2f} KB each")
        if est is None or rss is None:
            row(f"RSS KB/conn, {n:,} idle (not run: a smaller count fell short)", None,
                IDLE_KB_PER_CONN, "1 GB / 100k", target, "<=", 1.0, keep=True)
            continue
        counted = min(est, stack_est) if stack_est is not None else est
        per = (rss - g("idle_rss0_kb")) / counted if counted else None
        ok = counted >= n and (n != 100000 or rss < GB_KB)
        name = f"RSS KB/conn, {n:,} idle ({int(counted):,} of {n:,} established"
        name += f", {rss / 1024:,.0f} MB)" if n == 100000 else ")"
        row(name, per, IDLE_KB_PER_CONN, "1 GB / 100k", target, "<=", 1.0, ok)


def markdown(r, table):
    lines = [
        f"# make bench, {r.get('date')}" + (" (QUICK)" if r.get("quick") not in ("0", None) else ""),
        "",
        f"Machine: {r.get('cpu')}, {r.get('cores')} cores, {r.get('kernel')}; "
        f"{r.get('compiler')}; commit {r.get('commit')}; run took {r.get('elapsed_s')} s.",
        "",
        "| Measure | Stack | Baseline | Baseline is | Ratio | Target | Met |",
        "|---|---:|---:|---|---:|---|---|",
    ]
    for name, ours, theirs, who, q, target, met in table:
        lines.append(f"| {name} | {fmt(ours)} | {fmt(theirs)} | {who} | "
                     f"{'' if q is None else f'{q:.2f}x'} | {target} | {met} |")
    lines.append("")
    if not r.get("only") or r.get("veth_mbps") is not None or r.get("bulk_rx_runs"):
        lines += [
            f"Kernel to kernel over veth: {fmt(r.get('veth_mbps'))} Mbit/s; TAP forwarder plain "
            f"{fmt(r.get('fwd_plain_mbps'))}, with vnet header + offloads "
            f"{fmt(r.get('fwd_offload_mbps'))} Mbit/s. Bulk runs (Mbit/s): host -> stack "
            f"{r.get('bulk_rx_runs')}, stack -> host {r.get('bulk_tx_runs')}.",
            "",
        ]
    rounds = [f"{name} {r.get(f'http_{m}_rounds')}" for m, name in
              (("seq", "sequential"), ("busy", "sequential with --busy-poll"),
               ("conc", "16-way")) if r.get(f"http_{m}_rounds")]
    if rounds:
        lines += ["HTTP GETs/s per round, stack vs kernel server, taking turns (the table "
                  "shows each side's median; the ratio is the median of the rounds' ratios): " + "; ".join(rounds) + ".", ""]
    idle = [f"{fmt(r.get(f'idle_{n}_established'))} of {n:,} in "
            f"{fmt(r.get(f'idle_{n}_secs'))} s (stackd lists "
            f"{fmt(r.get(f'idle_{n}_stack_established'))} ESTABLISHED)"
            for n in idle_counts(r) if r.get(f"idle_{n}_established") is not None]
    if idle:
        lines += ["Idle connections established (counted by the clients after the last connect): "
                  + "; ".join(idle) + ".", ""]
    if r.get("only"):
        lines += [f"Partial run: BENCH_ONLY={r.get('only')}.", ""]
    return "\n".join(lines)


def main():
    res_path, base_path, prefix = sys.argv[1:4]
    r = load(res_path)
    try:
        with open(base_path) as f:
            base = json.load(f)
    except (OSError, ValueError):
        base = {}
    table = rows(r, base)
    md = markdown(r, table)
    print(md)
    with open(prefix + ".md", "w") as f:
        f.write(md)
    doc = {
        "machine": {k: r.get(k) for k in MACHINE},
        "results": {k: v for k, v in r.items() if k not in MACHINE},
        "table": [dict(zip(("measure", "stack", "baseline", "baseline_is", "ratio", "target",
                            "met"), t)) for t in table],
    }
    with open(prefix + ".json", "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    with open(prefix + ".dat", "w") as f:
        f.write("# flows send_mbps recv_mbps stackd_rss_kb\n")
        for n in (1, 10, 100):
            f.write(f"{n} {r.get(f'scale_send_{n}_mbps') or 0} "
                    f"{r.get(f'scale_recv_{n}_mbps') or 0} {r.get(f'scale_rss_{n}_kb') or 0}\n")
        f.write("\n\n# idle_connections stackd_rss_kb\n")
        f.write(f"0 {r.get('idle_rss0_kb') or 0}\n")
        for n in (1000, 10000, 100000):
            if r.get(f"idle_{n}_established"):
                f.write(f"{int(r[f'idle_{n}_established'])} {r[f'idle_{n}_rss_kb']}\n")


if __name__ == "__main__":
    main()

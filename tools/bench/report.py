#!/usr/bin/env python3
"""make bench report: turn bench.sh's key/value results into one table (printed, and saved
as PREFIX.md and PREFIX.json) with every figure beside its same-run baseline as a ratio,
plus PREFIX.dat, the scaling curves for tools/bench/scaling.gp.

usage: report.py RESULTS.tsv BASELINE.json PREFIX
"""
import json
import sys

MACHINE = ("date", "cpu", "cores", "kernel", "compiler", "commit", "elapsed_s", "quick")


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

    def row(name, ours, theirs, who, target="", op=None, limit=None):
        q = ratio(ours, theirs)
        met = ""
        if q is not None and op:
            met = "yes" if (q >= limit if op == ">=" else q <= limit) else "NO"
        out.append((name, ours, theirs, who, q, target, met))

    row("Bulk host -> stack, 1 flow (Mbit/s)", g("bulk_rx_mbps"), g("fwd_plain_mbps"),
        "plain TAP forwarder", ">= 1.5x", ">=", 1.5)
    row("Bulk stack -> host, 1 flow (Mbit/s)", g("bulk_tx_mbps"), g("fwd_plain_mbps"),
        "plain TAP forwarder", ">= 1.5x", ">=", 1.5)
    row("Bulk host -> stack vs offload ceiling", g("bulk_rx_mbps"), g("fwd_offload_mbps"),
        "offload TAP forwarder", "plain stack; see --offload rows")
    row("Bulk host -> stack, --offload (Mbit/s)", g("bulk_rx_off_mbps"),
        g("fwd_offload_mbps"), "offload TAP forwarder", ">= 0.6x", ">=", 0.6)
    row("Bulk stack -> host, --offload (Mbit/s)", g("bulk_tx_off_mbps"),
        g("fwd_offload_mbps"), "offload TAP forwarder", ">= 0.6x", ">=", 0.6)
    row("Stack CPU s/GB host -> stack, --offload", g("bulk_rx_off_cpu_s_per_gb"),
        g("bulk_rx_cpu_s_per_gb"), "same stack without offloads", "<= 0.33x", "<=", 0.34)
    row("Stack CPU s/GB stack -> host, --offload", g("bulk_tx_off_cpu_s_per_gb"),
        g("bulk_tx_cpu_s_per_gb"), "same stack without offloads", "<= 0.33x", "<=", 0.34)
    row("Bulk host -> stack vs kernel", g("bulk_rx_mbps"), g("veth_mbps"), "kernel over veth")
    row("Stack CPU s/GB, host -> stack", g("bulk_rx_cpu_s_per_gb"),
        g("fwd_plain_cpu_s_per_gb"), "plain forwarder CPU s/GB")
    row("Stack CPU s/GB, stack -> host", g("bulk_tx_cpu_s_per_gb"),
        g("fwd_plain_cpu_s_per_gb"), "plain forwarder CPU s/GB")
    row("Forwarder CPU s/GB, offload vs plain", g("fwd_offload_cpu_s_per_gb"),
        g("fwd_plain_cpu_s_per_gb"), "plain forwarder CPU s/GB")
    row("Ping avg (us)", g("stack_ping_avg_us"), g("fwd_plain_ping_avg_us"),
        "via plain forwarder", "<= 1x", "<=", 1.0)
    row("Ping p50 (us)", g("stack_ping_p50_us"), g("fwd_plain_ping_p50_us"),
        "via plain forwarder")
    row("Ping p99 (us)", g("stack_ping_p99_us"), g("fwd_plain_ping_p99_us"),
        "via plain forwarder", "<= 2x", "<=", 2.0)
    row("HTTP/1.0 GETs/s, sequential", g("http_seq_rate"), g("khttp_seq_rate"),
        "kernel khttpd over veth", ">= 0.8x", ">=", 0.8)
    row("HTTP/1.0 GETs/s, 16-way", g("http_conc_rate"), g("khttp_conc_rate"),
        "kernel khttpd over veth", ">= 0.8x", ">=", 0.8)
    for d, name in (("send", "host -> stack"), ("recv", "stack -> host")):
        for n in (10, 100):
            row(f"Scaling {name}, {n} flows (Mbit/s)", g(f"scale_{d}_{n}_mbps"),
                g(f"scale_{d}_1_mbps"), "same, 1 flow")
    for n in (1000, 10000, 100000):
        est = g(f"idle_{n}_established")
        rss = g(f"idle_{n}_rss_kb")
        if est is None:
            continue
        per = (rss - g("idle_rss0_kb")) / est if est else None
        # The target is absolute: 100k connections in 1 GB is 10.49 KB each.
        row(f"RSS KB/conn, {n:,} idle ({int(est):,} established)", per, 1048576 / 100000,
            "1 GB / 100k", "100k in < 1 GB" if n == 100000 else "", "<=", 1.0)
    row("Instructions per MB (callgrind)", g("ir_per_mb"), base.get("ir_per_mb"),
        "bench/baseline.json", "within 10%")
    row("In-process two-stack transfer (Mbit/s)", g("inproc_mbps"), None, "")
    return out


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
    lines += [
        "",
        f"Kernel to kernel over veth: {fmt(r.get('veth_mbps'))} Mbit/s; TAP forwarder plain "
        f"{fmt(r.get('fwd_plain_mbps'))}, with vnet header + offloads "
        f"{fmt(r.get('fwd_offload_mbps'))} Mbit/s. Bulk runs (Mbit/s): host -> stack "
        f"{r.get('bulk_rx_runs')}, stack -> host {r.get('bulk_tx_runs')}.",
        "",
    ]
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

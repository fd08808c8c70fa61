#!/usr/bin/env python3
"""Tests of report.py's Met column (run by `make bench-check`, or alone:
python3 tools/bench/report_test.py). Met is "yes" only when the figure meets its target and
the measurement behind it was complete."""
import os
import sys
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402

BASE = {"ir_per_mb": 1000000}


def table(res):
    return {name: (ours, met) for name, ours, _, _, _, _, met in report.rows(res, BASE)}


def met_of(res, prefix):
    hits = [v[1] for k, v in table(res).items() if k.startswith(prefix)]
    assert len(hits) == 1, (prefix, list(table(res)))
    return hits[0]


def idle(counts, **kv):
    res = {"idle_counts": counts, "idle_rss0_kb": 2000.0}
    res.update(kv)
    return res


class IdleMet(unittest.TestCase):
    def test_100k_short_of_connections_is_not_met(self):
        # The 2026-11-25 17:34 run: 64,237 of 100,000 at 9.5 KB each said "yes".
        res = idle("100000", idle_100000_established=64237.0, idle_100000_rss_kb=612000.0)
        self.assertEqual(met_of(res, "RSS KB/conn, 100,000"), "NO")

    def test_100k_all_established_under_1gb_is_met(self):
        res = idle("100000", idle_100000_established=100000.0, idle_100000_rss_kb=910000.0,
                   idle_100000_stack_established=100000.0)
        self.assertEqual(met_of(res, "RSS KB/conn, 100,000"), "yes")

    def test_100k_total_rss_of_1gb_or_more_is_not_met(self):
        # 10.46 KB each (under 10.49) but 1,048,576 KB in total: not under 1 GB.
        res = idle("100000", idle_100000_established=100000.0, idle_100000_rss_kb=1048576.0)
        self.assertEqual(met_of(res, "RSS KB/conn, 100,000"), "NO")

    def test_stackd_listing_fewer_than_the_clients_is_not_met(self):
        res = idle("10000", idle_10000_established=10000.0, idle_10000_rss_kb=93000.0,
                   idle_10000_stack_established=9999.0)
        self.assertEqual(met_of(res, "RSS KB/conn, 10,000"), "NO")

    def test_small_count_over_10_49_kb_each_is_not_met(self):
        res = idle("1000", idle_1000_established=1000.0, idle_1000_rss_kb=2000.0 + 10600.0)
        self.assertEqual(met_of(res, "RSS KB/conn, 1,000"), "NO")

    def test_count_skipped_after_a_shortfall_is_a_row_not_met(self):
        res = idle("10000 100000", idle_10000_established=9000.0, idle_10000_rss_kb=90000.0)
        self.assertEqual(met_of(res, "RSS KB/conn, 10,000"), "NO")
        self.assertTrue(met_of(res, "RSS KB/conn, 100,000").startswith("NO"))


class OtherMet(unittest.TestCase):
    def test_incomplete_bulk_run_is_not_met(self):
        res = {"bulk_rx_mbps": 9000.0, "fwd_plain_mbps": 4000.0, "bulk_rx_incomplete": 1.0}
        self.assertEqual(met_of(res, "Bulk host -> stack, 1 flow"), "NO")
        res["bulk_rx_incomplete"] = 0.0
        self.assertEqual(met_of(res, "Bulk host -> stack, 1 flow"), "yes")

    def test_failed_gets_are_not_met(self):
        res = {"http_seq_rate": 9000.0, "khttp_seq_rate": 10000.0, "http_seq_failed": 3.0}
        self.assertEqual(met_of(res, "HTTP/1.0 GETs/s, sequential"), "NO")
        res["http_seq_failed"] = 0.0
        self.assertEqual(met_of(res, "HTTP/1.0 GETs/s, sequential"), "yes")

    def test_unanswered_pings_are_not_met(self):
        res = {"stack_ping_avg_us": 10.0, "fwd_plain_ping_avg_us": 20.0, "pings": 1000.0,
               "stack_ping_replies": 999.0}
        self.assertEqual(met_of(res, "Ping avg"), "NO")
        res["stack_ping_replies"] = 1000.0
        self.assertEqual(met_of(res, "Ping avg"), "yes")

    def test_cpu_ratio_just_over_a_third_is_not_met(self):
        res = {"bulk_rx_off_cpu_s_per_gb": 0.339, "bulk_rx_cpu_s_per_gb": 1.0}
        self.assertEqual(met_of(res, "Stack CPU s/GB host -> stack, --offload"), "NO")
        res["bulk_rx_off_cpu_s_per_gb"] = 0.333
        self.assertEqual(met_of(res, "Stack CPU s/GB host -> stack, --offload"), "yes")

    def test_target_without_a_figure_is_not_met(self):
        res = {"fwd_plain_mbps": 4000.0}
        self.assertTrue(met_of(res, "Bulk stack -> host, 1 flow").startswith("NO"))

    def test_instructions_per_mb_within_10_percent(self):
        self.assertEqual(met_of({"ir_per_mb": 1090000.0}, "Instructions per MB"), "yes")
        self.assertEqual(met_of({"ir_per_mb": 1110000.0}, "Instructions per MB"), "NO")
        self.assertEqual(met_of({"ir_per_mb": 890000.0}, "Instructions per MB"), "NO")

    def test_partial_run_shows_only_what_it_measured(self):
        res = idle("1000", only="idle", idle_1000_established=1000.0, idle_1000_rss_kb=11000.0)
        self.assertEqual(list(table(res)), ["RSS KB/conn, 1,000 idle (1,000 of 1,000 established)"])


if __name__ == "__main__":
    unittest.main()

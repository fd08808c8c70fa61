/* RACK-TLP (RFC 8985) segment by segment against the fixture's scripted SACK peer
 * (sack_peer.h): the tail loss probe (7) and what is kept of RACK's time-based loss
 * detection (6): segments sent before a delivered probe, our own lost resends, and the
 * reordering window after a SACK. Segments are 1460 bytes (MSS 1460, no timestamps). */
#include <CUnit/CUnit.h>
#include <string.h>

#include "stack/core/stack.h"
#include "stack/sock.h"
#include "stack/tcp/tcb.h"
#include "tests/unit/sack_peer.h"

/* Nothing leaves for before_us more; within 2 ms after, the probe: segment seg again. */
static void
sr_expect_probe_after(struct tcpfx *fx, uint64_t before_us, unsigned seg)
{
        tcpfx_advance(fx, before_us);
        CU_ASSERT_EQUAL(tcpfx_pending(fx), 0);
        tcpfx_advance(fx, 2000);
        sr_expect(fx, seg, SEG);
}

/* Segments 1-3 out after an RTT sample of 20 ms; 1 and 2 are acknowledged 20 ms later, 3
 * is lost, and the probe (one segment in flight: 2*SRTT + 200 ms) resends it. */
static struct tcb *
sr_probe_lost_tail(struct tcpfx *fx)
{
        struct tcb *t = sr_open_rtt(fx, 20000, true, 3, 0);

        tcpfx_advance(fx, 20000);
        sr_ack(fx, 3, NULL, 0, 0);
        tcpfx_advance(fx, 241000);
        sr_expect(fx, 3, SEG);
        return t;
}

/* RFC 8985 7.2, 7.3: with no ACK for PTO = 2*SRTT after the last transmission, and no new
 * data to send, the sender resends the last segment as a probe (the RTO is still 1 s). */
static void
rfc8985_7_3_probe_resends_the_last_segment_after_two_srtt(void)
{
        struct tcpfx fx;

        sr_open_rtt(&fx, 20000, true, 3, 0);
        sr_expect_probe_after(&fx, 39000, 3);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.loss_probes"), 1);
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.rto_timeouts"), 0);
        tcpfx_fini(&fx);
}

/* RFC 8985 7.2: an ACK that acknowledges new data restarts the PTO: a probe due 40 ms
 * after the sends goes 42.5 ms after segment 1 is acknowledged at 30 ms (that ACK's 30 ms
 * sample makes SRTT 21.25 ms). */
static void
rfc8985_7_2_an_ack_of_new_data_restarts_the_pto(void)
{
        struct tcpfx fx;

        sr_open_rtt(&fx, 20000, true, 4, 0);
        tcpfx_advance(&fx, 30000);
        sr_ack(&fx, 2, NULL, 0, 0);
        sr_expect_probe_after(&fx, 42000, 4);
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.loss_probes"), 1);
        tcpfx_fini(&fx);
}

/* RFC 8985 7.3: "If a previously unsent segment exists AND the receive window allows, send
 * that segment" (up to SMSS), cwnd notwithstanding. */
static void
rfc8985_7_3_probe_sends_new_data_when_the_window_allows(void)
{
        struct tcpfx fx;

        sr_open_rtt(&fx, 20000, true, 4, 2); /* cwnd 4: 5 and 6 wait */
        tcpfx_advance(&fx, 41000);
        sr_expect(&fx, 5, SEG);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.loss_probes"), 1);
        tcpfx_fini(&fx);
}

/* RFC 8985 7.2.1: with one segment in flight the PTO also waits out the peer's delayed ACK
 * (WCDelAckT, 200 ms). */
static void
rfc8985_7_2_1_one_segment_flight_adds_the_delayed_ack_time(void)
{
        struct tcpfx fx;

        sr_open_rtt(&fx, 20000, true, 1, 0);
        sr_expect_probe_after(&fx, 239000, 1);
        tcpfx_fini(&fx);
}

/* RFC 8985 6.2 applied to the probe: the peer SACKs the probe, which left a PTO after every
 * earlier segment, so each unSACKed segment sent before it is older than the probe's RTT
 * plus any reordering window: lost. Recovery starts on this one ACK and resends the holes
 * as pipe allows (cwnd = ssthresh = 2 segments: 1 and 2 go). */
static void
rfc8985_6_2_segments_sent_before_a_sacked_probe_are_lost(void)
{
        struct tcpfx fx;
        static const unsigned b[][2] = {{4, 5}};

        sr_open_rtt(&fx, 20000, true, 4, 0);
        tcpfx_advance(&fx, 41000);
        sr_expect(&fx, 4, SEG); /* the probe */
        sr_ack(&fx, 1, b, 1, 0);
        sr_expect(&fx, 1, SEG);
        sr_expect(&fx, 2, SEG);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.fast_retransmits"), 1);
        tcpfx_fini(&fx);
}

/* RFC 8985 7.4: a resent probe acknowledged without a D-SACK repaired a lost tail: the
 * sender reduces cwnd as fast recovery would (ssthresh = max(FlightSize / 2, 2*SMSS)). */
static void
rfc8985_7_4_probe_that_repaired_a_loss_reduces_cwnd(void)
{
        struct tcpfx fx;
        struct tcb *t;

        t = sr_probe_lost_tail(&fx);
        CU_ASSERT(t->cwnd > 2 * SEG);
        sr_ack(&fx, 4, NULL, 0, 0);
        CU_ASSERT_EQUAL(t->cwnd, 2 * SEG);
        CU_ASSERT_EQUAL(t->ssthresh, 2 * SEG);
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.loss_probe_repairs"), 1);
        tcpfx_fini(&fx);
}

/* RFC 8985 7.4: a D-SACK for the probe shows the original arrived: nothing was lost and
 * cwnd stays. */
static void
rfc8985_7_4_dsack_for_the_probe_keeps_cwnd(void)
{
        struct tcpfx fx;
        struct tcb *t;
        uint32_t cwnd;
        static const unsigned dsack[][2] = {{3, 4}};

        t = sr_probe_lost_tail(&fx);
        cwnd = t->cwnd;
        sr_ack(&fx, 4, dsack, 1, 0); /* RFC 2883: the block lies below the cumulative ACK */
        CU_ASSERT(t->cwnd >= cwnd);  /* not reduced (it may grow for the acknowledged data) */
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.loss_probe_repairs"), 0);
        tcpfx_fini(&fx);
}

/* RFC 8985 7.4: only a D-SACK for the whole probe shows that it repaired nothing. Here the
 * peer held the next-to-last segment and lost the short last one (with our FIN): the probe
 * (the last SMSS, overlapping both) is D-SACKed in part, and the loss it repaired counts. */
static void
rfc8985_7_4_dsack_for_part_of_the_probe_still_counts_a_repair(void)
{
        static uint8_t data[2 * SEG];
        struct tcpfx fx;
        struct tcpfx_seg g;
        struct tcp_opts o = {0};
        uint32_t end;

        sr_open_rtt(&fx, 20000, true, 0, 0);
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, data, SEG + 100), (ssize_t)(SEG + 100));
        CU_ASSERT_EQUAL(sock_close(fx.s, fx.sd), 0);
        fx.sd = -1;
        CU_ASSERT_EQUAL(tcpfx_drain(&fx), 2); /* SEG, then 100 bytes and the FIN (lost) */
        end = sr_seq(&fx, 2) + 100;           /* the FIN's sequence number */
        tcpfx_advance(&fx, 41000);            /* the probe: the last SMSS and the FIN */
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.h.seq, end - SEG);
        CU_ASSERT(g.h.flags & TCP_FIN);
        o.n_sack = 1; /* D-SACK: the part of the probe the peer already had */
        o.sack[0].left = end - SEG;
        o.sack[0].right = sr_seq(&fx, 2);
        tcpfx_send(&fx, TCP_ACK, fx.pseq, end + 1, NULL, 0, &o);
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.loss_probe_repairs"), 1);
        tcpfx_fini(&fx);
}

/* RFC 8985 7.2: the probe needs SACK (its ACK must show what arrived); without it the
 * retransmission timer alone recovers the tail. */
static void
rfc8985_7_2_no_probe_without_sack(void)
{
        struct tcpfx fx;

        sr_open_rtt(&fx, 20000, false, 3, 0);
        tcpfx_advance(&fx, 999000);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.loss_probes"), 0);
        tcpfx_fini(&fx);
}

/* Ten segments (1..10) out after an RTT sample of 20 ms, 1 lost: one ACK SACKing 2-4
 * starts recovery and resends 1 (cwnd = ssthresh = 5 segments); the next SACKs 2-7, so
 * segment 11 leaves (pipe 4). */
static struct tcb *
sr_resent_una(struct tcpfx *fx)
{
        static const unsigned b[2][1][2] = {{{2, 5}}, {{2, 8}}};
        static uint8_t data[20 * SEG];
        struct tcb *t = sr_open_rtt(fx, 20000, true, 0, 0);

        t->cwnd = 10 * SEG;
        CU_ASSERT_EQUAL(sock_send(fx->s, fx->sd, data, sizeof(data)), (ssize_t)sizeof(data));
        CU_ASSERT_EQUAL(tcpfx_drain(fx), 10);
        tcpfx_advance(fx, 20000);
        sr_ack(fx, 1, b[0], 1, 0);
        sr_expect(fx, 1, SEG);
        CU_ASSERT_EQUAL(tcpfx_pending(fx), 0);
        sr_ack(fx, 1, b[1], 1, 0);
        sr_expect(fx, 11, SEG);
        CU_ASSERT_EQUAL(tcpfx_pending(fx), 0);
        return t;
}

/* RFC 8985 6.2 for a lost retransmission (which no DupAck count can see): segment 11 left
 * after the resend of 1; once the peer SACKs 11 and more than SRTT + SRTT/4 has passed
 * since the resend, the resend is lost as well and goes again at once. */
static void
rfc8985_6_2_resend_lost_when_later_data_is_sacked(void)
{
        struct tcpfx fx;
        static const unsigned b[][2] = {{2, 12}};

        sr_resent_una(&fx);
        tcpfx_advance(&fx, 30000);
        sr_ack(&fx, 1, b, 1, 0);
        sr_expect(&fx, 1, SEG);
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.rto_timeouts"), 0);
        tcpfx_fini(&fx);
}

/* The same for the resend of a hole above SND.UNA. Ten out, 1 and 3 lost: recovery resends
 * both (cwnd 5); the resend of 1 arrives (SND.UNA moves to 3), that of 3 is lost; segment 11
 * leaves, and once it is SACKed SRTT + SRTT/4 after the resends, 3 goes again. */
static void
rfc8985_6_2_lost_resend_of_a_hole_above_snd_una(void)
{
        static const unsigned b0[][2] = {{2, 3}, {4, 8}}, b1[][2] = {{4, 8}}, b2[][2] = {{4, 12}};
        static uint8_t data[20 * SEG];
        struct tcpfx fx;
        struct tcb *t = sr_open_rtt(&fx, 20000, true, 0, 0);

        t->cwnd = 10 * SEG;
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, data, sizeof(data)), (ssize_t)sizeof(data));
        CU_ASSERT_EQUAL(tcpfx_drain(&fx), 10);
        tcpfx_advance(&fx, 20000);
        sr_ack(&fx, 1, b0, 2, 0);
        sr_expect(&fx, 1, SEG);
        sr_expect(&fx, 3, SEG);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        sr_ack(&fx, 3, b1, 1, 0);
        sr_expect(&fx, 11, SEG);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        tcpfx_advance(&fx, 30000);
        sr_ack(&fx, 3, b2, 1, 0);
        sr_expect(&fx, 3, SEG);
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.rto_timeouts"), 0);
        tcpfx_fini(&fx);
}

/* The other side of the same rule: SACKs of data sent before the resend (8-10), or of later
 * data too soon after it (within the reordering window), say nothing about the resend. */
static void
rfc8985_6_2_resend_not_lost_on_older_or_early_sacks(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        static const unsigned older[][2] = {{2, 11}}, later[][2] = {{2, 12}};

        sr_resent_una(&fx);
        tcpfx_advance(&fx, 30000);
        sr_ack(&fx, 1, older, 1, 0);
        while (tcpfx_take(&fx, &g))
                CU_ASSERT_NOT_EQUAL(g.h.seq, sr_seq(&fx, 1));
        tcpfx_fini(&fx);

        sr_resent_una(&fx);
        tcpfx_advance(&fx, 10000);
        sr_ack(&fx, 1, later, 1, 0);
        while (tcpfx_take(&fx, &g))
                CU_ASSERT_NOT_EQUAL(g.h.seq, sr_seq(&fx, 1));
        tcpfx_fini(&fx);
}

void
suite_tcp_rack_tlp(void)
{
        CU_pSuite su = CU_add_suite("tcp_rack_tlp", NULL, NULL);

        CU_add_test(su, "rfc8985_7_3_probe_resends_the_last_segment_after_two_srtt",
                    rfc8985_7_3_probe_resends_the_last_segment_after_two_srtt);
        CU_add_test(su, "rfc8985_7_2_an_ack_of_new_data_restarts_the_pto",
                    rfc8985_7_2_an_ack_of_new_data_restarts_the_pto);
        CU_add_test(su, "rfc8985_7_3_probe_sends_new_data_when_the_window_allows",
                    rfc8985_7_3_probe_sends_new_data_when_the_window_allows);
        CU_add_test(su, "rfc8985_7_2_1_one_segment_flight_adds_the_delayed_ack_time",
                    rfc8985_7_2_1_one_segment_flight_adds_the_delayed_ack_time);
        CU_add_test(su, "rfc8985_6_2_segments_sent_before_a_sacked_probe_are_lost",
                    rfc8985_6_2_segments_sent_before_a_sacked_probe_are_lost);
        CU_add_test(su, "rfc8985_7_4_probe_that_repaired_a_loss_reduces_cwnd",
                    rfc8985_7_4_probe_that_repaired_a_loss_reduces_cwnd);
        CU_add_test(su, "rfc8985_7_4_dsack_for_the_probe_keeps_cwnd",
                    rfc8985_7_4_dsack_for_the_probe_keeps_cwnd);
        CU_add_test(su, "rfc8985_7_4_dsack_for_part_of_the_probe_still_counts_a_repair",
                    rfc8985_7_4_dsack_for_part_of_the_probe_still_counts_a_repair);
        CU_add_test(su, "rfc8985_7_2_no_probe_without_sack", rfc8985_7_2_no_probe_without_sack);
        CU_add_test(su, "rfc8985_6_2_resend_lost_when_later_data_is_sacked",
                    rfc8985_6_2_resend_lost_when_later_data_is_sacked);
        CU_add_test(su, "rfc8985_6_2_lost_resend_of_a_hole_above_snd_una",
                    rfc8985_6_2_lost_resend_of_a_hole_above_snd_una);
        CU_add_test(su, "rfc8985_6_2_resend_not_lost_on_older_or_early_sacks",
                    rfc8985_6_2_resend_not_lost_on_older_or_early_sacks);
}

/* SACK-based loss recovery segment by segment against the fixture's scripted peer (sack_peer.h):
 * RFC 6675 (the DupAck definition (2), IsLost and recovery entry (4, 5), pipe-governed
 * sending and NextSeg rules 1-4 (4, 5 (C))). Segments are 1460 bytes (MSS 1460, no
 * timestamps). */
#include <CUnit/CUnit.h>
#include <string.h>

#include "stack/core/stack.h"
#include "stack/sock.h"
#include "stack/tcp/tcb.h"
#include "tests/unit/sack_peer.h"

/* RFC 6675 5 step (2): "If DupAcks < DupThresh but IsLost (HighACK + 1) returns true --
 * indicating at least three segments have arrived above the current cumulative
 * acknowledgment point ... go to step (4)": one ACK whose SACK block covers three segments
 * (the ACKs between were lost) starts fast retransmit. */
static void
rfc6675_5_islost_starts_recovery_on_one_ack_sacking_three_segments(void)
{
        struct tcpfx fx;
        static const unsigned b[][2] = {{1, 4}};

        sr_open(&fx, 6, 0);
        sr_ack(&fx, 0, b, 1, 0);
        sr_expect(&fx, 0, SEG);
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.fast_retransmits"), 1);
        tcpfx_fini(&fx);
}

/* RFC 6675 2 DupAck: "an ACK which carries new SACK data is counted as a duplicate
 * acknowledgment under this definition even if it carries new data". Each of three
 * data-carrying ACKs SACKs one more segment: the third starts fast retransmit. */
static void
rfc6675_2_dupack_counts_an_ack_with_data_that_sacks_new_octets(void)
{
        struct tcpfx fx;
        static const unsigned b[3][1][2] = {{{1, 2}}, {{1, 3}}, {{1, 4}}};
        struct tcpfx_seg g;

        sr_open(&fx, 5, 0);
        for (unsigned i = 0; i < 3; i++)
                sr_ack(&fx, 0, b[i], 1, 100);
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.fast_retransmits"), 1);
        while (tcpfx_take(&fx, &g) && g.len == 0) /* the ACKs of the peer's data */
                ;
        CU_ASSERT_EQUAL(g.h.seq, sr_seq(&fx, 0));
        CU_ASSERT_EQUAL(g.len, SEG);
        tcpfx_fini(&fx);
}

/* RFC 6675 2: with SACK in use, a duplicate ACK that reports nothing new (the peer saw a
 * duplicated segment) is not a DupAck: three of them do not start a retransmission. */
static void
rfc6675_2_ack_without_new_sack_is_not_a_dupack(void)
{
        struct tcpfx fx;
        static const unsigned b[][2] = {{1, 2}};

        sr_open(&fx, 5, 0);
        for (unsigned i = 0; i < 3; i++)
                sr_ack(&fx, 0, b, 1, 0);
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.fast_retransmits"), 0);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        tcpfx_fini(&fx);
}

/* RFC 6675 4 NextSeg rule (1) and 5 (C): every hole that IsLost is resent as soon as
 * cwnd - pipe allows, without waiting for a partial ACK per hole. Ten segments out, 0 and 2
 * lost: ssthresh = cwnd = 5 segments; after resending 0, pipe = 1 (resent) + 3 (7-9, not
 * lost) = 4, so hole 2 (five SACKed segments above it) goes too, and then nothing. */
static void
rfc6675_4_nextseg_rule1_resends_each_lost_hole(void)
{
        struct tcpfx fx;
        struct tcb *t;
        static const unsigned b[][2] = {{1, 2}, {3, 7}};

        t = sr_open(&fx, 10, 0);
        sr_ack(&fx, 0, b, 2, 0);
        sr_expect(&fx, 0, SEG);
        sr_expect(&fx, 2, SEG);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        CU_ASSERT(t->in_recovery);
        CU_ASSERT_EQUAL(t->cwnd, 5 * SEG); /* RFC 6675 5 (4.2): ssthresh = cwnd = FlightSize/2 */
        CU_ASSERT_EQUAL(t->ssthresh, 5 * SEG);
        tcpfx_fini(&fx);
}

/* RFC 6675 5 (C) and NextSeg rule (2): new data leaves during recovery only while
 * cwnd - pipe >= 1 SMSS. Ten out, 0 lost, twenty more queued: after the resend pipe is
 * 1 + 6 = 7 segments against cwnd 5; each further SACKed segment lowers it by one, and
 * the third one (pipe 4) lets exactly one new segment go. */
static void
rfc6675_5_c_pipe_governs_new_data_during_recovery(void)
{
        struct tcpfx fx;
        static const unsigned b[4][1][2] = {{{1, 4}}, {{1, 5}}, {{1, 6}}, {{1, 7}}};

        sr_open(&fx, 10, 20);
        sr_ack(&fx, 0, b[0], 1, 0);
        sr_expect(&fx, 0, SEG);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        sr_ack(&fx, 0, b[1], 1, 0);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0); /* pipe 6 */
        sr_ack(&fx, 0, b[2], 1, 0);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0); /* pipe 5 */
        sr_ack(&fx, 0, b[3], 1, 0);
        sr_expect(&fx, 10, SEG); /* pipe 4: one new segment */
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        tcpfx_fini(&fx);
}

/* RFC 6675 4 NextSeg rule (4): once per recovery, when nothing else may be sent, resend the
 * segment holding the highest outstanding unSACKed octet. Five out, 0 and 4 lost: the
 * resend of 0 is acknowledged (a partial ACK) and the lost tail goes at once, not after
 * the retransmission timeout. */
static void
rfc6675_4_nextseg_rule4_rescue_resends_the_lost_tail(void)
{
        struct tcpfx fx;
        static const unsigned b[3][1][2] = {{{1, 2}}, {{1, 3}}, {{1, 4}}};

        sr_open(&fx, 5, 0);
        for (unsigned i = 0; i < 3; i++)
                sr_ack(&fx, 0, b[i], 1, 0);
        sr_expect(&fx, 0, SEG);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        sr_ack(&fx, 4, NULL, 0, 0); /* partial: the resend arrived, 4 is still missing */
        sr_expect(&fx, 4, SEG);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        sr_ack(&fx, 4, NULL, 0, 0); /* rescue only once per recovery */
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        tcpfx_fini(&fx);
}

/* RFC 6675 5 (A): a cumulative ACK at or beyond RecoveryPoint ends recovery. */
static void
rfc6675_5_a_ack_of_recovery_point_ends_recovery(void)
{
        struct tcpfx fx;
        struct tcb *t;
        static const unsigned b[][2] = {{1, 4}};

        t = sr_open(&fx, 6, 0);
        sr_ack(&fx, 0, b, 1, 0);
        CU_ASSERT(t->in_recovery);
        sr_ack(&fx, 6, NULL, 0, 0);
        CU_ASSERT(!t->in_recovery);
        CU_ASSERT(t->cwnd <= t->ssthresh);
        tcpfx_fini(&fx);
}

void
suite_tcp_sack_recovery(void)
{
        CU_pSuite su = CU_add_suite("tcp_sack_recovery", NULL, NULL);

        CU_add_test(su, "rfc6675_5_islost_starts_recovery_on_one_ack_sacking_three_segments",
                    rfc6675_5_islost_starts_recovery_on_one_ack_sacking_three_segments);
        CU_add_test(su, "rfc6675_2_dupack_counts_an_ack_with_data_that_sacks_new_octets",
                    rfc6675_2_dupack_counts_an_ack_with_data_that_sacks_new_octets);
        CU_add_test(su, "rfc6675_2_ack_without_new_sack_is_not_a_dupack",
                    rfc6675_2_ack_without_new_sack_is_not_a_dupack);
        CU_add_test(su, "rfc6675_4_nextseg_rule1_resends_each_lost_hole",
                    rfc6675_4_nextseg_rule1_resends_each_lost_hole);
        CU_add_test(su, "rfc6675_5_c_pipe_governs_new_data_during_recovery",
                    rfc6675_5_c_pipe_governs_new_data_during_recovery);
        CU_add_test(su, "rfc6675_4_nextseg_rule4_rescue_resends_the_lost_tail",
                    rfc6675_4_nextseg_rule4_rescue_resends_the_lost_tail);
        CU_add_test(su, "rfc6675_5_a_ack_of_recovery_point_ends_recovery",
                    rfc6675_5_a_ack_of_recovery_point_ends_recovery);
}

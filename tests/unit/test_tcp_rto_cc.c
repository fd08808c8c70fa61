/* TCP timers and congestion control (RFC 6298 retransmission timer, RFC 5681 / RFC 3042 /
 * RFC 6582 congestion control), segment by segment against the fixture's scripted peer. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <string.h>

#include "stack/core/stack.h"
#include "stack/sock.h"
#include "stack/tcp/tcb.h"
#include "tests/common/tcp_fixture.h"

static void
rfc6298_5_rto_retransmits_with_backoff(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;

        tcpfx_init(&fx);
        tcpfx_open(&fx, TCP_ESTABLISHED);
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, "hello", 5), 5);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.len, 5);
        CU_ASSERT_EQUAL(g.h.seq, fx.iss + 1);
        tcpfx_advance(&fx, 999000); /* RFC 6298 (2.1): initial RTO 1 s */
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        tcpfx_advance(&fx, 1000);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.h.seq, fx.iss + 1);
        CU_ASSERT_EQUAL(g.len, 5);
        CU_ASSERT_EQUAL(memcmp(g.data, "hello", 5), 0);
        tcpfx_advance(&fx, 1999000); /* (5.5): doubled to 2 s */
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        tcpfx_advance(&fx, 1000);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 1);
        tcpfx_drain(&fx);
        tcpfx_send(&fx, TCP_ACK, fx.pseq, fx.iss + 6, NULL, 0, NULL);
        tcpfx_advance(&fx, 10000000);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.rto_timeouts"), 2);
        tcpfx_fini(&fx);
}

/* RFC 6298 3 (Karn) with timestamps: after our timeout resent the data, the peer may
 * acknowledge it with the TSval of the first instance still in TSecr (its TS.Recent came
 * from the segment it acknowledged; the resent copy, a duplicate, is rejected before its
 * TSval is recorded: RFC 7323 4.3, 5.3 R2/R3). Such an echo measures every lost ACK since
 * the first instance, not a round trip: no sample. The next echo of a later TSval is one
 * (robust-5: 115 s samples kept the RTO at 60 s for minutes after progress resumed). */
static void
rfc6298_3_no_rtt_sample_from_an_echo_older_than_the_retransmission(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        struct sock_tcp_info before, after;
        uint32_t first, again = 0;

        tcpfx_init(&fx);
        fx.syn_opts.has_ts = true;
        fx.syn_opts.tsval = 5000;
        tcpfx_open(&fx, TCP_ESTABLISHED);
        CU_ASSERT_EQUAL(sock_tcp_info(fx.s, fx.sd, &before), 0);
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, "hello", 5), 5);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        first = g.h.opts.tsval;
        tcpfx_advance(&fx, 1000000 + 2000000 + 4000000); /* three timeouts: 1, 2, 4 s */
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.rto_timeouts"), 3);
        while (tcpfx_take(&fx, &g))
                again = g.h.opts.tsval;
        CU_ASSERT(again - first >= 7000); /* ms: the last copy left 7 s after the first */
        {
                struct tcp_opts o = {.has_ts = true, .tsval = 5001, .tsecr = first};
                tcpfx_send(&fx, TCP_ACK, fx.pseq, fx.iss + 6, NULL, 0, &o);
        }
        CU_ASSERT_EQUAL(sock_tcp_info(fx.s, fx.sd, &after), 0);
        CU_ASSERT_EQUAL(after.srtt_us, before.srtt_us); /* no 7 s "round trip" */
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, "again", 5), 5);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        tcpfx_advance(&fx, 50000);
        {
                struct tcp_opts o = {.has_ts = true, .tsval = 5002, .tsecr = g.h.opts.tsval};
                tcpfx_send(&fx, TCP_ACK, fx.pseq, fx.iss + 11, NULL, 0, &o);
        }
        CU_ASSERT_EQUAL(sock_tcp_info(fx.s, fx.sd, &after), 0);
        CU_ASSERT(after.srtt_us != before.srtt_us); /* a fresh echo is a sample again */
        CU_ASSERT(after.rto_us < 2000000);          /* and the backed-off RTO collapses */
        tcpfx_fini(&fx);
}

/* RFC 6298 (5.7): our SYN timed out and the handshake gave no RTT sample (no timestamps,
 * and Karn's rule forbids timing a resent SYN): data starts with an RTO of 3 s, not the
 * backed-off 2 s or the initial 1 s. */
static void
rfc6298_5_7_rto_three_seconds_after_a_syn_timeout(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        struct sock_tcp_info ti;
        struct tcb *t;

        tcpfx_init(&fx);
        t = tcpfx_open(&fx, TCP_SYN_SENT);
        tcpfx_advance(&fx, 1000000); /* the SYN times out and is resent */
        CU_ASSERT_EQUAL(tcpfx_drain(&fx), 1);
        tcpfx_send(&fx, TCP_SYN | TCP_ACK, fx.pseq, fx.pack, NULL, 0, &fx.syn_opts);
        fx.pseq++;
        CU_ASSERT_EQUAL(t->state, TCP_ESTABLISHED);
        CU_ASSERT_EQUAL(sock_tcp_info(fx.s, fx.sd, &ti), 0);
        CU_ASSERT_EQUAL(ti.rto_us, 3000000);
        tcpfx_drain(&fx);
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, "hello", 5), 5);
        CU_ASSERT_EQUAL(tcpfx_drain(&fx), 1);
        tcpfx_advance(&fx, 2999000);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        tcpfx_advance(&fx, 1000);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.len, 5); /* resent after 3 s */
        tcpfx_fini(&fx);
}

static void
rfc5681_3_2_fast_retransmit_on_third_dupack(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        uint8_t data[4380];

        tcpfx_init(&fx);
        memset(data, 'd', sizeof(data));
        tcpfx_open(&fx, TCP_ESTABLISHED);
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, data, sizeof(data)), 4380);
        CU_ASSERT_EQUAL(tcpfx_drain(&fx), 3); /* IW = 4380 bytes: three segments */
        for (int i = 0; i < 2; i++)
                tcpfx_send(&fx, TCP_ACK, fx.pseq, fx.iss + 1, NULL, 0, NULL);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        tcpfx_send(&fx, TCP_ACK, fx.pseq, fx.iss + 1, NULL, 0, NULL);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.h.seq, fx.iss + 1);
        CU_ASSERT_EQUAL(g.len, 1460);
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.fast_retransmits"), 1);
        tcpfx_fini(&fx);
}

/* RFC 5681 3.2 (1), RFC 3042: on the first and second duplicate ACKs the sender SHOULD send
 * one segment of previously unsent data each (FlightSize up to cwnd + 2*SMSS, cwnd
 * unchanged), so that a small window still draws the third duplicate; the third starts
 * fast retransmit as before. */
static void
rfc5681_3_2_limited_transmit_on_first_two_dupacks(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        uint8_t data[4380 + 3 * 1460];

        tcpfx_init(&fx);
        memset(data, 'd', sizeof(data));
        tcpfx_open(&fx, TCP_ESTABLISHED);
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, data, sizeof(data)), (ssize_t)sizeof(data));
        CU_ASSERT_EQUAL(tcpfx_drain(&fx), 3); /* IW = 4380 bytes: three segments */
        for (uint32_t i = 0; i < 2; i++) {
                tcpfx_send(&fx, TCP_ACK, fx.pseq, fx.iss + 1, NULL, 0, NULL);
                CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
                CU_ASSERT_EQUAL(g.h.seq, fx.iss + 1 + 4380 + 1460 * i); /* new data */
                CU_ASSERT_EQUAL(g.len, 1460);
                CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        }
        tcpfx_send(&fx, TCP_ACK, fx.pseq, fx.iss + 1, NULL, 0, NULL);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.h.seq, fx.iss + 1); /* the third: fast retransmit */
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.fast_retransmits"), 1);
        tcpfx_fini(&fx);
}

/* RFC 5681 4.1: a sender idle for longer than an RTO restarts from RW = min(IW, cwnd); a
 * shorter pause keeps the window it had. */
static void
rfc5681_4_1_cwnd_restarts_after_an_idle_rto(void)
{
        struct tcpfx fx;
        struct tcb *t;
        static uint8_t data[20 * 1460];

        tcpfx_init(&fx);
        t = tcpfx_open(&fx, TCP_ESTABLISHED);
        fx.pwnd = 65535;
        t->cwnd = 10 * 1460; /* as if grown by earlier rounds */
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, data, 1460), 1460);
        CU_ASSERT_EQUAL(tcpfx_drain(&fx), 1);
        tcpfx_send(&fx, TCP_ACK, fx.pseq, fx.iss + 1 + 1460, NULL, 0, NULL);
        tcpfx_advance(&fx, 500000); /* half the RTO: not idle yet */
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, data, 6 * 1460), 6 * 1460);
        CU_ASSERT_EQUAL(tcpfx_drain(&fx), 6);
        tcpfx_send(&fx, TCP_ACK, fx.pseq, fx.iss + 1 + 7 * 1460, NULL, 0, NULL);
        tcpfx_advance(&fx, 1500000); /* longer than the RTO (1 s): idle */
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, data, 6 * 1460), 6 * 1460);
        CU_ASSERT_EQUAL(tcpfx_drain(&fx), 3); /* IW = 4380 bytes */
        tcpfx_fini(&fx);
}

void
suite_tcp_rto_cc(void)
{
        CU_pSuite su = CU_add_suite("tcp_rto_cc", NULL, NULL);

        CU_add_test(su, "rfc6298_5_rto_retransmits_with_backoff",
                    rfc6298_5_rto_retransmits_with_backoff);
        CU_add_test(su, "rfc6298_3_no_rtt_sample_from_an_echo_older_than_the_retransmission",
                    rfc6298_3_no_rtt_sample_from_an_echo_older_than_the_retransmission);
        CU_add_test(su, "rfc6298_5_7_rto_three_seconds_after_a_syn_timeout",
                    rfc6298_5_7_rto_three_seconds_after_a_syn_timeout);
        CU_add_test(su, "rfc5681_3_2_fast_retransmit_on_third_dupack",
                    rfc5681_3_2_fast_retransmit_on_third_dupack);
        CU_add_test(su, "rfc5681_3_2_limited_transmit_on_first_two_dupacks",
                    rfc5681_3_2_limited_transmit_on_first_two_dupacks);
        CU_add_test(su, "rfc5681_4_1_cwnd_restarts_after_an_idle_rto",
                    rfc5681_4_1_cwnd_restarts_after_an_idle_rto);
}

/* Explicit Congestion Notification (RFC 3168 6.1; RFC 9293 SHLD-8), segment by segment: the
 * ECN-setup SYN and SYN,ACK, ECT(0) on new data only, CE echoed with ECE until CWR, and the
 * sender's once-per-window halving on ECE followed by CWR. */
#include <CUnit/CUnit.h>
#include <string.h>

#include "stack/core/stack.h"
#include "stack/sock.h"
#include "stack/tcp/tcb.h"
#include "tests/common/tcp_fixture.h"

#define ECT0 0x02u
#define CE 0x03u

/* An active open that asked for ECN; the peer's SYN,ACK carries extra (TCP_ECE agrees).
 * Returns our SYN's flags; our ACK completing the handshake is checked for no ECE/CWR. */
static uint8_t
ecn_active(struct tcpfx *fx, uint8_t extra)
{
        struct sock_addr peer = {.ip = TCPFX_PEER, .port = fx->pport};
        struct tcpfx_seg g;
        uint8_t syn;

        fx->sd = sock_open(fx->s, SOCK_TYPE_TCP);
        CU_ASSERT_EQUAL_FATAL(sock_setopt(fx->s, fx->sd, SOCK_OPT_ECN, 1), 0);
        CU_ASSERT_EQUAL_FATAL(sock_connect(fx->s, fx->sd, &peer), 0);
        tcpfx_poll(fx);
        CU_ASSERT_FATAL(tcpfx_take(fx, &g));
        syn = g.h.flags;
        CU_ASSERT_EQUAL(g.ip.tos & 3u, 0); /* 6.1.1: never ECT on a SYN */
        fx->lport = g.h.sport;
        fx->iss = g.h.seq;
        fx->pack = g.h.seq + 1;
        fx->pseq = TCPFX_PEER_ISS;
        tcpfx_send(fx, TCP_SYN | TCP_ACK | extra, fx->pseq, fx->pack, NULL, 0, &fx->syn_opts);
        fx->pseq++;
        CU_ASSERT_FATAL(tcpfx_take(fx, &g));
        CU_ASSERT_EQUAL(g.h.flags, TCP_ACK);
        return syn;
}

static bool
ecn_agreed(struct tcpfx *fx)
{
        struct sock_tcp_info ti;

        CU_ASSERT_EQUAL_FATAL(sock_tcp_info(fx->s, fx->sd, &ti), 0);
        return ti.ecn;
}

/* 6.1.1: our ECN-setup SYN has ECE and CWR; an ECN-setup SYN,ACK (ECE only) agrees. Then
 * new data goes as ECT(0), and neither a pure ACK (6.1.4) nor a resend (6.1.5) is ECT. */
static void
rfc3168_6_1_1_ecn_setup_and_ect_on_new_data_only(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;

        tcpfx_init(&fx);
        CU_ASSERT_EQUAL(ecn_active(&fx, TCP_ECE) & (TCP_ECE | TCP_CWR), TCP_ECE | TCP_CWR);
        CU_ASSERT(ecn_agreed(&fx));
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, "hello", 5), 5);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.len, 5);
        CU_ASSERT_EQUAL(g.ip.tos & 3u, ECT0);
        tcpfx_send_next(&fx, TCP_ACK | TCP_PSH, "x", 1); /* unacknowledged data: none ACKed */
        tcpfx_advance(&fx, 200000);                      /* delayed ACK */
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.len, 0);
        CU_ASSERT_EQUAL(g.ip.tos & 3u, 0);
        tcpfx_advance(&fx, 1000000); /* RTO: "hello" again */
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.len, 5);
        CU_ASSERT_EQUAL(g.ip.tos & 3u, 0);
        tcpfx_fini(&fx);
}

/* 6.1.6: a probe of a zero window carries neither ECT nor CWR (its loss would go unseen). */
static void
rfc3168_6_1_6_zero_window_probe_not_ect(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        struct tcb *t;

        tcpfx_init(&fx);
        ecn_active(&fx, TCP_ECE);
        t = tcpfx_tcb(&fx);
        fx.pwnd = 0;
        tcpfx_send(&fx, TCP_ACK, fx.pseq, fx.pack, NULL, 0, NULL); /* the window closes */
        t->cwr_pending = true;                                     /* as after an ECE */
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, "hello", 5), 5);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        tcpfx_advance(&fx, 1000000); /* the persist timer: a one-octet probe */
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.len, 1);
        CU_ASSERT_EQUAL(g.ip.tos & 3u, 0);
        CU_ASSERT_EQUAL(g.h.flags & TCP_CWR, 0);
        tcpfx_fini(&fx);
}

/* 6.1.1: a SYN,ACK without ECE (a peer that does not do ECN) means no ECN at all. */
static void
rfc3168_6_1_1_no_ecn_unless_the_syn_ack_agrees(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;

        tcpfx_init(&fx);
        ecn_active(&fx, 0);
        CU_ASSERT(!ecn_agreed(&fx));
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, "hello", 5), 5);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.ip.tos & 3u, 0);
        tcpfx_fini(&fx);
}

/* 6.1.1.1: an unanswered ECN-setup SYN is resent as a plain SYN (a middlebox may drop the
 * former), and an ECN-setup SYN,ACK to it then does not turn ECN on. */
static void
rfc3168_6_1_1_1_unanswered_ecn_syn_resent_without_ecn(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        struct sock_addr peer = {.ip = TCPFX_PEER, .port = 0};

        tcpfx_init(&fx);
        peer.port = fx.pport;
        fx.sd = sock_open(fx.s, SOCK_TYPE_TCP);
        CU_ASSERT_EQUAL(sock_setopt(fx.s, fx.sd, SOCK_OPT_ECN, 1), 0);
        CU_ASSERT_EQUAL(sock_connect(fx.s, fx.sd, &peer), 0);
        tcpfx_poll(&fx);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.h.flags, TCP_SYN | TCP_ECE | TCP_CWR);
        tcpfx_advance(&fx, 1000000);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.h.flags, TCP_SYN);
        fx.lport = g.h.sport;
        fx.iss = g.h.seq;
        fx.pack = g.h.seq + 1;
        fx.pseq = TCPFX_PEER_ISS;
        tcpfx_send(&fx, TCP_SYN | TCP_ACK | TCP_ECE, fx.pseq, fx.pack, NULL, 0, &fx.syn_opts);
        fx.pseq++;
        CU_ASSERT(!ecn_agreed(&fx));
        tcpfx_fini(&fx);
}

/* 6.1.1: a listener that accepts ECN answers an ECN-setup SYN with ECE (not CWR); one that
 * does not, or a SYN with ECE alone, gets a plain SYN,ACK. */
static void
rfc3168_6_1_1_listener_answers_ecn_setup_syn(void)
{
        static const struct {
                bool accept;
                uint8_t syn_extra, want;
        } cases[] = {
            {true, TCP_ECE | TCP_CWR, TCP_ECE}, {false, TCP_ECE | TCP_CWR, 0}, {true, TCP_ECE, 0}};

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct tcpfx fx;
                struct tcpfx_seg g;

                tcpfx_init(&fx);
                tcpfx_open(&fx, TCP_LISTEN);
                CU_ASSERT_EQUAL(sock_setopt(fx.s, fx.lsd, SOCK_OPT_ECN, cases[i].accept), 0);
                tcpfx_send(&fx, TCP_SYN | cases[i].syn_extra, TCPFX_PEER_ISS, 0, NULL, 0,
                           &fx.syn_opts);
                CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
                CU_ASSERT_EQUAL(g.h.flags, TCP_SYN | TCP_ACK | cases[i].want);
                CU_ASSERT_EQUAL(g.ip.tos & 3u, 0);
                tcpfx_fini(&fx);
        }
}

/* 6.1.3: a CE-marked data packet is acknowledged at once with ECE, and every ACK carries ECE
 * until a packet with CWR arrives. */
static void
rfc3168_6_1_3_ce_echoed_with_ece_until_cwr(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;

        tcpfx_init(&fx);
        ecn_active(&fx, TCP_ECE);
        fx.ip_tos = CE;
        tcpfx_send_next(&fx, TCP_ACK | TCP_PSH, "a", 1);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g)); /* at once, not delayed */
        CU_ASSERT_EQUAL(g.h.flags & (TCP_ECE | TCP_CWR), TCP_ECE);
        fx.ip_tos = ECT0;
        tcpfx_send_next(&fx, TCP_ACK | TCP_PSH, "b", 1);
        tcpfx_advance(&fx, 200000);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.h.flags & TCP_ECE, TCP_ECE); /* still echoing */
        tcpfx_send_next(&fx, TCP_ACK | TCP_PSH | TCP_CWR, "c", 1);
        tcpfx_advance(&fx, 200000);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.h.ack, fx.pseq);
        CU_ASSERT_EQUAL(g.h.flags & TCP_ECE, 0); /* the sender reacted */
        tcpfx_fini(&fx);
}

/* 6.1.2: ECE halves cwnd (ssthresh = max(FlightSize / 2, 2*SMSS)) once per window of data:
 * a second ECE for the same window changes nothing; the next new data packet carries CWR
 * (and ECT); an ECE after the window passed counts again. */
static void
rfc3168_6_1_2_ece_halves_cwnd_once_per_window_then_cwr(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        static uint8_t data[11 * 1460];
        struct tcb *t;
        uint32_t cwnd, base;

        tcpfx_init(&fx);
        ecn_active(&fx, TCP_ECE);
        t = tcpfx_tcb(&fx);
        fx.pwnd = 65535;
        t->cwnd = 10 * 1460;
        base = fx.iss + 1;
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, data, 10 * 1460), 10 * 1460);
        CU_ASSERT_EQUAL(tcpfx_drain(&fx), 10);
        tcpfx_send(&fx, TCP_ACK | TCP_ECE, fx.pseq, base + 1460, NULL, 0, NULL);
        cwnd = t->cwnd;
        CU_ASSERT_EQUAL(cwnd, 9 * 1460 / 2);
        tcpfx_send(&fx, TCP_ACK | TCP_ECE, fx.pseq, base + 2 * 1460, NULL, 0, NULL);
        CU_ASSERT_EQUAL(t->cwnd, cwnd); /* the same window: no second cut */
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, data, 1460), 1460);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0); /* 8 segments still out, over cwnd */
        tcpfx_send(&fx, TCP_ACK, fx.pseq, base + 7 * 1460, NULL, 0, NULL);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.h.seq, base + 10 * 1460);
        CU_ASSERT_EQUAL(g.h.flags & TCP_CWR, TCP_CWR);
        CU_ASSERT_EQUAL(g.ip.tos & 3u, ECT0);
        tcpfx_send(&fx, TCP_ACK | TCP_ECE, fx.pseq, base + 11 * 1460, NULL, 0, NULL);
        CU_ASSERT(t->cwnd < cwnd); /* past the reduction's window: a new signal */
        tcpfx_fini(&fx);
}

void
suite_tcp_ecn(void)
{
        CU_pSuite su = CU_add_suite("tcp_ecn", NULL, NULL);

        CU_add_test(su, "rfc3168_6_1_1_ecn_setup_and_ect_on_new_data_only",
                    rfc3168_6_1_1_ecn_setup_and_ect_on_new_data_only);
        CU_add_test(su, "rfc3168_6_1_6_zero_window_probe_not_ect",
                    rfc3168_6_1_6_zero_window_probe_not_ect);
        CU_add_test(su, "rfc3168_6_1_1_no_ecn_unless_the_syn_ack_agrees",
                    rfc3168_6_1_1_no_ecn_unless_the_syn_ack_agrees);
        CU_add_test(su, "rfc3168_6_1_1_1_unanswered_ecn_syn_resent_without_ecn",
                    rfc3168_6_1_1_1_unanswered_ecn_syn_resent_without_ecn);
        CU_add_test(su, "rfc3168_6_1_1_listener_answers_ecn_setup_syn",
                    rfc3168_6_1_1_listener_answers_ecn_setup_syn);
        CU_add_test(su, "rfc3168_6_1_3_ce_echoed_with_ece_until_cwr",
                    rfc3168_6_1_3_ce_echoed_with_ece_until_cwr);
        CU_add_test(su, "rfc3168_6_1_2_ece_halves_cwnd_once_per_window_then_cwr",
                    rfc3168_6_1_2_ece_halves_cwnd_once_per_window_then_cwr);
}

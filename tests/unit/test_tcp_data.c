/* TCP data transfer (RFC 9293 3.7-3.8, RFC 7323, RFC 2018): delayed ACKs, R2 and the SYN's
 * R2, out-of-order data and SACK, zero windows and persist, Nagle, SWS avoidance, MSS rules,
 * PAWS, window scaling, urgent data. The retransmission timer and congestion control are in
 * test_tcp_rto_cc.c. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "stack/core/stack.h"
#include "stack/sock.h"
#include "stack/sock/sock.h"
#include "stack/tcp/tcp_seq.h"
#include "tests/common/tcp_fixture.h"

static void
rfc9293_must40_delayed_ack_and_every_second_segment(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        uint8_t data[1460] = {0};

        tcpfx_init(&fx);
        tcpfx_open(&fx, TCP_ESTABLISHED);
        tcpfx_send_next(&fx, TCP_ACK, data, sizeof(data));
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0); /* delayed */
        tcpfx_send_next(&fx, TCP_ACK, data, sizeof(data));
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g)); /* SHLD-19: every second full segment */
        CU_ASSERT_EQUAL(g.h.ack, fx.pseq);
        tcpfx_send_next(&fx, TCP_ACK, data, 100);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        tcpfx_advance(&fx, 199000);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        tcpfx_advance(&fx, 1000); /* MUST-40: well under 0.5 s */
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.h.ack, fx.pseq);
        tcpfx_fini(&fx);
}

static void
rfc9293_must20_r2_gives_up_with_etimedout(void)
{
        struct tcpfx fx;
        struct tcb *t;

        tcpfx_init(&fx);
        t = tcpfx_open(&fx, TCP_ESTABLISHED);
        sock_send(fx.s, fx.sd, "x", 1);
        tcpfx_advance(&fx, 90000000);
        CU_ASSERT_EQUAL(t->state, TCP_ESTABLISHED); /* R2 is at least 100 s */
        tcpfx_advance(&fx, 200000000);
        CU_ASSERT_EQUAL(t->state, TCP_CLOSED);
        CU_ASSERT_EQUAL(sock_error(fx.s, fx.sd), -ETIMEDOUT);
        tcpfx_fini(&fx);
}

static void
rfc9293_must23_syn_retransmitted_for_three_minutes(void)
{
        struct tcpfx fx;
        struct tcb *t;

        tcpfx_init(&fx);
        t = tcpfx_open(&fx, TCP_SYN_SENT);
        tcpfx_advance(&fx, 170000000);
        CU_ASSERT_EQUAL(t->state, TCP_SYN_SENT);
        CU_ASSERT(tcpfx_drain(&fx) >= 5);
        tcpfx_advance(&fx, 200000000);
        CU_ASSERT_EQUAL(t->state, TCP_CLOSED);
        CU_ASSERT_EQUAL(sock_error(fx.s, fx.sd), -ETIMEDOUT);
        tcpfx_fini(&fx);
}

static void
rfc2018_4_out_of_order_gets_immediate_ack_with_sack(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        char buf[64];

        tcpfx_init(&fx);
        fx.syn_opts.sack_perm = true;
        tcpfx_open(&fx, TCP_ESTABLISHED);
        CU_ASSERT(tcpfx_tcb(&fx)->sack_ok);
        tcpfx_send(&fx, TCP_ACK, fx.pseq + 10, fx.pack, "0123456789", 10, NULL);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.h.ack, fx.pseq);
        CU_ASSERT_EQUAL(g.h.opts.n_sack, 1);
        CU_ASSERT_EQUAL(g.h.opts.sack[0].left, fx.pseq + 10);
        CU_ASSERT_EQUAL(g.h.opts.sack[0].right, fx.pseq + 20);
        CU_ASSERT_EQUAL(sock_recv(fx.s, fx.sd, buf, sizeof(buf)), -EAGAIN);
        /* Filling the hole delivers everything and is ACKed at once (RFC 5681 4.2). */
        tcpfx_send(&fx, TCP_ACK, fx.pseq, fx.pack, "abcdefghij", 10, NULL);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.h.ack, fx.pseq + 20);
        CU_ASSERT_EQUAL(g.h.opts.n_sack, 0);
        CU_ASSERT_EQUAL(sock_recv(fx.s, fx.sd, buf, sizeof(buf)), 20);
        CU_ASSERT_EQUAL(memcmp(buf, "abcdefghij0123456789", 20), 0);
        tcpfx_fini(&fx);
}

static void
rfc9293_3_10_7_4_out_of_order_memory_is_bounded(void)
{
        struct tcpfx fx;
        struct tcb *t;

        tcpfx_init(&fx);
        t = tcpfx_open(&fx, TCP_ESTABLISHED);
        /* Thousands of one-byte islands: ranges stay bounded, extra ones are dropped. */
        for (uint32_t i = 0; i < 2000; i++)
                tcpfx_send(&fx, TCP_ACK, fx.pseq + 2 + 2 * i, fx.pack, "q", 1, NULL);
        CU_ASSERT(t->n_ooo <= TCP_OOO_MAX);
        CU_ASSERT(stack_counter_get(fx.s, "tcp.drop_out_of_order_bound") > 0);
        tcpfx_send(&fx, TCP_ACK, fx.pseq, fx.pack, "qq", 2, NULL);
        /* The first island joins the stream; the next byte is still a hole. */
        CU_ASSERT_EQUAL(t->rcv_nxt, fx.pseq + 3);
        CU_ASSERT_EQUAL(t->n_ooo, TCP_OOO_MAX - 1);
        CU_ASSERT_EQUAL(stack_pkts_in_use(fx.s), 0);
        tcpfx_fini(&fx);
}

static void
rfc9293_must36_must37_zero_window_probes_keep_connection(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        struct tcb *t;
        int probes = 0;

        tcpfx_init(&fx);
        t = tcpfx_open(&fx, TCP_ESTABLISHED);
        fx.pwnd = 0;
        tcpfx_send(&fx, TCP_ACK, fx.pseq, fx.pack, NULL, 0, NULL);
        CU_ASSERT_EQUAL(t->snd_wnd, 0);
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, "abc", 3), 3);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        /* Far past R2 (100 s): probes are answered, so the connection lives (MUST-37). */
        for (int i = 0; i < 40; i++) {
                tcpfx_advance(&fx, 10000000);
                while (tcpfx_take(&fx, &g)) {
                        CU_ASSERT_EQUAL(g.len, 1); /* 3.8.6.1: one octet of new data */
                        CU_ASSERT_EQUAL(g.h.seq, fx.iss + 1);
                        probes++;
                        tcpfx_send(&fx, TCP_ACK, fx.pseq, fx.pack, NULL, 0, NULL);
                }
        }
        CU_ASSERT_EQUAL(t->state, TCP_ESTABLISHED);
        CU_ASSERT(probes >= 5 && probes <= 20); /* SHLD-30: exponential backoff, capped */
        fx.pwnd = 1000;
        tcpfx_send(&fx, TCP_ACK, fx.pseq, fx.pack, NULL, 0, NULL);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.len, 3);
        CU_ASSERT_EQUAL(memcmp(g.data, "abc", 3), 0);
        tcpfx_fini(&fx);
}

static void
rfc9293_must37_zero_window_probe_answered_by_receiver(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        struct tcb *t;
        uint8_t big[1000];
        int rcvbuf = 4096;
        struct sock_addr peer = {.ip = TCPFX_PEER, .port = TCPFX_PEER_PORT};

        tcpfx_init(&fx);
        memset(big, 'b', sizeof(big));
        fx.sd = sock_open(fx.s, SOCK_TYPE_TCP);
        CU_ASSERT_EQUAL(sock_setopt(fx.s, fx.sd, SOCK_OPT_RCVBUF, rcvbuf), 0);
        sock_connect(fx.s, fx.sd, &peer);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        fx.lport = g.h.sport;
        fx.iss = g.h.seq;
        fx.pack = fx.iss + 1;
        fx.pseq = 1001;
        tcpfx_send(&fx, TCP_SYN | TCP_ACK, 1000, fx.pack, NULL, 0, &fx.syn_opts);
        tcpfx_drain(&fx);
        t = tcpfx_tcb(&fx);
        for (int i = 0; i < 5; i++)
                tcpfx_send_next(&fx, TCP_ACK, big, sizeof(big));
        tcpfx_advance(&fx, 300000);
        CU_ASSERT_EQUAL(ring_space(&t->rcv), 0);
        fx.pseq = t->rcv_nxt;
        tcpfx_drain(&fx);
        /* A probe at RCV.NXT with a zero window: its data is not taken, but it is ACKed. */
        tcpfx_send(&fx, TCP_ACK, fx.pseq, fx.pack, "p", 1, NULL);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.h.ack, fx.pseq);
        CU_ASSERT_EQUAL(g.h.wnd, 0);
        tcpfx_fini(&fx);
}

/* RFC 9293 3.10.7.4 fifth step: SND.WL1/WL2 keep old segments from updating the window. An
 * acceptable out-of-order segment from ahead in the stream sets WL1 past the peer's pure
 * ACKs, which then could never update it; an ACK that advances SND.UNA is never old, so its
 * window counts (as Linux, tcp_may_update_window). Else a closed window learned from that
 * segment held us to one-octet probes for hours (a fuzz finding). */
static void
rfc9293_3_10_7_4_ack_advancing_snd_una_updates_the_window(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        struct tcb *t;

        tcpfx_init(&fx);
        t = tcpfx_open(&fx, TCP_ESTABLISHED);
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, "abc", 3), 3);
        CU_ASSERT_EQUAL(tcpfx_drain(&fx), 1);
        fx.pwnd = 0; /* out of order, from ahead, closing the window */
        tcpfx_send(&fx, TCP_ACK | TCP_PSH, fx.pseq + 10, fx.iss + 1, "zz", 2, NULL);
        tcpfx_drain(&fx); /* our duplicate ACK */
        CU_ASSERT_EQUAL(t->snd_wnd, 0);
        fx.pwnd = 65535; /* the peer's real ACK: older SEG.SEQ, but it acknowledges "abc" */
        tcpfx_send(&fx, TCP_ACK, fx.pseq, fx.iss + 4, NULL, 0, NULL);
        CU_ASSERT_EQUAL(t->snd_wnd, 65535);
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, "more data", 9), 9);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.len, 9); /* not a one-octet window probe */
        tcpfx_fini(&fx);
}

static void
rfc9293_must17_nagle_and_nodelay(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;

        tcpfx_init(&fx);
        tcpfx_open(&fx, TCP_ESTABLISHED);
        sock_send(fx.s, fx.sd, "a", 1);
        sock_send(fx.s, fx.sd, "b", 1);
        sock_send(fx.s, fx.sd, "c", 1);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 1); /* Nagle: one small segment in flight */
        tcpfx_send(&fx, TCP_ACK, fx.pseq, fx.iss + 2, NULL, 0, NULL);
        tcpfx_take(&fx, &g);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.len, 2); /* the rest coalesced */
        CU_ASSERT_EQUAL(sock_setopt(fx.s, fx.sd, SOCK_OPT_NODELAY, 1), 0);
        sock_send(fx.s, fx.sd, "d", 1);
        sock_send(fx.s, fx.sd, "e", 1);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 2);
        tcpfx_fini(&fx);
}

static void
rfc9293_must39_receiver_sws_no_tiny_window_updates(void)
{
        struct tcpfx fx;
        struct tcb *t;
        uint8_t data[1000] = {0};
        char buf[16];

        tcpfx_init(&fx);
        t = tcpfx_open(&fx, TCP_ESTABLISHED);
        tcpfx_send_next(&fx, TCP_ACK, data, sizeof(data));
        tcpfx_advance(&fx, 300000);
        tcpfx_drain(&fx);
        for (int i = 0; i < 10; i++)
                sock_recv(fx.s, fx.sd, buf, sizeof(buf)); /* 160 bytes freed: no update */
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        (void)t;
        tcpfx_fini(&fx);
}

static void
rfc9293_must15_mss_default_536_and_floor(void)
{
        struct tcpfx fx;
        struct tcb *t;

        tcpfx_init(&fx);
        fx.syn_opts.has_mss = false;
        t = tcpfx_open(&fx, TCP_ESTABLISHED);
        CU_ASSERT_EQUAL(t->snd_mss, 536);
        tcpfx_fini(&fx);

        tcpfx_init(&fx);
        fx.syn_opts.mss = 1;
        t = tcpfx_open(&fx, TCP_ESTABLISHED);
        CU_ASSERT(t->snd_mss >= 64); /* absurd values clamp to a safe floor */
        tcpfx_fini(&fx);
}

static void
rfc7323_2_window_scale_and_3_timestamps_negotiated(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        struct tcb *t;

        tcpfx_init(&fx);
        fx.syn_opts.has_ws = true;
        fx.syn_opts.ws = 7;
        fx.syn_opts.has_ts = true;
        fx.syn_opts.tsval = 5000;
        t = tcpfx_open(&fx, TCP_ESTABLISHED);
        CU_ASSERT(t->ws_ok && t->ts_ok);
        fx.pwnd = 100;
        {
                struct tcp_opts o = {.has_ts = true, .tsval = 5001, .tsecr = 1};
                tcpfx_send(&fx, TCP_ACK, fx.pseq, fx.pack, NULL, 0, &o);
        }
        CU_ASSERT_EQUAL(t->snd_wnd, 100u << 7);
        sock_send(fx.s, fx.sd, "t", 1);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT(g.h.opts.has_ts);
        CU_ASSERT_EQUAL(g.h.opts.tsecr, 5001);
        tcpfx_fini(&fx);
}

static void
rfc7323_5_paws_drops_old_timestamp(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        struct tcp_opts o = {.has_ts = true, .tsval = 4000, .tsecr = 1};
        char buf[8];

        tcpfx_init(&fx);
        fx.syn_opts.has_ts = true;
        fx.syn_opts.tsval = 5000;
        tcpfx_open(&fx, TCP_ESTABLISHED);
        tcpfx_send(&fx, TCP_ACK, fx.pseq, fx.pack, "old", 3, &o);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g)); /* dropped with an ACK */
        CU_ASSERT_EQUAL(g.h.ack, fx.pseq);
        CU_ASSERT_EQUAL(sock_recv(fx.s, fx.sd, buf, sizeof(buf)), -EAGAIN);
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.drop_paws"), 1);
        o.tsval = 6000;
        tcpfx_send(&fx, TCP_ACK, fx.pseq, fx.pack, "new", 3, &o);
        CU_ASSERT_EQUAL(sock_recv(fx.s, fx.sd, buf, sizeof(buf)), 3);
        tcpfx_fini(&fx);
}

static void
rfc6093_urgent_pointer_beyond_data_is_harmless(void)
{
        struct tcpfx fx;
        uint8_t seg[40];
        struct tcp_hdr h = {0};
        char buf[8];

        tcpfx_init(&fx);
        tcpfx_open(&fx, TCP_ESTABLISHED);
        h.sport = fx.pport;
        h.dport = fx.lport;
        h.seq = fx.pseq;
        h.ack = fx.pack;
        h.flags = TCP_ACK | TCP_URG;
        h.wnd = 1000;
        h.urp = 65535;
        memcpy(seg + 20, "u", 1);
        tcp_hdr_emit(&h, seg, 1, TCPFX_PEER, TCPFX_LOCAL);
        tcpfx_inject_tcp(&fx, seg, 21, false);
        CU_ASSERT_EQUAL(sock_recv(fx.s, fx.sd, buf, sizeof(buf)), 1); /* inline (RFC 6093) */
        tcpfx_fini(&fx);
}

static void
rfc9293_must2_bad_checksum_and_options_dropped(void)
{
        struct tcpfx fx;
        uint8_t seg[28];
        struct tcp_hdr h = {.sport = 1, .dport = 80, .flags = TCP_SYN, .wnd = 100};

        tcpfx_init(&fx);
        tcpfx_open(&fx, TCP_LISTEN);
        tcp_hdr_emit(&h, seg, 0, TCPFX_PEER, TCPFX_LOCAL);
        seg[16] ^= 1;
        tcpfx_inject_tcp(&fx, seg, 20, false);
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.drop_bad_checksum"), 1);
        /* Option length 0 (MUST-7): dropped as malformed, no child created. */
        tcp_hdr_emit(&h, seg, 0, TCPFX_PEER, TCPFX_LOCAL);
        seg[12] = 7 << 4;
        seg[20] = TCP_OPT_MSS;
        seg[21] = 0;
        tcpfx_inject_tcp(&fx, seg, 28, true);
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.drop_bad_options"), 1);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        CU_ASSERT_EQUAL(tcpfx_tcb_count(&fx), 1);
        tcpfx_fini(&fx);
}

void
suite_tcp_data(void)
{
        CU_pSuite su = CU_add_suite("tcp_data", NULL, NULL);

        CU_add_test(su, "rfc9293_must40_delayed_ack_and_every_second_segment",
                    rfc9293_must40_delayed_ack_and_every_second_segment);
        CU_add_test(su, "rfc9293_must20_r2_gives_up_with_etimedout",
                    rfc9293_must20_r2_gives_up_with_etimedout);
        CU_add_test(su, "rfc9293_must23_syn_retransmitted_for_three_minutes",
                    rfc9293_must23_syn_retransmitted_for_three_minutes);
        CU_add_test(su, "rfc2018_4_out_of_order_gets_immediate_ack_with_sack",
                    rfc2018_4_out_of_order_gets_immediate_ack_with_sack);
        CU_add_test(su, "rfc9293_3_10_7_4_out_of_order_memory_is_bounded",
                    rfc9293_3_10_7_4_out_of_order_memory_is_bounded);
        CU_add_test(su, "rfc9293_must36_must37_zero_window_probes_keep_connection",
                    rfc9293_must36_must37_zero_window_probes_keep_connection);
        CU_add_test(su, "rfc9293_must37_zero_window_probe_answered_by_receiver",
                    rfc9293_must37_zero_window_probe_answered_by_receiver);
        CU_add_test(su, "rfc9293_3_10_7_4_ack_advancing_snd_una_updates_the_window",
                    rfc9293_3_10_7_4_ack_advancing_snd_una_updates_the_window);
        CU_add_test(su, "rfc9293_must17_nagle_and_nodelay", rfc9293_must17_nagle_and_nodelay);
        CU_add_test(su, "rfc9293_must39_receiver_sws_no_tiny_window_updates",
                    rfc9293_must39_receiver_sws_no_tiny_window_updates);
        CU_add_test(su, "rfc9293_must15_mss_default_536_and_floor",
                    rfc9293_must15_mss_default_536_and_floor);
        CU_add_test(su, "rfc7323_2_window_scale_and_3_timestamps_negotiated",
                    rfc7323_2_window_scale_and_3_timestamps_negotiated);
        CU_add_test(su, "rfc7323_5_paws_drops_old_timestamp", rfc7323_5_paws_drops_old_timestamp);
        CU_add_test(su, "rfc6093_urgent_pointer_beyond_data_is_harmless",
                    rfc6093_urgent_pointer_beyond_data_is_harmless);
        CU_add_test(su, "rfc9293_must2_bad_checksum_and_options_dropped",
                    rfc9293_must2_bad_checksum_and_options_dropped);
}

/* TCP connection state machine (RFC 9293 3.5, 3.6, 3.10): opens, closes in every order,
 * resets, simultaneous open and close, RFC 5961 challenge ACKs, and the state x event x
 * position matrix for the synchronized states. The test plays the peer (tcp_fixture). */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "stack/core/stack.h"
#include "stack/net/icmp.h"
#include "stack/sock.h"
#include "stack/sock/sock.h"
#include "stack/tcp/tcp.h"
#include "stack/tcp/tcp_seq.h"
#include "stack/wire/icmp.h"
#include "tests/common/tcp_fixture.h"

static void
expect(struct tcpfx *fx, uint8_t flags, struct tcpfx_seg *g)
{
        CU_ASSERT_FATAL(tcpfx_take(fx, g));
        CU_ASSERT_EQUAL(g->h.flags & (uint8_t)~TCP_PSH, flags);
}

static void
rfc9293_3_10_1_active_open_syn_carries_seed_options(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        struct sock_addr peer = {.ip = TCPFX_PEER, .port = 80};
        int sd;

        tcpfx_init(&fx);
        sd = sock_open(fx.s, SOCK_TYPE_TCP);
        CU_ASSERT_EQUAL(sock_connect(fx.s, sd, &peer), 0);
        expect(&fx, TCP_SYN, &g);
        CU_ASSERT(g.h.sport >= 49152); /* RFC 6056 dynamic range */
        CU_ASSERT_EQUAL(g.h.dport, 80);
        CU_ASSERT(g.h.opts.has_mss && g.h.opts.mss == 1460); /* MUST-14: MTU - 40 */
        CU_ASSERT(g.h.opts.has_ws);
        CU_ASSERT(g.h.opts.has_ts && g.h.opts.tsecr == 0);
        CU_ASSERT(g.h.opts.sack_perm);
        CU_ASSERT_EQUAL(g.h.hdr_len, 44); /* the seed's layout: 24 option bytes */
        CU_ASSERT_EQUAL(sock_get(fx.s, sd)->tcb->state, TCP_SYN_SENT);
        CU_ASSERT_EQUAL(sock_events(fx.s, sd) & SOCK_WRITABLE, 0);
        sock_close(fx.s, sd);
        tcpfx_fini(&fx);
}

static void
rfc9293_3_5_three_way_handshake_active(void)
{
        struct tcpfx fx;
        struct tcb *t;

        tcpfx_init(&fx);
        t = tcpfx_open(&fx, TCP_ESTABLISHED);
        CU_ASSERT_EQUAL(t->snd_una, fx.iss + 1);
        CU_ASSERT_EQUAL(t->rcv_nxt, TCPFX_PEER_ISS + 1);
        CU_ASSERT_EQUAL(t->snd_mss, 1460);
        CU_ASSERT(sock_events(fx.s, fx.sd) & SOCK_WRITABLE);
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.connections_established"), 1);
        tcpfx_fini(&fx);
}

static void
rfc9293_3_10_7_2_listen_syn_then_ack_accepts(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        struct sock_addr peer;
        int sd;

        tcpfx_init(&fx);
        tcpfx_open(&fx, TCP_SYN_RECEIVED);
        CU_ASSERT_EQUAL(sock_accept(fx.s, fx.lsd, &peer), -EAGAIN);
        CU_ASSERT_EQUAL(sock_events(fx.s, fx.lsd) & SOCK_READABLE, 0);
        tcpfx_send_next(&fx, TCP_ACK, "hi", 2);
        CU_ASSERT(sock_events(fx.s, fx.lsd) & SOCK_READABLE);
        sd = sock_accept(fx.s, fx.lsd, &peer);
        CU_ASSERT(sd >= 0);
        CU_ASSERT_EQUAL(peer.ip, TCPFX_PEER);
        CU_ASSERT_EQUAL(peer.port, TCPFX_PEER_PORT);
        CU_ASSERT_EQUAL(sock_get(fx.s, sd)->tcb->state, TCP_ESTABLISHED);
        {
                char buf[8];
                CU_ASSERT_EQUAL(sock_recv(fx.s, sd, buf, sizeof(buf)), 2);
                CU_ASSERT_EQUAL(memcmp(buf, "hi", 2), 0);
        }
        CU_ASSERT_EQUAL(sock_get(fx.s, fx.lsd)->tcb->state, TCP_LISTEN);
        (void)g;
        tcpfx_fini(&fx);
}

static void
rfc9293_3_10_7_2_listen_ack_gets_rst_seq_seg_ack(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;

        tcpfx_init(&fx);
        tcpfx_open(&fx, TCP_LISTEN);
        tcpfx_send(&fx, TCP_ACK, 5000, 777777, NULL, 0, NULL);
        expect(&fx, TCP_RST, &g);
        CU_ASSERT_EQUAL(g.h.seq, 777777);
        tcpfx_send(&fx, TCP_RST, 5000, 0, NULL, 0, NULL); /* a RST in LISTEN is ignored */
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        tcpfx_fini(&fx);
}

static void
rfc9293_3_10_7_1_closed_port_answers_rst_ack(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;

        tcpfx_init(&fx);
        tcpfx_send(&fx, TCP_SYN, 4242, 0, "abc", 3, NULL);
        expect(&fx, TCP_RST | TCP_ACK, &g);
        CU_ASSERT_EQUAL(g.h.seq, 0);
        CU_ASSERT_EQUAL(g.h.ack, 4242 + 1 + 3); /* SEG.SEQ + SEG.LEN */
        tcpfx_send(&fx, TCP_RST | TCP_ACK, 4242, 9, NULL, 0, NULL);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0); /* never a reset for a reset */
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.drop_no_connection"), 2);
        tcpfx_fini(&fx);
}

static void
rfc9293_3_10_7_3_synsent_bad_ack_gets_rst(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;

        tcpfx_init(&fx);
        tcpfx_open(&fx, TCP_SYN_SENT);
        tcpfx_send(&fx, TCP_SYN | TCP_ACK, 1000, fx.iss + 5, NULL, 0, NULL);
        expect(&fx, TCP_RST, &g);
        CU_ASSERT_EQUAL(g.h.seq, fx.iss + 5);
        CU_ASSERT_EQUAL(tcpfx_tcb(&fx)->state, TCP_SYN_SENT);
        tcpfx_fini(&fx);
}

static void
rfc9293_3_10_7_3_synsent_rst_refused(void)
{
        struct tcpfx fx;

        tcpfx_init(&fx);
        tcpfx_open(&fx, TCP_SYN_SENT);
        tcpfx_send(&fx, TCP_RST, 0, 0, NULL, 0, NULL); /* no ACK: ignored */
        CU_ASSERT_EQUAL(tcpfx_tcb(&fx)->state, TCP_SYN_SENT);
        tcpfx_send(&fx, TCP_RST | TCP_ACK, 0, fx.iss + 1, NULL, 0, NULL);
        CU_ASSERT_EQUAL(tcpfx_tcb(&fx)->state, TCP_CLOSED);
        CU_ASSERT(sock_events(fx.s, fx.sd) & SOCK_ERROR);
        CU_ASSERT_EQUAL(sock_error(fx.s, fx.sd), -ECONNREFUSED);
        tcpfx_fini(&fx);
}

static void
rfc9293_must10_simultaneous_open(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        struct tcb *t;

        tcpfx_init(&fx);
        t = tcpfx_open(&fx, TCP_SYN_SENT);
        tcpfx_send(&fx, TCP_SYN, 1000, 0, NULL, 0, &fx.syn_opts);
        CU_ASSERT_EQUAL(t->state, TCP_SYN_RECEIVED);
        expect(&fx, TCP_SYN | TCP_ACK, &g);
        CU_ASSERT_EQUAL(g.h.seq, fx.iss);
        CU_ASSERT_EQUAL(g.h.ack, 1001);
        tcpfx_send(&fx, TCP_SYN | TCP_ACK, 1000, fx.iss + 1, NULL, 0, NULL);
        /* The peer's SYN,ACK repeats its SYN (seq 1000 < RCV.NXT) yet acks ours. */
        tcpfx_send(&fx, TCP_ACK, 1001, fx.iss + 1, NULL, 0, NULL);
        CU_ASSERT_EQUAL(t->state, TCP_ESTABLISHED);
        tcpfx_fini(&fx);
}

static void
rfc9293_must11_passive_syn_received_rst_back_to_listen(void)
{
        struct tcpfx fx;

        tcpfx_init(&fx);
        tcpfx_open(&fx, TCP_SYN_RECEIVED);
        CU_ASSERT_EQUAL(tcpfx_tcb_count(&fx), 2);
        tcpfx_send(&fx, TCP_RST, fx.pseq, 0, NULL, 0, NULL);
        tcpfx_poll(&fx);
        CU_ASSERT_PTR_NULL(tcpfx_tcb(&fx));
        CU_ASSERT_EQUAL(tcpfx_tcb_count(&fx), 1);
        CU_ASSERT_EQUAL(sock_get(fx.s, fx.lsd)->tcb->state, TCP_LISTEN);
        CU_ASSERT_EQUAL(sock_error(fx.s, fx.lsd), 0);
        tcpfx_fini(&fx);
}

static void
rfc9293_must11_active_syn_received_rst_refused(void)
{
        struct tcpfx fx;
        struct tcb *t;

        tcpfx_init(&fx);
        t = tcpfx_open(&fx, TCP_SYN_SENT);
        tcpfx_send(&fx, TCP_SYN, 1000, 0, NULL, 0, NULL);
        CU_ASSERT_EQUAL(t->state, TCP_SYN_RECEIVED);
        tcpfx_send(&fx, TCP_RST, 1001, 0, NULL, 0, NULL);
        CU_ASSERT_EQUAL(t->state, TCP_CLOSED);
        CU_ASSERT_EQUAL(sock_error(fx.s, fx.sd), -ECONNREFUSED);
        tcpfx_fini(&fx);
}

static void
rfc9293_must12_rst_is_econnreset_fin_is_eof(void)
{
        struct tcpfx fx, fy;
        char buf[4];

        tcpfx_init(&fx);
        tcpfx_open(&fx, TCP_ESTABLISHED);
        tcpfx_send(&fx, TCP_RST, fx.pseq, 0, NULL, 0, NULL);
        CU_ASSERT_EQUAL(tcpfx_tcb(&fx)->state, TCP_CLOSED);
        CU_ASSERT_EQUAL(sock_recv(fx.s, fx.sd, buf, sizeof(buf)), -ECONNRESET);
        CU_ASSERT_EQUAL(sock_recv(fx.s, fx.sd, buf, sizeof(buf)), 0);
        CU_ASSERT(sock_events(fx.s, fx.sd) & SOCK_HUP);
        tcpfx_fini(&fx);

        tcpfx_init(&fy);
        tcpfx_open(&fy, TCP_CLOSE_WAIT);
        CU_ASSERT_EQUAL(sock_recv(fy.s, fy.sd, buf, sizeof(buf)), 0);
        CU_ASSERT(sock_events(fy.s, fy.sd) & SOCK_READABLE);
        CU_ASSERT(sock_events(fy.s, fy.sd) & SOCK_WRITABLE); /* half-close: we may still send */
        tcpfx_fini(&fy);
}

static void
rfc5961_3_2_rst_in_window_inexact_challenge_ack(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        struct tcb *t;

        tcpfx_init(&fx);
        t = tcpfx_open(&fx, TCP_ESTABLISHED);
        tcpfx_send(&fx, TCP_RST, fx.pseq + 10, 0, NULL, 0, NULL);
        CU_ASSERT_EQUAL(t->state, TCP_ESTABLISHED);
        expect(&fx, TCP_ACK, &g);
        CU_ASSERT_EQUAL(g.h.seq, fx.iss + 1);
        CU_ASSERT_EQUAL(g.h.ack, fx.pseq);
        tcpfx_send(&fx, TCP_RST, fx.pseq + 1000000, 0, NULL, 0, NULL); /* outside: silent */
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        CU_ASSERT_EQUAL(t->state, TCP_ESTABLISHED);
        tcpfx_fini(&fx);
}

static void
rfc5961_4_2_syn_in_synchronized_state_challenge_ack(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        struct tcb *t;

        tcpfx_init(&fx);
        t = tcpfx_open(&fx, TCP_ESTABLISHED);
        tcpfx_send(&fx, TCP_SYN, fx.pseq + 5, 0, NULL, 0, NULL);
        expect(&fx, TCP_ACK, &g);
        CU_ASSERT_EQUAL(g.h.ack, fx.pseq);
        CU_ASSERT_EQUAL(t->state, TCP_ESTABLISHED);
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.challenge_acks_sent"), 1);
        tcpfx_fini(&fx);
}

static void
rfc5961_5_2_ack_of_unsent_data_dropped_with_ack(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        struct tcb *t;
        char buf[4];

        tcpfx_init(&fx);
        t = tcpfx_open(&fx, TCP_ESTABLISHED);
        tcpfx_send(&fx, TCP_ACK, fx.pseq, fx.iss + 100, "xy", 2, NULL);
        expect(&fx, TCP_ACK, &g);
        CU_ASSERT_EQUAL(t->snd_una, fx.iss + 1);
        CU_ASSERT_EQUAL(t->rcv_nxt, fx.pseq); /* the data was not taken */
        CU_ASSERT_EQUAL(sock_recv(fx.s, fx.sd, buf, sizeof(buf)), -EAGAIN);
        tcpfx_fini(&fx);
}

static void
rfc5961_7_challenge_acks_rate_limited_per_connection(void)
{
        struct tcpfx fx;

        tcpfx_init(&fx);
        tcpfx_open(&fx, TCP_ESTABLISHED);
        for (int i = 0; i < 30; i++)
                tcpfx_send(&fx, TCP_RST, fx.pseq + 1 + (uint32_t)i, 0, NULL, 0, NULL);
        CU_ASSERT_EQUAL(tcpfx_drain(&fx), 10);
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.challenge_acks_rate_limited"), 20);
        tcpfx_advance(&fx, 1000000);
        tcpfx_drain(&fx);
        tcpfx_send(&fx, TCP_RST, fx.pseq + 1, 0, NULL, 0, NULL);
        CU_ASSERT_EQUAL(tcpfx_drain(&fx), 1); /* a new interval */
        tcpfx_fini(&fx);
}

static void
rfc9293_3_6_active_close_fin_wait_2_time_wait_2msl(void)
{
        struct tcpfx fx;
        struct tcb *t;

        tcpfx_init(&fx);
        t = tcpfx_open(&fx, TCP_TIME_WAIT);
        CU_ASSERT(sock_events(fx.s, fx.sd) & SOCK_HUP);
        CU_ASSERT(timer_is_armed(&t->timewait));
        tcpfx_advance(&fx, 1999000); /* 2 * MSL = 2 s in the fixture */
        CU_ASSERT_EQUAL(t->state, TCP_TIME_WAIT);
        tcpfx_advance(&fx, 2000);
        CU_ASSERT_EQUAL(t->state, TCP_CLOSED);
        CU_ASSERT_EQUAL(sock_close(fx.s, fx.sd), 0);
        tcpfx_poll(&fx);
        CU_ASSERT_EQUAL(tcpfx_tcb_count(&fx), 0);
        CU_ASSERT_EQUAL(stack_pkts_in_use(fx.s), 0);
        tcpfx_fini(&fx);
}

static void
rfc9293_3_6_simultaneous_close_closing(void)
{
        struct tcpfx fx;
        struct tcb *t;

        tcpfx_init(&fx);
        t = tcpfx_open(&fx, TCP_CLOSING);
        tcpfx_send(&fx, TCP_ACK, fx.pseq, fx.iss + 2, NULL, 0, NULL);
        CU_ASSERT_EQUAL(t->state, TCP_TIME_WAIT);
        tcpfx_fini(&fx);
}

static void
rfc9293_3_6_fin_and_ack_of_fin_together_time_wait(void)
{
        struct tcpfx fx;
        struct tcb *t;

        tcpfx_init(&fx);
        t = tcpfx_open(&fx, TCP_FIN_WAIT_1);
        tcpfx_send(&fx, TCP_FIN | TCP_ACK, fx.pseq, fx.iss + 2, NULL, 0, NULL);
        CU_ASSERT_EQUAL(t->state, TCP_TIME_WAIT);
        tcpfx_fini(&fx);
}

static void
rfc9293_3_6_passive_close_last_ack_closed(void)
{
        struct tcpfx fx;
        struct tcb *t;

        tcpfx_init(&fx);
        t = tcpfx_open(&fx, TCP_LAST_ACK);
        CU_ASSERT(sock_events(fx.s, fx.sd) & SOCK_HUP);
        tcpfx_send(&fx, TCP_ACK, fx.pseq, fx.iss + 2, NULL, 0, NULL);
        CU_ASSERT_EQUAL(t->state, TCP_CLOSED);
        sock_close(fx.s, fx.sd);
        tcpfx_poll(&fx);
        CU_ASSERT_EQUAL(tcpfx_tcb_count(&fx), 0);
        tcpfx_fini(&fx);
}

static void
rfc9293_3_10_7_4_time_wait_reacks_fin_and_restarts_2msl(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        struct tcb *t;

        tcpfx_init(&fx);
        t = tcpfx_open(&fx, TCP_TIME_WAIT);
        tcpfx_advance(&fx, 1500000);
        tcpfx_send(&fx, TCP_FIN | TCP_ACK, fx.pseq - 1, fx.pack, NULL, 0, NULL);
        expect(&fx, TCP_ACK, &g);
        CU_ASSERT_EQUAL(g.h.ack, fx.pseq);
        tcpfx_advance(&fx, 1500000);
        CU_ASSERT_EQUAL(t->state, TCP_TIME_WAIT); /* restarted: 2 s from the resent FIN */
        tcpfx_advance(&fx, 600000);
        CU_ASSERT_EQUAL(t->state, TCP_CLOSED);
        tcpfx_fini(&fx);
}

static void
rfc9293_may2_syn_in_time_wait_reopens(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;

        tcpfx_init(&fx);
        fx.lport = 80;
        tcpfx_open(&fx, TCP_LISTEN);
        /* A passive connection, closed by us first, leaves TIME-WAIT on our side. */
        tcpfx_send(&fx, TCP_SYN, 1000, 0, NULL, 0, NULL);
        expect(&fx, TCP_SYN | TCP_ACK, &g);
        fx.iss = g.h.seq;
        tcpfx_send(&fx, TCP_ACK, 1001, fx.iss + 1, NULL, 0, NULL);
        fx.sd = sock_accept(fx.s, fx.lsd, NULL);
        CU_ASSERT_FATAL(fx.sd >= 0);
        sock_close(fx.s, fx.sd);
        fx.sd = -1;
        expect(&fx, TCP_FIN | TCP_ACK, &g);
        tcpfx_send(&fx, TCP_FIN | TCP_ACK, 1001, fx.iss + 2, NULL, 0, NULL);
        expect(&fx, TCP_ACK, &g);
        CU_ASSERT_EQUAL(tcpfx_tcb(&fx)->state, TCP_TIME_WAIT);
        /* An old SYN (below RCV.NXT) only gets the TIME-WAIT ACK... */
        tcpfx_send(&fx, TCP_SYN, 500, 0, NULL, 0, NULL);
        expect(&fx, TCP_ACK, &g);
        /* ...a new one (above) opens a new connection with a higher ISN (RFC 6191). */
        tcpfx_send(&fx, TCP_SYN, 900000, 0, NULL, 0, NULL);
        expect(&fx, TCP_SYN | TCP_ACK, &g);
        CU_ASSERT(seq_gt(g.h.seq, fx.iss + 2));
        CU_ASSERT_EQUAL(g.h.ack, 900001);
        CU_ASSERT_EQUAL(tcpfx_tcb(&fx)->state, TCP_SYN_RECEIVED);
        tcpfx_fini(&fx);
}

static void
rfc9293_must54_icmp_port_unreachable_aborts_syn_sent(void)
{
        struct tcpfx fx;
        struct icmp_err e = {.type = ICMP_DEST_UNREACH,
                             .code = ICMP_UNREACH_PORT,
                             .src = TCPFX_LOCAL,
                             .dst = TCPFX_PEER,
                             .proto = IPV4_PROTO_TCP};
        uint8_t quote[8];

        tcpfx_init(&fx);
        tcpfx_open(&fx, TCP_SYN_SENT);
        tcpfx_quote_syn(&fx, quote);
        e.l4 = quote;
        e.l4_len = sizeof(quote);
        /* Soft first: host unreachable is remembered, not fatal (MUST-56). */
        e.code = ICMP_UNREACH_HOST;
        tcp_icmp_error(fx.s, &e);
        CU_ASSERT_EQUAL(tcpfx_tcb(&fx)->state, TCP_SYN_SENT);
        e.code = ICMP_UNREACH_PORT;
        quote[7] ^= 0x55; /* a sequence number we never sent: forged (RFC 5927) */
        tcp_icmp_error(fx.s, &e);
        CU_ASSERT_EQUAL(tcpfx_tcb(&fx)->state, TCP_SYN_SENT);
        quote[7] ^= 0x55;
        tcp_icmp_error(fx.s, &e);
        CU_ASSERT_EQUAL(tcpfx_tcb(&fx)->state, TCP_CLOSED);
        CU_ASSERT_EQUAL(sock_error(fx.s, fx.sd), -ECONNREFUSED);
        tcpfx_fini(&fx);
}

static void
rfc9293_3_10_5_abort_sends_rst(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;

        tcpfx_init(&fx);
        tcpfx_open(&fx, TCP_ESTABLISHED);
        CU_ASSERT_EQUAL(sock_abort(fx.s, fx.sd), 0);
        fx.sd = -1;
        expect(&fx, TCP_RST | TCP_ACK, &g);
        CU_ASSERT_EQUAL(g.h.seq, fx.iss + 1);
        tcpfx_poll(&fx);
        CU_ASSERT_EQUAL(tcpfx_tcb_count(&fx), 0);
        tcpfx_fini(&fx);
}

/* The synchronized states against segments whose sequence number lies outside-left,
 * outside-right, on the left edge or inside the window (RFC 9293 3.10.7.4 first, second,
 * fourth checks; RFC 5961 3.2 and 4.2). */
static const enum tcp_conn_state sync_states[] = {
    TCP_ESTABLISHED, TCP_FIN_WAIT_1, TCP_FIN_WAIT_2, TCP_CLOSE_WAIT,
    TCP_CLOSING,     TCP_LAST_ACK,   TCP_TIME_WAIT,
};

static void
matrix_one(enum tcp_conn_state st, uint8_t flags, int pos)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        struct tcb *t;
        uint32_t seq, wnd;
        bool got;

        tcpfx_init(&fx);
        t = tcpfx_open(&fx, st);
        wnd = t->rcv_wnd;
        seq = pos == 0   ? fx.pseq - 100
              : pos == 1 ? fx.pseq
              : pos == 2 ? fx.pseq + 7
                         : fx.pseq + wnd + 100;
        tcpfx_send(&fx, flags, seq, fx.pack, (flags & TCP_RST) ? NULL : "z",
                   (flags & TCP_RST) ? 0 : 1, NULL);
        got = tcpfx_take(&fx, &g);
        if ((flags & TCP_RST) && pos == 1) {
                CU_ASSERT_EQUAL(t->state, TCP_CLOSED); /* exact RST: reset */
        } else if (flags & TCP_RST) {
                CU_ASSERT_EQUAL(t->state, st);
                /* In window: challenge ACK; outside: silently dropped. */
                CU_ASSERT_EQUAL(got, pos == 2 && wnd > 7);
        } else if (pos == 0 || pos == 3 || (flags & TCP_SYN)) {
                CU_ASSERT_EQUAL(t->state, st);
                CU_ASSERT(got && (g.h.flags & TCP_ACK) && g.h.ack == t->rcv_nxt);
                CU_ASSERT_EQUAL(t->rcv_nxt, fx.pseq);
        }
        tcpfx_fini(&fx);
}

static void
rfc9293_3_10_7_4_state_event_position_matrix(void)
{
        const uint8_t events[] = {TCP_RST, TCP_SYN, TCP_ACK};

        for (size_t i = 0; i < sizeof(sync_states) / sizeof(sync_states[0]); i++)
                for (size_t e = 0; e < sizeof(events); e++)
                        for (int pos = 0; pos < 4; pos++)
                                matrix_one(sync_states[i], events[e], pos);
}

void
suite_tcp_state(void)
{
        CU_pSuite su = CU_add_suite("tcp_state", NULL, NULL);

        CU_add_test(su, "rfc9293_3_10_1_active_open_syn_carries_seed_options",
                    rfc9293_3_10_1_active_open_syn_carries_seed_options);
        CU_add_test(su, "rfc9293_3_5_three_way_handshake_active",
                    rfc9293_3_5_three_way_handshake_active);
        CU_add_test(su, "rfc9293_3_10_7_2_listen_syn_then_ack_accepts",
                    rfc9293_3_10_7_2_listen_syn_then_ack_accepts);
        CU_add_test(su, "rfc9293_3_10_7_2_listen_ack_gets_rst_seq_seg_ack",
                    rfc9293_3_10_7_2_listen_ack_gets_rst_seq_seg_ack);
        CU_add_test(su, "rfc9293_3_10_7_1_closed_port_answers_rst_ack",
                    rfc9293_3_10_7_1_closed_port_answers_rst_ack);
        CU_add_test(su, "rfc9293_3_10_7_3_synsent_bad_ack_gets_rst",
                    rfc9293_3_10_7_3_synsent_bad_ack_gets_rst);
        CU_add_test(su, "rfc9293_3_10_7_3_synsent_rst_refused",
                    rfc9293_3_10_7_3_synsent_rst_refused);
        CU_add_test(su, "rfc9293_must10_simultaneous_open", rfc9293_must10_simultaneous_open);
        CU_add_test(su, "rfc9293_must11_passive_syn_received_rst_back_to_listen",
                    rfc9293_must11_passive_syn_received_rst_back_to_listen);
        CU_add_test(su, "rfc9293_must11_active_syn_received_rst_refused",
                    rfc9293_must11_active_syn_received_rst_refused);
        CU_add_test(su, "rfc9293_must12_rst_is_econnreset_fin_is_eof",
                    rfc9293_must12_rst_is_econnreset_fin_is_eof);
        CU_add_test(su, "rfc5961_3_2_rst_in_window_inexact_challenge_ack",
                    rfc5961_3_2_rst_in_window_inexact_challenge_ack);
        CU_add_test(su, "rfc5961_4_2_syn_in_synchronized_state_challenge_ack",
                    rfc5961_4_2_syn_in_synchronized_state_challenge_ack);
        CU_add_test(su, "rfc5961_5_2_ack_of_unsent_data_dropped_with_ack",
                    rfc5961_5_2_ack_of_unsent_data_dropped_with_ack);
        CU_add_test(su, "rfc5961_7_challenge_acks_rate_limited_per_connection",
                    rfc5961_7_challenge_acks_rate_limited_per_connection);
        CU_add_test(su, "rfc9293_3_6_active_close_fin_wait_2_time_wait_2msl",
                    rfc9293_3_6_active_close_fin_wait_2_time_wait_2msl);
        CU_add_test(su, "rfc9293_3_6_simultaneous_close_closing",
                    rfc9293_3_6_simultaneous_close_closing);
        CU_add_test(su, "rfc9293_3_6_fin_and_ack_of_fin_together_time_wait",
                    rfc9293_3_6_fin_and_ack_of_fin_together_time_wait);
        CU_add_test(su, "rfc9293_3_6_passive_close_last_ack_closed",
                    rfc9293_3_6_passive_close_last_ack_closed);
        CU_add_test(su, "rfc9293_3_10_7_4_time_wait_reacks_fin_and_restarts_2msl",
                    rfc9293_3_10_7_4_time_wait_reacks_fin_and_restarts_2msl);
        CU_add_test(su, "rfc9293_may2_syn_in_time_wait_reopens",
                    rfc9293_may2_syn_in_time_wait_reopens);
        CU_add_test(su, "rfc9293_must54_icmp_port_unreachable_aborts_syn_sent",
                    rfc9293_must54_icmp_port_unreachable_aborts_syn_sent);
        CU_add_test(su, "rfc9293_3_10_5_abort_sends_rst", rfc9293_3_10_5_abort_sends_rst);
        CU_add_test(su, "rfc9293_3_10_7_4_state_event_position_matrix",
                    rfc9293_3_10_7_4_state_event_position_matrix);
}

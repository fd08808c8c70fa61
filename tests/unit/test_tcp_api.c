/* TCP user interface and conformance details: the one-door trace, the transition table,
 * keep-alive, listen backlog, bind rules, TTL/Diffserv, R2, and address checks
 * (RFC 9293 3.3.2, 3.8.3, 3.8.4, 3.9.1, MUST-21/46/48/49/57/65/66). */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "stack/core/stack.h"
#include "stack/sock.h"
#include "stack/sock/sock.h"
#include "stack/tcp/tcp_seq.h"
#include "stack/wire/csum.h"
#include "stack/wire/bytes.h"
#include "tests/common/tcp_fixture.h"

static void
arch_one_door_trace_line_and_event(void)
{
        FILE *f = tmpfile();
        struct tcpfx fx;
        char text[8192], want[128];
        const struct trace_event *ev;

        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        tcpfx_init_trace(&fx, f);
        tcpfx_open(&fx, TCP_ESTABLISHED);
        tcpfx_trace_text(f, text, sizeof(text));
        snprintf(want, sizeof(want),
                 "tcp 10.0.0.1:%u > 10.0.0.2:40000 SYN-SENT -> ESTABLISHED "
                 "(rcvd SYN,ACK)\n",
                 fx.lport);
        CU_ASSERT_PTR_NOT_NULL(strstr(text, want));
        snprintf(want, sizeof(want),
                 "10.0.0.1 -> 10.0.0.2 TCP 64 %u -> 40000 [SYN] Seq=0 "
                 "Win=65535 Len=0 MSS=1460 WS=4 TSval=",
                 fx.lport);
        CU_ASSERT_PTR_NOT_NULL(strstr(text, want));
        CU_ASSERT_PTR_NOT_NULL(strstr(text, "TSecr=0 SACK_PERM\n"));
        snprintf(want, sizeof(want),
                 "10.0.0.2 -> 10.0.0.1 TCP 44 40000 -> %u [SYN, ACK] Seq=0 "
                 "Ack=1 Win=65535 Len=0 MSS=1460\n",
                 fx.lport);
        CU_ASSERT_PTR_NOT_NULL(strstr(text, want));
        ev = &fx.s->trace.ring[(fx.s->trace.total - 1) % TRACE_RING_LEN];
        CU_ASSERT_EQUAL(ev->kind, TRACE_TCP_STATE);
        CU_ASSERT_EQUAL(ev->from, TCP_SYN_SENT);
        CU_ASSERT_EQUAL(ev->to, TCP_ESTABLISHED);
        CU_ASSERT_EQUAL(ev->why, TCP_WHY_RCV_SYN_ACK);
        tcpfx_fini(&fx);
        fclose(f);
}

static void
arch_transition_table_matches_rfc9293_figure(void)
{
        /* Spot checks of the 3.3.2 figure, including arcs that must not exist. */
        CU_ASSERT(tcp_transition_allowed(TCP_SYN_SENT, TCP_SYN_RECEIVED));
        CU_ASSERT(tcp_transition_allowed(TCP_FIN_WAIT_1, TCP_CLOSING));
        CU_ASSERT(tcp_transition_allowed(TCP_CLOSING, TCP_TIME_WAIT));
        CU_ASSERT(tcp_transition_allowed(TCP_SYN_RECEIVED, TCP_LISTEN));
        CU_ASSERT_FALSE(tcp_transition_allowed(TCP_CLOSED, TCP_ESTABLISHED));
        CU_ASSERT_FALSE(tcp_transition_allowed(TCP_TIME_WAIT, TCP_ESTABLISHED));
        CU_ASSERT_FALSE(tcp_transition_allowed(TCP_LAST_ACK, TCP_TIME_WAIT));
        CU_ASSERT_FALSE(tcp_transition_allowed(TCP_FIN_WAIT_2, TCP_CLOSING));
        for (int st = TCP_LISTEN; st < TCP_NSTATES; st++)
                CU_ASSERT(tcp_transition_allowed((enum tcp_conn_state)st, TCP_CLOSED));
        CU_ASSERT_STRING_EQUAL(tcp_state_name(TCP_SYN_RECEIVED), "SYN-RECEIVED");
        CU_ASSERT_STRING_EQUAL(tcp_state_name(TCP_FIN_WAIT_2), "FIN-WAIT-2");
        CU_ASSERT_STRING_EQUAL(tcp_why_name(TCP_WHY_RCV_SYN_ACK), "rcvd SYN,ACK");
}

static void
rfc9293_must24_must27_keepalive_off_by_default_then_probes(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        struct tcb *t;

        tcpfx_init(&fx);
        t = tcpfx_open(&fx, TCP_ESTABLISHED);
        tcpfx_advance(&fx, 3ull * 3600 * 1000000);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0); /* MUST-24: off unless asked for */
        CU_ASSERT_EQUAL(sock_setopt(fx.s, fx.sd, SOCK_OPT_KEEPALIVE, 1), 0);
        tcpfx_advance(&fx, 7199ull * 1000000);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0); /* MUST-26: idle at least 2 hours */
        tcpfx_advance(&fx, 2000000);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.h.seq, fx.iss); /* SND.NXT - 1 elicits an ACK */
        CU_ASSERT_EQUAL(g.len, 0);
        tcpfx_send(&fx, TCP_ACK, fx.pseq, fx.pack, NULL, 0, NULL);
        CU_ASSERT_EQUAL(t->keep_probes, 0);
        /* Unanswered probes end the connection (MUST-28 lets it, with ETIMEDOUT). */
        tcpfx_advance(&fx, 4ull * 3600 * 1000000);
        CU_ASSERT_EQUAL(t->state, TCP_CLOSED);
        CU_ASSERT_EQUAL(sock_error(fx.s, fx.sd), -ETIMEDOUT);
        tcpfx_fini(&fx);
}

static void
sock_api_listen_backlog_bounds_accept_queue(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        int n = 0;

        tcpfx_init(&fx);
        tcpfx_open(&fx, TCP_LISTEN); /* backlog 8 */
        for (uint16_t i = 0; i < 12; i++) {
                fx.pport = (uint16_t)(30000 + i);
                tcpfx_send(&fx, TCP_SYN, 1000, 0, NULL, 0, NULL);
                if (!tcpfx_take(&fx, &g))
                        continue;
                tcpfx_send(&fx, TCP_ACK, 1001, g.h.seq + 1, NULL, 0, NULL);
        }
        CU_ASSERT(stack_counter_get(fx.s, "tcp.drop_syn_queue_full") >= 1);
        while (sock_accept(fx.s, fx.lsd, NULL) >= 0)
                n++;
        CU_ASSERT_EQUAL(n, 8);
        CU_ASSERT_EQUAL(sock_accept(fx.s, fx.lsd, NULL), -EAGAIN);
        /* Closing the listener resets connections nobody accepted and frees everything. */
        sock_close(fx.s, fx.lsd);
        tcpfx_poll(&fx);
        CU_ASSERT_EQUAL(tcpfx_tcb_count(&fx), 8);
        tcpfx_fini(&fx);
}

static void
sock_api_bind_conflict_and_send_after_shutdown(void)
{
        struct tcpfx fx;
        struct sock_addr a = {.port = 80};
        int sd;

        tcpfx_init(&fx);
        tcpfx_open(&fx, TCP_LISTEN);
        sd = sock_open(fx.s, SOCK_TYPE_TCP);
        CU_ASSERT_EQUAL(sock_bind(fx.s, sd, &a), -EADDRINUSE);
        sock_close(fx.s, sd);
        tcpfx_open(&fx, TCP_ESTABLISHED);
        CU_ASSERT_EQUAL(sock_shutdown(fx.s, fx.sd, SHUT_WR), 0);
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, "x", 1), -EPIPE);
        CU_ASSERT_EQUAL(sock_events(fx.s, fx.sd) & SOCK_WRITABLE, 0);
        tcpfx_fini(&fx);
}

static void
rfc9293_must46_open_to_broadcast_or_multicast_rejected(void)
{
        struct tcpfx fx;
        struct sock_addr bc = {.ip = 0xffffffffu, .port = 80};
        struct sock_addr mc = {.ip = 0xe0000001u, .port = 80};
        int sd;

        tcpfx_init(&fx);
        sd = sock_open(fx.s, SOCK_TYPE_TCP);
        CU_ASSERT_EQUAL(sock_connect(fx.s, sd, &bc), -EINVAL);
        CU_ASSERT_EQUAL(sock_connect(fx.s, sd, &mc), -EINVAL);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        sock_close(fx.s, sd);
        tcpfx_fini(&fx);
}

static void
rfc9293_must57_syn_to_broadcast_silently_discarded(void)
{
        struct tcpfx fx;
        uint8_t seg[20];
        struct tcp_hdr h = {.sport = 5555, .dport = 80, .seq = 1, .flags = TCP_SYN, .wnd = 100};
        uint8_t frame[64];
        struct ipv4_hdr ih = {.hdr_len = 20,
                              .total_len = 40,
                              .ttl = 64,
                              .proto = IPV4_PROTO_TCP,
                              .src = TCPFX_PEER,
                              .dst = 0x0a0000ffu};

        tcpfx_init(&fx);
        tcpfx_open(&fx, TCP_LISTEN);
        tcp_hdr_emit(&h, seg, 0, ih.src, ih.dst);
        ipv4_hdr_emit(&ih, frame);
        memcpy(frame + 20, seg, 20);
        /* Through the whole input path: the broadcast reaches TCP, which must drop it. */
        fx.rx.f[(fx.rx.head + fx.rx.n) % TCPFX_MAX_FRAMES].len = 40;
        memcpy(fx.rx.f[(fx.rx.head + fx.rx.n) % TCPFX_MAX_FRAMES].buf, frame, 40);
        fx.rx.n++;
        tcpfx_poll(&fx);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        CU_ASSERT_EQUAL(tcpfx_tcb_count(&fx), 1);
        tcpfx_fini(&fx);
}

static void
rfc9293_must48_must49_ttl_and_diffserv_per_socket(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        int v;

        tcpfx_init(&fx);
        tcpfx_open(&fx, TCP_ESTABLISHED);
        CU_ASSERT_EQUAL(sock_setopt(fx.s, fx.sd, SOCK_OPT_TTL, 7), 0);
        CU_ASSERT_EQUAL(sock_setopt(fx.s, fx.sd, SOCK_OPT_TOS, 0xb8), 0);
        CU_ASSERT_EQUAL(sock_getopt(fx.s, fx.sd, SOCK_OPT_TTL, &v), 0);
        CU_ASSERT_EQUAL(v, 7);
        CU_ASSERT_EQUAL(sock_setopt(fx.s, fx.sd, SOCK_OPT_TTL, 0), -EINVAL);
        sock_send(fx.s, fx.sd, "x", 1);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.ip.ttl, 7);
        CU_ASSERT_EQUAL(g.ip.tos, 0xb8);
        CU_ASSERT_FALSE(g.h.opts.has_mss); /* MUST-65: MSS only in SYNs */
        /* RFC 3168 5: the ECN field is TCP's, not the application's. */
        CU_ASSERT_EQUAL(sock_setopt(fx.s, fx.sd, SOCK_OPT_TOS, 0xb9), 0);
        CU_ASSERT_EQUAL(sock_getopt(fx.s, fx.sd, SOCK_OPT_TOS, &v), 0);
        CU_ASSERT_EQUAL(v, 0xb8);
        tcpfx_fini(&fx);
}

static void
rfc9293_must21_application_sets_r2(void)
{
        struct tcpfx fx;
        struct tcb *t;

        tcpfx_init(&fx);
        t = tcpfx_open(&fx, TCP_ESTABLISHED);
        CU_ASSERT_EQUAL(sock_setopt(fx.s, fx.sd, SOCK_OPT_R2_MS, 5000), 0);
        sock_send(fx.s, fx.sd, "x", 1);
        tcpfx_advance(&fx, 12000000); /* timeouts at 1, 3, 7, 15 s: gives up at 7 s + */
        CU_ASSERT_EQUAL(t->state, TCP_CLOSED);
        CU_ASSERT_EQUAL(sock_error(fx.s, fx.sd), -ETIMEDOUT);
        tcpfx_fini(&fx);
}

static void
rfc9293_must66_rst_processed_with_zero_window(void)
{
        struct tcpfx fx;
        struct tcb *t;
        uint8_t big[1024];
        struct sock_addr peer = {.ip = TCPFX_PEER, .port = TCPFX_PEER_PORT};
        struct tcpfx_seg g;

        tcpfx_init(&fx);
        memset(big, 'z', sizeof(big));
        fx.sd = sock_open(fx.s, SOCK_TYPE_TCP);
        CU_ASSERT_EQUAL(sock_setopt(fx.s, fx.sd, SOCK_OPT_RCVBUF, 4096), 0);
        sock_connect(fx.s, fx.sd, &peer);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        fx.lport = g.h.sport;
        fx.pack = g.h.seq + 1;
        fx.pseq = 1001;
        tcpfx_send(&fx, TCP_SYN | TCP_ACK, 1000, fx.pack, NULL, 0, &fx.syn_opts);
        t = tcpfx_tcb(&fx);
        for (int i = 0; i < 4; i++)
                tcpfx_send_next(&fx, TCP_ACK, big, sizeof(big));
        tcpfx_advance(&fx, 300000);
        CU_ASSERT_EQUAL(t->rcv_adv, t->rcv_nxt); /* the window is closed */
        tcpfx_send(&fx, TCP_RST, t->rcv_nxt, 0, NULL, 0, NULL);
        CU_ASSERT_EQUAL(t->state, TCP_CLOSED);
        tcpfx_fini(&fx);
}

void
suite_tcp_api(void)
{
        CU_pSuite su = CU_add_suite("tcp_api", NULL, NULL);

        CU_add_test(su, "arch_one_door_trace_line_and_event", arch_one_door_trace_line_and_event);
        CU_add_test(su, "arch_transition_table_matches_rfc9293_figure",
                    arch_transition_table_matches_rfc9293_figure);
        CU_add_test(su, "rfc9293_must24_must27_keepalive_off_by_default_then_probes",
                    rfc9293_must24_must27_keepalive_off_by_default_then_probes);
        CU_add_test(su, "sock_api_listen_backlog_bounds_accept_queue",
                    sock_api_listen_backlog_bounds_accept_queue);
        CU_add_test(su, "sock_api_bind_conflict_and_send_after_shutdown",
                    sock_api_bind_conflict_and_send_after_shutdown);
        CU_add_test(su, "rfc9293_must46_open_to_broadcast_or_multicast_rejected",
                    rfc9293_must46_open_to_broadcast_or_multicast_rejected);
        CU_add_test(su, "rfc9293_must57_syn_to_broadcast_silently_discarded",
                    rfc9293_must57_syn_to_broadcast_silently_discarded);
        CU_add_test(su, "rfc9293_must48_must49_ttl_and_diffserv_per_socket",
                    rfc9293_must48_must49_ttl_and_diffserv_per_socket);
        CU_add_test(su, "rfc9293_must21_application_sets_r2", rfc9293_must21_application_sets_r2);
        CU_add_test(su, "rfc9293_must66_rst_processed_with_zero_window",
                    rfc9293_must66_rst_processed_with_zero_window);
}

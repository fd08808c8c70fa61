/* Readiness callbacks driven by the touched-socket list (sock.c): every kind of change that
 * alters what a socket is ready for (RFC 9293 3.10 user calls and segment arrival, 3.8.3 R2,
 * 3.8.4 keep-alive, 3.10.7.4 TIME-WAIT, RFC 1122 4.1.3.3 UDP ICMP errors) reaches the callback
 * exactly once, and the handle table hands out the lowest free handle in O(log n). */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "stack/core/stack.h"
#include "stack/net/icmp.h"
#include "stack/sock.h"
#include "stack/sock/sock.h"
#include "stack/tcp/tcp.h"
#include "stack/wire/icmp.h"
#include "tests/common/simnet.h"
#include "tests/common/tcp_fixture.h"

struct ev_log {
        int calls;
        int sd;
        unsigned events;
};

static void
log_cb(void *ctx, int sd, unsigned events)
{
        struct ev_log *l = ctx;

        l->calls++;
        l->sd = sd;
        l->events = events;
}

/* The oracle: after a poll no socket with a callback may hold readiness its callback has
 * not seen (the full walk the touched list replaced would have delivered it). */
static void
assert_settled(struct stack *s, int sd)
{
        struct sock *so = sock_get(s, sd);

        CU_ASSERT_PTR_NOT_NULL_FATAL(so);
        CU_ASSERT_EQUAL(sock_events(s, sd), so->last_events);
}

/* One callback since the last check, with exactly these events; a further poll adds none. */
static void
expect_one(struct tcpfx *fx, struct ev_log *l, int *seen, unsigned events)
{
        CU_ASSERT_EQUAL(l->calls, *seen + 1);
        CU_ASSERT_EQUAL(l->events, events);
        tcpfx_poll(fx);
        CU_ASSERT_EQUAL(l->calls, *seen + 1);
        *seen = l->calls;
}

static void
fx_established_with_cb(struct tcpfx *fx, struct ev_log *l, int *seen)
{
        tcpfx_init(fx);
        tcpfx_open(fx, TCP_ESTABLISHED);
        CU_ASSERT_EQUAL(sock_set_callback(fx->s, fx->sd, log_cb, l), 0);
        tcpfx_poll(fx);
        expect_one(fx, l, seen, SOCK_WRITABLE);
        tcpfx_drain(fx);
}

/* RFC 9293 3.10.3: data arriving makes the socket readable; reading it all undoes that. */
static void
rfc9293_3_10_3_data_arrival_and_read_each_reported_once(void)
{
        struct tcpfx fx;
        struct ev_log l = {0};
        int seen = 0;
        char buf[16];

        fx_established_with_cb(&fx, &l, &seen);
        tcpfx_send_next(&fx, TCP_ACK | TCP_PSH, "hello", 5);
        expect_one(&fx, &l, &seen, SOCK_READABLE | SOCK_WRITABLE);
        tcpfx_send_next(&fx, TCP_ACK | TCP_PSH, "again", 5);
        tcpfx_poll(&fx);
        CU_ASSERT_EQUAL(l.calls, seen); /* still readable: no change, no call */
        CU_ASSERT_EQUAL(sock_recv(fx.s, fx.sd, buf, sizeof(buf)), 10);
        tcpfx_poll(&fx);
        expect_one(&fx, &l, &seen, SOCK_WRITABLE);
        assert_settled(fx.s, fx.sd);
        tcpfx_fini(&fx);
}

/* RFC 9293 3.10.7.4 (SND.UNA advances): an ACK that frees send-buffer space makes a full
 * socket writable again. */
static void
rfc9293_3_10_7_4_ack_freeing_send_space_reported_once(void)
{
        struct tcpfx fx;
        struct ev_log l = {0};
        int seen = 0;
        static char big[8192];
        uint32_t queued = 0;
        ssize_t n;

        fx_established_with_cb(&fx, &l, &seen);
        fx.pwnd = 65535;
        while ((n = sock_send(fx.s, fx.sd, big, sizeof(big))) > 0)
                queued += (uint32_t)n;
        CU_ASSERT_EQUAL(n, -EAGAIN);
        tcpfx_poll(&fx);
        expect_one(&fx, &l, &seen, 0);
        tcpfx_drain(&fx);
        fx.pack += queued < 4096 ? queued : 4096; /* the peer acknowledges a part */
        tcpfx_send(&fx, TCP_ACK, fx.pseq, fx.pack, NULL, 0, NULL);
        expect_one(&fx, &l, &seen, SOCK_WRITABLE);
        assert_settled(fx.s, fx.sd);
        tcpfx_fini(&fx);
}

/* RFC 9293 3.10.7.4 eighth step: the peer's FIN is end of stream (readable, recv 0). */
static void
rfc9293_3_10_7_4_fin_reported_once(void)
{
        struct tcpfx fx;
        struct ev_log l = {0};
        int seen = 0;

        fx_established_with_cb(&fx, &l, &seen);
        tcpfx_send_next(&fx, TCP_FIN | TCP_ACK, NULL, 0);
        expect_one(&fx, &l, &seen, SOCK_READABLE | SOCK_WRITABLE);
        CU_ASSERT_EQUAL(sock_shutdown(fx.s, fx.sd, SHUT_WR), 0);
        tcpfx_poll(&fx);
        expect_one(&fx, &l, &seen, SOCK_READABLE | SOCK_HUP);
        assert_settled(fx.s, fx.sd);
        tcpfx_fini(&fx);
}

/* RFC 9293 3.10.7.4 second step (MUST-12): a RST ends the connection with ECONNRESET. */
static void
rfc9293_3_10_7_4_rst_reported_once(void)
{
        struct tcpfx fx;
        struct ev_log l = {0};
        int seen = 0;

        fx_established_with_cb(&fx, &l, &seen);
        tcpfx_send(&fx, TCP_RST, fx.pseq, 0, NULL, 0, NULL);
        expect_one(&fx, &l, &seen, SOCK_READABLE | SOCK_HUP | SOCK_ERROR);
        CU_ASSERT_EQUAL(sock_error(fx.s, fx.sd), -ECONNRESET);
        tcpfx_poll(&fx);
        expect_one(&fx, &l, &seen, SOCK_READABLE | SOCK_HUP); /* the error is fetched */
        assert_settled(fx.s, fx.sd);
        tcpfx_fini(&fx);
}

/* RFC 9293 3.8.3 (MUST-20): R2 running out closes the connection from a timer. */
static void
rfc9293_3_8_3_r2_timeout_reported_once(void)
{
        struct tcpfx fx;
        struct ev_log l = {0};
        int seen = 0;

        fx_established_with_cb(&fx, &l, &seen);
        CU_ASSERT_EQUAL(sock_setopt(fx.s, fx.sd, SOCK_OPT_R2_MS, 5000), 0);
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, "x", 1), 1);
        tcpfx_poll(&fx);
        CU_ASSERT_EQUAL(l.calls, seen);
        tcpfx_advance(&fx, 12000000); /* timeouts at 1, 3, 7 s: gives up after 5 s */
        CU_ASSERT_EQUAL(tcpfx_tcb(&fx)->state, TCP_CLOSED);
        expect_one(&fx, &l, &seen, SOCK_READABLE | SOCK_HUP | SOCK_ERROR);
        CU_ASSERT_EQUAL(sock_error(fx.s, fx.sd), -ETIMEDOUT);
        tcpfx_poll(&fx);
        expect_one(&fx, &l, &seen, SOCK_READABLE | SOCK_HUP); /* the error is fetched */
        assert_settled(fx.s, fx.sd);
        tcpfx_fini(&fx);
}

/* RFC 9293 3.8.3 (SHLD-9, SHLD-10): after R1 = 3 timeouts of the same data the application
 * is told of the delivery problem (SOCK_STALLED) before R2 gives up, once; the peer's ACK
 * clears it, once. */
static void
rfc9293_3_8_3_shld9_r1_stall_reported_then_cleared(void)
{
        struct tcpfx fx;
        struct ev_log l = {0};
        int seen = 0;
        struct sock_tcp_info ti;

        fx_established_with_cb(&fx, &l, &seen);
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, "x", 1), 1);
        tcpfx_poll(&fx);
        tcpfx_advance(&fx, 1000000 + 2000000); /* two timeouts: not yet R1 */
        CU_ASSERT_EQUAL(l.calls, seen);
        tcpfx_advance(&fx, 4000000); /* the third */
        expect_one(&fx, &l, &seen, SOCK_WRITABLE | SOCK_STALLED);
        CU_ASSERT_EQUAL(sock_tcp_info(fx.s, fx.sd, &ti), 0);
        CU_ASSERT_EQUAL(ti.retransmits, 3);
        CU_ASSERT_EQUAL(tcpfx_tcb(&fx)->state, TCP_ESTABLISHED); /* R2 is far */
        tcpfx_drain(&fx);
        tcpfx_send(&fx, TCP_ACK, fx.pseq, fx.iss + 2, NULL, 0, NULL);
        expect_one(&fx, &l, &seen, SOCK_WRITABLE);
        assert_settled(fx.s, fx.sd);
        tcpfx_fini(&fx);
}

/* RFC 9293 3.8.4 (MUST-24..27): unanswered keep-alives abort the connection. */
static void
rfc9293_3_8_4_keepalive_abort_reported_once(void)
{
        struct tcpfx fx;
        struct ev_log l = {0};
        int seen = 0;

        fx_established_with_cb(&fx, &l, &seen);
        CU_ASSERT_EQUAL(sock_setopt(fx.s, fx.sd, SOCK_OPT_KEEPIDLE_MS, 10000), 0);
        CU_ASSERT_EQUAL(sock_setopt(fx.s, fx.sd, SOCK_OPT_KEEPINTVL_MS, 2000), 0);
        CU_ASSERT_EQUAL(sock_setopt(fx.s, fx.sd, SOCK_OPT_KEEPCNT, 3), 0);
        CU_ASSERT_EQUAL(sock_setopt(fx.s, fx.sd, SOCK_OPT_KEEPALIVE, 1), 0);
        tcpfx_advance(&fx, 15000000);
        CU_ASSERT_EQUAL(l.calls, seen); /* probes alone change nothing */
        tcpfx_advance(&fx, 2000000);
        CU_ASSERT_EQUAL(tcpfx_tcb(&fx)->state, TCP_CLOSED);
        expect_one(&fx, &l, &seen, SOCK_READABLE | SOCK_HUP | SOCK_ERROR);
        assert_settled(fx.s, fx.sd);
        tcpfx_fini(&fx);
}

/* RFC 9293 3.10.7.4: FIN in FIN-WAIT-2 enters TIME-WAIT (readable, hung up); the 2 MSL timer
 * that ends it leaves the readiness as it was, so it makes no further call. */
static void
rfc9293_3_10_7_4_time_wait_entry_once_expiry_silent(void)
{
        struct tcpfx fx;
        struct ev_log l = {0};
        int seen = 0;

        tcpfx_init(&fx);
        fx.msl_ms = 1000;
        tcpfx_open(&fx, TCP_FIN_WAIT_2);
        CU_ASSERT_EQUAL(sock_set_callback(fx.s, fx.sd, log_cb, &l), 0);
        tcpfx_poll(&fx);
        CU_ASSERT_EQUAL(l.calls, 0); /* nothing to read, nothing to write */
        tcpfx_send_next(&fx, TCP_FIN | TCP_ACK, NULL, 0);
        CU_ASSERT_EQUAL(tcpfx_tcb(&fx)->state, TCP_TIME_WAIT);
        expect_one(&fx, &l, &seen, SOCK_READABLE | SOCK_HUP);
        tcpfx_advance(&fx, 3000000);
        CU_ASSERT_EQUAL(tcpfx_tcb(&fx)->state, TCP_CLOSED);
        CU_ASSERT_EQUAL(l.calls, seen);
        assert_settled(fx.s, fx.sd);
        tcpfx_fini(&fx);
}

/* RFC 9293 3.10.7.3 (LISTEN) and 3.10.7.4: a child completing its handshake makes the
 * listener readable; accepting it, or the child's reset before accept, undoes that. */
static void
rfc9293_3_10_7_3_listener_child_ready_and_gone_reported_once(void)
{
        struct tcpfx fx;
        struct ev_log l = {0};
        int seen = 0;

        tcpfx_init(&fx);
        tcpfx_open(&fx, TCP_SYN_RECEIVED);
        CU_ASSERT_EQUAL(sock_set_callback(fx.s, fx.lsd, log_cb, &l), 0);
        tcpfx_poll(&fx);
        CU_ASSERT_EQUAL(l.calls, 0); /* a half-open child is not ready */
        tcpfx_send(&fx, TCP_ACK, fx.pseq, fx.pack, NULL, 0, NULL);
        expect_one(&fx, &l, &seen, SOCK_READABLE);
        CU_ASSERT_EQUAL(l.sd, fx.lsd);
        tcpfx_send(&fx, TCP_RST, fx.pseq, 0, NULL, 0, NULL); /* gone before accept */
        expect_one(&fx, &l, &seen, 0);
        CU_ASSERT_EQUAL(sock_accept(fx.s, fx.lsd, NULL), -EAGAIN);
        assert_settled(fx.s, fx.lsd);
        tcpfx_fini(&fx);
}

static void
rfc9293_3_10_1_accept_clears_listener_readiness_once(void)
{
        struct tcpfx fx;
        struct ev_log l = {0}, cl = {0};
        int seen = 0;

        tcpfx_init(&fx);
        tcpfx_open(&fx, TCP_SYN_RECEIVED);
        CU_ASSERT_EQUAL(sock_set_callback(fx.s, fx.lsd, log_cb, &l), 0);
        tcpfx_send(&fx, TCP_ACK, fx.pseq, fx.pack, NULL, 0, NULL);
        expect_one(&fx, &l, &seen, SOCK_READABLE);
        fx.sd = sock_accept(fx.s, fx.lsd, NULL);
        CU_ASSERT_FATAL(fx.sd >= 0);
        CU_ASSERT_EQUAL(sock_set_callback(fx.s, fx.sd, log_cb, &cl), 0);
        tcpfx_poll(&fx);
        expect_one(&fx, &l, &seen, 0);
        CU_ASSERT_EQUAL(cl.calls, 1);
        CU_ASSERT_EQUAL(cl.events, SOCK_WRITABLE);
        assert_settled(fx.s, fx.sd);
        tcpfx_fini(&fx);
}

/* RFC 9293 3.9.2.2 (MUST-56 .. hard errors): port unreachable aborts SYN-SENT. */
static void
rfc9293_3_9_2_2_tcp_icmp_hard_error_reported_once(void)
{
        struct tcpfx fx;
        struct ev_log l = {0};
        int seen = 0;
        uint8_t q[8];
        struct icmp_err e = {.type = ICMP_DEST_UNREACH,
                             .code = ICMP_UNREACH_PORT,
                             .from = TCPFX_PEER,
                             .src = TCPFX_LOCAL,
                             .dst = TCPFX_PEER,
                             .proto = IPV4_PROTO_TCP,
                             .l4 = q,
                             .l4_len = sizeof(q)};

        tcpfx_init(&fx);
        tcpfx_open(&fx, TCP_SYN_SENT);
        CU_ASSERT_EQUAL(sock_set_callback(fx.s, fx.sd, log_cb, &l), 0);
        tcpfx_poll(&fx);
        CU_ASSERT_EQUAL(l.calls, 0);
        tcpfx_quote_syn(&fx, q);
        tcp_icmp_error(fx.s, &e);
        tcpfx_poll(&fx);
        expect_one(&fx, &l, &seen, SOCK_READABLE | SOCK_HUP | SOCK_ERROR);
        CU_ASSERT_EQUAL(sock_error(fx.s, fx.sd), -ECONNREFUSED);
        tcpfx_fini(&fx);
}

static bool
log_has_call(void *ctx)
{
        return ((struct ev_log *)ctx)->calls > 0;
}

/* RFC 768 / RFC 1122 4.1.3.3: a datagram makes a UDP socket readable; a port unreachable
 * for a connected socket becomes its pending error. */
static void
rfc1122_4_1_3_3_udp_datagram_and_icmp_error_reported_once(void)
{
        struct simnet *net = simnet_create_seed(0);
        struct sock_addr b7 = {.ip = SIMNET_ADDR_B, .port = 7}, b9 = {SIMNET_ADDR_B, 9};
        struct ev_log lb = {0}, la = {0};
        int srv, cli;
        char buf[8];

        CU_ASSERT_PTR_NOT_NULL_FATAL(net);
        srv = sock_open(net->b, SOCK_TYPE_UDP);
        cli = sock_open(net->a, SOCK_TYPE_UDP);
        CU_ASSERT_EQUAL(sock_bind(net->b, srv, &b7), 0);
        CU_ASSERT_EQUAL(sock_set_callback(net->b, srv, log_cb, &lb), 0);
        simnet_poll(net);
        CU_ASSERT_EQUAL(lb.calls, 1);
        CU_ASSERT_EQUAL(lb.events, SOCK_WRITABLE);
        CU_ASSERT_EQUAL(sock_sendto(net->a, cli, "hello", 5, &b7), 5);
        lb.calls = 0;
        CU_ASSERT_EQUAL(simnet_run_until(net, log_has_call, &lb, 2000000), 0);
        CU_ASSERT_EQUAL(lb.events, SOCK_READABLE | SOCK_WRITABLE);
        simnet_run_for(net, 100000);
        CU_ASSERT_EQUAL(lb.calls, 1);
        CU_ASSERT_EQUAL(sock_recv(net->b, srv, buf, sizeof(buf)), 5);
        simnet_poll(net);
        CU_ASSERT_EQUAL(lb.calls, 2);
        CU_ASSERT_EQUAL(lb.events, SOCK_WRITABLE);
        CU_ASSERT_EQUAL(sock_connect(net->a, cli, &b9), 0);
        CU_ASSERT_EQUAL(sock_set_callback(net->a, cli, log_cb, &la), 0);
        simnet_poll(net);
        CU_ASSERT_EQUAL(la.calls, 1);
        la.calls = 0;
        CU_ASSERT_EQUAL(sock_send(net->a, cli, "x", 1), 1);
        CU_ASSERT_EQUAL(simnet_run_until(net, log_has_call, &la, 2000000), 0);
        CU_ASSERT_EQUAL(la.events, SOCK_READABLE | SOCK_WRITABLE | SOCK_ERROR);
        simnet_run_for(net, 100000);
        CU_ASSERT_EQUAL(la.calls, 1);
        assert_settled(net->a, cli);
        assert_settled(net->b, srv);
        simnet_destroy(net);
}

struct other_ctx {
        struct stack *s;
        int other; /* the socket this callback drains or closes */
        bool close_other;
        int calls;
        unsigned events;
};

static void
other_cb(void *ctx, int sd, unsigned events)
{
        struct other_ctx *o = ctx;
        char buf[64];

        (void)sd;
        o->calls++;
        o->events = events;
        if (o->other < 0)
                return;
        if (o->close_other)
                sock_close(o->s, o->other);
        else
                while (sock_recv(o->s, o->other, buf, sizeof(buf)) > 0)
                        ;
}

static bool
other_called(void *ctx)
{
        return ((struct other_ctx *)ctx)->calls > 0;
}

/* Two UDP sockets on B, y then x get a datagram in the same poll. */
static struct simnet *
two_sockets_get_data(struct other_ctx *x, struct other_ctx *y, int *sx, int *sy)
{
        struct simnet *net = simnet_create_seed(0);
        struct sock_addr ax = {SIMNET_ADDR_B, 7}, ay = {SIMNET_ADDR_B, 9};
        int cli;

        CU_ASSERT_PTR_NOT_NULL_FATAL(net);
        *sx = sock_open(net->b, SOCK_TYPE_UDP);
        *sy = sock_open(net->b, SOCK_TYPE_UDP);
        cli = sock_open(net->a, SOCK_TYPE_UDP);
        CU_ASSERT_EQUAL(sock_bind(net->b, *sx, &ax), 0);
        CU_ASSERT_EQUAL(sock_bind(net->b, *sy, &ay), 0);
        x->s = y->s = net->b;
        CU_ASSERT_EQUAL(sock_set_callback(net->b, *sx, other_cb, x), 0);
        CU_ASSERT_EQUAL(sock_set_callback(net->b, *sy, other_cb, y), 0);
        simnet_poll(net);
        CU_ASSERT_EQUAL(x->calls, 1);
        CU_ASSERT_EQUAL(y->calls, 1);
        x->calls = y->calls = 0;
        CU_ASSERT_EQUAL(sock_sendto(net->a, cli, "to-y", 4, &ay), 4);
        CU_ASSERT_EQUAL(sock_sendto(net->a, cli, "to-x", 4, &ax), 4);
        return net;
}

/* A callback that drains another socket already delivered in this pass (y, then x drains y)
 * is heard in the same poll: y gets its readable and then its not-readable call. */
static void
sock_callback_change_to_delivered_socket_heard_same_poll(void)
{
        struct other_ctx x = {.other = -1}, y = {.other = -1};
        struct simnet *net;
        int sx, sy;

        net = two_sockets_get_data(&x, &y, &sx, &sy);
        x.other = sy;
        CU_ASSERT_EQUAL(simnet_run_until(net, other_called, &x, 2000000), 0);
        CU_ASSERT_EQUAL(y.calls, 2);
        CU_ASSERT_EQUAL(y.events, SOCK_WRITABLE);
        CU_ASSERT_EQUAL(x.calls, 1);
        CU_ASSERT_EQUAL(x.events, SOCK_READABLE | SOCK_WRITABLE);
        simnet_poll(net);
        CU_ASSERT_EQUAL(y.calls, 2);
        assert_settled(net->b, sx);
        assert_settled(net->b, sy);
        sock_close(net->b, sx); /* its datagram goes back to the pool */
        simnet_destroy(net);
}

/* A callback that closes a socket still waiting on the touched list unlinks it: the closed
 * socket gets no call and nothing touches freed memory (ASan). */
static void
sock_callback_closing_pending_socket_skips_it(void)
{
        struct other_ctx x = {.other = -1, .close_other = true}, y = {.other = -1};
        struct simnet *net;
        int sx, sy;

        net = two_sockets_get_data(&y, &x, &sy, &sx); /* now the datagram for x comes first */
        x.other = sy;
        CU_ASSERT_EQUAL(simnet_run_until(net, other_called, &x, 2000000), 0);
        CU_ASSERT_EQUAL(x.calls, 1);
        CU_ASSERT_EQUAL(y.calls, 0);
        CU_ASSERT_PTR_NULL(sock_get(net->b, sy));
        simnet_run_for(net, 100000);
        CU_ASSERT_EQUAL(y.calls, 0);
        sock_close(net->b, sx);
        simnet_destroy(net);
}

/* Handles stay the lowest free ones, like POSIX descriptors, under any order of closes
 * (the free heap against a plain model). */
static void
sock_handles_lowest_free_under_random_churn(void)
{
        struct manual_clock clk = {.now_us = 1000000};
        struct stack_config cfg = {.clock = clock_manual(&clk), .seed = 3, .max_socks = 300};
        struct stack *s = stack_create(&cfg);
        bool open[300] = {0};
        uint32_t x = 12345;

        CU_ASSERT_PTR_NOT_NULL_FATAL(s);
        for (int i = 0; i < 5000; i++) {
                unsigned want = 0;
                x = x * 1103515245u + 12345u;
                if ((x >> 16) % 3 == 0) {
                        int sd = (int)((x >> 8) % 300);
                        CU_ASSERT_EQUAL(sock_close(s, sd), open[sd] ? 0 : -EBADF);
                        open[sd] = false;
                        continue;
                }
                while (want < 300 && open[want])
                        want++;
                CU_ASSERT_EQUAL(sock_open(s, SOCK_TYPE_UDP), want < 300 ? (int)want : -EMFILE);
                if (want < 300)
                        open[want] = true;
        }
        stack_destroy(s);
}

void
suite_sock_events(void)
{
        CU_pSuite su = CU_add_suite("sock_events", NULL, NULL);

        CU_add_test(su, "rfc9293_3_10_3_data_arrival_and_read_each_reported_once",
                    rfc9293_3_10_3_data_arrival_and_read_each_reported_once);
        CU_add_test(su, "rfc9293_3_10_7_4_ack_freeing_send_space_reported_once",
                    rfc9293_3_10_7_4_ack_freeing_send_space_reported_once);
        CU_add_test(su, "rfc9293_3_10_7_4_fin_reported_once", rfc9293_3_10_7_4_fin_reported_once);
        CU_add_test(su, "rfc9293_3_10_7_4_rst_reported_once", rfc9293_3_10_7_4_rst_reported_once);
        CU_add_test(su, "rfc9293_3_8_3_r2_timeout_reported_once",
                    rfc9293_3_8_3_r2_timeout_reported_once);
        CU_add_test(su, "rfc9293_3_8_3_shld9_r1_stall_reported_then_cleared",
                    rfc9293_3_8_3_shld9_r1_stall_reported_then_cleared);
        CU_add_test(su, "rfc9293_3_8_4_keepalive_abort_reported_once",
                    rfc9293_3_8_4_keepalive_abort_reported_once);
        CU_add_test(su, "rfc9293_3_10_7_4_time_wait_entry_once_expiry_silent",
                    rfc9293_3_10_7_4_time_wait_entry_once_expiry_silent);
        CU_add_test(su, "rfc9293_3_10_7_3_listener_child_ready_and_gone_reported_once",
                    rfc9293_3_10_7_3_listener_child_ready_and_gone_reported_once);
        CU_add_test(su, "rfc9293_3_10_1_accept_clears_listener_readiness_once",
                    rfc9293_3_10_1_accept_clears_listener_readiness_once);
        CU_add_test(su, "rfc9293_3_9_2_2_tcp_icmp_hard_error_reported_once",
                    rfc9293_3_9_2_2_tcp_icmp_hard_error_reported_once);
        CU_add_test(su, "rfc1122_4_1_3_3_udp_datagram_and_icmp_error_reported_once",
                    rfc1122_4_1_3_3_udp_datagram_and_icmp_error_reported_once);
        CU_add_test(su, "sock_callback_change_to_delivered_socket_heard_same_poll",
                    sock_callback_change_to_delivered_socket_heard_same_poll);
        CU_add_test(su, "sock_callback_closing_pending_socket_skips_it",
                    sock_callback_closing_pending_socket_skips_it);
        CU_add_test(su, "sock_handles_lowest_free_under_random_churn",
                    sock_handles_lowest_free_under_random_churn);
}

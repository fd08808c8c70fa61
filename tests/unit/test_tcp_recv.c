/* RECEIVE (RFC 9293 3.10.3) and the window updates reading provokes (3.8.6.2.2): a skip
 * that consumes bytes without copying them (the discard service, RFC 863), and no update
 * segment per read while the peer still has half the window to send into. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "stack/core/stack.h"
#include "stack/sock.h"
#include "tests/common/tcp_fixture.h"

/* An active open from a socket whose receive buffer is rcvbuf bytes; the peer offers no
 * window scaling, so the window we advertise follows the buffer byte for byte. */
static struct tcb *
open_with_rcvbuf(struct tcpfx *fx, int rcvbuf)
{
        struct sock_addr peer = {.ip = TCPFX_PEER, .port = TCPFX_PEER_PORT};
        struct tcpfx_seg g;

        fx->sd = sock_open(fx->s, SOCK_TYPE_TCP);
        CU_ASSERT_FATAL(fx->sd >= 0);
        CU_ASSERT_EQUAL_FATAL(sock_setopt(fx->s, fx->sd, SOCK_OPT_RCVBUF, rcvbuf), 0);
        CU_ASSERT_EQUAL_FATAL(sock_connect(fx->s, fx->sd, &peer), 0);
        CU_ASSERT_FATAL(tcpfx_take(fx, &g));
        fx->lport = g.h.sport;
        fx->iss = g.h.seq;
        fx->pack = fx->iss + 1;
        fx->pseq = TCPFX_PEER_ISS + 1;
        tcpfx_send(fx, TCP_SYN | TCP_ACK, TCPFX_PEER_ISS, fx->pack, NULL, 0, &fx->syn_opts);
        tcpfx_drain(fx);
        return tcpfx_tcb(fx);
}

/* The peer sends n segments of len bytes; the ACKs they provoke are dropped. */
static void
peer_sends(struct tcpfx *fx, int n, size_t len)
{
        uint8_t data[1460];

        memset(data, 'd', sizeof(data));
        for (int i = 0; i < n; i++)
                tcpfx_send_next(fx, TCP_ACK, data, len);
        tcpfx_advance(fx, 300000); /* the delayed ACK, if one is owed (MUST-40) */
        tcpfx_drain(fx);
}

static void
rfc863_recv_skip_consumes_without_copying(void)
{
        struct tcpfx fx;
        char text[3000], buf[16];
        int usd;

        tcpfx_init(&fx);
        tcpfx_open(&fx, TCP_ESTABLISHED);
        for (size_t i = 0; i < sizeof(text); i++)
                text[i] = (char)('a' + i % 26);
        for (int i = 0; i < 3; i++)
                tcpfx_send_next(&fx, TCP_ACK, text + i * 1000, 1000);
        CU_ASSERT_EQUAL(sock_recv_skip(fx.s, fx.sd, 1500), 1500);
        /* The stream goes on exactly where the skip stopped. */
        CU_ASSERT_EQUAL(sock_recv(fx.s, fx.sd, buf, 10), 10);
        CU_ASSERT_EQUAL(memcmp(buf, text + 1500, 10), 0);
        CU_ASSERT_EQUAL(sock_recv_skip(fx.s, fx.sd, SIZE_MAX), 1490);
        CU_ASSERT_EQUAL(sock_recv_skip(fx.s, fx.sd, SIZE_MAX), -EAGAIN);
        /* After the peer's FIN: end of stream, as sock_recv reports it (MUST-12 aside). */
        tcpfx_send_next(&fx, TCP_FIN | TCP_ACK, NULL, 0);
        CU_ASSERT_EQUAL(sock_recv_skip(fx.s, fx.sd, SIZE_MAX), 0);
        /* TCP only; a bad handle is -EBADF. */
        usd = sock_open(fx.s, SOCK_TYPE_UDP);
        CU_ASSERT_FATAL(usd >= 0);
        CU_ASSERT_EQUAL(sock_recv_skip(fx.s, usd, 10), -EOPNOTSUPP);
        CU_ASSERT_EQUAL(sock_recv_skip(fx.s, 9999, 10), -EBADF);
        sock_close(fx.s, usd);
        tcpfx_fini(&fx);
}

static void
rfc9293_3_8_6_2_2_no_update_per_read_while_half_the_window_is_left(void)
{
        struct tcpfx fx;
        struct tcb *t;
        char buf[1000];

        tcpfx_init(&fx);
        t = open_with_rcvbuf(&fx, 16384);
        peer_sends(&fx, 4, 1460); /* 5,840 of 16,384 in the ring */
        CU_ASSERT_EQUAL(t->rcv_adv - t->rcv_nxt, 16384 - 5840);
        /* Reading it back frees 5,000 bytes, more than 2 MSS, but the peer can still send
         * more than half a buffer: the next ACK carries the larger window, no segment now. */
        for (int i = 0; i < 5; i++)
                CU_ASSERT_EQUAL(sock_recv(fx.s, fx.sd, buf, sizeof(buf)), 1000);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        CU_ASSERT_EQUAL(sock_recv_skip(fx.s, fx.sd, SIZE_MAX), 840);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        tcpfx_fini(&fx);
}

static void
rfc9293_3_8_6_2_2_update_once_less_than_half_the_window_is_left(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        struct tcb *t;
        char buf[3000];

        tcpfx_init(&fx);
        t = open_with_rcvbuf(&fx, 16384);
        peer_sends(&fx, 8, 1460); /* 11,680 held: 4,704 left, under half */
        CU_ASSERT_EQUAL(t->rcv_adv - t->rcv_nxt, 16384 - 11680);
        /* 1,000 freed is too small a step to announce (receiver SWS avoidance, MUST-39). */
        CU_ASSERT_EQUAL(sock_recv(fx.s, fx.sd, buf, 1000), 1000);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        /* 3,000 freed: the peer is short of window, so it hears about it at once. */
        CU_ASSERT_EQUAL(sock_recv(fx.s, fx.sd, buf, 2000), 2000);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.h.flags & (TCP_ACK | TCP_SYN | TCP_FIN), TCP_ACK);
        CU_ASSERT_EQUAL(g.h.ack, fx.pseq);
        CU_ASSERT_EQUAL(g.h.wnd, 16384 - 11680 + 3000);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        tcpfx_fini(&fx);
}

void
suite_tcp_recv(void)
{
        CU_pSuite su = CU_add_suite("tcp_recv", NULL, NULL);

        CU_add_test(su, "rfc863_recv_skip_consumes_without_copying",
                    rfc863_recv_skip_consumes_without_copying);
        CU_add_test(su, "rfc9293_3_8_6_2_2_no_update_per_read_while_half_the_window_is_left",
                    rfc9293_3_8_6_2_2_no_update_per_read_while_half_the_window_is_left);
        CU_add_test(su, "rfc9293_3_8_6_2_2_update_once_less_than_half_the_window_is_left",
                    rfc9293_3_8_6_2_2_update_once_less_than_half_the_window_is_left);
}

/* A short request and reply on a fresh connection, segment by segment (the connection-rate
 * path of issue 7): no bare window update or ACK before the reply (RFC 9293 3.8.6.2.2,
 * 3.8.6.3), the reply and FIN in one segment (sock_send_more), TIME-WAIT without rings, the
 * ring buffer cache and the growing TCB hash. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "stack/core/stack.h"
#include "stack/sock.h"
#include "stack/sock/sock.h"
#include "tests/common/tcp_fixture.h"

#define REQ "GET /index.html HTTP/1.0\r\n\r\n"
#define REPLY_LEN 1193

/* A passive open from a peer that offers window scaling (as Linux does), so our SYN,ACK
 * carries an unscaled 65535 and later segments could offer the whole 128 KB ring; the
 * handshake is completed and the connection accepted. Returns the accepted handle. */
static int
accept_scaled(struct tcpfx *fx)
{
        struct sock_addr peer;
        int sd;

        fx->syn_opts.has_ws = true;
        fx->syn_opts.ws = 7;
        tcpfx_open(fx, TCP_SYN_RECEIVED);
        tcpfx_send_next(fx, TCP_ACK, NULL, 0);
        sd = sock_accept(fx->s, fx->lsd, &peer);
        CU_ASSERT_FATAL(sd >= 0);
        return sd;
}

/* The ACK of our SYN,ACK, alone in its poll, draws no segment: the peer has 64 KB of window
 * it has not used, and an update to 128 KB would not even double it. */
static void
rfc9293_3_8_6_2_2_no_bare_update_after_the_handshake(void)
{
        struct tcpfx fx;

        tcpfx_init(&fx);
        accept_scaled(&fx);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        tcpfx_fini(&fx);
}

static void
read_request(struct tcpfx *fx, int sd)
{
        char buf[64];

        CU_ASSERT_EQUAL(sock_recv(fx->s, sd, buf, sizeof(buf)), (ssize_t)strlen(REQ));
}

/* The server writes its reply (then stackd's output half runs): one segment carrying the
 * reply and the ACK of everything the peer sent, and nothing else. */
static void
reply_carries_the_ack(struct tcpfx *fx, int sd)
{
        static char reply[REPLY_LEN];
        struct tcpfx_seg g;

        memset(reply, 'x', sizeof(reply));
        CU_ASSERT_EQUAL(sock_send(fx->s, sd, reply, sizeof(reply)), REPLY_LEN);
        stack_poll_output(fx->s);
        CU_ASSERT_FATAL(tcpfx_take(fx, &g));
        CU_ASSERT_EQUAL(g.len, REPLY_LEN);
        CU_ASSERT(g.h.flags & TCP_ACK);
        CU_ASSERT_EQUAL(g.h.ack, fx->pseq);
        CU_ASSERT_EQUAL(tcpfx_pending(fx), 0);
}

/* RFC 9293 3.8.6.3: the request's ACK may be delayed (MUST-40: under 0.5 s), so the reply
 * the server writes at once carries it; no bare ACK goes before the reply. */
static void
rfc9293_3_8_6_3_reply_carries_the_request_ack(void)
{
        struct tcpfx fx;
        int sd;

        tcpfx_init(&fx);
        sd = accept_scaled(&fx);
        tcpfx_send_next(&fx, TCP_ACK | TCP_PSH, REQ, strlen(REQ));
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        read_request(&fx, sd);
        reply_carries_the_ack(&fx, sd);
        /* Nothing is owed any more: the delayed-ACK timer sends nothing later. */
        tcpfx_advance(&fx, 500000);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        tcpfx_fini(&fx);
}

/* stackd's loop runs input, then the application, then output. A request that ends with the
 * peer's FIN (an HTTP/1.0 client half-closing, an echo client at EOF) owes an ACK at once
 * (RFC 9293 3.10.7.4, eighth step); the application reading the request must not send that
 * ACK bare ahead of its reply: the reply, written in the same poll, carries it. */
static void
rfc9293_3_10_7_4_ack_of_fin_rides_on_the_reply(void)
{
        struct tcpfx fx;
        int sd;

        tcpfx_init(&fx);
        sd = accept_scaled(&fx);
        fx.input_only = true;
        tcpfx_send_next(&fx, TCP_ACK | TCP_PSH | TCP_FIN, REQ, strlen(REQ));
        read_request(&fx, sd);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        reply_carries_the_ack(&fx, sd); /* fx.pseq counts the FIN */
        fx.input_only = false;
        tcpfx_fini(&fx);
}

/* A lone request still gets its ACK from the delayed-ACK timer (MUST-40) when no reply
 * comes, and a window update is still sent for a window under two segments. */
static void
rfc9293_must40_request_without_reply_acked_by_timer(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;

        tcpfx_init(&fx);
        accept_scaled(&fx);
        tcpfx_send_next(&fx, TCP_ACK | TCP_PSH, REQ, strlen(REQ));
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        tcpfx_advance(&fx, 499000);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.h.ack, fx.pseq);
        CU_ASSERT_EQUAL(g.len, 0);
        tcpfx_fini(&fx);
}

/* sock_send_more then sock_close: the reply and the FIN leave as one segment, and the
 * peer's FIN then finds a TIME-WAIT that holds no ring buffers (both went to the cache). */
static void
sock_send_more_reply_and_fin_in_one_segment(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        char buf[64], reply[REPLY_LEN];
        struct tcb *t;
        int sd;

        tcpfx_init(&fx);
        sd = accept_scaled(&fx);
        tcpfx_send_next(&fx, TCP_ACK | TCP_PSH, REQ, strlen(REQ));
        CU_ASSERT_EQUAL(sock_recv(fx.s, sd, buf, sizeof(buf)), (ssize_t)strlen(REQ));
        memset(reply, 'y', sizeof(reply));
        t = sock_get(fx.s, sd)->tcb;
        CU_ASSERT_EQUAL(sock_send_more(fx.s, sd, reply, sizeof(reply)), REPLY_LEN);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        CU_ASSERT_FALSE(t->send_more);
        CU_ASSERT_EQUAL(sock_close(fx.s, sd), 0);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.len, REPLY_LEN);
        CU_ASSERT_EQUAL(g.h.flags & (TCP_FIN | TCP_ACK), TCP_FIN | TCP_ACK);
        CU_ASSERT_EQUAL(memcmp(g.data, reply, REPLY_LEN), 0);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        tcpfx_poll(&fx); /* the dirty TCB's flush at the end of the poll sends nothing more */
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        /* The peer acknowledges data and FIN, then closes: TIME-WAIT (RFC 9293 3.10.7.4). */
        fx.pack += REPLY_LEN + 1;
        tcpfx_send_next(&fx, TCP_ACK, NULL, 0);
        CU_ASSERT_EQUAL(t->state, TCP_FIN_WAIT_2);
        tcpfx_send_next(&fx, TCP_FIN | TCP_ACK, NULL, 0);
        CU_ASSERT_EQUAL_FATAL(t->state, TCP_TIME_WAIT);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.h.ack, fx.pseq);
        CU_ASSERT_PTR_NULL(t->snd.buf);
        CU_ASSERT_PTR_NULL(t->rcv.buf);
        CU_ASSERT_EQUAL(fx.s->tcp->n_ring_cache, 2);
        /* A retransmitted FIN in TIME-WAIT is still acknowledged, with a window that does
         * not shrink (SHLD-14). */
        tcpfx_send(&fx, TCP_FIN | TCP_ACK, fx.pseq - 1, fx.pack, NULL, 0, NULL);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.h.ack, fx.pseq);
        CU_ASSERT((uint32_t)g.h.wnd << t->rcv_wscale >= REPLY_LEN);
        tcpfx_fini(&fx);
}

/* A socket still open in TIME-WAIT keeps the bytes its user has not read. */
static void
time_wait_keeps_unread_bytes_for_an_open_socket(void)
{
        struct tcpfx fx;
        struct tcb *t;
        char buf[8];

        tcpfx_init(&fx);
        t = tcpfx_open(&fx, TCP_FIN_WAIT_2);
        tcpfx_send_next(&fx, TCP_ACK | TCP_PSH, "late", 4);
        tcpfx_send_next(&fx, TCP_FIN | TCP_ACK, NULL, 0);
        CU_ASSERT_EQUAL_FATAL(t->state, TCP_TIME_WAIT);
        CU_ASSERT_PTR_NULL(t->snd.buf);
        CU_ASSERT_PTR_NOT_NULL(t->rcv.buf);
        CU_ASSERT_EQUAL(sock_recv(fx.s, fx.sd, buf, sizeof(buf)), 4);
        CU_ASSERT_EQUAL(memcmp(buf, "late", 4), 0);
        CU_ASSERT_EQUAL(sock_recv(fx.s, fx.sd, buf, sizeof(buf)), 0);
        tcpfx_fini(&fx);
}

/* The next connection takes its rings from the cache: the same buffers, no new malloc. */
static void
ring_cache_reused_by_the_next_connection(void)
{
        struct tcpfx fx;
        struct tcb *t;
        uint8_t *snd, *rcv;

        tcpfx_init(&fx);
        t = tcpfx_open(&fx, TCP_TIME_WAIT);
        CU_ASSERT_EQUAL_FATAL(fx.s->tcp->n_ring_cache, 2);
        snd = fx.s->tcp->ring_cache[0].buf;
        rcv = fx.s->tcp->ring_cache[1].buf;
        (void)t;
        fx.sd = -1;
        fx.pport++; /* a new 4-tuple: the TIME-WAIT stays */
        fx.syn_opts = (struct tcp_opts){.has_mss = true, .mss = 1460};
        t = tcpfx_open(&fx, TCP_ESTABLISHED);
        CU_ASSERT_EQUAL(fx.s->tcp->n_ring_cache, 0);
        CU_ASSERT(t->snd.buf == snd || t->snd.buf == rcv);
        CU_ASSERT(t->rcv.buf == snd || t->rcv.buf == rcv);
        CU_ASSERT_EQUAL(t->snd.len + t->rcv.len + t->snd.head + t->rcv.head, 0);
        CU_ASSERT_EQUAL(tcpfx_tcb_count(&fx), 2);
        tcpfx_fini(&fx);
}

/* A full TCB table ends its oldest orphaned TIME-WAIT for a new connection instead of
 * dropping the SYN; with no TIME-WAIT left, the limit holds. A TIME-WAIT that ends by its
 * 2 MSL timer leaves the list. */
static void
time_wait_evicted_when_the_table_is_full(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        struct tcb *tw;

        tcpfx_init(&fx);
        tw = tcpfx_open(&fx, TCP_TIME_WAIT);
        CU_ASSERT_PTR_EQUAL(fx.s->tcp->tw_oldest, tw);
        CU_ASSERT_EQUAL(sock_close(fx.s, fx.sd), 0);
        CU_ASSERT_EQUAL_FATAL(tw->state, TCP_TIME_WAIT);
        fx.sd = -1;
        fx.s->cfg.max_tcbs = 2;
        fx.lport = TCPFX_LOCAL_PORT;
        fx.pport++;
        tcpfx_open(&fx, TCP_SYN_RECEIVED); /* listener plus a child: the TIME-WAIT goes */
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.time_wait_evictions"), 1);
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.drop_tcb_limit"), 0);
        CU_ASSERT_EQUAL(tcpfx_tcb_count(&fx), 2);
        CU_ASSERT_PTR_NULL(fx.s->tcp->tw_oldest);
        fx.pport++;
        tcpfx_send(&fx, TCP_SYN, 7000, 0, NULL, 0, &fx.syn_opts);
        CU_ASSERT_FALSE(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.drop_tcb_limit"), 1);
        tcpfx_fini(&fx);

        tcpfx_init(&fx);
        tw = tcpfx_open(&fx, TCP_TIME_WAIT);
        CU_ASSERT_PTR_EQUAL(fx.s->tcp->tw_newest, tw);
        tcpfx_advance(&fx, 2100000); /* 2 MSL of the fixture's 1 s MSL */
        CU_ASSERT_NOT_EQUAL(tw->state, TCP_TIME_WAIT);
        CU_ASSERT_PTR_NULL(fx.s->tcp->tw_oldest);
        CU_ASSERT_PTR_NULL(fx.s->tcp->tw_newest);
        tcpfx_fini(&fx);
}

/* The TCB hash doubles as connections pile up, and every one stays findable. */
static void
tcb_hash_grows_and_finds_every_tcb(void)
{
        struct tcpfx fx;
        enum { N = 3000 };
        unsigned found = 0;

        tcpfx_init(&fx);
        for (unsigned i = 0; i < N; i++) {
                struct tcb *t = tcb_alloc(fx.s);
                CU_ASSERT_PTR_NOT_NULL_FATAL(t);
                t->laddr = TCPFX_LOCAL;
                t->raddr = TCPFX_PEER + (i >> 10);
                t->lport = 80;
                t->rport = (uint16_t)(20000 + i);
                tcb_hash_insert(fx.s, t);
        }
        CU_ASSERT(fx.s->tcp->hash_mask + 1 >= N); /* at most one TCB per bucket on average */
        CU_ASSERT_EQUAL(fx.s->tcp->n_hashed, N);
        for (unsigned i = 0; i < N; i++) {
                struct tcb *t = tcb_lookup(fx.s, TCPFX_LOCAL, 80, TCPFX_PEER + (i >> 10),
                                           (uint16_t)(20000 + i));
                found += t && t->rport == 20000 + i;
        }
        CU_ASSERT_EQUAL(found, N);
        CU_ASSERT_PTR_NULL(tcb_lookup(fx.s, TCPFX_LOCAL, 80, TCPFX_PEER, 19999));
        tcpfx_fini(&fx);
}

void
suite_tcp_connrate(void)
{
        CU_pSuite su = CU_add_suite("tcp_connrate", NULL, NULL);

        CU_add_test(su, "rfc9293_3_8_6_2_2_no_bare_update_after_the_handshake",
                    rfc9293_3_8_6_2_2_no_bare_update_after_the_handshake);
        CU_add_test(su, "rfc9293_3_8_6_3_reply_carries_the_request_ack",
                    rfc9293_3_8_6_3_reply_carries_the_request_ack);
        CU_add_test(su, "rfc9293_3_10_7_4_ack_of_fin_rides_on_the_reply",
                    rfc9293_3_10_7_4_ack_of_fin_rides_on_the_reply);
        CU_add_test(su, "rfc9293_must40_request_without_reply_acked_by_timer",
                    rfc9293_must40_request_without_reply_acked_by_timer);
        CU_add_test(su, "sock_send_more_reply_and_fin_in_one_segment",
                    sock_send_more_reply_and_fin_in_one_segment);
        CU_add_test(su, "time_wait_keeps_unread_bytes_for_an_open_socket",
                    time_wait_keeps_unread_bytes_for_an_open_socket);
        CU_add_test(su, "ring_cache_reused_by_the_next_connection",
                    ring_cache_reused_by_the_next_connection);
        CU_add_test(su, "time_wait_evicted_when_the_table_is_full",
                    time_wait_evicted_when_the_table_is_full);
        CU_add_test(su, "tcb_hash_grows_and_finds_every_tcb", tcb_hash_grows_and_finds_every_tcb);
}

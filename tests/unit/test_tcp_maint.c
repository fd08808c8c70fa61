/* TCP fixes for other helpers' findings and cheap conformance items, each test named after
 * its rule: RFC 1122 2.3.2.2/4.2.2.17/4.2.3.5, RFC 9293 MUST-27/32/33 and 3.8.6.2.1,
 * RFC 4987 3.4, RFC 5961 10, RFC 6675 2, RFC 7323 2.3. */
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

#define ROUTER 0x0a0000feu /* 10.0.0.254: some router on the path */

/* Finding apps5 #1: host unreachable from a router stays soft (MUST-56), but our own ARP
 * giving up on the next hop (icmp_local_error, reporter = us) fails the connect at once. */
static void
rfc1122_2_3_2_2_own_arp_failure_aborts_syn_sent(void)
{
        struct tcpfx fx;
        uint8_t q[8];
        struct icmp_err e = {.type = ICMP_DEST_UNREACH,
                             .code = ICMP_UNREACH_HOST,
                             .from = ROUTER,
                             .src = TCPFX_LOCAL,
                             .dst = TCPFX_PEER,
                             .proto = IPV4_PROTO_TCP,
                             .l4 = q,
                             .l4_len = sizeof(q)};

        tcpfx_init(&fx);
        tcpfx_open(&fx, TCP_SYN_SENT);
        tcpfx_quote_syn(&fx, q);
        tcp_icmp_error(fx.s, &e);
        CU_ASSERT_EQUAL(tcpfx_tcb(&fx)->state, TCP_SYN_SENT);
        e.from = TCPFX_LOCAL;
        tcp_icmp_error(fx.s, &e);
        CU_ASSERT_EQUAL(tcpfx_tcb(&fx)->state, TCP_CLOSED);
        CU_ASSERT_EQUAL(sock_error(fx.s, fx.sd), -EHOSTUNREACH);
        tcpfx_fini(&fx);
}

/* Finding apps5 #2: an accepted connection that ends (passive close, LAST-ACK -> CLOSED)
 * reports HUP and end of stream, as an actively opened one does. */
static void
rfc9293_3_10_4_accepted_socket_reports_hup_after_close(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        char buf[8];

        tcpfx_init(&fx);
        tcpfx_open(&fx, TCP_SYN_RECEIVED);
        tcpfx_send(&fx, TCP_ACK, fx.pseq, fx.pack, NULL, 0, NULL);
        fx.sd = sock_accept(fx.s, fx.lsd, NULL);
        CU_ASSERT_FATAL(fx.sd >= 0);
        tcpfx_send_next(&fx, TCP_FIN | TCP_ACK, NULL, 0);
        CU_ASSERT_EQUAL(tcpfx_tcb(&fx)->state, TCP_CLOSE_WAIT);
        CU_ASSERT_EQUAL(sock_shutdown(fx.s, fx.sd, SHUT_WR), 0);
        tcpfx_poll(&fx);
        while (tcpfx_take(&fx, &g) && !(g.h.flags & TCP_FIN))
                ;
        CU_ASSERT_FATAL(g.h.flags & TCP_FIN);
        tcpfx_send(&fx, TCP_ACK, fx.pseq, g.h.seq + 1, NULL, 0, NULL);
        CU_ASSERT_EQUAL(tcpfx_tcb(&fx)->state, TCP_CLOSED);
        CU_ASSERT(sock_events(fx.s, fx.sd) & SOCK_HUP);
        CU_ASSERT(sock_events(fx.s, fx.sd) & SOCK_READABLE);
        CU_ASSERT_EQUAL(sock_recv(fx.s, fx.sd, buf, sizeof(buf)), 0);
        tcpfx_fini(&fx);
}

/* Finding robust-1: with the RTO at its 60 s cap, 100 s of R2 used to pass after two
 * retransmissions; R2 is a lower bound, so more timeouts come first. */
static void
rfc1122_4_2_3_5_r2_not_reached_by_two_backed_off_timeouts(void)
{
        struct tcpfx fx;
        struct tcb *t;

        tcpfx_init(&fx);
        t = tcpfx_open(&fx, TCP_ESTABLISHED);
        t->rto_us = 60000000; /* as after large RTT samples (RFC 6298 (2.5) cap) */
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, "x", 1), 1);
        tcpfx_advance(&fx, 300000000);
        CU_ASSERT_EQUAL(t->state, TCP_ESTABLISHED);
        CU_ASSERT(stack_counter_get(fx.s, "tcp.rto_timeouts") >= 4);
        tcpfx_advance(&fx, 300000000);
        CU_ASSERT_EQUAL(t->state, TCP_CLOSED);
        CU_ASSERT_EQUAL(sock_error(fx.s, fx.sd), -ETIMEDOUT);
        CU_ASSERT(stack_counter_get(fx.s, "tcp.rto_timeouts") >= 8);
        tcpfx_fini(&fx);
}

/* MUST-27: the keep-alive interval is configurable; so are the probe spacing and count. */
static void
rfc9293_must27_keepalive_timing_configurable(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        struct tcb *t;
        int v = 0;

        tcpfx_init(&fx);
        t = tcpfx_open(&fx, TCP_ESTABLISHED);
        CU_ASSERT_EQUAL(sock_getopt(fx.s, fx.sd, SOCK_OPT_KEEPIDLE_MS, &v), 0);
        CU_ASSERT_EQUAL(v, 7200000); /* MUST-28: two hours unless changed */
        CU_ASSERT_EQUAL(sock_setopt(fx.s, fx.sd, SOCK_OPT_KEEPIDLE_MS, 0), -EINVAL);
        CU_ASSERT_EQUAL(sock_setopt(fx.s, fx.sd, SOCK_OPT_KEEPCNT, 0), -EINVAL);
        CU_ASSERT_EQUAL(sock_setopt(fx.s, fx.sd, SOCK_OPT_KEEPIDLE_MS, 10000), 0);
        CU_ASSERT_EQUAL(sock_setopt(fx.s, fx.sd, SOCK_OPT_KEEPINTVL_MS, 2000), 0);
        CU_ASSERT_EQUAL(sock_setopt(fx.s, fx.sd, SOCK_OPT_KEEPCNT, 3), 0);
        CU_ASSERT_EQUAL(sock_getopt(fx.s, fx.sd, SOCK_OPT_KEEPINTVL_MS, &v), 0);
        CU_ASSERT_EQUAL(v, 2000);
        CU_ASSERT_EQUAL(sock_setopt(fx.s, fx.sd, SOCK_OPT_KEEPALIVE, 1), 0);
        tcpfx_advance(&fx, 9900000);
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0);
        tcpfx_advance(&fx, 200000); /* 10.1 s: the first probe */
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.h.seq, fx.iss);
        tcpfx_advance(&fx, 4000000); /* 14.1 s: probes at 12 and 14 s, unanswered */
        CU_ASSERT_EQUAL(tcpfx_drain(&fx), 2);
        CU_ASSERT_EQUAL(t->state, TCP_ESTABLISHED);
        tcpfx_advance(&fx, 2000000); /* 16.1 s: three unanswered probes: give up */
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT(g.h.flags & TCP_RST);
        CU_ASSERT_EQUAL(t->state, TCP_CLOSED);
        CU_ASSERT_EQUAL(sock_error(fx.s, fx.sd), -ETIMEDOUT);
        tcpfx_fini(&fx);
}

static void
send_urgent(struct tcpfx *fx, const char *data, uint16_t urp)
{
        uint8_t seg[64];
        struct tcp_hdr h = {.sport = fx->pport,
                            .dport = fx->lport,
                            .seq = fx->pseq,
                            .ack = fx->pack,
                            .flags = TCP_ACK | TCP_URG,
                            .wnd = 1000,
                            .urp = urp};
        size_t n = strlen(data);

        memcpy(seg + TCP_HDR_LEN, data, n);
        tcp_hdr_emit(&h, seg, n, TCPFX_PEER, TCPFX_LOCAL);
        tcpfx_inject_tcp(fx, seg, TCP_HDR_LEN + n, false);
        fx->pseq += (uint32_t)n;
}

/* MUST-32: the user learns of urgent data asynchronously (SOCK_URGENT); MUST-33: and how
 * much is left (SOCK_OPT_URGENT_LEN). The pointer marks the octet after the urgent data
 * (MUST-62, RFC 6093); the data itself stays inline. */
static void
rfc9293_must32_must33_urgent_data_signalled_and_measured(void)
{
        struct tcpfx fx;
        char buf[8];
        int v = -1;

        tcpfx_init(&fx);
        tcpfx_open(&fx, TCP_ESTABLISHED);
        tcpfx_send_next(&fx, TCP_ACK, "plain", 5);
        CU_ASSERT_FALSE(sock_events(fx.s, fx.sd) & SOCK_URGENT);
        CU_ASSERT_EQUAL(sock_getopt(fx.s, fx.sd, SOCK_OPT_URGENT_LEN, &v), 0);
        CU_ASSERT_EQUAL(v, 0);
        send_urgent(&fx, "abcdef", 3); /* "abc" is urgent */
        CU_ASSERT(sock_events(fx.s, fx.sd) & SOCK_URGENT);
        CU_ASSERT_EQUAL(sock_getopt(fx.s, fx.sd, SOCK_OPT_URGENT_LEN, &v), 0);
        CU_ASSERT_EQUAL(v, 8); /* "plain" is still unread and ahead of the pointer */
        CU_ASSERT_EQUAL(sock_recv(fx.s, fx.sd, buf, 7), 7);
        CU_ASSERT_EQUAL(memcmp(buf, "plainab", 7), 0);
        CU_ASSERT_EQUAL(sock_getopt(fx.s, fx.sd, SOCK_OPT_URGENT_LEN, &v), 0);
        CU_ASSERT_EQUAL(v, 1);
        CU_ASSERT_EQUAL(sock_recv(fx.s, fx.sd, buf, 1), 1);
        CU_ASSERT_FALSE(sock_events(fx.s, fx.sd) & SOCK_URGENT);
        CU_ASSERT_EQUAL(sock_setopt(fx.s, fx.sd, SOCK_OPT_URGENT_LEN, 1), -ENOPROTOOPT);
        tcpfx_fini(&fx);
}

/* Finding robust-3: after CLOSE nobody can use the connection, so a peer that keeps its
 * window shut (and answers every probe) may hold it only for a bounded number of probes
 * (RFC 1122 4.2.2.17); MUST-37 still protects a connection whose user holds it. */
static void
rfc1122_4_2_2_17_orphan_at_zero_window_is_aborted(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        static char data[1000];
        unsigned probes = 0, rst = 0;

        tcpfx_init(&fx);
        tcpfx_open(&fx, TCP_ESTABLISHED);
        fx.pwnd = 0;
        tcpfx_send(&fx, TCP_ACK, fx.pseq, fx.pack, NULL, 0, NULL);
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, data, sizeof(data)), (ssize_t)sizeof(data));
        CU_ASSERT_EQUAL(sock_close(fx.s, fx.sd), 0);
        fx.sd = -1;
        for (int sec = 0; sec < 1800 && tcpfx_tcb_count(&fx) > 0; sec++) {
                tcpfx_advance(&fx, 1000000);
                while (tcpfx_take(&fx, &g)) {
                        if (g.h.flags & TCP_RST) {
                                rst++;
                                continue;
                        }
                        probes++; /* answered: the window stays shut, nothing accepted */
                        tcpfx_send(&fx, TCP_ACK, fx.pseq, fx.pack, NULL, 0, NULL);
                }
        }
        CU_ASSERT_EQUAL(tcpfx_tcb_count(&fx), 0);
        CU_ASSERT_EQUAL(rst, 1);
        CU_ASSERT(probes >= 5 && probes <= 12);
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.orphans_aborted"), 1);
        tcpfx_fini(&fx);
}

/* Finding robust-2: a SYN queue full of half-open connections (spoofed SYNs) recycles its
 * oldest entry, so a real client still gets in; half-open children hold no buffers. */
static void
rfc4987_3_4_full_syn_queue_recycles_oldest_half_open(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        struct tcb *c;
        unsigned synacks = 0;

        tcpfx_init(&fx);
        fx.s->cfg.tcp_synq_max = 128; /* the bound under test (stack_config; default 1024) */
        tcpfx_open(&fx, TCP_LISTEN);
        for (uint16_t i = 0; i < 128; i++) {
                fx.pport = (uint16_t)(30000 + i);
                tcpfx_send(&fx, TCP_SYN, 5000, 0, NULL, 0, NULL);
                synacks += tcpfx_drain(&fx);
        }
        CU_ASSERT_EQUAL(synacks, 128);
        c = tcb_lookup(fx.s, TCPFX_LOCAL, fx.lport, TCPFX_PEER, 30005);
        CU_ASSERT_PTR_NOT_NULL_FATAL(c);
        CU_ASSERT_PTR_NULL(c->rcv.buf); /* RFC 4987 3.2: no buffers for half-open state */
        CU_ASSERT_PTR_NULL(c->snd.buf);
        fx.pport = 50000; /* the real client */
        tcpfx_send(&fx, TCP_SYN, 7000, 0, NULL, 0, NULL);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.h.flags, TCP_SYN | TCP_ACK);
        CU_ASSERT_EQUAL(g.h.wnd, 65535); /* the window it will get, before the ring exists */
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.syn_queue_evictions"), 1);
        CU_ASSERT_PTR_NULL(tcb_lookup(fx.s, TCPFX_LOCAL, fx.lport, TCPFX_PEER, 30000));
        tcpfx_send(&fx, TCP_ACK, 7001, g.h.seq + 1, "hi", 2, NULL);
        fx.sd = sock_accept(fx.s, fx.lsd, NULL);
        CU_ASSERT_FATAL(fx.sd >= 0);
        CU_ASSERT_EQUAL(tcpfx_tcb(&fx)->state, TCP_ESTABLISHED);
        CU_ASSERT_PTR_NOT_NULL(tcpfx_tcb(&fx)->rcv.buf);
        CU_ASSERT_EQUAL(sock_recv(fx.s, fx.sd, g.raw, sizeof(g.raw)), 2);
        tcpfx_fini(&fx);
}

/* Finding bench #5 (no fast retransmit stack -> kernel): Linux grows its window while it
 * holds out-of-order data, so its duplicate ACKs do not repeat the window (RFC 5681 2).
 * RFC 6675 2 counts an ACK that SACKs new octets as a DupAck all the same. */
static void
rfc6675_2_sack_dupacks_count_when_window_changes(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        struct tcp_opts o = {.n_sack = 1};
        static uint8_t data[8 * 1460];
        struct tcb *t;
        uint32_t first;
        unsigned sent = 0;

        tcpfx_init(&fx);
        fx.syn_opts.sack_perm = true;
        fx.pwnd = 60000;
        t = tcpfx_open(&fx, TCP_ESTABLISHED);
        CU_ASSERT_FATAL(t->sack_ok);
        t->cwnd = 20 * 1460; /* as after slow start */
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, data, sizeof(data)), (ssize_t)sizeof(data));
        first = fx.pack;
        while (tcpfx_take(&fx, &g))
                sent++;
        CU_ASSERT_EQUAL_FATAL(sent, 8);
        /* The first segment is lost; segments 2, 3 and 4 arrive, each ACK with a larger window. */
        o.sack[0].left = first + 1460;
        for (unsigned i = 2; i <= 4; i++) {
                o.sack[0].right = first + i * 1460;
                fx.pwnd = (uint16_t)(fx.pwnd + 1000);
                tcpfx_send(&fx, TCP_ACK, fx.pseq, first, NULL, 0, &o);
        }
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.fast_retransmits"), 1);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.h.seq, first);
        CU_ASSERT_EQUAL(g.len, 1460);
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.rto_timeouts"), 0);
        tcpfx_fini(&fx);
}

/* Brief item 4: the scaled receive window never offers more than the receive buffer can
 * still hold, whatever the mix of odd-sized segments and reads (RFC 7323 2.3; rounding an
 * old right edge up, so as not to shrink it, must not push it past the buffer). */
static void
rfc7323_2_3_window_never_offers_more_than_the_buffer(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        static uint8_t data[1460], buf[4096];
        struct sock_addr peer = {.ip = TCPFX_PEER, .port = TCPFX_PEER_PORT};
        const int rcvbuf = 200003;
        size_t unread = 0;
        unsigned checked = 0;

        tcpfx_init(&fx);
        fx.syn_opts.has_ws = true; /* the peer scales too, so ours (2) is in force */
        fx.sd = sock_open(fx.s, SOCK_TYPE_TCP);
        CU_ASSERT_EQUAL_FATAL(sock_setopt(fx.s, fx.sd, SOCK_OPT_RCVBUF, rcvbuf), 0);
        CU_ASSERT_EQUAL_FATAL(sock_connect(fx.s, fx.sd, &peer), 0);
        tcpfx_poll(&fx);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.h.opts.ws, 2);
        fx.lport = g.h.sport;
        fx.pack = g.h.seq + 1;
        fx.pseq = TCPFX_PEER_ISS;
        tcpfx_send(&fx, TCP_SYN | TCP_ACK, fx.pseq++, fx.pack, NULL, 0, &fx.syn_opts);
        tcpfx_drain(&fx);
        for (unsigned i = 0; i < 3000; i++) {
                size_t n = 1 + (i * 7919u) % sizeof(data);
                uint32_t room = (uint32_t)(rcvbuf - (int)unread);
                if (n > room)
                        n = room;
                if (n > 0) {
                        tcpfx_send_next(&fx, TCP_ACK, data, n);
                        unread += n;
                }
                if (i % 3 == 0) {
                        ssize_t r = sock_recv(fx.s, fx.sd, buf, 1 + (i * 104729u) % sizeof(buf));
                        unread -= r > 0 ? (size_t)r : 0;
                }
                tcpfx_advance(&fx, 1000);
                while (tcpfx_take(&fx, &g)) {
                        uint64_t offered = (uint64_t)g.h.wnd << 2;
                        uint64_t edge = offered + (uint32_t)(g.h.ack - fx.pseq);
                        CU_ASSERT(edge <= (uint64_t)(rcvbuf - (int)unread));
                        checked++;
                }
        }
        CU_ASSERT(checked > 500);
        tcpfx_fini(&fx);
}

/* Finding fuzz F2: a window smaller than the queued data and than half the largest window
 * holds the data back (sender SWS avoidance), but when the override timeout expires what
 * fits must go (RFC 9293 3.8.6.2.1); before, the timer fired every second sending nothing. */
static void
rfc9293_3_8_6_2_1_override_timeout_sends_into_small_window(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        static uint8_t data[512];

        tcpfx_init(&fx);
        tcpfx_open(&fx, TCP_ESTABLISHED);
        fx.pwnd = 36;
        tcpfx_send(&fx, TCP_ACK, fx.pseq, fx.pack, NULL, 0, NULL);
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, data, sizeof(data)), (ssize_t)sizeof(data));
        CU_ASSERT_EQUAL(tcpfx_pending(&fx), 0); /* 36 < 512 and < max window / 2: wait */
        tcpfx_advance(&fx, 1100000);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.h.seq, fx.pack);
        CU_ASSERT_EQUAL(g.len, 36);
        fx.pack += 36;
        tcpfx_send(&fx, TCP_ACK, fx.pseq, fx.pack, NULL, 0, NULL);
        tcpfx_advance(&fx, 1100000);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.h.seq, fx.pack);
        CU_ASSERT_EQUAL(g.len, 36);
        tcpfx_fini(&fx);
}

/* Finding fuzz F1: ACKs answering unacceptable empty segments are throttled per connection
 * (RFC 5961 10), which ends an ACK loop between two TCBs that disagree about the sequence
 * space; data and FINs are still answered every time. */
static void
rfc5961_10_unacceptable_empty_segments_get_throttled_acks(void)
{
        struct tcpfx fx;
        uint32_t far;

        tcpfx_init(&fx);
        tcpfx_open(&fx, TCP_ESTABLISHED);
        far = fx.pseq + 1000000;
        tcpfx_send(&fx, TCP_ACK, far, fx.pack, NULL, 0, NULL);
        CU_ASSERT_EQUAL(tcpfx_drain(&fx), 1);
        for (int i = 0; i < 100; i++)
                tcpfx_send(&fx, TCP_ACK, far, fx.pack, NULL, 0, NULL);
        CU_ASSERT_EQUAL(tcpfx_drain(&fx), 0);
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.oow_acks_rate_limited"), 100);
        tcpfx_send(&fx, TCP_ACK, fx.pseq - 10, fx.pack, "old data!!", 10, NULL);
        tcpfx_send(&fx, TCP_ACK, fx.pseq - 10, fx.pack, "old data!!", 10, NULL);
        CU_ASSERT_EQUAL(tcpfx_drain(&fx), 2); /* a duplicate of data is always ACKed */
        tcpfx_advance(&fx, 500000);
        tcpfx_send(&fx, TCP_ACK, far, fx.pack, NULL, 0, NULL);
        CU_ASSERT_EQUAL(tcpfx_drain(&fx), 1);
        CU_ASSERT_EQUAL(tcpfx_tcb(&fx)->state, TCP_ESTABLISHED);
        tcpfx_fini(&fx);
}

/* MUST-30/31/62 sender side: urgent data of any length, the pointer naming the octet after
 * it (RFC 6093), URG on every segment below SND.UP until it is acknowledged. */
static void
rfc9293_must30_must62_urgent_pointer_sent_past_urgent_data(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        uint32_t start;

        tcpfx_init(&fx);
        tcpfx_open(&fx, TCP_ESTABLISHED);
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, "xy", 2), 2);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_FALSE(g.h.flags & TCP_URG);
        fx.pack += 2;
        tcpfx_send(&fx, TCP_ACK, fx.pseq, fx.pack, NULL, 0, NULL);
        start = fx.pack;
        CU_ASSERT_EQUAL(sock_send_urgent(fx.s, fx.sd, "abc", 3), 3);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.h.seq, start);
        CU_ASSERT_EQUAL(g.len, 3);
        CU_ASSERT(g.h.flags & TCP_URG);
        CU_ASSERT_EQUAL(g.h.urp, 3); /* SEG.SEQ + SEG.UP = the first non-urgent octet */
        tcpfx_advance(&fx, 1100000); /* the retransmission carries the pointer too */
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.h.seq, start);
        CU_ASSERT(g.h.flags & TCP_URG);
        CU_ASSERT_EQUAL(g.h.urp, 3);
        fx.pack += 3;
        tcpfx_send(&fx, TCP_ACK, fx.pseq, fx.pack, NULL, 0, NULL);
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, "z", 1), 1);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_FALSE(g.h.flags & TCP_URG); /* acknowledged: urgent mode is over */
        CU_ASSERT_EQUAL(sock_send_urgent(fx.s, fx.sd, NULL, 0), 0);
        tcpfx_fini(&fx);
}

/* Finding robust-4: with our receive window at zero, the peer's zero-window probe
 * <SEQ=RCV.NXT-1> (Linux's form) is unacceptable, but the ACK it carries must still be
 * processed (RFC 9293 3.10.7.4 "special allowance ... to accept valid ACKs"). */
static void
rfc9293_3_10_7_4_zero_window_still_takes_acks_from_probes(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        static uint8_t data[1460];
        struct tcb *t;

        tcpfx_init(&fx);
        t = tcpfx_open(&fx, TCP_ESTABLISHED);
        while (t->rcv_adv != t->rcv_nxt) {
                uint32_t n = t->rcv_adv - t->rcv_nxt;
                tcpfx_send_next(&fx, TCP_ACK, data, n < sizeof(data) ? n : sizeof(data));
        }
        tcpfx_advance(&fx, 300000);
        tcpfx_drain(&fx);
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, "abc", 3), 3);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.len, 3);
        CU_ASSERT_EQUAL(g.h.wnd, 0);
        /* The peer's probe: one old octet at RCV.NXT - 1, acknowledging our "abc". */
        tcpfx_send(&fx, TCP_ACK, fx.pseq - 1, fx.pack + 3, data, 1, NULL);
        CU_ASSERT_EQUAL(t->snd_una, fx.pack + 3);
        CU_ASSERT(tcpfx_take(&fx, &g)); /* answered with an ACK showing the window */
        CU_ASSERT_EQUAL(g.h.ack, fx.pseq);
        tcpfx_advance(&fx, 5000000);
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.retransmits"), 0);
        tcpfx_fini(&fx);
}

void
suite_tcp_maint(void)
{
        CU_pSuite su = CU_add_suite("tcp_maint", NULL, NULL);

        CU_add_test(su, "rfc1122_2_3_2_2_own_arp_failure_aborts_syn_sent",
                    rfc1122_2_3_2_2_own_arp_failure_aborts_syn_sent);
        CU_add_test(su, "rfc9293_3_10_4_accepted_socket_reports_hup_after_close",
                    rfc9293_3_10_4_accepted_socket_reports_hup_after_close);
        CU_add_test(su, "rfc1122_4_2_3_5_r2_not_reached_by_two_backed_off_timeouts",
                    rfc1122_4_2_3_5_r2_not_reached_by_two_backed_off_timeouts);
        CU_add_test(su, "rfc9293_must27_keepalive_timing_configurable",
                    rfc9293_must27_keepalive_timing_configurable);
        CU_add_test(su, "rfc9293_must32_must33_urgent_data_signalled_and_measured",
                    rfc9293_must32_must33_urgent_data_signalled_and_measured);
        CU_add_test(su, "rfc1122_4_2_2_17_orphan_at_zero_window_is_aborted",
                    rfc1122_4_2_2_17_orphan_at_zero_window_is_aborted);
        CU_add_test(su, "rfc4987_3_4_full_syn_queue_recycles_oldest_half_open",
                    rfc4987_3_4_full_syn_queue_recycles_oldest_half_open);
        CU_add_test(su, "rfc6675_2_sack_dupacks_count_when_window_changes",
                    rfc6675_2_sack_dupacks_count_when_window_changes);
        CU_add_test(su, "rfc7323_2_3_window_never_offers_more_than_the_buffer",
                    rfc7323_2_3_window_never_offers_more_than_the_buffer);
        CU_add_test(su, "rfc9293_3_8_6_2_1_override_timeout_sends_into_small_window",
                    rfc9293_3_8_6_2_1_override_timeout_sends_into_small_window);
        CU_add_test(su, "rfc5961_10_unacceptable_empty_segments_get_throttled_acks",
                    rfc5961_10_unacceptable_empty_segments_get_throttled_acks);
        CU_add_test(su, "rfc9293_must30_must62_urgent_pointer_sent_past_urgent_data",
                    rfc9293_must30_must62_urgent_pointer_sent_past_urgent_data);
        CU_add_test(su, "rfc9293_3_10_7_4_zero_window_still_takes_acks_from_probes",
                    rfc9293_3_10_7_4_zero_window_still_takes_acks_from_probes);
}

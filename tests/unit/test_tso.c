/* TCP transmit offloads: TSO super-frames and partial checksums handed to a link that
 * advertises LINK_TX_CSUM / LINK_TX_TSO4 (virtio 1.x 5.1.6.2, RFC 9293 3.7.1 and 3.7.4), and
 * the fused copy-and-checksum of the plain path (RFC 1071). */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include "stack/core/ring.h"
#include "stack/core/stack.h"
#include "stack/net/iface.h"
#include "stack/sock.h"
#include "stack/wire/bytes.h"
#include "stack/wire/csum.h"
#include "tests/common/tcp_fixture.h"

#define TSO_MAX_FRAMES 16

struct tso_frame {
        uint8_t *buf;
        size_t len;
        bool has_meta;
        struct link_tx_meta m;
};

/* A capture link with offloads, put in front of the fixture's raw IPv4 link after the
 * handshake: frames we send are kept (up to 64 KB), input still comes from the fixture. */
struct tso_link {
        const struct link_ops *inner;
        void *inner_ctx;
        unsigned caps;
        unsigned n;
        struct tso_frame f[TSO_MAX_FRAMES];
};

static int
tso_store(struct tso_link *l, const uint8_t *frame, size_t len, const struct link_tx_meta *m)
{
        struct tso_frame *f;

        if (l->n == TSO_MAX_FRAMES)
                return -ENOBUFS;
        f = &l->f[l->n++];
        f->buf = malloc(len);
        if (!f->buf)
                return -ENOMEM;
        memcpy(f->buf, frame, len);
        f->len = len;
        f->has_meta = m != NULL;
        if (m)
                f->m = *m;
        return 0;
}

static int
tso_tx(void *ctx, const uint8_t *frame, size_t len)
{
        return tso_store(ctx, frame, len, NULL);
}

static int
tso_tx_meta(void *ctx, const uint8_t *frame, size_t len, const struct link_tx_meta *m)
{
        return tso_store(ctx, frame, len, m);
}

static int
tso_rx(void *ctx, uint8_t *buf, size_t cap)
{
        struct tso_link *l = ctx;
        return l->inner->rx(l->inner_ctx, buf, cap);
}

static int
tso_fd(void *ctx)
{
        (void)ctx;
        return -1;
}

static unsigned
tso_caps(void *ctx)
{
        return ((struct tso_link *)ctx)->caps;
}

static const struct link_ops tso_ops = {
    .tx = tso_tx, .rx = tso_rx, .fd = tso_fd, .tx_caps = tso_caps, .tx_meta = tso_tx_meta};

static void
tso_clear(struct tso_link *l)
{
        for (unsigned i = 0; i < l->n; i++)
                free(l->f[i].buf);
        l->n = 0;
}

/* An ESTABLISHED connection whose interface now has caps and 64 KB packet buffers (what
 * stack_iface_add gives a TAP with --offload); ts: the peer offers timestamps. */
static struct tcb *
tso_open(struct tcpfx *fx, struct tso_link *l, unsigned caps, bool ts)
{
        struct iface *ifc;
        struct tcb *t;

        tcpfx_init(fx);
        if (ts) {
                fx->syn_opts.has_ts = true;
                fx->syn_opts.tsval = 1;
        }
        t = tcpfx_open(fx, TCP_ESTABLISHED);
        tcpfx_drain(fx);
        ifc = fx->s->ifaces[0];
        memset(l, 0, sizeof(*l));
        l->inner = ifc->ops;
        l->inner_ctx = ifc->ctx;
        l->caps = caps;
        ifc->ops = &tso_ops;
        ifc->ctx = l;
        pkt_pool_destroy(&fx->s->pool);
        fx->s->pool.buf_size = PKT_HEADROOM + 65535 + 18;
        return t;
}

static void
tso_close(struct tcpfx *fx, struct tso_link *l)
{
        tso_clear(l);
        tcpfx_fini(fx);
}

/* The parsed frame i: IPv4 header, TCP header, payload. */
struct tso_seg {
        struct ipv4_hdr ip;
        struct tcp_hdr h;
        uint8_t *tcp;
        size_t tcp_len;
        const uint8_t *data;
        size_t len;
};

static void
tso_parse(struct tso_link *l, unsigned i, struct tso_seg *g)
{
        int hl;

        CU_ASSERT_FATAL(i < l->n);
        CU_ASSERT_FATAL(ipv4_hdr_parse(l->f[i].buf, l->f[i].len, &g->ip, NULL) >= 0);
        CU_ASSERT_EQUAL_FATAL(g->ip.total_len, l->f[i].len);
        g->tcp = l->f[i].buf + g->ip.hdr_len;
        g->tcp_len = g->ip.total_len - g->ip.hdr_len;
        hl = tcp_hdr_parse(g->tcp, g->tcp_len, &g->h);
        CU_ASSERT_FATAL(hl >= 0);
        g->data = g->tcp + hl;
        g->len = g->tcp_len - (size_t)hl;
}

/* What the host does with NEEDS_CSUM (virtio 1.x 5.1.6.2): sum from csum_start to the end,
 * the field included, and store the complement at csum_start + csum_offset. */
static void
tso_finish_csum(struct tso_frame *f)
{
        uint8_t *start = f->buf + f->m.csum_start;

        put16(start + f->m.csum_offset,
              csum_fold(csum_partial(start, f->len - f->m.csum_start, 0)));
}

static void
tso_pattern(uint8_t *b, size_t n, unsigned seed)
{
        for (size_t i = 0; i < n; i++)
                b[i] = (uint8_t)(i * 7 + seed);
}

/* RFC 9293 3.7.1 + virtio 5.1.6.2: one super-frame of whole MSS units, header fields as the
 * kernel needs them, and the checksum field holding the pseudo-header sum for the full
 * length (folded, not complemented) so that the host's finishing gives a valid checksum. */
static void
virtio_5_1_6_2_tso_frame_header_fields(void)
{
        static uint8_t data[20000], out[20000];
        struct tcpfx fx;
        struct tso_link l;
        struct tcb *t = tso_open(&fx, &l, LINK_TX_CSUM | LINK_TX_TSO4, false);
        struct tso_seg g;
        uint32_t want;

        t->cwnd = 10 * 1460; /* the window allows ten segments */
        tso_pattern(data, sizeof(data), 3);
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, data, sizeof(data)), (ssize_t)sizeof(data));
        CU_ASSERT_EQUAL_FATAL(l.n, 1);
        tso_parse(&l, 0, &g);
        CU_ASSERT_EQUAL(g.len, 10 * 1460);
        CU_ASSERT_EQUAL(g.h.seq, fx.iss + 1);
        CU_ASSERT_FALSE(g.h.flags & (TCP_PSH | TCP_FIN)); /* more data follows */
        CU_ASSERT_TRUE(g.ip.df);
        CU_ASSERT_TRUE(l.f[0].has_meta);
        CU_ASSERT_EQUAL(l.f[0].m.csum_start, IPV4_HDR_LEN); /* raw IPv4 link: no Ethernet */
        CU_ASSERT_EQUAL(l.f[0].m.csum_offset, 16);
        CU_ASSERT_EQUAL(l.f[0].m.hdr_len, IPV4_HDR_LEN + TCP_HDR_LEN);
        CU_ASSERT_EQUAL(l.f[0].m.gso_size, 1460);
        want = (uint16_t)~csum_fold(
            csum_pseudo(TCPFX_LOCAL, TCPFX_PEER, IPV4_PROTO_TCP, (uint16_t)g.tcp_len));
        CU_ASSERT_EQUAL(get16(g.tcp + 16), want);
        CU_ASSERT_FALSE(tcp_csum_ok(g.tcp, g.tcp_len, TCPFX_LOCAL, TCPFX_PEER));
        tso_finish_csum(&l.f[0]);
        CU_ASSERT_TRUE(tcp_csum_ok(g.tcp, g.tcp_len, TCPFX_LOCAL, TCPFX_PEER));
        memcpy(out, g.data, g.len);
        CU_ASSERT_EQUAL(memcmp(out, data, g.len), 0);
        CU_ASSERT_EQUAL(t->snd_nxt, fx.iss + 1 + 10 * 1460);
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "eth.tx_tso_frames"), 1);
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.tx_tso_segments"), 1);
        tso_close(&fx, &l);
}

/* RFC 9293 3.7.1: with timestamps every wire segment carries 12 option bytes, so each piece
 * holds MSS - 12; the kernel copies our whole header (hdr_len) onto each. */
static void
rfc9293_3_7_1_tso_gso_size_leaves_room_for_options(void)
{
        static uint8_t data[6000];
        struct tcpfx fx;
        struct tso_link l;
        struct tcb *t = tso_open(&fx, &l, LINK_TX_CSUM | LINK_TX_TSO4, true);
        struct tso_seg g;

        CU_ASSERT_TRUE_FATAL(t->ts_ok);
        t->cwnd = 4 * 1448;
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, data, sizeof(data)), (ssize_t)sizeof(data));
        CU_ASSERT_EQUAL_FATAL(l.n, 1);
        tso_parse(&l, 0, &g);
        CU_ASSERT_EQUAL(g.len, 4 * 1448);
        CU_ASSERT_EQUAL(l.f[0].m.gso_size, 1448);
        CU_ASSERT_EQUAL(l.f[0].m.hdr_len, IPV4_HDR_LEN + TCP_HDR_LEN + 12);
        CU_ASSERT_TRUE(g.h.opts.has_ts);
        tso_close(&fx, &l);
}

/* RFC 9293 3.7.4 (Nagle) decided on the whole amount: with nothing outstanding, all queued
 * data leaves at once, its short tail included, with PSH (the kernel keeps PSH and FIN on
 * the last piece only). */
static void
rfc9293_3_7_4_tso_idle_sends_short_tail_with_psh(void)
{
        static uint8_t data[3 * 1460 + 100];
        struct tcpfx fx;
        struct tso_link l;
        struct tcb *t = tso_open(&fx, &l, LINK_TX_CSUM | LINK_TX_TSO4, false);
        struct tso_seg g;

        t->cwnd = 10 * 1460;
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, data, sizeof(data)), (ssize_t)sizeof(data));
        CU_ASSERT_EQUAL_FATAL(l.n, 1);
        tso_parse(&l, 0, &g);
        CU_ASSERT_EQUAL(g.len, sizeof(data));
        CU_ASSERT_TRUE(g.h.flags & TCP_PSH);
        CU_ASSERT_EQUAL(l.f[0].m.gso_size, 1460);
        tso_close(&fx, &l);
}

/* RFC 9293 3.7.4: with data outstanding a short segment waits for the ACK, so a super-frame
 * is cut to whole segments; the tail goes once everything is acknowledged. Between the two,
 * writes while data is in flight wait for the next poll (autocorking). */
static void
rfc9293_3_7_4_tso_nagle_holds_tail_while_in_flight(void)
{
        static uint8_t data[3 * 1460 + 100];
        struct tcpfx fx;
        struct tso_link l;
        struct tcb *t = tso_open(&fx, &l, LINK_TX_CSUM | LINK_TX_TSO4, false);
        struct tso_seg g;

        t->cwnd = 20 * 1460;
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, data, 1460), 1460);
        CU_ASSERT_EQUAL_FATAL(l.n, 1); /* idle: sent at once */
        tso_clear(&l);
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, data, sizeof(data)), (ssize_t)sizeof(data));
        CU_ASSERT_EQUAL(l.n, 0); /* in flight and less than a super-frame: corked */
        tcpfx_poll(&fx);
        CU_ASSERT_EQUAL_FATAL(l.n, 1);
        tso_parse(&l, 0, &g);
        CU_ASSERT_EQUAL(g.len, 3 * 1460);
        CU_ASSERT_FALSE(g.h.flags & TCP_PSH);
        CU_ASSERT_EQUAL(l.f[0].m.gso_size, 1460);
        tso_clear(&l);
        fx.pack = t->snd_nxt;
        tcpfx_send_next(&fx, TCP_ACK, NULL, 0);
        CU_ASSERT_EQUAL_FATAL(l.n, 1);
        tso_parse(&l, 0, &g);
        CU_ASSERT_EQUAL(g.len, 100);
        CU_ASSERT_EQUAL(l.f[0].m.gso_size, 0); /* one short segment: no GSO */
        CU_ASSERT_TRUE(l.f[0].has_meta);       /* but its checksum is still the link's */
        tso_close(&fx, &l);
}

/* RFC 9293 3.8.6.2.1 (sender SWS avoidance): a window that ends mid-segment is used in
 * whole segments; the remainder waits for the window to open. */
static void
rfc9293_3_8_6_2_1_tso_window_cut_to_whole_segments(void)
{
        static uint8_t data[20000];
        struct tcpfx fx;
        struct tso_link l;
        struct tcb *t = tso_open(&fx, &l, LINK_TX_CSUM | LINK_TX_TSO4, false);
        struct tso_seg g;

        t->cwnd = 20 * 1460;
        t->snd_wnd = 5000;
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, data, sizeof(data)), (ssize_t)sizeof(data));
        CU_ASSERT_EQUAL_FATAL(l.n, 1);
        tso_parse(&l, 0, &g);
        CU_ASSERT_EQUAL(g.len, 3 * 1460);
        tso_close(&fx, &l);
}

/* RFC 9293 3.10.4: a FIN after the last byte may ride on the super-frame; Linux
 * tcp_gso_segment clears FIN on every piece but the last. */
static void
rfc9293_3_10_4_tso_fin_on_last_piece(void)
{
        static uint8_t data[5000];
        struct tcpfx fx;
        struct tso_link l;
        struct tcb *t;
        struct tso_seg g;
        uint32_t iss;

        t = tso_open(&fx, &l, LINK_TX_CSUM | LINK_TX_TSO4, false);
        iss = fx.iss;
        t->cwnd = 10 * 1460;
        /* Queue data and FIN before the stack runs: one super-frame carries both. */
        CU_ASSERT_EQUAL(ring_write(&t->snd, data, sizeof(data)), sizeof(data));
        CU_ASSERT_EQUAL(sock_close(fx.s, fx.sd), 0);
        fx.sd = -1;
        tcpfx_poll(&fx);
        CU_ASSERT_EQUAL_FATAL(l.n, 1);
        tso_parse(&l, 0, &g);
        CU_ASSERT_EQUAL(g.len, sizeof(data));
        CU_ASSERT_TRUE(g.h.flags & TCP_FIN);
        CU_ASSERT_EQUAL(l.f[0].m.gso_size, 1460);
        CU_ASSERT_EQUAL(t->snd_nxt, iss + 1 + sizeof(data) + 1);
        tso_close(&fx, &l);
}

/* A link with checksum offload only: single MSS segments, each with a partial checksum. */
static void
virtio_5_1_6_2_csum_only_link_gets_single_segments(void)
{
        static uint8_t data[3000];
        struct tcpfx fx;
        struct tso_link l;
        struct tcb *t = tso_open(&fx, &l, LINK_TX_CSUM, false);
        struct tso_seg g;

        t->cwnd = 10 * 1460;
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, data, sizeof(data)), (ssize_t)sizeof(data));
        CU_ASSERT_EQUAL_FATAL(l.n, 2); /* 1460, then 1460 (the 80-byte tail waits: Nagle) */
        for (unsigned i = 0; i < l.n; i++) {
                tso_parse(&l, i, &g);
                CU_ASSERT_EQUAL(g.len, 1460);
                CU_ASSERT_EQUAL(l.f[i].m.gso_size, 0);
                tso_finish_csum(&l.f[i]);
                CU_ASSERT_TRUE(tcp_csum_ok(g.tcp, g.tcp_len, TCPFX_LOCAL, TCPFX_PEER));
        }
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "eth.tx_tso_frames"), 0);
        tso_close(&fx, &l);
}

/* RFC 9293 3.8.5: urgent data keeps one segment per MSS (its pointer is per segment). */
static void
rfc9293_3_8_5_urgent_data_is_not_super_framed(void)
{
        static uint8_t data[5000];
        struct tcpfx fx;
        struct tso_link l;
        struct tcb *t = tso_open(&fx, &l, LINK_TX_CSUM | LINK_TX_TSO4, false);

        t->cwnd = 10 * 1460;
        CU_ASSERT_EQUAL(sock_send_urgent(fx.s, fx.sd, data, sizeof(data)), (ssize_t)sizeof(data));
        CU_ASSERT_TRUE(l.n >= 3);
        for (unsigned i = 0; i < l.n; i++)
                CU_ASSERT_EQUAL(l.f[i].m.gso_size, 0);
        tso_close(&fx, &l);
}

/* RFC 3168 6.1.2: the CWR after an ECN reduction goes on one plain segment, not on a
 * super-frame whose every piece would repeat it; after it, super-frames resume. */
static void
rfc3168_6_1_2_cwr_segment_is_not_super_framed(void)
{
        static uint8_t data[8 * 1460];
        struct tcpfx fx;
        struct tso_link l;
        struct tcb *t = tso_open(&fx, &l, LINK_TX_CSUM | LINK_TX_TSO4, false);

        t->ecn_ok = true; /* as agreed in the handshake (tests/unit/test_tcp_ecn.c) */
        t->cwr_pending = true;
        t->cwnd = 10 * 1460;
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, data, sizeof(data)), (ssize_t)sizeof(data));
        CU_ASSERT_FATAL(l.n >= 2);
        CU_ASSERT_EQUAL(l.f[0].m.gso_size, 0);
        CU_ASSERT(l.f[1].m.gso_size > 0);
        tso_close(&fx, &l);
}

/* RFC 1071 2(B): copying and summing in one pass gives the memcpy and the sum of the two. */
static void
rfc1071_csum_copy_matches_copy_then_sum(void)
{
        uint8_t src[300], dst[300];

        tso_pattern(src, sizeof(src), 9);
        for (size_t off = 0; off < 8; off++) {
                for (size_t len = 0; len + off <= sizeof(src); len += 13) {
                        uint32_t sum = csum_copy(dst, src + off, len, 0x1234);

                        CU_ASSERT_EQUAL(memcmp(dst, src + off, len), 0);
                        CU_ASSERT_EQUAL(csum_fold(sum), csum_fold(csum_partial(dst, len, 0x1234)));
                }
        }
}

/* The send ring wraps at any offset, odd ones included (RFC 1071 2(B) byte swap). */
static void
rfc1071_ring_peek_csum_across_the_wrap(void)
{
        struct ring r;
        uint8_t in[100], out[100];
        size_t n;

        tso_pattern(in, sizeof(in), 1);
        CU_ASSERT_FATAL(ring_init(&r, 64) == 0);
        for (size_t head = 0; head < 64; head++) {
                for (size_t len = 1; len <= 64; len += 7) {
                        uint32_t sum;

                        ring_reset(&r);
                        r.head = head;
                        CU_ASSERT_EQUAL(ring_write(&r, in, len), len);
                        sum = ring_peek_csum(&r, 0, out, len, &n);
                        CU_ASSERT_EQUAL(n, len);
                        CU_ASSERT_EQUAL(memcmp(out, in, len), 0);
                        CU_ASSERT_EQUAL(csum_fold(sum), csum(in, len));
                }
        }
        ring_free(&r);
}

/* The header-only sum with a known payload sum equals the one-pass checksum. */
static void
rfc9293_3_1_emit_with_payload_sum_matches_emit(void)
{
        uint8_t a[600], b[600];
        struct tcp_hdr h = {.sport = 1, .dport = 2, .seq = 3, .ack = 4, .flags = TCP_ACK};
        size_t hl;

        h.opts.has_ts = true;
        h.opts.tsval = 77;
        hl = TCP_HDR_LEN + tcp_opts_len(&h.opts);
        tso_pattern(a + hl, 501, 5);
        memcpy(b + hl, a + hl, 501);
        tcp_hdr_emit(&h, a, 501, TCPFX_LOCAL, TCPFX_PEER);
        tcp_hdr_emit_sum(&h, b, 501, csum_partial(b + hl, 501, 0), TCPFX_LOCAL, TCPFX_PEER);
        CU_ASSERT_EQUAL(memcmp(a, b, hl + 501), 0);
        CU_ASSERT_TRUE(tcp_csum_ok(b, hl + 501, TCPFX_LOCAL, TCPFX_PEER));
}

void
suite_tso(void)
{
        CU_pSuite s = CU_add_suite("tso", NULL, NULL);

        CU_add_test(s, "virtio_5_1_6_2_tso_frame_header_fields",
                    virtio_5_1_6_2_tso_frame_header_fields);
        CU_add_test(s, "rfc9293_3_7_1_tso_gso_size_leaves_room_for_options",
                    rfc9293_3_7_1_tso_gso_size_leaves_room_for_options);
        CU_add_test(s, "rfc9293_3_7_4_tso_idle_sends_short_tail_with_psh",
                    rfc9293_3_7_4_tso_idle_sends_short_tail_with_psh);
        CU_add_test(s, "rfc9293_3_7_4_tso_nagle_holds_tail_while_in_flight",
                    rfc9293_3_7_4_tso_nagle_holds_tail_while_in_flight);
        CU_add_test(s, "rfc9293_3_8_6_2_1_tso_window_cut_to_whole_segments",
                    rfc9293_3_8_6_2_1_tso_window_cut_to_whole_segments);
        CU_add_test(s, "rfc9293_3_10_4_tso_fin_on_last_piece",
                    rfc9293_3_10_4_tso_fin_on_last_piece);
        CU_add_test(s, "virtio_5_1_6_2_csum_only_link_gets_single_segments",
                    virtio_5_1_6_2_csum_only_link_gets_single_segments);
        CU_add_test(s, "rfc3168_6_1_2_cwr_segment_is_not_super_framed",
                    rfc3168_6_1_2_cwr_segment_is_not_super_framed);
        CU_add_test(s, "rfc9293_3_8_5_urgent_data_is_not_super_framed",
                    rfc9293_3_8_5_urgent_data_is_not_super_framed);
        CU_add_test(s, "rfc1071_csum_copy_matches_copy_then_sum",
                    rfc1071_csum_copy_matches_copy_then_sum);
        CU_add_test(s, "rfc1071_ring_peek_csum_across_the_wrap",
                    rfc1071_ring_peek_csum_across_the_wrap);
        CU_add_test(s, "rfc9293_3_1_emit_with_payload_sum_matches_emit",
                    rfc9293_3_1_emit_with_payload_sum_matches_emit);
}

/* Receive placement (DESIGN.md 6, header prediction): on a link that can scatter a read,
 * the payload of the predicted in-order segment lands straight in the receive ring; every
 * other frame is processed exactly as without placement (RFC 9293 3.10.7.4, RFC 7323 5.3). */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "stack/core/ring.h"
#include "stack/core/stack.h"
#include "stack/net/iface.h"
#include "stack/sock.h"
#include "stack/wire/ipv4.h"
#include "stack/wire/tcp.h"
#include "tests/common/tcp_fixture.h"

#define PL_FRAME_MAX (65535u + 18u)
#define PL_QUEUE 8

/* A raw IPv4 link with 64 KB frames in front of the fixture's: frames the test queues are
 * read first (by rx or, when offered, the scattering rxv); what the stack sends goes on to
 * the fixture, which captures it. */
struct pl_link {
        const struct link_ops *inner;
        void *inner_ctx;
        uint8_t *q[PL_QUEUE];
        size_t q_len[PL_QUEUE];
        unsigned q_n;
        uint8_t *tmp;
};

static int
pl_next(struct pl_link *l, uint8_t *buf, size_t cap)
{
        size_t len;

        if (l->q_n == 0)
                return l->inner->rx(l->inner_ctx, buf, cap);
        len = l->q_len[0] < cap ? l->q_len[0] : cap;
        memcpy(buf, l->q[0], len);
        free(l->q[0]);
        memmove(l->q, l->q + 1, (l->q_n - 1) * sizeof(l->q[0]));
        memmove(l->q_len, l->q_len + 1, (l->q_n - 1) * sizeof(l->q_len[0]));
        l->q_n--;
        return (int)len;
}

static int
pl_rx(void *ctx, uint8_t *buf, size_t cap)
{
        return pl_next(ctx, buf, cap);
}

static int
pl_rxv(void *ctx, const struct iovec *iov, int n)
{
        struct pl_link *l = ctx;
        size_t cap = 0, off = 0;
        int len;

        for (int i = 0; i < n; i++)
                cap += iov[i].iov_len;
        len = pl_next(l, l->tmp, cap < PL_FRAME_MAX ? cap : PL_FRAME_MAX);
        for (int i = 0; i < n && off < (size_t)len; i++) {
                size_t k = (size_t)len - off < iov[i].iov_len ? (size_t)len - off : iov[i].iov_len;
                memcpy(iov[i].iov_base, l->tmp + off, k);
                off += k;
        }
        return len;
}

static int
pl_tx(void *ctx, const uint8_t *frame, size_t len)
{
        struct pl_link *l = ctx;
        return l->inner->tx(l->inner_ctx, frame, len);
}

static int
pl_fd(void *ctx)
{
        (void)ctx;
        return -1;
}

static unsigned
pl_rx_flags(void *ctx)
{
        (void)ctx;
        return LINK_RX_CSUM_OK; /* the frames carry correct checksums too */
}

static const struct link_ops pl_plain_ops = {
    .tx = pl_tx, .rx = pl_rx, .fd = pl_fd, .rx_flags = pl_rx_flags};
static const struct link_ops pl_place_ops = {
    .tx = pl_tx, .rx = pl_rx, .fd = pl_fd, .rx_flags = pl_rx_flags, .rxv = pl_rxv};

/* The byte the peer sends at sequence number seq (bad: a corrupted copy of it). */
static uint8_t
pl_pat(uint32_t seq, bool bad)
{
        return (uint8_t)((seq * 7u + (seq >> 8)) ^ (bad ? 0x5au : 0u));
}

/* An ESTABLISHED connection (timestamps on) whose link now is l with ops. */
static struct tcb *
pl_open(struct tcpfx *fx, struct pl_link *l, const struct link_ops *ops)
{
        struct iface *ifc;
        struct tcb *t;

        tcpfx_init(fx);
        fx->syn_opts.has_ts = true;
        fx->syn_opts.tsval = 1;
        t = tcpfx_open(fx, TCP_ESTABLISHED);
        tcpfx_drain(fx);
        ifc = fx->s->ifaces[0];
        memset(l, 0, sizeof(*l));
        l->inner = ifc->ops;
        l->inner_ctx = ifc->ctx;
        l->tmp = malloc(PL_FRAME_MAX);
        CU_ASSERT_FATAL(l->tmp != NULL);
        ifc->ops = ops;
        ifc->ctx = l;
        pkt_pool_destroy(&fx->s->pool);
        fx->s->pool.buf_size = PKT_HEADROOM + PL_FRAME_MAX;
        return t;
}

static void
pl_close(struct tcpfx *fx, struct pl_link *l)
{
        for (unsigned i = 0; i < l->q_n; i++)
                free(l->q[i]);
        free(l->tmp);
        tcpfx_fini(fx);
}

struct pl_seg {
        uint32_t seq;
        size_t len;
        uint32_t tsval; /* 0: no timestamp option (another header length) */
        uint16_t sport; /* 0: the connection's */
        bool bad;       /* corrupted payload: must never reach the stream */
};

/* Queue the peer's segment (ACK of everything, pattern payload) and poll once. */
static void
pl_send(struct tcpfx *fx, struct pl_link *l, const struct pl_seg *sg)
{
        struct tcp_hdr h = {.sport = sg->sport ? sg->sport : fx->pport,
                            .dport = fx->lport,
                            .seq = sg->seq,
                            .ack = fx->pack,
                            .flags = TCP_ACK,
                            .wnd = 65535};
        struct ipv4_hdr ih = {.hdr_len = IPV4_HDR_LEN,
                              .ttl = 64,
                              .proto = IPV4_PROTO_TCP,
                              .src = TCPFX_PEER,
                              .dst = TCPFX_LOCAL};
        size_t hl;
        uint8_t *f;

        h.opts.has_ts = sg->tsval != 0;
        h.opts.tsval = sg->tsval;
        hl = TCP_HDR_LEN + tcp_opts_len(&h.opts);
        CU_ASSERT_FATAL(l->q_n < PL_QUEUE && IPV4_HDR_LEN + hl + sg->len <= IPV4_MAX_LEN);
        ih.total_len = (uint16_t)(IPV4_HDR_LEN + hl + sg->len);
        f = malloc(ih.total_len);
        CU_ASSERT_FATAL(f != NULL);
        for (size_t i = 0; i < sg->len; i++)
                f[IPV4_HDR_LEN + hl + i] = pl_pat(sg->seq + (uint32_t)i, sg->bad);
        tcp_hdr_emit(&h, f + IPV4_HDR_LEN, sg->len, TCPFX_PEER, TCPFX_LOCAL);
        ipv4_hdr_emit(&ih, f);
        l->q[l->q_n] = f;
        l->q_len[l->q_n++] = ih.total_len;
        tcpfx_poll(fx);
}

/* What one step left behind, to compare with and without placement. */
struct pl_snap {
        uint32_t rcv_nxt;
        size_t ring_len;
        unsigned n_ooo;
        uint32_t sent; /* a digest of the segments the stack sent */
        unsigned n_sent;
        uint64_t placed, miss;
};

/* The ring must hold exactly the pattern for the sequence numbers before RCV.NXT. */
static void
pl_check_ring(const struct tcb *t)
{
        static uint8_t buf[256 * 1024];
        size_t n = ring_peek(&t->rcv, 0, buf, sizeof(buf));
        uint32_t seq0 = t->rcv_nxt - (uint32_t)n;
        size_t bad = 0;

        CU_ASSERT_EQUAL(n, ring_len(&t->rcv));
        for (size_t i = 0; i < n; i++)
                bad += buf[i] != pl_pat(seq0 + (uint32_t)i, false);
        CU_ASSERT_EQUAL(bad, 0);
}

static void
pl_snap(struct tcpfx *fx, const struct tcb *t, struct pl_snap *sn)
{
        struct tcpfx_seg g;

        pl_check_ring(t);
        sn->rcv_nxt = t->rcv_nxt;
        sn->ring_len = ring_len(&t->rcv);
        sn->n_ooo = t->n_ooo;
        sn->sent = 0;
        sn->n_sent = 0;
        while (tcpfx_take(fx, &g)) {
                sn->sent = sn->sent * 31u + g.h.seq;
                sn->sent = sn->sent * 31u + g.h.ack;
                sn->sent = sn->sent * 31u + g.h.wnd + g.h.flags + g.h.opts.tsval;
                sn->n_sent++;
        }
        sn->placed = stack_counter_get(fx->s, "tcp.rx_placed_segments");
        sn->miss = stack_counter_get(fx->s, "tcp.rx_place_miss");
}

#define PL_STEPS 13
#define PL_FIXED 11 /* steps with fixed sequence numbers; then the fill and the wrap */

/* The scenario, identical in both runs; sn[i] after step i. A prediction counts once two
 * in-order segments in a row confirmed it, and again after a miss. */
static void
pl_scenario(const struct link_ops *ops, struct pl_snap *sn)
{
        struct tcpfx fx;
        struct pl_link l;
        struct tcb *t = pl_open(&fx, &l, ops);
        uint32_t base = t->rcv_nxt;
        static uint8_t sink[100000];
        const struct pl_seg steps[PL_FIXED] = {
            {.seq = base, .len = 1000, .tsval = 10},                       /* predicts */
            {.seq = base + 1000, .len = 460, .tsval = 11},                 /* confirms */
            {.seq = base + 1460, .len = 1460, .tsval = 12},                /* placed */
            {.seq = base + 2920, .len = 500, .tsval = 13, .sport = 40001}, /* other 4-tuple */
            {.seq = base + 2920, .len = 300, .tsval = 13},                 /* confirms */
            {.seq = base + 3220, .len = 700},                              /* other hdr len */
            {.seq = base + 5920, .len = 1000, .tsval = 14},                /* out of order */
            {.seq = base + 3920, .len = 2000, .tsval = 15},                /* OOO present */
            {.seq = base + 6920, .len = 800, .tsval = 2, .bad = true},     /* PAWS fails */
            {.seq = base + 506920, .len = 500, .tsval = 16, .bad = true},  /* out of window */
            {.seq = base + 6920, .len = 1460, .tsval = 17},                /* confirms */
        };
        unsigned i;

        for (i = 0; i < PL_FIXED; i++) {
                pl_send(&fx, &l, &steps[i]);
                pl_snap(&fx, t, &sn[i]);
        }
        /* 60 KB placed, then the ring filled to less than two segments of space and more
         * than that sent: it cannot all fit, so it is read plainly and trimmed to the window. */
        pl_send(&fx, &l, &(struct pl_seg){.seq = t->rcv_nxt, .len = 60000, .tsval = 18});
        pl_send(
            &fx, &l,
            &(struct pl_seg){.seq = t->rcv_nxt, .len = ring_space(&t->rcv) - 2000, .tsval = 19});
        pl_send(&fx, &l, &(struct pl_seg){.seq = t->rcv_nxt, .len = 2920, .tsval = 20});
        pl_snap(&fx, t, &sn[PL_FIXED]);
        /* The reader frees the front: the free space wraps, and a segment lands in both
         * pieces of it. */
        CU_ASSERT_EQUAL(sock_recv(fx.s, fx.sd, sink, sizeof(sink)), (ssize_t)sizeof(sink));
        tcpfx_drain(&fx);
        pl_send(&fx, &l, &(struct pl_seg){.seq = t->rcv_nxt, .len = 50000, .tsval = 21});
        pl_snap(&fx, t, &sn[PL_FIXED + 1]);
        pl_close(&fx, &l);
}

/* DESIGN.md 6: the same frames give the same connection, ring contents and replies with
 * placement as without; only the counters tell that the copy was saved. */
static void
rfc9293_3_10_7_4_placement_changes_nothing_but_the_copy(void)
{
        struct pl_snap a[PL_STEPS], b[PL_STEPS];
        /* Placed (committed in place) and missed (copied back) counts after each step. */
        static const uint64_t placed[PL_STEPS] = {0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 4};
        static const uint64_t miss[PL_STEPS] = {0, 0, 0, 1, 1, 2, 3, 3, 3, 4, 4, 5, 5};

        pl_scenario(&pl_plain_ops, a);
        pl_scenario(&pl_place_ops, b);
        for (unsigned i = 0; i < PL_STEPS; i++) {
                CU_ASSERT_EQUAL(a[i].rcv_nxt, b[i].rcv_nxt);
                CU_ASSERT_EQUAL(a[i].ring_len, b[i].ring_len);
                CU_ASSERT_EQUAL(a[i].n_ooo, b[i].n_ooo);
                CU_ASSERT_EQUAL(a[i].sent, b[i].sent);
                CU_ASSERT_EQUAL(a[i].n_sent, b[i].n_sent);
                CU_ASSERT_EQUAL(a[i].placed, 0);
                CU_ASSERT_EQUAL(a[i].miss, 0);
                CU_ASSERT_EQUAL(b[i].placed, placed[i]);
                CU_ASSERT_EQUAL(b[i].miss, miss[i]);
        }
}

/* The ring holds out-of-order bytes in its free space (tcp_reass.c): while it does, nothing
 * is read there, so a stray frame cannot overwrite them before the hole is filled. */
static void
rfc9293_3_10_7_4_no_placement_over_out_of_order_data(void)
{
        struct tcpfx fx;
        struct pl_link l;
        struct tcb *t = pl_open(&fx, &l, &pl_place_ops);
        uint32_t base = t->rcv_nxt;

        pl_send(&fx, &l, &(struct pl_seg){.seq = base, .len = 50, .tsval = 9});
        pl_send(&fx, &l, &(struct pl_seg){.seq = base + 50, .len = 50, .tsval = 10});
        pl_send(&fx, &l, &(struct pl_seg){.seq = base + 1560, .len = 1460, .tsval = 11});
        CU_ASSERT_EQUAL(t->n_ooo, 1);
        /* In order again (the prediction holds), the hole still open. */
        pl_send(&fx, &l, &(struct pl_seg){.seq = base + 100, .len = 100, .tsval = 12});
        CU_ASSERT_EQUAL(t->n_ooo, 1);
        CU_ASSERT_TRUE(fx.s->tcp->place_ok);
        /* Another connection's frame, long enough to cover the out-of-order bytes. */
        pl_send(&fx, &l,
                &(struct pl_seg){
                    .seq = base + 200, .len = 3000, .tsval = 13, .sport = 40001, .bad = true});
        pl_send(&fx, &l, &(struct pl_seg){.seq = base + 200, .len = 1360, .tsval = 14});
        CU_ASSERT_EQUAL(t->n_ooo, 0);
        CU_ASSERT_EQUAL(t->rcv_nxt, base + 3020);
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.rx_placed_segments"), 0);
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.rx_place_miss"), 1);
        pl_check_ring(t);
        pl_send(&fx, &l, &(struct pl_seg){.seq = base + 3020, .len = 1460, .tsval = 15});
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.rx_placed_segments"), 1);
        CU_ASSERT_EQUAL(t->rcv_nxt, base + 4480);
        pl_check_ring(t);
        pl_close(&fx, &l);
}

/* Freeing the predicted connection drops the prediction (no read into a freed ring). */
static void
placement_prediction_cleared_with_its_tcb(void)
{
        struct tcpfx fx;
        struct pl_link l;
        struct tcb *t = pl_open(&fx, &l, &pl_place_ops);

        pl_send(&fx, &l, &(struct pl_seg){.seq = t->rcv_nxt, .len = 100, .tsval = 10});
        CU_ASSERT_PTR_EQUAL(fx.s->tcp->place_tcb, t);
        sock_abort(fx.s, fx.sd);
        fx.sd = -1;
        tcpfx_poll(&fx);
        CU_ASSERT_PTR_NULL(fx.s->tcp->place_tcb);
        pl_close(&fx, &l);
}

void
suite_rx_place(void)
{
        CU_pSuite su = CU_add_suite("rx_place", NULL, NULL);

        CU_add_test(su, "rfc9293_3_10_7_4_placement_changes_nothing_but_the_copy",
                    rfc9293_3_10_7_4_placement_changes_nothing_but_the_copy);
        CU_add_test(su, "rfc9293_3_10_7_4_no_placement_over_out_of_order_data",
                    rfc9293_3_10_7_4_no_placement_over_out_of_order_data);
        CU_add_test(su, "placement_prediction_cleared_with_its_tcb",
                    placement_prediction_cleared_with_its_tcb);
}

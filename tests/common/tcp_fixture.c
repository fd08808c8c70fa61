/* TCP unit-test fixture: a capture-and-inject raw IPv4 link (lwIP tcp_helper idea) and
 * helpers that walk a real connection into each RFC 9293 state. */
#include "tests/common/tcp_fixture.h"

#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "stack/core/stack.h"
#include "stack/sock.h"
#include "stack/sock/sock.h"
#include "stack/wire/bytes.h"
#include "stack/wire/csum.h"
#include "stack/wire/icmp.h"

static int
fx_tx(void *ctx, const uint8_t *frame, size_t len)
{
        struct tcpfx *fx = ctx;
        struct tcpfx_queue *q = &fx->tx;
        struct tcpfx_frame *f;

        if (q->n == TCPFX_MAX_FRAMES || len > TCPFX_FRAME_MAX)
                return -ENOBUFS;
        f = &q->f[(q->head + q->n) % TCPFX_MAX_FRAMES];
        memcpy(f->buf, frame, len);
        f->len = len;
        q->n++;
        return 0;
}

static int
fx_rx(void *ctx, uint8_t *buf, size_t cap)
{
        struct tcpfx *fx = ctx;
        struct tcpfx_queue *q = &fx->rx;
        struct tcpfx_frame *f;
        size_t len;

        if (q->n == 0)
                return 0;
        f = &q->f[q->head];
        q->head = (q->head + 1) % TCPFX_MAX_FRAMES;
        q->n--;
        len = f->len < cap ? f->len : cap;
        memcpy(buf, f->buf, len);
        return (int)len;
}

static int
fx_fd(void *ctx)
{
        (void)ctx;
        return -1;
}

static const struct link_ops fx_ops = {.tx = fx_tx, .rx = fx_rx, .fd = fx_fd};

void
tcpfx_init(struct tcpfx *fx)
{
        tcpfx_init_trace(fx, NULL);
}

void
tcpfx_init_trace(struct tcpfx *fx, FILE *trace)
{
        struct stack_config cfg = {0};
        struct iface_config ic = {
            .name = "fx0", .type = LINK_RAW_IPV4, .addr = TCPFX_LOCAL, .prefix_len = 24};

        memset(fx, 0, sizeof(*fx));
        fx->clock.now_us = 1000000;
        cfg.clock = clock_manual(&fx->clock);
        cfg.seed = 42;
        cfg.log_level = LOG_ERROR;
        cfg.tcp_msl_ms = 1000; /* keep TIME-WAIT short in tests: 2 s */
        cfg.trace = trace != NULL;
        cfg.log_file = trace;
        fx->tx.f = calloc(TCPFX_MAX_FRAMES, sizeof(struct tcpfx_frame));
        fx->rx.f = calloc(TCPFX_MAX_FRAMES, sizeof(struct tcpfx_frame));
        fx->s = stack_create(&cfg);
        CU_ASSERT_PTR_NOT_NULL_FATAL(fx->s);
        CU_ASSERT_FATAL(stack_iface_add(fx->s, &ic, &fx_ops, fx) >= 0);
        fx->sd = fx->lsd = -1;
        fx->lport = TCPFX_LOCAL_PORT;
        fx->pport = TCPFX_PEER_PORT;
        fx->pwnd = 65535;
        fx->syn_opts.has_mss = true;
        fx->syn_opts.mss = 1460;
        stack_poll(fx->s);
}

void
tcpfx_fini(struct tcpfx *fx)
{
        stack_destroy(fx->s);
        free(fx->tx.f);
        free(fx->rx.f);
        fx->s = NULL;
}

void
tcpfx_poll(struct tcpfx *fx)
{
        stack_poll(fx->s);
}

void
tcpfx_advance(struct tcpfx *fx, uint64_t us)
{
        uint64_t end = fx->clock.now_us + us;

        /* Step through timer deadlines so each fires at its own time. */
        for (;;) {
                uint64_t d = stack_next_deadline_us(fx->s);
                if (d > end)
                        break;
                if (d > fx->clock.now_us)
                        fx->clock.now_us = d;
                stack_poll(fx->s);
        }
        fx->clock.now_us = end;
        stack_poll(fx->s);
}

static void
fx_queue_rx(struct tcpfx *fx, const uint8_t *frame, size_t len)
{
        struct tcpfx_queue *q = &fx->rx;
        struct tcpfx_frame *f;

        CU_ASSERT_FATAL(q->n < TCPFX_MAX_FRAMES && len <= TCPFX_FRAME_MAX);
        f = &q->f[(q->head + q->n) % TCPFX_MAX_FRAMES];
        memcpy(f->buf, frame, len);
        f->len = len;
        q->n++;
}

void
tcpfx_inject_tcp(struct tcpfx *fx, const uint8_t *tcp, size_t len, bool fix_csum)
{
        uint8_t frame[TCPFX_FRAME_MAX];
        struct ipv4_hdr ih = {.hdr_len = IPV4_HDR_LEN,
                              .total_len = (uint16_t)(IPV4_HDR_LEN + len),
                              .ttl = 64,
                              .tos = fx->ip_tos,
                              .proto = IPV4_PROTO_TCP,
                              .src = TCPFX_PEER,
                              .dst = TCPFX_LOCAL};

        CU_ASSERT_FATAL(len + IPV4_HDR_LEN <= sizeof(frame));
        ipv4_hdr_emit(&ih, frame);
        memcpy(frame + IPV4_HDR_LEN, tcp, len);
        if (fix_csum && len >= TCP_HDR_LEN) {
                uint8_t *t = frame + IPV4_HDR_LEN;
                uint32_t sum = csum_pseudo(TCPFX_PEER, TCPFX_LOCAL, IPV4_PROTO_TCP, (uint16_t)len);
                put16(t + 16, 0);
                put16(t + 16, csum_fold(csum_partial(t, len, sum)));
        }
        fx_queue_rx(fx, frame, IPV4_HDR_LEN + len);
        if (fx->input_only)
                stack_poll_input(fx->s);
        else
                stack_poll(fx->s);
}

void
tcpfx_trace_text(FILE *f, char *text, size_t cap)
{
        size_t n;

        fflush(f);
        rewind(f);
        n = fread(text, 1, cap - 1, f);
        text[n] = 0;
}

void
tcpfx_inject_icmp_error(struct tcpfx *fx, uint8_t type, uint8_t code, uint32_t word,
                        const struct tcpfx_seg *g)
{
        uint8_t frame[IPV4_HDR_LEN + ICMP_HDR_LEN + 60 + 8];
        size_t qlen = (size_t)g->ip.hdr_len + 8;
        struct ipv4_hdr ih = {.hdr_len = IPV4_HDR_LEN,
                              .total_len = (uint16_t)(IPV4_HDR_LEN + ICMP_HDR_LEN + qlen),
                              .ttl = 64,
                              .proto = IPV4_PROTO_ICMP,
                              .src = TCPFX_ROUTER,
                              .dst = TCPFX_LOCAL};
        struct icmp_hdr icmp = {
            .type = type, .code = code, .id = (uint16_t)(word >> 16), .seq = (uint16_t)word};

        ipv4_hdr_emit(&ih, frame);
        memcpy(frame + IPV4_HDR_LEN + ICMP_HDR_LEN, g->raw, qlen);
        icmp_hdr_emit(&icmp, frame + IPV4_HDR_LEN, qlen);
        fx_queue_rx(fx, frame, ih.total_len);
        stack_poll(fx->s);
}

void
tcpfx_send(struct tcpfx *fx, uint8_t flags, uint32_t seq, uint32_t ack, const void *data,
           size_t len, const struct tcp_opts *opts)
{
        uint8_t seg[TCPFX_FRAME_MAX];
        struct tcp_hdr h = {.sport = fx->pport,
                            .dport = fx->lport,
                            .seq = seq,
                            .ack = ack,
                            .flags = flags,
                            .wnd = fx->pwnd};
        size_t hl;

        if (opts)
                h.opts = *opts;
        hl = TCP_HDR_LEN + tcp_opts_len(&h.opts);
        CU_ASSERT_FATAL(hl + len + IPV4_HDR_LEN <= TCPFX_FRAME_MAX);
        if (len)
                memcpy(seg + hl, data, len);
        tcp_hdr_emit(&h, seg, len, TCPFX_PEER, TCPFX_LOCAL);
        tcpfx_inject_tcp(fx, seg, hl + len, false);
}

void
tcpfx_send_next(struct tcpfx *fx, uint8_t flags, const void *data, size_t len)
{
        tcpfx_send(fx, flags, fx->pseq, fx->pack, data, len, NULL);
        fx->pseq += (uint32_t)len + ((flags & TCP_SYN) ? 1u : 0u) + ((flags & TCP_FIN) ? 1u : 0u);
}

bool
tcpfx_take(struct tcpfx *fx, struct tcpfx_seg *g)
{
        struct tcpfx_queue *q = &fx->tx;
        struct tcpfx_frame *f;
        int hl;

        while (q->n) {
                f = &q->f[q->head];
                q->head = (q->head + 1) % TCPFX_MAX_FRAMES;
                q->n--;
                memcpy(g->raw, f->buf, f->len);
                if (ipv4_hdr_parse(g->raw, f->len, &g->ip, NULL) < 0 ||
                    g->ip.proto != IPV4_PROTO_TCP)
                        continue;
                hl = tcp_hdr_parse(g->raw + g->ip.hdr_len, g->ip.total_len - g->ip.hdr_len, &g->h);
                CU_ASSERT_FATAL(hl >= 0);
                CU_ASSERT(tcp_csum_ok(g->raw + g->ip.hdr_len, g->ip.total_len - g->ip.hdr_len,
                                      g->ip.src, g->ip.dst));
                g->data = g->raw + g->ip.hdr_len + hl;
                g->len = g->ip.total_len - g->ip.hdr_len - (size_t)hl;
                return true;
        }
        return false;
}

unsigned
tcpfx_drain(struct tcpfx *fx)
{
        unsigned n = fx->tx.n;

        fx->tx.n = 0;
        return n;
}

unsigned
tcpfx_pending(const struct tcpfx *fx)
{
        return fx->tx.n;
}

struct tcb *
tcpfx_tcb(struct tcpfx *fx)
{
        if (fx->sd >= 0) {
                struct sock *so = sock_get(fx->s, fx->sd);
                return so ? so->tcb : NULL;
        }
        return tcb_lookup(fx->s, TCPFX_LOCAL, fx->lport, TCPFX_PEER, fx->pport);
}

unsigned
tcpfx_tcb_count(const struct tcpfx *fx)
{
        return fx->s->tcp->n_tcbs;
}

void
tcpfx_quote_syn(const struct tcpfx *fx, uint8_t q[8])
{
        q[0] = (uint8_t)(fx->lport >> 8);
        q[1] = (uint8_t)fx->lport;
        q[2] = (uint8_t)(fx->pport >> 8);
        q[3] = (uint8_t)fx->pport;
        q[4] = (uint8_t)(fx->iss >> 24);
        q[5] = (uint8_t)(fx->iss >> 16);
        q[6] = (uint8_t)(fx->iss >> 8);
        q[7] = (uint8_t)fx->iss;
}

static void
fx_expect(struct tcpfx *fx, uint8_t flags, struct tcpfx_seg *g)
{
        CU_ASSERT_FATAL(tcpfx_take(fx, g));
        CU_ASSERT_EQUAL_FATAL(g->h.flags & ~TCP_PSH, flags);
}

static void
fx_listen(struct tcpfx *fx)
{
        struct sock_addr a = {.ip = 0, .port = fx->lport};

        fx->lsd = sock_open(fx->s, SOCK_TYPE_TCP);
        CU_ASSERT_FATAL(fx->lsd >= 0);
        CU_ASSERT_FATAL(sock_bind(fx->s, fx->lsd, &a) == 0);
        CU_ASSERT_FATAL(sock_listen(fx->s, fx->lsd, 8) == 0);
}

static void
fx_passive(struct tcpfx *fx)
{
        struct tcpfx_seg g;

        fx_listen(fx);
        fx->pseq = TCPFX_PEER_ISS;
        tcpfx_send(fx, TCP_SYN, fx->pseq, 0, NULL, 0, &fx->syn_opts);
        fx->pseq++;
        fx_expect(fx, TCP_SYN | TCP_ACK, &g);
        fx->iss = g.h.seq;
        fx->pack = g.h.seq + 1;
        CU_ASSERT_EQUAL(g.h.ack, fx->pseq);
}

static void
fx_active(struct tcpfx *fx, bool complete)
{
        struct sock_addr peer = {.ip = TCPFX_PEER, .port = fx->pport};
        struct tcpfx_seg g;

        fx->sd = sock_open(fx->s, SOCK_TYPE_TCP);
        CU_ASSERT_FATAL(fx->sd >= 0);
        CU_ASSERT_FATAL(sock_connect(fx->s, fx->sd, &peer) == 0);
        tcpfx_poll(fx);
        fx_expect(fx, TCP_SYN, &g);
        fx->lport = g.h.sport;
        fx->iss = g.h.seq;
        fx->pack = g.h.seq + 1;
        fx->pseq = TCPFX_PEER_ISS;
        if (!complete)
                return;
        tcpfx_send(fx, TCP_SYN | TCP_ACK, fx->pseq, fx->pack, NULL, 0, &fx->syn_opts);
        fx->pseq++;
        fx_expect(fx, TCP_ACK, &g);
}

static void
fx_close_ours(struct tcpfx *fx)
{
        struct tcpfx_seg g;

        CU_ASSERT_FATAL(sock_shutdown(fx->s, fx->sd, SHUT_WR) == 0);
        fx_expect(fx, TCP_FIN | TCP_ACK, &g);
}

struct tcb *
tcpfx_open(struct tcpfx *fx, enum tcp_conn_state st)
{
        struct tcpfx_seg g;

        switch (st) {
        case TCP_LISTEN:
                fx_listen(fx);
                return sock_get(fx->s, fx->lsd)->tcb;
        case TCP_SYN_RECEIVED:
                fx_passive(fx);
                break;
        case TCP_SYN_SENT:
                fx_active(fx, false);
                break;
        case TCP_CLOSED:
                fx_active(fx, true);
                tcpfx_send(fx, TCP_RST, fx->pseq, 0, NULL, 0, NULL);
                break;
        case TCP_ESTABLISHED:
        case TCP_CLOSE_WAIT:
        case TCP_LAST_ACK:
                fx_active(fx, true);
                if (st == TCP_ESTABLISHED)
                        break;
                tcpfx_send_next(fx, TCP_FIN | TCP_ACK, NULL, 0);
                fx_expect(fx, TCP_ACK, &g);
                if (st == TCP_LAST_ACK)
                        fx_close_ours(fx);
                break;
        default: /* FIN-WAIT-1, FIN-WAIT-2, CLOSING, TIME-WAIT */
                fx_active(fx, true);
                fx_close_ours(fx);
                if (st == TCP_CLOSING) {
                        tcpfx_send_next(fx, TCP_FIN | TCP_ACK, NULL, 0);
                        fx_expect(fx, TCP_ACK, &g);
                        break;
                }
                if (st == TCP_FIN_WAIT_1)
                        break;
                fx->pack++; /* the peer acknowledges our FIN */
                tcpfx_send(fx, TCP_ACK, fx->pseq, fx->pack, NULL, 0, NULL);
                if (st == TCP_TIME_WAIT) {
                        tcpfx_send_next(fx, TCP_FIN | TCP_ACK, NULL, 0);
                        fx_expect(fx, TCP_ACK, &g);
                }
                break;
        }
        CU_ASSERT_PTR_NOT_NULL_FATAL(tcpfx_tcb(fx));
        CU_ASSERT_EQUAL_FATAL(tcpfx_tcb(fx)->state, st);
        return tcpfx_tcb(fx);
}

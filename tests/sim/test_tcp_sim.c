/* TCP between two stacks over simlink on a manual clock (ARCHITECTURE.md "In-process"):
 * handshake, data both ways, every close order, simultaneous open, bulk transfer under loss,
 * reordering and duplication over many seeds, zero window, TIME-WAIT expiry, no leaks. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "stack/core/stack.h"
#include "stack/net/arp.h"
#include "stack/sock.h"
#include "stack/tcp/tcb.h"
#include "tests/common/simnet.h"

#define SIM_PORT 7
#define SIM_MSL_MS 1000

struct state_log {
        int to[64];
        unsigned n;
};

static void
log_state(void *ctx, const struct trace_event *ev)
{
        struct state_log *l = ctx;

        if (ev->kind == TRACE_TCP_STATE && l->n < 64)
                l->to[l->n++] = ev->to;
}

static struct simnet *
sim_new(uint64_t seed, const struct simlink_impair *im)
{
        struct simnet_config cfg = {.seed = seed};
        struct simnet *net;

        cfg.base.tcp_msl_ms = SIM_MSL_MS;
        cfg.base.log_level = LOG_ERROR;
        net = simnet_create(&cfg);
        CU_ASSERT_PTR_NOT_NULL_FATAL(net);
        if (im) {
                simlink_set_impair(net->link, SIMLINK_A, im);
                simlink_set_impair(net->link, SIMLINK_B, im);
        }
        return net;
}

struct accept_ctx {
        struct stack *s;
        int lsd, sd;
        struct stack *cs;
        int csd;
};

static bool
accepted(void *ctx)
{
        struct accept_ctx *a = ctx;

        if (a->sd < 0)
                a->sd = sock_accept(a->s, a->lsd, NULL);
        return a->sd >= 0 && (sock_events(a->cs, a->csd) & SOCK_WRITABLE);
}

/* A (client) connects to B (server); returns the two connected handles. */
static void
sim_connect(struct simnet *net, int *csd, int *ssd, int *lsd)
{
        struct sock_addr any = {.port = SIM_PORT};
        struct sock_addr srv = {.ip = SIMNET_ADDR_B, .port = SIM_PORT};
        struct accept_ctx a = {.s = net->b, .sd = -1, .cs = net->a};

        a.lsd = sock_open(net->b, SOCK_TYPE_TCP);
        CU_ASSERT_FATAL(sock_bind(net->b, a.lsd, &any) == 0);
        CU_ASSERT_FATAL(sock_listen(net->b, a.lsd, 4) == 0);
        a.csd = sock_open(net->a, SOCK_TYPE_TCP);
        CU_ASSERT_FATAL(sock_connect(net->a, a.csd, &srv) == 0);
        CU_ASSERT_FATAL(simnet_run_until(net, accepted, &a, 60000000) == 0);
        *csd = a.csd;
        *ssd = a.sd;
        *lsd = a.lsd;
}

static uint8_t
pattern(uint64_t i, uint32_t salt)
{
        return (uint8_t)((i * 131u + (i >> 9) + salt) & 0xff);
}

/* One direction of a transfer: tx writes a pattern, rx checks it. */
struct flow {
        struct stack *tx_s, *rx_s;
        int tx_sd, rx_sd;
        uint64_t total, sent, rcvd;
        uint32_t salt;
        bool close_after, closed, eof, bad;
        bool rx_paused;
};

static void
flow_send(struct flow *f)
{
        uint8_t buf[8192];

        while (f->sent < f->total) {
                size_t n =
                    f->total - f->sent < sizeof(buf) ? (size_t)(f->total - f->sent) : sizeof(buf);
                ssize_t r;
                for (size_t i = 0; i < n; i++)
                        buf[i] = pattern(f->sent + i, f->salt);
                r = sock_send(f->tx_s, f->tx_sd, buf, n);
                if (r <= 0)
                        break;
                f->sent += (uint64_t)r;
        }
        if (f->sent == f->total && f->close_after && !f->closed) {
                CU_ASSERT(sock_shutdown(f->tx_s, f->tx_sd, SHUT_WR) == 0);
                f->closed = true;
        }
}

static void
flow_recv(struct flow *f)
{
        uint8_t buf[8192];
        ssize_t r;

        while (!f->rx_paused && (r = sock_recv(f->rx_s, f->rx_sd, buf, sizeof(buf))) != -EAGAIN) {
                if (r <= 0) {
                        f->eof = r == 0;
                        f->bad |= r < 0;
                        return;
                }
                for (ssize_t i = 0; i < r; i++)
                        f->bad |= buf[i] != pattern(f->rcvd + (uint64_t)i, f->salt);
                f->rcvd += (uint64_t)r;
        }
}

static bool
flow_done(const struct flow *f)
{
        return f->close_after ? f->eof : f->rcvd == f->total;
}

struct flows {
        struct flow f[2];
        unsigned n;
};

static bool
flows_step(void *ctx)
{
        struct flows *fs = ctx;
        bool done = true;

        for (unsigned i = 0; i < fs->n; i++) {
                flow_send(&fs->f[i]);
                flow_recv(&fs->f[i]);
                done &= flow_done(&fs->f[i]);
        }
        return done;
}

static unsigned
tcb_count(struct stack *s)
{
        return s->tcp->n_tcbs;
}

static void
sim_tcp_handshake_data_both_ways_and_close(void)
{
        struct simnet *net = sim_new(1, NULL);
        struct state_log la = {0};
        struct flows fs = {.n = 2};
        int csd, ssd, lsd;
        static const int client_states[] = {TCP_SYN_SENT,   TCP_ESTABLISHED, TCP_FIN_WAIT_1,
                                            TCP_FIN_WAIT_2, TCP_TIME_WAIT,   TCP_CLOSED};

        stack_set_trace_cb(net->a, log_state, &la);
        sim_connect(net, &csd, &ssd, &lsd);
        fs.f[0] = (struct flow){.tx_s = net->a,
                                .tx_sd = csd,
                                .rx_s = net->b,
                                .rx_sd = ssd,
                                .total = 300000,
                                .salt = 1,
                                .close_after = true};
        fs.f[1] = (struct flow){
            .tx_s = net->b, .tx_sd = ssd, .rx_s = net->a, .rx_sd = csd, .total = 200000, .salt = 2};
        CU_ASSERT_FATAL(simnet_run_until(net, flows_step, &fs, 60000000) == 0);
        CU_ASSERT_FALSE(fs.f[0].bad || fs.f[1].bad);
        /* B closes after A's FIN: A goes through FIN-WAIT-2 to TIME-WAIT. */
        CU_ASSERT(sock_events(net->b, ssd) & SOCK_READABLE);
        sock_close(net->b, ssd);
        simnet_run_for(net, 500000);
        CU_ASSERT(sock_events(net->a, csd) & SOCK_HUP);
        sock_close(net->a, csd);
        sock_close(net->b, lsd);
        simnet_run_for(net, 2 * SIM_MSL_MS * 1000 + 100000);
        CU_ASSERT_EQUAL(tcb_count(net->a), 0);
        CU_ASSERT_EQUAL(tcb_count(net->b), 0);
        CU_ASSERT_EQUAL(la.n, 6);
        for (unsigned i = 0; i < 6 && i < la.n; i++)
                CU_ASSERT_EQUAL(la.to[i], client_states[i]);
        CU_ASSERT_EQUAL(simnet_destroy(net), 0);
}

struct both_closed {
        struct stack *a, *b;
        int asd, bsd;
};

static bool
both_hup(void *ctx)
{
        struct both_closed *c = ctx;

        return (sock_events(c->a, c->asd) & SOCK_HUP) && (sock_events(c->b, c->bsd) & SOCK_HUP);
}

/* Close orders: 0 client first, 1 server first, 2 simultaneous (CLOSING on both). */
static void
sim_close_order(int order)
{
        struct simnet *net = sim_new(2 + (uint64_t)order, NULL);
        struct simlink_impair slow = {.delay_us = 10000};
        struct both_closed c;
        struct state_log la = {0}, lb = {0};
        int csd, ssd, lsd;

        simlink_set_impair(net->link, SIMLINK_A, &slow);
        simlink_set_impair(net->link, SIMLINK_B, &slow);
        sim_connect(net, &csd, &ssd, &lsd);
        stack_set_trace_cb(net->a, log_state, &la);
        stack_set_trace_cb(net->b, log_state, &lb);
        if (order != 1)
                sock_shutdown(net->a, csd, SHUT_WR);
        if (order != 0)
                sock_shutdown(net->b, ssd, SHUT_WR);
        if (order == 0) {
                simnet_run_for(net, 100000);
                sock_shutdown(net->b, ssd, SHUT_WR);
        } else if (order == 1) {
                simnet_run_for(net, 100000);
                sock_shutdown(net->a, csd, SHUT_WR);
        }
        c = (struct both_closed){.a = net->a, .b = net->b, .asd = csd, .bsd = ssd};
        CU_ASSERT(simnet_run_until(net, both_hup, &c, 10000000) == 0);
        if (order == 2) {
                CU_ASSERT(la.n >= 2 && la.to[1] == TCP_CLOSING);
                CU_ASSERT(lb.n >= 2 && lb.to[1] == TCP_CLOSING);
        } else {
                struct state_log *passive = order == 0 ? &lb : &la;
                CU_ASSERT(passive->n >= 2 && passive->to[0] == TCP_CLOSE_WAIT &&
                          passive->to[1] == TCP_LAST_ACK);
        }
        sock_close(net->a, csd);
        sock_close(net->b, ssd);
        sock_close(net->b, lsd);
        simnet_run_for(net, 2 * SIM_MSL_MS * 1000 + 100000);
        CU_ASSERT_EQUAL(tcb_count(net->a), 0);
        CU_ASSERT_EQUAL(tcb_count(net->b), 0);
        CU_ASSERT_EQUAL(simnet_destroy(net), 0);
}

static void
sim_tcp_close_client_first(void)
{
        sim_close_order(0);
}

static void
sim_tcp_close_server_first(void)
{
        sim_close_order(1);
}

static void
sim_tcp_close_simultaneous_closing(void)
{
        sim_close_order(2);
}

static bool
both_established(void *ctx)
{
        struct both_closed *c = ctx;

        return (sock_events(c->a, c->asd) & SOCK_WRITABLE) &&
               (sock_events(c->b, c->bsd) & SOCK_WRITABLE);
}

static void
sim_tcp_simultaneous_open(void)
{
        struct simnet *net = sim_new(5, NULL);
        struct simlink_impair slow = {.delay_us = 20000};
        struct sock_addr la = {.port = 5000}, lb = {.port = 6000};
        struct sock_addr ra = {.ip = SIMNET_ADDR_B, .port = 6000};
        struct sock_addr rb = {.ip = SIMNET_ADDR_A, .port = 5000};
        struct both_closed c = {.a = net->a, .b = net->b};
        struct state_log l = {0};

        simlink_set_impair(net->link, SIMLINK_A, &slow);
        simlink_set_impair(net->link, SIMLINK_B, &slow);
        simnet_run_for(net, 100000); /* ARP settles first */
        stack_set_trace_cb(net->a, log_state, &l);
        c.asd = sock_open(net->a, SOCK_TYPE_TCP);
        c.bsd = sock_open(net->b, SOCK_TYPE_TCP);
        CU_ASSERT(sock_bind(net->a, c.asd, &la) == 0);
        CU_ASSERT(sock_bind(net->b, c.bsd, &lb) == 0);
        CU_ASSERT(sock_connect(net->a, c.asd, &ra) == 0);
        CU_ASSERT(sock_connect(net->b, c.bsd, &rb) == 0);
        CU_ASSERT(simnet_run_until(net, both_established, &c, 10000000) == 0);
        CU_ASSERT(l.n >= 3 && l.to[0] == TCP_SYN_SENT && l.to[1] == TCP_SYN_RECEIVED &&
                  l.to[2] == TCP_ESTABLISHED);
        sock_abort(net->a, c.asd);
        sock_abort(net->b, c.bsd);
        simnet_run_for(net, 100000);
        CU_ASSERT_EQUAL(tcb_count(net->a) + tcb_count(net->b), 0);
        CU_ASSERT_EQUAL(simnet_destroy(net), 0);
}

/* Bulk transfer, both directions at once, intact under 5% loss, reordering and duplication. */
static void
sim_bulk_one_seed(uint64_t seed, uint64_t bytes)
{
        struct simlink_impair bad = {.delay_us = 2000,
                                     .jitter_us = 500,
                                     .loss_ppm = 50000,
                                     .reorder_ppm = 50000,
                                     .reorder_us = 3000,
                                     .dup_ppm = 20000};
        struct simnet *net = sim_new(seed, NULL);
        struct flows fs = {.n = 2};
        int csd, ssd, lsd;

        sim_connect(net, &csd, &ssd, &lsd);
        simlink_set_impair(net->link, SIMLINK_A, &bad);
        simlink_set_impair(net->link, SIMLINK_B, &bad);
        fs.f[0] = (struct flow){.tx_s = net->a,
                                .tx_sd = csd,
                                .rx_s = net->b,
                                .rx_sd = ssd,
                                .total = bytes,
                                .salt = (uint32_t)seed,
                                .close_after = true};
        fs.f[1] = (struct flow){.tx_s = net->b,
                                .tx_sd = ssd,
                                .rx_s = net->a,
                                .rx_sd = csd,
                                .total = bytes / 4,
                                .salt = (uint32_t)seed * 7,
                                .close_after = true};
        CU_ASSERT(simnet_run_until(net, flows_step, &fs, 600000000) == 0);
        CU_ASSERT_FALSE(fs.f[0].bad || fs.f[1].bad);
        CU_ASSERT_EQUAL(fs.f[0].rcvd, bytes);
        CU_ASSERT_EQUAL(fs.f[1].rcvd, bytes / 4);
        if (fs.f[0].bad || fs.f[0].rcvd != bytes)
                fprintf(stderr, "seed %llu: got %llu of %llu\n", (unsigned long long)seed,
                        (unsigned long long)fs.f[0].rcvd, (unsigned long long)bytes);
        sock_close(net->a, csd);
        sock_close(net->b, ssd);
        sock_close(net->b, lsd);
        simnet_run_for(net, 60000000);
        CU_ASSERT_EQUAL(tcb_count(net->a), 0);
        CU_ASSERT_EQUAL(tcb_count(net->b), 0);
        CU_ASSERT_EQUAL(simnet_destroy(net), 0);
}

/* 50 seeds x (1 MiB + 256 KiB): over 60 MB through the faulty link in all. */
static void
sim_tcp_bulk_under_loss_reorder_dup_many_seeds(void)
{
        for (uint64_t seed = 100; seed < 150; seed++)
                sim_bulk_one_seed(seed, 1u << 20);
}

static void
sim_tcp_bulk_8mb_one_seed(void)
{
        sim_bulk_one_seed(7, 8u << 20);
}

struct pause_ctx {
        struct flows fs;
        struct simnet *net;
        uint64_t resume_us;
};

static bool
paused_step(void *ctx)
{
        struct pause_ctx *p = ctx;

        p->fs.f[0].rx_paused = simnet_now_us(p->net) < p->resume_us;
        return flows_step(&p->fs);
}

static void
sim_tcp_zero_window_persist_then_drain(void)
{
        struct simnet *net = sim_new(9, NULL);
        struct pause_ctx p = {.net = net};
        int csd, ssd, lsd;

        sim_connect(net, &csd, &ssd, &lsd);
        p.fs.n = 1;
        p.fs.f[0] = (struct flow){.tx_s = net->a,
                                  .tx_sd = csd,
                                  .rx_s = net->b,
                                  .rx_sd = ssd,
                                  .total = 1u << 20,
                                  .salt = 3,
                                  .close_after = true};
        p.resume_us = simnet_now_us(net) + 30000000; /* the reader sleeps 30 s */
        CU_ASSERT(simnet_run_until(net, paused_step, &p, 120000000) == 0);
        CU_ASSERT_FALSE(p.fs.f[0].bad);
        CU_ASSERT_EQUAL(p.fs.f[0].rcvd, 1u << 20);
        sock_close(net->a, csd);
        sock_close(net->b, ssd);
        sock_close(net->b, lsd);
        simnet_run_for(net, 5000000);
        CU_ASSERT_EQUAL(tcb_count(net->a) + tcb_count(net->b), 0);
        CU_ASSERT_EQUAL(simnet_destroy(net), 0);
}

static void
sim_tcp_connect_refused_closed_port(void)
{
        struct simnet *net = sim_new(11, NULL);
        struct sock_addr srv = {.ip = SIMNET_ADDR_B, .port = 9};
        int sd = sock_open(net->a, SOCK_TYPE_TCP);

        CU_ASSERT(sock_connect(net->a, sd, &srv) == 0);
        simnet_run_for(net, 1000000);
        CU_ASSERT(sock_events(net->a, sd) & SOCK_ERROR);
        CU_ASSERT_EQUAL(sock_error(net->a, sd), -ECONNREFUSED);
        sock_close(net->a, sd);
        simnet_run_for(net, 1000);
        CU_ASSERT_EQUAL(tcb_count(net->a), 0);
        CU_ASSERT_EQUAL(simnet_destroy(net), 0);
}

struct urgent_ctx {
        struct stack *s;
        int sd;
};

static bool
urgent_seen(void *ctx)
{
        const struct urgent_ctx *u = ctx;

        return (sock_events(u->s, u->sd) & SOCK_URGENT) != 0;
}

/* MUST-30..33 end to end: A sends ordinary then urgent data of more than one segment; B is
 * told asynchronously (SOCK_URGENT), learns how much is urgent, and reads it all inline. */
static void
sim_tcp_urgent_data_between_two_stacks(void)
{
        struct simnet *net = sim_new(7, NULL);
        static char urg[3000], buf[4096];
        size_t got = 0;
        struct urgent_ctx u;
        int csd, ssd, lsd, v = 0;
        ssize_t r;

        sim_connect(net, &csd, &ssd, &lsd);
        memset(urg, '!', sizeof(urg));
        CU_ASSERT_EQUAL(sock_send(net->a, csd, "hello", 5), 5);
        CU_ASSERT_EQUAL(sock_send_urgent(net->a, csd, urg, sizeof(urg)), (ssize_t)sizeof(urg));
        u = (struct urgent_ctx){.s = net->b, .sd = ssd};
        CU_ASSERT_FATAL(simnet_run_until(net, urgent_seen, &u, 5000000) == 0);
        simnet_run_for(net, 500000);
        CU_ASSERT_EQUAL(sock_getopt(net->b, ssd, SOCK_OPT_URGENT_LEN, &v), 0);
        CU_ASSERT_EQUAL(v, 5 + (int)sizeof(urg));
        while ((r = sock_recv(net->b, ssd, buf + got, sizeof(buf) - got)) > 0)
                got += (size_t)r;
        CU_ASSERT_EQUAL(got, 5 + sizeof(urg));
        CU_ASSERT_EQUAL(memcmp(buf, "hello!!", 7), 0);
        CU_ASSERT_FALSE(sock_events(net->b, ssd) & SOCK_URGENT);
        sock_abort(net->a, csd);
        sock_abort(net->b, ssd);
        sock_close(net->b, lsd);
        simnet_run_for(net, 100000);
        simnet_destroy(net);
}

/* Drops every IPv4 frame A sends (ethertype 0x0800 at offset 12), passes ARP. */
static bool
drop_ipv4_from_a(void *ctx, enum simlink_end from, uint8_t *frame, size_t len)
{
        (void)ctx;
        return !(from == SIMLINK_A && len > 14 && frame[12] == 0x08 && frame[13] == 0x00);
}

/* RFC 9293 MUST-20 (RFC 1122 4.2.3.5): after R1 = 3 retransmissions TCP gives the IP layer
 * negative advice; here the next hop's ARP entry is forgotten and asked for again, and the
 * connection recovers once the path works. */
static void
sim_tcp_r1_negative_advice_reresolves_next_hop(void)
{
        struct simnet *net = sim_new(11, NULL);
        uint8_t mac[6], buf[16];
        uint64_t arp_before;
        int csd, ssd, lsd;

        sim_connect(net, &csd, &ssd, &lsd);
        CU_ASSERT_EQUAL(arp_lookup(net->a, SIMNET_ADDR_B, mac), 0);
        arp_before = stack_counter_get(net->a, "arp.requests_sent");
        simlink_set_filter(net->link, drop_ipv4_from_a, NULL);
        CU_ASSERT_EQUAL(sock_send(net->a, csd, "ping", 4), 4);
        simnet_run_for(net, 6500000); /* RTO 1, 2, 4 s: the third timeout at about 7 s */
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "tcp.r1_negative_advice"), 0);
        simnet_run_for(net, 1000000);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "tcp.r1_negative_advice"), 1);
        CU_ASSERT(stack_counter_get(net->a, "arp.requests_sent") > arp_before);
        simlink_set_filter(net->link, NULL, NULL);
        simnet_run_for(net, 20000000);
        CU_ASSERT_EQUAL(arp_lookup(net->a, SIMNET_ADDR_B, mac), 0);
        CU_ASSERT_EQUAL(sock_recv(net->b, ssd, buf, sizeof(buf)), 4);
        sock_abort(net->a, csd);
        sock_abort(net->b, ssd);
        sock_close(net->b, lsd);
        simnet_run_for(net, 100000);
        simnet_destroy(net);
}

void
suite_tcp_sim(void)
{
        CU_pSuite su = CU_add_suite("tcp_sim", NULL, NULL);

        CU_add_test(su, "sim_tcp_handshake_data_both_ways_and_close",
                    sim_tcp_handshake_data_both_ways_and_close);
        CU_add_test(su, "sim_tcp_urgent_data_between_two_stacks",
                    sim_tcp_urgent_data_between_two_stacks);
        CU_add_test(su, "sim_tcp_r1_negative_advice_reresolves_next_hop",
                    sim_tcp_r1_negative_advice_reresolves_next_hop);
        CU_add_test(su, "sim_tcp_close_client_first", sim_tcp_close_client_first);
        CU_add_test(su, "sim_tcp_close_server_first", sim_tcp_close_server_first);
        CU_add_test(su, "sim_tcp_close_simultaneous_closing", sim_tcp_close_simultaneous_closing);
        CU_add_test(su, "sim_tcp_simultaneous_open", sim_tcp_simultaneous_open);
        CU_add_test(su, "sim_tcp_connect_refused_closed_port", sim_tcp_connect_refused_closed_port);
        CU_add_test(su, "sim_tcp_zero_window_persist_then_drain",
                    sim_tcp_zero_window_persist_then_drain);
        CU_add_test(su, "sim_tcp_bulk_under_loss_reorder_dup_many_seeds",
                    sim_tcp_bulk_under_loss_reorder_dup_many_seeds);
        CU_add_test(su, "sim_tcp_bulk_8mb_one_seed", sim_tcp_bulk_8mb_one_seed);
}

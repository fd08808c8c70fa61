/* TCP attacks between two simulated stacks (issue 6 item 4): a spoofed SYN flood while a real
 * client connects (RFC 4987), and blind RST/SYN/data injection during a transfer (RFC 5961
 * 3-5). The attacker injects crafted frames straight into the victim's end of the link. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "stack/core/rand.h"
#include "stack/core/stack.h"
#include "stack/sock.h"
#include "stack/tcp/tcb.h"
#include "stack/wire/ipv4.h"
#include "stack/wire/tcp.h"
#include "tests/common/simnet.h"

#define ATK_PORT 80
#define ATK_MSL_MS 1000
#define ATK_FLOOD_PER_MS 5 /* 5,000 spoofed SYNs per second */
#define ATK_FLOOD_MS 20000 /* for 20 s: 100,000 SYNs */
/* Half-open children the victim may hold (stack_config.tcp_synq_max). */
#define ATK_SYNQ_BOUND 128
#define ATK_CONNECT_MAX_US 5000000u /* a real client gets in within 5 s despite the flood */

/* A TCP segment src:sport -> dst:dport in an Ethernet frame for end to (valid checksums). */
static size_t
atk_build_tcp(uint8_t *buf, size_t cap, enum simlink_end to, uint32_t src, uint32_t dst,
              const struct tcp_hdr *h, const void *data, size_t len)
{
        uint8_t seg[1600];
        struct simnet_ipv4 ip = {.src = src, .dst = dst, .proto = IPV4_PROTO_TCP};
        size_t hl = TCP_HDR_LEN + tcp_opts_len(&h->opts);

        if (hl + len > sizeof(seg))
                return 0;
        if (len)
                memcpy(seg + hl, data, len);
        tcp_hdr_emit(h, seg, len, src, dst);
        return simnet_build_ipv4(buf, cap, to, &ip, seg, hl + len);
}

static struct simnet *
atk_net(uint64_t seed, uint32_t gw_b)
{
        struct simnet_config cfg = {.seed = seed, .gw_b = gw_b};
        struct simnet *net;

        cfg.base.tcp_msl_ms = ATK_MSL_MS;
        cfg.base.tcp_synq_max = ATK_SYNQ_BOUND;
        cfg.base.log_level = LOG_ERROR;
        net = simnet_create(&cfg);
        CU_ASSERT_PTR_NOT_NULL_FATAL(net);
        return net;
}

/* Bytes the victim holds for half-open connections: TCBs and their rings. */
static size_t
atk_half_open_bytes(const struct stack *s)
{
        size_t n = 0;

        for (const struct tcb *t = s->tcp->all; t; t = t->all_next)
                if (t->state == TCP_SYN_RECEIVED)
                        n += sizeof(*t) + t->snd.cap + t->rcv.cap;
        return n;
}

static int
atk_listen(struct stack *s, int backlog)
{
        struct sock_addr any = {.port = ATK_PORT};
        int lsd = sock_open(s, SOCK_TYPE_TCP);

        CU_ASSERT_FATAL(sock_bind(s, lsd, &any) == 0);
        CU_ASSERT_FATAL(sock_listen(s, lsd, backlog) == 0);
        return lsd;
}

/* ATK_FLOOD_PER_MS SYNs from random off-link sources (RFC 5737 TEST-NET-2/3) into B. */
static void
atk_syn_burst(struct simnet *net, struct rng *g)
{
        uint8_t frame[128];

        for (int i = 0; i < ATK_FLOOD_PER_MS; i++) {
                uint32_t src = (rng_below(g, 2) ? 0xc6336400u : 0xcb007100u) | rng_below(g, 256);
                struct tcp_hdr h = {.sport = (uint16_t)(1024 + rng_below(g, 64000)),
                                    .dport = ATK_PORT,
                                    .seq = (uint32_t)rng_next(g),
                                    .flags = TCP_SYN,
                                    .wnd = 65535};
                size_t n;

                h.opts.has_mss = true;
                h.opts.mss = 1460;
                n = atk_build_tcp(frame, sizeof(frame), SIMLINK_B, src, SIMNET_ADDR_B, &h, NULL, 0);
                simnet_inject(net, SIMLINK_B, frame, n);
        }
}

/* RFC 4987 / issue 6: thousands of spoofed SYNs per second must neither lock a real client
 * out (bounded SYN queue with eviction, or SYN cookies) nor grow the victim's state. */
static void
attack_syn_flood_real_client_still_connects(void)
{
        struct simnet *net = atk_net(0xa77ac1, SIMNET_ADDR_A); /* SYN,ACKs go nowhere */
        struct sock_addr srv = {.ip = SIMNET_ADDR_B, .port = ATK_PORT};
        int lsd = atk_listen(net->b, 16), csd = -1, ssd = -1;
        unsigned max_tcbs = 0, max_pkts = 0;
        size_t max_bytes = 0;
        uint64_t t_connect = 0, t_established = 0;
        struct rng g;

        rng_seed(&g, 7);
        simnet_run_for(net, 10000); /* ARP settles */
        for (int ms = 0; ms < ATK_FLOOD_MS; ms++) {
                atk_syn_burst(net, &g);
                simnet_run_for(net, 1000);
                if (ms == ATK_FLOOD_MS / 4) { /* the real client arrives mid-flood */
                        csd = sock_open(net->a, SOCK_TYPE_TCP);
                        CU_ASSERT_FATAL(sock_connect(net->a, csd, &srv) == 0);
                        t_connect = simnet_now_us(net);
                }
                if (ssd < 0 && csd >= 0)
                        ssd = sock_accept(net->b, lsd, NULL);
                if (!t_established && ssd >= 0 && (sock_events(net->a, csd) & SOCK_WRITABLE))
                        t_established = simnet_now_us(net);
                if (net->b->tcp->n_tcbs > max_tcbs)
                        max_tcbs = net->b->tcp->n_tcbs;
                if (atk_half_open_bytes(net->b) > max_bytes)
                        max_bytes = atk_half_open_bytes(net->b);
                if (stack_pkts_in_use(net->b) > max_pkts)
                        max_pkts = stack_pkts_in_use(net->b);
        }
        fprintf(stderr,
                "syn flood: victim held at most %u TCBs (%zu bytes half-open), %u packet buffers; "
                "drops %" PRIu64 ", evictions %" PRIu64 "; client %s after %" PRIu64 " us\n",
                max_tcbs, max_bytes, max_pkts, stack_counter_get(net->b, "tcp.drop_syn_queue_full"),
                stack_counter_get(net->b, "tcp.syn_queue_evictions"),
                t_established ? "connected" : "NOT connected",
                t_established ? t_established - t_connect : 0);
        CU_ASSERT(t_established != 0 && t_established - t_connect <= ATK_CONNECT_MAX_US);
        CU_ASSERT(max_tcbs <= ATK_SYNQ_BOUND + 3); /* listener, the client's, one spare */
        CU_ASSERT(max_pkts <= 64);
        /* The bound was hit and counted (evictions, or drops when nothing can be evicted);
         * half-open state is a TCB, not the 2 x 128 KB rings of a connection. */
        CU_ASSERT(stack_counter_get(net->b, "tcp.syn_queue_evictions") +
                      stack_counter_get(net->b, "tcp.drop_syn_queue_full") >
                  0);
        CU_ASSERT(max_bytes <= (ATK_SYNQ_BOUND + 2) * 4096u);
        /* The accepted connection works; the half-open ones all go away. */
        if (ssd >= 0) {
                char buf[8];
                CU_ASSERT_EQUAL(sock_send(net->a, csd, "hello", 5), 5);
                simnet_run_for(net, 100000);
                CU_ASSERT_EQUAL(sock_recv(net->b, ssd, buf, sizeof(buf)), 5);
                sock_close(net->b, ssd);
        }
        if (csd >= 0)
                sock_close(net->a, csd);
        sock_close(net->b, lsd);
        simnet_run_for(net, 400000000);
        CU_ASSERT_EQUAL(net->a->tcp->n_tcbs + net->b->tcp->n_tcbs, 0);
        CU_ASSERT_EQUAL(simnet_destroy(net), 0);
}

/* Two-way transfer driven by simnet_run_until, with a forger hitting both ends every 1 ms. */
struct blind {
        struct simnet *net;
        struct rng g;
        int lsd;   /* B's listener */
        int sd[2]; /* A's and B's connected sockets */
        uint64_t total[2], sent[2], rcvd[2];
        bool eof[2], bad, err;
        uint64_t next_forge_us;
        unsigned forged;
};

static uint8_t
blind_byte(uint64_t i, int dir)
{
        return (uint8_t)((i * 2654435761u) >> (dir ? 13 : 7));
}

/* One forged segment on the 4-tuple of the connection, towards end `to`: a guessed RST, SYN,
 * RST+ACK, or data whose sequence number a lucky attacker put inside the window but whose
 * ACK it had to guess (RFC 5961 3.2, 4.2, 5.2). */
static void
blind_forge(struct blind *b, enum simlink_end to)
{
        struct stack *victim = to == SIMLINK_A ? b->net->a : b->net->b;
        struct sock_addr local, peer;
        struct tcb *t;
        uint8_t frame[1600], junk[512];
        struct tcp_hdr h = {.wnd = 65535};
        unsigned kind = rng_below(&b->g, 4);
        size_t len = 0, n;

        sock_local(victim, b->sd[to], &local);
        sock_peer(victim, b->sd[to], &peer);
        t = tcb_lookup(victim, local.ip, local.port, peer.ip, peer.port);
        if (!t)
                return;
        h.sport = peer.port;
        h.dport = local.port;
        /* Half the guesses land inside the receive window (but never on RCV.NXT itself). */
        h.seq = rng_below(&b->g, 2) ? t->rcv_nxt + 1 + rng_below(&b->g, t->rcv_wnd ? t->rcv_wnd : 1)
                                    : (uint32_t)rng_next(&b->g);
        h.ack = (uint32_t)rng_next(&b->g);
        h.opts.has_ts = t->ts_ok; /* pass PAWS so RFC 5961 is what stops it */
        h.opts.tsval = t->ts_recent + 1;
        h.flags = kind == 0   ? TCP_RST
                  : kind == 1 ? TCP_SYN
                  : kind == 2 ? TCP_RST | TCP_ACK
                              : TCP_ACK;
        if (kind == 3) {
                len = 1 + rng_below(&b->g, sizeof(junk));
                rng_fill(&b->g, junk, len);
        }
        n = atk_build_tcp(frame, sizeof(frame), to, peer.ip, local.ip, &h, junk, len);
        simnet_inject(b->net, to, frame, n);
        b->forged++;
}

static void
blind_move(struct blind *b, int i)
{
        struct stack *s = i == 0 ? b->net->a : b->net->b;
        struct stack *r = i == 0 ? b->net->b : b->net->a;
        uint8_t buf[4096];
        ssize_t n;

        while (b->sent[i] < b->total[i]) {
                size_t k =
                    b->total[i] - b->sent[i] < sizeof(buf) ? b->total[i] - b->sent[i] : sizeof(buf);
                for (size_t j = 0; j < k; j++)
                        buf[j] = blind_byte(b->sent[i] + j, i);
                if ((n = sock_send(s, b->sd[i], buf, k)) <= 0) {
                        b->err |= n < 0 && n != -EAGAIN;
                        break;
                }
                b->sent[i] += (uint64_t)n;
                if (b->sent[i] == b->total[i])
                        sock_shutdown(s, b->sd[i], SHUT_WR);
        }
        while (!b->eof[i] && (n = sock_recv(r, b->sd[1 - i], buf, sizeof(buf))) != -EAGAIN) {
                if (n <= 0) {
                        b->eof[i] = n == 0;
                        b->err |= n < 0;
                        return;
                }
                for (ssize_t j = 0; j < n; j++)
                        b->bad |= buf[j] != blind_byte(b->rcvd[i] + (uint64_t)j, i);
                b->rcvd[i] += (uint64_t)n;
        }
}

static bool
blind_step(void *ctx)
{
        struct blind *b = ctx;

        while (simnet_now_us(b->net) >= b->next_forge_us) {
                blind_forge(b, SIMLINK_A);
                blind_forge(b, SIMLINK_B);
                b->next_forge_us += 1000;
        }
        blind_move(b, 0);
        blind_move(b, 1);
        return b->err || (b->eof[0] && b->eof[1]);
}

static bool
blind_accepted(void *ctx)
{
        struct blind *b = ctx;

        if (b->sd[1] < 0)
                b->sd[1] = sock_accept(b->net->b, b->lsd, NULL);
        return b->sd[1] >= 0 && (sock_events(b->net->a, b->sd[0]) & SOCK_WRITABLE);
}

/* RFC 5961: forged RSTs and SYNs get challenge ACKs, forged data with a guessed ACK is
 * dropped; the transfer finishes intact and neither end sees a reset. */
static void
rfc5961_blind_rst_syn_data_injection_during_transfer(void)
{
        struct simnet *net = atk_net(0xb11d, 0);
        struct simlink_impair slow = {.delay_us = 2000, .rate_bps = 20000000};
        struct sock_addr srv = {.ip = SIMNET_ADDR_B, .port = ATK_PORT};
        struct blind b = {.net = net, .sd = {-1, -1}, .total = {2u << 20, 1u << 20}};
        int lsd = atk_listen(net->b, 4);

        b.lsd = lsd;
        rng_seed(&b.g, 11);
        simlink_set_impair(net->link, SIMLINK_A, &slow);
        simlink_set_impair(net->link, SIMLINK_B, &slow);
        b.sd[0] = sock_open(net->a, SOCK_TYPE_TCP);
        CU_ASSERT_FATAL(sock_connect(net->a, b.sd[0], &srv) == 0);
        CU_ASSERT_FATAL(simnet_run_until(net, blind_accepted, &b, 10000000) == 0);
        b.next_forge_us = simnet_now_us(net);
        CU_ASSERT(simnet_run_until(net, blind_step, &b, 600000000) == 0);
        fprintf(stderr,
                "blind injection: %u forged segments; challenge ACKs A %" PRIu64 " B %" PRIu64
                ", rate-limited %" PRIu64 "\n",
                b.forged, stack_counter_get(net->a, "tcp.challenge_acks_sent"),
                stack_counter_get(net->b, "tcp.challenge_acks_sent"),
                stack_counter_get(net->a, "tcp.challenge_acks_rate_limited") +
                    stack_counter_get(net->b, "tcp.challenge_acks_rate_limited"));
        CU_ASSERT_FALSE(b.err);
        CU_ASSERT_FALSE(b.bad);
        CU_ASSERT_EQUAL(b.rcvd[0], b.total[0]);
        CU_ASSERT_EQUAL(b.rcvd[1], b.total[1]);
        CU_ASSERT(b.forged > 1000);
        CU_ASSERT(stack_counter_get(net->a, "tcp.challenge_acks_sent") > 0);
        CU_ASSERT(stack_counter_get(net->b, "tcp.challenge_acks_sent") > 0);
        sock_close(net->a, b.sd[0]);
        sock_close(net->b, b.sd[1]);
        sock_close(net->b, lsd);
        simnet_run_for(net, 300000000);
        CU_ASSERT_EQUAL(net->a->tcp->n_tcbs + net->b->tcp->n_tcbs, 0);
        CU_ASSERT_EQUAL(simnet_destroy(net), 0);
}

void
suite_attack(void)
{
        CU_pSuite su = CU_add_suite("attack", NULL, NULL);

        CU_add_test(su, "attack_syn_flood_real_client_still_connects",
                    attack_syn_flood_real_client_still_connects);
        CU_add_test(su, "rfc5961_blind_rst_syn_data_injection_during_transfer",
                    rfc5961_blind_rst_syn_data_injection_during_transfer);
}

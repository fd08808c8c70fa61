/* Attacks below and around TCP (issue 6 item 4): predictable ISNs (RFC 6528), LAND
 * (RFC 1122 3.2.1.3), ARP spoofing of a live neighbour (RFC 826) and fragment floods
 * (RFC 791, RFC 1122 3.3.2) while real traffic flows: each must leave state bounded. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "stack/core/rand.h"
#include "stack/core/stack.h"
#include "stack/sock.h"
#include "stack/tcp/tcb.h"
#include "stack/wire/arp.h"
#include "stack/wire/bytes.h"
#include "stack/wire/eth.h"
#include "stack/wire/ipv4.h"
#include "stack/wire/tcp.h"
#include "tests/common/simnet.h"

#define ISN_CONNS 1000
#define ISN_PORT0 20000
#define ATN_PORT 80

static const uint8_t atn_evil_mac[6] = {0x02, 0xba, 0xd0, 0xba, 0xd0, 0x01};

/* One stack on end A of a link (seed 0: the secret comes from the kernel, as after a real
 * restart) that opens ISN_CONNS connections to B:80 from fixed local ports, one per
 * millisecond; isn[i] is the sequence number of each SYN. */
static void
isn_collect(uint32_t *isn)
{
        struct manual_clock clk = {.now_us = SIMNET_START_US};
        struct simlink *link = simlink_create(&clk, 1);
        struct stack_config cfg = {.clock = clock_manual(&clk), .log_level = LOG_ERROR};
        struct iface_config ic = {.name = "isn", .addr = SIMNET_ADDR_A, .prefix_len = 24};
        static const uint8_t zero[6];
        uint8_t frame[256];
        struct stack *s;
        size_t n;

        CU_ASSERT_PTR_NOT_NULL_FATAL(link);
        memcpy(ic.mac, simnet_mac_a, 6);
        s = stack_create(&cfg);
        CU_ASSERT_PTR_NOT_NULL_FATAL(s);
        CU_ASSERT_FATAL(stack_iface_add(s, &ic, &simlink_ops, simlink_end_ctx(link, SIMLINK_A)) >=
                        0);
        /* B introduces itself (RFC 826: the target learns the sender) so SYNs leave at once. */
        n = simnet_build_arp(frame, sizeof(frame), simnet_mac_a, ARP_OP_REQUEST, simnet_mac_b,
                             SIMNET_ADDR_B, zero, SIMNET_ADDR_A);
        simlink_inject(link, SIMLINK_A, frame, n);
        stack_poll(s);
        simlink_flush(link, SIMLINK_A);
        for (int i = 0; i < ISN_CONNS; i++) {
                struct sock_addr local = {.port = (uint16_t)(ISN_PORT0 + i)};
                struct sock_addr peer = {.ip = SIMNET_ADDR_B, .port = ATN_PORT};
                int sd = sock_open(s, SOCK_TYPE_TCP);
                int len;

                isn[i] = 0;
                CU_ASSERT_FATAL(sd >= 0 && sock_bind(s, sd, &local) == 0);
                CU_ASSERT_FATAL(sock_connect(s, sd, &peer) == 0);
                stack_poll(s);
                while ((len = simlink_take(link, SIMLINK_A, frame, sizeof(frame))) > 0) {
                        const uint8_t *tcp = frame + ETH_HDR_LEN + IPV4_HDR_LEN;
                        if (len >= ETH_HDR_LEN + IPV4_HDR_LEN + TCP_HDR_LEN &&
                            get16(frame + 12) == ETH_TYPE_IPV4 &&
                            frame[ETH_HDR_LEN + 9] == IPV4_PROTO_TCP && (tcp[13] & TCP_SYN))
                                isn[i] = get32(tcp + 4);
                }
                CU_ASSERT(isn[i] != 0);
                sock_abort(s, sd);
                clk.now_us += 1000;
                stack_poll(s);
                simlink_flush(link, SIMLINK_A);
        }
        CU_ASSERT_EQUAL(stack_pkts_in_use(s), 0);
        stack_destroy(s);
        simlink_destroy(link);
}

static int
isn_cmp(const void *a, const void *b)
{
        uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

        return x < y ? -1 : x > y;
}

/* Distinct values among v[0..n). Sorts v. */
static unsigned
isn_distinct(uint32_t *v, unsigned n)
{
        unsigned d = n ? 1 : 0;

        qsort(v, n, sizeof(*v), isn_cmp);
        for (unsigned i = 1; i < n; i++)
                d += v[i] != v[i - 1];
        return d;
}

/* RFC 6528 3 / RFC 9293 3.4.1: ISN = M + F(4-tuple, secret). 1,000 connections opened one
 * per millisecond show no linear pattern (constant or repeating steps), every bit flips
 * about half the time, and a restarted stack (new secret) picks unrelated ISNs for the same
 * 4-tuples at the same clock readings. */
static void
rfc6528_isn_no_linear_pattern_and_differ_across_restarts(void)
{
        static uint32_t a[ISN_CONNS], b[ISN_CONNS], d[ISN_CONNS];
        unsigned same_step = 0, same = 0;

        isn_collect(a);
        isn_collect(b);
        for (int i = 0; i + 2 < ISN_CONNS; i++)
                same_step += a[i + 2] - a[i + 1] == a[i + 1] - a[i];
        for (int bit = 0; bit < 32; bit++) {
                unsigned ones = 0;
                for (int i = 0; i < ISN_CONNS; i++)
                        ones += (a[i] >> bit) & 1u;
                CU_ASSERT(ones > ISN_CONNS * 4 / 10 && ones < ISN_CONNS * 6 / 10);
        }
        for (int i = 0; i < ISN_CONNS; i++) {
                same += a[i] == b[i];
                d[i] = b[i] - a[i]; /* constant if only the clock part differed */
        }
        CU_ASSERT(same_step <= 2);
        CU_ASSERT(same <= 2);
        CU_ASSERT(isn_distinct(d, ISN_CONNS) >= ISN_CONNS - 5);
        for (int i = 0; i + 1 < ISN_CONNS; i++)
                d[i] = a[i + 1] - a[i];
        CU_ASSERT(isn_distinct(d, ISN_CONNS - 1) >= ISN_CONNS - 10);
        CU_ASSERT(isn_distinct(a, ISN_CONNS) >= ISN_CONNS - 2);
}

static struct simnet *
atn_net(uint64_t seed)
{
        struct simnet_config cfg = {.seed = seed};
        struct simnet *net;

        cfg.base.tcp_msl_ms = 1000;
        cfg.base.log_level = LOG_ERROR;
        net = simnet_create(&cfg);
        CU_ASSERT_PTR_NOT_NULL_FATAL(net);
        simnet_run_for(net, 10000); /* gratuitous ARPs settle */
        return net;
}

/* LAND (RFC 1122 3.2.1.3: a source that is one of our addresses is invalid): a SYN from
 * B:80 to B:80 creates nothing and sends nothing. */
static void
attack_land_syn_to_self_ignored(void)
{
        struct simnet *net = atn_net(0x1a4d);
        struct sock_addr any = {.port = ATN_PORT};
        int lsd = sock_open(net->b, SOCK_TYPE_TCP);
        struct simnet_ipv4 ip = {.src = SIMNET_ADDR_B, .dst = SIMNET_ADDR_B, .proto = 6};
        struct tcp_hdr h = {
            .sport = ATN_PORT, .dport = ATN_PORT, .seq = 1, .flags = TCP_SYN, .wnd = 1024};
        uint8_t seg[TCP_HDR_LEN], frame[128];
        uint64_t tx0;
        size_t n;

        CU_ASSERT_FATAL(sock_bind(net->b, lsd, &any) == 0 && sock_listen(net->b, lsd, 4) == 0);
        tcp_hdr_emit(&h, seg, 0, SIMNET_ADDR_B, SIMNET_ADDR_B);
        n = simnet_build_ipv4(frame, sizeof(frame), SIMLINK_B, &ip, seg, sizeof(seg));
        tx0 = simlink_stats(net->link, SIMLINK_B)->tx;
        for (int i = 0; i < 100; i++)
                simnet_inject(net, SIMLINK_B, frame, n);
        simnet_run_for(net, 5000000);
        CU_ASSERT_EQUAL(net->b->tcp->n_tcbs, 1); /* the listener only */
        CU_ASSERT_EQUAL(simlink_stats(net->link, SIMLINK_B)->tx, tx0);
        CU_ASSERT_EQUAL(stack_counter_get(net->b, "ip.drop_bad_source"), 100);
        sock_close(net->b, lsd);
        simnet_run_for(net, 1000);
        CU_ASSERT_EQUAL(simnet_destroy(net), 0);
}

struct atn_xfer {
        struct simnet *net;
        int csd, ssd, lsd;
        uint64_t total, sent, rcvd;
        bool bad, eof;
        unsigned spoofs;
        uint64_t next_spoof_us;
};

/* A stream A -> B while an attacker keeps telling B, in unsolicited ARP replies, that A's
 * address now lives at its own MAC. */
static bool
atn_xfer_step(void *ctx)
{
        struct atn_xfer *x = ctx;
        uint8_t buf[4096], frame[64];
        ssize_t r;

        if (x->ssd < 0)
                x->ssd = sock_accept(x->net->b, x->lsd, NULL);
        if (x->ssd < 0)
                return false;
        while (simnet_now_us(x->net) >= x->next_spoof_us) {
                size_t n =
                    simnet_build_arp(frame, sizeof(frame), simnet_mac_b, ARP_OP_REPLY, atn_evil_mac,
                                     SIMNET_ADDR_A, simnet_mac_b, SIMNET_ADDR_B);
                simnet_inject(x->net, SIMLINK_B, frame, n);
                x->spoofs++;
                x->next_spoof_us += 10000;
        }
        while (x->sent < x->total) {
                for (size_t i = 0; i < sizeof(buf); i++)
                        buf[i] = (uint8_t)((x->sent + i) * 7);
                size_t n = x->total - x->sent < sizeof(buf) ? x->total - x->sent : sizeof(buf);
                if ((r = sock_send(x->net->a, x->csd, buf, n)) <= 0)
                        break;
                x->sent += (uint64_t)r;
        }
        while ((r = sock_recv(x->net->b, x->ssd, buf, sizeof(buf))) > 0) {
                for (ssize_t i = 0; i < r; i++)
                        x->bad |= buf[i] != (uint8_t)((x->rcvd + (uint64_t)i) * 7);
                x->rcvd += (uint64_t)r;
        }
        return x->rcvd >= x->total;
}

/* RFC 826 plus issue 6: ARP replies nobody asked for do not overwrite the live entry, so
 * B's side of the connection keeps reaching A (and its ACKs keep the stream going). */
static void
attack_arp_spoof_during_transfer_does_not_hijack(void)
{
        struct simnet *net = atn_net(0xa4b);
        struct sock_addr any = {.port = ATN_PORT};
        struct sock_addr srv = {.ip = SIMNET_ADDR_B, .port = ATN_PORT};
        struct atn_xfer x = {.net = net, .ssd = -1, .total = 1u << 20};

        x.lsd = sock_open(net->b, SOCK_TYPE_TCP);
        CU_ASSERT_FATAL(sock_bind(net->b, x.lsd, &any) == 0 && sock_listen(net->b, x.lsd, 4) == 0);
        x.csd = sock_open(net->a, SOCK_TYPE_TCP);
        CU_ASSERT_FATAL(sock_connect(net->a, x.csd, &srv) == 0);
        x.next_spoof_us = simnet_now_us(net);
        CU_ASSERT(simnet_run_until(net, atn_xfer_step, &x, 60000000) == 0);
        CU_ASSERT_FALSE(x.bad);
        CU_ASSERT_EQUAL(x.rcvd, x.total);
        CU_ASSERT(x.spoofs > 0);
        CU_ASSERT_EQUAL(stack_counter_get(net->b, "arp.drop_unsolicited_reply"), x.spoofs);
        sock_abort(net->a, x.csd);
        sock_abort(net->b, x.ssd);
        sock_close(net->b, x.lsd);
        simnet_run_for(net, 100000);
        CU_ASSERT_EQUAL(simnet_destroy(net), 0);
}

struct atn_ping {
        unsigned replies;
};

static void
atn_on_reply(void *ctx, const struct echo_reply *r)
{
        struct atn_ping *p = ctx;

        if (r->len == 4000)
                p->replies++;
}

/* A flood of first fragments that never complete (RFC 791: each opens a reassembly), from
 * random spoofed sources, 2,000 per second for 10 s, while A pings B with 4,000-byte
 * (fragmented) echoes: the reassembly memory bound holds, the pool does not drain, and
 * real datagrams still get through. */
static void
attack_fragment_flood_bounded_while_ping_works(void)
{
        struct simnet *net = atn_net(0xf4a6);
        struct atn_ping p = {0};
        static uint8_t payload[1480], data[4000];
        uint8_t frame[1600];
        unsigned max_pkts = 0, pings = 0;
        struct rng g;

        rng_seed(&g, 5);
        stack_set_echo_handler(net->a, atn_on_reply, &p);
        for (int ms = 0; ms < 10000; ms++) {
                for (int k = 0; k < 2; k++) {
                        struct simnet_ipv4 ip = {.src = 0xcb007100u |
                                                        rng_below(&g, 256), /* 203.0.113.x */
                                                 .dst = SIMNET_ADDR_B,
                                                 .proto = IPV4_PROTO_UDP,
                                                 .id = (uint16_t)rng_next(&g),
                                                 .mf = true,
                                                 .frag_off = (uint16_t)(8 * rng_below(&g, 4000))};
                        size_t n = simnet_build_ipv4(frame, sizeof(frame), SIMLINK_B, &ip, payload,
                                                     sizeof(payload));
                        simnet_inject(net, SIMLINK_B, frame, n);
                }
                if (ms % 100 == 0) {
                        CU_ASSERT(stack_ping_send(net->a, SIMNET_ADDR_B, 77, (uint16_t)pings, data,
                                                  sizeof(data)) == 0);
                        pings++;
                }
                simnet_run_for(net, 1000);
                if (stack_pkts_in_use(net->b) > max_pkts)
                        max_pkts = stack_pkts_in_use(net->b);
        }
        simnet_run_for(net, 1000000);
        fprintf(
            stderr,
            "fragment flood: %u/%u pings answered, max %u packet buffers, %" PRIu64 " evictions\n",
            p.replies, pings, max_pkts, stack_counter_get(net->b, "ip.drop_fragment_memory_bound"));
        CU_ASSERT(p.replies >= pings * 9 / 10);
        CU_ASSERT(max_pkts <= 64);
        CU_ASSERT(stack_counter_get(net->b, "ip.drop_fragment_memory_bound") > 0);
        simnet_run_for(net, 120000000); /* every reassembly times out (RFC 1122 3.3.2) */
        CU_ASSERT_EQUAL(simnet_destroy(net), 0);
}

void
suite_attack_net(void)
{
        CU_pSuite su = CU_add_suite("attack_net", NULL, NULL);

        CU_add_test(su, "rfc6528_isn_no_linear_pattern_and_differ_across_restarts",
                    rfc6528_isn_no_linear_pattern_and_differ_across_restarts);
        CU_add_test(su, "attack_land_syn_to_self_ignored", attack_land_syn_to_self_ignored);
        CU_add_test(su, "attack_arp_spoof_during_transfer_does_not_hijack",
                    attack_arp_spoof_during_transfer_does_not_hijack);
        CU_add_test(su, "attack_fragment_flood_bounded_while_ping_works",
                    attack_fragment_flood_bounded_while_ping_works);
}

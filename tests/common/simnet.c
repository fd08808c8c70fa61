/* Two-stack simulation fixture over simlink on one manual clock, plus frame-crafting helpers
 * so a test can play the far end (Ethernet II, RFC 826 ARP, RFC 791 IPv4, RFC 792 ICMP). */
#include "tests/common/simnet.h"

#include <CUnit/CUnit.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stack/core/rand.h"
#include "stack/wire/arp.h"
#include "stack/wire/bytes.h"
#include "stack/wire/csum.h"
#include "stack/wire/eth.h"
#include "stack/wire/icmp.h"
#include "stack/wire/ipv4.h"

#define SIMNET_SAME_INSTANT_MAX 100000 /* polls at one instant before we call it a livelock */

const uint8_t simnet_mac_a[6] = {0x02, 0, 0, 0, 0, 0x01};
const uint8_t simnet_mac_b[6] = {0x02, 0, 0, 0, 0, 0x02};

static struct stack *
simnet_stack(struct simnet *net, const struct simnet_config *cfg, enum simlink_end e)
{
        struct stack_config sc = cfg->base;
        struct iface_config ic = {
            .name = e == SIMLINK_A ? "simA" : "simB",
            .type = LINK_ETHERNET,
            .addr = e == SIMLINK_A ? SIMNET_ADDR_A : SIMNET_ADDR_B,
            .prefix_len = SIMNET_PREFIX,
            .mtu = e == SIMLINK_A ? cfg->mtu_a : cfg->mtu_b,
            .gateway = e == SIMLINK_A ? cfg->gw_a : cfg->gw_b,
        };
        struct stack *s;

        sc.clock = clock_manual(&net->clock);
        sc.seed = net->seed * 2 + 1 + (uint64_t)e; /* distinct, never 0 (0 means random) */
        if (getenv("SIMNET_TRACE"))
                sc.trace = true;
        memcpy(ic.mac, e == SIMLINK_A ? simnet_mac_a : simnet_mac_b, 6);
        s = stack_create(&sc);
        if (!s)
                return NULL;
        if (stack_iface_add(s, &ic, &simlink_ops, simlink_end_ctx(net->link, e)) < 0) {
                stack_destroy(s);
                return NULL;
        }
        return s;
}

struct simnet *
simnet_create(const struct simnet_config *cfg)
{
        struct simnet *net = calloc(1, sizeof(*net));
        const char *env = getenv("SIMNET_SEED");

        if (!net)
                return NULL;
        net->seed = env ? strtoull(env, NULL, 0) : cfg->seed;
        if (net->seed == 0) {
                struct rng r;
                rng_seed(&r, 0);
                net->seed = rng_next(&r) | 1;
        }
        fprintf(stderr, "simnet: seed=%#" PRIx64 " (replay with SIMNET_SEED=%#" PRIx64 ")\n",
                net->seed, net->seed);
        net->clock.now_us = SIMNET_START_US;
        net->link = simlink_create(&net->clock, net->seed);
        if (!net->link)
                goto fail;
        net->a = simnet_stack(net, cfg, SIMLINK_A);
        if (!net->a)
                goto fail;
        if (!cfg->one_stack && !(net->b = simnet_stack(net, cfg, SIMLINK_B)))
                goto fail;
        return net;
fail:
        stack_destroy(net->a);
        simlink_destroy(net->link);
        free(net);
        return NULL;
}

struct simnet *
simnet_create_seed(uint64_t seed)
{
        struct simnet_config cfg = {.seed = seed};

        return simnet_create(&cfg);
}

static void
print_counter(void *ctx, const char *name, uint64_t value)
{
        fprintf(stderr, "  %s %s=%" PRIu64 "\n", (const char *)ctx, name, value);
}

unsigned
simnet_destroy(struct simnet *net)
{
        unsigned leaked = 0;

        if (!net)
                return 0;
        leaked += stack_pkts_in_use(net->a);
        if (net->b)
                leaked += stack_pkts_in_use(net->b);
        CU_ASSERT_EQUAL(leaked, 0);
        if (leaked)
                fprintf(stderr, "simnet: seed=0x%" PRIx64 ": %u packet buffers still in use\n",
                        net->seed, leaked);
        if (getenv("SIMNET_TRACE")) { /* what each stack counted, for debugging a failure */
                stack_counters(net->a, print_counter, "A");
                if (net->b)
                        stack_counters(net->b, print_counter, "B");
        }
        stack_destroy(net->a);
        stack_destroy(net->b);
        simlink_destroy(net->link);
        free(net);
        return leaked;
}

void
simnet_poll(struct simnet *net)
{
        stack_poll(net->a);
        if (net->b)
                stack_poll(net->b);
}

uint64_t
simnet_next_event_us(const struct simnet *net)
{
        /* With one stack, frames towards B wait for the test to take them: no event. */
        uint64_t t = net->b ? simlink_next_delivery_us(net->link)
                            : simlink_next_delivery_to_us(net->link, SIMLINK_A);
        uint64_t d = stack_next_deadline_us(net->a);

        if (d < t)
                t = d;
        if (net->b && (d = stack_next_deadline_us(net->b)) < t)
                t = d;
        return t;
}

int
simnet_run_until(struct simnet *net, simnet_cond_fn *cond, void *ctx, uint64_t max_us)
{
        uint64_t end = net->clock.now_us + max_us;
        unsigned same = 0;

        for (;;) {
                uint64_t next;

                simnet_poll(net);
                if (cond && cond(ctx))
                        return 0;
                next = simnet_next_event_us(net);
                if (next <= net->clock.now_us) {
                        /* Frames still due now (rx budget) or a timer armed for now: poll again,
                         * but let time move if that never settles. */
                        if (++same < SIMNET_SAME_INSTANT_MAX)
                                continue;
                        next = net->clock.now_us + 1;
                }
                same = 0;
                if (net->clock.now_us >= end)
                        return cond ? -ETIMEDOUT : 0;
                net->clock.now_us = next < end ? next : end;
        }
}

void
simnet_run_for(struct simnet *net, uint64_t us)
{
        simnet_run_until(net, NULL, NULL, us);
}

size_t
simnet_build_ipv4(uint8_t *buf, size_t cap, enum simlink_end to, const struct simnet_ipv4 *ip,
                  const void *payload, size_t len)
{
        struct eth_hdr eh = {.type = ETH_TYPE_IPV4};
        struct ipv4_hdr h = {
            .tos = 0,
            .total_len = (uint16_t)(IPV4_HDR_LEN + len),
            .id = ip->id,
            .df = ip->df,
            .mf = ip->mf,
            .frag_off = ip->frag_off,
            .ttl = ip->ttl ? ip->ttl : 64,
            .proto = ip->proto,
            .src = ip->src,
            .dst = ip->dst,
        };

        if (cap < ETH_HDR_LEN + IPV4_HDR_LEN + len)
                return 0;
        memcpy(eh.dst, ip->dst_mac ? ip->dst_mac : (to == SIMLINK_A ? simnet_mac_a : simnet_mac_b),
               6);
        memcpy(eh.src, ip->src_mac ? ip->src_mac : (to == SIMLINK_A ? simnet_mac_b : simnet_mac_a),
               6);
        eth_hdr_emit(&eh, buf);
        ipv4_hdr_emit(&h, buf + ETH_HDR_LEN);
        if (len)
                memcpy(buf + ETH_HDR_LEN + IPV4_HDR_LEN, payload, len);
        return ETH_HDR_LEN + IPV4_HDR_LEN + len;
}

void
simnet_ipv4_fix_csum(uint8_t *frame)
{
        uint8_t *ip = frame + ETH_HDR_LEN;
        size_t hl = (size_t)(ip[0] & 0x0f) * 4;

        put16(ip + 10, 0);
        put16(ip + 10, csum(ip, hl < IPV4_HDR_LEN ? IPV4_HDR_LEN : hl));
}

size_t
simnet_build_icmp(uint8_t *buf, size_t cap, enum simlink_end to, const struct simnet_ipv4 *ip,
                  uint8_t type, uint8_t code, uint16_t id, uint16_t seq, const void *data,
                  size_t len)
{
        struct icmp_hdr ih = {.type = type, .code = code, .id = id, .seq = seq};
        uint8_t *msg = malloc(ICMP_HDR_LEN + len);
        struct simnet_ipv4 h = *ip;
        size_t n;

        if (!msg)
                return 0;
        if (len)
                memcpy(msg + ICMP_HDR_LEN, data, len);
        icmp_hdr_emit(&ih, msg, len);
        h.proto = IPV4_PROTO_ICMP;
        n = simnet_build_ipv4(buf, cap, to, &h, msg, ICMP_HDR_LEN + len);
        free(msg);
        return n;
}

size_t
simnet_build_arp(uint8_t *buf, size_t cap, const uint8_t eth_dst[6], uint16_t op,
                 const uint8_t sha[6], uint32_t spa, const uint8_t tha[6], uint32_t tpa)
{
        struct eth_hdr eh = {.type = ETH_TYPE_ARP};
        struct arp_pkt a = {.op = op, .spa = spa, .tpa = tpa};

        if (cap < ETH_HDR_LEN + ARP_PKT_LEN)
                return 0;
        memcpy(eh.dst, eth_dst, 6);
        memcpy(eh.src, sha, 6);
        memcpy(a.sha, sha, 6);
        memcpy(a.tha, tha, 6);
        eth_hdr_emit(&eh, buf);
        arp_pkt_emit(&a, buf + ETH_HDR_LEN);
        return ETH_HDR_LEN + ARP_PKT_LEN;
}

void
simnet_inject(struct simnet *net, enum simlink_end to, const uint8_t *frame, size_t len)
{
        CU_ASSERT_EQUAL(simlink_inject(net->link, to, frame, len), 0);
}

int
simnet_take_frame(struct simnet *net, enum simlink_end from, uint16_t ethertype, uint8_t proto,
                  uint8_t *buf, size_t cap)
{
        int n;

        while ((n = simlink_take(net->link, from, buf, cap)) > 0) {
                if (n < ETH_HDR_LEN || get16(buf + 12) != ethertype)
                        continue;
                if (ethertype != ETH_TYPE_IPV4 || proto == 0)
                        return n;
                if (n >= ETH_HDR_LEN + IPV4_HDR_LEN && buf[ETH_HDR_LEN + 9] == proto)
                        return n;
        }
        return n < 0 ? n : 0;
}

struct simnet *
simnet_create_peer_known(void)
{
        static const uint8_t mac_zero[6];
        struct simnet_config cfg = {.one_stack = true};
        struct simnet *net = simnet_create(&cfg);
        uint8_t f[64];
        size_t n;

        if (!net)
                return NULL;
        n = simnet_build_arp(f, sizeof(f), eth_broadcast, ARP_OP_REQUEST, simnet_mac_b,
                             SIMNET_ADDR_B, mac_zero, SIMNET_ADDR_A);
        simnet_inject(net, SIMLINK_A, f, n);
        simnet_poll(net);
        simlink_flush(net->link, SIMLINK_A);
        return net;
}

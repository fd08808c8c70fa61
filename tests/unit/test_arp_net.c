/* ARP behaviour of one stack through a simlink, the test playing the neighbour
 * (RFC 826 "Packet Reception", RFC 1122 2.3.2, RFC 5227 2.3/2.4). */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <string.h>

#include "stack/core/stack.h"
#include "stack/net/arp.h"
#include "stack/wire/arp.h"
#include "stack/wire/eth.h"
#include "tests/common/simnet.h"

static const uint8_t mac_evil[6] = {0x02, 0xee, 0xee, 0xee, 0xee, 0xee};
static const uint8_t mac_zero[6];

static struct simnet *
one_stack(const struct stack_config *base)
{
        struct simnet_config cfg = {.one_stack = true};
        struct simnet *net;

        if (base)
                cfg.base = *base;
        net = simnet_create(&cfg);
        if (net)
                simlink_flush(net->link, SIMLINK_A); /* the gratuitous ARP */
        return net;
}

/* Next ARP frame A sent, parsed; 0 when none. */
static int
take_arp(struct simnet *net, struct arp_pkt *a, uint8_t eth_dst[6])
{
        uint8_t f[128];
        int n = simnet_take_frame(net, SIMLINK_A, ETH_TYPE_ARP, 0, f, sizeof(f));

        if (n <= 0)
                return 0;
        if (eth_dst)
                memcpy(eth_dst, f, 6);
        return arp_pkt_parse(f + ETH_HDR_LEN, (size_t)n - ETH_HDR_LEN, a) > 0;
}

static void
inject_arp(struct simnet *net, const uint8_t eth_dst[6], uint16_t op, const uint8_t sha[6],
           uint32_t spa, const uint8_t tha[6], uint32_t tpa)
{
        uint8_t f[64];
        size_t n = simnet_build_arp(f, sizeof(f), eth_dst, op, sha, spa, tha, tpa);

        simnet_inject(net, SIMLINK_A, f, n);
        simnet_poll(net);
}

static unsigned
take_all(struct simnet *net, uint16_t type, uint8_t proto)
{
        uint8_t f[2048];
        unsigned n = 0;

        while (simnet_take_frame(net, SIMLINK_A, type, proto, f, sizeof(f)) > 0)
                n++;
        return n;
}

static void
rfc5227_gratuitous_arp_on_start(void)
{
        struct simnet_config cfg = {.one_stack = true};
        struct simnet *net = simnet_create(&cfg);
        struct arp_pkt a;
        uint8_t dst[6];

        CU_ASSERT_FATAL(net != NULL);
        CU_ASSERT_FATAL(take_arp(net, &a, dst));
        CU_ASSERT_EQUAL(memcmp(dst, eth_broadcast, 6), 0);
        CU_ASSERT_EQUAL(a.op, ARP_OP_REQUEST);
        CU_ASSERT_EQUAL(a.spa, SIMNET_ADDR_A); /* RFC 5227 2.3: sender = target = our address */
        CU_ASSERT_EQUAL(a.tpa, SIMNET_ADDR_A);
        CU_ASSERT_EQUAL(memcmp(a.sha, simnet_mac_a, 6), 0);
        CU_ASSERT_EQUAL(memcmp(a.tha, mac_zero, 6), 0);
        CU_ASSERT_FALSE(take_arp(net, &a, NULL));
        simnet_destroy(net);
}

static void
rfc826_request_for_us_answered_and_sender_learned(void)
{
        struct simnet *net = one_stack(NULL);
        struct arp_pkt a;
        uint8_t dst[6], mac[6];

        CU_ASSERT_FATAL(net != NULL);
        inject_arp(net, eth_broadcast, ARP_OP_REQUEST, simnet_mac_b, SIMNET_ADDR_B, mac_zero,
                   SIMNET_ADDR_A);
        CU_ASSERT_FATAL(take_arp(net, &a, dst));
        CU_ASSERT_EQUAL(a.op, ARP_OP_REPLY);
        CU_ASSERT_EQUAL(memcmp(dst, simnet_mac_b, 6), 0); /* unicast back to the asker */
        CU_ASSERT_EQUAL(memcmp(a.sha, simnet_mac_a, 6), 0);
        CU_ASSERT_EQUAL(a.spa, SIMNET_ADDR_A);
        CU_ASSERT_EQUAL(memcmp(a.tha, simnet_mac_b, 6), 0);
        CU_ASSERT_EQUAL(a.tpa, SIMNET_ADDR_B);
        /* RFC 826: the target is us, so the sender is merged into the table. */
        CU_ASSERT_EQUAL(arp_lookup(net->a, SIMNET_ADDR_B, mac), 0);
        CU_ASSERT_EQUAL(memcmp(mac, simnet_mac_b, 6), 0);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "arp.replies_sent"), 1);
        simnet_destroy(net);
}

static void
rfc826_request_not_for_us_ignored_and_counted(void)
{
        struct simnet *net = one_stack(NULL);
        struct arp_pkt a;
        uint8_t mac[6];

        CU_ASSERT_FATAL(net != NULL);
        inject_arp(net, eth_broadcast, ARP_OP_REQUEST, simnet_mac_b, SIMNET_ADDR_B, mac_zero,
                   0x0a000009u);
        CU_ASSERT_FALSE(take_arp(net, &a, NULL));
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "arp.drop_not_for_us"), 1);
        CU_ASSERT_EQUAL(arp_lookup(net->a, SIMNET_ADDR_B, mac), -ENOENT);
        simnet_destroy(net);
}

static void
arp_unsolicited_reply_does_not_overwrite_live_entry(void)
{
        struct simnet *net = one_stack(NULL);
        struct arp_pkt a;
        uint8_t mac[6];

        CU_ASSERT_FATAL(net != NULL);
        inject_arp(net, eth_broadcast, ARP_OP_REQUEST, simnet_mac_b, SIMNET_ADDR_B, mac_zero,
                   SIMNET_ADDR_A);
        take_all(net, ETH_TYPE_ARP, 0);
        /* A spoofed reply claiming B's address from another MAC. */
        inject_arp(net, simnet_mac_a, ARP_OP_REPLY, mac_evil, SIMNET_ADDR_B, simnet_mac_a,
                   SIMNET_ADDR_A);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "arp.drop_unsolicited_reply"), 1);
        CU_ASSERT_EQUAL(arp_lookup(net->a, SIMNET_ADDR_B, mac), 0);
        CU_ASSERT_EQUAL(memcmp(mac, simnet_mac_b, 6), 0);
        /* A reply for an address we never asked about creates no entry. */
        inject_arp(net, simnet_mac_a, ARP_OP_REPLY, mac_evil, 0x0a000007u, simnet_mac_a,
                   SIMNET_ADDR_A);
        CU_ASSERT_EQUAL(arp_lookup(net->a, 0x0a000007u, mac), -ENOENT);
        CU_ASSERT_FALSE(take_arp(net, &a, NULL)); /* and neither draws an answer */
        simnet_destroy(net);
}

/* RFC 5227 2.4: a frame claiming our own address is a conflict, never a cache entry. */
static void
rfc5227_arp_claiming_our_address_not_cached(void)
{
        struct simnet *net = one_stack(NULL);
        uint8_t mac[6];

        CU_ASSERT_FATAL(net != NULL);
        inject_arp(net, eth_broadcast, ARP_OP_REQUEST, mac_evil, SIMNET_ADDR_A, mac_zero,
                   SIMNET_ADDR_A);
        CU_ASSERT_EQUAL(arp_lookup(net->a, SIMNET_ADDR_A, mac), -ENOENT);
        CU_ASSERT_EQUAL(take_all(net, ETH_TYPE_ARP, 0), 0);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "arp.drop_address_conflict"), 1);
        simnet_destroy(net);
}

static void
rfc826_malformed_arp_dropped_and_counted(void)
{
        struct simnet *net = one_stack(NULL);
        uint8_t f[64];
        size_t n = simnet_build_arp(f, sizeof(f), eth_broadcast, ARP_OP_REQUEST, simnet_mac_b,
                                    SIMNET_ADDR_B, mac_zero, SIMNET_ADDR_A);

        CU_ASSERT_FATAL(net != NULL);
        simnet_inject(net, SIMLINK_A, f, n - 1); /* truncated */
        f[ETH_HDR_LEN + 1] = 6;                  /* hardware type 6 (IEEE 802) */
        simnet_inject(net, SIMLINK_A, f, n);
        f[ETH_HDR_LEN + 1] = 1;
        f[ETH_HDR_LEN + 7] = 9; /* unknown op */
        simnet_inject(net, SIMLINK_A, f, n);
        f[ETH_HDR_LEN + 7] = 1;
        f[ETH_HDR_LEN + 8] |= 1; /* multicast sender hardware address */
        simnet_inject(net, SIMLINK_A, f, n);
        simnet_poll(net);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "arp.drop_malformed"), 4);
        CU_ASSERT_EQUAL(take_all(net, ETH_TYPE_ARP, 0), 0);
        simnet_destroy(net);
}

static bool
past(void *ctx)
{
        (void)ctx;
        return false;
}

/* RFC 1122 2.3.2.1: at most one request per second per address; after the retries the
 * queued datagram's sender learns the host is unreachable (2.3.2.2). */
static void
rfc1122_2_3_2_1_retries_then_host_unreachable(void)
{
        struct simnet *net = one_stack(NULL);
        uint64_t t0;
        struct arp_pkt a;
        unsigned requests = 0;

        CU_ASSERT_FATAL(net != NULL);
        t0 = simnet_now_us(net);
        CU_ASSERT_EQUAL(stack_ping_send(net->a, SIMNET_ADDR_B, 1, 1, "x", 1), 0);
        for (unsigned i = 0; i < ARP_MAX_TRIES; i++) {
                simnet_run_until(net, past, NULL, t0 + i * ARP_RETRY_US - simnet_now_us(net));
                CU_ASSERT_TRUE(take_arp(net, &a, NULL));
                CU_ASSERT_EQUAL(a.tpa, SIMNET_ADDR_B);
                CU_ASSERT_EQUAL(a.op, ARP_OP_REQUEST);
                CU_ASSERT_EQUAL(stack_ping_error(net->a), 0);
                requests++;
                if (i + 1 < ARP_MAX_TRIES) { /* nothing more until the next second */
                        simnet_run_for(net, ARP_RETRY_US - 1);
                        CU_ASSERT_FALSE(take_arp(net, &a, NULL));
                }
        }
        simnet_run_until(net, past, NULL, t0 + ARP_MAX_TRIES * ARP_RETRY_US - simnet_now_us(net));
        CU_ASSERT_EQUAL(requests, ARP_MAX_TRIES);
        CU_ASSERT_FALSE(take_arp(net, &a, NULL));
        CU_ASSERT_EQUAL(stack_ping_error(net->a), -EHOSTUNREACH);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "arp.resolution_failed"), 1);
        CU_ASSERT_EQUAL(stack_pkts_in_use(net->a), 0);
        CU_ASSERT_EQUAL(take_all(net, ETH_TYPE_IPV4, 0), 0); /* the echo never left */
        simnet_destroy(net);
}

/* RFC 1122 2.3.2.2: the queue of datagrams awaiting resolution is bounded; once resolved
 * the queued ones leave in order. */
static void
rfc1122_2_3_2_2_bounded_queue_while_resolving(void)
{
        struct stack_config base = {.arp_queue_len = 4};
        struct simnet *net = one_stack(&base);
        uint8_t f[256];
        int n;
        uint16_t want = 0;

        CU_ASSERT_FATAL(net != NULL);
        for (uint16_t seq = 0; seq < 10; seq++)
                CU_ASSERT_EQUAL(stack_ping_send(net->a, SIMNET_ADDR_B, 1, seq, "q", 1), 0);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "arp.drop_queue_full"), 6);
        CU_ASSERT_EQUAL(stack_pkts_in_use(net->a), 4);
        CU_ASSERT_EQUAL(take_all(net, ETH_TYPE_ARP, 0), 1);
        inject_arp(net, simnet_mac_a, ARP_OP_REPLY, simnet_mac_b, SIMNET_ADDR_B, simnet_mac_a,
                   SIMNET_ADDR_A);
        while ((n = simnet_take_frame(net, SIMLINK_A, ETH_TYPE_IPV4, 1, f, sizeof(f))) > 0) {
                CU_ASSERT_EQUAL(memcmp(f, simnet_mac_b, 6), 0);
                CU_ASSERT_EQUAL(f[ETH_HDR_LEN + 20 + 7], want); /* echo seq, low byte */
                want++;
        }
        CU_ASSERT_EQUAL(want, 4);
        simnet_destroy(net);
}

/* RFC 1122 2.3.2.1: cache entries MUST time out; the next datagram asks again. */
static void
rfc1122_2_3_2_1_entry_expires(void)
{
        struct simnet *net = one_stack(NULL);
        uint8_t mac[6];
        struct arp_pkt a;

        CU_ASSERT_FATAL(net != NULL);
        inject_arp(net, eth_broadcast, ARP_OP_REQUEST, simnet_mac_b, SIMNET_ADDR_B, mac_zero,
                   SIMNET_ADDR_A);
        take_all(net, ETH_TYPE_ARP, 0);
        simnet_run_for(net, ARP_REACHABLE_US - 1);
        CU_ASSERT_EQUAL(arp_lookup(net->a, SIMNET_ADDR_B, mac), 0);
        CU_ASSERT_EQUAL(stack_ping_send(net->a, SIMNET_ADDR_B, 1, 1, "x", 1), 0);
        CU_ASSERT_EQUAL(take_all(net, ETH_TYPE_IPV4, 1), 1); /* sent straight away */
        simnet_run_for(net, 1);
        CU_ASSERT_EQUAL(arp_lookup(net->a, SIMNET_ADDR_B, mac), -ENOENT);
        CU_ASSERT_EQUAL(stack_ping_send(net->a, SIMNET_ADDR_B, 1, 2, "x", 1), 0);
        CU_ASSERT_TRUE(take_arp(net, &a, NULL));
        CU_ASSERT_EQUAL(a.tpa, SIMNET_ADDR_B);
        inject_arp(net, simnet_mac_a, ARP_OP_REPLY, simnet_mac_b, SIMNET_ADDR_B, simnet_mac_a,
                   SIMNET_ADDR_A);
        CU_ASSERT_EQUAL(take_all(net, ETH_TYPE_IPV4, 1), 1);
        simnet_destroy(net);
}

/* A bounded cache: when every entry is still resolving, a new destination is refused and
 * counted, not allowed to evict a pending resolution. */
static void
arp_cache_full_of_pending_entries_refuses_new(void)
{
        struct stack_config base = {.arp_cache_size = 2};
        struct simnet *net = one_stack(&base);

        CU_ASSERT_FATAL(net != NULL);
        CU_ASSERT_EQUAL(stack_ping_send(net->a, 0x0a000003u, 1, 1, "x", 1), 0);
        CU_ASSERT_EQUAL(stack_ping_send(net->a, 0x0a000004u, 1, 1, "x", 1), 0);
        CU_ASSERT_EQUAL(stack_ping_send(net->a, 0x0a000005u, 1, 1, "x", 1), 0);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "arp.drop_cache_full"), 1);
        CU_ASSERT_EQUAL(take_all(net, ETH_TYPE_ARP, 0), 2);
        simnet_run_for(net, ARP_MAX_TRIES * ARP_RETRY_US);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "arp.resolution_failed"), 2);
        simnet_destroy(net);
}

void
suite_arp_net(void)
{
        CU_pSuite su = CU_add_suite("arp_net", NULL, NULL);
        CU_add_test(su, "rfc5227_gratuitous_arp_on_start", rfc5227_gratuitous_arp_on_start);
        CU_add_test(su, "rfc826_request_for_us_answered_and_sender_learned",
                    rfc826_request_for_us_answered_and_sender_learned);
        CU_add_test(su, "rfc826_request_not_for_us_ignored_and_counted",
                    rfc826_request_not_for_us_ignored_and_counted);
        CU_add_test(su, "arp_unsolicited_reply_does_not_overwrite_live_entry",
                    arp_unsolicited_reply_does_not_overwrite_live_entry);
        CU_add_test(su, "rfc5227_arp_claiming_our_address_not_cached",
                    rfc5227_arp_claiming_our_address_not_cached);
        CU_add_test(su, "rfc826_malformed_arp_dropped_and_counted",
                    rfc826_malformed_arp_dropped_and_counted);
        CU_add_test(su, "rfc1122_2_3_2_1_retries_then_host_unreachable",
                    rfc1122_2_3_2_1_retries_then_host_unreachable);
        CU_add_test(su, "rfc1122_2_3_2_2_bounded_queue_while_resolving",
                    rfc1122_2_3_2_2_bounded_queue_while_resolving);
        CU_add_test(su, "rfc1122_2_3_2_1_entry_expires", rfc1122_2_3_2_1_entry_expires);
        CU_add_test(su, "arp_cache_full_of_pending_entries_refuses_new",
                    arp_cache_full_of_pending_entries_refuses_new);
}

/* ARP between two stacks over simlink (RFC 826, RFC 1122 2.3.2, RFC 5227 2.3): resolution,
 * gratuitous ARP on start, silence leading to host unreachable, expiry and re-resolution. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <string.h>

#include "stack/core/stack.h"
#include "stack/net/arp.h"
#include "tests/common/simnet.h"

struct replies {
        unsigned n;
};

static void
count_reply(void *ctx, const struct echo_reply *r)
{
        (void)r;
        ((struct replies *)ctx)->n++;
}

static bool
have_reply(void *ctx)
{
        return ((struct replies *)ctx)->n > 0;
}

struct err_wait {
        struct stack *s;
        int err;
};

static bool
have_ping_error(void *ctx)
{
        struct err_wait *w = ctx;

        w->err = stack_ping_error(w->s);
        return w->err != 0;
}

static void
rfc826_resolution_between_two_stacks(void)
{
        struct simnet *net = simnet_create_seed(0);
        struct replies r = {0};
        uint8_t mac[6];

        CU_ASSERT_FATAL(net != NULL);
        stack_set_echo_handler(net->a, count_reply, &r);
        CU_ASSERT_EQUAL(stack_ping_send(net->a, SIMNET_ADDR_B, 1, 1, "abc", 3), 0);
        CU_ASSERT_EQUAL(simnet_run_until(net, have_reply, &r, 1000000), 0);
        CU_ASSERT_EQUAL(arp_lookup(net->a, SIMNET_ADDR_B, mac), 0);
        CU_ASSERT_EQUAL(memcmp(mac, simnet_mac_b, 6), 0);
        /* B learned A from A's request (RFC 826 merge), so it never had to ask. */
        CU_ASSERT_EQUAL(arp_lookup(net->b, SIMNET_ADDR_A, mac), 0);
        CU_ASSERT_EQUAL(memcmp(mac, simnet_mac_a, 6), 0);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "arp.requests_sent"), 2); /* announce + ask */
        CU_ASSERT_EQUAL(stack_counter_get(net->b, "arp.requests_sent"), 1); /* announce only */
        CU_ASSERT_EQUAL(stack_counter_get(net->b, "arp.replies_sent"), 1);
        simnet_destroy(net);
}

/* RFC 5227 2.3: each stack announces itself on start; the peer, not the target, does not
 * put the announcer into its cache (it never asked) and says so in its counters. */
static void
rfc5227_gratuitous_arp_seen_by_peer(void)
{
        struct simnet *net = simnet_create_seed(0);
        uint8_t mac[6];

        CU_ASSERT_FATAL(net != NULL);
        simnet_run_for(net, 1000);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "arp.rx"), 1);
        CU_ASSERT_EQUAL(stack_counter_get(net->b, "arp.rx"), 1);
        CU_ASSERT_EQUAL(stack_counter_get(net->b, "arp.drop_not_for_us"), 1);
        CU_ASSERT_EQUAL(arp_lookup(net->b, SIMNET_ADDR_A, mac), -ENOENT);
        simnet_destroy(net);
}

/* RFC 1122 2.3.2.1/2.3.2.2: a silent peer (all its frames lost) means three requests a
 * second apart, then host unreachable for the queued echo; nothing leaks. */
static void
rfc1122_2_3_2_silent_peer_host_unreachable(void)
{
        struct simnet *net = simnet_create_seed(0);
        struct simlink_impair mute = {.loss_ppm = SIMLINK_PPM};
        struct err_wait w = {.s = net ? net->a : NULL};
        uint64_t t0;

        CU_ASSERT_FATAL(net != NULL);
        simnet_run_for(net, 1000);
        simlink_set_impair(net->link, SIMLINK_B, &mute);
        t0 = simnet_now_us(net);
        CU_ASSERT_EQUAL(stack_ping_send(net->a, SIMNET_ADDR_B, 1, 1, "abc", 3), 0);
        CU_ASSERT_EQUAL(simnet_run_until(net, have_ping_error, &w, 10000000), 0);
        CU_ASSERT_EQUAL(w.err, -EHOSTUNREACH);
        CU_ASSERT_EQUAL(simnet_now_us(net) - t0, ARP_MAX_TRIES * ARP_RETRY_US);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "arp.requests_sent"), 1 + ARP_MAX_TRIES);
        CU_ASSERT_EQUAL(stack_counter_get(net->b, "arp.replies_sent"), ARP_MAX_TRIES);
        CU_ASSERT_EQUAL(simlink_stats(net->link, SIMLINK_B)->lost, ARP_MAX_TRIES);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "arp.resolution_failed"), 1);
        CU_ASSERT_EQUAL(stack_pkts_in_use(net->a), 0);
        /* Once B is heard again, the next ping resolves and is answered. */
        simlink_set_impair(net->link, SIMLINK_B, &(struct simlink_impair){0});
        {
                struct replies r = {0};
                stack_set_echo_handler(net->a, count_reply, &r);
                CU_ASSERT_EQUAL(stack_ping_send(net->a, SIMNET_ADDR_B, 1, 2, "abc", 3), 0);
                CU_ASSERT_EQUAL(simnet_run_until(net, have_reply, &r, 1000000), 0);
        }
        simnet_destroy(net);
}

/* RFC 1122 2.3.2.1: entries time out; traffic after that resolves afresh and still works. */
static void
rfc1122_2_3_2_1_expiry_then_re_resolution(void)
{
        struct simnet *net = simnet_create_seed(0);
        struct replies r = {0};
        uint8_t mac[6];

        CU_ASSERT_FATAL(net != NULL);
        stack_set_echo_handler(net->a, count_reply, &r);
        CU_ASSERT_EQUAL(stack_ping_send(net->a, SIMNET_ADDR_B, 1, 1, "abc", 3), 0);
        CU_ASSERT_EQUAL(simnet_run_until(net, have_reply, &r, 1000000), 0);
        simnet_run_for(net, ARP_REACHABLE_US + 1000);
        CU_ASSERT_EQUAL(arp_lookup(net->a, SIMNET_ADDR_B, mac), -ENOENT);
        CU_ASSERT_EQUAL(arp_lookup(net->b, SIMNET_ADDR_A, mac), -ENOENT);
        r.n = 0;
        CU_ASSERT_EQUAL(stack_ping_send(net->a, SIMNET_ADDR_B, 1, 2, "abc", 3), 0);
        CU_ASSERT_EQUAL(simnet_run_until(net, have_reply, &r, 1000000), 0);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "arp.requests_sent"), 3);
        simnet_destroy(net);
}

void
suite_net_arp(void)
{
        CU_pSuite su = CU_add_suite("sim_net_arp", NULL, NULL);
        CU_add_test(su, "rfc826_resolution_between_two_stacks",
                    rfc826_resolution_between_two_stacks);
        CU_add_test(su, "rfc5227_gratuitous_arp_seen_by_peer", rfc5227_gratuitous_arp_seen_by_peer);
        CU_add_test(su, "rfc1122_2_3_2_silent_peer_host_unreachable",
                    rfc1122_2_3_2_silent_peer_host_unreachable);
        CU_add_test(su, "rfc1122_2_3_2_1_expiry_then_re_resolution",
                    rfc1122_2_3_2_1_expiry_then_re_resolution);
}

/* Two stacks over simlink: ARP resolution, ping both ways, large fragmented echoes in both
 * directions, and ping under loss (RFC 792 echo, RFC 826, RFC 791 3.2, RFC 1122 3.2.2.6). */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <string.h>

#include "tests/common/simnet.h"

#define PING_ID 0x1234
#define MAX_SEQ 256

struct pinger {
        unsigned replies;
        unsigned bad_data;
        unsigned seen[MAX_SEQ]; /* replies per sequence number */
        size_t len;             /* expected payload length; 0: any */
        uint32_t from;
};

static uint8_t
pattern(size_t i, uint16_t seq)
{
        return (uint8_t)(i * 7 + seq);
}

static void
on_reply(void *ctx, const struct echo_reply *r)
{
        struct pinger *p = ctx;

        if (r->id != PING_ID || r->seq >= MAX_SEQ)
                return;
        p->replies++;
        p->seen[r->seq]++;
        p->from = r->from;
        if (p->len && r->len != p->len) {
                p->bad_data++;
                return;
        }
        for (size_t i = 0; i < r->len; i++)
                if (r->data[i] != pattern(i, r->seq)) {
                        p->bad_data++;
                        return;
                }
}

static int
send_ping(struct stack *s, uint32_t dst, uint16_t seq, size_t len)
{
        static uint8_t buf[65536];

        for (size_t i = 0; i < len; i++)
                buf[i] = pattern(i, seq);
        return stack_ping_send(s, dst, PING_ID, seq, buf, len);
}

static bool
got_replies(void *ctx)
{
        struct pinger *p = ctx;
        return p->replies > 0;
}

/* Ping dst from s with len bytes and wait for the reply; returns 0 when it came. */
static int
ping_once(struct simnet *net, struct stack *s, uint32_t dst, size_t len, struct pinger *p)
{
        memset(p, 0, sizeof(*p));
        p->len = len;
        stack_set_echo_handler(s, on_reply, p);
        if (send_ping(s, dst, 1, len) < 0)
                return -1;
        return simnet_run_until(net, got_replies, p, 5000000);
}

static void
rfc792_echo_reply_between_two_stacks(void)
{
        struct simnet *net = simnet_create_seed(0);
        struct pinger p;

        CU_ASSERT_FATAL(net != NULL);
        CU_ASSERT_EQUAL(ping_once(net, net->a, SIMNET_ADDR_B, 56, &p), 0);
        CU_ASSERT_EQUAL(p.replies, 1);
        CU_ASSERT_EQUAL(p.bad_data, 0);
        CU_ASSERT_EQUAL(p.from, SIMNET_ADDR_B);
        CU_ASSERT_EQUAL(ping_once(net, net->b, SIMNET_ADDR_A, 56, &p), 0);
        CU_ASSERT_EQUAL(p.replies, 1);
        CU_ASSERT_EQUAL(p.from, SIMNET_ADDR_A);
        CU_ASSERT_EQUAL(stack_counter_get(net->b, "icmp.echo_replies_sent"), 1);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "icmp.echo_replies_sent"), 1);
        simnet_run_for(net, 1000000);
        simnet_destroy(net);
}

/* RFC 791 3.2 and RFC 1122 3.3.2: 4000 bytes leave in fragments and are reassembled, both
 * ways; RFC 1122 3.2.2.6: the echo reply to a fragmented echo is itself fragmented. */
static void
rfc791_fragmented_4000_byte_ping_both_ways(void)
{
        struct simnet *net = simnet_create_seed(0);
        struct pinger p;

        CU_ASSERT_FATAL(net != NULL);
        CU_ASSERT_EQUAL(ping_once(net, net->a, SIMNET_ADDR_B, 4000, &p), 0);
        CU_ASSERT_EQUAL(p.replies, 1);
        CU_ASSERT_EQUAL(p.bad_data, 0);
        CU_ASSERT_EQUAL(ping_once(net, net->b, SIMNET_ADDR_A, 4000, &p), 0);
        CU_ASSERT_EQUAL(p.replies, 1);
        CU_ASSERT_EQUAL(p.bad_data, 0);
        /* 4008 bytes of ICMP: 1480 + 1480 + 1048, three fragments each way per ping. */
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "ip.fragments_sent"), 6);
        CU_ASSERT_EQUAL(stack_counter_get(net->b, "ip.fragments_sent"), 6);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "ip.datagrams_reassembled"), 2);
        CU_ASSERT_EQUAL(stack_counter_get(net->b, "ip.datagrams_reassembled"), 2);
        simnet_destroy(net);
}

/* Largest echo that fits 65535 bytes still goes through fragmented. */
static void
rfc791_largest_echo_fragmented_and_reassembled(void)
{
        struct simnet *net = simnet_create_seed(0);
        struct pinger p;

        CU_ASSERT_FATAL(net != NULL);
        /* Warm the ARP caches first: 45 fragments exceed the bounded resolution queue. */
        CU_ASSERT_EQUAL(ping_once(net, net->a, SIMNET_ADDR_B, 8, &p), 0);
        CU_ASSERT_EQUAL(ping_once(net, net->a, SIMNET_ADDR_B, 65535 - 20 - 8, &p), 0);
        CU_ASSERT_EQUAL(p.replies, 1);
        CU_ASSERT_EQUAL(p.bad_data, 0);
        CU_ASSERT_EQUAL(send_ping(net->a, SIMNET_ADDR_B, 2, 65535 - 20 - 8 + 1), -EMSGSIZE);
        simnet_destroy(net);
}

/* Different MTUs on each side: each side fragments to its own MTU. */
static void
rfc791_fragments_to_each_sides_mtu(void)
{
        struct simnet_config cfg = {.mtu_a = 576, .mtu_b = 1500};
        struct simnet *net = simnet_create(&cfg);
        struct pinger p;

        CU_ASSERT_FATAL(net != NULL);
        CU_ASSERT_EQUAL(ping_once(net, net->a, SIMNET_ADDR_B, 1400, &p), 0);
        CU_ASSERT_EQUAL(p.bad_data, 0);
        /* A: 1408 bytes in 552-byte pieces: 552 + 552 + 304. B's reply fits 1500. */
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "ip.fragments_sent"), 3);
        CU_ASSERT_EQUAL(stack_counter_get(net->b, "ip.fragments_sent"), 0);
        simnet_destroy(net);
}

struct lossy {
        struct pinger p;
        unsigned sent;
};

/* With 20% loss each way, every echo that gets through is answered, nothing else is, and no
 * packet buffer leaks. Fragmented echoes too: a lost fragment times out in reassembly. */
static void
ping_under_20_percent_loss(size_t len, uint64_t seed)
{
        struct simnet *net = simnet_create_seed(seed);
        struct simlink_impair im = {.delay_us = 2000, .jitter_us = 500, .loss_ppm = 200000};
        struct pinger *p;
        static struct lossy l;

        CU_ASSERT_FATAL(net != NULL);
        memset(&l, 0, sizeof(l));
        p = &l.p;
        p->len = len;
        /* Resolve ARP before the impairments start so the loss hits only the echoes. */
        simnet_run_for(net, 10000);
        stack_set_echo_handler(net->a, on_reply, p);
        CU_ASSERT_EQUAL(send_ping(net->a, SIMNET_ADDR_B, 0, len), 0);
        simnet_run_for(net, 100000);
        CU_ASSERT_EQUAL(p->replies, 1);
        simlink_set_impair(net->link, SIMLINK_A, &im);
        simlink_set_impair(net->link, SIMLINK_B, &im);
        for (uint16_t seq = 1; seq < 200; seq++) {
                CU_ASSERT_EQUAL(send_ping(net->a, SIMNET_ADDR_B, seq, len), 0);
                simnet_run_for(net, 10000);
        }
        simnet_run_for(net, 40000000); /* past the reassembly timeout: fragments freed */
        CU_ASSERT_EQUAL(p->bad_data, 0);
        for (unsigned seq = 0; seq < MAX_SEQ; seq++)
                CU_ASSERT(p->seen[seq] <= 1);
        /* Replies: those whose request and reply both got through. */
        CU_ASSERT(p->replies > 1 + (len > 1472 ? 199 / 10 : 199 / 2));
        CU_ASSERT(p->replies < 199);
        CU_ASSERT_EQUAL(stack_counter_get(net->b, "icmp.echo_replies_sent"),
                        stack_counter_get(net->b, "icmp.rx"));
        simnet_destroy(net);
}

static void
ping_small_under_20_percent_loss_no_leak(void)
{
        static const uint64_t seeds[] = {0, 1, 2, 3, 0xdecafbad};

        for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++)
                ping_under_20_percent_loss(56, seeds[i]);
}

static void
ping_fragmented_under_20_percent_loss_no_leak(void)
{
        static const uint64_t seeds[] = {0, 1, 2, 3, 0xdecafbad};

        for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++)
                ping_under_20_percent_loss(4000, seeds[i]);
}

/* Impairments besides loss: corrupt_ppm flips one bit per frame; dup, reorder and jitter
 * scramble arrival. Every echo that comes back must carry exactly the data sent. */
static void
ping_under_impairments(size_t big_len, uint32_t corrupt_ppm)
{
        struct simnet *net = simnet_create_seed(0);
        struct simlink_impair im = {.delay_us = 1000,
                                    .jitter_us = 3000,
                                    .corrupt_ppm = corrupt_ppm,
                                    .dup_ppm = 100000,
                                    .reorder_ppm = 100000,
                                    .reorder_us = 5000};
        static struct pinger p;

        CU_ASSERT_FATAL(net != NULL);
        memset(&p, 0, sizeof(p));
        stack_set_echo_handler(net->a, on_reply, &p);
        CU_ASSERT_EQUAL(send_ping(net->a, SIMNET_ADDR_B, 0, 100), 0); /* resolve ARP */
        simnet_run_for(net, 100000);
        CU_ASSERT_EQUAL(p.replies, 1);
        simlink_set_impair(net->link, SIMLINK_A, &im);
        simlink_set_impair(net->link, SIMLINK_B, &im);
        for (uint16_t seq = 1; seq < 200; seq++) {
                CU_ASSERT_EQUAL(send_ping(net->a, SIMNET_ADDR_B, seq, seq % 2 ? 1000 : big_len), 0);
                simnet_run_for(net, 2000);
        }
        simnet_run_for(net, 40000000); /* past the reassembly timeout */
        CU_ASSERT(p.replies > 100);
        for (unsigned seq = 0; seq < MAX_SEQ; seq++)
                CU_ASSERT(p.seen[seq] <= 4); /* request and reply each duplicated at most */
        CU_ASSERT_EQUAL(p.bad_data, 0);
        if (corrupt_ppm) {
                CU_ASSERT(simlink_stats(net->link, SIMLINK_A)->corrupted +
                              simlink_stats(net->link, SIMLINK_B)->corrupted >
                          10);
                CU_ASSERT(stack_counter_get(net->a, "icmp.drop_bad_checksum") +
                              stack_counter_get(net->b, "icmp.drop_bad_checksum") +
                              stack_counter_get(net->a, "ip.drop_bad_checksum") +
                              stack_counter_get(net->b, "ip.drop_bad_checksum") >
                          0);
        }
        simnet_destroy(net);
}

/* RFC 1071: a single flipped bit always changes the Internet checksum, so with unfragmented
 * echoes (one bit per frame at most) no corrupted data can ever be delivered. With several
 * corrupted fragments per datagram two flips can cancel out: the checksum's known limit, so
 * fragmented echoes are tested without corruption below. */
static void
ping_corrupted_frames_never_delivered(void)
{
        ping_under_impairments(1400, 100000);
}

static void
ping_fragmented_under_duplication_reordering(void)
{
        ping_under_impairments(3000, 0);
}

/* Two networks (four stacks) in one process, interleaved: nothing is shared between stack
 * instances, so each sees exactly its own traffic (ARCHITECTURE.md: no mutable globals). */
static void
two_networks_in_one_process_do_not_interfere(void)
{
        struct simnet *n1 = simnet_create_seed(0), *n2 = simnet_create_seed(0);
        struct pinger p1, p2;

        CU_ASSERT_FATAL(n1 != NULL && n2 != NULL);
        CU_ASSERT_EQUAL(ping_once(n1, n1->a, SIMNET_ADDR_B, 100, &p1), 0);
        CU_ASSERT_EQUAL(ping_once(n2, n2->b, SIMNET_ADDR_A, 200, &p2), 0);
        CU_ASSERT_EQUAL(ping_once(n1, n1->a, SIMNET_ADDR_B, 300, &p1), 0);
        CU_ASSERT_EQUAL(p1.replies, 1);
        CU_ASSERT_EQUAL(p2.replies, 1);
        CU_ASSERT_EQUAL(p1.bad_data + p2.bad_data, 0);
        CU_ASSERT_EQUAL(stack_counter_get(n1->b, "icmp.echo_replies_sent"), 2);
        CU_ASSERT_EQUAL(stack_counter_get(n1->a, "icmp.echo_replies_sent"), 0);
        CU_ASSERT_EQUAL(stack_counter_get(n2->a, "icmp.echo_replies_sent"), 1);
        CU_ASSERT_EQUAL(stack_counter_get(n2->b, "icmp.echo_replies_sent"), 0);
        simnet_destroy(n1);
        simnet_destroy(n2);
}

void
suite_net_ping(void)
{
        CU_pSuite su = CU_add_suite("sim_net_ping", NULL, NULL);
        CU_add_test(su, "rfc792_echo_reply_between_two_stacks",
                    rfc792_echo_reply_between_two_stacks);
        CU_add_test(su, "rfc791_fragmented_4000_byte_ping_both_ways",
                    rfc791_fragmented_4000_byte_ping_both_ways);
        CU_add_test(su, "rfc791_largest_echo_fragmented_and_reassembled",
                    rfc791_largest_echo_fragmented_and_reassembled);
        CU_add_test(su, "rfc791_fragments_to_each_sides_mtu", rfc791_fragments_to_each_sides_mtu);
        CU_add_test(su, "ping_small_under_20_percent_loss_no_leak",
                    ping_small_under_20_percent_loss_no_leak);
        CU_add_test(su, "ping_fragmented_under_20_percent_loss_no_leak",
                    ping_fragmented_under_20_percent_loss_no_leak);
        CU_add_test(su, "two_networks_in_one_process_do_not_interfere",
                    two_networks_in_one_process_do_not_interfere);
        CU_add_test(su, "ping_corrupted_frames_never_delivered",
                    ping_corrupted_frames_never_delivered);
        CU_add_test(su, "ping_fragmented_under_duplication_reordering",
                    ping_fragmented_under_duplication_reordering);
}

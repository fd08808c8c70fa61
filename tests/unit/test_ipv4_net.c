/* IPv4 behaviour of one stack through a simlink, the test playing the peer: input validation
 * with its drop counters (RFC 791 3.1, RFC 1122 3.2.1), fragmentation on output (RFC 791 3.2),
 * reassembly with its defences (RFC 1122 3.3.2, RFC 5722 idea) and IP IDs (RFC 7739). */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <string.h>

#include "stack/core/stack.h"
#include "stack/wire/arp.h"
#include "stack/wire/bytes.h"
#include "stack/wire/csum.h"
#include "stack/wire/eth.h"
#include "stack/wire/icmp.h"
#include "stack/wire/ipv4.h"
#include "tests/common/simnet.h"

#define IP0 ETH_HDR_LEN /* offset of the IPv4 header in a frame */
#define BIG 65600

static const uint8_t mac_zero[6];
static uint8_t frame[BIG];
static uint8_t msg[BIG];

static unsigned
take_all(struct simnet *net, uint8_t proto)
{
        unsigned n = 0;

        while (simnet_take_frame(net, SIMLINK_A, ETH_TYPE_IPV4, proto, frame, sizeof(frame)) > 0)
                n++;
        return n;
}

/* An echo request frame B -> A with len data bytes; returns the frame length. */
static size_t
echo_frame(uint32_t src, uint32_t dst, size_t len)
{
        struct simnet_ipv4 ip = {.src = src, .dst = dst, .id = 7};

        for (size_t i = 0; i < len; i++)
                msg[i] = (uint8_t)i;
        return simnet_build_icmp(frame, sizeof(frame), SIMLINK_A, &ip, ICMP_ECHO_REQUEST, 0, 1, 1,
                                 msg, len);
}

static void
inject_poll(struct simnet *net, size_t len)
{
        simnet_inject(net, SIMLINK_A, frame, len);
        simnet_poll(net);
}

static void
ipv4_valid_echo_answered(void)
{
        struct simnet *net = simnet_create_peer_known();

        CU_ASSERT_FATAL(net != NULL);
        inject_poll(net, echo_frame(SIMNET_ADDR_B, SIMNET_ADDR_A, 32));
        CU_ASSERT_EQUAL(take_all(net, IPV4_PROTO_ICMP), 1);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "icmp.echo_replies_sent"), 1);
        simnet_destroy(net);
}

/* Inject one malformed echo and check that exactly counter moved and nothing answered. */
static void
expect_drop(struct simnet *net, size_t len, const char *counter)
{
        uint64_t before = stack_counter_get(net->a, counter);
        uint64_t icmp_before = stack_counter_get(net->a, "icmp.rx");

        inject_poll(net, len);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, counter), before + 1);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "icmp.rx"), icmp_before);
        CU_ASSERT_EQUAL(take_all(net, 0), 0);
}

static void
rfc1122_3_2_1_malformed_headers_dropped_and_counted(void)
{
        struct simnet *net = simnet_create_peer_known();
        size_t n;

        CU_ASSERT_FATAL(net != NULL);
        n = echo_frame(SIMNET_ADDR_B, SIMNET_ADDR_A, 32);
        expect_drop(net, IP0 + 19, "ip.drop_truncated");

        frame[IP0] = 0x44; /* IHL 4: less than 5 words */
        simnet_ipv4_fix_csum(frame);
        expect_drop(net, n, "ip.drop_bad_header_length");

        n = echo_frame(SIMNET_ADDR_B, SIMNET_ADDR_A, 8); /* 36-byte datagram */
        frame[IP0] = 0x4f;                               /* IHL 15: 60 bytes, past the end */
        expect_drop(net, n, "ip.drop_truncated");

        n = echo_frame(SIMNET_ADDR_B, SIMNET_ADDR_A, 32);
        put16(frame + IP0 + 2, (uint16_t)(n - IP0 + 1)); /* total length > frame */
        simnet_ipv4_fix_csum(frame);
        expect_drop(net, n, "ip.drop_bad_total_length");

        n = echo_frame(SIMNET_ADDR_B, SIMNET_ADDR_A, 32);
        put16(frame + IP0 + 2, 19); /* total length < IHL */
        simnet_ipv4_fix_csum(frame);
        expect_drop(net, n, "ip.drop_bad_total_length");

        n = echo_frame(SIMNET_ADDR_B, SIMNET_ADDR_A, 32);
        frame[IP0 + 10] ^= 0x01; /* RFC 1122 3.2.1.2: checksum MUST be verified */
        expect_drop(net, n, "ip.drop_bad_checksum");

        n = echo_frame(SIMNET_ADDR_B, SIMNET_ADDR_A, 32);
        frame[IP0] = 0x65; /* RFC 1122 3.2.1.1: version 6 silently discarded */
        simnet_ipv4_fix_csum(frame);
        expect_drop(net, n, "ip.drop_bad_version");

        n = echo_frame(SIMNET_ADDR_B, SIMNET_ADDR_A, 32);
        frame[IP0 + 8] = 0; /* TTL 0 */
        simnet_ipv4_fix_csum(frame);
        expect_drop(net, n, "ip.drop_ttl_zero");

        /* The same frame, untouched, is still answered: the drops above were for cause. */
        inject_poll(net, echo_frame(SIMNET_ADDR_B, SIMNET_ADDR_A, 32));
        CU_ASSERT_EQUAL(take_all(net, IPV4_PROTO_ICMP), 1);
        simnet_destroy(net);
}

/* RFC 1122 3.2.1.3: a source that is broadcast, multicast, loopback or our own address
 * (a LAND attack) is discarded. */
static void
rfc1122_3_2_1_3_bad_source_dropped(void)
{
        static const uint32_t bad[] = {0xffffffffu, 0x0a0000ffu, 0xe0000001u,
                                       0xefffffffu, 0x7f000001u, SIMNET_ADDR_A};
        struct simnet *net = simnet_create_peer_known();

        CU_ASSERT_FATAL(net != NULL);
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                expect_drop(net, echo_frame(bad[i], SIMNET_ADDR_A, 16), "ip.drop_bad_source");
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "ip.drop_bad_source"), 6);
        simnet_destroy(net);
}

/* RFC 1122 3.3.1 (a host does not forward) and 3.2.1.3 (accept our address and broadcast). */
static void
rfc1122_3_2_1_3_not_for_us_dropped_broadcast_accepted(void)
{
        struct simnet *net = simnet_create_peer_known();

        CU_ASSERT_FATAL(net != NULL);
        expect_drop(net, echo_frame(SIMNET_ADDR_B, 0x0a000009u, 16), "ip.drop_not_for_us");
        /* Directed and limited broadcast reach ICMP (which MAY stay silent: 3.2.2.6). */
        inject_poll(net, echo_frame(SIMNET_ADDR_B, 0x0a0000ffu, 16));
        inject_poll(net, echo_frame(SIMNET_ADDR_B, 0xffffffffu, 16));
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "icmp.rx"), 2);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "ip.drop_not_for_us"), 1);
        CU_ASSERT_EQUAL(take_all(net, 0), 0);
        simnet_destroy(net);
}

/* RFC 791 3.1: options lengthen the header (IHL 6 here: NOP, NOP, NOP, EOL); the payload
 * starts after them and the datagram is still answered. */
static void
rfc791_header_options_skipped(void)
{
        struct simnet *net = simnet_create_peer_known();
        static uint8_t opt[2048];
        size_t n;

        CU_ASSERT_FATAL(net != NULL);
        n = echo_frame(SIMNET_ADDR_B, SIMNET_ADDR_A, 32);
        memcpy(opt, frame, IP0 + IPV4_HDR_LEN);
        opt[IP0] = 0x46;
        put16(opt + IP0 + 2, (uint16_t)(n - IP0 + 4));
        memcpy(opt + IP0 + IPV4_HDR_LEN, "\x01\x01\x01\x00", 4);
        memcpy(opt + IP0 + 24, frame + IP0 + IPV4_HDR_LEN, n - IP0 - IPV4_HDR_LEN);
        memcpy(frame, opt, n + 4);
        simnet_ipv4_fix_csum(frame);
        inject_poll(net, n + 4);
        CU_ASSERT_EQUAL(take_all(net, IPV4_PROTO_ICMP), 1);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "icmp.echo_replies_sent"), 1);
        simnet_destroy(net);
}

/* RFC 894/RFC 1122 2.3.3: Ethernet pads short frames; the IP total length tells what is
 * real. Were the padding kept, the ICMP checksum would fail and the echo go unanswered. */
static void
rfc894_ethernet_padding_trimmed(void)
{
        struct simnet *net = simnet_create_peer_known();
        size_t n;
        int got;

        CU_ASSERT_FATAL(net != NULL);
        n = echo_frame(SIMNET_ADDR_B, SIMNET_ADDR_A, 2); /* 44 bytes: padded to 60 */
        memset(frame + n, 0xa5, 60 - n);
        inject_poll(net, 60);
        got =
            simnet_take_frame(net, SIMLINK_A, ETH_TYPE_IPV4, IPV4_PROTO_ICMP, frame, sizeof(frame));
        CU_ASSERT_EQUAL(got, (int)n);
        CU_ASSERT_EQUAL(get16(frame + IP0 + 2), 20 + 8 + 2);
        simnet_destroy(net);
}

/* Build an echo request of len data bytes into msg (ICMP header included); returns size. */
static size_t
echo_msg(size_t len, uint16_t seq)
{
        struct icmp_hdr ih = {.type = ICMP_ECHO_REQUEST, .id = 1, .seq = seq};

        for (size_t i = 0; i < len; i++)
                msg[ICMP_HDR_LEN + i] = (uint8_t)(i * 13 + seq);
        icmp_hdr_emit(&ih, msg, len);
        return ICMP_HDR_LEN + len;
}

static void
inject_frag(struct simnet *net, uint16_t id, size_t off, size_t len, bool mf)
{
        struct simnet_ipv4 ip = {.src = SIMNET_ADDR_B,
                                 .dst = SIMNET_ADDR_A,
                                 .proto = IPV4_PROTO_ICMP,
                                 .id = id,
                                 .mf = mf,
                                 .frag_off = (uint16_t)off};
        size_t n = simnet_build_ipv4(frame, sizeof(frame), SIMLINK_A, &ip, msg + off, len);

        CU_ASSERT_FATAL(n > 0);
        inject_poll(net, n);
}

/* Reassemble the fragments A sent (one datagram, any order); returns the payload length. */
static size_t
collect_reply(struct simnet *net, uint8_t *out)
{
        size_t total = 0, got = 0;
        int n;

        while ((n = simnet_take_frame(net, SIMLINK_A, ETH_TYPE_IPV4, IPV4_PROTO_ICMP, frame,
                                      sizeof(frame))) > 0) {
                struct ipv4_hdr h;
                CU_ASSERT_FATAL(ipv4_hdr_parse(frame + IP0, (size_t)n - IP0, &h, NULL) > 0);
                CU_ASSERT(h.total_len <= 1500);
                CU_ASSERT(!h.mf || (h.total_len - h.hdr_len) % 8 == 0);
                memcpy(out + h.frag_off, frame + IP0 + h.hdr_len, h.total_len - h.hdr_len);
                got += h.total_len - h.hdr_len;
                if (!h.mf)
                        total = h.frag_off + h.total_len - h.hdr_len;
        }
        return got == total ? total : 0;
}

/* RFC 791 3.2: fragments arriving in any order are reassembled; the reply (RFC 1122 3.2.2.6:
 * same data) leaves fragmented to the MTU with MF and 8-byte-multiple offsets. */
static void
rfc791_reassembly_out_of_order_and_reply_fragmented(void)
{
        struct simnet *net = simnet_create_peer_known();
        static uint8_t reply[BIG];
        size_t len = echo_msg(3000, 5);

        CU_ASSERT_FATAL(net != NULL);
        inject_frag(net, 42, 2400, len - 2400, false);
        inject_frag(net, 42, 800, 800, true);
        inject_frag(net, 42, 1600, 800, true);
        CU_ASSERT_EQUAL(take_all(net, 0), 0);
        inject_frag(net, 42, 0, 800, true);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "ip.datagrams_reassembled"), 1);
        CU_ASSERT_FATAL(collect_reply(net, reply) == len);
        CU_ASSERT_EQUAL(reply[0], ICMP_ECHO_REPLY);
        CU_ASSERT_EQUAL(csum(reply, len), 0);
        CU_ASSERT_EQUAL(memcmp(reply + ICMP_HDR_LEN, msg + ICMP_HDR_LEN, len - ICMP_HDR_LEN), 0);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "ip.fragments_sent"), 3);
        simnet_destroy(net);
}

/* A duplicated fragment (netem does this) is harmless: one datagram, one reply. */
static void
rfc791_duplicate_fragment_harmless(void)
{
        struct simnet *net = simnet_create_peer_known();
        size_t len = echo_msg(2000, 6);

        CU_ASSERT_FATAL(net != NULL);
        inject_frag(net, 43, 0, 1000, true);
        inject_frag(net, 43, 0, 1000, true);
        inject_frag(net, 43, 1000, len - 1000, false);
        inject_frag(net, 43, 1000, len - 1000, false); /* a new datagram: never completes */
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "ip.datagrams_reassembled"), 1);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "ip.drop_fragment_overlap"), 0);
        CU_ASSERT_EQUAL(take_all(net, IPV4_PROTO_ICMP), 2); /* 2008 bytes: two fragments */
        simnet_run_for(net, 31000000);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "ip.drop_fragment_timeout"), 1);
        simnet_destroy(net);
}

/* Teardrop: a fragment that overlaps another with different data kills the datagram
 * (RFC 5722's rule applied to IPv4: never guess which copy is right). */
static void
teardrop_overlapping_fragments_rejected(void)
{
        struct simnet *net = simnet_create_peer_known();
        size_t len = echo_msg(2000, 7);

        CU_ASSERT_FATAL(net != NULL);
        inject_frag(net, 44, 0, 1000, true);
        msg[1000] ^= 0xff;
        inject_frag(net, 44, 992, len - 992, false); /* starts 8 bytes inside the first */
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "ip.drop_fragment_overlap"), 1);
        msg[1000] ^= 0xff;
        inject_frag(net, 44, 1000, len - 1000, false); /* the rest alone cannot complete it */
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "ip.datagrams_reassembled"), 0);
        CU_ASSERT_EQUAL(take_all(net, 0), 0);
        CU_ASSERT_EQUAL(stack_pkts_in_use(net->a), 0);
        simnet_run_for(net, 31000000);
        simnet_destroy(net);
}

/* Ping of death: fragments that reach past 65535 bytes are rejected. */
static void
ping_of_death_over_65535_rejected(void)
{
        struct simnet *net = simnet_create_peer_known();

        CU_ASSERT_FATAL(net != NULL);
        memset(msg, 0x41, BIG);
        echo_msg(8, 8);
        inject_frag(net, 45, 0, 1480, true);
        inject_frag(net, 45, 65528, 16, false); /* 20 + 65528 + 16 > 65535 */
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "ip.drop_fragment_over_65535"), 1);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "ip.datagrams_reassembled"), 0);
        /* The exact maximum still works: 65515 payload bytes. */
        echo_msg(65515 - ICMP_HDR_LEN, 9);
        for (size_t off = 0; off < 65515; off += 1480) {
                size_t n = 65515 - off < 1480 ? 65515 - off : 1480;
                inject_frag(net, 46, off, n, off + n < 65515);
        }
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "ip.datagrams_reassembled"), 1);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "icmp.echo_replies_sent"), 1);
        take_all(net, 0);
        simnet_destroy(net);
}

/* RFC 791 3.2: every fragment but the last carries a multiple of 8 bytes. */
static void
rfc791_fragment_not_multiple_of_8_dropped(void)
{
        struct simnet *net = simnet_create_peer_known();

        CU_ASSERT_FATAL(net != NULL);
        echo_msg(100, 10);
        inject_frag(net, 47, 0, 20, true);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "ip.drop_fragment_malformed"), 1);
        simnet_destroy(net);
}

static bool
never(void *ctx)
{
        (void)ctx;
        return false;
}

/* RFC 1122 3.3.2: an incomplete datagram is freed after the reassembly timeout; its slot is
 * then free for new datagrams without evicting anything. */
static void
rfc1122_3_3_2_reassembly_timeout_frees(void)
{
        struct simnet *net = simnet_create_peer_known();

        CU_ASSERT_FATAL(net != NULL);
        echo_msg(2000, 11);
        for (uint16_t id = 100; id < 104; id++) /* the default bound: four datagrams */
                inject_frag(net, id, 0, 1000, true);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "ip.drop_fragment_memory_bound"), 0);
        simnet_run_until(net, never, NULL, 29000000);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "ip.drop_fragment_timeout"), 0);
        simnet_run_until(net, never, NULL, 1000000);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "ip.drop_fragment_timeout"), 4);
        for (uint16_t id = 200; id < 204; id++)
                inject_frag(net, id, 0, 1000, true);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "ip.drop_fragment_memory_bound"), 0);
        /* A late fragment of a timed-out datagram cannot complete it. */
        inject_frag(net, 100, 1000, echo_msg(2000, 11) - 1000, false);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "ip.datagrams_reassembled"), 0);
        simnet_run_for(net, 31000000);
        simnet_destroy(net);
}

/* Memory bound: with more concurrent datagrams than slots the oldest is evicted and
 * counted; the newest still completes. */
static void
reassembly_memory_bound_evicts_oldest(void)
{
        struct simnet *net = simnet_create_peer_known();
        size_t len = echo_msg(2000, 12);

        CU_ASSERT_FATAL(net != NULL);
        for (uint16_t id = 1; id <= 5; id++) {
                inject_frag(net, id, 0, 1000, true);
                simnet_run_for(net, 1000); /* distinct start times: id 1 is the oldest */
        }
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "ip.drop_fragment_memory_bound"), 1);
        inject_frag(net, 5, 1000, len - 1000, false);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "ip.datagrams_reassembled"), 1);
        inject_frag(net, 2, 1000, len - 1000, false);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "ip.datagrams_reassembled"), 2);
        inject_frag(net, 1, 1000, len - 1000, false); /* evicted: only half is here */
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "ip.datagrams_reassembled"), 2);
        take_all(net, 0);
        simnet_run_for(net, 31000000);
        simnet_destroy(net);
}

/* RFC 1122 3.3.1.1: an on-link destination is sent to directly, anything else to the
 * default gateway's MAC with the final destination in the IP header; with no gateway the
 * send fails with no route. */
static void
rfc1122_3_3_1_1_next_hop_on_link_or_gateway(void)
{
        struct simnet_config cfg = {.one_stack = true, .gw_a = SIMNET_ADDR_B};
        struct simnet *net = simnet_create(&cfg);
        uint8_t f[64];
        size_t n;
        int got;

        CU_ASSERT_FATAL(net != NULL);
        simlink_flush(net->link, SIMLINK_A);
        CU_ASSERT_EQUAL(stack_ping_send(net->a, 0xc0000201u, 1, 1, "gw", 2), 0); /* 192.0.2.1 */
        got = simnet_take_frame(net, SIMLINK_A, ETH_TYPE_ARP, 0, frame, sizeof(frame));
        CU_ASSERT_FATAL(got > 0);
        CU_ASSERT_EQUAL(get32(frame + ETH_HDR_LEN + 24), SIMNET_ADDR_B); /* asks for the gateway */
        n = simnet_build_arp(f, sizeof(f), simnet_mac_a, ARP_OP_REPLY, simnet_mac_b, SIMNET_ADDR_B,
                             simnet_mac_a, SIMNET_ADDR_A);
        simnet_inject(net, SIMLINK_A, f, n);
        simnet_poll(net);
        got =
            simnet_take_frame(net, SIMLINK_A, ETH_TYPE_IPV4, IPV4_PROTO_ICMP, frame, sizeof(frame));
        CU_ASSERT_FATAL(got > 0);
        CU_ASSERT_EQUAL(memcmp(frame, simnet_mac_b, 6), 0);
        CU_ASSERT_EQUAL(get32(frame + IP0 + 16), 0xc0000201u);
        CU_ASSERT_EQUAL(get32(frame + IP0 + 12), SIMNET_ADDR_A);
        /* On-link destinations still go direct: an ARP request for them, not the gateway. */
        CU_ASSERT_EQUAL(stack_ping_send(net->a, 0x0a000007u, 1, 2, "ol", 2), 0);
        got = simnet_take_frame(net, SIMLINK_A, ETH_TYPE_ARP, 0, frame, sizeof(frame));
        CU_ASSERT_FATAL(got > 0);
        CU_ASSERT_EQUAL(get32(frame + ETH_HDR_LEN + 24), 0x0a000007u);
        simnet_run_for(net, 4000000); /* let that resolution fail */
        simnet_destroy(net);

        cfg.gw_a = 0;
        net = simnet_create(&cfg);
        CU_ASSERT_FATAL(net != NULL);
        CU_ASSERT_EQUAL(stack_ping_send(net->a, 0xc0000201u, 1, 1, "gw", 2), -ENETUNREACH);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "ip.drop_no_route"), 1);
        simnet_destroy(net);
}

/* Learn a neighbour by an ARP request from it. */
static void
learn(struct simnet *net, uint32_t ip, uint8_t last)
{
        uint8_t mac[6] = {0x02, 0, 0, 0, 0x10, last};
        uint8_t f[64];
        size_t n = simnet_build_arp(f, sizeof(f), eth_broadcast, ARP_OP_REQUEST, mac, ip, mac_zero,
                                    SIMNET_ADDR_A);

        simnet_inject(net, SIMLINK_A, f, n);
        simnet_poll(net);
}

static uint16_t
ping_id_to(struct simnet *net, uint32_t dst)
{
        CU_ASSERT_EQUAL(stack_ping_send(net->a, dst, 1, 1, "id", 2), 0);
        CU_ASSERT_FATAL(simnet_take_frame(net, SIMLINK_A, ETH_TYPE_IPV4, IPV4_PROTO_ICMP, frame,
                                          sizeof(frame)) > 0);
        return get16(frame + IP0 + 4);
}

/* RFC 7739 4.3 / RFC 6864: IDs come from per-destination counters behind a keyed hash, so
 * a peer sees neither our traffic to others nor a global counter. */
static void
rfc7739_ip_ids_per_destination_not_global(void)
{
        struct simnet *net = simnet_create_peer_known();
        uint16_t x0, x1, y0, prev = 0;
        unsigned sequential = 0;

        CU_ASSERT_FATAL(net != NULL);
        for (uint8_t i = 3; i < 20; i++)
                learn(net, 0x0a000000u | i, i);
        simlink_flush(net->link, SIMLINK_A);
        x0 = ping_id_to(net, SIMNET_ADDR_B);
        for (uint8_t i = 3; i < 20; i++) { /* 17 other destinations, 5 datagrams each */
                y0 = ping_id_to(net, 0x0a000000u | i);
                sequential += i > 3 && y0 == (uint16_t)(prev + 1);
                for (int k = 0; k < 4; k++)
                        prev = ping_id_to(net, 0x0a000000u | i);
        }
        x1 = ping_id_to(net, SIMNET_ADDR_B);
        /* A global counter would have moved by 86; ours moved by 1 (or a few if another
         * destination shared B's bucket). */
        CU_ASSERT((uint16_t)(x1 - x0) != 86);
        CU_ASSERT((uint16_t)(x1 - x0) <= 1 + 5 * 2);
        /* A new destination does not continue where the previous one stopped. */
        CU_ASSERT(sequential <= 2);
        simnet_destroy(net);
}

/* Output fragmentation (RFC 791 3.2): every piece fits the MTU, carries the same ID, MF
 * on all but the last, offsets in 8-byte units, and together they make the datagram. */
static void
rfc791_output_fragmentation_to_mtu(void)
{
        struct simnet *net = simnet_create_peer_known();
        static uint8_t out[BIG];
        static uint8_t data[5000];
        int n;
        size_t got = 0, frags = 0;
        int id = -1;

        CU_ASSERT_FATAL(net != NULL);
        for (size_t i = 0; i < sizeof(data); i++)
                data[i] = (uint8_t)(i ^ (i >> 8));
        CU_ASSERT_EQUAL(stack_ping_send(net->a, SIMNET_ADDR_B, 3, 4, data, sizeof(data)), 0);
        while ((n = simnet_take_frame(net, SIMLINK_A, ETH_TYPE_IPV4, IPV4_PROTO_ICMP, frame,
                                      sizeof(frame))) > 0) {
                struct ipv4_hdr h;
                CU_ASSERT_FATAL(ipv4_hdr_parse(frame + IP0, (size_t)n - IP0, &h, NULL) > 0);
                CU_ASSERT(h.total_len <= 1500);
                CU_ASSERT_EQUAL(h.frag_off % 8, 0);
                CU_ASSERT_EQUAL(h.frag_off, got);
                CU_ASSERT_EQUAL(h.mf, got + h.total_len - h.hdr_len < 8 + sizeof(data));
                if (id < 0)
                        id = h.id;
                CU_ASSERT_EQUAL(h.id, id);
                memcpy(out + h.frag_off, frame + IP0 + h.hdr_len, h.total_len - h.hdr_len);
                got += h.total_len - h.hdr_len;
                frags++;
        }
        CU_ASSERT_EQUAL(frags, 4); /* 5008 = 3 * 1480 + 568 */
        CU_ASSERT_EQUAL(got, 8 + sizeof(data));
        CU_ASSERT_EQUAL(csum(out, got), 0);
        CU_ASSERT_EQUAL(memcmp(out + 8, data, sizeof(data)), 0);
        simnet_destroy(net);
}

void
suite_ipv4_net(void)
{
        CU_pSuite su = CU_add_suite("ipv4_net", NULL, NULL);
        CU_add_test(su, "ipv4_valid_echo_answered", ipv4_valid_echo_answered);
        CU_add_test(su, "rfc1122_3_2_1_malformed_headers_dropped_and_counted",
                    rfc1122_3_2_1_malformed_headers_dropped_and_counted);
        CU_add_test(su, "rfc1122_3_2_1_3_bad_source_dropped", rfc1122_3_2_1_3_bad_source_dropped);
        CU_add_test(su, "rfc1122_3_2_1_3_not_for_us_dropped_broadcast_accepted",
                    rfc1122_3_2_1_3_not_for_us_dropped_broadcast_accepted);
        CU_add_test(su, "rfc791_header_options_skipped", rfc791_header_options_skipped);
        CU_add_test(su, "rfc894_ethernet_padding_trimmed", rfc894_ethernet_padding_trimmed);
        CU_add_test(su, "rfc791_reassembly_out_of_order_and_reply_fragmented",
                    rfc791_reassembly_out_of_order_and_reply_fragmented);
        CU_add_test(su, "rfc791_duplicate_fragment_harmless", rfc791_duplicate_fragment_harmless);
        CU_add_test(su, "teardrop_overlapping_fragments_rejected",
                    teardrop_overlapping_fragments_rejected);
        CU_add_test(su, "ping_of_death_over_65535_rejected", ping_of_death_over_65535_rejected);
        CU_add_test(su, "rfc791_fragment_not_multiple_of_8_dropped",
                    rfc791_fragment_not_multiple_of_8_dropped);
        CU_add_test(su, "rfc1122_3_3_2_reassembly_timeout_frees",
                    rfc1122_3_3_2_reassembly_timeout_frees);
        CU_add_test(su, "reassembly_memory_bound_evicts_oldest",
                    reassembly_memory_bound_evicts_oldest);
        CU_add_test(su, "rfc1122_3_3_1_1_next_hop_on_link_or_gateway",
                    rfc1122_3_3_1_1_next_hop_on_link_or_gateway);
        CU_add_test(su, "rfc7739_ip_ids_per_destination_not_global",
                    rfc7739_ip_ids_per_destination_not_global);
        CU_add_test(su, "rfc791_output_fragmentation_to_mtu", rfc791_output_fragmentation_to_mtu);
}

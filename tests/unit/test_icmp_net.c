/* ICMP behaviour of one stack through a simlink, the test playing the peer: echo, protocol
 * unreachable, rate limiting, the "never send an error about" rules, and validation of
 * incoming errors (RFC 792, RFC 1122 3.2.2, RFC 1812 4.3.2.8, RFC 6633). */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <string.h>

#include "stack/core/stack.h"
#include "stack/net/icmp.h"
#include "stack/wire/arp.h"
#include "stack/wire/bytes.h"
#include "stack/wire/csum.h"
#include "stack/wire/eth.h"
#include "stack/wire/icmp.h"
#include "stack/wire/ipv4.h"
#include "tests/common/simnet.h"

#define IP0 ETH_HDR_LEN
#define ICMP0 (ETH_HDR_LEN + IPV4_HDR_LEN)

static uint8_t frame[8192];
static uint8_t data[8192];

static void
inject_poll(struct simnet *net, size_t len)
{
        simnet_inject(net, SIMLINK_A, frame, len);
        simnet_poll(net);
}

static int
take_icmp(struct simnet *net)
{
        return simnet_take_frame(net, SIMLINK_A, ETH_TYPE_IPV4, IPV4_PROTO_ICMP, frame,
                                 sizeof(frame));
}

static unsigned
take_all(struct simnet *net)
{
        unsigned n = 0;

        while (simnet_take_frame(net, SIMLINK_A, ETH_TYPE_IPV4, 0, frame, sizeof(frame)) > 0)
                n++;
        return n;
}

/* A datagram of an unknown protocol (99) from src to dst with len payload bytes. */
static size_t
unknown_proto(uint32_t src, uint32_t dst, size_t len)
{
        struct simnet_ipv4 ip = {.src = src, .dst = dst, .proto = 99, .id = 0x4242};

        for (size_t i = 0; i < len; i++)
                data[i] = (uint8_t)(0x30 + i);
        return simnet_build_ipv4(frame, sizeof(frame), SIMLINK_A, &ip, data, len);
}

/* RFC 792 "Echo or Echo Reply Message": addresses swapped, type 0, identifier, sequence
 * number and data returned unchanged, checksum valid. */
static void
rfc792_echo_reply_mirrors_request(void)
{
        struct simnet *net = simnet_create_peer_known();
        struct simnet_ipv4 ip = {.src = SIMNET_ADDR_B, .dst = SIMNET_ADDR_A};
        size_t n;
        int got;

        CU_ASSERT_FATAL(net != NULL);
        for (size_t i = 0; i < 100; i++)
                data[i] = (uint8_t)(i * 3);
        n = simnet_build_icmp(frame, sizeof(frame), SIMLINK_A, &ip, ICMP_ECHO_REQUEST, 0, 0xbeef,
                              0x0102, data, 100);
        inject_poll(net, n);
        got = take_icmp(net);
        CU_ASSERT_FATAL(got == (int)n);
        CU_ASSERT_EQUAL(memcmp(frame, simnet_mac_b, 6), 0);
        CU_ASSERT_EQUAL(get32(frame + IP0 + 12), SIMNET_ADDR_A);
        CU_ASSERT_EQUAL(get32(frame + IP0 + 16), SIMNET_ADDR_B);
        CU_ASSERT_EQUAL(csum(frame + IP0, IPV4_HDR_LEN), 0);
        CU_ASSERT_EQUAL(frame[ICMP0], ICMP_ECHO_REPLY);
        CU_ASSERT_EQUAL(frame[ICMP0 + 1], 0);
        CU_ASSERT_EQUAL(get16(frame + ICMP0 + 4), 0xbeef);
        CU_ASSERT_EQUAL(get16(frame + ICMP0 + 6), 0x0102);
        CU_ASSERT_EQUAL(csum(frame + ICMP0, ICMP_HDR_LEN + 100), 0);
        CU_ASSERT_EQUAL(memcmp(frame + ICMP0 + ICMP_HDR_LEN, data, 100), 0);
        simnet_destroy(net);
}

/* RFC 1122 3.2.2.6: the reply to a large, fragmented echo carries all of its data. */
static void
rfc1122_3_2_2_6_large_fragmented_echo_answered(void)
{
        struct simnet *net = simnet_create_peer_known();
        static uint8_t msg[4008], out[4008];
        struct icmp_hdr ih = {.type = ICMP_ECHO_REQUEST, .id = 9, .seq = 9};
        size_t got = 0;
        int n;

        CU_ASSERT_FATAL(net != NULL);
        for (size_t i = 0; i < 4000; i++)
                msg[8 + i] = (uint8_t)(i * 7);
        icmp_hdr_emit(&ih, msg, 4000);
        for (size_t off = 0; off < sizeof(msg); off += 1480) {
                size_t len = sizeof(msg) - off < 1480 ? sizeof(msg) - off : 1480;
                struct simnet_ipv4 ip = {.src = SIMNET_ADDR_B,
                                         .dst = SIMNET_ADDR_A,
                                         .proto = IPV4_PROTO_ICMP,
                                         .id = 77,
                                         .mf = off + len < sizeof(msg),
                                         .frag_off = (uint16_t)off};
                inject_poll(
                    net, simnet_build_ipv4(frame, sizeof(frame), SIMLINK_A, &ip, msg + off, len));
        }
        while ((n = take_icmp(net)) > 0) {
                struct ipv4_hdr h;
                CU_ASSERT_FATAL(ipv4_hdr_parse(frame + IP0, (size_t)n - IP0, &h, NULL) > 0);
                CU_ASSERT_FATAL((size_t)h.frag_off + h.total_len - h.hdr_len <= sizeof(out));
                memcpy(out + h.frag_off, frame + IP0 + h.hdr_len, h.total_len - h.hdr_len);
                got += h.total_len - h.hdr_len;
        }
        CU_ASSERT_EQUAL(got, sizeof(msg));
        CU_ASSERT_EQUAL(out[0], ICMP_ECHO_REPLY);
        CU_ASSERT_EQUAL(csum(out, sizeof(out)), 0);
        CU_ASSERT_EQUAL(memcmp(out + 8, msg + 8, 4000), 0);
        simnet_destroy(net);
}

/* RFC 1122 3.2.2.1: a datagram for a protocol we do not speak draws a protocol
 * unreachable that quotes its IP header and first data bytes (RFC 792). */
static void
rfc1122_3_2_2_1_protocol_unreachable_for_unknown_protocol(void)
{
        struct simnet *net = simnet_create_peer_known();
        static uint8_t sent[2048];
        size_t n;
        int got;

        CU_ASSERT_FATAL(net != NULL);
        n = unknown_proto(SIMNET_ADDR_B, SIMNET_ADDR_A, 40);
        memcpy(sent, frame, n);
        inject_poll(net, n);
        got = take_icmp(net);
        CU_ASSERT_FATAL(got > ICMP0 + ICMP_HDR_LEN + IPV4_HDR_LEN + 8);
        CU_ASSERT_EQUAL(get32(frame + IP0 + 16), SIMNET_ADDR_B);
        CU_ASSERT_EQUAL(frame[ICMP0], ICMP_DEST_UNREACH);
        CU_ASSERT_EQUAL(frame[ICMP0 + 1], ICMP_UNREACH_PROTO);
        CU_ASSERT_EQUAL(csum(frame + ICMP0, (size_t)got - ICMP0), 0);
        CU_ASSERT_EQUAL(memcmp(frame + ICMP0 + ICMP_HDR_LEN, sent + IP0, n - IP0), 0);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "ip.drop_unknown_protocol"), 1);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "icmp.unreachables_sent"), 1);
        simnet_destroy(net);
}

/* RFC 1812 4.3.2.8 (and RFC 1122 3.2.2): errors we send are rate limited. */
static void
rfc1812_4_3_2_8_icmp_errors_rate_limited(void)
{
        struct simnet *net = simnet_create_peer_known();
        unsigned first, second;

        CU_ASSERT_FATAL(net != NULL);
        for (int i = 0; i < 50; i++)
                inject_poll(net, unknown_proto(SIMNET_ADDR_B, SIMNET_ADDR_A, 8));
        first = take_all(net);
        CU_ASSERT(first >= 1 && first < 20);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "icmp.errors_rate_limited"), 50 - first);
        simnet_run_for(net, 1000000); /* tokens come back with time */
        for (int i = 0; i < 50; i++)
                inject_poll(net, unknown_proto(SIMNET_ADDR_B, SIMNET_ADDR_A, 8));
        second = take_all(net);
        CU_ASSERT(second >= 1 && second < 20);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "icmp.unreachables_sent"), first + second);
        simnet_destroy(net);
}

/* RFC 1122 3.2.2: never an error about a datagram sent to a broadcast address or from an
 * address that is not a unicast host. */
static void
rfc1122_3_2_2_no_error_about_broadcast(void)
{
        struct simnet *net = simnet_create_peer_known();

        CU_ASSERT_FATAL(net != NULL);
        inject_poll(net, unknown_proto(SIMNET_ADDR_B, 0x0a0000ffu, 8));
        inject_poll(net, unknown_proto(SIMNET_ADDR_B, 0xffffffffu, 8));
        inject_poll(net, unknown_proto(0, SIMNET_ADDR_A, 8));
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "ip.drop_unknown_protocol"), 3);
        CU_ASSERT_EQUAL(take_all(net), 0);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "icmp.unreachables_sent"), 0);
        simnet_destroy(net);
}

/* Hand icmp_send_error a datagram of protocol ICMP whose message has type `type`. */
static void
error_about_icmp(struct simnet *net, uint8_t type)
{
        struct pkt *p = pkt_alloc(net->a, PKT_HEADROOM, IPV4_HDR_LEN + 16);
        struct ipv4_hdr h = {.hdr_len = IPV4_HDR_LEN,
                             .total_len = IPV4_HDR_LEN + 16,
                             .ttl = 64,
                             .proto = IPV4_PROTO_ICMP,
                             .src = SIMNET_ADDR_B,
                             .dst = SIMNET_ADDR_A};
        struct icmp_hdr ih = {.type = type};
        uint8_t *b;

        CU_ASSERT_FATAL(p != NULL);
        b = pkt_put(p, IPV4_HDR_LEN + 16);
        ipv4_hdr_emit(&h, b);
        memset(b + IPV4_HDR_LEN, 0, 16);
        icmp_hdr_emit(&ih, b + IPV4_HDR_LEN, 8);
        pkt_pull(p, IPV4_HDR_LEN);
        icmp_send_error(net->a, p, &h, ICMP_DEST_UNREACH, ICMP_UNREACH_PORT);
        pkt_free(net->a, p);
}

/* RFC 1122 3.2.2: never an error about an ICMP error message (queries are fine). */
static void
rfc1122_3_2_2_no_error_about_icmp_error(void)
{
        static const uint8_t errors[] = {ICMP_DEST_UNREACH, ICMP_SOURCE_QUENCH, ICMP_REDIRECT,
                                         ICMP_TIME_EXCEEDED, ICMP_PARAM_PROBLEM};
        struct simnet *net = simnet_create_peer_known();

        CU_ASSERT_FATAL(net != NULL);
        for (size_t i = 0; i < sizeof(errors); i++)
                error_about_icmp(net, errors[i]);
        CU_ASSERT_EQUAL(take_all(net), 0);
        error_about_icmp(net, ICMP_ECHO_REQUEST); /* control: a query may draw an error */
        CU_ASSERT_EQUAL(take_all(net), 1);
        simnet_destroy(net);
}

/* An ICMP error from B quoting `quote_len` bytes of `quote`. */
static size_t
icmp_error_frame(uint8_t type, uint8_t code, const uint8_t *quote, size_t quote_len)
{
        struct simnet_ipv4 ip = {.src = SIMNET_ADDR_B, .dst = SIMNET_ADDR_A};

        return simnet_build_icmp(frame, sizeof(frame), SIMLINK_A, &ip, type, code, 0, 0, quote,
                                 quote_len);
}

/* The header of an echo request we sent to B, plus 8 bytes of its ICMP header. */
static size_t
quoted_echo(uint8_t *q, uint8_t ihl_words)
{
        struct ipv4_hdr h = {.total_len = 84,
                             .ttl = 64,
                             .proto = IPV4_PROTO_ICMP,
                             .src = SIMNET_ADDR_A,
                             .dst = SIMNET_ADDR_B};
        struct icmp_hdr ih = {.type = ICMP_ECHO_REQUEST, .id = 1, .seq = 1};

        ipv4_hdr_emit(&h, q);
        q[0] = (uint8_t)(0x40 | ihl_words);
        memset(q + IPV4_HDR_LEN, 0, 40);
        icmp_hdr_emit(&ih, q + ihl_words * 4, 0);
        return (size_t)ihl_words * 4 + 8;
}

/* RFC 1122 3.2.2: an error is checked before the quoted header is trusted; a quote too short
 * for an IP header plus 8 bytes, or not IPv4, is dropped and counted. */
static void
rfc1122_3_2_2_error_with_truncated_quote_dropped(void)
{
        struct simnet *net = simnet_create_peer_known();
        uint8_t q[128];
        size_t qn;

        CU_ASSERT_FATAL(net != NULL);
        qn = quoted_echo(q, 5);
        inject_poll(net, icmp_error_frame(ICMP_DEST_UNREACH, ICMP_UNREACH_PORT, q, 19));
        inject_poll(net, icmp_error_frame(ICMP_DEST_UNREACH, ICMP_UNREACH_PORT, q, qn - 1));
        qn = quoted_echo(q, 6); /* IHL 6: 24 + 8 bytes needed */
        inject_poll(net, icmp_error_frame(ICMP_DEST_UNREACH, ICMP_UNREACH_PORT, q, qn - 1));
        qn = quoted_echo(q, 5);
        q[0] = 0x65; /* not IPv4 */
        inject_poll(net, icmp_error_frame(ICMP_TIME_EXCEEDED, 0, q, qn));
        q[0] = 0x44; /* IHL below 5 */
        inject_poll(net, icmp_error_frame(ICMP_PARAM_PROBLEM, 0, q, qn));
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "icmp.drop_malformed"), 5);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "icmp.errors_received"), 0);
        CU_ASSERT_EQUAL(stack_ping_error(net->a), 0);
        /* The complete quote is accepted and reaches the pinger. */
        qn = quoted_echo(q, 5);
        inject_poll(net, icmp_error_frame(ICMP_DEST_UNREACH, ICMP_UNREACH_HOST, q, qn));
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "icmp.errors_received"), 1);
        CU_ASSERT_EQUAL(stack_ping_error(net->a), -EHOSTUNREACH);
        CU_ASSERT_EQUAL(take_all(net), 0); /* never an error about an error */
        simnet_destroy(net);
}

/* An error about a datagram we did not send is ignored; source quench is ignored
 * (RFC 6633); unknown types are discarded (RFC 1122 3.2.2). */
static void
rfc1122_3_2_2_errors_not_about_us_and_quench_ignored(void)
{
        struct simnet *net = simnet_create_peer_known();
        uint8_t q[128];
        size_t qn = quoted_echo(q, 5);

        CU_ASSERT_FATAL(net != NULL);
        inject_poll(net, icmp_error_frame(ICMP_SOURCE_QUENCH, 0, q, qn));
        put32(q + 12, 0x0a000063u); /* quoted source is not us */
        put16(q + 10, 0);
        put16(q + 10, csum(q, IPV4_HDR_LEN));
        inject_poll(net, icmp_error_frame(ICMP_DEST_UNREACH, ICMP_UNREACH_HOST, q, qn));
        inject_poll(net, icmp_error_frame(42, 0, q, qn));
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "icmp.errors_ignored"), 2);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "icmp.errors_received"), 0);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "icmp.rx"), 3);
        CU_ASSERT_EQUAL(stack_ping_error(net->a), 0);
        CU_ASSERT_EQUAL(take_all(net), 0);
        simnet_destroy(net);
}

/* RFC 792: the checksum covers the whole message; a short or corrupted one is dropped. */
static void
rfc792_bad_checksum_and_short_message_dropped(void)
{
        struct simnet *net = simnet_create_peer_known();
        struct simnet_ipv4 ip = {.src = SIMNET_ADDR_B, .dst = SIMNET_ADDR_A};
        size_t n;

        CU_ASSERT_FATAL(net != NULL);
        n = simnet_build_icmp(frame, sizeof(frame), SIMLINK_A, &ip, ICMP_ECHO_REQUEST, 0, 1, 1,
                              data, 10);
        frame[n - 1] ^= 0x10;
        inject_poll(net, n);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "icmp.drop_bad_checksum"), 1);
        ip.proto = IPV4_PROTO_ICMP;
        inject_poll(net, simnet_build_ipv4(frame, sizeof(frame), SIMLINK_A, &ip, data, 7));
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "icmp.drop_malformed"), 1);
        CU_ASSERT_EQUAL(take_all(net), 0);
        simnet_destroy(net);
}

void
suite_icmp_net(void)
{
        CU_pSuite su = CU_add_suite("icmp_net", NULL, NULL);
        CU_add_test(su, "rfc792_echo_reply_mirrors_request", rfc792_echo_reply_mirrors_request);
        CU_add_test(su, "rfc1122_3_2_2_6_large_fragmented_echo_answered",
                    rfc1122_3_2_2_6_large_fragmented_echo_answered);
        CU_add_test(su, "rfc1122_3_2_2_1_protocol_unreachable_for_unknown_protocol",
                    rfc1122_3_2_2_1_protocol_unreachable_for_unknown_protocol);
        CU_add_test(su, "rfc1812_4_3_2_8_icmp_errors_rate_limited",
                    rfc1812_4_3_2_8_icmp_errors_rate_limited);
        CU_add_test(su, "rfc1122_3_2_2_no_error_about_broadcast",
                    rfc1122_3_2_2_no_error_about_broadcast);
        CU_add_test(su, "rfc1122_3_2_2_no_error_about_icmp_error",
                    rfc1122_3_2_2_no_error_about_icmp_error);
        CU_add_test(su, "rfc1122_3_2_2_error_with_truncated_quote_dropped",
                    rfc1122_3_2_2_error_with_truncated_quote_dropped);
        CU_add_test(su, "rfc1122_3_2_2_errors_not_about_us_and_quench_ignored",
                    rfc1122_3_2_2_errors_not_about_us_and_quench_ignored);
        CU_add_test(su, "rfc792_bad_checksum_and_short_message_dropped",
                    rfc792_bad_checksum_and_short_message_dropped);
}

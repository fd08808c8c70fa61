/* ICMP header parse/emit (RFC 792, RFC 1122 3.2.2) on messages captured from Linux kernels in
 * namespaces (tests/data/capture_describe.sh: tcpdump -w on veth a0, describe.pcap frames 4,
 * 5, 11 and 13, without their Ethernet and IPv4 headers). */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "stack/wire/icmp.h"

/* Frame 4: echo request from iputils ping, id 0x30e6, seq 1, 56 bytes of data. */
static const uint8_t echo_request[] = {
    0x08, 0x00, 0xbd, 0x3b, 0x30, 0xe6, 0x00, 0x01, 0xa6, 0x00, 0x07, 0x6b, 0x00, 0x00, 0x00, 0x00,
    0x99, 0x9e, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
    0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27,
    0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
};

/* Frame 5: the kernel's echo reply. */
static const uint8_t echo_reply[] = {
    0x00, 0x00, 0xc5, 0x3b, 0x30, 0xe6, 0x00, 0x01, 0xa6, 0x00, 0x07, 0x6b, 0x00, 0x00, 0x00, 0x00,
    0x99, 0x9e, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
    0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27,
    0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
};

/* Frame 11: a router's Time-to-live exceeded, quoting the whole TTL-1 echo request. */
static const uint8_t ttl_exceeded[] = {
    0x0b, 0x00, 0xf4, 0xff, 0x00, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x54, 0x77, 0xb1, 0x40, 0x00,
    0x01, 0x01, 0xcd, 0xc1, 0x0a, 0x00, 0x00, 0x01, 0xc6, 0x33, 0x64, 0x02, 0x08, 0x00, 0xd9, 0x22,
    0x30, 0xe8, 0x00, 0x01, 0xa6, 0x00, 0x07, 0x6b, 0x00, 0x00, 0x00, 0x00, 0x7d, 0xb5, 0x04, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b,
    0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b,
    0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
};

/* Frame 13: port unreachable for a UDP datagram to port 9, quoting its IP header and data. */
static const uint8_t port_unreach[] = {
    0x03, 0x03, 0xb9, 0x61, 0x00, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x21, 0x24, 0x0d,
    0x40, 0x00, 0x40, 0x11, 0x02, 0xbd, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
    0xeb, 0x91, 0x00, 0x09, 0x00, 0x0d, 0x14, 0x21, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
};

struct msg {
        const uint8_t *b;
        size_t len;
};

static const struct msg msgs[] = {
    {echo_request, sizeof(echo_request)},
    {echo_reply, sizeof(echo_reply)},
    {ttl_exceeded, sizeof(ttl_exceeded)},
    {port_unreach, sizeof(port_unreach)},
};
#define N_MSGS (sizeof(msgs) / sizeof(msgs[0]))

static void
rfc792_parse_real_echo(void)
{
        struct icmp_hdr h;
        int bad = -1;

        CU_ASSERT_EQUAL(icmp_hdr_parse(echo_request, sizeof(echo_request), &h, &bad), ICMP_HDR_LEN);
        CU_ASSERT_EQUAL(bad, 0);
        CU_ASSERT_EQUAL(h.type, ICMP_ECHO_REQUEST);
        CU_ASSERT_EQUAL(h.code, 0);
        CU_ASSERT_EQUAL(h.id, 0x30e6);
        CU_ASSERT_EQUAL(h.seq, 1);
        CU_ASSERT_EQUAL(icmp_hdr_parse(echo_reply, sizeof(echo_reply), &h, NULL), ICMP_HDR_LEN);
        CU_ASSERT_EQUAL(h.type, ICMP_ECHO_REPLY);
        CU_ASSERT_EQUAL(h.id, 0x30e6);
        CU_ASSERT_EQUAL(h.seq, 1);
}

/* RFC 792: errors carry an unused word, then the offending IP header and data. */
static void
rfc792_parse_real_errors(void)
{
        struct icmp_hdr h;

        CU_ASSERT_EQUAL(icmp_hdr_parse(ttl_exceeded, sizeof(ttl_exceeded), &h, NULL), ICMP_HDR_LEN);
        CU_ASSERT_EQUAL(h.type, ICMP_TIME_EXCEEDED);
        CU_ASSERT_EQUAL(h.code, 0);
        CU_ASSERT_EQUAL(h.id, 0);
        CU_ASSERT_EQUAL(h.seq, 0);
        CU_ASSERT_EQUAL(icmp_hdr_parse(port_unreach, sizeof(port_unreach), &h, NULL), ICMP_HDR_LEN);
        CU_ASSERT_EQUAL(h.type, ICMP_DEST_UNREACH);
        CU_ASSERT_EQUAL(h.code, ICMP_UNREACH_PORT);
}

/* parse -> emit over the same body reproduces every captured message, checksum included
 * (the odd-length port unreachable exercises RFC 1071's zero padding). */
static void
rfc792_emit_round_trips_captured_bytes(void)
{
        for (size_t i = 0; i < N_MSGS; i++) {
                uint8_t out[128];
                struct icmp_hdr h;

                CU_ASSERT_EQUAL_FATAL(icmp_hdr_parse(msgs[i].b, msgs[i].len, &h, NULL),
                                      ICMP_HDR_LEN);
                memset(out, 0xaa, sizeof(out));
                memcpy(out + ICMP_HDR_LEN, msgs[i].b + ICMP_HDR_LEN, msgs[i].len - ICMP_HDR_LEN);
                icmp_hdr_emit(&h, out, msgs[i].len - ICMP_HDR_LEN);
                CU_ASSERT_EQUAL(memcmp(out, msgs[i].b, msgs[i].len), 0);
                CU_ASSERT_EQUAL(out[msgs[i].len], 0xaa);
        }
}

/* Each length 0..N-1 is rejected: below 8 bytes as a short header, above it by the checksum,
 * which covers the whole message (RFC 792). ICMP has no length field, so the only prefixes
 * that pass are those that are themselves correct messages: the Time-to-live exceeded cut
 * right after its own header (8) or after the quoted IP header (28), each of which sums to
 * zero. Exact-size copies let ASan see overreads. */
static void
rfc792_every_truncation_rejected(void)
{
        for (size_t i = 0; i < N_MSGS; i++) {
                for (size_t len = 0; len < msgs[i].len; len++) {
                        uint8_t *b = malloc(len ? len : 1);
                        struct icmp_hdr h;
                        int bad = -1;
                        bool whole = msgs[i].b == ttl_exceeded && (len == 8 || len == 28);

                        memcpy(b, msgs[i].b, len);
                        CU_ASSERT_EQUAL(icmp_hdr_parse(b, len, &h, &bad),
                                        whole ? ICMP_HDR_LEN : -EBADMSG);
                        CU_ASSERT_EQUAL(bad, len >= ICMP_HDR_LEN && !whole);
                        free(b);
                }
        }
}

/* A 4-byte message with a correct checksum is still shorter than the header. */
static void
rfc792_drop_short_header_with_good_checksum(void)
{
        const uint8_t four[] = {0x08, 0x00, 0xf7, 0xff};
        struct icmp_hdr h;
        int bad = -1;

        CU_ASSERT_EQUAL(icmp_hdr_parse(four, sizeof(four), &h, &bad), -EBADMSG);
        CU_ASSERT_EQUAL(bad, 0);
}

/* RFC 792 / RFC 1122 3.2.2: a message whose checksum fails is dropped and flagged. */
static void
rfc792_drop_bad_checksum(void)
{
        for (size_t i = 0; i < N_MSGS; i++) {
                for (size_t byte = 0; byte < msgs[i].len; byte += 7) {
                        uint8_t b[128];
                        struct icmp_hdr h;
                        int bad = 0;

                        memcpy(b, msgs[i].b, msgs[i].len);
                        b[byte] ^= 0x20;
                        CU_ASSERT_EQUAL(icmp_hdr_parse(b, msgs[i].len, &h, &bad), -EBADMSG);
                        CU_ASSERT_EQUAL(bad, 1);
                        CU_ASSERT_EQUAL(icmp_hdr_parse(b, msgs[i].len, &h, NULL), -EBADMSG);
                }
        }
}

/* An emitted echo with an odd-length body parses back (checksum verifies to zero). */
static void
rfc792_emit_odd_payload_parses(void)
{
        uint8_t b[ICMP_HDR_LEN + 7] = {0};
        struct icmp_hdr h = {.type = ICMP_ECHO_REQUEST, .id = 0xbeef, .seq = 0x0102}, back;

        memcpy(b + ICMP_HDR_LEN, "abcdefg", 7);
        icmp_hdr_emit(&h, b, 7);
        CU_ASSERT_EQUAL(icmp_hdr_parse(b, sizeof(b), &back, NULL), ICMP_HDR_LEN);
        CU_ASSERT_EQUAL(back.type, ICMP_ECHO_REQUEST);
        CU_ASSERT_EQUAL(back.id, 0xbeef);
        CU_ASSERT_EQUAL(back.seq, 0x0102);
}

void
suite_icmp_wire(void)
{
        CU_pSuite su = CU_add_suite("icmp_wire", NULL, NULL);
        CU_add_test(su, "rfc792_parse_real_echo", rfc792_parse_real_echo);
        CU_add_test(su, "rfc792_parse_real_errors", rfc792_parse_real_errors);
        CU_add_test(su, "rfc792_emit_round_trips_captured_bytes",
                    rfc792_emit_round_trips_captured_bytes);
        CU_add_test(su, "rfc792_every_truncation_rejected", rfc792_every_truncation_rejected);
        CU_add_test(su, "rfc792_drop_short_header_with_good_checksum",
                    rfc792_drop_short_header_with_good_checksum);
        CU_add_test(su, "rfc792_drop_bad_checksum", rfc792_drop_bad_checksum);
        CU_add_test(su, "rfc792_emit_odd_payload_parses", rfc792_emit_odd_payload_parses);
}

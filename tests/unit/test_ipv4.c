/* IPv4 header parse/emit and validation (RFC 791 3.1, RFC 1122 3.2.1.1-3.2.1.2) on packets
 * captured from Linux kernels in namespaces (tests/data/capture_describe.sh: tcpdump -w on
 * veth a0, describe.pcap frames 4, 6, 7 and 11, without their 14-byte Ethernet header). */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stack/wire/bytes.h"
#include "stack/wire/csum.h"
#include "stack/wire/ipv4.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

/* Frame 4: ping 10.0.0.1 -> 10.0.0.2, DF, ID 0x1cee, 84 bytes. */
static const uint8_t echo[] = {
    0x45, 0x00, 0x00, 0x54, 0x1c, 0xee, 0x40, 0x00, 0x40, 0x01, 0x09, 0xb9, 0x0a, 0x00,
    0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x08, 0x00, 0xbd, 0x3b, 0x30, 0xe6, 0x00, 0x01,
    0xa6, 0x00, 0x07, 0x6b, 0x00, 0x00, 0x00, 0x00, 0x99, 0x9e, 0x04, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b,
    0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29,
    0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
};

/* Frame 6, header only: first fragment of ping -s 1500 (MF, offset 0, total 1500). */
static const uint8_t first_frag_hdr[] = {
    0x45, 0x00, 0x05, 0xdc, 0x1c, 0xef, 0x20, 0x00, 0x40, 0x01,
    0x24, 0x30, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
};

/* Frame 7: the last fragment (offset 1480, 28 bytes of ICMP data). */
static const uint8_t last_frag[] = {
    0x45, 0x00, 0x00, 0x30, 0x1c, 0xef, 0x00, 0xb9, 0x40, 0x01, 0x49, 0x23, 0x0a, 0x00, 0x00, 0x01,
    0x0a, 0x00, 0x00, 0x02, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb,
    0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xdb,
};

/* Frame 11, header only: the router's Time-to-live exceeded, TOS 0xc0 (internetwork control). */
static const uint8_t ttl_exceeded_hdr[] = {
    0x45, 0xc0, 0x00, 0x70, 0xb9, 0x8a, 0x00, 0x00, 0x40, 0x01,
    0xac, 0x40, 0x0a, 0x00, 0x00, 0x02, 0x0a, 0x00, 0x00, 0x01,
};

/* A copy of a captured packet that tests may damage; the header checksum is refreshed by
 * fix_csum so that only the field under test is wrong. */
struct pkt_copy {
        uint8_t b[1500];
        size_t len;
};

static void
copy_of(struct pkt_copy *p, const uint8_t *src, size_t len, size_t buf_len)
{
        memset(p->b, 0, sizeof(p->b));
        memcpy(p->b, src, len);
        p->len = buf_len;
}

static void
fix_csum(struct pkt_copy *p)
{
        size_t hl = (size_t)(p->b[0] & 0x0f) * 4;

        put16(p->b + 10, 0);
        put16(p->b + 10, csum(p->b, hl > p->len ? p->len : hl));
}

static int
parse(const struct pkt_copy *p, enum counter *why)
{
        struct ipv4_hdr h;

        *why = CNT__COUNT;
        return ipv4_hdr_parse(p->b, p->len, &h, why);
}

static void
rfc791_parse_real_echo(void)
{
        struct ipv4_hdr h;
        enum counter why = CNT__COUNT;

        CU_ASSERT_EQUAL(ipv4_hdr_parse(echo, sizeof(echo), &h, &why), IPV4_HDR_LEN);
        CU_ASSERT_EQUAL(why, CNT__COUNT); /* untouched on success */
        CU_ASSERT_EQUAL(h.hdr_len, 20);
        CU_ASSERT_EQUAL(h.tos, 0);
        CU_ASSERT_EQUAL(h.total_len, 84);
        CU_ASSERT_EQUAL(h.id, 0x1cee);
        CU_ASSERT_TRUE(h.df);
        CU_ASSERT_FALSE(h.mf);
        CU_ASSERT_EQUAL(h.frag_off, 0);
        CU_ASSERT_EQUAL(h.ttl, 64);
        CU_ASSERT_EQUAL(h.proto, IPV4_PROTO_ICMP);
        CU_ASSERT_EQUAL(h.src, IP(10, 0, 0, 1));
        CU_ASSERT_EQUAL(h.dst, IP(10, 0, 0, 2));
        CU_ASSERT_FALSE(ipv4_is_fragment(&h));
}

/* RFC 791 3.2 fragmentation fields: MF on the first fragment, offset in 8-byte units. */
static void
rfc791_parse_real_fragments(void)
{
        struct pkt_copy p;
        struct ipv4_hdr h;

        copy_of(&p, first_frag_hdr, sizeof(first_frag_hdr), 1500);
        CU_ASSERT_EQUAL(ipv4_hdr_parse(p.b, p.len, &h, NULL), IPV4_HDR_LEN);
        CU_ASSERT_TRUE(h.mf);
        CU_ASSERT_FALSE(h.df);
        CU_ASSERT_EQUAL(h.frag_off, 0);
        CU_ASSERT_EQUAL(h.total_len, 1500);
        CU_ASSERT_EQUAL(h.id, 0x1cef);
        CU_ASSERT_TRUE(ipv4_is_fragment(&h));

        CU_ASSERT_EQUAL(ipv4_hdr_parse(last_frag, sizeof(last_frag), &h, NULL), IPV4_HDR_LEN);
        CU_ASSERT_FALSE(h.mf);
        CU_ASSERT_EQUAL(h.frag_off, 1480);
        CU_ASSERT_EQUAL(h.total_len, 48);
        CU_ASSERT_EQUAL(h.id, 0x1cef);
        CU_ASSERT_TRUE(ipv4_is_fragment(&h));
}

/* parse -> emit reproduces each captured 20-byte header, checksum included. */
static void
rfc791_emit_round_trips_captured_headers(void)
{
        const uint8_t *hdrs[] = {echo, first_frag_hdr, last_frag, ttl_exceeded_hdr};
        struct pkt_copy p;

        for (size_t i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++) {
                struct ipv4_hdr h;
                uint8_t out[IPV4_HDR_LEN + 1];

                copy_of(&p, hdrs[i], IPV4_HDR_LEN, sizeof(p.b));
                CU_ASSERT_EQUAL_FATAL(ipv4_hdr_parse(p.b, p.len, &h, NULL), IPV4_HDR_LEN);
                memset(out, 0xaa, sizeof(out));
                ipv4_hdr_emit(&h, out);
                CU_ASSERT_EQUAL(memcmp(out, hdrs[i], IPV4_HDR_LEN), 0);
                CU_ASSERT_EQUAL(out[IPV4_HDR_LEN], 0xaa);
        }
}

/* RFC 1122 3.2.1.1 / RFC 791: a frame longer than the total length (Ethernet padding) is fine. */
static void
rfc791_accepts_trailing_link_padding(void)
{
        struct pkt_copy p;
        struct ipv4_hdr h;

        copy_of(&p, last_frag, sizeof(last_frag), sizeof(last_frag) + 12);
        CU_ASSERT_EQUAL(ipv4_hdr_parse(p.b, p.len, &h, NULL), IPV4_HDR_LEN);
        CU_ASSERT_EQUAL(h.total_len, 48);
}

/* RFC 791 3.1 options: IHL 6 carries a 4-byte option area (here NOP NOP NOP EOL). */
static void
rfc791_header_with_options_parses_its_length(void)
{
        struct pkt_copy p;
        struct ipv4_hdr h;

        memset(p.b, 0, sizeof(p.b));
        memcpy(p.b, echo, IPV4_HDR_LEN);
        p.b[0] = 0x46;
        put16(p.b + 2, 88);
        memcpy(p.b + 20, "\x01\x01\x01\x00", 4);
        memcpy(p.b + 24, echo + 20, sizeof(echo) - 20);
        p.len = 88;
        fix_csum(&p);
        CU_ASSERT_EQUAL(ipv4_hdr_parse(p.b, p.len, &h, NULL), 24);
        CU_ASSERT_EQUAL(h.hdr_len, 24);
        CU_ASSERT_EQUAL(h.src, IP(10, 0, 0, 1));
}

/* Each length 0..83 of the 84-byte echo is rejected: short of a header -> ip.drop_truncated,
 * short of the total length -> ip.drop_bad_total_length. Exact-size copies let ASan see
 * any read past the end. */
static void
rfc1122_3_2_1_1_every_truncation_rejected(void)
{
        for (size_t len = 0; len < sizeof(echo); len++) {
                uint8_t *b = malloc(len ? len : 1);
                struct ipv4_hdr h;
                enum counter why = CNT__COUNT;

                memcpy(b, echo, len);
                CU_ASSERT_EQUAL(ipv4_hdr_parse(b, len, &h, &why), -EBADMSG);
                CU_ASSERT_EQUAL(why, len < IPV4_HDR_LEN ? CNT_IP_RX_SHORT : CNT_IP_RX_BAD_LEN);
                CU_ASSERT_EQUAL(ipv4_hdr_parse(b, len, &h, NULL), -EBADMSG);
                free(b);
        }
}

/* RFC 1122 3.2.1.1: a datagram whose version is not 4 MUST be silently discarded. */
static void
rfc1122_3_2_1_1_drop_bad_version(void)
{
        const uint8_t versions[] = {0, 5, 6, 15};
        struct pkt_copy p;
        enum counter why;

        for (size_t i = 0; i < sizeof(versions); i++) {
                copy_of(&p, echo, sizeof(echo), sizeof(echo));
                p.b[0] = (uint8_t)(versions[i] << 4 | 5);
                fix_csum(&p);
                CU_ASSERT_EQUAL(parse(&p, &why), -EBADMSG);
                CU_ASSERT_EQUAL(why, CNT_IP_RX_BAD_VERSION);
        }
}

/* RFC 791 3.1: IHL counts 32-bit words and is at least 5. */
static void
rfc791_3_1_drop_ihl_below_5(void)
{
        struct pkt_copy p;
        enum counter why;

        for (uint8_t ihl = 0; ihl < 5; ihl++) {
                copy_of(&p, echo, sizeof(echo), sizeof(echo));
                p.b[0] = (uint8_t)(0x40 | ihl);
                fix_csum(&p);
                CU_ASSERT_EQUAL(parse(&p, &why), -EBADMSG);
                CU_ASSERT_EQUAL(why, CNT_IP_RX_BAD_IHL);
        }
}

/* An IHL that reaches past the bytes received is a truncated header. */
static void
rfc791_3_1_drop_ihl_past_the_end(void)
{
        struct pkt_copy p;
        enum counter why;

        copy_of(&p, echo, IPV4_HDR_LEN, 40);
        p.b[0] = 0x4f; /* 60-byte header, 40 bytes received */
        put16(p.b + 2, 40);
        CU_ASSERT_EQUAL(parse(&p, &why), -EBADMSG);
        CU_ASSERT_EQUAL(why, CNT_IP_RX_SHORT);
}

/* RFC 1122 3.2.1.1 and RFC 791 3.1: the total length covers the header and fits the frame. */
static void
rfc791_3_1_drop_total_length_over_buffer(void)
{
        struct pkt_copy p;
        enum counter why;

        copy_of(&p, echo, sizeof(echo), sizeof(echo));
        put16(p.b + 2, sizeof(echo) + 1);
        fix_csum(&p);
        CU_ASSERT_EQUAL(parse(&p, &why), -EBADMSG);
        CU_ASSERT_EQUAL(why, CNT_IP_RX_BAD_LEN);
        put16(p.b + 2, 0xffff);
        fix_csum(&p);
        CU_ASSERT_EQUAL(parse(&p, &why), -EBADMSG);
        CU_ASSERT_EQUAL(why, CNT_IP_RX_BAD_LEN);
}

static void
rfc791_3_1_drop_total_length_below_ihl(void)
{
        struct pkt_copy p;
        enum counter why;
        const uint16_t lens[] = {0, 10, 19};

        for (size_t i = 0; i < 3; i++) {
                copy_of(&p, echo, sizeof(echo), sizeof(echo));
                put16(p.b + 2, lens[i]);
                fix_csum(&p);
                CU_ASSERT_EQUAL(parse(&p, &why), -EBADMSG);
                CU_ASSERT_EQUAL(why, CNT_IP_RX_BAD_LEN);
        }
        /* 60-byte header, total length 40, buffer long enough for the header. */
        copy_of(&p, echo, sizeof(echo), sizeof(echo));
        p.b[0] = 0x4f;
        put16(p.b + 2, 40);
        fix_csum(&p);
        CU_ASSERT_EQUAL(parse(&p, &why), -EBADMSG);
        CU_ASSERT_EQUAL(why, CNT_IP_RX_BAD_LEN);
}

/* RFC 1122 3.2.1.2: the header checksum MUST be verified; any flipped header bit fails it. */
static void
rfc1122_3_2_1_2_drop_bad_checksum(void)
{
        struct pkt_copy p;
        enum counter why;

        for (size_t byte = 0; byte < IPV4_HDR_LEN; byte++) {
                copy_of(&p, echo, sizeof(echo), sizeof(echo));
                if (byte == 0 || byte == 2 || byte == 3)
                        continue; /* version, IHL, total length have their own checks */
                p.b[byte] ^= 0x01;
                CU_ASSERT_EQUAL(parse(&p, &why), -EBADMSG);
                CU_ASSERT_EQUAL(why, CNT_IP_RX_BAD_CSUM);
        }
}

void
suite_ipv4_wire(void)
{
        CU_pSuite su = CU_add_suite("ipv4_wire", NULL, NULL);
        CU_add_test(su, "rfc791_parse_real_echo", rfc791_parse_real_echo);
        CU_add_test(su, "rfc791_parse_real_fragments", rfc791_parse_real_fragments);
        CU_add_test(su, "rfc791_emit_round_trips_captured_headers",
                    rfc791_emit_round_trips_captured_headers);
        CU_add_test(su, "rfc791_accepts_trailing_link_padding",
                    rfc791_accepts_trailing_link_padding);
        CU_add_test(su, "rfc791_header_with_options_parses_its_length",
                    rfc791_header_with_options_parses_its_length);
        CU_add_test(su, "rfc1122_3_2_1_1_every_truncation_rejected",
                    rfc1122_3_2_1_1_every_truncation_rejected);
        CU_add_test(su, "rfc1122_3_2_1_1_drop_bad_version", rfc1122_3_2_1_1_drop_bad_version);
        CU_add_test(su, "rfc791_3_1_drop_ihl_below_5", rfc791_3_1_drop_ihl_below_5);
        CU_add_test(su, "rfc791_3_1_drop_ihl_past_the_end", rfc791_3_1_drop_ihl_past_the_end);
        CU_add_test(su, "rfc791_3_1_drop_total_length_over_buffer",
                    rfc791_3_1_drop_total_length_over_buffer);
        CU_add_test(su, "rfc791_3_1_drop_total_length_below_ihl",
                    rfc791_3_1_drop_total_length_below_ihl);
        CU_add_test(su, "rfc1122_3_2_1_2_drop_bad_checksum", rfc1122_3_2_1_2_drop_bad_checksum);
}

/* UDP header parse/emit and checksum (RFC 768, RFC 1122 4.1.3.4) on real datagrams: the seed's
 * DNS query for google.com and an echo datagram whose checksum computes to zero. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "stack/wire/describe.h"
#include "stack/wire/dns.h"
#include "stack/wire/ipv4.h"
#include "stack/wire/udp.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

/* 192.168.1.10:53747 -> 192.168.1.1:53, "Standard query 0x98ef A google.com" (the seed's
 * frame 20, 70 bytes on the wire); checksum computed independently. */
static const uint8_t dns_query[] = {
    0xd1, 0xf3, 0x00, 0x35, 0x00, 0x24, 0xfd, 0x78, 0x98, 0xef, 0x01, 0x00,
    0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x67, 0x6f, 0x6f,
    0x67, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d, 0x00, 0x00, 0x01, 0x00, 0x01,
};
#define DNS_SRC IP(192, 168, 1, 10)
#define DNS_DST IP(192, 168, 1, 1)

/* 10.0.0.2:53000 -> 10.0.0.1:7 "hello!\xd8\xc8": its one's-complement sum is 0xffff, so the
 * computed checksum is 0 and RFC 768 sends it as 0xffff. */
static const uint8_t echo_zero_csum[] = {
    0xcf, 0x08, 0x00, 0x07, 0x00, 0x10, 0xff, 0xff, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x21, 0xd8, 0xc8,
};
#define ECHO_SRC IP(10, 0, 0, 2)
#define ECHO_DST IP(10, 0, 0, 1)

static void
rfc768_parse_real_dns_query(void)
{
        struct udp_hdr h;

        CU_ASSERT_EQUAL(udp_hdr_parse(dns_query, sizeof(dns_query), &h), UDP_HDR_LEN);
        CU_ASSERT_EQUAL(h.sport, 53747);
        CU_ASSERT_EQUAL(h.dport, 53);
        CU_ASSERT_EQUAL(h.len, sizeof(dns_query));
        CU_ASSERT_EQUAL(h.csum, 0xfd78);
        CU_ASSERT_TRUE(udp_csum_ok(dns_query, sizeof(dns_query), DNS_SRC, DNS_DST));
}

static void
rfc768_emit_reproduces_real_bytes(void)
{
        uint8_t buf[sizeof(dns_query)];
        struct udp_hdr h = {.sport = 53747, .dport = 53};

        memset(buf, 0xaa, sizeof(buf));
        memcpy(buf + UDP_HDR_LEN, dns_query + UDP_HDR_LEN, sizeof(dns_query) - UDP_HDR_LEN);
        udp_hdr_emit(&h, buf, sizeof(dns_query) - UDP_HDR_LEN, DNS_SRC, DNS_DST);
        CU_ASSERT_EQUAL(memcmp(buf, dns_query, sizeof(buf)), 0);
}

static void
rfc768_computed_zero_checksum_sent_as_ffff(void)
{
        uint8_t buf[sizeof(echo_zero_csum)];
        struct udp_hdr h = {.sport = 53000, .dport = 7};

        memcpy(buf + UDP_HDR_LEN, echo_zero_csum + UDP_HDR_LEN, sizeof(buf) - UDP_HDR_LEN);
        udp_hdr_emit(&h, buf, sizeof(buf) - UDP_HDR_LEN, ECHO_SRC, ECHO_DST);
        CU_ASSERT_EQUAL(memcmp(buf, echo_zero_csum, sizeof(buf)), 0);
        CU_ASSERT_TRUE(udp_csum_ok(buf, sizeof(buf), ECHO_SRC, ECHO_DST));
}

static void
rfc768_every_truncation_rejected(void)
{
        struct udp_hdr h;

        /* Shorter than the header, or shorter than the length field says: never trusted. */
        for (size_t n = 0; n < sizeof(dns_query); n++)
                CU_ASSERT_EQUAL(udp_hdr_parse(dns_query, n, &h), -EBADMSG);
        CU_ASSERT_FALSE(udp_csum_ok(dns_query, 4, DNS_SRC, DNS_DST));
}

static void
rfc768_length_field_larger_than_datagram_rejected(void)
{
        uint8_t buf[sizeof(dns_query)];
        struct udp_hdr h;

        memcpy(buf, dns_query, sizeof(buf));
        buf[5] = (uint8_t)(sizeof(buf) + 1);
        CU_ASSERT_EQUAL(udp_hdr_parse(buf, sizeof(buf), &h), -EBADMSG);
        buf[4] = 0xff;
        buf[5] = 0xff;
        CU_ASSERT_EQUAL(udp_hdr_parse(buf, sizeof(buf), &h), -EBADMSG);
}

static void
rfc768_length_field_below_header_rejected(void)
{
        uint8_t buf[sizeof(dns_query)];
        struct udp_hdr h;

        memcpy(buf, dns_query, sizeof(buf));
        for (uint8_t l = 0; l < UDP_HDR_LEN; l++) {
                buf[4] = 0;
                buf[5] = l;
                CU_ASSERT_EQUAL(udp_hdr_parse(buf, sizeof(buf), &h), -EBADMSG);
        }
        buf[5] = UDP_HDR_LEN; /* an empty datagram is fine */
        CU_ASSERT_EQUAL(udp_hdr_parse(buf, sizeof(buf), &h), UDP_HDR_LEN);
        CU_ASSERT_EQUAL(h.len, UDP_HDR_LEN);
}

static void
rfc768_length_field_shorter_than_ip_payload_accepted(void)
{
        uint8_t buf[sizeof(dns_query) + 6];
        struct udp_hdr h;

        /* Trailing octets (e.g. padding) past the length field are not part of the datagram. */
        memcpy(buf, dns_query, sizeof(dns_query));
        memset(buf + sizeof(dns_query), 0x55, 6);
        CU_ASSERT_EQUAL(udp_hdr_parse(buf, sizeof(buf), &h), UDP_HDR_LEN);
        CU_ASSERT_EQUAL(h.len, sizeof(dns_query));
        CU_ASSERT_TRUE(udp_csum_ok(buf, h.len, DNS_SRC, DNS_DST));
}

static void
rfc1122_4_1_3_4_bad_checksum_detected(void)
{
        uint8_t buf[sizeof(dns_query)];

        memcpy(buf, dns_query, sizeof(buf));
        buf[20] ^= 0x01; /* one bit of the name */
        CU_ASSERT_FALSE(udp_csum_ok(buf, sizeof(buf), DNS_SRC, DNS_DST));
        memcpy(buf, dns_query, sizeof(buf));
        buf[7] ^= 0x80; /* the checksum itself */
        CU_ASSERT_FALSE(udp_csum_ok(buf, sizeof(buf), DNS_SRC, DNS_DST));
        /* The pseudo-header counts: the same bytes from another source do not verify. */
        CU_ASSERT_FALSE(udp_csum_ok(dns_query, sizeof(dns_query), DNS_SRC + 1, DNS_DST));
}

static void
rfc768_zero_checksum_accepted(void)
{
        uint8_t buf[sizeof(dns_query)];

        memcpy(buf, dns_query, sizeof(buf));
        buf[6] = 0;
        buf[7] = 0;
        buf[20] ^= 0x01; /* not verified at all: the sender computed no checksum */
        CU_ASSERT_TRUE(udp_csum_ok(buf, sizeof(buf), DNS_SRC, DNS_DST));
}

static void
describe_ipv4_udp(const uint8_t *l4, size_t l4_len, uint32_t src, uint32_t dst, char *out,
                  size_t cap)
{
        struct describe_state ds;
        struct ipv4_hdr ih = {
            .hdr_len = IPV4_HDR_LEN, .proto = IPV4_PROTO_UDP, .src = src, .dst = dst};

        memset(&ds, 0, sizeof(ds));
        ih.total_len = (uint16_t)(IPV4_HDR_LEN + l4_len);
        describe_udp(&ds, &ih, l4, l4_len, 14 + IPV4_HDR_LEN + l4_len, out, cap);
}

static void
describe_udp_wireshark_line(void)
{
        char out[256];

        describe_ipv4_udp(echo_zero_csum, sizeof(echo_zero_csum), ECHO_SRC, ECHO_DST, out,
                          sizeof(out));
        CU_ASSERT_STRING_EQUAL(out, "10.0.0.2 -> 10.0.0.1 UDP 50 53000 -> 7 Len=8");
        describe_ipv4_udp(echo_zero_csum, 7, ECHO_SRC, ECHO_DST, out, sizeof(out));
        CU_ASSERT_STRING_EQUAL(out, "10.0.0.2 -> 10.0.0.1 UDP 41 [Malformed Packet]");
}

static void
describe_udp_port_53_goes_to_dns(void)
{
        char out[256], dns[256], want[300];
        size_t n = dns_describe(dns_query + UDP_HDR_LEN, sizeof(dns_query) - UDP_HDR_LEN, dns,
                                sizeof(dns));

        describe_ipv4_udp(dns_query, sizeof(dns_query), DNS_SRC, DNS_DST, out, sizeof(out));
        /* The seed's frame 20 is 70 bytes; the DNS text is whatever the DNS describer says
         * (nothing while it is a stub, and then the UDP line stays). */
        if (n > 0)
                snprintf(want, sizeof(want), "192.168.1.10 -> 192.168.1.1 DNS 70 %s", dns);
        else
                snprintf(want, sizeof(want),
                         "192.168.1.10 -> 192.168.1.1 UDP 70 53747 -> 53 Len=28");
        CU_ASSERT_STRING_EQUAL(out, want);
}

void
suite_udp_wire(void)
{
        CU_pSuite su = CU_add_suite("udp_wire", NULL, NULL);
        CU_add_test(su, "rfc768_parse_real_dns_query", rfc768_parse_real_dns_query);
        CU_add_test(su, "rfc768_emit_reproduces_real_bytes", rfc768_emit_reproduces_real_bytes);
        CU_add_test(su, "rfc768_computed_zero_checksum_sent_as_ffff",
                    rfc768_computed_zero_checksum_sent_as_ffff);
        CU_add_test(su, "rfc768_every_truncation_rejected", rfc768_every_truncation_rejected);
        CU_add_test(su, "rfc768_length_field_larger_than_datagram_rejected",
                    rfc768_length_field_larger_than_datagram_rejected);
        CU_add_test(su, "rfc768_length_field_below_header_rejected",
                    rfc768_length_field_below_header_rejected);
        CU_add_test(su, "rfc768_length_field_shorter_than_ip_payload_accepted",
                    rfc768_length_field_shorter_than_ip_payload_accepted);
        CU_add_test(su, "rfc1122_4_1_3_4_bad_checksum_detected",
                    rfc1122_4_1_3_4_bad_checksum_detected);
        CU_add_test(su, "rfc768_zero_checksum_accepted", rfc768_zero_checksum_accepted);
        CU_add_test(su, "describe_udp_wireshark_line", describe_udp_wireshark_line);
        CU_add_test(su, "describe_udp_port_53_goes_to_dns", describe_udp_port_53_goes_to_dns);
}

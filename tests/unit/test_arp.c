/* ARP packet parse/emit (RFC 826, RFC 5227) on frames captured from Linux kernels in namespaces
 * (tests/data/capture_describe.sh: tcpdump -w on veth a0, frames 1-3 of describe.pcap). */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stack/wire/arp.h"
#include "stack/wire/eth.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

/* ARP payloads (after the 14-byte Ethernet header). Frame 1: the kernel's announcement after
 * a hardware address change (arp_notify); frame 2: "Who has 10.0.0.2? Tell 10.0.0.1";
 * frame 3: "10.0.0.2 is at 02:00:00:00:00:fe". */
static const uint8_t announce[ARP_PKT_LEN] = {
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x0a, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x01,
};
static const uint8_t request[ARP_PKT_LEN] = {
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x0a, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x02,
};
static const uint8_t reply[ARP_PKT_LEN] = {
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0xfe,
    0x0a, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x01,
};

static const uint8_t mac_a0[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t mac_r0[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0xfe};
static const uint8_t mac_zero[6] = {0};

static void
rfc826_parse_real_request(void)
{
        struct arp_pkt a;

        CU_ASSERT_EQUAL(arp_pkt_parse(request, sizeof(request), &a), ARP_PKT_LEN);
        CU_ASSERT_EQUAL(a.op, ARP_OP_REQUEST);
        CU_ASSERT_EQUAL(memcmp(a.sha, mac_a0, 6), 0);
        CU_ASSERT_EQUAL(a.spa, IP(10, 0, 0, 1));
        CU_ASSERT_EQUAL(memcmp(a.tha, mac_zero, 6), 0);
        CU_ASSERT_EQUAL(a.tpa, IP(10, 0, 0, 2));
}

static void
rfc826_parse_real_reply(void)
{
        struct arp_pkt a;

        CU_ASSERT_EQUAL(arp_pkt_parse(reply, sizeof(reply), &a), ARP_PKT_LEN);
        CU_ASSERT_EQUAL(a.op, ARP_OP_REPLY);
        CU_ASSERT_EQUAL(memcmp(a.sha, mac_r0, 6), 0);
        CU_ASSERT_EQUAL(a.spa, IP(10, 0, 0, 2));
        CU_ASSERT_EQUAL(memcmp(a.tha, mac_a0, 6), 0);
        CU_ASSERT_EQUAL(a.tpa, IP(10, 0, 0, 1));
}

/* RFC 5227 2.3: an announcement is a request whose sender and target addresses are equal. */
static void
rfc5227_2_3_parse_real_announcement(void)
{
        struct arp_pkt a;

        CU_ASSERT_EQUAL(arp_pkt_parse(announce, sizeof(announce), &a), ARP_PKT_LEN);
        CU_ASSERT_EQUAL(a.op, ARP_OP_REQUEST);
        CU_ASSERT_EQUAL(a.spa, IP(10, 0, 0, 1));
        CU_ASSERT_EQUAL(a.tpa, a.spa);
        CU_ASSERT_EQUAL(memcmp(a.tha, mac_zero, 6), 0);
}

static void
rfc826_emit_round_trips_captured_bytes(void)
{
        const uint8_t *pkts[] = {announce, request, reply};

        for (size_t i = 0; i < 3; i++) {
                struct arp_pkt a;
                uint8_t out[ARP_PKT_LEN + 1];

                memset(out, 0xaa, sizeof(out));
                CU_ASSERT_EQUAL_FATAL(arp_pkt_parse(pkts[i], ARP_PKT_LEN, &a), ARP_PKT_LEN);
                arp_pkt_emit(&a, out);
                CU_ASSERT_EQUAL(memcmp(out, pkts[i], ARP_PKT_LEN), 0);
                CU_ASSERT_EQUAL(out[ARP_PKT_LEN], 0xaa);
        }
}

/* Ethernet pads a 28-byte ARP packet to 46 bytes; the padding is ignored. */
static void
rfc826_accepts_ethernet_padding(void)
{
        uint8_t padded[46] = {0};
        struct arp_pkt a;

        memcpy(padded, reply, sizeof(reply));
        CU_ASSERT_EQUAL(arp_pkt_parse(padded, sizeof(padded), &a), ARP_PKT_LEN);
        CU_ASSERT_EQUAL(a.spa, IP(10, 0, 0, 2));
}

static void
rfc826_every_truncation_rejected(void)
{
        for (size_t len = 0; len < ARP_PKT_LEN; len++) {
                uint8_t *b = malloc(len ? len : 1);
                struct arp_pkt a;

                memcpy(b, request, len);
                CU_ASSERT_EQUAL(arp_pkt_parse(b, len, &a), -EBADMSG);
                free(b);
        }
}

static int
parse_with(size_t off, uint8_t val)
{
        uint8_t b[ARP_PKT_LEN];
        struct arp_pkt a;

        memcpy(b, request, sizeof(b));
        b[off] = val;
        return arp_pkt_parse(b, sizeof(b), &a);
}

/* RFC 826 "Packet Reception": only ar$hrd = Ethernet (1), ar$pro = IPv4, 6-byte hardware and
 * 4-byte protocol addresses, and the request/reply opcodes are understood. */
static void
rfc826_reception_rejects_bad_fields(void)
{
        CU_ASSERT_EQUAL(parse_with(1, 6), -EBADMSG);    /* htype 6 (IEEE 802) */
        CU_ASSERT_EQUAL(parse_with(0, 1), -EBADMSG);    /* htype 0x0101 */
        CU_ASSERT_EQUAL(parse_with(2, 0x86), -EBADMSG); /* ptype 0x8600 */
        CU_ASSERT_EQUAL(parse_with(3, 0x06), -EBADMSG); /* ptype 0x0806 */
        CU_ASSERT_EQUAL(parse_with(4, 8), -EBADMSG);    /* hlen 8 */
        CU_ASSERT_EQUAL(parse_with(4, 0), -EBADMSG);
        CU_ASSERT_EQUAL(parse_with(5, 16), -EBADMSG); /* plen 16 (IPv6-sized) */
        CU_ASSERT_EQUAL(parse_with(5, 0), -EBADMSG);
        CU_ASSERT_EQUAL(parse_with(7, 0), -EBADMSG); /* op 0 */
        CU_ASSERT_EQUAL(parse_with(7, 3), -EBADMSG); /* op 3: RARP request (RFC 903) */
        CU_ASSERT_EQUAL(parse_with(6, 1), -EBADMSG); /* op 0x0101 */
        CU_ASSERT_EQUAL(parse_with(7, 2), ARP_PKT_LEN);
}

void
suite_arp_wire(void)
{
        CU_pSuite su = CU_add_suite("arp_wire", NULL, NULL);
        CU_add_test(su, "rfc826_parse_real_request", rfc826_parse_real_request);
        CU_add_test(su, "rfc826_parse_real_reply", rfc826_parse_real_reply);
        CU_add_test(su, "rfc5227_2_3_parse_real_announcement", rfc5227_2_3_parse_real_announcement);
        CU_add_test(su, "rfc826_emit_round_trips_captured_bytes",
                    rfc826_emit_round_trips_captured_bytes);
        CU_add_test(su, "rfc826_accepts_ethernet_padding", rfc826_accepts_ethernet_padding);
        CU_add_test(su, "rfc826_every_truncation_rejected", rfc826_every_truncation_rejected);
        CU_add_test(su, "rfc826_reception_rejects_bad_fields", rfc826_reception_rejects_bad_fields);
}

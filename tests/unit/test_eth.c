/* Ethernet II header parse/emit (RFC 894) on frames captured from Linux kernels in namespaces
 * (tests/data/capture_describe.sh: tcpdump -w on veth a0, frames 2 and 4 of describe.pcap). */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stack/wire/eth.h"

/* Frame 2: 10.0.0.1's kernel asks "Who has 10.0.0.2?" to the broadcast address. */
static const uint8_t arp_request_frame[] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06,
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x0a, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x02,
};

/* Frame 4, first 34 bytes: the echo request 10.0.0.1 -> 10.0.0.2, unicast to 02:..:fe. */
static const uint8_t echo_frame_head[] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0xfe, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x08, 0x00, 0x45, 0x00, 0x00, 0x54, 0x1c, 0xee, 0x40, 0x00, 0x40, 0x01,
    0x09, 0xb9, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
};

static const uint8_t mac_a0[ETH_ADDR_LEN] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t mac_r0[ETH_ADDR_LEN] = {0x02, 0x00, 0x00, 0x00, 0x00, 0xfe};

static void
rfc894_parse_real_broadcast_arp(void)
{
        struct eth_hdr h;

        CU_ASSERT_EQUAL(eth_hdr_parse(arp_request_frame, sizeof(arp_request_frame), &h),
                        ETH_HDR_LEN);
        CU_ASSERT_EQUAL(memcmp(h.dst, eth_broadcast, ETH_ADDR_LEN), 0);
        CU_ASSERT_EQUAL(memcmp(h.src, mac_a0, ETH_ADDR_LEN), 0);
        CU_ASSERT_EQUAL(h.type, ETH_TYPE_ARP);
}

static void
rfc894_parse_real_unicast_ipv4(void)
{
        struct eth_hdr h;

        CU_ASSERT_EQUAL(eth_hdr_parse(echo_frame_head, sizeof(echo_frame_head), &h), ETH_HDR_LEN);
        CU_ASSERT_EQUAL(memcmp(h.dst, mac_r0, ETH_ADDR_LEN), 0);
        CU_ASSERT_EQUAL(memcmp(h.src, mac_a0, ETH_ADDR_LEN), 0);
        CU_ASSERT_EQUAL(h.type, ETH_TYPE_IPV4);
}

/* parse -> emit gives back the captured header bytes exactly. */
static void
rfc894_emit_round_trips_captured_bytes(void)
{
        const uint8_t *frames[] = {arp_request_frame, echo_frame_head};

        for (size_t i = 0; i < 2; i++) {
                struct eth_hdr h;
                uint8_t out[ETH_HDR_LEN + 1];

                memset(out, 0xaa, sizeof(out));
                CU_ASSERT_EQUAL_FATAL(eth_hdr_parse(frames[i], ETH_HDR_LEN, &h), ETH_HDR_LEN);
                eth_hdr_emit(&h, out);
                CU_ASSERT_EQUAL(memcmp(out, frames[i], ETH_HDR_LEN), 0);
                CU_ASSERT_EQUAL(out[ETH_HDR_LEN], 0xaa); /* writes exactly 14 bytes */
        }
}

/* Each length 0..13 is rejected; the bytes sit at the end of an exact-size heap block so
 * ASan flags any read past them. */
static void
rfc894_every_truncation_rejected(void)
{
        for (size_t len = 0; len < ETH_HDR_LEN; len++) {
                uint8_t *b = malloc(len ? len : 1);
                struct eth_hdr h;

                memcpy(b, arp_request_frame, len);
                CU_ASSERT_EQUAL(eth_hdr_parse(b, len, &h), -EBADMSG);
                free(b);
        }
}

void
suite_eth(void)
{
        CU_pSuite su = CU_add_suite("eth", NULL, NULL);
        CU_add_test(su, "rfc894_parse_real_broadcast_arp", rfc894_parse_real_broadcast_arp);
        CU_add_test(su, "rfc894_parse_real_unicast_ipv4", rfc894_parse_real_unicast_ipv4);
        CU_add_test(su, "rfc894_emit_round_trips_captured_bytes",
                    rfc894_emit_round_trips_captured_bytes);
        CU_add_test(su, "rfc894_every_truncation_rejected", rfc894_every_truncation_rejected);
}

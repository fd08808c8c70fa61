/* RFC 1071 checksum: the worked example of RFC 1071 section 3, odd lengths, carry folding,
 * incremental sums, and the RFC 768 pseudo-header on a UDP datagram captured from a Linux
 * kernel (tests/data/capture_describe.sh, describe.pcap frame 12). */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include "stack/wire/csum.h"

static void
rfc1071_3_example_sum(void)
{
        const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
        /* RFC 1071 3: the sum of these bytes is ddf2, so the checksum is ~ddf2 = 220d. */
        CU_ASSERT_EQUAL(csum(b, sizeof(b)), 0x220d);
}

static void
rfc1071_odd_length_pads_with_zero(void)
{
        const uint8_t odd[] = {0x12, 0x34, 0x56};
        const uint8_t even[] = {0x12, 0x34, 0x56, 0x00};
        CU_ASSERT_EQUAL(csum(odd, 3), csum(even, 4));
}

static void
rfc1071_verify_gives_zero(void)
{
        /* A real IPv4 header (ping 10.0.0.1 -> 10.0.0.2) with its checksum verifies to 0. */
        const uint8_t ip[] = {0x45, 0x00, 0x00, 0x54, 0x9f, 0x3c, 0x40, 0x00, 0x40, 0x01,
                              0x87, 0x6a, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02};
        CU_ASSERT_EQUAL(csum(ip, sizeof(ip)), 0);
}

/* RFC 1071 2(B): the sum may be computed in parts; splitting at an even offset and passing
 * the running sum gives the same checksum as one pass. */
static void
rfc1071_2_incremental_sum_matches_one_pass(void)
{
        uint8_t b[301];

        for (size_t i = 0; i < sizeof(b); i++)
                b[i] = (uint8_t)(i * 37 + 11);
        for (size_t split = 0; split <= sizeof(b); split += 2) {
                uint32_t sum = csum_partial(b, split, 0);
                sum = csum_partial(b + split, sizeof(b) - split, sum);
                CU_ASSERT_EQUAL(csum_fold(sum), csum(b, sizeof(b)));
        }
}

/* RFC 1071 2(C): end-around carries are folded back in; 70000 bytes of 0xff sum to 0xffff
 * (negative zero), whose complement is 0, and an all-zero buffer checks as 0xffff. */
static void
rfc1071_2_end_around_carry_folds(void)
{
        size_t n = 70000;
        uint8_t *b = malloc(n);

        memset(b, 0xff, n);
        CU_ASSERT_EQUAL(csum(b, n), 0x0000);
        memset(b, 0, n);
        CU_ASSERT_EQUAL(csum(b, n), 0xffff);
        CU_ASSERT_EQUAL(csum(b, 0), 0xffff);
        CU_ASSERT_EQUAL(csum_fold(0x0001fffe), 0x0000); /* 0xfffe + 1 = 0xffff */
        CU_ASSERT_EQUAL(csum_fold(0xffffffff), 0x0000);
        free(b);
}

/* 10.0.0.1:60305 -> 10.0.0.2:9 "hello", as captured on the sending veth. The kernel left the
 * checksum to offload (CHECKSUM_PARTIAL), so the field holds the folded pseudo-header sum,
 * 0x1421, uncomplemented; csum_pseudo must agree. The finished RFC 768 checksum over the
 * pseudo-header, header and odd-length data, 0xbc64, was computed independently. */
static void
rfc768_pseudo_header_on_real_udp(void)
{
        uint8_t udp[] = {0xeb, 0x91, 0x00, 0x09, 0x00, 0x0d, 0x14,
                         0x21, 0x68, 0x65, 0x6c, 0x6c, 0x6f};
        uint32_t ph = csum_pseudo(0x0a000001, 0x0a000002, 17, sizeof(udp));

        CU_ASSERT_EQUAL((uint16_t)~csum_fold(ph), 0x1421);
        udp[6] = udp[7] = 0;
        CU_ASSERT_EQUAL(csum_fold(csum_partial(udp, sizeof(udp), ph)), 0xbc64);
        udp[6] = 0xbc;
        udp[7] = 0x64;
        CU_ASSERT_EQUAL(csum_fold(csum_partial(udp, sizeof(udp), ph)), 0);
        /* A different destination address (or protocol) fails it. */
        ph = csum_pseudo(0x0a000001, 0x0a000003, 17, sizeof(udp));
        CU_ASSERT_NOT_EQUAL(csum_fold(csum_partial(udp, sizeof(udp), ph)), 0);
        ph = csum_pseudo(0x0a000001, 0x0a000002, 6, sizeof(udp));
        CU_ASSERT_NOT_EQUAL(csum_fold(csum_partial(udp, sizeof(udp), ph)), 0);
}

void
suite_csum(void)
{
        CU_pSuite su = CU_add_suite("csum", NULL, NULL);
        CU_add_test(su, "rfc1071_3_example_sum", rfc1071_3_example_sum);
        CU_add_test(su, "rfc1071_odd_length_pads_with_zero", rfc1071_odd_length_pads_with_zero);
        CU_add_test(su, "rfc1071_verify_gives_zero", rfc1071_verify_gives_zero);
        CU_add_test(su, "rfc1071_2_incremental_sum_matches_one_pass",
                    rfc1071_2_incremental_sum_matches_one_pass);
        CU_add_test(su, "rfc1071_2_end_around_carry_folds", rfc1071_2_end_around_carry_folds);
        CU_add_test(su, "rfc768_pseudo_header_on_real_udp", rfc768_pseudo_header_on_real_udp);
}

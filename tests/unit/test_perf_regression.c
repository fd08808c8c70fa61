/* Guards for the fast paths `make bench` tuned: the 8-bytes-at-a-time RFC 1071 checksum must
 * equal the plain 16-bit big-endian sum for every length, alignment and starting sum. (The
 * instructions-per-MB figure itself is checked by `make bench-check`, which runs callgrind.) */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stdlib.h>

#include "stack/wire/csum.h"

/* RFC 1071 section 4.1, literally: 16-bit big-endian words, odd byte padded, carries folded. */
static uint16_t
reference_csum(const uint8_t *p, size_t len, uint32_t start)
{
        uint64_t acc = start;

        for (; len >= 2; p += 2, len -= 2)
                acc += (uint32_t)p[0] << 8 | p[1];
        if (len)
                acc += (uint32_t)p[0] << 8;
        while (acc >> 16)
                acc = (acc & 0xffff) + (acc >> 16);
        return (uint16_t)~acc;
}

static void
rfc1071_fast_sum_equals_reference_all_lengths_and_alignments(void)
{
        uint8_t buf[600];
        uint32_t x = 12345;
        unsigned bad = 0;

        for (size_t i = 0; i < sizeof(buf); i++) {
                x = x * 1103515245u + 12345u; /* fixed LCG: the same bytes every run */
                buf[i] = (uint8_t)(x >> 16);
        }
        for (size_t off = 0; off < 8; off++)
                for (size_t len = 0; len + off <= 520; len++)
                        bad += csum_fold(csum_partial(buf + off, len, 0)) !=
                               reference_csum(buf + off, len, 0);
        CU_ASSERT_EQUAL(bad, 0);
}

/* A running sum handed in (pseudo-header, RFC 9293 3.1) must give the same result. */
static void
rfc1071_fast_sum_keeps_the_running_sum(void)
{
        static const uint32_t starts[] = {0, 1, 0xffff, 0x1fffe, 0xfffffffe, 0x12345678};
        uint8_t buf[1500];

        for (size_t i = 0; i < sizeof(buf); i++)
                buf[i] = (uint8_t)(0xff - i % 7);
        for (size_t k = 0; k < sizeof(starts) / sizeof(starts[0]); k++)
                for (size_t len = 1400; len < 1500; len += 33)
                        CU_ASSERT_EQUAL(csum_fold(csum_partial(buf, len, starts[k])),
                                        reference_csum(buf, len, starts[k]));
}

void
suite_perf_regression(void)
{
        CU_pSuite s = CU_add_suite("perf_regression", NULL, NULL);

        CU_add_test(s, "rfc1071_fast_sum_equals_reference_all_lengths_and_alignments",
                    rfc1071_fast_sum_equals_reference_all_lengths_and_alignments);
        CU_add_test(s, "rfc1071_fast_sum_keeps_the_running_sum",
                    rfc1071_fast_sum_keeps_the_running_sum);
}

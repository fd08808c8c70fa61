/* The byte ring behind TCP's send and receive buffers: reads, skips (consuming without a
 * copy, as the discard service of RFC 863 does), wrap-around and out-of-order bytes placed
 * past the tail (RFC 9293 3.10.7.4 seventh step keeps them until the hole fills). */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <string.h>

#include "stack/core/ring.h"

static void
fill(uint8_t *b, size_t n, uint8_t first)
{
        for (size_t i = 0; i < n; i++)
                b[i] = (uint8_t)(first + i);
}

static void
ring_skip_consumes_without_copy_and_clamps(void)
{
        struct ring r;
        uint8_t in[100], out[100];

        CU_ASSERT_EQUAL_FATAL(ring_init(&r, 64), 0);
        fill(in, sizeof(in), 0);
        CU_ASSERT_EQUAL(ring_write(&r, in, 40), 40);
        CU_ASSERT_EQUAL(ring_skip(&r, 10), 10);
        CU_ASSERT_EQUAL(ring_len(&r), 30);
        CU_ASSERT_EQUAL(ring_space(&r), 34);
        /* What remains starts where the skip stopped. */
        CU_ASSERT_EQUAL(ring_peek(&r, 0, out, 5), 5);
        CU_ASSERT_EQUAL(memcmp(out, in + 10, 5), 0);
        /* More than is held: only what is there, and the ring is then empty. */
        CU_ASSERT_EQUAL(ring_skip(&r, 1000), 30);
        CU_ASSERT_EQUAL(ring_len(&r), 0);
        CU_ASSERT_EQUAL(ring_skip(&r, 1), 0);
        CU_ASSERT_EQUAL(ring_skip(&r, 0), 0);
        ring_free(&r);
}

static void
ring_skip_across_the_wrap_keeps_stream_order(void)
{
        struct ring r;
        uint8_t in[200], out[200];

        CU_ASSERT_EQUAL_FATAL(ring_init(&r, 64), 0);
        fill(in, sizeof(in), 7);
        CU_ASSERT_EQUAL(ring_write(&r, in, 60), 60);
        CU_ASSERT_EQUAL(ring_skip(&r, 50), 50);
        CU_ASSERT_EQUAL(ring_write(&r, in + 60, 40), 40); /* wraps: 10 + 40 held */
        CU_ASSERT_EQUAL(ring_skip(&r, 25), 25);           /* the skip itself crosses the end */
        CU_ASSERT_EQUAL(ring_read(&r, out, sizeof(out)), 25);
        CU_ASSERT_EQUAL(memcmp(out, in + 75, 25), 0);
        ring_free(&r);
}

static void
ring_skip_leaves_out_of_order_bytes_in_place(void)
{
        struct ring r;
        uint8_t in[64], out[64];

        CU_ASSERT_EQUAL_FATAL(ring_init(&r, 32), 0);
        fill(in, sizeof(in), 100);
        CU_ASSERT_EQUAL(ring_write(&r, in, 10), 10);
        /* Bytes 20..29 of the stream arrive early: 10 past the tail. */
        CU_ASSERT_EQUAL(ring_write_at(&r, 10, in + 20, 10), 10);
        CU_ASSERT_EQUAL(ring_skip(&r, 10), 10);
        CU_ASSERT_EQUAL(ring_len(&r), 0);
        /* The hole 10..19 fills; committing it and the early bytes gives 20 in order. */
        CU_ASSERT_EQUAL(ring_write(&r, in + 10, 10), 10);
        ring_commit(&r, 10);
        CU_ASSERT_EQUAL(ring_read(&r, out, sizeof(out)), 20);
        CU_ASSERT_EQUAL(memcmp(out, in + 10, 20), 0);
        ring_free(&r);
}

void
suite_ring(void)
{
        CU_pSuite su = CU_add_suite("ring", NULL, NULL);

        CU_add_test(su, "ring_skip_consumes_without_copy_and_clamps",
                    ring_skip_consumes_without_copy_and_clamps);
        CU_add_test(su, "ring_skip_across_the_wrap_keeps_stream_order",
                    ring_skip_across_the_wrap_keeps_stream_order);
        CU_add_test(su, "ring_skip_leaves_out_of_order_bytes_in_place",
                    ring_skip_leaves_out_of_order_bytes_in_place);
}

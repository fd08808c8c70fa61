/* simlink: the in-memory link pair under the sim tests must itself do what it promises
 * (delay, loss, duplication, reordering, corruption, bounded queue, determinism). */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <string.h>

#include "drivers/simlink.h"

static uint8_t frame[100];

static void
fill_frame(uint8_t tag)
{
        for (size_t i = 0; i < sizeof(frame); i++)
                frame[i] = (uint8_t)(tag + i);
}

static int
tx_from(struct simlink *sl, enum simlink_end e, uint8_t tag)
{
        fill_frame(tag);
        return simlink_ops.tx(simlink_end_ctx(sl, e), frame, sizeof(frame));
}

static int
rx_at(struct simlink *sl, enum simlink_end e, uint8_t *buf, size_t cap)
{
        return simlink_ops.rx(simlink_end_ctx(sl, e), buf, cap);
}

static void
simlink_delivers_after_delay_not_before(void)
{
        struct manual_clock mc = {.now_us = 1000};
        struct simlink *sl = simlink_create(&mc, 1);
        struct simlink_impair im = {.delay_us = 500};
        uint8_t buf[200];

        simlink_set_impair(sl, SIMLINK_A, &im);
        CU_ASSERT_EQUAL(tx_from(sl, SIMLINK_A, 7), 0);
        CU_ASSERT_EQUAL(simlink_next_delivery_us(sl), 1500);
        CU_ASSERT_EQUAL(rx_at(sl, SIMLINK_B, buf, sizeof(buf)), 0);
        CU_ASSERT_EQUAL(rx_at(sl, SIMLINK_A, buf, sizeof(buf)), 0); /* not looped back */
        mc.now_us = 1499;
        CU_ASSERT_EQUAL(rx_at(sl, SIMLINK_B, buf, sizeof(buf)), 0);
        mc.now_us = 1500;
        CU_ASSERT_EQUAL(rx_at(sl, SIMLINK_B, buf, sizeof(buf)), (int)sizeof(frame));
        CU_ASSERT_EQUAL(memcmp(buf, frame, sizeof(frame)), 0);
        CU_ASSERT_EQUAL(simlink_next_delivery_us(sl), UINT64_MAX);
        CU_ASSERT_EQUAL(simlink_ops.fd(simlink_end_ctx(sl, SIMLINK_A)), -1);
        CU_ASSERT_EQUAL(simlink_stats(sl, SIMLINK_A)->delivered, 1);
        simlink_destroy(sl);
}

static void
simlink_full_loss_delivers_nothing_and_counts(void)
{
        struct manual_clock mc = {0};
        struct simlink *sl = simlink_create(&mc, 2);
        struct simlink_impair im = {.loss_ppm = SIMLINK_PPM};
        uint8_t buf[200];

        simlink_set_impair(sl, SIMLINK_B, &im);
        for (int i = 0; i < 10; i++)
                CU_ASSERT_EQUAL(tx_from(sl, SIMLINK_B, (uint8_t)i), 0);
        CU_ASSERT_EQUAL(rx_at(sl, SIMLINK_A, buf, sizeof(buf)), 0);
        CU_ASSERT_EQUAL(simlink_stats(sl, SIMLINK_B)->lost, 10);
        /* The other direction is unaffected. */
        CU_ASSERT_EQUAL(tx_from(sl, SIMLINK_A, 1), 0);
        CU_ASSERT_EQUAL(rx_at(sl, SIMLINK_B, buf, sizeof(buf)), (int)sizeof(frame));
        simlink_destroy(sl);
}

static void
simlink_partial_loss_is_near_its_rate(void)
{
        struct manual_clock mc = {0};
        struct simlink *sl = simlink_create(&mc, 3);
        struct simlink_impair im = {.loss_ppm = 200000};
        uint8_t buf[200];
        int got = 0;

        simlink_set_impair(sl, SIMLINK_A, &im);
        for (int i = 0; i < 1000; i++) {
                tx_from(sl, SIMLINK_A, (uint8_t)i);
                got += rx_at(sl, SIMLINK_B, buf, sizeof(buf)) > 0;
        }
        CU_ASSERT(got > 740 && got < 860);
        CU_ASSERT_EQUAL(simlink_stats(sl, SIMLINK_A)->lost, (uint64_t)(1000 - got));
        simlink_destroy(sl);
}

static void
simlink_duplication_delivers_two_copies(void)
{
        struct manual_clock mc = {0};
        struct simlink *sl = simlink_create(&mc, 4);
        struct simlink_impair im = {.dup_ppm = SIMLINK_PPM};
        uint8_t buf[200];

        simlink_set_impair(sl, SIMLINK_A, &im);
        tx_from(sl, SIMLINK_A, 9);
        CU_ASSERT_EQUAL(simlink_pending(sl, SIMLINK_A), 2);
        CU_ASSERT_EQUAL(rx_at(sl, SIMLINK_B, buf, sizeof(buf)), (int)sizeof(frame));
        CU_ASSERT_EQUAL(rx_at(sl, SIMLINK_B, buf, sizeof(buf)), (int)sizeof(frame));
        CU_ASSERT_EQUAL(memcmp(buf, frame, sizeof(frame)), 0);
        CU_ASSERT_EQUAL(rx_at(sl, SIMLINK_B, buf, sizeof(buf)), 0);
        CU_ASSERT_EQUAL(simlink_stats(sl, SIMLINK_A)->duplicated, 1);
        simlink_destroy(sl);
}

static void
simlink_reordered_frame_is_overtaken(void)
{
        struct manual_clock mc = {0};
        struct simlink *sl = simlink_create(&mc, 5);
        struct simlink_impair im = {.delay_us = 100, .reorder_ppm = SIMLINK_PPM, .reorder_us = 50};
        struct simlink_impair none = {.delay_us = 100};
        uint8_t buf[200];

        simlink_set_impair(sl, SIMLINK_A, &im);
        tx_from(sl, SIMLINK_A, 1); /* held back to t=150 */
        simlink_set_impair(sl, SIMLINK_A, &none);
        mc.now_us = 10;
        tx_from(sl, SIMLINK_A, 2); /* due at t=110 */
        mc.now_us = 200;
        CU_ASSERT_EQUAL(rx_at(sl, SIMLINK_B, buf, sizeof(buf)), (int)sizeof(frame));
        CU_ASSERT_EQUAL(buf[0], 2);
        CU_ASSERT_EQUAL(rx_at(sl, SIMLINK_B, buf, sizeof(buf)), (int)sizeof(frame));
        CU_ASSERT_EQUAL(buf[0], 1);
        CU_ASSERT_EQUAL(simlink_stats(sl, SIMLINK_A)->reordered, 1);
        simlink_destroy(sl);
}

static void
simlink_corruption_flips_one_bit_past_ethernet_header(void)
{
        struct manual_clock mc = {0};
        struct simlink *sl = simlink_create(&mc, 6);
        struct simlink_impair im = {.corrupt_ppm = SIMLINK_PPM};
        uint8_t buf[200];

        simlink_set_impair(sl, SIMLINK_A, &im);
        for (int n = 0; n < 50; n++) {
                int bits = 0;
                tx_from(sl, SIMLINK_A, (uint8_t)n);
                CU_ASSERT_EQUAL(rx_at(sl, SIMLINK_B, buf, sizeof(buf)), (int)sizeof(frame));
                CU_ASSERT_EQUAL(memcmp(buf, frame, 14), 0);
                for (size_t i = 0; i < sizeof(frame); i++)
                        bits += __builtin_popcount(buf[i] ^ frame[i]);
                CU_ASSERT_EQUAL(bits, 1);
        }
        simlink_destroy(sl);
}

static void
simlink_bounded_queue_drops_when_full(void)
{
        struct manual_clock mc = {0};
        struct simlink *sl = simlink_create(&mc, 7);
        struct simlink_impair im = {.delay_us = 1000, .queue_len = 4};

        simlink_set_impair(sl, SIMLINK_A, &im);
        for (int i = 0; i < 10; i++)
                CU_ASSERT_EQUAL(tx_from(sl, SIMLINK_A, (uint8_t)i), i < 4 ? 0 : -EAGAIN);
        CU_ASSERT_EQUAL(simlink_pending(sl, SIMLINK_A), 4);
        CU_ASSERT_EQUAL(simlink_stats(sl, SIMLINK_A)->queue_drops, 6);
        CU_ASSERT_EQUAL(simlink_flush(sl, SIMLINK_A), 4);
        simlink_destroy(sl);
}

static void
simlink_rate_serialises_frames(void)
{
        struct manual_clock mc = {0};
        struct simlink *sl = simlink_create(&mc, 8);
        struct simlink_impair im = {.rate_bps = 800000}; /* 100 bytes take 1000 us */
        uint8_t buf[200];

        simlink_set_impair(sl, SIMLINK_A, &im);
        tx_from(sl, SIMLINK_A, 1);
        tx_from(sl, SIMLINK_A, 2);
        CU_ASSERT_EQUAL(simlink_next_delivery_us(sl), 1000);
        mc.now_us = 1000;
        CU_ASSERT_EQUAL(rx_at(sl, SIMLINK_B, buf, sizeof(buf)), (int)sizeof(frame));
        CU_ASSERT_EQUAL(rx_at(sl, SIMLINK_B, buf, sizeof(buf)), 0);
        CU_ASSERT_EQUAL(simlink_next_delivery_us(sl), 2000);
        simlink_destroy(sl);
}

/* The same seed must replay the same fate for every frame (sim failures are replayable). */
static uint64_t
fate_signature(uint64_t seed)
{
        struct manual_clock mc = {0};
        struct simlink *sl = simlink_create(&mc, seed);
        struct simlink_impair im = {.jitter_us = 1000, .loss_ppm = 300000, .dup_ppm = 100000};
        uint8_t buf[200];
        uint64_t sig = 0;

        simlink_set_impair(sl, SIMLINK_A, &im);
        for (int i = 0; i < 200; i++)
                tx_from(sl, SIMLINK_A, (uint8_t)i);
        mc.now_us = 2000;
        for (int n; (n = rx_at(sl, SIMLINK_B, buf, sizeof(buf))) > 0;)
                sig = sig * 31 + buf[0];
        simlink_destroy(sl);
        return sig;
}

static void
simlink_same_seed_same_fate(void)
{
        CU_ASSERT_EQUAL(fate_signature(42), fate_signature(42));
        CU_ASSERT_NOT_EQUAL(fate_signature(42), fate_signature(43));
}

static void
simlink_inject_and_take_play_the_far_end(void)
{
        struct manual_clock mc = {.now_us = 5};
        struct simlink *sl = simlink_create(&mc, 9);
        struct simlink_impair im = {.delay_us = 1000000, .loss_ppm = 0};
        uint8_t buf[200], small[10];

        simlink_set_impair(sl, SIMLINK_B, &im); /* inject bypasses impairments */
        fill_frame(3);
        CU_ASSERT_EQUAL(simlink_inject(sl, SIMLINK_A, frame, sizeof(frame)), 0);
        CU_ASSERT_EQUAL(simlink_inject(sl, SIMLINK_A, frame, 0), -EMSGSIZE);
        CU_ASSERT_EQUAL(rx_at(sl, SIMLINK_A, buf, sizeof(buf)), (int)sizeof(frame));
        CU_ASSERT_EQUAL(buf[0], 3);
        simlink_set_impair(sl, SIMLINK_A, &im);
        tx_from(sl, SIMLINK_A, 4); /* due in a second, but take ignores time */
        CU_ASSERT_EQUAL(simlink_take(sl, SIMLINK_A, buf, sizeof(buf)), (int)sizeof(frame));
        CU_ASSERT_EQUAL(buf[0], 4);
        CU_ASSERT_EQUAL(simlink_take(sl, SIMLINK_A, buf, sizeof(buf)), 0);
        tx_from(sl, SIMLINK_A, 5);
        CU_ASSERT_EQUAL(simlink_take(sl, SIMLINK_A, small, sizeof(small)), -EMSGSIZE);
        CU_ASSERT_EQUAL(simlink_stats(sl, SIMLINK_A)->truncated, 1);
        simlink_destroy(sl);
}

static bool
drop_odd_tag(void *ctx, enum simlink_end from, uint8_t *f, size_t len)
{
        (void)ctx;
        (void)from;
        (void)len;
        return (f[0] & 1) == 0;
}

static void
simlink_filter_drops_what_it_rejects(void)
{
        struct manual_clock mc = {0};
        struct simlink *sl = simlink_create(&mc, 10);

        simlink_set_filter(sl, drop_odd_tag, NULL);
        for (int i = 0; i < 6; i++)
                tx_from(sl, SIMLINK_B, (uint8_t)i);
        CU_ASSERT_EQUAL(simlink_pending(sl, SIMLINK_B), 3);
        CU_ASSERT_EQUAL(simlink_stats(sl, SIMLINK_B)->filtered, 3);
        simlink_destroy(sl);
}

void
suite_simlink(void)
{
        CU_pSuite su = CU_add_suite("simlink", NULL, NULL);
        CU_add_test(su, "simlink_delivers_after_delay_not_before",
                    simlink_delivers_after_delay_not_before);
        CU_add_test(su, "simlink_full_loss_delivers_nothing_and_counts",
                    simlink_full_loss_delivers_nothing_and_counts);
        CU_add_test(su, "simlink_partial_loss_is_near_its_rate",
                    simlink_partial_loss_is_near_its_rate);
        CU_add_test(su, "simlink_duplication_delivers_two_copies",
                    simlink_duplication_delivers_two_copies);
        CU_add_test(su, "simlink_reordered_frame_is_overtaken",
                    simlink_reordered_frame_is_overtaken);
        CU_add_test(su, "simlink_corruption_flips_one_bit_past_ethernet_header",
                    simlink_corruption_flips_one_bit_past_ethernet_header);
        CU_add_test(su, "simlink_bounded_queue_drops_when_full",
                    simlink_bounded_queue_drops_when_full);
        CU_add_test(su, "simlink_rate_serialises_frames", simlink_rate_serialises_frames);
        CU_add_test(su, "simlink_same_seed_same_fate", simlink_same_seed_same_fate);
        CU_add_test(su, "simlink_inject_and_take_play_the_far_end",
                    simlink_inject_and_take_play_the_far_end);
        CU_add_test(su, "simlink_filter_drops_what_it_rejects",
                    simlink_filter_drops_what_it_rejects);
}

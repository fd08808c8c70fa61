/* Seeded PRNG and keyed hash (stack/core/rand.c): SipHash-2-4 against the reference vectors of
 * Aumasson and Bernstein, xoshiro256** determinism per seed, rng_below bounds, rng_fill. */
#include <CUnit/CUnit.h>
#include <string.h>

#include "stack/core/rand.h"

/* Key 00 01 .. 0f read as two little-endian 64-bit words (the paper's test key). */
static const struct hash_key paper_key = {0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};

/* SipHash paper, appendix A: key 00..0f, message 00..0e (15 bytes) -> a129ca6149be45e5. */
static void
siphash24_paper_test_vector(void)
{
        uint8_t msg[15];

        for (size_t i = 0; i < sizeof(msg); i++)
                msg[i] = (uint8_t)i;
        CU_ASSERT_EQUAL(siphash24(&paper_key, msg, sizeof(msg)), 0xa129ca6149be45e5ull);
}

/* More of the reference implementation's vectors.h (message 00..len-1): the empty message,
 * one exact block, and a long one with a 7-byte tail. */
static void
siphash24_reference_vectors(void)
{
        uint8_t msg[64];

        for (size_t i = 0; i < sizeof(msg); i++)
                msg[i] = (uint8_t)i;
        CU_ASSERT_EQUAL(siphash24(&paper_key, msg, 0), 0x726fdb47dd0e0e31ull);
        CU_ASSERT_EQUAL(siphash24(&paper_key, msg, 1), 0x74f839c593dc67fdull);
        CU_ASSERT_EQUAL(siphash24(&paper_key, msg, 8), 0x93f5f5799a932462ull);
        CU_ASSERT_EQUAL(siphash24(&paper_key, msg, 63), 0x958a324ceb064572ull);
}

/* A different key gives a different hash for the same input (RFC 6528's secret). */
static void
siphash24_depends_on_key(void)
{
        struct hash_key k = paper_key;
        const char msg[] = "10.0.0.1:53747->142.250.196.142:80";

        k.k1 ^= 1;
        CU_ASSERT_NOT_EQUAL(siphash24(&k, msg, sizeof(msg)),
                            siphash24(&paper_key, msg, sizeof(msg)));
}

/* Seeding with splitmix64 then xoshiro256**: the first outputs for seeds 1 and 42, checked
 * against an independent implementation of the published algorithms. */
static void
xoshiro_known_outputs_per_seed(void)
{
        struct rng r;

        rng_seed(&r, 1);
        CU_ASSERT_EQUAL(rng_next(&r), 0xb3f2af6d0fc710c5ull);
        CU_ASSERT_EQUAL(rng_next(&r), 0x853b559647364ceaull);
        CU_ASSERT_EQUAL(rng_next(&r), 0x92f89756082a4514ull);
        rng_seed(&r, 42);
        CU_ASSERT_EQUAL(rng_next(&r), 0x15780b2e0c2ec716ull);
        CU_ASSERT_EQUAL(rng_next(&r), 0x6104d9866d113a7eull);
        CU_ASSERT_EQUAL(rng_next(&r), 0xae17533239e499a1ull);
}

/* The same seed replays the same sequence (sim tests print and reuse seeds); another seed
 * does not. */
static void
xoshiro_same_seed_same_sequence(void)
{
        struct rng a, b, c;
        int differ = 0;

        rng_seed(&a, 12345);
        rng_seed(&b, 12345);
        rng_seed(&c, 12346);
        for (int i = 0; i < 1000; i++) {
                uint64_t va = rng_next(&a);
                CU_ASSERT_EQUAL_FATAL(va, rng_next(&b));
                differ += va != rng_next(&c);
        }
        CU_ASSERT(differ > 990);
}

/* Seed 0 asks the kernel; two such generators start in different states. */
static void
xoshiro_seed_zero_draws_from_kernel(void)
{
        struct rng a, b;

        rng_seed(&a, 0);
        rng_seed(&b, 0);
        CU_ASSERT(memcmp(a.s, b.s, sizeof(a.s)) != 0);
        CU_ASSERT(a.s[0] | a.s[1] | a.s[2] | a.s[3]);
}

/* rng_below(bound) stays in [0, bound) and reaches every value of a small range about
 * equally often. */
static void
rng_below_stays_in_bounds(void)
{
        const uint32_t bounds[] = {1, 2, 3, 6, 7, 1000, 65536, 0x80000001u, UINT32_MAX};
        unsigned hits[6] = {0};
        struct rng r;

        rng_seed(&r, 7);
        for (size_t b = 0; b < sizeof(bounds) / sizeof(bounds[0]); b++)
                for (int i = 0; i < 2000; i++)
                        CU_ASSERT_FATAL(rng_below(&r, bounds[b]) < bounds[b]);
        for (int i = 0; i < 60000; i++)
                hits[rng_below(&r, 6)]++;
        for (int v = 0; v < 6; v++)
                CU_ASSERT(hits[v] > 9000 && hits[v] < 11000);
}

/* rng_fill writes exactly len bytes, for lengths that are not multiples of 8 too, and is
 * part of the seeded sequence. */
static void
rng_fill_exact_length_and_deterministic(void)
{
        uint8_t a[32], b[32];
        struct rng ra, rb;

        for (size_t len = 0; len <= 20; len++) {
                memset(a, 0x5a, sizeof(a));
                memset(b, 0x5a, sizeof(b));
                rng_seed(&ra, 99);
                rng_seed(&rb, 99);
                rng_fill(&ra, a, len);
                rng_fill(&rb, b, len);
                CU_ASSERT_EQUAL(memcmp(a, b, sizeof(a)), 0);
                for (size_t i = len; i < sizeof(a); i++)
                        CU_ASSERT_EQUAL(a[i], 0x5a);
        }
        rng_seed(&ra, 1);
        rng_fill(&ra, a, 8);
        rng_seed(&rb, 1);
        {
                uint64_t first = rng_next(&rb);
                CU_ASSERT_EQUAL(memcmp(a, &first, 8), 0);
        }
}

void
suite_rand(void)
{
        CU_pSuite su = CU_add_suite("rand", NULL, NULL);
        CU_add_test(su, "siphash24_paper_test_vector", siphash24_paper_test_vector);
        CU_add_test(su, "siphash24_reference_vectors", siphash24_reference_vectors);
        CU_add_test(su, "siphash24_depends_on_key", siphash24_depends_on_key);
        CU_add_test(su, "xoshiro_known_outputs_per_seed", xoshiro_known_outputs_per_seed);
        CU_add_test(su, "xoshiro_same_seed_same_sequence", xoshiro_same_seed_same_sequence);
        CU_add_test(su, "xoshiro_seed_zero_draws_from_kernel", xoshiro_seed_zero_draws_from_kernel);
        CU_add_test(su, "rng_below_stays_in_bounds", rng_below_stays_in_bounds);
        CU_add_test(su, "rng_fill_exact_length_and_deterministic",
                    rng_fill_exact_length_and_deterministic);
}

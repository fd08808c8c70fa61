/* Seeded PRNG (xoshiro256**) and a keyed hash (SipHash-2-4) for ISNs (RFC 6528),
 * ephemeral ports (RFC 6056) and IP IDs (RFC 7739). */
#ifndef STACK_CORE_RAND_H
#define STACK_CORE_RAND_H

#include <stddef.h>
#include <stdint.h>

struct rng {
        uint64_t s[4];
};

/* seed 0 asks the kernel for a random seed (getrandom). */
void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
/* Uniform in [0, bound), bound > 0. */
uint32_t rng_below(struct rng *r, uint32_t bound);
void rng_fill(struct rng *r, void *buf, size_t len);

struct hash_key {
        uint64_t k0, k1;
};

uint64_t siphash24(const struct hash_key *key, const void *data, size_t len);

#endif

/* xoshiro256** by Blackman and Vigna; SipHash-2-4 by Aumasson and Bernstein. */
#include "stack/core/rand.h"

#include <string.h>
#include <sys/random.h>

static inline uint64_t
rotl(uint64_t x, int k)
{
        return (x << k) | (x >> (64 - k));
}

static uint64_t
splitmix64(uint64_t *x)
{
        uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
}

void
rng_seed(struct rng *r, uint64_t seed)
{
        if (seed == 0 && getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
                seed = (uint64_t)(uintptr_t)r ^ 0x5eedull;
        for (int i = 0; i < 4; i++)
                r->s[i] = splitmix64(&seed);
}

uint64_t
rng_next(struct rng *r)
{
        uint64_t *s = r->s;
        uint64_t result = rotl(s[1] * 5, 7) * 9;
        uint64_t t = s[1] << 17;

        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = rotl(s[3], 45);
        return result;
}

uint32_t
rng_below(struct rng *r, uint32_t bound)
{
        /* Lemire's multiply-shift; the tiny bias is irrelevant here. */
        return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)bound) >> 32);
}

void
rng_fill(struct rng *r, void *buf, size_t len)
{
        uint8_t *p = buf;
        while (len > 0) {
                uint64_t v = rng_next(r);
                size_t n = len < 8 ? len : 8;
                memcpy(p, &v, n);
                p += n;
                len -= n;
        }
}

#define SIPROUND                                                                                   \
        do {                                                                                       \
                v0 += v1;                                                                          \
                v1 = rotl(v1, 13);                                                                 \
                v1 ^= v0;                                                                          \
                v0 = rotl(v0, 32);                                                                 \
                v2 += v3;                                                                          \
                v3 = rotl(v3, 16);                                                                 \
                v3 ^= v2;                                                                          \
                v0 += v3;                                                                          \
                v3 = rotl(v3, 21);                                                                 \
                v3 ^= v0;                                                                          \
                v2 += v1;                                                                          \
                v1 = rotl(v1, 17);                                                                 \
                v1 ^= v2;                                                                          \
                v2 = rotl(v2, 32);                                                                 \
        } while (0)

uint64_t
siphash24(const struct hash_key *key, const void *data, size_t len)
{
        const uint8_t *in = data;
        uint64_t v0 = 0x736f6d6570736575ull ^ key->k0;
        uint64_t v1 = 0x646f72616e646f6dull ^ key->k1;
        uint64_t v2 = 0x6c7967656e657261ull ^ key->k0;
        uint64_t v3 = 0x7465646279746573ull ^ key->k1;
        uint64_t b = (uint64_t)len << 56, m;
        size_t i, tail = len & 7;

        for (i = 0; i + 8 <= len; i += 8) {
                m = 0;
                for (int j = 0; j < 8; j++)
                        m |= (uint64_t)in[i + j] << (8 * j);
                v3 ^= m;
                SIPROUND;
                SIPROUND;
                v0 ^= m;
        }
        for (size_t j = 0; j < tail; j++)
                b |= (uint64_t)in[i + j] << (8 * j);
        v3 ^= b;
        SIPROUND;
        SIPROUND;
        v0 ^= b;
        v2 ^= 0xff;
        SIPROUND;
        SIPROUND;
        SIPROUND;
        SIPROUND;
        return v0 ^ v1 ^ v2 ^ v3;
}

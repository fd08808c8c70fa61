/* RFC 1071 one's-complement sum in network byte order. RFC 1071 2(B)-(C): the sum is
 * byte-order independent and carries may be added back at any time, so 8 bytes are added at
 * a time as native 64-bit words with end-around carry, folded, and byte-swapped into network
 * order once at the end. */
#include "stack/wire/csum.h"

#include <string.h>

/* Fold a native-order accumulator, read it in network order and add it to sum. */
static uint32_t
csum_native_add(uint64_t acc, uint32_t sum)
{
        uint16_t w16;
        uint8_t be[2];

        while (acc >> 16)
                acc = (acc & 0xffff) + (acc >> 16);
        w16 = (uint16_t)acc;
        memcpy(be, &w16, 2); /* the folded native sum's bytes, read in network order */
        acc = (uint64_t)sum + (uint32_t)(be[0] << 8 | be[1]);
        while (acc >> 32)
                acc = (acc & 0xffffffffu) + (acc >> 32);
        return (uint32_t)acc;
}

/* Add a native 64-bit word with end-around carry: 2^64 is 1 modulo 2^16 - 1, so this is
 * the RFC 1071 sum taken 8 bytes at a time (2(C): the carry is added back in). */
static inline uint64_t
csum_add64(uint64_t acc, uint64_t w)
{
        acc += w;
        return acc + (acc < w);
}

static inline uint64_t
csum_load64(const uint8_t *p)
{
        uint64_t w;

        memcpy(&w, p, 8); /* unaligned-safe load; compiles to one move */
        return w;
}

uint32_t
csum_partial(const void *buf, size_t len, uint32_t sum)
{
        const uint8_t *p = buf;
        uint64_t acc = 0, odd = 0; /* two carry chains, so two additions run at once */
        uint16_t w16;
        uint8_t be[2];

        for (; len >= 16; p += 16, len -= 16) {
                acc = csum_add64(acc, csum_load64(p));
                odd = csum_add64(odd, csum_load64(p + 8));
        }
        acc = csum_add64(acc, odd);
        for (; len >= 8; p += 8, len -= 8)
                acc = csum_add64(acc, csum_load64(p));
        for (; len >= 2; p += 2, len -= 2) {
                memcpy(&w16, p, 2);
                acc = csum_add64(acc, w16);
        }
        if (len) { /* odd byte padded with zero (RFC 1071) */
                be[0] = p[0];
                be[1] = 0;
                memcpy(&w16, be, 2);
                acc = csum_add64(acc, w16);
        }
        return csum_native_add(acc, sum);
}

uint32_t
csum_copy(void *dst, const void *src, size_t len, uint32_t sum)
{
        const uint8_t *p = src;
        uint8_t *d = dst;
        uint64_t acc = 0, odd = 0;
        size_t n = len & ~(size_t)15;

        /* The same accumulation as csum_partial, each word stored as it is loaded: one walk
         * through the data instead of a memcpy and a separate sum. */
        for (size_t i = 0; i < n; i += 16) {
                uint64_t w0 = csum_load64(p + i), w1 = csum_load64(p + i + 8);

                memcpy(d + i, &w0, 8);
                memcpy(d + i + 8, &w1, 8);
                acc = csum_add64(acc, w0);
                odd = csum_add64(odd, w1);
        }
        memcpy(d + n, p + n, len - n);
        return csum_native_add(csum_add64(acc, odd), csum_partial(p + n, len - n, sum));
}

uint16_t
csum_fold(uint32_t sum)
{
        while (sum >> 16)
                sum = (sum & 0xffff) + (sum >> 16);
        return (uint16_t)~sum;
}

uint32_t
csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
        uint64_t acc = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto + len;
        while (acc >> 32)
                acc = (acc & 0xffffffffu) + (acc >> 32);
        return (uint32_t)acc;
}

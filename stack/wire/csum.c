/* RFC 1071 one's-complement sum in network byte order. RFC 1071 2(B)-(C): the sum is
 * byte-order independent and carries may be deferred, so 8 bytes are added at a time as two
 * native 32-bit words into a 64-bit accumulator, folded, and byte-swapped into network order
 * once at the end. */
#include "stack/wire/csum.h"

#include <string.h>

uint32_t
csum_partial(const void *buf, size_t len, uint32_t sum)
{
        const uint8_t *p = buf;
        uint64_t acc = 0, w;
        uint16_t w16;
        uint8_t be[2];

        for (; len >= 8; p += 8, len -= 8) {
                memcpy(&w, p, 8); /* unaligned-safe load; compiles to one move */
                acc += (w & 0xffffffffu) + (w >> 32);
        }
        for (; len >= 2; p += 2, len -= 2) {
                memcpy(&w16, p, 2);
                acc += w16;
        }
        if (len) { /* odd byte padded with zero (RFC 1071) */
                be[0] = p[0];
                be[1] = 0;
                memcpy(&w16, be, 2);
                acc += w16;
        }
        while (acc >> 16)
                acc = (acc & 0xffff) + (acc >> 16);
        w16 = (uint16_t)acc;
        memcpy(be, &w16, 2); /* the folded native sum's bytes, read in network order */
        acc = (uint64_t)sum + (uint32_t)(be[0] << 8 | be[1]);
        while (acc >> 32)
                acc = (acc & 0xffffffffu) + (acc >> 32);
        return (uint32_t)acc;
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

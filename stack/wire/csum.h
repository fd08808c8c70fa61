/* Internet checksum (RFC 1071) and the TCP/UDP pseudo-header sum (RFC 9293 3.1, RFC 768). */
#ifndef STACK_WIRE_CSUM_H
#define STACK_WIRE_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* One's-complement sum of buf folded into 32 bits, added to sum. */
uint32_t csum_partial(const void *buf, size_t len, uint32_t sum);
/* Fold and complement: the value to store in a checksum field. */
uint16_t csum_fold(uint32_t sum);
/* Sum of the IPv4 pseudo-header (addresses in host order). */
uint32_t csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len);
/* Copy len bytes from src to dst and return their one's-complement sum added to sum, as
 * csum_partial(dst, len, sum) would, in one pass over the data. */
uint32_t csum_copy(void *dst, const void *src, size_t len, uint32_t sum);
/* One's-complement addition of two partial sums (end-around carry). */
static inline uint32_t
csum_add(uint32_t a, uint32_t b)
{
        uint32_t r = a + b;

        return r + (r < a);
}
/* A partial sum of bytes that started at an odd offset, moved to an even one (RFC 1071
 * 2(B): swapping the bytes of a sum swaps the bytes of its fold). */
static inline uint32_t
csum_swap(uint32_t sum)
{
        while (sum >> 16)
                sum = (sum & 0xffff) + (sum >> 16);
        return ((sum & 0xff) << 8) | (sum >> 8);
}
/* Checksum of buf; 0 over data that includes a correct checksum field. */
static inline uint16_t
csum(const void *buf, size_t len)
{
        return csum_fold(csum_partial(buf, len, 0));
}

#endif

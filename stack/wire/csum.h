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
/* Checksum of buf; 0 over data that includes a correct checksum field. */
static inline uint16_t
csum(const void *buf, size_t len)
{
        return csum_fold(csum_partial(buf, len, 0));
}

#endif

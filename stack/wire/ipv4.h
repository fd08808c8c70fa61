/* IPv4 header parse/emit and validation (RFC 791 3.1, RFC 1122 3.2.1). */
#ifndef STACK_WIRE_IPV4_H
#define STACK_WIRE_IPV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stack/core/counters.h"

#define IPV4_HDR_LEN 20
#define IPV4_MAX_LEN 65535
#define IPV4_PROTO_ICMP 1
#define IPV4_PROTO_TCP 6
#define IPV4_PROTO_UDP 17
#define IPV4_FLAG_DF 0x4000
#define IPV4_FLAG_MF 0x2000
#define IPV4_OFF_MASK 0x1fff

struct ipv4_hdr {
        uint8_t hdr_len; /* bytes, IHL * 4 */
        uint8_t tos;
        uint16_t total_len;
        uint16_t id;
        bool df, mf;
        uint16_t frag_off; /* bytes */
        uint8_t ttl;
        uint8_t proto;
        uint32_t src, dst; /* host order */
};

/* Validates version, IHL >= 5, total length against len, and the header checksum.
 * Returns the header length, or -EBADMSG with *why (if non-NULL) naming the drop counter. */
int ipv4_hdr_parse(const uint8_t *buf, size_t len, struct ipv4_hdr *h, enum counter *why);
/* "a.b.c.d" of a host-order address, NUL-terminated, into out. Returns out. */
#define IPV4_ADDR_STRLEN 16
char *ipv4_addr_str(uint32_t a, char out[IPV4_ADDR_STRLEN]);
/* Writes a 20-byte header (no options) with its checksum. */
void ipv4_hdr_emit(const struct ipv4_hdr *h, uint8_t *buf);
/* Is the datagram a fragment (MF set or offset non-zero)? */
static inline bool
ipv4_is_fragment(const struct ipv4_hdr *h)
{
        return h->mf || h->frag_off != 0;
}

#endif

/* ICMP header parse/emit: echo and error messages (RFC 792). */
#ifndef STACK_WIRE_ICMP_H
#define STACK_WIRE_ICMP_H

#include <stddef.h>
#include <stdint.h>

#define ICMP_HDR_LEN 8
#define ICMP_ECHO_REPLY 0
#define ICMP_DEST_UNREACH 3
#define ICMP_SOURCE_QUENCH 4
#define ICMP_REDIRECT 5
#define ICMP_ECHO_REQUEST 8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAM_PROBLEM 12

#define ICMP_UNREACH_NET 0
#define ICMP_UNREACH_HOST 1
#define ICMP_UNREACH_PROTO 2
#define ICMP_UNREACH_PORT 3
#define ICMP_UNREACH_NEEDFRAG 4

struct icmp_hdr {
        uint8_t type, code;
        uint16_t id, seq; /* echo; for errors: the "unused"/next-hop MTU word as id/seq */
};

/* Requires len >= 8 and a correct checksum over all len bytes (RFC 792).
 * Returns ICMP_HDR_LEN, or -EBADMSG (with *bad_csum set when the checksum was wrong). */
int icmp_hdr_parse(const uint8_t *buf, size_t len, struct icmp_hdr *h, int *bad_csum);
/* Writes the 8-byte header; the checksum covers the header and payload_len bytes after it. */
void icmp_hdr_emit(const struct icmp_hdr *h, uint8_t *buf, size_t payload_len);

#endif

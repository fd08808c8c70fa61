/* UDP header parse/emit and checksum (RFC 768; RFC 1122 4.1.3.4 for the checksum rules). */
#ifndef STACK_WIRE_UDP_H
#define STACK_WIRE_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UDP_HDR_LEN 8
/* The largest payload one IPv4 datagram can carry: 65535 - 20 - 8. */
#define UDP_MAX_PAYLOAD 65507

struct udp_hdr {
        uint16_t sport, dport;
        uint16_t len;  /* header + payload, from the length field */
        uint16_t csum; /* as received; 0 means "not computed" (RFC 768) */
};

/* Parse the header and check the length field: at least 8 and no more than len (the bytes
 * the IP layer delivered; extra bytes after the length field are to be ignored).
 * Returns UDP_HDR_LEN or -EBADMSG. Does not look at the checksum. */
int udp_hdr_parse(const uint8_t *buf, size_t len, struct udp_hdr *h);
/* True when the datagram (udp_len bytes from the header on) carries no checksum (0) or a
 * correct one over the pseudo-header (addresses in host order). */
bool udp_csum_ok(const uint8_t *buf, size_t udp_len, uint32_t src, uint32_t dst);
/* Write the 8-byte header in front of payload_len bytes already at buf + 8, with the
 * checksum always computed; a computed 0 is sent as 0xffff (RFC 768). */
void udp_hdr_emit(const struct udp_hdr *h, uint8_t *buf, size_t payload_len, uint32_t src,
                  uint32_t dst);

#endif

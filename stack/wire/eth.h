/* Ethernet II header (IEEE 802.3 with an EtherType, RFC 894). */
#ifndef STACK_WIRE_ETH_H
#define STACK_WIRE_ETH_H

#include <stddef.h>
#include <stdint.h>

#define ETH_HDR_LEN 14
#define ETH_ADDR_LEN 6
#define ETH_TYPE_IPV4 0x0800
#define ETH_TYPE_ARP 0x0806

struct eth_hdr {
        uint8_t dst[ETH_ADDR_LEN];
        uint8_t src[ETH_ADDR_LEN];
        uint16_t type;
};

extern const uint8_t eth_broadcast[ETH_ADDR_LEN];

/* Returns ETH_HDR_LEN, or -EBADMSG when len is short. */
int eth_hdr_parse(const uint8_t *buf, size_t len, struct eth_hdr *h);
/* Writes ETH_HDR_LEN bytes. */
void eth_hdr_emit(const struct eth_hdr *h, uint8_t *buf);

#endif

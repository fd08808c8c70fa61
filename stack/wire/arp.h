/* ARP packets for IPv4 over Ethernet (RFC 826). */
#ifndef STACK_WIRE_ARP_H
#define STACK_WIRE_ARP_H

#include <stddef.h>
#include <stdint.h>

#define ARP_PKT_LEN 28
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2

struct arp_pkt {
        uint16_t op;
        uint8_t sha[6]; /* sender hardware address */
        uint32_t spa;   /* sender protocol address, host order */
        uint8_t tha[6];
        uint32_t tpa;
};

/* Accepts only htype 1 (Ethernet), ptype 0x0800, hlen 6, plen 4 (RFC 826 "Packet Reception").
 * Returns ARP_PKT_LEN or -EBADMSG. */
int arp_pkt_parse(const uint8_t *buf, size_t len, struct arp_pkt *a);
void arp_pkt_emit(const struct arp_pkt *a, uint8_t *buf);

#endif

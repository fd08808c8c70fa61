/* Neighbour cache with expiry, a bounded queue of packets awaiting resolution, request
 * retries, then host-unreachable (RFC 826, RFC 1122 2.3.2). */
#ifndef STACK_NET_ARP_H
#define STACK_NET_ARP_H

#include <stdint.h>

struct stack;
struct iface;
struct pkt;

#define ARP_REACHABLE_US (60u * 1000000u) /* entry lifetime (RFC 1122 2.3.2.1: MUST time out) */
#define ARP_RETRY_US 1000000u             /* one request per second per address (2.3.2.1) */
#define ARP_MAX_TRIES 3

int arp_init(struct stack *s);
void arp_fini(struct stack *s);
/* An ARP packet (p->data after the Ethernet header); consumes p. */
void arp_input(struct stack *s, struct iface *ifc, struct pkt *p);
/* Send an IPv4 packet to p->next_hop, resolving it first if needed; consumes p. */
void arp_output(struct stack *s, struct iface *ifc, struct pkt *p);
/* Gratuitous ARP: announce our own address (RFC 5227 2.3 style request). */
void arp_announce(struct stack *s, struct iface *ifc);
/* Negative advice from a transport (RFC 9293 MUST-20 at R1, RFC 1122 2.3.2.1): the neighbour
 * ip may be gone, so forget its resolved entry; the next packet to it asks again. */
void arp_forget(struct stack *s, uint32_t ip);
/* Look up a live entry; returns 0 and fills mac, or -ENOENT. */
int arp_lookup(struct stack *s, uint32_t ip, uint8_t mac[6]);

#endif

/* IPv4 input checks and local delivery; output with next-hop choice and fragmentation
 * (RFC 791, RFC 1122 3.2.1, RFC 7739 for IDs). */
#ifndef STACK_NET_IPV4_H
#define STACK_NET_IPV4_H

#include <stdbool.h>
#include <stdint.h>

#include "stack/wire/ipv4.h"

struct stack;
struct iface;
struct pkt;

#define IPV4_DEFAULT_TTL 64 /* RFC 1122 3.2.1.7; Linux's default */

struct ipv4_out {
        uint32_t src; /* 0: the outgoing interface's address */
        uint32_t dst;
        uint8_t proto;
        uint8_t ttl; /* 0: IPV4_DEFAULT_TTL */
        uint8_t tos;
        bool df;
};

int ipv4_init(struct stack *s);
void ipv4_fini(struct stack *s);
/* An IPv4 packet (p->data at the IP header); consumes p. */
void ipv4_input(struct stack *s, struct iface *ifc, struct pkt *p);
/* Send p (p->data at the transport header) with an IPv4 header; fragments above the MTU.
 * Consumes p. Returns 0, -ENETUNREACH without a route, -EMSGSIZE when DF forbids
 * fragmenting, or -ENOBUFS. */
int ipv4_output(struct stack *s, struct pkt *p, const struct ipv4_out *o);
/* The largest transport payload that leaves towards dst in one unfragmented datagram. */
unsigned ipv4_mtu_to(struct stack *s, uint32_t dst);
/* enum link_tx_cap bits of the interface that routes to dst (0 when there is none). */
unsigned ipv4_tx_caps_to(struct stack *s, uint32_t dst);
/* Source address the stack would use to reach dst (0 without a route). */
uint32_t ipv4_source_for(struct stack *s, uint32_t dst);

/* Reassembly (ipv4_reass.c). Takes a fragment (p->data at the IP header, h parsed); returns
 * the whole datagram (p->data at its IP header, h updated) once complete, else NULL. */
struct pkt *ipv4_reass_input(struct stack *s, struct pkt *p, struct ipv4_hdr *h);
int ipv4_reass_init(struct stack *s);
void ipv4_reass_fini(struct stack *s);

#endif

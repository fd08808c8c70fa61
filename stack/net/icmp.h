/* ICMP: echo reply, destination unreachable with rate limiting, errors handed to the
 * transports, echo requests for the ping app (RFC 792, RFC 1122 3.2.2). */
#ifndef STACK_NET_ICMP_H
#define STACK_NET_ICMP_H

#include <stddef.h>
#include <stdint.h>

struct stack;
struct pkt;
struct ipv4_hdr;

int icmp_init(struct stack *s);
void icmp_fini(struct stack *s);
/* An ICMP message (p->data at the ICMP header, h its IPv4 header); consumes p. */
void icmp_input(struct stack *s, struct pkt *p, const struct ipv4_hdr *h);
/* Send an error about the datagram p (p->data just after its IPv4 header h, which is still
 * in the buffer in front of it). Obeys RFC 1122 3.2.2's "never in reply to" rules and the
 * rate limit. Does not consume p. */
void icmp_send_error(struct stack *s, struct pkt *p, const struct ipv4_hdr *h, uint8_t type,
                     uint8_t code);
/* Report an error about one of our own outgoing datagrams (p->data at its IPv4 header), as
 * if the network had sent it: used when ARP gives up. Does not consume p. */
void icmp_local_error(struct stack *s, struct pkt *p, uint8_t type, uint8_t code);

/* An ICMP error, as the transports see it: the quoted datagram's header and first bytes. */
struct icmp_err {
        uint8_t type, code;
        uint32_t from;     /* who reported it */
        uint32_t src, dst; /* of the quoted datagram: src is us */
        uint8_t proto;
        const uint8_t *l4;   /* quoted transport header bytes */
        size_t l4_len;       /* at least 8 */
        uint16_t mtu;        /* next-hop MTU for "fragmentation needed" */
        uint16_t quoted_len; /* Total Length of the quoted datagram */
};

/* Negative errno for an ICMP error (RFC 1122 4.2.3.9: hard vs soft is decided by TCP). */
int icmp_err_errno(uint8_t type, uint8_t code);

#endif

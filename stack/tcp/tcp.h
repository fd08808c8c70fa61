/* TCP (RFC 9293): entry points used by the rest of the stack. */
#ifndef STACK_TCP_TCP_H
#define STACK_TCP_TCP_H

#include <stddef.h>
#include <stdint.h>

struct stack;
struct pkt;
struct ipv4_hdr;
struct icmp_err;
struct iface;

/* Receive placement (DESIGN.md 6): where the next frame's TCP payload goes when the frame
 * is the predicted connection's next in-order segment. */
struct tcp_place {
        size_t hdr_len; /* link + IPv4 + TCP header bytes expected in front of the payload */
        unsigned n;     /* ring pieces: 1, or 2 when the free space wraps */
        uint8_t *piece[2];
        size_t len[2];
};

int tcp_init(struct stack *s);
void tcp_fini(struct stack *s);
/* A TCP segment (p->data at the TCP header, h its IPv4 header); consumes p. */
void tcp_input(struct stack *s, struct pkt *p, const struct ipv4_hdr *h);
void tcp_icmp_error(struct stack *s, const struct icmp_err *e);
/* Run tcp_output for every connection marked dirty during this poll. */
void tcp_flush(struct stack *s);
/* A prediction holds for ifc: fill pl (ring pieces of at most max - hdr_len bytes in all)
 * and return 1; else 0. */
int tcp_place_prepare(struct stack *s, const struct iface *ifc, size_t max, struct tcp_place *pl);
/* frame (len bytes, its first pl->hdr_len in the buffer, the rest in pl's pieces and after)
 * is exactly the predicted segment: returns its payload length, else 0. */
uint32_t tcp_place_match(struct stack *s, const struct tcp_place *pl, const uint8_t *frame,
                         size_t len);

#endif

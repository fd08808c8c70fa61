/* TCP (RFC 9293): entry points used by the rest of the stack. */
#ifndef STACK_TCP_TCP_H
#define STACK_TCP_TCP_H

struct stack;
struct pkt;
struct ipv4_hdr;
struct icmp_err;

int tcp_init(struct stack *s);
void tcp_fini(struct stack *s);
/* A TCP segment (p->data at the TCP header, h its IPv4 header); consumes p. */
void tcp_input(struct stack *s, struct pkt *p, const struct ipv4_hdr *h);
void tcp_icmp_error(struct stack *s, const struct icmp_err *e);
/* Run tcp_output for every connection marked dirty during this poll. */
void tcp_flush(struct stack *s);

#endif

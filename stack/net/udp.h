/* UDP: pcbs, demultiplexing, datagram queues (RFC 768, RFC 1122 4.1), and the UDP side of
 * the socket calls that sock.c dispatches. */
#ifndef STACK_NET_UDP_H
#define STACK_NET_UDP_H

#include <stddef.h>
#include <sys/types.h>

#include "stack/sock.h"

struct stack;
struct pkt;
struct ipv4_hdr;
struct icmp_err;
struct sock;

int udp_init(struct stack *s);
void udp_fini(struct stack *s);
/* A UDP datagram (p->data at the UDP header, h its IPv4 header); consumes p. */
void udp_input(struct stack *s, struct pkt *p, const struct ipv4_hdr *h);
void udp_icmp_error(struct stack *s, const struct icmp_err *e);

int udp_sock_open(struct stack *s, struct sock *so);
int udp_sock_bind(struct stack *s, struct sock *so, const struct sock_addr *local);
int udp_sock_connect(struct stack *s, struct sock *so, const struct sock_addr *peer);
ssize_t udp_sock_sendto(struct stack *s, struct sock *so, const void *buf, size_t len,
                        const struct sock_addr *to);
ssize_t udp_sock_recvfrom(struct stack *s, struct sock *so, void *buf, size_t len,
                          struct sock_addr *from);
int udp_sock_close(struct stack *s, struct sock *so);
unsigned udp_sock_events(struct stack *s, struct sock *so);
int udp_sock_setopt(struct stack *s, struct sock *so, enum sock_opt opt, int value);
int udp_sock_getopt(struct stack *s, struct sock *so, enum sock_opt opt, int *value);
int udp_sock_local(struct stack *s, struct sock *so, struct sock_addr *a);
int udp_sock_peer(struct stack *s, struct sock *so, struct sock_addr *a);
void udp_sock_info(struct stack *s, struct sock *so, struct sock_info *info);

#endif

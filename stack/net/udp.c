/* UDP: pcbs, demultiplexing, bounded datagram queues, port unreachable and ICMP errors
 * (RFC 768, RFC 1122 4.1.3), and the UDP side of the socket calls that sock.c dispatches. */
#include "stack/net/udp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stack/core/stack.h"
#include "stack/net/icmp.h"
#include "stack/net/ipv4.h"
#include "stack/sock/sock.h"
#include "stack/wire/bytes.h"
#include "stack/wire/icmp.h"
#include "stack/wire/ipv4.h"
#include "stack/wire/udp.h"

#define UDP_RCVBUF_DEFAULT 65536u /* payload bytes queued per socket */
#define UDP_RCVBUF_MIN 256u
#define UDP_RCVBUF_MAX (4u << 20)
#define UDP_RXQ_MAX_DGRAMS 128u /* each queued datagram pins a packet buffer */
#define UDP_SNDBUF_DEFAULT 65536u

struct udp_pcb {
        struct udp_pcb *next;
        struct sock *so;
        uint32_t laddr, raddr; /* host order; 0 = any / not connected */
        uint16_t lport, rport; /* lport 0 = not bound yet */
        struct pkt *rxq_head, *rxq_tail;
        unsigned rxq_count;
        size_t rxq_bytes;
        size_t rcvbuf, sndbuf;
        uint8_t ttl, tos; /* ttl 0: the IPv4 default */
};

struct udp_state {
        struct udp_pcb *pcbs;
};

/* A queued datagram keeps its packet buffer (no copy); p->data is at the payload and the
 * already-parsed UDP header's 8 bytes in front of it are reused to remember the sender. */
static void
udp_meta_put(struct pkt *p, uint32_t src, uint16_t sport)
{
        put32(p->data - UDP_HDR_LEN, src);
        put16(p->data - UDP_HDR_LEN + 4, sport);
}

static void
udp_meta_get(const struct pkt *p, struct sock_addr *from)
{
        from->ip = get32(p->data - UDP_HDR_LEN);
        from->port = get16(p->data - UDP_HDR_LEN + 4);
}

int
udp_init(struct stack *s)
{
        s->udp = calloc(1, sizeof(*s->udp));
        return s->udp ? 0 : -ENOMEM;
}

static void
udp_pcb_flush(struct stack *s, struct udp_pcb *pcb)
{
        struct pkt *p;

        while ((p = pcb->rxq_head)) {
                pcb->rxq_head = p->next;
                pkt_free(s, p);
        }
        pcb->rxq_tail = NULL;
        pcb->rxq_count = 0;
        pcb->rxq_bytes = 0;
}

void
udp_fini(struct stack *s)
{
        struct udp_pcb *pcb;

        if (!s->udp)
                return;
        while ((pcb = s->udp->pcbs)) {
                s->udp->pcbs = pcb->next;
                udp_pcb_flush(s, pcb);
                free(pcb);
        }
        free(s->udp);
        s->udp = NULL;
}

/* The best pcb for a datagram: a connected pcb whose 4-tuple matches beats one bound to our
 * address, which beats a wildcard bind (RFC 1122 4.1.3.5 lets an application pick the local
 * address, and a connected UDP socket only hears its peer). */
static struct udp_pcb *
udp_lookup(struct stack *s, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
        struct udp_pcb *best = NULL;
        int best_score = -1;

        for (struct udp_pcb *pcb = s->udp->pcbs; pcb; pcb = pcb->next) {
                int score = 0;

                if (pcb->lport != dport || pcb->lport == 0)
                        continue;
                if (pcb->laddr && pcb->laddr != dst)
                        continue;
                if (pcb->raddr && (pcb->raddr != src || pcb->rport != sport))
                        continue;
                score = (pcb->laddr ? 1 : 0) + (pcb->raddr ? 2 : 0);
                if (score > best_score) {
                        best = pcb;
                        best_score = score;
                }
        }
        return best;
}

/* Queue a datagram (p->data at the UDP header, already validated) on pcb, or drop it when
 * the socket's queue is full. Consumes p. */
static void
udp_enqueue(struct stack *s, struct udp_pcb *pcb, struct pkt *p, uint32_t src, uint16_t sport)
{
        size_t plen = p->len - UDP_HDR_LEN;

        /* Bounded queues: a slow reader must not exhaust the packet pool. One datagram is
         * always let into an empty queue so that a small SOCK_OPT_RCVBUF cannot starve it. */
        if (pcb->rxq_count >= UDP_RXQ_MAX_DGRAMS ||
            (pcb->rxq_count > 0 && pcb->rxq_bytes + plen > pcb->rcvbuf)) {
                stack_count(s, CNT_UDP_RX_QUEUE_FULL);
                pkt_free(s, p);
                return;
        }
        pkt_pull(p, UDP_HDR_LEN);
        udp_meta_put(p, src, sport);
        p->next = NULL;
        if (pcb->rxq_tail)
                pcb->rxq_tail->next = p;
        else
                pcb->rxq_head = p;
        pcb->rxq_tail = p;
        pcb->rxq_count++;
        pcb->rxq_bytes += plen;
        sock_touch(s, pcb->so);
}

void
udp_input(struct stack *s, struct pkt *p, const struct ipv4_hdr *h)
{
        struct udp_hdr uh;
        struct udp_pcb *pcb;

        stack_count(s, CNT_UDP_RX);
        if (udp_hdr_parse(p->data, p->len, &uh) < 0) {
                stack_count(s, CNT_UDP_RX_BAD);
                goto drop;
        }
        pkt_trim(p, uh.len); /* RFC 768: octets past the length field are not ours */
        /* RFC 1122 4.1.3.4: a non-zero checksum that fails MUST be silently discarded; the
         * host kernel may have checked it already (p->csum_ok, a TAP's virtio header). */
        if (!p->csum_ok && !udp_csum_ok(p->data, p->len, h->src, h->dst)) {
                stack_count(s, CNT_UDP_RX_BAD_CSUM);
                goto drop;
        }
        pcb = udp_lookup(s, h->src, uh.sport, h->dst, uh.dport);
        if (!pcb) {
                /* RFC 1122 4.1.3.1: SHOULD send port unreachable; icmp_send_error leaves out
                 * broadcasts (RFC 1122 3.2.2) and applies the rate limit. */
                stack_count(s, CNT_UDP_RX_NO_PORT);
                icmp_send_error(s, p, h, ICMP_DEST_UNREACH, ICMP_UNREACH_PORT);
                goto drop;
        }
        udp_enqueue(s, pcb, p, h->src, uh.sport);
        return;
drop:
        pkt_free(s, p);
}

/* Linux semantics (and RFC 1122 4.1.3.3, which leaves the choice to us): only a connected
 * socket hears about ICMP errors, and only hard ones; "net/host unreachable", "time exceeded"
 * and "fragmentation needed" are transient and a later datagram may well get through. */
static bool
udp_err_is_hard(uint8_t type, uint8_t code)
{
        if (type == ICMP_PARAM_PROBLEM)
                return true;
        if (type != ICMP_DEST_UNREACH)
                return false;
        return code != ICMP_UNREACH_NET && code != ICMP_UNREACH_HOST &&
               code != ICMP_UNREACH_NEEDFRAG && code != 5; /* 5: source route failed */
}

void
udp_icmp_error(struct stack *s, const struct icmp_err *e)
{
        uint16_t sport, dport;

        if (e->l4_len < UDP_HDR_LEN || !udp_err_is_hard(e->type, e->code)) {
                stack_count(s, CNT_ICMP_ERR_IGNORED);
                return;
        }
        sport = get16(e->l4);
        dport = get16(e->l4 + 2);
        for (struct udp_pcb *pcb = s->udp->pcbs; pcb; pcb = pcb->next) {
                if (pcb->lport != sport || (pcb->laddr && pcb->laddr != e->src))
                        continue;
                if (pcb->raddr != e->dst || pcb->rport != dport)
                        continue;
                pcb->so->error = icmp_err_errno(e->type, e->code);
                sock_touch(s, pcb->so);
                return;
        }
        stack_count(s, CNT_ICMP_ERR_IGNORED);
}

int
udp_sock_open(struct stack *s, struct sock *so)
{
        struct udp_pcb *pcb = calloc(1, sizeof(*pcb));

        if (!pcb)
                return -ENOMEM;
        pcb->so = so;
        pcb->rcvbuf = UDP_RCVBUF_DEFAULT;
        pcb->sndbuf = UDP_SNDBUF_DEFAULT;
        pcb->next = s->udp->pcbs;
        s->udp->pcbs = pcb;
        so->udp = pcb;
        return 0;
}

int
udp_sock_close(struct stack *s, struct sock *so)
{
        struct udp_pcb **pp = &s->udp->pcbs;
        struct udp_pcb *pcb = so->udp;

        if (!pcb)
                return 0;
        while (*pp && *pp != pcb)
                pp = &(*pp)->next;
        if (*pp)
                *pp = pcb->next;
        udp_pcb_flush(s, pcb);
        free(pcb);
        so->udp = NULL;
        return 0;
}

/* Is (laddr, port) taken? Two binds clash when their local addresses overlap (equal, or
 * either is the wildcard); there is no SO_REUSEADDR. */
static bool
udp_port_taken(struct stack *s, uint16_t port, uint32_t laddr)
{
        for (struct udp_pcb *pcb = s->udp->pcbs; pcb; pcb = pcb->next)
                if (pcb->lport == port && (!pcb->laddr || !laddr || pcb->laddr == laddr))
                        return true;
        return false;
}

static bool
udp_port_in_use(struct stack *s, uint16_t port, uint32_t laddr, uint32_t raddr, uint16_t rport)
{
        (void)raddr;
        (void)rport;
        return udp_port_taken(s, port, laddr);
}

/* Give pcb a port: the one asked for, or an ephemeral one. UDP has no TIME-WAIT to keep
 * 4-tuples apart, so the remote end is left out and every choice is random (RFC 6056 3.3.1,
 * RFC 5452 9.2: a DNS query's source port must be unpredictable). */
static int
udp_pcb_bind(struct stack *s, struct udp_pcb *pcb, uint32_t laddr, uint16_t port)
{
        if (port == 0)
                port = sock_ephemeral_port(s, IPV4_PROTO_UDP, laddr, 0, 0, udp_port_in_use);
        else if (udp_port_taken(s, port, laddr))
                return -EADDRINUSE;
        if (port == 0)
                return -EADDRNOTAVAIL; /* every ephemeral port is taken */
        pcb->laddr = laddr;
        pcb->lport = port;
        return 0;
}

int
udp_sock_bind(struct stack *s, struct sock *so, const struct sock_addr *local)
{
        struct udp_pcb *pcb = so->udp;

        if (pcb->lport)
                return -EINVAL; /* already bound */
        if (local->ip && !stack_is_local_addr(s, local->ip))
                return -EADDRNOTAVAIL;
        return udp_pcb_bind(s, pcb, local->ip, local->port);
}

/* Fix the default destination and filter input to it. Like Linux, an unbound socket is
 * bound here, and a wildcard local address becomes the source the route would use. A peer
 * of 0.0.0.0:0 dissolves the association (connect with AF_UNSPEC). */
int
udp_sock_connect(struct stack *s, struct sock *so, const struct sock_addr *peer)
{
        struct udp_pcb *pcb = so->udp;
        uint32_t src;
        int r;

        if (peer->ip == 0 && peer->port == 0) {
                pcb->raddr = 0;
                pcb->rport = 0;
                return 0;
        }
        if (peer->ip == 0 || peer->port == 0)
                return -EINVAL;
        src = pcb->laddr ? pcb->laddr : ipv4_source_for(s, peer->ip);
        if (!src)
                return -ENETUNREACH;
        if (!pcb->lport && (r = udp_pcb_bind(s, pcb, src, 0)) < 0)
                return r;
        pcb->laddr = src;
        pcb->raddr = peer->ip;
        pcb->rport = peer->port;
        return 0;
}

/* A pending error goes to the next call, like so_error. */
static int
udp_take_error(struct sock *so)
{
        int e = so->error;

        so->error = 0;
        return e;
}

ssize_t
udp_sock_sendto(struct stack *s, struct sock *so, const void *buf, size_t len,
                const struct sock_addr *to)
{
        struct udp_pcb *pcb = so->udp;
        struct sock_addr dst = {.ip = pcb->raddr, .port = pcb->rport};
        struct ipv4_out o = {.proto = IPV4_PROTO_UDP, .ttl = pcb->ttl, .tos = pcb->tos};
        struct udp_hdr uh;
        struct pkt *p;
        int r;

        if (so->error)
                return udp_take_error(so);
        if (to)
                dst = *to;
        else if (!pcb->raddr)
                return -EDESTADDRREQ;
        if (dst.ip == 0 || dst.port == 0)
                return -EINVAL;
        if (len > UDP_MAX_PAYLOAD)
                return -EMSGSIZE;
        o.dst = dst.ip;
        o.src = pcb->laddr ? pcb->laddr : ipv4_source_for(s, dst.ip);
        if (!o.src)
                return -ENETUNREACH;
        if (!pcb->lport && (r = udp_pcb_bind(s, pcb, 0, 0)) < 0)
                return r;
        p = pkt_alloc(s, PKT_HEADROOM, UDP_HDR_LEN + len);
        if (!p)
                return -ENOBUFS;
        pkt_put(p, UDP_HDR_LEN + len);
        if (len)
                memcpy(p->data + UDP_HDR_LEN, buf, len);
        uh.sport = pcb->lport;
        uh.dport = dst.port;
        udp_hdr_emit(&uh, p->data, len, o.src, o.dst);
        /* Larger than the MTU: ipv4_output fragments (RFC 791 3.2); DF stays clear. */
        r = ipv4_output(s, p, &o);
        if (r < 0)
                return r;
        stack_count(s, CNT_UDP_TX);
        return (ssize_t)len;
}

/* Copy out the oldest datagram. A short buffer gets the first len bytes and the rest of
 * that datagram is discarded (recvfrom(2) without MSG_TRUNC). */
ssize_t
udp_sock_recvfrom(struct stack *s, struct sock *so, void *buf, size_t len, struct sock_addr *from)
{
        struct udp_pcb *pcb = so->udp;
        struct pkt *p = pcb->rxq_head;
        size_t n;

        if (!p)
                return so->error ? udp_take_error(so) : -EAGAIN;
        pcb->rxq_head = p->next;
        if (!pcb->rxq_head)
                pcb->rxq_tail = NULL;
        pcb->rxq_count--;
        pcb->rxq_bytes -= p->len;
        n = p->len < len ? p->len : len;
        if (n)
                memcpy(buf, p->data, n);
        if (from)
                udp_meta_get(p, from);
        pkt_free(s, p);
        return (ssize_t)n;
}

unsigned
udp_sock_events(struct stack *s, struct sock *so)
{
        unsigned ev = SOCK_WRITABLE; /* no send buffer: a datagram always goes straight out */

        (void)s;
        if (so->udp->rxq_head || so->error)
                ev |= SOCK_READABLE;
        if (so->error)
                ev |= SOCK_ERROR;
        return ev;
}

int
udp_sock_setopt(struct stack *s, struct sock *so, enum sock_opt opt, int value)
{
        struct udp_pcb *pcb = so->udp;

        (void)s;
        switch (opt) {
        case SOCK_OPT_RCVBUF:
                if (value < 0)
                        return -EINVAL;
                pcb->rcvbuf = (size_t)value < UDP_RCVBUF_MIN   ? UDP_RCVBUF_MIN
                              : (size_t)value > UDP_RCVBUF_MAX ? UDP_RCVBUF_MAX
                                                               : (size_t)value;
                return 0;
        case SOCK_OPT_SNDBUF:
                if (value < 0)
                        return -EINVAL;
                pcb->sndbuf = (size_t)value;
                return 0;
        case SOCK_OPT_TTL:
                if (value < 0 || value > 255)
                        return -EINVAL;
                pcb->ttl = (uint8_t)value; /* 0 restores the default (RFC 1122 3.2.1.7) */
                return 0;
        case SOCK_OPT_TOS:
                if (value < 0 || value > 255)
                        return -EINVAL;
                pcb->tos = (uint8_t)value;
                return 0;
        default:
                return -ENOPROTOOPT;
        }
}

int
udp_sock_getopt(struct stack *s, struct sock *so, enum sock_opt opt, int *value)
{
        struct udp_pcb *pcb = so->udp;

        (void)s;
        switch (opt) {
        case SOCK_OPT_RCVBUF:
                *value = (int)pcb->rcvbuf;
                return 0;
        case SOCK_OPT_SNDBUF:
                *value = (int)pcb->sndbuf;
                return 0;
        case SOCK_OPT_TTL:
                *value = pcb->ttl ? pcb->ttl : IPV4_DEFAULT_TTL;
                return 0;
        case SOCK_OPT_TOS:
                *value = pcb->tos;
                return 0;
        default:
                return -ENOPROTOOPT;
        }
}

int
udp_sock_local(struct stack *s, struct sock *so, struct sock_addr *a)
{
        (void)s;
        a->ip = so->udp->laddr;
        a->port = so->udp->lport;
        return 0;
}

int
udp_sock_peer(struct stack *s, struct sock *so, struct sock_addr *a)
{
        (void)s;
        if (!so->udp->raddr)
                return -ENOTCONN;
        a->ip = so->udp->raddr;
        a->port = so->udp->rport;
        return 0;
}

/* ss(8) calls a connected UDP socket ESTAB and any other UNCONN. */
void
udp_sock_info(struct stack *s, struct sock *so, struct sock_info *info)
{
        struct udp_pcb *pcb = so->udp;

        (void)s;
        info->state_name = pcb->raddr ? "ESTAB" : "UNCONN";
        info->local.ip = pcb->laddr;
        info->local.port = pcb->lport;
        info->peer.ip = pcb->raddr;
        info->peer.port = pcb->rport;
        info->recv_q = pcb->rxq_bytes;
        info->send_q = 0;
}

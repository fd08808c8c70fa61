/* IPv4 input and output (RFC 791, RFC 1122 3.2.1). */
#include "stack/net/ipv4.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stack/core/stack.h"
#include "stack/net/icmp.h"
#include "stack/net/iface.h"
#include "stack/net/udp.h"
#include "stack/tcp/tcp.h"
#include "stack/wire/icmp.h"

#define IPV4_ID_BUCKETS 256

struct ipv4_state {
        /* RFC 7739 4.3: per-bucket counters chosen by a keyed hash of the destination, so the
         * IDs seen by one peer reveal nothing about traffic to others. */
        uint16_t id_counter[IPV4_ID_BUCKETS];
        /* The last (src, dst, proto) and its keyed hash: a bulk transfer sends datagram
         * after datagram to one peer, and the hash is a fifth of the per-segment work. */
        uint32_t id_key[3];
        uint64_t id_hash;
        bool id_hash_valid;
};

int
ipv4_init(struct stack *s)
{
        s->ipv4 = calloc(1, sizeof(*s->ipv4));
        if (!s->ipv4)
                return -ENOMEM;
        rng_fill(&s->rng, s->ipv4->id_counter, sizeof(s->ipv4->id_counter));
        return ipv4_reass_init(s);
}

void
ipv4_fini(struct stack *s)
{
        ipv4_reass_fini(s);
        free(s->ipv4);
        s->ipv4 = NULL;
}

static uint16_t
ipv4_next_id(struct stack *s, uint32_t src, uint32_t dst, uint8_t proto)
{
        struct ipv4_state *st = s->ipv4;
        uint32_t key[3] = {src, dst, proto};
        uint64_t h;

        if (!st->id_hash_valid || memcmp(key, st->id_key, sizeof(key)) != 0) {
                memcpy(st->id_key, key, sizeof(key));
                st->id_hash = siphash24(&s->secret, key, sizeof(key));
                st->id_hash_valid = true;
        }
        h = st->id_hash;
        return (uint16_t)(s->ipv4->id_counter[h % IPV4_ID_BUCKETS]++ + (h >> 48));
}

/* RFC 1122 3.2.1.3: a source that is broadcast, multicast, class E or one of ours is bogus
 * (the last also stops LAND attacks, whose source equals the destination). */
static bool
ipv4_bad_source(struct stack *s, const struct iface *ifc, uint32_t src)
{
        return src == 0xffffffffu || (src >> 28) >= 0xe || src == iface_broadcast(ifc) ||
               stack_is_local_addr(s, src) || (src >> 24) == 127;
}

static bool
ipv4_for_us(struct stack *s, const struct iface *ifc, uint32_t dst)
{
        return stack_is_local_addr(s, dst) || dst == 0xffffffffu || dst == iface_broadcast(ifc);
}

static void
ipv4_deliver(struct stack *s, struct pkt *p, const struct ipv4_hdr *h)
{
        pkt_pull(p, h->hdr_len);
        switch (h->proto) {
        case IPV4_PROTO_ICMP:
                icmp_input(s, p, h);
                return;
        case IPV4_PROTO_UDP:
                udp_input(s, p, h);
                return;
        case IPV4_PROTO_TCP:
                tcp_input(s, p, h);
                return;
        }
        /* RFC 1122 3.2.2.1: SHOULD send protocol unreachable. */
        stack_count(s, CNT_IP_RX_UNKNOWN_PROTO);
        icmp_send_error(s, p, h, ICMP_DEST_UNREACH, ICMP_UNREACH_PROTO);
        pkt_free(s, p);
}

void
ipv4_input(struct stack *s, struct iface *ifc, struct pkt *p)
{
        struct ipv4_hdr h;
        enum counter why = CNT_IP_RX_SHORT;

        stack_count(s, CNT_IP_RX);
        /* A placed TCP payload (pkt.placed, DESIGN.md 6) is part of the datagram, not of the
         * buffer; iface.c checked that the total length covers it exactly. */
        if (ipv4_hdr_parse(p->data, p->len + p->placed, &h, &why) < 0) {
                stack_count(s, why);
                goto drop;
        }
        pkt_trim(p, h.total_len - p->placed); /* drop link-layer padding */
        if (ipv4_bad_source(s, ifc, h.src)) {
                stack_count(s, CNT_IP_RX_BAD_SRC);
                goto drop;
        }
        if (!ipv4_for_us(s, ifc, h.dst)) { /* a host does not forward (RFC 1122 3.3.1) */
                stack_count(s, CNT_IP_RX_NOT_FOR_US);
                goto drop;
        }
        if (h.ttl == 0) {
                stack_count(s, CNT_IP_RX_TTL);
                goto drop;
        }
        if (ipv4_is_fragment(&h)) {
                stack_count(s, CNT_IP_FRAG_RX);
                p = ipv4_reass_input(s, p, &h);
                if (!p)
                        return;
        }
        ipv4_deliver(s, p, &h);
        return;
drop:
        pkt_free(s, p);
}

uint32_t
ipv4_source_for(struct stack *s, uint32_t dst)
{
        uint32_t nh;
        struct iface *ifc = stack_route(s, dst, &nh);

        return ifc ? ifc->addr : 0;
}

unsigned
ipv4_mtu_to(struct stack *s, uint32_t dst)
{
        uint32_t nh;
        struct iface *ifc = stack_route(s, dst, &nh);

        return ifc ? ifc->mtu - IPV4_HDR_LEN : 576 - IPV4_HDR_LEN;
}

unsigned
ipv4_tx_caps_to(struct stack *s, uint32_t dst)
{
        uint32_t nh;
        struct iface *ifc = stack_route(s, dst, &nh);

        return ifc ? iface_tx_caps(ifc) : 0;
}

/* Send one datagram (p->data at its payload) with header h; consumes p. */
static int
ipv4_send_one(struct stack *s, struct iface *ifc, struct pkt *p, struct ipv4_hdr *h)
{
        uint8_t *b = pkt_push(p, IPV4_HDR_LEN);

        if (!b) {
                pkt_free(s, p);
                return -ENOBUFS;
        }
        h->total_len = (uint16_t)p->len;
        ipv4_hdr_emit(h, b);
        stack_count(s, CNT_IP_TX);
        iface_output_ipv4(s, ifc, p);
        return 0;
}

/* RFC 791 3.2 "Fragmentation": cut the payload into pieces of a multiple of 8 bytes. */
static int
ipv4_fragment(struct stack *s, struct iface *ifc, struct pkt *p, struct ipv4_hdr *h)
{
        size_t chunk = (size_t)(ifc->mtu - IPV4_HDR_LEN) & ~(size_t)7;
        size_t off = 0;
        int err = 0;

        while (off < p->len && err == 0) {
                size_t n = p->len - off < chunk ? p->len - off : chunk;
                struct pkt *f = pkt_alloc(s, PKT_HEADROOM, n);

                if (!f) {
                        err = -ENOBUFS;
                        break;
                }
                memcpy(pkt_put(f, n), p->data + off, n);
                f->next_hop = p->next_hop;
                h->frag_off = (uint16_t)off;
                h->mf = off + n < p->len;
                stack_count(s, CNT_IP_FRAG_TX);
                err = ipv4_send_one(s, ifc, f, h);
                off += n;
        }
        pkt_free(s, p);
        return err;
}

int
ipv4_output(struct stack *s, struct pkt *p, const struct ipv4_out *o)
{
        struct ipv4_hdr h = {0};
        struct iface *ifc = stack_route(s, o->dst, &p->next_hop);

        if (!ifc) {
                stack_count(s, CNT_IP_NO_ROUTE);
                pkt_free(s, p);
                return -ENETUNREACH;
        }
        h.src = o->src ? o->src : ifc->addr;
        h.dst = o->dst;
        h.proto = o->proto;
        h.ttl = o->ttl ? o->ttl : IPV4_DEFAULT_TTL;
        h.tos = o->tos;
        h.df = o->df;
        h.id = ipv4_next_id(s, h.src, h.dst, h.proto);
        if (p->len + IPV4_HDR_LEN > IPV4_MAX_LEN) {
                pkt_free(s, p);
                return -EMSGSIZE;
        }
        if (p->len + IPV4_HDR_LEN <= ifc->mtu)
                return ipv4_send_one(s, ifc, p, &h);
        if (p->gso_size && (iface_tx_caps(ifc) & LINK_TX_TSO4)) {
                /* A TSO super-frame is never fragmented here: the link cuts it into
                 * segments of at most the MTU, each of which inherits DF (TCP's choice,
                 * tcp_pmtu.c) and gets its own ID. */
                return ipv4_send_one(s, ifc, p, &h);
        }
        if (o->df) {
                stack_count(s, CNT_IP_TX_DF_TOO_BIG);
                pkt_free(s, p);
                return -EMSGSIZE;
        }
        return ipv4_fragment(s, ifc, p, &h);
}

/* Interfaces: drain frames from a link, demultiplex on EtherType, and transmit. */
#include "stack/net/iface.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#include "stack/core/stack.h"
#include "stack/net/arp.h"
#include "stack/net/ipv4.h"
#include "stack/tcp/tcp.h"
#include "stack/wire/eth.h"

/* What the link told us about the frame (a TAP's virtio net header): super-frames and
 * checksums the host vouches for, which TCP and UDP input then need not verify. */
static void
iface_rx_flags(struct stack *s, struct pkt *p, unsigned flags)
{
        if (flags & LINK_RX_GSO)
                stack_count(s, CNT_ETH_RX_GSO);
        if (flags & LINK_RX_CSUM_OK) {
                stack_count(s, CNT_ETH_RX_CSUM_OFFLOAD);
                p->csum_ok = true;
        }
}

static int
iface_rx_plain(struct stack *s, struct iface *ifc, struct pkt *p)
{
        int len = ifc->ops->rx(ifc->ctx, p->data, p->cap);

        if (len <= 0)
                return len;
        p->len = (size_t)len;
        if (ifc->ops->rx_flags)
                iface_rx_flags(s, p, ifc->ops->rx_flags(ifc->ctx));
        return len;
}

/* A mispredicted frame: put the bytes read into the ring's free space back where a plain
 * read would have put them, right after the headers (the ring's contents are untouched). */
static void
iface_place_undo(struct stack *s, struct pkt *p, const struct tcp_place *pl, size_t len)
{
        size_t body = len > pl->hdr_len ? len - pl->hdr_len : 0;
        size_t len1 = pl->n > 1 ? pl->len[1] : 0;
        size_t first = body < pl->len[0] ? body : pl->len[0];
        size_t second = body - first < len1 ? body - first : len1;
        uint8_t *dst = p->data + pl->hdr_len;

        if (first == 0)
                return;
        memmove(dst + first + second, dst, body - first - second);
        memcpy(dst, pl->piece[0], first);
        memcpy(dst + first, pl->piece[1], second);
        stack_count(s, CNT_TCP_RX_PLACE_MISS);
}

/* Receive placement (DESIGN.md 6): read the frame so that, if it is the predicted TCP
 * segment, its payload lands straight in the connection's receive ring; the pkt then holds
 * only the headers (pkt.placed). Anything else ends up in the pkt exactly as a plain read. */
static int
iface_rx_placed(struct stack *s, struct iface *ifc, struct pkt *p, const struct tcp_place *pl)
{
        struct iovec iov[LINK_RXV_MAX];
        size_t room = pl->len[0] + (pl->n > 1 ? pl->len[1] : 0);
        uint32_t placed;
        int n = 0, len;

        iov[n++] = (struct iovec){.iov_base = p->data, .iov_len = pl->hdr_len};
        for (unsigned i = 0; i < pl->n; i++)
                iov[n++] = (struct iovec){.iov_base = pl->piece[i], .iov_len = pl->len[i]};
        /* The pieces add up to p->cap, as a plain read into the pkt would take. */
        iov[n++] = (struct iovec){.iov_base = p->data + pl->hdr_len,
                                  .iov_len = p->cap - pl->hdr_len - room};
        len = ifc->ops->rxv(ifc->ctx, iov, n);
        if (len <= 0)
                return len;
        if (ifc->ops->rx_flags)
                iface_rx_flags(s, p, ifc->ops->rx_flags(ifc->ctx));
        /* Only a checksum the host vouched for: we cannot sum bytes we do not hold. */
        placed = p->csum_ok ? tcp_place_match(s, pl, p->data, (size_t)len) : 0;
        if (placed) {
                p->len = pl->hdr_len;
                p->placed = placed;
                return len;
        }
        iface_place_undo(s, p, pl, (size_t)len);
        p->len = (size_t)len;
        return len;
}

int
iface_poll(struct stack *s, struct iface *ifc)
{
        int n;

        for (n = 0; n < IFACE_RX_BUDGET; n++) {
                struct pkt *p = pkt_alloc(s, 0, s->pool.buf_size);
                struct tcp_place pl;
                int len;

                if (!p)
                        break;
                /* --trace describes whole frames: no placement then. */
                if (ifc->ops->rxv && !s->cfg.trace && tcp_place_prepare(s, ifc, p->cap, &pl))
                        len = iface_rx_placed(s, ifc, p, &pl);
                else
                        len = iface_rx_plain(s, ifc, p);
                if (len <= 0) {
                        pkt_free(s, p);
                        break;
                }
                iface_input(s, ifc, p);
        }
        return n;
}

static void
eth_input(struct stack *s, struct iface *ifc, struct pkt *p)
{
        struct eth_hdr eh;

        if (eth_hdr_parse(p->data, p->len, &eh) < 0) {
                stack_count(s, CNT_ETH_RX_SHORT);
                goto drop;
        }
        if (memcmp(eh.dst, ifc->mac, 6) != 0 && memcmp(eh.dst, eth_broadcast, 6) != 0) {
                stack_count(s, CNT_ETH_RX_NOT_FOR_US);
                goto drop;
        }
        pkt_pull(p, ETH_HDR_LEN);
        switch (eh.type) {
        case ETH_TYPE_ARP:
                arp_input(s, ifc, p);
                return;
        case ETH_TYPE_IPV4:
                ipv4_input(s, ifc, p);
                return;
        default:
                stack_count(s, CNT_ETH_RX_BAD_TYPE);
        }
drop:
        pkt_free(s, p);
}

void
iface_input(struct stack *s, struct iface *ifc, struct pkt *p)
{
        p->iface = ifc;
        stack_count(s, CNT_ETH_RX);
        trace_frame(s, ifc, p->data, p->len, false);
        if (ifc->type == LINK_RAW_IPV4)
                ipv4_input(s, ifc, p);
        else
                eth_input(s, ifc, p);
}

/* A frame with a partial TCP checksum (and maybe a TSO super-frame) goes out with the
 * metadata the link needs to finish it (virtio 1.x 5.1.6.2: csum_start, csum_offset,
 * hdr_len, gso_size); everything else as plain bytes. */
static int
iface_link_tx(struct iface *ifc, const struct pkt *p)
{
        struct link_tx_meta m;
        const uint8_t *l4 = p->tx_l4;

        if (!l4)
                return ifc->ops->tx(ifc->ctx, p->data, p->len);
        if (!ifc->ops->tx_meta) /* TCP only asks for what iface_tx_caps advertised */
                return -EOPNOTSUPP;
        m.csum_start = (uint16_t)(l4 - p->data);
        m.csum_offset = 16; /* the TCP checksum field (RFC 9293 3.1) */
        m.hdr_len = (uint16_t)(m.csum_start + (l4[12] >> 4) * 4u);
        m.gso_size = p->gso_size;
        return ifc->ops->tx_meta(ifc->ctx, p->data, p->len, &m);
}

void
iface_tx(struct stack *s, struct iface *ifc, struct pkt *p)
{
        if (iface_link_tx(ifc, p) < 0) {
                stack_count(s, CNT_ETH_TX_ERR);
        } else {
                stack_count(s, CNT_ETH_TX);
                if (p->tx_l4)
                        stack_count(s, CNT_ETH_TX_CSUM_OFFLOAD);
                if (p->gso_size)
                        stack_count(s, CNT_ETH_TX_TSO);
                trace_frame(s, ifc, p->data, p->len, true); /* only what really left */
        }
        pkt_free(s, p);
}

void
eth_output(struct stack *s, struct iface *ifc, struct pkt *p, const uint8_t dst[6], uint16_t type)
{
        struct eth_hdr eh;
        uint8_t *h = pkt_push(p, ETH_HDR_LEN);

        if (!h) {
                pkt_free(s, p);
                return;
        }
        memcpy(eh.dst, dst, 6);
        memcpy(eh.src, ifc->mac, 6);
        eh.type = type;
        eth_hdr_emit(&eh, h);
        iface_tx(s, ifc, p);
}

void
iface_output_ipv4(struct stack *s, struct iface *ifc, struct pkt *p)
{
        if (ifc->type == LINK_RAW_IPV4) {
                iface_tx(s, ifc, p);
                return;
        }
        arp_output(s, ifc, p);
}

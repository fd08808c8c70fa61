/* struct iface: one attached link with its addresses; rx drain and ethertype demux, tx. */
#ifndef STACK_NET_IFACE_H
#define STACK_NET_IFACE_H

#include <stdint.h>

#include "stack/stack.h"

struct pkt;

#define IFACE_RX_BUDGET 64 /* frames drained per stack_poll, so timers still run under load */

struct iface {
        int index;
        char name[16];
        enum link_type type;
        const struct link_ops *ops;
        void *ctx;
        uint8_t mac[6];
        uint32_t addr, netmask, gateway; /* host order */
        uint16_t mtu;
};

/* Drain up to IFACE_RX_BUDGET frames and hand each to the protocol layers. Returns frames read. */
int iface_poll(struct stack *s, struct iface *ifc);
/* Pass one received frame up (consumes p; p->data is the frame). */
void iface_input(struct stack *s, struct iface *ifc, struct pkt *p);
/* Prepend an Ethernet header to p (p->data at the payload) and send it; consumes p. */
void eth_output(struct stack *s, struct iface *ifc, struct pkt *p, const uint8_t dst[6],
                uint16_t type);
/* Send an IPv4 packet (p->data at the IPv4 header) towards p->next_hop; consumes p. */
void iface_output_ipv4(struct stack *s, struct iface *ifc, struct pkt *p);
/* Hand a finished frame to the link; consumes p. */
void iface_tx(struct stack *s, struct iface *ifc, struct pkt *p);
/* enum link_tx_cap bits of the link: what it finishes for frames we send. */
static inline unsigned
iface_tx_caps(const struct iface *ifc)
{
        return ifc->ops->tx_caps && ifc->ops->tx_meta ? ifc->ops->tx_caps(ifc->ctx) : 0;
}
static inline int
iface_on_link(const struct iface *ifc, uint32_t addr)
{
        return ((addr ^ ifc->addr) & ifc->netmask) == 0;
}
static inline uint32_t
iface_broadcast(const struct iface *ifc)
{
        return ifc->addr | ~ifc->netmask;
}

#endif

/* Packet buffers: one contiguous buffer with headroom and a data/len window.
 * A function taking a struct pkt * consumes it (frees it or passes it on). */
#ifndef STACK_CORE_PKT_H
#define STACK_CORE_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct stack;
struct iface;

#define PKT_HEADROOM 64 /* Ethernet + IPv4 + TCP with options, rounded up */

struct pkt {
        struct pkt *next; /* queue link (free list, ARP queue, ...) */
        struct iface *iface;
        uint8_t *buf;
        size_t cap;
        uint8_t *data;
        size_t len;
        uint32_t next_hop; /* set by ipv4_output for the link layer */
        bool csum_ok;      /* the link vouched for the TCP/UDP checksum (LINK_RX_CSUM_OK) */
        /* Transmit offloads (LINK_TX_CSUM): the TCP header whose checksum field holds only
         * the pseudo-header sum, for the link to finish, or NULL; and for a TSO super-frame
         * (LINK_TX_TSO4) the payload bytes per wire segment, else 0. */
        uint8_t *tx_l4;
        uint16_t gso_size;
        /* Receive placement (iface.c, DESIGN.md 6): this many TCP payload bytes follow the
         * headers on the wire but were read straight into the connection's receive ring
         * past its tail; the buffer holds the headers only. 0: the payload is in data. */
        uint32_t placed;
};

struct pkt_pool {
        struct pkt *free;
        size_t buf_size; /* standard buffer size */
        unsigned in_use; /* allocated and not yet freed */
        unsigned pooled; /* buffers on the free list */
        unsigned max;    /* bound on in_use */
};

void pkt_pool_init(struct pkt_pool *pp, size_t buf_size, unsigned max);
void pkt_pool_destroy(struct pkt_pool *pp);
/* A packet with at least size bytes of capacity; data starts after headroom bytes.
 * NULL (and the pkt.alloc_failures counter) when the pool bound is hit. */
struct pkt *pkt_alloc(struct stack *s, size_t headroom, size_t size);
void pkt_free(struct stack *s, struct pkt *p);
/* Prepend n bytes; returns the new start, or NULL when headroom is short. */
uint8_t *pkt_push(struct pkt *p, size_t n);
/* Strip n bytes from the front; returns the new start, or NULL when len < n. */
uint8_t *pkt_pull(struct pkt *p, size_t n);
/* Append n bytes at the tail; returns where they go, or NULL when capacity is short. */
uint8_t *pkt_put(struct pkt *p, size_t n);
/* Cut the window to len bytes (len <= p->len). */
void pkt_trim(struct pkt *p, size_t len);
static inline size_t
pkt_headroom(const struct pkt *p)
{
        return (size_t)(p->data - p->buf);
}
static inline size_t
pkt_tailroom(const struct pkt *p)
{
        return p->cap - pkt_headroom(p) - p->len;
}

#endif

/* Packet buffer pool: standard-size buffers are recycled through a free list; a request
 * larger than the standard size (a reassembled datagram) gets a one-off buffer. */
#include "stack/core/pkt.h"

#include <stdlib.h>

#include "stack/core/stack.h"

void
pkt_pool_init(struct pkt_pool *pp, size_t buf_size, unsigned max)
{
        pp->free = NULL;
        pp->buf_size = buf_size;
        pp->in_use = 0;
        pp->pooled = 0;
        pp->max = max;
}

void
pkt_pool_destroy(struct pkt_pool *pp)
{
        struct pkt *p;

        while ((p = pp->free)) {
                pp->free = p->next;
                free(p);
        }
        pp->pooled = 0;
}

struct pkt *
pkt_alloc(struct stack *s, size_t headroom, size_t size)
{
        struct pkt_pool *pp = &s->pool;
        size_t need = headroom + size;
        struct pkt *p = NULL;

        if (pp->in_use >= pp->max) {
                stack_count(s, CNT_PKT_ALLOC_FAIL);
                return NULL;
        }
        if (need <= pp->buf_size && pp->free) {
                p = pp->free;
                pp->free = p->next;
                pp->pooled--;
        } else {
                size_t cap = need <= pp->buf_size ? pp->buf_size : need;
                p = malloc(sizeof(*p) + cap);
                if (!p) {
                        stack_count(s, CNT_PKT_ALLOC_FAIL);
                        return NULL;
                }
                p->buf = (uint8_t *)(p + 1);
                p->cap = cap;
        }
        p->next = NULL;
        p->iface = NULL;
        p->next_hop = 0;
        p->csum_ok = false;
        p->tx_l4 = NULL;
        p->gso_size = 0;
        p->placed = 0;
        p->data = p->buf + headroom;
        p->len = 0;
        pp->in_use++;
        return p;
}

void
pkt_free(struct stack *s, struct pkt *p)
{
        struct pkt_pool *pp = &s->pool;

        if (!p)
                return;
        pp->in_use--;
        if (p->cap != pp->buf_size || pp->pooled >= 256) {
                free(p);
                return;
        }
        p->next = pp->free;
        pp->free = p;
        pp->pooled++;
}

uint8_t *
pkt_push(struct pkt *p, size_t n)
{
        if (pkt_headroom(p) < n)
                return NULL;
        p->data -= n;
        p->len += n;
        return p->data;
}

uint8_t *
pkt_pull(struct pkt *p, size_t n)
{
        if (p->len < n)
                return NULL;
        p->data += n;
        p->len -= n;
        return p->data;
}

uint8_t *
pkt_put(struct pkt *p, size_t n)
{
        uint8_t *tail = p->data + p->len;

        if (pkt_tailroom(p) < n)
                return NULL;
        p->len += n;
        return tail;
}

void
pkt_trim(struct pkt *p, size_t len)
{
        if (len < p->len)
                p->len = len;
}

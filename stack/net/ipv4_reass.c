/* IPv4 reassembly (RFC 791 3.2, RFC 815 idea, RFC 1122 3.3.2) with a timeout, a memory
 * bound, and rejection of overlaps (RFC 5722's rule, applied to IPv4: teardrop) and of
 * datagrams over 65535 bytes (ping of death). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stack/core/stack.h"
#include "stack/net/icmp.h"
#include "stack/net/ipv4.h"

#define REASS_TIMEOUT_US (30u * 1000000u) /* RFC 1122 3.3.2: 60 to 120 s recommended; Linux 30 */
#define REASS_BLOCKS (IPV4_MAX_LEN / 8 + 1)
#define REASS_BUF (IPV4_MAX_LEN)

struct reass {
        bool used;
        uint32_t src, dst;
        uint16_t id;
        uint8_t proto;
        uint8_t ttl, tos;
        uint32_t total;    /* payload length, known once the last fragment came; else 0 */
        uint32_t received; /* payload bytes held; no overlaps, so complete when == total */
        uint32_t max_end;  /* end of the furthest fragment held */
        uint64_t started_us;
        struct timer timer;
        uint8_t map[REASS_BLOCKS / 8 + 1]; /* one bit per 8-byte block */
        uint8_t *data;                     /* REASS_BUF bytes of payload */
};

struct reass_state {
        unsigned n;
        struct reass *r;
};

static void reass_timeout(struct stack *s, struct timer *t);

int
ipv4_reass_init(struct stack *s)
{
        unsigned bytes = s->cfg.reass_max_bytes ? s->cfg.reass_max_bytes : 4u * REASS_BUF;
        unsigned n = bytes / REASS_BUF ? bytes / REASS_BUF : 1;
        struct reass_state *rs = calloc(1, sizeof(*rs));

        if (!rs)
                return -ENOMEM;
        rs->r = calloc(n, sizeof(struct reass));
        if (!rs->r) {
                free(rs);
                return -ENOMEM;
        }
        rs->n = n;
        for (unsigned i = 0; i < n; i++)
                timer_init(&rs->r[i].timer, reass_timeout);
        s->ipv4_reass = rs;
        return 0;
}

static void
reass_release(struct stack *s, struct reass *r)
{
        stack_timer_cancel(s, &r->timer);
        free(r->data);
        r->data = NULL;
        r->used = false;
}

void
ipv4_reass_fini(struct stack *s)
{
        struct reass_state *rs = s->ipv4_reass;

        if (!rs)
                return;
        for (unsigned i = 0; i < rs->n; i++)
                reass_release(s, &rs->r[i]);
        free(rs->r);
        free(rs);
        s->ipv4_reass = NULL;
}

static void
reass_timeout(struct stack *s, struct timer *t)
{
        struct reass *r = (struct reass *)((char *)t - offsetof(struct reass, timer));

        stack_count(s, CNT_IP_FRAG_TIMEOUT);
        reass_release(s, r);
}

/* The entry for this datagram, a new one, or the oldest one evicted (the memory bound). */
static struct reass *
reass_find(struct stack *s, const struct ipv4_hdr *h)
{
        struct reass_state *rs = s->ipv4_reass;
        struct reass *r, *oldest = NULL, *free_r = NULL;

        for (unsigned i = 0; i < rs->n; i++) {
                r = &rs->r[i];
                if (!r->used) {
                        free_r = free_r ? free_r : r;
                        continue;
                }
                if (r->src == h->src && r->dst == h->dst && r->id == h->id && r->proto == h->proto)
                        return r;
                if (!oldest || r->started_us < oldest->started_us)
                        oldest = r;
        }
        r = free_r;
        if (!r && !oldest) /* no slots at all; init makes at least one */
                return NULL;
        if (!r) {
                stack_count(s, CNT_IP_FRAG_NO_MEM);
                reass_release(s, oldest);
                r = oldest;
        }
        r->data = malloc(REASS_BUF);
        if (!r->data)
                return NULL;
        memset(r->map, 0, sizeof(r->map));
        r->used = true;
        r->src = h->src;
        r->dst = h->dst;
        r->id = h->id;
        r->proto = h->proto;
        r->total = r->received = r->max_end = 0;
        r->started_us = s->now_us;
        stack_timer_arm(s, &r->timer, REASS_TIMEOUT_US);
        return r;
}

static bool
map_get(const struct reass *r, size_t b)
{
        return r->map[b / 8] & (1u << (b % 8));
}

/* Returns 1 when added, 0 for an exact duplicate, -1 for an overlap. */
static int
reass_add(struct reass *r, size_t off, const uint8_t *d, size_t len)
{
        size_t first = off / 8, last = (off + len + 7) / 8, set = 0;

        for (size_t b = first; b < last; b++)
                set += map_get(r, b);
        if (set == last - first && memcmp(r->data + off, d, len) == 0)
                return 0; /* a duplicated fragment (netem does this) is harmless */
        if (set)
                return -1;
        for (size_t b = first; b < last; b++)
                r->map[b / 8] |= (uint8_t)(1u << (b % 8));
        memcpy(r->data + off, d, len);
        r->received += (uint32_t)len;
        if (off + len > r->max_end)
                r->max_end = (uint32_t)(off + len);
        return 1;
}

/* Build the reassembled datagram with a fresh 20-byte header. */
static struct pkt *
reass_finish(struct stack *s, struct reass *r, struct ipv4_hdr *h)
{
        struct pkt *p = pkt_alloc(s, PKT_HEADROOM, IPV4_HDR_LEN + r->total);

        if (p) {
                h->hdr_len = IPV4_HDR_LEN;
                h->total_len = (uint16_t)(IPV4_HDR_LEN + r->total);
                h->mf = false;
                h->frag_off = 0;
                ipv4_hdr_emit(h, pkt_put(p, IPV4_HDR_LEN));
                memcpy(pkt_put(p, r->total), r->data, r->total);
                stack_count(s, CNT_IP_REASSEMBLED);
        }
        reass_release(s, r);
        return p;
}

struct pkt *
ipv4_reass_input(struct stack *s, struct pkt *p, struct ipv4_hdr *h)
{
        size_t len = h->total_len - h->hdr_len, off = h->frag_off;
        const uint8_t *d = p->data + h->hdr_len;
        struct reass *r;
        int rc;

        /* Every fragment but the last carries a multiple of 8 bytes (RFC 791 3.2). */
        if ((h->mf && (len == 0 || len % 8)) || (!h->mf && len == 0 && off == 0)) {
                stack_count(s, CNT_IP_FRAG_BAD);
                pkt_free(s, p);
                return NULL;
        }
        r = reass_find(s, h);
        if (!r) {
                pkt_free(s, p);
                return NULL;
        }
        if (off + len + IPV4_HDR_LEN > IPV4_MAX_LEN) {
                stack_count(s, CNT_IP_FRAG_TOO_BIG);
                goto kill;
        }
        /* Data past the end that the last fragment set, or a last fragment that ends
         * before data we hold, is inconsistent. */
        if ((r->total && off + len > r->total) || (!h->mf && off + len < r->max_end)) {
                stack_count(s, CNT_IP_FRAG_BAD);
                goto kill;
        }
        if (!h->mf) {
                if (r->total && r->total != off + len) {
                        stack_count(s, CNT_IP_FRAG_BAD);
                        goto kill;
                }
                r->total = (uint32_t)(off + len);
        }
        rc = reass_add(r, off, d, len);
        if (rc < 0) {
                stack_count(s, CNT_IP_FRAG_OVERLAP);
                goto kill;
        }
        if (off == 0) {
                r->ttl = h->ttl;
                r->tos = h->tos;
        }
        pkt_free(s, p);
        if (r->total == 0 || r->received != r->total)
                return NULL;
        h->ttl = r->ttl;
        h->tos = r->tos;
        return reass_finish(s, r, h);
kill:
        reass_release(s, r);
        pkt_free(s, p);
        return NULL;
}

/* ARP neighbour cache (RFC 826 "Packet Reception", RFC 1122 2.3.2). */
#include "stack/net/arp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stack/core/stack.h"
#include "stack/net/icmp.h"
#include "stack/net/iface.h"
#include "stack/wire/arp.h"
#include "stack/wire/eth.h"
#include "stack/wire/icmp.h"

enum arp_entry_state { ARP_FREE, ARP_INCOMPLETE, ARP_REACHABLE };

struct arp_entry {
        enum arp_entry_state state;
        uint32_t ip;
        uint8_t mac[6];
        struct iface *iface;
        struct timer timer; /* INCOMPLETE: retry; REACHABLE: expiry */
        unsigned tries;
        unsigned queued;
        struct pkt *q_head, *q_tail; /* packets awaiting resolution */
        struct stack *s;
};

struct arp_state {
        unsigned n;
        struct arp_entry *e;
};

static void arp_timer_fire(struct stack *s, struct timer *t);

int
arp_init(struct stack *s)
{
        unsigned n = s->cfg.arp_cache_size ? s->cfg.arp_cache_size : 64;

        s->arp = calloc(1, sizeof(*s->arp));
        if (!s->arp)
                return -ENOMEM;
        s->arp->e = calloc(n, sizeof(struct arp_entry));
        if (!s->arp->e)
                return -ENOMEM;
        s->arp->n = n;
        for (unsigned i = 0; i < n; i++)
                timer_init(&s->arp->e[i].timer, arp_timer_fire);
        return 0;
}

/* The queue is detached first: reporting an error reaches the transports, which may send
 * again and re-enter arp_output (even reusing this slot) while we walk the list. */
static void
entry_flush_queue(struct stack *s, struct arp_entry *e, bool send)
{
        struct pkt *p, *list = e->q_head;
        struct iface *ifc = e->iface;
        uint8_t mac[6];

        memcpy(mac, e->mac, 6);
        e->q_head = e->q_tail = NULL;
        e->queued = 0;
        while ((p = list)) {
                list = p->next;
                p->next = NULL;
                if (send) {
                        eth_output(s, ifc, p, mac, ETH_TYPE_IPV4);
                } else {
                        /* RFC 1122 2.3.2.2: tell the sender the host is unreachable. */
                        icmp_local_error(s, p, ICMP_DEST_UNREACH, ICMP_UNREACH_HOST);
                        pkt_free(s, p);
                }
        }
}

static void
entry_free(struct stack *s, struct arp_entry *e)
{
        stack_timer_cancel(s, &e->timer);
        e->state = ARP_FREE; /* before the errors go out: see entry_flush_queue */
        entry_flush_queue(s, e, false);
}

void
arp_fini(struct stack *s)
{
        if (!s->arp)
                return;
        for (unsigned i = 0; s->arp->e && i < s->arp->n; i++) {
                struct arp_entry *e = &s->arp->e[i];
                struct pkt *p;
                stack_timer_cancel(s, &e->timer);
                while ((p = e->q_head)) {
                        e->q_head = p->next;
                        pkt_free(s, p);
                }
        }
        free(s->arp->e);
        free(s->arp);
        s->arp = NULL;
}

static struct arp_entry *
entry_find(struct stack *s, uint32_t ip)
{
        for (unsigned i = 0; i < s->arp->n; i++)
                if (s->arp->e[i].state != ARP_FREE && s->arp->e[i].ip == ip)
                        return &s->arp->e[i];
        return NULL;
}

/* A free entry, else the REACHABLE entry closest to expiry; NULL if all are resolving. */
static struct arp_entry *
entry_new(struct stack *s, struct iface *ifc, uint32_t ip)
{
        struct arp_entry *victim = NULL;

        for (unsigned i = 0; i < s->arp->n; i++) {
                struct arp_entry *e = &s->arp->e[i];
                if (e->state == ARP_FREE) {
                        victim = e;
                        break;
                }
                if (e->state == ARP_REACHABLE &&
                    (!victim || e->timer.deadline_us < victim->timer.deadline_us))
                        victim = e;
        }
        if (!victim) {
                stack_count(s, CNT_ARP_CACHE_FULL);
                return NULL;
        }
        if (victim->state != ARP_FREE)
                entry_free(s, victim);
        memset(victim->mac, 0, 6);
        victim->ip = ip;
        victim->iface = ifc;
        victim->tries = 0;
        victim->state = ARP_INCOMPLETE;
        return victim;
}

static void
arp_send(struct stack *s, struct iface *ifc, uint16_t op, const uint8_t tha[6], uint32_t tpa,
         const uint8_t eth_dst[6])
{
        struct pkt *p = pkt_alloc(s, PKT_HEADROOM, ARP_PKT_LEN);
        struct arp_pkt a;

        if (!p)
                return;
        a.op = op;
        memcpy(a.sha, ifc->mac, 6);
        a.spa = ifc->addr;
        memcpy(a.tha, tha, 6);
        a.tpa = tpa;
        arp_pkt_emit(&a, pkt_put(p, ARP_PKT_LEN));
        stack_count(s, op == ARP_OP_REQUEST ? CNT_ARP_REQ_TX : CNT_ARP_REPLY_TX);
        eth_output(s, ifc, p, eth_dst, ETH_TYPE_ARP);
}

static void
arp_request(struct stack *s, struct arp_entry *e)
{
        static const uint8_t zero[6];

        e->tries++;
        arp_send(s, e->iface, ARP_OP_REQUEST, zero, e->ip, eth_broadcast);
        stack_timer_arm(s, &e->timer, ARP_RETRY_US);
}

static void
arp_timer_fire(struct stack *s, struct timer *t)
{
        struct arp_entry *e = (struct arp_entry *)((char *)t - offsetof(struct arp_entry, timer));

        if (e->state == ARP_INCOMPLETE && e->tries < ARP_MAX_TRIES) {
                arp_request(s, e);
                return;
        }
        if (e->state == ARP_INCOMPLETE)
                stack_count(s, CNT_ARP_UNREACH);
        entry_free(s, e);
}

static void
entry_resolved(struct stack *s, struct arp_entry *e, const uint8_t mac[6])
{
        memcpy(e->mac, mac, 6);
        e->state = ARP_REACHABLE;
        stack_timer_arm(s, &e->timer, ARP_REACHABLE_US);
        entry_flush_queue(s, e, true);
}

void
arp_input(struct stack *s, struct iface *ifc, struct pkt *p)
{
        struct arp_pkt a;
        struct arp_entry *e;

        stack_count(s, CNT_ARP_RX);
        if (arp_pkt_parse(p->data, p->len, &a) < 0 || (a.sha[0] & 1) || a.spa == 0) {
                stack_count(s, CNT_ARP_RX_BAD);
                goto out;
        }
        if (a.spa == ifc->addr) { /* RFC 5227 2.4: someone claims our address; never cache it */
                stack_count(s, CNT_ARP_CONFLICT);
                goto out;
        }
        if (a.tpa != ifc->addr) { /* not for us: ignored, never merged into the cache */
                stack_count(s, CNT_ARP_RX_NOT_FOR_US);
                goto out;
        }
        e = entry_find(s, a.spa);
        if (e && e->state == ARP_REACHABLE && memcmp(e->mac, a.sha, 6) != 0 &&
            a.op == ARP_OP_REPLY) {
                /* A reply we did not ask for must not move a live entry (ARP spoofing). */
                stack_count(s, CNT_ARP_UNSOLICITED);
                goto out;
        }
        /* RFC 826: merge the sender into the table; the target is us, so add it if new. */
        if (!e && a.op == ARP_OP_REQUEST)
                e = entry_new(s, ifc, a.spa);
        if (e)
                entry_resolved(s, e, a.sha);
        if (a.op == ARP_OP_REQUEST)
                arp_send(s, ifc, ARP_OP_REPLY, a.sha, a.spa, a.sha);
out:
        pkt_free(s, p);
}

void
arp_forget(struct stack *s, uint32_t ip)
{
        struct arp_entry *e = entry_find(s, ip);

        if (e && e->state == ARP_REACHABLE) /* an incomplete one is being asked for already */
                entry_free(s, e);
}

int
arp_lookup(struct stack *s, uint32_t ip, uint8_t mac[6])
{
        struct arp_entry *e = entry_find(s, ip);

        if (!e || e->state != ARP_REACHABLE)
                return -ENOENT;
        memcpy(mac, e->mac, 6);
        return 0;
}

void
arp_output(struct stack *s, struct iface *ifc, struct pkt *p)
{
        unsigned max_q = s->cfg.arp_queue_len ? s->cfg.arp_queue_len : 16;
        struct arp_entry *e;

        if (p->next_hop == 0xffffffffu || p->next_hop == iface_broadcast(ifc)) {
                eth_output(s, ifc, p, eth_broadcast, ETH_TYPE_IPV4);
                return;
        }
        e = entry_find(s, p->next_hop);
        if (e && e->state == ARP_REACHABLE) {
                eth_output(s, ifc, p, e->mac, ETH_TYPE_IPV4);
                return;
        }
        if (!e) {
                e = entry_new(s, ifc, p->next_hop);
                if (!e) {
                        pkt_free(s, p);
                        return;
                }
                arp_request(s, e);
        }
        if (e->queued >= max_q) { /* RFC 1122 2.3.2.2: SHOULD keep at least one */
                stack_count(s, CNT_ARP_QUEUE_FULL);
                pkt_free(s, p);
                return;
        }
        p->next = NULL;
        if (e->q_tail)
                e->q_tail->next = p;
        else
                e->q_head = p;
        e->q_tail = p;
        e->queued++;
}

void
arp_announce(struct stack *s, struct iface *ifc)
{
        static const uint8_t zero[6];

        if (ifc->type != LINK_ETHERNET || ifc->addr == 0)
                return;
        arp_send(s, ifc, ARP_OP_REQUEST, zero, ifc->addr, eth_broadcast);
}

/* TCB lifetime and lookup: allocation, a growing 4-tuple hash, listeners, dirty, deferred-free
 * and TIME-WAIT lists, a cache of ring buffers, ISN (RFC 9293 3.4.1, RFC 6528), ICMP errors
 * (RFC 9293 3.9.2.2, RFC 5927). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stack/core/stack.h"
#include "stack/net/icmp.h"
#include "stack/net/ipv4.h"
#include "stack/sock/sock.h"
#include "stack/tcp/tcb.h"
#include "stack/tcp/tcp.h"
#include "stack/tcp/tcp_seq.h"
#include "stack/wire/bytes.h"
#include "stack/wire/icmp.h"

#define TCP_MAX_TCBS 4096
#define TCP_DEFAULT_BUF (128u * 1024u)
#define TCP_DEFAULT_R2_MS 100000u /* RFC 9293 MUST-20: R2 at least 100 s */
#define TCP_MIN_MSS 88            /* floor for absurd peer MSS values (as Linux) */

int
tcp_init(struct stack *s)
{
        s->tcp = calloc(1, sizeof(*s->tcp));
        if (!s->tcp)
                return -ENOMEM;
        s->tcp->buckets = calloc(TCP_HASH_MIN, sizeof(*s->tcp->buckets));
        if (!s->tcp->buckets) {
                free(s->tcp);
                s->tcp = NULL;
                return -ENOMEM;
        }
        s->tcp->hash_mask = TCP_HASH_MIN - 1;
        return 0;
}

void
tcp_fini(struct stack *s)
{
        struct tcp_state *ts = s->tcp;

        if (!ts)
                return;
        /* sock_fini ran first and freed the sockets: do not touch t->sock. */
        while (ts->all) {
                struct tcb *t = ts->all;
                tcb_timers_cancel(s, t);
                t->sock = NULL;
                tcb_free(s, t);
        }
        while (ts->n_ring_cache > 0)
                free(ts->ring_cache[--ts->n_ring_cache].buf);
        free(ts->buckets);
        free(ts);
        s->tcp = NULL;
}

void
tcb_time_wait_add(struct stack *s, struct tcb *t)
{
        struct tcp_state *ts = s->tcp;

        t->tw_next = NULL;
        t->tw_prev = ts->tw_newest;
        if (ts->tw_newest)
                ts->tw_newest->tw_next = t;
        else
                ts->tw_oldest = t;
        ts->tw_newest = t;
}

void
tcb_time_wait_remove(struct stack *s, struct tcb *t)
{
        struct tcp_state *ts = s->tcp;

        if (t->tw_prev)
                t->tw_prev->tw_next = t->tw_next;
        else
                ts->tw_oldest = t->tw_next;
        if (t->tw_next)
                t->tw_next->tw_prev = t->tw_prev;
        else
                ts->tw_newest = t->tw_prev;
        t->tw_prev = t->tw_next = NULL;
}

/* The table is full: end the oldest orphaned TIME-WAIT early rather than refuse a new
 * connection, as Linux stops keeping TIME-WAIT past tcp_max_tw_buckets. A server that
 * closes first holds one TIME-WAIT per connection for 2 MSL (RFC 9293 3.10.7.4), so without
 * this a few thousand short connections would lock it out for a minute. The oldest has
 * served most of its 2 MSL, and timestamps (PAWS, RFC 7323 5) guard what is left of it.
 * Its TCB is freed at the end of this poll, so the table may run over by what one poll
 * brings in. */
static bool
tcb_evict_time_wait(struct stack *s)
{
        struct tcb *t = s->tcp->tw_oldest;

        while (t && t->sock) /* a user that still holds the socket may still read it */
                t = t->tw_next;
        if (!t)
                return false;
        stack_count(s, CNT_TCP_TIME_WAIT_EVICT);
        tcp_set_state(s, t, TCP_CLOSED, TCP_WHY_TIME_WAIT_EVICT);
        return true;
}

struct tcb *
tcb_alloc(struct stack *s)
{
        struct tcp_state *ts = s->tcp;
        struct tcb *t;

        if (ts->n_tcbs >= (s->cfg.max_tcbs ? s->cfg.max_tcbs : TCP_MAX_TCBS) &&
            !tcb_evict_time_wait(s)) {
                stack_count(s, CNT_TCP_TCB_LIMIT);
                return NULL;
        }
        t = calloc(1, sizeof(*t));
        if (!t)
                return NULL;
        t->id = ++ts->next_id;
        t->snd_buf = TCP_DEFAULT_BUF;
        t->rcv_buf = TCP_DEFAULT_BUF;
        t->r2_ms = TCP_DEFAULT_R2_MS;
        t->snd_mss = 536; /* RFC 9293 MUST-15 default until the peer says otherwise */
        t->peer_mss = 536;
        t->rto_us = 1000000; /* RFC 6298 (2.1): 1 s before any measurement */
        t->ecn_want = s->cfg.tcp_ecn;
        tcb_timers_init(t);
        t->all_next = ts->all;
        if (ts->all)
                ts->all->all_prev = t;
        ts->all = t;
        ts->n_tcbs++;
        return t;
}

/* A ring of cap bytes, from the cache when it holds a buffer of exactly that size. */
static int
tcb_ring_get(struct tcp_state *ts, struct ring *r, size_t cap)
{
        for (unsigned i = ts->n_ring_cache; i-- > 0;) {
                if (ts->ring_cache[i].cap != cap)
                        continue;
                *r = (struct ring){.buf = ts->ring_cache[i].buf, .cap = cap};
                ts->ring_cache[i] = ts->ring_cache[--ts->n_ring_cache];
                return 0;
        }
        return ring_init(r, cap);
}

/* Give a ring's buffer to the cache (or back to malloc when the cache is full or the buffer
 * large); the ring is left empty, without a buffer. */
static void
tcb_ring_put(struct tcp_state *ts, struct ring *r)
{
        if (r->buf && r->cap <= TCP_RING_CACHE_MAX && ts->n_ring_cache < TCP_RING_CACHE) {
                ts->ring_cache[ts->n_ring_cache++] = (struct tcp_ring_buf){r->buf, r->cap};
                *r = (struct ring){0};
                return;
        }
        ring_free(r);
}

int
tcb_rings_init(struct stack *s, struct tcb *t)
{
        if (!t->snd.buf && tcb_ring_get(s->tcp, &t->snd, t->snd_buf) < 0)
                return -ENOMEM;
        if (!t->rcv.buf && tcb_ring_get(s->tcp, &t->rcv, t->rcv_buf) < 0)
                return -ENOMEM;
        return 0;
}

/* RFC 9293 3.10.7.4: TIME-WAIT is entered once our FIN is acknowledged (nothing is left to
 * send) and the peer's FIN arrived (nothing more can be received), so a TIME-WAIT TCB needs
 * neither ring for its 2 MSL; it keeps only the bytes its user has not read yet. */
void
tcb_rings_release(struct stack *s, struct tcb *t)
{
        if (ring_len(&t->snd) == 0)
                tcb_ring_put(s->tcp, &t->snd);
        if (!t->sock || (ring_len(&t->rcv) == 0 && t->n_ooo == 0))
                tcb_ring_put(s->tcp, &t->rcv);
}

void
tcb_free(struct stack *s, struct tcb *t)
{
        struct tcp_state *ts = s->tcp;

        tcb_hash_remove(s, t);
        if (ts->place_tcb == t)
                ts->place_tcb = NULL; /* DESIGN.md 6: never place into a freed ring */
        if (t->state == TCP_LISTEN)
                tcb_listener_remove(s, t);
        if (t->state == TCP_TIME_WAIT)
                tcb_time_wait_remove(s, t);
        if (t->listener)
                tcb_child_unlink(t);
        for (struct tcb *c = t->children; c; c = c->qnext)
                c->listener = NULL;
        if (t->all_prev)
                t->all_prev->all_next = t->all_next;
        else
                ts->all = t->all_next;
        if (t->all_next)
                t->all_next->all_prev = t->all_prev;
        ts->n_tcbs--;
        tcb_ring_put(ts, &t->snd);
        tcb_ring_put(ts, &t->rcv);
        free(t);
}

static unsigned
tcb_hash(struct stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport)
{
        uint32_t key[3] = {laddr, raddr, (uint32_t)lport << 16 | rport};

        return (unsigned)siphash24(&s->secret, key, sizeof(key)) & s->tcp->hash_mask;
}

/* Put t at the head of a bucket's chain (hprev lets removal unlink it without a walk). */
static void
tcb_bucket_push(struct tcb **head, struct tcb *t)
{
        t->hnext = *head;
        if (*head)
                (*head)->hprev = &t->hnext;
        *head = t;
        t->hprev = head;
}

/* Double the table and move every chain over: a fixed table would turn each lookup into a
 * walk of n/256 TCBs with tens of thousands of connections (or of TIME-WAITs). Each step
 * of a walk is a cache miss, so the table keeps at most one TCB per bucket on average.
 * Without memory for a larger table the chains just grow longer. */
static void
tcb_hash_grow(struct stack *s)
{
        struct tcp_state *ts = s->tcp;
        unsigned old_n = ts->hash_mask + 1;
        struct tcb **old = ts->buckets, **nb = calloc((size_t)old_n * 2, sizeof(*nb));

        if (!nb)
                return;
        ts->buckets = nb;
        ts->hash_mask = old_n * 2 - 1;
        for (unsigned i = 0; i < old_n; i++) {
                while (old[i]) {
                        struct tcb *t = old[i];

                        old[i] = t->hnext;
                        tcb_bucket_push(&nb[tcb_hash(s, t->laddr, t->lport, t->raddr, t->rport)],
                                        t);
                }
        }
        free(old);
}

void
tcb_hash_insert(struct stack *s, struct tcb *t)
{
        if (t->hashed)
                return;
        if (s->tcp->n_hashed >= s->tcp->hash_mask + 1)
                tcb_hash_grow(s);
        tcb_bucket_push(&s->tcp->buckets[tcb_hash(s, t->laddr, t->lport, t->raddr, t->rport)], t);
        t->hashed = true;
        s->tcp->n_hashed++;
}

void
tcb_hash_remove(struct stack *s, struct tcb *t)
{
        if (!t->hashed)
                return;
        *t->hprev = t->hnext;
        if (t->hnext)
                t->hnext->hprev = t->hprev;
        t->hnext = NULL;
        t->hprev = NULL;
        t->hashed = false;
        s->tcp->n_hashed--;
}

struct tcb *
tcb_lookup(struct stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport)
{
        struct tcb *t = s->tcp->buckets[tcb_hash(s, laddr, lport, raddr, rport)];

        for (; t; t = t->hnext)
                if (t->lport == lport && t->rport == rport && t->laddr == laddr &&
                    t->raddr == raddr)
                        return t;
        return NULL;
}

struct tcb *
tcb_find_listener(struct stack *s, uint32_t laddr, uint16_t lport)
{
        struct tcb *any = NULL;

        for (struct tcb *t = s->tcp->listeners; t; t = t->lnext) {
                if (t->lport != lport)
                        continue;
                if (t->laddr == laddr)
                        return t; /* the most specific binding wins */
                if (t->laddr == 0)
                        any = t;
        }
        return any;
}

void
tcb_listener_add(struct stack *s, struct tcb *t)
{
        t->lnext = s->tcp->listeners;
        s->tcp->listeners = t;
}

void
tcb_listener_remove(struct stack *s, struct tcb *t)
{
        struct tcb **pp = &s->tcp->listeners;

        while (*pp && *pp != t)
                pp = &(*pp)->lnext;
        if (*pp)
                *pp = t->lnext;
        t->lnext = NULL;
}

void
tcb_child_unlink(struct tcb *t)
{
        struct tcb **pp = &t->listener->children;

        while (*pp && *pp != t)
                pp = &(*pp)->qnext;
        if (*pp)
                *pp = t->qnext;
        t->qnext = NULL;
        t->listener = NULL;
}

void
tcb_touch(struct stack *s, struct tcb *t)
{
        sock_touch(s, t->sock);
        if (t->listener) /* a child that becomes ready, or goes, changes the listener's */
                sock_touch(s, t->listener->sock);
}

/* Every segment a synchronized TCB takes marks it dirty, so its socket is touched here even
 * when it is dirty already (a callback may have marked it after the last flush). */
void
tcb_mark_dirty(struct stack *s, struct tcb *t)
{
        tcb_touch(s, t);
        if (t->dirty || t->dead)
                return;
        t->dirty = true;
        t->dnext = s->tcp->dirty;
        s->tcp->dirty = t;
}

void
tcb_defer_free(struct stack *s, struct tcb *t)
{
        if (t->dead)
                return;
        t->dead = true;
        t->xnext = s->tcp->dead;
        s->tcp->dead = t;
}

/* Every caller moves the TCB to CLOSED next, and tcp_set_state touches the socket. */
void
tcb_set_error(struct tcb *t, int err)
{
        if (t->sock)
                t->sock->error = err;
}

/* RFC 6528 3: ISN = M + F(localip, localport, remoteip, remoteport, secretkey), M a 4 us
 * clock (RFC 9293 3.4.1, MUST-8). */
uint32_t
tcp_isn(struct stack *s, const struct tcb *t)
{
        uint32_t key[3] = {t->laddr, t->raddr, (uint32_t)t->lport << 16 | t->rport};

        return (uint32_t)(s->now_us / 4) + (uint32_t)siphash24(&s->secret, key, sizeof(key));
}

void
tcb_init_local_opts(struct stack *s, struct tcb *t)
{
        unsigned mtu = ipv4_mtu_to(s, t->raddr) + 20; /* ipv4_mtu_to leaves out the IP header */
        uint32_t key[4] = {t->laddr, t->raddr, (uint32_t)t->lport << 16 | t->rport, 0x7473};

        /* RFC 9293 3.7.1 (MUST-14): MSS = MTU - 40 for IPv4 without options. */
        t->rcv_mss = (uint16_t)(mtu > 40 + TCP_MIN_MSS ? mtu - 40 : TCP_MIN_MSS);
        /* RFC 7323 2.3: the smallest shift that lets the whole buffer be advertised. */
        t->rcv_wscale = 0;
        while (t->rcv_wscale < TCP_WS_MAX && (t->rcv_buf >> t->rcv_wscale) > 65535)
                t->rcv_wscale++;
        /* RFC 7323 7.1: a per-connection random offset, so TSval does not reveal uptime. */
        t->ts_offset = (uint32_t)siphash24(&s->secret, key, sizeof(key));
}

void
tcp_apply_syn_opts(struct stack *s, struct tcb *t, const struct tcp_seg *g)
{
        const struct tcp_opts *o = &g->h.opts;
        unsigned mss = o->has_mss ? o->mss : 536; /* MUST-15: 536 when absent */

        if (mss < TCP_MIN_MSS) /* absurd values (0, 1) would make us send 1-byte segments */
                mss = TCP_MIN_MSS;
        tcp_pmtu_peer_mss(s, t, mss); /* and no more than the path MTU takes */
        /* The caller set ws_ok/ts_ok/sack_ok to what we offer; an option is on only when both
         * SYNs carry it (RFC 7323 1.3 and 3.2, RFC 2018 2). */
        t->ws_ok = o->has_ws && t->ws_ok;
        if (t->ws_ok) {
                t->snd_wscale = o->ws > TCP_WS_MAX ? TCP_WS_MAX : o->ws;
        } else {
                t->snd_wscale = 0;
                t->rcv_wscale = 0;
        }
        t->ts_ok = o->has_ts && t->ts_ok;
        if (t->ts_ok) {
                t->ts_recent = o->tsval;
                t->ts_recent_us = s->now_us;
        }
        t->sack_ok = o->sack_perm && t->sack_ok;
}

bool
tcb_fin_sent(const struct tcb *t)
{
        return t->fin_acked || (t->fin_queued && seq_gt(t->snd_max, tcb_fin_seq(t)));
}

bool
tcb_fin_acked(const struct tcb *t)
{
        return t->fin_acked;
}

uint32_t
tcb_ts_now(struct stack *s, const struct tcb *t)
{
        return (uint32_t)(s->now_us / 1000) + t->ts_offset;
}

void
tcp_flush(struct stack *s)
{
        struct tcp_state *ts = s->tcp;

        while (ts->dirty) {
                struct tcb *t = ts->dirty;
                ts->dirty = t->dnext;
                t->dirty = false;
                if (!t->dead)
                        tcp_output(s, t);
        }
        while (ts->dead) {
                struct tcb *t = ts->dead;
                ts->dead = t->xnext;
                tcb_free(s, t);
        }
}

/* An error our own IP layer raised (icmp_local_error: ARP gave up on the next hop, RFC 1122
 * 2.3.2.2) names us as its reporter. It is no hint from a distant router that may be wrong
 * or forged (the reason MUST-56 keeps host unreachable soft): the SYN never left the link,
 * so a connection still in SYN-SENT fails at once with EHOSTUNREACH, as on Linux. */
static bool
tcp_icmp_is_local(const struct icmp_err *e)
{
        return e->from == e->src;
}

/* RFC 1122 4.2.3.9 and RFC 9293 3.9.2.2 (MUST-54..56): port and protocol unreachable are
 * hard errors that abort a connection still in SYN-SENT; everything else is soft and only
 * reported if the connection later times out. Source quench is ignored (RFC 6633). The
 * quoted sequence number must lie in SND.UNA..SND.MAX (RFC 5927 4.1) or the error is a
 * forgery. */
void
tcp_icmp_error(struct stack *s, const struct icmp_err *e)
{
        struct tcb *t;
        uint32_t seq;
        int err;

        if (e->l4_len < 8 || e->type == ICMP_SOURCE_QUENCH) {
                stack_count(s, CNT_ICMP_ERR_IGNORED);
                return;
        }
        t = tcb_lookup(s, e->src, get16(e->l4), e->dst, get16(e->l4 + 2));
        seq = get32(e->l4 + 4);
        if (!t || !seq_in(seq, t->snd_una, t->snd_max + 1)) {
                stack_count(s, CNT_ICMP_ERR_IGNORED);
                return;
        }
        /* RFC 1191: "fragmentation needed and DF set" is path MTU discovery's signal, no
         * error (tcp_pmtu.c). */
        if (e->type == ICMP_DEST_UNREACH && e->code == ICMP_UNREACH_NEEDFRAG) {
                tcp_pmtu_too_big(s, t, e);
                return;
        }
        err = icmp_err_errno(e->type, e->code);
        if (t->state == TCP_SYN_SENT && e->type == ICMP_DEST_UNREACH &&
            (e->code == ICMP_UNREACH_PROTO || e->code == ICMP_UNREACH_PORT ||
             tcp_icmp_is_local(e))) {
                tcb_set_error(t, err);
                tcp_set_state(s, t, TCP_CLOSED, TCP_WHY_ICMP_ERROR);
                return;
        }
        t->soft_error = err;
}

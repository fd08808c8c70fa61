/* TCB lifetime and lookup: allocation, 4-tuple hash, listeners, dirty and deferred-free
 * lists, ISN (RFC 9293 3.4.1, RFC 6528), ICMP errors (RFC 9293 3.9.2.2, RFC 5927). */
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
        return s->tcp ? 0 : -ENOMEM;
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
        free(ts);
        s->tcp = NULL;
}

struct tcb *
tcb_alloc(struct stack *s)
{
        struct tcp_state *ts = s->tcp;
        struct tcb *t;

        if (ts->n_tcbs >= (s->cfg.max_tcbs ? s->cfg.max_tcbs : TCP_MAX_TCBS)) {
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
        t->snd_mss = 536;    /* RFC 9293 MUST-15 default until the peer says otherwise */
        t->rto_us = 1000000; /* RFC 6298 (2.1): 1 s before any measurement */
        tcb_timers_init(t);
        t->all_next = ts->all;
        if (ts->all)
                ts->all->all_prev = t;
        ts->all = t;
        ts->n_tcbs++;
        return t;
}

int
tcb_rings_init(struct tcb *t)
{
        if (!t->snd.buf && ring_init(&t->snd, t->snd_buf) < 0)
                return -ENOMEM;
        if (!t->rcv.buf && ring_init(&t->rcv, t->rcv_buf) < 0)
                return -ENOMEM;
        return 0;
}

void
tcb_free(struct stack *s, struct tcb *t)
{
        struct tcp_state *ts = s->tcp;

        tcb_hash_remove(s, t);
        if (t->state == TCP_LISTEN)
                tcb_listener_remove(s, t);
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
        ring_free(&t->snd);
        ring_free(&t->rcv);
        free(t);
}

static unsigned
tcb_hash(struct stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport)
{
        uint32_t key[3] = {laddr, raddr, (uint32_t)lport << 16 | rport};

        return (unsigned)(siphash24(&s->secret, key, sizeof(key)) % TCP_HASH_SIZE);
}

void
tcb_hash_insert(struct stack *s, struct tcb *t)
{
        unsigned b = tcb_hash(s, t->laddr, t->lport, t->raddr, t->rport);

        if (t->hashed)
                return;
        t->hnext = s->tcp->buckets[b];
        s->tcp->buckets[b] = t;
        t->hashed = true;
}

void
tcb_hash_remove(struct stack *s, struct tcb *t)
{
        struct tcb **pp;

        if (!t->hashed)
                return;
        pp = &s->tcp->buckets[tcb_hash(s, t->laddr, t->lport, t->raddr, t->rport)];
        while (*pp && *pp != t)
                pp = &(*pp)->hnext;
        if (*pp)
                *pp = t->hnext;
        t->hnext = NULL;
        t->hashed = false;
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
tcb_mark_dirty(struct stack *s, struct tcb *t)
{
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
        unsigned mtu_mss = ipv4_mtu_to(s, t->raddr) - 20;

        if (mss < TCP_MIN_MSS) /* absurd values (0, 1) would make us send 1-byte segments */
                mss = TCP_MIN_MSS;
        if (mss > mtu_mss)
                mss = mtu_mss;
        t->snd_mss = (uint16_t)mss;
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

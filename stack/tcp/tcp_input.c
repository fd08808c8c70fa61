/* TCP input: validate (RFC 9293 3.1, MUST-2/3), demultiplex by 4-tuple then listeners,
 * and dispatch on state: CLOSED, LISTEN and SYN-SENT here (RFC 9293 3.10.7.1-3.10.7.3),
 * the synchronized states in tcp_other.c (3.10.7.4). Verdicts are resolved in one place. */
#include <errno.h>

#include "stack/core/stack.h"
#include "stack/net/iface.h"
#include "stack/net/ipv4.h"
#include "stack/tcp/tcb.h"
#include "stack/tcp/tcp.h"
#include "stack/tcp/tcp_seq.h"
#include "stack/wire/bytes.h"
#include "stack/wire/eth.h"

#define TCP_SYNQ_MAX 1024 /* half-open children per listener (SYN flood bound) */

/* Parse and check one segment; counts and returns -EBADMSG for anything malformed. */
static int
tcp_validate(struct stack *s, const struct pkt *p, const struct ipv4_hdr *ih, struct tcp_seg *g)
{
        int hl;

        if (p->len < TCP_HDR_LEN) {
                stack_count(s, CNT_TCP_RX_BAD);
                return -EBADMSG;
        }
        hl = tcp_hdr_parse(p->data, p->len, &g->h);
        if (hl < 0) {
                uint8_t doff = (uint8_t)((p->data[12] >> 4) * 4);
                stack_count(s, doff >= TCP_HDR_LEN && doff <= p->len ? CNT_TCP_RX_BAD_OPT
                                                                     : CNT_TCP_RX_BAD);
                return -EBADMSG;
        }
        /* RFC 9293 MUST-2/MUST-3: the checksum covers the pseudo header and is always checked,
         * here or by the host kernel that handed us the frame over a TAP (p->csum_ok). */
        if (!p->csum_ok && !tcp_csum_ok(p->data, p->len, ih->src, ih->dst)) {
                stack_count(s, CNT_TCP_RX_BAD_CSUM);
                return -EBADMSG;
        }
        /* MUST-57 / RFC 1122 4.2.3.10: only unicast to one of our addresses; ipv4 also
         * delivers broadcasts, which TCP must ignore. */
        if (!stack_is_local_addr(s, ih->dst) || g->h.sport == 0 || g->h.dport == 0) {
                stack_count(s, CNT_TCP_RX_BAD);
                return -EBADMSG;
        }
        g->src = ih->src;
        g->dst = ih->dst;
        g->seq = g->h.seq;
        g->flags = g->h.flags;
        g->data = p->data + hl;
        g->len = (uint32_t)(p->len - (size_t)hl + p->placed);
        g->tw_reuse = false;
        g->placed = p->placed > 0;
        g->in_order = false;
        g->ce = tcp_ecn_ce(ih);
        return 0;
}

/* RFC 9293 3.10.7.1: no connection. */
static enum tcp_verdict
tcp_in_closed(struct stack *s, const struct tcp_seg *g)
{
        stack_count(s, CNT_TCP_RX_NO_PORT);
        return (g->flags & TCP_RST) ? TCP_V_DROP : TCP_V_RST;
}

/* Room for one more connection on listener l (RFC 9293 3.10.7.2 "resources"). A full SYN
 * queue makes room by dropping its oldest half-open child (RFC 4987 3.4 "recycling the
 * oldest half-open TCB"): under a flood of spoofed SYNs, which are never completed, a real
 * client's SYN then still gets its SYN,ACK, and its ACK comes back within one RTT, long
 * before a hundred more SYNs could push it out. A full accept queue (backlog) is not
 * recycled: those connections are real and wait for the application. */
static bool
tcp_listen_room(struct stack *s, struct tcb *l)
{
        int syn_rcvd = 0, ready = 0;
        struct tcb *oldest = NULL;

        for (struct tcb *c = l->children; c; c = c->qnext) {
                if (c->state == TCP_SYN_RECEIVED) {
                        syn_rcvd++;
                        oldest = c; /* children are pushed at the head: the last is oldest */
                } else {
                        ready++;
                }
        }
        if (ready >= l->backlog)
                return false;
        if ((unsigned)syn_rcvd < (s->cfg.tcp_synq_max ? s->cfg.tcp_synq_max : TCP_SYNQ_MAX))
                return true;
        stack_count(s, CNT_TCP_SYNQ_EVICT);
        tcp_set_state(s, oldest, TCP_CLOSED, TCP_WHY_SYN_QUEUE_EVICT);
        return true;
}

/* A new child TCB in SYN-RECEIVED for a SYN to listener l; NULL if out of resources. */
static struct tcb *
tcp_child_create(struct stack *s, struct tcb *l, const struct tcp_seg *g)
{
        struct tcb *c = tcb_alloc(s);

        if (!c)
                return NULL;
        c->laddr = g->dst;
        c->lport = g->h.dport;
        c->raddr = g->src;
        c->rport = g->h.sport;
        c->snd_buf = l->snd_buf;
        c->rcv_buf = l->rcv_buf;
        c->nodelay = l->nodelay;
        c->keepalive_on = l->keepalive_on;
        c->keep_idle_ms = l->keep_idle_ms;
        c->keep_intvl_ms = l->keep_intvl_ms;
        c->keep_cnt = l->keep_cnt;
        c->r2_ms = l->r2_ms;
        c->r2_user = l->r2_user;
        c->ttl = l->ttl;
        c->tos = l->tos;
        c->ecn_want = l->ecn_want;
        tcp_ecn_syn_in(c, g); /* RFC 3168 6.1.1: the listener accepts an ECN-setup SYN */
        /* The rings are allocated when the handshake completes (tcp_other.c), so that a
         * half-open connection costs only its TCB (RFC 4987 3.2: SYN flood state). */
        tcb_init_local_opts(s, c);
        c->ws_ok = c->ts_ok = c->sack_ok = true; /* willing; the SYN decides */
        tcp_apply_syn_opts(s, c, g);
        c->irs = g->seq;
        c->rcv_nxt = g->seq + 1;
        c->rcv_adv = c->rcv_nxt;
        c->rcv_up = c->rcv_nxt; /* no urgent data yet: RCV.UP only moves forward from here */
        c->iss = tcp_isn(s, c);
        /* RFC 6191 2: a SYN reusing a TIME-WAIT 4-tuple gets an ISN above the old SND.NXT. */
        if (g->tw_reuse && seq_leq(c->iss, g->tw_snd_nxt))
                c->iss = g->tw_snd_nxt + 1000000;
        c->snd_una = c->snd_nxt = c->snd_max = c->iss;
        c->snd_wnd = g->h.wnd; /* never scaled in a SYN (RFC 7323 2.2) */
        c->max_snd_wnd = c->snd_wnd;
        c->snd_wl1 = g->seq;
        c->snd_wl2 = c->iss;
        c->passive = true;
        c->listener = l;
        c->qnext = l->children;
        l->children = c;
        return c;
}

/* RFC 9293 3.10.7.2: LISTEN. */
static enum tcp_verdict
tcp_in_listen(struct stack *s, struct tcb *l, const struct tcp_seg *g)
{
        struct tcb *c;

        if (g->flags & TCP_RST)
                return TCP_V_DROP;
        if (g->flags & TCP_ACK)
                return TCP_V_RST;
        if (!(g->flags & TCP_SYN))
                return TCP_V_DROP;
        if (!tcp_listen_room(s, l)) {
                stack_count(s, CNT_TCP_SYNQ_FULL);
                return TCP_V_DROP;
        }
        c = tcp_child_create(s, l, g);
        if (!c)
                return TCP_V_DROP;
        tcb_hash_insert(s, c);
        stack_count(s, CNT_TCP_PASSIVE_OPENS);
        tcp_set_state(s, c, TCP_SYN_RECEIVED, TCP_WHY_RCV_SYN);
        /* Data in the SYN is not queued: it is not acknowledged, so the peer resends it. */
        tcb_mark_dirty(s, c); /* tcp_output sends <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> */
        return TCP_V_DONE;
}

/* The SYN (or SYN,ACK) in SYN-SENT: record the peer's ISN, options and window. */
static void
tcp_synsent_syn(struct stack *s, struct tcb *t, const struct tcp_seg *g)
{
        t->irs = g->seq;
        t->rcv_nxt = g->seq + 1;
        t->rcv_adv = t->rcv_nxt;
        t->rcv_up = t->rcv_nxt;
        tcp_apply_syn_opts(s, t, g);
        tcp_ecn_syn_in(t, g);
        t->snd_wnd = g->h.wnd;
        t->max_snd_wnd = t->snd_wnd;
        t->snd_wl1 = g->seq;
        t->snd_wl2 = g->h.ack;
        t->ack_now = true;
}

/* RFC 9293 3.10.7.3: SYN-SENT. */
static enum tcp_verdict
tcp_in_synsent(struct stack *s, struct tcb *t, const struct tcp_seg *g)
{
        bool has_ack = g->flags & TCP_ACK;

        /* First: an ACK must acknowledge our SYN and nothing beyond it. */
        if (has_ack && (seq_leq(g->h.ack, t->iss) || seq_gt(g->h.ack, t->snd_max)))
                return (g->flags & TCP_RST) ? TCP_V_DROP : TCP_V_RST;
        /* Second: a reset counts only with an acceptable ACK (RFC 5961 3.2 for SYN-SENT). */
        if (g->flags & TCP_RST) {
                if (!has_ack)
                        return TCP_V_DROP;
                stack_count(s, CNT_TCP_RST_RX);
                tcb_set_error(t, -ECONNREFUSED);
                tcp_set_state(s, t, TCP_CLOSED, TCP_WHY_RCV_RST);
                return TCP_V_DONE;
        }
        /* Fourth: the SYN. Data and FIN in it are left for the peer to resend. */
        if (!(g->flags & TCP_SYN))
                return TCP_V_DROP;
        tcp_synsent_syn(s, t, g);
        if (!has_ack) {
                /* Simultaneous open (MUST-10): SYN-RECEIVED, send <SEQ=ISS><ACK=RCV.NXT><SYN,ACK>.
                 */
                t->passive = false;
                t->snd_nxt = t->iss;
                tcp_set_state(s, t, TCP_SYN_RECEIVED, TCP_WHY_RCV_SYN);
                return TCP_V_DONE;
        }
        tcp_ack_rtt(s, t, g);
        tcp_rto_after_handshake(t);
        t->snd_una = g->h.ack;
        t->rexmt_count = 0;
        stack_timer_cancel(s, &t->rexmt);
        tcp_cc_init(t);
        tcp_set_state(s, t, TCP_ESTABLISHED, TCP_WHY_RCV_SYN_ACK);
        if (t->fin_queued)
                tcp_set_state(s, t, TCP_FIN_WAIT_1, TCP_WHY_USER_CLOSE);
        return TCP_V_DONE;
}

/* RFC 6191 and RFC 9293 MAY-2: a new SYN may end TIME-WAIT early when it is clearly from
 * a new incarnation (a newer timestamp, or without timestamps a higher sequence number). */
static bool
tcp_time_wait_reuse(struct stack *s, struct tcb *t, struct tcp_seg *g)
{
        bool newer;

        if ((g->flags & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN)
                return false;
        if (!tcb_find_listener(s, g->dst, g->h.dport))
                return false;
        if (t->ts_ok && g->h.opts.has_ts)
                newer = seq_gt(g->h.opts.tsval, t->ts_recent);
        else
                newer = seq_gt(g->seq, t->rcv_nxt);
        if (!newer)
                return false;
        g->tw_reuse = true;
        g->tw_snd_nxt = t->snd_nxt;
        tcp_set_state(s, t, TCP_CLOSED, TCP_WHY_TIME_WAIT_REUSE);
        return true;
}

static enum tcp_verdict
tcp_dispatch(struct stack *s, struct tcb *t, struct tcp_seg *g)
{
        switch (t->state) {
        case TCP_LISTEN:
                return tcp_in_listen(s, t, g);
        case TCP_SYN_SENT:
                return tcp_in_synsent(s, t, g);
        default:
                return tcp_in_other(s, t, g);
        }
}

/* Header prediction (Van Jacobson; DESIGN.md 6): the next frame on this link is probably
 * t's next in-order segment with the same header lengths, so its payload may be read
 * straight into t's receive ring. Only links that can scatter a read (rxv) predict. */
static void
tcp_place_predict(struct stack *s, struct tcb *t, const struct pkt *p, const struct ipv4_hdr *ih)
{
        struct tcp_state *ts = s->tcp;
        const struct iface *ifc = p->iface;

        if (!ifc || !ifc->ops->rxv || t->state != TCP_ESTABLISHED)
                return;
        ts->place_ok = ts->place_tcb == t && ts->place_ifc == ifc;
        ts->place_tcb = t;
        ts->place_ifc = ifc;
        ts->place_l2 = ifc->type == LINK_ETHERNET ? ETH_HDR_LEN : 0;
        ts->place_hdr_len = (uint16_t)(ts->place_l2 + ih->hdr_len + (p->data[12] >> 4) * 4u);
}

int
tcp_place_prepare(struct stack *s, const struct iface *ifc, size_t max, struct tcp_place *pl)
{
        const struct tcp_state *ts = s->tcp;
        const struct tcb *t = ts->place_tcb;
        size_t mss;

        /* Reassembly keeps out-of-order bytes in the ring's free space: never overwrite it. */
        if (!t || !ts->place_ok || ts->place_ifc != ifc || t->state != TCP_ESTABLISHED || t->n_ooo)
                return 0;
        mss = t->rcv_mss ? t->rcv_mss : 536u; /* RFC 9293 3.7.1 default */
        if (ring_space(&t->rcv) < mss || max <= (size_t)ts->place_hdr_len + mss)
                return 0;
        pl->hdr_len = ts->place_hdr_len;
        pl->n = ring_free_pieces(&t->rcv, max - pl->hdr_len, pl->piece, pl->len);
        return pl->n > 0;
}

/* The link and IPv4 headers of a placed frame: IPv4 without fragmentation, the total length
 * exactly the frame's (no padding, no truncation), TCP, the predicted addresses. Returns the
 * IPv4 header length or 0. */
static size_t
tcp_place_ip(const struct tcp_state *ts, const uint8_t *f, size_t len)
{
        const struct tcb *t = ts->place_tcb;
        const uint8_t *ip = f + ts->place_l2;
        size_t ihl = (ip[0] & 15u) * 4u;

        if (ts->place_l2 && get16(f + 12) != ETH_TYPE_IPV4)
                return 0;
        if ((ip[0] >> 4) != 4 || ihl < IPV4_HDR_LEN ||
            ts->place_l2 + ihl + TCP_HDR_LEN > ts->place_hdr_len)
                return 0;
        if (get16(ip + 2) != len - ts->place_l2 || (get16(ip + 6) & 0x3fffu) ||
            ip[9] != IPV4_PROTO_TCP)
                return 0;
        if (get32(ip + 12) != t->raddr || get32(ip + 16) != t->laddr)
                return 0;
        return ihl;
}

/* The frame, longer than the headers, is the predicted segment: its payload length, else 0. */
static uint32_t
tcp_place_check(const struct tcp_state *ts, const struct tcp_place *pl, const uint8_t *f,
                size_t len)
{
        const struct tcb *t = ts->place_tcb;
        const uint8_t *th;
        size_t ihl, room = pl->len[0] + (pl->n > 1 ? pl->len[1] : 0);

        if (!t || pl->hdr_len != ts->place_hdr_len)
                return 0;
        ihl = tcp_place_ip(ts, f, len);
        if (!ihl)
                return 0;
        th = f + ts->place_l2 + ihl;
        if (ts->place_l2 + ihl + (th[12] >> 4) * 4u != pl->hdr_len)
                return 0;
        if (get16(th) != t->rport || get16(th + 2) != t->lport || get32(th + 4) != t->rcv_nxt)
                return 0;
        /* Plain data only: SYN, RST, FIN, URG, ECE and CWR segments take the copying path. */
        if ((th[13] & (uint8_t) ~(TCP_ACK | TCP_PSH)) || !(th[13] & TCP_ACK))
                return 0;
        return len - pl->hdr_len <= room ? (uint32_t)(len - pl->hdr_len) : 0;
}

uint32_t
tcp_place_match(struct stack *s, const struct tcp_place *pl, const uint8_t *f, size_t len)
{
        uint32_t n;

        if (len <= pl->hdr_len) /* a bare ACK or ARP: nothing went into the ring */
                return 0;
        n = tcp_place_check(s->tcp, pl, f, len);
        if (!n)
                s->tcp->place_ok = false; /* a miss: predict again from the next segment */
        return n;
}

void
tcp_input(struct stack *s, struct pkt *p, const struct ipv4_hdr *ih)
{
        struct tcp_seg g;
        struct tcb *t;
        enum tcp_verdict v;

        stack_count(s, CNT_TCP_RX);
        if (tcp_validate(s, p, ih, &g) < 0)
                goto out;
        t = tcb_lookup(s, g.dst, g.h.dport, g.src, g.h.sport);
        if (t && t->state == TCP_TIME_WAIT && tcp_time_wait_reuse(s, t, &g))
                t = NULL;
        if (!t)
                t = tcb_find_listener(s, g.dst, g.h.dport);
        v = t ? tcp_dispatch(s, t, &g) : tcp_in_closed(s, &g);
        switch (v) {
        case TCP_V_RST:
                tcp_send_rst_reply(s, &g);
                break;
        case TCP_V_ACK:
                t->ack_now = true;
                break;
        default:
                break;
        }
        if (g.in_order)
                tcp_place_predict(s, t, p, ih);
        if (t && t->state != TCP_LISTEN && t->state != TCP_CLOSED)
                tcb_mark_dirty(s, t);
out:
        pkt_free(s, p);
}

/* tcp_output decides what to send from state and ring contents (BSD's idea): SYN, data
 * under Nagle and sender SWS avoidance (RFC 9293 3.7.4, 3.8.6.2.1), FIN, ACKs and window
 * updates (3.8.6.2.2); also resets (3.10.7.1) and segment building (3.1, RFC 7323). */
#include <errno.h>
#include <string.h>

#include "stack/core/stack.h"
#include "stack/net/ipv4.h"
#include "stack/tcp/tcb.h"
#include "stack/tcp/tcp_seq.h"
#include "stack/wire/ipv4.h"

#define TCP_OUTPUT_BURST 64 /* segments per tcp_output call, so one TCB cannot hog a poll */

uint32_t
tcp_rcv_window(const struct tcb *t)
{
        /* Before a passive child has its ring (SYN-RECEIVED), offer the size it will get. */
        uint32_t space = t->rcv.buf ? (uint32_t)ring_space(&t->rcv) : (uint32_t)t->rcv_buf;
        uint32_t max = (uint32_t)65535 << t->rcv_wscale;

        return space < max ? space : max;
}

/* The window field for a segment sent now, and the new RCV.ADV. RFC 9293 3.8.6.2.2: the
 * right edge only moves by at least min(RCV.BUFF/2, MSS) (receiver SWS avoidance, MUST-39),
 * and it never moves left (SHLD-14). A SYN's window is never scaled (RFC 7323 2.2). The
 * window never offers more than the receive ring can hold: a new edge leaves one scaling
 * unit free, which is what rounding an old edge up may add later (RFC 7323 2.3). */
static uint16_t
tcp_window_field(struct tcb *t, bool syn)
{
        uint32_t space = tcp_rcv_window(t);
        uint32_t cur = seq_gt(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0;
        uint32_t step = t->rcv_buf / 2 < t->rcv_mss ? (uint32_t)t->rcv_buf / 2 : t->rcv_mss;
        uint32_t slack = (1u << t->rcv_wscale) - 1;
        uint32_t field;

        if (syn) {
                field = space > 65535 ? 65535 : space;
                t->rcv_adv = t->rcv_nxt + field;
                t->rcv_wnd = field;
                return (uint16_t)field;
        }
        space = space > slack ? space - slack : 0;
        if (space >= cur + step && ((space >> t->rcv_wscale) << t->rcv_wscale) >= cur) {
                field = space >> t->rcv_wscale;
        } else {
                /* Keep the old edge; round up so the scaled value does not shrink it. */
                field = (cur + (1u << t->rcv_wscale) - 1) >> t->rcv_wscale;
        }
        if (field > 65535)
                field = 65535;
        t->rcv_adv = t->rcv_nxt + (field << t->rcv_wscale);
        t->rcv_wnd = field << t->rcv_wscale;
        return (uint16_t)field;
}

static void
tcp_fill_opts(struct stack *s, struct tcb *t, uint8_t flags, struct tcp_opts *o)
{
        memset(o, 0, sizeof(*o));
        if (flags & TCP_SYN) {
                /* Our SYN carries MSS, WS, TS and SACK-permitted, like the seed's capture; a
                 * SYN,ACK echoes only what the peer offered (RFC 7323 1.3, RFC 2018 2). */
                o->has_mss = true;
                o->mss = t->rcv_mss;
                o->has_ws = t->ws_ok;
                o->ws = t->rcv_wscale;
                o->sack_perm = t->sack_ok;
                o->eol = true;
        }
        if (t->ts_ok) {
                o->has_ts = true;
                o->tsval = tcb_ts_now(s, t);
                /* RFC 7323 3.2: TSecr is zero unless the ACK bit is set. */
                o->tsecr = (flags & TCP_ACK) ? t->ts_recent : 0;
        }
        if (t->sack_ok && !(flags & TCP_SYN) && t->n_ooo)
                o->n_sack = (uint8_t)tcp_reass_sack(t, o->sack, TCP_MAX_SACK_BLOCKS);
}

static int
tcp_emit(struct stack *s, struct tcb *t, const struct tcp_hdr *h, uint32_t seq0, uint32_t len)
{
        size_t hl = TCP_HDR_LEN + tcp_opts_len(&h->opts);
        struct pkt *p = pkt_alloc(s, PKT_HEADROOM, hl + len);
        struct ipv4_out o = {.src = t->laddr,
                             .dst = t->raddr,
                             .proto = IPV4_PROTO_TCP,
                             .ttl = t->ttl,
                             .tos = t->tos};
        uint8_t *b;

        if (!p)
                return -ENOBUFS;
        b = pkt_put(p, hl + len);
        if (len)
                ring_peek(&t->snd, h->seq - seq0, b + hl, len);
        tcp_hdr_emit(h, b, len, t->laddr, t->raddr);
        stack_count(s, CNT_TCP_TX);
        return ipv4_output(s, p, &o);
}

/* Payload room in a data segment sent now: the MSS less the options it will carry
 * (RFC 9293 3.7.1: Eff.snd.MSS counts TCP options; SACK blocks vary per segment). */
static uint32_t
tcp_seg_room(const struct tcb *t)
{
        uint32_t olen = t->ts_ok ? 12u : 0u;
        unsigned n = t->n_ooo;

        if (t->sack_ok && n) {
                unsigned max = t->ts_ok ? 3u : 4u;
                olen += 4u + 8u * (n < max ? n : max);
        }
        return t->snd_mss > olen ? t->snd_mss - olen : 1u;
}

int
tcp_send_segment(struct stack *s, struct tcb *t, uint32_t seq, uint32_t len, uint8_t flags)
{
        struct tcp_hdr h = {.sport = t->lport, .dport = t->rport, .seq = seq, .flags = flags};

        tcp_fill_opts(s, t, flags, &h.opts);
        if (flags & TCP_ACK)
                h.ack = t->rcv_nxt;
        /* RFC 9293 3.8.5: URG on every segment below SND.UP; a pointer beyond the 16-bit
         * field is sent as 65535 until the segment is close enough (as Linux does). */
        if (t->snd_urg && !(flags & (TCP_SYN | TCP_RST)) && seq_gt(t->snd_up, seq)) {
                h.flags |= TCP_URG;
                h.urp = t->snd_up - seq > 65535 ? 65535 : (uint16_t)(t->snd_up - seq);
        }
        h.wnd = tcp_window_field(t, flags & TCP_SYN);
        if (flags & TCP_ACK) {
                t->last_ack_sent = t->rcv_nxt;
                t->ack_now = false;
                t->segs_unacked = 0;
                stack_timer_cancel(s, &t->delack);
        }
        return tcp_emit(s, t, &h, tcb_snd_seq0(t), len);
}

/* RFC 9293 3.10.7.1: "If the ACK bit is off, <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>,
 * else <SEQ=SEG.ACK><CTL=RST>". Never in reply to a reset (3.5.2). */
void
tcp_send_rst_reply(struct stack *s, const struct tcp_seg *g)
{
        struct tcp_hdr h = {.sport = g->h.dport, .dport = g->h.sport};
        struct pkt *p;
        struct ipv4_out o = {.src = g->dst, .dst = g->src, .proto = IPV4_PROTO_TCP};
        uint8_t *b;

        if (g->flags & TCP_RST)
                return;
        if (g->flags & TCP_ACK) {
                h.seq = g->h.ack;
                h.flags = TCP_RST;
        } else {
                h.ack = g->seq + tcp_seg_len(g);
                h.flags = TCP_RST | TCP_ACK;
        }
        p = pkt_alloc(s, PKT_HEADROOM, TCP_HDR_LEN);
        if (!p)
                return;
        b = pkt_put(p, TCP_HDR_LEN);
        tcp_hdr_emit(&h, b, 0, g->dst, g->src);
        stack_count(s, CNT_TCP_TX);
        stack_count(s, CNT_TCP_RST_TX);
        ipv4_output(s, p, &o);
}

/* ABORT (RFC 9293 3.10.5): <SEQ=SND.NXT><CTL=RST> (SND.MAX after a go-back-N); the ACK bit is added
 * so that a peer in SYN-SENT accepts it (3.10.7.3 "if the ACK was acceptable"). */
void
tcp_send_rst_tcb(struct stack *s, struct tcb *t)
{
        struct tcp_hdr h = {.sport = t->lport,
                            .dport = t->rport,
                            .seq = t->snd_max,
                            .ack = t->rcv_nxt,
                            .flags = TCP_RST | TCP_ACK};

        stack_count(s, CNT_TCP_RST_TX);
        tcp_emit(s, t, &h, tcb_snd_seq0(t), 0);
}

/* Worth telling the peer that the window opened (RFC 9293 3.8.6.2.2)? */
static bool
tcp_window_update_due(const struct tcb *t)
{
        uint32_t space = tcp_rcv_window(t);
        uint32_t cur = seq_gt(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0;
        uint32_t incr = space > cur ? space - cur : 0;

        if (t->fin_rcvd)
                return false;
        if (cur == 0)
                return incr >= t->rcv_mss || incr >= t->rcv_buf / 2;
        return incr >= 2u * t->rcv_mss || incr >= t->rcv_buf / 2;
}

/* Sender SWS avoidance and Nagle (RFC 9293 3.8.6.2.1, 3.7.4): send a short segment only if
 * it carries all queued data and nothing is unacknowledged (or Nagle is off), or it fills
 * half the largest window the peer ever offered. */
static bool
tcp_short_ok(const struct tcb *t, uint32_t len, uint32_t avail, uint32_t flight)
{
        bool idle = flight == 0 || t->nodelay;

        if (len == avail && idle)
                return true;
        return idle && len >= t->max_snd_wnd / 2;
}

/* Send a SYN or SYN,ACK if one is due (RFC 9293 3.10.1, 3.10.7.2). */
static bool
tcp_output_syn(struct stack *s, struct tcb *t)
{
        uint8_t flags = t->state == TCP_SYN_SENT ? TCP_SYN : TCP_SYN | TCP_ACK;

        if (t->snd_nxt == t->iss) {
                if (seq_lt(t->snd_nxt, t->snd_max))
                        stack_count(s, CNT_TCP_REXMT);
                tcp_send_segment(s, t, t->iss, 0, flags);
                t->snd_nxt = t->iss + 1;
                t->snd_max = seq_max(t->snd_max, t->snd_nxt);
                if (!timer_is_armed(&t->rexmt))
                        tcp_rexmt_arm(s, t);
        } else if (t->ack_now && t->state == TCP_SYN_RECEIVED) {
                tcp_send_segment(s, t, t->snd_nxt, 0, TCP_ACK);
        }
        t->ack_now = false;
        return false;
}

/* After sending len bytes (+FIN) at SND.NXT: advance, time, and arm the retransmit timer. */
static void
tcp_sent(struct stack *s, struct tcb *t, uint32_t len, bool fin)
{
        if (seq_lt(t->snd_nxt, t->snd_max)) {
                stack_count(s, CNT_TCP_REXMT);
        } else if (len && !t->rtt_timing && !t->ts_ok) {
                /* RFC 6298 3: time one segment per RTT; Karn's rule excludes resends. */
                t->rtt_timing = true;
                t->rtt_seq = t->snd_nxt;
                t->rtt_start_us = s->now_us;
        }
        t->snd_nxt += len + (fin ? 1u : 0u);
        t->snd_max = seq_max(t->snd_max, t->snd_nxt);
        if (!timer_is_armed(&t->rexmt)) {
                stack_timer_cancel(s, &t->persist);
                tcp_rexmt_arm(s, t);
        }
}

/* One decision for a synchronized TCB; true when a data segment went out (try again). */
static bool
tcp_output_data(struct stack *s, struct tcb *t, bool force)
{
        uint32_t data_end = tcb_fin_seq(t);
        uint32_t avail = seq_lt(t->snd_nxt, data_end) ? data_end - t->snd_nxt : 0;
        uint32_t flight = t->snd_nxt - t->snd_una;
        uint32_t wnd = t->snd_wnd < t->cwnd ? t->snd_wnd : t->cwnd;
        uint32_t usable = wnd > flight ? wnd - flight : 0; /* MUST-34: never negative */
        uint32_t len = avail < usable ? avail : usable;
        bool fin_state =
            t->state == TCP_FIN_WAIT_1 || t->state == TCP_CLOSING || t->state == TCP_LAST_ACK;
        uint32_t room = tcp_seg_room(t);
        bool fin;

        if (len > room)
                len = room;
        if (len && len < room && !force && !tcp_short_ok(t, len, avail, flight) &&
            !(fin_state && len == avail))
                len = 0;
        fin = t->fin_queued && !t->fin_acked && fin_state && t->snd_nxt + len == data_end;
        if (!len && !fin && !t->ack_now && !tcp_window_update_due(t)) {
                /* Data waits for the window: probe it (RFC 9293 3.8.6.1) or, for a window
                 * too small to use, let the persist timer act as the SWS override timer. */
                if (avail && flight == 0 && !timer_is_armed(&t->persist)) {
                        t->persist_shift = 0;
                        tcp_persist_arm(s, t);
                }
                return false;
        }
        /* A bare ACK carries SND.MAX, not a go-back-N SND.NXT: the peer has seen everything
         * up to SND.MAX and would find an older sequence number unacceptable, dropping the
         * acknowledgment with it (BSD tcp_output does the same). */
        tcp_send_segment(
            s, t, len || fin ? t->snd_nxt : t->snd_max, len,
            (uint8_t)(TCP_ACK | (fin ? TCP_FIN : 0) | (len && len == avail ? TCP_PSH : 0)));
        if (len || fin)
                tcp_sent(s, t, len, fin);
        return len > 0;
}

void
tcp_output(struct stack *s, struct tcb *t)
{
        bool force;

        switch (t->state) {
        case TCP_CLOSED:
        case TCP_LISTEN:
                return;
        case TCP_SYN_SENT:
        case TCP_SYN_RECEIVED:
                tcp_output_syn(s, t);
                return;
        case TCP_TIME_WAIT:
                if (t->ack_now)
                        tcp_send_segment(s, t, t->snd_nxt, 0, TCP_ACK);
                return;
        default:
                break;
        }
        /* The persist timer, expired with a window too small to use, is the override
         * timeout of RFC 9293 3.8.6.2.1: this once, send what fits. */
        force = t->sws_override;
        t->sws_override = false;
        for (int i = 0; i < TCP_OUTPUT_BURST; i++)
                if (!tcp_output_data(s, t, force && i == 0))
                        break;
}

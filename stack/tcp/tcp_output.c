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

/* The largest window we can offer: the whole receive ring, within the scaled field. */
static uint32_t
tcp_rcv_window_max(const struct tcb *t)
{
        size_t cap = t->rcv.buf ? t->rcv.cap : t->rcv_buf;
        uint32_t max = (uint32_t)65535 << t->rcv_wscale;

        return cap < max ? (uint32_t)cap : max;
}

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

/* Build and send one segment: payload copied from the send ring. With LINK_TX_CSUM the link
 * finishes the checksum, so the payload is only copied (and gso > 0 makes it a TSO
 * super-frame cut into gso-byte segments); else it is summed while it is copied. */
static int
tcp_emit(struct stack *s, struct tcb *t, const struct tcp_hdr *h, uint32_t len, unsigned caps,
         uint16_t gso)
{
        size_t hl = TCP_HDR_LEN + tcp_opts_len(&h->opts), n = 0;
        struct pkt *p = pkt_alloc(s, PKT_HEADROOM, hl + len);
        struct ipv4_out o = {.src = t->laddr,
                             .dst = t->raddr,
                             .proto = IPV4_PROTO_TCP,
                             .ttl = t->ttl,
                             .tos = (uint8_t)(t->tos | tcp_ecn_ect(t, h->flags, h->seq, len)),
                             .df = !t->pmtu_no_df}; /* RFC 1191 3 (tcp_pmtu.c) */
        uint32_t off = h->seq - tcb_snd_seq0(t), sum = 0;
        uint8_t *b;

        if (!p)
                return -ENOBUFS;
        b = pkt_put(p, hl + len);
        if (caps & LINK_TX_CSUM) {
                if (len)
                        ring_peek(&t->snd, off, b + hl, len);
                tcp_hdr_emit_partial(h, b, len, t->laddr, t->raddr);
                p->tx_l4 = b;
                p->gso_size = gso;
        } else {
                if (len)
                        sum = ring_peek_csum(&t->snd, off, b + hl, len, &n);
                tcp_hdr_emit_sum(h, b, len, sum, t->laddr, t->raddr);
        }
        stack_count(s, CNT_TCP_TX);
        if (gso)
                stack_count(s, CNT_TCP_TX_TSO);
        return ipv4_output(s, p, &o);
}

uint32_t
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

/* One segment at seq (len payload bytes, flags) over a link that can do caps (enum
 * link_tx_cap, looked up once by the caller); gso > 0 sends it as a TSO super-frame of
 * gso-byte pieces. */
static int
tcp_send(struct stack *s, struct tcb *t, uint32_t seq, uint32_t len, uint8_t flags, uint16_t gso,
         unsigned caps)
{
        struct tcp_hdr h = {.sport = t->lport, .dport = t->rport, .seq = seq, .flags = flags};

        h.flags |= tcp_ecn_flags_out(t, flags, seq, len);
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
        return tcp_emit(s, t, &h, len, caps, gso);
}

int
tcp_send_segment(struct stack *s, struct tcb *t, uint32_t seq, uint32_t len, uint8_t flags)
{
        return tcp_send(s, t, seq, len, flags, 0, ipv4_tx_caps_to(s, t->raddr));
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
        tcp_emit(s, t, &h, 0, 0, 0);
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
        /* An ACK is owed already (delayed-ACK timer running): it carries the new edge within
         * MUST-40's bound, or at once with the peer's next segment (SHLD-19), so a window of
         * two segments or more cannot stall the peer meanwhile. A bare update here would be
         * one more segment per request, just before the reply that acknowledges anyway. */
        if (timer_is_armed(&t->delack) && cur >= 2u * t->rcv_mss)
                return false;
        /* Nor is a peer stalled that may still send the largest unscaled window: only a
         * sender with more than that in flight could use a wider one, and its segments draw
         * ACKs that carry the new edge anyway. Without this, the ACK of our SYN,ACK (whose
         * window is never scaled, RFC 7323 2.2) would draw a bare update per connection. */
        if (cur >= 65535)
                return false;
        /* Nor one that still has half of what we can offer and two segments: it keeps
         * sending, and the ACKs its data draws carry the new edge. 3.8.6.2.2 says when an
         * update may go out (MUST-39), not that each read must send one; Linux
         * (tcp_cleanup_rbuf) uses the same half-window rule. */
        if (cur >= tcp_rcv_window_max(t) / 2 && cur >= 2u * t->rcv_mss)
                return false;
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
        if (len)
                t->last_data_us = s->now_us;
        t->snd_nxt += len + (fin ? 1u : 0u);
        t->snd_max = seq_max(t->snd_max, t->snd_nxt);
        if (!timer_is_armed(&t->rexmt)) {
                stack_timer_cancel(s, &t->persist);
                tcp_rexmt_arm(s, t);
        }
}

/* Our FIN is queued: the data left is all there will be (RFC 9293 3.10.4 CLOSE). */
static bool
tcp_fin_state(const struct tcb *t)
{
        return t->state == TCP_FIN_WAIT_1 || t->state == TCP_CLOSING || t->state == TCP_LAST_ACK;
}

/* The most payload one segment sent now may carry. RFC 9293 3.7.1: every wire segment holds
 * at most Eff.snd.MSS less its options (room). A link with TSO4 cuts a super-frame into
 * room-byte segments and copies our header, options included, onto each, so a super-frame
 * may carry as many whole rooms as fit in one IPv4 datagram and one packet buffer. Urgent
 * data keeps single segments: the pointer is relative to each segment's own SEG.SEQ; so
 * does a pending CWR, which goes on one plain segment only (RFC 3168 6.1.2). */
static uint32_t
tcp_seg_max(const struct stack *s, const struct tcb *t, uint32_t room, unsigned caps)
{
        size_t lim = IPV4_MAX_LEN - IPV4_HDR_LEN - TCP_MAX_HDR_LEN;
        size_t buf = s->pool.buf_size - PKT_HEADROOM - TCP_MAX_HDR_LEN;

        if ((caps & (LINK_TX_TSO4 | LINK_TX_CSUM)) != (LINK_TX_TSO4 | LINK_TX_CSUM) || t->snd_urg ||
            t->cwr_pending)
                return room;
        if (buf < lim)
                lim = buf;
        return lim > room ? (uint32_t)(lim / room) * room : room;
}

/* Payload to send now at SND.NXT: at most what is queued, what the window allows and what
 * one segment (or super-frame) holds; short segments only as Nagle and sender SWS avoidance
 * allow (RFC 9293 3.7.4, 3.8.6.2.1), decided on the whole amount. A super-frame is cut to
 * whole rooms unless its short tail could have left alone now: it ends the queued data and
 * nothing is outstanding (or Nagle is off), or we are closing. */
static uint32_t
tcp_data_len(const struct tcb *t, uint32_t avail, uint32_t flight, uint32_t room, uint32_t max,
             bool force)
{
        /* The peer's window covers all outstanding data; cwnd covers the pipe (RFC 6675: what
         * is still in the network during SACK recovery; else the flight size). */
        uint32_t cwnd = tcp_cc_window(t), pipe = tcp_cc_pipe(t);
        uint32_t usable = t->snd_wnd > flight ? t->snd_wnd - flight : 0; /* MUST-34 */
        uint32_t len;

        if (cwnd < pipe + usable)
                usable = cwnd > pipe ? cwnd - pipe : 0;
        len = avail < usable ? avail : usable;
        bool fin_state = tcp_fin_state(t);

        if (len > max)
                len = max;
        /* Data already sent once (a go-back-N after a timeout or a smaller path MTU) passed
         * Nagle (RFC 9293 3.7.4) then: its short tail, ending at SND.MAX, goes again
         * without waiting for the ACKs Nagle would. */
        bool old_tail = t->snd_nxt + len == t->snd_max;

        if (len && len < room && !force && !tcp_short_ok(t, len, avail, flight) &&
            !(fin_state && len == avail) && !old_tail)
                return 0;
        if (len > room && len % room && !(len == avail && (flight == 0 || t->nodelay || fin_state)))
                len -= len % room;
        return len;
}

/* One decision for a synchronized TCB; true when a data segment went out (try again). */
static bool
tcp_output_data(struct stack *s, struct tcb *t, bool force)
{
        uint32_t data_end = tcb_fin_seq(t);
        uint32_t avail = seq_lt(t->snd_nxt, data_end) ? data_end - t->snd_nxt : 0;
        uint32_t flight = t->snd_nxt - t->snd_una;
        bool fin_state = tcp_fin_state(t);
        uint32_t room = tcp_seg_room(t);
        unsigned caps = ipv4_tx_caps_to(s, t->raddr); /* one route lookup per segment */
        uint32_t len;
        bool fin;

        if (flight == 0 && avail > 0)
                tcp_cc_idle_restart(s, t);
        len = tcp_data_len(t, avail, flight, room, tcp_seg_max(s, t, room, caps), force);
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
         * acknowledgment with it (BSD tcp_output does the same). A super-frame may carry PSH
         * and FIN: the link clears both on all but its last piece (Linux tcp_gso_segment). */
        tcp_send(s, t, len || fin ? t->snd_nxt : t->snd_max, len,
                 (uint8_t)(TCP_ACK | (fin ? TCP_FIN : 0) | (len && len == avail ? TCP_PSH : 0)),
                 (uint16_t)(len > room ? room : 0), caps);
        if (len || fin)
                tcp_sent(s, t, len, fin);
        return len > 0;
}

void
tcp_output(struct stack *s, struct tcb *t)
{
        uint32_t max0 = t->snd_max;
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
        if (t->pmtu)
                tcp_pmtu_age(s, t);
        /* The persist timer, expired with a window too small to use, is the override
         * timeout of RFC 9293 3.8.6.2.1: this once, send what fits. */
        force = t->sws_override;
        t->sws_override = false;
        /* In SACK recovery, NextSeg's order (RFC 6675 4): a lost hole, new data, then a hole
         * with SACKed data above or the rescue; each only while cwnd - pipe >= 1 SMSS. */
        for (int i = 0; i < TCP_OUTPUT_BURST; i++) {
                if (tcp_cc_nextseg_resend(s, t, false) || tcp_output_data(s, t, force && i == 0))
                        continue;
                if (!tcp_cc_nextseg_resend(s, t, true))
                        break;
        }
        /* RFC 8985 7.2: new data left (once per call, not per segment; the probe's own
         * tcp_output re-arms nothing). */
        if (t->snd_max != max0)
                tcp_tlp_arm(s, t);
}

/* Autocorking (as Linux does for TSO): on a link that takes super-frames, while data is in
 * flight and less than one full super-frame waits, leave the TCB dirty instead of sending
 * now. The ACK on its way (or the retransmission timer) runs a stack_poll, which flushes it
 * (tcp_flush), so consecutive small writes leave as one super-frame instead of one small
 * frame each. The RFC 9293 3.7.4 sender may always send later than it could; Nagle off
 * (MUST-17) means the user asked for no such delay, and urgent data (3.8.5) goes at once. */
static bool
tcp_autocork(struct stack *s, const struct tcb *t)
{
        uint32_t data_end = tcb_fin_seq(t);
        uint32_t avail = seq_lt(t->snd_nxt, data_end) ? data_end - t->snd_nxt : 0;
        unsigned caps = ipv4_tx_caps_to(s, t->raddr);

        if (t->nodelay || t->snd_urg || t->snd_nxt == t->snd_una || !(caps & LINK_TX_TSO4))
                return false;
        return avail < tcp_seg_max(s, t, tcp_seg_room(t), caps);
}

void
tcp_output_user(struct stack *s, struct tcb *t)
{
        /* sock_send_more: the user says more (or CLOSE) follows at once; the next call, or
         * this poll's tcp_flush at the latest, sends it all, a reply and its FIN together. */
        if (t->send_more || tcp_autocork(s, t))
                tcb_mark_dirty(s, t);
        else
                tcp_output(s, t);
}

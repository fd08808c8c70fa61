/* SEGMENT ARRIVES in the synchronized states and SYN-RECEIVED (RFC 9293 3.10.7.4): one step
 * function per check, in the RFC's order (sequence, RST, SYN, ACK, URG, text, FIN), with
 * RFC 7323 PAWS and RFC 5961 blind-attack defences. */
#include <errno.h>

#include "stack/core/stack.h"
#include "stack/sock/sock.h"
#include "stack/tcp/tcb.h"
#include "stack/tcp/tcp_seq.h"

#define TCP_CHALLENGE_PER_S 10                     /* RFC 5961 7: per connection, not host-wide */
#define TCP_PAWS_IDLE_US (24ull * 86400 * 1000000) /* RFC 7323 5.5: 24 days */
#define TCP_OOW_ACK_US 500000u /* one ACK per 0.5 s for unacceptable empty segments */

bool
tcp_challenge_ok(struct stack *s, struct tcb *t)
{
        if (s->now_us - t->challenge_start_us >= 1000000) {
                t->challenge_start_us = s->now_us;
                t->challenge_acks = 0;
        }
        if (t->challenge_acks >= TCP_CHALLENGE_PER_S) {
                stack_count(s, CNT_TCP_CHALLENGE_LIMITED);
                return false;
        }
        t->challenge_acks++;
        stack_count(s, CNT_TCP_CHALLENGE_ACK);
        return true;
}

static enum tcp_verdict
tcp_challenge(struct stack *s, struct tcb *t)
{
        return tcp_challenge_ok(s, t) ? TCP_V_ACK : TCP_V_DROP;
}

/* The ACK owed to an unacceptable segment (RFC 9293 3.10.7.4 first check, RFC 7323 5.3).
 * Two TCBs that disagree about the sequence space (one in SYN-RECEIVED on a 4-tuple the
 * other still holds in CLOSE-WAIT) would answer each other's ACKs forever, so a segment
 * that carries no data (or a SYN) gets at most one such ACK per TCP_OOW_ACK_US per
 * connection (RFC 5961 10 ACK throttling; Linux tcp_invalid_ratelimit). Data and FINs are
 * always answered: they cannot loop, and TIME-WAIT must re-ACK a resent FIN. */
static enum tcp_verdict
tcp_oow_ack(struct stack *s, struct tcb *t, const struct tcp_seg *g)
{
        if (g->len > 0 && !(g->flags & TCP_SYN))
                return TCP_V_ACK;
        if ((g->flags & TCP_FIN) && !(g->flags & TCP_SYN))
                return TCP_V_ACK;
        if (t->oow_ack_valid && s->now_us - t->oow_ack_us < TCP_OOW_ACK_US) {
                stack_count(s, CNT_TCP_OOW_ACK_LIMITED);
                return TCP_V_DROP;
        }
        t->oow_ack_valid = true;
        t->oow_ack_us = s->now_us;
        return TCP_V_ACK;
}

/* RFC 7323 5.3 R1: reject an old duplicate by its timestamp (not a RST). */
static bool
tcp_paws_reject(struct stack *s, struct tcb *t, const struct tcp_seg *g)
{
        if (!t->ts_ok || !g->h.opts.has_ts || (g->flags & TCP_RST))
                return false;
        if (!seq_lt(g->h.opts.tsval, t->ts_recent))
                return false;
        if (s->now_us - t->ts_recent_us > TCP_PAWS_IDLE_US) {
                t->ts_recent = g->h.opts.tsval; /* RFC 7323 5.5: TS.Recent is too old to trust */
                t->ts_recent_us = s->now_us;
                return false;
        }
        stack_count(s, CNT_TCP_RX_PAWS);
        return true;
}

/* The acceptability table of RFC 9293 3.10.7.4 "first". */
static bool
tcp_seq_acceptable(const struct tcb *t, const struct tcp_seg *g, uint32_t wnd)
{
        uint32_t len = tcp_seg_len(g);

        if (len == 0)
                return wnd == 0 ? g->seq == t->rcv_nxt
                                : seq_in(g->seq, t->rcv_nxt, t->rcv_nxt + wnd);
        if (wnd == 0)
                return false;
        return seq_in(g->seq, t->rcv_nxt, t->rcv_nxt + wnd) ||
               seq_in(g->seq + len - 1, t->rcv_nxt, t->rcv_nxt + wnd);
}

/* Cut data before RCV.NXT and beyond the window; a FIN past the window goes too. */
static void
tcp_trim(const struct tcb *t, struct tcp_seg *g, uint32_t wnd)
{
        uint32_t dseq = g->seq + ((g->flags & TCP_SYN) ? 1u : 0u);
        uint32_t right = t->rcv_nxt + wnd;

        if (seq_lt(dseq, t->rcv_nxt)) {
                uint32_t cut = t->rcv_nxt - dseq;
                if (cut >= g->len) {
                        cut = g->len;
                }
                g->data += cut;
                g->len -= cut;
                dseq += cut;
                g->seq = dseq; /* a SYN before RCV.NXT is kept as a flag for the SYN step */
                if (g->flags & TCP_SYN)
                        g->seq--;
        }
        if (seq_gt(dseq + g->len, right)) {
                g->len = seq_gt(right, dseq) ? right - dseq : 0;
                g->flags &= (uint8_t)~TCP_FIN;
        }
}

/* First: sequence number check (RFC 9293 3.10.7.4), after PAWS (RFC 7323 5.3). */
static enum tcp_verdict
tcp_step_seq(struct stack *s, struct tcb *t, struct tcp_seg *g)
{
        uint32_t wnd = seq_gt(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0;

        if (tcp_paws_reject(s, t, g))
                return tcp_oow_ack(s, t, g);
        if (!tcp_seq_acceptable(t, g, wnd)) {
                /* A zero window still takes ACKs, URGs and RSTs (3.10.7.4 "special allowance
                 * ... to accept valid ACKs"): a probe at RCV.NXT, or at RCV.NXT - 1 as Linux
                 * sends them, is processed with its data cut, so the ACK it carries counts
                 * (robust-4: else we resend acknowledged data on RTO until the window opens). */
                if (!(wnd == 0 && !(g->flags & TCP_SYN) &&
                      (g->seq == t->rcv_nxt || g->seq + 1 == t->rcv_nxt))) {
                        stack_count(s, CNT_TCP_RX_UNACCEPTABLE);
                        if (g->flags & TCP_RST)
                                return TCP_V_DROP;
                        /* TIME-WAIT: a resent FIN is re-acknowledged and restarts 2MSL. */
                        if (t->state == TCP_TIME_WAIT && (g->flags & TCP_FIN))
                                stack_timer_arm(s, &t->timewait, 2 * tcp_msl_us(s));
                        return tcp_oow_ack(s, t, g);
                }
                t->ack_now = true;
        }
        tcp_trim(t, g, wnd);
        /* RFC 7323 4.3: remember the timestamp of a segment that covers Last.ACK.sent. */
        if (t->ts_ok && g->h.opts.has_ts && seq_geq(g->h.opts.tsval, t->ts_recent) &&
            seq_leq(g->h.seq, t->last_ack_sent)) {
                t->ts_recent = g->h.opts.tsval;
                t->ts_recent_us = s->now_us;
        }
        tcp_keepalive_reset(s, t);
        tcp_ecn_seg_in(t, g);
        return TCP_V_CONTINUE;
}

/* Second: RST (RFC 9293 3.10.7.4, RFC 5961 3.2: only an exact match resets). */
static enum tcp_verdict
tcp_step_rst(struct stack *s, struct tcb *t, struct tcp_seg *g)
{
        if (!(g->flags & TCP_RST))
                return TCP_V_CONTINUE;
        stack_count(s, CNT_TCP_RST_RX);
        if (g->h.seq != t->rcv_nxt)
                return tcp_challenge(s, t);
        switch (t->state) {
        case TCP_SYN_RECEIVED:
                if (t->passive) { /* MUST-11: back to LISTEN, which the listener still is */
                        tcp_set_state(s, t, TCP_CLOSED, TCP_WHY_RCV_RST_BACK_TO_LISTEN);
                        return TCP_V_DONE;
                }
                tcb_set_error(t, -ECONNREFUSED);
                break;
        case TCP_ESTABLISHED:
        case TCP_FIN_WAIT_1:
        case TCP_FIN_WAIT_2:
        case TCP_CLOSE_WAIT:
                /* MUST-12: the user sees ECONNRESET, not an end of stream; queues flushed. */
                tcb_set_error(t, -ECONNRESET);
                ring_reset(&t->rcv);
                ring_reset(&t->snd);
                t->n_ooo = 0;
                break;
        default:
                break;
        }
        tcp_set_state(s, t, TCP_CLOSED, TCP_WHY_RCV_RST);
        return TCP_V_DONE;
}

/* Fourth: SYN (RFC 9293 3.10.7.4; RFC 5961 4.2 challenge ACK in synchronized states). */
static enum tcp_verdict
tcp_step_syn(struct stack *s, struct tcb *t, struct tcp_seg *g)
{
        if (!(g->flags & TCP_SYN))
                return TCP_V_CONTINUE;
        if (t->state == TCP_SYN_RECEIVED && t->passive) {
                tcp_set_state(s, t, TCP_CLOSED, TCP_WHY_RCV_RST_BACK_TO_LISTEN);
                return TCP_V_DONE;
        }
        return tcp_challenge(s, t);
}

void
tcp_ack_rtt(struct stack *s, struct tcb *t, const struct tcp_seg *g)
{
        if (t->ts_ok && g->h.opts.has_ts && g->h.opts.tsecr) {
                uint32_t ms = tcb_ts_now(s, t) - g->h.opts.tsecr;

                /* Karn's rule (RFC 6298 3) still holds for an echo older than our last
                 * timeout's retransmission: the peer keeps TS.Recent from the segment it
                 * last acknowledged and rejects a duplicate before recording its TSval
                 * (RFC 7323 4.3, 5.3 R2/R3), so an ACK drawn by the resent copy may echo
                 * the first one, and the "sample" would count every lost ACK since. */
                if (t->rexmt_ts && seq_lt(g->h.opts.tsecr, t->rexmt_tsval))
                        return;
                t->rexmt_ts = false;
                if (ms < 600000) /* ignore nonsense echoes */
                        tcp_rtt_sample(s, t, ms * 1000u);
                return;
        }
        if (t->rtt_timing && seq_gt(g->h.ack, t->rtt_seq)) {
                t->rtt_timing = false;
                tcp_rtt_sample(s, t, (uint32_t)(s->now_us - t->rtt_start_us));
        }
}

/* New data acknowledged: free it from the send ring and update RTT, timers and cwnd. True
 * when its SACK blocks reported octets not SACKed before. */
static bool
tcp_ack_new(struct stack *s, struct tcb *t, const struct tcp_seg *g)
{
        uint32_t ack = g->h.ack;
        uint32_t seq0 = tcb_snd_seq0(t);
        uint32_t upto = seq_min(ack, tcb_fin_seq(t));
        uint32_t acked = ack - t->snd_una;
        bool news;

        /* Decide before SND.UNA moves: once the FIN is acknowledged SND.UNA is one past the
         * data and the ring is empty, so the FIN's sequence number can no longer be derived. */
        if (t->fin_queued && seq_gt(ack, tcb_fin_seq(t)))
                t->fin_acked = true;
        tcp_ack_rtt(s, t, g);
        if (seq_gt(upto, seq0))
                ring_discard(&t->snd, upto - seq0);
        if (ring_len(&t->snd) == 0)
                ring_reset(&t->snd); /* all acknowledged: refill from the (cached) front */
        t->snd_una = ack;
        if (seq_lt(t->snd_nxt, ack))
                t->snd_nxt = ack;
        if (t->snd_urg && seq_geq(ack, t->snd_up))
                t->snd_urg = false; /* the urgent data has arrived: leave urgent mode */
        t->rexmt_count = 0;
        t->persist_shift = 0;
        t->orphan_probes = 0; /* progress: the peer is taking data */
        /* RFC 6298 (5.2) all acknowledged: stop; (5.3) else restart the timer. */
        if (t->snd_una == t->snd_max)
                stack_timer_cancel(s, &t->rexmt);
        else
                tcp_rexmt_arm(s, t);
        tcp_tlp_arm(s, t); /* RFC 8985 7.2 (stops it when nothing is in flight) */
        news = tcp_sack_update(t, &g->h.opts);
        tcp_cc_ack(s, t, ack, acked);
        return news;
}

/* RFC 9293 3.10.7.4 fifth, ESTABLISHED processing of SEG.ACK and the send window. */
static void
tcp_ack_update(struct stack *s, struct tcb *t, const struct tcp_seg *g)
{
        uint32_t ack = g->h.ack;
        uint32_t wnd = (uint32_t)g->h.wnd << t->snd_wscale;
        bool advances = seq_gt(ack, t->snd_una);

        /* Duplicate ACKs (RFC 5681 2): no data, no SYN or FIN, SEG.ACK = SND.UNA, the window
         * unchanged, data outstanding. With SACK, RFC 6675 2 counts instead every ACK whose
         * SACK blocks report new octets, "even if it carries new data, changes the advertised
         * window, or moves the cumulative acknowledgment point" (after a cumulative ACK
         * DupAcks restarts from zero, RFC 6675 5), and no ACK that reports nothing new. */
        tcp_tlp_ack(s, t, g);
        if (advances) {
                bool news = tcp_ack_new(s, t, g);
                tcp_ecn_ack_in(t, g); /* after cwnd grew for it: ECE takes that back too */
                if (news && !t->in_recovery)
                        tcp_cc_dupack(s, t);
        } else if (ack == t->snd_una && t->snd_una != t->snd_max) {
                bool news = tcp_sack_update(t, &g->h.opts);
                if (t->sack_ok
                        ? news
                        : g->len == 0 && !(g->flags & (TCP_SYN | TCP_FIN)) && wnd == t->snd_wnd)
                        tcp_cc_dupack(s, t);
        }
        /* Window update: only from a newer segment (SND.WL1/WL2 rule), or from one whose ACK
         * advanced SND.UNA, which cannot be old: an out-of-order segment from ahead in the
         * stream must not freeze the window for the peer's pure ACKs (Linux does the same). */
        if (advances || seq_lt(t->snd_wl1, g->seq) ||
            (t->snd_wl1 == g->seq && seq_leq(t->snd_wl2, ack))) {
                t->snd_wnd = wnd;
                t->snd_wl1 = g->seq;
                t->snd_wl2 = ack;
                if (wnd > t->max_snd_wnd)
                        t->max_snd_wnd = wnd;
                if (wnd > 0)
                        stack_timer_cancel(s, &t->persist);
        }
}

/* SYN-RECEIVED: the ACK of our SYN moves to ESTABLISHED (or the queued close continues). */
static enum tcp_verdict
tcp_ack_synrcvd(struct stack *s, struct tcb *t, struct tcp_seg *g)
{
        if (!seq_lt(t->snd_una, g->h.ack) || !seq_leq(g->h.ack, t->snd_max))
                return TCP_V_RST;       /* <SEQ=SEG.ACK><CTL=RST> */
        if (tcb_rings_init(s, t) < 0) { /* a passive child gets its buffers only now */
                tcp_send_rst_tcb(s, t);
                tcp_set_state(s, t, TCP_CLOSED, TCP_WHY_NO_MEMORY);
                return TCP_V_DONE;
        }
        t->snd_wnd = (uint32_t)g->h.wnd << t->snd_wscale;
        t->max_snd_wnd = t->snd_wnd;
        t->snd_wl1 = g->seq;
        t->snd_wl2 = g->h.ack;
        tcp_ack_rtt(s, t, g);
        tcp_rto_after_handshake(t);
        t->snd_una = g->h.ack;
        if (seq_lt(t->snd_nxt, t->snd_una))
                t->snd_nxt = t->snd_una;
        t->rexmt_count = 0;
        stack_timer_cancel(s, &t->rexmt);
        tcp_cc_init(t);
        tcp_set_state(s, t, TCP_ESTABLISHED, TCP_WHY_RCV_ACK_OF_SYN);
        if (t->fin_queued)
                tcp_set_state(s, t, TCP_FIN_WAIT_1, TCP_WHY_USER_CLOSE);
        return TCP_V_CONTINUE;
}

/* Fifth: ACK (RFC 9293 3.10.7.4; RFC 5961 5.2 ACK-value check, MAY-12). */
static enum tcp_verdict
tcp_step_ack(struct stack *s, struct tcb *t, struct tcp_seg *g)
{
        uint32_t ack = g->h.ack;

        if (!(g->flags & TCP_ACK))
                return TCP_V_DROP;
        if (t->state == TCP_SYN_RECEIVED)
                return tcp_ack_synrcvd(s, t, g);
        /* Acceptable: SND.UNA - MAX.SND.WND <= SEG.ACK <= SND.NXT (SND.MAX after go-back-N). */
        if (seq_gt(ack, t->snd_max) || seq_lt(ack, t->snd_una - t->max_snd_wnd))
                return tcp_challenge(s, t);
        if (t->state == TCP_TIME_WAIT)
                return TCP_V_CONTINUE;
        tcp_ack_update(s, t, g);
        switch (t->state) {
        case TCP_FIN_WAIT_1:
                if (tcb_fin_acked(t))
                        tcp_set_state(s, t, TCP_FIN_WAIT_2, TCP_WHY_RCV_ACK_OF_FIN);
                break;
        case TCP_CLOSING:
                if (!tcb_fin_acked(t))
                        return TCP_V_DROP;
                tcp_set_state(s, t, TCP_TIME_WAIT, TCP_WHY_RCV_ACK_OF_FIN);
                return TCP_V_DONE;
        case TCP_LAST_ACK:
                if (tcb_fin_acked(t)) {
                        tcp_set_state(s, t, TCP_CLOSED, TCP_WHY_RCV_ACK_OF_FIN);
                        return TCP_V_DONE;
                }
                break;
        default:
                break;
        }
        return TCP_V_CONTINUE;
}

/* Sixth: URG (RFC 9293 3.10.7.4, RFC 6093). Only RCV.UP is kept: urgent data stays in the
 * stream, and the pointer is never used to index anything, so it cannot read out of bounds. */
static enum tcp_verdict
tcp_step_urg(struct stack *s, struct tcb *t, struct tcp_seg *g)
{
        (void)s;
        if ((g->flags & TCP_URG) && t->state >= TCP_ESTABLISHED && t->state <= TCP_FIN_WAIT_2 &&
            g->h.urp)
                t->rcv_up = seq_max(t->rcv_up, g->h.seq + g->h.urp);
        return TCP_V_CONTINUE;
}

/* Append in-order text to the receive ring; returns the bytes taken. */
static uint32_t
tcp_text_store(struct stack *s, struct tcb *t, struct tcp_seg *g)
{
        uint32_t n;

        g->in_order = true;
        if (!g->placed)
                return (uint32_t)ring_write(&t->rcv, g->data, g->len);
        /* DESIGN.md 6: the payload was read straight past the tail. SEG.SEQ was RCV.NXT, so
         * trimming to the window only ever cut its end: the first g->len bytes there are
         * exactly this text, and committing them is the ring_write without the copy. */
        n = g->len <= ring_space(&t->rcv) ? g->len : (uint32_t)ring_space(&t->rcv);
        ring_commit(&t->rcv, n);
        stack_count(s, CNT_TCP_RX_PLACED);
        return n;
}

/* In-order data: into the ring, then whatever the reassembly queue now completes. */
static void
tcp_text_in_order(struct stack *s, struct tcb *t, struct tcp_seg *g)
{
        bool had_holes = t->n_ooo > 0;
        uint32_t n = tcp_text_store(s, t, g);
        uint32_t full = t->rcv_mss ? n / t->rcv_mss : 0;

        t->rcv_nxt += n;
        tcp_reass_pull(t); /* advances RCV.NXT over what the queue completes */
        /* A GSO super-frame from a TAP is one receive event but stands for n / MSS full
         * segments the peer sent, so it counts as that many: one ACK per super-frame (or per
         * poll, as ack_now is only a flag until tcp_output), never one per MSS of it. */
        t->segs_unacked += full ? full : 1;
        /* RFC 5681 4.2: ACK at once when a hole was filled; RFC 9293 3.8.6.3 (SHLD-19):
         * at least every second full segment; otherwise delay (MUST-40: < 0.5 s). */
        if (had_holes || n < g->len || t->segs_unacked >= 2)
                t->ack_now = true;
        else if (!timer_is_armed(&t->delack))
                stack_timer_arm(s, &t->delack, TCP_DELACK_US);
}

/* Seventh: segment text (RFC 9293 3.10.7.4). */
static enum tcp_verdict
tcp_step_text(struct stack *s, struct tcb *t, struct tcp_seg *g)
{
        if (g->len == 0)
                return TCP_V_CONTINUE;
        if (t->state != TCP_ESTABLISHED && t->state != TCP_FIN_WAIT_1 &&
            t->state != TCP_FIN_WAIT_2) {
                g->len = 0; /* after the peer's FIN no data can be valid: ignore it */
                return TCP_V_CONTINUE;
        }
        if (t->user_closed) {
                /* RFC 1122 4.2.2.13: data arriving after CLOSE is lost; say so with a RST. */
                tcp_send_rst_tcb(s, t);
                tcp_set_state(s, t, TCP_CLOSED, TCP_WHY_DATA_AFTER_CLOSE);
                return TCP_V_DONE;
        }
        if (g->seq == t->rcv_nxt) {
                tcp_text_in_order(s, t, g);
                return TCP_V_CONTINUE;
        }
        /* Out of order: keep it, and send a duplicate ACK at once (RFC 5681 4.2, RFC 9293
         * 3.10.7.4 "out-of-order segments ... should be acknowledged immediately"). A placed
         * payload is never here (it was at RCV.NXT), and its bytes are not at g->data. */
        if (g->placed) {
                t->ack_now = true; /* dropped: the peer resends it */
                return TCP_V_DONE;
        }
        if ((g->flags & TCP_FIN) && tcp_reass_add(s, t, g->seq, g->data, g->len)) {
                t->rcv_fin_pending = true;
                t->rcv_fin_seq = g->seq + g->len;
        } else if (!(g->flags & TCP_FIN)) {
                tcp_reass_add(s, t, g->seq, g->data, g->len);
        }
        t->ack_now = true;
        tcp_output(s, t);
        return TCP_V_DONE;
}

/* Eighth: FIN (RFC 9293 3.10.7.4). */
static enum tcp_verdict
tcp_step_fin(struct stack *s, struct tcb *t, struct tcp_seg *g)
{
        bool fin = ((g->flags & TCP_FIN) && g->seq + g->len == t->rcv_nxt) ||
                   (t->rcv_fin_pending && t->rcv_fin_seq == t->rcv_nxt);

        if (!fin || t->fin_rcvd) {
                if (fin && t->state == TCP_TIME_WAIT)
                        stack_timer_arm(s, &t->timewait, 2 * tcp_msl_us(s));
                return TCP_V_DONE;
        }
        t->rcv_nxt++;
        t->fin_rcvd = true;
        t->rcv_fin_pending = false;
        t->ack_now = true;
        switch (t->state) {
        case TCP_SYN_RECEIVED:
        case TCP_ESTABLISHED:
                tcp_set_state(s, t, TCP_CLOSE_WAIT, TCP_WHY_RCV_FIN);
                break;
        case TCP_FIN_WAIT_1:
                if (tcb_fin_acked(t))
                        tcp_set_state(s, t, TCP_TIME_WAIT, TCP_WHY_RCV_FIN_ACK_OF_FIN);
                else
                        tcp_set_state(s, t, TCP_CLOSING, TCP_WHY_RCV_FIN);
                break;
        case TCP_FIN_WAIT_2:
                tcp_set_state(s, t, TCP_TIME_WAIT, TCP_WHY_RCV_FIN);
                break;
        default:
                break;
        }
        return TCP_V_DONE;
}

typedef enum tcp_verdict tcp_step_fn(struct stack *s, struct tcb *t, struct tcp_seg *g);

/* The steps in the RFC's order; "third" (security/precedence) is not implemented (MAY). */
static tcp_step_fn *const tcp_steps[] = {
    tcp_step_seq, tcp_step_rst,  tcp_step_syn, tcp_step_ack,
    tcp_step_urg, tcp_step_text, tcp_step_fin,
};

enum tcp_verdict
tcp_in_other(struct stack *s, struct tcb *t, struct tcp_seg *g)
{
        /* SYN-RECEIVED: a retransmitted SYN means our SYN,ACK was lost: send it again. */
        if (t->state == TCP_SYN_RECEIVED && (g->flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN &&
            g->seq == t->irs) {
                t->snd_nxt = t->iss;
                return TCP_V_DONE;
        }
        for (size_t i = 0; i < sizeof(tcp_steps) / sizeof(tcp_steps[0]); i++) {
                enum tcp_verdict v = tcp_steps[i](s, t, g);
                if (v != TCP_V_CONTINUE)
                        return v;
        }
        return TCP_V_DONE;
}

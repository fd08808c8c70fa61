/* Tail loss probe (RFC 8985 7): when a flight goes unanswered for a probe timeout (PTO)
 * shorter than the RTO, send one segment to draw an ACK whose SACK blocks show what was
 * lost, so that SACK recovery (tcp_cc.c), not the retransmission timeout, repairs a lost
 * tail. Of RACK (RFC 8985 6) only the probe's case is kept: the probe leaves a PTO after
 * every earlier segment, so once it is delivered, every earlier unSACKed segment is older
 * than the probe's RTT plus any reordering window, i.e. lost (6.2). */
#include <stddef.h>

#include "stack/core/stack.h"
#include "stack/tcp/tcb.h"
#include "stack/tcp/tcp_seq.h"

/* RFC 8985 7.2.1 WCDelAckT, the peer's worst-case delayed ACK (its recommended 200 ms). */
#define TCP_TLP_WCDELACK_US 200000u
/* A floor under 2*SRTT: on a sub-millisecond path a scheduling hiccup would otherwise look
 * like a lost tail (Linux uses the same 10 ms). */
#define TCP_TLP_MIN_US 10000u

/* RFC 8985 7.2: a probe may be scheduled with SACK and an RTT sample, in the open state (no
 * fast recovery, no RTO recovery, no probe outstanding), with data in flight and a window
 * open (a zero window belongs to the persist timer). */
static bool
tcp_tlp_allowed(const struct tcb *t)
{
        return t->sack_ok && t->rtt_valid && !t->in_recovery && !t->tlp_active && !t->tlp_probe &&
               t->rexmt_count == 0 && t->snd_nxt == t->snd_max && t->snd_una != t->snd_max &&
               t->snd_wnd != 0 && tcp_state_synchronized(t->state) && t->state != TCP_TIME_WAIT;
}

/* RFC 8985 7.2.1: PTO = 2*SRTT, plus WCDelAckT when one segment is in flight (the peer may
 * hold its ACK for it). */
static uint64_t
tcp_tlp_pto(const struct tcb *t)
{
        uint64_t pto = 2ull * t->srtt_us;

        if (t->snd_max - t->snd_una <= t->snd_mss)
                pto += TCP_TLP_WCDELACK_US;
        return pto < TCP_TLP_MIN_US ? TCP_TLP_MIN_US : pto;
}

void
tcp_tlp_arm(struct stack *s, struct tcb *t)
{
        uint64_t pto;

        if (!tcp_tlp_allowed(t)) {
                stack_timer_cancel(s, &t->tlp);
                return;
        }
        pto = tcp_tlp_pto(t);
        /* 7.2.1: a probe later than the RTO would come too late; the timeout acts instead. */
        if (timer_is_armed(&t->rexmt) && s->now_us + pto >= t->rexmt.deadline_us) {
                stack_timer_cancel(s, &t->tlp);
                return;
        }
        /* Restarted on every send and ACK: an armed timer that would fire earlier is left
         * in place and only the due time moves (tcp_tlp_fire waits out the rest). */
        t->tlp_due_us = s->now_us + pto;
        if (!timer_is_armed(&t->tlp) || t->tlp.deadline_us > t->tlp_due_us)
                stack_timer_arm(s, &t->tlp, pto);
}

/* RFC 8985 7.3: send previously unsent data if the peer's window allows (one SMSS, cwnd
 * notwithstanding), else resend the segment holding the highest sequence sent. cwnd is
 * left alone; the RTO is restarted. */
static void
tcp_tlp_fire(struct stack *s, struct timer *tm)
{
        struct tcb *t = tcb_of(tm, offsetof(struct tcb, tlp));
        uint32_t max0 = t->snd_max;

        if (!tcp_tlp_allowed(t))
                return;
        if (s->now_us < t->tlp_due_us) { /* restarted since it was armed */
                stack_timer_arm(s, &t->tlp, t->tlp_due_us - s->now_us);
                return;
        }
        stack_count(s, CNT_TCP_TLP);
        t->tlp_seq = max0;
        t->tlp_probe = true; /* tcp_cc_window: one SMSS past the flight */
        t->sws_override = true;
        tcp_output(s, t);
        t->tlp_probe = false;
        t->tlp_retrans = t->snd_max == max0;
        t->tlp_seq = t->tlp_retrans ? tcp_cc_resend_tail(s, t, t->snd_una, t->snd_max) : max0;
        t->tlp_end = t->snd_max;
        t->tlp_active = true;
        t->tlp_lost = false;
        tcp_rexmt_arm(s, t);
}

/* Did the ACK's SACK blocks (above SEG.ACK: not D-SACKs) report octets of the probe? */
static bool
tcp_tlp_sacked(const struct tcb *t, const struct tcp_seg *g)
{
        for (unsigned i = 0; i < g->h.opts.n_sack; i++) {
                const struct tcp_sack_block *b = &g->h.opts.sack[i];
                if (seq_gt(b->right, g->h.ack) && seq_lt(b->left, t->tlp_end) &&
                    seq_gt(b->right, t->tlp_seq))
                        return true;
        }
        return false;
}

/* Is there a D-SACK (RFC 2883 4: a block below SEG.ACK) for the whole probe, i.e. did the
 * peer hold every octet of it already? A probe D-SACKed only in part brought something new:
 * it repaired a loss. The FIN is not an octet a SACK block must cover. */
static bool
tcp_tlp_dsacked(const struct tcb *t, const struct tcp_seg *g)
{
        uint32_t need = seq_max(seq_min(t->tlp_end, tcb_fin_seq(t)), t->tlp_seq + 1);

        for (unsigned i = 0; i < g->h.opts.n_sack; i++) {
                const struct tcp_sack_block *b = &g->h.opts.sack[i];
                if (seq_leq(b->right, g->h.ack) && seq_leq(b->left, t->tlp_seq) &&
                    seq_geq(b->right, need))
                        return true;
        }
        return false;
}

void
tcp_tlp_ack(struct stack *s, struct tcb *t, const struct tcp_seg *g)
{
        uint32_t ack = g->h.ack;

        if (!t->tlp_active)
                return;
        /* RFC 8985 6.2 for the probe: delivered, so what was sent before it and is still
         * unSACKed is lost (tcp_sack_is_lost); SACK recovery starts on this ACK. */
        if (seq_gt(ack, t->tlp_seq) || tcp_tlp_sacked(t, g))
                t->tlp_lost = true;
        if (seq_lt(ack, t->tlp_end))
                return;
        /* 7.4: the episode ends. A resent probe acknowledged without a D-SACK for it
         * repaired a lost tail that no recovery saw: respond as fast recovery would. */
        t->tlp_active = false;
        t->tlp_lost = false;
        if (t->tlp_retrans && !t->in_recovery && seq_lt(t->recover, t->tlp_end) &&
            !tcp_tlp_dsacked(t, g)) {
                stack_count(s, CNT_TCP_TLP_REPAIR);
                tcp_cc_reduce(t);
        }
}

void
tcp_tlp_init(struct tcb *t)
{
        timer_init(&t->tlp, tcp_tlp_fire);
}

void
tcp_tlp_reset(struct stack *s, struct tcb *t)
{
        stack_timer_cancel(s, &t->tlp);
        t->tlp_active = false;
        t->tlp_lost = false;
}

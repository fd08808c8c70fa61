/* TCP timers: retransmission with RFC 6298 RTO and R1/R2 limits (RFC 9293 3.8.1, 3.8.3),
 * persist / zero-window probes (3.8.6.1), delayed ACK (3.8.6.3), keep-alive (3.8.4) and
 * the 2MSL TIME-WAIT wait (3.10.8). */
#include <errno.h>
#include <stddef.h>

#include "stack/core/stack.h"
#include "stack/net/arp.h"
#include "stack/tcp/tcb.h"
#include "stack/tcp/tcp_seq.h"

#define TCP_RTO_MIN_US 1000000u          /* RFC 6298 (2.4): 1 s */
#define TCP_RTO_MAX_US 60000000u         /* RFC 6298 (2.5): at least 60 s */
#define TCP_RTO_G_US 1000u               /* clock granularity G (1 ms timestamps) */
#define TCP_RTO_SYN_FALLBACK_US 3000000u /* RFC 6298 (5.7): after a SYN timed out */
#define TCP_SYN_R2_US 180000000u         /* RFC 9293 MUST-23: R2 for a SYN at least 3 minutes */
#define TCP_DEFAULT_MSL_MS 30000u
#define TCP_ORPHAN_PROBES 8   /* zero-window probes for a closed-by-user connection */
#define TCP_R2_MIN_TIMEOUTS 8 /* R2 also needs this many timeouts in the series (see below) */

uint64_t
tcp_msl_us(const struct stack *s)
{
        return (uint64_t)(s->cfg.tcp_msl_ms ? s->cfg.tcp_msl_ms : TCP_DEFAULT_MSL_MS) * 1000u;
}

void
tcp_rexmt_arm(struct stack *s, struct tcb *t)
{
        stack_timer_arm(s, &t->rexmt, t->rto_us);
}

/* RFC 6298 (2.2), (2.3): SRTT/RTTVAR with alpha 1/8, beta 1/4; RTO clamped (2.4, 2.5). */
void
tcp_rtt_sample(struct stack *s, struct tcb *t, uint32_t rtt_us)
{
        struct trace_event ev = {
            .t_us = s->now_us, .kind = TRACE_RTO, .id = t->id, .from = (int)rtt_us};
        uint64_t rto;

        if (!t->rtt_valid) {
                t->srtt_us = rtt_us;
                t->rttvar_us = rtt_us / 2;
                t->rtt_valid = true;
        } else {
                uint32_t err = t->srtt_us > rtt_us ? t->srtt_us - rtt_us : rtt_us - t->srtt_us;
                t->rttvar_us = t->rttvar_us - t->rttvar_us / 4 + err / 4;
                t->srtt_us = t->srtt_us - t->srtt_us / 8 + rtt_us / 8;
        }
        rto = (uint64_t)t->srtt_us +
              (4u * t->rttvar_us > TCP_RTO_G_US ? 4u * t->rttvar_us : TCP_RTO_G_US);
        if (rto < TCP_RTO_MIN_US)
                rto = TCP_RTO_MIN_US;
        if (rto > TCP_RTO_MAX_US)
                rto = TCP_RTO_MAX_US;
        t->rto_us = (uint32_t)rto;
        ev.to = (int)t->rto_us;
        trace_event_add(s, &ev);
}

/* RFC 6298 (5.7): the handshake is complete. If our SYN (or SYN,ACK) timed out and no RTT
 * sample came from it (Karn's rule, no timestamps), data starts with an RTO of 3 s instead
 * of the initial 1 s or the SYN's backed-off value. Called before rexmt_count is reset. */
void
tcp_rto_after_handshake(struct tcb *t)
{
        if (t->rexmt_count > 0 && !t->rtt_valid)
                t->rto_us = TCP_RTO_SYN_FALLBACK_US;
}

/* RFC 9293 3.8.3: give up after R2 (MUST-20..23); the error is the last ICMP soft error
 * if there was one (RFC 1122 4.2.3.9), else ETIMEDOUT. R2 is a lower bound (RFC 1122
 * 4.2.3.5 "at least 100 seconds"): with the RTO backed off to its 60 s cap, time alone
 * would give up after two retransmissions, so a minimum number of timeouts is also
 * required (Linux counts retransmissions, tcp_retries2) unless the application chose R2
 * itself (MUST-21). */
static bool
tcp_rexmt_give_up(struct stack *s, struct tcb *t)
{
        uint64_t limit = t->state < TCP_ESTABLISHED ? TCP_SYN_R2_US : (uint64_t)t->r2_ms * 1000u;

        if (s->now_us - t->rexmt_first_us < limit)
                return false;
        if (t->rexmt_count < TCP_R2_MIN_TIMEOUTS && !(t->r2_user && t->state >= TCP_ESTABLISHED))
                return false;
        stack_count(s, CNT_TCP_TIMEOUTS);
        tcb_set_error(t, t->soft_error ? t->soft_error : -ETIMEDOUT);
        tcp_set_state(s, t, TCP_CLOSED, TCP_WHY_TIMEOUT_REXMT);
        return true;
}

/* RFC 9293 3.8.3 (MUST-20), RFC 1122 4.2.3.5: after R1 retransmissions the TCP tells the
 * IP layer that the path may be dead. Ours drops the next hop's ARP entry, so the next
 * segment re-resolves it: a neighbour that changed its MAC (or a failed-over gateway) is
 * found again instead of being sent to until R2. */
static void
tcp_negative_advice(struct stack *s, struct tcb *t)
{
        uint32_t next_hop = 0;

        if (!stack_route(s, t->raddr, &next_hop) || !next_hop)
                return;
        stack_count(s, CNT_TCP_R1_ADVICE);
        arp_forget(s, next_hop);
}

static void
tcp_rexmt_fire(struct stack *s, struct timer *tm)
{
        struct tcb *t = tcb_of(tm, offsetof(struct tcb, rexmt));
        struct trace_event ev = {.t_us = s->now_us, .kind = TRACE_REXMT, .id = t->id};

        if (t->state == TCP_CLOSED || t->state == TCP_LISTEN || t->state == TCP_TIME_WAIT ||
            t->snd_una == t->snd_max)
                return;
        stack_count(s, CNT_TCP_RTO_FIRED);
        if (t->rexmt_count++ == 0)
                t->rexmt_first_us = s->now_us;
        if (tcp_rexmt_give_up(s, t))
                return;
        if (t->rexmt_count == TCP_R1_TIMEOUTS) {
                tcp_negative_advice(s, t);
                tcp_pmtu_black_hole(s, t); /* before the resend below: it goes smaller */
                tcb_touch(s, t);           /* SHLD-9: the application learns of it (SOCK_STALLED) */
        }
        /* RFC 6298 (5.5) back off, (5.6) restart; Karn: no RTT sample from resent data. */
        t->rto_us = t->rto_us * 2 > TCP_RTO_MAX_US ? TCP_RTO_MAX_US : t->rto_us * 2;
        t->rtt_timing = false;
        if (t->ts_ok) { /* what the resent segment's TSval will be (tcp_ack_rtt) */
                t->rexmt_tsval = tcb_ts_now(s, t);
                t->rexmt_ts = true;
        }
        tcp_cc_rto(t);
        tcp_tlp_reset(s, t);
        /* RFC 2018 8: after a timeout the SACK scoreboard may be stale (reneging). */
        t->n_sacked = 0;
        ev.snd_una = t->snd_una;
        ev.snd_nxt = t->snd_nxt;
        trace_event_add(s, &ev);
        t->snd_nxt = t->snd_una; /* go back N: resend from the ring */
        tcp_output(s, t);
        if (!timer_is_armed(&t->rexmt) && t->snd_una != t->snd_nxt)
                tcp_rexmt_arm(s, t);
}

void
tcp_persist_arm(struct stack *s, struct tcb *t)
{
        uint64_t d = (uint64_t)t->rto_us << t->persist_shift;

        /* SHLD-29: first probe after one RTO; SHLD-30: exponential backoff. */
        if (d > TCP_RTO_MAX_US)
                d = TCP_RTO_MAX_US;
        stack_timer_arm(s, &t->persist, d);
}

/* RFC 9293 3.8.6.1: send one octet of new data past the zero window. The probe does not
 * advance SND.NXT; SND.MAX covers it so that the ACK of an accepted probe is valid. The
 * connection stays open as long as probes are answered (MUST-37): no R2 here. */
static void
tcp_persist_fire(struct stack *s, struct timer *tm)
{
        struct tcb *t = tcb_of(tm, offsetof(struct tcb, persist));
        uint32_t seq0, off;

        if (!tcp_state_synchronized(t->state) || t->state == TCP_TIME_WAIT)
                return;
        seq0 = tcb_snd_seq0(t);
        off = t->snd_nxt - seq0;
        if (off >= ring_len(&t->snd)) {
                tcp_output(s, t);
                return;
        }
        /* MUST-37 keeps a connection open while probes are answered, for a user who can
         * still act on it. After CLOSE nobody can (RFC 1122 4.2.2.17 lets the TCP give up):
         * a peer holding the window shut (or too small to use) would pin the buffers
         * forever, so an orphan gets a bounded number of probes without progress (Linux:
         * tcp_orphan_retries). */
        if (t->user_closed && ++t->orphan_probes > TCP_ORPHAN_PROBES) {
                stack_count(s, CNT_TCP_ORPHANS_ABORTED);
                tcp_send_rst_tcb(s, t);
                tcp_set_state(s, t, TCP_CLOSED, TCP_WHY_TIMEOUT_ORPHAN_PERSIST);
                return;
        }
        if (t->snd_wnd > 0) {
                /* A window too small for sender SWS avoidance: this timer is the override
                 * timeout (RFC 9293 3.8.6.2.1), so send what fits now. */
                t->sws_override = true;
                tcp_output(s, t);
                return;
        }
        tcp_send_segment(s, t, t->snd_nxt, 1, TCP_ACK);
        t->snd_max = seq_max(t->snd_max, t->snd_nxt + 1);
        if (t->persist_shift < 16)
                t->persist_shift++;
        tcp_persist_arm(s, t);
}

static void
tcp_delack_fire(struct stack *s, struct timer *tm)
{
        struct tcb *t = tcb_of(tm, offsetof(struct tcb, delack));

        t->ack_now = true;
        tcp_output(s, t);
}

static void
tcp_timewait_fire(struct stack *s, struct timer *tm)
{
        struct tcb *t = tcb_of(tm, offsetof(struct tcb, timewait));

        if (t->state == TCP_TIME_WAIT)
                tcp_set_state(s, t, TCP_CLOSED, TCP_WHY_TIMEOUT_2MSL);
        else if (t->state == TCP_FIN_WAIT_2 && t->user_closed)
                tcp_set_state(s, t, TCP_CLOSED, TCP_WHY_TIMEOUT_FIN_WAIT_2);
}

/* The per-socket keep-alive settings (MUST-27: the interval is configurable), or defaults. */
static uint64_t
tcp_keep_idle_us(const struct tcb *t)
{
        return (uint64_t)(t->keep_idle_ms ? t->keep_idle_ms : TCP_KEEP_IDLE_DEFAULT_MS) * 1000u;
}

static uint64_t
tcp_keep_intvl_us(const struct tcb *t)
{
        return (uint64_t)(t->keep_intvl_ms ? t->keep_intvl_ms : TCP_KEEP_INTVL_DEFAULT_MS) * 1000u;
}

void
tcp_keepalive_reset(struct stack *s, struct tcb *t)
{
        t->keep_probes = 0;
        if (t->keepalive_on && tcp_state_synchronized(t->state) && t->state != TCP_TIME_WAIT)
                stack_timer_arm(s, &t->keepalive, tcp_keep_idle_us(t));
        else
                stack_timer_cancel(s, &t->keepalive);
}

/* RFC 9293 3.8.4: a probe <SEQ=SND.NXT-1><ACK=RCV.NXT> that the peer must answer with an
 * ACK (MUST-27 only after the idle interval; MUST-28 no data counted on). */
static void
tcp_keepalive_fire(struct stack *s, struct timer *tm)
{
        struct tcb *t = tcb_of(tm, offsetof(struct tcb, keepalive));

        if (!t->keepalive_on || !tcp_state_synchronized(t->state) || t->state == TCP_TIME_WAIT)
                return;
        if (t->keep_probes >= (t->keep_cnt ? t->keep_cnt : TCP_KEEP_CNT_DEFAULT)) {
                stack_count(s, CNT_TCP_TIMEOUTS);
                tcb_set_error(t, -ETIMEDOUT);
                tcp_send_rst_tcb(s, t);
                tcp_set_state(s, t, TCP_CLOSED, TCP_WHY_TIMEOUT_KEEPALIVE);
                return;
        }
        t->keep_probes++;
        tcp_send_segment(s, t, t->snd_nxt - 1, 0, TCP_ACK);
        stack_timer_arm(s, &t->keepalive, tcp_keep_intvl_us(t));
}

void
tcb_timers_init(struct tcb *t)
{
        timer_init(&t->rexmt, tcp_rexmt_fire);
        timer_init(&t->persist, tcp_persist_fire);
        timer_init(&t->delack, tcp_delack_fire);
        timer_init(&t->timewait, tcp_timewait_fire);
        timer_init(&t->keepalive, tcp_keepalive_fire);
        tcp_tlp_init(t);
}

void
tcb_timers_cancel(struct stack *s, struct tcb *t)
{
        stack_timer_cancel(s, &t->rexmt);
        stack_timer_cancel(s, &t->persist);
        stack_timer_cancel(s, &t->delack);
        stack_timer_cancel(s, &t->timewait);
        stack_timer_cancel(s, &t->keepalive);
        tcp_tlp_reset(s, t);
}

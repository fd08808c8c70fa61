/* Congestion control: slow start and congestion avoidance (RFC 5681 3.1), fast retransmit
 * and NewReno fast recovery (RFC 5681 3.2, RFC 6582 3.2), steered by the SACK scoreboard
 * when the peer sends SACK blocks (RFC 2018, RFC 6675 hole selection). */
#include "stack/core/stack.h"
#include "stack/tcp/tcb.h"
#include "stack/tcp/tcp_seq.h"

#define TCP_DUPACK_THRESH 3 /* RFC 5681 3.2 / RFC 6675 DupThresh */

static uint32_t
tcp_cc_mss(const struct tcb *t)
{
        return t->snd_mss - (t->ts_ok ? 12u : 0u);
}

/* RFC 5681 3.1 (3): IW = min(4*SMSS, max(2*SMSS, 4380)) bytes (RFC 3390). */
static uint32_t
tcp_cc_iw(const struct tcb *t)
{
        uint32_t mss = tcp_cc_mss(t);
        uint32_t iw = 2 * mss > 4380 ? 2 * mss : 4380;

        return iw < 4 * mss ? iw : 4 * mss;
}

void
tcp_cc_init(struct tcb *t)
{
        t->cwnd = tcp_cc_iw(t);
        t->ssthresh = 0x7fffffff; /* "arbitrarily high" (RFC 5681 3.1) */
        t->dupacks = 0;
        t->in_recovery = false;
        t->recover = t->snd_una;
}

static uint32_t
tcp_cc_half_flight(const struct tcb *t)
{
        uint32_t flight = t->snd_max - t->snd_una;
        uint32_t half = flight / 2;

        /* RFC 5681 3.1 (4): ssthresh = max(FlightSize / 2, 2*SMSS). */
        return half > 2 * tcp_cc_mss(t) ? half : 2 * tcp_cc_mss(t);
}

/* Retransmit one segment at the first hole at or after from (the first unacknowledged
 * byte without SACK information). Returns the sequence after what was resent. */
static uint32_t
tcp_cc_retransmit_hole(struct stack *s, struct tcb *t, uint32_t from)
{
        uint32_t end;
        uint32_t seq = tcp_sack_next_hole(t, from, &end);
        uint32_t data_end = tcb_fin_seq(t);
        uint32_t len;

        if (!seq_lt(seq, data_end)) {
                if (tcb_fin_sent(t) && seq == data_end)
                        tcp_send_segment(s, t, seq, 0, TCP_ACK | TCP_FIN);
                return seq + 1;
        }
        len = seq_min(end, data_end) - seq;
        if (len > tcp_cc_mss(t))
                len = tcp_cc_mss(t);
        stack_count(s, CNT_TCP_REXMT);
        tcp_send_segment(s, t, seq, len, TCP_ACK);
        t->rtt_timing = false; /* Karn */
        return seq + len;
}

/* RFC 6675 4 (NextSeg rule 1, simplified): during recovery a further duplicate ACK may
 * resend the next hole that has SACKed data above it, i.e. that the peer reports lost. */
static void
tcp_cc_sack_next(struct stack *s, struct tcb *t)
{
        uint32_t end, from, seq;

        if (!t->sack_ok || t->n_sacked == 0)
                return;
        from = seq_max(t->sack_rexmt_nxt, t->snd_una);
        seq = tcp_sack_next_hole(t, from, &end);
        if (!seq_lt(seq, t->sacked[t->n_sacked - 1].left))
                return;
        t->sack_rexmt_nxt = tcp_cc_retransmit_hole(s, t, seq);
}

void
tcp_cc_ack(struct stack *s, struct tcb *t, uint32_t ack, uint32_t acked)
{
        uint32_t mss = tcp_cc_mss(t);

        t->dupacks = 0;
        if (t->in_recovery) {
                if (seq_geq(ack, t->recover)) {
                        /* RFC 6582 3.2 step 3 (full ACK): deflate to min(ssthresh, flight+SMSS). */
                        uint32_t flight = t->snd_max - ack;
                        t->cwnd = t->ssthresh < flight + mss ? t->ssthresh : flight + mss;
                        t->in_recovery = false;
                        return;
                }
                /* Partial ACK: resend the next hole, deflate by the amount acknowledged, add back
                 * one SMSS, and restart the retransmission timer (RFC 6582 3.2 step 3). */
                t->sack_rexmt_nxt =
                    seq_max(t->sack_rexmt_nxt, tcp_cc_retransmit_hole(s, t, t->snd_una));
                t->cwnd = t->cwnd > acked ? t->cwnd - acked : 0;
                if (acked >= mss)
                        t->cwnd += mss;
                if (t->cwnd < mss)
                        t->cwnd = mss;
                tcp_rexmt_arm(s, t);
                return;
        }
        if (t->cwnd < t->ssthresh) {
                t->cwnd += acked < mss ? acked : mss; /* RFC 5681 (2), byte counting with L=1 */
                return;
        }
        /* Congestion avoidance: one SMSS per RTT (RFC 5681 3.1, byte counting variant). */
        t->bytes_acked += acked;
        if (t->bytes_acked >= t->cwnd) {
                t->bytes_acked -= t->cwnd;
                t->cwnd += mss;
        }
}

void
tcp_cc_dupack(struct stack *s, struct tcb *t)
{
        uint32_t mss = tcp_cc_mss(t);

        if (t->in_recovery) {
                t->cwnd += mss; /* RFC 5681 3.2 (4): inflate per additional duplicate */
                tcp_cc_sack_next(s, t);
                return;
        }
        if (++t->dupacks != TCP_DUPACK_THRESH)
                return;
        /* RFC 6582 3.2 step 2: only if this loss is after the last recovery point. */
        if (!seq_gt(t->snd_una, t->recover) && t->recover != t->snd_una)
                return;
        stack_count(s, CNT_TCP_FAST_REXMT);
        t->ssthresh = tcp_cc_half_flight(t);
        t->recover = t->snd_max;
        t->in_recovery = true;
        t->sack_rexmt_nxt = tcp_cc_retransmit_hole(s, t, t->snd_una);
        t->cwnd = t->ssthresh + TCP_DUPACK_THRESH * mss;
        tcp_rexmt_arm(s, t);
}

void
tcp_cc_idle_restart(const struct stack *s, struct tcb *t)
{
        uint32_t rw = tcp_cc_iw(t);

        if (t->last_data_us && s->now_us - t->last_data_us > t->rto_us && t->cwnd > rw)
                t->cwnd = rw;
}

uint32_t
tcp_cc_window(const struct tcb *t)
{
        /* One previously unsent segment per duplicate ACK, the first two only, cwnd itself
         * unchanged: a window of a few segments then still draws the third duplicate that
         * starts fast retransmit, instead of waiting for the timeout. Not for resends
         * (after a timeout SND.NXT is below SND.MAX) nor during recovery. */
        if (!t->in_recovery && t->dupacks > 0 && t->dupacks < TCP_DUPACK_THRESH &&
            t->snd_nxt == t->snd_max)
                return t->cwnd + t->dupacks * tcp_cc_mss(t);
        return t->cwnd;
}

void
tcp_cc_ecn(struct tcb *t)
{
        t->ssthresh = tcp_cc_half_flight(t);
        t->cwnd = t->ssthresh;
        t->bytes_acked = 0;
}

void
tcp_cc_rto(struct tcb *t)
{
        t->ssthresh = tcp_cc_half_flight(t);
        t->cwnd = tcp_cc_mss(t); /* RFC 5681 3.1: loss window LW = 1 SMSS */
        t->bytes_acked = 0;
        t->dupacks = 0;
        t->in_recovery = false;
        t->recover = t->snd_max; /* RFC 6582 3.2 step 4 */
}

/* Drop scoreboard entries at or below SND.UNA. */
static void
tcp_sack_trim(struct tcb *t)
{
        unsigned j = 0;

        for (unsigned i = 0; i < t->n_sacked; i++) {
                if (seq_leq(t->sacked[i].right, t->snd_una))
                        continue;
                t->sacked[j] = t->sacked[i];
                if (seq_lt(t->sacked[j].left, t->snd_una))
                        t->sacked[j].left = t->snd_una;
                j++;
        }
        t->n_sacked = j;
}

static void
tcp_sack_insert(struct tcb *t, uint32_t left, uint32_t right)
{
        unsigned i = 0;

        while (i < t->n_sacked && seq_lt(t->sacked[i].right, left))
                i++;
        if (i < t->n_sacked && seq_leq(t->sacked[i].left, right)) {
                t->sacked[i].left = seq_min(t->sacked[i].left, left);
                t->sacked[i].right = seq_max(t->sacked[i].right, right);
                while (i + 1 < t->n_sacked && seq_geq(t->sacked[i].right, t->sacked[i + 1].left)) {
                        t->sacked[i].right = seq_max(t->sacked[i].right, t->sacked[i + 1].right);
                        for (unsigned j = i + 1; j + 1 < t->n_sacked; j++)
                                t->sacked[j] = t->sacked[j + 1];
                        t->n_sacked--;
                }
                return;
        }
        if (t->n_sacked == TCP_SACK_SCORE_MAX)
                return; /* the scoreboard is advisory: forgetting a block only costs a resend */
        for (unsigned j = t->n_sacked; j > i; j--)
                t->sacked[j] = t->sacked[j - 1];
        t->sacked[i].left = left;
        t->sacked[i].right = right;
        t->n_sacked++;
}

/* Is [l, r) already inside one scoreboard block? */
static bool
tcp_sack_known(const struct tcb *t, uint32_t l, uint32_t r)
{
        for (unsigned i = 0; i < t->n_sacked; i++)
                if (seq_leq(t->sacked[i].left, l) && seq_geq(t->sacked[i].right, r))
                        return true;
        return false;
}

/* RFC 2018 / RFC 6675: remember which blocks above SND.UNA the peer holds. Blocks outside
 * SND.UNA..SND.MAX are ignored (RFC 2883 D-SACK, or forged). True when the ACK reported
 * octets not SACKed before (RFC 6675 2 "DupAck"). */
bool
tcp_sack_update(struct tcb *t, const struct tcp_opts *o)
{
        bool news = false;

        tcp_sack_trim(t);
        if (!t->sack_ok)
                return false;
        for (unsigned i = 0; i < o->n_sack; i++) {
                uint32_t l = o->sack[i].left, r = o->sack[i].right;
                if (!seq_lt(l, r) || !seq_gt(l, t->snd_una) || seq_gt(r, t->snd_max))
                        continue;
                news = news || !tcp_sack_known(t, l, r);
                tcp_sack_insert(t, l, r);
        }
        return news;
}

uint32_t
tcp_sack_next_hole(const struct tcb *t, uint32_t from, uint32_t *hole_end)
{
        uint32_t seq = from;

        for (unsigned i = 0; i < t->n_sacked; i++) {
                if (seq_leq(t->sacked[i].right, seq))
                        continue;
                if (seq_gt(t->sacked[i].left, seq)) {
                        *hole_end = t->sacked[i].left;
                        return seq;
                }
                seq = t->sacked[i].right;
        }
        *hole_end = t->snd_max;
        return seq;
}

/* Congestion control: slow start and congestion avoidance (RFC 5681 3.1), fast retransmit
 * and NewReno fast recovery (RFC 5681 3.2, RFC 6582 3.2) for peers without SACK, and
 * SACK-based loss recovery (RFC 2018 scoreboard, RFC 6675 IsLost, SetPipe, NextSeg) for
 * peers with it. */
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

/* The record for a resend at seq: the same hole's own (renewed), else one of data
 * acknowledged since, else a free one, else the oldest. */
static unsigned
tcp_cc_rxt_slot(const struct tcb *t, uint32_t seq)
{
        unsigned i, oldest = 0;

        for (i = 0; i < t->n_rxt_log; i++)
                if (t->rxt_log[i].seq == seq)
                        return i;
        for (i = 0; i < t->n_rxt_log; i++)
                if (seq_lt(t->rxt_log[i].seq, t->snd_una))
                        return i;
        if (t->n_rxt_log < TCP_RXT_LOG)
                return t->n_rxt_log;
        for (i = 1; i < TCP_RXT_LOG; i++)
                if (t->rxt_log[i].us < t->rxt_log[oldest].us)
                        oldest = i;
        return oldest;
}

/* Remember a resend at seq for tcp_cc_rxt_lost. */
static void
tcp_cc_rxt_note(const struct stack *s, struct tcb *t, uint32_t seq)
{
        unsigned slot = tcp_cc_rxt_slot(t, seq);

        if (slot == t->n_rxt_log)
                t->n_rxt_log++;
        t->rxt_log[slot] = (struct tcp_rxt_rec){.seq = seq, .mark = t->snd_max, .us = s->now_us};
}

/* Resend [seq, end) from the send ring, at most one segment's room (SMSS less the options
 * it carries: its SACK blocks too); the FIN goes along when the range reaches it. Returns
 * the sequence after what was resent. */
static uint32_t
tcp_cc_resend(struct stack *s, struct tcb *t, uint32_t seq, uint32_t end)
{
        uint32_t data_end = tcb_fin_seq(t);
        bool fin = tcb_fin_sent(t) && seq_gt(end, data_end);
        uint32_t len = seq_lt(seq, data_end) ? seq_min(end, data_end) - seq : 0;

        if (len > tcp_seg_room(t))
                len = tcp_seg_room(t);
        fin = fin && seq + len == data_end;
        if (!len && !fin)
                return seq;
        stack_count(s, CNT_TCP_REXMT);
        tcp_send_segment(s, t, seq, len, (uint8_t)(TCP_ACK | (fin ? TCP_FIN : 0)));
        t->rtt_timing = false; /* Karn */
        if (t->in_recovery)
                tcp_cc_rxt_note(s, t, seq);
        return seq + len + (fin ? 1u : 0u);
}

/* Retransmit one segment at the first hole at or after from (the first unacknowledged
 * byte without SACK information). Returns the sequence after what was resent. */
static uint32_t
tcp_cc_retransmit_hole(struct stack *s, struct tcb *t, uint32_t from)
{
        uint32_t end;
        uint32_t seq = tcp_sack_next_hole(t, from, &end);

        return tcp_cc_resend(s, t, seq, end);
}

static bool
tcp_sack_recovery(const struct tcb *t)
{
        return t->in_recovery && t->sack_ok;
}

/* One past the highest octet the peer has SACKed (SND.UNA when it has SACKed nothing). */
static uint32_t
tcp_sack_top(const struct tcb *t)
{
        return t->n_sacked ? t->sacked[t->n_sacked - 1].right : t->snd_una;
}

/* RFC 6675 4 IsLost(seq), for an octet the peer has not SACKed: "DupThresh discontiguous
 * SACKed sequences" above it (counted as scoreboard blocks) or "more than (DupThresh - 1) *
 * SMSS bytes with sequence numbers greater than 'SeqNum' have been SACKed"; or it was sent
 * before a tail loss probe that arrived (RFC 8985 6.2, tcp_tlp.c). */
static bool
tcp_sack_is_lost(const struct tcb *t, uint32_t seq)
{
        uint32_t bytes = 0;
        unsigned blocks = 0;

        if (t->tlp_lost && seq_lt(seq, t->tlp_seq))
                return true;
        for (unsigned i = 0; i < t->n_sacked; i++) {
                if (!seq_gt(t->sacked[i].left, seq))
                        continue;
                bytes += t->sacked[i].right - t->sacked[i].left;
                blocks++;
        }
        return blocks >= TCP_DUPACK_THRESH || bytes > (TCP_DUPACK_THRESH - 1) * tcp_cc_mss(t);
}

/* HighRxt + 1: nothing below it is left to resend by NextSeg rules (1) and (3). */
static uint32_t
tcp_sack_high_rxt(const struct tcb *t)
{
        return seq_max(t->sack_rexmt_nxt, t->snd_una);
}

/* RFC 6675 4 SetPipe(): octets in the network. Each unSACKed octet counts once unless
 * IsLost, and once more if it was resent (below HighRxt). IsLost is the same for every
 * octet of one hole (the SACKed octets above them are the same). Outside SACK recovery the
 * pipe is the flight size (RFC 5681). */
uint32_t
tcp_cc_pipe(const struct tcb *t)
{
        uint32_t high_rxt = tcp_sack_high_rxt(t);
        uint32_t pipe = 0, seq = t->snd_una, end;

        if (!tcp_sack_recovery(t))
                return t->snd_nxt - t->snd_una;
        while (seq_lt(seq, t->snd_max)) {
                seq = tcp_sack_next_hole(t, seq, &end);
                if (!seq_lt(seq, t->snd_max))
                        break;
                if (!tcp_sack_is_lost(t, seq))
                        pipe += end - seq;
                if (seq_lt(seq, high_rxt))
                        pipe += seq_min(end, high_rxt) - seq;
                seq = end;
        }
        return pipe;
}

uint32_t
tcp_cc_resend_tail(struct stack *s, struct tcb *t, uint32_t start, uint32_t end)
{
        uint32_t data_hi = seq_min(end, tcb_fin_seq(t));

        if (seq_lt(start, data_hi) && data_hi - start > tcp_seg_room(t))
                start = data_hi - tcp_seg_room(t);
        tcp_cc_resend(s, t, start, end);
        return start;
}

/* RFC 6675 4 NextSeg() rule (4), the rescue retransmission: once per recovery, one segment
 * holding the highest outstanding octet the peer has not SACKed. HighRxt stays. */
static bool
tcp_cc_rescue(struct stack *s, struct tcb *t)
{
        uint32_t end = t->snd_max, start = t->snd_una;

        if (t->rescue_done)
                return false;
        for (unsigned i = t->n_sacked; i-- > 0;) {
                if (t->sacked[i].right != end) {
                        start = seq_max(start, t->sacked[i].right);
                        break;
                }
                end = t->sacked[i].left; /* the tail is SACKed: the hole below it */
        }
        if (!seq_lt(start, end))
                return false;
        t->rescue_done = true;
        tcp_cc_resend_tail(s, t, start, end);
        return true;
}

/* RFC 8985 6.2 for our resends in recovery (RACK's lost retransmission, which no DupAck
 * count can show), without per-segment send times: a resent hole the peer still lacks, while
 * it has SACKed data first sent after the resend (above that moment's SND.MAX), and more
 * than RACK.rtt + reo_wnd (SRTT + SRTT/4, at least 1 ms) after it: that resend was lost
 * too. Returns the hole to resend, or SND.MAX if none. Checked on the next ACK or send, not
 * by a reordering timer. */
static uint32_t
tcp_cc_rxt_lost(const struct stack *s, const struct tcb *t)
{
        uint64_t wait = (uint64_t)t->srtt_us + t->srtt_us / 4;
        uint32_t top = tcp_sack_top(t), end;

        if (wait < 1000)
                wait = 1000;
        for (unsigned i = 0; i < t->n_rxt_log; i++) {
                const struct tcp_rxt_rec *r = &t->rxt_log[i];
                if (seq_lt(r->seq, t->snd_una) || !seq_gt(top, r->mark) ||
                    s->now_us - r->us < wait || tcp_sack_next_hole(t, r->seq, &end) != r->seq)
                        continue;
                return r->seq;
        }
        return t->snd_max;
}

bool
tcp_cc_nextseg_resend(struct stack *s, struct tcb *t, bool last_resort)
{
        uint32_t hole, end, top;

        if (!tcp_sack_recovery(t))
                return false;
        /* A lost resend leaves the network: its next copy takes its place in the pipe. */
        hole = last_resort ? t->snd_max : tcp_cc_rxt_lost(s, t);
        if (seq_lt(hole, t->snd_max)) {
                tcp_sack_next_hole(t, hole, &end);
                return tcp_cc_resend(s, t, hole, end) != hole;
        }
        if (tcp_cc_pipe(t) + tcp_cc_mss(t) > t->cwnd)
                return false;
        top = tcp_sack_top(t);
        hole = tcp_sack_next_hole(t, tcp_sack_high_rxt(t), &end);
        /* Rule (1): the first unSACKed octet above HighRxt and below the highest SACKed one,
         * if it IsLost (a later hole has fewer SACKed octets above it: the first decides);
         * rule (3), as a last resort, the same hole even if not yet deemed lost. */
        if (seq_lt(hole, top) && (last_resort || tcp_sack_is_lost(t, hole))) {
                t->sack_rexmt_nxt = tcp_cc_resend(s, t, hole, end);
                return t->sack_rexmt_nxt != hole;
        }
        return last_resort && tcp_cc_rescue(s, t);
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
                /* With SACK, pipe and NextSeg decide what a partial ACK lets go (RFC 6675 5
                 * (B), (C): tcp_output); cwnd stays at ssthresh. */
                if (t->sack_ok)
                        return;
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
                if (!t->sack_ok)
                        t->cwnd += mss; /* RFC 5681 3.2 (4): inflate per additional duplicate */
                return;
        }
        /* RFC 6675 5 (1), (2): DupThresh duplicates, or one SACK that shows HighACK + 1
         * lost (three segments' worth SACKed above it). */
        if (++t->dupacks < TCP_DUPACK_THRESH && !(t->sack_ok && tcp_sack_is_lost(t, t->snd_una)))
                return;
        /* RFC 6582 3.2 step 2, RFC 6675 5: only if this loss is after the last recovery point. */
        if (!seq_gt(t->snd_una, t->recover) && t->recover != t->snd_una)
                return;
        stack_count(s, CNT_TCP_FAST_REXMT);
        t->ssthresh = tcp_cc_half_flight(t);
        t->recover = t->snd_max; /* RecoveryPoint = HighData */
        t->in_recovery = true;
        t->rescue_done = false;
        t->n_rxt_log = 0;
        /* RFC 6675 5 (4.3) / RFC 5681 3.2 (2): resend the segment at HighACK + 1. */
        t->sack_rexmt_nxt = tcp_cc_retransmit_hole(s, t, t->snd_una);
        /* RFC 6675 5 (4.2): cwnd = ssthresh, and pipe governs from here (tcp_output runs
         * NextSeg); without SACK, RFC 5681 3.2 (3) inflates by the three duplicates. */
        t->cwnd = t->ssthresh + (t->sack_ok ? 0 : TCP_DUPACK_THRESH * mss);
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
        if (t->tlp_probe) /* RFC 8985 7.3: one SMSS past the flight, whatever cwnd says */
                return t->tlp_seq + tcp_cc_mss(t) - t->snd_una;
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
tcp_cc_reduce(struct tcb *t)
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

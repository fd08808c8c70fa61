/* Explicit Congestion Notification for TCP (RFC 3168 6.1; RFC 9293 3.7.4 SHLD-8): the
 * ECN-setup SYN and SYN,ACK, ECT(0) on new data, the receiver echoing a CE mark with ECE
 * until the sender's CWR, and the sender halving cwnd once per window of data on ECE.
 * Off unless the application asks (SOCK_OPT_ECN): on a connecting socket it requests ECN,
 * on a listener it accepts the requests of its connections' peers. */
#include "stack/core/stack.h"
#include "stack/tcp/tcb.h"
#include "stack/tcp/tcp_seq.h"
#include "stack/wire/ipv4.h"

#define IP_ECN_MASK 0x03u
#define IP_ECN_ECT0 0x02u
#define IP_ECN_CE 0x03u

void
tcp_ecn_syn_in(struct tcb *t, const struct tcp_seg *g)
{
        uint8_t ecn = g->flags & (TCP_ECE | TCP_CWR);

        /* 6.1.1: an ECN-setup SYN has ECE and CWR; an ECN-setup SYN,ACK has ECE only. */
        if (g->flags & TCP_ACK)
                t->ecn_ok = t->ecn_want && ecn == TCP_ECE;
        else
                t->ecn_ok = t->ecn_want && ecn == (TCP_ECE | TCP_CWR);
}

bool
tcp_ecn_ce(const struct ipv4_hdr *ih)
{
        return (ih->tos & IP_ECN_MASK) == IP_ECN_CE;
}

void
tcp_ecn_seg_in(struct tcb *t, const struct tcp_seg *g)
{
        if (!t->ecn_ok)
                return;
        /* 6.1.3: ECE on every ACK from a CE-marked data packet on, until a CWR arrives (a CWR
         * packet itself marked CE starts it again). */
        if (g->flags & TCP_CWR)
                t->ece_pending = false;
        if (g->ce && g->len > 0) {
                if (!t->ece_pending)
                        t->ack_now = true; /* tell the sender at once */
                t->ece_pending = true;
        }
}

void
tcp_ecn_ack_in(struct tcb *t, const struct tcp_seg *g)
{
        if (!t->ecn_ok || !(g->flags & TCP_ECE) || (g->flags & TCP_SYN))
                return;
        /* 6.1.2: react to congestion at most once per window of data, and not again while
         * loss recovery has already cut the window for it. */
        if (t->in_recovery || (t->ecn_cwr && seq_leq(g->h.ack, t->ecn_recover)))
                return;
        tcp_cc_reduce(t);
        t->ecn_cwr = true;
        t->ecn_recover = t->snd_max;
        t->cwr_pending = true;
}

uint8_t
tcp_ecn_flags_out(struct tcb *t, uint8_t flags, uint32_t seq, uint32_t len)
{
        if (flags & TCP_SYN) {
                if (flags & TCP_ACK)
                        return t->ecn_ok ? TCP_ECE : 0;
                /* 6.1.1.1: an ECN-setup SYN that went unanswered may have met a middlebox
                 * that drops them: resend it as a plain SYN, and use no ECN (as Linux). */
                if (t->rexmt_count > 0)
                        t->ecn_want = false;
                return t->ecn_want ? TCP_ECE | TCP_CWR : 0;
        }
        if (!t->ecn_ok || (flags & TCP_RST))
                return 0;
        flags = t->ece_pending && (flags & TCP_ACK) ? TCP_ECE : 0;
        /* 6.1.2: CWR on the first new data packet after the reduction (not a resend, 6.1.5,
         * nor a probe of a zero window, 6.1.6). */
        if (t->cwr_pending && len > 0 && seq == t->snd_max && t->snd_wnd > 0) {
                t->cwr_pending = false;
                flags |= TCP_CWR;
        }
        return flags;
}

uint8_t
tcp_ecn_ect(const struct tcb *t, uint8_t flags, uint32_t seq, uint32_t len)
{
        /* 6.1.1-6.1.6: ECT only on new data; never on a SYN, a pure ACK, a resend or a probe
         * of a zero window (its loss would go unnoticed). */
        if (!t->ecn_ok || len == 0 || (flags & (TCP_SYN | TCP_RST)) || seq_lt(seq, t->snd_max) ||
            t->snd_wnd == 0)
                return 0;
        return IP_ECN_ECT0;
}

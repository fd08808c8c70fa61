/* Path MTU discovery for TCP (RFC 1191; RFC 9293 3.7.2, SHLD-6): every segment of a
 * connection leaves with DF set; a router that cannot forward one answers "fragmentation
 * needed and DF set" (Datagram Too Big) with its next hop's MTU, and the connection then
 * sends segments that fit. The estimate is kept in the connection and, for the next
 * connections to that host, in a small table by destination (RFC 1191 6.2: the PMTU
 * belongs to the path; this stack has no route cache to hold it), and dropped again after
 * 10 minutes (6.3). A path that drops big DF datagrams without telling us (a black hole,
 * RFC 2923 2.1) shows only as timeouts: at R1 the connection falls back to 1280 without
 * DF. */
#include <stdio.h>

#include "stack/core/stack.h"
#include "stack/core/trace.h"
#include "stack/net/icmp.h"
#include "stack/net/ipv4.h"
#include "stack/tcp/tcb.h"
#include "stack/wire/ipv4.h"

/* The smallest estimate we use: the datagram every host must accept (RFC 791). A Datagram
 * Too Big below it (RFC 1191 3 only forbids going under 68) keeps this size and turns DF
 * off, so a router on such a link fragments instead: a forged tiny MTU cannot make us send
 * tiny segments (RFC 5927 7.2), and a real one still gets our data through. */
#define TCP_PMTU_MIN 576u
/* The black-hole fallback: the MTU of most tunnels (and IPv6's minimum), sent without DF so
 * that a still smaller link fragments it. Smaller than most paths need, large enough that a
 * lossy path taken for a black hole loses little. */
#define TCP_PMTU_BLACK_HOLE 1280u
/* RFC 1191 6.3: try the first hop's MTU again this long after lowering the estimate. */
#define TCP_PMTU_AGE_US (10ull * 60 * 1000000)

/* RFC 1191 7, table 7-1: MTU plateaus, for a router that leaves the Next-Hop MTU zero. */
static const uint16_t tcp_pmtu_plateaus[] = {32000, 17914, 8166, 4352, 2002,
                                             1492,  1006,  508,  296,  68};

/* RFC 1191 5: the largest plateau below the Total Length of the datagram that was too big. */
static unsigned
tcp_pmtu_plateau(unsigned total_len)
{
        for (unsigned i = 0; i < sizeof(tcp_pmtu_plateaus) / sizeof(tcp_pmtu_plateaus[0]); i++)
                if (tcp_pmtu_plateaus[i] < total_len)
                        return tcp_pmtu_plateaus[i];
        return 68;
}

/* The MTU segments to raddr must fit: the estimate, else the first hop's (IPv4 header
 * included; ipv4_mtu_to gives what is left after it). */
static unsigned
tcp_pmtu_current(struct stack *s, const struct tcb *t)
{
        return t->pmtu ? t->pmtu : ipv4_mtu_to(s, t->raddr) + IPV4_HDR_LEN;
}

/* SND.MSS: the peer's MSS option, bounded by what the path takes (RFC 9293 3.7.1 and
 * MUST-14: MTU less 40 octets of IPv4 and TCP headers). */
static void
tcp_pmtu_set_mss(struct stack *s, struct tcb *t)
{
        unsigned mtu_mss = tcp_pmtu_current(s, t) - 40;

        t->snd_mss = (uint16_t)(t->peer_mss < mtu_mss ? t->peer_mss : mtu_mss);
}

/* The estimate went from `from` to t's current MTU: a trace event (the ring gdb reads) and,
 * with --trace, a line beside the state changes; `detail` says why, in words. */
static void
tcp_pmtu_trace(struct stack *s, const struct tcb *t, unsigned from, enum trace_pmtu_why why,
               const char *detail)
{
        struct trace_event ev = {.t_us = s->now_us,
                                 .kind = TRACE_PMTU,
                                 .id = t->id,
                                 .from = (int)from,
                                 .to = (int)tcp_pmtu_current(s, t),
                                 .why = (int)why,
                                 .snd_una = t->snd_una,
                                 .snd_nxt = t->snd_nxt,
                                 .rcv_nxt = t->rcv_nxt};
        char who[TCP_TRACE_WHO_LEN];

        trace_event_add(s, &ev);
        if (s->cfg.trace)
                stack_trace_line(s, "%s path MTU %d -> %d (%s)", tcp_trace_who(t, who), ev.from,
                                 ev.to, detail);
}

/* The fresh estimate for dst, or NULL. */
static struct tcp_pmtu_dest *
tcp_pmtu_dest(struct stack *s, uint32_t dst)
{
        for (unsigned i = 0; i < TCP_PMTU_DESTS; i++) {
                struct tcp_pmtu_dest *d = &s->tcp->pmtu_dests[i];
                if (d->us && d->dst == dst && s->now_us - d->us < TCP_PMTU_AGE_US)
                        return d;
        }
        return NULL;
}

/* Remember t's estimate for its destination: in that destination's slot, else in the
 * oldest one (a free slot has time 0, a stale one is older than every fresh one). */
static void
tcp_pmtu_remember(struct stack *s, const struct tcb *t)
{
        struct tcp_pmtu_dest *all = s->tcp->pmtu_dests, *d = tcp_pmtu_dest(s, t->raddr);

        if (!d) {
                d = &all[0];
                for (unsigned i = 1; i < TCP_PMTU_DESTS; i++)
                        if (all[i].us < d->us)
                                d = &all[i];
        }
        *d = (struct tcp_pmtu_dest){
            .dst = t->raddr, .mtu = t->pmtu, .no_df = t->pmtu_no_df, .us = t->pmtu_us};
}

/* Take mtu (and DF off, if no_df) as t's estimate since `since`; SND.MSS follows, and the
 * change is traced as why/detail (mtu 0: the first hop's MTU again). */
static void
tcp_pmtu_set(struct stack *s, struct tcb *t, unsigned mtu, bool no_df, uint64_t since,
             enum trace_pmtu_why why, const char *detail)
{
        unsigned from = tcp_pmtu_current(s, t);

        t->pmtu = (uint16_t)mtu;
        t->pmtu_no_df = no_df;
        t->pmtu_us = since;
        tcp_pmtu_set_mss(s, t);
        tcp_pmtu_trace(s, t, from, why, detail);
}

void
tcp_pmtu_peer_mss(struct stack *s, struct tcb *t, unsigned mss)
{
        const struct tcp_pmtu_dest *d = tcp_pmtu_dest(s, t->raddr);

        t->peer_mss = (uint16_t)mss;
        if (d && !t->pmtu) /* another connection to this host learned the path's MTU */
                tcp_pmtu_set(s, t, d->mtu, d->no_df, d->us, TRACE_PMTU_REMEMBERED,
                             "learned for this host before");
        else
                tcp_pmtu_set_mss(s, t);
}

void
tcp_pmtu_too_big(struct stack *s, struct tcb *t, const struct icmp_err *e)
{
        unsigned told = e->mtu ? e->mtu : tcp_pmtu_plateau(e->quoted_len);
        bool below = told < TCP_PMTU_MIN;
        unsigned mtu = below ? TCP_PMTU_MIN : told;
        char detail[80], from[IPV4_ADDR_STRLEN];

        /* RFC 1191 3: never raised by a Datagram Too Big; one whose quoted datagram was no
         * larger than the MTU it claims did not drop that datagram; and below the floor
         * only the first one counts (it turns DF off; the next change nothing). */
        if (told >= e->quoted_len || (mtu >= tcp_pmtu_current(s, t) && (!below || t->pmtu_no_df))) {
                stack_count(s, CNT_ICMP_ERR_IGNORED);
                return;
        }
        stack_count(s, CNT_TCP_PMTU_REDUCED);
        snprintf(detail, sizeof(detail), "fragmentation needed%s, from %s",
                 below ? " below 576: DF off" : "", ipv4_addr_str(e->from, from));
        tcp_pmtu_set(s, t, mtu, t->pmtu_no_df || below, s->now_us, TRACE_PMTU_TOO_BIG, detail);
        tcp_pmtu_remember(s, t);
        if (!tcp_state_synchronized(t->state) || t->snd_una == t->snd_max)
                return;
        /* RFC 1191 6.4: the segment was dropped; resend from SND.UNA at the new size now
         * rather than at the timeout. It is no sign of congestion: cwnd and ssthresh stay
         * (the whole flight may go again within cwnd, as Linux does, where 6.4 suggests one
         * segment until ACKs return). No RTT sample from resent data (Karn). */
        t->rtt_timing = false;
        tcp_tlp_reset(s, t);
        /* Leave loss recovery (go-back-N resends everything; cwnd as it is) and enter none
         * for this flight: its drops were the PTB's, not the network's load. */
        t->in_recovery = false;
        t->dupacks = 0;
        t->recover = t->snd_max;
        t->snd_nxt = t->snd_una;
        tcp_output(s, t);
        tcp_rexmt_arm(s, t);
}

void
tcp_pmtu_black_hole(struct stack *s, struct tcb *t)
{
        uint32_t flight = t->snd_max - t->snd_una;

        /* RFC 2923 2.1: only a connection whose resend is larger than the fallback can be
         * stuck on a path that drops big DF datagrams silently; not remembered for the
         * destination (an unreachable host is no small path). */
        if (t->pmtu_no_df || !tcp_state_synchronized(t->state) ||
            flight <= TCP_PMTU_BLACK_HOLE - 40 || t->snd_mss <= TCP_PMTU_BLACK_HOLE - 40)
                return;
        stack_count(s, CNT_TCP_PMTU_BLACK_HOLE);
        tcp_pmtu_set(s, t, TCP_PMTU_BLACK_HOLE, true, s->now_us, TRACE_PMTU_BLACK_HOLE,
                     "no ACK by R1, a black hole? DF off");
}

void
tcp_pmtu_age(struct stack *s, struct tcb *t)
{
        if (!t->pmtu || s->now_us - t->pmtu_us < TCP_PMTU_AGE_US)
                return;
        tcp_pmtu_set(s, t, 0, false, 0, TRACE_PMTU_AGED, "estimate aged out: DF on");
}

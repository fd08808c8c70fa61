/* Segment size: path MTU discovery for TCP (RFC 1191, RFC 9293 3.7.2 and SHLD-6) against
 * the fixture's scripted peer and a router that answers with ICMP "fragmentation needed and
 * DF set" (Datagram Too Big), and the effective send MSS with options (3.7.1, MUST-16). The
 * link MTU is 1500 and the peer's MSS 1460 (no timestamps). */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "stack/core/stack.h"
#include "stack/core/trace.h"
#include "stack/sock.h"
#include "stack/tcp/tcb.h"
#include "stack/wire/icmp.h"
#include "tests/common/tcp_fixture.h"

#define SEG 1460u
#define MINUTE_US 60000000ull

/* An established connection with n full segments sent; g gets the first of them. */
static struct tcb *
pm_open(struct tcpfx *fx, unsigned n, struct tcpfx_seg *g)
{
        static uint8_t data[8 * SEG];
        struct tcb *t;

        tcpfx_init(fx);
        fx->pwnd = 65535;
        t = tcpfx_open(fx, TCP_ESTABLISHED);
        t->cwnd = n * SEG;
        CU_ASSERT_FATAL(n <= 8);
        CU_ASSERT_EQUAL(sock_send(fx->s, fx->sd, data, n * SEG), (ssize_t)(n * SEG));
        CU_ASSERT_FATAL(tcpfx_take(fx, g));
        CU_ASSERT_EQUAL(g->len, SEG);
        CU_ASSERT_EQUAL(tcpfx_drain(fx), n - 1);
        return t;
}

/* A router's Datagram Too Big for g: next-hop MTU in the low 16 bits (RFC 1191 4). */
static void
pm_too_big(struct tcpfx *fx, const struct tcpfx_seg *g, uint16_t mtu)
{
        tcpfx_inject_icmp_error(fx, ICMP_DEST_UNREACH, ICMP_UNREACH_NEEDFRAG, mtu, g);
}

/* pm_open, then the router's Datagram Too Big (MTU mtu) for the first segment. */
static struct tcb *
pm_open_too_big(struct tcpfx *fx, unsigned n, struct tcpfx_seg *g, uint16_t mtu)
{
        struct tcb *t = pm_open(fx, n, g);

        pm_too_big(fx, g, mtu);
        return t;
}

/* The newest TRACE_PMTU event in the trace ring (one must be there). */
static const struct trace_event *
pm_last_event(const struct tcpfx *fx)
{
        const struct trace *tr = &fx->s->trace;

        for (unsigned i = tr->total; i-- > 0 && i + TRACE_RING_LEN >= tr->total;)
                if (tr->ring[i % TRACE_RING_LEN].kind == TRACE_PMTU)
                        return &tr->ring[i % TRACE_RING_LEN];
        CU_FAIL_FATAL("no TRACE_PMTU event");
        return NULL;
}

/* The last Datagram Too Big changed nothing: SND.MSS still mss, nothing resent, and
 * `reductions` in all. Ends the test. */
static void
pm_ignored_then_fini(struct tcpfx *fx, const struct tcb *t, uint16_t mss, unsigned reductions)
{
        CU_ASSERT_EQUAL(t->snd_mss, mss);
        CU_ASSERT_EQUAL(tcpfx_pending(fx), 0);
        CU_ASSERT_EQUAL(stack_counter_get(fx->s, "tcp.pmtu_reductions"), reductions);
        tcpfx_fini(fx);
}

/* Take every segment sent; return how many, checking each starts where the last ended (from
 * *seq on), is at most max octets and carries DF as df says. */
static unsigned
pm_take_all(struct tcpfx *fx, uint32_t *seq, uint32_t max, bool df)
{
        struct tcpfx_seg g;
        unsigned n = 0;

        while (tcpfx_take(fx, &g)) {
                if (!g.len)
                        continue;
                CU_ASSERT_EQUAL(g.h.seq, *seq);
                CU_ASSERT(g.len <= max);
                CU_ASSERT_EQUAL(g.ip.df, df);
                *seq += (uint32_t)g.len;
                n++;
        }
        return n;
}

/* RFC 1191 3: "the source host ... sends all datagrams on that path with the DF bit set"
 * (RFC 9293 3.7.2): data segments and pure ACKs alike. */
static void
rfc1191_3_tcp_segments_are_sent_with_df(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;

        pm_open(&fx, 1, &g);
        CU_ASSERT(g.ip.df);
        tcpfx_send_next(&fx, TCP_ACK | TCP_PSH, "hi", 2);
        tcpfx_advance(&fx, 500000); /* the delayed ACK */
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.len, 0);
        CU_ASSERT(g.ip.df);
        tcpfx_fini(&fx);
}

/* RFC 1191 5: "When a host receives a Datagram Too Big message, it MUST reduce its estimate
 * of the PMTU for the relevant path, based on the value of the Next-Hop MTU field"; 6.4: TCP
 * then sends no segment larger than the PMTU allows and resends what was dropped without
 * waiting for the timeout, and "the retransmission ... should not change the congestion
 * window". The whole flight goes again at the new size, within the unchanged cwnd. */
static void
rfc1191_5_datagram_too_big_lowers_the_mss_and_resends_at_once(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        struct tcb *t = pm_open(&fx, 3, &g);
        uint32_t cwnd = t->cwnd, ssthresh = t->ssthresh, seq = fx.iss + 1;

        pm_too_big(&fx, &g, 1280);
        CU_ASSERT_EQUAL(t->snd_mss, 1280 - 40);
        CU_ASSERT_EQUAL(pm_take_all(&fx, &seq, 1240, true), 4); /* 4,380 octets: 3 x 1240 + 660 */
        CU_ASSERT_EQUAL(seq, fx.iss + 1 + 3 * SEG);
        CU_ASSERT_EQUAL(t->cwnd, cwnd);
        CU_ASSERT_EQUAL(t->ssthresh, ssthresh);
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.pmtu_reductions"), 1);
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.rto_timeouts"), 0);
        CU_ASSERT_EQUAL(sock_error(fx.s, fx.sd), 0); /* no soft error either */
        tcpfx_fini(&fx);
}

/* RFC 1191 3: "A host MUST not increase its estimate of the Path MTU in response to the
 * contents of a Datagram Too Big message"; the other copies a flight draws (one per dropped
 * segment) report the same MTU and change nothing. */
static void
rfc1191_3_datagram_too_big_never_raises_the_estimate(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        struct tcb *t = pm_open_too_big(&fx, 3, &g, 1280);
        uint32_t seq = fx.iss + 1;

        pm_take_all(&fx, &seq, 1240, true);
        pm_too_big(&fx, &g, 1280);
        pm_too_big(&fx, &g, 1400);
        pm_ignored_then_fini(&fx, t, 1240, 1);
}

/* RFC 5927 4.1: the quoted sequence number must belong to data in flight, else the message
 * is a forgery (or stale) and is ignored; so is one that claims an MTU the quoted datagram
 * itself did not exceed. */
static void
rfc5927_4_1_datagram_too_big_for_data_not_in_flight_is_ignored(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g, forged;
        struct tcb *t = pm_open(&fx, 1, &g);

        forged = g;
        forged.raw[g.ip.hdr_len + 4] ^= 0x80; /* sequence number far outside the window */
        pm_too_big(&fx, &forged, 1280);
        pm_too_big(&fx, &g, 1500); /* the quoted datagram was 1500 octets: it fit */
        pm_ignored_then_fini(&fx, t, SEG, 0);
}

/* RFC 1191 5: a router that predates RFC 1191 leaves the Next-Hop MTU field zero; the host
 * then takes the largest plateau (7, table 7-1) below the quoted datagram's Total Length:
 * 1492 under 1500. */
static void
rfc1191_5_zero_next_hop_mtu_takes_the_plateau_below_the_quoted_length(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        struct tcb *t = pm_open_too_big(&fx, 1, &g, 0);

        CU_ASSERT_EQUAL(t->snd_mss, 1492 - 40);
        tcpfx_fini(&fx);
}

/* RFC 1191 3 ("MUST never reduce its estimate of the Path MTU below 68 octets") and RFC 5927
 * 7.2 (a forged tiny MTU would make us send many tiny segments): below 576 (the datagram
 * size every host accepts, RFC 791) we keep 576 and send without DF, so a router on a
 * smaller link fragments instead of dropping. */
static void
rfc1191_3_rfc5927_7_2_tiny_mtu_keeps_576_and_clears_df(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        struct tcb *t = pm_open_too_big(&fx, 1, &g, 296);
        uint32_t seq = fx.iss + 1;

        CU_ASSERT_EQUAL(t->snd_mss, 576 - 40);
        CU_ASSERT_EQUAL(pm_take_all(&fx, &seq, 536, false), 3); /* 1460 = 536 + 536 + 388 */
        pm_too_big(&fx, &g, 296); /* the copy for another dropped segment: nothing new */
        pm_ignored_then_fini(&fx, t, 576 - 40, 1);
}

/* RFC 1191 6.3: "a host should periodically ... increase its PMTU estimate"; the estimate
 * is dropped 10 minutes (the recommended interval) after it was lowered, and segments are
 * as large as the first hop and the peer's MSS allow again. */
static void
rfc1191_6_3_estimate_raised_again_after_ten_minutes(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        struct tcb *t = pm_open_too_big(&fx, 1, &g, 1280);
        static const uint8_t more[2 * SEG];
        uint32_t seq = fx.iss + 1;

        CU_ASSERT_EQUAL(pm_take_all(&fx, &seq, 1240, true), 2); /* 1460 = 1240 + 220 */
        tcpfx_send(&fx, TCP_ACK, fx.pseq, seq, NULL, 0, NULL);
        tcpfx_advance(&fx, 9 * MINUTE_US);
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, more, 1240), 1240);
        CU_ASSERT_EQUAL(pm_take_all(&fx, &seq, 1240, true), 1);
        tcpfx_send(&fx, TCP_ACK, fx.pseq, seq, NULL, 0, NULL);
        tcpfx_advance(&fx, 1 * MINUTE_US);
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, more, sizeof(more)), (ssize_t)sizeof(more));
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.len, SEG);
        CU_ASSERT(g.ip.df);
        CU_ASSERT_EQUAL(t->snd_mss, SEG);
        CU_ASSERT_EQUAL(pm_last_event(&fx)->why, TRACE_PMTU_AGED);
        CU_ASSERT_EQUAL(pm_last_event(&fx)->to, 1500);
        tcpfx_fini(&fx);
}

/* RFC 1191 5-6.2: the estimate belongs to the path ("the relevant path"), kept per
 * destination: a later connection to the same host starts from it instead of learning it
 * again from a dropped segment; once it has aged out (6.3), from the first hop's MTU. */
static void
rfc1191_6_2_next_connection_to_the_host_starts_from_the_estimate(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        struct tcb *t;
        static const uint8_t data[SEG];

        pm_open_too_big(&fx, 1, &g, 1280);
        tcpfx_drain(&fx);
        t = tcpfx_open(&fx, TCP_ESTABLISHED); /* a second connection to the same peer */
        CU_ASSERT_EQUAL(t->snd_mss, 1240);
        CU_ASSERT_EQUAL(pm_last_event(&fx)->why, TRACE_PMTU_REMEMBERED);
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, data, SEG), (ssize_t)SEG);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.len, 1240);
        CU_ASSERT(g.ip.df);
        tcpfx_advance(&fx, 10 * MINUTE_US);
        tcpfx_drain(&fx); /* the first two gave up meanwhile (R2) */
        t = tcpfx_open(&fx, TCP_ESTABLISHED);
        CU_ASSERT_EQUAL(t->snd_mss, SEG);
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.pmtu_reductions"), 1);
        tcpfx_fini(&fx);
}

/* RFC 2923 2.1 (black hole detection; RFC 4821 1): a router that drops our DF segments
 * without a Datagram Too Big reaching us (ICMP filtered) shows only as timeouts. At R1 a
 * connection still sending segments larger than 1280 octets (most tunnels' MTU) falls back
 * to 1280 without DF, so that a still smaller link fragments; before DF existed here, that
 * was every connection's behaviour. The fallback is the connection's own: a host that
 * merely stopped answering must not shrink the next connections to it. */
static void
rfc2923_2_1_black_hole_falls_back_to_1280_without_df_at_r1(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        struct tcb *t = pm_open(&fx, 1, &g);
        uint64_t rto = 1000000;

        for (unsigned i = 1; i < TCP_R1_TIMEOUTS; i++, rto *= 2) {
                tcpfx_advance(&fx, rto); /* timeouts before R1: the same segment, DF */
                CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
                CU_ASSERT_EQUAL(g.len, SEG);
                CU_ASSERT(g.ip.df);
        }
        tcpfx_advance(&fx, rto);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.len, 1240);
        CU_ASSERT(!g.ip.df);
        CU_ASSERT_EQUAL(t->snd_mss, 1240);
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "tcp.pmtu_black_holes"), 1);
        CU_ASSERT_EQUAL(pm_last_event(&fx)->why, TRACE_PMTU_BLACK_HOLE);
        tcpfx_drain(&fx);
        t = tcpfx_open(&fx, TCP_ESTABLISHED); /* a second connection to that host */
        CU_ASSERT_EQUAL(t->snd_mss, SEG);
        tcpfx_fini(&fx);
}

/* Watching TCP end to end: a change of the path MTU estimate is a trace event (the ring gdb
 * reads) and, with --trace, a line beside the state changes. */
static void
pmtu_change_is_a_trace_event_and_line(void)
{
        FILE *f = tmpfile();
        struct tcpfx fx;
        struct tcpfx_seg g;
        char text[16384], want[160];
        const struct trace_event *ev;
        static const uint8_t data[SEG];

        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        tcpfx_init_trace(&fx, f);
        tcpfx_open(&fx, TCP_ESTABLISHED);
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, data, SEG), (ssize_t)SEG);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        pm_too_big(&fx, &g, 1280);
        ev = pm_last_event(&fx);
        CU_ASSERT_EQUAL(ev->why, TRACE_PMTU_TOO_BIG);
        CU_ASSERT_EQUAL(ev->from, 1500);
        CU_ASSERT_EQUAL(ev->to, 1280);
        tcpfx_trace_text(f, text, sizeof(text));
        snprintf(want, sizeof(want),
                 "tcp 10.0.0.1:%u > 10.0.0.2:40000 path MTU 1500 -> 1280 (fragmentation needed, "
                 "from 10.0.0.254)\n",
                 fx.lport);
        CU_ASSERT_PTR_NOT_NULL(strstr(text, want));
        tcpfx_fini(&fx);
        fclose(f);
}

/* RFC 9293 3.7.1 (MUST-16): Eff.snd.MSS = min(SendMSS + 20, MMS_S) - TCPhdrsize, where the
 * TCP header size includes options. A resend in SACK recovery that carries a SACK block of
 * our own (we hold out-of-order data from the peer) has 12 octets less room than SMSS; sent
 * full, it would exceed the MTU (and, with DF, never leave). */
static void
rfc9293_3_7_1_resend_carrying_sack_blocks_fits_the_mss(void)
{
        struct tcpfx fx;
        struct tcpfx_seg g;
        struct tcp_opts o = {.n_sack = 1};
        static uint8_t data[6 * SEG];

        tcpfx_init(&fx);
        fx.syn_opts.sack_perm = true;
        fx.pwnd = 65535;
        tcpfx_open(&fx, TCP_ESTABLISHED)->cwnd = 6 * SEG;
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, data, sizeof(data)), (ssize_t)sizeof(data));
        CU_ASSERT_EQUAL(tcpfx_drain(&fx), 6);
        tcpfx_send(&fx, TCP_ACK, fx.pseq + 10, fx.iss + 1, data, 10, NULL); /* ahead of a hole */
        tcpfx_drain(&fx);
        o.sack[0].left = fx.iss + 1 + SEG; /* segments 1-4 arrived: 0 is lost (RFC 6675 4) */
        o.sack[0].right = fx.iss + 1 + 5 * SEG;
        tcpfx_send(&fx, TCP_ACK, fx.pseq, fx.iss + 1, NULL, 0, &o);
        CU_ASSERT_FATAL(tcpfx_take(&fx, &g));
        CU_ASSERT_EQUAL(g.h.seq, fx.iss + 1);
        CU_ASSERT_EQUAL(g.h.opts.n_sack, 1);
        CU_ASSERT_EQUAL(g.len, SEG - 12);
        CU_ASSERT(g.ip.total_len <= 1500);
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "ip.drop_df_too_big"), 0);
        CU_ASSERT_EQUAL(stack_counter_get(fx.s, "ip.fragments_sent"), 0);
        tcpfx_fini(&fx);
}

void suite_tcp_pmtu(void);

void
suite_tcp_pmtu(void)
{
        CU_pSuite su = CU_add_suite("tcp_pmtu", NULL, NULL);

        CU_add_test(su, "rfc1191_3_tcp_segments_are_sent_with_df",
                    rfc1191_3_tcp_segments_are_sent_with_df);
        CU_add_test(su, "rfc1191_5_datagram_too_big_lowers_the_mss_and_resends_at_once",
                    rfc1191_5_datagram_too_big_lowers_the_mss_and_resends_at_once);
        CU_add_test(su, "rfc1191_3_datagram_too_big_never_raises_the_estimate",
                    rfc1191_3_datagram_too_big_never_raises_the_estimate);
        CU_add_test(su, "rfc5927_4_1_datagram_too_big_for_data_not_in_flight_is_ignored",
                    rfc5927_4_1_datagram_too_big_for_data_not_in_flight_is_ignored);
        CU_add_test(su, "rfc1191_5_zero_next_hop_mtu_takes_the_plateau_below_the_quoted_length",
                    rfc1191_5_zero_next_hop_mtu_takes_the_plateau_below_the_quoted_length);
        CU_add_test(su, "rfc1191_3_rfc5927_7_2_tiny_mtu_keeps_576_and_clears_df",
                    rfc1191_3_rfc5927_7_2_tiny_mtu_keeps_576_and_clears_df);
        CU_add_test(su, "rfc1191_6_3_estimate_raised_again_after_ten_minutes",
                    rfc1191_6_3_estimate_raised_again_after_ten_minutes);
        CU_add_test(su, "rfc1191_6_2_next_connection_to_the_host_starts_from_the_estimate",
                    rfc1191_6_2_next_connection_to_the_host_starts_from_the_estimate);
        CU_add_test(su, "rfc2923_2_1_black_hole_falls_back_to_1280_without_df_at_r1",
                    rfc2923_2_1_black_hole_falls_back_to_1280_without_df_at_r1);
        CU_add_test(su, "pmtu_change_is_a_trace_event_and_line",
                    pmtu_change_is_a_trace_event_and_line);
        CU_add_test(su, "rfc9293_3_7_1_resend_carrying_sack_blocks_fits_the_mss",
                    rfc9293_3_7_1_resend_carrying_sack_blocks_fits_the_mss);
}

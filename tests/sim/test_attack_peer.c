/* Attacks by a malicious or vanishing TCP peer (issue 6 item 4), played through the TCP
 * fixture: tiny out-of-order segments with bogus SACK blocks (SegmentSmack, SACK Panic),
 * a window held at zero forever (RFC 9293 3.8.6.1), and peers that vanish in FIN-WAIT-2 or
 * LAST-ACK (RFC 9293 3.10.4, 3.8.3 R2): every one must cost bounded memory and time. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "stack/core/rand.h"
#include "stack/core/stack.h"
#include "stack/sock.h"
#include "stack/tcp/tcb.h"
#include "tests/common/tcp_fixture.h"

#define PEER_FLOOD_SEGS 50000          /* each with a lying duplicate ACK */
#define PEER_STREAM_LEN 65536u         /* what the peer finally sends in order */
#define PEER_FLOOD_CPU_MAX_S 20.0      /* 50,000 segments under ASan: far below, unless quadratic */
#define PEER_ZW_PROBES_PER_HOUR 80     /* persist backoff caps at one probe per RTO max (60 s) */
#define PEER_ORPHAN_MAX_US 1800000000u /* an orphaned connection is gone within 30 min */

static uint8_t
peer_byte(uint32_t off)
{
        return (uint8_t)((off * 40503u) >> 5);
}

static double
peer_cpu_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Up to four SACK blocks that lie: reversed, beyond SND.MAX, below SND.UNA, zero-length. */
static void
peer_bogus_sack(struct rng *g, const struct tcpfx *fx, struct tcp_opts *o)
{
        o->n_sack = (uint8_t)(1 + rng_below(g, TCP_MAX_SACK_BLOCKS));
        for (unsigned i = 0; i < o->n_sack; i++) {
                uint32_t base = fx->pack, l, r;
                switch (rng_below(g, 5)) {
                case 0: /* reversed */
                        l = base + 2000 + rng_below(g, 60000);
                        r = l - 1 - rng_below(g, 1000);
                        break;
                case 1: /* far beyond anything sent */
                        l = base + 0x40000000u + rng_below(g, 1000);
                        r = l + 1 + rng_below(g, 100000);
                        break;
                case 2: /* below SND.UNA */
                        r = base - rng_below(g, 100000);
                        l = r - 1 - rng_below(g, 5000);
                        break;
                case 3: /* zero length */
                        l = r = base + rng_below(g, 60000);
                        break;
                default: /* plausible single bytes: many tiny holes */
                        l = base + 1 + 2 * rng_below(g, 30000);
                        r = l + 1;
                        break;
                }
                o->sack[i].left = l;
                o->sack[i].right = r;
        }
}

/* SegmentSmack / SACK Panic: 50,000 one-byte islands carrying lying SACK blocks while we
 * have data in flight. Ranges, scoreboard and packet buffers stay bounded, CPU stays linear,
 * and afterwards both directions still work and the byte stream is exact. */
static void
attack_tiny_ooo_flood_and_bogus_sack_bounded(void)
{
        static uint8_t buf[PEER_STREAM_LEN];
        struct tcpfx fx;
        struct tcpfx_seg sg;
        struct tcb *t;
        struct rng g;
        uint32_t base;
        unsigned max_ooo = 0, max_sacked = 0, max_pkts = 0;
        ssize_t got = 0;
        bool bad = false;
        double cpu;

        tcpfx_init(&fx);
        fx.syn_opts.sack_perm = true;
        t = tcpfx_open(&fx, TCP_ESTABLISHED);
        CU_ASSERT_FATAL(t->sack_ok);
        rng_seed(&g, 3);
        for (uint32_t i = 0; i < sizeof(buf); i++)
                buf[i] = (uint8_t)i;
        CU_ASSERT(sock_send(fx.s, fx.sd, buf, 32768) == 32768); /* data in flight to SACK */
        base = fx.pseq;
        cpu = peer_cpu_s();
        for (unsigned i = 0; i < PEER_FLOOD_SEGS; i++) {
                uint32_t off = 1 + 2 * rng_below(&g, PEER_STREAM_LEN / 2 - 1);
                uint8_t b = peer_byte(off);
                struct tcp_opts o = {0};
                peer_bogus_sack(&g, &fx, &o);
                tcpfx_send(&fx, TCP_ACK, base + off, fx.pack, &b, 1, &o);
                /* Our stack reads SACK blocks from pure duplicate ACKs (RFC 6675 2). */
                tcpfx_send(&fx, TCP_ACK, base, fx.pack, NULL, 0, &o);
                tcpfx_drain(&fx);
                max_ooo = t->n_ooo > max_ooo ? t->n_ooo : max_ooo;
                max_sacked = t->n_sacked > max_sacked ? t->n_sacked : max_sacked;
                max_pkts = stack_pkts_in_use(fx.s) > max_pkts ? stack_pkts_in_use(fx.s) : max_pkts;
        }
        cpu = peer_cpu_s() - cpu;
        fprintf(stderr,
                "ooo/sack flood: %u segments in %.2f s CPU; max %u ranges, %u SACK blocks\n",
                PEER_FLOOD_SEGS, cpu, max_ooo, max_sacked);
        CU_ASSERT(max_ooo <= TCP_OOO_MAX);
        CU_ASSERT(max_sacked > 0 && max_sacked <= TCP_SACK_SCORE_MAX);
        CU_ASSERT_EQUAL(max_pkts, 0);
        CU_ASSERT(cpu < PEER_FLOOD_CPU_MAX_S);
        CU_ASSERT_EQUAL(t->state, TCP_ESTABLISHED);
        /* The peer now sends the real stream in order: what we read is exact. */
        for (uint32_t off = 0; off < PEER_STREAM_LEN; off += 1000) {
                uint8_t seg[1000];
                uint32_t n = PEER_STREAM_LEN - off < 1000 ? PEER_STREAM_LEN - off : 1000;
                for (uint32_t k = 0; k < n; k++)
                        seg[k] = peer_byte(off + k);
                tcpfx_send(&fx, TCP_ACK, base + off, fx.pack, seg, n, NULL);
                tcpfx_drain(&fx);
                for (ssize_t r; (r = sock_recv(fx.s, fx.sd, buf, sizeof(buf))) > 0; got += r)
                        for (ssize_t k = 0; k < r; k++)
                                bad |= buf[k] != peer_byte((uint32_t)(got + k));
        }
        CU_ASSERT_EQUAL(t->rcv_nxt, base + PEER_STREAM_LEN);
        CU_ASSERT_EQUAL(got, PEER_STREAM_LEN);
        CU_ASSERT_FALSE(bad);
        /* And our data is delivered once the peer acknowledges honestly what it gets. */
        for (int i = 0; i < 200 && t->snd_una != fx.pack + 32768; i++) {
                uint32_t ack = t->snd_una;
                tcpfx_advance(&fx, 200000);
                while (tcpfx_take(&fx, &sg)) {
                        CU_ASSERT_FALSE(sg.h.flags & TCP_RST);
                        if (sg.len > 0 && sg.h.seq == ack)
                                ack = sg.h.seq + (uint32_t)sg.len;
                }
                tcpfx_send(&fx, TCP_ACK, base + PEER_STREAM_LEN, ack, NULL, 0, NULL);
        }
        CU_ASSERT_EQUAL(t->snd_una, fx.pack + 32768);
        CU_ASSERT_EQUAL(stack_pkts_in_use(fx.s), 0);
        tcpfx_fini(&fx);
}

/* Answer every probe the stack sent with a zero-window ACK; returns how many there were. */
static unsigned
peer_answer_zero_window(struct tcpfx *fx)
{
        struct tcpfx_seg sg;
        unsigned n = 0;

        while (tcpfx_take(fx, &sg)) {
                if (sg.h.flags & TCP_RST)
                        continue; /* the connection was aborted: nothing left to answer */
                if (sg.len > 0 || (sg.h.flags & TCP_FIN))
                        n++;
                tcpfx_send(fx, TCP_ACK, fx->pseq, fx->pack, NULL, 0, NULL);
        }
        return n;
}

/* RFC 9293 3.8.6.1 / MUST-37: a peer may hold the window at zero forever while answering
 * probes; the connection lives, but costs only its fixed send buffer and a probe a minute.
 * Once the application has closed, nobody can read the outcome: the orphan must go. */
static void
attack_zero_window_forever_bounded_then_orphan_reaped(void)
{
        static uint8_t buf[1u << 20];
        struct tcpfx fx;
        struct tcb *t;
        ssize_t queued = 0, r;
        unsigned probes = 0;
        uint64_t closed_at;

        tcpfx_init(&fx);
        t = tcpfx_open(&fx, TCP_ESTABLISHED);
        fx.pwnd = 0;
        tcpfx_send(&fx, TCP_ACK, fx.pseq, fx.pack, NULL, 0, NULL);
        while ((r = sock_send(fx.s, fx.sd, buf, sizeof(buf))) > 0)
                queued += r;
        CU_ASSERT_EQUAL(r, -EAGAIN);
        CU_ASSERT(queued > 0 && (size_t)queued <= t->snd_buf);
        for (int i = 0; i < 360; i++) { /* one hour */
                tcpfx_advance(&fx, 10000000);
                probes += peer_answer_zero_window(&fx);
                CU_ASSERT_EQUAL(stack_pkts_in_use(fx.s), 0);
        }
        fprintf(stderr, "zero window: %zd bytes queued, %u probes in an hour\n", queued, probes);
        CU_ASSERT(probes > 0 && probes <= PEER_ZW_PROBES_PER_HOUR);
        CU_ASSERT_EQUAL(t->state, TCP_ESTABLISHED);
        CU_ASSERT_EQUAL(sock_send(fx.s, fx.sd, buf, 1), -EAGAIN);
        /* The application gives up; the peer keeps the window shut and answers probes. */
        CU_ASSERT_EQUAL(sock_close(fx.s, fx.sd), 0);
        fx.sd = -1;
        closed_at = fx.clock.now_us;
        while (tcpfx_tcb_count(&fx) > 0 && fx.clock.now_us - closed_at < 2 * PEER_ORPHAN_MAX_US) {
                tcpfx_advance(&fx, 10000000);
                peer_answer_zero_window(&fx);
        }
        fprintf(stderr, "zero window orphan: gone after %" PRIu64 " s\n",
                (fx.clock.now_us - closed_at) / 1000000);
        CU_ASSERT_EQUAL(tcpfx_tcb_count(&fx), 0);
        CU_ASSERT(fx.clock.now_us - closed_at <= PEER_ORPHAN_MAX_US);
        CU_ASSERT_EQUAL(stack_pkts_in_use(fx.s), 0);
        tcpfx_fini(&fx);
}

/* Advance in 1 s steps for at most max_us while the peer stays silent (or, with dup_acks,
 * answers each segment with an ACK that never covers our FIN). Returns segments sent. */
static unsigned
peer_silent(struct tcpfx *fx, uint64_t max_us, bool dup_acks)
{
        struct tcpfx_seg sg;
        uint64_t end = fx->clock.now_us + max_us;
        unsigned sent = 0;

        while (tcpfx_tcb_count(fx) > 0 && fx->clock.now_us < end) {
                tcpfx_advance(fx, 1000000);
                while (tcpfx_take(fx, &sg)) {
                        sent++;
                        if (dup_acks && !(sg.h.flags & TCP_RST))
                                tcpfx_send(fx, TCP_ACK, fx->pseq, sg.h.seq, NULL, 0, NULL);
                }
        }
        return sent;
}

/* RFC 9293 3.10.4: an orphan in FIN-WAIT-2 whose peer vanished must not live forever. */
static void
attack_peer_vanishes_in_fin_wait_2(void)
{
        struct tcpfx fx;
        unsigned sent;

        tcpfx_init(&fx);
        tcpfx_open(&fx, TCP_FIN_WAIT_2);
        CU_ASSERT_EQUAL(sock_close(fx.s, fx.sd), 0);
        fx.sd = -1;
        sent = peer_silent(&fx, PEER_ORPHAN_MAX_US, false);
        CU_ASSERT_EQUAL(tcpfx_tcb_count(&fx), 0);
        CU_ASSERT(sent <= 2);
        CU_ASSERT_EQUAL(stack_pkts_in_use(fx.s), 0);
        tcpfx_fini(&fx);
}

/* RFC 9293 3.8.3: in LAST-ACK the FIN is retransmitted until R2, then the TCB goes, both
 * when the peer is silent and when it acknowledges everything but the FIN. */
static void
attack_peer_vanishes_in_last_ack(void)
{
        for (int dup = 0; dup < 2; dup++) {
                struct tcpfx fx;
                unsigned sent;

                tcpfx_init(&fx);
                tcpfx_open(&fx, TCP_LAST_ACK);
                CU_ASSERT_EQUAL(sock_close(fx.s, fx.sd), 0);
                fx.sd = -1;
                sent = peer_silent(&fx, PEER_ORPHAN_MAX_US, dup == 1);
                fprintf(stderr, "LAST-ACK, peer %s: %u segments before the TCB went\n",
                        dup ? "acks all but the FIN" : "silent", sent);
                CU_ASSERT_EQUAL(tcpfx_tcb_count(&fx), 0);
                CU_ASSERT(sent >= 2 && sent <= 20);
                CU_ASSERT_EQUAL(stack_pkts_in_use(fx.s), 0);
                tcpfx_fini(&fx);
        }
}

void
suite_attack_peer(void)
{
        CU_pSuite su = CU_add_suite("attack_peer", NULL, NULL);

        CU_add_test(su, "attack_tiny_ooo_flood_and_bogus_sack_bounded",
                    attack_tiny_ooo_flood_and_bogus_sack_bounded);
        CU_add_test(su, "attack_zero_window_forever_bounded_then_orphan_reaped",
                    attack_zero_window_forever_bounded_then_orphan_reaped);
        CU_add_test(su, "attack_peer_vanishes_in_fin_wait_2", attack_peer_vanishes_in_fin_wait_2);
        CU_add_test(su, "attack_peer_vanishes_in_last_ack", attack_peer_vanishes_in_last_ack);
}

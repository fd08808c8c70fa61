/* The scripted SACK peer of the loss-recovery unit tests (sack_peer.h). */
#include "tests/unit/sack_peer.h"

#include <CUnit/CUnit.h>
#include <string.h>

#include "stack/core/stack.h"
#include "stack/sock.h"
#include "stack/tcp/tcb.h"

/* An established SACK connection with n full segments in flight (cwnd opened to n). */
struct tcb *
sr_open(struct tcpfx *fx, unsigned n, unsigned queued)
{
        static uint8_t data[40 * SEG];
        struct tcb *t;

        tcpfx_init(fx);
        fx->syn_opts.sack_perm = true;
        fx->pwnd = 65535;
        t = tcpfx_open(fx, TCP_ESTABLISHED);
        CU_ASSERT_FATAL(t->sack_ok);
        t->cwnd = n * SEG; /* as if grown by earlier rounds */
        CU_ASSERT_FATAL(n + queued <= 40);
        CU_ASSERT_EQUAL(sock_send(fx->s, fx->sd, data, (n + queued) * SEG),
                        (ssize_t)((n + queued) * SEG));
        CU_ASSERT_EQUAL(tcpfx_drain(fx), n);
        return t;
}

/* Sequence number of our segment i (0-based). */
uint32_t
sr_seq(const struct tcpfx *fx, unsigned i)
{
        return fx->iss + 1 + i * SEG;
}

/* The peer acknowledges up to segment `acked` (exclusive) and SACKs segments [l, r) of each
 * pair in blocks (nb pairs), optionally carrying len bytes of its own data. */
void
sr_ack(struct tcpfx *fx, unsigned acked, const unsigned (*blocks)[2], unsigned nb, size_t len)
{
        struct tcp_opts o = {0};
        static const uint8_t data[SEG];

        for (unsigned i = 0; i < nb; i++) {
                o.sack[i].left = sr_seq(fx, blocks[i][0]);
                o.sack[i].right = sr_seq(fx, blocks[i][1]);
        }
        o.n_sack = (uint8_t)nb;
        tcpfx_send(fx, TCP_ACK, fx->pseq, sr_seq(fx, acked), len ? data : NULL, len, &o);
        fx->pseq += (uint32_t)len;
}

/* Take the next segment and check where it starts and how long it is. */
void
sr_expect(struct tcpfx *fx, unsigned seg, uint32_t len)
{
        struct tcpfx_seg g;

        CU_ASSERT_FATAL(tcpfx_take(fx, &g));
        CU_ASSERT_EQUAL(g.h.seq, sr_seq(fx, seg));
        CU_ASSERT_EQUAL(g.len, len);
}

/* A SACK connection with an RTT sample: segment 0 is acknowledged rtt_us after it left
 * (SRTT = rtt_us, RTO 1 s, cwnd 4 segments). Then n more segments (1..n) go out, of
 * n + queued written. */
struct tcb *
sr_open_rtt(struct tcpfx *fx, uint32_t rtt_us, bool sack, unsigned n, unsigned queued)
{
        static uint8_t data[40 * SEG];
        struct tcb *t;

        tcpfx_init(fx);
        fx->syn_opts.sack_perm = sack;
        fx->pwnd = 65535;
        t = tcpfx_open(fx, TCP_ESTABLISHED);
        CU_ASSERT_EQUAL(sock_send(fx->s, fx->sd, data, SEG), (ssize_t)SEG);
        CU_ASSERT_EQUAL(tcpfx_drain(fx), 1);
        tcpfx_advance(fx, rtt_us);
        sr_ack(fx, 1, NULL, 0, 0);
        CU_ASSERT_EQUAL(t->srtt_us, rtt_us);
        CU_ASSERT_FATAL(n + queued <= 40);
        CU_ASSERT_EQUAL(sock_send(fx->s, fx->sd, data, (n + queued) * SEG),
                        (ssize_t)((n + queued) * SEG));
        CU_ASSERT_EQUAL(tcpfx_drain(fx), n);
        return t;
}

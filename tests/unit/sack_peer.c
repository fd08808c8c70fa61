/* The scripted SACK peer of the loss-recovery unit tests (sack_peer.h). */
#include "tests/unit/sack_peer.h"

#include <CUnit/CUnit.h>
#include <string.h>

#include "stack/core/stack.h"
#include "stack/sock.h"
#include "stack/tcp/tcb.h"

static uint8_t sr_data[40 * SEG];

/* An established connection (SACK permitted if sack) with the peer's window at 65535. */
static struct tcb *
sr_establish(struct tcpfx *fx, bool sack)
{
        tcpfx_init(fx);
        fx->syn_opts.sack_perm = sack;
        fx->pwnd = 65535;
        return tcpfx_open(fx, TCP_ESTABLISHED);
}

/* Write n + queued full segments; n of them leave. */
static void
sr_send(struct tcpfx *fx, unsigned n, unsigned queued)
{
        CU_ASSERT_FATAL(n + queued <= 40);
        CU_ASSERT_EQUAL(sock_send(fx->s, fx->sd, sr_data, (n + queued) * SEG),
                        (ssize_t)((n + queued) * SEG));
        CU_ASSERT_EQUAL(tcpfx_drain(fx), n);
}

/* An established SACK connection with n full segments in flight (cwnd opened to n). */
struct tcb *
sr_open(struct tcpfx *fx, unsigned n, unsigned queued)
{
        struct tcb *t = sr_establish(fx, true);

        CU_ASSERT_FATAL(t->sack_ok);
        t->cwnd = n * SEG; /* as if grown by earlier rounds */
        sr_send(fx, n, queued);
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
        struct tcb *t = sr_establish(fx, sack);

        sr_send(fx, 1, 0);
        tcpfx_advance(fx, rtt_us);
        sr_ack(fx, 1, NULL, 0, 0);
        CU_ASSERT_EQUAL(t->srtt_us, rtt_us);
        sr_send(fx, n, queued);
        return t;
}

/* Out-of-order reassembly (RFC 9293 3.10.7.4 seventh step, RFC 5681 4.2): bytes beyond
 * RCV.NXT are stored in the receive ring's free space at their final place and described by
 * a small sorted array of ranges (smoltcp's Assembler idea), so memory is bounded by the ring
 * and the bookkeeping by TCP_OOO_MAX, however many holes a peer makes. */
#include "stack/core/stack.h"
#include "stack/tcp/tcb.h"
#include "stack/tcp/tcp_seq.h"

static void
tcp_reass_remove(struct tcb *t, unsigned i)
{
        for (unsigned j = i; j + 1 < t->n_ooo; j++)
                t->ooo[j] = t->ooo[j + 1];
        t->n_ooo--;
}

/* Insert [left, right) into the sorted array, merging with every range it touches. */
static bool
tcp_reass_insert(struct tcb *t, uint32_t left, uint32_t right)
{
        unsigned i = 0;

        while (i < t->n_ooo && seq_lt(t->ooo[i].right, left))
                i++;
        if (i == t->n_ooo || seq_gt(t->ooo[i].left, right)) {
                /* A new range between i-1 and i. */
                if (t->n_ooo == TCP_OOO_MAX)
                        return false;
                for (unsigned j = t->n_ooo; j > i; j--)
                        t->ooo[j] = t->ooo[j - 1];
                t->ooo[i].left = left;
                t->ooo[i].right = right;
                t->n_ooo++;
                t->ooo_last = i;
                return true;
        }
        t->ooo[i].left = seq_min(t->ooo[i].left, left);
        t->ooo[i].right = seq_max(t->ooo[i].right, right);
        while (i + 1 < t->n_ooo && seq_geq(t->ooo[i].right, t->ooo[i + 1].left)) {
                t->ooo[i].right = seq_max(t->ooo[i].right, t->ooo[i + 1].right);
                tcp_reass_remove(t, i + 1);
        }
        t->ooo_last = i;
        return true;
}

bool
tcp_reass_add(struct stack *s, struct tcb *t, uint32_t seq, const uint8_t *data, uint32_t len)
{
        uint32_t off = seq - t->rcv_nxt;
        size_t n;

        stack_count(s, CNT_TCP_OOO_RX);
        if (!seq_gt(seq, t->rcv_nxt) || len == 0)
                return false;
        n = ring_write_at(&t->rcv, off, data, len);
        if (n == 0 || !tcp_reass_insert(t, seq, seq + (uint32_t)n)) {
                stack_count(s, CNT_TCP_OOO_DROP);
                return false;
        }
        return true;
}

uint32_t
tcp_reass_pull(struct tcb *t)
{
        uint32_t added = 0;

        while (t->n_ooo && seq_leq(t->ooo[0].left, t->rcv_nxt)) {
                if (seq_gt(t->ooo[0].right, t->rcv_nxt)) {
                        uint32_t n = t->ooo[0].right - t->rcv_nxt;
                        ring_commit(&t->rcv, n);
                        t->rcv_nxt += n;
                        added += n;
                }
                tcp_reass_remove(t, 0);
        }
        if (t->ooo_last >= t->n_ooo)
                t->ooo_last = 0;
        return added;
}

unsigned
tcp_reass_sack(const struct tcb *t, struct tcp_sack_block *out, unsigned max)
{
        unsigned n = 0;

        if (t->n_ooo == 0 || max == 0)
                return 0;
        /* RFC 2018 4: the first block reports the most recently received segment. */
        out[n].left = t->ooo[t->ooo_last].left;
        out[n].right = t->ooo[t->ooo_last].right;
        n++;
        for (unsigned i = 0; i < t->n_ooo && n < max; i++) {
                if (i == t->ooo_last)
                        continue;
                out[n].left = t->ooo[i].left;
                out[n].right = t->ooo[i].right;
                n++;
        }
        return n;
}

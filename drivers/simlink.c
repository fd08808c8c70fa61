/* In-memory link pair on a manual clock with seeded impairments, in the spirit of netem and
 * smoltcp's FaultInjector. Each direction keeps its frames sorted by delivery time. */
#include "drivers/simlink.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stack/core/rand.h"

#define SIMLINK_ETH_HDR 14
#define SIMLINK_DEFAULT_REORDER_US 1000u

struct sim_frame {
        struct sim_frame *next;
        uint64_t deliver_us;
        uint64_t seq; /* ties on deliver_us keep transmission order */
        size_t len;
        uint8_t data[];
};

struct sim_dir {
        struct sim_frame *head; /* sorted by (deliver_us, seq) */
        unsigned count;
        uint64_t busy_until_us; /* end of the last serialisation, for rate_bps */
        struct simlink_impair im;
        struct simlink_stats st;
};

struct sim_end {
        struct simlink *sl;
        enum simlink_end e;
};

struct simlink {
        struct manual_clock *clk;
        struct rng rng;
        uint64_t seq;
        struct sim_dir dir[2]; /* dir[e]: frames transmitted by end e */
        struct sim_end ends[2];
        simlink_filter_fn *filter;
        void *filter_ctx;
};

struct simlink *
simlink_create(struct manual_clock *clk, uint64_t seed)
{
        struct simlink *sl = calloc(1, sizeof(*sl));

        if (!sl)
                return NULL;
        sl->clk = clk;
        rng_seed(&sl->rng, seed);
        for (int i = 0; i < 2; i++) {
                sl->ends[i].sl = sl;
                sl->ends[i].e = (enum simlink_end)i;
        }
        return sl;
}

unsigned
simlink_flush(struct simlink *sl, enum simlink_end from)
{
        struct sim_dir *d = &sl->dir[from];
        unsigned n = 0;

        while (d->head) {
                struct sim_frame *f = d->head;
                d->head = f->next;
                free(f);
                n++;
        }
        d->count = 0;
        return n;
}

void
simlink_destroy(struct simlink *sl)
{
        if (!sl)
                return;
        simlink_flush(sl, SIMLINK_A);
        simlink_flush(sl, SIMLINK_B);
        free(sl);
}

void *
simlink_end_ctx(struct simlink *sl, enum simlink_end e)
{
        return &sl->ends[e];
}

void
simlink_set_impair(struct simlink *sl, enum simlink_end from, const struct simlink_impair *im)
{
        sl->dir[from].im = *im;
}

void
simlink_set_filter(struct simlink *sl, simlink_filter_fn *fn, void *ctx)
{
        sl->filter = fn;
        sl->filter_ctx = ctx;
}

static bool
chance(struct simlink *sl, uint32_t ppm)
{
        return ppm && rng_below(&sl->rng, SIMLINK_PPM) < ppm;
}

/* Queue a copy of frame for delivery at deliver_us; false when the queue is full or memory
 * ran out (counted as a queue drop either way). */
static bool
dir_enqueue(struct simlink *sl, struct sim_dir *d, const uint8_t *frame, size_t len,
            uint64_t deliver_us)
{
        unsigned cap = d->im.queue_len ? d->im.queue_len : SIMLINK_DEFAULT_QUEUE;
        struct sim_frame *f, **pp;

        if (d->count >= cap || !(f = malloc(sizeof(*f) + len))) {
                d->st.queue_drops++;
                return false;
        }
        memcpy(f->data, frame, len);
        f->len = len;
        f->deliver_us = deliver_us;
        f->seq = sl->seq++;
        pp = &d->head;
        while (*pp && (*pp)->deliver_us <= deliver_us)
                pp = &(*pp)->next;
        f->next = *pp;
        *pp = f;
        d->count++;
        return true;
}

/* When a frame of len bytes sent now arrives: serialisation, delay, jitter, reordering. */
static uint64_t
dir_arrival(struct simlink *sl, struct sim_dir *d, size_t len, bool first_copy)
{
        const struct simlink_impair *im = &d->im;
        uint64_t now = sl->clk->now_us, t = now;

        if (im->rate_bps && first_copy) {
                uint64_t start = d->busy_until_us > now ? d->busy_until_us : now;
                d->busy_until_us = start + (uint64_t)len * 8u * 1000000u / im->rate_bps;
                t = d->busy_until_us;
        } else if (im->rate_bps) {
                t = d->busy_until_us;
        }
        t += im->delay_us;
        if (im->jitter_us)
                t += rng_next(&sl->rng) % (im->jitter_us + 1);
        if (chance(sl, im->reorder_ppm)) {
                d->st.reordered++;
                t += im->reorder_us ? im->reorder_us : SIMLINK_DEFAULT_REORDER_US;
        }
        return t;
}

static void
corrupt(struct simlink *sl, uint8_t *frame, size_t len)
{
        size_t base = len > SIMLINK_ETH_HDR ? SIMLINK_ETH_HDR : 0;
        size_t at = base + rng_below(&sl->rng, (uint32_t)(len - base));

        frame[at] ^= (uint8_t)(1u << rng_below(&sl->rng, 8));
}

/* tx(): filter, then loss, corruption, duplication and timing, drawn in that order. */
static int
simlink_tx(void *ctx, const uint8_t *frame, size_t len)
{
        struct sim_end *end = ctx;
        struct simlink *sl = end->sl;
        struct sim_dir *d = &sl->dir[end->e];
        uint8_t *copy;
        bool dup;
        int rc = 0;

        d->st.tx++;
        if (len == 0)
                return -EINVAL;
        copy = malloc(len);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, frame, len);
        if (sl->filter && !sl->filter(sl->filter_ctx, end->e, copy, len)) {
                d->st.filtered++;
                goto out;
        }
        if (chance(sl, d->im.loss_ppm)) {
                d->st.lost++;
                goto out;
        }
        if (chance(sl, d->im.corrupt_ppm)) {
                d->st.corrupted++;
                corrupt(sl, copy, len);
        }
        dup = chance(sl, d->im.dup_ppm);
        /* A full queue is the one failure the sender sees (-EAGAIN, as link_ops says); a
         * frame lost on the wire was still accepted, as with a NIC. */
        if (!dir_enqueue(sl, d, copy, len, dir_arrival(sl, d, len, true)))
                rc = -EAGAIN;
        else if (dup && dir_enqueue(sl, d, copy, len, dir_arrival(sl, d, len, false)))
                d->st.duplicated++;
out:
        free(copy);
        return rc;
}

/* Pop the head of d into buf when due (or always when ignore_time). */
static int
dir_pop(struct simlink *sl, struct sim_dir *d, uint8_t *buf, size_t cap, bool ignore_time)
{
        struct sim_frame *f = d->head;
        int len;

        if (!f || (!ignore_time && f->deliver_us > sl->clk->now_us))
                return 0;
        d->head = f->next;
        d->count--;
        if (f->len > cap) {
                d->st.truncated++;
                free(f);
                return -EMSGSIZE;
        }
        memcpy(buf, f->data, f->len);
        len = (int)f->len;
        d->st.delivered++;
        free(f);
        return len;
}

static int
simlink_rx(void *ctx, uint8_t *buf, size_t cap)
{
        struct sim_end *end = ctx;
        struct simlink *sl = end->sl;

        return dir_pop(sl, &sl->dir[1 - end->e], buf, cap, false);
}

static int
simlink_fd(void *ctx)
{
        (void)ctx;
        return -1;
}

const struct link_ops simlink_ops = {
    .tx = simlink_tx,
    .rx = simlink_rx,
    .fd = simlink_fd,
};

uint64_t
simlink_next_delivery_us(const struct simlink *sl)
{
        uint64_t t = UINT64_MAX;

        for (int i = 0; i < 2; i++)
                if (sl->dir[i].head && sl->dir[i].head->deliver_us < t)
                        t = sl->dir[i].head->deliver_us;
        return t;
}

uint64_t
simlink_next_delivery_to_us(const struct simlink *sl, enum simlink_end to)
{
        const struct sim_dir *d = &sl->dir[1 - to];

        return d->head ? d->head->deliver_us : UINT64_MAX;
}

unsigned
simlink_pending(const struct simlink *sl, enum simlink_end from)
{
        return sl->dir[from].count;
}

const struct simlink_stats *
simlink_stats(const struct simlink *sl, enum simlink_end from)
{
        return &sl->dir[from].st;
}

int
simlink_inject(struct simlink *sl, enum simlink_end to, const void *frame, size_t len)
{
        struct sim_dir *d = &sl->dir[1 - to];

        if (len == 0)
                return -EMSGSIZE;
        if (!dir_enqueue(sl, d, frame, len, sl->clk->now_us))
                return d->count >= (d->im.queue_len ? d->im.queue_len : SIMLINK_DEFAULT_QUEUE)
                           ? -ENOBUFS
                           : -ENOMEM;
        return 0;
}

int
simlink_take(struct simlink *sl, enum simlink_end from, void *buf, size_t cap)
{
        return dir_pop(sl, &sl->dir[from], buf, cap, true);
}

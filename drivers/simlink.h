/* In-memory link pair for tests: what end A transmits, end B receives and vice versa, on a
 * manual clock, with seeded delay, loss, reordering, duplication and corruption per direction.
 * No fd (-1): a driver loop advances the clock to simlink_next_delivery_us() instead. */
#ifndef DRIVERS_SIMLINK_H
#define DRIVERS_SIMLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stack/core/clock.h"
#include "stack/stack.h"

struct simlink;

enum simlink_end { SIMLINK_A = 0, SIMLINK_B = 1 };

#define SIMLINK_DEFAULT_QUEUE 1024 /* frames in flight per direction */
#define SIMLINK_PPM 1000000u       /* probabilities are parts per million */

/* Impairments for frames transmitted by one end (one direction). All zero: a perfect,
 * zero-delay wire. Probabilities are in parts per million (200000 = 20%). */
struct simlink_impair {
        uint64_t delay_us;    /* fixed one-way delay */
        uint64_t jitter_us;   /* plus a uniform extra delay in [0, jitter_us]; may reorder */
        uint64_t rate_bps;    /* serialisation rate in bits/s; 0: infinite */
        uint32_t loss_ppm;    /* frame silently lost */
        uint32_t dup_ppm;     /* frame delivered twice (the copy draws its own jitter) */
        uint32_t reorder_ppm; /* frame held back by reorder_us so later frames overtake it */
        uint64_t reorder_us;  /* 0: 1000 us */
        uint32_t corrupt_ppm; /* one random bit flipped past the 14-byte Ethernet header, as
                               * if the FCS missed it: IPv4/ICMP/UDP/TCP checksums must catch it */
        unsigned queue_len;   /* bound on frames in flight; 0: SIMLINK_DEFAULT_QUEUE */
};

/* What happened to the frames one end transmitted. */
struct simlink_stats {
        uint64_t tx;          /* frames handed to tx() */
        uint64_t delivered;   /* frames read by the other end's rx() or by simlink_take() */
        uint64_t lost;        /* dropped by loss_ppm */
        uint64_t filtered;    /* dropped by the filter callback */
        uint64_t duplicated;  /* extra copies made */
        uint64_t reordered;   /* frames held back */
        uint64_t corrupted;   /* frames with a bit flipped */
        uint64_t queue_drops; /* dropped because the direction's queue was full (tx() then
                               * returns -EAGAIN; every other fate returns 0) */
        uint64_t truncated;   /* dropped because the reader's buffer was too small */
};

/* Called for every frame an end transmits, before impairments. It may rewrite bytes in place
 * (not the length). Return true to pass the frame on, false to drop it (counted as filtered). */
typedef bool simlink_filter_fn(void *ctx, enum simlink_end from, uint8_t *frame, size_t len);

/* The link_ops shared by both ends; pass simlink_end_ctx() as the ctx. fd() returns -1. */
extern const struct link_ops simlink_ops;

/* A link pair reading time from clk (not owned; must outlive the link). seed drives every
 * random choice (0: random). NULL on allocation failure. */
struct simlink *simlink_create(struct manual_clock *clk, uint64_t seed);
/* Frees the link and every frame still in flight. */
void simlink_destroy(struct simlink *sl);
/* The ctx to give stack_iface_add() together with &simlink_ops for end e. */
void *simlink_end_ctx(struct simlink *sl, enum simlink_end e);
/* Set impairments for frames transmitted by end from (copied). */
void simlink_set_impair(struct simlink *sl, enum simlink_end from, const struct simlink_impair *im);
/* Install (or with fn NULL remove) a filter on both directions. */
void simlink_set_filter(struct simlink *sl, simlink_filter_fn *fn, void *ctx);
/* Earliest time at which a queued frame becomes readable, UINT64_MAX when none is queued. */
uint64_t simlink_next_delivery_us(const struct simlink *sl);
/* The same, only for frames travelling towards end to. */
uint64_t simlink_next_delivery_to_us(const struct simlink *sl, enum simlink_end to);
/* Frames queued for delivery from end from (readable now or later). */
unsigned simlink_pending(const struct simlink *sl, enum simlink_end from);
const struct simlink_stats *simlink_stats(const struct simlink *sl, enum simlink_end from);

/* Acting as the far end in unit tests (lwIP tcp_helper style): attach a stack to one end and
 * leave the other end unattached. */
/* Queue a crafted frame for end to's rx(), readable at once, bypassing impairments and the
 * filter. Returns 0, -EMSGSIZE for len 0, -ENOBUFS when the queue is full, or -ENOMEM. */
int simlink_inject(struct simlink *sl, enum simlink_end to, const void *frame, size_t len);
/* Remove the oldest frame end from transmitted (in delivery order, ignoring the time it
 * becomes due) into buf. Returns its length, 0 when none is queued, -EMSGSIZE when cap is
 * short (the frame is then dropped and counted as truncated). */
int simlink_take(struct simlink *sl, enum simlink_end from, void *buf, size_t cap);
/* Drop every frame queued from end from (not counted as delivered). Returns how many. */
unsigned simlink_flush(struct simlink *sl, enum simlink_end from);

#endif

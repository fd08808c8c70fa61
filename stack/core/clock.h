/* Injected monotonic clock (ARCHITECTURE.md: nothing else reads the time).
 * A real monotonic clock for apps and a manual clock for tests. */
#ifndef STACK_CORE_CLOCK_H
#define STACK_CORE_CLOCK_H

#include <stdint.h>

typedef uint64_t clock_now_fn(void *ctx);

struct clock {
        clock_now_fn *now_us; /* monotonic microseconds */
        void *ctx;
};

/* A manual clock: tests set or advance now_us by hand. */
struct manual_clock {
        uint64_t now_us;
};

struct clock clock_monotonic(void);
struct clock clock_manual(struct manual_clock *mc);
/* Wall-clock microseconds since the epoch, for pcap timestamps and ping output only. */
uint64_t clock_wall_us(void);

static inline uint64_t
clock_now_us(const struct clock *c)
{
        return c->now_us(c->ctx);
}

#endif

/* The only place that reads the system clocks. */
#include "stack/core/clock.h"

#include <time.h>

static uint64_t
monotonic_now(void *ctx)
{
        struct timespec ts;
        (void)ctx;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t
manual_now(void *ctx)
{
        return ((struct manual_clock *)ctx)->now_us;
}

struct clock
clock_monotonic(void)
{
        return (struct clock){.now_us = monotonic_now, .ctx = 0};
}

struct clock
clock_manual(struct manual_clock *mc)
{
        return (struct clock){.now_us = manual_now, .ctx = mc};
}

uint64_t
clock_wall_us(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Intrusive deadline timers, embedded in their owner (TCB, ARP entry, query).
 * They fire only from stack_poll(). A pairing heap keeps the next deadline at the head:
 * arm and cancel stay cheap with thousands of TIME-WAIT timers (a sorted list made
 * timer_arm the top symbol under connection churn). Equal deadlines fire in arming order. */
#ifndef STACK_CORE_TIMER_H
#define STACK_CORE_TIMER_H

#include <stdbool.h>
#include <stdint.h>

struct stack;
struct timer;
typedef void timer_fire_fn(struct stack *s, struct timer *t);

struct timer {
        uint64_t deadline_us;
        uint64_t seq; /* arming order, breaks ties between equal deadlines */
        timer_fire_fn *fire;
        /* Heap links: first child, next sibling, and prev = left sibling or, for a first
         * child, the parent. */
        struct timer *child, *next, *prev;
        bool armed;
};

struct timer_list {
        struct timer *head; /* the earliest timer, NULL when none is armed */
        uint64_t seq;
};

void timer_init(struct timer *t, timer_fire_fn *fire);
/* Arm (or re-arm) t to fire at deadline_us. */
void timer_arm(struct timer_list *tl, struct timer *t, uint64_t deadline_us);
void timer_cancel(struct timer_list *tl, struct timer *t);
static inline bool
timer_is_armed(const struct timer *t)
{
        return t->armed;
}
/* Fire every timer whose deadline is <= now_us; a fired timer is disarmed first. */
void timer_run_expired(struct stack *s, struct timer_list *tl, uint64_t now_us);
/* Earliest deadline, or UINT64_MAX when nothing is armed. */
uint64_t timer_next_deadline(const struct timer_list *tl);

#endif

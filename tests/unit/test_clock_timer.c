/* Injected clocks and intrusive deadline timers (stack/core/clock.c, timer.c): the base every
 * sim test and every TCP timer (RFC 6298, RFC 9293 3.8) stands on. */
#include <CUnit/CUnit.h>
#include <stddef.h>
#include <string.h>

#include "stack/core/clock.h"
#include "stack/core/timer.h"

#define MAX_FIRES 16

/* Records the order in which probes fire; lives on the test's stack (no globals). */
struct fire_log {
        int ids[MAX_FIRES];
        int n;
};

struct probe {
        struct timer t;
        int id;
        struct fire_log *log;
        struct timer_list *tl;
        uint64_t period_us; /* re-arm this far after its own deadline when non-zero */
        int rearms_left;
        struct probe *victim; /* cancelled when this probe fires */
        struct probe *chain;  /* armed (due now) when this probe fires */
};

static struct probe *
probe_of(struct timer *t)
{
        return (struct probe *)((char *)t - offsetof(struct probe, t));
}

static void
probe_fire(struct stack *s, struct timer *t)
{
        struct probe *p = probe_of(t);

        (void)s;
        CU_ASSERT_FALSE(timer_is_armed(t)); /* disarmed before it fires */
        if (p->log->n < MAX_FIRES)
                p->log->ids[p->log->n++] = p->id;
        if (p->victim)
                timer_cancel(p->tl, &p->victim->t);
        if (p->chain)
                timer_arm(p->tl, &p->chain->t, t->deadline_us);
        if (p->period_us && p->rearms_left-- > 0)
                timer_arm(p->tl, t, t->deadline_us + p->period_us);
}

static void
probe_init(struct probe *p, int id, struct fire_log *log, struct timer_list *tl)
{
        memset(p, 0, sizeof(*p));
        timer_init(&p->t, probe_fire);
        p->id = id;
        p->log = log;
        p->tl = tl;
}

static void
manual_clock_reads_what_the_test_sets(void)
{
        struct manual_clock mc = {.now_us = 1000};
        struct clock c = clock_manual(&mc);

        CU_ASSERT_EQUAL(clock_now_us(&c), 1000);
        mc.now_us += 2500;
        CU_ASSERT_EQUAL(clock_now_us(&c), 3500);
}

static void
monotonic_clock_never_goes_back(void)
{
        struct clock c = clock_monotonic();
        uint64_t prev = clock_now_us(&c);

        CU_ASSERT(prev > 0);
        for (int i = 0; i < 1000; i++) {
                uint64_t now = clock_now_us(&c);
                CU_ASSERT_FATAL(now >= prev);
                prev = now;
        }
}

/* Armed out of order, timers fire in deadline order, equal deadlines in arming order, and
 * only once their deadline has been reached. */
static void
timers_fire_in_deadline_order_only_when_due(void)
{
        struct manual_clock mc = {.now_us = 1000};
        struct clock c = clock_manual(&mc);
        struct timer_list tl = {0};
        struct fire_log log = {0};
        struct probe p[5];
        const uint64_t when[5] = {5000, 2000, 9000, 2000, 7000};

        for (int i = 0; i < 5; i++) {
                probe_init(&p[i], i, &log, &tl);
                timer_arm(&tl, &p[i].t, when[i]);
                CU_ASSERT_TRUE(timer_is_armed(&p[i].t));
        }
        CU_ASSERT_EQUAL(timer_next_deadline(&tl), 2000);
        timer_run_expired(NULL, &tl, clock_now_us(&c));
        CU_ASSERT_EQUAL(log.n, 0);
        mc.now_us = 1999;
        timer_run_expired(NULL, &tl, clock_now_us(&c));
        CU_ASSERT_EQUAL(log.n, 0);
        mc.now_us = 2000;
        timer_run_expired(NULL, &tl, clock_now_us(&c));
        CU_ASSERT_EQUAL_FATAL(log.n, 2);
        CU_ASSERT_EQUAL(log.ids[0], 1);
        CU_ASSERT_EQUAL(log.ids[1], 3);
        CU_ASSERT_EQUAL(timer_next_deadline(&tl), 5000);
        mc.now_us = 100000;
        timer_run_expired(NULL, &tl, clock_now_us(&c));
        CU_ASSERT_EQUAL_FATAL(log.n, 5);
        CU_ASSERT_EQUAL(log.ids[2], 0);
        CU_ASSERT_EQUAL(log.ids[3], 4);
        CU_ASSERT_EQUAL(log.ids[4], 2);
        CU_ASSERT_EQUAL(timer_next_deadline(&tl), UINT64_MAX);
        for (int i = 0; i < 5; i++)
                CU_ASSERT_FALSE(timer_is_armed(&p[i].t));
}

/* Cancelling the head, the middle, the tail, or an unarmed timer leaves the rest intact. */
static void
cancel_removes_only_that_timer(void)
{
        struct timer_list tl = {0};
        struct fire_log log = {0};
        struct probe p[4];

        for (int i = 0; i < 4; i++) {
                probe_init(&p[i], i, &log, &tl);
                timer_arm(&tl, &p[i].t, 1000u * (uint64_t)(i + 1));
        }
        timer_cancel(&tl, &p[0].t); /* head */
        CU_ASSERT_FALSE(timer_is_armed(&p[0].t));
        CU_ASSERT_EQUAL(timer_next_deadline(&tl), 2000);
        timer_cancel(&tl, &p[2].t); /* middle */
        timer_cancel(&tl, &p[3].t); /* tail */
        timer_cancel(&tl, &p[3].t); /* already cancelled: no-op */
        timer_run_expired(NULL, &tl, 10000);
        CU_ASSERT_EQUAL_FATAL(log.n, 1);
        CU_ASSERT_EQUAL(log.ids[0], 1);
        CU_ASSERT_EQUAL(timer_next_deadline(&tl), UINT64_MAX);
        CU_ASSERT_PTR_NULL(tl.head);
}

/* Re-arming an armed timer moves it; it is never in the list twice. */
static void
rearm_moves_the_deadline(void)
{
        struct timer_list tl = {0};
        struct fire_log log = {0};
        struct probe a, b;

        probe_init(&a, 1, &log, &tl);
        probe_init(&b, 2, &log, &tl);
        timer_arm(&tl, &a.t, 1000);
        timer_arm(&tl, &b.t, 2000);
        timer_arm(&tl, &a.t, 3000); /* later */
        CU_ASSERT_EQUAL(timer_next_deadline(&tl), 2000);
        timer_arm(&tl, &a.t, 500); /* earlier again */
        CU_ASSERT_EQUAL(timer_next_deadline(&tl), 500);
        timer_run_expired(NULL, &tl, 5000);
        CU_ASSERT_EQUAL_FATAL(log.n, 2);
        CU_ASSERT_EQUAL(log.ids[0], 1);
        CU_ASSERT_EQUAL(log.ids[1], 2);
}

/* A callback that re-arms itself one period after its deadline (a retransmission or
 * keepalive timer) fires once per elapsed period, catching up within one run. */
static void
run_expired_fires_a_callback_that_rearms_itself(void)
{
        struct timer_list tl = {0};
        struct fire_log log = {0};
        struct probe p;

        probe_init(&p, 7, &log, &tl);
        p.period_us = 1000;
        p.rearms_left = 100;
        timer_arm(&tl, &p.t, 1000);
        timer_run_expired(NULL, &tl, 1500);
        CU_ASSERT_EQUAL(log.n, 1);
        CU_ASSERT_TRUE(timer_is_armed(&p.t));
        CU_ASSERT_EQUAL(timer_next_deadline(&tl), 2000);
        timer_run_expired(NULL, &tl, 4000); /* 2000, 3000, 4000 */
        CU_ASSERT_EQUAL(log.n, 4);
        CU_ASSERT_EQUAL(timer_next_deadline(&tl), 5000);
        p.rearms_left = 0; /* last firing does not re-arm */
        timer_run_expired(NULL, &tl, 5000);
        CU_ASSERT_EQUAL(log.n, 5);
        CU_ASSERT_FALSE(timer_is_armed(&p.t));
}

/* A callback may cancel another due timer (which then does not fire) or arm one that is
 * already due (which fires in the same run). */
static void
callbacks_may_cancel_and_arm_other_timers(void)
{
        struct timer_list tl = {0};
        struct fire_log log = {0};
        struct probe a, b, c, d;

        probe_init(&a, 1, &log, &tl);
        probe_init(&b, 2, &log, &tl);
        probe_init(&c, 3, &log, &tl);
        probe_init(&d, 4, &log, &tl);
        a.victim = &b;
        a.chain = &d;
        timer_arm(&tl, &a.t, 100);
        timer_arm(&tl, &b.t, 200);
        timer_arm(&tl, &c.t, 300);
        timer_run_expired(NULL, &tl, 1000);
        CU_ASSERT_EQUAL_FATAL(log.n, 3);
        CU_ASSERT_EQUAL(log.ids[0], 1);
        CU_ASSERT_EQUAL(log.ids[1], 4); /* armed at 100 by a */
        CU_ASSERT_EQUAL(log.ids[2], 3);
        CU_ASSERT_FALSE(timer_is_armed(&b.t));
        CU_ASSERT_EQUAL(timer_next_deadline(&tl), UINT64_MAX);
}

void
suite_clock_timer(void)
{
        CU_pSuite su = CU_add_suite("clock_timer", NULL, NULL);
        CU_add_test(su, "manual_clock_reads_what_the_test_sets",
                    manual_clock_reads_what_the_test_sets);
        CU_add_test(su, "monotonic_clock_never_goes_back", monotonic_clock_never_goes_back);
        CU_add_test(su, "timers_fire_in_deadline_order_only_when_due",
                    timers_fire_in_deadline_order_only_when_due);
        CU_add_test(su, "cancel_removes_only_that_timer", cancel_removes_only_that_timer);
        CU_add_test(su, "rearm_moves_the_deadline", rearm_moves_the_deadline);
        CU_add_test(su, "run_expired_fires_a_callback_that_rearms_itself",
                    run_expired_fires_a_callback_that_rearms_itself);
        CU_add_test(su, "callbacks_may_cancel_and_arm_other_timers",
                    callbacks_may_cancel_and_arm_other_timers);
}

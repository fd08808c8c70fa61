/* Manual clock and timers: the base every sim test stands on. */
#include <CUnit/CUnit.h>

#include "stack/core/clock.h"
#include "stack/core/timer.h"

static int fired;

static void
count_fire(struct stack *s, struct timer *t)
{
	(void)s;
	(void)t;
	fired++;
}

static void
timers_fire_in_deadline_order_only_when_due(void)
{
	struct manual_clock mc = {.now_us = 1000};
	struct clock c = clock_manual(&mc);
	struct timer_list tl = {0};
	struct timer a, b;

	timer_init(&a, count_fire);
	timer_init(&b, count_fire);
	timer_arm(&tl, &a, 5000);
	timer_arm(&tl, &b, 2000);
	CU_ASSERT_EQUAL(timer_next_deadline(&tl), 2000);
	fired = 0;
	timer_run_expired(NULL, &tl, clock_now_us(&c));
	CU_ASSERT_EQUAL(fired, 0);
	mc.now_us = 2000;
	timer_run_expired(NULL, &tl, clock_now_us(&c));
	CU_ASSERT_EQUAL(fired, 1);
	CU_ASSERT_FALSE(timer_is_armed(&b));
	timer_cancel(&tl, &a);
	mc.now_us = 9000;
	timer_run_expired(NULL, &tl, clock_now_us(&c));
	CU_ASSERT_EQUAL(fired, 1);
	CU_ASSERT_EQUAL(timer_next_deadline(&tl), UINT64_MAX);
}

void
suite_timer(void)
{
	CU_pSuite su = CU_add_suite("timer", NULL, NULL);
	CU_add_test(su, "timers_fire_in_deadline_order_only_when_due",
		    timers_fire_in_deadline_order_only_when_due);
}

/* Sorted doubly linked list of armed timers; see timer.h. */
#include "stack/core/timer.h"

#include <stddef.h>

void
timer_init(struct timer *t, timer_fire_fn *fire)
{
	t->deadline_us = 0;
	t->fire = fire;
	t->prev = t->next = NULL;
	t->armed = false;
}

void
timer_cancel(struct timer_list *tl, struct timer *t)
{
	if (!t->armed)
		return;
	if (t->prev)
		t->prev->next = t->next;
	else
		tl->head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	t->prev = t->next = NULL;
	t->armed = false;
}

void
timer_arm(struct timer_list *tl, struct timer *t, uint64_t deadline_us)
{
	struct timer *at, *before = NULL;

	timer_cancel(tl, t);
	t->deadline_us = deadline_us;
	for (at = tl->head; at && at->deadline_us <= deadline_us; at = at->next)
		before = at;
	t->prev = before;
	t->next = at;
	if (before)
		before->next = t;
	else
		tl->head = t;
	if (at)
		at->prev = t;
	t->armed = true;
}

void
timer_run_expired(struct stack *s, struct timer_list *tl, uint64_t now_us)
{
	struct timer *t;

	while ((t = tl->head) && t->deadline_us <= now_us) {
		timer_cancel(tl, t);
		t->fire(s, t);
	}
}

uint64_t
timer_next_deadline(const struct timer_list *tl)
{
	return tl->head ? tl->head->deadline_us : UINT64_MAX;
}

/* Pairing heap of armed timers (Fredman, Sedgewick, Sleator, Tarjan 1986); see timer.h. */
#include "stack/core/timer.h"

#include <stddef.h>

void
timer_init(struct timer *t, timer_fire_fn *fire)
{
        t->deadline_us = 0;
        t->seq = 0;
        t->fire = fire;
        t->child = t->next = t->prev = NULL;
        t->armed = false;
}

static bool
fires_before(const struct timer *a, const struct timer *b)
{
        return a->deadline_us < b->deadline_us ||
               (a->deadline_us == b->deadline_us && a->seq < b->seq);
}

/* Meld two detached heaps: the later root becomes the first child of the earlier one. */
static struct timer *
heap_link(struct timer *a, struct timer *b)
{
        struct timer *tmp;

        if (!a)
                return b;
        if (!b)
                return a;
        if (fires_before(b, a)) {
                tmp = a;
                a = b;
                b = tmp;
        }
        b->next = a->child;
        if (a->child)
                a->child->prev = b;
        b->prev = a;
        a->child = b;
        a->next = a->prev = NULL;
        return a;
}

/* Two-pass pairing of a sibling list into one heap: pair left to right, then meld the
 * pairs right to left (what keeps delete-min O(log n) amortised). */
static struct timer *
heap_merge_pairs(struct timer *first)
{
        struct timer *pairs = NULL, *root = NULL;

        while (first) {
                struct timer *a = first, *b = a->next, *r;

                first = b ? b->next : NULL;
                a->next = a->prev = NULL;
                if (b)
                        b->next = b->prev = NULL;
                r = heap_link(a, b);
                r->next = pairs; /* a stack of pairs, rightmost on top */
                pairs = r;
        }
        while (pairs) {
                struct timer *n = pairs->next;

                pairs->next = NULL;
                root = heap_link(root, pairs);
                pairs = n;
        }
        return root;
}

void
timer_cancel(struct timer_list *tl, struct timer *t)
{
        struct timer *sub;

        if (!t->armed)
                return;
        sub = heap_merge_pairs(t->child);
        if (t == tl->head) {
                tl->head = sub;
        } else {
                if (t->prev->child == t) /* first child: prev is the parent */
                        t->prev->child = t->next;
                else
                        t->prev->next = t->next;
                if (t->next)
                        t->next->prev = t->prev;
                tl->head = heap_link(tl->head, sub);
        }
        t->child = t->next = t->prev = NULL;
        t->armed = false;
}

void
timer_arm(struct timer_list *tl, struct timer *t, uint64_t deadline_us)
{
        timer_cancel(tl, t);
        t->deadline_us = deadline_us;
        t->seq = ++tl->seq;
        t->child = t->next = t->prev = NULL;
        t->armed = true;
        tl->head = heap_link(tl->head, t);
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

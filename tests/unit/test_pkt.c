/* Packet buffers: window arithmetic (push/pull/put/trim), the per-stack pool bound, reuse
 * through the free list and one-off buffers for oversized requests. */
#include <CUnit/CUnit.h>
#include <string.h>

#include "stack/core/stack.h"

static struct stack *
small_stack(unsigned max_pkts)
{
        static struct manual_clock mc = {.now_us = 1};
        struct stack_config cfg = {.clock = clock_manual(&mc), .seed = 1, .max_pkts = max_pkts};
        struct stack *s = stack_create(&cfg);

        CU_ASSERT_FATAL(s != NULL);
        return s;
}

static void
pkt_window_push_pull_put_trim(void)
{
        struct stack *s = small_stack(8);
        struct pkt *p = pkt_alloc(s, 32, 100);
        uint8_t *d;

        CU_ASSERT_FATAL(p != NULL);
        CU_ASSERT_EQUAL(p->len, 0);
        CU_ASSERT_EQUAL(pkt_headroom(p), 32);
        CU_ASSERT(pkt_tailroom(p) >= 100);
        d = pkt_put(p, 10);
        CU_ASSERT_PTR_EQUAL(d, p->data);
        memset(d, 0xab, 10);
        CU_ASSERT_EQUAL(p->len, 10);
        d = pkt_push(p, 14);
        CU_ASSERT_PTR_EQUAL(d, p->data);
        CU_ASSERT_EQUAL(p->len, 24);
        CU_ASSERT_EQUAL(pkt_headroom(p), 18);
        CU_ASSERT_PTR_NULL(pkt_push(p, 19)); /* more than the headroom: refused, unchanged */
        CU_ASSERT_EQUAL(p->len, 24);
        CU_ASSERT_PTR_NOT_NULL(pkt_pull(p, 14));
        CU_ASSERT_EQUAL(p->data[0], 0xab);
        CU_ASSERT_PTR_NULL(pkt_pull(p, 11)); /* more than len: refused, unchanged */
        CU_ASSERT_EQUAL(p->len, 10);
        pkt_trim(p, 4);
        CU_ASSERT_EQUAL(p->len, 4);
        pkt_trim(p, 40); /* never grows */
        CU_ASSERT_EQUAL(p->len, 4);
        CU_ASSERT_PTR_NULL(pkt_put(p, pkt_tailroom(p) + 1));
        CU_ASSERT_PTR_NOT_NULL(pkt_put(p, pkt_tailroom(p)));
        CU_ASSERT_EQUAL(pkt_tailroom(p), 0);
        pkt_free(s, p);
        CU_ASSERT_EQUAL(stack_pkts_in_use(s), 0);
        stack_destroy(s);
}

static void
pkt_pool_bound_enforced_and_counted(void)
{
        struct stack *s = small_stack(3);
        struct pkt *p[4];

        for (int i = 0; i < 3; i++) {
                p[i] = pkt_alloc(s, PKT_HEADROOM, 100);
                CU_ASSERT_PTR_NOT_NULL(p[i]);
        }
        CU_ASSERT_EQUAL(stack_pkts_in_use(s), 3);
        p[3] = pkt_alloc(s, PKT_HEADROOM, 100);
        CU_ASSERT_PTR_NULL(p[3]);
        CU_ASSERT_EQUAL(stack_counter_get(s, "pkt.alloc_failures"), 1);
        pkt_free(s, p[1]);
        p[1] = pkt_alloc(s, PKT_HEADROOM, 100);
        CU_ASSERT_PTR_NOT_NULL(p[1]);
        for (int i = 0; i < 3; i++)
                pkt_free(s, p[i]);
        pkt_free(s, NULL); /* harmless */
        CU_ASSERT_EQUAL(stack_pkts_in_use(s), 0);
        stack_destroy(s);
}

static void
pkt_freed_buffers_reused_from_free_list(void)
{
        struct stack *s = small_stack(8);
        struct pkt *p = pkt_alloc(s, PKT_HEADROOM, 100), *q;

        CU_ASSERT_FATAL(p != NULL);
        p->len = 5;
        p->next_hop = 99;
        pkt_free(s, p);
        q = pkt_alloc(s, 0, 10);
        CU_ASSERT_PTR_EQUAL(q, p); /* recycled, and reset */
        CU_ASSERT_EQUAL(q->len, 0);
        CU_ASSERT_EQUAL(q->next_hop, 0);
        CU_ASSERT_PTR_NULL(q->next);
        CU_ASSERT_EQUAL(pkt_headroom(q), 0);
        pkt_free(s, q);
        stack_destroy(s);
}

/* A reassembled datagram can exceed the standard buffer: it gets a one-off buffer of the
 * requested size, counted in use like any other and never put on the free list. */
static void
pkt_oversized_request_gets_own_buffer(void)
{
        struct stack *s = small_stack(8);
        struct pkt *p = pkt_alloc(s, PKT_HEADROOM, 70000);

        CU_ASSERT_FATAL(p != NULL);
        CU_ASSERT(p->cap >= PKT_HEADROOM + 70000);
        CU_ASSERT_PTR_NOT_NULL(pkt_put(p, 70000));
        memset(p->data, 1, 70000);
        CU_ASSERT_EQUAL(stack_pkts_in_use(s), 1);
        pkt_free(s, p);
        CU_ASSERT_EQUAL(stack_pkts_in_use(s), 0);
        CU_ASSERT_EQUAL(s->pool.pooled, 0);
        stack_destroy(s);
}

/* Two stacks in one process keep separate pools and counters (no globals). */
static void
pkt_two_stacks_have_separate_pools(void)
{
        struct stack *a = small_stack(1), *b = small_stack(1);
        struct pkt *pa = pkt_alloc(a, 0, 10), *pb = pkt_alloc(b, 0, 10);

        CU_ASSERT_PTR_NOT_NULL(pa);
        CU_ASSERT_PTR_NOT_NULL(pb);
        CU_ASSERT_PTR_NULL(pkt_alloc(a, 0, 10));
        CU_ASSERT_EQUAL(stack_counter_get(a, "pkt.alloc_failures"), 1);
        CU_ASSERT_EQUAL(stack_counter_get(b, "pkt.alloc_failures"), 0);
        pkt_free(a, pa);
        pkt_free(b, pb);
        stack_destroy(a);
        stack_destroy(b);
}

void
suite_pkt(void)
{
        CU_pSuite su = CU_add_suite("pkt", NULL, NULL);
        CU_add_test(su, "pkt_window_push_pull_put_trim", pkt_window_push_pull_put_trim);
        CU_add_test(su, "pkt_pool_bound_enforced_and_counted", pkt_pool_bound_enforced_and_counted);
        CU_add_test(su, "pkt_freed_buffers_reused_from_free_list",
                    pkt_freed_buffers_reused_from_free_list);
        CU_add_test(su, "pkt_oversized_request_gets_own_buffer",
                    pkt_oversized_request_gets_own_buffer);
        CU_add_test(su, "pkt_two_stacks_have_separate_pools", pkt_two_stacks_have_separate_pools);
}

/* The peer-driven resource bounds that struct stack_config sets (issue 6 item 5): a stack
 * configured for few TCBs or a short SYN queue holds that many and counts the rest. */
#include <CUnit/CUnit.h>
#include <errno.h>

#include "stack/sock.h"
#include "tests/common/simnet.h"

#define SERVER_PORT 7000

struct limit_run {
        struct simnet *net;
        int csd[4];
        unsigned n;
};

static bool
all_settled(void *ctx)
{
        struct limit_run *r = ctx;

        for (unsigned i = 0; i < r->n; i++)
                if (!(sock_events(r->net->b, r->csd[i]) & (SOCK_WRITABLE | SOCK_ERROR)))
                        return false;
        return true;
}

/* A holds a listener plus one connection (max_tcbs = 2): the second client's SYN is dropped
 * and counted under tcp.drop_tcb_limit, and that client never connects. */
static void
stack_config_max_tcbs_bounds_connections(void)
{
        struct simnet_config cfg = {.seed = 0x11a1};
        struct sock_addr srv = {.ip = SIMNET_ADDR_A, .port = SERVER_PORT};
        struct limit_run r = {.n = 2};
        struct sock_addr any = {.port = SERVER_PORT};
        int lsd;

        cfg.base.max_tcbs = 2;
        r.net = simnet_create(&cfg);
        CU_ASSERT_FATAL(r.net != NULL);
        lsd = sock_open(r.net->a, SOCK_TYPE_TCP);
        CU_ASSERT_FATAL(sock_bind(r.net->a, lsd, &any) == 0);
        CU_ASSERT_FATAL(sock_listen(r.net->a, lsd, 4) == 0);
        for (unsigned i = 0; i < r.n; i++) {
                r.csd[i] = sock_open(r.net->b, SOCK_TYPE_TCP);
                CU_ASSERT_FATAL(sock_connect(r.net->b, r.csd[i], &srv) == 0);
                simnet_run_for(r.net, 100000);
        }
        simnet_run_until(r.net, all_settled, &r, 2000000);
        CU_ASSERT(sock_events(r.net->b, r.csd[0]) & SOCK_WRITABLE);
        CU_ASSERT_FALSE(sock_events(r.net->b, r.csd[1]) & SOCK_WRITABLE);
        CU_ASSERT(stack_counter_get(r.net->a, "tcp.drop_tcb_limit") > 0);
        for (unsigned i = 0; i < r.n; i++)
                sock_abort(r.net->b, r.csd[i]);
        sock_close(r.net->a, lsd);
        simnet_run_for(r.net, 300000000u);
        simnet_destroy(r.net);
}

void
suite_limits(void)
{
        CU_pSuite su = CU_add_suite("limits", NULL, NULL);
        CU_add_test(su, "stack_config_max_tcbs_bounds_connections",
                    stack_config_max_tcbs_bounds_connections);
}

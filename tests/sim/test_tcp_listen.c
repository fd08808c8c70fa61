/* RFC 9293 MUST-42 (3.9.1.1, from RFC 1122 4.2.2.18): an application can LISTEN on a port
 * while a connection with the same local port is still in SYN-SENT. */
#include <CUnit/CUnit.h>
#include <errno.h>

#include "stack/sock.h"
#include "tests/common/simnet.h"

#define SHARED_PORT 5555

struct listen_run {
        struct simnet *net;
        int lsd, child;
};

static bool
accepted(void *ctx)
{
        struct listen_run *r = ctx;

        if (r->child < 0)
                r->child = sock_accept(r->net->a, r->lsd, NULL);
        return r->child >= 0;
}

static void
rfc9293_must42_listen_while_same_port_in_syn_sent(void)
{
        struct simnet_config cfg = {.seed = 0x42};
        struct sock_addr port = {.port = SHARED_PORT};
        struct sock_addr silent = {.ip = 0x0a00004du, .port = 80}; /* 10.0.0.77: no such host */
        struct sock_addr srv = {.ip = SIMNET_ADDR_A, .port = SHARED_PORT};
        struct listen_run r = {.child = -1};
        int csd, ksd;

        r.net = simnet_create(&cfg);
        CU_ASSERT_FATAL(r.net != NULL);
        /* An active OPEN from port 5555 that stays in SYN-SENT: ARP for 10.0.0.77 gets no
         * answer for a few seconds. */
        csd = sock_open(r.net->a, SOCK_TYPE_TCP);
        CU_ASSERT_EQUAL_FATAL(sock_bind(r.net->a, csd, &port), 0);
        CU_ASSERT_EQUAL_FATAL(sock_connect(r.net->a, csd, &silent), 0);
        simnet_run_for(r.net, 100000);
        /* The passive OPEN on the same local port is allowed ... */
        r.lsd = sock_open(r.net->a, SOCK_TYPE_TCP);
        CU_ASSERT_EQUAL_FATAL(sock_bind(r.net->a, r.lsd, &port), 0);
        CU_ASSERT_EQUAL_FATAL(sock_listen(r.net->a, r.lsd, 4), 0);
        /* ... and works: B connects to it, while the first connection is untouched. */
        ksd = sock_open(r.net->b, SOCK_TYPE_TCP);
        CU_ASSERT_EQUAL_FATAL(sock_connect(r.net->b, ksd, &srv), 0);
        CU_ASSERT_EQUAL(simnet_run_until(r.net, accepted, &r, 1000000), 0);
        CU_ASSERT(sock_events(r.net->b, ksd) & SOCK_WRITABLE);
        CU_ASSERT_EQUAL(sock_events(r.net->a, csd) & (SOCK_WRITABLE | SOCK_ERROR), 0);
        /* A second LISTEN on the same local address and port is still refused. */
        CU_ASSERT_EQUAL(sock_bind(r.net->a, sock_open(r.net->a, SOCK_TYPE_TCP), &port),
                        -EADDRINUSE);
        sock_abort(r.net->a, csd);
        sock_abort(r.net->a, r.child);
        sock_abort(r.net->b, ksd);
        sock_close(r.net->a, r.lsd);
        simnet_run_for(r.net, 300000000u);
        simnet_destroy(r.net);
}

void
suite_tcp_listen(void)
{
        CU_pSuite su = CU_add_suite("tcp_listen", NULL, NULL);
        CU_add_test(su, "rfc9293_must42_listen_while_same_port_in_syn_sent",
                    rfc9293_must42_listen_while_same_port_in_syn_sent);
}

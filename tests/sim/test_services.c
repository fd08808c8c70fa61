/* stackd's services (apps/services.c) driven the way stackd's loop drives them: input, then
 * the services, then output. A connection is served again only when its socket gained
 * something to do; one that merely stopped being readable because it was drained must not
 * cost the loop a second round (a poll and a read that finds nothing, per batch: issue 7). */
#include <CUnit/CUnit.h>
#include <string.h>
#include <sys/socket.h>

#include "apps/services.h"
#include "stack/sock.h"
#include "stack/stack.h"
#include "tests/common/simnet.h"

#define SV_TOTAL (256 * 1024)
#define SV_MAX_ROUNDS 100000

/* One turn of stackd's loop on B (stack A is the host): returns whether the services asked
 * for another round without sleeping. */
static bool
sv_round(struct simnet *net, struct services *sv)
{
        stack_poll(net->a);
        stack_poll_input(net->b);
        services_poll(sv);
        stack_poll_output(net->b);
        return services_pending(sv);
}

static void
sv_advance(struct simnet *net)
{
        uint64_t next = simnet_next_event_us(net);

        if (next != UINT64_MAX && next > net->clock.now_us)
                net->clock.now_us = next;
}

/* B serves kind on port; A's client socket is connecting to it. */
static struct services *
sv_setup(struct simnet *net, enum svc_kind kind, uint16_t port, int *cli)
{
        struct sock_addr to = {.ip = SIMNET_ADDR_B, .port = port};
        struct services *sv;

        CU_ASSERT_PTR_NOT_NULL_FATAL(net);
        sv = services_create(net->b, NULL, 0, 0);
        CU_ASSERT_PTR_NOT_NULL_FATAL(sv);
        CU_ASSERT_EQUAL_FATAL(services_add(sv, kind, port), 0);
        *cli = sock_open(net->a, SOCK_TYPE_TCP);
        CU_ASSERT_EQUAL_FATAL(sock_connect(net->a, *cli, &to), 0);
        return sv;
}

static void
sv_teardown(struct simnet *net, struct services *sv, int cli)
{
        sock_close(net->a, cli);
        simnet_run_for(net, 1000000);
        services_destroy(sv);
        simnet_destroy(net);
}

/* RFC 863: discard throws away everything it receives. After the service drained a batch,
 * the socket's only change is that it is no longer readable: nothing for the service to do,
 * so the loop may sleep; and all the data is taken, up to the end of the stream. */
static void
rfc863_discard_drained_connection_not_served_again(void)
{
        static char chunk[16384];
        struct simnet *net = simnet_create_seed(0);
        struct services *sv;
        size_t sent = 0;
        int cli, rounds = 0, extra = 0;
        bool shut = false;
        char buf[8];
        ssize_t r = -1;

        sv = sv_setup(net, SVC_DISCARD, 9, &cli);
        memset(chunk, 'x', sizeof(chunk));
        while (rounds++ < SV_MAX_ROUNDS) {
                ssize_t w;

                while (sent < SV_TOTAL &&
                       (w = sock_send(net->a, cli, chunk,
                                      SV_TOTAL - sent < sizeof(chunk) ? SV_TOTAL - sent
                                                                      : sizeof(chunk))) > 0)
                        sent += (size_t)w;
                if (sent == SV_TOTAL && !shut) {
                        CU_ASSERT_EQUAL(sock_shutdown(net->a, cli, SHUT_WR), 0);
                        shut = true;
                }
                if (sv_round(net, sv))
                        extra++;
                r = sock_recv(net->a, cli, buf, sizeof(buf));
                if (r == 0)
                        break; /* discard saw our FIN after all the data and closed */
                sv_advance(net);
        }
        CU_ASSERT_EQUAL(sent, SV_TOTAL);
        CU_ASSERT_EQUAL(r, 0);
        CU_ASSERT_EQUAL(extra, 0);
        sv_teardown(net, sv, cli);
}

/* RFC 862 echo, to a client that sends its last bytes and its FIN together (end of input):
 * the echo, the ACK of the FIN and our FIN leave as one segment, not three (stackd's loop
 * runs the services between input and output; RFC 9293 3.10.7.4 lets the reply carry the
 * ACK the FIN is owed). */
static void
rfc862_echo_reply_ack_and_fin_in_one_segment(void)
{
        struct simnet *net = simnet_create_seed(0);
        struct services *sv;
        char buf[16];
        ssize_t r = -1;
        uint64_t tx0;
        int cli, rounds = 0;

        sv = sv_setup(net, SVC_ECHO, 7, &cli);
        while (!(sock_events(net->a, cli) & SOCK_WRITABLE) && rounds++ < SV_MAX_ROUNDS) {
                sv_round(net, sv);
                sv_advance(net);
        }
        simnet_run_for(net, 1000000); /* the handshake settled: nothing owed either way */
        sv_round(net, sv);
        tx0 = stack_counter_get(net->b, "tcp.tx");
        CU_ASSERT_EQUAL(sock_send_more(net->a, cli, "hello\n", 6), 6);
        CU_ASSERT_EQUAL(sock_shutdown(net->a, cli, SHUT_WR), 0);
        while (rounds++ < SV_MAX_ROUNDS && (r = sock_recv(net->a, cli, buf, sizeof(buf))) != 0) {
                if (r > 0)
                        CU_ASSERT_EQUAL(memcmp(buf, "hello\n", 6), 0);
                sv_round(net, sv);
                sv_advance(net);
        }
        CU_ASSERT_EQUAL(r, 0);
        CU_ASSERT_EQUAL(stack_counter_get(net->b, "tcp.tx") - tx0, 1);
        sv_teardown(net, sv, cli);
}

void
suite_services(void)
{
        CU_pSuite su = CU_add_suite("services", NULL, NULL);

        CU_add_test(su, "rfc863_discard_drained_connection_not_served_again",
                    rfc863_discard_drained_connection_not_served_again);
        CU_add_test(su, "rfc862_echo_reply_ack_and_fin_in_one_segment",
                    rfc862_echo_reply_ack_and_fin_in_one_segment);
}

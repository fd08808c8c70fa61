/* The stub resolver against hostile or failing servers: forged and malformed replies (RFC 5452
 * 9.1), bounded queries with fresh ports and IDs (9.2), distinct RCODE errors (RFC 1035
 * 4.1.1), TC answers retried over TCP (RFC 7766 5), ICMP errors, and teardown mid-query. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <string.h>

#include "stack/wire/bytes.h"
#include "stack/wire/dns.h"
#include "tests/sim/dns_server.h"

/* Forgeries and the real answer arrive in one batch: the forgeries are read first. */
static void
rfc5452_9_1_forged_and_malformed_replies_are_dropped_and_counted(void)
{
        struct simnet *net = dnst_net_create();
        struct server srv;
        struct client cl = {0};

        CU_ASSERT_FATAL(net != NULL);
        dnst_server_open(&srv, net);
        srv.forge = true;
        CU_ASSERT(dns_resolve(net->b, "bank.test", dnst_on_done, &cl) > 0);
        CU_ASSERT_EQUAL(dnst_run(net, &srv, &cl, 1), 0);
        CU_ASSERT_EQUAL(cl.status, 0);
        CU_ASSERT_EQUAL(cl.r.n_addrs, 2);
        CU_ASSERT_EQUAL(cl.r.addrs[0], 0xc0000201u);
        CU_ASSERT_STRING_EQUAL(cl.r.names[0], "bank.test");
        CU_ASSERT_EQUAL(stack_counter_get(net->b, "dns.drop_mismatched_reply"), 3);
        CU_ASSERT_EQUAL(stack_counter_get(net->b, "dns.drop_malformed"), 1);
        CU_ASSERT_EQUAL(srv.seen, 1);
        simnet_destroy(net);
}

/* More forgeries than one poll reads (IFACE_RX_BUDGET frames): the answer lands in the next
 * poll while the socket still looks the same, and must not be missed. */
static void
rfc5452_9_1_forgery_flood_does_not_hide_the_answer(void)
{
        struct simnet *net = dnst_net_create();
        struct server srv;
        struct client cl = {0};

        CU_ASSERT_FATAL(net != NULL);
        dnst_server_open(&srv, net);
        srv.flood = 70;
        CU_ASSERT(dns_resolve(net->b, "flood.test", dnst_on_done, &cl) > 0);
        CU_ASSERT_EQUAL(dnst_run(net, &srv, &cl, 1), 0);
        CU_ASSERT_EQUAL(cl.status, 0);
        CU_ASSERT_EQUAL(srv.seen, 1); /* answered at once, not after a retransmission */
        CU_ASSERT_EQUAL(stack_counter_get(net->b, "dns.drop_mismatched_reply"), 70);
        simnet_destroy(net);
}

/* Only forgeries for the first copy: the query keeps waiting and takes the answer to its
 * retransmission, which arrives in a later poll after the socket was drained. */
static void
rfc5452_9_1_query_keeps_waiting_after_forgeries(void)
{
        struct simnet *net = dnst_net_create();
        struct server srv;
        struct client cl = {0};

        CU_ASSERT_FATAL(net != NULL);
        dnst_server_open(&srv, net);
        srv.forge = srv.forge_only = true;
        CU_ASSERT(dns_resolve(net->b, "late.test", dnst_on_done, &cl) > 0);
        CU_ASSERT_EQUAL(dnst_run(net, &srv, &cl, 1), 0);
        CU_ASSERT_EQUAL(cl.status, 0);
        CU_ASSERT_EQUAL(cl.r.addrs[1], 0xc0000202u);
        CU_ASSERT_EQUAL(srv.seen, 2);
        CU_ASSERT_EQUAL(stack_counter_get(net->b, "dns.drop_mismatched_reply"), 6);
        CU_ASSERT_EQUAL(stack_counter_get(net->b, "dns.drop_malformed"), 2);
        simnet_destroy(net);
}

static void
rfc1035_4_1_1_nxdomain_servfail_refused_are_distinct(void)
{
        static const struct {
                uint16_t rcode;
                int status;
        } cases[] = {{DNS_RCODE_NXDOMAIN, DNS_ERR_NXDOMAIN},
                     {DNS_RCODE_SERVFAIL, DNS_ERR_SERVFAIL},
                     {DNS_RCODE_REFUSED, DNS_ERR_REFUSED}};
        struct simnet *net = dnst_net_create();
        struct server srv;
        struct client cl = {0};

        CU_ASSERT_FATAL(net != NULL);
        dnst_server_open(&srv, net);
        for (unsigned i = 0; i < 3; i++) {
                srv.rcode = cases[i].rcode;
                CU_ASSERT(dns_resolve(net->b, "nx.test", dnst_on_done, &cl) > 0);
                CU_ASSERT_EQUAL(dnst_run(net, &srv, &cl, i + 1), 0);
                CU_ASSERT_EQUAL(cl.status, cases[i].status);
                CU_ASSERT_EQUAL(srv.seen, i + 1); /* errors are not cached */
        }
        simnet_destroy(net);
}

/* RFC 7766 5 / RFC 1035 4.2.2: a truncated UDP answer is asked again over TCP, where the
 * whole answer comes back with a two-byte length prefix. */
static void
rfc7766_5_truncated_udp_answer_retried_over_tcp(void)
{
        struct simnet *net = dnst_net_create();
        struct server srv;
        struct client cl = {0};

        CU_ASSERT_FATAL(net != NULL);
        dnst_server_open(&srv, net);
        srv.tc = DNS_FLAG_TC;
        CU_ASSERT(dns_resolve(net->b, "big.test", dnst_on_done, &cl) > 0);
        CU_ASSERT_EQUAL(dnst_run(net, &srv, &cl, 1), 0);
        CU_ASSERT_EQUAL(cl.status, 0);
        CU_ASSERT_EQUAL(cl.r.n_addrs, 2);
        CU_ASSERT_EQUAL(cl.r.addrs[0], 0xc0000201u);
        CU_ASSERT_EQUAL(srv.seen, 1);     /* one UDP query, answered with TC */
        CU_ASSERT_EQUAL(srv.tcp_seen, 1); /* then one over TCP */
        /* Without a TCP service the query fails with the connection's error. */
        sock_close(net->a, srv.tcp_lsd);
        CU_ASSERT(dns_resolve(net->b, "other.test", dnst_on_done, &cl) > 0);
        CU_ASSERT_EQUAL(dnst_run(net, &srv, &cl, 2), 0);
        CU_ASSERT_EQUAL(cl.status, -ECONNREFUSED);
        simnet_run_for(net, 300000000u); /* let TIME-WAIT end before the leak check */
        simnet_destroy(net);
}

static void
numeric_and_invalid_names_skip_the_network(void)
{
        struct simnet *net = dnst_net_create();
        struct server srv;
        struct client cl = {0};
        char longname[300];

        CU_ASSERT_FATAL(net != NULL);
        dnst_server_open(&srv, net);
        CU_ASSERT(dns_resolve(net->b, "192.0.2.77", dnst_on_done, &cl) > 0);
        CU_ASSERT_EQUAL(cl.calls, 0);
        CU_ASSERT_EQUAL(dnst_run(net, &srv, &cl, 1), 0);
        CU_ASSERT_EQUAL(cl.status, 0);
        CU_ASSERT_TRUE(cl.r.numeric);
        CU_ASSERT_EQUAL(cl.r.addrs[0], 0xc000024du);
        CU_ASSERT_EQUAL(srv.seen, 0);
        /* RFC 1035 2.3.4 limits, refused before anything is sent. */
        memset(longname, 'a', sizeof(longname));
        longname[64] = 0;
        CU_ASSERT_EQUAL(dns_resolve(net->b, longname, dnst_on_done, &cl), -EINVAL);
        longname[64] = 'a';
        for (int i = 60; i < 299; i += 60)
                longname[i] = '.'; /* five labels under 63 octets, 301 octets in all */
        longname[299] = 0;
        CU_ASSERT_EQUAL(dns_resolve(net->b, longname, dnst_on_done, &cl), -EINVAL);
        CU_ASSERT_EQUAL(dns_resolve(net->b, "", dnst_on_done, &cl), -EINVAL);
        CU_ASSERT_EQUAL(dns_resolve(net->b, "a..b", dnst_on_done, &cl), -EINVAL);
        simnet_run_for(net, 1000000);
        CU_ASSERT_EQUAL(srv.seen, 0);
        CU_ASSERT_EQUAL(cl.calls, 1);
        simnet_destroy(net);
}

static void
rfc5452_9_2_queries_bounded_with_fresh_ports_and_ids(void)
{
        struct simnet *net = dnst_net_create();
        struct server srv;
        struct client cl = {0}, cancelled = {0};
        char name[32];
        int ids[16], extra;
        unsigned same_id = 0;

        CU_ASSERT_FATAL(net != NULL);
        dnst_server_open(&srv, net);
        for (int i = 0; i < 16; i++) {
                snprintf(name, sizeof(name), "n%d.test", i);
                ids[i] = dns_resolve(net->b, name, dnst_on_done, i == 3 ? &cancelled : &cl);
                CU_ASSERT(ids[i] > 0);
        }
        CU_ASSERT_EQUAL(dns_resolve(net->b, "one-too-many.test", dnst_on_done, &cl), -ENOBUFS);
        CU_ASSERT_EQUAL(dns_cancel(net->b, ids[3]), 0);
        CU_ASSERT_EQUAL(dns_cancel(net->b, ids[3]), -ENOENT);
        extra = dns_resolve(net->b, "one-more.test", dnst_on_done, &cl);
        CU_ASSERT(extra > 0);
        CU_ASSERT_EQUAL(dnst_run(net, &srv, &cl, 16), 0);
        CU_ASSERT_EQUAL(cancelled.calls, 0);
        CU_ASSERT_EQUAL(cl.calls, 16);
        /* Every query had its own port; IDs are random, so they are not all one value. */
        for (unsigned i = 0; i < srv.seen && i < MAX_SEEN; i++) {
                for (unsigned j = i + 1; j < srv.seen && j < MAX_SEEN; j++) {
                        CU_ASSERT_NOT_EQUAL(srv.port[i], srv.port[j]);
                        same_id += srv.id[i] == srv.id[j];
                }
        }
        CU_ASSERT(same_id < 3);
        CU_ASSERT_EQUAL(dnst_socks_open(net->b), 0);
        simnet_destroy(net);
}

/* No server on port 53: A answers with ICMP port unreachable (RFC 1122 4.1.3.1). Anyone can
 * forge that, and our query socket is not connected, so it ends nothing: the query runs its
 * retries and times out, and nothing stays open or allocated. */
static void
rfc1122_4_1_3_1_port_unreachable_does_not_end_the_query_early(void)
{
        struct simnet *net = dnst_net_create();
        struct client cl = {0};
        uint64_t start;

        CU_ASSERT_FATAL(net != NULL);
        start = simnet_now_us(net);
        CU_ASSERT(dns_resolve(net->b, "closed.test", dnst_on_done, &cl) > 0);
        CU_ASSERT_EQUAL(simnet_run_until(net, NULL, NULL, 6900000), 0);
        CU_ASSERT_EQUAL(cl.calls, 0);
        CU_ASSERT_EQUAL(simnet_run_until(net, NULL, NULL, 200000), 0);
        CU_ASSERT_EQUAL(cl.calls, 1);
        CU_ASSERT(cl.status == -ETIMEDOUT || cl.status == -ECONNREFUSED);
        CU_ASSERT(simnet_now_us(net) - start >= 7000000);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "icmp.unreachables_sent"), 3);
        CU_ASSERT_EQUAL(dnst_socks_open(net->b), 0);
        simnet_destroy(net);
}

/* Destroying the stack with queries in flight frees their sockets and packets. */
static void
stack_destroy_with_queries_in_flight(void)
{
        struct simnet *net = dnst_net_create();
        struct server srv;
        struct client cl = {0};

        CU_ASSERT_FATAL(net != NULL);
        dnst_server_open(&srv, net);
        srv.ignore = 1000;
        CU_ASSERT(dns_resolve(net->b, "one.test", dnst_on_done, &cl) > 0);
        CU_ASSERT(dns_resolve(net->b, "192.0.2.1", dnst_on_done, &cl) > 0);
        CU_ASSERT_EQUAL(dnst_run_for(net, &srv, &cl, 500000), -ETIMEDOUT);
        CU_ASSERT(dns_resolve(net->b, "two.test", dnst_on_done, &cl) > 0);
        CU_ASSERT_EQUAL(cl.calls, 1);
        CU_ASSERT_EQUAL(simnet_destroy(net), 0);
        CU_ASSERT_EQUAL(cl.calls, 1);
}

void
suite_dns_sim_hardening(void)
{
        CU_pSuite su = CU_add_suite("dns_sim_hardening", NULL, NULL);
        CU_add_test(su, "rfc5452_9_1_forged_and_malformed_replies_are_dropped_and_counted",
                    rfc5452_9_1_forged_and_malformed_replies_are_dropped_and_counted);
        CU_add_test(su, "rfc5452_9_1_forgery_flood_does_not_hide_the_answer",
                    rfc5452_9_1_forgery_flood_does_not_hide_the_answer);
        CU_add_test(su, "rfc5452_9_1_query_keeps_waiting_after_forgeries",
                    rfc5452_9_1_query_keeps_waiting_after_forgeries);
        CU_add_test(su, "rfc1035_4_1_1_nxdomain_servfail_refused_are_distinct",
                    rfc1035_4_1_1_nxdomain_servfail_refused_are_distinct);
        CU_add_test(su, "rfc7766_5_truncated_udp_answer_retried_over_tcp",
                    rfc7766_5_truncated_udp_answer_retried_over_tcp);
        CU_add_test(su, "numeric_and_invalid_names_skip_the_network",
                    numeric_and_invalid_names_skip_the_network);
        CU_add_test(su, "rfc5452_9_2_queries_bounded_with_fresh_ports_and_ids",
                    rfc5452_9_2_queries_bounded_with_fresh_ports_and_ids);
        CU_add_test(su, "rfc1122_4_1_3_1_port_unreachable_does_not_end_the_query_early",
                    rfc1122_4_1_3_1_port_unreachable_does_not_end_the_query_early);
        CU_add_test(su, "stack_destroy_with_queries_in_flight",
                    stack_destroy_with_queries_in_flight);
}

/* The stub resolver on stack B against a tiny DNS server on stack A, over simlink on the
 * manual clock: answers, CNAMEs, the cache (RFC 1035 3.2.1), retransmission with backoff
 * (RFC 1035 4.2.1) and timeouts. Forgeries and errors: test_dns_hardening.c. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <string.h>

#include "stack/wire/bytes.h"
#include "stack/wire/dns.h"
#include "tests/sim/dns_server.h"

static void
rfc1035_a_lookup_returns_all_addresses_and_closes_its_socket(void)
{
        struct simnet *net = dnst_net_create();
        struct server srv;
        struct client cl = {0};
        int id;

        CU_ASSERT_FATAL(net != NULL);
        dnst_server_open(&srv, net);
        id = dns_resolve(net->b, "www.test", dnst_on_done, &cl);
        CU_ASSERT(id > 0);
        CU_ASSERT_EQUAL(cl.calls, 0); /* never from inside dns_resolve */
        CU_ASSERT_EQUAL(dnst_socks_open(net->b), 1);
        CU_ASSERT_EQUAL(dnst_run(net, &srv, &cl, 1), 0);
        CU_ASSERT_EQUAL(cl.status, 0);
        CU_ASSERT_EQUAL(cl.r.n_addrs, 2);
        CU_ASSERT_EQUAL(cl.r.addrs[0], 0xc0000201u);
        CU_ASSERT_EQUAL(cl.r.addrs[1], 0xc0000202u);
        CU_ASSERT_STRING_EQUAL(cl.r.names[0], "www.test");
        CU_ASSERT_FALSE(cl.r.from_cache);
        CU_ASSERT_EQUAL(srv.seen, 1);
        /* RFC 5452 9.2: the query came from the dynamic port range. */
        CU_ASSERT(srv.port[0] >= 49152);
        CU_ASSERT_EQUAL(dnst_socks_open(net->b), 0);
        CU_ASSERT_EQUAL(stack_counter_get(net->b, "dns.drop_mismatched_reply"), 0);
        simnet_run_for(net, 100000);
        CU_ASSERT_EQUAL(cl.calls, 1);
        simnet_destroy(net);
}

static void
rfc1034_3_6_2_cname_chain_reaches_the_a_records(void)
{
        struct simnet *net = dnst_net_create();
        struct server srv;
        struct client cl = {0};

        CU_ASSERT_FATAL(net != NULL);
        dnst_server_open(&srv, net);
        CU_ASSERT(dns_resolve(net->b, "alias.test.", dnst_on_done, &cl) > 0);
        CU_ASSERT_EQUAL(dnst_run(net, &srv, &cl, 1), 0);
        CU_ASSERT_EQUAL(cl.status, 0);
        CU_ASSERT_EQUAL_FATAL(cl.r.n_names, 2);
        CU_ASSERT_STRING_EQUAL(cl.r.names[0], "alias.test");
        CU_ASSERT_STRING_EQUAL(cl.r.names[1], "host.test");
        CU_ASSERT_EQUAL(cl.r.n_addrs, 2);
        simnet_destroy(net);
}

static void
rfc1035_3_2_1_cache_honours_ttl(void)
{
        struct simnet *net = dnst_net_create();
        struct server srv;
        struct client cl = {0};

        CU_ASSERT_FATAL(net != NULL);
        dnst_server_open(&srv, net);
        srv.ttl = 5;
        CU_ASSERT(dns_resolve(net->b, "cached.test", dnst_on_done, &cl) > 0);
        CU_ASSERT_EQUAL(dnst_run(net, &srv, &cl, 1), 0);
        CU_ASSERT_EQUAL(srv.seen, 1);
        CU_ASSERT_EQUAL(stack_counter_get(net->b, "dns.cache_hits"), 0);
        simnet_run_for(net, 2000000);
        /* Within the TTL: from the cache, no query, case does not matter, TTL counts down. */
        CU_ASSERT(dns_resolve(net->b, "CACHED.test", dnst_on_done, &cl) > 0);
        CU_ASSERT_EQUAL(dnst_run(net, &srv, &cl, 2), 0);
        CU_ASSERT_EQUAL(cl.status, 0);
        CU_ASSERT_TRUE(cl.r.from_cache);
        CU_ASSERT_STRING_EQUAL(cl.r.names[0], "CACHED.test");
        CU_ASSERT_EQUAL(cl.r.n_addrs, 2);
        CU_ASSERT(cl.r.ttl_s <= 3);
        CU_ASSERT_EQUAL(srv.seen, 1);
        CU_ASSERT_EQUAL(stack_counter_get(net->b, "dns.cache_hits"), 1);
        /* Past the TTL: asked again. */
        simnet_run_for(net, 4000000);
        CU_ASSERT(dns_resolve(net->b, "cached.test", dnst_on_done, &cl) > 0);
        CU_ASSERT_EQUAL(dnst_run(net, &srv, &cl, 3), 0);
        CU_ASSERT_FALSE(cl.r.from_cache);
        CU_ASSERT_EQUAL(srv.seen, 2);
        simnet_destroy(net);
}

static void
rfc1035_4_2_1_retransmits_with_backoff_under_loss(void)
{
        struct simnet *net = dnst_net_create();
        struct server srv;
        struct client cl = {0};

        CU_ASSERT_FATAL(net != NULL);
        dnst_server_open(&srv, net);
        srv.ignore = 2; /* the first two queries are lost */
        CU_ASSERT(dns_resolve(net->b, "lossy.test", dnst_on_done, &cl) > 0);
        CU_ASSERT_EQUAL(dnst_run(net, &srv, &cl, 1), 0);
        CU_ASSERT_EQUAL(cl.status, 0);
        CU_ASSERT_EQUAL_FATAL(srv.seen, 3);
        /* 1 s then 2 s later (the first copy waited for ARP: allow a little). */
        CU_ASSERT(srv.at_us[1] - srv.at_us[0] >= 900000 && srv.at_us[1] - srv.at_us[0] <= 1000000);
        CU_ASSERT_EQUAL(srv.at_us[2] - srv.at_us[1], 2000000);
        /* Same ID and port on every copy, so a late answer to the first still counts. */
        CU_ASSERT_EQUAL(srv.id[1], srv.id[0]);
        CU_ASSERT_EQUAL(srv.port[2], srv.port[0]);
        CU_ASSERT_EQUAL(stack_counter_get(net->b, "dns.retries"), 2);
        simnet_destroy(net);
}

/* Drops every third UDP datagram in each direction; ARP is left alone, since a failed ARP
 * resolution would hold every query back for a while and test ARP rather than DNS. */
static bool
drop_every_third_udp(void *ctx, enum simlink_end from, uint8_t *frame, size_t len)
{
        unsigned *count = ctx;

        if (len < 14 + 20 || get16(frame + 12) != 0x0800 || frame[14 + 9] != 17)
                return true;
        return ++count[from] % 3 != 0;
}

/* A third of the datagrams lost each way: every lookup ends once, either answered correctly
 * or timed out after its three tries, and retransmissions recover most of them. */
static void
rfc1035_4_2_1_lookups_over_a_lossy_link(void)
{
        struct simnet *net = dnst_net_create();
        struct server srv;
        struct client cl[12];
        unsigned ok = 0, count[2] = {0, 0};
        char name[32];

        CU_ASSERT_FATAL(net != NULL);
        dnst_server_open(&srv, net);
        simlink_set_filter(net->link, drop_every_third_udp, count);
        memset(cl, 0, sizeof(cl));
        for (int i = 0; i < 12; i++) {
                snprintf(name, sizeof(name), "lossy%d.test", i);
                CU_ASSERT(dns_resolve(net->b, name, dnst_on_done, &cl[i]) > 0);
        }
        dnst_run_for(net, &srv, cl, 8000000);
        for (int i = 0; i < 12; i++) {
                CU_ASSERT_EQUAL(cl[i].calls, 1);
                CU_ASSERT(cl[i].status == 0 || cl[i].status == -ETIMEDOUT);
                if (cl[i].status == 0) {
                        ok++;
                        CU_ASSERT_EQUAL(cl[i].r.n_addrs, 2);
                        CU_ASSERT_EQUAL(cl[i].r.addrs[0], 0xc0000201u);
                }
        }
        CU_ASSERT(ok >= 10);
        CU_ASSERT(stack_counter_get(net->b, "dns.retries") > 0);
        CU_ASSERT(simlink_stats(net->link, SIMLINK_B)->filtered > 0);
        CU_ASSERT_EQUAL(dnst_socks_open(net->b), 0);
        simnet_destroy(net);
}

static void
rfc1035_4_2_1_silent_server_times_out(void)
{
        struct simnet *net = dnst_net_create();
        struct server srv;
        struct client cl = {0};
        uint64_t start;

        CU_ASSERT_FATAL(net != NULL);
        dnst_server_open(&srv, net);
        srv.ignore = 1000;
        start = simnet_now_us(net);
        CU_ASSERT(dns_resolve(net->b, "silent.test", dnst_on_done, &cl) > 0);
        CU_ASSERT_EQUAL(dnst_run(net, &srv, &cl, 1), 0);
        CU_ASSERT_EQUAL(cl.status, -ETIMEDOUT);
        CU_ASSERT_EQUAL(cl.r.n_addrs, 0);
        CU_ASSERT_STRING_EQUAL(cl.r.names[0], "silent.test");
        CU_ASSERT_EQUAL(srv.seen, 3);
        CU_ASSERT_EQUAL(stack_counter_get(net->b, "dns.queries_sent"), 3);
        CU_ASSERT_EQUAL(stack_counter_get(net->b, "dns.timeouts"), 1);
        /* 1 + 2 + 4 seconds. */
        CU_ASSERT_EQUAL(simnet_now_us(net) - start, 7000000);
        CU_ASSERT_EQUAL(dnst_socks_open(net->b), 0);
        simnet_destroy(net);
}

void
suite_dns_sim(void)
{
        CU_pSuite su = CU_add_suite("dns_sim", NULL, NULL);
        CU_add_test(su, "rfc1035_a_lookup_returns_all_addresses_and_closes_its_socket",
                    rfc1035_a_lookup_returns_all_addresses_and_closes_its_socket);
        CU_add_test(su, "rfc1034_3_6_2_cname_chain_reaches_the_a_records",
                    rfc1034_3_6_2_cname_chain_reaches_the_a_records);
        CU_add_test(su, "rfc1035_3_2_1_cache_honours_ttl", rfc1035_3_2_1_cache_honours_ttl);
        CU_add_test(su, "rfc1035_4_2_1_retransmits_with_backoff_under_loss",
                    rfc1035_4_2_1_retransmits_with_backoff_under_loss);
        CU_add_test(su, "rfc1035_4_2_1_lookups_over_a_lossy_link",
                    rfc1035_4_2_1_lookups_over_a_lossy_link);
        CU_add_test(su, "rfc1035_4_2_1_silent_server_times_out",
                    rfc1035_4_2_1_silent_server_times_out);
}

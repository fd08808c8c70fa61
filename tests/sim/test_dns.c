/* The stub resolver on stack B against a tiny DNS server on stack A, over simlink on the
 * manual clock: answers, CNAMEs, the cache (RFC 1035 3.2.1), retransmission with backoff
 * (RFC 1035 4.2.1), timeouts, forged replies (RFC 5452 9.1) and distinct RCODE errors. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <string.h>

#include "stack/dns.h"
#include "stack/sock.h"
#include "stack/wire/bytes.h"
#include "stack/wire/dns.h"
#include "tests/common/simnet.h"

#define MAX_SEEN 32
#define RUN_US 20000000u

struct server {
        struct stack *s;
        int sd, alt_sd;     /* port 53, and a socket on another port for forgeries */
        unsigned seen;      /* queries received */
        unsigned ignore;    /* stay silent for the first this many queries */
        bool forge;         /* precede each answer with forged and malformed replies */
        bool forge_only;    /* ... and give the first query nothing but those */
        unsigned flood;     /* wrong-ID replies sent ahead of each answer */
        uint16_t rcode, tc; /* added to the header flags */
        uint32_t ttl;       /* of every record (0: 60) */
        uint64_t at_us[MAX_SEEN];
        uint16_t id[MAX_SEEN], port[MAX_SEEN];
        int tcp_lsd, tcp_sd; /* TCP port 53 (RFC 7766): listener and the current client */
        uint8_t tcp_in[600];
        size_t tcp_in_len;
        unsigned tcp_seen; /* queries answered over TCP */
};

struct client {
        unsigned calls;
        int status;
        struct dns_result r;
};

struct run {
        struct server *srv;
        struct client *cl;
        unsigned want_calls;
};

static void
on_done(void *ctx, int status, const struct dns_result *r)
{
        struct client *c = ctx;

        c->calls++;
        c->status = status;
        c->r = *r;
}

static struct simnet *
net_create(void)
{
        struct simnet_config cfg = {.seed = 0};

        cfg.base.dns_server = SIMNET_ADDR_A;
        return simnet_create(&cfg);
}

static void
server_open(struct server *srv, struct simnet *net)
{
        struct sock_addr a53 = {.port = DNS_PORT}, a5353 = {.port = 5353};

        memset(srv, 0, sizeof(*srv));
        srv->s = net->a;
        srv->sd = sock_open(net->a, SOCK_TYPE_UDP);
        srv->alt_sd = sock_open(net->a, SOCK_TYPE_UDP);
        CU_ASSERT_FATAL(srv->sd >= 0 && srv->alt_sd >= 0);
        CU_ASSERT_EQUAL_FATAL(sock_bind(net->a, srv->sd, &a53), 0);
        CU_ASSERT_EQUAL_FATAL(sock_bind(net->a, srv->alt_sd, &a5353), 0);
        srv->tcp_sd = -1;
        srv->tcp_lsd = sock_open(net->a, SOCK_TYPE_TCP);
        CU_ASSERT_FATAL(srv->tcp_lsd >= 0);
        CU_ASSERT_EQUAL_FATAL(sock_bind(net->a, srv->tcp_lsd, &a53), 0);
        CU_ASSERT_EQUAL_FATAL(sock_listen(net->a, srv->tcp_lsd, 4), 0);
}

static size_t server_answer(const struct server *srv, const struct dns_question *q, uint16_t id,
                            uint8_t *out, size_t cap);

/* TCP: one length-prefixed query per connection, answered in full (no TC) and closed. */
static void
server_poll_tcp(struct server *srv)
{
        struct sock_addr peer;
        struct dns_msg m;
        struct dns_question q;
        uint8_t out[514];
        uint16_t tc = srv->tc;
        size_t off, need;
        ssize_t n;

        if (srv->tcp_sd < 0) {
                srv->tcp_sd = sock_accept(srv->s, srv->tcp_lsd, &peer);
                srv->tcp_in_len = 0;
        }
        if (srv->tcp_sd < 0)
                return;
        while ((n = sock_recv(srv->s, srv->tcp_sd, srv->tcp_in + srv->tcp_in_len,
                              sizeof(srv->tcp_in) - srv->tcp_in_len)) > 0)
                srv->tcp_in_len += (size_t)n;
        if (srv->tcp_in_len < 2 || srv->tcp_in_len < (need = 2u + get16(srv->tcp_in)))
                return;
        CU_ASSERT_EQUAL_FATAL(dns_msg_parse(srv->tcp_in + 2, need - 2, &m), 0);
        off = m.qd_off;
        CU_ASSERT_EQUAL_FATAL(dns_question_read(&m, &off, &q), 0);
        srv->tc = 0;
        off = server_answer(srv, &q, m.hdr.id, out + 2, sizeof(out) - 2);
        srv->tc = tc;
        put16(out, (uint16_t)off);
        CU_ASSERT_EQUAL(sock_send(srv->s, srv->tcp_sd, out, off + 2), (ssize_t)off + 2);
        srv->tcp_seen++;
        sock_close(srv->s, srv->tcp_sd);
        srv->tcp_sd = -1;
}

/* Answer q: "alias.test" is a CNAME for "host.test"; every other name has two A records. */
static size_t
server_answer(const struct server *srv, const struct dns_question *q, uint16_t id, uint8_t *out,
              size_t cap)
{
        static const uint8_t a1[4] = {192, 0, 2, 1}, a2[4] = {192, 0, 2, 2};
        struct dns_name alias, host;
        uint32_t ttl = srv->ttl ? srv->ttl : 60;
        uint16_t an = 0;
        size_t off;
        int len;

        dns_name_from_text("alias.test", &alias);
        dns_name_from_text("host.test", &host);
        len = dns_query_emit(
            out, cap, id,
            (uint16_t)(DNS_FLAG_QR | DNS_FLAG_RD | DNS_FLAG_RA | srv->rcode | srv->tc), &q->name,
            q->type);
        CU_ASSERT_FATAL(len > 0);
        off = (size_t)len;
        if (srv->rcode || srv->tc)
                return off;
        if (dns_name_equal(&q->name, &alias)) {
                dns_rr_emit(out, cap, &off, &alias, DNS_TYPE_CNAME, ttl, host.b, host.len);
                an++;
        }
        dns_rr_emit(out, cap, &off, an ? &host : &q->name, DNS_TYPE_A, ttl, a1, 4);
        dns_rr_emit(out, cap, &off, an ? &host : &q->name, DNS_TYPE_A, ttl, a2, 4);
        put16(out + 6, (uint16_t)(an + 2));
        return off;
}

/* Forgeries an off-path attacker might try, then a malformed message (RFC 5452 9.1). */
static void
server_forge(struct server *srv, const struct dns_question *q, uint16_t id,
             const struct sock_addr *to)
{
        struct dns_question other = *q;
        uint8_t out[512];
        size_t len;

        len = server_answer(srv, q, (uint16_t)(id ^ 0x5a5a), out, sizeof(out));
        sock_sendto(srv->s, srv->sd, out, len, to); /* wrong ID */
        dns_name_from_text("evil.test", &other.name);
        len = server_answer(srv, &other, id, out, sizeof(out));
        sock_sendto(srv->s, srv->sd, out, len, to); /* wrong question */
        len = server_answer(srv, q, id, out, sizeof(out));
        sock_sendto(srv->s, srv->alt_sd, out, len, to); /* wrong source port */
        put16(out + 6, 5);
        sock_sendto(srv->s, srv->sd, out, len, to); /* ANCOUNT 5, two records present */
}

/* Read every pending query and answer it as configured. */
static void
server_poll(struct server *srv)
{
        uint8_t in[512], out[512];
        struct sock_addr from;
        struct dns_msg m;
        struct dns_question q;
        ssize_t n;
        size_t off;

        while ((n = sock_recvfrom(srv->s, srv->sd, in, sizeof(in), &from)) >= 0) {
                CU_ASSERT_EQUAL_FATAL(dns_msg_parse(in, (size_t)n, &m), 0);
                off = m.qd_off;
                CU_ASSERT_EQUAL_FATAL(dns_question_read(&m, &off, &q), 0);
                if (srv->seen < MAX_SEEN) {
                        srv->at_us[srv->seen] = stack_now_us(srv->s);
                        srv->id[srv->seen] = m.hdr.id;
                        srv->port[srv->seen] = from.port;
                }
                if (srv->seen++ < srv->ignore)
                        continue;
                if (srv->forge)
                        server_forge(srv, &q, m.hdr.id, &from);
                if (srv->forge_only && srv->seen == 1)
                        continue;
                for (unsigned i = 0; i < srv->flood; i++) {
                        off =
                            server_answer(srv, &q, (uint16_t)(m.hdr.id + 1 + i), out, sizeof(out));
                        sock_sendto(srv->s, srv->sd, out, off, &from);
                }
                off = server_answer(srv, &q, m.hdr.id, out, sizeof(out));
                CU_ASSERT_EQUAL(sock_sendto(srv->s, srv->sd, out, off, &from), (ssize_t)off);
        }
}

static bool
serve_until_done(void *ctx)
{
        struct run *r = ctx;

        server_poll(r->srv);
        server_poll_tcp(r->srv);
        return r->cl->calls >= r->want_calls;
}

static int
run(struct simnet *net, struct server *srv, struct client *cl, unsigned want_calls)
{
        struct run r = {.srv = srv, .cl = cl, .want_calls = want_calls};

        return simnet_run_until(net, serve_until_done, &r, RUN_US);
}

/* Serve for us microseconds whatever happens (-ETIMEDOUT then). */
static int
run_for(struct simnet *net, struct server *srv, struct client *cl, uint64_t us)
{
        struct run r = {.srv = srv, .cl = cl, .want_calls = ~0u};

        return simnet_run_until(net, serve_until_done, &r, us);
}

static void
count_socks(void *ctx, const struct sock_info *si)
{
        (void)si;
        (*(unsigned *)ctx)++;
}

static unsigned
socks_open(struct stack *s)
{
        unsigned n = 0;

        sock_list(s, count_socks, &n);
        return n;
}

static void
rfc1035_a_lookup_returns_all_addresses_and_closes_its_socket(void)
{
        struct simnet *net = net_create();
        struct server srv;
        struct client cl = {0};
        int id;

        CU_ASSERT_FATAL(net != NULL);
        server_open(&srv, net);
        id = dns_resolve(net->b, "www.test", on_done, &cl);
        CU_ASSERT(id > 0);
        CU_ASSERT_EQUAL(cl.calls, 0); /* never from inside dns_resolve */
        CU_ASSERT_EQUAL(socks_open(net->b), 1);
        CU_ASSERT_EQUAL(run(net, &srv, &cl, 1), 0);
        CU_ASSERT_EQUAL(cl.status, 0);
        CU_ASSERT_EQUAL(cl.r.n_addrs, 2);
        CU_ASSERT_EQUAL(cl.r.addrs[0], 0xc0000201u);
        CU_ASSERT_EQUAL(cl.r.addrs[1], 0xc0000202u);
        CU_ASSERT_STRING_EQUAL(cl.r.names[0], "www.test");
        CU_ASSERT_FALSE(cl.r.from_cache);
        CU_ASSERT_EQUAL(srv.seen, 1);
        /* RFC 5452 9.2: the query came from the dynamic port range. */
        CU_ASSERT(srv.port[0] >= 49152);
        CU_ASSERT_EQUAL(socks_open(net->b), 0);
        CU_ASSERT_EQUAL(stack_counter_get(net->b, "dns.drop_mismatched_reply"), 0);
        simnet_run_for(net, 100000);
        CU_ASSERT_EQUAL(cl.calls, 1);
        simnet_destroy(net);
}

static void
rfc1034_3_6_2_cname_chain_reaches_the_a_records(void)
{
        struct simnet *net = net_create();
        struct server srv;
        struct client cl = {0};

        CU_ASSERT_FATAL(net != NULL);
        server_open(&srv, net);
        CU_ASSERT(dns_resolve(net->b, "alias.test.", on_done, &cl) > 0);
        CU_ASSERT_EQUAL(run(net, &srv, &cl, 1), 0);
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
        struct simnet *net = net_create();
        struct server srv;
        struct client cl = {0};

        CU_ASSERT_FATAL(net != NULL);
        server_open(&srv, net);
        srv.ttl = 5;
        CU_ASSERT(dns_resolve(net->b, "cached.test", on_done, &cl) > 0);
        CU_ASSERT_EQUAL(run(net, &srv, &cl, 1), 0);
        CU_ASSERT_EQUAL(srv.seen, 1);
        CU_ASSERT_EQUAL(stack_counter_get(net->b, "dns.cache_hits"), 0);
        simnet_run_for(net, 2000000);
        /* Within the TTL: from the cache, no query, case does not matter, TTL counts down. */
        CU_ASSERT(dns_resolve(net->b, "CACHED.test", on_done, &cl) > 0);
        CU_ASSERT_EQUAL(run(net, &srv, &cl, 2), 0);
        CU_ASSERT_EQUAL(cl.status, 0);
        CU_ASSERT_TRUE(cl.r.from_cache);
        CU_ASSERT_STRING_EQUAL(cl.r.names[0], "CACHED.test");
        CU_ASSERT_EQUAL(cl.r.n_addrs, 2);
        CU_ASSERT(cl.r.ttl_s <= 3);
        CU_ASSERT_EQUAL(srv.seen, 1);
        CU_ASSERT_EQUAL(stack_counter_get(net->b, "dns.cache_hits"), 1);
        /* Past the TTL: asked again. */
        simnet_run_for(net, 4000000);
        CU_ASSERT(dns_resolve(net->b, "cached.test", on_done, &cl) > 0);
        CU_ASSERT_EQUAL(run(net, &srv, &cl, 3), 0);
        CU_ASSERT_FALSE(cl.r.from_cache);
        CU_ASSERT_EQUAL(srv.seen, 2);
        simnet_destroy(net);
}

static void
rfc1035_4_2_1_retransmits_with_backoff_under_loss(void)
{
        struct simnet *net = net_create();
        struct server srv;
        struct client cl = {0};

        CU_ASSERT_FATAL(net != NULL);
        server_open(&srv, net);
        srv.ignore = 2; /* the first two queries are lost */
        CU_ASSERT(dns_resolve(net->b, "lossy.test", on_done, &cl) > 0);
        CU_ASSERT_EQUAL(run(net, &srv, &cl, 1), 0);
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
        struct simnet *net = net_create();
        struct server srv;
        struct client cl[12];
        unsigned ok = 0, count[2] = {0, 0};
        char name[32];

        CU_ASSERT_FATAL(net != NULL);
        server_open(&srv, net);
        simlink_set_filter(net->link, drop_every_third_udp, count);
        memset(cl, 0, sizeof(cl));
        for (int i = 0; i < 12; i++) {
                snprintf(name, sizeof(name), "lossy%d.test", i);
                CU_ASSERT(dns_resolve(net->b, name, on_done, &cl[i]) > 0);
        }
        run_for(net, &srv, cl, 8000000);
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
        CU_ASSERT_EQUAL(socks_open(net->b), 0);
        simnet_destroy(net);
}

static void
rfc1035_4_2_1_silent_server_times_out(void)
{
        struct simnet *net = net_create();
        struct server srv;
        struct client cl = {0};
        uint64_t start;

        CU_ASSERT_FATAL(net != NULL);
        server_open(&srv, net);
        srv.ignore = 1000;
        start = simnet_now_us(net);
        CU_ASSERT(dns_resolve(net->b, "silent.test", on_done, &cl) > 0);
        CU_ASSERT_EQUAL(run(net, &srv, &cl, 1), 0);
        CU_ASSERT_EQUAL(cl.status, -ETIMEDOUT);
        CU_ASSERT_EQUAL(cl.r.n_addrs, 0);
        CU_ASSERT_STRING_EQUAL(cl.r.names[0], "silent.test");
        CU_ASSERT_EQUAL(srv.seen, 3);
        CU_ASSERT_EQUAL(stack_counter_get(net->b, "dns.queries_sent"), 3);
        CU_ASSERT_EQUAL(stack_counter_get(net->b, "dns.timeouts"), 1);
        /* 1 + 2 + 4 seconds. */
        CU_ASSERT_EQUAL(simnet_now_us(net) - start, 7000000);
        CU_ASSERT_EQUAL(socks_open(net->b), 0);
        simnet_destroy(net);
}

/* Forgeries and the real answer arrive in one batch: the forgeries are read first. */
static void
rfc5452_9_1_forged_and_malformed_replies_are_dropped_and_counted(void)
{
        struct simnet *net = net_create();
        struct server srv;
        struct client cl = {0};

        CU_ASSERT_FATAL(net != NULL);
        server_open(&srv, net);
        srv.forge = true;
        CU_ASSERT(dns_resolve(net->b, "bank.test", on_done, &cl) > 0);
        CU_ASSERT_EQUAL(run(net, &srv, &cl, 1), 0);
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
        struct simnet *net = net_create();
        struct server srv;
        struct client cl = {0};

        CU_ASSERT_FATAL(net != NULL);
        server_open(&srv, net);
        srv.flood = 70;
        CU_ASSERT(dns_resolve(net->b, "flood.test", on_done, &cl) > 0);
        CU_ASSERT_EQUAL(run(net, &srv, &cl, 1), 0);
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
        struct simnet *net = net_create();
        struct server srv;
        struct client cl = {0};

        CU_ASSERT_FATAL(net != NULL);
        server_open(&srv, net);
        srv.forge = srv.forge_only = true;
        CU_ASSERT(dns_resolve(net->b, "late.test", on_done, &cl) > 0);
        CU_ASSERT_EQUAL(run(net, &srv, &cl, 1), 0);
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
        struct simnet *net = net_create();
        struct server srv;
        struct client cl = {0};

        CU_ASSERT_FATAL(net != NULL);
        server_open(&srv, net);
        for (unsigned i = 0; i < 3; i++) {
                srv.rcode = cases[i].rcode;
                CU_ASSERT(dns_resolve(net->b, "nx.test", on_done, &cl) > 0);
                CU_ASSERT_EQUAL(run(net, &srv, &cl, i + 1), 0);
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
        struct simnet *net = net_create();
        struct server srv;
        struct client cl = {0};

        CU_ASSERT_FATAL(net != NULL);
        server_open(&srv, net);
        srv.tc = DNS_FLAG_TC;
        CU_ASSERT(dns_resolve(net->b, "big.test", on_done, &cl) > 0);
        CU_ASSERT_EQUAL(run(net, &srv, &cl, 1), 0);
        CU_ASSERT_EQUAL(cl.status, 0);
        CU_ASSERT_EQUAL(cl.r.n_addrs, 2);
        CU_ASSERT_EQUAL(cl.r.addrs[0], 0xc0000201u);
        CU_ASSERT_EQUAL(srv.seen, 1);     /* one UDP query, answered with TC */
        CU_ASSERT_EQUAL(srv.tcp_seen, 1); /* then one over TCP */
        /* Without a TCP service the query fails with the connection's error. */
        sock_close(net->a, srv.tcp_lsd);
        CU_ASSERT(dns_resolve(net->b, "other.test", on_done, &cl) > 0);
        CU_ASSERT_EQUAL(run(net, &srv, &cl, 2), 0);
        CU_ASSERT_EQUAL(cl.status, -ECONNREFUSED);
        simnet_run_for(net, 300000000u); /* let TIME-WAIT end before the leak check */
        simnet_destroy(net);
}

static void
numeric_and_invalid_names_skip_the_network(void)
{
        struct simnet *net = net_create();
        struct server srv;
        struct client cl = {0};
        char longname[300];

        CU_ASSERT_FATAL(net != NULL);
        server_open(&srv, net);
        CU_ASSERT(dns_resolve(net->b, "192.0.2.77", on_done, &cl) > 0);
        CU_ASSERT_EQUAL(cl.calls, 0);
        CU_ASSERT_EQUAL(run(net, &srv, &cl, 1), 0);
        CU_ASSERT_EQUAL(cl.status, 0);
        CU_ASSERT_TRUE(cl.r.numeric);
        CU_ASSERT_EQUAL(cl.r.addrs[0], 0xc000024du);
        CU_ASSERT_EQUAL(srv.seen, 0);
        /* RFC 1035 2.3.4 limits, refused before anything is sent. */
        memset(longname, 'a', sizeof(longname));
        longname[64] = 0;
        CU_ASSERT_EQUAL(dns_resolve(net->b, longname, on_done, &cl), -EINVAL);
        longname[64] = 'a';
        for (int i = 60; i < 299; i += 60)
                longname[i] = '.'; /* five labels under 63 octets, 301 octets in all */
        longname[299] = 0;
        CU_ASSERT_EQUAL(dns_resolve(net->b, longname, on_done, &cl), -EINVAL);
        CU_ASSERT_EQUAL(dns_resolve(net->b, "", on_done, &cl), -EINVAL);
        CU_ASSERT_EQUAL(dns_resolve(net->b, "a..b", on_done, &cl), -EINVAL);
        simnet_run_for(net, 1000000);
        CU_ASSERT_EQUAL(srv.seen, 0);
        CU_ASSERT_EQUAL(cl.calls, 1);
        simnet_destroy(net);
}

static void
rfc5452_9_2_queries_bounded_with_fresh_ports_and_ids(void)
{
        struct simnet *net = net_create();
        struct server srv;
        struct client cl = {0}, cancelled = {0};
        char name[32];
        int ids[16], extra;
        unsigned same_id = 0;

        CU_ASSERT_FATAL(net != NULL);
        server_open(&srv, net);
        for (int i = 0; i < 16; i++) {
                snprintf(name, sizeof(name), "n%d.test", i);
                ids[i] = dns_resolve(net->b, name, on_done, i == 3 ? &cancelled : &cl);
                CU_ASSERT(ids[i] > 0);
        }
        CU_ASSERT_EQUAL(dns_resolve(net->b, "one-too-many.test", on_done, &cl), -ENOBUFS);
        CU_ASSERT_EQUAL(dns_cancel(net->b, ids[3]), 0);
        CU_ASSERT_EQUAL(dns_cancel(net->b, ids[3]), -ENOENT);
        extra = dns_resolve(net->b, "one-more.test", on_done, &cl);
        CU_ASSERT(extra > 0);
        CU_ASSERT_EQUAL(run(net, &srv, &cl, 16), 0);
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
        CU_ASSERT_EQUAL(socks_open(net->b), 0);
        simnet_destroy(net);
}

/* No server on port 53: A answers with ICMP port unreachable (RFC 1122 4.1.3.1). Anyone can
 * forge that, and our query socket is not connected, so it ends nothing: the query runs its
 * retries and times out, and nothing stays open or allocated. */
static void
rfc1122_4_1_3_1_port_unreachable_does_not_end_the_query_early(void)
{
        struct simnet *net = net_create();
        struct client cl = {0};
        uint64_t start;

        CU_ASSERT_FATAL(net != NULL);
        start = simnet_now_us(net);
        CU_ASSERT(dns_resolve(net->b, "closed.test", on_done, &cl) > 0);
        CU_ASSERT_EQUAL(simnet_run_until(net, NULL, NULL, 6900000), 0);
        CU_ASSERT_EQUAL(cl.calls, 0);
        CU_ASSERT_EQUAL(simnet_run_until(net, NULL, NULL, 200000), 0);
        CU_ASSERT_EQUAL(cl.calls, 1);
        CU_ASSERT(cl.status == -ETIMEDOUT || cl.status == -ECONNREFUSED);
        CU_ASSERT(simnet_now_us(net) - start >= 7000000);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "icmp.unreachables_sent"), 3);
        CU_ASSERT_EQUAL(socks_open(net->b), 0);
        simnet_destroy(net);
}

/* Destroying the stack with queries in flight frees their sockets and packets. */
static void
stack_destroy_with_queries_in_flight(void)
{
        struct simnet *net = net_create();
        struct server srv;
        struct client cl = {0};

        CU_ASSERT_FATAL(net != NULL);
        server_open(&srv, net);
        srv.ignore = 1000;
        CU_ASSERT(dns_resolve(net->b, "one.test", on_done, &cl) > 0);
        CU_ASSERT(dns_resolve(net->b, "192.0.2.1", on_done, &cl) > 0);
        CU_ASSERT_EQUAL(run_for(net, &srv, &cl, 500000), -ETIMEDOUT);
        CU_ASSERT(dns_resolve(net->b, "two.test", on_done, &cl) > 0);
        CU_ASSERT_EQUAL(cl.calls, 1);
        CU_ASSERT_EQUAL(simnet_destroy(net), 0);
        CU_ASSERT_EQUAL(cl.calls, 1);
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

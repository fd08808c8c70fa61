/* The DNS test server and run helpers shared by the resolver simulations (test_dns*.c). */
#include "tests/sim/dns_server.h"

#include <CUnit/CUnit.h>
#include <errno.h>
#include <string.h>

#include "stack/wire/bytes.h"
#include "stack/wire/dns.h"

void
dnst_on_done(void *ctx, int status, const struct dns_result *r)
{
        struct client *c = ctx;

        c->calls++;
        c->status = status;
        c->r = *r;
}

struct simnet *
dnst_net_create(void)
{
        struct simnet_config cfg = {.seed = 0};

        cfg.base.dns_server = SIMNET_ADDR_A;
        return simnet_create(&cfg);
}

void
dnst_server_open(struct server *srv, struct simnet *net)
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

static size_t dnst_server_answer(const struct server *srv, const struct dns_question *q,
                                 uint16_t id, uint8_t *out, size_t cap);

/* TCP: one length-prefixed query per connection, answered in full (no TC) and closed. */
static void
dnst_server_poll_tcp(struct server *srv)
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
        off = dnst_server_answer(srv, &q, m.hdr.id, out + 2, sizeof(out) - 2);
        srv->tc = tc;
        put16(out, (uint16_t)off);
        CU_ASSERT_EQUAL(sock_send(srv->s, srv->tcp_sd, out, off + 2), (ssize_t)off + 2);
        srv->tcp_seen++;
        sock_close(srv->s, srv->tcp_sd);
        srv->tcp_sd = -1;
}

/* Answer q: "alias.test" is a CNAME for "host.test"; every other name has two A records. */
static size_t
dnst_server_answer(const struct server *srv, const struct dns_question *q, uint16_t id,
                   uint8_t *out, size_t cap)
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
dnst_server_forge(struct server *srv, const struct dns_question *q, uint16_t id,
                  const struct sock_addr *to)
{
        struct dns_question other = *q;
        uint8_t out[512];
        size_t len;

        len = dnst_server_answer(srv, q, (uint16_t)(id ^ 0x5a5a), out, sizeof(out));
        sock_sendto(srv->s, srv->sd, out, len, to); /* wrong ID */
        dns_name_from_text("evil.test", &other.name);
        len = dnst_server_answer(srv, &other, id, out, sizeof(out));
        sock_sendto(srv->s, srv->sd, out, len, to); /* wrong question */
        len = dnst_server_answer(srv, q, id, out, sizeof(out));
        sock_sendto(srv->s, srv->alt_sd, out, len, to); /* wrong source port */
        put16(out + 6, 5);
        sock_sendto(srv->s, srv->sd, out, len, to); /* ANCOUNT 5, two records present */
}

/* Read every pending query and answer it as configured. */
void
dnst_server_poll(struct server *srv)
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
                        dnst_server_forge(srv, &q, m.hdr.id, &from);
                if (srv->forge_only && srv->seen == 1)
                        continue;
                for (unsigned i = 0; i < srv->flood; i++) {
                        off = dnst_server_answer(srv, &q, (uint16_t)(m.hdr.id + 1 + i), out,
                                                 sizeof(out));
                        sock_sendto(srv->s, srv->sd, out, off, &from);
                }
                off = dnst_server_answer(srv, &q, m.hdr.id, out, sizeof(out));
                CU_ASSERT_EQUAL(sock_sendto(srv->s, srv->sd, out, off, &from), (ssize_t)off);
        }
}

static bool
dnst_serve_until_done(void *ctx)
{
        struct run *r = ctx;

        dnst_server_poll(r->srv);
        dnst_server_poll_tcp(r->srv);
        return r->cl->calls >= r->want_calls;
}

int
dnst_run(struct simnet *net, struct server *srv, struct client *cl, unsigned want_calls)
{
        struct run r = {.srv = srv, .cl = cl, .want_calls = want_calls};

        return simnet_run_until(net, dnst_serve_until_done, &r, RUN_US);
}

/* Serve for us microseconds whatever happens (-ETIMEDOUT then). */
int
dnst_run_for(struct simnet *net, struct server *srv, struct client *cl, uint64_t us)
{
        struct run r = {.srv = srv, .cl = cl, .want_calls = ~0u};

        return simnet_run_until(net, dnst_serve_until_done, &r, us);
}

static void
dnst_count_socks(void *ctx, const struct sock_info *si)
{
        (void)si;
        (*(unsigned *)ctx)++;
}

unsigned
dnst_socks_open(struct stack *s)
{
        unsigned n = 0;

        sock_list(s, dnst_count_socks, &n);
        return n;
}

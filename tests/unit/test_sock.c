/* The socket table: handles, limits, callbacks, listing, and ephemeral ports (RFC 6056 3.3.3
 * Algorithm 3 keyed by the 4-tuple; random for unconnected UDP, RFC 5452 9.2). */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "stack/core/stack.h"
#include "stack/sock.h"
#include "stack/sock/sock.h"
#include "stack/wire/ipv4.h"

#define EPH_MIN 49152
#define EPH_NUM 16384

static struct manual_clock test_clock = {.now_us = 1000000};

static struct stack *
new_stack(uint64_t seed, unsigned max_socks)
{
        struct stack_config cfg;

        memset(&cfg, 0, sizeof(cfg));
        cfg.clock = clock_manual(&test_clock);
        cfg.seed = seed;
        cfg.max_socks = max_socks;
        cfg.log_level = LOG_ERROR;
        return stack_create(&cfg);
}

static void
sock_handles_are_lowest_free_small_integers(void)
{
        struct stack *s = new_stack(1, 0);

        CU_ASSERT_EQUAL(sock_open(s, SOCK_TYPE_UDP), 0);
        CU_ASSERT_EQUAL(sock_open(s, SOCK_TYPE_UDP), 1);
        CU_ASSERT_EQUAL(sock_open(s, SOCK_TYPE_UDP), 2);
        CU_ASSERT_EQUAL(sock_close(s, 1), 0);
        CU_ASSERT_PTR_NULL(sock_get(s, 1));
        CU_ASSERT_EQUAL(sock_open(s, SOCK_TYPE_UDP), 1);
        CU_ASSERT_PTR_NOT_NULL(sock_get(s, 2));
        CU_ASSERT_EQUAL(sock_get(s, 2)->sd, 2);
        CU_ASSERT_EQUAL(sock_get(s, 2)->type, SOCK_TYPE_UDP);
        CU_ASSERT_EQUAL(sock_open(s, (enum sock_type)7), -EPROTONOSUPPORT);
        stack_destroy(s); /* closes the sockets still open; ASan finds leaks */
}

static void
sock_table_bounded_by_max_socks(void)
{
        struct stack *s = new_stack(1, 4);
        struct sock *so;

        for (int i = 0; i < 4; i++)
                CU_ASSERT_EQUAL(sock_open(s, SOCK_TYPE_UDP), i);
        CU_ASSERT_EQUAL(sock_open(s, SOCK_TYPE_UDP), -EMFILE);
        CU_ASSERT_PTR_NULL(sock_alloc(s, SOCK_TYPE_TCP));
        CU_ASSERT_EQUAL(sock_close(s, 2), 0);
        so = sock_alloc(s, SOCK_TYPE_TCP); /* the path accept() takes */
        CU_ASSERT_PTR_NOT_NULL_FATAL(so);
        CU_ASSERT_EQUAL(so->sd, 2);
        CU_ASSERT_PTR_EQUAL(sock_get(s, 2), so);
        sock_release(s, so);
        CU_ASSERT_PTR_NULL(sock_get(s, 2));
        stack_destroy(s);
}

static void
sock_default_limit_is_1024(void)
{
        struct stack *s = new_stack(1, 0);
        int last = -1;

        for (int i = 0; i < 1024; i++)
                last = sock_open(s, SOCK_TYPE_UDP);
        CU_ASSERT_EQUAL(last, 1023);
        CU_ASSERT_EQUAL(sock_open(s, SOCK_TYPE_UDP), -EMFILE);
        stack_destroy(s);
}

static void
sock_bad_handles_give_ebadf(void)
{
        struct stack *s = new_stack(1, 0);
        char b[4];
        struct sock_addr a = {0};
        int v;

        CU_ASSERT_PTR_NULL(sock_get(s, -1));
        CU_ASSERT_PTR_NULL(sock_get(s, 5000));
        CU_ASSERT_EQUAL(sock_send(s, -1, b, 1), -EBADF);
        CU_ASSERT_EQUAL(sock_recv(s, 3, b, sizeof(b)), -EBADF);
        CU_ASSERT_EQUAL(sock_bind(s, 0, &a), -EBADF);
        CU_ASSERT_EQUAL(sock_getopt(s, 0, SOCK_OPT_RCVBUF, &v), -EBADF);
        CU_ASSERT_EQUAL(sock_events(s, 0), 0);
        CU_ASSERT_EQUAL(sock_open(s, SOCK_TYPE_UDP), 0);
        CU_ASSERT_EQUAL(sock_close(s, 0), 0);
        CU_ASSERT_EQUAL(sock_close(s, 0), -EBADF); /* no double close */
        stack_destroy(s);
}

static void
sock_udp_rejects_stream_calls(void)
{
        struct stack *s = new_stack(1, 0);
        int sd = sock_open(s, SOCK_TYPE_UDP);

        CU_ASSERT_EQUAL(sock_listen(s, sd, 5), -EOPNOTSUPP);
        CU_ASSERT_EQUAL(sock_accept(s, sd, NULL), -EOPNOTSUPP);
        CU_ASSERT_EQUAL(sock_shutdown(s, sd, SHUT_WR), -EOPNOTSUPP);
        CU_ASSERT_EQUAL(sock_shutdown(s, sd, 42), -EINVAL);
        CU_ASSERT_EQUAL(sock_send(s, sd, "x", 1), -EDESTADDRREQ); /* not connected */
        CU_ASSERT_EQUAL(sock_recv(s, sd, NULL, 0), -EAGAIN);
        stack_destroy(s);
}

static void
udp_bind_conflicts_and_addresses(void)
{
        struct stack *s = new_stack(1, 0);
        struct sock_addr any5000 = {.ip = 0, .port = 5000}, other = {.ip = 0x0a000009, .port = 1};
        struct sock_addr got;
        int a = sock_open(s, SOCK_TYPE_UDP), b = sock_open(s, SOCK_TYPE_UDP);

        CU_ASSERT_EQUAL(sock_bind(s, a, &any5000), 0);
        CU_ASSERT_EQUAL(sock_bind(s, a, &any5000), -EINVAL); /* already bound */
        CU_ASSERT_EQUAL(sock_bind(s, b, &any5000), -EADDRINUSE);
        CU_ASSERT_EQUAL(sock_bind(s, b, &other), -EADDRNOTAVAIL); /* not our address */
        CU_ASSERT_EQUAL(sock_local(s, a, &got), 0);
        CU_ASSERT_EQUAL(got.port, 5000);
        CU_ASSERT_EQUAL(sock_peer(s, a, &got), -ENOTCONN);
        CU_ASSERT_EQUAL(sock_close(s, a), 0);
        CU_ASSERT_EQUAL(sock_bind(s, b, &any5000), 0); /* free again after close */
        stack_destroy(s);
}

/* Bind n UDP sockets to port 0 and collect their ports. */
static void
bind_ephemeral(struct stack *s, uint16_t *ports, int n)
{
        struct sock_addr any = {0}, got;

        for (int i = 0; i < n; i++) {
                int sd = sock_open(s, SOCK_TYPE_UDP);
                CU_ASSERT_FATAL(sd >= 0);
                CU_ASSERT_EQUAL(sock_bind(s, sd, &any), 0);
                CU_ASSERT_EQUAL(sock_local(s, sd, &got), 0);
                ports[i] = got.port;
        }
}

static void
rfc6056_ephemeral_ports_in_dynamic_range_distinct_and_random(void)
{
        enum { N = 256 };
        struct stack *s = new_stack(7, 0);
        uint16_t ports[N];
        unsigned buckets[16] = {0}, used = 0, consecutive = 0;

        bind_ephemeral(s, ports, N);
        for (int i = 0; i < N; i++) {
                CU_ASSERT(ports[i] >= EPH_MIN);
                for (int j = 0; j < i; j++)
                        CU_ASSERT_NOT_EQUAL(ports[i], ports[j]);
                buckets[(ports[i] - EPH_MIN) / 1024]++;
                if (i > 0 && (uint16_t)(ports[i] - ports[i - 1]) == 1)
                        consecutive++;
        }
        for (int i = 0; i < 16; i++)
                used += buckets[i] > 0;
        /* 256 uniform draws fill all 16 buckets with overwhelming probability; a sequential
         * allocator fills one, and would make nearly every step +1. */
        CU_ASSERT(used >= 14);
        CU_ASSERT(consecutive < 8);
        stack_destroy(s);
}

static void
rfc6056_ephemeral_ports_differ_between_stacks(void)
{
        struct stack *s1 = new_stack(1, 0), *s2 = new_stack(2, 0);
        uint16_t p1[4], p2[4];

        bind_ephemeral(s1, p1, 4);
        bind_ephemeral(s2, p2, 4);
        CU_ASSERT(memcmp(p1, p2, sizeof(p1)) != 0);
        stack_destroy(s1);
        stack_destroy(s2);
}

static uint16_t only_free_port;

static bool
all_but_one_in_use(struct stack *s, uint16_t port, uint32_t laddr, uint32_t raddr, uint16_t rport)
{
        (void)s;
        (void)laddr;
        (void)raddr;
        (void)rport;
        return port != only_free_port;
}

static bool
all_in_use(struct stack *s, uint16_t port, uint32_t laddr, uint32_t raddr, uint16_t rport)
{
        (void)s;
        (void)port;
        (void)laddr;
        (void)raddr;
        (void)rport;
        return true;
}

static void
rfc6056_alg3_probe_finds_last_free_port_or_fails(void)
{
        struct stack *s = new_stack(3, 0);

        only_free_port = 61234;
        CU_ASSERT_EQUAL(
            sock_ephemeral_port(s, IPV4_PROTO_TCP, 0x0a000001, 0x08080808, 80, all_but_one_in_use),
            61234);
        only_free_port = EPH_MIN;
        CU_ASSERT_EQUAL(
            sock_ephemeral_port(s, IPV4_PROTO_TCP, 0x0a000001, 0x08080808, 80, all_but_one_in_use),
            EPH_MIN);
        only_free_port = 65535;
        CU_ASSERT_EQUAL(
            sock_ephemeral_port(s, IPV4_PROTO_UDP, 0x0a000001, 0, 0, all_but_one_in_use), 65535);
        CU_ASSERT_EQUAL(
            sock_ephemeral_port(s, IPV4_PROTO_TCP, 0x0a000001, 0x08080808, 80, all_in_use), 0);
        stack_destroy(s);
}

static void
rfc6056_alg3_same_tuple_advances_other_tuple_unrelated(void)
{
        struct stack *s = new_stack(4, 0);
        uint16_t a1 = sock_ephemeral_port(s, IPV4_PROTO_TCP, 0x0a000001, 0x8efac48e, 80, NULL);
        uint16_t a2 = sock_ephemeral_port(s, IPV4_PROTO_TCP, 0x0a000001, 0x8efac48e, 80, NULL);
        uint16_t b1 = sock_ephemeral_port(s, IPV4_PROTO_TCP, 0x0a000001, 0x8efac48e, 443, NULL);
        uint16_t a3 = sock_ephemeral_port(s, IPV4_PROTO_TCP, 0x0a000001, 0x8efac48e, 80, NULL);

        /* One destination: next_ephemeral advances by one per call, so its ports step on
         * (RFC 6056 3.3.3); another destination starts from its own keyed offset. */
        CU_ASSERT_EQUAL((a2 - EPH_MIN + EPH_NUM - (a1 - EPH_MIN)) % EPH_NUM, 1);
        CU_ASSERT_EQUAL((a3 - EPH_MIN + EPH_NUM - (a1 - EPH_MIN)) % EPH_NUM, 3);
        CU_ASSERT((b1 - EPH_MIN + EPH_NUM - (a1 - EPH_MIN)) % EPH_NUM != 2);
        stack_destroy(s);
}

struct cb_log {
        int calls;
        int sd;
        unsigned events;
};

static void
record_cb(void *ctx, int sd, unsigned events)
{
        struct cb_log *l = ctx;

        l->calls++;
        l->sd = sd;
        l->events = events;
}

static void
sock_callback_only_when_events_change(void)
{
        struct stack *s = new_stack(1, 0);
        struct cb_log log = {0};
        int sd = sock_open(s, SOCK_TYPE_UDP);

        CU_ASSERT_EQUAL(sock_set_callback(s, sd, record_cb, &log), 0);
        stack_poll(s);
        CU_ASSERT_EQUAL(log.calls, 1);
        CU_ASSERT_EQUAL(log.sd, sd);
        CU_ASSERT_EQUAL(log.events, SOCK_WRITABLE);
        stack_poll(s);
        CU_ASSERT_EQUAL(log.calls, 1); /* nothing changed */
        /* As udp_icmp_error does: whoever stores an error touches the socket. */
        sock_get(s, sd)->error = -ECONNREFUSED;
        sock_touch(s, sock_get(s, sd));
        stack_poll(s);
        CU_ASSERT_EQUAL(log.calls, 2);
        CU_ASSERT_EQUAL(log.events, SOCK_WRITABLE | SOCK_READABLE | SOCK_ERROR);
        CU_ASSERT_EQUAL(sock_error(s, sd), -ECONNREFUSED);
        CU_ASSERT_EQUAL(sock_error(s, sd), 0); /* fetched and cleared */
        stack_poll(s);
        CU_ASSERT_EQUAL(log.calls, 3);
        CU_ASSERT_EQUAL(log.events, SOCK_WRITABLE);
        stack_destroy(s);
}

static void
close_other_cb(void *ctx, int sd, unsigned events)
{
        struct stack *s = ctx;

        (void)events;
        sock_close(s, sd + 1); /* a callback may close another socket mid-delivery */
        sock_close(s, sd);
}

static void
sock_callback_may_close_sockets(void)
{
        struct stack *s = new_stack(1, 0);
        int a = sock_open(s, SOCK_TYPE_UDP), b = sock_open(s, SOCK_TYPE_UDP);

        sock_set_callback(s, a, close_other_cb, s);
        sock_set_callback(s, b, close_other_cb, s);
        stack_poll(s);
        CU_ASSERT_PTR_NULL(sock_get(s, a));
        CU_ASSERT_PTR_NULL(sock_get(s, b));
        stack_destroy(s);
}

struct rows {
        int n;
        struct sock_info info[4];
};

static void
collect_row(void *ctx, const struct sock_info *info)
{
        struct rows *r = ctx;

        if (r->n < 4)
                r->info[r->n] = *info;
        r->n++;
}

static void
sock_list_shows_udp_sockets(void)
{
        struct stack *s = new_stack(1, 0);
        struct sock_addr p = {.port = 7};
        struct rows rows = {0};
        int a = sock_open(s, SOCK_TYPE_UDP), b = sock_open(s, SOCK_TYPE_UDP);

        CU_ASSERT_EQUAL(sock_bind(s, b, &p), 0);
        sock_list(s, collect_row, &rows);
        CU_ASSERT_EQUAL_FATAL(rows.n, 2);
        CU_ASSERT_EQUAL(rows.info[0].sd, a);
        CU_ASSERT_EQUAL(rows.info[0].type, SOCK_TYPE_UDP);
        CU_ASSERT_STRING_EQUAL(rows.info[0].state_name, "UNCONN");
        CU_ASSERT_EQUAL(rows.info[1].sd, b);
        CU_ASSERT_EQUAL(rows.info[1].local.port, 7);
        CU_ASSERT_EQUAL(rows.info[1].recv_q, 0);
        stack_destroy(s);
}

static void
udp_socket_options(void)
{
        struct stack *s = new_stack(1, 0);
        int sd = sock_open(s, SOCK_TYPE_UDP), v = 0;

        CU_ASSERT_EQUAL(sock_getopt(s, sd, SOCK_OPT_TTL, &v), 0);
        CU_ASSERT_EQUAL(v, 64);
        CU_ASSERT_EQUAL(sock_setopt(s, sd, SOCK_OPT_TTL, 7), 0);
        CU_ASSERT_EQUAL(sock_getopt(s, sd, SOCK_OPT_TTL, &v), 0);
        CU_ASSERT_EQUAL(v, 7);
        CU_ASSERT_EQUAL(sock_setopt(s, sd, SOCK_OPT_TTL, 256), -EINVAL);
        CU_ASSERT_EQUAL(sock_setopt(s, sd, SOCK_OPT_RCVBUF, 4096), 0);
        CU_ASSERT_EQUAL(sock_getopt(s, sd, SOCK_OPT_RCVBUF, &v), 0);
        CU_ASSERT_EQUAL(v, 4096);
        CU_ASSERT_EQUAL(sock_setopt(s, sd, SOCK_OPT_RCVBUF, -1), -EINVAL);
        CU_ASSERT_EQUAL(sock_setopt(s, sd, SOCK_OPT_NODELAY, 1), -ENOPROTOOPT);
        CU_ASSERT_EQUAL(sock_getopt(s, sd, SOCK_OPT_KEEPALIVE, &v), -ENOPROTOOPT);
        stack_destroy(s);
}

void
suite_sock(void)
{
        CU_pSuite su = CU_add_suite("sock", NULL, NULL);
        CU_add_test(su, "sock_handles_are_lowest_free_small_integers",
                    sock_handles_are_lowest_free_small_integers);
        CU_add_test(su, "sock_table_bounded_by_max_socks", sock_table_bounded_by_max_socks);
        CU_add_test(su, "sock_default_limit_is_1024", sock_default_limit_is_1024);
        CU_add_test(su, "sock_bad_handles_give_ebadf", sock_bad_handles_give_ebadf);
        CU_add_test(su, "sock_udp_rejects_stream_calls", sock_udp_rejects_stream_calls);
        CU_add_test(su, "udp_bind_conflicts_and_addresses", udp_bind_conflicts_and_addresses);
        CU_add_test(su, "rfc6056_ephemeral_ports_in_dynamic_range_distinct_and_random",
                    rfc6056_ephemeral_ports_in_dynamic_range_distinct_and_random);
        CU_add_test(su, "rfc6056_ephemeral_ports_differ_between_stacks",
                    rfc6056_ephemeral_ports_differ_between_stacks);
        CU_add_test(su, "rfc6056_alg3_probe_finds_last_free_port_or_fails",
                    rfc6056_alg3_probe_finds_last_free_port_or_fails);
        CU_add_test(su, "rfc6056_alg3_same_tuple_advances_other_tuple_unrelated",
                    rfc6056_alg3_same_tuple_advances_other_tuple_unrelated);
        CU_add_test(su, "sock_callback_only_when_events_change",
                    sock_callback_only_when_events_change);
        CU_add_test(su, "sock_callback_may_close_sockets", sock_callback_may_close_sockets);
        CU_add_test(su, "sock_list_shows_udp_sockets", sock_list_shows_udp_sockets);
        CU_add_test(su, "udp_socket_options", udp_socket_options);
}

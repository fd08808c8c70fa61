/* UDP between two stacks over simlink (RFC 768, RFC 1122 4.1.3): datagram exchange with the
 * peer's address, ephemeral ports, port unreachable as -ECONNREFUSED, bounded queues,
 * truncation, fragmentation, checksums on the wire and malformed input. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <string.h>

#include "stack/sock.h"
#include "stack/wire/bytes.h"
#include "stack/wire/eth.h"
#include "stack/wire/ipv4.h"
#include "stack/wire/udp.h"
#include "tests/common/simnet.h"

#define ECHO_PORT 7
#define RUN_US 2000000

struct readable {
        struct stack *s;
        int sd;
};

static bool
is_readable(void *ctx)
{
        struct readable *r = ctx;
        return (sock_events(r->s, r->sd) & SOCK_READABLE) != 0;
}

/* Run until sd on s is readable; 0 when it became so. */
static int
wait_readable(struct simnet *net, struct stack *s, int sd)
{
        struct readable r = {.s = s, .sd = sd};
        return simnet_run_until(net, is_readable, &r, RUN_US);
}

static int
udp_bound(struct stack *s, uint16_t port)
{
        struct sock_addr a = {.port = port};
        int sd = sock_open(s, SOCK_TYPE_UDP);

        CU_ASSERT_FATAL(sd >= 0);
        CU_ASSERT_EQUAL(sock_bind(s, sd, &a), 0);
        return sd;
}

static void
rfc768_datagram_exchange_carries_peer_address(void)
{
        struct simnet *net = simnet_create_seed(0);
        struct sock_addr b7 = {.ip = SIMNET_ADDR_B, .port = ECHO_PORT}, from, local;
        char buf[64];
        int srv, cli;

        CU_ASSERT_FATAL(net != NULL);
        srv = udp_bound(net->b, ECHO_PORT);
        cli = sock_open(net->a, SOCK_TYPE_UDP);
        CU_ASSERT_EQUAL(sock_sendto(net->a, cli, "hello", 5, &b7), 5);
        /* sendto bound the socket to an ephemeral port in the dynamic range (RFC 6056). */
        CU_ASSERT_EQUAL(sock_local(net->a, cli, &local), 0);
        CU_ASSERT(local.port >= 49152);
        CU_ASSERT_EQUAL(wait_readable(net, net->b, srv), 0);
        CU_ASSERT_EQUAL(sock_recvfrom(net->b, srv, buf, sizeof(buf), &from), 5);
        CU_ASSERT_EQUAL(memcmp(buf, "hello", 5), 0);
        CU_ASSERT_EQUAL(from.ip, SIMNET_ADDR_A);
        CU_ASSERT_EQUAL(from.port, local.port);
        CU_ASSERT_EQUAL(sock_recvfrom(net->b, srv, buf, sizeof(buf), &from), -EAGAIN);
        /* Echo it back to the address it came from. */
        CU_ASSERT_EQUAL(sock_sendto(net->b, srv, buf, 5, &from), 5);
        CU_ASSERT_EQUAL(wait_readable(net, net->a, cli), 0);
        memset(buf, 0, sizeof(buf));
        CU_ASSERT_EQUAL(sock_recvfrom(net->a, cli, buf, sizeof(buf), &from), 5);
        CU_ASSERT_EQUAL(memcmp(buf, "hello", 5), 0);
        CU_ASSERT_EQUAL(from.ip, SIMNET_ADDR_B);
        CU_ASSERT_EQUAL(from.port, ECHO_PORT);
        /* An empty datagram is a datagram too. */
        CU_ASSERT_EQUAL(sock_sendto(net->a, cli, "", 0, &b7), 0);
        CU_ASSERT_EQUAL(wait_readable(net, net->b, srv), 0);
        CU_ASSERT_EQUAL(sock_recvfrom(net->b, srv, buf, sizeof(buf), NULL), 0);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "udp.tx"), 2);
        CU_ASSERT_EQUAL(stack_counter_get(net->b, "udp.rx"), 2);
        sock_close(net->a, cli);
        sock_close(net->b, srv);
        simnet_destroy(net);
}

static void
udp_connected_send_recv_and_peer_filter(void)
{
        struct simnet *net = simnet_create_seed(0);
        struct sock_addr b7 = {.ip = SIMNET_ADDR_B, .port = ECHO_PORT}, a_addr, peer;
        char buf[16];
        int srv, other, cli;

        CU_ASSERT_FATAL(net != NULL);
        srv = udp_bound(net->b, ECHO_PORT);
        other = udp_bound(net->b, 8);
        cli = sock_open(net->a, SOCK_TYPE_UDP);
        CU_ASSERT_EQUAL(sock_connect(net->a, cli, &b7), 0);
        CU_ASSERT_EQUAL(sock_peer(net->a, cli, &peer), 0);
        CU_ASSERT_EQUAL(peer.port, ECHO_PORT);
        /* connect fixed the local address to the route's source, as Linux does. */
        CU_ASSERT_EQUAL(sock_local(net->a, cli, &a_addr), 0);
        CU_ASSERT_EQUAL(a_addr.ip, SIMNET_ADDR_A);
        CU_ASSERT_EQUAL(sock_send(net->a, cli, "ping", 4), 4);
        CU_ASSERT_EQUAL(wait_readable(net, net->b, srv), 0);
        CU_ASSERT_EQUAL(sock_recv(net->b, srv, buf, sizeof(buf)), 4);
        /* A datagram from another port of the peer does not reach the connected socket. */
        CU_ASSERT_EQUAL(sock_sendto(net->b, other, "x", 1, &a_addr), 1);
        simnet_run_for(net, 100000);
        CU_ASSERT_EQUAL(sock_recv(net->a, cli, buf, sizeof(buf)), -EAGAIN);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "udp.drop_no_port"), 1);
        CU_ASSERT_EQUAL(sock_sendto(net->b, srv, "pong", 4, &a_addr), 4);
        CU_ASSERT_EQUAL(wait_readable(net, net->a, cli), 0);
        CU_ASSERT_EQUAL(sock_recv(net->a, cli, buf, sizeof(buf)), 4);
        CU_ASSERT_EQUAL(memcmp(buf, "pong", 4), 0);
        sock_close(net->a, cli);
        sock_close(net->b, srv);
        sock_close(net->b, other);
        simnet_destroy(net);
}

static bool
has_error(void *ctx)
{
        struct readable *r = ctx;
        return (sock_events(r->s, r->sd) & SOCK_ERROR) != 0;
}

static void
rfc1122_4_1_3_1_port_unreachable_gives_econnrefused(void)
{
        struct simnet *net = simnet_create_seed(0);
        struct sock_addr closed = {.ip = SIMNET_ADDR_B, .port = 9999};
        struct readable r;
        char buf[8];
        int cli;

        CU_ASSERT_FATAL(net != NULL);
        cli = sock_open(net->a, SOCK_TYPE_UDP);
        CU_ASSERT_EQUAL(sock_connect(net->a, cli, &closed), 0);
        CU_ASSERT_EQUAL(sock_send(net->a, cli, "knock", 5), 5);
        r.s = net->a;
        r.sd = cli;
        CU_ASSERT_EQUAL(simnet_run_until(net, has_error, &r, RUN_US), 0);
        CU_ASSERT_EQUAL(stack_counter_get(net->b, "udp.drop_no_port"), 1);
        CU_ASSERT_EQUAL(stack_counter_get(net->b, "icmp.unreachables_sent"), 1);
        CU_ASSERT(sock_events(net->a, cli) & SOCK_READABLE);
        /* The error is returned once, by the next call, then cleared (like so_error). */
        CU_ASSERT_EQUAL(sock_recv(net->a, cli, buf, sizeof(buf)), -ECONNREFUSED);
        CU_ASSERT_EQUAL(sock_recv(net->a, cli, buf, sizeof(buf)), -EAGAIN);
        CU_ASSERT_FALSE(sock_events(net->a, cli) & SOCK_ERROR);
        /* Again, this time the next send reports it. */
        CU_ASSERT_EQUAL(sock_send(net->a, cli, "knock", 5), 5);
        CU_ASSERT_EQUAL(simnet_run_until(net, has_error, &r, RUN_US), 0);
        CU_ASSERT_EQUAL(sock_send(net->a, cli, "knock", 5), -ECONNREFUSED);
        CU_ASSERT_EQUAL(sock_send(net->a, cli, "knock", 5), 5);
        simnet_run_for(net, 100000);
        sock_close(net->a, cli);
        simnet_destroy(net);
}

static void
rfc1122_4_1_3_3_unconnected_socket_not_told_of_icmp_errors(void)
{
        struct simnet *net = simnet_create_seed(0);
        struct sock_addr closed = {.ip = SIMNET_ADDR_B, .port = 9999};
        int cli;

        CU_ASSERT_FATAL(net != NULL);
        cli = sock_open(net->a, SOCK_TYPE_UDP);
        CU_ASSERT_EQUAL(sock_sendto(net->a, cli, "knock", 5, &closed), 5);
        simnet_run_for(net, 500000);
        CU_ASSERT_EQUAL(stack_counter_get(net->b, "icmp.unreachables_sent"), 1);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "icmp.errors_received"), 1);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "icmp.errors_ignored"), 1);
        CU_ASSERT_EQUAL(sock_events(net->a, cli), SOCK_WRITABLE);
        CU_ASSERT_EQUAL(sock_error(net->a, cli), 0);
        sock_close(net->a, cli);
        simnet_destroy(net);
}

static void
rfc1122_3_2_2_no_port_unreachable_for_broadcast(void)
{
        struct simnet *net = simnet_create_seed(0);
        struct sock_addr bcast = {.ip = 0x0a0000ffu, .port = 9999};
        int cli;

        CU_ASSERT_FATAL(net != NULL);
        cli = sock_open(net->a, SOCK_TYPE_UDP);
        CU_ASSERT_EQUAL(sock_sendto(net->a, cli, "anyone?", 7, &bcast), 7);
        simnet_run_for(net, 500000);
        CU_ASSERT_EQUAL(stack_counter_get(net->b, "udp.drop_no_port"), 1);
        CU_ASSERT_EQUAL(stack_counter_get(net->b, "icmp.unreachables_sent"), 0);
        sock_close(net->a, cli);
        simnet_destroy(net);
}

static void
udp_broadcast_reaches_wildcard_bound_socket(void)
{
        struct simnet *net = simnet_create_seed(0);
        struct sock_addr bcast = {.ip = 0x0a0000ffu, .port = 5353}, from;
        char buf[8];
        int srv, cli;

        CU_ASSERT_FATAL(net != NULL);
        srv = udp_bound(net->b, 5353);
        cli = sock_open(net->a, SOCK_TYPE_UDP);
        CU_ASSERT_EQUAL(sock_sendto(net->a, cli, "hi", 2, &bcast), 2);
        CU_ASSERT_EQUAL(wait_readable(net, net->b, srv), 0);
        CU_ASSERT_EQUAL(sock_recvfrom(net->b, srv, buf, sizeof(buf), &from), 2);
        CU_ASSERT_EQUAL(from.ip, SIMNET_ADDR_A);
        sock_close(net->a, cli);
        sock_close(net->b, srv);
        simnet_destroy(net);
}

/* Send one datagram A -> B:port and let it arrive (ARP warm-up and steady state alike). */
static void
send_and_settle(struct simnet *net, int cli, uint16_t port, size_t len)
{
        static uint8_t payload[65536];
        struct sock_addr to = {.ip = SIMNET_ADDR_B, .port = port};

        for (size_t i = 0; i < len; i++)
                payload[i] = (uint8_t)(i * 13 + len);
        CU_ASSERT_EQUAL(sock_sendto(net->a, cli, payload, len, &to), (ssize_t)len);
        simnet_run_for(net, 20000);
}

static void
udp_receive_queue_bounded_by_rcvbuf_with_drop_counter(void)
{
        struct simnet *net = simnet_create_seed(0);
        char buf[600];
        int srv, cli, n = 0, v;

        CU_ASSERT_FATAL(net != NULL);
        srv = udp_bound(net->b, ECHO_PORT);
        cli = sock_open(net->a, SOCK_TYPE_UDP);
        CU_ASSERT_EQUAL(sock_setopt(net->b, srv, SOCK_OPT_RCVBUF, 2048), 0);
        CU_ASSERT_EQUAL(sock_getopt(net->b, srv, SOCK_OPT_RCVBUF, &v), 0);
        CU_ASSERT_EQUAL(v, 2048);
        for (int i = 0; i < 10; i++)
                send_and_settle(net, cli, ECHO_PORT, 500);
        /* 4 x 500 bytes fit in 2048; the other six are dropped and counted. */
        CU_ASSERT_EQUAL(stack_counter_get(net->b, "udp.drop_queue_full"), 6);
        while (sock_recv(net->b, srv, buf, sizeof(buf)) == 500)
                n++;
        CU_ASSERT_EQUAL(n, 4);
        /* Reading made room again. */
        send_and_settle(net, cli, ECHO_PORT, 500);
        CU_ASSERT_EQUAL(sock_recv(net->b, srv, buf, sizeof(buf)), 500);
        sock_close(net->a, cli);
        sock_close(net->b, srv);
        simnet_destroy(net);
}

static void
udp_receive_queue_bounded_in_datagrams(void)
{
        struct simnet *net = simnet_create_seed(0);
        int srv, cli;

        CU_ASSERT_FATAL(net != NULL);
        srv = udp_bound(net->b, ECHO_PORT);
        cli = sock_open(net->a, SOCK_TYPE_UDP);
        for (int i = 0; i < 200; i++)
                send_and_settle(net, cli, ECHO_PORT, 1);
        /* 200 one-byte datagrams are far below RCVBUF, but each pins a packet buffer: the
         * datagram bound (128) stops a slow reader from draining the pool. */
        CU_ASSERT_EQUAL(stack_counter_get(net->b, "udp.drop_queue_full"), 200 - 128);
        CU_ASSERT_EQUAL(stack_pkts_in_use(net->b), 128);
        /* Closing the socket frees what it held. */
        sock_close(net->b, srv);
        CU_ASSERT_EQUAL(stack_pkts_in_use(net->b), 0);
        sock_close(net->a, cli);
        simnet_destroy(net);
}

static void
udp_short_buffer_truncates_and_discards_rest(void)
{
        struct simnet *net = simnet_create_seed(0);
        char buf[100];
        int srv, cli;

        CU_ASSERT_FATAL(net != NULL);
        srv = udp_bound(net->b, ECHO_PORT);
        cli = sock_open(net->a, SOCK_TYPE_UDP);
        send_and_settle(net, cli, ECHO_PORT, 100);
        send_and_settle(net, cli, ECHO_PORT, 3);
        CU_ASSERT_EQUAL(sock_recv(net->b, srv, buf, 10), 10);
        CU_ASSERT_EQUAL((uint8_t)buf[9], (uint8_t)(9 * 13 + 100));
        /* The other 90 bytes are gone: the next read is the next datagram. */
        CU_ASSERT_EQUAL(sock_recv(net->b, srv, buf, sizeof(buf)), 3);
        CU_ASSERT_EQUAL(sock_recv(net->b, srv, buf, sizeof(buf)), -EAGAIN);
        sock_close(net->a, cli);
        sock_close(net->b, srv);
        simnet_destroy(net);
}

static void
rfc791_large_datagram_fragmented_and_reassembled(void)
{
        static uint8_t buf[65536];
        struct simnet *net = simnet_create_seed(0);
        struct sock_addr to = {.ip = SIMNET_ADDR_B, .port = ECHO_PORT};
        int srv, cli, bad = 0;

        CU_ASSERT_FATAL(net != NULL);
        srv = udp_bound(net->b, ECHO_PORT);
        cli = sock_open(net->a, SOCK_TYPE_UDP);
        send_and_settle(net, cli, ECHO_PORT, 1); /* resolve ARP first */
        CU_ASSERT_EQUAL(sock_recv(net->b, srv, buf, sizeof(buf)), 1);
        send_and_settle(net, cli, ECHO_PORT, 4000);
        /* 4008 bytes of UDP: 1480 + 1480 + 1048 (RFC 791 3.2). */
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "ip.fragments_sent"), 3);
        CU_ASSERT_EQUAL(sock_recv(net->b, srv, buf, sizeof(buf)), 4000);
        for (size_t i = 0; i < 4000; i++)
                bad += buf[i] != (uint8_t)(i * 13 + 4000);
        CU_ASSERT_EQUAL(bad, 0);
        send_and_settle(net, cli, ECHO_PORT, 65507); /* the largest there is */
        CU_ASSERT_EQUAL(sock_recv(net->b, srv, buf, sizeof(buf)), 65507);
        CU_ASSERT_EQUAL(sock_sendto(net->a, cli, buf, 65508, &to), -EMSGSIZE);
        sock_close(net->a, cli);
        sock_close(net->b, srv);
        simnet_destroy(net);
}

struct csum_watch {
        unsigned udp_frames, zero_csum, bad_csum;
};

/* Look at every UDP frame on the wire: the checksum must be present and right. */
static bool
watch_udp_csum(void *ctx, enum simlink_end from, uint8_t *frame, size_t len)
{
        struct csum_watch *w = ctx;
        const uint8_t *ip = frame + ETH_HDR_LEN;
        size_t ihl;

        (void)from;
        if (len < ETH_HDR_LEN + IPV4_HDR_LEN + UDP_HDR_LEN || get16(frame + 12) != ETH_TYPE_IPV4 ||
            ip[9] != IPV4_PROTO_UDP)
                return true;
        ihl = (size_t)(ip[0] & 15) * 4;
        w->udp_frames++;
        if (get16(ip + ihl + 6) == 0)
                w->zero_csum++;
        if (!udp_csum_ok(ip + ihl, get16(ip + ihl + 4), get32(ip + 12), get32(ip + 16)))
                w->bad_csum++;
        return true;
}

static void
rfc1122_4_1_3_4_checksum_always_sent(void)
{
        struct simnet *net = simnet_create_seed(0);
        struct csum_watch w = {0};
        char buf[64];
        int srv, cli;

        CU_ASSERT_FATAL(net != NULL);
        simlink_set_filter(net->link, watch_udp_csum, &w);
        srv = udp_bound(net->b, ECHO_PORT);
        cli = sock_open(net->a, SOCK_TYPE_UDP);
        for (size_t len = 0; len < 40; len++) {
                send_and_settle(net, cli, ECHO_PORT, len);
                CU_ASSERT_EQUAL(sock_recv(net->b, srv, buf, sizeof(buf)), (ssize_t)len);
        }
        CU_ASSERT_EQUAL(w.udp_frames, 40);
        CU_ASSERT_EQUAL(w.zero_csum, 0);
        CU_ASSERT_EQUAL(w.bad_csum, 0);
        simlink_set_filter(net->link, NULL, NULL);
        sock_close(net->a, cli);
        sock_close(net->b, srv);
        simnet_destroy(net);
}

struct ip_watch {
        unsigned frames;
        uint8_t ttl, tos;
};

static bool
watch_ip_fields(void *ctx, enum simlink_end from, uint8_t *frame, size_t len)
{
        struct ip_watch *w = ctx;
        const uint8_t *ip = frame + ETH_HDR_LEN;

        if (from != SIMLINK_A || len < ETH_HDR_LEN + IPV4_HDR_LEN ||
            get16(frame + 12) != ETH_TYPE_IPV4 || ip[9] != IPV4_PROTO_UDP)
                return true;
        w->frames++;
        w->ttl = ip[8];
        w->tos = ip[1];
        return true;
}

static void
udp_ttl_and_tos_options_reach_the_wire(void)
{
        struct simnet *net = simnet_create_seed(0);
        struct ip_watch w = {0};
        int srv, cli;

        CU_ASSERT_FATAL(net != NULL);
        simlink_set_filter(net->link, watch_ip_fields, &w);
        srv = udp_bound(net->b, ECHO_PORT);
        cli = sock_open(net->a, SOCK_TYPE_UDP);
        send_and_settle(net, cli, ECHO_PORT, 4);
        CU_ASSERT_EQUAL(w.ttl, 64); /* RFC 1122 3.2.1.7 default */
        CU_ASSERT_EQUAL(sock_setopt(net->a, cli, SOCK_OPT_TTL, 3), 0);
        CU_ASSERT_EQUAL(sock_setopt(net->a, cli, SOCK_OPT_TOS, 0x10), 0);
        send_and_settle(net, cli, ECHO_PORT, 4);
        CU_ASSERT_EQUAL(w.frames, 2);
        CU_ASSERT_EQUAL(w.ttl, 3);
        CU_ASSERT_EQUAL(w.tos, 0x10);
        simlink_set_filter(net->link, NULL, NULL);
        sock_close(net->a, cli);
        sock_close(net->b, srv);
        simnet_destroy(net);
}

/* Linux semantics: "host unreachable" (here from ARP giving up, RFC 1122 2.3.2.2) is a soft
 * error; a connected UDP socket is not failed by it, a later datagram may get through. */
static void
rfc1122_4_1_3_3_soft_icmp_error_not_reported(void)
{
        struct simnet *net = simnet_create_seed(0);
        struct sock_addr nobody = {.ip = 0x0a000003u, .port = 53};
        int cli;

        CU_ASSERT_FATAL(net != NULL);
        cli = sock_open(net->a, SOCK_TYPE_UDP);
        CU_ASSERT_EQUAL(sock_connect(net->a, cli, &nobody), 0);
        CU_ASSERT_EQUAL(sock_send(net->a, cli, "q", 1), 1);
        simnet_run_for(net, 10000000);
        CU_ASSERT(stack_counter_get(net->a, "arp.resolution_failed") >= 1);
        CU_ASSERT(stack_counter_get(net->a, "icmp.errors_ignored") >= 1);
        CU_ASSERT_EQUAL(sock_events(net->a, cli), SOCK_WRITABLE);
        CU_ASSERT_EQUAL(sock_error(net->a, cli), 0);
        sock_close(net->a, cli);
        simnet_destroy(net);
}

/* One stack, the test plays 10.0.0.2: inject a UDP datagram with a header built by hand. */
static void
inject_udp(struct simnet *net, uint16_t sport, uint16_t dport, const char *data, size_t len,
           void (*mangle)(uint8_t *udp, size_t udp_len))
{
        uint8_t udp[128], frame[256];
        struct udp_hdr h = {.sport = sport, .dport = dport};
        struct simnet_ipv4 ip = {
            .src = SIMNET_ADDR_B, .dst = SIMNET_ADDR_A, .proto = IPV4_PROTO_UDP};
        size_t n;

        memcpy(udp + UDP_HDR_LEN, data, len);
        udp_hdr_emit(&h, udp, len, SIMNET_ADDR_B, SIMNET_ADDR_A);
        if (mangle)
                mangle(udp, UDP_HDR_LEN + len);
        n = simnet_build_ipv4(frame, sizeof(frame), SIMLINK_A, &ip, udp, UDP_HDR_LEN + len);
        CU_ASSERT_FATAL(n > 0);
        simnet_inject(net, SIMLINK_A, frame, n);
        /* Nobody reads what A sends (its gratuitous ARP): clear it so the driver loop does
         * not keep seeing a frame due now. */
        simlink_flush(net->link, SIMLINK_A);
        simnet_run_for(net, 1000);
}

static void
flip_payload_bit(uint8_t *udp, size_t udp_len)
{
        udp[udp_len - 1] ^= 0x10;
}

static void
zero_checksum(uint8_t *udp, size_t udp_len)
{
        (void)udp_len;
        udp[6] = 0;
        udp[7] = 0;
}

static void
length_past_end(uint8_t *udp, size_t udp_len)
{
        put16(udp + 4, (uint16_t)(udp_len + 1));
}

static void
length_below_header(uint8_t *udp, size_t udp_len)
{
        (void)udp_len;
        put16(udp + 4, 7);
}

static void
rfc1122_4_1_3_4_malformed_and_bad_checksum_dropped_zero_accepted(void)
{
        struct simnet_config cfg = {.one_stack = true};
        struct simnet *net = simnet_create(&cfg);
        struct sock_addr from;
        char buf[16];
        int sd;

        CU_ASSERT_FATAL(net != NULL);
        sd = udp_bound(net->a, ECHO_PORT);
        inject_udp(net, 1234, ECHO_PORT, "corrupt", 7, flip_payload_bit);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "udp.drop_bad_checksum"), 1);
        inject_udp(net, 1234, ECHO_PORT, "toolong", 7, length_past_end);
        inject_udp(net, 1234, ECHO_PORT, "tooshort", 8, length_below_header);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "udp.drop_malformed"), 2);
        CU_ASSERT_EQUAL(sock_recv(net->a, sd, buf, sizeof(buf)), -EAGAIN);
        /* RFC 768: a zero checksum means "none computed"; the datagram is delivered. */
        inject_udp(net, 1234, ECHO_PORT, "nocsum", 6, zero_checksum);
        CU_ASSERT_EQUAL(sock_recvfrom(net->a, sd, buf, sizeof(buf), &from), 6);
        CU_ASSERT_EQUAL(memcmp(buf, "nocsum", 6), 0);
        CU_ASSERT_EQUAL(from.ip, SIMNET_ADDR_B);
        CU_ASSERT_EQUAL(from.port, 1234);
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "udp.rx"), 4);
        /* None of the bad ones drew a port unreachable. */
        CU_ASSERT_EQUAL(stack_counter_get(net->a, "icmp.unreachables_sent"), 0);
        sock_close(net->a, sd);
        simlink_flush(net->link, SIMLINK_A);
        simnet_destroy(net);
}

void
suite_udp_sim(void)
{
        CU_pSuite su = CU_add_suite("udp_sim", NULL, NULL);
        CU_add_test(su, "rfc768_datagram_exchange_carries_peer_address",
                    rfc768_datagram_exchange_carries_peer_address);
        CU_add_test(su, "udp_connected_send_recv_and_peer_filter",
                    udp_connected_send_recv_and_peer_filter);
        CU_add_test(su, "rfc1122_4_1_3_1_port_unreachable_gives_econnrefused",
                    rfc1122_4_1_3_1_port_unreachable_gives_econnrefused);
        CU_add_test(su, "rfc1122_4_1_3_3_unconnected_socket_not_told_of_icmp_errors",
                    rfc1122_4_1_3_3_unconnected_socket_not_told_of_icmp_errors);
        CU_add_test(su, "rfc1122_3_2_2_no_port_unreachable_for_broadcast",
                    rfc1122_3_2_2_no_port_unreachable_for_broadcast);
        CU_add_test(su, "udp_broadcast_reaches_wildcard_bound_socket",
                    udp_broadcast_reaches_wildcard_bound_socket);
        CU_add_test(su, "udp_receive_queue_bounded_by_rcvbuf_with_drop_counter",
                    udp_receive_queue_bounded_by_rcvbuf_with_drop_counter);
        CU_add_test(su, "udp_receive_queue_bounded_in_datagrams",
                    udp_receive_queue_bounded_in_datagrams);
        CU_add_test(su, "udp_short_buffer_truncates_and_discards_rest",
                    udp_short_buffer_truncates_and_discards_rest);
        CU_add_test(su, "rfc791_large_datagram_fragmented_and_reassembled",
                    rfc791_large_datagram_fragmented_and_reassembled);
        CU_add_test(su, "rfc1122_4_1_3_4_checksum_always_sent",
                    rfc1122_4_1_3_4_checksum_always_sent);
        CU_add_test(su, "udp_ttl_and_tos_options_reach_the_wire",
                    udp_ttl_and_tos_options_reach_the_wire);
        CU_add_test(su, "rfc1122_4_1_3_3_soft_icmp_error_not_reported",
                    rfc1122_4_1_3_3_soft_icmp_error_not_reported);
        CU_add_test(su, "rfc1122_4_1_3_4_malformed_and_bad_checksum_dropped_zero_accepted",
                    rfc1122_4_1_3_4_malformed_and_bad_checksum_dropped_zero_accepted);
}

/* inproc: two stacks in one process joined by drivers/simlink on a manual clock; B sends
 * N MB to a discard-like sink on A (RFC 9293 data transfer). Deterministic: under callgrind
 * (--toggle-collect=inproc_transfer) it gives the instructions-per-MB figure of `make bench`. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drivers/simlink.h"
#include "stack/sock.h"
#include "stack/stack.h"

#define INPROC_ADDR_A 0x0a000001u /* 10.0.0.1: the receiver */
#define INPROC_ADDR_B 0x0a000002u /* 10.0.0.2: the sender */
#define INPROC_PORT 9
#define INPROC_CHUNK 65536
#define INPROC_DELAY_US 50       /* one-way link delay: a LAN-like RTT of 100 us */
#define INPROC_MAX_SPINS 1000000 /* polls without progress or clock movement: a livelock */

struct inproc {
        struct manual_clock clock;
        struct simlink *link;
        struct stack *a, *b;
        int listener, rx_sd, tx_sd;
        uint64_t total, sent, received;
        uint64_t polls;
        uint8_t buf[INPROC_CHUNK];
};

static struct stack *
inproc_stack(struct inproc *ip, enum simlink_end e)
{
        struct stack_config sc = {.clock = clock_manual(&ip->clock), .seed = 0x5eed + (uint64_t)e};
        struct iface_config ic = {
            .name = e == SIMLINK_A ? "simA" : "simB",
            .type = LINK_ETHERNET,
            .mac = {0x02, 0, 0, 0, 0, e == SIMLINK_A ? 1 : 2},
            .addr = e == SIMLINK_A ? INPROC_ADDR_A : INPROC_ADDR_B,
            .prefix_len = 24,
        };
        struct stack *s = stack_create(&sc);

        if (s && stack_iface_add(s, &ic, &simlink_ops, simlink_end_ctx(ip->link, e)) < 0) {
                stack_destroy(s);
                return NULL;
        }
        return s;
}

static int
inproc_setup(struct inproc *ip)
{
        struct simlink_impair im = {.delay_us = INPROC_DELAY_US};
        struct sock_addr any = {0, INPROC_PORT}, to = {INPROC_ADDR_A, INPROC_PORT};

        ip->clock.now_us = 1000000;
        ip->link = simlink_create(&ip->clock, 42);
        if (!ip->link)
                return -ENOMEM;
        simlink_set_impair(ip->link, SIMLINK_A, &im);
        simlink_set_impair(ip->link, SIMLINK_B, &im);
        ip->a = inproc_stack(ip, SIMLINK_A);
        ip->b = inproc_stack(ip, SIMLINK_B);
        if (!ip->a || !ip->b)
                return -ENOMEM;
        ip->listener = sock_open(ip->a, SOCK_TYPE_TCP);
        if (ip->listener < 0 || sock_bind(ip->a, ip->listener, &any) < 0 ||
            sock_listen(ip->a, ip->listener, 4) < 0)
                return -EINVAL;
        ip->tx_sd = sock_open(ip->b, SOCK_TYPE_TCP);
        if (ip->tx_sd < 0 || sock_connect(ip->b, ip->tx_sd, &to) < 0)
                return -EINVAL;
        ip->rx_sd = -1;
        memset(ip->buf, 'x', sizeof(ip->buf));
        return 0;
}

/* The applications' turn: accept, send what fits, drain what arrived. True on progress. */
static int
inproc_apps(struct inproc *ip)
{
        int progress = 0;
        ssize_t n;

        if (ip->rx_sd < 0 && (ip->rx_sd = sock_accept(ip->a, ip->listener, NULL)) >= 0)
                progress = 1;
        while (ip->sent < ip->total) {
                uint64_t left = ip->total - ip->sent;
                n = sock_send(ip->b, ip->tx_sd, ip->buf, left < INPROC_CHUNK ? left : INPROC_CHUNK);
                if (n <= 0)
                        break;
                ip->sent += (uint64_t)n;
                progress = 1;
        }
        while (ip->rx_sd >= 0 && (n = sock_recv(ip->a, ip->rx_sd, ip->buf, sizeof(ip->buf))) > 0) {
                ip->received += (uint64_t)n;
                progress = 1;
        }
        return progress;
}

static uint64_t
inproc_next_event(const struct inproc *ip)
{
        uint64_t t = simlink_next_delivery_us(ip->link), d;

        if ((d = stack_next_deadline_us(ip->a)) < t)
                t = d;
        if ((d = stack_next_deadline_us(ip->b)) < t)
                t = d;
        return t;
}

/* The measured part: move ip->total bytes from B to A. Out of line so callgrind can
 * collect inside it only. */
static __attribute__((noinline)) int
inproc_transfer(struct inproc *ip)
{
        unsigned spins = 0;

        while (ip->received < ip->total) {
                uint64_t next;

                stack_poll(ip->a);
                stack_poll(ip->b);
                ip->polls++;
                if (inproc_apps(ip)) {
                        spins = 0;
                        continue;
                }
                next = inproc_next_event(ip);
                if (next == UINT64_MAX || ++spins > INPROC_MAX_SPINS)
                        return -ETIMEDOUT;
                if (next > ip->clock.now_us) {
                        ip->clock.now_us = next;
                        spins = 0;
                }
        }
        return 0;
}

static void
inproc_teardown(struct inproc *ip)
{
        stack_destroy(ip->a);
        stack_destroy(ip->b);
        simlink_destroy(ip->link);
}

int
main(int argc, char **argv)
{
        struct inproc *ip = calloc(1, sizeof(*ip));
        long mb = argc > 1 ? strtol(argv[1], NULL, 10) : 16;
        struct timespec t0, t1;
        double secs;
        int rc;

        if (!ip || mb < 1 || mb > 100000) {
                fprintf(stderr, "usage: inproc [MB]  (default 16)\n");
                return 2;
        }
        ip->total = (uint64_t)mb << 20;
        if (inproc_setup(ip) < 0) {
                fprintf(stderr, "inproc: set-up failed\n");
                return 1;
        }
        clock_gettime(CLOCK_MONOTONIC, &t0);
        rc = inproc_transfer(ip);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        printf("inproc: mb=%ld received=%" PRIu64 " polls=%" PRIu64 " sim_ms=%.3f wall_s=%.6f "
               "mbps=%.1f frames_a=%" PRIu64 " frames_b=%" PRIu64 " rc=%d\n",
               mb, ip->received, ip->polls, (double)(ip->clock.now_us - 1000000) / 1000, secs,
               (double)ip->received * 8 / secs / 1e6, simlink_stats(ip->link, SIMLINK_A)->tx,
               simlink_stats(ip->link, SIMLINK_B)->tx, rc);
        inproc_teardown(ip);
        free(ip);
        return rc < 0 ? 1 : 0;
}

/* ping from the stack, with iputils-style output and exit codes (0: a reply came back,
 * 1: none did, 2: bad usage or another error). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/common.h"

static const char usage[] =
    "usage: ping [-c COUNT] [-i SECONDS] [-s SIZE] [-W SECONDS] [stack options] HOST\n";

struct ping {
        struct app a;
        uint32_t dst;
        long count; /* 0: until interrupted */
        double interval_s, wait_s;
        long size;
        uint16_t id;
        long sent, received;
        uint64_t *sent_at; /* per sequence number mod 65536 */
        double min, max, sum, sum2;
};

static int
parse_num(const char *arg, double lo, double hi, double *out)
{
        char *end;
        double v;

        errno = 0;
        v = strtod(arg, &end);
        if (errno || *end || end == arg || !(v >= lo && v <= hi))
                return -1;
        *out = v;
        return 0;
}

static int
on_opt(void *ctx, int opt, const char *arg)
{
        struct ping *p = ctx;
        double v;

        switch (opt) {
        case 'c':
                if (parse_num(arg, 1, 1e9, &v) < 0 || v != (long)v)
                        return -1;
                p->count = (long)v;
                return 0;
        case 'i':
                if (parse_num(arg, 0.001, 3600, &v) < 0)
                        return -1;
                p->interval_s = v;
                return 0;
        case 's':
                if (parse_num(arg, 0, 65507, &v) < 0 || v != (long)v)
                        return -1;
                p->size = (long)v;
                return 0;
        case 'W':
                if (parse_num(arg, 0.001, 3600, &v) < 0)
                        return -1;
                p->wait_s = v;
                return 0;
        }
        return -1;
}

static void
on_reply(void *ctx, const struct echo_reply *r)
{
        struct ping *p = ctx;
        uint64_t sent_at;
        double ms;
        char from[16];

        if (r->from != p->dst || r->id != p->id || r->len < 8)
                return;
        memcpy(&sent_at, r->data, sizeof(sent_at));
        if (sent_at != p->sent_at[r->seq])
                return; /* a stale or forged reply */
        ms = (double)(stack_now_us(p->a.s) - sent_at) / 1000.0;
        p->sent_at[r->seq] = 0;
        p->received++;
        p->sum += ms;
        p->sum2 += ms * ms;
        if (p->received == 1 || ms < p->min)
                p->min = ms;
        if (ms > p->max)
                p->max = ms;
        app_format_ipv4(r->from, from);
        printf("%zu bytes from %s: icmp_seq=%u ttl=%u time=%.3f ms\n", r->len + 8, from, r->seq,
               r->ttl, ms);
        fflush(stdout);
}

static void
send_one(struct ping *p, uint8_t *payload)
{
        uint16_t seq = (uint16_t)(p->sent + 1);
        uint64_t now = stack_now_us(p->a.s);
        int rc;

        p->sent_at[seq] = now;
        if (p->size >= 8)
                memcpy(payload, &now, sizeof(now));
        p->sent++;
        rc = stack_ping_send(p->a.s, p->dst, p->id, seq, payload, (size_t)p->size);
        if (rc < 0)
                fprintf(stderr, "ping: sendmsg: %s\n", strerror(-rc));
}

static void
summary(struct ping *p, const char *dst, uint64_t elapsed_us)
{
        long lost = p->sent - p->received;

        printf("\n--- %s ping statistics ---\n", dst);
        printf("%ld packets transmitted, %ld received, %ld%% packet loss, time %llums\n", p->sent,
               p->received, p->sent ? lost * 100 / p->sent : 0,
               (unsigned long long)(elapsed_us / 1000));
        if (p->received > 0) {
                double avg = p->sum / (double)p->received;
                double var = p->sum2 / (double)p->received - avg * avg;
                printf("rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n", p->min, avg, p->max,
                       sqrt(var > 0 ? var : 0));
        }
}

int
main(int argc, char **argv)
{
        static struct ping p;
        uint8_t *payload;
        uint64_t start, next_send, deadline = 0;
        char dst[16];
        int idx, err;

        p.interval_s = 1;
        p.wait_s = 10;
        p.size = 56;
        idx = app_parse(&p.a, argc, argv, "c:i:s:W:", NULL, on_opt, &p, usage);
        if (idx != argc - 1)
                app_die_usage(&p.a, usage, idx >= argc ? "missing HOST" : "too many arguments");
        payload = calloc(1, (size_t)p.size + 8);
        p.sent_at = calloc(65536, sizeof(uint64_t));
        if (!payload || !p.sent_at) {
                fprintf(stderr, "ping: out of memory\n");
                return 2;
        }
        for (long i = 8; i < p.size; i++)
                payload[i] = (uint8_t)i; /* iputils' pattern */
        app_catch_signals();
        app_start(&p.a);
        if (app_lookup(&p.a, argv[idx], &p.dst, (long)p.wait_s) < 0) {
                app_stop(&p.a);
                return 2; /* iputils: "Name or service not known" exits 2 */
        }
        stack_set_echo_handler(p.a.s, on_reply, &p);
        p.id = (uint16_t)(rand() ^ (int)stack_now_us(p.a.s));
        app_format_ipv4(p.dst, dst);
        printf("PING %s (%s) %ld(%ld) bytes of data.\n", argv[idx], dst, p.size, p.size + 28);
        fflush(stdout);
        stack_poll(p.a.s);
        start = next_send = stack_now_us(p.a.s);
        while (!app_stop_requested) {
                uint64_t now = stack_now_us(p.a.s);
                if ((p.count == 0 || p.sent < p.count) && now >= next_send) {
                        send_one(&p, payload);
                        next_send = now + (uint64_t)(p.interval_s * 1e6);
                        if (p.count && p.sent == p.count)
                                deadline = now + (uint64_t)(p.wait_s * 1e6);
                }
                if ((err = stack_ping_error(p.a.s)) != 0)
                        printf("From %s icmp_seq=%ld %s\n", dst, p.sent,
                               err == -EHOSTUNREACH ? "Destination Host Unreachable"
                                                    : strerror(-err));
                if (p.count && p.sent == p.count && (p.received == p.count || now >= deadline))
                        break;
                uint64_t until = p.count && p.sent == p.count ? deadline : next_send;
                app_wait(&p.a, -1, 0, until > now ? (int)((until - now + 999) / 1000) : 0);
        }
        summary(&p, dst, stack_now_us(p.a.s) - start);
        app_stop(&p.a);
        free(payload);
        free(p.sent_at);
        return p.received > 0 ? 0 : 1;
}

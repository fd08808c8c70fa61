/* Shared fuzz harness helpers: input reader, checksum repair (RFC 1071, RFC 791 3.1,
 * RFC 768, RFC 9293 3.1 pseudo header), a capture link and the end-of-run leak check. */
#include "tests/fuzz/harness.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stack/wire/bytes.h"
#include "stack/wire/csum.h"
#include "stack/wire/eth.h"
#include "stack/wire/ipv4.h"

const uint8_t fz_mac_stack[6] = {0x02, 0, 0, 0, 0, 0xfe};
const uint8_t fz_mac_peer[6] = {0x02, 0, 0, 0, 0, 0x01};

uint8_t
fz_u8(struct fz_in *in)
{
        return in->pos < in->len ? in->p[in->pos++] : 0;
}

uint16_t
fz_u16(struct fz_in *in)
{
        uint16_t hi = fz_u8(in);

        return (uint16_t)(hi << 8 | fz_u8(in));
}

uint32_t
fz_u32(struct fz_in *in)
{
        uint32_t hi = fz_u16(in);

        return hi << 16 | fz_u16(in);
}

size_t
fz_bytes(struct fz_in *in, size_t want, const uint8_t **out)
{
        size_t n = want < fz_left(in) ? want : fz_left(in);

        *out = in->p + in->pos;
        in->pos += n;
        return n;
}

void
fz_fail(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        fputs("fuzz: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
        abort();
}

/* The checksum field's offset in the transport header, or 0 when we do not know it. */
static size_t
l4_csum_off(uint8_t proto, size_t l4_len)
{
        if (proto == IPV4_PROTO_TCP && l4_len >= 20)
                return 16;
        if (proto == IPV4_PROTO_UDP && l4_len >= 8)
                return 6;
        if (proto == IPV4_PROTO_ICMP && l4_len >= 4)
                return 2;
        return 0;
}

void
fz_fix_ipv4(uint8_t *ip, size_t len)
{
        size_t hl, total, off;
        uint8_t *l4;
        uint32_t sum = 0;

        if (len < IPV4_HDR_LEN || (ip[0] >> 4) != 4)
                return;
        hl = (size_t)(ip[0] & 0xf) * 4;
        if (hl < IPV4_HDR_LEN || hl > len)
                return;
        put16(ip + 10, 0);
        put16(ip + 10, csum(ip, hl));
        total = get16(ip + 2);
        /* Fragments carry only part of the transport checksum's coverage (RFC 791 3.2). */
        if (total > len || total < hl || (get16(ip + 6) & (IPV4_FLAG_MF | IPV4_OFF_MASK)))
                return;
        l4 = ip + hl;
        off = l4_csum_off(ip[9], total - hl);
        if (!off)
                return;
        put16(l4 + off, 0);
        if (ip[9] != IPV4_PROTO_ICMP)
                sum = csum_pseudo(get32(ip + 12), get32(ip + 16), ip[9], (uint16_t)(total - hl));
        put16(l4 + off, csum_fold(csum_partial(l4, total - hl, sum)));
}

void
fz_fix_frame(uint8_t *frame, size_t len)
{
        if (len >= ETH_HDR_LEN && get16(frame + 12) == ETH_TYPE_IPV4)
                fz_fix_ipv4(frame + ETH_HDR_LEN, len - ETH_HDR_LEN);
}

static int
fz_link_tx(void *ctx, const uint8_t *frame, size_t len)
{
        struct fz_link *l = ctx;
        unsigned i = l->tx_count++ % FZ_CAPTURE_FRAMES;
        size_t n = len < FZ_FRAME_MAX ? len : FZ_FRAME_MAX;

        memcpy(l->tx[i], frame, n);
        l->tx_len[i] = n;
        if (l->on_tx)
                l->on_tx(l->on_tx_ctx, frame, len);
        return 0;
}

static int
fz_link_rx(void *ctx, uint8_t *buf, size_t cap)
{
        struct fz_link *l = ctx;
        size_t n = l->rx_len;

        if (!l->rx)
                return 0;
        if (n > cap)
                n = cap;
        memcpy(buf, l->rx, n);
        l->rx = NULL;
        l->rx_len = 0;
        return (int)n;
}

const struct link_ops fz_link_ops = {.tx = fz_link_tx, .rx = fz_link_rx, .fd = NULL};

struct stack *
fz_stack_new(struct manual_clock *clk, enum link_type type, const struct link_ops *ops, void *ctx)
{
        struct stack_config cfg = {0};
        struct iface_config ic = {0};
        struct stack *s;

        cfg.clock = clock_manual(clk);
        cfg.seed = FZ_SEED;
        cfg.log_level = LOG_ERROR;
        cfg.dns_server = FZ_ADDR_PEER;
        cfg.trace = getenv("FUZZ_TRACE") != NULL; /* frames and TCP states, for a failing input */
        cfg.tcp_ecn = true; /* RFC 3168 negotiated with P: fuzzed ECE, CWR and CE reach tcp_ecn.c */
        s = stack_create(&cfg);
        if (!s)
                fz_fail("stack_create failed");
        ic.name = "fz0";
        ic.type = type;
        memcpy(ic.mac, fz_mac_stack, 6);
        ic.addr = FZ_ADDR_STACK;
        ic.prefix_len = 24;
        ic.gateway = 0x0a0000feu; /* 10.0.0.254: off-link destinations need ARP too */
        if (stack_iface_add(s, &ic, ops, ctx) < 0)
                fz_fail("stack_iface_add failed");
        return s;
}

void
fz_link_deliver(struct stack *s, struct fz_link *l, const uint8_t *frame, size_t len)
{
        l->rx = frame;
        l->rx_len = len;
        stack_poll(s);
        l->rx = NULL;
        l->rx_len = 0;
}

static void
print_counter(void *ctx, const char *name, uint64_t value)
{
        (void)ctx;
        fprintf(stderr, "  %-40s %llu\n", name, (unsigned long long)value);
}

void
fz_settle_and_check(struct stack *s, struct manual_clock *clk, uint64_t limit_us,
                    unsigned max_steps)
{
        for (unsigned i = 0; i < max_steps; i++) {
                uint64_t d = stack_next_deadline_us(s);

                if (d == UINT64_MAX || d > limit_us)
                        break;
                if (d > clk->now_us)
                        clk->now_us = d;
                stack_poll(s);
        }
        /* FUZZ_DEBUG=1: show what an input did, to check that a seed reaches its target. */
        if (getenv("FUZZ_DEBUG"))
                stack_counters(s, print_counter, NULL);
        if (stack_pkts_in_use(s) != 0)
                fz_fail("%u packet buffers still held after the timers ran", stack_pkts_in_use(s));
}

/* ICMP (RFC 792, RFC 1122 3.2.2). */
#include "stack/net/icmp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stack/core/stack.h"
#include "stack/net/iface.h"
#include "stack/net/ipv4.h"
#include "stack/net/udp.h"
#include "stack/tcp/tcp.h"
#include "stack/wire/bytes.h"
#include "stack/wire/icmp.h"
#include "stack/wire/ipv4.h"

#define ICMP_ERR_MAX_LEN 576 /* RFC 1812 4.3.2.3: an error fits in 576 bytes */

struct icmp_state {
        /* Token bucket for errors we send (RFC 1122 3.2.2, RFC 1812 4.3.2.8). */
        uint64_t tokens_milli;
        uint64_t last_us;
        stack_echo_fn *echo_fn;
        void *echo_ctx;
        int echo_error; /* pending error about our echo requests, for the ping app */
};

int
icmp_init(struct stack *s)
{
        s->icmp = calloc(1, sizeof(*s->icmp));
        if (!s->icmp)
                return -ENOMEM;
        s->icmp->tokens_milli = 10000;
        return 0;
}

void
icmp_fini(struct stack *s)
{
        free(s->icmp);
        s->icmp = NULL;
}

void
stack_set_echo_handler(struct stack *s, stack_echo_fn *fn, void *ctx)
{
        s->icmp->echo_fn = fn;
        s->icmp->echo_ctx = ctx;
}

int
stack_ping_error(struct stack *s)
{
        int e = s->icmp->echo_error;
        s->icmp->echo_error = 0;
        return e;
}

int
icmp_err_errno(uint8_t type, uint8_t code)
{
        if (type == ICMP_TIME_EXCEEDED)
                return -EHOSTUNREACH;
        if (type == ICMP_PARAM_PROBLEM)
                return -EPROTO;
        switch (code) {
        case ICMP_UNREACH_NET:
                return -ENETUNREACH;
        case ICMP_UNREACH_PROTO:
                return -ENOPROTOOPT;
        case ICMP_UNREACH_PORT:
                return -ECONNREFUSED;
        case ICMP_UNREACH_NEEDFRAG:
                return -EMSGSIZE;
        default:
                return -EHOSTUNREACH;
        }
}

static bool
icmp_rate_ok(struct stack *s)
{
        uint64_t rate = s->cfg.icmp_rate_per_s ? s->cfg.icmp_rate_per_s : 100;
        uint64_t burst = rate * 1000 / 10 + 1000; /* a tenth of a second's worth, at least 1 */
        struct icmp_state *st = s->icmp;

        st->tokens_milli += (s->now_us - st->last_us) * rate / 1000;
        if (st->tokens_milli > burst)
                st->tokens_milli = burst;
        st->last_us = s->now_us;
        if (st->tokens_milli < 1000) {
                stack_count(s, CNT_ICMP_RATE_LIMITED);
                return false;
        }
        st->tokens_milli -= 1000;
        return true;
}

static int
icmp_send(struct stack *s, uint32_t dst, const struct icmp_hdr *ih, const void *data, size_t len)
{
        struct pkt *p = pkt_alloc(s, PKT_HEADROOM, ICMP_HDR_LEN + len);
        struct ipv4_out o = {.dst = dst, .proto = IPV4_PROTO_ICMP};
        uint8_t *b;

        if (!p)
                return -ENOBUFS;
        b = pkt_put(p, ICMP_HDR_LEN + len);
        memcpy(b + ICMP_HDR_LEN, data, len);
        icmp_hdr_emit(ih, b, len);
        return ipv4_output(s, p, &o);
}

void
icmp_send_error(struct stack *s, struct pkt *p, const struct ipv4_hdr *h, uint8_t type,
                uint8_t code)
{
        const uint8_t *ip = p->data - h->hdr_len;
        size_t quote = h->hdr_len + p->len;
        struct icmp_hdr ih = {.type = type, .code = code};

        /* RFC 1122 3.2.2: never about an ICMP error, a broadcast or multicast datagram, a
         * non-initial fragment, or a source that is not a unicast host. */
        if (h->frag_off != 0 || stack_is_local_addr(s, h->dst) == false || h->src == 0)
                return;
        if (h->proto == IPV4_PROTO_ICMP &&
            (p->len < 1 || (p->data[0] != ICMP_ECHO_REQUEST && p->data[0] != ICMP_ECHO_REPLY)))
                return;
        if (!icmp_rate_ok(s))
                return;
        if (quote > ICMP_ERR_MAX_LEN - IPV4_HDR_LEN - ICMP_HDR_LEN)
                quote = ICMP_ERR_MAX_LEN - IPV4_HDR_LEN - ICMP_HDR_LEN;
        if (icmp_send(s, h->src, &ih, ip, quote) == 0)
                stack_count(s, CNT_ICMP_UNREACH_TX);
}

/* Hand an error to whoever sent the quoted datagram. */
static void
icmp_dispatch_error(struct stack *s, const struct icmp_err *e)
{
        stack_count(s, CNT_ICMP_ERR_RX);
        switch (e->proto) {
        case IPV4_PROTO_UDP:
                udp_icmp_error(s, e);
                break;
        case IPV4_PROTO_TCP:
                tcp_icmp_error(s, e);
                break;
        case IPV4_PROTO_ICMP:
                if (e->l4_len >= 1 && e->l4[0] == ICMP_ECHO_REQUEST)
                        s->icmp->echo_error = icmp_err_errno(e->type, e->code);
                break;
        default:
                stack_count(s, CNT_ICMP_ERR_IGNORED);
        }
}

void
icmp_local_error(struct stack *s, struct pkt *p, uint8_t type, uint8_t code)
{
        struct ipv4_hdr q;
        struct icmp_err e = {.type = type, .code = code};

        if (ipv4_hdr_parse(p->data, p->len, &q, NULL) < 0 || q.frag_off != 0)
                return;
        e.from = q.src;
        e.src = q.src;
        e.dst = q.dst;
        e.proto = q.proto;
        e.l4 = p->data + q.hdr_len;
        e.l4_len = q.total_len - q.hdr_len;
        e.quoted_len = q.total_len;
        icmp_dispatch_error(s, &e);
}

/* An error message: validate the quoted header before anyone reads it (RFC 1122 3.2.2). */
static void
icmp_error_input(struct stack *s, const struct icmp_hdr *ih, const uint8_t *d, size_t len,
                 uint32_t from)
{
        struct icmp_err e = {.type = ih->type, .code = ih->code, .from = from};
        size_t hl;

        if (len < IPV4_HDR_LEN || d[0] >> 4 != 4 ||
            (hl = (size_t)(d[0] & 0x0f) * 4) < IPV4_HDR_LEN || len < hl + 8) {
                stack_count(s, CNT_ICMP_RX_BAD);
                return;
        }
        if (ih->type == ICMP_SOURCE_QUENCH) { /* RFC 6633: ignore */
                stack_count(s, CNT_ICMP_ERR_IGNORED);
                return;
        }
        e.src = get32(d + 12);
        e.dst = get32(d + 16);
        e.proto = d[9];
        e.l4 = d + hl;
        e.l4_len = len - hl;
        e.mtu = ih->seq; /* RFC 1191: next-hop MTU in the low 16 bits of the second word */
        e.quoted_len = get16(d + 2);
        if (!stack_is_local_addr(s, e.src)) {
                stack_count(s, CNT_ICMP_ERR_IGNORED);
                return;
        }
        icmp_dispatch_error(s, &e);
}

void
icmp_input(struct stack *s, struct pkt *p, const struct ipv4_hdr *h)
{
        struct icmp_hdr ih;
        int bad_csum;

        stack_count(s, CNT_ICMP_RX);
        if (icmp_hdr_parse(p->data, p->len, &ih, &bad_csum) < 0) {
                stack_count(s, bad_csum ? CNT_ICMP_RX_BAD_CSUM : CNT_ICMP_RX_BAD);
                goto out;
        }
        switch (ih.type) {
        case ICMP_ECHO_REQUEST:
                /* RFC 1122 3.2.2.6: MAY ignore echo to a broadcast address; we do. */
                if (!stack_is_local_addr(s, h->dst))
                        break;
                ih.type = ICMP_ECHO_REPLY;
                if (icmp_send(s, h->src, &ih, p->data + ICMP_HDR_LEN, p->len - ICMP_HDR_LEN) == 0)
                        stack_count(s, CNT_ICMP_ECHO_REPLY_TX);
                break;
        case ICMP_ECHO_REPLY:
                if (s->icmp->echo_fn) {
                        struct echo_reply r = {.from = h->src,
                                               .id = ih.id,
                                               .seq = ih.seq,
                                               .ttl = h->ttl,
                                               .len = p->len - ICMP_HDR_LEN,
                                               .data = p->data + ICMP_HDR_LEN};
                        s->icmp->echo_fn(s->icmp->echo_ctx, &r);
                }
                break;
        case ICMP_DEST_UNREACH:
        case ICMP_SOURCE_QUENCH:
        case ICMP_TIME_EXCEEDED:
        case ICMP_PARAM_PROBLEM:
                icmp_error_input(s, &ih, p->data + ICMP_HDR_LEN, p->len - ICMP_HDR_LEN, h->src);
                break;
        default:
                break; /* RFC 1122 3.2.2: unknown types are silently discarded */
        }
out:
        pkt_free(s, p);
}

int
stack_ping_send(struct stack *s, uint32_t dst, uint16_t id, uint16_t seq, const void *data,
                size_t len)
{
        struct icmp_hdr ih = {.type = ICMP_ECHO_REQUEST, .id = id, .seq = seq};

        return icmp_send(s, dst, &ih, data, len);
}

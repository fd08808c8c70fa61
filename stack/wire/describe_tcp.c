/* TCP lines for --trace in Wireshark's words: ports, [flags], relative Seq/Ack per stream,
 * scaled Win once both SYNs carried a window scale (RFC 7323 2), Len and the options in
 * packet order (RFC 9293 3.1-3.2, RFC 2018). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "stack/wire/bytes.h"
#include "stack/wire/describe.h"
#include "stack/wire/ipv4.h"
#include "stack/wire/tcp.h"

struct out {
        char *buf;
        size_t cap, n;
};

static void __attribute__((format(printf, 2, 3))) out_add(struct out *o, const char *fmt, ...)
{
        va_list ap;
        int r;

        if (o->n >= o->cap)
                return;
        va_start(ap, fmt);
        r = vsnprintf(o->buf + o->n, o->cap - o->n, fmt, ap);
        va_end(ap);
        if (r > 0)
                o->n += (size_t)r < o->cap - o->n ? (size_t)r : o->cap - o->n - 1;
}

static void
out_ip(struct out *o, uint32_t a)
{
        char ip[IPV4_ADDR_STRLEN];

        out_add(o, "%s", ipv4_addr_str(a, ip));
}

/* The stream of this segment (either direction); *fwd is true when the sender is side a.
 * A new one replaces a free or the oldest slot. */
static struct describe_stream *
stream_find(struct describe_state *ds, const struct ipv4_hdr *ih, const struct tcp_hdr *h, int *fwd)
{
        struct describe_stream *st;

        for (unsigned i = 0; i < DESCRIBE_STREAMS; i++) {
                st = &ds->streams[i];
                if (!st->used)
                        continue;
                if (st->a_ip == ih->src && st->a_port == h->sport && st->b_ip == ih->dst &&
                    st->b_port == h->dport) {
                        *fwd = 1;
                        return st;
                }
                if (st->b_ip == ih->src && st->b_port == h->sport && st->a_ip == ih->dst &&
                    st->a_port == h->dport) {
                        *fwd = 0;
                        return st;
                }
        }
        st = &ds->streams[ds->next_victim];
        ds->next_victim = (ds->next_victim + 1) % DESCRIBE_STREAMS;
        memset(st, 0, sizeof(*st));
        st->used = 1;
        st->a_ip = ih->src;
        st->a_port = h->sport;
        st->b_ip = ih->dst;
        st->b_port = h->dport;
        *fwd = 1;
        return st;
}

/* Learn the initial sequence numbers as Wireshark does: from a SYN, or the byte before the
 * first one seen. A SYN without ACK from side a starts a new connection on the 4-tuple. */
static void
stream_learn(struct describe_stream *st, int fwd, const struct tcp_hdr *h)
{
        uint32_t *isn = fwd ? &st->a_isn : &st->b_isn;
        uint8_t *have = fwd ? &st->have_a : &st->have_b;
        uint8_t *ws = fwd ? &st->a_ws : &st->b_ws;
        bool syn = h->flags & TCP_SYN;

        if (syn && !(h->flags & TCP_ACK) && *have && *isn != h->seq) {
                st->have_a = st->have_b = 0;
                st->a_ws = st->b_ws = 0;
        }
        if (!*have) {
                *isn = syn ? h->seq : h->seq - 1;
                *have = 1;
        }
        if (syn)
                *ws = h->opts.has_ws
                          ? (uint8_t)((h->opts.ws > TCP_WS_MAX ? TCP_WS_MAX : h->opts.ws) + 1)
                          : 0;
        if ((h->flags & TCP_ACK) && !(fwd ? st->have_b : st->have_a)) {
                *(fwd ? &st->b_isn : &st->a_isn) = h->ack - 1;
                *(fwd ? &st->have_b : &st->have_a) = 1;
        }
}

static void
out_flags(struct out *o, uint8_t flags)
{
        static const char *const names[] = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};
        const char *sep = "";

        out_add(o, " [");
        for (unsigned i = 0; i < 8; i++) {
                if (flags & (1u << i)) {
                        out_add(o, "%s%s", sep, names[i]);
                        sep = ", ";
                }
        }
        out_add(o, "]");
}

/* Options in packet order, with SACK edges relative to the peer's ISN. */
static void
out_opts(struct out *o, const uint8_t *opt, size_t len, uint32_t ack_base)
{
        size_t i = 0;

        while (i < len && opt[i] != TCP_OPT_EOL) {
                uint8_t kind = opt[i], olen;
                if (kind == TCP_OPT_NOP) {
                        i++;
                        continue;
                }
                olen = i + 1 < len ? opt[i + 1] : 0;
                if (olen < 2 || olen > len - i)
                        return;
                if (kind == TCP_OPT_MSS && olen == 4)
                        out_add(o, " MSS=%u", get16(opt + i + 2));
                else if (kind == TCP_OPT_WS && olen == 3)
                        out_add(o, " WS=%u",
                                1u << (opt[i + 2] > TCP_WS_MAX ? TCP_WS_MAX : opt[i + 2]));
                else if (kind == TCP_OPT_SACK_PERM && olen == 2)
                        out_add(o, " SACK_PERM");
                else if (kind == TCP_OPT_TS && olen == 10)
                        out_add(o, " TSval=%u TSecr=%u", get32(opt + i + 2), get32(opt + i + 6));
                else if (kind == TCP_OPT_SACK)
                        for (size_t j = i + 2; j + 8 <= i + olen; j += 8)
                                out_add(o, " SLE=%u SRE=%u", get32(opt + j) - ack_base,
                                        get32(opt + j + 4) - ack_base);
                i += olen;
        }
}

size_t
describe_tcp(struct describe_state *ds, const struct ipv4_hdr *ih, const uint8_t *l4, size_t l4_len,
             size_t frame_len, char *out, size_t cap)
{
        struct out o = {.buf = out, .cap = cap};
        struct describe_stream *st;
        struct tcp_hdr h;
        uint32_t seq_base, ack_base, win;
        uint8_t ws;
        int fwd;

        if (cap)
                out[0] = 0;
        out_ip(&o, ih->src);
        out_add(&o, " -> ");
        out_ip(&o, ih->dst);
        out_add(&o, " TCP %zu", frame_len);
        if (tcp_hdr_parse(l4, l4_len, &h) < 0) {
                out_add(&o, " [Malformed Packet]");
                return o.n;
        }
        out_add(&o, " %u -> %u", h.sport, h.dport);
        out_flags(&o, h.flags);
        st = stream_find(ds, ih, &h, &fwd);
        stream_learn(st, fwd, &h);
        seq_base = fwd ? st->a_isn : st->b_isn;
        ack_base = fwd ? st->b_isn : st->a_isn;
        out_add(&o, " Seq=%u", h.seq - seq_base);
        if (h.flags & TCP_ACK)
                out_add(&o, " Ack=%u", h.ack - ack_base);
        ws = fwd ? st->a_ws : st->b_ws;
        win = h.wnd;
        if (!(h.flags & TCP_SYN) && ws && (fwd ? st->b_ws : st->a_ws))
                win <<= ws - 1;
        out_add(&o, " Win=%u Len=%zu", win, l4_len - h.hdr_len);
        if (h.flags & TCP_URG)
                out_add(&o, " Urg=%u", h.urp);
        out_opts(&o, l4 + TCP_HDR_LEN, h.hdr_len - TCP_HDR_LEN, ack_base);
        return o.n;
}

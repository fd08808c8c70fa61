/* TCP header and options parse/emit (RFC 9293 3.1 header format, 3.2 options; RFC 7323
 * 2.2 and 3.2 window scale and timestamps; RFC 2018 2-3 SACK). */
#include "stack/wire/tcp.h"

#include <errno.h>
#include <string.h>

#include "stack/wire/bytes.h"
#include "stack/wire/csum.h"
#include "stack/wire/ipv4.h"

/* One option with its kind and length already checked against the buffer. A known kind
 * with a length other than its fixed one is ignored, as if unknown (RFC 9293 MUST-68:
 * never trust a length; RFC 7323 2.2/3.2 give fixed lengths). */
static void
tcp_opt_one(const uint8_t *o, uint8_t olen, struct tcp_opts *out)
{
        switch (o[0]) {
        case TCP_OPT_MSS:
                if (olen == TCP_OPT_MSS_LEN) {
                        out->has_mss = true;
                        out->mss = get16(o + 2);
                }
                break;
        case TCP_OPT_WS:
                if (olen == TCP_OPT_WS_LEN) {
                        out->has_ws = true;
                        out->ws = o[2];
                }
                break;
        case TCP_OPT_SACK_PERM:
                if (olen == TCP_OPT_SACK_PERM_LEN)
                        out->sack_perm = true;
                break;
        case TCP_OPT_TS:
                if (olen == TCP_OPT_TS_LEN) {
                        out->has_ts = true;
                        out->tsval = get32(o + 2);
                        out->tsecr = get32(o + 6);
                }
                break;
        case TCP_OPT_SACK:
                if (olen < 10 || (olen - 2) % 8 != 0)
                        break;
                out->n_sack = 0;
                for (unsigned i = 2; i + 8 <= olen && out->n_sack < TCP_MAX_SACK_BLOCKS; i += 8) {
                        out->sack[out->n_sack].left = get32(o + i);
                        out->sack[out->n_sack].right = get32(o + i + 4);
                        out->n_sack++;
                }
                break;
        default:
                break; /* RFC 9293 MUST-6: ignore options we do not implement */
        }
}

int
tcp_opts_parse(const uint8_t *opt, size_t len, struct tcp_opts *o)
{
        size_t i = 0;

        memset(o, 0, sizeof(*o));
        while (i < len) {
                uint8_t olen;

                if (opt[i] == TCP_OPT_EOL)
                        break;
                if (opt[i] == TCP_OPT_NOP) { /* options need not be aligned (RFC 9293 MUST-64) */
                        i++;
                        continue;
                }
                /* RFC 9293 MUST-7: a length byte past the end, a length below 2 (which would
                 * never advance) or one crossing the data offset is illegal. */
                if (i + 1 >= len)
                        return -EBADMSG;
                olen = opt[i + 1];
                if (olen < 2 || olen > len - i)
                        return -EBADMSG;
                tcp_opt_one(opt + i, olen, o);
                i += olen;
        }
        return 0;
}

int
tcp_hdr_parse(const uint8_t *buf, size_t len, struct tcp_hdr *h)
{
        if (len < TCP_HDR_LEN)
                return -EBADMSG;
        h->sport = get16(buf);
        h->dport = get16(buf + 2);
        h->seq = get32(buf + 4);
        h->ack = get32(buf + 8);
        h->hdr_len = (uint8_t)((buf[12] >> 4) * 4);
        h->flags = buf[13];
        h->wnd = get16(buf + 14);
        h->csum = get16(buf + 16);
        h->urp = get16(buf + 18);
        if (h->hdr_len < TCP_HDR_LEN || h->hdr_len > len)
                return -EBADMSG;
        if (tcp_opts_parse(buf + TCP_HDR_LEN, h->hdr_len - TCP_HDR_LEN, &h->opts) < 0)
                return -EBADMSG;
        return h->hdr_len;
}

/* Bytes of option space left for SACK blocks after the other options. */
static size_t
tcp_opts_fixed_len(const struct tcp_opts *o)
{
        size_t n = 0;

        n += o->has_mss ? 4 : 0;
        n += o->has_ws ? 4 : 0;
        n += o->has_ts ? 12 : 0;
        if (o->sack_perm)
                n += o->eol ? 2 : 4;
        return n;
}

static unsigned
tcp_opts_sack_fit(const struct tcp_opts *o, size_t fixed)
{
        unsigned n = o->n_sack;

        if (n > TCP_MAX_SACK_BLOCKS)
                n = TCP_MAX_SACK_BLOCKS;
        while (n > 0 && fixed + 4 + 8 * n > TCP_MAX_OPT_LEN)
                n--;
        return n;
}

size_t
tcp_opts_len(const struct tcp_opts *o)
{
        size_t n = tcp_opts_fixed_len(o);
        unsigned ns = tcp_opts_sack_fit(o, n);

        if (ns)
                n += 4 + 8 * ns;
        if (o->eol)
                n += 1;
        return (n + 3) & ~(size_t)3;
}

static uint8_t *
tcp_emit_sack(const struct tcp_opts *o, unsigned ns, uint8_t *p)
{
        *p++ = TCP_OPT_NOP;
        *p++ = TCP_OPT_NOP;
        *p++ = TCP_OPT_SACK;
        *p++ = (uint8_t)(2 + 8 * ns);
        for (unsigned i = 0; i < ns; i++, p += 8) {
                put32(p, o->sack[i].left);
                put32(p + 4, o->sack[i].right);
        }
        return p;
}

size_t
tcp_opts_emit(const struct tcp_opts *o, uint8_t *buf)
{
        size_t total = tcp_opts_len(o);
        unsigned ns = tcp_opts_sack_fit(o, tcp_opts_fixed_len(o));
        uint8_t *p = buf;

        if (o->has_mss) {
                p[0] = TCP_OPT_MSS;
                p[1] = TCP_OPT_MSS_LEN;
                put16(p + 2, o->mss);
                p += 4;
        }
        if (o->has_ws) {
                p[0] = TCP_OPT_NOP;
                p[1] = TCP_OPT_WS;
                p[2] = TCP_OPT_WS_LEN;
                p[3] = o->ws;
                p += 4;
        }
        if (o->has_ts) {
                p[0] = TCP_OPT_NOP;
                p[1] = TCP_OPT_NOP;
                p[2] = TCP_OPT_TS;
                p[3] = TCP_OPT_TS_LEN;
                put32(p + 4, o->tsval);
                put32(p + 8, o->tsecr);
                p += 12;
        }
        if (o->sack_perm) {
                if (!o->eol) {
                        *p++ = TCP_OPT_NOP;
                        *p++ = TCP_OPT_NOP;
                }
                *p++ = TCP_OPT_SACK_PERM;
                *p++ = TCP_OPT_SACK_PERM_LEN;
        }
        if (ns)
                p = tcp_emit_sack(o, ns, p);
        /* EOL, then zero padding up to the data offset (RFC 9293 3.1 "Padding"). */
        while ((size_t)(p - buf) < total)
                *p++ = TCP_OPT_EOL;
        return total;
}

/* Write header and options with a zero checksum field; returns the header length. */
static size_t
tcp_hdr_put(const struct tcp_hdr *h, uint8_t *buf)
{
        size_t hl = TCP_HDR_LEN + tcp_opts_emit(&h->opts, buf + TCP_HDR_LEN);

        put16(buf, h->sport);
        put16(buf + 2, h->dport);
        put32(buf + 4, h->seq);
        put32(buf + 8, h->ack);
        buf[12] = (uint8_t)((hl / 4) << 4);
        buf[13] = h->flags;
        put16(buf + 14, h->wnd);
        put16(buf + 16, 0);
        put16(buf + 18, h->urp);
        return hl;
}

size_t
tcp_hdr_emit(const struct tcp_hdr *h, uint8_t *buf, size_t payload_len, uint32_t src, uint32_t dst)
{
        size_t hl = tcp_hdr_put(h, buf);
        uint32_t sum = csum_pseudo(src, dst, IPV4_PROTO_TCP, (uint16_t)(hl + payload_len));

        put16(buf + 16, csum_fold(csum_partial(buf, hl + payload_len, sum)));
        return hl;
}

size_t
tcp_hdr_emit_sum(const struct tcp_hdr *h, uint8_t *buf, size_t payload_len, uint32_t payload_sum,
                 uint32_t src, uint32_t dst)
{
        size_t hl = tcp_hdr_put(h, buf);
        uint32_t sum = csum_pseudo(src, dst, IPV4_PROTO_TCP, (uint16_t)(hl + payload_len));

        /* RFC 1071 2(B): partial sums add; the payload starts at an even offset (hl is a
         * multiple of 4), so its sum needs no byte swap. */
        put16(buf + 16, csum_fold(csum_partial(buf, hl, csum_add(sum, payload_sum))));
        return hl;
}

size_t
tcp_hdr_emit_partial(const struct tcp_hdr *h, uint8_t *buf, size_t payload_len, uint32_t src,
                     uint32_t dst)
{
        size_t hl = tcp_hdr_put(h, buf);
        uint32_t sum = csum_pseudo(src, dst, IPV4_PROTO_TCP, (uint16_t)(hl + payload_len));

        /* virtio 1.x 5.1.6.2 (VIRTIO_NET_HDR_F_NEEDS_CSUM), like Linux CHECKSUM_PARTIAL: the
         * link sums from csum_start to the end, adds what the field holds, folds and
         * complements. So the field holds the pseudo-header sum folded, not complemented; for
         * a TSO super-frame over the whole length (Linux tcp_gso_segment adjusts it for each
         * segment's own length). */
        put16(buf + 16, (uint16_t)~csum_fold(sum));
        return hl;
}

bool
tcp_csum_ok(const uint8_t *seg, size_t seg_len, uint32_t src, uint32_t dst)
{
        uint32_t sum = csum_pseudo(src, dst, IPV4_PROTO_TCP, (uint16_t)seg_len);

        return csum_fold(csum_partial(seg, seg_len, sum)) == 0;
}

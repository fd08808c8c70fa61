/* IPv4 header parse/emit (RFC 791 3.1). */
#include "stack/wire/ipv4.h"

#include <errno.h>
#include <stdio.h>

#include "stack/wire/bytes.h"
#include "stack/wire/csum.h"

static int
bad(enum counter *why, enum counter c)
{
        if (why)
                *why = c;
        return -EBADMSG;
}

int
ipv4_hdr_parse(const uint8_t *buf, size_t len, struct ipv4_hdr *h, enum counter *why)
{
        uint16_t frag;

        if (len < IPV4_HDR_LEN)
                return bad(why, CNT_IP_RX_SHORT);
        if (buf[0] >> 4 != 4) /* RFC 1122 3.2.1.1: silently discard other versions */
                return bad(why, CNT_IP_RX_BAD_VERSION);
        h->hdr_len = (uint8_t)((buf[0] & 0x0f) * 4);
        if (h->hdr_len < IPV4_HDR_LEN)
                return bad(why, CNT_IP_RX_BAD_IHL);
        if (h->hdr_len > len)
                return bad(why, CNT_IP_RX_SHORT);
        h->total_len = get16(buf + 2);
        /* RFC 1122 3.2.1.1 and RFC 791: total length covers the header and fits the frame;
         * the frame may be longer (Ethernet padding), never shorter. */
        if (h->total_len < h->hdr_len || h->total_len > len)
                return bad(why, CNT_IP_RX_BAD_LEN);
        if (csum(buf, h->hdr_len) != 0) /* RFC 1122 3.2.1.2: MUST verify */
                return bad(why, CNT_IP_RX_BAD_CSUM);
        h->tos = buf[1];
        h->id = get16(buf + 4);
        frag = get16(buf + 6);
        h->df = (frag & IPV4_FLAG_DF) != 0;
        h->mf = (frag & IPV4_FLAG_MF) != 0;
        h->frag_off = (uint16_t)((frag & IPV4_OFF_MASK) * 8);
        h->ttl = buf[8];
        h->proto = buf[9];
        h->src = get32(buf + 12);
        h->dst = get32(buf + 16);
        return h->hdr_len;
}

void
ipv4_hdr_emit(const struct ipv4_hdr *h, uint8_t *buf)
{
        uint16_t frag = (uint16_t)((h->frag_off / 8) & IPV4_OFF_MASK);

        if (h->df)
                frag |= IPV4_FLAG_DF;
        if (h->mf)
                frag |= IPV4_FLAG_MF;
        buf[0] = 0x45;
        buf[1] = h->tos;
        put16(buf + 2, h->total_len);
        put16(buf + 4, h->id);
        put16(buf + 6, frag);
        buf[8] = h->ttl;
        buf[9] = h->proto;
        put16(buf + 10, 0);
        put32(buf + 12, h->src);
        put32(buf + 16, h->dst);
        put16(buf + 10, csum(buf, IPV4_HDR_LEN));
}

char *
ipv4_addr_str(uint32_t a, char out[IPV4_ADDR_STRLEN])
{
        snprintf(out, IPV4_ADDR_STRLEN, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
                 a & 255);
        return out;
}

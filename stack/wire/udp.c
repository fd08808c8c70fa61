/* UDP header parse/emit (RFC 768) with the pseudo-header checksum (RFC 1122 4.1.3.4). */
#include "stack/wire/udp.h"

#include <errno.h>

#include "stack/wire/bytes.h"
#include "stack/wire/csum.h"
#include "stack/wire/ipv4.h"

int
udp_hdr_parse(const uint8_t *buf, size_t len, struct udp_hdr *h)
{
        if (len < UDP_HDR_LEN)
                return -EBADMSG;
        h->sport = get16(buf);
        h->dport = get16(buf + 2);
        h->len = get16(buf + 4);
        h->csum = get16(buf + 6);
        /* RFC 768: the length counts the header, so below 8 is impossible; above what arrived
         * means the datagram was cut short and must not be trusted. */
        if (h->len < UDP_HDR_LEN || h->len > len)
                return -EBADMSG;
        return UDP_HDR_LEN;
}

bool
udp_csum_ok(const uint8_t *buf, size_t udp_len, uint32_t src, uint32_t dst)
{
        uint32_t sum;

        if (udp_len < UDP_HDR_LEN || udp_len > 0xffff)
                return false;
        /* RFC 768 and RFC 1122 4.1.3.4: zero means the sender computed none; accept it. */
        if (get16(buf + 6) == 0)
                return true;
        sum = csum_pseudo(src, dst, IPV4_PROTO_UDP, (uint16_t)udp_len);
        return csum_fold(csum_partial(buf, udp_len, sum)) == 0;
}

void
udp_hdr_emit(const struct udp_hdr *h, uint8_t *buf, size_t payload_len, uint32_t src, uint32_t dst)
{
        uint16_t len = (uint16_t)(UDP_HDR_LEN + payload_len);
        uint16_t c;

        put16(buf, h->sport);
        put16(buf + 2, h->dport);
        put16(buf + 4, len);
        put16(buf + 6, 0);
        /* RFC 1122 4.1.3.4: a host MUST be able to generate checksums and default to it. */
        c = csum_fold(csum_partial(buf, len, csum_pseudo(src, dst, IPV4_PROTO_UDP, len)));
        put16(buf + 6, c == 0 ? 0xffff : c); /* RFC 768: a computed zero goes out as all ones */
}

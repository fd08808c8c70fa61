/* ICMP parse/emit (RFC 792). */
#include "stack/wire/icmp.h"

#include <errno.h>

#include "stack/wire/bytes.h"
#include "stack/wire/csum.h"

int
icmp_hdr_parse(const uint8_t *buf, size_t len, struct icmp_hdr *h, int *bad_csum)
{
        if (bad_csum)
                *bad_csum = 0;
        if (len < ICMP_HDR_LEN)
                return -EBADMSG;
        if (csum(buf, len) != 0) {
                if (bad_csum)
                        *bad_csum = 1;
                return -EBADMSG;
        }
        h->type = buf[0];
        h->code = buf[1];
        h->id = get16(buf + 4);
        h->seq = get16(buf + 6);
        return ICMP_HDR_LEN;
}

void
icmp_hdr_emit(const struct icmp_hdr *h, uint8_t *buf, size_t payload_len)
{
        buf[0] = h->type;
        buf[1] = h->code;
        put16(buf + 2, 0);
        put16(buf + 4, h->id);
        put16(buf + 6, h->seq);
        put16(buf + 2, csum(buf, ICMP_HDR_LEN + payload_len));
}

/* ARP parse/emit (RFC 826). */
#include "stack/wire/arp.h"

#include <errno.h>
#include <string.h>

#include "stack/wire/bytes.h"

int
arp_pkt_parse(const uint8_t *buf, size_t len, struct arp_pkt *a)
{
        if (len < ARP_PKT_LEN)
                return -EBADMSG;
        if (get16(buf) != 1 || get16(buf + 2) != 0x0800 || buf[4] != 6 || buf[5] != 4)
                return -EBADMSG;
        a->op = get16(buf + 6);
        if (a->op != ARP_OP_REQUEST && a->op != ARP_OP_REPLY)
                return -EBADMSG;
        memcpy(a->sha, buf + 8, 6);
        a->spa = get32(buf + 14);
        memcpy(a->tha, buf + 18, 6);
        a->tpa = get32(buf + 24);
        return ARP_PKT_LEN;
}

void
arp_pkt_emit(const struct arp_pkt *a, uint8_t *buf)
{
        put16(buf, 1);
        put16(buf + 2, 0x0800);
        buf[4] = 6;
        buf[5] = 4;
        put16(buf + 6, a->op);
        memcpy(buf + 8, a->sha, 6);
        put32(buf + 14, a->spa);
        memcpy(buf + 18, a->tha, 6);
        put32(buf + 24, a->tpa);
}

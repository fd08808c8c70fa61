/* Ethernet II parse/emit. */
#include "stack/wire/eth.h"

#include <errno.h>
#include <string.h>

#include "stack/wire/bytes.h"

const uint8_t eth_broadcast[ETH_ADDR_LEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

int
eth_hdr_parse(const uint8_t *buf, size_t len, struct eth_hdr *h)
{
        if (len < ETH_HDR_LEN)
                return -EBADMSG;
        memcpy(h->dst, buf, ETH_ADDR_LEN);
        memcpy(h->src, buf + 6, ETH_ADDR_LEN);
        h->type = get16(buf + 12);
        return ETH_HDR_LEN;
}

void
eth_hdr_emit(const struct eth_hdr *h, uint8_t *buf)
{
        memcpy(buf, h->dst, ETH_ADDR_LEN);
        memcpy(buf + 6, h->src, ETH_ADDR_LEN);
        put16(buf + 12, h->type);
}

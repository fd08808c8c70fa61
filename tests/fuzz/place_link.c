/* An offload-TAP-like link for the fuzz world (place_link.h). */
#include "tests/fuzz/place_link.h"

#include <string.h>
#include <sys/uio.h>

#include "stack/wire/bytes.h"
#include "stack/wire/csum.h"
#include "stack/wire/eth.h"
#include "stack/wire/ipv4.h"

/* LINK_RX_CSUM_OK when the frame is an unfragmented IPv4 TCP or UDP datagram, all of it
 * present, whose transport checksum (RFC 9293 3.1, RFC 768) sums right; else 0. Every length
 * is checked before it is used: the frame is fuzz input. */
static unsigned
place_link_csum_flags(const uint8_t *f, size_t len)
{
        const uint8_t *ip = f + ETH_HDR_LEN;
        size_t ihl, total;
        uint32_t sum;

        if (len < ETH_HDR_LEN + IPV4_HDR_LEN || get16(f + 12) != ETH_TYPE_IPV4)
                return 0;
        ihl = (ip[0] & 15u) * 4u;
        total = get16(ip + 2);
        if ((ip[0] >> 4) != 4 || ihl < IPV4_HDR_LEN || total < ihl || total > len - ETH_HDR_LEN ||
            (get16(ip + 6) & 0x3fffu))
                return 0;
        if (ip[9] != IPV4_PROTO_TCP && ip[9] != IPV4_PROTO_UDP)
                return 0;
        if (ip[9] == IPV4_PROTO_UDP && (total - ihl < 8 || get16(ip + ihl + 6) == 0))
                return 0; /* too short, or no checksum to vouch for */
        sum = csum_pseudo(get32(ip + 12), get32(ip + 16), ip[9], (uint16_t)(total - ihl));
        sum = csum_partial(ip + ihl, total - ihl, sum);
        return csum_fold(sum) == 0 ? LINK_RX_CSUM_OK : 0;
}

static int
place_link_read(struct place_link *l)
{
        int len = l->inner->rx(l->inner_ctx, l->buf, sizeof(l->buf));

        l->flags = len > 0 ? place_link_csum_flags(l->buf, (size_t)len) : 0;
        return len;
}

static int
place_link_rx(void *ctx, uint8_t *buf, size_t cap)
{
        struct place_link *l = ctx;
        int len = place_link_read(l);

        if (len <= 0)
                return len;
        if ((size_t)len > cap)
                len = (int)cap;
        memcpy(buf, l->buf, (size_t)len);
        return len;
}

/* The frame scattered over the pieces in order, as readv does; a frame longer than all of
 * them is cut short, as rx() cuts it to cap. */
static int
place_link_rxv(void *ctx, const struct iovec *iov, int n)
{
        struct place_link *l = ctx;
        int len = place_link_read(l);
        size_t off = 0;

        for (int i = 0; i < n && len > 0 && off < (size_t)len; i++) {
                size_t k = (size_t)len - off < iov[i].iov_len ? (size_t)len - off : iov[i].iov_len;
                memcpy(iov[i].iov_base, l->buf + off, k);
                off += k;
        }
        return len > 0 ? (int)off : len;
}

static unsigned
place_link_rx_flags(void *ctx)
{
        return ((struct place_link *)ctx)->flags;
}

static int
place_link_tx(void *ctx, const uint8_t *frame, size_t len)
{
        struct place_link *l = ctx;

        return l->inner->tx(l->inner_ctx, frame, len);
}

static int
place_link_fd(void *ctx)
{
        struct place_link *l = ctx;

        return l->inner->fd ? l->inner->fd(l->inner_ctx) : -1;
}

const struct link_ops place_link_ops = {.tx = place_link_tx,
                                        .rx = place_link_rx,
                                        .fd = place_link_fd,
                                        .rx_flags = place_link_rx_flags,
                                        .rxv = place_link_rxv};

void
place_link_init(struct place_link *l, const struct link_ops *inner, void *inner_ctx)
{
        l->inner = inner;
        l->inner_ctx = inner_ctx;
        l->flags = 0;
}

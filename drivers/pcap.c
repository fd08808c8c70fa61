/* pcap writer link (the classic libpcap file format: 24-byte global header, 16-byte record
 * headers, host byte order, magic 0xa1b2c3d4). */
#include "drivers/pcap.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stack/core/clock.h"

#define PCAP_SNAPLEN 262144u
#define DLT_EN10MB 1u
#define DLT_RAW_IPV4 228u /* LINKTYPE_IPV4 */

struct pcap_link {
        FILE *f;
        const struct link_ops *inner;
        void *inner_ctx;
        unsigned long frames;
        int err;
};

static void
pcap_record(struct pcap_link *pl, const uint8_t *frame, size_t len)
{
        uint64_t t = clock_wall_us();
        uint32_t rec[4] = {(uint32_t)(t / 1000000), (uint32_t)(t % 1000000), (uint32_t)len,
                           (uint32_t)len};

        if (fwrite(rec, sizeof(rec), 1, pl->f) != 1 || fwrite(frame, 1, len, pl->f) != len)
                pl->err = -EIO;
        pl->frames++;
}

struct pcap_link *
pcap_link_open(const char *path, enum link_type type, const struct link_ops *inner, void *inner_ctx,
               char *err, size_t err_len)
{
        struct pcap_link *pl = calloc(1, sizeof(*pl));
        uint32_t hdr[6] = {
            0xa1b2c3d4u, 2u | (4u << 16), 0,
            0,           PCAP_SNAPLEN,    type == LINK_RAW_IPV4 ? DLT_RAW_IPV4 : DLT_EN10MB};

        if (!pl) {
                snprintf(err, err_len, "out of memory");
                return NULL;
        }
        pl->f = fopen(path, "wb");
        if (!pl->f) {
                snprintf(err, err_len, "cannot write pcap file '%s': %s", path, strerror(errno));
                free(pl);
                return NULL;
        }
        if (fwrite(hdr, sizeof(hdr), 1, pl->f) != 1) {
                snprintf(err, err_len, "cannot write pcap file '%s'", path);
                fclose(pl->f);
                free(pl);
                return NULL;
        }
        fflush(pl->f);
        pl->inner = inner;
        pl->inner_ctx = inner_ctx;
        return pl;
}

int
pcap_link_close(struct pcap_link *pl)
{
        int err;

        if (!pl)
                return 0;
        err = pl->err;
        if (fclose(pl->f) != 0)
                err = -EIO;
        free(pl);
        return err;
}

unsigned long
pcap_link_frames(const struct pcap_link *pl)
{
        return pl->frames;
}

static int
pcap_tx(void *ctx, const uint8_t *frame, size_t len)
{
        struct pcap_link *pl = ctx;
        int rc = pl->inner->tx(pl->inner_ctx, frame, len);

        if (rc == 0) /* record what really left */
                pcap_record(pl, frame, len);
        return rc;
}

/* A super-frame is recorded as it left: one frame of up to 64 KB (the snaplen is larger),
 * its TCP checksum still partial for the kernel to finish. */
static int
pcap_tx_meta(void *ctx, const uint8_t *frame, size_t len, const struct link_tx_meta *m)
{
        struct pcap_link *pl = ctx;
        int rc = pl->inner->tx_meta(pl->inner_ctx, frame, len, m);

        if (rc == 0)
                pcap_record(pl, frame, len);
        return rc;
}

static unsigned
pcap_tx_caps(void *ctx)
{
        struct pcap_link *pl = ctx;
        return pl->inner->tx_caps && pl->inner->tx_meta ? pl->inner->tx_caps(pl->inner_ctx) : 0;
}

static int
pcap_rx(void *ctx, uint8_t *buf, size_t cap)
{
        struct pcap_link *pl = ctx;
        int n = pl->inner->rx(pl->inner_ctx, buf, cap);

        if (n > 0)
                pcap_record(pl, buf, (size_t)n);
        return n;
}

static int
pcap_fd(void *ctx)
{
        struct pcap_link *pl = ctx;
        return pl->inner->fd ? pl->inner->fd(pl->inner_ctx) : -1;
}

static unsigned
pcap_rx_flags(void *ctx)
{
        struct pcap_link *pl = ctx;
        return pl->inner->rx_flags ? pl->inner->rx_flags(pl->inner_ctx) : 0;
}

const struct link_ops pcap_link_ops = {.tx = pcap_tx,
                                       .rx = pcap_rx,
                                       .fd = pcap_fd,
                                       .rx_flags = pcap_rx_flags,
                                       .tx_caps = pcap_tx_caps,
                                       .tx_meta = pcap_tx_meta};

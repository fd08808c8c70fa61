/* TAP driver: /dev/net/tun with IFF_TAP | IFF_NO_PI, O_NONBLOCK; optionally IFF_VNET_HDR with
 * checksum and TSO4 offloads, each frame then preceded by a struct virtio_net_hdr (virtio 1.x
 * 5.1.6). */
#include "drivers/tap.h"
#include "drivers/tuntap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

struct tap {
        int fd; /* first: the shared tuntap link_ops read it through ctx */
        char name[IFNAMSIZ];
        bool offload;         /* IFF_VNET_HDR + TUNSETOFFLOAD negotiated */
        unsigned rx_flags;    /* enum link_rx_flag bits of the frame last returned */
        unsigned long rx_bad; /* frames dropped for a virtio header we never negotiated */
};

#define TAP_VNET_HDR_LEN sizeof(struct virtio_net_hdr) /* 10: no mergeable rx buffers */
/* A GSO super-frame: an IPv4 datagram of up to 65535 bytes plus Ethernet and a VLAN tag. */
#define TAP_OFFLOAD_MAX_FRAME (65535u + 18u)

/* Attaching raises the carrier, but Linux activates the device's transmit queue a little
 * later (linkwatch); until then the kernel drops what it sends us, e.g. the reply to our
 * first ARP request, which costs a 1 s ARP retry and a needless SYN retransmission. Wait
 * (at most about 1 s) for IFF_RUNNING, which is set in the same step, when the link is up. */
static void
tap_wait_running(const char *name)
{
        const struct timespec tick = {.tv_nsec = 2000000};
        struct ifreq ifr;
        int sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

        if (sk < 0)
                return;
        for (int i = 0; i < 500; i++) {
                memset(&ifr, 0, sizeof(ifr));
                memcpy(ifr.ifr_name, name, strlen(name));
                if (ioctl(sk, SIOCGIFFLAGS, &ifr) < 0 || !(ifr.ifr_flags & IFF_UP) ||
                    (ifr.ifr_flags & IFF_RUNNING))
                        break;
                nanosleep(&tick, NULL);
        }
        close(sk);
}

static struct tap *
tap_attach(const char *name, int extra_flags, char *err, size_t err_len)
{
        struct tap *t;
        char ifname[IFNAMSIZ];
        int fd = tuntap_attach_flags(name, 0, extra_flags, ifname, err, err_len);

        if (fd < 0)
                return NULL;
        t = calloc(1, sizeof(*t));
        if (!t) {
                close(fd);
                snprintf(err, err_len, "out of memory");
                return NULL;
        }
        t->fd = fd;
        memcpy(t->name, ifname, IFNAMSIZ);
        return t;
}

struct tap *
tap_open(const char *name, char *err, size_t err_len)
{
        struct tap *t = tap_attach(name, 0, err, err_len);

        if (!t)
                return NULL;
        /* A persistent TAP keeps the offloads an earlier --offload user set; without a
         * virtio header we could not tell its partial checksums from corrupt ones. Zero is
         * what a fresh TAP starts with, so this changes nothing otherwise. */
        ioctl(t->fd, TUNSETOFFLOAD, 0UL);
        tap_wait_running(t->name);
        return t;
}

/* Fix the header size (the default is the same 10 bytes, but say so) and let the kernel hand
 * us partial checksums and TCPv4 GSO frames. Returns 0 or -errno. */
static int
tap_negotiate(int fd)
{
        int hdr_len = (int)TAP_VNET_HDR_LEN;

        if (ioctl(fd, TUNSETVNETHDRSZ, &hdr_len) < 0)
                return -errno;
        if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)(TUN_F_CSUM | TUN_F_TSO4)) < 0)
                return -errno;
        return 0;
}

struct tap *
tap_open_offload(const char *name, char *notice, size_t notice_len, char *err, size_t err_len)
{
        struct tap *t = tap_attach(name, IFF_VNET_HDR, err, err_len);
        int rc;

        notice[0] = 0;
        if (!t) {
                snprintf(notice, notice_len, "IFF_VNET_HDR refused (%s)", err);
                return tap_open(name, err, err_len);
        }
        rc = tap_negotiate(t->fd);
        if (rc < 0) {
                /* The header flag cannot be cleared on an attached fd: attach again plainly. */
                snprintf(notice, notice_len, "TAP offloads refused by the kernel (%s)",
                         strerror(-rc));
                tap_close(t);
                return tap_open(name, err, err_len);
        }
        t->offload = true;
        tap_wait_running(t->name);
        return t;
}

bool
tap_offload(const struct tap *t)
{
        return t->offload;
}

size_t
tap_max_frame(const struct tap *t)
{
        return t->offload ? TAP_OFFLOAD_MAX_FRAME : 0;
}

unsigned long
tap_rx_bad(const struct tap *t)
{
        return t->rx_bad;
}

/* Only TCPv4 GSO was negotiated (TUN_F_TSO4); any other kind would be several datagrams
 * glued together, which we must not process as one. */
static bool
tap_vnet_accept(struct tap *t, const struct virtio_net_hdr *vh)
{
        switch (vh->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) {
        case VIRTIO_NET_HDR_GSO_NONE:
                t->rx_flags = 0;
                break;
        case VIRTIO_NET_HDR_GSO_TCPV4:
                t->rx_flags = LINK_RX_GSO;
                break;
        default:
                return false;
        }
        /* NEEDS_CSUM: the checksum field holds only the pseudo-header sum, the kernel never
         * filled it in (the frame did not cross a wire); DATA_VALID: the kernel checked it. */
        if (vh->flags & (VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID))
                t->rx_flags |= LINK_RX_CSUM_OK;
        return true;
}

/* Read one frame, scattered over iov, and strip its virtio header; frames we cannot take
 * are dropped here. */
static int
tap_vnet_rxv(void *ctx, const struct iovec *iov, int n)
{
        struct tap *t = ctx;
        struct virtio_net_hdr vh = {0}; /* readv fills it; zeroed so no reader sees garbage */
        struct iovec v[LINK_RXV_MAX + 1] = {{.iov_base = &vh, .iov_len = TAP_VNET_HDR_LEN}};
        size_t cap = 0;

        if (n < 1 || n > LINK_RXV_MAX)
                return -EINVAL;
        for (int i = 0; i < n; i++) {
                v[i + 1] = iov[i];
                cap += iov[i].iov_len;
        }
        for (;;) {
                ssize_t got = readv(t->fd, v, n + 1);

                if (got < 0)
                        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0
                                                                                         : -errno;
                if ((size_t)got > TAP_VNET_HDR_LEN && (size_t)got - TAP_VNET_HDR_LEN <= cap &&
                    tap_vnet_accept(t, &vh))
                        return (int)((size_t)got - TAP_VNET_HDR_LEN);
                t->rx_bad++;
        }
}

static int
tap_vnet_rx(void *ctx, uint8_t *buf, size_t cap)
{
        struct iovec iov = {.iov_base = buf, .iov_len = cap};

        return tap_vnet_rxv(ctx, &iov, 1);
}

/* Send one frame behind its virtio net header (virtio 1.x 5.1.6.2): all zero for a frame
 * that is complete; for one whose TCP checksum holds only the pseudo-header sum,
 * NEEDS_CSUM with where to sum from and where the field is; for a TSO super-frame also
 * gso_type TCPV4 and gso_size, the payload of each segment the kernel cuts it into. */
static int
tap_vnet_tx_meta(void *ctx, const uint8_t *frame, size_t len, const struct link_tx_meta *m)
{
        struct tap *t = ctx;
        struct virtio_net_hdr vh;
        struct iovec iov[2] = {{.iov_base = &vh, .iov_len = TAP_VNET_HDR_LEN},
                               {.iov_base = (void *)frame, .iov_len = len}};
        ssize_t n;

        memset(&vh, 0, sizeof(vh));
        if (m) {
                vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
                vh.csum_start = m->csum_start;
                vh.csum_offset = m->csum_offset;
                vh.hdr_len = m->hdr_len;
                if (m->gso_size) {
                        vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
                        vh.gso_size = m->gso_size;
                }
        }
        n = writev(t->fd, iov, 2);
        if (n < 0)
                return -errno;
        return (size_t)n == TAP_VNET_HDR_LEN + len ? 0 : -EIO;
}

static int
tap_vnet_tx(void *ctx, const uint8_t *frame, size_t len)
{
        return tap_vnet_tx_meta(ctx, frame, len, NULL);
}

/* What we negotiated with TUNSETOFFLOAD is what the kernel finishes for us. */
static unsigned
tap_vnet_tx_caps(void *ctx)
{
        (void)ctx;
        return LINK_TX_CSUM | LINK_TX_TSO4;
}

static unsigned
tap_vnet_rx_flags(void *ctx)
{
        return ((struct tap *)ctx)->rx_flags;
}

void
tap_close(struct tap *t)
{
        if (!t)
                return;
        close(t->fd);
        free(t);
}

int
tap_fd(const struct tap *t)
{
        return t->fd;
}

int
tap_mtu(const struct tap *t)
{
        return tuntap_mtu(t->name);
}

const struct link_ops tap_link_ops = {.tx = tuntap_tx, .rx = tuntap_rx, .fd = tuntap_link_fd};
const struct link_ops tap_offload_link_ops = {.tx = tap_vnet_tx,
                                              .rx = tap_vnet_rx,
                                              .fd = tuntap_link_fd,
                                              .rx_flags = tap_vnet_rx_flags,
                                              .tx_caps = tap_vnet_tx_caps,
                                              .tx_meta = tap_vnet_tx_meta,
                                              .rxv = tap_vnet_rxv};

const struct link_ops *
tap_link(const struct tap *t)
{
        return t->offload ? &tap_offload_link_ops : &tap_link_ops;
}

/* TUN driver: /dev/net/tun with IFF_TUN | IFF_NO_PI, O_NONBLOCK; one IPv4 packet per
 * read/write (RFC 791 datagrams, no link header). */
#include "drivers/tun.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct tun {
        int fd;
        char name[IFNAMSIZ];
};

static void
tun_explain(int e, const char *name, char *err, size_t err_len)
{
        switch (e) {
        case ENOENT:
        case ENODEV:
        case ENXIO:
                snprintf(
                    err, err_len,
                    "cannot open /dev/net/tun: %s (is the tun module loaded? try: modprobe tun)",
                    strerror(e));
                break;
        case EPERM:
        case EACCES:
                snprintf(err, err_len,
                         "permission denied for TUN device '%s': create it for your user first "
                         "(sudo ip tuntap add dev %s mode tun user $USER) or run as root",
                         name, name);
                break;
        case EBUSY:
                snprintf(err, err_len,
                         "TUN device '%s' is busy: another process has it open (or it is a TAP, "
                         "not a TUN, device)",
                         name);
                break;
        case EINVAL:
                snprintf(err, err_len, "'%s' exists but is not a TUN device", name);
                break;
        default:
                snprintf(err, err_len, "cannot attach to TUN device '%s': %s", name, strerror(e));
        }
}

struct tun *
tun_open(const char *name, char *err, size_t err_len)
{
        struct ifreq ifr;
        struct tun *t;
        int fd, e;

        if (!name || !*name || strlen(name) >= IFNAMSIZ) {
                snprintf(err, err_len, "bad interface name '%s' (1 to %d characters)",
                         name ? name : "", IFNAMSIZ - 1);
                return NULL;
        }
        fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) {
                tun_explain(errno, name, err, err_len);
                return NULL;
        }
        memset(&ifr, 0, sizeof(ifr));
        ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
        memcpy(ifr.ifr_name, name, strlen(name));
        if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
                e = errno;
                close(fd);
                tun_explain(e, name, err, err_len);
                return NULL;
        }
        t = calloc(1, sizeof(*t));
        if (!t) {
                close(fd);
                snprintf(err, err_len, "out of memory");
                return NULL;
        }
        t->fd = fd;
        memcpy(t->name, ifr.ifr_name, IFNAMSIZ);
        t->name[IFNAMSIZ - 1] = 0;
        return t;
}

void
tun_close(struct tun *t)
{
        if (!t)
                return;
        close(t->fd);
        free(t);
}

int
tun_fd(const struct tun *t)
{
        return t->fd;
}

static int
tun_tx(void *ctx, const uint8_t *pkt, size_t len)
{
        struct tun *t = ctx;
        ssize_t n = write(t->fd, pkt, len);

        if (n < 0)
                return -errno;
        return n == (ssize_t)len ? 0 : -EIO;
}

static int
tun_rx(void *ctx, uint8_t *buf, size_t cap)
{
        struct tun *t = ctx;
        ssize_t n = read(t->fd, buf, cap);

        if (n < 0)
                return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -errno;
        return (int)n;
}

static int
tun_link_fd(void *ctx)
{
        return ((struct tun *)ctx)->fd;
}

const struct link_ops tun_link_ops = {.tx = tun_tx, .rx = tun_rx, .fd = tun_link_fd};

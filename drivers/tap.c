/* TAP driver: /dev/net/tun with IFF_TAP | IFF_NO_PI, O_NONBLOCK. */
#include "drivers/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct tap {
        int fd;
        char name[IFNAMSIZ];
};

static void
tap_explain(int e, const char *name, char *err, size_t err_len)
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
                         "permission denied for TAP device '%s': create it for your user first "
                         "(sudo ip tuntap add dev %s mode tap user $USER) or run as root",
                         name, name);
                break;
        case EBUSY:
                snprintf(err, err_len,
                         "TAP device '%s' is busy: another process has it open (or it is a TUN, "
                         "not a TAP, device)",
                         name);
                break;
        case EINVAL:
                snprintf(err, err_len, "'%s' exists but is not a TAP device", name);
                break;
        default:
                snprintf(err, err_len, "cannot attach to TAP device '%s': %s", name, strerror(e));
        }
}

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

struct tap *
tap_open(const char *name, char *err, size_t err_len)
{
        struct ifreq ifr;
        struct tap *t;
        int fd, e;

        if (!name || !*name || strlen(name) >= IFNAMSIZ) {
                snprintf(err, err_len, "bad interface name '%s' (1 to %d characters)",
                         name ? name : "", IFNAMSIZ - 1);
                return NULL;
        }
        fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0 && (errno == EACCES || errno == EPERM)) {
                snprintf(err, err_len,
                         "permission denied opening /dev/net/tun: run as root, or give your user "
                         "access to it (it is usually mode 0666; here it is not)");
                return NULL;
        }
        if (fd < 0) {
                tap_explain(errno, name, err, err_len);
                return NULL;
        }
        memset(&ifr, 0, sizeof(ifr));
        ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
        memcpy(ifr.ifr_name, name, strlen(name));
        if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
                e = errno;
                close(fd);
                tap_explain(e, name, err, err_len);
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
        tap_wait_running(t->name);
        return t;
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
        struct ifreq ifr;
        int sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), mtu = 0;

        if (sk < 0)
                return 0;
        memset(&ifr, 0, sizeof(ifr));
        memcpy(ifr.ifr_name, t->name, IFNAMSIZ);
        if (ioctl(sk, SIOCGIFMTU, &ifr) == 0)
                mtu = ifr.ifr_mtu;
        close(sk);
        return mtu;
}

static int
tap_tx(void *ctx, const uint8_t *frame, size_t len)
{
        struct tap *t = ctx;
        ssize_t n = write(t->fd, frame, len);

        if (n < 0)
                return -errno;
        return n == (ssize_t)len ? 0 : -EIO;
}

static int
tap_rx(void *ctx, uint8_t *buf, size_t cap)
{
        struct tap *t = ctx;
        ssize_t n = read(t->fd, buf, cap);

        if (n < 0)
                return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -errno;
        return (int)n;
}

static int
tap_link_fd(void *ctx)
{
        return ((struct tap *)ctx)->fd;
}

const struct link_ops tap_link_ops = {.tx = tap_tx, .rx = tap_rx, .fd = tap_link_fd};

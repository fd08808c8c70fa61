/* /dev/net/tun attach, error explanations and non-blocking I/O for the TAP and TUN drivers. */
#include "drivers/tuntap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static void
tuntap_explain(int e, const char *name, int tun, char *err, size_t err_len)
{
        const char *kind = tun ? "TUN" : "TAP", *other = tun ? "TAP" : "TUN";

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
                         "permission denied for %s device '%s': create it for your user first "
                         "(sudo ip tuntap add dev %s mode %s user $USER) or run as root",
                         kind, name, name, tun ? "tun" : "tap");
                break;
        case EBUSY:
                snprintf(err, err_len,
                         "%s device '%s' is busy: another process has it open (or it is a %s, "
                         "not a %s, device)",
                         kind, name, other, kind);
                break;
        case EINVAL:
                snprintf(err, err_len, "'%s' exists but is not a %s device", name, kind);
                break;
        default:
                snprintf(err, err_len, "cannot attach to %s device '%s': %s", kind, name,
                         strerror(e));
        }
}

int
tuntap_attach(const char *name, int tun, char ifname[IFNAMSIZ], char *err, size_t err_len)
{
        return tuntap_attach_flags(name, tun, 0, ifname, err, err_len);
}

int
tuntap_attach_flags(const char *name, int tun, int extra_flags, char ifname[IFNAMSIZ], char *err,
                    size_t err_len)
{
        struct ifreq ifr;
        int fd, e;

        if (!name || !*name || strlen(name) >= IFNAMSIZ) {
                snprintf(err, err_len, "bad interface name '%s' (1 to %d characters)",
                         name ? name : "", IFNAMSIZ - 1);
                return -1;
        }
        fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0 && (errno == EACCES || errno == EPERM)) {
                snprintf(err, err_len,
                         "permission denied opening /dev/net/tun: run as root, or give your user "
                         "access to it (it is usually mode 0666; here it is not)");
                return -1;
        }
        if (fd < 0) {
                tuntap_explain(errno, name, tun, err, err_len);
                return -1;
        }
        memset(&ifr, 0, sizeof(ifr));
        ifr.ifr_flags = (short)((tun ? IFF_TUN : IFF_TAP) | IFF_NO_PI | extra_flags);
        memcpy(ifr.ifr_name, name, strlen(name));
        if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
                e = errno;
                close(fd);
                tuntap_explain(e, name, tun, err, err_len);
                return -1;
        }
        memcpy(ifname, ifr.ifr_name, IFNAMSIZ);
        ifname[IFNAMSIZ - 1] = 0;
        return fd;
}

int
tuntap_mtu(const char *ifname)
{
        struct ifreq ifr;
        int sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), mtu = 0;

        if (sk < 0)
                return 0;
        memset(&ifr, 0, sizeof(ifr));
        memcpy(ifr.ifr_name, ifname, strnlen(ifname, IFNAMSIZ - 1));
        if (ioctl(sk, SIOCGIFMTU, &ifr) == 0)
                mtu = ifr.ifr_mtu;
        close(sk);
        return mtu;
}

int
tuntap_tx(void *ctx, const uint8_t *buf, size_t len)
{
        ssize_t n = write(*(int *)ctx, buf, len);

        if (n < 0)
                return -errno;
        return n == (ssize_t)len ? 0 : -EIO;
}

int
tuntap_rx(void *ctx, uint8_t *buf, size_t cap)
{
        ssize_t n = read(*(int *)ctx, buf, cap);

        if (n < 0)
                return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -errno;
        return (int)n;
}

int
tuntap_link_fd(void *ctx)
{
        return *(int *)ctx;
}

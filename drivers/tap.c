/* TAP driver: /dev/net/tun with IFF_TAP | IFF_NO_PI, O_NONBLOCK. */
#include "drivers/tap.h"
#include "drivers/tuntap.h"

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
        int fd; /* first: the shared tuntap link_ops read it through ctx */
        char name[IFNAMSIZ];
};

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
        struct tap *t;
        char ifname[IFNAMSIZ];
        int fd = tuntap_attach(name, 0, ifname, err, err_len);

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
        return tuntap_mtu(t->name);
}

const struct link_ops tap_link_ops = {.tx = tuntap_tx, .rx = tuntap_rx, .fd = tuntap_link_fd};

/* TUN driver: /dev/net/tun with IFF_TUN | IFF_NO_PI, O_NONBLOCK; one IPv4 packet per
 * read/write (RFC 791 datagrams, no link header). */
#include "drivers/tun.h"
#include "drivers/tuntap.h"

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
        int fd; /* first: the shared tuntap link_ops read it through ctx */
        char name[IFNAMSIZ];
};

struct tun *
tun_open(const char *name, char *err, size_t err_len)
{
        struct tun *t;
        char ifname[IFNAMSIZ];
        int fd = tuntap_attach(name, 1, ifname, err, err_len);

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

const struct link_ops tun_link_ops = {.tx = tuntap_tx, .rx = tuntap_rx, .fd = tuntap_link_fd};

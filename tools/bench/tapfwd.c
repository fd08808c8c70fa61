/* tapfwd: a minimal TAP-to-TAP frame forwarder, the ceiling of the TAP path for `make bench`.
 * Single thread, poll(), up to 64 frames per wakeup; with --offload the TAPs carry a virtio
 * net header (IFF_VNET_HDR + TUNSETOFFLOAD) so GSO super-frames pass through whole. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define FWD_BATCH 64
#define FWD_BUF (65536 + 64) /* a 64 KB GSO frame plus the virtio header */

static volatile sig_atomic_t fwd_stop;

struct fwd_end {
        int fd;
        unsigned long long frames, bytes, drops;
};

static void
on_signal(int sig)
{
        (void)sig;
        fwd_stop = 1;
}

/* Enter network namespace ns (a name under /var/run/netns, or a path). */
static int
enter_netns(const char *ns)
{
        char path[512];
        int fd, rc;

        if (strlen(ns) > 256)
                return -ENAMETOOLONG;
        if (strchr(ns, '/'))
                snprintf(path, sizeof(path), "%s", ns);
        else
                snprintf(path, sizeof(path), "/var/run/netns/%s", ns);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        rc = setns(fd, CLONE_NEWNET) < 0 ? -errno : 0;
        close(fd);
        return rc;
}

/* Create TAP name in the current namespace; with offload, negotiate the virtio header and
 * checksum/TSO offloads. Returns the fd or -errno. */
static int
tap_create(const char *name, bool offload)
{
        struct ifreq ifr;
        int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC), e;
        unsigned off = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;

        if (fd < 0)
                return -errno;
        if (strlen(name) >= IFNAMSIZ) {
                close(fd);
                return -ENAMETOOLONG;
        }
        memset(&ifr, 0, sizeof(ifr));
        ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (offload ? IFF_VNET_HDR : 0);
        memcpy(ifr.ifr_name, name, strlen(name));
        if (ioctl(fd, TUNSETIFF, &ifr) < 0 || (offload && ioctl(fd, TUNSETOFFLOAD, off) < 0)) {
                e = errno;
                close(fd);
                return -e;
        }
        return fd;
}

/* Open "ns:tap" (or just "tap" in the current namespace). */
static int
open_end(const char *spec, bool offload, int home_fd)
{
        char buf[256], *colon;
        int fd, rc;

        snprintf(buf, sizeof(buf), "%s", spec);
        colon = strchr(buf, ':');
        if (colon) {
                *colon = 0;
                rc = enter_netns(buf);
                if (rc < 0) {
                        fprintf(stderr, "tapfwd: namespace %s: %s\n", buf, strerror(-rc));
                        return rc;
                }
        }
        fd = tap_create(colon ? colon + 1 : buf, offload);
        if (fd < 0)
                fprintf(stderr, "tapfwd: TAP %s: %s\n", spec, strerror(-fd));
        if (colon && setns(home_fd, CLONE_NEWNET) < 0)
                return -errno;
        return fd;
}

/* Move up to FWD_BATCH frames from one end to the other. */
static void
forward(struct fwd_end *from, struct fwd_end *to, unsigned char *buf)
{
        for (int i = 0; i < FWD_BATCH; i++) {
                ssize_t n = read(from->fd, buf, FWD_BUF);
                if (n <= 0)
                        return;
                from->frames++;
                from->bytes += (unsigned long long)n;
                if (write(to->fd, buf, (size_t)n) != n)
                        from->drops++;
        }
}

static void
run(struct fwd_end *e, unsigned char *buf)
{
        struct pollfd p[2] = {{.fd = e[0].fd, .events = POLLIN}, {.fd = e[1].fd, .events = POLLIN}};

        while (!fwd_stop) {
                if (poll(p, 2, -1) < 0)
                        continue;
                if (p[0].revents & POLLIN)
                        forward(&e[0], &e[1], buf);
                if (p[1].revents & POLLIN)
                        forward(&e[1], &e[0], buf);
        }
}

int
main(int argc, char **argv)
{
        struct fwd_end e[2] = {{.fd = -1}, {.fd = -1}};
        struct sigaction sa;
        unsigned char *buf;
        bool offload = false;
        int argi = 1, home;

        if (argi < argc && strcmp(argv[argi], "--offload") == 0) {
                offload = true;
                argi++;
        }
        if (argc - argi != 2) {
                fprintf(stderr, "usage: tapfwd [--offload] [NS:]TAP_A [NS:]TAP_B\n"
                                "Forward frames between two TAPs (created, in namespaces NS) "
                                "until SIGINT/SIGTERM.\n");
                return 2;
        }
        home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        buf = malloc(FWD_BUF);
        if (home < 0 || !buf)
                return 1;
        e[0].fd = open_end(argv[argi], offload, home);
        e[1].fd = open_end(argv[argi + 1], offload, home);
        if (e[0].fd < 0 || e[1].fd < 0)
                return 1;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        printf("tapfwd: ready (%s)\n", offload ? "vnet header + offloads" : "plain");
        fflush(stdout);
        run(e, buf);
        printf("tapfwd: a->b %llu frames %llu bytes %llu drops; b->a %llu frames %llu bytes "
               "%llu drops\n",
               e[0].frames, e[0].bytes, e[0].drops, e[1].frames, e[1].bytes, e[1].drops);
        close(e[0].fd);
        close(e[1].fd);
        close(home);
        free(buf);
        return 0;
}

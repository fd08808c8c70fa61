/* Internals of libstack-packetdrill: one stack behind one mutex, a virtual clock, an
 * in-memory raw IPv4 link, and a table of per-descriptor flags the stack does not keep. */
#ifndef TOOLS_PACKETDRILL_PD_H
#define TOOLS_PACKETDRILL_PD_H

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "stack/core/clock.h"
#include "stack/sock.h"
#include "stack/stack.h"

#define PD_EXPORT __attribute__((visibility("default")))

#define PD_FD_BASE 3                    /* fd = socket handle + 3: a script's first fd is 3 */
#define PD_MAX_SOCKS 256                /* open sockets at once */
#define PD_QUEUE_MAX 4096               /* packets waiting in either direction */
#define PD_EPOCH_US 1700000000000000ull /* virtual clock start (Nov 2023, as a wall time) */
#define PD_MAX_TIMER_STEPS 100000u      /* bound on timer firings in one clock advance */
#define PD_DEFAULT_SNIFF_WAIT_MS 5000u

/* A packet in flight between packetdrill and the stack. */
struct pd_pkt {
        struct pd_pkt *next;
        uint64_t time_us; /* virtual time it left the stack (outbound only) */
        size_t len;
        uint8_t data[];
};

struct pd_queue {
        struct pd_pkt *head, *tail;
        unsigned n;
};

/* What POSIX keeps per open file description and our stack has no field for. */
struct pd_fd {
        bool udp;
        bool nonblock;
        bool reuseaddr, reuseport;
        bool linger_on;
        int linger_s;
};

struct pd_config {
        uint32_t local, gw; /* host order */
        uint8_t prefix_len;
        uint16_t mtu;
        uint64_t seed;
        unsigned msl_ms;
        uint64_t tick_us;
        unsigned sniff_wait_ms;
        bool trace;
};

struct pd {
        pthread_mutex_t mu;
        pthread_cond_t cv;      /* broadcast whenever the stack may have changed */
        pthread_cond_t settled; /* signalled when every woken waiter has looked again */
        unsigned waiters;       /* threads blocked in pd_wait */
        unsigned stale;         /* of those, how many have not re-checked since the change */
        struct stack *s;
        struct manual_clock clock;
        struct pd_queue in, out;
        struct pd_fd fds[PD_MAX_SOCKS];
        struct pd_config cfg;
        unsigned idle_sniffs; /* consecutive netdev_receive calls that could never succeed */
};

/* pd_core.c: lock, clock and link. */
struct pd *pd_enter(void *userdata);
void pd_leave(struct pd *pd);
/* Run the stack at the current virtual time (input, timers, output). Lock held. */
void pd_poll(struct pd *pd);
/* Move virtual time forward by us, firing each stack timer at its own deadline. Lock held. */
void pd_advance(struct pd *pd, uint64_t us);
/* Wait for the other thread to change something (lock held, released while waiting). */
void pd_wait(struct pd *pd);
/* Wait (bounded) until every blocked call has re-checked its condition since the last change,
 * so a blocking write woken by an ACK queues its data before virtual time jumps ahead. */
void pd_settle(struct pd *pd);
/* -1 with errno = -neg (for a negative errno from the stack). */
static inline int
pd_fail(int neg)
{
        errno = -neg;
        return -1;
}
int pd_parse_flags(const char *flags, struct pd_config *cfg);

/* pd_sock.c: descriptors. */
/* The socket handle behind fd, or -1 (errno EBADF). */
int pd_sd(struct pd *pd, int fd);
/* The common failure of a call on fd: -1 with errno ENOSYS (no stack: pd is NULL) or
 * EBADF (not one of our sockets; releases the lock pd_enter took). */
int pd_fail_fd(struct pd *pd);
static inline int
pd_fd_of(int sd)
{
        return sd + PD_FD_BASE;
}

/* The interface entries, grouped by file. */
int pd_socket(void *ud, int domain, int type, int protocol);
int pd_bind(void *ud, int fd, const struct sockaddr *addr, socklen_t len);
int pd_listen(void *ud, int fd, int backlog);
int pd_accept(void *ud, int fd, struct sockaddr *addr, socklen_t *len);
int pd_connect(void *ud, int fd, const struct sockaddr *addr, socklen_t len);
int pd_close(void *ud, int fd);
int pd_shutdown(void *ud, int fd, int how);

/* pd_io.c */
ssize_t pd_read(void *ud, int fd, void *buf, size_t count);
ssize_t pd_readv(void *ud, int fd, const struct iovec *iov, int iovcnt);
ssize_t pd_recv(void *ud, int fd, void *buf, size_t len, int flags);
ssize_t pd_recvfrom(void *ud, int fd, void *buf, size_t len, int flags, struct sockaddr *src,
                    socklen_t *srclen);
ssize_t pd_recvmsg(void *ud, int fd, struct msghdr *msg, int flags);
ssize_t pd_write(void *ud, int fd, const void *buf, size_t count);
ssize_t pd_writev(void *ud, int fd, const struct iovec *iov, int iovcnt);
ssize_t pd_send(void *ud, int fd, const void *buf, size_t len, int flags);
ssize_t pd_sendto(void *ud, int fd, const void *buf, size_t len, int flags,
                  const struct sockaddr *dst, socklen_t dstlen);
ssize_t pd_sendmsg(void *ud, int fd, const struct msghdr *msg, int flags);

/* pd_opt.c */
int pd_fcntl(void *ud, int fd, int cmd, ...);
int pd_ioctl(void *ud, int fd, unsigned long request, ...);
int pd_getsockopt(void *ud, int fd, int level, int name, void *val, socklen_t *len);
int pd_setsockopt(void *ud, int fd, int level, int name, const void *val, socklen_t len);
int pd_poll_fds(void *ud, struct pollfd *fds, nfds_t nfds, int timeout);

/* Address conversions (pd_sock.c). */
int pd_addr_in(const struct sockaddr *addr, socklen_t len, struct sock_addr *out);
void pd_addr_out(const struct sock_addr *a, struct sockaddr *addr, socklen_t *len);

#endif

/* The packetdrill shared-object ABI (`packetdrill --so_filename=LIB.so --so_flags=FLAGS`) and
 * how build/lib/libstack-packetdrill.so maps each entry onto our stack. The member order and
 * signatures match packetdrill's own packetdrill.h exactly; do not reorder. */
#ifndef TOOLS_PACKETDRILL_PACKETDRILL_H
#define TOOLS_PACKETDRILL_PACKETDRILL_H

#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

/* Every function takes userdata first, then the arguments of the libc call of the same name,
 * and returns what that call returns: -1 with errno set on failure. File descriptors are our
 * own small integers (socket handle + 3, so a script's first socket is 3, as under Linux).
 *
 *   socket      AF_INET + SOCK_STREAM (TCP) or SOCK_DGRAM (UDP); SOCK_NONBLOCK honoured.
 *               Other families: EAFNOSUPPORT.           -> sock_open
 *   bind        struct sockaddr_in                      -> sock_bind
 *   listen                                              -> sock_listen
 *   accept      blocks unless O_NONBLOCK                -> sock_accept
 *   connect     TCP: blocks until ESTABLISHED or error unless O_NONBLOCK (then EINPROGRESS);
 *               UDP: sets the default peer               -> sock_connect
 *   read, readv, recv, recvfrom, recvmsg: block until data, EOF or an error unless O_NONBLOCK
 *               or MSG_DONTWAIT; other flags (MSG_PEEK, MSG_OOB, ...): EOPNOTSUPP
 *                                                       -> sock_recv / sock_recvfrom
 *   write, writev, send, sendto, sendmsg: a blocking call waits until every byte is queued
 *               (MSG_NOSIGNAL and MSG_DONTWAIT accepted) -> sock_send / sock_sendto
 *   fcntl       F_GETFL, F_SETFL (O_NONBLOCK), F_GETFD, F_SETFD; others EOPNOTSUPP
 *   ioctl       FIONREAD (SIOCINQ), FIONBIO; others EOPNOTSUPP
 *   close       SO_LINGER on with l_linger 0: RST (sock_abort), else sock_close
 *   shutdown                                            -> sock_shutdown
 *   getsockopt  SOL_SOCKET: SO_ERROR SO_TYPE SO_REUSEADDR SO_REUSEPORT SO_KEEPALIVE SO_RCVBUF
 *               SO_SNDBUF SO_LINGER; IPPROTO_TCP: TCP_NODELAY TCP_MAXSEG TCP_INFO (state,
 *               rto, snd_mss, rcv_mss, rtt, rttvar, snd_cwnd, snd_ssthresh, retransmits);
 *               IPPROTO_IP: IP_TTL IP_TOS. Others: ENOPROTOOPT.
 *   setsockopt  the same except SO_ERROR, SO_TYPE, TCP_INFO and TCP_MAXSEG (read-only here).
 *   poll        POLLIN POLLOUT (+ POLLERR POLLHUP POLLNVAL always); timeout in virtual ms
 *   netdev_send one IPv4 packet (no link header) into the stack; 0 or -1
 *   netdev_receive the next IPv4 packet the stack sent, stamped with the virtual time it left.
 *               With nothing queued, virtual time jumps to the stack's next timer (so
 *               retransmissions and delayed ACKs come out at their own time); *count = 0 when
 *               still nothing.
 *   usleep      advances virtual time, firing every stack timer on the way at its deadline
 *   gettimeofday the virtual clock; each call advances it by the `tick` flag (default 1 us)
 *               so packetdrill's final spin-wait ends
 *   epoll_create, epoll_ctl, epoll_wait, pipe, splice: ENOSYS
 *
 * Flags (--so_flags, comma separated): local=IP (192.168.0.1), prefix=N (16), gw=IP
 * (192.168.0.2), mtu=N (1500), seed=N (1), msl_ms=N (stack default), tick=US (1),
 * sniff_wait_ms=N (5000: exit with a message when packetdrill waits that long, in real time,
 * for a packet the stack can never send; 0 waits forever), trace (one line per packet and
 * TCP state change on stderr). */
struct packetdrill_interface {
        void *userdata;
        void (*free)(void *userdata);
        int (*socket)(void *userdata, int domain, int type, int protocol);
        int (*bind)(void *userdata, int sockfd, const struct sockaddr *addr, socklen_t addrlen);
        int (*listen)(void *userdata, int sockfd, int backlog);
        int (*accept)(void *userdata, int sockfd, struct sockaddr *addr, socklen_t *addrlen);
        int (*connect)(void *userdata, int sockfd, const struct sockaddr *addr, socklen_t addrlen);
        ssize_t (*read)(void *userdata, int fd, void *buf, size_t count);
        ssize_t (*readv)(void *userdata, int fd, const struct iovec *iov, int iovcnt);
        ssize_t (*recv)(void *userdata, int sockfd, void *buf, size_t len, int flags);
        ssize_t (*recvfrom)(void *userdata, int sockfd, void *buf, size_t len, int flags,
                            struct sockaddr *src_addr, socklen_t *addrlen);
        ssize_t (*recvmsg)(void *userdata, int sockfd, struct msghdr *msg, int flags);
        ssize_t (*write)(void *userdata, int fd, const void *buf, size_t count);
        ssize_t (*writev)(void *userdata, int fd, const struct iovec *iov, int iovcnt);
        ssize_t (*send)(void *userdata, int sockfd, const void *buf, size_t len, int flags);
        ssize_t (*sendto)(void *userdata, int sockfd, const void *buf, size_t len, int flags,
                          const struct sockaddr *dest_addr, socklen_t addrlen);
        ssize_t (*sendmsg)(void *userdata, int sockfd, const struct msghdr *msg, int flags);
        int (*fcntl)(void *userdata, int fd, int cmd, ...);
        int (*ioctl)(void *userdata, int fd, unsigned long request, ...);
        int (*close)(void *userdata, int fd);
        int (*shutdown)(void *userdata, int sockfd, int how);
        int (*getsockopt)(void *userdata, int sockfd, int level, int optname, void *optval,
                          socklen_t *optlen);
        int (*setsockopt)(void *userdata, int sockfd, int level, int optname, const void *optval,
                          socklen_t optlen);
        int (*poll)(void *userdata, struct pollfd *fds, nfds_t nfds, int timeout);
        /* One inbound IPv4 packet handed to the stack: 0 or -1. */
        int (*netdev_send)(void *userdata, const void *buf, size_t count);
        /* The next outbound IPv4 packet: *count is the buffer size on entry and the packet length
         * on return (0: none yet); *time_usecs its send time. 0 or -1. */
        int (*netdev_receive)(void *userdata, void *buf, size_t *count, long long *time_usecs);
        int (*usleep)(void *userdata, useconds_t usec);
        int (*gettimeofday)(void *userdata, struct timeval *tv, struct timezone *tz);
        int (*epoll_create)(void *userdata, int size);
        int (*epoll_ctl)(void *userdata, int epfd, int op, int fd, struct epoll_event *event);
        int (*epoll_wait)(void *userdata, int epfd, struct epoll_event *events, int maxevents,
                          int timeout);
        int (*pipe)(void *userdata, int pipefd[2]);
        int (*splice)(void *userdata, int fd_in, loff_t *off_in, int fd_out, loff_t *off_out,
                      size_t len, unsigned int flags);
};

/* The one exported symbol: parse flags, create the stack, fill ifc. On failure (bad flags,
 * out of memory) it prints why on stderr and fills ifc with entries that all fail (ENOSYS),
 * so packetdrill reports errors instead of crashing. */
typedef void packetdrill_interface_init_fn(const char *flags, struct packetdrill_interface *ifc);
void packetdrill_interface_init(const char *flags, struct packetdrill_interface *ifc);

#endif

/* libstack-packetdrill data calls: the read and write families over sock_recv/sock_send,
 * blocking unless O_NONBLOCK or MSG_DONTWAIT (RFC 9293 3.10.2 SEND, 3.10.3 RECEIVE). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "tools/packetdrill/pd.h"

#define PD_DGRAM_MAX 65535u

static bool
pd_iov_ok(const struct iovec *iov, int iovcnt)
{
        if (iovcnt < 0 || iovcnt > IOV_MAX || (iovcnt > 0 && !iov))
                return false;
        for (int i = 0; i < iovcnt; i++)
                if (!iov[i].iov_base && iov[i].iov_len)
                        return false;
        return true;
}

static size_t
pd_iov_len(const struct iovec *iov, int iovcnt)
{
        size_t n = 0;

        for (int i = 0; i < iovcnt; i++)
                n += iov[i].iov_len;
        return n;
}

/* One datagram into (or out of) a scatter list goes through a flat buffer. */
static void
pd_iov_scatter(const struct iovec *iov, int iovcnt, const uint8_t *buf, size_t len)
{
        for (int i = 0; i < iovcnt && len > 0; i++) {
                size_t n = iov[i].iov_len < len ? iov[i].iov_len : len;
                memcpy(iov[i].iov_base, buf, n);
                buf += n;
                len -= n;
        }
}

static ssize_t
pd_recv_dgram(struct pd *pd, int sd, const struct iovec *iov, int iovcnt, struct sock_addr *from)
{
        size_t cap = pd_iov_len(iov, iovcnt);
        uint8_t *buf;
        ssize_t n;

        if (iovcnt == 1)
                return sock_recvfrom(pd->s, sd, iov[0].iov_base, iov[0].iov_len, from);
        buf = malloc(cap ? cap : 1);
        if (!buf)
                return -ENOMEM;
        n = sock_recvfrom(pd->s, sd, buf, cap, from);
        if (n > 0)
                pd_iov_scatter(iov, iovcnt, buf, (size_t)n);
        free(buf);
        return n;
}

/* A stream read fills the iovecs in order and stops at the first short one. */
static ssize_t
pd_recv_stream(struct pd *pd, int sd, const struct iovec *iov, int iovcnt, struct sock_addr *from)
{
        ssize_t total = 0;

        if (iovcnt == 0)
                return sock_recvfrom(pd->s, sd, NULL, 0, from);
        for (int i = 0; i < iovcnt; i++) {
                ssize_t n;
                if (iov[i].iov_len == 0)
                        continue;
                n = sock_recvfrom(pd->s, sd, iov[i].iov_base, iov[i].iov_len, from);
                if (n < 0)
                        return total > 0 ? total : n;
                total += n;
                if ((size_t)n < iov[i].iov_len)
                        break;
        }
        return total;
}

static ssize_t
pd_recv_common(void *ud, int fd, const struct iovec *iov, int iovcnt, int flags,
               struct sockaddr *src, socklen_t *srclen)
{
        struct pd *pd = pd_enter(ud);
        struct sock_addr from = {0};
        ssize_t r;
        int sd;

        if (!pd)
                return -1;
        if ((sd = pd_sd(pd, fd)) < 0)
                r = -EBADF;
        else if (!pd_iov_ok(iov, iovcnt))
                r = -EINVAL;
        else if (flags & ~(MSG_DONTWAIT | MSG_NOSIGNAL | MSG_CMSG_CLOEXEC))
                r = -EOPNOTSUPP; /* MSG_PEEK, MSG_OOB, MSG_WAITALL, MSG_TRUNC, ... */
        else
                for (;;) {
                        r = pd->fds[sd].udp ? pd_recv_dgram(pd, sd, iov, iovcnt, &from)
                                            : pd_recv_stream(pd, sd, iov, iovcnt, &from);
                        if (r != -EAGAIN || pd->fds[sd].nonblock || (flags & MSG_DONTWAIT))
                                break;
                        pd_wait(pd);
                        if (pd_sd(pd, fd) != sd) {
                                r = -EBADF;
                                break;
                        }
                }
        if (r >= 0)
                pd_addr_out(&from, src, srclen);
        pd_poll(pd); /* reading may open the window: a window update leaves now */
        pd_leave(pd);
        return r < 0 ? pd_fail((int)r) : r;
}

ssize_t
pd_read(void *ud, int fd, void *buf, size_t count)
{
        struct iovec v = {.iov_base = buf, .iov_len = count};

        return pd_recv_common(ud, fd, &v, 1, 0, NULL, NULL);
}

ssize_t
pd_readv(void *ud, int fd, const struct iovec *iov, int iovcnt)
{
        return pd_recv_common(ud, fd, iov, iovcnt, 0, NULL, NULL);
}

ssize_t
pd_recv(void *ud, int fd, void *buf, size_t len, int flags)
{
        struct iovec v = {.iov_base = buf, .iov_len = len};

        return pd_recv_common(ud, fd, &v, 1, flags, NULL, NULL);
}

ssize_t
pd_recvfrom(void *ud, int fd, void *buf, size_t len, int flags, struct sockaddr *src,
            socklen_t *srclen)
{
        struct iovec v = {.iov_base = buf, .iov_len = len};

        return pd_recv_common(ud, fd, &v, 1, flags, src, srclen);
}

ssize_t
pd_recvmsg(void *ud, int fd, struct msghdr *msg, int flags)
{
        ssize_t r;

        if (!msg)
                return pd_fail(-EFAULT);
        r = pd_recv_common(ud, fd, msg->msg_iov, (int)msg->msg_iovlen, flags, msg->msg_name,
                           msg->msg_name ? &msg->msg_namelen : NULL);
        if (r >= 0) {
                msg->msg_controllen = 0; /* no ancillary data */
                msg->msg_flags = 0;
        }
        return r;
}

/* Queue iov[*i] from offset *off on; a stream send may take part of it. */
static ssize_t
pd_send_stream(struct pd *pd, int sd, const struct iovec *iov, int iovcnt, int *i, size_t *off)
{
        ssize_t total = 0;

        for (; *i < iovcnt; (*i)++, *off = 0) {
                const uint8_t *base = iov[*i].iov_base;
                size_t left = iov[*i].iov_len - *off;
                ssize_t n;
                if (left == 0)
                        continue;
                n = sock_send(pd->s, sd, base + *off, left);
                if (n < 0)
                        return total > 0 ? total : n;
                total += n;
                *off += (size_t)n;
                if ((size_t)n < left)
                        return total; /* the send buffer is full */
        }
        return total;
}

static ssize_t
pd_send_dgram(struct pd *pd, int sd, const struct iovec *iov, int iovcnt,
              const struct sock_addr *to)
{
        size_t len = pd_iov_len(iov, iovcnt), off = 0;
        uint8_t *buf;
        ssize_t n;

        if (iovcnt == 1)
                return sock_sendto(pd->s, sd, iov[0].iov_base, iov[0].iov_len, to);
        if (len > PD_DGRAM_MAX)
                return -EMSGSIZE;
        buf = malloc(len ? len : 1);
        if (!buf)
                return -ENOMEM;
        for (int i = 0; i < iovcnt; i++) {
                memcpy(buf + off, iov[i].iov_base, iov[i].iov_len);
                off += iov[i].iov_len;
        }
        n = sock_sendto(pd->s, sd, buf, len, to);
        free(buf);
        return n;
}

/* A blocking stream write waits until every byte is queued (POSIX write on a socket). */
static ssize_t
pd_send_loop(struct pd *pd, int fd, int sd, const struct iovec *iov, int iovcnt, bool nonblock)
{
        size_t want = pd_iov_len(iov, iovcnt), off = 0;
        ssize_t total = 0;
        int i = 0;

        for (;;) {
                ssize_t n = pd_send_stream(pd, sd, iov, iovcnt, &i, &off);
                if (n < 0 && n != -EAGAIN)
                        return total > 0 ? total : n;
                if (n > 0)
                        total += n;
                if ((size_t)total == want || nonblock)
                        return total > 0 ? total : n;
                pd_poll(pd); /* send what was queued before sleeping */
                pd_wait(pd);
                if (pd_sd(pd, fd) != sd)
                        return total > 0 ? total : -EBADF;
        }
}

static ssize_t
pd_send_common(void *ud, int fd, const struct iovec *iov, int iovcnt, int flags,
               const struct sockaddr *dst, socklen_t dstlen)
{
        struct pd *pd = pd_enter(ud);
        struct sock_addr to;
        ssize_t r = 0;
        int sd;

        if (!pd)
                return -1;
        if ((sd = pd_sd(pd, fd)) < 0)
                r = -EBADF;
        else if (!pd_iov_ok(iov, iovcnt))
                r = -EINVAL;
        else if (flags & ~(MSG_DONTWAIT | MSG_NOSIGNAL))
                r = -EOPNOTSUPP; /* MSG_OOB, MSG_MORE, MSG_ZEROCOPY, ... */
        else if (dst && pd->fds[sd].udp)
                r = pd_addr_in(dst, dstlen, &to);
        if (r == 0 && pd->fds[sd].udp) {
                r = pd_send_dgram(pd, sd, iov, iovcnt, dst ? &to : NULL);
        } else if (r == 0) {
                bool nonblock = pd->fds[sd].nonblock || (flags & MSG_DONTWAIT);
                r = pd_send_loop(pd, fd, sd, iov, iovcnt, nonblock);
        }
        pd_poll(pd);
        pd_leave(pd);
        return r < 0 ? pd_fail((int)r) : r;
}

ssize_t
pd_write(void *ud, int fd, const void *buf, size_t count)
{
        struct iovec v = {.iov_base = (void *)buf, .iov_len = count};

        return pd_send_common(ud, fd, &v, 1, 0, NULL, 0);
}

ssize_t
pd_writev(void *ud, int fd, const struct iovec *iov, int iovcnt)
{
        return pd_send_common(ud, fd, iov, iovcnt, 0, NULL, 0);
}

ssize_t
pd_send(void *ud, int fd, const void *buf, size_t len, int flags)
{
        struct iovec v = {.iov_base = (void *)buf, .iov_len = len};

        return pd_send_common(ud, fd, &v, 1, flags, NULL, 0);
}

ssize_t
pd_sendto(void *ud, int fd, const void *buf, size_t len, int flags, const struct sockaddr *dst,
          socklen_t dstlen)
{
        struct iovec v = {.iov_base = (void *)buf, .iov_len = len};

        return pd_send_common(ud, fd, &v, 1, flags, dst, dstlen);
}

ssize_t
pd_sendmsg(void *ud, int fd, const struct msghdr *msg, int flags)
{
        if (!msg)
                return pd_fail(-EFAULT);
        if (msg->msg_controllen)
                return pd_fail(-EOPNOTSUPP); /* no ancillary data */
        return pd_send_common(ud, fd, msg->msg_iov, (int)msg->msg_iovlen, flags, msg->msg_name,
                              msg->msg_namelen);
}

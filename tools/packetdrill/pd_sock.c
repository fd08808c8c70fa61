/* libstack-packetdrill descriptors: socket, bind, listen, accept, connect, shutdown, close
 * over the stack's socket API, with POSIX blocking semantics (RFC 9293 3.10.1 OPEN, 3.10.4
 * CLOSE, 3.10.5 ABORT for SO_LINGER 0). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "tools/packetdrill/pd.h"

int
pd_sd(struct pd *pd, int fd)
{
        struct sock_addr a;
        int sd = fd - PD_FD_BASE;

        if (sd < 0 || sd >= PD_MAX_SOCKS || sock_local(pd->s, sd, &a) == -EBADF) {
                errno = EBADF;
                return -1;
        }
        return sd;
}

int
pd_addr_in(const struct sockaddr *addr, socklen_t len, struct sock_addr *out)
{
        struct sockaddr_in sin;

        if (!addr)
                return -EFAULT;
        if (len < sizeof(sa_family_t))
                return -EINVAL;
        if (addr->sa_family != AF_INET)
                return -EAFNOSUPPORT;
        if (len < sizeof(sin))
                return -EINVAL;
        memcpy(&sin, addr, sizeof(sin));
        out->ip = ntohl(sin.sin_addr.s_addr);
        out->port = ntohs(sin.sin_port);
        return 0;
}

void
pd_addr_out(const struct sock_addr *a, struct sockaddr *addr, socklen_t *len)
{
        struct sockaddr_in sin;

        if (!addr || !len)
                return;
        memset(&sin, 0, sizeof(sin));
        sin.sin_family = AF_INET;
        sin.sin_addr.s_addr = htonl(a->ip);
        sin.sin_port = htons(a->port);
        memcpy(addr, &sin, *len < sizeof(sin) ? *len : sizeof(sin));
        *len = sizeof(sin); /* POSIX: the real size, even when the buffer was short */
}

/* Finish an entry: run the stack (output of what the call queued), drop the lock, and turn a
 * negative errno into -1/errno. */
static int
pd_done(struct pd *pd, int r)
{
        pd_poll(pd);
        pd_leave(pd);
        return r < 0 ? pd_fail(r) : r;
}

int
pd_fail_fd(struct pd *pd)
{
        return pd ? pd_done(pd, -EBADF) : -1;
}

int
pd_socket(void *ud, int domain, int type, int protocol)
{
        struct pd *pd = pd_enter(ud);
        int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
        enum sock_type st;
        int sd;

        if (!pd)
                return -1;
        if (domain != AF_INET)
                return pd_done(pd, -EAFNOSUPPORT);
        if (base == SOCK_STREAM && (protocol == 0 || protocol == IPPROTO_TCP))
                st = SOCK_TYPE_TCP;
        else if (base == SOCK_DGRAM && (protocol == 0 || protocol == IPPROTO_UDP))
                st = SOCK_TYPE_UDP;
        else
                return pd_done(pd, base == SOCK_STREAM || base == SOCK_DGRAM ? -EPROTONOSUPPORT
                                                                             : -ESOCKTNOSUPPORT);
        sd = sock_open(pd->s, st);
        if (sd >= PD_MAX_SOCKS) { /* cannot happen: the stack is created with this bound */
                sock_close(pd->s, sd);
                sd = -EMFILE;
        }
        if (sd < 0)
                return pd_done(pd, sd);
        memset(&pd->fds[sd], 0, sizeof(pd->fds[sd]));
        pd->fds[sd].udp = st == SOCK_TYPE_UDP;
        pd->fds[sd].nonblock = (type & SOCK_NONBLOCK) != 0;
        return pd_done(pd, pd_fd_of(sd));
}

int
pd_bind(void *ud, int fd, const struct sockaddr *addr, socklen_t len)
{
        struct pd *pd = pd_enter(ud);
        struct sock_addr a;
        int sd, r;

        if (!pd || (sd = pd_sd(pd, fd)) < 0)
                return pd_fail_fd(pd);
        r = pd_addr_in(addr, len, &a);
        if (r == 0)
                r = sock_bind(pd->s, sd, &a);
        return pd_done(pd, r);
}

int
pd_listen(void *ud, int fd, int backlog)
{
        struct pd *pd = pd_enter(ud);
        int sd;

        if (!pd || (sd = pd_sd(pd, fd)) < 0)
                return pd_fail_fd(pd);
        return pd_done(pd, sock_listen(pd->s, sd, backlog));
}

int
pd_accept(void *ud, int fd, struct sockaddr *addr, socklen_t *len)
{
        struct pd *pd = pd_enter(ud);
        struct sock_addr peer;
        int sd, r;

        if (!pd || (sd = pd_sd(pd, fd)) < 0)
                return pd_fail_fd(pd);
        while ((r = sock_accept(pd->s, sd, &peer)) == -EAGAIN && !pd->fds[sd].nonblock) {
                pd_wait(pd);
                if (pd_sd(pd, fd) != sd) /* closed under us by the other thread */
                        return pd_done(pd, -EBADF);
        }
        if (r >= PD_MAX_SOCKS) {
                sock_abort(pd->s, r);
                r = -EMFILE;
        }
        if (r < 0)
                return pd_done(pd, r);
        memset(&pd->fds[r], 0, sizeof(pd->fds[r])); /* O_NONBLOCK is not inherited (Linux) */
        pd_addr_out(&peer, addr, len);
        return pd_done(pd, pd_fd_of(r));
}

/* A blocking TCP connect waits for ESTABLISHED (writable) or the error that ended it. */
static int
pd_connect_wait(struct pd *pd, int fd, int sd)
{
        unsigned ev;

        while (!((ev = sock_events(pd->s, sd)) & (SOCK_WRITABLE | SOCK_ERROR | SOCK_HUP))) {
                pd_wait(pd);
                if (pd_sd(pd, fd) != sd)
                        return -EBADF;
        }
        if (ev & SOCK_ERROR)
                return sock_error(pd->s, sd);
        return (ev & SOCK_WRITABLE) ? 0 : -ECONNRESET;
}

int
pd_connect(void *ud, int fd, const struct sockaddr *addr, socklen_t len)
{
        struct pd *pd = pd_enter(ud);
        struct sock_addr a;
        int sd, r;

        if (!pd || (sd = pd_sd(pd, fd)) < 0)
                return pd_fail_fd(pd);
        r = pd_addr_in(addr, len, &a);
        if (r == 0)
                r = sock_connect(pd->s, sd, &a);
        if (r < 0 || pd->fds[sd].udp)
                return pd_done(pd, r);
        pd_poll(pd); /* the SYN leaves now */
        if (pd->fds[sd].nonblock)
                return pd_done(pd, -EINPROGRESS);
        return pd_done(pd, pd_connect_wait(pd, fd, sd));
}

int
pd_shutdown(void *ud, int fd, int how)
{
        struct pd *pd = pd_enter(ud);
        int sd;

        if (!pd || (sd = pd_sd(pd, fd)) < 0)
                return pd_fail_fd(pd);
        return pd_done(pd, sock_shutdown(pd->s, sd, how));
}

int
pd_close(void *ud, int fd)
{
        struct pd *pd = pd_enter(ud);
        struct pd_fd *f;
        int sd;

        if (!pd || (sd = pd_sd(pd, fd)) < 0)
                return pd_fail_fd(pd);
        f = &pd->fds[sd];
        /* SO_LINGER on with a zero timeout: close is an ABORT, the peer gets a RST (as Linux). */
        if (!f->udp && f->linger_on && f->linger_s == 0)
                sock_abort(pd->s, sd);
        else
                sock_close(pd->s, sd);
        memset(f, 0, sizeof(*f));
        return pd_done(pd, 0);
}

/* libstack-packetdrill control calls: fcntl, ioctl, getsockopt/setsockopt and poll, mapped
 * onto sock_setopt/sock_getopt/sock_events/sock_tcp_info with Linux's names and units. */
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>

#include "tools/packetdrill/pd.h"

struct pd_state_map {
        const char *rfc;
        uint8_t linux_state;
};

/* RFC 9293 state names to Linux's tcpi_state numbering. */
static const struct pd_state_map pd_states[] = {
    {"ESTABLISHED", TCP_ESTABLISHED},
    {"SYN-SENT", TCP_SYN_SENT},
    {"SYN-RECEIVED", TCP_SYN_RECV},
    {"FIN-WAIT-1", TCP_FIN_WAIT1},
    {"FIN-WAIT-2", TCP_FIN_WAIT2},
    {"TIME-WAIT", TCP_TIME_WAIT},
    {"CLOSED", TCP_CLOSE},
    {"CLOSE-WAIT", TCP_CLOSE_WAIT},
    {"LAST-ACK", TCP_LAST_ACK},
    {"LISTEN", TCP_LISTEN},
    {"CLOSING", TCP_CLOSING},
};

static int
pd_end(struct pd *pd, int r)
{
        pd_poll(pd);
        pd_leave(pd);
        return r < 0 ? pd_fail(r) : r;
}

int
pd_fcntl(void *ud, int fd, int cmd, ...)
{
        struct pd *pd = pd_enter(ud);
        va_list ap;
        int sd, arg = 0;

        if (!pd)
                return -1;
        if ((sd = pd_sd(pd, fd)) < 0)
                return pd_end(pd, -EBADF);
        if (cmd == F_SETFL || cmd == F_SETFD) { /* the only commands here that take an int */
                va_start(ap, cmd);
                arg = va_arg(ap, int);
                va_end(ap);
        }
        switch (cmd) {
        case F_GETFL:
                return pd_end(pd, O_RDWR | (pd->fds[sd].nonblock ? O_NONBLOCK : 0));
        case F_SETFL:
                pd->fds[sd].nonblock = (arg & O_NONBLOCK) != 0;
                return pd_end(pd, 0);
        case F_GETFD:
        case F_SETFD:
                return pd_end(pd, 0); /* close-on-exec means nothing for our descriptors */
        default:
                return pd_end(pd, -EOPNOTSUPP);
        }
}

/* Bytes waiting to be read (SIOCINQ) or not yet acknowledged (SIOCOUTQ), from sock_list. */
struct pd_queue_query {
        int sd;
        size_t recv_q, send_q;
};

static void
pd_queue_row(void *ctx, const struct sock_info *info)
{
        struct pd_queue_query *q = ctx;

        if (info->sd == q->sd) {
                q->recv_q = info->recv_q;
                q->send_q = info->send_q;
        }
}

int
pd_ioctl(void *ud, int fd, unsigned long request, ...)
{
        struct pd *pd = pd_enter(ud);
        struct pd_queue_query q = {0};
        va_list ap;
        int *argp, sd;

        if (!pd)
                return -1;
        if ((sd = pd_sd(pd, fd)) < 0)
                return pd_end(pd, -EBADF);
        va_start(ap, request);
        argp = va_arg(ap, int *); /* every request we support takes an int pointer */
        va_end(ap);
        if (request != FIONREAD && request != SIOCOUTQ && request != FIONBIO)
                return pd_end(pd, -EOPNOTSUPP);
        if (!argp)
                return pd_end(pd, -EFAULT);
        if (request == FIONBIO) {
                pd->fds[sd].nonblock = *argp != 0;
                return pd_end(pd, 0);
        }
        q.sd = sd;
        sock_list(pd->s, pd_queue_row, &q);
        *argp = (int)(request == FIONREAD ? q.recv_q : q.send_q);
        return pd_end(pd, 0);
}

static void
pd_fill_tcp_info(struct pd *pd, int sd, struct tcp_info *ti)
{
        struct sock_tcp_info st;
        uint32_t mss;

        memset(ti, 0, sizeof(*ti));
        ti->tcpi_state = TCP_CLOSE;
        if (sock_tcp_info(pd->s, sd, &st) < 0)
                return;
        for (size_t i = 0; i < sizeof(pd_states) / sizeof(pd_states[0]); i++)
                if (strcmp(st.state_name, pd_states[i].rfc) == 0)
                        ti->tcpi_state = pd_states[i].linux_state;
        mss = st.snd_mss ? st.snd_mss : 536; /* RFC 9293 3.7.1 default */
        ti->tcpi_retransmits = (uint8_t)(st.retransmits > 255 ? 255 : st.retransmits);
        ti->tcpi_rto = st.rto_us;
        ti->tcpi_snd_mss = st.snd_mss;
        ti->tcpi_rcv_mss = st.rcv_mss;
        ti->tcpi_rtt = st.srtt_us;
        ti->tcpi_rttvar = st.rttvar_us;
        /* Linux counts the congestion window and threshold in segments. */
        ti->tcpi_snd_cwnd = st.cwnd / mss;
        ti->tcpi_snd_ssthresh = st.ssthresh / mss;
}

/* Copy an option value out with Linux's truncation rule. */
static int
pd_opt_out(const void *v, socklen_t size, void *val, socklen_t *len)
{
        socklen_t n;

        if (!val || !len)
                return -EFAULT;
        n = *len < size ? *len : size;
        memcpy(val, v, n);
        *len = n;
        return 0;
}

static int
pd_getopt_int(struct pd *pd, int sd, int level, int name, int *v)
{
        struct sock_tcp_info st;

        if (level == SOL_SOCKET && name == SO_ERROR)
                return (*v = -sock_error(pd->s, sd)), 0;
        if (level == SOL_SOCKET && name == SO_TYPE)
                return (*v = pd->fds[sd].udp ? SOCK_DGRAM : SOCK_STREAM), 0;
        if (level == SOL_SOCKET && name == SO_REUSEADDR)
                return (*v = pd->fds[sd].reuseaddr), 0;
        if (level == SOL_SOCKET && name == SO_REUSEPORT)
                return (*v = pd->fds[sd].reuseport), 0;
        if (level == IPPROTO_TCP && name == TCP_MAXSEG) {
                *v = sock_tcp_info(pd->s, sd, &st) == 0 && st.snd_mss ? (int)st.snd_mss : 536;
                return 0;
        }
        if (level == SOL_SOCKET && name == SO_KEEPALIVE)
                return sock_getopt(pd->s, sd, SOCK_OPT_KEEPALIVE, v);
        if (level == SOL_SOCKET && (name == SO_RCVBUF || name == SO_SNDBUF))
                return sock_getopt(pd->s, sd, name == SO_RCVBUF ? SOCK_OPT_RCVBUF : SOCK_OPT_SNDBUF,
                                   v);
        if (level == IPPROTO_TCP && name == TCP_NODELAY)
                return sock_getopt(pd->s, sd, SOCK_OPT_NODELAY, v);
        if (level == IPPROTO_IP && (name == IP_TTL || name == IP_TOS))
                return sock_getopt(pd->s, sd, name == IP_TTL ? SOCK_OPT_TTL : SOCK_OPT_TOS, v);
        return -ENOPROTOOPT;
}

int
pd_getsockopt(void *ud, int fd, int level, int name, void *val, socklen_t *len)
{
        struct pd *pd = pd_enter(ud);
        struct tcp_info ti;
        struct linger lg;
        int sd, v = 0, r;

        if (!pd)
                return -1;
        if ((sd = pd_sd(pd, fd)) < 0)
                return pd_end(pd, -EBADF);
        if (level == IPPROTO_TCP && name == TCP_INFO) {
                pd_fill_tcp_info(pd, sd, &ti);
                return pd_end(pd, pd_opt_out(&ti, sizeof(ti), val, len));
        }
        if (level == SOL_SOCKET && name == SO_LINGER) {
                lg.l_onoff = pd->fds[sd].linger_on;
                lg.l_linger = pd->fds[sd].linger_s;
                return pd_end(pd, pd_opt_out(&lg, sizeof(lg), val, len));
        }
        r = pd_getopt_int(pd, sd, level, name, &v);
        if (r == 0)
                r = pd_opt_out(&v, sizeof(v), val, len);
        return pd_end(pd, r);
}

static int
pd_setopt_int(struct pd *pd, int sd, int level, int name, int v)
{
        if (level == SOL_SOCKET && name == SO_REUSEADDR)
                return (pd->fds[sd].reuseaddr = v != 0), 0;
        if (level == SOL_SOCKET && name == SO_REUSEPORT)
                return (pd->fds[sd].reuseport = v != 0), 0;
        if (level == SOL_SOCKET && name == SO_KEEPALIVE)
                return sock_setopt(pd->s, sd, SOCK_OPT_KEEPALIVE, v);
        if (level == SOL_SOCKET && (name == SO_RCVBUF || name == SO_SNDBUF))
                return sock_setopt(pd->s, sd, name == SO_RCVBUF ? SOCK_OPT_RCVBUF : SOCK_OPT_SNDBUF,
                                   v);
        if (level == IPPROTO_TCP && name == TCP_NODELAY)
                return sock_setopt(pd->s, sd, SOCK_OPT_NODELAY, v);
        if (level == IPPROTO_IP && (name == IP_TTL || name == IP_TOS))
                return sock_setopt(pd->s, sd, name == IP_TTL ? SOCK_OPT_TTL : SOCK_OPT_TOS, v);
        return -ENOPROTOOPT;
}

int
pd_setsockopt(void *ud, int fd, int level, int name, const void *val, socklen_t len)
{
        struct pd *pd = pd_enter(ud);
        struct linger lg;
        int sd, v;

        if (!pd)
                return -1;
        if ((sd = pd_sd(pd, fd)) < 0)
                return pd_end(pd, -EBADF);
        if (!val)
                return pd_end(pd, -EFAULT);
        if (level == SOL_SOCKET && name == SO_LINGER) {
                if (len < sizeof(lg))
                        return pd_end(pd, -EINVAL);
                memcpy(&lg, val, sizeof(lg));
                pd->fds[sd].linger_on = lg.l_onoff != 0;
                pd->fds[sd].linger_s = lg.l_linger;
                return pd_end(pd, 0);
        }
        if (len < sizeof(int))
                return pd_end(pd, -EINVAL);
        memcpy(&v, val, sizeof(v));
        return pd_end(pd, pd_setopt_int(pd, sd, level, name, v));
}

/* Linux poll bits for one descriptor; POLLERR, POLLHUP and POLLNVAL are always reported. */
static short
pd_revents(struct pd *pd, const struct pollfd *p)
{
        unsigned ev;
        short r = 0;
        int sd;

        if (p->fd < 0)
                return 0;
        sd = pd_sd(pd, p->fd);
        if (sd < 0)
                return POLLNVAL;
        ev = sock_events(pd->s, sd);
        if (ev & SOCK_READABLE)
                r |= POLLIN | POLLRDNORM;
        if (ev & SOCK_WRITABLE)
                r |= POLLOUT | POLLWRNORM;
        r &= p->events;
        if (ev & SOCK_HUP)
                r |= POLLHUP;
        if (ev & SOCK_ERROR)
                r |= POLLERR;
        return r;
}

static int
pd_poll_scan(struct pd *pd, struct pollfd *fds, nfds_t nfds)
{
        int ready = 0;

        for (nfds_t i = 0; i < nfds; i++) {
                fds[i].revents = pd_revents(pd, &fds[i]);
                if (fds[i].revents)
                        ready++;
        }
        return ready;
}

/* Waits in virtual time: the timeout ends when the other thread's usleep/gettimeofday moves
 * the clock past it (a waiting call never moves the clock itself). */
int
pd_poll_fds(void *ud, struct pollfd *fds, nfds_t nfds, int timeout)
{
        struct pd *pd = pd_enter(ud);
        uint64_t end;
        int ready;

        if (!pd)
                return -1;
        if (nfds > PD_MAX_SOCKS * 4u)
                return pd_end(pd, -EINVAL);
        if (nfds && !fds)
                return pd_end(pd, -EFAULT);
        end = pd->clock.now_us + (timeout > 0 ? (uint64_t)timeout * 1000u : 0);
        while ((ready = pd_poll_scan(pd, fds, nfds)) == 0 && timeout != 0) {
                if (timeout > 0 && pd->clock.now_us >= end)
                        break;
                pd_wait(pd);
        }
        return pd_end(pd, ready);
}

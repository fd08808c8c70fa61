/* libstack-packetdrill core: the exported packetdrill_interface_init, the lock every entry
 * takes, the virtual clock (usleep, gettimeofday) and the in-memory raw IPv4 link. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tools/packetdrill/packetdrill.h"
#include "tools/packetdrill/pd.h"

#define PD_SETTLE_MAX_NS 200000000L /* a woken call gets at most 0.2 s (real) to look again */

struct pd *
pd_enter(void *userdata)
{
        struct pd *pd = userdata;

        if (!pd) {
                errno = ENOSYS; /* initialisation failed: every call fails, none crashes */
                return NULL;
        }
        pthread_mutex_lock(&pd->mu);
        return pd;
}

void
pd_leave(struct pd *pd)
{
        pd->stale = pd->waiters;
        pthread_cond_broadcast(&pd->cv);
        pthread_mutex_unlock(&pd->mu);
}

void
pd_wait(struct pd *pd)
{
        pd->waiters++;
        pthread_cond_wait(&pd->cv, &pd->mu);
        pd->waiters--;
        if (pd->stale > 0)
                pd->stale--;
        if (pd->stale == 0)
                pthread_cond_signal(&pd->settled);
}

void
pd_settle(struct pd *pd)
{
        struct timespec end;

        if (pd->stale == 0)
                return;
        clock_gettime(CLOCK_REALTIME, &end);
        end.tv_nsec += PD_SETTLE_MAX_NS;
        if (end.tv_nsec >= 1000000000L) {
                end.tv_sec++;
                end.tv_nsec -= 1000000000L;
        }
        while (pd->stale > 0)
                if (pthread_cond_timedwait(&pd->settled, &pd->mu, &end) == ETIMEDOUT)
                        break;
}

void
pd_poll(struct pd *pd)
{
        stack_poll(pd->s);
}

void
pd_advance(struct pd *pd, uint64_t us)
{
        uint64_t end = pd->clock.now_us + us;

        /* Step through the timer deadlines so each fires at its own time. */
        for (unsigned i = 0; i < PD_MAX_TIMER_STEPS; i++) {
                uint64_t d = stack_next_deadline_us(pd->s);
                if (d > end)
                        break;
                if (d > pd->clock.now_us)
                        pd->clock.now_us = d;
                pd_poll(pd);
        }
        pd->clock.now_us = end;
        pd_poll(pd);
}

static struct pd_pkt *
pd_queue_pop(struct pd_queue *q)
{
        struct pd_pkt *p = q->head;

        if (!p)
                return NULL;
        q->head = p->next;
        if (!q->head)
                q->tail = NULL;
        q->n--;
        return p;
}

static int
pd_queue_push(struct pd_queue *q, const void *data, size_t len, uint64_t time_us)
{
        struct pd_pkt *p;

        if (q->n >= PD_QUEUE_MAX)
                return -ENOBUFS;
        p = malloc(sizeof(*p) + len);
        if (!p)
                return -ENOMEM;
        p->next = NULL;
        p->time_us = time_us;
        p->len = len;
        memcpy(p->data, data, len);
        if (q->tail)
                q->tail->next = p;
        else
                q->head = p;
        q->tail = p;
        q->n++;
        return 0;
}

static void
pd_queue_clear(struct pd_queue *q)
{
        struct pd_pkt *p;

        while ((p = pd_queue_pop(q)))
                free(p);
}

/* The link under the stack: tx queues for packetdrill to sniff, rx drains what it injected. */
static int
pd_link_tx(void *ctx, const uint8_t *frame, size_t len)
{
        struct pd *pd = ctx;

        return pd_queue_push(&pd->out, frame, len, pd->clock.now_us);
}

static int
pd_link_rx(void *ctx, uint8_t *buf, size_t cap)
{
        struct pd *pd = ctx;
        struct pd_pkt *p = pd_queue_pop(&pd->in);
        size_t n;

        if (!p)
                return 0;
        n = p->len < cap ? p->len : cap;
        memcpy(buf, p->data, n);
        free(p);
        return (int)n;
}

static int
pd_link_fd(void *ctx)
{
        (void)ctx;
        return -1;
}

static const struct link_ops pd_link_ops = {.tx = pd_link_tx, .rx = pd_link_rx, .fd = pd_link_fd};

static int
pd_netdev_send(void *ud, const void *buf, size_t count)
{
        struct pd *pd = pd_enter(ud);
        int r;

        if (!pd)
                return -1;
        if (!buf || count == 0 || count > 65535) {
                pd_leave(pd);
                return pd_fail(-EINVAL);
        }
        r = pd_queue_push(&pd->in, buf, count, pd->clock.now_us);
        if (r == 0)
                pd_poll(pd);
        pd_leave(pd);
        return r < 0 ? pd_fail(r) : 0;
}

/* packetdrill loops on us until a packet comes: when the stack can never send one, say so
 * and stop, as packetdrill does on a sniff timeout under the kernel. */
static void
pd_idle_sniff(struct pd *pd, unsigned idle)
{
        struct timespec ms = {.tv_sec = 0, .tv_nsec = 1000000L};

        nanosleep(&ms, NULL); /* lock released: do not spin a CPU */
        if (pd->cfg.sniff_wait_ms && idle >= pd->cfg.sniff_wait_ms) {
                fprintf(stderr,
                        "libstack-packetdrill: waited %u ms for an outbound packet the stack "
                        "has no reason to send (no packet queued, no timer left); giving up\n",
                        idle);
                exit(EXIT_FAILURE);
        }
}

static int
pd_netdev_receive(void *ud, void *buf, size_t *count, long long *time_usecs)
{
        struct pd *pd = pd_enter(ud);
        struct pd_pkt *p;
        unsigned idle = 0;

        if (!pd)
                return -1;
        if (!buf || !count || !time_usecs) {
                pd_leave(pd);
                return pd_fail(-EFAULT);
        }
        if (!pd->out.head) {
                uint64_t d;
                pd_settle(pd);
                d = stack_next_deadline_us(pd->s);
                if (!pd->out.head && d != UINT64_MAX)
                        pd_advance(pd, d > pd->clock.now_us ? d - pd->clock.now_us : 0);
        }
        p = pd_queue_pop(&pd->out);
        if (p) {
                *count = p->len < *count ? p->len : *count;
                memcpy(buf, p->data, *count);
                *time_usecs = (long long)p->time_us;
                free(p);
                pd->idle_sniffs = 0;
        } else {
                *count = 0;
                idle = ++pd->idle_sniffs;
        }
        pd_leave(pd);
        if (idle)
                pd_idle_sniff(pd, idle);
        return 0;
}

static int
pd_usleep(void *ud, useconds_t usec)
{
        struct pd *pd = pd_enter(ud);

        if (!pd)
                return -1;
        pd_settle(pd);
        pd_advance(pd, usec);
        pd_leave(pd);
        return 0;
}

static int
pd_gettimeofday(void *ud, struct timeval *tv, struct timezone *tz)
{
        struct pd *pd = pd_enter(ud);

        if (!pd)
                return -1;
        /* packetdrill spins on the clock for the last few microseconds before an event. */
        pd->clock.now_us += pd->cfg.tick_us;
        if (stack_next_deadline_us(pd->s) <= pd->clock.now_us)
                pd_poll(pd);
        if (tv) {
                tv->tv_sec = (time_t)(pd->clock.now_us / 1000000u);
                tv->tv_usec = (suseconds_t)(pd->clock.now_us % 1000000u);
        }
        if (tz)
                memset(tz, 0, sizeof(*tz));
        pd_leave(pd);
        return 0;
}

/* Calls we do not implement fail cleanly (ABI: ENOSYS/EOPNOTSUPP, never a crash). */
static int
pd_epoll_create(void *ud, int size)
{
        (void)ud;
        (void)size;
        return pd_fail(-ENOSYS);
}

static int
pd_epoll_ctl(void *ud, int epfd, int op, int fd, struct epoll_event *event)
{
        (void)ud;
        (void)epfd;
        (void)op;
        (void)fd;
        (void)event;
        return pd_fail(-ENOSYS);
}

static int
pd_epoll_wait(void *ud, int epfd, struct epoll_event *events, int maxevents, int timeout)
{
        (void)ud;
        (void)epfd;
        (void)events;
        (void)maxevents;
        (void)timeout;
        return pd_fail(-ENOSYS);
}

static int
pd_pipe(void *ud, int pipefd[2])
{
        (void)ud;
        (void)pipefd;
        return pd_fail(-ENOSYS);
}

static int
pd_splice(void *ud, int fd_in, loff_t *off_in, int fd_out, loff_t *off_out, size_t len,
          unsigned int flags)
{
        (void)ud;
        (void)fd_in;
        (void)off_in;
        (void)fd_out;
        (void)off_out;
        (void)len;
        (void)flags;
        return pd_fail(-ENOSYS);
}

static void
pd_print_counter(void *ctx, const char *name, uint64_t value)
{
        (void)ctx;
        fprintf(stderr, "libstack-packetdrill: %-36s %llu\n", name, (unsigned long long)value);
}

/* packetdrill calls free after closing every descriptor and joining its syscall thread. */
static void
pd_free(void *ud)
{
        struct pd *pd = ud;

        if (!pd)
                return;
        if (pd->cfg.trace)
                stack_counters(pd->s, pd_print_counter, NULL);
        stack_destroy(pd->s);
        pd_queue_clear(&pd->in);
        pd_queue_clear(&pd->out);
        pthread_cond_destroy(&pd->settled);
        pthread_cond_destroy(&pd->cv);
        pthread_mutex_destroy(&pd->mu);
        free(pd);
}

static struct pd *
pd_create(const struct pd_config *cfg)
{
        struct stack_config sc = {0};
        struct iface_config ic = {.name = "pd0", .type = LINK_RAW_IPV4};
        struct pd *pd = calloc(1, sizeof(*pd));

        if (!pd)
                return NULL;
        pd->cfg = *cfg;
        pd->clock.now_us = PD_EPOCH_US;
        pthread_mutex_init(&pd->mu, NULL);
        pthread_cond_init(&pd->cv, NULL);
        pthread_cond_init(&pd->settled, NULL);
        sc.clock = clock_manual(&pd->clock);
        sc.seed = cfg->seed;
        sc.trace = cfg->trace;
        sc.log_level = cfg->trace ? LOG_INFO : LOG_WARN;
        sc.tcp_msl_ms = cfg->msl_ms;
        sc.max_socks = PD_MAX_SOCKS;
        pd->s = stack_create(&sc);
        ic.addr = cfg->local;
        ic.prefix_len = cfg->prefix_len;
        ic.gateway = cfg->gw;
        ic.mtu = cfg->mtu;
        if (!pd->s || stack_iface_add(pd->s, &ic, &pd_link_ops, pd) < 0) {
                pd_free(pd);
                return NULL;
        }
        pd_poll(pd);
        return pd;
}

PD_EXPORT void
packetdrill_interface_init(const char *flags, struct packetdrill_interface *ifc)
{
        struct pd_config cfg;

        memset(ifc, 0, sizeof(*ifc));
        if (pd_parse_flags(flags, &cfg) < 0)
                fprintf(stderr, "libstack-packetdrill: bad --so_flags '%s'\n", flags);
        else if (!(ifc->userdata = pd_create(&cfg)))
                fprintf(stderr, "libstack-packetdrill: cannot create the stack\n");
        ifc->free = pd_free;
        ifc->socket = pd_socket;
        ifc->bind = pd_bind;
        ifc->listen = pd_listen;
        ifc->accept = pd_accept;
        ifc->connect = pd_connect;
        ifc->read = pd_read;
        ifc->readv = pd_readv;
        ifc->recv = pd_recv;
        ifc->recvfrom = pd_recvfrom;
        ifc->recvmsg = pd_recvmsg;
        ifc->write = pd_write;
        ifc->writev = pd_writev;
        ifc->send = pd_send;
        ifc->sendto = pd_sendto;
        ifc->sendmsg = pd_sendmsg;
        ifc->fcntl = pd_fcntl;
        ifc->ioctl = pd_ioctl;
        ifc->close = pd_close;
        ifc->shutdown = pd_shutdown;
        ifc->getsockopt = pd_getsockopt;
        ifc->setsockopt = pd_setsockopt;
        ifc->poll = pd_poll_fds;
        ifc->netdev_send = pd_netdev_send;
        ifc->netdev_receive = pd_netdev_receive;
        ifc->usleep = pd_usleep;
        ifc->gettimeofday = pd_gettimeofday;
        ifc->epoll_create = pd_epoll_create;
        ifc->epoll_ctl = pd_epoll_ctl;
        ifc->epoll_wait = pd_epoll_wait;
        ifc->pipe = pd_pipe;
        ifc->splice = pd_splice;
}

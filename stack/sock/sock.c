/* The socket table: small integer handles over UDP pcbs and TCP TCBs (the lowest free one),
 * the calls on them, `ss`-style listing, and ephemeral port choice (RFC 6056 3.3.3,
 * Algorithm 3). Readiness and callbacks: sock_events.c. */
#include "stack/sock/sock.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "stack/core/stack.h"
#include "stack/net/udp.h"
#include "stack/sock.h"
#include "stack/sock/sock_table.h"
#include "stack/tcp/tcb.h"
#include "stack/tcp/tcp_user.h"

#define SOCK_DEFAULT_MAX 1024
#define SOCK_INITIAL_SLOTS 16
#define EPHEMERAL_MIN 49152u /* RFC 6056 2.1: the IANA dynamic range, 49152-65535 */
#define EPHEMERAL_MAX 65535u

int
sock_init(struct stack *s)
{
        struct sock_table *t = calloc(1, sizeof(*t));

        if (!t)
                return -ENOMEM;
        t->max = s->cfg.max_socks ? s->cfg.max_socks : SOCK_DEFAULT_MAX;
        sock_events_init(t);
        /* Start the counter at a random point so the first port of each run differs. */
        t->next_ephemeral = (uint32_t)rng_next(&s->rng);
        s->socks = t;
        return 0;
}

/* Free every socket still open. UDP pcbs are closed here; TCBs are freed by tcp_fini, which
 * runs after us and must not look at tcb->so any more. */
void
sock_fini(struct stack *s)
{
        struct sock_table *t = s->socks;

        if (!t)
                return;
        for (unsigned i = 0; i < t->n_slots; i++) {
                struct sock *so = t->slots[i];
                if (!so)
                        continue;
                if (so->type == SOCK_TYPE_UDP && so->udp)
                        udp_sock_close(s, so);
                free(so);
        }
        free(t->slots);
        free(t->free_heap);
        free(t);
        s->socks = NULL;
}

struct sock *
sock_get(struct stack *s, int sd)
{
        struct sock_table *t = s->socks;

        if (sd < 0 || (unsigned)sd >= t->n_slots)
                return NULL;
        return t->slots[sd];
}

/* Make room for handle number n in the slot array (it only ever grows). The free heap
 * grows first and to the same size, so a release never needs memory. */
static int
sock_grow(struct sock_table *t, unsigned n)
{
        unsigned cap = t->n_slots ? t->n_slots : SOCK_INITIAL_SLOTS;
        struct sock **ns;
        unsigned *nh;

        while (cap <= n)
                cap *= 2;
        if (cap > t->max)
                cap = t->max;
        nh = realloc(t->free_heap, cap * sizeof(*nh));
        if (!nh)
                return -ENOMEM;
        t->free_heap = nh;
        ns = realloc(t->slots, cap * sizeof(*ns));
        if (!ns)
                return -ENOMEM;
        memset(ns + t->n_slots, 0, (cap - t->n_slots) * sizeof(*ns));
        t->slots = ns;
        t->n_slots = cap;
        return 0;
}

static void
sock_heap_push(struct sock_table *t, unsigned sd)
{
        unsigned *h = t->free_heap;
        unsigned i = t->n_free++;

        while (i > 0 && h[(i - 1) / 2] > sd) {
                h[i] = h[(i - 1) / 2];
                i = (i - 1) / 2;
        }
        h[i] = sd;
}

static unsigned
sock_heap_pop(struct sock_table *t)
{
        unsigned *h = t->free_heap;
        unsigned top = h[0], last = h[--t->n_free], i = 0, n = t->n_free;

        for (unsigned c = 1; c < n; i = c, c = 2 * c + 1) {
                if (c + 1 < n && h[c + 1] < h[c])
                        c++;
                if (h[c] >= last)
                        break;
                h[i] = h[c];
        }
        h[i] = last;
        return top;
}

/* The lowest free handle, like POSIX file descriptors (tests rely on it): the least of the
 * released ones, else the next never used; O(log n) in the number released. */
struct sock *
sock_alloc(struct stack *s, enum sock_type type)
{
        struct sock_table *t = s->socks;
        struct sock *so;
        unsigned sd;

        if (t->in_use >= t->max)
                return NULL;
        so = calloc(1, sizeof(*so));
        if (!so)
                return NULL;
        if (t->n_free > 0) {
                sd = sock_heap_pop(t);
        } else {
                sd = t->hwm;
                if (sd >= t->n_slots && sock_grow(t, sd) < 0) {
                        free(so);
                        return NULL;
                }
                t->hwm++;
        }
        so->sd = (int)sd;
        so->type = type;
        so->in_use = true;
        t->slots[sd] = so;
        t->in_use++;
        return so;
}

void
sock_release(struct stack *s, struct sock *so)
{
        struct sock_table *t = s->socks;

        if (!so || sock_get(s, so->sd) != so)
                return;
        sock_events_forget(t, so);
        t->slots[so->sd] = NULL;
        t->in_use--;
        sock_heap_push(t, (unsigned)so->sd);
        free(so);
}

int
sock_open(struct stack *s, enum sock_type type)
{
        struct sock *so;
        int r;

        if (type != SOCK_TYPE_TCP && type != SOCK_TYPE_UDP)
                return -EPROTONOSUPPORT;
        so = sock_alloc(s, type);
        if (!so)
                return -EMFILE;
        r = type == SOCK_TYPE_UDP ? udp_sock_open(s, so) : tcp_user_open(s, so);
        if (r < 0) {
                sock_release(s, so);
                return r;
        }
        return so->sd;
}

/* The checks every call shares: a live handle (-EBADF), the argument the call needs
 * (missing_err when missing), and TCP for the stream-only calls (-EOPNOTSUPP). */
static int
sock_check(struct stack *s, int sd, bool missing, int missing_err, bool tcp_only, struct sock **so)
{
        *so = sock_get(s, sd);
        if (!*so)
                return -EBADF;
        sock_touch(s, *so); /* the call may change what the socket is ready for */
        if (missing)
                return missing_err;
        if (tcp_only && (*so)->type != SOCK_TYPE_TCP)
                return -EOPNOTSUPP;
        return 0;
}

int
sock_bind(struct stack *s, int sd, const struct sock_addr *local)
{
        struct sock *so;
        int r = sock_check(s, sd, !local, -EINVAL, false, &so);

        return r < 0                       ? r
               : so->type == SOCK_TYPE_UDP ? udp_sock_bind(s, so, local)
                                           : tcp_user_bind(s, so, local);
}

int
sock_listen(struct stack *s, int sd, int backlog)
{
        struct sock *so;
        int r = sock_check(s, sd, false, 0, true, &so);

        return r < 0 ? r : tcp_user_listen(s, so, backlog);
}

int
sock_accept(struct stack *s, int sd, struct sock_addr *peer)
{
        struct sock *so;
        int r = sock_check(s, sd, false, 0, true, &so);

        return r < 0 ? r : tcp_user_accept(s, so, peer);
}

int
sock_connect(struct stack *s, int sd, const struct sock_addr *peer)
{
        struct sock *so;
        int r = sock_check(s, sd, !peer, -EINVAL, false, &so);

        return r < 0                       ? r
               : so->type == SOCK_TYPE_UDP ? udp_sock_connect(s, so, peer)
                                           : tcp_user_connect(s, so, peer);
}

ssize_t
sock_send(struct stack *s, int sd, const void *buf, size_t len)
{
        struct sock *so;
        int r = sock_check(s, sd, !buf && len, -EFAULT, false, &so);

        return r < 0                       ? r
               : so->type == SOCK_TYPE_UDP ? udp_sock_sendto(s, so, buf, len, NULL)
                                           : tcp_user_send(s, so, buf, len);
}

/* MSG_MORE: the TCB is only marked dirty, so what the next call queues (or the FIN of a
 * CLOSE) goes out in the same segment. The flag lives only for this call. */
ssize_t
sock_send_more(struct stack *s, int sd, const void *buf, size_t len)
{
        struct sock *so;
        int r = sock_check(s, sd, !buf && len, -EFAULT, true, &so);
        struct tcb *t;
        ssize_t n;

        if (r < 0)
                return r;
        t = so->tcb;
        if (t)
                t->send_more = true;
        n = tcp_user_send(s, so, buf, len);
        if (t)
                t->send_more = false;
        return n;
}

ssize_t
sock_send_urgent(struct stack *s, int sd, const void *buf, size_t len)
{
        struct sock *so;
        int r = sock_check(s, sd, !buf && len, -EFAULT, true, &so);

        return r < 0 ? r : tcp_user_send_urgent(s, so, buf, len);
}

ssize_t
sock_recv(struct stack *s, int sd, void *buf, size_t len)
{
        struct sock *so;
        int r = sock_check(s, sd, !buf && len, -EFAULT, false, &so);

        return r < 0                       ? r
               : so->type == SOCK_TYPE_UDP ? udp_sock_recvfrom(s, so, buf, len, NULL)
                                           : tcp_user_recv(s, so, buf, len);
}

ssize_t
sock_recv_skip(struct stack *s, int sd, size_t len)
{
        struct sock *so;
        int r = sock_check(s, sd, false, 0, true, &so);

        return r < 0 ? r : tcp_user_recv(s, so, NULL, len);
}

/* TCP ignores the address on a connected stream, as Linux does. */
ssize_t
sock_sendto(struct stack *s, int sd, const void *buf, size_t len, const struct sock_addr *to)
{
        struct sock *so;
        int r = sock_check(s, sd, !buf && len, -EFAULT, false, &so);

        return r < 0                       ? r
               : so->type == SOCK_TYPE_UDP ? udp_sock_sendto(s, so, buf, len, to)
                                           : tcp_user_send(s, so, buf, len);
}

ssize_t
sock_recvfrom(struct stack *s, int sd, void *buf, size_t len, struct sock_addr *from)
{
        struct sock *so = sock_get(s, sd);
        ssize_t n;

        if (!so)
                return -EBADF;
        sock_touch(s, so);
        if (!buf && len)
                return -EFAULT;
        if (so->type == SOCK_TYPE_UDP)
                return udp_sock_recvfrom(s, so, buf, len, from);
        n = tcp_user_recv(s, so, buf, len);
        if (n >= 0 && from && tcp_user_peer(s, so, from) < 0)
                memset(from, 0, sizeof(*from));
        return n;
}

int
sock_shutdown(struct stack *s, int sd, int how)
{
        struct sock *so = sock_get(s, sd);

        if (!so)
                return -EBADF;
        sock_touch(s, so);
        if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
                return -EINVAL;
        if (so->type != SOCK_TYPE_TCP)
                return -EOPNOTSUPP; /* UDP has no stream to half-close */
        return tcp_user_shutdown(s, so, how);
}

/* CLOSE or ABORT (RFC 9293 3.10.4, 3.10.5): the handle goes away whatever the protocol
 * said, as close(2) does. */
static int
sock_end(struct stack *s, int sd, bool abort)
{
        struct sock *so = sock_get(s, sd);
        int r;

        if (!so)
                return -EBADF;
        if (so->type == SOCK_TYPE_UDP)
                r = udp_sock_close(s, so);
        else
                r = abort ? tcp_user_abort(s, so) : tcp_user_close(s, so);
        sock_release(s, so);
        return r < 0 ? r : 0;
}

int
sock_close(struct stack *s, int sd)
{
        return sock_end(s, sd, false);
}

int
sock_abort(struct stack *s, int sd)
{
        return sock_end(s, sd, true);
}

int
sock_error(struct stack *s, int sd)
{
        struct sock *so = sock_get(s, sd);
        int e;

        if (!so)
                return -EBADF;
        sock_touch(s, so); /* no error left: no longer flagged */
        e = so->error;
        so->error = 0;
        return e;
}

int
sock_setopt(struct stack *s, int sd, enum sock_opt opt, int value)
{
        struct sock *so;
        int r = sock_check(s, sd, false, 0, false, &so);

        return r < 0                       ? r
               : so->type == SOCK_TYPE_UDP ? udp_sock_setopt(s, so, opt, value)
                                           : tcp_user_setopt(s, so, opt, value);
}

int
sock_getopt(struct stack *s, int sd, enum sock_opt opt, int *value)
{
        struct sock *so;
        int r = sock_check(s, sd, !value, -EFAULT, false, &so);

        return r < 0                       ? r
               : so->type == SOCK_TYPE_UDP ? udp_sock_getopt(s, so, opt, value)
                                           : tcp_user_getopt(s, so, opt, value);
}

int
sock_local(struct stack *s, int sd, struct sock_addr *local)
{
        struct sock *so;
        int r = sock_check(s, sd, !local, -EFAULT, false, &so);

        return r < 0                       ? r
               : so->type == SOCK_TYPE_UDP ? udp_sock_local(s, so, local)
                                           : tcp_user_local(s, so, local);
}

int
sock_peer(struct stack *s, int sd, struct sock_addr *peer)
{
        struct sock *so;
        int r = sock_check(s, sd, !peer, -EFAULT, false, &so);

        return r < 0                       ? r
               : so->type == SOCK_TYPE_UDP ? udp_sock_peer(s, so, peer)
                                           : tcp_user_peer(s, so, peer);
}

void
sock_list(struct stack *s, sock_info_fn *fn, void *ctx)
{
        struct sock_table *t = s->socks;

        for (unsigned i = 0; i < t->n_slots; i++) {
                struct sock *so = t->slots[i];
                struct sock_info info;

                if (!so)
                        continue;
                memset(&info, 0, sizeof(info));
                info.sd = so->sd;
                info.type = so->type;
                if (so->type == SOCK_TYPE_UDP)
                        udp_sock_info(s, so, &info);
                else
                        tcp_user_info(s, so, &info);
                if (!info.state_name)
                        info.state_name = "?";
                fn(ctx, &info);
        }
        tcp_list_orphans(s, fn, ctx);
}

/* RFC 6056 3.3.3 (Algorithm 3): offset = F(local IP, remote IP, remote port, secret), then
 * probe min + (next_ephemeral + offset) % range. Different destinations get unrelated
 * sequences, while one destination sees its ports advance, which keeps a reused 4-tuple
 * away from an old incarnation still in TIME-WAIT. Without a remote address (an unconnected
 * UDP bind) the hash has nothing to key on and would hand out consecutive, guessable ports;
 * there the offset is drawn afresh from the RNG (RFC 6056 3.3.1, Algorithm 1), which is
 * what RFC 5452 9.2 asks for DNS queries. */
uint16_t
sock_ephemeral_port(struct stack *s, uint8_t proto, uint32_t laddr, uint32_t raddr, uint16_t rport,
                    port_in_use_fn *in_use)
{
        struct sock_table *t = s->socks;
        const uint32_t num = EPHEMERAL_MAX - EPHEMERAL_MIN + 1;
        uint32_t offset;

        if (raddr) {
                uint32_t key[4] = {proto, laddr, raddr, rport};
                offset = (uint32_t)siphash24(&s->secret, key, sizeof(key));
        } else {
                offset = (uint32_t)rng_next(&s->rng);
        }
        for (uint32_t count = num; count > 0; count--) {
                uint16_t port = (uint16_t)(EPHEMERAL_MIN + (t->next_ephemeral + offset) % num);
                t->next_ephemeral++;
                if (!in_use || !in_use(s, port, laddr, raddr, rport))
                        return port;
        }
        return 0;
}

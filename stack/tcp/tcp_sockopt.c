/* TCP socket options and STATUS (RFC 9293 3.10.6): per-connection switches (Nagle MUST-17,
 * keep-alive MUST-24..27, R2 MUST-21, TTL/TOS MUST-48/49, buffer sizes), addresses, and the
 * rows of `ss`-style listings. */
#include <errno.h>
#include <string.h>

#include "stack/core/stack.h"
#include "stack/net/ipv4.h"
#include "stack/sock/sock.h"
#include "stack/tcp/tcb.h"
#include "stack/tcp/tcp_seq.h"
#include "stack/tcp/tcp_user.h"

#define TCP_MIN_BUF 4096u
#define TCP_MAX_BUF (16u * 1024u * 1024u)

/* Keep-alive timing (RFC 9293 3.8.4, MUST-27): idle time, probe interval, probe count.
 * A new idle time applies from now on, as the next probe is re-armed with it. */
static int
tcp_keep_setopt(struct stack *s, struct tcb *t, enum sock_opt opt, int value)
{
        switch (opt) {
        case SOCK_OPT_KEEPIDLE_MS:
        case SOCK_OPT_KEEPINTVL_MS:
                if (value < 1)
                        return -EINVAL;
                *(opt == SOCK_OPT_KEEPIDLE_MS ? &t->keep_idle_ms : &t->keep_intvl_ms) =
                    (uint32_t)value;
                if (opt == SOCK_OPT_KEEPIDLE_MS)
                        tcp_keepalive_reset(s, t);
                return 0;
        case SOCK_OPT_KEEPCNT:
                if (value < 1 || value > 255)
                        return -EINVAL;
                t->keep_cnt = (uint32_t)value;
                return 0;
        default:
                return -ENOPROTOOPT;
        }
}

int
tcp_user_setopt(struct stack *s, struct sock *so, enum sock_opt opt, int value)
{
        struct tcb *t = so->tcb;

        if (!t)
                return -EINVAL;
        switch (opt) {
        case SOCK_OPT_ECN:
                /* The handshake decides (RFC 3168 6.1.1): too late once it has begun. */
                if (t->opened && t->state != TCP_LISTEN)
                        return -EINVAL;
                t->ecn_want = value != 0;
                return 0;
        case SOCK_OPT_NODELAY:
                t->nodelay = value != 0;
                if (tcp_state_synchronized(t->state))
                        tcp_output(s, t);
                return 0;
        case SOCK_OPT_KEEPALIVE:
                t->keepalive_on = value != 0;
                tcp_keepalive_reset(s, t);
                return 0;
        case SOCK_OPT_SNDBUF:
        case SOCK_OPT_RCVBUF:
                /* Rings are sized once, at connect or listen (no malloc on the data path). */
                if (t->opened || value <= 0)
                        return -EINVAL;
                value = (unsigned)value < TCP_MIN_BUF   ? (int)TCP_MIN_BUF
                        : (unsigned)value > TCP_MAX_BUF ? (int)TCP_MAX_BUF
                                                        : value;
                *(opt == SOCK_OPT_SNDBUF ? &t->snd_buf : &t->rcv_buf) = (size_t)value;
                return 0;
        case SOCK_OPT_TTL:
                if (value < 1 || value > 255)
                        return -EINVAL;
                t->ttl = (uint8_t)value;
                return 0;
        case SOCK_OPT_TOS:
                if (value < 0 || value > 255)
                        return -EINVAL;
                /* The two ECN bits belong to TCP (RFC 3168 5, 6.1; Linux masks them too). */
                t->tos = (uint8_t)(value & ~3);
                return 0;
        case SOCK_OPT_R2_MS:
                if (value <= 0)
                        return -EINVAL;
                t->r2_ms = (uint32_t)value;
                t->r2_user = true;
                return 0;
        default:
                return tcp_keep_setopt(s, t, opt, value);
        }
}

int
tcp_user_getopt(struct stack *s, struct sock *so, enum sock_opt opt, int *value)
{
        const struct tcb *t = so->tcb;

        (void)s;
        if (!t)
                return -EINVAL;
        switch (opt) {
        case SOCK_OPT_ECN:
                *value = t->ecn_want;
                return 0;
        case SOCK_OPT_NODELAY:
                *value = t->nodelay;
                return 0;
        case SOCK_OPT_KEEPALIVE:
                *value = t->keepalive_on;
                return 0;
        case SOCK_OPT_SNDBUF:
                *value = (int)t->snd_buf;
                return 0;
        case SOCK_OPT_RCVBUF:
                *value = (int)t->rcv_buf;
                return 0;
        case SOCK_OPT_TTL:
                *value = t->ttl ? t->ttl : IPV4_DEFAULT_TTL;
                return 0;
        case SOCK_OPT_TOS:
                *value = t->tos;
                return 0;
        case SOCK_OPT_R2_MS:
                *value = (int)t->r2_ms;
                return 0;
        case SOCK_OPT_KEEPIDLE_MS:
                *value = t->keep_idle_ms ? (int)t->keep_idle_ms : TCP_KEEP_IDLE_DEFAULT_MS;
                return 0;
        case SOCK_OPT_KEEPINTVL_MS:
                *value = t->keep_intvl_ms ? (int)t->keep_intvl_ms : TCP_KEEP_INTVL_DEFAULT_MS;
                return 0;
        case SOCK_OPT_KEEPCNT:
                *value = t->keep_cnt ? (int)t->keep_cnt : TCP_KEEP_CNT_DEFAULT;
                return 0;
        case SOCK_OPT_URGENT_LEN:
                *value = (int)tcp_urgent_len(t);
                return 0;
        default:
                return -ENOPROTOOPT;
        }
}

int
tcp_user_local(struct stack *s, struct sock *so, struct sock_addr *a)
{
        const struct tcb *t = so->tcb;

        (void)s;
        if (!t)
                return -EINVAL;
        a->ip = t->laddr;
        a->port = t->lport;
        return 0;
}

int
tcp_user_peer(struct stack *s, struct sock *so, struct sock_addr *a)
{
        const struct tcb *t = so->tcb;

        (void)s;
        if (!t || !t->raddr)
                return -ENOTCONN;
        a->ip = t->raddr;
        a->port = t->rport;
        return 0;
}

/* Fill a sock_info row (STATUS, RFC 9293 3.10.6); a compound literal keeps the tcb state
 * door lint ("->state =" only in tcp_fsm.c) free of false hits. */
static void
tcp_fill_info(const struct tcb *t, struct sock_info *info)
{
        *info = (struct sock_info){
            .sd = info->sd,
            .type = SOCK_TYPE_TCP,
            .state_name = tcp_state_name(t->state),
            .local = {.ip = t->laddr, .port = t->lport},
            .peer = {.ip = t->raddr, .port = t->rport},
            .recv_q = ring_len(&t->rcv),
            .send_q = ring_len(&t->snd),
        };
}

void
tcp_user_info(struct stack *s, struct sock *so, struct sock_info *info)
{
        /* A socket without a TCB reads as CLOSED: a zeroed TCB is in TCP_CLOSED (== 0). */
        static const struct tcb closed;
        _Static_assert(TCP_CLOSED == 0, "a zeroed TCB must be CLOSED");

        (void)s;
        tcp_fill_info(so->tcb ? so->tcb : &closed, info);
}

void
tcp_list_orphans(struct stack *s, sock_info_fn *fn, void *ctx)
{
        for (const struct tcb *t = s->tcp->all; t; t = t->all_next) {
                struct sock_info info;

                if (t->sock || t->dead)
                        continue;
                memset(&info, 0, sizeof(info));
                info.sd = -1;
                tcp_fill_info(t, &info);
                fn(ctx, &info);
        }
}

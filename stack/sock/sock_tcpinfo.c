/* sock_tcp_info: a read-only TCP_INFO-style view of a socket's TCB (RFC 9293 3.10.6 STATUS,
 * RFC 6298 RTO variables, RFC 5681 congestion window). */
#include <errno.h>
#include <string.h>

#include "stack/sock.h"
#include "stack/sock/sock.h"
#include "stack/tcp/tcb.h"

int
sock_tcp_info(struct stack *s, int sd, struct sock_tcp_info *ti)
{
        struct sock *so = sock_get(s, sd);
        const struct tcb *t;

        if (!so)
                return -EBADF;
        if (!ti)
                return -EFAULT;
        if (so->type != SOCK_TYPE_TCP)
                return -EOPNOTSUPP;
        t = so->tcb;
        if (!t)
                return -ENOTCONN;
        memset(ti, 0, sizeof(*ti));
        ti->state_name = tcp_state_name(t->state);
        ti->rto_us = t->rto_us;
        ti->srtt_us = t->srtt_us;
        ti->rttvar_us = t->rttvar_us;
        ti->snd_mss = t->snd_mss;
        ti->rcv_mss = t->rcv_mss;
        ti->cwnd = t->cwnd;
        ti->ssthresh = t->ssthresh;
        ti->snd_wnd = t->snd_wnd;
        ti->rcv_wnd = t->rcv_wnd;
        ti->retransmits = t->rexmt_count;
        ti->ecn = t->ecn_ok;
        return 0;
}

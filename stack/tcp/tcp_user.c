/* TCP user calls (RFC 9293 3.10.1 OPEN, 3.10.2 SEND, 3.10.3 RECEIVE, 3.10.4 CLOSE,
 * 3.10.5 ABORT, 3.10.6 STATUS) behind the non-blocking socket API. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "stack/core/stack.h"
#include "stack/net/ipv4.h"
#include "stack/sock/sock.h"
#include "stack/tcp/tcb.h"
#include "stack/tcp/tcp_seq.h"
#include "stack/tcp/tcp_user.h"

#define TCP_MAX_BACKLOG 1024

int
tcp_user_open(struct stack *s, struct sock *so)
{
        struct tcb *t = tcb_alloc(s);

        if (!t)
                return -ENOBUFS;
        t->sock = so;
        so->tcb = t;
        return 0;
}

/* Would port collide with a TCB (for ephemeral choice, RFC 6056 "in use")? */
static bool
tcp_port_in_use(struct stack *s, uint16_t port, uint32_t laddr, uint32_t raddr, uint16_t rport)
{
        (void)laddr;
        for (struct tcb *t = s->tcp->all; t; t = t->all_next) {
                if (t->lport != port)
                        continue;
                if (raddr == 0 || t->raddr == 0 || (t->raddr == raddr && t->rport == rport))
                        return true;
        }
        return false;
}

/* Another listening or bound-only TCB on the same local address and port. */
static bool
tcp_bind_conflict(struct stack *s, const struct tcb *me, uint32_t addr, uint16_t port)
{
        for (struct tcb *t = s->tcp->all; t; t = t->all_next) {
                if (t == me || t->lport != port || t->raddr != 0)
                        continue;
                if (t->laddr == 0 || addr == 0 || t->laddr == addr)
                        return true;
        }
        return false;
}

int
tcp_user_bind(struct stack *s, struct sock *so, const struct sock_addr *local)
{
        struct tcb *t = so->tcb;
        uint16_t port = local->port;

        if (!t || t->state != TCP_CLOSED || t->lport || t->opened)
                return -EINVAL;
        if (local->ip && !stack_is_local_addr(s, local->ip))
                return -EADDRNOTAVAIL;
        if (port == 0)
                port = sock_ephemeral_port(s, IPV4_PROTO_TCP, local->ip, 0, 0, tcp_port_in_use);
        if (port == 0)
                return -EADDRINUSE;
        if (tcp_bind_conflict(s, t, local->ip, port))
                return -EADDRINUSE;
        t->laddr = local->ip;
        t->lport = port;
        return 0;
}

int
tcp_user_listen(struct stack *s, struct sock *so, int backlog)
{
        struct tcb *t = so->tcb;
        struct sock_addr any = {0};
        int r;

        if (!t || t->state == TCP_LISTEN)
                return t ? 0 : -EINVAL;
        if (t->state != TCP_CLOSED || t->opened)
                return -EINVAL;
        if (!t->lport && (r = tcp_user_bind(s, so, &any)) < 0)
                return r;
        t->backlog = backlog < 1 ? 1 : backlog > TCP_MAX_BACKLOG ? TCP_MAX_BACKLOG : backlog;
        t->opened = true;
        tcb_listener_add(s, t);
        tcp_set_state(s, t, TCP_LISTEN, TCP_WHY_USER_LISTEN);
        return 0;
}

/* The oldest child that finished its handshake (children are pushed at the head). */
static struct tcb *
tcp_ready_child(const struct tcb *l)
{
        struct tcb *found = NULL;

        for (struct tcb *c = l->children; c; c = c->qnext)
                if (c->state != TCP_SYN_RECEIVED)
                        found = c;
        return found;
}

int
tcp_user_accept(struct stack *s, struct sock *so, struct sock_addr *peer)
{
        struct tcb *l = so->tcb;
        struct tcb *c;
        struct sock *ns;

        if (!l || l->state != TCP_LISTEN)
                return -EINVAL;
        c = tcp_ready_child(l);
        if (!c)
                return -EAGAIN;
        ns = sock_alloc(s, SOCK_TYPE_TCP);
        if (!ns)
                return -EMFILE;
        tcb_child_unlink(c);
        c->opened = true; /* an accepted connection reports its end (HUP, EOF) like any other */
        c->sock = ns;
        ns->tcb = c;
        if (peer) {
                peer->ip = c->raddr;
                peer->port = c->rport;
        }
        return ns->sd;
}

/* Pick the local address and port for an active open (RFC 6056 for the port). */
static int
tcp_connect_addrs(struct stack *s, struct tcb *t, const struct sock_addr *peer)
{
        if (!t->laddr)
                t->laddr = ipv4_source_for(s, peer->ip);
        if (!t->laddr)
                return -ENETUNREACH;
        if (!t->lport)
                t->lport = sock_ephemeral_port(s, IPV4_PROTO_TCP, t->laddr, peer->ip, peer->port,
                                               tcp_port_in_use);
        if (!t->lport)
                return -EADDRNOTAVAIL;
        if (tcb_lookup(s, t->laddr, t->lport, peer->ip, peer->port))
                return -EADDRINUSE;
        t->raddr = peer->ip;
        t->rport = peer->port;
        return 0;
}

/* OPEN, active (RFC 9293 3.10.1): choose ISS, send SYN, enter SYN-SENT. */
int
tcp_user_connect(struct stack *s, struct sock *so, const struct sock_addr *peer)
{
        struct tcb *t = so->tcb;
        int r;

        if (!t)
                return -EINVAL;
        if (t->state == TCP_SYN_SENT || t->state == TCP_SYN_RECEIVED)
                return -EALREADY;
        if (t->state != TCP_CLOSED || t->opened)
                return t->state == TCP_LISTEN ? -EINVAL : -EISCONN;
        if (!peer->ip || !peer->port || peer->ip == 0xffffffffu || (peer->ip >> 28) == 0xe)
                return -EINVAL; /* MUST-57 spirit: no connections to broadcast/multicast */
        r = tcp_connect_addrs(s, t, peer);
        if (r < 0)
                return r;
        if (tcb_rings_init(s, t) < 0)
                return -ENOMEM;
        t->opened = true;
        tcb_init_local_opts(s, t);
        t->ws_ok = t->ts_ok = t->sack_ok = true; /* offered in our SYN */
        t->iss = tcp_isn(s, t);
        t->snd_una = t->snd_nxt = t->snd_max = t->iss;
        tcb_hash_insert(s, t);
        stack_count(s, CNT_TCP_ACTIVE_OPENS);
        tcp_set_state(s, t, TCP_SYN_SENT, TCP_WHY_USER_OPEN);
        tcp_output(s, t);
        return 0;
}

/* Fetch and clear a pending connection error (like so_error). */
static int
tcp_take_error(struct sock *so)
{
        int e = so->error;

        so->error = 0;
        return e;
}

ssize_t
tcp_user_send(struct stack *s, struct sock *so, const void *buf, size_t len)
{
        struct tcb *t = so->tcb;
        size_t n;

        if (so->error)
                return tcp_take_error(so);
        if (!t)
                return -ENOTCONN;
        switch (t->state) {
        case TCP_SYN_SENT:
        case TCP_SYN_RECEIVED: /* RFC 9293 3.10.2: queue until ESTABLISHED */
        case TCP_ESTABLISHED:
        case TCP_CLOSE_WAIT:
                break;
        case TCP_CLOSED:
        case TCP_LISTEN:
                return t->was_connected ? -EPIPE : -ENOTCONN;
        default:
                return -EPIPE; /* "connection closing" */
        }
        if (t->fin_queued)
                return -EPIPE;
        if (len == 0)
                return 0;
        n = ring_write(&t->snd, buf, len);
        if (n == 0)
                return -EAGAIN;
        if (tcp_state_synchronized(t->state))
                tcp_output_user(s, t);
        return (ssize_t)n;
}

/* SEND with URGENT (RFC 9293 3.8.5, MUST-30/31): SND.UP becomes the sequence number after
 * the last urgent octet (MUST-62, RFC 6093), and every segment below it carries URG. The data
 * goes in whole, so the pointer names exactly its end. */
ssize_t
tcp_user_send_urgent(struct stack *s, struct sock *so, const void *buf, size_t len)
{
        struct tcb *t = so->tcb;
        uint32_t old_up;
        bool old_urg;
        ssize_t n;

        if (!t || so->error || len == 0)
                return tcp_user_send(s, so, buf, len);
        if (t->snd.buf && ring_space(&t->snd) < len)
                return -EAGAIN;
        /* Set before the data goes in: tcp_user_send may send it at once. */
        old_up = t->snd_up;
        old_urg = t->snd_urg;
        t->snd_up = tcb_fin_seq(t) + (uint32_t)len;
        t->snd_urg = true;
        n = tcp_user_send(s, so, buf, len);
        if (n <= 0) {
                t->snd_up = old_up;
                t->snd_urg = old_urg;
        }
        return n;
}

/* RECEIVE (RFC 9293 3.10.3): copy out up to len bytes, or with buf NULL consume them
 * without copying (a discard service has no use for the bytes). */
ssize_t
tcp_user_recv(struct stack *s, struct sock *so, void *buf, size_t len)
{
        struct tcb *t = so->tcb;
        size_t n;

        if (so->error)
                return tcp_take_error(so);
        if (!t)
                return -ENOTCONN;
        if (t->state == TCP_LISTEN || (t->state == TCP_CLOSED && !t->opened))
                return -ENOTCONN;
        if (t->shut_rd)
                return 0;
        n = buf ? ring_read(&t->rcv, buf, len) : ring_skip(&t->rcv, len);
        /* Drained and no out-of-order bytes parked past the tail: start again at the front,
         * so a reader that keeps up touches only the first segment's worth of the ring and
         * it stays in cache, however large the buffer. */
        if (ring_len(&t->rcv) == 0 && t->n_ooo == 0)
                ring_reset(&t->rcv);
        if (n > 0) {
                /* The window may have opened enough for an update (RFC 9293 3.8.6.2.2,
                 * tcp_window_update_due decides). An ACK this poll's input already owes
                 * (ack_now, e.g. for a FIN) leaves with tcp_flush at the end of the poll
                 * instead: a reply the application writes meanwhile carries it. */
                if (t->ack_now)
                        tcb_mark_dirty(s, t);
                else if (tcp_state_synchronized(t->state))
                        tcp_output(s, t);
                return (ssize_t)n;
        }
        if (len == 0 || t->fin_rcvd || t->state == TCP_CLOSED)
                return 0; /* end of stream (MUST-12: a reset was reported as an error above) */
        return -EAGAIN;
}

/* CLOSE of the sending side (RFC 9293 3.10.4): FIN after the queued data. */
static int
tcp_close_send(struct stack *s, struct tcb *t)
{
        if (t->fin_queued)
                return 0;
        switch (t->state) {
        case TCP_SYN_SENT:
        case TCP_SYN_RECEIVED:
                t->fin_queued = true; /* sent once ESTABLISHED */
                return 0;
        case TCP_ESTABLISHED:
                t->fin_queued = true;
                tcp_set_state(s, t, TCP_FIN_WAIT_1, TCP_WHY_USER_CLOSE);
                break;
        case TCP_CLOSE_WAIT:
                t->fin_queued = true;
                tcp_set_state(s, t, TCP_LAST_ACK, TCP_WHY_USER_CLOSE);
                break;
        default:
                return -ENOTCONN;
        }
        tcp_output(s, t);
        return 0;
}

int
tcp_user_shutdown(struct stack *s, struct sock *so, int how)
{
        struct tcb *t = so->tcb;

        if (!t || t->state == TCP_LISTEN || (t->state == TCP_CLOSED && !t->opened))
                return -ENOTCONN;
        if (how == SHUT_RD || how == SHUT_RDWR)
                t->shut_rd = true;
        if ((how == SHUT_WR || how == SHUT_RDWR) && t->state != TCP_CLOSED) {
                int r = tcp_close_send(s, t);
                if (r < 0 && r != -ENOTCONN)
                        return r;
        }
        return 0;
}

/* Abort every child of a listener that goes away (they were never accepted). */
static void
tcp_abort_children(struct stack *s, struct tcb *l)
{
        while (l->children) {
                struct tcb *c = l->children;
                tcp_send_rst_tcb(s, c);
                c->user_closed = true;
                tcp_set_state(s, c, TCP_CLOSED, TCP_WHY_LISTENER_CLOSED);
        }
}

/* Detach the TCB from its socket; from now on it is an orphan finishing in the background. */
static struct tcb *
tcp_detach(struct sock *so)
{
        struct tcb *t = so->tcb;

        so->tcb = NULL;
        if (t) {
                t->sock = NULL;
                t->user_closed = true;
        }
        return t;
}

int
tcp_user_close(struct stack *s, struct sock *so)
{
        struct tcb *t = tcp_detach(so);

        if (!t)
                return 0;
        switch (t->state) {
        case TCP_CLOSED:
                tcb_defer_free(s, t);
                return 0;
        case TCP_LISTEN:
                tcp_abort_children(s, t);
                tcp_set_state(s, t, TCP_CLOSED, TCP_WHY_USER_CLOSE);
                return 0;
        case TCP_SYN_SENT:
                tcp_set_state(s, t, TCP_CLOSED, TCP_WHY_USER_CLOSE);
                return 0;
        case TCP_ESTABLISHED:
        case TCP_CLOSE_WAIT:
                /* RFC 1122 4.2.2.13: closing with unread data loses it: reset (as Linux). */
                if (ring_len(&t->rcv) > 0) {
                        tcp_send_rst_tcb(s, t);
                        tcp_set_state(s, t, TCP_CLOSED, TCP_WHY_USER_ABORT);
                        return 0;
                }
                return tcp_close_send(s, t);
        case TCP_SYN_RECEIVED:
                return tcp_close_send(s, t);
        case TCP_FIN_WAIT_2:
                stack_timer_arm(s, &t->timewait, 2 * tcp_msl_us(s));
                return 0;
        default:
                return 0; /* already closing: FIN-WAIT-1, CLOSING, LAST-ACK, TIME-WAIT */
        }
}

/* ABORT (RFC 9293 3.10.5): RST in the synchronized states, then CLOSED. */
int
tcp_user_abort(struct stack *s, struct sock *so)
{
        struct tcb *t = tcp_detach(so);

        if (!t)
                return 0;
        switch (t->state) {
        case TCP_CLOSED:
                tcb_defer_free(s, t);
                return 0;
        case TCP_LISTEN:
                tcp_abort_children(s, t);
                break;
        case TCP_SYN_RECEIVED:
        case TCP_ESTABLISHED:
        case TCP_FIN_WAIT_1:
        case TCP_FIN_WAIT_2:
        case TCP_CLOSE_WAIT:
                tcp_send_rst_tcb(s, t);
                break;
        default:
                break;
        }
        tcp_set_state(s, t, TCP_CLOSED, TCP_WHY_USER_ABORT);
        return 0;
}

/* Urgent octets the user has not read yet (RFC 9293 3.8.5, MUST-32/33): RCV.UP points just
 * past the urgent data (MUST-62, RFC 6093); the next octet to read is RCV.NXT less what the
 * ring holds (and less the FIN, which takes a sequence number but no ring space). */
uint32_t
tcp_urgent_len(const struct tcb *t)
{
        uint32_t read_seq = t->rcv_nxt - (uint32_t)ring_len(&t->rcv) - (t->fin_rcvd ? 1u : 0u);

        if (!tcp_state_synchronized(t->state) || !seq_gt(t->rcv_up, read_seq))
                return 0;
        return t->rcv_up - read_seq;
}

unsigned
tcp_user_events(struct stack *s, struct sock *so)
{
        const struct tcb *t = so->tcb;
        unsigned ev = 0;
        bool rd_done, wr_done;

        (void)s;
        if (!t)
                return SOCK_HUP;
        if (t->state == TCP_LISTEN)
                return tcp_ready_child(t) ? SOCK_READABLE : 0;
        if (t->state == TCP_CLOSED)
                return t->opened ? SOCK_READABLE | SOCK_HUP : 0;
        if (t->state == TCP_SYN_SENT || t->state == TCP_SYN_RECEIVED)
                return 0;
        rd_done = t->fin_rcvd || t->shut_rd;
        wr_done = t->fin_queued;
        if (ring_len(&t->rcv) > 0 || rd_done)
                ev |= SOCK_READABLE;
        if (!wr_done && ring_space(&t->snd) > 0)
                ev |= SOCK_WRITABLE;
        if (rd_done && wr_done)
                ev |= SOCK_HUP;
        if (tcp_urgent_len(t) > 0)
                ev |= SOCK_URGENT; /* MUST-32: the application learns of it asynchronously */
        if (t->rexmt_count >= TCP_R1_TIMEOUTS)
                ev |= SOCK_STALLED; /* SHLD-9: R1 reached, R2 not yet; an ACK clears it */
        return ev;
}

/* The one door for TCP state changes: names, the allowed transitions of RFC 9293 3.3.2
 * (plus RST/abort/timeout to CLOSED), trace records, and the entry actions of each state. */
#include <assert.h>
#include <stdio.h>

#include "stack/core/stack.h"
#include "stack/sock/sock.h"
#include "stack/tcp/tcb.h"
#include "stack/wire/ipv4.h"

static const char *const tcp_state_names[TCP_NSTATES] = {
    [TCP_CLOSED] = "CLOSED",           [TCP_LISTEN] = "LISTEN",
    [TCP_SYN_SENT] = "SYN-SENT",       [TCP_SYN_RECEIVED] = "SYN-RECEIVED",
    [TCP_ESTABLISHED] = "ESTABLISHED", [TCP_FIN_WAIT_1] = "FIN-WAIT-1",
    [TCP_FIN_WAIT_2] = "FIN-WAIT-2",   [TCP_CLOSE_WAIT] = "CLOSE-WAIT",
    [TCP_CLOSING] = "CLOSING",         [TCP_LAST_ACK] = "LAST-ACK",
    [TCP_TIME_WAIT] = "TIME-WAIT",
};

static const char *const tcp_why_names[TCP_NWHY] = {
    [TCP_WHY_USER_OPEN] = "user OPEN",
    [TCP_WHY_USER_LISTEN] = "user LISTEN",
    [TCP_WHY_RCV_SYN] = "rcvd SYN",
    [TCP_WHY_RCV_SYN_ACK] = "rcvd SYN,ACK",
    [TCP_WHY_RCV_ACK_OF_SYN] = "rcvd ACK of SYN",
    [TCP_WHY_RCV_FIN] = "rcvd FIN",
    [TCP_WHY_RCV_ACK_OF_FIN] = "rcvd ACK of FIN",
    [TCP_WHY_RCV_FIN_ACK_OF_FIN] = "rcvd FIN and ACK of FIN",
    [TCP_WHY_RCV_RST] = "rcvd RST",
    [TCP_WHY_RCV_RST_BACK_TO_LISTEN] = "rcvd RST, listener keeps listening",
    [TCP_WHY_USER_CLOSE] = "user CLOSE",
    [TCP_WHY_USER_ABORT] = "user ABORT",
    [TCP_WHY_TIMEOUT_2MSL] = "2MSL timeout",
    [TCP_WHY_TIMEOUT_REXMT] = "retransmission timeout",
    [TCP_WHY_TIMEOUT_KEEPALIVE] = "keep-alive timeout",
    [TCP_WHY_ICMP_ERROR] = "ICMP error",
    [TCP_WHY_TIME_WAIT_REUSE] = "new SYN reuses TIME-WAIT",
    [TCP_WHY_LISTENER_CLOSED] = "listener closed",
    [TCP_WHY_STACK_DESTROY] = "stack destroyed",
    [TCP_WHY_DATA_AFTER_CLOSE] = "data after CLOSE, reset",
    [TCP_WHY_TIMEOUT_FIN_WAIT_2] = "FIN-WAIT-2 timeout",
    [TCP_WHY_TIMEOUT_ORPHAN_PERSIST] = "closed by user, peer window stays shut",
    [TCP_WHY_SYN_QUEUE_EVICT] = "SYN queue full, oldest half-open dropped",
    [TCP_WHY_NO_MEMORY] = "out of memory for the buffers",
    [TCP_WHY_TIME_WAIT_EVICT] = "TCB table full, oldest TIME-WAIT ended",
};

#define B(st) (1u << (st))

/* RFC 9293 3.3.2 figure: the arcs out of each state. Every state may also go to CLOSED
 * (RST, ABORT, timeouts); SYN-RECEIVED may go back to LISTEN (passive open, RST).
 * CLOSED -> SYN-RECEIVED: a SYN to a listener creates a new TCB (3.10.7.2 "a new TCB
 * ... is created"), the listener itself stays in LISTEN to serve the backlog. */
static const unsigned tcp_next_ok[TCP_NSTATES] = {
    [TCP_CLOSED] = B(TCP_LISTEN) | B(TCP_SYN_SENT) | B(TCP_SYN_RECEIVED),
    [TCP_LISTEN] = B(TCP_SYN_RECEIVED) | B(TCP_SYN_SENT) | B(TCP_CLOSED),
    [TCP_SYN_SENT] = B(TCP_SYN_RECEIVED) | B(TCP_ESTABLISHED) | B(TCP_CLOSED),
    [TCP_SYN_RECEIVED] =
        B(TCP_ESTABLISHED) | B(TCP_FIN_WAIT_1) | B(TCP_LISTEN) | B(TCP_CLOSE_WAIT) | B(TCP_CLOSED),
    [TCP_ESTABLISHED] = B(TCP_FIN_WAIT_1) | B(TCP_CLOSE_WAIT) | B(TCP_CLOSED),
    [TCP_FIN_WAIT_1] = B(TCP_FIN_WAIT_2) | B(TCP_CLOSING) | B(TCP_TIME_WAIT) | B(TCP_CLOSED),
    [TCP_FIN_WAIT_2] = B(TCP_TIME_WAIT) | B(TCP_CLOSED),
    [TCP_CLOSE_WAIT] = B(TCP_LAST_ACK) | B(TCP_CLOSED),
    [TCP_CLOSING] = B(TCP_TIME_WAIT) | B(TCP_CLOSED),
    [TCP_LAST_ACK] = B(TCP_CLOSED),
    [TCP_TIME_WAIT] = B(TCP_CLOSED),
};

const char *
tcp_state_name(enum tcp_conn_state st)
{
        return (unsigned)st < TCP_NSTATES ? tcp_state_names[st] : "?";
}

const char *
tcp_why_name(enum tcp_why why)
{
        return (unsigned)why < TCP_NWHY ? tcp_why_names[why] : "?";
}

bool
tcp_transition_allowed(enum tcp_conn_state from, enum tcp_conn_state to)
{
        if ((unsigned)from >= TCP_NSTATES || (unsigned)to >= TCP_NSTATES)
                return false;
        return (tcp_next_ok[from] & B(to)) != 0;
}

static void
tcp_trace_transition(struct stack *s, const struct tcb *t, enum tcp_conn_state from,
                     enum tcp_why why)
{
        struct trace_event ev = {
            .t_us = s->now_us,
            .kind = TRACE_TCP_STATE,
            .id = t->id,
            .from = (int)from,
            .to = (int)t->state,
            .why = (int)why,
            .snd_una = t->snd_una,
            .snd_nxt = t->snd_nxt,
            .rcv_nxt = t->rcv_nxt,
        };
        char who[TCP_TRACE_WHO_LEN];

        trace_event_add(s, &ev);
        if (!s->cfg.trace)
                return;
        stack_trace_line(s, "%s %s -> %s (%s)", tcp_trace_who(t, who), tcp_state_name(from),
                         tcp_state_name(t->state), tcp_why_name(why));
}

const char *
tcp_trace_who(const struct tcb *t, char out[TCP_TRACE_WHO_LEN])
{
        char l[IPV4_ADDR_STRLEN], r[IPV4_ADDR_STRLEN];

        snprintf(out, TCP_TRACE_WHO_LEN, "tcp %s:%u > %s:%u", ipv4_addr_str(t->laddr, l), t->lport,
                 ipv4_addr_str(t->raddr, r), t->rport);
        return out;
}

/* Entry actions, in one place (ARCHITECTURE.md section 2). */
static void
tcp_enter(struct stack *s, struct tcb *t, enum tcp_conn_state from)
{
        switch (t->state) {
        case TCP_ESTABLISHED:
                t->was_connected = true;
                stack_count(s, CNT_TCP_ESTABLISHED);
                tcp_keepalive_reset(s, t);
                break;
        case TCP_FIN_WAIT_2:
                /* An orphan must not wait for the peer's FIN forever (as Linux's fin_timeout). */
                if (t->user_closed)
                        stack_timer_arm(s, &t->timewait, 2 * tcp_msl_us(s));
                break;
        case TCP_TIME_WAIT:
                /* RFC 9293 3.10.7.4 eighth step: the 2MSL wait is the only timer left. */
                tcb_timers_cancel(s, t);
                stack_timer_arm(s, &t->timewait, 2 * tcp_msl_us(s));
                tcb_rings_release(s, t);
                tcb_time_wait_add(s, t);
                break;
        case TCP_CLOSED:
                tcb_timers_cancel(s, t);
                tcb_hash_remove(s, t);
                if (from == TCP_LISTEN)
                        tcb_listener_remove(s, t);
                if (t->listener)
                        tcb_child_unlink(t);
                /* The user still holds a socket: the TCB (and unread data) stays until
                 * tcp_user_close; otherwise it is freed at the end of this poll. */
                if (!t->sock)
                        tcb_defer_free(s, t);
                break;
        default:
                break;
        }
}

/* The only function that writes t->state (make lint greps for other writers). */
__attribute__((noinline)) void
tcp_set_state(struct stack *s, struct tcb *t, enum tcp_conn_state next, enum tcp_why why)
{
        enum tcp_conn_state from = t->state;

        assert(tcp_transition_allowed(from, next));
        if (from == TCP_TIME_WAIT)
                tcb_time_wait_remove(s, t);
        t->state = next;
        tcb_touch(s, t); /* every state change may change readiness (RST, FIN, timeouts) */
        tcp_trace_transition(s, t, from, why);
        tcp_enter(s, t, from);
}

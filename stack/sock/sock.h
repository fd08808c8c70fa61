/* Socket table internals shared by sock.c, UDP and TCP. A struct sock is what a handle
 * names; its protocol control block (UDP pcb or TCB) hangs off it. */
#ifndef STACK_SOCK_SOCK_H
#define STACK_SOCK_SOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "stack/sock.h"

struct stack;
struct udp_pcb;
struct tcb;

struct sock {
        int sd;
        enum sock_type type;
        bool in_use;
        struct udp_pcb *udp;
        struct tcb *tcb;
        int error;            /* pending error, negative errno (like so_error) */
        unsigned last_events; /* what the callback last saw */
        sock_event_fn *cb;
        void *cb_ctx;
        bool touched;                         /* on the touched list (or the one being delivered) */
        struct sock *touch_next, *touch_prev; /* circular, through struct sock_table */
};

int sock_init(struct stack *s);
void sock_fini(struct stack *s);
/* Run readiness callbacks for sockets whose events changed (end of stack_poll). Only
 * sockets touched since they were last looked at are looked at. */
void sock_deliver_events(struct stack *s);
/* Queue so to have its readiness compared with what its callback last saw, at the end of
 * this poll. Called wherever readiness may change (input, timers, user calls); O(1). A
 * socket without a callback has nothing to deliver (sock_set_callback touches it). */
void sock_touch_slow(struct stack *s, struct sock *so);
static inline void
sock_touch(struct stack *s, struct sock *so)
{
        if (so && so->cb && !so->touched)
                sock_touch_slow(s, so);
}
/* The socket behind a handle, or NULL. */
struct sock *sock_get(struct stack *s, int sd);
/* A new socket of type (used by accept); NULL when the table is full. */
struct sock *sock_alloc(struct stack *s, enum sock_type type);
/* Release the handle (the pcb must already be detached). */
void sock_release(struct stack *s, struct sock *so);

/* RFC 6056 Algorithm 3 ephemeral port in 49152..65535: start from a keyed hash of the
 * 4-tuple and probe until in_use() says the port is free. 0 when all are taken. */
typedef bool port_in_use_fn(struct stack *s, uint16_t port, uint32_t laddr, uint32_t raddr,
                            uint16_t rport);
uint16_t sock_ephemeral_port(struct stack *s, uint8_t proto, uint32_t laddr, uint32_t raddr,
                             uint16_t rport, port_in_use_fn *in_use);

#endif

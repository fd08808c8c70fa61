/* Socket readiness and its delivery to callbacks (ARCHITECTURE.md section 2): only sockets
 * touched since their callback last ran are looked at, so a poll costs what happened, not
 * how many sockets exist. Readiness of a TCP socket follows RFC 9293 3.10 (and MUST-32). */
#include <errno.h>

#include "stack/core/stack.h"
#include "stack/net/udp.h"
#include "stack/sock.h"
#include "stack/sock/sock.h"
#include "stack/sock/sock_table.h"
#include "stack/tcp/tcp_user.h"

/* Delivery passes per poll: a callback that changes other sockets' readiness is heard in
 * the same poll; a chain longer than this is finished next poll. */
#define SOCK_DELIVER_PASSES 8

static void
sock_ring_init(struct sock *head)
{
        head->touch_next = head;
        head->touch_prev = head;
}

static void
sock_unlink(struct sock *so)
{
        so->touch_prev->touch_next = so->touch_next;
        so->touch_next->touch_prev = so->touch_prev;
        so->touch_next = NULL;
        so->touch_prev = NULL;
        so->touched = false;
}

void
sock_events_init(struct sock_table *t)
{
        sock_ring_init(&t->touch_head);
        t->delivering = NULL;
}

void
sock_events_forget(struct sock_table *t, struct sock *so)
{
        if (so->touched)
                sock_unlink(so);
        if (t->delivering == so)
                t->delivering = NULL;
}

/* Appended at the tail, so callbacks run in the order things happened. */
void
sock_touch_slow(struct stack *s, struct sock *so)
{
        struct sock *head = &s->socks->touch_head;

        so->touched = true;
        so->touch_next = head;
        so->touch_prev = head->touch_prev;
        head->touch_prev->touch_next = so;
        head->touch_prev = so;
}

/* A pending error always makes the socket readable and flagged, whatever the protocol
 * reports, so a poll loop wakes up to fetch it. */
unsigned
sock_events(struct stack *s, int sd)
{
        struct sock *so = sock_get(s, sd);
        unsigned ev;

        if (!so)
                return 0;
        ev = so->type == SOCK_TYPE_UDP ? udp_sock_events(s, so) : tcp_user_events(s, so);
        if (so->error)
                ev |= SOCK_READABLE | SOCK_ERROR;
        return ev;
}

int
sock_set_callback(struct stack *s, int sd, sock_event_fn *fn, void *ctx)
{
        struct sock *so = sock_get(s, sd);

        if (!so)
                return -EBADF;
        so->cb = fn;
        so->cb_ctx = ctx;
        /* Nothing delivered yet: the first poll reports whatever the socket is ready for. */
        so->last_events = 0;
        sock_touch(s, so);
        return 0;
}

static void
sock_deliver_one(struct stack *s, struct sock *so)
{
        struct sock_table *t = s->socks;
        unsigned ev;

        if (!so->cb)
                return;
        ev = sock_events(s, so->sd);
        if (ev == so->last_events)
                return;
        so->last_events = ev;
        t->delivering = so;
        so->cb(so->cb_ctx, so->sd, ev);
        /* The callback may have drained the socket: remember what it left, so the next
         * change (new data in a later poll) is seen as one. It may also have closed it. */
        if (t->delivering == so)
                so->last_events = sock_events(s, so->sd);
        t->delivering = NULL;
}

/* Called at the end of stack_poll, after all input and timers, so callbacks never run from
 * inside protocol processing. Only touched sockets can have changed: take the list, so
 * whatever a callback touches (itself, other sockets, new ones) queues on a fresh list
 * for the next pass; a callback that closes a socket still waiting here unlinks it. */
void
sock_deliver_events(struct stack *s)
{
        struct sock_table *t = s->socks;
        struct sock *head = &t->touch_head;

        for (unsigned pass = 0; pass < SOCK_DELIVER_PASSES && head->touch_next != head; pass++) {
                struct sock pending;

                pending.touch_next = head->touch_next;
                pending.touch_prev = head->touch_prev;
                pending.touch_next->touch_prev = &pending;
                pending.touch_prev->touch_next = &pending;
                sock_ring_init(head);
                while (pending.touch_next != &pending) {
                        struct sock *so = pending.touch_next;
                        sock_unlink(so);
                        sock_deliver_one(s, so);
                }
        }
}

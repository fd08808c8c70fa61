/* The socket table itself, private to stack/sock/: sock.c owns the handles, sock_events.c
 * the list of touched sockets whose readiness is delivered at the end of a poll. */
#ifndef STACK_SOCK_SOCK_TABLE_H
#define STACK_SOCK_SOCK_TABLE_H

#include <stdint.h>

#include "stack/sock/sock.h"

struct sock_table {
        struct sock **slots; /* indexed by handle; NULL when free */
        unsigned n_slots;    /* allocated entries of slots */
        unsigned max;        /* bound on handles (stack_config.max_socks) */
        unsigned in_use;
        unsigned *free_heap; /* min-heap of released handles below hwm (n_slots entries) */
        unsigned n_free;
        unsigned hwm;            /* handles >= hwm were never handed out */
        struct sock touch_head;  /* sentinel of the circular list of touched sockets */
        struct sock *delivering; /* whose callback runs; NULL once it is released */
        uint32_t next_ephemeral; /* RFC 6056 3.3.3 next_ephemeral */
};

/* An empty touched list. */
void sock_events_init(struct sock_table *t);
/* so is being released: off the touched list, and its running callback forgets it. */
void sock_events_forget(struct sock_table *t, struct sock *so);

#endif

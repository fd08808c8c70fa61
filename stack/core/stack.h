/* struct stack: the one owner of all state (ARCHITECTURE.md section 2). Internal header.
 * Each protocol module keeps its state behind its own pointer, created by its _init(). */
#ifndef STACK_CORE_STACK_H
#define STACK_CORE_STACK_H

#include <stdbool.h>
#include <stdint.h>

#include "stack/stack.h"
#include "stack/core/counters.h"
#include "stack/core/pkt.h"
#include "stack/core/rand.h"
#include "stack/core/timer.h"
#include "stack/core/trace.h"

#define STACK_MAX_IFACES 4

struct arp_state;
struct ipv4_state;
struct reass_state;
struct icmp_state;
struct udp_state;
struct tcp_state;
struct sock_table;
struct dns_state;

struct stack {
        struct stack_config cfg;
        uint64_t now_us; /* sampled once per stack_poll: one pass sees one instant */
        struct rng rng;
        struct hash_key secret; /* per-stack secret for ISNs, ports and IP IDs */
        struct pkt_pool pool;
        struct timer_list timers;
        uint64_t counters[CNT__COUNT];
        struct trace trace;

        struct iface *ifaces[STACK_MAX_IFACES];
        int n_ifaces;

        struct arp_state *arp;
        struct ipv4_state *ipv4;
        struct reass_state *ipv4_reass;
        struct icmp_state *icmp;
        struct udp_state *udp;
        struct tcp_state *tcp;
        struct sock_table *socks;
        struct dns_state *dns;
};

static inline void
stack_count(struct stack *s, enum counter c)
{
        s->counters[c]++;
}

/* Arm a stack timer relative to now. */
static inline void
stack_timer_arm(struct stack *s, struct timer *t, uint64_t delay_us)
{
        timer_arm(&s->timers, t, s->now_us + delay_us);
}

static inline void
stack_timer_cancel(struct stack *s, struct timer *t)
{
        timer_cancel(&s->timers, t);
}

/* The interface whose subnet holds addr, or the first one with a gateway; NULL if none. */
struct iface *stack_route(struct stack *s, uint32_t addr, uint32_t *next_hop);
/* True when addr is one of our interface addresses. */
bool stack_is_local_addr(const struct stack *s, uint32_t addr);

#endif

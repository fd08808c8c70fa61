/* struct stack: creation, interfaces, routing choice, and the poll sequence
 * (clock sample -> drain links -> timers -> TCP output -> socket callbacks). */
#include "stack/core/stack.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stack/dns/resolver.h"
#include "stack/net/arp.h"
#include "stack/net/icmp.h"
#include "stack/net/iface.h"
#include "stack/net/ipv4.h"
#include "stack/net/udp.h"
#include "stack/sock/sock.h"
#include "stack/tcp/tcp.h"
#include "stack/wire/eth.h"

#define COUNTER_NAME(id, name) name,
static const char *const counter_names[] = {COUNTER_LIST(COUNTER_NAME)};
#undef COUNTER_NAME

const char *
counter_name(enum counter c)
{
        return c < CNT__COUNT ? counter_names[c] : "?";
}

struct stack *
stack_create(const struct stack_config *cfg)
{
        struct stack *s = calloc(1, sizeof(*s));

        if (!s)
                return NULL;
        s->cfg = *cfg;
        if (!s->cfg.clock.now_us)
                s->cfg.clock = clock_monotonic();
        s->now_us = clock_now_us(&s->cfg.clock);
        rng_seed(&s->rng, cfg->seed);
        s->secret.k0 = rng_next(&s->rng);
        s->secret.k1 = rng_next(&s->rng);
        pkt_pool_init(&s->pool, PKT_HEADROOM + ETH_HDR_LEN + 1500,
                      cfg->max_pkts ? cfg->max_pkts : 4096);
        if (arp_init(s) < 0 || ipv4_init(s) < 0 || icmp_init(s) < 0 || udp_init(s) < 0 ||
            tcp_init(s) < 0 || sock_init(s) < 0 || dns_init(s) < 0) {
                stack_destroy(s);
                return NULL;
        }
        return s;
}

void
stack_destroy(struct stack *s)
{
        if (!s)
                return;
        dns_fini(s);
        sock_fini(s);
        tcp_fini(s);
        udp_fini(s);
        icmp_fini(s);
        ipv4_fini(s);
        arp_fini(s);
        for (int i = 0; i < s->n_ifaces; i++)
                free(s->ifaces[i]);
        pkt_pool_destroy(&s->pool);
        free(s);
}

int
stack_iface_add(struct stack *s, const struct iface_config *ic, const struct link_ops *ops,
                void *ctx)
{
        struct iface *ifc;
        static const uint8_t zero[6];
        size_t need;

        if (s->n_ifaces >= STACK_MAX_IFACES)
                return -ENOSPC;
        if (ic->prefix_len > 32 || (ic->mtu && ic->mtu < 68))
                return -EINVAL;
        ifc = calloc(1, sizeof(*ifc));
        if (!ifc)
                return -ENOMEM;
        ifc->index = s->n_ifaces;
        snprintf(ifc->name, sizeof(ifc->name), "%s", ic->name ? ic->name : "if");
        ifc->type = ic->type;
        ifc->ops = ops;
        ifc->ctx = ctx;
        ifc->addr = ic->addr;
        ifc->netmask = ic->prefix_len ? 0xffffffffu << (32 - ic->prefix_len) : 0;
        ifc->gateway = ic->gateway;
        ifc->mtu = ic->mtu ? ic->mtu : 1500;
        memcpy(ifc->mac, ic->mac, 6);
        if (memcmp(ifc->mac, zero, 6) == 0) {
                rng_fill(&s->rng, ifc->mac, 6);
                ifc->mac[0] =
                    (uint8_t)((ifc->mac[0] & 0xfe) | 0x02); /* unicast, locally administered */
        }
        need = PKT_HEADROOM + ETH_HDR_LEN + ifc->mtu;
        if (ic->max_frame && PKT_HEADROOM + (size_t)ic->max_frame > need)
                need = PKT_HEADROOM + (size_t)ic->max_frame; /* e.g. TAP GSO super-frames */
        if (need > s->pool.buf_size) { /* buffers follow the largest MTU or frame */
                pkt_pool_destroy(&s->pool);
                s->pool.buf_size = need;
        }
        s->ifaces[s->n_ifaces++] = ifc;
        arp_announce(s, ifc);
        return ifc->index;
}

struct iface *
stack_route(struct stack *s, uint32_t addr, uint32_t *next_hop)
{
        for (int i = 0; i < s->n_ifaces; i++) {
                struct iface *ifc = s->ifaces[i];
                if (iface_on_link(ifc, addr) || addr == 0xffffffffu) {
                        *next_hop = addr;
                        return ifc;
                }
        }
        for (int i = 0; i < s->n_ifaces; i++) {
                if (s->ifaces[i]->gateway) {
                        *next_hop = s->ifaces[i]->gateway;
                        return s->ifaces[i];
                }
        }
        return NULL;
}

bool
stack_is_local_addr(const struct stack *s, uint32_t addr)
{
        for (int i = 0; i < s->n_ifaces; i++)
                if (s->ifaces[i]->addr == addr)
                        return true;
        return false;
}

int
stack_poll_input(struct stack *s)
{
        s->now_us = clock_now_us(&s->cfg.clock);
        for (int i = 0; i < s->n_ifaces; i++)
                iface_poll(s, s->ifaces[i]);
        timer_run_expired(s, &s->timers, s->now_us);
        sock_deliver_events(s); /* what input and timers changed, before the app serves */
        return 0;
}

int
stack_poll_output(struct stack *s)
{
        tcp_flush(s);
        sock_deliver_events(s);
        return 0;
}

int
stack_poll(struct stack *s)
{
        stack_poll_input(s);
        return stack_poll_output(s);
}

int
stack_timeout_ms(struct stack *s)
{
        uint64_t d = timer_next_deadline(&s->timers);
        uint64_t now = clock_now_us(&s->cfg.clock);

        if (d == UINT64_MAX)
                return -1;
        if (d <= now)
                return 0;
        d = (d - now + 999) / 1000;
        return d > 3600000 ? 3600000 : (int)d;
}

uint64_t
stack_next_deadline_us(const struct stack *s)
{
        return timer_next_deadline(&s->timers);
}

int
stack_fds(struct stack *s, struct pollfd *fds, int max)
{
        int n = 0;

        for (int i = 0; i < s->n_ifaces && n < max; i++) {
                int fd = s->ifaces[i]->ops->fd ? s->ifaces[i]->ops->fd(s->ifaces[i]->ctx) : -1;
                if (fd < 0)
                        continue;
                fds[n].fd = fd;
                fds[n].events = POLLIN;
                fds[n].revents = 0;
                n++;
        }
        return n;
}

uint64_t
stack_now_us(const struct stack *s)
{
        return s->now_us;
}

void
stack_counters(const struct stack *s, stack_counter_fn *fn, void *ctx)
{
        for (int i = 0; i < CNT__COUNT; i++)
                if (s->counters[i])
                        fn(ctx, counter_names[i], s->counters[i]);
}

uint64_t
stack_counter_get(const struct stack *s, const char *name)
{
        for (int i = 0; i < CNT__COUNT; i++)
                if (strcmp(counter_names[i], name) == 0)
                        return s->counters[i];
        return 0;
}

unsigned
stack_pkts_in_use(const struct stack *s)
{
        return s->pool.in_use;
}

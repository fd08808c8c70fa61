/* Test fixture: two stacks A (10.0.0.1/24) and B (10.0.0.2/24) joined by a simlink on one
 * manual clock, and a driver loop that jumps the clock from event to event. With
 * one_stack set, only A exists and the test plays B through simlink_inject/simlink_take. */
#ifndef TESTS_COMMON_SIMNET_H
#define TESTS_COMMON_SIMNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/simlink.h"
#include "stack/stack.h"

#define SIMNET_ADDR_A 0x0a000001u /* 10.0.0.1 */
#define SIMNET_ADDR_B 0x0a000002u /* 10.0.0.2 */
#define SIMNET_PREFIX 24
#define SIMNET_START_US 1000000u /* the clock starts at 1 s, not 0 */

extern const uint8_t simnet_mac_a[6]; /* 02:00:00:00:00:01 */
extern const uint8_t simnet_mac_b[6]; /* 02:00:00:00:00:02 */

struct simnet_config {
        uint64_t seed;            /* 0: random; the SIMNET_SEED environment variable overrides */
        bool one_stack;           /* only stack A; the test acts as B */
        uint16_t mtu_a;           /* 0: 1500 */
        uint16_t mtu_b;           /* 0: 1500 */
        uint32_t gw_a;            /* default gateway of A (host order); 0: none */
        uint32_t gw_b;            /* default gateway of B; 0: none */
        struct stack_config base; /* clock and seed are set by simnet; 0 fields take defaults */
};

struct simnet {
        struct manual_clock clock;
        struct simlink *link;
        struct stack *a, *b; /* b is NULL with one_stack */
        uint64_t seed;
};

/* Build the network (stacks created, interfaces added, gratuitous ARPs queued on the link).
 * Prints the seed on stderr so a failing run can be replayed. NULL on failure. */
struct simnet *simnet_create(const struct simnet_config *cfg);
/* Same with defaults and the given seed (0: random). */
struct simnet *simnet_create_seed(uint64_t seed);
/* one_stack: only A, which already knows B's MAC (from a request B sent), so A's replies
 * leave at once; the request's reply is flushed. NULL on failure. */
struct simnet *simnet_create_peer_known(void);
/* CU_ASSERTs that neither stack holds a packet buffer (leak check), then frees everything.
 * Returns the number of packets that were still in use. */
unsigned simnet_destroy(struct simnet *net);

/* Poll both stacks once at the current clock reading. */
void simnet_poll(struct simnet *net);
/* Earliest of both stacks' timer deadlines and the link's next delivery (UINT64_MAX: none). */
uint64_t simnet_next_event_us(const struct simnet *net);

typedef bool simnet_cond_fn(void *ctx);
/* Drive the network: poll, test cond, advance the clock to the next event, repeat; never past
 * max_us from now. Returns 0 once cond(ctx) holds, -ETIMEDOUT when max_us ran out.
 * cond NULL: run for max_us and return 0. */
int simnet_run_until(struct simnet *net, simnet_cond_fn *cond, void *ctx, uint64_t max_us);
/* simnet_run_until(net, NULL, NULL, us). */
void simnet_run_for(struct simnet *net, uint64_t us);
static inline uint64_t
simnet_now_us(const struct simnet *net)
{
        return net->clock.now_us;
}

/* Far-end helpers for one_stack tests (also usable to inject into either end). */
struct simnet_ipv4 {
        uint32_t src, dst;
        uint8_t proto;
        uint8_t ttl; /* 0: 64 */
        uint16_t id;
        bool df, mf;
        uint16_t frag_off;      /* bytes, multiple of 8 */
        const uint8_t *dst_mac; /* NULL: the MAC of the receiving end's stack */
        const uint8_t *src_mac; /* NULL: the MAC of the other end */
};
/* Write Ethernet + 20-byte IPv4 header (valid checksum) + payload into buf. Returns the frame
 * length, or 0 when cap is short. Tests corrupt fields afterwards to make malformed input;
 * simnet_ipv4_fix_csum() recomputes the header checksum after such an edit. */
size_t simnet_build_ipv4(uint8_t *buf, size_t cap, enum simlink_end to,
                         const struct simnet_ipv4 *ip, const void *payload, size_t len);
void simnet_ipv4_fix_csum(uint8_t *frame);
/* Build an ICMP message (checksum over header and data) as payload of an IPv4 frame. */
size_t simnet_build_icmp(uint8_t *buf, size_t cap, enum simlink_end to,
                         const struct simnet_ipv4 *ip, uint8_t type, uint8_t code, uint16_t id,
                         uint16_t seq, const void *data, size_t len);
/* Build an ARP frame (RFC 826) addressed to eth_dst. */
size_t simnet_build_arp(uint8_t *buf, size_t cap, const uint8_t eth_dst[6], uint16_t op,
                        const uint8_t sha[6], uint32_t spa, const uint8_t tha[6], uint32_t tpa);
/* Inject buf[0..len) into end to; CU_ASSERTs success. */
void simnet_inject(struct simnet *net, enum simlink_end to, const uint8_t *frame, size_t len);
/* Take frames end from sent until one has the given EtherType (and, for IPv4, protocol proto
 * unless proto is 0); frames skipped are discarded. Returns its length or 0. */
int simnet_take_frame(struct simnet *net, enum simlink_end from, uint16_t ethertype, uint8_t proto,
                      uint8_t *buf, size_t cap);

#endif

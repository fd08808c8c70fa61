/* Shared pieces of the fuzz harnesses (tests/fuzz/fuzz_*.c): a bounded reader over the fuzz
 * input, checksum repair so crafted frames get past RFC 1071 checks to the code under test,
 * a capture link, and a hard failure that libFuzzer and the replay runner report. */
#ifndef TESTS_FUZZ_HARNESS_H
#define TESTS_FUZZ_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stack/core/clock.h"
#include "stack/stack.h"

#define FZ_FRAME_MAX 1514   /* Ethernet header + 1500 */
#define FZ_CAPTURE_FRAMES 8 /* frames a capture link remembers */
#define FZ_SEED 0x5eed5eedu /* fixed: a fuzz input must replay the same way every time */
#define FZ_START_US 1000000u

/* The fuzz input, consumed front to back; reads past the end yield zeros. */
struct fz_in {
        const uint8_t *p;
        size_t len, pos;
};

static inline size_t
fz_left(const struct fz_in *in)
{
        return in->len - in->pos;
}

uint8_t fz_u8(struct fz_in *in);
uint16_t fz_u16(struct fz_in *in);
uint32_t fz_u32(struct fz_in *in);
/* Up to want bytes; *out points into the input. Returns how many are available. */
size_t fz_bytes(struct fz_in *in, size_t want, const uint8_t **out);

/* Print what broke and abort(): libFuzzer records the input as a crash. */
void fz_fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* Recompute the IPv4 header checksum of the packet at ip (len bytes from the IP header on)
 * and, when it is not a fragment and fully present, the ICMP, UDP or TCP checksum. */
void fz_fix_ipv4(uint8_t *ip, size_t len);
/* Same for an Ethernet frame carrying IPv4; other frames are left alone. */
void fz_fix_frame(uint8_t *frame, size_t len);

typedef void fz_tx_fn(void *ctx, const uint8_t *frame, size_t len);

/* A link whose rx hands out one queued frame at a time and whose tx keeps the last
 * FZ_CAPTURE_FRAMES frames sent (for harnesses that need to see what the stack said) and
 * shows each to on_tx if set. */
struct fz_link {
        const uint8_t *rx;
        size_t rx_len;
        fz_tx_fn *on_tx;
        void *on_tx_ctx;
        uint8_t tx[FZ_CAPTURE_FRAMES][FZ_FRAME_MAX];
        size_t tx_len[FZ_CAPTURE_FRAMES];
        unsigned tx_count; /* total frames sent; the newest is tx[(tx_count - 1) % N] */
};

extern const struct link_ops fz_link_ops;

/* A stack with the fixed seed on clk and one interface on link (10.0.0.2/24, MAC
 * 02:00:00:00:00:fe, the addresses the seed pcaps talk to); dns_server 10.0.0.1.
 * Fails hard if creation fails. */
struct stack *fz_stack_new(struct manual_clock *clk, enum link_type type,
                           const struct link_ops *ops, void *ctx);
/* Poll s until no timer is due before limit_us, jumping the clock from deadline to deadline
 * (at most max_steps jumps), then check that no packet buffer is held. */
void fz_settle_and_check(struct stack *s, struct manual_clock *clk, uint64_t limit_us,
                         unsigned max_steps);
/* Hand one frame to s through its fz_link and poll once. */
void fz_link_deliver(struct stack *s, struct fz_link *l, const uint8_t *frame, size_t len);

#define FZ_ADDR_STACK 0x0a000002u     /* 10.0.0.2 */
#define FZ_ADDR_PEER 0x0a000001u      /* 10.0.0.1 */
extern const uint8_t fz_mac_stack[6]; /* 02:00:00:00:00:fe */
extern const uint8_t fz_mac_peer[6];  /* 02:00:00:00:00:01 */

#endif

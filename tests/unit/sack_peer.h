/* The scripted SACK peer of the loss-recovery unit tests (test_tcp_sack_recovery.c,
 * test_tcp_rack_tlp.c): connections with full segments in flight, ACKs with SACK blocks
 * given in segment numbers, and checks of what is resent. Segments are 1460 bytes (MSS
 * 1460, no timestamps). */
#ifndef TESTS_UNIT_SACK_PEER_H
#define TESTS_UNIT_SACK_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tests/common/tcp_fixture.h"

#define SEG 1460u

/* An established SACK connection with n full segments in flight (cwnd opened to n). */
struct tcb *sr_open(struct tcpfx *fx, unsigned n, unsigned queued);
/* Sequence number of our segment i (0-based). */
uint32_t sr_seq(const struct tcpfx *fx, unsigned i);
/* The peer acknowledges up to segment `acked` (exclusive) and SACKs segments [l, r) of each
 * pair in blocks (nb pairs), optionally carrying len bytes of its own data. */
void sr_ack(struct tcpfx *fx, unsigned acked, const unsigned (*blocks)[2], unsigned nb, size_t len);
/* Take the next segment and check where it starts and how long it is. */
void sr_expect(struct tcpfx *fx, unsigned seg, uint32_t len);
/* A connection (SACK or not) with an RTT sample: segment 0 is acknowledged rtt_us after it
 * left (SRTT = rtt_us, RTO 1 s, cwnd 4 segments). Then n more segments (1..n) go out, of
 * n + queued written. */
struct tcb *sr_open_rtt(struct tcpfx *fx, uint32_t rtt_us, bool sack, unsigned n, unsigned queued);

#endif

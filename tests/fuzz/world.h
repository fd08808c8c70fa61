/* The fuzz_stack world: the stack under test T (10.0.0.2) and a peer stack P (10.0.0.1) over a
 * simlink, with T's connections driven into every state of RFC 9293 3.3.2 that a peer can
 * reach, and a tracker of T's TCP streams (its ISS, highest sequence sent and last ACK, all
 * visible on the wire) so fuzz input can be aimed inside the windows. */
#ifndef TESTS_FUZZ_WORLD_H
#define TESTS_FUZZ_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/simlink.h"
#include "stack/sock.h"
#include "stack/stack.h"
#include "tests/fuzz/place_link.h"

#define WORLD_MAX_TRACK 32
#define WORLD_MAX_SOCKS 64
#define WORLD_MAX_BLOCKS 8
#define WORLD_SETTLE_US 3600000000ull /* an hour: SYN R2 is 3 min, TIME-WAIT 2 MSL */
#define WORLD_SETTLE_STEPS 20000
#define WORLD_STORM_POLLS 2000 /* polls at one instant that make a storm */

/* A TCP stream as seen in T's own segments (T's port, the peer's address and port). */
struct track {
        uint16_t tport, pport;
        uint32_t pip;
        uint32_t iss;     /* seq of T's SYN */
        uint32_t snd_max; /* highest seq T has sent, plus one */
        uint32_t ack;     /* T's last ACK: what it expects from the peer next */
        bool have_iss, have_ack;
};

/* Frames of one stream dropped in one direction, to hold a connection in a state. */
struct block {
        uint16_t tport, pport;
        bool t_to_p, p_to_t;
};

/* T (the stack under test, simlink end A) and P (its peer, end B) on one manual clock. */
struct world {
        struct manual_clock clk;
        struct simlink *sl;
        struct place_link tlink; /* T's end: reads like an offload TAP (receive placement) */
        struct stack *t, *p;
        struct track tr[WORLD_MAX_TRACK];
        unsigned n_tr;
        struct block blk[WORLD_MAX_BLOCKS];
        unsigned n_blk;
        int socks[WORLD_MAX_SOCKS]; /* T's sockets, listeners first */
        unsigned n_socks, n_listen, next_close;
        int psocks[WORLD_MAX_SOCKS]; /* P's */
        unsigned n_psocks;
        int dns_pending;
        bool setup_done;
        unsigned n_setup_tr; /* streams made by the set-up: tr[0 .. n_setup_tr) */
        bool storm;          /* a packet storm was cut short (only with FUZZ_IGNORE_STORMS set) */
};

/* Build the world: listeners on T (TCP 7 and 80, UDP 7), on P (TCP 81, UDP 53), a DNS query
 * in flight, and T's connections in ESTABLISHED (both ways), SYN-SENT, SYN-RECEIVED,
 * FIN-WAIT-1, FIN-WAIT-2, CLOSE-WAIT, CLOSING, LAST-ACK and TIME-WAIT. A state TCP cannot reach
 * yet is skipped (FUZZ_DEBUG=1 says which). Afterwards T's segments on streams the set-up did
 * not make never reach P (P would reset the fuzz input's own conversations). */
void world_setup(struct world *w);
void world_destroy(struct world *w);
/* Poll T, then P, at the current time. */
void world_poll(struct world *w);
/* Let us of stack time pass, polling at every timer and delivery on the way (at most
 * max_steps of them), and process what the last poll set off. WORLD_STORM_POLLS polls without
 * the clock moving are a packet storm: a failure, or with FUZZ_IGNORE_STORMS set in the
 * environment, w->storm is set and time stops. */
void world_run_for(struct world *w, uint64_t us, unsigned max_steps);
/* Accept every pending connection on T's and P's listeners. */
void world_accept_all(struct world *w);
/* Drop sd from a socket list. */
void world_forget_sock(int *list, unsigned *n, int sd);
/* The stream (T's port, peer address and port); added when add and there is room. */
struct track *world_track(struct world *w, uint16_t tport, uint32_t pip, uint16_t pport, bool add);
/* The TCP header of an Ethernet frame carrying a whole IPv4 TCP segment, else NULL; the
 * segment's length (header and data) in *seg_len. */
uint8_t *world_frame_tcp(uint8_t *fr, size_t len, size_t *seg_len);
/* Start the DNS query again once the last one finished. */
void world_dns_start(struct world *w);
/* sock_list callback printing a row to stderr; ctx names the stack. */
void world_print_sock(void *ctx, const struct sock_info *info);

#endif

/* TCP unit-test fixture (lwIP tcp_helper idea): one stack on a raw-IPv4 capture link and a
 * manual clock; the test plays the peer by crafting segments and reading what was sent.
 * tcpfx_open(state) drives a real connection into any of the eleven states. */
#ifndef TESTS_COMMON_TCP_FIXTURE_H
#define TESTS_COMMON_TCP_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "stack/core/clock.h"
#include "stack/tcp/tcb.h"
#include "stack/wire/ipv4.h"
#include "stack/wire/tcp.h"

#define TCPFX_LOCAL 0x0a000001u  /* 10.0.0.1: the stack */
#define TCPFX_PEER 0x0a000002u   /* 10.0.0.2: the test */
#define TCPFX_ROUTER 0x0a0000feu /* 10.0.0.254: a router on the link (ICMP errors) */
#define TCPFX_PEER_PORT 40000
#define TCPFX_LOCAL_PORT 80
#define TCPFX_PEER_ISS 1000u
#define TCPFX_MAX_FRAMES 512
#define TCPFX_FRAME_MAX 2048

struct tcpfx_frame {
        size_t len;
        uint8_t buf[TCPFX_FRAME_MAX];
};

struct tcpfx_queue {
        struct tcpfx_frame *f;
        unsigned head, n;
};

/* A segment the stack sent, parsed. */
struct tcpfx_seg {
        struct ipv4_hdr ip;
        struct tcp_hdr h;
        const uint8_t *data;
        size_t len;
        uint8_t raw[TCPFX_FRAME_MAX];
};

struct tcpfx {
        struct manual_clock clock;
        struct stack *s;
        struct tcpfx_queue tx, rx; /* tx: what the stack sent; rx: what it will read */
        int sd;                    /* the connection's socket (-1 none) */
        int lsd;                   /* the listener (-1 none) */
        uint16_t lport, pport;     /* the stack's port, the peer's port */
        uint32_t iss;              /* the stack's ISS (from its SYN) */
        uint32_t pseq;             /* the peer's next sequence number */
        uint32_t pack;             /* what the peer acknowledges (the stack's next seq) */
        uint16_t pwnd;             /* window the peer advertises */
        struct tcp_opts syn_opts;  /* options in the peer's SYN / SYN,ACK */
        unsigned msl_ms;           /* 0: default */
        /* Injecting runs only stack_poll_input: the test plays the application, then calls
         * stack_poll_output itself (stackd's loop: input, the services, output). */
        bool input_only;
        uint8_t ip_tos; /* the IPv4 TOS byte of injected segments (ECN codepoints) */
};

/* Create the stack (seed fixed) with the peer's SYN carrying MSS 1460 only. */
void tcpfx_init(struct tcpfx *fx);
/* The same with --trace lines written to trace. */
void tcpfx_init_trace(struct tcpfx *fx, FILE *trace);
void tcpfx_fini(struct tcpfx *fx);
void tcpfx_poll(struct tcpfx *fx);
/* Advance the clock by us and poll. */
void tcpfx_advance(struct tcpfx *fx, uint64_t us);
/* Inject a segment from the peer (PEER:pport -> LOCAL:lport) and poll once. */
void tcpfx_send(struct tcpfx *fx, uint8_t flags, uint32_t seq, uint32_t ack, const void *data,
                size_t len, const struct tcp_opts *opts);
/* Send with the peer's tracked pseq/pack and advance pseq by the segment length. */
void tcpfx_send_next(struct tcpfx *fx, uint8_t flags, const void *data, size_t len);
/* Inject raw TCP bytes (header + payload) inside a valid IPv4 header; checksum fixed if
 * fix_csum. */
void tcpfx_inject_tcp(struct tcpfx *fx, const uint8_t *tcp, size_t len, bool fix_csum);
/* Oldest segment the stack sent; false if none. */
bool tcpfx_take(struct tcpfx *fx, struct tcpfx_seg *g);
/* Drop everything the stack sent so far; returns how many. */
unsigned tcpfx_drain(struct tcpfx *fx);
unsigned tcpfx_pending(const struct tcpfx *fx);
/* Drive a connection into state st (active open for the states after SYN-SENT, except
 * SYN-RECEIVED and LISTEN which use a passive open). Returns the TCB, asserting progress. */
struct tcb *tcpfx_open(struct tcpfx *fx, enum tcp_conn_state st);
/* The TCB behind fx->sd, or the only one on the 4-tuple. */
struct tcb *tcpfx_tcb(struct tcpfx *fx);
/* Number of TCBs the stack holds. */
unsigned tcpfx_tcb_count(const struct tcpfx *fx);
/* The first 8 bytes of the SYN the stack sent (ports, ISS), as an ICMP error quotes them
 * (RFC 792; RFC 1122 3.2.2 asks for at least these 8 octets). */
void tcpfx_quote_syn(const struct tcpfx *fx, uint8_t q[8]);
/* Everything written to a trace file so far, as a string in text (cap bytes at most). */
void tcpfx_trace_text(FILE *f, char *text, size_t cap);
/* Inject an ICMP error (type, code, the second header word `word`) from a router on the
 * link, quoting the IPv4 header and first 8 octets of g (a datagram the stack sent). */
void tcpfx_inject_icmp_error(struct tcpfx *fx, uint8_t type, uint8_t code, uint32_t word,
                             const struct tcpfx_seg *g);

#endif

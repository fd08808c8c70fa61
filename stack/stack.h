/* Public API of the stack: create one, attach interfaces, and drive it from a poll loop.
 * Single threaded and non-blocking; every piece of state lives in one struct stack. */
#ifndef STACK_STACK_H
#define STACK_STACK_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "stack/core/clock.h"

struct stack;

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG, LOG_TRACE };

/* What a link can do to frames we send (e.g. a TAP with a virtio net header, virtio 1.x
 * 5.1.6.2). The stack only asks for what the link advertised. */
enum link_tx_cap {
        LINK_TX_CSUM = 1u, /* finishes a TCP checksum that holds only the pseudo-header sum */
        LINK_TX_TSO4 = 2u, /* cuts a TCPv4 super-frame into gso_size segments (needs CSUM) */
};

/* Per-frame transmit offload metadata (offsets from the start of the frame). */
struct link_tx_meta {
        uint16_t csum_start;  /* where the checksummed bytes start: the TCP header */
        uint16_t csum_offset; /* the checksum field, from csum_start (16 for TCP) */
        uint16_t hdr_len;     /* link + IPv4 + TCP header bytes, copied to every segment */
        uint16_t gso_size;    /* 0: send as is; else TCP payload bytes per wire segment */
};

struct iovec;

/* A link moves whole frames; it never interprets them (ARCHITECTURE.md principle 1). */
struct link_ops {
        /* Send one frame; returns 0 or a negative errno (-EAGAIN when the link is full). */
        int (*tx)(void *ctx, const uint8_t *frame, size_t len);
        /* Receive one frame into buf; returns its length, 0 when none is waiting, or -errno. */
        int (*rx)(void *ctx, uint8_t *buf, size_t cap);
        /* A file descriptor to poll for POLLIN, or -1. */
        int (*fd)(void *ctx);
        /* Optional (NULL: none): enum link_rx_flag bits about the frame rx() last returned. */
        unsigned (*rx_flags)(void *ctx);
        /* Optional (NULL: none): enum link_tx_cap bits, what the link can finish for us. */
        unsigned (*tx_caps)(void *ctx);
        /* Send one frame with offload metadata (required when tx_caps is set); 0 or -errno. */
        int (*tx_meta)(void *ctx, const uint8_t *frame, size_t len, const struct link_tx_meta *m);
        /* Optional (NULL: none): rx() scattered over n pieces (at most LINK_RXV_MAX), so that
         * a TCP payload can land straight in a receive ring (DESIGN.md 6). Offered only by a
         * link that hands frames over whole and unlogged; same results as rx(). */
        int (*rxv)(void *ctx, const struct iovec *iov, int n);
};

#define LINK_RXV_MAX 4 /* header, two ring pieces (a wrap), the rest of the buffer */

/* What a link knows about a received frame (e.g. from a TAP's virtio net header). */
enum link_rx_flag {
        LINK_RX_CSUM_OK = 1u, /* the host verified, or will never need, the TCP/UDP checksum */
        LINK_RX_GSO = 2u,     /* a GSO super-frame: many MSS-sized segments in one */
};

enum link_type { LINK_ETHERNET, LINK_RAW_IPV4 };

struct iface_config {
        const char *name;
        enum link_type type;
        uint8_t mac[6];     /* all zero: a random locally administered address */
        uint32_t addr;      /* host order */
        uint8_t prefix_len; /* e.g. 24 */
        uint32_t gateway;   /* 0: no default route */
        uint16_t mtu;       /* 0: 1500 */
        uint32_t max_frame; /* largest frame rx() may return (0: Ethernet header + mtu) */
};

struct stack_config {
        struct clock clock; /* .now_us NULL: the monotonic clock */
        uint64_t seed;      /* 0: random */
        enum log_level log_level;
        FILE *log_file; /* NULL: stderr */
        bool trace;     /* one Wireshark-style line per frame and per TCP state change */
        bool tcp_ecn;   /* TCP sockets start with SOCK_OPT_ECN set (RFC 3168; default off) */
        uint32_t dns_server;
        /* Bounds (0: default). */
        unsigned max_pkts;
        unsigned arp_cache_size;
        unsigned arp_queue_len;
        unsigned reass_max_bytes;
        unsigned icmp_rate_per_s;
        unsigned tcp_msl_ms;
        unsigned max_tcbs;     /* TCP connections of all states (0: 4096) */
        unsigned tcp_synq_max; /* half-open children per listener (0: 1024) */
        unsigned max_socks;    /* open socket handles (default 1024) */
};

struct stack *stack_create(const struct stack_config *cfg);
void stack_destroy(struct stack *s);
/* Attach a link; the stack does not own ctx. Returns the interface index or -errno. */
int stack_iface_add(struct stack *s, const struct iface_config *ic, const struct link_ops *ops,
                    void *ctx);
/* Read the clock, drain links, run timers, flush output. Returns 0 or -errno. */
int stack_poll(struct stack *s);
/* stack_poll in two halves, for a loop that serves its sockets in between: input reads the
 * clock, drains links, runs timers and delivers the socket events they caused; output sends
 * what is due and delivers the events the application's own calls caused.
 * ACKs for data the application read in between then carry the window it opened, one
 * segment instead of an ACK with a closing window followed by an update. */
int stack_poll_input(struct stack *s);
int stack_poll_output(struct stack *s);
/* Milliseconds until the next timer, -1 when nothing is pending. */
int stack_timeout_ms(struct stack *s);
/* Absolute stack-clock time (us) of the next timer, UINT64_MAX when none is armed. Lets a
 * driver loop on a manual clock jump straight to the next event. */
uint64_t stack_next_deadline_us(const struct stack *s);
/* Fill up to max pollfds with the links' fds; returns how many. */
int stack_fds(struct stack *s, struct pollfd *fds, int max);
/* Microseconds of the stack clock as of the last stack_poll. */
uint64_t stack_now_us(const struct stack *s);

/* Counters, like netstat -s: fn is called once per non-zero counter. */
typedef void stack_counter_fn(void *ctx, const char *name, uint64_t value);
void stack_counters(const struct stack *s, stack_counter_fn *fn, void *ctx);
uint64_t stack_counter_get(const struct stack *s, const char *name);
/* Packet buffers currently allocated (0 at rest: tests use it to find leaks). */
unsigned stack_pkts_in_use(const struct stack *s);

/* Ping support: send one ICMP echo request; replies reach the handler. */
struct echo_reply {
        uint32_t from;
        uint16_t id, seq;
        uint8_t ttl;
        size_t len; /* ICMP payload length */
        const uint8_t *data;
};
typedef void stack_echo_fn(void *ctx, const struct echo_reply *r);
void stack_set_echo_handler(struct stack *s, stack_echo_fn *fn, void *ctx);
int stack_ping_send(struct stack *s, uint32_t dst, uint16_t id, uint16_t seq, const void *data,
                    size_t len);
/* Errors (e.g. host unreachable from ARP) about our echo requests. */
int stack_ping_error(struct stack *s);

#endif

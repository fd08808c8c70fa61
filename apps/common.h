/* Stack options shared by every app (--iface --tun --ip --gw --dns --mac --mtu --pcap --trace) and
 * the set-up of a stack on a TAP device. Bad values: a clear message and exit status 2. */
#ifndef APPS_COMMON_H
#define APPS_COMMON_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "stack/stack.h"

struct app_opts {
        const char *iface;
        bool tun; /* --tun: iface is a layer-3 TUN device (LINK_RAW_IPV4) */
        uint32_t ip;
        uint8_t prefix_len;
        uint32_t gw;
        uint32_t dns; /* 0: the gateway */
        uint8_t mac[6];
        uint16_t mtu;
        const char *pcap;
        bool trace;
        bool stats;
        unsigned max_conns;    /* 0: the stack's defaults; else room for this many connections */
        bool offload;          /* --offload: TAP with virtio header, checksum and TSO4 offloads */
        bool ecn;              /* --ecn: TCP asks for (and accepts) ECN, RFC 3168 */
        unsigned busy_poll_us; /* --busy-poll: poll without sleeping this long after input */
        int verbose;
};

struct app {
        const char *prog;
        struct app_opts o;
        struct stack *s;
        struct tap *tap;
        struct tun *tun;
        struct pcap_link *pcap;
        uint64_t busy_until_us; /* --busy-poll: keep polling without sleeping until then */
};

/* An app's own option: return 0 when handled, -1 for a bad value (after printing why). */
typedef int app_opt_fn(void *ctx, int opt, const char *arg);

/* Parse argv: the shared options plus the app's (shortopts/longopts, handled by fn).
 * Prints usage on -h (exit 0) and on errors (exit 2). Returns optind. */
int app_parse(struct app *a, int argc, char **argv, const char *shortopts,
              const struct option *longopts, app_opt_fn *fn, void *ctx, const char *usage);
/* Open the TAP (and pcap) and create the stack. Exits 1 with a clear message on failure. */
void app_start(struct app *a);
void app_stop(struct app *a);
/* Wait for the stack (and fd, if >= 0) at most max_ms (-1: no limit), then stack_poll.
 * Returns fd's revents (0 if fd < 0 or not ready); -1 when interrupted by a signal. */
int app_wait(struct app *a, int fd, short events, int max_ms);
/* The same, but only the input half of stack_poll: the caller serves its sockets and then
 * calls stack_poll_output, so ACKs for what it read carry the window it opened. */
int app_wait_input(struct app *a, int fd, short events, int max_ms);
/* Parse a whole decimal number in [lo, hi] into *out; 0 on success, -1 otherwise. */
int app_parse_long(const char *arg, long lo, long hi, long *out);
/* Parse "a.b.c.d" into host order; 0 on success. */
int app_parse_ipv4(const char *str, uint32_t *out);
void app_format_ipv4(uint32_t a, char out[16]);
/* Resolve host (a dotted quad, or a name through the stack's resolver) into *ip, waiting at
 * most wait_s seconds (0: the resolver's own retries). On failure prints why on stderr
 * (name not found, timeout, server failure) and returns a negative errno. */
int app_lookup(struct app *a, const char *host, uint32_t *ip, long wait_s);
/* Print the counters like netstat -s (and sockets like ss -tan) to stderr. */
void app_print_stats(struct app *a);
/* Set by SIGINT/SIGTERM once app_catch_signals() ran. */
extern volatile int app_stop_requested;
/* SIGINT/SIGTERM stop the app; SIGUSR1 prints the stats at the next app_wait. */
void app_catch_signals(void);
/* Print the stats now if SIGUSR1 asked for them (app_wait calls this). */
void app_stats_check(struct app *a);
void app_die_usage(struct app *a, const char *usage, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));

#endif

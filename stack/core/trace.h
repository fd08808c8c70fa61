/* Levelled log lines and structured trace events (state changes, drops, retransmits) kept
 * in a ring that gdb and tests can inspect, plus the per-frame Wireshark-style lines. */
#ifndef STACK_CORE_TRACE_H
#define STACK_CORE_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stack/stack.h"
#include "stack/wire/describe.h"

struct stack;
struct iface;

enum trace_kind { TRACE_TCP_STATE, TRACE_DROP, TRACE_REXMT, TRACE_RTO, TRACE_PMTU };

/* Why a TCB's path MTU estimate changed (TRACE_PMTU's why; tcp_pmtu.c). */
enum trace_pmtu_why {
        TRACE_PMTU_TOO_BIG,    /* an ICMP "fragmentation needed" */
        TRACE_PMTU_REMEMBERED, /* an earlier connection to the host learned it */
        TRACE_PMTU_BLACK_HOLE, /* R1 without an answer: 1280 without DF */
        TRACE_PMTU_AGED        /* 10 minutes on: the first hop's MTU again */
};

struct trace_event {
        uint64_t t_us;
        enum trace_kind kind;
        uint32_t id;  /* tcb id, or 0 */
        int from, to; /* TRACE_TCP_STATE: states; TRACE_DROP: counter id; TRACE_PMTU: MTUs */
        int why;      /* cause (enum tcp_why; enum trace_pmtu_why) */
        uint32_t snd_una, snd_nxt, rcv_nxt;
};

#define TRACE_RING_LEN 256

typedef void trace_event_fn(void *ctx, const struct trace_event *ev);

struct trace {
        struct trace_event ring[TRACE_RING_LEN];
        unsigned total; /* events ever recorded; ring[(total - 1) % LEN] is the newest */
        trace_event_fn *cb;
        void *cb_ctx;
        struct describe_state describe;
};

void stack_log(struct stack *s, enum log_level lvl, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Print one line, unconditionally, to the log sink (used for --trace output). */
void stack_trace_line(struct stack *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void trace_event_add(struct stack *s, const struct trace_event *ev);
/* Set a callback that sees each trace event as it is recorded. */
void stack_set_trace_cb(struct stack *s, trace_event_fn *fn, void *ctx);
/* With cfg.trace on, print a Wireshark-style line for a frame in (out=false) or out. */
void trace_frame(struct stack *s, const struct iface *ifc, const uint8_t *frame, size_t len,
                 bool out);

#endif

/* Log lines, trace events and per-frame trace lines to the configured sink. */
#include <stdarg.h>
#include <stdio.h>

#include "stack/core/stack.h"
#include "stack/net/iface.h"

static FILE *
sink(const struct stack *s)
{
        return s->cfg.log_file ? s->cfg.log_file : stderr;
}

static const char *const level_names[] = {"ERROR", "WARN", "INFO", "DEBUG", "TRACE"};

void
stack_log(struct stack *s, enum log_level lvl, const char *module, const char *fmt, ...)
{
        va_list ap;
        FILE *f = sink(s);

        if (lvl > s->cfg.log_level)
                return;
        fprintf(f, "%llu.%06llu %s %s: ", (unsigned long long)(s->now_us / 1000000),
                (unsigned long long)(s->now_us % 1000000), level_names[lvl], module);
        va_start(ap, fmt);
        vfprintf(f, fmt, ap);
        va_end(ap);
        fputc('\n', f);
}

void
stack_trace_line(struct stack *s, const char *fmt, ...)
{
        va_list ap;
        FILE *f = sink(s);

        va_start(ap, fmt);
        vfprintf(f, fmt, ap);
        va_end(ap);
        fputc('\n', f);
        fflush(f);
}

void
trace_event_add(struct stack *s, const struct trace_event *ev)
{
        struct trace *t = &s->trace;

        t->ring[t->total % TRACE_RING_LEN] = *ev;
        t->ring[t->total % TRACE_RING_LEN].t_us = s->now_us;
        t->total++;
        if (t->cb)
                t->cb(t->cb_ctx, &t->ring[(t->total - 1) % TRACE_RING_LEN]);
}

void
stack_set_trace_cb(struct stack *s, trace_event_fn *fn, void *ctx)
{
        s->trace.cb = fn;
        s->trace.cb_ctx = ctx;
}

void
trace_frame(struct stack *s, const struct iface *ifc, const uint8_t *frame, size_t len, bool out)
{
        char line[256];

        if (!s->cfg.trace)
                return;
        frame_describe(&s->trace.describe, frame, len, ifc->type == LINK_RAW_IPV4, line,
                       sizeof(line));
        (void)out;
        stack_trace_line(s, "%s", line);
}

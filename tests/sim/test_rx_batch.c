/* Receiving GSO super-frames (issue 7): a TAP with offloads hands over one TCP segment of
 * up to 64 KB that the peer sent as many MSS-sized ones. It is one receive event but stands
 * for len / MSS full segments (RFC 5681 4.2, RFC 9293 3.8.6.3 SHLD-19): one ACK per
 * super-frame (or per poll that drained several), never one per MSS and never a delayed
 * one; and a reader draining it causes no window-update storm (RFC 9293 3.8.6.2.2). */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include "stack/core/clock.h"
#include "stack/sock.h"
#include "stack/stack.h"
#include "stack/wire/ipv4.h"
#include "stack/wire/tcp.h"

#define RB_LOCAL 0x0a000001u /* 10.0.0.1: the stack */
#define RB_PEER 0x0a000002u  /* 10.0.0.2: the test */
#define RB_PORT 9            /* discard */
#define RB_PEER_PORT 40000
#define RB_MAX_FRAME 65536
#define RB_QUEUE 8
#define RB_SUPER 64000 /* payload of one super-frame: 43 segments of MSS 1460 and a bit */

/* A raw IPv4 link that carries frames up to 64 KB each way, like a TAP with GSO. */
struct rb {
        struct manual_clock clock;
        struct stack *s;
        uint8_t *in[RB_QUEUE];
        size_t in_len[RB_QUEUE];
        unsigned in_n;
        unsigned acks;      /* segments the stack sent since the last rb_take */
        uint32_t last_ack;  /* their highest ACK number */
        uint32_t last_wnd;  /* and the (scaled) window of the latest one */
        uint8_t wscale;     /* the stack's window shift, from its SYN,ACK */
        uint32_t peer_seq;  /* the peer's next sequence number */
        uint32_t stack_nxt; /* what the peer acknowledges */
        int lsd, sd;
};

static int
rb_tx(void *ctx, const uint8_t *frame, size_t len)
{
        struct rb *rb = ctx;
        struct ipv4_hdr ih;
        struct tcp_hdr th;
        int hl;

        if (ipv4_hdr_parse(frame, len, &ih, NULL) < 0 || ih.proto != IPV4_PROTO_TCP)
                return 0;
        hl = tcp_hdr_parse(frame + ih.hdr_len, ih.total_len - ih.hdr_len, &th);
        CU_ASSERT_FATAL(hl >= 0);
        if (th.flags & TCP_SYN) {
                rb->stack_nxt = th.seq + 1;
                rb->wscale = th.opts.has_ws ? th.opts.ws : 0;
        }
        rb->acks++;
        rb->last_ack = th.ack;
        rb->last_wnd = (uint32_t)th.wnd << ((th.flags & TCP_SYN) ? 0 : rb->wscale);
        return 0;
}

static int
rb_rx(void *ctx, uint8_t *buf, size_t cap)
{
        struct rb *rb = ctx;
        size_t len;

        if (rb->in_n == 0)
                return 0;
        len = rb->in_len[0];
        CU_ASSERT_FATAL(len <= cap);
        memcpy(buf, rb->in[0], len);
        free(rb->in[0]);
        rb->in_n--;
        memmove(rb->in, rb->in + 1, rb->in_n * sizeof(rb->in[0]));
        memmove(rb->in_len, rb->in_len + 1, rb->in_n * sizeof(rb->in_len[0]));
        return (int)len;
}

static int
rb_fd(void *ctx)
{
        (void)ctx;
        return -1;
}

static const struct link_ops rb_ops = {.tx = rb_tx, .rx = rb_rx, .fd = rb_fd};

/* Queue one segment from the peer (not yet polled). */
static void
rb_queue(struct rb *rb, uint8_t flags, const struct tcp_opts *opts, size_t len)
{
        struct tcp_hdr h = {.sport = RB_PEER_PORT,
                            .dport = RB_PORT,
                            .seq = rb->peer_seq,
                            .ack = rb->stack_nxt,
                            .flags = flags,
                            .wnd = 65535};
        struct ipv4_hdr ih = {.hdr_len = IPV4_HDR_LEN,
                              .ttl = 64,
                              .proto = IPV4_PROTO_TCP,
                              .src = RB_PEER,
                              .dst = RB_LOCAL};
        size_t hl, total;
        uint8_t *f;

        if (opts)
                h.opts = *opts;
        hl = TCP_HDR_LEN + tcp_opts_len(&h.opts);
        total = IPV4_HDR_LEN + hl + len;
        CU_ASSERT_FATAL(total <= 65535 && rb->in_n < RB_QUEUE);
        f = malloc(total);
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        for (size_t i = 0; i < len; i++)
                f[IPV4_HDR_LEN + hl + i] = (uint8_t)(rb->peer_seq + i);
        tcp_hdr_emit(&h, f + IPV4_HDR_LEN, len, RB_PEER, RB_LOCAL);
        ih.total_len = (uint16_t)total;
        ipv4_hdr_emit(&ih, f);
        rb->in[rb->in_n] = f;
        rb->in_len[rb->in_n++] = total;
        rb->peer_seq += (uint32_t)len + ((flags & (TCP_SYN | TCP_FIN)) ? 1u : 0u);
}

/* Segments sent since the last call (and reset the count). */
static unsigned
rb_take(struct rb *rb)
{
        unsigned n = rb->acks;

        rb->acks = 0;
        return n;
}

/* A stack with MTU 1500 (MSS 1460) whose link returns frames up to 64 KB, a discard-style
 * listener, and an accepted connection from a peer that offered window scaling. */
static void
rb_init(struct rb *rb)
{
        struct stack_config cfg = {0};
        struct iface_config ic = {.name = "gso0",
                                  .type = LINK_RAW_IPV4,
                                  .addr = RB_LOCAL,
                                  .prefix_len = 24,
                                  .mtu = 1500,
                                  .max_frame = RB_MAX_FRAME};
        struct tcp_opts syn = {.has_mss = true, .mss = 1460, .has_ws = true, .ws = 7};
        struct sock_addr any = {0, RB_PORT};

        memset(rb, 0, sizeof(*rb));
        rb->clock.now_us = 1000000;
        cfg.clock = clock_manual(&rb->clock);
        cfg.seed = 7;
        cfg.log_level = LOG_ERROR;
        rb->s = stack_create(&cfg);
        CU_ASSERT_PTR_NOT_NULL_FATAL(rb->s);
        CU_ASSERT_FATAL(stack_iface_add(rb->s, &ic, &rb_ops, rb) >= 0);
        rb->lsd = sock_open(rb->s, SOCK_TYPE_TCP);
        CU_ASSERT_FATAL(rb->lsd >= 0);
        CU_ASSERT_EQUAL_FATAL(sock_bind(rb->s, rb->lsd, &any), 0);
        CU_ASSERT_EQUAL_FATAL(sock_listen(rb->s, rb->lsd, 4), 0);
        rb->peer_seq = 5000;
        rb_queue(rb, TCP_SYN, &syn, 0);
        stack_poll(rb->s);
        CU_ASSERT_EQUAL_FATAL(rb_take(rb), 1); /* SYN,ACK */
        rb_queue(rb, TCP_ACK, NULL, 0);
        stack_poll(rb->s);
        rb->sd = sock_accept(rb->s, rb->lsd, NULL);
        CU_ASSERT_FATAL(rb->sd >= 0);
        rb_take(rb); /* the tests count from here */
}

static void
rb_fini(struct rb *rb)
{
        while (rb->in_n)
                free(rb->in[--rb->in_n]);
        CU_ASSERT_EQUAL(stack_pkts_in_use(rb->s), 0);
        stack_destroy(rb->s);
}

static void
rfc5681_4_2_one_ack_per_gso_super_frame_at_once(void)
{
        struct rb rb;

        rb_init(&rb);
        rb_queue(&rb, TCP_ACK, NULL, RB_SUPER);
        stack_poll(rb.s);
        /* No delayed-ACK wait: the super-frame is ~43 full segments (SHLD-19). */
        CU_ASSERT_EQUAL(rb_take(&rb), 1);
        CU_ASSERT_EQUAL(rb.last_ack, rb.peer_seq);
        rb_queue(&rb, TCP_ACK, NULL, RB_SUPER);
        stack_poll(rb.s);
        CU_ASSERT_EQUAL(rb_take(&rb), 1);
        CU_ASSERT_EQUAL(rb.last_ack, rb.peer_seq);
        /* Nothing else is owed later either. */
        rb.clock.now_us += 1000000;
        stack_poll(rb.s);
        CU_ASSERT_EQUAL(rb_take(&rb), 0);
        rb_fini(&rb);
}

static void
rfc5681_4_2_super_frames_drained_in_one_poll_share_one_ack(void)
{
        struct rb rb;

        rb_init(&rb);
        for (int i = 0; i < 3; i++) /* 60,000 bytes: within the SYN,ACK's 65,535 window */
                rb_queue(&rb, TCP_ACK, NULL, 20000);
        stack_poll(rb.s);
        CU_ASSERT_EQUAL(rb_take(&rb), 1);
        CU_ASSERT_EQUAL(rb.last_ack, rb.peer_seq);
        rb_fini(&rb);
}

static void
rfc9293_3_8_6_2_2_reading_a_super_frame_sends_no_update_storm(void)
{
        struct rb rb;
        char buf[8192];
        size_t got = 0;
        ssize_t r;

        rb_init(&rb);
        rb_queue(&rb, TCP_ACK, NULL, RB_SUPER);
        stack_poll(rb.s);
        CU_ASSERT_EQUAL(rb_take(&rb), 1);
        /* Eight 8 KB reads (what a copying reader does): the peer still has more than half
         * the window, so none of them is worth a segment. */
        while ((r = sock_recv(rb.s, rb.sd, buf, sizeof(buf))) > 0) {
                CU_ASSERT_EQUAL(buf[0], (char)(uint8_t)(rb.peer_seq - RB_SUPER + got));
                got += (size_t)r;
        }
        CU_ASSERT_EQUAL(got, RB_SUPER);
        CU_ASSERT_EQUAL(rb_take(&rb), 0);
        /* The next super-frame's ACK carries the whole window again. */
        rb_queue(&rb, TCP_ACK, NULL, RB_SUPER);
        stack_poll(rb.s);
        CU_ASSERT_EQUAL(rb_take(&rb), 1);
        CU_ASSERT_EQUAL(sock_recv_skip(rb.s, rb.sd, SIZE_MAX), RB_SUPER);
        CU_ASSERT_EQUAL(rb_take(&rb), 0);
        rb_fini(&rb);
}

/* With the poll split in two (stack_poll_input, the application, stack_poll_output), the
 * one ACK for what was drained goes out after the reader emptied the ring, so it offers the
 * whole buffer again instead of an ACK with a closed window followed by an update. */
static void
rfc9293_3_8_6_2_2_ack_after_the_read_carries_the_opened_window(void)
{
        struct rb rb;

        rb_init(&rb);
        rb_queue(&rb, TCP_ACK, NULL, 32000); /* 64,000: the SYN,ACK's 65,535 window */
        rb_queue(&rb, TCP_ACK, NULL, 32000);
        stack_poll_input(rb.s);
        CU_ASSERT_EQUAL(rb_take(&rb), 0); /* owed, not yet sent */
        CU_ASSERT_EQUAL(sock_recv_skip(rb.s, rb.sd, SIZE_MAX), 64000);
        stack_poll_output(rb.s);
        CU_ASSERT_EQUAL(rb_take(&rb), 1);
        CU_ASSERT_EQUAL(rb.last_ack, rb.peer_seq);
        CU_ASSERT(rb.last_wnd >= 120000); /* the whole (128 KB) ring, scaled */
        /* Without a reader the ACK still leaves in the output half, with what is left. */
        rb_queue(&rb, TCP_ACK, NULL, 60000);
        stack_poll_input(rb.s);
        CU_ASSERT_EQUAL(rb_take(&rb), 0);
        stack_poll_output(rb.s);
        CU_ASSERT_EQUAL(rb_take(&rb), 1);
        CU_ASSERT_EQUAL(rb.last_ack, rb.peer_seq);
        CU_ASSERT(rb.last_wnd < 80000);
        rb_fini(&rb);
}

/* A small segment is still one segment: the delayed ACK (MUST-40) is kept for it. */
static void
rfc9293_must40_small_segment_still_delayed(void)
{
        struct rb rb;

        rb_init(&rb);
        rb_queue(&rb, TCP_ACK, NULL, 1000);
        stack_poll(rb.s);
        CU_ASSERT_EQUAL(rb_take(&rb), 0);
        rb.clock.now_us += 200000;
        stack_poll(rb.s);
        CU_ASSERT_EQUAL(rb_take(&rb), 1);
        CU_ASSERT_EQUAL(rb.last_ack, rb.peer_seq);
        rb_fini(&rb);
}

void
suite_rx_batch(void)
{
        CU_pSuite su = CU_add_suite("rx_batch", NULL, NULL);

        CU_add_test(su, "rfc5681_4_2_one_ack_per_gso_super_frame_at_once",
                    rfc5681_4_2_one_ack_per_gso_super_frame_at_once);
        CU_add_test(su, "rfc5681_4_2_super_frames_drained_in_one_poll_share_one_ack",
                    rfc5681_4_2_super_frames_drained_in_one_poll_share_one_ack);
        CU_add_test(su, "rfc9293_3_8_6_2_2_reading_a_super_frame_sends_no_update_storm",
                    rfc9293_3_8_6_2_2_reading_a_super_frame_sends_no_update_storm);
        CU_add_test(su, "rfc9293_3_8_6_2_2_ack_after_the_read_carries_the_opened_window",
                    rfc9293_3_8_6_2_2_ack_after_the_read_carries_the_opened_window);
        CU_add_test(su, "rfc9293_must40_small_segment_still_delayed",
                    rfc9293_must40_small_segment_still_delayed);
}

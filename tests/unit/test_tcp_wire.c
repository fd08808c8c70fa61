/* TCP header and option parse/emit (RFC 9293 3.1-3.2, RFC 7323, RFC 2018), sequence
 * arithmetic (RFC 9293 3.4), the byte ring and the Wireshark-style describer. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <string.h>

#include "stack/core/ring.h"
#include "stack/tcp/tcp_seq.h"
#include "stack/wire/describe.h"
#include "stack/wire/ipv4.h"
#include "stack/wire/tcp.h"

#define SEED_SRC 0x0a000002u /* 10.0.0.2 */
#define SEED_DST 0x8efac48eu /* 142.250.196.142 */

/* The seed's SYN (packet 22): 53747 -> 80 [SYN] Seq=0 Win=65535 Len=0 MSS=1460 WS=64
 * TSval=596778860 TSecr=0 SACK_PERM, raw ISN 2632373117, with the checksum for
 * 10.0.0.2 -> 142.250.196.142 computed independently. */
static const uint8_t seed_syn[44] = {
    0xd1, 0xf3, 0x00, 0x50, 0x9c, 0xe6, 0xd3, 0x7d, 0x00, 0x00, 0x00, 0x00, 0xb0, 0x02, 0xff,
    0xff, 0x53, 0xcb, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x01, 0x03, 0x03, 0x06, 0x01, 0x01,
    0x08, 0x0a, 0x23, 0x92, 0x1f, 0x6c, 0x00, 0x00, 0x00, 0x00, 0x04, 0x02, 0x00, 0x00};

static void
rfc9293_3_1_parse_seed_syn(void)
{
        struct tcp_hdr h;

        CU_ASSERT_EQUAL(tcp_hdr_parse(seed_syn, sizeof(seed_syn), &h), 44);
        CU_ASSERT_EQUAL(h.sport, 53747);
        CU_ASSERT_EQUAL(h.dport, 80);
        CU_ASSERT_EQUAL(h.seq, 2632373117u);
        CU_ASSERT_EQUAL(h.ack, 0);
        CU_ASSERT_EQUAL(h.flags, TCP_SYN);
        CU_ASSERT_EQUAL(h.wnd, 65535);
        CU_ASSERT(h.opts.has_mss && h.opts.mss == 1460);
        CU_ASSERT(h.opts.has_ws && h.opts.ws == 6);
        CU_ASSERT(h.opts.has_ts && h.opts.tsval == 596778860u && h.opts.tsecr == 0);
        CU_ASSERT(h.opts.sack_perm);
        CU_ASSERT_EQUAL(h.opts.n_sack, 0);
        CU_ASSERT(tcp_csum_ok(seed_syn, sizeof(seed_syn), SEED_SRC, SEED_DST));
}

static void
rfc9293_3_1_emit_seed_syn_identical(void)
{
        struct tcp_hdr h;
        uint8_t out[64];

        CU_ASSERT_EQUAL(tcp_hdr_parse(seed_syn, sizeof(seed_syn), &h), 44);
        h.opts.eol = true;
        memset(out, 0xee, sizeof(out));
        CU_ASSERT_EQUAL(tcp_hdr_emit(&h, out, 0, SEED_SRC, SEED_DST), 44);
        CU_ASSERT_EQUAL(memcmp(out, seed_syn, sizeof(seed_syn)), 0);
}

static void
rfc9293_3_1_every_truncation_rejected(void)
{
        struct tcp_hdr h;

        for (size_t n = 0; n < sizeof(seed_syn); n++)
                CU_ASSERT_EQUAL(tcp_hdr_parse(seed_syn, n, &h), -EBADMSG);
}

static void
rfc9293_3_1_data_offset_below_five_rejected(void)
{
        uint8_t b[44];
        struct tcp_hdr h;

        memcpy(b, seed_syn, sizeof(b));
        b[12] = 4 << 4;
        CU_ASSERT_EQUAL(tcp_hdr_parse(b, sizeof(b), &h), -EBADMSG);
        b[12] = 15 << 4; /* 60 bytes claimed, 44 present */
        CU_ASSERT_EQUAL(tcp_hdr_parse(b, sizeof(b), &h), -EBADMSG);
}

static void
rfc9293_must7_option_length_zero_or_one_rejected(void)
{
        struct tcp_opts o;
        const uint8_t zero[] = {TCP_OPT_MSS, 0, 5, 0xb4};
        const uint8_t one[] = {30, 1, 1, 1};
        const uint8_t last_kind[] = {1, 1, 1, TCP_OPT_MSS}; /* length byte missing */

        CU_ASSERT_EQUAL(tcp_opts_parse(zero, sizeof(zero), &o), -EBADMSG);
        CU_ASSERT_EQUAL(tcp_opts_parse(one, sizeof(one), &o), -EBADMSG);
        CU_ASSERT_EQUAL(tcp_opts_parse(last_kind, sizeof(last_kind), &o), -EBADMSG);
}

static void
rfc9293_must7_option_crossing_data_offset_rejected(void)
{
        struct tcp_opts o;
        const uint8_t cross[] = {1, 1, TCP_OPT_TS, 10, 0, 0, 0, 1}; /* TS needs 10, 6 left */

        CU_ASSERT_EQUAL(tcp_opts_parse(cross, sizeof(cross), &o), -EBADMSG);
}

static void
rfc9293_must68_wrong_length_known_option_ignored(void)
{
        struct tcp_opts o;
        const uint8_t bad[] = {TCP_OPT_MSS, 3, 5, TCP_OPT_WS, 4, 7, 0, TCP_OPT_TS,        8,
                               0,           0, 0, 1,          0, 0, 0, TCP_OPT_SACK_PERM, 3,
                               0,           1};

        CU_ASSERT_EQUAL(tcp_opts_parse(bad, sizeof(bad), &o), 0);
        CU_ASSERT_FALSE(o.has_mss);
        CU_ASSERT_FALSE(o.has_ws);
        CU_ASSERT_FALSE(o.has_ts);
        CU_ASSERT_FALSE(o.sack_perm);
}

static void
rfc9293_must6_unknown_option_skipped(void)
{
        struct tcp_opts o;
        const uint8_t unk[] = {30, 6, 9, 9, 9, 9, TCP_OPT_MSS, 4, 0x02, 0x18};

        CU_ASSERT_EQUAL(tcp_opts_parse(unk, sizeof(unk), &o), 0);
        CU_ASSERT(o.has_mss && o.mss == 536);
}

static void
rfc9293_must64_unaligned_options_and_eol(void)
{
        struct tcp_opts o;
        const uint8_t odd[] = {TCP_OPT_NOP, TCP_OPT_MSS, 4,           0x05,        0xb4, TCP_OPT_WS,
                               3,           2,           TCP_OPT_EOL, TCP_OPT_MSS, 0,    0};

        /* Everything after EOL is padding, even bytes that would be illegal as options. */
        CU_ASSERT_EQUAL(tcp_opts_parse(odd, sizeof(odd), &o), 0);
        CU_ASSERT(o.has_mss && o.mss == 1460);
        CU_ASSERT(o.has_ws && o.ws == 2);
}

static void
rfc2018_3_sack_blocks_round_trip(void)
{
        struct tcp_opts o = {.has_ts = true, .tsval = 7, .tsecr = 9, .n_sack = 4};
        struct tcp_opts back;
        uint8_t buf[40];
        size_t n;

        for (unsigned i = 0; i < 4; i++) {
                o.sack[i].left = 1000u * (i + 1);
                o.sack[i].right = 1000u * (i + 1) + 500;
        }
        /* With timestamps only three blocks fit in 40 bytes (RFC 2018 3). */
        n = tcp_opts_emit(&o, buf);
        CU_ASSERT_EQUAL(n, 12 + 4 + 24);
        CU_ASSERT_EQUAL(n, tcp_opts_len(&o));
        CU_ASSERT_EQUAL(tcp_opts_parse(buf, n, &back), 0);
        CU_ASSERT(back.has_ts && back.tsval == 7 && back.tsecr == 9);
        CU_ASSERT_EQUAL(back.n_sack, 3);
        CU_ASSERT_EQUAL(back.sack[2].left, 3000);
        CU_ASSERT_EQUAL(back.sack[2].right, 3500);
}

static void
rfc2018_3_sack_bad_length_ignored(void)
{
        struct tcp_opts o;
        const uint8_t bad[] = {TCP_OPT_SACK, 7, 0, 0, 0, 1, 0};

        CU_ASSERT_EQUAL(tcp_opts_parse(bad, sizeof(bad), &o), 0);
        CU_ASSERT_EQUAL(o.n_sack, 0);
}

static void
rfc9293_3_4_sequence_comparisons_wrap(void)
{
        CU_ASSERT(seq_lt(0xfffffff0u, 0x10u));
        CU_ASSERT(seq_gt(0x10u, 0xfffffff0u));
        CU_ASSERT(seq_leq(5, 5) && seq_geq(5, 5));
        CU_ASSERT_FALSE(seq_lt(5, 5));
        CU_ASSERT(seq_in(0xfffffffeu, 0xfffffff0u, 0x20u));
        CU_ASSERT(seq_in(0x1u, 0xfffffff0u, 0x20u));
        CU_ASSERT_FALSE(seq_in(0x20u, 0xfffffff0u, 0x20u));
        CU_ASSERT_EQUAL(seq_max(0xfffffff0u, 0x10u), 0x10u);
        CU_ASSERT_EQUAL(seq_min(0xfffffff0u, 0x10u), 0xfffffff0u);
}

static void
ring_wraps_and_keeps_out_of_order_bytes(void)
{
        struct ring r;
        uint8_t out[16];

        CU_ASSERT_EQUAL(ring_init(&r, 8), 0);
        CU_ASSERT_EQUAL(ring_write(&r, "abcdef", 6), 6);
        CU_ASSERT_EQUAL(ring_read(&r, out, 4), 4);
        CU_ASSERT_EQUAL(memcmp(out, "abcd", 4), 0);
        /* Out-of-order bytes two past the tail, across the wrap point. */
        CU_ASSERT_EQUAL(ring_write_at(&r, 2, "XYZ", 3), 3);
        CU_ASSERT_EQUAL(ring_read(&r, out, 2), 2); /* the head moves; XYZ must stay put */
        CU_ASSERT_EQUAL(ring_write(&r, "gh", 2), 2);
        ring_commit(&r, 3);
        CU_ASSERT_EQUAL(ring_len(&r), 5);
        CU_ASSERT_EQUAL(ring_peek(&r, 0, out, 16), 5);
        CU_ASSERT_EQUAL(memcmp(out, "ghXYZ", 5), 0);
        CU_ASSERT_EQUAL(ring_write(&r, "123456789", 9), 3);
        CU_ASSERT_EQUAL(ring_space(&r), 0);
        CU_ASSERT_EQUAL(ring_write_at(&r, 0, "q", 1), 0);
        ring_free(&r);
}

static void
describe_tcp_seed_exchange_relative(void)
{
        struct describe_state ds;
        struct ipv4_hdr ih = {.src = SEED_SRC, .dst = SEED_DST, .proto = IPV4_PROTO_TCP};
        struct tcp_hdr h = {0};
        uint8_t b[64];
        char line[256];

        memset(&ds, 0, sizeof(ds));
        describe_tcp(&ds, &ih, seed_syn, sizeof(seed_syn), 78, line, sizeof(line));
        CU_ASSERT_STRING_EQUAL(line, "10.0.0.2 -> 142.250.196.142 TCP 78 53747 -> 80 [SYN] Seq=0 "
                                     "Win=65535 Len=0 MSS=1460 WS=64 TSval=596778860 TSecr=0 "
                                     "SACK_PERM");
        /* The SYN,ACK (Linux option order) and the third segment with the scaled window. */
        ih.src = SEED_DST;
        ih.dst = SEED_SRC;
        h.sport = 80;
        h.dport = 53747;
        h.seq = 2691239502u;
        h.ack = 2632373118u;
        h.flags = TCP_SYN | TCP_ACK;
        h.wnd = 65535;
        h.opts.has_mss = true;
        h.opts.mss = 1412;
        h.opts.has_ws = true;
        h.opts.ws = 8;
        h.opts.has_ts = true;
        h.opts.tsval = 3455834059u;
        h.opts.tsecr = 596778860u;
        h.opts.sack_perm = true;
        tcp_hdr_emit(&h, b, 0, ih.src, ih.dst);
        describe_tcp(&ds, &ih, b, 44, 74, line, sizeof(line));
        CU_ASSERT_STRING_EQUAL(line, "142.250.196.142 -> 10.0.0.2 TCP 74 80 -> 53747 [SYN, ACK] "
                                     "Seq=0 Ack=1 Win=65535 Len=0 MSS=1412 WS=256 TSval=3455834059 "
                                     "TSecr=596778860 SACK_PERM");
        memset(&h, 0, sizeof(h));
        h.sport = 53747;
        h.dport = 80;
        h.seq = 2632373118u;
        h.ack = 2691239503u;
        h.flags = TCP_ACK;
        h.wnd = 2056;
        h.opts.has_ts = true;
        h.opts.tsval = 596778896u;
        h.opts.tsecr = 3455834059u;
        tcp_hdr_emit(&h, b, 0, SEED_SRC, SEED_DST);
        ih.src = SEED_SRC;
        ih.dst = SEED_DST;
        describe_tcp(&ds, &ih, b, 32, 66, line, sizeof(line));
        CU_ASSERT_STRING_EQUAL(line, "10.0.0.2 -> 142.250.196.142 TCP 66 53747 -> 80 [ACK] Seq=1 "
                                     "Ack=1 Win=131584 Len=0 TSval=596778896 TSecr=3455834059");
}

static void
describe_tcp_malformed_never_overreads(void)
{
        struct describe_state ds;
        struct ipv4_hdr ih = {.src = SEED_SRC, .dst = SEED_DST, .proto = IPV4_PROTO_TCP};
        char line[64];

        memset(&ds, 0, sizeof(ds));
        for (size_t n = 0; n < 44; n++) {
                describe_tcp(&ds, &ih, seed_syn, n, n + 34, line, sizeof(line));
                CU_ASSERT_PTR_NOT_NULL(strstr(line, "[Malformed Packet]"));
        }
        describe_tcp(&ds, &ih, seed_syn, sizeof(seed_syn), 78, line, 8); /* short buffer */
        CU_ASSERT_EQUAL(strlen(line), 7);
}

void
suite_tcp_wire(void)
{
        CU_pSuite su = CU_add_suite("tcp_wire", NULL, NULL);

        CU_add_test(su, "rfc9293_3_1_parse_seed_syn", rfc9293_3_1_parse_seed_syn);
        CU_add_test(su, "rfc9293_3_1_emit_seed_syn_identical", rfc9293_3_1_emit_seed_syn_identical);
        CU_add_test(su, "rfc9293_3_1_every_truncation_rejected",
                    rfc9293_3_1_every_truncation_rejected);
        CU_add_test(su, "rfc9293_3_1_data_offset_below_five_rejected",
                    rfc9293_3_1_data_offset_below_five_rejected);
        CU_add_test(su, "rfc9293_must7_option_length_zero_or_one_rejected",
                    rfc9293_must7_option_length_zero_or_one_rejected);
        CU_add_test(su, "rfc9293_must7_option_crossing_data_offset_rejected",
                    rfc9293_must7_option_crossing_data_offset_rejected);
        CU_add_test(su, "rfc9293_must68_wrong_length_known_option_ignored",
                    rfc9293_must68_wrong_length_known_option_ignored);
        CU_add_test(su, "rfc9293_must6_unknown_option_skipped",
                    rfc9293_must6_unknown_option_skipped);
        CU_add_test(su, "rfc9293_must64_unaligned_options_and_eol",
                    rfc9293_must64_unaligned_options_and_eol);
        CU_add_test(su, "rfc2018_3_sack_blocks_round_trip", rfc2018_3_sack_blocks_round_trip);
        CU_add_test(su, "rfc2018_3_sack_bad_length_ignored", rfc2018_3_sack_bad_length_ignored);
        CU_add_test(su, "rfc9293_3_4_sequence_comparisons_wrap",
                    rfc9293_3_4_sequence_comparisons_wrap);
        CU_add_test(su, "ring_wraps_and_keeps_out_of_order_bytes",
                    ring_wraps_and_keeps_out_of_order_bytes);
        CU_add_test(su, "describe_tcp_seed_exchange_relative", describe_tcp_seed_exchange_relative);
        CU_add_test(su, "describe_tcp_malformed_never_overreads",
                    describe_tcp_malformed_never_overreads);
}

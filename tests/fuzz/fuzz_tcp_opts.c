/* Fuzz target (c): TCP header and option parsing (RFC 9293 3.1-3.2, MUST-6/7/64/68; RFC 7323;
 * RFC 2018), the bug class of SACK Panic and of option-length crashes. The input is parsed as
 * an option list and as a whole segment; whatever parses must survive an emit/parse round
 * trip unchanged, and the Wireshark-style describer must cope with the same bytes. */
#include <stdint.h>
#include <string.h>

#include "stack/wire/describe.h"
#include "stack/wire/ipv4.h"
#include "stack/wire/tcp.h"
#include "tests/fuzz/harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* SACK blocks that tcp_opts_emit can fit next to the other options (RFC 2018 3). */
static unsigned
sack_fit(const struct tcp_opts *o)
{
        size_t fixed = (o->has_mss ? 4u : 0u) + (o->has_ws ? 4u : 0u) + (o->has_ts ? 12u : 0u) +
                       (o->sack_perm ? 4u : 0u);
        unsigned n = o->n_sack;

        while (n > 0 && fixed + 4 + 8 * n > TCP_MAX_OPT_LEN)
                n--;
        return n;
}

static void
check_same_opts(const struct tcp_opts *a, const struct tcp_opts *b)
{
        unsigned ns = sack_fit(a);

        if (a->has_mss != b->has_mss || (a->has_mss && a->mss != b->mss))
                fz_fail("MSS changed in an emit/parse round trip");
        if (a->has_ws != b->has_ws || (a->has_ws && a->ws != b->ws))
                fz_fail("window scale changed in an emit/parse round trip");
        if (a->has_ts != b->has_ts || (a->has_ts && (a->tsval != b->tsval || a->tsecr != b->tsecr)))
                fz_fail("timestamps changed in an emit/parse round trip");
        if (a->sack_perm != b->sack_perm)
                fz_fail("SACK-permitted changed in an emit/parse round trip");
        if (b->n_sack != ns || memcmp(a->sack, b->sack, ns * sizeof(a->sack[0])) != 0)
                fz_fail("SACK blocks changed in an emit/parse round trip (%u -> %u)", ns,
                        b->n_sack);
}

static void
opts_round_trip(const uint8_t *data, size_t size)
{
        struct tcp_opts o, o2;
        uint8_t buf[TCP_MAX_OPT_LEN + 8];
        size_t n;

        if (tcp_opts_parse(data, size, &o) < 0)
                return;
        if (o.n_sack > TCP_MAX_SACK_BLOCKS)
                fz_fail("%u SACK blocks parsed, at most %u fit", o.n_sack, TCP_MAX_SACK_BLOCKS);
        o.eol = false;
        n = tcp_opts_len(&o);
        if (n > TCP_MAX_OPT_LEN || n % 4 != 0)
                fz_fail("tcp_opts_len %zu is not a padded length within 40", n);
        if (tcp_opts_emit(&o, buf) != n)
                fz_fail("tcp_opts_emit wrote other than tcp_opts_len bytes");
        if (tcp_opts_parse(buf, n, &o2) < 0)
                fz_fail("our own option bytes do not parse");
        check_same_opts(&o, &o2);
}

static void
hdr_round_trip(const uint8_t *data, size_t size)
{
        struct tcp_hdr h, h2;
        uint8_t buf[TCP_MAX_HDR_LEN + 8];
        int hl = tcp_hdr_parse(data, size, &h);
        size_t n;

        if (hl < 0)
                return;
        if (hl < TCP_HDR_LEN || (size_t)hl > size || hl > TCP_MAX_HDR_LEN)
                fz_fail("tcp_hdr_parse returned header length %d for %zu bytes", hl, size);
        (void)tcp_csum_ok(data, size, FZ_ADDR_PEER, FZ_ADDR_STACK);
        h.opts.eol = false;
        n = tcp_hdr_emit(&h, buf, 0, FZ_ADDR_PEER, FZ_ADDR_STACK);
        if (tcp_hdr_parse(buf, n, &h2) != (int)n ||
            !tcp_csum_ok(buf, n, FZ_ADDR_PEER, FZ_ADDR_STACK))
                fz_fail("our own header does not parse or has a bad checksum");
        if (h.sport != h2.sport || h.dport != h2.dport || h.seq != h2.seq || h.ack != h2.ack ||
            h.flags != h2.flags || h.wnd != h2.wnd || h.urp != h2.urp)
                fz_fail("header fields changed in an emit/parse round trip");
        check_same_opts(&h.opts, &h2.opts);
}

/* The describer reads the options again on its own (describe_tcp.c). */
static void
describe(const uint8_t *data, size_t size)
{
        static const uint8_t ip[IPV4_HDR_LEN] = {0x45, 0, 0,  0, 0, 0, 0,  0, 64, IPV4_PROTO_TCP,
                                                 0,    0, 10, 0, 0, 1, 10, 0, 0,  2};
        uint8_t pkt[IPV4_HDR_LEN + TCP_MAX_HDR_LEN + 64];
        struct describe_state ds;
        char out[512];
        size_t n = size < sizeof(pkt) - IPV4_HDR_LEN ? size : sizeof(pkt) - IPV4_HDR_LEN;

        memset(&ds, 0, sizeof(ds));
        memcpy(pkt, ip, IPV4_HDR_LEN);
        memcpy(pkt + IPV4_HDR_LEN, data, n);
        pkt[2] = (uint8_t)((IPV4_HDR_LEN + n) >> 8);
        pkt[3] = (uint8_t)(IPV4_HDR_LEN + n);
        fz_fix_ipv4(pkt, IPV4_HDR_LEN + n);
        if (frame_describe(&ds, pkt, IPV4_HDR_LEN + n, 1, out, sizeof(out)) >= sizeof(out))
                fz_fail("frame_describe overran its output");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        opts_round_trip(data, size);
        hdr_round_trip(data, size);
        describe(data, size);
        return 0;
}

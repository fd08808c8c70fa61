/* Fuzz target (d): IPv4 reassembly (RFC 791 3.2, RFC 815, RFC 1122 3.3.2) with arbitrary
 * fragment sequences: overlaps (teardrop), datagrams over 65535 bytes (ping of death),
 * floods of half-finished datagrams, timeouts. Frames get valid header checksums so that
 * every one reaches reassembly.
 * Input: fragments as [CTL][OFF16][LEN16][data]. OFF16 & 0x1fff is the offset in 8-byte
 * units, OFF16 & 0x8000 sets MF. CTL & 3 picks one of four datagram IDs; CTL bits 2-3 the
 * protocol (ICMP, UDP, TCP, 253); CTL bit 4 takes the payload bytes from a canonical ICMP echo
 * request (valid checksum, REASS_ECHO_LEN bytes) instead of from the input, so whole echoes
 * can be reassembled and answered (with fragmented replies); CTL bits 5-7 let time pass. */
#include <stdint.h>
#include <string.h>

#include "stack/wire/bytes.h"
#include "stack/wire/csum.h"
#include "stack/wire/ipv4.h"
#include "tests/fuzz/harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FRAGMENTS 256
#define FRAG_PAYLOAD_MAX 1480 /* 1500-byte MTU minus the IPv4 header */
#define REASS_ECHO_LEN 4000   /* three full fragments and a short last one */

static const uint8_t protos[4] = {1, 17, 6, 253};
/* Seconds to let pass after a fragment: around the 30 s reassembly timeout too. */
static const uint32_t waits_s[8] = {0, 0, 0, 1, 5, 15, 29, 31};

struct reass_fuzz {
        struct manual_clock clk;
        struct fz_link link;
        struct stack *s;
        uint8_t echo[REASS_ECHO_LEN];
};

static void
echo_init(uint8_t *e)
{
        for (size_t i = 0; i < REASS_ECHO_LEN; i++)
                e[i] = (uint8_t)(i * 7);
        e[0] = 8; /* ICMP echo request (RFC 792) */
        e[1] = 0;
        put16(e + 2, 0);
        put16(e + 4, 0x4242);
        put16(e + 6, 1);
        put16(e + 2, csum(e, REASS_ECHO_LEN));
}

/* Replies leave fragmented: each fragment must fit the MTU and carry a valid header. */
static void
check_tx(void *ctx, const uint8_t *ip, size_t len)
{
        struct ipv4_hdr h;

        (void)ctx;
        if (len > 1500)
                fz_fail("sent a %zu-byte packet on a 1500-byte link", len);
        if (ipv4_hdr_parse(ip, len, &h, NULL) < 0)
                fz_fail("sent a packet whose IPv4 header does not parse");
}

static void
send_fragment(struct reass_fuzz *f, struct fz_in *in)
{
        uint8_t pkt[IPV4_HDR_LEN + FRAG_PAYLOAD_MAX];
        uint8_t ctl = fz_u8(in);
        uint16_t off16 = fz_u16(in);
        size_t want = fz_u16(in) % (FRAG_PAYLOAD_MAX + 1), off = (size_t)(off16 & 0x1fff) * 8;
        const uint8_t *d;
        size_t n;

        memset(pkt, 0, sizeof(pkt));
        if (ctl & 0x10) {
                n = off < REASS_ECHO_LEN ? REASS_ECHO_LEN - off : 0;
                n = n < want ? n : want;
                if (n > 0)
                        memcpy(pkt + IPV4_HDR_LEN, f->echo + off, n);
        } else {
                n = fz_bytes(in, want, &d);
                memcpy(pkt + IPV4_HDR_LEN, d, n);
        }
        pkt[0] = 0x45;
        put16(pkt + 2, (uint16_t)(IPV4_HDR_LEN + want));
        put16(pkt + 4, (uint16_t)(0x100 + (ctl & 3)));
        put16(pkt + 6, (uint16_t)((off16 & 0x8000 ? IPV4_FLAG_MF : 0) | (off16 & 0x1fff)));
        pkt[8] = 64;
        pkt[9] = protos[(ctl >> 2) & 3];
        put32(pkt + 12, FZ_ADDR_PEER);
        put32(pkt + 16, FZ_ADDR_STACK);
        put16(pkt + 10, csum(pkt, IPV4_HDR_LEN));
        fz_link_deliver(f->s, &f->link, pkt, IPV4_HDR_LEN + want);
        f->clk.now_us += (uint64_t)waits_s[ctl >> 5] * 1000000u;
        stack_poll(f->s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct fz_in in = {data, size, 0};
        struct reass_fuzz f;

        memset(&f, 0, sizeof(f));
        echo_init(f.echo);
        f.clk.now_us = FZ_START_US;
        f.link.on_tx = check_tx;
        f.s = fz_stack_new(&f.clk, LINK_RAW_IPV4, &fz_link_ops, &f.link);
        for (int i = 0; i < MAX_FRAGMENTS && fz_left(&in) > 0; i++)
                send_fragment(&f, &in);
        /* Half-finished datagrams must all time out and free their memory. */
        fz_settle_and_check(f.s, &f.clk, f.clk.now_us + 120u * 1000000u, 1000);
        stack_destroy(f.s);
        return 0;
}

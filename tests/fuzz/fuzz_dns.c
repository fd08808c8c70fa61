/* Fuzz target (b): the DNS message parser (RFC 1035 4.1, bounded name decompression 4.1.4:
 * the NAME:WRECK and AMNESIA:33 bug class) and the resolver's reply path (RFC 5452 9.1,
 * RFC 1034 3.6.2 CNAME chains) through a real stack.
 * Input: SEL, then messages as [CTL][LEN16][LEN bytes]. SEL picks the name and type asked;
 * each message is parsed on its own, checked against the query, and delivered as a UDP reply
 * from the server (CTL bit 0: keep the message's own ID instead of the query's; bit 1: from a
 * port other than 53; bits 2-4: seconds to let pass afterwards). */
#include <stdint.h>
#include <string.h>

#include "stack/dns.h"
#include "stack/dns/resolver.h"
#include "stack/wire/bytes.h"
#include "stack/wire/dns.h"
#include "stack/wire/ipv4.h"
#include "stack/wire/udp.h"
#include "tests/fuzz/harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_MESSAGES 8
#define MAX_RECORDS 64       /* records read per message by the direct parse */
#define DNS_RX_FUZZ_MAX 1472 /* the UDP payload of one 1500-byte datagram */

/* The names of the seed captures (the SEED exchange and tests/netns/test_dns.sh). */
static const char *const names[] = {"google.com",       "a.example.test",  "www.example.test",
                                    "two.example.test", "v6.example.test", "nx.example.test"};
#define N_NAMES (sizeof(names) / sizeof(names[0]))

struct dns_fuzz {
        struct manual_clock clk;
        struct fz_link link;
        struct stack *s;
        const char *name;
        uint16_t qtype;
        int pending;    /* queries started and not yet called back */
        uint16_t sport; /* the current query's source port */
        uint16_t txid;  /* and its ID, both read from the query frame */
        bool have_query;
};

static void
check_text_name(const struct dns_name *n)
{
        char text[DNS_NAME_TEXT_MAX];
        struct dns_name back;
        uint8_t wire[DNS_NAME_MAX + 1];
        size_t off = 0, roff = 0;
        int len = dns_name_to_text(n, text, sizeof(text));

        if (len >= (int)sizeof(text))
                fz_fail("dns_name_to_text returned %d for a %zu-byte buffer", len, sizeof(text));
        if (n->len == 0)
                fz_fail("a parsed name has %u octets", n->len);
        if (dns_name_write(n, wire, sizeof(wire), &off) < 0)
                fz_fail("a parsed name does not write back");
        if (dns_name_read(wire, off, &roff, &back) < 0 || !dns_name_equal(n, &back) || roff != off)
                fz_fail("a parsed name does not survive a write/read round trip");
}

/* The wire layer alone: every question and record, every name in them. */
static void
parse_direct(const uint8_t *msg, size_t len)
{
        struct dns_msg m;
        struct dns_question q;
        struct dns_rr rr;
        char info[256];
        size_t off;
        unsigned n;

        if (dns_describe(msg, len, info, sizeof(info)) >= sizeof(info))
                fz_fail("dns_describe overran its output");
        if (dns_msg_parse(msg, len, &m) < 0)
                return;
        if (m.qd_off != DNS_HDR_LEN || m.an_off > len)
                fz_fail("dns_msg_parse offsets out of the message");
        off = m.qd_off;
        for (unsigned i = 0; i < m.hdr.qdcount && dns_question_read(&m, &off, &q) == 0; i++)
                check_text_name(&q.name);
        off = m.an_off;
        n = (unsigned)m.hdr.ancount + m.hdr.nscount + m.hdr.arcount;
        for (unsigned i = 0; i < n && i < MAX_RECORDS && dns_rr_read(&m, &off, &rr) == 0; i++) {
                if (off > len || rr.rdata_off + rr.rdlength > len)
                        fz_fail("dns_rr_read moved past the message");
                check_text_name(&rr.name);
                if (rr.type == DNS_TYPE_CNAME || rr.type == DNS_TYPE_NS || rr.type == DNS_TYPE_PTR)
                        check_text_name(&rr.data.name);
        }
}

static void
check_result(int status, const struct dns_result *r)
{
        if (r->n_names > DNS_MAX_CNAMES + 1 || r->n_addrs > DNS_MAX_ADDRS)
                fz_fail("dns_result holds %u names and %u addresses", r->n_names, r->n_addrs);
        for (unsigned i = 0; i < r->n_names; i++)
                if (strnlen(r->names[i], DNS_RESULT_NAME_LEN) == DNS_RESULT_NAME_LEN)
                        fz_fail("dns_result name %u is not terminated", i);
        if (status == 0 && r->n_addrs == 0 && !r->numeric)
                fz_fail("success without an address");
}

static void
reply_check_direct(const uint8_t *msg, size_t len, uint16_t id, const struct dns_fuzz *f)
{
        struct dns_name qname;
        struct dns_result r;
        int status = 0;

        memset(&r, 0, sizeof(r));
        if (dns_name_from_text(f->name, &qname) < 0)
                fz_fail("bad built-in name %s", f->name);
        if (dns_reply_check(msg, len, id, &qname, f->qtype, &status, &r) == DNS_CHECK_ANSWER)
                check_result(status, &r);
}

static void
done_cb(void *ctx, int status, const struct dns_result *r)
{
        struct dns_fuzz *f = ctx;

        f->pending--;
        check_result(status, r);
}

/* Find the query among the frames the stack sent (raw IPv4: IP header first). */
static void
sniff_query(struct dns_fuzz *f)
{
        for (unsigned k = 0; k < FZ_CAPTURE_FRAMES && k < f->link.tx_count; k++) {
                unsigned i = (f->link.tx_count - 1 - k) % FZ_CAPTURE_FRAMES;
                const uint8_t *ip = f->link.tx[i];
                size_t len = f->link.tx_len[i];

                if (len < IPV4_HDR_LEN + UDP_HDR_LEN + DNS_HDR_LEN || ip[9] != IPV4_PROTO_UDP ||
                    get16(ip + IPV4_HDR_LEN + 2) != DNS_PORT)
                        continue;
                f->sport = get16(ip + IPV4_HDR_LEN);
                f->txid = get16(ip + IPV4_HDR_LEN + UDP_HDR_LEN);
                f->have_query = true;
                return;
        }
}

static void
start_query(struct dns_fuzz *f)
{
        if (dns_resolve_type(f->s, f->name, f->qtype, done_cb, f) > 0)
                f->pending++;
        stack_poll(f->s);
        sniff_query(f);
}

static void
deliver_reply(struct dns_fuzz *f, uint8_t ctl, const uint8_t *msg, size_t len)
{
        uint8_t pkt[IPV4_HDR_LEN + UDP_HDR_LEN + DNS_RX_FUZZ_MAX];
        struct ipv4_hdr ih = {0};
        struct udp_hdr uh = {0};
        uint8_t *dns = pkt + IPV4_HDR_LEN + UDP_HDR_LEN;

        memcpy(dns, msg, len);
        if (!(ctl & 1) && len >= 2)
                put16(dns, f->txid); /* RFC 5452 9.1: the ID must match to get further */
        uh.sport = (ctl & 2) ? 5353 : DNS_PORT;
        uh.dport = f->sport;
        uh.len = (uint16_t)(UDP_HDR_LEN + len);
        udp_hdr_emit(&uh, pkt + IPV4_HDR_LEN, len, FZ_ADDR_PEER, FZ_ADDR_STACK);
        ih.hdr_len = IPV4_HDR_LEN;
        ih.total_len = (uint16_t)(IPV4_HDR_LEN + UDP_HDR_LEN + len);
        ih.id = 1;
        ih.ttl = 64;
        ih.proto = IPV4_PROTO_UDP;
        ih.src = FZ_ADDR_PEER;
        ih.dst = FZ_ADDR_STACK;
        ipv4_hdr_emit(&ih, pkt);
        fz_link_deliver(f->s, &f->link, pkt, ih.total_len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct fz_in in = {data, size, 0};
        struct dns_fuzz f;
        uint8_t sel = fz_u8(&in);

        memset(&f, 0, sizeof(f));
        f.clk.now_us = FZ_START_US;
        f.name = names[(sel & 0x7f) % N_NAMES];
        f.qtype = (sel & 0x80) ? DNS_QTYPE_AAAA : DNS_QTYPE_A;
        f.s = fz_stack_new(&f.clk, LINK_RAW_IPV4, &fz_link_ops, &f.link);
        start_query(&f);
        for (int i = 0; i < MAX_MESSAGES && fz_left(&in) > 0; i++) {
                uint8_t ctl = fz_u8(&in);
                const uint8_t *msg;
                size_t len = fz_bytes(&in, fz_u16(&in) % (DNS_RX_FUZZ_MAX + 1), &msg);

                parse_direct(msg, len);
                reply_check_direct(msg, len, f.have_query ? f.txid : 0, &f);
                if (f.have_query)
                        deliver_reply(&f, ctl, msg, len);
                f.clk.now_us += (uint64_t)((ctl >> 2) & 7) * 1000000u;
                stack_poll(f.s);
                if (f.pending == 0) /* answered or failed: ask again (cache, or a new query) */
                        start_query(&f);
        }
        /* Retries, timeouts and cache expiry all end within a few minutes. */
        fz_settle_and_check(f.s, &f.clk, f.clk.now_us + 600u * 1000000u, 1000);
        if (f.pending != 0)
                fz_fail("%d queries never called back", f.pending);
        stack_destroy(f.s);
        return 0;
}

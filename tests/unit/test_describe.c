/* frame_describe against tshark's Info column (Wireshark 4.0.17) for frames captured from Linux
 * kernels in namespaces (tests/data/capture_describe.sh -> tests/data/describe.pcap), plus
 * ARP (RFC 826, RFC 5227) and ICMP (RFC 792) variants checked against tshark on crafted frames. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stack/wire/arp.h"
#include "stack/wire/bytes.h"
#include "stack/wire/csum.h"
#include "stack/wire/describe.h"
#include "stack/wire/eth.h"
#include "stack/wire/icmp.h"
#include "stack/wire/ipv4.h"

#define PCAP_PATH "tests/data/describe.pcap"
#define PCAP_MAX_FRAMES 32
#define FRAME_MAX 1600

struct capture {
        size_t n;
        size_t len[PCAP_MAX_FRAMES];
        uint8_t frame[PCAP_MAX_FRAMES][FRAME_MAX];
};

/* Reads a classic little-endian microsecond pcap as tcpdump writes it; returns frames read. */
static size_t
capture_load(struct capture *c)
{
        uint8_t hdr[24], rec[16];
        FILE *f = fopen(PCAP_PATH, "rb");

        c->n = 0;
        if (!f)
                return 0;
        if (fread(hdr, 1, sizeof(hdr), f) != sizeof(hdr) || hdr[0] != 0xd4 || hdr[1] != 0xc3) {
                fclose(f);
                return 0;
        }
        while (c->n < PCAP_MAX_FRAMES && fread(rec, 1, sizeof(rec), f) == sizeof(rec)) {
                size_t incl = (size_t)rec[8] | (size_t)rec[9] << 8 | (size_t)rec[10] << 16 |
                              (size_t)rec[11] << 24;
                if (incl > FRAME_MAX || fread(c->frame[c->n], 1, incl, f) != incl)
                        break;
                c->len[c->n++] = incl;
        }
        fclose(f);
        return c->n;
}

/* tshark pads ICMP type names with spaces, prints U+2192 for "->" and appends cross-frame
 * notes such as "(request in 4)" that a per-frame describer cannot know; we compare without
 * those. Source, destination, protocol and length are joined by single spaces, as ours. */
static void
normalize(const char *in, char *out, size_t cap)
{
        size_t o = 0;
        const char *note;

        while (*in && o + 1 < cap) {
                if (strncmp(in, "\xe2\x86\x92", 3) == 0) {
                        in += 3;
                        if (o + 3 >= cap)
                                break;
                        memcpy(out + o, "->", 2);
                        o += 2;
                        continue;
                }
                if (*in == ' ' && o > 0 && out[o - 1] == ' ') {
                        in++;
                        continue;
                }
                out[o++] = *in++;
        }
        out[o] = '\0';
        while (o > 0 && out[o - 1] == ' ')
                out[--o] = '\0';
        note = strstr(out, " (request in ");
        if (!note)
                note = strstr(out, " (reply in ");
        if (note)
                out[note - out] = '\0';
}

/* tshark -r describe.pcap -T fields -e _ws.col.Source -e _ws.col.Destination
 *   -e _ws.col.Protocol -e frame.len -e _ws.col.Info, fields joined by one space. */
static const char *const tshark_lines[] = {
    "02:00:00:00:00:01 Broadcast ARP 42 ARP Announcement for 10.0.0.1",
    "02:00:00:00:00:01 Broadcast ARP 42 Who has 10.0.0.2? Tell 10.0.0.1",
    "02:00:00:00:00:fe 02:00:00:00:00:01 ARP 42 10.0.0.2 is at 02:00:00:00:00:fe",
    "10.0.0.1 10.0.0.2 ICMP 98 Echo (ping) request  id=0x30e6, seq=1/256, ttl=64",
    "10.0.0.2 10.0.0.1 ICMP 98 Echo (ping) reply    id=0x30e6, seq=1/256, ttl=64 (request in 4)",
    "10.0.0.1 10.0.0.2 IPv4 1514 Fragmented IP protocol (proto=ICMP 1, off=0, ID=1cef)",
    /* Frames 7 and 9 end a fragmented echo. tshark reassembles and shows the echo there; we
     * describe single frames, so the line is tshark's with -o ip.defragment:FALSE. */
    "10.0.0.1 10.0.0.2 IPv4 62 Fragmented IP protocol (proto=ICMP 1, off=1480, ID=1cef)",
    "10.0.0.2 10.0.0.1 IPv4 1514 Fragmented IP protocol (proto=ICMP 1, off=0, ID=b989)",
    "10.0.0.2 10.0.0.1 IPv4 62 Fragmented IP protocol (proto=ICMP 1, off=1480, ID=b989)",
    "10.0.0.1 198.51.100.2 ICMP 98 Echo (ping) request  id=0x30e8, seq=1/256, ttl=1",
    "10.0.0.2 10.0.0.1 ICMP 126 Time-to-live exceeded (Time to live exceeded in transit)",
    "10.0.0.1 10.0.0.2 UDP 47 60305 \xe2\x86\x92 9 Len=5",
    "10.0.0.2 10.0.0.1 ICMP 75 Destination unreachable (Port unreachable)",
    "10.0.0.1 10.0.0.2 IPv4 35 Unknown (253)",
    "10.0.0.2 10.0.0.1 ICMP 63 Destination unreachable (Protocol unreachable)",
    "02:00:00:00:00:01 Broadcast ARP 42 Who has 10.0.0.9? (ARP Probe)",
    "02:00:00:00:00:01 Broadcast ARP 42 Gratuitous ARP for 10.0.0.1 (Reply)",
    /* IPv6 gets one generic line (tshark: "ICMPv6 62 Echo (ping) request id=0x0077, seq=1,
     * hop limit=64"); only the addresses and length are compared. */
    "fe80::1 ff02::1 IPv6 62 Next header ICMPv6 (58), hop limit=64",
    "02:00:00:00:00:01 02:00:00:00:00:fe 0x9999 37 Ethernet II",
    "02:00:00:00:00:01 02:00:00:00:00:fe IPv4 18 [Malformed Packet]",
    "02:00:00:00:00:01 02:00:00:00:00:fe IPv4 34 Bogus IP header length (16, must be at least 20)",
    "02:00:00:00:00:01 02:00:00:00:00:fe IPv4 34 Bogus IP length (10, less than header length 20)",
};
#define N_LINES (sizeof(tshark_lines) / sizeof(tshark_lines[0]))

/* The expected line in our format: the first space becomes " -> " between the addresses. */
static void
expected_line(const char *tshark, char *out, size_t cap)
{
        char norm[256];
        const char *sp;

        normalize(tshark, norm, sizeof(norm));
        sp = strchr(norm, ' ');
        snprintf(out, cap, "%.*s -> %s", (int)(sp - norm), norm, sp + 1);
}

static void
wireshark_info_matches_tshark_on_kernel_capture(void)
{
        static struct capture c;
        struct describe_state ds;
        char want[256], got[256];

        memset(&ds, 0, sizeof(ds));
        if (capture_load(&c) != N_LINES) {
                CU_FAIL("cannot read " PCAP_PATH " (run the tests from the repository root)");
                return;
        }
        for (size_t i = 0; i < N_LINES; i++) {
                expected_line(tshark_lines[i], want, sizeof(want));
                frame_describe(&ds, c.frame[i], c.len[i], 0, got, sizeof(got));
                if (strcmp(want, got) != 0)
                        fprintf(stderr, "\nframe %zu:\n  tshark: %s\n  ours:   %s\n", i + 1, want,
                                got);
                CU_ASSERT_STRING_EQUAL(got, want);
        }
}

/* Every prefix of every captured frame, copied into a buffer of exactly that size so ASan
 * sees any read past it, gives a terminated line that fits the output. */
static void
truncated_frames_never_read_past_the_end(void)
{
        static struct capture c;
        struct describe_state ds;
        char out[256];

        memset(&ds, 0, sizeof(ds));
        CU_ASSERT_EQUAL_FATAL(capture_load(&c), N_LINES);
        for (size_t i = 0; i < c.n; i++) {
                for (size_t len = 0; len <= c.len[i] && len <= 200; len++) {
                        uint8_t *copy = malloc(len ? len : 1);
                        size_t n;

                        memcpy(copy, c.frame[i], len);
                        n = frame_describe(&ds, copy, len, 0, out, sizeof(out));
                        CU_ASSERT_EQUAL(n, strlen(out));
                        CU_ASSERT(n > 0);
                        n = frame_describe(&ds, len > 14 ? copy + 14 : copy,
                                           len > 14 ? len - 14 : len, 1, out, sizeof(out));
                        CU_ASSERT_EQUAL(n, strlen(out));
                        free(copy);
                }
        }
}

/* A small output buffer gets a terminated prefix of the full line, never more. */
static void
short_output_buffer_is_truncated_and_terminated(void)
{
        static struct capture c;
        struct describe_state ds;
        char full[256], small[256];

        memset(&ds, 0, sizeof(ds));
        CU_ASSERT_EQUAL_FATAL(capture_load(&c), N_LINES);
        for (size_t i = 0; i < c.n; i++) {
                size_t n = frame_describe(&ds, c.frame[i], c.len[i], 0, full, sizeof(full));
                for (size_t cap = 1; cap < 40; cap++) {
                        size_t m;

                        memset(small, 'x', sizeof(small));
                        m = frame_describe(&ds, c.frame[i], c.len[i], 0, small, cap);
                        CU_ASSERT(m < cap);
                        CU_ASSERT_EQUAL(m, strlen(small));
                        CU_ASSERT_EQUAL(small[cap], 'x');
                        CU_ASSERT_EQUAL(strncmp(small, full, m < n ? m : n), 0);
                }
        }
        CU_ASSERT_EQUAL(frame_describe(&ds, c.frame[0], c.len[0], 0, small, 0), 0);
}

/* A raw IP link (no Ethernet header) shows the same line for the same packet. */
static void
raw_ip_link_describes_the_packet(void)
{
        static struct capture c;
        struct describe_state ds;
        char got[256];

        memset(&ds, 0, sizeof(ds));
        CU_ASSERT_EQUAL_FATAL(capture_load(&c), N_LINES);
        frame_describe(&ds, c.frame[10] + ETH_HDR_LEN, c.len[10] - ETH_HDR_LEN, 1, got,
                       sizeof(got));
        CU_ASSERT_STRING_EQUAL(got, "10.0.0.2 -> 10.0.0.1 ICMP 112 Time-to-live exceeded (Time to "
                                    "live exceeded in transit)");
        frame_describe(&ds, c.frame[19] + ETH_HDR_LEN, c.len[19] - ETH_HDR_LEN, 1, got,
                       sizeof(got));
        CU_ASSERT_STRING_EQUAL(got, "IPv4 4 [Malformed Packet]");
        frame_describe(&ds, c.frame[17] + ETH_HDR_LEN, c.len[17] - ETH_HDR_LEN, 1, got,
                       sizeof(got));
        CU_ASSERT_STRING_EQUAL(got,
                               "fe80::1 -> ff02::1 IPv6 48 Next header ICMPv6 (58), hop limit=64");
}

/* Like tshark (checked on the same damage to a scapy-built echo), a wrong header checksum or
 * a total length past the end of the frame still shows the packet: the trace says what was
 * on the wire, and the drop counters say what the stack made of it. */
static void
damaged_headers_described_as_tshark_does(void)
{
        static struct capture c;
        struct describe_state ds;
        uint8_t f[FRAME_MAX];
        char got[256];
        const char *echo = "10.0.0.1 -> 10.0.0.2 ICMP %zu Echo (ping) request id=0x30e6, "
                           "seq=1/256, ttl=64";
        char want[256];

        memset(&ds, 0, sizeof(ds));
        CU_ASSERT_EQUAL_FATAL(capture_load(&c), N_LINES);
        memcpy(f, c.frame[3], c.len[3]);
        f[ETH_HDR_LEN + 10] ^= 0xff; /* header checksum */
        frame_describe(&ds, f, c.len[3], 0, got, sizeof(got));
        snprintf(want, sizeof(want), echo, c.len[3]);
        CU_ASSERT_STRING_EQUAL(got, want);
        frame_describe(&ds, c.frame[3], 60, 0, got, sizeof(got)); /* cut 38 bytes short */
        snprintf(want, sizeof(want), echo, (size_t)60);
        CU_ASSERT_STRING_EQUAL(got, want);
        memcpy(f, c.frame[3], c.len[3]);
        f[ETH_HDR_LEN] = 0x55; /* version 5 */
        frame_describe(&ds, f, c.len[3], 0, got, sizeof(got));
        CU_ASSERT_STRING_EQUAL(got, "02:00:00:00:00:01 -> 02:00:00:00:00:fe IPv4 98 Bogus IP "
                                    "version (5)");
        frame_describe(&ds, c.frame[3], 8, 0, got, sizeof(got));
        CU_ASSERT_STRING_EQUAL(got, "Ethernet 8 [Malformed Packet]");
}

static const uint8_t mac_a[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t mac_b[6] = {0x02, 0, 0, 0, 0, 0x02};

/* An Ethernet+ARP frame with op and the given addresses (RFC 826 layout). */
static size_t
arp_frame(uint8_t *f, uint16_t op, uint32_t spa, const uint8_t *tha, uint32_t tpa)
{
        struct eth_hdr eh = {.type = ETH_TYPE_ARP};
        struct arp_pkt a = {.op = op, .spa = spa, .tpa = tpa};

        memcpy(eh.dst, eth_broadcast, 6);
        memcpy(eh.src, mac_a, 6);
        memcpy(a.sha, mac_a, 6);
        memcpy(a.tha, tha, 6);
        eth_hdr_emit(&eh, f);
        arp_pkt_emit(&a, f + ETH_HDR_LEN);
        return ETH_HDR_LEN + ARP_PKT_LEN;
}

/* Expected Info texts are tshark 4.0.17's for the same frames built with scapy. */
static void
rfc5227_arp_variants_match_tshark(void)
{
        static const uint8_t zero[6] = {0};
        struct describe_state ds;
        uint8_t f[64];
        char got[256];
        const uint32_t a1 = 0x0a000001, a2 = 0x0a000002;
        const char *pre = "02:00:00:00:00:01 -> Broadcast ";
        struct {
                uint16_t op;
                uint32_t spa;
                const uint8_t *tha;
                uint32_t tpa;
                const char *want;
        } cases[] = {
            {1, a1, eth_broadcast, a1, "ARP 42 Gratuitous ARP for 10.0.0.1 (Request)"},
            {1, 0, eth_broadcast, a1, "ARP 42 Who has 10.0.0.1? Tell 0.0.0.0"},
            {1, 0, zero, 0, "ARP 42 ARP Announcement for 0.0.0.0"},
            {2, a1, zero, a1, "ARP 42 Gratuitous ARP for 10.0.0.1 (Reply)"},
            {2, 0, zero, a1, "ARP 42 0.0.0.0 is at 02:00:00:00:00:01"},
            {3, a1, mac_b, a2, "RARP 42 Who is 02:00:00:00:00:02? Tell 02:00:00:00:00:01"},
            {4, a1, mac_b, a2, "RARP 42 02:00:00:00:00:02 is at 10.0.0.2"},
            {8, a1, mac_b, a2, "Inverse ARP 42 Who is 02:00:00:00:00:02? Tell 02:00:00:00:00:01"},
            {9, a1, mac_b, a2, "Inverse ARP 42 02:00:00:00:00:01 is at 10.0.0.1"},
            {10, a1, mac_b, a2, "ARP 42 ARP NAK"},
            {0, a1, mac_b, a2, "ARP 42 Reserved opcode 0"},
            {0x1234, a1, mac_b, a2, "ARP 42 Unknown ARP opcode 0x1234"},
        };

        memset(&ds, 0, sizeof(ds));
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char want[256];
                size_t len = arp_frame(f, cases[i].op, cases[i].spa, cases[i].tha, cases[i].tpa);

                snprintf(want, sizeof(want), "%s%s", pre, cases[i].want);
                frame_describe(&ds, f, len, 0, got, sizeof(got));
                CU_ASSERT_STRING_EQUAL(got, want);
        }
        /* RFC 826 hlen/plen other than 6/4 cannot be shown (tshark: [Malformed Packet]). */
        arp_frame(f, 1, a1, zero, a2);
        f[ETH_HDR_LEN + 4] = 8;
        frame_describe(&ds, f, 42, 0, got, sizeof(got));
        CU_ASSERT_STRING_EQUAL(got, "02:00:00:00:00:01 -> Broadcast ARP 42 [Malformed Packet]");
        /* A protocol type other than IPv4 shows its addresses in hex, as tshark does. */
        arp_frame(f, 1, a1, zero, a2);
        f[ETH_HDR_LEN + 2] = 0x86;
        frame_describe(&ds, f, 42, 0, got, sizeof(got));
        CU_ASSERT_STRING_EQUAL(
            got, "02:00:00:00:00:01 -> Broadcast ARP 42 Who has 0a000002? Tell 0a000001");
}

/* A 10.0.0.1 -> 10.0.0.2 ICMP message of the given type and code with 28 bytes of body. */
static size_t
icmp_frame(uint8_t *f, uint8_t type, uint8_t code)
{
        struct eth_hdr eh = {.type = ETH_TYPE_IPV4};
        struct ipv4_hdr ih = {.total_len = 56,
                              .ttl = 64,
                              .proto = IPV4_PROTO_ICMP,
                              .src = 0x0a000001,
                              .dst = 0x0a000002};
        struct icmp_hdr h = {.type = type, .code = code};

        memcpy(eh.dst, mac_b, 6);
        memcpy(eh.src, mac_a, 6);
        eth_hdr_emit(&eh, f);
        ipv4_hdr_emit(&ih, f + ETH_HDR_LEN);
        memset(f + ETH_HDR_LEN + IPV4_HDR_LEN + ICMP_HDR_LEN, 0, 28);
        icmp_hdr_emit(&h, f + ETH_HDR_LEN + IPV4_HDR_LEN, 28);
        return ETH_HDR_LEN + 56;
}

/* RFC 792 types and codes; expected Info texts are tshark 4.0.17's for the same frames. */
static void
rfc792_icmp_types_and_codes_match_tshark(void)
{
        struct describe_state ds;
        uint8_t f[128];
        char got[256], want[256];
        struct {
                uint8_t type, code;
                const char *info;
        } cases[] = {
            {3, 0, "Destination unreachable (Network unreachable)"},
            {3, 1, "Destination unreachable (Host unreachable)"},
            {3, 4, "Destination unreachable (Fragmentation needed)"},
            {3, 13, "Destination unreachable (Communication administratively filtered)"},
            {3, 15, "Destination unreachable (Precedence cutoff in effect)"},
            {3, 16, "Destination unreachable (Unknown code: 16)"},
            {4, 0, "Source quench (flow control)"},
            {5, 1, "Redirect (Redirect for host)"},
            {5, 4, "Redirect (Unknown code: 4)"},
            {6, 0, "Alternate host address (Alternate address for host)"},
            {7, 0, "Unknown ICMP (obsolete or malformed?)"},
            {10, 3, "Router solicitation"},
            {11, 1, "Time-to-live exceeded (Fragment reassembly time exceeded)"},
            {11, 2, "Time-to-live exceeded (Unknown code: 2)"},
            {12, 0, "Parameter problem (Pointer indicates the error)"},
            {12, 2, "Parameter problem (Bad length)"},
            {13, 0, "Timestamp request id=0x0000, seq=0/0, ttl=64"},
            {18, 5, "Address mask reply id=0x0000, seq=0/0, ttl=64"},
            {19, 0, "Reserved (for security)"},
            {44, 0, "Unknown ICMP (obsolete or malformed?)"},
        };

        memset(&ds, 0, sizeof(ds));
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                size_t len = icmp_frame(f, cases[i].type, cases[i].code);

                snprintf(want, sizeof(want), "10.0.0.1 -> 10.0.0.2 ICMP 70 %s", cases[i].info);
                frame_describe(&ds, f, len, 0, got, sizeof(got));
                CU_ASSERT_STRING_EQUAL(got, want);
        }
        /* A 4-byte ICMP message is shorter than the RFC 792 header. */
        icmp_frame(f, 8, 0);
        put16(f + ETH_HDR_LEN + 2, 24);
        put16(f + ETH_HDR_LEN + 10, 0);
        put16(f + ETH_HDR_LEN + 10, csum(f + ETH_HDR_LEN, IPV4_HDR_LEN));
        frame_describe(&ds, f, ETH_HDR_LEN + 24, 0, got, sizeof(got));
        CU_ASSERT_STRING_EQUAL(got, "10.0.0.1 -> 10.0.0.2 ICMP 38 [Malformed Packet]");
}

void
suite_describe(void)
{
        CU_pSuite su = CU_add_suite("describe", NULL, NULL);
        CU_add_test(su, "wireshark_info_matches_tshark_on_kernel_capture",
                    wireshark_info_matches_tshark_on_kernel_capture);
        CU_add_test(su, "truncated_frames_never_read_past_the_end",
                    truncated_frames_never_read_past_the_end);
        CU_add_test(su, "short_output_buffer_is_truncated_and_terminated",
                    short_output_buffer_is_truncated_and_terminated);
        CU_add_test(su, "raw_ip_link_describes_the_packet", raw_ip_link_describes_the_packet);
        CU_add_test(su, "damaged_headers_described_as_tshark_does",
                    damaged_headers_described_as_tshark_does);
        CU_add_test(su, "rfc5227_arp_variants_match_tshark", rfc5227_arp_variants_match_tshark);
        CU_add_test(su, "rfc792_icmp_types_and_codes_match_tshark",
                    rfc792_icmp_types_and_codes_match_tshark);
}

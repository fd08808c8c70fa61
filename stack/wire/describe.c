/* One-line frame summaries in the words of Wireshark's Info column ("SRC -> DST PROTO LEN INFO")
 * for --trace. Fields as defined by RFC 894 (Ethernet), RFC 826 and RFC 5227 2.1.1/2.3 (ARP
 * probe and announcement), RFC 791 3.1 (IPv4, fragments), RFC 792 (ICMP), RFC 8200 3 (IPv6). */
#include "stack/wire/describe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "stack/wire/arp.h"
#include "stack/wire/bytes.h"
#include "stack/wire/eth.h"
#include "stack/wire/icmp.h"
#include "stack/wire/ipv4.h"

#define ETH_TYPE_IPV6 0x86dd
#define IPV6_HDR_LEN 40
#define MAC_STR_LEN 18
#define MALFORMED "[Malformed Packet]"

/* A bounded output line; text past cap is cut, never overrun. */
struct line {
        char *buf;
        size_t cap, len;
};

static void line_add(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
line_add(struct line *l, const char *fmt, ...)
{
        va_list ap;
        int n;

        if (l->len + 1 >= l->cap)
                return;
        va_start(ap, fmt);
        n = vsnprintf(l->buf + l->len, l->cap - l->len, fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        l->len += (size_t)n < l->cap - l->len ? (size_t)n : l->cap - l->len - 1;
}

/* Accounts for n bytes a transport describer wrote at the end of the line (it returns the
 * untruncated length, as snprintf does). */
static void
line_took(struct line *l, size_t n)
{
        l->len += n < l->cap - l->len ? n : l->cap - l->len - 1;
}

/* The address columns name the all-ones address "Broadcast"; the Info text never does. */
static void
mac_str(const uint8_t *m, bool column, char *out)
{
        if (column && memcmp(m, eth_broadcast, ETH_ADDR_LEN) == 0)
                snprintf(out, MAC_STR_LEN, "Broadcast");
        else
                snprintf(out, MAC_STR_LEN, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
                         m[4], m[5]);
}

/* "SRC -> DST " from the Ethernet header, the columns tshark falls back to when the network
 * layer has no usable addresses; nothing for a raw IP link. */
static void
line_macs(struct line *l, const struct eth_hdr *eh)
{
        char src[MAC_STR_LEN], dst[MAC_STR_LEN];

        if (!eh)
                return;
        mac_str(eh->src, true, src);
        mac_str(eh->dst, true, dst);
        line_add(l, "%s -> %s ", src, dst);
}

static const char *
ip_proto_name(uint8_t proto)
{
        switch (proto) {
        case 1:
                return "ICMP";
        case 2:
                return "IGMP";
        case 6:
                return "TCP";
        case 17:
                return "UDP";
        case 47:
                return "GRE";
        case 50:
                return "ESP";
        case 51:
                return "AH";
        case 58:
                return "ICMPv6";
        case 132:
                return "SCTP";
        default:
                return "Unknown";
        }
}

/* RFC 792 type names, as Wireshark spells them. */
static const char *const icmp_type_names[] = {
    [0] = "Echo (ping) reply",
    [1] = "Reserved",
    [2] = "Reserved",
    [3] = "Destination unreachable",
    [4] = "Source quench (flow control)",
    [5] = "Redirect",
    [6] = "Alternate host address",
    [8] = "Echo (ping) request",
    [9] = "Router advertisement",
    [10] = "Router solicitation",
    [11] = "Time-to-live exceeded",
    [12] = "Parameter problem",
    [13] = "Timestamp request",
    [14] = "Timestamp reply",
    [15] = "Information request",
    [16] = "Information reply",
    [17] = "Address mask request",
    [18] = "Address mask reply",
    [19] = "Reserved (for security)",
};

/* Destination unreachable codes: RFC 792, RFC 1122 3.2.2.1 and RFC 1812 5.2.7.1. */
static const char *const icmp_unreach_names[] = {
    "Network unreachable",
    "Host unreachable",
    "Protocol unreachable",
    "Port unreachable",
    "Fragmentation needed",
    "Source route failed",
    "Destination network unknown",
    "Destination host unknown",
    "Source host isolated",
    "Network administratively prohibited",
    "Host administratively prohibited",
    "Network unreachable for TOS",
    "Host unreachable for TOS",
    "Communication administratively filtered",
    "Host precedence violation",
    "Precedence cutoff in effect",
};

static const char *const icmp_redirect_names[] = {
    "Redirect for network",
    "Redirect for host",
    "Redirect for TOS and network",
    "Redirect for TOS and host",
};

static const char *const icmp_time_names[] = {
    "Time to live exceeded in transit",
    "Fragment reassembly time exceeded",
};

static const char *const icmp_param_names[] = {
    "Pointer indicates the error",
    "Required option missing",
    "Bad length",
};

static const char *const icmp_althost_names[] = {
    "Alternate address for host",
};

static const char *const icmp_router_adv_names[] = {
    [0] = "Normal router advertisement",
    [16] = "Does not route common traffic",
};

struct icmp_codes {
        const char *const *names;
        size_t n;
};

/* Code names for the types whose Info line names the code; names == NULL for the others. */
static const struct icmp_codes icmp_codes_by_type[] = {
    [ICMP_DEST_UNREACH] = {icmp_unreach_names,
                           sizeof(icmp_unreach_names) / sizeof(icmp_unreach_names[0])},
    [ICMP_REDIRECT] = {icmp_redirect_names,
                       sizeof(icmp_redirect_names) / sizeof(icmp_redirect_names[0])},
    [6] = {icmp_althost_names, sizeof(icmp_althost_names) / sizeof(icmp_althost_names[0])},
    [9] = {icmp_router_adv_names, sizeof(icmp_router_adv_names) / sizeof(icmp_router_adv_names[0])},
    [ICMP_TIME_EXCEEDED] = {icmp_time_names, sizeof(icmp_time_names) / sizeof(icmp_time_names[0])},
    [ICMP_PARAM_PROBLEM] = {icmp_param_names,
                            sizeof(icmp_param_names) / sizeof(icmp_param_names[0])},
};

/* Types that carry an identifier and sequence number (RFC 792 echo, timestamp, information;
 * RFC 950 address mask). */
static bool
icmp_has_id_seq(uint8_t type)
{
        return type == ICMP_ECHO_REPLY || type == ICMP_ECHO_REQUEST || (type >= 13 && type <= 18);
}

/* Appends the Info text of an ICMP message (RFC 792) whose IPv4 header is h. */
static void
describe_icmp(const struct ipv4_hdr *h, const uint8_t *l4, size_t l4_len, struct line *l)
{
        uint8_t type, code;
        struct icmp_codes codes;
        const char *name;

        if (l4_len < ICMP_HDR_LEN) { /* RFC 792: every message has the 8-byte header */
                line_add(l, MALFORMED);
                return;
        }
        type = l4[0];
        code = l4[1];
        name = type < sizeof(icmp_type_names) / sizeof(icmp_type_names[0]) ? icmp_type_names[type]
                                                                           : NULL;
        if (!name) {
                line_add(l, "Unknown ICMP (obsolete or malformed?)");
                return;
        }
        line_add(l, "%s", name);
        if (icmp_has_id_seq(type)) {
                uint16_t seq = get16(l4 + 6);
                /* Wireshark shows the sequence number read both big- and little-endian. */
                line_add(l, " id=0x%04x, seq=%u/%u, ttl=%u", get16(l4 + 4), seq,
                         (unsigned)(uint16_t)(seq >> 8 | seq << 8), h->ttl);
                return;
        }
        if (type >= sizeof(icmp_codes_by_type) / sizeof(icmp_codes_by_type[0]))
                return;
        codes = icmp_codes_by_type[type];
        if (!codes.names)
                return;
        if (code < codes.n && codes.names[code])
                line_add(l, " (%s)", codes.names[code]);
        else
                line_add(l, " (Unknown code: %u)", code);
}

static int peek_fail(char *why, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
peek_fail(char *why, size_t cap, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(why, cap, fmt, ap);
        va_end(ap);
        return -1;
}

/* Reads an IPv4 header the way a protocol analyser does: enough to describe what is on the
 * wire, without the checksum test that ipv4_hdr_parse applies before the stack trusts it.
 * Returns 0, or -1 with why set to the Info text saying what is wrong. */
static int
ipv4_peek(const uint8_t *b, size_t len, struct ipv4_hdr *h, char *why, size_t why_cap)
{
        uint16_t frag;

        if (len < 1 || (b[0] >> 4 == 4 && len < 4))
                return peek_fail(why, why_cap, MALFORMED);
        if (b[0] >> 4 != 4) /* RFC 791 3.1: version 4 */
                return peek_fail(why, why_cap, "Bogus IP version (%u)", b[0] >> 4);
        h->hdr_len = (uint8_t)((b[0] & 0x0f) * 4);
        h->total_len = get16(b + 2);
        if (h->hdr_len < IPV4_HDR_LEN) /* RFC 791 3.1: IHL is at least 5 */
                return peek_fail(why, why_cap, "Bogus IP header length (%u, must be at least 20)",
                                 h->hdr_len);
        if (h->total_len < h->hdr_len) /* RFC 791 3.1: the total length includes the header */
                return peek_fail(why, why_cap, "Bogus IP length (%u, less than header length %u)",
                                 h->total_len, h->hdr_len);
        if (len < h->hdr_len)
                return peek_fail(why, why_cap, MALFORMED);
        h->tos = b[1];
        h->id = get16(b + 4);
        frag = get16(b + 6);
        h->df = (frag & IPV4_FLAG_DF) != 0;
        h->mf = (frag & IPV4_FLAG_MF) != 0;
        h->frag_off = (uint16_t)((frag & IPV4_OFF_MASK) * 8);
        h->ttl = b[8];
        h->proto = b[9];
        h->src = get32(b + 12);
        h->dst = get32(b + 16);
        return 0;
}

/* b/len: the IPv4 packet; eh: its Ethernet header, or NULL on a raw IP link. */
static void
describe_ipv4(struct describe_state *ds, const uint8_t *b, size_t len, size_t frame_len,
              const struct eth_hdr *eh, struct line *l)
{
        struct ipv4_hdr h;
        char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN], why[80];
        const uint8_t *l4;
        size_t l4_len;

        if (ipv4_peek(b, len, &h, why, sizeof(why)) < 0) {
                line_macs(l, eh);
                line_add(l, "IPv4 %zu %s", frame_len, why);
                return;
        }
        ipv4_addr_str(h.src, src);
        ipv4_addr_str(h.dst, dst);
        l4 = b + h.hdr_len;
        /* The frame may be padded past the total length, or cut short of it. */
        l4_len = (h.total_len < len ? h.total_len : len) - h.hdr_len;
        if (ipv4_is_fragment(&h)) { /* RFC 791 3.2: only the reassembled datagram has a payload */
                line_add(l,
                         "%s -> %s IPv4 %zu Fragmented IP protocol (proto=%s %u, off=%u, ID=%04x)",
                         src, dst, frame_len, ip_proto_name(h.proto), h.proto, h.frag_off, h.id);
                return;
        }
        switch (h.proto) {
        case IPV4_PROTO_UDP:
                line_took(l, describe_udp(ds, &h, l4, l4_len, frame_len, l->buf + l->len,
                                          l->cap - l->len));
                break;
        case IPV4_PROTO_TCP:
                line_took(l, describe_tcp(ds, &h, l4, l4_len, frame_len, l->buf + l->len,
                                          l->cap - l->len));
                break;
        case IPV4_PROTO_ICMP:
                line_add(l, "%s -> %s ICMP %zu ", src, dst, frame_len);
                describe_icmp(&h, l4, l4_len, l);
                break;
        default:
                line_add(l, "%s -> %s IPv4 %zu %s (%u)", src, dst, frame_len,
                         ip_proto_name(h.proto), h.proto);
                break;
        }
}

/* ARP protocol addresses: dotted quads for IPv4, hex for any other protocol type. */
static void
arp_pa_str(const uint8_t *arp, const uint8_t *pa, char *out)
{
        if (get16(arp + 2) == ETH_TYPE_IPV4)
                ipv4_addr_str(get32(pa), out);
        else
                snprintf(out, INET_ADDRSTRLEN, "%08x", get32(pa));
}

static bool
is_zero(const uint8_t *p, size_t n)
{
        while (n--)
                if (*p++)
                        return false;
        return true;
}

/* Info for an ARP request (RFC 826), telling probes (RFC 5227 2.1.1: sender address zero)
 * and announcements (RFC 5227 2.3: sender and target address equal) apart. */
static void
arp_request_info(const uint8_t *b, const char *spa, const char *tpa, char *info, size_t cap)
{
        bool tha_zero = is_zero(b + 18, ETH_ADDR_LEN);

        if (memcmp(b + 14, b + 24, 4) == 0)
                snprintf(info, cap,
                         tha_zero ? "ARP Announcement for %s" : "Gratuitous ARP for %s (Request)",
                         spa);
        else if (tha_zero && is_zero(b + 14, 4))
                snprintf(info, cap, "Who has %s? (ARP Probe)", tpa);
        else
                snprintf(info, cap, "Who has %s? Tell %s", tpa, spa);
}

/* Protocol column and Info for an ARP packet whose addresses are 6 and 4 bytes long. */
static const char *
arp_info(const uint8_t *b, char *info, size_t cap)
{
        char sha[MAC_STR_LEN], tha[MAC_STR_LEN], spa[INET_ADDRSTRLEN], tpa[INET_ADDRSTRLEN];
        uint16_t op = get16(b + 6);

        mac_str(b + 8, false, sha);
        mac_str(b + 18, false, tha);
        arp_pa_str(b, b + 14, spa);
        arp_pa_str(b, b + 24, tpa);
        switch (op) {
        case ARP_OP_REQUEST:
                arp_request_info(b, spa, tpa, info, cap);
                return "ARP";
        case ARP_OP_REPLY:
                if (memcmp(b + 14, b + 24, 4) == 0)
                        snprintf(info, cap, "Gratuitous ARP for %s (Reply)", spa);
                else
                        snprintf(info, cap, "%s is at %s", spa, sha);
                return "ARP";
        case 3: /* RFC 903 reverse ARP request and reply */
                snprintf(info, cap, "Who is %s? Tell %s", tha, sha);
                return "RARP";
        case 4:
                snprintf(info, cap, "%s is at %s", tha, tpa);
                return "RARP";
        case 8: /* RFC 2390 inverse ARP request and reply */
                snprintf(info, cap, "Who is %s? Tell %s", tha, sha);
                return "Inverse ARP";
        case 9:
                snprintf(info, cap, "%s is at %s", sha, spa);
                return "Inverse ARP";
        case 10: /* RFC 1577 */
                snprintf(info, cap, "ARP NAK");
                return "ARP";
        case 0:
                snprintf(info, cap, "Reserved opcode 0");
                return "ARP";
        default:
                snprintf(info, cap, "Unknown ARP opcode 0x%04x", op);
                return "ARP";
        }
}

static void
describe_arp(const struct eth_hdr *eh, const uint8_t *b, size_t len, size_t frame_len,
             struct line *l)
{
        char info[96];
        const char *proto;

        line_macs(l, eh);
        /* RFC 826: 8 fixed bytes, then sender and target addresses of hlen and plen bytes; only
         * 6-byte hardware and 4-byte protocol addresses are read here. */
        if (len < ARP_PKT_LEN || b[4] != ETH_ADDR_LEN || b[5] != 4) {
                line_add(l, "ARP %zu %s", frame_len, MALFORMED);
                return;
        }
        proto = arp_info(b, info, sizeof(info));
        line_add(l, "%s %zu %s", proto, frame_len, info);
}

/* One generic line for IPv6 (RFC 8200 3): addresses, next header and hop limit. */
static void
describe_ipv6(const struct eth_hdr *eh, const uint8_t *b, size_t len, size_t frame_len,
              struct line *l)
{
        char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];

        if (len < IPV6_HDR_LEN) {
                line_macs(l, eh);
                line_add(l, "IPv6 %zu Invalid IPv6 header (%zu bytes, need exactly 40)%s",
                         frame_len, len, MALFORMED);
                return;
        }
        inet_ntop(AF_INET6, b + 8, src, sizeof(src));
        inet_ntop(AF_INET6, b + 24, dst, sizeof(dst));
        line_add(l, "%s -> %s IPv6 %zu Next header %s (%u), hop limit=%u", src, dst, frame_len,
                 ip_proto_name(b[6]), b[6], b[7]);
}

size_t
frame_describe(struct describe_state *ds, const uint8_t *frame, size_t len, int raw_ip, char *out,
               size_t cap)
{
        struct line l = {out, cap, 0};
        struct eth_hdr eh;

        if (cap == 0)
                return 0;
        out[0] = '\0';
        if (raw_ip && len > 0 && frame[0] >> 4 == 6)
                describe_ipv6(NULL, frame, len, len, &l);
        else if (raw_ip)
                describe_ipv4(ds, frame, len, len, NULL, &l);
        else if (eth_hdr_parse(frame, len, &eh) < 0)
                line_add(&l, "Ethernet %zu %s", len, MALFORMED);
        else if (eh.type == ETH_TYPE_ARP)
                describe_arp(&eh, frame + ETH_HDR_LEN, len - ETH_HDR_LEN, len, &l);
        else if (eh.type == ETH_TYPE_IPV4)
                describe_ipv4(ds, frame + ETH_HDR_LEN, len - ETH_HDR_LEN, len, &eh, &l);
        else if (eh.type == ETH_TYPE_IPV6)
                describe_ipv6(&eh, frame + ETH_HDR_LEN, len - ETH_HDR_LEN, len, &l);
        else {
                /* No dissector: Wireshark puts the EtherType in the protocol column. */
                line_macs(&l, &eh);
                line_add(&l, "0x%04x %zu Ethernet II", eh.type, len);
        }
        return l.len;
}

/* UDP (and DNS) lines for --trace, Wireshark style: "SRC -> DST UDP LEN SPORT -> DPORT Len=N"
 * (RFC 768 fields); datagrams to or from port 53 are handed to dns_describe (RFC 1035). */
#include <stdio.h>

#include "stack/wire/describe.h"
#include "stack/wire/dns.h"
#include "stack/wire/ipv4.h"
#include "stack/wire/udp.h"

#define DNS_PORT 53

size_t
describe_udp(struct describe_state *ds, const struct ipv4_hdr *ih, const uint8_t *l4, size_t l4_len,
             size_t frame_len, char *out, size_t cap)
{
        struct udp_hdr uh;
        char src[16], dst[16], dns[256];
        size_t plen;

        (void)ds;
        ipv4_addr_str(ih->src, src);
        ipv4_addr_str(ih->dst, dst);
        if (udp_hdr_parse(l4, l4_len, &uh) < 0)
                return (size_t)snprintf(out, cap, "%s -> %s UDP %zu [Malformed Packet]", src, dst,
                                        frame_len);
        plen = (size_t)uh.len - UDP_HDR_LEN; /* parse bounded uh.len by l4_len */
        if ((uh.sport == DNS_PORT || uh.dport == DNS_PORT) &&
            dns_describe(l4 + UDP_HDR_LEN, plen, dns, sizeof(dns)) > 0)
                return (size_t)snprintf(out, cap, "%s -> %s DNS %zu %s", src, dst, frame_len, dns);
        return (size_t)snprintf(out, cap, "%s -> %s UDP %zu %u -> %u Len=%zu", src, dst, frame_len,
                                uh.sport, uh.dport, plen);
}

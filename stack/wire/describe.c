/* Wireshark "Info column" style one-line frame summaries (minimal first version). */
#include "stack/wire/describe.h"

#include <stdio.h>
#include <string.h>

#include "stack/wire/arp.h"
#include "stack/wire/bytes.h"
#include "stack/wire/eth.h"
#include "stack/wire/icmp.h"
#include "stack/wire/ipv4.h"

static void
ip_str(uint32_t a, char *out)
{
	snprintf(out, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

static size_t
describe_ipv4(struct describe_state *ds, const uint8_t *b, size_t len, size_t frame_len, char *out, size_t cap)
{
	struct ipv4_hdr h;
	char src[16], dst[16];
	const uint8_t *l4;
	size_t l4_len;

	if (ipv4_hdr_parse(b, len, &h, NULL) < 0)
		return (size_t)snprintf(out, cap, "IPv4 %zu [Malformed Packet]", frame_len);
	ip_str(h.src, src);
	ip_str(h.dst, dst);
	l4 = b + h.hdr_len;
	l4_len = h.total_len - h.hdr_len;
	if (h.frag_off != 0 || h.mf)
		return (size_t)snprintf(out, cap,
					"%s -> %s IPv4 %zu Fragmented IP protocol (proto=%u, off=%u, "
					"ID=%04x)",
					src, dst, frame_len, h.proto, h.frag_off, h.id);
	if (h.proto == IPV4_PROTO_ICMP && l4_len >= ICMP_HDR_LEN) {
		const char *what = l4[0] == ICMP_ECHO_REQUEST ? "Echo (ping) request"
				   : l4[0] == ICMP_ECHO_REPLY ? "Echo (ping) reply"
							      : NULL;
		if (what)
			return (size_t)snprintf(out, cap,
						"%s -> %s ICMP %zu %s id=0x%04x, seq=%u/%u, ttl=%u",
						src, dst, frame_len, what, get16(l4 + 4),
						get16(l4 + 6),
						(unsigned)((get16(l4 + 6) >> 8) |
							   ((get16(l4 + 6) & 255) << 8)),
						h.ttl);
		return (size_t)snprintf(out, cap, "%s -> %s ICMP %zu type=%u code=%u", src, dst,
					frame_len, l4[0], l4[1]);
	}
	if (h.proto == IPV4_PROTO_UDP)
		return describe_udp(ds, &h, l4, l4_len, frame_len, out, cap);
	if (h.proto == IPV4_PROTO_TCP)
		return describe_tcp(ds, &h, l4, l4_len, frame_len, out, cap);
	return (size_t)snprintf(out, cap, "%s -> %s IPv4 %zu proto=%u", src, dst, frame_len,
				h.proto);
}

static size_t
describe_arp(const uint8_t *b, size_t len, size_t frame_len, char *out, size_t cap)
{
	struct arp_pkt a;
	char spa[16], tpa[16];

	if (arp_pkt_parse(b, len, &a) < 0)
		return (size_t)snprintf(out, cap, "ARP %zu [Malformed Packet]", frame_len);
	ip_str(a.spa, spa);
	ip_str(a.tpa, tpa);
	if (a.op == ARP_OP_REQUEST)
		return (size_t)snprintf(out, cap, "ARP %zu Who has %s? Tell %s", frame_len, tpa,
					spa);
	return (size_t)snprintf(out, cap,
				"ARP %zu %s is at %02x:%02x:%02x:%02x:%02x:%02x", frame_len, spa,
				a.sha[0], a.sha[1], a.sha[2], a.sha[3], a.sha[4], a.sha[5]);
}

size_t
frame_describe(struct describe_state *ds, const uint8_t *frame, size_t len, int raw_ip,
	       char *out, size_t cap)
{
	struct eth_hdr eh;
	size_t n;

	if (cap == 0)
		return 0;
	if (raw_ip)
		n = describe_ipv4(ds, frame, len, len, out, cap);
	else if (eth_hdr_parse(frame, len, &eh) < 0)
		n = (size_t)snprintf(out, cap, "ETH %zu [Malformed Packet]", len);
	else if (eh.type == ETH_TYPE_ARP)
		n = describe_arp(frame + ETH_HDR_LEN, len - ETH_HDR_LEN, len, out, cap);
	else if (eh.type == ETH_TYPE_IPV4)
		n = describe_ipv4(ds, frame + ETH_HDR_LEN, len - ETH_HDR_LEN, len, out, cap);
	else
		n = (size_t)snprintf(out, cap, "ETH %zu type=0x%04x", len, eh.type);
	return n < cap ? n : cap - 1;
}

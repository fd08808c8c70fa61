/* One-line, Wireshark "Info column" style summaries of frames, for --trace.
 * Keeps per-stream initial sequence numbers so TCP Seq/Ack print relative, as tshark does. */
#ifndef STACK_WIRE_DESCRIBE_H
#define STACK_WIRE_DESCRIBE_H

#include <stddef.h>
#include <stdint.h>

#define DESCRIBE_STREAMS 64

struct describe_stream {
        uint32_t a_ip, b_ip; /* a: the side that sent the first segment seen */
        uint16_t a_port, b_port;
        uint32_t a_isn, b_isn;
        uint8_t have_a, have_b, used;
        uint8_t a_ws, b_ws; /* window scale shift + 1 from each side's SYN; 0 = none seen */
};

struct describe_state {
        struct describe_stream streams[DESCRIBE_STREAMS];
        unsigned next_victim;
};

/* Describe an Ethernet frame (raw_ip = 0) or a bare IPv4 packet (raw_ip = 1) into out,
 * e.g. "10.0.0.1 -> 10.0.0.2 ICMP 98 Echo (ping) request id=0x1234, seq=1/256, ttl=64".
 * Never reads past len; malformed input is described as such. Returns strlen(out). */
size_t frame_describe(struct describe_state *ds, const uint8_t *frame, size_t len, int raw_ip,
                      char *out, size_t cap);

/* Transport describers used by frame_describe once the IPv4 header is parsed and the packet
 * is not a fragment. Each writes "SRC -> DST PROTO LEN INFO" and returns its length;
 * l4/l4_len are the bytes after the IPv4 header (already bounded by total length). */
struct ipv4_hdr;
size_t describe_udp(struct describe_state *ds, const struct ipv4_hdr *ih, const uint8_t *l4,
                    size_t l4_len, size_t frame_len, char *out, size_t cap);
size_t describe_tcp(struct describe_state *ds, const struct ipv4_hdr *ih, const uint8_t *l4,
                    size_t l4_len, size_t frame_len, char *out, size_t cap);

#endif

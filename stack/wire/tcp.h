/* TCP header and options parse/emit (RFC 9293 3.1-3.2; RFC 7323 window scale and
 * timestamps; RFC 2018 SACK). Pure wire code: no state, host-order struct tcp_hdr. */
#ifndef STACK_WIRE_TCP_H
#define STACK_WIRE_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TCP_HDR_LEN 20
#define TCP_MAX_HDR_LEN 60
#define TCP_MAX_OPT_LEN 40

/* Control bits (RFC 9293 3.1; CWR/ECE from RFC 3168). */
#define TCP_FIN 0x01u
#define TCP_SYN 0x02u
#define TCP_RST 0x04u
#define TCP_PSH 0x08u
#define TCP_ACK 0x10u
#define TCP_URG 0x20u
#define TCP_ECE 0x40u
#define TCP_CWR 0x80u

/* Option kinds (RFC 9293 3.2, RFC 7323, RFC 2018). */
#define TCP_OPT_EOL 0
#define TCP_OPT_NOP 1
#define TCP_OPT_MSS 2
#define TCP_OPT_WS 3
#define TCP_OPT_SACK_PERM 4
#define TCP_OPT_SACK 5
#define TCP_OPT_TS 8

#define TCP_OPT_MSS_LEN 4
#define TCP_OPT_WS_LEN 3
#define TCP_OPT_SACK_PERM_LEN 2
#define TCP_OPT_TS_LEN 10
#define TCP_MAX_SACK_BLOCKS 4 /* 2 + 4 * 8 = 34 <= 40 option bytes */
#define TCP_WS_MAX 14         /* RFC 7323 2.3: larger shift counts are treated as 14 */

struct tcp_sack_block {
        uint32_t left, right; /* [left, right) */
};

/* Which options a segment carries; a field is valid only when its has_ flag is set. */
struct tcp_opts {
        bool has_mss, has_ws, has_ts, sack_perm;
        uint16_t mss;
        uint8_t ws; /* shift count as sent; the receiver clamps to TCP_WS_MAX */
        uint32_t tsval, tsecr;
        uint8_t n_sack;
        struct tcp_sack_block sack[TCP_MAX_SACK_BLOCKS];
        /* Emit only: put EOL after the last option (the seed's SYN does), else pad with NOPs
         * in front. */
        bool eol;
};

struct tcp_hdr {
        uint16_t sport, dport;
        uint32_t seq, ack;
        uint8_t hdr_len; /* bytes: data offset * 4 */
        uint8_t flags;   /* TCP_FIN ... TCP_CWR */
        uint16_t wnd;    /* as on the wire (unscaled) */
        uint16_t csum;
        uint16_t urp;
        struct tcp_opts opts;
};

/* Parse the header of a segment of len bytes (header + payload). Checks the data offset
 * (>= 5 words, not beyond len) and the option list: an option whose length is 0 or 1 or
 * that crosses the data offset makes the segment malformed (RFC 9293 MUST-7: an illegal
 * length must not crash us; we drop the segment). A known option with the wrong length and
 * unknown kinds are skipped by their length (MUST-6, MUST-68). Does not check the checksum.
 * Returns the header length, or -EBADMSG. */
int tcp_hdr_parse(const uint8_t *buf, size_t len, struct tcp_hdr *h);
/* Parse just the option bytes (used by tcp_hdr_parse). Returns 0 or -EBADMSG. */
int tcp_opts_parse(const uint8_t *opt, size_t len, struct tcp_opts *o);
/* Length in bytes that tcp_opts_emit will write for o (a multiple of 4, at most 40). */
size_t tcp_opts_len(const struct tcp_opts *o);
/* Write the options of o; returns the bytes written (tcp_opts_len(o)). SACK blocks beyond
 * what fits in 40 bytes are left out. Order as the seed's SYN: MSS, WS, TS, SACK-permitted. */
size_t tcp_opts_emit(const struct tcp_opts *o, uint8_t *buf);
/* Write header and options at buf (h->hdr_len is ignored and computed) with the checksum
 * over the pseudo header (addresses host order) and payload_len bytes already following
 * the header in buf. Returns the header length. */
size_t tcp_hdr_emit(const struct tcp_hdr *h, uint8_t *buf, size_t payload_len, uint32_t src,
                    uint32_t dst);
/* The same, with the payload's RFC 1071 sum already known (csum_copy while copying it in):
 * only the header is summed here. */
size_t tcp_hdr_emit_sum(const struct tcp_hdr *h, uint8_t *buf, size_t payload_len,
                        uint32_t payload_sum, uint32_t src, uint32_t dst);
/* The same for a link that finishes the checksum (LINK_TX_CSUM): the field gets only the
 * pseudo-header sum over the header and payload_len bytes, folded but not complemented, and
 * the payload is not read. */
size_t tcp_hdr_emit_partial(const struct tcp_hdr *h, uint8_t *buf, size_t payload_len, uint32_t src,
                            uint32_t dst);
/* True when the checksum over the pseudo header and seg_len bytes is right (RFC 9293 MUST-2). */
bool tcp_csum_ok(const uint8_t *seg, size_t seg_len, uint32_t src, uint32_t dst);

#endif

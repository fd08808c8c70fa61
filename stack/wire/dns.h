/* DNS message encode/decode (RFC 1035 4.1): header, names with bounded decompression
 * (RFC 1035 4.1.4), questions and resource records, and Wireshark-style summaries. */
#ifndef STACK_WIRE_DNS_H
#define STACK_WIRE_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_PORT 53
#define DNS_HDR_LEN 12
#define DNS_LABEL_MAX 63 /* RFC 1035 2.3.4 */
#define DNS_NAME_MAX 255 /* RFC 1035 2.3.4: octets of the wire form */
/* Presentation form of a name: 253 characters, a trailing dot and NUL fit. */
#define DNS_NAME_TEXT_MAX 256
#define DNS_UDP_MAX 512 /* RFC 1035 4.2.1 without EDNS */

#define DNS_TYPE_A 1
#define DNS_TYPE_NS 2
#define DNS_TYPE_CNAME 5
#define DNS_TYPE_SOA 6
#define DNS_TYPE_PTR 12
#define DNS_TYPE_MX 15
#define DNS_TYPE_TXT 16
#define DNS_TYPE_AAAA 28
#define DNS_TYPE_OPT 41
#define DNS_CLASS_IN 1

/* Header flag bits (RFC 1035 4.1.1). */
#define DNS_FLAG_QR 0x8000u
#define DNS_FLAG_AA 0x0400u
#define DNS_FLAG_TC 0x0200u
#define DNS_FLAG_RD 0x0100u
#define DNS_FLAG_RA 0x0080u

enum dns_rcode {
        DNS_RCODE_NOERROR = 0,
        DNS_RCODE_FORMERR = 1,
        DNS_RCODE_SERVFAIL = 2,
        DNS_RCODE_NXDOMAIN = 3,
        DNS_RCODE_NOTIMP = 4,
        DNS_RCODE_REFUSED = 5,
};

struct dns_hdr {
        uint16_t id;
        uint16_t flags; /* QR, opcode, AA, TC, RD, RA, Z, RCODE as on the wire */
        uint16_t qdcount, ancount, nscount, arcount;
};

static inline unsigned
dns_hdr_opcode(const struct dns_hdr *h)
{
        return (h->flags >> 11) & 0xfu;
}

static inline unsigned
dns_hdr_rcode(const struct dns_hdr *h)
{
        return h->flags & 0xfu;
}

/* A name in uncompressed wire form: length-prefixed labels ending with the root label. */
struct dns_name {
        uint8_t len; /* total octets, including the final zero */
        uint8_t b[DNS_NAME_MAX];
};

struct dns_question {
        struct dns_name name;
        uint16_t type, qclass;
};

struct dns_rr {
        struct dns_name name;
        uint16_t type, rclass;
        uint32_t ttl;
        uint16_t rdlength;
        size_t rdata_off; /* offset of RDATA within the message */
        union {
                uint32_t a;           /* DNS_TYPE_A, host order */
                uint8_t aaaa[16];     /* DNS_TYPE_AAAA */
                struct dns_name name; /* CNAME, NS, PTR target; SOA MNAME; MX exchange */
        } data;
        uint16_t mx_pref;
};

/* A message being read: header parsed, questions skipped over and checked. */
struct dns_msg {
        const uint8_t *buf;
        size_t len;
        struct dns_hdr hdr;
        size_t qd_off; /* first question */
        size_t an_off; /* first answer record */
};

int dns_hdr_parse(const uint8_t *buf, size_t len, struct dns_hdr *h);
void dns_hdr_emit(const struct dns_hdr *h, uint8_t out[DNS_HDR_LEN]);

/* Read the (possibly compressed) name at *off; on success *off moves past it.
 * Pointers must point strictly backwards (RFC 1035 4.1.4), so decompression always ends;
 * the expanded name is bounded by DNS_NAME_MAX. Returns 0 or -EBADMSG. */
int dns_name_read(const uint8_t *msg, size_t len, size_t *off, struct dns_name *n);
/* "www.example.com" or "www.example.com." -> wire form. A lone "." is the root.
 * -EINVAL for an empty label, a label over 63 or a name over 255 octets. */
int dns_name_from_text(const char *text, struct dns_name *n);
/* Presentation form without the trailing dot ("." for the root); dots and unprintable
 * octets inside labels are escaped as dig does. -EMSGSIZE when cap is too small. */
int dns_name_to_text(const struct dns_name *n, char *out, size_t cap);
/* Case-insensitive comparison (RFC 1035 2.3.3; RFC 4343). */
bool dns_name_equal(const struct dns_name *a, const struct dns_name *b);
/* Append the name uncompressed at out[*off]; -EMSGSIZE when it does not fit. */
int dns_name_write(const struct dns_name *n, uint8_t *out, size_t cap, size_t *off);

/* Header plus every question; returns 0 or -EBADMSG. */
int dns_msg_parse(const uint8_t *buf, size_t len, struct dns_msg *m);
int dns_question_read(const struct dns_msg *m, size_t *off, struct dns_question *q);
/* Read one resource record at *off (RFC 1035 4.1.3). A and AAAA must have RDLENGTH 4 and 16;
 * names inside RDATA must end inside RDATA. Returns 0 or -EBADMSG. */
int dns_rr_read(const struct dns_msg *m, size_t *off, struct dns_rr *rr);

/* Build a query with one question into out (RFC 1035 4.1.1-4.1.2); returns its length or
 * -EMSGSIZE. */
int dns_query_emit(uint8_t *out, size_t cap, uint16_t id, uint16_t flags,
                   const struct dns_name *qname, uint16_t qtype);
/* Append a resource record with the given RDATA; returns 0 or -EMSGSIZE. */
int dns_rr_emit(uint8_t *out, size_t cap, size_t *off, const struct dns_name *name, uint16_t type,
                uint32_t ttl, const void *rdata, uint16_t rdlength);

/* Mnemonic for a type ("A", "CNAME", ...), or NULL when unknown. */
const char *dns_type_name(uint16_t type);

/* Write Wireshark's Info text for a DNS message ("Standard query 0x98ef A google.com");
 * returns its length, or 0 when msg is not parseable DNS. */
size_t dns_describe(const uint8_t *msg, size_t len, char *out, size_t cap);

#endif

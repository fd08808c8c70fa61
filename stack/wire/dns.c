/* DNS message encode/decode (RFC 1035 4.1) with bounded name decompression (RFC 1035 4.1.4),
 * TTL rules of RFC 2181 8, and Wireshark-style one-line summaries for --trace. */
#include "stack/wire/dns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "stack/wire/bytes.h"

#define DNS_RR_FIXED_LEN 10 /* TYPE, CLASS, TTL, RDLENGTH (RFC 1035 4.1.3) */
#define DNS_Q_FIXED_LEN 4   /* QTYPE, QCLASS (RFC 1035 4.1.2) */

int
dns_hdr_parse(const uint8_t *buf, size_t len, struct dns_hdr *h)
{
        if (len < DNS_HDR_LEN)
                return -EBADMSG;
        h->id = get16(buf);
        h->flags = get16(buf + 2);
        h->qdcount = get16(buf + 4);
        h->ancount = get16(buf + 6);
        h->nscount = get16(buf + 8);
        h->arcount = get16(buf + 10);
        return 0;
}

void
dns_hdr_emit(const struct dns_hdr *h, uint8_t out[DNS_HDR_LEN])
{
        put16(out, h->id);
        put16(out + 2, h->flags);
        put16(out + 4, h->qdcount);
        put16(out + 6, h->ancount);
        put16(out + 8, h->nscount);
        put16(out + 10, h->arcount);
}

int
dns_name_read(const uint8_t *msg, size_t len, size_t *off, struct dns_name *n)
{
        size_t pos = *off, start = *off, end = 0;

        n->len = 0;
        for (;;) {
                uint8_t c;

                if (pos >= len)
                        return -EBADMSG;
                c = msg[pos];
                if ((c & 0xc0) == 0xc0) {
                        size_t target;

                        if (pos + 2 > len)
                                return -EBADMSG;
                        target = (size_t)(c & 0x3f) << 8 | msg[pos + 1];
                        /* RFC 1035 4.1.4: a pointer names a prior occurrence. Demanding that it
                         * land before the labels read since the last jump (and after the header)
                         * makes every jump go strictly backwards: no loops, no self-reference. */
                        if (target >= start || target < DNS_HDR_LEN)
                                return -EBADMSG;
                        if (end == 0)
                                end = pos + 2;
                        pos = start = target;
                        continue;
                }
                /* 01 and 10 label types are reserved (RFC 1035 4.1.4, RFC 6891 5). */
                if (c & 0xc0)
                        return -EBADMSG;
                /* RFC 1035 2.3.4: the whole name is at most 255 octets. */
                if ((size_t)n->len + 1 + c > DNS_NAME_MAX || pos + 1 + c > len)
                        return -EBADMSG;
                memcpy(n->b + n->len, msg + pos, (size_t)c + 1);
                n->len = (uint8_t)(n->len + 1 + c);
                pos += (size_t)c + 1;
                if (c == 0)
                        break;
        }
        *off = end ? end : pos;
        return 0;
}

static bool
text_char_ok(char ch)
{
        /* No escapes are accepted on input: spaces, controls and backslashes are refused. */
        return ch > ' ' && ch < 0x7f && ch != '\\';
}

int
dns_name_from_text(const char *text, struct dns_name *n)
{
        size_t len = 0, label = 0;

        n->len = 0;
        if (strcmp(text, ".") == 0) {
                n->b[0] = 0;
                n->len = 1;
                return 0;
        }
        for (const char *p = text;; p++) {
                if (*p == '.' || *p == 0) {
                        /* An empty label is only the root at the very end ("name."). */
                        if (label == 0) /* "", ".a", "a..b"; a final "a." breaks out below */
                                return -EINVAL;
                        n->b[len - label - 1] = (uint8_t)label;
                        label = 0;
                        if (*p == 0 || p[1] == 0)
                                break;
                        continue;
                }
                if (!text_char_ok(*p))
                        return -EINVAL;
                /* RFC 1035 2.3.4: labels of 63 octets or less, names of 255 or less. */
                if (label == DNS_LABEL_MAX || len + (label ? 1u : 2u) + 1 > DNS_NAME_MAX)
                        return -EINVAL;
                if (label == 0)
                        len++;
                n->b[len++] = (uint8_t)*p;
                label++;
        }
        n->b[len++] = 0;
        n->len = (uint8_t)len;
        return 0;
}

static int
text_append(char *out, size_t cap, size_t *at, const char *s, size_t n)
{
        if (cap - *at <= n)
                return -EMSGSIZE;
        memcpy(out + *at, s, n);
        *at += n;
        out[*at] = 0;
        return 0;
}

/* One label octet in presentation form, escaped as in RFC 1035 5.1. */
static int
text_put(char *out, size_t cap, size_t *at, uint8_t c)
{
        char buf[8];
        int w;

        if (c == '.' || c == '\\')
                w = snprintf(buf, sizeof(buf), "\\%c", c);
        else if (c > ' ' && c < 0x7f)
                w = snprintf(buf, sizeof(buf), "%c", c);
        else
                w = snprintf(buf, sizeof(buf), "\\%03u", c);
        return text_append(out, cap, at, buf, (size_t)w);
}

int
dns_name_to_text(const struct dns_name *n, char *out, size_t cap)
{
        size_t at = 0, i = 0;

        if (cap < 2)
                return -EMSGSIZE;
        out[0] = 0;
        if (n->len <= 1)
                return text_append(out, cap, &at, ".", 1);
        while (i < n->len && n->b[i] != 0) {
                size_t l = n->b[i++];
                if (at > 0 && text_append(out, cap, &at, ".", 1) < 0)
                        return -EMSGSIZE;
                for (size_t k = 0; k < l && i < n->len; k++, i++)
                        if (text_put(out, cap, &at, n->b[i]) < 0)
                                return -EMSGSIZE;
        }
        return 0;
}

static uint8_t
fold(uint8_t c)
{
        return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

bool
dns_name_equal(const struct dns_name *a, const struct dns_name *b)
{
        /* Length octets are <= 63, never ASCII letters, so folding every octet is safe. */
        if (a->len != b->len)
                return false;
        for (size_t i = 0; i < a->len; i++)
                if (fold(a->b[i]) != fold(b->b[i]))
                        return false;
        return true;
}

int
dns_name_write(const struct dns_name *n, uint8_t *out, size_t cap, size_t *off)
{
        if (n->len == 0 || *off > cap || cap - *off < n->len)
                return -EMSGSIZE;
        memcpy(out + *off, n->b, n->len);
        *off += n->len;
        return 0;
}

int
dns_question_read(const struct dns_msg *m, size_t *off, struct dns_question *q)
{
        size_t p = *off;

        if (dns_name_read(m->buf, m->len, &p, &q->name) < 0 || m->len - p < DNS_Q_FIXED_LEN)
                return -EBADMSG;
        q->type = get16(m->buf + p);
        q->qclass = get16(m->buf + p + 2);
        *off = p + DNS_Q_FIXED_LEN;
        return 0;
}

int
dns_msg_parse(const uint8_t *buf, size_t len, struct dns_msg *m)
{
        struct dns_question q;
        size_t off = DNS_HDR_LEN;

        m->buf = buf;
        m->len = len;
        if (dns_hdr_parse(buf, len, &m->hdr) < 0)
                return -EBADMSG;
        m->qd_off = off;
        /* Each question takes at least 5 octets, so a lying QDCOUNT runs out of bytes. */
        for (unsigned i = 0; i < m->hdr.qdcount; i++)
                if (dns_question_read(m, &off, &q) < 0)
                        return -EBADMSG;
        m->an_off = off;
        return 0;
}

/* Type-specific RDATA checks; names inside RDATA may be compressed but must end in it. */
static int
rdata_read(const struct dns_msg *m, struct dns_rr *rr)
{
        size_t p = rr->rdata_off, end = rr->rdata_off + rr->rdlength;

        switch (rr->type) {
        case DNS_TYPE_A:
                if (rr->rdlength != 4)
                        return -EBADMSG;
                rr->data.a = get32(m->buf + p);
                return 0;
        case DNS_TYPE_AAAA:
                if (rr->rdlength != 16)
                        return -EBADMSG;
                memcpy(rr->data.aaaa, m->buf + p, 16);
                return 0;
        case DNS_TYPE_MX:
                if (rr->rdlength < 3)
                        return -EBADMSG;
                rr->mx_pref = get16(m->buf + p);
                p += 2;
                return dns_name_read(m->buf, end, &p, &rr->data.name) < 0 || p != end ? -EBADMSG
                                                                                      : 0;
        case DNS_TYPE_CNAME:
        case DNS_TYPE_NS:
        case DNS_TYPE_PTR:
                return dns_name_read(m->buf, end, &p, &rr->data.name) < 0 || p != end ? -EBADMSG
                                                                                      : 0;
        case DNS_TYPE_SOA:
                return dns_name_read(m->buf, end, &p, &rr->data.name);
        }
        return 0;
}

int
dns_rr_read(const struct dns_msg *m, size_t *off, struct dns_rr *rr)
{
        size_t p = *off;

        if (dns_name_read(m->buf, m->len, &p, &rr->name) < 0 || m->len - p < DNS_RR_FIXED_LEN)
                return -EBADMSG;
        rr->type = get16(m->buf + p);
        rr->rclass = get16(m->buf + p + 2);
        rr->ttl = get32(m->buf + p + 4);
        /* RFC 2181 8: a TTL with the top bit set is treated as zero. */
        if (rr->ttl & 0x80000000u)
                rr->ttl = 0;
        rr->rdlength = get16(m->buf + p + 8);
        p += DNS_RR_FIXED_LEN;
        if (m->len - p < rr->rdlength)
                return -EBADMSG;
        rr->rdata_off = p;
        if (rdata_read(m, rr) < 0)
                return -EBADMSG;
        *off = p + rr->rdlength;
        return 0;
}

int
dns_query_emit(uint8_t *out, size_t cap, uint16_t id, uint16_t flags, const struct dns_name *qname,
               uint16_t qtype)
{
        struct dns_hdr h = {.id = id, .flags = flags, .qdcount = 1};
        size_t off = DNS_HDR_LEN;

        if (cap < DNS_HDR_LEN)
                return -EMSGSIZE;
        dns_hdr_emit(&h, out);
        if (dns_name_write(qname, out, cap, &off) < 0 || cap - off < DNS_Q_FIXED_LEN)
                return -EMSGSIZE;
        put16(out + off, qtype);
        put16(out + off + 2, DNS_CLASS_IN);
        return (int)(off + DNS_Q_FIXED_LEN);
}

int
dns_rr_emit(uint8_t *out, size_t cap, size_t *off, const struct dns_name *name, uint16_t type,
            uint32_t ttl, const void *rdata, uint16_t rdlength)
{
        size_t p = *off;

        if (dns_name_write(name, out, cap, &p) < 0 || cap - p < DNS_RR_FIXED_LEN + (size_t)rdlength)
                return -EMSGSIZE;
        put16(out + p, type);
        put16(out + p + 2, DNS_CLASS_IN);
        put32(out + p + 4, ttl);
        put16(out + p + 8, rdlength);
        if (rdlength)
                memcpy(out + p + DNS_RR_FIXED_LEN, rdata, rdlength);
        *off = p + DNS_RR_FIXED_LEN + rdlength;
        return 0;
}

const char *
dns_type_name(uint16_t type)
{
        switch (type) {
        case DNS_TYPE_A:
                return "A";
        case DNS_TYPE_NS:
                return "NS";
        case DNS_TYPE_CNAME:
                return "CNAME";
        case DNS_TYPE_SOA:
                return "SOA";
        case DNS_TYPE_PTR:
                return "PTR";
        case DNS_TYPE_MX:
                return "MX";
        case DNS_TYPE_TXT:
                return "TXT";
        case DNS_TYPE_AAAA:
                return "AAAA";
        case DNS_TYPE_OPT:
                return "OPT";
        }
        return NULL;
}

/* Bounded append for the summary line; silently stops at cap. */
static void __attribute__((format(printf, 4, 5)))
put(char *out, size_t cap, size_t *at, const char *fmt, ...)
{
        va_list ap;
        int w;

        if (*at + 1 >= cap)
                return;
        va_start(ap, fmt);
        w = vsnprintf(out + *at, cap - *at, fmt, ap);
        va_end(ap);
        if (w > 0)
                *at = (size_t)w < cap - *at ? *at + (size_t)w : cap - 1;
}

static void
put_type_name(char *out, size_t cap, size_t *at, uint16_t type, const struct dns_name *n)
{
        char text[DNS_NAME_TEXT_MAX];
        const char *tn = dns_type_name(type);

        if (dns_name_to_text(n, text, sizeof(text)) < 0)
                strcpy(text, "?");
        if (n->len <= 1)
                strcpy(text, "<Root>"); /* Wireshark's spelling of the root name */
        if (tn)
                put(out, cap, at, " %s %s", tn, text);
        else
                put(out, cap, at, " Unknown (%u) %s", type, text);
}

static void
put_rr(char *out, size_t cap, size_t *at, const struct dns_rr *rr)
{
        char addr[INET6_ADDRSTRLEN], name[DNS_NAME_TEXT_MAX];
        uint8_t a4[4];

        switch (rr->type) {
        case DNS_TYPE_A:
                put32(a4, rr->data.a);
                put(out, cap, at, " A %s", inet_ntop(AF_INET, a4, addr, sizeof(addr)));
                return;
        case DNS_TYPE_AAAA:
                put(out, cap, at, " AAAA %s",
                    inet_ntop(AF_INET6, rr->data.aaaa, addr, sizeof(addr)));
                return;
        case DNS_TYPE_MX:
                if (dns_name_to_text(&rr->data.name, name, sizeof(name)) < 0)
                        strcpy(name, "?");
                put(out, cap, at, " MX %u %s", rr->mx_pref, name);
                return;
        case DNS_TYPE_CNAME:
        case DNS_TYPE_NS:
        case DNS_TYPE_PTR:
        case DNS_TYPE_SOA:
                put_type_name(out, cap, at, rr->type, &rr->data.name);
                return;
        }
        put(out, cap, at, " %s", dns_type_name(rr->type) ? dns_type_name(rr->type) : "Unknown");
}

static const char *const opcode_names[16] = {"Standard query",           "Inverse query",
                                             "Server status request",    NULL,
                                             "Zone change notification", "Dynamic update"};
static const char *const rcode_names[16] = {"No error",     "Format error",    "Server failure",
                                            "No such name", "Not implemented", "Refused"};

size_t
dns_describe(const uint8_t *msg, size_t len, char *out, size_t cap)
{
        struct dns_msg m;
        struct dns_question q;
        struct dns_rr rr;
        size_t at = 0, off;
        unsigned op, rc, n_rr;

        if (cap == 0 || dns_msg_parse(msg, len, &m) < 0)
                return 0;
        out[0] = 0;
        op = dns_hdr_opcode(&m.hdr);
        rc = dns_hdr_rcode(&m.hdr);
        if (opcode_names[op])
                put(out, cap, &at, "%s", opcode_names[op]);
        else
                put(out, cap, &at, "Unknown operation (%u)", op);
        put(out, cap, &at, "%s 0x%04x", m.hdr.flags & DNS_FLAG_QR ? " response" : "", m.hdr.id);
        if ((m.hdr.flags & DNS_FLAG_QR) && rc != DNS_RCODE_NOERROR)
                put(out, cap, &at, " %s", rcode_names[rc] ? rcode_names[rc] : "Unknown error");
        off = m.qd_off;
        for (unsigned i = 0; i < m.hdr.qdcount && dns_question_read(&m, &off, &q) == 0; i++)
                put_type_name(out, cap, &at, q.type, &q.name);
        /* Wireshark lists the records of all three sections after the questions. */
        n_rr = (unsigned)m.hdr.ancount + m.hdr.nscount + m.hdr.arcount;
        off = m.an_off;
        for (unsigned i = 0; i < n_rr; i++) {
                if (dns_rr_read(&m, &off, &rr) < 0) {
                        put(out, cap, &at, " [Malformed Packet]");
                        break;
                }
                put_rr(out, cap, &at, &rr);
        }
        return at;
}

/* Checking a DNS reply against the query that is waiting for it (RFC 5452 9.1) and reading
 * its answer: RCODE and TC (RFC 1035 4.1.1), CNAME chains (RFC 1034 3.6.2, 5.3.1); the
 * resolver's status codes and their messages. */
#include <errno.h>
#include <string.h>

#include "stack/dns/resolver.h"

/* RFC 5452 9.1: ID, QR, opcode and the whole question must match what we sent. */
static enum dns_check
question_check(const struct dns_msg *m, uint16_t id, const struct dns_name *qname, uint16_t qtype)
{
        struct dns_question q;
        size_t off = m->qd_off;

        if (m->hdr.id != id || !(m->hdr.flags & DNS_FLAG_QR) || dns_hdr_opcode(&m->hdr) != 0)
                return DNS_CHECK_MISMATCH;
        if (m->hdr.qdcount != 1 || dns_question_read(m, &off, &q) < 0)
                return DNS_CHECK_MISMATCH;
        if (!dns_name_equal(&q.name, qname) || q.type != qtype || q.qclass != DNS_CLASS_IN)
                return DNS_CHECK_MISMATCH;
        return DNS_CHECK_ANSWER;
}

/* Every record of every section must parse: a count larger than the records present, or a
 * record cut short or with a bad RDLENGTH, makes the whole message untrustworthy. */
static int
records_check(const struct dns_msg *m)
{
        unsigned n = (unsigned)m->hdr.ancount + m->hdr.nscount + m->hdr.arcount;
        struct dns_rr rr;
        size_t off = m->an_off;

        for (unsigned i = 0; i < n; i++)
                if (dns_rr_read(m, &off, &rr) < 0)
                        return -EBADMSG;
        return 0;
}

static void
ttl_min(uint32_t *ttl, uint32_t v)
{
        if (v < *ttl)
                *ttl = v;
}

/* Add the answer-section records of type qtype owned by owner; returns how many matched. */
static unsigned
collect_addrs(const struct dns_msg *m, const struct dns_name *owner, uint16_t qtype,
              struct dns_result *r, uint32_t *ttl)
{
        struct dns_rr rr;
        size_t off = m->an_off;
        unsigned found = 0;

        for (unsigned i = 0; i < m->hdr.ancount && dns_rr_read(m, &off, &rr) == 0; i++) {
                if (rr.type != qtype || rr.rclass != DNS_CLASS_IN ||
                    !dns_name_equal(&rr.name, owner))
                        continue;
                found++;
                ttl_min(ttl, rr.ttl);
                if (r->n_addrs == DNS_MAX_ADDRS)
                        continue;
                if (qtype == DNS_TYPE_A)
                        r->addrs[r->n_addrs++] = rr.data.a;
                else
                        memcpy(r->addrs6[r->n_addrs++], rr.data.aaaa, 16);
        }
        return found;
}

/* The target of a CNAME owned by owner in the answer section; false when there is none. */
static bool
find_cname(const struct dns_msg *m, const struct dns_name *owner, struct dns_name *target,
           uint32_t *ttl)
{
        struct dns_rr rr;
        size_t off = m->an_off;

        for (unsigned i = 0; i < m->hdr.ancount && dns_rr_read(m, &off, &rr) == 0; i++) {
                if (rr.type == DNS_TYPE_CNAME && rr.rclass == DNS_CLASS_IN &&
                    dns_name_equal(&rr.name, owner)) {
                        *target = rr.data.name;
                        ttl_min(ttl, rr.ttl);
                        return true;
                }
        }
        return false;
}

/* RFC 1034 3.6.2: an alias has only its CNAME; the data lives at the canonical name, which
 * the server normally includes (RFC 1034 4.3.2 step 3a). Follow at most DNS_MAX_CNAMES hops,
 * which also ends a loop such as a -> b -> a. Returns the status for the callback. */
static int
answer_follow(const struct dns_msg *m, const struct dns_name *qname, uint16_t qtype,
              struct dns_result *r)
{
        struct dns_name cur = *qname, next;
        uint32_t ttl = UINT32_MAX;

        for (unsigned hop = 0;; hop++) {
                if (collect_addrs(m, &cur, qtype, r, &ttl) > 0) {
                        r->ttl_s = ttl;
                        return 0;
                }
                if (!find_cname(m, &cur, &next, &ttl))
                        return DNS_ERR_NODATA;
                if (hop == DNS_MAX_CNAMES)
                        return DNS_ERR_CNAME_LOOP;
                if (dns_name_to_text(&next, r->names[r->n_names], DNS_RESULT_NAME_LEN) < 0)
                        return -EBADMSG;
                r->n_names++;
                cur = next;
        }
}

enum dns_check
dns_reply_check(const uint8_t *msg, size_t len, uint16_t id, const struct dns_name *qname,
                uint16_t qtype, int *status, struct dns_result *r)
{
        struct dns_hdr h;
        struct dns_msg m;
        unsigned rcode;
        int st;

        memset(r, 0, sizeof(*r));
        r->qtype = qtype;
        r->n_names = 1;
        if (dns_name_to_text(qname, r->names[0], DNS_RESULT_NAME_LEN) < 0)
                return DNS_CHECK_MISMATCH;
        if (dns_hdr_parse(msg, len, &h) < 0)
                return DNS_CHECK_MALFORMED;
        if (h.id != id)
                return DNS_CHECK_MISMATCH; /* whatever it is, it is not ours */
        if (dns_msg_parse(msg, len, &m) < 0)
                return DNS_CHECK_MALFORMED;
        if (question_check(&m, id, qname, qtype) != DNS_CHECK_ANSWER)
                return DNS_CHECK_MISMATCH;
        /* RFC 1035 4.1.1 TC: the records may be cut anywhere, so read no further. The answer
         * belongs on TCP (RFC 7766 5): the resolver asks again there. */
        if (h.flags & DNS_FLAG_TC) {
                *status = DNS_ERR_TRUNCATED;
                return DNS_CHECK_ANSWER;
        }
        if (records_check(&m) < 0)
                return DNS_CHECK_MALFORMED;
        /* The chain is read even on an error: an NXDOMAIN may end a CNAME chain (RFC 6604). */
        st = answer_follow(&m, qname, qtype, r);
        rcode = dns_hdr_rcode(&m.hdr);
        *status = rcode != DNS_RCODE_NOERROR ? DNS_ERR_RCODE_BASE - (int)rcode : st;
        return DNS_CHECK_ANSWER;
}

int
dns_err_rcode(int status)
{
        if (status < DNS_ERR_RCODE_BASE && status >= DNS_ERR_RCODE_BASE - 15)
                return DNS_ERR_RCODE_BASE - status;
        return -1;
}

const char *
dns_strerror(int status)
{
        switch (status) {
        case 0:
                return "no error";
        case DNS_ERR_FORMERR:
                return "FORMERR: the server could not interpret the query";
        case DNS_ERR_SERVFAIL:
                return "SERVFAIL: the server failed to answer";
        case DNS_ERR_NXDOMAIN:
                return "NXDOMAIN: the name does not exist";
        case DNS_ERR_NOTIMP:
                return "NOTIMP: the server does not support the query";
        case DNS_ERR_REFUSED:
                return "REFUSED: the server refused the query";
        case DNS_ERR_NODATA:
                return "no record of the requested type";
        case DNS_ERR_TRUNCATED:
                return "answer truncated (TC), even over TCP";
        case DNS_ERR_CNAME_LOOP:
                return "CNAME chain too long or looping";
        case -ETIMEDOUT:
                return "connection timed out; no servers could be reached";
        }
        if (dns_err_rcode(status) > 0)
                return "the server returned an error";
        return strerror(-status);
}

/* The resolver's reply check (RFC 5452 9.1) and answer reading (RFC 1034 3.6.2, RFC 1035
 * 4.1.1): forged or mismatched replies never become answers; malformed ones are refused. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "stack/dns/resolver.h"
#include "stack/wire/bytes.h"

#define TXID 0x4d2e

struct msg {
        uint8_t b[512];
        size_t len;
        struct dns_name q;
};

/* A response header and question for qname/qtype, flags QR|RD|RA plus extra. */
static void
msg_start(struct msg *m, uint16_t id, const char *qname, uint16_t qtype, uint16_t extra)
{
        int len;

        CU_ASSERT_EQUAL_FATAL(dns_name_from_text(qname, &m->q), 0);
        len = dns_query_emit(m->b, sizeof(m->b), id,
                             DNS_FLAG_QR | DNS_FLAG_RD | DNS_FLAG_RA | extra, &m->q, qtype);
        CU_ASSERT_FATAL(len > 0);
        m->len = (size_t)len;
}

/* Append an answer record and bump ANCOUNT. */
static void
msg_answer(struct msg *m, const char *owner, uint16_t type, uint32_t ttl, const char *data)
{
        struct dns_name n, target;
        uint8_t a[4];
        unsigned v[4];

        CU_ASSERT_EQUAL_FATAL(dns_name_from_text(owner, &n), 0);
        if (type == DNS_TYPE_A) {
                CU_ASSERT_EQUAL_FATAL(sscanf(data, "%u.%u.%u.%u", &v[0], &v[1], &v[2], &v[3]), 4);
                for (int i = 0; i < 4; i++)
                        a[i] = (uint8_t)v[i];
                CU_ASSERT_EQUAL_FATAL(dns_rr_emit(m->b, sizeof(m->b), &m->len, &n, type, ttl, a, 4),
                                      0);
        } else {
                CU_ASSERT_EQUAL_FATAL(dns_name_from_text(data, &target), 0);
                CU_ASSERT_EQUAL_FATAL(
                    dns_rr_emit(m->b, sizeof(m->b), &m->len, &n, type, ttl, target.b, target.len),
                    0);
        }
        put16(m->b + 6, (uint16_t)(get16(m->b + 6) + 1));
}

static enum dns_check
check(const struct msg *m, const char *qname, uint16_t qtype, int *status, struct dns_result *r)
{
        struct dns_name q;

        CU_ASSERT_EQUAL_FATAL(dns_name_from_text(qname, &q), 0);
        *status = 12345;
        return dns_reply_check(m->b, m->len, TXID, &q, qtype, status, r);
}

static void
rfc1035_a_answer_returns_every_address(void)
{
        struct msg m;
        struct dns_result r;
        int st;

        msg_start(&m, TXID, "google.com", DNS_TYPE_A, 0);
        msg_answer(&m, "google.com", DNS_TYPE_A, 267, "142.250.196.142");
        msg_answer(&m, "GOOGLE.COM", DNS_TYPE_A, 100, "142.250.196.143");
        CU_ASSERT_EQUAL(check(&m, "google.com", DNS_TYPE_A, &st, &r), DNS_CHECK_ANSWER);
        CU_ASSERT_EQUAL(st, 0);
        CU_ASSERT_EQUAL(r.n_addrs, 2);
        CU_ASSERT_EQUAL(r.addrs[0], 0x8efac48eu);
        CU_ASSERT_EQUAL(r.addrs[1], 0x8efac48fu);
        CU_ASSERT_EQUAL(r.ttl_s, 100); /* the smaller TTL bounds the cache time */
        CU_ASSERT_EQUAL(r.n_names, 1);
        CU_ASSERT_STRING_EQUAL(r.names[0], "google.com");
}

static void
rfc5452_9_1_wrong_id_is_a_mismatch(void)
{
        struct msg m;
        struct dns_result r;
        int st;

        msg_start(&m, TXID ^ 1, "google.com", DNS_TYPE_A, 0);
        msg_answer(&m, "google.com", DNS_TYPE_A, 267, "6.6.6.6");
        CU_ASSERT_EQUAL(check(&m, "google.com", DNS_TYPE_A, &st, &r), DNS_CHECK_MISMATCH);
        CU_ASSERT_EQUAL(st, 12345);
        /* Even a garbled body is "not ours" when the ID differs. */
        m.len = 13;
        CU_ASSERT_EQUAL(check(&m, "google.com", DNS_TYPE_A, &st, &r), DNS_CHECK_MISMATCH);
}

static void
rfc5452_9_1_wrong_question_is_a_mismatch(void)
{
        struct msg m;
        struct dns_result r;
        int st;

        msg_start(&m, TXID, "evil.example", DNS_TYPE_A, 0);
        msg_answer(&m, "evil.example", DNS_TYPE_A, 267, "6.6.6.6");
        CU_ASSERT_EQUAL(check(&m, "google.com", DNS_TYPE_A, &st, &r), DNS_CHECK_MISMATCH);
        msg_start(&m, TXID, "google.com", DNS_TYPE_AAAA, 0);
        CU_ASSERT_EQUAL(check(&m, "google.com", DNS_TYPE_A, &st, &r), DNS_CHECK_MISMATCH);
        msg_start(&m, TXID, "google.com", DNS_TYPE_A, 0);
        put16(m.b + m.len - 2, 3); /* QCLASS CH */
        CU_ASSERT_EQUAL(check(&m, "google.com", DNS_TYPE_A, &st, &r), DNS_CHECK_MISMATCH);
        msg_start(&m, TXID, "google.com", DNS_TYPE_A, 0);
        put16(m.b + 4, 0); /* no question at all */
        m.len = DNS_HDR_LEN;
        CU_ASSERT_EQUAL(check(&m, "google.com", DNS_TYPE_A, &st, &r), DNS_CHECK_MISMATCH);
        /* A query (QR clear) echoed back is not an answer. */
        msg_start(&m, TXID, "google.com", DNS_TYPE_A, 0);
        put16(m.b + 2, DNS_FLAG_RD);
        CU_ASSERT_EQUAL(check(&m, "google.com", DNS_TYPE_A, &st, &r), DNS_CHECK_MISMATCH);
        /* Case differences are the same question (RFC 1035 2.3.3). */
        msg_start(&m, TXID, "GooGle.COM", DNS_TYPE_A, 0);
        CU_ASSERT_EQUAL(check(&m, "google.com", DNS_TYPE_A, &st, &r), DNS_CHECK_ANSWER);
        CU_ASSERT_EQUAL(st, DNS_ERR_NODATA);
}

static void
rfc1034_3_6_2_cname_chain_is_followed(void)
{
        struct msg m;
        struct dns_result r;
        int st;

        msg_start(&m, TXID, "www.example.com", DNS_TYPE_A, 0);
        /* Out of order on purpose: the chain is followed by name, not by position. */
        msg_answer(&m, "edge.example.net", DNS_TYPE_A, 50, "192.0.2.10");
        msg_answer(&m, "www.example.com", DNS_TYPE_CNAME, 300, "cdn.example.net");
        msg_answer(&m, "other.example", DNS_TYPE_A, 5, "6.6.6.6");
        msg_answer(&m, "cdn.example.net", DNS_TYPE_CNAME, 40, "edge.example.net");
        CU_ASSERT_EQUAL(check(&m, "www.example.com", DNS_TYPE_A, &st, &r), DNS_CHECK_ANSWER);
        CU_ASSERT_EQUAL(st, 0);
        CU_ASSERT_EQUAL_FATAL(r.n_names, 3);
        CU_ASSERT_STRING_EQUAL(r.names[1], "cdn.example.net");
        CU_ASSERT_STRING_EQUAL(r.names[2], "edge.example.net");
        CU_ASSERT_EQUAL(r.n_addrs, 1);
        CU_ASSERT_EQUAL(r.addrs[0], 0xc000020au);
        CU_ASSERT_EQUAL(r.ttl_s, 40);
}

static void
cname_loop_and_long_chain_end_with_an_error(void)
{
        struct msg m;
        struct dns_result r;
        char a[32], b[32];
        int st;

        msg_start(&m, TXID, "a.example", DNS_TYPE_A, 0);
        msg_answer(&m, "a.example", DNS_TYPE_CNAME, 60, "b.example");
        msg_answer(&m, "b.example", DNS_TYPE_CNAME, 60, "a.example");
        CU_ASSERT_EQUAL(check(&m, "a.example", DNS_TYPE_A, &st, &r), DNS_CHECK_ANSWER);
        CU_ASSERT_EQUAL(st, DNS_ERR_CNAME_LOOP);
        CU_ASSERT_EQUAL(r.n_names, DNS_MAX_CNAMES + 1);
        /* Exactly DNS_MAX_CNAMES hops still resolve; one more does not. */
        msg_start(&m, TXID, "n0.example", DNS_TYPE_A, 0);
        for (int i = 0; i < DNS_MAX_CNAMES; i++) {
                snprintf(a, sizeof(a), "n%d.example", i);
                snprintf(b, sizeof(b), "n%d.example", i + 1);
                msg_answer(&m, a, DNS_TYPE_CNAME, 60, b);
        }
        msg_answer(&m, b, DNS_TYPE_A, 60, "192.0.2.1");
        CU_ASSERT_EQUAL(check(&m, "n0.example", DNS_TYPE_A, &st, &r), DNS_CHECK_ANSWER);
        CU_ASSERT_EQUAL(st, 0);
        CU_ASSERT_EQUAL(r.n_names, DNS_MAX_CNAMES + 1);
        msg_start(&m, TXID, "x.example", DNS_TYPE_A, 0);
        msg_answer(&m, "x.example", DNS_TYPE_CNAME, 60, "n0.example");
        for (int i = 0; i < DNS_MAX_CNAMES; i++) {
                snprintf(a, sizeof(a), "n%d.example", i);
                snprintf(b, sizeof(b), "n%d.example", i + 1);
                msg_answer(&m, a, DNS_TYPE_CNAME, 60, b);
        }
        msg_answer(&m, b, DNS_TYPE_A, 60, "192.0.2.1");
        CU_ASSERT_EQUAL(check(&m, "x.example", DNS_TYPE_A, &st, &r), DNS_CHECK_ANSWER);
        CU_ASSERT_EQUAL(st, DNS_ERR_CNAME_LOOP);
}

static void
rfc1035_4_1_1_rcodes_are_distinct_errors(void)
{
        static const struct {
                uint16_t rcode;
                int status;
        } cases[] = {{DNS_RCODE_NXDOMAIN, DNS_ERR_NXDOMAIN},
                     {DNS_RCODE_SERVFAIL, DNS_ERR_SERVFAIL},
                     {DNS_RCODE_REFUSED, DNS_ERR_REFUSED},
                     {DNS_RCODE_FORMERR, DNS_ERR_FORMERR},
                     {9, DNS_ERR_RCODE_BASE - 9}};
        struct msg m;
        struct dns_result r;
        int st;

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                msg_start(&m, TXID, "foo.example", DNS_TYPE_A, cases[i].rcode);
                CU_ASSERT_EQUAL(check(&m, "foo.example", DNS_TYPE_A, &st, &r), DNS_CHECK_ANSWER);
                CU_ASSERT_EQUAL(st, cases[i].status);
                CU_ASSERT_EQUAL(dns_err_rcode(st), cases[i].rcode);
        }
        CU_ASSERT_STRING_NOT_EQUAL(dns_strerror(DNS_ERR_NXDOMAIN), dns_strerror(DNS_ERR_SERVFAIL));
        CU_ASSERT_STRING_NOT_EQUAL(dns_strerror(DNS_ERR_REFUSED), dns_strerror(DNS_ERR_SERVFAIL));
        CU_ASSERT_EQUAL(dns_err_rcode(-ETIMEDOUT), -1);
}

static void
rfc1035_4_1_1_tc_is_reported_not_parsed(void)
{
        struct msg m;
        struct dns_result r;
        int st;

        msg_start(&m, TXID, "big.example", DNS_TYPE_A, DNS_FLAG_TC);
        put16(m.b + 6, 40); /* forty answers announced, none present: cut off */
        CU_ASSERT_EQUAL(check(&m, "big.example", DNS_TYPE_A, &st, &r), DNS_CHECK_ANSWER);
        CU_ASSERT_EQUAL(st, DNS_ERR_TRUNCATED);
}

static void
malformed_replies_are_refused(void)
{
        struct msg m;
        struct dns_result r;
        int st;

        /* Answer count larger than the records present. */
        msg_start(&m, TXID, "google.com", DNS_TYPE_A, 0);
        msg_answer(&m, "google.com", DNS_TYPE_A, 267, "142.250.196.142");
        put16(m.b + 6, 2);
        CU_ASSERT_EQUAL(check(&m, "google.com", DNS_TYPE_A, &st, &r), DNS_CHECK_MALFORMED);
        /* A record with RDLENGTH 5. */
        put16(m.b + 6, 1);
        put16(m.b + m.len - 6, 5);
        m.b[m.len++] = 0;
        CU_ASSERT_EQUAL(check(&m, "google.com", DNS_TYPE_A, &st, &r), DNS_CHECK_MALFORMED);
        /* Truncated header and truncated question. */
        m.len = DNS_HDR_LEN - 1;
        CU_ASSERT_EQUAL(check(&m, "google.com", DNS_TYPE_A, &st, &r), DNS_CHECK_MALFORMED);
        m.len = DNS_HDR_LEN + 3;
        CU_ASSERT_EQUAL(check(&m, "google.com", DNS_TYPE_A, &st, &r), DNS_CHECK_MALFORMED);
        CU_ASSERT_EQUAL(st, 12345);
}

static void
rfc1035_3_3_1_nodata_when_no_record_of_the_type(void)
{
        struct msg m;
        struct dns_result r;
        int st;

        msg_start(&m, TXID, "mail.example", DNS_TYPE_A, 0);
        msg_answer(&m, "elsewhere.example", DNS_TYPE_A, 60, "6.6.6.6");
        CU_ASSERT_EQUAL(check(&m, "mail.example", DNS_TYPE_A, &st, &r), DNS_CHECK_ANSWER);
        CU_ASSERT_EQUAL(st, DNS_ERR_NODATA);
        CU_ASSERT_EQUAL(r.n_addrs, 0); /* a record for another owner is never taken */
}

void
suite_dns_reply(void)
{
        CU_pSuite su = CU_add_suite("dns_reply", NULL, NULL);
        CU_add_test(su, "rfc1035_a_answer_returns_every_address",
                    rfc1035_a_answer_returns_every_address);
        CU_add_test(su, "rfc5452_9_1_wrong_id_is_a_mismatch", rfc5452_9_1_wrong_id_is_a_mismatch);
        CU_add_test(su, "rfc5452_9_1_wrong_question_is_a_mismatch",
                    rfc5452_9_1_wrong_question_is_a_mismatch);
        CU_add_test(su, "rfc1034_3_6_2_cname_chain_is_followed",
                    rfc1034_3_6_2_cname_chain_is_followed);
        CU_add_test(su, "cname_loop_and_long_chain_end_with_an_error",
                    cname_loop_and_long_chain_end_with_an_error);
        CU_add_test(su, "rfc1035_4_1_1_rcodes_are_distinct_errors",
                    rfc1035_4_1_1_rcodes_are_distinct_errors);
        CU_add_test(su, "rfc1035_4_1_1_tc_is_reported_not_parsed",
                    rfc1035_4_1_1_tc_is_reported_not_parsed);
        CU_add_test(su, "malformed_replies_are_refused", malformed_replies_are_refused);
        CU_add_test(su, "rfc1035_3_3_1_nodata_when_no_record_of_the_type",
                    rfc1035_3_3_1_nodata_when_no_record_of_the_type);
}

/* DNS wire format (RFC 1035 4.1): the seed's query and answer byte for byte, and malformed
 * messages (RFC 1035 4.1.4 pointers, 2.3.4 size limits, truncations) refused with -EBADMSG. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <string.h>

#include "stack/wire/dns.h"

/* Frame 20 of the seed capture, UDP payload: "Standard query 0x98ef A google.com". */
static const uint8_t seed_query[] = {
    0x98, 0xef, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 'g',
    'o',  'o',  'g',  'l',  'e',  0x03, 'c',  'o',  'm',  0x00, 0x00, 0x01, 0x00, 0x01,
};

/* Frame 21: the answer, A 142.250.196.142 with TTL 267, its name a pointer to offset 12. */
static const uint8_t seed_response[] = {
    0x98, 0xef, 0x81, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x06, 'g',  'o',
    'o',  'g',  'l',  'e',  0x03, 'c',  'o',  'm',  0x00, 0x00, 0x01, 0x00, 0x01, 0xc0, 0x0c,
    0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x0b, 0x00, 0x04, 0x8e, 0xfa, 0xc4, 0x8e,
};

/* Parse the header, the questions and every record of every section. */
static int
parse_all(const uint8_t *buf, size_t len)
{
        struct dns_msg m;
        struct dns_rr rr;
        size_t off;
        unsigned n;

        if (dns_msg_parse(buf, len, &m) < 0)
                return -EBADMSG;
        off = m.an_off;
        n = (unsigned)m.hdr.ancount + m.hdr.nscount + m.hdr.arcount;
        for (unsigned i = 0; i < n; i++)
                if (dns_rr_read(&m, &off, &rr) < 0)
                        return -EBADMSG;
        return 0;
}

static void
rfc1035_4_1_seed_query_parses_and_emits_identical_bytes(void)
{
        struct dns_msg m;
        struct dns_question q;
        struct dns_name want;
        uint8_t out[64];
        char text[DNS_NAME_TEXT_MAX];
        size_t off;

        CU_ASSERT_EQUAL_FATAL(dns_msg_parse(seed_query, sizeof(seed_query), &m), 0);
        CU_ASSERT_EQUAL(m.hdr.id, 0x98ef);
        CU_ASSERT_EQUAL(m.hdr.flags, DNS_FLAG_RD);
        CU_ASSERT_EQUAL(m.hdr.qdcount, 1);
        CU_ASSERT_EQUAL(m.an_off, sizeof(seed_query));
        off = m.qd_off;
        CU_ASSERT_EQUAL_FATAL(dns_question_read(&m, &off, &q), 0);
        CU_ASSERT_EQUAL(q.type, DNS_TYPE_A);
        CU_ASSERT_EQUAL(q.qclass, DNS_CLASS_IN);
        CU_ASSERT_EQUAL(dns_name_to_text(&q.name, text, sizeof(text)), 0);
        CU_ASSERT_STRING_EQUAL(text, "google.com");
        CU_ASSERT_EQUAL_FATAL(dns_name_from_text("google.com", &want), 0);
        CU_ASSERT_EQUAL(dns_query_emit(out, sizeof(out), 0x98ef, DNS_FLAG_RD, &want, DNS_TYPE_A),
                        (int)sizeof(seed_query));
        CU_ASSERT_EQUAL(memcmp(out, seed_query, sizeof(seed_query)), 0);
        CU_ASSERT_EQUAL(dns_query_emit(out, sizeof(seed_query) - 1, 1, 0, &want, DNS_TYPE_A),
                        -EMSGSIZE);
}

static void
rfc1035_4_1_3_seed_answer_record_fields(void)
{
        struct dns_msg m;
        struct dns_rr rr;
        struct dns_name want;
        size_t off;

        CU_ASSERT_EQUAL_FATAL(dns_msg_parse(seed_response, sizeof(seed_response), &m), 0);
        CU_ASSERT_EQUAL(m.hdr.flags, 0x8180);
        CU_ASSERT_EQUAL(dns_hdr_rcode(&m.hdr), DNS_RCODE_NOERROR);
        CU_ASSERT_EQUAL(m.hdr.ancount, 1);
        off = m.an_off;
        CU_ASSERT_EQUAL_FATAL(dns_rr_read(&m, &off, &rr), 0);
        CU_ASSERT_EQUAL(off, sizeof(seed_response));
        dns_name_from_text("GOOGLE.com.", &want);
        CU_ASSERT_TRUE(dns_name_equal(&rr.name, &want)); /* RFC 1035 2.3.3: case-insensitive */
        CU_ASSERT_EQUAL(rr.type, DNS_TYPE_A);
        CU_ASSERT_EQUAL(rr.rclass, DNS_CLASS_IN);
        CU_ASSERT_EQUAL(rr.ttl, 267);
        CU_ASSERT_EQUAL(rr.rdlength, 4);
        CU_ASSERT_EQUAL(rr.data.a, 0x8efac48eu);
}

static void
seed_describe_lines_match_wireshark(void)
{
        char line[256];
        size_t n;

        n = dns_describe(seed_query, sizeof(seed_query), line, sizeof(line));
        CU_ASSERT_STRING_EQUAL(line, "Standard query 0x98ef A google.com");
        CU_ASSERT_EQUAL(n, strlen(line));
        dns_describe(seed_response, sizeof(seed_response), line, sizeof(line));
        CU_ASSERT_STRING_EQUAL(line,
                               "Standard query response 0x98ef A google.com A 142.250.196.142");
        CU_ASSERT_EQUAL(dns_describe(seed_response, 11, line, sizeof(line)), 0);
        /* A short buffer is cut, never overrun. */
        n = dns_describe(seed_response, sizeof(seed_response), line, 10);
        CU_ASSERT_EQUAL(n, 9);
        CU_ASSERT_STRING_EQUAL(line, "Standard ");
}

static void
describe_cname_and_nxdomain(void)
{
        /* www.example.com CNAME example.com (pointer to 16), example.com A 192.0.2.1. */
        static const uint8_t cname[] = {0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0, 3, 'w', 'w',
                                        'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm',
                                        0, 0, 1, 0, 1,
                                        /* answer 1 */
                                        0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 2, 0xc0, 16,
                                        /* answer 2 */
                                        0xc0, 16, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1};
        static const uint8_t nx[] = {0x00, 0x07, 0x81, 0x83, 0,   1,   0, 0,   0,   0,
                                     0,    0,    3,    'f',  'o', 'o', 7, 'e', 'x', 'a',
                                     'm',  'p',  'l',  'e',  0,   0,   1, 0,   1};
        char line[256];

        CU_ASSERT_EQUAL(parse_all(cname, sizeof(cname)), 0);
        dns_describe(cname, sizeof(cname), line, sizeof(line));
        CU_ASSERT_STRING_EQUAL(line, "Standard query response 0x1234 A www.example.com CNAME "
                                     "example.com A 192.0.2.1");
        dns_describe(nx, sizeof(nx), line, sizeof(line));
        CU_ASSERT_STRING_EQUAL(line, "Standard query response 0x0007 No such name A foo.example");
}

static void
rfc1035_4_1_every_truncation_is_ebadmsg(void)
{
        CU_ASSERT_EQUAL(parse_all(seed_response, sizeof(seed_response)), 0);
        for (size_t len = 0; len < sizeof(seed_response); len++)
                CU_ASSERT_EQUAL(parse_all(seed_response, len), -EBADMSG);
        for (size_t len = 0; len < sizeof(seed_query); len++)
                CU_ASSERT_EQUAL(parse_all(seed_query, len), -EBADMSG);
}

/* A message whose only question name starts at offset 12 with the given bytes. */
static size_t
with_qname(uint8_t *buf, const uint8_t *name, size_t name_len)
{
        static const uint8_t hdr[] = {0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0};

        memcpy(buf, hdr, sizeof(hdr));
        memcpy(buf + 12, name, name_len);
        memcpy(buf + 12 + name_len, "\0\1\0\1", 4);
        return 12 + name_len + 4;
}

static void
rfc1035_4_1_4_pointer_loop_is_refused(void)
{
        /* Offset 14 points to 12, which points back to 14: a loop. */
        static const uint8_t loop[] = {0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xc0, 14, 0xc0, 12};
        struct dns_name n;
        size_t off = 14;

        CU_ASSERT_EQUAL(dns_name_read(loop, sizeof(loop), &off, &n), -EBADMSG);
        off = 12;
        CU_ASSERT_EQUAL(dns_name_read(loop, sizeof(loop), &off, &n), -EBADMSG);
}

static void
rfc1035_4_1_4_pointer_into_itself_or_forward_is_refused(void)
{
        static const uint8_t self[] = {0xc0, 12};
        static const uint8_t fwd[] = {0xc0, 14, 1, 'a', 0};
        /* "a" then a pointer back to its own first label: an endless "a.a.a..." name. */
        static const uint8_t into[] = {1, 'a', 0xc0, 12};
        uint8_t buf[64];

        CU_ASSERT_EQUAL(parse_all(buf, with_qname(buf, self, sizeof(self))), -EBADMSG);
        CU_ASSERT_EQUAL(parse_all(buf, with_qname(buf, fwd, sizeof(fwd))), -EBADMSG);
        CU_ASSERT_EQUAL(parse_all(buf, with_qname(buf, into, sizeof(into))), -EBADMSG);
}

static void
rfc1035_4_1_4_pointer_past_the_end_or_into_header_is_refused(void)
{
        static const uint8_t past[] = {0xc0, 0xff};
        static const uint8_t header[] = {0xc0, 2};
        static const uint8_t half[] = {0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xc0};
        struct dns_name n;
        uint8_t buf[64];
        size_t off = 12;

        CU_ASSERT_EQUAL(parse_all(buf, with_qname(buf, past, sizeof(past))), -EBADMSG);
        CU_ASSERT_EQUAL(parse_all(buf, with_qname(buf, header, sizeof(header))), -EBADMSG);
        CU_ASSERT_EQUAL(dns_name_read(half, sizeof(half), &off, &n), -EBADMSG);
}

static void
rfc1035_2_3_4_label_over_63_is_refused(void)
{
        uint8_t name[70], buf[128];
        char text[70];
        struct dns_name n;

        /* Length octet 64 has the 01 prefix: a reserved label type, never a label. */
        memset(name, 'a', sizeof(name));
        name[0] = 64;
        name[65] = 0;
        CU_ASSERT_EQUAL(parse_all(buf, with_qname(buf, name, 66)), -EBADMSG);
        name[0] = 63;
        name[64] = 0;
        CU_ASSERT_EQUAL(parse_all(buf, with_qname(buf, name, 65)), 0);
        memset(text, 'a', sizeof(text));
        text[63] = 0;
        CU_ASSERT_EQUAL(dns_name_from_text(text, &n), 0);
        text[63] = 'a';
        text[64] = 0;
        CU_ASSERT_EQUAL(dns_name_from_text(text, &n), -EINVAL);
}

static void
rfc1035_2_3_4_name_over_255_is_refused(void)
{
        uint8_t buf[400];
        size_t at = 12, starts[4];
        struct dns_msg m;
        struct dns_name n;
        char text[300];

        /* Four 63-octet labels chained by pointers: 4 * 64 + 1 = 257 octets expanded. */
        memset(buf, 0, 12);
        for (int i = 0; i < 4; i++) {
                starts[i] = at;
                buf[at++] = 63;
                memset(buf + at, 'a' + i, 63);
                at += 63;
                if (i == 0) {
                        buf[at++] = 0;
                } else {
                        buf[at++] = 0xc0;
                        buf[at++] = (uint8_t)starts[i - 1];
                }
        }
        m.buf = buf;
        m.len = at;
        at = starts[2];
        CU_ASSERT_EQUAL(dns_name_read(buf, m.len, &at, &n), 0);
        CU_ASSERT_EQUAL(n.len, 3 * 64 + 1);
        at = starts[3];
        CU_ASSERT_EQUAL(dns_name_read(buf, m.len, &at, &n), -EBADMSG);
        /* Text: 63+1+63+1+63+1+61 = 253 characters are 255 octets; one more is too many. */
        memset(text, 'x', sizeof(text));
        text[63] = text[127] = text[191] = '.';
        text[253] = 0;
        CU_ASSERT_EQUAL(dns_name_from_text(text, &n), 0);
        CU_ASSERT_EQUAL(n.len, 255);
        text[253] = 'x';
        text[254] = 0;
        CU_ASSERT_EQUAL(dns_name_from_text(text, &n), -EINVAL);
}

static void
text_names_are_validated(void)
{
        struct dns_name n;
        char text[DNS_NAME_TEXT_MAX];

        CU_ASSERT_EQUAL(dns_name_from_text("", &n), -EINVAL);
        CU_ASSERT_EQUAL(dns_name_from_text("a..b", &n), -EINVAL);
        CU_ASSERT_EQUAL(dns_name_from_text(".a", &n), -EINVAL);
        CU_ASSERT_EQUAL(dns_name_from_text("a b", &n), -EINVAL);
        CU_ASSERT_EQUAL(dns_name_from_text("a.", &n), 0);
        CU_ASSERT_EQUAL(n.len, 3);
        CU_ASSERT_EQUAL(dns_name_from_text(".", &n), 0);
        CU_ASSERT_EQUAL(n.len, 1);
        dns_name_to_text(&n, text, sizeof(text));
        CU_ASSERT_STRING_EQUAL(text, ".");
        /* A dot and a control octet inside a label print escaped (RFC 1035 5.1). */
        n.len = 5;
        memcpy(n.b, "\3a.\1\0", 5);
        CU_ASSERT_EQUAL(dns_name_to_text(&n, text, sizeof(text)), 0);
        CU_ASSERT_STRING_EQUAL(text, "a\\.\\001");
        CU_ASSERT_EQUAL(dns_name_to_text(&n, text, 5), -EMSGSIZE);
}

static void
rfc1035_4_1_1_truncated_header_question_record(void)
{
        /* Header only 11 octets; a question without its QCLASS; a record with RDATA cut. */
        uint8_t buf[64];

        CU_ASSERT_EQUAL(parse_all(seed_query, DNS_HDR_LEN - 1), -EBADMSG);
        CU_ASSERT_EQUAL(parse_all(seed_query, sizeof(seed_query) - 2), -EBADMSG);
        memcpy(buf, seed_response, sizeof(seed_response));
        buf[sizeof(seed_response) - 5] = 5; /* RDLENGTH 5 with 4 octets left */
        CU_ASSERT_EQUAL(parse_all(buf, sizeof(seed_response)), -EBADMSG);
}

static void
rfc1035_4_1_1_counts_larger_than_records_present(void)
{
        uint8_t buf[64];

        memcpy(buf, seed_response, sizeof(seed_response));
        buf[7] = 2; /* ANCOUNT 2, one record present */
        CU_ASSERT_EQUAL(parse_all(buf, sizeof(seed_response)), -EBADMSG);
        buf[7] = 1;
        buf[5] = 2; /* QDCOUNT 2, one question present */
        CU_ASSERT_EQUAL(parse_all(buf, sizeof(seed_response)), -EBADMSG);
        buf[5] = 1;
        buf[11] = 1; /* ARCOUNT 1, nothing after the answer */
        CU_ASSERT_EQUAL(parse_all(buf, sizeof(seed_response)), -EBADMSG);
}

static void
rfc1035_3_4_1_a_record_rdlength_must_be_4(void)
{
        uint8_t buf[64];

        /* RDLENGTH 3 (one octet of the address then left over): still malformed. */
        memcpy(buf, seed_response, sizeof(seed_response));
        buf[sizeof(seed_response) - 5] = 3;
        CU_ASSERT_EQUAL(parse_all(buf, sizeof(seed_response) - 1), -EBADMSG);
        /* RDLENGTH 5 with 5 octets present. */
        buf[sizeof(seed_response) - 5] = 5;
        buf[sizeof(seed_response)] = 0;
        CU_ASSERT_EQUAL(parse_all(buf, sizeof(seed_response) + 1), -EBADMSG);
}

static void
cname_rdata_name_must_end_inside_rdata(void)
{
        /* CNAME with RDLENGTH 1 while the name (a pointer) takes 2 octets. */
        static const uint8_t bad[] = {0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 1, 'a', 0,    0, 1,
                                      0, 1, 0xc0, 12,   0, 5, 0, 1, 0, 0, 0, 9, 0, 1,   0xc0, 12};
        CU_ASSERT_EQUAL(parse_all(bad, sizeof(bad)), -EBADMSG);
}

static void
rfc2181_8_ttl_with_top_bit_is_zero(void)
{
        uint8_t buf[64];
        struct dns_msg m;
        struct dns_rr rr;
        size_t off;

        memcpy(buf, seed_response, sizeof(seed_response));
        buf[34] = 0x80;
        CU_ASSERT_EQUAL_FATAL(dns_msg_parse(buf, sizeof(seed_response), &m), 0);
        off = m.an_off;
        CU_ASSERT_EQUAL_FATAL(dns_rr_read(&m, &off, &rr), 0);
        CU_ASSERT_EQUAL(rr.ttl, 0);
}

static void
rr_emit_round_trip(void)
{
        uint8_t buf[128];
        uint8_t addr[4] = {192, 0, 2, 7};
        struct dns_name name;
        struct dns_msg m;
        struct dns_rr rr;
        size_t off;
        int len;

        dns_name_from_text("host.example", &name);
        len = dns_query_emit(buf, sizeof(buf), 7, DNS_FLAG_QR, &name, DNS_TYPE_A);
        CU_ASSERT_FATAL(len > 0);
        off = (size_t)len;
        CU_ASSERT_EQUAL(dns_rr_emit(buf, sizeof(buf), &off, &name, DNS_TYPE_A, 30, addr, 4), 0);
        buf[7] = 1;
        CU_ASSERT_EQUAL_FATAL(dns_msg_parse(buf, off, &m), 0);
        len = (int)off;
        off = m.an_off;
        CU_ASSERT_EQUAL_FATAL(dns_rr_read(&m, &off, &rr), 0);
        CU_ASSERT_EQUAL(off, (size_t)len);
        CU_ASSERT_EQUAL(rr.data.a, 0xc0000207u);
        CU_ASSERT_EQUAL(rr.ttl, 30);
        off = 0;
        CU_ASSERT_EQUAL(dns_rr_emit(buf, 10, &off, &name, DNS_TYPE_A, 30, addr, 4), -EMSGSIZE);
}

void
suite_dns_wire(void)
{
        CU_pSuite su = CU_add_suite("dns_wire", NULL, NULL);
        CU_add_test(su, "rfc1035_4_1_seed_query_parses_and_emits_identical_bytes",
                    rfc1035_4_1_seed_query_parses_and_emits_identical_bytes);
        CU_add_test(su, "rfc1035_4_1_3_seed_answer_record_fields",
                    rfc1035_4_1_3_seed_answer_record_fields);
        CU_add_test(su, "seed_describe_lines_match_wireshark", seed_describe_lines_match_wireshark);
        CU_add_test(su, "describe_cname_and_nxdomain", describe_cname_and_nxdomain);
        CU_add_test(su, "rfc1035_4_1_every_truncation_is_ebadmsg",
                    rfc1035_4_1_every_truncation_is_ebadmsg);
        CU_add_test(su, "rfc1035_4_1_4_pointer_loop_is_refused",
                    rfc1035_4_1_4_pointer_loop_is_refused);
        CU_add_test(su, "rfc1035_4_1_4_pointer_into_itself_or_forward_is_refused",
                    rfc1035_4_1_4_pointer_into_itself_or_forward_is_refused);
        CU_add_test(su, "rfc1035_4_1_4_pointer_past_the_end_or_into_header_is_refused",
                    rfc1035_4_1_4_pointer_past_the_end_or_into_header_is_refused);
        CU_add_test(su, "rfc1035_2_3_4_label_over_63_is_refused",
                    rfc1035_2_3_4_label_over_63_is_refused);
        CU_add_test(su, "rfc1035_2_3_4_name_over_255_is_refused",
                    rfc1035_2_3_4_name_over_255_is_refused);
        CU_add_test(su, "text_names_are_validated", text_names_are_validated);
        CU_add_test(su, "rfc1035_4_1_1_truncated_header_question_record",
                    rfc1035_4_1_1_truncated_header_question_record);
        CU_add_test(su, "rfc1035_4_1_1_counts_larger_than_records_present",
                    rfc1035_4_1_1_counts_larger_than_records_present);
        CU_add_test(su, "rfc1035_3_4_1_a_record_rdlength_must_be_4",
                    rfc1035_3_4_1_a_record_rdlength_must_be_4);
        CU_add_test(su, "cname_rdata_name_must_end_inside_rdata",
                    cname_rdata_name_must_end_inside_rdata);
        CU_add_test(su, "rfc2181_8_ttl_with_top_bit_is_zero", rfc2181_8_ttl_with_top_bit_is_zero);
        CU_add_test(su, "rr_emit_round_trip", rr_emit_round_trip);
}

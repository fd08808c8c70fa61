/* Stub resolver internals (RFC 1035, RFC 5452): set-up, and the reply check kept apart from
 * sockets and timers so unit tests can feed it crafted messages. */
#ifndef STACK_DNS_RESOLVER_H
#define STACK_DNS_RESOLVER_H

#include <stddef.h>
#include <stdint.h>

#include "stack/dns.h"
#include "stack/wire/dns.h"

struct stack;

int dns_init(struct stack *s);
void dns_fini(struct stack *s);

enum dns_check {
        DNS_CHECK_ANSWER,    /* the reply to our query: *status and *r are set */
        DNS_CHECK_MALFORMED, /* unparseable: count DNS_RX_BAD, drop, keep waiting */
        DNS_CHECK_MISMATCH,  /* not for this query (ID, QR, opcode or question): drop, wait */
};

/* Check a reply's ID and question against the query (RFC 5452 9.1; the source address and
 * port are the caller's job), then read the answer: RCODE, TC, and the A/AAAA records of
 * qname or of the end of its CNAME chain (RFC 1034 3.6.2, at most DNS_MAX_CNAMES hops). */
enum dns_check dns_reply_check(const uint8_t *msg, size_t len, uint16_t id,
                               const struct dns_name *qname, uint16_t qtype, int *status,
                               struct dns_result *r);

#endif

/* Public API of the asynchronous DNS stub resolver (RFC 1035, RFC 1034 5.3.1, RFC 5452).
 * Queries go to stack_config.dns_server port 53 over UDP and complete from stack_poll:
 * the callback never runs inside dns_resolve(). */
#ifndef STACK_DNS_H
#define STACK_DNS_H

#include <stdbool.h>
#include <stdint.h>

#include "stack/stack.h"

#define DNS_QTYPE_A 1     /* RFC 1035 3.2.2 */
#define DNS_QTYPE_AAAA 28 /* RFC 3596 */

#define DNS_MAX_ADDRS 64        /* addresses kept per answer (a TCP answer may hold more) */
#define DNS_MAX_CNAMES 8        /* CNAME hops followed before giving up */
#define DNS_RESULT_NAME_LEN 256 /* a name in presentation form, NUL included */

/* Failures beyond negative errno values (-ETIMEDOUT: no answer after the retries,
 * -ECONNREFUSED: only ICMP port unreachable came back, -EINVAL: a bad name). A non-zero
 * RCODE r (RFC 1035 4.1.1) is reported as DNS_ERR_RCODE_BASE - r; the common ones are named. */
enum dns_err {
        DNS_ERR_RCODE_BASE = -2000,
        DNS_ERR_FORMERR = -2001,   /* server: format error */
        DNS_ERR_SERVFAIL = -2002,  /* server failure */
        DNS_ERR_NXDOMAIN = -2003,  /* the name does not exist */
        DNS_ERR_NOTIMP = -2004,    /* server: not implemented */
        DNS_ERR_REFUSED = -2005,   /* server refused */
        DNS_ERR_NODATA = -2100,    /* the name exists but has no record of the type asked */
        DNS_ERR_TRUNCATED = -2101, /* TC set even on the TCP retry */
        DNS_ERR_CNAME_LOOP = -2102 /* CNAME chain longer than DNS_MAX_CNAMES */
};

struct dns_result {
        uint16_t qtype;
        /* names[0] is the name asked; names[i + 1] is the CNAME target of names[i]. */
        unsigned n_names;
        char names[DNS_MAX_CNAMES + 1][DNS_RESULT_NAME_LEN];
        unsigned n_addrs;
        uint32_t addrs[DNS_MAX_ADDRS];     /* DNS_QTYPE_A, host order, in answer order */
        uint8_t addrs6[DNS_MAX_ADDRS][16]; /* DNS_QTYPE_AAAA */
        uint32_t ttl_s;                    /* smallest TTL of the records used */
        bool from_cache;
        bool numeric; /* the name was an address literal: no query was sent */
};

/* status: 0 or a negative errno / enum dns_err. r is never NULL: on failure it still holds
 * names[0] and any CNAMEs followed. r is only valid during the call. */
typedef void dns_done_fn(void *ctx, int status, const struct dns_result *r);

/* Look up the A records of name. Returns a query id (> 0) for dns_cancel, or -EINVAL (bad
 * name), -ENOBUFS (too many queries in flight), -EDESTADDRREQ (no server configured). */
int dns_resolve(struct stack *s, const char *name, dns_done_fn *cb, void *ctx);
/* Same for qtype DNS_QTYPE_A or DNS_QTYPE_AAAA. */
int dns_resolve_type(struct stack *s, const char *name, uint16_t qtype, dns_done_fn *cb, void *ctx);
/* Forget a query; its callback will not run. 0, or -ENOENT when id is not in flight. */
int dns_cancel(struct stack *s, int id);
/* Drop every cached answer. */
void dns_cache_flush(struct stack *s);
/* A message for status ("NXDOMAIN: no such name", "connection timed out", ...). */
const char *dns_strerror(int status);
/* The RCODE behind an enum dns_err status (3 for DNS_ERR_NXDOMAIN), or -1. */
int dns_err_rcode(int status);

#endif

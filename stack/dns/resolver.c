/* Asynchronous DNS stub resolver (RFC 1034 5.3.1, RFC 1035 4.2.1 and 7): a fresh UDP socket
 * on a random port and a random ID per query (RFC 5452 9.2), retransmission with backoff on
 * a stack timer, a small cache bounded in entries that honours TTLs (RFC 1035 3.2.1), and a
 * truncated (TC) answer asked again over TCP (RFC 7766 5, RFC 1035 4.2.2). */
#include "stack/dns/resolver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "stack/core/stack.h"
#include "stack/sock.h"

#define DNS_MAX_QUERIES 16                 /* queries in flight */
#define DNS_CACHE_SIZE 32                  /* cached answers */
#define DNS_TRIES 3                        /* sends at 0 s, 1 s and 3 s; give up at 7 s */
#define DNS_RTO_US 1000000u                /* first wait; doubled per retransmission */
#define DNS_TTL_CAP_S 86400u               /* RFC 2181 8: a resolver may cap TTLs */
#define DNS_RX_MAX 4096                    /* larger datagrams are cut and then fail to parse */
#define DNS_TCP_MAX 65535                  /* RFC 1035 4.2.2: two-byte length prefix */
#define DNS_TCP_TIMEOUT_US (5u * 1000000u) /* the whole TCP exchange */

struct dns_query {
        bool used;
        bool done; /* answered without the network; the timer delivers it */
        int id;
        uint16_t txid, qtype;
        int sd;
        unsigned tries;
        int icmp_err;     /* an ICMP error seen for this query, reported if nothing else comes */
        bool tcp;         /* asking again over TCP after a TC answer */
        bool tcp_sent;    /* the length-prefixed query has been handed to the socket */
        uint8_t *tcp_buf; /* DNS_TCP_MAX + 2 bytes: the length-prefixed answer as it arrives */
        size_t tcp_len;
        struct dns_name qname;
        struct timer timer;
        dns_done_fn *cb;
        void *ctx;
        int status;
        struct dns_result r; /* names[0] is the name as the caller wrote it */
};

struct dns_cache_entry {
        bool used;
        uint16_t qtype;
        struct dns_name qname;
        uint64_t expires_us;
        struct dns_result r;
};

struct dns_state {
        struct dns_query q[DNS_MAX_QUERIES];
        struct dns_cache_entry cache[DNS_CACHE_SIZE];
        int next_id;
};

_Static_assert(DNS_RESULT_NAME_LEN == DNS_NAME_TEXT_MAX, "public and wire name sizes differ");

static void query_timer_fire(struct stack *s, struct timer *t);
static void query_sock_event(void *ctx, int sd, unsigned events);

int
dns_init(struct stack *s)
{
        struct dns_state *d = calloc(1, sizeof(*d));

        if (!d)
                return -ENOMEM;
        for (int i = 0; i < DNS_MAX_QUERIES; i++) {
                d->q[i].sd = -1;
                timer_init(&d->q[i].timer, query_timer_fire);
        }
        d->next_id = 1;
        s->dns = d;
        return 0;
}

static void
query_free(struct stack *s, struct dns_query *q)
{
        stack_timer_cancel(s, &q->timer);
        if (q->sd >= 0)
                sock_close(s, q->sd);
        q->sd = -1;
        free(q->tcp_buf);
        q->tcp_buf = NULL;
        q->tcp = q->tcp_sent = false;
        q->tcp_len = 0;
        q->used = false;
        q->done = false;
        q->cb = NULL;
}

/* Queries still in flight are dropped silently; their sockets close before the socket table
 * goes (stack_destroy calls us first). */
void
dns_fini(struct stack *s)
{
        struct dns_state *d = s->dns;

        if (!d)
                return;
        for (int i = 0; i < DNS_MAX_QUERIES; i++)
                if (d->q[i].used)
                        query_free(s, &d->q[i]);
        free(d);
        s->dns = NULL;
}

static struct dns_query *
query_of_timer(struct timer *t)
{
        return (struct dns_query *)(void *)((char *)t - offsetof(struct dns_query, timer));
}

static struct dns_query *
query_find(struct dns_state *d, int id, int sd)
{
        for (int i = 0; i < DNS_MAX_QUERIES; i++)
                if (d->q[i].used && (id ? d->q[i].id == id : d->q[i].sd == sd))
                        return &d->q[i];
        return NULL;
}

/* Deliver the outcome: the slot is freed first, so the callback may start new queries. */
static void
query_finish(struct stack *s, struct dns_query *q, int status)
{
        struct dns_result r = q->r;
        dns_done_fn *cb = q->cb;
        void *ctx = q->ctx;

        query_free(s, q);
        if (cb)
                cb(ctx, status, &r);
}

static bool
cache_key_eq(const struct dns_cache_entry *e, const struct dns_name *n, uint16_t qtype)
{
        return e->used && e->qtype == qtype && dns_name_equal(&e->qname, n);
}

/* A live cached answer for (qname, qtype) into r, keeping r->names[0]. */
static bool
cache_lookup(struct stack *s, const struct dns_name *qname, uint16_t qtype, struct dns_result *r)
{
        struct dns_state *d = s->dns;
        char asked[DNS_RESULT_NAME_LEN];

        for (int i = 0; i < DNS_CACHE_SIZE; i++) {
                struct dns_cache_entry *e = &d->cache[i];
                if (!cache_key_eq(e, qname, qtype))
                        continue;
                if (e->expires_us <= s->now_us) {
                        e->used = false; /* RFC 1035 3.2.1: past its TTL it must not be used */
                        return false;
                }
                memcpy(asked, r->names[0], sizeof(asked));
                *r = e->r;
                memcpy(r->names[0], asked, sizeof(asked));
                /* What is left of the TTL, rounded up, as a cache hands it on. */
                r->ttl_s = (uint32_t)((e->expires_us - s->now_us + 999999) / 1000000);
                r->from_cache = true;
                return true;
        }
        return false;
}

/* Keep a successful answer for its smallest TTL. TTL 0 means use once (RFC 1035 3.2.1).
 * The victim is the same key, a free or expired slot, or else the one expiring first. */
static void
cache_store(struct stack *s, const struct dns_name *qname, uint16_t qtype,
            const struct dns_result *r)
{
        struct dns_state *d = s->dns;
        struct dns_cache_entry *victim = NULL;
        uint32_t ttl = r->ttl_s < DNS_TTL_CAP_S ? r->ttl_s : DNS_TTL_CAP_S;

        if (ttl == 0)
                return;
        for (int i = 0; i < DNS_CACHE_SIZE; i++) {
                struct dns_cache_entry *e = &d->cache[i];
                if (cache_key_eq(e, qname, qtype) || !e->used || e->expires_us <= s->now_us) {
                        victim = e;
                        break;
                }
                if (!victim || e->expires_us < victim->expires_us)
                        victim = e;
        }
        victim->used = true;
        victim->qtype = qtype;
        victim->qname = *qname;
        victim->expires_us = s->now_us + (uint64_t)ttl * 1000000u;
        victim->r = *r;
}

void
dns_cache_flush(struct stack *s)
{
        for (int i = 0; i < DNS_CACHE_SIZE; i++)
                s->dns->cache[i].used = false;
}

/* Send (or resend) the query and arm the retransmission timer: RFC 1035 4.2.1 asks for
 * retransmission, RFC 1536 1 for an exponential backoff: 1 s, 2 s, 4 s. */
static void
query_send(struct stack *s, struct dns_query *q)
{
        uint8_t buf[DNS_UDP_MAX];
        struct sock_addr to = {.ip = s->cfg.dns_server, .port = DNS_PORT};
        int len;
        ssize_t n;

        /* RFC 1034 5.3.1: a stub resolver asks the server to recurse (RD). */
        len = dns_query_emit(buf, sizeof(buf), q->txid, DNS_FLAG_RD, &q->qname, q->qtype);
        q->tries++;
        stack_count(s, CNT_DNS_QUERIES_TX);
        if (len > 0) {
                n = sock_sendto(s, q->sd, buf, (size_t)len, &to);
                if (n < 0)
                        stack_log(s, LOG_DEBUG, "dns", "query %d: send: %d", q->id, (int)n);
        }
        stack_timer_arm(s, &q->timer, (uint64_t)DNS_RTO_US << (q->tries - 1));
}

static void
query_timer_fire(struct stack *s, struct timer *t)
{
        struct dns_query *q = query_of_timer(t);

        if (q->done) {
                query_finish(s, q, q->status);
                return;
        }
        if (q->tcp) {
                stack_count(s, CNT_DNS_TIMEOUTS);
                query_finish(s, q, -ETIMEDOUT);
                return;
        }
        if (q->tries >= DNS_TRIES) {
                stack_count(s, CNT_DNS_TIMEOUTS);
                query_finish(s, q, q->icmp_err ? q->icmp_err : -ETIMEDOUT);
                return;
        }
        stack_count(s, CNT_DNS_RETRIES);
        query_send(s, q);
}

static void query_tcp_start(struct stack *s, struct dns_query *q);

/* One answer on the query's socket. Returns true when it finished the query (or moved it
 * to TCP). */
static bool
reply_input(struct stack *s, struct dns_query *q, const uint8_t *buf, size_t len,
            const struct sock_addr *from)
{
        struct dns_result r;
        int status = 0;

        /* RFC 5452 9.1: only the server we asked, from port 53, may answer. */
        if (from->ip != s->cfg.dns_server || from->port != DNS_PORT) {
                stack_count(s, CNT_DNS_RX_MISMATCH);
                return false;
        }
        switch (dns_reply_check(buf, len, q->txid, &q->qname, q->qtype, &status, &r)) {
        case DNS_CHECK_MALFORMED:
                stack_count(s, CNT_DNS_RX_BAD);
                return false;
        case DNS_CHECK_MISMATCH:
                stack_count(s, CNT_DNS_RX_MISMATCH);
                return false;
        case DNS_CHECK_ANSWER:
                break;
        }
        if (status == DNS_ERR_TRUNCATED && !q->tcp) {
                query_tcp_start(s, q);
                return true;
        }
        memcpy(r.names[0], q->r.names[0], sizeof(r.names[0]));
        q->r = r;
        if (status == 0)
                cache_store(s, &q->qname, q->qtype, &r);
        query_finish(s, q, status);
        return true;
}

/* Readiness of a query socket (from the end of stack_poll). Everything queued is read:
 * mismatched or malformed datagrams are dropped and the query keeps waiting. */
static void
query_sock_event(void *ctx, int sd, unsigned events)
{
        struct stack *s = ctx;
        struct dns_query *q = query_find(s->dns, 0, sd);
        uint8_t buf[DNS_RX_MAX];
        struct sock_addr from;
        ssize_t n;
        int err;

        if (!q)
                return;
        /* An ICMP error (e.g. port unreachable) may be forged, so it ends nothing by itself
         * (RFC 5452 spirit; RFC 1122 4.1.3.3 only asks that it be passed up). */
        if ((events & SOCK_ERROR) && (err = sock_error(s, sd)) < 0)
                q->icmp_err = err;
        if (!(events & SOCK_READABLE))
                return;
        while ((n = sock_recvfrom(s, sd, buf, sizeof(buf), &from)) >= 0)
                if (reply_input(s, q, buf, (size_t)n, &from))
                        return;
        if (n != -EAGAIN)
                q->icmp_err = (int)n;
        /* Readiness is reported on change only; after draining, ask for the next change to be
         * reported afresh so a datagram arriving in the same state is not missed. */
        sock_set_callback(s, sd, query_sock_event, s);
}

/* Send the length-prefixed query once connected, then collect the answer (RFC 1035 4.2.2). */
static void
query_tcp_event(void *ctx, int sd, unsigned events)
{
        struct stack *s = ctx;
        struct dns_query *q = query_find(s->dns, 0, sd);
        struct sock_addr from = {.ip = s->cfg.dns_server, .port = DNS_PORT};
        ssize_t n;
        int len;

        if (!q || !q->tcp)
                return;
        if (events & SOCK_ERROR) {
                query_finish(s, q, sock_error(s, sd));
                return;
        }
        if (!q->tcp_sent && (events & SOCK_WRITABLE)) {
                len = dns_query_emit(q->tcp_buf + 2, DNS_UDP_MAX, q->txid, DNS_FLAG_RD, &q->qname,
                                     q->qtype);
                if (len <= 0) {
                        query_finish(s, q, -EIO);
                        return;
                }
                q->tcp_buf[0] = (uint8_t)(len >> 8);
                q->tcp_buf[1] = (uint8_t)len;
                /* The send ring copies it; the buffer then collects the answer. */
                if (sock_send(s, sd, q->tcp_buf, (size_t)len + 2) != len + 2) {
                        query_finish(s, q, -EIO);
                        return;
                }
                q->tcp_sent = true;
        }
        while ((n = sock_recv(s, sd, q->tcp_buf + q->tcp_len, DNS_TCP_MAX + 2 - q->tcp_len)) > 0)
                q->tcp_len += (size_t)n;
        if (q->tcp_len >= 2 && q->tcp_len >= 2u + (size_t)(q->tcp_buf[0] << 8 | q->tcp_buf[1])) {
                if (!reply_input(s, q, q->tcp_buf + 2, (size_t)(q->tcp_buf[0] << 8 | q->tcp_buf[1]),
                                 &from))
                        query_finish(s, q, -EBADMSG);
                return;
        }
        if (n == 0 || q->tcp_len == DNS_TCP_MAX + 2) /* closed before a whole answer */
                query_finish(s, q, -ECONNRESET);
}

/* A TC answer: drop the UDP socket and ask the same server again over TCP (RFC 7766 5). */
static void
query_tcp_start(struct stack *s, struct dns_query *q)
{
        struct sock_addr to = {.ip = s->cfg.dns_server, .port = DNS_PORT};
        int rc = 0;

        sock_close(s, q->sd);
        q->sd = -1;
        q->tcp = true;
        q->tcp_buf = malloc(DNS_TCP_MAX + 2);
        if (!q->tcp_buf) {
                query_finish(s, q, -ENOMEM);
                return;
        }
        q->sd = sock_open(s, SOCK_TYPE_TCP);
        if (q->sd < 0 || (rc = sock_connect(s, q->sd, &to)) < 0) {
                query_finish(s, q, q->sd < 0 ? q->sd : rc);
                return;
        }
        sock_set_callback(s, q->sd, query_tcp_event, s);
        stack_timer_arm(s, &q->timer, DNS_TCP_TIMEOUT_US);
}

/* Address literals bypass the resolver; one of the other family has no such record. */
static bool
numeric_answer(const char *name, uint16_t qtype, struct dns_result *r, int *status)
{
        struct in_addr a4;
        struct in6_addr a6;
        bool v4 = inet_pton(AF_INET, name, &a4) == 1, v6 = inet_pton(AF_INET6, name, &a6) == 1;

        if (!v4 && !v6)
                return false;
        r->numeric = true;
        *status =
            (v4 && qtype == DNS_QTYPE_A) || (v6 && qtype == DNS_QTYPE_AAAA) ? 0 : DNS_ERR_NODATA;
        if (*status == 0 && v4)
                r->addrs[r->n_addrs++] = ntohl(a4.s_addr);
        if (*status == 0 && v6)
                memcpy(r->addrs6[r->n_addrs++], &a6, 16);
        return true;
}

/* Fill names[0], then answer from an address literal or the cache when possible. */
static int
query_setup(struct stack *s, struct dns_query *q, const char *name, uint16_t qtype)
{
        size_t len = strlen(name);

        memset(&q->r, 0, sizeof(q->r));
        q->qtype = q->r.qtype = qtype;
        q->r.n_names = 1;
        if (len == 0 || len >= DNS_RESULT_NAME_LEN)
                return -EINVAL;
        memcpy(q->r.names[0], name, len + 1);
        if (len > 1 && name[len - 1] == '.')
                q->r.names[0][len - 1] = 0;
        if (numeric_answer(name, qtype, &q->r, &q->status)) {
                q->done = true;
                return 0;
        }
        /* RFC 1035 2.3.4: labels <= 63 octets, names <= 255. */
        if (dns_name_from_text(name, &q->qname) < 0)
                return -EINVAL;
        if (cache_lookup(s, &q->qname, qtype, &q->r)) {
                stack_count(s, CNT_DNS_CACHE_HITS);
                q->status = 0;
                q->done = true;
        }
        return 0;
}

/* Open the query's own socket and send the first copy. */
static int
query_start(struct stack *s, struct dns_query *q)
{
        struct sock_addr any = {0};
        int rc;

        if (!s->cfg.dns_server)
                return -EDESTADDRREQ;
        rc = q->sd = sock_open(s, SOCK_TYPE_UDP);
        if (rc < 0) {
                q->sd = -1;
                return rc;
        }
        /* RFC 5452 9.2: a port drawn at random for this query alone (an unconnected bind to
         * port 0 draws it from the stack's RNG) and an unpredictable ID. */
        rc = sock_bind(s, q->sd, &any);
        if (rc < 0)
                return rc;
        rc = sock_set_callback(s, q->sd, query_sock_event, s);
        if (rc < 0)
                return rc;
        q->txid = (uint16_t)rng_below(&s->rng, 65536);
        q->tries = 0;
        q->icmp_err = 0;
        query_send(s, q);
        return 0;
}

int
dns_resolve_type(struct stack *s, const char *name, uint16_t qtype, dns_done_fn *cb, void *ctx)
{
        struct dns_state *d = s->dns;
        struct dns_query *q = NULL;
        int rc;

        if (!name || !cb || (qtype != DNS_QTYPE_A && qtype != DNS_QTYPE_AAAA))
                return -EINVAL;
        for (int i = 0; i < DNS_MAX_QUERIES && !q; i++)
                if (!d->q[i].used)
                        q = &d->q[i];
        if (!q) {
                stack_count(s, CNT_DNS_QUERY_LIMIT);
                return -ENOBUFS; /* a bound on queries in flight */
        }
        q->used = true;
        q->id = d->next_id;
        d->next_id = d->next_id == INT32_MAX ? 1 : d->next_id + 1;
        rc = query_setup(s, q, name, qtype);
        if (rc == 0 && !q->done)
                rc = query_start(s, q);
        if (rc < 0) {
                query_free(s, q);
                return rc;
        }
        q->cb = cb;
        q->ctx = ctx;
        /* Even an immediate answer is delivered from stack_poll, never from inside this call. */
        if (q->done)
                stack_timer_arm(s, &q->timer, 0);
        return q->id;
}

int
dns_resolve(struct stack *s, const char *name, dns_done_fn *cb, void *ctx)
{
        return dns_resolve_type(s, name, DNS_QTYPE_A, cb, ctx);
}

int
dns_cancel(struct stack *s, int id)
{
        struct dns_query *q = id > 0 ? query_find(s->dns, id, -1) : NULL;

        if (!q)
                return -ENOENT;
        query_free(s, q);
        return 0;
}

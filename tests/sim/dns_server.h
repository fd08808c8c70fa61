/* The tiny DNS server and client bookkeeping the resolver simulations share: a server on
 * stack A (UDP and TCP port 53, with forgeries, silence, RCODEs and truncation on demand)
 * and helpers that run the simnet until the client's callbacks have fired. */
#ifndef TESTS_SIM_DNS_SERVER_H
#define TESTS_SIM_DNS_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "stack/dns.h"
#include "stack/sock.h"
#include "tests/common/simnet.h"

#define MAX_SEEN 32
#define RUN_US 20000000u

struct server {
        struct stack *s;
        int sd, alt_sd;     /* port 53, and a socket on another port for forgeries */
        unsigned seen;      /* queries received */
        unsigned ignore;    /* stay silent for the first this many queries */
        bool forge;         /* precede each answer with forged and malformed replies */
        bool forge_only;    /* ... and give the first query nothing but those */
        unsigned flood;     /* wrong-ID replies sent ahead of each answer */
        uint16_t rcode, tc; /* added to the header flags */
        uint32_t ttl;       /* of every record (0: 60) */
        uint64_t at_us[MAX_SEEN];
        uint16_t id[MAX_SEEN], port[MAX_SEEN];
        int tcp_lsd, tcp_sd; /* TCP port 53 (RFC 7766): listener and the current client */
        uint8_t tcp_in[600];
        size_t tcp_in_len;
        unsigned tcp_seen; /* queries answered over TCP */
};

struct client {
        unsigned calls;
        int status;
        struct dns_result r;
};

struct run {
        struct server *srv;
        struct client *cl;
        unsigned want_calls;
};

void dnst_on_done(void *ctx, int status, const struct dns_result *r);
struct simnet *dnst_net_create(void);
void dnst_server_open(struct server *srv, struct simnet *net);
void dnst_server_poll(struct server *srv);
/* Run until the client has had want_calls callbacks (or RUN_US passed); run_for: us. */
int dnst_run(struct simnet *net, struct server *srv, struct client *cl, unsigned want_calls);
int dnst_run_for(struct simnet *net, struct server *srv, struct client *cl, uint64_t us);
/* Sockets open on s (the resolver must close each query's). */
unsigned dnst_socks_open(struct stack *s);

#endif

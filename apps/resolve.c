/* resolve: look names up through the stack's stub resolver (RFC 1034 5.3.1) and print the
 * answers as host(1) does. Exit 0: every lookup answered, 1: a lookup failed, 2: bad usage. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>

#include "apps/common.h"
#include "stack/dns.h"

static const char usage[] = "usage: resolve [-t A|AAAA] [stack options] NAME...\n"
                            "  -t TYPE           record type to ask for (default A)\n";

struct lookup {
        bool done;
        int status;
        struct dns_result r;
};

struct resolve {
        struct app a;
        uint16_t qtype;
};

static int
on_opt(void *ctx, int opt, const char *arg)
{
        struct resolve *rs = ctx;

        if (opt != 't')
                return -1;
        if (strcasecmp(arg, "A") == 0)
                rs->qtype = DNS_QTYPE_A;
        else if (strcasecmp(arg, "AAAA") == 0)
                rs->qtype = DNS_QTYPE_AAAA;
        else
                return -1;
        return 0;
}

static void
on_done(void *ctx, int status, const struct dns_result *r)
{
        struct lookup *l = ctx;

        l->done = true;
        l->status = status;
        l->r = *r;
}

/* host(1) spells RCODEs as in RFC 1035 4.1.1 and RFC 2136 2.2. */
static const char *
rcode_mnemonic(int rcode)
{
        static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                            "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                            "NXRRSET", "NOTAUTH", "NOTZONE"};

        if (rcode >= 0 && rcode < (int)(sizeof(names) / sizeof(names[0])))
                return names[rcode];
        return "RESERVED";
}

static void
print_addrs(const struct dns_result *r)
{
        const char *owner = r->names[r->n_names - 1];
        char text[INET6_ADDRSTRLEN];
        uint32_t be;

        for (unsigned i = 0; i < r->n_addrs; i++) {
                if (r->qtype == DNS_QTYPE_A) {
                        be = htonl(r->addrs[i]);
                        inet_ntop(AF_INET, &be, text, sizeof(text));
                        printf("%s has address %s\n", owner, text);
                } else {
                        inet_ntop(AF_INET6, r->addrs6[i], text, sizeof(text));
                        printf("%s has IPv6 address %s\n", owner, text);
                }
        }
}

/* Returns the exit status this lookup asks for. */
static int
print_result(const char *name, const struct lookup *l)
{
        const struct dns_result *r = &l->r;
        int rcode = dns_err_rcode(l->status);

        for (unsigned i = 0; i + 1 < r->n_names; i++)
                printf("%s is an alias for %s.\n", r->names[i], r->names[i + 1]);
        fflush(stdout);
        if (l->status == 0) {
                print_addrs(r);
        } else if (l->status == DNS_ERR_NODATA) {
                /* host(1) says so only when no alias was printed; both exit 0. */
                if (r->n_names == 1)
                        printf("%s has no %s record\n", name,
                               r->qtype == DNS_QTYPE_A ? "A" : "AAAA");
        } else if (rcode > 0) {
                fprintf(stderr, "Host %s not found: %d(%s)\n", name, rcode, rcode_mnemonic(rcode));
        } else if (l->status == -ETIMEDOUT) {
                fprintf(stderr, ";; connection timed out; no servers could be reached\n");
        } else {
                fprintf(stderr, "resolve: %s: %s\n", name, dns_strerror(l->status));
        }
        fflush(stdout);
        return l->status == 0 || l->status == DNS_ERR_NODATA ? 0 : 1;
}

/* One lookup, waited for in the shared poll loop. -1 when interrupted. */
static int
lookup_one(struct resolve *rs, const char *name)
{
        struct lookup l = {0};
        int id = dns_resolve_type(rs->a.s, name, rs->qtype, on_done, &l);

        if (id == -EINVAL) {
                fprintf(stderr, "resolve: '%s' is not a legal name\n", name);
                return 1;
        }
        if (id < 0) {
                fprintf(stderr, "resolve: %s: %s\n", name, dns_strerror(id));
                return 1;
        }
        while (!l.done && !app_stop_requested)
                app_wait(&rs->a, -1, 0, -1);
        if (!l.done) {
                dns_cancel(rs->a.s, id);
                return -1;
        }
        return print_result(name, &l);
}

int
main(int argc, char **argv)
{
        static struct resolve rs;
        int idx, rc, status = 0;

        rs.qtype = DNS_QTYPE_A;
        idx = app_parse(&rs.a, argc, argv, "t:", NULL, on_opt, &rs, usage);
        if (idx >= argc)
                app_die_usage(&rs.a, usage, "missing NAME");
        app_catch_signals();
        app_start(&rs.a);
        stack_poll(rs.a.s);
        for (; idx < argc; idx++) {
                rc = lookup_one(&rs, argv[idx]);
                if (rc < 0) {
                        status = 1;
                        break;
                }
                status |= rc;
        }
        app_stop(&rs.a);
        return status;
}

/* Name to address for the apps: numeric addresses bypass the resolver, names go through the
 * stack's stub resolver (stack/dns.h, issue 3) while the shared poll loop runs. */
#include <errno.h>
#include <stdio.h>

#include "apps/common.h"
#include "stack/dns.h"

struct lookup_wait {
        bool done;
        int status;
        uint32_t ip;
};

static void
on_done(void *ctx, int status, const struct dns_result *r)
{
        struct lookup_wait *w = ctx;

        w->done = true;
        w->status = status;
        if (status == 0 && r->n_addrs > 0)
                w->ip = r->addrs[0];
        else if (status == 0)
                w->status = DNS_ERR_NODATA;
}

/* The words getaddrinfo(3) uses, so tools read as their Linux counterparts do. */
static const char *
lookup_strerror(int status)
{
        switch (status) {
        case DNS_ERR_NXDOMAIN:
                return "Name or service not known";
        case DNS_ERR_NODATA:
                return "No address associated with hostname";
        case DNS_ERR_SERVFAIL:
        case -ETIMEDOUT:
                return "Temporary failure in name resolution";
        case DNS_ERR_REFUSED:
        case DNS_ERR_FORMERR:
        case DNS_ERR_NOTIMP:
                return "Non-recoverable failure in name resolution";
        }
        return dns_strerror(status);
}

int
app_lookup(struct app *a, const char *host, uint32_t *ip, long wait_s)
{
        struct lookup_wait w = {0};
        uint64_t deadline_us;
        int id;

        if (app_parse_ipv4(host, ip) == 0)
                return 0;
        id = dns_resolve(a->s, host, on_done, &w);
        if (id < 0) {
                w.status = id;
        } else {
                deadline_us = stack_now_us(a->s) + (uint64_t)(wait_s > 0 ? wait_s : 0) * 1000000u;
                while (!w.done && !app_stop_requested) {
                        uint64_t now = stack_now_us(a->s);
                        if (wait_s > 0 && now >= deadline_us)
                                break;
                        app_wait(a, -1, 0,
                                 wait_s > 0 ? (int)((deadline_us - now + 999) / 1000) : -1);
                }
                if (!w.done) {
                        dns_cancel(a->s, id);
                        w.status = app_stop_requested ? -EINTR : -ETIMEDOUT;
                }
        }
        if (w.status == 0) {
                *ip = w.ip;
                return 0;
        }
        fprintf(stderr, "%s: getaddrinfo for host \"%s\": %s\n", a->prog, host,
                lookup_strerror(w.status));
        if (w.status == DNS_ERR_NXDOMAIN || w.status == DNS_ERR_NODATA)
                return -ENOENT;
        return w.status > DNS_ERR_RCODE_BASE ? w.status : -EIO;
}

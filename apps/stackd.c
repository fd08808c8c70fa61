/* stackd: the stack as a host on a TAP device. Answers ARP and ping, and offers echo
 * (RFC 862), discard (RFC 863), chargen (RFC 864) and static HTTP until SIGINT/SIGTERM. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "apps/common.h"
#include "apps/services.h"

static const char usage[] =
    "usage: stackd [--echo PORT] [--discard PORT] [--chargen PORT] [--http DIR]\n"
    "              [--http-port PORT] [--max-conns N] [--sockbuf BYTES] [stack options]\n"
    "Run the stack as a host on a TAP device until SIGINT or SIGTERM.\n"
    "  --echo PORT       RFC 862 echo service on TCP and UDP PORT\n"
    "  --discard PORT    RFC 863 discard service on TCP and UDP PORT\n"
    "  --chargen PORT    RFC 864 character generator on TCP PORT\n"
    "  --http DIR        serve the files under DIR over HTTP/1.1 (port 80)\n"
    "  --http-port PORT  port of the HTTP server (default 80)\n"
    "  --max-conns N     room for N connections (default: 4096 in the services, 1024 sockets)\n"
    "  --sockbuf BYTES   send and receive buffer of each service connection (4096..16M)\n";

enum {
        OPT_ECHO = 3000,
        OPT_DISCARD,
        OPT_CHARGEN,
        OPT_HTTP,
        OPT_HTTP_PORT,
        OPT_MAX_CONNS,
        OPT_SOCKBUF
};
static const struct option stackd_longopts[] = {
    {"echo", required_argument, 0, OPT_ECHO},
    {"discard", required_argument, 0, OPT_DISCARD},
    {"chargen", required_argument, 0, OPT_CHARGEN},
    {"http", required_argument, 0, OPT_HTTP},
    {"http-port", required_argument, 0, OPT_HTTP_PORT},
    {"max-conns", required_argument, 0, OPT_MAX_CONNS},
    {"sockbuf", required_argument, 0, OPT_SOCKBUF},
    {0, 0, 0, 0},
};

struct stackd {
        long port[4]; /* by enum svc_kind; 0: off */
        const char *http_dir;
        long max_conns, sockbuf; /* 0: defaults */
};

static int
parse_port(const char *arg, long *out)
{
        return app_parse_long(arg, 1, 65535, out);
}

static int
on_opt(void *ctx, int opt, const char *arg)
{
        struct stackd *d = ctx;
        struct stat st;

        switch (opt) {
        case OPT_ECHO:
                return parse_port(arg, &d->port[SVC_ECHO]);
        case OPT_DISCARD:
                return parse_port(arg, &d->port[SVC_DISCARD]);
        case OPT_CHARGEN:
                return parse_port(arg, &d->port[SVC_CHARGEN]);
        case OPT_HTTP_PORT:
                return parse_port(arg, &d->port[SVC_HTTP]);
        case OPT_MAX_CONNS:
                return app_parse_long(arg, 1, 10000000, &d->max_conns);
        case OPT_SOCKBUF:
                return app_parse_long(arg, 4096, 16 << 20, &d->sockbuf);
        case OPT_HTTP:
                if (stat(arg, &st) < 0 || !S_ISDIR(st.st_mode)) {
                        fprintf(stderr, "stackd: --http '%s' is not a directory\n", arg);
                        return -1;
                }
                d->http_dir = arg;
                return 0;
        }
        return -1;
}

static void
start_services(struct app *a, struct stackd *d, struct services *sv)
{
        static const char *const names[] = {"echo", "discard", "chargen", "http"};

        if (d->http_dir && !d->port[SVC_HTTP])
                d->port[SVC_HTTP] = 80;
        if (!d->http_dir)
                d->port[SVC_HTTP] = 0;
        for (int k = 0; k < 4; k++) {
                int rc;
                if (!d->port[k])
                        continue;
                rc = services_add(sv, (enum svc_kind)k, (uint16_t)d->port[k]);
                if (rc < 0) {
                        fprintf(stderr, "stackd: cannot start %s on port %ld: %s\n", names[k],
                                d->port[k], strerror(-rc));
                        app_stop(a);
                        exit(1);
                }
                fprintf(stderr, "stackd: %s on port %ld\n", names[k], d->port[k]);
        }
}

int
main(int argc, char **argv)
{
        struct stackd d = {0};
        struct services *sv;
        struct app a;
        char ip[16];
        int idx;

        memset(&a, 0, sizeof(a));
        idx = app_parse(&a, argc, argv, "", stackd_longopts, on_opt, &d, usage);
        if (idx != argc)
                app_die_usage(&a, usage, "unexpected argument '%s'", argv[idx]);
        a.o.max_conns = (unsigned)d.max_conns;
        app_catch_signals(); /* SIGUSR1: stats, printed from app_wait */
        app_start(&a);
        sv = services_create(a.s, d.http_dir, (int)d.max_conns, (int)d.sockbuf);
        if (!sv) {
                fprintf(stderr, "stackd: out of memory\n");
                return 1;
        }
        start_services(&a, &d, sv);
        app_format_ipv4(a.o.ip, ip);
        fprintf(stderr, "stackd: up on %s as %s/%u\n", a.o.iface, ip, a.o.prefix_len);
        while (!app_stop_requested) {
                app_wait_input(&a, -1, 0, services_pending(sv) ? 0 : -1);
                services_poll(sv);
                stack_poll_output(a.s); /* ACKs now carry the window the services opened */
        }
        fprintf(stderr, "stackd: shutting down\n");
        services_destroy(sv);
        app_stop(&a);
        return 0;
}

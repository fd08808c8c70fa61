/* Shared app options and stack set-up on a TAP device. */
#include "apps/common.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/pcap.h"
#include "drivers/tap.h"
#include "drivers/tun.h"
#include "stack/sock.h"
#include "stack/wire/ipv4.h"

volatile int app_stop_requested;
static volatile sig_atomic_t stats_requested;

enum {
        OPT_IFACE = 1000,
        OPT_IP,
        OPT_GW,
        OPT_DNS,
        OPT_MAC,
        OPT_MTU,
        OPT_PCAP,
        OPT_TRACE,
        OPT_STATS,
        OPT_TUN,
        OPT_OFFLOAD,
        OPT_ECN,
        OPT_BUSY_POLL
};

static const struct option common_longopts[] = {
    {"iface", required_argument, 0, OPT_IFACE}, {"ip", required_argument, 0, OPT_IP},
    {"gw", required_argument, 0, OPT_GW},       {"dns", required_argument, 0, OPT_DNS},
    {"mac", required_argument, 0, OPT_MAC},     {"mtu", required_argument, 0, OPT_MTU},
    {"pcap", required_argument, 0, OPT_PCAP},   {"trace", no_argument, 0, OPT_TRACE},
    {"stats", no_argument, 0, OPT_STATS},       {"help", no_argument, 0, 'h'},
    {"tun", required_argument, 0, OPT_TUN},     {"offload", no_argument, 0, OPT_OFFLOAD},
    {"ecn", no_argument, 0, OPT_ECN},           {"busy-poll", required_argument, 0, OPT_BUSY_POLL},
};

static const char common_usage[] =
    "Stack options:\n"
    "  --iface NAME      TAP device to attach to or create (default tap0)\n"
    "  --tun NAME        use the layer-3 TUN device NAME instead (raw IPv4, no ARP)\n"
    "  --ip ADDR/PREFIX  our address (default 10.0.0.2/24)\n"
    "  --gw ADDR         default gateway (default 10.0.0.1)\n"
    "  --dns ADDR        DNS server (default: the gateway)\n"
    "  --mac MAC         our MAC (default: random, locally administered)\n"
    "  --mtu N           link MTU, 68..65535 (default 1500)\n"
    "  --pcap FILE       record every frame in and out to FILE\n"
    "  --trace           one line per packet and per TCP state change on stderr\n"
    "  --stats           print sockets and counters at exit (also on SIGUSR1)\n"
    "  --offload         TAP checksum and TSO offloads (virtio header, 64 KB GSO frames)\n"
    "  --ecn             TCP asks for ECN when connecting and accepts it when listening\n"
    "  --busy-poll USEC  after input, poll the TAP without sleeping for up to USEC\n"
    "                    microseconds, 0..10000 (default 0: always sleep; costs CPU)\n"
    "  -h, --help        this help\n";

int
app_parse_long(const char *arg, long lo, long hi, long *out)
{
        char *end;
        long v;

        errno = 0;
        v = strtol(arg, &end, 10);
        if (errno || *end || end == arg || v < lo || v > hi)
                return -1;
        *out = v;
        return 0;
}

void
app_die_usage(struct app *a, const char *usage, const char *fmt, ...)
{
        va_list ap;

        fprintf(stderr, "%s: ", a->prog);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, "\n%s%s", usage, common_usage);
        exit(2);
}

int
app_parse_ipv4(const char *str, uint32_t *out)
{
        unsigned v[4];
        char tail;

        if (sscanf(str, "%u.%u.%u.%u%c", &v[0], &v[1], &v[2], &v[3], &tail) != 4)
                return -1;
        for (int i = 0; i < 4; i++)
                if (v[i] > 255)
                        return -1;
        *out = v[0] << 24 | v[1] << 16 | v[2] << 8 | v[3];
        return 0;
}

void
app_format_ipv4(uint32_t a, char out[16])
{
        ipv4_addr_str(a, out);
}

static int
parse_cidr(const char *str, uint32_t *ip, uint8_t *prefix)
{
        char buf[32], *slash, *end;
        long p = 24;

        if (strlen(str) >= sizeof(buf))
                return -1;
        strcpy(buf, str);
        slash = strchr(buf, '/');
        if (slash) {
                *slash = 0;
                errno = 0;
                p = strtol(slash + 1, &end, 10);
                if (errno || *end || end == slash + 1 || p < 1 || p > 32)
                        return -1;
        }
        if (app_parse_ipv4(buf, ip) < 0)
                return -1;
        *prefix = (uint8_t)p;
        return 0;
}

static int
parse_mac(const char *str, uint8_t mac[6])
{
        unsigned m[6];
        char tail;

        if (sscanf(str, "%x:%x:%x:%x:%x:%x%c", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5], &tail) !=
            6)
                return -1;
        for (int i = 0; i < 6; i++) {
                if (m[i] > 255)
                        return -1;
                mac[i] = (uint8_t)m[i];
        }
        return (mac[0] & 1) ? -1 : 0; /* our own address must be unicast */
}

static int
parse_common(struct app *a, int opt, const char *arg, const char *usage)
{
        long v;

        switch (opt) {
        case OPT_IFACE:
        case OPT_TUN:
                if (!*arg || strlen(arg) > 15)
                        app_die_usage(a, usage, "bad --iface '%s': 1 to 15 characters", arg);
                a->o.iface = arg;
                a->o.tun = opt == OPT_TUN;
                return 1;
        case OPT_IP:
                if (parse_cidr(arg, &a->o.ip, &a->o.prefix_len) < 0)
                        app_die_usage(a, usage, "bad --ip '%s': expected ADDR/PREFIX", arg);
                return 1;
        case OPT_GW:
                if (app_parse_ipv4(arg, &a->o.gw) < 0)
                        app_die_usage(a, usage, "bad --gw '%s': expected an IPv4 address", arg);
                return 1;
        case OPT_DNS:
                if (app_parse_ipv4(arg, &a->o.dns) < 0)
                        app_die_usage(a, usage, "bad --dns '%s': expected an IPv4 address", arg);
                return 1;
        case OPT_MAC:
                if (parse_mac(arg, a->o.mac) < 0)
                        app_die_usage(a, usage,
                                      "bad --mac '%s': expected a unicast xx:xx:xx:xx:xx:xx", arg);
                return 1;
        case OPT_MTU:
                if (app_parse_long(arg, 68, 65535, &v) < 0)
                        app_die_usage(a, usage, "bad --mtu '%s': expected 68..65535", arg);
                a->o.mtu = (uint16_t)v;
                return 1;
        case OPT_PCAP:
                a->o.pcap = arg;
                return 1;
        case OPT_TRACE:
                a->o.trace = true;
                return 1;
        case OPT_STATS:
                a->o.stats = true;
                return 1;
        case OPT_OFFLOAD:
                a->o.offload = true;
                return 1;
        case OPT_ECN:
                a->o.ecn = true;
                return 1;
        case OPT_BUSY_POLL:
                if (app_parse_long(arg, 0, 10000, &v) < 0)
                        app_die_usage(a, usage, "bad --busy-poll '%s': expected 0..10000", arg);
                a->o.busy_poll_us = (unsigned)v;
                return 1;
        }
        return 0;
}

int
app_parse(struct app *a, int argc, char **argv, const char *shortopts,
          const struct option *longopts, app_opt_fn *fn, void *ctx, const char *usage)
{
        size_t n_common = sizeof(common_longopts) / sizeof(common_longopts[0]), n_app = 0;
        struct option all[64];
        char shorts[64];
        int opt, li;

        a->prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
        a->o.iface = "tap0";
        a->o.ip = 0x0a000002u;
        a->o.prefix_len = 24;
        a->o.gw = 0x0a000001u;
        while (longopts && longopts[n_app].name)
                n_app++;
        if (n_app + n_common + 1 > sizeof(all) / sizeof(all[0]))
                abort();
        memcpy(all, common_longopts, sizeof(common_longopts));
        if (n_app)
                memcpy(all + n_common, longopts, n_app * sizeof(*longopts));
        memset(&all[n_common + n_app], 0, sizeof(all[0]));
        snprintf(shorts, sizeof(shorts), "+h%s", shortopts ? shortopts : "");
        opterr = 0;
        for (;;) {
                li = -1; /* getopt_long sets it for long options only */
                opt = getopt_long(argc, argv, shorts, all, &li);
                if (opt == -1)
                        break;
                if (opt == 'h') {
                        printf("%s%s", usage, common_usage);
                        exit(0);
                }
                if (opt == '?' || opt == ':')
                        app_die_usage(a, usage, "unknown option or missing value: '%s'",
                                      argv[optind - 1]);
                if (parse_common(a, opt, optarg, usage))
                        continue;
                if (fn && fn(ctx, opt, optarg) == 0)
                        continue;
                /* argv[optind - 1] is the value when it was a separate word: name the option. */
                if (optarg && li >= 0)
                        app_die_usage(a, usage, "bad value '%s' for --%s", optarg, all[li].name);
                if (optarg)
                        app_die_usage(a, usage, "bad value '%s' for -%c", optarg, opt);
                app_die_usage(a, usage, "bad option '%s'", argv[optind - 1]);
        }
        if (!a->o.dns)
                a->o.dns = a->o.gw;
        return optind;
}

static void
on_signal(int sig)
{
        if (sig == SIGUSR1)
                stats_requested = 1;
        else
                app_stop_requested = 1;
}

void
app_catch_signals(void)
{
        struct sigaction sa;

        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGUSR1, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);
}

/* --offload: ask the kernel for TAP offloads; when it refuses, say so in one line and carry
 * on with a plain TAP. */
static struct tap *
open_offload(struct app *a, char *err, size_t err_len)
{
        char notice[320];
        struct tap *t = tap_open_offload(a->o.iface, notice, sizeof(notice), err, err_len);

        if (t && notice[0])
                fprintf(stderr, "%s: --offload: %s; using a plain TAP\n", a->prog, notice);
        return t;
}

void
app_start(struct app *a)
{
        struct stack_config cfg = {0};
        struct iface_config ic = {0};
        const struct link_ops *ops = &tap_link_ops;
        void *ctx;
        char err[256];
        int rc;

        if (a->o.tun) {
                a->tun = tun_open(a->o.iface, err, sizeof(err));
                if (a->o.offload)
                        fprintf(stderr, "%s: --offload applies to a TAP only; ignored\n", a->prog);
                ops = &tun_link_ops;
                ctx = a->tun;
        } else if (a->o.offload) {
                a->tap = open_offload(a, err, sizeof(err));
                ctx = a->tap;
                ops = a->tap ? tap_link(a->tap) : ops;
        } else {
                a->tap = tap_open(a->o.iface, err, sizeof(err));
                ctx = a->tap;
        }
        if (!ctx) {
                fprintf(stderr, "%s: %s\n", a->prog, err);
                exit(1);
        }
        if (a->o.pcap) {
                a->pcap = pcap_link_open(a->o.pcap, a->o.tun ? LINK_RAW_IPV4 : LINK_ETHERNET, ops,
                                         ctx, err, sizeof(err));
                if (!a->pcap) {
                        fprintf(stderr, "%s: %s\n", a->prog, err);
                        exit(1);
                }
                ops = &pcap_link_ops;
                ctx = a->pcap;
        }
        cfg.trace = a->o.trace;
        cfg.tcp_ecn = a->o.ecn;
        cfg.log_level = a->o.verbose > 1 ? LOG_DEBUG : LOG_WARN;
        cfg.dns_server = a->o.dns;
        if (a->o.max_conns) { /* sockets and TCBs for that many, plus listeners and closing ones */
                cfg.max_socks = a->o.max_conns + 64;
                cfg.max_tcbs = 2 * a->o.max_conns + 64;
        }
        a->s = stack_create(&cfg);
        if (!a->s) {
                fprintf(stderr, "%s: cannot create the stack: out of memory\n", a->prog);
                exit(1);
        }
        ic.name = a->o.iface;
        ic.type = a->o.tun ? LINK_RAW_IPV4 : LINK_ETHERNET;
        memcpy(ic.mac, a->o.mac, 6);
        ic.addr = a->o.ip;
        ic.prefix_len = a->o.prefix_len;
        ic.gateway = a->o.gw;
        ic.mtu = a->o.mtu;
        ic.max_frame = a->tap ? (uint32_t)tap_max_frame(a->tap) : 0;
        if (!ic.mtu && a->tap && tap_mtu(a->tap) >= 68 && tap_mtu(a->tap) <= 65535)
                ic.mtu = (uint16_t)tap_mtu(a->tap); /* follow the device unless --mtu says */
        rc = stack_iface_add(a->s, &ic, ops, ctx);
        if (rc < 0) {
                fprintf(stderr, "%s: cannot add interface %s: %s\n", a->prog, a->o.iface,
                        strerror(-rc));
                exit(1);
        }
}

static void
print_counter(void *ctx, const char *name, uint64_t value)
{
        (void)ctx;
        fprintf(stderr, "    %-36s %llu\n", name, (unsigned long long)value);
}

/* "a.b.c.d:port" right-aligned on the colon, "*" for a wildcard port, as ss prints. */
static void
format_endpoint(const struct sock_addr *ep, char out[32])
{
        char ip[16], port[8] = "*";

        app_format_ipv4(ep->ip, ip);
        if (ep->port)
                snprintf(port, sizeof(port), "%u", ep->port);
        snprintf(out, 32, "%15s:%-5s", ip, port);
}

static void
print_sock(void *ctx, const struct sock_info *si)
{
        char l[32], p[32];

        (void)ctx;
        format_endpoint(&si->local, l);
        format_endpoint(&si->peer, p);
        fprintf(stderr, "%-5s %-12s %6zu %6zu %s %s\n", si->type == SOCK_TYPE_TCP ? "tcp" : "udp",
                si->state_name, si->recv_q, si->send_q, l, p);
}

void
app_print_stats(struct app *a)
{
        fprintf(stderr, "%-5s %-12s %6s %6s %21s %21s\n", "Netid", "State", "Recv-Q", "Send-Q",
                "Local Address:Port", "Peer Address:Port");
        sock_list(a->s, print_sock, NULL);
        fprintf(stderr, "Counters:\n");
        stack_counters(a->s, print_counter, NULL);
}

void
app_stats_check(struct app *a)
{
        if (stats_requested && a->s) {
                stats_requested = 0;
                app_print_stats(a);
        }
}

void
app_stop(struct app *a)
{
        if (a->o.stats && a->s)
                app_print_stats(a);
        stack_destroy(a->s);
        a->s = NULL;
        if (a->pcap && pcap_link_close(a->pcap) < 0)
                fprintf(stderr, "%s: error writing %s\n", a->prog, a->o.pcap);
        a->pcap = NULL;
        tap_close(a->tap);
        a->tap = NULL;
        tun_close(a->tun);
        a->tun = NULL;
}

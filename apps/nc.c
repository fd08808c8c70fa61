/* nc: netcat over our stack, modelled on OpenBSD nc. stdin goes to the peer, the peer's
 * data to stdout; EOF on stdin sends FIN (half-close, RFC 9293 3.10.4) and nc reads on
 * until the peer's FIN. Exit 0 when both directions closed cleanly, 1 on a connection or
 * name error, 2 on bad usage. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "apps/common.h"
#include "stack/sock.h"

static const char usage[] =
    "usage: nc [-46CnuvzNk] [-l] [-p PORT] [-w SECS] [--linger SECS] [stack options] HOST PORT\n"
    "       nc -l [-ukv] [-p] PORT\n"
    "  -C  send CRLF line endings        -l  listen for a connection\n"
    "  -k  keep listening after a close  -n  numeric address, no DNS\n"
    "  -p  source (or listen) port       -u  UDP instead of TCP\n"
    "  -v  verbose                       -w  connect/idle timeout in seconds\n"
    "  -z  scan: connect, send nothing   --linger SECS  TIME-WAIT kept after an active\n"
    "                                      close before exiting (default 2)\n";

enum { OPT_LINGER = 2000 };
static const struct option nc_longopts[] = {{"linger", required_argument, 0, OPT_LINGER},
                                            {0, 0, 0, 0}};

struct nc {
        struct app a;
        int verbose, numeric, udp, crlf, listen, keep, zero;
        long wait_s, linger_s;
        long src_port;
        const char *host;
        uint16_t port;
        struct sock_addr peer;
        int sd;
        int stdin_eof, net_eof, shut_sent, closed_first;
        char pend[32768]; /* stdin bytes not yet accepted by the socket */
        size_t pend_off, pend_len;
};

static int
on_opt(void *ctx, int opt, const char *arg)
{
        struct nc *n = ctx;

        switch (opt) {
        case 'v':
                n->verbose++;
                return 0;
        case 'n':
                n->numeric = 1;
                return 0;
        case 'u':
                n->udp = 1;
                return 0;
        case 'C':
                n->crlf = 1;
                return 0;
        case 'l':
                n->listen = 1;
                return 0;
        case 'k':
                n->keep = 1;
                return 0;
        case 'z':
                n->zero = 1;
                return 0;
        case 'N':
        case '4':
                return 0; /* FIN on EOF is always on; IPv4 is all we speak */
        case 'p':
                return app_parse_long(arg, 1, 65535, &n->src_port);
        case 'w':
                return app_parse_long(arg, 1, 86400, &n->wait_s);
        case OPT_LINGER:
                return app_parse_long(arg, 0, 240, &n->linger_s);
        }
        return -1;
}

static const char *
proto_name(const struct nc *n)
{
        return n->udp ? "udp" : "tcp";
}

static const char *
service_name(const struct nc *n)
{
        struct servent *se = getservbyport(htons(n->port), proto_name(n));
        return se ? se->s_name : "*";
}

/* "nc: connect to HOST port PORT (tcp) failed: REASON", exit 1 (OpenBSD nc's wording). */
static void
connect_failed(struct nc *n, int err)
{
        fprintf(stderr, "nc: connect to %s port %u (%s) failed: %s\n", n->host, n->port,
                proto_name(n), strerror(-err));
        app_stop(&n->a);
        exit(1);
}

static void
die(struct nc *n, const char *what, int err)
{
        fprintf(stderr, "nc: %s: %s\n", what, strerror(-err));
        app_stop(&n->a);
        exit(1);
}

/* Wait until the connection is up (WRITABLE) or failed; -w bounds the wait. */
static void
nc_connect(struct nc *n)
{
        uint64_t deadline =
            stack_now_us(n->a.s) + (uint64_t)(n->wait_s ? n->wait_s : 75) * 1000000u;
        struct sock_addr local = {0, (uint16_t)n->src_port};
        int rc;

        n->sd = sock_open(n->a.s, n->udp ? SOCK_TYPE_UDP : SOCK_TYPE_TCP);
        if (n->sd < 0)
                die(n, "socket", n->sd);
        if ((n->src_port || n->udp) && (rc = sock_bind(n->a.s, n->sd, &local)) < 0)
                die(n, "bind", rc);
        rc = sock_connect(n->a.s, n->sd, &n->peer);
        if (rc < 0 && rc != -EINPROGRESS && rc != -EAGAIN)
                connect_failed(n, rc);
        while (!n->udp) {
                unsigned ev = sock_events(n->a.s, n->sd);
                uint64_t now = stack_now_us(n->a.s);
                if (ev & SOCK_ERROR)
                        connect_failed(n, sock_error(n->a.s, n->sd));
                if (ev & SOCK_WRITABLE)
                        break;
                if (app_stop_requested)
                        exit(1);
                if (now >= deadline)
                        connect_failed(n, -ETIMEDOUT);
                app_wait(&n->a, -1, 0, (int)((deadline - now + 999) / 1000));
        }
        if (n->verbose)
                fprintf(stderr, "Connection to %s %u port [%s/%s] succeeded!\n", n->host, n->port,
                        proto_name(n), service_name(n));
}

static void
nc_listen(struct nc *n, int lsd)
{
        char ip[16];

        for (;;) {
                n->sd = sock_accept(n->a.s, lsd, &n->peer);
                if (n->sd >= 0)
                        break;
                if (n->sd != -EAGAIN)
                        die(n, "accept", n->sd);
                if (app_stop_requested)
                        exit(1);
                app_wait(&n->a, -1, 0, -1);
        }
        if (n->verbose) {
                app_format_ipv4(n->peer.ip, ip);
                fprintf(stderr, "Connection received on %s %u\n", ip, n->peer.port);
        }
}

/* Read stdin into the pending buffer, turning \n into \r\n with -C. */
static void
read_stdin(struct nc *n)
{
        char buf[sizeof(n->pend) / 2];
        ssize_t r = read(STDIN_FILENO, buf, sizeof(buf));

        if (r <= 0) {
                if (r < 0 && errno == EINTR)
                        return;
                n->stdin_eof = 1;
                return;
        }
        n->pend_off = n->pend_len = 0;
        for (ssize_t i = 0; i < r; i++) {
                if (n->crlf && buf[i] == '\n' && (i == 0 || buf[i - 1] != '\r'))
                        n->pend[n->pend_len++] = '\r';
                n->pend[n->pend_len++] = buf[i];
        }
}

static void
flush_pending(struct nc *n)
{
        while (n->pend_off < n->pend_len) {
                ssize_t w =
                    sock_send(n->a.s, n->sd, n->pend + n->pend_off, n->pend_len - n->pend_off);
                if (w == -EAGAIN)
                        return;
                if (w < 0)
                        die(n, "write", (int)w);
                n->pend_off += (size_t)w;
        }
        if (n->stdin_eof && !n->shut_sent && !n->udp) {
                sock_shutdown(n->a.s, n->sd, SHUT_WR); /* FIN: half-close */
                n->shut_sent = 1;
                n->closed_first = !n->net_eof;
        }
}

static void
drain_socket(struct nc *n)
{
        char buf[65536];

        /* After EOF a closed connection answers "connection closing" (RFC 9293 3.10.3). */
        if (n->net_eof)
                return;
        for (;;) {
                ssize_t r = sock_recv(n->a.s, n->sd, buf, sizeof(buf));
                if (r == -EAGAIN)
                        return;
                if (r < 0)
                        die(n, "read", (int)r);
                if (r == 0) {
                        /* The peer's FIN ends only its direction: like OpenBSD nc we go on
                         * sending stdin until its EOF (half-close, RFC 9293 3.10.4). */
                        n->net_eof = 1;
                        return;
                }
                if (fwrite(buf, 1, (size_t)r, stdout) != (size_t)r)
                        die(n, "stdout", -EIO);
                fflush(stdout);
        }
}

/* Keep the stack running for the linger time so a retransmitted FIN is re-ACKed in
 * TIME-WAIT (RFC 9293 3.10.7.4, "FIN bit" TIME-WAIT), then leave. */
static void
linger(struct nc *n)
{
        uint64_t until = stack_now_us(n->a.s) + (uint64_t)n->linger_s * 1000000u;

        while (!app_stop_requested && stack_now_us(n->a.s) < until)
                app_wait(&n->a, -1, 0, (int)((until - stack_now_us(n->a.s) + 999) / 1000));
}

struct state_query {
        int sd;
        const char *state;
};

static void
on_sock_info(void *ctx, const struct sock_info *si)
{
        struct state_query *q = ctx;

        if (si->sd == q->sd)
                q->state = si->state_name;
}

/* Both directions closed and our FIN acknowledged (LAST-ACK -> CLOSED after a passive
 * close, TIME-WAIT after an active one), read from the RFC state (STATUS, RFC 9293
 * 3.10.6). SOCK_HUP is not enough: it is set once our FIN is only queued, and the stack
 * lives in this process, so leaving then would drop unsent or unacked bytes. */
static int
tcp_done(struct nc *n)
{
        struct state_query q = {n->sd, ""};

        if (!n->net_eof || !n->shut_sent)
                return 0;
        sock_list(n->a.s, on_sock_info, &q);
        return !strcmp(q.state, "CLOSED") || !strcmp(q.state, "TIME-WAIT");
}

/* The data loop for one connection. Returns when both directions are closed. */
static void
relay(struct nc *n)
{
        uint64_t idle_since = stack_now_us(n->a.s);

        while (!app_stop_requested) {
                unsigned ev = sock_events(n->a.s, n->sd);
                int want_stdin =
                    !n->stdin_eof && n->pend_off == n->pend_len && (ev & SOCK_WRITABLE);
                int rev;

                if (ev & SOCK_ERROR)
                        die(n, "read", sock_error(n->a.s, n->sd));
                if (!n->udp && tcp_done(n))
                        return;
                if (n->udp && n->stdin_eof && n->pend_off == n->pend_len)
                        return;
                if (n->wait_s && stack_now_us(n->a.s) - idle_since > (uint64_t)n->wait_s * 1000000u)
                        return;
                rev =
                    app_wait(&n->a, want_stdin ? STDIN_FILENO : -1, POLLIN, n->wait_s ? 1000 : -1);
                if (rev > 0 && (rev & (POLLIN | POLLHUP | POLLERR))) { /* -1: a signal */
                        read_stdin(n);
                        idle_since = stack_now_us(n->a.s);
                }
                flush_pending(n);
                drain_socket(n);
                flush_pending(n);
        }
}

static void
parse_args(struct nc *n, int argc, char **argv)
{
        int idx = app_parse(&n->a, argc, argv, "vnuClkzN4p:w:", nc_longopts, on_opt, n, usage);
        int left = argc - idx;
        long port;

        if (n->listen) {
                if (left == 1 && app_parse_long(argv[idx], 1, 65535, &port) == 0)
                        n->src_port = port;
                else if (left != 0 || !n->src_port)
                        app_die_usage(&n->a, usage, "listen mode needs a PORT");
                return;
        }
        if (left != 2)
                app_die_usage(&n->a, usage, "expected HOST and PORT");
        if (app_parse_long(argv[idx + 1], 1, 65535, &port) < 0)
                app_die_usage(&n->a, usage, "bad PORT '%s': expected 1..65535", argv[idx + 1]);
        n->host = argv[idx];
        n->port = (uint16_t)port;
        if (n->numeric && app_parse_ipv4(n->host, &n->peer.ip) < 0)
                app_die_usage(&n->a, usage, "-n given but '%s' is not an IPv4 address", n->host);
}

static int
run_listener(struct nc *n)
{
        struct sock_addr local = {0, (uint16_t)n->src_port};
        int lsd = sock_open(n->a.s, n->udp ? SOCK_TYPE_UDP : SOCK_TYPE_TCP), rc;

        if (lsd < 0)
                die(n, "socket", lsd);
        if ((rc = sock_bind(n->a.s, lsd, &local)) < 0)
                die(n, "bind", rc);
        if (n->verbose)
                fprintf(stderr, "Listening on 0.0.0.0 %ld\n", n->src_port);
        if (n->udp) {
                n->sd = lsd;
                relay(n);
                return 0;
        }
        if ((rc = sock_listen(n->a.s, lsd, n->keep ? 16 : 1)) < 0)
                die(n, "listen", rc);
        do {
                n->stdin_eof = n->net_eof = n->shut_sent = n->closed_first = 0;
                nc_listen(n, lsd);
                relay(n);
                sock_close(n->a.s, n->sd);
        } while (n->keep && !app_stop_requested);
        sock_close(n->a.s, lsd);
        if (n->closed_first)
                linger(n);
        return 0;
}

int
main(int argc, char **argv)
{
        static struct nc n;
        int rc;

        n.linger_s = 2;
        parse_args(&n, argc, argv);
        app_catch_signals();
        app_start(&n.a);
        if (n.listen) {
                rc = run_listener(&n);
                app_stop(&n.a);
                return rc;
        }
        if (!n.numeric && (rc = app_lookup(&n.a, n.host, &n.peer.ip, n.wait_s)) < 0) {
                app_stop(&n.a);
                return 1;
        }
        n.peer.port = n.port;
        nc_connect(&n);
        if (!n.zero)
                relay(&n);
        else
                n.closed_first = 1;
        sock_close(n.a.s, n.sd);
        if (n.closed_first && !n.udp)
                linger(&n);
        app_stop(&n.a);
        return 0;
}

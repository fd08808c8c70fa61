/* loadgen: the host-side (kernel socket) load for `make bench`: bulk send to a discard
 * service (RFC 863), bulk receive from chargen (RFC 864), HTTP/1.0 GET connection rate
 * (RFC 1945), and idle connections held open from several source addresses. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LG_MAX_FLOWS 1024
/* Bulk modes write and read 128 KB per call: iperf3's default length, so the stack's bulk
 * rows and the baselines measured with iperf3 (veth, both TAP forwarders) see one sender. */
#define LG_CHUNK 131072
/* idle mode: connects in flight per process by default. The sum over all loadgen processes
 * must stay below the server's SYN queue (1024 half-open per listener in the stack; beyond
 * it the oldest is recycled, RFC 4987 3.4, and its ACK then meets a RST) and the TAP's
 * transmit queue (txqueuelen 1000: beyond it the kernel drops SYNs and retries after 1 s). */
#define LG_IDLE_WINDOW 64
#define LG_IDLE_MAX_FAILED 64 /* idle mode: stop after this many failed connects */
#define LG_CONNECT_TIMEOUT 30 /* seconds: SYN retries at 1, 3, 7 and 15 s fit */

static volatile sig_atomic_t lg_stop;

static void
on_signal(int sig)
{
        (void)sig;
        lg_stop = 1;
}

static double
now_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
parse_addr(const char *spec, struct sockaddr_in *sa)
{
        char host[64], *colon;

        snprintf(host, sizeof(host), "%s", spec);
        colon = strrchr(host, ':');
        if (!colon)
                return -1;
        *colon = 0;
        memset(sa, 0, sizeof(*sa));
        sa->sin_family = AF_INET;
        sa->sin_port = htons((uint16_t)atoi(colon + 1));
        return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

/* A non-blocking TCP socket connecting to dst, bound to src when src is not 0. */
static int
connect_nb(const struct sockaddr_in *dst, uint32_t src)
{
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;

        if (fd < 0)
                return -errno;
        if (src) {
                struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(src)};
                /* Ports are then chosen per 4-tuple, so many addresses multiply the port space. */
                setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
                if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                        close(fd);
                        return -errno;
                }
        }
        if (connect(fd, (const struct sockaddr *)dst, sizeof(*dst)) < 0 && errno != EINPROGRESS) {
                int e = errno;
                close(fd);
                return -e;
        }
        return fd;
}

struct flow {
        int fd;
        unsigned long long left; /* bytes still to send or receive */
        bool wr_done;
};

/* One flow's step; returns true when it is finished. */
static bool
flow_step(struct flow *f, bool sending, short revents, char *buf)
{
        ssize_t n;

        if (revents & (POLLERR | POLLNVAL))
                return true;
        if (sending && f->left) {
                n = write(f->fd, buf, f->left < LG_CHUNK ? f->left : LG_CHUNK);
                if (n > 0)
                        f->left -= (unsigned long long)n;
                else if (n < 0 && errno != EAGAIN)
                        return true;
                if (!f->left) /* all sent: FIN, then wait for the service to close (all acked) */
                        shutdown(f->fd, SHUT_WR);
                return false;
        }
        n = read(f->fd, buf, LG_CHUNK);
        if (n > 0 && !sending)
                f->left -= (unsigned long long)n < f->left ? (unsigned long long)n : f->left;
        if (n == 0 || (n < 0 && errno != EAGAIN))
                return true;
        return !sending && f->left == 0;
}

/* send/recv: BYTES in total over FLOWS parallel connections. */
static int
cmd_bulk(bool sending, const struct sockaddr_in *dst, unsigned long long bytes, int nflows)
{
        static struct flow fl[LG_MAX_FLOWS];
        static struct pollfd p[LG_MAX_FLOWS];
        static char buf[LG_CHUNK];
        unsigned long long done = 0;
        int active = nflows;
        double t0 = now_s(), dt;

        memset(buf, 'x', sizeof(buf));
        for (int i = 0; i < nflows; i++) {
                fl[i].fd = connect_nb(dst, 0);
                fl[i].left = bytes / (unsigned long long)nflows + (i == 0 ? bytes % nflows : 0);
                if (fl[i].fd < 0) {
                        fprintf(stderr, "loadgen: connect: %s\n", strerror(-fl[i].fd));
                        return 1;
                }
                p[i] =
                    (struct pollfd){.fd = fl[i].fd, .events = sending ? POLLOUT | POLLIN : POLLIN};
        }
        while (active > 0 && !lg_stop) {
                if (poll(p, (nfds_t)nflows, 30000) <= 0)
                        break;
                for (int i = 0; i < nflows; i++) {
                        if (p[i].fd < 0 || !p[i].revents)
                                continue;
                        if (!flow_step(&fl[i], sending, p[i].revents, buf)) {
                                if (sending && !fl[i].left)
                                        p[i].events = POLLIN;
                                continue;
                        }
                        close(fl[i].fd);
                        p[i].fd = -1;
                        active--;
                }
        }
        dt = now_s() - t0;
        for (int i = 0; i < nflows; i++) {
                done +=
                    bytes / (unsigned long long)nflows + (i == 0 ? bytes % nflows : 0) - fl[i].left;
                if (p[i].fd >= 0)
                        close(p[i].fd);
        }
        printf("bytes=%llu secs=%.6f mbps=%.1f complete=%d\n", done, dt,
               (double)done * 8 / dt / 1e6, active == 0 && done == bytes);
        return active == 0 && done == bytes ? 0 : 1;
}

struct http_conn {
        int fd;
        size_t sent;
        bool got;
};

/* Start one GET; false when the socket cannot even be created. */
static bool
http_start(struct http_conn *c, struct pollfd *p, const struct sockaddr_in *dst)
{
        c->fd = connect_nb(dst, 0);
        c->sent = 0;
        c->got = false;
        p->fd = c->fd;
        p->events = POLLOUT;
        return c->fd >= 0;
}

/* Advance one GET; returns 1 done ok, -1 failed, 0 in progress. */
static int
http_step(struct http_conn *c, struct pollfd *p, const char *req, size_t req_len)
{
        char buf[16384];
        ssize_t n;

        if (p->revents & (POLLERR | POLLNVAL))
                return -1;
        if (c->sent < req_len) {
                n = write(c->fd, req + c->sent, req_len - c->sent);
                if (n < 0)
                        return errno == EAGAIN ? 0 : -1;
                c->sent += (size_t)n;
                if (c->sent == req_len)
                        p->events = POLLIN;
                return 0;
        }
        while ((n = read(c->fd, buf, sizeof(buf))) > 0)
                c->got = c->got || (n >= 12 && memcmp(buf, "HTTP/1.", 7) == 0 && buf[9] == '2');
        if (n < 0 && errno == EAGAIN)
                return 0;
        return n == 0 && c->got ? 1 : -1;
}

/* http: COUNT GETs of path, at most CONC at a time; each a new connection (HTTP/1.0). */
static int
cmd_http(const struct sockaddr_in *dst, const char *path, int count, int conc)
{
        static struct http_conn cs[LG_MAX_FLOWS];
        static struct pollfd p[LG_MAX_FLOWS];
        char req[512];
        size_t req_len = (size_t)snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\n\r\n", path);
        int started = 0, ok = 0, failed = 0;
        double t0 = now_s(), dt;

        for (int i = 0; i < conc; i++) {
                p[i].fd = -1;
                if (started < count && (started++, !http_start(&cs[i], &p[i], dst)))
                        failed++;
        }
        while (ok + failed < count && !lg_stop) {
                if (poll(p, (nfds_t)conc, 10000) <= 0)
                        break;
                for (int i = 0; i < conc; i++) {
                        int rc;
                        if (p[i].fd < 0 || !p[i].revents ||
                            !(rc = http_step(&cs[i], &p[i], req, req_len)))
                                continue;
                        close(cs[i].fd);
                        p[i].fd = -1;
                        *(rc > 0 ? &ok : &failed) += 1;
                        if (started < count && (started++, !http_start(&cs[i], &p[i], dst)))
                                failed++;
                }
        }
        dt = now_s() - t0;
        for (int i = 0; i < conc; i++)
                if (p[i].fd >= 0)
                        close(p[i].fd);
        printf("conns=%d ok=%d failed=%d secs=%.6f rate=%.1f\n", count, ok, failed, dt,
               (double)ok / dt);
        return ok == count ? 0 : 1;
}

struct idle_run {
        int *fds;         /* every socket made, in order */
        struct pollfd *p; /* the connects in flight, one slot each */
        double *t0;       /* when each slot's connect started */
        int made, inflight, connected, failed;
};

/* A connect in slot i finished (err 0: connected) or timed out: free the slot. */
static void
idle_done(struct idle_run *r, int i, int err)
{
        if (err == 0)
                r->connected++;
        else
                r->failed++;
        r->p[i].fd = -1;
        r->inflight--;
}

/* Check the slots after a poll: finished connects and those past LG_CONNECT_TIMEOUT. */
static void
idle_reap(struct idle_run *r, int window, double now)
{
        for (int i = 0; i < window; i++) {
                int err = 0;
                socklen_t len = sizeof(err);

                if (r->p[i].fd < 0)
                        continue;
                if (r->p[i].revents) {
                        getsockopt(r->p[i].fd, SOL_SOCKET, SO_ERROR, &err, &len);
                        idle_done(r, i, err);
                } else if (now - r->t0[i] > LG_CONNECT_TIMEOUT) {
                        idle_done(r, i, ETIMEDOUT);
                }
        }
}

/* Open connects into free slots while there is room; false when a socket cannot be made. */
static bool
idle_fill(struct idle_run *r, const struct sockaddr_in *dst, int n, int window, uint32_t src,
          int nsrc, double now)
{
        for (int i = 0; i < window && r->made < n && r->inflight < window; i++) {
                int fd;

                if (r->p[i].fd >= 0)
                        continue;
                fd = connect_nb(dst, src + (uint32_t)(r->made % nsrc));
                if (fd < 0) {
                        fprintf(stderr, "loadgen: socket %d: %s\n", r->made, strerror(-fd));
                        return false;
                }
                r->fds[r->made++] = fd;
                r->p[i] = (struct pollfd){.fd = fd, .events = POLLOUT};
                r->t0[i] = now;
                r->inflight++;
        }
        return true;
}

/* How many of the connected sockets are still ESTABLISHED (a connect that completed can
 * still be reset afterwards, e.g. when the server dropped its half-open TCB). */
static int
idle_count_established(const int *fds, int n)
{
        int est = 0;

        for (int i = 0; i < n; i++) {
                struct tcp_info ti;
                socklen_t len = sizeof(ti);

                if (getsockopt(fds[i], IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 &&
                    ti.tcpi_state == TCP_ESTABLISHED)
                        est++;
        }
        return est;
}

static void
close_all(int *fds, int n)
{
        struct linger lg = {.l_onoff = 1, .l_linger = 0};

        for (int i = 0; i < n; i++) {
                /* RST, so the stack frees the connection at once instead of via TIME-WAIT. */
                setsockopt(fds[i], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
                close(fds[i]);
        }
}

/* idle: hold N established connections, sources cycling over NSRC addresses from SRC, with
 * at most WINDOW connects in flight (a sliding window: a new one starts as one finishes).
 * Stops early after LG_IDLE_MAX_FAILED failed connects (the server refuses or drops). */
static int
cmd_idle(const struct sockaddr_in *dst, int n, uint32_t src, int nsrc, int window)
{
        struct idle_run r = {.fds = calloc((size_t)n, sizeof(int)),
                             .p = calloc((size_t)window, sizeof(struct pollfd)),
                             .t0 = calloc((size_t)window, sizeof(double))};
        struct rlimit rl = {.rlim_cur = (rlim_t)n + 64, .rlim_max = (rlim_t)n + 64};
        double t0 = now_s(), secs;
        bool no_fd = false;
        int est;

        if (!r.fds || !r.p || !r.t0 || setrlimit(RLIMIT_NOFILE, &rl) < 0) {
                fprintf(stderr, "loadgen: cannot allow %d open files\n", n);
                return 1;
        }
        for (int i = 0; i < window; i++)
                r.p[i].fd = -1;
        while (!lg_stop) {
                bool more = !no_fd && r.made < n && r.failed < LG_IDLE_MAX_FAILED;

                if (more && !idle_fill(&r, dst, n, window, src, nsrc, now_s()))
                        no_fd = true;
                if (!r.inflight && (!more || no_fd))
                        break;
                if (poll(r.p, (nfds_t)window, 100) < 0 && errno != EINTR)
                        break;
                idle_reap(&r, window, now_s());
        }
        secs = now_s() - t0;
        /* Resets provoked by the last connects arrive within a few RTTs. */
        usleep(500000);
        est = idle_count_established(r.fds, r.made);
        printf("established=%d of %d connected=%d failed=%d secs=%.3f\n", est, n, r.connected,
               r.failed, secs);
        fflush(stdout);
        while (!lg_stop)
                pause(); /* hold until SIGTERM */
        close_all(r.fds, r.made);
        free(r.p);
        free(r.t0);
        free(r.fds);
        return est == n ? 0 : 1;
}

static int
usage(void)
{
        fprintf(
            stderr,
            "usage: loadgen send|recv HOST:PORT BYTES [FLOWS]\n"
            "       loadgen http HOST:PORT PATH COUNT [CONCURRENCY]\n"
            "       loadgen idle HOST:PORT N SRC_FIRST [NSRC [WINDOW]]   (holds until SIGTERM)\n");
        return 2;
}

int
main(int argc, char **argv)
{
        struct sockaddr_in dst;
        struct sigaction sa;

        if (argc < 4 || parse_addr(argv[2], &dst) < 0)
                return usage();
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);
        if (strcmp(argv[1], "send") == 0 || strcmp(argv[1], "recv") == 0) {
                int flows = argc > 4 ? atoi(argv[4]) : 1;
                if (flows < 1 || flows > LG_MAX_FLOWS)
                        return usage();
                return cmd_bulk(argv[1][0] == 's', &dst, strtoull(argv[3], NULL, 0), flows);
        }
        if (strcmp(argv[1], "http") == 0 && argc >= 5) {
                int conc = argc > 5 ? atoi(argv[5]) : 1;
                if (conc < 1 || conc > LG_MAX_FLOWS)
                        return usage();
                return cmd_http(&dst, argv[3], atoi(argv[4]), conc);
        }
        if (strcmp(argv[1], "idle") == 0 && argc >= 5) {
                struct in_addr a;
                int n = atoi(argv[3]), nsrc = argc > 5 ? atoi(argv[5]) : 1,
                    window = argc > 6 ? atoi(argv[6]) : LG_IDLE_WINDOW;
                if (n < 1 || nsrc < 1 || window < 1 || window > LG_MAX_FLOWS ||
                    inet_pton(AF_INET, argv[4], &a) != 1)
                        return usage();
                return cmd_idle(&dst, n, ntohl(a.s_addr), nsrc, window);
        }
        return usage();
}

/* khttpd: a minimal HTTP/1.0 server on kernel sockets (RFC 1945), the connection-rate
 * baseline for `make bench`: one thread, poll(), every GET answered with one file, then close. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define KH_MAX_CONN 1024
#define KH_REQ_MAX 4096

static volatile sig_atomic_t kh_stop;

struct kh_conn {
        int fd;
        size_t in_len;
        char in[KH_REQ_MAX];
};

static void
on_signal(int sig)
{
        (void)sig;
        kh_stop = 1;
}

/* The response: headers plus the file's bytes, read per request as stackd's server does. */
static ssize_t
build_response(const char *file, char *out, size_t cap)
{
        int fd = open(file, O_RDONLY | O_CLOEXEC);
        char body[8192];
        ssize_t n, h;

        if (fd < 0)
                return -1;
        n = read(fd, body, sizeof(body));
        close(fd);
        if (n < 0)
                return -1;
        h = snprintf(out, cap,
                     "HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nContent-Length: %zd\r\n\r\n",
                     n);
        if (h < 0 || (size_t)(h + n) > cap)
                return -1;
        memcpy(out + h, body, (size_t)n);
        return h + n;
}

/* Read what the client sent; once the header section is complete, answer and close.
 * Returns 1 when the connection is finished. */
static int
serve(struct kh_conn *c, const char *file)
{
        char resp[8192 + 256];
        ssize_t n = read(c->fd, c->in + c->in_len, sizeof(c->in) - 1 - c->in_len), r;

        if (n < 0)
                return errno == EAGAIN ? 0 : 1;
        if (n == 0)
                return 1;
        c->in_len += (size_t)n;
        c->in[c->in_len] = 0;
        if (!strstr(c->in, "\r\n\r\n"))
                return c->in_len + 1 >= sizeof(c->in);
        r = build_response(file, resp, sizeof(resp));
        /* The response fits the socket buffer of a fresh connection: one write. */
        if (r > 0 && write(c->fd, resp, (size_t)r) < 0)
                return 1;
        return 1;
}

static void
accept_all(int lfd, struct kh_conn **cs, struct pollfd *p, int *n)
{
        int fd;

        while (*n < KH_MAX_CONN &&
               (fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                struct kh_conn *c = calloc(1, sizeof(*c));
                if (!c) {
                        close(fd);
                        continue;
                }
                c->fd = fd;
                cs[*n] = c;
                p[*n + 1] = (struct pollfd){.fd = fd, .events = POLLIN};
                (*n)++;
        }
}

static int
run(int lfd, const char *file)
{
        static struct kh_conn *cs[KH_MAX_CONN];
        static struct pollfd p[KH_MAX_CONN + 1];
        unsigned long served = 0;
        int n = 0;

        p[0] = (struct pollfd){.fd = lfd, .events = POLLIN};
        while (!kh_stop) {
                if (poll(p, (nfds_t)n + 1, -1) < 0)
                        continue;
                for (int i = 0; i < n;) {
                        if (!p[i + 1].revents || !serve(cs[i], file)) {
                                i++;
                                continue;
                        }
                        close(cs[i]->fd);
                        free(cs[i]);
                        served++;
                        cs[i] = cs[n - 1];
                        p[i + 1] = p[n];
                        n--;
                }
                if (p[0].revents & POLLIN)
                        accept_all(lfd, cs, p, &n);
        }
        for (int i = 0; i < n; i++) {
                close(cs[i]->fd);
                free(cs[i]);
        }
        printf("khttpd: served %lu connections\n", served);
        return 0;
}

int
main(int argc, char **argv)
{
        struct sockaddr_in sa = {.sin_family = AF_INET};
        struct sigaction sig;
        int lfd, one = 1;

        if (argc != 4 || inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
                fprintf(stderr, "usage: khttpd ADDR PORT FILE\n");
                return 2;
        }
        sa.sin_port = htons((uint16_t)atoi(argv[2]));
        lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 128) < 0) {
                perror("khttpd");
                return 1;
        }
        memset(&sig, 0, sizeof(sig));
        sig.sa_handler = on_signal;
        sigaction(SIGINT, &sig, NULL);
        sigaction(SIGTERM, &sig, NULL);
        signal(SIGPIPE, SIG_IGN);
        printf("khttpd: ready on %s:%s\n", argv[1], argv[2]);
        fflush(stdout);
        return run(lfd, argv[3]);
}

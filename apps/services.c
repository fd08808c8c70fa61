/* echo (RFC 862), discard (RFC 863), chargen (RFC 864) and HTTP connections for stackd. */
#include "apps/services.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "stack/sock.h"

#define SVC_MAX_LISTEN 8
#define SVC_IN_MAX 16384
#define SVC_OUT_HIGH 65536 /* output waiting that stops reading (backpressure) */

struct svc_listener {
        int sd;
        enum svc_kind kind;
        bool udp;
};

#define CHARGEN_LINE 74                    /* RFC 864: 72 characters, CR, LF */
#define CHARGEN_PERIOD (95 * CHARGEN_LINE) /* the text repeats after 95 lines */

struct svc_conn {
        struct services *sv;
        int sd;
        int idx;    /* in sv->conns */
        bool ready; /* on sv->ready: its socket's readiness changed since it was served */
        struct svc_conn *next_ready;
        enum svc_kind kind;
        bool peer_eof, close_after_flush;
        uint8_t *out; /* bytes accepted for sending but not yet taken by the socket */
        size_t out_len, out_off;
        char *in; /* HTTP only: SVC_IN_MAX bytes of request, allocated on first use */
        size_t in_len;
        uint64_t chargen_pos; /* bytes of the RFC 864 stream sent so far */
};

struct services {
        struct stack *s;
        struct httpd *httpd;
        struct svc_listener ls[SVC_MAX_LISTEN];
        int n_ls;
        struct svc_conn **conns; /* grows by doubling up to max_conns */
        int n_conns, cap_conns;
        struct svc_conn *ready; /* connections to serve: only these, not all of them */
        int max_conns;
        int sockbuf; /* SNDBUF/RCVBUF for listeners, inherited by their connections; 0: default */
        char chargen[2 * CHARGEN_PERIOD]; /* the RFC 864 period, twice (chargen_init) */
};

/* RFC 864: lines of 72 printable characters, each starting one further along; after 95
 * lines the text repeats. sv->chargen holds those 95 lines twice, so any window of up to one
 * period is contiguous and goes to the socket straight from there, with no copy of our own
 * (formatting per line and queueing cost more than TCP itself). */
static void
chargen_init(struct services *sv)
{
        for (int l = 0; l < 2 * 95; l++) {
                char *line = sv->chargen + l * CHARGEN_LINE;

                for (int k = 0; k < 72; k++)
                        line[k] = (char)(' ' + (l + k) % 95);
                line[72] = '\r';
                line[73] = '\n';
        }
}

struct services *
services_create(struct stack *s, const char *http_dir, int max_conns, int sockbuf)
{
        struct services *sv = calloc(1, sizeof(*sv));

        if (sv && !(sv->httpd = httpd_create(http_dir))) {
                free(sv);
                return NULL;
        }
        if (sv) {
                sv->s = s;
                sv->max_conns = max_conns > 0 ? max_conns : SVC_DEFAULT_MAX_CONNS;
                sv->sockbuf = sockbuf;
                chargen_init(sv);
        }
        return sv;
}

/* Room for one more connection: false at max_conns or when memory runs out. */
static bool
conns_reserve(struct services *sv)
{
        struct svc_conn **n;
        int cap;

        if (sv->n_conns >= sv->max_conns)
                return false;
        if (sv->n_conns < sv->cap_conns)
                return true;
        cap = sv->cap_conns ? sv->cap_conns * 2 : 64;
        n = realloc(sv->conns, (size_t)cap * sizeof(*n));
        if (!n)
                return false;
        sv->conns = n;
        sv->cap_conns = cap;
        return true;
}

static int
listen_one(struct services *sv, enum svc_kind kind, uint16_t port, bool udp)
{
        struct sock_addr local = {0, port};
        int sd = sock_open(sv->s, udp ? SOCK_TYPE_UDP : SOCK_TYPE_TCP), rc;

        if (sd < 0)
                return sd;
        if (!udp && sv->sockbuf) {
                sock_setopt(sv->s, sd, SOCK_OPT_SNDBUF, sv->sockbuf);
                sock_setopt(sv->s, sd, SOCK_OPT_RCVBUF, sv->sockbuf);
        }
        if ((rc = sock_bind(sv->s, sd, &local)) < 0 ||
            (!udp && (rc = sock_listen(sv->s, sd, 1024)) < 0)) {
                sock_close(sv->s, sd);
                return rc;
        }
        sv->ls[sv->n_ls++] = (struct svc_listener){.sd = sd, .kind = kind, .udp = udp};
        return 0;
}

int
services_add(struct services *sv, enum svc_kind kind, uint16_t port)
{
        int rc;

        if (sv->n_ls + 2 > SVC_MAX_LISTEN)
                return -ENOSPC;
        rc = listen_one(sv, kind, port, false);
        if (rc == 0 && (kind == SVC_ECHO || kind == SVC_DISCARD))
                rc = listen_one(sv, kind, port, true);
        return rc;
}

static void
conn_free(struct services *sv, int i)
{
        struct svc_conn *c = sv->conns[i];

        sock_close(sv->s, c->sd);
        free(c->out);
        free(c->in);
        free(c);
        if (i != --sv->n_conns) { /* the last one takes the freed place */
                sv->conns[i] = sv->conns[sv->n_conns];
                sv->conns[i]->idx = i;
        }
}

static void
conn_mark_ready(struct svc_conn *c)
{
        if (c->ready)
                return;
        c->ready = true;
        c->next_ready = c->sv->ready;
        c->sv->ready = c;
}

/* The socket's readiness changed (stack_poll delivers this after input and after output).
 * Serve the connection only when the change gives it work: input, EOF or an error to read,
 * or send space while it has output waiting (chargen always has). A socket that merely
 * stopped being readable because we drained it needs nothing, and serving it again would
 * cost the loop a second round (a poll and a read that finds nothing) per batch. */
static void
conn_event(void *ctx, int sd, unsigned events)
{
        struct svc_conn *c = ctx;
        bool has_output = c->kind == SVC_CHARGEN || c->out_off < c->out_len;

        (void)sd;
        if ((events & (SOCK_READABLE | SOCK_HUP | SOCK_ERROR)) ||
            ((events & SOCK_WRITABLE) && has_output))
                conn_mark_ready(c);
}

/* Append bytes to the connection's output. */
static int
conn_queue(struct svc_conn *c, const void *data, size_t len)
{
        uint8_t *n;

        if (c->out_off == c->out_len)
                c->out_off = c->out_len = 0;
        n = realloc(c->out, c->out_len + len);
        if (!n)
                return -ENOMEM;
        memcpy(n + c->out_len, data, len);
        c->out = n;
        c->out_len += len;
        return 0;
}

/* Push queued output into the socket; true when nothing is left. The last output before
 * our close (we close after it, or the peer's EOF came) goes as sock_send_more: the reply
 * and the FIN then share one segment. */
static bool
conn_flush(struct services *sv, struct svc_conn *c)
{
        bool last = c->close_after_flush || c->peer_eof;

        while (c->out_off < c->out_len) {
                const uint8_t *p = c->out + c->out_off;
                size_t n = c->out_len - c->out_off;
                ssize_t w =
                    last ? sock_send_more(sv->s, c->sd, p, n) : sock_send(sv->s, c->sd, p, n);
                if (w < 0)
                        return false;
                c->out_off += (size_t)w;
        }
        return true;
}

static void
chargen_fill(struct services *sv, struct svc_conn *c)
{
        while (c->out_off == c->out_len) {
                size_t off = (size_t)(c->chargen_pos % CHARGEN_PERIOD);
                ssize_t w = sock_send(sv->s, c->sd, sv->chargen + off, CHARGEN_PERIOD);

                if (w <= 0)
                        return;
                c->chargen_pos += (uint64_t)w;
        }
}

static void
conn_input(struct services *sv, struct svc_conn *c, const char *buf, size_t n)
{
        int keep = 1;

        switch (c->kind) {
        case SVC_ECHO:
                conn_queue(c, buf, n);
                break;
        case SVC_DISCARD:
        case SVC_CHARGEN:
                break;
        case SVC_HTTP:
                if (!c->in && !(c->in = malloc(SVC_IN_MAX))) {
                        c->close_after_flush = true;
                        return;
                }
                if (c->in_len + n > SVC_IN_MAX) {
                        c->close_after_flush = true; /* header section too large */
                        return;
                }
                memcpy(c->in + c->in_len, buf, n);
                c->in_len += n;
                while (!c->close_after_flush) {
                        int rc;
                        if (c->out_off == c->out_len)
                                c->out_off = c->out_len = 0;
                        rc =
                            httpd_handle(sv->httpd, c->in, &c->in_len, &c->out, &c->out_len, &keep);
                        if (rc == 0)
                                break;
                        if (rc < 0 || !keep)
                                c->close_after_flush = true;
                }
                break;
        }
}

/* Serve one connection; false when it is finished and must be freed. */
static bool
conn_serve(struct services *sv, struct svc_conn *c)
{
        char buf[8192];
        ssize_t r;

        if (sock_events(sv->s, c->sd) & SOCK_ERROR)
                return false;
        /* Read while less than SVC_OUT_HIGH of output waits, pushing it out at that mark: the
         * peer feels our backpressure. The rest goes after the reads, so a reply to a peer
         * whose EOF came with its request leaves with our FIN in one segment (RFC 862 echo
         * of a client at end of input). Discard drops everything queued in one call,
         * without copying it (RFC 863). */
        while (!c->peer_eof) {
                if (c->out_len - c->out_off >= SVC_OUT_HIGH && !conn_flush(sv, c))
                        break;
                if (c->kind == SVC_DISCARD)
                        r = sock_recv_skip(sv->s, c->sd, SIZE_MAX);
                else
                        r = sock_recv(sv->s, c->sd, buf,
                                      c->kind == SVC_HTTP ? sizeof(buf) / 2 : sizeof(buf));
                if (r == -EAGAIN)
                        break;
                if (r <= 0) {
                        c->peer_eof = true;
                        break;
                }
                conn_input(sv, c, buf, (size_t)r);
        }
        if (c->kind == SVC_CHARGEN && !c->peer_eof)
                chargen_fill(sv, c);
        if (!conn_flush(sv, c))
                return true;
        return !(c->peer_eof || c->close_after_flush);
}

static void
udp_serve(struct services *sv, struct svc_listener *l)
{
        char buf[65536];
        struct sock_addr from;
        ssize_t r;

        while ((r = sock_recvfrom(sv->s, l->sd, buf, sizeof(buf), &from)) >= 0)
                if (l->kind == SVC_ECHO)
                        sock_sendto(sv->s, l->sd, buf, (size_t)r, &from);
}

static void
accept_all(struct services *sv, struct svc_listener *l)
{
        struct sock_addr peer;
        int sd;

        while ((sd = sock_accept(sv->s, l->sd, &peer)) >= 0) {
                struct svc_conn *c = conns_reserve(sv) ? calloc(1, sizeof(*c)) : NULL;
                if (!c) {
                        sock_abort(sv->s, sd);
                        continue;
                }
                c->sv = sv;
                c->sd = sd;
                c->kind = l->kind;
                c->idx = sv->n_conns;
                sv->conns[sv->n_conns++] = c;
                sock_set_callback(sv->s, sd, conn_event, c);
                conn_mark_ready(c); /* the request may have come with the handshake's ACK */
        }
}

void
services_poll(struct services *sv)
{
        for (int i = 0; i < sv->n_ls; i++) {
                if (sv->ls[i].udp)
                        udp_serve(sv, &sv->ls[i]);
                else
                        accept_all(sv, &sv->ls[i]);
        }
        /* Only the connections whose readiness changed: the loop's work follows what
         * happened, not how many connections are open (100,000 idle ones cost nothing). */
        while (sv->ready) {
                struct svc_conn *c = sv->ready;

                sv->ready = c->next_ready;
                c->ready = false;
                if (!conn_serve(sv, c))
                        conn_free(sv, c->idx);
        }
}

bool
services_pending(const struct services *sv)
{
        return sv->ready != NULL;
}

void
services_destroy(struct services *sv)
{
        if (!sv)
                return;
        while (sv->n_conns > 0)
                conn_free(sv, sv->n_conns - 1);
        for (int i = 0; i < sv->n_ls; i++)
                sock_close(sv->s, sv->ls[i].sd);
        free(sv->conns);
        httpd_destroy(sv->httpd);
        free(sv);
}

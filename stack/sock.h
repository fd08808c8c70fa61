/* Public, non-blocking socket API over the stack's TCP and UDP (ARCHITECTURE.md section 2).
 * Handles are small integers. Calls never block: -EAGAIN means "poll and try again".
 * Errors are negative errno values; a connection error is kept on the socket and returned by
 * the next call, like so_error. */
#ifndef STACK_SOCK_H
#define STACK_SOCK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "stack/stack.h"

enum sock_type { SOCK_TYPE_TCP, SOCK_TYPE_UDP };

struct sock_addr {
        uint32_t ip;   /* host order; 0 = any */
        uint16_t port; /* host order; 0 = ephemeral (bind) */
};

/* Readiness bits. */
#define SOCK_READABLE 0x1u /* data, a pending connection, EOF or an error to read */
#define SOCK_WRITABLE 0x2u /* send buffer space (TCP: connected) */
#define SOCK_HUP 0x4u      /* both directions closed, or reset */
#define SOCK_ERROR 0x8u    /* a pending error (sock_error fetches it) */
#define SOCK_URGENT 0x10u  /* TCP: urgent data ahead in the stream (RFC 9293 MUST-32) */
#define SOCK_STALLED 0x20u /* TCP: R1 timeouts of the same data, no ACK yet (SHLD-9) */

enum sock_opt {
        SOCK_OPT_NODELAY,   /* TCP: disable Nagle (RFC 9293 3.7.4, MUST-17) */
        SOCK_OPT_KEEPALIVE, /* TCP: keep-alives (RFC 9293 3.8.4, MUST-24) */
        SOCK_OPT_SNDBUF,
        SOCK_OPT_RCVBUF,
        SOCK_OPT_TTL,
        SOCK_OPT_TOS,
        SOCK_OPT_R2_MS,        /* TCP: give-up time for data retransmission (MUST-20) */
        SOCK_OPT_LINGER_MS,    /* TCP: how long sock_close waits in TIME-WAIT-owning apps */
        SOCK_OPT_KEEPIDLE_MS,  /* TCP: idle time before keep-alives (MUST-27; default 2 h) */
        SOCK_OPT_KEEPINTVL_MS, /* TCP: time between unanswered keep-alives (default 75 s) */
        SOCK_OPT_KEEPCNT,      /* TCP: unanswered keep-alives before giving up (default 9) */
        SOCK_OPT_URGENT_LEN,   /* TCP, get only: urgent bytes not yet read (MUST-33), 0 if none */
        SOCK_OPT_ECN,          /* TCP: ask for ECN (RFC 3168) when connecting; on a listener,
                                  accept it when the peer asks. Before connect/accept. */
};

int sock_open(struct stack *s, enum sock_type type);
int sock_bind(struct stack *s, int sd, const struct sock_addr *local);
int sock_listen(struct stack *s, int sd, int backlog);
/* A new connection's handle, or -EAGAIN. */
int sock_accept(struct stack *s, int sd, struct sock_addr *peer);
/* TCP: active OPEN (returns 0; completion shows as SOCK_WRITABLE or an error).
 * UDP: sets the default destination and filters received datagrams. */
int sock_connect(struct stack *s, int sd, const struct sock_addr *peer);
ssize_t sock_send(struct stack *s, int sd, const void *buf, size_t len);
/* 0 means end of stream (the peer's FIN), distinct from -ECONNRESET (RST, RFC 9293 MUST-12). */
ssize_t sock_recv(struct stack *s, int sd, void *buf, size_t len);
/* TCP: like sock_recv, but the bytes are consumed without being copied (discard, RFC 863).
 * -EOPNOTSUPP on a UDP socket. */
ssize_t sock_recv_skip(struct stack *s, int sd, size_t len);
/* TCP: sock_send with more to follow at once (like MSG_MORE): the bytes may wait for the
 * next sock_send, sock_shutdown or sock_close on this socket, so that a reply and the FIN
 * after it leave as one segment; at the latest they leave at the end of the next
 * stack_poll. */
ssize_t sock_send_more(struct stack *s, int sd, const void *buf, size_t len);
/* TCP: send len bytes as urgent data (RFC 9293 3.8.5): the urgent pointer marks the octet
 * after them until they are acknowledged. All or nothing: -EAGAIN if they do not fit. */
ssize_t sock_send_urgent(struct stack *s, int sd, const void *buf, size_t len);
ssize_t sock_sendto(struct stack *s, int sd, const void *buf, size_t len,
                    const struct sock_addr *to);
ssize_t sock_recvfrom(struct stack *s, int sd, void *buf, size_t len, struct sock_addr *from);
/* how: SHUT_WR sends FIN (half-close), SHUT_RD stops reading, SHUT_RDWR both. */
int sock_shutdown(struct stack *s, int sd, int how);
/* Graceful CLOSE: the handle is gone; TCP finishes the close in the background. */
int sock_close(struct stack *s, int sd);
/* ABORT: TCP sends RST and frees everything. */
int sock_abort(struct stack *s, int sd);
unsigned sock_events(struct stack *s, int sd);
/* Fetch and clear the pending error (0 if none). */
int sock_error(struct stack *s, int sd);
int sock_setopt(struct stack *s, int sd, enum sock_opt opt, int value);
int sock_getopt(struct stack *s, int sd, enum sock_opt opt, int *value);
int sock_local(struct stack *s, int sd, struct sock_addr *local);
int sock_peer(struct stack *s, int sd, struct sock_addr *peer);

/* TCP_INFO-like snapshot of a TCP socket (RFC 9293 3.10.6 STATUS): what the TCB tracks. */
struct sock_tcp_info {
        const char *state_name; /* RFC state name, e.g. "ESTABLISHED" */
        uint32_t rto_us, srtt_us, rttvar_us;
        uint32_t snd_mss, rcv_mss;
        uint32_t cwnd, ssthresh; /* bytes */
        uint32_t snd_wnd, rcv_wnd;
        unsigned retransmits; /* consecutive timeouts for the oldest data */
        bool ecn;             /* ECN agreed in the handshake (RFC 3168 6.1.1) */
};
/* -EBADF for a bad handle, -EOPNOTSUPP for UDP, -ENOTCONN when no TCB is left. */
int sock_tcp_info(struct stack *s, int sd, struct sock_tcp_info *ti);

/* Called from the end of stack_poll when a socket's readiness changed. */
typedef void sock_event_fn(void *ctx, int sd, unsigned events);
int sock_set_callback(struct stack *s, int sd, sock_event_fn *fn, void *ctx);

/* A row per socket for `ss -tan`-like output (STATUS, RFC 9293 3.10.6). */
struct sock_info {
        int sd;
        enum sock_type type;
        const char *state_name; /* RFC state name, "UNCONN" for UDP */
        struct sock_addr local, peer;
        size_t recv_q, send_q;
};
typedef void sock_info_fn(void *ctx, const struct sock_info *info);
void sock_list(struct stack *s, sock_info_fn *fn, void *ctx);

#endif

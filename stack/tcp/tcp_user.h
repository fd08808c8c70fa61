/* TCP user calls (RFC 9293 3.10.1-3.10.6) as sock.c invokes them. Each takes the socket
 * and returns >= 0 or a negative errno; they never block. */
#ifndef STACK_TCP_TCP_USER_H
#define STACK_TCP_TCP_USER_H

#include <stddef.h>
#include <sys/types.h>

#include "stack/sock.h"

struct stack;
struct sock;

int tcp_user_open(struct stack *s, struct sock *so);
int tcp_user_bind(struct stack *s, struct sock *so, const struct sock_addr *local);
int tcp_user_listen(struct stack *s, struct sock *so, int backlog);
int tcp_user_accept(struct stack *s, struct sock *so, struct sock_addr *peer);
int tcp_user_connect(struct stack *s, struct sock *so, const struct sock_addr *peer);
ssize_t tcp_user_send(struct stack *s, struct sock *so, const void *buf, size_t len);
/* SEND with the URGENT flag (RFC 9293 3.8.5): all of buf or -EAGAIN. */
ssize_t tcp_user_send_urgent(struct stack *s, struct sock *so, const void *buf, size_t len);
/* buf NULL: consume up to len bytes without copying them (sock_recv_skip). */
ssize_t tcp_user_recv(struct stack *s, struct sock *so, void *buf, size_t len);
int tcp_user_shutdown(struct stack *s, struct sock *so, int how);
/* Graceful close: detaches the TCB from the socket; the TCB lives on until CLOSED. */
int tcp_user_close(struct stack *s, struct sock *so);
int tcp_user_abort(struct stack *s, struct sock *so);
unsigned tcp_user_events(struct stack *s, struct sock *so);
int tcp_user_setopt(struct stack *s, struct sock *so, enum sock_opt opt, int value);
int tcp_user_getopt(struct stack *s, struct sock *so, enum sock_opt opt, int *value);
int tcp_user_local(struct stack *s, struct sock *so, struct sock_addr *a);
int tcp_user_peer(struct stack *s, struct sock *so, struct sock_addr *a);
/* STATUS (RFC 9293 3.10.6): fill state name and queue sizes. */
void tcp_user_info(struct stack *s, struct sock *so, struct sock_info *info);
/* Listing TCBs that have no socket any more (closing in the background) for sock_list. */
void tcp_list_orphans(struct stack *s, sock_info_fn *fn, void *ctx);

#endif

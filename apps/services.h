/* Small TCP/UDP services that stackd offers: echo (RFC 862), discard (RFC 863), chargen
 * (RFC 864) and a static HTTP/1.1 server (RFC 9112 subset). Driven from the app's loop. */
#ifndef APPS_SERVICES_H
#define APPS_SERVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct stack;
struct services;
struct httpd;

enum svc_kind { SVC_ECHO, SVC_DISCARD, SVC_CHARGEN, SVC_HTTP };

#define SVC_DEFAULT_MAX_CONNS 4096

/* max_conns <= 0: SVC_DEFAULT_MAX_CONNS; sockbuf > 0 sets the TCP listeners' SNDBUF/RCVBUF,
 * which their connections inherit (small buffers for many idle connections). */
struct services *services_create(struct stack *s, const char *http_dir, int max_conns, int sockbuf);
/* Listen on port for kind (TCP, and UDP for echo/discard). 0 or -errno. */
int services_add(struct services *sv, enum svc_kind kind, uint16_t port);
/* Accept, read and write whatever is ready; call after every stack_poll (or between
 * stack_poll_input and stack_poll_output). Connections are served when their socket's
 * readiness changed so that they have work (input, EOF, an error, or send space while output
 * waits: socket callbacks), not every time. */
void services_poll(struct services *sv);
/* True when a connection got work after the last services_poll (e.g. send space in
 * stack_poll_output): the loop should poll again without sleeping. */
bool services_pending(const struct services *sv);
void services_destroy(struct services *sv);

/* HTTP (apps/httpd.c) over the files under dir (NULL: every target is 404); it keeps the
 * contents of small files, looked at again on disk at most once a second. NULL: no memory. */
struct httpd *httpd_create(const char *dir);
void httpd_destroy(struct httpd *h);
/* Consume a complete request from in[0..*in_len) if there is one and append the response
 * to *out (malloc'd, *out_len bytes). Returns 1 when a request was handled (and *keep_alive
 * says whether to keep the connection), 0 when more bytes are needed, -1 on a malformed
 * request (a 400 response has been appended). */
int httpd_handle(struct httpd *h, char *in, size_t *in_len, uint8_t **out, size_t *out_len,
                 int *keep_alive);

#endif

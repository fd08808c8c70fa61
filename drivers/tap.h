/* Linux TAP driver: attach to a TAP device by name (a persistent, user-owned tap0 needs no
 * root) or create it when absent and we have CAP_NET_ADMIN. Non-blocking; one frame per
 * read/write (IFF_TAP | IFF_NO_PI). */
#ifndef DRIVERS_TAP_H
#define DRIVERS_TAP_H

#include <stddef.h>

#include "stack/stack.h"

struct tap;

extern const struct link_ops tap_link_ops;

/* Open the TAP device name. On failure returns NULL and writes a clear, human message
 * (no /dev/net/tun, permission denied, device busy, ...) into err. */
struct tap *tap_open(const char *name, char *err, size_t err_len);
void tap_close(struct tap *t);
int tap_fd(const struct tap *t);
/* The device's MTU as the kernel sees it (0 if unknown). */
int tap_mtu(const struct tap *t);

#endif

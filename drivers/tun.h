/* Linux TUN driver: a layer-3 device (IFF_TUN | IFF_NO_PI) that carries bare IPv4 packets,
 * no Ethernet and no ARP; the stack attaches it as LINK_RAW_IPV4. Useful for VPN-style
 * set-ups. Attach to an existing (user-owned) TUN or create it with CAP_NET_ADMIN. */
#ifndef DRIVERS_TUN_H
#define DRIVERS_TUN_H

#include <stddef.h>

#include "stack/stack.h"

struct tun;

extern const struct link_ops tun_link_ops;

/* Open the TUN device name. On failure returns NULL and writes a clear message into err. */
struct tun *tun_open(const char *name, char *err, size_t err_len);
void tun_close(struct tun *t);
int tun_fd(const struct tun *t);

#endif

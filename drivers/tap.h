/* Linux TAP driver: attach to a TAP device by name (a persistent, user-owned tap0 needs no
 * root) or create it when absent and we have CAP_NET_ADMIN. Non-blocking; one frame per
 * read/write (IFF_TAP | IFF_NO_PI). */
#ifndef DRIVERS_TAP_H
#define DRIVERS_TAP_H

#include <stdbool.h>
#include <stddef.h>

#include "stack/stack.h"

struct tap;

extern const struct link_ops tap_link_ops;
/* For a TAP opened with offloads: frames carry a virtio net header, stripped and added here;
 * it advertises LINK_TX_CSUM | LINK_TX_TSO4 and sends tx_meta frames as NEEDS_CSUM / TCPV4 GSO. */
extern const struct link_ops tap_offload_link_ops;

/* Open the TAP device name. On failure returns NULL and writes a clear, human message
 * (no /dev/net/tun, permission denied, device busy, ...) into err. */
struct tap *tap_open(const char *name, char *err, size_t err_len);
/* As tap_open, but ask for IFF_VNET_HDR and TUNSETOFFLOAD (TUN_F_CSUM | TUN_F_TSO4): the
 * kernel may then hand over TCPv4 GSO super-frames of up to 64 KB with checksums left for us
 * to trust. When the kernel refuses, the TAP is opened plainly and a one-line reason is left
 * in notice (empty otherwise); tap_offload() tells which mode is in force. */
struct tap *tap_open_offload(const char *name, char *notice, size_t notice_len, char *err,
                             size_t err_len);
bool tap_offload(const struct tap *t);
/* The link_ops for t's mode (tap_link_ops or tap_offload_link_ops). */
const struct link_ops *tap_link(const struct tap *t);
/* Largest frame rx() may return (for iface_config.max_frame); 0: the MTU decides. */
size_t tap_max_frame(const struct tap *t);
/* Frames dropped for a virtio header we did not negotiate (e.g. UDP GSO). */
unsigned long tap_rx_bad(const struct tap *t);
void tap_close(struct tap *t);
int tap_fd(const struct tap *t);
/* The device's MTU as the kernel sees it (0 if unknown). */
int tap_mtu(const struct tap *t);

#endif

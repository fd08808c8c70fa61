/* What the TAP and TUN drivers share: attaching to /dev/net/tun (IFF_NO_PI, O_NONBLOCK) with
 * clear error messages, non-blocking read/write of one frame or packet, the device's MTU.
 * Internal to drivers/. */
#ifndef DRIVERS_TUNTAP_H
#define DRIVERS_TUNTAP_H

#include <linux/if.h>
#include <stddef.h>
#include <stdint.h>

/* Attach to (or create) the device name as a TAP (tun == 0) or TUN (tun == 1). Returns the
 * fd and the kernel's name for it in ifname, or -1 with a human message in err. */
int tuntap_attach(const char *name, int tun, char ifname[IFNAMSIZ], char *err, size_t err_len);
/* The same with extra TUNSETIFF flags (e.g. IFF_VNET_HDR). */
int tuntap_attach_flags(const char *name, int tun, int extra_flags, char ifname[IFNAMSIZ],
                        char *err, size_t err_len);
/* link_ops for a driver struct whose FIRST member is the device's int fd. */
int tuntap_tx(void *ctx, const uint8_t *buf, size_t len);
int tuntap_rx(void *ctx, uint8_t *buf, size_t cap);
int tuntap_link_fd(void *ctx);
/* The MTU the kernel has for ifname (0 if unknown). */
int tuntap_mtu(const char *ifname);

#endif

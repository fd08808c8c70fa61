/* A link wrapper that records every frame in and out of an inner link to a pcap file
 * (libpcap format, microsecond timestamps) that tshark and Wireshark open. */
#ifndef DRIVERS_PCAP_H
#define DRIVERS_PCAP_H

#include <stddef.h>

#include "stack/stack.h"

struct pcap_link;

extern const struct link_ops pcap_link_ops;

/* Wrap (inner, inner_ctx); link_type selects DLT_EN10MB or DLT_RAW. NULL with err on failure. */
struct pcap_link *pcap_link_open(const char *path, enum link_type type,
                                 const struct link_ops *inner, void *inner_ctx, char *err,
                                 size_t err_len);
/* Flush and close the file; returns 0 or -errno if any write failed. */
int pcap_link_close(struct pcap_link *pl);
/* Frames written so far. */
unsigned long pcap_link_frames(const struct pcap_link *pl);

#endif

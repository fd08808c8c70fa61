/* DNS message encode/decode (RFC 1035 4.1). Placeholder until the DNS issue lands. */
#ifndef STACK_WIRE_DNS_H
#define STACK_WIRE_DNS_H

#include <stddef.h>
#include <stdint.h>

/* Write Wireshark's Info text for a DNS message ("Standard query 0x98ef A google.com");
 * returns its length, or 0 when msg is not parseable DNS. */
size_t dns_describe(const uint8_t *msg, size_t len, char *out, size_t cap);

#endif

/* UDP (and DNS) lines for --trace. Placeholder until the UDP issue lands. */
#include <stdio.h>

#include "stack/wire/describe.h"
#include "stack/wire/ipv4.h"

size_t
describe_udp(struct describe_state *ds, const struct ipv4_hdr *ih, const uint8_t *l4,
	     size_t l4_len, size_t frame_len, char *out, size_t cap)
{
	(void)ds;
	(void)l4;
	(void)l4_len;
	(void)ih;
	return (size_t)snprintf(out, cap, "UDP %zu", frame_len);
}

/* DNS wire format placeholder until the DNS issue lands. */
#include "stack/wire/dns.h"

size_t
dns_describe(const uint8_t *msg, size_t len, char *out, size_t cap)
{
	(void)msg;
	(void)len;
	(void)out;
	(void)cap;
	return 0;
}

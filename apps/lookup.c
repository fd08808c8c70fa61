/* Name to address for the apps: numeric addresses bypass the resolver (issue 3). */
#include <errno.h>
#include <stdio.h>

#include "apps/common.h"

int
app_lookup(struct app *a, const char *host, uint32_t *ip, long wait_s)
{
	(void)wait_s;
	if (app_parse_ipv4(host, ip) == 0)
		return 0;
	fprintf(stderr, "%s: getaddrinfo for host \"%s\": name lookup is not available yet\n",
		a->prog, host);
	return -ENOSYS;
}

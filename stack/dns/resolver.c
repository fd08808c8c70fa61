/* Resolver placeholder until the DNS issue lands. */
#include "stack/dns/resolver.h"

int
dns_init(struct stack *s)
{
	(void)s;
	return 0;
}

void
dns_fini(struct stack *s)
{
	(void)s;
}

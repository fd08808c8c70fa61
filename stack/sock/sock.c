/* Socket table placeholder until UDP and TCP land. */
#include "stack/sock/sock.h"

#include "stack/core/stack.h"
#include "stack/sock.h"

int
sock_init(struct stack *s)
{
	(void)s;
	return 0;
}

void
sock_fini(struct stack *s)
{
	(void)s;
}

void
sock_deliver_events(struct stack *s)
{
	(void)s;
}

void
sock_list(struct stack *s, sock_info_fn *fn, void *ctx)
{
	(void)s;
	(void)fn;
	(void)ctx;
}

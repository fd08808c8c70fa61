/* TCP placeholder until the TCP issue lands: segments are counted and dropped. */
#include "stack/tcp/tcp.h"

#include "stack/core/stack.h"

int
tcp_init(struct stack *s)
{
	(void)s;
	return 0;
}

void
tcp_fini(struct stack *s)
{
	(void)s;
}

void
tcp_input(struct stack *s, struct pkt *p, const struct ipv4_hdr *h)
{
	(void)h;
	stack_count(s, CNT_TCP_RX);
	stack_count(s, CNT_TCP_RX_NO_PORT);
	pkt_free(s, p);
}

void
tcp_icmp_error(struct stack *s, const struct icmp_err *e)
{
	(void)e;
	stack_count(s, CNT_ICMP_ERR_IGNORED);
}

void
tcp_flush(struct stack *s)
{
	(void)s;
}

/* UDP placeholder until the UDP issue lands: every port is closed (RFC 1122 4.1.3.1). */
#include "stack/net/udp.h"

#include "stack/core/stack.h"
#include "stack/net/icmp.h"
#include "stack/wire/icmp.h"
#include "stack/wire/ipv4.h"

int
udp_init(struct stack *s)
{
	(void)s;
	return 0;
}

void
udp_fini(struct stack *s)
{
	(void)s;
}

void
udp_input(struct stack *s, struct pkt *p, const struct ipv4_hdr *h)
{
	stack_count(s, CNT_UDP_RX);
	stack_count(s, CNT_UDP_RX_NO_PORT);
	icmp_send_error(s, p, h, ICMP_DEST_UNREACH, ICMP_UNREACH_PORT);
	pkt_free(s, p);
}

void
udp_icmp_error(struct stack *s, const struct icmp_err *e)
{
	(void)e;
	stack_count(s, CNT_ICMP_ERR_IGNORED);
}

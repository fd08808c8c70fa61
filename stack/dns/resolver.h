/* Stub resolver internals (RFC 1035, RFC 5452). */
#ifndef STACK_DNS_RESOLVER_H
#define STACK_DNS_RESOLVER_H

struct stack;

int dns_init(struct stack *s);
void dns_fini(struct stack *s);

#endif

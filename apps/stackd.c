/* stackd: the stack as a host on a TAP device, answering ARP and ping until SIGINT/SIGTERM. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/common.h"

static const char usage[] = "usage: stackd [stack options]\n"
			    "Run the stack as a host on a TAP device until SIGINT or SIGTERM.\n";

static volatile sig_atomic_t stats_requested;

static void
on_usr1(int sig)
{
	(void)sig;
	stats_requested = 1;
}

int
main(int argc, char **argv)
{
	struct app a;
	char ip[16];
	int idx;

	memset(&a, 0, sizeof(a));
	idx = app_parse(&a, argc, argv, "", NULL, NULL, NULL, usage);
	if (idx != argc)
		app_die_usage(&a, usage, "unexpected argument '%s'", argv[idx]);
	app_catch_signals();
	signal(SIGUSR1, on_usr1);
	app_start(&a);
	app_format_ipv4(a.o.ip, ip);
	fprintf(stderr, "stackd: up on %s as %s/%u\n", a.o.iface, ip, a.o.prefix_len);
	while (!app_stop_requested) {
		app_wait(&a, -1, 0, -1);
		if (stats_requested) {
			stats_requested = 0;
			app_print_stats(&a);
		}
	}
	fprintf(stderr, "stackd: shutting down\n");
	app_stop(&a);
	return 0;
}

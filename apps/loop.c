/* The small poll() loop every app shares: the stack's fds and deadline plus one app fd
 * (ARCHITECTURE.md "Event and poll integration"). */
#include <errno.h>
#include <poll.h>

#include "apps/common.h"

int
app_wait(struct app *a, int fd, short events, int max_ms)
{
        struct pollfd fds[8];
        int n = stack_fds(a->s, fds, 7), timeout = stack_timeout_ms(a->s), rc, app_idx = -1;

        if (fd >= 0) {
                app_idx = n;
                fds[n].fd = fd;
                fds[n].events = events;
                fds[n].revents = 0;
                n++;
        }
        if (max_ms >= 0 && (timeout < 0 || max_ms < timeout))
                timeout = max_ms;
        rc = poll(fds, (nfds_t)n, timeout);
        if (rc < 0 && errno == EINTR) {
                stack_poll(a->s);
                app_stats_check(a);
                return -1;
        }
        stack_poll(a->s);
        app_stats_check(a);
        return app_idx >= 0 && rc > 0 ? fds[app_idx].revents : 0;
}

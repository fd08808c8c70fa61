/* The small poll() loop every app shares: the stack's fds and deadline plus one app fd
 * (ARCHITECTURE.md "Event and poll integration"). */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>

#include "apps/common.h"

/* Wait for the stack's fds (and fd) and its next deadline, then run the input half of
 * stack_poll, and the output half too unless the caller will (app_wait_input). */
static int
app_wait_poll(struct app *a, int fd, short events, int max_ms, bool output)
{
        struct pollfd fds[8];
        int n = stack_fds(a->s, fds, 7), timeout = stack_timeout_ms(a->s), rc, err, app_idx = -1;

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
        err = rc < 0 ? errno : 0; /* before the stack's own calls overwrite it */
        stack_poll_input(a->s);
        if (output)
                stack_poll_output(a->s);
        app_stats_check(a);
        if (err == EINTR)
                return -1;
        return app_idx >= 0 && rc > 0 ? fds[app_idx].revents : 0;
}

int
app_wait(struct app *a, int fd, short events, int max_ms)
{
        return app_wait_poll(a, fd, events, max_ms, true);
}

int
app_wait_input(struct app *a, int fd, short events, int max_ms)
{
        return app_wait_poll(a, fd, events, max_ms, false);
}

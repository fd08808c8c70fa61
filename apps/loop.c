/* The small poll() loop every app shares: the stack's fds and deadline plus one app fd
 * (ARCHITECTURE.md "Event and poll integration"). */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#include "apps/common.h"
#include "stack/core/clock.h"

/* --busy-poll (off by default; issue 7 asks for a loop that never spins): for up to
 * busy_poll_us after the last input, ask poll() without sleeping, as Linux's SO_BUSY_POLL
 * does for a socket. A peer that answers within that time (a client sending its request
 * after our SYN,ACK) is then read at once instead of waiting for this process to be woken
 * on another CPU; the price is a CPU kept busy meanwhile. The stack's next deadline still
 * ends the spin (timeout, in ms, -1 for none). */
static int
app_poll(struct app *a, struct pollfd *fds, nfds_t n, int timeout)
{
        struct clock mono = clock_monotonic();
        uint64_t now, deadline, until;
        int rc = 0;

        if (!a->o.busy_poll_us) /* the default: a plain poll, no clock read per wakeup */
                return poll(fds, n, timeout);
        now = clock_now_us(&mono);
        deadline = timeout >= 0 ? now + (uint64_t)timeout * 1000 : UINT64_MAX;
        until = a->busy_until_us < deadline ? a->busy_until_us : deadline;
        while (now < until && (rc = poll(fds, n, 0)) == 0)
                now = clock_now_us(&mono);
        if (rc == 0) {
                if (timeout >= 0) /* what is left of it after the spin */
                        timeout = now >= deadline ? 0 : (int)((deadline - now + 999) / 1000);
                rc = poll(fds, n, timeout);
        }
        if (rc > 0)
                a->busy_until_us = clock_now_us(&mono) + a->o.busy_poll_us;
        return rc;
}

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
        rc = app_poll(a, fds, (nfds_t)n, timeout);
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

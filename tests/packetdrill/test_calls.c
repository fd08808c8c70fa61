/* The packetdrill ABI call by call: the table is complete, unsupported calls fail with
 * ENOSYS/EOPNOTSUPP instead of crashing, the virtual clock, fcntl/ioctl/poll and the
 * socket options scripts use (SO_*, TCP_NODELAY, TCP_MAXSEG, SO_LINGER). */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/ioctl.h>

#include "tests/packetdrill/pdt.h"

static void
abi_table_is_complete(void)
{
        struct pdt t;
        size_t n = (sizeof(t.ifc) - sizeof(void *)) / sizeof(void (*)(void));

        pdt_open(&t, NULL);
        CU_ASSERT_PTR_NOT_NULL(t.ud);
        /* Every slot after userdata is a function pointer; none may be left NULL. */
        CU_ASSERT_EQUAL(n, 32);
        for (size_t i = 0; i < n; i++) {
                void (*f)(void);
                memcpy(&f, (const char *)&t.ifc + sizeof(void *) + i * sizeof(f), sizeof(f));
                CU_ASSERT_PTR_NOT_NULL(f);
        }
        pdt_close(&t);
}

static void
unsupported_calls_fail_cleanly(void)
{
        struct pdt t;
        struct epoll_event ev = {0};
        int pfd[2], fd, v = 0;
        socklen_t len = sizeof(v);
        char buf[4];

        pdt_open(&t, NULL);
        errno = 0;
        CU_ASSERT_EQUAL(t.ifc.epoll_create(t.ud, 1), -1);
        CU_ASSERT_EQUAL(errno, ENOSYS);
        CU_ASSERT_EQUAL(t.ifc.epoll_ctl(t.ud, 5, EPOLL_CTL_ADD, 3, &ev), -1);
        CU_ASSERT_EQUAL(errno, ENOSYS);
        CU_ASSERT_EQUAL(t.ifc.epoll_wait(t.ud, 5, &ev, 1, 0), -1);
        CU_ASSERT_EQUAL(t.ifc.pipe(t.ud, pfd), -1);
        CU_ASSERT_EQUAL(errno, ENOSYS);
        CU_ASSERT_EQUAL(t.ifc.splice(t.ud, 3, NULL, 4, NULL, 10, 0), -1);
        CU_ASSERT_EQUAL(errno, ENOSYS);
        CU_ASSERT_EQUAL(t.ifc.socket(t.ud, AF_INET6, SOCK_STREAM, 0), -1);
        CU_ASSERT_EQUAL(errno, EAFNOSUPPORT);
        CU_ASSERT_EQUAL(t.ifc.socket(t.ud, AF_INET, SOCK_RAW, 0), -1);
        CU_ASSERT_EQUAL(errno, ESOCKTNOSUPPORT);
        CU_ASSERT_EQUAL(t.ifc.read(t.ud, 42, buf, sizeof(buf)), -1);
        CU_ASSERT_EQUAL(errno, EBADF);
        CU_ASSERT_EQUAL(t.ifc.close(t.ud, -1), -1);
        CU_ASSERT_EQUAL(errno, EBADF);
        fd = t.ifc.socket(t.ud, AF_INET, SOCK_STREAM, 0);
        CU_ASSERT_EQUAL(fd, 3);
        CU_ASSERT_EQUAL(t.ifc.ioctl(t.ud, fd, SIOCGIFMTU, &v), -1);
        CU_ASSERT_EQUAL(errno, EOPNOTSUPP);
        CU_ASSERT_EQUAL(t.ifc.fcntl(t.ud, fd, F_DUPFD, 10), -1);
        CU_ASSERT_EQUAL(errno, EOPNOTSUPP);
        CU_ASSERT_EQUAL(t.ifc.recv(t.ud, fd, buf, sizeof(buf), MSG_PEEK), -1);
        CU_ASSERT_EQUAL(errno, EOPNOTSUPP);
        CU_ASSERT_EQUAL(t.ifc.getsockopt(t.ud, fd, IPPROTO_TCP, TCP_CONGESTION, buf, &len), -1);
        CU_ASSERT_EQUAL(errno, ENOPROTOOPT);
        CU_ASSERT_EQUAL(t.ifc.read(t.ud, fd, buf, sizeof(buf)), -1); /* not connected */
        CU_ASSERT_EQUAL(errno, ENOTCONN);
        CU_ASSERT_EQUAL(t.ifc.netdev_send(t.ud, buf, 0), -1);
        CU_ASSERT_EQUAL(errno, EINVAL);
        pdt_close(&t);
}

static void
bad_flags_every_call_fails_with_enosys(void)
{
        struct pdt t;
        struct timeval tv;
        size_t count = 4;
        long long when;
        char buf[4];

        pdt_open(&t, "local=not-an-address");
        CU_ASSERT_PTR_NULL(t.ud);
        CU_ASSERT_EQUAL(t.ifc.socket(t.ud, AF_INET, SOCK_STREAM, 0), -1);
        CU_ASSERT_EQUAL(errno, ENOSYS);
        CU_ASSERT_EQUAL(t.ifc.gettimeofday(t.ud, &tv, NULL), -1);
        CU_ASSERT_EQUAL(t.ifc.netdev_receive(t.ud, buf, &count, &when), -1);
        CU_ASSERT_EQUAL(t.ifc.netdev_send(t.ud, buf, sizeof(buf)), -1);
        CU_ASSERT_EQUAL(t.ifc.usleep(t.ud, 10), -1);
        t.ifc.free(t.ud);
        pdt_open(&t, "mtu=20");
        CU_ASSERT_PTR_NULL(t.ud);
        t.ifc.free(t.ud);
        pdt_open(&t, "local=10.0.0.1,prefix=24,gw=10.0.0.254,mtu=1400,seed=7,tick=2,trace=0");
        CU_ASSERT_PTR_NULL(t.ud); /* trace takes no value */
        t.ifc.free(t.ud);
}

static void
flags_set_address_and_mss(void)
{
        struct sockaddr_in sin = {.sin_family = AF_INET};
        struct pdt t;
        struct pdt_seg g;
        int fd;

        pdt_open(&t, "local=10.0.0.1,prefix=24,gw=10.0.0.254,mtu=1400,seed=7,sniff_wait_ms=0");
        CU_ASSERT_PTR_NOT_NULL_FATAL(t.ud);
        fd = t.ifc.socket(t.ud, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        sin.sin_addr.s_addr = htonl(PDT_REMOTE);
        sin.sin_port = htons(PDT_PORT);
        CU_ASSERT_EQUAL(t.ifc.connect(t.ud, fd, (struct sockaddr *)&sin, sizeof(sin)), -1);
        CU_ASSERT_FATAL(pdt_sniff(&t, &g));
        CU_ASSERT_EQUAL(g.src, 0x0a000001u);
        /* RFC 9293 3.7.1: the MSS we offer is the MTU less 40 bytes of headers. */
        CU_ASSERT_EQUAL(g.mss, 1360);
        CU_ASSERT_EQUAL(g.flags, PDT_SYN);
        pdt_close(&t);
}

static void
virtual_clock_moves_only_when_told(void)
{
        struct pdt t;
        long long t0, t1, t2;

        pdt_open(&t, "tick=0");
        t0 = pdt_now(&t);
        t1 = pdt_now(&t);
        CU_ASSERT_EQUAL(t1, t0); /* tick=0: reading the clock does not move it */
        CU_ASSERT_EQUAL(t.ifc.usleep(t.ud, 250000), 0);
        t2 = pdt_now(&t);
        CU_ASSERT_EQUAL(t2 - t1, 250000);
        pdt_close(&t);
        pdt_open(&t, NULL);
        t0 = pdt_now(&t);
        CU_ASSERT_EQUAL(pdt_now(&t) - t0, 1); /* default tick: 1 us per reading */
        pdt_close(&t);
}

static void
fcntl_nonblock_makes_accept_eagain(void)
{
        struct sockaddr_in sin = {.sin_family = AF_INET};
        struct pdt t;
        struct pollfd p;
        int fd, fl, nb = 0;

        pdt_open(&t, NULL);
        sin.sin_addr.s_addr = htonl(PDT_LOCAL);
        sin.sin_port = htons(PDT_PORT);
        fd = t.ifc.socket(t.ud, AF_INET, SOCK_STREAM, 0);
        CU_ASSERT_EQUAL(t.ifc.bind(t.ud, fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
        CU_ASSERT_EQUAL(t.ifc.listen(t.ud, fd, 1), 0);
        fl = t.ifc.fcntl(t.ud, fd, F_GETFL);
        CU_ASSERT_EQUAL(fl & O_NONBLOCK, 0);
        CU_ASSERT_EQUAL(t.ifc.fcntl(t.ud, fd, F_SETFL, fl | O_NONBLOCK), 0);
        CU_ASSERT_EQUAL(t.ifc.fcntl(t.ud, fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
        CU_ASSERT_EQUAL(t.ifc.accept(t.ud, fd, NULL, NULL), -1);
        CU_ASSERT_EQUAL(errno, EAGAIN);
        p = (struct pollfd){.fd = fd, .events = POLLIN};
        CU_ASSERT_EQUAL(t.ifc.poll(t.ud, &p, 1, 0), 0);
        CU_ASSERT_EQUAL(p.revents, 0);
        p.fd = 99;
        CU_ASSERT_EQUAL(t.ifc.poll(t.ud, &p, 1, 0), 1);
        CU_ASSERT_EQUAL(p.revents, POLLNVAL);
        CU_ASSERT_EQUAL(t.ifc.ioctl(t.ud, fd, FIONBIO, &nb), 0);
        CU_ASSERT_EQUAL(t.ifc.fcntl(t.ud, fd, F_GETFL) & O_NONBLOCK, 0);
        pdt_close(&t);
}

static void
socket_options_round_trip(void)
{
        struct linger lg = {.l_onoff = 1, .l_linger = 5}, lo;
        struct pdt t;
        int fd, one = 1, v, rcvbuf = 32768;
        socklen_t len;

        pdt_open(&t, NULL);
        fd = t.ifc.socket(t.ud, AF_INET, SOCK_STREAM, 0);
        CU_ASSERT_EQUAL(t.ifc.setsockopt(t.ud, fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
        CU_ASSERT_EQUAL(t.ifc.setsockopt(t.ud, fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
        CU_ASSERT_EQUAL(t.ifc.setsockopt(t.ud, fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)), 0);
        CU_ASSERT_EQUAL(t.ifc.setsockopt(t.ud, fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)),
                        0);
        CU_ASSERT_EQUAL(t.ifc.setsockopt(t.ud, fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
        CU_ASSERT_EQUAL(t.ifc.setsockopt(t.ud, fd, SOL_SOCKET, SO_REUSEADDR, &one, 1), -1);
        CU_ASSERT_EQUAL(errno, EINVAL);
        len = sizeof(v);
        CU_ASSERT_EQUAL(t.ifc.getsockopt(t.ud, fd, SOL_SOCKET, SO_REUSEADDR, &v, &len), 0);
        CU_ASSERT_EQUAL(v, 1);
        CU_ASSERT_EQUAL(t.ifc.getsockopt(t.ud, fd, IPPROTO_TCP, TCP_NODELAY, &v, &len), 0);
        CU_ASSERT_EQUAL(v, 1);
        CU_ASSERT_EQUAL(t.ifc.getsockopt(t.ud, fd, SOL_SOCKET, SO_KEEPALIVE, &v, &len), 0);
        CU_ASSERT_EQUAL(v, 1);
        CU_ASSERT_EQUAL(t.ifc.getsockopt(t.ud, fd, SOL_SOCKET, SO_RCVBUF, &v, &len), 0);
        CU_ASSERT_EQUAL(v, rcvbuf);
        CU_ASSERT_EQUAL(t.ifc.getsockopt(t.ud, fd, SOL_SOCKET, SO_TYPE, &v, &len), 0);
        CU_ASSERT_EQUAL(v, SOCK_STREAM);
        CU_ASSERT_EQUAL(t.ifc.getsockopt(t.ud, fd, IPPROTO_TCP, TCP_MAXSEG, &v, &len), 0);
        CU_ASSERT_EQUAL(v, 536); /* not connected: the RFC 9293 3.7.1 default */
        len = sizeof(lo);
        CU_ASSERT_EQUAL(t.ifc.getsockopt(t.ud, fd, SOL_SOCKET, SO_LINGER, &lo, &len), 0);
        CU_ASSERT_EQUAL(lo.l_onoff, 1);
        CU_ASSERT_EQUAL(lo.l_linger, 5);
        pdt_close(&t);
}

static void
two_instances_are_independent(void)
{
        struct pdt a, b;

        pdt_open(&a, NULL);
        pdt_open(&b, NULL);
        CU_ASSERT_EQUAL(a.ifc.socket(a.ud, AF_INET, SOCK_STREAM, 0), 3);
        CU_ASSERT_EQUAL(a.ifc.socket(a.ud, AF_INET, SOCK_STREAM, 0), 4);
        CU_ASSERT_EQUAL(b.ifc.socket(b.ud, AF_INET, SOCK_STREAM, 0), 3);
        CU_ASSERT_EQUAL(a.ifc.usleep(a.ud, 1000), 0);
        CU_ASSERT(pdt_now(&a) > pdt_now(&b));
        pdt_close(&a);
        pdt_close(&b);
}

void
suite_packetdrill_calls(void)
{
        CU_pSuite s = CU_add_suite("packetdrill_calls", pdt_load, pdt_unload);

        CU_add_test(s, "abi_table_is_complete", abi_table_is_complete);
        CU_add_test(s, "unsupported_calls_fail_cleanly", unsupported_calls_fail_cleanly);
        CU_add_test(s, "bad_flags_every_call_fails_with_enosys",
                    bad_flags_every_call_fails_with_enosys);
        CU_add_test(s, "flags_set_address_and_mss", flags_set_address_and_mss);
        CU_add_test(s, "virtual_clock_moves_only_when_told", virtual_clock_moves_only_when_told);
        CU_add_test(s, "fcntl_nonblock_makes_accept_eagain", fcntl_nonblock_makes_accept_eagain);
        CU_add_test(s, "socket_options_round_trip", socket_options_round_trip);
        CU_add_test(s, "two_instances_are_independent", two_instances_are_independent);
}

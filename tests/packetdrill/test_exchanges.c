/* Scripted exchanges through the packetdrill ABI, as packetdrill would drive them: passive
 * and active open (RFC 9293 3.5), data, the close orders (RFC 9293 3.6), SO_LINGER 0 reset,
 * SYN retransmission at the initial RTO (RFC 6298 2.1), and blocking calls from a thread. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdatomic.h>
#include <string.h>

#include "tests/packetdrill/pdt.h"

static int
tcp_state(struct pdt *t, int fd)
{
        struct tcp_info ti;
        socklen_t len = sizeof(ti);

        CU_ASSERT_EQUAL_FATAL(t->ifc.getsockopt(t->ud, fd, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
        CU_ASSERT_EQUAL(len, sizeof(ti));
        return ti.tcpi_state;
}

static void
rfc9293_3_5_passive_open_then_accept(void)
{
        struct pdt t;
        struct tcp_info ti;
        socklen_t len = sizeof(ti);
        int afd;

        pdt_open(&t, NULL);
        pdt_passive_open(&t, &afd);
        CU_ASSERT_EQUAL(tcp_state(&t, 3), TCP_LISTEN);
        CU_ASSERT_EQUAL(t.ifc.getsockopt(t.ud, afd, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
        CU_ASSERT_EQUAL(ti.tcpi_state, TCP_ESTABLISHED);
        CU_ASSERT_EQUAL(ti.tcpi_snd_mss, 1460); /* the MSS our SYN carried */
        CU_ASSERT(ti.tcpi_rto >= 1000000);      /* RFC 6298 (2.4) lower bound */
        CU_ASSERT(ti.tcpi_snd_cwnd >= 1);
        pdt_close(&t);
}

static void
rfc9293_3_10_data_both_ways(void)
{
        struct pdt t;
        struct pdt_seg g;
        char buf[64];
        long long t0;
        int afd;

        pdt_open(&t, NULL);
        pdt_passive_open(&t, &afd);
        t0 = pdt_now(&t);
        CU_ASSERT_EQUAL(pdt_tcp_in(&t, PDT_PORT, PDT_ACK | PDT_PSH, "hello", 5), 0);
        CU_ASSERT_EQUAL(t.ifc.read(t.ud, afd, buf, sizeof(buf)), 5);
        CU_ASSERT_EQUAL(memcmp(buf, "hello", 5), 0);
        /* One small segment: the ACK waits for the delayed-ACK timer, 200 ms here
         * (RFC 9293 3.8.6.3, MUST-40: under 0.5 s). */
        CU_ASSERT_FATAL(pdt_sniff(&t, &g));
        CU_ASSERT_EQUAL(g.flags & PDT_ACK, PDT_ACK);
        CU_ASSERT_EQUAL(g.ack, t.rnxt);
        CU_ASSERT_EQUAL(g.time_us - t0, 200000);
        CU_ASSERT_EQUAL(t.ifc.write(t.ud, afd, "world!", 6), 6);
        CU_ASSERT_FATAL(pdt_sniff(&t, &g));
        CU_ASSERT_EQUAL(g.seq, t.iss);
        CU_ASSERT_EQUAL(g.len, 6);
        CU_ASSERT_EQUAL(memcmp(g.data, "world!", 6), 0);
        t.iss += 6;
        CU_ASSERT_EQUAL(pdt_tcp_in(&t, PDT_PORT, PDT_ACK, NULL, 0), 0);
        CU_ASSERT_FALSE(pdt_sniff(&t, &g)); /* all acknowledged: nothing more to send */
        pdt_close(&t);
}

/* Active open to the remote end; returns the fd once ESTABLISHED (non-blocking connect). */
static int
active_open(struct pdt *t, uint16_t *lport, int sndbuf)
{
        struct sockaddr_in sin = {.sin_family = AF_INET};
        struct pollfd p;
        struct pdt_seg g, synack;
        int fd = t->ifc.socket(t->ud, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), err = -1;
        socklen_t len = sizeof(err);

        sin.sin_addr.s_addr = htonl(PDT_REMOTE);
        sin.sin_port = htons(PDT_PORT);
        if (sndbuf)
                CU_ASSERT_EQUAL(
                    t->ifc.setsockopt(t->ud, fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)),
                    0);
        CU_ASSERT_EQUAL(t->ifc.connect(t->ud, fd, (struct sockaddr *)&sin, sizeof(sin)), -1);
        CU_ASSERT_EQUAL(errno, EINPROGRESS);
        CU_ASSERT_FATAL(pdt_sniff(t, &g));
        CU_ASSERT_EQUAL_FATAL(g.flags, PDT_SYN);
        CU_ASSERT_EQUAL(g.dport, PDT_PORT);
        CU_ASSERT_EQUAL(g.src, PDT_LOCAL);
        *lport = g.sport;
        t->iss = g.seq + 1;
        synack = (struct pdt_seg){.proto = 6,
                                  .src = PDT_REMOTE,
                                  .dst = PDT_LOCAL,
                                  .sport = PDT_PORT,
                                  .dport = g.sport,
                                  .seq = t->rnxt,
                                  .ack = t->iss,
                                  .flags = PDT_SYN | PDT_ACK,
                                  .win = 65535,
                                  .mss = 1400};
        t->rnxt++;
        CU_ASSERT_EQUAL(pdt_inject(t, &synack), 0);
        CU_ASSERT_FATAL(pdt_sniff(t, &g));
        CU_ASSERT_EQUAL(g.flags, PDT_ACK); /* RFC 9293 3.10.7.3: ACK of the SYN,ACK */
        CU_ASSERT_EQUAL(g.ack, t->rnxt);
        p = (struct pollfd){.fd = fd, .events = POLLIN | POLLOUT};
        CU_ASSERT_EQUAL(t->ifc.poll(t->ud, &p, 1, 0), 1);
        CU_ASSERT_EQUAL(p.revents, POLLOUT);
        CU_ASSERT_EQUAL(t->ifc.getsockopt(t->ud, fd, SOL_SOCKET, SO_ERROR, &err, &len), 0);
        CU_ASSERT_EQUAL(err, 0);
        return fd;
}

static void
rfc9293_3_5_active_open_nonblocking(void)
{
        struct pdt t;
        uint16_t lport;
        int fd, mss = 0;
        socklen_t len = sizeof(mss);

        pdt_open(&t, NULL);
        fd = active_open(&t, &lport, 0);
        CU_ASSERT_EQUAL(fd, 3);
        CU_ASSERT(lport >= 49152); /* RFC 6056 2.1 ephemeral range */
        CU_ASSERT_EQUAL(tcp_state(&t, fd), TCP_ESTABLISHED);
        CU_ASSERT_EQUAL(t.ifc.getsockopt(t.ud, fd, IPPROTO_TCP, TCP_MAXSEG, &mss, &len), 0);
        CU_ASSERT_EQUAL(mss, 1400); /* the peer's MSS option (RFC 9293 3.7.1) */
        pdt_close(&t);
}

static void
rfc6298_2_1_syn_retransmitted_after_one_second(void)
{
        struct sockaddr_in sin = {.sin_family = AF_INET};
        struct pdt t;
        struct pdt_seg g1, g2;
        int fd;

        pdt_open(&t, NULL);
        fd = t.ifc.socket(t.ud, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        sin.sin_addr.s_addr = htonl(PDT_REMOTE);
        sin.sin_port = htons(PDT_PORT);
        CU_ASSERT_EQUAL(t.ifc.connect(t.ud, fd, (struct sockaddr *)&sin, sizeof(sin)), -1);
        CU_ASSERT_FATAL(pdt_sniff(&t, &g1));
        /* Nothing queued: netdev_receive jumps virtual time to the retransmission timer. */
        CU_ASSERT_FATAL(pdt_sniff(&t, &g2));
        CU_ASSERT_EQUAL(g2.flags, PDT_SYN);
        CU_ASSERT_EQUAL(g2.seq, g1.seq);
        CU_ASSERT_EQUAL(g2.time_us - g1.time_us, 1000000);
        CU_ASSERT(pdt_now(&t) >= g2.time_us);
        pdt_close(&t);
}

static void
rfc9293_3_6_we_close_first_time_wait(void)
{
        struct pdt t;
        struct pdt_seg g;
        int afd;

        pdt_open(&t, NULL);
        pdt_passive_open(&t, &afd);
        CU_ASSERT_EQUAL(t.ifc.shutdown(t.ud, afd, SHUT_WR), 0);
        CU_ASSERT_FATAL(pdt_sniff(&t, &g));
        CU_ASSERT_EQUAL(g.flags, PDT_FIN | PDT_ACK);
        CU_ASSERT_EQUAL(g.seq, t.iss);
        t.iss++;
        CU_ASSERT_EQUAL(tcp_state(&t, afd), TCP_FIN_WAIT1);
        CU_ASSERT_EQUAL(pdt_tcp_in(&t, PDT_PORT, PDT_ACK, NULL, 0), 0);
        CU_ASSERT_EQUAL(tcp_state(&t, afd), TCP_FIN_WAIT2);
        CU_ASSERT_EQUAL(pdt_tcp_in(&t, PDT_PORT, PDT_ACK | PDT_FIN, NULL, 0), 0);
        CU_ASSERT_FATAL(pdt_sniff(&t, &g));
        CU_ASSERT_EQUAL(g.flags, PDT_ACK);
        CU_ASSERT_EQUAL(g.ack, t.rnxt);
        CU_ASSERT_EQUAL(tcp_state(&t, afd), TCP_TIME_WAIT);
        pdt_close(&t);
}

static void
rfc9293_3_6_peer_closes_first_last_ack(void)
{
        struct pdt t;
        struct pdt_seg g;
        char buf[8];
        long long t0;
        int afd;

        pdt_open(&t, NULL);
        pdt_passive_open(&t, &afd);
        t0 = pdt_now(&t);
        CU_ASSERT_EQUAL(pdt_tcp_in(&t, PDT_PORT, PDT_ACK | PDT_FIN, NULL, 0), 0);
        CU_ASSERT_FATAL(pdt_sniff(&t, &g));
        CU_ASSERT_EQUAL(g.flags, PDT_ACK);
        CU_ASSERT_EQUAL(g.ack, t.rnxt);
        /* RFC 9293 3.10.7.4 eighth step: the FIN is acknowledged at once, not delayed. */
        CU_ASSERT(g.time_us - t0 < 1000);
        CU_ASSERT_EQUAL(tcp_state(&t, afd), TCP_CLOSE_WAIT);
        CU_ASSERT_EQUAL(t.ifc.read(t.ud, afd, buf, sizeof(buf)), 0); /* end of stream */
        CU_ASSERT_EQUAL(t.ifc.close(t.ud, afd), 0);
        CU_ASSERT_FATAL(pdt_sniff(&t, &g));
        CU_ASSERT_EQUAL(g.flags, PDT_FIN | PDT_ACK);
        t.iss++;
        CU_ASSERT_EQUAL(pdt_tcp_in(&t, PDT_PORT, PDT_ACK, NULL, 0), 0);
        CU_ASSERT_FALSE(pdt_sniff(&t, &g));
        CU_ASSERT_EQUAL(t.ifc.close(t.ud, afd), -1); /* the descriptor is gone */
        CU_ASSERT_EQUAL(errno, EBADF);
        pdt_close(&t);
}

static void
rfc9293_3_10_5_linger_zero_close_sends_rst(void)
{
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        struct pdt t;
        struct pdt_seg g;
        int afd;

        pdt_open(&t, NULL);
        pdt_passive_open(&t, &afd);
        CU_ASSERT_EQUAL(t.ifc.setsockopt(t.ud, afd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
        CU_ASSERT_EQUAL(t.ifc.close(t.ud, afd), 0);
        CU_ASSERT_FATAL(pdt_sniff(&t, &g));
        CU_ASSERT_EQUAL(g.flags, PDT_RST | PDT_ACK); /* as Linux: R. on abort */
        CU_ASSERT_EQUAL(g.seq, t.iss);
        pdt_close(&t);
}

/* A blocking call on a second thread, as packetdrill's syscall thread makes it. */
struct blocker {
        struct pdt *t;
        int fd;
        int result, err;
        char buf[32];
        _Atomic pid_t tid;
        int kind; /* 0 accept, 1 read, 2 connect, 3 write */
        const char *wbuf;
        size_t wlen;
};

static void *
blocker_main(void *arg)
{
        struct blocker *b = arg;
        struct sockaddr_in sin = {.sin_family = AF_INET};

        sin.sin_addr.s_addr = htonl(PDT_REMOTE);
        sin.sin_port = htons(PDT_PORT);
        atomic_store(&b->tid, pdt_gettid());
        if (b->kind == 0)
                b->result = b->t->ifc.accept(b->t->ud, b->fd, NULL, NULL);
        else if (b->kind == 1)
                b->result = (int)b->t->ifc.read(b->t->ud, b->fd, b->buf, sizeof(b->buf));
        else if (b->kind == 2)
                b->result =
                    b->t->ifc.connect(b->t->ud, b->fd, (struct sockaddr *)&sin, sizeof(sin));
        else
                b->result = (int)b->t->ifc.write(b->t->ud, b->fd, b->wbuf, b->wlen);
        b->err = errno;
        return NULL;
}

static void
blocker_start(struct blocker *b, pthread_t *th)
{
        CU_ASSERT_EQUAL_FATAL(pthread_create(th, NULL, blocker_main, b), 0);
        while (atomic_load(&b->tid) == 0)
                sched_yield();
        CU_ASSERT_FATAL(pdt_thread_sleeping(atomic_load(&b->tid)));
}

static void
blocking_accept_from_second_thread(void)
{
        struct sockaddr_in sin = {.sin_family = AF_INET};
        struct blocker b = {0};
        struct pdt t;
        struct pdt_seg g;
        pthread_t th;

        pdt_open(&t, NULL);
        sin.sin_addr.s_addr = htonl(PDT_LOCAL);
        sin.sin_port = htons(PDT_PORT);
        b.t = &t;
        b.fd = t.ifc.socket(t.ud, AF_INET, SOCK_STREAM, 0);
        CU_ASSERT_EQUAL(t.ifc.bind(t.ud, b.fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
        CU_ASSERT_EQUAL(t.ifc.listen(t.ud, b.fd, 4), 0);
        blocker_start(&b, &th);
        /* The main thread goes on injecting, sniffing and moving time while accept waits. */
        CU_ASSERT_EQUAL(pdt_tcp_in(&t, PDT_PORT, PDT_SYN, NULL, 0), 0);
        CU_ASSERT_FATAL(pdt_sniff(&t, &g));
        CU_ASSERT_EQUAL(g.flags, PDT_SYN | PDT_ACK);
        t.iss = g.seq + 1;
        CU_ASSERT_EQUAL(t.ifc.usleep(t.ud, 100000), 0);
        CU_ASSERT_EQUAL(pdt_tcp_in(&t, PDT_PORT, PDT_ACK, NULL, 0), 0);
        pthread_join(th, NULL);
        CU_ASSERT_EQUAL(b.result, 4);
        pdt_close(&t);
}

static void
blocking_read_from_second_thread(void)
{
        struct blocker b = {0};
        struct pdt t;
        pthread_t th;

        pdt_open(&t, NULL);
        pdt_passive_open(&t, &b.fd);
        b.t = &t;
        b.kind = 1;
        blocker_start(&b, &th);
        CU_ASSERT_EQUAL(t.ifc.usleep(t.ud, 50000), 0);
        CU_ASSERT_EQUAL(pdt_tcp_in(&t, PDT_PORT, PDT_ACK | PDT_PSH, "abc", 3), 0);
        pthread_join(th, NULL);
        CU_ASSERT_EQUAL(b.result, 3);
        CU_ASSERT_EQUAL(memcmp(b.buf, "abc", 3), 0);
        pdt_close(&t);
}

static void
blocking_connect_refused_from_second_thread(void)
{
        struct blocker b = {0};
        struct pdt t;
        struct pdt_seg g, rst;
        pthread_t th;

        pdt_open(&t, NULL);
        b.t = &t;
        b.kind = 2;
        b.fd = t.ifc.socket(t.ud, AF_INET, SOCK_STREAM, 0);
        blocker_start(&b, &th);
        CU_ASSERT_FATAL(pdt_sniff(&t, &g));
        CU_ASSERT_EQUAL_FATAL(g.flags, PDT_SYN);
        /* RFC 9293 3.10.7.3: an acceptable RST in SYN-SENT refuses the connection. */
        rst = (struct pdt_seg){.proto = 6,
                               .src = PDT_REMOTE,
                               .dst = PDT_LOCAL,
                               .sport = PDT_PORT,
                               .dport = g.sport,
                               .ack = g.seq + 1,
                               .flags = PDT_RST | PDT_ACK};
        CU_ASSERT_EQUAL(pdt_inject(&t, &rst), 0);
        pthread_join(th, NULL);
        CU_ASSERT_EQUAL(b.result, -1);
        CU_ASSERT_EQUAL(b.err, ECONNREFUSED);
        pdt_close(&t);
}

/* A write bigger than the send buffer blocks; each ACK lets it queue more, and the library
 * lets it do so before virtual time moves on (no spurious retransmission timeout). */
static void
blocking_write_larger_than_send_buffer(void)
{
        static char data[20000];
        struct blocker b = {0};
        struct pdt t;
        struct pdt_seg g;
        pthread_t th;
        uint16_t lport;
        size_t got = 0;

        for (size_t i = 0; i < sizeof(data); i++)
                data[i] = (char)('a' + i % 26);
        pdt_open(&t, NULL);
        b.fd = active_open(&t, &lport, 4096);
        CU_ASSERT_EQUAL(t.ifc.fcntl(t.ud, b.fd, F_SETFL, 0), 0);
        b.t = &t;
        b.kind = 3;
        b.wbuf = data;
        b.wlen = sizeof(data);
        blocker_start(&b, &th); /* blocked once the first 4096 bytes are queued */
        while (got < sizeof(data) && pdt_sniff(&t, &g)) {
                CU_ASSERT_EQUAL_FATAL(g.seq, t.iss + got); /* in order: never a retransmission */
                CU_ASSERT_EQUAL_FATAL(memcmp(g.data, data + got, g.len), 0);
                got += g.len;
                struct pdt_seg ack = {.proto = 6,
                                      .src = PDT_REMOTE,
                                      .dst = PDT_LOCAL,
                                      .sport = PDT_PORT,
                                      .dport = lport,
                                      .seq = t.rnxt,
                                      .ack = t.iss + (uint32_t)got,
                                      .flags = PDT_ACK,
                                      .win = 65535};
                CU_ASSERT_EQUAL(pdt_inject(&t, &ack), 0);
        }
        pthread_join(th, NULL);
        CU_ASSERT_EQUAL(got, sizeof(data));
        CU_ASSERT_EQUAL(b.result, (int)sizeof(data));
        pdt_close(&t);
}

static void
udp_sendto_and_recvfrom(void)
{
        struct sockaddr_in sin = {.sin_family = AF_INET}, from;
        socklen_t flen = sizeof(from);
        struct pdt t;
        struct pdt_seg g, in;
        char buf[16];
        int fd;

        pdt_open(&t, NULL);
        fd = t.ifc.socket(t.ud, AF_INET, SOCK_DGRAM, IPPROTO_UDP);
        sin.sin_addr.s_addr = htonl(PDT_LOCAL);
        sin.sin_port = htons(5353);
        CU_ASSERT_EQUAL(t.ifc.bind(t.ud, fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
        sin.sin_addr.s_addr = htonl(PDT_REMOTE);
        sin.sin_port = htons(53);
        CU_ASSERT_EQUAL(t.ifc.sendto(t.ud, fd, "q", 1, 0, (struct sockaddr *)&sin, sizeof(sin)), 1);
        CU_ASSERT_FATAL(pdt_sniff(&t, &g));
        CU_ASSERT_EQUAL(g.proto, 17);
        CU_ASSERT_EQUAL(g.dport, 53);
        CU_ASSERT_EQUAL(g.len, 1);
        in = (struct pdt_seg){.proto = 17,
                              .src = PDT_REMOTE,
                              .dst = PDT_LOCAL,
                              .sport = 53,
                              .dport = 5353,
                              .data = (const uint8_t *)"answer",
                              .len = 6};
        CU_ASSERT_EQUAL(pdt_inject(&t, &in), 0);
        CU_ASSERT_EQUAL(t.ifc.recvfrom(t.ud, fd, buf, sizeof(buf), MSG_DONTWAIT,
                                       (struct sockaddr *)&from, &flen),
                        6);
        CU_ASSERT_EQUAL(ntohs(from.sin_port), 53);
        CU_ASSERT_EQUAL(ntohl(from.sin_addr.s_addr), PDT_REMOTE);
        pdt_close(&t);
}

void
suite_packetdrill_exchanges(void)
{
        CU_pSuite s = CU_add_suite("packetdrill_exchanges", pdt_load, pdt_unload);

        CU_add_test(s, "rfc9293_3_5_passive_open_then_accept",
                    rfc9293_3_5_passive_open_then_accept);
        CU_add_test(s, "rfc9293_3_10_data_both_ways", rfc9293_3_10_data_both_ways);
        CU_add_test(s, "rfc9293_3_5_active_open_nonblocking", rfc9293_3_5_active_open_nonblocking);
        CU_add_test(s, "rfc6298_2_1_syn_retransmitted_after_one_second",
                    rfc6298_2_1_syn_retransmitted_after_one_second);
        CU_add_test(s, "rfc9293_3_6_we_close_first_time_wait",
                    rfc9293_3_6_we_close_first_time_wait);
        CU_add_test(s, "rfc9293_3_6_peer_closes_first_last_ack",
                    rfc9293_3_6_peer_closes_first_last_ack);
        CU_add_test(s, "rfc9293_3_10_5_linger_zero_close_sends_rst",
                    rfc9293_3_10_5_linger_zero_close_sends_rst);
        CU_add_test(s, "blocking_accept_from_second_thread", blocking_accept_from_second_thread);
        CU_add_test(s, "blocking_read_from_second_thread", blocking_read_from_second_thread);
        CU_add_test(s, "blocking_connect_refused_from_second_thread",
                    blocking_connect_refused_from_second_thread);
        CU_add_test(s, "blocking_write_larger_than_send_buffer",
                    blocking_write_larger_than_send_buffer);
        CU_add_test(s, "udp_sendto_and_recvfrom", udp_sendto_and_recvfrom);
}

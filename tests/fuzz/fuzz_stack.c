/* Fuzz target (a): the whole input path (Ethernet, ARP, IPv4, ICMP, UDP, TCP RFC 9293 3.10.7,
 * the resolver) of a stack T (10.0.0.2) that has a UDP socket, TCP listeners, a DNS query in
 * flight and TCP connections in ESTABLISHED, SYN-SENT, SYN-RECEIVED, FIN-WAIT-1/2,
 * CLOSE-WAIT, CLOSING, LAST-ACK and TIME-WAIT, built against a second stack P (10.0.0.1)
 * over a simlink. The input is a sequence of frames [CTL][LEN16][LEN bytes] injected into T:
 *   CTL & 3   0 the bytes as an Ethernet frame; 1 the same with IPv4 and ICMP/UDP/TCP
 *             checksums fixed; 2 as 1, and a TCP segment of a stream T has spoken on gets
 *             its ACK field counted from T's ISS (tools/pcap2corpus.py writes seeds so);
 *             3 a TCP segment on the stream byte 0 picks among those T has spoken on: the
 *             rest is the TCP header and data, with ports set, SEQ counted from T's last
 *             ACK and ACK from T's highest sequence sent, checksum fixed (in-window input);
 *             with bit 7 of byte 0 set, an ICMP error about that stream instead: bytes 1-8
 *             its header (type, code, -, -, the word with RFC 1191's next-hop MTU), then a
 *             quoted IPv4 header of T's (bytes 9-10 its Total Length) and the quoted TCP
 *             header, ports set and SEQ counted from T's highest sequence sent;
 *   CTL >> 2 & 3   what T's application does next: 0 accept and read everything, 1 nothing,
 *             2 send on every TCP socket, 3 shut down or close the next socket in turn;
 *   CTL >> 4  how long to let pass (waits_us[]), timers firing as they fall due.
 * At the end all timers run two hours ahead; then neither stack may hold a packet buffer or a
 * TCB without a socket. Frames bouncing between T and P without time passing (a packet storm)
 * fail the run; FUZZ_IGNORE_STORMS=1 makes them end the input quietly instead, to look for
 * other bugs while a storm is being fixed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "stack/wire/bytes.h"
#include "stack/wire/eth.h"
#include "stack/wire/ipv4.h"
#include "stack/wire/tcp.h"
#include "tests/fuzz/harness.h"
#include "tests/fuzz/world.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FRAMES 128
static const uint64_t waits_us[16] = {0,        1000,      10000,     50000,    100000,   200000,
                                      500000,   1000000,   2000000,   5000000,  10000000, 30000000,
                                      60000000, 120000000, 300000000, 600000000};

/* The Ethernet and IPv4 headers of a frame from the peer at pip to T carrying len octets
 * of proto; checksums fixed. Returns the frame length. */
static size_t
frame_to_t(uint8_t *fr, uint32_t pip, uint8_t proto, size_t len)
{
        uint8_t *ip = fr + ETH_HDR_LEN;

        memset(ip, 0, IPV4_HDR_LEN);
        ip[0] = 0x45;
        put16(ip + 2, (uint16_t)(IPV4_HDR_LEN + len));
        put16(ip + 6, IPV4_FLAG_DF);
        ip[8] = 64;
        ip[9] = proto;
        put32(ip + 12, pip);
        put32(ip + 16, FZ_ADDR_STACK);
        memcpy(fr, fz_mac_stack, 6);
        memcpy(fr + 6, fz_mac_peer, 6);
        put16(fr + 12, ETH_TYPE_IPV4);
        fz_fix_frame(fr, ETH_HDR_LEN + IPV4_HDR_LEN + len);
        return ETH_HDR_LEN + IPV4_HDR_LEN + len;
}

/* Mode 3 with bit 7 of data[0]: an ICMP error (RFC 792) from the peer quoting a segment T
 * sent on the stream: d[0..7] the ICMP header, d[8..9] the quoted Total Length, d[10..13]
 * the quoted SEQ as an offset from T's highest sequence sent, then more quoted octets. */
static size_t
build_tracked_icmp(const struct track *t, const uint8_t *d, size_t n, uint8_t *fr)
{
        uint8_t *icmp = fr + ETH_HDR_LEN + IPV4_HDR_LEN, *q = icmp + 8, *qtcp = q + IPV4_HDR_LEN;
        size_t extra = n > 14 ? n - 14 : 0, len;

        if (n < 14)
                return 0;
        extra = extra < 512 ? extra : 512;
        memcpy(icmp, d, 8);
        memset(q, 0, IPV4_HDR_LEN);
        q[0] = 0x45;
        memcpy(q + 2, d + 8, 2);
        q[8] = 64;
        q[9] = IPV4_PROTO_TCP;
        put32(q + 12, FZ_ADDR_STACK);
        put32(q + 16, t->pip);
        put16(qtcp, t->tport);
        put16(qtcp + 2, t->pport);
        put32(qtcp + 4, get32(d + 10) + t->snd_max);
        memcpy(qtcp + 8, d + 14, extra);
        len = 8 + IPV4_HDR_LEN + 8 + extra;
        return frame_to_t(fr, t->pip, IPV4_PROTO_ICMP, len);
}

/* Mode 3: data[0] picks a stream T has spoken on; the rest is a TCP header and payload whose
 * SEQ and ACK are offsets from what T expects and has sent (or, with bit 7, an ICMP error
 * quoting one of T's segments). Returns the frame length. */
static size_t
build_tracked(struct world *w, const uint8_t *d, size_t n, uint8_t *fr)
{
        struct track *t;
        uint8_t *tcp = fr + ETH_HDR_LEN + IPV4_HDR_LEN;
        size_t seg = n > 1 ? n - 1 : 0;

        if (w->n_tr == 0 || n < 1)
                return 0;
        t = &w->tr[(d[0] & 0x7f) % w->n_tr];
        if (d[0] & 0x80)
                return build_tracked_icmp(t, d + 1, n - 1, fr);
        if (seg < TCP_HDR_LEN)
                return 0;
        seg = seg < 1500 - IPV4_HDR_LEN ? seg : 1500 - IPV4_HDR_LEN;
        memcpy(tcp, d + 1, seg);
        put16(tcp, t->pport);
        put16(tcp + 2, t->tport);
        put32(tcp + 4, get32(tcp + 4) + t->ack);
        put32(tcp + 8, get32(tcp + 8) + t->snd_max);
        return frame_to_t(fr, t->pip, IPV4_PROTO_TCP, seg);
}

/* Mode 2: the ACK field of a segment on a stream T has spoken on counts from T's ISS. */
static void
rebase_ack(struct world *w, uint8_t *fr, size_t len)
{
        size_t seg_len;
        uint8_t *tcp = world_frame_tcp(fr, len, &seg_len);
        struct track *t;

        if (!tcp)
                return;
        t = world_track(w, get16(tcp + 2), get32(fr + ETH_HDR_LEN + 12), get16(tcp), false);
        if (t && t->have_iss)
                put32(tcp + 8, get32(tcp + 8) + t->iss);
}

static void
inject(struct world *w, uint8_t mode, const uint8_t *d, size_t n)
{
        uint8_t fr[FZ_FRAME_MAX];

        if (mode == 3) {
                n = build_tracked(w, d, n, fr);
        } else {
                n = n < sizeof(fr) ? n : sizeof(fr);
                memcpy(fr, d, n);
                if (mode == 2)
                        rebase_ack(w, fr, n);
                if (mode >= 1)
                        fz_fix_frame(fr, n);
        }
        if (n > 0 && simlink_inject(w->sl, SIMLINK_A, fr, n) < 0)
                fz_fail("simlink_inject failed");
}

/* Read everything queued on sd. A UDP socket queues up to 128 datagrams (udp.c); reading
 * only 64 per call left P's DNS socket holding the rest of 132 unanswered queries, which
 * the final check took for leaked packet buffers (crash-27ea055c). The bound only guards
 * against a socket that never runs dry. */
static void
drain(struct stack *s, int sd)
{
        uint8_t buf[2048];
        struct sock_addr from;

        for (int i = 0; i < 4096; i++)
                if (sock_recvfrom(s, sd, buf, sizeof(buf), &from) <= 0)
                        return;
}

static void
app_read(struct world *w)
{
        world_accept_all(w);
        for (unsigned i = w->n_listen; i < w->n_socks; i++)
                drain(w->t, w->socks[i]);
        for (unsigned i = 1; i < w->n_psocks; i++)
                drain(w->p, w->psocks[i]);
}

static void
app_act(struct world *w, unsigned action)
{
        static const uint8_t data[512];
        unsigned n = w->n_socks - w->n_listen;
        int sd;

        switch (action) {
        case 0:
                app_read(w);
                break;
        case 2:
                for (unsigned i = w->n_listen; i < w->n_socks; i++)
                        sock_send(w->t, w->socks[i], data, sizeof(data));
                break;
        case 3:
                if (n == 0)
                        break;
                sd = w->socks[w->n_listen + w->next_close % n];
                if (w->next_close++ % 2) {
                        sock_close(w->t, sd);
                        world_forget_sock(w->socks, &w->n_socks, sd);
                } else {
                        sock_shutdown(w->t, sd, SHUT_WR);
                }
                break;
        default:
                break;
        }
}

static void
orphan_cb(void *ctx, const struct sock_info *info)
{
        if (info->sd < 0 && info->type == SOCK_TYPE_TCP) {
                world_print_sock(ctx, info);
                fz_fail("a TCB nobody holds a socket for is still there after an hour");
        }
}

/* Issue 6: a peer that vanishes in FIN-WAIT-2 or LAST-ACK (or any state after the close)
 * must not leave state behind forever; every connection still queued was accepted. */
static void
check_no_orphans(struct stack *s, const char *name)
{
        sock_list(s, orphan_cb, (void *)name);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct fz_in in = {data, size, 0};
        struct world *w = malloc(sizeof(*w));

        if (!w)
                return 0;
        world_setup(w);
        for (int i = 0; i < MAX_FRAMES && fz_left(&in) > 0 && !w->storm; i++) {
                uint8_t ctl = fz_u8(&in);
                const uint8_t *d;
                size_t n = fz_bytes(&in, fz_u16(&in) % (FZ_FRAME_MAX + 1), &d);

                inject(w, ctl & 3, d, n);
                world_poll(w);
                app_act(w, (ctl >> 2) & 3);
                world_run_for(w, waits_us[ctl >> 4], 2 * WORLD_STORM_POLLS);
                if (w->dns_pending == 0)
                        world_dns_start(w);
        }
        /* Everything a peer made us hold must be let go once the timers have run. */
        app_read(w);
        world_run_for(w, WORLD_SETTLE_US, WORLD_SETTLE_STEPS);
        app_read(w); /* reading may open a window, accepting adds sockets: run once more */
        world_run_for(w, WORLD_SETTLE_US, WORLD_SETTLE_STEPS);
        if (w->storm) { /* FUZZ_IGNORE_STORMS: what is in flight means nothing then */
                world_destroy(w);
                free(w);
                return 0;
        }
        if (getenv("FUZZ_DEBUG")) {
                fprintf(stderr, "fuzz: now %llu, next timers T %llu P %llu\n",
                        (unsigned long long)w->clk.now_us,
                        (unsigned long long)stack_next_deadline_us(w->t),
                        (unsigned long long)stack_next_deadline_us(w->p));
                sock_list(w->t, world_print_sock, "T");
                sock_list(w->p, world_print_sock, "P");
                fprintf(stderr, "fuzz: T placed %llu payloads, %llu misses copied back\n",
                        (unsigned long long)stack_counter_get(w->t, "tcp.rx_placed_segments"),
                        (unsigned long long)stack_counter_get(w->t, "tcp.rx_place_miss"));
        }
        fz_settle_and_check(w->t, &w->clk, w->clk.now_us, 1);
        fz_settle_and_check(w->p, &w->clk, w->clk.now_us, 1);
        check_no_orphans(w->t, "T");
        check_no_orphans(w->p, "P");
        world_destroy(w);
        free(w);
        return 0;
}

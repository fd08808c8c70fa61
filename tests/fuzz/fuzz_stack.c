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
 *   CTL >> 2 & 3   what T's application does next: 0 accept and read everything, 1 nothing,
 *             2 send on every TCP socket, 3 shut down or close the next socket in turn;
 *   CTL >> 4  how long to let pass (waits_us[]), timers firing as they fall due.
 * At the end all timers run an hour ahead; then neither stack may hold a packet buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "drivers/simlink.h"
#include "stack/dns.h"
#include "stack/sock.h"
#include "stack/wire/bytes.h"
#include "stack/wire/dns.h"
#include "stack/wire/eth.h"
#include "stack/wire/ipv4.h"
#include "stack/wire/tcp.h"
#include "tests/fuzz/harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FRAMES 128
#define MAX_TRACK 32
#define MAX_SOCKS 64
#define MAX_BLOCKS 8
#define SETUP_US 10000000u      /* each set-up step may take 10 s of stack time */
#define SETTLE_US 3600000000ull /* an hour: SYN R2 is 3 min, TIME-WAIT 2 MSL */
#define SETTLE_STEPS 20000

static const uint64_t waits_us[16] = {0,       1000,     10000,    50000,    100000,   200000,
                                      500000,  1000000,  2000000,  5000000,  10000000, 30000000,
                                      6000000, 12000000, 60000000, 120000000};

/* A TCP stream as seen in T's own segments (T's port, the peer's address and port). */
struct track {
        uint16_t tport, pport;
        uint32_t pip;
        uint32_t iss;     /* seq of T's SYN */
        uint32_t snd_max; /* highest seq T has sent, plus one */
        uint32_t ack;     /* T's last ACK: what it expects from the peer next */
        bool have_iss, have_ack;
};

/* Frames of one stream dropped in one direction, to hold a connection in a state. */
struct block {
        uint16_t tport, pport;
        bool t_to_p, p_to_t;
};

struct fuzz {
        struct manual_clock clk;
        struct simlink *sl;
        struct stack *t, *p;
        struct track tr[MAX_TRACK];
        unsigned n_tr;
        struct block blk[MAX_BLOCKS];
        unsigned n_blk;
        int socks[MAX_SOCKS]; /* T's sockets, listeners first */
        unsigned n_socks, n_listen, next_close;
        int psocks[MAX_SOCKS]; /* P's */
        unsigned n_psocks;
        int dns_pending;
        bool setup_done;
        unsigned n_setup_tr; /* streams made by the set-up: tr[0 .. n_setup_tr) */
};

static struct track *
track_find(struct fuzz *f, uint16_t tport, uint32_t pip, uint16_t pport, bool add)
{
        for (unsigned i = 0; i < f->n_tr; i++)
                if (f->tr[i].tport == tport && f->tr[i].pip == pip && f->tr[i].pport == pport)
                        return &f->tr[i];
        if (!add || f->n_tr == MAX_TRACK)
                return NULL;
        f->tr[f->n_tr] = (struct track){.tport = tport, .pport = pport, .pip = pip};
        return &f->tr[f->n_tr++];
}

/* The TCP header of an Ethernet frame carrying an unfragmented IPv4 TCP segment. */
static uint8_t *
frame_tcp(uint8_t *fr, size_t len, size_t *seg_len)
{
        size_t hl, total;

        if (len < ETH_HDR_LEN + IPV4_HDR_LEN + TCP_HDR_LEN || get16(fr + 12) != ETH_TYPE_IPV4 ||
            fr[ETH_HDR_LEN + 9] != IPV4_PROTO_TCP)
                return NULL;
        hl = (size_t)(fr[ETH_HDR_LEN] & 0xf) * 4;
        total = get16(fr + ETH_HDR_LEN + 2);
        if (hl < IPV4_HDR_LEN || total < hl + TCP_HDR_LEN || ETH_HDR_LEN + total > len ||
            (get16(fr + ETH_HDR_LEN + 6) & (IPV4_FLAG_MF | IPV4_OFF_MASK)))
                return NULL;
        *seg_len = total - hl;
        return fr + ETH_HDR_LEN + hl;
}

/* T's segments teach us its sequence space (what an on-path attacker could see). */
static void
track_tx(struct fuzz *f, uint8_t *fr, size_t len)
{
        size_t seg_len;
        uint8_t *tcp = frame_tcp(fr, len, &seg_len);
        struct track *t;
        uint32_t seq, end;
        uint8_t flags;

        if (!tcp)
                return;
        t = track_find(f, get16(tcp), get32(fr + ETH_HDR_LEN + 16), get16(tcp + 2), true);
        if (!t)
                return;
        seq = get32(tcp + 4);
        flags = tcp[13];
        end = seq + (uint32_t)(seg_len - (size_t)(tcp[12] >> 4) * 4) + !!(flags & TCP_SYN) +
              !!(flags & TCP_FIN);
        if (flags & TCP_SYN) {
                t->iss = seq;
                t->have_iss = true;
                t->snd_max = end;
        } else if ((int32_t)(end - t->snd_max) > 0) {
                t->snd_max = end;
        }
        if (flags & TCP_ACK) {
                t->ack = get32(tcp + 8);
                t->have_ack = true;
        }
}

/* Drop T->P segments of streams the set-up did not make (the fuzz input's own: P would
 * answer them with RST and spoil the conversation), and the set-up's blocked directions.
 * A block with tport 0 matches any port of T. */
static bool
blocked(struct fuzz *f, enum simlink_end from, uint8_t *fr, size_t len)
{
        size_t seg_len;
        uint8_t *tcp = frame_tcp(fr, len, &seg_len);
        uint16_t tport, pport;

        if (!tcp)
                return false;
        tport = from == SIMLINK_A ? get16(tcp) : get16(tcp + 2);
        pport = from == SIMLINK_A ? get16(tcp + 2) : get16(tcp);
        if (from == SIMLINK_A && f->setup_done) {
                struct track *t = track_find(f, tport, FZ_ADDR_PEER, pport, false);
                if (!t || t >= f->tr + f->n_setup_tr)
                        return true;
        }
        for (unsigned i = 0; i < f->n_blk; i++)
                if ((f->blk[i].tport == tport || f->blk[i].tport == 0) &&
                    f->blk[i].pport == pport &&
                    (from == SIMLINK_A ? f->blk[i].t_to_p : f->blk[i].p_to_t))
                        return true;
        return false;
}

static bool
link_filter(void *ctx, enum simlink_end from, uint8_t *frame, size_t len)
{
        struct fuzz *f = ctx;

        if (from == SIMLINK_A)
                track_tx(f, frame, len);
        return !blocked(f, from, frame, len);
}

static void
block_add(struct fuzz *f, uint16_t tport, uint16_t pport, bool t_to_p, bool p_to_t)
{
        for (unsigned i = 0; i < f->n_blk; i++) {
                if (f->blk[i].tport == tport && f->blk[i].pport == pport) {
                        f->blk[i].t_to_p = t_to_p;
                        f->blk[i].p_to_t = p_to_t;
                        return;
                }
        }
        if (f->n_blk < MAX_BLOCKS)
                f->blk[f->n_blk++] = (struct block){tport, pport, t_to_p, p_to_t};
}

static void
poll_both(struct fuzz *f)
{
        stack_poll(f->t);
        stack_poll(f->p);
}

/* Let us of stack time pass, stopping at every timer and delivery on the way. */
static void
run_for(struct fuzz *f, uint64_t us, unsigned max_steps)
{
        uint64_t end = f->clk.now_us + us;

        poll_both(f);
        for (unsigned i = 0; i < max_steps; i++) {
                uint64_t next = stack_next_deadline_us(f->t);
                uint64_t d = stack_next_deadline_us(f->p);

                next = d < next ? d : next;
                d = simlink_next_delivery_us(f->sl);
                next = d < next ? d : next;
                if (next > end)
                        break;
                if (next > f->clk.now_us)
                        f->clk.now_us = next;
                poll_both(f);
        }
        if (end > f->clk.now_us)
                f->clk.now_us = end;
        poll_both(f);
}

static void
sock_keep(int *list, unsigned *n, int sd)
{
        if (sd >= 0 && *n < MAX_SOCKS)
                list[(*n)++] = sd;
}

/* Accept whatever waits on the listeners of both stacks. */
static void
accept_all(struct fuzz *f)
{
        int sd;

        for (unsigned i = 0; i < f->n_listen; i++) {
                while ((sd = sock_accept(f->t, f->socks[i], NULL)) >= 0) {
                        if (f->n_socks == MAX_SOCKS)
                                sock_close(f->t, sd);
                        else
                                sock_keep(f->socks, &f->n_socks, sd);
                }
        }
        while (f->n_psocks > 0 && (sd = sock_accept(f->p, f->psocks[0], NULL)) >= 0) {
                if (f->n_psocks == MAX_SOCKS)
                        sock_close(f->p, sd);
                else
                        sock_keep(f->psocks, &f->n_psocks, sd);
        }
}

struct conn_query {
        uint16_t lport, pport;
        const char *state;
        int sd;
};

static void
conn_cb(void *ctx, const struct sock_info *info)
{
        struct conn_query *q = ctx;

        if (info->type == SOCK_TYPE_TCP && info->local.port == q->lport &&
            info->peer.port == q->pport) {
                q->state = info->state;
                q->sd = info->sd;
        }
}

/* The socket of s's connection lport <-> pport (-1 if none); its state in *state. */
static int
conn_find(struct stack *s, uint16_t lport, uint16_t pport, const char **state)
{
        struct conn_query q = {lport, pport, NULL, -1};

        sock_list(s, conn_cb, &q);
        if (state)
                *state = q.state;
        return q.sd;
}

/* Run until T's connection tport <-> pport is in state (RFC name). False if it never gets
 * there: TCP is still growing, so the run goes on with whatever the set-up reached. */
static bool
run_until_state(struct fuzz *f, uint16_t tport, uint16_t pport, const char *state)
{
        for (unsigned i = 0; i < 100; i++) {
                const char *st = NULL;

                accept_all(f);
                conn_find(f->t, tport, pport, &st);
                if (st && strcmp(st, state) == 0)
                        return true;
                run_for(f, SETUP_US / 100, 100);
        }
        if (getenv("FUZZ_DEBUG"))
                fprintf(stderr, "fuzz: set-up did not reach %s (%u <-> %u)\n", state, tport, pport);
        return false;
}

static uint16_t
local_port(struct stack *s, int sd)
{
        struct sock_addr a = {0, 0};

        return sd >= 0 && sock_local(s, sd, &a) == 0 ? a.port : 0;
}

static int
open_bound(struct stack *s, enum sock_type type, uint16_t port)
{
        struct sock_addr a = {0, port};
        int sd = sock_open(s, type);

        if (sd < 0)
                return sd;
        if (sock_bind(s, sd, &a) < 0 || (type == SOCK_TYPE_TCP && sock_listen(s, sd, 8) < 0)) {
                sock_close(s, sd);
                return -1;
        }
        return sd;
}

/* An active open from T (t_client) or P to port on the other; returns the client's port and
 * keeps its socket. 0 on failure. */
static uint16_t
open_conn(struct fuzz *f, bool t_client, uint16_t port)
{
        struct stack *c = t_client ? f->t : f->p;
        struct sock_addr peer = {t_client ? FZ_ADDR_PEER : FZ_ADDR_STACK, port};
        int sd = sock_open(c, SOCK_TYPE_TCP);

        if (sd < 0)
                return 0;
        if (sock_connect(c, sd, &peer) < 0) {
                sock_close(c, sd);
                return 0;
        }
        if (t_client)
                sock_keep(f->socks, &f->n_socks, sd);
        else
                sock_keep(f->psocks, &f->n_psocks, sd);
        return local_port(c, sd);
}

static void
forget_sock(int *list, unsigned *n, int sd)
{
        for (unsigned i = 0; i < *n; i++) {
                if (list[i] == sd) {
                        list[i] = list[--*n];
                        return;
                }
        }
}

static void
t_shutdown(struct fuzz *f, uint16_t tport, uint16_t pport, bool close)
{
        int sd = conn_find(f->t, tport, pport, NULL);

        if (sd < 0)
                return;
        if (close) {
                sock_close(f->t, sd);
                forget_sock(f->socks, &f->n_socks, sd);
        } else {
                sock_shutdown(f->t, sd, SHUT_WR);
        }
}

static void
p_shutdown(struct fuzz *f, uint16_t pport, uint16_t tport)
{
        int sd = conn_find(f->p, pport, tport, NULL);

        if (sd >= 0)
                sock_shutdown(f->p, sd, SHUT_WR);
}

/* Connections of T in the states of RFC 9293 3.3.2 that a peer can reach (set-up against P;
 * blocks hold a state by losing the segment that would leave it). */
static void
setup_closing_states(struct fuzz *f)
{
        uint16_t c;

        /* FIN-WAIT-1: our FIN is never acknowledged. */
        if ((c = open_conn(f, true, 81)) && run_until_state(f, c, 81, "ESTABLISHED")) {
                block_add(f, c, 81, false, true);
                t_shutdown(f, c, 81, false);
                run_until_state(f, c, 81, "FIN-WAIT-1");
        }
        /* CLOSING: both FINs cross; then only P's gets through. */
        if ((c = open_conn(f, true, 81)) && run_until_state(f, c, 81, "ESTABLISHED")) {
                block_add(f, c, 81, true, true);
                t_shutdown(f, c, 81, false);
                accept_all(f);
                p_shutdown(f, 81, c);
                run_for(f, 100000, 100);
                block_add(f, c, 81, true, false);
                run_until_state(f, c, 81, "CLOSING");
        }
        /* LAST-ACK: P closes, we close, P's last ACK is lost. */
        if ((c = open_conn(f, false, 80)) && run_until_state(f, 80, c, "ESTABLISHED")) {
                p_shutdown(f, c, 80);
                if (run_until_state(f, 80, c, "CLOSE-WAIT")) {
                        block_add(f, 80, c, false, true);
                        t_shutdown(f, 80, c, true);
                        run_until_state(f, 80, c, "LAST-ACK");
                }
        }
        /* TIME-WAIT: we close first. */
        if ((c = open_conn(f, false, 80)) && run_until_state(f, 80, c, "ESTABLISHED")) {
                t_shutdown(f, 80, c, false);
                run_until_state(f, 80, c, "FIN-WAIT-2");
                p_shutdown(f, c, 80);
                run_until_state(f, 80, c, "TIME-WAIT");
        }
}

static void
setup_open_states(struct fuzz *f)
{
        static const uint8_t data[1000];
        uint16_t c;
        int sd;

        /* ESTABLISHED both ways; the outgoing one with data sent. */
        if ((c = open_conn(f, false, 80)))
                run_until_state(f, 80, c, "ESTABLISHED");
        if ((c = open_conn(f, true, 81)) && run_until_state(f, c, 81, "ESTABLISHED") &&
            (sd = conn_find(f->t, c, 81, NULL)) >= 0)
                sock_send(f->t, sd, data, sizeof(data));
        /* FIN-WAIT-2 and CLOSE-WAIT: half-closed either way. */
        if ((c = open_conn(f, true, 81)) && run_until_state(f, c, 81, "ESTABLISHED")) {
                t_shutdown(f, c, 81, false);
                run_until_state(f, c, 81, "FIN-WAIT-2");
        }
        if ((c = open_conn(f, false, 80)) && run_until_state(f, 80, c, "ESTABLISHED")) {
                p_shutdown(f, c, 80);
                run_until_state(f, 80, c, "CLOSE-WAIT");
        }
        /* SYN-RECEIVED: our SYN,ACK is lost. SYN-SENT: our SYN is lost. */
        if ((c = open_conn(f, false, 80))) {
                block_add(f, 80, c, true, false);
                run_until_state(f, 80, c, "SYN-RECEIVED");
        }
        block_add(f, 0, 82, true, false);
        if ((c = open_conn(f, true, 82)))
                run_until_state(f, c, 82, "SYN-SENT");
}

static void
dns_done(void *ctx, int status, const struct dns_result *r)
{
        struct fuzz *f = ctx;

        (void)status;
        (void)r;
        f->dns_pending--;
}

static void
dns_start(struct fuzz *f)
{
        if (dns_resolve(f->t, "a.example.test", dns_done, f) > 0)
                f->dns_pending++;
}

static struct stack *
peer_new(struct fuzz *f)
{
        struct stack_config cfg = {0};
        struct iface_config ic = {0};
        struct stack *s;

        cfg.clock = clock_manual(&f->clk);
        cfg.seed = FZ_SEED + 1;
        cfg.log_level = LOG_ERROR;
        s = stack_create(&cfg);
        if (!s)
                fz_fail("stack_create failed");
        ic.name = "peer0";
        ic.type = LINK_ETHERNET;
        memcpy(ic.mac, fz_mac_peer, 6);
        ic.addr = FZ_ADDR_PEER;
        ic.prefix_len = 24;
        if (stack_iface_add(s, &ic, &simlink_ops, simlink_end_ctx(f->sl, SIMLINK_B)) < 0)
                fz_fail("stack_iface_add failed");
        return s;
}

static void
print_sock(void *ctx, const struct sock_info *info)
{
        (void)ctx;
        fprintf(stderr, "fuzz: T sd %d %s %u <-> %u\n", info->sd, info->state, info->local.port,
                info->peer.port);
}

static void
setup(struct fuzz *f)
{
        memset(f, 0, sizeof(*f));
        f->clk.now_us = FZ_START_US;
        f->sl = simlink_create(&f->clk, FZ_SEED);
        if (!f->sl)
                fz_fail("simlink_create failed");
        simlink_set_filter(f->sl, link_filter, f);
        f->t =
            fz_stack_new(&f->clk, LINK_ETHERNET, &simlink_ops, simlink_end_ctx(f->sl, SIMLINK_A));
        f->p = peer_new(f);
        sock_keep(f->socks, &f->n_socks, open_bound(f->t, SOCK_TYPE_TCP, 7));
        sock_keep(f->socks, &f->n_socks, open_bound(f->t, SOCK_TYPE_TCP, 80));
        f->n_listen = f->n_socks;
        sock_keep(f->socks, &f->n_socks, open_bound(f->t, SOCK_TYPE_UDP, 7));
        sock_keep(f->psocks, &f->n_psocks, open_bound(f->p, SOCK_TYPE_TCP, 81));
        sock_keep(f->psocks, &f->n_psocks, open_bound(f->p, SOCK_TYPE_UDP, DNS_PORT));
        run_for(f, 100000, 100);
        dns_start(f);
        setup_open_states(f);
        setup_closing_states(f);
        f->setup_done = true;
        f->n_setup_tr = f->n_tr;
        if (getenv("FUZZ_DEBUG"))
                sock_list(f->t, print_sock, NULL);
}

/* Mode 3: data[0] picks a stream T has spoken on; the rest is a TCP header and payload whose
 * SEQ and ACK are offsets from what T expects and has sent. Returns the frame length. */
static size_t
build_tracked(struct fuzz *f, const uint8_t *d, size_t n, uint8_t *fr)
{
        struct track *t;
        uint8_t *ip = fr + ETH_HDR_LEN, *tcp = ip + IPV4_HDR_LEN;
        size_t seg = n > 1 ? n - 1 : 0;

        if (f->n_tr == 0 || seg < TCP_HDR_LEN)
                return 0;
        t = &f->tr[d[0] % f->n_tr];
        seg = seg < 1500 - IPV4_HDR_LEN ? seg : 1500 - IPV4_HDR_LEN;
        memcpy(tcp, d + 1, seg);
        put16(tcp, t->pport);
        put16(tcp + 2, t->tport);
        put32(tcp + 4, get32(tcp + 4) + t->ack);
        put32(tcp + 8, get32(tcp + 8) + t->snd_max);
        memset(ip, 0, IPV4_HDR_LEN);
        ip[0] = 0x45;
        put16(ip + 2, (uint16_t)(IPV4_HDR_LEN + seg));
        put16(ip + 6, IPV4_FLAG_DF);
        ip[8] = 64;
        ip[9] = IPV4_PROTO_TCP;
        put32(ip + 12, t->pip);
        put32(ip + 16, FZ_ADDR_STACK);
        memcpy(fr, fz_mac_stack, 6);
        memcpy(fr + 6, fz_mac_peer, 6);
        put16(fr + 12, ETH_TYPE_IPV4);
        fz_fix_frame(fr, ETH_HDR_LEN + IPV4_HDR_LEN + seg);
        return ETH_HDR_LEN + IPV4_HDR_LEN + seg;
}

/* Mode 2: the ACK field of a segment on a stream T has spoken on counts from T's ISS. */
static void
rebase_ack(struct fuzz *f, uint8_t *fr, size_t len)
{
        size_t seg_len;
        uint8_t *tcp = frame_tcp(fr, len, &seg_len);
        struct track *t;

        if (!tcp)
                return;
        t = track_find(f, get16(tcp + 2), get32(fr + ETH_HDR_LEN + 12), get16(tcp), false);
        if (t && t->have_iss)
                put32(tcp + 8, get32(tcp + 8) + t->iss);
}

static void
inject(struct fuzz *f, uint8_t mode, const uint8_t *d, size_t n)
{
        uint8_t fr[FZ_FRAME_MAX];

        if (mode == 3) {
                n = build_tracked(f, d, n, fr);
        } else {
                n = n < sizeof(fr) ? n : sizeof(fr);
                memcpy(fr, d, n);
                if (mode == 2)
                        rebase_ack(f, fr, n);
                if (mode >= 1)
                        fz_fix_frame(fr, n);
        }
        if (n > 0 && simlink_inject(f->sl, SIMLINK_A, fr, n) < 0)
                fz_fail("simlink_inject failed");
}

static void
drain(struct stack *s, int sd)
{
        uint8_t buf[2048];
        struct sock_addr from;

        for (int i = 0; i < 64; i++)
                if (sock_recvfrom(s, sd, buf, sizeof(buf), &from) <= 0)
                        return;
}

static void
app_read(struct fuzz *f)
{
        accept_all(f);
        for (unsigned i = f->n_listen; i < f->n_socks; i++)
                drain(f->t, f->socks[i]);
        for (unsigned i = 1; i < f->n_psocks; i++)
                drain(f->p, f->psocks[i]);
}

static void
app_act(struct fuzz *f, unsigned action)
{
        static const uint8_t data[512];
        unsigned n = f->n_socks - f->n_listen;
        int sd;

        switch (action) {
        case 0:
                app_read(f);
                break;
        case 2:
                for (unsigned i = f->n_listen; i < f->n_socks; i++)
                        sock_send(f->t, f->socks[i], data, sizeof(data));
                break;
        case 3:
                if (n == 0)
                        break;
                sd = f->socks[f->n_listen + f->next_close % n];
                if (f->next_close++ % 2) {
                        sock_close(f->t, sd);
                        forget_sock(f->socks, &f->n_socks, sd);
                } else {
                        sock_shutdown(f->t, sd, SHUT_WR);
                }
                break;
        default:
                break;
        }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct fz_in in = {data, size, 0};
        struct fuzz *f = malloc(sizeof(*f));

        if (!f)
                return 0;
        setup(f);
        for (int i = 0; i < MAX_FRAMES && fz_left(&in) > 0; i++) {
                uint8_t ctl = fz_u8(&in);
                const uint8_t *d;
                size_t n = fz_bytes(&in, fz_u16(&in) % (FZ_FRAME_MAX + 1), &d);

                inject(f, ctl & 3, d, n);
                poll_both(f);
                app_act(f, (ctl >> 2) & 3);
                run_for(f, waits_us[ctl >> 4], 200);
                if (f->dns_pending == 0)
                        dns_start(f);
        }
        /* Everything a peer made us hold must be let go once the timers have run. */
        run_for(f, SETTLE_US, SETTLE_STEPS);
        app_read(f);
        fz_settle_and_check(f->t, &f->clk, f->clk.now_us, 1);
        fz_settle_and_check(f->p, &f->clk, f->clk.now_us, 1);
        stack_destroy(f->t);
        stack_destroy(f->p);
        simlink_destroy(f->sl);
        free(f);
        return 0;
}

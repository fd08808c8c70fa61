/* The fuzz_stack world: T and P over a simlink, T's connections set up in every state a peer
 * can reach (RFC 9293 3.3.2; segments lost on purpose to hold a state), and a tracker of T's
 * sequence space. */
#include "tests/fuzz/world.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "stack/dns.h"
#include "stack/wire/bytes.h"
#include "stack/wire/dns.h"
#include "stack/wire/eth.h"
#include "stack/wire/ipv4.h"
#include "stack/wire/tcp.h"
#include "tests/fuzz/harness.h"

#define WORLD_SETUP_US 10000000u /* each set-up step may take 10 s of stack time */

struct track *
world_track(struct world *w, uint16_t tport, uint32_t pip, uint16_t pport, bool add)
{
        for (unsigned i = 0; i < w->n_tr; i++)
                if (w->tr[i].tport == tport && w->tr[i].pip == pip && w->tr[i].pport == pport)
                        return &w->tr[i];
        if (!add || w->n_tr == WORLD_MAX_TRACK)
                return NULL;
        w->tr[w->n_tr] = (struct track){.tport = tport, .pport = pport, .pip = pip};
        return &w->tr[w->n_tr++];
}

/* The TCP header of an Ethernet frame carrying an unfragmented IPv4 TCP segment. */
uint8_t *
world_frame_tcp(uint8_t *fr, size_t len, size_t *seg_len)
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
track_tx(struct world *w, uint8_t *fr, size_t len)
{
        size_t seg_len;
        uint8_t *tcp = world_frame_tcp(fr, len, &seg_len);
        struct track *t;
        uint32_t seq, end;
        uint8_t flags;

        if (!tcp)
                return;
        t = world_track(w, get16(tcp), get32(fr + ETH_HDR_LEN + 16), get16(tcp + 2), true);
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
blocked(struct world *w, enum simlink_end from, uint8_t *fr, size_t len)
{
        size_t seg_len;
        uint8_t *tcp = world_frame_tcp(fr, len, &seg_len);
        uint16_t tport, pport;

        if (!tcp)
                return false;
        tport = from == SIMLINK_A ? get16(tcp) : get16(tcp + 2);
        pport = from == SIMLINK_A ? get16(tcp + 2) : get16(tcp);
        if (from == SIMLINK_A && w->setup_done) {
                struct track *t = world_track(w, tport, FZ_ADDR_PEER, pport, false);
                if (!t || t >= w->tr + w->n_setup_tr)
                        return true;
        }
        for (unsigned i = 0; i < w->n_blk; i++)
                if ((w->blk[i].tport == tport || w->blk[i].tport == 0) &&
                    w->blk[i].pport == pport &&
                    (from == SIMLINK_A ? w->blk[i].t_to_p : w->blk[i].p_to_t))
                        return true;
        return false;
}

static bool
link_filter(void *ctx, enum simlink_end from, uint8_t *frame, size_t len)
{
        struct world *w = ctx;

        if (from == SIMLINK_A)
                track_tx(w, frame, len);
        return !blocked(w, from, frame, len);
}

static void
block_add(struct world *w, uint16_t tport, uint16_t pport, bool t_to_p, bool p_to_t)
{
        for (unsigned i = 0; i < w->n_blk; i++) {
                if (w->blk[i].tport == tport && w->blk[i].pport == pport) {
                        w->blk[i].t_to_p = t_to_p;
                        w->blk[i].p_to_t = p_to_t;
                        return;
                }
        }
        if (w->n_blk < WORLD_MAX_BLOCKS)
                w->blk[w->n_blk++] = (struct block){tport, pport, t_to_p, p_to_t};
}

void
world_poll(struct world *w)
{
        stack_poll(w->t);
        stack_poll(w->p);
}

static uint64_t
next_event_us(const struct world *w)
{
        uint64_t next = stack_next_deadline_us(w->t);
        uint64_t d = stack_next_deadline_us(w->p);

        next = d < next ? d : next;
        d = simlink_next_delivery_us(w->sl);
        return d < next ? d : next;
}

/* Frames bouncing between the stacks with no time passing: two TCBs that disagree on the
 * sequence space answering each other's unacceptable segments with ACKs (RFC 9293 3.10.7.4
 * without a rate limit; the "ACK storm"). On a real wire it goes on at line rate. */
static void
storm(struct world *w)
{
        w->storm = true;
        if (getenv("FUZZ_IGNORE_STORMS"))
                return;
        fz_fail("packet storm: %u polls at t=%llu us without time passing (T tcp.tx %llu, "
                "P tcp.tx %llu); FUZZ_TRACE=1 shows the frames",
                WORLD_STORM_POLLS, (unsigned long long)w->clk.now_us,
                (unsigned long long)stack_counter_get(w->t, "tcp.tx"),
                (unsigned long long)stack_counter_get(w->p, "tcp.tx"));
}

/* Let us of stack time pass, stopping at every timer and delivery on the way, and at the
 * end process what is due then (a poll may queue frames for the other stack). */
void
world_run_for(struct world *w, uint64_t us, unsigned max_steps)
{
        uint64_t end = w->clk.now_us + us;
        unsigned still = 0; /* polls in a row at one instant */

        world_poll(w);
        for (unsigned i = 0; i < max_steps && !w->storm; i++) {
                uint64_t next = next_event_us(w), before = w->clk.now_us;

                if (next > end && w->clk.now_us == end)
                        break;
                w->clk.now_us = next > end ? end : next > w->clk.now_us ? next : w->clk.now_us;
                world_poll(w);
                still = w->clk.now_us == before ? still + 1 : 0;
                if (still >= WORLD_STORM_POLLS)
                        storm(w);
        }
        if (w->clk.now_us < end && !w->storm) {
                if (getenv("FUZZ_DEBUG"))
                        fprintf(stderr, "fuzz: %u steps ran out at %llu\n", max_steps,
                                (unsigned long long)w->clk.now_us);
                w->clk.now_us = end;
                world_poll(w);
        }
}

static void
sock_keep(int *list, unsigned *n, int sd)
{
        if (sd >= 0 && *n < WORLD_MAX_SOCKS)
                list[(*n)++] = sd;
}

/* Accept whatever waits on the listeners of both stacks. */
void
world_accept_all(struct world *w)
{
        int sd;

        for (unsigned i = 0; i < w->n_listen; i++) {
                while ((sd = sock_accept(w->t, w->socks[i], NULL)) >= 0) {
                        if (w->n_socks == WORLD_MAX_SOCKS)
                                sock_close(w->t, sd);
                        else
                                sock_keep(w->socks, &w->n_socks, sd);
                }
        }
        while (w->n_psocks > 0 && (sd = sock_accept(w->p, w->psocks[0], NULL)) >= 0) {
                if (w->n_psocks == WORLD_MAX_SOCKS)
                        sock_close(w->p, sd);
                else
                        sock_keep(w->psocks, &w->n_psocks, sd);
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
                q->state = info->state_name;
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
run_until_state(struct world *w, uint16_t tport, uint16_t pport, const char *state)
{
        for (unsigned i = 0; i < 100; i++) {
                const char *st = NULL;

                world_accept_all(w);
                conn_find(w->t, tport, pport, &st);
                if (st && strcmp(st, state) == 0)
                        return true;
                world_run_for(w, WORLD_SETUP_US / 100, 100);
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
open_conn(struct world *w, bool t_client, uint16_t port)
{
        struct stack *c = t_client ? w->t : w->p;
        struct sock_addr peer = {t_client ? FZ_ADDR_PEER : FZ_ADDR_STACK, port};
        int sd = sock_open(c, SOCK_TYPE_TCP);

        if (sd < 0)
                return 0;
        if (sock_connect(c, sd, &peer) < 0) {
                sock_close(c, sd);
                return 0;
        }
        if (t_client)
                sock_keep(w->socks, &w->n_socks, sd);
        else
                sock_keep(w->psocks, &w->n_psocks, sd);
        return local_port(c, sd);
}

void
world_forget_sock(int *list, unsigned *n, int sd)
{
        for (unsigned i = 0; i < *n; i++) {
                if (list[i] == sd) {
                        list[i] = list[--*n];
                        return;
                }
        }
}

static void
t_shutdown(struct world *w, uint16_t tport, uint16_t pport, bool close)
{
        int sd = conn_find(w->t, tport, pport, NULL);

        if (sd < 0)
                return;
        if (close) {
                sock_close(w->t, sd);
                world_forget_sock(w->socks, &w->n_socks, sd);
        } else {
                sock_shutdown(w->t, sd, SHUT_WR);
        }
}

static void
p_shutdown(struct world *w, uint16_t pport, uint16_t tport)
{
        int sd = conn_find(w->p, pport, tport, NULL);

        if (sd >= 0)
                sock_shutdown(w->p, sd, SHUT_WR);
}

/* Connections of T in the states of RFC 9293 3.3.2 that a peer can reach (set-up against P;
 * blocks hold a state by losing the segment that would leave it). */
static void
setup_closing_states(struct world *w)
{
        uint16_t c;

        /* FIN-WAIT-1: our FIN is never acknowledged. */
        if ((c = open_conn(w, true, 81)) && run_until_state(w, c, 81, "ESTABLISHED")) {
                block_add(w, c, 81, false, true);
                t_shutdown(w, c, 81, false);
                run_until_state(w, c, 81, "FIN-WAIT-1");
        }
        /* CLOSING: both FINs cross; then only P's gets through. */
        if ((c = open_conn(w, true, 81)) && run_until_state(w, c, 81, "ESTABLISHED")) {
                block_add(w, c, 81, true, true);
                t_shutdown(w, c, 81, false);
                world_accept_all(w);
                p_shutdown(w, 81, c);
                world_run_for(w, 100000, 100);
                block_add(w, c, 81, true, false);
                run_until_state(w, c, 81, "CLOSING");
        }
        /* LAST-ACK: P closes, we close, P's last ACK is lost. */
        if ((c = open_conn(w, false, 80)) && run_until_state(w, 80, c, "ESTABLISHED")) {
                p_shutdown(w, c, 80);
                if (run_until_state(w, 80, c, "CLOSE-WAIT")) {
                        block_add(w, 80, c, false, true);
                        t_shutdown(w, 80, c, true);
                        run_until_state(w, 80, c, "LAST-ACK");
                }
        }
        /* TIME-WAIT: we close first. */
        if ((c = open_conn(w, false, 80)) && run_until_state(w, 80, c, "ESTABLISHED")) {
                t_shutdown(w, 80, c, false);
                run_until_state(w, 80, c, "FIN-WAIT-2");
                p_shutdown(w, c, 80);
                run_until_state(w, 80, c, "TIME-WAIT");
        }
}

static void
setup_open_states(struct world *w)
{
        static const uint8_t data[1000];
        uint16_t c;
        int sd;

        /* ESTABLISHED both ways; the outgoing one with data sent. */
        if ((c = open_conn(w, false, 80)))
                run_until_state(w, 80, c, "ESTABLISHED");
        if ((c = open_conn(w, true, 81)) && run_until_state(w, c, 81, "ESTABLISHED") &&
            (sd = conn_find(w->t, c, 81, NULL)) >= 0)
                sock_send(w->t, sd, data, sizeof(data));
        /* FIN-WAIT-2 and CLOSE-WAIT: half-closed either way. */
        if ((c = open_conn(w, true, 81)) && run_until_state(w, c, 81, "ESTABLISHED")) {
                t_shutdown(w, c, 81, false);
                run_until_state(w, c, 81, "FIN-WAIT-2");
        }
        if ((c = open_conn(w, false, 80)) && run_until_state(w, 80, c, "ESTABLISHED")) {
                p_shutdown(w, c, 80);
                run_until_state(w, 80, c, "CLOSE-WAIT");
        }
        /* SYN-RECEIVED: our SYN,ACK is lost. SYN-SENT: our SYN is lost. */
        if ((c = open_conn(w, false, 80))) {
                block_add(w, 80, c, true, false);
                run_until_state(w, 80, c, "SYN-RECEIVED");
        }
        block_add(w, 0, 82, true, false);
        if ((c = open_conn(w, true, 82)))
                run_until_state(w, c, 82, "SYN-SENT");
}

static void
dns_done(void *ctx, int status, const struct dns_result *r)
{
        struct world *w = ctx;

        (void)status;
        (void)r;
        w->dns_pending--;
}

void
world_dns_start(struct world *w)
{
        if (dns_resolve(w->t, "a.example.test", dns_done, w) > 0)
                w->dns_pending++;
}

static struct stack *
peer_new(struct world *w)
{
        struct stack_config cfg = {0};
        struct iface_config ic = {0};
        struct stack *s;

        cfg.clock = clock_manual(&w->clk);
        cfg.seed = FZ_SEED + 1;
        cfg.log_level = LOG_ERROR;
        cfg.trace = getenv("FUZZ_TRACE") != NULL; /* as for T (harness.c) */
        cfg.tcp_ecn = true;                       /* as for T */
        s = stack_create(&cfg);
        if (!s)
                fz_fail("stack_create failed");
        ic.name = "peer0";
        ic.type = LINK_ETHERNET;
        memcpy(ic.mac, fz_mac_peer, 6);
        ic.addr = FZ_ADDR_PEER;
        ic.prefix_len = 24;
        if (stack_iface_add(s, &ic, &simlink_ops, simlink_end_ctx(w->sl, SIMLINK_B)) < 0)
                fz_fail("stack_iface_add failed");
        return s;
}

void
world_print_sock(void *ctx, const struct sock_info *info)
{
        fprintf(stderr, "fuzz: %s sd %d %s %u <-> %u recv_q %zu send_q %zu\n", (const char *)ctx,
                info->sd, info->state_name, info->local.port, info->peer.port, info->recv_q,
                info->send_q);
}

void
world_setup(struct world *w)
{
        memset(w, 0, sizeof(*w));
        w->clk.now_us = FZ_START_US;
        w->sl = simlink_create(&w->clk, FZ_SEED);
        if (!w->sl)
                fz_fail("simlink_create failed");
        simlink_set_filter(w->sl, link_filter, w);
        place_link_init(&w->tlink, &simlink_ops, simlink_end_ctx(w->sl, SIMLINK_A));
        w->t = fz_stack_new(&w->clk, LINK_ETHERNET, &place_link_ops, &w->tlink);
        w->p = peer_new(w);
        sock_keep(w->socks, &w->n_socks, open_bound(w->t, SOCK_TYPE_TCP, 7));
        sock_keep(w->socks, &w->n_socks, open_bound(w->t, SOCK_TYPE_TCP, 80));
        w->n_listen = w->n_socks;
        sock_keep(w->socks, &w->n_socks, open_bound(w->t, SOCK_TYPE_UDP, 7));
        sock_keep(w->psocks, &w->n_psocks, open_bound(w->p, SOCK_TYPE_TCP, 81));
        sock_keep(w->psocks, &w->n_psocks, open_bound(w->p, SOCK_TYPE_UDP, DNS_PORT));
        world_run_for(w, 100000, 100);
        world_dns_start(w);
        setup_open_states(w);
        setup_closing_states(w);
        w->setup_done = true;
        w->n_setup_tr = w->n_tr;
        if (getenv("FUZZ_DEBUG"))
                sock_list(w->t, world_print_sock, "T");
}

void
world_destroy(struct world *w)
{
        stack_destroy(w->t);
        stack_destroy(w->p);
        simlink_destroy(w->sl);
}

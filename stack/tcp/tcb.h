/* Internal TCP types: the TCB with the RFC 9293 3.3.1 variables under their RFC names, the
 * connection states in RFC order, the causes of state changes, and the per-stack table. */
#ifndef STACK_TCP_TCB_H
#define STACK_TCP_TCB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stack/core/ring.h"
#include "stack/core/timer.h"
#include "stack/wire/tcp.h"

struct stack;
struct sock;

/* The eleven states of RFC 9293 3.3.2. The tag is tcp_conn_state, not tcp_state, because
 * struct tcp_state (the per-stack table, stack/core/stack.h) already owns that tag. */
enum tcp_conn_state {
        TCP_CLOSED,
        TCP_LISTEN,
        TCP_SYN_SENT,
        TCP_SYN_RECEIVED,
        TCP_ESTABLISHED,
        TCP_FIN_WAIT_1,
        TCP_FIN_WAIT_2,
        TCP_CLOSE_WAIT,
        TCP_CLOSING,
        TCP_LAST_ACK,
        TCP_TIME_WAIT,
        TCP_NSTATES
};

/* What caused a state change (printed by --trace and kept in the trace ring). */
enum tcp_why {
        TCP_WHY_USER_OPEN,
        TCP_WHY_USER_LISTEN,
        TCP_WHY_RCV_SYN,
        TCP_WHY_RCV_SYN_ACK,
        TCP_WHY_RCV_ACK_OF_SYN,
        TCP_WHY_RCV_FIN,
        TCP_WHY_RCV_ACK_OF_FIN,
        TCP_WHY_RCV_FIN_ACK_OF_FIN,
        TCP_WHY_RCV_RST,
        TCP_WHY_RCV_RST_BACK_TO_LISTEN,
        TCP_WHY_USER_CLOSE,
        TCP_WHY_USER_ABORT,
        TCP_WHY_TIMEOUT_2MSL,
        TCP_WHY_TIMEOUT_REXMT,
        TCP_WHY_TIMEOUT_KEEPALIVE,
        TCP_WHY_ICMP_ERROR,
        TCP_WHY_TIME_WAIT_REUSE,
        TCP_WHY_LISTENER_CLOSED,
        TCP_WHY_STACK_DESTROY,
        TCP_WHY_DATA_AFTER_CLOSE,
        TCP_WHY_TIMEOUT_FIN_WAIT_2,
        TCP_WHY_TIMEOUT_ORPHAN_PERSIST,
        TCP_WHY_SYN_QUEUE_EVICT,
        TCP_WHY_NO_MEMORY,
        TCP_WHY_TIME_WAIT_EVICT,
        TCP_NWHY
};

#define TCP_OOO_MAX 16 /* out-of-order ranges kept; more holes than this and we drop */
#define TCP_SACK_SCORE_MAX 8
#define TCP_RXT_LOG 4 /* resends watched for loss at once (tcp_cc_rxt_lost) */

struct tcp_range {
        uint32_t left, right; /* [left, right) in sequence space */
};

struct tcb {
        enum tcp_conn_state state; /* written only by tcp_set_state() (tcp_fsm.c) */
        uint32_t id;
        uint32_t laddr, raddr; /* host order */
        uint16_t lport, rport;

        /* RFC 9293 3.3.1 send sequence variables. snd_max is the highest SND.NXT ever sent
         * (SND.NXT moves back to SND.UNA for a go-back-N retransmission). */
        uint32_t snd_una, snd_nxt, snd_max, snd_wnd, snd_up, snd_wl1, snd_wl2, iss;
        uint32_t
            max_snd_wnd; /* largest window the peer offered (RFC 9293 3.8.6.2.1, RFC 5961 5.2) */
        /* Receive sequence variables; rcv_wnd is what we last advertised (rcv_adv - rcv_nxt). */
        uint32_t rcv_nxt, rcv_wnd, rcv_up, irs;
        uint32_t rcv_adv;       /* right edge of the window we advertised; never moves left */
        uint32_t last_ack_sent; /* RFC 7323 4.3 Last.ACK.sent */

        /* Options. */
        uint16_t snd_mss;   /* peer's MSS, clamped (RFC 9293 3.7.1, MUST-15) and by the PMTU */
        uint16_t peer_mss;  /* the peer's MSS option (536 without one, MUST-15) */
        uint16_t pmtu;      /* RFC 1191 estimate from a Datagram Too Big (0: first hop's) */
        uint16_t rcv_mss;   /* the MSS we advertise */
        uint8_t snd_wscale; /* shift applied to the peer's window field */
        uint8_t rcv_wscale; /* shift the peer applies to ours */
        bool ws_ok, ts_ok, sack_ok;
        bool pmtu_no_df;       /* the estimate is below TCP_PMTU_MIN or a black hole's: no DF */
        uint32_t ts_recent;    /* RFC 7323 TS.Recent */
        uint64_t ts_recent_us; /* when ts_recent was set (PAWS 24-day rule) */
        uint64_t pmtu_us;      /* when pmtu was set (dropped after 10 minutes, RFC 1191 6.3) */
        uint32_t ts_offset;    /* random per-connection TSval offset (RFC 7323 7.1) */

        /* RTT and retransmission (RFC 6298). */
        uint32_t srtt_us, rttvar_us, rto_us;
        bool rtt_valid, rtt_timing;
        uint32_t rtt_seq;
        uint64_t rtt_start_us;
        unsigned rexmt_count;    /* consecutive timeouts for the same data */
        uint64_t rexmt_first_us; /* when the current retransmission series began (R2) */
        /* TSval of our last timeout's retransmission (rexmt_ts set): an echo older than it
         * gives no RTT sample (tcp_ack_rtt, Karn with timestamps). */
        uint32_t rexmt_tsval;
        bool rexmt_ts;
        unsigned persist_shift;                         /* persist backoff */
        unsigned keep_probes;                           /* unanswered keep-alive probes */
        uint32_t keep_idle_ms, keep_intvl_ms, keep_cnt; /* 0: the defaults (MUST-27) */
        unsigned orphan_probes; /* zero-window probes sent since the user closed (robust-3) */

        /* Congestion control (RFC 5681, RFC 6582). */
        uint32_t cwnd, ssthresh, recover;
        uint64_t last_data_us; /* when data was last sent (RFC 5681 4.1 idle restart) */
        unsigned dupacks;
        bool in_recovery;
        uint32_t bytes_acked; /* RFC 5681 3.1 appropriate byte counting in avoidance */
        struct tcp_range
            sacked[TCP_SACK_SCORE_MAX]; /* RFC 2018 scoreboard of what the peer holds */
        unsigned n_sacked;
        uint32_t sack_rexmt_nxt; /* RFC 6675 HighRxt + 1: resent below it this recovery */
        bool rescue_done;        /* RFC 6675 NextSeg rule (4) used in this recovery */
        /* The last resends in SACK recovery: each one's sequence, SND.MAX and the time then
         * (RFC 8985 6.2 lost-retransmission check, tcp_cc.c); n_rxt_log in use. */
        struct tcp_rxt_rec {
                uint32_t seq, mark;
                uint64_t us;
        } rxt_log[TCP_RXT_LOG];
        unsigned n_rxt_log;
        /* Tail loss probe (RFC 8985 7): the probe covers [tlp_seq, tlp_end). */
        uint32_t tlp_seq, tlp_end;
        uint64_t tlp_due_us; /* when the probe is due (the timer may be set earlier) */
        bool tlp_active;     /* a probe is outstanding (TLP.end_seq set) */
        bool tlp_retrans;    /* TLP.is_retrans: it resent old data */
        bool tlp_lost;       /* the probe arrived: unSACKed octets below tlp_seq are lost */
        bool tlp_probe;      /* sending the probe now: one SMSS past cwnd */

        /* Timers (RFC 9293 3.8, RFC 8985 7). */
        struct timer rexmt, persist, delack, timewait, keepalive, tlp;

        /* Send ring: bytes from SND.UNA (after the SYN) on. Receive ring: in-order bytes the
         * user has not read yet; out-of-order bytes sit past its tail, described by ooo[]. */
        struct ring snd, rcv;
        size_t snd_buf, rcv_buf; /* sizes for the rings (socket options, before connecting) */
        struct tcp_range ooo[TCP_OOO_MAX];
        unsigned n_ooo;
        unsigned ooo_last; /* index of the most recently changed range (RFC 2018 4: first block) */
        bool rcv_fin_pending; /* a FIN arrived out of order at rcv_fin_seq */
        uint32_t rcv_fin_seq;

        /* Flags. */
        bool ack_now;      /* send an ACK at the next tcp_output */
        bool snd_urg;      /* SND.UP is ahead of SND.UNA: urgent data not yet acknowledged */
        bool sws_override; /* the next tcp_output sends a short segment anyway (3.8.6.2.1) */
        bool dirty;        /* on the dirty list */
        bool dead;         /* on the free-at-end-of-poll list */
        bool fin_queued;   /* user closed the sending side: FIN after the data */
        bool fin_acked;    /* our FIN was acknowledged (snd_una then runs past the data) */
        bool fin_rcvd;     /* peer's FIN processed: end of stream */
        bool shut_rd;
        bool passive; /* SYN-RECEIVED came from LISTEN (RFC 9293 MUST-11) */
        bool nodelay; /* Nagle off (MUST-17) */
        /* RFC 3168 ECN (tcp_ecn.c): asked for by the application, agreed in the handshake,
         * a CE mark to echo with ECE until CWR, a CWR to send after a reduction, and (ecn_cwr)
         * the SND.MAX of the last reduction: no other until an ACK passes it. */
        bool ecn_want, ecn_ok, ece_pending, cwr_pending, ecn_cwr;
        uint32_t ecn_recover;
        bool send_more;          /* during sock_send_more: the bytes wait for the next call */
        bool keepalive_on;       /* MUST-24 */
        bool was_connected;      /* reached ESTABLISHED once */
        bool opened;             /* the user called connect or listen */
        bool user_closed;        /* CLOSE or ABORT called: no socket will read any more */
        unsigned segs_unacked;   /* full segments received since our last ACK */
        unsigned challenge_acks; /* RFC 5961 7: sent in the current interval */
        uint64_t challenge_start_us;
        uint64_t oow_ack_us; /* last ACK for an unacceptable empty segment (F1 loop guard) */
        bool oow_ack_valid;
        int soft_error; /* last ICMP soft error (RFC 1122 4.2.3.9), reported on timeout */
        uint32_t r2_ms; /* data retransmission give-up time (MUST-20) */
        bool r2_user;   /* r2_ms set by the application (MUST-21): time alone decides */
        uint8_t ttl, tos;

        /* Ownership and lists. */
        struct sock *sock;    /* NULL once the user closed (or not accepted yet) */
        struct tcb *listener; /* for a child not yet accepted */
        struct tcb *children; /* LISTEN: children (SYN-RECEIVED and unaccepted), qnext */
        struct tcb *qnext;
        int backlog;
        struct tcb *hnext;  /* hash chain */
        struct tcb **hprev; /* the pointer to this TCB in its chain (unlinks without a walk) */
        struct tcb *lnext;  /* listener list */
        struct tcb *all_prev, *all_next;
        struct tcb *dnext;             /* dirty list */
        struct tcb *xnext;             /* dead list */
        struct tcb *tw_prev, *tw_next; /* TIME-WAIT list, oldest first */
        bool hashed;
};

#define TCP_HASH_MIN 256  /* buckets to start with; doubled past one TCB per bucket */
#define TCP_RING_CACHE 32 /* freed ring buffers kept for the next connection (per stack) */
#define TCP_PMTU_DESTS 16 /* path MTU estimates kept per destination (tcp_pmtu.c) */
#define TCP_RING_CACHE_MAX (128u * 1024u) /* larger buffers go back to malloc at once */
#define TCP_DELACK_US 200000u             /* RFC 9293 MUST-40: an ACK is delayed well under 0.5 s */
/* Keep-alive defaults (RFC 9293 3.8.4): MUST-28 idle at least 2 hours; 9 probes 75 s apart. */
#define TCP_KEEP_IDLE_DEFAULT_MS 7200000
#define TCP_KEEP_INTVL_DEFAULT_MS 75000
#define TCP_KEEP_CNT_DEFAULT 9

struct tcp_ring_buf {
        uint8_t *buf;
        size_t cap;
};

struct tcp_state {
        struct tcb **buckets; /* hash_mask + 1 chains (a power of two) */
        unsigned hash_mask;
        unsigned n_hashed;
        struct tcb *all;
        struct tcb *listeners;
        struct tcb *dirty;
        struct tcb *dead;
        unsigned n_tcbs;
        uint32_t next_id;
        struct tcb *tw_oldest, *tw_newest; /* TCBs in TIME-WAIT, in order of entry */
        /* Ring buffers of closed connections, reused by the next ones: a connection per
         * request would otherwise cost a malloc (an mmap above 128 KB) and fresh page faults
         * for each ring. */
        struct tcp_ring_buf ring_cache[TCP_RING_CACHE];
        unsigned n_ring_cache;
        /* RFC 1191 6.2: path MTU estimates by destination, for the next connection there. */
        struct tcp_pmtu_dest {
                uint32_t dst;
                uint16_t mtu;
                bool no_df;
                uint64_t us; /* when learned: 0 is a free slot */
        } pmtu_dests[TCP_PMTU_DESTS];
        /* Receive placement (DESIGN.md 6, header prediction): the connection whose last
         * in-order data arrived on place_ifc, a link with rxv, behind place_hdr_len bytes of
         * link (place_l2 of them), IPv4 and TCP headers. NULL: no prediction. */
        struct tcb *place_tcb;
        const struct iface *place_ifc;
        uint16_t place_hdr_len;
        uint8_t place_l2;
        /* Confirmed: two in-order data segments in a row, no miss since. Interleaved flows
         * would otherwise miss on every frame and pay a copy back on top of the ring_write. */
        bool place_ok;
};

/* A received segment after validation; data/len shrink when trimmed to the window. */
struct tcp_seg {
        struct tcp_hdr h;
        uint32_t src, dst; /* IPv4, host order */
        uint32_t seq;
        uint8_t flags;
        const uint8_t *data;
        uint32_t len;        /* payload bytes */
        bool tw_reuse;       /* the SYN ended a TIME-WAIT (RFC 6191) */
        uint32_t tw_snd_nxt; /* that TIME-WAIT's SND.NXT */
        /* The payload is not at data but already past the receive ring's tail (pkt.placed;
         * SEG.SEQ was RCV.NXT): taking it is a ring_commit, anything else drops it. */
        bool placed;
        bool in_order; /* in-order text was taken (a candidate for the placement prediction) */
        bool ce;       /* the IP header carried Congestion Experienced (RFC 3168 5) */
};

static inline uint32_t
tcp_seg_len(const struct tcp_seg *g)
{
        return g->len + ((g->flags & TCP_SYN) ? 1u : 0u) + ((g->flags & TCP_FIN) ? 1u : 0u);
}

/* Verdict of one processing step (RFC 9293 3.10.7), resolved in one place by the caller. */
enum tcp_verdict {
        TCP_V_CONTINUE, /* go on with the next step */
        TCP_V_DROP,     /* discard the segment silently */
        TCP_V_ACK,      /* discard and send an ACK */
        TCP_V_RST,      /* discard and answer with a reset (RFC 9293 3.10.7.1 form) */
        TCP_V_DONE,     /* fully handled */
};

/* tcp_fsm.c */
const char *tcp_state_name(enum tcp_conn_state st);
/* "tcp A.B.C.D:p > E.F.G.H:q", the start of t's --trace lines, into out. */
#define TCP_TRACE_WHO_LEN 56
const char *tcp_trace_who(const struct tcb *t, char out[TCP_TRACE_WHO_LEN]);
const char *tcp_why_name(enum tcp_why why);
bool tcp_transition_allowed(enum tcp_conn_state from, enum tcp_conn_state to);
void tcp_set_state(struct stack *s, struct tcb *t, enum tcp_conn_state next, enum tcp_why why);

static inline bool
tcp_state_synchronized(enum tcp_conn_state st)
{
        return st >= TCP_ESTABLISHED;
}

/* tcp_tcb.c */
struct tcb *tcb_alloc(struct stack *s);
/* Allocate the send and receive rings (sizes snd_buf, rcv_buf), reusing cached buffers. */
int tcb_rings_init(struct stack *s, struct tcb *t);
/* TIME-WAIT: give back the rings nobody can use any more (ring buffer cache). */
void tcb_rings_release(struct stack *s, struct tcb *t);
/* Entering and leaving TIME-WAIT (tcp_set_state): the list tcb_alloc evicts from. */
void tcb_time_wait_add(struct stack *s, struct tcb *t);
void tcb_time_wait_remove(struct stack *s, struct tcb *t);
void tcb_free(struct stack *s, struct tcb *t);
void tcb_hash_insert(struct stack *s, struct tcb *t);
void tcb_hash_remove(struct stack *s, struct tcb *t);
struct tcb *tcb_lookup(struct stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr,
                       uint16_t rport);
struct tcb *tcb_find_listener(struct stack *s, uint32_t laddr, uint16_t lport);
void tcb_listener_add(struct stack *s, struct tcb *t);
void tcb_listener_remove(struct stack *s, struct tcb *t);
void tcb_child_unlink(struct tcb *t);
void tcb_mark_dirty(struct stack *s, struct tcb *t);
/* Its socket's (and its listener's) readiness may have changed: look at them this poll. */
void tcb_touch(struct stack *s, struct tcb *t);
void tcb_defer_free(struct stack *s, struct tcb *t);
/* Store a connection error on the socket (or drop it for an orphan). */
void tcb_set_error(struct tcb *t, int err);
uint32_t tcp_isn(struct stack *s, const struct tcb *t);
/* Choose window scale and MSS to advertise from ring size and the route's MTU. */
void tcb_init_local_opts(struct stack *s, struct tcb *t);
/* Sequence number of the first byte in the send ring. */
static inline uint32_t
tcb_snd_seq0(const struct tcb *t)
{
        return t->snd_una + (t->state < TCP_ESTABLISHED ? 1u : 0u);
}
static inline uint32_t
tcb_fin_seq(const struct tcb *t)
{
        return tcb_snd_seq0(t) + (uint32_t)ring_len(&t->snd);
}
/* Our FIN has been sent at least once / has been acknowledged. */
bool tcb_fin_sent(const struct tcb *t);
bool tcb_fin_acked(const struct tcb *t);
/* Urgent octets not yet read by the user (RFC 9293 3.8.5; tcp_user.c). */
uint32_t tcp_urgent_len(const struct tcb *t);
/* Sending MSS less fixed options (RFC 9293 3.7.1 Eff.snd.MSS). */
static inline uint32_t
tcb_smss(const struct tcb *t)
{
        return (uint32_t)t->snd_mss - (t->ts_ok ? 12u : 0u);
}
uint32_t tcb_ts_now(struct stack *s, const struct tcb *t);

/* tcp_input.c / tcp_other.c */
enum tcp_verdict tcp_in_other(struct stack *s, struct tcb *t, struct tcp_seg *g);
/* Apply the peer's SYN options to t (RFC 9293 3.7.1, RFC 7323 1.3, RFC 2018 2). */
void tcp_apply_syn_opts(struct stack *s, struct tcb *t, const struct tcp_seg *g);
/* RTT sample from an ACK of new data (RFC 7323 4 with timestamps, else RFC 6298 3). */
void tcp_ack_rtt(struct stack *s, struct tcb *t, const struct tcp_seg *g);
/* RFC 5961 7: may we send one more challenge ACK now? */
bool tcp_challenge_ok(struct stack *s, struct tcb *t);

/* tcp_reass.c */
/* Store out-of-order bytes [seq, seq+len) (seq > rcv_nxt) past the ring tail. Returns false
 * when they cannot be kept (out of ranges or ring space). */
bool tcp_reass_add(struct stack *s, struct tcb *t, uint32_t seq, const uint8_t *data, uint32_t len);
/* After rcv_nxt advanced: commit ranges that became contiguous; returns bytes added. */
uint32_t tcp_reass_pull(struct tcb *t);
/* Fill up to max SACK blocks (RFC 2018 4: most recent first). */
unsigned tcp_reass_sack(const struct tcb *t, struct tcp_sack_block *out, unsigned max);

/* tcp_output.c */
void tcp_output(struct stack *s, struct tcb *t);
/* tcp_output after the user queued data (SEND); on a TSO link it may wait for the next ACK. */
void tcp_output_user(struct stack *s, struct tcb *t);
/* Send one segment from the TCB: seq, len bytes of the send ring at seq, flags. */
int tcp_send_segment(struct stack *s, struct tcb *t, uint32_t seq, uint32_t len, uint8_t flags);
/* RFC 9293 3.10.7.1: the reset answering seg (never to a reset). */
void tcp_send_rst_reply(struct stack *s, const struct tcp_seg *g);
/* A reset for an established TCB (ABORT, RFC 9293 3.10.5). */
void tcp_send_rst_tcb(struct stack *s, struct tcb *t);
/* Window we would advertise now (bytes, before scaling). */
uint32_t tcp_rcv_window(const struct tcb *t);

/* The TCB that embeds timer tm at offset off (timers live inside struct tcb). */
static inline struct tcb *
tcb_of(struct timer *tm, size_t off)
{
        return (struct tcb *)(void *)((char *)tm - off);
}

/* tcp_timer.c */
void tcb_timers_init(struct tcb *t);
void tcb_timers_cancel(struct stack *s, struct tcb *t);
void tcp_rexmt_arm(struct stack *s, struct tcb *t);
void tcp_rtt_sample(struct stack *s, struct tcb *t, uint32_t rtt_us);
void tcp_rto_after_handshake(struct tcb *t);
void tcp_keepalive_reset(struct stack *s, struct tcb *t);
void tcp_persist_arm(struct stack *s, struct tcb *t);
uint64_t tcp_msl_us(const struct stack *s);

/* RFC 9293 3.8.3: R1, timeouts of the same data before negative advice to IP and a report
 * to the application (SOCK_STALLED); RFC 1122 4.2.3.5 asks for at least 3 (SHLD-10). */
#define TCP_R1_TIMEOUTS 3

/* Payload room in a data segment sent now: SND.MSS less the options it will carry (RFC 9293
 * 3.7.1, MUST-16: Eff.snd.MSS counts TCP options; SACK blocks vary per segment). */
uint32_t tcp_seg_room(const struct tcb *t);

/* tcp_pmtu.c (RFC 1191 path MTU discovery) */
struct icmp_err;
/* The peer's MSS option arrived: SND.MSS = min(it, path MTU - 40). */
void tcp_pmtu_peer_mss(struct stack *s, struct tcb *t, unsigned mss);
/* A validated Datagram Too Big (ICMP 3/4) for t: lower the estimate, resend at once. */
void tcp_pmtu_too_big(struct stack *s, struct tcb *t, const struct icmp_err *e);
/* RFC 2923 2.1: R1 timeouts; a connection sending big DF segments falls back to 1280, no DF. */
void tcp_pmtu_black_hole(struct stack *s, struct tcb *t);
/* RFC 1191 6.3: drop an estimate older than 10 minutes (called before sending). */
void tcp_pmtu_age(struct stack *s, struct tcb *t);

/* tcp_tlp.c (RFC 8985 7) */
void tcp_tlp_init(struct tcb *t);
/* (Re)start the probe timer after new data left or an ACK advanced (7.2), or stop it. */
void tcp_tlp_arm(struct stack *s, struct tcb *t);
/* An acceptable ACK: did the probe arrive, did it repair a loss (6.2, 7.4)? Before the
 * ACK moves SND.UNA. */
void tcp_tlp_ack(struct stack *s, struct tcb *t, const struct tcp_seg *g);
/* A timeout or the end of the connection: no probe outstanding. */
void tcp_tlp_reset(struct stack *s, struct tcb *t);

/* tcp_ecn.c (RFC 3168 6.1) */
struct ipv4_hdr;
/* A SYN or SYN,ACK arrived: is ECN agreed (6.1.1)? */
void tcp_ecn_syn_in(struct tcb *t, const struct tcp_seg *g);
/* The IP header is marked Congestion Experienced. */
bool tcp_ecn_ce(const struct ipv4_hdr *ih);
/* An acceptable segment: CE starts echoing ECE, CWR stops it (6.1.3). */
void tcp_ecn_seg_in(struct tcb *t, const struct tcp_seg *g);
/* An ACK with ECE: halve cwnd once per window and send CWR (6.1.2). */
void tcp_ecn_ack_in(struct tcb *t, const struct tcp_seg *g);
/* ECE/CWR bits for a segment we send (consumes a pending CWR). */
uint8_t tcp_ecn_flags_out(struct tcb *t, uint8_t flags, uint32_t seq, uint32_t len);
/* The IP ECN codepoint for it: ECT(0) on new data only. */
uint8_t tcp_ecn_ect(const struct tcb *t, uint8_t flags, uint32_t seq, uint32_t len);

/* tcp_cc.c */
void tcp_cc_init(struct tcb *t);
/* A new ACK acknowledged acked bytes (RFC 5681 3.1, RFC 6582 3.2). */
void tcp_cc_ack(struct stack *s, struct tcb *t, uint32_t ack, uint32_t acked);
/* A duplicate ACK (RFC 5681 3.2). */
void tcp_cc_dupack(struct stack *s, struct tcb *t);
/* Retransmission timeout (RFC 5681 3.1 eq. 4, RFC 6582 3.2 step 4). */
void tcp_cc_rto(struct tcb *t);
/* What congestion control lets be in flight now: cwnd, plus Limited Transmit's allowance
 * for new data on the first two duplicate ACKs (RFC 5681 3.2 (1), RFC 3042). */
uint32_t tcp_cc_window(const struct tcb *t);
/* ssthresh = max(FlightSize / 2, 2*SMSS), cwnd = ssthresh: the response to congestion
 * signalled without a recovery (ECN-Echo, RFC 3168 6.1.2; a probe that repaired a loss,
 * RFC 8985 7.4). */
void tcp_cc_reduce(struct tcb *t);
/* Resend the last SMSS of data below end, at or above start, with the FIN if end covers
 * it. Returns where the resent segment starts. */
uint32_t tcp_cc_resend_tail(struct stack *s, struct tcb *t, uint32_t start, uint32_t end);
/* RFC 6675 SetPipe(): octets in the network during SACK recovery; else SND.NXT - SND.UNA. */
uint32_t tcp_cc_pipe(const struct tcb *t);
/* RFC 6675 5 (C): in SACK recovery, with cwnd - pipe >= 1 SMSS, resend what NextSeg() rule
 * (1) picks (a hole deemed lost), or with last_resort, rule (3) or (4) (a hole with SACKed
 * data above it, the rescue retransmission). True when a segment went out. */
bool tcp_cc_nextseg_resend(struct stack *s, struct tcb *t, bool last_resort);
/* RFC 5681 4.1: about to send after more than an RTO without sending data: cwnd is cut to
 * RW = min(IW, cwnd), since it no longer reflects the path. */
void tcp_cc_idle_restart(const struct stack *s, struct tcb *t);
/* Record SACK blocks from an ACK into the scoreboard (RFC 2018, RFC 6675); true when
 * they reported octets that were not SACKed before. */
bool tcp_sack_update(struct tcb *t, const struct tcp_opts *o);
/* First sequence at or after from that the peer has not SACKed (hole start), and its end. */
uint32_t tcp_sack_next_hole(const struct tcb *t, uint32_t from, uint32_t *hole_end);

#endif

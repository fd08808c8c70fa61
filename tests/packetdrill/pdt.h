/* Loader-test helpers: dlopen libstack-packetdrill.so the way packetdrill does, and play the
 * remote end with hand-built IPv4/TCP/UDP packets through netdev_send/netdev_receive.
 * Depends only on the ABI header, like packetdrill itself. */
#ifndef TESTS_PACKETDRILL_PDT_H
#define TESTS_PACKETDRILL_PDT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tools/packetdrill/packetdrill.h"

#define PDT_LOCAL 0xc0a80001u  /* 192.168.0.1: the stack (packetdrill's default local_ip) */
#define PDT_REMOTE 0xc0000201u /* 192.0.2.1: the script's end (packetdrill's remote_ip) */
#define PDT_PORT 8080          /* packetdrill's default bind/connect port */
#define PDT_RPORT 45678        /* our side's port for passive opens */
#define PDT_RISS 1000u         /* remote ISS */
#define PDT_PKT_MAX 65536

#define PDT_FIN 0x01
#define PDT_SYN 0x02
#define PDT_RST 0x04
#define PDT_PSH 0x08
#define PDT_ACK 0x10

/* One TCP segment or UDP datagram, in host order. */
struct pdt_seg {
        uint8_t proto; /* 6 TCP, 17 UDP */
        uint32_t src, dst;
        uint16_t sport, dport;
        uint32_t seq, ack;
        uint8_t flags;
        uint16_t win;
        uint16_t mss; /* TCP: an MSS option when non-zero (SYNs) */
        const uint8_t *data;
        size_t len;
        /* Filled by pdt_sniff: */
        long long time_us;
        uint8_t buf[PDT_PKT_MAX];
};

/* One loaded instance of the library. */
struct pdt {
        struct packetdrill_interface ifc;
        void *ud;
        uint32_t iss;  /* the stack's ISS, learned from its SYN or SYN-ACK */
        uint32_t rnxt; /* remote's next sequence number */
};

/* CUnit suite init/cleanup: dlopen $PD_SO and resolve packetdrill_interface_init, or close
 * it again. Init returns non-zero (the suite fails) when the library cannot be loaded. */
int pdt_load(void);
int pdt_unload(void);
packetdrill_interface_init_fn *pdt_init_fn(void);

void pdt_open(struct pdt *t, const char *flags);
void pdt_close(struct pdt *t);
/* Build and hand one packet to netdev_send; returns its result. */
int pdt_inject(struct pdt *t, const struct pdt_seg *g);
/* A TCP segment from the remote end to our port (seq/ack relative to t->rnxt, t->iss). */
int pdt_tcp_in(struct pdt *t, uint16_t lport, uint8_t flags, const void *data, size_t len);
/* The next outbound packet, parsed; false when netdev_receive had none. */
bool pdt_sniff(struct pdt *t, struct pdt_seg *g);
long long pdt_now(struct pdt *t);

/* Passive open on port PDT_PORT: returns the listening fd, and the accepted fd in *afd. */
int pdt_passive_open(struct pdt *t, int *afd);

/* Wait (real time, bounded) until thread tid sleeps in the kernel, as packetdrill does. */
bool pdt_thread_sleeping(pid_t tid);
pid_t pdt_gettid(void);

#endif

/* Loader-test helpers: dlopen with packetdrill's flags, IPv4/TCP/UDP packet building with
 * checksums (RFC 791, RFC 9293 3.1, RFC 768, RFC 1071), parsing what the stack sent. */
#include "tests/packetdrill/pdt.h"

#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The sanitizer runtimes refuse RTLD_DEEPBIND (their interceptors would be bypassed);
 * everything else is what packetdrill's so_instance_init passes. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define PDT_DEEPBIND 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define PDT_DEEPBIND 0
#else
#define PDT_DEEPBIND RTLD_DEEPBIND
#endif
#else
#define PDT_DEEPBIND RTLD_DEEPBIND
#endif

struct pdt_lib {
        void *handle;
        packetdrill_interface_init_fn *init;
};

static struct pdt_lib pdt_lib_state;

int
pdt_load(void)
{
        const char *path = getenv("PD_SO");

        if (!path) {
                fprintf(stderr, "set PD_SO to the path of libstack-packetdrill.so\n");
                return -1;
        }
        pdt_lib_state.handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE | PDT_DEEPBIND);
        if (!pdt_lib_state.handle) {
                fprintf(stderr, "%s\n", dlerror());
                return -1;
        }
        dlerror();
        *(void **)&pdt_lib_state.init = dlsym(pdt_lib_state.handle, "packetdrill_interface_init");
        if (dlerror() || !pdt_lib_state.init) {
                fprintf(stderr, "%s: no packetdrill_interface_init\n", path);
                return -1;
        }
        return 0;
}

int
pdt_unload(void)
{
        if (pdt_lib_state.handle)
                dlclose(pdt_lib_state.handle);
        memset(&pdt_lib_state, 0, sizeof(pdt_lib_state));
        return 0;
}

packetdrill_interface_init_fn *
pdt_init_fn(void)
{
        return pdt_lib_state.init;
}

void
pdt_open(struct pdt *t, const char *flags)
{
        memset(t, 0, sizeof(*t));
        CU_ASSERT_PTR_NOT_NULL_FATAL(pdt_lib_state.init);
        pdt_lib_state.init(flags, &t->ifc);
        t->ud = t->ifc.userdata;
        t->rnxt = PDT_RISS;
}

void
pdt_close(struct pdt *t)
{
        for (int fd = 3; fd < 40; fd++)
                t->ifc.close(t->ud, fd); /* packetdrill closes every fd it knows before free */
        t->ifc.free(t->ud);
        t->ud = NULL;
}

static uint32_t
pdt_sum(const uint8_t *p, size_t len, uint32_t sum)
{
        for (size_t i = 0; i + 1 < len; i += 2)
                sum += (uint32_t)(p[i] << 8 | p[i + 1]);
        if (len & 1)
                sum += (uint32_t)p[len - 1] << 8;
        return sum;
}

static uint16_t
pdt_fold(uint32_t sum)
{
        while (sum >> 16)
                sum = (sum & 0xffff) + (sum >> 16);
        return (uint16_t)~sum;
}

static void
pdt_put16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
}

static void
pdt_put32(uint8_t *p, uint32_t v)
{
        pdt_put16(p, (uint16_t)(v >> 16));
        pdt_put16(p + 2, (uint16_t)v);
}

static uint16_t
pdt_get16(const uint8_t *p)
{
        return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
pdt_get32(const uint8_t *p)
{
        return (uint32_t)pdt_get16(p) << 16 | pdt_get16(p + 2);
}

/* Transport header at l4; returns its length. */
static size_t
pdt_build_l4(uint8_t *l4, const struct pdt_seg *g)
{
        size_t hl = g->proto == 17 ? 8 : (g->mss ? 24 : 20);

        memset(l4, 0, hl); /* checksum and urgent pointer start at zero */

        if (g->proto == 17) {
                pdt_put16(l4, g->sport);
                pdt_put16(l4 + 2, g->dport);
                pdt_put16(l4 + 4, (uint16_t)(8 + g->len));
                return hl;
        }
        pdt_put16(l4, g->sport);
        pdt_put16(l4 + 2, g->dport);
        pdt_put32(l4 + 4, g->seq);
        pdt_put32(l4 + 8, g->ack);
        l4[12] = (uint8_t)((hl / 4) << 4);
        l4[13] = g->flags;
        pdt_put16(l4 + 14, g->win);
        if (g->mss) {
                l4[20] = 2; /* RFC 9293 3.2: MSS option, kind 2, length 4 */
                l4[21] = 4;
                pdt_put16(l4 + 22, g->mss);
        }
        return hl;
}

static size_t
pdt_build(uint8_t *buf, const struct pdt_seg *g)
{
        uint8_t *l4 = buf + 20, pseudo[12];
        size_t hl = pdt_build_l4(l4, g), l4len = hl + g->len;
        size_t csum_at = g->proto == 17 ? 6 : 16;
        uint16_t c;

        memset(buf, 0, 20);
        buf[0] = 0x45;
        pdt_put16(buf + 2, (uint16_t)(20 + l4len));
        buf[8] = 64;
        buf[9] = g->proto;
        pdt_put32(buf + 12, g->src);
        pdt_put32(buf + 16, g->dst);
        pdt_put16(buf + 10, pdt_fold(pdt_sum(buf, 20, 0)));
        if (g->len)
                memcpy(l4 + hl, g->data, g->len);
        memcpy(pseudo, buf + 12, 8);
        pseudo[8] = 0;
        pseudo[9] = g->proto;
        pdt_put16(pseudo + 10, (uint16_t)l4len);
        c = pdt_fold(pdt_sum(l4, l4len, pdt_sum(pseudo, 12, 0)));
        pdt_put16(l4 + csum_at, g->proto == 17 && c == 0 ? 0xffff : c);
        return 20 + l4len;
}

int
pdt_inject(struct pdt *t, const struct pdt_seg *g)
{
        uint8_t buf[2048];

        CU_ASSERT_FATAL(g->len <= sizeof(buf) - 64);
        return t->ifc.netdev_send(t->ud, buf, pdt_build(buf, g));
}

int
pdt_tcp_in(struct pdt *t, uint16_t lport, uint8_t flags, const void *data, size_t len)
{
        struct pdt_seg g = {.proto = 6,
                            .src = PDT_REMOTE,
                            .dst = PDT_LOCAL,
                            .sport = PDT_RPORT,
                            .dport = lport,
                            .seq = t->rnxt,
                            .flags = flags,
                            .win = 65535,
                            .data = data,
                            .len = len};

        g.ack = (flags & PDT_ACK) ? t->iss : 0;
        if (flags & PDT_SYN)
                g.mss = 1460;
        t->rnxt += (uint32_t)len + ((flags & PDT_SYN) ? 1u : 0u) + ((flags & PDT_FIN) ? 1u : 0u);
        return pdt_inject(t, &g);
}

/* The MSS option's value, 0 when absent (RFC 9293 3.2 option layout). */
static uint16_t
pdt_mss_opt(const uint8_t *o, size_t len)
{
        size_t i = 0;

        while (i < len && o[i] != 0) {
                if (o[i] == 1) {
                        i++;
                        continue;
                }
                if (i + 1 >= len || o[i + 1] < 2 || i + o[i + 1] > len)
                        return 0;
                if (o[i] == 2 && o[i + 1] == 4)
                        return pdt_get16(o + i + 2);
                i += o[i + 1];
        }
        return 0;
}

/* Parse IPv4 + TCP/UDP; every length is checked before use. */
static bool
pdt_parse(const uint8_t *p, size_t len, struct pdt_seg *g)
{
        size_t ihl, tot, hl;

        if (len < 20 || (p[0] >> 4) != 4)
                return false;
        ihl = (size_t)(p[0] & 15) * 4;
        tot = pdt_get16(p + 2);
        if (ihl < 20 || tot > len || tot < ihl + 8)
                return false;
        g->proto = p[9];
        g->src = pdt_get32(p + 12);
        g->dst = pdt_get32(p + 16);
        p += ihl;
        len = tot - ihl;
        g->sport = pdt_get16(p);
        g->dport = pdt_get16(p + 2);
        if (g->proto == 17) {
                hl = 8;
        } else {
                if (len < 20 || (size_t)(p[12] >> 4) * 4 > len || (p[12] >> 4) < 5)
                        return false;
                hl = (size_t)(p[12] >> 4) * 4;
                g->mss = pdt_mss_opt(p + 20, hl - 20);
                g->seq = pdt_get32(p + 4);
                g->ack = pdt_get32(p + 8);
                g->flags = p[13];
                g->win = pdt_get16(p + 14);
        }
        memmove(g->buf, p + hl, len - hl);
        g->data = g->buf;
        g->len = len - hl;
        return true;
}

bool
pdt_sniff(struct pdt *t, struct pdt_seg *g)
{
        uint8_t buf[PDT_PKT_MAX];
        size_t count = sizeof(buf);

        memset(g, 0, sizeof(*g));
        CU_ASSERT_EQUAL_FATAL(t->ifc.netdev_receive(t->ud, buf, &count, &g->time_us), 0);
        if (count == 0)
                return false;
        CU_ASSERT_FATAL(pdt_parse(buf, count, g));
        return true;
}

long long
pdt_now(struct pdt *t)
{
        struct timeval tv;

        CU_ASSERT_EQUAL_FATAL(t->ifc.gettimeofday(t->ud, &tv, NULL), 0);
        return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

static struct sockaddr_in
pdt_sin(uint32_t ip, uint16_t port)
{
        struct sockaddr_in sin = {.sin_family = AF_INET};

        sin.sin_addr.s_addr = htonl(ip);
        sin.sin_port = htons(port);
        return sin;
}

int
pdt_passive_open(struct pdt *t, int *afd)
{
        struct sockaddr_in sin = pdt_sin(PDT_LOCAL, PDT_PORT), peer;
        socklen_t plen = sizeof(peer);
        struct pdt_seg g;
        int lfd = t->ifc.socket(t->ud, AF_INET, SOCK_STREAM, IPPROTO_TCP);

        CU_ASSERT_EQUAL_FATAL(lfd, 3);
        CU_ASSERT_EQUAL_FATAL(t->ifc.bind(t->ud, lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
        CU_ASSERT_EQUAL_FATAL(t->ifc.listen(t->ud, lfd, 1), 0);
        CU_ASSERT_EQUAL_FATAL(pdt_tcp_in(t, PDT_PORT, PDT_SYN, NULL, 0), 0);
        CU_ASSERT_FATAL(pdt_sniff(t, &g));
        CU_ASSERT_EQUAL_FATAL(g.flags, PDT_SYN | PDT_ACK); /* RFC 9293 3.10.7.2 */
        CU_ASSERT_EQUAL(g.ack, PDT_RISS + 1);
        CU_ASSERT_EQUAL(g.dport, PDT_RPORT);
        t->iss = g.seq + 1;
        CU_ASSERT_EQUAL_FATAL(pdt_tcp_in(t, PDT_PORT, PDT_ACK, NULL, 0), 0);
        *afd = t->ifc.accept(t->ud, lfd, (struct sockaddr *)&peer, &plen);
        CU_ASSERT_EQUAL(*afd, 4);
        CU_ASSERT_EQUAL(plen, sizeof(peer));
        CU_ASSERT_EQUAL(ntohl(peer.sin_addr.s_addr), PDT_REMOTE);
        CU_ASSERT_EQUAL(ntohs(peer.sin_port), PDT_RPORT);
        return lfd;
}

pid_t
pdt_gettid(void)
{
        return (pid_t)syscall(SYS_gettid);
}

/* packetdrill's is_thread_sleeping: state 'S' in /proc/PID/task/TID/stat. */
bool
pdt_thread_sleeping(pid_t tid)
{
        char path[64], buf[512], *paren;
        struct timespec ms = {.tv_sec = 0, .tv_nsec = 1000000L};

        snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
        for (int i = 0; i < 5000; i++) {
                FILE *f = fopen(path, "r");
                size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
                if (f)
                        fclose(f);
                buf[n] = 0;
                paren = strrchr(buf, ')');
                if (paren && paren[1] == ' ' && paren[2] == 'S')
                        return true;
                nanosleep(&ms, NULL);
        }
        return false;
}

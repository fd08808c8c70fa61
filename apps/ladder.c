/* ladder: draw the TCP segments of a pcap file as an ASCII ladder diagram, client on the
 * left, server on the right, one arrow per segment with its flags and its raw and relative
 * (Wireshark-style, ISN subtracted) Seq and Ack, like the seed's handshake table.
 * usage: ladder FILE.pcap [PORT]   (PORT: only the connection to/from that server port) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stack/wire/bytes.h"
#include "stack/wire/eth.h"
#include "stack/wire/ipv4.h"
#include "stack/wire/tcp.h"

#define LADDER_WIDTH 76

struct conn {
        int known;
        uint32_t cip, sip; /* client: the side of the first SYN seen */
        uint16_t cport, sport;
        uint32_t c_isn, s_isn;
        int have_c, have_s;
        unsigned n;
};

static void
ip_str(uint32_t a, char *out, size_t cap)
{
        snprintf(out, cap, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

static void
flags_str(uint8_t f, char *out, size_t cap)
{
        static const struct {
                uint8_t bit;
                const char *name;
        } names[] = {{TCP_SYN, "SYN"}, {TCP_FIN, "FIN"}, {TCP_RST, "RST"},
                     {TCP_PSH, "PSH"}, {TCP_ACK, "ACK"}, {TCP_URG, "URG"}};
        size_t n = 0;

        out[0] = 0;
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (f & names[i].bit)
                        n +=
                            (size_t)snprintf(out + n, cap - n, "%s%s", n ? "," : "", names[i].name);
}

static void
print_header(const struct conn *c)
{
        char cip[16], sip[16], l[40], r[40];

        ip_str(c->cip, cip, sizeof(cip));
        ip_str(c->sip, sip, sizeof(sip));
        snprintf(l, sizeof(l), "client %s:%u", cip, c->cport);
        snprintf(r, sizeof(r), "server %s:%u", sip, c->sport);
        printf("     %-*s%s\n", LADDER_WIDTH - (int)strlen(r), l, r);
        printf("     |%*s|\n", LADDER_WIDTH - 2, "");
}

/* One arrow: "|--label-->|" from the client or "|<--label--|" from the server. */
static void
print_arrow(struct conn *c, int from_client, const char *label, const char *detail)
{
        char line[LADDER_WIDTH + 1];
        size_t inner = LADDER_WIDTH - 2, len = strlen(label);

        memset(line, '-', LADDER_WIDTH);
        line[LADDER_WIDTH] = 0;
        line[0] = line[LADDER_WIDTH - 1] = '|';
        if (len > inner - 8)
                len = inner - 8;
        memcpy(line + 4, label, len);
        line[3] = line[4 + len] = ' ';
        if (from_client)
                line[LADDER_WIDTH - 2] = '>';
        else
                line[1] = '<';
        printf("%3u  %s\n", ++c->n, line);
        printf("     |  %-*s|\n", LADDER_WIDTH - 4, detail);
}

static void
segment(struct conn *c, const struct ipv4_hdr *ih, const struct tcp_hdr *th, size_t len)
{
        int from_client;
        uint32_t isn, peer_isn;
        char fl[32], label[96], detail[96];

        if (!c->known) {
                if ((th->flags & (TCP_SYN | TCP_ACK)) != TCP_SYN)
                        return; /* draw connections from their first SYN on */
                c->known = 1;
                c->cip = ih->src, c->sip = ih->dst, c->cport = th->sport, c->sport = th->dport;
                print_header(c);
        }
        if (ih->src == c->cip && th->sport == c->cport && ih->dst == c->sip &&
            th->dport == c->sport)
                from_client = 1;
        else if (ih->src == c->sip && th->sport == c->sport && ih->dst == c->cip &&
                 th->dport == c->cport)
                from_client = 0;
        else
                return;
        if (th->flags & TCP_SYN) {
                if (from_client)
                        c->c_isn = th->seq, c->have_c = 1;
                else
                        c->s_isn = th->seq, c->have_s = 1;
        }
        isn = from_client ? c->c_isn : c->s_isn;
        peer_isn = from_client ? c->s_isn : c->c_isn;
        flags_str(th->flags, fl, sizeof(fl));
        if (th->flags & TCP_ACK) {
                snprintf(label, sizeof(label), "[%s] Seq=%u Ack=%u Len=%zu", fl, th->seq - isn,
                         th->ack - peer_isn, len);
                snprintf(detail, sizeof(detail), "raw Seq=%u Ack=%u", th->seq, th->ack);
        } else {
                snprintf(label, sizeof(label), "[%s] Seq=%u Len=%zu", fl, th->seq - isn, len);
                snprintf(detail, sizeof(detail), "raw Seq=%u", th->seq);
        }
        print_arrow(c, from_client, label, detail);
}

/* One captured frame: Ethernet (linktype 1) or raw IPv4 (228, 101). */
static void
frame(struct conn *c, const uint8_t *b, size_t len, uint32_t linktype, uint16_t port)
{
        struct ipv4_hdr ih;
        struct tcp_hdr th;
        int hl;

        if (linktype == 1) {
                if (len < ETH_HDR_LEN || get16(b + 12) != ETH_TYPE_IPV4)
                        return;
                b += ETH_HDR_LEN, len -= ETH_HDR_LEN;
        }
        if (ipv4_hdr_parse(b, len, &ih, NULL) < 0 || ih.proto != IPV4_PROTO_TCP ||
            ipv4_is_fragment(&ih))
                return;
        b += ih.hdr_len;
        len = ih.total_len - ih.hdr_len;
        if ((hl = tcp_hdr_parse(b, len, &th)) < 0)
                return;
        if (port && th.sport != port && th.dport != port)
                return;
        segment(c, &ih, &th, len - (size_t)hl);
}

int
main(int argc, char **argv)
{
        uint32_t gh[6], rec[4], linktype;
        static uint8_t buf[262144];
        struct conn c = {0};
        long port = 0;
        FILE *f;

        if (argc < 2 || argc > 3 ||
            (argc == 3 && ((port = strtol(argv[2], NULL, 10)) < 1 || port > 65535))) {
                fprintf(stderr, "usage: ladder FILE.pcap [SERVER-PORT]\n");
                return 2;
        }
        f = fopen(argv[1], "rb");
        if (!f) {
                fprintf(stderr, "ladder: %s: %s\n", argv[1], strerror(errno));
                return 1;
        }
        if (fread(gh, sizeof(gh), 1, f) != 1 || gh[0] != 0xa1b2c3d4u) {
                fprintf(stderr, "ladder: %s: not a pcap file in host byte order\n", argv[1]);
                fclose(f);
                return 1;
        }
        linktype = gh[5];
        while (fread(rec, sizeof(rec), 1, f) == 1) {
                if (rec[2] > sizeof(buf) || fread(buf, 1, rec[2], f) != rec[2])
                        break;
                frame(&c, buf, rec[2], linktype, (uint16_t)port);
        }
        fclose(f);
        if (!c.known) {
                fprintf(stderr, "ladder: no TCP connection found in %s\n", argv[1]);
                return 1;
        }
        printf("     |%*s|\n", LADDER_WIDTH - 2, "");
        return 0;
}

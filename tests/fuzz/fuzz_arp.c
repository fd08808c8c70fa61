/* Fuzz target (e): ARP (RFC 826 "Packet Reception", RFC 1122 2.3.2, RFC 5227 2.4) through a
 * stack on an Ethernet link, with address resolution pending while replies arrive.
 * Input: records [CTL][ARG][LEN][LEN bytes]; CTL & 3 picks the action:
 *   0  deliver the bytes as an ARP frame (Ethernet header added; CTL bit 2: to broadcast);
 *   1  the same with the fixed header fields valid (htype 1, ptype 0x0800, 6, 4), so the
 *      bytes fill op, sender and target and reach the cache logic;
 *   2  send a ping to 10.0.0.ARG (CTL bit 2: to 198.51.100.ARG, via the gateway);
 *   3  let ARG * 100 ms pass.
 * Checked: frames we send carry our own addresses; no entry ever holds our own address or a
 * multicast MAC; a reply nobody asked for never changes a live entry; nothing leaks. */
#include <stdint.h>
#include <string.h>

#include "stack/net/arp.h"
#include "stack/wire/arp.h"
#include "stack/wire/bytes.h"
#include "stack/wire/eth.h"
#include "tests/fuzz/harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RECORDS 256
#define ARP_FRAME_MAX 64

struct arp_fuzz {
        struct manual_clock clk;
        struct fz_link link;
        struct stack *s;
};

static void
check_tx(void *ctx, const uint8_t *frame, size_t len)
{
        struct arp_pkt a;

        (void)ctx;
        if (len < ETH_HDR_LEN || memcmp(frame + 6, fz_mac_stack, 6) != 0)
                fz_fail("a frame left without our MAC as its source");
        if (get16(frame + 12) != ETH_TYPE_ARP)
                return;
        if (arp_pkt_parse(frame + ETH_HDR_LEN, len - ETH_HDR_LEN, &a) < 0)
                fz_fail("we sent an ARP packet that does not parse");
        if (memcmp(a.sha, fz_mac_stack, 6) != 0 || a.spa != FZ_ADDR_STACK)
                fz_fail("we sent ARP with a sender other than ourselves");
        if (a.op == ARP_OP_REPLY && (a.tha[0] & 1))
                fz_fail("we answered a multicast hardware address");
}

static void
check_entry(struct stack *s, uint32_t ip)
{
        uint8_t mac[6];

        if (arp_lookup(s, ip, mac) == 0 && (mac[0] & 1))
                fz_fail("a multicast MAC was cached for %08x", ip);
}

static void
deliver_arp(struct arp_fuzz *f, uint8_t ctl, const uint8_t *b, size_t n)
{
        static const uint8_t fixed[6] = {0, 1, 0x08, 0x00, 6, 4};
        uint8_t frame[ETH_HDR_LEN + ARP_FRAME_MAX] = {0};
        size_t len = ETH_HDR_LEN + ARP_PKT_LEN;
        uint8_t before[6], after[6];
        struct arp_pkt a;
        bool live;

        memcpy(frame, (ctl & 4) ? eth_broadcast : fz_mac_stack, 6);
        memcpy(frame + 6, fz_mac_peer, 6);
        put16(frame + 12, ETH_TYPE_ARP);
        if ((ctl & 3) == 1) {
                memcpy(frame + ETH_HDR_LEN, fixed, sizeof(fixed));
                memcpy(frame + ETH_HDR_LEN + 6, b, n < ARP_PKT_LEN - 6 ? n : ARP_PKT_LEN - 6);
        } else {
                n = n < ARP_FRAME_MAX ? n : ARP_FRAME_MAX;
                memcpy(frame + ETH_HDR_LEN, b, n);
                len = ETH_HDR_LEN + n;
        }
        if (arp_pkt_parse(frame + ETH_HDR_LEN, len - ETH_HDR_LEN, &a) < 0) {
                fz_link_deliver(f->s, &f->link, frame, len);
                return;
        }
        live = arp_lookup(f->s, a.spa, before) == 0;
        fz_link_deliver(f->s, &f->link, frame, len);
        /* No timer is due during the delivery (the last poll ran them), so an entry can only
         * have changed because of this packet. */
        if (live && a.op == ARP_OP_REPLY && arp_lookup(f->s, a.spa, after) == 0 &&
            memcmp(before, after, 6) != 0)
                fz_fail("an unsolicited reply overwrote the live entry of %08x", a.spa);
        check_entry(f->s, a.spa);
        check_entry(f->s, FZ_ADDR_STACK);
        if (arp_lookup(f->s, FZ_ADDR_STACK, after) == 0)
                fz_fail("our own address was cached");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct fz_in in = {data, size, 0};
        struct arp_fuzz f;

        memset(&f, 0, sizeof(f));
        f.clk.now_us = FZ_START_US;
        f.link.on_tx = check_tx;
        f.s = fz_stack_new(&f.clk, LINK_ETHERNET, &fz_link_ops, &f.link);
        stack_poll(f.s);
        for (int i = 0; i < MAX_RECORDS && fz_left(&in) > 0; i++) {
                uint8_t ctl = fz_u8(&in), arg = fz_u8(&in);
                const uint8_t *b;
                size_t n = fz_bytes(&in, fz_u8(&in) % (ARP_FRAME_MAX + 1), &b);

                switch (ctl & 3) {
                case 0:
                case 1:
                        deliver_arp(&f, ctl, b, n);
                        break;
                case 2:
                        stack_ping_send(f.s, ((ctl & 4) ? 0xc6336400u : 0x0a000000u) | arg, 1,
                                        (uint16_t)i, b, n);
                        stack_poll(f.s);
                        break;
                default:
                        f.clk.now_us += (uint64_t)arg * 100000u;
                        stack_poll(f.s);
                }
        }
        /* Retries give up after three seconds, entries expire after a minute. */
        fz_settle_and_check(f.s, &f.clk, f.clk.now_us + 300u * 1000000u, 1000);
        stack_destroy(f.s);
        return 0;
}

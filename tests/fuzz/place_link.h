/* A link in front of another that reads like an offload TAP (drivers/tap.c): it offers rxv,
 * so TCP's receive placement (docs/DESIGN.md 6) scatters reads into receive rings, and it
 * reports LINK_RX_CSUM_OK for the frames whose TCP or UDP checksum is right, as a host that
 * verified them would. Frames with a wrong checksum get no flag and are checked (and dropped)
 * by the stack as before, so fuzz input means the same with or without this link. */
#ifndef TESTS_FUZZ_PLACE_LINK_H
#define TESTS_FUZZ_PLACE_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "stack/stack.h"

#define PLACE_LINK_FRAME_MAX 2048 /* the simlink's frames are Ethernet, MTU 1500 */

struct place_link {
        const struct link_ops *inner;
        void *inner_ctx;
        unsigned flags; /* of the last frame read */
        uint8_t buf[PLACE_LINK_FRAME_MAX];
};

extern const struct link_ops place_link_ops;

void place_link_init(struct place_link *l, const struct link_ops *inner, void *inner_ctx);

#endif

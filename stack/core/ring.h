/* A byte ring of fixed capacity, allocated once (TCP send and receive buffers). Bytes are
 * appended at the tail and consumed at the head; offsets count from the head. */
#ifndef STACK_CORE_RING_H
#define STACK_CORE_RING_H

#include <stddef.h>
#include <stdint.h>

struct ring {
        uint8_t *buf;
        size_t cap;
        size_t head; /* index of the first byte */
        size_t len;  /* bytes held */
};

/* Allocate cap bytes. Returns 0 or -ENOMEM. */
int ring_init(struct ring *r, size_t cap);
void ring_free(struct ring *r);
static inline size_t
ring_len(const struct ring *r)
{
        return r->len;
}
static inline size_t
ring_space(const struct ring *r)
{
        return r->cap - r->len;
}
/* Append up to n bytes; returns how many fitted. */
size_t ring_write(struct ring *r, const void *src, size_t n);
/* Copy n bytes into the free space at offset off past the tail, without making them part of
 * the ring (out-of-order data; ring_commit adds them later). Returns bytes that fitted. */
size_t ring_write_at(struct ring *r, size_t off, const void *src, size_t n);
/* Count n bytes past the tail (placed by ring_write_at) as held. n <= ring_space. */
void ring_commit(struct ring *r, size_t n);
/* The free space right past the tail, up to max bytes, as at most 2 pieces (it may wrap):
 * where the next bytes written will go, e.g. for a read that lands there directly (then
 * ring_commit). Returns the number of pieces; their lengths sum to min(space, max). */
unsigned ring_free_pieces(const struct ring *r, size_t max, uint8_t *piece[2], size_t len[2]);
/* Copy up to n bytes from offset off (from the head) without consuming; returns copied. */
size_t ring_peek(const struct ring *r, size_t off, void *dst, size_t n);
/* ring_peek that also returns the RFC 1071 sum of the copied bytes (as csum_partial over
 * dst), in the same pass; *copied gets the count. */
uint32_t ring_peek_csum(const struct ring *r, size_t off, void *dst, size_t n, size_t *copied);
/* Copy out and consume up to n bytes; returns how many. */
size_t ring_read(struct ring *r, void *dst, size_t n);
/* Consume n bytes (n <= len). */
void ring_discard(struct ring *r, size_t n);
/* Consume up to n bytes without copying them anywhere; returns how many. */
size_t ring_skip(struct ring *r, size_t n);
static inline void
ring_reset(struct ring *r)
{
        r->head = 0;
        r->len = 0;
}

#endif

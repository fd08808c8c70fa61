/* Fixed-capacity byte ring: two memcpy calls at most per operation. */
#include "stack/core/ring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stack/wire/csum.h"

int
ring_init(struct ring *r, size_t cap)
{
        r->buf = malloc(cap ? cap : 1);
        if (!r->buf)
                return -ENOMEM;
        r->cap = cap;
        r->head = 0;
        r->len = 0;
        return 0;
}

void
ring_free(struct ring *r)
{
        free(r->buf);
        r->buf = NULL;
        r->cap = r->head = r->len = 0;
}

/* n bytes at absolute position at (mod cap) lie in at most two pieces: *first bytes from
 * the returned offset, the rest from the start of the buffer. */
static size_t
ring_split(const struct ring *r, size_t at, size_t n, size_t *first)
{
        size_t pos = at % r->cap;

        *first = r->cap - pos < n ? r->cap - pos : n;
        return pos;
}

/* How many of n bytes from offset off (from the head) the ring holds. */
static size_t
ring_held_from(const struct ring *r, size_t off, size_t n)
{
        if (off >= r->len)
                return 0;
        return n < r->len - off ? n : r->len - off;
}

/* Copy n bytes into the ring starting at absolute position pos (mod cap). */
static void
ring_put(struct ring *r, size_t pos, const uint8_t *src, size_t n)
{
        size_t first;

        pos = ring_split(r, pos, n, &first);
        memcpy(r->buf + pos, src, first);
        memcpy(r->buf, src + first, n - first);
}

size_t
ring_write_at(struct ring *r, size_t off, const void *src, size_t n)
{
        size_t space = ring_space(r);

        if (r->cap == 0 || off >= space)
                return 0;
        if (n > space - off)
                n = space - off;
        ring_put(r, r->head + r->len + off, src, n);
        return n;
}

size_t
ring_write(struct ring *r, const void *src, size_t n)
{
        n = ring_write_at(r, 0, src, n);
        r->len += n;
        return n;
}

void
ring_commit(struct ring *r, size_t n)
{
        r->len += n <= ring_space(r) ? n : ring_space(r);
}

unsigned
ring_free_pieces(const struct ring *r, size_t max, uint8_t *piece[2], size_t len[2])
{
        size_t n = ring_space(r) < max ? ring_space(r) : max;
        size_t pos, first;

        if (r->cap == 0 || n == 0)
                return 0;
        pos = ring_split(r, r->head + r->len, n, &first);
        piece[0] = r->buf + pos;
        len[0] = first;
        piece[1] = r->buf;
        len[1] = n - first;
        return len[1] ? 2u : 1u;
}

size_t
ring_peek(const struct ring *r, size_t off, void *dst, size_t n)
{
        size_t pos, first;

        n = ring_held_from(r, off, n);
        if (n == 0)
                return 0;
        pos = ring_split(r, r->head + off, n, &first);
        memcpy(dst, r->buf + pos, first);
        memcpy((uint8_t *)dst + first, r->buf, n - first);
        return n;
}

uint32_t
ring_peek_csum(const struct ring *r, size_t off, void *dst, size_t n, size_t *copied)
{
        size_t pos, first;
        uint32_t sum, rest;

        *copied = 0;
        n = ring_held_from(r, off, n);
        if (n == 0)
                return 0;
        pos = ring_split(r, r->head + off, n, &first);
        sum = csum_copy(dst, r->buf + pos, first, 0);
        *copied = n;
        if (first == n)
                return sum;
        rest = csum_copy((uint8_t *)dst + first, r->buf, n - first, 0);
        /* RFC 1071 2(B): the second piece starts at an odd offset when the first is odd. */
        return csum_add(sum, (first & 1) ? csum_swap(rest) : rest);
}

void
ring_discard(struct ring *r, size_t n)
{
        if (n > r->len)
                n = r->len;
        if (n == 0)
                return;
        /* The head only moves forward: out-of-order bytes placed past the tail by
         * ring_write_at stay where they are. */
        r->len -= n;
        r->head = (r->head + n) % r->cap;
}

size_t
ring_skip(struct ring *r, size_t n)
{
        if (n > r->len)
                n = r->len;
        ring_discard(r, n);
        return n;
}

size_t
ring_read(struct ring *r, void *dst, size_t n)
{
        n = ring_peek(r, 0, dst, n);
        ring_discard(r, n);
        return n;
}

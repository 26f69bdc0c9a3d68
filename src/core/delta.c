#include "delta.h"

#include <string.h>

#include "ota/ota.h"

#define WINDOW (1u << OTA_DELTA_WINDOW_LOG_MAX)

/* The integrator reserves OTA_DELTA_STATE_SIZE bytes (ota.h) for it. */
typedef char ota_delta_state_fits[sizeof(struct ota_delta_dec) <= OTA_DELTA_STATE_SIZE ? 1 : -1];

/* ---- range decoder ------------------------------------------------------ */

static uint8_t next_byte(struct ota_delta_dec *d)
{
    if (d->in_pos < d->in_len)
        return d->in[d->in_pos++];
    d->starved = 1; /* only possible at the end: finish reports it */
    return 0;
}

static unsigned bit(struct ota_delta_dec *d, uint16_t *p)
{
    uint32_t bound = (d->range >> OTA_RC_BITS) * *p;
    unsigned b;

    if (d->code < bound) {
        d->range = bound;
        *p = (uint16_t)(*p + ((OTA_RC_ONE - *p) >> OTA_RC_MOVE));
        b = 0;
    } else {
        d->range -= bound;
        d->code -= bound;
        *p = (uint16_t)(*p - (*p >> OTA_RC_MOVE));
        b = 1;
    }
    while (d->range < OTA_RC_TOP) {
        d->range <<= 8;
        d->code = (d->code << 8) | next_byte(d);
    }
    return b;
}

static uint32_t raw_bits(struct ota_delta_dec *d, unsigned n)
{
    uint32_t v = 0;

    while (n--) {
        uint32_t b;
        d->range >>= 1;
        b = d->code >= d->range;
        if (b)
            d->code -= d->range;
        v = (v << 1) | b;
        while (d->range < OTA_RC_TOP) {
            d->range <<= 8;
            d->code = (d->code << 8) | next_byte(d);
        }
    }
    return v;
}

static unsigned tree(struct ota_delta_dec *d, uint16_t *p, unsigned bits)
{
    unsigned m = 1, i;

    for (i = 0; i < bits; i++)
        m = (m << 1) | bit(d, &p[m]);
    return m - (1u << bits);
}

static unsigned reverse_tree(struct ota_delta_dec *d, uint16_t *p, unsigned bits)
{
    unsigned m = 1, v = 0, i;

    for (i = 0; i < bits; i++) {
        unsigned b = bit(d, &p[m]);
        m = (m << 1) | b;
        v |= b << i;
    }
    return v;
}

/* ---- header ---------------------------------------------------------------- */

/* A LEB128 integer of at most 5 bytes, below 2^32. 1 when read, 0 when
 * the input ends first, -1 when malformed. */
static int varint(const uint8_t *p, size_t n, size_t *at, uint64_t *out)
{
    uint64_t v = 0;
    unsigned shift;

    for (shift = 0; shift < 35; shift += 7) {
        uint8_t b;
        if (*at >= n)
            return 0;
        b = p[(*at)++];
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return v > OTA_DELTA_SPACE_MAX ? -1 : 1;
        }
    }
    return -1;
}

/* 1 when the header is complete (d->in_pos after it), 0 when more input
 * is needed, or OTA_ERR_DELTA. */
static int parse_header(struct ota_delta_dec *d)
{
    struct ota_delta_header *h = &d->h;
    size_t at = 3, n = d->in_len;
    uint64_t total;
    unsigned i;
    int r;

    if (n < 3)
        return memcmp(d->in, OTA_DELTA_MAGIC, n) == 0 ? 0 : OTA_ERR_DELTA;
    h->lc = (d->in[2] >> 3) & 3u;
    h->window_log = (d->in[2] & 7u) + 8u;
    if (memcmp(d->in, OTA_DELTA_MAGIC, 2) != 0 || d->in[2] >> 5 != OTA_DELTA_VERSION ||
        h->lc > OTA_DELTA_LC_MAX || h->window_log > OTA_DELTA_WINDOW_LOG_MAX)
        return OTA_ERR_DELTA;
    r = varint(d->in, n, &at, &h->new_size);
    if (r <= 0)
        return r < 0 ? OTA_ERR_DELTA : 0;
    if (at + OTA_DELTA_ID_LEN + 1 > n)
        return 0;
    memcpy(h->new_id, d->in + at, OTA_DELTA_ID_LEN);
    h->source_count = d->in[at + OTA_DELTA_ID_LEN];
    at += OTA_DELTA_ID_LEN + 1;
    if (h->new_size > OTA_DELTA_SIZE_MAX || h->source_count > OTA_DELTA_SOURCES_MAX)
        return OTA_ERR_DELTA;
    total = h->new_size;
    for (i = 0; i < h->source_count; i++) {
        r = varint(d->in, n, &at, &h->source_size[i]);
        if (r <= 0)
            return r < 0 ? OTA_ERR_DELTA : 0;
        if (at + OTA_DELTA_ID_LEN > n)
            return 0;
        memcpy(h->source_id[i], d->in + at, OTA_DELTA_ID_LEN);
        at += OTA_DELTA_ID_LEN;
        total += h->source_size[i];
        if (h->source_size[i] > OTA_DELTA_SIZE_MAX || total > OTA_DELTA_SPACE_MAX)
            return OTA_ERR_DELTA;
    }
    d->src_total = total - h->new_size;
    d->in_pos = at;
    return 1;
}

/* ---- output and references -------------------------------------------------- */

static int put(struct ota_delta_dec *d, uint8_t b)
{
    d->window[d->out_pos & (WINDOW - 1)] = b;
    d->out_pos++;
    d->prev_byte = b;
    if ((d->out_pos & (OTA_DELTA_FLUSH - 1)) != 0)
        return OTA_OK;
    d->flushed = d->out_pos;
    return d->io.write(d->io.arg, d->window + ((d->out_pos - OTA_DELTA_FLUSH) & (WINDOW - 1)),
                       OTA_DELTA_FLUSH);
}

/* The source holding virtual address a: its index, and in *base where
 * it starts. */
static unsigned source_of(const struct ota_delta_dec *d, uint64_t a, uint64_t *base)
{
    unsigned i = 0;

    *base = 0;
    while (a >= *base + d->h.source_size[i]) {
        *base += d->h.source_size[i];
        i++;
    }
    return i;
}

/* The source byte at virtual address a (< src_total), through the cache. */
static int source_byte(struct ota_delta_dec *d, uint64_t a, uint8_t *out)
{
    if (a < d->cache_at || a >= d->cache_at + d->cache_len) {
        uint64_t base, left;
        unsigned i = source_of(d, a, &base);
        size_t n = OTA_DELTA_CACHE;
        int err;
        left = base + d->h.source_size[i] - a;
        if (left < n)
            n = (size_t)left;
        d->cache_len = 0;
        err = d->io.read_source(d->io.arg, i, a - base, d->cache, n);
        if (err != OTA_OK)
            return err;
        d->cache_at = a;
        d->cache_len = n;
    }
    *out = d->cache[a - d->cache_at];
    return OTA_OK;
}

/* Is distance dist + 1 a valid reference, for len bytes? */
static int reference_ok(const struct ota_delta_dec *d, uint32_t dist, uint64_t len)
{
    uint64_t back = (uint64_t)dist + 1, cur = d->src_total + d->out_pos, a, base;
    unsigned i;

    if (back > cur || len > d->h.new_size - d->out_pos)
        return 0;
    if (back <= d->out_pos) /* within the output: kept in the window */
        return back <= (1u << d->h.window_log);
    a = cur - back;
    i = source_of(d, a, &base);
    return a + len <= base + d->h.source_size[i]; /* never across a source's end */
}

/* The byte dist + 1 back (already checked). */
static int byte_back(struct ota_delta_dec *d, uint32_t dist, uint8_t *out)
{
    uint64_t back = (uint64_t)dist + 1;

    if (back <= d->out_pos) {
        *out = d->window[(d->out_pos - back) & (WINDOW - 1)];
        return OTA_OK;
    }
    return source_byte(d, d->src_total + d->out_pos - back, out);
}

/* Copies what is left of the current match. */
static int copy(struct ota_delta_dec *d)
{
    while (d->copy_left > 0) {
        uint8_t b;
        int err = byte_back(d, d->copy_dist, &b);
        if (err == OTA_OK)
            err = put(d, b);
        if (err != OTA_OK)
            return err;
        d->copy_left--;
    }
    return OTA_OK;
}

/* ---- packets ------------------------------------------------------------------ */

static int literal(struct ota_delta_dec *d)
{
    uint16_t *p = d->probs + OTA_P_LITERAL +
                  0x300u * (unsigned)(d->prev_byte >> (8 - d->h.lc));
    unsigned sym = 1;

    if (d->state >= 7 && reference_ok(d, d->rep[0], 1)) {
        /* after a match, the byte the last distance points at (when it
         * still points at one) predicts this one bit by bit, until they
         * differ */
        uint8_t match;
        int err = byte_back(d, d->rep[0], &match);
        if (err != OTA_OK)
            return err;
        do {
            unsigned mb = (match >> 7) & 1u, b;
            match = (uint8_t)(match << 1);
            b = bit(d, &p[((1u + mb) << 8) + sym]);
            sym = (sym << 1) | b;
            if (b != mb)
                break;
        } while (sym < 0x100);
    }
    while (sym < 0x100)
        sym = (sym << 1) | bit(d, &p[sym]);
    d->state = OTA_DELTA_AFTER_LITERAL(d->state);
    return put(d, (uint8_t)sym);
}

static uint64_t length(struct ota_delta_dec *d, uint16_t *p, unsigned pos_state)
{
    unsigned v, n;

    if (!bit(d, &p[OTA_L_CHOICE]))
        return OTA_DELTA_LEN_MIN + tree(d, p + OTA_L_LOW + pos_state * OTA_DELTA_LEN_LOW, 3);
    if (!bit(d, &p[OTA_L_CHOICE2]))
        return OTA_DELTA_LEN_MIN + OTA_DELTA_LEN_LOW +
               tree(d, p + OTA_L_MID + pos_state * OTA_DELTA_LEN_MID, 3);
    v = tree(d, p + OTA_L_HIGH, 8);
    if (v < OTA_DELTA_LEN_HIGH - 1)
        return OTA_DELTA_LEN_MIN + 16 + v;
    n = tree(d, p + OTA_L_EXT, OTA_DELTA_LEN_EXT_BITS);
    return OTA_DELTA_LEN_LONG + ((1u << n) - 1u) + raw_bits(d, n);
}

static uint32_t distance(struct ota_delta_dec *d, uint64_t len)
{
    unsigned len_state = len - OTA_DELTA_LEN_MIN < OTA_DELTA_DIST_STATES - 1
                             ? (unsigned)(len - OTA_DELTA_LEN_MIN)
                             : OTA_DELTA_DIST_STATES - 1;
    unsigned slot = tree(d, d->probs + OTA_P_POS_SLOT + (len_state << OTA_DELTA_SLOT_BITS),
                         OTA_DELTA_SLOT_BITS);
    unsigned direct;
    uint32_t dist;

    if (slot < 4)
        return slot;
    direct = (slot >> 1) - 1;
    dist = (2u | (slot & 1u)) << direct;
    if (slot < OTA_DELTA_END_SLOT)
        return dist + reverse_tree(d, d->probs + OTA_P_POS_SPEC + dist - slot, direct);
    dist += raw_bits(d, direct - OTA_DELTA_ALIGN_BITS) << OTA_DELTA_ALIGN_BITS;
    return dist + reverse_tree(d, d->probs + OTA_P_ALIGN, OTA_DELTA_ALIGN_BITS);
}

/* A repeat: which of the last distances, moved to the front. 1 for the
 * one-byte repeat of the last. */
static int pick_rep(struct ota_delta_dec *d, unsigned pos_state)
{
    uint32_t dist;
    unsigned s = d->state;

    if (!bit(d, &d->probs[OTA_P_IS_REP_G0 + s])) {
        if (!bit(d, &d->probs[OTA_P_IS_REP0_LONG + s * OTA_DELTA_POS_STATES + pos_state]))
            return 1;
        return 0;
    }
    if (!bit(d, &d->probs[OTA_P_IS_REP_G1 + s])) {
        dist = d->rep[1];
    } else {
        if (!bit(d, &d->probs[OTA_P_IS_REP_G2 + s])) {
            dist = d->rep[2];
        } else {
            dist = d->rep[3];
            d->rep[3] = d->rep[2];
        }
        d->rep[2] = d->rep[1];
    }
    d->rep[1] = d->rep[0];
    d->rep[0] = dist;
    return 0;
}

static int packet(struct ota_delta_dec *d)
{
    unsigned pos_state = (unsigned)(d->out_pos & (OTA_DELTA_POS_STATES - 1));
    unsigned s = d->state;
    uint64_t len;

    if (!bit(d, &d->probs[OTA_P_IS_MATCH + s * OTA_DELTA_POS_STATES + pos_state]))
        return literal(d);
    if (!bit(d, &d->probs[OTA_P_IS_REP + s])) {
        d->rep[3] = d->rep[2];
        d->rep[2] = d->rep[1];
        d->rep[1] = d->rep[0];
        len = length(d, d->probs + OTA_P_LEN_MATCH, pos_state);
        d->rep[0] = distance(d, len);
        d->state = OTA_DELTA_AFTER_MATCH(s);
    } else if (pick_rep(d, pos_state)) {
        len = 1;
        d->state = OTA_DELTA_AFTER_SHORT_REP(s);
    } else {
        len = length(d, d->probs + OTA_P_LEN_REP, pos_state);
        d->state = OTA_DELTA_AFTER_REP(s);
    }
    if (!reference_ok(d, d->rep[0], len))
        return OTA_ERR_DELTA;
    d->copy_dist = d->rep[0];
    d->copy_left = len;
    return copy(d);
}

/* ---- driving ---------------------------------------------------------------- */

void ota_delta_init(struct ota_delta_dec *d, const struct ota_delta_io *io)
{
    size_t i;

    /* everything but the big buffers, which need no clearing */
    memset(d, 0, offsetof(struct ota_delta_dec, window));
    d->flushed = 0;
    d->cache_at = 0;
    d->cache_len = 0;
    d->io = *io;
    d->range = 0xffffffffu;
    for (i = 0; i < OTA_DELTA_PROBS; i++)
        d->probs[i] = OTA_RC_ONE / 2;
}

/* Decodes what the buffered input allows: with more input to come, only
 * packets whose every byte is surely there. */
static int decode(struct ota_delta_dec *d)
{
    int err = OTA_OK;

    if (!d->header_done) {
        err = parse_header(d);
        if (err <= 0)
            return err;
        d->header_done = 1;
        err = OTA_OK;
    }
    if (!d->rc_ready) {
        /* the coder starts with 4 bytes (the encoder's first, always
         * zero, is not sent) */
        if (d->in_len - d->in_pos < 4 && !d->final)
            return OTA_OK;
        d->code = (uint32_t)next_byte(d) << 24;
        d->code |= (uint32_t)next_byte(d) << 16;
        d->code |= (uint32_t)next_byte(d) << 8;
        d->code |= next_byte(d);
        d->rc_ready = 1;
    }
    while (err == OTA_OK && d->out_pos < d->h.new_size &&
           (d->final || d->in_len - d->in_pos >= OTA_DELTA_PACKET_MAX))
        err = packet(d);
    return err;
}

static void compact(struct ota_delta_dec *d)
{
    if (!d->header_done)
        return; /* the header is parsed from the start of the buffer */
    memmove(d->in, d->in + d->in_pos, d->in_len - d->in_pos);
    d->in_len -= d->in_pos;
    d->in_pos = 0;
}

int ota_delta_feed(struct ota_delta_dec *d, const uint8_t *data, size_t len)
{
    int err = d->failed;

    while (err == OTA_OK && len > 0) {
        size_t n = sizeof d->in - d->in_len;
        if (n == 0) { /* no progress on a full buffer: bytes after the end */
            err = OTA_ERR_DELTA;
            break;
        }
        if (n > len)
            n = len;
        memcpy(d->in + d->in_len, data, n);
        d->in_len += n;
        data += n;
        len -= n;
        err = decode(d);
        if (err == OTA_OK && !d->header_done && d->in_len == sizeof d->in)
            err = OTA_ERR_DELTA; /* longer than any header */
        compact(d);
    }
    d->failed = err;
    return err;
}

int ota_delta_finish(struct ota_delta_dec *d)
{
    int err = d->failed;

    d->final = 1;
    if (err == OTA_OK)
        err = decode(d);
    if (err == OTA_OK && (!d->header_done || d->starved || d->out_pos != d->h.new_size ||
                          d->in_pos != d->in_len || d->code != 0))
        err = OTA_ERR_DELTA; /* truncated, or bytes after the end */
    if (err == OTA_OK && d->out_pos > d->flushed)
        err = d->io.write(d->io.arg, d->window + (d->flushed & (WINDOW - 1)),
                          (size_t)(d->out_pos - d->flushed));
    d->failed = err;
    return err;
}

#include "delta_encode.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delta_format.h"
#include "sha1.h"

#define HASH_BITS 20
#define NO_POS UINT32_MAX
#define PRICE_SHIFT 4 /* prices in 1/16 bit */
#define MATCH_LEN_MAX (1u << 30)

/* ---- range encoder ------------------------------------------------------ */

struct out_buf {
    uint8_t *p;
    size_t len, cap;
};

static void out_byte(struct out_buf *o, uint8_t b)
{
    if (o->len == o->cap) {
        o->cap = o->cap ? o->cap * 2 : 4096;
        o->p = realloc(o->p, o->cap);
        if (!o->p) {
            perror("ota delta");
            exit(1);
        }
    }
    o->p[o->len++] = b;
}

struct rc {
    uint64_t low;
    uint32_t range;
    uint8_t cache;
    uint64_t cache_size;
    int started;
    struct out_buf out;
};

static void rc_shift_low(struct rc *rc)
{
    if ((uint32_t)rc->low < 0xff000000u || (rc->low >> 32) != 0) {
        uint8_t carry = (uint8_t)(rc->low >> 32);
        uint8_t b = rc->cache;
        do {
            /* the very first byte is always zero: not sent */
            if (rc->started)
                out_byte(&rc->out, (uint8_t)(b + carry));
            rc->started = 1;
            b = 0xff;
        } while (--rc->cache_size != 0);
        rc->cache = (uint8_t)(rc->low >> 24);
    }
    rc->cache_size++;
    rc->low = (rc->low & 0x00ffffffu) << 8;
}

static void rc_bit(struct rc *rc, uint16_t *p, unsigned bit)
{
    uint32_t bound = (rc->range >> OTA_RC_BITS) * *p;

    if (!bit) {
        rc->range = bound;
        *p = (uint16_t)(*p + ((OTA_RC_ONE - *p) >> OTA_RC_MOVE));
    } else {
        rc->low += bound;
        rc->range -= bound;
        *p = (uint16_t)(*p - (*p >> OTA_RC_MOVE));
    }
    while (rc->range < OTA_RC_TOP) {
        rc->range <<= 8;
        rc_shift_low(rc);
    }
}

static void rc_raw(struct rc *rc, uint32_t v, unsigned n)
{
    while (n--) {
        rc->range >>= 1;
        if ((v >> n) & 1u)
            rc->low += rc->range;
        while (rc->range < OTA_RC_TOP) {
            rc->range <<= 8;
            rc_shift_low(rc);
        }
    }
}

static void rc_tree(struct rc *rc, uint16_t *p, unsigned bits, unsigned v)
{
    unsigned m = 1;

    while (bits--) {
        unsigned b = (v >> bits) & 1u;
        rc_bit(rc, &p[m], b);
        m = (m << 1) | b;
    }
}

static void rc_reverse_tree(struct rc *rc, uint16_t *p, unsigned bits, unsigned v)
{
    unsigned m = 1, i;

    for (i = 0; i < bits; i++) {
        unsigned b = (v >> i) & 1u;
        rc_bit(rc, &p[m], b);
        m = (m << 1) | b;
    }
}

static void rc_flush(struct rc *rc)
{
    int i;

    for (i = 0; i < 5; i++)
        rc_shift_low(rc);
}

/* ---- prices: what a bit costs under a model now, in 1/16 bit ------------ */

static uint32_t price_table[OTA_RC_ONE >> PRICE_SHIFT];

static void init_prices(void)
{
    unsigned i;

    for (i = 0; i < OTA_RC_ONE >> PRICE_SHIFT; i++) {
        double p = ((double)(i << PRICE_SHIFT) + 8.0) / OTA_RC_ONE;
        price_table[i] = (uint32_t)(-log2(p) * 16.0 + 0.5);
    }
}

static uint32_t price_bit(uint16_t p, unsigned bit)
{
    return price_table[(bit ? OTA_RC_ONE - p : p) >> PRICE_SHIFT];
}

static uint32_t price_tree(const uint16_t *p, unsigned bits, unsigned v)
{
    uint32_t price = 0;
    unsigned m = 1;

    while (bits--) {
        unsigned b = (v >> bits) & 1u;
        price += price_bit(p[m], b);
        m = (m << 1) | b;
    }
    return price;
}

static uint32_t price_reverse_tree(const uint16_t *p, unsigned bits, unsigned v)
{
    uint32_t price = 0;
    unsigned m = 1, i;

    for (i = 0; i < bits; i++) {
        unsigned b = (v >> i) & 1u;
        price += price_bit(p[m], b);
        m = (m << 1) | b;
    }
    return price;
}

/* ---- the encoder ------------------------------------------------------------ */

struct enc {
    const struct delta_options *o;
    struct rc rc;
    uint16_t probs[OTA_DELTA_PROBS];
    unsigned lc;
    unsigned state;
    uint32_t rep[4];
    /* the virtual space: sources, then the target */
    uint8_t *v;
    size_t src_total, total;
    size_t src_end_of[OTA_DELTA_SOURCES_MAX]; /* where each source ends */
    unsigned source_count;
    uint32_t *head, *prev;
    size_t inserted; /* positions in the hash chains so far */
    uint32_t window;
    uint32_t lit_price_avg; /* running average of a literal's price */
};

static uint32_t hash4(const uint8_t *p)
{
    uint32_t x = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                 (uint32_t)p[3] << 24;
    return (x * 2654435761u) >> (32 - HASH_BITS);
}

static void insert_upto(struct enc *e, size_t end)
{
    for (; e->inserted < end && e->inserted + 4 <= e->total; e->inserted++) {
        uint32_t h = hash4(e->v + e->inserted);
        e->prev[e->inserted] = e->head[h];
        e->head[h] = (uint32_t)e->inserted;
    }
}

/* How far a match from q may reach: the end of q's source, or for the
 * target, the end of everything. */
static size_t reach_of(const struct enc *e, size_t q)
{
    unsigned i;

    for (i = 0; i < e->source_count; i++)
        if (q < e->src_end_of[i])
            return e->src_end_of[i];
    return e->total;
}

/* Whether the byte back from p can be referenced (the decoder's rule). */
static int reachable(const struct enc *e, size_t p, size_t back)
{
    return back <= p && !(p - back >= e->src_total && back > e->window);
}

/* A literal after a match is predicted by the byte at the last distance,
 * when there is one there. */
static int matched_literal(const struct enc *e, size_t p, unsigned state, uint32_t rep0)
{
    return state >= 7 && reachable(e, p, (size_t)rep0 + 1);
}

/* Length of the match at distance back from virtual position p. */
static size_t match_len(const struct enc *e, size_t p, size_t back, size_t limit)
{
    size_t q, end, n = 0;

    if (back == 0 || !reachable(e, p, back))
        return 0;
    q = p - back;
    end = reach_of(e, q) - q;
    if (limit > end)
        limit = end;
    while (n < limit && e->v[q + n] == e->v[p + n])
        n++;
    return n;
}

static unsigned pos_state(const struct enc *e, size_t p)
{
    return (unsigned)((p - e->src_total) & (OTA_DELTA_POS_STATES - 1));
}

static uint16_t *literal_probs(struct enc *e, size_t p)
{
    uint8_t prev = p > e->src_total ? e->v[p - 1] : 0;

    return e->probs + OTA_P_LITERAL + 0x300u * (unsigned)(prev >> (8 - e->lc));
}

static uint32_t price_literal(struct enc *e, size_t p, unsigned state, uint32_t rep0)
{
    const uint16_t *probs = literal_probs(e, p);
    unsigned sym = 1, byte = e->v[p], i;
    uint32_t price = price_bit(e->probs[OTA_P_IS_MATCH + state * OTA_DELTA_POS_STATES +
                                        pos_state(e, p)], 0);

    if (matched_literal(e, p, state, rep0)) {
        unsigned match = e->v[p - rep0 - 1];
        for (i = 8; i-- > 0;) {
            unsigned mb = (match >> i) & 1u, b = (byte >> i) & 1u;
            price += price_bit(probs[((1u + mb) << 8) + sym], b);
            sym = (sym << 1) | b;
            if (mb != b)
                break;
        }
        if (sym >= 0x100)
            return price;
        while (i-- > 0) {
            unsigned b = (byte >> i) & 1u;
            price += price_bit(probs[sym], b);
            sym = (sym << 1) | b;
        }
        return price;
    }
    return price + price_tree(probs, 8, byte);
}

static void encode_literal(struct enc *e, size_t p)
{
    uint16_t *probs = literal_probs(e, p);
    unsigned sym = 1, byte = e->v[p], i;

    rc_bit(&e->rc, &e->probs[OTA_P_IS_MATCH + e->state * OTA_DELTA_POS_STATES + pos_state(e, p)],
           0);
    if (matched_literal(e, p, e->state, e->rep[0])) {
        unsigned match = e->v[p - e->rep[0] - 1];
        for (i = 8; i-- > 0;) {
            unsigned mb = (match >> i) & 1u, b = (byte >> i) & 1u;
            rc_bit(&e->rc, &probs[((1u + mb) << 8) + sym], b);
            sym = (sym << 1) | b;
            if (mb != b)
                break;
        }
        while (sym < 0x100) {
            unsigned b = (byte >> (--i)) & 1u;
            rc_bit(&e->rc, &probs[sym], b);
            sym = (sym << 1) | b;
        }
    } else {
        rc_tree(&e->rc, probs, 8, byte);
    }
    e->state = OTA_DELTA_AFTER_LITERAL(e->state);
}

/* Lengths: 2-9, 10-17, 18-272 in models, longer as a bit count and raw
 * bits. */
static unsigned ext_bits(size_t len)
{
    size_t ext = len - OTA_DELTA_LEN_LONG;
    unsigned n = 0;

    while (((size_t)2 << n) - 1 <= ext)
        n++;
    return n;
}

static uint32_t price_len(const uint16_t *p, size_t len, unsigned ps)
{
    size_t l = len - OTA_DELTA_LEN_MIN;

    if (l < OTA_DELTA_LEN_LOW)
        return price_bit(p[OTA_L_CHOICE], 0) +
               price_tree(p + OTA_L_LOW + ps * OTA_DELTA_LEN_LOW, 3, (unsigned)l);
    if (l < 16)
        return price_bit(p[OTA_L_CHOICE], 1) + price_bit(p[OTA_L_CHOICE2], 0) +
               price_tree(p + OTA_L_MID + ps * OTA_DELTA_LEN_MID, 3, (unsigned)l - 8);
    if (len <= OTA_DELTA_LEN_SHORT_MAX)
        return price_bit(p[OTA_L_CHOICE], 1) + price_bit(p[OTA_L_CHOICE2], 1) +
               price_tree(p + OTA_L_HIGH, 8, (unsigned)l - 16);
    return price_bit(p[OTA_L_CHOICE], 1) + price_bit(p[OTA_L_CHOICE2], 1) +
           price_tree(p + OTA_L_HIGH, 8, 255) +
           price_tree(p + OTA_L_EXT, OTA_DELTA_LEN_EXT_BITS, ext_bits(len)) +
           (ext_bits(len) << PRICE_SHIFT);
}

static void encode_len(struct enc *e, uint16_t *p, size_t len, unsigned ps)
{
    size_t l = len - OTA_DELTA_LEN_MIN;

    if (l < OTA_DELTA_LEN_LOW) {
        rc_bit(&e->rc, &p[OTA_L_CHOICE], 0);
        rc_tree(&e->rc, p + OTA_L_LOW + ps * OTA_DELTA_LEN_LOW, 3, (unsigned)l);
        return;
    }
    rc_bit(&e->rc, &p[OTA_L_CHOICE], 1);
    if (l < 16) {
        rc_bit(&e->rc, &p[OTA_L_CHOICE2], 0);
        rc_tree(&e->rc, p + OTA_L_MID + ps * OTA_DELTA_LEN_MID, 3, (unsigned)l - 8);
        return;
    }
    rc_bit(&e->rc, &p[OTA_L_CHOICE2], 1);
    if (len <= OTA_DELTA_LEN_SHORT_MAX) {
        rc_tree(&e->rc, p + OTA_L_HIGH, 8, (unsigned)l - 16);
    } else {
        unsigned n = ext_bits(len);
        rc_tree(&e->rc, p + OTA_L_HIGH, 8, 255);
        rc_tree(&e->rc, p + OTA_L_EXT, OTA_DELTA_LEN_EXT_BITS, n);
        rc_raw(&e->rc, (uint32_t)(len - OTA_DELTA_LEN_LONG - (((size_t)1 << n) - 1)), n);
    }
}

static unsigned dist_slot(uint32_t d)
{
    unsigned n = 31;

    if (d < 4)
        return d;
    while (!(d >> n))
        n--;
    return 2 * n + ((d >> (n - 1)) & 1u);
}

static unsigned len_state(size_t len)
{
    return len - OTA_DELTA_LEN_MIN < OTA_DELTA_DIST_STATES - 1 ? (unsigned)(len - OTA_DELTA_LEN_MIN)
                                                               : OTA_DELTA_DIST_STATES - 1;
}

static uint32_t price_dist(const struct enc *e, uint32_t d, size_t len)
{
    unsigned slot = dist_slot(d), direct;
    uint32_t base, price = price_tree(e->probs + OTA_P_POS_SLOT +
                                          (len_state(len) << OTA_DELTA_SLOT_BITS),
                                      OTA_DELTA_SLOT_BITS, slot);

    if (slot < 4)
        return price;
    direct = (slot >> 1) - 1;
    base = (2u | (slot & 1u)) << direct;
    if (slot < OTA_DELTA_END_SLOT)
        return price + price_reverse_tree(e->probs + OTA_P_POS_SPEC + base - slot, direct, d - base);
    return price + ((direct - OTA_DELTA_ALIGN_BITS) << PRICE_SHIFT) +
           price_reverse_tree(e->probs + OTA_P_ALIGN, OTA_DELTA_ALIGN_BITS, (d - base) & 15u);
}

static void encode_dist(struct enc *e, uint32_t d, size_t len)
{
    unsigned slot = dist_slot(d), direct;
    uint32_t base;

    rc_tree(&e->rc, e->probs + OTA_P_POS_SLOT + (len_state(len) << OTA_DELTA_SLOT_BITS),
            OTA_DELTA_SLOT_BITS, slot);
    if (slot < 4)
        return;
    direct = (slot >> 1) - 1;
    base = (2u | (slot & 1u)) << direct;
    if (slot < OTA_DELTA_END_SLOT) {
        rc_reverse_tree(&e->rc, e->probs + OTA_P_POS_SPEC + base - slot, direct, d - base);
        return;
    }
    rc_raw(&e->rc, (d - base) >> OTA_DELTA_ALIGN_BITS, direct - OTA_DELTA_ALIGN_BITS);
    rc_reverse_tree(&e->rc, e->probs + OTA_P_ALIGN, OTA_DELTA_ALIGN_BITS, (d - base) & 15u);
}

/* One choice at a position: a literal (len 0), a new match (rep_index -1),
 * a repeated distance (0-3), or the one-byte repeat (len 1, index 0). */
struct choice {
    size_t len;
    uint32_t dist; /* distance minus one */
    int rep_index;
    uint32_t price;
};

static uint32_t price_choice(const struct enc *e, size_t p, unsigned s, const struct choice *c)
{
    unsigned ps = pos_state(e, p);
    uint32_t price = price_bit(e->probs[OTA_P_IS_MATCH + s * OTA_DELTA_POS_STATES + ps], 1);

    if (c->rep_index < 0)
        return price + price_bit(e->probs[OTA_P_IS_REP + s], 0) +
               price_len(e->probs + OTA_P_LEN_MATCH, c->len, ps) + price_dist(e, c->dist, c->len);
    price += price_bit(e->probs[OTA_P_IS_REP + s], 1);
    if (c->rep_index == 0) {
        price += price_bit(e->probs[OTA_P_IS_REP_G0 + s], 0) +
                 price_bit(e->probs[OTA_P_IS_REP0_LONG + s * OTA_DELTA_POS_STATES + ps],
                           c->len > 1);
        if (c->len == 1)
            return price;
    } else {
        price += price_bit(e->probs[OTA_P_IS_REP_G0 + s], 1);
        if (c->rep_index == 1) {
            price += price_bit(e->probs[OTA_P_IS_REP_G1 + s], 0);
        } else {
            price += price_bit(e->probs[OTA_P_IS_REP_G1 + s], 1) +
                     price_bit(e->probs[OTA_P_IS_REP_G2 + s], c->rep_index == 3);
        }
    }
    return price + price_len(e->probs + OTA_P_LEN_REP, c->len, ps);
}

static void encode_choice(struct enc *e, size_t p, const struct choice *c)
{
    unsigned s = e->state, ps = pos_state(e, p);

    rc_bit(&e->rc, &e->probs[OTA_P_IS_MATCH + s * OTA_DELTA_POS_STATES + ps], 1);
    if (c->rep_index < 0) {
        rc_bit(&e->rc, &e->probs[OTA_P_IS_REP + s], 0);
        encode_len(e, e->probs + OTA_P_LEN_MATCH, c->len, ps);
        encode_dist(e, c->dist, c->len);
        memmove(e->rep + 1, e->rep, 3 * sizeof e->rep[0]);
        e->rep[0] = c->dist;
        e->state = OTA_DELTA_AFTER_MATCH(s);
        return;
    }
    rc_bit(&e->rc, &e->probs[OTA_P_IS_REP + s], 1);
    if (c->rep_index == 0) {
        rc_bit(&e->rc, &e->probs[OTA_P_IS_REP_G0 + s], 0);
        rc_bit(&e->rc, &e->probs[OTA_P_IS_REP0_LONG + s * OTA_DELTA_POS_STATES + ps], c->len > 1);
        if (c->len == 1) {
            e->state = OTA_DELTA_AFTER_SHORT_REP(s);
            return;
        }
    } else {
        uint32_t d = e->rep[c->rep_index];
        rc_bit(&e->rc, &e->probs[OTA_P_IS_REP_G0 + s], 1);
        if (c->rep_index == 1) {
            rc_bit(&e->rc, &e->probs[OTA_P_IS_REP_G1 + s], 0);
        } else {
            rc_bit(&e->rc, &e->probs[OTA_P_IS_REP_G1 + s], 1);
            rc_bit(&e->rc, &e->probs[OTA_P_IS_REP_G2 + s], c->rep_index == 3);
        }
        memmove(e->rep + 1, e->rep, (size_t)c->rep_index * sizeof e->rep[0]);
        e->rep[0] = d;
    }
    encode_len(e, e->probs + OTA_P_LEN_REP, c->len, ps);
    e->state = OTA_DELTA_AFTER_REP(s);
}

/* ---- parsing: the cheapest way through a stretch of the target ---------- *
 *
 * A forward pass over up to OPT_MAX positions prices every literal, every
 * repeat of the path's last four distances and every match the chains
 * offer, at every length, with the models as they are at the start of the
 * stretch; each position keeps its cheapest arrival (and the state and
 * distances that come with it). The stretch ends where no arrival reaches
 * further, or at a match of nice_len or more, which is taken at once. */

#define OPT_MAX 4096
#define CANDIDATES 32

struct node {
    uint64_t cost;       /* INF: not reached */
    uint32_t from;       /* index of the previous node */
    struct choice how;   /* how it was reached (len 0: a literal) */
    unsigned state;
    uint32_t rep[4];
};

#define INF UINT64_MAX

struct candidate {
    size_t len;
    uint32_t dist;
};

/* Matches from the chains at p: longer ones only, each with the nearest
 * distance that gives its length. */
static size_t find_matches(struct enc *e, size_t p, struct candidate *out, size_t limit)
{
    size_t n = 0, best = 2, steps = 0;
    uint32_t q;

    if (limit < 4)
        return 0;
    insert_upto(e, p);
    for (q = e->head[hash4(e->v + p)]; q != NO_POS && steps < e->o->chain_depth;
         q = e->prev[q], steps++) {
        size_t back = p - q, len;
        if (q >= e->src_total && back > e->window)
            continue;
        len = match_len(e, p, back, limit);
        if (len <= best)
            continue;
        best = len;
        out[n].len = len;
        out[n].dist = (uint32_t)(back - 1);
        if (++n == CANDIDATES || len >= e->o->nice_len)
            break;
    }
    return n;
}

static void relax(struct node *nodes, size_t from, size_t to, const struct choice *c,
                  uint64_t cost)
{
    struct node *a = &nodes[from], *b = &nodes[to];

    if (cost >= b->cost)
        return;
    b->cost = cost;
    b->from = (uint32_t)from;
    b->how = *c;
    memcpy(b->rep, a->rep, sizeof b->rep);
    if (c->len == 0) {
        b->state = OTA_DELTA_AFTER_LITERAL(a->state);
    } else if (c->rep_index < 0) {
        memmove(b->rep + 1, b->rep, 3 * sizeof b->rep[0]);
        b->rep[0] = c->dist;
        b->state = OTA_DELTA_AFTER_MATCH(a->state);
    } else if (c->len == 1) {
        b->state = OTA_DELTA_AFTER_SHORT_REP(a->state);
    } else {
        memmove(b->rep + 1, b->rep, (size_t)c->rep_index * sizeof b->rep[0]);
        b->rep[0] = a->rep[c->rep_index];
        b->state = OTA_DELTA_AFTER_REP(a->state);
    }
}

/* Every arrival from node k (at virtual position p); *last grows to the
 * furthest a match reaches. Returns 1 when a match of nice_len or more is
 * taken at once (in *taken). */
static int arrivals(struct enc *e, struct node *nodes, size_t k, size_t p, size_t *last,
                    struct choice *taken)
{
    const struct node *at = &nodes[k];
    struct candidate cand[CANDIDATES];
    size_t limit = e->total - p, n, i, l, from_len = OTA_DELTA_LEN_MIN;
    struct choice c;
    int r;

    if (limit > MATCH_LEN_MAX)
        limit = MATCH_LEN_MAX;
    memset(&c, 0, sizeof c);
    relax(nodes, k, k + 1, &c, at->cost + price_literal(e, p, at->state, at->rep[0]));
    for (r = 0; r < 4; r++) {
        size_t len = match_len(e, p, (size_t)at->rep[r] + 1, limit);
        c.rep_index = r;
        c.dist = at->rep[r];
        if (r == 0 && len >= 1) {
            c.len = 1;
            relax(nodes, k, k + 1, &c, at->cost + price_choice(e, p, at->state, &c));
        }
        if (len >= e->o->nice_len) {
            c.len = len;
            *taken = c;
            return 1;
        }
        for (l = OTA_DELTA_LEN_MIN; l <= len; l++) {
            c.len = l;
            relax(nodes, k, k + l, &c, at->cost + price_choice(e, p, at->state, &c));
        }
        if (k + len > *last)
            *last = k + len;
    }
    n = find_matches(e, p, cand, limit);
    c.rep_index = -1;
    for (i = 0; i < n; i++) {
        c.dist = cand[i].dist;
        if (cand[i].len >= e->o->nice_len) {
            c.len = cand[i].len;
            *taken = c;
            return 1;
        }
        for (l = from_len; l <= cand[i].len; l++) {
            c.len = l;
            relax(nodes, k, k + l, &c, at->cost + price_choice(e, p, at->state, &c));
        }
        from_len = cand[i].len + 1;
        if (k + cand[i].len > *last)
            *last = k + cand[i].len;
    }
    return 0;
}

/* Encodes the path that ends at node end, first choice first. */
static void emit_path(struct enc *e, struct node *nodes, size_t end, size_t p0)
{
    size_t k = end, count = 0, i;
    uint32_t *order = (uint32_t *)malloc(sizeof(uint32_t) * (end + 1));

    if (!order) {
        perror("ota delta");
        exit(1);
    }
    while (k > 0) {
        order[count++] = (uint32_t)k;
        k = nodes[k].from;
    }
    for (i = count; i-- > 0;) {
        size_t to = order[i], from = nodes[to].from;
        if (nodes[to].how.len == 0)
            encode_literal(e, p0 + from);
        else
            encode_choice(e, p0 + from, &nodes[to].how);
    }
    free(order);
}

static void encode_all(struct enc *e)
{
    size_t cap = OPT_MAX + e->o->nice_len + 2, p = e->src_total;
    struct node *nodes = (struct node *)malloc(sizeof *nodes * cap);

    if (!nodes) {
        perror("ota delta");
        exit(1);
    }
    while (p < e->total) {
        size_t k, last = 0, end, left = e->total - p;
        struct choice taken;
        int take = 0;
        for (k = 0; k < cap; k++)
            nodes[k].cost = INF;
        nodes[0].cost = 0;
        nodes[0].state = e->state;
        memcpy(nodes[0].rep, e->rep, sizeof e->rep);
        for (k = 0; k < OPT_MAX && k < left && (k == 0 || k < last); k++) {
            if (nodes[k].cost == INF)
                continue;
            take = arrivals(e, nodes, k, p + k, &last, &taken);
            if (take)
                break;
        }
        /* the path to k, then the long match; or the path to the furthest
         * point reached */
        end = take ? k : last > k ? last : k;
        if (end > left)
            end = left;
        emit_path(e, nodes, end, p);
        p += end;
        if (take) {
            encode_choice(e, p, &taken);
            p += taken.len;
        }
    }
    free(nodes);
}

void delta_default_options(struct delta_options *o)
{
    /* measured on this project's history: literal context bits do not pay
     * (matched literals predict better), deeper chains barely do */
    o->lc = 0;
    o->chain_depth = 256;
    o->nice_len = 273;
}

void delta_blob_id(const uint8_t *data, size_t size, uint8_t id[20])
{
    char header[32];
    struct ota_sha1 s;
    int n = snprintf(header, sizeof header, "blob %zu", size);

    ota_sha1_init(&s);
    ota_sha1_update(&s, header, (size_t)n + 1);
    ota_sha1_update(&s, data, size);
    ota_sha1_final(&s, id);
}

static void put_varint(struct out_buf *o, uint64_t v)
{
    while (v >= 0x80) {
        out_byte(o, (uint8_t)(v | 0x80));
        v >>= 7;
    }
    out_byte(o, (uint8_t)v);
}

static void put_header(struct out_buf *o, const struct delta_source *sources, unsigned count,
                       const uint8_t *target, size_t target_size, unsigned lc)
{
    uint8_t id[20];
    unsigned i;

    for (i = 0; i < 2; i++)
        out_byte(o, (uint8_t)OTA_DELTA_MAGIC[i]);
    out_byte(o, (uint8_t)(OTA_DELTA_VERSION << 5 | lc << 3 | (OTA_DELTA_WINDOW_LOG_MAX - 8)));
    put_varint(o, target_size);
    delta_blob_id(target, target_size, id);
    for (i = 0; i < OTA_DELTA_ID_LEN; i++)
        out_byte(o, id[i]);
    out_byte(o, (uint8_t)count);
    for (i = 0; i < count; i++) {
        unsigned k;
        put_varint(o, sources[i].size);
        delta_blob_id(sources[i].data, sources[i].size, id);
        for (k = 0; k < OTA_DELTA_ID_LEN; k++)
            out_byte(o, id[k]);
    }
}

int delta_encode(const struct delta_source *sources, unsigned source_count,
                 const uint8_t *target, size_t target_size, const struct delta_options *o,
                 uint8_t **out, size_t *out_len)
{
    struct enc *e;
    size_t i, at = 0;

    if (source_count > OTA_DELTA_SOURCES_MAX || target_size > OTA_DELTA_SIZE_MAX ||
        o->lc > OTA_DELTA_LC_MAX)
        return -1;
    e = calloc(1, sizeof *e);
    if (!e)
        return -1;
    e->o = o;
    e->lc = o->lc;
    e->source_count = source_count;
    e->window = 1u << OTA_DELTA_WINDOW_LOG_MAX;
    for (i = 0; i < source_count; i++) {
        if (sources[i].size > OTA_DELTA_SIZE_MAX)
            return -1;
        e->src_total += sources[i].size;
        e->src_end_of[i] = e->src_total;
    }
    e->total = e->src_total + target_size;
    if (e->total > OTA_DELTA_SPACE_MAX)
        return -1;
    e->v = malloc(e->total + 1);
    e->head = malloc(sizeof(uint32_t) << HASH_BITS);
    e->prev = malloc(sizeof(uint32_t) * (e->total + 1));
    if (!e->v || !e->head || !e->prev) {
        perror("ota delta");
        exit(1);
    }
    for (i = 0; i < source_count; i++) {
        if (sources[i].size)
            memcpy(e->v + at, sources[i].data, sources[i].size);
        at += sources[i].size;
    }
    if (target_size)
        memcpy(e->v + at, target, target_size);
    memset(e->head, 0xff, sizeof(uint32_t) << HASH_BITS);
    for (i = 0; i < OTA_DELTA_PROBS; i++)
        e->probs[i] = OTA_RC_ONE / 2;
    e->rc.range = 0xffffffffu;
    e->rc.cache_size = 1;
    e->lit_price_avg = 6 << PRICE_SHIFT;
    init_prices();
    put_header(&e->rc.out, sources, source_count, target, target_size, o->lc);
    /* the range coder's first byte is the zero cache byte */
    encode_all(e);
    rc_flush(&e->rc);
    *out = e->rc.out.p;
    *out_len = e->rc.out.len;
    free(e->v);
    free(e->head);
    free(e->prev);
    free(e);
    return 0;
}

/* Portable SHA-1, sized for Cortex-M0+: one compact 80-round loop over a
 * rolling 16-word message schedule (64 bytes of stack instead of 320), with
 * every word loaded and stored byte by byte so host byte order and buffer
 * alignment never matter. */
#include "sha1.h"

#include <string.h>

/* n is always 1..31 here, so neither shift is by 32 (undefined). */
static uint32_t rol32(uint32_t x, unsigned n) { return (x << n) | (x >> (32u - n)); }

static uint32_t load_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
           ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static void store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Round function and constant for round i: the four 20-round stages. */
static uint32_t round_fk(unsigned i, uint32_t b, uint32_t c, uint32_t d, uint32_t *k)
{
    if (i < 20) {
        *k = 0x5a827999u;
        return (b & c) | (~b & d);
    }
    if (i < 40) {
        *k = 0x6ed9eba1u;
        return b ^ c ^ d;
    }
    if (i < 60) {
        *k = 0x8f1bbcdcu;
        return (b & c) | (b & d) | (c & d);
    }
    *k = 0xca62c1d6u;
    return b ^ c ^ d;
}

static void sha1_block(uint32_t h[5], const uint8_t *blk)
{
    uint32_t w[16], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f, k, t;
    unsigned i;

    for (i = 0; i < 16; i++)
        w[i] = load_be32(blk + 4 * i);
    for (i = 0; i < 80; i++) {
        /* W[i] = rol1(W[i-3] ^ W[i-8] ^ W[i-14] ^ W[i-16]), computed in the
         * slot W[i-16] is vacating; indices are taken mod 16. */
        if (i >= 16)
            w[i & 15] = rol32(w[(i + 13) & 15] ^ w[(i + 8) & 15] ^
                              w[(i + 2) & 15] ^ w[i & 15], 1);
        f = round_fk(i, b, c, d, &k);
        t = rol32(a, 5) + f + e + k + w[i & 15];
        e = d;
        d = c;
        c = rol32(b, 30);
        b = a;
        a = t;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
}

void ota_sha1_init(struct ota_sha1 *s)
{
    static const uint32_t iv[5] = {0x67452301u, 0xefcdab89u, 0x98badcfeu,
                                   0x10325476u, 0xc3d2e1f0u};
    memcpy(s->h, iv, sizeof iv);
    s->total = 0;
    s->fill = 0;
}

void ota_sha1_update(struct ota_sha1 *s, const void *data, size_t len)
{
    const uint8_t *p = (const uint8_t *)data;

    s->total += len;
    /* Always stage through block: one code path, and the copy costs little
     * next to the 80 rounds it feeds. */
    while (len > 0) {
        size_t take = sizeof s->block - s->fill;
        if (take > len)
            take = len;
        memcpy(s->block + s->fill, p, take);
        s->fill += take;
        p += take;
        len -= take;
        if (s->fill == sizeof s->block) {
            sha1_block(s->h, s->block);
            s->fill = 0;
        }
    }
}

void ota_sha1_final(struct ota_sha1 *s, uint8_t out[OTA_SHA1_LEN])
{
    uint64_t bits = s->total << 3; /* the message length is counted in bits */
    unsigned i;

    /* Pad with 0x80 then zeros up to 56 mod 64, spilling into an extra block
     * when fewer than 8 bytes remain for the length. fill < 64 on entry. */
    s->block[s->fill++] = 0x80;
    if (s->fill > 56) {
        memset(s->block + s->fill, 0, sizeof s->block - s->fill);
        sha1_block(s->h, s->block);
        s->fill = 0;
    }
    memset(s->block + s->fill, 0, 56 - s->fill);
    for (i = 0; i < 8; i++)
        s->block[63 - i] = (uint8_t)(bits >> (8 * i));
    sha1_block(s->h, s->block);
    for (i = 0; i < 5; i++)
        store_be32(out + 4 * i, s->h[i]);
}

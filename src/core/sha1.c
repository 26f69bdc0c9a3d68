/* Portable SHA-1, sized for Cortex-M0+: one compact 80-round loop over a
 * rolling 16-word message schedule (64 bytes of stack instead of 320), with
 * every word loaded and stored byte by byte so host byte order and buffer
 * alignment never matter. */
#include "sha1.h"

#include <string.h>

/* n is always 1..31 here, so neither shift is by 32 (undefined). */
static uint32_t rol32(uint32_t x, unsigned n) { return (x << n) | (x >> (32u - n)); }

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

static void sha1_block(uint32_t *h, const uint8_t *blk)
{
    uint32_t w[16], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f, k, t;
    unsigned i;

    for (i = 0; i < 16; i++)
        w[i] = ota_load_be32(blk + 4 * i);
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
    ota_md64_init(&s->md);
}

void ota_sha1_update(struct ota_sha1 *s, const void *data, size_t len)
{
    ota_md64_update(&s->md, s->h, sha1_block, data, len);
}

void ota_sha1_final(struct ota_sha1 *s, uint8_t out[OTA_SHA1_LEN])
{
    ota_md64_final(&s->md, s->h, sha1_block, out, 5);
}

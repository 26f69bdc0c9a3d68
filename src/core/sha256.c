/* Portable SHA-256, sized for Cortex-M0+: one compact 64-round loop over a
 * rolling 16-word message schedule (64 bytes of stack instead of 256), with
 * every word loaded and stored byte by byte so host byte order and buffer
 * alignment never matter. */
#include "sha256.h"

#include <string.h>

/* The first 32 bits of the fractional parts of the cube roots of the first
 * 64 primes (FIPS 180-4, 4.2.2). */
static const uint32_t K[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u,
    0x923f82a4u, 0xab1c5ed5u, 0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u,
    0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u, 0xe49b69c1u, 0xefbe4786u,
    0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u,
    0x06ca6351u, 0x14292967u, 0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u,
    0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u, 0xa2bfe8a1u, 0xa81a664bu,
    0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au,
    0x5b9cca4fu, 0x682e6ff3u, 0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u,
    0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u};

/* n is always 1..31 here, so neither shift is by 32 (undefined). */
static uint32_t ror32(uint32_t x, unsigned n) { return (x >> n) | (x << (32u - n)); }

/* Next schedule word for round i >= 16, written into the slot W[i-16] is
 * vacating: W[i] = s1(W[i-2]) + W[i-7] + s0(W[i-15]) + W[i-16], mod 16. */
static uint32_t schedule(uint32_t w[16], unsigned i)
{
    uint32_t x = w[(i + 1) & 15], y = w[(i + 14) & 15];
    uint32_t s0 = ror32(x, 7) ^ ror32(x, 18) ^ (x >> 3);
    uint32_t s1 = ror32(y, 17) ^ ror32(y, 19) ^ (y >> 10);
    w[i & 15] += s0 + w[(i + 9) & 15] + s1;
    return w[i & 15];
}

static void sha256_block(uint32_t *h, const uint8_t *blk)
{
    uint32_t w[16], v[8], t1, t2;
    unsigned i, j;

    for (i = 0; i < 16; i++)
        w[i] = ota_load_be32(blk + 4 * i);
    memcpy(v, h, sizeof v); /* v[0..7] are a..h */
    for (i = 0; i < 64; i++) {
        uint32_t wi = i < 16 ? w[i] : schedule(w, i);
        t1 = v[7] + (ror32(v[4], 6) ^ ror32(v[4], 11) ^ ror32(v[4], 25)) +
             ((v[4] & v[5]) ^ (~v[4] & v[6])) + K[i] + wi;
        t2 = (ror32(v[0], 2) ^ ror32(v[0], 13) ^ ror32(v[0], 22)) +
             ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
        /* Shift the working variables down one place (h=g, ..., b=a); a loop
         * is smaller than eight named assignments on a Thumb-1 core. */
        for (j = 7; j > 0; j--)
            v[j] = v[j - 1];
        v[4] += t1;
        v[0] = t1 + t2;
    }
    for (i = 0; i < 8; i++)
        h[i] += v[i];
}

void ota_sha256_init(struct ota_sha256 *s)
{
    /* Fractional parts of the square roots of the first 8 primes (5.3.3). */
    static const uint32_t iv[8] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u,
                                   0xa54ff53au, 0x510e527fu, 0x9b05688cu,
                                   0x1f83d9abu, 0x5be0cd19u};
    memcpy(s->h, iv, sizeof iv);
    ota_md64_init(&s->md);
}

void ota_sha256_update(struct ota_sha256 *s, const void *data, size_t len)
{
    ota_md64_update(&s->md, s->h, sha256_block, data, len);
}

void ota_sha256_final(struct ota_sha256 *s, uint8_t out[OTA_SHA256_LEN])
{
    ota_md64_final(&s->md, s->h, sha256_block, out, 8);
}

#include "md64.h"

#include <string.h>

uint32_t ota_load_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) |
           (uint32_t)p[3];
}

static void store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

void ota_md64_init(struct ota_md64 *m)
{
    m->total = 0;
    m->fill = 0;
}

void ota_md64_update(struct ota_md64 *m, uint32_t *h, ota_md64_compress f, const void *data,
                     size_t len)
{
    const uint8_t *p = (const uint8_t *)data;

    m->total += len;
    /* Always stage through block: one code path, and the copy costs little
     * next to the rounds it feeds. */
    while (len > 0) {
        size_t take = sizeof m->block - m->fill;
        if (take > len)
            take = len;
        memcpy(m->block + m->fill, p, take);
        m->fill += take;
        p += take;
        len -= take;
        if (m->fill == sizeof m->block) {
            f(h, m->block);
            m->fill = 0;
        }
    }
}

void ota_md64_final(struct ota_md64 *m, uint32_t *h, ota_md64_compress f, uint8_t *out,
                    unsigned words)
{
    uint64_t bits = m->total << 3; /* the message length is counted in bits */
    unsigned i;

    /* Pad with 0x80 then zeros up to 56 mod 64, spilling into an extra block
     * when fewer than 8 bytes remain for the length. fill < 64 on entry. */
    m->block[m->fill++] = 0x80;
    if (m->fill > 56) {
        memset(m->block + m->fill, 0, sizeof m->block - m->fill);
        f(h, m->block);
        m->fill = 0;
    }
    memset(m->block + m->fill, 0, 56 - m->fill);
    for (i = 0; i < 8; i++)
        m->block[63 - i] = (uint8_t)(bits >> (8 * i));
    f(h, m->block);
    for (i = 0; i < words; i++)
        store_be32(out + 4 * i, h[i]);
}

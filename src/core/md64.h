/* The Merkle-Damgard framing SHA-1 and SHA-256 share: input staged into
 * 64-byte blocks, then padding with 0x80, zeros and the bit length in big
 * endian. Each hash supplies only its compression function and chaining
 * value; byte order is handled here, so host order never matters. */
#ifndef OTA_CORE_MD64_H
#define OTA_CORE_MD64_H

#include <stddef.h>
#include <stdint.h>

struct ota_md64 {
    uint64_t total;     /* bytes hashed so far, for the length padding */
    size_t fill;        /* bytes waiting in block, always < 64 */
    uint8_t block[64];  /* partial input block */
};

/* Compresses one 64-byte block into the chaining value h. */
typedef void (*ota_md64_compress)(uint32_t *h, const uint8_t *block);

void ota_md64_init(struct ota_md64 *m);
void ota_md64_update(struct ota_md64 *m, uint32_t *h, ota_md64_compress f, const void *data,
                     size_t len);
/* Pads, compresses the last block(s) and writes the `words` words of h. */
void ota_md64_final(struct ota_md64 *m, uint32_t *h, ota_md64_compress f, uint8_t *out,
                    unsigned words);

uint32_t ota_load_be32(const uint8_t *p);

#endif

/* The delta encoder behind `ota delta`: server side, so it may use memory
 * and CPU freely. It finds matches anywhere in the sources (and within the
 * decoder's window of the new file) with hash chains, chooses between
 * literals, matches and repeated distances by their price under the
 * adaptive models the decoder will have, and range-codes the result in the
 * format of docs/delta.md (src/core/delta.c decodes it). */
#ifndef OTA_CLI_DELTA_ENCODE_H
#define OTA_CLI_DELTA_ENCODE_H

#include <stddef.h>
#include <stdint.h>

struct delta_source {
    const uint8_t *data;
    size_t size;
};

struct delta_options {
    unsigned lc;          /* literal context bits, 0..OTA_DELTA_LC_MAX */
    unsigned chain_depth; /* match candidates tried per position */
    unsigned nice_len;    /* a match this long is taken at once */
};

void delta_default_options(struct delta_options *o);

/* Encodes target against sources into a malloc'd buffer (*out, *out_len).
 * 0, or -1 when the inputs are too large for the format. */
int delta_encode(const struct delta_source *sources, unsigned source_count,
                 const uint8_t *target, size_t target_size, const struct delta_options *o,
                 uint8_t **out, size_t *out_len);

/* The git blob id of data, raw (20 bytes). */
void delta_blob_id(const uint8_t *data, size_t size, uint8_t id[20]);

#endif

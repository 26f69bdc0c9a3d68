/* Delta decoder: rebuilds a file from a delta (docs/delta.md) and the
 * files it was computed against ("sources", already on the device), as the
 * delta streams in. Memory is this struct, fixed at compile time: the
 * adaptive models, a window of the newest output (for references within
 * the new file) and a small cache of source bytes. Sources are read through
 * a callback with random access; the output goes to a callback in order.
 * Every field and every reference is bounds-checked: a hostile delta gets
 * OTA_ERR_DELTA, never a read or write out of range. The output still has
 * to be verified by its git blob SHA-1 before it is installed. */
#ifndef OTA_CORE_DELTA_H
#define OTA_CORE_DELTA_H

#include <stddef.h>
#include <stdint.h>

#include "delta_format.h"

struct ota_delta_io {
    /* Reads len bytes of source index at offset (within its size) into
     * buf; 0 or a negative error. */
    int (*read_source)(void *arg, unsigned index, uint64_t offset, uint8_t *buf, size_t len);
    /* Takes the next output bytes; 0 or a negative error. */
    int (*write)(void *arg, const uint8_t *data, size_t len);
    void *arg;
};

struct ota_delta_header {
    uint64_t new_size;
    uint8_t new_id[OTA_DELTA_ID_LEN]; /* start of the output's blob id */
    unsigned lc;            /* literal context bits */
    unsigned window_log;    /* references within the output reach back
                               1 << window_log bytes */
    unsigned source_count;
    uint64_t source_size[OTA_DELTA_SOURCES_MAX];
    uint8_t source_id[OTA_DELTA_SOURCES_MAX][OTA_DELTA_ID_LEN];
};

struct ota_delta_dec {
    struct ota_delta_io io;
    struct ota_delta_header h;   /* valid once header_done */
    int header_done;
    int failed;                  /* sticky error */
    /* header bytes until it is parsed, then range-coder input */
    uint8_t in[OTA_DELTA_IN_MAX];
    size_t in_len;
    size_t in_pos;
    int rc_ready;                /* the coder has its first bytes */
    int final;                   /* no more input is coming */
    int starved;                 /* the coder read past the input */
    uint32_t range;
    uint32_t code;
    /* coder state */
    unsigned state;
    uint32_t rep[4];             /* distances minus one */
    uint64_t out_pos;            /* bytes produced */
    uint64_t src_total;          /* all sources, one after the other */
    uint64_t copy_left;          /* of the current match */
    uint32_t copy_dist;
    uint8_t prev_byte;
    /* the newest output: window for references, and the write buffer */
    uint8_t window[1u << OTA_DELTA_WINDOW_LOG_MAX];
    uint64_t flushed;            /* output bytes already written out */
    /* source cache */
    uint8_t cache[OTA_DELTA_CACHE];
    uint64_t cache_at;           /* virtual address of cache[0] */
    size_t cache_len;
    uint16_t probs[OTA_DELTA_PROBS];
};

void ota_delta_init(struct ota_delta_dec *d, const struct ota_delta_io *io);

/* Takes the next bytes of the delta. Returns 0 or a negative error
 * (OTA_ERR_DELTA for a malformed delta, or what a callback returned). */
int ota_delta_feed(struct ota_delta_dec *d, const uint8_t *data, size_t len);

/* After the last byte: 0 when the whole output was produced. */
int ota_delta_finish(struct ota_delta_dec *d);

#endif

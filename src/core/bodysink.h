/* Where a downloaded body goes when it is not consumed as it streams: a
 * device file (a staged download read back later: the SHA-256 sidecar, a
 * release manifest) or a small memory buffer (a 40-byte commit id, a
 * signature). Both are capped in size. */
#ifndef OTA_CORE_BODYSINK_H
#define OTA_CORE_BODYSINK_H

#include "http.h"
#include "ota/ota.h"

struct ota_file_sink {
    struct ota_ctx *ctx;
    const char *path;  /* borrowed: must outlive the download */
    const char *what;  /* named in the error when the cap is exceeded */
    uint64_t max;
    uint64_t received;
    int fd;
};

/* Prepares s and body; each attempt truncates path and starts again. */
void ota_file_sink_init(struct ota_file_sink *s, struct ota_ctx *ctx, const char *path,
                        const char *what, uint64_t max, struct ota_body *body);

/* Closes the file (synced by a completed download). */
void ota_file_sink_close(struct ota_file_sink *s);

/* A body of at most cap bytes kept in buf; more sets overflow (and is
 * dropped), for the caller to judge once the response is complete. */
struct ota_mem_sink {
    uint8_t *buf;
    size_t cap;
    size_t len;
    int overflow;
};

void ota_mem_sink_init(struct ota_mem_sink *s, uint8_t *buf, size_t cap,
                       struct ota_body *body);

#endif

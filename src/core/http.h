/* The engine's HTTP client on top of the port's single GET: request headers,
 * credentials only for the configured hosts, redirects, status mapping, and
 * retries with exponential backoff. */
#ifndef OTA_CORE_HTTP_H
#define OTA_CORE_HTTP_H

#include "ota/ota.h"

/* Receives a successful (2xx) response. begin() runs at the start of every
 * attempt, so a consumer restarts cleanly after a retry; end() runs when the
 * body is complete and may reject it (a hash mismatch is retried). */
struct ota_body {
    int (*begin)(void *arg);
    int (*data)(void *arg, const uint8_t *p, size_t n);
    int (*end)(void *arg);
    void *arg;
    /* Optional: after a transfer broke off, how many bytes of the body are
     * kept and need not come again (0: start over). A retry then asks for
     * the rest with a Range request; a server that answers 200 instead
     * restarts the body with begin(). */
    uint64_t (*resume_from)(void *arg);
};

struct ota_http_result {
    int status;
    char etag[80];
    int has_length;
    uint64_t length;
    int64_t ratelimit_remaining; /* -1 when the server did not say */
    int64_t ratelimit_reset;     /* epoch seconds, -1 when unknown */
    int64_t retry_after;         /* seconds, -1 when absent */
};

/* GETs ctx->url (following redirects into it), retrying what a retry can
 * mend (a broken transfer resumes where it stopped when the body can).
 * accept: the Accept header.
 * if_none_match: an ETag to revalidate, or NULL. Returns 0 with res->status
 * 2xx or 304, or a negative error with ctx->reason set. */
int ota_http_fetch(struct ota_ctx *ctx, const char *accept,
                   const char *if_none_match, const struct ota_body *body,
                   struct ota_http_result *res);

/* Milliseconds to wait before retry number `attempt` (0-based). */
uint32_t ota_backoff_ms(const struct ota_settings *s, uint32_t attempt);

#endif

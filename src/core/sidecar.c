#include "sidecar.h"

#include <string.h>

#include "fsutil.h"
#include "github.h"
#include "hex.h"
#include "lines.h"
#include "log.h"
#include "plan.h"

#define FS (&ctx->port->fs)
#define USER (ctx->port->user)
#define STAGED_NAME "sha256sums"
#define MAX_SIDECAR_BYTES (16u * 1024u * 1024u)

struct sidecar_download {
    struct ota_ctx *ctx;
    int fd;
    uint64_t received;
};

static int sd_begin(void *arg)
{
    struct sidecar_download *d = arg;
    struct ota_ctx *ctx = d->ctx;

    if (d->fd >= 0)
        FS->close(USER, d->fd);
    d->received = 0;
    d->fd = FS->open(USER, ctx->path_a, OTA_OPEN_WRITE);
    return d->fd < 0 ? ota_fail(ctx, d->fd, "cannot create ", ctx->path_a, NULL) : OTA_OK;
}

static int sd_data(void *arg, const uint8_t *p, size_t n)
{
    struct sidecar_download *d = arg;
    struct ota_ctx *ctx = d->ctx;

    d->received += n;
    if (d->received > MAX_SIDECAR_BYTES)
        return ota_fail(ctx, OTA_ERR_TOO_LARGE, "SHA-256 sidecar too large", NULL, NULL);
    return FS->write(USER, d->fd, p, n);
}

static int sd_end(void *arg)
{
    struct sidecar_download *d = arg;

    return d->ctx->port->fs.sync(d->ctx->port->user, d->fd);
}

int ota_sidecar_fetch(struct ota_ctx *ctx, const char *commit)
{
    struct sidecar_download d = {NULL, -1, 0};
    struct ota_body body = {sd_begin, sd_data, sd_end, NULL};
    struct ota_http_result res;
    int err;

    d.ctx = ctx;
    body.arg = &d;
    err = ota_stage_path(ctx, ctx->path_a, sizeof ctx->path_a, STAGED_NAME);
    if (err == OTA_OK)
        err = ota_github_raw_url(ctx, commit, ctx->settings.sha256_sidecar);
    if (err == OTA_OK)
        err = ota_http_fetch(ctx, "*/*", NULL, &body, &res);
    if (d.fd >= 0)
        FS->close(USER, d.fd);
    if (err == OTA_ERR_HTTP_NOT_FOUND)
        return ota_fail_explain(ctx, err, "SHA-256 sidecar \"", ctx->settings.sha256_sidecar,
                                "\" is not in the repository at the target commit");
    return err;
}

/* "<hex>  <path>" or "<hex> *<path>" (binary mode marker). */
static int line_matches(const char *line, size_t len, const char *path)
{
    size_t plen = strlen(path);

    return len == 66 + plen && line[64] == ' ' && (line[65] == ' ' || line[65] == '*') &&
           memcmp(line + 66, path, plen) == 0;
}

int ota_sidecar_lookup(struct ota_ctx *ctx, const char *path, char hex[OTA_SHA256_HEX],
                       char *buf, size_t cap)
{
    struct ota_lines lr;
    char *line;
    size_t len;
    int r, i, found = 0;

    r = ota_stage_path(ctx, ctx->path_b, sizeof ctx->path_b, STAGED_NAME);
    if (r == OTA_OK)
        r = ota_lines_open(&lr, ctx, ctx->path_b, buf, cap);
    if (r != OTA_OK)
        return r;
    while (!found && (r = ota_lines_next(&lr, &line, &len)) == 1)
        found = line_matches(line, len, path);
    ota_lines_close(&lr);
    if (r < 0 && r != OTA_ERR_STATE)
        return r;
    if (!found)
        return ota_fail(ctx, OTA_ERR_HASH_MISMATCH, path, " is not listed in the SHA-256 sidecar",
                        NULL);
    for (i = 0; i < 64; i++) {
        hex[i] = line[i] >= 'A' && line[i] <= 'F' ? (char)(line[i] - 'A' + 'a') : line[i];
        if (ota_hex_value(hex[i]) < 0)
            return ota_fail(ctx, OTA_ERR_HASH_MISMATCH, "malformed SHA-256 for ", path, NULL);
    }
    hex[64] = '\0';
    return OTA_OK;
}

int ota_sidecar_hash_begin(struct ota_ctx *ctx)
{
    return ctx->port->crypto.hash_begin(USER, OTA_HASH_SHA256, ctx->hash256.bytes);
}

int ota_sidecar_hash_update(struct ota_ctx *ctx, const void *data, size_t len)
{
    return ctx->port->crypto.hash_update(USER, ctx->hash256.bytes, data, len);
}

int ota_sidecar_hash_check(struct ota_ctx *ctx, const char *expected, const char *path)
{
    uint8_t digest[32];
    char hex[OTA_SHA256_HEX];
    int err = ctx->port->crypto.hash_end(USER, ctx->hash256.bytes, digest);

    if (err != OTA_OK)
        return ota_fail(ctx, OTA_ERR_CRYPTO, "SHA-256 failed for ", path, NULL);
    ota_hex_encode(digest, sizeof digest, hex);
    if (strcmp(hex, expected) != 0)
        return ota_fail(ctx, OTA_ERR_HASH_MISMATCH, path,
                        ": SHA-256 differs from the sidecar, download corrupted", NULL);
    return OTA_OK;
}

void ota_sidecar_hash_abort(struct ota_ctx *ctx)
{
    (void)ctx->port->crypto.hash_end(USER, ctx->hash256.bytes, NULL);
}

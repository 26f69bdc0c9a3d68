#include "sidecar.h"

#include <string.h>

#include "bodysink.h"
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

int ota_sidecar_fetch(struct ota_ctx *ctx, const char *commit)
{
    struct ota_file_sink sink;
    struct ota_body body;
    struct ota_http_result res;
    int err;

    ota_file_sink_init(&sink, ctx, ctx->path_a, "SHA-256 sidecar", MAX_SIDECAR_BYTES, &body);
    err = ota_stage_path(ctx, ctx->path_a, sizeof ctx->path_a, STAGED_NAME);
    if (err == OTA_OK)
        err = ota_github_raw_url(ctx, commit, ctx->settings.sha256_sidecar);
    if (err == OTA_OK)
        err = ota_http_fetch(ctx, "*/*", NULL, &body, &res);
    ota_file_sink_close(&sink);
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

    r = ota_stage_lines_open(ctx, STAGED_NAME, &lr, buf, cap);
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

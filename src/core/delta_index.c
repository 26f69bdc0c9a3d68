#include "delta_index.h"

#include <string.h>

#include "bodysink.h"
#include "github.h"
#include "http.h"
#include "lines.h"
#include "link_policy.h"
#include "log.h"
#include "mirror.h"
#include "moved.h"
#include "plan.h"
#include "state.h"
#include "strbuf.h"

#define STAGED_NAME "deltas.index"
#define MAX_INDEX_BYTES (4u * 1024u * 1024u)

enum { INDEX_UNKNOWN = 0, INDEX_STAGED = 1, INDEX_NONE = 2 };

int ota_delta_source_url(struct ota_ctx *ctx, const char *commit, const char *name)
{
    char path[sizeof OTA_DELTAS_DIR + 2 * OTA_SHA1_HEX + 8];
    struct ota_strbuf sb;

    if (ctx->from_mirror)
        return ota_mirror_file_url(ctx, "deltas/", name);
    if (ctx->settings.deltas_in_release && ctx->settings.channel == OTA_CHANNEL_STABLE &&
        ctx->target_ref)
        return ota_github_release_download_url(ctx, ctx->target_ref, name);
    ota_sb_init(&sb, path, sizeof path);
    ota_sb_add(&sb, OTA_DELTAS_DIR "/");
    ota_sb_add(&sb, name);
    if (sb.overflow)
        return ota_fail(ctx, OTA_ERR_PATH_TOO_LONG, "delta name too long", NULL, NULL);
    return ota_github_raw_url(ctx, commit, path);
}

int ota_delta_index_fetch(struct ota_ctx *ctx, const char *commit)
{
    struct ota_file_sink sink;
    struct ota_body body;
    struct ota_http_result res;
    int err;

    if (ctx->delta_index != INDEX_UNKNOWN)
        return OTA_OK;
    if (ctx->from_mirror) { /* a mirror lists no deltas: ask for each */
        ctx->delta_index = INDEX_NONE;
        return OTA_OK;
    }
    ota_file_sink_init(&sink, ctx, ctx->path_a, "delta index", MAX_INDEX_BYTES, &body);
    err = ota_stage_path(ctx, ctx->path_a, sizeof ctx->path_a, STAGED_NAME);
    if (err == OTA_OK)
        err = ota_delta_source_url(ctx, commit, "index");
    if (err == OTA_OK)
        err = ota_http_fetch(ctx, "*/*", NULL, &body, &res);
    ota_file_sink_close(&sink);
    if (err == OTA_ERR_HTTP_NOT_FOUND) {
        ctx->reason[0] = '\0';
        ctx->delta_index = INDEX_NONE;
        return OTA_OK;
    }
    /* once per call, whatever happened: not again for every file */
    ctx->delta_index = err == OTA_OK ? INDEX_STAGED : INDEX_NONE;
    return err;
}

/* "<old>-<new>.otad <size>" for the delta old -> new. */
static int line_size(const char *line, size_t len, const char *name, size_t nlen,
                     uint64_t *size)
{
    if (len <= nlen + 1 || memcmp(line, name, nlen) != 0 || line[nlen] != ' ')
        return 0;
    return ota_parse_u64(line + nlen + 1, len - nlen - 1, size) == 0;
}

int ota_delta_index_find(struct ota_ctx *ctx, const char *old_sha, const char *new_sha,
                         uint64_t *size, char *buf, size_t cap)
{
    char name[2 * OTA_SHA1_HEX + 8];
    struct ota_strbuf sb;
    struct ota_lines lr;
    char *line;
    size_t len, nlen;
    int r, found = 0;

    if (ctx->delta_index != INDEX_STAGED)
        return OTA_ERR_NOT_FOUND;
    ota_sb_init(&sb, name, sizeof name);
    ota_sb_add(&sb, old_sha);
    ota_sb_addc(&sb, '-');
    ota_sb_add(&sb, new_sha);
    ota_sb_add(&sb, ".otad");
    nlen = strlen(name);
    r = ota_stage_lines_open(ctx, STAGED_NAME, &lr, buf, cap);
    if (r != OTA_OK)
        return r;
    while (!found && (r = ota_lines_next(&lr, &line, &len)) == 1)
        found = line_size(line, len, name, nlen, size);
    ota_lines_close(&lr);
    if (r < 0 && r != OTA_ERR_STATE)
        return r;
    return found;
}

/* The installed file a delta for e would be made from. */
static int delta_source(struct ota_ctx *ctx, const struct ota_entry *e, const char *old_sha,
                        struct ota_delta_choice *c)
{
    if (old_sha[0]) {
        memcpy(c->src_path, e->path, strlen(e->path) + 1);
        memcpy(c->src_sha, old_sha, OTA_SHA1_HEX);
        return 1;
    }
    return ota_moved_source(ctx, e->path, c->src_path, c->src_sha, (char *)ctx->io_buf,
                            ctx->io_size) == 1;
}

int ota_delta_choose(struct ota_ctx *ctx, const char *commit, const struct ota_entry *e,
                     const char *old_sha, struct ota_delta_choice *c)
{
    int r;

    if (!ota_deltas_wanted(ctx) || strcmp(e->sha, OTA_UNKNOWN_SHA) == 0 ||
        !delta_source(ctx, e, old_sha, c))
        return 0;
    r = ota_delta_index_fetch(ctx, commit);
    if (r == OTA_OK)
        r = ota_delta_index_find(ctx, c->src_sha, e->sha, &c->size, (char *)ctx->io_buf,
                                 ctx->io_size);
    if (r < 0) /* no index (or it could not be had): ask and see */
        ctx->reason[0] = '\0';
    c->listed = r == 1;
    return r != 0;
}

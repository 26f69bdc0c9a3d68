#include "link_policy.h"

#include <string.h>

#include "delta_index.h"
#include "lines.h"
#include "log.h"
#include "ota/ota_link.h"
#include "plan.h"
#include "state.h"
#include "strbuf.h"

static const struct ota_link *active_link(const struct ota_ctx *ctx)
{
    return ctx->links ? ota_links_active(ctx->links) : NULL;
}

uint32_t ota_link_retries(const struct ota_ctx *ctx)
{
    int32_t dbm = ctx->links ? ctx->links->used_signal_dbm : INT32_MIN;

    if (dbm != INT32_MIN && dbm < OTA_WEAK_SIGNAL_DBM)
        return ctx->settings.retries + OTA_WEAK_SIGNAL_EXTRA_RETRIES;
    return ctx->settings.retries;
}

int ota_deltas_wanted(const struct ota_ctx *ctx)
{
    const struct ota_settings *s = &ctx->settings;
    const struct ota_link *l = active_link(ctx);
    int costly = l && (l->metered || (l->kbps && l->kbps < OTA_SLOW_LINK_KBPS));

    return (s->enable_delta_updates || costly) && s->delta_buf &&
           s->delta_buf_size >= OTA_DELTA_STATE_SIZE;
}

/* One F line's share of the estimate (old_sha: the blob it replaces): its
 * delta when the index lists one, as the download will take it, else the
 * whole file. */
static void file_bytes(struct ota_ctx *ctx, const char *commit, const char *old_sha,
                       uint64_t *bytes)
{
    struct ota_delta_choice c;

    if (ota_delta_choose(ctx, commit, &ctx->entry, old_sha, &c) && c.listed)
        *bytes += c.size;
    else
        *bytes += ctx->entry.size;
}

int ota_estimate_downloads(struct ota_ctx *ctx, const char *commit, uint64_t *bytes)
{
    struct ota_lines plan;
    char old_sha[OTA_SHA1_HEX] = "";
    char *line;
    size_t len;
    int r, err = ota_plan_open(ctx, &plan);

    *bytes = 0;
    if (err != OTA_OK)
        return err;
    while (err == OTA_OK && (r = ota_lines_next(&plan, &line, &len)) == 1) {
        if (line[0] == OTA_PLAN_REPLACES && len == 42 && line[1] == ' ') {
            memcpy(old_sha, line + 2, OTA_SHA1_HEX);
        } else if (line[0] == OTA_PLAN_FETCH) {
            err = len > 2 ? ota_entry_parse(line + 2, len - 2, &ctx->entry) : OTA_ERR_STATE;
            if (err == OTA_OK)
                file_bytes(ctx, commit, old_sha, bytes);
            old_sha[0] = '\0';
        }
    }
    ota_lines_close(&plan);
    if (err == OTA_OK && r < 0)
        err = r;
    return err;
}

int ota_cost_check(struct ota_ctx *ctx, const char *commit)
{
    const struct ota_link *l = active_link(ctx);
    uint64_t bytes, cost;
    char text[96];
    struct ota_strbuf sb;
    int err;

    if (!l || !l->metered)
        return OTA_OK;
    err = ota_estimate_downloads(ctx, commit, &bytes);
    if (err != OTA_OK)
        return err;
    /* thousandths per MB (10^6 bytes), rounded up: never under-priced */
    cost = bytes / 1000000u * l->cost_milli_per_mb +
           ((bytes % 1000000u) * l->cost_milli_per_mb + 999999u) / 1000000u;
    ctx->stats.estimated_bytes = bytes;
    ctx->stats.estimated_cost_milli = cost;
    ota_sb_init(&sb, text, sizeof text);
    ota_sb_add_u64(&sb, bytes);
    ota_sb_add(&sb, " bytes on ");
    ota_sb_add(&sb, l->name ? l->name : "a metered link");
    ota_log(ctx, OTA_LOG_INFO, "estimated download: ", text, NULL);
    if (ctx->settings.max_update_cost_milli && cost > ctx->settings.max_update_cost_milli)
        return ota_fail(ctx, OTA_ERR_COST, "estimated download of ", text,
                        " costs more than max_update_cost");
    return OTA_OK;
}

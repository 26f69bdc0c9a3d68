#include "resources.h"

#include "log.h"
#include "strbuf.h"

int ota_check_free_space(struct ota_ctx *ctx, const struct ota_plan_totals *totals)
{
    uint64_t free_bytes, margin = ctx->settings.free_space_margin, needed;
    char need_s[24], free_s[24];
    struct ota_strbuf a, b;

    if (!ctx->port->hw.free_storage || totals->fetch_count == 0 ||
        ctx->port->hw.free_storage(ctx->port->user, &free_bytes) != OTA_OK)
        return OTA_OK;
    if (margin == 0)
        margin = OTA_DEFAULT_SPACE_MARGIN;
    needed = totals->fetch_bytes * 2u + margin;
    if (totals->fetch_bytes > (UINT64_MAX - margin) / 2u || free_bytes < needed) {
        ota_sb_init(&a, need_s, sizeof need_s);
        ota_sb_add_u64(&a, needed);
        ota_sb_init(&b, free_s, sizeof free_s);
        ota_sb_add_u64(&b, free_bytes);
        return ota_fail(ctx, OTA_ERR_NO_SPACE, need_s, " bytes of storage needed, free: ",
                        free_s);
    }
    return OTA_OK;
}

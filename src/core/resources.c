#include "resources.h"

#include "log.h"
#include "strbuf.h"

int ota_check_free_space(struct ota_ctx *ctx, const struct ota_plan_totals *totals)
{
    uint64_t avail, margin = ctx->settings.free_space_margin, needed;
    char need_s[24], avail_s[24];
    struct ota_strbuf a, b;

    if (!ctx->port->hw.free_storage || totals->fetch_count == 0 ||
        ctx->port->hw.free_storage(ctx->port->user, &avail) != OTA_OK)
        return OTA_OK;
    if (margin == 0)
        margin = OTA_DEFAULT_SPACE_MARGIN;
    needed = totals->fetch_bytes * 2u + margin;
    if (totals->fetch_bytes > (UINT64_MAX - margin) / 2u || avail < needed) {
        ota_sb_init(&a, need_s, sizeof need_s);
        ota_sb_add_u64(&a, needed);
        ota_sb_init(&b, avail_s, sizeof avail_s);
        ota_sb_add_u64(&b, avail);
        return ota_fail(ctx, OTA_ERR_NO_SPACE, need_s, " bytes of storage needed, available: ",
                        avail_s);
    }
    return OTA_OK;
}

#include "trial.h"

#include <string.h>

#include "backup.h"
#include "errlog.h"
#include "log.h"
#include "revert.h"
#include "strbuf.h"

/* The version used its boots up: back to the previous one, and the reason
 * kept for whoever looks at the device later. */
static int revert_unconfirmed(struct ota_ctx *ctx, uint32_t boots)
{
    char commit[OTA_SHA1_HEX], count[12], msg[OTA_REASON_MAX];
    struct ota_strbuf sb;
    int err = ota_revert(ctx, "trial");

    if (err == OTA_ERR_NO_BACKUP || err == OTA_ERR_STATE) {
        /* nothing usable to go back to: the version stays, and says so */
        (void)ota_errlog_append(ctx, "boot", err, ctx->reason);
        ctx->reason[0] = '\0';
        return ota_backup_drop(ctx);
    }
    if (err != OTA_OK)
        return err;
    (void)ota_reverted_commit(ctx, commit);
    ota_sb_init(&sb, count, sizeof count);
    ota_sb_add_u64(&sb, boots);
    ota_sb_init(&sb, msg, sizeof msg);
    ota_sb_add(&sb, "version ");
    ota_sb_add(&sb, commit);
    ota_sb_add(&sb, " not confirmed within ");
    ota_sb_add(&sb, count);
    ota_sb_add(&sb, " boots: reverted to the previous version");
    ota_log(ctx, OTA_LOG_WARN, msg, NULL, NULL);
    (void)ota_errlog_append(ctx, "boot", OTA_ERR_NOT_CONFIRMED, msg);
    ctx->trial_reverted = 1;
    return OTA_OK;
}

int ota_trial_boot(struct ota_ctx *ctx)
{
    uint32_t boots;
    int r = ota_backup_has(ctx, OTA_BACKUP_PLAN);

    if (r == 0)
        return ota_backup_drop(ctx); /* what an interrupted drop left */
    if (r < 0 || ctx->settings.max_trial_boots < 0)
        return r < 0 ? r : OTA_OK;
    r = ota_trial_read(ctx, &boots);
    if (r <= 0)
        return r; /* confirmed */
    if (boots >= (uint32_t)ctx->settings.max_trial_boots)
        return revert_unconfirmed(ctx, boots);
    return ota_trial_write(ctx, boots + 1);
}

int ota_trial_status(struct ota_ctx *ctx, struct ota_result *out)
{
    int r = ota_backup_has(ctx, OTA_BACKUP_PLAN);

    if (r == 1)
        r = ota_backup_has(ctx, OTA_BACKUP_VERSION);
    if (r < 0)
        return r;
    out->can_rollback = r;
    r = r ? ota_trial_read(ctx, &out->trial_boots) : 0;
    if (r < 0)
        return r;
    out->on_trial = r;
    return ota_reverted_commit(ctx, out->reverted);
}

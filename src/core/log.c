#include "log.h"

#include "strbuf.h"

static void join3(struct ota_strbuf *sb, const char *a, const char *b,
                  const char *c)
{
    if (a)
        ota_sb_add(sb, a);
    if (b)
        ota_sb_add(sb, b);
    if (c)
        ota_sb_add(sb, c);
}

int ota_fail(struct ota_ctx *ctx, int err, const char *a, const char *b,
             const char *c)
{
    struct ota_strbuf sb;

    if (ctx->reason[0] == '\0') {
        ota_sb_init(&sb, ctx->reason, sizeof ctx->reason);
        join3(&sb, a, b, c);
    }
    return err;
}

int ota_fail_explain(struct ota_ctx *ctx, int err, const char *a, const char *b,
                     const char *c)
{
    ctx->reason[0] = '\0';
    return ota_fail(ctx, err, a, b, c);
}

void ota_log(struct ota_ctx *ctx, enum ota_log_level level, const char *a,
             const char *b, const char *c)
{
    char msg[OTA_REASON_MAX + OTA_PATH_MAX];
    struct ota_strbuf sb;

    if (!ctx->port->sys.log)
        return;
    ota_sb_init(&sb, msg, sizeof msg);
    join3(&sb, a, b, c);
    ctx->port->sys.log(ctx->port->user, level, msg);
}

void ota_emit(struct ota_ctx *ctx, const struct ota_event *ev)
{
    if (ctx->on_event)
        ctx->on_event(ctx->event_arg, ev);
}

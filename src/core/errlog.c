#include "errlog.h"

#include <string.h>

#include "fsutil.h"
#include "lines.h"
#include "state.h"
#include "strbuf.h"

#define FS (&ctx->port->fs)
#define USER (ctx->port->user)
#define TMP_NAME OTA_ERROR_FILE ".tmp"

/* Entry lines are the ones holding an object; "[" and "]" are framing. */
static int is_entry(const char *line) { return line[0] == '{'; }

static int count_entries(struct ota_ctx *ctx, uint32_t *count)
{
    struct ota_lines lr;
    char *line;
    size_t len;
    int r = ota_lines_open(&lr, ctx, OTA_ERROR_FILE, ctx->lines_buf, ctx->lines_size);

    *count = 0;
    if (r == OTA_OK)
        while ((r = ota_lines_next(&lr, &line, &len)) == 1)
            *count += (uint32_t)is_entry(line);
    ota_lines_close(&lr);
    return r < 0 ? r : OTA_OK;
}

/* Copies the newest `keep` old entries into fd, each followed by ",\n". */
static int copy_recent(struct ota_ctx *ctx, int fd, uint32_t total, uint32_t keep)
{
    struct ota_lines lr;
    uint32_t index = 0;
    char *line;
    size_t len;
    int r = ota_lines_open(&lr, ctx, OTA_ERROR_FILE, ctx->lines_buf, ctx->lines_size);

    while (r == OTA_OK && (r = ota_lines_next(&lr, &line, &len)) == 1) {
        r = OTA_OK;
        if (!is_entry(line) || index++ < total - keep)
            continue;
        while (len > 0 && (line[len - 1] == ',' || line[len - 1] == ' '))
            len--;
        r = ota_write_all(ctx, fd, line, len);
        if (r == OTA_OK)
            r = ota_write_all(ctx, fd, ",\n", 2);
        if (r != OTA_OK)
            break;
    }
    ota_lines_close(&lr);
    return r < 0 ? r : OTA_OK;
}

static size_t format_entry(struct ota_ctx *ctx, char *out, size_t cap, const char *phase,
                           int code, const char *message)
{
    struct ota_strbuf sb;
    int64_t now = ctx->port->sys.time_now ? ctx->port->sys.time_now(ctx->port->user) : 0;

    ota_sb_init(&sb, out, cap);
    ota_sb_add(&sb, "{\"time\": ");
    ota_sb_add_i64(&sb, now);
    ota_sb_add(&sb, ", \"phase\": \"");
    ota_sb_add_json_escaped(&sb, phase, strlen(phase));
    ota_sb_add(&sb, "\", \"code\": ");
    ota_sb_add_i64(&sb, code);
    ota_sb_add(&sb, ", \"error\": \"");
    ota_sb_add(&sb, ota_strerror(code));
    ota_sb_add(&sb, "\", \"message\": \"");
    /* leave room for the closing characters even if the message is cut */
    sb.cap = cap - 4;
    ota_sb_add_json_escaped(&sb, message, strlen(message));
    sb.cap = cap;
    sb.overflow = 0;
    ota_sb_add(&sb, "\"}\n");
    return sb.len;
}

int ota_errlog_append(struct ota_ctx *ctx, const char *phase, int code,
                      const char *message)
{
    char entry[400]; /* fits the lines buffer when the log is read back */
    uint32_t total;
    int fd, err;
    size_t n;

    err = count_entries(ctx, &total);
    if (err != OTA_OK)
        total = 0; /* an unreadable log is replaced, not a reason to fail */
    fd = FS->open(USER, TMP_NAME, OTA_OPEN_WRITE);
    if (fd < 0)
        return fd;
    err = ota_write_all(ctx, fd, "[\n", 2);
    if (err == OTA_OK && total > 0)
        err = copy_recent(ctx, fd, total,
                          total < OTA_ERRLOG_MAX_ENTRIES ? total : OTA_ERRLOG_MAX_ENTRIES - 1);
    n = format_entry(ctx, entry, sizeof entry, phase, code, message);
    if (err == OTA_OK)
        err = ota_write_all(ctx, fd, entry, n);
    if (err == OTA_OK)
        err = ota_write_all(ctx, fd, "]\n", 2);
    return ota_replace_with(ctx, fd, TMP_NAME, OTA_ERROR_FILE, err);
}

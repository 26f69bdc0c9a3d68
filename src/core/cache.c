#include "cache.h"

#include <string.h>

#include "fsutil.h"
#include "lines.h"
#include "strbuf.h"

#define FS (&ctx->port->fs)
#define USER (ctx->port->user)
#define TMP_NAME OTA_CACHE_FILE ".tmp"

/* Does line record key (kind 'E') or the deferral (kind 'D')? */
static int line_is(const char *line, size_t len, char kind, const char *key)
{
    size_t klen = key ? strlen(key) : 0;

    if (len < 2 || line[0] != kind || line[1] != ' ')
        return 0;
    return !key || (len > 2 + klen && memcmp(line + 2, key, klen) == 0 && line[2 + klen] == ' ');
}

/* Copies every line but those of (kind, key) to fd, then appends the pieces
 * of the new line (none when parts is NULL). */
static int rewrite(struct ota_ctx *ctx, char kind, const char *key, const char *const *parts)
{
    struct ota_lines lr;
    char *line;
    size_t len;
    int fd, r;

    fd = FS->open(USER, TMP_NAME, OTA_OPEN_WRITE);
    if (fd < 0)
        return fd;
    r = ota_lines_open(&lr, ctx, OTA_CACHE_FILE, ctx->lines_buf, ctx->lines_size);
    while (r == OTA_OK && (r = ota_lines_next(&lr, &line, &len)) == 1) {
        r = OTA_OK;
        if (line_is(line, len, kind, key))
            continue;
        r = ota_write_all(ctx, fd, line, len);
        if (r == OTA_OK)
            r = ota_write_all(ctx, fd, "\n", 1);
    }
    ota_lines_close(&lr);
    if (r < 0 && r != OTA_ERR_STATE) /* an overlong line is dropped with the rest */
        return ota_replace_with(ctx, fd, TMP_NAME, OTA_CACHE_FILE, r);
    r = OTA_OK;
    for (; parts && *parts && r == OTA_OK; parts++)
        r = ota_write_all(ctx, fd, *parts, strlen(*parts));
    return ota_replace_with(ctx, fd, TMP_NAME, OTA_CACHE_FILE, r);
}

/* Finds the line of (kind, key); 1 with *out pointing past "K key ". */
static int find(struct ota_ctx *ctx, struct ota_lines *lr, char kind, const char *key,
                char **out, size_t *out_len)
{
    char *line;
    size_t len, skip = 2 + (key ? strlen(key) + 1 : 0);
    if (ota_lines_open(lr, ctx, OTA_CACHE_FILE, ctx->lines_buf, ctx->lines_size) != OTA_OK)
        return 0;
    while (ota_lines_next(lr, &line, &len) == 1) {
        if (line_is(line, len, kind, key)) {
            *out = line + skip;
            *out_len = len - skip;
            return 1;
        }
    }
    return 0;
}

int ota_cache_lookup(struct ota_ctx *ctx, const char *key, char *value, size_t value_cap,
                     char etag[OTA_ETAG_MAX])
{
    struct ota_lines lr;
    char *rest, *space;
    size_t len;
    int found = find(ctx, &lr, 'E', key, &rest, &len);

    if (found) {
        space = memchr(rest, ' ', len);
        found = space && ota_copy_str(value, value_cap, rest, (size_t)(space - rest)) == OTA_OK &&
                ota_copy_str(etag, OTA_ETAG_MAX, space + 1,
                             len - (size_t)(space + 1 - rest)) == OTA_OK &&
                value[0] && etag[0];
    }
    ota_lines_close(&lr);
    return found;
}

static int has_space(const char *s)
{
    return strchr(s, ' ') != NULL || strchr(s, '\n') != NULL;
}

int ota_cache_store(struct ota_ctx *ctx, const char *key, const char *value,
                    const char *etag)
{
    const char *parts[] = {"E ", key, " ", value, " ", etag, "\n", NULL};

    /* what could not be read back whole is not written */
    if (!etag[0] || has_space(key) || has_space(value) || strchr(etag, '\n') ||
        strlen(key) + strlen(value) + strlen(etag) + 8 > ctx->lines_size)
        return OTA_OK;
    return rewrite(ctx, 'E', key, parts);
}

int64_t ota_cache_deferred_until(struct ota_ctx *ctx)
{
    struct ota_lines lr;
    char *rest;
    size_t len;
    uint64_t until = 0;

    if (find(ctx, &lr, 'D', NULL, &rest, &len) && ota_parse_u64(rest, len, &until) != 0)
        until = 0;
    ota_lines_close(&lr);
    return until > (uint64_t)INT64_MAX ? 0 : (int64_t)until;
}

int ota_cache_defer(struct ota_ctx *ctx, int64_t until)
{
    char digits[24];
    struct ota_strbuf sb;
    const char *parts[] = {"D ", digits, "\n", NULL};

    ota_sb_init(&sb, digits, sizeof digits);
    ota_sb_add_i64(&sb, until);
    return rewrite(ctx, 'D', NULL, until > 0 ? parts : NULL);
}

#include "state.h"

#include <string.h>

#include "fsutil.h"
#include "hex.h"
#include "json.h"
#include "path.h"
#include "strbuf.h"

int ota_entry_parse(const char *line, size_t len, struct ota_entry *e)
{
    const char *size_start = line + 41;
    const char *space;
    size_t path_len;

    if (len < 44 || line[40] != ' ' || !ota_hex_is_sha1(line, 40))
        return OTA_ERR_STATE;
    space = memchr(size_start, ' ', len - 41);
    if (!space || ota_parse_u64(size_start, (size_t)(space - size_start), &e->size) != 0)
        return OTA_ERR_STATE;
    path_len = len - (size_t)(space + 1 - line);
    if (ota_path_check(space + 1, path_len) != OTA_OK)
        return OTA_ERR_STATE;
    memcpy(e->sha, line, 40);
    e->sha[40] = '\0';
    memcpy(e->path, space + 1, path_len);
    e->path[path_len] = '\0';
    return OTA_OK;
}

size_t ota_entry_format(struct ota_ctx *ctx, char op, const struct ota_entry *e)
{
    struct ota_strbuf sb;

    ota_sb_init(&sb, ctx->line, sizeof ctx->line);
    if (op) {
        ota_sb_addc(&sb, op);
        ota_sb_addc(&sb, ' ');
    }
    ota_sb_add(&sb, e->sha);
    ota_sb_addc(&sb, ' ');
    ota_sb_add_u64(&sb, e->size);
    ota_sb_addc(&sb, ' ');
    ota_sb_add(&sb, e->path);
    ota_sb_addc(&sb, '\n');
    return sb.len;
}

/* version.json reader: picks the members it needs, ignores the rest. */
enum { V_OTHER, V_COMMIT, V_REF, V_SEQUENCE, V_POST_UPDATE, V_ROLLBACK };

struct version_reader {
    struct ota_version *v;
    int field;
};

static int version_field(const char *key)
{
    static const char *const names[] = {"commit", "ref", "sequence", "post_update",
                                        "rollback"};
    int i;

    for (i = 0; i < 5; i++)
        if (strcmp(key, names[i]) == 0)
            return i + 1;
    return V_OTHER;
}

static int version_string(struct ota_version *v, int field, const struct ota_json_token *t)
{
    char *dst = field == V_REF ? v->ref : field == V_POST_UPDATE ? v->post_update : v->rollback;

    if (field == V_COMMIT) {
        if (!ota_hex_is_sha1(t->text, t->len))
            return OTA_ERR_STATE;
        memcpy(v->commit, t->text, OTA_SHA1_HEX);
        return OTA_OK;
    }
    if (t->truncated || strlen(t->text) != t->len)
        return OTA_ERR_STATE;
    return ota_copy_str(dst, OTA_PATH_MAX, t->text, t->len) == OTA_OK ? OTA_OK : OTA_ERR_STATE;
}

static int version_token(void *arg, const struct ota_json_token *t)
{
    struct version_reader *r = arg;
    int field = r->field;

    if (t->depth == 0)
        return t->type == OTA_JSON_OBJECT_BEGIN || t->type == OTA_JSON_OBJECT_END
                   ? OTA_OK : OTA_ERR_STATE;
    if (t->depth != 1)
        return OTA_OK;
    r->field = V_OTHER;
    if (t->type == OTA_JSON_KEY) {
        r->field = version_field(t->text);
        return OTA_OK;
    }
    if (field == V_SEQUENCE && t->type == OTA_JSON_NUMBER) {
        r->v->has_sequence = ota_parse_u64(t->text, t->len, &r->v->sequence) == 0;
        return r->v->has_sequence ? OTA_OK : OTA_ERR_STATE;
    }
    if (field != V_OTHER && field != V_SEQUENCE && t->type == OTA_JSON_STRING)
        return version_string(r->v, field, t);
    return OTA_OK;
}

int ota_version_read(struct ota_ctx *ctx, struct ota_version *v)
{
    const struct ota_port *port = ctx->port;
    struct version_reader r;
    struct ota_json j;
    long n;
    int fd, err = OTA_OK;

    memset(v, 0, sizeof *v);
    fd = port->fs.open(port->user, OTA_VERSION_FILE, OTA_OPEN_READ);
    if (fd == OTA_ERR_NOT_FOUND)
        return OTA_OK;
    if (fd < 0)
        return fd;
    r.v = v;
    r.field = V_OTHER;
    ota_json_init(&j, ctx->json_scratch, sizeof ctx->json_scratch, version_token, &r);
    while (err == OTA_OK && (n = port->fs.read(port->user, fd, ctx->io_buf, ctx->io_size)) != 0)
        err = n < 0 ? (int)n : ota_json_feed(&j, ctx->io_buf, (size_t)n);
    if (err == OTA_OK)
        err = ota_json_finish(&j);
    port->fs.close(port->user, fd);
    if (err != OTA_OK) {
        memset(v, 0, sizeof *v);
        return OTA_ERR_STATE;
    }
    return OTA_OK;
}

/* `, "key": ` (`{"key": ` for the first) then the value: a JSON string
 * (escaped into io_buf a piece at a time, so any length fits) or, when
 * text is NULL, the number. */
static int put_member(struct ota_ctx *ctx, int fd, const char *key, const char *text,
                      uint64_t number)
{
    size_t piece = ctx->io_size / 6; /* the longest escape of one byte */
    size_t done, n, len = text ? strlen(text) : 0;
    struct ota_strbuf sb;
    int err;

    ota_sb_init(&sb, ctx->line, sizeof ctx->line);
    ota_sb_add(&sb, strcmp(key, "ref") == 0 ? "{\"" : ", \"");
    ota_sb_add(&sb, key);
    ota_sb_add(&sb, text ? "\": \"" : "\": ");
    if (!text)
        ota_sb_add_u64(&sb, number);
    err = ota_write_all(ctx, fd, ctx->line, sb.len);
    for (done = 0; err == OTA_OK && done < len; done += n) {
        n = len - done < piece ? len - done : piece;
        ota_sb_init(&sb, (char *)ctx->io_buf, ctx->io_size);
        ota_sb_add_json_escaped(&sb, text + done, n);
        err = sb.overflow ? OTA_ERR_NO_MEM
                          : ota_write_all(ctx, fd, (const char *)ctx->io_buf, sb.len);
    }
    return err == OTA_OK && text ? ota_write_all(ctx, fd, "\"", 1) : err;
}

static int put_version(struct ota_ctx *ctx, int fd, const struct ota_version *v)
{
    int err = put_member(ctx, fd, "ref", v->ref, 0);

    if (err == OTA_OK)
        err = put_member(ctx, fd, "commit", v->commit, 0);
    if (err == OTA_OK)
        err = put_member(ctx, fd, "channel",
                         ctx->settings.channel == OTA_CHANNEL_STABLE ? "stable" : "developer", 0);
    if (err == OTA_OK && v->has_sequence)
        err = put_member(ctx, fd, "sequence", NULL, v->sequence);
    if (err == OTA_OK && v->post_update[0])
        err = put_member(ctx, fd, "post_update", v->post_update, 0);
    if (err == OTA_OK && v->rollback[0])
        err = put_member(ctx, fd, "rollback", v->rollback, 0);
    return err == OTA_OK ? ota_write_all(ctx, fd, "}\n", 2) : err;
}

int ota_version_write(struct ota_ctx *ctx, const struct ota_version *v)
{
    const char *tmp = OTA_VERSION_FILE ".tmp";
    int fd = ctx->port->fs.open(ctx->port->user, tmp, OTA_OPEN_WRITE);

    if (fd < 0)
        return fd;
    return ota_replace_with(ctx, fd, tmp, OTA_VERSION_FILE, put_version(ctx, fd, v));
}

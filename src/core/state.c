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

/* version.json reader: picks the two string members it needs. */
struct version_reader {
    char *commit;
    char *ref;
    size_t ref_cap;
    int field; /* 1 = commit, 2 = ref, 0 = other */
};

static int version_token(void *arg, const struct ota_json_token *t)
{
    struct version_reader *v = arg;

    if (t->depth == 1 && t->type == OTA_JSON_KEY) {
        v->field = strcmp(t->text, "commit") == 0 ? 1 : strcmp(t->text, "ref") == 0 ? 2 : 0;
        return OTA_OK;
    }
    if (t->depth == 1 && t->type == OTA_JSON_STRING && v->field == 1) {
        if (!ota_hex_is_sha1(t->text, t->len))
            return OTA_ERR_STATE;
        memcpy(v->commit, t->text, OTA_SHA1_HEX);
    } else if (t->depth == 1 && t->type == OTA_JSON_STRING && v->field == 2) {
        if (ota_copy_str(v->ref, v->ref_cap, t->text, t->len) != OTA_OK)
            return OTA_ERR_STATE;
    }
    if (t->depth == 0 && t->type != OTA_JSON_OBJECT_BEGIN && t->type != OTA_JSON_OBJECT_END)
        return OTA_ERR_STATE;
    return OTA_OK;
}

int ota_version_read(struct ota_ctx *ctx, char commit[OTA_SHA1_HEX], char *ref,
                     size_t ref_cap)
{
    const struct ota_port *port = ctx->port;
    struct version_reader v;
    struct ota_json j;
    long n;
    int fd, err = OTA_OK;

    commit[0] = '\0';
    ref[0] = '\0';
    fd = port->fs.open(port->user, OTA_VERSION_FILE, OTA_OPEN_READ);
    if (fd == OTA_ERR_NOT_FOUND)
        return OTA_OK;
    if (fd < 0)
        return fd;
    v.commit = commit;
    v.ref = ref;
    v.ref_cap = ref_cap;
    v.field = 0;
    ota_json_init(&j, ctx->json_scratch, sizeof ctx->json_scratch, version_token, &v);
    while (err == OTA_OK && (n = port->fs.read(port->user, fd, ctx->io_buf, ctx->io_size)) != 0)
        err = n < 0 ? (int)n : ota_json_feed(&j, ctx->io_buf, (size_t)n);
    if (err == OTA_OK)
        err = ota_json_finish(&j);
    port->fs.close(port->user, fd);
    if (err != OTA_OK) {
        commit[0] = '\0';
        return OTA_ERR_STATE;
    }
    return OTA_OK;
}

int ota_version_write(struct ota_ctx *ctx, const char *commit, const char *ref)
{
    struct ota_strbuf sb;

    ota_sb_init(&sb, ctx->line, sizeof ctx->line);
    ota_sb_add(&sb, "{\"ref\": \"");
    ota_sb_add_json_escaped(&sb, ref, strlen(ref));
    ota_sb_add(&sb, "\", \"commit\": \"");
    ota_sb_add(&sb, commit);
    ota_sb_add(&sb, "\", \"channel\": \"");
    ota_sb_add(&sb, ctx->settings.channel == OTA_CHANNEL_STABLE ? "stable" : "developer");
    ota_sb_add(&sb, "\"}\n");
    if (sb.overflow)
        return OTA_ERR_NO_MEM;
    return ota_write_atomic(ctx, OTA_VERSION_FILE, ctx->line, sb.len);
}

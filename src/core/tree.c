#include "tree.h"

#include <string.h>

#include "hex.h"
#include "log.h"
#include "strbuf.h"

enum { F_OTHER, F_PATH, F_SHA, F_SIZE, F_TYPE, F_MODE };
enum { HAVE_PATH = 1, HAVE_SHA = 2, HAVE_SIZE = 4, HAVE_TYPE = 8 };
enum { KIND_UNKNOWN, KIND_BLOB, KIND_OTHER };

static int field_of(const char *key)
{
    static const char *const names[] = {"path", "sha", "size", "type", "mode"};
    int i;

    for (i = 0; i < 5; i++)
        if (strcmp(key, names[i]) == 0)
            return i + 1;
    return F_OTHER;
}

static int bad(struct ota_tree_reader *t, const char *what)
{
    return ota_fail(t->ctx, OTA_ERR_BAD_RESPONSE, "tree listing: ", what, NULL);
}

static int entry_string(struct ota_tree_reader *t, const struct ota_json_token *tok)
{
    struct ota_entry *e = &t->ctx->entry;

    switch (t->field) {
    case F_PATH:
        if (tok->truncated || tok->len >= sizeof e->path)
            return ota_fail(t->ctx, OTA_ERR_PATH_TOO_LONG, "tree path too long: ",
                            tok->text, "...");
        memcpy(e->path, tok->text, tok->len + 1);
        /* a NUL inside the name would hide the rest of it from C */
        if (strlen(e->path) != tok->len)
            return ota_fail(t->ctx, OTA_ERR_UNSAFE_PATH, "tree path contains NUL", NULL, NULL);
        t->have |= HAVE_PATH;
        break;
    case F_SHA:
        if (tok->len != 40)
            return bad(t, "malformed sha");
        memcpy(e->sha, tok->text, OTA_SHA1_HEX);
        t->have |= HAVE_SHA;
        break;
    case F_TYPE:
        t->kind = strcmp(tok->text, "blob") == 0 ? KIND_BLOB : KIND_OTHER;
        t->have |= HAVE_TYPE;
        break;
    case F_MODE:
        t->symlink = strcmp(tok->text, "120000") == 0;
        break;
    default:
        break;
    }
    return OTA_OK;
}

static int entry_number(struct ota_tree_reader *t, const struct ota_json_token *tok)
{
    if (t->field != F_SIZE)
        return OTA_OK;
    if (tok->truncated || ota_parse_u64(tok->text, tok->len, &t->ctx->entry.size) != 0)
        return bad(t, "malformed size");
    t->have |= HAVE_SIZE;
    return OTA_OK;
}

static int entry_done(struct ota_tree_reader *t)
{
    struct ota_entry *e = &t->ctx->entry;

    if ((t->have & (HAVE_PATH | HAVE_TYPE)) != (HAVE_PATH | HAVE_TYPE))
        return bad(t, "entry without path or type");
    if (t->kind != KIND_BLOB)
        return OTA_OK;
    if ((t->have & (HAVE_SHA | HAVE_SIZE)) != (HAVE_SHA | HAVE_SIZE))
        return bad(t, "blob without sha or size");
    if (!ota_hex_is_sha1(e->sha, strlen(e->sha)))
        return bad(t, "malformed blob sha");
    if (t->symlink) {
        ota_log(t->ctx, OTA_LOG_WARN, "skipping symbolic link ", e->path, NULL);
        return OTA_OK;
    }
    return t->on_blob(t->arg, e);
}

static int top_level(struct ota_tree_reader *t, const struct ota_json_token *tok)
{
    if (tok->type == OTA_JSON_KEY) {
        t->pending_key = strcmp(tok->text, "tree") == 0        ? 1
                         : strcmp(tok->text, "truncated") == 0 ? 2
                                                              : 0;
    } else if (t->pending_key == 1) {
        if (tok->type != OTA_JSON_ARRAY_BEGIN)
            return bad(t, "\"tree\" is not an array");
        t->in_tree = 1;
        t->saw_tree = 1;
    } else if (t->pending_key == 2 && tok->type == OTA_JSON_TRUE) {
        t->truncated = 1;
    }
    return OTA_OK;
}

static int on_token(void *arg, const struct ota_json_token *tok)
{
    struct ota_tree_reader *t = arg;

    if (tok->depth == 0)
        return tok->type == OTA_JSON_OBJECT_BEGIN || tok->type == OTA_JSON_OBJECT_END
                   ? OTA_OK
                   : bad(t, "not an object");
    if (tok->depth == 1) {
        if (tok->type == OTA_JSON_ARRAY_END && t->in_tree) {
            t->in_tree = 0;
            return OTA_OK;
        }
        return top_level(t, tok);
    }
    if (!t->in_tree)
        return OTA_OK;
    if (tok->depth == 2) {
        if (tok->type == OTA_JSON_OBJECT_BEGIN) {
            t->have = 0;
            t->kind = KIND_UNKNOWN;
            t->symlink = 0;
            t->field = F_OTHER;
            return OTA_OK;
        }
        return tok->type == OTA_JSON_OBJECT_END ? entry_done(t) : bad(t, "entry is not an object");
    }
    if (tok->depth == 3 && tok->type == OTA_JSON_KEY) {
        t->field = field_of(tok->text);
        return OTA_OK;
    }
    if (tok->depth == 3 && tok->type == OTA_JSON_STRING)
        return entry_string(t, tok);
    if (tok->depth == 3 && tok->type == OTA_JSON_NUMBER)
        return entry_number(t, tok);
    if (tok->depth == 3 && t->field != F_OTHER &&
        (tok->type == OTA_JSON_OBJECT_BEGIN || tok->type == OTA_JSON_ARRAY_BEGIN ||
         tok->type == OTA_JSON_TRUE || tok->type == OTA_JSON_FALSE))
        return bad(t, "entry member of the wrong type");
    return OTA_OK;
}

void ota_tree_init(struct ota_tree_reader *t, struct ota_ctx *ctx,
                   ota_tree_blob_cb on_blob, void *arg)
{
    memset(t, 0, sizeof *t);
    t->ctx = ctx;
    t->on_blob = on_blob;
    t->arg = arg;
    ota_json_init(&t->json, ctx->json_scratch, sizeof ctx->json_scratch, on_token, t);
}

int ota_tree_feed(struct ota_tree_reader *t, const uint8_t *p, size_t n)
{
    int err = ota_json_feed(&t->json, p, n);

    if (err != OTA_OK)
        return ota_fail(t->ctx, err, "tree listing: ", ota_strerror(err), NULL);
    return OTA_OK;
}

int ota_tree_finish(struct ota_tree_reader *t)
{
    int err = ota_json_finish(&t->json);

    if (err != OTA_OK)
        return ota_fail(t->ctx, err, "tree listing: ", ota_strerror(err), NULL);
    if (t->truncated)
        return ota_fail(t->ctx, OTA_ERR_TREE_TRUNCATED,
                        "the server truncated the tree listing; narrow it with a manifest", NULL, NULL);
    if (!t->saw_tree)
        return bad(t, "no \"tree\" member");
    return OTA_OK;
}

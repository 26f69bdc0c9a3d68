#include "release.h"

#include <string.h>

#include "github.h"
#include "json.h"
#include "log.h"
#include "strbuf.h"

enum { FIELD_NONE, FIELD_TAG, FIELD_ASSETS };
enum { ASSET_ID = 1, ASSET_NAME, ASSET_SIZE };
enum { KIND_OTHER, KIND_MANIFEST, KIND_SIGNATURE };

/* The release JSON is streamed: only tag_name and the id, name and size of
 * each asset are kept. */
struct release_reader {
    struct ota_ctx *ctx;
    struct ota_json json;
    struct ota_release *rel;
    int top_field;
    int asset_field;
    int kind;
    uint64_t id, size;
    int found;
};

/* A tag ends up in version.json and the commit record: no control
 * characters (git refuses them in ref names anyway). */
static int printable(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

static int top_level(struct release_reader *r, const struct ota_json_token *t)
{
    struct ota_release *rel = r->rel;

    if (t->type == OTA_JSON_KEY) {
        r->top_field = strcmp(t->text, "tag_name") == 0 ? FIELD_TAG
                       : strcmp(t->text, "assets") == 0 ? FIELD_ASSETS : FIELD_NONE;
        return OTA_OK;
    }
    if (r->top_field == FIELD_TAG) {
        if (t->type != OTA_JSON_STRING || t->truncated || t->len == 0 ||
            !printable(t->text, t->len) ||
            ota_copy_str(rel->tag, sizeof rel->tag, t->text, t->len) != OTA_OK)
            return OTA_ERR_BAD_RESPONSE;
        r->found = 1;
    } else if (r->top_field == FIELD_ASSETS && t->type != OTA_JSON_ARRAY_BEGIN) {
        return OTA_ERR_BAD_RESPONSE;
    }
    if (t->type != OTA_JSON_ARRAY_BEGIN)
        r->top_field = FIELD_NONE;
    return OTA_OK;
}

static int asset_value(struct release_reader *r, const struct ota_json_token *t)
{
    int field = r->asset_field;

    r->asset_field = 0;
    if (field == ASSET_NAME && t->type == OTA_JSON_STRING) {
        r->kind = strcmp(t->text, OTA_MANIFEST_ASSET) == 0    ? KIND_MANIFEST
                  : strcmp(t->text, OTA_SIGNATURE_ASSET) == 0 ? KIND_SIGNATURE
                                                              : KIND_OTHER;
        return OTA_OK;
    }
    if (field == ASSET_ID || field == ASSET_SIZE) {
        uint64_t *out = field == ASSET_ID ? &r->id : &r->size;
        if (t->type != OTA_JSON_NUMBER || ota_parse_u64(t->text, t->len, out) != 0)
            return OTA_ERR_BAD_RESPONSE;
    }
    return OTA_OK;
}

static void asset_done(struct release_reader *r)
{
    if (r->kind == KIND_MANIFEST) {
        r->rel->manifest_id = r->id;
        r->rel->manifest_size = r->size;
    } else if (r->kind == KIND_SIGNATURE) {
        r->rel->signature_id = r->id;
        r->rel->signature_size = r->size;
    }
}

static int in_assets(struct release_reader *r, const struct ota_json_token *t)
{
    if (t->depth == 2 && t->type == OTA_JSON_OBJECT_BEGIN) {
        r->kind = KIND_OTHER;
        r->id = r->size = 0;
        r->asset_field = 0;
    } else if (t->depth == 2 && t->type == OTA_JSON_OBJECT_END) {
        asset_done(r);
    } else if (t->depth == 3 && t->type == OTA_JSON_KEY) {
        r->asset_field = strcmp(t->text, "id") == 0     ? ASSET_ID
                         : strcmp(t->text, "name") == 0 ? ASSET_NAME
                         : strcmp(t->text, "size") == 0 ? ASSET_SIZE : 0;
    } else if (t->depth == 3) {
        return asset_value(r, t);
    }
    return OTA_OK;
}

static int release_token(void *arg, const struct ota_json_token *t)
{
    struct release_reader *r = arg;

    if (t->depth == 0)
        return t->type == OTA_JSON_OBJECT_BEGIN || t->type == OTA_JSON_OBJECT_END
                   ? OTA_OK : OTA_ERR_BAD_RESPONSE;
    if (t->depth == 1 && t->type == OTA_JSON_ARRAY_END && r->top_field == FIELD_ASSETS) {
        r->top_field = FIELD_NONE;
        return OTA_OK;
    }
    if (t->depth == 1)
        return top_level(r, t);
    return r->top_field == FIELD_ASSETS ? in_assets(r, t) : OTA_OK;
}

static int rr_begin(void *arg)
{
    struct release_reader *r = arg;
    struct ota_ctx *ctx = r->ctx;
    struct ota_release *rel = r->rel;

    memset(rel, 0, sizeof *rel);
    r->found = 0;
    r->top_field = FIELD_NONE;
    ota_json_init(&r->json, ctx->json_scratch, sizeof ctx->json_scratch, release_token, r);
    return OTA_OK;
}

static int rr_data(void *arg, const uint8_t *p, size_t n)
{
    struct release_reader *r = arg;

    return ota_json_feed(&r->json, p, n);
}

static int rr_end(void *arg)
{
    struct release_reader *r = arg;

    return ota_json_finish(&r->json);
}

static int release_url(struct ota_ctx *ctx, const char *tag, char *what, size_t cap)
{
    struct ota_strbuf sb, w;

    ota_github_repo_url(ctx, &sb);
    ota_sb_init(&w, what, cap);
    ota_sb_add(&w, tag ? "releases/tags/" : "releases/latest");
    if (tag) {
        ota_sb_add(&w, tag);
        ota_sb_add(&sb, "releases/tags/");
        ota_sb_add_url_escaped(&sb, tag, 0);
    } else {
        ota_sb_add(&sb, "releases/latest");
    }
    return sb.overflow || w.overflow ? ota_fail(ctx, OTA_ERR_NO_MEM, "URL too long", NULL, NULL)
                                     : OTA_OK;
}

static int not_found(struct ota_ctx *ctx, const char *tag)
{
    if (tag)
        return ota_fail_explain(ctx, OTA_ERR_HTTP_NOT_FOUND, "no release for tag \"", tag,
                                "\" (or a private repository without a token)");
    return ota_fail_explain(ctx, OTA_ERR_HTTP_NOT_FOUND,
                            "no published release found (the stable channel needs one,"
                            " or set \"tag\"; a private repository needs a token)",
                            NULL, NULL);
}

int ota_release_get(struct ota_ctx *ctx, const char *tag, int fresh, struct ota_release *rel)
{
    struct release_reader r;
    struct ota_body body = {rr_begin, rr_data, rr_end, NULL, NULL};
    struct ota_cached_answer ans;
    char what[OTA_PATH_MAX + 32];
    int err;

    memset(&r, 0, sizeof r);
    memset(rel, 0, sizeof *rel);
    r.ctx = ctx;
    r.rel = rel;
    body.arg = &r;
    err = release_url(ctx, tag, what, sizeof what);
    if (err != OTA_OK)
        return err;
    ans.fresh = fresh;
    err = ota_github_cached_get(ctx, what, "application/vnd.github+json", &body, &ans);
    if (err == OTA_ERR_HTTP_NOT_FOUND)
        return not_found(ctx, tag);
    if (err != OTA_OK)
        return ota_fail(ctx, err, "release: ", ota_strerror(err), NULL);
    if (ans.not_modified) {
        rel->unchanged = 1;
        return ota_copy_str(rel->tag, sizeof rel->tag, ans.value, strlen(ans.value)) == OTA_OK
                   ? OTA_OK
                   : ota_fail(ctx, OTA_ERR_BAD_RESPONSE, "cached tag too long", NULL, NULL);
    }
    if (!r.found)
        return ota_fail(ctx, OTA_ERR_BAD_RESPONSE, "release without tag_name", NULL, NULL);
    ota_github_remember(ctx, &ans, rel->tag);
    return OTA_OK;
}

int ota_release_fetch_asset(struct ota_ctx *ctx, uint64_t id, const struct ota_body *body)
{
    struct ota_http_result res;
    struct ota_strbuf sb;

    ota_github_repo_url(ctx, &sb);
    ota_sb_add(&sb, "releases/assets/");
    ota_sb_add_u64(&sb, id);
    if (sb.overflow)
        return ota_fail(ctx, OTA_ERR_NO_MEM, "URL too long", NULL, NULL);
    return ota_http_fetch(ctx, "application/octet-stream", NULL, body, &res);
}

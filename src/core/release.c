#include "release.h"

#include <string.h>

#include "github.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "strbuf.h"

struct release_reader {
    struct ota_ctx *ctx;
    struct ota_json json;
    char *tag;
    size_t cap;
    int in_tag_name;
    int found;
};

static int release_token(void *arg, const struct ota_json_token *t)
{
    struct release_reader *r = arg;

    if (t->depth == 1 && t->type == OTA_JSON_KEY) {
        r->in_tag_name = strcmp(t->text, "tag_name") == 0;
        return OTA_OK;
    }
    if (t->depth == 1 && r->in_tag_name) {
        r->in_tag_name = 0;
        if (t->type != OTA_JSON_STRING || t->truncated || t->len == 0 ||
            strlen(t->text) != t->len ||
            ota_copy_str(r->tag, r->cap, t->text, t->len) != OTA_OK)
            return OTA_ERR_BAD_RESPONSE;
        r->found = 1;
    }
    return OTA_OK;
}

static int rr_begin(void *arg)
{
    struct release_reader *r = arg;
    struct ota_ctx *ctx = r->ctx;

    r->found = 0;
    r->in_tag_name = 0;
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

int ota_release_latest_tag(struct ota_ctx *ctx, char *tag, size_t cap, int *unchanged)
{
    struct release_reader r;
    struct ota_body body = {rr_begin, rr_data, rr_end, NULL};
    struct ota_cached_answer ans;
    struct ota_strbuf sb;
    int err;

    memset(&r, 0, sizeof r);
    r.ctx = ctx;
    r.tag = tag;
    r.cap = cap;
    body.arg = &r;
    ota_github_repo_url(ctx, &sb);
    ota_sb_add(&sb, "releases/latest");
    if (sb.overflow)
        return ota_fail(ctx, OTA_ERR_NO_MEM, "URL too long", NULL, NULL);
    err = ota_github_cached_get(ctx, "releases/latest", "application/vnd.github+json", &body,
                                &ans);
    if (err == OTA_ERR_HTTP_NOT_FOUND)
        return ota_fail_explain(ctx, err, "no published release found (the stable channel needs one,"
                        " or set \"tag\")", NULL, NULL);
    if (err != OTA_OK)
        return ota_fail(ctx, err, "latest release: ", ota_strerror(err), NULL);
    *unchanged = ans.not_modified;
    if (ans.not_modified)
        return ota_copy_str(tag, cap, ans.value, strlen(ans.value)) == OTA_OK
                   ? OTA_OK
                   : ota_fail(ctx, OTA_ERR_BAD_RESPONSE, "cached tag too long", NULL, NULL);
    if (!r.found)
        return ota_fail(ctx, OTA_ERR_BAD_RESPONSE, "latest release has no tag_name", NULL, NULL);
    ota_github_remember(ctx, &ans, tag);
    return OTA_OK;
}

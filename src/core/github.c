#include "github.h"

#include <string.h>

#include "bodysink.h"
#include "cache.h"
#include "hex.h"
#include "log.h"
#include "strbuf.h"

#define ACCEPT_JSON "application/vnd.github+json"
#define ACCEPT_SHA "application/vnd.github.sha"

void ota_github_repo_url(struct ota_ctx *ctx, struct ota_strbuf *sb)
{
    const struct ota_settings *s = &ctx->settings;

    ota_sb_init(sb, ctx->url, sizeof ctx->url);
    ota_sb_add(sb, s->api_url);
    ota_sb_add(sb, "/repos/");
    ota_sb_add_url_escaped(sb, s->owner, 0);
    ota_sb_addc(sb, '/');
    ota_sb_add_url_escaped(sb, s->repo, 0);
    ota_sb_addc(sb, '/');
}

static int url_done(struct ota_ctx *ctx, const struct ota_strbuf *sb)
{
    return sb->overflow ? ota_fail(ctx, OTA_ERR_NO_MEM, "URL too long", NULL, NULL) : OTA_OK;
}

int ota_github_cache_key(struct ota_ctx *ctx, char *key, size_t cap, const char *what)
{
    struct ota_strbuf sb;

    ota_sb_init(&sb, key, cap);
    ota_sb_add(&sb, ctx->settings.owner);
    ota_sb_addc(&sb, '/');
    ota_sb_add(&sb, ctx->settings.repo);
    ota_sb_addc(&sb, ':');
    ota_sb_add(&sb, what);
    return sb.overflow ? OTA_ERR_NO_MEM : OTA_OK;
}

int ota_github_cached_get(struct ota_ctx *ctx, const char *what, const char *accept,
                          const struct ota_body *body, struct ota_cached_answer *ans)
{
    struct ota_http_result res;
    int err;

    ans->have = ota_github_cache_key(ctx, ans->key, sizeof ans->key, what) == OTA_OK &&
                !ans->fresh &&
                ota_cache_lookup(ctx, ans->key, ans->value, sizeof ans->value, ans->etag);
    ans->not_modified = 0;
    err = ota_http_fetch(ctx, accept, ans->have ? ans->etag : NULL, body, &res);
    if (err != OTA_OK)
        return err;
    if (res.status == 304) {
        if (!ans->have)
            return ota_fail(ctx, OTA_ERR_BAD_RESPONSE, "304 for a request without ETag",
                            NULL, NULL);
        ans->not_modified = 1;
        ctx->stats.not_modified++;
        return OTA_OK;
    }
    if (res.status != 200)
        return ota_fail(ctx, OTA_ERR_BAD_RESPONSE, "unexpected status from ", ctx->url, NULL);
    memcpy(ans->etag, res.etag, sizeof res.etag < sizeof ans->etag ? sizeof res.etag
                                                                    : sizeof ans->etag);
    ans->etag[sizeof ans->etag - 1] = '\0';
    return OTA_OK;
}

void ota_github_remember(struct ota_ctx *ctx, const struct ota_cached_answer *ans,
                         const char *value)
{
    if (!ans->not_modified && ans->etag[0] &&
        ota_cache_store(ctx, ans->key, value, ans->etag) != OTA_OK)
        ota_log(ctx, OTA_LOG_WARN, "cannot write ", OTA_CACHE_FILE, NULL);
}

int ota_github_remembered_commit(struct ota_ctx *ctx, const char *ref,
                                 char commit[OTA_SHA1_HEX])
{
    char key[OTA_PATH_MAX + 64], what[OTA_PATH_MAX + 16], value[OTA_SHA1_HEX + 1];
    char etag[OTA_ETAG_MAX];
    struct ota_strbuf sb;

    ota_sb_init(&sb, what, sizeof what);
    ota_sb_add(&sb, "commits/");
    ota_sb_add(&sb, ref);
    if (sb.overflow || ota_github_cache_key(ctx, key, sizeof key, what) != OTA_OK ||
        !ota_cache_lookup(ctx, key, value, sizeof value, etag) ||
        !ota_hex_is_sha1(value, strlen(value)))
        return 0;
    memcpy(commit, value, OTA_SHA1_HEX);
    return 1;
}

int ota_github_resolve(struct ota_ctx *ctx, const char *ref,
                       char commit[OTA_SHA1_HEX])
{
    uint8_t text[OTA_SHA1_HEX]; /* the sha media type answers 40 bytes */
    struct ota_mem_sink b;
    struct ota_body body;
    struct ota_cached_answer ans;
    struct ota_strbuf sb;
    char what[OTA_PATH_MAX + 16];
    int err;

    ans.fresh = 0;
    ota_github_repo_url(ctx, &sb);
    ota_sb_add(&sb, "commits/");
    ota_sb_add_url_escaped(&sb, ref, 1);
    err = url_done(ctx, &sb);
    if (err != OTA_OK)
        return err;
    ota_sb_init(&sb, what, sizeof what);
    ota_sb_add(&sb, "commits/");
    ota_sb_add(&sb, ref);
    ota_mem_sink_init(&b, text, 40, &body);
    err = ota_github_cached_get(ctx, what, ACCEPT_SHA, &body, &ans);
    if (err == OTA_ERR_HTTP_NOT_FOUND)
        return ota_fail_explain(ctx, err, "repository or ref \"", ref,
                        "\" not found (a private repository needs a token)");
    if (err != OTA_OK)
        return err;
    if (ans.not_modified) {
        b.len = strlen(ans.value);
        b.overflow = b.len > 40;
        if (!b.overflow)
            memcpy(text, ans.value, b.len);
    }
    if (b.overflow || !ota_hex_is_sha1((const char *)text, b.len))
        return ota_fail(ctx, OTA_ERR_BAD_RESPONSE, "commit lookup for \"", ref,
                        "\" did not answer a commit sha");
    memcpy(commit, text, 40);
    commit[40] = '\0';
    ota_github_remember(ctx, &ans, commit);
    return OTA_OK;
}

int ota_github_tree(struct ota_ctx *ctx, const char *commit,
                    const struct ota_body *body)
{
    struct ota_http_result res;
    struct ota_strbuf sb;
    int err;

    ota_github_repo_url(ctx, &sb);
    ota_sb_add(&sb, "git/trees/");
    ota_sb_add(&sb, commit);
    ota_sb_add(&sb, "?recursive=1");
    err = url_done(ctx, &sb);
    if (err == OTA_OK)
        err = ota_http_fetch(ctx, ACCEPT_JSON, NULL, body, &res);
    if (err == OTA_OK && res.status != 200)
        err = ota_fail(ctx, OTA_ERR_BAD_RESPONSE, "tree listing: unexpected status", NULL, NULL);
    return err;
}

int ota_github_release_download_url(struct ota_ctx *ctx, const char *tag, const char *name)
{
    const struct ota_settings *s = &ctx->settings;
    struct ota_strbuf sb;

    ota_sb_init(&sb, ctx->url, sizeof ctx->url);
    ota_sb_add(&sb, s->web_url);
    ota_sb_addc(&sb, '/');
    ota_sb_add_url_escaped(&sb, s->owner, 0);
    ota_sb_addc(&sb, '/');
    ota_sb_add_url_escaped(&sb, s->repo, 0);
    ota_sb_add(&sb, "/releases/download/");
    ota_sb_add_url_escaped(&sb, tag, 0);
    ota_sb_addc(&sb, '/');
    ota_sb_add_url_escaped(&sb, name, 0);
    return url_done(ctx, &sb);
}

int ota_github_raw_url(struct ota_ctx *ctx, const char *commit, const char *path)
{
    const struct ota_settings *s = &ctx->settings;
    struct ota_strbuf sb;

    ota_sb_init(&sb, ctx->url, sizeof ctx->url);
    ota_sb_add(&sb, s->raw_url);
    ota_sb_addc(&sb, '/');
    ota_sb_add_url_escaped(&sb, s->owner, 0);
    ota_sb_addc(&sb, '/');
    ota_sb_add_url_escaped(&sb, s->repo, 0);
    ota_sb_addc(&sb, '/');
    ota_sb_add(&sb, commit);
    ota_sb_addc(&sb, '/');
    ota_sb_add_url_escaped(&sb, path, 1);
    return url_done(ctx, &sb);
}

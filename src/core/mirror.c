#include "mirror.h"

#include <string.h>

#include "blob.h"
#include "bodysink.h"
#include "github.h"
#include "hex.h"
#include "json.h"
#include "log.h"
#include "strbuf.h"

#define POINTER_MAX 1024 /* ours take about 400 bytes */
#define FORMAT "ota-channel/1"

const char *ota_mirror_channel(const struct ota_ctx *ctx)
{
    const char *c = ctx->settings.mirror_channel;

    if (c && c[0])
        return c;
    return ctx->settings.channel == OTA_CHANNEL_STABLE ? "stable" : "developer";
}

/* base_url + parts (a base with a trailing slash is the same base). */
static int mirror_url(struct ota_ctx *ctx, const char *a, const char *b, const char *c)
{
    const char *base = ctx->settings.mirror_url;
    size_t n = strlen(base);
    struct ota_strbuf sb;

    while (n > 0 && base[n - 1] == '/')
        n--;
    ota_sb_init(&sb, ctx->url, sizeof ctx->url);
    ota_sb_addn(&sb, base, n);
    ota_sb_addc(&sb, '/');
    ota_sb_add(&sb, a);
    ota_sb_add(&sb, b ? b : "");
    ota_sb_add(&sb, c ? c : "");
    if (sb.overflow)
        return ota_fail(ctx, OTA_ERR_PATH_TOO_LONG, "mirror URL too long", NULL, NULL);
    return OTA_OK;
}

int ota_mirror_file_url(struct ota_ctx *ctx, const char *dir, const char *name)
{
    return mirror_url(ctx, dir, name, NULL);
}

int ota_mirror_manifest_url(struct ota_ctx *ctx, const char *sha256)
{
    return mirror_url(ctx, "manifests/", sha256, ".json");
}

int ota_mirror_object_url(struct ota_ctx *ctx, const char *blob)
{
    return mirror_url(ctx, "objects/", blob, NULL);
}

/* ---- the channel pointer --------------------------------------------------------- */

struct pointer {
    struct ota_ctx *ctx;
    const char *channel;
    char key[16];
    int seen_format, seen_channel;
    char commit[OTA_SHA1_HEX];
    char manifest[OTA_SHA256_HEX];
    char signature[2 * 64 + 1];
};

static int is_hex(const char *s, size_t n, size_t want)
{
    size_t i;

    if (n != want)
        return 0;
    for (i = 0; i < n; i++)
        if (ota_hex_value(s[i]) < 0 || (s[i] >= 'A' && s[i] <= 'F'))
            return 0;
    return 1;
}

static int take_hex(char *out, const struct ota_json_token *t, size_t want)
{
    if (t->type != OTA_JSON_STRING || !is_hex(t->text, t->len, want))
        return OTA_ERR_BAD_RESPONSE;
    memcpy(out, t->text, want + 1);
    return OTA_OK;
}

static int member(struct pointer *p, const struct ota_json_token *t)
{
    if (strcmp(p->key, "format") == 0) {
        p->seen_format = t->type == OTA_JSON_STRING && strcmp(t->text, FORMAT) == 0;
        return p->seen_format ? OTA_OK : OTA_ERR_BAD_RESPONSE;
    }
    if (strcmp(p->key, "channel") == 0) {
        p->seen_channel = t->type == OTA_JSON_STRING && strcmp(t->text, p->channel) == 0;
        return p->seen_channel ? OTA_OK : OTA_ERR_BAD_RESPONSE;
    }
    if (strcmp(p->key, "commit") == 0)
        return take_hex(p->commit, t, 40);
    if (strcmp(p->key, "manifest") == 0)
        return take_hex(p->manifest, t, 64);
    if (strcmp(p->key, "signature") == 0)
        return take_hex(p->signature, t, 128);
    return OTA_OK; /* sequence, sizes, times: the manifest is what counts */
}

static int on_token(void *arg, const struct ota_json_token *t)
{
    struct pointer *p = arg;

    if (t->depth == 0)
        return t->type == OTA_JSON_OBJECT_BEGIN || t->type == OTA_JSON_OBJECT_END
                   ? OTA_OK : OTA_ERR_BAD_RESPONSE;
    if (t->depth > 1)
        return OTA_OK;
    if (t->type == OTA_JSON_KEY) {
        size_t n = t->len < sizeof p->key - 1 ? t->len : sizeof p->key - 1;
        memcpy(p->key, t->text, n);
        p->key[n] = '\0';
        return OTA_OK;
    }
    return member(p, t);
}

static int parse_pointer(struct pointer *p, const uint8_t *text, size_t len)
{
    struct ota_json j;
    int err;

    ota_json_init(&j, p->ctx->json_scratch, sizeof p->ctx->json_scratch, on_token, p);
    err = ota_json_feed(&j, text, len);
    if (err == OTA_OK)
        err = ota_json_finish(&j);
    if (err == OTA_OK && !(p->seen_format && p->seen_channel && p->commit[0] &&
                           p->manifest[0] && p->signature[0]))
        err = OTA_ERR_BAD_RESPONSE;
    if (err != OTA_OK)
        return ota_fail(p->ctx, OTA_ERR_BAD_RESPONSE, "mirror channel pointer ", p->channel,
                        " is not an " FORMAT " pointer for this channel");
    return OTA_OK;
}

/* The cache keeps "<commit>:<manifest sha256>:<signature>" for a 304. */
static void remembered(struct ota_cached_answer *ans, const struct pointer *p)
{
    struct ota_strbuf sb;
    char value[OTA_PATH_MAX];

    ota_sb_init(&sb, value, sizeof value);
    ota_sb_add(&sb, p->commit);
    ota_sb_addc(&sb, ':');
    ota_sb_add(&sb, p->manifest);
    ota_sb_addc(&sb, ':');
    ota_sb_add(&sb, p->signature);
    memcpy(ans->value, value, sizeof value);
}

static int recall(struct pointer *p, const char *value)
{
    size_t n = strlen(value);

    if (n != 40 + 1 + 64 + 1 + 128 || value[40] != ':' || value[105] != ':' ||
        !is_hex(value, 40, 40) || !is_hex(value + 41, 64, 64) || !is_hex(value + 106, 128, 128))
        return ota_fail(p->ctx, OTA_ERR_STATE, "the remembered channel pointer is corrupt", NULL,
                        NULL);
    memcpy(p->commit, value, 40);
    memcpy(p->manifest, value + 41, 64);
    memcpy(p->signature, value + 106, 128);
    p->commit[40] = p->manifest[64] = p->signature[128] = '\0';
    return OTA_OK;
}

static int fetch_pointer(struct ota_ctx *ctx, struct pointer *p)
{
    struct ota_mem_sink b;
    struct ota_body body;
    struct ota_cached_answer ans;
    char what[OTA_PATH_MAX];
    struct ota_strbuf sb;
    size_t cap = ctx->io_size < POINTER_MAX ? ctx->io_size : POINTER_MAX;
    int err = mirror_url(ctx, "channels/", p->channel, ".json");

    if (err != OTA_OK)
        return err;
    ans.fresh = 0;
    ota_sb_init(&sb, what, sizeof what);
    ota_sb_add(&sb, "mirror:");
    ota_sb_add(&sb, p->channel);
    /* io_buf is idle until the plan: the pointer goes there */
    ota_mem_sink_init(&b, ctx->io_buf, cap, &body);
    err = ota_github_cached_get(ctx, what, "application/json", &body, &ans);
    if (err == OTA_ERR_HTTP_NOT_FOUND)
        return ota_fail_explain(ctx, err, "mirror has no channel \"", p->channel, "\"");
    if (err != OTA_OK)
        return err;
    if (ans.not_modified)
        return recall(p, ans.value);
    if (b.overflow)
        return ota_fail(ctx, OTA_ERR_TOO_LARGE, "mirror channel pointer is too large", NULL,
                        NULL);
    err = parse_pointer(p, ctx->io_buf, b.len);
    if (err == OTA_OK) {
        remembered(&ans, p);
        ota_github_remember(ctx, &ans, ans.value);
    }
    return err;
}

int ota_mirror_resolve(struct ota_ctx *ctx, struct ota_result *out, struct ota_release *rel)
{
    struct pointer p;
    int err;

    memset(&p, 0, sizeof p);
    p.ctx = ctx;
    p.channel = ota_mirror_channel(ctx);
    err = fetch_pointer(ctx, &p);
    if (err != OTA_OK)
        return err;
    memset(rel, 0, sizeof *rel);
    rel->mirror = 1;
    rel->manifest_id = 1; /* it has a manifest: the plan comes from it */
    memcpy(rel->manifest_sha256, p.manifest, sizeof rel->manifest_sha256);
    memcpy(rel->signature_hex, p.signature, sizeof rel->signature_hex);
    err = ota_copy_str(rel->tag, sizeof rel->tag, p.channel, strlen(p.channel));
    if (err == OTA_OK)
        err = ota_copy_str(out->ref, sizeof out->ref, p.channel, strlen(p.channel));
    memcpy(out->commit, p.commit, OTA_SHA1_HEX);
    return err;
}

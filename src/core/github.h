/* The GitHub REST API and raw host, as the engine uses them. */
#ifndef OTA_CORE_GITHUB_H
#define OTA_CORE_GITHUB_H

#include "cache.h"
#include "http.h"
#include "strbuf.h"
#include "ota/ota.h"

/* Starts ctx->url with "{api_url}/repos/{owner}/{repo}/". */
void ota_github_repo_url(struct ota_ctx *ctx, struct ota_strbuf *sb);

/* An API answer that may be remembered with its ETag (see cache.h). */
struct ota_cached_answer {
    char key[OTA_PATH_MAX + 64]; /* "owner/repo:what" */
    char value[OTA_PATH_MAX];    /* the remembered answer */
    char etag[OTA_ETAG_MAX];
    int fresh;                   /* set by the caller: do not revalidate */
    int have;                    /* value and etag came from the cache */
    int not_modified;            /* the server answered 304: value is current */
};

/* GETs ctx->url, revalidating the answer remembered for `what` (e.g.
 * "commits/main") with If-None-Match. A 200 goes to body and leaves the new
 * ETag in ans; a 304 leaves ans->not_modified set and ans->value current. */
int ota_github_cached_get(struct ota_ctx *ctx, const char *what, const char *accept,
                          const struct ota_body *body, struct ota_cached_answer *ans);

/* Remembers value with the ETag of a 200 answer (no-op after a 304). */
void ota_github_remember(struct ota_ctx *ctx, const struct ota_cached_answer *ans,
                         const char *value);

/* The cache key "owner/repo:what". */
int ota_github_cache_key(struct ota_ctx *ctx, char *key, size_t cap, const char *what);

/* Resolves ref (branch, tag or sha) to its commit in one request:
 * GET /repos/{o}/{r}/commits/{ref} with Accept: application/vnd.github.sha,
 * which answers 40 bytes and peels annotated tags. */
int ota_github_resolve(struct ota_ctx *ctx, const char *ref,
                       char commit[OTA_SHA1_HEX]);

/* 1 and commit filled when an earlier resolve of ref is remembered. */
int ota_github_remembered_commit(struct ota_ctx *ctx, const char *ref,
                                 char commit[OTA_SHA1_HEX]);

/* Streams the recursive tree of commit into body. */
int ota_github_tree(struct ota_ctx *ctx, const char *commit,
                    const struct ota_body *body);

/* Puts the raw-host URL of path at commit into ctx->url. */
int ota_github_raw_url(struct ota_ctx *ctx, const char *commit, const char *path);

/* ctx->url = web_url/{o}/{r}/releases/download/{tag}/{name}: a release
 * asset by name (github.com's browser_download_url; public repositories). */
int ota_github_release_download_url(struct ota_ctx *ctx, const char *tag, const char *name);

#endif

/* The GitHub REST API and raw host, as the engine uses them. */
#ifndef OTA_CORE_GITHUB_H
#define OTA_CORE_GITHUB_H

#include "http.h"
#include "strbuf.h"
#include "ota/ota.h"

/* Starts ctx->url with "{api_url}/repos/{owner}/{repo}/". */
void ota_github_repo_url(struct ota_ctx *ctx, struct ota_strbuf *sb);

/* Resolves ref (branch, tag or sha) to its commit in one request:
 * GET /repos/{o}/{r}/commits/{ref} with Accept: application/vnd.github.sha,
 * which answers 40 bytes and peels annotated tags. */
int ota_github_resolve(struct ota_ctx *ctx, const char *ref,
                       char commit[OTA_SHA1_HEX]);

/* Streams the recursive tree of commit into body. */
int ota_github_tree(struct ota_ctx *ctx, const char *commit,
                    const struct ota_body *body);

/* Puts the raw-host URL of path at commit into ctx->url. */
int ota_github_raw_url(struct ota_ctx *ctx, const char *commit, const char *path);

#endif

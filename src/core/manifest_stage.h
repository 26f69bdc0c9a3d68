/* A release manifest on its way to the device: its two assets downloaded
 * into the stage, the signature checked over the exact bytes (Ed25519 with
 * settings.public_key, or the original system's HMAC with manifest_key),
 * the document read and checked as it streams into a list of entries in
 * the stage, in document order, and its freshness judged against what is
 * installed. Only then may the list be planned (manifest_plan.h). */
#ifndef OTA_CORE_MANIFEST_STAGE_H
#define OTA_CORE_MANIFEST_STAGE_H

#include "manifest.h"
#include "release.h"
#include "state.h"

#define OTA_MANIFEST_MAX_BYTES (16u * 1024u * 1024u)
#define OTA_ENTRIES_FILE "entries"

/* What the planner needs to know of the staged list. */
struct ota_manifest_staged {
    uint32_t file_count;
    int sorted; /* files in byte order (always so for ota-manifest/1) */
    int32_t rollout_percent; /* the manifest's "rollout_percent", -1: none */
};

/* Stages the manifest of rel, whose tag resolved to next->commit. On entry
 * next->has_sequence and next->sequence say what is installed; on success
 * they, and next's hooks, are the manifest's. Any failure leaves the device
 * untouched. */
int ota_manifest_stage(struct ota_ctx *ctx, const struct ota_release *rel,
                       struct ota_version *next, struct ota_manifest_staged *out);

/* One line of the entry list: a file or a delete, in document order. */
int ota_entry_line_parse(const char *line, size_t len, struct ota_manifest_file *f,
                         int *is_delete);

#endif

/* Reads a release manifest (docs/manifest.md) as it streams: the
 * "ota-manifest/1" format and the original system's format, told apart by the
 * "format" member. Memory is this struct plus the ctx's JSON scratch buffer,
 * whatever the number of files: each file and delete is handed to a callback
 * as soon as it is complete and checked, and nothing of the document is kept.
 *
 *   ota_manifest_init(&m, ctx, &callbacks);
 *   ota_manifest_feed(&m, chunk, n);     // as the body arrives, any split
 *   ota_manifest_finish(&m, &info);      // only now is the manifest accepted
 *
 * Nothing delivered before finish() returns OTA_OK may be acted upon: a
 * streamed document can still turn out truncated, unsorted or duplicated.
 *
 * Paths that cannot both exist on a device (the same path twice, two paths
 * equal but for ASCII case, a file that is also a directory of another file,
 * a path both installed and deleted) are refused with OTA_ERR_DUPLICATE. A
 * fixed Bloom filter over the ASCII-lowercased paths finds the candidates; a
 * candidate is confirmed by the caller, which keeps the entries anyway (its
 * staged list): callbacks.conflicts() answers by checking the new path
 * against each entry delivered so far with ota_manifest_conflict(). */
#ifndef OTA_CORE_MANIFEST_H
#define OTA_CORE_MANIFEST_H

#include "json.h"
#include "ota/ota.h"

#define OTA_MANIFEST_FORMAT "ota-manifest/1"
#define OTA_MANIFEST_MAX_FILES 65535u   /* also the limit for deletes */
#define OTA_MANIFEST_MAX_INT 9007199254740991u /* 2^53 - 1: sizes, sequence, expires */
#define OTA_MANIFEST_SHA256_HEX 65      /* 64 hex digits and a NUL */
#define OTA_MANIFEST_FILTER_BYTES 512   /* the built-in Bloom filter */

/* One entry of "files". Hex digests are lowercase, "" when absent. */
struct ota_manifest_file {
    char path[OTA_PATH_MAX];
    uint64_t size;
    char sha1[OTA_SHA1_HEX];              /* git blob SHA-1 */
    char sha256[OTA_MANIFEST_SHA256_HEX]; /* SHA-256 of the content */
    uint32_t crc32;
    int has_crc32;      /* 0 absent, 1 written as a number, 2 as a hex string */
    char crc32_text[11]; /* the hex string as written (canonical form needs it) */
    uint32_t index;     /* position in "files", from 0 */
};

/* Bits of ota_manifest_info.members / .nulls: the top-level members seen.
 * They let the canonical form reproduce exactly what was there. */
enum ota_manifest_member {
    OTA_MF_FORMAT = 1u << 0,
    OTA_MF_VERSION = 1u << 1,
    OTA_MF_SEQUENCE = 1u << 2,
    OTA_MF_EXPIRES = 1u << 3,
    OTA_MF_COMMIT = 1u << 4,
    OTA_MF_ROLLOUT = 1u << 5,
    OTA_MF_FILES = 1u << 6,
    OTA_MF_DELETES = 1u << 7,
    OTA_MF_POST_UPDATE = 1u << 8,
    OTA_MF_ROLLBACK = 1u << 9,
    OTA_MF_SIGNATURE = 1u << 10
};

/* Everything but the lists, filled in by ota_manifest_finish(). Optional
 * strings are "" when absent (or null). */
struct ota_manifest_info {
    int format;                  /* 1 = ota-manifest/1, 0 = the original format */
    char version[OTA_PATH_MAX];
    uint64_t sequence;
    int has_sequence;
    uint64_t expires;            /* Unix time */
    int has_expires;
    char commit[OTA_SHA1_HEX];
    unsigned rollout_percent;    /* 100 when absent */
    char post_update[OTA_PATH_MAX];
    char rollback[OTA_PATH_MAX];
    char signature[OTA_MANIFEST_SHA256_HEX]; /* original format: HMAC-SHA256 */
    uint32_t file_count;
    uint32_t delete_count;
    unsigned members;            /* OTA_MF_* present, with a value or null */
    unsigned nulls;              /* OTA_MF_* present as null */
    uint32_t ignored;            /* unknown members skipped (top level and in
                                    file entries): the canonical form cannot
                                    be reproduced when this is not 0 */
};

struct ota_manifest_callbacks {
    /* Each file entry, checked, in document order. May be NULL. */
    int (*on_file)(void *arg, const struct ota_manifest_file *f);
    /* Each "deletes" path, checked, in document order. May be NULL. */
    int (*on_delete)(void *arg, const char *path, uint32_t index);
    /* Required. The filter says `path` (a file, or a delete when is_delete)
     * may conflict with an entry delivered earlier: return 1 if it does
     * (ota_manifest_conflict() with any earlier file or delete), 0 if not,
     * or a negative ota_err to stop. Rare for small manifests; for large
     * ones give the reader a larger filter (ota_manifest_set_filter). */
    int (*conflicts)(void *arg, const char *path, int is_delete);
    void *arg;
};

struct ota_manifest_reader {
    struct ota_ctx *ctx;
    struct ota_manifest_callbacks cb;
    struct ota_json json;
    struct ota_manifest_info info;
    struct ota_manifest_file file; /* entry being read */
    char prev[OTA_PATH_MAX];       /* the previous file's path */
    uint8_t *filter;               /* Bloom filter bits */
    uint32_t filter_mask;          /* its size in bits, minus 1 */
    uint8_t filter_own[OTA_MANIFEST_FILTER_BYTES];
    int top_key;       /* top-level member whose value comes next */
    int entry_key;     /* file entry member whose value comes next */
    int in_array;      /* inside "files" (1) or "deletes" (2) */
    unsigned entry_members; /* members of the current entry seen */
    uint32_t unsorted_at;   /* 1 + index of the first file out of order */
    uint32_t confirmations; /* times conflicts() was asked */
};

/* OTA_ERR_INVALID_ARG without a conflicts callback. */
int ota_manifest_init(struct ota_manifest_reader *m, struct ota_ctx *ctx,
                      const struct ota_manifest_callbacks *cb);

/* Optional, before the first feed: a larger filter (bits, a power of two of
 * at least OTA_MANIFEST_FILTER_BYTES bytes, zeroed here) so that manifests of
 * thousands of files rarely need conflicts(). */
int ota_manifest_set_filter(struct ota_manifest_reader *m, uint8_t *bits, size_t size);

int ota_manifest_feed(struct ota_manifest_reader *m, const uint8_t *p, size_t n);

/* Checks the document was complete and whole; fills *out (may be NULL). */
int ota_manifest_finish(struct ota_manifest_reader *m, struct ota_manifest_info *out);

/* 1 when two entries cannot both stand: equal ignoring ASCII case (exactly
 * equal for two deletes), or, for two files, one a directory of the other
 * ("lib" and "LIB/x.py"). A delete may be a directory of a file and a file a
 * directory of a delete: that is a file becoming a directory or back. */
int ota_manifest_conflict(const char *a, int a_is_delete, const char *b, int b_is_delete);

/* Whether the manifest may replace what is installed: OTA_ERR_EXPIRED when
 * now (Unix time; 0 = the clock is unknown, no check) is past "expires";
 * OTA_ERR_ROLLBACK when has_installed and its "sequence" is lower than
 * installed_sequence or missing. Equal sequences pass (reinstalling). */
int ota_manifest_check_fresh(struct ota_ctx *ctx, const struct ota_manifest_info *info,
                             uint64_t now, int has_installed, uint64_t installed_sequence);

/* ---- the canonical form of the original format's HMAC -------------------
 * Reproduces Python's json.dumps(manifest_without_signature, sort_keys=True,
 * separators=(",", ":")) (ensure_ascii escaping) from the parsed data, in
 * pieces, to a sink (feed them to HMAC-SHA256). The lists are replayed by the
 * caller, in document order, when next() asks for them:
 *
 *   ota_manifest_canonical_init(&c, &info, sink, arg);
 *   while ((r = ota_manifest_canonical_next(&c)) > 0)
 *       for each staged file (r == OTA_MANIFEST_CANON_FILES) or delete:
 *           ota_manifest_canonical_file(&c, &f) / _delete(&c, path);
 *   // r == 0: the closing brace was emitted; r < 0: an error
 */
typedef int (*ota_manifest_sink)(void *arg, const char *p, size_t n);

enum { OTA_MANIFEST_CANON_FILES = 1, OTA_MANIFEST_CANON_DELETES = 2 };

struct ota_manifest_canon {
    const struct ota_manifest_info *info;
    ota_manifest_sink sink;
    void *arg;
    unsigned next_key; /* position in the sorted member list */
    int open_array;    /* the list being replayed, or 0 */
    uint32_t items;    /* entries replayed into it */
    int started;       /* the opening brace is out */
};

/* OTA_ERR_UNSUPPORTED when the manifest had members the reader skipped
 * (info->ignored): their bytes are gone, so the HMAC cannot be checked. */
int ota_manifest_canonical_init(struct ota_manifest_canon *c,
                                const struct ota_manifest_info *info,
                                ota_manifest_sink sink, void *arg);
int ota_manifest_canonical_next(struct ota_manifest_canon *c);
int ota_manifest_canonical_file(struct ota_manifest_canon *c, const struct ota_manifest_file *f);
int ota_manifest_canonical_delete(struct ota_manifest_canon *c, const char *path);

#endif

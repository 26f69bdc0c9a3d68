/* ota — over-the-air updates from a GitHub repository, for devices.
 *
 * The engine API. The caller owns all memory: one `struct ota_ctx` (put it in
 * static storage on a microcontroller) plus one work buffer. Nothing is
 * allocated, nothing is global, and peak memory does not depend on the number
 * or size of files, because everything streams.
 *
 *   struct ota_ctx ctx;
 *   static uint8_t buf[1024];
 *   ota_init(&ctx, &port, &settings, buf, sizeof buf);
 *   ota_boot(&ctx);                 // every start: finish or undo a swap
 *   if (ota_update(&ctx, &result) == OTA_OK && result.installed) reboot();
 */
#ifndef OTA_H
#define OTA_H

#include <stddef.h>
#include <stdint.h>

#include "ota_err.h"
#include "ota_port.h"
#include "ota_schedule.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OTA_VERSION_STRING "0.1.0"

#define OTA_PATH_MAX 256   /* longest device path, including the NUL */
#define OTA_URL_MAX 768    /* longest URL the engine builds or follows */
#define OTA_SHA1_HEX 41    /* 40 hex digits and a NUL */
#define OTA_REASON_MAX 192 /* length of the human-readable failure reason */
#define OTA_LINE_MAX (OTA_SHA1_HEX + 24 + OTA_PATH_MAX) /* one state line */
#define OTA_MIN_BUFFER 1024

enum ota_channel { OTA_CHANNEL_DEVELOPER = 0, OTA_CHANNEL_STABLE = 1 };

/* What to follow and how. Strings are borrowed: they must outlive the ctx. */
struct ota_settings {
    const char *owner;
    const char *repo;
    enum ota_channel channel;
    const char *branch;      /* developer channel; default "main" */
    const char *tag;         /* stable channel: pin this tag (optional) */
    const char *token;       /* GitHub token, or NULL/"" for public repos */
    const char *const *allow;  /* exact files or directory prefixes */
    size_t allow_count;        /* 0 = everything */
    const char *const *ignore; /* same matching; wins over allow */
    size_t ignore_count;
    const char *stage_dir;   /* default ".ota_stage" */
    const char *backup_dir;  /* default ".ota_backup" */
    const char *api_url;     /* default "https://api.github.com" */
    const char *raw_url;     /* default "https://raw.githubusercontent.com" */
    const char *user_agent;  /* default "ota/<version>" */
    uint32_t retries;        /* extra attempts per request; default 3 */
    uint32_t backoff_sec;    /* first retry delay; default 3 */
    uint32_t max_backoff_sec; /* cap of the exponential backoff; default 60 */
    int force;               /* re-check every file even if the commit matches */
    const char *sha256_sidecar; /* manifestless: repository file listing the
                                   SHA-256 of every file ("SHA256SUMS");
                                   NULL or "" = off */
    const char *public_key;  /* Ed25519 key (hex, base64 or PEM): releases
                                must carry a manifest signed by it */
    const char *manifest_key; /* HMAC-SHA256 key of the original system's
                                 manifest "signature" member */
    int enable_delta_updates; /* a changed file is first asked for as a
                                delta from the blob the device has
                                (.deltas/OLD-NEW.otad beside the files, made
                                by `ota delta`); missing, broken or not
                                verifying: the whole file is fetched */
    int deltas_in_release;   /* stable channel: the deltas (and their
                                index) are assets of the release, asked
                                for at web_url's browser download URLs
                                (public repositories), not .deltas/ */
    const char *web_url;     /* default "https://github.com" */
    void *delta_buf;         /* the decoder's memory: OTA_DELTA_STATE_SIZE
                                bytes aligned for uint64_t; NULL: no deltas */
    size_t delta_buf_size;
    int max_trial_boots;     /* boots an installed version gets to be
                                confirmed (ota_confirm) before ota_boot()
                                reverts it; 0 = default (3); negative = no
                                trials (installs are final, yet the previous
                                version stays for ota_rollback) */
    /* Headless operation (the port's hw operations; see docs/headless.md) */
    uint32_t watchdog_timeout_ms; /* arm the watchdog with this; 0 = off */
    uint32_t watchdog_max_gap_ms; /* longest time between two feeds; 0 = a
                                     quarter of watchdog_timeout_ms */
    int status_led;              /* show progress on the status LED */
    uint32_t min_battery_percent; /* no update below this charge; 0 = off */
    uint32_t battery_divider_milli; /* ADC divider ratio x 1000; 0 = 1000 */
    uint32_t battery_mv_min;     /* empty battery; 0 = 3000 (LiPo) */
    uint32_t battery_mv_max;     /* full battery; 0 = 4200 (LiPo) */
    uint32_t free_space_margin;  /* bytes left unused besides twice the
                                    download; 0 = 64 KiB */
    /* Metered links (ota_link.h) */
    const char *mirror_url;  /* a static mirror made by `ota publish`
                                (docs/mirror.md), e.g. "http://cdn/app";
                                NULL or "" = none. Needs public_key */
    const char *mirror_channel; /* its channel pointer; default "stable" or
                                   "developer" by channel */
    int mirror_first;        /* 1: the mirror is the source and GitHub (when
                                owner and repo are set) the fallback; 0:
                                GitHub first, the mirror (when set) after */
    const struct ota_schedule *schedule; /* update_scheduling (ota_schedule.h;
                                    NULL = none): window, interval, power,
                                    crashes, canary; also makes the engine
                                    keep the health record .ota_health */
    uint32_t max_update_cost_milli; /* refuse an update whose estimated cost
                                    on a metered link is above this many
                                    thousandths of a currency unit; 0 = no
                                    ceiling */
};

#define OTA_DEFAULT_TRIAL_BOOTS 3
#define OTA_DELTA_STATE_SIZE 14336 /* the delta decoder's state */

/* Progress events, for a progress bar or a log. */
enum ota_event_type {
    OTA_EVENT_RESOLVED,      /* target commit known: commit */
    OTA_EVENT_PLANNED,       /* files_total files (bytes_total) to fetch */
    OTA_EVENT_FILE_BEGIN,    /* path, bytes_total = its size */
    OTA_EVENT_FILE_PROGRESS, /* path, bytes_done of bytes_total */
    OTA_EVENT_FILE_DONE,     /* path verified and staged */
    OTA_EVENT_RETRY,         /* err, delay_ms before the next attempt */
    OTA_EVENT_INSTALLED,     /* the new version is in place */
    OTA_EVENT_REVERTING,     /* about to revert version commit; path: its
                                rollback hook (NULL if none), to run now
                                while its files are still in place */
    OTA_EVENT_REVERTED       /* back on version commit ("" : nothing
                                installed before) */
};

struct ota_event {
    enum ota_event_type type;
    const char *path;
    const char *commit;
    uint64_t bytes_done;
    uint64_t bytes_total;
    uint32_t files_done;
    uint32_t files_total;
    uint32_t delay_ms;
    int err;
};

typedef void (*ota_event_cb)(void *arg, const struct ota_event *ev);

/* Counters of one run, for --json output and the benchmarks. */
struct ota_stats {
    uint32_t http_requests;   /* every GET sent, including retries, redirects */
    uint64_t bytes_received;  /* response body bytes */
    uint32_t files_fetched;
    uint32_t files_unchanged;
    uint32_t files_deleted;
    uint32_t retries;
    uint32_t not_modified;    /* answered 304 from a remembered ETag */
    uint32_t files_by_delta;  /* files rebuilt from a delta */
    uint32_t delta_fallbacks; /* deltas missing or unusable: whole file */
    uint64_t estimated_bytes; /* metered link: what the downloads would cost
                                 (deltas at their published size) ... */
    uint64_t estimated_cost_milli; /* ... and in thousandths of a currency */
    uint64_t fetch_bytes_received; /* body bytes of the file downloads */
};

struct ota_result {
    int update_available;        /* ota_check: the target differs */
    int installed;               /* ota_update: a new version was installed */
    char commit[OTA_SHA1_HEX];   /* target commit */
    char installed_commit[OTA_SHA1_HEX]; /* what was on the device before */
    char ref[OTA_PATH_MAX];      /* branch or tag followed */
    int manifest;                /* the target came with a release manifest */
    int has_sequence;            /* ... carrying this anti-rollback sequence */
    uint64_t sequence;
    char post_update[OTA_PATH_MAX]; /* hook of the installed release, or "" */
    int on_trial;                /* installed version not confirmed yet ... */
    uint32_t trial_boots;        /* ... and booted this often since */
    int can_rollback;            /* a previous version is kept (ota_rollback) */
    char reverted[OTA_SHA1_HEX]; /* last version reverted from, or "": not
                                    installed again unless forced */
    struct ota_decision decision; /* the schedule's verdict on this check */
};

/* One file as the engine sees it: a tree entry, a plan or a state line. */
struct ota_entry {
    char path[OTA_PATH_MAX];
    char sha[OTA_SHA1_HEX];  /* git blob SHA-1, hex */
    uint64_t size;
};

struct ota_links; /* ota_link.h */

/* The whole engine state. Treat the members as private; they are public only
 * so that the caller can provide the memory (statically, on a device). */
struct ota_ctx {
    const struct ota_port *port;
    struct ota_settings settings;
    char *lines_buf;            /* first part of the caller's work buffer: */
    size_t lines_size;          /*   reading state and plan files */
    uint8_t *io_buf;            /* the rest: reading file contents */
    size_t io_size;
    ota_event_cb on_event;
    void *event_arg;
    struct ota_stats stats;
    char reason[OTA_REASON_MAX]; /* why the last call failed */
    union {                      /* the crypto port's hash state */
        uint8_t bytes[OTA_HASH_STATE_SIZE];
        uint64_t align_u64;
        void *align_ptr;
    } hash;
    union {                      /* SHA-256 beside it (sidecar verification) */
        uint8_t bytes[OTA_HASH_STATE_SIZE];
        uint64_t align_u64;
        void *align_ptr;
    } hash256;
    union {                      /* the crypto port's verification state */
        uint8_t bytes[OTA_VERIFY_STATE_SIZE];
        uint64_t align_u64;
        void *align_ptr;
    } verify;
    int verify_status;           /* 0 idle, 1 verifying, or the sticky error
                                    of a failed update (see sig.h) */
    struct ota_entry entry;      /* entry being parsed or processed */
    char url[OTA_URL_MAX];       /* request being sent */
    char location[OTA_URL_MAX];  /* redirect target being received */
    char line[OTA_LINE_MAX + 8]; /* a state, plan or log line being written */
    char path_a[OTA_PATH_MAX + 64]; /* stage/backup path composition */
    char path_b[OTA_PATH_MAX + 64];
    char json_scratch[OTA_PATH_MAX + 8];
    char error_body[128];        /* start of an HTTP error response */
    int64_t defer_until;         /* set when the server rate-limited us */
    char headers[4][OTA_URL_MAX / 3]; /* request header lines */
    struct ota_links *links;     /* the connectivity manager, or NULL */
    const char *target_ref;      /* during an update: the tag or branch */
    uint32_t led_since;          /* when the download pulses started */
    uint8_t watchdog_armed;
    uint8_t led_on;
    uint8_t led_pulsing;
    uint8_t delta_index;         /* 0 not fetched, 1 in the stage, 2 none */
    uint8_t trial_reverted;      /* this boot reverted an unconfirmed version */
    uint8_t from_mirror;         /* this call's target came from the mirror */
};

/* Prepares ctx. buf is the work buffer for reading files; OTA_MIN_BUFFER
 * bytes at least, larger reads faster. Fills unset settings with defaults. */
int ota_init(struct ota_ctx *ctx, const struct ota_port *port,
             const struct ota_settings *settings, uint8_t *buf,
             size_t buf_size);

/* Optional progress callback. */
void ota_set_event_cb(struct ota_ctx *ctx, ota_event_cb cb, void *arg);

/* The application reports its health (settings.schedule keeps the record):
 * a crash (err says how, 0 if unknown) counts towards max_crashes_before_delay;
 * a healthy start ends the run of crashes. ota_confirm reports healthy. */
int ota_report_crash(struct ota_ctx *ctx, int err);
int ota_report_healthy(struct ota_ctx *ctx);

/* Reads the health record (.ota_health; a fresh one when there is none). */
int ota_read_health(struct ota_ctx *ctx, struct ota_health *out);

/* A LoRa "update available" notice the radio received (docs/lora.md): it
 * must carry a valid tag made with key and a sequence above the last one
 * accepted, which .ota_health then remembers (replays are refused). On
 * OTA_OK *news says whether it announces a release other than the
 * installed one: the caller then checks for it over a capable link. A
 * malformed frame, a bad tag or a replay: an error, nothing changed. */
int ota_accept_notice(struct ota_ctx *ctx, const uint8_t *frame, size_t len,
                      const uint8_t *key, size_t key_len, int *news);

/* The schedule's verdict now, without a request (the canary needs the
 * target: see ota_result.decision after ota_check). */
int ota_explain(struct ota_ctx *ctx, struct ota_decision *out);

/* Optional: carry HTTP over these links (ota_link.h) instead of the port's
 * http.get, falling back from one to the next. */
void ota_set_links(struct ota_ctx *ctx, struct ota_links *links);

/* Call on every start, before the application runs: completes a swap that
 * passed its commit point, or discards a stage that did not, and finishes an
 * interrupted revert; leaves the device exactly old or new. Then counts the
 * boot of a version on trial, and reverts it when it has used up
 * max_trial_boots boots without ota_confirm (OTA_EVENT_REVERTING/REVERTED;
 * the reason goes to ota_error.json). */
int ota_boot(struct ota_ctx *ctx);

/* Resolves the target and compares it with what is installed. One request
 * when nothing changed. */
int ota_check(struct ota_ctx *ctx, struct ota_result *out);

/* Check, plan, fetch and verify what changed, stage, and swap it in. */
int ota_update(struct ota_ctx *ctx, struct ota_result *out);

/* The running version is good: ends its trial and frees the previous
 * version's backup. Harmless when nothing is on trial. */
int ota_confirm(struct ota_ctx *ctx);

/* Returns to the previous version now (OTA_ERR_NO_BACKUP: none is kept).
 * The version left is not installed again by ota_update unless forced. */
int ota_rollback(struct ota_ctx *ctx);

/* What is installed now, from version.json, without touching the network:
 * out->installed_commit and out->ref (empty strings on an empty device). */
int ota_installed(struct ota_ctx *ctx, struct ota_result *out);

/* Counters of the last boot/check/update call. */
const struct ota_stats *ota_last_stats(const struct ota_ctx *ctx);

/* Why the last call failed, in words (empty if it did not). */
const char *ota_reason(const struct ota_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif

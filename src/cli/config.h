/* ota_config.json: the original updater's field names, loaded into the
 * engine's settings and the POSIX port's options. Unknown fields are reported
 * with a suggestion; fields of features this build does not have yet are
 * reported as ignored; wrong types are errors with the line number. */
#ifndef OTA_CLI_CONFIG_H
#define OTA_CLI_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "ota/ota.h"
#include "ota_posix.h"

#define CONFIG_MAX_RULES 128
#define CONFIG_MAX_WARNINGS 16
#define CONFIG_ARENA 16384

enum reset_mode { RESET_HARD, RESET_SOFT, RESET_NONE };

struct config {
    struct ota_settings settings;
    struct ota_posix_options posix;
    const char *allow[CONFIG_MAX_RULES];
    const char *ignore[CONFIG_MAX_RULES];
    const char *ssid;            /* Linux: the OS owns the network; kept */
    const char *password;        /*   only so that old files stay valid */
    const char *restart_command; /* run after an install unless reset_mode none */
    const char *public_key;      /* Ed25519 key of the stable channel's signed */
    const char *manifest_key;    /*   manifests; HMAC key of the original system */
    enum reset_mode reset_mode;
    uint32_t chunk;              /* download buffer size, bytes */
    int debug;
    int channel_set;
    char *warnings[CONFIG_MAX_WARNINGS];
    size_t warning_count;
    char error[512];             /* why loading failed */
    char arena[CONFIG_ARENA];    /* every string above points in here */
    size_t arena_used;
};

/* Loads path (NULL-terminated text of at most 1 MiB). Returns 0, or
 * OTA_ERR_CONFIG / OTA_ERR_NOT_FOUND with cfg->error set. */
int config_load(struct config *cfg, const char *path);

/* Releases what config_load kept besides the arena (the warnings). */
void config_free(struct config *cfg);

/* The documented name closest to name, or NULL when nothing is close. */
const char *config_suggest(const char *name);

#endif

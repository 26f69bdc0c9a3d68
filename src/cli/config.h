/* ota_config.json, .yaml/.yml or .toml: the original updater's field names,
 * loaded into the engine's settings and the POSIX port's options. Every
 * format meets the same checks (config_reader.h). Unknown fields are reported
 * with a suggestion; fields of features this build does not have yet are
 * checked and reported as ignored; wrong types, values out of range and
 * fields given twice are errors with the line number. */
#ifndef OTA_CLI_CONFIG_H
#define OTA_CLI_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "ota/ota.h"
#include "ota_posix.h"

#define CONFIG_MAX_RULES 128
#define CONFIG_MAX_WARNINGS 64
#define CONFIG_ARENA 16384
#define CONFIG_UNSET UINT32_MAX

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
    const char *lora_key;        /* hex key of the LoRa notices (docs/lora.md) */
    enum reset_mode reset_mode;
    uint32_t chunk;              /* download buffer size, bytes */
    uint32_t max_trial_boots;    /* 0: no trial boots */
    struct config_hardware {     /* the original system's pins, on Linux */
        uint32_t status_led_pin; /* sysfs GPIO number; CONFIG_UNSET: none */
        const char *status_led;  /* or an LED class device's name */
        uint32_t battery_adc_pin; /* IIO in_voltageN; CONFIG_UNSET: none */
        uint32_t battery_iio_device;
        const char *battery_supply; /* power_supply name, or "auto" */
        double divider_ratio, v_max, v_min; /* 0: the LiPo defaults */
    } hw;
    struct config_cellular {     /* the modem link (src/cli/links.h) */
        int enabled;
        const char *apn, *device, *modem, *tech;
        uint32_t baud;
        uint32_t uart, tx_pin, rx_pin; /* microcontroller wiring: unused here */
        double cost_per_mb;
        uint32_t cost_milli_per_mb;
    } cellular;
    double max_update_cost;      /* currency units; 0: no ceiling */
    const char *source;          /* "github" (default) or "mirror" */
    struct ota_schedule schedule; /* update_scheduling, when given */
    int schedule_given;
    struct config_schedule {     /* as written, before checks */
        uint32_t window_start, window_end; /* CONFIG_UNSET: none */
        const char *power_source;
        const char *device_id;
    } sched;
    int debug;
    int channel_set;
    char *warnings[CONFIG_MAX_WARNINGS];
    size_t warning_count;
    char error[512];             /* why loading failed */
    char arena[CONFIG_ARENA];    /* the strings above point in here (or into
                                    the environment) */
    size_t arena_used;
};

/* Loads path (at most 1 MiB), read as JSON, YAML or TOML by its extension
 * (.json, .yaml or .yml, .toml; any other is JSON), then takes secrets from
 * the environment (OTA_TOKEN, OTA_MANIFEST_KEY). Returns 0, or
 * OTA_ERR_CONFIG / OTA_ERR_NOT_FOUND with cfg->error set ("line N: ..."
 * when a line is to blame). */
int config_load(struct config *cfg, const char *path);

/* The configuration file of a device root, written to buf: the first of
 * ota_config.json, .yaml, .yml and .toml there (the original system's
 * order), or the .json name when there is none. */
const char *config_default_path(const char *root, char *buf, size_t cap);

/* Releases what config_load kept besides the arena (the warnings). */
void config_free(struct config *cfg);

#endif

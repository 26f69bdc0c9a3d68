/* The engine's side of scheduling (schedule.h decides, health.h remembers):
 * before a check the device may be told "not now" without a single request
 * (window, interval, battery, crashes), and once the target is known, "not
 * you yet" (canary). Checks, installs, boots and crashes go into the health
 * record when a schedule is configured. */
#ifndef OTA_CORE_GATE_H
#define OTA_CORE_GATE_H

#include "ota/ota.h"

/* Every rule but the canary, into out->decision: OTA_OK to go on, or
 * OTA_ERR_DEFERRED / OTA_ERR_LOW_BATTERY with the explanation as reason. */
int ota_gate_before_check(struct ota_ctx *ctx, struct ota_result *out);

/* The canary for this release (rollout_percent: a verified manifest's, or
 * -1 for the configured one). */
int ota_gate_release(struct ota_ctx *ctx, const char *commit, int32_t rollout_percent,
                     struct ota_result *out);

/* Remembers the rollout share a verified manifest set for the release at
 * commit (-1: none, the configuration's), and recalls it: 1 when known. */
void ota_gate_remember_share(struct ota_ctx *ctx, const char *commit, int32_t rollout_percent);
int ota_gate_remembered_share(struct ota_ctx *ctx, const char *commit, int32_t *rollout_percent);

/* The check went out (err: how it ended): the interval counts from now. */
void ota_gate_checked(struct ota_ctx *ctx, int err);

/* A new version is in place. */
void ota_gate_installed(struct ota_ctx *ctx);

/* A start (ota_boot); crashed: a version on trial was reverted. */
void ota_gate_booted(struct ota_ctx *ctx, int crashed, int err);

/* The application says: healthy (ota_confirm, ota_report_healthy), or it
 * crashed with err. */
int ota_gate_health_report(struct ota_ctx *ctx, int healthy, int err);

/* Verifies a notice against the sequence the health record remembers and
 * records it (always: replay protection does not wait for a schedule). */
int ota_gate_notice(struct ota_ctx *ctx, const uint8_t *frame, size_t len, const uint8_t *key,
                    size_t key_len, int *news);

#endif

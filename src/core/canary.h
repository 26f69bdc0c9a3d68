/* Staged (canary) rollouts: each device takes a release only once the
 * rollout percentage covers its bucket. The bucket is a stable hash of the
 * device id and the release id, so a device's answer never changes for one
 * release, raising the percentage only adds devices, and every release picks
 * a different first group (no device is always the guinea pig).
 *
 *   bucket = big-endian u64 of SHA-256(device_id || 0x00 || release_id)[0..8)
 *            mod 10000
 *   in the rollout when bucket < percent * 100
 *
 * Any language reproduces it, e.g. in Python:
 *   int.from_bytes(hashlib.sha256(dev + b"\0" + rel).digest()[:8], "big") % 10000
 * The core's own SHA-256 is used, never the port's: the answer must be the
 * same on every platform. */
#ifndef OTA_CORE_CANARY_H
#define OTA_CORE_CANARY_H

#include <stdint.h>

#define OTA_CANARY_BUCKETS 10000u

/* The device's bucket for this release, 0..9999. NULL strings count as "". */
uint32_t ota_canary_bucket(const char *device_id, const char *release_id);

/* 1 when the device takes the release at this rollout percentage (0: nobody,
 * 100 or more: everybody), else 0. */
int ota_canary_selected(const char *device_id, const char *release_id, uint32_t percent);

#endif

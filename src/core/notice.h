/* The LoRa "update available" notice: a 30-byte authenticated frame that a
 * gateway broadcasts so that devices which keep their WiFi or modem off
 * wake it only when a release is out. It carries no update itself: the
 * device then checks and verifies the release as always, so a notice can
 * at worst make it look early. docs/lora.md gives the frame byte by byte:
 *
 *   0      magic and version, 0xA1
 *   1..4   sequence, u32 big-endian, grows with every notice sent
 *   5..12  release id: the first 8 bytes of the release's commit SHA-1
 *   13     key id: which shared key made the tag (keys can be rotated)
 *   14..29 tag: HMAC-SHA256(key, "ota-notice/1" || bytes 0..13), first 16 bytes
 *
 * A replayed notice is refused by its sequence, which must be above the
 * last one accepted; the caller keeps that in the health record
 * (ota_health.notice_sequence) and saves it once a notice is accepted. */
#ifndef OTA_CORE_NOTICE_H
#define OTA_CORE_NOTICE_H

#include "ota/ota.h"

#define OTA_NOTICE_MAGIC 0xA1
#define OTA_NOTICE_SIZE 30
#define OTA_NOTICE_SIGNED 14   /* bytes covered by the tag */
#define OTA_NOTICE_RELEASE 8   /* bytes of the commit SHA-1 */
#define OTA_NOTICE_TAG 16      /* bytes of HMAC-SHA256 kept */
#define OTA_NOTICE_DOMAIN "ota-notice/1" /* the tag never matches another use of the key */

/* A malformed frame: wrong length or magic. */
#define OTA_ERR_NOTICE_FORMAT OTA_ERR_BAD_RESPONSE

struct ota_notice {
    uint32_t sequence;
    uint8_t release[OTA_NOTICE_RELEASE];
    uint8_t key_id;
};

/* Reads the fields of a frame without authenticating it (to pick the key
 * by key_id): OTA_ERR_NOTICE_FORMAT for a wrong length or magic. */
int ota_notice_parse(const uint8_t *frame, size_t len, struct ota_notice *out);

/* Parses and authenticates a frame with key: OTA_ERR_NOTICE_FORMAT,
 * OTA_ERR_SIGNATURE for a wrong tag (a forged, damaged or other-key frame),
 * OTA_ERR_ROLLBACK for a sequence not above last_sequence (a replay), in
 * that order; OTA_OK and out filled when it is genuine and new. The tag is
 * computed through the crypto port (ctx->hash256, ctx->hash). */
int ota_notice_verify(struct ota_ctx *ctx, const uint8_t *frame, size_t len,
                      const uint8_t *key, size_t key_len, uint32_t last_sequence,
                      struct ota_notice *out);

/* Builds the frame of n, authenticated with key (the release tool's side). */
int ota_notice_encode(struct ota_ctx *ctx, const struct ota_notice *n, const uint8_t *key,
                      size_t key_len, uint8_t frame[OTA_NOTICE_SIZE]);

/* Fills release from a commit SHA-1 in hex (at least 16 digits, either
 * case); OTA_ERR_INVALID_ARG if it is not one. */
int ota_notice_release_from_hex(const char *commit, uint8_t release[OTA_NOTICE_RELEASE]);

/* 1 when the notice announces this commit (hex), i.e. nothing new for a
 * device that has it installed; 0 otherwise. */
int ota_notice_is_commit(const struct ota_notice *n, const char *commit);

#endif

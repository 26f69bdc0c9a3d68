/* What the link an update goes out on implies. On a metered or slow link
 * (ota_link.h) deltas are asked for first even when enable_delta_updates is
 * off, and before the first download the bytes are estimated (deltas at
 * their published size) and priced; above max_update_cost_milli the update
 * is refused with the device untouched. */
#ifndef OTA_CORE_LINK_POLICY_H
#define OTA_CORE_LINK_POLICY_H

#include "ota/ota.h"

#define OTA_WEAK_SIGNAL_DBM (-85) /* below: a link that drops often */
#define OTA_WEAK_SIGNAL_EXTRA_RETRIES 2u

/* Retries per request: settings.retries, two more on a link whose signal
 * was weak when it came up (a transfer there breaks more often, and each
 * retry resumes where it stopped, so patience costs little). */
uint32_t ota_link_retries(const struct ota_ctx *ctx);

/* Are deltas to be asked for (and is there memory to apply them)? */
int ota_deltas_wanted(const struct ota_ctx *ctx);

/* On a metered link: estimates the planned downloads into ctx->stats and
 * refuses (OTA_ERR_COST) what costs more than the ceiling. */
int ota_cost_check(struct ota_ctx *ctx, const char *commit);

/* The bytes the planned downloads will take: each file's published delta
 * when deltas are wanted and the index lists one, else the file. */
int ota_estimate_downloads(struct ota_ctx *ctx, const char *commit, uint64_t *bytes);

#endif

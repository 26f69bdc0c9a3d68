/* The update schedule's verdict and the health record, for `ota check
 * --explain`, `ota health` and `ota status`, as JSON members or lines. */
#ifndef OTA_CLI_REPORT_SCHEDULE_H
#define OTA_CLI_REPORT_SCHEDULE_H

#include "cli.h"
#include "jsonw.h"

/* "schedule": {"decision", "reason", "deferred_by", "retry_at", "explain"} */
void report_decision_json(struct jsonw *w, const struct ota_decision *d);
void report_decision_plain(struct cli *cli, const struct ota_decision *d);

/* "health": {...} and "next_check_at" (0: any time). */
void report_health_json(struct cli *cli, struct jsonw *w, const struct ota_health *h);
void report_health_plain(struct cli *cli, const struct ota_health *h);

/* When the interval next lets the device check (0: now or no interval). */
int64_t next_check_at(const struct cli *cli, const struct ota_health *h);

#endif

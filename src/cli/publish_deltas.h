/* The deltas of a release (docs/delta.md, made with the encoder of
 * `ota delta`): for each of its files, one from the file at the same path in
 * each of the channel's last K releases, or, for a file that path did not
 * have, from the file of the same name elsewhere (a move: the first such
 * path in byte order, a rule a device can apply to what it has installed).
 * deltas/<old blob>-<new blob>.otad; none where the delta would not be
 * smaller than the file. The old bytes come from the mirror's objects/, so a
 * release pruned away gives no deltas. */
#ifndef OTA_CLI_PUBLISH_DELTAS_H
#define OTA_CLI_PUBLISH_DELTAS_H

#include <stdint.h>

#include "publish_record.h"
#include "publish_release.h"

struct delta_tally {
    uint64_t written, existing;
    uint64_t not_smaller;      /* no gain, or too large for the format */
    uint64_t without_source;   /* the old object or manifest is gone (pruned) */
    uint64_t bytes_written;
    uint64_t bytes_of_files;   /* what the written deltas stand for */
};

/* Makes r's deltas from the last k releases in history (r itself left
 * out). Returns an exit code: 5 corrupt mirror, 6 cannot write. */
int deltas_publish(const char *mirror, const struct release *r,
                   const struct record_channel *history, unsigned k, struct delta_tally *t);

#endif

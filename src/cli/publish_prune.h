/* `ota publish --prune --keep N`: the only command that deletes from a
 * mirror. It keeps the manifests of the last N releases of every channel
 * (by releases.json) and of every current channel pointer, the objects
 * those manifests list, and the deltas that produce one of those objects
 * (whatever they start from: a device still on an older release uses them);
 * everything else in manifests/, objects/ and deltas/ goes, and the record
 * keeps only those N releases per channel. */
#ifndef OTA_CLI_PUBLISH_PRUNE_H
#define OTA_CLI_PUBLISH_PRUNE_H

#include <stdint.h>

struct prune_tally {
    uint64_t manifests, objects, deltas;  /* removed (or, dry run, to remove) */
    uint64_t bytes;
    uint64_t kept_manifests, kept_objects, kept_deltas;
    uint64_t releases_dropped;            /* from releases.json */
};

/* Returns an exit code: 5 when what is live cannot be told (a malformed
 * pointer or record, a kept manifest missing): then nothing is removed;
 * 6 cannot remove or rewrite. */
int prune_mirror(const char *mirror, unsigned keep, int dry_run, struct prune_tally *t);

#endif

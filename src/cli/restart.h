/* reset_mode on Linux: after an install, run the configured restart_command
 * (the device's equivalent of machine.reset()), unless reset_mode is none. */
#ifndef OTA_CLI_RESTART_H
#define OTA_CLI_RESTART_H

#include "cli.h"

enum restart_outcome {
    RESTART_SKIPPED,      /* reset_mode none, --no-restart, or no command */
    RESTART_DONE,         /* the command exited 0 */
    RESTART_FAILED        /* the command could not run or exited non-zero */
};

struct restart_result {
    enum restart_outcome outcome;
    int exit_status;      /* the command's exit status, -1 if it did not run */
};

void restart_after_install(struct cli *cli, const struct ota_result *res,
                           struct restart_result *out);

const char *restart_outcome_name(enum restart_outcome o);

#endif

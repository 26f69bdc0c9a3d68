/* After an install: the release's post_update hook, then, per reset_mode on
 * Linux, the configured restart_command (the device's equivalent of
 * machine.reset()). */
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

/* Runs a release's hook script (a path in the device root: .py with
 * python3, .sh with sh, anything else executed); its exit status. */
int run_release_hook(struct cli *cli, const char *hook, const struct ota_result *res);

#endif

/* The `ota` command: shared state of one invocation. */
#ifndef OTA_CLI_H
#define OTA_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "links.h"
#include "ota/ota.h"
#include "ota_posix.h"

/* Exit codes (documented in README.md and `ota --help`). */
enum exit_code {
    EXIT_OK = 0,
    EXIT_INTERNAL = 1,
    EXIT_USAGE = 2,
    EXIT_CONFIG = 3,
    EXIT_NETWORK = 4,
    EXIT_VERIFY = 5,
    EXIT_STORAGE = 6,
    EXIT_RATE_LIMITED = 7,
    EXIT_AUTH = 8,
    EXIT_RESTART_FAILED = 9,
    EXIT_UPDATE_AVAILABLE = 10,
    EXIT_NO_ROLLBACK = 11,
    EXIT_DEFERRED = 12
};

#define MAX_RETRY_DELAYS 64

struct cli_options {
    const char *config_path; /* NULL: ota_config.json in the root */
    const char *root;        /* device root; NULL: current directory */
    int json;
    int verbose;
    int quiet;
    int force;
    int no_restart;
    int explain;             /* check --explain */
    int crash;               /* health --crash[=CODE] */
    int crash_code;
    int healthy;             /* health --ok */
    const char *arg;         /* the argument of a command that takes one */
};

struct progress {
    int enabled;             /* drawing a bar on a terminal */
    uint32_t files_total, files_done;
    uint64_t bytes_total, bytes_done_before; /* finished files' bytes */
    uint64_t bytes_current;
    long last_draw_ms;
    long start_ms;           /* when the first file began */
    const char *path;
};

/* What a revert did, as its events told (boot, rollback). */
struct revert_report {
    int reverted;
    char from[OTA_SHA1_HEX];     /* the version left */
    char to[OTA_SHA1_HEX];       /* the version back in place ("" none) */
    char hook[OTA_PATH_MAX];     /* its rollback hook, "" if none */
    int hook_status;             /* the hook's exit status; -1 not run */
};

struct cli {
    struct cli_options opt;
    struct config cfg;
    struct ota_posix posix;
    struct ota_port port;
    struct ota_ctx ctx;
    uint8_t *buf;
    size_t buf_size;
    struct progress progress;
    uint32_t retry_delays_ms[MAX_RETRY_DELAYS];
    size_t retry_count;
    struct revert_report revert;
    struct cli_links links;      /* cellular_enabled: the links updated over */
    union {                      /* the delta decoder's memory */
        uint64_t align;
        uint8_t bytes[OTA_DELTA_STATE_SIZE];
    } delta_mem;
};

/* Loads the configuration and brings up the port and the engine. On failure
 * the error is reported (honouring --json) and the exit code returned. */
int session_open(struct cli *cli, const char *command);
void session_close(struct cli *cli);

/* Maps an engine error to the documented exit code. */
int exit_code_for(int err);

int cmd_update(struct cli *cli, const char *command);
int cmd_status(struct cli *cli, const char *command);
int cmd_health(struct cli *cli, const char *command);
int cmd_notice(struct cli *cli, const char *command);          /* cmd_notice.c */
int cmd_notice_frame(int argc, char **argv);
extern const char notice_frame_help[];
int cmd_boot(struct cli *cli, const char *command); /* cmd_trial.c */
int cmd_confirm(struct cli *cli, const char *command);
int cmd_rollback(struct cli *cli, const char *command);
int cmd_config(struct cli *cli, const char *command);

/* Tools: no configuration, no engine session; each parses its own options
 * (argv[0] is the subcommand) and has its --help text beside it. */
int cmd_keygen(int argc, char **argv); /* cmd_keys.c: release keys and signatures */
int cmd_sign(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_manifest(int argc, char **argv); /* build (and sign) a release manifest */
int cmd_completion(int argc, char **argv); /* the bash completion script */
int cmd_manpage(int argc, char **argv);    /* the man page */
int cmd_delta(int argc, char **argv);      /* make and apply deltas */
extern const char keygen_help[], sign_help[], verify_help[], manifest_help[],
    completion_help[], manpage_help[], delta_help[];

#endif

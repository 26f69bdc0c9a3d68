#include "commands.h"

#include <stdlib.h>
#include <string.h>

static const char common_help[] =
    "Options:\n"
    "  -c, --config FILE  configuration file, JSON, YAML or TOML by its extension\n"
    "                     (default: the first of ota_config.json, .yaml, .yml\n"
    "                     and .toml in ROOT)\n"
    "      --root DIR     device root: the directory whose files ota keeps in\n"
    "                     step; config paths are relative to it (default: .)\n"
    "      --json         print one JSON object on stdout\n"
    "  -v, --verbose      more log lines (twice: debug)\n"
    "  -q, --quiet        only errors\n"
    "  -h, --help         this help\n"
    "      --version      print the version\n";

static const char update_help[] =
    "  -f, --force        re-check every file even if the commit is installed, and\n"
    "                     pass the update schedule by (window, interval, canary...)\n"
    "      --no-restart   do not run restart_command after installing\n";

static const char explain_help[] =
    "      --explain      say why an update would or would not run now: each rule\n"
    "                     of update_scheduling, battery, crashes, canary\n";

static const char health_help[] =
    "      --crash[=CODE] record a crash of the application (CODE: how, a number)\n"
    "      --ok           record a healthy start: ends the run of crashes\n";

static const char exit_help[] =
    "Exit codes: 0 ok, 1 internal error, 2 usage, 3 configuration, 4 network or\n"
    "server, 5 verification (SHA/size mismatch, unsafe path, bad response),\n"
    "6 device storage, 7 rate limited, 8 unauthorized or not found,\n"
    "9 installed but restart_command failed, 10 update available (check),\n"
    "11 no previous version to roll back to (rollback), 12 deferred: outside\n"
    "the update schedule, battery too low or download too costly.\n";

static const char environment_help[] =
    "Environment:\n"
    "  OTA_TOKEN          GitHub token for a private repository; wins over\n"
    "                     \"token\" in the configuration\n"
    "  OTA_MANIFEST_KEY   the original system's manifest HMAC key; wins over\n"
    "                     \"manifest_key\"\n";

static const char files_help[] =
    "Files (in the device root):\n"
    "  ota_config.json    the configuration (or ota_config.yaml, .yml, .toml)\n"
    "  version.json       the installed version: ref, commit, channel\n"
    "  ota_error.json     the last failures, newest last\n"
    "  .ota_state         the installed files and their git blob SHA-1\n"
    "  .ota_stage/        downloads being verified before the swap\n"
    "  .ota_backup/       the previous version, until the new one is confirmed\n"
    "  .ota_reverted      the last commit rolled back from, and why\n";

static const struct command commands[] = {
    {"update", cmd_update, OPTIONS_UPDATE, NULL, "fetch, verify and install what changed",
     "Resolves the branch tip (developer channel) or the latest release (stable),\n"
     "downloads only the files whose git blob SHA differs from what is installed,\n"
     "verifies each while it streams into the stage, then swaps them in.\n"
     "With reset_mode hard or soft, runs restart_command after installing.\n"},
    {"check", cmd_update, OPTIONS_EXPLAIN, NULL, "is a newer version available? (exit 10 if so)",
     "Resolves the target commit with one request and compares it with\n"
     "version.json. Changes nothing on the device (with update_scheduling, it\n"
     "notes the check in .ota_health). When the schedule says not now (outside\n"
     "the update window, too soon, battery low, after crashes, not in the\n"
     "canary share) no request is sent and the exit code is 12.\n"},
    {"health", cmd_health, OPTIONS_HEALTH, NULL, "the device's health record; report a crash",
     "Shows .ota_health (boots, healthy boots, crashes since the last healthy\n"
     "one, the last check and update) and what the update schedule says now.\n"
     "The application reports with --crash after a failure it recovered from\n"
     "(or its start-up script, after an unclean stop) and --ok once it runs\n"
     "well; max_crashes_before_delay crashes defer updates. `ota confirm`\n"
     "counts as --ok. The record is kept when update_scheduling is configured.\n"},
    {"status", cmd_status, 0, NULL, "installed version and the last error (no network)",
     "Shows version.json, whether an interrupted install is pending, the\n"
     "newest entry of ota_error.json, and with update_scheduling the health\n"
     "record and when the next check is allowed.\n"},
    {"config check", cmd_config, 0, NULL, "validate the configuration (no network)",
     "Loads the configuration as the other commands do and reports errors (with\n"
     "file, line and field) and warnings (unknown fields, with a suggestion).\n"},
    {"config show", cmd_config, 0, NULL, "print the effective configuration, secrets masked",
     "Prints the configuration as the engine will use it, defaults filled in, as\n"
     "one JSON object; token, password, manifest_key and lora_key show as \"***\".\n"},
    {"notice", cmd_notice, OPTIONS_ARG, NULL, "a LoRa \"update available\" notice: verify, then check",
     "FRAME is a notice the radio received, in hex (docs/lora.md). It must carry\n"
     "a valid tag made with lora_key and a sequence above the last one accepted\n"
     "(remembered in .ota_health: replays are refused, exit 5). A notice for a\n"
     "release other than the installed one triggers a check over the links that\n"
     "carry HTTP: exit 10 when an update is available, as `ota check`.\n"},
    {"boot", cmd_boot, 0, NULL, "settle the device and count a trial boot (run at start-up)",
     "Completes a swap that passed its commit point, or discards a stage that\n"
     "did not, and finishes an interrupted revert, so the device holds exactly\n"
     "the old or the new version. Then, if the installed version is on trial,\n"
     "counts this boot; a version not confirmed within max_trial_boots boots is\n"
     "reverted to the previous one now (its rollback hook runs first), and\n"
     "ota_error.json says why. Run it before the application starts.\n"},
    {"confirm", cmd_confirm, 0, NULL, "the installed version runs well: end its trial",
     "Ends the trial of the installed version, so later boots never revert it,\n"
     "and frees the previous version's backup. Call it from the application\n"
     "once it has shown it works (connected, served, passed its self-test).\n"
     "Harmless when nothing is on trial.\n"},
    {"rollback", cmd_rollback, 0, NULL, "go back to the previous version now",
     "Puts the previous version back, exactly as it was (its files, .ota_state\n"
     "and version.json), after running the rollback hook of the version being\n"
     "left. That version is not installed again unless forced. Exit code 11\n"
     "when no previous version is kept (nothing installed over one yet, or\n"
     "already confirmed).\n"},
    {"keygen", NULL, 0, cmd_keygen, "make an Ed25519 key pair for signing releases",
     keygen_help},
    {"sign", NULL, 0, cmd_sign, "sign a file with a private key (OpenSSL-compatible)",
     sign_help},
    {"verify", NULL, 0, cmd_verify, "check a file's signature as a device does", verify_help},
    {"manifest", NULL, 0, cmd_manifest, "build (and sign) a release manifest", manifest_help},
    {"delta", NULL, 0, cmd_delta, "make (or apply) a delta between two files", delta_help},
    {"notice-frame", NULL, 0, cmd_notice_frame, "make a LoRa notice frame (the sender's side)",
     notice_frame_help},
    {"publish", NULL, 0, cmd_publish, "put a signed release into a static mirror for a fleet",
     publish_help},
    {"completion", NULL, 0, cmd_completion, "print the bash completion script",
     completion_help},
    {"manpage", NULL, 0, cmd_manpage, "print this manual as a man page (troff)",
     manpage_help},
};

#define COMMAND_COUNT (sizeof commands / sizeof commands[0])

const struct command *command_at(size_t i)
{
    return i < COMMAND_COUNT ? &commands[i] : NULL;
}

const struct command *command_find(const char *name)
{
    size_t i;

    for (i = 0; i < COMMAND_COUNT; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static void list(FILE *out, int tools)
{
    size_t i;

    for (i = 0; i < COMMAND_COUNT; i++)
        if (!commands[i].run_tool == !tools)
            fprintf(out, "  %-13s %s\n", commands[i].name, commands[i].summary);
}

void help_usage(FILE *out)
{
    fprintf(out, "usage: ota COMMAND [options]\n\n"
                 "Keeps this device's files in step with a GitHub repository.\n\n"
                 "Commands:\n");
    list(out, 0);
    fprintf(out, "\nTools (no configuration needed):\n");
    list(out, 1);
    fprintf(out, "\nRun `ota COMMAND --help` (or `ota help COMMAND`) for its options, and\n"
                 "`ota --version` for the version.\n\n%s\n%s\n%s",
            environment_help, files_help, exit_help);
}

void help_command(FILE *out, const struct command *c)
{
    if (c->run_tool)
        fputs(c->help, out);
    else
        fprintf(out, "usage: ota %s [options]%s\n\n%s\n%s%s%s%s\n%s", c->name,
                c->update_options & OPTIONS_ARG ? " FRAME" : "", c->help, common_help, c->update_options & OPTIONS_UPDATE ? update_help : "",
                c->update_options & OPTIONS_EXPLAIN ? explain_help : "",
                c->update_options & OPTIONS_HEALTH ? health_help : "", exit_help);
}

char *help_string(const struct command *c)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);

    if (!out)
        return NULL;
    if (c)
        help_command(out, c);
    else
        help_usage(out);
    if (fclose(out) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

int print_version(void)
{
    printf("ota %s\n", OTA_VERSION_STRING);
    return EXIT_OK;
}

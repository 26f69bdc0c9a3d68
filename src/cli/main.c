/* ota: keep a device's files in step with a GitHub repository.
 * Git-style subcommands: the device commands parse the same common options;
 * the release tools (keygen, sign, verify) parse their own. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct command {
    const char *name;
    int (*run)(struct cli *cli, const char *name);
    int takes_update_options;
    const char *summary;
    const char *help;
};

static const char common_help[] =
    "Options:\n"
    "  -c, --config FILE  configuration file (default: ROOT/ota_config.json)\n"
    "      --root DIR     device root: the directory whose files ota keeps in\n"
    "                     step; config paths are relative to it (default: .)\n"
    "      --json         print one JSON object on stdout\n"
    "  -v, --verbose      more log lines (twice: debug)\n"
    "  -q, --quiet        only errors\n"
    "  -h, --help         this help\n";

static const char update_help[] =
    "  -f, --force        re-check every file even if the commit is installed\n"
    "      --no-restart   do not run restart_command after installing\n";

static const char exit_help[] =
    "Exit codes: 0 ok, 1 internal error, 2 usage, 3 configuration, 4 network or\n"
    "server, 5 verification (SHA/size mismatch, unsafe path, bad response),\n"
    "6 device storage, 7 rate limited, 8 unauthorized or not found,\n"
    "9 installed but restart_command failed, 10 update available (check).\n";

static const struct command commands[] = {
    {"update", cmd_update, 1, "fetch, verify and install what changed",
     "Resolves the branch tip (developer channel) or the latest release (stable),\n"
     "downloads only the files whose git blob SHA differs from what is installed,\n"
     "verifies each while it streams into the stage, then swaps them in.\n"
     "With reset_mode hard or soft, runs restart_command after installing.\n"},
    {"check", cmd_update, 0, "is a newer version available? (exit 10 if so)",
     "Resolves the target commit with one request and compares it with\n"
     "version.json. Changes nothing on the device.\n"},
    {"status", cmd_status, 0, "installed version and the last error (no network)",
     "Shows version.json, whether an interrupted install is pending, and the\n"
     "newest entry of ota_error.json.\n"},
    {"config check", cmd_config, 0, "validate the configuration (no network)",
     "Loads the configuration as the other commands do and reports errors (with\n"
     "file, line and field) and warnings (unknown fields, with a suggestion).\n"},
    {"config show", cmd_config, 0, "print the effective configuration, secrets masked",
     "Prints the configuration as the engine will use it, defaults filled in, as\n"
     "one JSON object; token, password and manifest_key show as \"***\".\n"},
    {"boot", cmd_boot, 0, "finish or undo an interrupted install (run at start-up)",
     "Completes a swap that passed its commit point, or discards a stage that\n"
     "did not, so the device holds exactly the old or the new version.\n"},
};

#define COMMAND_COUNT (sizeof commands / sizeof commands[0])

/* Release tools: run on a developer's machine, need no configuration. */
struct tool {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct tool tools[] = {
    {"keygen", cmd_keygen, "make an Ed25519 key pair for signing releases"},
    {"sign", cmd_sign, "sign a file with a private key (OpenSSL-compatible)"},
    {"verify", cmd_verify, "check a file's signature as a device does"},
    {"manifest", cmd_manifest, "build (and sign) a release manifest"},
};

#define TOOL_COUNT (sizeof tools / sizeof tools[0])

static void usage(FILE *out)
{
    size_t i;

    fprintf(out, "usage: ota COMMAND [options]\n\n"
                 "Keeps this device's files in step with a GitHub repository.\n\n"
                 "Commands:\n");
    for (i = 0; i < COMMAND_COUNT; i++)
        fprintf(out, "  %-13s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nRelease tools (no configuration needed):\n");
    for (i = 0; i < TOOL_COUNT; i++)
        fprintf(out, "  %-13s %s\n", tools[i].name, tools[i].summary);
    fprintf(out, "\nRun `ota COMMAND --help` for its options.\n"
                 "A private repository's token may come from OTA_TOKEN.\n\n%s",
            exit_help);
}

static void command_help(const struct command *c)
{
    printf("usage: ota %s [options]\n\n%s\n%s%s\n%s", c->name, c->help, common_help,
           c->takes_update_options ? update_help : "", exit_help);
}

static const struct command *find_command(const char *name)
{
    size_t i;

    for (i = 0; i < COMMAND_COUNT; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static const struct tool *find_tool(const char *name)
{
    size_t i;

    for (i = 0; i < TOOL_COUNT; i++)
        if (strcmp(tools[i].name, name) == 0)
            return &tools[i];
    return NULL;
}

enum { OPT_ROOT = 256, OPT_JSON, OPT_NO_RESTART };

/* Returns -1 to go on, or an exit code (help shown, or a usage error). */
static int parse_options(const struct command *c, struct cli_options *o, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'}, {"root", required_argument, NULL, OPT_ROOT},
        {"json", no_argument, NULL, OPT_JSON},     {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},         {"help", no_argument, NULL, 'h'},
        {"force", no_argument, NULL, 'f'},         {"no-restart", no_argument, NULL, OPT_NO_RESTART},
        {NULL, 0, NULL, 0}};
    int ch;

    optind = 1;
    while ((ch = getopt_long(argc, argv, "c:vqhf", longopts, NULL)) != -1) {
        if ((ch == 'f' || ch == OPT_NO_RESTART) && !c->takes_update_options)
            ch = '?';
        switch (ch) {
        case 'c': o->config_path = optarg; break;
        case OPT_ROOT: o->root = optarg; break;
        case OPT_JSON: o->json = 1; break;
        case 'v': o->verbose++; break;
        case 'q': o->quiet = 1; break;
        case 'f': o->force = 1; break;
        case OPT_NO_RESTART: o->no_restart = 1; break;
        case 'h': command_help(c); return EXIT_OK;
        default:
            fprintf(stderr, "ota %s: unknown option; see `ota %s --help`\n", c->name, c->name);
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "ota %s: unexpected argument '%s'\n", c->name, argv[optind]);
        return EXIT_USAGE;
    }
    return -1;
}

int main(int argc, char **argv)
{
    static struct cli cli; /* large (buffers); one per process */
    const struct command *c;
    const struct tool *t;
    int code;

    /* a server closing the connection must be an error, not a killed process */
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
        !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("ota %s\n", OTA_VERSION_STRING);
        return EXIT_OK;
    }
    t = find_tool(argv[1]);
    if (t)
        return t->run(argc - 1, argv + 1);
    if (!strcmp(argv[1], "config")) { /* two-word commands: "config check" */
        char name[32];
        if (argc < 3 || argv[2][0] == '-') {
            fprintf(stderr, "ota config: say `ota config check` or `ota config show`\n");
            return argc >= 3 && !strcmp(argv[2], "--help") ? EXIT_OK : EXIT_USAGE;
        }
        snprintf(name, sizeof name, "config %s", argv[2]);
        c = find_command(name);
        if (c) {
            code = parse_options(c, &cli.opt, argc - 2, argv + 2);
            return code >= 0 ? code : c->run(&cli, c->name);
        }
    }
    c = find_command(argv[1]);
    if (!c) {
        fprintf(stderr, "ota: unknown command '%s'\n\n", argv[1]);
        usage(stderr);
        return EXIT_USAGE;
    }
    code = parse_options(c, &cli.opt, argc - 1, argv + 1);
    if (code >= 0)
        return code;
    return c->run(&cli, c->name);
}

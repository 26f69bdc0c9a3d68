/* ota: keep a device's files in step with a GitHub repository.
 * Git-style subcommands (commands.c): the device commands parse the same
 * common options; the tools (keygen, sign, ...) parse their own. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

enum { OPT_ROOT = 256, OPT_JSON, OPT_NO_RESTART, OPT_VERSION, OPT_EXPLAIN, OPT_CRASH, OPT_OK };

/* Is option ch one that command c takes? */
static int takes(const struct command *c, int ch)
{
    switch (ch) {
    case 'f':
    case OPT_NO_RESTART: return c->update_options & OPTIONS_UPDATE;
    case OPT_EXPLAIN: return c->update_options & OPTIONS_EXPLAIN;
    case OPT_CRASH:
    case OPT_OK: return c->update_options & OPTIONS_HEALTH;
    default: return 1;
    }
}

static int crash_code(const char *arg, int *code)
{
    char *end;
    long v;

    if (!arg) {
        *code = 0;
        return 0;
    }
    v = strtol(arg, &end, 10);
    if (*arg == '\0' || *end != '\0' || v < -2147483647L || v > 2147483647L)
        return -1;
    *code = (int)v;
    return 0;
}

/* Returns -1 to go on, or an exit code (help shown, or a usage error). */
static int parse_options(const struct command *c, struct cli_options *o, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'}, {"root", required_argument, NULL, OPT_ROOT},
        {"json", no_argument, NULL, OPT_JSON},     {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},         {"help", no_argument, NULL, 'h'},
        {"force", no_argument, NULL, 'f'},         {"no-restart", no_argument, NULL, OPT_NO_RESTART},
        {"version", no_argument, NULL, OPT_VERSION}, {"explain", no_argument, NULL, OPT_EXPLAIN},
        {"crash", optional_argument, NULL, OPT_CRASH}, {"ok", no_argument, NULL, OPT_OK},
        {NULL, 0, NULL, 0}};
    int ch;

    optind = 1;
    while ((ch = getopt_long(argc, argv, "c:vqhf", longopts, NULL)) != -1) {
        if (!takes(c, ch))
            ch = '?';
        switch (ch) {
        case 'c': o->config_path = optarg; break;
        case OPT_ROOT: o->root = optarg; break;
        case OPT_JSON: o->json = 1; break;
        case 'v': o->verbose++; break;
        case 'q': o->quiet = 1; break;
        case 'f': o->force = 1; break;
        case OPT_NO_RESTART: o->no_restart = 1; break;
        case OPT_EXPLAIN: o->explain = 1; break;
        case OPT_OK: o->healthy = 1; break;
        case OPT_CRASH:
            o->crash = 1;
            if (crash_code(optarg, &o->crash_code) != 0) {
                fprintf(stderr, "ota %s: --crash takes a number, not '%s'\n", c->name, optarg);
                return EXIT_USAGE;
            }
            break;
        case 'h': help_command(stdout, c); return EXIT_OK;
        case OPT_VERSION: return print_version();
        default:
            fprintf(stderr, "ota %s: unknown option; see `ota %s --help`\n", c->name, c->name);
            return EXIT_USAGE;
        }
    }
    if (optind < argc && (c->update_options & OPTIONS_ARG) && !o->arg)
        o->arg = argv[optind++];
    if (optind < argc) {
        fprintf(stderr, "ota %s: unexpected argument '%s'\n", c->name, argv[optind]);
        return EXIT_USAGE;
    }
    return -1;
}

/* Without -c: the configuration file the device root has, in the original
 * system's order of formats. */
static void find_config(struct cli_options *o)
{
    static char path[4096 + 32];

    if (!o->config_path)
        o->config_path = config_default_path(o->root ? o->root : ".", path, sizeof path);
}

static int run_device_command(const struct command *c, struct cli *cli, int argc, char **argv)
{
    int code = parse_options(c, &cli->opt, argc, argv);

    if (code >= 0)
        return code;
    find_config(&cli->opt);
    return c->run(cli, c->name);
}

/* `ota help [COMMAND]` */
static int help(int argc, char **argv)
{
    char name[64];
    const struct command *c;

    if (argc < 3) {
        help_usage(stdout);
        return EXIT_OK;
    }
    snprintf(name, sizeof name, "%s%s%s", argv[2], argc > 3 ? " " : "", argc > 3 ? argv[3] : "");
    c = command_find(name);
    if (!c) {
        fprintf(stderr, "ota help: no command '%s'\n", name);
        return EXIT_USAGE;
    }
    help_command(stdout, c);
    return EXIT_OK;
}

/* "config check" and "config show" are two words. */
static const struct command *find_two_words(int *argc, char ***argv)
{
    char name[64];
    const struct command *c;

    if (strcmp((*argv)[1], "config") != 0 || *argc < 3 || (*argv)[2][0] == '-')
        return NULL;
    snprintf(name, sizeof name, "config %s", (*argv)[2]);
    c = command_find(name);
    if (c) {
        (*argc)--;
        (*argv)++;
    }
    return c;
}

int main(int argc, char **argv)
{
    static struct cli cli; /* large (buffers); one per process */
    const struct command *c;

    /* a server closing the connection must be an error, not a killed process */
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) {
        help_usage(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help"))
        return help(argc, argv);
    if (!strcmp(argv[1], "--version"))
        return print_version();
    c = find_two_words(&argc, &argv);
    if (!c && !strcmp(argv[1], "config")) {
        if (argc == 3 && !strcmp(argv[2], "--version"))
            return print_version();
        fprintf(stderr, "ota config: say `ota config check` or `ota config show`\n");
        return argc >= 3 && !strcmp(argv[2], "--help") ? EXIT_OK : EXIT_USAGE;
    }
    if (!c)
        c = command_find(argv[1]);
    if (!c) {
        fprintf(stderr, "ota: unknown command '%s'\n\n", argv[1]);
        help_usage(stderr);
        return EXIT_USAGE;
    }
    if (!c->run_tool)
        return run_device_command(c, &cli, argc - 1, argv + 1);
    if (argc == 3 && !strcmp(argv[2], "--version"))
        return print_version();
    return c->run_tool(argc - 1, argv + 1);
}

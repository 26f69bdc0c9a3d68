/* The table of `ota` commands: their names, what runs them, and their help.
 * `--help`, the man page (manpage.c) and the bash completion (completion.c)
 * are all made from it, so they cannot disagree. */
#ifndef OTA_CLI_COMMANDS_H
#define OTA_CLI_COMMANDS_H

#include <stdio.h>

#include "cli.h"

enum {
    OPTIONS_UPDATE = 1,  /* --force, --no-restart */
    OPTIONS_EXPLAIN = 2, /* --explain */
    OPTIONS_HEALTH = 4,  /* --crash[=CODE], --ok */
    OPTIONS_ARG = 8      /* one argument (cli_options.arg) */
};

struct command {
    const char *name;   /* "update", "config check", "keygen" */
    /* Device commands: the common options, then an engine session. */
    int (*run)(struct cli *cli, const char *name);
    int update_options; /* OPTIONS_*: which options besides the common ones */
    /* Tools: parse their own options; argv[0] is the command. */
    int (*run_tool)(int argc, char **argv);
    const char *summary;
    const char *help;   /* device commands: what it does; tools: the whole
                           --help text */
};

/* `ota publish` (cmd_publish.c): a tool, declared here beside its table entry. */
int cmd_publish(int argc, char **argv);
extern const char publish_help[];

/* The i-th command, device commands first; NULL past the end. */
const struct command *command_at(size_t i);

/* The command called name ("config check" for the two-word ones), or NULL. */
const struct command *command_find(const char *name);

/* `ota --help`. */
void help_usage(FILE *out);

/* `ota NAME --help`. */
void help_command(FILE *out, const struct command *c);

/* What `ota NAME --help` (c NULL: `ota --help`) prints, as a string to
 * free(); NULL when out of memory. */
char *help_string(const struct command *c);

/* `ota --version`. */
int print_version(void);

#endif

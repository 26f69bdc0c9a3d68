#include "restart.h"

#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

const char *restart_outcome_name(enum restart_outcome o)
{
    return o == RESTART_DONE ? "done" : o == RESTART_FAILED ? "failed" : "skipped";
}

/* The command runs in the device root with the new version in its
 * environment, so a script can log or announce it; arg is its $1. */
static int run_command(const char *root, const char *command, const char *arg,
                       const struct ota_result *res, int keep_stdout_clean)
{
    pid_t pid = fork();
    int status;

    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (root && chdir(root) != 0)
            _exit(126);
        if (keep_stdout_clean) /* --json: stdout carries only our object */
            dup2(STDERR_FILENO, STDOUT_FILENO);
        setenv("OTA_COMMIT", res->commit, 1);
        setenv("OTA_REF", res->ref, 1);
        setenv("OTA_PREVIOUS_COMMIT", res->installed_commit, 1);
        execl("/bin/sh", "sh", "-c", command, "ota", arg, (char *)NULL);
        _exit(127);
    }
    while (waitpid(pid, &status, 0) < 0)
        ;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void restart_after_install(struct cli *cli, const struct ota_result *res,
                           struct restart_result *out)
{
    const char *command = cli->cfg.restart_command;

    out->outcome = RESTART_SKIPPED;
    out->exit_status = -1;
    if (cli->cfg.reset_mode == RESET_NONE || cli->opt.no_restart)
        return;
    if (!command || !command[0]) {
        report_line(cli, "reset_mode is %s but no restart_command is configured: "
                         "restart the application to run the new version",
                    cli->cfg.reset_mode == RESET_SOFT ? "soft" : "hard");
        return;
    }
    fflush(stdout);
    out->exit_status = run_command(cli->opt.root, command, NULL, res, cli->opt.json);
    out->outcome = out->exit_status == 0 ? RESTART_DONE : RESTART_FAILED;
}

/* A release's hook is a file of the release, fetched without its mode
 * bits: it is run by the interpreter its name asks for. */
#define HOOK_RUNNER                                                                 \
    "case \"$1\" in *.py) exec python3 \"./$1\" ;; *.sh) exec sh \"./$1\" ;; " \
    "*) exec \"./$1\" ;; esac"

int run_release_hook(struct cli *cli, const char *hook, const struct ota_result *res)
{
    fflush(stdout);
    return run_command(cli->opt.root, HOOK_RUNNER, hook, res, cli->opt.json);
}

/* The commands of the trial-boot cycle: `ota boot` at every start (settle
 * an interrupted install or revert, count a trial boot, revert a version
 * that used its boots up), `ota confirm` from the application once it runs
 * well, and `ota rollback` on demand. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "report.h"
#include "restart.h"

/* A revert announces itself while the version it leaves is still in place:
 * that is when that version's rollback hook can run. */
static void trial_event(void *arg, const struct ota_event *ev)
{
    struct cli *cli = arg;
    struct revert_report *r = &cli->revert;

    report_event(arg, ev);
    if (ev->type == OTA_EVENT_REVERTING) {
        struct ota_result env;
        memset(&env, 0, sizeof env);
        snprintf(r->from, sizeof r->from, "%s", ev->commit);
        snprintf(env.commit, sizeof env.commit, "%s", ev->commit);
        snprintf(env.installed_commit, sizeof env.installed_commit, "%s", ev->commit);
        if (ev->path) {
            snprintf(r->hook, sizeof r->hook, "%s", ev->path);
            r->hook_status = run_release_hook(cli, ev->path, &env);
            if (r->hook_status != 0 && !cli->opt.quiet)
                fprintf(stderr, "ota: rollback hook %s exited %d\n", ev->path, r->hook_status);
        }
    } else if (ev->type == OTA_EVENT_REVERTED) {
        r->reverted = 1;
        snprintf(r->to, sizeof r->to, "%s", ev->commit);
    }
}

static int open_trial_session(struct cli *cli, const char *command)
{
    int code = session_open(cli, command);

    memset(&cli->revert, 0, sizeof cli->revert);
    cli->revert.hook_status = -1;
    if (code == EXIT_OK)
        ota_set_event_cb(&cli->ctx, trial_event, cli);
    return code;
}

static void json_revert(struct jsonw *w, const struct revert_report *r)
{
    jsonw_bool(w, "reverted", r->reverted);
    jsonw_str(w, "reverted_from", r->from[0] ? r->from : NULL);
    jsonw_str(w, "reverted_to", r->reverted && r->to[0] ? r->to : NULL);
    jsonw_str(w, "rollback_hook", r->hook[0] ? r->hook : NULL);
    if (r->hook_status >= 0)
        jsonw_int(w, "rollback_hook_status", r->hook_status);
}

static void json_trial(struct jsonw *w, const struct ota_result *res)
{
    jsonw_str(w, "commit", res->installed_commit[0] ? res->installed_commit : NULL);
    jsonw_bool(w, "on_trial", res->on_trial);
    jsonw_u64(w, "trial_boots", res->trial_boots);
    jsonw_bool(w, "can_rollback", res->can_rollback);
}

/* One JSON object or a few lines; then the exit code. */
static int finish(struct cli *cli, const char *command, int err, const char *status)
{
    struct ota_result res;
    struct jsonw w;

    memset(&res, 0, sizeof res);
    if (err == OTA_OK)
        (void)ota_installed(&cli->ctx, &res);
    if (cli->opt.json) {
        jsonw_begin(&w, stdout);
        report_json_head(cli, &w, command, err ? "error" : status, err, ota_reason(&cli->ctx));
        json_trial(&w, &res);
        jsonw_u64(&w, "max_trial_boots", cli->cfg.max_trial_boots);
        json_revert(&w, &cli->revert);
        jsonw_end(&w);
    } else if (err) {
        report_error(cli, command, err, ota_reason(&cli->ctx));
    } else if (res.on_trial) {
        report_line(cli, "%.12s on trial: boot %u of %u; `ota confirm` keeps it",
                    res.installed_commit, res.trial_boots, cli->cfg.max_trial_boots);
    }
    session_close(cli);
    return exit_code_for(err);
}

int cmd_boot(struct cli *cli, const char *command)
{
    int code = open_trial_session(cli, command), err;

    if (code != EXIT_OK)
        return code;
    err = ota_boot(&cli->ctx);
    return finish(cli, command, err, cli->revert.reverted ? "reverted" : "ok");
}

int cmd_confirm(struct cli *cli, const char *command)
{
    struct ota_result before;
    int code = open_trial_session(cli, command), err;

    if (code != EXIT_OK)
        return code;
    err = ota_installed(&cli->ctx, &before);
    if (err == OTA_OK)
        err = ota_confirm(&cli->ctx);
    if (err == OTA_OK)
        report_line(cli, before.on_trial ? "confirmed %s" : "%s was not on trial; confirmed",
                    before.installed_commit[0] ? before.installed_commit : "nothing");
    return finish(cli, command, err, before.on_trial ? "confirmed" : "not_on_trial");
}

int cmd_rollback(struct cli *cli, const char *command)
{
    int code = open_trial_session(cli, command), err;

    if (code != EXIT_OK)
        return code;
    err = ota_rollback(&cli->ctx);
    return finish(cli, command, err, "reverted");
}

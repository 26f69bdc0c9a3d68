/* `ota status`: what is installed, its trial, the last error; no network. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "report.h"
#include "report_schedule.h"

#define ERROR_FILE "ota_error.json"

static int accept_token(void *arg, const struct ota_json_token *tok)
{
    (void)arg;
    (void)tok;
    return 0;
}

static int is_valid_json(const char *text)
{
    struct ota_json j;
    char scratch[64];

    ota_json_init(&j, scratch, sizeof scratch, accept_token, NULL);
    return ota_json_feed(&j, (const uint8_t *)text, strlen(text)) == 0 &&
           ota_json_finish(&j) == 0;
}

/* The newest entry of ota_error.json (one object per line, newest last). */
static int last_error(const struct cli *cli, char *out, size_t cap)
{
    char path[4096 + 32], line[1024];
    FILE *f;
    size_t len;

    out[0] = '\0';
    snprintf(path, sizeof path, "%s/%s", cli->opt.root ? cli->opt.root : ".", ERROR_FILE);
    f = fopen(path, "r");
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f)) {
        len = strcspn(line, "\r\n");
        while (len > 0 && (line[len - 1] == ',' || line[len - 1] == ' '))
            len--;
        line[len] = '\0';
        if (line[0] == '{' && len < cap)
            memcpy(out, line, len + 1);
    }
    fclose(f);
    if (out[0] && !is_valid_json(out))
        out[0] = '\0';
    return out[0] != '\0';
}

static int stage_pending(struct cli *cli)
{
    struct ota_stat st;

    return cli->port.fs.stat(cli->port.user, cli->cfg.settings.stage_dir
                                                 ? cli->cfg.settings.stage_dir
                                                 : ".ota_stage",
                             &st) == OTA_OK;
}

int cmd_status(struct cli *cli, const char *command)
{
    struct ota_result res;
    char error[1024];
    int code = session_open(cli, command), err, pending, has_error, health_ok;
    struct ota_health health;
    struct jsonw w;

    if (code != EXIT_OK)
        return code;
    err = ota_installed(&cli->ctx, &res);
    /* the record a schedule keeps (reading it changes nothing) */
    health_ok = cli->cfg.schedule_given && ota_read_health(&cli->ctx, &health) == OTA_OK;
    pending = stage_pending(cli);
    has_error = last_error(cli, error, sizeof error);
    if (cli->opt.json) {
        jsonw_begin(&w, stdout);
        report_json_head(cli, &w, command, err ? "error" : res.installed_commit[0]
                                                              ? "installed" : "empty",
                         err, ota_reason(&cli->ctx));
        jsonw_str(&w, "ref", res.ref[0] ? res.ref : NULL);
        jsonw_str(&w, "commit", res.installed_commit[0] ? res.installed_commit : NULL);
        jsonw_bool(&w, "install_pending", pending);
        jsonw_bool(&w, "on_trial", res.on_trial);
        jsonw_u64(&w, "trial_boots", res.trial_boots);
        jsonw_u64(&w, "max_trial_boots", cli->cfg.max_trial_boots);
        jsonw_bool(&w, "can_rollback", res.can_rollback);
        jsonw_str(&w, "reverted_from", res.reverted[0] ? res.reverted : NULL);
        if (has_error)
            jsonw_raw(&w, "last_error", error);
        else
            jsonw_str(&w, "last_error", NULL);
        if (health_ok)
            report_health_json(cli, &w, &health);
        jsonw_end(&w);
    } else if (err) {
        report_error(cli, command, err, "version.json is corrupt");
    } else {
        report_line(cli, "installed: %s%s%s", res.ref[0] ? res.ref : "nothing",
                    res.installed_commit[0] ? " at " : "", res.installed_commit);
        if (res.on_trial)
            report_line(cli, "on trial: booted %u of %u times unconfirmed; `ota confirm` "
                             "keeps it", res.trial_boots, cli->cfg.max_trial_boots);
        if (res.can_rollback)
            report_line(cli, "previous version kept: `ota rollback` returns to it");
        if (res.reverted[0])
            report_line(cli, "rolled back from %s (not installed again unless forced)",
                        res.reverted);
        if (pending)
            report_line(cli, "an interrupted install is pending: `ota boot` settles it");
        if (has_error)
            report_line(cli, "last error: %s", error);
        if (health_ok)
            report_health_plain(cli, &health);
    }
    session_close(cli);
    return exit_code_for(err);
}

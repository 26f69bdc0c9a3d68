/* `ota update` and `ota check`. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "report.h"
#include "report_schedule.h"
#include "restart.h"

/* The target is a version that was rolled back: left alone unless forced. */
static int target_reverted(const struct ota_result *res)
{
    return !res->installed && !res->update_available && res->commit[0] &&
           strcmp(res->commit, res->reverted) == 0 &&
           strcmp(res->commit, res->installed_commit) != 0;
}

static const char *status_of(int err, int is_check, const struct ota_result *res)
{
    if (err == OTA_ERR_DEFERRED || err == OTA_ERR_LOW_BATTERY || err == OTA_ERR_COST)
        return "deferred";
    if (err != OTA_OK)
        return "error";
    if (res->installed)
        return "installed";
    if (is_check && res->update_available)
        return "update-available";
    if (target_reverted(res))
        return "target-reverted";
    return "up-to-date";
}

static void write_json(struct cli *cli, const char *command, int err,
                       const struct ota_result *res, const struct restart_result *rs,
                       int hook_status)
{
    const struct ota_stats *st = ota_last_stats(&cli->ctx);
    struct jsonw w;
    size_t i;

    jsonw_begin(&w, stdout);
    report_json_head(cli, &w, command, status_of(err, !strcmp(command, "check"), res), err,
                     ota_reason(&cli->ctx));
    jsonw_str(&w, "ref", res->ref[0] ? res->ref : NULL);
    jsonw_str(&w, "commit", res->commit[0] ? res->commit : NULL);
    jsonw_str(&w, "previous_commit", res->installed_commit[0] ? res->installed_commit : NULL);
    jsonw_bool(&w, "update_available", res->update_available);
    jsonw_bool(&w, "target_reverted", target_reverted(res));
    jsonw_bool(&w, "manifest", res->manifest);
    if (res->has_sequence)
        jsonw_u64(&w, "sequence", res->sequence);
    if (hook_status >= 0)
        jsonw_int(&w, "post_update_status", hook_status);
    jsonw_u64(&w, "files_fetched", st->files_fetched);
    jsonw_u64(&w, "files_unchanged", st->files_unchanged);
    jsonw_u64(&w, "files_deleted", st->files_deleted);
    jsonw_u64(&w, "http_requests", st->http_requests);
    jsonw_u64(&w, "bytes_received", st->bytes_received);
    jsonw_u64(&w, "file_bytes_received", st->fetch_bytes_received);
    if (st->estimated_bytes) {
        jsonw_u64(&w, "estimated_bytes", st->estimated_bytes);
        jsonw_u64(&w, "estimated_cost_milli", st->estimated_cost_milli);
    }
    jsonw_u64(&w, "not_modified", st->not_modified);
    jsonw_u64(&w, "files_by_delta", st->files_by_delta);
    jsonw_u64(&w, "delta_fallbacks", st->delta_fallbacks);
    jsonw_u64(&w, "retries", st->retries);
    if (cli->opt.explain || cli->cfg.schedule_given)
        report_decision_json(&w, &res->decision);
    report_link_json(cli, &w);
    jsonw_open(&w, "retry_delays_ms", '[');
    for (i = 0; i < cli->retry_count; i++)
        jsonw_u64(&w, NULL, cli->retry_delays_ms[i]);
    jsonw_close(&w, ']');
    if (rs) {
        jsonw_str(&w, "restart", restart_outcome_name(rs->outcome));
        if (rs->exit_status >= 0)
            jsonw_int(&w, "restart_exit_status", rs->exit_status);
    }
    jsonw_end(&w);
}

static void write_plain(struct cli *cli, const char *command, int err,
                        const struct ota_result *res)
{
    const struct ota_stats *st = ota_last_stats(&cli->ctx);
    char bytes[32];

    if (cli->opt.explain)
        report_decision_plain(cli, &res->decision);
    if (err != OTA_OK) {
        report_error(cli, command, err, ota_reason(&cli->ctx));
        return;
    }
    human_bytes(st->bytes_received, bytes, sizeof bytes);
    if (res->installed)
        report_line(cli, "installed %s at %.12s: %u fetched, %u unchanged, %u deleted "
                         "(%u requests, %s)",
                    res->ref, res->commit, st->files_fetched, st->files_unchanged,
                    st->files_deleted, st->http_requests, bytes);
    else if (res->update_available)
        report_line(cli, "update available: %s at %.12s (installed: %.12s)", res->ref,
                    res->commit, res->installed_commit[0] ? res->installed_commit : "nothing");
    else if (target_reverted(res))
        report_line(cli, "not installing %s at %.12s: it was rolled back "
                         "(--force installs it); installed: %.12s",
                    res->ref, res->commit, res->installed_commit);
    else
        report_line(cli, "up to date: %s at %.12s", res->ref, res->commit);
}

int cmd_update(struct cli *cli, const char *command)
{
    int is_check = strcmp(command, "check") == 0;
    struct restart_result rs = {RESTART_SKIPPED, -1};
    struct ota_result res;
    int code, err, hook_status = -1;

    memset(&res, 0, sizeof res);
    code = session_open(cli, command);
    if (code != EXIT_OK)
        return code;
    err = is_check ? ota_check(&cli->ctx, &res) : ota_update(&cli->ctx, &res);
    if (err == OTA_OK && res.installed && res.post_update[0])
        hook_status = run_release_hook(cli, res.post_update, &res);
    if (hook_status > 0 && !cli->opt.json)
        fprintf(stderr, "ota %s: post_update hook %s exited %d\n", command, res.post_update,
                hook_status);
    if (err == OTA_OK && res.installed)
        restart_after_install(cli, &res, &rs);
    if (cli->opt.json)
        write_json(cli, command, err, &res, is_check ? NULL : &rs, hook_status);
    else
        write_plain(cli, command, err, &res);
    if (err != OTA_OK)
        code = exit_code_for(err);
    else if (rs.outcome == RESTART_FAILED)
        code = EXIT_RESTART_FAILED;
    else if (is_check && res.update_available)
        code = EXIT_UPDATE_AVAILABLE;
    if (rs.outcome == RESTART_FAILED && !cli->opt.json)
        fprintf(stderr, "ota %s: restart_command exited %d\n", command, rs.exit_status);
    session_close(cli);
    return code;
}

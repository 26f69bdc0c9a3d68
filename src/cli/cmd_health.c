/* `ota health`: the device's health record (.ota_health), a crash or a
 * healthy start reported by the application, and the schedule's verdict. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "jsonw.h"
#include "report.h"
#include "report_schedule.h"

static int record(struct cli *cli)
{
    if (cli->opt.crash)
        return ota_report_crash(&cli->ctx, cli->opt.crash_code);
    if (cli->opt.healthy)
        return ota_report_healthy(&cli->ctx);
    return OTA_OK;
}

int cmd_health(struct cli *cli, const char *command)
{
    struct ota_health h;
    struct ota_decision d;
    struct jsonw w;
    int code = session_open(cli, command), err, verdict;

    if (code != EXIT_OK)
        return code;
    if (cli->opt.crash && cli->opt.healthy) {
        fprintf(stderr, "ota %s: --crash and --ok exclude each other\n", command);
        session_close(cli);
        return EXIT_USAGE;
    }
    err = record(cli);
    if (err == OTA_OK)
        err = ota_read_health(&cli->ctx, &h);
    verdict = ota_explain(&cli->ctx, &d);
    if (cli->opt.json) {
        jsonw_begin(&w, stdout);
        report_json_head(cli, &w, command, err ? "error" : "ok", err, ota_reason(&cli->ctx));
        jsonw_bool(&w, "recorded", cli->cfg.schedule_given);
        if (err == OTA_OK)
            report_health_json(cli, &w, &h);
        report_decision_json(&w, &d);
        jsonw_end(&w);
    } else if (err) {
        report_error(cli, command, err, ota_reason(&cli->ctx));
    } else {
        if (!cli->cfg.schedule_given && (cli->opt.crash || cli->opt.healthy))
            report_line(cli, "not recorded: the record is kept with update_scheduling");
        report_health_plain(cli, &h);
        report_decision_plain(cli, &d);
    }
    (void)verdict; /* a deferral is news, not a failure of this command */
    session_close(cli);
    return exit_code_for(err);
}

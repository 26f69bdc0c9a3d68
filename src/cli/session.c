/* Bringing up one invocation: configuration, POSIX port, engine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "report.h"

#define DEFAULT_IO_BUFFER 4096
#define LINES_PART (OTA_MIN_BUFFER / 2)

static int fail_open(struct cli *cli, const char *command, int err, const char *reason)
{
    if (cli->opt.json) {
        struct jsonw w;
        jsonw_begin(&w, stdout);
        report_json_head(cli, &w, command, "error", err, reason);
        jsonw_end(&w);
    }
    report_error(cli, command, err, reason);
    return exit_code_for(err);
}

static enum ota_log_level log_level(const struct cli *cli)
{
    if (cli->opt.quiet)
        return OTA_LOG_ERROR;
    if (cli->opt.verbose > 1 || cli->cfg.debug)
        return OTA_LOG_DEBUG;
    return cli->opt.verbose ? OTA_LOG_INFO : OTA_LOG_WARN;
}

static int load_config(struct cli *cli, char *path, size_t cap)
{
    const char *root = cli->opt.root ? cli->opt.root : ".";
    int err;

    if (cli->opt.config_path)
        snprintf(path, cap, "%s", cli->opt.config_path);
    else
        snprintf(path, cap, "%s/ota_config.json", root);
    err = config_load(&cli->cfg, path);
    if (err != OTA_OK)
        return err;
    cli->cfg.settings.public_key = cli->cfg.public_key;
    cli->cfg.settings.manifest_key = cli->cfg.manifest_key;
    cli->cfg.settings.delta_buf = cli->delta_mem.bytes;
    cli->cfg.settings.delta_buf_size = sizeof cli->delta_mem.bytes;
    /* the file's 0 turns trials off; the engine's 0 means its default */
    cli->cfg.settings.max_trial_boots =
        cli->cfg.max_trial_boots ? (int)cli->cfg.max_trial_boots : -1;
    if (cli->opt.force)
        cli->cfg.settings.force = 1;
    cli->cfg.posix.root = root;
    cli->cfg.posix.log_level = log_level(cli);
    return OTA_OK;
}

/* Without a configured chunk, a buffer that suits the memory there is:
 * larger reads are faster, a device short of memory keeps the default. */
static size_t io_size_for_memory(struct cli *cli)
{
    uint64_t avail;

    if (!cli->port.hw.free_memory || cli->port.hw.free_memory(cli->port.user, &avail) != OTA_OK)
        return DEFAULT_IO_BUFFER;
    if (avail >= 256ull << 20)
        return 64u << 10;
    if (avail >= 16ull << 20)
        return 16u << 10;
    return DEFAULT_IO_BUFFER;
}

int session_open(struct cli *cli, const char *command)
{
    char path[4096 + 32], reason[sizeof path + sizeof cli->cfg.error + 4];
    size_t io_size;
    int err;

    err = load_config(cli, path, sizeof path);
    if (err != OTA_OK) {
        snprintf(reason, sizeof reason, "%s: %s", path, cli->cfg.error);
        return fail_open(cli, command, OTA_ERR_CONFIG, reason);
    }
    report_warnings(cli);
    err = ota_posix_init(&cli->posix, &cli->cfg.posix, &cli->port);
    if (err != OTA_OK)
        return fail_open(cli, command, err, "cannot initialise the POSIX port");
    io_size = cli->cfg.chunk >= 512 ? cli->cfg.chunk : io_size_for_memory(cli);
    cli->buf_size = LINES_PART + io_size;
    cli->buf = malloc(cli->buf_size);
    if (!cli->buf)
        return fail_open(cli, command, OTA_ERR_NO_MEM, "out of memory");
    err = ota_init(&cli->ctx, &cli->port, &cli->cfg.settings, cli->buf, LINES_PART + io_size);
    if (err != OTA_OK)
        return fail_open(cli, command, err, ota_reason(&cli->ctx));
    ota_set_event_cb(&cli->ctx, report_event, cli);
    if (cli->cfg.cellular.enabled && (err = cli_links_open(&cli->links, cli)) != OTA_OK)
        return fail_open(cli, command, err, cli->links.reason);
    cli->progress.enabled = isatty(STDERR_FILENO) && !cli->opt.json && !cli->opt.quiet;
    return EXIT_OK;
}

void session_close(struct cli *cli)
{
    cli_links_close(&cli->links);
    ota_posix_deinit(&cli->posix);
    free(cli->buf);
    cli->buf = NULL;
    config_free(&cli->cfg);
}

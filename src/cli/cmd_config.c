/* `ota config check` (is this configuration valid?) and `ota config show`
 * (the effective configuration, defaults filled in, secrets masked). Neither
 * touches the network or the device's files. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "report.h"

static const char *masked(const char *secret)
{
    return secret && secret[0] ? "***" : NULL;
}

static const char *reset_name(enum reset_mode m)
{
    return m == RESET_NONE ? "none" : m == RESET_SOFT ? "soft" : "hard";
}

static void list(struct jsonw *w, const char *key, const char *const *v, size_t n)
{
    size_t i;

    jsonw_open(w, key, '[');
    for (i = 0; i < n; i++)
        jsonw_str(w, NULL, v[i]);
    jsonw_close(w, ']');
}

static void show(struct cli *cli, FILE *out)
{
    const struct ota_settings *s = &cli->ctx.settings; /* with defaults applied */
    const struct config *c = &cli->cfg;
    struct jsonw w;

    jsonw_begin(&w, out);
    jsonw_str(&w, "owner", s->owner);
    jsonw_str(&w, "repo", s->repo);
    jsonw_str(&w, "channel", s->channel == OTA_CHANNEL_STABLE ? "stable" : "developer");
    jsonw_str(&w, "branch", s->branch);
    jsonw_str(&w, "tag", s->tag && s->tag[0] ? s->tag : NULL);
    jsonw_str(&w, "token", masked(s->token));
    list(&w, "allow", s->allow, s->allow_count);
    list(&w, "ignore", s->ignore, s->ignore_count);
    jsonw_str(&w, "stage_dir", s->stage_dir);
    jsonw_str(&w, "backup_dir", s->backup_dir);
    jsonw_str(&w, "api_url", s->api_url);
    jsonw_str(&w, "raw_url", s->raw_url);
    jsonw_str(&w, "user_agent", s->user_agent);
    jsonw_u64(&w, "retries", s->retries);
    jsonw_u64(&w, "backoff_sec", s->backoff_sec);
    jsonw_u64(&w, "max_backoff_sec", s->max_backoff_sec);
    jsonw_int(&w, "connect_timeout_sec", cli->posix.opt.connect_timeout_sec);
    jsonw_int(&w, "http_timeout_sec", cli->posix.opt.http_timeout_sec);
    jsonw_u64(&w, "chunk", cli->buf_size - OTA_MIN_BUFFER / 2);
    jsonw_bool(&w, "force", s->force);
    jsonw_str(&w, "reset_mode", reset_name(c->reset_mode));
    jsonw_str(&w, "restart_command", c->restart_command);
    jsonw_str(&w, "sha256_sidecar", s->sha256_sidecar && s->sha256_sidecar[0]
                                        ? s->sha256_sidecar : NULL);
    jsonw_str(&w, "public_key", c->public_key);
    jsonw_str(&w, "manifest_key", masked(c->manifest_key));
    jsonw_str(&w, "lora_key", masked(c->lora_key));
    jsonw_str(&w, "ssid", c->ssid);
    jsonw_str(&w, "password", masked(c->password));
    jsonw_str(&w, "interface", c->posix.interface);
    jsonw_str(&w, "ca_file", c->posix.ca_file);
    jsonw_bool(&w, "debug", c->debug);
    jsonw_end(&w);
}

int cmd_config(struct cli *cli, const char *command)
{
    int code = session_open(cli, command);
    struct jsonw w;

    if (code != EXIT_OK)
        return code;
    if (!strcmp(command, "config show")) {
        show(cli, stdout);
    } else if (cli->opt.json) {
        jsonw_begin(&w, stdout);
        report_json_head(cli, &w, command, "valid", 0, NULL);
        jsonw_end(&w);
    } else if (!cli->opt.quiet) {
        printf("configuration valid%s\n", cli->cfg.warning_count ? " (with warnings above)" : "");
    }
    session_close(cli);
    return EXIT_OK;
}

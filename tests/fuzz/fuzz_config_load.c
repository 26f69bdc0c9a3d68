/* Fuzz target: the configuration loader (src/cli/config.c) as the command
 * runs it: config_load() on a file. The input is written once to a file in
 * a private temporary directory and loaded through three names, .json,
 * .yaml and .toml, so every input meets all three readers and the one set
 * of field checks behind them. OTA_TOKEN is set, OTA_MANIFEST_KEY is not.
 * Checked on every load:
 * - it succeeds with no message, or fails with OTA_ERR_CONFIG and a message,
 *   NUL-terminated within its buffer; never both, never neither; a message
 *   naming a line ("line N: ...") names one the file has;
 * - a loaded configuration has what validation promises (owner, repo, a
 *   channel), integers within their documented ranges, at most
 *   CONFIG_MAX_RULES allow and ignore entries, the token from the
 *   environment, and every string from the file inside the arena;
 * - warnings are at most CONFIG_MAX_WARNINGS, each a short string, and
 *   config_free() releases them (LeakSanitizer).
 * The directory is removed at exit; a crash leaves it behind in $TMPDIR
 * (or /tmp). */
/* fuzz-extra: -D_POSIX_C_SOURCE=200809L -Isrc/cli -Isrc/port/posix */
/* fuzz-extra: src/cli/config.c src/cli/config_reader.c src/cli/config_json.c */
/* fuzz-extra: src/cli/config_yaml.c src/cli/config_toml.c pkg:yaml-0.1 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* mkdtemp, symlink, setenv */
#endif

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fuzz_check.h"

#define ENV_TOKEN "token-from-the-environment"

static const char *const names[] = {"ota_config.json", "ota_config.yaml", "ota_config.toml"};

/* Harness state, not CLI code: the directory lives for the whole run. */
static struct {
    char dir[4096];
    char input[4096 + 16];
    char path[3][4096 + 32];
    int ready;
} files;

static void remove_files(void)
{
    size_t i;

    for (i = 0; i < 3; i++)
        unlink(files.path[i]);
    unlink(files.input);
    rmdir(files.dir);
}

/* dir/input, and the three names as links to it. */
static void prepare(void)
{
    const char *tmp = getenv("TMPDIR");
    size_t i;

    snprintf(files.dir, sizeof files.dir, "%s/ota-fuzz-config-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    FUZZ_CHECK(mkdtemp(files.dir) != NULL);
    snprintf(files.input, sizeof files.input, "%s/input", files.dir);
    for (i = 0; i < 3; i++) {
        snprintf(files.path[i], sizeof files.path[i], "%s/%s", files.dir, names[i]);
        FUZZ_CHECK(symlink("input", files.path[i]) == 0);
    }
    atexit(remove_files);
    FUZZ_CHECK(setenv("OTA_TOKEN", ENV_TOKEN, 1) == 0);
    FUZZ_CHECK(unsetenv("OTA_MANIFEST_KEY") == 0);
    files.ready = 1;
}

static void write_input(const uint8_t *data, size_t size)
{
    FILE *f = fopen(files.input, "wb");

    FUZZ_CHECK(f != NULL);
    FUZZ_CHECK(size == 0 || fwrite(data, 1, size, f) == size);
    FUZZ_CHECK(fclose(f) == 0);
}

/* NULL, or a string the loader kept in the arena. */
static int in_arena(const struct config *cfg, const char *s)
{
    const char *end = cfg->arena + cfg->arena_used;

    return !s || (s >= cfg->arena && s < end && memchr(s, '\0', (size_t)(end - s)) != NULL);
}

static void check_loaded(const struct config *cfg)
{
    const struct ota_settings *st = &cfg->settings;
    const char *const kept[] = {st->owner, st->repo, st->branch, st->tag, st->stage_dir,
                                st->backup_dir, st->api_url, st->raw_url, st->user_agent,
                                st->sha256_sidecar, cfg->posix.interface, cfg->posix.ca_file,
                                cfg->ssid, cfg->password, cfg->restart_command,
                                cfg->public_key, cfg->manifest_key};
    size_t i;

    FUZZ_CHECK(cfg->error[0] == '\0');
    FUZZ_CHECK(cfg->arena_used <= sizeof cfg->arena);
    FUZZ_CHECK(st->owner && st->owner[0] && st->repo && st->repo[0] && cfg->channel_set);
    FUZZ_CHECK(st->channel == OTA_CHANNEL_DEVELOPER || st->channel == OTA_CHANNEL_STABLE);
    FUZZ_CHECK(cfg->reset_mode == RESET_HARD || cfg->reset_mode == RESET_SOFT ||
               cfg->reset_mode == RESET_NONE);
    FUZZ_CHECK(st->retries <= 100 && st->backoff_sec <= 3600 && st->max_backoff_sec <= 86400);
    FUZZ_CHECK(cfg->chunk <= 1048576);
    FUZZ_CHECK(cfg->posix.connect_timeout_sec >= 0 && cfg->posix.connect_timeout_sec <= 3600);
    FUZZ_CHECK(cfg->posix.http_timeout_sec >= 0 && cfg->posix.http_timeout_sec <= 3600);
    /* a non-empty environment variable wins over the file */
    FUZZ_CHECK(st->token && strcmp(st->token, ENV_TOKEN) == 0);
    for (i = 0; i < sizeof kept / sizeof kept[0]; i++)
        FUZZ_CHECK(in_arena(cfg, kept[i]));
    FUZZ_CHECK(st->allow == cfg->allow && st->allow_count <= CONFIG_MAX_RULES);
    FUZZ_CHECK(st->ignore == cfg->ignore && st->ignore_count <= CONFIG_MAX_RULES);
    for (i = 0; i < st->allow_count; i++)
        FUZZ_CHECK(st->allow[i] && in_arena(cfg, st->allow[i]));
    for (i = 0; i < st->ignore_count; i++)
        FUZZ_CHECK(st->ignore[i] && in_arena(cfg, st->ignore[i]));
}

/* "line N: ..." names a line the file has. */
static void check_line(const char *msg, const uint8_t *data, size_t size, int yaml)
{
    unsigned long lines = 1, n;
    char *end;
    size_t i;

    if (strncmp(msg, "line ", 5) != 0)
        return;
    /* libyaml also breaks lines at CR, NEL, LS and PS, and reads UTF-16:
     * each break has one of these bytes of its own; and it may put the end
     * of the stream on the line after the last (fuzz_config_yaml.c) */
    lines += (unsigned long)yaml;
    for (i = 0; i < size; i++)
        lines += data[i] == '\n' || (yaml && memchr("\r\x85\xA8\xA9\x28\x29", data[i], 6));
    n = strtoul(msg + 5, &end, 10);
    FUZZ_CHECK(n >= 1 && n <= lines && end[0] == ':' && end[1] == ' ' && end[2] != '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct config *cfg = malloc(sizeof *cfg);
    size_t i, w;
    int err;

    FUZZ_CHECK(cfg != NULL);
    if (!files.ready)
        prepare();
    write_input(data, size);
    for (i = 0; i < 3; i++) {
        memset(cfg, 0, sizeof *cfg); /* as struct cli comes to config_load */
        err = config_load(cfg, files.path[i]);
        FUZZ_CHECK(memchr(cfg->error, '\0', sizeof cfg->error) != NULL);
        if (err == OTA_OK) {
            check_loaded(cfg);
        } else {
            FUZZ_CHECK(err == OTA_ERR_CONFIG && cfg->error[0] != '\0');
            check_line(cfg->error, data, size, i == 1);
        }
        FUZZ_CHECK(cfg->warning_count <= CONFIG_MAX_WARNINGS);
        for (w = 0; w < cfg->warning_count; w++)
            FUZZ_CHECK(cfg->warnings[w] && strlen(cfg->warnings[w]) < 256);
        config_free(cfg);
        FUZZ_CHECK(cfg->warning_count == 0);
    }
    free(cfg);
    return 0;
}

#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "sig.h"

#define MAX_CONFIG_BYTES (1L << 20)

enum field_type {
    F_STRING,   /* const char * */
    F_UINT,     /* uint32_t */
    F_TIMEOUT,  /* long, seconds */
    F_BOOL,     /* int */
    F_LIST,     /* allow / ignore */
    F_CHANNEL,
    F_RESET,
    F_PENDING   /* a feature of the original system this build lacks yet */
};

struct field {
    const char *name;
    enum field_type type;
    size_t offset;
};

#define AT(member) offsetof(struct config, member)
#define PENDING(name) {name, F_PENDING, 0}

static const struct field fields[] = {
    {"owner", F_STRING, AT(settings.owner)},
    {"repo", F_STRING, AT(settings.repo)},
    {"ssid", F_STRING, AT(ssid)},
    {"password", F_STRING, AT(password)},
    {"channel", F_CHANNEL, 0},
    {"branch", F_STRING, AT(settings.branch)},
    {"tag", F_STRING, AT(settings.tag)},
    {"token", F_STRING, AT(settings.token)},
    {"allow", F_LIST, AT(allow)},
    {"ignore", F_LIST, AT(ignore)},
    {"chunk", F_UINT, AT(chunk)},
    {"stage_dir", F_STRING, AT(settings.stage_dir)},
    {"backup_dir", F_STRING, AT(settings.backup_dir)},
    {"connect_timeout_sec", F_TIMEOUT, AT(posix.connect_timeout_sec)},
    {"http_timeout_sec", F_TIMEOUT, AT(posix.http_timeout_sec)},
    {"retries", F_UINT, AT(settings.retries)},
    {"backoff_sec", F_UINT, AT(settings.backoff_sec)},
    {"max_backoff_sec", F_UINT, AT(settings.max_backoff_sec)},
    {"force", F_BOOL, AT(settings.force)},
    {"reset_mode", F_RESET, 0},
    {"debug", F_BOOL, AT(debug)},
    {"api_url", F_STRING, AT(settings.api_url)},
    {"raw_url", F_STRING, AT(settings.raw_url)},
    {"user_agent", F_STRING, AT(settings.user_agent)},
    {"restart_command", F_STRING, AT(restart_command)},
    {"sha256_sidecar", F_STRING, AT(settings.sha256_sidecar)},
    {"interface", F_STRING, AT(posix.interface)},
    {"ca_file", F_STRING, AT(posix.ca_file)},
    {"public_key", F_STRING, AT(public_key)},
    {"manifest_key", F_STRING, AT(manifest_key)},
    PENDING("watchdog_timeout_ms"),
    PENDING("status_led_pin"),
    PENDING("battery_adc_pin"),
    PENDING("battery_divider_ratio"),
    PENDING("battery_v_max"),
    PENDING("battery_v_min"),
    PENDING("min_battery_percent"),
    PENDING("enable_delta_updates"),
    PENDING("cellular_enabled"),
    PENDING("cellular_apn"),
    PENDING("cellular_uart"),
    PENDING("cellular_tx_pin"),
    PENDING("cellular_rx_pin"),
    PENDING("cellular_baud"),
    PENDING("cellular_tech"),
    PENDING("cellular_cost_per_mb"),
    PENDING("lora_enabled"),
    PENDING("lora_spi_pins"),
    PENDING("lora_cs_pin"),
    PENDING("lora_rst_pin"),
    PENDING("lora_freq"),
    PENDING("update_scheduling"),
};

/* Parser state while the tokenizer walks the document. */
struct loader {
    struct config *cfg;
    const struct field *field; /* member whose value comes next */
    const char *key;           /* its name as written (for messages) */
    char key_buf[64];
    unsigned skip_depth;       /* > 0: inside a container being skipped */
    int in_list;
    size_t list_len;
};

static int fail(struct config *cfg, unsigned long line, const char *fmt, ...)
{
    va_list ap;
    int n = line ? snprintf(cfg->error, sizeof cfg->error, "line %lu: ", line) : 0;

    va_start(ap, fmt);
    vsnprintf(cfg->error + n, sizeof cfg->error - (size_t)n, fmt, ap);
    va_end(ap);
    return OTA_ERR_CONFIG;
}

static void warn(struct config *cfg, const char *fmt, ...)
{
    char text[256];
    va_list ap;

    if (cfg->warning_count == CONFIG_MAX_WARNINGS)
        return;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    cfg->warnings[cfg->warning_count] = strdup(text);
    if (cfg->warnings[cfg->warning_count])
        cfg->warning_count++;
}

static const char *keep(struct config *cfg, const char *s, size_t len)
{
    char *copy;

    if (len + 1 > sizeof cfg->arena - cfg->arena_used)
        return NULL;
    copy = cfg->arena + cfg->arena_used;
    memcpy(copy, s, len);
    copy[len] = '\0';
    cfg->arena_used += len + 1;
    return copy;
}

/* Edit distance, for "did you mean" (names are short). */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), i, j, row[64];

    if (la >= 63 || lb >= 63)
        return 99;
    for (j = 0; j <= lb; j++)
        row[j] = j;
    for (i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *config_suggest(const char *name)
{
    const char *best = NULL;
    size_t best_d = 3, i, d;

    for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        d = distance(name, fields[i].name);
        if (d < best_d) {
            best_d = d;
            best = fields[i].name;
        }
    }
    return best;
}

static const struct field *find_field(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (strcmp(fields[i].name, name) == 0)
            return &fields[i];
    return NULL;
}

static const char *type_name(enum field_type t)
{
    switch (t) {
    case F_STRING: return "a string";
    case F_UINT:
    case F_TIMEOUT: return "a non-negative integer";
    case F_BOOL: return "true or false";
    case F_LIST: return "a list of strings";
    case F_CHANNEL: return "\"stable\" or \"developer\"";
    case F_RESET: return "\"hard\", \"soft\" or \"none\"";
    default: return "a value";
    }
}

static int parse_uint(const char *text, uint32_t *out)
{
    char *end;
    unsigned long v;

    if (text[0] < '0' || text[0] > '9')
        return -1;
    errno = 0;
    v = strtoul(text, &end, 10);
    if (*end || errno || v > UINT32_MAX)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

static int set_scalar(struct loader *l, const struct ota_json_token *t)
{
    struct config *cfg = l->cfg;
    void *slot = (char *)cfg + l->field->offset;
    uint32_t u;

    if (t->truncated)
        return fail(cfg, t->line, "value of \"%s\" is too long", l->key);
    switch (l->field->type) {
    case F_STRING:
        if (t->type != OTA_JSON_STRING || memchr(t->text, 0, t->len))
            break;
        *(const char **)slot = keep(cfg, t->text, t->len);
        return *(const char **)slot ? 0 : fail(cfg, t->line, "configuration too large");
    case F_UINT:
    case F_TIMEOUT:
        if (t->type != OTA_JSON_NUMBER || parse_uint(t->text, &u) != 0)
            break;
        if (l->field->type == F_UINT)
            *(uint32_t *)slot = u;
        else
            *(long *)slot = (long)u;
        return 0;
    case F_BOOL:
        if (t->type != OTA_JSON_TRUE && t->type != OTA_JSON_FALSE)
            break;
        *(int *)slot = t->type == OTA_JSON_TRUE;
        return 0;
    case F_CHANNEL:
        if (t->type != OTA_JSON_STRING ||
            (strcmp(t->text, "stable") != 0 && strcmp(t->text, "developer") != 0))
            break;
        cfg->settings.channel = t->text[0] == 's' ? OTA_CHANNEL_STABLE : OTA_CHANNEL_DEVELOPER;
        cfg->channel_set = 1;
        return 0;
    case F_RESET:
        if (t->type != OTA_JSON_STRING)
            break;
        if (strcmp(t->text, "hard") == 0)
            cfg->reset_mode = RESET_HARD;
        else if (strcmp(t->text, "soft") == 0)
            cfg->reset_mode = RESET_SOFT;
        else if (strcmp(t->text, "none") == 0)
            cfg->reset_mode = RESET_NONE;
        else
            break;
        return 0;
    default:
        break;
    }
    return fail(cfg, t->line, "\"%s\" must be %s", l->key, type_name(l->field->type));
}

static int list_item(struct loader *l, const struct ota_json_token *t)
{
    const char **list = (const char **)((char *)l->cfg + l->field->offset);

    if (t->type == OTA_JSON_ARRAY_END) {
        *(l->field->offset == AT(allow) ? &l->cfg->settings.allow_count
                                        : &l->cfg->settings.ignore_count) = l->list_len;
        l->in_list = 0;
        l->field = NULL;
        return 0;
    }
    if (t->type != OTA_JSON_STRING || t->truncated || memchr(t->text, 0, t->len))
        return fail(l->cfg, t->line, "\"%s\" must be a list of strings", l->key);
    if (l->list_len == CONFIG_MAX_RULES)
        return fail(l->cfg, t->line, "\"%s\" has more than %d entries", l->key,
                    CONFIG_MAX_RULES);
    list[l->list_len] = keep(l->cfg, t->text, t->len);
    if (!list[l->list_len])
        return fail(l->cfg, t->line, "configuration too large");
    l->list_len++;
    return 0;
}

static int on_key(struct loader *l, const struct ota_json_token *t)
{
    const char *hint;

    snprintf(l->key_buf, sizeof l->key_buf, "%s", t->text);
    l->key = l->key_buf;
    l->field = find_field(t->text);
    if (l->field && l->field->type == F_PENDING)
        warn(l->cfg, "line %lu: \"%s\" is not supported by this build yet; ignored",
             t->line, l->key);
    else if (!l->field && (hint = config_suggest(t->text)) != NULL)
        warn(l->cfg, "line %lu: unknown field \"%s\" ignored (did you mean \"%s\"?)",
             t->line, l->key, hint);
    else if (!l->field)
        warn(l->cfg, "line %lu: unknown field \"%s\" ignored", t->line, l->key);
    return 0;
}

static int is_open(const struct ota_json_token *t)
{
    return t->type == OTA_JSON_OBJECT_BEGIN || t->type == OTA_JSON_ARRAY_BEGIN;
}

static int is_close(const struct ota_json_token *t)
{
    return t->type == OTA_JSON_OBJECT_END || t->type == OTA_JSON_ARRAY_END;
}

static int on_value(struct loader *l, const struct ota_json_token *t)
{
    if (!l->field || l->field->type == F_PENDING) {
        l->skip_depth = is_open(t);
        return 0;
    }
    if (l->field->type == F_LIST) {
        if (t->type != OTA_JSON_ARRAY_BEGIN)
            return fail(l->cfg, t->line, "\"%s\" must be a list of strings", l->key);
        l->in_list = 1;
        l->list_len = 0;
        return 0;
    }
    return set_scalar(l, t);
}

static int on_token(void *arg, const struct ota_json_token *t)
{
    struct loader *l = arg;

    if (l->skip_depth) {
        l->skip_depth += (unsigned)is_open(t);
        l->skip_depth -= (unsigned)is_close(t);
        return 0;
    }
    if (t->depth == 0)
        return t->type == OTA_JSON_OBJECT_BEGIN || t->type == OTA_JSON_OBJECT_END
                   ? 0
                   : fail(l->cfg, t->line, "the configuration must be a JSON object");
    if (l->in_list)
        return list_item(l, t);
    if (t->type == OTA_JSON_KEY)
        return on_key(l, t);
    return on_value(l, t);
}

static int read_file(struct config *cfg, const char *path, char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    int err = OTA_OK;

    if (!f) {
        err = errno == ENOENT ? OTA_ERR_NOT_FOUND : OTA_ERR_CONFIG;
        fail(cfg, 0, "%s", strerror(errno));
        return err;
    }
    *data = malloc((size_t)MAX_CONFIG_BYTES + 1);
    if (!*data) {
        fclose(f);
        return fail(cfg, 0, "out of memory");
    }
    *len = fread(*data, 1, (size_t)MAX_CONFIG_BYTES + 1, f);
    if (ferror(f) || *len > (size_t)MAX_CONFIG_BYTES) {
        err = fail(cfg, 0, "cannot read: %s",
                   ferror(f) ? strerror(errno) : "larger than 1 MiB");
        free(*data);
        *data = NULL;
    }
    fclose(f);
    return err;
}

static int validate(struct config *cfg)
{
    uint8_t key[OTA_ED25519_KEY_LEN];

    if (!cfg->settings.owner || !cfg->settings.owner[0])
        return fail(cfg, 0, "\"owner\" is required");
    if (!cfg->settings.repo || !cfg->settings.repo[0])
        return fail(cfg, 0, "\"repo\" is required");
    if (!cfg->channel_set)
        return fail(cfg, 0, "\"channel\" is required: \"stable\" or \"developer\"");
    if (cfg->public_key && ota_sig_parse_public_key(cfg->public_key, key) != OTA_OK)
        return fail(cfg, 0, "\"public_key\" is not an Ed25519 public key: give 64 hex "
                            "digits, the base64 `ota keygen` prints, or a PEM PUBLIC KEY");
    return 0;
}

int config_load(struct config *cfg, const char *path)
{
    struct loader l;
    struct ota_json j;
    char scratch[4096];
    size_t len = 0;
    char *data = NULL;
    int err;

    memset(&l, 0, sizeof l);
    l.cfg = cfg;
    cfg->reset_mode = RESET_HARD;
    cfg->settings.retries = 3; /* the original system's defaults */
    cfg->settings.backoff_sec = 3;
    cfg->settings.max_backoff_sec = 60;
    cfg->settings.allow = cfg->allow;
    cfg->settings.ignore = cfg->ignore;
    err = read_file(cfg, path, &data, &len);
    if (err != OTA_OK)
        return err;
    ota_json_init(&j, scratch, sizeof scratch, on_token, &l);
    err = ota_json_feed(&j, (const uint8_t *)data, len);
    if (err == 0)
        err = ota_json_finish(&j);
    free(data);
    if (err != 0 && !cfg->error[0])
        fail(cfg, j.line, "%s", ota_strerror(err));
    return err != 0 ? OTA_ERR_CONFIG : validate(cfg);
}

void config_free(struct config *cfg)
{
    while (cfg->warning_count > 0)
        free(cfg->warnings[--cfg->warning_count]);
}

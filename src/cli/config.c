#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config_reader.h"
#include "schedule.h"
#include "sig.h"

#define MAX_CONFIG_BYTES (1L << 20)

enum field_type {
    F_STRING,   /* const char * */
    F_UINT,     /* uint32_t */
    F_TIMEOUT,  /* long, seconds */
    F_NUMBER,   /* double: an integer or a decimal */
    F_BOOL,     /* int */
    F_STRINGS,  /* allow / ignore */
    F_UINTS,    /* a list of integers */
    F_CHANNEL,
    F_RESET,
    F_TABLE     /* an object with fields of its own */
};

struct table;

struct field {
    const char *name;
    enum field_type type;
    size_t offset;              /* where the value goes, unless pending */
    uint32_t max;               /* integers: the largest allowed; 0 = any */
    int pending;                /* a feature of the original system this build
                                   lacks yet: checked, reported, not used */
    const struct table *table;  /* F_TABLE: its fields */
};

struct table {
    const char *name;           /* NULL for the root */
    const struct field *fields;
    size_t count;
};

#define AT(member) offsetof(struct config, member)
#define FIELD(name, type, member) {name, type, AT(member), 0, 0, NULL}
#define RANGED(name, type, member, max) {name, type, AT(member), max, 0, NULL}
#define PENDING(name, type, max) {name, type, 0, max, 1, NULL}
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* update_scheduling: the original system's fleet scheduling block. */
static const struct field schedule_fields[] = {
    FIELD("min_update_interval_sec", F_UINT, schedule.min_update_interval_sec),
    RANGED("update_window_start_hour", F_UINT, sched.window_start, 23),
    RANGED("update_window_end_hour", F_UINT, sched.window_end, 23),
    FIELD("power_source", F_STRING, sched.power_source),
    RANGED("min_battery_percent", F_UINT, schedule.min_battery_percent, 100),
    FIELD("max_crashes_before_delay", F_UINT, schedule.max_crashes_before_delay),
    FIELD("crash_delay_sec", F_UINT, schedule.crash_delay_sec),
    RANGED("rollout_percent", F_UINT, schedule.rollout_percent, 100),
    FIELD("device_id", F_STRING, sched.device_id),
};

static const struct table schedule = {"update_scheduling", schedule_fields,
                                      COUNT(schedule_fields)};

static const struct field fields[] = {
    FIELD("owner", F_STRING, settings.owner),
    FIELD("repo", F_STRING, settings.repo),
    FIELD("ssid", F_STRING, ssid),
    FIELD("password", F_STRING, password),
    FIELD("channel", F_CHANNEL, settings.channel),
    FIELD("branch", F_STRING, settings.branch),
    FIELD("tag", F_STRING, settings.tag),
    FIELD("token", F_STRING, settings.token),
    FIELD("allow", F_STRINGS, allow),
    FIELD("ignore", F_STRINGS, ignore),
    RANGED("chunk", F_UINT, chunk, 1048576),
    FIELD("stage_dir", F_STRING, settings.stage_dir),
    FIELD("backup_dir", F_STRING, settings.backup_dir),
    RANGED("connect_timeout_sec", F_TIMEOUT, posix.connect_timeout_sec, 3600),
    RANGED("http_timeout_sec", F_TIMEOUT, posix.http_timeout_sec, 3600),
    RANGED("retries", F_UINT, settings.retries, 100),
    RANGED("backoff_sec", F_UINT, settings.backoff_sec, 3600),
    RANGED("max_backoff_sec", F_UINT, settings.max_backoff_sec, 86400),
    FIELD("force", F_BOOL, settings.force),
    FIELD("enable_delta_updates", F_BOOL, settings.enable_delta_updates),
    FIELD("deltas_in_release", F_BOOL, settings.deltas_in_release),
    FIELD("web_url", F_STRING, settings.web_url),
    RANGED("max_trial_boots", F_UINT, max_trial_boots, 1000),
    FIELD("reset_mode", F_RESET, reset_mode),
    FIELD("debug", F_BOOL, debug),
    FIELD("source", F_STRING, source),
    FIELD("base_url", F_STRING, settings.mirror_url),
    FIELD("mirror_channel", F_STRING, settings.mirror_channel),
    FIELD("api_url", F_STRING, settings.api_url),
    FIELD("raw_url", F_STRING, settings.raw_url),
    FIELD("user_agent", F_STRING, settings.user_agent),
    FIELD("restart_command", F_STRING, restart_command),
    FIELD("sha256_sidecar", F_STRING, settings.sha256_sidecar),
    FIELD("interface", F_STRING, posix.interface),
    FIELD("ca_file", F_STRING, posix.ca_file),
    FIELD("public_key", F_STRING, public_key),
    FIELD("manifest_key", F_STRING, manifest_key),
    FIELD("lora_key", F_STRING, lora_key),
    RANGED("watchdog_timeout_ms", F_UINT, settings.watchdog_timeout_ms, 3600000),
    FIELD("watchdog_device", F_STRING, posix.watchdog_device),
    RANGED("status_led_pin", F_UINT, hw.status_led_pin, 65535),
    FIELD("status_led", F_STRING, hw.status_led),
    RANGED("battery_adc_pin", F_UINT, hw.battery_adc_pin, 255),
    RANGED("battery_iio_device", F_UINT, hw.battery_iio_device, 255),
    FIELD("battery_supply", F_STRING, hw.battery_supply),
    FIELD("battery_divider_ratio", F_NUMBER, hw.divider_ratio),
    FIELD("battery_v_max", F_NUMBER, hw.v_max),
    FIELD("battery_v_min", F_NUMBER, hw.v_min),
    RANGED("min_battery_percent", F_UINT, settings.min_battery_percent, 100),
    FIELD("sysfs_root", F_STRING, posix.sysfs_root),
    FIELD("cellular_enabled", F_BOOL, cellular.enabled),
    FIELD("cellular_apn", F_STRING, cellular.apn),
    FIELD("cellular_device", F_STRING, cellular.device),
    FIELD("cellular_modem", F_STRING, cellular.modem),
    FIELD("cellular_uart", F_UINT, cellular.uart),
    FIELD("cellular_tx_pin", F_UINT, cellular.tx_pin),
    FIELD("cellular_rx_pin", F_UINT, cellular.rx_pin),
    RANGED("cellular_baud", F_UINT, cellular.baud, 4000000),
    FIELD("cellular_tech", F_STRING, cellular.tech),
    FIELD("cellular_cost_per_mb", F_NUMBER, cellular.cost_per_mb),
    FIELD("max_update_cost", F_NUMBER, max_update_cost),
    PENDING("lora_enabled", F_BOOL, 0),
    PENDING("lora_spi_pins", F_UINTS, 0),
    PENDING("lora_cs_pin", F_UINT, 0),
    PENDING("lora_rst_pin", F_UINT, 0),
    PENDING("lora_freq", F_UINT, 0),
    {"update_scheduling", F_TABLE, 0, 0, 0, &schedule},
};

static const struct table root = {NULL, fields, COUNT(fields)};

/* Secrets that may come from the environment instead of the file (a
 * service's EnvironmentFile, a CI secret); a non-empty value wins. */
static const struct {
    const char *variable;
    size_t offset;
} environment[] = {
    {"OTA_TOKEN", AT(settings.token)},
    {"OTA_MANIFEST_KEY", AT(manifest_key)},
};

/* The formats, by file extension, in the order the original system looks
 * for ota_config.* in the device root. */
static const struct format {
    const char *extension;
    int (*read)(struct config_reader *r, const char *data, size_t len);
    const char *root; /* what the document must be, for messages */
} formats[] = {
    {".json", config_read_json, "a JSON object"},
    {".yaml", config_read_yaml, "a YAML mapping"},
    {".yml", config_read_yaml, "a YAML mapping"},
    {".toml", config_read_toml, "a TOML document"},
};

/* The loader's state while a reader hands it the document's tokens. */
struct loader {
    struct config *cfg;
    const char *root_name;
    const struct table *table;  /* whose fields are being read */
    unsigned long *seen;        /* per field of table: line it was given on */
    unsigned long seen_root[COUNT(fields)];
    unsigned long seen_schedule[COUNT(schedule_fields)];
    const struct field *field;  /* the field whose value comes next */
    char name[96];              /* its name as messages show it */
    unsigned skip_depth;        /* > 0: inside a value being skipped */
    const struct field *list;   /* the list being read */
    size_t list_len;
};

static int fail(struct config *cfg, unsigned long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct config *cfg, unsigned long line, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    config_vmessage(cfg->error, sizeof cfg->error, line, fmt, ap);
    va_end(ap);
    return OTA_ERR_CONFIG;
}

static void warn(struct config *cfg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void warn(struct config *cfg, const char *fmt, ...)
{
    char text[256];
    va_list ap;

    if (cfg->warning_count == CONFIG_MAX_WARNINGS)
        return;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (cfg->warning_count == CONFIG_MAX_WARNINGS - 1)
        snprintf(text, sizeof text, "more warnings not shown");
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

/* The field of table closest to name, or NULL when nothing is close. */
static const char *suggest(const struct table *table, const char *name)
{
    const char *best = NULL;
    size_t best_d = 3, i, d;

    for (i = 0; i < table->count; i++) {
        d = distance(name, table->fields[i].name);
        if (d < best_d) {
            best_d = d;
            best = table->fields[i].name;
        }
    }
    return best;
}

static const struct field *find_field(const struct table *table, const char *name)
{
    size_t i;

    for (i = 0; i < table->count; i++)
        if (strcmp(table->fields[i].name, name) == 0)
            return &table->fields[i];
    return NULL;
}

/* Whole sentences, one per type, so that a message can be found here. */
static const char *const wrong_type_messages[] = {
    [F_STRING] = "\"%s\" must be a string",
    [F_UINT] = "\"%s\" must be a non-negative integer",
    [F_TIMEOUT] = "\"%s\" must be a non-negative integer",
    [F_NUMBER] = "\"%s\" must be a non-negative number",
    [F_BOOL] = "\"%s\" must be true or false",
    [F_STRINGS] = "\"%s\" must be a list of strings",
    [F_UINTS] = "\"%s\" must be a list of non-negative integers",
    [F_CHANNEL] = "\"%s\" must be \"stable\" or \"developer\"",
    [F_RESET] = "\"%s\" must be \"hard\", \"soft\" or \"none\"",
    [F_TABLE] = "\"%s\" must be an object of fields (a YAML mapping, a TOML [table])",
};

static int wrong_type(struct loader *l, const struct field *f, const struct ota_json_token *t)
{
    if ((f->type == F_UINT || f->type == F_TIMEOUT) && f->max)
        return fail(l->cfg, t->line, "\"%s\" must be an integer from 0 to %lu", l->name,
                    (unsigned long)f->max);
    return fail(l->cfg, t->line, wrong_type_messages[f->type], l->name);
}

/* Decimal digits only, within the field's range. */
static int parse_uint(const struct field *f, const struct ota_json_token *t, uint32_t *out)
{
    char *end;
    unsigned long v;

    if (t->type != OTA_JSON_NUMBER || t->text[0] < '0' || t->text[0] > '9')
        return -1;
    errno = 0;
    v = strtoul(t->text, &end, 10);
    if (*end || errno || v > (f->max ? f->max : UINT32_MAX))
        return -1;
    *out = (uint32_t)v;
    return 0;
}

static int is_string(const struct ota_json_token *t)
{
    return t->type == OTA_JSON_STRING && !memchr(t->text, 0, t->len);
}

static int is_bool(const struct ota_json_token *t)
{
    return t->type == OTA_JSON_TRUE || t->type == OTA_JSON_FALSE;
}

/* One of names[], as its index; -1 if t is none of them. */
static int choice(const struct ota_json_token *t, const char *const *names, int n)
{
    int i;

    for (i = 0; is_string(t) && i < n; i++)
        if (strcmp(t->text, names[i]) == 0)
            return i;
    return -1;
}

static int set_string(struct loader *l, void *slot, const struct ota_json_token *t)
{
    *(const char **)slot = keep(l->cfg, t->text, t->len);
    return *(const char **)slot ? 0 : fail(l->cfg, t->line, "configuration too large");
}

/* Checks t against f and, unless f is pending, stores it. */
static int set_scalar(struct loader *l, const struct field *f, const struct ota_json_token *t)
{
    static const char *const channels[] = {"developer", "stable"};
    static const char *const resets[] = {"hard", "soft", "none"};
    static const enum ota_channel channel_of[] = {OTA_CHANNEL_DEVELOPER, OTA_CHANNEL_STABLE};
    static const enum reset_mode reset_of[] = {RESET_HARD, RESET_SOFT, RESET_NONE};
    char *slot = f->pending ? NULL : (char *)l->cfg + f->offset;
    uint32_t u;
    int i;

    if (t->truncated)
        return fail(l->cfg, t->line, "value of \"%s\" is too long", l->name);
    switch (f->type) {
    case F_STRING:
        if (!is_string(t))
            return wrong_type(l, f, t);
        return slot ? set_string(l, slot, t) : 0;
    case F_UINT:
    case F_TIMEOUT:
        if (parse_uint(f, t, &u) != 0)
            return wrong_type(l, f, t);
        if (slot && f->type == F_UINT)
            *(uint32_t *)(void *)slot = u;
        else if (slot)
            *(long *)(void *)slot = (long)u;
        return 0;
    case F_NUMBER:
        if (t->type != OTA_JSON_NUMBER || t->text[0] == '-')
            return wrong_type(l, f, t);
        if (slot)
            *(double *)(void *)slot = strtod(t->text, NULL);
        return 0;
    case F_BOOL:
        if (!is_bool(t))
            return wrong_type(l, f, t);
        if (slot)
            *(int *)(void *)slot = t->type == OTA_JSON_TRUE;
        return 0;
    case F_CHANNEL:
        if ((i = choice(t, channels, 2)) < 0)
            return wrong_type(l, f, t);
        l->cfg->settings.channel = channel_of[i];
        l->cfg->channel_set = 1;
        return 0;
    case F_RESET:
        if ((i = choice(t, resets, 3)) < 0)
            return wrong_type(l, f, t);
        l->cfg->reset_mode = reset_of[i];
        return 0;
    default:
        return wrong_type(l, f, t);
    }
}

static size_t *list_count(struct config *cfg, const struct field *f)
{
    return f->offset == AT(allow) ? &cfg->settings.allow_count : &cfg->settings.ignore_count;
}

static int list_item(struct loader *l, const struct ota_json_token *t)
{
    const struct field *f = l->list;
    uint32_t u;

    if (t->type == OTA_JSON_ARRAY_END) {
        if (!f->pending)
            *list_count(l->cfg, f) = l->list_len;
        l->list = NULL;
        return 0;
    }
    if (f->type == F_UINTS)
        return parse_uint(f, t, &u) == 0 ? 0 : wrong_type(l, f, t);
    if (!is_string(t) || t->truncated)
        return wrong_type(l, f, t);
    if (l->list_len == CONFIG_MAX_RULES)
        return fail(l->cfg, t->line, "\"%s\" has more than %d entries", l->name,
                    CONFIG_MAX_RULES);
    if (f->pending)
        return 0;
    return set_string(l, (const char **)(void *)((char *)l->cfg + f->offset) + l->list_len++, t);
}

static void enter(struct loader *l, const struct table *table)
{
    if (table == &schedule)
        l->cfg->schedule_given = 1;
    l->table = table;
    l->seen = table == &root ? l->seen_root : l->seen_schedule;
}

static void set_name(struct loader *l, const char *key)
{
    if (l->table->name)
        snprintf(l->name, sizeof l->name, "%s.%.63s", l->table->name, key);
    else
        snprintf(l->name, sizeof l->name, "%.63s", key);
}

static int on_key(struct loader *l, const struct ota_json_token *t)
{
    const struct field *f = find_field(l->table, t->text);
    const char *hint;
    unsigned long *seen;

    set_name(l, t->text);
    l->field = f;
    if (!f) {
        hint = suggest(l->table, t->text);
        if (hint)
            warn(l->cfg, "line %lu: unknown field \"%s\" ignored (did you mean \"%s%s%s\"?)",
                 t->line, l->name, l->table->name ? l->table->name : "",
                 l->table->name ? "." : "", hint);
        else
            warn(l->cfg, "line %lu: unknown field \"%s\" ignored", t->line, l->name);
        return 0;
    }
    seen = &l->seen[f - l->table->fields];
    if (*seen)
        return fail(l->cfg, t->line, "\"%s\" is given twice (first on line %lu)", l->name,
                    *seen);
    *seen = t->line;
    if (f->pending && l->table == &root)
        warn(l->cfg, "line %lu: \"%s\" is not supported by this build yet; ignored", t->line,
             l->name);
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
    const struct field *f = l->field;

    l->field = NULL;
    if (!f) {
        l->skip_depth = (unsigned)is_open(t);
        return 0;
    }
    if (t->type == OTA_JSON_NULL) /* YAML's `token:`: not given, the default */
        return 0;
    switch (f->type) {
    case F_STRINGS:
    case F_UINTS:
        if (t->type != OTA_JSON_ARRAY_BEGIN)
            return wrong_type(l, f, t);
        l->list = f;
        l->list_len = 0;
        return 0;
    case F_TABLE:
        if (t->type != OTA_JSON_OBJECT_BEGIN)
            return wrong_type(l, f, t);
        enter(l, f->table);
        return 0;
    default:
        return set_scalar(l, f, t);
    }
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
                   : fail(l->cfg, t->line, "the configuration must be %s", l->root_name);
    if (l->list)
        return list_item(l, t);
    if (t->type == OTA_JSON_KEY)
        return on_key(l, t);
    if (t->type == OTA_JSON_OBJECT_END) { /* the end of a table */
        enter(l, &root);
        return 0;
    }
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

static void apply_environment(struct config *cfg)
{
    const char *value;
    size_t i;

    for (i = 0; i < COUNT(environment); i++) {
        value = getenv(environment[i].variable);
        if (value && value[0])
            *(const char **)(void *)((char *)cfg + environment[i].offset) = value;
    }
}

static int validate(struct config *cfg)
{
    uint8_t key[OTA_ED25519_KEY_LEN];
    int mirror = cfg->source && strcmp(cfg->source, "mirror") == 0;

    if (cfg->source && !mirror && strcmp(cfg->source, "github") != 0)
        return fail(cfg, 0, "\"source\" must be \"github\" or \"mirror\"");
    if (mirror && !(cfg->settings.mirror_url && cfg->settings.mirror_url[0]))
        return fail(cfg, 0, "\"source\": \"mirror\" needs \"base_url\", the mirror's URL");
    cfg->settings.mirror_first = mirror;
    if (cfg->settings.mirror_url && cfg->settings.mirror_url[0] &&
        !(cfg->public_key && cfg->public_key[0]))
        return fail(cfg, 0, "a mirror (\"base_url\") is trusted through signed manifests: "
                            "\"public_key\" is required");
    if (!mirror && (!cfg->settings.owner || !cfg->settings.owner[0]))
        return fail(cfg, 0, "\"owner\" is required");
    if (!mirror && (!cfg->settings.repo || !cfg->settings.repo[0]))
        return fail(cfg, 0, "\"repo\" is required");
    if (!cfg->channel_set)
        return fail(cfg, 0, "\"channel\" is required: \"stable\" or \"developer\"");
    if (cfg->public_key && ota_sig_parse_public_key(cfg->public_key, key) != OTA_OK)
        return fail(cfg, 0, "\"public_key\" is not an Ed25519 public key: give 64 hex "
                            "digits, the base64 `ota keygen` prints, or a PEM PUBLIC KEY");
    if (cfg->settings.channel == OTA_CHANNEL_DEVELOPER && cfg->settings.tag &&
        cfg->settings.tag[0])
        warn(cfg, "\"tag\" is for the stable channel; the developer channel follows "
                  "\"branch\"");
    return 0;
}

/* Volts as the engine's millivolts, 0 when not given (its default). */
static uint32_t millivolts(double volts)
{
    return volts > 0 ? (uint32_t)(volts * 1000.0 + 0.5) : 0;
}

/* The original system's hardware fields, as the Linux port's options and
 * the engine's settings. */
static int config_apply_hardware(struct config *cfg)
{
    const struct config_hardware *hw = &cfg->hw;
    struct ota_settings *s = &cfg->settings;
    struct ota_posix_options *p = &cfg->posix;

    if (hw->v_max > 100 || hw->v_min > 100 || hw->divider_ratio > 1000)
        return fail(cfg, 0, "battery voltages are in volts and the divider ratio at most 1000");
    s->battery_mv_max = millivolts(hw->v_max);
    s->battery_mv_min = millivolts(hw->v_min);
    if ((s->battery_mv_max ? s->battery_mv_max : 4200u) <=
        (s->battery_mv_min ? s->battery_mv_min : 3000u))
        return fail(cfg, 0, "\"battery_v_max\" must be above \"battery_v_min\"");
    s->battery_divider_milli = hw->divider_ratio > 0 ? (uint32_t)(hw->divider_ratio * 1000.0 + 0.5)
                                                     : 0;
    if (s->watchdog_timeout_ms && !p->watchdog_device)
        p->watchdog_device = OTA_POSIX_WATCHDOG_DEVICE;
    if (hw->status_led && hw->status_led[0]) {
        p->led_name = hw->status_led;
        s->status_led = 1;
    } else if (hw->status_led_pin != CONFIG_UNSET) {
        p->has_led_gpio = 1;
        p->led_gpio = (int)hw->status_led_pin;
        s->status_led = 1;
    }
    if (hw->battery_adc_pin != CONFIG_UNSET) {
        p->has_battery_adc = 1;
        p->battery_adc_channel = (int)hw->battery_adc_pin;
        p->battery_iio_device = (int)hw->battery_iio_device;
    }
    if (hw->battery_supply)
        p->battery_supply = strcmp(hw->battery_supply, "auto") == 0 ? OTA_POSIX_SUPPLY_AUTO
                                                                   : hw->battery_supply;
    if (s->min_battery_percent && hw->battery_adc_pin == CONFIG_UNSET && !hw->battery_supply)
        p->battery_supply = OTA_POSIX_SUPPLY_AUTO; /* the gate needs a gauge */
    return 0;
}

/* Money in thousandths, as the engine counts it. */
static int config_apply_costs(struct config *cfg)
{
    if (cfg->cellular.cost_per_mb > 1e6 || cfg->max_update_cost > 1e6)
        return fail(cfg, 0, "costs are at most 1000000 currency units");
    cfg->cellular.cost_milli_per_mb = (uint32_t)(cfg->cellular.cost_per_mb * 1000.0 + 0.5);
    cfg->settings.max_update_cost_milli = (uint32_t)(cfg->max_update_cost * 1000.0 + 0.5);
    if (cfg->cellular.enabled && (!cfg->cellular.device || !cfg->cellular.device[0])) {
        /* a microcontroller's configuration names UART pins, not a line */
        warn(cfg, "\"cellular_enabled\" without \"cellular_device\" (the modem's serial "
                  "line, e.g. \"/dev/ttyUSB2\"): no cellular fallback");
        cfg->cellular.enabled = 0;
    }
    return 0;
}

static int power_source(const char *name, enum ota_power_source *out)
{
    static const char *const names[] = {"any", "mains", "battery", "solar"};
    static const enum ota_power_source values[] = {OTA_POWER_ANY, OTA_POWER_MAINS,
                                                   OTA_POWER_BATTERY, OTA_POWER_SOLAR};
    size_t i;

    for (i = 0; i < COUNT(names); i++)
        if (strcmp(name, names[i]) == 0) {
            *out = values[i];
            return 0;
        }
    return -1;
}

/* This machine's stable identity for the canary: /etc/machine-id (systemd),
 * else the host name. Kept in the arena. */
static const char *machine_id(struct config *cfg)
{
    char id[128] = "";
    FILE *f = fopen("/etc/machine-id", "r");
    size_t n;

    if (f) {
        if (!fgets(id, sizeof id, f))
            id[0] = '\0';
        fclose(f);
    }
    n = strcspn(id, "\r\n");
    id[n] = '\0';
    if (!id[0] && gethostname(id, sizeof id - 1) != 0)
        snprintf(id, sizeof id, "unknown");
    id[sizeof id - 1] = '\0';
    return keep(cfg, id, strlen(id));
}

/* Local hours are the system's time zone's, as of now. */
static int32_t utc_offset_minutes(void)
{
    time_t now = time(NULL);
    struct tm local, utc;
    int days;

    if (!localtime_r(&now, &local) || !gmtime_r(&now, &utc))
        return 0;
    days = local.tm_year != utc.tm_year ? (local.tm_year > utc.tm_year ? 1 : -1)
                                        : local.tm_yday - utc.tm_yday;
    return (int32_t)(days * 1440 + (local.tm_hour - utc.tm_hour) * 60 +
                     (local.tm_min - utc.tm_min));
}

/* update_scheduling as the engine's struct ota_schedule. */
static int config_apply_schedule(struct config *cfg)
{
    struct config_schedule *c = &cfg->sched;
    struct ota_schedule *s = &cfg->schedule;

    if (!cfg->schedule_given)
        return 0;
    if ((c->window_start == CONFIG_UNSET) != (c->window_end == CONFIG_UNSET))
        return fail(cfg, 0, "\"update_window_start_hour\" and \"update_window_end_hour\" "
                            "go together: give both or neither");
    s->window_start_hour = c->window_start == CONFIG_UNSET ? OTA_SCHEDULE_NO_WINDOW
                                                           : (int32_t)c->window_start;
    s->window_end_hour = c->window_end == CONFIG_UNSET ? OTA_SCHEDULE_NO_WINDOW
                                                       : (int32_t)c->window_end;
    if (c->power_source && power_source(c->power_source, &s->power_source) != 0)
        return fail(cfg, 0, "\"update_scheduling.power_source\" must be \"any\", \"mains\", "
                            "\"battery\" or \"solar\"");
    if (s->crash_delay_sec == 0)
        s->crash_delay_sec = OTA_DEFAULT_CRASH_DELAY_SEC;
    s->device_id = c->device_id && c->device_id[0] ? c->device_id : machine_id(cfg);
    if (!s->device_id)
        return fail(cfg, 0, "configuration too large");
    s->utc_offset_min = utc_offset_minutes();
    cfg->settings.schedule = s;
    return 0;
}

/* The format of path by its extension; JSON when it has none of theirs. */
static const struct format *format_of(const char *path)
{
    size_t n = strlen(path), e, i;

    for (i = 0; i < COUNT(formats); i++) {
        e = strlen(formats[i].extension);
        if (n >= e && strcasecmp(path + n - e, formats[i].extension) == 0)
            return &formats[i];
    }
    return &formats[0];
}

static void set_defaults(struct config *cfg)
{
    cfg->reset_mode = RESET_HARD;
    cfg->settings.retries = 3; /* the original system's defaults */
    cfg->settings.backoff_sec = 3;
    cfg->settings.max_backoff_sec = 60;
    cfg->max_trial_boots = OTA_DEFAULT_TRIAL_BOOTS;
    cfg->settings.allow = cfg->allow;
    cfg->settings.ignore = cfg->ignore;
    cfg->hw.status_led_pin = CONFIG_UNSET;
    cfg->hw.battery_adc_pin = CONFIG_UNSET;
    ota_schedule_defaults(&cfg->schedule);
    cfg->sched.window_start = cfg->sched.window_end = CONFIG_UNSET;
}

int config_load(struct config *cfg, const char *path)
{
    const struct format *format = format_of(path);
    struct config_reader reader;
    struct loader *l;
    size_t len = 0;
    char *data = NULL;
    int err;

    set_defaults(cfg);
    err = read_file(cfg, path, &data, &len);
    if (err != OTA_OK)
        return err;
    l = calloc(1, sizeof *l);
    if (!l) {
        free(data);
        return fail(cfg, 0, "out of memory");
    }
    l->cfg = cfg;
    l->root_name = format->root;
    enter(l, &root);
    reader.cb = on_token;
    reader.arg = l;
    reader.error = cfg->error;
    reader.error_cap = sizeof cfg->error;
    cfg->error[0] = '\0';
    err = format->read(&reader, data, len);
    free(l);
    free(data);
    if (err != 0)
        return OTA_ERR_CONFIG;
    apply_environment(cfg);
    err = validate(cfg);
    if (err == 0)
        err = config_apply_hardware(cfg);
    if (err == 0)
        err = config_apply_costs(cfg);
    return err == 0 ? config_apply_schedule(cfg) : err;
}

const char *config_default_path(const char *root, char *buf, size_t cap)
{
    struct stat st;
    size_t i;

    for (i = 0; i < COUNT(formats); i++) {
        snprintf(buf, cap, "%s/ota_config%s", root, formats[i].extension);
        if (stat(buf, &st) == 0)
            return buf;
    }
    snprintf(buf, cap, "%s/ota_config%s", root, formats[0].extension);
    return buf;
}

void config_free(struct config *cfg)
{
    while (cfg->warning_count > 0)
        free(cfg->warnings[--cfg->warning_count]);
}

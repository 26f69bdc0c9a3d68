#include "health.h"

#include <stddef.h>
#include <string.h>

#include "fsutil.h"
#include "strbuf.h"

#define HEADER "ota-health 1"

enum kind { K_TIME, K_COUNT, K_CODE };

/* Every member the file holds, in the order they are written. */
static const struct member {
    const char *name;
    enum kind kind;
    size_t offset;
} members[] = {
    {"last_check", K_TIME, offsetof(struct ota_health, last_check)},
    {"last_update", K_TIME, offsetof(struct ota_health, last_update)},
    {"boots", K_COUNT, offsetof(struct ota_health, boots)},
    {"healthy_boots", K_COUNT, offsetof(struct ota_health, healthy_boots)},
    {"crashes", K_COUNT, offsetof(struct ota_health, crashes)},
    {"last_crash", K_TIME, offsetof(struct ota_health, last_crash)},
    {"last_error", K_CODE, offsetof(struct ota_health, last_error)},
    {"notice_sequence", K_COUNT, offsetof(struct ota_health, notice_sequence)},
};

#define MEMBER_COUNT (sizeof members / sizeof members[0])

void ota_health_fresh(struct ota_health *h)
{
    memset(h, 0, sizeof *h);
}

/* ---- reading ------------------------------------------------------------- */

/* A decimal integer with an optional '-', exactly n characters, within
 * [min, max]. 0 or -1. */
static int parse_signed(const char *s, size_t n, int64_t min, int64_t max, int64_t *out)
{
    const uint64_t most_negative = (uint64_t)1 << 63;
    int negative = n > 0 && s[0] == '-';
    uint64_t magnitude;
    int64_t v;

    if (ota_parse_u64(s + negative, n - (size_t)negative, &magnitude) != 0)
        return -1;
    if (magnitude > (negative ? most_negative : most_negative - 1))
        return -1;
    if (!negative)
        v = (int64_t)magnitude;
    else if (magnitude == most_negative)
        v = INT64_MIN;
    else
        v = -(int64_t)magnitude;
    if (v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int store(struct ota_health *h, const struct member *m, const char *value, size_t n)
{
    char *slot = (char *)h + m->offset;
    int64_t v;
    int32_t code;
    uint32_t count;

    switch (m->kind) {
    case K_TIME:
        if (parse_signed(value, n, INT64_MIN, INT64_MAX, &v) != 0)
            return OTA_ERR_STATE;
        memcpy(slot, &v, sizeof v);
        return OTA_OK;
    case K_COUNT:
        if (parse_signed(value, n, 0, UINT32_MAX, &v) != 0)
            return OTA_ERR_STATE;
        count = (uint32_t)v;
        memcpy(slot, &count, sizeof count);
        return OTA_OK;
    default:
        if (parse_signed(value, n, INT32_MIN, INT32_MAX, &v) != 0)
            return OTA_ERR_STATE;
        code = (int32_t)v;
        memcpy(slot, &code, sizeof code);
        return OTA_OK;
    }
}

static int is_name(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return 0;
    return n > 0;
}

/* "name value": a known member once at most, an unknown one skipped. */
static int parse_member(struct ota_health *h, const char *line, size_t n, uint32_t *seen)
{
    const char *space = memchr(line, ' ', n);
    size_t name_len, i;

    if (!space || !is_name(line, (size_t)(space - line)) || space + 1 == line + n)
        return OTA_ERR_STATE;
    name_len = (size_t)(space - line);
    for (i = 0; i < MEMBER_COUNT; i++) {
        if (strlen(members[i].name) != name_len || memcmp(members[i].name, line, name_len) != 0)
            continue;
        if (*seen & (1u << i))
            return OTA_ERR_STATE;
        *seen |= 1u << i;
        return store(h, &members[i], space + 1, n - name_len - 1);
    }
    return memchr(line, '\0', n) ? OTA_ERR_STATE : OTA_OK;
}

/* The next line of text from *pos, without its '\n'; every line must have
 * one, so that a cut file is never taken for a shorter valid one. */
static int next_line(const char *text, size_t len, size_t *pos, const char **line, size_t *n)
{
    const char *nl = memchr(text + *pos, '\n', len - *pos);

    if (!nl)
        return OTA_ERR_STATE;
    *line = text + *pos;
    *n = (size_t)(nl - *line);
    *pos += *n + 1;
    return OTA_OK;
}

int ota_health_parse(const char *text, size_t len, struct ota_health *h)
{
    struct ota_health parsed;
    uint32_t seen = 0;
    size_t pos = 0, n;
    const char *line;
    int err;

    ota_health_fresh(&parsed);
    err = next_line(text, len, &pos, &line, &n);
    if (err == OTA_OK && (n != strlen(HEADER) || memcmp(line, HEADER, n) != 0))
        err = OTA_ERR_STATE;
    while (err == OTA_OK && pos < len) {
        err = next_line(text, len, &pos, &line, &n);
        if (err == OTA_OK)
            err = parse_member(&parsed, line, n, &seen);
    }
    if (err != OTA_OK) {
        ota_health_fresh(h);
        return OTA_ERR_STATE;
    }
    *h = parsed;
    return OTA_OK;
}

int ota_health_load(struct ota_ctx *ctx, struct ota_health *h)
{
    char text[OTA_HEALTH_TEXT_MAX + 1]; /* one more: a longer file is corrupt */
    long n = ota_read_small(ctx, OTA_HEALTH_FILE, text, sizeof text);

    ota_health_fresh(h);
    if (n == OTA_ERR_NOT_FOUND)
        return OTA_OK;
    if (n < 0)
        return (int)n;
    if ((size_t)n > OTA_HEALTH_TEXT_MAX)
        return OTA_ERR_STATE;
    return ota_health_parse(text, (size_t)n, h);
}

/* ---- writing ------------------------------------------------------------- */

static int64_t member_value(const struct ota_health *h, const struct member *m)
{
    const char *slot = (const char *)h + m->offset;
    int64_t time;
    uint32_t count;
    int32_t code;

    switch (m->kind) {
    case K_TIME:
        memcpy(&time, slot, sizeof time);
        return time;
    case K_COUNT:
        memcpy(&count, slot, sizeof count);
        return count;
    default:
        memcpy(&code, slot, sizeof code);
        return code;
    }
}

size_t ota_health_format(const struct ota_health *h, char *out, size_t cap)
{
    struct ota_strbuf sb;
    size_t i;

    ota_sb_init(&sb, out, cap);
    ota_sb_add(&sb, HEADER "\n");
    for (i = 0; i < MEMBER_COUNT; i++) {
        ota_sb_add(&sb, members[i].name);
        ota_sb_addc(&sb, ' ');
        ota_sb_add_i64(&sb, member_value(h, &members[i]));
        ota_sb_addc(&sb, '\n');
    }
    if (sb.overflow) {
        if (cap)
            out[0] = '\0';
        return 0;
    }
    return sb.len;
}

int ota_health_save(struct ota_ctx *ctx, const struct ota_health *h)
{
    char text[OTA_HEALTH_TEXT_MAX];
    size_t len = ota_health_format(h, text, sizeof text);

    return ota_write_atomic(ctx, OTA_HEALTH_FILE, text, len);
}

/* ---- transitions --------------------------------------------------------- */

static void count_up(uint32_t *counter)
{
    if (*counter < UINT32_MAX)
        (*counter)++;
}

void ota_health_record_check(struct ota_health *h, int64_t now, int err)
{
    h->last_check = now;
    if (err != OTA_OK)
        h->last_error = err;
}

void ota_health_record_boot(struct ota_health *h)
{
    count_up(&h->boots);
}

void ota_health_record_healthy_boot(struct ota_health *h)
{
    count_up(&h->healthy_boots);
    h->crashes = 0;
}

void ota_health_record_crash(struct ota_health *h, int64_t now, int err)
{
    count_up(&h->crashes);
    h->last_crash = now;
    if (err != OTA_OK)
        h->last_error = err;
}

void ota_health_record_update(struct ota_health *h, int64_t now)
{
    h->last_update = now;
}

int ota_health_equal(const struct ota_health *a, const struct ota_health *b)
{
    return a->last_check == b->last_check && a->last_update == b->last_update &&
           a->boots == b->boots && a->healthy_boots == b->healthy_boots &&
           a->crashes == b->crashes && a->last_crash == b->last_crash &&
           a->last_error == b->last_error && a->notice_sequence == b->notice_sequence;
}

int ota_health_is_fresh(const struct ota_health *h)
{
    struct ota_health fresh;

    ota_health_fresh(&fresh);
    return ota_health_equal(h, &fresh);
}

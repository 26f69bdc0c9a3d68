#include "publish_record.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "publish_jsonread.h"
#include "publish_store.h"

#define RECORD_MAX (64u * 1024 * 1024)

struct record_channel *record_channel(struct record *r, const char *name)
{
    struct record_channel *v;
    size_t i;

    for (i = 0; i < r->count; i++)
        if (!strcmp(r->channels[i].name, name))
            return &r->channels[i];
    v = realloc(r->channels, (r->count + 1) * sizeof *v);
    if (!v)
        return NULL;
    r->channels = v;
    v = &r->channels[r->count++];
    memset(v, 0, sizeof *v);
    snprintf(v->name, sizeof v->name, "%s", name);
    return v;
}

const struct record_release *record_newest(const struct record_channel *c)
{
    return c && c->count ? &c->releases[c->count - 1] : NULL;
}

int record_append(struct record_channel *c, const struct record_release *rel)
{
    struct record_release *v = realloc(c->releases, (c->count + 1) * sizeof *v);

    if (!v)
        return -1;
    c->releases = v;
    c->releases[c->count++] = *rel;
    return 0;
}

void record_trim(struct record_channel *c, size_t keep)
{
    if (c->count <= keep)
        return;
    memmove(c->releases, c->releases + (c->count - keep), keep * sizeof *c->releases);
    c->count = keep;
}

void record_free(struct record *r)
{
    size_t i;

    for (i = 0; i < r->count; i++)
        free(r->channels[i].releases);
    free(r->channels);
    memset(r, 0, sizeof *r);
}

/* ---- reading -------------------------------------------------------------
 * {"format": "ota-releases/1", "channels": {"NAME": [{RELEASE}, ...], ...}}:
 * the root's members are at depth 1, channel names at 2, a release's braces
 * at 3 and its members at 4. */

enum top { TOP_OTHER, TOP_FORMAT, TOP_CHANNELS };
enum field { F_OTHER, F_SEQUENCE, F_VERSION, F_COMMIT, F_MANIFEST, F_PUBLISHED };

struct record_reader {
    struct record *r;
    enum top top;
    struct record_channel *channel;
    struct record_release cur;
    enum field field;
    int format_ok, bad;
};

static enum field field_of(const char *key)
{
    static const char *const names[] = {"", "sequence", "version", "commit", "manifest",
                                        "published"};
    size_t i;

    for (i = 1; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(key, names[i]))
            return (enum field)i;
    return F_OTHER;
}

static int take_field(struct record_release *rel, enum field f, const struct ota_json_token *t)
{
    switch (f) {
    case F_SEQUENCE: return json_token_u64(t, &rel->sequence);
    case F_VERSION: return json_token_str(t, rel->version, sizeof rel->version);
    case F_COMMIT:
        return json_token_str(t, rel->commit, sizeof rel->commit) == 0 &&
                       json_is_hex(rel->commit, SHA1_HEX_LEN) ? 0 : -1;
    case F_MANIFEST:
        return json_token_str(t, rel->manifest, sizeof rel->manifest) == 0 &&
                       json_is_hex(rel->manifest, SHA256_HEX_LEN) ? 0 : -1;
    case F_PUBLISHED: return json_token_u64(t, &rel->published);
    default: return 0;
    }
}

static void on_top(struct record_reader *rd, const struct ota_json_token *t)
{
    char format[32];

    if (t->type == OTA_JSON_KEY)
        rd->top = !strcmp(t->text, "format")     ? TOP_FORMAT
                  : !strcmp(t->text, "channels") ? TOP_CHANNELS
                                                 : TOP_OTHER;
    else if (rd->top == TOP_FORMAT)
        rd->format_ok = json_token_str(t, format, sizeof format) == 0 &&
                        !strcmp(format, RECORD_FORMAT);
    else if (rd->top == TOP_CHANNELS && t->type != OTA_JSON_OBJECT_BEGIN &&
             t->type != OTA_JSON_OBJECT_END)
        rd->bad = 1;
}

static void on_channel_level(struct record_reader *rd, const struct ota_json_token *t)
{
    if (t->type == OTA_JSON_KEY) {
        if (!channel_name_ok(t->text) || !(rd->channel = record_channel(rd->r, t->text)))
            rd->bad = 1;
    } else if (t->type != OTA_JSON_ARRAY_BEGIN && t->type != OTA_JSON_ARRAY_END) {
        rd->bad = 1;
    }
}

static void on_release_level(struct record_reader *rd, const struct ota_json_token *t)
{
    if (t->type == OTA_JSON_OBJECT_BEGIN) {
        memset(&rd->cur, 0, sizeof rd->cur);
    } else if (t->type == OTA_JSON_OBJECT_END) {
        if (!rd->cur.manifest[0] || !rd->channel || record_append(rd->channel, &rd->cur) != 0)
            rd->bad = 1;
    } else {
        rd->bad = 1;
    }
}

static int on_token(void *arg, const struct ota_json_token *t)
{
    struct record_reader *rd = arg;

    if (t->depth == 1)
        on_top(rd, t);
    else if (rd->top != TOP_CHANNELS || t->depth < 2)
        return 0;
    else if (t->depth == 2)
        on_channel_level(rd, t);
    else if (t->depth == 3)
        on_release_level(rd, t);
    else if (t->depth == 4 && t->type == OTA_JSON_KEY)
        rd->field = field_of(t->text);
    else if (t->depth == 4 && take_field(&rd->cur, rd->field, t) != 0)
        rd->bad = 1;
    return 0;
}

int record_load(const char *mirror, struct record *r)
{
    struct record_reader rd;
    char path[STORE_PATH_MAX];
    uint8_t *data;
    size_t len;
    int err;

    memset(r, 0, sizeof *r);
    if (store_join(path, sizeof path, mirror, MIRROR_RECORD, NULL) != 0)
        return -1;
    if (store_read_all(path, RECORD_MAX, &data, &len) != 0)
        return errno == ENOENT ? 0 : -1;
    memset(&rd, 0, sizeof rd);
    rd.r = r;
    err = json_read_all(data, len, on_token, &rd);
    free(data);
    if (err != 0 || rd.bad || !rd.format_ok) {
        record_free(r);
        errno = EINVAL;
        return -1;
    }
    return 0;
}

/* ---- writing: one release a line, so that a diff shows what changed ---- */

static void write_release(FILE *f, const struct record_release *rel, int last)
{
    fprintf(f, "      {\"sequence\": %" PRIu64 ", \"version\": ", rel->sequence);
    jsonw_escaped(f, rel->version);
    if (rel->commit[0])
        fprintf(f, ", \"commit\": \"%s\"", rel->commit);
    fprintf(f, ", \"manifest\": \"%s\", \"published\": %" PRIu64 "}%s\n", rel->manifest,
            rel->published, last ? "" : ",");
}

static void write_record(FILE *f, const struct record *r)
{
    size_t i, k;

    fputs("{\n  \"format\": \"" RECORD_FORMAT "\",\n  \"channels\": {", f);
    for (i = 0; i < r->count; i++) {
        const struct record_channel *c = &r->channels[i];
        fprintf(f, "%s\n    \"%s\": [%s", i ? "," : "", c->name, c->count ? "\n" : "");
        for (k = 0; k < c->count; k++)
            write_release(f, &c->releases[k], k + 1 == c->count);
        fputs(c->count ? "    ]" : "]", f);
    }
    fputs(r->count ? "\n  }\n}\n" : "}\n}\n", f);
}

int record_save(const char *mirror, const struct record *r)
{
    char path[STORE_PATH_MAX], *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    int result;

    if (!f)
        return -1;
    write_record(f, r);
    if (fclose(f) != 0) {
        free(text);
        return -1;
    }
    result = store_join(path, sizeof path, mirror, MIRROR_RECORD, NULL) == 0
                 ? store_put(path, text, len, 1) : -1;
    free(text);
    return result;
}

#include "publish_pointer.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "publish_jsonread.h"
#include "publish_store.h"

int channel_name_ok(const char *name)
{
    size_t i, n = strlen(name);

    if (n == 0 || n > CHANNEL_NAME_MAX || name[0] == '.')
        return 0;
    for (i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

int pointer_format(const struct channel_pointer *p, char *out, size_t cap)
{
    char commit[64] = "";
    int n;

    if (p->commit[0])
        snprintf(commit, sizeof commit, "\"commit\":\"%s\",", p->commit);
    /* every string here is a channel name or hex: nothing to escape */
    n = snprintf(out, cap,
                 "{\"format\":\"" POINTER_FORMAT "\",\"channel\":\"%s\",\"sequence\":%" PRIu64
                 ",%s\"manifest\":\"%s\",\"manifest_size\":%" PRIu64
                 ",\"signature\":\"%s\",\"published\":%" PRIu64 "}\n",
                 p->channel, p->sequence, commit, p->manifest, p->manifest_size, p->signature,
                 p->published);
    return n < 0 || (size_t)n >= cap ? -1 : n;
}

enum member { M_OTHER, M_FORMAT, M_CHANNEL, M_SEQUENCE, M_COMMIT, M_MANIFEST, M_SIZE,
              M_SIGNATURE, M_PUBLISHED };

struct pointer_reader {
    struct channel_pointer *p;
    enum member member; /* whose value comes next */
    unsigned seen;      /* 1 << member */
    int bad;
};

static enum member member_of(const char *key)
{
    static const char *const names[] = {"", "format", "channel", "sequence", "commit",
                                        "manifest", "manifest_size", "signature", "published"};
    size_t i;

    for (i = 1; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(key, names[i]))
            return (enum member)i;
    return M_OTHER;
}

static int take_value(struct pointer_reader *r, const struct ota_json_token *t)
{
    struct channel_pointer *p = r->p;
    char format[32];

    switch (r->member) {
    case M_FORMAT:
        return json_token_str(t, format, sizeof format) == 0 && !strcmp(format, POINTER_FORMAT)
                   ? 0 : -1;
    case M_CHANNEL:
        return json_token_str(t, p->channel, sizeof p->channel) == 0 &&
                       channel_name_ok(p->channel) ? 0 : -1;
    case M_SEQUENCE: return json_token_u64(t, &p->sequence);
    case M_COMMIT:
        return json_token_str(t, p->commit, sizeof p->commit) == 0 &&
                       json_is_hex(p->commit, SHA1_HEX_LEN) ? 0 : -1;
    case M_MANIFEST:
        return json_token_str(t, p->manifest, sizeof p->manifest) == 0 &&
                       json_is_hex(p->manifest, SHA256_HEX_LEN) ? 0 : -1;
    case M_SIZE: return json_token_u64(t, &p->manifest_size);
    case M_SIGNATURE:
        return json_token_str(t, p->signature, sizeof p->signature) == 0 &&
                       json_is_hex(p->signature, SIGNATURE_HEX_LEN) ? 0 : -1;
    case M_PUBLISHED: return json_token_u64(t, &p->published);
    default: return 0;
    }
}

static int on_token(void *arg, const struct ota_json_token *t)
{
    struct pointer_reader *r = arg;

    if (t->depth == 0 && t->type != OTA_JSON_OBJECT_BEGIN && t->type != OTA_JSON_OBJECT_END)
        r->bad = 1; /* the root must be an object */
    if (t->depth != 1)
        return 0; /* the root's braces, and inside unknown members' values */
    if (t->type == OTA_JSON_KEY) {
        r->member = member_of(t->text);
        if (r->member != M_OTHER && (r->seen & (1u << r->member)))
            r->bad = 1; /* parsers disagree on which copy wins */
        r->seen |= 1u << r->member;
        return 0;
    }
    if (take_value(r, t) != 0)
        r->bad = 1;
    return 0;
}

int pointer_parse(const uint8_t *data, size_t len, struct channel_pointer *p)
{
    const unsigned required = 1u << M_FORMAT | 1u << M_CHANNEL | 1u << M_SEQUENCE |
                              1u << M_MANIFEST | 1u << M_SIZE | 1u << M_SIGNATURE |
                              1u << M_PUBLISHED;
    struct pointer_reader r;

    memset(p, 0, sizeof *p);
    memset(&r, 0, sizeof r);
    r.p = p;
    if (json_read_all(data, len, on_token, &r) != 0 || r.bad || (r.seen & required) != required)
        return -1;
    return 0;
}

static int pointer_path(char *out, size_t cap, const char *mirror, const char *channel)
{
    char name[CHANNEL_NAME_MAX + 8];

    snprintf(name, sizeof name, "%s.json", channel);
    return store_join(out, cap, mirror, MIRROR_CHANNELS, name);
}

int pointer_read(const char *mirror, const char *channel, struct channel_pointer *p)
{
    char path[STORE_PATH_MAX];
    uint8_t *data;
    size_t len;
    int r;

    if (pointer_path(path, sizeof path, mirror, channel) != 0)
        return -1;
    if (store_read_all(path, POINTER_MAX, &data, &len) != 0)
        return errno == ENOENT ? 0 : -1;
    r = pointer_parse(data, len, p);
    free(data);
    if (r != 0 || strcmp(p->channel, channel) != 0) {
        errno = EINVAL;
        return -1;
    }
    return 1;
}

int pointer_write(const char *mirror, const struct channel_pointer *p)
{
    char path[STORE_PATH_MAX], dir[STORE_PATH_MAX], bytes[POINTER_MAX];
    struct timespec times[2];
    struct store_tmp t;
    int n = pointer_format(p, bytes, sizeof bytes);

    if (n < 0) {
        errno = EOVERFLOW;
        return -1;
    }
    if (pointer_path(path, sizeof path, mirror, p->channel) != 0 ||
        store_join(dir, sizeof dir, mirror, MIRROR_CHANNELS, NULL) != 0 ||
        store_tmp_open(&t, dir) != 0)
        return -1;
    /* the file's time is "published", which grows with every pointer of the
     * channel: servers that make ETag and Last-Modified from time and size
     * (nginx) then never give two pointers the same validator */
    times[0].tv_sec = times[1].tv_sec = (time_t)p->published;
    times[0].tv_nsec = times[1].tv_nsec = 0;
    if (store_tmp_write(&t, bytes, (size_t)n) != 0 || futimens(t.fd, times) != 0) {
        store_tmp_discard(&t);
        return -1;
    }
    return store_tmp_rename(&t, path);
}

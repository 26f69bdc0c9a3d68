#include "ota/ota_link.h"

#include <string.h>

#include "strbuf.h"

int ota_links_init(struct ota_links *m, const struct ota_link *links, size_t count)
{
    size_t i;

    if (!m || !links || count == 0 || count > OTA_LINKS_MAX)
        return OTA_ERR_INVALID_ARG;
    memset(m, 0, sizeof *m);
    m->link = links;
    m->count = count;
    m->active = count;
    m->used = count;
    m->signal_dbm = m->used_signal_dbm = INT32_MIN;
    for (i = 0; i < count; i++)
        if (!links[i].up || !links[i].down)
            return OTA_ERR_INVALID_ARG;
    return OTA_OK;
}

void ota_links_disconnect(struct ota_links *m)
{
    if (m->active < m->count)
        m->link[m->active].down(m->link[m->active].user);
    m->active = m->count;
    m->signal_dbm = INT32_MIN;
}

void ota_links_reset(struct ota_links *m)
{
    ota_links_disconnect(m);
    m->failed = m->broke = 0;
    m->last_err = OTA_OK;
    m->reason[0] = '\0';
    m->used = m->count;
    m->used_signal_dbm = INT32_MIN;
    memset(m->bytes, 0, sizeof m->bytes);
}

static void note_signal(struct ota_links *m, const struct ota_link *l)
{
    int32_t dbm;

    m->signal_dbm = l->signal && l->signal(l->user, &dbm) == OTA_OK ? dbm : INT32_MIN;
}

/* "name: why" of the last link that did not come up. */
static void note_failure(struct ota_links *m, const struct ota_link *l, int err)
{
    const char *why = l->why ? l->why(l->user) : NULL;
    struct ota_strbuf sb;

    ota_sb_init(&sb, m->reason, sizeof m->reason);
    ota_sb_add(&sb, l->name ? l->name : "link");
    ota_sb_add(&sb, ": ");
    ota_sb_add(&sb, why && why[0] ? why : ota_strerror(err));
}

/* The first link, in priority order, that comes up and is not skipped. */
static int connect_first(struct ota_links *m, uint32_t skip)
{
    size_t i;

    for (i = 0; i < m->count; i++) {
        const struct ota_link *l = &m->link[i];
        int err;
        if (!l->get || (skip & (1u << i)))
            continue;
        err = l->up(l->user);
        if (err == OTA_OK) {
            m->active = m->used = i;
            note_signal(m, l);
            m->used_signal_dbm = m->signal_dbm;
            return OTA_OK;
        }
        m->failed |= 1u << i;
        m->last_err = err;
        note_failure(m, l, err);
    }
    return OTA_ERR_NO_LINK;
}

int ota_links_connect(struct ota_links *m)
{
    if (m->active < m->count)
        return OTA_OK;
    if (connect_first(m, m->failed | m->broke) == OTA_OK)
        return OTA_OK;
    /* every link that came up broke since: the first of them again (a
     * device with WiFi alone retries its WiFi) */
    m->broke = 0;
    return connect_first(m, m->failed);
}

const struct ota_link *ota_links_active(const struct ota_links *m)
{
    return m->active < m->count ? &m->link[m->active] : NULL;
}

/* Counts the bytes each link carried, on the way to the engine's sink. */
struct counted {
    const struct ota_http_sink *sink;
    uint64_t *bytes;
};

static int c_status(void *arg, int status)
{
    const struct counted *c = arg;

    return c->sink->on_status(c->sink->arg, status);
}

static int c_header(void *arg, const char *name, size_t nlen, const char *value, size_t vlen)
{
    const struct counted *c = arg;

    return c->sink->on_header(c->sink->arg, name, nlen, value, vlen);
}

static int c_body(void *arg, const uint8_t *data, size_t len)
{
    const struct counted *c = arg;

    *c->bytes += len;
    return c->sink->on_body(c->sink->arg, data, len);
}

static void c_wait(void *arg)
{
    const struct counted *c = arg;

    if (c->sink->on_wait)
        c->sink->on_wait(c->sink->arg);
}

static int broken(int err)
{
    return err == OTA_ERR_NETWORK || err == OTA_ERR_TIMEOUT || err == OTA_ERR_TRUNCATED;
}

int ota_links_get(void *user, const struct ota_http_request *req,
                  const struct ota_http_sink *sink)
{
    struct ota_links *m = user;
    struct counted c;
    struct ota_http_sink mine = {c_status, c_header, c_body, NULL, c_wait};
    const struct ota_link *l;
    int err = ota_links_connect(m);

    if (err != OTA_OK)
        return err;
    l = &m->link[m->active];
    c.sink = sink;
    c.bytes = &m->bytes[m->active];
    mine.arg = &c;
    err = l->get(l->user, req, &mine);
    if (broken(err)) {
        m->broke |= 1u << m->active;
        ota_links_disconnect(m);
    }
    return err;
}

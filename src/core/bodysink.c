#include "bodysink.h"

#include <string.h>

#include "log.h"

#define FS (&s->ctx->port->fs)
#define USER (s->ctx->port->user)

static int sink_begin(void *arg)
{
    struct ota_file_sink *s = arg;

    ota_file_sink_close(s);
    s->received = 0;
    s->fd = FS->open(USER, s->path, OTA_OPEN_WRITE);
    return s->fd < 0 ? ota_fail(s->ctx, s->fd, "cannot create ", s->path, NULL) : OTA_OK;
}

static int sink_data(void *arg, const uint8_t *p, size_t n)
{
    struct ota_file_sink *s = arg;

    if (n > s->max - s->received)
        return ota_fail(s->ctx, OTA_ERR_TOO_LARGE, s->what, " is too large", NULL);
    s->received += n;
    return FS->write(USER, s->fd, p, n);
}

static int sink_end(void *arg)
{
    struct ota_file_sink *s = arg;

    return FS->sync(USER, s->fd);
}

void ota_file_sink_init(struct ota_file_sink *s, struct ota_ctx *ctx, const char *path,
                        const char *what, uint64_t max, struct ota_body *body)
{
    s->ctx = ctx;
    s->path = path;
    s->what = what;
    s->max = max;
    s->received = 0;
    s->fd = -1;
    body->begin = sink_begin;
    body->data = sink_data;
    body->end = sink_end;
    body->arg = s;
    body->resume_from = NULL; /* small bodies: a retry fetches them whole */
}

void ota_file_sink_close(struct ota_file_sink *s)
{
    if (s->fd >= 0)
        FS->close(USER, s->fd);
    s->fd = -1;
}

static int mem_begin(void *arg)
{
    struct ota_mem_sink *s = arg;

    s->len = 0;
    s->overflow = 0;
    return OTA_OK;
}

static int mem_data(void *arg, const uint8_t *p, size_t n)
{
    struct ota_mem_sink *s = arg;

    if (n > s->cap - s->len) {
        s->overflow = 1;
        return OTA_OK;
    }
    memcpy(s->buf + s->len, p, n);
    s->len += n;
    return OTA_OK;
}

static int mem_end(void *arg)
{
    (void)arg;
    return OTA_OK;
}

void ota_mem_sink_init(struct ota_mem_sink *s, uint8_t *buf, size_t cap,
                       struct ota_body *body)
{
    s->buf = buf;
    s->cap = cap;
    s->len = 0;
    s->overflow = 0;
    body->begin = mem_begin;
    body->data = mem_data;
    body->end = mem_end;
    body->arg = s;
    body->resume_from = NULL; /* small bodies: a retry fetches them whole */
}

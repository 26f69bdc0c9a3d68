#include "lines.h"

#include <string.h>

int ota_lines_open(struct ota_lines *lr, struct ota_ctx *ctx, const char *path,
                   char *buf, size_t cap)
{
    memset(lr, 0, sizeof *lr);
    lr->ctx = ctx;
    lr->buf = buf;
    lr->cap = cap;
    lr->fd = ctx->port->fs.open(ctx->port->user, path, OTA_OPEN_READ);
    if (lr->fd == OTA_ERR_NOT_FOUND) {
        lr->eof = 1;
        return OTA_OK;
    }
    return lr->fd < 0 ? lr->fd : OTA_OK;
}

static int refill(struct ota_lines *lr)
{
    const struct ota_port *port = lr->ctx->port;
    long n;

    memmove(lr->buf, lr->buf + lr->start, lr->end - lr->start);
    lr->end -= lr->start;
    lr->start = 0;
    /* the last byte is kept for the NUL of an unterminated last line */
    n = port->fs.read(port->user, lr->fd, lr->buf + lr->end, lr->cap - 1 - lr->end);
    if (n < 0)
        return (int)n;
    if (n == 0)
        lr->eof = 1;
    lr->end += (size_t)n;
    return OTA_OK;
}

int ota_lines_next(struct ota_lines *lr, char **line, size_t *len)
{
    for (;;) {
        char *p = lr->buf + lr->start;
        char *nl = memchr(p, '\n', lr->end - lr->start);
        int err;

        if (nl || (lr->eof && lr->end > lr->start)) {
            size_t n = nl ? (size_t)(nl - p) : lr->end - lr->start;
            p[n] = '\0';
            lr->start += nl ? n + 1 : n;
            *line = p;
            *len = n;
            return 1;
        }
        if (lr->eof)
            return 0;
        if (lr->start == 0 && lr->end >= lr->cap - 1)
            return OTA_ERR_STATE; /* a line longer than any we write */
        err = refill(lr);
        if (err != OTA_OK)
            return err;
    }
}

void ota_lines_close(struct ota_lines *lr)
{
    if (lr->fd >= 0)
        lr->ctx->port->fs.close(lr->ctx->port->user, lr->fd);
    lr->fd = -1;
}

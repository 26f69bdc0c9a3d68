/* Reads a device file line by line through the port, in the ctx work
 * buffer: the engine's state and plan files are line-based so that they can
 * be processed in constant memory however many files they describe. */
#ifndef OTA_CORE_LINES_H
#define OTA_CORE_LINES_H

#include "ota/ota.h"

struct ota_lines {
    struct ota_ctx *ctx;
    int fd;        /* -1 when the file does not exist: no lines */
    char *buf;
    size_t cap;
    size_t start;  /* first unread byte */
    size_t end;    /* end of valid bytes */
    int eof;
};

/* Opens path; a missing file reads as empty. */
int ota_lines_open(struct ota_lines *lr, struct ota_ctx *ctx, const char *path,
                   char *buf, size_t cap);

/* Next line without its '\n', NUL-terminated in place. Returns 1 for a line,
 * 0 at the end, OTA_ERR_STATE for a line longer than the buffer, or an I/O
 * error. */
int ota_lines_next(struct ota_lines *lr, char **line, size_t *len);

void ota_lines_close(struct ota_lines *lr);

#endif

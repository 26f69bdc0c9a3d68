#include "moved.h"

#include <string.h>

#include "hex.h"
#include "lines.h"
#include "state.h"

static const char *base_name(const char *path, size_t len, size_t *base_len)
{
    const char *b = path + len;

    while (b > path && b[-1] != '/')
        b--;
    *base_len = len - (size_t)(b - path);
    return b;
}

/* The path of a state line "<sha> <size> <path>", or NULL. */
static const char *line_path(const char *line, size_t len, size_t *path_len)
{
    const char *space;

    if (len < 44 || line[40] != ' ' || !ota_hex_is_sha1(line, 40))
        return NULL;
    space = memchr(line + 41, ' ', len - 41);
    if (!space)
        return NULL;
    *path_len = len - (size_t)(space + 1 - line);
    return *path_len > 0 && *path_len < OTA_PATH_MAX ? space + 1 : NULL;
}

int ota_moved_source(struct ota_ctx *ctx, const char *path, char src_path[OTA_PATH_MAX],
                     char src_sha[OTA_SHA1_HEX], char *buf, size_t cap)
{
    struct ota_lines lr;
    size_t want_len, len, p_len, b_len;
    const char *want = base_name(path, strlen(path), &want_len), *p, *b;
    char *line;
    int r, found = 0;

    r = ota_lines_open(&lr, ctx, OTA_STATE_FILE, buf, cap);
    if (r != OTA_OK)
        return r;
    while ((r = ota_lines_next(&lr, &line, &len)) == 1) {
        if (!(p = line_path(line, len, &p_len)))
            continue;
        b = base_name(p, p_len, &b_len);
        if (b_len != want_len || memcmp(b, want, b_len) != 0 ||
            (p_len == strlen(path) && memcmp(p, path, p_len) == 0))
            continue;
        if (found && strcmp(p, src_path) >= 0) /* (line is NUL-terminated) */
            continue;
        memcpy(src_path, p, p_len + 1);
        memcpy(src_sha, line, 40);
        src_sha[40] = '\0';
        found = 1;
    }
    ota_lines_close(&lr);
    return r < 0 && r != OTA_ERR_STATE ? r : found; /* (a corrupt line ends the search) */
}

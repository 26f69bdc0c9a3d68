#include "path.h"

#include <string.h>

static int segment_is_unsafe(const char *seg, size_t len)
{
    if (len == 0)
        return 1; /* "a//b", "/a" or "a/" */
    if (len == 1 && seg[0] == '.')
        return 1;
    return len == 2 && seg[0] == '.' && seg[1] == '.';
}

static int char_is_unsafe(char c)
{
    unsigned char u = (unsigned char)c;
    /* control characters would also corrupt the line-based state files */
    return c == '\\' || u < 0x20u || u == 0x7fu;
}

int ota_path_check(const char *path, size_t len)
{
    size_t seg_start = 0;
    size_t i;

    if (len >= OTA_PATH_MAX)
        return OTA_ERR_PATH_TOO_LONG;
    if (len == 0)
        return OTA_ERR_UNSAFE_PATH;
    for (i = 0; i <= len; i++) {
        if (i == len || path[i] == '/') {
            if (segment_is_unsafe(path + seg_start, i - seg_start))
                return OTA_ERR_UNSAFE_PATH;
            seg_start = i + 1;
        } else if (char_is_unsafe(path[i])) {
            return OTA_ERR_UNSAFE_PATH;
        }
    }
    return OTA_OK;
}

int ota_rule_matches(const char *rule, const char *path)
{
    size_t n = strlen(rule);

    while (n > 0 && rule[n - 1] == '/')
        n--;
    if (n == 0)
        return 0; /* "" or "/" would otherwise match everything */
    if (strncmp(rule, path, n) != 0)
        return 0;
    return path[n] == '\0' || path[n] == '/';
}

static int any_rule_matches(const char *const *rules, size_t count,
                            const char *path)
{
    size_t i;

    for (i = 0; i < count; i++)
        if (rules[i] && ota_rule_matches(rules[i], path))
            return 1;
    return 0;
}

int ota_path_permitted(const struct ota_settings *s, const char *path)
{
    if (any_rule_matches(s->ignore, s->ignore_count, path))
        return 0;
    return s->allow_count == 0 || any_rule_matches(s->allow, s->allow_count, path);
}

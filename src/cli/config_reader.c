/* What the configuration readers share: handing tokens to the loader,
 * syntax messages, the number grammar. */
#include "config_reader.h"

#include <stdio.h>

#include "ota/ota.h"

int config_emit(struct config_reader *r, enum ota_json_type type, const char *text,
                size_t len, unsigned depth, unsigned long line)
{
    struct ota_json_token t;

    t.type = type;
    t.text = text;
    t.len = len;
    t.truncated = len >= CONFIG_VALUE_MAX;
    t.depth = depth;
    t.line = line;
    return r->cb(r->arg, &t);
}

int config_vmessage(char *buf, size_t cap, unsigned long line, const char *fmt, va_list ap)
{
    int n = line ? snprintf(buf, cap, "line %lu: ", line) : 0;

    if (n < 0 || (size_t)n >= cap)
        n = 0;
    vsnprintf(buf + n, cap - (size_t)n, fmt, ap);
    return OTA_ERR_CONFIG;
}

int config_syntax_error(struct config_reader *r, unsigned long line, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    config_vmessage(r->error, r->error_cap, line, fmt, ap);
    va_end(ap);
    return OTA_ERR_CONFIG;
}

static size_t digits(const char *s, size_t i, size_t len)
{
    size_t start = i;

    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++;
    return i - start;
}

int config_is_number(const char *s, size_t len)
{
    size_t i = 0, n;

    if (i < len && s[i] == '-')
        i++;
    n = digits(s, i, len);
    if (n == 0 || (n > 1 && s[i] == '0'))
        return 0;
    i += n;
    if (i < len && s[i] == '.') {
        n = digits(s, ++i, len);
        if (n == 0)
            return 0;
        i += n;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        n = digits(s, i, len);
        if (n == 0)
            return 0;
        i += n;
    }
    return i == len;
}

/* What the configuration readers share: handing tokens to the loader,
 * syntax messages, the number grammar. */
#include "config_reader.h"

#include <stdio.h>
#include <string.h>

#include "ota/ota.h"

/* The length of the longest prefix of s[0..len) that ends on a whole UTF-8
 * character (s is valid UTF-8 that may have been cut anywhere). */
static size_t utf8_boundary(const char *s, size_t len)
{
    size_t lead = len, need;
    unsigned char c;

    while (lead > 0 && len - lead < 4) {
        c = (unsigned char)s[--lead];
        if ((c & 0xC0) != 0x80) {
            need = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
            return lead + need > len ? lead : len;
        }
    }
    return len;
}

int config_emit(struct config_reader *r, enum ota_json_type type, const char *text,
                size_t len, unsigned depth, unsigned long line)
{
    struct ota_json_token t;
    char cut[CONFIG_VALUE_MAX];

    t.type = type;
    t.text = text;
    t.len = len;
    t.truncated = len >= CONFIG_VALUE_MAX;
    if (t.truncated) {
        /* As the JSON tokenizer hands over a value longer than its buffer:
         * the first CONFIG_VALUE_MAX - 1 bytes or fewer, cut back to a whole
         * character and NUL-terminated at len, so the loader may read
         * text[0..len] whichever format it came from. Only those bytes of
         * text are read: a reader may have kept no more. */
        t.len = utf8_boundary(text, CONFIG_VALUE_MAX - 1);
        memcpy(cut, text, t.len);
        cut[t.len] = '\0';
        t.text = cut;
    }
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

#include "modem_text.h"

#include <string.h>

void modem_text_start(struct modem_text *t, char *buf, size_t cap)
{
    t->buf = buf;
    t->cap = cap;
    t->len = 0;
    t->clipped = 0;
    if (cap > 0)
        buf[0] = '\0';
}

void modem_text_addn(struct modem_text *t, const char *s, size_t n)
{
    size_t room = t->cap > t->len ? t->cap - t->len - 1 : 0;

    if (t->cap == 0) {
        t->clipped = 1;
        return;
    }
    if (n > room) {
        n = room;
        t->clipped = 1;
    }
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = '\0';
}

void modem_text_add(struct modem_text *t, const char *s)
{
    modem_text_addn(t, s, strlen(s));
}

void modem_text_add_u64(struct modem_text *t, uint64_t v)
{
    char digits[20];
    size_t n = 0;

    do {
        digits[sizeof digits - 1 - n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v > 0);
    modem_text_addn(t, digits + sizeof digits - n, n);
}

void modem_text_add_int(struct modem_text *t, long v)
{
    if (v < 0) {
        modem_text_add(t, "-");
        modem_text_add_u64(t, (uint64_t)(-(v + 1)) + 1u);
        return;
    }
    modem_text_add_u64(t, (uint64_t)v);
}

int modem_starts_with(const char *line, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);

    return len >= n && memcmp(line, prefix, n) == 0;
}

int modem_parse_u64(const char *s, size_t len, size_t *pos, uint64_t *out)
{
    size_t i = *pos;
    uint64_t v = 0;

    while (i < len && s[i] == ' ')
        i++;
    if (i >= len || s[i] < '0' || s[i] > '9')
        return -1;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10u)
            return -1;
        v = v * 10u + d;
    }
    *pos = i;
    *out = v;
    return 0;
}

int modem_skip_char(const char *s, size_t len, size_t *pos, char c)
{
    while (*pos < len && s[*pos] == ' ')
        (*pos)++;
    if (*pos < len && s[*pos] == c) {
        (*pos)++;
        return 1;
    }
    return 0;
}

int modem_quotable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e || *s == '"')
            return 0;
    return 1;
}

int modem_block_length(const char *line, size_t len, size_t prefix_len, uint64_t *n)
{
    size_t pos = prefix_len;

    while (pos < len && line[pos] == ' ')
        pos++;
    if (modem_starts_with(line + pos, len - pos, "DATA,"))
        pos += 5;
    return modem_parse_u64(line, len, &pos, n) != 0 || pos != len ? -1 : 0;
}

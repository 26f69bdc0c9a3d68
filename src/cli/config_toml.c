/* ota_config.toml: the part of TOML that configuration files need, read
 * strictly. Accepted: comments; `key = value` with a bare key; values that
 * are basic strings ("..." with TOML's escapes), integers and decimals in
 * the JSON grammar, true and false, and arrays of those (across lines,
 * trailing comma allowed); [table] sections of one bare name. Everything
 * else TOML has is refused with a message naming the construct, so a file
 * is never read differently from what its author meant. */
#include "config_reader.h"

#include <stdint.h>
#include <string.h>

#include "hex.h"
#include "ota/ota.h"

struct toml {
    struct config_reader *r;
    const char *p, *end;
    unsigned long line;
    unsigned depth;                /* of the members being read: 1 root, 2 table */
    char text[CONFIG_VALUE_MAX];   /* the string or name being decoded */
    size_t len;                    /* its length (may exceed the buffer) */
};

static int at(const struct toml *t, char c)
{
    return t->p < t->end && *t->p == c;
}

static int at_newline(const struct toml *t)
{
    return at(t, '\n') || (at(t, '\r') && t->p + 1 < t->end && t->p[1] == '\n');
}

static void skip_newline(struct toml *t)
{
    t->p += *t->p == '\r' ? 2 : 1;
    t->line++;
}

static void skip_spaces_and_comment(struct toml *t)
{
    while (at(t, ' ') || at(t, '\t'))
        t->p++;
    if (at(t, '#'))
        while (t->p < t->end && !at_newline(t))
            t->p++;
}

/* Blank lines and comments, before a statement or between array items. */
static void skip_blank(struct toml *t)
{
    for (skip_spaces_and_comment(t); at_newline(t); skip_spaces_and_comment(t))
        skip_newline(t);
}

static int end_of_line(struct toml *t)
{
    skip_spaces_and_comment(t);
    if (t->p == t->end)
        return 0;
    if (at_newline(t)) {
        skip_newline(t);
        return 0;
    }
    return config_syntax_error(t->r, t->line,
                               "unexpected '%c'; one `key = value` or [table] per line", *t->p);
}

static int refuse(struct toml *t, const char *construct, const char *advice)
{
    return config_syntax_error(t->r, t->line, "TOML %s are not supported%s", construct, advice);
}

/* Length of the UTF-8 sequence at s (len bytes left), or 0 if malformed. */
static size_t utf8_length(const unsigned char *s, size_t len)
{
    uint32_t c = s[0], min;
    size_t need, k;

    if (c < 0x80)
        return 1;
    if ((c & 0xE0) == 0xC0) {
        need = 1;
        min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        need = 2;
        min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        need = 3;
        min = 0x10000;
    } else {
        return 0;
    }
    if (len <= need)
        return 0;
    c &= 0x3Fu >> need;
    for (k = 1; k <= need; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        c = c << 6 | (s[k] & 0x3Fu);
    }
    return c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF) ? 0 : need + 1;
}

static int is_control(const unsigned char *s, size_t i, size_t len)
{
    if (s[i] == '\r')
        return i + 1 == len || s[i + 1] != '\n';
    return (s[i] < 0x20 && s[i] != '\t' && s[i] != '\n') || s[i] == 0x7F;
}

/* TOML is UTF-8 without control characters (but tab and line ends). */
static int check_text(struct toml *t, const unsigned char *s, size_t len)
{
    unsigned long line = 1;
    size_t i, n;

    for (i = 0; i < len; i += n) {
        if (is_control(s, i, len))
            return config_syntax_error(t->r, line, "control character 0x%02X", s[i]);
        n = utf8_length(s + i, len - i);
        if (n == 0)
            return config_syntax_error(t->r, line, "invalid UTF-8");
        line += s[i] == '\n';
    }
    return 0;
}

static void put(struct toml *t, char c)
{
    if (t->len < sizeof t->text - 1)
        t->text[t->len] = c;
    t->len++;
}

static void put_utf8(struct toml *t, uint32_t c)
{
    if (c < 0x80) {
        put(t, (char)c);
    } else if (c < 0x800) {
        put(t, (char)(0xC0 | c >> 6));
        put(t, (char)(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
        put(t, (char)(0xE0 | c >> 12));
        put(t, (char)(0x80 | (c >> 6 & 0x3F)));
        put(t, (char)(0x80 | (c & 0x3F)));
    } else {
        put(t, (char)(0xF0 | c >> 18));
        put(t, (char)(0x80 | (c >> 12 & 0x3F)));
        put(t, (char)(0x80 | (c >> 6 & 0x3F)));
        put(t, (char)(0x80 | (c & 0x3F)));
    }
}

/* Ends the text being built and hands it to the loader. */
static int emit_text(struct toml *t, enum ota_json_type type, unsigned depth, unsigned long line)
{
    t->text[t->len < sizeof t->text ? t->len : sizeof t->text - 1] = '\0';
    return config_emit(t->r, type, t->text, t->len, depth, line);
}

/* \uXXXX or \UXXXXXXXX, after the letter. */
static int unicode_escape(struct toml *t, int digits)
{
    uint32_t c = 0;
    int i, v;

    for (i = 0; i < digits; i++) {
        v = t->p + i < t->end ? ota_hex_value(t->p[i]) : -1;
        if (v < 0)
            return config_syntax_error(t->r, t->line, "\\%c needs %d hex digits",
                                       digits == 4 ? 'u' : 'U', digits);
        c = c << 4 | (uint32_t)v;
    }
    if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return config_syntax_error(t->r, t->line, "escape U+%04lX is not a Unicode character",
                                   (unsigned long)c);
    t->p += digits;
    put_utf8(t, c);
    return 0;
}

/* After a backslash. */
static int escape(struct toml *t)
{
    static const char from[] = "btnfr\"\\", to[] = "\b\t\n\f\r\"\\";
    const char *hit;
    char c = t->p < t->end ? *t->p : ' ';

    t->p++;
    if (c == 'u' || c == 'U')
        return unicode_escape(t, c == 'u' ? 4 : 8);
    hit = c ? strchr(from, c) : NULL;
    if (!hit)
        return config_syntax_error(t->r, t->line, "invalid escape \\%c in a string", c);
    put(t, to[hit - from]);
    return 0;
}

/* "...": TOML's basic string, on one line. */
static int basic_string(struct toml *t, unsigned depth)
{
    int err;

    t->p++;
    t->len = 0;
    while (!at(t, '"')) {
        if (t->p == t->end || at_newline(t))
            return config_syntax_error(t->r, t->line,
                                       "unterminated string: a closing \" is missing");
        if (*t->p != '\\') {
            put(t, *t->p++);
            continue;
        }
        t->p++;
        err = escape(t);
        if (err)
            return err;
    }
    t->p++;
    return emit_text(t, OTA_JSON_STRING, depth, t->line);
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' ||
           c == '-';
}

static int is_word_char(char c)
{
    return is_key_char(c) || c == '+' || c == '.' || c == ':';
}

/* The TOML construct a bare word is that this reader does not take, or
 * NULL when it is no TOML value at all. */
static const char *unsupported_word(const char *w, size_t n)
{
    const char *u = w + (w[0] == '+' || w[0] == '-');
    size_t un = n - (size_t)(u - w);
    int numeric = un > 0 && is_digit(u[0]);

    if (un == 3 && (!memcmp(u, "inf", 3) || !memcmp(u, "nan", 3)))
        return "inf and nan";
    if (n > 1 && w[0] == '0' && (w[1] == 'x' || w[1] == 'o' || w[1] == 'b'))
        return "hexadecimal, octal and binary integers";
    if (numeric && (memchr(w, ':', n) || (n >= 10 && w[4] == '-' && w[7] == '-')))
        return "dates and times";
    if (numeric && memchr(w, '_', n))
        return "underscores in numbers";
    if (numeric && w[0] == '+')
        return "numbers with a leading +";
    return NULL;
}

/* true, false, or a number; anything else bare is refused. */
static int bare_value(struct toml *t, unsigned depth)
{
    const char *w = t->p, *construct;
    size_t n;

    while (t->p < t->end && is_word_char(*t->p))
        t->p++;
    n = (size_t)(t->p - w);
    if (n == 0)
        return config_syntax_error(t->r, t->line, "expected a value");
    if (n == 4 && !memcmp(w, "true", 4))
        return config_emit(t->r, OTA_JSON_TRUE, "", 0, depth, t->line);
    if (n == 5 && !memcmp(w, "false", 5))
        return config_emit(t->r, OTA_JSON_FALSE, "", 0, depth, t->line);
    construct = unsupported_word(w, n);
    if (construct)
        return refuse(t, construct, "");
    if (!config_is_number(w, n) && (is_digit(w[0]) || w[0] == '-'))
        return config_syntax_error(t->r, t->line, "invalid number %.*s", n > 40 ? 40 : (int)n,
                                   w);
    if (!config_is_number(w, n))
        return config_syntax_error(t->r, t->line,
                                   "'%.*s' is not a TOML value (strings need double quotes)",
                                   n > 40 ? 40 : (int)n, w);
    memcpy(t->text, w, n < sizeof t->text ? n : sizeof t->text - 1);
    t->len = n;
    return emit_text(t, OTA_JSON_NUMBER, depth, t->line);
}

static int value(struct toml *t, unsigned depth);

/* [a, b, ...] of scalars, across lines if need be. */
static int array(struct toml *t, unsigned depth)
{
    int err = config_emit(t->r, OTA_JSON_ARRAY_BEGIN, "", 0, depth, t->line);

    t->p++;
    while (!err) {
        skip_blank(t);
        if (at(t, ']'))
            break;
        if (t->p == t->end)
            return config_syntax_error(t->r, t->line,
                                       "unterminated array: a closing ] is missing");
        if (at(t, '['))
            return refuse(t, "nested arrays", "");
        err = value(t, depth + 1);
        skip_blank(t);
        if (!err && t->p == t->end)
            return config_syntax_error(t->r, t->line,
                                       "unterminated array: a closing ] is missing");
        if (!err && at(t, ','))
            t->p++;
        else if (!err && !at(t, ']'))
            return config_syntax_error(t->r, t->line, "expected , or ] in the array");
    }
    if (err)
        return err;
    t->p++;
    return config_emit(t->r, OTA_JSON_ARRAY_END, "", 0, depth, t->line);
}

static int value(struct toml *t, unsigned depth)
{
    int triple = t->end - t->p >= 3 && t->p[1] == t->p[0] && t->p[2] == t->p[0];

    if (at(t, '"') && !triple)
        return basic_string(t, depth);
    if (at(t, '"') || at(t, '\''))
        return triple ? refuse(t, "multi-line strings (\"\"\" or ''')", "")
                      : refuse(t, "literal strings ('...')", "; use double quotes");
    if (at(t, '['))
        return array(t, depth);
    if (at(t, '{'))
        return refuse(t, "inline tables ({...})", "; use a [table] section");
    return bare_value(t, depth);
}

/* A bare key (letters, digits, _ and -) into text. */
static int key(struct toml *t, const char *what)
{
    const char *k = t->p;

    while (t->p < t->end && is_key_char(*t->p))
        t->p++;
    t->len = (size_t)(t->p - k);
    if (t->len == 0 && (at(t, '"') || at(t, '\'')))
        return refuse(t, "quoted keys", "; write the name bare");
    if (t->len == 0)
        return config_syntax_error(t->r, t->line, "expected %s", what);
    memcpy(t->text, k, t->len < sizeof t->text ? t->len : sizeof t->text - 1);
    return 0;
}

static void skip_spaces(struct toml *t)
{
    while (at(t, ' ') || at(t, '\t'))
        t->p++;
}

/* A bare name, then (after spaces) the character that must follow it; a dot
 * instead is the dotted form this reader refuses. */
static int name_then(struct toml *t, const char *what, char follow, const char *dotted,
                     const char *advice)
{
    unsigned long line = t->line;
    int err = key(t, what);

    if (err)
        return err;
    skip_spaces(t);
    if (at(t, '.'))
        return refuse(t, dotted, advice);
    if (!at(t, follow))
        return config_syntax_error(t->r, line, "expected %c after %.*s", follow,
                                   t->len > 40 ? 40 : (int)t->len, t->text);
    t->p++;
    return 0;
}

static int key_value(struct toml *t)
{
    unsigned long line = t->line;
    int err = name_then(t, "a field name or a [table]", '=', "dotted keys (a.b = ...)",
                        "; use a [table] section");

    if (err)
        return err;
    skip_spaces(t);
    err = emit_text(t, OTA_JSON_KEY, t->depth, line);
    if (!err)
        err = value(t, t->depth);
    return err ? err : end_of_line(t);
}

/* [name]: the members that follow, up to the next table, are its own. */
static int table(struct toml *t)
{
    unsigned long line = t->line;
    int err;

    t->p++;
    if (at(t, '['))
        return refuse(t, "arrays of tables ([[...]])", "");
    skip_spaces(t);
    err = name_then(t, "a table name", ']', "nested tables ([a.b])", "");
    if (!err)
        err = end_of_line(t);
    if (!err && t->depth == 2)
        err = config_emit(t->r, OTA_JSON_OBJECT_END, "", 0, 1, line);
    if (!err)
        err = emit_text(t, OTA_JSON_KEY, 1, line);
    t->depth = 2;
    return err ? err : config_emit(t->r, OTA_JSON_OBJECT_BEGIN, "", 0, 1, line);
}

int config_read_toml(struct config_reader *r, const char *data, size_t len)
{
    struct toml t;
    int err;

    memset(&t, 0, sizeof t);
    t.r = r;
    t.p = data;
    t.end = data + len;
    t.line = 1;
    t.depth = 1;
    err = check_text(&t, (const unsigned char *)data, len);
    if (!err)
        err = config_emit(r, OTA_JSON_OBJECT_BEGIN, "", 0, 0, 1);
    while (!err) {
        skip_blank(&t);
        if (t.p == t.end)
            break;
        err = at(&t, '[') ? table(&t) : key_value(&t);
    }
    if (!err && t.depth == 2)
        err = config_emit(r, OTA_JSON_OBJECT_END, "", 0, 1, t.line);
    return err ? err : config_emit(r, OTA_JSON_OBJECT_END, "", 0, 0, t.line);
}

#include "strbuf.h"

#include <string.h>

#include "ota/ota_err.h"

void ota_sb_init(struct ota_strbuf *sb, char *p, size_t cap)
{
    sb->p = p;
    sb->cap = cap;
    sb->len = 0;
    sb->overflow = 0;
    if (cap)
        p[0] = '\0';
}

void ota_sb_addn(struct ota_strbuf *sb, const char *s, size_t n)
{
    size_t room = sb->cap ? sb->cap - 1 - sb->len : 0;

    if (n > room) {
        n = room;
        sb->overflow = 1;
    }
    memcpy(sb->p + sb->len, s, n);
    sb->len += n;
    if (sb->cap)
        sb->p[sb->len] = '\0';
}

void ota_sb_add(struct ota_strbuf *sb, const char *s)
{
    ota_sb_addn(sb, s, strlen(s));
}

void ota_sb_addc(struct ota_strbuf *sb, char c)
{
    ota_sb_addn(sb, &c, 1);
}

void ota_sb_add_u64(struct ota_strbuf *sb, uint64_t v)
{
    char digits[20];
    size_t n = 0;

    do {
        digits[sizeof digits - 1 - n] = (char)('0' + (int)(v % 10u));
        v /= 10u;
        n++;
    } while (v);
    ota_sb_addn(sb, digits + sizeof digits - n, n);
}

void ota_sb_add_i64(struct ota_strbuf *sb, int64_t v)
{
    if (v < 0) {
        ota_sb_addc(sb, '-');
        ota_sb_add_u64(sb, (uint64_t)0 - (uint64_t)v);
    } else {
        ota_sb_add_u64(sb, (uint64_t)v);
    }
}

static const char hex_digits[] = "0123456789abcdef";

/* Bytes of the UTF-8 sequence led by s[0] (1 for ASCII or a stray byte),
 * when all of it is there. */
static size_t utf8_length(const char *s, size_t n)
{
    unsigned char c = (unsigned char)s[0];
    size_t len = c >= 0xf0u && c < 0xf8u ? 4 : c >= 0xe0u ? 3 : c >= 0xc0u ? 2 : 1, i;

    if (len > n)
        return 1;
    for (i = 1; i < len; i++)
        if (((unsigned char)s[i] & 0xc0u) != 0x80u)
            return 1;
    return len;
}

/* One character of s as JSON writes it, into out (6 bytes at most);
 * *used: the bytes of s it takes. */
static size_t json_piece(const char *s, size_t n, char out[6], size_t *used)
{
    unsigned char c = (unsigned char)s[0];

    *used = 1;
    if (c == '"' || c == '\\') {
        out[0] = '\\';
        out[1] = (char)c;
        return 2;
    }
    if (c < 0x20u || c == 0x7fu) {
        memcpy(out, "\\u00", 4);
        out[4] = hex_digits[c >> 4];
        out[5] = hex_digits[c & 15u];
        return 6;
    }
    *used = utf8_length(s, n);
    memcpy(out, s, *used);
    return *used;
}

void ota_sb_add_json_escaped(struct ota_strbuf *sb, const char *s, size_t n)
{
    char piece[6];
    size_t i, used, len;

    for (i = 0; i < n && !sb->overflow; i += used) {
        len = json_piece(s + i, n - i, piece, &used);
        if (sb->len + len >= sb->cap) {
            sb->overflow = 1; /* never half an escape or a character */
            break;
        }
        ota_sb_addn(sb, piece, len);
    }
}

static int url_char_is_plain(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

void ota_sb_add_url_escaped(struct ota_strbuf *sb, const char *s, int keep_slash)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (url_char_is_plain(c) || (keep_slash && c == '/')) {
            ota_sb_addc(sb, (char)c);
        } else {
            char esc[3] = {'%', 0, 0};
            esc[1] = "0123456789ABCDEF"[c >> 4];
            esc[2] = "0123456789ABCDEF"[c & 15u];
            ota_sb_addn(sb, esc, sizeof esc);
        }
    }
}

int ota_parse_u64(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    size_t i;

    if (n == 0 || n > 20)
        return -1;
    for (i = 0; i < n; i++) {
        unsigned d;
        if (s[i] < '0' || s[i] > '9')
            return -1;
        d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10u)
            return -1;
        v = v * 10u + d;
    }
    *out = v;
    return 0;
}

static char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

int ota_ascii_ieq(const char *a, const char *b, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (ascii_lower(a[i]) != ascii_lower(b[i]))
            return 0;
    return 1;
}

int ota_copy_str(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap)
        return OTA_ERR_NO_MEM;
    memcpy(dst, s, n);
    dst[n] = '\0';
    return OTA_OK;
}

/* Bounded string building without stdio: the core has no snprintf. A builder
 * never writes past its capacity and remembers that it had to cut. */
#ifndef OTA_CORE_STRBUF_H
#define OTA_CORE_STRBUF_H

#include <stddef.h>
#include <stdint.h>

struct ota_strbuf {
    char *p;
    size_t cap; /* including the NUL */
    size_t len;
    int overflow;
};

void ota_sb_init(struct ota_strbuf *sb, char *p, size_t cap);
void ota_sb_add(struct ota_strbuf *sb, const char *s);
void ota_sb_addn(struct ota_strbuf *sb, const char *s, size_t n);
void ota_sb_addc(struct ota_strbuf *sb, char c);
void ota_sb_add_u64(struct ota_strbuf *sb, uint64_t v);
void ota_sb_add_i64(struct ota_strbuf *sb, int64_t v);
/* Appends s as the inside of a JSON string (quotes not included). What no
 * longer fits is left out by whole characters: the result is never cut
 * inside an escape or a UTF-8 sequence. */
void ota_sb_add_json_escaped(struct ota_strbuf *sb, const char *s, size_t n);
/* Appends s percent-encoded for a URL path ('/' kept when keep_slash). */
void ota_sb_add_url_escaped(struct ota_strbuf *sb, const char *s, int keep_slash);

/* Parses a decimal unsigned integer of exactly n characters. 0 or -1. */
int ota_parse_u64(const char *s, size_t n, uint64_t *out);

/* ASCII case-insensitive comparison of n bytes: 1 when equal. */
int ota_ascii_ieq(const char *a, const char *b, size_t n);

/* Copies s into dst (cap bytes incl. NUL); OTA_ERR_NO_MEM if it won't fit. */
int ota_copy_str(char *dst, size_t cap, const char *s, size_t n);

#endif

/* Small text helpers of the modem driver: building commands and reason
 * texts into fixed buffers, and reading the numbers of response lines,
 * without the C library's formatted I/O (too large for a microcontroller). */
#ifndef OTA_MODEM_TEXT_H
#define OTA_MODEM_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* Appends to buf[0..cap), always NUL-terminated; `clipped` records that
 * something did not fit. */
struct modem_text {
    char *buf;
    size_t cap;
    size_t len;
    int clipped;
};

void modem_text_start(struct modem_text *t, char *buf, size_t cap);
void modem_text_add(struct modem_text *t, const char *s);
void modem_text_addn(struct modem_text *t, const char *s, size_t n);
void modem_text_add_u64(struct modem_text *t, uint64_t v);
void modem_text_add_int(struct modem_text *t, long v);

/* 1 when line[0..len) starts with prefix. */
int modem_starts_with(const char *line, size_t len, const char *prefix);

/* Reads a decimal number at *pos (after spaces), moves *pos past it.
 * 0, or -1 when there are no digits or it overflows. */
int modem_parse_u64(const char *s, size_t len, size_t *pos, uint64_t *out);

/* The length of a data block announced as "<PREFIX> <n>" or "<PREFIX>
 * DATA,<n>" (prefix_len: the bytes of "+HTTPREAD:"...): 0, or -1 when the
 * line says no length. */
int modem_block_length(const char *line, size_t len, size_t prefix_len, uint64_t *n);

/* Moves *pos past spaces, then past `c` when it is there: 1 if it was. */
int modem_skip_char(const char *s, size_t len, size_t *pos, char c);

/* 1 when s can travel inside a quoted AT string parameter: printable ASCII
 * without '"' (a modem has no escape for it). */
int modem_quotable(const char *s);

#endif

/* Streaming JSON tokenizer (push parser).
 *
 * The document arrives in chunks of any size, split anywhere; every complete
 * token is handed to a callback. Memory is this struct plus one caller-provided
 * scratch buffer for the current string or number, so a 20,000-entry GitHub
 * tree parses in the same few hundred bytes as a 10-entry one. Strings longer
 * than the scratch buffer are delivered truncated (flagged), so a consumer can
 * skip fields it does not care about and refuse the ones it does.
 *
 * Strict RFC 8259: one root value, valid UTF-8 only (no overlongs, no encoded
 * or lone surrogates), no control characters in strings, the JSON number
 * grammar exactly, at most OTA_JSON_MAX_DEPTH nested containers. */
#ifndef OTA_CORE_JSON_H
#define OTA_CORE_JSON_H

#include <stddef.h>
#include <stdint.h>

#define OTA_JSON_MAX_DEPTH 32

enum ota_json_type {
    OTA_JSON_OBJECT_BEGIN,
    OTA_JSON_OBJECT_END,
    OTA_JSON_ARRAY_BEGIN,
    OTA_JSON_ARRAY_END,
    OTA_JSON_KEY,    /* an object member name; its value follows */
    OTA_JSON_STRING, /* text is unescaped UTF-8 */
    OTA_JSON_NUMBER, /* text is the literal as written, validated */
    OTA_JSON_TRUE,
    OTA_JSON_FALSE,
    OTA_JSON_NULL
};

struct ota_json_token {
    enum ota_json_type type;
    const char *text; /* KEY/STRING/NUMBER: NUL-terminated; else "" */
    size_t len;       /* bytes in text (may contain NUL from \u0000) */
    int truncated;    /* 1 when the value did not fit the scratch buffer:
                         text is then its first buf_size-1 bytes or fewer,
                         cut back to a whole UTF-8 character */
    unsigned depth;   /* nesting depth of the token; the root value is 0,
                         members of the root object are 1 */
    unsigned long line; /* 1-based line where the token ends */
};

/* Return 0 to continue, or a negative ota_err to stop parsing with it. */
typedef int (*ota_json_cb)(void *arg, const struct ota_json_token *tok);

struct ota_json {
    ota_json_cb cb;
    void *arg;
    char *buf;          /* caller-provided scratch */
    size_t buf_size;
    size_t len;         /* bytes held in buf */
    int truncated;
    uint8_t stack[OTA_JSON_MAX_DEPTH / 8]; /* 1 bit per level: object or array */
    unsigned depth;
    unsigned long line; /* current line, 1-based: where an error was found */
    uint8_t state;      /* lexer state */
    uint8_t expect;     /* grammar state */
    uint8_t lit_pos;    /* position inside true/false/null */
    uint8_t utf8_need;  /* continuation bytes still expected */
    uint8_t utf8_lead;  /* lead byte, to reject overlongs and surrogates */
    uint8_t esc_digits; /* hex digits read of a \u escape */
    uint16_t esc_value; /* \u escape being read */
    uint16_t high_surrogate;
    uint8_t is_key;     /* the string being read is a member name */
    uint8_t literal;    /* which of true/false/null is being read */
    int done;           /* root value complete */
    int error;          /* sticky error code */
};

void ota_json_init(struct ota_json *j, char *buf, size_t buf_size,
                   ota_json_cb cb, void *arg);

/* Feed the next chunk. Returns 0 or a negative ota_err; errors are sticky. */
int ota_json_feed(struct ota_json *j, const uint8_t *data, size_t len);

/* Call at end of input: it ends a root number, which has no closing byte.
 * OTA_ERR_JSON_INCOMPLETE unless exactly one complete value (plus white space)
 * was seen. A cut-off valid document always gets that code, never
 * OTA_ERR_JSON_SYNTAX, so a short download is told from a malformed one. */
int ota_json_finish(struct ota_json *j);

#endif

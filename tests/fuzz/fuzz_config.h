/* Shared by the configuration reader targets (fuzz_config_json.c,
 * fuzz_config_yaml.c, fuzz_config_toml.c): each hands its input to one
 * reader of src/cli/config_reader.h, as the loader (config.c) does, and
 * checks the token stream the loader would get and how the reader ends.
 *
 * Checked on every input:
 * - the stream is one the engine's JSON tokenizer could produce: containers
 *   balance and each end matches its beginning, object members alternate
 *   name and value, a token's depth is its nesting level, never more than
 *   OTA_JSON_MAX_DEPTH (or the format's own limit) containers are open, and
 *   there is at most one root value;
 * - a name, string or number carries text NUL-terminated at len, shorter
 *   than CONFIG_VALUE_MAX (flagged truncated only when the cut fell within
 *   the last character that fits); names and strings are valid UTF-8, and
 *   a number is exactly a JSON number; every other token carries "" and 0;
 * - every line, of a token or of a message, is between 1 and the number of
 *   lines the document has;
 * - the reader returns 0 after a complete stream, or OTA_ERR_CONFIG with a
 *   message "line N: <why>" NUL-terminated within the caller's buffer,
 *   nothing written past that buffer, and no token after the error;
 * - with a smaller message buffer the message is the same one, cut short,
 *   still terminated within the buffer;
 * - when the loader stops the reader (its callback returns an error) at any
 *   token, the reader returns exactly that error, writes no message of its
 *   own and hands over nothing more, and the tokens before the stop are
 *   those of the full run (the readers are deterministic).
 * AddressSanitizer, UBSan and LeakSanitizer watch the rest: the input is
 * copied to a buffer of exactly its size, not NUL-terminated, as the loader
 * passes a file's bytes. */
#ifndef OTA_FUZZ_CONFIG_H
#define OTA_FUZZ_CONFIG_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config_reader.h"
#include "fuzz_check.h"
#include "json.h"

/* The size of the loader's message buffer (struct config's error). */
#define FUZZ_CONFIG_ERROR_CAP 512
/* Guard bytes after the message buffer: a reader must not touch them. */
#define FUZZ_CONFIG_CANARY 16
/* What the loader returns to stop a reader: a code no reader makes itself. */
#define FUZZ_CONFIG_STOP OTA_ERR_ABORTED

struct fuzz_config_stream;

struct fuzz_config_format {
    int (*read)(struct config_reader *r, const char *data, size_t len);
    /* An upper bound of the lines data has, as the reader counts them. */
    unsigned long (*lines)(const uint8_t *data, size_t size);
    unsigned max_open;      /* containers open at once, at most */
    int root_optional;      /* an empty document has no root value at all */
    /* Checks of this format's own, on each token (may be NULL). */
    void (*check_token)(const struct fuzz_config_stream *s, const struct ota_json_token *t);
};

struct fuzz_config_token {
    enum ota_json_type type;
    unsigned depth;
    unsigned long line;
    size_t len;
    int truncated;
    uint64_t digest; /* of the text */
};

struct fuzz_config_stream {
    const struct fuzz_config_format *fmt;
    unsigned long max_line;
    unsigned open;                                 /* containers open */
    unsigned char is_object[OTA_JSON_MAX_DEPTH];   /* per open container */
    unsigned char want_name[OTA_JSON_MAX_DEPTH];   /* objects: a name comes next */
    size_t roots;                                  /* root values complete */
    struct fuzz_config_token *tok;                 /* what was handed over */
    size_t ntok, cap;
    const struct fuzz_config_token *expect;        /* replay: the full run's */
    size_t nexpect;
    size_t stop_at;                                /* 1-based token to stop at; 0 never */
    int stopped;
};

static inline uint64_t fuzz_config_digest(const char *s, size_t n)
{
    uint64_t h = 14695981039346656037u;
    size_t i;

    for (i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 1099511628211u;
    return h;
}

/* Lines by '\n' alone (the JSON tokenizer, the TOML reader). */
static inline unsigned long fuzz_config_newlines(const uint8_t *data, size_t size)
{
    unsigned long n = 1;
    size_t i;

    for (i = 0; i < size; i++)
        n += data[i] == '\n';
    return n;
}

static inline int fuzz_config_has_text(enum ota_json_type type)
{
    return type == OTA_JSON_KEY || type == OTA_JSON_STRING || type == OTA_JSON_NUMBER;
}

static void fuzz_config_check_text(const struct ota_json_token *t)
{
    if (!fuzz_config_has_text(t->type)) {
        FUZZ_CHECK(t->text && t->text[0] == '\0' && t->len == 0 && !t->truncated);
        return;
    }
    FUZZ_CHECK(t->text && t->len < CONFIG_VALUE_MAX && t->text[t->len] == '\0');
    /* a cut value fills the limit but for a character that did not fit */
    FUZZ_CHECK(!t->truncated || t->len + 4 >= CONFIG_VALUE_MAX);
    if (t->type != OTA_JSON_NUMBER) {
        FUZZ_CHECK(fuzz_utf8_valid(t->text, t->len));
    } else if (!t->truncated) {
        /* the JSON grammar, by the core tokenizer, with nothing around it */
        FUZZ_CHECK(t->len > 0 && (t->text[0] == '-' || (t->text[0] >= '0' && t->text[0] <= '9')));
        FUZZ_CHECK(t->text[t->len - 1] >= '0' && t->text[t->len - 1] <= '9');
        FUZZ_CHECK(fuzz_json_valid(t->text, t->len));
    }
}

/* A value (not a name) has been completed at the current level. */
static void fuzz_config_value_done(struct fuzz_config_stream *s)
{
    if (s->open == 0)
        s->roots++;
    else if (s->is_object[s->open - 1])
        s->want_name[s->open - 1] = 1;
}

static void fuzz_config_check_grammar(struct fuzz_config_stream *s, const struct ota_json_token *t)
{
    unsigned top = s->open - 1; /* meaningful when open > 0 */

    switch (t->type) {
    case OTA_JSON_OBJECT_END:
    case OTA_JSON_ARRAY_END:
        FUZZ_CHECK(s->open > 0 && s->is_object[top] == (t->type == OTA_JSON_OBJECT_END));
        FUZZ_CHECK(!s->is_object[top] || s->want_name[top]); /* no name left without value */
        s->open--;
        FUZZ_CHECK(t->depth == s->open);
        fuzz_config_value_done(s);
        return;
    case OTA_JSON_KEY:
        FUZZ_CHECK(s->open > 0 && s->is_object[top] && s->want_name[top]);
        FUZZ_CHECK(t->depth == s->open);
        s->want_name[top] = 0;
        return;
    default:
        FUZZ_CHECK(t->depth == s->open);
        FUZZ_CHECK(s->open > 0 || s->roots == 0);          /* one root value */
        FUZZ_CHECK(s->open == 0 || !s->is_object[top] || !s->want_name[top]);
        if (t->type == OTA_JSON_OBJECT_BEGIN || t->type == OTA_JSON_ARRAY_BEGIN) {
            FUZZ_CHECK(s->open < OTA_JSON_MAX_DEPTH && s->open < s->fmt->max_open);
            s->is_object[s->open] = t->type == OTA_JSON_OBJECT_BEGIN;
            s->want_name[s->open] = 1;
            s->open++;
        } else {
            fuzz_config_value_done(s);
        }
    }
}

static int fuzz_config_on_token(void *arg, const struct ota_json_token *t)
{
    struct fuzz_config_stream *s = arg;
    struct fuzz_config_token rec;

    FUZZ_CHECK(!s->stopped); /* nothing after the loader said stop */
    FUZZ_CHECK((unsigned)t->type <= OTA_JSON_NULL);
    FUZZ_CHECK(t->depth <= OTA_JSON_MAX_DEPTH);
    FUZZ_CHECK(t->line >= 1 && t->line <= s->max_line);
    fuzz_config_check_text(t);
    fuzz_config_check_grammar(s, t);
    if (s->fmt->check_token)
        s->fmt->check_token(s, t);

    memset(&rec, 0, sizeof rec); /* padding too: records compare with memcmp */
    rec.type = t->type;
    rec.depth = t->depth;
    rec.line = t->line;
    rec.len = t->len;
    rec.truncated = t->truncated;
    rec.digest = fuzz_config_has_text(t->type) ? fuzz_config_digest(t->text, t->len) : 0;
    if (s->expect) {
        FUZZ_CHECK(s->ntok < s->nexpect);
        FUZZ_CHECK(memcmp(&s->expect[s->ntok], &rec, sizeof rec) == 0);
    }
    if (s->ntok == s->cap) {
        s->cap = s->cap * 2 + 64;
        s->tok = realloc(s->tok, s->cap * sizeof *s->tok);
        FUZZ_CHECK(s->tok != NULL);
    }
    s->tok[s->ntok++] = rec;
    if (s->stop_at && s->ntok == s->stop_at) {
        s->stopped = 1;
        return FUZZ_CONFIG_STOP;
    }
    return 0;
}

/* "line N: <something>", N within the document. */
static void fuzz_config_check_message(const char *msg, unsigned long max_line)
{
    unsigned long n = 0;
    size_t i = 5;

    FUZZ_CHECK(strncmp(msg, "line ", 5) == 0);
    FUZZ_CHECK(msg[i] >= '1' && msg[i] <= '9');
    for (; msg[i] >= '0' && msg[i] <= '9' && n <= max_line; i++)
        n = n * 10 + (unsigned long)(msg[i] - '0');
    FUZZ_CHECK(n >= 1 && n <= max_line);
    FUZZ_CHECK(msg[i] == ':' && msg[i + 1] == ' ' && msg[i + 2] != '\0');
}

/* One read of text with a message buffer of cap bytes (canaries after it). */
static int fuzz_config_read(struct fuzz_config_stream *s, const char *text, size_t size,
                            char *error, size_t cap)
{
    struct config_reader r;
    size_t i;
    int err;

    memset(error, 0xA5, cap + FUZZ_CONFIG_CANARY);
    error[0] = '\0'; /* as the loader hands it over */
    r.cb = fuzz_config_on_token;
    r.arg = s;
    r.error = error;
    r.error_cap = cap;
    err = s->fmt->read(&r, text, size);
    FUZZ_CHECK(err <= 0 && fuzz_known_err(err));
    for (i = 0; i < FUZZ_CONFIG_CANARY; i++)
        FUZZ_CHECK((uint8_t)error[cap + i] == 0xA5);
    FUZZ_CHECK(memchr(error, '\0', cap) != NULL);
    return err;
}

static void fuzz_config_reset(struct fuzz_config_stream *s)
{
    s->open = 0;
    s->roots = 0;
    s->ntok = 0;
    s->stopped = 0;
}

/* Runs fmt's reader on data as described at the top of this file; returns
 * what the reader returned for the whole document. */
static int fuzz_config_run(const struct fuzz_config_format *fmt, const uint8_t *data, size_t size)
{
    static char error[FUZZ_CONFIG_ERROR_CAP + FUZZ_CONFIG_CANARY];
    static char small[FUZZ_CONFIG_ERROR_CAP + FUZZ_CONFIG_CANARY];
    struct fuzz_config_stream full, stop;
    char *text = malloc(size ? size : 1);
    uint64_t h = fuzz_config_digest((const char *)data, size);
    size_t cap, n;
    const char *why;
    int err, result;

    FUZZ_CHECK(text != NULL);
    if (size)
        memcpy(text, data, size);
    memset(&full, 0, sizeof full);
    full.fmt = fmt;
    full.max_line = fmt->lines(data, size);

    /* the whole document, with the loader's message buffer */
    err = result = fuzz_config_read(&full, text, size, error, FUZZ_CONFIG_ERROR_CAP);
    if (err == OTA_OK) {
        FUZZ_CHECK(error[0] == '\0');
        FUZZ_CHECK(full.open == 0);
        FUZZ_CHECK(full.roots == 1 || (fmt->root_optional && full.roots == 0));
    } else {
        FUZZ_CHECK(err == OTA_ERR_CONFIG);
        fuzz_config_check_message(error, full.max_line);

        /* again with a buffer that may not hold it: the same message, cut
         * (without its "line N: " when that alone does not fit) */
        cap = 1 + (size_t)(h % 48);
        stop = full;
        stop.tok = NULL;
        stop.cap = 0;
        fuzz_config_reset(&stop);
        FUZZ_CHECK(fuzz_config_read(&stop, text, size, small, cap) == err);
        n = strlen(small);
        why = strstr(error, ": ") + 2;
        FUZZ_CHECK(n < cap);
        FUZZ_CHECK(strncmp(small, error, n) == 0 || strncmp(small, why, n) == 0);
        free(stop.tok);
    }

    /* stopped by the loader at one of the tokens the full run handed over */
    if (full.ntok > 0) {
        memset(&stop, 0, sizeof stop);
        stop.fmt = fmt;
        stop.max_line = full.max_line;
        stop.expect = full.tok;
        stop.nexpect = full.ntok;
        stop.stop_at = 1 + (size_t)(h % full.ntok);
        err = fuzz_config_read(&stop, text, size, error, FUZZ_CONFIG_ERROR_CAP);
        FUZZ_CHECK(stop.stopped && stop.ntok == stop.stop_at);
        FUZZ_CHECK(err == FUZZ_CONFIG_STOP);
        FUZZ_CHECK(error[0] == '\0');
        free(stop.tok);
    }
    free(full.tok);
    free(text);
    return result;
}

#endif

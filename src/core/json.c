/* Streaming JSON tokenizer: a byte-at-a-time state machine, so a chunk may
 * end anywhere, even inside an escape or a UTF-8 sequence. Strict RFC 8259. */
#include "json.h"

#include <string.h>

#include "hex.h"
#include "ota/ota_err.h"

enum lexer {
    LX_NONE,      /* between tokens */
    LX_STRING,
    LX_ESC,       /* after a backslash */
    LX_UHEX,      /* reading the 4 hex digits of \u */
    LX_LIT,       /* true / false / null */
    LX_NUM_MINUS, /* number states, named after what was read last */
    LX_NUM_ZERO,
    LX_NUM_INT,
    LX_NUM_DOT,
    LX_NUM_FRAC,
    LX_NUM_E,
    LX_NUM_ESIGN,
    LX_NUM_EXP
};

enum grammar {
    EXP_VALUE,
    EXP_VALUE_OR_END, /* just after '[' */
    EXP_KEY_OR_END,   /* just after '{' */
    EXP_KEY,
    EXP_COLON,
    EXP_COMMA_OR_END,
    EXP_DONE
};

static const char *const literals[3] = {"true", "false", "null"};
static const enum ota_json_type literal_types[3] = {OTA_JSON_TRUE, OTA_JSON_FALSE,
                                                    OTA_JSON_NULL};

void ota_json_init(struct ota_json *j, char *buf, size_t buf_size, ota_json_cb cb, void *arg)
{
    memset(j, 0, sizeof *j);
    j->cb = cb;
    j->arg = arg;
    j->buf = buf;
    j->buf_size = buf_size;
    j->line = 1;
    j->state = LX_NONE;
    j->expect = EXP_VALUE;
    if (buf && buf_size)
        buf[0] = '\0';
}

static int fail(struct ota_json *j, int err)
{
    j->error = err;
    return err;
}

static void append(struct ota_json *j, uint8_t c)
{
    if (j->buf && j->len + 1 < j->buf_size)
        j->buf[j->len++] = (char)c;
    else
        j->truncated = 1;
}

/* Bytes in the UTF-8 sequence that a (validated) lead byte starts. */
static size_t utf8_seq_len(uint8_t lead)
{
    return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}

/* Truncation may cut a multi-byte character in two; dropping its partial
 * bytes keeps truncated text valid UTF-8 for whoever prints or compares it.
 * Everything in buf was validated (or produced by \u), so leads are sound. */
static size_t utf8_boundary(const char *s, size_t len)
{
    size_t lead = len;
    uint8_t c;

    while (lead > 0 && len - lead < 4) {
        c = (uint8_t)s[--lead];
        if ((c & 0xC0) != 0x80)
            return lead + utf8_seq_len(c) > len ? lead : len;
    }
    return len;
}

static int emit(struct ota_json *j, enum ota_json_type type, int with_text)
{
    struct ota_json_token t;
    int r;

    t.type = type;
    t.text = "";
    t.len = 0;
    t.truncated = 0;
    if (with_text && j->buf && j->buf_size) {
        if (j->truncated)
            j->len = utf8_boundary(j->buf, j->len);
        j->buf[j->len] = '\0';
        t.text = j->buf;
        t.len = j->len;
        t.truncated = j->truncated;
    } else if (with_text) {
        t.truncated = j->truncated;
    }
    t.depth = j->depth;
    t.line = j->line;
    j->len = 0;
    j->truncated = 0;
    r = j->cb ? j->cb(j->arg, &t) : 0;
    return r < 0 ? fail(j, r) : 0;
}

static int top_is_object(const struct ota_json *j)
{
    unsigned d = j->depth - 1;

    return (j->stack[d / 8] >> (d % 8)) & 1;
}

static void value_done(struct ota_json *j)
{
    if (j->depth == 0) {
        j->expect = EXP_DONE;
        j->done = 1;
    } else {
        j->expect = EXP_COMMA_OR_END;
    }
}

static int open_container(struct ota_json *j, int is_object)
{
    unsigned d = j->depth;
    int err;

    if (d >= OTA_JSON_MAX_DEPTH)
        return fail(j, OTA_ERR_JSON_DEPTH);
    err = emit(j, is_object ? OTA_JSON_OBJECT_BEGIN : OTA_JSON_ARRAY_BEGIN, 0);
    if (err)
        return err;
    if (is_object)
        j->stack[d / 8] = (uint8_t)(j->stack[d / 8] | (1u << (d % 8)));
    else
        j->stack[d / 8] = (uint8_t)(j->stack[d / 8] & ~(1u << (d % 8)));
    j->depth++;
    j->expect = is_object ? EXP_KEY_OR_END : EXP_VALUE_OR_END;
    return 0;
}

static int close_container(struct ota_json *j, int is_object)
{
    if (j->depth == 0 || top_is_object(j) != is_object)
        return fail(j, OTA_ERR_JSON_SYNTAX);
    j->depth--;
    value_done(j);
    return emit(j, is_object ? OTA_JSON_OBJECT_END : OTA_JSON_ARRAY_END, 0);
}

static int start_value(struct ota_json *j, uint8_t c)
{
    if (c == '{' || c == '[')
        return open_container(j, c == '{');
    if (c == '"') {
        j->state = LX_STRING;
        j->is_key = 0;
        return 0;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        append(j, c);
        j->state = c == '-' ? LX_NUM_MINUS : c == '0' ? LX_NUM_ZERO : LX_NUM_INT;
        return 0;
    }
    for (j->literal = 0; j->literal < 3; j->literal++) {
        if (c == (uint8_t)literals[j->literal][0]) {
            j->state = LX_LIT;
            j->lit_pos = 1;
            return 0;
        }
    }
    return fail(j, OTA_ERR_JSON_SYNTAX);
}

/* A byte between tokens: structure, or the start of a value. */
static int structural(struct ota_json *j, uint8_t c)
{
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        j->line += c == '\n';
        return 0;
    }
    switch (j->expect) {
    case EXP_COLON:
        if (c != ':')
            break;
        j->expect = EXP_VALUE;
        return 0;
    case EXP_COMMA_OR_END:
        if (c == ',') {
            j->expect = top_is_object(j) ? EXP_KEY : EXP_VALUE;
            return 0;
        }
        if (c == ']' || c == '}')
            return close_container(j, c == '}');
        break;
    case EXP_KEY_OR_END:
        if (c == '}')
            return close_container(j, 1);
        /* fall through */
    case EXP_KEY:
        if (c != '"')
            break;
        j->state = LX_STRING;
        j->is_key = 1;
        return 0;
    case EXP_VALUE_OR_END:
        if (c == ']')
            return close_container(j, 0);
        return start_value(j, c);
    case EXP_VALUE:
        return start_value(j, c);
    default:
        break;
    }
    return fail(j, OTA_ERR_JSON_SYNTAX);
}

static void append_utf8(struct ota_json *j, uint32_t cp)
{
    if (cp < 0x80) {
        append(j, (uint8_t)cp);
    } else if (cp < 0x800) {
        append(j, (uint8_t)(0xC0 | (cp >> 6)));
        append(j, (uint8_t)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        append(j, (uint8_t)(0xE0 | (cp >> 12)));
        append(j, (uint8_t)(0x80 | ((cp >> 6) & 0x3F)));
        append(j, (uint8_t)(0x80 | (cp & 0x3F)));
    } else {
        append(j, (uint8_t)(0xF0 | (cp >> 18)));
        append(j, (uint8_t)(0x80 | ((cp >> 12) & 0x3F)));
        append(j, (uint8_t)(0x80 | ((cp >> 6) & 0x3F)));
        append(j, (uint8_t)(0x80 | (cp & 0x3F)));
    }
}

static int end_string(struct ota_json *j)
{
    j->state = LX_NONE;
    if (j->is_key) {
        j->expect = EXP_COLON;
        return emit(j, OTA_JSON_KEY, 1);
    }
    value_done(j);
    return emit(j, OTA_JSON_STRING, 1);
}

/* The first continuation byte after some lead bytes has a narrower range:
 * that is what rules out overlong forms, surrogates and > U+10FFFF. */
static int continuation_ok(struct ota_json *j, uint8_t c)
{
    uint8_t lo = 0x80, hi = 0xBF;

    switch (j->utf8_lead) {
    case 0xE0: lo = 0xA0; break;
    case 0xED: hi = 0x9F; break;
    case 0xF0: lo = 0x90; break;
    case 0xF4: hi = 0x8F; break;
    default: break;
    }
    j->utf8_lead = 0;
    return c >= lo && c <= hi;
}

static int string_byte(struct ota_json *j, uint8_t c)
{
    if (j->utf8_need) {
        if (!continuation_ok(j, c))
            return fail(j, OTA_ERR_JSON_UTF8);
        j->utf8_need--;
        append(j, c);
        return 0;
    }
    if (j->high_surrogate && c != '\\')
        return fail(j, OTA_ERR_JSON_UTF8);
    if (c == '"')
        return end_string(j);
    if (c == '\\') {
        j->state = LX_ESC;
        return 0;
    }
    if (c < 0x20)
        return fail(j, OTA_ERR_JSON_SYNTAX);
    if (c >= 0x80) {
        if (c >= 0xC2 && c <= 0xDF)
            j->utf8_need = 1;
        else if (c >= 0xE0 && c <= 0xEF)
            j->utf8_need = 2;
        else if (c >= 0xF0 && c <= 0xF4)
            j->utf8_need = 3;
        else
            return fail(j, OTA_ERR_JSON_UTF8);
        j->utf8_lead = c;
    }
    append(j, c);
    return 0;
}

static int escape_byte(struct ota_json *j, uint8_t c)
{
    static const char from[] = "\"\\/bfnrt";
    static const char to[] = "\"\\/\b\f\n\r\t";
    const char *hit = c ? strchr(from, c) : NULL;

    if (j->high_surrogate && c != 'u')
        return fail(j, OTA_ERR_JSON_UTF8);
    if (c == 'u') {
        j->state = LX_UHEX;
        j->esc_digits = 0;
        j->esc_value = 0;
        return 0;
    }
    if (!hit)
        return fail(j, OTA_ERR_JSON_SYNTAX);
    append(j, (uint8_t)to[hit - from]);
    j->state = LX_STRING;
    return 0;
}

static int uhex_byte(struct ota_json *j, uint8_t c)
{
    int v = ota_hex_value((char)c);
    uint32_t cp;

    if (v < 0)
        return fail(j, OTA_ERR_JSON_SYNTAX);
    j->esc_value = (uint16_t)(((unsigned)j->esc_value << 4) | (unsigned)v);
    if (++j->esc_digits < 4)
        return 0;
    j->state = LX_STRING;
    cp = j->esc_value;
    if (j->high_surrogate) {
        if (cp < 0xDC00 || cp > 0xDFFF)
            return fail(j, OTA_ERR_JSON_UTF8);
        cp = 0x10000 + (((uint32_t)j->high_surrogate - 0xD800) << 10) + (cp - 0xDC00);
        j->high_surrogate = 0;
    } else if (cp >= 0xD800 && cp <= 0xDBFF) {
        j->high_surrogate = (uint16_t)cp;
        return 0;
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        return fail(j, OTA_ERR_JSON_UTF8);
    }
    append_utf8(j, cp);
    return 0;
}

static int literal_byte(struct ota_json *j, uint8_t c)
{
    const char *lit = literals[j->literal];

    if (c != (uint8_t)lit[j->lit_pos])
        return fail(j, OTA_ERR_JSON_SYNTAX);
    if (lit[++j->lit_pos] != '\0')
        return 0;
    j->state = LX_NONE;
    value_done(j);
    return emit(j, literal_types[j->literal], 0);
}

/* Next number state after c, or LX_NONE when c cannot continue it. */
static uint8_t number_next(uint8_t state, uint8_t c)
{
    int digit = c >= '0' && c <= '9';

    switch (state) {
    case LX_NUM_MINUS:
        return c == '0' ? LX_NUM_ZERO : digit ? LX_NUM_INT : LX_NONE;
    case LX_NUM_INT:
        if (digit)
            return LX_NUM_INT;
        /* fall through */
    case LX_NUM_ZERO:
        return c == '.' ? LX_NUM_DOT : (c == 'e' || c == 'E') ? LX_NUM_E : LX_NONE;
    case LX_NUM_DOT:
        return digit ? LX_NUM_FRAC : LX_NONE;
    case LX_NUM_FRAC:
        return digit ? LX_NUM_FRAC : (c == 'e' || c == 'E') ? LX_NUM_E : LX_NONE;
    case LX_NUM_E:
        return digit ? LX_NUM_EXP : (c == '+' || c == '-') ? LX_NUM_ESIGN : LX_NONE;
    case LX_NUM_ESIGN:
    case LX_NUM_EXP:
        return digit ? LX_NUM_EXP : LX_NONE;
    default:
        return LX_NONE;
    }
}

/* Whether a number may end in this state: not after '-', '.', 'e' or a sign. */
static int number_complete(uint8_t state)
{
    return state == LX_NUM_ZERO || state == LX_NUM_INT || state == LX_NUM_FRAC ||
           state == LX_NUM_EXP;
}

static int end_number(struct ota_json *j)
{
    if (!number_complete(j->state))
        return fail(j, OTA_ERR_JSON_SYNTAX);
    j->state = LX_NONE;
    value_done(j);
    return emit(j, OTA_JSON_NUMBER, 1);
}

static int number_byte(struct ota_json *j, uint8_t c)
{
    uint8_t next = number_next(j->state, c);
    int err;

    if (next != LX_NONE) {
        j->state = next;
        append(j, c);
        return 0;
    }
    /* a digit after a leading zero is a syntax error, not a new token */
    if (j->state == LX_NUM_ZERO && c >= '0' && c <= '9')
        return fail(j, OTA_ERR_JSON_SYNTAX);
    err = end_number(j);
    return err ? err : structural(j, c);
}

static int byte(struct ota_json *j, uint8_t c)
{
    switch (j->state) {
    case LX_NONE: return structural(j, c);
    case LX_STRING: return string_byte(j, c);
    case LX_ESC: return escape_byte(j, c);
    case LX_UHEX: return uhex_byte(j, c);
    case LX_LIT: return literal_byte(j, c);
    default: return number_byte(j, c);
    }
}

int ota_json_feed(struct ota_json *j, const uint8_t *data, size_t len)
{
    size_t i;
    int err;

    if (j->error)
        return j->error;
    for (i = 0; i < len; i++) {
        err = byte(j, data[i]);
        if (err)
            return j->error ? j->error : fail(j, err);
    }
    return 0;
}

int ota_json_finish(struct ota_json *j)
{
    int err;

    if (j->error)
        return j->error;
    /* A root number has no closing byte: only the end of input ends it. An
     * unfinished one ("1.", "-") falls through: the input stopped early, like
     * any other proper prefix of a valid document. */
    if (number_complete(j->state)) {
        err = end_number(j);
        if (err)
            return err;
    }
    if (j->state != LX_NONE || !j->done)
        return fail(j, OTA_ERR_JSON_INCOMPLETE);
    return 0;
}

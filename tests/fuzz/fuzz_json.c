/* Fuzz target: the streaming JSON tokenizer.
 *
 * The input is parsed whole with a buffer big enough for any token: that run
 * is the reference, and its text is checked against independent oracles
 * (strings are valid UTF-8, numbers follow the JSON grammar). Then it is
 * parsed again split in three chunks at offsets the first bytes choose, and
 * byte by byte, with a roomy and a tiny scratch buffer. Every run must give
 * the same outcome and the same tokens (type, depth, line); with the roomy
 * buffer the same text, with the tiny one a flagged prefix of it that never
 * overruns the buffer. A cut-off accepted document must be INCOMPLETE. */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "ota/ota_err.h"

#define MAX_INPUT 65536

struct ref_token {
    enum ota_json_type type;
    unsigned depth;
    unsigned long line;
    size_t len, off; /* text is ref.text[off .. off+len) */
};

/* Fuzz harness state, not core code: statics keep 64 KiB arrays off the stack. */
static struct {
    struct ref_token tok[MAX_INPUT + 1];
    char text[MAX_INPUT + 1];
    size_t ntok, ntext;
} ref;

struct run {
    size_t buf_size;
    size_t next; /* index of the reference token expected next */
};

/* Valid UTF-8 (NUL allowed: it comes from \u0000), decoded the slow way. */
static int utf8_ok(const unsigned char *s, size_t n)
{
    size_t i = 0, k, need;
    unsigned long cp, min;

    while (i < n) {
        unsigned char c = s[i++];
        if (c < 0x80)
            continue;
        if ((c & 0xE0) == 0xC0) { need = 1; cp = c & 0x1Fu; min = 0x80; }
        else if ((c & 0xF0) == 0xE0) { need = 2; cp = c & 0x0Fu; min = 0x800; }
        else if ((c & 0xF8) == 0xF0) { need = 3; cp = c & 0x07u; min = 0x10000; }
        else return 0;
        for (k = 0; k < need; k++, i++) {
            if (i >= n || (s[i] & 0xC0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i] & 0x3Fu);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
    }
    return 1;
}

static size_t digits(const char *s, size_t i, size_t n)
{
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    return i;
}

/* -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static int number_ok(const char *s, size_t n)
{
    size_t i = 0, j;

    if (i < n && s[i] == '-')
        i++;
    if (i < n && s[i] == '0')
        i++;
    else if ((j = digits(s, i, n)) > i)
        i = j;
    else
        return 0;
    if (i < n && s[i] == '.') {
        if ((j = digits(s, i + 1, n)) == i + 1)
            return 0;
        i = j;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if ((j = digits(s, i, n)) == i)
            return 0;
        i = j;
    }
    return i == n;
}

static int has_text(enum ota_json_type t)
{
    return t == OTA_JSON_KEY || t == OTA_JSON_STRING || t == OTA_JSON_NUMBER;
}

static int record(void *arg, const struct ota_json_token *t)
{
    struct ref_token *r = &ref.tok[ref.ntok++];

    (void)arg;
    if (t->truncated || t->text[t->len] != '\0' || (!has_text(t->type) && t->len))
        abort();
    if ((t->type == OTA_JSON_STRING || t->type == OTA_JSON_KEY) &&
        !utf8_ok((const unsigned char *)t->text, t->len))
        abort();
    if (t->type == OTA_JSON_NUMBER && !number_ok(t->text, t->len))
        abort();
    r->type = t->type;
    r->depth = t->depth;
    r->line = t->line;
    r->len = t->len;
    r->off = ref.ntext;
    memcpy(ref.text + ref.ntext, t->text, t->len);
    ref.ntext += t->len;
    return 0;
}

/* Same token as the reference; text equal, or a flagged prefix that fits. */
static int compare(void *arg, const struct ota_json_token *t)
{
    struct run *run = arg;
    const struct ref_token *r;

    if (run->next >= ref.ntok)
        abort();
    r = &ref.tok[run->next++];
    if (t->type != r->type || t->depth != r->depth || t->line != r->line)
        abort();
    if (t->len >= run->buf_size || t->len > r->len || t->text[t->len] != '\0' ||
        memcmp(t->text, ref.text + r->off, t->len) != 0)
        abort();
    if (t->truncated != (r->len >= run->buf_size) || (!t->truncated && t->len != r->len))
        abort();
    if (t->truncated && !utf8_ok((const unsigned char *)t->text, t->len))
        abort();
    return 0;
}

static int feed_cuts(struct ota_json *j, const uint8_t *data, size_t size, size_t cut1,
                     size_t cut2)
{
    int err = ota_json_feed(j, data, cut1);

    if (err == 0)
        err = ota_json_feed(j, data + cut1, cut2 - cut1);
    if (err == 0)
        err = ota_json_feed(j, data + cut2, size - cut2);
    return err ? err : ota_json_finish(j);
}

static int feed_bytes(struct ota_json *j, const uint8_t *data, size_t size)
{
    size_t i;
    int err = 0;

    for (i = 0; i < size && err == 0; i++)
        err = ota_json_feed(j, data + i, 1);
    return err ? err : ota_json_finish(j);
}

/* One checked run; bytewise or at cut1/cut2. Returns the outcome. */
static int check_run(const uint8_t *data, size_t size, size_t cut1, size_t cut2, int bytewise,
                     char *buf, size_t buf_size)
{
    struct run run = {buf_size, 0};
    struct ota_json j;
    int err;

    ota_json_init(&j, buf, buf_size, compare, &run);
    err = bytewise ? feed_bytes(&j, data, size) : feed_cuts(&j, data, size, cut1, cut2);
    if (run.next != ref.ntok)
        abort();
    return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char big[MAX_INPUT + 1];
    char tiny[4];
    struct ota_json j;
    size_t cut1, cut2;
    int want;

    if (size > MAX_INPUT)
        return 0;
    cut1 = size >= 2 ? ((size_t)data[0] << 8 | data[1]) % (size + 1) : 0;
    cut2 = size >= 4 ? cut1 + ((size_t)data[2] << 8 | data[3]) % (size - cut1 + 1) : cut1;

    ref.ntok = ref.ntext = 0;
    ota_json_init(&j, big, sizeof big, record, NULL);
    want = feed_cuts(&j, data, size, size, size);

    if (check_run(data, size, cut1, cut2, 0, big, sizeof big) != want ||
        check_run(data, size, cut1, cut2, 0, tiny, sizeof tiny) != want ||
        check_run(data, size, 0, 0, 1, tiny, sizeof tiny) != want ||
        check_run(data, size, 0, 0, 1, big, sizeof big) != want)
        abort();

    /* an accepted document cut short must read as incomplete, not malformed */
    if (want == 0 && size > 0) {
        ota_json_init(&j, tiny, sizeof tiny, NULL, NULL);
        want = feed_cuts(&j, data, size - 1, cut1 % size, cut1 % size);
        if (want != 0 && want != OTA_ERR_JSON_INCOMPLETE)
            abort();
    }
    return 0;
}

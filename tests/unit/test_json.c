/* The streaming JSON tokenizer: token streams, strictness, and above all that
 * a document split anywhere across chunks gives exactly the same result. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "ota/ota_err.h"
#include "test.h"

/* A document with its length, so test documents may hold NUL bytes. */
#define DOC(s) s, sizeof(s) - 1

/* Tokens recorded compactly: "{ k:a s:b [ n:1 t f z ] }"; a truncated
 * string or number is marked with "~", a NUL inside as "\0". Depth and line
 * of every token go to meta, so split runs are compared on those too. */
struct recorder {
    char out[4096];
    size_t len;
    char meta[4096];
    size_t meta_len;
    int abort_at;   /* > 0: fail with abort_code at this token */
    int abort_code;
    int count;      /* tokens delivered */
};

static void put(struct recorder *r, const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n && r->len + 3 < sizeof r->out; i++) {
        if (s[i] == '\0') {
            r->out[r->len++] = '\\';
            r->out[r->len++] = '0';
        } else {
            r->out[r->len++] = s[i];
        }
    }
    r->out[r->len] = '\0';
}

static void put_meta(struct recorder *r, const struct ota_json_token *t)
{
    int n;

    if (r->meta_len + 32 >= sizeof r->meta)
        return;
    n = snprintf(r->meta + r->meta_len, sizeof r->meta - r->meta_len, "%u.%lu ", t->depth,
                 t->line);
    r->meta_len += (size_t)n;
}

static int record(void *arg, const struct ota_json_token *t)
{
    static const char *const names[] = {"{", "}", "[", "]", "k:", "s:", "n:", "t", "f", "z"};
    struct recorder *r = arg;

    if (r->abort_at && r->count + 1 == r->abort_at)
        return r->abort_code;
    r->count++;
    if (r->len)
        put(r, " ", 1);
    put(r, names[t->type], strlen(names[t->type]));
    put(r, t->text, t->len);
    if (t->truncated)
        put(r, "~", 1);
    put_meta(r, t);
    return 0;
}

/* Feeds doc in the chunks given by cuts (sorted offsets), then finishes. */
static int parse_cuts(const char *doc, size_t len, const size_t *cuts, size_t ncuts,
                      size_t scratch_size, struct recorder *r)
{
    char scratch[512];
    struct ota_json j;
    size_t prev = 0, i;
    int err = 0;

    memset(r, 0, sizeof *r);
    ota_json_init(&j, scratch, scratch_size, record, r);
    for (i = 0; i <= ncuts && err == 0; i++) {
        size_t end = i < ncuts ? cuts[i] : len;
        err = ota_json_feed(&j, (const uint8_t *)doc + prev, end - prev);
        prev = end;
    }
    return err ? err : ota_json_finish(&j);
}

static int parse_len(const char *doc, size_t len, struct recorder *r)
{
    return parse_cuts(doc, len, NULL, 0, 64, r);
}

static int parse(const char *doc, struct recorder *r)
{
    return parse_len(doc, strlen(doc), r);
}

static int same(int got, const struct recorder *a, int want, const struct recorder *b)
{
    return got == want && strcmp(a->out, b->out) == 0 && strcmp(a->meta, b->meta) == 0;
}

/* One byte per chunk, then every 2-way and (short docs) every 3-way split. */
static int split_mismatches(const char *doc, size_t len, size_t scratch)
{
    static struct recorder whole, part; /* big: keep them off the stack */
    size_t a, b, cuts[256];
    int want = parse_cuts(doc, len, NULL, 0, scratch, &whole), bad = 0;

    for (a = 0; a < len; a++)
        cuts[a] = a + 1;
    bad += !same(parse_cuts(doc, len, cuts, len, scratch, &part), &part, want, &whole);
    for (a = 0; a <= len; a++) {
        cuts[0] = a;
        bad += !same(parse_cuts(doc, len, cuts, 1, scratch, &part), &part, want, &whole);
        for (b = a; len <= 48 && b <= len; b++) {
            cuts[1] = b;
            bad += !same(parse_cuts(doc, len, cuts, 2, scratch, &part), &part, want, &whole);
        }
    }
    return bad;
}

/* Whole, byte by byte, 2- and 3-way splits, with a roomy and a tiny scratch
 * buffer: every way must agree with the whole-document result. */
static void check_splits(const char *doc, size_t len)
{
    int bad;

    CHECK(len < 256);
    if (len >= 256)
        return;
    bad = split_mismatches(doc, len, 64) + split_mismatches(doc, len, 5);
    if (bad)
        fprintf(stderr, "split mismatch for %s\n", doc);
    CHECK_EQ_INT(bad, 0);
}

/* A cut-off document is INCOMPLETE (or, cut after a root value, valid),
 * never a syntax error: a short download must not look like a bad server. */
static void check_prefixes(const char *doc, size_t len)
{
    struct recorder r;
    size_t k;
    int err, bad = 0;

    for (k = 0; k < len; k++) {
        err = parse_len(doc, k, &r);
        bad += err != 0 && err != OTA_ERR_JSON_INCOMPLETE;
    }
    if (bad)
        fprintf(stderr, "prefix of %s is not INCOMPLETE\n", doc);
    CHECK_EQ_INT(bad, 0);
}

static const struct {
    const char *doc;
    size_t len;
    const char *tokens;
} valid[] = {
    {DOC("{}"), "{ }"},
    {DOC("[]"), "[ ]"},
    {DOC(" \t\r\n[ ] \n"), "[ ]"},
    {DOC("0"), "n:0"},
    {DOC("-0"), "n:-0"},
    {DOC("123"), "n:123"},
    {DOC("12 \n"), "n:12"},
    {DOC("-12.5e+3"), "n:-12.5e+3"},
    {DOC("1E9"), "n:1E9"},
    {DOC("0e5"), "n:0e5"},
    {DOC("1e-0"), "n:1e-0"},
    {DOC("-0.0E+00"), "n:-0.0E+00"},
    {DOC("0.000"), "n:0.000"},
    {DOC("true"), "t"},
    {DOC("false"), "f"},
    {DOC(" null "), "z"},
    {DOC("\"\""), "s:"},
    {DOC("\"a\\\"b\\\\c\\/d\""), "s:a\"b\\c/d"},
    {DOC("\"\\u0041\\u00e9\\u20AC\""), "s:A\xc3\xa9\xe2\x82\xac"},
    {DOC("\"\\ud83d\\ude00\""), "s:\xf0\x9f\x98\x80"},
    {DOC("\"\\uD83D\\uDE00\""), "s:\xf0\x9f\x98\x80"},
    {DOC("\"\\udbff\\udfff\""), "s:\xf4\x8f\xbf\xbf"},
    {DOC("\"\\ud7ff\\ue000\\uffff\""), "s:\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf"},
    {DOC("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\""), "s:\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"},
    /* the edges of each UTF-8 length, and of the surrogate gap */
    {DOC("\"\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf\""),
     "s:\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf"},
    {DOC("\"\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\""), "s:\xf0\x90\x80\x80\xf4\x8f\xbf\xbf"},
    {DOC("\"del\x7f\""), "s:del\x7f"},
    {DOC("\"a\\u0000b\""), "s:a\\0b"},
    {DOC("\"\\u001f\""), "s:\x1f"},
    {DOC("{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}"),
     "{ k:a n:1 k:b [ t f z ] k:c { k:d s:e } }"},
    {DOC("{\"k\\\"\\u00e9\" : \"v\" }"), "{ k:k\"\xc3\xa9 s:v }"},
    {DOC("[1,[2,[3]],{}]"), "[ n:1 [ n:2 [ n:3 ] ] { } ]"},
    {DOC("[[],[[]],{},{\"a\":{}}]"), "[ [ ] [ [ ] ] { } { k:a { } } ]"},
    {DOC("[-1,0,1.5,2e-2,3E+4]"), "[ n:-1 n:0 n:1.5 n:2e-2 n:3E+4 ]"},
    {DOC("[0 ,1\n,\t2]"), "[ n:0 n:1 n:2 ]"},
    {DOC("{\"\":\"\"}"), "{ k: s: }"},
    {DOC("[\"tab\\tnl\\nff\\fbs\\bcr\\r\"]"), "[ s:tab\tnl\nff\fbs\bcr\r ]"},
    {DOC("{\"a\":{\"b\":{\"c\":[null]}}}"), "{ k:a { k:b { k:c [ z ] } } }"},
};

static const struct {
    const char *doc;
    size_t len;
    int err;
} invalid[] = {
    /* cut off: valid so far */
    {DOC(""), OTA_ERR_JSON_INCOMPLETE},
    {DOC("   "), OTA_ERR_JSON_INCOMPLETE},
    {DOC("{"), OTA_ERR_JSON_INCOMPLETE},
    {DOC("[1,"), OTA_ERR_JSON_INCOMPLETE},
    {DOC("[1"), OTA_ERR_JSON_INCOMPLETE},
    {DOC("{\"a\""), OTA_ERR_JSON_INCOMPLETE},
    {DOC("{\"a\":"), OTA_ERR_JSON_INCOMPLETE},
    {DOC("{\"a\":[{\"b\":"), OTA_ERR_JSON_INCOMPLETE},
    {DOC("\"abc"), OTA_ERR_JSON_INCOMPLETE},
    {DOC("\"\\"), OTA_ERR_JSON_INCOMPLETE},
    {DOC("tru"), OTA_ERR_JSON_INCOMPLETE},
    {DOC("nul"), OTA_ERR_JSON_INCOMPLETE},
    {DOC("\"\\u12"), OTA_ERR_JSON_INCOMPLETE},
    {DOC("\"\\ud83d"), OTA_ERR_JSON_INCOMPLETE},
    {DOC("\"\\ud83d\\ude0"), OTA_ERR_JSON_INCOMPLETE},
    {DOC("\"\xf0\x9f\x98"), OTA_ERR_JSON_INCOMPLETE},
    {DOC("-"), OTA_ERR_JSON_INCOMPLETE},
    {DOC("1."), OTA_ERR_JSON_INCOMPLETE},
    {DOC("1e"), OTA_ERR_JSON_INCOMPLETE},
    {DOC("1e+"), OTA_ERR_JSON_INCOMPLETE},
    {DOC("[-0."), OTA_ERR_JSON_INCOMPLETE},
    /* structure */
    {DOC("{}}"), OTA_ERR_JSON_SYNTAX},
    {DOC("[]]"), OTA_ERR_JSON_SYNTAX},
    {DOC("]"), OTA_ERR_JSON_SYNTAX},
    {DOC(","), OTA_ERR_JSON_SYNTAX},
    {DOC("{} {}"), OTA_ERR_JSON_SYNTAX},
    {DOC("1 2"), OTA_ERR_JSON_SYNTAX},
    {DOC("\"a\"\"b\""), OTA_ERR_JSON_SYNTAX},
    {DOC("true false"), OTA_ERR_JSON_SYNTAX},
    {DOC("[1 2]"), OTA_ERR_JSON_SYNTAX},
    {DOC("[1,]"), OTA_ERR_JSON_SYNTAX},
    {DOC("[,1]"), OTA_ERR_JSON_SYNTAX},
    {DOC("[,]"), OTA_ERR_JSON_SYNTAX},
    {DOC("{,}"), OTA_ERR_JSON_SYNTAX},
    {DOC("[1:2]"), OTA_ERR_JSON_SYNTAX},
    {DOC("{\"a\" 1}"), OTA_ERR_JSON_SYNTAX},
    {DOC("{\"a\"}"), OTA_ERR_JSON_SYNTAX},
    {DOC("{\"a\"::1}"), OTA_ERR_JSON_SYNTAX},
    {DOC("{\"a\":1 \"b\":2}"), OTA_ERR_JSON_SYNTAX},
    {DOC("{\"a\":1,}"), OTA_ERR_JSON_SYNTAX},
    {DOC("{a:1}"), OTA_ERR_JSON_SYNTAX},
    {DOC("{1:1}"), OTA_ERR_JSON_SYNTAX},
    {DOC("['a']"), OTA_ERR_JSON_SYNTAX},
    {DOC("[}"), OTA_ERR_JSON_SYNTAX},
    {DOC("{]"), OTA_ERR_JSON_SYNTAX},
    {DOC("\xef\xbb\xbf{}"), OTA_ERR_JSON_SYNTAX}, /* no byte order mark */
    {DOC("/* c */ {}"), OTA_ERR_JSON_SYNTAX},
    {DOC("\f[]"), OTA_ERR_JSON_SYNTAX},            /* not JSON white space */
    {DOC("{\"a\":1}x"), OTA_ERR_JSON_SYNTAX},
    {DOC("[1]\n,"), OTA_ERR_JSON_SYNTAX},
    {DOC("{}\0"), OTA_ERR_JSON_SYNTAX},
    /* numbers */
    {DOC("01"), OTA_ERR_JSON_SYNTAX},
    {DOC("00"), OTA_ERR_JSON_SYNTAX},
    {DOC("-01"), OTA_ERR_JSON_SYNTAX},
    {DOC("[01]"), OTA_ERR_JSON_SYNTAX},
    {DOC("+1"), OTA_ERR_JSON_SYNTAX},
    {DOC(".5"), OTA_ERR_JSON_SYNTAX},
    {DOC("-.5"), OTA_ERR_JSON_SYNTAX},
    {DOC("[1.]"), OTA_ERR_JSON_SYNTAX},
    {DOC("1.e3"), OTA_ERR_JSON_SYNTAX},
    {DOC("[1e]"), OTA_ERR_JSON_SYNTAX},
    {DOC("[1e+]"), OTA_ERR_JSON_SYNTAX},
    {DOC("1ee5"), OTA_ERR_JSON_SYNTAX},
    {DOC("1e5.0"), OTA_ERR_JSON_SYNTAX},
    {DOC("1.5.2"), OTA_ERR_JSON_SYNTAX},
    {DOC("[-]"), OTA_ERR_JSON_SYNTAX},
    {DOC("--1"), OTA_ERR_JSON_SYNTAX},
    {DOC("-a"), OTA_ERR_JSON_SYNTAX},
    {DOC("0x10"), OTA_ERR_JSON_SYNTAX},
    {DOC("NaN"), OTA_ERR_JSON_SYNTAX},
    {DOC("-Infinity"), OTA_ERR_JSON_SYNTAX},
    /* literals */
    {DOC("True"), OTA_ERR_JSON_SYNTAX},
    {DOC("nulL"), OTA_ERR_JSON_SYNTAX},
    {DOC("truex"), OTA_ERR_JSON_SYNTAX},
    {DOC("nulll"), OTA_ERR_JSON_SYNTAX},
    {DOC("[fals]"), OTA_ERR_JSON_SYNTAX},
    /* strings */
    {DOC("\"a\nb\""), OTA_ERR_JSON_SYNTAX},
    {DOC("\"a\tb\""), OTA_ERR_JSON_SYNTAX},
    {DOC("\"\x01\""), OTA_ERR_JSON_SYNTAX},
    {DOC("\"\x1f\""), OTA_ERR_JSON_SYNTAX},
    {DOC("\"a\0b\""), OTA_ERR_JSON_SYNTAX},
    {DOC("\"\\x\""), OTA_ERR_JSON_SYNTAX},
    {DOC("\"\\a\""), OTA_ERR_JSON_SYNTAX},
    {DOC("\"\\'\""), OTA_ERR_JSON_SYNTAX},
    {DOC("\"\\\0\""), OTA_ERR_JSON_SYNTAX},
    {DOC("\"\\u12g4\""), OTA_ERR_JSON_SYNTAX},
    {DOC("\"\\u00\""), OTA_ERR_JSON_SYNTAX},
    {DOC("\"\\U0041\""), OTA_ERR_JSON_SYNTAX},
    /* lone surrogates */
    {DOC("\"\\ud800\""), OTA_ERR_JSON_UTF8},
    {DOC("\"\\udc00\""), OTA_ERR_JSON_UTF8},
    {DOC("\"\\udfff\\ud800\""), OTA_ERR_JSON_UTF8},
    {DOC("\"\\ud800\\u0041\""), OTA_ERR_JSON_UTF8},
    {DOC("\"\\ud800\\ud800\""), OTA_ERR_JSON_UTF8},
    {DOC("\"\\ud800x\""), OTA_ERR_JSON_UTF8},
    {DOC("\"\\ud800\\n\""), OTA_ERR_JSON_UTF8},
    /* invalid UTF-8: stray continuations, bad leads */
    {DOC("\"\x80\""), OTA_ERR_JSON_UTF8},
    {DOC("\"\xbf\""), OTA_ERR_JSON_UTF8},
    {DOC("\"\xf5\x80\x80\x80\""), OTA_ERR_JSON_UTF8},
    {DOC("\"\xf8\x88\x80\x80\x80\""), OTA_ERR_JSON_UTF8},
    {DOC("\"\xfe\""), OTA_ERR_JSON_UTF8},
    {DOC("\"\xff\""), OTA_ERR_JSON_UTF8},
    /* overlong forms */
    {DOC("\"\xc0\xaf\""), OTA_ERR_JSON_UTF8},
    {DOC("\"\xc1\xbf\""), OTA_ERR_JSON_UTF8},
    {DOC("\"\xe0\x80\xaf\""), OTA_ERR_JSON_UTF8},
    {DOC("\"\xe0\x9f\xbf\""), OTA_ERR_JSON_UTF8},
    {DOC("\"\xf0\x80\x80\xaf\""), OTA_ERR_JSON_UTF8},
    {DOC("\"\xf0\x8f\xbf\xbf\""), OTA_ERR_JSON_UTF8},
    /* surrogates encoded in UTF-8, and beyond U+10FFFF */
    {DOC("\"\xed\xa0\x80\""), OTA_ERR_JSON_UTF8},
    {DOC("\"\xed\xbf\xbf\""), OTA_ERR_JSON_UTF8},
    {DOC("\"\xf4\x90\x80\x80\""), OTA_ERR_JSON_UTF8},
    {DOC("\"\xf7\xbf\xbf\xbf\""), OTA_ERR_JSON_UTF8},
    /* sequences cut short or with a bad continuation */
    {DOC("\"\xc3\""), OTA_ERR_JSON_UTF8},
    {DOC("\"\xe2\x82\""), OTA_ERR_JSON_UTF8},
    {DOC("\"\xf0\x9f\x98\""), OTA_ERR_JSON_UTF8},
    {DOC("\"\xc3\x41\""), OTA_ERR_JSON_UTF8},
    {DOC("\"\xe2\x28\xa1\""), OTA_ERR_JSON_UTF8},
    {DOC("\"\xe2\x82\xc0\""), OTA_ERR_JSON_UTF8},
    {DOC("\"\xc3\xc3\xa9\""), OTA_ERR_JSON_UTF8},
    {DOC("{\"\xff\":1}"), OTA_ERR_JSON_UTF8},
    /* outside strings, any non-ASCII byte is simply not JSON */
    {DOC("\xc3\xa9"), OTA_ERR_JSON_SYNTAX},
};

static void test_valid(void)
{
    struct recorder r;
    size_t i;

    for (i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        CHECK_EQ_INT(parse_len(valid[i].doc, valid[i].len, &r), 0);
        CHECK_EQ_STR(r.out, valid[i].tokens);
        check_splits(valid[i].doc, valid[i].len);
        check_prefixes(valid[i].doc, valid[i].len);
    }
}

static void test_invalid(void)
{
    struct recorder r;
    size_t i;
    int err;

    CHECK(sizeof invalid / sizeof invalid[0] >= 40);
    for (i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        err = parse_len(invalid[i].doc, invalid[i].len, &r);
        if (err != invalid[i].err)
            fprintf(stderr, "invalid[%zu] %s: got %d\n", i, invalid[i].doc, err);
        CHECK_EQ_INT(err, invalid[i].err);
        check_splits(invalid[i].doc, invalid[i].len);
        if (invalid[i].err == OTA_ERR_JSON_INCOMPLETE)
            check_prefixes(invalid[i].doc, invalid[i].len);
    }
}

/* levels nested containers: arrays "[[1]]", or objects {"a":{"a":1}}. */
static size_t nest(char *doc, int levels, int objects)
{
    size_t n = 0;
    int i;

    for (i = 0; i < levels; i++) {
        memcpy(doc + n, objects ? "{\"a\":" : "[", objects ? 5 : 1);
        n += objects ? 5 : 1;
    }
    doc[n++] = '1';
    for (i = 0; i < levels; i++)
        doc[n++] = objects ? '}' : ']';
    doc[n] = '\0';
    return n;
}

/* The deepest token seen, to check where depth counting puts the innermost. */
static int deepest_cb(void *arg, const struct ota_json_token *t)
{
    unsigned *deepest = arg;

    if (t->depth > *deepest)
        *deepest = t->depth;
    return 0;
}

static void test_depth(void)
{
    char doc[256];
    struct recorder r;
    struct ota_json j;
    unsigned deepest = 0;
    size_t len;
    int objects;

    for (objects = 0; objects <= 1; objects++) {
        len = nest(doc, OTA_JSON_MAX_DEPTH, objects);
        CHECK_EQ_INT(parse_len(doc, len, &r), 0);
        check_splits(doc, len);
        len = nest(doc, OTA_JSON_MAX_DEPTH + 1, objects);
        CHECK_EQ_INT(parse_len(doc, len, &r), OTA_ERR_JSON_DEPTH);
        check_splits(doc, len);
    }
    /* the error comes at the 33rd opener, before the document could end */
    memset(doc, '[', 200);
    CHECK_EQ_INT(parse_len(doc, 200, &r), OTA_ERR_JSON_DEPTH);
    CHECK_EQ_INT(parse_len(doc, OTA_JSON_MAX_DEPTH, &r), OTA_ERR_JSON_INCOMPLETE);

    /* 32 containers: the innermost value sits at depth 32 */
    len = nest(doc, OTA_JSON_MAX_DEPTH, 0);
    ota_json_init(&j, NULL, 0, deepest_cb, &deepest);
    CHECK_EQ_INT(ota_json_feed(&j, (const uint8_t *)doc, len), 0);
    CHECK_EQ_INT(ota_json_finish(&j), 0);
    CHECK_EQ_INT(deepest, OTA_JSON_MAX_DEPTH);
}

static void test_depth_and_lines(void)
{
    static const char doc[] = "{\"a\":\n[1,\n{\"b\":2}]\n}";
    struct recorder r;

    CHECK_EQ_INT(parse(doc, &r), 0);
    /* { a [ 1 { b 2 } ] }: containers at their parent's depth, members below */
    CHECK_EQ_STR(r.meta, "0.1 1.1 1.2 2.2 2.3 3.3 3.3 2.3 1.3 0.4 ");

    /* a number ended by a newline ends on its own line; CRLF counts once */
    CHECK_EQ_INT(parse("\r\n[\r\n7\r\n,\"x\"]\n", &r), 0);
    CHECK_EQ_STR(r.meta, "0.2 1.3 1.4 0.4 ");
    CHECK_EQ_INT(parse("\n\n42\n\n", &r), 0);
    CHECK_EQ_STR(r.meta, "0.3 ");
}

static void test_error_line(void)
{
    static const char doc[] = "{\n\"a\": 1,\n\"b\": tru e\n}";
    struct ota_json j;

    ota_json_init(&j, NULL, 0, NULL, NULL);
    CHECK_EQ_INT(ota_json_feed(&j, (const uint8_t *)doc, sizeof doc - 1), OTA_ERR_JSON_SYNTAX);
    CHECK_EQ_INT(j.line, 3);
}

static void test_truncation(void)
{
    static const char doc[] = "[\"abcdefghijklmnop\",12345678901234567890,\"ok\"]";
    struct recorder r;
    size_t cuts[1] = {9};

    CHECK_EQ_INT(parse_cuts(doc, sizeof doc - 1, cuts, 1, 8, &r), 0);
    CHECK_EQ_STR(r.out, "[ s:abcdefg~ n:1234567~ s:ok ]");
    /* exactly filling the buffer is not truncation; one byte more is */
    CHECK_EQ_INT(parse_cuts(DOC("[\"abcdefg\",\"abcdefgh\"]"), NULL, 0, 8, &r), 0);
    CHECK_EQ_STR(r.out, "[ s:abcdefg s:abcdefg~ ]");
    /* keys too */
    CHECK_EQ_INT(parse_cuts(DOC("{\"a_long_key\":\"v\"}"), NULL, 0, 6, &r), 0);
    CHECK_EQ_STR(r.out, "{ k:a_lon~ s:v }");
    /* no room at all: every text token is empty, flagged when it had text */
    CHECK_EQ_INT(parse_cuts(doc, sizeof doc - 1, NULL, 0, 0, &r), 0);
    CHECK_EQ_STR(r.out, "[ s:~ n:~ s:~ ]");
    CHECK_EQ_INT(parse_cuts(DOC("[\"\",\"x\"]"), NULL, 0, 1, &r), 0);
    CHECK_EQ_STR(r.out, "[ s: s:~ ]");
}

/* Truncated text is cut back to a whole character, raw or from \u. */
static void test_truncation_utf8(void)
{
    struct recorder r;

    /* é€ is c3 a9 e2 82 ac: 3 bytes of room must not keep half the euro */
    CHECK_EQ_INT(parse_cuts(DOC("\"\xc3\xa9\xe2\x82\xac\""), NULL, 0, 4, &r), 0);
    CHECK_EQ_STR(r.out, "s:\xc3\xa9~");
    CHECK_EQ_INT(parse_cuts(DOC("\"\xc3\xa9\xe2\x82\xac\""), NULL, 0, 5, &r), 0);
    CHECK_EQ_STR(r.out, "s:\xc3\xa9~");
    CHECK_EQ_INT(parse_cuts(DOC("\"\xc3\xa9\xe2\x82\xac\""), NULL, 0, 6, &r), 0);
    CHECK_EQ_STR(r.out, "s:\xc3\xa9\xe2\x82\xac");
    CHECK_EQ_INT(parse_cuts(DOC("\"\\u20ac\\ud83d\\ude00\""), NULL, 0, 7, &r), 0);
    CHECK_EQ_STR(r.out, "s:\xe2\x82\xac~");
    CHECK_EQ_INT(parse_cuts(DOC("\"x\\ud83d\\ude00\""), NULL, 0, 2, &r), 0);
    CHECK_EQ_STR(r.out, "s:x~");
    CHECK_EQ_INT(parse_cuts(DOC("\"\xf0\x9f\x98\x80\""), NULL, 0, 4, &r), 0);
    CHECK_EQ_STR(r.out, "s:~");
}

/* \u0000 is a character like any other: len counts it, text keeps it. */
static int nul_cb(void *arg, const struct ota_json_token *t)
{
    int *ok = arg;

    if (t->type == OTA_JSON_KEY)
        *ok += t->len == 1 && t->text[0] == '\0';
    if (t->type == OTA_JSON_STRING)
        *ok += t->len == 3 && memcmp(t->text, "a\0b", 4) == 0 && !t->truncated;
    return 0;
}

static void test_nul_escape(void)
{
    static const char doc[] = "{\"\\u0000\":\"a\\u0000b\"}";
    struct ota_json j;
    char scratch[8];
    int ok = 0;

    ota_json_init(&j, scratch, sizeof scratch, nul_cb, &ok);
    CHECK_EQ_INT(ota_json_feed(&j, (const uint8_t *)doc, sizeof doc - 1), 0);
    CHECK_EQ_INT(ota_json_finish(&j), 0);
    CHECK_EQ_INT(ok, 2);
}

static void test_callback_abort(void)
{
    struct recorder r;
    struct ota_json j;
    char scratch[32];

    memset(&r, 0, sizeof r);
    r.abort_at = 3;
    r.abort_code = OTA_ERR_ABORTED;
    ota_json_init(&j, scratch, sizeof scratch, record, &r);
    CHECK_EQ_INT(ota_json_feed(&j, (const uint8_t *)"[1,2,3]", 7), OTA_ERR_ABORTED);
    CHECK_EQ_INT(ota_json_feed(&j, (const uint8_t *)"", 0), OTA_ERR_ABORTED); /* sticky */
    CHECK_EQ_INT(ota_json_feed(&j, (const uint8_t *)"4", 1), OTA_ERR_ABORTED);
    CHECK_EQ_INT(ota_json_finish(&j), OTA_ERR_ABORTED);
    CHECK_EQ_STR(r.out, "[ n:1");
    CHECK_EQ_INT(r.count, 2);

    /* any negative code comes back unchanged, also from finish() when it is
     * what delivers a root number */
    memset(&r, 0, sizeof r);
    r.abort_at = 1;
    r.abort_code = -1234;
    ota_json_init(&j, scratch, sizeof scratch, record, &r);
    CHECK_EQ_INT(ota_json_feed(&j, (const uint8_t *)"42", 2), 0);
    CHECK_EQ_INT(ota_json_finish(&j), -1234);
    CHECK_EQ_INT(ota_json_finish(&j), -1234);
    CHECK_EQ_INT(r.count, 0);
}

static void test_sticky_error(void)
{
    struct recorder r;
    struct ota_json j;
    char scratch[32];

    memset(&r, 0, sizeof r);
    ota_json_init(&j, scratch, sizeof scratch, record, &r);
    CHECK_EQ_INT(ota_json_feed(&j, (const uint8_t *)"[1,]", 4), OTA_ERR_JSON_SYNTAX);
    CHECK_EQ_INT(ota_json_feed(&j, (const uint8_t *)"2]", 2), OTA_ERR_JSON_SYNTAX);
    CHECK_EQ_INT(ota_json_finish(&j), OTA_ERR_JSON_SYNTAX);
    CHECK_EQ_STR(r.out, "[ n:1");

    /* an INCOMPLETE finish is sticky too, and init starts afresh */
    ota_json_init(&j, scratch, sizeof scratch, record, &r);
    CHECK_EQ_INT(ota_json_feed(&j, (const uint8_t *)"[", 1), 0);
    CHECK_EQ_INT(ota_json_finish(&j), OTA_ERR_JSON_INCOMPLETE);
    CHECK_EQ_INT(ota_json_feed(&j, (const uint8_t *)"]", 1), OTA_ERR_JSON_INCOMPLETE);
    memset(&r, 0, sizeof r);
    ota_json_init(&j, scratch, sizeof scratch, record, &r);
    CHECK_EQ_INT(ota_json_feed(&j, (const uint8_t *)"[]", 2), 0);
    CHECK_EQ_INT(ota_json_finish(&j), 0);
    CHECK_EQ_STR(r.out, "[ ]");
}

/* No callback and no scratch: a pure validator. */
static void test_validate_only(void)
{
    static const char doc[] = "{\"a\":[1,\"two\",{\"x\":null}]}";
    struct ota_json j;

    ota_json_init(&j, NULL, 0, NULL, NULL);
    CHECK_EQ_INT(ota_json_feed(&j, (const uint8_t *)doc, sizeof doc - 1), 0);
    CHECK_EQ_INT(ota_json_finish(&j), 0);
}

/* A GitHub tree of 20,000 entries through a 256-byte scratch buffer. */
struct tree_count {
    unsigned long entries, paths_ok, shas_ok, size_sum;
    int field; /* 'p'ath, 's'ha, 'z' size, 't'runcated, or 0 */
    int truncated_false;
};

static void tree_value(struct tree_count *c, const struct ota_json_token *t)
{
    if (c->field == 'p' && t->type == OTA_JSON_STRING)
        c->paths_ok += !t->truncated && strncmp(t->text, "dir", 3) == 0;
    else if (c->field == 's' && t->type == OTA_JSON_STRING)
        c->shas_ok += !t->truncated && t->len == 40;
    else if (c->field == 'z' && t->type == OTA_JSON_NUMBER)
        c->size_sum += strtoul(t->text, NULL, 10);
    else if (c->field == 't')
        c->truncated_false = t->type == OTA_JSON_FALSE;
    c->field = 0;
}

static int count_tree(void *arg, const struct ota_json_token *t)
{
    struct tree_count *c = arg;

    if (t->type == OTA_JSON_KEY && t->depth == 3)
        c->field = !strcmp(t->text, "path")  ? 'p'
                   : !strcmp(t->text, "sha") ? 's'
                   : !strcmp(t->text, "size") ? 'z' : 0;
    else if (t->type == OTA_JSON_KEY && t->depth == 1)
        c->field = !strcmp(t->text, "truncated") ? 't' : 0;
    else if (t->type == OTA_JSON_OBJECT_END && t->depth == 2)
        c->entries++;
    else if (c->field)
        tree_value(c, t);
    return 0;
}

static size_t make_tree(char *doc, int n)
{
    size_t len = 0;
    int i;

    len += (size_t)sprintf(doc + len, "{\"sha\":\"%040d\",\"url\":\"https://api.github.com/x\","
                                      "\"tree\":[", 0);
    for (i = 0; i < n; i++)
        len += (size_t)sprintf(doc + len,
                               "%s{\"path\":\"dir%02d/file%05d.py\",\"mode\":\"100644\","
                               "\"type\":\"blob\",\"sha\":\"%040d\",\"size\":%d,"
                               "\"url\":\"https://api.github.com/repos/o/r/git/blobs/%d\"}",
                               i ? "," : "", i % 50, i, i, i * 7, i);
    len += (size_t)sprintf(doc + len, "],\"truncated\":false}");
    return len;
}

static void test_big_tree(void)
{
    enum { N = 20000 };
    char *doc = malloc((size_t)N * 220 + 256);
    char scratch[256];
    struct tree_count c;
    struct ota_json j;
    size_t len = make_tree(doc, N), off, n;
    unsigned rng = 1;
    int err = 0;

    memset(&c, 0, sizeof c);
    ota_json_init(&j, scratch, sizeof scratch, count_tree, &c);
    for (off = 0; off < len && err == 0; off += n) {
        rng = rng * 1103515245u + 12345u;
        n = 900 + (rng >> 16) % 200; /* about 1000 bytes, never aligned to entries */
        n = len - off < n ? len - off : n;
        err = ota_json_feed(&j, (const uint8_t *)doc + off, n);
    }
    CHECK_EQ_INT(err, 0);
    CHECK_EQ_INT(ota_json_finish(&j), 0);
    CHECK_EQ_INT(c.entries, N);
    CHECK_EQ_INT(c.paths_ok, N);
    CHECK_EQ_INT(c.shas_ok, N);
    CHECK_EQ_INT(c.size_sum, 7UL * N * (N - 1) / 2);
    CHECK_EQ_INT(c.truncated_false, 1);
    printf("tokenizer state: %zu bytes + 256-byte scratch for a %zu-byte, %d-entry tree\n",
           sizeof(struct ota_json), len, N);
    CHECK(sizeof(struct ota_json) <= 96);
    free(doc);
}

int main(void)
{
    test_valid();
    test_invalid();
    test_depth();
    test_depth_and_lines();
    test_error_line();
    test_truncation();
    test_truncation_utf8();
    test_nul_escape();
    test_callback_abort();
    test_sticky_error();
    test_validate_only();
    test_big_tree();
    TEST_MAIN_END();
}

/* The streaming JSON tokenizer: token streams, strictness, and above all that
 * a document split anywhere across chunks gives exactly the same result. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "ota/ota_err.h"
#include "test.h"

/* Tokens recorded compactly: "{ k:a s:b [ n:1 t f z ] }"; a truncated
 * string or number is marked with "~", a NUL inside as "\0". */
struct recorder {
    char out[4096];
    size_t len;
    int abort_at; /* > 0: fail with OTA_ERR_ABORTED at this token */
    int count;
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

static int record(void *arg, const struct ota_json_token *t)
{
    static const char *const names[] = {"{", "}", "[", "]", "k:", "s:", "n:", "t", "f", "z"};
    struct recorder *r = arg;

    if (r->abort_at && ++r->count == r->abort_at)
        return OTA_ERR_ABORTED;
    if (r->len)
        put(r, " ", 1);
    put(r, names[t->type], strlen(names[t->type]));
    put(r, t->text, t->len);
    if (t->truncated)
        put(r, "~", 1);
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

static int parse(const char *doc, struct recorder *r)
{
    return parse_cuts(doc, strlen(doc), NULL, 0, 64, r);
}

/* Whole, byte by byte, every 2-way and (short docs) every 3-way split: all
 * must agree with the whole-document result. */
static void check_splits(const char *doc)
{
    size_t len = strlen(doc), a, b, cuts[512];
    struct recorder whole, part;
    int want = parse(doc, &whole), got, mismatches = 0;

    for (a = 0; a < len && a < 512; a++)
        cuts[a] = a + 1;
    got = parse_cuts(doc, len, cuts, len < 512 ? len : 511, 64, &part);
    mismatches += got != want || strcmp(part.out, whole.out) != 0;
    for (a = 0; a <= len; a++) {
        cuts[0] = a;
        got = parse_cuts(doc, len, cuts, 1, 64, &part);
        mismatches += got != want || strcmp(part.out, whole.out) != 0;
        for (b = a; len <= 48 && b <= len; b++) {
            cuts[1] = b;
            got = parse_cuts(doc, len, cuts, 2, 64, &part);
            mismatches += got != want || strcmp(part.out, whole.out) != 0;
        }
    }
    if (mismatches)
        fprintf(stderr, "split mismatch for %s\n", doc);
    CHECK_EQ_INT(mismatches, 0);
}

static const struct {
    const char *doc;
    const char *tokens;
} valid[] = {
    {"{}", "{ }"},
    {"[]", "[ ]"},
    {" \t\r\n[ ] \n", "[ ]"},
    {"0", "n:0"},
    {"-0", "n:-0"},
    {"123", "n:123"},
    {"-12.5e+3", "n:-12.5e+3"},
    {"1E9", "n:1E9"},
    {"0.000", "n:0.000"},
    {"true", "t"},
    {"null", "z"},
    {"\"\"", "s:"},
    {"\"a\\\"b\\\\c\\/d\"", "s:a\"b\\c/d"},
    {"\"\\u00e9\\u20ac\"", "s:\xc3\xa9\xe2\x82\xac"},
    {"\"\\ud83d\\ude00\"", "s:\xf0\x9f\x98\x80"},
    {"\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"", "s:\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"},
    {"\"a\\u0000b\"", "s:a\\0b"},
    {"{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}",
     "{ k:a n:1 k:b [ t f z ] k:c { k:d s:e } }"},
    {"[1,[2,[3]],{}]", "[ n:1 [ n:2 [ n:3 ] ] { } ]"},
    {"[-1,0,1.5,2e-2]", "[ n:-1 n:0 n:1.5 n:2e-2 ]"},
    {"{\"\":\"\"}", "{ k: s: }"},
    {"[\"tab\\tnl\\nff\\fbs\\bcr\\r\"]", "[ s:tab\tnl\nff\fbs\bcr\r ]"},
};

static const struct {
    const char *doc;
    int err;
} invalid[] = {
    {"", OTA_ERR_JSON_INCOMPLETE},
    {"   ", OTA_ERR_JSON_INCOMPLETE},
    {"{", OTA_ERR_JSON_INCOMPLETE},
    {"[1,", OTA_ERR_JSON_INCOMPLETE},
    {"{\"a\":", OTA_ERR_JSON_INCOMPLETE},
    {"\"abc", OTA_ERR_JSON_INCOMPLETE},
    {"tru", OTA_ERR_JSON_INCOMPLETE},
    {"\"\\u12", OTA_ERR_JSON_INCOMPLETE},
    {"{}}", OTA_ERR_JSON_SYNTAX},
    {"[]]", OTA_ERR_JSON_SYNTAX},
    {"{} {}", OTA_ERR_JSON_SYNTAX},
    {"1 2", OTA_ERR_JSON_SYNTAX},
    {"[1 2]", OTA_ERR_JSON_SYNTAX},
    {"[1,]", OTA_ERR_JSON_SYNTAX},
    {"[,1]", OTA_ERR_JSON_SYNTAX},
    {"{\"a\" 1}", OTA_ERR_JSON_SYNTAX},
    {"{\"a\":1,}", OTA_ERR_JSON_SYNTAX},
    {"{a:1}", OTA_ERR_JSON_SYNTAX},
    {"{1:1}", OTA_ERR_JSON_SYNTAX},
    {"['a']", OTA_ERR_JSON_SYNTAX},
    {"[}", OTA_ERR_JSON_SYNTAX},
    {"{]", OTA_ERR_JSON_SYNTAX},
    {"01", OTA_ERR_JSON_SYNTAX},
    {"-01", OTA_ERR_JSON_SYNTAX},
    {"+1", OTA_ERR_JSON_SYNTAX},
    {".5", OTA_ERR_JSON_SYNTAX},
    {"1.", OTA_ERR_JSON_SYNTAX},
    {"1.e3", OTA_ERR_JSON_SYNTAX},
    {"1e", OTA_ERR_JSON_SYNTAX},
    {"1e+", OTA_ERR_JSON_SYNTAX},
    {"-", OTA_ERR_JSON_SYNTAX},
    {"[-]", OTA_ERR_JSON_SYNTAX},
    {"0x10", OTA_ERR_JSON_SYNTAX},
    {"NaN", OTA_ERR_JSON_SYNTAX},
    {"Infinity", OTA_ERR_JSON_SYNTAX},
    {"True", OTA_ERR_JSON_SYNTAX},
    {"nul", OTA_ERR_JSON_INCOMPLETE},
    {"nulL", OTA_ERR_JSON_SYNTAX},
    {"truex", OTA_ERR_JSON_SYNTAX},
    {"\"a\nb\"", OTA_ERR_JSON_SYNTAX},
    {"\"a\tb\"", OTA_ERR_JSON_SYNTAX},
    {"\"\\x\"", OTA_ERR_JSON_SYNTAX},
    {"\"\\u12g4\"", OTA_ERR_JSON_SYNTAX},
    {"\"\\U0041\"", OTA_ERR_JSON_SYNTAX},
    {"\"\\ud800\"", OTA_ERR_JSON_UTF8},
    {"\"\\udc00\"", OTA_ERR_JSON_UTF8},
    {"\"\\ud800\\u0041\"", OTA_ERR_JSON_UTF8},
    {"\"\\ud800x\"", OTA_ERR_JSON_UTF8},
    {"\"\\ud800\\n\"", OTA_ERR_JSON_UTF8},
    {"\"\x80\"", OTA_ERR_JSON_UTF8},
    {"\"\xc0\xaf\"", OTA_ERR_JSON_UTF8},
    {"\"\xc1\xbf\"", OTA_ERR_JSON_UTF8},
    {"\"\xe0\x80\xaf\"", OTA_ERR_JSON_UTF8},
    {"\"\xed\xa0\x80\"", OTA_ERR_JSON_UTF8},
    {"\"\xf0\x80\x80\xaf\"", OTA_ERR_JSON_UTF8},
    {"\"\xf4\x90\x80\x80\"", OTA_ERR_JSON_UTF8},
    {"\"\xf5\x80\x80\x80\"", OTA_ERR_JSON_UTF8},
    {"\"\xff\"", OTA_ERR_JSON_UTF8},
    {"\"\xc3\"", OTA_ERR_JSON_UTF8},
    {"\"\xe2\x82\"", OTA_ERR_JSON_UTF8},
    {"\xef\xbb\xbf{}", OTA_ERR_JSON_SYNTAX},
    {"/* c */ {}", OTA_ERR_JSON_SYNTAX},
    {"{\"a\":1}x", OTA_ERR_JSON_SYNTAX},
};

static void test_valid(void)
{
    struct recorder r;
    size_t i;

    for (i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        CHECK_EQ_INT(parse(valid[i].doc, &r), 0);
        CHECK_EQ_STR(r.out, valid[i].tokens);
        check_splits(valid[i].doc);
    }
}

static void test_invalid(void)
{
    struct recorder r;
    size_t i;
    int err;

    CHECK(sizeof invalid / sizeof invalid[0] >= 40);
    for (i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        err = parse(invalid[i].doc, &r);
        if (err != invalid[i].err)
            fprintf(stderr, "invalid[%zu] %s: got %d\n", i, invalid[i].doc, err);
        CHECK_EQ_INT(err, invalid[i].err);
        check_splits(invalid[i].doc);
    }
}

static void nest(char *doc, int levels)
{
    int i;

    for (i = 0; i < levels; i++)
        doc[i] = '[';
    for (i = 0; i < levels; i++)
        doc[levels + i] = ']';
    doc[2 * levels] = '\0';
}

static void test_depth(void)
{
    char doc[128];
    struct recorder r;

    nest(doc, OTA_JSON_MAX_DEPTH);
    CHECK_EQ_INT(parse(doc, &r), 0);
    nest(doc, OTA_JSON_MAX_DEPTH + 1);
    CHECK_EQ_INT(parse(doc, &r), OTA_ERR_JSON_DEPTH);
    check_splits(doc);
}

/* Depth and line of each token, as the tree reader relies on them. */
struct depth_probe {
    char seen[64];
    size_t n;
    unsigned long last_line;
};

static int probe(void *arg, const struct ota_json_token *t)
{
    struct depth_probe *p = arg;

    if (p->n + 1 < sizeof p->seen)
        p->seen[p->n++] = (char)('0' + t->depth);
    p->last_line = t->line;
    return 0;
}

static void test_depth_and_lines(void)
{
    static const char doc[] = "{\"a\":\n[1,\n{\"b\":2}]\n}";
    struct depth_probe p;
    struct ota_json j;
    char scratch[16];

    memset(&p, 0, sizeof p);
    ota_json_init(&j, scratch, sizeof scratch, probe, &p);
    CHECK_EQ_INT(ota_json_feed(&j, (const uint8_t *)doc, sizeof doc - 1), 0);
    CHECK_EQ_INT(ota_json_finish(&j), 0);
    /* { a [ 1 { b 2 } ] } */
    CHECK_EQ_STR(p.seen, "0112233210");
    CHECK_EQ_INT(p.last_line, 4);
}

static void test_truncation(void)
{
    static const char doc[] = "[\"abcdefghijklmnop\",12345678901234567890,\"ok\"]";
    struct recorder r;
    size_t cuts[1] = {9};

    CHECK_EQ_INT(parse_cuts(doc, sizeof doc - 1, cuts, 1, 8, &r), 0);
    CHECK_EQ_STR(r.out, "[ s:abcdefg~ n:1234567~ s:ok ]");
    CHECK_EQ_INT(parse_cuts(doc, sizeof doc - 1, NULL, 0, 0, &r), 0);
    CHECK_EQ_STR(r.out, "[ s:~ n:~ s:~ ]");
}

static void test_callback_abort(void)
{
    struct recorder r;
    struct ota_json j;
    char scratch[32];

    memset(&r, 0, sizeof r);
    r.abort_at = 3;
    ota_json_init(&j, scratch, sizeof scratch, record, &r);
    CHECK_EQ_INT(ota_json_feed(&j, (const uint8_t *)"[1,2,3]", 7), OTA_ERR_ABORTED);
    CHECK_EQ_INT(ota_json_feed(&j, (const uint8_t *)"", 0), OTA_ERR_ABORTED); /* sticky */
    CHECK_EQ_INT(ota_json_finish(&j), OTA_ERR_ABORTED);
    CHECK_EQ_STR(r.out, "[ n:1");
}

/* A GitHub tree of 20,000 entries through a 256-byte scratch buffer. */
struct tree_count {
    unsigned long entries, paths_ok;
    int in_path;
};

static int count_tree(void *arg, const struct ota_json_token *t)
{
    struct tree_count *c = arg;

    if (t->type == OTA_JSON_KEY && t->depth == 3)
        c->in_path = strcmp(t->text, "path") == 0;
    else if (t->type == OTA_JSON_STRING && c->in_path) {
        c->paths_ok += !t->truncated && strncmp(t->text, "dir", 3) == 0;
        c->in_path = 0;
    } else if (t->type == OTA_JSON_OBJECT_END && t->depth == 2)
        c->entries++;
    return 0;
}

static void test_big_tree(void)
{
    enum { N = 20000 };
    char *doc = malloc((size_t)N * 220 + 256);
    char scratch[256];
    struct tree_count c;
    struct ota_json j;
    size_t len = 0, off, n;
    int i, err = 0;

    len += (size_t)sprintf(doc + len, "{\"sha\":\"%040d\",\"url\":\"https://api.github.com/x\","
                                      "\"tree\":[", 0);
    for (i = 0; i < N; i++)
        len += (size_t)sprintf(doc + len,
                               "%s{\"path\":\"dir%02d/file%05d.py\",\"mode\":\"100644\","
                               "\"type\":\"blob\",\"sha\":\"%040d\",\"size\":%d,"
                               "\"url\":\"https://api.github.com/repos/o/r/git/blobs/%d\"}",
                               i ? "," : "", i % 50, i, i, i * 7, i);
    len += (size_t)sprintf(doc + len, "],\"truncated\":false}");
    memset(&c, 0, sizeof c);
    ota_json_init(&j, scratch, sizeof scratch, count_tree, &c);
    for (off = 0; off < len && err == 0; off += n) {
        n = len - off < 997 ? len - off : 997;
        err = ota_json_feed(&j, (const uint8_t *)doc + off, n);
    }
    CHECK_EQ_INT(err, 0);
    CHECK_EQ_INT(ota_json_finish(&j), 0);
    CHECK_EQ_INT(c.entries, N);
    CHECK_EQ_INT(c.paths_ok, N);
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
    test_truncation();
    test_callback_abort();
    test_big_tree();
    TEST_MAIN_END();
}

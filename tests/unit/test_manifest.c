/* The release manifest reader: both formats delivered field by field however
 * the document is split, a hostile suite where every case is refused with its
 * own error code, duplicates confirmed through the caller's staged list, a
 * 50,000-file manifest in constant memory, and the original format's
 * canonical HMAC input compared byte for byte with Python's json.dumps. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef OTA_TEST_NO_OPENSSL /* a cross build without the target's OpenSSL */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#endif

#include "manifest.h"
#include "ota/ota.h"
#include "test.h"

#define DOC(s) s, sizeof(s) - 1

#define SHA1A "0123456789abcdef0123456789abcdef01234567"
#define SHA1B "b917a726c93f902e43291d9009d6488385133b67"
#define SHA256A "73cb3858a687a8494ca3323053016282f3dad39d42cf62ca4e79dda2aac7d9ac"
#define SHA256B "cc42155088fca5730758db72b2a5bca33112a941dfaa2d43098ec422ce4ea213"

/* ---- a caller: the staged list an integrator keeps ------------------------ */

#define STAGE_KEEP 64

struct stage {
    struct ota_manifest_file files[STAGE_KEEP]; /* the first ones, for replay */
    char deletes[STAGE_KEEP][OTA_PATH_MAX];
    size_t nfiles, ndeletes;
    char *pool;          /* every path, as kind byte ('F'/'D') + path + NUL */
    size_t pool_len, pool_cap;
    int no_pool;         /* big runs: answer conflicts() with 0 unseen */
    unsigned asked;      /* conflicts() calls */
    char log[8192];      /* what the callbacks saw, as text */
    size_t log_len;
};

static struct ota_ctx ctx;

static void log_add(struct stage *s, const char *line)
{
    size_t n = strlen(line);

    if (s->log_len + n < sizeof s->log) {
        memcpy(s->log + s->log_len, line, n + 1);
        s->log_len += n;
    }
}

static void pool_add(struct stage *s, const char *path, char kind)
{
    size_t n = strlen(path) + 2;

    if (s->no_pool)
        return;
    if (s->pool_len + n > s->pool_cap) {
        s->pool_cap = (s->pool_cap + n) * 2;
        s->pool = realloc(s->pool, s->pool_cap);
    }
    s->pool[s->pool_len] = kind;
    memcpy(s->pool + s->pool_len + 1, path, n - 1);
    s->pool_len += n;
}

static int on_file(void *arg, const struct ota_manifest_file *f)
{
    struct stage *s = arg;
    char line[512];

    snprintf(line, sizeof line, "F %s %llu %s %s#%lu crc=%d:%lu:%s\n", f->path,
             (unsigned long long)f->size, f->sha1, f->sha256, (unsigned long)f->index,
             f->has_crc32, (unsigned long)f->crc32, f->crc32_text);
    log_add(s, line);
    if (s->nfiles < STAGE_KEEP)
        s->files[s->nfiles++] = *f;
    pool_add(s, f->path, 'F');
    return 0;
}

static int on_delete(void *arg, const char *path, uint32_t index)
{
    struct stage *s = arg;
    char line[300];

    snprintf(line, sizeof line, "D %s#%lu\n", path, (unsigned long)index);
    log_add(s, line);
    if (s->ndeletes < STAGE_KEEP)
        strcpy(s->deletes[s->ndeletes++], path);
    pool_add(s, path, 'D');
    return 0;
}

/* What an integrator writes: the new path against everything staged. */
static int conflicts(void *arg, const char *path, int is_delete)
{
    struct stage *s = arg;
    size_t at = 0;

    s->asked++;
    while (at < s->pool_len) {
        const char *p = s->pool + at + 1;
        if (ota_manifest_conflict(path, is_delete, p, s->pool[at] == 'D'))
            return 1;
        at += strlen(p) + 2;
    }
    return 0;
}

static void stage_reset(struct stage *s)
{
    char *pool = s->pool;
    size_t cap = s->pool_cap;
    int no_pool = s->no_pool;

    memset(s, 0, sizeof *s);
    s->pool = pool;
    s->pool_cap = cap;
    s->no_pool = no_pool;
}

static void log_info(struct stage *s, const struct ota_manifest_info *i)
{
    char line[2048];

    snprintf(line, sizeof line,
             "I fmt=%d v=%s seq=%d:%llu exp=%d:%llu commit=%s roll=%u post=%s rb=%s sig=%s "
             "files=%lu deletes=%lu members=%x nulls=%x ignored=%lu\n",
             i->format, i->version, i->has_sequence, (unsigned long long)i->sequence,
             i->has_expires, (unsigned long long)i->expires, i->commit, i->rollout_percent,
             i->post_update, i->rollback, i->signature, (unsigned long)i->file_count,
             (unsigned long)i->delete_count, i->members, i->nulls, (unsigned long)i->ignored);
    log_add(s, line);
}

/* ---- running the reader --------------------------------------------------- */

static const struct ota_manifest_callbacks callbacks = {on_file, on_delete, conflicts, NULL};

/* Feeds doc in pieces cut at a and b (a <= b <= len), or byte by byte when
 * a > len; logs the info on success. */
static int run(const char *doc, size_t len, size_t a, size_t b, struct stage *s,
               struct ota_manifest_info *info)
{
    static struct ota_manifest_reader m;
    struct ota_manifest_callbacks cb = callbacks;
    struct ota_manifest_info local;
    size_t i;
    int err;

    stage_reset(s);
    cb.arg = s;
    ctx.reason[0] = '\0';
    info = info ? info : &local;
    err = ota_manifest_init(&m, &ctx, &cb);
    if (a > len) {
        for (i = 0; i < len && err == 0; i++)
            err = ota_manifest_feed(&m, (const uint8_t *)doc + i, 1);
    } else {
        if (err == 0)
            err = ota_manifest_feed(&m, (const uint8_t *)doc, a);
        if (err == 0)
            err = ota_manifest_feed(&m, (const uint8_t *)doc + a, b - a);
        if (err == 0)
            err = ota_manifest_feed(&m, (const uint8_t *)doc + b, len - b);
    }
    if (err == 0)
        err = ota_manifest_finish(&m, info);
    if (err == 0)
        log_info(s, info);
    return err;
}

static int run_whole(const char *doc, size_t len, struct stage *s, struct ota_manifest_info *info)
{
    return run(doc, len, len, len, s, info);
}

static struct stage st_whole, st_part;

/* Byte by byte and every 2-way split must give the whole-document result:
 * the same error, the same callbacks, the same info. */
static void check_splits(const char *name, const char *doc, size_t len)
{
    int want = run_whole(doc, len, &st_whole, NULL), got, bad = 0;
    size_t a;

    for (a = 0; a <= len + 1; a++) {
        got = a == len + 1 ? run(doc, len, len + 1, 0, &st_part, NULL)
                           : run(doc, len, a, a, &st_part, NULL);
        if (got != want || strcmp(st_part.log, st_whole.log) != 0) {
            if (!bad)
                fprintf(stderr, "%s: split at %zu differs (%d vs %d)\n", name, a, got, want);
            bad++;
        }
    }
    CHECK_EQ_INT(bad, 0);
}

/* Every proper prefix is an incomplete document, never anything else
 * (but for the document without its final white space). */
static void check_prefixes(const char *name, const char *doc, size_t len)
{
    size_t k;
    int bad = 0, err;

    while (len > 0 && strchr(" \n", doc[len - 1]))
        len--;
    for (k = 0; k < len; k++) {
        err = run_whole(doc, k, &st_part, NULL);
        if (err != OTA_ERR_JSON_INCOMPLETE && !bad++)
            fprintf(stderr, "%s: prefix of %zu bytes gave %s\n", name, k, ota_err_name(err));
    }
    CHECK_EQ_INT(bad, 0);
}

/* ---- valid manifests ------------------------------------------------------- */

static const char format1_doc[] =
    "{\n"
    "  \"format\": \"ota-manifest/1\",\n"
    "  \"version\": \"v1.2.0\",\n"
    "  \"sequence\": 12,\n"
    "  \"expires\": 1900000000,\n"
    "  \"commit\": \"46ae36c5a302aa53b1777d7f663cbb9e0873ab64\",\n"
    "  \"rollout_percent\": 25,\n"
    "  \"post_update\": \"hooks/post_update.py\",\n"
    "  \"rollback\": \"hooks/rollback.py\",\n"
    "  \"files\": [\n"
    "    {\"path\": \"lib/util.py\", \"size\": 2, \"sha1\": \"" SHA1A "\",\n"
    "     \"sha256\": \"" SHA256A "\"},\n"
    "    {\"path\": \"main.py\", \"size\": 9, \"sha1\": \"" SHA1B "\",\n"
    "     \"sha256\": \"" SHA256B "\"}\n"
    "  ],\n"
    "  \"deletes\": [\"README.md\"]\n"
    "}\n";

static const char format1_log[] =
    "F lib/util.py 2 " SHA1A " " SHA256A "#0 crc=0:0:\n"
    "F main.py 9 " SHA1B " " SHA256B "#1 crc=0:0:\n"
    "D README.md#0\n"
    "I fmt=1 v=v1.2.0 seq=1:12 exp=1:1900000000 commit=46ae36c5a302aa53b1777d7f663cbb9e0873ab64 "
    "roll=25 post=hooks/post_update.py rb=hooks/rollback.py sig= files=2 deletes=1 members=3ff "
    "nulls=0 ignored=0\n";

/* The original system's manifest: unsorted, crc32 both ways, a null hook. */
static const char legacy_doc[] =
    "{\"version\": \"1.0.3\", \"files\": ["
    "{\"path\": \"main.py\", \"sha256\": \"" SHA256B "\", \"size\": 120, \"crc32\": \"1A2b3c4d\"}, "
    "{\"path\": \"boot.py\", \"sha256\": \"" SHA256A "\", \"size\": 7, \"crc32\": 305419896}, "
    "{\"path\": \"lib/x.py\", \"sha256\": \"" SHA256A "\", \"size\": 0, \"crc32\": \"0xff\"}], "
    "\"deletes\": [\"old.py\", \"lib/gone.py\"], \"post_update\": \"post.py\", "
    "\"rollback\": null, \"signature\": \"" SHA256A "\"}";

static const char legacy_log[] =
    "F main.py 120  " SHA256B "#0 crc=2:439041101:1A2b3c4d\n"
    "F boot.py 7  " SHA256A "#1 crc=1:305419896:\n"
    "F lib/x.py 0  " SHA256A "#2 crc=2:255:0xff\n"
    "D old.py#0\n"
    "D lib/gone.py#1\n"
    "I fmt=0 v=1.0.3 seq=0:0 exp=0:0 commit= roll=100 post=post.py rb= sig=" SHA256A
    " files=3 deletes=2 members=7c2 nulls=200 ignored=0\n";

/* Members in another order, skipped members of every shape, nulls, byte
 * order ("lib.py" before "lib/x.py"), a file becoming a directory, two
 * deletes equal but for case (a filter hit the caller answers "no"). */
static const char loose_doc[] =
    "{\"files\": ["
    "{\"path\": \"donn\\u00e9es/\xc3\xa9t\xc3\xa9.txt\", \"size\": 9007199254740991, \"sha1\": \""
    SHA1B "\"},"
    "{\"x-mode\": [1, {\"a\": [true, null]}], \"path\": \"lib.py\", \"sha256\": \"" SHA256A
    "\", \"size\": 5, \"note\": {\"path\": \"../evil\"}},"
    "{\"path\": \"lib/x.py\", \"size\": 0, \"sha1\": \"" SHA1A "\"}],"
    "\"future\": {\"files\": [1, 2], \"deletes\": \"x\"}, \"extra\": [[[]]], \"flag\": true,"
    "\"deletes\": [\"lib\", \"README.md\", \"readme.md\"],"
    "\"expires\": null, \"commit\": null, \"rollout_percent\": 0, \"post_update\": null,"
    "\"sequence\": 0, \"version\": \"2024.1 \\\"quoted\\\" \\\\ back\","
    "\"format\": \"ota-manifest/1\"}";

static const char loose_log[] =
    "F donn\xc3\xa9" "es/\xc3\xa9t\xc3\xa9.txt 9007199254740991 " SHA1B " #0 crc=0:0:\n"
    "F lib.py 5  " SHA256A "#1 crc=0:0:\n"
    "F lib/x.py 0 " SHA1A " #2 crc=0:0:\n"
    "D lib#0\n"
    "D README.md#1\n"
    "D readme.md#2\n"
    "I fmt=1 v=2024.1 \"quoted\" \\ back seq=1:0 exp=0:0 commit= roll=0 post= rb= sig= "
    "files=3 deletes=3 members=1ff nulls=118 ignored=5\n";

static void check_valid(const char *name, const char *doc, size_t len, const char *want)
{
    int err = run_whole(doc, len, &st_whole, NULL);

    CHECK_EQ_INT(err, OTA_OK);
    if (err)
        fprintf(stderr, "%s: %s (%s)\n", name, ota_err_name(err), ctx.reason);
    CHECK_EQ_STR(st_whole.log, want);
    check_splits(name, doc, len);
    check_prefixes(name, doc, len);
}

static void test_valid(void)
{
    check_valid("format 1", format1_doc, sizeof format1_doc - 1, format1_log);
    check_valid("legacy", legacy_doc, sizeof legacy_doc - 1, legacy_log);
    check_valid("loose", loose_doc, sizeof loose_doc - 1, loose_log);
    /* only the case-equal deletes needed the caller's word */
    run_whole(loose_doc, sizeof loose_doc - 1, &st_whole, NULL);
    CHECK_EQ_INT(st_whole.asked, 1);
    run_whole(format1_doc, sizeof format1_doc - 1, &st_whole, NULL);
    CHECK_EQ_INT(st_whole.asked, 0);
}

/* ---- hostile manifests -------------------------------------------------------- */

#define HEAD "{\"format\":\"ota-manifest/1\",\"version\":\"v1\",\"sequence\":1,"
#define M1(files) HEAD "\"files\":[" files "]}"
#define M1D(files, dels) HEAD "\"files\":[" files "],\"deletes\":[" dels "]}"
#define TOP(members) HEAD "\"files\":[]," members "}"
#define LEG(files) "{\"version\":\"v1\",\"files\":[" files "]}"
#define ENT(path) "{\"path\":\"" path "\",\"size\":1,\"sha1\":\"" SHA1A "\"}"
#define SIZE(v) "{\"path\":\"a\",\"size\":" v ",\"sha1\":\"" SHA1A "\"}"
#define SHA1(v) "{\"path\":\"a\",\"size\":1,\"sha1\":" v "}"

static const struct {
    const char *name;
    const char *doc;
    size_t len;
    int err;
} hostile[] = {
    /* paths */
    {"traversal ../x", DOC(M1(ENT("../x"))), OTA_ERR_UNSAFE_PATH},
    {"traversal a/../../x", DOC(M1(ENT("a/../../x"))), OTA_ERR_UNSAFE_PATH},
    {"path ..", DOC(M1(ENT(".."))), OTA_ERR_UNSAFE_PATH},
    {"path ./x", DOC(M1(ENT("./x"))), OTA_ERR_UNSAFE_PATH},
    {"path a/./b", DOC(M1(ENT("a/./b"))), OTA_ERR_UNSAFE_PATH},
    {"absolute /etc/x", DOC(M1(ENT("/etc/x"))), OTA_ERR_UNSAFE_PATH},
    {"backslash a\\b", DOC(M1(ENT("a\\\\b"))), OTA_ERR_UNSAFE_PATH},
    {"backslash traversal ..\\x", DOC(M1(ENT("..\\\\x"))), OTA_ERR_UNSAFE_PATH},
    {"NUL via \\u0000", DOC(M1(ENT("a\\u0000b"))), OTA_ERR_UNSAFE_PATH},
    {"escape via \\u001b", DOC(M1(ENT("a\\u001bb"))), OTA_ERR_UNSAFE_PATH},
    {"empty segment a//b", DOC(M1(ENT("a//b"))), OTA_ERR_UNSAFE_PATH},
    {"trailing slash", DOC(M1(ENT("a/"))), OTA_ERR_UNSAFE_PATH},
    {"empty path", DOC(M1(ENT(""))), OTA_ERR_UNSAFE_PATH},
    {"path not a string", DOC(M1("{\"path\":1,\"size\":1,\"sha1\":\"" SHA1A "\"}")), OTA_ERR_MANIFEST},
    {"invalid UTF-8 in a path", DOC(M1(ENT("a\xff"))), OTA_ERR_JSON_UTF8},
    {"overlong UTF-8 slash", DOC(M1(ENT("a\xc0\xaf" "b"))), OTA_ERR_JSON_UTF8},
    {"lone surrogate escape", DOC(M1(ENT("a\\ud800"))), OTA_ERR_JSON_UTF8},
    /* duplicates and collisions */
    {"duplicate path", DOC(M1(ENT("a") "," ENT("a"))), OTA_ERR_DUPLICATE},
    {"case collision Main.py main.py", DOC(M1(ENT("Main.py") "," ENT("main.py"))), OTA_ERR_DUPLICATE},
    {"case collision apart", DOC(M1(ENT("Main.py") "," ENT("lib.py") "," ENT("main.py"))), OTA_ERR_DUPLICATE},
    {"file and directory lib lib/x.py", DOC(M1(ENT("lib") "," ENT("lib/x.py"))), OTA_ERR_DUPLICATE},
    {"file and directory apart", DOC(M1(ENT("lib") "," ENT("lib.py") "," ENT("lib/x.py"))), OTA_ERR_DUPLICATE},
    {"file and deep directory", DOC(M1(ENT("a") "," ENT("a-b") "," ENT("a/b/c"))), OTA_ERR_DUPLICATE},
    {"file and directory by case", DOC(M1(ENT("LIB/x.py") "," ENT("lib"))), OTA_ERR_DUPLICATE},
    {"unsorted", DOC(M1(ENT("b") "," ENT("a"))), OTA_ERR_MANIFEST},
    {"unsorted, format last", DOC("{\"version\":\"v1\",\"sequence\":1,\"files\":[" ENT("b") "," ENT("a")
                                  "],\"format\":\"ota-manifest/1\"}"), OTA_ERR_MANIFEST},
    {"legacy duplicate, unsorted", DOC(LEG(ENT("b") "," ENT("a") "," ENT("b"))), OTA_ERR_DUPLICATE},
    {"legacy case collision", DOC(LEG(ENT("main.py") "," ENT("x") "," ENT("MAIN.PY"))), OTA_ERR_DUPLICATE},
    {"legacy directory, then file", DOC(LEG(ENT("lib/x.py") "," ENT("lib"))), OTA_ERR_DUPLICATE},
    {"delete equals a file", DOC(M1D(ENT("a.py"), "\"a.py\"")), OTA_ERR_DUPLICATE},
    {"delete collides with a file", DOC(M1D(ENT("a.py"), "\"A.PY\"")), OTA_ERR_DUPLICATE},
    {"delete before its file", DOC("{\"deletes\":[\"main.py\"]," "\"format\":\"ota-manifest/1\","
                                   "\"version\":\"v1\",\"sequence\":1,\"files\":[" ENT("main.py") "]}"),
     OTA_ERR_DUPLICATE},
    {"delete twice", DOC(M1D(ENT("a"), "\"x\",\"x\"")), OTA_ERR_DUPLICATE},
    {"delete unsafe", DOC(M1D(ENT("a"), "\"../x\"")), OTA_ERR_UNSAFE_PATH},
    {"delete absolute", DOC(M1D(ENT("a"), "\"/x\"")), OTA_ERR_UNSAFE_PATH},
    {"delete not a string", DOC(M1D(ENT("a"), "1")), OTA_ERR_MANIFEST},
    {"deletes not an array", DOC(TOP("\"deletes\":\"x\"")), OTA_ERR_MANIFEST},
    {"duplicated files member", DOC(HEAD "\"files\":[],\"files\":[]}"), OTA_ERR_DUPLICATE},
    {"duplicated sequence", DOC(TOP("\"sequence\":2")), OTA_ERR_DUPLICATE},
    {"duplicated member in an entry", DOC(M1("{\"path\":\"a\",\"path\":\"b\",\"size\":1,\"sha1\":\"" SHA1A "\"}")),
     OTA_ERR_DUPLICATE},
    /* sizes */
    {"size \"12\"", DOC(M1(SIZE("\"12\""))), OTA_ERR_MANIFEST},
    {"size -1", DOC(M1(SIZE("-1"))), OTA_ERR_MANIFEST},
    {"size -0", DOC(M1(SIZE("-0"))), OTA_ERR_MANIFEST},
    {"size 1.5", DOC(M1(SIZE("1.5"))), OTA_ERR_MANIFEST},
    {"size 1.0", DOC(M1(SIZE("1.0"))), OTA_ERR_MANIFEST},
    {"size 1e3", DOC(M1(SIZE("1e3"))), OTA_ERR_MANIFEST},
    {"size 01", DOC(M1(SIZE("01"))), OTA_ERR_JSON_SYNTAX},
    {"size 2^53", DOC(M1(SIZE("9007199254740992"))), OTA_ERR_TOO_LARGE},
    {"size 2^64", DOC(M1(SIZE("18446744073709551616"))), OTA_ERR_TOO_LARGE},
    {"size huge", DOC(M1(SIZE("99999999999999999999999"))), OTA_ERR_TOO_LARGE},
    {"size null", DOC(M1(SIZE("null"))), OTA_ERR_MANIFEST},
    {"size an array", DOC(M1(SIZE("[1]"))), OTA_ERR_MANIFEST},
    {"missing size", DOC(M1("{\"path\":\"a\",\"sha1\":\"" SHA1A "\"}")), OTA_ERR_MANIFEST},
    {"missing path", DOC(M1("{\"size\":1,\"sha1\":\"" SHA1A "\"}")), OTA_ERR_MANIFEST},
    {"path key with a NUL", DOC(M1("{\"path\\u0000\":\"a\",\"size\":1,\"sha1\":\"" SHA1A "\"}")), OTA_ERR_MANIFEST},
    {"no hashes", DOC(M1("{\"path\":\"a\",\"size\":1}")), OTA_ERR_MANIFEST},
    /* hashes */
    {"sha1 39 digits", DOC(M1(SHA1("\"0123456789abcdef0123456789abcdef0123456\""))), OTA_ERR_MANIFEST},
    {"sha1 41 digits", DOC(M1(SHA1("\"0123456789abcdef0123456789abcdef012345678\""))), OTA_ERR_MANIFEST},
    {"sha1 not hex", DOC(M1(SHA1("\"0123456789abcdef0123456789abcdef0123456g\""))), OTA_ERR_MANIFEST},
    {"sha1 uppercase", DOC(M1(SHA1("\"0123456789ABCDEF0123456789abcdef01234567\""))), OTA_ERR_MANIFEST},
    {"sha1 a number", DOC(M1(SHA1("1"))), OTA_ERR_MANIFEST},
    {"sha256 63 digits", DOC(M1("{\"path\":\"a\",\"size\":1,\"sha256\":"
                                "\"73cb3858a687a8494ca3323053016282f3dad39d42cf62ca4e79dda2aac7d9a\"}")),
     OTA_ERR_MANIFEST},
    {"sha256 65 digits", DOC(M1("{\"path\":\"a\",\"size\":1,\"sha256\":\"" SHA256A "0\"}")),
     OTA_ERR_MANIFEST},
    {"sha256 40 digits", DOC(M1("{\"path\":\"a\",\"size\":1,\"sha256\":\"" SHA1A "\"}")), OTA_ERR_MANIFEST},
    {"crc32 not hex", DOC(LEG("{\"path\":\"a\",\"size\":1,\"sha256\":\"" SHA256A "\",\"crc32\":\"xyz\"}")),
     OTA_ERR_MANIFEST},
    {"crc32 2^32", DOC(LEG("{\"path\":\"a\",\"size\":1,\"sha256\":\"" SHA256A "\",\"crc32\":4294967296}")),
     OTA_ERR_MANIFEST},
    /* shape */
    {"files not an array", DOC(HEAD "\"files\":{}}"), OTA_ERR_MANIFEST},
    {"files a string", DOC(HEAD "\"files\":\"a\"}"), OTA_ERR_MANIFEST},
    {"file entry a string", DOC(M1("\"a\"")), OTA_ERR_MANIFEST},
    {"file entry an array", DOC(M1("[]")), OTA_ERR_MANIFEST},
    {"file entry null", DOC(M1("null")), OTA_ERR_MANIFEST},
    {"top-level array", DOC("[]"), OTA_ERR_MANIFEST},
    {"top-level string", DOC("\"ota-manifest/1\""), OTA_ERR_MANIFEST},
    {"top-level number", DOC("1"), OTA_ERR_MANIFEST},
    {"no files", DOC("{\"format\":\"ota-manifest/1\",\"version\":\"v1\",\"sequence\":1}"), OTA_ERR_MANIFEST},
    {"no version", DOC("{\"format\":\"ota-manifest/1\",\"sequence\":1,\"files\":[]}"), OTA_ERR_MANIFEST},
    {"format 1 without sequence", DOC("{\"format\":\"ota-manifest/1\",\"version\":\"v1\",\"files\":[]}"),
     OTA_ERR_MANIFEST},
    {"unknown format", DOC("{\"format\":\"ota-manifest/2\",\"version\":\"v1\",\"sequence\":1,\"files\":[]}"),
     OTA_ERR_MANIFEST},
    {"format a number", DOC("{\"format\":1,\"version\":\"v1\",\"sequence\":1,\"files\":[]}"), OTA_ERR_MANIFEST},
    /* top-level members */
    {"sequence -1", DOC("{\"format\":\"ota-manifest/1\",\"version\":\"v1\",\"sequence\":-1,\"files\":[]}"),
     OTA_ERR_MANIFEST},
    {"sequence a string", DOC("{\"format\":\"ota-manifest/1\",\"version\":\"v1\",\"sequence\":\"1\",\"files\":[]}"),
     OTA_ERR_MANIFEST},
    {"sequence 1.5", DOC("{\"format\":\"ota-manifest/1\",\"version\":\"v1\",\"sequence\":1.5,\"files\":[]}"),
     OTA_ERR_MANIFEST},
    {"sequence null", DOC("{\"format\":\"ota-manifest/1\",\"version\":\"v1\",\"sequence\":null,\"files\":[]}"),
     OTA_ERR_MANIFEST},
    {"sequence 2^53", DOC("{\"format\":\"ota-manifest/1\",\"version\":\"v1\",\"sequence\":9007199254740992,"
                          "\"files\":[]}"), OTA_ERR_TOO_LARGE},
    {"expires a string", DOC(TOP("\"expires\":\"2030\"")), OTA_ERR_MANIFEST},
    {"expires negative", DOC(TOP("\"expires\":-5")), OTA_ERR_MANIFEST},
    {"rollout_percent 101", DOC(TOP("\"rollout_percent\":101")), OTA_ERR_MANIFEST},
    {"rollout_percent a string", DOC(TOP("\"rollout_percent\":\"50\"")), OTA_ERR_MANIFEST},
    {"post_update unsafe", DOC(TOP("\"post_update\":\"../x.py\"")), OTA_ERR_UNSAFE_PATH},
    {"rollback absolute", DOC(TOP("\"rollback\":\"/x.py\"")), OTA_ERR_UNSAFE_PATH},
    {"post_update a number", DOC(TOP("\"post_update\":1")), OTA_ERR_MANIFEST},
    {"version not a string", DOC("{\"format\":\"ota-manifest/1\",\"version\":1,\"sequence\":1,\"files\":[]}"),
     OTA_ERR_MANIFEST},
    {"version empty", DOC("{\"format\":\"ota-manifest/1\",\"version\":\"\",\"sequence\":1,\"files\":[]}"),
     OTA_ERR_MANIFEST},
    {"version with a newline", DOC("{\"version\":\"v1\\nx\",\"files\":[]}"), OTA_ERR_MANIFEST},
    {"version null", DOC("{\"version\":null,\"files\":[]}"), OTA_ERR_MANIFEST},
    {"commit 39 digits", DOC(TOP("\"commit\":\"0123456789abcdef0123456789abcdef0123456\"")), OTA_ERR_MANIFEST},
    {"commit uppercase", DOC(TOP("\"commit\":\"0123456789ABCDEF0123456789abcdef01234567\"")), OTA_ERR_MANIFEST},
    {"signature not hex", DOC("{\"version\":\"v1\",\"files\":[],\"signature\":\"xyz\"}"), OTA_ERR_MANIFEST},
    /* JSON */
    {"empty document", DOC(""), OTA_ERR_JSON_INCOMPLETE},
    {"white space only", DOC(" \n"), OTA_ERR_JSON_INCOMPLETE},
    {"truncated", DOC(HEAD "\"files\":[" ENT("a")), OTA_ERR_JSON_INCOMPLETE},
    {"truncated inside a string", DOC(HEAD "\"files\":[{\"path\":\"ma"), OTA_ERR_JSON_INCOMPLETE},
    {"trailing garbage", DOC(M1(ENT("a")) "x"), OTA_ERR_JSON_SYNTAX},
    {"a second document", DOC(M1(ENT("a")) "{}"), OTA_ERR_JSON_SYNTAX},
    {"single quotes", DOC("{'version':'v1'}"), OTA_ERR_JSON_SYNTAX},
    {"trailing comma", DOC(M1(ENT("a") ",")), OTA_ERR_JSON_SYNTAX},
};

static void check_refused(const char *name, const char *doc, size_t len, int want)
{
    int err = run_whole(doc, len, &st_whole, NULL), bad = 0;
    size_t a;

    if (err != want)
        fprintf(stderr, "%s: got %s, want %s (%s)\n", name, ota_err_name(err), ota_err_name(want),
                ctx.reason);
    CHECK_EQ_INT(err, want);
    CHECK(ctx.reason[0] != '\0');
    for (a = 0; a <= len + 1; a++)
        bad += (a == len + 1 ? run(doc, len, len + 1, 0, &st_part, NULL)
                             : run(doc, len, a, a, &st_part, NULL)) != want;
    if (bad)
        fprintf(stderr, "%s: %d splits disagree\n", name, bad);
    CHECK_EQ_INT(bad, 0);
}

static char long_text[1024];

/* long_text made of n times c. */
static const char *fill(char c, size_t n)
{
    memset(long_text, c, n);
    long_text[n] = '\0';
    return long_text;
}

/* Cases too long to write out: built here. */
static int hostile_generated(void)
{
    static char doc[4096];
    int n = 0;

    /* a 255-byte path is the longest allowed */
    snprintf(doc, sizeof doc, M1("{\"path\":\"%s\",\"size\":1,\"sha1\":\"" SHA1A "\"}"), fill('a', 255));
    CHECK_EQ_INT(run_whole(doc, strlen(doc), &st_whole, NULL), OTA_OK);
    snprintf(doc, sizeof doc, M1("{\"path\":\"%s\",\"size\":1,\"sha1\":\"" SHA1A "\"}"), fill('a', 256));
    check_refused("path of 256 bytes", doc, strlen(doc), OTA_ERR_PATH_TOO_LONG), n++;
    fill('a', 700);
    snprintf(doc, sizeof doc, M1("{\"path\":\"%s\",\"size\":1,\"sha1\":\"" SHA1A "\"}"), long_text);
    check_refused("path past the scratch buffer", doc, strlen(doc), OTA_ERR_PATH_TOO_LONG), n++;
    snprintf(doc, sizeof doc, M1D(ENT("a"), "\"%s\""), long_text);
    check_refused("delete past the scratch buffer", doc, strlen(doc), OTA_ERR_PATH_TOO_LONG), n++;
    snprintf(doc, sizeof doc, TOP("\"post_update\":\"%s\""), long_text);
    check_refused("post_update past the scratch buffer", doc, strlen(doc), OTA_ERR_PATH_TOO_LONG), n++;
    snprintf(doc, sizeof doc, "{\"version\":\"%s\",\"files\":[]}", long_text);
    check_refused("version past the scratch buffer", doc, strlen(doc), OTA_ERR_TOO_LARGE), n++;
    snprintf(doc, sizeof doc, "{\"version\":\"%s\",\"files\":[]}", fill('v', 256));
    check_refused("version of 256 bytes", doc, strlen(doc), OTA_ERR_TOO_LARGE), n++;
    snprintf(doc, sizeof doc, M1(SIZE("%s")), fill('9', 700));
    check_refused("size of 700 digits", doc, strlen(doc), OTA_ERR_TOO_LARGE), n++;
    memset(long_text, '[', 40);
    memset(long_text + 40, ']', 40);
    long_text[80] = '\0';
    snprintf(doc, sizeof doc, TOP("\"x\":%s"), long_text);
    check_refused("40 levels inside a skipped member", doc, strlen(doc), OTA_ERR_JSON_DEPTH), n++;
    /* a skipped member may be long: it is not kept */
    fill('k', 700);
    snprintf(doc, sizeof doc, TOP("\"%s\":\"%s\""), long_text, long_text);
    CHECK_EQ_INT(run_whole(doc, strlen(doc), &st_whole, NULL), OTA_OK);
    return n;
}

static void test_hostile(void)
{
    size_t i;
    int n = 0;

    for (i = 0; i < sizeof hostile / sizeof hostile[0]; i++, n++)
        check_refused(hostile[i].name, hostile[i].doc, hostile[i].len, hostile[i].err);
    n += hostile_generated();
    printf("hostile manifests refused: %d\n", n);
    CHECK(n >= 45);
}

/* ---- the API around the reader -------------------------------------------------- */

static int stop_file(void *arg, const struct ota_manifest_file *f)
{
    (void)arg;
    return strcmp(f->path, "b") == 0 ? OTA_ERR_ABORTED : 0;
}

static int never(void *arg, const char *path, int is_delete)
{
    (void)arg, (void)path, (void)is_delete;
    return OTA_ERR_IO;
}

static void test_api(void)
{
    static struct ota_manifest_reader m;
    static uint8_t bits[1024];
    struct ota_manifest_callbacks cb = {stop_file, NULL, NULL, NULL};
    static const char doc[] = M1(ENT("a") "," ENT("b") "," ENT("c"));
    struct ota_manifest_info info;

    CHECK_EQ_INT(ota_manifest_init(&m, &ctx, &cb), OTA_ERR_INVALID_ARG);
    cb.conflicts = conflicts;
    cb.arg = &st_whole;
    stage_reset(&st_whole);
    CHECK_EQ_INT(ota_manifest_init(&m, &ctx, &cb), OTA_OK);
    CHECK_EQ_INT(ota_manifest_set_filter(&m, bits, 1000), OTA_ERR_INVALID_ARG);
    CHECK_EQ_INT(ota_manifest_set_filter(&m, bits, 256), OTA_ERR_INVALID_ARG);
    CHECK_EQ_INT(ota_manifest_set_filter(&m, bits, sizeof bits), OTA_OK);
    /* a callback's error stops the parse, and stays */
    CHECK_EQ_INT(ota_manifest_feed(&m, (const uint8_t *)doc, sizeof doc - 1), OTA_ERR_ABORTED);
    CHECK_EQ_INT(ota_manifest_finish(&m, &info), OTA_ERR_ABORTED);
    CHECK_EQ_INT(ota_manifest_set_filter(&m, bits, sizeof bits), OTA_ERR_INVALID_ARG);
    /* so does the conflicts callback's */
    cb.on_file = NULL;
    cb.conflicts = never;
    ota_manifest_init(&m, &ctx, &cb);
    CHECK_EQ_INT(ota_manifest_feed(&m, (const uint8_t *)DOC(LEG(ENT("a") "," ENT("b") "," ENT("A")))),
                 OTA_ERR_IO);

    CHECK(ota_manifest_conflict("a", 0, "A", 0));
    CHECK(ota_manifest_conflict("lib", 0, "LIB/x", 0));
    CHECK(ota_manifest_conflict("Lib/x/y", 0, "lib/X", 0));
    CHECK(!ota_manifest_conflict("lib", 0, "lib.py", 0));
    CHECK(!ota_manifest_conflict("lib", 0, "libx/y", 0));
    CHECK(ota_manifest_conflict("a.py", 1, "A.py", 0));
    CHECK(!ota_manifest_conflict("lib", 1, "lib/x", 0));
    CHECK(!ota_manifest_conflict("lib/x", 0, "lib", 1));
    CHECK(ota_manifest_conflict("x", 1, "x", 1));
    CHECK(!ota_manifest_conflict("x", 1, "X", 1));
    CHECK(!ota_manifest_conflict("ab", 0, "abc", 0));
}

/* The reason says what and where, and quotes nothing a terminal would obey. */
static void test_reasons(void)
{
    static const struct {
        const char *doc;
        const char *reason;
    } cases[] = {
        {M1(ENT("a") "," ENT("../x")), "manifest: \"files\": unsafe path: ../x"},
        {M1(ENT("a\\u001b[2J")), "manifest: \"files\": unsafe path: (with control characters)"},
        {M1(ENT("a") "," SIZE("-1")), "manifest: files[1]: \"size\" is negative"},
        {M1(ENT("b") "," ENT("a")), "manifest: files are not sorted by path at a"},
        {LEG(ENT("main.py") "," ENT("MAIN.PY")), "manifest: path collides with another entry: MAIN.PY"},
        {TOP("\"sequence\":2"), "manifest: sequence appears twice"},
        {"{\n\"version\":\n\"v1", "manifest line 3: JSON document ended early"},
        {"{\"version\":\"v1\",\"files\":[]}\n]", "manifest line 2: malformed JSON"},
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_whole(cases[i].doc, strlen(cases[i].doc), &st_whole, NULL);
        CHECK_EQ_STR(ctx.reason, cases[i].reason);
    }
}

static void test_fresh(void)
{
    struct ota_manifest_info info;

    memset(&info, 0, sizeof info);
    strcpy(info.version, "v2");
    info.has_sequence = 1;
    info.sequence = 12;
    info.has_expires = 1;
    info.expires = 1900000000;
    CHECK_EQ_INT(ota_manifest_check_fresh(&ctx, &info, 1800000000, 1, 11), OTA_OK);
    CHECK_EQ_INT(ota_manifest_check_fresh(&ctx, &info, 1900000000, 1, 12), OTA_OK);
    CHECK_EQ_INT(ota_manifest_check_fresh(&ctx, &info, 1900000001, 1, 12), OTA_ERR_EXPIRED);
    CHECK_EQ_INT(ota_manifest_check_fresh(&ctx, &info, 0, 1, 12), OTA_OK); /* no clock */
    CHECK_EQ_INT(ota_manifest_check_fresh(&ctx, &info, 1800000000, 1, 13), OTA_ERR_ROLLBACK);
    CHECK_EQ_INT(ota_manifest_check_fresh(&ctx, &info, 1800000000, 0, 13), OTA_OK);
    info.has_sequence = 0;
    CHECK_EQ_INT(ota_manifest_check_fresh(&ctx, &info, 1800000000, 1, 0), OTA_ERR_ROLLBACK);
    CHECK_EQ_INT(ota_manifest_check_fresh(&ctx, &info, 1800000000, 0, 0), OTA_OK);
}

/* ---- 50,000 files, generated as they are fed ----------------------------------- */

struct generator {
    char buf[4096];
    size_t len;
    unsigned next, count;
    int closed;
};

/* Refills buf with whole entries, up to the closing bracket. */
static void generate(struct generator *g)
{
    g->len = 0;
    if (g->next == 0)
        g->len += (size_t)sprintf(g->buf, HEAD "\"files\":[\n");
    while (g->next < g->count && g->len + 200 < sizeof g->buf) {
        g->len += (size_t)sprintf(g->buf + g->len,
                                  "%s{\"path\":\"app/d%03u/f%05u.py\",\"size\":%u,\"sha1\":\"%040x\"}\n",
                                  g->next ? "," : "", g->next / 100, g->next, g->next, g->next);
        g->next++;
    }
    if (g->next == g->count && !g->closed && g->len + 16 < sizeof g->buf) {
        g->len += (size_t)sprintf(g->buf + g->len, "],\"deletes\":[\"app/old.py\"]}\n");
        g->closed = 1;
    }
}

static int run_generated(unsigned count, uint8_t *bits, size_t bits_size, struct stage *s,
                         struct ota_manifest_info *info, unsigned long long *bytes)
{
    static struct ota_manifest_reader m;
    static struct generator g;
    struct ota_manifest_callbacks cb = {on_file, on_delete, conflicts, NULL};
    size_t at, piece = 1;
    int err;

    memset(&g, 0, sizeof g);
    g.count = count;
    stage_reset(s);
    cb.arg = s;
    *bytes = 0;
    err = ota_manifest_init(&m, &ctx, &cb);
    if (err == 0 && bits)
        err = ota_manifest_set_filter(&m, bits, bits_size);
    while (err == 0 && !g.closed) {
        generate(&g);
        *bytes += g.len;
        /* pieces of 1 to 997 bytes, as a network would cut them */
        for (at = 0; at < g.len && err == 0; at += piece, piece = piece * 7 % 997 + 1)
            err = ota_manifest_feed(&m, (const uint8_t *)g.buf + at,
                                    piece < g.len - at ? piece : g.len - at);
    }
    return err ? err : ota_manifest_finish(&m, info);
}

static void test_large(void)
{
    static uint8_t bits[1 << 16];
    static struct stage s; /* the log overflows harmlessly: only counts matter */
    struct ota_manifest_info info;
    unsigned long long bytes;

    CHECK_EQ_INT(run_generated(50000, bits, sizeof bits, &s, &info, &bytes), OTA_OK);
    CHECK_EQ_INT(info.file_count, 50000);
    CHECK_EQ_INT(info.delete_count, 1);
    CHECK(s.asked < 2500); /* a 64 KiB filter: under 5% need the caller */
    printf("50000 files, %llu bytes: reader %zu bytes + %zu scratch, filter 64 KiB, "
           "%u confirmations\n",
           bytes, sizeof(struct ota_manifest_reader), sizeof ctx.json_scratch, s.asked);
    /* the built-in 512-byte filter: small releases rarely ask */
    CHECK_EQ_INT(run_generated(200, NULL, 0, &s, &info, &bytes), OTA_OK);
    printf("200 files, built-in filter: %u confirmations\n", s.asked);
    CHECK(s.asked < 10);
    CHECK_EQ_INT(run_generated(2000, NULL, 0, &s, &info, &bytes), OTA_OK);
    printf("2000 files, built-in filter: %u confirmations\n", s.asked);
    /* the limit: 65535 files */
    s.no_pool = 1; /* known to be unique: skip the rescans */
    CHECK_EQ_INT(run_generated(65535, bits, sizeof bits, &s, &info, &bytes), OTA_OK);
    CHECK_EQ_INT(run_generated(65536, bits, sizeof bits, &s, &info, &bytes), OTA_ERR_TOO_LARGE);
    s.no_pool = 0;
    free(s.pool);
}

/* ---- the canonical form, against Python ------------------------------------------ */

struct sink_buf {
    char out[16384];
    size_t len;
    unsigned calls;
};

static int sink(void *arg, const char *p, size_t n)
{
    struct sink_buf *b = arg;

    if (b->len + n >= sizeof b->out)
        return OTA_ERR_NO_MEM;
    memcpy(b->out + b->len, p, n);
    b->len += n;
    b->out[b->len] = '\0';
    b->calls++;
    return 0;
}

/* Replays the staged lists as an integrator would. */
static int canonical(const struct ota_manifest_info *info, const struct stage *s,
                     struct sink_buf *b)
{
    struct ota_manifest_canon c;
    size_t i;
    int r = ota_manifest_canonical_init(&c, info, sink, b);

    memset(b, 0, sizeof *b);
    while (r >= 0 && (r = ota_manifest_canonical_next(&c)) > 0) {
        for (i = 0; r == OTA_MANIFEST_CANON_FILES && i < s->nfiles; i++)
            if (ota_manifest_canonical_file(&c, &s->files[i]) != 0)
                return -1000;
        for (i = 0; r == OTA_MANIFEST_CANON_DELETES && i < s->ndeletes; i++)
            if (ota_manifest_canonical_delete(&c, s->deletes[i]) != 0)
                return -1000;
    }
    return r;
}

/* json.dumps(manifest minus signature, sort_keys=True, separators=(",", ":")). */
static int python_dumps(const char *doc, char *out, size_t cap)
{
    char path[] = "/tmp/ota_manifest_XXXXXX", cmd[512];
    int fd = mkstemp(path);
    size_t n = 0;
    FILE *p;

    if (fd < 0 || write(fd, doc, strlen(doc)) != (ssize_t)strlen(doc))
        return -1;
    close(fd);
    snprintf(cmd, sizeof cmd,
             "python3 -c 'import json,sys; m=json.load(open(sys.argv[1],encoding=\"utf-8\")); "
             "m.pop(\"signature\",None); "
             "sys.stdout.write(json.dumps(m,sort_keys=True,separators=(\",\",\":\")))' %s",
             path);
    p = popen(cmd, "r");
    if (p) {
        n = fread(out, 1, cap - 1, p);
        if (pclose(p) != 0)
            n = 0;
    }
    out[n] = '\0';
    unlink(path);
    return n ? 0 : -1;
}

/* python_doc is what Python reads; NULL: the same document. version, if not
 * NULL, replaces the parsed version (strings the reader would refuse). */
static void check_canonical(const char *name, const char *doc, const char *python_doc,
                            const char *version)
{
    static char want[16384];
    static struct sink_buf b;
    struct ota_manifest_info info;
    int err = run_whole(doc, strlen(doc), &st_whole, &info);

    CHECK_EQ_INT(err, OTA_OK);
    if (version)
        strcpy(info.version, version);
    CHECK_EQ_INT(canonical(&info, &st_whole, &b), 0);
    if (python_dumps(python_doc ? python_doc : doc, want, sizeof want) != 0) {
        printf("%s: python3 unavailable, canonical form not compared\n", name);
        return;
    }
    if (strcmp(b.out, want) != 0)
        fprintf(stderr, "%s: canonical form differs\n  ours:   %s\n  python: %s\n", name, b.out,
                want);
    CHECK_EQ_STR(b.out, want);
}

static const char canon_unicode[] =
    "{\"version\": \"v1.0 \\\"rc\\\" \\\\ / \xc3\xa9\", \"signature\": \"" SHA256A "\","
    " \"files\": ["
    "{\"size\": 3, \"path\": \"donn\xc3\xa9" "es/\xe4\xb8\xad\xe6\x96\x87.py\", \"sha256\": \"" SHA256A "\"},"
    "{\"path\": \"emoji/\xf0\x9f\x98\x80 say \\\"hi\\\".txt\", \"sha256\": \"" SHA256B "\","
    " \"size\": 0, \"crc32\": \"DEADbeef\"},"
    "{\"path\": \"a/\\u00e9\\ud83d\\ude00~ <&>'.py\", \"sha256\": \"" SHA256B "\", \"size\": 9007199254740991,"
    " \"crc32\": 0}],"
    " \"deletes\": [\"old/\xc3\xbc.py\", \"x\"], \"post_update\": \"hooks/\xc3\xa0.py\", \"rollback\": \"rb.py\"}";

/* The original format's example in docs/manifest.md, signed with "secret". */
static const char docs_legacy[] =
    "{\n"
    "  \"version\": \"v1.0.3\",\n"
    "  \"files\": [\n"
    "    {\"path\": \"main.py\", \"sha256\": \"" SHA256B "\", \"size\": 9, \"crc32\": \"1a2b3c4d\"},\n"
    "    {\"path\": \"lib/caf\xc3\xa9.py\", \"sha256\": \"" SHA256A "\", \"size\": 2}\n"
    "  ],\n"
    "  \"deletes\": [\"old.py\"],\n"
    "  \"post_update\": \"hooks/post_update.py\",\n"
    "  \"rollback\": null,\n"
    "  \"signature\": \"4e451b9d62e1488266a5e740daecaf6a65879118fe715b8aebbdb7926c5467f0\"\n"
    "}\n";

#ifndef OTA_TEST_NO_OPENSSL
static int hmac_sink(void *arg, const char *p, size_t n)
{
    return EVP_MAC_update(arg, (const unsigned char *)p, n) == 1 ? 0 : OTA_ERR_CRYPTO;
}

/* The HMAC, streamed piece by piece as a device computes it. */
static void test_hmac(void)
{
    static const char key[] = "secret";
    struct ota_manifest_info info;
    struct ota_manifest_canon c;
    OSSL_PARAM params[2];
    unsigned char mac[32];
    char hex[65];
    size_t i, n = 0;
    EVP_MAC *alg = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *h = alg ? EVP_MAC_CTX_new(alg) : NULL;
    int r;

    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    CHECK(h && EVP_MAC_init(h, (const unsigned char *)key, strlen(key), params) == 1);
    CHECK_EQ_INT(run_whole(docs_legacy, strlen(docs_legacy), &st_whole, &info), 0);
    CHECK_EQ_INT(ota_manifest_canonical_init(&c, &info, hmac_sink, h), 0);
    while ((r = ota_manifest_canonical_next(&c)) > 0) {
        for (i = 0; r == OTA_MANIFEST_CANON_FILES && i < st_whole.nfiles; i++)
            CHECK_EQ_INT(ota_manifest_canonical_file(&c, &st_whole.files[i]), 0);
        for (i = 0; r == OTA_MANIFEST_CANON_DELETES && i < st_whole.ndeletes; i++)
            CHECK_EQ_INT(ota_manifest_canonical_delete(&c, st_whole.deletes[i]), 0);
    }
    CHECK_EQ_INT(r, 0);
    CHECK(EVP_MAC_final(h, mac, &n, sizeof mac) == 1 && n == sizeof mac);
    for (i = 0; i < sizeof mac; i++)
        snprintf(hex + 2 * i, 3, "%02x", mac[i]);
    CHECK_EQ_STR(hex, info.signature);
    EVP_MAC_CTX_free(h);
    EVP_MAC_free(alg);
}
#endif

static void test_canonical(void)
{
    struct ota_manifest_info info;
    struct ota_manifest_canon c;
    static struct sink_buf b;

    check_canonical("legacy", legacy_doc, NULL, NULL);
    check_canonical("docs example", docs_legacy, NULL, NULL);
    check_canonical("unicode, quotes, backslashes", canon_unicode, NULL, NULL);
    check_canonical("no deletes, null hooks",
                    "{\"version\":\"1\",\"files\":[{\"path\":\"m.py\",\"sha256\":\"" SHA256A
                    "\",\"size\":1}],\"post_update\":null,\"rollback\":null}",
                    NULL, NULL);
    check_canonical("empty lists", "{\"files\":[],\"version\":\"0\",\"deletes\":[]}", NULL, NULL);
    check_canonical("format 1", format1_doc, NULL, NULL);
    check_canonical("sha1 and sha256", LEG("{\"path\":\"a\",\"size\":1,\"sha1\":\"" SHA1A
                                           "\",\"sha256\":\"" SHA256A "\",\"crc32\":\"0x1F\"}"),
                    NULL, NULL);
    /* control characters, which the reader refuses in a version, still
     * escape as Python does */
    check_canonical("control characters", "{\"version\":\"v\",\"files\":[]}",
                    "{\"version\":\"\\u0001\\u001f\\u007f\\t\\n\\b\\f\\r\\\"\\\\/\\u0080\\u00ff"
                    "\\u0800\\uffff\\ud800\\udc00\\udbff\\udfff\",\"files\":[]}",
                    "\x01\x1f\x7f\t\n\b\f\r\"\\/\xc2\x80\xc3\xbf\xe0\xa0\x80\xef\xbf\xbf"
                    "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf");

    /* pieces: the sink is fed as the form is produced, not once at the end */
    CHECK_EQ_INT(run_whole(canon_unicode, strlen(canon_unicode), &st_whole, &info), 0);
    CHECK_EQ_INT(canonical(&info, &st_whole, &b), 0);
    CHECK(b.calls > 5);
    /* skipped members cannot be reproduced */
    CHECK_EQ_INT(run_whole(DOC("{\"version\":\"1\",\"files\":[],\"note\":1}"), &st_whole, &info), 0);
    CHECK_EQ_INT(ota_manifest_canonical_init(&c, &info, sink, &b), OTA_ERR_UNSUPPORTED);
    /* a replay that lost an entry is caught */
    CHECK_EQ_INT(run_whole(legacy_doc, strlen(legacy_doc), &st_whole, &info), 0);
    st_whole.nfiles--;
    CHECK_EQ_INT(canonical(&info, &st_whole, &b), OTA_ERR_INVALID_ARG);
    CHECK_EQ_INT(ota_manifest_canonical_init(&c, &info, sink, &b), 0);
    CHECK_EQ_INT(ota_manifest_canonical_delete(&c, "x"), OTA_ERR_INVALID_ARG);
}

int main(void)
{
    static const struct ota_port port;
    static uint8_t work[OTA_MIN_BUFFER];
    struct ota_settings settings;

    memset(&settings, 0, sizeof settings);
    settings.owner = "o";
    settings.repo = "r";
    if (ota_init(&ctx, &port, &settings, work, sizeof work) != OTA_OK)
        return 1;
    test_valid();
    test_hostile();
    test_api();
    test_reasons();
    test_fresh();
    test_large();
    test_canonical();
#ifndef OTA_TEST_NO_OPENSSL
    test_hmac();
#endif
    free(st_whole.pool);
    free(st_part.pool);
    TEST_MAIN_END();
}

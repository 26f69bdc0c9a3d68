#include "manifest.h"

#include <string.h>

#include "hex.h"
#include "log.h"
#include "path.h"
#include "strbuf.h"

/* Top-level members, in the order of the OTA_MF_* bits. */
enum {
    T_FORMAT, T_VERSION, T_SEQUENCE, T_EXPIRES, T_COMMIT, T_ROLLOUT, T_FILES,
    T_DELETES, T_POST_UPDATE, T_ROLLBACK, T_SIGNATURE, T_COUNT, T_OTHER = T_COUNT
};
/* Members of a file entry. */
enum { E_PATH, E_SIZE, E_SHA1, E_SHA256, E_CRC32, E_COUNT, E_OTHER = E_COUNT };
enum { IN_NONE, IN_FILES, IN_DELETES };
/* What a Bloom filter key stands for: an entry installed, a directory that
 * installed entries live in, an entry deleted. */
enum { KEY_FILE = 1, KEY_DIR = 2, KEY_GONE = 3 };

#define BIT(i) (1u << (unsigned)(i))
#define NULLABLE (BIT(T_EXPIRES) | BIT(T_COMMIT) | BIT(T_ROLLOUT) | BIT(T_POST_UPDATE) | \
                  BIT(T_ROLLBACK))
#define STRINGS (BIT(T_FORMAT) | BIT(T_VERSION) | BIT(T_COMMIT) | BIT(T_POST_UPDATE) | \
                 BIT(T_ROLLBACK) | BIT(T_SIGNATURE))
#define NUMBERS (BIT(T_SEQUENCE) | BIT(T_EXPIRES) | BIT(T_ROLLOUT))

static const char *const top_names[T_COUNT] = {
    "format", "version", "sequence", "expires", "commit", "rollout_percent",
    "files", "deletes", "post_update", "rollback", "signature"};
static const char *const entry_names[E_COUNT] = {"path", "size", "sha1", "sha256", "crc32"};

/* ---- small helpers ------------------------------------------------------ */

/* By length too: a member name may hold a NUL ("files\u0000x"). */
static int name_is(const struct ota_json_token *tok, const char *name)
{
    size_t n = strlen(name);

    return !tok->truncated && tok->len == n && memcmp(tok->text, name, n) == 0;
}

static int lookup(const struct ota_json_token *tok, const char *const *names, int count)
{
    int i;

    for (i = 0; i < count; i++)
        if (name_is(tok, names[i]))
            return i;
    return count;
}

static int is_lower_hex(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

static int has_control(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20u || (unsigned char)s[i] == 0x7fu)
            return 1;
    return 0;
}

/* "lib" is a directory of "lib/x.py". */
static int is_dir_of(const char *dir, const char *path)
{
    size_t n = strlen(dir);

    return strncmp(dir, path, n) == 0 && path[n] == '/';
}

static char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* ---- reasons -------------------------------------------------------------- */

static int fail(struct ota_manifest_reader *m, int err, const char *what, const char *detail)
{
    return ota_fail(m->ctx, err, "manifest: ", what, detail);
}

/* An error about the file entry being read: "manifest: files[12]: ...". */
static int entry_fail(struct ota_manifest_reader *m, int err, const char *what,
                      const char *detail)
{
    char where[40];
    struct ota_strbuf sb;

    ota_sb_init(&sb, where, sizeof where);
    ota_sb_add(&sb, "manifest: files[");
    ota_sb_add_u64(&sb, m->file.index);
    ota_sb_add(&sb, "]: ");
    return ota_fail(m->ctx, err, where, what, detail);
}

static int json_fail(struct ota_manifest_reader *m, int err)
{
    char where[48];
    struct ota_strbuf sb;

    ota_sb_init(&sb, where, sizeof where);
    ota_sb_add(&sb, "manifest line ");
    ota_sb_add_u64(&sb, m->json.line);
    ota_sb_add(&sb, ": ");
    return ota_fail(m->ctx, err, where, ota_strerror(err), NULL);
}

/* ---- values ----------------------------------------------------------------- */

/* A JSON integer 0..2^53-1: no sign, fraction or exponent. Returns the
 * error and why, so that the caller can say where. */
static int number_check(const struct ota_json_token *tok, uint64_t *out, const char **why)
{
    size_t i;

    *why = " is negative";
    if (tok->text[0] == '-')
        return OTA_ERR_MANIFEST;
    *why = " is not a whole number";
    for (i = 0; i < tok->len; i++)
        if (tok->text[i] < '0' || tok->text[i] > '9')
            return OTA_ERR_MANIFEST;
    *why = " is 2^53 or more";
    if (tok->truncated || ota_parse_u64(tok->text, tok->len, out) != 0 ||
        *out > OTA_MANIFEST_MAX_INT)
        return OTA_ERR_TOO_LARGE;
    return OTA_OK;
}

static int top_whole(struct ota_manifest_reader *m, const struct ota_json_token *tok,
                     const char *what, uint64_t *out)
{
    const char *why;
    int err = number_check(tok, out, &why);

    return err == OTA_OK ? OTA_OK : fail(m, err, what, why);
}

static int entry_whole(struct ota_manifest_reader *m, const struct ota_json_token *tok,
                       const char *what, uint64_t *out)
{
    const char *why;
    int err = number_check(tok, out, &why);

    return err == OTA_OK ? OTA_OK : entry_fail(m, err, what, why);
}

static int hex_ok(const struct ota_json_token *tok, size_t digits)
{
    return !tok->truncated && tok->len == digits && is_lower_hex(tok->text, tok->len);
}

static const char *hex_why(size_t digits)
{
    return digits == 40 ? " is not 40 lowercase hex digits" : " is not 64 lowercase hex digits";
}

static int top_hex(struct ota_manifest_reader *m, const struct ota_json_token *tok,
                   size_t digits, char *out, const char *what)
{
    if (!hex_ok(tok, digits))
        return fail(m, OTA_ERR_MANIFEST, what, hex_why(digits));
    memcpy(out, tok->text, digits + 1);
    return OTA_OK;
}

static int entry_hex(struct ota_manifest_reader *m, const struct ota_json_token *tok,
                     size_t digits, char *out, const char *what)
{
    if (!hex_ok(tok, digits))
        return entry_fail(m, OTA_ERR_MANIFEST, what, hex_why(digits));
    memcpy(out, tok->text, digits + 1);
    return OTA_OK;
}

/* Text fit to quote in a reason: no control characters for a terminal to obey. */
static const char *quotable(const struct ota_json_token *tok)
{
    return has_control(tok->text, tok->len) ? "(with control characters)" : tok->text;
}

static int safe_path(struct ota_manifest_reader *m, const struct ota_json_token *tok,
                     const char *what)
{
    int err = tok->truncated ? OTA_ERR_PATH_TOO_LONG : ota_path_check(tok->text, tok->len);
    char where[64];
    struct ota_strbuf sb;

    if (err == OTA_OK)
        return OTA_OK;
    ota_sb_init(&sb, where, sizeof where);
    ota_sb_add(&sb, "manifest: ");
    ota_sb_add(&sb, what);
    ota_sb_add(&sb, err == OTA_ERR_PATH_TOO_LONG ? ": 256 bytes or longer: " : ": unsafe path: ");
    return ota_fail(m->ctx, err, where, quotable(tok), NULL);
}

static int copy_path(struct ota_manifest_reader *m, const struct ota_json_token *tok,
                     char *out, const char *what)
{
    int err = safe_path(m, tok, what);

    if (err == OTA_OK)
        memcpy(out, tok->text, tok->len + 1);
    return err;
}

static int copy_version(struct ota_manifest_reader *m, const struct ota_json_token *tok)
{
    if (tok->truncated || tok->len >= sizeof m->info.version)
        return fail(m, OTA_ERR_TOO_LARGE, "\"version\"", " is 256 bytes or longer");
    if (tok->len == 0 || has_control(tok->text, tok->len))
        return fail(m, OTA_ERR_MANIFEST, "\"version\"", " is empty or has a control character");
    memcpy(m->info.version, tok->text, tok->len + 1);
    return OTA_OK;
}

/* The original system wrote crc32 as a number or as hex text ("0x" optional). */
static int crc32_text(struct ota_manifest_reader *m, const struct ota_json_token *tok)
{
    struct ota_manifest_file *f = &m->file;
    size_t skip = tok->len > 2 && tok->text[0] == '0' && (tok->text[1] | 0x20) == 'x' ? 2 : 0;
    size_t i;

    if (tok->truncated || tok->len - skip == 0 || tok->len - skip > 8)
        return entry_fail(m, OTA_ERR_MANIFEST, "\"crc32\"", " is not 1 to 8 hex digits");
    f->crc32 = 0;
    for (i = skip; i < tok->len; i++) {
        int d = ota_hex_value(tok->text[i]);
        if (d < 0)
            return entry_fail(m, OTA_ERR_MANIFEST, "\"crc32\"", " is not 1 to 8 hex digits");
        f->crc32 = f->crc32 << 4 | (uint32_t)d;
    }
    memcpy(f->crc32_text, tok->text, tok->len + 1);
    f->has_crc32 = 2;
    return OTA_OK;
}

static int crc32_number(struct ota_manifest_reader *m, const struct ota_json_token *tok)
{
    uint64_t v;
    int err = entry_whole(m, tok, "\"crc32\"", &v);

    if (err == OTA_OK && v > 0xffffffffu)
        err = entry_fail(m, OTA_ERR_MANIFEST, "\"crc32\"", " is above 2^32 - 1");
    if (err == OTA_OK) {
        m->file.crc32 = (uint32_t)v;
        m->file.has_crc32 = 1;
    }
    return err;
}

/* ---- the Bloom filter of paths ------------------------------------------- */

#define FNV_OFFSET 2166136261u

static uint32_t fold(uint32_t h, char c)
{
    return (h ^ (uint8_t)ascii_lower(c)) * 16777619u;
}

static uint32_t mix(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    return x ^ (x >> 16);
}

/* Three bits per key, by double hashing; returns 1 if all were set already. */
static int filter_probe(struct ota_manifest_reader *m, uint32_t h, unsigned kind, int set)
{
    uint32_t a = mix(h ^ (kind * 0x9e3779b9u)), b = mix(a + 0x6a09e667u) | 1u;
    int all = 1;
    unsigned i;

    for (i = 0; i < 3; i++, a += b) {
        uint32_t bit = a & m->filter_mask;
        uint8_t mask = (uint8_t)(1u << (bit & 7u));
        all &= (m->filter[bit >> 3] & mask) != 0;
        if (set)
            m->filter[bit >> 3] = (uint8_t)(m->filter[bit >> 3] | mask);
    }
    return all;
}

/* Whether `path` may conflict with an entry already added. A file is checked
 * against files and deletes of the same name, files below it, and files
 * named like one of its directories; a delete against files and deletes of
 * the same name. */
static int filter_hit(struct ota_manifest_reader *m, const char *path, int is_delete)
{
    uint32_t h = FNV_OFFSET;
    size_t i;

    for (i = 0; path[i]; i++) {
        if (path[i] == '/' && !is_delete && filter_probe(m, h, KEY_FILE, 0))
            return 1;
        h = fold(h, path[i]);
    }
    if (filter_probe(m, h, KEY_FILE, 0) || filter_probe(m, h, KEY_GONE, 0))
        return 1;
    return !is_delete && filter_probe(m, h, KEY_DIR, 0);
}

static void filter_add(struct ota_manifest_reader *m, const char *path, int is_delete)
{
    uint32_t h = FNV_OFFSET;
    size_t i;

    for (i = 0; path[i]; i++) {
        if (path[i] == '/' && !is_delete)
            filter_probe(m, h, KEY_DIR, 1);
        h = fold(h, path[i]);
    }
    filter_probe(m, h, is_delete ? KEY_GONE : KEY_FILE, 1);
}

/* A filter hit is only a maybe: the caller, who keeps the entries, decides. */
static int check_conflict(struct ota_manifest_reader *m, const char *path, int is_delete)
{
    int r;

    if (!filter_hit(m, path, is_delete))
        return OTA_OK;
    m->confirmations++;
    r = m->cb.conflicts(m->cb.arg, path, is_delete);
    if (r < 0)
        return fail(m, r, "checking for duplicates: ", ota_strerror(r));
    if (r > 0)
        return fail(m, OTA_ERR_DUPLICATE, "path collides with another entry: ", path);
    return OTA_OK;
}

/* ---- file entries ------------------------------------------------------------ */

static void begin_entry(struct ota_manifest_reader *m)
{
    memset(&m->file, 0, sizeof m->file);
    m->file.index = m->info.file_count;
    m->entry_members = 0;
    m->entry_key = E_OTHER;
}

/* Sorted input puts an exact duplicate, and usually a file that is also a
 * directory, right after its twin: caught here without asking the caller. */
static int check_order(struct ota_manifest_reader *m)
{
    const char *path = m->file.path;
    int cmp;

    if (m->info.file_count == 0)
        return OTA_OK;
    cmp = strcmp(m->prev, path);
    if (cmp == 0)
        return fail(m, OTA_ERR_DUPLICATE, "duplicate path: ", path);
    if (is_dir_of(m->prev, path))
        return fail(m, OTA_ERR_DUPLICATE, "a file is also a directory: ", m->prev);
    if (cmp > 0) {
        /* "format" may come later; finish() decides if it had to be sorted */
        if (m->info.members & OTA_MF_FORMAT)
            return fail(m, OTA_ERR_MANIFEST, "files are not sorted by path at ", path);
        if (!m->unsorted_at)
            m->unsorted_at = m->file.index + 1;
    }
    return OTA_OK;
}

static int end_entry(struct ota_manifest_reader *m)
{
    unsigned have = m->entry_members;
    int err;

    if (!(have & BIT(E_PATH)))
        return entry_fail(m, OTA_ERR_MANIFEST, "no \"path\"", NULL);
    if (!(have & BIT(E_SIZE)))
        return entry_fail(m, OTA_ERR_MANIFEST, "no \"size\": ", m->file.path);
    if (!(have & (BIT(E_SHA1) | BIT(E_SHA256))))
        return entry_fail(m, OTA_ERR_MANIFEST, "neither \"sha1\" nor \"sha256\": ", m->file.path);
    if (m->info.file_count >= OTA_MANIFEST_MAX_FILES)
        return fail(m, OTA_ERR_TOO_LARGE, "more than 65535 files", NULL);
    err = check_order(m);
    if (err == OTA_OK)
        err = check_conflict(m, m->file.path, 0);
    if (err != OTA_OK)
        return err;
    filter_add(m, m->file.path, 0);
    memcpy(m->prev, m->file.path, sizeof m->prev);
    m->info.file_count++;
    return m->cb.on_file ? m->cb.on_file(m->cb.arg, &m->file) : OTA_OK;
}

static int member_string(struct ota_manifest_reader *m, int key, const struct ota_json_token *tok)
{
    struct ota_manifest_file *f = &m->file;

    switch (key) {
    case E_PATH: return copy_path(m, tok, f->path, "\"files\"");
    case E_SHA1: return entry_hex(m, tok, 40, f->sha1, "\"sha1\"");
    case E_SHA256: return entry_hex(m, tok, 64, f->sha256, "\"sha256\"");
    case E_CRC32: return crc32_text(m, tok);
    default: return entry_fail(m, OTA_ERR_MANIFEST, "\"size\"", " is not a number");
    }
}

static int member_value(struct ota_manifest_reader *m, const struct ota_json_token *tok)
{
    int key = m->entry_key;

    m->entry_key = E_OTHER;
    if (key == E_OTHER)
        return OTA_OK;
    if (tok->type == OTA_JSON_STRING)
        return member_string(m, key, tok);
    if (tok->type == OTA_JSON_NUMBER && key == E_SIZE)
        return entry_whole(m, tok, "\"size\"", &m->file.size);
    if (tok->type == OTA_JSON_NUMBER && key == E_CRC32)
        return crc32_number(m, tok);
    return entry_fail(m, OTA_ERR_MANIFEST, entry_names[key],
                      key == E_SIZE    ? " is not a number"
                      : key == E_CRC32 ? " is not a number or hex text"
                                       : " is not a string");
}

/* Tokens below an entry object (depth 3 and deeper). */
static int member_token(struct ota_manifest_reader *m, const struct ota_json_token *tok)
{
    int key;

    if (tok->depth > 3 || tok->type == OTA_JSON_OBJECT_END || tok->type == OTA_JSON_ARRAY_END)
        return OTA_OK; /* inside, or the end of, a member that is skipped */
    if (tok->type != OTA_JSON_KEY)
        return member_value(m, tok);
    key = lookup(tok, entry_names, E_COUNT);
    m->entry_key = key;
    if (key == E_OTHER) {
        m->info.ignored++;
        return OTA_OK;
    }
    if (m->entry_members & BIT(key))
        return entry_fail(m, OTA_ERR_DUPLICATE, entry_names[key], " appears twice");
    m->entry_members |= BIT(key);
    return OTA_OK;
}

static int entry_token(struct ota_manifest_reader *m, const struct ota_json_token *tok)
{
    if (tok->type == OTA_JSON_OBJECT_BEGIN) {
        begin_entry(m);
        return OTA_OK;
    }
    if (tok->type == OTA_JSON_OBJECT_END)
        return end_entry(m);
    m->file.index = m->info.file_count;
    return entry_fail(m, OTA_ERR_MANIFEST, "not an object", NULL);
}

/* ---- deletes ------------------------------------------------------------------ */

static int delete_token(struct ota_manifest_reader *m, const struct ota_json_token *tok)
{
    uint32_t index = m->info.delete_count;
    int err;

    if (tok->type != OTA_JSON_STRING)
        return fail(m, OTA_ERR_MANIFEST, "\"deletes\" holds something other than a path", NULL);
    err = safe_path(m, tok, "\"deletes\"");
    if (err == OTA_OK && index >= OTA_MANIFEST_MAX_FILES)
        err = fail(m, OTA_ERR_TOO_LARGE, "more than 65535 deletes", NULL);
    if (err == OTA_OK)
        err = check_conflict(m, tok->text, 1);
    if (err != OTA_OK)
        return err;
    filter_add(m, tok->text, 1);
    m->info.delete_count++;
    return m->cb.on_delete ? m->cb.on_delete(m->cb.arg, tok->text, index) : OTA_OK;
}

/* ---- top level ------------------------------------------------------------------ */

static int top_string(struct ota_manifest_reader *m, int key, const struct ota_json_token *tok)
{
    struct ota_manifest_info *i = &m->info;

    switch (key) {
    case T_FORMAT:
        return name_is(tok, OTA_MANIFEST_FORMAT)
                   ? OTA_OK
                   : fail(m, OTA_ERR_MANIFEST, "unsupported format ", quotable(tok));
    case T_VERSION: return copy_version(m, tok);
    case T_COMMIT: return top_hex(m, tok, 40, i->commit, "\"commit\"");
    case T_POST_UPDATE: return copy_path(m, tok, i->post_update, "\"post_update\"");
    case T_ROLLBACK: return copy_path(m, tok, i->rollback, "\"rollback\"");
    default: return top_hex(m, tok, 64, i->signature, "\"signature\"");
    }
}

static int top_number(struct ota_manifest_reader *m, int key, const struct ota_json_token *tok)
{
    struct ota_manifest_info *i = &m->info;
    uint64_t v;
    int err = top_whole(m, tok, top_names[key], &v);

    if (err != OTA_OK)
        return err;
    if (key == T_SEQUENCE) {
        i->sequence = v;
        i->has_sequence = 1;
    } else if (key == T_EXPIRES) {
        i->expires = v;
        i->has_expires = 1;
    } else if (v > 100) {
        return fail(m, OTA_ERR_MANIFEST, "\"rollout_percent\" is above 100", NULL);
    } else {
        i->rollout_percent = (unsigned)v;
    }
    return OTA_OK;
}

static int wrong_type(struct ota_manifest_reader *m, int key)
{
    unsigned bit = BIT(key);

    return fail(m, OTA_ERR_MANIFEST, top_names[key],
                bit & STRINGS ? " is not a string" : bit & NUMBERS ? " is not a number"
                                                                   : " is not an array");
}

static int top_value(struct ota_manifest_reader *m, const struct ota_json_token *tok)
{
    int key = m->top_key;
    unsigned bit = BIT(key);

    m->top_key = T_OTHER;
    if (key == T_OTHER)
        return OTA_OK;
    if (tok->type == OTA_JSON_NULL && (bit & NULLABLE)) {
        m->info.nulls |= bit;
        return OTA_OK;
    }
    if (tok->type == OTA_JSON_STRING && (bit & STRINGS))
        return top_string(m, key, tok);
    if (tok->type == OTA_JSON_NUMBER && (bit & NUMBERS))
        return top_number(m, key, tok);
    if (tok->type == OTA_JSON_ARRAY_BEGIN && (key == T_FILES || key == T_DELETES)) {
        m->in_array = key == T_FILES ? IN_FILES : IN_DELETES;
        return OTA_OK;
    }
    return wrong_type(m, key);
}

static int top_token(struct ota_manifest_reader *m, const struct ota_json_token *tok)
{
    int key;

    if (tok->type == OTA_JSON_ARRAY_END || tok->type == OTA_JSON_OBJECT_END) {
        m->in_array = IN_NONE; /* "files", "deletes", or a member skipped */
        return OTA_OK;
    }
    if (tok->type != OTA_JSON_KEY)
        return top_value(m, tok);
    key = lookup(tok, top_names, T_COUNT);
    m->top_key = key;
    if (key == T_OTHER) {
        m->info.ignored++; /* forward compatibility: newer members are skipped */
        return OTA_OK;
    }
    /* parsers disagree on which of two copies wins: accept neither */
    if (m->info.members & BIT(key))
        return fail(m, OTA_ERR_DUPLICATE, top_names[key], " appears twice");
    m->info.members |= BIT(key);
    return OTA_OK;
}

static int on_token(void *arg, const struct ota_json_token *tok)
{
    struct ota_manifest_reader *m = arg;

    if (tok->depth == 0)
        return tok->type == OTA_JSON_OBJECT_BEGIN || tok->type == OTA_JSON_OBJECT_END
                   ? OTA_OK
                   : fail(m, OTA_ERR_MANIFEST, "not a JSON object", NULL);
    if (tok->depth == 1)
        return top_token(m, tok);
    if (m->in_array == IN_FILES)
        return tok->depth == 2 ? entry_token(m, tok) : member_token(m, tok);
    if (m->in_array == IN_DELETES && tok->depth == 2)
        return delete_token(m, tok);
    return OTA_OK; /* inside a member that is skipped */
}

/* ---- the reader's API -------------------------------------------------------------- */

int ota_manifest_init(struct ota_manifest_reader *m, struct ota_ctx *ctx,
                      const struct ota_manifest_callbacks *cb)
{
    memset(m, 0, sizeof *m);
    m->ctx = ctx;
    if (!cb || !cb->conflicts)
        return ota_fail(ctx, OTA_ERR_INVALID_ARG, "manifest: no conflicts callback", NULL, NULL);
    m->cb = *cb;
    m->filter = m->filter_own;
    m->filter_mask = OTA_MANIFEST_FILTER_BYTES * 8u - 1u;
    m->top_key = T_OTHER;
    m->entry_key = E_OTHER;
    m->info.rollout_percent = 100;
    ota_json_init(&m->json, ctx->json_scratch, sizeof ctx->json_scratch, on_token, m);
    return OTA_OK;
}

int ota_manifest_set_filter(struct ota_manifest_reader *m, uint8_t *bits, size_t size)
{
    if (!bits || size < OTA_MANIFEST_FILTER_BYTES || (size & (size - 1)) != 0 ||
        size > 0x10000000u || m->info.file_count || m->info.delete_count)
        return ota_fail(m->ctx, OTA_ERR_INVALID_ARG, "manifest: unusable filter", NULL, NULL);
    memset(bits, 0, size);
    m->filter = bits;
    m->filter_mask = (uint32_t)(size * 8u - 1u);
    return OTA_OK;
}

int ota_manifest_feed(struct ota_manifest_reader *m, const uint8_t *p, size_t n)
{
    int err = ota_json_feed(&m->json, p, n);

    return err != OTA_OK ? json_fail(m, err) : OTA_OK;
}

static int check_whole(struct ota_manifest_reader *m)
{
    struct ota_manifest_info *i = &m->info;

    i->format = (i->members & OTA_MF_FORMAT) ? 1 : 0;
    if (!(i->members & OTA_MF_FILES))
        return fail(m, OTA_ERR_MANIFEST, "no \"files\"", NULL);
    if (!(i->members & OTA_MF_VERSION))
        return fail(m, OTA_ERR_MANIFEST, "no \"version\"", NULL);
    if (i->format == 1 && !i->has_sequence)
        return fail(m, OTA_ERR_MANIFEST, "no \"sequence\"", NULL);
    if (i->format == 1 && m->unsorted_at) {
        m->file.index = m->unsorted_at - 1;
        return entry_fail(m, OTA_ERR_MANIFEST, "files are not sorted by path", NULL);
    }
    return OTA_OK;
}

int ota_manifest_finish(struct ota_manifest_reader *m, struct ota_manifest_info *out)
{
    int err = ota_json_finish(&m->json);

    if (err != OTA_OK)
        return json_fail(m, err);
    err = check_whole(m);
    if (err == OTA_OK && out)
        *out = m->info;
    return err;
}

int ota_manifest_conflict(const char *a, int a_is_delete, const char *b, int b_is_delete)
{
    size_t la = strlen(a), lb = strlen(b);

    if (a_is_delete && b_is_delete)
        return strcmp(a, b) == 0;
    if (!ota_ascii_ieq(a, b, la < lb ? la : lb))
        return 0;
    if (la == lb)
        return 1;
    /* the shorter one is a directory of the longer one */
    return !a_is_delete && !b_is_delete && (la < lb ? b[la] : a[lb]) == '/';
}

int ota_manifest_check_fresh(struct ota_ctx *ctx, const struct ota_manifest_info *info,
                             uint64_t now, int has_installed, uint64_t installed_sequence)
{
    if (info->has_expires && now != 0 && now > info->expires)
        return ota_fail(ctx, OTA_ERR_EXPIRED, "manifest of ", info->version, " has expired");
    if (has_installed && (!info->has_sequence || info->sequence < installed_sequence))
        return ota_fail(ctx, OTA_ERR_ROLLBACK, "manifest of ", info->version,
                        " is older than the installed release (sequence)");
    return OTA_OK;
}

/* ---- the canonical form (Python's json.dumps, sorted keys, no spaces) ----------- */

/* Pieces are gathered here and handed to the sink when full. */
struct canon_out {
    struct ota_manifest_canon *c;
    char buf[64];
    size_t len;
    int err;
};

static void flush(struct canon_out *o)
{
    if (o->len && o->err == OTA_OK)
        o->err = o->c->sink(o->c->arg, o->buf, o->len);
    o->len = 0;
}

static void put(struct canon_out *o, const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (o->len == sizeof o->buf)
            flush(o);
        o->buf[o->len++] = s[i];
    }
}

static void puts_(struct canon_out *o, const char *s)
{
    put(o, s, strlen(s));
}

static void put_u64(struct canon_out *o, uint64_t v)
{
    char digits[24];
    struct ota_strbuf sb;

    ota_sb_init(&sb, digits, sizeof digits);
    ota_sb_add_u64(&sb, v);
    put(o, digits, sb.len);
}

static void put_u_escape(struct canon_out *o, uint32_t u)
{
    static const char hex[] = "0123456789abcdef";
    char esc[6];

    esc[0] = '\\';
    esc[1] = 'u';
    esc[2] = hex[u >> 12 & 15u];
    esc[3] = hex[u >> 8 & 15u];
    esc[4] = hex[u >> 4 & 15u];
    esc[5] = hex[u & 15u];
    put(o, esc, sizeof esc);
}

/* One UTF-8 sequence (the reader only passes valid ones); 0 if malformed. */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
    size_t len = s[0] >= 0xF0u ? 4 : s[0] >= 0xE0u ? 3 : s[0] >= 0xC0u ? 2 : 0;
    uint32_t v = (uint32_t)s[0] & (0x7Fu >> len);
    size_t i;

    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0u) != 0x80u)
            return 0;
        v = v << 6 | (s[i] & 0x3Fu);
    }
    *cp = v;
    return len;
}

static const char *short_escape(unsigned char c)
{
    switch (c) {
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '\b': return "\\b";
    case '\f': return "\\f";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    default: return NULL;
    }
}

/* ensure_ascii: printable ASCII as is, everything else a backslash-u escape
 * of four lowercase hex digits, and above U+FFFF a surrogate pair of them. */
static void put_string(struct canon_out *o, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    uint32_t cp;
    size_t n;

    put(o, "\"", 1);
    while (*p) {
        if (short_escape(*p)) {
            puts_(o, short_escape(*p++));
        } else if (*p >= 0x20u && *p < 0x7fu) {
            put(o, (const char *)p++, 1);
        } else if (*p < 0x80u) {
            put_u_escape(o, *p++);
        } else if ((n = utf8_decode(p, &cp)) == 0) {
            o->err = o->err ? o->err : OTA_ERR_INVALID_ARG;
            break;
        } else {
            if (cp >= 0x10000u) {
                put_u_escape(o, 0xD800u | (cp - 0x10000u) >> 10);
                cp = 0xDC00u | (cp & 0x3FFu);
            }
            put_u_escape(o, cp);
            p += n;
        }
    }
    put(o, "\"", 1);
}

/* The members in Python's sorted order ("signature" is left out). */
static const unsigned char canon_order[] = {
    T_COMMIT, T_DELETES, T_EXPIRES, T_FILES, T_FORMAT, T_POST_UPDATE,
    T_ROLLBACK, T_ROLLOUT, T_SEQUENCE, T_VERSION};

static void put_member_value(struct canon_out *o, int key)
{
    const struct ota_manifest_info *i = o->c->info;

    switch (key) {
    case T_COMMIT: put_string(o, i->commit); break;
    case T_EXPIRES: put_u64(o, i->expires); break;
    case T_FORMAT: put_string(o, OTA_MANIFEST_FORMAT); break;
    case T_POST_UPDATE: put_string(o, i->post_update); break;
    case T_ROLLBACK: put_string(o, i->rollback); break;
    case T_ROLLOUT: put_u64(o, i->rollout_percent); break;
    case T_SEQUENCE: put_u64(o, i->sequence); break;
    default: put_string(o, i->version); break;
    }
}

static int canon_done(struct canon_out *o)
{
    flush(o);
    return o->err;
}

int ota_manifest_canonical_init(struct ota_manifest_canon *c,
                                const struct ota_manifest_info *info,
                                ota_manifest_sink sink, void *arg)
{
    memset(c, 0, sizeof *c);
    if (!info || !sink)
        return OTA_ERR_INVALID_ARG;
    if (info->ignored)
        return OTA_ERR_UNSUPPORTED; /* skipped members: their bytes are gone */
    c->info = info;
    c->sink = sink;
    c->arg = arg;
    return OTA_OK;
}

/* Closes the list being replayed; the caller must have replayed all of it. */
static int close_array(struct canon_out *o)
{
    struct ota_manifest_canon *c = o->c;
    uint32_t want = c->open_array == OTA_MANIFEST_CANON_FILES ? c->info->file_count
                                                              : c->info->delete_count;

    if (c->items != want)
        return OTA_ERR_INVALID_ARG;
    put(o, "]", 1);
    c->open_array = 0;
    return OTA_OK;
}

int ota_manifest_canonical_next(struct ota_manifest_canon *c)
{
    struct canon_out o = {NULL, {0}, 0, OTA_OK};
    unsigned bit;
    int key;

    o.c = c;
    if (c->open_array && (o.err = close_array(&o)) != OTA_OK)
        return o.err;
    while (c->next_key < sizeof canon_order) {
        key = canon_order[c->next_key++];
        bit = BIT(key);
        if (!(c->info->members & bit))
            continue;
        put(&o, c->started ? ",\"" : "{\"", 2);
        c->started = 1;
        puts_(&o, top_names[key]);
        put(&o, "\":", 2);
        if (c->info->nulls & bit) {
            puts_(&o, "null");
        } else if (key == T_FILES || key == T_DELETES) {
            put(&o, "[", 1);
            c->open_array = key == T_FILES ? OTA_MANIFEST_CANON_FILES : OTA_MANIFEST_CANON_DELETES;
            c->items = 0;
            return canon_done(&o) != OTA_OK ? o.err : c->open_array;
        } else {
            put_member_value(&o, key);
        }
    }
    puts_(&o, c->started ? "}" : "{}");
    c->started = 1;
    return canon_done(&o);
}

static void put_crc32(struct canon_out *o, const struct ota_manifest_file *f)
{
    puts_(o, "\"crc32\":");
    if (f->has_crc32 == 1)
        put_u64(o, f->crc32);
    else
        put_string(o, f->crc32_text);
    put(o, ",", 1);
}

int ota_manifest_canonical_file(struct ota_manifest_canon *c, const struct ota_manifest_file *f)
{
    struct canon_out o = {NULL, {0}, 0, OTA_OK};

    o.c = c;
    if (c->open_array != OTA_MANIFEST_CANON_FILES)
        return OTA_ERR_INVALID_ARG;
    if (c->items++)
        put(&o, ",", 1);
    put(&o, "{", 1);
    if (f->has_crc32)
        put_crc32(&o, f);
    puts_(&o, "\"path\":");
    put_string(&o, f->path);
    if (f->sha1[0]) {
        puts_(&o, ",\"sha1\":");
        put_string(&o, f->sha1);
    }
    if (f->sha256[0]) {
        puts_(&o, ",\"sha256\":");
        put_string(&o, f->sha256);
    }
    puts_(&o, ",\"size\":");
    put_u64(&o, f->size);
    put(&o, "}", 1);
    return canon_done(&o);
}

int ota_manifest_canonical_delete(struct ota_manifest_canon *c, const char *path)
{
    struct canon_out o = {NULL, {0}, 0, OTA_OK};

    o.c = c;
    if (c->open_array != OTA_MANIFEST_CANON_DELETES)
        return OTA_ERR_INVALID_ARG;
    if (c->items++)
        put(&o, ",", 1);
    put_string(&o, path);
    return canon_done(&o);
}

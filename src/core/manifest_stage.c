#include "manifest_stage.h"

#include <string.h>

#include "blob.h"
#include "bodysink.h"
#include "fsutil.h"
#include "hex.h"
#include "hmac.h"
#include "lines.h"
#include "log.h"
#include "mirror.h"
#include "plan.h"
#include "sig.h"
#include "strbuf.h"

#define FS (&ctx->port->fs)
#define USER (ctx->port->user)
#define MANIFEST_FILE "manifest.json"
#define SIGNATURE_MAX 256 /* raw, base64 or hex of 64 bytes, with slack */
#define ENTRY_LINE_MAX (OTA_PATH_MAX + 160)

/* ---- the entry list -------------------------------------------------------
 * "F <sha1|-> <sha256|-> <size> <crc32> <path>", crc32 being "-", "n<decimal>"
 * or "x<the hex text as written>", and "D <path>". */

static void add_or_dash(struct ota_strbuf *sb, const char *s)
{
    ota_sb_add(sb, s[0] ? s : "-");
    ota_sb_addc(sb, ' ');
}

static size_t format_file(char *buf, size_t cap, const struct ota_manifest_file *f)
{
    struct ota_strbuf sb;

    ota_sb_init(&sb, buf, cap);
    ota_sb_add(&sb, "F ");
    add_or_dash(&sb, f->sha1);
    add_or_dash(&sb, f->sha256);
    ota_sb_add_u64(&sb, f->size);
    ota_sb_addc(&sb, ' ');
    if (f->has_crc32 == 1) {
        ota_sb_addc(&sb, 'n');
        ota_sb_add_u64(&sb, f->crc32);
    } else if (f->has_crc32 == 2) {
        ota_sb_addc(&sb, 'x');
        ota_sb_add(&sb, f->crc32_text);
    } else {
        ota_sb_addc(&sb, '-');
    }
    ota_sb_addc(&sb, ' ');
    ota_sb_add(&sb, f->path);
    ota_sb_addc(&sb, '\n');
    return sb.overflow ? 0 : sb.len;
}

/* Next space-separated field of *p (len *n): its start and length. */
static const char *field(const char **p, size_t *n, size_t *flen)
{
    const char *start = *p;
    const char *sp = memchr(start, ' ', *n);

    if (!sp)
        return NULL;
    *flen = (size_t)(sp - start);
    *n -= *flen + 1;
    *p = sp + 1;
    return start;
}

static int copy_digest(char *dst, size_t hex_len, const char *s, size_t n)
{
    size_t i;

    if (n == 1 && s[0] == '-') {
        dst[0] = '\0';
        return OTA_OK;
    }
    if (n != hex_len)
        return OTA_ERR_STATE;
    for (i = 0; i < n; i++)
        if (ota_hex_value(s[i]) < 0)
            return OTA_ERR_STATE;
    memcpy(dst, s, n);
    dst[n] = '\0';
    return OTA_OK;
}

static int parse_crc(struct ota_manifest_file *f, const char *s, size_t n)
{
    uint64_t v;

    f->has_crc32 = 0;
    if (n == 1 && s[0] == '-')
        return OTA_OK;
    if (n >= 2 && s[0] == 'n' && ota_parse_u64(s + 1, n - 1, &v) == 0 && v <= 0xffffffffu) {
        f->has_crc32 = 1;
        f->crc32 = (uint32_t)v;
        return OTA_OK;
    }
    if (n >= 2 && s[0] == 'x' && n - 1 < sizeof f->crc32_text) {
        f->has_crc32 = 2;
        memcpy(f->crc32_text, s + 1, n - 1);
        f->crc32_text[n - 1] = '\0';
        return OTA_OK;
    }
    return OTA_ERR_STATE;
}

int ota_entry_line_parse(const char *line, size_t len, struct ota_manifest_file *f,
                         int *is_delete)
{
    const char *p = line + 2, *s;
    size_t n = len - 2, flen;
    int err = OTA_OK;

    memset(f, 0, sizeof *f);
    if (len < 3 || line[1] != ' ' || (line[0] != 'F' && line[0] != 'D'))
        return OTA_ERR_STATE;
    *is_delete = line[0] == 'D';
    if (line[0] == 'F') {
        s = field(&p, &n, &flen);
        err = s ? copy_digest(f->sha1, 40, s, flen) : OTA_ERR_STATE;
        s = err == OTA_OK ? field(&p, &n, &flen) : NULL;
        err = s ? copy_digest(f->sha256, 64, s, flen) : OTA_ERR_STATE;
        s = err == OTA_OK ? field(&p, &n, &flen) : NULL;
        err = s && ota_parse_u64(s, flen, &f->size) == 0 ? OTA_OK : OTA_ERR_STATE;
        s = err == OTA_OK ? field(&p, &n, &flen) : NULL;
        err = s ? parse_crc(f, s, flen) : OTA_ERR_STATE;
    }
    if (err == OTA_OK && ota_copy_str(f->path, sizeof f->path, p, n) != OTA_OK)
        err = OTA_ERR_STATE;
    return err;
}

/* ---- reading the manifest into the list ----------------------------------- */

struct lister {
    struct ota_ctx *ctx;
    int fd;           /* the entry list being written */
    const char *path; /* its name */
};

static int write_entry(struct lister *l, const char *line, size_t len)
{
    struct ota_ctx *ctx = l->ctx;

    return len ? ota_write_all(ctx, l->fd, line, len) : OTA_ERR_NO_MEM;
}

static int on_file(void *arg, const struct ota_manifest_file *f)
{
    char line[ENTRY_LINE_MAX];

    return write_entry(arg, line, format_file(line, sizeof line, f));
}

static int on_delete(void *arg, const char *path, uint32_t index)
{
    char line[ENTRY_LINE_MAX];
    struct ota_strbuf sb;

    (void)index;
    ota_sb_init(&sb, line, sizeof line);
    ota_sb_add(&sb, "D ");
    ota_sb_add(&sb, path);
    ota_sb_addc(&sb, '\n');
    return write_entry(arg, line, sb.overflow ? 0 : sb.len);
}

/* The reader's filter saw a possible collision: compare with every entry
 * listed so far (read back in lines_buf, idle while the manifest streams). */
static int conflicts(void *arg, const char *path, int is_delete)
{
    struct lister *l = arg;
    struct ota_ctx *ctx = l->ctx;
    struct ota_manifest_file f;
    struct ota_lines lr;
    char *line;
    size_t len;
    int r, other_delete, found = 0;

    r = ota_lines_open(&lr, ctx, l->path, ctx->lines_buf, ctx->lines_size);
    while (r == OTA_OK && !found && (r = ota_lines_next(&lr, &line, &len)) == 1) {
        r = ota_entry_line_parse(line, len, &f, &other_delete);
        found = r == OTA_OK && ota_manifest_conflict(path, is_delete, f.path, other_delete);
    }
    ota_lines_close(&lr);
    return r < 0 ? r : found;
}

/* Streams a staged file through fn (io_buf-sized pieces). */
static int read_file(struct ota_ctx *ctx, const char *path,
                     int (*fn)(void *arg, const uint8_t *p, size_t n), void *arg)
{
    long n;
    int err = OTA_OK;
    int fd = FS->open(USER, path, OTA_OPEN_READ);

    if (fd < 0)
        return ota_fail(ctx, fd, "cannot read ", path, NULL);
    while (err == OTA_OK && (n = FS->read(USER, fd, ctx->io_buf, ctx->io_size)) != 0)
        err = n < 0 ? (int)n : fn(arg, ctx->io_buf, (size_t)n);
    FS->close(USER, fd);
    return err;
}

static int feed_reader(void *arg, const uint8_t *p, size_t n)
{
    return ota_manifest_feed(arg, p, n);
}

/* ---- downloads ------------------------------------------------------------ */

static int feed_sha256(void *arg, const uint8_t *p, size_t n)
{
    return ota_content256_update(arg, p, n);
}

/* A mirror names the manifest by its SHA-256: the bytes must be those. */
static int check_named_hash(struct ota_ctx *ctx, const struct ota_release *rel, const char *path)
{
    char actual[OTA_SHA256_HEX];
    int err = ota_content256_begin(ctx);

    if (err == OTA_OK) {
        err = read_file(ctx, path, feed_sha256, ctx);
        if (err == OTA_OK)
            err = ota_content256_end(ctx, actual);
        else
            ota_content256_abort(ctx);
    }
    if (err == OTA_OK && strcmp(actual, rel->manifest_sha256) != 0)
        return ota_fail(ctx, OTA_ERR_HASH_MISMATCH, "mirror manifest ", rel->manifest_sha256,
                        " does not have that SHA-256 (corrupted or tampered)");
    return err;
}

static int fetch_manifest(struct ota_ctx *ctx, const struct ota_release *rel, const char *path)
{
    struct ota_file_sink sink;
    struct ota_body body;
    struct ota_http_result res;
    int err;

    ota_file_sink_init(&sink, ctx, path, MANIFEST_FILE, OTA_MANIFEST_MAX_BYTES, &body);
    if (rel->mirror) {
        err = ota_mirror_manifest_url(ctx, rel->manifest_sha256);
        if (err == OTA_OK)
            err = ota_http_fetch(ctx, "application/json", NULL, &body, &res);
    } else {
        err = ota_release_fetch_asset(ctx, rel->manifest_id, &body);
    }
    ota_file_sink_close(&sink);
    if (err == OTA_OK && rel->mirror)
        return check_named_hash(ctx, rel, path);
    if (err != OTA_OK)
        return ota_fail(ctx, err, "cannot download " MANIFEST_FILE ": ", ota_strerror(err),
                        NULL);
    return OTA_OK;
}

static int fetch_signature(struct ota_ctx *ctx, uint64_t id, uint8_t sig[OTA_ED25519_SIG_LEN])
{
    uint8_t text[SIGNATURE_MAX];
    struct ota_mem_sink s;
    struct ota_body body;
    int err;

    ota_mem_sink_init(&s, text, sizeof text, &body);
    err = ota_release_fetch_asset(ctx, id, &body);
    if (err != OTA_OK)
        return ota_fail(ctx, err, "cannot download " OTA_SIGNATURE_ASSET ": ",
                        ota_strerror(err), NULL);
    if (s.overflow || ota_sig_parse_signature(text, s.len, sig) != OTA_OK)
        return ota_fail(ctx, OTA_ERR_SIGNATURE, OTA_SIGNATURE_ASSET
                        " is not an Ed25519 signature (64 bytes, or their base64 or hex)",
                        NULL, NULL);
    return OTA_OK;
}

/* ---- authentication ------------------------------------------------------- */

static int feed_verifier(void *arg, const uint8_t *p, size_t n)
{
    return ota_sig_verify_update(arg, p, n);
}

static int check_ed25519(struct ota_ctx *ctx, const struct ota_release *rel, const char *path)
{
    uint8_t pub[OTA_ED25519_KEY_LEN], sig[OTA_ED25519_SIG_LEN];
    int err, end;

    if (ota_sig_parse_public_key(ctx->settings.public_key, pub) != OTA_OK)
        return ota_fail(ctx, OTA_ERR_CONFIG, "public_key is not an Ed25519 public key", NULL,
                        NULL);
    if (rel->mirror)
        err = ota_hex_decode(rel->signature_hex, 128, sig, sizeof sig) == 0
                  ? OTA_OK
                  : ota_fail(ctx, OTA_ERR_SIGNATURE, "mirror pointer signature is not hex", NULL,
                             NULL);
    else if (!rel->signature_id)
        return ota_fail(ctx, OTA_ERR_SIGNATURE, "release ", rel->tag,
                        " has no " OTA_SIGNATURE_ASSET " (public_key requires signed releases)");
    else
        err = fetch_signature(ctx, rel->signature_id, sig);
    if (err != OTA_OK)
        return err;
    err = ota_sig_verify_begin(ctx, pub, sig);
    if (err != OTA_OK)
        return ota_fail(ctx, err, "cannot verify the manifest signature: ", ota_strerror(err),
                        NULL);
    err = read_file(ctx, path, feed_verifier, ctx);
    end = ota_sig_verify_end(ctx);
    if (err == OTA_OK && end != OTA_OK)
        return ota_fail(ctx, OTA_ERR_SIGNATURE, "manifest signature of release ", rel->tag,
                        " is not valid for public_key (tampered, or signed by another key)");
    return err;
}

struct replay {
    struct ota_ctx *ctx;
    struct ota_hmac hmac;
    const char *entries;
};

static int hmac_sink(void *arg, const char *p, size_t n)
{
    struct replay *r = arg;

    return ota_hmac_update(&r->hmac, p, n);
}

/* Hands the listed files (or deletes) back to the canonical form, in
 * document order (the list is read in io_buf). */
static int replay_list(struct replay *r, struct ota_manifest_canon *c, int want_delete)
{
    struct ota_ctx *ctx = r->ctx;
    struct ota_manifest_file f;
    struct ota_lines lr;
    char *line;
    size_t len;
    int is_delete;
    int err = ota_lines_open(&lr, ctx, r->entries, (char *)ctx->io_buf, ctx->io_size);

    while (err == OTA_OK && (err = ota_lines_next(&lr, &line, &len)) == 1) {
        err = ota_entry_line_parse(line, len, &f, &is_delete);
        if (err == OTA_OK && is_delete == want_delete)
            err = is_delete ? ota_manifest_canonical_delete(c, f.path)
                            : ota_manifest_canonical_file(c, &f);
    }
    ota_lines_close(&lr);
    return err;
}

static int canonical_hmac(struct replay *r, const struct ota_manifest_info *info)
{
    struct ota_manifest_canon c;
    int err = ota_manifest_canonical_init(&c, info, hmac_sink, r);

    while (err == OTA_OK && (err = ota_manifest_canonical_next(&c)) > 0)
        err = replay_list(r, &c, err == OTA_MANIFEST_CANON_DELETES);
    return err;
}

static int equal_in_constant_time(const uint8_t *a, const uint8_t *b, size_t n)
{
    uint8_t diff = 0;
    size_t i;

    for (i = 0; i < n; i++)
        diff |= (uint8_t)(a[i] ^ b[i]);
    return diff == 0;
}

static int check_hmac(struct ota_ctx *ctx, const struct ota_manifest_info *info,
                      const char *entries)
{
    const char *key = ctx->settings.manifest_key;
    uint8_t mac[32], want[32];
    struct replay r;
    int err;

    if (!info->signature[0])
        return ota_fail(ctx, OTA_ERR_SIGNATURE, "manifest has no \"signature\" "
                        "(manifest_key requires HMAC-signed manifests)", NULL, NULL);
    r.ctx = ctx;
    r.entries = entries;
    err = ota_hmac_begin(&r.hmac, ctx, (const uint8_t *)key, strlen(key));
    if (err == OTA_OK) {
        err = canonical_hmac(&r, info);
        if (err == OTA_ERR_UNSUPPORTED)
            ota_fail(ctx, OTA_ERR_SIGNATURE, "manifest has members unknown to this version: "
                     "its HMAC cannot be checked", NULL, NULL);
        err = ota_hmac_end(&r.hmac, err == OTA_OK ? mac : NULL) == OTA_OK ? err : OTA_ERR_CRYPTO;
    }
    if (err != OTA_OK)
        return err == OTA_ERR_UNSUPPORTED ? OTA_ERR_SIGNATURE : err;
    if (ota_hex_decode(info->signature, 64, want, sizeof want) != 0 ||
        !equal_in_constant_time(mac, want, sizeof mac))
        return ota_fail(ctx, OTA_ERR_SIGNATURE, "manifest HMAC does not match manifest_key "
                        "(tampered, or signed with another key)", NULL, NULL);
    return OTA_OK;
}

/* ---- the whole step ------------------------------------------------------- */

static int check_target(struct ota_ctx *ctx, const struct ota_manifest_info *info,
                        const struct ota_version *next)
{
    int64_t now = ctx->port->sys.time_now ? ctx->port->sys.time_now(USER) : 0;

    if (info->commit[0] && strcmp(info->commit, next->commit) != 0)
        return ota_fail(ctx, OTA_ERR_MANIFEST, "manifest is for commit ", info->commit,
                        ", not the release's");
    return ota_manifest_check_fresh(ctx, info, now > 0 ? (uint64_t)now : 0,
                                    next->has_sequence, next->sequence);
}

/* Once the whole document is read and checked (its info is in the reader):
 * authentication by HMAC, then freshness; then what version.json keeps. */
static int accept_manifest(struct ota_ctx *ctx, const struct ota_manifest_info *info,
                           const char *entries, struct ota_version *next)
{
    const char *key = ctx->settings.manifest_key;
    int err = key && key[0] ? check_hmac(ctx, info, entries) : OTA_OK;

    if (err == OTA_OK)
        err = check_target(ctx, info, next);
    if (err != OTA_OK)
        return err;
    next->has_sequence = info->has_sequence;
    next->sequence = info->sequence;
    memcpy(next->post_update, info->post_update, sizeof next->post_update);
    memcpy(next->rollback, info->rollback, sizeof next->rollback);
    return OTA_OK;
}

/* Reads the staged manifest into the entry list (written in document order)
 * and accepts it. */
static int list_and_accept(struct ota_ctx *ctx, const char *manifest, const char *entries,
                           struct ota_version *next, struct ota_manifest_staged *out)
{
    struct ota_manifest_reader m;
    struct ota_manifest_callbacks cb = {on_file, on_delete, conflicts, NULL};
    struct lister l;
    int err;

    l.ctx = ctx;
    l.path = entries;
    l.fd = FS->open(USER, entries, OTA_OPEN_WRITE);
    if (l.fd < 0)
        return ota_fail(ctx, l.fd, "cannot create ", entries, NULL);
    cb.arg = &l;
    err = ota_manifest_init(&m, ctx, &cb);
    if (err == OTA_OK)
        err = read_file(ctx, manifest, feed_reader, &m);
    if (err == OTA_OK)
        err = ota_manifest_finish(&m, NULL);
    if (err == OTA_OK)
        err = FS->sync(USER, l.fd);
    FS->close(USER, l.fd);
    if (err != OTA_OK && !ctx->reason[0])
        ota_fail(ctx, err, "manifest: ", ota_strerror(err), NULL);
    out->sorted = m.unsorted_at == 0;
    out->file_count = m.info.file_count;
    out->rollout_percent =
        (m.info.members & OTA_MF_ROLLOUT) ? (int32_t)m.info.rollout_percent : -1;
    return err == OTA_OK ? accept_manifest(ctx, &m.info, entries, next) : err;
}

int ota_manifest_stage(struct ota_ctx *ctx, const struct ota_release *rel,
                       struct ota_version *next, struct ota_manifest_staged *out)
{
    char manifest[OTA_PATH_MAX + 64], entries[OTA_PATH_MAX + 64];
    int err = ota_stage_path(ctx, manifest, sizeof manifest, MANIFEST_FILE);

    memset(out, 0, sizeof *out);
    if (err == OTA_OK)
        err = ota_stage_path(ctx, entries, sizeof entries, OTA_ENTRIES_FILE);
    if (err == OTA_OK)
        err = fetch_manifest(ctx, rel, manifest);
    if (err == OTA_OK && ctx->settings.public_key && ctx->settings.public_key[0])
        err = check_ed25519(ctx, rel, manifest);
    return err == OTA_OK ? list_and_accept(ctx, manifest, entries, next, out) : err;
}

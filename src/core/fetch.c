#include "fetch.h"

#include <string.h>

#include "blob.h"
#include "delta.h"
#include "delta_index.h"
#include "hex.h"
#include "fsutil.h"
#include "github.h"
#include "http.h"
#include "lines.h"
#include "link_policy.h"
#include "log.h"
#include "mirror.h"
#include "plan.h"
#include "sidecar.h"
#include "state.h"
#include "status_led.h"
#include "strbuf.h"

#define FS (&ctx->port->fs)
#define USER (ctx->port->user)

/* One file's download: the body consumer of ota_http_fetch. */
struct download {
    struct ota_ctx *ctx;
    const struct ota_entry *e;
    const char *stage_path;
    int fd;
    int hashing;
    int hashing256;                     /* a SHA-256 runs too */
    const char *sha256;                 /* expected SHA-256, or "" */
    uint64_t received;
    struct ota_event progress;
};

static void close_stage_file(struct download *d)
{
    struct ota_ctx *ctx = d->ctx;

    if (d->hashing)
        ota_blob_abort(ctx);
    if (d->hashing256)
        ota_content256_abort(ctx);
    d->hashing = d->hashing256 = 0;
    if (d->fd >= 0)
        FS->close(USER, d->fd);
    d->fd = -1;
}

static int dl_begin(void *arg)
{
    struct download *d = arg;
    struct ota_ctx *ctx = d->ctx;
    int err;

    close_stage_file(d); /* a retry starts the file again */
    d->received = 0;
    d->fd = FS->open(USER, d->stage_path, OTA_OPEN_WRITE);
    if (d->fd < 0)
        return ota_fail(ctx, d->fd, "cannot create ", d->stage_path, NULL);
    err = ota_blob_begin(ctx, d->e->size);
    d->hashing = err == OTA_OK;
    if (err == OTA_OK && d->sha256[0]) {
        err = ota_content256_begin(ctx);
        d->hashing256 = err == OTA_OK;
    }
    return err;
}

static int dl_data(void *arg, const uint8_t *p, size_t n)
{
    struct download *d = arg;
    struct ota_ctx *ctx = d->ctx;
    int err;

    /* never store more than the tree promised: a lying server stops here */
    if (n > d->e->size - d->received)
        return ota_fail(ctx, OTA_ERR_SIZE_MISMATCH, d->e->path,
                        ": server sent more bytes than the tree lists", NULL);
    err = ota_blob_update(ctx, p, n);
    if (err == OTA_OK && d->hashing256)
        err = ota_content256_update(ctx, p, n);
    if (err == OTA_OK)
        err = FS->write(USER, d->fd, p, n);
    if (err != OTA_OK)
        return ota_fail(ctx, err, "cannot write ", d->stage_path, NULL);
    d->received += n;
    d->progress.type = OTA_EVENT_FILE_PROGRESS;
    d->progress.bytes_done = d->received;
    ota_emit(ctx, &d->progress);
    return OTA_OK;
}

/* Bytes staged and hashed so far continue after a broken transfer. */
static uint64_t dl_resume(void *arg)
{
    const struct download *d = arg;

    return d->fd >= 0 && d->hashing && d->received < d->e->size ? d->received : 0;
}

static int dl_end(void *arg)
{
    struct download *d = arg;
    struct ota_ctx *ctx = d->ctx;
    char actual[OTA_SHA1_HEX];
    int err;

    if (d->received != d->e->size) {
        close_stage_file(d);
        return ota_fail(ctx, OTA_ERR_SIZE_MISMATCH, d->e->path,
                        ": download shorter than the tree lists", NULL);
    }
    d->hashing = 0;
    err = ota_blob_end(ctx, actual);
    /* an unknown blob id (a manifest entry with only a SHA-256) leaves the
     * SHA-256 to decide */
    if (err == OTA_OK && strcmp(d->e->sha, OTA_UNKNOWN_SHA) != 0 &&
        strcmp(actual, d->e->sha) != 0)
        err = ota_fail(ctx, OTA_ERR_HASH_MISMATCH, d->e->path,
                       ": SHA-1 mismatch, download corrupted", NULL);
    if (d->hashing256) {
        char actual256[OTA_SHA256_HEX];
        int err256 = ota_content256_end(ctx, actual256);
        d->hashing256 = 0;
        if (err256 == OTA_OK && strcmp(actual256, d->sha256) != 0)
            err256 = ota_fail(ctx, OTA_ERR_HASH_MISMATCH, d->e->path,
                              ": SHA-256 mismatch, download corrupted", NULL);
        if (err == OTA_OK)
            err = err256;
    }
    if (err == OTA_OK)
        err = FS->sync(USER, d->fd);
    close_stage_file(d);
    return err;
}

/* ---- by delta: the body is a delta from the installed blob at the path -- */

struct by_delta {
    struct download *d;
    struct ota_delta_dec *dec;
    const char *src_path;
    const char *old_sha;
    int src_fd;
    uint64_t fed;      /* delta bytes the decoder took */
};

static void close_source(struct by_delta *b)
{
    struct ota_ctx *ctx = b->d->ctx;

    if (b->src_fd >= 0)
        FS->close(USER, b->src_fd);
    b->src_fd = -1;
}

/* The header must describe this file made from that blob. */
static int header_fits(const struct by_delta *b)
{
    const struct ota_delta_header *h = &b->dec->h;
    uint8_t id[OTA_DELTA_ID_LEN];

    return b->dec->header_done && h->new_size == b->d->e->size && h->source_count == 1 &&
           ota_hex_decode(b->old_sha, 2 * OTA_DELTA_ID_LEN, id, sizeof id) == 0 &&
           memcmp(id, h->source_id[0], sizeof id) == 0;
}

/* The source is the file at the path, still the installed version. */
static int bd_read_source(void *arg, unsigned index, uint64_t offset, uint8_t *buf, size_t len)
{
    struct by_delta *b = arg;
    struct ota_ctx *ctx = b->d->ctx;
    size_t got = 0;
    long n = 1;
    int err;

    if (index != 0 || !header_fits(b))
        return OTA_ERR_DELTA;
    if (b->src_fd < 0) {
        b->src_fd = FS->open(USER, b->src_path, OTA_OPEN_READ);
        if (b->src_fd < 0)
            return b->src_fd;
    }
    err = FS->seek(USER, b->src_fd, offset);
    while (err == OTA_OK && got < len && (n = FS->read(USER, b->src_fd, buf + got, len - got)) > 0)
        got += (size_t)n;
    if (err == OTA_OK && n < 0)
        err = (int)n;
    return err == OTA_OK && got < len ? OTA_ERR_DELTA : err; /* the file is shorter */
}

static int bd_write(void *arg, const uint8_t *data, size_t len)
{
    struct by_delta *b = arg;

    return dl_data(b->d, data, len);
}

static int bd_begin(void *arg)
{
    struct by_delta *b = arg;
    struct ota_delta_io io = {bd_read_source, bd_write, NULL};

    close_source(b);
    io.arg = b;
    ota_delta_init(b->dec, &io);
    b->fed = 0;
    return dl_begin(b->d);
}

static int bd_data(void *arg, const uint8_t *p, size_t n)
{
    struct by_delta *b = arg;
    int err = ota_delta_feed(b->dec, p, n);

    if (err == OTA_OK)
        b->fed += n;
    return err;
}

/* The decoder's state survives a broken transfer: it takes the rest. */
static uint64_t bd_resume(void *arg)
{
    const struct by_delta *b = arg;

    return b->d->fd >= 0 && b->d->hashing ? b->fed : 0;
}

static int bd_end(void *arg)
{
    struct by_delta *b = arg;
    int err = ota_delta_finish(b->dec);

    close_source(b);
    if (err == OTA_OK && !header_fits(b))
        err = OTA_ERR_DELTA;
    if (err != OTA_OK) {
        close_stage_file(b->d);
        return ota_fail(b->d->ctx, err, b->d->e->path, ": unusable delta", NULL);
    }
    return dl_end(b->d); /* the rebuilt file is verified like a download */
}

/* Fetches the delta OLD-NEW.otad where the source publishes it and rebuilds
 * the file from it. */
static int fetch_by_delta(struct ota_ctx *ctx, const char *commit, struct download *d,
                          const struct ota_delta_choice *from)
{
    const char *old_sha = from->src_sha;
    char name[2 * OTA_SHA1_HEX + 8];
    struct by_delta b;
    struct ota_body body = {bd_begin, bd_data, bd_end, NULL, bd_resume};
    struct ota_http_result res;
    struct ota_strbuf sb;
    int err;

    b.d = d;
    b.dec = (struct ota_delta_dec *)ctx->settings.delta_buf;
    b.old_sha = old_sha;
    b.src_path = from->src_path;
    b.src_fd = -1;
    b.fed = 0;
    body.arg = &b;
    ota_sb_init(&sb, name, sizeof name);
    ota_sb_add(&sb, old_sha);
    ota_sb_addc(&sb, '-');
    ota_sb_add(&sb, d->e->sha);
    ota_sb_add(&sb, ".otad");
    err = ota_delta_source_url(ctx, commit, name);
    if (err == OTA_OK)
        err = ota_http_fetch(ctx, "*/*", NULL, &body, &res);
    close_source(&b);
    close_stage_file(d);
    return err;
}

/* The SHA-256 the file must have: from the plan (a manifest's), else from
 * the sidecar when one is configured, else none. */
static int expected_sha256(struct ota_ctx *ctx, const struct ota_entry *e, char *sha256)
{
    const char *sidecar = ctx->settings.sha256_sidecar;

    if (sha256[0] || !sidecar || !sidecar[0] || strcmp(e->path, sidecar) == 0)
        return OTA_OK; /* (the sidecar cannot list itself) */
    /* io_buf is idle until the body arrives: it holds the sidecar lines */
    return ota_sidecar_lookup(ctx, e->path, sha256, (char *)ctx->io_buf, ctx->io_size);
}

/* A failed delta costs only its own download: the whole file comes next. */
static void fell_back(struct ota_ctx *ctx, const char *path)
{
    ctx->stats.delta_fallbacks++;
    ota_log(ctx, OTA_LOG_INFO, "no usable delta for ", path, ": fetching the whole file");
    ota_log(ctx, OTA_LOG_DEBUG, "delta: ", ctx->reason, NULL);
    ctx->reason[0] = '\0';
}

/* Where the file is: the raw host at the commit, or a mirror's object. */
static int file_url(struct ota_ctx *ctx, const char *commit, const struct ota_entry *e)
{
    if (!ctx->from_mirror)
        return ota_github_raw_url(ctx, commit, e->path);
    if (strcmp(e->sha, OTA_UNKNOWN_SHA) == 0)
        return ota_fail(ctx, OTA_ERR_MANIFEST, e->path,
                        ": a mirror serves files by git blob SHA-1, which the manifest lacks",
                        NULL);
    return ota_mirror_object_url(ctx, e->sha);
}

static int fetch_one(struct ota_ctx *ctx, const char *commit, const struct ota_entry *e,
                     char *sha256, const char *old_sha, struct ota_event *progress)
{
    struct download d;
    struct ota_body body = {dl_begin, dl_data, dl_end, NULL, dl_resume};
    struct ota_http_result res;
    struct ota_delta_choice from;
    /* (before path_a and path_b hold the stage path: the index uses them) */
    int by_delta = ota_delta_choose(ctx, commit, e, old_sha, &from), err;

    memset(&d, 0, sizeof d);
    d.ctx = ctx;
    d.e = e;
    d.fd = -1;
    d.stage_path = ctx->path_a;
    d.progress = *progress;
    body.arg = &d;
    d.sha256 = sha256;
    err = expected_sha256(ctx, e, sha256);
    if (err == OTA_OK && strcmp(e->sha, OTA_UNKNOWN_SHA) == 0 && !sha256[0])
        err = ota_fail(ctx, OTA_ERR_STATE, "no hash to verify ", e->path, " against");
    if (err == OTA_OK)
        err = ota_join(ctx->path_b, sizeof ctx->path_b, ctx->settings.stage_dir, "files");
    if (err == OTA_OK)
        err = ota_join(ctx->path_a, sizeof ctx->path_a, ctx->path_b, e->path);
    if (err == OTA_OK)
        err = ota_mkdirs_for(ctx, ctx->path_a);
    if (err == OTA_OK && by_delta) {
        if (fetch_by_delta(ctx, commit, &d, &from) == OTA_OK) {
            ctx->stats.files_by_delta++;
            return OTA_OK;
        }
        fell_back(ctx, e->path);
    }
    if (err == OTA_OK)
        err = file_url(ctx, commit, e);
    if (err == OTA_OK)
        err = ota_http_fetch(ctx, "*/*", NULL, &body, &res);
    close_stage_file(&d);
    if (err != OTA_OK)
        (void)FS->remove(USER, ctx->path_a); /* nothing unverified stays */
    return err;
}

int ota_fetch_planned(struct ota_ctx *ctx, const char *commit, uint32_t files_total)
{
    struct ota_lines plan;
    struct ota_event ev;
    char sha256[OTA_SHA256_HEX] = "", old_sha[OTA_SHA1_HEX] = "";
    char *line;
    size_t len;
    uint64_t received;
    int r, err;

    memset(&ev, 0, sizeof ev);
    ev.files_total = files_total;
    ev.commit = commit;
    err = ota_plan_open(ctx, &plan);
    if (err != OTA_OK)
        return err;
    while ((r = ota_lines_next(&plan, &line, &len)) == 1) {
        if (line[0] == OTA_PLAN_SHA256 && len == 66 && line[1] == ' ') {
            memcpy(sha256, line + 2, 65);
            continue;
        }
        if (line[0] == OTA_PLAN_REPLACES && len == 42 && line[1] == ' ') {
            memcpy(old_sha, line + 2, OTA_SHA1_HEX);
            continue;
        }
        if (line[0] != OTA_PLAN_FETCH)
            continue;
        if (len < 2 || ota_entry_parse(line + 2, len - 2, &ctx->entry) != OTA_OK) {
            r = ota_fail(ctx, OTA_ERR_STATE, "corrupt plan line", NULL, NULL);
            break;
        }
        ev.type = OTA_EVENT_FILE_BEGIN;
        ev.path = ctx->entry.path;
        ev.bytes_done = 0;
        ev.bytes_total = ctx->entry.size;
        ota_emit(ctx, &ev);
        received = ctx->stats.bytes_received;
        r = fetch_one(ctx, commit, &ctx->entry, sha256, old_sha, &ev);
        ctx->stats.fetch_bytes_received += ctx->stats.bytes_received - received;
        sha256[0] = old_sha[0] = '\0';
        if (r != OTA_OK)
            break;
        ctx->stats.files_fetched++;
        ev.files_done++;
        ev.type = OTA_EVENT_FILE_DONE;
        ev.bytes_done = ctx->entry.size;
        ota_emit(ctx, &ev);
        ota_led_show(ctx, OTA_LED_FILE_DONE);
    }
    ota_lines_close(&plan);
    return r < 0 ? r : OTA_OK;
}

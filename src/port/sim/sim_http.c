/* The simulated network: answers from a table in memory (url -> status,
 * ETag, body), the body pushed in chunks; and a publisher that describes a
 * repository version the way GitHub serves it (commits/{ref} as 40 bytes,
 * the recursive tree in git order with real blob SHA-1s, raw files). */
#include <string.h>

#include "hex.h"
#include "ota/ota.h"
#include "sha1.h"
#include "sim.h"
#include "strbuf.h"

void sim_http_init(struct sim_http *h, char *text, size_t text_cap)
{
    memset(h, 0, sizeof *h);
    h->text = text;
    h->text_cap = text_cap;
    h->chunk = 1000;
    h->wait_step_ms = 500;
}

char *sim_http_keep(struct sim_http *h, const char *s, size_t n)
{
    char *p;

    if (h->text_cap - h->text_len < n + 1)
        return NULL;
    p = h->text + h->text_len;
    memcpy(p, s, n);
    p[n] = '\0';
    h->text_len += n + 1;
    return p;
}

static struct sim_response *find(struct sim_http *h, const char *url)
{
    size_t i;

    for (i = 0; i < h->count; i++)
        if (strcmp(h->r[i].url, url) == 0)
            return &h->r[i];
    return NULL;
}

int sim_http_put(struct sim_http *h, const char *url, int status, const char *etag,
                 const void *body, size_t len)
{
    struct sim_response *r = find(h, url);

    if (!r) {
        if (h->count == SIM_HTTP_MAX)
            return OTA_ERR_NO_MEM;
        r = &h->r[h->count];
        r->url = sim_http_keep(h, url, strlen(url));
        if (!r->url)
            return OTA_ERR_NO_MEM;
        h->count++;
    }
    r->status = status;
    r->etag = etag ? sim_http_keep(h, etag, strlen(etag)) : NULL;
    r->body = body;
    r->len = len;
    return etag && !r->etag ? OTA_ERR_NO_MEM : OTA_OK;
}

/* The value of request header name ("If-None-Match"), or NULL. */
static const char *request_header(const struct ota_http_request *req, const char *name)
{
    size_t i, n = strlen(name);

    for (i = 0; i < req->header_count; i++) {
        const char *line = req->headers[i];
        if (strncmp(line, name, n) == 0 && line[n] == ':')
            return line[n + 1] == ' ' ? line + n + 2 : line + n + 1;
    }
    return NULL;
}

static int push_header(const struct ota_http_sink *sink, const char *name, const char *value)
{
    return sink->on_header(sink->arg, name, strlen(name), value, strlen(value));
}

/* The port's GET (user is the struct sim). */
/* The link says nothing for stall_ms; the port keeps telling the engine
 * that it waits, as a real one must. */
static void stall(struct sim *sim, const struct ota_http_sink *sink)
{
    uint32_t left = sim->http.stall_ms;
    uint32_t step = sim->http.wait_step_ms ? sim->http.wait_step_ms : 500u;

    while (left > 0) {
        uint32_t n = left < step ? left : step;
        sim->clock_ms += n;
        left -= n;
        if (sink->on_wait)
            sink->on_wait(sink->arg);
    }
}

static int push_content_range(const struct ota_http_sink *sink, size_t from, size_t total)
{
    char value[64];
    struct ota_strbuf sb;

    ota_sb_init(&sb, value, sizeof value);
    ota_sb_add(&sb, "bytes ");
    ota_sb_add_u64(&sb, from);
    ota_sb_addc(&sb, '-');
    ota_sb_add_u64(&sb, total - 1u);
    ota_sb_addc(&sb, '/');
    ota_sb_add_u64(&sb, total);
    return push_header(sink, "Content-Range", value);
}

/* The body in chunks, each after the stall; a dropping link stops early. */
static int send_body(struct sim *sim, const struct ota_http_sink *sink, const uint8_t *body,
                     size_t len)
{
    struct sim_http *h = &sim->http;
    size_t off, limit = len;
    int err = OTA_OK;

    if (h->drops > 0 && h->drop_after < len) {
        h->drops--;
        limit = h->drop_after;
    }
    for (off = 0; err == OTA_OK && off < limit;) {
        size_t n = limit - off < h->chunk ? limit - off : h->chunk;
        stall(sim, sink);
        err = sink->on_body(sink->arg, body + off, n);
        off += n;
    }
    return err == OTA_OK && limit < len ? OTA_ERR_TRUNCATED : err;
}

static int http_get(void *user, const struct ota_http_request *req,
                    const struct ota_http_sink *sink)
{
    static const char not_found[] = "{\"message\": \"Not Found\"}";
    struct sim *sim = user;
    struct sim_http *h = &sim->http;
    const struct sim_response *r;
    const uint8_t *body = (const uint8_t *)not_found;
    size_t len = sizeof not_found - 1, range = 0;
    const char *inm;
    char digits[24];
    struct ota_strbuf sb;
    int status = 404, err;

    if (sim->fs.power_lost || h->down)
        return OTA_ERR_NETWORK;
    h->requests++;
    stall(sim, sink);
    r = find(h, req->url);
    inm = request_header(req, "If-None-Match");
    if (r) {
        status = r->status;
        body = r->body;
        len = r->len;
        if (r->etag && inm && strcmp(inm, r->etag) == 0) {
            status = 304;
            len = 0;
        }
    }
    if (req->range_start > 0)
        h->ranged++;
    if (req->range_start > 0 && status == 200 && !h->no_ranges) {
        status = req->range_start < len ? 206 : 416;
        range = req->range_start < len ? (size_t)req->range_start : len;
    }
    err = sink->on_status(sink->arg, status);
    if (err == OTA_OK && r && r->etag)
        err = push_header(sink, "ETag", r->etag);
    if (err == OTA_OK && status == 206)
        err = push_content_range(sink, range, len);
    body += range;
    len -= range;
    ota_sb_init(&sb, digits, sizeof digits);
    ota_sb_add_u64(&sb, len);
    if (err == OTA_OK)
        err = push_header(sink, "Content-Length", digits);
    return err == OTA_OK ? send_body(sim, sink, body, len) : err;
}

/* ---- the repository publisher ------------------------------------------------ */

void sim_blob_sha1(const void *data, size_t len, char hex[41])
{
    struct ota_sha1 s;
    struct ota_strbuf sb;
    char header[32];
    uint8_t digest[OTA_SHA1_LEN];

    ota_sb_init(&sb, header, sizeof header);
    ota_sb_add(&sb, "blob ");
    ota_sb_add_u64(&sb, len);
    ota_sha1_init(&s);
    ota_sha1_update(&s, header, sb.len + 1); /* the NUL is part of it */
    ota_sha1_update(&s, data, len);
    ota_sha1_final(&s, digest);
    ota_hex_encode(digest, sizeof digest, hex);
}

static void sha1_text(const char *a, const char *b, char hex[41])
{
    struct ota_sha1 s;
    uint8_t digest[OTA_SHA1_LEN];

    ota_sha1_init(&s);
    ota_sha1_update(&s, a, strlen(a));
    ota_sha1_update(&s, b, strlen(b));
    ota_sha1_final(&s, digest);
    ota_hex_encode(digest, sizeof digest, hex);
}

/* Git order of full paths is byte order (a tree sorts as "name/"). */
static void sort_files(const struct sim_file *files, size_t n, uint16_t *order)
{
    size_t i, j;

    for (i = 0; i < n; i++) {
        uint16_t x = (uint16_t)i;
        for (j = i; j > 0 && strcmp(files[order[j - 1]].path, files[x].path) > 0; j--)
            order[j] = order[j - 1];
        order[j] = x;
    }
}

/* Appends to the text arena without a terminator; the caller ends it. */
struct text_out {
    struct sim_http *h;
    size_t start;
    int overflow;
};

static void out_add(struct text_out *o, const char *s, size_t n)
{
    struct sim_http *h = o->h;

    if (o->overflow || h->text_cap - h->text_len < n + 1) {
        o->overflow = 1;
        return;
    }
    memcpy(h->text + h->text_len, s, n);
    h->text_len += n;
}

static void out_str(struct text_out *o, const char *s) { out_add(o, s, strlen(s)); }

static void out_json(struct text_out *o, const char *s, size_t n)
{
    char buf[2 * OTA_PATH_MAX];
    struct ota_strbuf sb;

    ota_sb_init(&sb, buf, sizeof buf);
    ota_sb_add_json_escaped(&sb, s, n);
    if (sb.overflow)
        o->overflow = 1;
    out_add(o, buf, sb.len);
}

static void out_u64(struct text_out *o, uint64_t v)
{
    char buf[24];
    struct ota_strbuf sb;

    ota_sb_init(&sb, buf, sizeof buf);
    ota_sb_add_u64(&sb, v);
    out_add(o, buf, sb.len);
}

static void tree_entry(struct text_out *o, int *first, const char *path, size_t plen,
                       const char *type, const char *mode, const char *sha, const uint64_t *size)
{
    out_str(o, *first ? "\n  {\"path\": \"" : ",\n  {\"path\": \"");
    *first = 0;
    out_json(o, path, plen);
    out_str(o, "\", \"mode\": \"");
    out_str(o, mode);
    out_str(o, "\", \"type\": \"");
    out_str(o, type);
    out_str(o, "\", \"sha\": \"");
    out_str(o, sha);
    if (size) {
        out_str(o, "\", \"size\": ");
        out_u64(o, *size);
        out_str(o, ", \"url\": \"x\"}");
    } else {
        out_str(o, "\", \"url\": \"x\"}");
    }
}

/* Tree entries for the directories of path not shared with prev. */
static void tree_dirs(struct text_out *o, int *first, const char *prev, const char *path)
{
    const char *slash;
    char dir[OTA_PATH_MAX];
    char sha[41];

    for (slash = strchr(path, '/'); slash; slash = strchr(slash + 1, '/')) {
        size_t n = (size_t)(slash - path);
        if (prev && strncmp(prev, path, n + 1) == 0)
            continue; /* listed with the previous file */
        if (n >= sizeof dir) {
            o->overflow = 1;
            return;
        }
        memcpy(dir, path, n);
        dir[n] = '\0';
        sha1_text("tree ", dir, sha);
        tree_entry(o, first, path, n, "tree", "040000", sha, NULL);
    }
}

static int url(char *out, size_t cap, const char *base, const struct sim_repo *repo,
               const char *middle, const char *tail, int tail_escaped)
{
    struct ota_strbuf sb;

    ota_sb_init(&sb, out, cap);
    ota_sb_add(&sb, base);
    ota_sb_add(&sb, base == repo->api_url ? "/repos/" : "/");
    ota_sb_add_url_escaped(&sb, repo->owner, 0);
    ota_sb_addc(&sb, '/');
    ota_sb_add_url_escaped(&sb, repo->name, 0);
    ota_sb_addc(&sb, '/');
    ota_sb_add(&sb, middle);
    if (tail_escaped)
        ota_sb_add_url_escaped(&sb, tail, 1);
    else
        ota_sb_add(&sb, tail);
    return sb.overflow ? OTA_ERR_NO_MEM : OTA_OK;
}

static void commit_of(const char *label, const struct sim_file *files, size_t n,
                      const uint16_t *order, char commit[41])
{
    struct ota_sha1 s;
    uint8_t digest[OTA_SHA1_LEN];
    char blob[41];
    size_t i;

    ota_sha1_init(&s);
    ota_sha1_update(&s, label, strlen(label) + 1);
    for (i = 0; i < n; i++) {
        const struct sim_file *f = &files[order[i]];
        sim_blob_sha1(f->data, f->size, blob);
        ota_sha1_update(&s, f->path, strlen(f->path) + 1);
        ota_sha1_update(&s, blob, 40);
    }
    ota_sha1_final(&s, digest);
    ota_hex_encode(digest, sizeof digest, commit);
}

static int publish_raw(struct sim_http *h, const struct sim_repo *repo, const char *commit,
                       const struct sim_file *f)
{
    char where[OTA_URL_MAX], middle[48];
    int err;

    memcpy(middle, commit, 40);
    middle[40] = '/';
    middle[41] = '\0';
    err = url(where, sizeof where, repo->raw_url, repo, middle, f->path, 1);
    return err == OTA_OK ? sim_http_put(h, where, 200, NULL, f->data, f->size) : err;
}

int sim_repo_publish(struct sim_http *h, const struct sim_repo *repo, const char *ref,
                     const char *label, const struct sim_file *files, size_t n,
                     char commit[41])
{
    uint16_t order[SIM_REPO_MAX_FILES];
    char where[OTA_URL_MAX], middle[OTA_SHA1_HEX + 16], blob[41], *kept;
    struct text_out o;
    const char *prev = NULL;
    int first = 1, err = OTA_OK;
    size_t i;

    if (n > SIM_REPO_MAX_FILES)
        return OTA_ERR_INVALID_ARG;
    sort_files(files, n, order);
    commit_of(label, files, n, order, commit);
    o.h = h;
    o.start = h->text_len;
    o.overflow = 0;
    out_str(&o, "{\"sha\": \"");
    out_str(&o, commit);
    out_str(&o, "\", \"url\": \"x\", \"tree\": [");
    for (i = 0; i < n && err == OTA_OK; i++) {
        const struct sim_file *f = &files[order[i]];
        uint64_t size = f->size;
        if (i > 0 && strcmp(files[order[i - 1]].path, f->path) == 0)
            return OTA_ERR_INVALID_ARG; /* a path twice */
        tree_dirs(&o, &first, prev, f->path);
        sim_blob_sha1(f->data, f->size, blob);
        tree_entry(&o, &first, f->path, strlen(f->path), "blob", "100644", blob, &size);
        prev = f->path;
    }
    out_str(&o, "\n], \"truncated\": false}\n");
    if (o.overflow)
        return OTA_ERR_NO_MEM;
    h->text[h->text_len++] = '\0';
    memcpy(middle, "git/trees/", 10);
    memcpy(middle + 10, commit, 41);
    err = url(where, sizeof where, repo->api_url, repo, middle, "?recursive=1", 0);
    if (err == OTA_OK)
        err = sim_http_put(h, where, 200, NULL, h->text + o.start, h->text_len - 1 - o.start);
    for (i = 0; i < n && err == OTA_OK; i++)
        err = publish_raw(h, repo, commit, &files[i]);
    kept = err == OTA_OK ? sim_http_keep(h, commit, 40) : NULL;
    if (err == OTA_OK && !kept)
        err = OTA_ERR_NO_MEM;
    if (err == OTA_OK)
        err = url(where, sizeof where, repo->api_url, repo, "commits/", ref, 1);
    if (err == OTA_OK) {
        char etag[48];
        etag[0] = '"';
        memcpy(etag + 1, commit, 40);
        etag[41] = '"';
        etag[42] = '\0';
        err = sim_http_put(h, where, 200, etag, kept, 40);
    }
    return err;
}

void sim_http_ops(struct ota_http_ops *ops) { ops->get = http_get; }

#include "http.h"

#include <string.h>

#include "link_policy.h"
#include "log.h"
#include "ota/ota_link.h"
#include "status_led.h"
#include "strbuf.h"
#include "watchdog.h"

#define MAX_REDIRECTS 5

/* State of one attempt, shared by the sink callbacks. */
struct attempt {
    struct ota_ctx *ctx;
    const struct ota_body *body;
    struct ota_http_result *res;
    uint64_t from;     /* > 0: a Range request resuming the body here */
    int resuming;      /* the server answered 206: the body continues */
    int range_ok;      /* ... from exactly where it stopped */
    size_t error_len;  /* bytes of a non-2xx body kept in ctx->error_body */
    size_t location_len;
};

static int status_is_success(int status) { return status >= 200 && status < 300; }

static int status_is_redirect(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 ||
           status == 308;
}

static int on_status(void *arg, int status)
{
    struct attempt *a = arg;

    a->res->status = status;
    if (a->from == 0 || !a->body || !status_is_success(status))
        return OTA_OK;
    if (status == 206) {
        a->resuming = 1;
        return OTA_OK;
    }
    return a->body->begin(a->body->arg); /* the whole body comes again */
}

/* "bytes START-END/TOTAL": does the part start where the body stopped? */
static int range_starts_at(const char *v, size_t n, uint64_t from)
{
    size_t i = 6, start;
    uint64_t x;

    if (n < i || memcmp(v, "bytes ", i) != 0)
        return 0;
    for (start = i; i < n && v[i] >= '0' && v[i] <= '9'; i++)
        ;
    return i < n && v[i] == '-' && ota_parse_u64(v + start, i - start, &x) == 0 && x == from;
}

static int header_is(const char *name, size_t len, const char *want)
{
    return strlen(want) == len && ota_ascii_ieq(name, want, len);
}

static int64_t header_int(const char *v, size_t n)
{
    uint64_t x;

    if (ota_parse_u64(v, n, &x) != 0 || x > (uint64_t)INT64_MAX)
        return -1;
    return (int64_t)x;
}

static int on_header(void *arg, const char *name, size_t nlen, const char *v,
                     size_t vlen)
{
    struct attempt *a = arg;
    struct ota_http_result *r = a->res;

    if (header_is(name, nlen, "etag")) {
        if (ota_copy_str(r->etag, sizeof r->etag, v, vlen) != OTA_OK)
            r->etag[0] = '\0'; /* an ETag we cannot keep is one we never send */
    } else if (header_is(name, nlen, "content-range")) {
        a->range_ok = a->resuming && range_starts_at(v, vlen, a->from);
    } else if (header_is(name, nlen, "content-length")) {
        r->has_length = ota_parse_u64(v, vlen, &r->length) == 0;
    } else if (header_is(name, nlen, "location")) {
        if (ota_copy_str(a->ctx->location, sizeof a->ctx->location, v, vlen) != OTA_OK)
            return ota_fail(a->ctx, OTA_ERR_REDIRECTS, "redirect URL too long", NULL, NULL);
        a->location_len = vlen;
    } else if (header_is(name, nlen, "x-ratelimit-remaining")) {
        r->ratelimit_remaining = header_int(v, vlen);
    } else if (header_is(name, nlen, "x-ratelimit-reset")) {
        r->ratelimit_reset = header_int(v, vlen);
    } else if (header_is(name, nlen, "retry-after")) {
        r->retry_after = header_int(v, vlen);
    }
    return OTA_OK;
}

/* A transfer waiting for bytes: the device is not hung, only the link. */
static void on_wait(void *arg)
{
    struct attempt *a = arg;

    ota_watchdog_feed(a->ctx);
    ota_led_activity(a->ctx);
}

/* A 206 that does not continue where the body stopped: its bytes cannot
 * be used, and the next attempt starts the body over. */
static int wrong_range(struct attempt *a)
{
    (void)a->body->begin(a->body->arg);
    return ota_fail(a->ctx, OTA_ERR_NETWORK, "a resumed download came from another offset",
                    NULL, NULL);
}

static int on_body(void *arg, const uint8_t *p, size_t n)
{
    struct attempt *a = arg;
    struct ota_ctx *ctx = a->ctx;

    on_wait(arg);
    ctx->stats.bytes_received += n;
    if (a->resuming && !a->range_ok)
        return wrong_range(a);
    if (status_is_success(a->res->status))
        return a->body ? a->body->data(a->body->arg, p, n) : OTA_OK;
    /* keep the start of an error body: GitHub explains itself there */
    if (a->error_len + 1 < sizeof ctx->error_body) {
        size_t room = sizeof ctx->error_body - 1 - a->error_len;
        size_t take = n < room ? n : room;
        memcpy(ctx->error_body + a->error_len, p, take);
        a->error_len += take;
        ctx->error_body[a->error_len] = '\0';
    }
    return OTA_OK;
}

/* The length of "scheme://host[:port]" at the start of url, or 0. */
static size_t origin_len(const char *url)
{
    const char *p = strstr(url, "://");
    const char *slash;

    if (!p)
        return 0;
    slash = strchr(p + 3, '/');
    return slash ? (size_t)(slash - url) : strlen(url);
}

static int same_origin(const char *a, const char *b)
{
    size_t n = origin_len(a);

    return n > 0 && n == origin_len(b) && ota_ascii_ieq(a, b, n);
}

/* Credentials go only to the hosts the user configured, never elsewhere. */
static int token_allowed(const struct ota_ctx *ctx)
{
    const struct ota_settings *s = &ctx->settings;

    if (!s->token || !s->token[0])
        return 0;
    return same_origin(ctx->url, s->api_url) || same_origin(ctx->url, s->raw_url);
}

static size_t build_headers(struct ota_ctx *ctx, const char *accept,
                            const char *inm, const char *lines[4])
{
    struct ota_strbuf sb;
    size_t n = 0;

    ota_sb_init(&sb, ctx->headers[n], sizeof ctx->headers[n]);
    ota_sb_add(&sb, "User-Agent: ");
    ota_sb_add(&sb, ctx->settings.user_agent);
    lines[n++] = ctx->headers[0];

    ota_sb_init(&sb, ctx->headers[n], sizeof ctx->headers[n]);
    ota_sb_add(&sb, "Accept: ");
    ota_sb_add(&sb, accept);
    lines[n++] = ctx->headers[1];

    if (token_allowed(ctx)) {
        ota_sb_init(&sb, ctx->headers[n], sizeof ctx->headers[n]);
        ota_sb_add(&sb, "Authorization: Bearer ");
        ota_sb_add(&sb, ctx->settings.token);
        lines[n] = ctx->headers[n];
        n++;
    }
    if (inm && inm[0]) {
        ota_sb_init(&sb, ctx->headers[n], sizeof ctx->headers[n]);
        ota_sb_add(&sb, "If-None-Match: ");
        ota_sb_add(&sb, inm);
        lines[n] = ctx->headers[n];
        n++;
    }
    return n;
}

static void reset_result(struct ota_http_result *res)
{
    memset(res, 0, sizeof *res);
    res->ratelimit_remaining = -1;
    res->ratelimit_reset = -1;
    res->retry_after = -1;
}

/* Resolves ctx->location against ctx->url into ctx->url. */
static int follow_location(struct ota_ctx *ctx)
{
    char *loc = ctx->location;
    struct ota_strbuf sb;
    size_t keep;

    if (strstr(loc, "://")) {
        keep = 0;
    } else if (loc[0] == '/' && loc[1] != '/') {
        keep = origin_len(ctx->url);
    } else {
        return ota_fail(ctx, OTA_ERR_REDIRECTS, "unsupported redirect: ", loc, NULL);
    }
    if (keep == 0 && strncmp(loc, "http://", 7) != 0 && strncmp(loc, "https://", 8) != 0)
        return ota_fail(ctx, OTA_ERR_REDIRECTS, "unsupported redirect: ", loc, NULL);
    /* keep our own origin for a relative location (init clears url[0]) */
    ota_sb_init(&sb, ctx->url + keep, sizeof ctx->url - keep);
    ota_sb_add(&sb, loc);
    return sb.overflow ? ota_fail(ctx, OTA_ERR_REDIRECTS, "redirect URL too long", NULL, NULL)
                       : OTA_OK;
}

static void status_text(int status, char out[4])
{
    out[0] = (char)('0' + status / 100 % 10);
    out[1] = (char)('0' + status / 10 % 10);
    out[2] = (char)('0' + status % 10);
    out[3] = '\0';
}

static int64_t now_sec(const struct ota_ctx *ctx)
{
    return ctx->port->sys.time_now ? ctx->port->sys.time_now(ctx->port->user) : 0;
}

/* Primary limits say when the window resets; secondary ones and 429s say
 * Retry-After; with neither, GitHub's advice is to wait a minute. */
static int rate_limited(struct ota_ctx *ctx, const struct ota_http_result *r)
{
    int64_t now = now_sec(ctx);

    if (r->retry_after >= 0) /* saturated: a server may name any number */
        ctx->defer_until = r->retry_after > INT64_MAX - now ? INT64_MAX : now + r->retry_after;
    else if (r->ratelimit_reset > now)
        ctx->defer_until = r->ratelimit_reset;
    else
        ctx->defer_until = now + 60;
    return OTA_ERR_RATE_LIMITED;
}

/* Turns a final non-2xx, non-304 status into an error and a reason. */
static int status_error(struct ota_ctx *ctx, const struct ota_http_result *r)
{
    struct ota_strbuf sb;
    char code[4];
    int err;

    status_text(r->status, code);
    if (r->status == 401)
        err = OTA_ERR_UNAUTHORIZED;
    else if (r->status == 404 || r->status == 422)
        err = OTA_ERR_HTTP_NOT_FOUND;
    else if (r->status == 429 ||
             (r->status == 403 && (r->ratelimit_remaining == 0 || r->retry_after >= 0)))
        err = rate_limited(ctx, r);
    else if (r->status >= 500)
        err = OTA_ERR_SERVER;
    else
        err = OTA_ERR_HTTP_STATUS;
    ota_sb_init(&sb, ctx->reason, sizeof ctx->reason);
    ota_sb_add(&sb, "HTTP ");
    ota_sb_add(&sb, code);
    ota_sb_add(&sb, " from ");
    ota_sb_addn(&sb, ctx->url, origin_len(ctx->url));
    if (err == OTA_ERR_UNAUTHORIZED)
        ota_sb_add(&sb, " (the token was refused: check \"token\" or OTA_TOKEN)");
    if (ctx->error_body[0]) {
        ota_sb_add(&sb, ": ");
        ota_sb_add_json_escaped(&sb, ctx->error_body, strlen(ctx->error_body));
    }
    return err;
}

/* A rate limit is retried in place only when the server asks for a short
 * pause; otherwise hammering it would only extend the penalty. */
static int retryable(const struct ota_ctx *ctx, int err, const struct ota_http_result *res)
{
    if (err == OTA_ERR_RATE_LIMITED)
        return res->retry_after >= 0 && res->retry_after <= ctx->settings.max_backoff_sec;
    return err == OTA_ERR_NETWORK || err == OTA_ERR_TIMEOUT ||
           err == OTA_ERR_TRUNCATED || err == OTA_ERR_SERVER ||
           err == OTA_ERR_HASH_MISMATCH || err == OTA_ERR_SIZE_MISMATCH;
}

/* Takes up to a quarter off the delay at random, so that a fleet that lost
 * its server at the same moment does not come back in lockstep. */
static uint32_t jittered(const struct ota_ctx *ctx, uint32_t ms)
{
    uint32_t spread = ms / 4u;

    if (spread == 0 || !ctx->port->sys.random)
        return ms;
    return ms - ctx->port->sys.random(ctx->port->user) % (spread + 1u);
}

/* Exponential backoff with jitter, stretched to a Retry-After the server
 * sent (that one is honoured in full: asking earlier is pointless). */
static uint32_t retry_delay_ms(const struct ota_ctx *ctx, uint32_t attempt,
                               const struct ota_http_result *res)
{
    uint32_t ms = jittered(ctx, ota_backoff_ms(&ctx->settings, attempt));
    uint64_t cap = (uint64_t)ctx->settings.max_backoff_sec * 1000u;
    uint64_t asked = res->retry_after >= 0 ? (uint64_t)res->retry_after * 1000u : 0;

    if (asked > ms)
        ms = (uint32_t)(asked < cap ? asked : cap);
    return ms;
}

uint32_t ota_backoff_ms(const struct ota_settings *s, uint32_t attempt)
{
    uint64_t ms = (uint64_t)s->backoff_sec * 1000u;
    uint64_t cap = (uint64_t)s->max_backoff_sec * 1000u;

    while (attempt-- > 0 && ms < cap)
        ms *= 2u;
    return (uint32_t)(ms < cap ? ms : cap);
}

/* Where a retry may pick the body up: only after the link broke (bytes
 * that failed verification must all come again). */
static uint64_t resume_point(const struct ota_body *body, int err)
{
    int broken = err == OTA_ERR_NETWORK || err == OTA_ERR_TIMEOUT || err == OTA_ERR_TRUNCATED;

    return broken && body && body->resume_from ? body->resume_from(body->arg) : 0;
}

/* One GET of ctx->url, no redirects, no retries; from > 0 resumes the body
 * there. */
static int attempt_once(struct ota_ctx *ctx, const char *accept, const char *inm,
                        const struct ota_body *body, uint64_t from,
                        struct ota_http_result *res)
{
    struct attempt a;
    struct ota_http_sink sink;
    struct ota_http_request req;
    const char *lines[4];
    int err;

    memset(&a, 0, sizeof a);
    a.ctx = ctx;
    a.body = body;
    a.res = res;
    a.from = body ? from : 0;
    reset_result(res);
    ctx->error_body[0] = '\0';
    ctx->location[0] = '\0';
    sink.on_status = on_status;
    sink.on_header = on_header;
    sink.on_body = on_body;
    sink.arg = &a;
    sink.on_wait = on_wait;
    req.url = ctx->url;
    req.headers = lines;
    req.header_count = build_headers(ctx, accept, inm, lines);
    req.range_start = a.from;
    ctx->stats.http_requests++;
    /* a fresh body begins before the request; a resumed one continues, or
     * begins again when the server sends it whole (on_status) */
    err = body && a.from == 0 ? body->begin(body->arg) : OTA_OK;
    if (err == OTA_OK && ctx->links)
        err = ota_links_get(ctx->links, &req, &sink);
    else if (err == OTA_OK)
        err = ctx->port->http.get(ctx->port->user, &req, &sink);
    if (err == OTA_OK && a.resuming && !a.range_ok) /* (an empty 206) */
        err = wrong_range(&a);
    if (err == OTA_OK && status_is_success(res->status) && body)
        err = body->end(body->arg);
    return err;
}

static int one_request(struct ota_ctx *ctx, const char *accept, const char *inm,
                       const struct ota_body *body, uint64_t from,
                       struct ota_http_result *res)
{
    unsigned redirects;
    int err;

    for (redirects = 0;; redirects++) {
        err = attempt_once(ctx, accept, inm, body, from, res);
        if (err != OTA_OK)
            return err;
        if (!status_is_redirect(res->status))
            break;
        if (redirects == MAX_REDIRECTS || ctx->location[0] == '\0')
            return ota_fail(ctx, OTA_ERR_REDIRECTS, "too many or empty redirects at ",
                            ctx->url, NULL);
        err = follow_location(ctx);
        if (err != OTA_OK)
            return err;
    }
    if (status_is_success(res->status) || res->status == 304)
        return OTA_OK;
    return status_error(ctx, res);
}

int ota_http_fetch(struct ota_ctx *ctx, const char *accept,
                   const char *if_none_match, const struct ota_body *body,
                   struct ota_http_result *res)
{
    char first_url[OTA_URL_MAX];
    uint32_t attempt;
    uint64_t from = 0;
    int err;

    /* a retry starts again from the original URL, not a redirect target */
    memcpy(first_url, ctx->url, sizeof first_url);
    for (attempt = 0;; attempt++) {
        struct ota_event ev;

        ctx->reason[0] = '\0';
        err = one_request(ctx, accept, if_none_match, body, from, res);
        if (err == OTA_OK || !retryable(ctx, err, res) || attempt >= ota_link_retries(ctx))
            break;
        from = resume_point(body, err);
        memset(&ev, 0, sizeof ev);
        ev.type = OTA_EVENT_RETRY;
        ev.err = err;
        ev.delay_ms = retry_delay_ms(ctx, attempt, res);
        ctx->stats.retries++;
        ota_log(ctx, OTA_LOG_WARN, "retrying after: ", ctx->reason[0] ? ctx->reason
                                                                      : ota_strerror(err), NULL);
        ota_emit(ctx, &ev);
        ota_sleep_fed(ctx, ev.delay_ms);
        memcpy(ctx->url, first_url, sizeof first_url);
    }
    if (err == OTA_ERR_NO_LINK && ctx->links)
        ota_fail(ctx, err, "no link came up (last: ", ctx->links->reason, ")");
    if (err != OTA_OK && ctx->reason[0] == '\0')
        ota_fail(ctx, err, ota_strerror(err), " at ", ctx->url);
    return err;
}

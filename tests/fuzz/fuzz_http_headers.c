/* Fuzz target: the engine's HTTP client (http.c: status mapping, response
 * headers, redirects, retries, rate limits), driven through ota_http_fetch
 * by a port that plays a script of responses. The input is that script:
 * responses separated by a line "--"; each is a status line ("<status>", or
 * "<status> reset|timeout|cut" for a transfer that then fails), header lines
 * "Name: value" up to an empty line, then the body. When the script runs out,
 * the network is down. A 2xx body starting with '!' fails its hash check.
 *
 * Checked on every input:
 * - the result is OTA_OK with a 2xx or 304 status, or a negative ota_err
 *   code with a reason; at most (retries + 1) * 6 requests are sent;
 * - the token goes only to the configured hosts, through redirects too, and
 *   appears in no reason or log line that the responses did not put there;
 * - every request URL is absolute http:// or https://;
 * - the body consumer sees begin, the exact bytes of a 2xx response only,
 *   then end after the whole of it, on every attempt; after a broken
 *   transfer it keeps what it got, and the retry asks for exactly the rest
 *   (Range): a 206 whose Content-Range starts there continues the body, any
 *   other success starts it again, and nothing else is ever appended;
 * - ETag, X-RateLimit-Remaining, X-RateLimit-Reset and Retry-After of the
 *   last response read as the header said (or unknown when malformed);
 * - no backoff sleeps longer than max_backoff_sec, and a rate limit defers
 *   to a time that is not in the past. */
#include "fuzz_check.h"
#include "http.h"

#define TOKEN "ghp_fuzzT0ken4Sure"
#define API_URL "https://api.github.com"
#define RAW_URL "https://raw.githubusercontent.com"
#define START_URL API_URL "/repos/o/r/commits/main"
#define RETRIES 2
#define MAX_BACKOFF 5
#define MAX_REQUESTS ((RETRIES + 1) * 6)
#define MAX_RESPONSES 32
#define MAX_HEADERS 16
#define EPOCH 1700000000

struct header {
    const char *name, *value;
    size_t nlen, vlen;
};

struct response {
    int status;
    int fail; /* the transfer's outcome after the response was pushed */
    struct header h[MAX_HEADERS];
    size_t nh;
    const uint8_t *body;
    size_t len;
};

struct script {
    struct response r[MAX_RESPONSES];
    size_t n;
    /* what the port and the clock saw */
    size_t requests;
    const struct response *last; /* served by the latest request, or NULL */
    size_t headers_pushed;       /* of last */
    uint64_t clock_ms;
    const uint8_t *input;
    size_t input_len;
    /* the body consumer */
    int open;
    size_t got;       /* bytes the body holds */
    size_t base;      /* where the latest response's bytes start in it */
    uint64_t resume_at; /* what the body last said it keeps */
    int ended;
};

/* ---- the script ---------------------------------------------------------------- */

static const uint8_t *find_line_end(const uint8_t *p, const uint8_t *end)
{
    const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
    return nl ? nl : end;
}

static int parse_status(const uint8_t *p, const uint8_t *end, int *fail)
{
    long v = 0;
    int neg = p < end && *p == '-';
    const uint8_t *word;

    for (p += neg; p < end && *p >= '0' && *p <= '9'; p++)
        v = v < 100000000 ? v * 10 + (*p - '0') : v;
    word = p < end && *p == ' ' ? p + 1 : end;
    *fail = OTA_OK;
    if (end - word == 5 && memcmp(word, "reset", 5) == 0)
        *fail = OTA_ERR_NETWORK;
    else if (end - word == 7 && memcmp(word, "timeout", 7) == 0)
        *fail = OTA_ERR_TIMEOUT;
    else if (end - word == 3 && memcmp(word, "cut", 3) == 0)
        *fail = OTA_ERR_TRUNCATED;
    return (int)(neg ? -v : v);
}

static void parse_response(struct response *r, const uint8_t *p, const uint8_t *end)
{
    const uint8_t *eol = find_line_end(p, end);

    memset(r, 0, sizeof *r);
    r->status = parse_status(p, eol, &r->fail);
    p = eol < end ? eol + 1 : end;
    while (p < end && *p != '\n') {
        const uint8_t *colon;
        struct header *h = &r->h[r->nh < MAX_HEADERS ? r->nh++ : MAX_HEADERS - 1];
        eol = find_line_end(p, end);
        colon = memchr(p, ':', (size_t)(eol - p));
        h->name = (const char *)p;
        h->nlen = (size_t)((colon ? colon : eol) - p);
        h->value = colon ? (const char *)colon + 1 : (const char *)eol;
        if (colon && colon + 1 < eol && colon[1] == ' ')
            h->value++;
        h->vlen = (size_t)(eol - (const uint8_t *)h->value);
        p = eol < end ? eol + 1 : end;
    }
    p = p < end ? p + 1 : end;
    r->body = p;
    r->len = (size_t)(end - p);
}

static void parse_script(struct script *s, const uint8_t *data, size_t size)
{
    static const char sep[] = "\n--\n";
    const uint8_t *p = data, *end = data + size;

    memset(s, 0, sizeof *s);
    s->input = data;
    s->input_len = size;
    while (p < end && s->n < MAX_RESPONSES) {
        const uint8_t *q = p;
        while (q + 4 <= end && memcmp(q, sep, 4) != 0)
            q++;
        if (q + 4 > end)
            q = end;
        parse_response(&s->r[s->n++], p, q);
        p = q == end ? end : q + 4;
    }
}

/* ---- the port ---------------------------------------------------------------- */

/* "scheme://authority" of url, RFC 3986: the authority ends at '/', '?' or '#'. */
static size_t authority_end(const char *url)
{
    const char *p = strstr(url, "://");
    size_t n;

    if (!p)
        return 0;
    n = (size_t)(p + 3 - url);
    while (url[n] && url[n] != '/' && url[n] != '?' && url[n] != '#')
        n++;
    return n;
}

static int same_host(const char *url, const char *base)
{
    size_t n = authority_end(url);
    return n && n == authority_end(base) && ota_ascii_ieq(url, base, n);
}

static void check_request(const struct ota_http_request *req)
{
    size_t i;

    FUZZ_CHECK(strncmp(req->url, "http://", 7) == 0 || strncmp(req->url, "https://", 8) == 0);
    for (i = 0; i < req->header_count; i++)
        if (strncmp(req->headers[i], "Authorization:", 14) == 0)
            FUZZ_CHECK(same_host(req->url, API_URL) || same_host(req->url, RAW_URL));
}

static int push(struct script *s, const struct response *r, const struct ota_http_sink *sink)
{
    size_t i, chunk = 1 + r->len % 7;
    int err = sink->on_status(sink->arg, r->status);

    for (i = 0; err == OTA_OK && i < r->nh; i++) {
        s->headers_pushed++;
        err = sink->on_header(sink->arg, r->h[i].name, r->h[i].nlen, r->h[i].value,
                              r->h[i].vlen);
    }
    for (i = 0; err == OTA_OK && i < r->len; i += chunk) {
        size_t n = r->len - i < chunk ? r->len - i : chunk;
        if (r->fail == OTA_ERR_TRUNCATED && i >= r->len / 2)
            break;
        err = sink->on_body(sink->arg, r->body + i, n);
    }
    return err != OTA_OK ? err : r->fail;
}

static int http_get(void *user, const struct ota_http_request *req,
                    const struct ota_http_sink *sink)
{
    struct script *s = user;

    check_request(req);
    /* a Range request asks for what the body said it lacks, and only then */
    FUZZ_CHECK(req->range_start == s->resume_at);
    s->base = req->range_start; /* where a 206's bytes belong */
    FUZZ_CHECK(++s->requests <= MAX_REQUESTS);
    s->last = NULL;
    s->headers_pushed = 0;
    if (s->requests > s->n)
        return OTA_ERR_NETWORK;
    s->last = &s->r[s->requests - 1];
    return push(s, s->last, sink);
}

static int64_t time_now(void *user)
{
    const struct script *s = user;
    return EPOCH + (int64_t)(s->clock_ms / 1000u);
}

static void sleep_ms(void *user, uint32_t ms)
{
    struct script *s = user;

    FUZZ_CHECK(ms <= MAX_BACKOFF * 1000u);
    s->clock_ms += ms;
}

static void no_leak(const struct script *s, const char *text)
{
    if (fuzz_contains(text, strlen(text), TOKEN))
        FUZZ_CHECK(fuzz_contains(s->input, s->input_len, TOKEN));
}

static void log_line(void *user, enum ota_log_level level, const char *msg)
{
    (void)level;
    no_leak(user, msg);
}

/* ---- the body consumer ----------------------------------------------------------- */

static int success(const struct response *r)
{
    return r && r->status >= 200 && r->status < 300;
}

static int body_begin(void *arg)
{
    struct script *s = arg;

    s->open = 1;
    s->got = 0;
    s->base = 0;
    s->ended = 0;
    s->resume_at = 0;
    return OTA_OK;
}

static int body_data(void *arg, const uint8_t *p, size_t n)
{
    struct script *s = arg;
    size_t at = s->got - s->base; /* into this response's body */

    FUZZ_CHECK(s->open && !s->ended && success(s->last) && s->got >= s->base);
    FUZZ_CHECK(at + n <= s->last->len && memcmp(p, s->last->body + at, n) == 0);
    s->got += n;
    return OTA_OK;
}

/* Keeps what a broken transfer delivered (every other body). */
static uint64_t body_resume(void *arg)
{
    struct script *s = arg;

    s->resume_at = s->open && !s->ended && (s->requests & 1u) ? s->got : 0;
    return s->resume_at;
}

static int body_end(void *arg)
{
    struct script *s = arg;

    FUZZ_CHECK(s->open && !s->ended && success(s->last) && s->got == s->base + s->last->len);
    s->ended = 1;
    return s->got && s->last->body[0] == '!' ? OTA_ERR_HASH_MISMATCH : OTA_OK;
}

/* ---- the verdict ------------------------------------------------------------------ */

/* A decimal of at most 20 digits (leading zeros allowed) up to INT64_MAX;
 * -1 for anything else. */
static int64_t header_number(const struct header *h)
{
    uint64_t v = 0;
    size_t i;

    if (h->vlen == 0 || h->vlen > 20)
        return -1;
    for (i = 0; i < h->vlen; i++) {
        if (h->value[i] < '0' || h->value[i] > '9' || v > (uint64_t)INT64_MAX / 10)
            return -1;
        v = v * 10 + (uint64_t)(h->value[i] - '0');
    }
    return v > (uint64_t)INT64_MAX ? -1 : (int64_t)v;
}

static int named(const struct header *h, const char *name)
{
    return h->nlen == strlen(name) && ota_ascii_ieq(h->name, name, h->nlen);
}

/* The fields of the last response, from the headers the port pushed. */
static void check_fields(const struct script *s, const struct ota_http_result *res)
{
    int64_t remaining = -1, reset = -1, retry_after = -1;
    char etag[80] = "";
    size_t i;

    for (i = 0; s->last && i < s->headers_pushed; i++) {
        const struct header *h = &s->last->h[i];
        if (named(h, "etag")) {
            memset(etag, 0, sizeof etag);
            if (h->vlen < sizeof etag)
                memcpy(etag, h->value, h->vlen);
        } else if (named(h, "x-ratelimit-remaining")) {
            remaining = header_number(h);
        } else if (named(h, "x-ratelimit-reset")) {
            reset = header_number(h);
        } else if (named(h, "retry-after")) {
            retry_after = header_number(h);
        }
    }
    FUZZ_CHECK(strcmp(res->etag, etag) == 0);
    FUZZ_CHECK(res->ratelimit_remaining == remaining && res->ratelimit_reset == reset &&
               res->retry_after == retry_after);
}

static void retry_counted(void *arg, const struct ota_event *ev)
{
    FUZZ_CHECK(ev->type == OTA_EVENT_RETRY && ev->err < 0);
    ++*(uint32_t *)arg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct script s;
    static struct ota_ctx ctx;
    static uint8_t work[OTA_MIN_BUFFER];
    struct ota_port port;
    struct ota_settings settings;
    struct ota_http_result res;
    struct ota_body body = {body_begin, body_data, body_end, &s, body_resume};
    uint32_t retry_events = 0;
    int err;

    parse_script(&s, data, size);
    memset(&port, 0, sizeof port);
    port.http.get = http_get;
    port.sys.time_now = time_now;
    port.sys.sleep_ms = sleep_ms;
    port.sys.log = log_line;
    port.user = &s;
    memset(&settings, 0, sizeof settings);
    settings.owner = "o";
    settings.repo = "r";
    settings.token = TOKEN;
    settings.api_url = API_URL;
    settings.raw_url = RAW_URL;
    settings.retries = RETRIES;
    settings.backoff_sec = 1;
    settings.max_backoff_sec = MAX_BACKOFF;
    FUZZ_CHECK(ota_init(&ctx, &port, &settings, work, sizeof work) == OTA_OK);
    ota_set_event_cb(&ctx, retry_counted, &retry_events);
    strcpy(ctx.url, START_URL);

    err = ota_http_fetch(&ctx, "application/vnd.github.sha", "\"cafe\"", &body, &res);

    FUZZ_CHECK(fuzz_known_err(err));
    FUZZ_CHECK(memchr(ctx.url, '\0', sizeof ctx.url) && memchr(res.etag, '\0', sizeof res.etag));
    FUZZ_CHECK(retry_events == ctx.stats.retries && retry_events <= RETRIES);
    if (err == OTA_OK) {
        FUZZ_CHECK(success(s.last) || res.status == 304);
        FUZZ_CHECK(res.status == s.last->status);
        FUZZ_CHECK(!success(s.last) || s.ended);
    } else {
        FUZZ_CHECK(ctx.reason[0] != '\0');
    }
    if (err == OTA_ERR_RATE_LIMITED)
        FUZZ_CHECK(ctx.defer_until >= time_now(&s));
    check_fields(&s, &res);
    no_leak(&s, ctx.reason);
    no_leak(&s, ctx.url);
    return 0;
}

/* POSIX port: HTTP(S) GET through libcurl.
 *
 * One easy handle lives as long as the port, so its connection cache keeps
 * connections alive between requests. Options that never change are set once
 * (ota_posix__http_setup); each request only sets its URL, headers and range.
 * Redirects are never followed: the engine handles them itself, so a token
 * never travels to another host. Header values are never logged. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "ota_posix.h"

/* From posix_sys.c (the port's own log, with its level filter). */
extern const struct ota_sys_ops ota_posix__sys_ops;

/* Per-request state shared by the two curl callbacks. */
struct http_ctx {
    struct ota_posix *p;
    const struct ota_http_sink *sink;
    int status_sent;   /* the final status went to the sink */
    int skipping;      /* inside a 1xx (or a later) header block */
    int headers_done;  /* the final header block ended: later lines are
                          chunked trailers, which the sink never sees */
    curl_off_t seen;   /* bytes received when progress was last seen */
    struct timespec last_progress;
};

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* "HTTP/1.1 200 OK", "HTTP/2 200": the 3-digit code, or -1. */
static int parse_status(const char *s, size_t len)
{
    size_t i = 5; /* after "HTTP/" */
    int code = 0, k;

    while (i < len && !is_space(s[i]))
        i++;
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    for (k = 0; k < 3; k++, i++) {
        if (i >= len || s[i] < '0' || s[i] > '9')
            return -1;
        code = code * 10 + (s[i] - '0');
    }
    if (i < len && !is_space(s[i]))
        return -1;
    return code >= 100 ? code : -1;
}

static size_t header_cb(char *buf, size_t size, size_t nitems, void *arg)
{
    struct http_ctx *c = arg;
    const struct ota_http_sink *sink = c->sink;
    size_t len = size * nitems, end = len, ns, ne, vs;
    const char *colon;
    int rc = 0;

    while (end > 0 && (buf[end - 1] == '\r' || buf[end - 1] == '\n'))
        end--;
    if (c->headers_done)
        return len;

    if (end >= 5 && memcmp(buf, "HTTP/", 5) == 0) {
        int status = parse_status(buf, end);
        if (status < 0) {
            c->p->callback_err = OTA_ERR_NETWORK; /* garbage status line */
            return 0;
        }
        if (status < 200 || c->status_sent) {
            /* 1xx interim responses (100, 103) are skipped with their
             * headers; a second final status cannot happen without
             * redirects or auth, but never report one twice. */
            c->skipping = 1;
            return len;
        }
        c->skipping = 0;
        c->status_sent = 1;
        if (sink->on_status)
            rc = sink->on_status(sink->arg, status);
        if (rc < 0) {
            c->p->callback_err = rc;
            return 0;
        }
        return len;
    }

    /* The blank line ending the final response's headers: whatever header
     * lines follow are trailers (even after an empty body). */
    if (end == 0 && c->status_sent && !c->skipping) {
        c->headers_done = 1;
        return len;
    }
    /* Blank line ending a 1xx block, lines of a skipped block, obsolete line
     * folding and lines without a colon carry nothing for the sink. */
    if (end == 0 || c->skipping || !c->status_sent || buf[0] == ' ' ||
        buf[0] == '\t')
        return len;
    colon = memchr(buf, ':', end);
    if (!colon)
        return len;

    ns = 0;
    ne = (size_t)(colon - buf);
    while (ns < ne && is_space(buf[ns]))
        ns++;
    while (ne > ns && is_space(buf[ne - 1]))
        ne--;
    vs = (size_t)(colon - buf) + 1;
    while (vs < end && is_space(buf[vs]))
        vs++;
    while (end > vs && is_space(buf[end - 1]))
        end--;
    if (ne == ns)
        return len;
    if (sink->on_header)
        rc = sink->on_header(sink->arg, buf + ns, ne - ns, buf + vs, end - vs);
    if (rc < 0) {
        c->p->callback_err = rc;
        return 0;
    }
    return len;
}

static size_t write_cb(char *buf, size_t size, size_t nmemb, void *arg)
{
    struct http_ctx *c = arg;
    const struct ota_http_sink *sink = c->sink;
    size_t len = size * nmemb;
    int rc = 0;

    if (!c->status_sent) { /* a body without a status line (HTTP/0.9) */
        c->p->callback_err = OTA_ERR_NETWORK;
        return len ? 0 : 1;
    }
    if (len == 0)
        return 0;
    if (sink->on_body)
        rc = sink->on_body(sink->arg, (const uint8_t *)buf, len);
    if (rc < 0) {
        c->p->callback_err = rc;
        return 0; /* != len: curl aborts with CURLE_WRITE_ERROR */
    }
    return len;
}

static double seconds_since(const struct timespec *t)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

/* A transfer that receives nothing for http_timeout_sec is stalled, however
 * much it received before (curl's low-speed limit averages over a window,
 * so a trickle followed by silence would pass it). */
static int progress_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    struct http_ctx *c = arg;

    (void)dltotal;
    (void)ultotal;
    (void)ulnow;
    /* curl calls this about once a second even when nothing arrives: the
     * engine feeds its watchdog meanwhile */
    if (c->sink->on_wait)
        c->sink->on_wait(c->sink->arg);
    if (dlnow != c->seen) {
        c->seen = dlnow;
        clock_gettime(CLOCK_MONOTONIC, &c->last_progress);
        return 0;
    }
    if (seconds_since(&c->last_progress) < (double)c->p->opt.http_timeout_sec)
        return 0;
    c->p->callback_err = OTA_ERR_TIMEOUT;
    return 1;
}

#define SET(opt, val)                                                          \
    do {                                                                       \
        if (curl_easy_setopt(curl, opt, val) != CURLE_OK)                      \
            return OTA_ERR_CONFIG;                                             \
    } while (0)

/* Options that hold for every request made through this handle; called by
 * ota_posix_init once p->curl exists. */
int ota_posix__http_setup(struct ota_posix *p);
int ota_posix__http_setup(struct ota_posix *p)
{
    CURL *curl = p->curl;

    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_HTTPGET, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85.0 */
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
    SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    if (p->opt.ca_file && p->opt.ca_file[0])
        SET(CURLOPT_CAINFO, p->opt.ca_file);
    SET(CURLOPT_CONNECTTIMEOUT, p->opt.connect_timeout_sec);
    SET(CURLOPT_NOPROGRESS, 0L); /* progress_cb watches for stalls */
    SET(CURLOPT_XFERINFOFUNCTION, progress_cb);
    if (p->opt.interface && p->opt.interface[0])
        SET(CURLOPT_INTERFACE, p->opt.interface);
    SET(CURLOPT_TCP_KEEPALIVE, 1L);
    SET(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
    SET(CURLOPT_HEADERFUNCTION, header_cb);
    SET(CURLOPT_WRITEFUNCTION, write_cb);
    return 0;
}

#undef SET

static int has_header(const struct ota_http_request *req, const char *name)
{
    size_t i, n = strlen(name);

    for (i = 0; i < req->header_count; i++) {
        const char *h = req->headers[i];
        if (h && strncasecmp(h, name, n) == 0 && (h[n] == ':' || h[n] == ';'))
            return 1;
    }
    return 0;
}

static int map_curl(CURLcode rc)
{
    switch (rc) {
    case CURLE_OK:
        return 0;
    case CURLE_OPERATION_TIMEDOUT:
        return OTA_ERR_TIMEOUT;
    case CURLE_PARTIAL_FILE:
        return OTA_ERR_TRUNCATED;
    default: /* RECV/SEND_ERROR, GOT_NOTHING, COULDNT_CONNECT/RESOLVE... */
        return OTA_ERR_NETWORK;
    }
}

static int http_get(void *user, const struct ota_http_request *req,
                    const struct ota_http_sink *sink)
{
    struct ota_posix *p = user;
    struct curl_slist *list = NULL, *tmp;
    char errbuf[CURL_ERROR_SIZE];
    char range[32];
    struct http_ctx ctx;
    CURL *curl;
    CURLcode rc;
    size_t i;
    int err = 0, compress;

    if (!p || !p->curl || !req || !req->url || !sink ||
        (req->header_count && !req->headers))
        return OTA_ERR_INVALID_ARG;
    curl = p->curl;
    p->callback_err = 0;

    for (i = 0; i < req->header_count; i++) {
        const char *h = req->headers[i];
        if (!h || strpbrk(h, "\r\n")) { /* no header injection */
            curl_slist_free_all(list);
            return OTA_ERR_INVALID_ARG;
        }
        if (!(tmp = curl_slist_append(list, h)))
            goto nomem;
        list = tmp;
    }
    /* curl sends "Accept: * / *" unless told otherwise ("Name:" removes a
     * header); only what the engine asked for goes out. */
    if (!has_header(req, "Accept")) {
        if (!(tmp = curl_slist_append(list, "Accept:")))
            goto nomem;
        list = tmp;
    }
    if (!has_header(req, "Expect")) {
        if (!(tmp = curl_slist_append(list, "Expect:")))
            goto nomem;
        list = tmp;
    }

    memset(&ctx, 0, sizeof ctx);
    ctx.p = p;
    ctx.sink = sink;
    clock_gettime(CLOCK_MONOTONIC, &ctx.last_progress);
    errbuf[0] = '\0';
    /* A plain Range header, not CURLOPT_RESUME_FROM: with the latter curl
     * itself fails (CURLE_RANGE_ERROR) when the server answers 200 or 3xx
     * instead of 206, and the engine must see those responses. */
    if (req->range_start > 0)
        snprintf(range, sizeof range, "%" PRIu64 "-", req->range_start);

    /* GitHub compresses JSON and text when asked; the engine sees (and
     * verifies) the decoded bytes. Not for a range: it would select bytes of
     * the compressed form, which cannot be decoded from the middle and do
     * not line up with what the engine already has. Nor when the engine
     * negotiates an encoding itself. */
    compress = req->range_start == 0 && !has_header(req, "Accept-Encoding");

    if (curl_easy_setopt(curl, CURLOPT_URL, req->url) != CURLE_OK ||
        curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, compress ? "" : NULL) != CURLE_OK ||
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list) != CURLE_OK ||
        curl_easy_setopt(curl, CURLOPT_RANGE,
                         req->range_start > 0 ? range : NULL) != CURLE_OK ||
        curl_easy_setopt(curl, CURLOPT_HEADERDATA, &ctx) != CURLE_OK ||
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &ctx) != CURLE_OK ||
        curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &ctx) != CURLE_OK ||
        curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK) {
        err = OTA_ERR_INVALID_ARG;
        rc = CURLE_OK;
    } else {
        rc = curl_easy_perform(curl);
    }

    /* Nothing of this request may outlive it inside the handle. */
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(curl, CURLOPT_RANGE, NULL);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, NULL);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, NULL);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, NULL);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, NULL);
    curl_slist_free_all(list);

    if (err)
        return err;
    if (p->callback_err)
        return p->callback_err; /* a sink callback (or a bad status line) */
    if (rc == CURLE_OK && !ctx.status_sent)
        rc = CURLE_GOT_NOTHING;
    if (rc != CURLE_OK) {
        char msg[CURL_ERROR_SIZE + 64];
        snprintf(msg, sizeof msg, "http: %s%s%s", curl_easy_strerror(rc),
                 errbuf[0] ? ": " : "", errbuf);
        ota_posix__sys_ops.log(p, OTA_LOG_DEBUG, msg);
    }
    return map_curl(rc);

nomem:
    curl_slist_free_all(list);
    return OTA_ERR_NO_MEM;
}

const struct ota_http_ops ota_posix__http_ops = {
    .get = http_get,
};

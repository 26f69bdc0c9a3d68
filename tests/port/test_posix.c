/* The POSIX port against its contract (include/ota/ota_port.h): files under
 * a root, HTTP through libcurl against tests/port/http_fixture.py (status,
 * headers, redirects not followed, reuse, ranges, compression, interim
 * responses, truncation, stalls, callback aborts, TLS verification), hashes,
 * Ed25519, the clock and the log.
 *
 * Usage: test_posix FIXTURE.py [PYTHON]   (PYTHON defaults to python3; the
 * TLS part needs the openssl command to make its certificates) */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ota_posix.h"
#include "test.h"

static const char *python = "python3";

static double now_sec(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void init_port(struct ota_posix *posix, struct ota_port *port,
                      const struct ota_posix_options *opt)
{
    CHECK_EQ_INT(ota_posix_init(posix, opt, port), 0);
}

/* ---- the fixture server ---------------------------------------------------- */

struct fixture {
    pid_t pid;
    int to_child; /* closing it stops the server */
    int port, tls_port;
};

static void cloexec(int fd)
{
    fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static int fixture_start(struct fixture *fx, const char *script, const char *cert,
                         const char *key)
{
    int in[2], out[2];
    char line[64];
    FILE *f;
    int ok;

    memset(fx, 0, sizeof *fx);
    fx->pid = -1;
    fx->to_child = -1;
    if (pipe(in) != 0)
        return -1;
    if (pipe(out) != 0) {
        close(in[0]);
        close(in[1]);
        return -1;
    }
    /* A later fixture must not inherit this one's stdin, or closing it
     * would not stop this one. */
    cloexec(in[0]);
    cloexec(in[1]);
    cloexec(out[0]);
    cloexec(out[1]);
    fx->pid = fork();
    if (fx->pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        if (cert)
            execlp(python, python, script, "--tls", cert, key, (char *)NULL);
        else
            execlp(python, python, script, (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    fx->to_child = in[1];
    if (fx->pid < 0) {
        close(out[0]);
        return -1;
    }
    f = fdopen(out[0], "r");
    if (!f) {
        close(out[0]);
        return -1;
    }
    ok = fgets(line, sizeof line, f) &&
         sscanf(line, "%d %d", &fx->port, &fx->tls_port) == 2 && fx->port > 0;
    fclose(f);
    return ok ? 0 : -1;
}

static void fixture_stop(struct fixture *fx)
{
    if (fx->to_child >= 0)
        close(fx->to_child);
    if (fx->pid > 0) {
        kill(fx->pid, SIGTERM);
        waitpid(fx->pid, NULL, 0);
    }
    fx->to_child = -1;
    fx->pid = -1;
}

/* ---- a sink that records the response ------------------------------------ */

static uint8_t pattern_byte(uint64_t i)
{
    return (uint8_t)((i * 7 + (i >> 8)) & 0xff);
}

struct response {
    int status, status_calls;
    char headers[2048];
    size_t hlen;
    int crlf;              /* a CR or LF reached a name or value */
    char body[4096];
    size_t blen;
    uint64_t total;
    int64_t pattern_from;  /* >= 0: the body must be pattern bytes from here */
    uint64_t mismatches;
    /* what the callbacks abort with (0 = carry on) */
    int abort_status, abort_header, abort_body;
};

static int on_status(void *arg, int status)
{
    struct response *r = arg;

    r->status = status;
    r->status_calls++;
    return r->abort_status;
}

static int on_header(void *arg, const char *n, size_t nl, const char *v, size_t vl)
{
    struct response *r = arg;
    int w = snprintf(r->headers + r->hlen, sizeof r->headers - r->hlen, "%.*s=[%.*s]\n",
                     (int)nl, n, (int)vl, v);

    if (memchr(n, '\r', nl) || memchr(n, '\n', nl) || memchr(v, '\r', vl) ||
        memchr(v, '\n', vl))
        r->crlf = 1;
    if (w > 0 && (size_t)w < sizeof r->headers - r->hlen)
        r->hlen += (size_t)w;
    return r->abort_header;
}

static int on_body(void *arg, const uint8_t *p, size_t n)
{
    struct response *r = arg;
    size_t room = sizeof r->body - 1 - r->blen, i;

    if (r->abort_body)
        return r->abort_body;
    if (r->pattern_from >= 0) {
        for (i = 0; i < n; i++)
            if (p[i] != pattern_byte((uint64_t)r->pattern_from + r->total + i))
                r->mismatches++;
    }
    memcpy(r->body + r->blen, p, n < room ? n : room);
    r->blen += n < room ? n : room;
    r->body[r->blen] = '\0';
    r->total += n;
    return 0;
}

/* Resets *r except what it is told to check or abort with. */
static int get_h(struct ota_port *port, int tcp_port, const char *scheme, const char *path,
                 uint64_t range, struct response *r, const char *const *headers, size_t nh)
{
    char url[256];
    struct ota_http_request req;
    struct ota_http_sink sink = {on_status, on_header, on_body, r, NULL};
    struct response keep = *r;

    memset(r, 0, sizeof *r);
    r->pattern_from = keep.pattern_from;
    r->abort_status = keep.abort_status;
    r->abort_header = keep.abort_header;
    r->abort_body = keep.abort_body;
    snprintf(url, sizeof url, "%s://127.0.0.1:%d%s", scheme, tcp_port, path);
    req.url = url;
    req.headers = headers;
    req.header_count = nh;
    req.range_start = range;
    return port->http.get(port->user, &req, &sink);
}

static int get(struct ota_port *port, int tcp_port, const char *path, uint64_t range,
               struct response *r)
{
    return get_h(port, tcp_port, "http", path, range, r, NULL, 0);
}

static void fresh(struct response *r)
{
    memset(r, 0, sizeof *r);
    r->pattern_from = -1;
}

/* A port nothing listens on: bound, then released. */
static int closed_port(void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int s = socket(AF_INET, SOCK_STREAM, 0), port = 1;

    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(s, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (s >= 0)
        close(s);
    return port;
}

/* ---- HTTP ------------------------------------------------------------------ */

static void test_http_basic(struct ota_port *port, int p)
{
    struct response r;
    const char *hdrs[3];

    fresh(&r);
    CHECK_EQ_INT(get(port, p, "/hello", 0, &r), 0);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_INT(r.status_calls, 1);
    CHECK_EQ_STR(r.body, "hello world\n");
    CHECK(strstr(r.headers, "X-Test=[spaced value]\n") != NULL); /* trimmed */
    CHECK(strstr(r.headers, "X-Empty=[]\n") != NULL);
    CHECK(strstr(r.headers, "Content-Length=[12]\n") != NULL);
    CHECK_EQ_INT(r.crlf, 0);

    /* the request's headers go out, and curl's default Accept does not */
    hdrs[0] = "X-Ota: yes";
    hdrs[1] = "User-Agent: ota-test/1";
    CHECK_EQ_INT(get_h(port, p, "http", "/echo", 0, &r, hdrs, 2), 0);
    CHECK(strstr(r.body, "x-ota: yes\n") != NULL);
    CHECK(strstr(r.body, "user-agent: ota-test/1\n") != NULL);
    CHECK(strstr(r.body, "accept:") == NULL);
    CHECK(strstr(r.body, "range:") == NULL);
    CHECK(strstr(r.body, "accept-encoding:") != NULL); /* compression asked for */
    hdrs[0] = "Accept: application/vnd.github+json";
    CHECK_EQ_INT(get_h(port, p, "http", "/echo", 0, &r, hdrs, 1), 0);
    CHECK(strstr(r.body, "accept: application/vnd.github+json\n") != NULL);
    /* a range start becomes a Range header, and compression is not asked for */
    CHECK_EQ_INT(get(port, p, "/echo", 5, &r), 0);
    CHECK_EQ_INT(r.status, 200);
    CHECK(strstr(r.body, "range: bytes=5-\n") != NULL);
    CHECK(strstr(r.body, "accept-encoding:") == NULL);
    /* nor when the engine negotiates the encoding itself */
    hdrs[0] = "Accept-Encoding: identity";
    CHECK_EQ_INT(get_h(port, p, "http", "/echo", 0, &r, hdrs, 1), 0);
    CHECK(strstr(r.body, "accept-encoding: identity\n") != NULL);
    /* a header line that would inject another one is refused */
    hdrs[0] = "X-Ota: a\r\nX-Evil: b";
    CHECK_EQ_INT(get_h(port, p, "http", "/echo", 0, &r, hdrs, 1), OTA_ERR_INVALID_ARG);
    CHECK_EQ_INT(r.status_calls, 0);

    /* redirects are reported, never followed */
    CHECK_EQ_INT(get(port, p, "/redirect", 0, &r), 0);
    CHECK_EQ_INT(r.status, 302);
    CHECK_EQ_INT(r.status_calls, 1);
    CHECK(strstr(r.headers, "Location=[/hello]\n") != NULL);
    CHECK_EQ_STR(r.body, "moved\n");

    /* error statuses are complete responses */
    CHECK_EQ_INT(get(port, p, "/status/404", 0, &r), 0);
    CHECK_EQ_INT(r.status, 404);
    CHECK_EQ_STR(r.body, "status 404\n");
    CHECK_EQ_INT(get(port, p, "/status/500", 0, &r), 0);
    CHECK_EQ_INT(r.status, 500);
    CHECK_EQ_STR(r.body, "status 500\n");
    CHECK_EQ_INT(get(port, p, "/status/503", 0, &r), 0);
    CHECK_EQ_INT(r.status, 503);

    /* an interim 103 is neither the status nor a source of headers */
    CHECK_EQ_INT(get(port, p, "/interim", 0, &r), 0);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_INT(r.status_calls, 1);
    CHECK_EQ_STR(r.body, "final\n");
    CHECK(strstr(r.headers, "Link=") == NULL);

    /* chunked bodies arrive whole; trailers are not headers */
    CHECK_EQ_INT(get(port, p, "/chunked", 0, &r), 0);
    CHECK_EQ_STR(r.body, "0123456789abcdef");
    CHECK(strstr(r.headers, "X-Trailer=") == NULL);
    CHECK_EQ_INT(get(port, p, "/chunked-empty", 0, &r), 0);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_INT(r.total, 0);
    CHECK(strstr(r.headers, "Trailer=[X-Trailer]\n") != NULL);
    CHECK(strstr(r.headers, "X-Trailer=") == NULL);
}

static void test_http_reuse(struct ota_port *port, int p)
{
    struct response r, r2;

    fresh(&r);
    fresh(&r2);
    CHECK_EQ_INT(get(port, p, "/conn", 0, &r), 0);
    CHECK_EQ_INT(get(port, p, "/hello", 0, &r2), 0);
    CHECK_EQ_INT(get(port, p, "/status/404", 0, &r2), 0);
    CHECK_EQ_INT(get(port, p, "/conn", 0, &r2), 0);
    CHECK(r.blen > 0);
    CHECK_EQ_STR(r.body, r2.body); /* same client port: one connection */
}

static void test_http_ranges(struct ota_port *port, int p)
{
    struct response r;

    fresh(&r);
    r.pattern_from = 990;
    CHECK_EQ_INT(get(port, p, "/range", 990, &r), 0);
    CHECK_EQ_INT(r.status, 206);
    CHECK_EQ_INT(r.total, 10);
    CHECK_EQ_INT(r.mismatches, 0);
    CHECK(strstr(r.headers, "Content-Range=[bytes 990-999/1000]\n") != NULL);

    r.pattern_from = 0; /* a server ignoring Range: 200 and all of it */
    CHECK_EQ_INT(get(port, p, "/norange", 990, &r), 0);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_INT(r.total, 1000);
    CHECK_EQ_INT(r.mismatches, 0);

    r.pattern_from = -1; /* past the end: 416, still a complete response */
    CHECK_EQ_INT(get(port, p, "/range", 5000, &r), 0);
    CHECK_EQ_INT(r.status, 416);

    r.pattern_from = 0;
    CHECK_EQ_INT(get(port, p, "/big", 0, &r), 0);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_INT(r.total, 1 << 20);
    CHECK_EQ_INT(r.mismatches, 0);

    /* compressed on the wire, decoded for the sink */
    r.pattern_from = 0;
    CHECK_EQ_INT(get(port, p, "/gzip", 0, &r), 0);
    CHECK_EQ_INT(r.status, 200);
    CHECK(strstr(r.headers, "Content-Encoding=[gzip]\n") != NULL);
    CHECK_EQ_INT(r.total, 1000);
    CHECK_EQ_INT(r.mismatches, 0);
    /* a range of a compressible resource: identity bytes from the offset */
    r.pattern_from = 100;
    CHECK_EQ_INT(get(port, p, "/gzip", 100, &r), 0);
    CHECK_EQ_INT(r.status, 206);
    CHECK(strstr(r.headers, "Content-Encoding=") == NULL);
    CHECK_EQ_INT(r.total, 900);
    CHECK_EQ_INT(r.mismatches, 0);
}

static void test_http_failures(struct ota_port *port, int p)
{
    struct response r;
    int err;

    fresh(&r);
    CHECK_EQ_INT(get(port, p, "/truncated", 0, &r), OTA_ERR_TRUNCATED);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_INT(r.total, 10);
    err = get(port, p, "/chunked-truncated", 0, &r);
    CHECK(err == OTA_ERR_TRUNCATED || err == OTA_ERR_NETWORK);

    CHECK_EQ_INT(get(port, closed_port(), "/hello", 0, &r), OTA_ERR_NETWORK);
    CHECK_EQ_INT(r.status_calls, 0);

    /* a sink's error comes back unchanged, from whichever callback */
    r.abort_status = OTA_ERR_ABORTED;
    CHECK_EQ_INT(get(port, p, "/hello", 0, &r), OTA_ERR_ABORTED);
    CHECK_EQ_INT(r.hlen, 0);
    CHECK_EQ_INT(r.total, 0);
    fresh(&r);
    r.abort_header = OTA_ERR_REDIRECTS;
    CHECK_EQ_INT(get(port, p, "/redirect", 0, &r), OTA_ERR_REDIRECTS);
    CHECK_EQ_INT(r.total, 0);
    fresh(&r);
    r.abort_body = OTA_ERR_HASH_MISMATCH;
    CHECK_EQ_INT(get(port, p, "/big", 0, &r), OTA_ERR_HASH_MISMATCH);
    fresh(&r);
    r.abort_body = OTA_ERR_NO_SPACE;
    CHECK_EQ_INT(get(port, p, "/chunked", 0, &r), OTA_ERR_NO_SPACE);

    /* and the handle still works afterwards */
    fresh(&r);
    CHECK_EQ_INT(get(port, p, "/hello", 0, &r), 0);
    CHECK_EQ_STR(r.body, "hello world\n");

    {
        struct ota_http_request req = {NULL, NULL, 0, 0};
        struct ota_http_sink sink = {on_status, on_header, on_body, &r, NULL};
        CHECK_EQ_INT(port->http.get(port->user, &req, &sink), OTA_ERR_INVALID_ARG);
    }
}

static void test_stall(const char *root, int p)
{
    struct ota_posix_options opt;
    struct ota_posix posix;
    struct ota_port port;
    struct response r;
    double t;

    memset(&opt, 0, sizeof opt);
    fresh(&r);
    opt.root = root;
    opt.http_timeout_sec = 1;
    init_port(&posix, &port, &opt);
    t = now_sec();
    CHECK_EQ_INT(get(&port, p, "/slow", 0, &r), OTA_ERR_TIMEOUT);
    CHECK_EQ_INT(r.total, 10); /* a trickle, then silence: stalled */
    CHECK(now_sec() - t < 4.0); /* not the 5 s the server stalls for */
    t = now_sec();
    CHECK_EQ_INT(get(&port, p, "/slow-headers", 0, &r), OTA_ERR_TIMEOUT);
    CHECK_EQ_INT(r.status_calls, 0);
    CHECK(now_sec() - t < 4.0);
    CHECK_EQ_INT(get(&port, p, "/hello", 0, &r), 0); /* usable afterwards */
    CHECK_EQ_STR(r.body, "hello world\n");
    ota_posix_deinit(&posix);
}

/* ---- TLS ------------------------------------------------------------------- */

static int make_cert(const char *dir, const char *name, const char *san)
{
    char cmd[2048];

    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
             "-keyout '%s/%s.key' -out '%s/%s.pem' -days 2 -subj /CN=%s "
             "-addext subjectAltName=%s >/dev/null 2>&1",
             dir, name, dir, name, san + 3, san);
    return system(cmd);
}

static int concat(const char *out, const char *a, const char *b)
{
    char cmd[2048];

    snprintf(cmd, sizeof cmd, "cat '%s' '%s' > '%s'", a, b, out);
    return system(cmd);
}

static void test_tls(const char *root, const char *script, const char *dir, int plain_port)
{
    char cert[512], key[512], wrong_cert[512], wrong_key[512], bundle[512];
    struct ota_posix_options opt;
    struct ota_posix posix;
    struct ota_port port;
    struct fixture good, wrong;
    struct response r, r2;

    snprintf(cert, sizeof cert, "%s/good.pem", dir);
    snprintf(key, sizeof key, "%s/good.key", dir);
    snprintf(wrong_cert, sizeof wrong_cert, "%s/wrong.pem", dir);
    snprintf(wrong_key, sizeof wrong_key, "%s/wrong.key", dir);
    snprintf(bundle, sizeof bundle, "%s/bundle.pem", dir);
    /* good: names 127.0.0.1; wrong: a valid certificate for another name */
    CHECK_EQ_INT(make_cert(dir, "good", "IP:127.0.0.1"), 0);
    CHECK_EQ_INT(make_cert(dir, "wrong", "DNS:wrong.example"), 0);
    CHECK_EQ_INT(concat(bundle, cert, wrong_cert), 0);
    if (fixture_start(&good, script, cert, key) != 0 || good.tls_port <= 0) {
        CHECK(!"the TLS fixture did not start (is the openssl command there?)");
        fixture_stop(&good);
        return;
    }
    if (fixture_start(&wrong, script, wrong_cert, wrong_key) != 0 || wrong.tls_port <= 0) {
        CHECK(!"the second TLS fixture did not start");
        fixture_stop(&good);
        fixture_stop(&wrong);
        return;
    }
    memset(&opt, 0, sizeof opt);
    fresh(&r);
    fresh(&r2);
    opt.root = root;

    /* the system's CAs only: a self-signed certificate is refused */
    init_port(&posix, &port, &opt);
    CHECK_EQ_INT(get_h(&port, good.tls_port, "https", "/hello", 0, &r, NULL, 0),
                 OTA_ERR_NETWORK);
    CHECK_EQ_INT(r.status_calls, 0);
    ota_posix_deinit(&posix);

    /* trusted through ca_file: verified and accepted, connection reused */
    opt.ca_file = cert;
    init_port(&posix, &port, &opt);
    CHECK_EQ_INT(get_h(&port, good.tls_port, "https", "/hello", 0, &r, NULL, 0), 0);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_STR(r.body, "hello world\n");
    CHECK_EQ_INT(get_h(&port, good.tls_port, "https", "/conn", 0, &r, NULL, 0), 0);
    CHECK_EQ_INT(get_h(&port, good.tls_port, "https", "/conn", 0, &r2, NULL, 0), 0);
    CHECK(r.blen > 0);
    CHECK_EQ_STR(r.body, r2.body);
    r.pattern_from = 0;
    CHECK_EQ_INT(get_h(&port, good.tls_port, "https", "/big", 0, &r, NULL, 0), 0);
    CHECK_EQ_INT(r.total, 1 << 20);
    CHECK_EQ_INT(r.mismatches, 0);
    r.pattern_from = -1;
    /* a certificate the bundle does not hold */
    CHECK_EQ_INT(get_h(&port, wrong.tls_port, "https", "/hello", 0, &r, NULL, 0),
                 OTA_ERR_NETWORK);
    /* plain HTTP through the same handle */
    CHECK_EQ_INT(get(&port, plain_port, "/hello", 0, &r), 0);
    CHECK_EQ_STR(r.body, "hello world\n");
    ota_posix_deinit(&posix);

    /* trusted, but for another name: the host name is verified too */
    opt.ca_file = bundle;
    init_port(&posix, &port, &opt);
    CHECK_EQ_INT(get_h(&port, wrong.tls_port, "https", "/hello", 0, &r, NULL, 0),
                 OTA_ERR_NETWORK);
    CHECK_EQ_INT(r.status_calls, 0);
    CHECK_EQ_INT(get_h(&port, good.tls_port, "https", "/hello", 0, &r, NULL, 0), 0);
    CHECK_EQ_STR(r.body, "hello world\n");
    ota_posix_deinit(&posix);

    fixture_stop(&good);
    fixture_stop(&wrong);
}

/* ---- files ----------------------------------------------------------------- */

struct listing {
    char names[512];
    int count, stop_after;
};

static int list_entry(void *arg, const char *name, int is_dir)
{
    struct listing *l = arg;
    size_t len = strlen(l->names);

    snprintf(l->names + len, sizeof l->names - len, "%s%s;", name, is_dir ? "/" : "");
    l->count++;
    return l->stop_after && l->count >= l->stop_after;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void test_fs(struct ota_port *port, const char *root)
{
    const struct ota_fs_ops *fs = &port->fs;
    void *u = port->user;
    struct ota_stat st;
    struct listing l;
    char buf[32], path[512];
    static uint8_t big[300000], back[300000];
    size_t i, got;
    int fd;

    CHECK_EQ_INT(fs->mkdir(u, "a"), 0);
    CHECK_EQ_INT(fs->mkdir(u, "a"), 0); /* exists: fine */
    CHECK_EQ_INT(fs->mkdir(u, "no/such"), OTA_ERR_NOT_FOUND);
    fd = fs->open(u, "a/f.txt", OTA_OPEN_WRITE);
    CHECK(fd >= 0);
    CHECK_EQ_INT(fs->write(u, fd, "hello world", 11), 0);
    CHECK_EQ_INT(fs->write(u, fd, "", 0), 0);
    CHECK_EQ_INT(fs->sync(u, fd), 0);
    CHECK_EQ_INT(fs->close(u, fd), 0);
    CHECK_EQ_INT(fs->sync_dir(u, "a"), 0);
    CHECK_EQ_INT(fs->sync_dir(u, ""), 0); /* the root */
    CHECK_EQ_INT(fs->sync_dir(u, "missing"), OTA_ERR_NOT_FOUND);
    snprintf(path, sizeof path, "%s/a/f.txt", root);
    CHECK_EQ_INT(access(path, F_OK), 0); /* under the root */
    CHECK(fs->mkdir(u, "a/f.txt") < 0);  /* a file is in the way */

    fd = fs->open(u, "a/f.txt", OTA_OPEN_READ);
    CHECK(fd >= 0);
    CHECK_EQ_INT(fs->seek(u, fd, 6), 0);
    CHECK_EQ_INT(fs->read(u, fd, buf, sizeof buf), 5);
    CHECK_EQ_INT(memcmp(buf, "world", 5), 0);
    CHECK_EQ_INT(fs->read(u, fd, buf, sizeof buf), 0); /* end of file */
    CHECK_EQ_INT(fs->seek(u, fd, 0), 0);
    CHECK_EQ_INT(fs->read(u, fd, buf, 5), 5);
    CHECK_EQ_INT(memcmp(buf, "hello", 5), 0);
    CHECK_EQ_INT(fs->seek(u, fd, 100), 0); /* past the end: reads nothing */
    CHECK_EQ_INT(fs->read(u, fd, buf, sizeof buf), 0);
    CHECK(fs->write(u, fd, "x", 1) < 0); /* opened for reading */
    CHECK_EQ_INT(fs->close(u, fd), 0);

    /* a write larger than one pipe or page, read back in pieces */
    for (i = 0; i < sizeof big; i++)
        big[i] = pattern_byte(i);
    fd = fs->open(u, "a/big.bin", OTA_OPEN_WRITE);
    CHECK(fd >= 0);
    CHECK_EQ_INT(fs->write(u, fd, big, sizeof big), 0);
    CHECK_EQ_INT(fs->close(u, fd), 0);
    fd = fs->open(u, "a/big.bin", OTA_OPEN_READ);
    got = 0;
    for (;;) {
        long n = fs->read(u, fd, back + got, sizeof back - got < 7000 ? sizeof back - got : 7000);
        if (n <= 0) {
            CHECK_EQ_INT(n, 0);
            break;
        }
        got += (size_t)n;
    }
    CHECK_EQ_INT(got, sizeof big);
    CHECK_EQ_INT(memcmp(big, back, sizeof big), 0);
    CHECK_EQ_INT(fs->close(u, fd), 0);
    /* OTA_OPEN_WRITE truncates */
    fd = fs->open(u, "a/big.bin", OTA_OPEN_WRITE);
    CHECK_EQ_INT(fs->close(u, fd), 0);
    CHECK_EQ_INT(fs->stat(u, "a/big.bin", &st), 0);
    CHECK_EQ_INT(st.size, 0);
    CHECK_EQ_INT(fs->remove(u, "a/big.bin"), 0);

    CHECK_EQ_INT(fs->stat(u, "a/f.txt", &st), 0);
    CHECK_EQ_INT(st.size, 11);
    CHECK_EQ_INT(st.is_dir, 0);
    CHECK_EQ_INT(fs->stat(u, "a", &st), 0);
    CHECK_EQ_INT(st.is_dir, 1);
    CHECK_EQ_INT(fs->stat(u, "", &st), 0);
    CHECK_EQ_INT(st.is_dir, 1);
    CHECK_EQ_INT(fs->stat(u, "missing", &st), OTA_ERR_NOT_FOUND);
    CHECK_EQ_INT(fs->stat(u, "a/f.txt/x", &st), OTA_ERR_NOT_FOUND); /* ENOTDIR */
    CHECK_EQ_INT(fs->open(u, "missing", OTA_OPEN_READ), OTA_ERR_NOT_FOUND);
    CHECK_EQ_INT(fs->open(u, "no/such/dir/x", OTA_OPEN_WRITE), OTA_ERR_NOT_FOUND);
    CHECK(fs->open(u, "a", OTA_OPEN_READ) < 0);  /* a directory is not a file */
    CHECK(fs->open(u, "a", OTA_OPEN_WRITE) < 0);

    /* rename replaces an existing file atomically */
    fd = fs->open(u, "a/g.txt", OTA_OPEN_WRITE);
    CHECK_EQ_INT(fs->write(u, fd, "new", 3), 0);
    CHECK_EQ_INT(fs->sync(u, fd), 0);
    CHECK_EQ_INT(fs->close(u, fd), 0);
    CHECK_EQ_INT(fs->rename(u, "a/g.txt", "a/f.txt"), 0);
    CHECK_EQ_INT(fs->sync_dir(u, "a"), 0);
    CHECK_EQ_INT(fs->stat(u, "a/f.txt", &st), 0);
    CHECK_EQ_INT(st.size, 3);
    CHECK_EQ_INT(fs->stat(u, "a/g.txt", &st), OTA_ERR_NOT_FOUND);
    fd = fs->open(u, "a/f.txt", OTA_OPEN_READ);
    CHECK_EQ_INT(fs->read(u, fd, buf, sizeof buf), 3);
    CHECK_EQ_INT(memcmp(buf, "new", 3), 0);
    CHECK_EQ_INT(fs->close(u, fd), 0);
    CHECK_EQ_INT(fs->rename(u, "a/missing", "a/f.txt"), OTA_ERR_NOT_FOUND);

    /* list: entries only, no "." or "..", directories flagged */
    CHECK_EQ_INT(fs->mkdir(u, "a/sub"), 0);
    memset(&l, 0, sizeof l);
    CHECK_EQ_INT(fs->list(u, "a", list_entry, &l), 0);
    CHECK_EQ_INT(l.count, 2);
    CHECK(strstr(l.names, "f.txt;") != NULL);
    CHECK(strstr(l.names, "sub/;") != NULL);
    memset(&l, 0, sizeof l);
    l.stop_after = 1; /* a non-zero return stops the listing */
    CHECK_EQ_INT(fs->list(u, "a", list_entry, &l), 0);
    CHECK_EQ_INT(l.count, 1);
    memset(&l, 0, sizeof l);
    CHECK_EQ_INT(fs->list(u, "a/sub", list_entry, &l), 0);
    CHECK_EQ_INT(l.count, 0);
    CHECK_EQ_INT(fs->list(u, "missing", list_entry, &l), OTA_ERR_NOT_FOUND);
    memset(&l, 0, sizeof l);
    CHECK_EQ_INT(fs->list(u, "", list_entry, &l), 0);
    CHECK(strstr(l.names, "a/;") != NULL);

    /* remove: files and empty directories */
    CHECK(fs->remove(u, "a") < 0); /* not empty */
    CHECK(fs->remove(u, "a") != OTA_ERR_NOT_FOUND);
    CHECK_EQ_INT(fs->remove(u, "a/sub"), 0);
    CHECK_EQ_INT(fs->remove(u, "a/f.txt"), 0);
    CHECK_EQ_INT(fs->remove(u, "a/f.txt"), OTA_ERR_NOT_FOUND);
    CHECK_EQ_INT(fs->remove(u, "a"), 0);
    CHECK_EQ_INT(fs->stat(u, "a", &st), OTA_ERR_NOT_FOUND);
}

/* Leading slashes never leave the root. */
static void test_fs_confined(struct ota_port *port, const char *root)
{
    const struct ota_fs_ops *fs = &port->fs;
    void *u = port->user;
    char path[512], name[64];
    struct ota_stat st;
    int fd;

    snprintf(name, sizeof name, "/ota-port-test-%ld.txt", (long)getpid());
    fd = fs->open(u, name, OTA_OPEN_WRITE);
    CHECK(fd >= 0);
    CHECK_EQ_INT(fs->write(u, fd, "x", 1), 0);
    CHECK_EQ_INT(fs->close(u, fd), 0);
    CHECK(access(name, F_OK) != 0); /* not in the real "/" */
    snprintf(path, sizeof path, "%s%s", root, name);
    CHECK_EQ_INT(access(path, F_OK), 0); /* but in the root */
    CHECK_EQ_INT(fs->stat(u, name + 1, &st), 0);
    CHECK_EQ_INT(st.size, 1);
    snprintf(path, sizeof path, "//%s", name + 1);
    CHECK_EQ_INT(fs->stat(u, path, &st), 0);
    CHECK_EQ_INT(fs->remove(u, name), 0);
    CHECK_EQ_INT(fs->stat(u, name + 1, &st), OTA_ERR_NOT_FOUND);

    /* a file that exists outside the root is not found through the port */
    CHECK_EQ_INT(fs->stat(u, "/etc/passwd", &st), OTA_ERR_NOT_FOUND);
    CHECK_EQ_INT(fs->open(u, "/etc/passwd", OTA_OPEN_READ), OTA_ERR_NOT_FOUND);
    CHECK_EQ_INT(fs->mkdir(u, "/d"), 0);
    snprintf(path, sizeof path, "%s/d", root);
    CHECK_EQ_INT(access(path, F_OK), 0);
    CHECK_EQ_INT(fs->remove(u, "/d"), 0);

    /* a root given with a trailing slash is the same root */
    {
        struct ota_posix_options opt;
        struct ota_posix posix;
        struct ota_port p2;
        char r2[512];

        snprintf(r2, sizeof r2, "%s/", root);
        snprintf(path, sizeof path, "%s/t.txt", root);
        write_file(path, "abc");
        memset(&opt, 0, sizeof opt);
        opt.root = r2;
        init_port(&posix, &p2, &opt);
        CHECK_EQ_INT(p2.fs.stat(p2.user, "t.txt", &st), 0);
        CHECK_EQ_INT(st.size, 3);
        CHECK_EQ_INT(p2.fs.remove(p2.user, "t.txt"), 0);
        ota_posix_deinit(&posix);
    }
}

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *de;
    int n = 0;

    if (!d)
        return -1;
    while ((de = readdir(d)) != NULL)
        n++;
    closedir(d);
    return n;
}

/* Handles index a bounded table; stale and made-up ones are refused. */
static void test_fs_handles(const char *root)
{
    struct ota_posix_options opt;
    struct ota_posix posix;
    struct ota_port port;
    const struct ota_fs_ops *fs = &port.fs;
    int h[OTA_POSIX_MAX_FILES], extra, i, before, after;
    char buf[4];
    void *u;

    memset(&opt, 0, sizeof opt);
    opt.root = root;
    before = count_fds();
    init_port(&posix, &port, &opt);
    u = port.user;
    for (i = 0; i < OTA_POSIX_MAX_FILES; i++) {
        char name[32];
        snprintf(name, sizeof name, "h%d", i);
        h[i] = fs->open(u, name, OTA_OPEN_WRITE);
        CHECK(h[i] >= 0);
    }
    CHECK(fs->open(u, "one-too-many", OTA_OPEN_WRITE) < 0);
    CHECK_EQ_INT(fs->close(u, h[3]), 0);
    extra = fs->open(u, "h3", OTA_OPEN_READ); /* a slot is free again */
    CHECK(extra >= 0);
    CHECK_EQ_INT(fs->read(u, extra, buf, sizeof buf), 0);

    CHECK_EQ_INT(fs->close(u, h[5]), 0);
    CHECK_EQ_INT(fs->close(u, h[5]), OTA_ERR_INVALID_ARG); /* already closed */
    CHECK_EQ_INT(fs->read(u, h[5], buf, sizeof buf), OTA_ERR_INVALID_ARG);
    CHECK_EQ_INT(fs->write(u, h[5], "x", 1), OTA_ERR_INVALID_ARG);
    CHECK_EQ_INT(fs->seek(u, h[5], 0), OTA_ERR_INVALID_ARG);
    CHECK_EQ_INT(fs->sync(u, h[5]), OTA_ERR_INVALID_ARG);
    CHECK_EQ_INT(fs->read(u, -1, buf, sizeof buf), OTA_ERR_INVALID_ARG);
    CHECK_EQ_INT(fs->close(u, OTA_POSIX_MAX_FILES), OTA_ERR_INVALID_ARG);
    CHECK_EQ_INT(fs->close(u, 1000), OTA_ERR_INVALID_ARG);
    /* the rest stay open: deinit releases them */
    ota_posix_deinit(&posix);
    after = count_fds();
    if (before >= 0)
        CHECK_EQ_INT(after, before);
    ota_posix_deinit(&posix); /* twice is harmless */

    init_port(&posix, &port, &opt);
    u = port.user;
    for (i = 0; i < OTA_POSIX_MAX_FILES; i++) {
        char name[32];
        snprintf(name, sizeof name, "h%d", i);
        CHECK_EQ_INT(fs->remove(u, name), 0);
    }
    ota_posix_deinit(&posix);
}

/* ENOSPC is OTA_ERR_NO_SPACE: /dev/full as a file under the root "/dev". */
static void test_fs_no_space(void)
{
    struct ota_posix_options opt;
    struct ota_posix posix;
    struct ota_port port;
    int fd;

    if (access("/dev/full", W_OK) != 0) {
        printf("test_posix: no writable /dev/full, ENOSPC mapping not checked\n");
        return;
    }
    memset(&opt, 0, sizeof opt);
    opt.root = "/dev";
    init_port(&posix, &port, &opt);
    fd = port.fs.open(port.user, "full", OTA_OPEN_WRITE);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK_EQ_INT(port.fs.write(port.user, fd, "x", 1), OTA_ERR_NO_SPACE);
        CHECK_EQ_INT(port.fs.close(port.user, fd), 0);
    }
    ota_posix_deinit(&posix);
}

/* ---- crypto ---------------------------------------------------------------- */

static int unhex(const char *hex, uint8_t *out, size_t max)
{
    size_t n = strlen(hex) / 2, i;

    if (n > max)
        return -1;
    for (i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (uint8_t)v;
    }
    return (int)n;
}

/* Hashes msg in pieces of `step` bytes (0: all at once), repeated `times`. */
static int hash(struct ota_port *port, enum ota_hash_alg alg, const char *msg, size_t step,
                long times, uint8_t *digest)
{
    union {
        uint8_t bytes[OTA_HASH_STATE_SIZE];
        void *align;
    } state;
    size_t len = strlen(msg), off;
    long t;
    int err;

    memset(&state, 0xa5, sizeof state);
    if ((err = port->crypto.hash_begin(port->user, alg, state.bytes)) != 0)
        return err;
    for (t = 0; t < times; t++) {
        for (off = 0; off < len;) {
            size_t n = step && len - off > step ? step : len - off;
            if ((err = port->crypto.hash_update(port->user, state.bytes, msg + off, n)) != 0) {
                port->crypto.hash_end(port->user, state.bytes, NULL);
                return err;
            }
            off += n;
        }
    }
    return port->crypto.hash_end(port->user, state.bytes, digest);
}

static void check_hash(struct ota_port *port, enum ota_hash_alg alg, const char *msg,
                       size_t step, long times, const char *hex)
{
    uint8_t digest[32], want[32];
    int n = unhex(hex, want, sizeof want);

    memset(digest, 0, sizeof digest);
    CHECK_EQ_INT(hash(port, alg, msg, step, times, digest), 0);
    CHECK_EQ_INT(memcmp(digest, want, (size_t)n), 0);
}

static void test_hashes(struct ota_port *port)
{
    static const char abc56[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    union {
        uint8_t bytes[OTA_HASH_STATE_SIZE];
        void *align;
    } state;
    static char a1000[1001];

    memset(a1000, 'a', 1000);
    check_hash(port, OTA_HASH_SHA1, "", 0, 1, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    check_hash(port, OTA_HASH_SHA1, "abc", 0, 1, "a9993e364706816aba3e25717850c26c9cd0d89d");
    check_hash(port, OTA_HASH_SHA1, "abc", 1, 1, "a9993e364706816aba3e25717850c26c9cd0d89d");
    check_hash(port, OTA_HASH_SHA1, abc56, 0, 1, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    check_hash(port, OTA_HASH_SHA1, abc56, 7, 1, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    check_hash(port, OTA_HASH_SHA1, a1000, 333, 1000, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
    check_hash(port, OTA_HASH_SHA256, "", 0, 1,
               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    check_hash(port, OTA_HASH_SHA256, "abc", 0, 1,
               "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    check_hash(port, OTA_HASH_SHA256, "abc", 2, 1,
               "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    check_hash(port, OTA_HASH_SHA256, abc56, 0, 1,
               "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    check_hash(port, OTA_HASH_SHA256, abc56, 13, 1,
               "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    check_hash(port, OTA_HASH_SHA256, a1000, 64, 1000,
               "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");

    /* released without a result (an error path), and after a zero-length update */
    CHECK_EQ_INT(port->crypto.hash_begin(port->user, OTA_HASH_SHA256, state.bytes), 0);
    CHECK_EQ_INT(port->crypto.hash_update(port->user, state.bytes, "", 0), 0);
    CHECK_EQ_INT(port->crypto.hash_end(port->user, state.bytes, NULL), 0);
    CHECK_EQ_INT(port->crypto.hash_begin(port->user, (enum ota_hash_alg)99, state.bytes),
                 OTA_ERR_INVALID_ARG);
}

/* RFC 8032 section 7.1, tests 1 to 3. */
static const struct {
    const char *key, *msg, *sig;
} ed25519_vectors[] = {
    {"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bac"
     "c61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e"
     "458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290"
     "ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
};

/* Verifies msg byte by byte; flip: 1 = a signature bit, 2 = a message bit. */
static int verify(struct ota_port *port, int v, int flip)
{
    union {
        uint8_t bytes[OTA_VERIFY_STATE_SIZE];
        void *align;
    } state;
    uint8_t key[32], sig[64], msg[8];
    int mlen, i, err;

    unhex(ed25519_vectors[v].key, key, sizeof key);
    unhex(ed25519_vectors[v].sig, sig, sizeof sig);
    mlen = unhex(ed25519_vectors[v].msg, msg, sizeof msg);
    if (flip == 1)
        sig[10] ^= 0x04;
    if (flip == 2 && mlen > 0)
        msg[0] ^= 0x01;
    err = port->crypto.verify_begin(port->user, OTA_SIG_ED25519, key, sizeof key, sig,
                                    sizeof sig, state.bytes);
    if (err)
        return err;
    for (i = 0; i < mlen; i++)
        port->crypto.verify_update(port->user, state.bytes, msg + i, 1);
    return port->crypto.verify_end(port->user, state.bytes);
}

static void test_ed25519(struct ota_port *port)
{
    union {
        uint8_t bytes[OTA_VERIFY_STATE_SIZE];
        void *align;
    } state;
    uint8_t key[32] = {0}, sig[64] = {0};
    int v;

    for (v = 0; v < 3; v++) {
        CHECK_EQ_INT(verify(port, v, 0), 0);
        CHECK_EQ_INT(verify(port, v, 1), OTA_ERR_SIGNATURE);
    }
    CHECK_EQ_INT(verify(port, 1, 2), OTA_ERR_SIGNATURE);
    CHECK_EQ_INT(port->crypto.verify_begin(port->user, (enum ota_sig_alg)7, key, 32, sig, 64,
                                           state.bytes),
                 OTA_ERR_UNSUPPORTED);
    CHECK_EQ_INT(port->crypto.verify_begin(port->user, OTA_SIG_ED25519, key, 31, sig, 64,
                                           state.bytes),
                 OTA_ERR_INVALID_ARG);
}

/* ---- clock, randomness, log -------------------------------------------- */

struct log_capture {
    int calls;
    enum ota_log_level last_level;
    char last[128];
};

static void capture_log(void *arg, enum ota_log_level level, const char *msg)
{
    struct log_capture *c = arg;

    c->calls++;
    c->last_level = level;
    snprintf(c->last, sizeof c->last, "%s", msg);
}

static void test_sys(const char *root)
{
    struct ota_posix_options opt;
    struct ota_posix posix;
    struct ota_port port;
    struct log_capture cap;
    int64_t t;
    uint32_t first;
    double start;
    int i, differ = 0;

    memset(&opt, 0, sizeof opt);
    memset(&cap, 0, sizeof cap);
    opt.root = root;
    opt.log_level = OTA_LOG_WARN;
    opt.log_fn = capture_log;
    opt.log_arg = &cap;
    init_port(&posix, &port, &opt);

    t = port.sys.time_now(port.user);
    CHECK(t >= (int64_t)time(NULL) - 5 && t <= (int64_t)time(NULL) + 5);
    start = now_sec();
    port.sys.sleep_ms(port.user, 30);
    CHECK(now_sec() - start >= 0.029);
    port.sys.sleep_ms(port.user, 0);

    first = port.sys.random(port.user);
    for (i = 0; i < 8; i++)
        differ |= port.sys.random(port.user) != first;
    CHECK(differ);

    port.sys.log(port.user, OTA_LOG_INFO, "dropped"); /* above the level */
    port.sys.log(port.user, OTA_LOG_DEBUG, "dropped");
    CHECK_EQ_INT(cap.calls, 0);
    port.sys.log(port.user, OTA_LOG_WARN, "kept");
    CHECK_EQ_INT(cap.calls, 1);
    CHECK_EQ_INT(cap.last_level, OTA_LOG_WARN);
    CHECK_EQ_STR(cap.last, "kept");
    port.sys.log(port.user, OTA_LOG_ERROR, "also kept");
    CHECK_EQ_INT(cap.calls, 2);
    CHECK_EQ_STR(cap.last, "also kept");
    ota_posix_deinit(&posix);
}

int main(int argc, char **argv)
{
    char root[512], tlsdir[600], cmd[1300];
    const char *tmp = getenv("TMPDIR");
    static const char *const proxies[] = {"http_proxy", "https_proxy", "HTTP_PROXY",
                                          "HTTPS_PROXY", "all_proxy", "ALL_PROXY"};
    struct ota_posix_options opt;
    struct ota_posix posix;
    struct ota_port port;
    struct fixture fx;
    double start = now_sec();
    size_t i;

    snprintf(root, sizeof root, "%s/ota-port-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (argc < 2 || argc > 3 || !mkdtemp(root)) {
        fprintf(stderr, "usage: test_posix tests/port/http_fixture.py [PYTHON]\n");
        return 2;
    }
    if (argc == 3)
        python = argv[2];
    signal(SIGPIPE, SIG_IGN);
    alarm(120); /* never hang a test run */
    for (i = 0; i < sizeof proxies / sizeof proxies[0]; i++)
        unsetenv(proxies[i]); /* the fixture is local */

    memset(&opt, 0, sizeof opt);
    opt.root = root;
    init_port(&posix, &port, &opt);
    test_fs(&port, root);
    test_fs_confined(&port, root);
    test_fs_handles(root);
    test_fs_no_space();
    test_hashes(&port);
    test_ed25519(&port);
    test_sys(root);

    if (fixture_start(&fx, argv[1], NULL, NULL) == 0) {
        test_http_basic(&port, fx.port);
        test_http_reuse(&port, fx.port);
        test_http_ranges(&port, fx.port);
        test_http_failures(&port, fx.port);
        test_stall(root, fx.port);
        snprintf(tlsdir, sizeof tlsdir, "%s/tls", root);
        CHECK_EQ_INT(mkdir(tlsdir, 0700), 0);
        test_tls(root, argv[1], tlsdir, fx.port);
    } else {
        CHECK(!"the HTTP fixture did not start");
    }
    fixture_stop(&fx);
    ota_posix_deinit(&posix);

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    CHECK_EQ_INT(system(cmd), 0);
    printf("test_posix: %.1f s\n", now_sec() - start);
    TEST_MAIN_END();
}

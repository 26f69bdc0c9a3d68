/* The POSIX port against its contract (include/ota/ota_port.h): files under
 * a root, HTTP through libcurl against tests/port/http_fixture.py (status,
 * headers, redirects not followed, reuse, ranges, truncation, stalls, TLS
 * verification), and hashes. Usage: test_posix FIXTURE.py */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ota_posix.h"
#include "test.h"

/* ---- the fixture server ---------------------------------------------------- */

struct fixture {
    pid_t pid;
    int to_child; /* closing it stops the server */
    int port, tls_port;
};

static int fixture_start(struct fixture *fx, const char *script, const char *cert,
                         const char *key)
{
    int in[2], out[2];
    char line[64];
    FILE *f;

    if (pipe(in) != 0 || pipe(out) != 0)
        return -1;
    fx->pid = fork();
    if (fx->pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[1]);
        close(out[0]);
        if (cert)
            execlp("python3", "python3", script, "--tls", cert, key, (char *)NULL);
        else
            execlp("python3", "python3", script, (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    fx->to_child = in[1];
    f = fdopen(out[0], "r");
    if (!f || !fgets(line, sizeof line, f) || sscanf(line, "%d %d", &fx->port, &fx->tls_port) != 2)
        return -1;
    fclose(f);
    return 0;
}

static void fixture_stop(struct fixture *fx)
{
    close(fx->to_child);
    kill(fx->pid, SIGTERM);
    waitpid(fx->pid, NULL, 0);
}

/* ---- a sink that records the response ------------------------------------ */

struct response {
    int status;
    char headers[2048];
    size_t hlen;
    char body[4096];
    size_t blen;
    uint64_t total;
    int abort_with;
};

static int on_status(void *arg, int status)
{
    ((struct response *)arg)->status = status;
    return 0;
}

static int on_header(void *arg, const char *n, size_t nl, const char *v, size_t vl)
{
    struct response *r = arg;
    int w = snprintf(r->headers + r->hlen, sizeof r->headers - r->hlen, "%.*s=[%.*s]\n",
                     (int)nl, n, (int)vl, v);

    if (w > 0 && (size_t)w < sizeof r->headers - r->hlen)
        r->hlen += (size_t)w;
    return 0;
}

static int on_body(void *arg, const uint8_t *p, size_t n)
{
    struct response *r = arg;
    size_t room = sizeof r->body - 1 - r->blen;

    if (r->abort_with)
        return r->abort_with;
    memcpy(r->body + r->blen, p, n < room ? n : room);
    r->blen += n < room ? n : room;
    r->body[r->blen] = '\0';
    r->total += n;
    return 0;
}

static int get(struct ota_port *port, const char *url, uint64_t range, struct response *r,
               const char *header)
{
    const char *headers[1];
    struct ota_http_request req = {url, headers, 0, range};
    struct ota_http_sink sink = {on_status, on_header, on_body, r};
    int abort_with = r->abort_with;

    memset(r, 0, sizeof *r);
    r->abort_with = abort_with;
    if (header) {
        headers[0] = header;
        req.header_count = 1;
    }
    return port->http.get(port->user, &req, &sink);
}

static void test_http(struct ota_port *port, int p)
{
    char url[128];
    struct response r, r2;

    memset(&r, 0, sizeof r);
    memset(&r2, 0, sizeof r2);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/hello", p);
    CHECK_EQ_INT(get(port, url, 0, &r, NULL), 0);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_STR(r.body, "hello world\n");
    CHECK(strstr(r.headers, "X-Test=[spaced value]") != NULL);
    CHECK(strstr(r.headers, "X-Empty=[]") != NULL);

    snprintf(url, sizeof url, "http://127.0.0.1:%d/echo", p);
    CHECK_EQ_INT(get(port, url, 0, &r, "X-Ota: yes"), 0);
    CHECK(strstr(r.body, "x-ota: yes") != NULL);

    snprintf(url, sizeof url, "http://127.0.0.1:%d/redirect", p);
    CHECK_EQ_INT(get(port, url, 0, &r, NULL), 0);
    CHECK_EQ_INT(r.status, 302); /* reported, not followed */
    CHECK(strstr(r.headers, "Location=[/hello]") != NULL);

    snprintf(url, sizeof url, "http://127.0.0.1:%d/status/503", p);
    CHECK_EQ_INT(get(port, url, 0, &r, NULL), 0);
    CHECK_EQ_INT(r.status, 503);

    snprintf(url, sizeof url, "http://127.0.0.1:%d/conn", p);
    CHECK_EQ_INT(get(port, url, 0, &r, NULL), 0);
    CHECK_EQ_INT(get(port, url, 0, &r2, NULL), 0);
    CHECK_EQ_STR(r.body, r2.body); /* same client port: the connection was reused */

    snprintf(url, sizeof url, "http://127.0.0.1:%d/range", p);
    CHECK_EQ_INT(get(port, url, 990, &r, NULL), 0);
    CHECK_EQ_INT(r.status, 206);
    CHECK_EQ_INT(r.total, 10);

    snprintf(url, sizeof url, "http://127.0.0.1:%d/big", p);
    CHECK_EQ_INT(get(port, url, 0, &r, NULL), 0);
    CHECK_EQ_INT(r.total, 1 << 20);

    snprintf(url, sizeof url, "http://127.0.0.1:%d/interim", p);
    CHECK_EQ_INT(get(port, url, 0, &r, NULL), 0);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_STR(r.body, "final\n");
    CHECK(strstr(r.headers, "Link=") == NULL); /* only the final response's headers */

    snprintf(url, sizeof url, "http://127.0.0.1:%d/chunked", p);
    CHECK_EQ_INT(get(port, url, 0, &r, NULL), 0);
    CHECK_EQ_STR(r.body, "0123456789abcdef");

    snprintf(url, sizeof url, "http://127.0.0.1:%d/truncated", p);
    CHECK_EQ_INT(get(port, url, 0, &r, NULL), OTA_ERR_TRUNCATED);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/chunked-truncated", p);
    {
        int err = get(port, url, 0, &r, NULL);
        CHECK(err == OTA_ERR_TRUNCATED || err == OTA_ERR_NETWORK);
    }

    r.abort_with = OTA_ERR_HASH_MISMATCH; /* a sink's error comes back unchanged */
    snprintf(url, sizeof url, "http://127.0.0.1:%d/big", p);
    CHECK_EQ_INT(get(port, url, 0, &r, NULL), OTA_ERR_HASH_MISMATCH);
    r.abort_with = 0;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/hello", p); /* and the handle still works */
    CHECK_EQ_INT(get(port, url, 0, &r, NULL), 0);
    CHECK_EQ_STR(r.body, "hello world\n");

    CHECK_EQ_INT(get(port, "http://127.0.0.1:1/nothing-listens", 0, &r, NULL), OTA_ERR_NETWORK);
}

static void test_stall(const char *root, int p)
{
    struct ota_posix_options opt;
    struct ota_posix posix;
    struct ota_port port;
    struct response r;
    char url[128];

    memset(&opt, 0, sizeof opt);
    memset(&r, 0, sizeof r);
    opt.root = root;
    opt.http_timeout_sec = 1;
    CHECK_EQ_INT(ota_posix_init(&posix, &opt, &port), 0);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/slow", p);
    CHECK_EQ_INT(get(&port, url, 0, &r, NULL), OTA_ERR_TIMEOUT);
    CHECK_EQ_INT(r.total, 10); /* a trickle, then silence: stalled */
    snprintf(url, sizeof url, "http://127.0.0.1:%d/slow-headers", p);
    CHECK_EQ_INT(get(&port, url, 0, &r, NULL), OTA_ERR_TIMEOUT);
    ota_posix_deinit(&posix);
}

static void test_tls(const char *root, const char *script, const char *dir)
{
    char cert[512], key[512], cmd[2048], url[128];
    struct ota_posix_options opt;
    struct ota_posix posix;
    struct ota_port port;
    struct fixture fx;
    struct response r;

    snprintf(cert, sizeof cert, "%s/cert.pem", dir);
    snprintf(key, sizeof key, "%s/key.pem", dir);
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
             "-keyout %s -out %s -days 2 -subj /CN=127.0.0.1 "
             "-addext subjectAltName=IP:127.0.0.1 2>/dev/null", key, cert);
    CHECK_EQ_INT(system(cmd), 0);
    CHECK_EQ_INT(fixture_start(&fx, script, cert, key), 0);
    memset(&opt, 0, sizeof opt);
    memset(&r, 0, sizeof r);
    opt.root = root;
    snprintf(url, sizeof url, "https://127.0.0.1:%d/hello", fx.tls_port);

    CHECK_EQ_INT(ota_posix_init(&posix, &opt, &port), 0); /* system CAs only */
    CHECK_EQ_INT(get(&port, url, 0, &r, NULL), OTA_ERR_NETWORK);
    ota_posix_deinit(&posix);

    opt.ca_file = cert; /* trusted: verified and accepted */
    CHECK_EQ_INT(ota_posix_init(&posix, &opt, &port), 0);
    CHECK_EQ_INT(get(&port, url, 0, &r, NULL), 0);
    CHECK_EQ_STR(r.body, "hello world\n");
    ota_posix_deinit(&posix);
    fixture_stop(&fx);
}

/* ---- files ----------------------------------------------------------------- */

static int count_entry(void *arg, const char *name, int is_dir)
{
    (void)name;
    (void)is_dir;
    (*(int *)arg)++;
    return 0;
}

static void test_fs(struct ota_port *port, const char *root)
{
    const struct ota_fs_ops *fs = &port->fs;
    void *u = port->user;
    struct ota_stat st;
    char buf[32], path[512];
    int fd, n = 0;

    CHECK_EQ_INT(fs->mkdir(u, "a"), 0);
    CHECK_EQ_INT(fs->mkdir(u, "a"), 0); /* exists: fine */
    fd = fs->open(u, "a/f.txt", OTA_OPEN_WRITE);
    CHECK(fd >= 0);
    CHECK_EQ_INT(fs->write(u, fd, "hello world", 11), 0);
    CHECK_EQ_INT(fs->sync(u, fd), 0);
    CHECK_EQ_INT(fs->close(u, fd), 0);
    CHECK_EQ_INT(fs->sync_dir(u, "a"), 0);
    CHECK_EQ_INT(fs->sync_dir(u, ""), 0);
    snprintf(path, sizeof path, "%s/a/f.txt", root);
    CHECK_EQ_INT(access(path, F_OK), 0); /* under the root, nowhere else */

    fd = fs->open(u, "a/f.txt", OTA_OPEN_READ);
    CHECK(fd >= 0);
    CHECK_EQ_INT(fs->seek(u, fd, 6), 0);
    CHECK_EQ_INT(fs->read(u, fd, buf, sizeof buf), 5);
    CHECK_EQ_INT(memcmp(buf, "world", 5), 0);
    CHECK_EQ_INT(fs->read(u, fd, buf, sizeof buf), 0);
    CHECK_EQ_INT(fs->close(u, fd), 0);

    CHECK_EQ_INT(fs->stat(u, "a/f.txt", &st), 0);
    CHECK_EQ_INT(st.size, 11);
    CHECK_EQ_INT(st.is_dir, 0);
    CHECK_EQ_INT(fs->stat(u, "a", &st), 0);
    CHECK_EQ_INT(st.is_dir, 1);
    CHECK_EQ_INT(fs->stat(u, "missing", &st), OTA_ERR_NOT_FOUND);
    CHECK_EQ_INT(fs->open(u, "missing", OTA_OPEN_READ), OTA_ERR_NOT_FOUND);
    CHECK_EQ_INT(fs->open(u, "no/such/dir/x", OTA_OPEN_WRITE), OTA_ERR_NOT_FOUND);

    fd = fs->open(u, "a/g.txt", OTA_OPEN_WRITE);
    CHECK_EQ_INT(fs->write(u, fd, "new", 3), 0);
    CHECK_EQ_INT(fs->close(u, fd), 0);
    CHECK_EQ_INT(fs->rename(u, "a/g.txt", "a/f.txt"), 0); /* replaces */
    CHECK_EQ_INT(fs->stat(u, "a/f.txt", &st), 0);
    CHECK_EQ_INT(st.size, 3);
    CHECK_EQ_INT(fs->list(u, "a", count_entry, &n), 0);
    CHECK_EQ_INT(n, 1); /* no "." or ".." */

    CHECK(fs->remove(u, "a") < 0); /* not empty */
    CHECK_EQ_INT(fs->remove(u, "a/f.txt"), 0);
    CHECK_EQ_INT(fs->remove(u, "a/f.txt"), OTA_ERR_NOT_FOUND);
    CHECK_EQ_INT(fs->remove(u, "a"), 0);
}

static void test_crypto(struct ota_port *port)
{
    union {
        uint8_t bytes[OTA_HASH_STATE_SIZE];
        void *align;
    } state;
    uint8_t digest[32];
    static const uint8_t sha1_abc[] = {0xa9, 0x99, 0x3e, 0x36, 0x47};
    static const uint8_t sha256_abc[] = {0xba, 0x78, 0x16, 0xbf, 0x8f};

    CHECK_EQ_INT(port->crypto.hash_begin(port->user, OTA_HASH_SHA1, state.bytes), 0);
    CHECK_EQ_INT(port->crypto.hash_update(port->user, state.bytes, "a", 1), 0);
    CHECK_EQ_INT(port->crypto.hash_update(port->user, state.bytes, "bc", 2), 0);
    CHECK_EQ_INT(port->crypto.hash_end(port->user, state.bytes, digest), 0);
    CHECK_EQ_INT(memcmp(digest, sha1_abc, sizeof sha1_abc), 0);
    CHECK_EQ_INT(port->crypto.hash_begin(port->user, OTA_HASH_SHA256, state.bytes), 0);
    CHECK_EQ_INT(port->crypto.hash_update(port->user, state.bytes, "abc", 3), 0);
    CHECK_EQ_INT(port->crypto.hash_end(port->user, state.bytes, digest), 0);
    CHECK_EQ_INT(memcmp(digest, sha256_abc, sizeof sha256_abc), 0);
    /* released without a result (an error path) */
    CHECK_EQ_INT(port->crypto.hash_begin(port->user, OTA_HASH_SHA256, state.bytes), 0);
    CHECK_EQ_INT(port->crypto.hash_end(port->user, state.bytes, NULL), 0);
}

int main(int argc, char **argv)
{
    char root[] = "/tmp/ota-port-XXXXXX", cmd[600];
    struct ota_posix_options opt;
    struct ota_posix posix;
    struct ota_port port;
    struct fixture fx;

    if (argc != 2 || !mkdtemp(root)) {
        fprintf(stderr, "usage: test_posix tests/port/http_fixture.py\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    memset(&opt, 0, sizeof opt);
    opt.root = root;
    CHECK_EQ_INT(ota_posix_init(&posix, &opt, &port), 0);
    test_fs(&port, root);
    test_crypto(&port);
    if (fixture_start(&fx, argv[1], NULL, NULL) == 0) {
        test_http(&port, fx.port);
        test_stall(root, fx.port);
        fixture_stop(&fx);
    } else {
        CHECK(!"the HTTP fixture did not start");
    }
    ota_posix_deinit(&posix);
    test_tls(root, argv[1], root);
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    CHECK_EQ_INT(system(cmd), 0);
    TEST_MAIN_END();
}

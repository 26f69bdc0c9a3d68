/* The modem driver against the modem simulator (modem_sim.py) on a
 * pseudo-terminal, through the POSIX serial line, with real HTTP requests to
 * a local origin (http_origin.py).
 *
 * usage: test_modem PYTHON MODEM_SIM HTTP_ORIGIN [SCENARIO...]
 * Each scenario starts its own simulated modem; with names, only those run. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "modem_serial_posix.h"
#include "ota_modem.h"

#define FILE_SIZE 6000
#define MAX_ARGS 16

static int failures;

#define CHECK(cond)                                                             \
    do {                                                                        \
        if (!(cond)) {                                                          \
            fprintf(stderr, "%s:%d: %s: check failed: %s\n", __FILE__, __LINE__, \
                    current, #cond);                                            \
            failures++;                                                         \
        }                                                                       \
    } while (0)

static const char *current = "";

/* ---- the environment: python, the scripts, the origin and its file ---- */

static struct {
    const char *python, *sim, *origin;
    char dir[64];
    char url[128];       /* http://127.0.0.1:PORT/app.bin */
    char https_url[128]; /* https://127.0.0.1:PORT/app.bin */
    char redirect_url[128];
    char log[128];       /* the simulator's command log */
    pid_t origin_pid;
    uint8_t file[FILE_SIZE];
} env;

/* Starts argv with stdout on a pipe and reads its first line into out. */
static pid_t spawn(char *const argv[], char *out, size_t cap)
{
    int fds[2];
    pid_t pid;
    FILE *f;

    if (pipe(fds) != 0)
        return -1;
    pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(fds[1]);
    f = fdopen(fds[0], "r");
    if (pid < 0 || !f || !fgets(out, (int)cap, f)) {
        if (f)
            fclose(f);
        return -1;
    }
    fclose(f);
    out[strcspn(out, "\n")] = '\0';
    return pid;
}

static void stop(pid_t pid)
{
    if (pid > 0) {
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
    }
}

/* Bytes that look like the modem's own lines sit inside the body: the
 * driver must read the body by count, never by line. */
static void make_file(void)
{
    static const char *const traps[] = {"\r\nOK\r\n", "\r\n+HTTPREAD: 0\r\n",
                                        "\r\nERROR\r\n", "\r\n+SAPBR 1: DEACT\r\n",
                                        "\r\n+HTTPACTION: 0,601,0\r\n"};
    uint32_t x = 12345;
    size_t i;
    char path[128];
    FILE *f;

    for (i = 0; i < FILE_SIZE; i++) {
        x = x * 1103515245u + 12345u;
        env.file[i] = (uint8_t)(x >> 16);
    }
    for (i = 0; i < sizeof traps / sizeof traps[0]; i++)
        memcpy(env.file + 100 + i * 1100, traps[i], strlen(traps[i]));
    snprintf(path, sizeof path, "%s/app.bin", env.dir);
    f = fopen(path, "wb");
    if (!f || fwrite(env.file, 1, FILE_SIZE, f) != FILE_SIZE || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

static void start_origin(void)
{
    char port[32];
    char *argv[] = {(char *)env.python, (char *)env.origin, env.dir, NULL};

    env.origin_pid = spawn(argv, port, sizeof port);
    if (env.origin_pid < 0 || atoi(port) <= 0) {
        fprintf(stderr, "cannot start %s\n", env.origin);
        exit(1);
    }
    snprintf(env.url, sizeof env.url, "http://127.0.0.1:%s/app.bin", port);
    snprintf(env.https_url, sizeof env.https_url, "https://127.0.0.1:%s/app.bin", port);
    snprintf(env.redirect_url, sizeof env.redirect_url,
             "http://127.0.0.1:%s/redirect/app.bin", port);
}

/* ---- one simulated modem ------------------------------------------------ */

struct sim {
    pid_t pid;
    struct ota_modem_serial_posix tty;
    struct ota_modem m;
    int serial_waits;
};

static void count_wait(void *user)
{
    struct sim *s = (struct sim *)((char *)user - offsetof(struct sim, tty));

    s->serial_waits++;
}

/* Timeouts far shorter than a real modem's, far longer than the simulator
 * needs: a test that passes does not depend on timing. */
static void test_timeouts(struct ota_modem_timeouts *t)
{
    t->command_ms = 2000;
    t->probe_ms = 4000;
    t->register_ms = 4000;
    t->poll_ms = 100;
    t->attach_ms = 4000;
    t->action_ms = 8000;
    t->read_ms = 2000;
}

/* Starts modem_sim.py --family family extra... and opens its tty. */
static int sim_start(struct sim *s, const char *family, const char *const *extra,
                     const struct ota_modem_timeouts *timeouts)
{
    char *argv[MAX_ARGS];
    char path[256];
    struct ota_modem_config cfg;
    size_t n = 0;

    memset(s, 0, sizeof *s);
    argv[n++] = (char *)env.python;
    argv[n++] = (char *)env.sim;
    argv[n++] = "--family";
    argv[n++] = (char *)family;
    argv[n++] = "--log";
    argv[n++] = env.log;
    while (extra && *extra && n + 1 < MAX_ARGS)
        argv[n++] = (char *)*extra++;
    argv[n] = NULL;
    unlink(env.log);
    s->pid = spawn(argv, path, sizeof path);
    if (s->pid < 0)
        return -1;
    memset(&cfg, 0, sizeof cfg);
    if (ota_modem_dialect_parse(family, &cfg.dialect) != 0 ||
        ota_modem_serial_open(&s->tty, path, 115200, &cfg.serial) != 0)
        return -1;
    cfg.serial.on_wait = count_wait;
    if (timeouts)
        cfg.timeouts = *timeouts;
    else
        test_timeouts(&cfg.timeouts);
    cfg.read_chunk = 512;
    return ota_modem_init(&s->m, &cfg);
}

static void sim_stop(struct sim *s)
{
    ota_modem_serial_close(&s->tty);
    stop(s->pid);
}

/* 1 when the simulator received this exact command. */
static int sim_got(const char *command)
{
    char line[2048];
    FILE *f = fopen(env.log, "r");
    int found = 0;

    while (f && !found && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        found = strcmp(line, command) == 0;
    }
    if (f)
        fclose(f);
    return found;
}

/* ---- a sink that keeps everything ------------------------------------- */

struct got {
    int status, status_calls;
    int order_broken; /* a header after the body, a status after anything */
    char etag[96];
    char location[256];
    long content_length;
    uint8_t body[FILE_SIZE * 2];
    size_t len;
    size_t fail_after; /* > 0: the body callback fails past this many bytes */
    int waits;
};

static void copy_value(char *out, size_t cap, const char *v, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(out, v, n);
    out[n] = '\0';
}

static int on_status(void *arg, int status)
{
    struct got *g = arg;

    g->order_broken |= g->status_calls > 0 || g->len > 0;
    g->status = status;
    g->status_calls++;
    return 0;
}

static int on_header(void *arg, const char *name, size_t nlen, const char *value,
                     size_t vlen)
{
    struct got *g = arg;

    g->order_broken |= g->status_calls != 1 || g->len > 0;
    if (nlen == 4 && strncasecmp(name, "ETag", 4) == 0)
        copy_value(g->etag, sizeof g->etag, value, vlen);
    else if (nlen == 8 && strncasecmp(name, "Location", 8) == 0)
        copy_value(g->location, sizeof g->location, value, vlen);
    else if (nlen == 14 && strncasecmp(name, "Content-Length", 14) == 0) {
        char number[24];
        copy_value(number, sizeof number, value, vlen);
        g->content_length = atol(number);
    }
    return 0;
}

static int on_body(void *arg, const uint8_t *data, size_t len)
{
    struct got *g = arg;

    g->order_broken |= g->status_calls != 1;
    if (g->fail_after && g->len + len > g->fail_after)
        return OTA_ERR_ABORTED;
    if (g->len + len > sizeof g->body)
        return OTA_ERR_TOO_LARGE;
    memcpy(g->body + g->len, data, len);
    g->len += len;
    return 0;
}

static void on_wait(void *arg)
{
    ((struct got *)arg)->waits++;
}

static int get(struct sim *s, const char *url, uint64_t range_start,
               const char *const *headers, size_t count, struct got *g)
{
    struct ota_http_request req;
    struct ota_http_sink sink = {on_status, on_header, on_body, NULL, on_wait};
    size_t keep = g->fail_after;

    memset(g, 0, sizeof *g);
    g->fail_after = keep;
    g->content_length = -1;
    sink.arg = g;
    req.url = url;
    req.headers = headers;
    req.header_count = count;
    req.range_start = range_start;
    return ota_modem_get(&s->m, &req, &sink);
}

static int reason_has(const struct sim *s, const char *text)
{
    if (strstr(ota_modem_reason(&s->m), text))
        return 1;
    fprintf(stderr, "%s: reason \"%s\" lacks \"%s\"\n", current, ota_modem_reason(&s->m),
            text);
    return 0;
}

/* ---- scenarios --------------------------------------------------------- */

static const char *const families[] = {"sim800", "sim7000", "sim7600"};

static void bring_up_and_signal(const char *family)
{
    static const char *const unknown[] = {"--csq", "99", NULL};
    struct sim s;
    int dbm = 1;

    CHECK(sim_start(&s, family, NULL, NULL) == 0);
    CHECK(ota_modem_up(&s.m, "internet") == 0);
    CHECK(ota_modem_signal(&s.m, &dbm) == 0);
    CHECK(dbm == -73); /* rssi 20: -113 + 2 * 20 */
    CHECK(sim_got("ATE0") && sim_got("AT+CPIN?"));
    if (strcmp(family, "sim800") == 0)
        CHECK(sim_got("AT+SAPBR=3,1,\"APN\",\"internet\"") && sim_got("AT+SAPBR=1,1"));
    else if (strcmp(family, "sim7000") == 0)
        CHECK(sim_got("AT+CGDCONT=1,\"IP\",\"internet\"") &&
              sim_got("AT+CNACT=1,\"internet\""));
    else
        CHECK(sim_got("AT+CGDCONT=1,\"IP\",\"internet\"") && sim_got("AT+NETOPEN"));
    /* up again on a link that is up: nothing is opened twice */
    CHECK(ota_modem_up(&s.m, "internet") == 0);
    CHECK(ota_modem_down(&s.m) == 0);
    sim_stop(&s);

    CHECK(sim_start(&s, family, unknown, NULL) == 0);
    CHECK(ota_modem_signal(&s.m, &dbm) == 0);
    CHECK(dbm == OTA_MODEM_DBM_UNKNOWN);
    sim_stop(&s);
}

static void whole_file(const char *family)
{
    static const char *const headers[] = {"Accept: application/octet-stream",
                                          "User-Agent: ota-test/1.0"};
    struct sim s;
    static struct got g;

    CHECK(sim_start(&s, family, NULL, NULL) == 0);
    CHECK(ota_modem_up(&s.m, "internet") == 0);
    CHECK(get(&s, env.url, 0, headers, 2, &g) == 0);
    CHECK(g.status == 200 && g.status_calls == 1 && !g.order_broken);
    CHECK(g.len == FILE_SIZE && memcmp(g.body, env.file, FILE_SIZE) == 0);
    CHECK(g.content_length == FILE_SIZE);
    CHECK(strlen(g.etag) == 42 && g.etag[0] == '"' && g.etag[41] == '"');
    CHECK(sim_got("AT+HTTPPARA=\"UA\",\"ota-test/1.0\""));
    CHECK(sim_got("AT+HTTPPARA=\"USERDATA\",\"Accept: application/octet-stream\""));
    CHECK(sim_got("AT+HTTPTERM"));
    /* a second request on the same modem */
    CHECK(get(&s, env.url, 0, NULL, 0, &g) == 0);
    CHECK(g.len == FILE_SIZE && memcmp(g.body, env.file, FILE_SIZE) == 0);
    sim_stop(&s);
}

static void range_and_not_modified(const char *family)
{
    struct sim s;
    static struct got g;
    char inm[128], sent[160];
    const char *headers[1];

    CHECK(sim_start(&s, family, NULL, NULL) == 0);
    CHECK(ota_modem_up(&s.m, "internet") == 0);
    CHECK(get(&s, env.url, 1000, NULL, 0, &g) == 0);
    CHECK(g.status == 206);
    CHECK(g.len == FILE_SIZE - 1000 && memcmp(g.body, env.file + 1000, g.len) == 0);
    CHECK(sim_got("AT+HTTPPARA=\"USERDATA\",\"Range: bytes=1000-\""));

    snprintf(inm, sizeof inm, "If-None-Match: %s", g.etag);
    headers[0] = inm;
    CHECK(get(&s, env.url, 0, headers, 1, &g) == 0);
    CHECK(g.status == 304 && g.len == 0 && g.etag[0] == '"');
    /* the ETag's quotes travel inside USERDATA as they are */
    snprintf(sent, sizeof sent, "AT+HTTPPARA=\"USERDATA\",\"%s\"", inm);
    CHECK(sim_got(sent));
    sim_stop(&s);
}

static void https_and_redirect(const char *family)
{
    struct sim s;
    static struct got g;

    CHECK(sim_start(&s, family, NULL, NULL) == 0);
    CHECK(ota_modem_up(&s.m, "internet") == 0);
    /* the simulator serves https only after AT+HTTPSSL=1 where the family
     * needs it, and answers ERROR to AT+HTTPSSL where it has none */
    CHECK(get(&s, env.https_url, 0, NULL, 0, &g) == 0);
    CHECK(g.status == 200 && g.len == FILE_SIZE && memcmp(g.body, env.file, g.len) == 0);
    CHECK(get(&s, env.redirect_url, 0, NULL, 0, &g) == 0);
    CHECK(g.status == 302 && strcmp(g.location, "/app.bin") == 0);
    sim_stop(&s);
}

static void no_sim(const char *family)
{
    static const char *const args[] = {"--no-sim", NULL};
    struct sim s;

    CHECK(sim_start(&s, family, args, NULL) == 0);
    CHECK(ota_modem_up(&s.m, "internet") == OTA_ERR_NETWORK);
    CHECK(reason_has(&s, "AT+CPIN?: +CME ERROR: 10 (SIM not inserted)"));
    sim_stop(&s);
}

static void registration(const char *family)
{
    /* "+CREG: 1" (unsolicited: registered) comes before every "searching"
     * answer: it must not be taken for the answer */
    static const char *const never[] = {"--never-register", "--noise", NULL};
    static const char *const denied[] = {"--denied", NULL};
    static const char *const late[] = {"--register-after", "5", NULL};
    const char *name = strcmp(family, "sim800") == 0 ? "AT+CREG" : "AT+CEREG";
    struct ota_modem_timeouts t;
    struct sim s;
    char want[64];
    static struct got g;

    test_timeouts(&t);
    t.register_ms = 600;
    CHECK(sim_start(&s, family, never, &t) == 0);
    CHECK(ota_modem_up(&s.m, "internet") == OTA_ERR_TIMEOUT);
    snprintf(want, sizeof want, "%s: not registered after 1 s (searching)", name);
    CHECK(reason_has(&s, want));
    /* and without a link, no request goes out */
    CHECK(get(&s, env.url, 0, NULL, 0, &g) == OTA_ERR_NETWORK);
    sim_stop(&s);

    CHECK(sim_start(&s, family, denied, NULL) == 0);
    CHECK(ota_modem_up(&s.m, "internet") == OTA_ERR_NETWORK);
    CHECK(reason_has(&s, "registration denied"));
    sim_stop(&s);

    CHECK(sim_start(&s, family, late, NULL) == 0);
    CHECK(ota_modem_up(&s.m, "internet") == 0);
    sim_stop(&s);
}

static void slow(const char *family)
{
    static const char *const slow_args[] = {"--delay", "25", "--action-delay", "600", NULL};
    static const char *const slower[] = {"--delay", "500", NULL};
    struct ota_modem_timeouts t;
    struct sim s;
    static struct got g;

    /* slower than usual, within the timeouts: works, and the waiters were
     * fed while +HTTPACTION took its time */
    CHECK(sim_start(&s, family, slow_args, NULL) == 0);
    CHECK(ota_modem_up(&s.m, "internet") == 0);
    CHECK(get(&s, env.url, 0, NULL, 0, &g) == 0);
    CHECK(g.len == FILE_SIZE && memcmp(g.body, env.file, FILE_SIZE) == 0);
    CHECK(g.waits > 0 && s.serial_waits > 0);
    sim_stop(&s);

    /* slower than the timeouts: a clear timeout */
    test_timeouts(&t);
    t.command_ms = 200;
    t.poll_ms = 200;
    t.probe_ms = 400;
    CHECK(sim_start(&s, family, slower, &t) == 0);
    CHECK(ota_modem_up(&s.m, "internet") == OTA_ERR_TIMEOUT);
    CHECK(reason_has(&s, "AT: no answer in 1 s"));
    sim_stop(&s);
}

/* The link drops after 1500 body bytes: those reach the sink, the GET says
 * OTA_ERR_TRUNCATED, and a Range request for the rest completes the file. */
static void dropped_link(const char *family, const char *const *args, const char *why)
{
    struct ota_modem_timeouts t;
    struct sim s;
    static struct got g;
    static uint8_t whole[FILE_SIZE];
    size_t have;

    test_timeouts(&t);
    t.read_ms = 500; /* the silent drop waits this long */
    CHECK(sim_start(&s, family, args, &t) == 0);
    CHECK(ota_modem_up(&s.m, "internet") == 0);
    CHECK(get(&s, env.url, 0, NULL, 0, &g) == OTA_ERR_TRUNCATED);
    CHECK(g.status == 200 && g.len == 1500 && memcmp(g.body, env.file, 1500) == 0);
    CHECK(reason_has(&s, why));
    memcpy(whole, g.body, g.len);
    have = g.len;
    CHECK(get(&s, env.url, have, NULL, 0, &g) == 0);
    CHECK(g.status == 206 && have + g.len == FILE_SIZE);
    if (have + g.len == FILE_SIZE) {
        memcpy(whole + have, g.body, g.len);
        CHECK(memcmp(whole, env.file, FILE_SIZE) == 0);
    }
    sim_stop(&s);
}

static void drops(const char *family)
{
    static const char *const urc[] = {"--drop-after", "1500", NULL};
    static const char *const silent[] = {"--drop-after", "1500", "--silent-drop", NULL};
    static const char *const shortened[] = {"--short-body", "1500", NULL};

    dropped_link(family, urc, "AT+HTTPREAD: link lost after 1500 of 6000 body bytes");
    dropped_link(family, silent, "AT+HTTPREAD: no data in time after 1500 of 6000");
    dropped_link(family, shortened, "AT+HTTPREAD: no more data after 1500 of 6000");
}

/* Unsolicited codes between every line, output in small pieces. */
static void noise(const char *family)
{
    static const char *const args[] = {"--noise", "--register-after", "2", NULL};
    struct sim s;
    static struct got g;
    int dbm = 0, i;

    CHECK(sim_start(&s, family, args, NULL) == 0);
    CHECK(ota_modem_up(&s.m, "internet") == 0);
    for (i = 0; i < 3; i++) {
        CHECK(ota_modem_signal(&s.m, &dbm) == 0 && dbm == -73);
        CHECK(get(&s, env.url, (uint64_t)i * 100u, NULL, 0, &g) == 0);
        CHECK(g.len == FILE_SIZE - (size_t)i * 100u &&
              memcmp(g.body, env.file + i * 100, g.len) == 0);
    }
    sim_stop(&s);
}

/* A sink that refuses stops the transfer with its own error, and the
 * channel is still in step for the next request. */
static void sink_error(const char *family)
{
    struct sim s;
    static struct got g;

    CHECK(sim_start(&s, family, NULL, NULL) == 0);
    CHECK(ota_modem_up(&s.m, "internet") == 0);
    g.fail_after = 700;
    CHECK(get(&s, env.url, 0, NULL, 0, &g) == OTA_ERR_ABORTED);
    g.fail_after = 0;
    CHECK(get(&s, env.url, 0, NULL, 0, &g) == 0);
    CHECK(g.len == FILE_SIZE && memcmp(g.body, env.file, FILE_SIZE) == 0);
    sim_stop(&s);
}

static void bad_arguments(const char *family)
{
    static const char *const quote[] = {"X-Evil: a\\r\\nb"};
    struct sim s;
    static struct got g;

    CHECK(sim_start(&s, family, NULL, NULL) == 0);
    CHECK(ota_modem_up(&s.m, "bad\"apn") == OTA_ERR_CONFIG);
    CHECK(ota_modem_up(&s.m, "internet") == 0);
    CHECK(get(&s, "ftp://127.0.0.1/x", 0, NULL, 0, &g) == OTA_ERR_INVALID_ARG);
    CHECK(get(&s, env.url, 0, quote, 1, &g) == OTA_ERR_INVALID_ARG);
    CHECK(get(&s, env.url, 0, NULL, 0, &g) == 0 && g.len == FILE_SIZE);
    sim_stop(&s);
}

static const struct {
    const char *name;
    void (*run)(const char *family);
} scenarios[] = {
    {"bring_up", bring_up_and_signal},
    {"whole_file", whole_file},
    {"range_304", range_and_not_modified},
    {"https_redirect", https_and_redirect},
    {"no_sim", no_sim},
    {"registration", registration},
    {"slow", slow},
    {"drops", drops},
    {"noise", noise},
    {"sink_error", sink_error},
    {"bad_arguments", bad_arguments},
};

static int wanted(const char *name, int argc, char **argv)
{
    int i;

    for (i = 4; i < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return 1;
    return argc <= 4;
}

int main(int argc, char **argv)
{
    char name[96];
    size_t i, k;

    if (argc < 4) {
        fprintf(stderr, "usage: %s PYTHON MODEM_SIM HTTP_ORIGIN [SCENARIO...]\n", argv[0]);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    env.python = argv[1];
    env.sim = argv[2];
    env.origin = argv[3];
    strcpy(env.dir, "/tmp/ota-modem-XXXXXX");
    if (!mkdtemp(env.dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(env.log, sizeof env.log, "%s/commands.log", env.dir);
    make_file();
    start_origin();
    for (i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
        if (!wanted(scenarios[i].name, argc, argv))
            continue;
        for (k = 0; k < sizeof families / sizeof families[0]; k++) {
            int before = failures;
            snprintf(name, sizeof name, "%s/%s", scenarios[i].name, families[k]);
            current = name;
            scenarios[i].run(families[k]);
            printf("%s %s\n", failures == before ? "ok  " : "FAIL", name);
            fflush(stdout);
        }
    }
    stop(env.origin_pid);
    unlink(env.log);
    snprintf(name, sizeof name, "%s/app.bin", env.dir);
    unlink(name);
    rmdir(env.dir);
    printf("%d failure(s)\n", failures);
    return failures ? 1 : 0;
}

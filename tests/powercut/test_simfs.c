/* The simulated device against its crash model (docs/crash-model.md): what
 * was made durable always survives, and everything that was not can be lost
 * (some seed loses it), in the ways the model allows and no other. A power-cut
 * suite on a kind filesystem would prove nothing, so this checks that the
 * simulator is not kind. */
#include <stdio.h>
#include <string.h>

#include "ota/ota.h"
#include "sim.h"
#include "test.h"

static struct sim sim;
static uint8_t arena[1u << 20];
static char text[64u << 10];
static uint8_t image[2u << 20];
static struct ota_port port;

#define FS (&port.fs)
#define U (port.user)
#define SEEDS 200u

static void fresh(void)
{
    sim_init(&sim, arena, sizeof arena, text, sizeof text, &port);
}

/* Writes a file through the port: optionally fsynced. */
static int write_file(const char *path, const char *data, int sync)
{
    int fd = FS->open(U, path, OTA_OPEN_WRITE);
    int err;

    if (fd < 0)
        return fd;
    err = FS->write(U, fd, data, strlen(data));
    if (err == OTA_OK && sync)
        err = FS->sync(U, fd);
    FS->close(U, fd);
    return err;
}

/* The file's contents ("" when empty), or NULL when it does not exist. */
static const char *read_file(const char *path)
{
    static char buf[4096];
    int fd = FS->open(U, path, OTA_OPEN_READ);
    long n;

    if (fd < 0)
        return NULL;
    n = FS->read(U, fd, buf, sizeof buf - 1);
    FS->close(U, fd);
    buf[n < 0 ? 0 : n] = '\0';
    return buf;
}

static int exists(const char *path)
{
    struct ota_stat st;

    return FS->stat(U, path, &st) == OTA_OK;
}

/* Saves the state before a crash, to try many seeds on it. */
static size_t save(void) { return sim_fs_save(&sim.fs, image, sizeof image); }

static void crash(size_t len, uint64_t seed)
{
    CHECK(sim_fs_load(&sim.fs, image, len) == OTA_OK);
    sim_fs_reboot(&sim.fs, seed);
}

/* The raw bytes of a file; -1 when it does not exist. */
static long read_raw(const char *path, char *buf, size_t cap)
{
    int fd = FS->open(U, path, OTA_OPEN_READ);
    long n;

    if (fd < 0)
        return -1;
    n = FS->read(U, fd, buf, cap);
    FS->close(U, fd);
    return n;
}

static void test_unsynced_data(void)
{
    static const char all[] = "0123456789";
    size_t len;
    uint64_t seed;
    int lost = 0, whole = 0, torn = 0, zeros = 0;

    fresh();
    CHECK(write_file("f", "durable", 1) == OTA_OK);
    /* appended without a sync: a prefix of the new bytes survives, or the
     * size does and some of the bytes read as zeros (a torn write) */
    {
        int fd = FS->open(U, "g", OTA_OPEN_WRITE);
        CHECK(FS->write(U, fd, "0123", 4) == OTA_OK);
        CHECK(FS->sync(U, fd) == OTA_OK);
        CHECK(FS->write(U, fd, "456789", 6) == OTA_OK);
        FS->close(U, fd);
    }
    CHECK(FS->sync_dir(U, "") == OTA_OK);
    CHECK_EQ_STR(read_file("g"), all); /* reads see it at once */
    len = save();
    for (seed = 0; seed < SEEDS; seed++) {
        char g[16];
        long n, i, good;
        crash(len, seed);
        CHECK_EQ_STR(read_file("f"), "durable");
        n = read_raw("g", g, sizeof g);
        CHECK(n >= 4 && n <= 10);
        if (n < 4)
            continue;
        for (good = 0; good < n && g[good] == all[good]; good++)
            ;
        CHECK(good >= 4); /* the synced part is always there */
        for (i = good; i < n; i++)
            CHECK(g[i] == 0);
        if (seed == SIM_CRASH_LOSE_ALL)
            CHECK(n == 4);
        if (seed == SIM_CRASH_KEEP_ALL)
            CHECK(n == 10 && good == 10);
        lost += n == 4;
        whole += good == 10;
        torn += n > 4 && n < 10 && good == n;
        zeros += good < n;
    }
    CHECK(lost > 0 && whole > 0 && torn > 0 && zeros > 0);
}

static void test_truncation(void)
{
    size_t len;
    uint64_t seed;
    int old = 0, fresh_prefix = 0;

    fresh();
    CHECK(write_file("f", "old contents", 1) == OTA_OK);
    CHECK(FS->sync_dir(U, "") == OTA_OK);
    CHECK(write_file("f", "new", 0) == OTA_OK); /* truncated and rewritten, no sync */
    len = save();
    for (seed = 0; seed < SEEDS; seed++) {
        const char *f;
        crash(len, seed);
        f = read_file("f");
        CHECK(f != NULL);
        if (!f)
            continue;
        if (strcmp(f, "old contents") == 0)
            old++;
        else if (strncmp("new", f, strlen(f)) == 0)
            fresh_prefix++;
        else
            CHECK(!"truncated file is neither old nor a prefix of new");
    }
    CHECK(old > 0 && fresh_prefix > 0);
}

static void test_entries(void)
{
    size_t len;
    uint64_t seed;
    int gone = 0, there = 0;

    fresh();
    /* data synced, but the entry's directory was not */
    CHECK(write_file("f", "data", 1) == OTA_OK);
    len = save();
    for (seed = 0; seed < SEEDS; seed++) {
        crash(len, seed);
        gone += !exists("f");
        there += exists("f") && strcmp(read_file("f"), "data") == 0;
    }
    CHECK(gone > 0 && there > 0);
    crash(len, SIM_CRASH_LOSE_ALL);
    CHECK(!exists("f"));

    /* the entry synced, but its directory's own entry was not */
    fresh();
    CHECK(FS->mkdir(U, "d") == OTA_OK);
    CHECK(write_file("d/f", "data", 1) == OTA_OK);
    CHECK(FS->sync_dir(U, "d") == OTA_OK);
    len = save();
    crash(len, SIM_CRASH_LOSE_ALL);
    CHECK(!exists("d") && !exists("d/f"));
    CHECK(sim_fs_load(&sim.fs, image, len) == OTA_OK);
    CHECK(FS->sync_dir(U, "") == OTA_OK);
    len = save();
    for (seed = 0; seed < 20; seed++) {
        crash(len, seed);
        CHECK(exists("d/f") && strcmp(read_file("d/f"), "data") == 0);
    }
}

static void test_rename_atomic(void)
{
    size_t len;
    uint64_t seed;
    int before = 0, after = 0;

    fresh();
    CHECK(write_file("a", "A", 1) == OTA_OK);
    CHECK(write_file("b", "B", 1) == OTA_OK);
    CHECK(FS->sync_dir(U, "") == OTA_OK);
    CHECK(FS->rename(U, "a", "b") == OTA_OK);
    len = save();
    for (seed = 0; seed < SEEDS; seed++) {
        const char *b;
        crash(len, seed);
        b = read_file("b");
        CHECK(b != NULL);
        if (!b)
            continue;
        if (exists("a")) {
            CHECK_EQ_STR(read_file("a"), "A");
            CHECK_EQ_STR(read_file("b"), "B");
            before++;
        } else {
            CHECK_EQ_STR(b, "A");
            after++;
        }
    }
    CHECK(before > 0 && after > 0);
}

static void test_rename_across_directories(void)
{
    size_t len;
    uint64_t seed;
    int before = 0, after = 0;

    fresh();
    CHECK(FS->mkdir(U, "s") == OTA_OK);
    CHECK(FS->mkdir(U, "t") == OTA_OK);
    CHECK(FS->sync_dir(U, "") == OTA_OK);
    CHECK(write_file("s/x", "X", 1) == OTA_OK);
    CHECK(FS->sync_dir(U, "s") == OTA_OK);
    CHECK(FS->rename(U, "s/x", "t/x") == OTA_OK);
    CHECK(FS->sync_dir(U, "t") == OTA_OK); /* one side only: not yet durable */
    len = save();
    for (seed = 0; seed < SEEDS; seed++) {
        crash(len, seed);
        CHECK(exists("s/x") != exists("t/x")); /* never both, never neither */
        before += exists("s/x");
        after += exists("t/x");
    }
    CHECK(before > 0 && after > 0);
    CHECK(sim_fs_load(&sim.fs, image, len) == OTA_OK);
    CHECK(FS->sync_dir(U, "s") == OTA_OK);
    len = save();
    for (seed = 0; seed < 20; seed++) {
        crash(len, seed);
        CHECK(!exists("s/x") && exists("t/x"));
    }
}

static void test_entry_order(void)
{
    size_t len;
    uint64_t seed;
    int v1 = 0, none = 0, v2 = 0;

    fresh();
    CHECK(write_file("x", "v1", 1) == OTA_OK);
    CHECK(FS->sync_dir(U, "") == OTA_OK);
    CHECK(FS->remove(U, "x") == OTA_OK);
    CHECK(write_file("x", "v2", 1) == OTA_OK);
    len = save();
    for (seed = 0; seed < SEEDS; seed++) {
        const char *x;
        crash(len, seed);
        x = read_file("x");
        if (!x)
            none++;
        else if (strcmp(x, "v1") == 0)
            v1++;
        else if (strcmp(x, "v2") == 0)
            v2++;
        else
            CHECK(!"x is none of its states");
    }
    CHECK(v1 > 0 && none > 0 && v2 > 0);
}

static void test_removed_directory_loses_contents(void)
{
    size_t len;
    uint64_t seed;
    int lost = 0;

    /* rmdir reaching flash before the moves out of it: what was in it is
     * gone (only a sync of the directory first prevents it) */
    fresh();
    CHECK(FS->mkdir(U, "d") == OTA_OK);
    CHECK(FS->mkdir(U, "k") == OTA_OK);
    CHECK(FS->sync_dir(U, "") == OTA_OK);
    CHECK(write_file("d/f", "F", 1) == OTA_OK);
    CHECK(FS->sync_dir(U, "d") == OTA_OK);
    CHECK(FS->rename(U, "d/f", "k/f") == OTA_OK);
    CHECK(FS->sync_dir(U, "k") == OTA_OK);
    CHECK(FS->remove(U, "d") == OTA_OK);
    CHECK(FS->sync_dir(U, "") == OTA_OK);
    len = save();
    for (seed = 0; seed < SEEDS; seed++) {
        crash(len, seed);
        CHECK(!exists("d"));
        lost += !exists("k/f");
    }
    CHECK(lost > 0);
}

static void test_power_cut(void)
{
    fresh();
    CHECK(write_file("a", "1", 1) == OTA_OK);
    sim_fs_cut(&sim.fs, 2);
    CHECK(FS->mkdir(U, "d1") == OTA_OK);           /* mutation 0 */
    CHECK(FS->mkdir(U, "d2") == OTA_OK);           /* mutation 1 */
    CHECK(FS->mkdir(U, "d3") == OTA_ERR_IO);       /* 2: the power goes */
    CHECK(sim_fs_power_lost(&sim.fs));
    CHECK(FS->sync_dir(U, "") == OTA_ERR_IO);      /* and stays gone */
    CHECK(read_file("a") == NULL);                 /* nothing works */
    CHECK(sim_fs_mutations(&sim.fs) == 3);         /* the failed one counts */
    sim_fs_reboot(&sim.fs, SIM_CRASH_KEEP_ALL);
    CHECK(!sim_fs_power_lost(&sim.fs));
    CHECK(exists("d1") && exists("d2") && !exists("d3"));
    CHECK_EQ_STR(read_file("a"), "1");
    CHECK(sim_fs_pending(&sim.fs) == 0);
}

static void test_contract(void)
{
    char buf[4];
    int fd;

    fresh();
    CHECK(write_file("f", "x", 1) == OTA_OK);
    CHECK(sim.fs.violations == 0);
    CHECK(FS->read(U, 7, buf, sizeof buf) < 0);
    CHECK(sim.fs.violations == 1);
    fd = FS->open(U, "f", OTA_OPEN_READ);
    CHECK(FS->write(U, fd, "y", 1) == OTA_ERR_INVALID_ARG);
    CHECK(sim_fs_open_handles(&sim.fs) == 1);
    FS->close(U, fd);
    CHECK(FS->close(U, fd) == OTA_ERR_INVALID_ARG);
    CHECK(FS->open(U, "a//b", OTA_OPEN_WRITE) == OTA_ERR_INVALID_ARG);
    CHECK(sim.fs.violations == 4);
    /* POSIX behaviour the engine relies on */
    CHECK(FS->mkdir(U, "d") == OTA_OK);
    CHECK(FS->mkdir(U, "d") == OTA_OK);
    CHECK(FS->mkdir(U, "f") == OTA_ERR_IO);
    CHECK(write_file("d/g", "g", 1) == OTA_OK);
    CHECK(FS->remove(U, "d") == OTA_ERR_IO);
    CHECK(FS->rename(U, "f", "d") == OTA_ERR_IO);
    CHECK(FS->remove(U, "nope") == OTA_ERR_NOT_FOUND);
    CHECK(FS->open(U, "f/x", OTA_OPEN_READ) == OTA_ERR_NOT_FOUND);
    CHECK(sim_fs_open_handles(&sim.fs) == 0);
}

static void test_save_load(void)
{
    size_t len;

    fresh();
    CHECK(write_file("a", "1", 0) == OTA_OK);
    len = save();
    CHECK(write_file("b", "2", 1) == OTA_OK);
    CHECK(sim_fs_load(&sim.fs, image, len) == OTA_OK);
    CHECK(exists("a") && !exists("b"));
    CHECK(sim_fs_pending(&sim.fs) == 1); /* a's entry (its data hang off it) */
}

/* ---- the network ---------------------------------------------------------- */

struct got {
    int status;
    char etag[64];
    char body[8192];
    size_t len;
    int chunks;
};

static int got_status(void *arg, int status)
{
    ((struct got *)arg)->status = status;
    return 0;
}

static int got_header(void *arg, const char *n, size_t nl, const char *v, size_t vl)
{
    struct got *g = arg;

    if (nl == 4 && memcmp(n, "ETag", 4) == 0 && vl < sizeof g->etag) {
        memcpy(g->etag, v, vl);
        g->etag[vl] = '\0';
    }
    return 0;
}

static int got_body(void *arg, const uint8_t *p, size_t n)
{
    struct got *g = arg;

    if (g->len + n < sizeof g->body) {
        memcpy(g->body + g->len, p, n);
        g->len += n;
        g->body[g->len] = '\0';
    }
    g->chunks++;
    return 0;
}

static int get(const char *url, const char *inm, struct got *g)
{
    struct ota_http_sink sink = {got_status, got_header, got_body, NULL, NULL};
    struct ota_http_request req;
    const char *lines[1];
    char h[100];

    memset(g, 0, sizeof *g);
    sink.arg = g;
    req.url = url;
    req.headers = lines;
    req.header_count = 0;
    req.range_start = 0;
    if (inm) {
        snprintf(h, sizeof h, "If-None-Match: %s", inm);
        lines[0] = h;
        req.header_count = 1;
    }
    return port.http.get(port.user, &req, &sink);
}

static void test_network(void)
{
    static const struct sim_repo repo = {"http://api.sim", "http://raw.sim", "o", "r"};
    static char big[2500];
    struct sim_file files[3];
    char commit[41], sha[41], url[200], etag[64];
    struct got g;

    fresh();
    memset(big, 'z', sizeof big);
    files[0].path = "lib/b.py";
    files[0].data = "hello\n";
    files[0].size = 6;
    files[1].path = "a.txt";
    files[1].data = big;
    files[1].size = sizeof big;
    files[2].path = "lib.txt";
    files[2].data = "";
    files[2].size = 0;
    sim_blob_sha1("hello\n", 6, sha);
    CHECK_EQ_STR(sha, "ce013625030ba8dba906f756967f9e9ca394464a"); /* git hash-object */
    CHECK(sim_repo_publish(&sim.http, &repo, "main", "v1", files, 3, commit) == OTA_OK);
    CHECK(get("http://api.sim/repos/o/r/commits/main", NULL, &g) == OTA_OK);
    CHECK(g.status == 200 && strcmp(g.body, commit) == 0);
    memcpy(etag, g.etag, sizeof etag);
    CHECK(get("http://api.sim/repos/o/r/commits/main", etag, &g) == OTA_OK);
    CHECK(g.status == 304 && g.len == 0);
    snprintf(url, sizeof url, "http://api.sim/repos/o/r/git/trees/%s?recursive=1", commit);
    CHECK(get(url, NULL, &g) == OTA_OK);
    CHECK(g.status == 200);
    /* git order: a tree sorts as "lib/", and '.' < '/': a.txt, lib.txt, the
     * tree lib, lib/b.py */
    {
        const char *a = strstr(g.body, "\"a.txt\""), *t = strstr(g.body, "\"lib.txt\"");
        const char *d = strstr(g.body, "\"lib\""), *b = strstr(g.body, "\"lib/b.py\"");
        CHECK(a && t && d && b && a < t && t < d && d < b);
        CHECK(strstr(g.body, sha) != NULL);
    }
    snprintf(url, sizeof url, "http://raw.sim/o/r/%s/a.txt", commit);
    sim.http.chunk = 1000;
    CHECK(get(url, NULL, &g) == OTA_OK);
    CHECK(g.status == 200 && g.len == sizeof big && g.chunks == 3);
    CHECK(get("http://raw.sim/nothing", NULL, &g) == OTA_OK && g.status == 404);
    sim_fs_cut(&sim.fs, 0);
    CHECK(FS->mkdir(U, "x") == OTA_ERR_IO);
    CHECK(get(url, NULL, &g) == OTA_ERR_NETWORK); /* no power, no network */
}

int main(void)
{
    test_unsynced_data();
    test_truncation();
    test_entries();
    test_rename_atomic();
    test_rename_across_directories();
    test_entry_order();
    test_removed_directory_loses_contents();
    test_power_cut();
    test_contract();
    test_save_load();
    test_network();
    TEST_MAIN_END();
}

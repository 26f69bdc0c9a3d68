/* Power cuts at every mutation of an update, and during its recovery.
 *
 * For each scenario the device is brought to an "old" version (installed by
 * the engine itself, checked against an independent model), then for every
 * k in 0..N (N = mutations of an uncut update to "new") the power is cut
 * before mutation k of ota_update, the crash is applied (sim_fs_reboot with
 * a seed), ota_boot() recovers, and the device must be exactly old or
 * exactly new: every file and directory, version.json, .ota_state, and the
 * backup directory; no stage left. Each recovery is cut in turn at its
 * mutations j, rebooted and recovered again, and must end the same way.
 *
 * A case is named "scenario/k<k>/s<seed>/j<j>" ("j-": no second cut); give
 * that name on the command line to rerun it alone, verbosely.
 *
 *   test_powercut                 every cut point, sampled second cuts
 *   test_powercut --all           every second cut point too, more seeds
 *   test_powercut --shard 1/4     a quarter of the scenarios (ctest)
 *   test_powercut --scenario NAME one scenario
 *   test_powercut --list          the scenario names
 *   test_powercut NAME/k12/s2/j5  one case, with the engine's log
 *   test_powercut -vv NAME/k12/s2/j5  ... and every mutation, numbered */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ota/ota.h"
#include "sha1.h"
#include "sha256.h"
#include "sim.h"

/* ---- the device ------------------------------------------------------------ */

static struct sim sim;
static uint8_t arena[12u << 20];
static char net_text[2u << 20];
static struct ota_port port;
static uint8_t work[2048];
static int verbose;

#define IMG_MAX (16u << 20)
static uint8_t img_old[IMG_MAX], img_crash[IMG_MAX];
static size_t img_old_len, img_crash_len;

static void print_log(void *arg, enum ota_log_level level, const char *msg)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};

    (void)arg;
    fprintf(stderr, "    ota %s: %s\n", names[level], msg);
}

/* ---- versions: "path=content ..." ------------------------------------------ */

/* content: literal text, "#size/seed" (pseudo-random bytes), or "@sums"
 * (a SHA256SUMS listing of the version's other files). */
#define MAX_FILES 256
#define DATA_MAX (16u << 20)

static uint8_t data_pool[DATA_MAX];
static size_t data_used;
static char path_pool[1u << 20];
static size_t path_used;

struct version {
    int present;
    struct sim_file f[MAX_FILES];
    size_t n;
    char commit[41];
};

static void *pool_alloc(size_t n)
{
    void *p;

    if (data_used + n > DATA_MAX) {
        fprintf(stderr, "test data pool exhausted\n");
        exit(2);
    }
    p = data_pool + data_used;
    data_used += n;
    return p;
}

static char *path_keep(const char *s, size_t n)
{
    char *p;

    if (path_used + n + 1 > sizeof path_pool) {
        fprintf(stderr, "test path pool exhausted\n");
        exit(2);
    }
    p = path_pool + path_used;
    memcpy(p, s, n);
    p[n] = '\0';
    path_used += n + 1;
    return p;
}

static void gen_bytes(uint8_t *p, size_t n, uint32_t seed)
{
    uint32_t x = seed * 2654435761u + 12345u;
    size_t i;

    for (i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (uint8_t)(x >> 11);
    }
}

static void hex_of(const uint8_t *d, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[2 * n] = '\0';
}

static void make_sums(struct version *v, size_t self)
{
    char line[400], hex[65];
    size_t i, total = 0;
    uint8_t *buf;

    for (i = 0; i < v->n; i++)
        if (i != self)
            total += 67 + strlen(v->f[i].path);
    buf = pool_alloc(total + 1);
    total = 0;
    for (i = 0; i < v->n; i++) {
        struct ota_sha256 s;
        uint8_t d[32];
        if (i == self)
            continue;
        ota_sha256_init(&s);
        ota_sha256_update(&s, v->f[i].data, v->f[i].size);
        ota_sha256_final(&s, d);
        hex_of(d, 32, hex);
        snprintf(line, sizeof line, "%s  %s\n", hex, v->f[i].path);
        memcpy(buf + total, line, strlen(line));
        total += strlen(line);
    }
    v->f[self].data = buf;
    v->f[self].size = total;
}

static void parse_version(const char *spec, struct version *v)
{
    const char *p = spec;
    size_t sums = (size_t)-1;

    memset(v, 0, sizeof *v);
    if (!spec)
        return;
    v->present = 1;
    for (;;) {
        const char *start, *eq, *end;
        struct sim_file *f;

        while (*p == ' ' || *p == '\n')
            p++;
        if (!*p)
            break;
        start = p;
        while (*p && *p != ' ' && *p != '\n')
            p++;
        end = p;
        eq = memchr(start, '=', (size_t)(end - start));
        if (!eq || v->n == MAX_FILES) {
            fprintf(stderr, "bad version spec near %.20s\n", start);
            exit(2);
        }
        f = &v->f[v->n++];
        f->path = path_keep(start, (size_t)(eq - start));
        eq++;
        if (*eq == '#') {
            unsigned long size = 0, seed = 0;
            sscanf(eq + 1, "%lu/%lu", &size, &seed);
            f->data = pool_alloc(size);
            gen_bytes((uint8_t *)f->data, size, (uint32_t)seed);
            f->size = size;
        } else if (strncmp(eq, "@sums", 5) == 0) {
            sums = v->n - 1;
        } else {
            f->size = (size_t)(end - eq);
            f->data = pool_alloc(f->size + 1);
            memcpy((void *)f->data, eq, f->size);
        }
    }
    if (sums != (size_t)-1)
        make_sums(v, sums);
}

/* ---- scenarios ------------------------------------------------------------- */

struct scenario {
    const char *name;
    const char *user;       /* unmanaged files on the device from the start */
    const char *v0;         /* installed before old, so old has a backup */
    const char *old_v;      /* NULL: nothing installed yet */
    const char *new_v;
    const char *allow, *ignore;         /* rules of every install */
    const char *allow_new, *ignore_new; /* rules from the update to new on */
    const char *tamper;     /* device files changed after old was installed */
    int force;
    int same_commit;        /* new is old's commit again */
    int sidecar;            /* SHA256SUMS sidecar verification */
    int op;                 /* the operation cut: OP_UPDATE to new, or, with
                               new installed on trial, one of the others */
    int trial;              /* max_trial_boots; 0: trials off */
    int boots;              /* OP_*: boots of new before the operation */
};

enum { OP_UPDATE, OP_BOOT_REVERT, OP_ROLLBACK, OP_CONFIRM };

static char many_old[16384], many_new[16384], wide_old[16384], wide_new[16384];

static void build_generated_specs(void)
{
    size_t o = 0, n = 0;
    int i;

    /* 60 files in 6 directories and the top; the update changes 20, keeps
     * 30, deletes 10 and adds 10 */
    for (i = 0; i < 60; i++) {
        char path[64];
        if (i % 7 == 0)
            snprintf(path, sizeof path, "top%02d.py", i);
        else
            snprintf(path, sizeof path, "pkg/m%d/f%02d.py", i % 6, i);
        o += (size_t)snprintf(many_old + o, sizeof many_old - o, "%s=#%d/%d ", path,
                              40 + i * 13, i);
        if (i < 20)
            n += (size_t)snprintf(many_new + n, sizeof many_new - n, "%s=#%d/%d ", path,
                                  41 + i * 11, 1000 + i);
        else if (i < 50)
            n += (size_t)snprintf(many_new + n, sizeof many_new - n, "%s=#%d/%d ", path,
                                  40 + i * 13, i);
    }
    for (i = 0; i < 10; i++)
        n += (size_t)snprintf(many_new + n, sizeof many_new - n, "pkg/new%d/g%d.py=#%d/%d ",
                              i % 3, i, 30 + i, 2000 + i);
    /* 40 files, one per directory, every one replaced */
    o = n = 0;
    for (i = 0; i < 40; i++) {
        o += (size_t)snprintf(wide_old + o, sizeof wide_old - o, "w%02d/f=#%d/%d ", i, 20 + i,
                              3000 + i);
        n += (size_t)snprintf(wide_new + n, sizeof wide_new - n, "w%02d/f=#%d/%d ", i, 21 + i,
                              4000 + i);
    }
}

static const struct scenario scenarios[] = {
    {"add_files", NULL, NULL, "main.py=print(1) lib/a.py=A",
     "main.py=print(1) lib/a.py=A lib/b.py=B c.txt=C", NULL, NULL, NULL, NULL, NULL, 0, 0, 0, OP_UPDATE, 0, 0},
    {"replace_one", NULL, NULL, "main.py=v1 lib/a.py=A", "main.py=v2 lib/a.py=A",
     NULL, NULL, NULL, NULL, NULL, 0, 0, 0, OP_UPDATE, 0, 0},
    {"replace_all", NULL, NULL, "a=1 b=2 c/d=3", "a=11 b=22 c/d=33",
     NULL, NULL, NULL, NULL, NULL, 0, 0, 0, OP_UPDATE, 0, 0},
    {"delete_one", NULL, NULL, "a=1 b=2 c=3", "a=1 c=3", NULL, NULL, NULL, NULL, NULL, 0, 0, 0, OP_UPDATE, 0, 0},
    {"deletes_only", NULL, NULL, "a=1 b=2 lib/x=3 lib/y=4 docs/r.md=5", "a=1",
     NULL, NULL, NULL, NULL, NULL, 0, 0, 0, OP_UPDATE, 0, 0},
    {"delete_deep_prune", NULL, NULL, "a=1 d1/d2/d3/f=2 d1/g=3", "a=1",
     NULL, NULL, NULL, NULL, NULL, 0, 0, 0, OP_UPDATE, 0, 0},
    {"delete_everything", NULL, NULL, "a=1 b/c=2", "", NULL, NULL, NULL, NULL, NULL, 0, 0, 0, OP_UPDATE, 0, 0},
    {"nested_add", NULL, NULL, "a=1", "a=1 p/q/r/s/t.txt=deep p/q/u=2",
     NULL, NULL, NULL, NULL, NULL, 0, 0, 0, OP_UPDATE, 0, 0},
    {"nested_mixed", NULL, NULL, "lib/a/x=1 lib/a/y=2 lib/b/z=3",
     "lib/a/x=1 lib/a/y=22 lib/c/w=4", NULL, NULL, NULL, NULL, NULL, 0, 0, 0, OP_UPDATE, 0, 0},
    {"no_op_same_commit", NULL, NULL, "a=1 lib/b=2", "a=1 lib/b=2",
     NULL, NULL, NULL, NULL, NULL, 0, 1, 0, OP_UPDATE, 0, 0},
    {"same_tree_new_commit", NULL, NULL, "a=1 b=2", "a=1 b=2",
     NULL, NULL, NULL, NULL, NULL, 0, 0, 0, OP_UPDATE, 0, 0},
    {"many_files", NULL, NULL, many_old, many_new, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, OP_UPDATE, 0, 0},
    {"wide_dirs", NULL, NULL, wide_old, wide_new, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, OP_UPDATE, 0, 0},
    {"file_to_dir", NULL, NULL, "x=file y=1", "x/inner=now-a-dir y=1",
     NULL, NULL, NULL, NULL, NULL, 0, 0, 0, OP_UPDATE, 0, 0},
    {"dir_to_file", NULL, NULL, "x/a=1 x/b=2 y=1", "x=now-a-file y=1",
     NULL, NULL, NULL, NULL, NULL, 0, 0, 0, OP_UPDATE, 0, 0},
    {"deep_file_to_dir", NULL, NULL, "lib/x.py=1 lib/z=2", "lib/x.py/__init__.py=2 lib/z=2",
     NULL, NULL, NULL, NULL, NULL, 0, 0, 0, OP_UPDATE, 0, 0},
    {"large_add", NULL, NULL, "a=1", "a=1 big.bin=#40000/1",
     NULL, NULL, NULL, NULL, NULL, 0, 0, 0, OP_UPDATE, 0, 0},
    {"large_replace", NULL, NULL, "big.bin=#30000/1", "big.bin=#45000/2",
     NULL, NULL, NULL, NULL, NULL, 0, 0, 0, OP_UPDATE, 0, 0},
    {"large_many", NULL, NULL, "b1=#9000/1 d/b2=#12000/2", "b1=#9100/3 d/b2=#12000/4 b3=#20000/5",
     NULL, NULL, NULL, NULL, NULL, 0, 0, 0, OP_UPDATE, 0, 0},
    {"empty_files", NULL, NULL, "e1= a=1", "e1=x e2= a=", NULL, NULL, NULL, NULL, NULL, 0, 0, 0, OP_UPDATE, 0, 0},
    {"allow_rules", NULL, NULL, "main.py=1 lib/a=2 tests/t=3 README=4",
     "main.py=2 lib/a=2 lib/b=3 tests/t=4 README=5", "main.py,lib/", NULL, NULL, NULL, NULL,
     0, 0, 0, OP_UPDATE, 0, 0},
    {"ignore_rules", "lib/tests/local=mine", NULL, "lib/a=1 lib/tests/t1=1",
     "lib/a=2 lib/tests/t1=2 lib/tests/t2=3", NULL, "lib/tests", NULL, NULL, NULL, 0, 0, 0, OP_UPDATE, 0, 0},
    {"rules_change", NULL, NULL, "a=1 docs/x=2 docs/y=3", "a=2 docs/x=22",
     NULL, NULL, NULL, "docs", NULL, 0, 0, 0, OP_UPDATE, 0, 0},
    {"user_files_kept", "config.json=cfg data/log.txt=L lib/local.py=mine", NULL,
     "lib/a.py=1 data/seed=2", "lib/b.py=1", NULL, NULL, NULL, NULL, NULL, 0, 0, 0, OP_UPDATE, 0, 0},
    {"first_install", NULL, NULL, NULL, "main.py=1 lib/a=2 lib/b/c=3",
     NULL, NULL, NULL, NULL, NULL, 0, 0, 0, OP_UPDATE, 0, 0},
    {"first_install_over_user", "main.py=handmade keep=k", NULL, NULL,
     "main.py=official lib/x=1", NULL, NULL, NULL, NULL, NULL, 0, 0, 0, OP_UPDATE, 0, 0},
    {"backup_nested", NULL, "lib/a/x=0 lib/b/y=0 top=0", "lib/a/x=1 lib/b/y=1 top=1",
     "lib/a/x=2 top=2", NULL, NULL, NULL, NULL, NULL, 0, 0, 0, OP_UPDATE, 0, 0},
    {"backup_chain_deletes", NULL, "a=0 b=0 c/d=0", "a=1", "a=2 c/d=2",
     NULL, NULL, NULL, NULL, NULL, 0, 0, 0, OP_UPDATE, 0, 0},
    {"move_file", NULL, NULL, "src/a.py=code", "dst/a.py=code",
     NULL, NULL, NULL, NULL, NULL, 0, 0, 0, OP_UPDATE, 0, 0},
    {"rename_dir", NULL, NULL, "lib/a=1 lib/b=2", "lib2/a=1 lib2/b=2",
     NULL, NULL, NULL, NULL, NULL, 0, 0, 0, OP_UPDATE, 0, 0},
    {"swap_contents", NULL, NULL, "a=alpha b=beta", "a=beta b=alpha",
     NULL, NULL, NULL, NULL, NULL, 0, 0, 0, OP_UPDATE, 0, 0},
    {"duplicates", NULL, NULL, "a=same", "a=same b=same c/d=same",
     NULL, NULL, NULL, NULL, NULL, 0, 0, 0, OP_UPDATE, 0, 0},
    {"same_size_change", NULL, NULL, "a=aaaa b=bbbb", "a=aaab b=bbbb",
     NULL, NULL, NULL, NULL, NULL, 0, 0, 0, OP_UPDATE, 0, 0},
    {"git_order", NULL, NULL, "a.b=1 a/b=2 a-b=3 a0=4", "a.b=5 a/b=2 a/c=6 a-b=3",
     NULL, NULL, NULL, NULL, NULL, 0, 0, 0, OP_UPDATE, 0, 0},
    {"binary_content", NULL, NULL, "bin=#256/9 x/y.bin=#1500/3", "bin=#257/10 x/y.bin=#1500/4",
     NULL, NULL, NULL, NULL, NULL, 0, 0, 0, OP_UPDATE, 0, 0},
    {"force_repair", NULL, NULL, "a=good b=okay", "a=good b=okay",
     NULL, NULL, NULL, NULL, "a=evil", 1, 1, 0, OP_UPDATE, 0, 0},
    {"sidecar", NULL, NULL, "a=1 SHA256SUMS=@sums", "a=2 b=3 SHA256SUMS=@sums",
     NULL, NULL, NULL, NULL, NULL, 0, 0, 1, OP_UPDATE, 0, 0},
    {"replace_and_delete_same_dir", NULL, NULL, "d/a=1 d/b=2 d/c=3", "d/a=9",
     NULL, NULL, NULL, NULL, NULL, 0, 0, 0, OP_UPDATE, 0, 0},
    {"reserved_paths", NULL, NULL, "a=1 version.json=evil", "a=2 version.json=evil2",
     NULL, NULL, NULL, NULL, NULL, 0, 0, 0, OP_UPDATE, 0, 0},
    /* trial boots: new is installed (uncut), booted `boots` times, then the
     * operation is cut everywhere; old is the device on trial, new what the
     * operation makes of it */
    {"update_on_trial", NULL, "a=0 lib/b=0", "a=1 lib/b=1 c=1", "a=2 c=1 d/e=2",
     NULL, NULL, NULL, NULL, NULL, 0, 0, 0, OP_UPDATE, 3, 0},
    {"trial_revert", NULL, NULL, "main.py=v1 lib/a.py=A lib/c.py=C",
     "main.py=v2 lib/a.py=A lib/b.py=B", NULL, NULL, NULL, NULL, NULL, 0, 0, 0,
     OP_BOOT_REVERT, 2, 2},
    {"trial_revert_shapes", NULL, NULL, "x=file y/z=1 d/a=1 d/b=2 keep=k",
     "x/inner=dir y=now-file d/a=9 n/e/w=1 keep=k", NULL, NULL, NULL, NULL, NULL, 0, 0, 0,
     OP_BOOT_REVERT, 1, 1},
    {"trial_revert_many", NULL, NULL, many_old, many_new, NULL, NULL, NULL, NULL, NULL,
     0, 0, 0, OP_BOOT_REVERT, 1, 1},
    {"trial_revert_migrated", "version.json={\"commit\":\"original\"} main.py=handmade",
     NULL, NULL, "main.py=official lib/x=1", NULL, NULL, NULL, NULL, NULL, 0, 0, 0,
     OP_BOOT_REVERT, 1, 1},
    {"trial_revert_user_files", "data/log.txt=L lib/local.py=mine", NULL,
     "lib/a.py=1 data/seed=2", "lib/b.py=1 data/seed=3", NULL, NULL, NULL, NULL, NULL,
     0, 0, 0, OP_BOOT_REVERT, 1, 1},
    {"rollback_manual", NULL, NULL, "a=1 b=2 c/d=3", "a=2 c/e=4", NULL, NULL, NULL, NULL,
     NULL, 0, 0, 0, OP_ROLLBACK, 0, 0},
    {"rollback_on_trial", NULL, "a=0", "a=1 lib/b=2 big=#9000/1", "a=2 lib=file big=#12000/2",
     NULL, NULL, NULL, NULL, NULL, 0, 0, 0, OP_ROLLBACK, 3, 1},
    {"rollback_large", NULL, NULL, "big.bin=#30000/1 s=1", "big.bin=#45000/2 extra=#5000/3",
     NULL, NULL, NULL, NULL, NULL, 0, 0, 0, OP_ROLLBACK, 0, 0},
    {"confirm", NULL, "a=0", "a=1 d/b=2", "a=2 d/c=3", NULL, NULL, NULL, NULL, NULL,
     0, 0, 0, OP_CONFIRM, 3, 1},
};

#define SCENARIO_COUNT (sizeof scenarios / sizeof scenarios[0])

/* ---- settings ------------------------------------------------------------- */

#define MAX_RULES 8

struct rules {
    const char *item[MAX_RULES];
    size_t n;
    char buf[256];
};

static void parse_rules(const char *spec, struct rules *r)
{
    char *p;

    memset(r, 0, sizeof *r);
    if (!spec)
        return;
    snprintf(r->buf, sizeof r->buf, "%s", spec);
    for (p = strtok(r->buf, ","); p && r->n < MAX_RULES; p = strtok(NULL, ","))
        r->item[r->n++] = p;
}

static struct ota_settings settings;
static struct rules allow_rules, ignore_rules;
static const struct sim_repo repo = {"http://api.sim", "http://raw.sim", "acme", "app"};

static void use_rules(const char *allow, const char *ignore, const struct scenario *sc)
{
    parse_rules(allow, &allow_rules);
    parse_rules(ignore, &ignore_rules);
    memset(&settings, 0, sizeof settings);
    settings.owner = repo.owner;
    settings.repo = repo.name;
    settings.channel = OTA_CHANNEL_DEVELOPER;
    settings.branch = "main";
    settings.api_url = repo.api_url;
    settings.raw_url = repo.raw_url;
    settings.retries = 1;
    settings.backoff_sec = 1;
    settings.max_backoff_sec = 2;
    settings.allow = allow_rules.item;
    settings.allow_count = allow_rules.n;
    settings.ignore = ignore_rules.item;
    settings.ignore_count = ignore_rules.n;
    settings.force = sc->force;
    settings.sha256_sidecar = sc->sidecar ? "SHA256SUMS" : NULL;
    settings.max_trial_boots = sc->trial ? sc->trial : -1;
}

/* ---- failures --------------------------------------------------------------- */

static char case_id[160];
static long failures, failures_shown;

static void fail(const char *fmt, ...)
{
    va_list ap;

    failures++;
    if (failures_shown++ >= 40 && !verbose)
        return;
    fprintf(stderr, "FAIL %s: ", case_id);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* ---- running the engine ----------------------------------------------------- */

/* A call that returns success with the power on has made all it did
 * durable: nothing it wrote may still be lost to a cut. */
static int engine_clean(const char *what, int rc)
{
    uint32_t pending;

    if (rc == OTA_OK && !sim_fs_power_lost(&sim.fs) && (pending = sim_fs_pending(&sim.fs)) != 0) {
        fail("%s returned success with %u change(s) not yet durable", what, pending);
        return 0;
    }
    if (sim_fs_open_handles(&sim.fs) != 0) {
        fail("%s left %u file(s) open", what, sim_fs_open_handles(&sim.fs));
        return 0;
    }
    if (sim.fs.log_flushes) {
        fail("%s: the simulator's log overflowed (the crash model was kind)", what);
        sim.fs.log_flushes = 0;
        return 0;
    }
    if (sim.fs.violations) {
        fail("%s misused the filesystem: %s", what, sim.fs.violation);
        sim.fs.violations = 0;
        return 0;
    }
    return 1;
}

static int run_update(struct ota_result *res)
{
    struct ota_ctx ctx;
    int rc = ota_init(&ctx, &port, &settings, work, sizeof work);

    if (rc == OTA_OK)
        rc = ota_update(&ctx, res);
    if (verbose)
        fprintf(stderr, "  ota_update: %s%s%s (%u mutations)\n", ota_strerror(rc),
                rc ? ": " : "", rc ? ota_reason(&ctx) : "", sim_fs_mutations(&sim.fs));
    engine_clean("ota_update", rc);
    return rc;
}

static int run_rollback(int confirm)
{
    struct ota_ctx ctx;
    int rc = ota_init(&ctx, &port, &settings, work, sizeof work);

    if (rc == OTA_OK)
        rc = confirm ? ota_confirm(&ctx) : ota_rollback(&ctx);
    if (verbose)
        fprintf(stderr, "  ota_%s: %s%s%s (%u mutations)\n", confirm ? "confirm" : "rollback",
                ota_strerror(rc), rc ? ": " : "", rc ? ota_reason(&ctx) : "",
                sim_fs_mutations(&sim.fs));
    engine_clean(confirm ? "ota_confirm" : "ota_rollback", rc);
    return rc;
}

static int run_boot(void);

/* The operation a scenario cuts. */
static int run_op(const struct scenario *sc, struct ota_result *res)
{
    switch (sc->op) {
    case OP_BOOT_REVERT: return run_boot();
    case OP_ROLLBACK: return run_rollback(0);
    case OP_CONFIRM: return run_rollback(1);
    default: return run_update(res);
    }
}

static int run_boot(void)
{
    struct ota_ctx ctx;
    int rc = ota_init(&ctx, &port, &settings, work, sizeof work);

    if (rc == OTA_OK)
        rc = ota_boot(&ctx);
    if (verbose)
        fprintf(stderr, "  ota_boot: %s%s%s (%u mutations)\n", ota_strerror(rc),
                rc ? ": " : "", rc ? ota_reason(&ctx) : "", sim_fs_mutations(&sim.fs));
    engine_clean("ota_boot", rc);
    return rc;
}

/* ---- device images as text ---------------------------------------------------- */

/* One line per file ("F path size sha1") or directory ("D path"), sorted. */
#define TEXT_MAX (256u << 10)
#define MAX_ENTRIES 2048

struct image {
    char main[TEXT_MAX];   /* everything but the backup */
    char backup[TEXT_MAX]; /* lines under the backup directory */
};

struct listing {
    char *path[MAX_ENTRIES];
    char kind[MAX_ENTRIES];
    const uint8_t *data[MAX_ENTRIES]; /* model only */
    size_t size[MAX_ENTRIES];
    size_t n;
    char names[MAX_ENTRIES * 80];
    size_t names_used;
};

static struct listing scratch_list;

static int list_add(struct listing *l, const char *path, char kind, const uint8_t *data,
                    size_t size)
{
    size_t n = strlen(path) + 1;

    if (l->n == MAX_ENTRIES || l->names_used + n > sizeof l->names)
        return -1;
    l->path[l->n] = l->names + l->names_used;
    memcpy(l->path[l->n], path, n);
    l->names_used += n;
    l->kind[l->n] = kind;
    l->data[l->n] = data;
    l->size[l->n] = size;
    l->n++;
    return 0;
}

static int list_find(const struct listing *l, const char *path)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        if (strcmp(l->path[i], path) == 0)
            return (int)i;
    return -1;
}

/* Files the engine keeps for itself that are no part of a version: the
 * ETag cache and the error log (and the temporary copies of their atomic
 * replacement). */
static int is_scratch(const char *path)
{
    return strcmp(path, ".ota_cache") == 0 || strcmp(path, ".ota_cache.tmp") == 0 ||
           strcmp(path, "ota_error.json") == 0 || strcmp(path, "ota_error.json.tmp") == 0;
}

static const char *const *sort_base;

static int by_path(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;

    return strcmp(sort_base[i], sort_base[j]);
}

static size_t order_buf[MAX_ENTRIES];

/* Renders a listing (contents by pointer) as the two texts. */
static void render(const struct listing *l, struct image *img)
{
    size_t i, m = 0, b = 0;

    for (i = 0; i < l->n; i++)
        order_buf[i] = i;
    sort_base = (const char *const *)l->path;
    qsort(order_buf, l->n, sizeof order_buf[0], by_path);
    img->main[0] = img->backup[0] = '\0';
    for (i = 0; i < l->n; i++) {
        size_t k = order_buf[i];
        const char *p = l->path[k];
        int in_backup = strncmp(p, ".ota_backup", 11) == 0 && (p[11] == '\0' || p[11] == '/');
        char *out = in_backup ? img->backup : img->main;
        size_t *used = in_backup ? &b : &m;
        char line[400];
        if (is_scratch(p))
            continue;
        if (l->kind[k] == 'D') {
            snprintf(line, sizeof line, "D %s\n", p);
        } else if (strcmp(p, ".ota_backup/plan") == 0 || strcmp(p, ".ota_backup/trial") == 0) {
            snprintf(line, sizeof line, "F %s\n", p);
        } else {
            char sha[41];
            sim_blob_sha1(l->data[k], l->size[k], sha);
            snprintf(line, sizeof line, "F %s %zu %s\n", p, l->size[k], sha);
        }
        if (*used + strlen(line) + 1 > TEXT_MAX) {
            fprintf(stderr, "image text overflow\n");
            exit(2);
        }
        memcpy(out + *used, line, strlen(line) + 1);
        *used += strlen(line);
    }
}

/* Reads the whole device through the port, as the engine would. */
static uint8_t file_buf[DATA_MAX];
static size_t file_used;

struct walk {
    char dir[OTA_PATH_MAX + 64];
    struct listing *l;
    int err;
};

static int walk_entry(void *arg, const char *name, int is_dir)
{
    struct walk *w = arg;
    char path[OTA_PATH_MAX + 128];

    snprintf(path, sizeof path, "%s%s%s", w->dir, w->dir[0] ? "/" : "", name);
    if (list_add(w->l, path, is_dir ? 'D' : 'F', NULL, 0) != 0)
        w->err = -1;
    return w->err;
}

static int read_device(struct listing *l)
{
    size_t next = 0;
    struct walk w;

    memset(l, 0, offsetof(struct listing, names));
    l->names_used = 0;
    file_used = 0;
    w.l = l;
    w.err = 0;
    w.dir[0] = '\0';
    if (port.fs.list(port.user, "", walk_entry, &w) != OTA_OK || w.err)
        return -1;
    for (; next < l->n; next++) {
        if (l->kind[next] == 'D') {
            snprintf(w.dir, sizeof w.dir, "%s", l->path[next]);
            if (port.fs.list(port.user, w.dir, walk_entry, &w) != OTA_OK || w.err)
                return -1;
        } else {
            int fd = port.fs.open(port.user, l->path[next], OTA_OPEN_READ);
            long n;
            if (fd < 0)
                return -1;
            l->data[next] = file_buf + file_used;
            while ((n = port.fs.read(port.user, fd, file_buf + file_used,
                                     sizeof file_buf - file_used)) > 0)
                file_used += (size_t)n;
            port.fs.close(port.user, fd);
            if (n < 0)
                return -1;
            l->size[next] = (size_t)(file_buf + file_used - l->data[next]);
        }
    }
    return 0;
}

static int snapshot_device(struct image *img)
{
    if (read_device(&scratch_list) != 0)
        return -1;
    render(&scratch_list, img);
    return 0;
}

/* ---- the model: what an install must produce ----------------------------------- */

static int rule_matches(const char *rule, const char *path)
{
    size_t n = strlen(rule);

    while (n > 0 && rule[n - 1] == '/')
        n--;
    return n > 0 && strncmp(rule, path, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static int permitted(const struct rules *allow, const struct rules *ignore, const char *path)
{
    size_t i;

    for (i = 0; i < ignore->n; i++)
        if (rule_matches(ignore->item[i], path))
            return 0;
    if (allow->n == 0)
        return 1;
    for (i = 0; i < allow->n; i++)
        if (rule_matches(allow->item[i], path))
            return 1;
    return 0;
}

static int reserved(const char *path)
{
    return strcmp(path, "version.json") == 0 || strcmp(path, "ota_error.json") == 0 ||
           strcmp(path, ".ota_reverted") == 0 ||
           strcmp(path, ".ota_state") == 0 || rule_matches(".ota_stage", path) ||
           rule_matches(".ota_backup", path);
}

/* The device as a model: files (with contents), the installed state, and
 * what the backup keeps of the previous version besides its files. */
struct model {
    struct listing files;  /* 'F' entries only, backup files included */
    struct version state;  /* what .ota_state lists */
    char commit[41];
    int backup_plan;       /* the backup holds an install's plan */
    struct version prev_state; /* the backup's .ota_state and version.json */
    char prev_commit[41];
    int on_trial;
};

static struct model model_cur;

static void model_remove(struct listing *l, const char *path)
{
    int i = list_find(l, path);

    if (i >= 0) {
        l->n--;
        l->path[i] = l->path[l->n];
        l->kind[i] = l->kind[l->n];
        l->data[i] = l->data[l->n];
        l->size[i] = l->size[l->n];
    }
}

static void model_put(struct listing *l, const char *path, const uint8_t *data, size_t size)
{
    model_remove(l, path);
    list_add(l, path, 'F', data, size);
}

static const struct sim_file *version_find(const struct version *v, const char *path)
{
    size_t i;

    for (i = 0; i < v->n; i++)
        if (strcmp(v->f[i].path, path) == 0)
            return &v->f[i];
    return NULL;
}

static void blob_of(const struct sim_file *f, char sha[41]) { sim_blob_sha1(f->data, f->size, sha); }

/* What ota_update installs, per the planner's rules (src/core/plan.c). */
static void model_install(struct model *m, const struct version *v, const char *commit,
                          const struct rules *allow, const struct rules *ignore, int force)
{
    static struct listing backup;
    struct version next;
    size_t i;

    memset(&backup, 0, offsetof(struct listing, names));
    memset(&next, 0, sizeof next);
    next.present = 1;
    m->prev_state = m->state;
    memcpy(m->prev_commit, m->commit, 41);
    m->backup_plan = 1;
    m->on_trial = settings.max_trial_boots > 0 && m->commit[0];
    /* the previous backup goes */
    for (i = m->files.n; i-- > 0;)
        if (strncmp(m->files.path[i], ".ota_backup/", 12) == 0)
            model_remove(&m->files, m->files.path[i]);
    /* deletes: installed, gone from the tree, still ours */
    for (i = 0; i < m->state.n; i++) {
        const char *p = m->state.f[i].path;
        int at;
        if (version_find(v, p) || !permitted(allow, ignore, p))
            continue;
        at = list_find(&m->files, p);
        if (at >= 0) {
            list_add(&backup, p, 'F', m->files.data[at], m->files.size[at]);
            model_remove(&m->files, p);
        }
    }
    for (i = 0; i < v->n; i++) {
        const struct sim_file *f = &v->f[i];
        const struct sim_file *old = version_find(&m->state, f->path);
        char a[41], b[41];
        int at, keep;
        if (!permitted(allow, ignore, f->path) || reserved(f->path))
            continue;
        next.f[next.n++] = *f;
        at = list_find(&m->files, f->path);
        blob_of(f, a);
        keep = 0;
        if (old && at >= 0) {
            blob_of(old, b);
            keep = strcmp(a, b) == 0 && old->size == f->size && m->files.size[at] == f->size;
            if (keep && force) {
                sim_blob_sha1(m->files.data[at], m->files.size[at], b);
                keep = strcmp(a, b) == 0;
            }
        }
        if (keep)
            continue;
        if (at >= 0)
            list_add(&backup, f->path, 'F', m->files.data[at], m->files.size[at]);
        model_put(&m->files, f->path, f->data, f->size);
    }
    for (i = 0; i < backup.n; i++) {
        char p[OTA_PATH_MAX + 16];
        snprintf(p, sizeof p, ".ota_backup/files/%s", backup.path[i]);
        model_put(&m->files, p, backup.data[i], backup.size[i]);
    }
    m->state = next;
    memcpy(m->commit, commit, 41);
}

static char model_text[64u << 10], prev_text[64u << 10];
static char version_text[200], prev_version_text[200];

/* version.json as the engine writes it on the developer channel. */
static const char *version_json(const char *commit, char *out, size_t cap)
{
    snprintf(out, cap, "{\"ref\": \"main\", \"commit\": \"%s\", \"channel\": \"developer\"}\n",
             commit);
    return out;
}

/* .ota_state: "<sha> <size> <path>" lines in path order. */
static size_t state_text(const struct version *state, char *out, size_t cap)
{
    static size_t order[MAX_FILES];
    static const char *paths[MAX_FILES];
    size_t i, used = 0;

    for (i = 0; i < state->n; i++) {
        order[i] = i;
        paths[i] = state->f[i].path;
    }
    sort_base = paths;
    qsort(order, state->n, sizeof order[0], by_path);
    for (i = 0; i < state->n; i++) {
        const struct sim_file *f = &state->f[order[i]];
        char sha[41];
        blob_of(f, sha);
        used += (size_t)snprintf(out + used, cap - used, "%s %zu %s\n", sha, f->size, f->path);
    }
    return used;
}

static void add_text(struct listing *l, const char *path, const char *text, size_t len)
{
    list_add(l, path, 'F', (const uint8_t *)text, len);
}

/* The model as an image: files, their directories, version.json, .ota_state
 * and the backup's own files. */
static void model_image(const struct model *m, struct image *img)
{
    struct listing *l = &scratch_list;
    size_t i;

    memset(l, 0, offsetof(struct listing, names));
    l->names_used = 0;
    for (i = 0; i < m->files.n; i++)
        list_add(l, m->files.path[i], 'F', m->files.data[i], m->files.size[i]);
    if (m->commit[0]) {
        version_json(m->commit, version_text, sizeof version_text);
        add_text(l, "version.json", version_text, strlen(version_text));
        add_text(l, ".ota_state", model_text, state_text(&m->state, model_text, sizeof model_text));
    }
    if (m->backup_plan)
        add_text(l, ".ota_backup/plan", "", 0);
    if (m->backup_plan && m->prev_commit[0]) {
        version_json(m->prev_commit, prev_version_text, sizeof prev_version_text);
        add_text(l, ".ota_backup/version", prev_version_text, strlen(prev_version_text));
        add_text(l, ".ota_backup/state", prev_text,
                 state_text(&m->prev_state, prev_text, sizeof prev_text));
    }
    if (m->backup_plan && m->on_trial)
        add_text(l, ".ota_backup/trial", "", 0);
    /* directories: every parent of a file */
    for (i = 0; i < l->n; i++) {
        char dir[OTA_PATH_MAX + 32];
        char *slash;
        if (l->kind[i] != 'F')
            continue;
        snprintf(dir, sizeof dir, "%s", l->path[i]);
        while ((slash = strrchr(dir, '/')) != NULL) {
            *slash = '\0';
            if (list_find(l, dir) < 0)
                list_add(l, dir, 'D', NULL, 0);
        }
    }
    render(l, img);
}

/* ---- comparing --------------------------------------------------------------- */

enum outcome { BAD = 0, OLD = 1, NEW = 2 };

static struct image ref_old, ref_new, now, base;
static int strict_old; /* old must keep its whole backup (not an update) */

/* Prints the lines of a not in b and of b not in a. */
static void show_diff(const char *label_a, const char *a, const char *label_b, const char *b)
{
    const char *p;
    int shown = 0;

    for (p = a; *p && shown < 12;) {
        const char *nl = strchr(p, '\n');
        size_t n = (size_t)(nl - p) + 1;
        char line[400];
        snprintf(line, sizeof line, "%.*s", (int)n, p);
        if (!strstr(b, line) || (strstr(b, line) != b && strstr(b, line)[-1] != '\n')) {
            fprintf(stderr, "      only %s: %s", label_a, line);
            shown++;
        }
        p = nl + 1;
    }
    for (p = b; *p && shown < 24;) {
        const char *nl = strchr(p, '\n');
        size_t n = (size_t)(nl - p) + 1;
        char line[400];
        snprintf(line, sizeof line, "%.*s", (int)n, p);
        if (!strstr(a, line)) {
            fprintf(stderr, "      only %s: %s", label_b, line);
            shown++;
        }
        p = nl + 1;
    }
}

static int lines_subset(const char *sub, const char *super)
{
    const char *p;

    for (p = sub; *p;) {
        const char *nl = strchr(p, '\n');
        char line[400];
        const char *hit;
        snprintf(line, sizeof line, "%.*s", (int)(nl - p) + 1, p);
        hit = strstr(super, line);
        if (!hit || (hit != super && hit[-1] != '\n'))
            return 0;
        p = nl + 1;
    }
    return 1;
}

/* Exactly old or exactly new? Old may have lost (part of) its backup, which
 * an update throws away before it stages anything; new has exactly the
 * backup of what it replaced. */
static enum outcome classify(const char *when)
{
    if (snapshot_device(&now) != 0) {
        fail("%s: cannot read the device back", when);
        return BAD;
    }
    if (strcmp(now.main, ref_old.main) == 0 &&
        (strict_old ? strcmp(now.backup, ref_old.backup) == 0
                    : lines_subset(now.backup, ref_old.backup)))
        return OLD;
    if (strcmp(now.main, ref_new.main) == 0 && strcmp(now.backup, ref_new.backup) == 0)
        return NEW;
    fail("%s: the device is neither old nor new", when);
    if (failures_shown <= 40 || verbose) {
        fprintf(stderr, "    against old:\n");
        show_diff("device", now.main, "old", ref_old.main);
        show_diff("device", now.backup, "old", ref_old.backup);
        fprintf(stderr, "    against new:\n");
        show_diff("device", now.main, "new", ref_new.main);
        show_diff("device", now.backup, "new", ref_new.backup);
    }
    return BAD;
}

/* The outcome must also hold after a crash right now: what recovery
 * reported must be durable. */
static enum outcome classify_durable(const char *when)
{
    enum outcome a = classify(when), b;
    char what[96];

    if (a == BAD)
        return BAD;
    sim_fs_reboot(&sim.fs, SIM_CRASH_LOSE_ALL);
    snprintf(what, sizeof what, "%s, then a power cut losing everything unsynced", when);
    b = classify(what);
    if (b != BAD && b != a) {
        fail("%s: %s before the cut, %s after", when, a == OLD ? "old" : "new",
             b == OLD ? "old" : "new");
        return BAD;
    }
    return b;
}

/* ---- one scenario ------------------------------------------------------------- */

static struct version v_user, v_0, v_old, v_new;

static const char *outcome_name(enum outcome o)
{
    return o == OLD ? "old" : o == NEW ? "new" : "BAD";
}

static void set_case(const struct scenario *sc, long k, uint64_t seed, long j)
{
    if (k < 0)
        snprintf(case_id, sizeof case_id, "%s/setup", sc->name);
    else if (j < 0)
        snprintf(case_id, sizeof case_id, "%s/k%ld/s%llu/j-", sc->name, k,
                 (unsigned long long)seed);
    else
        snprintf(case_id, sizeof case_id, "%s/k%ld/s%llu/j%ld", sc->name, k,
                 (unsigned long long)seed, j);
}

static void print_mutation(void *arg, uint32_t index, const char *op, const char *a,
                           const char *b, int handle, size_t len)
{
    (void)arg;
    if (b)
        fprintf(stderr, "    #%u %s %s -> %s\n", index, op, a, b);
    else if (a)
        fprintf(stderr, "    #%u %s %s\n", index, op, a[0] ? a : "(root)");
    else
        fprintf(stderr, "    #%u %s handle %d (%zu bytes)\n", index, op, handle, len);
}

static void reset_device(void)
{
    sim_init(&sim, arena, sizeof arena, net_text, sizeof net_text, &port);
    sim.http.chunk = 700; /* several writes per file, none aligned */
    if (verbose) {
        sim.log_fn = print_log;
        if (verbose > 2)
            sim.fs.trace = print_mutation;
        sim.log_arg = NULL;
    }
}

static int put_user_files(const struct version *u)
{
    size_t i;

    for (i = 0; i < u->n; i++) {
        char dir[OTA_PATH_MAX];
        char *slash;
        snprintf(dir, sizeof dir, "%s", u->f[i].path);
        for (slash = strchr(dir, '/'); slash; slash = strchr(slash + 1, '/')) {
            *slash = '\0';
            sim_fs_put_dir(&sim.fs, dir);
            *slash = '/';
        }
        if (sim_fs_put(&sim.fs, u->f[i].path, u->f[i].data, u->f[i].size) != OTA_OK)
            return -1;
    }
    return 0;
}

static int install(struct version *v, const char *label)
{
    struct ota_result res;
    int rc;

    if (sim_repo_publish(&sim.http, &repo, "main", label, v->f, v->n, v->commit) != 0) {
        fail("cannot publish %s", label);
        return -1;
    }
    sim_fs_cut(&sim.fs, SIM_NO_CUT);
    rc = run_update(&res);
    if (rc != OTA_OK) {
        fail("uncut install of %s failed: %s", label, ota_strerror(rc));
        return -1;
    }
    return 0;
}

struct tally {
    unsigned long first_cuts, second_cuts, recoveries;
    long commit_point;         /* first k whose cut never goes back (-1 none) */
    long last_old;             /* last k that ended old */
};

/* Seeds of the first crash: lose everything unsynced, keep everything, and
 * random choices. */
static uint64_t first_seed(int i, long k)
{
    return i < 2 ? (uint64_t)i : (uint64_t)(2 + (unsigned long)k * 31u + (unsigned long)i * 7u);
}

static uint64_t second_seed(uint64_t seed, long j)
{
    return seed < 2 ? seed : seed * 1000003u + (uint64_t)j;
}

/* After recovery the device takes the next update like any other. */
static void follow_up(const struct scenario *sc)
{
    struct ota_result res;
    enum outcome o;
    int rc;

    sim_fs_cut(&sim.fs, SIM_NO_CUT);
    rc = run_update(&res);
    if (rc != OTA_OK) {
        fail("the next update after recovery failed: %s", ota_strerror(rc));
        return;
    }
    if (sc->force) {
        /* a forced update is a new transaction even on new: it installs
         * the same files and starts a new (empty) backup */
        if (snapshot_device(&now) != 0 || strcmp(now.main, ref_new.main) != 0 ||
            !lines_subset(now.backup, ref_new.backup))
            fail("the next (forced) update after recovery did not end on new");
        return;
    }
    o = classify_durable("after the next update");
    if (o == OLD && strcmp(ref_old.main, ref_new.main) != 0)
        fail("the next update after recovery did not install new");
}

/* Cut at k, crash with seed, recover; with j >= 0 also cut the recovery at
 * j, crash again and recover again. Returns the outcome. */
static enum outcome run_case(const struct scenario *sc, long k, uint64_t seed, long j,
                             uint32_t *recovery_mutations, int do_follow_up)
{
    struct ota_result res;
    enum outcome o;
    int rc;

    set_case(sc, k, seed, j);
    if (verbose)
        fprintf(stderr, "case %s\n", case_id);
    if (j < 0) {
        if (sim_fs_load(&sim.fs, img_old, img_old_len) != OTA_OK) {
            fail("cannot restore the old image");
            return BAD;
        }
        sim_fs_cut(&sim.fs, k);
        (void)run_op(sc, &res);
        if (verbose)
            fprintf(stderr, "  power %s after %u mutations; %u not durable\n",
                    sim_fs_power_lost(&sim.fs) ? "cut" : "still on", sim_fs_mutations(&sim.fs),
                    sim_fs_pending(&sim.fs));
        sim_fs_reboot(&sim.fs, seed);
        img_crash_len = sim_fs_save(&sim.fs, img_crash, sizeof img_crash);
        if (!img_crash_len) {
            fail("crash image too large");
            return BAD;
        }
    } else {
        if (sim_fs_load(&sim.fs, img_crash, img_crash_len) != OTA_OK) {
            fail("cannot restore the crash image");
            return BAD;
        }
        sim_fs_cut(&sim.fs, j);
        (void)run_boot();
        sim_fs_reboot(&sim.fs, second_seed(seed, j));
    }
    sim_fs_cut(&sim.fs, SIM_NO_CUT);
    rc = run_boot();
    if (recovery_mutations)
        *recovery_mutations = sim_fs_mutations(&sim.fs);
    if (rc != OTA_OK) {
        fail("recovery failed: %s", ota_strerror(rc));
        return BAD;
    }
    o = classify_durable("after recovery");
    if (verbose)
        fprintf(stderr, "  => %s\n", outcome_name(o));
    if (o != BAD && do_follow_up && sc->op == OP_UPDATE)
        follow_up(sc);
    return o;
}

struct run_opts {
    int all;            /* every second cut, more seeds */
    int seeds;          /* first-crash seeds per cut point */
    int j_samples;      /* second cuts per first cut (when not all) */
};

static int put_on_trial(const struct scenario *sc);

static int prepare(const struct scenario *sc)
{

    data_used = 0;
    path_used = 0;
    set_case(sc, -1, 0, -1);
    parse_version(sc->user, &v_user);
    parse_version(sc->v0, &v_0);
    parse_version(sc->old_v, &v_old);
    parse_version(sc->new_v, &v_new);
    reset_device();
    use_rules(sc->allow, sc->ignore, sc);
    memset(&model_cur, 0, sizeof model_cur);
    if (put_user_files(&v_user) != 0) {
        fail("cannot put the user files");
        return -1;
    }
    {
        size_t i;
        for (i = 0; i < v_user.n; i++)
            model_put(&model_cur.files, v_user.f[i].path, v_user.f[i].data, v_user.f[i].size);
    }
    if (v_0.present) {
        if (install(&v_0, "v0") != 0)
            return -1;
        model_install(&model_cur, &v_0, v_0.commit, &allow_rules, &ignore_rules, 0);
    }
    if (v_old.present) {
        if (install(&v_old, "old") != 0)
            return -1;
        model_install(&model_cur, &v_old, v_old.commit, &allow_rules, &ignore_rules, 0);
    }
    if (sc->tamper) {
        static struct version t;
        size_t i;
        parse_version(sc->tamper, &t);
        for (i = 0; i < t.n; i++) {
            sim_fs_put(&sim.fs, t.f[i].path, t.f[i].data, t.f[i].size);
            model_put(&model_cur.files, t.f[i].path, t.f[i].data, t.f[i].size);
        }
    }
    /* what the installs did must be durable when they return */
    sim_fs_reboot(&sim.fs, SIM_CRASH_LOSE_ALL);
    model_image(&model_cur, &ref_old);
    if (snapshot_device(&now) != 0 || strcmp(now.main, ref_old.main) != 0 ||
        strcmp(now.backup, ref_old.backup) != 0) {
        fail("the old version is not what the model expects");
        show_diff("device", now.main, "model", ref_old.main);
        show_diff("device", now.backup, "model", ref_old.backup);
        return -1;
    }
    img_old_len = sim_fs_save(&sim.fs, img_old, sizeof img_old);
    if (!img_old_len) {
        fail("old image too large");
        return -1;
    }
    /* the rules and the published version of the update to new */
    if (sc->allow_new || sc->ignore_new)
        use_rules(sc->allow_new ? sc->allow_new : sc->allow,
                  sc->ignore_new ? sc->ignore_new : sc->ignore, sc);
    if (sc->same_commit)
        memcpy(v_new.commit, v_old.commit, 41);
    else if (sim_repo_publish(&sim.http, &repo, "main", "new", v_new.f, v_new.n, v_new.commit) != 0) {
        fail("cannot publish new");
        return -1;
    }
    strict_old = sc->op != OP_UPDATE;
    return sc->op == OP_UPDATE ? 0 : put_on_trial(sc);
}

/* For the trial operations: old becomes the device with new installed and
 * booted sc->boots times; base keeps the version before it. */
static int put_on_trial(const struct scenario *sc)
{
    struct ota_result res;
    int b;

    base = ref_old;
    sim_fs_cut(&sim.fs, SIM_NO_CUT);
    if (run_update(&res) != OTA_OK || !res.installed) {
        fail("uncut install of new (to put it on trial) failed");
        return -1;
    }
    for (b = 0; b < sc->boots; b++)
        if (run_boot() != OTA_OK) {
            fail("trial boot %d failed", b + 1);
            return -1;
        }
    sim_fs_reboot(&sim.fs, SIM_CRASH_LOSE_ALL);
    if (snapshot_device(&ref_old) != 0) {
        fail("cannot read the device on trial");
        return -1;
    }
    img_old_len = sim_fs_save(&sim.fs, img_old, sizeof img_old);
    return img_old_len ? 0 : -1;
}

/* text without its line starting with prefix; 1 if there was one. */
static int drop_line(char *text, const char *prefix)
{
    char *p = strstr(text, prefix), *nl;

    if (!p || (p != text && p[-1] != '\n'))
        return 0;
    nl = strchr(p, '\n');
    memmove(p, nl + 1, strlen(nl + 1) + 1);
    return 1;
}

/* What the uncut operation must make of the device on trial: the version
 * before it, exactly, plus the note of the revert; or the same files
 * without the backup. */
static int check_op_result(const struct scenario *sc)
{
    static struct image got;

    got = ref_new;
    if (got.backup[0]) {
        fail("the backup is still there after the %s", sc->op == OP_CONFIRM ? "confirm" : "revert");
        show_diff("device", got.backup, "expected", "");
        return -1;
    }
    if (sc->op == OP_CONFIRM) {
        if (strcmp(got.main, ref_old.main) == 0)
            return 0;
        fail("confirming changed the files");
        show_diff("device", got.main, "on trial", ref_old.main);
        return -1;
    }
    if (!drop_line(got.main, "F .ota_reverted ")) {
        fail("the revert did not leave .ota_reverted");
        return -1;
    }
    if (strcmp(got.main, base.main) == 0)
        return 0;
    fail("the revert did not bring back the previous version exactly");
    show_diff("device", got.main, "previous", base.main);
    return -1;
}

static long measure_op(const struct scenario *sc)
{
    struct ota_result res;
    uint32_t n;

    sim_fs_load(&sim.fs, img_old, img_old_len);
    sim_fs_cut(&sim.fs, SIM_NO_CUT);
    if (run_op(sc, &res) != OTA_OK) {
        fail("the uncut operation failed");
        return -1;
    }
    n = sim_fs_mutations(&sim.fs);
    sim_fs_reboot(&sim.fs, SIM_CRASH_LOSE_ALL);
    if (snapshot_device(&ref_new) != 0 || check_op_result(sc) != 0)
        return -1;
    return (long)n;
}

static long measure_new(const struct scenario *sc)
{
    struct ota_result res;
    uint32_t n;
    int rc;

    if (sc->op != OP_UPDATE)
        return measure_op(sc);
    sim_fs_load(&sim.fs, img_old, img_old_len);
    sim_fs_cut(&sim.fs, SIM_NO_CUT);
    rc = run_update(&res);
    n = sim_fs_mutations(&sim.fs);
    if (rc != OTA_OK) {
        fail("uncut update to new failed: %s", ota_strerror(rc));
        return -1;
    }
    if (res.installed != (!sc->same_commit || sc->force)) {
        fail("uncut update to new: installed is %d", res.installed);
        return -1;
    }
    if (!sc->same_commit || sc->force)
        model_install(&model_cur, &v_new, v_new.commit, &allow_rules, &ignore_rules, sc->force);
    model_image(&model_cur, &ref_new);
    if (snapshot_device(&now) != 0 || strcmp(now.main, ref_new.main) != 0 ||
        strcmp(now.backup, ref_new.backup) != 0) {
        fail("the new version is not what the model expects");
        show_diff("device", now.main, "model", ref_new.main);
        show_diff("device", now.backup, "model", ref_new.backup);
        return -1;
    }
    sim_fs_reboot(&sim.fs, SIM_CRASH_LOSE_ALL);
    if (snapshot_device(&now) != 0 || strcmp(now.main, ref_new.main) != 0 ||
        strcmp(now.backup, ref_new.backup) != 0) {
        fail("the uncut update to new is not durable when it returns");
        show_diff("device", now.main, "new", ref_new.main);
        show_diff("device", now.backup, "new", ref_new.backup);
        return -1;
    }
    return (long)n;
}

/* The second cut points tried for one first cut: all of them, or a few
 * spread by k so that together they cover the recovery. */
static int second_cut_wanted(const struct run_opts *o, long k, int seed_i, uint32_t j,
                             uint32_t m)
{
    int t;

    if (o->all)
        return 1;
    if (m == 0)
        return 0;
    for (t = 0; t < o->j_samples; t++) {
        uint32_t pick = (uint32_t)(((unsigned long)k * 7919u + (unsigned long)seed_i * 104729u +
                                    (unsigned long)t * (m / (uint32_t)o->j_samples + 1u)) % m);
        if (pick == j)
            return 1;
    }
    return 0;
}

static void run_scenario(const struct scenario *sc, const struct run_opts *o, struct tally *t)
{
    long n, k;
    int si;
    long before = failures;

    t->commit_point = -1;
    t->last_old = -1;
    if (prepare(sc) != 0)
        return;
    n = measure_new(sc);
    if (n < 0)
        return;
    for (k = 0; k <= n; k++) {
        for (si = 0; si < o->seeds; si++) {
            uint64_t seed = first_seed(si, k);
            uint32_t m = 0, j;
            enum outcome first = run_case(sc, k, seed, -1, &m, si == 0 || o->all);
            t->first_cuts++;
            t->recoveries++;
            if (first == OLD && strcmp(ref_old.main, ref_new.main) != 0) {
                t->last_old = k;
                if (t->commit_point >= 0 && k >= t->commit_point) {
                    set_case(sc, k, seed, -1);
                    fail("old again after new at k%ld: the commit point went back", t->commit_point);
                }
            }
            if (first == NEW && seed == SIM_CRASH_LOSE_ALL && t->commit_point < 0)
                t->commit_point = k;
            if (first == BAD)
                continue;
            for (j = 0; j < m; j++) {
                enum outcome second;
                if (!second_cut_wanted(o, k, si, j, m))
                    continue;
                second = run_case(sc, k, seed, (long)j, NULL, 0);
                t->second_cuts++;
                t->recoveries += 2;
                if (second != BAD && second != first)
                    fail("a cut during recovery changed the outcome: %s, not %s",
                         outcome_name(second), outcome_name(first));
            }
        }
        if (failures - before > 200 && !verbose) {
            fprintf(stderr, "%s: too many failures, next scenario\n", sc->name);
            break;
        }
    }
    if (t->commit_point >= 0 && t->last_old >= t->commit_point) {
        set_case(sc, t->last_old, 0, -1);
        fail("old at k%ld after new without unsynced state at k%ld", t->last_old, t->commit_point);
    }
    printf("  %-28s N=%4ld  commit point k=%-4ld cuts %6lu + %7lu during recovery%s\n",
           sc->name, n, t->commit_point, t->first_cuts, t->second_cuts,
           failures > before ? "  FAILED" : "");
    fflush(stdout);
}

/* ---- one case from the command line ------------------------------------------- */

static int rerun(const char *id)
{
    char name[64];
    long k = -1, j = -1;
    unsigned long long seed = 0;
    const char *p = strchr(id, '/');
    size_t i;

    if (!p || (size_t)(p - id) >= sizeof name)
        return -1;
    memcpy(name, id, (size_t)(p - id));
    name[p - id] = '\0';
    if (strcmp(p, "/setup") != 0 && sscanf(p, "/k%ld/s%llu/j%ld", &k, &seed, &j) < 2)
        return -1;
    if (strstr(p, "/j-"))
        j = -1;
    for (i = 0; i < SCENARIO_COUNT; i++) {
        const struct scenario *sc = &scenarios[i];
        enum outcome o;
        if (strcmp(sc->name, name) != 0)
            continue;
        if (!verbose)
            verbose = 1;
        if (prepare(sc) != 0 || measure_new(sc) < 0)
            return 1;
        if (k < 0) {
            printf("%s: the old and new versions are what the model expects\n", case_id);
            return 0;
        }
        fprintf(stderr, "reference: old\n%s%snew\n%s%s", ref_old.main, ref_old.backup,
                ref_new.main, ref_new.backup);
        if (j >= 0) {
            /* the first crash again, quietly, then the case */
            int v = verbose;
            verbose = 0;
            run_case(sc, k, seed, -1, NULL, 0);
            verbose = v;
        }
        if (verbose > 1)
            sim.fs.trace = print_mutation;
        o = run_case(sc, k, seed, j, NULL, 1);
        printf("%s: %s\n", case_id, outcome_name(o));
        return failures ? 1 : 0;
    }
    fprintf(stderr, "no scenario %s\n", name);
    return 2;
}

int main(int argc, char **argv)
{
    struct run_opts o = {0, 3, 3};
    const char *only = NULL;
    int shard = 0, shards = 1, a;
    unsigned long first = 0, second = 0, recoveries = 0, ran = 0;
    clock_t start = clock();
    size_t i;

    build_generated_specs();
    for (a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--all") == 0) {
            o.all = 1;
            o.seeds = 6;
        } else if (strcmp(argv[a], "--shard") == 0 && a + 1 < argc) {
            if (sscanf(argv[++a], "%d/%d", &shard, &shards) != 2 || shards < 1 || shard < 1 ||
                shard > shards)
                return 2;
            shard--;
        } else if (strcmp(argv[a], "--scenario") == 0 && a + 1 < argc) {
            only = argv[++a];
        } else if (strcmp(argv[a], "--seeds") == 0 && a + 1 < argc) {
            o.seeds = atoi(argv[++a]);
        } else if (strcmp(argv[a], "--list") == 0) {
            for (i = 0; i < SCENARIO_COUNT; i++)
                printf("%s\n", scenarios[i].name);
            return 0;
        } else if (strcmp(argv[a], "-v") == 0) {
            verbose = 1;
        } else if (strcmp(argv[a], "-vv") == 0 || strcmp(argv[a], "-vvv") == 0) {
            verbose = (int)strlen(argv[a]) - 1;
        } else if (strchr(argv[a], '/')) {
            int r = rerun(argv[a]);
            if (r < 0)
                fprintf(stderr, "not a case id: %s (SCENARIO/kK/sSEED/jJ)\n", argv[a]);
            return r < 0 ? 2 : r;
        } else {
            fprintf(stderr, "usage: %s [--all] [--shard I/N] [--scenario NAME] [--seeds N] "
                            "[--list] [-v] [SCENARIO/kK/sSEED/jJ]\n", argv[0]);
            return 2;
        }
    }
    printf("power-cut suite: %zu scenarios, %s second cuts, %d crash seeds per cut point%s\n",
           SCENARIO_COUNT, o.all ? "every" : "sampled", o.seeds,
           o.all ? "" : " (--all for every second cut point)");
    for (i = 0; i < SCENARIO_COUNT; i++) {
        struct tally t;
        if (only ? strcmp(scenarios[i].name, only) != 0 : (int)(i % (size_t)shards) != shard)
            continue;
        memset(&t, 0, sizeof t);
        run_scenario(&scenarios[i], &o, &t);
        first += t.first_cuts;
        second += t.second_cuts;
        recoveries += t.recoveries;
        ran++;
    }
    printf("power-cut suite: %lu scenarios, %lu cut points checked (%lu during updates, %lu "
           "during recoveries), %lu recoveries, %.1f s CPU, %ld failures\n",
           ran, first + second, first, second, recoveries,
           (double)(clock() - start) / CLOCKS_PER_SEC, failures);
    return failures ? 1 : 0;
}
